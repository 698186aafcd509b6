package io.bpm.executor.lifecycle;

import io.bpm.executor.host.EventLog;
import io.bpm.executor.host.JobCgroup;
import io.bpm.executor.host.LifecycleLock;
import io.bpm.executor.host.StateStore;
import io.bpm.executor.plan.Plan;
import io.bpm.executor.plan.PlanFormatException;
import io.bpm.executor.plan.PlanText;
import io.bpm.executor.plan.Step;
import io.bpm.executor.host.ProcessIdentity;
import io.bpm.executor.sys.Errno;
import io.bpm.executor.sys.Linux;
import io.bpm.executor.sys.Nr;
import io.bpm.executor.sys.Struct;
import io.bpm.executor.sys.Sys;
import io.bpm.executor.sys.SysException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;


/**
 * The stop sequence of bpm-behaviour.md §6.4: the stop signal to the init (tini forwards it to
 * the job), a wait of {@code quitAfter} on a pidfd, SIGQUIT, a wait of {@code killAfter}, then
 * SIGKILL: to everything in the job's cgroup when there is one (orphans included), else to the
 * init. The init is watched through a pidfd opened after its identity (pid, start time, boot)
 * was checked, so the signals can only reach the process start recorded.
 */
public final class Stopper {

    private Stopper() {
    }

    /**
     * {@code bpm stop JOB [-p PROC]}: the lifecycle beside {@link Starter}'s. The plan and state
     * the start saved say what to stop and how (bpm.yml is not read, so a broken config cannot
     * keep a job running, bpm's §6.4 bug): {@link #stop} with the plan's signal and timeouts, then
     * the cgroup, the pid file and the state are removed. Nothing recorded: a job of bpm 1.x is
     * stopped ({@code compiler} reads its stop signal from bpm.yml, as bpm 1.x did), else what a
     * killed start left in the cgroup. A job this host knows nothing of makes nothing (no lock,
     * log or directory).
     *
     * @throws JobProcess.Failed with the message the command ends with; it is in bpm.log too
     */
    public static void stopJob(JobProcess jp, PlanSupplier compiler, String init, PrintStream err, Fault fault)
            throws IOException, JobProcess.Failed {
        if (jp.unknown()) {   // nothing to stop, and nothing is made
            if (!Files.isDirectory(Path.of(jp.facts.root()))) {
                err.println("bpm stop: warning: the BOSH root " + jp.facts.root() + " does not exist (is BPM_BOSH_ROOT right?): "
                        + "nothing to stop");
            }
            return;
        }
        Parsed early = Parsed.early(jp);   // while the FFM handle is made: see Parsed
        try (EventLog log = jp.events("stop", false, err)) {
            try (LifecycleLock lock = jp.lock(log)) {
                stopLocked(jp, compiler, init, early, log, err, fault);
            } catch (IOException | RuntimeException e) {
                // the lock's, the sweep's (stop's own steps log theirs and fail with JobProcess.Failed)
                log.error("failed-to-stop", JobProcess.rootCause(e));
                throw e;
            }
        }
    }

    /**
     * The plan start saved, read and parsed before bpm.log and the lock: a stop can open those only
     * once the FFM handle is made (Sys.prepareInBackground, tens of ms in a fresh JVM), and the
     * parse takes that long meanwhile. Used only when the text read again under the lock is the
     * same; null when there is none or it does not parse (the stop then meets that under the lock).
     */
    private record Parsed(String text, Plan plan) {
        static Parsed early(JobProcess jp) {
            try {
                Optional<String> text = jp.store().readPlan();
                return text.isPresent() ? new Parsed(text.get(), PlanText.read(text.get())) : null;
            } catch (IOException | PlanFormatException | RuntimeException e) {
                return null;
            }
        }

        /** The parsed plan of {@code text}: this one's if it is the same text, else parsed now. */
        static Plan of(Parsed early, String text) throws PlanFormatException {
            return early != null && early.text.equals(text) ? early.plan : PlanText.read(text);
        }
    }

    private static void stopLocked(JobProcess jp, PlanSupplier compiler, String init, Parsed early, EventLog log,
                                   PrintStream err, Fault fault) throws JobProcess.Failed, IOException {
        fault.at(Phase.LOCKED);
        StateStore store = jp.store();
        Optional<StateStore.State> state;
        Optional<String> text;
        try {
            state = store.readState();
            text = store.readPlan();
        } catch (IOException e) {
            log.error("failed-to-fetch-state", JobProcess.rootCause(e));
            throw new JobProcess.Failed("failed to get job-process status: " + jp.who() + ": " + JobProcess.rootCause(e));
        }
        if (state.isEmpty()) {
            if (UpgradeInPlace.stop(jp, compiler, init, log, err)) {
                log.info("complete");
                return;
            }
            // nothing recorded, but a start killed midway (or lost state) may have left the job
            // running in its cgroup: stopping means nothing of it runs afterwards
            jp.sweepUnrecorded(log, "stop", err);
            log.info("job-already-stopped");
            store.remove(); // a plan without state means nothing
            return;
        }
        Plan plan = null;
        if (text.isPresent()) {
            try {
                plan = Parsed.of(early, text.get());
            } catch (PlanFormatException e) {
                // stop anyway, with bpm's defaults: a damaged plan must not keep a job running
                err.println("bpm stop: warning: the plan saved at start is damaged (" + e.getMessage()
                        + "); stopping with SIGTERM, 15 s, 2 s");
            }
        }
        Step.Stop how = null;
        if (plan != null) {
            for (Step s : plan.steps()) {
                if (s instanceof Step.Stop stop) {
                    how = stop;
                    break;
                }
            }
        }
        int signal = how == null ? Linux.SIGTERM : Linux.signal(how.signal());
        Duration quitAfter = Duration.ofMillis(how == null ? 15_000 : how.quitAfterMillis());
        Duration killAfter = Duration.ofMillis(how == null ? 2_000 : how.killAfterMillis());
        JobCgroup cgroup = state.get().cgroup();
        // Not ours any more (exited, pid reused, rebooted): nothing is signalled but what is left in the cgroup.
        long oomBefore = cgroup.oomKills(); // while the job runs: systemd removes a scope's cgroup with its last process
        try {
            Outcome outcome = stop(state.get().process(), signal, quitAfter, killAfter, cgroup, JobProcess.CGROUP_TIMEOUT, fault);
            switch (outcome) {
                case NOT_RUNNING -> log.info("process-not-running");
                case STOPPED -> log.info("stopped");
                case QUIT -> log.error("failed-to-stop", "exited only after SIGQUIT");
                case KILLED -> {
                    log.error("failed-to-stop", "failed to stop job within timeout");
                    log.info("forcefully-deleting-container");
                    err.println("bpm stop: warning: " + jp.who() + " did not stop within " + (quitAfter.plus(killAfter).toMillis())
                            + " ms of the stop signal and SIGQUIT; it was killed (SIGKILL)");
                }
            }
            JobProcess.reportOom(cgroup, log, oomBefore);
            cgroup.remove(JobProcess.CGROUP_TIMEOUT);
            fault.at(Phase.CGROUP_REMOVED);
            log.info("deleting-pidfile");
            StateStore.removePidFile(jp.pidFile(plan));
            fault.at(Phase.PIDFILE_REMOVED);
            store.remove();
        } catch (IOException | RuntimeException e) {
            log.error("failed-to-cleanup", JobProcess.rootCause(e));
            throw new JobProcess.Failed("failed to cleanup job-process " + jp.who() + ": " + JobProcess.rootCause(e));
        }
        log.info("complete");
    }

    /** The steps of a stop, in order, for fault injection: bpm stop killed at each must leave a job the next stop finishes. */
    public enum Phase {
        /** The lifecycle lock is held; nothing is read yet. */
        LOCKED,
        /** The stop signal was sent; its exit is not awaited yet. */
        SIGNALLED,
        /** The init has exited (or was killed) and the cgroup is empty; nothing is removed yet. */
        EXITED,
        /** The cgroup is removed; the pid file and state are not. */
        CGROUP_REMOVED,
        /** The pid file is removed; the state is not. */
        PIDFILE_REMOVED
    }

    /** Where a test's fault kills the stopping process (SIGKILL to itself), or {@link #NONE}. */
    public record Fault(Phase phase) {
        public static final Fault NONE = new Fault(null);

        public void at(Phase reached) {
            if (reached == phase) {
                Sys.raw(Nr.KILL, Sys.raw(Nr.GETPID), Linux.SIGKILL);
            }
        }
    }

    /** How the process ended. */
    public enum Outcome {
        /** It was not running (any more) when stop began. */
        NOT_RUNNING,
        /** It exited after the stop signal. */
        STOPPED,
        /** It exited after SIGQUIT. */
        QUIT,
        /** It was killed. */
        KILLED
    }

    /**
     * Stops the process {@code init} and, if {@code cgroup} is not null, kills whatever is left in
     * it (the cgroup is not removed here).
     *
     * @param signal    the stop signal number (SIGTERM or SIGINT)
     * @param quitAfter how long to wait after the stop signal before SIGQUIT
     * @param killAfter how long to wait after SIGQUIT before SIGKILL
     */
    public static Outcome stop(ProcessIdentity init, int signal, Duration quitAfter, Duration killAfter,
                               JobCgroup cgroup, Duration cgroupTimeout, Fault fault) throws IOException {
        Outcome outcome;
        int pidfd = open(init);
        try {
            boolean signalled = pidfd >= 0 && send(pidfd, signal);
            fault.at(Phase.SIGNALLED);
            if (pidfd < 0) {
                outcome = Outcome.NOT_RUNNING;
            } else if (!signalled || waitExit(pidfd, quitAfter)) {
                outcome = Outcome.STOPPED;
            } else if (!send(pidfd, Linux.SIGQUIT) || waitExit(pidfd, killAfter)) {
                outcome = Outcome.QUIT;
            } else {
                outcome = Outcome.KILLED;
                send(pidfd, Linux.SIGKILL);
                if (cgroup == null && !waitExit(pidfd, cgroupTimeout)) {
                    throw new IOException("process " + init.pid() + " did not die after SIGKILL within " + cgroupTimeout.toMillis() + " ms");
                }
            }
            if (cgroup != null && !cgroup.kill(cgroupTimeout, JobCgroup.Killer.SIGKILL)) {
                throw new IOException("processes still in the job's cgroup after " + cgroupTimeout.toMillis() + " ms: " + cgroup.pids());
            }
            if (pidfd >= 0) {
                reap(pidfd);
            }
            fault.at(Phase.EXITED);
            return outcome;
        } finally {
            if (pidfd >= 0) {
                Sys.raw(Nr.CLOSE, pidfd);
            }
        }
    }

    /** A pidfd for the recorded process, or -1 if it is gone (or its pid is someone else's now). */
    static int open(ProcessIdentity init) throws IOException {
        if (!init.isAlive()) {
            return -1;
        }
        long fd = Sys.raw(Nr.PIDFD_OPEN, init.pid(), 0);
        if (fd == -Errno.ESRCH) {
            return -1;
        }
        if (fd < 0) {
            throw new SysException(Nr.PIDFD_OPEN, new long[] {init.pid(), 0}, (int) -fd);
        }
        // the pid could have been reused between the check and the open: check again, now pinned
        if (!init.isAlive()) {
            Sys.raw(Nr.CLOSE, fd);
            return -1;
        }
        return (int) fd;
    }

    /** pidfd_send_signal; false if the process has already exited. */
    private static boolean send(int pidfd, int sig) {
        long r = Sys.raw(Nr.PIDFD_SEND_SIGNAL, pidfd, sig, 0, 0);
        if (r == -Errno.ESRCH) {
            return false;
        }
        if (r < 0) {
            throw new SysException(Nr.PIDFD_SEND_SIGNAL, new long[] {pidfd, sig, 0, 0}, (int) -r);
        }
        return true;
    }

    private static final int NR_POLL = 7;
    private static final short POLLIN = 1;

    /** Waits until the process behind pidfd has exited (zombie or reaped); false on timeout. */
    static boolean waitExit(int pidfd, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment pfd = a.allocate(8, 4);                 // struct pollfd
            while (true) {
                Struct.putInt(pfd, 0, pidfd);
                Struct.putShort(pfd, 4, POLLIN);
                Struct.putShort(pfd, 6, (short) 0);
                long left = Math.max(0, (deadline - System.nanoTime() + 999_999) / 1_000_000);
                long r = Sys.raw(NR_POLL, pfd.address(), 1, Math.min(left, Integer.MAX_VALUE));
                if (r > 0) {
                    return true;
                }
                if (r == 0) {
                    if (System.nanoTime() - deadline >= 0) {
                        return false;
                    }
                    continue;
                }
                if (r != -Errno.EINTR) {
                    throw new SysException(NR_POLL, new long[] {pfd.address(), 1, left}, (int) -r);
                }
            }
        }
    }

    /**
     * Reaps the process if it is this process's child; otherwise its parent (the host's init)
     * does. The usual answer is ECHILD (not our child: the start that launched it has exited), so
     * the call is raw and its result ignored: a SysException for it cost every stop 19 ms of CPU
     * (async-profiler), for the exception's classes (loaded from the jar, not the AOT cache) and
     * its message's string-concatenation bootstraps.
     */
    private static void reap(int pidfd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = a.allocate(128, 8);   // siginfo_t
            Sys.raw(Nr.WAITID, Linux.P_PIDFD, pidfd, info.address(), Linux.WEXITED | Linux.WNOHANG, 0);
        }
    }
}
