package io.bpm.executor.launch;

import io.bpm.executor.host.BoundPlan;
import io.bpm.executor.plan.Capability;
import io.bpm.executor.plan.HostPath;
import io.bpm.executor.plan.Step;
import io.bpm.executor.plan.Step.Capabilities;
import io.bpm.executor.plan.Step.CgroupLimit;
import io.bpm.executor.plan.Step.Cwd;
import io.bpm.executor.plan.Step.Env;
import io.bpm.executor.plan.Step.Exec;
import io.bpm.executor.plan.Step.Log;
import io.bpm.executor.plan.Step.LogStream;
import io.bpm.executor.plan.Step.Mask;
import io.bpm.executor.plan.Step.Mount;
import io.bpm.executor.plan.Step.Namespace;
import io.bpm.executor.plan.Step.NoNewPrivs;
import io.bpm.executor.plan.Step.OpenLog;
import io.bpm.executor.plan.Step.ReadOnly;
import io.bpm.executor.plan.Step.Rlimit;
import io.bpm.executor.plan.Step.Seccomp;
import io.bpm.executor.plan.Step.ShareVolume;
import io.bpm.executor.plan.Step.User;
import io.bpm.executor.sys.Errno;
import io.bpm.executor.sys.Linux;
import io.bpm.executor.sys.Nr;
import io.bpm.executor.sys.SysException;
import io.bpm.executor.sys.Tape;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.bpm.executor.sys.Linux.MNT_DETACH;
import static io.bpm.executor.sys.Linux.MS_BIND;
import static io.bpm.executor.sys.Linux.MS_NODEV;
import static io.bpm.executor.sys.Linux.MS_NOEXEC;
import static io.bpm.executor.sys.Linux.MS_NOSUID;
import static io.bpm.executor.sys.Linux.MS_PRIVATE;
import static io.bpm.executor.sys.Linux.MS_RDONLY;
import static io.bpm.executor.sys.Linux.MS_NOSYMFOLLOW;
import static io.bpm.executor.sys.Linux.MS_REC;
import static io.bpm.executor.sys.Linux.MS_REMOUNT;
import static io.bpm.executor.sys.Linux.MS_SLAVE;

/**
 * Lowers a {@link BoundPlan} to the {@link Tape} the launch stub replays in the child, between
 * clone3 (new mnt/pid/uts/ipc namespaces) and the execve of the init. Every entry is labelled
 * with the plan step it comes from ({@code step 31 mount /tmp (bpm.yml:7:3 ephemeral_disk)}, the
 * index being the step's in the bound plan, as {@link BoundPlan#text()} prints it), or with
 * {@code sandbox: ...} for the entries every launch has; a failing entry's
 * {@link io.bpm.executor.sys.LaunchException} carries that label, its syscall and errno.
 *
 * <p>The tape cannot branch and the child cannot compute, so everything is decided here from
 * the host's view ({@link HostView}): which mount points exist, which must be made (and
 * whether as a directory or an empty file), which masked or read-only paths exist at all.
 *
 * <h2>The order of the tape</h2>
 * <ol>
 *   <li>{@code umask(022)} (runc's default for the job; it also fixes the mode of the mount
 *       points made below).</li>
 *   <li>Propagation: {@code /} becomes private (non-recursive, bpm's {@code rootfsPropagation:
 *       private}; pivot_root refuses a shared root), and so does the mount that holds the new
 *       root's directory, so that the root tmpfs does not appear on the host. Other mounts keep
 *       their propagation for now: a {@code share}d volume must stay a peer of the host's mount
 *       (bpm's shared volumes: mounts made inside it are seen by the host and other jobs).</li>
 *   <li>The new root: a tmpfs ({@value #ROOTFS_DATA}, nosuid, nodev) mounted on
 *       {@code rootfs}, a directory Java made beforehand (LaunchPlan uses bpm's bundle path
 *       {@code $ROOT/data/bpm/bundles/JOB/PROC/rootfs}). A tmpfs rather than the directory
 *       itself: nothing of a launch is ever written to the host's disk, there is nothing stale to
 *       clean and concurrent launches of one process cannot see each other's mount points (the
 *       tmpfs exists only in the child's mount namespace). Its mount points are made by
 *       {@code mkdir} entries in the child.</li>
 *   <li>The plan's mounts in order, each at {@code rootfs + target}, after the entries that make
 *       its mount point: directories, or an empty file ({@code openat(O_CREAT|O_EXCL)}) when a
 *       bind's source is a file. A mount point inside a bind mount is looked up on the host
 *       below the bind's source; a missing one is made through the bind (as runc does), a
 *       symlink there is refused (a job could have planted it to move the mount). Bind mounts:
 *       {@code MS_BIND} ({@code |MS_REC} for rbind; for a source below {@code $ROOT/data},
 *       {@code store} or {@code sys}, where jobs own directories, the bind is made here, from
 *       the path opened without following a symlink ({@code open_tree(OPEN_TREE_CLONE)}), and
 *       the child attaches it with {@code move_mount}, so a directory swapped for a symlink after
 *       the checks cannot redirect the mount), then {@code MS_REC|MS_SLAVE} unless it is a
 *       shared volume (so that whatever is mounted on top of it later, like the job's tmp dir
 *       inside its data dir, does not propagate back to the host on a host whose mounts are
 *       shared, as systemd makes them), then {@code MS_REMOUNT|MS_BIND} with the ro, nosuid,
 *       nodev and noexec flags (a bind ignores them on the first call); a bind of a job-owned
 *       source is also {@code MS_NOSYMFOLLOW} until every mount is in place (the child makes
 *       and mounts on the mount points below it through it, as root, before pivot_root: a
 *       directory the job swaps for a symlink there gets ELOOP instead of a host path), then
 *       remounted without it, deepest first. After the tmpfs on
 *       {@code /dev}: bind mounts of the host's null, zero, full, random, urandom and tty onto
 *       empty files, and the symlinks fd, stdin, stdout, stderr, ptmx (and core when the host
 *       has /proc/kcore), as runc makes them.</li>
 *   <li>{@code mask}: /dev/null bound over a file, a read-only empty tmpfs over a directory;
 *       {@code readonly}: the path bound onto itself, then remounted read-only. A path that does
 *       not exist here is skipped (as runc does), and listed in {@link Built#skipped()}.</li>
 *   <li>{@code mkdir(rootfs/.bpm-old-root)}, {@code chdir(rootfs)}, {@code pivot_root(".",
 *       ".bpm-old-root")}, {@code chdir("/")}, the old root made {@code MS_REC|MS_SLAVE} so that
 *       detaching it cannot propagate unmounts to the host, {@code umount2(MNT_DETACH)},
 *       {@code rmdir}; then the root tmpfs is remounted read-only unless the plan is privileged
 *       (bpm's root is a root-owned 0755 directory a privileged job can write to). Not runc's
 *       {@code pivot_root(".", ".")}: there mount(2) on "." reaches the new root, not the old root
 *       stacked on it (only umount2 looks past it), so the slave step would hit the new root's
 *       mounts and cut shared volumes off from the host (measured here).</li>
 *   <li>{@code setrlimit} for each rlimit, soft and hard as the plan says (equivalent to
 *       {@code prlimit64(0, ...)}). A hard limit above this process's own fails the launch
 *       before anything is done unless this process has CAP_SYS_RESOURCE (it does not on every
 *       host): silently clamping would run the job with less than its bpm.yml asks for.</li>
 *   <li>{@code write(fd, "0", 1)} to each pre-opened {@code cgroup.procs} ({@code tasks} in a v1
 *       hierarchy, which spares the kernel's global lock: {@link io.bpm.executor.host.JobCgroup#joinFile}): the child
 *       joins the job's cgroup before it can fork. A cgroup v2 directory is not joined: the child
 *       is born in it (clone3's CLONE_INTO_CGROUP, {@link TapeBuilder.Fds#cgroupDir}).</li>
 *   <li>{@code setsid()}, then {@code dup2} of /dev/null to 0 and the two log files to 1 and 2.</li>
 *   <li>Credentials: {@code PR_CAPBSET_DROP} for each capability of this process's bounding set
 *       the plan's bounding set lacks (needs CAP_SETPCAP, so while still root);
 *       {@code PR_SET_KEEPCAPS} (unless the job runs as root); {@code setgroups(0, NULL)},
 *       {@code setresgid}, {@code setresuid} as raw syscalls; {@code capset} with the plan's
 *       effective, permitted and inheritable sets; {@code PR_CAP_AMBIENT_RAISE} for each ambient
 *       capability; then {@code PR_SET_NO_NEW_PRIVS}. A capability the plan grants that this
 *       process does not hold fails the launch before anything is done.</li>
 *   <li>Every signal back to SIG_DFL and an empty signal mask (the spawning JVM thread blocks
 *       SIGQUIT; a JVM started under nohup ignores HUP).</li>
 *   <li>{@code close_range(3, ~0U, CLOSE_RANGE_CLOEXEC)}, {@code chdir(cwd)} as the job's user
 *       (so a cwd it may not enter fails here, naming the cwd step), and
 *       {@code faccessat(EXE, X_OK)} of the job's executable, so that a missing or
 *       non-executable program fails the start instead of the init's later exec.</li>
 *   <li>{@code seccomp(SECCOMP_SET_MODE_FILTER)} with the program from {@link SeccompFilter},
 *       as late as possible so that the filter only has to allow execve, then
 *       {@code execve(init, argv, env)}.</li>
 * </ol>
 */
public final class TapeBuilder {

    /** The descriptors the child turns into its stdio and uses to join its cgroup (all O_CLOEXEC in the parent). */
    public record Fds(int stdin, int stdout, int stderr, List<Integer> cgroupProcs, int cgroupDir) {
        public Fds {
            cgroupProcs = List.copyOf(cgroupProcs);
        }

        /** Without a cgroup v2 directory to be born in: every cgroup is joined through {@code cgroupProcs}. */
        public Fds(int stdin, int stdout, int stderr, List<Integer> cgroupProcs) {
            this(stdin, stdout, stderr, cgroupProcs, -1);
        }
    }

    /** The tape, and what was left out because it does not exist on this host (for the dry run). */
    public record Built(Tape tape, List<String> skipped, Runnable release) implements AutoCloseable {
        public Built {
            skipped = List.copyOf(skipped);
        }

        /** Frees the tape and closes the descriptors of the bind sources (after the launch: the child has its copies). */
        @Override
        public void close() {
            try {
                tape.close();
            } finally {
                release.run();
            }
        }
    }

    /** The root tmpfs: only mount points live there. */
    static final String ROOTFS_DATA = "mode=0755,size=1m";
    /** Masked directories get an empty, read-only tmpfs. */
    private static final String MASK_DATA = "mode=0755,size=4k";
    private static final int UMASK = 022;
    private static final String[] DEVICES = {"null", "zero", "full", "random", "urandom", "tty"};
    private static final String[][] DEV_LINKS = {
        {"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
        {"stderr", "/proc/self/fd/2"}, {"ptmx", "pts/ptmx"}};
    /** Where pivot_root puts the old root, in the new root, until it is detached and the directory removed. */
    static final String OLD_ROOT = "/.bpm-old-root";
    private static final int CAP_SYS_RESOURCE = 24;

    private enum Kind { ROOT, TMPFS, BIND, PROC, SYSFS, OTHER }

    /**
     * A mount already on the tape: where, what, which host directory it shows (binds, proc, sys;
     * a bind's source as the plan names it, resolved by {@link #hostDir} when first needed).
     */
    private record Placed(String target, Kind kind, String hostDir, boolean dir, long flags) { }

    private final BoundPlan plan;
    private final String rootfs;
    private final Fds fds;
    private final long[] seccomp;
    private final HostView host;
    private final Tape tape;
    private final List<Placed> placed = new ArrayList<>();
    /** Paths of the job's view made by this tape (true: a directory). */
    private final Map<String, Boolean> made = new HashMap<>();
    private final Set<String> shared = new HashSet<>();
    private final List<String> skipped = new ArrayList<>();
    /**
     * Descriptors of bind sources below $ROOT/data, store or sys, opened for the child to mount
     * (see {@link #mount}): the O_PATH ones and their clones.
     */
    private final List<Integer> sources = new ArrayList<>();
    /**
     * Each job-owned bind source, opened O_PATH once ({@link HostView#openBelow}) and cloned for
     * each of its mounts: a job's tmp is bound at three places, and each path was walked again.
     */
    private final Map<String, Integer> below = new HashMap<>();
    /** What each bind source is as mount(2) sees it (stat), asked once per source. */
    private final Map<String, HostView.Kind> sourceKinds = new HashMap<>();
    /** The real paths of the bind sources {@link #hostDir} resolved. */
    private final Map<String, String> realPaths = new HashMap<>();
    /** The binds of job-owned sources, nosymfollow while the child builds the root. */
    private final List<Remount> unfollowed = new ArrayList<>();

    private record Remount(String target, String path, long flags) { }
    /** A dry run's next placeholder descriptor for a bind source; 0: not a dry run, sources are opened. */
    private int placeholder;
    private final String[] strict;
    private Long ownPermitted;

    private TapeBuilder(BoundPlan plan, String rootfs, Fds fds, long[] seccomp, HostView host, Tape tape) {
        this.tape = tape;
        this.plan = plan;
        this.rootfs = HostPath.clean(rootfs);
        this.fds = fds;
        this.seccomp = seccomp;
        this.host = host;
        String root = HostPath.clean(plan.facts().root());
        String prefix = root.equals("/") ? "" : root;
        this.strict = new String[] {prefix + "/data", prefix + "/store", prefix + "/sys"};
    }

    /**
     * Builds the tape. The caller launches and closes it ({@link Built#close()}).
     *
     * @param plan    the bound plan
     * @param rootfs  an existing, empty directory on the host; the root tmpfs is mounted on it in
     *                the child's mount namespace only
     * @param fds     descriptors opened by the parent (O_CLOEXEC)
     * @param seccomp the BPF program for the plan's seccomp step ({@link SeccompFilter}); null
     *                only when the bound plan has no seccomp step
     * @param host    the host's view
     * @throws LaunchFailure when the plan cannot be applied here (a limit or capability this
     *                       process cannot grant, a planted symlink, no seccomp program, ...)
     */
    public static Built build(BoundPlan plan, String rootfs, Fds fds, long[] seccomp, HostView host) throws LaunchFailure {
        return build(plan, rootfs, fds, seccomp, host, false);
    }

    /**
     * {@link #build}, or, for a dry run ({@code dryRun}), the tape as it would be without opening
     * anything: host preparation has not made the bind sources yet, so the detached mounts of
     * sources below $ROOT/data, store and sys get placeholder descriptors after {@code fds}.
     */
    public static Built build(BoundPlan plan, String rootfs, Fds fds, long[] seccomp, HostView host, boolean dryRun)
            throws LaunchFailure {
        Tape tape = new Tape();
        if (fds.cgroupDir() >= 0) tape.intoCgroup(fds.cgroupDir());   // born in its cgroup v2 directory
        TapeBuilder b = new TapeBuilder(plan, rootfs, fds, seccomp, host, tape);
        if (dryRun) {
            int max = Math.max(fds.stdin(), Math.max(fds.stdout(), Math.max(fds.stderr(), fds.cgroupDir())));
            for (int fd : fds.cgroupProcs()) {
                max = Math.max(max, fd);
            }
            b.placeholder = max + 1;
        }
        boolean ok = false;
        try {
            b.run();
            ok = true;
            TapeBuilder sources = b;   // an anonymous class, not a method reference: no lambda on the start path
            return new Built(b.tape, b.skipped, new Runnable() {
                @Override
                public void run() {
                    sources.closeSources();
                }
            });
        } catch (LaunchFailure e) {
            throw e;
        } catch (IOException e) {
            throw new LaunchFailure(null, "cannot read this host's state to build the launch: " + e.getMessage());
        } finally {
            if (!ok) {
                try {
                    b.tape.close();
                } finally {
                    b.closeSources();
                }
            }
        }
    }

    // ---- the tape, in order -----------------------------------------------------------------------

    private void run() throws IOException {
        List<Step> steps = plan.steps();
        long namespaces = 0;
        for (Step s : steps) {
            if (s instanceof Namespace n) {
                namespaces |= switch (n.kind()) {
                    case MNT -> Linux.CLONE_NEWNS;
                    case PID -> Linux.CLONE_NEWPID;
                    case UTS -> Linux.CLONE_NEWUTS;
                    case IPC -> Linux.CLONE_NEWIPC;
                };
            } else if (s instanceof ShareVolume v) {
                shared.add(v.path());
            }
        }
        if ((namespaces & Linux.CLONE_NEWNS) == 0) {
            throw new LaunchFailure(null, "the plan creates no mount namespace: refusing to build its root in the host's");
        }
        tape.namespaces(namespaces);

        tape.at("sandbox: umask 022").umask(UMASK);
        tape.at("sandbox: / private (pivot_root refuses a shared root)").mount(null, "/", null, MS_PRIVATE, null);
        String parent = host.mountPointOf(rootfs);
        if (!parent.equals("/")) {
            tape.at("sandbox: the mount holding the new root private").mount(null, parent, null, MS_PRIVATE, null);
        }
        // a privileged plan (the only one whose user is root) has no nosuid mount at all (§4.12)
        long rootFlags = plan.uid() == 0 ? MS_NODEV : MS_NOSUID | MS_NODEV;
        tape.at("sandbox: the new root").mount("tmpfs", rootfs, "tmpfs", rootFlags, ROOTFS_DATA);
        placed.add(new Placed("/", Kind.ROOT, null, true, rootFlags));
        made.put("/", true);

        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            if (s instanceof Mount m) {
                mount(i, m);
            } else if (s instanceof Mask m) {
                mask(i, m);
            } else if (s instanceof ReadOnly r) {
                readOnly(i, r);
            }
        }

        // The job's binds follow symlinks again, deepest first: a bind's own path is resolved
        // through its parents, which must still refuse a swapped directory meanwhile.
        for (Remount r : unfollowed.reversed()) {
            tape.at("sandbox: symlinks followed again in " + r.target()).mount(null, r.path(), null, MS_REMOUNT | MS_BIND | r.flags(), null);
        }

        // Not the pivot_root(".", ".") trick: mount(2) does not look past the new root at "." as
        // umount2(2) does, so MS_SLAVE there would hit the new root's mounts, not the old root's.
        tape.at("sandbox: pivot_root into the new root").mkdir(inRoot(OLD_ROOT), 0700).chdir(rootfs)
                .pivotRoot(".", OLD_ROOT.substring(1))
                .chdir("/")
                .mount(null, OLD_ROOT, null, MS_REC | MS_SLAVE, null)
                .umount2(OLD_ROOT, MNT_DETACH)
                .rmdir(OLD_ROOT);
        if (plan.uid() != 0) {
            tape.at("sandbox: the new root read-only").mount(null, "/", null, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, null);
        }

        rlimits();

        String join = "sandbox: join the job's cgroup";
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i) instanceof CgroupLimit c) {
                join = label(i, c) + ": join the job's cgroup";
                break;
            }
        }
        for (int fd : fds.cgroupProcs()) {
            tape.at(join).write(fd, "0");
        }

        // a session of its own, as runc gives a container: the job is not in the process group of
        // monit or of the terminal that ran bpm, so their signals reach it only through bpm
        tape.at("sandbox: a new session").syscall(Nr.SETSID);
        tape.at("sandbox: stdin from /dev/null").dup2(fds.stdin(), 0);
        tape.at(logLabel(LogStream.STDOUT)).dup2(fds.stdout(), 1);
        tape.at(logLabel(LogStream.STDERR)).dup2(fds.stderr(), 2);

        credentials();

        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i) instanceof NoNewPrivs n) {
                tape.at(label(i, n)).noNewPrivs();
            }
        }

        tape.at("sandbox: default signal dispositions, empty signal mask").resetSignals();
        tape.at("sandbox: inherited descriptors closed at exec").closeRange(3);

        int cwd = index(Cwd.class);
        tape.at(label(cwd, steps.get(cwd))).chdir(((Cwd) steps.get(cwd)).path());

        // bpm start returns 0 only if the job's executable can run: the init exec'ing is not
        // enough, since the init's own exec of the job fails later, only into the log. Checked
        // here, as the job's user in the job's view (mounts, noexec, directory permissions).
        int exec = index(Exec.class);
        List<String> argv = ((Exec) steps.get(exec)).argv();
        String executable = jobExecutable(argv);
        if (executable.indexOf('/') >= 0) {
            tape.at(label(exec, steps.get(exec)) + ": the job's executable " + executable + " must be executable by the job's user")
                    .access(executable, X_OK);
        }

        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i) instanceof Seccomp s) {
                if (seccomp == null) {
                    throw new LaunchFailure(label(i, s), label(i, s) + ": no seccomp program was given for profile "
                            + s.profile() + " " + s.version() + ": refusing to start the job unconfined");
                }
                tape.at(label(i, s)).seccomp(seccomp);
            }
        }

        List<String> env = new ArrayList<>();
        for (Step s : steps) {
            if (s instanceof Env e) {
                env.add(e.name() + "=" + e.value());
            }
        }
        tape.at(label(exec, steps.get(exec))).execve(argv.getFirst(), argv, env);
    }

    private static final int X_OK = 1;

    private void closeSources() {
        for (int fd : sources) {
            host.closeSource(fd);
        }
        sources.clear();
    }

    /**
     * The program the init runs: what follows its {@code --} (bpm's {@code tini -w -s -- EXE}),
     * or the exec line's first word when the plan has no init. A name without '/' is looked up
     * in PATH by the init and not checked ahead.
     */
    static String jobExecutable(List<String> argv) {
        int dashes = argv.indexOf("--");
        return dashes >= 0 && dashes + 1 < argv.size() ? argv.get(dashes + 1) : argv.getFirst();
    }

    // ---- mounts -----------------------------------------------------------------------------------

    private void mount(int i, Mount m) throws IOException {
        String label = label(i, m);
        String target = m.target();
        String dst = inRoot(target);
        if (m.type().equals("bind")) {
            String strictDir = strictDirOf(m.source());
            // A job owns directories below strictDir: the source is opened now without following
            // a symlink (which checks what checkSource checks), or only checked in a dry run.
            int opened = strictDir != null && placeholder == 0 ? openBelow(label, strictDir, m.source()) : -1;
            if (opened < 0) {
                checkSource(label, m.source());
            }
            HostView.Kind source = sourceKinds.get(m.source());
            if (source == null) {
                source = host.stat(m.source());
                sourceKinds.put(m.source(), source);
            }
            boolean file = source == HostView.Kind.FILE;
            requireMountPoint(label, target, file);
            boolean rec = m.options().contains("rbind");
            long flags = flags(m.options());
            if (strictDir == null) {
                tape.at(label).mount(m.source(), dst, null, MS_BIND | (rec ? MS_REC : 0), null);
            } else {
                // The child's mount(2) would resolve the path again, later, and a job that swaps a
                // directory for a symlink in between would get the host directory of its choice
                // mounted. The child attaches a bind mount made now, from what bpm opened.
                int fd;
                if (placeholder > 0) {
                    fd = placeholder++;
                } else {
                    try {
                        fd = host.cloneTree(opened, m.source(), rec);
                    } catch (SysException e) {
                        throw new LaunchFailure(label, e.syscall(), e.errno(), label + ": cannot clone the source " + m.source()
                                + ": " + e.getMessage(), null);
                    }
                    sources.add(fd);
                }
                tape.at(label).moveMount(fd, m.source(), dst);
            }
            if (!shared.contains(m.source())) {
                tape.mount(null, dst, null, MS_REC | MS_SLAVE, null);
            }
            if (strictDir != null) {
                // Mount points below this bind are made and mounted on through it, by a child that
                // is still root and still resolves paths in the host's tree: a directory on the way
                // that the job swaps for a symlink would send a mkdir(2) or a mount to the host.
                // nosymfollow refuses the symlink (ELOOP) until the job's tree is complete.
                tape.mount(null, dst, null, MS_REMOUNT | MS_BIND | flags | MS_NOSYMFOLLOW, null);
                unfollowed.add(new Remount(target, dst, flags));
            } else if (flags != 0) {
                tape.mount(null, dst, null, MS_REMOUNT | MS_BIND | flags, null);
            }
            placed.add(new Placed(target, Kind.BIND, source == HostView.Kind.DIRECTORY ? m.source() : null, !file, flags));
        } else {
            requireMountPoint(label, target, false);
            long flags = flags(m.options());
            tape.at(label).mount(m.source(), dst, m.type(), flags, data(m.options()));
            Kind kind = switch (m.type()) {
                case "proc" -> Kind.PROC;
                case "sysfs" -> Kind.SYSFS;
                case "tmpfs" -> Kind.TMPFS;
                default -> Kind.OTHER;
            };
            String hostDir = kind == Kind.PROC ? "/proc" : kind == Kind.SYSFS ? "/sys" : null;
            placed.add(new Placed(target, kind, hostDir, true, flags));
            if (kind == Kind.TMPFS && target.equals("/dev")) {
                devices(label);
            }
        }
    }

    /** The host's device nodes bound into the /dev tmpfs, and the usual symlinks, as runc makes them. */
    private void devices(String label) throws IOException {
        for (String d : DEVICES) {
            String path = "/dev/" + d;
            if (host.stat(path) == HostView.Kind.MISSING) {
                skipped.add(label + ": the host has no " + path);
                continue;
            }
            requireMountPoint(label + ": device " + path, path, true);
            tape.at(label + ": device " + path).mount(path, inRoot(path), null, MS_BIND, null);
        }
        List<String[]> links = new ArrayList<>(List.of(DEV_LINKS));
        if (host.lstat("/proc/kcore") != HostView.Kind.MISSING) {
            links.add(new String[] {"core", "/proc/kcore"});
        }
        for (String[] l : links) {
            String path = "/dev/" + l[0];
            tape.at(label + ": symlink " + path + " -> " + l[1])
                    .symlink(l[1], inRoot(path));
            made.put(path, false);
        }
    }

    private void mask(int i, Mask m) throws IOException {
        String label = label(i, m);
        Boolean dir = mountPoint(label, m.path(), false, false);
        if (dir == null) {
            skipped.add(label + ": " + m.path() + " does not exist here");
            return;
        }
        String dst = inRoot(m.path());
        if (dir) {
            tape.at(label).mount("tmpfs", dst, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, MASK_DATA);
        } else {
            tape.at(label).mount("/dev/null", dst, null, MS_BIND, null);
        }
    }

    private void readOnly(int i, ReadOnly r) throws IOException {
        String label = label(i, r);
        if (mountPoint(label, r.path(), false, false) == null) {
            skipped.add(label + ": " + r.path() + " does not exist here");
            return;
        }
        long keep = cover(r.path()).flags() & (MS_NOSUID | MS_NODEV | MS_NOEXEC);
        String dst = inRoot(r.path());
        tape.at(label).mount(dst, dst, null, MS_BIND | MS_REC, null)
                .mount(null, dst, null, MS_REMOUNT | MS_BIND | MS_RDONLY | keep, null);
    }

    private void requireMountPoint(String label, String target, boolean file) throws IOException {
        if (mountPoint(label, target, file, true) == null) {
            throw new LaunchFailure(label, label + ": the mount point " + target + " does not exist and cannot be made"
                    + " (it would be inside " + cover(target).target() + ", a kernel file system)");
        }
    }

    /**
     * Makes sure the job's path exists when the tape reaches this point, adding mkdir / create
     * entries for what is missing when {@code create}. Returns whether it is a directory, or null
     * when it is missing and not created.
     */
    private Boolean mountPoint(String label, String target, boolean file, boolean create) throws IOException {
        Boolean known = made.get(target);
        if (known != null) {
            return known;
        }
        Placed cover = cover(target);
        if (cover.target().equals(target)) {
            return cover.dir();
        }
        if (!cover.dir()) {
            throw new LaunchFailure(label, label + ": " + target + " would be inside " + cover.target() + ", which is a file");
        }
        List<String> all = HostPath.components(target);
        List<String> below = all.subList(HostPath.depth(cover.target()), all.size());
        boolean creatable = cover.kind() == Kind.ROOT || cover.kind() == Kind.TMPFS || cover.kind() == Kind.BIND;
        boolean kernel = cover.kind() == Kind.PROC || cover.kind() == Kind.SYSFS;
        String job = cover.target();
        String onHost = hostDir(cover);
        boolean missing = false;
        for (int k = 0; k < below.size(); k++) {
            boolean last = k == below.size() - 1;
            job = join(job, below.get(k));
            Boolean m = made.get(job);
            if (m != null) {
                if (!m && !last) {
                    throw new LaunchFailure(label, label + ": " + target + " would be inside the file " + job);
                }
                onHost = onHost == null ? null : join(onHost, below.get(k));
                continue;
            }
            HostView.Kind kind = HostView.Kind.MISSING;
            if (onHost != null && !missing) {
                onHost = join(onHost, below.get(k));
                // kernel file systems' own symlinks (/proc/mounts) are followed like the kernel does
                kind = kernel ? host.stat(onHost) : host.lstat(onHost);
            }
            if (kind == HostView.Kind.SYMLINK) {
                throw new LaunchFailure(label, label + ": refusing to mount on " + job + ": on the host it is the symlink "
                        + onHost + ", and mount(2) would follow it (a job could have planted it to move the mount)");
            }
            if (kind == HostView.Kind.DIRECTORY) {
                continue;
            }
            if (kind == HostView.Kind.FILE) {
                if (!last) {
                    throw new LaunchFailure(label, label + ": " + target + " would be inside " + onHost + ", which is a file");
                }
                return false;
            }
            missing = true;
            if (!create || !creatable) {
                return null;
            }
            if (last && file) {
                tape.at(label + ": create the mount point " + job).openat(inRoot(job),
                        Linux.O_RDONLY | Linux.O_CREAT | Linux.O_EXCL | Linux.O_NOFOLLOW | Linux.O_CLOEXEC, 0644);
                made.put(job, false);
                return false;
            }
            tape.at(label + ": create the mount point " + job).mkdir(inRoot(job), 0755);
            made.put(job, true);
        }
        return true;
    }

    /**
     * The host directory a placed mount shows: a bind's source with every symlink resolved, as
     * the kernel resolved it for the mount, asked once per source and only for the binds a
     * later mount point is looked up below (of a dozen binds, /etc for its masks).
     */
    private String hostDir(Placed p) throws IOException {
        if (p.kind() != Kind.BIND || p.hostDir() == null) return p.hostDir();
        String real = realPaths.get(p.hostDir());
        if (real == null) {
            real = host.realPath(p.hostDir());
            realPaths.put(p.hostDir(), real);
        }
        return real;
    }

    /** The deepest mount placed so far whose target is the path or one of its parents. */
    private Placed cover(String path) {
        Placed best = placed.getFirst();
        int depth = -1;
        for (Placed p : placed) {
            // the plan's paths are canonical (the verifier's path-canonical), so a parent is a
            // prefix: most targets are ruled out by one intrinsic before the element-wise check,
            // which a launch asks here thousands of times, interpreted
            if (path.startsWith(p.target()) && HostPath.isUnderOrEqual(path, p.target())) {
                int d = HostPath.depth(p.target());
                if (d >= depth) {
                    best = p;
                    depth = d;
                }
            }
        }
        return best;
    }

    /**
     * A bind source below $ROOT/data, $ROOT/store or $ROOT/sys (where jobs own directories) must
     * not pass through a symlink below those directories: host preparation refused them, this
     * re-checks right before the launch.
     */
    private void checkSource(String label, String source) throws IOException {
        for (String dir : strict) {
            if (HostPath.isUnderOrEqual(source, dir) && !source.equals(dir)) {
                List<String> parts = HostPath.components(source);
                String p = dir;
                for (int k = HostPath.depth(dir); k < parts.size(); k++) {
                    p = join(p, parts.get(k));
                    if (host.lstat(p) == HostView.Kind.SYMLINK) {
                        throw new LaunchFailure(label, label + ": refusing to bind " + source + ": " + p
                                + " is a symlink, which a job could have planted");
                    }
                }
            }
        }
    }

    /**
     * A job-owned bind source opened O_PATH without following a symlink below {@code dir}, once
     * per source. A symlink on the way is named as {@link #checkSource} names it.
     */
    private int openBelow(String label, String dir, String source) throws IOException {
        Integer known = below.get(source);
        if (known != null) return known;
        int fd;
        try {
            fd = host.openBelow(dir, source);
        } catch (SysException e) {
            if (e.errno() == Errno.ELOOP) {
                checkSource(label, source);   // throws, naming the symlink, unless it went meanwhile
            }
            throw new LaunchFailure(label, e.syscall(), e.errno(), label + ": cannot open the source " + source
                    + " without following a symlink: " + e.getMessage(), null);
        }
        sources.add(fd);
        below.put(source, fd);
        return fd;
    }

    /** The directory of {@link #strict} a path is strictly below, or null. */
    private String strictDirOf(String path) {
        for (String dir : strict) {
            if (HostPath.isUnderOrEqual(path, dir) && !path.equals(dir)) {
                return dir;
            }
        }
        return null;
    }

    // ---- limits and credentials ----------------------------------------------------------------------

    /**
     * A builder that only adds the plan's limit and credential entries ({@link #rlimits},
     * {@link #credentials}) to someone else's tape: {@link EnterJob} gives a process that joins a
     * running job the same limits and credentials as the job.
     */
    static TapeBuilder entriesOf(BoundPlan plan, HostView host, Tape tape) {
        return new TapeBuilder(plan, "/", new Fds(-1, -1, -1, List.of()), null, host, tape);
    }

    /** {@code setrlimit} for each rlimit step, refusing a hard limit this process cannot grant. */
    void rlimits() throws IOException {
        List<Step> steps = plan.steps();
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i) instanceof Rlimit r) {
                rlimit(i, r);
            }
        }
    }

    private void rlimit(int i, Rlimit r) throws IOException {
        String label = label(i, r);
        int resource = resource(r.resource());
        if (resource < 0) {
            throw new LaunchFailure(label, label + ": unknown rlimit " + r.resource());
        }
        long[] current = host.rlimit(resource);
        if (Long.compareUnsigned(r.hard(), current[1]) > 0) {
            // raising: needs CAP_SYS_RESOURCE, and NOFILE never goes above fs.nr_open (which the current one cannot exceed)
            if ((permitted() >>> CAP_SYS_RESOURCE & 1) == 0) {
                throw new LaunchFailure(label, label + ": the hard limit " + rlim(r.hard()) + " is above bpm's own hard limit "
                        + rlim(current[1]) + ", and raising a hard limit needs CAP_SYS_RESOURCE, which bpm does not have here"
                        + " (raise bpm's limit, e.g. ulimit -H, or lower the limit in bpm.yml)");
            }
            long nrOpen = resource == Linux.RLIMIT_NOFILE ? host.nrOpen() : -1;
            if (Long.compareUnsigned(r.hard(), nrOpen) > 0) {
                throw new LaunchFailure(label, label + ": the hard limit " + rlim(r.hard()) + " is above this kernel's fs.nr_open "
                        + nrOpen);
            }
        }
        tape.at(label).setrlimit(resource, r.soft(), r.hard());
    }

    /**
     * The bounding set, ids and capability sets of the plan's user and capabilities steps (see
     * the class comment), refusing a capability this process does not hold.
     */
    void credentials() throws IOException {
        List<Step> steps = plan.steps();
        int userAt = index(User.class);
        int capsAt = index(Capabilities.class);
        String userLabel = label(userAt, steps.get(userAt));
        String capsLabel = label(capsAt, steps.get(capsAt));
        Capabilities c = (Capabilities) steps.get(capsAt);
        long bounding = mask(capsLabel, c.bounding());
        long inheritable = mask(capsLabel, c.inheritable());
        long permitted = mask(capsLabel, c.permitted());
        long effective = mask(capsLabel, c.effective());
        long ambient = mask(capsLabel, c.ambient());
        int last = host.lastCapability();
        long known = last >= 63 ? -1L : (1L << (last + 1)) - 1;
        long granted = inheritable | permitted | effective | ambient;
        if ((granted & ~known) != 0) {
            throw new LaunchFailure(capsLabel, capsLabel + ": this kernel does not know " + names(granted & ~known));
        }
        long own = permitted();
        if ((granted & ~own) != 0 && plan.uid() == 0 && granted == privilegedMask()) {
            // unsafe.privileged asks for "everything": where bpm itself lacks some capability (a
            // container host without CAP_SYS_RESOURCE, say) the job gets all bpm has, as Docker's
            // --privileged does, and the launch says what is missing instead of failing
            long missing = granted & ~own;
            skipped.add(capsLabel + ": " + PRIVILEGED_MISSING + names(missing) + " here, so the privileged job runs without "
                    + ((missing & missing - 1) == 0 ? "it" : "them"));
            bounding &= own;
            inheritable &= own;
            permitted &= own;
            effective &= own;
            ambient &= own;
            granted &= own;
        }
        if ((granted & ~own) != 0) {
            throw new LaunchFailure(capsLabel, capsLabel + ": bpm itself does not hold " + names(granted & ~own)
                    + " (its permitted set is 0x" + Long.toHexString(own) + "), so it cannot give the job "
                    + ((granted & ~own & (granted & ~own) - 1) == 0 ? "it" : "them"));
        }
        long ownBounding = host.boundingCapabilities();
        for (int cap = 0; cap <= last; cap++) {
            if ((bounding >>> cap & 1) == 0 && (ownBounding >>> cap & 1) != 0) {
                tape.at(capsLabel + ": drop " + name(cap) + " from the bounding set")
                        .prctl(Linux.PR_CAPBSET_DROP, cap, 0, 0, 0);
            }
        }
        if (plan.uid() != 0) {
            tape.at(capsLabel + ": keep the permitted set across setresuid").prctl(Linux.PR_SET_KEEPCAPS, 1, 0, 0, 0);
        }
        tape.at(userLabel).setgroups().setresgid(plan.gid()).setresuid(plan.uid());
        tape.at(capsLabel).capset(effective, permitted, inheritable);
        for (int cap = 0; cap <= last; cap++) {
            if ((ambient >>> cap & 1) != 0) {
                tape.at(capsLabel + ": raise " + name(cap) + " in the ambient set")
                        .prctl(Linux.PR_CAP_AMBIENT, Linux.PR_CAP_AMBIENT_RAISE, cap, 0, 0);
            }
        }
    }

    /** How a capability a privileged plan asks for but bpm lacks is reported in {@link Built#skipped()}. */
    public static final String PRIVILEGED_MISSING = "bpm itself does not hold ";

    private static long privilegedMask() {
        long m = 0;
        for (Capability c : Capability.dockerPrivileged()) {
            m |= 1L << c.number();
        }
        return m;
    }

    /** This thread's permitted set, asked once per build. */
    private long permitted() throws IOException {
        if (ownPermitted == null) {
            ownPermitted = host.permittedCapabilities();
        }
        return ownPermitted;
    }

    private static long mask(String label, List<String> names) throws LaunchFailure {
        long m = 0;
        for (String n : names) {
            Capability c = Capability.byCapName(n).orElse(null);
            if (c == null) {
                throw new LaunchFailure(label, label + ": unknown capability " + n);
            }
            m |= 1L << c.number();
        }
        return m;
    }

    private static String names(long mask) {
        StringBuilder b = new StringBuilder();
        for (int cap = 0; cap < 64; cap++) {
            if ((mask >>> cap & 1) != 0) {
                b.append(b.isEmpty() ? "" : ", ").append(name(cap));
            }
        }
        return b.toString();
    }

    private static String name(int cap) {
        Capability c = Capability.byNumber(cap);
        return c == null ? "capability " + cap : c.capName();
    }

    /** RLIMIT_ number of a plan resource name; -1 if unknown. */
    static int resource(String name) {
        return switch (name) {
            case "CPU" -> Linux.RLIMIT_CPU;
            case "FSIZE" -> Linux.RLIMIT_FSIZE;
            case "DATA" -> Linux.RLIMIT_DATA;
            case "STACK" -> Linux.RLIMIT_STACK;
            case "CORE" -> Linux.RLIMIT_CORE;
            case "RSS" -> Linux.RLIMIT_RSS;
            case "NPROC" -> Linux.RLIMIT_NPROC;
            case "NOFILE" -> Linux.RLIMIT_NOFILE;
            case "MEMLOCK" -> Linux.RLIMIT_MEMLOCK;
            case "AS" -> Linux.RLIMIT_AS;
            case "LOCKS" -> Linux.RLIMIT_LOCKS;
            case "SIGPENDING" -> Linux.RLIMIT_SIGPENDING;
            case "MSGQUEUE" -> Linux.RLIMIT_MSGQUEUE;
            case "NICE" -> Linux.RLIMIT_NICE;
            case "RTPRIO" -> Linux.RLIMIT_RTPRIO;
            case "RTTIME" -> Linux.RLIMIT_RTTIME;
            default -> -1;
        };
    }

    private static String rlim(long v) {
        return v == Linux.RLIM_INFINITY ? "unlimited" : Long.toUnsignedString(v);
    }

    // ---- options, labels, paths ------------------------------------------------------------------------

    /** The MS_ flags of a mount's options (bind/rbind and the positive forms add none). */
    static long flags(List<String> options) {
        long f = 0;
        for (String o : options) {
            f |= switch (o) {
                case "ro" -> MS_RDONLY;
                case "nosuid" -> MS_NOSUID;
                case "nodev" -> MS_NODEV;
                case "noexec" -> MS_NOEXEC;
                default -> 0L;
            };
        }
        return f;
    }

    /** The file-system data of a non-bind mount: every option that is not a flag (mode=, gid=, newinstance, ...). */
    static String data(List<String> options) {
        StringBuilder b = new StringBuilder();
        for (String o : options) {
            switch (o) {
                case "ro", "rw", "nosuid", "suid", "nodev", "dev", "noexec", "exec", "bind", "rbind" -> { }
                default -> b.append(b.isEmpty() ? "" : ",").append(o);
            }
        }
        return b.isEmpty() ? null : b.toString();
    }

    /** {@code step N KEYWORD SUBJECT (PROVENANCE)}: how a tape entry names the plan step it comes from. */
    public static String label(int index, Step s) {
        // a StringBuilder, not +: every step gets a label, and each + site runs its bootstrap's
        // method handles in the interpreter (12 % of the tape's building, async-profiler)
        return new StringBuilder(96).append("step ").append(index).append(' ').append(subject(s)).append(" (")
                .append(s.from().text()).append(')').toString();
    }

    private static String subject(Step s) {
        if (s instanceof Mount m) {
            return "mount ".concat(m.target());
        } else if (s instanceof Mask m) {
            return "mask ".concat(m.path());
        } else if (s instanceof ReadOnly r) {
            return "readonly ".concat(r.path());
        } else if (s instanceof Rlimit r) {
            return "rlimit " + r.resource() + " " + rlim(r.soft()) + " " + rlim(r.hard());
        } else if (s instanceof CgroupLimit c) {
            return "cgroup " + c.limit() + " " + c.value();
        } else if (s instanceof Capabilities) {
            return "capabilities";
        } else if (s instanceof NoNewPrivs) {
            return "no-new-privs";
        } else if (s instanceof Seccomp x) {
            return "seccomp " + x.profile() + " " + x.version();
        } else if (s instanceof Cwd c) {
            return "cwd " + c.path();
        } else if (s instanceof Exec e) {
            return "exec " + e.argv().getFirst();
        } else if (s instanceof User u) {
            return "user " + u.name();
        } else if (s instanceof OpenLog o) {
            return "open-log " + o.path();
        } else if (s instanceof Log l) {
            return "log " + l.stream().name().toLowerCase(java.util.Locale.ROOT) + " " + l.path();
        }
        String n = s.getClass().getSimpleName();
        return n.substring(0, 1).toLowerCase(java.util.Locale.ROOT) + n.substring(1);
    }

    private String logLabel(LogStream stream) {
        String path = plan.log(stream);
        List<Step> steps = plan.steps();
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i) instanceof OpenLog o && o.path().equals(path)) {
                return label(i, o) + ": as " + (stream == LogStream.STDOUT ? "stdout" : "stderr");
            }
        }
        return "sandbox: " + stream.name().toLowerCase(java.util.Locale.ROOT) + " to " + path;
    }

    private int index(Class<? extends Step> kind) throws LaunchFailure {
        List<Step> steps = plan.steps();
        for (int i = 0; i < steps.size(); i++) {
            if (kind.isInstance(steps.get(i))) {
                return i;
            }
        }
        throw new LaunchFailure(null, "the plan has no " + kind.getSimpleName() + " step");
    }

    private String inRoot(String target) {
        return target.equals("/") ? rootfs : rootfs.concat(target);
    }

    /** concat, not +: asked for every path component of every mount point, interpreted (see label). */
    private static String join(String dir, String name) {
        return dir.equals("/") ? "/".concat(name) : new StringBuilder(dir.length() + 1 + name.length()).append(dir).append('/')
                .append(name).toString();
    }
}
