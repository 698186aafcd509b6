package io.bpm.executor.launch;

import io.bpm.executor.host.Binding;
import io.bpm.executor.host.BoundPlan;
import io.bpm.executor.host.CgroupDriver;
import io.bpm.executor.host.Cgroups;
import io.bpm.executor.host.HostPreparation;
import io.bpm.executor.host.JobCgroup;
import io.bpm.executor.host.Mounter;
import io.bpm.executor.host.PreparationException;
import io.bpm.executor.host.SystemdScope;
import io.bpm.executor.plan.Header;
import io.bpm.executor.plan.HostFacts;
import io.bpm.executor.plan.InvalidPlanException;
import io.bpm.executor.plan.Plan;
import io.bpm.executor.plan.Step;
import io.bpm.executor.plan.Step.Hook;
import io.bpm.executor.plan.Step.LogStream;
import io.bpm.executor.plan.Step.Seccomp;
import io.bpm.executor.plan.VerifiedPlan;
import io.bpm.executor.plan.Verifier;
import io.bpm.executor.sys.Struct;
import io.bpm.executor.sys.LaunchException;
import io.bpm.executor.sys.Launcher;
import io.bpm.executor.sys.Linux;
import io.bpm.executor.sys.Nr;
import io.bpm.executor.sys.Sys;
import io.bpm.executor.sys.SysException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;


/**
 * Starts one process from its plan: verify, bind to this host, prepare the host (directories,
 * volumes, shared mounts, log files), run the pre-start hook, create and limit the job's
 * cgroup, open the descriptors the child needs, lower the bound plan to a tape
 * ({@link TapeBuilder}) and run it ({@link Launcher}). Returns once the init has exec'd, with
 * its pid and a pidfd. On failure everything the launch made is undone (the cgroup removed if
 * this launch created it, every descriptor closed, the child reaped) and a {@link LaunchFailure}
 * names the plan step, the syscall and the errno. What host preparation created (directories,
 * log files, shared mounts) stays, as with bpm.
 *
 * <p>Not here: the lifecycle lock, stale state, the pid file and the state saved for stop
 * (the caller's). Call it from a platform thread; the thread must not have changed its
 * namespaces or credentials.
 *
 * <p>Where the new root goes: the launch mounts a tmpfs, in the child's mount namespace only, on
 * bpm's bundle directory {@code $ROOT/data/bpm/bundles/JOB/PROC/rootfs} (made here, 0755 root,
 * in a 0700 bundle directory, as bpm makes it). On the host it stays an empty directory; nothing
 * is written into it, so there is nothing to remove at stop (bpm removes the bundle then, and
 * may). Not below the state directory: {@link io.bpm.executor.host.StateStore#remove()} expects
 * only its own files there.
 */
public final class LaunchPlan {

    private LaunchPlan() {
    }

    /** Runs a {@code hook} step's program (as root, on the host, with the job's env; bpm-behaviour.md §5.4). */
    @FunctionalInterface
    public interface PreStart {
        void run(BoundPlan plan, Hook hook) throws IOException;
    }

    /**
     * How to launch.
     *
     * @param cgroupParent the cgroup path the job's cgroup is made under in each hierarchy by the
     *                     cgroupfs driver ({@code "/"}: the hierarchies' roots); null: the driver
     *                     this host calls for ({@link CgroupDriver#detect()}), bpm's naming
     * @param seccomp      the seccomp compiler; null refuses every plan with a seccomp step
     * @param mounter      the host mount(2) calls for {@code share} steps
     * @param host         the host's view for tape building
     * @param preStart     runs a {@code hook} step; null refuses every plan with one
     * @param output       the child's stdout and stderr; null: the plan's log files (bpm start)
     * @param cgroups      this host's cgroup layout, as the caller read it already (a start reads
     *                     /proc/self/mountinfo once for it); null: read it for the launch
     * @param prepared     the plan's {@link Prepared} parts made ahead, used when they are for the
     *                     same plan, host facts and seccomp compiler; null: made here
     */
    public record Options(String cgroupParent, SeccompFilter seccomp, Mounter mounter, HostView host, PreStart preStart,
                          Output output, Fault fault, Cgroups cgroups, Prepared prepared) {
        public static Options defaults(SeccompFilter seccomp) {
            return new Options(null, seccomp, SysMounter.INSTANCE, HostView.real(), null, null, Fault.NONE, null, null);
        }

        public Options withCgroupParent(String parent) {
            return new Options(parent, seccomp, mounter, host, preStart, output, fault, cgroups, prepared);
        }

        public Options withPreStart(PreStart hook) {
            return new Options(cgroupParent, seccomp, mounter, host, hook, output, fault, cgroups, prepared);
        }

        public Options withOutput(Output out) {
            return new Options(cgroupParent, seccomp, mounter, host, preStart, out, fault, cgroups, prepared);
        }

        public Options withFault(Fault f) {
            return new Options(cgroupParent, seccomp, mounter, host, preStart, output, f, cgroups, prepared);
        }

        public Options withCgroups(Cgroups layout) {
            return new Options(cgroupParent, seccomp, mounter, host, preStart, output, fault, layout, prepared);
        }

        public Options withPrepared(Prepared made) {
            return new Options(cgroupParent, seccomp, mounter, host, preStart, output, fault, cgroups, made);
        }
    }

    /**
     * What a launch computes from the plan, the host facts and the seccomp compiler alone, without
     * a system call: the bound plan and the seccomp program. A start makes it before its lifecycle
     * lock, while its main thread would otherwise only wait for the FFM handle (EarlyPlan), which
     * takes the binding and the seccomp profile's tables off the path after the lock.
     */
    public static final class Prepared {
        private final VerifiedPlan plan;
        private final HostFacts facts;
        private final SeccompFilter seccomp;
        private final BoundPlan bound;
        private final long[] program;

        private Prepared(VerifiedPlan plan, HostFacts facts, SeccompFilter seccomp, BoundPlan bound, long[] program) {
            this.plan = plan;
            this.facts = facts;
            this.seccomp = seccomp;
            this.bound = bound;
            this.program = program;
        }

        BoundPlan bound() {
            return bound;
        }

        long[] program() {
            return program;
        }

        /** Whether this was made from exactly these: the same objects, not equal ones. */
        boolean isFor(VerifiedPlan p, HostFacts f, SeccompFilter s) {
            return plan == p && facts == f && seccomp == s;
        }
    }

    /**
     * The plan's {@link Prepared} parts.
     *
     * @throws LaunchFailure when the plan cannot be bound to these facts or its seccomp profile is unknown
     */
    public static Prepared prepare(VerifiedPlan verified, HostFacts facts, SeccompFilter seccomp) throws LaunchFailure {
        Plan plan = verified.plan();
        String who = plan.header().job() + "/" + plan.header().process();
        BoundPlan bound = bind(plan, facts, who);
        long[] program = null;
        for (Step s : bound.steps()) {
            if (s instanceof Seccomp sc && seccomp != null) {
                try {
                    program = seccomp.program(sc);
                } catch (IllegalArgumentException e) {
                    throw new LaunchFailure(stepLabel(bound, sc), "cannot start " + who + ": " + e.getMessage());
                }
            }
        }
        return new Prepared(verified, facts, seccomp, bound, program);
    }

    /** The phases of a launch, in order, where a {@link Fault} can kill the launching process. */
    /**
     * Where a start can be killed: after host preparation, the hook, the cgroup, the tape's
     * building, the launch; {@code STATE_SAVED} is reached by the caller (bpm start), after it
     * recorded the state and before it writes the pid file.
     */
    public enum Phase { PREPARED, HOOKED, CGROUP, TAPE_BUILT, LAUNCHED, STATE_SAVED }

    /**
     * Fault injection for the reliability tests, never set by bpm's commands: SIGKILL this process
     * when {@code phase} is reached; or, for a tape entry, pause the child for {@code pauseMillis}
     * just before entry {@code tapeEntry} and write {@code marker} right before the launch, so
     * that a test can kill this process while the child is at that entry; or SIGKILL this process
     * right before host-preparation step {@code preparationStep} (counting the plan's mkdir,
     * volume, share, require-dir and open-log lines from 0). Either way a test can prove that a
     * start killed anywhere leaves nothing a later start or stop cannot clean.
     */
    public record Fault(Phase phase, int tapeEntry, long pauseMillis, Path marker, int preparationStep)
            implements java.util.function.IntConsumer {
        public static final Fault NONE = new Fault(null, -1, 0, null, -1);

        public void at(Phase reached) {
            if (reached == phase) {
                Sys.raw(Nr.KILL, Sys.raw(Nr.GETPID), Linux.SIGKILL);
            }
        }

        /** Before host-preparation step {@code step} (a class's method, not a lambda, on the start path). */
        @Override
        public void accept(int step) {
            if (step == preparationStep) {
                Sys.raw(Nr.KILL, Sys.raw(Nr.GETPID), Linux.SIGKILL);
            }
        }
    }

    /**
     * Descriptors the caller owns that become the child's stdout and stderr instead of the log
     * files: {@code bpm run} passes the write ends of two pipes it copies to the logs and the
     * terminal. The launch neither closes them nor keeps them.
     */
    public record Output(int stdout, int stderr) {
    }

    /** Where the time of a start went, in nanoseconds. */
    public record Timings(long verifyAndBind, long prepare, long cgroup, long tape, long launch) {
        public long total() {
            return verifyAndBind + prepare + cgroup + tape + launch;
        }
    }

    /**
     * A started process: the init has exec'd. The caller owns {@code pidfd} (O_CLOEXEC) and the cgroup.
     *
     * @param skipped masked or read-only paths that do not exist on this host (not applied)
     */
    public record Started(BoundPlan plan, int pid, int pidfd, JobCgroup cgroup, Timings timings, List<String> skipped) {
    }

    /** bpm's bundle rootfs for a process: {@code $ROOT/data/bpm/bundles/JOB/PROC/rootfs}. */
    public static Path rootfs(HostFacts facts, Header header) {
        return Path.of(facts.bind(Step.ROOT + "/data/bpm/bundles"), header.job(), header.process(), "rootfs");
    }

    /**
     * Starts the plan's process.
     *
     * @throws LaunchFailure naming the step, the syscall and errno; nothing of the launch is left
     */
    public static Started start(Plan plan, HostFacts facts, Options options) throws LaunchFailure {
        return start(verify(plan), facts, options);
    }

    /**
     * Starts a verified plan's process (a plan from the cache was verified once, when it was
     * cached: {@link io.bpm.executor.plan.PlanCache#find}).
     *
     * @throws LaunchFailure naming the step, the syscall and errno; nothing of the launch is left
     */
    public static Started start(VerifiedPlan verified, HostFacts facts, Options options) throws LaunchFailure {
        Plan plan = verified.plan();
        String who = plan.header().job() + "/" + plan.header().process();
        long t0 = System.nanoTime();
        Prepared prepared = options.prepared() != null && options.prepared().isFor(verified, facts, options.seccomp())
                ? options.prepared() : prepare(verified, facts, options.seccomp());
        BoundPlan bound = prepared.bound;
        long t1 = System.nanoTime();

        List<Integer> fds = new ArrayList<>();
        JobCgroup cgroup = null;
        CgroupDriver.Placement placement = null;
        boolean created = false;
        boolean done = false;
        long t2 = t1;
        long t3 = t1;
        long t4 = t1;
        try {
            Path rootfs = rootfs(facts, plan.header());
            makeRootfs(rootfs);
            HostPreparation.Logs logs;
            try {
                logs = new HostPreparation(bound, options.mounter(), options.fault()).apply();
            } catch (PreparationException e) {
                throw new LaunchFailure(stepLabel(bound, e.step()), "cannot start " + who
                        + ": failed to create system files: " + e.getMessage());
            }
            // the very files host preparation opened without following a symlink and checked
            // (closed with the other descriptors below); not opened again by path
            fds.add(logs.stdout());
            fds.add(logs.stderr());
            options.fault().at(Phase.PREPARED);
            for (Step s : bound.steps()) {
                if (s instanceof Hook h) {
                    if (options.preStart() == null) {
                        throw new LaunchFailure(stepLabel(bound, h), "cannot start " + who + ": the plan has a pre-start hook "
                                + h.program() + " and no way to run it was given");
                    }
                    try {
                        options.preStart().run(bound, h);
                    } catch (IOException e) {
                        throw new LaunchFailure(stepLabel(bound, h), "cannot start " + who + ": prestart hook failed: " + e.getMessage());
                    }
                }
            }
            options.fault().at(Phase.HOOKED);
            t2 = System.nanoTime();

            placement = driver(options).create(bound.containerId(), "bpm " + who + " (" + bound.containerId() + ")",
                    bound.cgroupLimits());
            cgroup = placement.cgroup();
            created = true;
            options.fault().at(Phase.CGROUP);
            t3 = System.nanoTime();

            int stdin = open(fds, "/dev/null", Linux.O_RDONLY | Linux.O_CLOEXEC);
            int stdout = options.output() != null ? options.output().stdout() : blocking(logs.stdout());
            int stderr = options.output() != null ? options.output().stderr() : blocking(logs.stderr());
            List<Integer> procs = new ArrayList<>();
            int into = -1;   // a cgroup v2 directory the child is born in, else none
            for (JobCgroup.Entrance e : cgroup.entrances()) {
                if (e.bornIn()) {
                    into = open(fds, e.dir().toString(), Linux.O_RDONLY | Linux.O_DIRECTORY | Linux.O_CLOEXEC);
                } else {
                    procs.add(open(fds, e.joinFile().toString(), Linux.O_WRONLY | Linux.O_CLOEXEC));
                }
            }
            long[] program = prepared.program;
            try (TapeBuilder.Built built = TapeBuilder.build(bound, rootfs.toString(),
                    new TapeBuilder.Fds(stdin, stdout, stderr, procs, into), program, options.host())) {
                if (options.fault().tapeEntry() >= 0) {
                    built.tape().insertPause(Math.min(options.fault().tapeEntry(), built.tape().size()), options.fault().pauseMillis());
                    Files.writeString(options.fault().marker(), Integer.toString(built.tape().size()));
                }
                options.fault().at(Phase.TAPE_BUILT);
                t4 = System.nanoTime();
                Launcher.Launched l = Launcher.launch(built.tape());
                options.fault().at(Phase.LAUNCHED);
                long t5 = System.nanoTime();
                done = true;
                return new Started(bound, l.pid(), l.pidfd(), cgroup,
                        new Timings(t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), built.skipped());
            }
        } catch (LaunchFailure e) {
            throw e.getMessage().startsWith("cannot start ") ? e
                    : new LaunchFailure(e.step(), e.syscall(), e.errno(), "cannot start " + who + ": " + e.getMessage(), e);
        } catch (LaunchException e) {
            throw new LaunchFailure(e.label(), e.syscall(), e.errno(), "cannot start " + who + ": " + e.getMessage(), e);
        } catch (SysException e) {
            throw new LaunchFailure(null, e.syscall(), e.errno(), "cannot start " + who + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new LaunchFailure(null, null, 0, "cannot start " + who + ": " + e.getMessage(), e);
        } finally {
            for (int fd : fds) {
                Sys.raw(Nr.CLOSE, fd);
            }
            if (placement != null) {
                placement.close(); // the init is in the cgroup (or never came): the placeholder goes
            }
            if (!done && created) {
                try {
                    cgroup.kill(Duration.ofSeconds(5), JobCgroup.Killer.SIGKILL);
                    cgroup.remove(Duration.ofSeconds(5));
                } catch (IOException | RuntimeException e) {
                    // reported with the failure already on its way
                    System.err.println("bpm: could not remove the cgroup of " + who + ": " + e.getMessage());
                }
            }
        }
    }

    /**
     * What {@link #start} would do, changing nothing: the bound plan (what host preparation
     * makes), the job's cgroup directories and limits, the descriptors the child gets, and the
     * tape as strace-like lines. For {@code --dry-run}. The pre-start hook is named, not run.
     * Descriptor numbers are placeholders; the real ones are chosen by the kernel at launch.
     */
    public static List<String> describe(Plan plan, HostFacts facts, Options options) throws LaunchFailure {
        return describe(verify(plan), facts, options);
    }

    /** {@link #describe(Plan, HostFacts, Options)} of a verified plan. */
    public static List<String> describe(VerifiedPlan verified, HostFacts facts, Options options) throws LaunchFailure {
        Plan plan = verified.plan();
        String who = plan.header().job() + "/" + plan.header().process();
        BoundPlan bound = bind(plan, facts, who);
        List<String> out = new ArrayList<>();
        out.add("# dry run of " + who + ": nothing below has been done");
        out.add("# the plan, bound to this host (host preparation applies its directory, log and volume lines):");
        for (String line : bound.text().split("\n")) {
            out.add("  " + line);
        }
        try {
            CgroupDriver driver = driver(options);
            JobCgroup cgroup = driver.locate(bound.containerId());
            out.add("# the job's cgroup, by the cgroup driver of this host: " + driver.describe());
            if (driver instanceof SystemdScope systemd) {
                out.add("  StartTransientUnit(\"" + cgroup.unit() + "\", \"replace\") around a placeholder process, "
                        + "then the job joins " + cgroup.paths().getFirst() + "; ended and reset at stop:");
                for (String property : systemd.describe(bound.containerId(), "bpm " + who + " (" + bound.containerId() + ")",
                        bound.cgroupLimits())) {
                    out.add("    " + property);
                }
            } else {
                out.add("  (created, its cgroup lines written, removed at stop)");
                for (Path d : cgroup.paths()) {
                    out.add("  mkdir " + d);
                }
            }
            int next = 3;
            int stdin = next++;
            int stdout = next++;
            int stderr = next++;
            List<Integer> procs = new ArrayList<>();
            out.add("# descriptors opened for the child (placeholder numbers):");
            out.add("  fd " + stdin + " = /dev/null (stdin)");
            out.add("  fd " + stdout + " = " + (options.output() != null ? "a pipe to bpm, copied to " : "")
                    + bound.log(LogStream.STDOUT) + " (stdout)");
            out.add("  fd " + stderr + " = " + (options.output() != null ? "a pipe to bpm, copied to " : "")
                    + bound.log(LogStream.STDERR) + " (stderr)");
            int into = -1;
            for (JobCgroup.Entrance e : cgroup.entrances()) {
                if (e.bornIn()) {
                    into = next;
                    out.add("  fd " + next++ + " = " + e.dir() + " (the child is born in it: CLONE_INTO_CGROUP)");
                } else {
                    procs.add(next);
                    out.add("  fd " + next++ + " = " + e.joinFile());
                }
            }
            long[] program = null;
            for (Step s : bound.steps()) {
                if (s instanceof Hook h) {
                    out.add("# pre-start hook, run on the host as root before the launch: " + h.program());
                }
                if (s instanceof Seccomp sc && options.seccomp() != null) {
                    program = options.seccomp().program(sc);
                }
            }
            try (TapeBuilder.Built built = TapeBuilder.build(bound, rootfs(facts, plan.header()).toString(),
                    new TapeBuilder.Fds(stdin, stdout, stderr, procs, into), program, options.host(), true)) {
                out.add("# the launch: clone3 and the tape the child replays (" + built.tape().size() + " entries):");
                out.addAll(built.tape().describe());
                for (String skip : built.skipped()) {
                    out.add("# not on this host, skipped: " + skip);
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new LaunchFailure(null, "cannot start " + who + ": " + e.getMessage());
        }
        return out;
    }

    /** The cgroupfs driver under the options' parent, else the driver this host calls for. */
    private static CgroupDriver driver(Options options) throws IOException {
        Cgroups layout = options.cgroups() != null ? options.cgroups() : Cgroups.detect();
        return options.cgroupParent() == null ? CgroupDriver.of(layout) : new CgroupDriver.Cgroupfs(layout, options.cgroupParent());
    }

    /** A plan from elsewhere (a test, a saved state), verified before anything of it is applied. */
    private static VerifiedPlan verify(Plan plan) throws LaunchFailure {
        try {
            return VerifiedPlan.of(plan);
        } catch (InvalidPlanException | IllegalArgumentException e) {
            throw new LaunchFailure(null, "cannot start " + plan.header().job() + "/" + plan.header().process() + ": " + e.getMessage());
        }
    }

    /** The verified plan bound to this host. */
    private static BoundPlan bind(Plan plan, HostFacts facts, String who) throws LaunchFailure {
        try {
            return Binding.bind(plan, facts);
        } catch (IllegalArgumentException e) {
            throw new LaunchFailure(null, "cannot start " + who + ": " + e.getMessage());
        }
    }

    /** The bundle directory 0700 and its rootfs 0755, both root's, neither a symlink. */
    private static void makeRootfs(Path rootfs) throws IOException {
        Path bundle = rootfs.getParent();
        if (!Files.isDirectory(bundle, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(bundle, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        if (!Files.isDirectory(rootfs, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectory(rootfs, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        }
        if (Files.isSymbolicLink(rootfs) || Files.isSymbolicLink(bundle)) {
            throw new IOException("refusing to use " + rootfs + " as the new root: a symlink is in the way");
        }
    }

    private static int open(List<Integer> fds, String path, int flags) {
        int fd = Sys.open(path, flags, 0);
        fds.add(fd);
        return fd;
    }

    /**
     * A log host preparation opened (O_NONBLOCK, so that a FIFO swapped in could not block the
     * start; it is checked to be a regular file) made blocking again for the job, which writes
     * it as its stdout or stderr.
     */
    private static int blocking(int fd) {
        Sys.syscall(NR_FCNTL, fd, F_SETFL, Linux.O_APPEND);
        return fd;
    }

    /**
     * A log file host preparation created, opened for appending (O_CLOEXEC, O_NOFOLLOW, refused
     * unless a regular file). The caller closes it.
     */
    public static int openLog(String path) throws IOException {
        int fd = Sys.open(path, Linux.O_WRONLY | Linux.O_APPEND | Linux.O_NOFOLLOW | Linux.O_NONBLOCK | Linux.O_NOCTTY
                | Linux.O_CLOEXEC, 0);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(144, 8);                 // struct stat (x86-64)
            Sys.syscall(NR_FSTAT, fd, st.address());
            int mode = Struct.getInt(st, 24);                       // st_mode
            if ((mode & 0170000) != 0100000) {
                throw new IOException("refusing to write the log to " + path + ": it is no longer a regular file");
            }
            return blocking(fd);
        } catch (IOException | RuntimeException e) {
            Sys.raw(Nr.CLOSE, fd);
            throw e;
        }
    }

    private static final int NR_FSTAT = 5;
    private static final int NR_FCNTL = 72;
    private static final int F_SETFL = 4;

    private static String stepLabel(BoundPlan bound, Step step) {
        List<Step> steps = bound.steps();
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i) == step) {
                return TapeBuilder.label(i, step);
            }
        }
        return step == null ? null : TapeBuilder.label(-1, step);
    }
}
