package io.bpm.executor.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static io.bpm.executor.sys.Linux.*;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A syscall tape: what the child of the launch stub does between clone3 and execve, as
 * {@code {nr, a0..a5, flags}} entries whose arguments are all computed beforehand (strings,
 * arrays and structs live in this tape's arena). The child cannot compute anything: it has no
 * libc, no stack and no Java, so every fd it needs must be opened by the parent first, and no
 * entry can use an earlier entry's result.
 *
 * <p>Layout (stub-facts.md): a 64-byte header {&clone_args, its size, error fd, count, failing
 * index, errno, progress, reserved}, then 64-byte entries {nr, a0..a5, flags}; flag bit 0
 * allows the entry to fail.
 *
 * <p>Each entry carries a label (set with {@link #at}, e.g. the plan line that caused it) and
 * its call in strace-like form, for error messages and {@code --dry-run}. The arena is
 * confined: build, launch and close a tape on one thread.
 */
public final class Tape implements AutoCloseable {
    public static final int HEADER_SIZE = 64;
    public static final int ENTRY_SIZE = 64;
    static final long H_CLONE_ARGS = 0, H_CLONE_ARGS_SIZE = 8, H_ERROR_FD = 16, H_COUNT = 24,
            H_INDEX = 32, H_ERRNO = 40, H_PROGRESS = 48;
    static final long FLAG_ERRORS_ALLOWED = 1;

    /** What the stub relies on, always set: shared memory, parent suspended until exec, no JVM handlers, a pidfd. */
    public static final long BASE_CLONE_FLAGS = CLONE_VM | CLONE_VFORK | CLONE_CLEAR_SIGHAND | CLONE_PIDFD;
    public static final long DEFAULT_NAMESPACES = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
    private static final long NAMESPACE_FLAGS = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC
            | CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWTIME;

    /** One entry: the syscall, its six arguments, whether it may fail, how to print it, and why it is there. */
    public record Entry(long nr, long[] args, boolean errorsAllowed, String call, String label) { }

    private final Arena arena = Arena.ofConfined();
    private final List<Entry> entries = new ArrayList<>();
    private long namespaces = DEFAULT_NAMESPACES;
    private int cgroupFd = -1;
    private String label;
    private MemorySegment image;    // header + entries, built once by seal()
    private MemorySegment cloneArgs;
    private MemorySegment pidfd;
    // Shared by all rt_sigaction / rt_sigprocmask entries: {SIG_DFL, 0, 0, 0} and the empty set.
    private MemorySegment defaultAction;

    // ---- clone3 ------------------------------------------------------------------------------

    /** Which new namespaces the child gets (CLONE_NEW* bits); default mnt, pid, uts, ipc. 0 = none. */
    public Tape namespaces(long cloneNewFlags) {
        if ((cloneNewFlags & ~NAMESPACE_FLAGS) != 0) {
            throw new IllegalArgumentException("not a supported namespace flag: 0x"
                    + Long.toHexString(cloneNewFlags & ~NAMESPACE_FLAGS));
        }
        checkOpen();
        namespaces = cloneNewFlags;
        return this;
    }

    /** Start the child in this cgroup v2 directory (CLONE_INTO_CGROUP): no migration cost. */
    public Tape intoCgroup(int cgroupDirFd) {
        checkOpen();
        cgroupFd = cgroupDirFd;
        return this;
    }

    public long cloneFlags() {
        return BASE_CLONE_FLAGS | namespaces | (cgroupFd >= 0 ? CLONE_INTO_CGROUP : 0);
    }

    // ---- native memory owned by this tape ----------------------------------------------------

    /** A NUL-terminated UTF-8 copy of s; its address, or 0 (NULL) for null. */
    public long string(String s) {
        return s == null ? 0 : arena.allocateFrom(s).address();
    }

    /** A NULL-terminated array of C strings (argv, envp). */
    public long strings(List<String> list) {
        MemorySegment array = arena.allocate(ADDRESS, list.size() + 1L);
        for (int i = 0; i < list.size(); i++) {
            array.setAtIndex(JAVA_LONG, i, string(list.get(i)));
        }
        return array.address();
    }

    /** Zeroed native memory for a struct of one's own. */
    public MemorySegment allocate(long size) {
        return arena.allocate(size, 16);
    }

    // ---- entries -------------------------------------------------------------------------------

    /** Labels the entries added from now on (e.g. {@code bpm.yml:12 mount ...}). */
    public Tape at(String label) {
        this.label = label;
        return this;
    }

    /** Any syscall, arguments as numbers. */
    public Tape syscall(long nr, long... args) {
        return add(nr, Nr.name(nr) + "(" + SysException.formatArgs(args) + ")", args);
    }

    /** Lets the last entry fail without failing the launch. */
    public Tape allowErrors() {
        Entry e = entries.removeLast();
        entries.add(new Entry(e.nr(), e.args(), true, e.call(), e.label()));
        return this;
    }

    public Tape mount(String source, String target, String fstype, long flags, String data) {
        return add(Nr.MOUNT, "mount(" + quote(source) + ", " + quote(target) + ", " + quote(fstype) + ", "
                + flagsText(flags, MS_NAMES) + ", " + quote(data) + ")",
                string(source), string(target), string(fstype), flags, string(data));
    }

    /**
     * Attaches a detached mount the parent made ({@code open_tree(OPEN_TREE_CLONE)}) at
     * {@code target}: {@code move_mount(fd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH)}. A
     * bind mount whose source was resolved when the parent opened it, not when the child runs.
     * Printed with the path the parent opened.
     */
    public Tape moveMount(int fd, String openedAs, String target) {
        return add(Nr.MOVE_MOUNT, "move_mount(" + fd + " = " + quote(openedAs) + ", \"\", AT_FDCWD, " + quote(target)
                + ", MOVE_MOUNT_F_EMPTY_PATH)", fd, string(""), Linux.AT_FDCWD, string(target), MOVE_MOUNT_F_EMPTY_PATH);
    }

    private static final int MOVE_MOUNT_F_EMPTY_PATH = 0x4;

    public Tape umount2(String target, int flags) {
        return add(Nr.UMOUNT2, "umount2(" + quote(target) + ", " + (flags == MNT_DETACH ? "MNT_DETACH" : flags) + ")",
                string(target), flags);
    }

    public Tape mkdir(String path, int mode) {
        return add(Nr.MKDIR, "mkdir(" + quote(path) + ", 0" + Integer.toOctalString(mode) + ")", string(path), mode);
    }

    public Tape symlink(String target, String linkPath) {
        return add(Nr.SYMLINK, "symlink(" + quote(target) + ", " + quote(linkPath) + ")", string(target), string(linkPath));
    }

    /** openat(AT_FDCWD, path, flags, mode); the fd it returns is closed by the exec (O_CLOEXEC or close_range). */
    public Tape openat(String path, int flags, int mode) {
        String access = switch (flags & 3) {
            case Linux.O_WRONLY -> "O_WRONLY";
            case Linux.O_RDWR -> "O_RDWR";
            default -> "O_RDONLY";
        };
        String more = (flags & ~3) == 0 ? "" : "|" + flagsText(flags & ~3, O_NAMES);
        return add(Nr.OPENAT, "openat(AT_FDCWD, " + quote(path) + ", " + access + more + ", 0"
                + Integer.toOctalString(mode) + ")", Linux.AT_FDCWD, string(path), flags, mode);
    }

    /** faccessat(AT_FDCWD, path, mode, 0): with the real ids, which are the job's by then. */
    public Tape access(String path, int mode) {
        return add(Nr.FACCESSAT, "faccessat(AT_FDCWD, " + quote(path) + ", " + (mode == 1 ? "X_OK" : mode) + ")",
                Linux.AT_FDCWD, string(path), mode, 0);
    }

    /** setns(fd, nstype): joins the namespace behind an fd the parent opened (/proc/PID/ns/...). */
    public Tape setns(int fd, long nstype) {
        return add(Nr.SETNS, "setns(" + fd + ", " + flagsText(nstype, CLONE_NAMES) + ")", fd, nstype);
    }

    public Tape umask(int mask) {
        return add(Nr.UMASK, "umask(0" + Integer.toOctalString(mask) + ")", mask);
    }

    public Tape chdir(String path) {
        return add(Nr.CHDIR, "chdir(" + quote(path) + ")", string(path));
    }

    public Tape pivotRoot(String newRoot, String putOld) {
        return add(Nr.PIVOT_ROOT, "pivot_root(" + quote(newRoot) + ", " + quote(putOld) + ")",
                string(newRoot), string(putOld));
    }

    public Tape sethostname(String name) {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        return add(Nr.SETHOSTNAME, "sethostname(" + quote(name) + ", " + b.length + ")", string(name), b.length);
    }

    /** setrlimit(resource, {soft, hard}); unsigned values, RLIM_INFINITY = -1. */
    public Tape setrlimit(int resource, long soft, long hard) {
        MemorySegment rl = arena.allocate(16, 8);
        rl.set(JAVA_LONG, 0, soft);
        rl.set(JAVA_LONG, 8, hard);
        return add(Nr.SETRLIMIT, "setrlimit(" + resource + ", {" + rlim(soft) + ", " + rlim(hard) + "})",
                resource, rl.address());
    }

    /** write(fd, text): e.g. "0" to a pre-opened cgroup.procs. */
    public Tape write(int fd, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return add(Nr.WRITE, "write(" + fd + ", " + quote(text) + ", " + b.length + ")", fd, string(text), b.length);
    }

    /**
     * dup2(oldfd, newfd). oldfd should be a parent fd opened O_CLOEXEC: dup2 clears CLOEXEC on
     * newfd only (and does nothing at all when oldfd == newfd).
     */
    public Tape dup2(int oldfd, int newfd) {
        return add(Nr.DUP2, "dup2(" + oldfd + ", " + newfd + ")", oldfd, newfd);
    }

    public Tape setgroups(int... gids) {
        MemorySegment list = arena.allocate(JAVA_INT, Math.max(1, gids.length));
        var text = new StringBuilder();
        for (int i = 0; i < gids.length; i++) {
            list.setAtIndex(JAVA_INT, i, gids[i]);
            text.append(i == 0 ? "" : ", ").append(gids[i]);
        }
        return add(Nr.SETGROUPS, "setgroups(" + gids.length + ", [" + text + "])",
                gids.length, gids.length == 0 ? 0 : list.address());
    }

    /** Raw setresgid: this thread (the child) only, unlike glibc's all-threads broadcast. */
    public Tape setresgid(int gid) {
        return add(Nr.SETRESGID, "setresgid(" + gid + ", " + gid + ", " + gid + ")", gid, gid, gid);
    }

    /** Raw setresuid: this thread (the child) only, unlike glibc's all-threads broadcast. */
    public Tape setresuid(int uid) {
        return add(Nr.SETRESUID, "setresuid(" + uid + ", " + uid + ", " + uid + ")", uid, uid, uid);
    }

    /** capset(v3 header for this thread, the three 64-bit sets as bit masks of capability numbers). */
    public Tape capset(long effective, long permitted, long inheritable) {
        MemorySegment hdr = arena.allocate(8, 8);
        hdr.set(JAVA_INT, 0, LINUX_CAPABILITY_VERSION_3);              // pid 0 = self
        MemorySegment data = arena.allocate(24, 8);                    // 2 x {eff, prm, inh} u32
        for (int half = 0; half < 2; half++) {
            int shift = 32 * half;
            data.set(JAVA_INT, 12L * half, (int) (effective >>> shift));
            data.set(JAVA_INT, 12L * half + 4, (int) (permitted >>> shift));
            data.set(JAVA_INT, 12L * half + 8, (int) (inheritable >>> shift));
        }
        return add(Nr.CAPSET, "capset({_LINUX_CAPABILITY_VERSION_3, 0}, {effective=0x" + Long.toHexString(effective)
                + ", permitted=0x" + Long.toHexString(permitted) + ", inheritable=0x" + Long.toHexString(inheritable) + "})",
                hdr.address(), data.address());
    }

    public Tape prctl(int option, long arg2, long arg3, long arg4, long arg5) {
        return add(Nr.PRCTL, "prctl(" + option + ", " + arg2 + ", " + arg3 + ", " + arg4 + ", " + arg5 + ")",
                option, arg2, arg3, arg4, arg5);
    }

    public Tape noNewPrivs() {
        return add(Nr.PRCTL, "prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)", PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    }

    /**
     * seccomp(SECCOMP_SET_MODE_FILTER, 0, &prog) with this classic-BPF program, one
     * {@code struct sock_filter} per long (see {@link #bpfStmt}, {@link #bpfJump}). Without
     * TSYNC: the filter is the child's own, then the exec'd program's.
     */
    public Tape seccomp(long[] program) {
        if (program.length == 0 || program.length > 4096) throw new IllegalArgumentException("BPF program length " + program.length);
        MemorySegment filter = arena.allocate(JAVA_LONG, program.length);
        for (int i = 0; i < program.length; i++) filter.setAtIndex(JAVA_LONG, i, program[i]);
        MemorySegment fprog = arena.allocate(16, 8);                   // struct sock_fprog
        fprog.set(JAVA_SHORT, 0, (short) program.length);
        fprog.set(JAVA_LONG, 8, filter.address());
        return add(Nr.SECCOMP, "seccomp(SECCOMP_SET_MODE_FILTER, 0, {len=" + program.length + "})",
                SECCOMP_SET_MODE_FILTER, 0, fprog.address());
    }

    /** BPF_STMT(code, k) as a {@code struct sock_filter} {u16 code, u8 jt, u8 jf, u32 k} in a little-endian long. */
    public static long bpfStmt(int code, int k) {
        return bpfJump(code, k, 0, 0);
    }

    /** BPF_JUMP(code, k, jt, jf). */
    public static long bpfJump(int code, int k, int jt, int jf) {
        return (code & 0xffffL) | (jt & 0xffL) << 16 | (jf & 0xffL) << 24 | (k & 0xffffffffL) << 32;
    }

    /**
     * Every catchable signal back to SIG_DFL and an empty blocked mask. CLONE_CLEAR_SIGHAND resets
     * handlers but keeps SIG_IGN (a JVM started under nohup passes HUP/INT ignored), and the mask
     * is the spawning JVM thread's (SIGQUIT blocked).
     */
    public Tape resetSignals() {
        if (defaultAction == null) defaultAction = arena.allocate(32, 8);   // sigaction{SIG_DFL,0,0,0}, also the empty sigset
        for (int sig = 1; sig <= NSIG; sig++) {
            if (sig == SIGKILL || sig == SIGSTOP) continue;                  // EINVAL: they cannot be changed
            add(Nr.RT_SIGACTION, "rt_sigaction(" + Linux.signalName(sig) + ", {SIG_DFL}, NULL, 8)",
                    sig, defaultAction.address(), 0, SIGSET_SIZE);
        }
        return add(Nr.RT_SIGPROCMASK, "rt_sigprocmask(SIG_SETMASK, [], NULL, 8)",
                SIG_SETMASK, defaultAction.address(), 0, SIGSET_SIZE);
    }

    /**
     * close_range(first, ~0U, CLOSE_RANGE_CLOEXEC): inherited fds are closed at the execve, not
     * now, so the error pipe stays usable until then (the JVM opens some fds without CLOEXEC).
     */
    public Tape closeRange(int first) {
        return add(Nr.CLOSE_RANGE, "close_range(" + first + ", ~0U, CLOSE_RANGE_CLOEXEC)", first, 0xffffffffL, CLOSE_RANGE_CLOEXEC);
    }

    /** execve(path, argv, envp): the tape's last entry; nothing after it runs when it succeeds. */
    public Tape execve(String path, List<String> argv, List<String> envp) {
        return add(Nr.EXECVE, "execve(" + quote(path) + ", " + listText(argv) + ", " + listText(envp) + ")",
                string(path), strings(argv), strings(envp));
    }

    /**
     * Puts a {@code nanosleep} of {@code millis} before entry {@code index}: fault injection, a
     * window in which a test kills the launching process while the child is at that entry (the
     * child cannot signal it: it is in a PID namespace the launcher's is not reachable from).
     */
    public Tape insertPause(int index, long millis) {
        checkOpen();
        if (image != null) throw new IllegalStateException("the tape was already launched");
        MemorySegment ts = arena.allocate(16, 8);
        ts.set(JAVA_LONG, 0, millis / 1000);
        ts.set(JAVA_LONG, 8, (millis % 1000) * 1_000_000);
        entries.add(index, new Entry(Nr.NANOSLEEP, new long[] {ts.address(), 0}, false,
                "nanosleep({" + millis / 1000 + ", " + (millis % 1000) * 1_000_000 + "}, NULL)", "fault injection: a pause"));
        return this;
    }

    private Tape add(long nr, String call, long... args) {
        checkOpen();
        if (image != null) throw new IllegalStateException("the tape was already launched");
        entries.add(new Entry(nr, args.clone(), false, call, label));
        return this;
    }

    // ---- reading -------------------------------------------------------------------------------

    public List<Entry> entries() {
        return List.copyOf(entries);
    }

    public Entry entry(int index) {
        return entries.get(index);
    }

    public int size() {
        return entries.size();
    }

    /** The tape as strace-like lines, with the labels: what {@code --dry-run} prints. */
    public List<String> describe() {
        List<String> out = new ArrayList<>(entries.size() + 1);
        out.add("clone3({flags=" + flagsText(cloneFlags(), CLONE_NAMES)
                + (cgroupFd >= 0 ? ", cgroup=" + cgroupFd : "") + ", exit_signal=SIGCHLD})");
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            String line = String.format("%3d %s%s", i, e.call(), e.errorsAllowed() ? " = ? (errors allowed)" : "");
            out.add(e.label() == null ? line : String.format("%-72s # %s", line, e.label()));
        }
        return out;
    }

    // ---- for the Launcher ------------------------------------------------------------------------

    /** Writes header, entries and clone_args into native memory, once; later calls reuse them. */
    MemorySegment seal() {
        checkOpen();
        if (image != null) return image;
        image = arena.allocate(HEADER_SIZE + (long) ENTRY_SIZE * entries.size(), 64);
        cloneArgs = arena.allocate(CLONE_ARGS_SIZE, 8);
        pidfd = arena.allocate(JAVA_INT);
        cloneArgs.set(JAVA_LONG, 0, cloneFlags());
        cloneArgs.set(JAVA_LONG, 8, pidfd.address());                  // int *pidfd
        cloneArgs.set(JAVA_LONG, 32, SIGCHLD);                          // exit_signal: waitable like any child
        cloneArgs.set(JAVA_LONG, 80, cgroupFd >= 0 ? cgroupFd : 0);     // cgroup
        image.set(JAVA_LONG, H_CLONE_ARGS, cloneArgs.address());
        image.set(JAVA_LONG, H_CLONE_ARGS_SIZE, CLONE_ARGS_SIZE);
        image.set(JAVA_LONG, H_COUNT, entries.size());
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            long off = HEADER_SIZE + (long) ENTRY_SIZE * i;
            image.set(JAVA_LONG, off, e.nr());
            for (int a = 0; a < e.args().length; a++) image.set(JAVA_LONG, off + 8 + 8L * a, e.args()[a]);
            image.set(JAVA_LONG, off + 56, e.errorsAllowed() ? FLAG_ERRORS_ALLOWED : 0);
        }
        return image;
    }

    MemorySegment cloneArgs() {
        return cloneArgs;
    }

    int pidfd() {
        return pidfd.get(JAVA_INT, 0);
    }

    /** Frees the native memory. Not while a launch of this tape is running (same thread anyway). */
    @Override
    public void close() {
        if (arena.scope().isAlive()) arena.close();
    }

    private void checkOpen() {
        if (!arena.scope().isAlive()) throw new IllegalStateException("the tape is closed");
    }

    // ---- text ----------------------------------------------------------------------------------

    private static final Object[][] MS_NAMES = {
        {MS_RDONLY, "MS_RDONLY"}, {MS_NOSUID, "MS_NOSUID"}, {MS_NODEV, "MS_NODEV"}, {MS_NOEXEC, "MS_NOEXEC"},
        {MS_SYNCHRONOUS, "MS_SYNCHRONOUS"}, {MS_REMOUNT, "MS_REMOUNT"}, {MS_MANDLOCK, "MS_MANDLOCK"},
        {MS_DIRSYNC, "MS_DIRSYNC"}, {MS_NOSYMFOLLOW, "MS_NOSYMFOLLOW"}, {MS_NOATIME, "MS_NOATIME"},
        {MS_NODIRATIME, "MS_NODIRATIME"}, {MS_BIND, "MS_BIND"}, {MS_MOVE, "MS_MOVE"}, {MS_REC, "MS_REC"},
        {MS_SILENT, "MS_SILENT"}, {MS_UNBINDABLE, "MS_UNBINDABLE"}, {MS_PRIVATE, "MS_PRIVATE"},
        {MS_SLAVE, "MS_SLAVE"}, {MS_SHARED, "MS_SHARED"}, {MS_RELATIME, "MS_RELATIME"},
        {MS_STRICTATIME, "MS_STRICTATIME"}};
    private static final Object[][] O_NAMES = {
        {(long) Linux.O_CREAT, "O_CREAT"}, {(long) Linux.O_EXCL, "O_EXCL"}, {(long) Linux.O_NOCTTY, "O_NOCTTY"},
        {(long) Linux.O_TRUNC, "O_TRUNC"}, {(long) Linux.O_APPEND, "O_APPEND"}, {(long) Linux.O_NONBLOCK, "O_NONBLOCK"},
        {(long) Linux.O_DIRECTORY, "O_DIRECTORY"}, {(long) Linux.O_NOFOLLOW, "O_NOFOLLOW"}, {(long) Linux.O_CLOEXEC, "O_CLOEXEC"},
        {(long) Linux.O_PATH, "O_PATH"}};
    private static final Object[][] CLONE_NAMES = {
        {CLONE_VM, "CLONE_VM"}, {CLONE_VFORK, "CLONE_VFORK"}, {CLONE_NEWNS, "CLONE_NEWNS"},
        {CLONE_NEWPID, "CLONE_NEWPID"}, {CLONE_NEWUTS, "CLONE_NEWUTS"}, {CLONE_NEWIPC, "CLONE_NEWIPC"},
        {CLONE_NEWNET, "CLONE_NEWNET"}, {CLONE_NEWCGROUP, "CLONE_NEWCGROUP"}, {CLONE_NEWTIME, "CLONE_NEWTIME"},
        {CLONE_CLEAR_SIGHAND, "CLONE_CLEAR_SIGHAND"}, {CLONE_PIDFD, "CLONE_PIDFD"},
        {CLONE_INTO_CGROUP, "CLONE_INTO_CGROUP"}};

    static String flagsText(long flags, Object[][] names) {
        var sb = new StringBuilder();
        long rest = flags;
        for (Object[] n : names) {
            long bit = (Long) n[0];
            if ((flags & bit) != 0) {
                sb.append(sb.isEmpty() ? "" : "|").append(n[1]);
                rest &= ~bit;
            }
        }
        if (rest != 0 || sb.isEmpty()) sb.append(sb.isEmpty() ? "" : "|").append("0x").append(Long.toHexString(rest));
        return sb.toString();
    }

    static String cloneFlagsText(long flags) {
        return flagsText(flags, CLONE_NAMES);
    }

    private static String rlim(long v) {
        return v == RLIM_INFINITY ? "RLIM_INFINITY" : Long.toUnsignedString(v);
    }

    private static String listText(List<String> list) {
        var sb = new StringBuilder("[");
        for (int i = 0; i < list.size(); i++) sb.append(i == 0 ? "" : ", ").append(quote(list.get(i)));
        return sb.append(']').toString();
    }

    /** A C string as strace prints it; NULL for null. Control bytes are escaped, so a label cannot forge a line. */
    static String quote(String s) {
        if (s == null) return "NULL";
        var sb = new StringBuilder("\"");
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c >= 0x7f) sb.append(String.format("\\x%02x", c));
                    else sb.append((char) c);
                }
            }
        }
        return sb.append('"').toString();
    }
}
