package io.bpm.executor.sys;

/**
 * A tape entry failed in the child, or the child died before its execve. Names the entry
 * (index and the label the lowering gave it, e.g. the plan line), the call as the dry run
 * prints it, and the errno. The child has been reaped when this is thrown.
 */
public final class LaunchException extends SysException {
    private final int index;
    private final String label;
    private final String call;
    private final int pid;

    LaunchException(int index, String label, String call, String syscall, int errno, int pid, String why) {
        super(syscall, errno, "entry " + index + (label == null ? "" : " [" + label + "]") + ": "
                + call + " " + why);
        this.index = index;
        this.label = label;
        this.call = call;
        this.pid = pid;
    }

    /** Index of the failing entry in the tape; the entry count when the tape ran out before an execve. */
    public int index() {
        return index;
    }

    /** The label the entry was added under ({@link Tape#at}), or null. */
    public String label() {
        return label;
    }

    /** The call in strace-like form, e.g. {@code mount("/x", "/y", NULL, MS_BIND, NULL)}. */
    public String call() {
        return call;
    }

    /** The (already reaped) child's pid in the host pid namespace. */
    public int pid() {
        return pid;
    }
}
