package io.bpm.executor.sys;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The shipped stub bytes are exactly what its assembly source assembles to. */
class StubTest {
    @Test
    void bytesMatchTheSource(@TempDir Path dir) throws Exception {
        Host.assume(onPath("as") && onPath("objcopy"), "GNU as/objcopy not on PATH, stub bytes not re-assembled (Debian: binutils)");
        Path src = dir.resolve("stub-x86_64.S");
        try (InputStream in = Stub.class.getResourceAsStream("stub-x86_64.S")) {
            Files.write(src, in.readAllBytes());
        }
        run(dir, "as", "--64", "-o", "stub.o", "stub-x86_64.S");
        run(dir, "objcopy", "-O", "binary", "-j", ".text", "stub.o", "stub.bin");
        byte[] built = Files.readAllBytes(dir.resolve("stub.bin"));
        assertEquals(HexFormat.of().formatHex(built), Stub.HEX,
                "Stub.HEX is stale: paste the expected value above into Stub.java");
        assertEquals(171, built.length);
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, tool))) return true;
        }
        return false;
    }

    private static void run(Path dir, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(cmd)).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
    }
}
