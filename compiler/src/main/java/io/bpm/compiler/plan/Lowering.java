package io.bpm.compiler.plan;

import io.bpm.compiler.Frontend;
import io.bpm.compiler.model.BpmConfig;
import io.bpm.compiler.model.Located;
import io.bpm.compiler.model.Process;
import io.bpm.compiler.model.Process.EnvVar;
import io.bpm.compiler.model.Process.Limits;
import io.bpm.compiler.model.Volume;
import io.bpm.compiler.parse.Locations;
import io.bpm.compiler.rules.GlobPattern;
import io.bpm.compiler.rules.MemorySize;
import io.bpm.compiler.source.Span;
import io.bpm.executor.plan.Capability;
import io.bpm.executor.plan.ContainerId;
import io.bpm.executor.plan.Header;
import io.bpm.executor.plan.HostPath;
import io.bpm.executor.plan.Plan;
import io.bpm.executor.plan.PlanCache;
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
import io.bpm.executor.plan.Step.RequireDir;
import io.bpm.executor.plan.Step.Rlimit;
import io.bpm.executor.plan.Step.Seccomp;
import io.bpm.executor.plan.Step.ShareVolume;
import io.bpm.executor.plan.Step.StateDir;
import io.bpm.executor.plan.Step.Stop;
import io.bpm.executor.plan.Step.User;
import io.bpm.executor.plan.Step.VolumeDir;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Lowering: one process of a checked bpm.yml to its execution plan, exactly as today's bpm
 * would set it up (bpm-behaviour.md §1, §2, §4, §5; the step order of bpm-plan(5)).
 *
 * <p>Entry points, from the most to the least convenient:
 * <ul>
 *   <li>{@link #lower(Frontend.Result, String, LowerOptions)}: the process bpm would pick for
 *       {@code -p NAME} (the first with that name) of a file the front end checked;</li>
 *   <li>{@link #lowerAll(Frontend.Result, LowerOptions)}: every process, in file order;</li>
 *   <li>{@link #lower(Process, LowerOptions, Locations, String, byte[])}: the core, on one model
 *       process, its file's locations (for provenance), name and bytes (for the header hash).</li>
 * </ul>
 *
 * <p>Lowering expects a config that lints without errors; it does not report findings. What
 * cannot be expressed in a plan, or would make the plan lie about what happens (a volume
 * outside /var/vcap, an unparsable memory size, a relative workdir, a NUL byte in an argument,
 * a name that is not a single path component...), is an {@link IllegalArgumentException}.
 *
 * <p>Deterministic: the plan depends only on the arguments; equal inputs give equal plans.
 * Where bpm's own order is unspecified (Go map order of env, hash-set order of equal-depth
 * mounts) the plan fixes one: env in file order, mounts by depth then target path.
 *
 * <p>Paths: external (host) paths are written {@code $ROOT/REL}; bpm.yml's additional volumes
 * are written as the job sees them ({@code /var/vcap/REL}) and map to {@code $ROOT/REL} on the
 * host, the identity mapping in production.
 *
 * <p>Ownership: {@code owner=vcap} on host-preparation steps is the job's user, vcap, also for a
 * privileged process (which runs as root): bpm chowns its directories, volumes and log files to
 * vcap whatever the process runs as (§4.12), and the job's other, unprivileged processes share
 * them. The log directory is {@code 0750}, the mode bpm gives it when it opens bpm.log before
 * preparing anything else; the rest of bpm's directories are {@code 0700}.
 *
 * <p>Where bpm's effect and its config.json differ, the plan states the effect: a memory limit
 * of 0 and a pids limit of 0 or less are no limit at all in runc, so they give no cgroup line;
 * a capability listed twice (by the user, or by the user and the privileged list) is listed once.
 */
public final class Lowering {
    /** The internal BOSH root: every job sees its BOSH paths under it. */
    public static final String INTERNAL_ROOT = "/var/vcap";
    /** bpm's seccomp profile (§4.8), by name and version. */
    public static final String SECCOMP_PROFILE = "bpm-default";
    public static final int SECCOMP_VERSION = 1;
    /** §6.4: SIGQUIT 15 s after the stop signal, then 2 s more before the forced delete. */
    public static final long QUIT_AFTER_MILLIS = 15_000;
    public static final long KILL_AFTER_MILLIS = 2_000;
    /** The PATH bpm gives every process, after the job's own bin (§4.4); note the trailing ".". */
    static final String PATH_TAIL = ":/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin:.";

    /** §4.6, in bpm's order. */
    static final List<String> MASKED_PATHS = List.of("/etc/sv", "/proc/kcore", "/proc/latency_stats",
            "/proc/sched_debug", "/proc/timer_list", "/proc/timer_stats", "/sys/firmware");
    static final List<String> READONLY_PATHS = List.of("/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq",
            "/proc/sys", "/proc/sysrq-trigger");
    /** §4.5 B: the host's system directories, bound at the same path. */
    static final List<String> SYSTEM_DIRS = List.of("/bin", "/etc", "/lib", "/lib64", "/sbin", "/usr");
    /** §4.5 C: bound only when present on the host. */
    static final List<String> RESOLVER_DIRS = List.of("/run/resolvconf", "/run/systemd/resolve");

    private static final int DIR_MODE = 0700;
    /** The log dir ends up 0750: bpm creates it that way for bpm.log before it prepares anything (§5.2, §5.5). */
    private static final int LOG_DIR_MODE = 0750;
    private static final int LOG_FILE_MODE = 0600;
    private static final Pattern CAPABILITY_NAME = Pattern.compile("[A-Z0-9_]+");
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Set<String> LIST_KEYS = Set.of("processes", "args", "capabilities",
            "additional_volumes", "unrestricted_volumes");

    private Lowering() {
    }

    // ------------------------------------------------------------------------- entry points

    /**
     * The plan of the process bpm would start for {@code bpm start JOB -p processName}: the
     * first process with that name.
     *
     * @throws IllegalArgumentException when the file has an error that stops this process (its
     *                                  own, or one bpm 1.4 refuses the whole file for:
     *                                  {@link PlanSource.Stopping}), was not read, has no such
     *                                  process, or holds something no plan can express
     */
    public static Plan lower(Frontend.Result checked, String processName, LowerOptions options) {
        PlanSource.Stopping stopping = PlanSource.Stopping.of(checked, processName);
        if (checked.diagnostics().stream().anyMatch(stopping::stops)) {
            throw new IllegalArgumentException(checked.source().displayName() + " has errors; only a config that lints without errors can be lowered");
        }
        BpmConfig config = checked.config().orElseThrow(() -> new IllegalArgumentException(
                checked.source().displayName() + " could not be read"));
        Process p = config.process(processName).orElseThrow(() -> new IllegalArgumentException(
                "process \"" + processName + "\" not present in " + checked.source().displayName()));
        return lower(p, options, checked.locations(), checked.source().displayName(), checked.source().bytes());
    }

    /** The plans of every process of a checked file, in file order. */
    public static List<Plan> lowerAll(Frontend.Result checked, LowerOptions options) {
        BpmConfig config = usable(checked);
        byte[] bytes = checked.source().bytes();
        List<Plan> plans = new ArrayList<>();
        for (Process p : config.processes()) {
            plans.add(lower(p, options, checked.locations(), checked.source().displayName(), bytes));
        }
        return List.copyOf(plans);
    }

    private static BpmConfig usable(Frontend.Result checked) {
        if (checked.hasErrors()) {
            throw new IllegalArgumentException(checked.source().displayName() + " has errors; only a config that lints without errors can be lowered");
        }
        return checked.config().orElseThrow(() -> new IllegalArgumentException(
                checked.source().displayName() + " could not be read"));
    }

    /**
     * The plan of one process.
     *
     * @param process        a process of a config that lints without errors
     * @param options        job name, compiler version, init
     * @param where          the locations of the file the process came from (provenance)
     * @param sourceFileName the file's name or path; provenance shows its base name
     * @param sourceBytes    the exact bytes of the file; the header carries their SHA-256
     */
    public static Plan lower(Process process, LowerOptions options, Locations where, String sourceFileName,
                             byte[] sourceBytes) {
        Objects.requireNonNull(process, "process");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(where, "where");
        Objects.requireNonNull(sourceFileName, "sourceFileName");
        Objects.requireNonNull(sourceBytes, "sourceBytes");
        Header header = new Header(Header.FORMAT, options.compilerVersion(), PlanCache.sha256(sourceBytes),
                options.job(), process.name());
        return new Plan(header, new Builder(process, options, new Origins(baseName(sourceFileName), where)).steps());
    }

    // ------------------------------------------------------------------------------ builder

    /** Builds the steps of one process in plan order. */
    private static final class Builder {
        private final Process p;
        private final LowerOptions o;
        private final Origins at;
        private final String job;
        private final String proc;
        private final boolean privileged;
        private final List<Step> steps = new ArrayList<>();

        Builder(Process p, LowerOptions o, Origins at) {
            this.p = p;
            this.o = o;
            this.at = at;
            this.job = requireComponent("job name", o.job());
            this.proc = requireComponent("process name", p.name());
            this.privileged = p.privileged();
            if (o.compilerVersion().isEmpty() || o.compilerVersion().codePoints().anyMatch(c -> Character.isWhitespace(c) || isUnsafe(c))) {
                throw new IllegalArgumentException("compiler version \"" + printable(o.compilerVersion()) + "\" must be one word");
            }
            requireNoNul("init", o.init());
            if (!o.init().startsWith("/")) throw new IllegalArgumentException("the init must be an absolute path: " + o.init());
        }

        List<Step> steps() {
            identity();
            user();
            hostPreparation();
            namespaces();
            mounts();
            masks();
            limits();
            privileges();
            process();
            stop();
            return steps;
        }

        // §1.2, §2.2, §2.3
        private void identity() {
            Provenance name = at.at(p.pointer() + "/name");
            String id = ContainerId.encode(job, proc);
            steps.add(new Step.ContainerId(id, name));
            steps.add(new LockFile(external("data/bpm/locks/" + ContainerId.lockName(job, proc)), name));
            steps.add(new PidFile(external("sys/run/bpm/" + job + "/" + proc + ".pid"), name));
            steps.add(new StateDir(external("sys/run/bpm-state/" + id), name));
            steps.add(new Log(LogStream.STDOUT, stdoutLog(), name));
            steps.add(new Log(LogStream.STDERR, stderrLog(), name));
            steps.add(new Log(LogStream.BPM, logDir() + "/bpm.log", Provenance.DEFAULT));
        }

        // §4.2
        private void user() {
            steps.add(privileged ? new User("root", privilegedFrom()) : new User("vcap", Provenance.DEFAULT));
        }

        // §5.1, §5.2, §5.3, §5.4, §5.5
        private void hostPreparation() {
            steps.add(new MakeDir(external("sys/run/bpm/" + job), DIR_MODE, Owner.ROOT, Provenance.DEFAULT));
            for (Volume v : p.additionalVolumes()) {
                String host = external(volumeRelative(v));
                if (v.shared()) {
                    // bpm hashes the path as written in bpm.yml
                    String lock = external("data/bpm/locks/" + ContainerId.volumeLockName(v.path()));
                    steps.add(new ShareVolume(host, lock, at.at(v.pointer() + "/shared")));
                }
                if (!v.mountOnly()) steps.add(new VolumeDir(host, DIR_MODE, Owner.VCAP, at.at(v.pointer())));
            }
            steps.add(new MakeDir(logDir(), LOG_DIR_MODE, Owner.VCAP, Provenance.DEFAULT));
            steps.add(new MakeDir(external("sys/run/" + job), DIR_MODE, Owner.VCAP, Provenance.DEFAULT));
            steps.add(new MakeDir(tmpDir(), DIR_MODE, Owner.VCAP, Provenance.DEFAULT));
            if (p.ephemeralDisk()) {
                steps.add(new MakeDir(dataDir(), DIR_MODE, Owner.VCAP, at.at(p.pointer() + "/ephemeral_disk")));
            }
            if (p.persistentDisk()) {
                Provenance disk = at.at(p.pointer() + "/persistent_disk");
                steps.add(new RequireDir(external("store"), "requested persistent disk does not exist", disk));
                steps.add(new MakeDir(storeDir(), DIR_MODE, Owner.VCAP, disk));
            }
            Provenance name = at.at(p.pointer() + "/name");
            steps.add(new OpenLog(stdoutLog(), LOG_FILE_MODE, Owner.VCAP, name));
            steps.add(new OpenLog(stderrLog(), LOG_FILE_MODE, Owner.VCAP, name));
            if (p.hooks() != null) {
                String program = p.hooks().preStart();
                if (program.isEmpty()) {
                    throw new IllegalArgumentException("hooks without a pre_start program: bpm fails every start (exec: no command)");
                }
                requireNoNul("hooks.pre_start", program);
                steps.add(new Hook(canonical(program), at.at(p.hooks().pointer() + "/pre_start")));
            }
        }

        // §4.7, §4.13
        private void namespaces() {
            steps.add(new Namespace(NamespaceKind.MNT, Provenance.DEFAULT));
            if (!p.hostPidNamespace()) steps.add(new Namespace(NamespaceKind.PID, Provenance.DEFAULT));
            steps.add(new Namespace(NamespaceKind.UTS, Provenance.DEFAULT));
            steps.add(new Namespace(NamespaceKind.IPC, Provenance.DEFAULT));
        }

        // §4.5, §4.12
        private void mounts() {
            // A: the default file systems, always first, in bpm's order
            defaultMount("proc", "proc", "/proc", List.of());
            defaultMount("tmpfs", "tmpfs", "/dev", List.of("nosuid", "noexec", "mode=755"));
            defaultMount("devpts", "devpts", "/dev/pts",
                    List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"));
            defaultMount("tmpfs", "shm", "/dev/shm", List.of("nosuid", "noexec", "nodev", "mode=1777"));
            defaultMount("mqueue", "mqueue", "/dev/mqueue", List.of("nosuid", "noexec", "nodev"));
            defaultMount("sysfs", "sysfs", "/sys", List.of("nosuid", "noexec", "nodev", "ro"));

            // B, C, D, E into one table keyed by target: the first mount of a target wins
            Map<String, Mount> binds = new LinkedHashMap<>();
            for (String dir : SYSTEM_DIRS) {
                add(binds, bind(dir, dir, false, true, false, false, Provenance.DEFAULT));
            }
            for (String dir : RESOLVER_DIRS) {
                add(binds, bind(dir, dir, false, false, false, true, Provenance.DEFAULT));
            }
            List<Mount> bosh = boshMounts();
            bosh.forEach(m -> add(binds, m));
            for (Volume v : p.additionalVolumes()) {
                String rel = volumeRelative(v);
                add(binds, bind(external(rel), v.path(), true, v.allowExecutions(), v.writable(), false, at.at(v.pointer())));
            }
            binds.values().stream()
                    .sorted(Comparator.comparingInt((Mount m) -> HostPath.components(m.target()).size())
                            .thenComparing(Mount::target))
                    .forEach(steps::add);

            // F: unrestricted volumes, expanded on the host; never over or under bpm's BOSH mounts
            List<String> exclude = bosh.stream().map(Mount::target).toList();
            for (Volume v : p.unrestrictedVolumes()) {
                String pattern = v.path();
                requireNoNul("unrestricted volume path", pattern);
                if (pattern.isEmpty()) continue;   // bpm 1.4's glob of "" matches nothing: no mount (BPM315)
                // bpm 1.4 expands a relative pattern from its working directory, which is / under monit
                if (!pattern.startsWith("/")) pattern = "/" + pattern;
                pattern = canonical(pattern);
                String glob = pattern;
                GlobPattern.validate(pattern).ifPresent(why -> {
                    throw new IllegalArgumentException("unrestricted volume " + glob + ": " + GlobPattern.GO_ERROR + " (" + why + ")");
                });
                steps.add(new GlobMount(pattern, bindOptions(true, v.allowExecutions(), v.writable()), exclude,
                        at.at(v.pointer())));
            }
        }

        /** §4.5 D, in bpm's order. */
        private List<Mount> boshMounts() {
            List<Mount> d = new ArrayList<>();
            String tmp = tmpDir();
            d.add(bind(tmp, "/tmp", true, false, true, false, Provenance.DEFAULT));
            d.add(bind(tmp, "/var/tmp", true, false, true, false, Provenance.DEFAULT));
            d.add(bind(tmp, INTERNAL_ROOT + "/data/" + job + "/tmp", true, false, true, false, Provenance.DEFAULT));
            d.add(bind(external("data/packages"), INTERNAL_ROOT + "/data/packages", false, true, false, false, Provenance.DEFAULT));
            d.add(bind(external("packages"), INTERNAL_ROOT + "/packages", false, true, false, false, Provenance.DEFAULT));
            d.add(bind(external("jobs/" + job), INTERNAL_ROOT + "/jobs/" + job, false, true, false, false, Provenance.DEFAULT));
            d.add(bind(logDir(), INTERNAL_ROOT + "/sys/log/" + job, true, false, true, false, Provenance.DEFAULT));
            if (p.ephemeralDisk()) {
                d.add(bind(dataDir(), INTERNAL_ROOT + "/data/" + job, true, false, true, false,
                        at.at(p.pointer() + "/ephemeral_disk")));
            }
            if (p.persistentDisk()) {
                d.add(bind(storeDir(), INTERNAL_ROOT + "/store/" + job, true, false, true, false,
                        at.at(p.pointer() + "/persistent_disk")));
            }
            return d;
        }

        private void defaultMount(String type, String source, String target, List<String> options) {
            steps.add(new Mount(type, source, target, withoutNosuidIfPrivileged(options), false, Provenance.DEFAULT));
        }

        private Mount bind(String source, String target, boolean rbind, boolean exec, boolean rw, boolean ifExists,
                           Provenance from) {
            return new Mount("bind", source, target, bindOptions(rbind, exec, rw), ifExists, from);
        }

        /** bpm's option vocabulary in bpm's order (privileged drops nosuid): bind|rbind, exec|noexec, nosuid, nodev, rw|ro. */
        private List<String> bindOptions(boolean rbind, boolean exec, boolean rw) {
            List<String> options = new ArrayList<>();
            options.add(rbind ? "rbind" : "bind");
            options.add(exec ? "exec" : "noexec");
            if (!privileged) options.add("nosuid");
            options.add("nodev");
            options.add(rw ? "rw" : "ro");
            return options;
        }

        private List<String> withoutNosuidIfPrivileged(List<String> options) {
            return privileged ? options.stream().filter(x -> !x.equals("nosuid")).toList() : options;
        }

        private static void add(Map<String, Mount> table, Mount m) {
            table.putIfAbsent(m.target(), m);
        }

        // §4.6
        private void masks() {
            if (privileged) return;
            MASKED_PATHS.forEach(path -> steps.add(new Mask(path, Provenance.DEFAULT)));
            READONLY_PATHS.forEach(path -> steps.add(new ReadOnly(path, Provenance.DEFAULT)));
        }

        // §4.9
        private void limits() {
            Limits l = p.limits();
            if (l == null) return;
            if (l.openFiles() != null) {
                steps.add(new Rlimit("NOFILE", l.openFiles(), l.openFiles(), at.at(l.pointer() + "/open_files")));
            }
            if (l.coreFileSize() != null) {
                steps.add(new Rlimit("CORE", l.coreFileSize(), l.coreFileSize(), at.at(l.pointer() + "/core_file_size")));
            }
            if (l.memory() != null) {
                Provenance from = at.at(l.pointer() + "/memory");
                switch (MemorySize.parse(l.memory())) {
                    case MemorySize.Bytes b when b.value() == 0 -> { } // runc: a limit of 0 is no limit
                    case MemorySize.Bytes b -> {
                        steps.add(new CgroupLimit("memory", b.value(), false, from));
                        steps.add(new CgroupLimit("memory+swap", b.value(), true, from));
                    }
                    case MemorySize.Invalid i -> throw new IllegalArgumentException(
                            "limits.memory \"" + l.memory() + "\": " + i.bpmMessage());
                    case MemorySize.Overflow ov -> { } // 8 EiB or more: no machine has it, so no limit (BPM302 says so)
                }
            }
            // runc: a pids limit of 0 is no limit and a negative one is "max"; either way none
            if (l.processes() != null && l.processes() > 0) {
                steps.add(new CgroupLimit("pids", l.processes(), false, at.at(l.pointer() + "/processes")));
            }
        }

        // §4.3, §4.2, §4.8, §4.12
        private void privileges() {
            Set<String> caps = new LinkedHashSet<>();
            for (Located<String> c : p.capabilities()) {
                // bpm 1.4 passes CAP_ + the name to runc, which ignores an unknown one (CAP_CAP_X,
                // CAP_net_raw, CAP_FOO) with a warning: the job runs without it (BPM304, BPM305)
                if (!CAPABILITY_NAME.matcher(c.value()).matches() || Capability.byName(c.value()).isEmpty()) continue;
                caps.add("CAP_" + c.value());
            }
            if (privileged) Capability.dockerPrivileged().forEach(c -> caps.add(c.capName()));
            List<String> set = List.copyOf(caps);
            Provenance from = privileged ? privilegedFrom()
                    : p.capabilities().isEmpty() ? Provenance.DEFAULT : at.at(p.pointer() + "/capabilities");
            steps.add(new Capabilities(set, set, set, set, set, from));
            if (!privileged) {
                steps.add(new NoNewPrivs(Provenance.DEFAULT));
                steps.add(new Seccomp(SECCOMP_PROFILE, SECCOMP_VERSION, Provenance.DEFAULT));
            }
        }

        // §4.4, §4.2
        private void process() {
            Set<String> names = new LinkedHashSet<>();
            for (EnvVar e : p.env()) {
                if (e.name().isEmpty() || e.name().charAt(0) == '=') {
                    throw new IllegalArgumentException("env name \"" + printable(e.name()) + "\" cannot be set (empty)");
                }
                requireNoNul("env " + e.name(), e.name());
                requireNoNul("env " + e.name(), e.value());
                // bpm 1.4 writes NAME=VALUE for runc, which splits at the first '=': "A=B: x" is A="B=x"
                int eq = e.name().indexOf('=');
                String name = eq < 0 ? e.name() : e.name().substring(0, eq);
                String value = eq < 0 ? e.value() : e.name().substring(eq + 1) + "=" + e.value();
                if (!names.add(name)) throw new IllegalArgumentException("env " + name + " is set twice");
                steps.add(new Env(name, value, at.at(e.pointer())));
            }
            defaultEnv(names, "TMPDIR", INTERNAL_ROOT + "/data/" + job + "/tmp");
            defaultEnv(names, "LANG", "en_US.UTF-8");
            defaultEnv(names, "PATH", INTERNAL_ROOT + "/jobs/" + job + "/bin" + PATH_TAIL);
            defaultEnv(names, "HOME", INTERNAL_ROOT + "/data/" + job);

            if (p.workdir().isEmpty()) {
                steps.add(new Cwd(INTERNAL_ROOT + "/jobs/" + job, Provenance.DEFAULT));
            } else {
                requireNoNul("workdir", p.workdir());
                if (!p.workdir().startsWith("/")) {
                    throw new IllegalArgumentException("workdir " + p.workdir() + " is not an absolute path");
                }
                steps.add(new Cwd(canonical(p.workdir()), at.at(p.pointer() + "/workdir")));
            }

            if (p.executable().isEmpty()) throw new IllegalArgumentException("process " + proc + " has no executable");
            requireNoNul("executable", p.executable());
            String exe = p.executable().startsWith("/") ? canonical(p.executable()) : p.executable();
            List<String> argv = new ArrayList<>(List.of(o.init(), "-w", "-s", "--", exe));
            for (Located<String> a : p.args()) {
                requireNoNul("argument", a.value());
                argv.add(a.value());
            }
            steps.add(new Exec(argv, at.at(p.pointer() + "/executable")));
        }

        private void defaultEnv(Set<String> set, String name, String value) {
            if (!set.contains(name)) steps.add(new Env(name, value, Provenance.DEFAULT));
        }

        // §6.4
        private void stop() {
            String signal = switch (p.shutdownSignal()) {
                case "", "TERM" -> "TERM";
                case "INT" -> "INT";
                default -> throw new IllegalArgumentException("shutdown signal should either be 'TERM' or 'INT' (or left unspecified), but got '"
                        + printable(p.shutdownSignal()) + "'");
            };
            Provenance from = p.shutdownSignal().isEmpty() ? Provenance.DEFAULT : at.at(p.pointer() + "/shutdown_signal");
            steps.add(new Stop(signal, QUIT_AFTER_MILLIS, KILL_AFTER_MILLIS, from));
        }

        private Provenance privilegedFrom() {
            return at.at(p.unsafe().pointer() + "/privileged");
        }

        // ---- paths (§1.2)

        private String logDir() {
            return external("sys/log/" + job);
        }

        private String stdoutLog() {
            return logDir() + "/" + proc + ".stdout.log";
        }

        private String stderrLog() {
            return logDir() + "/" + proc + ".stderr.log";
        }

        private String tmpDir() {
            return external("data/" + job + "/tmp");
        }

        private String dataDir() {
            return external("data/" + job);
        }

        private String storeDir() {
            return external("store/" + job);
        }
    }

    /** {@code $ROOT/REL}: an external BOSH path, bound to the host's BOSH root by the executor. */
    static String external(String relative) {
        return Step.ROOT + "/" + relative;
    }

    /**
     * The part of an additional volume's path after {@code /var/vcap/}. bpm accepts only
     * canonical paths strictly inside the root (§3.3), which is what makes the host path
     * {@code $ROOT/REL} well defined.
     */
    static String volumeRelative(Volume v) {
        String path = v.path();
        requireNoNul("volume path", path);
        if (!HostPath.clean(path).equals(path)) {
            throw new IllegalArgumentException("volume path must be canonical, expected " + HostPath.clean(path) + " but got " + path);
        }
        if (!path.startsWith(INTERNAL_ROOT + "/") || path.length() == INTERNAL_ROOT.length() + 1) {
            throw new IllegalArgumentException("invalid volume path: " + path + " must be within " + INTERNAL_ROOT);
        }
        return path.substring(INTERNAL_ROOT.length() + 1);
    }

    /** A job or process name becomes one component of host paths: it must be exactly that. */
    static String requireComponent(String what, String name) {
        String problem = io.bpm.executor.plan.Verifier.nameProblem(what, name);
        if (problem != null) throw new IllegalArgumentException(problem + ": it must be a single path component");
        return name;
    }

    /**
     * A path as the kernel resolves it: "/bin//x/" and "/bin/./x" name /bin/x. bpm 1.4 passes
     * them on as written (BPM324 warns); the plan states them plainly, as the verifier requires.
     */
    private static String canonical(String path) {
        return path.startsWith("/") ? HostPath.clean(path) : path;
    }

    private static void requireNoNul(String what, String value) {
        if (value.indexOf('\0') >= 0) throw new IllegalArgumentException(what + " contains a NUL byte, which no path, argument or variable can hold");
    }

    static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> b.appendCodePoint(isUnsafe(c) ? '?' : c));
        return b.toString();
    }

    // ---------------------------------------------------------------------------- provenance

    /** Provenance of plan lines: {@code FILE:LINE:COL what}, the place in bpm.yml that caused them. */
    private record Origins(String file, Locations where) {
        Provenance at(String pointer) {
            java.util.Optional<String> argument = where.argumentOf(pointer);
            if (argument.isPresent()) {
                return new Provenance(commentSafe("command line " + argument.get() + " " + readable(pointer)));
            }
            Span s = where.valueOf(pointer);
            return new Provenance(commentSafe(file + ":" + s.line() + ":" + s.column() + " " + readable(pointer)));
        }
    }

    /**
     * A JSON pointer as a reader would write the path: {@code /processes/0/additional_volumes/1}
     * is {@code processes[0].additional_volumes[1]}; keys that are not identifiers (env names)
     * are quoted: {@code processes[0].env["1"]}.
     */
    static String readable(String pointer) {
        StringBuilder b = new StringBuilder();
        if (pointer.isEmpty()) return b.toString();
        String previous = null;
        for (String raw : pointer.substring(1).split("/", -1)) {
            String seg = raw.replace("~1", "/").replace("~0", "~");
            if (previous != null && LIST_KEYS.contains(previous) && seg.matches("[0-9]+")) {
                b.append('[').append(seg).append(']');
            } else if (IDENTIFIER.matcher(seg).matches()) {
                if (!b.isEmpty()) b.append('.');
                b.append(seg);
            } else {
                b.append("[\"").append(seg.replace("\\", "\\\\").replace("\"", "\\\"")).append("\"]");
            }
            previous = seg;
        }
        return b.toString();
    }

    /**
     * A provenance comment survives the plan text unchanged: control characters, line
     * separators and lone surrogates become '?', and so does white space at either end (a
     * reader strips it).
     */
    static String commentSafe(String text) {
        int[] cps = text.codePoints().map(c -> isUnsafe(c) ? '?' : c).toArray();
        int start = 0;
        while (start < cps.length && Character.isWhitespace(cps[start])) cps[start++] = '?';
        for (int end = cps.length - 1; end >= start && Character.isWhitespace(cps[end]); end--) cps[end] = '?';
        return new String(cps, 0, cps.length);
    }

    private static boolean isUnsafe(int c) {
        return c < 0x20 || c == 0x7f || c == 0x85 || c == 0x2028 || c == 0x2029
                || c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE;
    }

    static String baseName(String fileName) {
        int slash = fileName.lastIndexOf('/');
        return slash >= 0 ? fileName.substring(slash + 1) : fileName;
    }
}
