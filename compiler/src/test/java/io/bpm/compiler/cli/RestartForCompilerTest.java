package io.bpm.compiler.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * monit's start restarts its JVM with the compiler's AOT cache when the plan cache misses, once,
 * and a start from the plan cache never restarts.
 */
class RestartForCompilerTest extends JobHostTest {

    private static List<byte[]> bytes(String... args) {
        List<byte[]> out = new ArrayList<>();
        for (String a : args) out.add(a.getBytes(StandardCharsets.UTF_8));
        return out;
    }

    private static List<String> strings(List<byte[]> args) {
        List<String> out = new ArrayList<>();
        for (byte[] a : args) out.add(new String(a, StandardCharsets.UTF_8));
        return out;
    }

    @Test
    void theCommandLineGetsTheFullCacheAndLosesTheProperty() {
        assertEquals(List.of("/j/bin/java", "-XX:+UseSerialGC", "-XX:AOTCache=/full.aot", "-Xlog:aot*=off:stderr", "-jar",
                        "/b/bpm.jar", "start", "job"),
                strings(RestartForCompiler.commandLine(bytes("/j/bin/java", "-XX:+UseSerialGC", "-Xint", "-XX:-AOTReplayTraining", "-XX:AOTCache=/monit.aot",
                        "-Xlog:aot*=off:stderr", "-Dbpm.aot.compiler=/full.aot", "-jar", "/b/bpm.jar", "start", "job"), "/full.aot")));
        // the command's own arguments are not the JVM's: left as they are, also after -cp CLASSPATH MAIN
        assertEquals(List.of("java", "-cp", "-XX:AOTCache=x", "-XX:AOTCache=/full.aot", "io.bpm.Main", "-XX:AOTCache=arg",
                        "-Dbpm.aot.compiler=arg"),
                strings(RestartForCompiler.commandLine(bytes("java", "-cp", "-XX:AOTCache=x", "-XX:AOTCache=/m.aot",
                        "io.bpm.Main", "-XX:AOTCache=arg", "-Dbpm.aot.compiler=arg"), "/full.aot")));
        assertNull(RestartForCompiler.commandLine(bytes("java", "-Dbpm.aot.compiler=/full.aot", "-jar", "bpm.jar", "start", "job"),
                "/full.aot"), "no AOT cache option: nothing to change, no restart");
    }

    @Test
    void splitReadsNulTerminatedStrings() {
        assertEquals(List.of("a", "", "bc"), strings(RestartForCompiler.split("a\0\0bc\0".getBytes(StandardCharsets.UTF_8))));
        assertEquals(List.of("a", "b"), strings(RestartForCompiler.split("a\0b".getBytes(StandardCharsets.UTF_8))));
    }

    /** A real start whose plan is not cached, in a JVM given a (missing) monit cache and the property bin/bpm sets. */
    @Test
    void aStartWithoutACachedPlanRestartsOnceWithTheFullCache() throws Exception {
        h.script("trap 'exit 0' TERM\nwhile :; do sleep 1; done");
        h.oneProcess("");
        Path full = h.root.resolve("full.aot");   // missing caches: the JVM runs without them, the command line still says which
        for (int round = 0; round < 2; round++) {
            ProcessBuilder pb = h.command(Bpm.class, Map.of(), "start", h.job);
            List<String> cmd = new ArrayList<>(pb.command());
            cmd.addAll(1, List.of("-XX:AOTCache=" + h.root.resolve("monit.aot"), "-Xlog:aot*=off", "-Xlog:cds*=off",
                    "-D" + RestartForCompiler.PROPERTY + "=" + full));
            JobHost.Result r = h.run(pb.command(cmd));
            assertEquals(0, r.code(), r.err());
            List<String> log = Files.readAllLines(h.root.resolve("sys/log/" + h.job + "/bpm.log"));
            long restarts = log.stream().filter(l -> l.contains("\"bpm.start.restarting-with-compiler-cache\"")).count();
            assertEquals(1, restarts, "round " + round + ": one restart in all, for the compiled start only:\n" + String.join("\n", log));
            assertTrue(log.stream().anyMatch(l -> l.contains("\"cache\":\"" + full + "\"")), "the restart names the full cache");
            assertTrue(log.get(log.size() - 1).contains("\"bpm.start.complete\""), "the start completed:\n" + String.join("\n", log));
            assertTrue(Files.isRegularFile(h.pidFile()), "the pid file is written");
            assertEquals(0, h.bpm("stop", h.job).code());
        }
    }
}
