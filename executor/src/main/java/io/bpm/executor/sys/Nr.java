package io.bpm.executor.sys;

/**
 * x86-64 Linux syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl) that bpm uses, and
 * their names for error messages and dry-run output. Numbers, not libc wrappers: the launch
 * stub and the raw {@link Sys#syscall} both issue them directly.
 */
public final class Nr {
    private Nr() { }

    public static final int READ = 0;
    public static final int WRITE = 1;
    public static final int OPEN = 2;
    public static final int CLOSE = 3;
    public static final int MMAP = 9;
    public static final int MPROTECT = 10;
    public static final int MUNMAP = 11;
    public static final int RT_SIGACTION = 13;
    public static final int RT_SIGPROCMASK = 14;
    public static final int DUP2 = 33;
    public static final int NANOSLEEP = 35;
    public static final int GETPID = 39;
    public static final int EXECVE = 59;
    public static final int KILL = 62;
    public static final int FLOCK = 73;
    public static final int CHDIR = 80;
    public static final int SYMLINK = 88;
    public static final int FCHDIR = 81;
    public static final int MKDIR = 83;
    public static final int RMDIR = 84;
    public static final int FCHMOD = 91;
    public static final int FCHOWN = 93;
    public static final int UMASK = 95;
    public static final int GETUID = 102;
    public static final int GETEUID = 107;
    public static final int SETSID = 112;
    public static final int SETGROUPS = 116;
    public static final int SETRESUID = 117;
    public static final int SETRESGID = 119;
    public static final int CAPSET = 126;
    public static final int PIVOT_ROOT = 155;
    public static final int PRCTL = 157;
    public static final int SETRLIMIT = 160;
    public static final int MOUNT = 165;
    public static final int UMOUNT2 = 166;
    public static final int SETHOSTNAME = 170;
    public static final int GETTID = 186;
    public static final int EXIT_GROUP = 231;
    public static final int WAITID = 247;
    public static final int OPENAT = 257;
    public static final int MKDIRAT = 258;
    public static final int FACCESSAT = 269;
    public static final int UNSHARE = 272;
    public static final int PIPE2 = 293;
    public static final int PRLIMIT64 = 302;
    public static final int SETNS = 308;
    public static final int SECCOMP = 317;
    public static final int PIDFD_SEND_SIGNAL = 424;
    public static final int OPEN_TREE = 428;
    public static final int MOVE_MOUNT = 429;
    public static final int PIDFD_OPEN = 434;
    public static final int CLONE3 = 435;
    public static final int CLOSE_RANGE = 436;
    public static final int OPENAT2 = 437;

    /** The syscall's name, or {@code syscall_N} for one this table does not know. */
    public static String name(long nr) {
        return switch ((int) nr) {
            case READ -> "read";
            case WRITE -> "write";
            case OPEN -> "open";
            case CLOSE -> "close";
            case MMAP -> "mmap";
            case MPROTECT -> "mprotect";
            case MUNMAP -> "munmap";
            case RT_SIGACTION -> "rt_sigaction";
            case RT_SIGPROCMASK -> "rt_sigprocmask";
            case DUP2 -> "dup2";
            case NANOSLEEP -> "nanosleep";
            case GETPID -> "getpid";
            case EXECVE -> "execve";
            case KILL -> "kill";
            case FLOCK -> "flock";
            case CHDIR -> "chdir";
            case SYMLINK -> "symlink";
            case FCHDIR -> "fchdir";
            case MKDIR -> "mkdir";
            case RMDIR -> "rmdir";
            case FCHMOD -> "fchmod";
            case FCHOWN -> "fchown";
            case UMASK -> "umask";
            case GETUID -> "getuid";
            case GETEUID -> "geteuid";
            case SETSID -> "setsid";
            case SETGROUPS -> "setgroups";
            case SETRESUID -> "setresuid";
            case SETRESGID -> "setresgid";
            case CAPSET -> "capset";
            case PIVOT_ROOT -> "pivot_root";
            case PRCTL -> "prctl";
            case SETRLIMIT -> "setrlimit";
            case MOUNT -> "mount";
            case UMOUNT2 -> "umount2";
            case SETHOSTNAME -> "sethostname";
            case GETTID -> "gettid";
            case EXIT_GROUP -> "exit_group";
            case WAITID -> "waitid";
            case OPENAT -> "openat";
            case MKDIRAT -> "mkdirat";
            case FACCESSAT -> "faccessat";
            case UNSHARE -> "unshare";
            case PIPE2 -> "pipe2";
            case PRLIMIT64 -> "prlimit64";
            case SETNS -> "setns";
            case SECCOMP -> "seccomp";
            case PIDFD_SEND_SIGNAL -> "pidfd_send_signal";
            case OPEN_TREE -> "open_tree";
            case MOVE_MOUNT -> "move_mount";
            case PIDFD_OPEN -> "pidfd_open";
            case CLONE3 -> "clone3";
            case CLOSE_RANGE -> "close_range";
            case OPENAT2 -> "openat2";
            default -> "syscall_" + nr;
        };
    }
}
