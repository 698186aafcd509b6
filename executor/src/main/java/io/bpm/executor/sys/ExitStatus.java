package io.bpm.executor.sys;

/**
 * How a child ended: {@code code} when it exited (else -1), {@code signal} when a signal killed
 * it (else 0). Unlike Process.waitFor, "killed by TERM" and "exit 143" stay distinguishable.
 */
public record ExitStatus(int pid, int code, int signal, boolean coreDumped) {
    public boolean exited() {
        return signal == 0;
    }

    /** The shell's convention: the exit code, or 128 + signal. */
    public int shellStatus() {
        return signal == 0 ? code : 128 + signal;
    }

    @Override
    public String toString() {
        return signal == 0 ? "exit " + code
                : "killed by " + Linux.signalName(signal) + (coreDumped ? " (core dumped)" : "");
    }
}
