package io.bpm.executor.launch;

import io.bpm.executor.host.BoundPlan;
import io.bpm.executor.host.JobCgroup;
import io.bpm.executor.host.ProcessIdentity;
import io.bpm.executor.plan.Step;
import io.bpm.executor.plan.Step.Cwd;
import io.bpm.executor.plan.Step.Env;
import io.bpm.executor.plan.Step.Namespace;
import io.bpm.executor.plan.Step.NamespaceKind;
import io.bpm.executor.plan.Step.NoNewPrivs;
import io.bpm.executor.plan.Step.Seccomp;
import io.bpm.executor.sys.Errno;
import io.bpm.executor.sys.LaunchException;
import io.bpm.executor.sys.Launcher;
import io.bpm.executor.sys.Linux;
import io.bpm.executor.sys.Nr;
import io.bpm.executor.sys.Sys;
import io.bpm.executor.sys.SysException;
import io.bpm.executor.sys.Tape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts a program inside a running job, as {@code runc exec} does for bpm's {@code shell}: in
 * the job's namespaces and cgroup, with the job's limits, user, capabilities, no_new_privs,
 * seccomp filter, working directory and environment, all taken from the plan the job was started
 * with. Standard input, output and error are this process's (the caller's terminal).
 *
 * <p>The namespaces are joined through {@code /proc/PID/ns/*} of the job's init, opened here
 * (O_CLOEXEC) between two checks that the pid still is that init (a pidfd taken first, the
 * recorded start time, then a signal 0 through the pidfd after the opens), so a pid reused in
 * between can never hand over someone else's namespaces.
 *
 * <p>The PID namespace needs care, because {@code setns(CLONE_NEWPID)} never moves the caller,
 * only its future children ({@code pid_for_children}), and the launch child cannot fork again
 * (the tape has no fork, and forking a CLONE_VM child of the JVM would share its memory). So the
 * parent joins it for its children instead: on a platform thread of its own, this saves
 * {@code /proc/thread-self/ns/pid}, calls {@code setns(job's pid ns, CLONE_NEWPID)}, launches
 * the tape (clone3 puts the child straight into the job's PID namespace, where it gets a pid of
 * its own and sees only the job's processes), and calls {@code setns} back. The thread is a
 * fresh one and ends afterwards: a thread whose pid_for_children differs from its own PID
 * namespace cannot create threads (the kernel refuses CLONE_THREAD, ffm-facts §1), and nothing
 * on it does between the two setns calls; if the way back failed, the thread just ends.
 *
 * <p>The mount, UTS and IPC namespaces are joined by the child itself, first thing on its tape
 * ({@code setns} with the fds above): a JVM thread cannot join a mount namespace (it shares its
 * fs_struct with every other thread, EINVAL), a clone3 child without CLONE_FS can.
 *
 * <h2>The tape</h2>
 * <ol>
 *   <li>{@code setns} of the job's mount, UTS and IPC namespaces (those the plan has);</li>
 *   <li>{@code setrlimit} for each rlimit step ({@link TapeBuilder#rlimits});</li>
 *   <li>{@code write(fd, "0")} to each of the job's {@code cgroup.procs} ({@code tasks} in a v1
 *       hierarchy: {@link JobCgroup#joinFile}): the program counts
 *       against the job's memory and pids limits and is killed with the job at stop;</li>
 *   <li>{@code umask(022)}, the job's;</li>
 *   <li>the job's credentials ({@link TapeBuilder#credentials}) and no_new_privs;</li>
 *   <li>default signal dispositions, an empty mask, descriptors from 3 up closed at exec;</li>
 *   <li>{@code chdir} to the job's working directory, as the job's user;</li>
 *   <li>the job's seccomp filter, then {@code execve} with the job's environment plus the
 *       caller's extra variables (bpm passes {@code TERM}).</li>
 * </ol>
 * No new session: the program stays in the caller's session and process group, so it keeps the
 * caller's controlling terminal (an interactive bash makes itself the terminal's foreground
 * group, as under nsenter). The terminal is the host's: {@code tty} inside prints "not a tty",
 * because the job's {@code /dev/pts} is a devpts instance of its own where the host's pty has no
 * name (runc exec --tty allocates a pty there instead).
 */
public final class EnterJob {

    private EnterJob() {
    }

    /** The started program: its pid in the host's PID namespace and a pidfd (O_CLOEXEC) the caller owns. */
    public record Entered(int pid, int pidfd) {
    }

    /**
     * The descriptors the tape uses, opened by the parent (O_CLOEXEC).
     *
     * @param namespaces the namespace fds the child joins itself (not PID: the parent joins that one)
     * @param cgroupProcs the job's {@code cgroup.procs} files, open for writing
     */
    record Fds(Map<NamespaceKind, Integer> namespaces, List<Integer> cgroupProcs) {
        Fds {
            namespaces = new LinkedHashMap<>(namespaces);
            cgroupProcs = List.copyOf(cgroupProcs);
        }
    }

    /** The init is not (any more) the process the state recorded. */
    public static final class NotRunning extends IOException {
        private static final long serialVersionUID = 1L;

        NotRunning(String message) {
            super(message);
        }
    }

    /**
     * Starts {@code argv} in the running job whose init is {@code init}.
     *
     * @param plan     the job's plan (the one it was started with), bound to this host
     * @param init     the job's init as its start recorded it
     * @param cgroups  the job's cgroup directories, as its start recorded them
     * @param argv     the program and its arguments, in the job's view
     * @param extraEnv variables added to (or replacing) the job's, {@code NAME=VALUE}
     * @param seccomp  the seccomp compiler for the plan's seccomp step
     * @param host     the host's view (limits and capabilities this process can grant)
     * @throws NotRunning    when the init is gone or its pid belongs to another process now
     * @throws LaunchFailure naming the tape entry, the syscall and errno; nothing is left behind
     */
    public static Entered start(BoundPlan plan, ProcessIdentity init, List<Path> cgroups, List<String> argv, List<String> extraEnv,
                                SeccompFilter seccomp, HostView host) throws LaunchFailure, NotRunning {
        Object[] outcome = new Object[1];
        // A thread of its own: its pid_for_children is changed for the launch (see the class comment).
        Thread t = Thread.ofPlatform().name("bpm-enter-job").unstarted(() -> {
            try {
                outcome[0] = startHere(plan, init, cgroups, argv, extraEnv, seccomp, host);
            } catch (LaunchFailure | NotRunning | RuntimeException | Error e) {
                outcome[0] = e;
            }
        });
        t.start();
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the launch cannot be abandoned half-way: wait for it
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        return switch (outcome[0]) {
            case Entered e -> e;
            case LaunchFailure f -> throw f;
            case NotRunning n -> throw n;
            case RuntimeException r -> throw r;
            case Error e -> throw e;
            default -> throw new IllegalStateException("the launch thread ended without a result");
        };
    }

    private static Entered startHere(BoundPlan plan, ProcessIdentity init, List<Path> cgroups, List<String> argv,
                                     List<String> extraEnv, SeccompFilter seccomp, HostView host) throws LaunchFailure, NotRunning {
        String who = plan.plan().header().job() + "/" + plan.plan().header().process();
        String notRunning = who + " is not running (its init, pid " + init.pid() + ", has exited)";
        List<Integer> fds = new ArrayList<>();
        try {
            long pidfd = Sys.raw(Nr.PIDFD_OPEN, init.pid(), 0);
            if (pidfd == -Errno.ESRCH) throw new NotRunning(notRunning);
            if (pidfd < 0) throw new SysException(Nr.PIDFD_OPEN, new long[] {init.pid(), 0}, (int) -pidfd);
            fds.add((int) pidfd);
            if (!init.isAlive()) throw new NotRunning(notRunning);

            Map<NamespaceKind, Integer> namespaces = new EnumMap<>(NamespaceKind.class);
            for (Step s : plan.steps()) {
                if (s instanceof Namespace n && !namespaces.containsKey(n.kind())) {
                    int fd = Sys.open("/proc/" + init.pid() + "/ns/" + n.kind().name().toLowerCase(java.util.Locale.ROOT),
                            Linux.O_RDONLY | Linux.O_CLOEXEC, 0);
                    fds.add(fd);
                    namespaces.put(n.kind(), fd);
                }
            }
            // Still the same process after the opens: the namespaces are the job's.
            if (Sys.raw(Nr.PIDFD_SEND_SIGNAL, pidfd, 0, 0, 0) < 0) throw new NotRunning(notRunning);

            List<Integer> procs = new ArrayList<>();
            for (Path d : cgroups) {
                int fd = Sys.open(JobCgroup.joinFile(d).toString(), Linux.O_WRONLY | Linux.O_CLOEXEC, 0);
                fds.add(fd);
                procs.add(fd);
            }
            long[] program = null;
            for (Step s : plan.steps()) {
                if (s instanceof Seccomp sc) {
                    if (seccomp == null) {
                        throw new LaunchFailure(TapeBuilder.label(plan.steps().indexOf(s), s),
                                "cannot enter " + who + ": no seccomp program was given for its profile: refusing to enter unconfined");
                    }
                    try {
                        program = seccomp.program(sc);
                    } catch (IllegalArgumentException e) {
                        throw new LaunchFailure(null, "cannot enter " + who + ": " + e.getMessage());
                    }
                }
            }
            Integer pidNs = namespaces.remove(NamespaceKind.PID);
            try (Tape tape = tape(plan, new Fds(namespaces, procs), program, host, argv, extraEnv)) {
                Launcher.Launched l;
                if (pidNs == null) {
                    l = Launcher.launch(tape);   // a job in the host's PID namespace (unsafe.host_pid_namespace)
                } else {
                    int own = Sys.open("/proc/thread-self/ns/pid", Linux.O_RDONLY | Linux.O_CLOEXEC, 0);
                    fds.add(own);
                    Sys.syscall(Nr.SETNS, pidNs, Linux.CLONE_NEWPID);
                    try {
                        l = Launcher.launch(tape);
                    } finally {
                        Sys.raw(Nr.SETNS, own, Linux.CLONE_NEWPID);   // this thread ends next anyway
                    }
                }
                return new Entered(l.pid(), l.pidfd());
            }
        } catch (LaunchFailure | NotRunning e) {
            throw e;
        } catch (LaunchException e) {
            throw new LaunchFailure(e.label(), e.syscall(), e.errno(), "cannot enter " + who + ": " + e.getMessage(), e);
        } catch (SysException e) {
            throw new LaunchFailure(null, e.syscall(), e.errno(), "cannot enter " + who + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new LaunchFailure(null, null, 0, "cannot enter " + who + ": " + e.getMessage(), e);
        } finally {
            for (int fd : fds) Sys.raw(Nr.CLOSE, fd);
        }
    }

    /** The tape (see the class comment); the caller closes it. */
    static Tape tape(BoundPlan plan, Fds fds, long[] seccomp, HostView host, List<String> argv, List<String> extraEnv)
            throws IOException {
        Tape tape = new Tape();
        boolean ok = false;
        try {
            tape.namespaces(0);
            for (Map.Entry<NamespaceKind, Integer> ns : fds.namespaces().entrySet()) {
                tape.at("enter: the job's " + ns.getKey().name().toLowerCase(java.util.Locale.ROOT) + " namespace")
                        .setns(ns.getValue(), cloneFlag(ns.getKey()));
            }
            TapeBuilder job = TapeBuilder.entriesOf(plan, host, tape);
            job.rlimits();
            for (int fd : fds.cgroupProcs()) {
                tape.at("enter: the job's cgroup").write(fd, "0");
            }
            tape.at("enter: umask 022, the job's").umask(022);
            job.credentials();
            List<Step> steps = plan.steps();
            Cwd cwd = null;
            int cwdAt = -1;
            Seccomp filter = null;
            int filterAt = -1;
            List<String> env = new ArrayList<>();
            for (int i = 0; i < steps.size(); i++) {
                Step s = steps.get(i);
                if (s instanceof NoNewPrivs n) {
                    tape.at(TapeBuilder.label(i, n)).noNewPrivs();
                } else if (s instanceof Cwd c) {
                    cwd = c;
                    cwdAt = i;
                } else if (s instanceof Seccomp x) {
                    filter = x;
                    filterAt = i;
                } else if (s instanceof Env e) {
                    env.add(e.name() + "=" + e.value());
                }
            }
            tape.at("enter: default signal dispositions, empty signal mask").resetSignals();
            tape.at("enter: inherited descriptors closed at exec").closeRange(3);
            if (cwd != null) tape.at(TapeBuilder.label(cwdAt, cwd)).chdir(cwd.path());
            if (filter != null) {
                if (seccomp == null) {
                    throw new LaunchFailure(TapeBuilder.label(filterAt, filter), "no seccomp program was given for profile "
                            + filter.profile() + " " + filter.version() + ": refusing to enter the job unconfined");
                }
                tape.at(TapeBuilder.label(filterAt, filter)).seccomp(seccomp);
            }
            tape.at("enter: " + String.join(" ", argv)).execve(argv.getFirst(), argv, withExtra(env, extraEnv));
            ok = true;
            return tape;
        } finally {
            if (!ok) tape.close();
        }
    }

    /** The job's environment with each extra {@code NAME=VALUE} replacing a variable of that name, or added at the end. */
    static List<String> withExtra(List<String> env, List<String> extra) {
        List<String> out = new ArrayList<>(env);
        for (String x : extra) {
            String name = x.substring(0, Math.max(0, x.indexOf('=')));
            out.removeIf(v -> v.startsWith(name + "="));
            out.add(x);
        }
        return out;
    }

    private static long cloneFlag(NamespaceKind kind) {
        return switch (kind) {
            case MNT -> Linux.CLONE_NEWNS;
            case PID -> Linux.CLONE_NEWPID;
            case UTS -> Linux.CLONE_NEWUTS;
            case IPC -> Linux.CLONE_NEWIPC;
        };
    }
}
