package io.bpm.executor.launch;

import io.bpm.executor.host.Binding;
import io.bpm.executor.host.BoundPlan;
import io.bpm.executor.plan.HostFacts;
import io.bpm.executor.plan.Plan;
import io.bpm.executor.plan.Plans;
import io.bpm.executor.plan.Step;
import io.bpm.executor.sys.Errno;
import io.bpm.executor.sys.SysException;
import io.bpm.executor.sys.Tape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tape building against an imagined host (no root, no kernel calls): the order of the tape, the
 * labels, mount points made only where missing, what is skipped, and the refusals.
 */
class TapeBuilderTest {

    private static final String ROOT = "/bosh";
    private static final String ROOTFS = "/bosh/data/bpm/bundles/web/web/rootfs";
    private static final TapeBuilder.Fds FDS = new TapeBuilder.Fds(10, 11, 12, List.of(13, 14));
    private static final long[] FILTER = {Tape.bpfStmt(0x06, 0x7fff0000)};

    /** A host where every path in the map exists with its kind; everything else is missing. */
    static final class FakeHost implements HostView {
        final Map<String, Kind> paths = new HashMap<>();
        long permitted = 0x1fffeffffffL;   // like this machine: no CAP_SYS_RESOURCE
        long nofileHard = 524288;

        FakeHost() {
            for (String d : List.of("/", "/bin", "/etc", "/lib", "/lib64", "/sbin", "/usr", "/dev", "/proc", "/sys", "/proc/sys",
                    "/proc/bus", "/sys/firmware", ROOT, ROOT + "/packages", ROOT + "/data", ROOT + "/data/packages",
                    ROOT + "/data/web", ROOT + "/data/web/tmp", ROOT + "/jobs", ROOT + "/jobs/web", ROOT + "/sys",
                    ROOT + "/sys/log", ROOT + "/sys/log/web")) {
                paths.put(d, Kind.DIRECTORY);
            }
            for (String f : List.of("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty",
                    "/proc/timer_list", "/proc/kcore")) {
                paths.put(f, Kind.FILE);
            }
        }

        @Override
        public Kind lstat(String path) {
            return paths.getOrDefault(path, Kind.MISSING);
        }

        @Override
        public Kind stat(String path) {
            Kind k = lstat(path);
            return k == Kind.SYMLINK ? Kind.DIRECTORY : k;
        }

        @Override
        public String realPath(String path) {
            return path;
        }

        @Override
        public long[] rlimit(int resource) {
            return new long[] {nofileHard, nofileHard};
        }

        @Override
        public long nrOpen() {
            return 1 << 20;
        }

        @Override
        public long permittedCapabilities() {
            return permitted;
        }

        @Override
        public long boundingCapabilities() {
            return permitted;
        }

        @Override
        public int lastCapability() {
            return 40;
        }

        @Override
        public String mountPointOf(String path) {
            return "/";
        }

        /** Bind sources opened so far (a fake descriptor each, from 100). */
        final List<String> opened = new ArrayList<>();
        /** Bind sources cloned so far, one per mount (a fake descriptor each, from 200). */
        final List<String> cloned = new ArrayList<>();

        /** As the kernel's openat2(RESOLVE_NO_SYMLINKS): a symlink below dir is ELOOP. */
        @Override
        public int openBelow(String dir, String path) {
            for (String p = path; p.length() > dir.length(); p = p.substring(0, p.lastIndexOf('/'))) {
                if (lstat(p) == Kind.SYMLINK) throw new SysException("openat2", "\"" + path + "\"", Errno.ELOOP);
            }
            opened.add(path);
            return 99 + opened.size();
        }

        @Override
        public int cloneTree(int fd, String path, boolean recursive) {
            assertEquals(path, opened.get(fd - 100), "cloned from the descriptor of its own source");
            cloned.add(path);
            return 199 + cloned.size();
        }

        @Override
        public void closeSource(int fd) {
        }
    }

    private static BoundPlan bound(Plan plan) {
        return Binding.bind(plan, HostFacts.of(ROOT, 1000, 1000).withExists(p -> false));
    }

    private static List<String> describe(Plan plan, FakeHost host) throws LaunchFailure {
        try (TapeBuilder.Built b = TapeBuilder.build(bound(plan), ROOTFS, FDS, FILTER, host)) {
            return b.tape().describe();
        }
    }

    /** The entries without the clone3 line and the index column, label after " # ". */
    private static List<String> calls(List<String> describe) {
        List<String> out = new ArrayList<>();
        for (String line : describe.subList(1, describe.size())) {
            out.add(line.substring(4).replaceAll(" {2,}# ", " # "));
        }
        return out;
    }

    @Test
    void theTapeOfTheReferencePlanInOrder() throws LaunchFailure {
        List<String> d = describe(Plans.valid(), new FakeHost());
        assertEquals("clone3({flags=CLONE_VM|CLONE_VFORK|CLONE_NEWNS|CLONE_NEWPID|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_CLEAR_SIGHAND"
                + "|CLONE_PIDFD, exit_signal=SIGCHLD})", d.getFirst());
        List<String> c = calls(d);
        String r = ROOTFS;
        assertEquals(List.of(
                "umask(022) # sandbox: umask 022",
                "mount(NULL, \"/\", NULL, MS_PRIVATE, NULL) # sandbox: / private (pivot_root refuses a shared root)",
                "mount(\"tmpfs\", \"" + r + "\", \"tmpfs\", MS_NOSUID|MS_NODEV, \"mode=0755,size=1m\") # sandbox: the new root",
                "mkdir(\"" + r + "/proc\", 0755) # step 19 mount /proc (default): create the mount point /proc",
                "mount(\"proc\", \"" + r + "/proc\", \"proc\", 0x0, NULL) # step 19 mount /proc (default)"),
                c.subList(0, 5));
        // the first bind, with its mount point, propagation and read-only remount
        int bin = c.indexOf("mkdir(\"" + r + "/bin\", 0755) # step 25 mount /bin (default): create the mount point /bin");
        assertTrue(bin > 0, String.join("\n", c));
        assertEquals(List.of(
                "mount(\"/bin\", \"" + r + "/bin\", NULL, MS_BIND, NULL) # step 25 mount /bin (default)",
                "mount(NULL, \"" + r + "/bin\", NULL, MS_REC|MS_SLAVE, NULL) # step 25 mount /bin (default)",
                "mount(NULL, \"" + r + "/bin\", NULL, MS_RDONLY|MS_NOSUID|MS_NODEV|MS_REMOUNT|MS_BIND, NULL) # step 25 mount /bin (default)"),
                c.subList(bin + 1, bin + 4));
        // /var/vcap/data/web/tmp exists on the host below the data/web bind: no mkdir for it
        assertTrue(c.stream().noneMatch(l -> l.startsWith("mkdir(\"" + r + "/var/vcap/data/web/tmp\"")), String.join("\n", c));
        assertTrue(c.contains("mkdir(\"" + r + "/var/vcap/data/web\", 0755) # step 35 mount /var/vcap/data/web (bpm.yml:7:3 ephemeral_disk): "
                + "create the mount point /var/vcap/data/web"), String.join("\n", c));
        // masks: a file gets /dev/null, a directory a read-only tmpfs; missing ones are skipped
        assertTrue(c.contains("mount(\"/dev/null\", \"" + r + "/proc/kcore\", NULL, MS_BIND, NULL) # step 40 mask /proc/kcore (default)"),
                String.join("\n", c));
        assertTrue(c.contains("mount(\"tmpfs\", \"" + r + "/sys/firmware\", \"tmpfs\", MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC, "
                + "\"mode=0755,size=4k\") # step 45 mask /sys/firmware (default)"), String.join("\n", c));
        assertTrue(c.stream().anyMatch(l -> l.equals("symlink(\"/proc/kcore\", \"" + r + "/dev/core\") # step 20 mount /dev (default): symlink /dev/core -> /proc/kcore")),
                String.join("\n", c));
        // the end of the tape, in the documented order
        int pivot = c.indexOf("mkdir(\"" + r + "/.bpm-old-root\", 0700) # sandbox: pivot_root into the new root");
        assertEquals(List.of(
                "chdir(\"" + r + "\") # sandbox: pivot_root into the new root",
                "pivot_root(\".\", \".bpm-old-root\") # sandbox: pivot_root into the new root",
                "chdir(\"/\") # sandbox: pivot_root into the new root",
                "mount(NULL, \"/.bpm-old-root\", NULL, MS_REC|MS_SLAVE, NULL) # sandbox: pivot_root into the new root",
                "umount2(\"/.bpm-old-root\", MNT_DETACH) # sandbox: pivot_root into the new root"),
                c.subList(pivot + 1, pivot + 6));
        assertEquals("rmdir(\"/.bpm-old-root\") # sandbox: pivot_root into the new root", c.get(pivot + 6));
        assertEquals(List.of(
                "mount(NULL, \"/\", NULL, MS_RDONLY|MS_NOSUID|MS_NODEV|MS_REMOUNT|MS_BIND, NULL) # sandbox: the new root read-only",
                "setrlimit(7, {1024, 1024}) # step 52 rlimit NOFILE 1024 1024 (bpm.yml:8:40 limits.open_files)",
                "write(13, \"0\", 1) # step 53 cgroup memory 1073741824 (bpm.yml:8:19 limits.memory): join the job's cgroup",
                "write(14, \"0\", 1) # step 53 cgroup memory 1073741824 (bpm.yml:8:19 limits.memory): join the job's cgroup",
                "setsid() # sandbox: a new session",
                "dup2(10, 0) # sandbox: stdin from /dev/null",
                "dup2(11, 1) # step 13 open-log /bosh/sys/log/web/web.stdout.log (default): as stdout",
                "dup2(12, 2) # step 14 open-log /bosh/sys/log/web/web.stderr.log (default): as stderr",
                "prctl(24, 0, 0, 0, 0) # step 55 capabilities (bpm.yml:6:3 capabilities): drop CAP_CHOWN from the bounding set"),
                c.subList(pivot + 7, pivot + 16));
        int keep = c.indexOf("prctl(8, 1, 0, 0, 0) # step 55 capabilities (bpm.yml:6:3 capabilities): keep the permitted set across setresuid");
        assertTrue(c.subList(pivot, keep).stream().noneMatch(l -> l.contains("drop CAP_NET_BIND_SERVICE")), "NET_BIND_SERVICE stays bounded");
        assertEquals(List.of(
                "setgroups(0, []) # step 7 user vcap (default)",
                "setresgid(1000, 1000, 1000) # step 7 user vcap (default)",
                "setresuid(1000, 1000, 1000) # step 7 user vcap (default)",
                "capset({_LINUX_CAPABILITY_VERSION_3, 0}, {effective=0x0, permitted=0x400, inheritable=0x400}) # step 55 capabilities (bpm.yml:6:3 capabilities)",
                "prctl(47, 2, 10, 0, 0) # step 55 capabilities (bpm.yml:6:3 capabilities): raise CAP_NET_BIND_SERVICE in the ambient set",
                "prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) # step 56 no-new-privs (default)"),
                c.subList(keep + 1, keep + 7));
        assertEquals(List.of(
                "rt_sigprocmask(SIG_SETMASK, [], NULL, 8) # sandbox: default signal dispositions, empty signal mask",
                "close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) # sandbox: inherited descriptors closed at exec",
                "chdir(\"/var/vcap/jobs/web\") # step 63 cwd /var/vcap/jobs/web (default)",
                "faccessat(AT_FDCWD, \"/var/vcap/packages/web/bin/web\", X_OK) # step 64 exec /var/vcap/packages/bpm/bin/tini "
                        + "(bpm.yml:3:3 executable): the job's executable /var/vcap/packages/web/bin/web must be executable by the job's user",
                "seccomp(SECCOMP_SET_MODE_FILTER, 0, {len=1}) # step 57 seccomp bpm-default 1 (default)",
                "execve(\"/var/vcap/packages/bpm/bin/tini\", [\"/var/vcap/packages/bpm/bin/tini\", \"-w\", \"-s\", \"--\", "
                        + "\"/var/vcap/packages/web/bin/web\", \"--port\", \"8080\"], [\"FOO=BAR\", \"TMPDIR=/var/vcap/data/web/tmp\", "
                        + "\"LANG=en_US.UTF-8\", \"PATH=/var/vcap/jobs/web/bin:/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin:.\", "
                        + "\"HOME=/var/vcap/data/web\"]) # step 64 exec /var/vcap/packages/bpm/bin/tini (bpm.yml:3:3 executable)"),
                c.subList(c.size() - 6, c.size()));
    }

    @Test
    void missingMaskedAndReadOnlyPathsAreSkippedAndListed() throws LaunchFailure {
        try (TapeBuilder.Built b = TapeBuilder.build(bound(Plans.valid()), ROOTFS, FDS, FILTER, new FakeHost())) {
            assertEquals(List.of(
                    "step 39 mask /etc/sv (default): /etc/sv does not exist here",
                    "step 41 mask /proc/latency_stats (default): /proc/latency_stats does not exist here",
                    "step 42 mask /proc/sched_debug (default): /proc/sched_debug does not exist here",
                    "step 44 mask /proc/timer_stats (default): /proc/timer_stats does not exist here",
                    "step 46 readonly /proc/asound (default): /proc/asound does not exist here",
                    "step 48 readonly /proc/fs (default): /proc/fs does not exist here",
                    "step 49 readonly /proc/irq (default): /proc/irq does not exist here",
                    "step 51 readonly /proc/sysrq-trigger (default): /proc/sysrq-trigger does not exist here"), b.skipped());
        }
    }

    @Test
    void aFileSourceGetsAnEmptyFileAsItsMountPoint() throws LaunchFailure {
        FakeHost host = new FakeHost();
        host.paths.put(ROOT + "/data/web/config.yml", HostView.Kind.FILE);
        Plan plan = Plans.insert(Plans.valid(), Plans.mountIndex(Plans.valid(), "/var/vcap/data/web") + 1,
                new Step.Mount("bind", "$ROOT/data/web/config.yml", "/var/vcap/data/web/config.yml",
                        List.of("bind", "noexec", "nosuid", "nodev", "ro"), false, io.bpm.executor.plan.Provenance.DEFAULT));
        // inside the data/web bind, the file does exist on the host: nothing to create
        List<String> c = calls(describe(plan, host));
        assertTrue(c.stream().noneMatch(l -> l.contains("create the mount point /var/vcap/data/web/config.yml")), String.join("\n", c));
        // where it does not exist yet (in the root tmpfs), an empty file is created
        Plan atRoot = Plans.insert(Plans.valid(), Plans.mountIndex(Plans.valid(), "/var/vcap/packages"),
                new Step.Mount("bind", "$ROOT/data/web/config.yml", "/etc2/config.yml",
                        List.of("bind", "noexec", "nosuid", "nodev", "ro"), false, io.bpm.executor.plan.Provenance.DEFAULT));
        List<String> c2 = calls(describe(atRoot, host));
        assertTrue(c2.stream().anyMatch(l -> l.startsWith("mkdir(\"" + ROOTFS + "/etc2\", 0755)")), String.join("\n", c2));
        assertTrue(c2.stream().anyMatch(l -> l.startsWith("openat(AT_FDCWD, ") && l.contains("O_RDONLY|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, 0644)")
                && l.endsWith("create the mount point /etc2/config.yml")),
                String.join("\n", c2));
    }

    @Test
    void aSymlinkOnTheWayToAMountPointIsRefused() {
        FakeHost host = new FakeHost();
        host.paths.put(ROOT + "/data/web/tmp", HostView.Kind.SYMLINK);
        LaunchFailure e = assertThrows(LaunchFailure.class, () -> describe(Plans.valid(), host));
        assertTrue(e.getMessage().contains("refusing to bind " + ROOT + "/data/web/tmp: " + ROOT + "/data/web/tmp is a symlink"),
                e.getMessage());
        assertEquals("step 30 mount /tmp (default)", e.step());
    }

    /** What a job owns is mounted from a descriptor opened at build time, what root owns by its path. */
    @Test
    void sourcesWhereJobsOwnDirectoriesAreMountedFromADescriptor() throws LaunchFailure {
        FakeHost host = new FakeHost();
        List<String> c = calls(describe(Plans.valid(), host));
        String r = ROOTFS;
        assertTrue(host.opened.contains(ROOT + "/data/web/tmp") && host.opened.contains(ROOT + "/sys/log/web"), host.opened.toString());
        assertTrue(host.opened.stream().allMatch(p -> p.startsWith(ROOT + "/data/") || p.startsWith(ROOT + "/sys/")
                || p.startsWith(ROOT + "/store/")), host.opened.toString());
        // each source is opened once and cloned for each of its mounts
        assertEquals(host.opened.stream().distinct().toList(), host.opened);
        assertEquals(c.stream().filter(l -> l.startsWith("move_mount(")).count(), host.cloned.size(), host.cloned.toString());
        assertTrue(host.cloned.stream().filter(p -> p.equals(ROOT + "/data/web/tmp")).count() > 1, host.cloned.toString());
        int fd = 200 + host.cloned.indexOf(ROOT + "/data/web/tmp");
        assertTrue(c.contains("move_mount(" + fd + " = \"" + ROOT + "/data/web/tmp\", \"\", AT_FDCWD, \"" + r + "/tmp\", "
                + "MOVE_MOUNT_F_EMPTY_PATH) # step 30 mount /tmp (default)"), String.join("\n", c));
        assertTrue(c.stream().anyMatch(l -> l.startsWith("mount(\"" + ROOT + "/jobs/web\", ")), String.join("\n", c));
        // job-owned binds refuse symlinks while the root is built below them, and follow them again after
        String tmp = "mount(NULL, \"" + r + "/tmp\", NULL, ";
        int nofollow = indexOf(c, tmp + "MS_NOSUID|MS_NODEV|MS_NOEXEC|MS_REMOUNT|MS_NOSYMFOLLOW|MS_BIND, NULL) # step 30");
        int follow = indexOf(c, tmp + "MS_NOSUID|MS_NODEV|MS_NOEXEC|MS_REMOUNT|MS_BIND, NULL) # sandbox: symlinks followed again in /tmp");
        int pivot = indexOf(c, "pivot_root(\".\", \".bpm-old-root\")");
        assertTrue(nofollow >= 0 && nofollow < follow && follow < pivot, String.join("\n", c));
        assertTrue(c.stream().noneMatch(l -> l.contains(ROOT + "/jobs/web") && l.contains("MS_NOSYMFOLLOW")), "root's binds as before");

        // a dry run opens nothing (host preparation has not made the sources): placeholders after FDS
        FakeHost dry = new FakeHost();
        List<String> d;
        try (TapeBuilder.Built b = TapeBuilder.build(bound(Plans.valid()), ROOTFS, FDS, FILTER, dry, true)) {
            d = calls(b.tape().describe());
        }
        assertTrue(dry.opened.isEmpty() && dry.cloned.isEmpty(), dry.opened.toString());
        assertTrue(d.stream().anyMatch(l -> l.startsWith("move_mount(15 = \"" + ROOT + "/data/web")), String.join("\n", d));
    }

    /** The index of the first call that starts with {@code prefix}, or -1. */
    private static int indexOf(List<String> calls, String prefix) {
        for (int i = 0; i < calls.size(); i++) {
            if (calls.get(i).startsWith(prefix)) return i;
        }
        return -1;
    }

    @Test
    void aHardLimitAboveOursNeedsCapSysResource() throws LaunchFailure {
        FakeHost host = new FakeHost();
        host.nofileHard = 512;
        LaunchFailure e = assertThrows(LaunchFailure.class, () -> describe(Plans.valid(), host));
        assertEquals("step 52 rlimit NOFILE 1024 1024 (bpm.yml:8:40 limits.open_files): the hard limit 1024 is above bpm's own "
                + "hard limit 512, and raising a hard limit needs CAP_SYS_RESOURCE, which bpm does not have here (raise bpm's limit, "
                + "e.g. ulimit -H, or lower the limit in bpm.yml)", e.getMessage());
        host.permitted |= 1L << 24;
        assertTrue(calls(describe(Plans.valid(), host)).contains(
                "setrlimit(7, {1024, 1024}) # step 52 rlimit NOFILE 1024 1024 (bpm.yml:8:40 limits.open_files)"));
    }

    @Test
    void aCapabilityBpmDoesNotHoldFailsTheLaunch() {
        FakeHost host = new FakeHost();
        host.permitted &= ~(1L << 10);   // no CAP_NET_BIND_SERVICE, which the plan grants
        LaunchFailure e = assertThrows(LaunchFailure.class, () -> describe(Plans.valid(), host));
        assertTrue(e.getMessage().startsWith("step 55 capabilities (bpm.yml:6:3 capabilities): bpm itself does not hold "
                + "CAP_NET_BIND_SERVICE (its permitted set is 0x"), e.getMessage());
    }

    /** unsafe.privileged is "all bpm has", as Docker's --privileged: a missing capability is reported, not fatal. */
    @Test
    void aPrivilegedPlanGetsEveryCapabilityBpmHolds() throws LaunchFailure {
        try (TapeBuilder.Built b = TapeBuilder.build(bound(Plans.privileged()), ROOTFS, FDS, FILTER, new FakeHost())) {
            assertTrue(b.skipped().contains("step 42 capabilities (bpm.yml:9:3 unsafe.privileged): bpm itself does not hold "
                    + "CAP_SYS_RESOURCE here, so the privileged job runs without it"), b.skipped().toString());
            List<String> c = b.tape().describe();
            assertTrue(c.stream().anyMatch(l -> l.contains("capset(") && l.contains("permitted=0x3ffeffffff,")), String.join("\n", c));
        }
    }

    @Test
    void aPrivilegedPlanKeepsAWritableRootAndNoKeepcaps() throws LaunchFailure {
        FakeHost host = new FakeHost();
        host.permitted = 0x1ffffffffffL;
        List<String> c = calls(describe(Plans.privileged(), host));
        assertTrue(c.stream().noneMatch(l -> l.contains("the new root read-only")), String.join("\n", c));
        assertTrue(c.stream().noneMatch(l -> l.contains("keep the permitted set")), String.join("\n", c));
        assertTrue(c.stream().noneMatch(l -> l.startsWith("seccomp(") || l.startsWith("prctl(PR_SET_NO_NEW_PRIVS")));
        assertTrue(c.contains("setresuid(0, 0, 0) # step 7 user root (bpm.yml:9:3 unsafe.privileged)"), String.join("\n", c));
    }

    @Test
    void noSeccompProgramMeansNoLaunch() {
        LaunchFailure e = assertThrows(LaunchFailure.class,
                () -> TapeBuilder.build(bound(Plans.valid()), ROOTFS, FDS, null, new FakeHost()));
        assertEquals("step 57 seccomp bpm-default 1 (default): no seccomp program was given for profile bpm-default 1: "
                + "refusing to start the job unconfined", e.getMessage());
    }

    @Test
    void buildingIsCheap() throws LaunchFailure {
        BoundPlan plan = bound(Plans.valid());
        FakeHost host = new FakeHost();
        long[] ns = new long[300];
        for (int i = 0; i < ns.length; i++) {
            long t0 = System.nanoTime();
            try (TapeBuilder.Built b = TapeBuilder.build(plan, ROOTFS, FDS, FILTER, host)) {
                ns[i] = System.nanoTime() - t0;
            }
        }
        Arrays.sort(ns);
        System.out.printf("TAPEBUILD (imagined host, no I/O): first-run-excluded median %.3f ms, p90 %.3f ms%n",
                ns[150] / 1e6, ns[270] / 1e6);
    }

    @Test
    void optionsSplitIntoFlagsAndData() {
        assertEquals(io.bpm.executor.sys.Linux.MS_NOSUID | io.bpm.executor.sys.Linux.MS_NOEXEC,
                TapeBuilder.flags(List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")));
        assertEquals("newinstance,ptmxmode=0666,mode=0620,gid=5",
                TapeBuilder.data(List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")));
        assertEquals(null, TapeBuilder.data(List.of("bind", "ro", "nodev")));
    }
}
