package io.bpm.executor.sys;

/**
 * A system call failed. The message names the call, its arguments and the errno, e.g.
 * {@code openat(-100, 0x7f3a10, 0x80000, 0) failed: ENOENT (No such file or directory)}.
 * Unchecked: callers either let it end the command with its message, or test {@link #errno()}.
 */
public class SysException extends RuntimeException {
    private final String syscall;
    private final int errno;

    public SysException(String syscall, String arguments, int errno) {
        this(syscall, errno, syscall + "(" + arguments + ") failed: " + Errno.describe(errno));
    }

    public SysException(long nr, long[] args, int errno) {
        this(Nr.name(nr), formatArgs(args), errno);
    }

    protected SysException(String syscall, int errno, String message) {
        super(message);
        this.syscall = syscall;
        this.errno = errno;
    }

    /** The syscall's name, e.g. {@code mount}. */
    public String syscall() {
        return syscall;
    }

    /** The errno; 0 when the failure was not a syscall's (e.g. the child died before execve). */
    public int errno() {
        return errno;
    }

    public String errnoName() {
        return Errno.name(errno);
    }

    // Small values print in decimal (fds, flags, ids), large ones in hex (addresses).
    static String formatArgs(long[] args) {
        var sb = new StringBuilder();
        for (int i = 0; i < args.length; i++) {
            if (i > 0) sb.append(", ");
            long a = args[i];
            sb.append(a >= -4096 && a < 1 << 20 ? Long.toString(a) : "0x" + Long.toHexString(a));
        }
        return sb.toString();
    }
}
