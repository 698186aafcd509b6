package io.bpm.executor.sys;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.bpm.executor.sys.Linux.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stub against the real kernel, as root. Every test checks that the host's mount table,
 * hostname and this JVM's children are as before, and nothing it spawned is left running.
 */
class LauncherTest {
    @TempDir
    Path dir;
    private Host.Snapshot before;

    @BeforeEach
    void root() {
        Host.assumeRootAndNamespaces();
        before = Host.Snapshot.take();
    }

    @AfterEach
    void hostUnchanged() {
        if (before != null) before.assertUnchanged();
    }

    // (a)
    @Test
    void execInNewNamespaces() {
        try (Tape t = new Tape()) {
            t.execve("/bin/true", List.of("true"), Host.ENV);
            var l = Launcher.launch(t);
            assertTrue(l.pid() > 0);
            assertEquals("exit 0", waitAndClose(l).toString());
        }
    }

    // (b)
    @Test
    void privateRootTmpfsHostnameAndPid1() throws Exception {
        Path mnt = Files.createDirectory(dir.resolve("mnt"));
        Path out = dir.resolve("out");
        String hostBefore = Host.hostname();
        int outFd = Sys.open(out.toString(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ExitStatus status;
        int pid;
        try (Tape t = new Tape()) {
            t.at("private /").mount(null, "/", null, MS_REC | MS_PRIVATE, null)
                    .at("tmpfs").mount("tmpfs", mnt.toString(), "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
                    .at("hostname").sethostname("bpm-sys-test")
                    .at("stdout").dup2(outFd, 1).dup2(outFd, 2)
                    .at("signals").resetSignals()
                    .at("fds").closeRange(3)
                    .at("exec").execve("/bin/sh", List.of("sh", "-c",
                            "hostname; grep -c ' " + mnt + " ' /proc/self/mountinfo; echo pid=$$; exec cat /proc/self/status"),
                            Host.ENV);
            var l = Launcher.launch(t);
            pid = l.pid();
            status = waitAndClose(l);
        } finally {
            Sys.close(outFd);
        }
        List<String> lines = Host.lines(out);
        assertEquals(0, status.code(), String.join("\n", lines));
        assertEquals("bpm-sys-test", lines.get(0));
        assertEquals("1", lines.get(1), "the tmpfs is mounted in the child's mount namespace");
        assertEquals("pid=1", lines.get(2));
        assertTrue(lines.contains("NSpid:\t" + pid + "\t1"), "PID 1 of its own namespace: " + lines);
        assertEquals(hostBefore, Host.hostname());
        assertFalse(Host.read(Path.of("/proc/self/mountinfo")).contains(" " + mnt + " "));
    }

    // (c)
    @Test
    void failingEntryIsNamedAndLeavesNothing() {
        Path mnt = dir.resolve("mnt");
        try (Tape t = new Tape()) {
            t.at("private /").mount(null, "/", null, MS_REC | MS_PRIVATE, null)
                    .mkdir(mnt.toString(), 0755)
                    .mount("tmpfs", mnt.toString(), "tmpfs", 0, "size=1m")
                    .at("bpm.yml:7:5 additional_volumes[0]").mount("/nonexistent-bpm-sys-test", mnt.toString(), null, MS_BIND, null)
                    .at("exec").execve("/bin/true", List.of("true"), Host.ENV);
            var e = assertThrows(LaunchException.class, () -> Launcher.launch(t));
            assertEquals(3, e.index());
            assertEquals("bpm.yml:7:5 additional_volumes[0]", e.label());
            assertEquals("mount", e.syscall());
            assertEquals(Errno.ENOENT, e.errno());
            assertEquals("entry 3 [bpm.yml:7:5 additional_volumes[0]]: mount(\"/nonexistent-bpm-sys-test\", \""
                    + mnt + "\", NULL, MS_BIND, NULL) failed: ENOENT (No such file or directory)", e.getMessage());
            assertFalse(Files.exists(Path.of("/proc/" + e.pid())), "the failed child was reaped");
        }
        // mkdir ran in the child and is visible on the host (same filesystem); the mounts are not
        assertTrue(Files.isDirectory(mnt));
    }


    /**
     * A child born in a cgroup v2 directory (clone3's CLONE_INTO_CGROUP, as the launch does on
     * cgroup v2) is listed in it while it runs, and the directory can go once it has exited.
     */
    @Test
    void childIsBornInACgroupV2Directory() throws Exception {
        Path unified = io.bpm.executor.host.Cgroups.detect().unifiedMount();
        org.junit.jupiter.api.Assumptions.assumeTrue(unified != null && Files.isWritable(unified.resolve("cgroup.procs")),
                "SKIPPED LOUDLY: no writable cgroup v2 hierarchy on this host");
        org.junit.jupiter.api.Assumptions.assumeTrue(io.bpm.executor.host.JobCgroup.bornInto(unified),
                "SKIPPED LOUDLY: this kernel has no CLONE_INTO_CGROUP (Linux 5.7)");
        Path cg = Files.createDirectory(unified.resolve("bpm-launcher-test-" + ProcessHandle.current().pid()));
        int fd = -1;
        try (Tape t = new Tape()) {
            fd = Sys.open(cg.toString(), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
            t.intoCgroup(fd).at("exec").execve("/bin/sleep", List.of("sleep", "30"), Host.ENV);
            var l = Launcher.launch(t);
            try {
                assertEquals(List.of(Long.toString(l.pid())), Files.readAllLines(cg.resolve("cgroup.procs")),
                        "the child is in the directory it was born in");
            } finally {
                Sys.pidfdSendSignal(l.pidfd(), SIGKILL);
                assertEquals(SIGKILL, waitAndClose(l).signal());
            }
        } finally {
            if (fd >= 0) Sys.close(fd);
            Files.delete(cg);   // empty once the child has been reaped
        }
    }

    // (d)
    @Test
    void dropsToNobodyWithoutCapabilities() {
        try (Tape t = new Tape()) {
            t.at("user").setgroups().setresgid(65534).setresuid(65534)
                    .at("capabilities").capset(0, 0, 0)
                    .at("no-new-privs").noNewPrivs()
                    .resetSignals().closeRange(3)
                    .at("exec").execve("/bin/sleep", List.of("sleep", "30"), Host.ENV);
            var l = Launcher.launch(t);
            try {
                String status = Host.read(Path.of("/proc/" + l.pid() + "/status"));
                assertTrue(status.contains("\nUid:\t65534\t65534\t65534\t65534\n"), status);
                assertTrue(status.contains("\nGid:\t65534\t65534\t65534\t65534\n"), status);
                assertTrue(status.lines().anyMatch(line -> line.matches("Groups:\\s*")), status);
                assertTrue(status.contains("\nCapEff:\t0000000000000000\n"), status);
                assertTrue(status.contains("\nCapPrm:\t0000000000000000\n"), status);
                assertTrue(status.contains("\nNoNewPrivs:\t1\n"), status);
                assertTrue(status.contains("\nSigBlk:\t0000000000000000\n"), status);
                assertTrue(status.contains("\nSigIgn:\t0000000000000000\n"), status);
            } finally {
                Sys.pidfdSendSignal(l.pidfd(), SIGKILL);   // PID 1 ignores TERM without a handler
                assertEquals(SIGKILL, waitAndClose(l).signal());
            }
        }
    }

    @Test
    void seccompFilterApplies() {
        Path out = dir.resolve("out");
        Path victim = dir.resolve("victim");
        long[] prog = {
            Tape.bpfStmt(BPF_LD | BPF_W | BPF_ABS, SECCOMP_DATA_ARCH),
            Tape.bpfJump(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
            Tape.bpfStmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
            Tape.bpfStmt(BPF_LD | BPF_W | BPF_ABS, SECCOMP_DATA_NR),
            Tape.bpfJump(BPF_JMP | BPF_JEQ | BPF_K, Nr.MKDIR, 1, 0),
            Tape.bpfJump(BPF_JMP | BPF_JEQ | BPF_K, Nr.MKDIRAT, 0, 1),
            Tape.bpfStmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | Errno.EPERM),
            Tape.bpfStmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        int outFd = Sys.open(out.toString(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        try (Tape t = new Tape()) {
            t.dup2(outFd, 1).dup2(outFd, 2).noNewPrivs().seccomp(prog).closeRange(3)
                    .execve("/bin/sh", List.of("sh", "-c", "mkdir " + victim + "; grep ^Seccomp: /proc/self/status"), Host.ENV);
            waitAndClose(Launcher.launch(t));
        } finally {
            Sys.close(outFd);
        }
        String text = Host.read(out);
        assertTrue(text.contains("Operation not permitted"), text);
        assertTrue(text.contains("Seccomp:\t2"), text);
        assertFalse(Files.exists(victim));
    }

    @Test
    void tapeWithoutExecveIsAnError() {
        try (Tape t = new Tape()) {
            t.syscall(Nr.GETPID);
            var e = assertThrows(LaunchException.class, () -> Launcher.launch(t));
            assertEquals(1, e.index());
            assertEquals(0, e.errno());
            assertTrue(e.getMessage().contains("without a successful execve; child exit 127"), e.getMessage());
        }
    }

    @Test
    void childEndingBeforeExecveIsAnError() {
        try (Tape t = new Tape()) {
            t.at("exit").syscall(Nr.EXIT_GROUP, 3).at("exec").execve("/bin/true", List.of("true"), Host.ENV);
            var e = assertThrows(LaunchException.class, () -> Launcher.launch(t));
            assertEquals(0, e.index());
            assertEquals("exit", e.label());
            assertTrue(e.getMessage().contains("ended (exit 3) before its execve"), e.getMessage());
        }
    }

    @Test
    void allowedErrorsAreSkipped() {
        try (Tape t = new Tape()) {
            t.mount("/nonexistent-bpm-sys-test", "/nonexistent-bpm-sys-test", null, MS_BIND, null).allowErrors()
                    .execve("/bin/true", List.of("true"), Host.ENV);
            assertEquals(0, waitAndClose(Launcher.launch(t)).code());
        }
    }

    @Test
    void execveFailureIsReported() {
        try (Tape t = new Tape()) {
            t.at("exec").execve("/nonexistent-bpm-sys-test", List.of("x"), Host.ENV);
            var e = assertThrows(LaunchException.class, () -> Launcher.launch(t));
            assertEquals("execve", e.syscall());
            assertEquals(Errno.ENOENT, e.errno());
        }
    }

    // (e)
    @Test
    void twoHundredSpawnsFromABusyJvm() throws Exception {
        var stop = new AtomicBoolean();
        List<Thread> churn = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            churn.add(Thread.ofPlatform().name("churn-" + i).start(() -> {
                long sink = 0;
                while (!stop.get()) {
                    byte[] b = new byte[64 * 1024];
                    b[sink == 0 ? 0 : 1] = 1;
                    sink += b.length;
                }
            }));
        }
        try {
            spawnOnce(null);                    // warm up: stub installed, classes loaded
            long fdsBefore = Host.openFds();
            int n = 200;
            long[] launch = new long[n];
            long[] whole = new long[n];
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                long[] launchNs = new long[1];
                spawnOnce(launchNs);
                whole[i] = System.nanoTime() - t0;
                launch[i] = launchNs[0];
            }
            long fdsAfter = Host.openFds();
            assertEquals(fdsBefore, fdsAfter, "fds leaked over " + n + " spawns");
            System.out.printf("SPAWN x%d, 3 allocating threads: launch (clone3..EOF) median %.3f ms p90 %.3f ms max %.3f ms;"
                            + " tape build+launch+wait median %.3f ms p90 %.3f ms%n", n,
                    pct(launch, 50), pct(launch, 90), pct(launch, 100), pct(whole, 50), pct(whole, 90));
        } finally {
            stop.set(true);
            for (Thread t : churn) t.join();
        }
        // the same, idle, for comparison with stub-facts.md
        int n = 100;
        long[] launch = new long[n];
        for (int i = 0; i < n; i++) {
            long[] launchNs = new long[1];
            spawnOnce(launchNs);
            launch[i] = launchNs[0];
        }
        System.out.printf("SPAWN x%d, idle: launch (clone3..EOF) median %.3f ms p90 %.3f ms%n", n, pct(launch, 50), pct(launch, 90));
    }

    @Test
    void concurrentLaunchersEachWithTheirOwnTape() throws Exception {
        var failures = new java.util.concurrent.ConcurrentLinkedQueue<Throwable>();
        List<Thread> spawners = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            spawners.add(Thread.ofPlatform().name("spawner-" + i).start(() -> {
                try {
                    for (int k = 0; k < 50; k++) spawnOnce(null);
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
        }
        for (Thread t : spawners) t.join();
        assertEquals(List.of(), List.copyOf(failures));
    }

    private static void spawnOnce(long[] launchNs) {
        try (Tape t = new Tape()) {
            t.mount(null, "/", null, MS_REC | MS_PRIVATE, null)
                    .sethostname("bpm-loop")
                    .resetSignals().closeRange(3)
                    .execve("/bin/true", List.of("true"), Host.ENV);
            long t0 = System.nanoTime();
            var l = Launcher.launch(t);
            if (launchNs != null) launchNs[0] = System.nanoTime() - t0;
            assertEquals(0, waitAndClose(l).code());
        }
    }

    private static double pct(long[] ns, int p) {
        long[] s = ns.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1 + (p == 0 ? 1 : 0))] / 1e6;
    }

    private static ExitStatus waitAndClose(Launcher.Launched l) {
        try {
            return Sys.waitPidfd(l.pidfd());
        } finally {
            Sys.close(l.pidfd());
        }
    }
}
