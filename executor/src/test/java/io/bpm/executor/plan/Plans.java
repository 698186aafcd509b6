package io.bpm.executor.plan;

import io.bpm.executor.plan.Step.Capabilities;
import io.bpm.executor.plan.Step.CgroupLimit;
import io.bpm.executor.plan.Step.ContainerId;
import io.bpm.executor.plan.Step.Cwd;
import io.bpm.executor.plan.Step.Env;
import io.bpm.executor.plan.Step.Exec;
import io.bpm.executor.plan.Step.LockFile;
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
import io.bpm.executor.plan.Step.ReadOnly;
import io.bpm.executor.plan.Step.Rlimit;
import io.bpm.executor.plan.Step.Seccomp;
import io.bpm.executor.plan.Step.StateDir;
import io.bpm.executor.plan.Step.Stop;
import io.bpm.executor.plan.Step.User;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Hand-made plans for tests, modelled on what bpm does for a simple job (bpm-behaviour.md §4.1,
 * §4.5, §5), and small helpers to derive broken variants from them. Shared by the verifier,
 * codec and executor tests.
 */
public final class Plans {

    /** The bpm.yml the {@link #valid()} plan is "compiled" from (its SHA-256 is the header's). */
    public static final String BPM_YML = """
            processes:
            - name: web
              executable: /var/vcap/packages/web/bin/web
              args: [--port, "8080"]
              env: {FOO: BAR}
              capabilities: [NET_BIND_SERVICE]
              ephemeral_disk: true
              limits: {memory: 1G, open_files: 1024, processes: 100}
            """;

    public static final String COMPILER = "0.1.0";
    public static final String INIT = "/var/vcap/packages/bpm/bin/tini";

    private static final Provenance D = Provenance.DEFAULT;

    private Plans() {
    }

    private static Provenance at(int line, int column, String what) {
        return Provenance.at("bpm.yml", line, column, what);
    }

    public static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Job {@code web}, process {@code web}: executable /var/vcap/packages/web/bin/web with
     * {@code --port 8080}, env FOO=BAR, NET_BIND_SERVICE, ephemeral disk, memory 1G, 1024 open
     * files, 100 processes; unprivileged, private pid namespace, resolver mounts if present.
     */
    public static Plan valid() {
        List<Step> s = new ArrayList<>();
        // 1. identity
        s.add(new ContainerId("bpm-web", D));
        s.add(new LockFile("$ROOT/data/bpm/locks/job-bpm-web.2eweb.lock", D));
        s.add(new PidFile("$ROOT/sys/run/bpm/web/web.pid", D));
        s.add(new StateDir("$ROOT/sys/run/bpm-state/bpm-web", D));
        s.add(new Log(LogStream.STDOUT, "$ROOT/sys/log/web/web.stdout.log", D));
        s.add(new Log(LogStream.STDERR, "$ROOT/sys/log/web/web.stderr.log", D));
        s.add(new Log(LogStream.BPM, "$ROOT/sys/log/web/bpm.log", D));
        // 2. user
        s.add(new User("vcap", D));
        // 3. host preparation
        s.add(new MakeDir("$ROOT/sys/run/bpm/web", 0700, Owner.ROOT, D));
        s.add(new MakeDir("$ROOT/sys/log/web", 0750, Owner.VCAP, D)); // 0750: bpm.log setup creates it first
        s.add(new MakeDir("$ROOT/sys/run/web", 0700, Owner.VCAP, D));
        s.add(new MakeDir("$ROOT/data/web/tmp", 0700, Owner.VCAP, D));
        s.add(new MakeDir("$ROOT/data/web", 0700, Owner.VCAP, at(7, 3, "ephemeral_disk")));
        s.add(new OpenLog("$ROOT/sys/log/web/web.stdout.log", 0600, Owner.VCAP, D));
        s.add(new OpenLog("$ROOT/sys/log/web/web.stderr.log", 0600, Owner.VCAP, D));
        // 4. namespaces
        s.add(new Namespace(NamespaceKind.MNT, D));
        s.add(new Namespace(NamespaceKind.PID, D));
        s.add(new Namespace(NamespaceKind.UTS, D));
        s.add(new Namespace(NamespaceKind.IPC, D));
        // 5. mounts: defaults, then binds by depth then path
        s.add(new Mount("proc", "proc", "/proc", List.of(), false, D));
        s.add(new Mount("tmpfs", "tmpfs", "/dev", List.of("nosuid", "noexec", "mode=755"), false, D));
        s.add(new Mount("devpts", "devpts", "/dev/pts",
                List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"), false, D));
        s.add(new Mount("tmpfs", "shm", "/dev/shm", List.of("nosuid", "noexec", "nodev", "mode=1777"), false, D));
        s.add(new Mount("mqueue", "mqueue", "/dev/mqueue", List.of("nosuid", "noexec", "nodev"), false, D));
        s.add(new Mount("sysfs", "sysfs", "/sys", List.of("nosuid", "noexec", "nodev", "ro"), false, D));
        List<String> system = List.of("bind", "exec", "nosuid", "nodev", "ro");
        List<String> readOnly = List.of("bind", "noexec", "nosuid", "nodev", "ro");
        List<String> writable = List.of("rbind", "noexec", "nosuid", "nodev", "rw");
        s.add(bind("/bin", "/bin", system));
        s.add(bind("/etc", "/etc", system));
        s.add(bind("/lib", "/lib", system));
        s.add(bind("/lib64", "/lib64", system));
        s.add(bind("/sbin", "/sbin", system));
        s.add(bind("$ROOT/data/web/tmp", "/tmp", writable));
        s.add(bind("/usr", "/usr", system));
        s.add(new Mount("bind", "/run/resolvconf", "/run/resolvconf", readOnly, true, D));
        s.add(bind("$ROOT/data/web/tmp", "/var/tmp", writable));
        s.add(new Mount("bind", "/run/systemd/resolve", "/run/systemd/resolve", readOnly, true, D));
        s.add(bind("$ROOT/packages", "/var/vcap/packages", system));
        s.add(bind("$ROOT/data/packages", "/var/vcap/data/packages", system));
        s.add(new Mount("bind", "$ROOT/data/web", "/var/vcap/data/web", writable, false, at(7, 3, "ephemeral_disk")));
        s.add(bind("$ROOT/jobs/web", "/var/vcap/jobs/web", system));
        s.add(bind("$ROOT/data/web/tmp", "/var/vcap/data/web/tmp", writable));
        s.add(bind("$ROOT/sys/log/web", "/var/vcap/sys/log/web", writable));
        // 6. masked and read-only paths
        for (String p : List.of("/etc/sv", "/proc/kcore", "/proc/latency_stats", "/proc/sched_debug", "/proc/timer_list",
                "/proc/timer_stats", "/sys/firmware")) {
            s.add(new Mask(p, D));
        }
        for (String p : List.of("/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger")) {
            s.add(new ReadOnly(p, D));
        }
        // 7. limits
        s.add(new Rlimit("NOFILE", 1024, 1024, at(8, 40, "limits.open_files")));
        s.add(new CgroupLimit("memory", 1L << 30, false, at(8, 19, "limits.memory")));
        s.add(new CgroupLimit("memory+swap", 1L << 30, true, at(8, 19, "limits.memory")));
        s.add(new CgroupLimit("pids", 100, false, at(8, 64, "limits.processes")));
        // 8. credentials and confinement
        List<String> caps = List.of("CAP_NET_BIND_SERVICE");
        s.add(new Capabilities(caps, caps, caps, List.of(), caps, at(6, 3, "capabilities")));
        s.add(new NoNewPrivs(D));
        s.add(new Seccomp(SeccompProfile.BPM_DEFAULT, 1, D));
        // 9. process
        s.add(new Env("FOO", "BAR", at(5, 3, "env.FOO")));
        s.add(new Env("TMPDIR", "/var/vcap/data/web/tmp", D));
        s.add(new Env("LANG", "en_US.UTF-8", D));
        s.add(new Env("PATH", "/var/vcap/jobs/web/bin:/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin:.", D));
        s.add(new Env("HOME", "/var/vcap/data/web", D));
        s.add(new Cwd("/var/vcap/jobs/web", D));
        s.add(new Exec(List.of(INIT, "-w", "-s", "--", "/var/vcap/packages/web/bin/web", "--port", "8080"),
                at(3, 3, "executable")));
        // 10. stop
        s.add(new Stop("TERM", 15_000, 2_000, D));
        return new Plan(new Header(Header.FORMAT, COMPILER, sha256(BPM_YML), "web", "web"), s);
    }

    /**
     * {@link #valid()} with {@code unsafe.privileged: true}, as bpm applies it (§4.12): root,
     * the Docker privileged capabilities appended, no no_new_privs, no seccomp, no masked or
     * read-only paths, {@code nosuid} removed from every mount.
     */
    public static Plan privileged() {
        List<String> caps = new ArrayList<>(List.of("CAP_NET_BIND_SERVICE"));
        for (Capability c : Capability.dockerPrivileged()) caps.add(c.capName());
        Provenance why = at(9, 3, "unsafe.privileged");
        List<Step> out = new ArrayList<>();
        for (Step s : valid().steps()) {
            switch (s) {
                case User u -> out.add(new User("root", why));
                case NoNewPrivs n -> { }
                case Seccomp n -> { }
                case Mask n -> { }
                case ReadOnly n -> { }
                case Capabilities c -> out.add(new Capabilities(caps, caps, caps, List.of(), caps, why));
                case Mount m -> out.add(new Mount(m.type(), m.source(), m.target(),
                        m.options().stream().filter(o -> !o.equals("nosuid")).toList(), m.ifExists(), m.from()));
                default -> out.add(s);
            }
        }
        return new Plan(valid().header(), out);
    }

    private static Mount bind(String source, String target, List<String> options) {
        return new Mount("bind", source, target, options, false, D);
    }

    // ---- deriving variants ---------------------------------------------------------------------

    /** The index of the first step matching, failing the test when there is none. */
    public static int index(Plan plan, Predicate<Step> which) {
        for (int i = 0; i < plan.steps().size(); i++) if (which.test(plan.steps().get(i))) return i;
        throw new AssertionError("no such step in the plan");
    }

    /** The index of the first step of this kind. */
    public static int index(Plan plan, Class<? extends Step> kind) {
        return index(plan, kind::isInstance);
    }

    /** The index of the mount (or glob) with this target. */
    public static int mountIndex(Plan plan, String target) {
        return index(plan, s -> s instanceof Mount m && m.target().equals(target));
    }

    public static Plan replace(Plan plan, int index, Step step) {
        List<Step> steps = new ArrayList<>(plan.steps());
        steps.set(index, step);
        return new Plan(plan.header(), steps);
    }

    /** Replaces the first step of a kind by a function of it. */
    public static <T extends Step> Plan replace(Plan plan, Class<T> kind, Function<T, Step> change) {
        int i = index(plan, kind);
        return replace(plan, i, change.apply(kind.cast(plan.steps().get(i))));
    }

    public static Plan remove(Plan plan, int index) {
        List<Step> steps = new ArrayList<>(plan.steps());
        steps.remove(index);
        return new Plan(plan.header(), steps);
    }

    /** Inserts a step so that it gets this index. */
    public static Plan insert(Plan plan, int index, Step step) {
        List<Step> steps = new ArrayList<>(plan.steps());
        steps.add(index, step);
        return new Plan(plan.header(), steps);
    }

    public static Plan header(Plan plan, Header header) {
        return new Plan(header, plan.steps());
    }

    /**
     * The plan for other job and process names: the header and every step whose path bpm derives
     * from the names (container id, lock, pid file, state, logs, opened logs); other paths unchanged.
     */
    public static Plan named(Plan plan, String job, String process) {
        String logDir = "$ROOT/sys/log/" + job + "/";
        List<Step> out = new ArrayList<>();
        for (Step s : plan.steps()) {
            out.add(switch (s) {
                case ContainerId c -> new ContainerId(io.bpm.executor.plan.ContainerId.encode(job, process), c.from());
                case LockFile l -> new LockFile("$ROOT/data/bpm/locks/" + io.bpm.executor.plan.ContainerId.lockName(job, process), l.from());
                case PidFile p -> new PidFile("$ROOT/sys/run/bpm/" + job + "/" + process + ".pid", p.from());
                case StateDir d -> new StateDir("$ROOT/sys/run/bpm-state/" + io.bpm.executor.plan.ContainerId.encode(job, process), d.from());
                case Log l -> new Log(l.stream(), logDir + switch (l.stream()) {
                    case STDOUT -> process + ".stdout.log";
                    case STDERR -> process + ".stderr.log";
                    case BPM -> "bpm.log";
                }, l.from());
                case OpenLog o -> new OpenLog(logDir + process + (o.path().endsWith(".stdout.log") ? ".stdout.log" : ".stderr.log"),
                        o.mode(), o.owner(), o.from());
                default -> s;
            });
        }
        Header h = plan.header();
        return new Plan(new Header(h.format(), h.compiler(), h.sourceSha256(), job, process), out);
    }

    /** Replaces a mount by one with other options. */
    public static Plan mountOptions(Plan plan, String target, List<String> options) {
        int i = mountIndex(plan, target);
        Mount m = (Mount) plan.steps().get(i);
        return replace(plan, i, new Mount(m.type(), m.source(), m.target(), options, m.ifExists(), m.from()));
    }
}
