package io.bpm.executor.lifecycle;

import io.bpm.executor.host.JobCgroup;
import io.bpm.executor.host.ProcessIdentity;
import io.bpm.executor.sys.Errno;
import io.bpm.executor.sys.Linux;
import io.bpm.executor.sys.Nr;
import io.bpm.executor.sys.Sys;
import io.bpm.executor.sys.SysException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

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
                pfd.set(JAVA_INT, 0, pidfd);
                pfd.set(JAVA_SHORT, 4, POLLIN);
                pfd.set(JAVA_SHORT, 6, (short) 0);
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

    /** Reaps the process if it is this process's child; otherwise its parent (the host's init) does. */
    private static void reap(int pidfd) {
        try {
            Sys.waitid(Linux.P_PIDFD, pidfd, Linux.WEXITED | Linux.WNOHANG);
        } catch (SysException e) {
            // ECHILD: not our child (the usual case: the start that launched it has exited)
        }
    }
}
