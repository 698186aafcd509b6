package io.bpm.compiler.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bpm.compiler.Frontend;
import io.bpm.compiler.Version;
import io.bpm.compiler.model.Process;
import io.bpm.compiler.source.SourceFile;
import io.bpm.executor.plan.Capability;
import io.bpm.executor.plan.Plan;
import io.bpm.executor.plan.PlanText;
import io.bpm.executor.plan.Provenance;
import io.bpm.executor.plan.Step;
import io.bpm.executor.plan.Step.Capabilities;
import io.bpm.executor.plan.Step.CgroupLimit;
import io.bpm.executor.plan.Step.Cwd;
import io.bpm.executor.plan.Step.Env;
import io.bpm.executor.plan.Step.Exec;
import io.bpm.executor.plan.Step.GlobMount;
import io.bpm.executor.plan.Step.Hook;
import io.bpm.executor.plan.Step.LockFile;
import io.bpm.executor.plan.Step.Log;
import io.bpm.executor.plan.Step.MakeDir;
import io.bpm.executor.plan.Step.Mask;
import io.bpm.executor.plan.Step.Mount;
import io.bpm.executor.plan.Step.Namespace;
import io.bpm.executor.plan.Step.NamespaceKind;
import io.bpm.executor.plan.Step.NoNewPrivs;
import io.bpm.executor.plan.Step.OpenLog;
import io.bpm.executor.plan.Step.Owner;
import io.bpm.executor.plan.Step.PidFile;
import io.bpm.executor.plan.Step.ReadOnly;
import io.bpm.executor.plan.Step.RequireDir;
import io.bpm.executor.plan.Step.Rlimit;
import io.bpm.executor.plan.Step.Seccomp;
import io.bpm.executor.plan.Step.ShareVolume;
import io.bpm.executor.plan.Step.StateDir;
import io.bpm.executor.plan.Step.Stop;
import io.bpm.executor.plan.Step.User;
import io.bpm.executor.plan.Step.VolumeDir;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Lowering against the facts of bpm-behaviour.md (section numbers in the test names), on
 * models built by the real front end. Configs here need not lint clean (bpm's own BuildSpec
 * test uses made-up capabilities); lowering is called on the model directly.
 */
class LoweringTest {
    private static final String JOB = "example";

    /** bpm's BuildSpec unit-test process (§9.1), volumes moved under /var/vcap where our plans need them. */
    private static final String BUILD_SPEC = """
            processes:
            - name: server
              executable: /var/vcap/packages/example/bin/example
              args: [foo, bar]
              env:
                RAVE: "true"
                ONE: two
              ephemeral_disk: true
              capabilities: [TAIN, SAICIN]
              additional_volumes:
              - path: /var/vcap/data/volume/1
                writable: true
              - path: /var/vcap/data/volume/jna-tmp
                writable: true
                allow_executions: true
              - path: /var/vcap/data/volume/2
              - path: /var/vcap/data/volume/2
              - path: /var/vcap/data/example
                writable: true
              - path: /var/vcap/store/example
                writable: true
                allow_executions: true
            """;

    private static final String MINIMAL = """
            processes:
            - name: example
              executable: /var/vcap/packages/example/bin/example
            """;

    // ------------------------------------------------------------------------------ helpers

    static Frontend.Result check(String yaml) {
        return Frontend.check(SourceFile.ofText("jobs/example/config/bpm.yml", yaml), new Frontend.Options(JOB, false));
    }

    static Plan lower(String yaml, String process) {
        return lower(yaml, process, JOB);
    }

    static Plan lower(String yaml, String process, String job) {
        Frontend.Result r = check(yaml);
        Process p = r.config().orElseThrow().process(process).orElseThrow();
        return Lowering.lower(p, new LowerOptions(job, "test", LowerOptions.DEFAULT_INIT), r.locations(),
                r.source().displayName(), r.source().bytes());
    }

    static Plan lower(String yaml) {
        return lower(yaml, check(yaml).config().orElseThrow().processes().getFirst().name());
    }

    /** Bind mounts as "TARGET SOURCE OPTIONS[ if-exists]", in plan order. */
    static List<String> binds(Plan plan) {
        return plan.steps(Mount.class).stream().filter(m -> m.type().equals("bind"))
                .map(m -> m.target() + " " + m.source() + " " + String.join(",", m.options()) + (m.ifExists() ? " if-exists" : ""))
                .toList();
    }

    static List<String> env(Plan plan) {
        return plan.steps(Env.class).stream().map(e -> e.name() + "=" + e.value()).toList();
    }

    static String withProcessKeys(String keys) {
        return MINIMAL + keys.stripIndent().lines().map(l -> "  " + l).reduce("", (a, b) -> a + b + "\n");
    }

    // ------------------------------------------------------------------------------ BuildSpec

    @Test
    void buildSpecCaseHas24MountsPlusTheOptionalResolverDirs() {
        Plan plan = lower(BUILD_SPEC, "server");
        List<Mount> mounts = plan.steps(Mount.class);
        assertEquals(24, mounts.stream().filter(m -> !m.ifExists()).count(), "§9.1: exactly 24 mounts");
        assertEquals(26, mounts.size(), "plus /run/resolvconf and /run/systemd/resolve, bound if they exist");

        // A: the defaults first, in bpm's order
        List<String> defaults = mounts.subList(0, 6).stream()
                .map(m -> m.type() + " " + m.source() + " " + m.target() + " " + String.join(",", m.options())).toList();
        assertEquals(List.of(
                "proc proc /proc ",
                "tmpfs tmpfs /dev nosuid,noexec,mode=755",
                "devpts devpts /dev/pts nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5",
                "tmpfs shm /dev/shm nosuid,noexec,nodev,mode=1777",
                "mqueue mqueue /dev/mqueue nosuid,noexec,nodev",
                "sysfs sysfs /sys nosuid,noexec,nodev,ro"), defaults);

        // B-E: de-duplicated by target (first wins), sorted by depth then target
        assertEquals(List.of(
                "/bin /bin bind,exec,nosuid,nodev,ro",
                "/etc /etc bind,exec,nosuid,nodev,ro",
                "/lib /lib bind,exec,nosuid,nodev,ro",
                "/lib64 /lib64 bind,exec,nosuid,nodev,ro",
                "/sbin /sbin bind,exec,nosuid,nodev,ro",
                "/tmp $ROOT/data/example/tmp rbind,noexec,nosuid,nodev,rw",
                "/usr /usr bind,exec,nosuid,nodev,ro",
                "/run/resolvconf /run/resolvconf bind,noexec,nosuid,nodev,ro if-exists",
                "/var/tmp $ROOT/data/example/tmp rbind,noexec,nosuid,nodev,rw",
                "/run/systemd/resolve /run/systemd/resolve bind,noexec,nosuid,nodev,ro if-exists",
                "/var/vcap/packages $ROOT/packages bind,exec,nosuid,nodev,ro",
                // the ephemeral data dir of D wins over the writable volume at the same target
                "/var/vcap/data/example $ROOT/data/example rbind,noexec,nosuid,nodev,rw",
                "/var/vcap/data/packages $ROOT/data/packages bind,exec,nosuid,nodev,ro",
                "/var/vcap/jobs/example $ROOT/jobs/example bind,exec,nosuid,nodev,ro",
                // no persistent disk, so the store volume keeps its own exec,rw
                "/var/vcap/store/example $ROOT/store/example rbind,exec,nosuid,nodev,rw",
                "/var/vcap/data/example/tmp $ROOT/data/example/tmp rbind,noexec,nosuid,nodev,rw",
                "/var/vcap/data/volume/1 $ROOT/data/volume/1 rbind,noexec,nosuid,nodev,rw",
                "/var/vcap/data/volume/2 $ROOT/data/volume/2 rbind,noexec,nosuid,nodev,ro",
                "/var/vcap/data/volume/jna-tmp $ROOT/data/volume/jna-tmp rbind,exec,nosuid,nodev,rw",
                "/var/vcap/sys/log/example $ROOT/sys/log/example rbind,noexec,nosuid,nodev,rw"), binds(plan));
    }

    @Test
    void buildSpecCaseProcess() {
        Plan plan = lower(BUILD_SPEC, "server");
        assertEquals(List.of(LowerOptions.DEFAULT_INIT, "-w", "-s", "--", "/var/vcap/packages/example/bin/example", "foo", "bar"),
                plan.one(Exec.class).argv(), "§4.2: tini -w -s -- exe args");
        assertEquals(List.of("RAVE=true", "ONE=two", "TMPDIR=/var/vcap/data/example/tmp", "LANG=en_US.UTF-8",
                "PATH=/var/vcap/jobs/example/bin:/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin:.",
                "HOME=/var/vcap/data/example"), env(plan), "§4.4: user env in file order, then the defaults");
        assertEquals("/var/vcap/jobs/example", plan.one(Cwd.class).path());
        assertTrue(plan.steps(Rlimit.class).isEmpty(), "no rlimits");
        assertTrue(plan.steps(CgroupLimit.class).isEmpty(), "no cgroup limits");
        assertEquals(1, plan.steps(NoNewPrivs.class).size());
        assertEquals(new Seccomp("bpm-default", 1, Provenance.DEFAULT), plan.one(Seccomp.class));
        Capabilities caps = plan.one(Capabilities.class);
        // TAIN and SAICIN are no capabilities: runc ignores them, so the plan states the effect, none
        List<String> tainSaicin = List.of();
        assertEquals(tainSaicin, caps.bounding());
        assertEquals(tainSaicin, caps.inheritable());
        assertEquals(tainSaicin, caps.permitted());
        assertEquals(tainSaicin, caps.effective());
        assertEquals(tainSaicin, caps.ambient());
        assertEquals(List.of("/etc/sv", "/proc/kcore", "/proc/latency_stats", "/proc/sched_debug", "/proc/timer_list",
                "/proc/timer_stats", "/sys/firmware"), plan.steps(Mask.class).stream().map(Mask::path).toList(), "§4.6");
        assertEquals(List.of("/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"),
                plan.steps(ReadOnly.class).stream().map(ReadOnly::path).toList(), "§4.6");
        assertEquals(List.of(NamespaceKind.MNT, NamespaceKind.PID, NamespaceKind.UTS, NamespaceKind.IPC),
                plan.steps(Namespace.class).stream().map(Namespace::kind).toList(), "§4.7");
        assertEquals(new User("vcap", Provenance.DEFAULT), plan.one(User.class));
        assertEquals(new Stop("TERM", 15_000, 2_000, Provenance.DEFAULT), plan.one(Stop.class));
    }

    @Test
    void buildSpecCaseHostPreparation() {
        Plan plan = lower(BUILD_SPEC, "server");
        List<String> prep = plan.steps().stream().filter(s -> s instanceof MakeDir || s instanceof VolumeDir
                        || s instanceof ShareVolume || s instanceof RequireDir || s instanceof OpenLog || s instanceof Hook)
                .map(s -> PlanText.write(new Plan(plan.header(), List.of(s))).lines().skip(5).findFirst().orElseThrow()
                        .replaceAll(" +#.*", ""))
                .toList();
        assertEquals(List.of(
                "mkdir $ROOT/sys/run/bpm/example mode=0700 owner=root",
                "volume $ROOT/data/volume/1 mode=0700 owner=vcap",
                "volume $ROOT/data/volume/jna-tmp mode=0700 owner=vcap",
                "volume $ROOT/data/volume/2 mode=0700 owner=vcap",
                "volume $ROOT/data/volume/2 mode=0700 owner=vcap",
                "volume $ROOT/data/example mode=0700 owner=vcap",
                "volume $ROOT/store/example mode=0700 owner=vcap",
                "mkdir $ROOT/sys/log/example mode=0750 owner=vcap",
                "mkdir $ROOT/sys/run/example mode=0700 owner=vcap",
                "mkdir $ROOT/data/example/tmp mode=0700 owner=vcap",
                "mkdir $ROOT/data/example mode=0700 owner=vcap",
                "open-log $ROOT/sys/log/example/server.stdout.log mode=0600 owner=vcap",
                "open-log $ROOT/sys/log/example/server.stderr.log mode=0600 owner=vcap"), prep, "§5.2 in bpm's order");
    }

    // ------------------------------------------------------------------------------ identity

    @Test
    void identityOfAProcessNamedAfterItsJob() {
        Plan plan = lower(MINIMAL);
        assertEquals("bpm-example", plan.one(Step.ContainerId.class).id(), "§2.2: JOB alone when PROC == JOB");
        assertEquals("$ROOT/data/bpm/locks/job-bpm-example.2eexample.lock", plan.one(LockFile.class).path(), "§2.3: always JOB.PROC");
        assertEquals("$ROOT/sys/run/bpm/example/example.pid", plan.one(PidFile.class).path());
        assertEquals("$ROOT/sys/run/bpm-state/bpm-example", plan.one(StateDir.class).path());
        assertEquals(List.of("$ROOT/sys/log/example/example.stdout.log", "$ROOT/sys/log/example/example.stderr.log",
                "$ROOT/sys/log/example/bpm.log"), plan.steps(Log.class).stream().map(Log::path).toList());
        assertEquals(List.of(Step.LogStream.STDOUT, Step.LogStream.STDERR, Step.LogStream.BPM),
                plan.steps(Log.class).stream().map(Log::stream).toList());
    }

    @Test
    void containerIdsOfSection2_2() {
        String yaml = """
                processes:
                - name: alt-test-server
                  executable: /bin/true
                - name: test-server
                  executable: /bin/true
                - name: "!@*&"
                  executable: /bin/true
                - name: ünï
                  executable: /bin/true
                """;
        assertEquals("bpm-test-server.2ealt-test-server", lower(yaml, "alt-test-server", "test-server").one(Step.ContainerId.class).id());
        assertEquals("bpm-test-server", lower(yaml, "test-server", "test-server").one(Step.ContainerId.class).id());
        assertEquals("bpm-test-server.2e.21.40.2a.26", lower(yaml, "!@*&", "test-server").one(Step.ContainerId.class).id());
        assertEquals("bpm-test_server.2e.c3.bcn.c3.af", lower(yaml, "ünï", "test_server").one(Step.ContainerId.class).id());
        assertEquals("$ROOT/data/bpm/locks/job-bpm-test-server.2etest-server.lock",
                lower(yaml, "test-server", "test-server").one(LockFile.class).path());
        assertEquals("$ROOT/sys/run/bpm-state/bpm-test-server.2ealt-test-server",
                lower(yaml, "alt-test-server", "test-server").one(StateDir.class).path());
        assertEquals("$ROOT/sys/run/bpm/test-server/alt-test-server.pid",
                lower(yaml, "alt-test-server", "test-server").one(PidFile.class).path());
    }

    @Test
    void header() {
        Plan plan = lower(MINIMAL);
        assertEquals(1, plan.header().format());
        assertEquals("test", plan.header().compiler());
        assertEquals(JOB, plan.header().job());
        assertEquals("example", plan.header().process());
        assertEquals(io.bpm.executor.plan.PlanCache.sha256(MINIMAL.getBytes(StandardCharsets.UTF_8)), plan.header().sourceSha256());
        assertTrue(plan.header().sourceSha256().matches("[0-9a-f]{64}"));
        Frontend.Result r = check(MINIMAL);
        assertEquals(Version.get(), Lowering.lower(r, "example", LowerOptions.of(JOB)).header().compiler());
    }

    // ------------------------------------------------------------------------------ process

    @Test
    void everyStepKindComesInPlanOrder() {
        String yaml = withProcessKeys("""
                args: [a]
                env: {A: b}
                workdir: /var/vcap/data/example
                hooks: {pre_start: /var/vcap/jobs/example/bin/pre-start}
                capabilities: [NET_BIND_SERVICE]
                limits: {memory: 1G, open_files: 1024, processes: 100, core_file_size: 0}
                ephemeral_disk: true
                persistent_disk: true
                additional_volumes:
                - {path: /var/vcap/data/other/shared, shared: true}
                unsafe:
                  unrestricted_volumes: [{path: /dev/log}]
                shutdown_signal: INT
                """);
        Plan plan = lower(yaml);
        List<String> order = new ArrayList<>(new LinkedHashSet<>(plan.steps().stream().map(s -> s.getClass().getSimpleName()).toList()));
        assertEquals(List.of("ContainerId", "LockFile", "PidFile", "StateDir", "Log", "User", "MakeDir", "ShareVolume",
                "VolumeDir", "RequireDir", "OpenLog", "Hook", "Namespace", "Mount", "GlobMount", "Mask", "ReadOnly",
                "Rlimit", "CgroupLimit", "Capabilities", "NoNewPrivs", "Seccomp", "Env", "Cwd", "Exec", "Stop"), order);
        // and each kind forms one block, except MakeDir around the volumes and the persistent disk check
        List<String> kinds = plan.steps().stream().map(s -> s.getClass().getSimpleName()).toList();
        for (String k : order) {
            if (k.equals("MakeDir")) continue;
            assertEquals(kinds.lastIndexOf(k) - kinds.indexOf(k) + 1, kinds.stream().filter(k::equals).count(), k + " is not one block");
        }
        assertEquals(new Hook("/var/vcap/jobs/example/bin/pre-start", plan.one(Hook.class).from()), plan.one(Hook.class));
        assertEquals("INT", plan.one(Stop.class).signal());
    }

    @Test
    void tiniWrapsTheExecutableAndItsArgsVerbatim() {
        Plan plan = lower(withProcessKeys("""
                args: ["--port", 2424, "a b", "", "$HOME"]
                """));
        assertEquals(List.of("/var/vcap/packages/bpm/bin/tini", "-w", "-s", "--", "/var/vcap/packages/example/bin/example",
                "--port", "2424", "a b", "", "$HOME"), plan.one(Exec.class).argv());
        Frontend.Result r = check(MINIMAL);
        Plan other = Lowering.lower(r.config().orElseThrow().processes().getFirst(),
                new LowerOptions(JOB, "x", "/usr/bin/tini"), r.locations(), "bpm.yml", r.source().bytes());
        assertEquals("/usr/bin/tini", other.one(Exec.class).argv().getFirst());
    }

    @Test
    void envDefaultsFollowTheUsersVariables() {
        assertEquals(List.of("TMPDIR=/var/vcap/data/example/tmp", "LANG=en_US.UTF-8",
                "PATH=/var/vcap/jobs/example/bin:/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin:.",
                "HOME=/var/vcap/data/example"), env(lower(MINIMAL)));
        assertTrue(lower(MINIMAL).steps(Env.class).stream().allMatch(e -> e.from().equals(Provenance.DEFAULT)));
    }

    @Test
    void usersTmpdirLangPathHomeWin() {
        Plan plan = lower(withProcessKeys("""
                env:
                  HOME: /home/x
                  Z: last
                  TMPDIR: /var/vcap/data/example/t
                  PATH: /bin
                  LANG: C.UTF-8
                  EMPTY: ""
                """));
        assertEquals(List.of("HOME=/home/x", "Z=last", "TMPDIR=/var/vcap/data/example/t", "PATH=/bin", "LANG=C.UTF-8",
                "EMPTY="), env(plan));
        Plan some = lower(withProcessKeys("""
                env: {LANG: C}
                """));
        assertEquals(List.of("LANG=C", "TMPDIR=/var/vcap/data/example/tmp",
                "PATH=/var/vcap/jobs/example/bin:/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin:.",
                "HOME=/var/vcap/data/example"), env(some));
    }

    @Test
    void workdirIsHonoured() {
        Plan plan = lower(withProcessKeys("""
                workdir: /I/AM/A/WORKDIR
                """));
        Cwd cwd = plan.one(Cwd.class);
        assertEquals("/I/AM/A/WORKDIR", cwd.path());
        assertEquals("bpm.yml:4:12 processes[0].workdir", cwd.from().text());
        assertEquals(new Cwd("/var/vcap/jobs/example", Provenance.DEFAULT), lower(MINIMAL).one(Cwd.class));
    }

    @Test
    void persistentDiskIsCheckedCreatedAndMountedNoexecRw() {
        Plan plan = lower(withProcessKeys("""
                persistent_disk: true
                """));
        assertTrue(binds(plan).contains("/var/vcap/store/example $ROOT/store/example rbind,noexec,nosuid,nodev,rw"));
        RequireDir require = plan.one(RequireDir.class);
        assertEquals("$ROOT/store", require.path());
        assertTrue(plan.steps(MakeDir.class).stream().anyMatch(d -> d.path().equals("$ROOT/store/example")
                && d.mode() == 0700 && d.owner() == Owner.VCAP));
        assertFalse(binds(plan).stream().anyMatch(b -> b.startsWith("/var/vcap/data/example ")), "no ephemeral disk asked for");
        assertFalse(plan.steps(MakeDir.class).stream().anyMatch(d -> d.path().equals("$ROOT/data/example")));
        assertTrue(lower(MINIMAL).steps(RequireDir.class).isEmpty());
        assertFalse(binds(lower(MINIMAL)).stream().anyMatch(b -> b.contains("/store/")));
    }

    @Test
    void ephemeralDisk() {
        Plan plan = lower(withProcessKeys("""
                ephemeral_disk: true
                """));
        assertTrue(binds(plan).contains("/var/vcap/data/example $ROOT/data/example rbind,noexec,nosuid,nodev,rw"));
        assertTrue(plan.steps(MakeDir.class).stream().anyMatch(d -> d.path().equals("$ROOT/data/example")
                && d.owner() == Owner.VCAP && d.from().text().endsWith("processes[0].ephemeral_disk")));
    }

    @Test
    void limits() {
        Plan plan = lower(withProcessKeys("""
                limits:
                  memory: 100G
                  open_files: 2444
                  processes: 30
                  core_file_size: 4096
                """));
        List<Rlimit> rlimits = plan.steps(Rlimit.class);
        assertEquals(2, rlimits.size());
        assertEquals(List.of("NOFILE", 2444L, 2444L), List.of(rlimits.get(0).resource(), rlimits.get(0).soft(), rlimits.get(0).hard()));
        assertEquals(List.of("CORE", 4096L, 4096L), List.of(rlimits.get(1).resource(), rlimits.get(1).soft(), rlimits.get(1).hard()));
        List<CgroupLimit> cg = plan.steps(CgroupLimit.class);
        assertEquals(List.of("memory 107374182400 false", "memory+swap 107374182400 true", "pids 30 false"),
                cg.stream().map(c -> c.limit() + " " + c.value() + " " + c.ifSupported()).toList());
        assertEquals("bpm.yml:5:13 processes[0].limits.memory", cg.get(0).from().text());
        assertEquals("bpm.yml:6:17 processes[0].limits.open_files", rlimits.get(0).from().text());
    }

    @Test
    void unsignedLimitsKeepTheirBitsAndZeroMemoryIsNoLimit() {
        Plan plan = lower(withProcessKeys("""
                limits:
                  memory: 0M
                  open_files: 18446744073709551615
                  core_file_size: 9223372036854775808
                """));
        assertEquals(List.of(-1L, Long.MIN_VALUE), plan.steps(Rlimit.class).stream().map(Rlimit::soft).toList());
        assertTrue(plan.steps(CgroupLimit.class).isEmpty(), "runc treats a memory limit of 0 as none (§3.5)");
        assertTrue(PlanText.write(plan).contains("rlimit NOFILE unlimited unlimited"));
        assertTrue(PlanText.write(plan).contains("rlimit CORE 9223372036854775808 9223372036854775808"));
    }

    @Test
    void privileged() {
        Plan plan = lower(withProcessKeys("""
                capabilities: [NET_ADMIN, SYS_TIME]
                ephemeral_disk: true
                additional_volumes: [{path: /var/vcap/data/example/x}]
                unsafe:
                  privileged: true
                  unrestricted_volumes: [{path: /dev/log}]
                """));
        assertEquals("root", plan.one(User.class).name());
        assertEquals("bpm.yml:8:17 processes[0].unsafe.privileged", plan.one(User.class).from().text());
        assertTrue(plan.steps(NoNewPrivs.class).isEmpty());
        assertTrue(plan.steps(Seccomp.class).isEmpty());
        assertTrue(plan.steps(Mask.class).isEmpty());
        assertTrue(plan.steps(ReadOnly.class).isEmpty());
        List<String> expected = new ArrayList<>(List.of("CAP_NET_ADMIN", "CAP_SYS_TIME"));
        Capability.dockerPrivileged().stream().map(Capability::capName)
                .filter(c -> !expected.contains(c)).forEach(expected::add);
        Capabilities caps = plan.one(Capabilities.class);
        assertEquals(expected, caps.bounding(), "user caps, then the privileged list (each once)");
        assertEquals(38, caps.bounding().size());
        for (List<String> set : List.of(caps.inheritable(), caps.permitted(), caps.effective(), caps.ambient())) {
            assertEquals(expected, set);
        }
        for (Mount m : plan.steps(Mount.class)) assertFalse(m.options().contains("nosuid"), "§4.12: no nosuid on " + m);
        for (GlobMount m : plan.steps(GlobMount.class)) assertFalse(m.options().contains("nosuid"));
        assertTrue(binds(plan).contains("/bin /bin bind,exec,nodev,ro"));
        assertTrue(binds(plan).contains("/var/vcap/data/example/x $ROOT/data/example/x rbind,noexec,nodev,ro"));
        assertEquals(List.of("noexec", "nodev", "ro"),
                plan.steps(Mount.class).stream().filter(m -> m.target().equals("/sys")).findFirst().orElseThrow().options(),
                "/sys stays ro");
        // host preparation is the same: bpm still chowns its directories to vcap
        assertTrue(plan.steps(MakeDir.class).stream().anyMatch(d -> d.path().equals("$ROOT/data/example") && d.owner() == Owner.VCAP));
        assertTrue(plan.steps(Namespace.class).stream().anyMatch(n -> n.kind() == NamespaceKind.PID), "still its own pid namespace");
    }

    @Test
    void privilegedWithoutCapabilitiesGetsExactlyDockersList() {
        Plan plan = lower(withProcessKeys("""
                unsafe: {privileged: true}
                """));
        assertEquals(Capability.dockerPrivileged().stream().map(Capability::capName).toList(), plan.one(Capabilities.class).bounding());
        Plan off = lower(withProcessKeys("""
                unsafe: {privileged: false}
                """));
        assertEquals("vcap", off.one(User.class).name());
        assertEquals(List.of(), off.one(Capabilities.class).bounding());
        assertEquals(Provenance.DEFAULT, off.one(Capabilities.class).from());
        assertEquals(1, off.steps(Seccomp.class).size());
    }

    @Test
    void hostPidNamespace() {
        Plan plan = lower(withProcessKeys("""
                unsafe: {host_pid_namespace: true}
                """));
        assertEquals(List.of(NamespaceKind.MNT, NamespaceKind.UTS, NamespaceKind.IPC),
                plan.steps(Namespace.class).stream().map(Namespace::kind).toList());
        assertEquals(List.of("/var/vcap/packages/bpm/bin/tini", "-w", "-s"), plan.one(Exec.class).argv().subList(0, 3),
                "-s keeps tini reaping when it is not PID 1");
    }

    @Test
    void unrestrictedVolumesBecomeGlobMountsExcludingTheBoshMounts() {
        Plan plan = lower(withProcessKeys("""
                ephemeral_disk: true
                unsafe:
                  unrestricted_volumes:
                  - path: /this/is/an/unrestricted/path
                  - path: /var/vcap/jobs/*/config/config.yml
                    writable: true
                    allow_executions: true
                  - path: /*/file.txt
                    mount_only: true
                    shared: true
                """));
        List<GlobMount> globs = plan.steps(GlobMount.class);
        assertEquals(List.of("/this/is/an/unrestricted/path", "/var/vcap/jobs/*/config/config.yml", "/*/file.txt"),
                globs.stream().map(GlobMount::pattern).toList(), "config order, patterns unexpanded");
        assertEquals(List.of("rbind", "noexec", "nosuid", "nodev", "ro"), globs.get(0).options());
        assertEquals(List.of("rbind", "exec", "nosuid", "nodev", "rw"), globs.get(1).options());
        List<String> bosh = List.of("/tmp", "/var/tmp", "/var/vcap/data/example/tmp", "/var/vcap/data/packages",
                "/var/vcap/packages", "/var/vcap/jobs/example", "/var/vcap/sys/log/example", "/var/vcap/data/example");
        for (GlobMount g : globs) assertEquals(bosh, g.exclude());
        // no host preparation for them, shared and mount_only are ignored
        assertTrue(plan.steps(ShareVolume.class).isEmpty());
        assertTrue(plan.steps(VolumeDir.class).isEmpty());
        // the glob lines come after every mount line
        List<Step> steps = plan.steps();
        int lastMount = steps.indexOf(plan.steps(Mount.class).getLast());
        assertEquals(lastMount + 1, steps.indexOf(globs.getFirst()));
        assertEquals("bpm.yml:7:7 processes[0].unsafe.unrestricted_volumes[0]", globs.get(0).from().text());
    }

    @Test
    void persistentDiskIsExcludedToo() {
        Plan plan = lower(withProcessKeys("""
                persistent_disk: true
                unsafe:
                  unrestricted_volumes: [{path: /var/vcap/store}]
                """));
        assertEquals("/var/vcap/store/example", plan.one(GlobMount.class).exclude().getLast());
        assertEquals(8, plan.one(GlobMount.class).exclude().size());
    }

    @Test
    void resolverDirsAreBoundIfTheyExist() {
        List<Mount> resolvers = lower(MINIMAL).steps(Mount.class).stream().filter(Mount::ifExists).toList();
        assertEquals(List.of("/run/resolvconf", "/run/systemd/resolve"), resolvers.stream().map(Mount::target).toList());
        for (Mount m : resolvers) {
            assertEquals(m.target(), m.source());
            assertEquals(List.of("bind", "noexec", "nosuid", "nodev", "ro"), m.options());
        }
    }

    @Test
    void additionalVolumes() {
        Plan plan = lower(withProcessKeys("""
                additional_volumes:
                - path: /var/vcap/data/example/a
                - path: /var/vcap/data/other/shared
                  shared: true
                  writable: true
                - path: /var/vcap/data/other/only-mount
                  mount_only: true
                  shared: true
                  allow_executions: true
                - path: /var/vcap/sys/run/example
                  mount_only: true
                """));
        List<Step> prep = plan.steps().stream().filter(s -> s instanceof VolumeDir || s instanceof ShareVolume).toList();
        assertEquals(List.of(
                new VolumeDir("$ROOT/data/example/a", 0700, Owner.VCAP, prep.get(0).from()),
                new ShareVolume("$ROOT/data/other/shared",
                        "$ROOT/data/bpm/locks/vol-" + io.bpm.executor.plan.PlanCache.sha256("/var/vcap/data/other/shared".getBytes(StandardCharsets.UTF_8)) + ".lock",
                        prep.get(1).from()),
                new VolumeDir("$ROOT/data/other/shared", 0700, Owner.VCAP, prep.get(2).from()),
                new ShareVolume("$ROOT/data/other/only-mount",
                        "$ROOT/data/bpm/locks/vol-" + io.bpm.executor.plan.PlanCache.sha256("/var/vcap/data/other/only-mount".getBytes(StandardCharsets.UTF_8)) + ".lock",
                        prep.get(3).from())), prep, "share before the volume, also with mount_only; no volume line for mount_only");
        assertEquals("bpm.yml:5:5 processes[0].additional_volumes[0]", prep.get(0).from().text());
        assertEquals("bpm.yml:7:13 processes[0].additional_volumes[1].shared", prep.get(1).from().text());
        assertTrue(binds(plan).containsAll(List.of(
                "/var/vcap/data/example/a $ROOT/data/example/a rbind,noexec,nosuid,nodev,ro",
                "/var/vcap/data/other/shared $ROOT/data/other/shared rbind,noexec,nosuid,nodev,rw",
                "/var/vcap/data/other/only-mount $ROOT/data/other/only-mount rbind,exec,nosuid,nodev,ro",
                "/var/vcap/sys/run/example $ROOT/sys/run/example rbind,noexec,nosuid,nodev,ro")));
        // the lock is the one ContainerId names
        assertEquals("vol-" + io.bpm.executor.plan.PlanCache.sha256("/var/vcap/data/other/shared".getBytes(StandardCharsets.UTF_8)) + ".lock",
                io.bpm.executor.plan.ContainerId.volumeLockName("/var/vcap/data/other/shared"));
    }

    @Test
    void duplicateTargetsFirstWinsAmongSystemBoshAndVolumes() {
        Plan plan = lower(withProcessKeys("""
                additional_volumes:
                - path: /var/vcap/data/example/tmp
                  writable: true
                  allow_executions: true
                - path: /var/vcap/jobs/example
                  writable: true
                - path: /var/vcap/data/example/x
                - path: /var/vcap/data/example/x
                  writable: true
                  allow_executions: true
                - path: /var/vcap/data/packages
                  writable: true
                """));
        List<String> binds = binds(plan);
        assertTrue(binds.contains("/var/vcap/data/example/tmp $ROOT/data/example/tmp rbind,noexec,nosuid,nodev,rw"));
        assertTrue(binds.contains("/var/vcap/jobs/example $ROOT/jobs/example bind,exec,nosuid,nodev,ro"));
        assertTrue(binds.contains("/var/vcap/data/example/x $ROOT/data/example/x rbind,noexec,nosuid,nodev,ro"));
        assertTrue(binds.contains("/var/vcap/data/packages $ROOT/data/packages bind,exec,nosuid,nodev,ro"));
        Set<String> targets = new LinkedHashSet<>();
        for (Mount m : plan.steps(Mount.class)) assertTrue(targets.add(m.target()), "target mounted twice: " + m.target());
        assertEquals(6 + 2 + 7 + 1, binds.size(), "system, resolver and BOSH binds, and the one new volume");
    }

    @Test
    void mountsAreSortedByDepthThenTarget() {
        Plan plan = lower(withProcessKeys("""
                ephemeral_disk: true
                persistent_disk: true
                additional_volumes:
                - path: /var/vcap/data/z
                - path: /var/vcap/data/example/b/c/d
                - path: /var/vcap/a
                - path: /var/vcap/data/example/a
                """));
        List<Mount> binds = plan.steps(Mount.class).subList(6, plan.steps(Mount.class).size());
        for (int i = 1; i < binds.size(); i++) {
            String a = binds.get(i - 1).target();
            String b = binds.get(i).target();
            int da = a.split("/").length;
            int db = b.split("/").length;
            assertTrue(da < db || da == db && a.compareTo(b) < 0, a + " before " + b);
        }
        assertEquals(List.of("/bin", "/etc", "/lib", "/lib64", "/sbin", "/tmp", "/usr",
                "/run/resolvconf", "/var/tmp",
                "/run/systemd/resolve", "/var/vcap/a", "/var/vcap/packages",
                "/var/vcap/data/example", "/var/vcap/data/packages", "/var/vcap/data/z", "/var/vcap/jobs/example", "/var/vcap/store/example",
                "/var/vcap/data/example/a", "/var/vcap/data/example/tmp", "/var/vcap/sys/log/example",
                "/var/vcap/data/example/b/c/d"), binds.stream().map(Mount::target).toList());
    }

    @Test
    void shutdownSignal() {
        assertEquals("INT", lower(withProcessKeys("shutdown_signal: INT\n")).one(Stop.class).signal());
        Stop term = lower(withProcessKeys("shutdown_signal: TERM\n")).one(Stop.class);
        assertEquals(new Stop("TERM", 15_000, 2_000, term.from()), term);
        assertEquals("bpm.yml:4:20 processes[0].shutdown_signal", term.from().text());
    }

    @Test
    void provenanceNamesThePlaceInTheFile() {
        Plan plan = lower(withProcessKeys("""
                env:
                  "1": x
                  "a b": y
                hooks:
                  pre_start: /var/vcap/jobs/example/bin/pre
                """));
        assertEquals("bpm.yml:2:9 processes[0].name", plan.one(Step.ContainerId.class).from().text());
        assertEquals("bpm.yml:3:15 processes[0].executable", plan.one(Exec.class).from().text());
        List<Env> env = plan.steps(Env.class);
        assertEquals("bpm.yml:5:10 processes[0].env[\"1\"]", env.get(0).from().text());
        assertEquals("bpm.yml:6:12 processes[0].env[\"a b\"]", env.get(1).from().text());
        assertEquals("bpm.yml:8:16 processes[0].hooks.pre_start", plan.one(Hook.class).from().text());
        assertEquals(Provenance.DEFAULT, plan.steps(Log.class).getLast().from(), "bpm.log belongs to the job");
        assertEquals(Provenance.DEFAULT, plan.steps(Mount.class).getFirst().from());
    }

    @Test
    void provenanceTextSurvivesHostileKeys() {
        assertEquals("processes[0].env[\"a?b\"]", Lowering.commentSafe(Lowering.readable("/processes/0/env/a\nb")));
        assertEquals("processes[0].env[\"x~1/y\"]", Lowering.readable("/processes/0/env/x~01~1y"));
        assertEquals("processes[12].additional_volumes[3].shared", Lowering.readable("/processes/12/additional_volumes/3/shared"));
        assertEquals("?bpm.yml:1:1 x?", Lowering.commentSafe(" bpm.yml:1:1 x\u2028"));
        String yaml = MINIMAL + "  env:\n    \"tab\\there \": \"v\\u2028\"\n";
        Plan plan = lower(yaml);
        Env e = plan.steps(Env.class).getFirst();
        assertEquals("tab\there ", e.name());
        assertEquals("bpm.yml:5:19 processes[0].env[\"tab?here \"]", e.from().text());
        assertRoundTrips(plan);
    }

    // ------------------------------------------------------------------------------ contract

    @Test
    void deterministicAndRoundTripsThroughTheText() {
        for (String yaml : List.of(BUILD_SPEC, MINIMAL)) {
            String proc = check(yaml).config().orElseThrow().processes().getFirst().name();
            Plan a = lower(yaml, proc);
            Plan b = lower(yaml, proc);
            assertEquals(a, b);
            assertEquals(PlanText.write(a), PlanText.write(b));
            assertRoundTrips(a);
        }
    }

    static void assertRoundTrips(Plan plan) {
        try {
            assertEquals(plan, PlanText.read(PlanText.write(plan)));
        } catch (io.bpm.executor.plan.PlanFormatException e) {
            throw new AssertionError(e.getMessage() + "\n" + PlanText.write(plan), e);
        }
    }

    @Test
    void lowerFromACheckedFile() {
        String yaml = """
                processes:
                - name: web
                  executable: /var/vcap/packages/web/bin/web
                - name: worker
                  executable: /var/vcap/packages/web/bin/worker
                """;
        Frontend.Result r = check(yaml);
        assertEquals(List.of("web", "worker"), Lowering.lowerAll(r, LowerOptions.of(JOB)).stream().map(p -> p.header().process()).toList());
        assertEquals("worker", Lowering.lower(r, "worker", LowerOptions.of(JOB)).header().process());
        assertThrows(IllegalArgumentException.class, () -> Lowering.lower(r, "nope", LowerOptions.of(JOB)));
        Frontend.Result bad = check(withProcessKeys("limits: {memory: 1024}\n"));
        assertTrue(bad.hasErrors());
        assertThrows(IllegalArgumentException.class, () -> Lowering.lowerAll(bad, LowerOptions.of(JOB)));
    }

    /** What bpm 1.4 starts although lint warns (issue 14): lowered as bpm 1.4 runs it. */
    @Test
    void whatBpm14StartsIsLoweredAsItRuns() {
        assertTrue(lower(withProcessKeys("limits: {memory: 8E}\n")).steps(CgroupLimit.class).isEmpty(), "8E and more: no limit");
        for (String caps : List.of("[\"A,B\"]", "[chown]", "[CAP-X]", "[CAP_CHOWN]", "[FOO]")) {
            assertEquals(List.of(), lower(withProcessKeys("capabilities: " + caps + "\n")).one(Capabilities.class).bounding(),
                    caps + ": runc ignores it");
        }
        assertTrue(env(lower(withProcessKeys("env: {\"A=B\": c}\n"))).contains("A=B=c"));
        Plan relative = lower(withProcessKeys("unsafe: {unrestricted_volumes: [{path: relative}]}\n"));
        assertTrue(PlanText.write(relative).contains("mount-glob /relative "), "from / as under monit");
        Plan clean = lower(withProcessKeys("workdir: /var/vcap//data/./x/\n"));
        assertEquals("/var/vcap/data/x", clean.one(Cwd.class).path());
    }

    @Test
    void whatNoPlanCanExpressIsRefused() {
        for (String keys : List.of(
                "limits: {memory: 1024}\n",
                "additional_volumes: [{path: /bin}]\n",
                "additional_volumes: [{path: /var/vcap}]\n",
                "additional_volumes: [{path: /var/vcap/data/x/}]\n",
                "additional_volumes: [{path: /var/vcap/data/../x}]\n",
                "hooks: {}\n",
                "workdir: relative\n",
                "shutdown_signal: KILL\n",
                "env: {\"\": c}\n",
                "args: [\"a\\0b\"]\n",
                "unsafe: {unrestricted_volumes: [{path: \"/a/[b\"}]}\n")) {
            assertThrows(IllegalArgumentException.class, () -> lower(withProcessKeys(keys)), keys);
        }
        Frontend.Result r = check(MINIMAL);
        for (String version : List.of("", "1 2", "a\nb")) {
            assertThrows(IllegalArgumentException.class, () -> Lowering.lower(r.config().orElseThrow().processes().getFirst(),
                    new LowerOptions(JOB, version, LowerOptions.DEFAULT_INIT), r.locations(), "bpm.yml", r.source().bytes()), version);
        }
        for (String job : List.of("", ".", "..", "a/b")) {
            assertThrows(IllegalArgumentException.class, () -> lower(MINIMAL, "example", job), job);
        }
        String badName = """
                processes:
                - name: ../escape
                  executable: /bin/true
                """;
        assertThrows(IllegalArgumentException.class, () -> lower(badName, "../escape"));
    }

    @Test
    void bpmsOwnFixtureExample() {
        // src/bpm/config/testdata/example.yml, the first process, as job "program"
        String yaml = """
                processes:
                - name: first-process
                  executable: /var/vcap/packages/program/bin/program-server
                  args: [--port=2424, --host="localhost"]
                  env: {FOO: BAR, BAZ: BUZZ}
                  limits: {memory: 100G, open_files: 100, core_file_size: 1073741824}
                  additional_volumes:
                  - {path: /var/vcap/data/program/foobar, writable: true}
                  - {path: /var/vcap/data/alternate-program, writable: false}
                  - {path: /var/vcap/data/jna-tmp, writable: true, allow_executions: true}
                  - {path: /var/vcap/data/shared, shared: true}
                  hooks: {pre_start: /var/vcap/jobs/program/bin/pre}
                  capabilities: [NET_BIND_SERVICE, SYS_TIME]
                  workdir: /I/AM/A/WORKDIR
                  persistent_disk: true
                  ephemeral_disk: true
                  unsafe:
                    privileged: true
                    host_pid_namespace: true
                    unrestricted_volumes:
                    - {path: /, writable: true}
                    - {path: /etc, writable: false}
                    - {path: /foobar, writable: true, allow_executions: true}
                """;
        Plan plan = lower(yaml, "first-process", "program");
        assertEquals("bpm-program.2efirst-process", plan.one(Step.ContainerId.class).id());
        assertEquals(List.of("/", "/etc", "/foobar"), plan.steps(GlobMount.class).stream().map(GlobMount::pattern).toList());
        assertEquals(List.of("rbind", "noexec", "nodev", "rw"), plan.steps(GlobMount.class).getFirst().options());
        assertEquals("--host=\"localhost\"", plan.one(Exec.class).argv().getLast());
        assertEquals(Stream.of("FOO=BAR", "BAZ=BUZZ").toList(), env(plan).subList(0, 2));
        assertRoundTrips(plan);
    }
}
