package io.bpm.executor.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;

import static io.bpm.executor.sys.Linux.*;

/**
 * A syscall tape: what the child of the launch stub does between clone3 and execve, as
 * {@code {nr, a0..a5, flags}} entries whose arguments are all computed beforehand (strings,
 * arrays and structs live in this tape's native memory). The child cannot compute anything: it
 * has no libc, no stack and no Java, so every fd it needs must be opened by the parent first, and
 * no entry can use an earlier entry's result.
 *
 * <p>Layout (stub-facts.md): a 64-byte header {&clone_args, its size, error fd, count, failing
 * index, errno, progress, reserved}, then 64-byte entries {nr, a0..a5, flags}; flag bit 0
 * allows the entry to fail.
 *
 * <p>Each entry carries a label (set with {@link #at}, e.g. the plan line that caused it) and
 * can print its call in strace-like form, for error messages and {@code --dry-run}.
 *
 * <p>Why it is built in Java arrays: bpm starts a fresh JVM for every command, and runs its code
 * interpreted. There, each native-memory write through the FFM API costs microseconds (a chain
 * of method handles), and a {@code bpm start} tape is ~230 entries and ~300 strings: building it
 * in native memory and its strace-like texts eagerly cost a start about 20 ms. So the strings,
 * arrays and structs go into a Java byte array (the tape's data), pointers into it are kept as
 * offsets and relocated once, and {@link #seal} makes one native allocation and two copies. The
 * texts are made only when asked ({@link Entry#call()}). Not thread-safe: build, launch and close
 * a tape on one thread (the native memory is confined to the thread that sealed it).
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

    /**
     * One entry: the syscall, its arguments, whether it may fail, why it is there, and what it was
     * made from, so that {@link #call()} can print it. Arguments marked in {@code pointers} (bit
     * per argument) are offsets into the tape's data until {@link #seal} relocates them.
     */
    public static final class Entry {
        private final long nr;
        private final long[] args;
        private final int pointers;
        private final boolean errorsAllowed;
        private final String label;
        private final int form;
        private final Object[] shown;

        Entry(long nr, long[] args, int pointers, boolean errorsAllowed, String label, int form, Object[] shown) {
            this.nr = nr;
            this.args = args;
            this.pointers = pointers;
            this.errorsAllowed = errorsAllowed;
            this.label = label;
            this.form = form;
            this.shown = shown;
        }

        public long nr() {
            return nr;
        }

        public boolean errorsAllowed() {
            return errorsAllowed;
        }

        /** Why the entry is there ({@link #at}), or null. */
        public String label() {
            return label;
        }

        /** The call in strace-like form, e.g. {@code mount("/x", "/y", NULL, MS_BIND, NULL)}; made on each call. */
        public String call() {
            return text(this);
        }

        Entry allowingErrors() {
            return new Entry(nr, args, pointers, true, label, form, shown);
        }
    }

    // How an entry prints (Entry.form): one per method that adds entries.
    private static final int F_SYSCALL = 0, F_MOUNT = 1, F_MOVE_MOUNT = 2, F_UMOUNT2 = 3, F_MKDIR = 4, F_SYMLINK = 5,
            F_OPENAT = 6, F_ACCESS = 7, F_SETNS = 8, F_UMASK = 9, F_CHDIR = 10, F_PIVOT_ROOT = 11, F_SETHOSTNAME = 12,
            F_SETRLIMIT = 13, F_WRITE = 14, F_DUP2 = 15, F_SETGROUPS = 16, F_SETRESGID = 17, F_SETRESUID = 18,
            F_CAPSET = 19, F_PRCTL = 20, F_NO_NEW_PRIVS = 21, F_SECCOMP = 22, F_RT_SIGACTION = 23,
            F_RT_SIGPROCMASK = 24, F_CLOSE_RANGE = 25, F_EXECVE = 26, F_NANOSLEEP = 27, F_RMDIR = 28;
    private static final Object[] NOTHING = {};

    private final List<Entry> entries = new ArrayList<>();
    private long namespaces = DEFAULT_NAMESPACES;
    private int cgroupFd = -1;
    private String label;
    private boolean closed;
    // The tape's data: strings, arrays and structs, pointers in it as offsets (listed in relocs).
    private byte[] data = new byte[8192];
    private int used;
    private int[] relocs = new int[16];
    private int relocCount;
    /** Offsets of the strings in data: a path the tape names several times is stored once. */
    private final HashMap<String, Integer> strings = new HashMap<>();
    // Shared by all rt_sigaction / rt_sigprocmask entries: {SIG_DFL, 0, 0, 0} and the empty set; -1: none yet.
    private int defaultAction = -1;
    private Arena arena;            // made by seal(), with everything native in it
    private MemorySegment image;    // header + entries, built once by seal()
    private MemorySegment cloneArgs;
    private MemorySegment pidfd;

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

    // ---- the tape's data -----------------------------------------------------------------------

    /** {@code size} zeroed bytes of data aligned to {@code align} (a power of 2); their offset. */
    private int reserve(int size, int align) {
        int at = (used + align - 1) & -align;
        if (at + size > data.length) {
            data = Arrays.copyOf(data, Math.max(2 * data.length, at + size));
        }
        used = at + size;
        return at;
    }

    /** A NUL-terminated UTF-8 copy of s in the data; its offset. Only for non-null strings. */
    private int string(String s) {
        Integer known = strings.get(s);
        if (known != null) {
            return known;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        int at = reserve(b.length + 1, 1);
        System.arraycopy(b, 0, data, at, b.length);
        strings.put(s, at);
        return at;
    }

    /** A NULL-terminated array of C strings (argv, envp); its offset. */
    private int strings(List<String> list) {
        int[] offsets = new int[list.size()];
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = string(list.get(i));
        }
        int at = reserve(8 * (offsets.length + 1), 8);
        for (int i = 0; i < offsets.length; i++) {
            pointer(at + 8 * i, offsets[i]);
        }
        return at;
    }

    /** Puts a pointer to data offset {@code target} at data offset {@code at}. */
    private void pointer(int at, int target) {
        putLong(data, at, target);
        if (relocCount == relocs.length) {
            relocs = Arrays.copyOf(relocs, 2 * relocs.length);
        }
        relocs[relocCount++] = at;
    }

    private int longs(long... values) {
        int at = reserve(8 * values.length, 8);
        for (int i = 0; i < values.length; i++) {
            putLong(data, at + 8 * i, values[i]);
        }
        return at;
    }

    // Little-endian, as x86-64 reads them; plain array stores are what the interpreter runs fast.
    private static void putLong(byte[] b, int at, long v) {
        for (int i = 0; i < 8; i++) {
            b[at + i] = (byte) (v >>> 8 * i);
        }
    }

    private static long getLong(byte[] b, int at) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = v << 8 | (b[at + i] & 0xffL);
        }
        return v;
    }

    private static void putInt(byte[] b, int at, int v) {
        for (int i = 0; i < 4; i++) {
            b[at + i] = (byte) (v >>> 8 * i);
        }
    }

    // ---- entries -------------------------------------------------------------------------------

    /** Labels the entries added from now on (e.g. {@code bpm.yml:12 mount ...}). */
    public Tape at(String label) {
        this.label = label;
        return this;
    }

    /** Any syscall, arguments as numbers. */
    public Tape syscall(long nr, long... args) {
        return add(nr, F_SYSCALL, NOTHING, 0, args.clone());
    }

    /** Lets the last entry fail without failing the launch. */
    public Tape allowErrors() {
        checkUnsealed();
        entries.add(entries.removeLast().allowingErrors());
        return this;
    }

    public Tape mount(String source, String target, String fstype, long flags, String data) {
        return add(Nr.MOUNT, F_MOUNT, new Object[] {source, target, fstype, data},
                (source == null ? 0 : 1) | (target == null ? 0 : 2) | (fstype == null ? 0 : 4) | (data == null ? 0 : 16),
                source == null ? 0 : string(source), target == null ? 0 : string(target),
                fstype == null ? 0 : string(fstype), flags, data == null ? 0 : string(data));
    }

    /**
     * Attaches a detached mount the parent made ({@code open_tree(OPEN_TREE_CLONE)}) at
     * {@code target}: {@code move_mount(fd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH)}. A
     * bind mount whose source was resolved when the parent opened it, not when the child runs.
     * Printed with the path the parent opened.
     */
    public Tape moveMount(int fd, String openedAs, String target) {
        return add(Nr.MOVE_MOUNT, F_MOVE_MOUNT, new Object[] {openedAs, target}, 2 | 8,
                fd, string(""), Linux.AT_FDCWD, string(target), MOVE_MOUNT_F_EMPTY_PATH);
    }

    private static final int MOVE_MOUNT_F_EMPTY_PATH = 0x4;

    public Tape umount2(String target, int flags) {
        return add(Nr.UMOUNT2, F_UMOUNT2, new Object[] {target}, 1, string(target), flags);
    }

    public Tape mkdir(String path, int mode) {
        return add(Nr.MKDIR, F_MKDIR, new Object[] {path}, 1, string(path), mode);
    }

    public Tape rmdir(String path) {
        return add(Nr.RMDIR, F_RMDIR, new Object[] {path}, 1, string(path));
    }

    public Tape symlink(String target, String linkPath) {
        return add(Nr.SYMLINK, F_SYMLINK, new Object[] {target, linkPath}, 1 | 2, string(target), string(linkPath));
    }

    /** openat(AT_FDCWD, path, flags, mode); the fd it returns is closed by the exec (O_CLOEXEC or close_range). */
    public Tape openat(String path, int flags, int mode) {
        return add(Nr.OPENAT, F_OPENAT, new Object[] {path}, 2, Linux.AT_FDCWD, string(path), flags, mode);
    }

    /** faccessat(AT_FDCWD, path, mode, 0): with the real ids, which are the job's by then. */
    public Tape access(String path, int mode) {
        return add(Nr.FACCESSAT, F_ACCESS, new Object[] {path}, 2, Linux.AT_FDCWD, string(path), mode, 0);
    }

    /** setns(fd, nstype): joins the namespace behind an fd the parent opened (/proc/PID/ns/...). */
    public Tape setns(int fd, long nstype) {
        return add(Nr.SETNS, F_SETNS, NOTHING, 0, fd, nstype);
    }

    public Tape umask(int mask) {
        return add(Nr.UMASK, F_UMASK, NOTHING, 0, mask);
    }

    public Tape chdir(String path) {
        return add(Nr.CHDIR, F_CHDIR, new Object[] {path}, 1, string(path));
    }

    public Tape pivotRoot(String newRoot, String putOld) {
        return add(Nr.PIVOT_ROOT, F_PIVOT_ROOT, new Object[] {newRoot, putOld}, 1 | 2, string(newRoot), string(putOld));
    }

    public Tape sethostname(String name) {
        int length = name.getBytes(StandardCharsets.UTF_8).length;
        return add(Nr.SETHOSTNAME, F_SETHOSTNAME, new Object[] {name}, 1, string(name), length);
    }

    /** setrlimit(resource, {soft, hard}); unsigned values, RLIM_INFINITY = -1. */
    public Tape setrlimit(int resource, long soft, long hard) {
        return add(Nr.SETRLIMIT, F_SETRLIMIT, new Object[] {soft, hard}, 2, resource, longs(soft, hard));
    }

    /** write(fd, text): e.g. "0" to a pre-opened cgroup.procs. */
    public Tape write(int fd, String text) {
        int length = text.getBytes(StandardCharsets.UTF_8).length;
        return add(Nr.WRITE, F_WRITE, new Object[] {text}, 2, fd, string(text), length);
    }

    /**
     * dup2(oldfd, newfd). oldfd should be a parent fd opened O_CLOEXEC: dup2 clears CLOEXEC on
     * newfd only (and does nothing at all when oldfd == newfd).
     */
    public Tape dup2(int oldfd, int newfd) {
        return add(Nr.DUP2, F_DUP2, NOTHING, 0, oldfd, newfd);
    }

    public Tape setgroups(int... gids) {
        if (gids.length == 0) {
            return add(Nr.SETGROUPS, F_SETGROUPS, new Object[] {gids.clone()}, 0, 0, 0);
        }
        int list = reserve(4 * gids.length, 4);
        for (int i = 0; i < gids.length; i++) {
            putInt(data, list + 4 * i, gids[i]);
        }
        return add(Nr.SETGROUPS, F_SETGROUPS, new Object[] {gids.clone()}, 2, gids.length, list);
    }

    /** Raw setresgid: this thread (the child) only, unlike glibc's all-threads broadcast. */
    public Tape setresgid(int gid) {
        return add(Nr.SETRESGID, F_SETRESGID, NOTHING, 0, gid, gid, gid);
    }

    /** Raw setresuid: this thread (the child) only, unlike glibc's all-threads broadcast. */
    public Tape setresuid(int uid) {
        return add(Nr.SETRESUID, F_SETRESUID, NOTHING, 0, uid, uid, uid);
    }

    /** capset(v3 header for this thread, the three 64-bit sets as bit masks of capability numbers). */
    public Tape capset(long effective, long permitted, long inheritable) {
        int hdr = reserve(8, 8);
        putInt(data, hdr, LINUX_CAPABILITY_VERSION_3);                  // pid 0 = self
        int sets = reserve(24, 8);                                       // 2 x {eff, prm, inh} u32
        for (int half = 0; half < 2; half++) {
            int shift = 32 * half;
            putInt(data, sets + 12 * half, (int) (effective >>> shift));
            putInt(data, sets + 12 * half + 4, (int) (permitted >>> shift));
            putInt(data, sets + 12 * half + 8, (int) (inheritable >>> shift));
        }
        return add(Nr.CAPSET, F_CAPSET, new Object[] {effective, permitted, inheritable}, 1 | 2, hdr, sets);
    }

    public Tape prctl(int option, long arg2, long arg3, long arg4, long arg5) {
        return add(Nr.PRCTL, F_PRCTL, NOTHING, 0, option, arg2, arg3, arg4, arg5);
    }

    public Tape noNewPrivs() {
        return add(Nr.PRCTL, F_NO_NEW_PRIVS, NOTHING, 0, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    }

    /**
     * seccomp(SECCOMP_SET_MODE_FILTER, 0, &prog) with this classic-BPF program, one
     * {@code struct sock_filter} per long (see {@link #bpfStmt}, {@link #bpfJump}). Without
     * TSYNC: the filter is the child's own, then the exec'd program's.
     */
    public Tape seccomp(long[] program) {
        if (program.length == 0 || program.length > 4096) throw new IllegalArgumentException("BPF program length " + program.length);
        int filter = longs(program);
        int fprog = reserve(16, 8);                                      // struct sock_fprog {u16 len; filter*}
        putLong(data, fprog, program.length);
        pointer(fprog + 8, filter);
        return add(Nr.SECCOMP, F_SECCOMP, new Object[] {program.length}, 4, SECCOMP_SET_MODE_FILTER, 0, fprog);
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
        if (defaultAction < 0) defaultAction = reserve(32, 8);         // sigaction{SIG_DFL,0,0,0}, also the empty sigset
        for (int sig = 1; sig <= NSIG; sig++) {
            if (sig == SIGKILL || sig == SIGSTOP) continue;                  // EINVAL: they cannot be changed
            add(Nr.RT_SIGACTION, F_RT_SIGACTION, NOTHING, 2, sig, defaultAction, 0, SIGSET_SIZE);
        }
        return add(Nr.RT_SIGPROCMASK, F_RT_SIGPROCMASK, NOTHING, 2, SIG_SETMASK, defaultAction, 0, SIGSET_SIZE);
    }

    /**
     * close_range(first, ~0U, CLOSE_RANGE_CLOEXEC): inherited fds are closed at the execve, not
     * now, so the error pipe stays usable until then (the JVM opens some fds without CLOEXEC).
     */
    public Tape closeRange(int first) {
        return add(Nr.CLOSE_RANGE, F_CLOSE_RANGE, NOTHING, 0, first, 0xffffffffL, CLOSE_RANGE_CLOEXEC);
    }

    /** execve(path, argv, envp): the tape's last entry; nothing after it runs when it succeeds. */
    public Tape execve(String path, List<String> argv, List<String> envp) {
        return add(Nr.EXECVE, F_EXECVE, new Object[] {path, List.copyOf(argv), List.copyOf(envp)}, 1 | 2 | 4,
                string(path), strings(argv), strings(envp));
    }

    /**
     * Puts a {@code nanosleep} of {@code millis} before entry {@code index}: fault injection, a
     * window in which a test kills the launching process while the child is at that entry (the
     * child cannot signal it: it is in a PID namespace the launcher's is not reachable from).
     */
    public Tape insertPause(int index, long millis) {
        checkUnsealed();
        int ts = longs(millis / 1000, (millis % 1000) * 1_000_000);
        entries.add(index, new Entry(Nr.NANOSLEEP, new long[] {ts, 0}, 1, false, "fault injection: a pause", F_NANOSLEEP,
                new Object[] {millis}));
        return this;
    }

    private Tape add(long nr, int form, Object[] shown, int pointers, long... args) {
        checkUnsealed();
        entries.add(new Entry(nr, args, pointers, false, label, form, shown));
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

    /**
     * Writes header, entries, clone_args and the data into native memory, once, in one
     * allocation; later calls reuse them. The data's pointers become addresses here.
     */
    MemorySegment seal() {
        checkOpen();
        if (image != null) return image;
        int n = entries.size();
        int imageSize = HEADER_SIZE + ENTRY_SIZE * n;
        int cloneAt = imageSize;
        int pidfdAt = cloneAt + (int) CLONE_ARGS_SIZE;
        int dataAt = (pidfdAt + 8 + 63) & -64;
        arena = Arena.ofConfined();
        MemorySegment all = arena.allocate(dataAt + (long) used, 64);
        long base = all.address();
        long dataBase = base + dataAt;
        for (int i = 0; i < relocCount; i++) {
            putLong(data, relocs[i], getLong(data, relocs[i]) + dataBase);
        }
        long[] words = new long[dataAt / 8];
        words[(int) (H_CLONE_ARGS / 8)] = base + cloneAt;
        words[(int) (H_CLONE_ARGS_SIZE / 8)] = CLONE_ARGS_SIZE;
        words[(int) (H_COUNT / 8)] = n;
        for (int i = 0; i < n; i++) {
            Entry e = entries.get(i);
            int w = (HEADER_SIZE + ENTRY_SIZE * i) / 8;
            words[w] = e.nr;
            for (int a = 0; a < e.args.length; a++) {
                words[w + 1 + a] = (e.pointers >>> a & 1) != 0 ? e.args[a] + dataBase : e.args[a];
            }
            words[w + 7] = e.errorsAllowed ? FLAG_ERRORS_ALLOWED : 0;
        }
        int c = cloneAt / 8;
        words[c] = cloneFlags();
        words[c + 1] = base + pidfdAt;                                  // int *pidfd
        words[c + 4] = SIGCHLD;                                         // exit_signal: waitable like any child
        words[c + 10] = cgroupFd >= 0 ? cgroupFd : 0;                   // cgroup
        Struct.putLongs(all, 0, words);
        Struct.putBytes(all, dataAt, data, 0, used);
        image = all.asSlice(0, imageSize);
        cloneArgs = all.asSlice(cloneAt, CLONE_ARGS_SIZE);
        pidfd = all.asSlice(pidfdAt, 4);
        return image;
    }

    MemorySegment cloneArgs() {
        return cloneArgs;
    }

    int pidfd() {
        return Struct.getInt(pidfd, 0);
    }

    /** Frees the native memory. Not while a launch of this tape is running (same thread anyway). */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (arena != null) arena.close();
        }
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("the tape is closed");
    }

    private void checkUnsealed() {
        checkOpen();
        if (image != null) throw new IllegalStateException("the tape was already launched");
    }

    /** The call of an entry as strace prints it (more or less), from what it was made of. */
    private static String text(Entry e) {
        Object[] v = e.shown;
        long[] a = e.args;
        return switch (e.form) {
            case F_MOUNT -> "mount(" + quote((String) v[0]) + ", " + quote((String) v[1]) + ", " + quote((String) v[2]) + ", "
                    + flagsText(a[3], MS_NAMES) + ", " + quote((String) v[3]) + ")";
            case F_MOVE_MOUNT -> "move_mount(" + (int) a[0] + " = " + quote((String) v[0]) + ", \"\", AT_FDCWD, "
                    + quote((String) v[1]) + ", MOVE_MOUNT_F_EMPTY_PATH)";
            case F_UMOUNT2 -> "umount2(" + quote((String) v[0]) + ", "
                    + ((int) a[1] == MNT_DETACH ? "MNT_DETACH" : Integer.toString((int) a[1])) + ")";
            case F_MKDIR -> "mkdir(" + quote((String) v[0]) + ", 0" + Integer.toOctalString((int) a[1]) + ")";
            case F_RMDIR -> "rmdir(" + quote((String) v[0]) + ")";
            case F_SYMLINK -> "symlink(" + quote((String) v[0]) + ", " + quote((String) v[1]) + ")";
            case F_OPENAT -> {
                int flags = (int) a[2];
                String access = switch (flags & 3) {
                    case Linux.O_WRONLY -> "O_WRONLY";
                    case Linux.O_RDWR -> "O_RDWR";
                    default -> "O_RDONLY";
                };
                String more = (flags & ~3) == 0 ? "" : "|" + flagsText(flags & ~3, O_NAMES);
                yield "openat(AT_FDCWD, " + quote((String) v[0]) + ", " + access + more + ", 0"
                        + Integer.toOctalString((int) a[3]) + ")";
            }
            case F_ACCESS -> "faccessat(AT_FDCWD, " + quote((String) v[0]) + ", "
                    + ((int) a[2] == 1 ? "X_OK" : Integer.toString((int) a[2])) + ")";
            case F_SETNS -> "setns(" + (int) a[0] + ", " + flagsText(a[1], CLONE_NAMES) + ")";
            case F_UMASK -> "umask(0" + Integer.toOctalString((int) a[0]) + ")";
            case F_CHDIR -> "chdir(" + quote((String) v[0]) + ")";
            case F_PIVOT_ROOT -> "pivot_root(" + quote((String) v[0]) + ", " + quote((String) v[1]) + ")";
            case F_SETHOSTNAME -> "sethostname(" + quote((String) v[0]) + ", " + a[1] + ")";
            case F_SETRLIMIT -> "setrlimit(" + (int) a[0] + ", {" + rlim((Long) v[0]) + ", " + rlim((Long) v[1]) + "})";
            case F_WRITE -> "write(" + (int) a[0] + ", " + quote((String) v[0]) + ", " + a[2] + ")";
            case F_DUP2 -> "dup2(" + (int) a[0] + ", " + (int) a[1] + ")";
            case F_SETGROUPS -> {
                int[] gids = (int[]) v[0];
                var list = new StringBuilder();
                for (int i = 0; i < gids.length; i++) {
                    list.append(i == 0 ? "" : ", ").append(gids[i]);
                }
                yield "setgroups(" + gids.length + ", [" + list + "])";
            }
            case F_SETRESGID -> "setresgid(" + (int) a[0] + ", " + (int) a[1] + ", " + (int) a[2] + ")";
            case F_SETRESUID -> "setresuid(" + (int) a[0] + ", " + (int) a[1] + ", " + (int) a[2] + ")";
            case F_CAPSET -> "capset({_LINUX_CAPABILITY_VERSION_3, 0}, {effective=0x" + Long.toHexString((Long) v[0])
                    + ", permitted=0x" + Long.toHexString((Long) v[1]) + ", inheritable=0x" + Long.toHexString((Long) v[2]) + "})";
            case F_PRCTL -> "prctl(" + (int) a[0] + ", " + a[1] + ", " + a[2] + ", " + a[3] + ", " + a[4] + ")";
            case F_NO_NEW_PRIVS -> "prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)";
            case F_SECCOMP -> "seccomp(SECCOMP_SET_MODE_FILTER, 0, {len=" + v[0] + "})";
            case F_RT_SIGACTION -> "rt_sigaction(" + Linux.signalName((int) a[0]) + ", {SIG_DFL}, NULL, 8)";
            case F_RT_SIGPROCMASK -> "rt_sigprocmask(SIG_SETMASK, [], NULL, 8)";
            case F_CLOSE_RANGE -> "close_range(" + (int) a[0] + ", ~0U, CLOSE_RANGE_CLOEXEC)";
            case F_EXECVE -> "execve(" + quote((String) v[0]) + ", " + listText(castList(v[1])) + ", "
                    + listText(castList(v[2])) + ")";
            case F_NANOSLEEP -> {
                long millis = (Long) v[0];
                yield "nanosleep({" + millis / 1000 + ", " + (millis % 1000) * 1_000_000 + "}, NULL)";
            }
            default -> Nr.name(e.nr) + "(" + SysException.formatArgs(a) + ")";
        };
    }

    @SuppressWarnings("unchecked")
    private static List<String> castList(Object o) {
        return (List<String>) o;
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
