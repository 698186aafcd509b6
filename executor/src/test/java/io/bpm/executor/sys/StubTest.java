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

    /** Sys's syscall trampoline is what its documented instructions assemble to. */
    @Test
    void trampolineMatchesItsInstructions(@TempDir Path dir) throws Exception {
        Host.assume(onPath("as") && onPath("objcopy"), "GNU as/objcopy not on PATH, trampoline not re-assembled (Debian: binutils)");
        Files.writeString(dir.resolve("t.S"), """
                .intel_syntax noprefix
                .text
                mov rax, rdi
                mov rdi, rsi
                mov rsi, rdx
                mov rdx, rcx
                mov r10, r8
                mov r8, r9
                mov r9, [rsp+8]
                syscall
                ret
                """);
        run(dir, "as", "--64", "-o", "t.o", "t.S");
        run(dir, "objcopy", "-O", "binary", "-j", ".text", "t.o", "t.bin");
        assertEquals(HexFormat.of().formatHex(Files.readAllBytes(dir.resolve("t.bin"))), Sys.TRAMPOLINE);
    }

    /** Through the trampoline, results and errors are the kernel's own. */
    @Test
    void rawCallsReturnTheKernelsResult() {
        assertEquals(ProcessHandle.current().pid(), Sys.raw(Nr.GETPID));
        assertEquals(-Errno.EBADF, Sys.raw(Nr.CLOSE, -1));
        assertEquals(-Errno.ENOENT, Sys.raw(Nr.CHDIR, java.lang.foreign.Arena.global().allocateFrom("/nonexistent-bpm-dir").address()));
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
