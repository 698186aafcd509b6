package io.bpm.executor.sys;

/** x86-64 Linux constants (uapi headers) for the calls bpm makes. */
public final class Linux {
    private Linux() { }

    // ---- clone3 flags ----------------------------------------------------------------------
    public static final long CLONE_NEWTIME = 0x80L;
    public static final long CLONE_VM = 0x100L;
    public static final long CLONE_FS = 0x200L;
    public static final long CLONE_FILES = 0x400L;
    public static final long CLONE_SIGHAND = 0x800L;
    public static final long CLONE_PIDFD = 0x1000L;
    public static final long CLONE_VFORK = 0x4000L;
    public static final long CLONE_NEWNS = 0x20000L;
    public static final long CLONE_NEWCGROUP = 0x02000000L;
    public static final long CLONE_NEWUTS = 0x04000000L;
    public static final long CLONE_NEWIPC = 0x08000000L;
    public static final long CLONE_NEWUSER = 0x10000000L;
    public static final long CLONE_NEWPID = 0x20000000L;
    public static final long CLONE_NEWNET = 0x40000000L;
    public static final long CLONE_CLEAR_SIGHAND = 0x100000000L;
    public static final long CLONE_INTO_CGROUP = 0x200000000L;
    /** {@code sizeof(struct clone_args)} with the cgroup field (CLONE_ARGS_SIZE_VER2). */
    public static final int CLONE_ARGS_SIZE = 88;

    // ---- mount(2), umount2(2) --------------------------------------------------------------
    public static final long MS_RDONLY = 1L;
    public static final long MS_NOSUID = 2L;
    public static final long MS_NODEV = 4L;
    public static final long MS_NOEXEC = 8L;
    public static final long MS_SYNCHRONOUS = 16L;
    public static final long MS_REMOUNT = 32L;
    public static final long MS_MANDLOCK = 64L;
    public static final long MS_DIRSYNC = 128L;
    public static final long MS_NOSYMFOLLOW = 256L;
    public static final long MS_NOATIME = 1024L;
    public static final long MS_NODIRATIME = 2048L;
    public static final long MS_BIND = 4096L;
    public static final long MS_MOVE = 8192L;
    public static final long MS_REC = 16384L;
    public static final long MS_SILENT = 32768L;
    public static final long MS_UNBINDABLE = 1L << 17;
    public static final long MS_PRIVATE = 1L << 18;
    public static final long MS_SLAVE = 1L << 19;
    public static final long MS_SHARED = 1L << 20;
    public static final long MS_RELATIME = 1L << 21;
    public static final long MS_STRICTATIME = 1L << 24;
    public static final int MNT_FORCE = 1;
    public static final int MNT_DETACH = 2;

    // ---- open(2) -----------------------------------------------------------------------------
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0x40;
    public static final int O_EXCL = 0x80;
    public static final int O_NOCTTY = 0x100;
    public static final int O_TRUNC = 0x200;
    public static final int O_APPEND = 0x400;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_DIRECTORY = 0x10000;
    public static final int O_NOFOLLOW = 0x20000;
    public static final int O_CLOEXEC = 0x80000;
    public static final int O_PATH = 0x200000;
    public static final int AT_FDCWD = -100;
    /** openat2's resolve flag: no symlink on the way or at the end (ELOOP). */
    public static final long RESOLVE_NO_SYMLINKS = 0x04;
    public static final int CLOSE_RANGE_UNSHARE = 2;
    public static final int CLOSE_RANGE_CLOEXEC = 4;

    // ---- mmap(2) -----------------------------------------------------------------------------
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int PROT_EXEC = 4;
    public static final int MAP_PRIVATE = 2;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_STACK = 0x20000;

    // ---- prctl(2), capabilities --------------------------------------------------------------
    public static final int PR_SET_PDEATHSIG = 1;
    public static final int PR_SET_KEEPCAPS = 8;
    public static final int PR_CAPBSET_READ = 23;
    public static final int PR_CAPBSET_DROP = 24;
    public static final int PR_SET_NO_NEW_PRIVS = 38;
    public static final int PR_GET_NO_NEW_PRIVS = 39;
    public static final int PR_CAP_AMBIENT = 47;
    public static final int PR_CAP_AMBIENT_RAISE = 2;
    public static final int PR_CAP_AMBIENT_CLEAR_ALL = 4;
    public static final int LINUX_CAPABILITY_VERSION_3 = 0x20080522;

    // ---- seccomp(2) and classic BPF ----------------------------------------------------------
    public static final int SECCOMP_SET_MODE_FILTER = 1;
    public static final int SECCOMP_FILTER_FLAG_TSYNC = 1;
    public static final int SECCOMP_RET_KILL_PROCESS = 0x80000000;
    public static final int SECCOMP_RET_KILL_THREAD = 0;
    public static final int SECCOMP_RET_TRAP = 0x00030000;
    public static final int SECCOMP_RET_ERRNO = 0x00050000;
    public static final int SECCOMP_RET_LOG = 0x7ffc0000;
    public static final int SECCOMP_RET_ALLOW = 0x7fff0000;
    public static final int AUDIT_ARCH_X86_64 = 0xC000003E;
    /** Offsets in {@code struct seccomp_data}. */
    public static final int SECCOMP_DATA_NR = 0, SECCOMP_DATA_ARCH = 4, SECCOMP_DATA_ARGS = 16;
    public static final int BPF_LD = 0x00, BPF_JMP = 0x05, BPF_RET = 0x06;
    public static final int BPF_W = 0x00, BPF_ABS = 0x20, BPF_K = 0x00;
    public static final int BPF_JEQ = 0x10, BPF_JGT = 0x20, BPF_JGE = 0x30, BPF_JSET = 0x40;

    // ---- rlimits -------------------------------------------------------------------------------
    public static final int RLIMIT_CPU = 0;
    public static final int RLIMIT_FSIZE = 1;
    public static final int RLIMIT_DATA = 2;
    public static final int RLIMIT_STACK = 3;
    public static final int RLIMIT_CORE = 4;
    public static final int RLIMIT_RSS = 5;
    public static final int RLIMIT_NPROC = 6;
    public static final int RLIMIT_NOFILE = 7;
    public static final int RLIMIT_MEMLOCK = 8;
    public static final int RLIMIT_AS = 9;
    public static final int RLIMIT_LOCKS = 10;
    public static final int RLIMIT_SIGPENDING = 11;
    public static final int RLIMIT_MSGQUEUE = 12;
    public static final int RLIMIT_NICE = 13;
    public static final int RLIMIT_RTPRIO = 14;
    public static final int RLIMIT_RTTIME = 15;
    /** RLIM_INFINITY, 2^64-1, the plan's {@code unlimited}. */
    public static final long RLIM_INFINITY = -1L;

    // ---- signals -------------------------------------------------------------------------------
    public static final int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6,
            SIGBUS = 7, SIGFPE = 8, SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12, SIGPIPE = 13,
            SIGALRM = 14, SIGTERM = 15, SIGSTKFLT = 16, SIGCHLD = 17, SIGCONT = 18, SIGSTOP = 19,
            SIGTSTP = 20, SIGTTIN = 21, SIGTTOU = 22, SIGURG = 23, SIGXCPU = 24, SIGXFSZ = 25,
            SIGVTALRM = 26, SIGPROF = 27, SIGWINCH = 28, SIGIO = 29, SIGPWR = 30, SIGSYS = 31;
    /** Highest signal number (the kernel's _NSIG); 32..64 are the real-time signals. */
    public static final int NSIG = 64;
    public static final int SIG_SETMASK = 2;
    public static final long SIG_DFL = 0L;
    /** The kernel's sigset_t size, what rt_sigaction and rt_sigprocmask take as their last argument. */
    public static final int SIGSET_SIZE = 8;

    private static final String[] SIGNAL_NAMES = {null, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT",
        "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT",
        "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"};

    /** The number of a signal named like the plan does ({@code TERM} or {@code SIGTERM}). */
    public static int signal(String name) {
        String bare = name.startsWith("SIG") ? name.substring(3) : name;
        for (int i = 1; i < SIGNAL_NAMES.length; i++) {
            if (SIGNAL_NAMES[i].equals(bare)) return i;
        }
        throw new IllegalArgumentException("unknown signal " + name);
    }

    /** {@code SIGTERM}, or {@code SIGRT+n} / {@code signal N} for the others. */
    public static String signalName(int sig) {
        if (sig > 0 && sig < SIGNAL_NAMES.length) return "SIG" + SIGNAL_NAMES[sig];
        if (sig >= 32 && sig <= NSIG) return "SIGRT" + (sig - 32);
        return "signal " + sig;
    }

    // ---- waitid(2) -----------------------------------------------------------------------------
    public static final int P_ALL = 0, P_PID = 1, P_PIDFD = 3;
    public static final int WNOHANG = 1, WSTOPPED = 2, WEXITED = 4, WNOWAIT = 0x01000000;
    public static final int CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3;
}
