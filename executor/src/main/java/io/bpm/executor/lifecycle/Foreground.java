package io.bpm.executor.lifecycle;

import io.bpm.executor.sys.ExitStatus;
import io.bpm.executor.sys.Linux;
import io.bpm.executor.sys.Nr;
import io.bpm.executor.sys.Struct;
import io.bpm.executor.sys.Sys;
import io.bpm.executor.sys.SysException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import sun.misc.Signal;
import sun.misc.SignalHandler;


/**
 * {@code bpm run}'s side of a foreground process (bpm-behaviour.md §6.5, with its bugs fixed):
 * the process writes into two pipes; each is copied, as it arrives, to the process's log file
 * and to bpm's own stdout or stderr. SIGTERM, SIGINT and SIGHUP that reach bpm are forwarded to
 * the init (tini passes them on to the job), so an errand interrupted by the BOSH agent or a
 * terminal stops like the job would under bpm start. The exit status is the init's: tini exits
 * with the job's code, or 128+N when a signal killed the job.
 *
 * <p>A copy that cannot write the terminal (closed, broken pipe) keeps writing the log, and a
 * log that cannot be written (disk full) still reaches the terminal: nothing the job wrote is
 * lost on both sides at once because of one of them.
 */
public final class Foreground {

    /** The signals forwarded to the job. */
    static final List<String> FORWARDED = List.of("TERM", "INT", "HUP");

    private static final int BUFFER = 64 * 1024;

    private Foreground() {
    }

    /** A pipe's two ends (both O_CLOEXEC): the child gets {@code write} as its stdout or stderr. */
    public record Pipe(int read, int write) {
        public static Pipe open() {
            int[] fds = Sys.pipe(Linux.O_CLOEXEC);
            return new Pipe(fds[0], fds[1]);
        }

        public void closeWriteEnd() {
            Sys.raw(Nr.CLOSE, write);
        }
    }

    /**
     * Copies the two pipes until they end, forwarding signals to the init behind {@code pidfd}
     * meanwhile, and returns how the init ended (it is reaped here). The write ends must already
     * be closed in this process (else the copies never see the end). Both pipes' read ends and
     * both log descriptors are closed on return.
     *
     * @param stdoutLog an fd of the stdout log, open for appending (closed here)
     * @param stderrLog an fd of the stderr log (closed here)
     * @param warnings  where a failing log or terminal write is reported, once per stream
     */
    public static ExitStatus run(int pidfd, Pipe stdout, Pipe stderr, int stdoutLog, int stderrLog,
                                 OutputStream terminalOut, OutputStream terminalErr, PrintStream warnings)
            throws IOException {
        List<Signal> signals = new ArrayList<>();
        List<SignalHandler> previous = new ArrayList<>();
        Thread out = copier("stdout", stdout.read(), stdoutLog, terminalOut, warnings);
        Thread err = copier("stderr", stderr.read(), stderrLog, terminalErr, warnings);
        try {
            for (String name : FORWARDED) {
                Signal s = new Signal(name);
                signals.add(s);
                previous.add(Signal.handle(s, sig -> forward(pidfd, sig.getNumber())));
            }
            out.start();
            err.start();
            ExitStatus status = Sys.waitPidfd(pidfd);
            // The init's death killed every process of its PID namespace, so the pipes end now
            // (with the host's PID namespace, a left-over child could hold them: the caller kills
            // the cgroup, which ends them too).
            join(out);
            join(err);
            return status;
        } finally {
            for (int i = 0; i < previous.size(); i++) {
                Signal.handle(signals.get(i), previous.get(i));
            }
        }
    }

    private static void forward(int pidfd, int signal) {
        // ESRCH: it has just exited; the wait sees that
        Sys.raw(Nr.PIDFD_SEND_SIGNAL, pidfd, signal, 0, 0);
    }

    private static void join(Thread t) throws IOException {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while copying the job's output", e);
        }
    }

    private static Thread copier(String name, int from, int log, OutputStream terminal, PrintStream warnings) {
        Thread t = new Thread(() -> copy(name, from, log, terminal, warnings), "bpm-run-" + name);
        t.setDaemon(true);
        return t;
    }

    /** Copies until end of file; closes {@code from} and {@code log}. */
    private static void copy(String name, int from, int log, OutputStream terminal, PrintStream warnings) {
        boolean logOk = true;
        boolean terminalOk = true;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(BUFFER);
            byte[] bytes = new byte[BUFFER];
            while (true) {
                long n = Sys.read(from, buf);
                if (n == 0) {
                    break;
                }
                if (logOk) {
                    try {
                        Sys.writeFully(log, buf, n);
                    } catch (SysException e) {
                        logOk = false;
                        warnings.println("bpm run: cannot write the " + name + " log any more (output continues on the terminal only): "
                                + e.getMessage());
                    }
                }
                if (terminalOk) {
                    Struct.getBytes(buf, 0, bytes, 0, (int) n);
                    try {
                        terminal.write(bytes, 0, (int) n);
                        terminal.flush();
                    } catch (IOException e) {
                        terminalOk = false; // the terminal went away; the log still gets everything
                    }
                }
            }
        } catch (SysException e) {
            warnings.println("bpm run: cannot read the job's " + name + ": " + e.getMessage());
        } finally {
            Sys.raw(Nr.CLOSE, from);
            Sys.raw(Nr.CLOSE, log);
        }
    }
}
