package io.bpm.executor.lifecycle;

import io.bpm.executor.sys.Nr;
import io.bpm.executor.sys.Sys;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * {@code bpm trace}: the host's {@code strace} attached to a job's init and everything it forks
 * from then on, as bpm 1.4 runs it ({@code strace -s 100 -f -y -yy -p PID}, bpm-behaviour.md
 * §7.2), its output on this process's standard error, until it is interrupted. strace is the
 * one external program bpm runs: a ptrace tracer is a program of its own, not a syscall bpm
 * could make for it.
 *
 * <p>SIGINT, SIGTERM and SIGHUP that reach bpm are forwarded to strace through a pidfd (so a pid
 * reused after strace ended is never hit); strace then detaches, leaving the job running
 * untouched. An interrupted trace is a successful one, as with bpm 1.4.
 */
public final class Tracer {

    /** The signals forwarded to strace. SIGQUIT is the JVM's own (thread dumps) and cannot be handled. */
    static final List<String> FORWARDED = List.of("INT", "TERM", "HUP");

    /** The program, looked up in PATH as bpm 1.4 does. */
    public static final String STRACE = "strace";

    private Tracer() {
    }

    /**
     * How the trace ended.
     *
     * @param status      strace's exit status (128+N when signal N killed it)
     * @param interrupted whether a forwarded signal ended it
     */
    public record Outcome(int status, boolean interrupted) {
    }

    /** bpm 1.4's command line for a pid. */
    public static List<String> command(long pid) {
        return List.of(STRACE, "-s", "100", "-f", "-y", "-yy", "-p", Long.toString(pid));
    }

    /**
     * Runs strace on {@code pid} with this process's standard streams and waits for it.
     *
     * @throws IOException when strace cannot be run at all (not installed: the message says so)
     */
    public static Outcome trace(long pid) throws IOException {
        // The handlers come first: a signal that arrives while strace starts must not kill bpm
        // and leave strace attached; it is forwarded as soon as there is a pidfd.
        AtomicLong pidfd = new AtomicLong(-1);
        AtomicInteger received = new AtomicInteger();   // the last signal received, 0: none
        List<Signal> signals = new ArrayList<>();
        List<SignalHandler> previous = new ArrayList<>();
        try {
            for (String name : FORWARDED) {
                Signal s = new Signal(name);
                signals.add(s);
                previous.add(Signal.handle(s, sig -> {
                    // recorded first, the pidfd read second: either this or the code after
                    // pidfd_open below sends it (at worst both, which strace does not mind)
                    received.set(sig.getNumber());
                    long fd = pidfd.get();
                    if (fd >= 0) Sys.raw(Nr.PIDFD_SEND_SIGNAL, fd, sig.getNumber(), 0, 0);
                }));
            }
            Process strace;
            try {
                strace = new ProcessBuilder(command(pid)).inheritIO().start();
            } catch (IOException e) {
                throw new IOException("cannot run " + STRACE + " (is it installed? Debian package strace): " + e.getMessage(), e);
            }
            pidfd.set(Sys.raw(Nr.PIDFD_OPEN, strace.pid(), 0));   // fails only if strace is gone already
            int early = received.get();
            if (early != 0 && pidfd.get() >= 0) Sys.raw(Nr.PIDFD_SEND_SIGNAL, pidfd.get(), early, 0, 0);
            int status;
            boolean threadInterrupted = false;
            while (true) {
                try {
                    status = strace.waitFor();
                    break;
                } catch (InterruptedException e) {
                    threadInterrupted = true;   // never leave strace attached: end it, then wait for it
                    strace.destroy();
                }
            }
            if (threadInterrupted) Thread.currentThread().interrupt();
            return new Outcome(status, received.get() != 0);
        } finally {
            for (int i = 0; i < previous.size(); i++) {
                Signal.handle(signals.get(i), previous.get(i));
            }
            if (pidfd.get() >= 0) Sys.raw(Nr.CLOSE, pidfd.get());
        }
    }
}
