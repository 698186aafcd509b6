package io.bpm.executor.plan;

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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The invariants every plan keeps, checked twice: by the compiler right after lowering (a
 * violation there is a compiler bug) and by the executor before it applies anything (a
 * hand-edited, stale or forged plan is refused). Pure: no file system access and no host
 * facts; whatever depends on the host (does {@code vcap} exist, what does a glob match) is
 * checked when the plan is bound.
 *
 * <p>Every rule has a stable short id ({@link #RULES}) so tests, tools and messages can name
 * it. A plan is valid iff {@link #check} returns nothing.
 *
 * <p>Privileged means {@code user root}: such a plan has no no_new_privs and no seccomp, may
 * mount writable over system directories, and runs as uid 0. Any other plan runs as
 * {@code vcap}, sets no_new_privs, loads a known seccomp profile, and may not write to system
 * directories or to bpm's own state.
 *
 * <p>This runs on {@code bpm start}'s fast path in a fresh JVM, i.e. interpreted. So the
 * success path is written for the interpreter: plain loops and {@code instanceof}, no streams,
 * lambdas, regular expressions, type switches or string concatenation (each of those costs an
 * invokedynamic bootstrap or many interpreted calls the first time); messages are built only
 * when something is wrong.
 */
public final class Verifier {

    // ---- rule ids ------------------------------------------------------------------------------

    /** A field of the header or a step is null (only possible for plans built in code). */
    public static final String NULL_FIELD = "null-field";
    /** The header's format is not {@link Header#FORMAT}. */
    public static final String HEADER_FORMAT = "header-format";
    /** The compiler version is empty or has control characters. */
    public static final String HEADER_COMPILER = "header-compiler";
    /** The source hash is not 64 lowercase hex digits. */
    public static final String HEADER_SOURCE = "header-source";
    /** The job or process name is empty, {@code .}, {@code ..}, has a {@code /} or a control character. */
    public static final String HEADER_NAME = "header-name";
    /** The container-id step is not bpm's encoding of the header's job and process. */
    public static final String CONTAINER_ID = "container-id";
    /** A step every plan has exactly once (or at most once) is missing or repeated. */
    public static final String STEP_COUNT = "step-count";
    /** A step is out of the order of the plan format (its groups in order). */
    public static final String STEP_ORDER = "step-order";
    /** A string contains NUL, which no path, argument or variable can carry to the kernel. */
    public static final String NO_NUL = "no-nul";
    /** A path is not absolute (or {@code $ROOT/...} for host paths) or not canonical. */
    public static final String PATH_CANONICAL = "path-canonical";
    /** Lock file, pid file, logs, state directory or an opened log are not where bpm keeps them (exactly). */
    public static final String IDENTITY_PATH = "identity-path";
    /** A host-preparation step (run as root on the host) works outside the BOSH root. */
    public static final String HOST_PATH = "host-path";
    /** A directory or file mode outside 0 to 0777. */
    public static final String MODE = "mode";
    /** The mnt, uts or ipc namespace is missing, or namespaces are out of order. */
    public static final String NAMESPACE = "namespace";
    /** A mount type outside proc, tmpfs, devpts, mqueue, sysfs and bind. */
    public static final String MOUNT_TYPE = "mount-type";
    /** A bind mount's source is neither {@code $ROOT/...} nor an absolute path. */
    public static final String MOUNT_SOURCE = "mount-source";
    /** A mount target or glob is the new root itself. */
    public static final String MOUNT_TARGET = "mount-target";
    /** A mount option outside the vocabulary, repeated, conflicting or missing (bind/rbind, rw/ro). */
    public static final String MOUNT_OPTIONS = "mount-options";
    /** A non-bind mount that is not one of bpm's default mounts, or an optional default mount. */
    public static final String MOUNT_DEFAULT = "mount-default";
    /** Default mounts not first or not in order, or a bind mount before its parents. */
    public static final String MOUNT_ORDER = "mount-order";
    /** The same mount target, namespace, rlimit, cgroup limit or variable twice. */
    public static final String DUPLICATE = "duplicate";
    /** A writable mount over a system directory or bpm's own state, or sysfs not read-only, unprivileged. */
    public static final String WRITABLE_SYSTEM = "writable-system";
    /** The user is neither vcap nor root. */
    public static final String USER = "user";
    /** root with no_new_privs or seccomp, or vcap without both. */
    public static final String CONFINEMENT = "confinement";
    /** An unknown capability name. */
    public static final String CAPABILITY_NAME = "capability-name";
    /** Capability sets the kernel would refuse, or that exceed the bounding set. */
    public static final String CAPABILITY_SETS = "capability-sets";
    /** An unknown rlimit resource. */
    public static final String RLIMIT_RESOURCE = "rlimit-resource";
    /** An rlimit whose soft limit exceeds its hard limit, or a zero NOFILE. */
    public static final String RLIMIT_VALUE = "rlimit-value";
    /** A cgroup limit other than memory, memory+swap and pids. */
    public static final String CGROUP_LIMIT = "cgroup-limit";
    /** A negative cgroup value, or memory+swap below memory. */
    public static final String CGROUP_VALUE = "cgroup-value";
    /** A stop signal other than TERM and INT. */
    public static final String STOP_SIGNAL = "stop-signal";
    /** A stop grace period outside (0, 300 s] (quit) or (0, 60 s] (kill). */
    public static final String STOP_TIMEOUT = "stop-timeout";
    /** The init (argv[0]) is not an absolute canonical path on an always-present exec bind mount. */
    public static final String EXEC_INIT = "exec-init";
    /** An environment variable name that is empty or contains '='. */
    public static final String ENV_NAME = "env-name";
    /** A seccomp profile this executor does not know in that version. */
    public static final String SECCOMP_PROFILE = "seccomp-profile";

    /** Every rule id. */
    public static final Set<String> RULES = Set.of(NULL_FIELD, HEADER_FORMAT, HEADER_COMPILER, HEADER_SOURCE,
            HEADER_NAME, CONTAINER_ID, STEP_COUNT, STEP_ORDER, NO_NUL, PATH_CANONICAL, IDENTITY_PATH, HOST_PATH, MODE,
            NAMESPACE, MOUNT_TYPE, MOUNT_SOURCE, MOUNT_TARGET, MOUNT_OPTIONS, MOUNT_DEFAULT, MOUNT_ORDER, DUPLICATE,
            WRITABLE_SYSTEM, USER, CONFINEMENT, CAPABILITY_NAME, CAPABILITY_SETS, RLIMIT_RESOURCE, RLIMIT_VALUE,
            CGROUP_LIMIT, CGROUP_VALUE, STOP_SIGNAL, STOP_TIMEOUT, EXEC_INIT, ENV_NAME, SECCOMP_PROFILE);

    // ---- vocabulary ----------------------------------------------------------------------------

    /** The unprivileged user every job runs as. */
    public static final String VCAP = "vcap";
    /** The user of a privileged plan (uid 0, gid 0). */
    public static final String ROOT_USER = "root";

    /** Mount types a plan may use. */
    public static final Set<String> MOUNT_TYPES = Set.of("proc", "tmpfs", "devpts", "mqueue", "sysfs", "bind");

    /** The rlimit resources a plan may set (the RLIMIT_ names without the prefix). */
    public static final Set<String> RLIMIT_RESOURCES = Set.of("AS", "CORE", "CPU", "DATA", "FSIZE", "LOCKS",
            "MEMLOCK", "MSGQUEUE", "NICE", "NOFILE", "NPROC", "RSS", "RTPRIO", "RTTIME", "SIGPENDING", "STACK");

    /** The cgroup limits a plan may set. */
    public static final Set<String> CGROUP_LIMITS = Set.of("memory", "memory+swap", "pids");

    /** The longest stop may wait before SIGQUIT, and after it before SIGKILL. */
    public static final long MAX_QUIT_AFTER_MILLIS = 300_000;
    public static final long MAX_KILL_AFTER_MILLIS = 60_000;

    /** bpm's default (non-bind) mounts (§4.5 A), in the order they come first in every plan: type, source, target. */
    private static final String[][] DEFAULT_MOUNTS = {
        {"proc", "proc", "/proc"},
        {"tmpfs", "tmpfs", "/dev"},
        {"devpts", "devpts", "/dev/pts"},
        {"tmpfs", "shm", "/dev/shm"},
        {"mqueue", "mqueue", "/dev/mqueue"},
        {"sysfs", "sysfs", "/sys"},
    };

    /** Where each process's state directory is: this plus its container id. */
    public static final String STATE_ROOT = "$ROOT/sys/run/bpm-state/";

    /** bpm's own state below the BOSH root: never writable by a job (the list is SandboxEscape's). */
    private static final List<String> BPM_STATE = SandboxEscape.BPM_STATE;

    /** Where the BOSH root is in production, for host paths written literally. */
    private static final String DEFAULT_BOSH_ROOT = "/var/vcap";

    /**
     * Mount flags in exclusive groups. Bind mounts use the first five groups and need one of
     * bind/rbind and one of rw/ro; default mounts use the last four and newinstance, plus the
     * data options mode=, ptmxmode= (octal) and gid= (decimal).
     */
    private static final String[][] BIND_FLAGS = {
        {"bind", "rbind"}, {"rw", "ro"}, {"exec", "noexec"}, {"suid", "nosuid"}, {"dev", "nodev"}};
    private static final String[][] DEFAULT_MOUNT_FLAGS = {
        {"rw", "ro"}, {"exec", "noexec"}, {"suid", "nosuid"}, {"dev", "nodev"}, {"newinstance"}};

    private static final String VOLUME_LOCK_DIR = "$ROOT/data/bpm/locks/";

    // ---- step kinds ----------------------------------------------------------------------------

    static final int K_CONTAINER_ID = 0;
    static final int K_LOCK_FILE = 1;
    static final int K_PID_FILE = 2;
    static final int K_STATE_DIR = 3;
    static final int K_LOG = 4;
    static final int K_USER = 5;
    static final int K_MKDIR = 6;
    static final int K_VOLUME = 7;
    static final int K_SHARE = 8;
    static final int K_REQUIRE_DIR = 9;
    static final int K_OPEN_LOG = 10;
    static final int K_HOOK = 11;
    static final int K_NAMESPACE = 12;
    static final int K_MOUNT = 13;
    static final int K_MOUNT_GLOB = 14;
    static final int K_MASK = 15;
    static final int K_READONLY = 16;
    static final int K_RLIMIT = 17;
    static final int K_CGROUP = 18;
    static final int K_CAPABILITIES = 19;
    static final int K_NO_NEW_PRIVS = 20;
    static final int K_SECCOMP = 21;
    static final int K_ENV = 22;
    static final int K_CWD = 23;
    static final int K_EXEC = 24;
    static final int K_STOP = 25;
    static final int KINDS = 26;

    /** The step classes, indexed by kind. */
    private static final Class<?>[] CLASSES = {
        Step.ContainerId.class, LockFile.class, PidFile.class, StateDir.class, Log.class, User.class, MakeDir.class,
        VolumeDir.class, ShareVolume.class, RequireDir.class, OpenLog.class, Hook.class, Namespace.class, Mount.class,
        GlobMount.class, Mask.class, ReadOnly.class, Rlimit.class, CgroupLimit.class, Capabilities.class,
        NoNewPrivs.class, Seccomp.class, Env.class, Cwd.class, Exec.class, Stop.class};

    /** The plan keyword of each kind. */
    private static final String[] KEYWORDS = {
        "container-id", "lock-file", "pid-file", "state-dir", "log", "user", "mkdir", "volume", "share", "require-dir",
        "open-log", "hook", "namespace", "mount", "mount-glob", "mask", "readonly", "rlimit", "cgroup", "capabilities",
        "no-new-privs", "seccomp", "env", "cwd", "exec", "stop"};

    /**
     * The group of each kind in a plan's order (the plan format's "Order of a whole plan"); the
     * three logs take 4, 5 and 6 (stdout, stderr, bpm); host preparation steps share one group.
     */
    private static final int[] PHASES = {0, 1, 2, 3, 4, 7, 8, 8, 8, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
        21, 22, 23, 24};

    /** How often a kind must appear: 1 exactly once, 0 at most once, -1 any number of times. */
    private static final int[] CARDINALITY = {1, 1, 1, 1, -1, 1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1, 0, 0,
        -1, 1, 1, 1};

    /** The kind of a step class, -1 for a class this verifier does not know. */
    static int kind(Class<?> c) {
        for (int k = 0; k < KINDS; k++) {
            if (CLASSES[k] == c) return k;
        }
        return -1;
    }

    private Verifier() {
    }

    // ---- entry points ----------------------------------------------------------------------------

    /** Every broken invariant of the plan, header first, then in step order; empty when valid. */
    public static List<PlanViolation> check(Plan plan) {
        Check c = new Check(plan);
        c.run();
        if (c.found.isEmpty()) return List.of();
        List<PlanViolation> found = new ArrayList<>(c.found);
        found.sort(Comparator.comparingInt(PlanViolation::stepIndex)); // stable: rule order within a step
        return List.copyOf(found);
    }

    /**
     * Refuses an invalid plan.
     *
     * @throws InvalidPlanException naming the first offending step and its rule
     */
    public static void require(Plan plan) {
        List<PlanViolation> found = check(plan);
        if (!found.isEmpty()) throw new InvalidPlanException(found);
    }

    /** The same for a plan read from text: the exception names the plan line of the first violation. */
    public static void require(PlanText.Parsed parsed) {
        List<PlanViolation> found = check(parsed.plan());
        if (!found.isEmpty()) throw new InvalidPlanException(found, parsed::lineOf);
    }

    /**
     * Why a job or process name cannot be one component of bpm's host paths, or null when it
     * can: the one check the CLI, lowering and the verifier all apply.
     */
    public static String nameProblem(String what, String name) {
        if (name.isEmpty()) return "the " + what + " name is empty";
        if (name.equals(".") || name.equals("..")) return "the " + what + " name cannot be '" + name + "'";
        if (name.indexOf('/') >= 0) return "the " + what + " name " + PlanText.quote(name) + " contains '/'";
        if (hasControl(name)) return "the " + what + " name " + PlanText.quote(name) + " contains a control character";
        return null;
    }

    /** Whether a plan runs privileged ({@code user root}). */
    public static boolean isPrivileged(Plan plan) {
        for (Step s : plan.steps()) {
            if (s instanceof User u && ROOT_USER.equals(u.name())) return true;
        }
        return false;
    }

    /** A step as its plan line (without provenance), for messages; long lines are cut. */
    static String describe(Step step) {
        String line;
        try {
            line = PlanText.write(new Plan(new Header(Header.FORMAT, "-", "-", "-", "-"), List.of(step)));
            line = line.substring(line.indexOf('\n', line.indexOf("process ")) + 1).stripTrailing();
            String comment = "# " + step.from().text();
            if (line.endsWith(comment)) line = line.substring(0, line.length() - comment.length());
            line = line.strip();
        } catch (RuntimeException e) {
            line = KEYWORDS[kind(step.getClass())] + " ..."; // a null field: no line to show
        }
        return line.length() <= 100 ? line : line.substring(0, 97) + "...";
    }

    // ---- the checks ------------------------------------------------------------------------------

    private static final class Check {
        final Header header;
        final List<Step> steps;
        final int n;
        final int[] kinds;
        final List<PlanViolation> found = new ArrayList<>();
        final List<String> scratch = new ArrayList<>();
        boolean privileged;

        Check(Plan plan) {
            this.header = plan.header();
            this.steps = plan.steps();
            this.n = steps.size();
            this.kinds = new int[n];
            for (int i = 0; i < n; i++) kinds[i] = kind(steps.get(i).getClass());
        }

        void add(int index, String rule, String message) {
            found.add(new PlanViolation(index, index < 0 ? null : steps.get(index), rule, message));
        }

        void run() {
            for (int i = 0; i < n; i++) {
                if (kinds[i] < 0) throw new IllegalStateException("the verifier does not know " + steps.get(i).getClass());
            }
            if (!noNulls()) return; // nothing else can be checked safely
            privileged = false;
            for (int i = 0; i < n; i++) {
                if (steps.get(i) instanceof User u && u.name().equals(ROOT_USER)) privileged = true;
            }
            header();
            counts();
            order();
            for (int i = 0; i < n; i++) step(i, steps.get(i));
            namespaces();
            mounts();
            confinement();
            exec();
        }

        // -- nulls and NULs

        boolean noNulls() {
            if (header == null || header.compiler() == null || header.sourceSha256() == null
                    || header.job() == null || header.process() == null) {
                add(-1, NULL_FIELD, "the header has a null field");
                return false;
            }
            boolean ok = true;
            for (int i = 0; i < n; i++) {
                Step s = steps.get(i);
                scratch.clear();
                strings(s, scratch);
                if (s.from() == null || scratch.contains(null) || hasNullEnum(s)) {
                    add(i, NULL_FIELD, "the step has a null field");
                    ok = false;
                } else if (anyNul(scratch)) {
                    add(i, NO_NUL, "a field contains a NUL character");
                }
            }
            if (header.compiler().indexOf('\0') >= 0 || header.sourceSha256().indexOf('\0') >= 0
                    || header.job().indexOf('\0') >= 0 || header.process().indexOf('\0') >= 0) {
                add(-1, NO_NUL, "the header contains a NUL character");
            }
            return ok;
        }

        // -- header

        void header() {
            if (header.format() != Header.FORMAT) {
                add(-1, HEADER_FORMAT, "plan format " + header.format() + " is not " + Header.FORMAT);
            }
            if (header.compiler().isEmpty() || hasControl(header.compiler())) {
                add(-1, HEADER_COMPILER, "the compiler version must be non-empty text without control characters");
            }
            if (!isLowerHex(header.sourceSha256(), 64)) {
                add(-1, HEADER_SOURCE, "the source hash must be 64 lowercase hex digits, found " + PlanText.quote(header.sourceSha256()));
            }
            String problem = nameProblem("job", header.job());
            if (problem != null) add(-1, HEADER_NAME, problem);
            problem = nameProblem("process", header.process());
            if (problem != null) add(-1, HEADER_NAME, problem);
        }


        // -- counts and order

        void counts() {
            int[] seen = new int[KINDS];
            int[] logs = new int[LogStream.values().length];
            for (int i = 0; i < n; i++) {
                int k = kinds[i];
                if (k == K_LOG) {
                    LogStream stream = ((Log) steps.get(i)).stream();
                    if (++logs[stream.ordinal()] > 1) {
                        add(i, STEP_COUNT, "a plan has exactly one 'log " + lower(stream) + "' step");
                    }
                } else if (++seen[k] > 1 && CARDINALITY[k] >= 0) {
                    add(i, STEP_COUNT, "a plan has " + (CARDINALITY[k] == 1 ? "exactly" : "at most") + " one '"
                            + KEYWORDS[k] + "' step");
                }
            }
            for (int k = 0; k < KINDS; k++) {
                if (CARDINALITY[k] == 1 && seen[k] == 0) add(-1, STEP_COUNT, "the plan has no '" + KEYWORDS[k] + "' step");
            }
            for (LogStream stream : LogStream.values()) {
                if (logs[stream.ordinal()] == 0) add(-1, STEP_COUNT, "the plan has no 'log " + lower(stream) + "' step");
            }
        }

        int phase(int i) {
            int k = kinds[i];
            return k == K_LOG ? PHASES[k] + ((Log) steps.get(i)).stream().ordinal() : PHASES[k];
        }

        void order() {
            for (int i = 1; i < n; i++) {
                if (phase(i) < phase(i - 1)) {
                    add(i, STEP_ORDER, "'" + KEYWORDS[kinds[i]] + "' cannot come after '" + KEYWORDS[kinds[i - 1]] + "'");
                }
            }
        }

        // -- per step

        final Map<String, Integer> envNames = new HashMap<>();
        final Map<String, Integer> rlimits = new HashMap<>();
        final Map<String, Integer> cgroups = new HashMap<>();
        long memory;
        String stdoutLog;
        String stderrLog;

        void step(int i, Step s) {
            if (s instanceof Step.ContainerId x) {
                String expected = ContainerId.encode(header.job(), header.process());
                if (!x.id().equals(expected)) {
                    add(i, CONTAINER_ID, "the container id of job " + PlanText.quote(header.job()) + " process "
                            + PlanText.quote(header.process()) + " is " + expected + ", not " + PlanText.quote(x.id()));
                }
            } else if (s instanceof LockFile x) {
                if (hostPath(i, x.path())) {
                    // ContainerId.lockName, spelt out without string concatenation (see the class comment)
                    String lock = "job-".concat(ContainerId.encode(header.job().concat(".").concat(header.process()))).concat(".lock");
                    identity(i, "lock file", x.path(), "$ROOT/data/bpm/locks/".concat(lock));
                }
            } else if (s instanceof PidFile x) {
                if (hostPath(i, x.path())) {
                    identity(i, "pid file", x.path(), "$ROOT/sys/run/bpm/".concat(header.job()).concat("/")
                            .concat(header.process()).concat(".pid"));
                }
            } else if (s instanceof StateDir x) {
                // exact: stop reads it and removes it, so it must not point at anything else of bpm's
                if (hostPath(i, x.path())) {
                    identity(i, "state directory", x.path(),
                            STATE_ROOT.concat(ContainerId.encode(header.job(), header.process())));
                }
            } else if (s instanceof Log x) {
                if (hostPath(i, x.path())) {
                    String dir = "$ROOT/sys/log/".concat(header.job()).concat("/");
                    String expected = switch (x.stream()) {
                        case STDOUT -> stdoutLog = dir.concat(header.process()).concat(".stdout.log");
                        case STDERR -> stderrLog = dir.concat(header.process()).concat(".stderr.log");
                        case BPM -> dir.concat("bpm.log");
                    };
                    identity(i, x.stream(), x.path(), expected);
                }
            } else if (s instanceof User x) {
                if (!x.name().equals(VCAP) && !x.name().equals(ROOT_USER)) {
                    add(i, USER, "the user must be vcap or root (privileged), not " + PlanText.quote(x.name()));
                }
            } else if (s instanceof MakeDir x) {
                external(i, x.path());
                mode(i, x.mode());
            } else if (s instanceof VolumeDir x) {
                external(i, x.path());
                mode(i, x.mode());
                if (x.owner() != null && isBpmState(x.path())) {
                    // the job would own bpm's locks, plan cache or pid files, privileged or not (a
                    // volume of a whole /var/vcap area, an ancestor, is chowned by bpm 1.4 too and
                    // real releases ship it: lint warns about it, BPM318)
                    add(i, WRITABLE_SYSTEM, "host preparation may not give bpm's own state " + x.path() + " to the job");
                }
            } else if (s instanceof ShareVolume x) {
                external(i, x.path());
                if (hostPath(i, x.lock()) && !isVolumeLock(x.lock())) {
                    add(i, HOST_PATH, "a volume lock is " + VOLUME_LOCK_DIR + "vol-<sha256>.lock, not " + PlanText.quote(x.lock()));
                }
            } else if (s instanceof RequireDir x) {
                external(i, x.path());
            } else if (s instanceof OpenLog x) {
                external(i, x.path());
                mode(i, x.mode());
                if (hostPathProblem(x.path()) == null && !x.path().equals(stdoutLog) && !x.path().equals(stderrLog)) {
                    add(i, IDENTITY_PATH, "open-log opens the process's stdout or stderr log, not " + PlanText.quote(x.path()));
                }
            } else if (s instanceof Mask x) {
                viewPath(i, x.path());
            } else if (s instanceof ReadOnly x) {
                viewPath(i, x.path());
            } else if (s instanceof Rlimit x) {
                if (!RLIMIT_RESOURCES.contains(x.resource())) {
                    add(i, RLIMIT_RESOURCE, "unknown rlimit resource " + PlanText.quote(x.resource()));
                } else if (Long.compareUnsigned(x.soft(), x.hard()) > 0) {
                    add(i, RLIMIT_VALUE, "the soft limit " + Long.toUnsignedString(x.soft()) + " exceeds the hard limit "
                            + Long.toUnsignedString(x.hard()));
                } else if (x.resource().equals("NOFILE") && x.soft() == 0) {
                    add(i, RLIMIT_VALUE, "a process needs at least one open file");
                }
                duplicate(i, rlimits, x.resource(), "rlimit");
            } else if (s instanceof CgroupLimit x) {
                if (!CGROUP_LIMITS.contains(x.limit())) {
                    add(i, CGROUP_LIMIT, "unknown cgroup limit " + PlanText.quote(x.limit()) + " (memory, memory+swap or pids)");
                } else if (x.value() < 0) {
                    add(i, CGROUP_VALUE, "a cgroup limit cannot be negative (0 means no limit)");
                } else if (x.limit().equals("memory")) {
                    memory = x.value();
                } else if (x.limit().equals("memory+swap") && x.value() > 0 && memory > 0 && x.value() < memory) {
                    // runc's memory+swap is memory and swap together: never below memory alone
                    add(i, CGROUP_VALUE, "memory+swap " + x.value() + " is below the memory limit " + memory);
                }
                duplicate(i, cgroups, x.limit(), "cgroup limit");
            } else if (s instanceof Capabilities x) {
                capabilities(i, x);
            } else if (s instanceof Seccomp x) {
                if (SeccompProfile.byName(x.profile(), x.version()).isEmpty()) {
                    add(i, SECCOMP_PROFILE, "unknown seccomp profile " + PlanText.quote(x.profile()) + " version " + x.version());
                }
            } else if (s instanceof Env x) {
                if (x.name().isEmpty() || x.name().indexOf('=') >= 0) {
                    add(i, ENV_NAME, "an environment variable name must be non-empty and without '=', not " + PlanText.quote(x.name()));
                }
                duplicate(i, envNames, x.name(), "environment variable");
            } else if (s instanceof Cwd x) {
                viewPath(i, x.path());
            } else if (s instanceof Stop x) {
                if (!x.signal().equals("TERM") && !x.signal().equals("INT")) {
                    add(i, STOP_SIGNAL, "the stop signal must be TERM or INT, not " + PlanText.quote(x.signal()));
                }
                if (x.quitAfterMillis() <= 0 || x.quitAfterMillis() > MAX_QUIT_AFTER_MILLIS) {
                    add(i, STOP_TIMEOUT, "quit-after must be more than 0 and at most " + MAX_QUIT_AFTER_MILLIS + "ms");
                }
                if (x.killAfterMillis() <= 0 || x.killAfterMillis() > MAX_KILL_AFTER_MILLIS) {
                    add(i, STOP_TIMEOUT, "kill-after must be more than 0 and at most " + MAX_KILL_AFTER_MILLIS + "ms");
                }
            }
            // container-id, hook, namespace, mount, mount-glob, no-new-privs, exec: checked across steps below
        }

        void duplicate(int i, Map<String, Integer> seen, String key, String what) {
            Integer first = seen.putIfAbsent(key, i);
            if (first != null) add(i, DUPLICATE, "the " + what + " " + PlanText.quote(key) + " is already set by step " + first);
        }

        void identity(int i, Object what, String actual, String expected) {
            if (!actual.equals(expected)) {
                add(i, IDENTITY_PATH, "the " + (what instanceof LogStream ls ? lower(ls) + " log" : what) + " of this job and process is " + PlanText.quote(expected) + ", not "
                        + PlanText.quote(actual));
            }
        }

        void mode(int i, int mode) {
            if (mode < 0 || mode > 0777) add(i, MODE, "mode 0" + Integer.toOctalString(mode) + " is outside 0 to 0777");
        }

        /** A host path: $ROOT/... or absolute, canonical. False (and reported) when not. */
        boolean hostPath(int i, String p) {
            String problem = hostPathProblem(p);
            if (problem != null) add(i, PATH_CANONICAL, problem);
            return problem == null;
        }

        /** A host path below the BOSH root: host preparation runs as root and touches nothing else. */
        void external(int i, String p) {
            if (hostPath(i, p) && !p.startsWith("$ROOT/")) {
                add(i, HOST_PATH, "host preparation only touches paths below $ROOT, not " + PlanText.quote(p));
            }
        }

        /** A path of the job's view: absolute, canonical. False (and reported) when not. */
        boolean viewPath(int i, String p) {
            String problem = viewPathProblem(p);
            if (problem != null) add(i, PATH_CANONICAL, problem);
            return problem == null;
        }

        // -- namespaces

        void namespaces() {
            int[] seen = new int[NamespaceKind.values().length];
            int last = -1;
            for (int i = 0; i < n; i++) {
                if (steps.get(i) instanceof Namespace ns) {
                    int k = ns.kind().ordinal();
                    if (++seen[k] > 1) add(i, DUPLICATE, "the " + lower(ns.kind()) + " namespace is already created");
                    else if (k < last) add(i, NAMESPACE, "namespaces come in the order mnt, pid, uts, ipc");
                    last = Math.max(last, k);
                }
            }
            for (NamespaceKind required : new NamespaceKind[] {NamespaceKind.MNT, NamespaceKind.UTS, NamespaceKind.IPC}) {
                if (seen[required.ordinal()] == 0) add(-1, NAMESPACE, "every plan creates a new " + lower(required) + " namespace");
            }
        }

        // -- mounts

        void mounts() {
            Map<String, Integer> targets = new HashMap<>();
            int lastDefault = -1;
            boolean bindSeen = false;
            int lastDepth = -1;
            for (int i = 0; i < n; i++) {
                Step s = steps.get(i);
                if (s instanceof Mount m) {
                    boolean targetOk = viewPath(i, m.target());
                    if (targetOk && m.target().equals("/")) add(i, MOUNT_TARGET, "nothing may be mounted over the new root itself");
                    duplicate(i, targets, m.target(), "mount target");
                    if (!MOUNT_TYPES.contains(m.type())) {
                        add(i, MOUNT_TYPE, "unknown mount type " + PlanText.quote(m.type()));
                    } else if (m.type().equals("bind")) {
                        bindSeen = true;
                        options(i, m.options(), true);
                        boolean sourceOk = false;
                        if (!m.source().startsWith("$ROOT") && !m.source().startsWith("/")) {
                            add(i, MOUNT_SOURCE, "a bind mount's source is $ROOT/... or an absolute host path, not "
                                    + PlanText.quote(m.source()));
                        } else {
                            sourceOk = hostPath(i, m.source());
                        }
                        if (targetOk) {
                            int depth = depth(m.target());
                            if (depth < lastDepth) add(i, MOUNT_ORDER, "bind mounts come parents first (by depth of the target)");
                            lastDepth = depth; // each against the one before: together, non-decreasing
                        }
                        if (!privileged && m.options().contains("rw")) {
                            if (targetOk && isSystemPath(m.target())) {
                                add(i, WRITABLE_SYSTEM, "only a privileged job may mount writable over " + m.target());
                            } else if (sourceOk && isProtectedHostPath(m.source())) {
                                add(i, WRITABLE_SYSTEM, "only a privileged job may mount " + m.source() + " writable");
                            }
                        }
                    } else {
                        int d = defaultIndex(m);
                        if (d < 0) {
                            add(i, MOUNT_DEFAULT, "a " + m.type() + " mount can only be one of bpm's default mounts: proc /proc, "
                                    + "tmpfs /dev, devpts /dev/pts, shm /dev/shm, mqueue /dev/mqueue, sysfs /sys");
                        } else if (m.ifExists()) {
                            add(i, MOUNT_DEFAULT, "a default mount is not optional");
                        } else if (bindSeen || d < lastDefault) {
                            add(i, MOUNT_ORDER, "the default mounts come first, in the order /proc, /dev, /dev/pts, /dev/shm, "
                                    + "/dev/mqueue, /sys");
                        } else {
                            lastDefault = d;
                        }
                        options(i, m.options(), false);
                        if (!privileged && m.type().equals("sysfs") && !m.options().contains("ro")) {
                            add(i, WRITABLE_SYSTEM, "sysfs is mounted read-only");
                        }
                    }
                } else if (s instanceof GlobMount g) {
                    boolean ok = viewPath(i, g.pattern());
                    if (ok && g.pattern().equals("/")) add(i, MOUNT_TARGET, "nothing may be mounted over the new root itself");
                    for (String e : g.exclude()) viewPath(i, e);
                    options(i, g.options(), true);
                    if (ok && !privileged && g.options().contains("rw") && globMayExpose(g.pattern())) {
                        add(i, WRITABLE_SYSTEM, "only a privileged job may mount matches of " + g.pattern()
                                + " writable: they may include a system directory or bpm's own state");
                    }
                }
            }
        }

        void options(int i, List<String> options, boolean bind) {
            String problem = optionProblem(options, bind);
            if (problem != null) add(i, MOUNT_OPTIONS, problem);
        }

        // -- confinement and capabilities

        void confinement() {
            boolean nnp = false;
            boolean seccomp = false;
            for (int i = 0; i < n; i++) {
                int k = kinds[i];
                if (k == K_NO_NEW_PRIVS || k == K_SECCOMP) {
                    if (privileged) {
                        add(i, CONFINEMENT, "a privileged (root) plan has no no-new-privs and no seccomp");
                    }
                    nnp |= k == K_NO_NEW_PRIVS;
                    seccomp |= k == K_SECCOMP;
                }
            }
            if (!privileged && !nnp) add(-1, CONFINEMENT, "an unprivileged plan sets no-new-privs");
            if (!privileged && !seccomp) add(-1, CONFINEMENT, "an unprivileged plan loads a seccomp profile");
        }

        void capabilities(int i, Capabilities c) {
            List<String> unknown = null;
            for (List<String> set : List.of(c.bounding(), c.inheritable(), c.permitted(), c.effective(), c.ambient())) {
                for (String name : set) {
                    if (Capability.byCapName(name).isEmpty()) {
                        if (unknown == null) unknown = new ArrayList<>();
                        if (!unknown.contains(name)) unknown.add(name);
                    }
                }
            }
            if (unknown != null) {
                add(i, CAPABILITY_NAME, "unknown capabilit" + (unknown.size() == 1 ? "y " : "ies ") + String.join(", ", unknown));
                return;
            }
            List<String> problems = new ArrayList<>();
            subset(problems, "effective", c.effective(), "permitted", c.permitted());
            subset(problems, "ambient", c.ambient(), "permitted", c.permitted());
            subset(problems, "ambient", c.ambient(), "inheritable", c.inheritable());
            subset(problems, "inheritable", c.inheritable(), "bounding", c.bounding());
            subset(problems, "permitted", c.permitted(), "bounding", c.bounding());
            subset(problems, "effective", c.effective(), "bounding", c.bounding());
            subset(problems, "ambient", c.ambient(), "bounding", c.bounding());
            if (!problems.isEmpty()) add(i, CAPABILITY_SETS, String.join("; ", problems));
        }

        static void subset(List<String> problems, String what, List<String> set, String of, List<String> superset) {
            List<String> extra = null;
            for (String name : set) {
                if (!superset.contains(name)) {
                    if (extra == null) extra = new ArrayList<>();
                    if (!extra.contains(name)) extra.add(name);
                }
            }
            if (extra != null) problems.add(what + " " + String.join(",", extra) + " not in " + of);
        }

        // -- exec

        void exec() {
            for (int i = 0; i < n; i++) {
                if (!(steps.get(i) instanceof Exec e)) continue;
                String init = e.argv().getFirst();
                String problem = viewPathProblem(init);
                if (problem != null) {
                    add(i, EXEC_INIT, "the init must be an absolute canonical path: " + problem);
                    continue;
                }
                Mount covering = null;
                int depth = -1;
                for (int j = 0; j < n; j++) {
                    if (steps.get(j) instanceof Mount m && viewPathProblem(m.target()) == null && isUnderOrEqual(init, m.target())) {
                        int d = depth(m.target());
                        if (d >= depth) {
                            covering = m;
                            depth = d;
                        }
                    }
                }
                if (covering == null) {
                    add(i, EXEC_INIT, "the init " + init + " is on no mount of the job's view");
                } else if (!covering.type().equals("bind") || covering.ifExists() || !covering.options().contains("exec")) {
                    add(i, EXEC_INIT, "the init " + init + " must be on a bind mount that always exists and allows exec; "
                            + covering.target() + " is not");
                }
            }
        }
    }

    // ---- paths -----------------------------------------------------------------------------------

    /** Null when p is $ROOT, $ROOT/... or absolute, and canonical; else what is wrong. */
    static String hostPathProblem(String p) {
        String rest = p;
        if (p.startsWith(Step.ROOT)) {
            rest = p.substring(Step.ROOT.length());
            if (rest.isEmpty()) return null;
            if (rest.charAt(0) != '/') return "the path " + PlanText.quote(p) + " must continue with '/' after $ROOT";
            if (rest.length() == 1) return "the path " + PlanText.quote(p) + " must be canonical: $ROOT";
        } else if (!p.startsWith("/")) {
            return "the path " + PlanText.quote(p) + " must be absolute or start with $ROOT/";
        }
        String clean = HostPath.clean(rest);
        if (!clean.equals(rest)) {
            return "the path " + PlanText.quote(p) + " must be canonical: " + PlanText.quote(p == rest ? clean : Step.ROOT + clean);
        }
        return null;
    }

    /** Null when p is an absolute canonical path of the job's view; else what is wrong. */
    static String viewPathProblem(String p) {
        if (!p.startsWith("/")) return "the path " + PlanText.quote(p) + " must be absolute in the job's view";
        String clean = HostPath.clean(p);
        if (!clean.equals(p)) return "the path " + PlanText.quote(p) + " must be canonical: " + PlanText.quote(clean);
        return null;
    }

    /** "/" itself, or a system directory or anything under one (canonical absolute paths). */
    static boolean isSystemPath(String path) {
        return SandboxEscape.isSystemPath(path);
    }

    /**
     * A host path no job may write: a system directory (or anything under one, or "/"), bpm's
     * own state below the BOSH root, or an ancestor of that state (which exposes it too).
     */
    public static boolean isProtectedHostPath(String hostPath) {
        boolean external = hostPath.startsWith(Step.ROOT);
        String rest = external ? hostPath.substring(Step.ROOT.length()) : hostPath;
        if (!external && isSystemPath(hostPath)) return true;
        for (String d : BPM_STATE) {
            String state = external ? d : DEFAULT_BOSH_ROOT.concat(d);
            if (isUnderOrEqual(rest, state) || isUnderOrEqual(state, rest)) return true;
        }
        return false;
    }

    /** Whether an external host path ($ROOT/...) is bpm's own state or inside it (not an ancestor). */
    public static boolean isBpmState(String hostPath) {
        if (!hostPath.startsWith(Step.ROOT + "/")) return false;
        String rest = hostPath.substring(Step.ROOT.length());
        for (String d : BPM_STATE) {
            if (isUnderOrEqual(rest, d)) return true;
        }
        return false;
    }

    /**
     * Whether a glob (a literal host path that is also its target) could match a protected
     * path, an ancestor of one or something below one. Conservative: a component with a glob
     * character is taken to match anything.
     */
    public static boolean globMayExpose(String pattern) {
        if (SandboxEscape.globMayExposeSystem(pattern)) return true;
        for (String d : BPM_STATE) {
            if (globOverlaps(pattern, DEFAULT_BOSH_ROOT.concat(d))) return true;
        }
        return false;
    }

    private static boolean globOverlaps(String pattern, String path) {
        List<String> glob = HostPath.components(pattern);
        List<String> target = HostPath.components(path);
        int common = Math.min(glob.size(), target.size());
        for (int k = 0; k < common; k++) {
            String g = glob.get(k);
            if (!hasGlobMeta(g) && !g.equals(target.get(k))) return false;
        }
        return true;
    }

    static boolean hasGlobMeta(String s) {
        return s.indexOf('*') >= 0 || s.indexOf('?') >= 0 || s.indexOf('[') >= 0 || s.indexOf('\\') >= 0;
    }

    /** Component-wise: path is dir or below it (canonical absolute paths, or rests after $ROOT). */
    static boolean isUnderOrEqual(String path, String dir) {
        if (dir.isEmpty() || dir.equals("/")) return true;
        return path.startsWith(dir) && (path.length() == dir.length() || path.charAt(dir.length()) == '/');
    }

    /** The number of components of a canonical absolute path ("/" has none). */
    static int depth(String path) {
        int d = 0;
        for (int k = 0; k < path.length(); k++) {
            if (path.charAt(k) == '/' && k + 1 < path.length()) d++;
        }
        return d;
    }

    // ---- mount options ---------------------------------------------------------------------------

    private static int defaultIndex(Mount m) {
        for (int d = 0; d < DEFAULT_MOUNTS.length; d++) {
            String[] dm = DEFAULT_MOUNTS[d];
            if (dm[0].equals(m.type()) && dm[1].equals(m.source()) && dm[2].equals(m.target())) return d;
        }
        return -1;
    }

    /** Null when the options are valid for a bind (or default) mount; else what is wrong. */
    static String optionProblem(List<String> options, boolean bind) {
        String[][] groups = bind ? BIND_FLAGS : DEFAULT_MOUNT_FLAGS;
        int[] given = new int[groups.length];
        Set<String> data = null;
        for (String o : options) {
            int eq = o.indexOf('=');
            if (eq >= 0) {
                String key = o.substring(0, eq);
                String value = o.substring(eq + 1);
                boolean valid = !bind && switch (key) {
                    case "mode", "ptmxmode" -> isDigits(value, 4, 8);
                    case "gid" -> isDigits(value, 10, 10);
                    default -> false;
                };
                if (!valid) return "unknown mount option or bad value " + PlanText.quote(o);
                if (data == null) data = new HashSet<>();
                if (!data.add(key)) return "mount option " + key + " given twice";
                continue;
            }
            int group = -1;
            for (int g = 0; g < groups.length && group < 0; g++) {
                for (String flag : groups[g]) {
                    if (flag.equals(o)) group = g;
                }
            }
            if (group < 0) return "unknown mount option " + PlanText.quote(o);
            if (++given[group] > 1) {
                return groups[group].length == 1 ? "mount option " + o + " given twice"
                        : "mount options " + String.join(" and ", groups[group]) + " exclude each other (or one is given twice)";
            }
        }
        if (bind && given[0] == 0) return "a bind mount needs bind or rbind";
        if (bind && given[1] == 0) return "a bind mount needs rw or ro";
        return null;
    }

    // ---- small helpers ---------------------------------------------------------------------------

    /** A volume lock: $ROOT/data/bpm/locks/vol-HEX64.lock. */
    private static boolean isVolumeLock(String p) {
        if (!p.startsWith(VOLUME_LOCK_DIR)) return false;
        String name = p.substring(VOLUME_LOCK_DIR.length());
        return name.length() == 4 + 64 + 5 && name.startsWith("vol-") && name.endsWith(".lock")
                && isLowerHex(name.substring(4, 68), 64);
    }

    static boolean isLowerHex(String s, int length) {
        if (s.length() != length) return false;
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) return false;
        }
        return true;
    }

    /** 1 to max digits of the radix (8 or 10). */
    private static boolean isDigits(String s, int max, int radix) {
        if (s.isEmpty() || s.length() > max) return false;
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (c < '0' || c >= '0' + radix) return false;
        }
        return true;
    }

    static boolean hasControl(String s) {
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (c < 0x20 || c == 0x7f) return true;
        }
        return false;
    }

    private static boolean anyNul(List<String> strings) {
        for (String s : strings) {
            if (s.indexOf('\0') >= 0) return true;
        }
        return false;
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    private static boolean hasNullEnum(Step s) {
        if (s instanceof Log x) return x.stream() == null;
        if (s instanceof MakeDir x) return x.owner() == null;
        if (s instanceof VolumeDir x) return x.owner() == null;
        if (s instanceof OpenLog x) return x.owner() == null;
        if (s instanceof Namespace x) return x.kind() == null;
        return false;
    }

    /**
     * Adds every string a step carries (paths, names, arguments, values; not numbers or enums)
     * to {@code out}, nulls included.
     */
    static void strings(Step s, List<String> out) {
        if (s instanceof Step.ContainerId x) {
            out.add(x.id());
        } else if (s instanceof LockFile x) {
            out.add(x.path());
        } else if (s instanceof PidFile x) {
            out.add(x.path());
        } else if (s instanceof StateDir x) {
            out.add(x.path());
        } else if (s instanceof Log x) {
            out.add(x.path());
        } else if (s instanceof User x) {
            out.add(x.name());
        } else if (s instanceof MakeDir x) {
            out.add(x.path());
        } else if (s instanceof VolumeDir x) {
            out.add(x.path());
        } else if (s instanceof ShareVolume x) {
            out.add(x.path());
            out.add(x.lock());
        } else if (s instanceof RequireDir x) {
            out.add(x.path());
            out.add(x.reason());
        } else if (s instanceof OpenLog x) {
            out.add(x.path());
        } else if (s instanceof Hook x) {
            out.add(x.program());
        } else if (s instanceof Mount x) {
            out.add(x.type());
            out.add(x.source());
            out.add(x.target());
            out.addAll(x.options());
        } else if (s instanceof GlobMount x) {
            out.add(x.pattern());
            out.addAll(x.options());
            out.addAll(x.exclude());
        } else if (s instanceof Mask x) {
            out.add(x.path());
        } else if (s instanceof ReadOnly x) {
            out.add(x.path());
        } else if (s instanceof Rlimit x) {
            out.add(x.resource());
        } else if (s instanceof CgroupLimit x) {
            out.add(x.limit());
        } else if (s instanceof Capabilities x) {
            out.addAll(x.bounding());
            out.addAll(x.inheritable());
            out.addAll(x.permitted());
            out.addAll(x.effective());
            out.addAll(x.ambient());
        } else if (s instanceof Seccomp x) {
            out.add(x.profile());
        } else if (s instanceof Env x) {
            out.add(x.name());
            out.add(x.value());
        } else if (s instanceof Cwd x) {
            out.add(x.path());
        } else if (s instanceof Exec x) {
            out.addAll(x.argv());
        } else if (s instanceof Stop x) {
            out.add(x.signal());
        }
        // NamespaceKind and NoNewPrivs carry no strings
    }
}
