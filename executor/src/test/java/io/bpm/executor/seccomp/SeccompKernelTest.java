package io.bpm.executor.seccomp;

import io.bpm.executor.sys.Host;

import io.bpm.executor.plan.SeccompProfile;
import io.bpm.executor.sys.ExitStatus;
import io.bpm.executor.sys.Launcher;
import io.bpm.executor.sys.Sys;
import io.bpm.executor.sys.Tape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.bpm.executor.sys.Linux.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The compiled bpm-default profile loaded by the real kernel: the launch tape sets
 * no_new_privs and the filter as its last steps before execve of {@code /bin/sh -c}, and the
 * shell reports what it can and cannot do. As root (the tape starts the child in new mount,
 * pid, uts and ipc namespaces); skips loudly otherwise. Leaves no child, mount or directory
 * outside its temporary directory behind.
 */
class SeccompKernelTest {
    private static final List<String> ENV = Host.ENV;

    @TempDir
    Path dir;
    private List<String> mountsBefore;

    @BeforeEach
    void rootOnX86_64() {
        String arch = System.getProperty("os.arch");
        SyscallTableTest.skipUnless("amd64".equals(arch), "the launch stub is x86-64 only, os.arch=" + arch);
        SyscallTableTest.skipUnless(Sys.geteuid() == 0, "needs root (euid " + Sys.geteuid() + ") to launch into new namespaces");
        mountsBefore = Host.mountinfo();
    }

    @AfterEach
    void hostUnchanged() {
        if (mountsBefore == null) return;
        assertEquals(List.of(), Host.children(), "a launched child was left behind");
        assertEquals(mountsBefore, Host.mountinfo(), "the host mount table changed");
    }

    @Test
    void bpmProfileInTheKernel() {
        Path made = dir.resolve("made");
        Path target = dir.resolve("mnt");
        List<String> out = runUnder(Precompiled.program(SeccompProfile.bpmDefault(), Arch.X86_64), String.join("; ",
                "mkdir " + made + " && echo mkdir-ok",
                "unshare -m true; echo unshare=$?",
                "mkdir " + target + "; mount -t tmpfs none " + target + " 2>/dev/null; echo mount=$?",
                "echo mounted=$(grep -c ' " + target + " ' /proc/self/mountinfo)",
                "grep -E '^(NoNewPrivs|Seccomp|Seccomp_filters):' /proc/self/status",
                "true & wait $! && echo fork-ok",                                  // fork: clone(SIGCHLD|...)
                "awk 'BEGIN { exit system(\"true\") }' && echo spawn-ok",         // posix_spawn: clone3 → ENOSYS → clone
                "[ -x /bin/sh ] && echo test-x-ok",                                // faccessat2 → ENOSYS → faccessat
                "echo done"));
        System.out.println("SECCOMP kernel, bpm-default 1:\n  " + String.join("\n  ", out));
        assertTrue(Files.isDirectory(made), "mkdir is allowed");
        assertEquals(List.of(
                "mkdir-ok",
                "unshare: unshare failed: Operation not permitted", "unshare=1",
                "mount=32", "mounted=0",
                "NoNewPrivs:\t1", "Seccomp:\t2", "Seccomp_filters:\t1",
                "fork-ok", "spawn-ok", "test-x-ok", "done"), out);
    }

    /**
     * Why the compiler answers ENOSYS above the profile's highest number, as runc does: with
     * EPERM there, glibc's faccessat (and so {@code test -x}) fails instead of falling back.
     */
    @Test
    void withoutRuncsEnosysStubTestXBreaks() {
        List<String> out = runUnder(BpfCompiler.compile(SeccompProfile.bpmDefault(), Arch.X86_64, BpfCompiler.Options.LIBSECCOMP),
                "[ -x /bin/sh ] && echo test-x-ok || echo test-x-failed; echo done");
        System.out.println("SECCOMP kernel, without the ENOSYS stub: " + out);
        assertEquals(List.of("test-x-failed", "done"), out);
    }

    private List<String> runUnder(BpfProgram filter, String script) {
        Path out = dir.resolve("out");
        int outFd = Sys.open(out.toString(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ExitStatus status;
        try (Tape t = new Tape()) {
            t.at("private /").mount(null, "/", null, MS_REC | MS_PRIVATE, null)   // nothing can propagate to the host
                    .at("stdout").dup2(outFd, 1).dup2(outFd, 2)
                    .at("signals").resetSignals()
                    .at("fds").closeRange(3)                                       // before seccomp: close_range is denied
                    .at("no-new-privs").noNewPrivs()
                    .at("seccomp").seccomp(filter.toLongArray())
                    .at("exec").execve("/bin/sh", List.of("sh", "-c", script), ENV);
            var l = Launcher.launch(t);
            try {
                status = Sys.waitPidfd(l.pidfd());
            } finally {
                Sys.close(l.pidfd());
            }
        } finally {
            Sys.close(outFd);
        }
        List<String> lines = Host.lines(out);
        assertEquals(0, status.code(), status + ": " + lines);
        assertFalse(lines.isEmpty());
        return lines;
    }
}
