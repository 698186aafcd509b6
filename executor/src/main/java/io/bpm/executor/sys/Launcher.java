package io.bpm.executor.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;


/**
 * Runs a {@link Tape}: clone3 through the stub, then waits for the child to either exec (the
 * CLOEXEC error pipe reads EOF) or fail (the pipe carries {index, errno}).
 *
 * <p>Call it from a platform thread (a virtual thread would pin its carrier for the whole tape),
 * the thread that built the tape. The calling thread alone is suspended until the child execs
 * or dies; the rest of the JVM (GC, safepoints) carries on.
 */
public final class Launcher {
    private Launcher() { }

    /** A child that has exec'd: its pid in the host pid namespace and a pidfd (O_CLOEXEC) to wait on or signal. */
    public record Launched(int pid, int pidfd) { }

    private static final long STACK_SIZE = 64 * 1024;

    /**
     * Launches the tape. Returns once the child has passed its execve. Throws
     * {@link LaunchException} (child already reaped) when an entry failed, the tape ran out
     * without an execve, or the child died before it; {@link SysException} when clone3 itself
     * failed. Either way nothing of the child remains.
     */
    public static Launched launch(Tape tape) {
        MemorySegment image = tape.seal();
        int[] pipe = Sys.pipe(Linux.O_CLOEXEC);
        try {
            long ret = run(tape, image, pipe[1]);
            if (ret < 0) {
                throw new SysException("clone3", "{flags=" + Tape.cloneFlagsText(tape.cloneFlags())
                        + "}, " + Linux.CLONE_ARGS_SIZE, (int) -ret);
            }
            int pid = (int) ret;
            int pidfd = tape.pidfd();
            try {
                return await(tape, image, pipe[0], pid, pidfd);
            } catch (LaunchException e) {
                throw e;                                                  // already reaped
            } catch (RuntimeException | Error e) {
                Sys.raw(Nr.PIDFD_SEND_SIGNAL, pidfd, Linux.SIGKILL, 0, 0);  // never leave it behind
                reap(pidfd);
                throw e;
            }
        } finally {
            Sys.close(pipe[0]);
        }
    }

    /** clone3 + tape through the stub; closes the pipe's write end, whatever happens. */
    private static long run(Tape tape, MemorySegment image, int writeFd) {
        try {
            // Its own stack per launch, so concurrent launchers never share one. The stub's
            // child path uses no stack today; this keeps it safe if that ever changes.
            long stack = Sys.mmap(STACK_SIZE, Linux.PROT_READ | Linux.PROT_WRITE,
                    Linux.MAP_PRIVATE | Linux.MAP_ANONYMOUS | Linux.MAP_STACK);
            try {
                MemorySegment args = tape.cloneArgs();
                Struct.putLong(args, 40, stack);                              // stack (lowest address)
                Struct.putLong(args, 48, STACK_SIZE);                         // stack_size
                Struct.putLong(image, Tape.H_ERROR_FD, writeFd);
                Struct.putLong(image, Tape.H_INDEX, 0);
                Struct.putLong(image, Tape.H_ERRNO, 0);
                Struct.putLong(image, Tape.H_PROGRESS, -1);
                return Stub.launch(image);
            } finally {
                Sys.munmap(stack, STACK_SIZE);       // VFORK: the child has exec'd or exited by now
            }
        } finally {
            Sys.close(writeFd);                      // from here on only the child holds it, until exec or exit
        }
    }

    private static Launched await(Tape tape, MemorySegment image, int readFd, int pid, int pidfd) {
        // Blocking read: EOF may come a few µs after clone3 returned (fds close after the
        // vfork release), and the record is written before the child's exit.
        long[] record = readRecord(readFd);
        // EOF alone also follows a child that died before execve (killed, crashed, exit_group
        // entry): only "progress reached the final execve" tells them apart.
        long progress = Struct.getLong(image, Tape.H_PROGRESS);
        int last = tape.size() - 1;
        if (record == null && progress == last && last >= 0 && tape.entry(last).nr() == Nr.EXECVE) {
            return new Launched(pid, pidfd);
        }
        ExitStatus status = reap(pidfd);
        if (record != null) {
            int index = (int) record[0];
            int errno = (int) record[1];
            if (index >= tape.size()) {
                throw new LaunchException(index, null, "(end of tape)", "", 0, pid,
                        "reached without a successful execve; child " + status);
            }
            Tape.Entry e = tape.entry(index);
            throw new LaunchException(index, e.label(), e.call(), Nr.name(e.nr()), errno, pid,
                    "failed: " + Errno.describe(errno));
        }
        int at = (int) Math.max(0, Math.min(progress, last));
        Tape.Entry e = tape.entry(at);
        throw new LaunchException(at, e.label(), e.call(), Nr.name(e.nr()), 0, pid,
                "was the last entry started; the child ended (" + status + ") before its execve");
    }

    private static long[] readRecord(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(16, 8);
            long got = 0;
            while (got < 16) {
                long n = Sys.read(fd, buf.asSlice(got));
                if (n == 0) break;
                got += n;
            }
            if (got == 0) return null;
            if (got != 16) throw new IllegalStateException("short error record from the launch child: " + got + " bytes");
            return new long[] {Struct.getLong(buf, 0), Struct.getLong(buf, 8)};
        }
    }

    private static ExitStatus reap(int pidfd) {
        try {
            return Sys.waitPidfd(pidfd);
        } finally {
            Sys.close(pidfd);
        }
    }
}
