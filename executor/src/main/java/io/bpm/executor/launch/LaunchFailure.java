package io.bpm.executor.launch;

import java.io.IOException;

/**
 * A process could not be started. The message is one line an operator can act on: what was
 * being started, the plan step (index in the bound plan, keyword, subject and the bpm.yml
 * position it came from), and, when the kernel refused a call, the syscall and its errno. When
 * this is thrown, everything the launch made has been undone (the job's cgroup removed, the
 * descriptors closed, the child reaped); what host preparation created stays, as with bpm.
 */
public final class LaunchFailure extends IOException {
    private static final long serialVersionUID = 1L;

    private final String step;
    private final String syscall;
    private final int errno;

    public LaunchFailure(String step, String syscall, int errno, String message, Throwable cause) {
        super(message, cause);
        this.step = step;
        this.syscall = syscall;
        this.errno = errno;
    }

    /** A failure that is not a syscall's: the plan cannot be applied on this host. */
    public LaunchFailure(String step, String message) {
        this(step, null, 0, message, null);
    }

    /** The plan step that failed, as {@link TapeBuilder#label} writes it; null when no step is to blame. */
    public String step() {
        return step;
    }

    /** The syscall the kernel refused (e.g. {@code mount}), or null. */
    public String syscall() {
        return syscall;
    }

    /** Its errno, or 0. */
    public int errno() {
        return errno;
    }
}
