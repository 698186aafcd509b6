package io.bpm.executor.plan;

import static io.bpm.executor.plan.Plans.index;
import static io.bpm.executor.plan.Plans.insert;
import static io.bpm.executor.plan.Plans.mountIndex;
import static io.bpm.executor.plan.Plans.mountOptions;
import static io.bpm.executor.plan.Plans.remove;
import static io.bpm.executor.plan.Plans.replace;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bpm.executor.plan.Step.Capabilities;
import io.bpm.executor.plan.Step.CgroupLimit;
import io.bpm.executor.plan.Step.Cwd;
import io.bpm.executor.plan.Step.Env;
import io.bpm.executor.plan.Step.Exec;
import io.bpm.executor.plan.Step.GlobMount;
import io.bpm.executor.plan.Step.Log;
import io.bpm.executor.plan.Step.LogStream;
import io.bpm.executor.plan.Step.MakeDir;
import io.bpm.executor.plan.Step.Mask;
import io.bpm.executor.plan.Step.Mount;
import io.bpm.executor.plan.Step.Namespace;
import io.bpm.executor.plan.Step.NamespaceKind;
import io.bpm.executor.plan.Step.NoNewPrivs;
import io.bpm.executor.plan.Step.OpenLog;
import io.bpm.executor.plan.Step.Owner;
import io.bpm.executor.plan.Step.PidFile;
import io.bpm.executor.plan.Step.Rlimit;
import io.bpm.executor.plan.Step.Seccomp;
import io.bpm.executor.plan.Step.ShareVolume;
import io.bpm.executor.plan.Step.StateDir;
import io.bpm.executor.plan.Step.Stop;
import io.bpm.executor.plan.Step.User;
import io.bpm.executor.plan.Step.VolumeDir;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class VerifierTest {

    private static final Provenance D = Provenance.DEFAULT;
    private static final List<String> RO = List.of("bind", "noexec", "nosuid", "nodev", "ro");
    private static final List<String> RW = List.of("rbind", "noexec", "nosuid", "nodev", "rw");

    // ---- valid plans -----------------------------------------------------------------------------

    @Test
    void theHandMadePlanIsValid() {
        assertEquals(List.of(), Verifier.check(Plans.valid()));
        Verifier.require(Plans.valid());
    }

    @Test
    void thePrivilegedVariantIsValid() {
        assertEquals(List.of(), Verifier.check(Plans.privileged()));
        assertTrue(Verifier.isPrivileged(Plans.privileged()));
        assertFalse(Verifier.isPrivileged(Plans.valid()));
    }

    @Test
    void aPlanSurvivesTheTextFormat() throws PlanFormatException {
        Plan read = PlanText.read(PlanText.write(Plans.valid()));
        assertEquals(List.of(), Verifier.check(read));
        assertEquals(Plans.valid(), read);
    }

    @Test
    void variationsBpmProducesAreValid() {
        Plan p = Plans.valid();
        // host pid namespace
        assertEquals(List.of(), Verifier.check(remove(p, index(p, s -> s instanceof Namespace n && n.kind() == NamespaceKind.PID))));
        // no limits, no capabilities, an interrupt stop
        Plan bare = p;
        for (Class<? extends Step> kind : List.of(Rlimit.class, CgroupLimit.class)) {
            while (bare.steps().stream().anyMatch(kind::isInstance)) bare = remove(bare, index(bare, kind));
        }
        bare = replace(bare, Capabilities.class, c -> new Capabilities(List.of(), List.of(), List.of(), List.of(), List.of(), D));
        bare = replace(bare, Stop.class, s -> new Stop("INT", 1, 1, D));
        assertEquals(List.of(), Verifier.check(bare));
        // a process named differently from its job, and a non-ASCII name
        assertEquals(List.of(), Verifier.check(Plans.named(p, "web", "worker")));
        assertEquals(List.of(), Verifier.check(Plans.named(p, "wéb", "a b")));
        // a shared writable additional volume, a pre-start hook, persistent disk, unrestricted volumes
        Plan rich = insert(p, index(p, OpenLog.class), new ShareVolume("$ROOT/data/shared",
                "$ROOT/data/bpm/locks/vol-" + "ab".repeat(32) + ".lock", D));
        rich = insert(rich, index(rich, OpenLog.class), new VolumeDir("$ROOT/data/shared", 0700, Owner.VCAP, D));
        rich = insert(rich, index(rich, OpenLog.class), new Step.RequireDir("$ROOT/store", "persistent disk", D));
        rich = insert(rich, index(rich, OpenLog.class), new MakeDir("$ROOT/store/web", 0700, Owner.VCAP, D));
        rich = insert(rich, index(rich, Step.Namespace.class), new Step.Hook("/var/vcap/jobs/web/bin/pre-start", D));
        rich = insert(rich, mountIndex(rich, "/var/vcap/data/web"), new Mount("bind", "$ROOT/data/shared",
                "/var/vcap/data/shared", List.of("rbind", "exec", "nosuid", "nodev", "rw"), false, D));
        rich = insert(rich, index(rich, Mask.class), new GlobMount("/var/vcap/sys/log", RW,
                List.of("/var/vcap/sys/log/web"), D));
        rich = insert(rich, index(rich, Mask.class), new GlobMount("/var/vcap/jobs/*/config/x.yml", RO,
                List.of("/var/vcap/jobs/web"), D));
        rich = insert(rich, index(rich, Mask.class), new GlobMount("/dev/log", RO, List.of(), D));
        rich = insert(rich, index(rich, Rlimit.class) + 1, new Rlimit("CORE", 0, 0, D));
        assertEquals(List.of(), Verifier.check(rich));
        // unlimited rlimit (2^64-1), cgroup values of 0 (no limit)
        Plan unlimited = replace(p, Rlimit.class, r -> new Rlimit("NOFILE", 1024, -1L, D));
        unlimited = replace(unlimited, index(unlimited, s -> s instanceof CgroupLimit c && c.limit().equals("pids")),
                new CgroupLimit("pids", 0, false, D));
        assertEquals(List.of(), Verifier.check(unlimited));
        // tini from the Debian package
        Plan debian = replace(p, Exec.class, e -> new Exec(List.of("/usr/bin/tini", "-w", "-s", "--", "/bin/true"), D));
        assertEquals(List.of(), Verifier.check(debian));
    }

    /** A volume line chowns its directory to vcap: never bpm's own state (found by fuzzing the compiler). */
    @Test
    void noPlanGivesBpmsOwnStateToTheJob() {
        for (Plan base : List.of(Plans.valid(), Plans.privileged())) {
            for (String state : List.of("$ROOT/data/bpm", "$ROOT/data/bpm/plans", "$ROOT/sys/run/bpm-state/bpm-web", "$ROOT/sys/run/bpm")) {
                Plan p = insert(base, index(base, Step.MakeDir.class) + 1, new VolumeDir(state, 0700, Owner.VCAP, D));
                assertTrue(rules(Verifier.check(p)).contains(Verifier.WRITABLE_SYSTEM), state);
            }
            Plan own = insert(base, index(base, Step.MakeDir.class) + 1, new VolumeDir("$ROOT/data/web/extra", 0700, Owner.VCAP, D));
            assertFalse(rules(Verifier.check(own)).contains(Verifier.WRITABLE_SYSTEM), "a job's own volume is fine");
        }
    }

    @Test
    void privilegedPlansMayWriteSystemDirectories() {
        Plan p = mountOptions(Plans.privileged(), "/etc", List.of("bind", "exec", "nodev", "rw"));
        p = insert(p, index(p, Capabilities.class) - 4 /* before the rlimit and cgroup lines */,
                new GlobMount("/sys/fs/cgroup", List.of("rbind", "noexec", "nodev", "rw"), List.of(), D));
        assertEquals(List.of(), Verifier.check(p));
        assertEquals(Set.of(Verifier.WRITABLE_SYSTEM), rules(Verifier.check(
                mountOptions(Plans.valid(), "/etc", List.of("bind", "exec", "nosuid", "nodev", "rw")))));
    }

    // ---- one mutation per rule ---------------------------------------------------------------------

    /** A mutation of the valid plan that breaks exactly one rule, at a known step (-1: header/plan). */
    record Case(String name, String rule, Function<Plan, Plan> mutate, ToIntFunction<Plan> where) {
        @Override
        public String toString() {
            return rule + ": " + name;
        }
    }

    private static Case c(String rule, String name, Function<Plan, Plan> mutate, ToIntFunction<Plan> where) {
        return new Case(name, rule, mutate, where);
    }

    private static Case header(String rule, String name, Function<Header, Header> mutate) {
        return new Case(name, rule, p -> Plans.header(p, mutate.apply(p.header())), p -> -1);
    }

    private static <T extends Step> Case step(String rule, String name, Class<T> kind, Function<T, Step> change) {
        return new Case(name, rule, p -> replace(p, kind, change), p -> index(p, kind));
    }

    private static Case mount(String rule, String name, String target, Function<Mount, Step> change) {
        return new Case(name, rule, p -> replace(p, mountIndex(p, target), change.apply((Mount) p.steps().get(mountIndex(p, target)))),
                p -> mountIndex(p, target));
    }

    private static Case options(String rule, String target, String... options) {
        return mount(rule, target + " " + String.join(",", options), target,
                m -> new Mount(m.type(), m.source(), m.target(), List.of(options), m.ifExists(), m.from()));
    }

    /** Inserts a step before the first step matching, expecting the violation at the inserted step. */
    private static Case insertBefore(String rule, String name, Class<? extends Step> before, Step step) {
        return new Case(name, rule, p -> insert(p, index(p, before), step), p -> index(p, s -> s == step));
    }

    private static Case insertBeforeMount(String rule, String name, String target, Step step) {
        return new Case(name, rule, p -> insert(p, mountIndex(p, target), step), p -> index(p, s -> s == step));
    }

    private static Header h(Header h, int format, String compiler, String sha) {
        return new Header(format, compiler, sha, h.job(), h.process());
    }

    private static Exec init(String init) {
        return new Exec(List.of(init, "-w", "-s", "--", "/var/vcap/packages/web/bin/web"), D);
    }

    static Stream<Case> cases() {
        List<String> cap = List.of("CAP_NET_BIND_SERVICE");
        return Stream.of(
                c(Verifier.NULL_FIELD, "null cwd", p -> replace(p, Cwd.class, x -> new Cwd(null, D)), p -> index(p, Cwd.class)),
                c(Verifier.NULL_FIELD, "null log stream", p -> replace(p, Log.class, x -> new Log(null, x.path(), D)), p -> index(p, Log.class)),
                c(Verifier.NULL_FIELD, "null provenance", p -> replace(p, Cwd.class, x -> new Cwd(x.path(), null)), p -> index(p, Cwd.class)),
                header(Verifier.NULL_FIELD, "null compiler", x -> h(x, 1, null, x.sourceSha256())),

                header(Verifier.HEADER_FORMAT, "format 2", x -> h(x, 2, x.compiler(), x.sourceSha256())),
                header(Verifier.HEADER_COMPILER, "empty compiler", x -> h(x, 1, "", x.sourceSha256())),
                header(Verifier.HEADER_COMPILER, "compiler with a newline", x -> h(x, 1, "1.0\n", x.sourceSha256())),
                header(Verifier.HEADER_SOURCE, "upper-case hash", x -> h(x, 1, x.compiler(), x.sourceSha256().toUpperCase())),
                header(Verifier.HEADER_SOURCE, "short hash", x -> h(x, 1, x.compiler(), "abc")),
                c(Verifier.HEADER_NAME, "process ..", p -> Plans.named(p, "web", ".."), p -> -1),
                c(Verifier.HEADER_NAME, "process with a slash", p -> Plans.named(p, "web", "a/b"), p -> -1),
                c(Verifier.HEADER_NAME, "process with a tab", p -> Plans.named(p, "web", "a\tb"), p -> -1),
                c(Verifier.HEADER_NAME, "empty process", p -> Plans.named(p, "web", ""), p -> -1),
                c(Verifier.CONTAINER_ID, "another job's id", p -> replace(p, Step.ContainerId.class, x -> new Step.ContainerId("bpm-other", D)),
                        p -> 0),
                c(Verifier.CONTAINER_ID, "header renamed only", p -> Plans.header(p, new Header(1, Plans.COMPILER,
                        p.header().sourceSha256(), "web", "web2")), p -> -2 /* several: container id and identity */),

                c(Verifier.STEP_COUNT, "no cwd", p -> remove(p, index(p, Cwd.class)), p -> -1),
                c(Verifier.STEP_COUNT, "no bpm log", p -> remove(p, index(p, s -> s instanceof Log l && l.stream() == LogStream.BPM)), p -> -1),
                c(Verifier.STEP_COUNT, "two users", p -> insert(p, index(p, User.class) + 1, new User("vcap", D)),
                        p -> index(p, User.class) + 1),
                c(Verifier.STEP_COUNT, "two seccomp lines", p -> insert(p, index(p, Seccomp.class) + 1, new Seccomp("bpm-default", 1, D)),
                        p -> index(p, Seccomp.class) + 1),
                c(Verifier.STEP_ORDER, "exec before cwd", p -> {
                    int cwd = index(p, Cwd.class);
                    return insert(remove(p, cwd), cwd + 1, p.steps().get(cwd));
                }, p -> index(p, Cwd.class)),
                c(Verifier.STEP_ORDER, "user after the mounts", p -> {
                    Step user = p.steps().get(index(p, User.class));
                    Plan without = remove(p, index(p, User.class));
                    return insert(without, index(without, Mask.class), user);
                }, p -> index(p, User.class)),
                c(Verifier.NO_NUL, "NUL in a variable", p -> replace(p, Env.class, e -> new Env("FOO", "B\0R", D)), p -> index(p, Env.class)),
                c(Verifier.NO_NUL, "NUL in an argument", p -> replace(p, Exec.class, e -> new Exec(List.of(Plans.INIT, "-w", "a\0b"), D)),
                        p -> index(p, Exec.class)),

                step(Verifier.PATH_CANONICAL, "cwd with a trailing slash", Cwd.class, x -> new Cwd("/var/vcap/jobs/web/", D)),
                step(Verifier.PATH_CANONICAL, "relative cwd", Cwd.class, x -> new Cwd("var/vcap/jobs/web", D)),
                step(Verifier.PATH_CANONICAL, "mask with //", Mask.class, x -> new Mask("/etc//sv", D)),
                step(Verifier.PATH_CANONICAL, "state dir with .", StateDir.class, x -> new StateDir("$ROOT/sys/run/bpm-state/./bpm-web", D)),
                step(Verifier.PATH_CANONICAL, "$ROOT glued to a name", StateDir.class, x -> new StateDir("$ROOTdata/bpm/state", D)),
                step(Verifier.PATH_CANONICAL, "pid file with //", PidFile.class, x -> new PidFile("$ROOT/sys/run/bpm/web//web.pid", D)),
                step(Verifier.PATH_CANONICAL, "literal lock file with ..", Step.LockFile.class,
                        x -> new Step.LockFile("/var/vcap/data/bpm/locks/../job-bpm-web.2eweb.lock", D)),
                mount(Verifier.PATH_CANONICAL, "source with ..", "/var/vcap/jobs/web",
                        m -> new Mount("bind", "$ROOT/jobs/../jobs/web", m.target(), m.options(), false, D)),
                step(Verifier.IDENTITY_PATH, "another pid file", PidFile.class, x -> new PidFile("$ROOT/sys/run/bpm/web/other.pid", D)),
                step(Verifier.IDENTITY_PATH, "host pid file", PidFile.class, x -> new PidFile("/var/vcap/sys/run/bpm/web/web.pid", D)),
                step(Verifier.IDENTITY_PATH, "lock elsewhere", Step.LockFile.class, x -> new Step.LockFile("$ROOT/data/web/lock", D)),
                step(Verifier.IDENTITY_PATH, "stdout log elsewhere", Log.class, x -> new Log(LogStream.STDOUT, "$ROOT/data/web/out.log", D)),
                step(Verifier.IDENTITY_PATH, "state in the job's run dir", StateDir.class, x -> new StateDir("$ROOT/sys/run/web/state", D)),
                step(Verifier.IDENTITY_PATH, "state of another process", StateDir.class, x -> new StateDir("$ROOT/sys/run/bpm-state/bpm-other", D)),
                step(Verifier.IDENTITY_PATH, "state over bpm's data", StateDir.class, x -> new StateDir("$ROOT/data/bpm", D)),
                step(Verifier.IDENTITY_PATH, "open-log of another file", OpenLog.class,
                        x -> new OpenLog("$ROOT/sys/log/web/other.log", 0600, Owner.VCAP, D)),
                step(Verifier.HOST_PATH, "mkdir outside the root", MakeDir.class, x -> new MakeDir("/etc/web", 0700, Owner.VCAP, D)),
                insertBefore(Verifier.HOST_PATH, "volume outside the root", OpenLog.class, new VolumeDir("/etc", 0700, Owner.VCAP, D)),
                insertBefore(Verifier.HOST_PATH, "volume lock elsewhere", OpenLog.class, new ShareVolume("$ROOT/data/shared", "$ROOT/data/x.lock", D)),
                step(Verifier.MODE, "setuid directory", MakeDir.class, x -> new MakeDir(x.path(), 04755, x.owner(), D)),
                step(Verifier.MODE, "negative mode", OpenLog.class, x -> new OpenLog(x.path(), -1, x.owner(), D)),

                c(Verifier.NAMESPACE, "no uts namespace", p -> remove(p, index(p, s -> s instanceof Namespace n && n.kind() == NamespaceKind.UTS)),
                        p -> -1),
                c(Verifier.NAMESPACE, "pid before mnt", p -> {
                    int mnt = index(p, Namespace.class);
                    return insert(remove(p, mnt), mnt + 1, p.steps().get(mnt));
                }, p -> index(p, Namespace.class) + 1),
                mount(Verifier.MOUNT_TYPE, "overlay", "/dev/mqueue", m -> new Mount("overlay", "overlay", m.target(), List.of(), false, D)),
                mount(Verifier.MOUNT_SOURCE, "relative bind source", "/var/vcap/packages",
                        m -> new Mount("bind", "packages", m.target(), m.options(), false, D)),
                insertBeforeMount(Verifier.MOUNT_TARGET, "bind over /", "/bin", new Mount("bind", "/srv", "/", RO, false, D)),
                c(Verifier.MOUNT_TARGET, "glob of /", p -> insert(p, index(p, Mask.class), new GlobMount("/", RO, List.of(), D)),
                        p -> index(p, GlobMount.class)),
                options(Verifier.MOUNT_OPTIONS, "/bin", "bind", "exec", "nosuid", "nodev", "ro", "bogus"),
                options(Verifier.MOUNT_OPTIONS, "/bin", "bind", "exec", "nosuid", "nodev"),
                options(Verifier.MOUNT_OPTIONS, "/bin", "exec", "nosuid", "nodev", "ro"),
                options(Verifier.MOUNT_OPTIONS, "/bin", "bind", "rbind", "exec", "nosuid", "nodev", "ro"),
                options(Verifier.MOUNT_OPTIONS, "/bin", "bind", "exec", "exec", "nosuid", "nodev", "ro"),
                options(Verifier.MOUNT_OPTIONS, "/dev", "nosuid", "noexec", "mode=abc"),
                options(Verifier.MOUNT_OPTIONS, "/dev", "nosuid", "noexec", "size=1g"),
                options(Verifier.MOUNT_OPTIONS, "/dev", "bind", "nosuid"),
                insertBeforeMount(Verifier.MOUNT_DEFAULT, "tmpfs at /run", "/bin", new Mount("tmpfs", "tmpfs", "/run", List.of(), false, D)),
                mount(Verifier.MOUNT_DEFAULT, "optional /proc", "/proc", m -> new Mount("proc", "proc", "/proc", List.of(), true, D)),
                c(Verifier.MOUNT_ORDER, "/dev before /proc", p -> {
                    int proc = mountIndex(p, "/proc");
                    return insert(remove(p, proc), proc + 1, p.steps().get(proc));
                }, p -> mountIndex(p, "/proc")),
                c(Verifier.MOUNT_ORDER, "default after a bind", p -> {
                    int sys = mountIndex(p, "/sys");
                    Plan without = remove(p, sys);
                    return insert(without, mountIndex(without, "/bin") + 1, p.steps().get(sys));
                }, p -> mountIndex(p, "/sys")),
                c(Verifier.MOUNT_ORDER, "child before parent", p -> {
                    int child = mountIndex(p, "/var/vcap/data/web/tmp");
                    Plan without = remove(p, child);
                    return insert(without, mountIndex(without, "/var/vcap/data/web"), p.steps().get(child));
                }, p -> mountIndex(p, "/var/vcap/data/web")),
                insertBeforeMount(Verifier.DUPLICATE, "second mount at /usr", "/run/resolvconf", new Mount("bind", "/opt", "/usr", RO, false, D)),
                c(Verifier.DUPLICATE, "FOO twice", p -> insert(p, index(p, Env.class) + 1, new Env("FOO", "again", D)),
                        p -> index(p, Env.class) + 1),
                c(Verifier.DUPLICATE, "two pid namespaces", p -> insert(p, index(p, Namespace.class) + 2, new Namespace(NamespaceKind.PID, D)),
                        p -> index(p, Namespace.class) + 2),
                c(Verifier.DUPLICATE, "two NOFILE limits", p -> insert(p, index(p, Rlimit.class) + 1, new Rlimit("NOFILE", 1, 1, D)),
                        p -> index(p, Rlimit.class) + 1),
                c(Verifier.DUPLICATE, "two memory limits", p -> insert(p, index(p, CgroupLimit.class) + 1, new CgroupLimit("memory", 1L << 30, false, D)),
                        p -> index(p, CgroupLimit.class) + 1),

                options(Verifier.WRITABLE_SYSTEM, "/etc", "bind", "exec", "nosuid", "nodev", "rw"),
                options(Verifier.WRITABLE_SYSTEM, "/sys", "nosuid", "noexec", "nodev"),
                insertBeforeMount(Verifier.WRITABLE_SYSTEM, "writable /etc/ssl", "/var/tmp", new Mount("bind", "$ROOT/data/web/ssl", "/etc/ssl", RW, false, D)),
                insertBeforeMount(Verifier.WRITABLE_SYSTEM, "writable host /etc", "/var/vcap/data/packages",
                        new Mount("bind", "/etc", "/var/vcap/data/etc", RW, false, D)),
                insertBeforeMount(Verifier.WRITABLE_SYSTEM, "writable bpm state", "/var/vcap/data/packages",
                        new Mount("bind", "$ROOT/data/bpm", "/var/vcap/data/bpm", RW, false, D)),
                insertBeforeMount(Verifier.WRITABLE_SYSTEM, "writable process state", "/var/vcap/packages",
                        new Mount("bind", "$ROOT/sys/run/bpm-state", "/var/vcap/state", RW, false, D)),
                insertBeforeMount(Verifier.WRITABLE_SYSTEM, "writable parent of bpm state", "/var/vcap/packages",
                        new Mount("bind", "$ROOT/data", "/var/vcap/data", RW, false, D)),
                insertBeforeMount(Verifier.WRITABLE_SYSTEM, "writable whole root", "/var/tmp",
                        new Mount("bind", "$ROOT", "/var/vcap", RW, false, D)),
                insertBefore(Verifier.WRITABLE_SYSTEM, "writable glob under /etc", Mask.class, new GlobMount("/etc/*", RW, List.of(), D)),
                insertBefore(Verifier.WRITABLE_SYSTEM, "writable glob that may match /usr", Mask.class, new GlobMount("/u*/local", RW, List.of(), D)),
                insertBefore(Verifier.WRITABLE_SYSTEM, "writable glob over bpm state", Mask.class,
                        new GlobMount("/var/vcap/data/*", RW, List.of("/var/vcap/data/web"), D)),

                step(Verifier.USER, "nobody", User.class, x -> new User("nobody", D)),
                c(Verifier.CONFINEMENT, "no no-new-privs", p -> remove(p, index(p, NoNewPrivs.class)), p -> -1),
                c(Verifier.CONFINEMENT, "no seccomp", p -> remove(p, index(p, Seccomp.class)), p -> -1),
                c(Verifier.CONFINEMENT, "root but confined", p -> replace(p, User.class, x -> new User("root", D)), p -> index(p, NoNewPrivs.class)),
                step(Verifier.CAPABILITY_NAME, "misspelt", Capabilities.class,
                        x -> new Capabilities(List.of("CAP_NET_BIND_SERVCE"), List.of(), List.of(), List.of(), List.of(), D)),
                step(Verifier.CAPABILITY_NAME, "without prefix", Capabilities.class,
                        x -> new Capabilities(List.of("NET_BIND_SERVICE"), List.of(), List.of(), List.of(), List.of(), D)),
                step(Verifier.CAPABILITY_SETS, "effective beyond permitted", Capabilities.class,
                        x -> new Capabilities(cap, cap, List.of(), cap, List.of(), D)),
                step(Verifier.CAPABILITY_SETS, "ambient beyond inheritable", Capabilities.class,
                        x -> new Capabilities(cap, List.of(), cap, List.of(), cap, D)),
                step(Verifier.CAPABILITY_SETS, "beyond bounding", Capabilities.class,
                        x -> new Capabilities(List.of(), cap, cap, cap, cap, D)),
                step(Verifier.RLIMIT_RESOURCE, "FILES", Rlimit.class, x -> new Rlimit("FILES", 1, 1, D)),
                step(Verifier.RLIMIT_RESOURCE, "with prefix", Rlimit.class, x -> new Rlimit("RLIMIT_NOFILE", 1, 1, D)),
                step(Verifier.RLIMIT_VALUE, "soft above hard", Rlimit.class, x -> new Rlimit("NOFILE", 2048, 1024, D)),
                step(Verifier.RLIMIT_VALUE, "unlimited soft", Rlimit.class, x -> new Rlimit("NOFILE", -1L, 1024, D)),
                step(Verifier.RLIMIT_VALUE, "no files", Rlimit.class, x -> new Rlimit("NOFILE", 0, 0, D)),
                step(Verifier.CGROUP_LIMIT, "cpu", CgroupLimit.class, x -> new CgroupLimit("cpu", 1, false, D)),
                step(Verifier.CGROUP_VALUE, "negative memory", CgroupLimit.class, x -> new CgroupLimit("memory", -1, false, D)),
                c(Verifier.CGROUP_VALUE, "negative pids", p -> replace(p, index(p, s -> s instanceof CgroupLimit l && l.limit().equals("pids")),
                        new CgroupLimit("pids", -5, false, D)), p -> index(p, s -> s instanceof CgroupLimit l && l.limit().equals("pids"))),
                c(Verifier.CGROUP_VALUE, "memory+swap below memory", p -> replace(p, index(p, s -> s instanceof CgroupLimit l
                        && l.limit().equals("memory+swap")), new CgroupLimit("memory+swap", 1024, true, D)),
                        p -> index(p, s -> s instanceof CgroupLimit l && l.limit().equals("memory+swap"))),
                step(Verifier.STOP_SIGNAL, "KILL", Stop.class, x -> new Stop("KILL", 15_000, 2_000, D)),
                step(Verifier.STOP_SIGNAL, "SIGTERM", Stop.class, x -> new Stop("SIGTERM", 15_000, 2_000, D)),
                step(Verifier.STOP_TIMEOUT, "no grace", Stop.class, x -> new Stop("TERM", 0, 2_000, D)),
                step(Verifier.STOP_TIMEOUT, "quit too late", Stop.class, x -> new Stop("TERM", 300_001, 2_000, D)),
                step(Verifier.STOP_TIMEOUT, "kill too late", Stop.class, x -> new Stop("TERM", 15_000, 60_001, D)),
                step(Verifier.STOP_TIMEOUT, "negative kill", Stop.class, x -> new Stop("TERM", 15_000, -1, D)),
                step(Verifier.EXEC_INIT, "relative init", Exec.class, x -> init("tini")),
                step(Verifier.EXEC_INIT, "non-canonical init", Exec.class, x -> init("/var/vcap/packages/bpm/bin/../bin/tini")),
                step(Verifier.EXEC_INIT, "init on no mount", Exec.class, x -> init("/opt/tini")),
                step(Verifier.EXEC_INIT, "init on a noexec mount", Exec.class, x -> init("/var/vcap/data/web/tini")),
                step(Verifier.EXEC_INIT, "init on an optional mount", Exec.class, x -> init("/run/resolvconf/tini")),
                step(Verifier.EXEC_INIT, "init on procfs", Exec.class, x -> init("/proc/self/exe")),
                step(Verifier.EXEC_INIT, "init next to a mount, not under it", Exec.class, x -> init("/var/vcap/packagesx/tini")),
                step(Verifier.ENV_NAME, "name with =", Env.class, x -> new Env("A=B", "c", D)),
                step(Verifier.ENV_NAME, "empty name", Env.class, x -> new Env("", "c", D)),
                step(Verifier.SECCOMP_PROFILE, "unknown version", Seccomp.class, x -> new Seccomp("bpm-default", 2, D)),
                step(Verifier.SECCOMP_PROFILE, "unknown profile", Seccomp.class, x -> new Seccomp("docker-default", 1, D)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void eachRuleCanFail(Case c) {
        Plan broken = c.mutate().apply(Plans.valid());
        List<PlanViolation> found = Verifier.check(broken);
        assertFalse(found.isEmpty(), "no violation for " + c);
        if (c.rule().equals(Verifier.CONTAINER_ID) && c.where().applyAsInt(broken) == -2) {
            // renaming only the header breaks the container id and the identity paths together
            assertEquals(Set.of(Verifier.CONTAINER_ID, Verifier.IDENTITY_PATH), rules(found), found.toString());
            return;
        }
        assertEquals(Set.of(c.rule()), rules(found), found.toString());
        int where = c.where().applyAsInt(broken);
        assertEquals(where, found.getFirst().stepIndex(), found.toString());
        PlanViolation v = found.getFirst();
        if (where >= 0) {
            assertEquals(broken.steps().get(where), v.step());
            assertTrue(v.toString().startsWith("step " + where + " ("), v.toString());
        }
        assertTrue(v.toString().endsWith("[" + c.rule() + "]"), v.toString());
        InvalidPlanException e = assertThrows(InvalidPlanException.class, () -> Verifier.require(broken));
        assertEquals(found, e.violations());
        assertTrue(e.getMessage().contains(c.rule()), e.getMessage());
    }

    @Test
    void everyRuleHasAFailingCase() {
        Set<String> covered = cases().map(Case::rule).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(Verifier.RULES), covered);
    }

    @Test
    void theExceptionNamesTheStepAndTheRule() {
        Plan broken = replace(Plans.valid(), Cwd.class, x -> new Cwd("/var/vcap/jobs/web/", D));
        int i = index(broken, Cwd.class);
        InvalidPlanException e = assertThrows(InvalidPlanException.class, () -> Verifier.require(broken));
        assertEquals("invalid plan: step " + i + " (cwd /var/vcap/jobs/web/): the path /var/vcap/jobs/web/ must be canonical: "
                + "/var/vcap/jobs/web [path-canonical]", e.getMessage());
        assertEquals(Verifier.PATH_CANONICAL, e.first().rule());
    }

    @Test
    void theMessageCountsFurtherViolations() {
        Plan broken = replace(Plans.valid(), Stop.class, x -> new Stop("KILL", 0, 0, D));
        InvalidPlanException e = assertThrows(InvalidPlanException.class, () -> Verifier.require(broken));
        assertEquals(3, e.violations().size());
        assertTrue(e.getMessage().endsWith("(and 2 more)"), e.getMessage());
    }

    @Test
    void violationsComeHeaderFirstThenInStepOrder() {
        Plan broken = replace(Plans.valid(), Stop.class, x -> new Stop("KILL", 15_000, 2_000, D));
        broken = replace(broken, Cwd.class, x -> new Cwd("relative", D));
        broken = Plans.header(broken, h(broken.header(), 1, "", broken.header().sourceSha256()));
        List<Integer> order = Verifier.check(broken).stream().map(PlanViolation::stepIndex).toList();
        List<Integer> sorted = new ArrayList<>(order);
        sorted.sort(null);
        assertEquals(sorted, order);
        assertEquals(-1, order.getFirst());
        assertEquals("header", Verifier.check(broken).getFirst().where());
    }

    @Test
    void hostAndViewPaths() {
        assertTrue((Verifier.hostPathProblem("$ROOT") == null));
        assertTrue((Verifier.hostPathProblem("$ROOT/data/web") == null));
        assertTrue((Verifier.hostPathProblem("/etc") == null));
        assertTrue((Verifier.hostPathProblem("/") == null));
        for (String bad : List.of("$ROOT/", "$ROOTdata", "$ROOT//data", "$ROOT/a/..", "$ROOT/./a", "data", "", "/a/", "//a", "/a/./b")) {
            assertTrue((Verifier.hostPathProblem(bad) != null), bad);
        }
        assertTrue((Verifier.viewPathProblem("/var/vcap") == null));
        for (String bad : List.of("$ROOT/data", "var", "", "/var/", "/var/../etc")) {
            assertTrue((Verifier.viewPathProblem(bad) != null), bad);
        }
    }

    @Test
    void systemAndProtectedPaths() {
        for (String p : List.of("/", "/etc", "/etc/ssl", "/usr/local/bin", "/proc/sys", "/lib64", "/lib32/x", "/libx32", "/boot")) {
            assertTrue(Verifier.isSystemPath(p), p);
        }
        // /dev is no escape (SandboxEscape): a socket or device works read-only too
        for (String p : List.of("/var", "/tmp", "/var/vcap/data/web", "/etcetera", "/run", "/opt", "/dev/log", "/dev/shm", "/dev")) {
            assertFalse(Verifier.isSystemPath(p), p);
        }
        for (String p : List.of("$ROOT", "$ROOT/data", "$ROOT/data/bpm", "$ROOT/data/bpm/plans", "$ROOT/sys", "$ROOT/sys/run",
                "$ROOT/sys/run/bpm/web", "$ROOT/sys/run/bpm-state/bpm-web", "/var/vcap/data", "/etc", "/")) {
            assertTrue(Verifier.isProtectedHostPath(p), p);
        }
        for (String p : List.of("$ROOT/data/web", "$ROOT/data/bpmx", "$ROOT/sys/run/web", "$ROOT/sys/log", "/var/vcap/data/web", "/srv")) {
            assertFalse(Verifier.isProtectedHostPath(p), p);
        }
        assertTrue(Verifier.globMayExpose("/*"));
        assertTrue(Verifier.globMayExpose("/e?c/x"));
        assertTrue(Verifier.globMayExpose("/var/vcap/*/bpm"));
        assertFalse(Verifier.globMayExpose("/var/vcap/sys/log"));
        assertFalse(Verifier.globMayExpose("/var/vcap/jobs/*/config"));
        assertFalse(Verifier.globMayExpose("/var/lib/*"));
    }

    /** One step of every kind, so that adding a kind fails here until the verifier knows it. */
    static List<Step> everyKind() {
        List<Step> all = new ArrayList<>(Plans.valid().steps());
        all.add(new VolumeDir("$ROOT/data/v", 0700, Owner.VCAP, D));
        all.add(new ShareVolume("$ROOT/data/v", "$ROOT/data/bpm/locks/vol-" + "0".repeat(64) + ".lock", D));
        all.add(new Step.RequireDir("$ROOT/store", "persistent disk", D));
        all.add(new Step.Hook("/var/vcap/jobs/web/bin/pre-start", D));
        all.add(new GlobMount("/var/vcap/data/*", RO, List.of("/var/vcap/data/web"), D));
        return all;
    }

    @Test
    void everyStepKindIsKnown() {
        Set<Class<?>> kinds = new java.util.HashSet<>(List.of(Step.class.getPermittedSubclasses()));
        assertEquals(kinds, everyKind().stream().map(Object::getClass).collect(Collectors.toSet()));
        for (Class<?> kind : kinds) assertTrue(Verifier.kind(kind) >= 0, kind.getName());
        for (Step s : everyKind()) {
            List<String> strings = new ArrayList<>();
            Verifier.strings(s, strings);
            assertFalse(strings.isEmpty() && !(s instanceof Namespace) && !(s instanceof NoNewPrivs), s.toString());
            assertFalse(Verifier.describe(s).isEmpty());
        }
    }

    @Test
    void theLockFileIsContainerIdsLockName() {
        for (String[] names : new String[][] {{"web", "web"}, {"web", "worker"}, {"a.b", "c"}, {"ü", "x y"}}) {
            Plan p = Plans.named(Plans.valid(), names[0], names[1]);
            assertEquals("$ROOT/data/bpm/locks/" + ContainerId.lockName(names[0], names[1]), p.one(Step.LockFile.class).path());
            assertEquals(List.of(), Verifier.check(p));
        }
    }

    @Test
    void describeShowsThePlanLine() {
        assertEquals("mount bind $ROOT/packages /var/vcap/packages bind,exec,nosuid,nodev,ro",
                Verifier.describe(Plans.valid().steps().get(mountIndex(Plans.valid(), "/var/vcap/packages"))));
        assertEquals("exec /var/vcap/packages/bpm/bin/tini -w -s -- /var/vcap/packages/web/bin/web --port 8080",
                Verifier.describe(Plans.valid().one(Exec.class)));
        assertEquals("env FOO \"a # b\"", Verifier.describe(new Env("FOO", "a # b", new Provenance("x # y"))));
        assertTrue(Verifier.describe(new Env("FOO", "x".repeat(200), D)).endsWith("..."));
    }

    private static Set<String> rules(List<PlanViolation> found) {
        return found.stream().map(PlanViolation::rule).collect(Collectors.toSet());
    }
}
