package io.bpm.compiler.cli;

import io.bpm.compiler.golden.Golden;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * dist/src/build/lambda-forms.txt names every method-handle shape that monit's command lines need
 * and the JDK's own holder classes lack: a compiling start, a stop, a cached start and a stop, run
 * on this JDK with its own holders only ({@code -Xshare:off}) and
 * {@code java.lang.invoke.MethodHandle.TRACE_RESOLVE}, which prints each shape looked up and
 * "(fail)" for one that is not there. bpm's runtimes add the list to their classlist
 * (dist/src/build/runtime), so that their AOT caches hold those shapes ready-made; a shape missing
 * from the list is spun at run time on every start and stop again. A JDK update or a change of
 * bpm's that needs a new shape fails here, with the lines to add.
 */
class LambdaFormsTest extends JobHostTest {

    @Test
    void theListNamesEveryShapeMonitsCommandsSpin() throws Exception {
        h.script("trap 'exit 0' TERM\nwhile :; do sleep 1; done");
        h.oneProcess("");
        TreeSet<String> spun = new TreeSet<>();
        for (String command : List.of("start", "stop", "start", "stop")) {
            ProcessBuilder pb = h.command(Bpm.class, Map.of(), command, h.job);
            List<String> cmd = new ArrayList<>(pb.command());
            cmd.addAll(1, List.of("-Xshare:off", "-Djava.lang.invoke.MethodHandle.TRACE_RESOLVE=true"));
            JobHost.Result r = h.run(pb.command(cmd));
            assertEquals(0, r.code(), command + ": " + r.err());
            for (String line : r.out().split("\n")) {
                if (line.startsWith("[LF_RESOLVE] ") && line.endsWith(" (fail)")) spun.add(line.substring(0, line.length() - " (fail)".length()));
            }
        }
        assertTrue(!spun.isEmpty(), "no shape was traced at all: TRACE_RESOLVE printed nothing, the test would prove nothing");

        Path list = Golden.repo().resolve("dist/src/build/lambda-forms.txt");
        TreeSet<String> listed = new TreeSet<>();
        for (String line : Files.readAllLines(list)) {
            if (!line.isBlank() && !line.startsWith("#")) listed.add(line.strip());
        }
        TreeSet<String> missing = new TreeSet<>(spun);
        missing.removeAll(listed);
        assertEquals("", String.join("\n", missing),
                "method-handle shapes monit's commands spin that " + list + " lacks: add these lines to it");
        System.out.println("LambdaFormsTest: " + spun.size() + " shapes beyond the JDK's holders, all listed (" + listed.size() + " listed)");
    }
}
