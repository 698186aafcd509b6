package io.bpm.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The AOT training workload bin/aot-train records: several commands in one JVM, output discarded. */
class AotTrainingTest {
    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    @TempDir
    Path dir;

    @Test
    void commandLinesAreSplitAtALoneSemicolon() {
        assertEquals(List.of(List.of("version"), List.of("compile", "a;b"), List.of("start", "--help")),
                AotTraining.split("version", ";", "compile", "a;b", ";", ";", "start", "--help", ";"));
    }

    @Test
    void eachCommandRunsWithItsOutputDiscardedAndFailuresAreCounted() throws Exception {
        Path yml = dir.resolve("jobs/web/config/bpm.yml");
        Files.createDirectories(yml.getParent());
        Files.writeString(yml, "processes:\n- name: web\n  executable: /var/vcap/packages/web/bin/web\n");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int failed = AotTraining.train(AotTraining.split("version", ";", "compile", yml.toString(), ";", "lint", dir.resolve("missing.yml").toString()),
                new PrintStream(log, true, StandardCharsets.UTF_8));
        assertEquals(1, failed);
        assertEquals("", console.stdout());
        assertEquals("", console.stderr());
        assertEquals(List.of("aot training: bpm version: exit 0", "aot training: bpm compile " + yml + ": exit 0",
                "aot training: bpm lint " + dir.resolve("missing.yml") + ": exit 2"), log.toString(StandardCharsets.UTF_8).lines().toList());
    }
}
