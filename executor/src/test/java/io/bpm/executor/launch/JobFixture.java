package io.bpm.executor.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bpm.executor.host.JobCgroup;
import io.bpm.executor.plan.ContainerId;
import io.bpm.executor.plan.HostFacts;
import io.bpm.executor.plan.HostPath;
import io.bpm.executor.plan.Plan;
import io.bpm.executor.plan.PlanFormatException;
import io.bpm.executor.plan.PlanText;
import io.bpm.executor.plan.Plans;
import io.bpm.executor.sys.ExitStatus;
import io.bpm.executor.sys.Linux;
import io.bpm.executor.sys.Nr;
import io.bpm.executor.sys.Sys;
import io.bpm.executor.sys.Tape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

import static io.bpm.executor.sys.Linux.*;

/**
 * A temporary BOSH root for one job, under /var/tmp (not /tmp: /tmp is mounted into jobs), with
 * jobs/JOB, packages/JOB/bin/run (the job's executable, a shell script), data/packages, sys/log
 * and store; and the plan text a compiler would write for it, with tini from Debian as the init.
 * The job is named {@code test-XXXXXX}, so its cgroups are {@code bpm-test-XXXXXX}.
 */
final class JobFixture implements AutoCloseable {

    static final String INIT = "/usr/bin/tini";

    /** The seccomp program the tests load: x86-64 only, no x32, unshare → EPERM, everything else allowed. */
    static final long[] TEST_FILTER = {
        Tape.bpfStmt(BPF_LD | BPF_W | BPF_ABS, SECCOMP_DATA_ARCH),
        Tape.bpfJump(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        Tape.bpfStmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        Tape.bpfStmt(BPF_LD | BPF_W | BPF_ABS, SECCOMP_DATA_NR),
        Tape.bpfJump(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
        Tape.bpfStmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        Tape.bpfJump(BPF_JMP | BPF_JEQ | BPF_K, Nr.UNSHARE, 0, 1),
        Tape.bpfStmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1),
        Tape.bpfStmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };

    final Path root;
    final String job;

    /** What varies between the tests' plans. */
    record Spec(List<String> capabilities, long nofile, Long pids, Long memory, List<String> extraMounts,
                List<String> extraPrep) {
        static Spec plain() {
            return new Spec(List.of(), 1024, null, null, List.of(), List.of());
        }

        Spec withCapabilities(String... caps) {
            return new Spec(List.of(caps), nofile, pids, memory, extraMounts, extraPrep);
        }

        Spec withPids(long n) {
            return new Spec(capabilities, nofile, n, memory, extraMounts, extraPrep);
        }

        Spec withNofile(long n) {
            return new Spec(capabilities, n, pids, memory, extraMounts, extraPrep);
        }

        /** Extra {@code mount} lines (without the keyword), sorted among the binds by depth then target. */
        Spec withMount(String line) {
            List<String> m = new ArrayList<>(extraMounts);
            m.add(line);
            return new Spec(capabilities, nofile, pids, memory, m, extraPrep);
        }

        /** Extra host-preparation lines (share, volume), placed before the log directory's mkdir. */
        Spec withPrep(String line) {
            List<String> p = new ArrayList<>(extraPrep);
            p.add(line);
            return new Spec(capabilities, nofile, pids, memory, extraMounts, p);
        }
    }

    private JobFixture(Path root, String job) {
        this.root = root;
        this.job = job;
    }

    /** A fresh root whose job runs {@code script} (the body of a /bin/sh script). */
    static JobFixture create(String script) throws IOException {
        Path root = Files.createTempDirectory(Path.of("/var/tmp"), "bpm-launch-");
        String job = "test-" + HexFormat.of().formatHex(new byte[] {
            (byte) ThreadLocalRandom.current().nextInt(), (byte) ThreadLocalRandom.current().nextInt(),
            (byte) ThreadLocalRandom.current().nextInt()});
        JobFixture f = new JobFixture(root, job);
        var rwxr_xr_x = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String d : List.of("jobs/" + job + "/config", "jobs/" + job + "/bin", "packages/" + job + "/bin",
                "data/packages", "sys/log", "store")) {
            Files.createDirectories(root.resolve(d), rwxr_xr_x);
        }
        for (Path p = root.resolve("jobs/" + job + "/config"); !p.equals(root); p = p.getParent()) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        for (Path p = root.resolve("packages/" + job + "/bin"); !p.equals(root); p = p.getParent()) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        f.script(script);
        return f;
    }

    /** Replaces the job's executable. */
    void script(String body) throws IOException {
        Path run = root.resolve("packages/" + job + "/bin/run");
        Files.writeString(run, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    HostFacts facts() {
        return HostFacts.of(root.toString(), 65534, 65534);
    }

    LaunchPlan.Options options() {
        return LaunchPlan.Options.defaults(step -> TEST_FILTER.clone()).withCgroupParent("/");
    }

    Path stdoutLog() {
        return root.resolve("sys/log/" + job + "/" + job + ".stdout.log");
    }

    Path stderrLog() {
        return root.resolve("sys/log/" + job + "/" + job + ".stderr.log");
    }

    String containerId() {
        return ContainerId.encode(job, job);
    }

    /** The job's cgroup directories on this host (parent "/"), whether they exist or not. */
    List<Path> cgroupDirs() {
        List<Path> out = new ArrayList<>();
        for (String h : List.of("memory", "pids")) {
            out.add(Path.of("/sys/fs/cgroup", h, containerId()));
        }
        return out;
    }

    Plan plan(Spec spec) {
        try {
            return PlanText.read(planText(spec));
        } catch (PlanFormatException e) {
            throw new AssertionError(e.getMessage() + " at line " + e.getLine() + "\n" + planText(spec), e);
        }
    }

    String planText(Spec spec) {
        String j = job;
        String cid = containerId();
        List<String> l = new ArrayList<>();
        l.add("bpm-plan 1");
        l.add("compiler launch-test");
        l.add("source sha256:" + Plans.sha256(j));
        l.add("job " + j);
        l.add("process " + j);
        l.add("container-id " + cid);
        l.add("lock-file $ROOT/data/bpm/locks/" + ContainerId.lockName(j, j));
        l.add("pid-file $ROOT/sys/run/bpm/" + j + "/" + j + ".pid");
        l.add("state-dir $ROOT/sys/run/bpm-state/" + cid);
        l.add("log stdout $ROOT/sys/log/" + j + "/" + j + ".stdout.log");
        l.add("log stderr $ROOT/sys/log/" + j + "/" + j + ".stderr.log");
        l.add("log bpm $ROOT/sys/log/" + j + "/bpm.log");
        l.add("user vcap");
        l.add("mkdir $ROOT/sys/run/bpm/" + j + " mode=0700 owner=root");
        l.addAll(spec.extraPrep());
        l.add("mkdir $ROOT/sys/log/" + j + " mode=0750 owner=vcap");
        l.add("mkdir $ROOT/sys/run/" + j + " mode=0700 owner=vcap");
        l.add("mkdir $ROOT/data/" + j + "/tmp mode=0700 owner=vcap");
        l.add("mkdir $ROOT/data/" + j + " mode=0700 owner=vcap");
        l.add("open-log $ROOT/sys/log/" + j + "/" + j + ".stdout.log mode=0600 owner=vcap");
        l.add("open-log $ROOT/sys/log/" + j + "/" + j + ".stderr.log mode=0600 owner=vcap");
        for (String ns : List.of("mnt", "pid", "uts", "ipc")) {
            l.add("namespace " + ns);
        }
        l.add("mount proc proc /proc -");
        l.add("mount tmpfs tmpfs /dev nosuid,noexec,mode=755");
        l.add("mount devpts devpts /dev/pts nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5");
        l.add("mount tmpfs shm /dev/shm nosuid,noexec,nodev,mode=1777");
        l.add("mount mqueue mqueue /dev/mqueue nosuid,noexec,nodev");
        l.add("mount sysfs sysfs /sys nosuid,noexec,nodev,ro");
        String system = "bind,exec,nosuid,nodev,ro";
        String optional = "bind,noexec,nosuid,nodev,ro if-exists";
        String writable = "rbind,noexec,nosuid,nodev,rw";
        List<String> binds = new ArrayList<>();
        for (String d : List.of("/bin", "/etc", "/lib", "/lib64", "/sbin", "/usr")) {
            binds.add("bind " + d + " " + d + " " + system);
        }
        binds.add("bind /run/resolvconf /run/resolvconf " + optional);
        binds.add("bind /run/systemd/resolve /run/systemd/resolve " + optional);
        binds.add("bind $ROOT/data/" + j + "/tmp /tmp " + writable);
        binds.add("bind $ROOT/data/" + j + "/tmp /var/tmp " + writable);
        binds.add("bind $ROOT/packages /var/vcap/packages " + system);
        binds.add("bind $ROOT/data/packages /var/vcap/data/packages " + system);
        binds.add("bind $ROOT/data/" + j + " /var/vcap/data/" + j + " " + writable);
        binds.add("bind $ROOT/jobs/" + j + " /var/vcap/jobs/" + j + " " + system);
        binds.add("bind $ROOT/data/" + j + "/tmp /var/vcap/data/" + j + "/tmp " + writable);
        binds.add("bind $ROOT/sys/log/" + j + " /var/vcap/sys/log/" + j + " " + writable);
        binds.addAll(spec.extraMounts());
        binds.sort(Comparator.comparingInt((String b) -> HostPath.components(b.split(" ")[2]).size())
                .thenComparing(b -> b.split(" ")[2]));
        for (String b : binds) {
            l.add("mount " + b);
        }
        for (String p : List.of("/etc/sv", "/proc/kcore", "/proc/latency_stats", "/proc/sched_debug", "/proc/timer_list",
                "/proc/timer_stats", "/sys/firmware")) {
            l.add("mask " + p);
        }
        for (String p : List.of("/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger")) {
            l.add("readonly " + p);
        }
        l.add("rlimit NOFILE " + spec.nofile() + " " + spec.nofile());
        if (spec.memory() != null) {
            l.add("cgroup memory " + spec.memory());
        }
        if (spec.pids() != null) {
            l.add("cgroup pids " + spec.pids());
        }
        String caps = String.join(",", spec.capabilities().stream().map(c -> "CAP_" + c).toList());
        l.add("capabilities bounding=" + caps + " inheritable=" + caps + " permitted=" + caps + " effective=" + caps
                + " ambient=" + caps);
        l.add("no-new-privs");
        l.add("seccomp bpm-default 1");
        l.add("env TMPDIR /var/vcap/data/" + j + "/tmp");
        l.add("env LANG en_US.UTF-8");
        l.add("env PATH /var/vcap/jobs/" + j + "/bin:/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin:.");
        l.add("env HOME /var/vcap/data/" + j);
        l.add("cwd /var/vcap/jobs/" + j);
        l.add("exec " + INIT + " -w -s -- /var/vcap/packages/" + j + "/bin/run");
        l.add("stop signal=TERM quit-after=15000ms kill-after=2000ms");
        return String.join("\n", l) + "\n";
    }

    // ---- running and cleaning up ------------------------------------------------------------------------

    /** Waits for the init to end (at most the timeout, then kills the job through its cgroup); closes the pidfd. */
    static ExitStatus await(LaunchPlan.Started s, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                ExitStatus st = Sys.waitid(Linux.P_PIDFD, s.pidfd(), Linux.WEXITED | Linux.WNOHANG);
                if (st != null) {
                    return st;
                }
                if (System.nanoTime() - deadline > 0) {
                    kill(s.cgroup());
                    return Sys.waitPidfd(s.pidfd());
                }
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            Sys.close(s.pidfd());
        }
    }

    /** SIGKILL to everything in the job's cgroup. */
    static void kill(JobCgroup cg) {
        try {
            cg.kill(Duration.ofSeconds(10), JobCgroup.Killer.SIGKILL);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Kills, reaps and removes whatever a test left of a started job; safe to call twice. */
    static void stop(LaunchPlan.Started s) throws IOException {
        if (s == null) {
            return;
        }
        kill(s.cgroup());
        try {
            Sys.waitPidfd(s.pidfd());
        } catch (RuntimeException alreadyReaped) {
            // ECHILD or EBADF: await() got there first
        }
        Sys.raw(Nr.CLOSE, s.pidfd());
        s.cgroup().remove(Duration.ofSeconds(10));
    }

    /** A small /proc/sys value (not Files.readString: see HostView.Real.sysctl). */
    static String sysctl(String path) throws IOException {
        return HostView.Real.sysctl(path);
    }

    static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        for (Path d : cgroupDirs()) {
            if (Files.isDirectory(d)) {
                JobCgroup.at(List.of(d)).kill(Duration.ofSeconds(10), JobCgroup.Killer.SIGKILL);
                JobCgroup.at(List.of(d)).remove(Duration.ofSeconds(10));
            }
        }
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    // ---- the host, before and after ---------------------------------------------------------------------

    /** What a test must leave as it found it: mounts, this JVM's children and fds, bpm-test cgroups. */
    record Snapshot(List<String> mountinfo, List<String> children, List<String> fds, List<String> cgroups) {
        static Snapshot take() {
            return new Snapshot(lines(Path.of("/proc/self/mountinfo")), listChildren(), countFds(), testCgroups());
        }

        /** Asserts the host is as this snapshot found it now; descriptors too when {@code fds}. */
        void assertUnchanged(boolean fds) {
            Snapshot after = take();
            assertEquals(mountinfo, after.mountinfo(), "the host's mount table changed");
            assertEquals(children, after.children(), "a launched process was left behind");
            assertEquals(cgroups, after.cgroups(), "a bpm-test cgroup was left behind");
            if (fds) {
                assertEquals(this.fds, after.fds(), "descriptors leaked");
            }
        }

        static List<String> lines(Path p) {
            try {
                return Files.readAllLines(p);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        static List<String> listChildren() {
            List<String> out = new ArrayList<>();
            try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
                for (Path t : tasks.toList()) {
                    try {
                        String c = Files.readString(t.resolve("children")).trim();
                        if (!c.isEmpty()) {
                            out.add(t.getFileName() + ": " + c);
                        }
                    } catch (IOException gone) {
                        // the thread ended meanwhile
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out;
        }

        /** What this JVM's descriptors point at, but the jars the class loader opens as tests need them. */
        static List<String> countFds() {
            List<String> out = new ArrayList<>();
            try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
                for (Path fd : fds.toList()) {
                    try {
                        String target = Files.readSymbolicLink(fd).toString();
                        if (!target.endsWith(".jar")) {
                            out.add(target);
                        }
                    } catch (IOException gone) {
                        // the directory stream's own descriptor, closed by now
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            out.sort(null);
            return out;
        }

        static List<String> testCgroups() {
            List<String> out = new ArrayList<>();
            for (String h : List.of("memory", "pids", "unified")) {
                Path dir = Path.of("/sys/fs/cgroup", h);
                if (!Files.isDirectory(dir)) {
                    continue;
                }
                try (Stream<Path> s = Files.list(dir)) {
                    s.filter(p -> p.getFileName().toString().startsWith("bpm-test-")).forEach(p -> out.add(p.toString()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return out;
        }
    }
}
