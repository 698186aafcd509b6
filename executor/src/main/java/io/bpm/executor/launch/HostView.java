package io.bpm.executor.launch;

import io.bpm.executor.host.MountTable;
import io.bpm.executor.plan.HostPath;
import io.bpm.executor.sys.Struct;
import io.bpm.executor.sys.Errno;
import io.bpm.executor.sys.Linux;
import io.bpm.executor.sys.Nr;
import io.bpm.executor.sys.Sys;
import io.bpm.executor.sys.SysException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;


/**
 * What {@link TapeBuilder} needs to know about the host, asked from Java before the launch: the
 * tape cannot branch, so every decision (does this mount point exist, is it a file or a
 * directory, may this rlimit be raised) is taken here, from the host's view of the paths. An
 * interface so that tape building can be tested without root and against an imagined host.
 */
public interface HostView {

    /** What a path is, for mount-point purposes: anything that is not a directory is a file. */
    enum Kind { MISSING, DIRECTORY, FILE, SYMLINK }

    /** The kind of a path without following a final symlink ({@code lstat}). */
    Kind lstat(String path) throws IOException;

    /** The kind of a path following symlinks ({@code stat}, what mount(2) sees); never SYMLINK. */
    Kind stat(String path) throws IOException;

    /** The path with every symlink resolved (the source of a bind mount, as the kernel resolves it). */
    String realPath(String path) throws IOException;

    /** {soft, hard} of an rlimit of this process (unsigned; -1 is RLIM_INFINITY). */
    long[] rlimit(int resource) throws IOException;

    /** fs.nr_open: the largest RLIMIT_NOFILE the kernel accepts, whatever the capabilities. */
    long nrOpen() throws IOException;

    /** This thread's permitted capabilities, as a bit mask. */
    long permittedCapabilities() throws IOException;

    /** This thread's bounding set, as a bit mask. */
    long boundingCapabilities() throws IOException;

    /** The highest capability number this kernel knows (/proc/sys/kernel/cap_last_cap). */
    int lastCapability() throws IOException;

    /** The mount point (in this mount namespace) of the file system that holds an existing path. */
    String mountPointOf(String path) throws IOException;

    /**
     * {@code path}, an existing directory or file strictly below {@code dir}, opened
     * {@code O_PATH}: {@code dir} is opened as the kernel resolves it (root's path), each
     * component below it without following a symlink ({@code openat2} RESOLVE_NO_SYMLINKS, or
     * {@code openat(O_PATH|O_NOFOLLOW)} one at a time on kernels without it), a symlink refused
     * (ELOOP) naming the path up to it. So a job that swaps a directory it owns for a symlink
     * after the checks cannot redirect the mount: {@link #cloneTree} clones what was resolved
     * here, and the child attaches the clone ({@link io.bpm.executor.sys.Tape#moveMount}). (Not
     * a mount of {@code /proc/self/fd/N}: the child's mount(2) refuses a source in the parent's
     * mount namespace with EINVAL.)
     *
     * @return the descriptor (O_CLOEXEC); the caller closes it with {@link #closeSource}
     * @throws io.bpm.executor.sys.SysException naming the call, the path and the errno
     */
    int openBelow(String dir, String path);

    /**
     * A detached bind mount of what {@code fd} (from {@link #openBelow}) names:
     * {@code open_tree(OPEN_TREE_CLONE)}, {@code AT_RECURSIVE} for an rbind. One per mount: the
     * child's move_mount attaches it, so a source bound twice is cloned twice from one descriptor.
     *
     * @param path names the source in an error
     * @return the {@code open_tree} descriptor (O_CLOEXEC); the caller closes it with {@link #closeSource}
     */
    int cloneTree(int fd, String path, boolean recursive);

    /** Closes a descriptor from {@link #openBelow} or {@link #cloneTree}. */
    void closeSource(int fd);

    /** The real host, read through NIO, /proc and one prlimit64 call. */
    static HostView real() {
        return Real.INSTANCE;
    }

    /** The host as this process sees it. */
    final class Real implements HostView {
        static final Real INSTANCE = new Real();

        private Real() {
        }

        @Override
        public Kind lstat(String path) throws IOException {
            return kind(path, AT_SYMLINK_NOFOLLOW);
        }

        @Override
        public Kind stat(String path) throws IOException {
            return kind(path, 0);
        }

        /**
         * newfstatat(2) through the sys layer: about ten times cheaper than NIO's attribute
         * views here, which also throw (and fill a stack trace) for every missing path.
         */
        private static Kind kind(String path, int flags) throws IOException {
            byte[] name = path.getBytes(StandardCharsets.UTF_8);
            if (name.length >= PATH_MAX) {
                try (Arena a = Arena.ofConfined()) {
                    return kind(path, flags, a.allocate(STAT_SIZE + name.length + 1L, 8), name);
                }
            }
            MemorySegment scratch = SCRATCH.get();
            if (scratch == null) {
                scratch = Arena.global().allocate(STAT_SIZE + PATH_MAX, 8);   // not ofAuto: no Cleaner to set up
                SCRATCH.set(scratch);
            }
            return kind(path, flags, scratch, name);
        }

        /** newfstatat with {@code buf}: a struct stat, then room for the path and its NUL. */
        private static Kind kind(String path, int flags, MemorySegment buf, byte[] name) throws IOException {
            Struct.putBytes(buf, STAT_SIZE, name, 0, name.length);
            Struct.putBytes(buf, STAT_SIZE + name.length, NUL, 0, 1);
            long r = Sys.raw(NR_NEWFSTATAT, Linux.AT_FDCWD, buf.address() + STAT_SIZE, buf.address(), flags);
            if (r == -Errno.ENOENT || r == -Errno.ENOTDIR) {
                return Kind.MISSING;
            }
            if (r < 0) {
                throw new IOException("cannot stat " + path + ": " + Errno.describe((int) -r));
            }
            int type = Struct.getInt(buf, ST_MODE) & S_IFMT;
            return type == S_IFLNK ? Kind.SYMLINK : type == S_IFDIR ? Kind.DIRECTORY : Kind.FILE;
        }

        /**
         * Per thread, a buffer kind() reuses: a tape build stats dozens of paths, and an Arena
         * per call (made, two allocations, closed) cost more than the syscall, interpreted. Never
         * freed: 4 KiB for each thread that ever builds a tape, in a JVM that lives for a command.
         */
        private static final ThreadLocal<MemorySegment> SCRATCH = new ThreadLocal<>();
        private static final byte[] NUL = new byte[1];
        private static final int PATH_MAX = 4096;

        private static final int NR_NEWFSTATAT = 262;
        private static final int AT_SYMLINK_NOFOLLOW = 0x100;
        private static final int STAT_SIZE = 144;
        private static final int ST_MODE = 24;
        private static final int S_IFMT = 0170000;
        private static final int S_IFDIR = 0040000;
        private static final int S_IFLNK = 0120000;

        @Override
        public String realPath(String path) throws IOException {
            return Path.of(path).toRealPath().toString();
        }

        @Override
        public long[] rlimit(int resource) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment old = a.allocate(16, 8);
                Sys.syscall(Nr.PRLIMIT64, 0, resource, 0, old.address());
                return new long[] {Struct.getLong(old, 0), Struct.getLong(old, 8)};
            }
        }

        @Override
        public long nrOpen() throws IOException {
            return Long.parseLong(sysctl("/proc/sys/fs/nr_open"));
        }

        /**
         * A /proc/sys value, read in one read(2). Not Files.readString: on JDK 25 it reads a
         * zero-sized file one byte first, and the kernel's integer sysctls answer a read at a
         * non-zero offset with end of file, so "1048576" comes back as "1".
         */
        static String sysctl(String path) throws IOException {
            try (InputStream in = Files.newInputStream(Path.of(path))) {
                return new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
            }
        }

        @Override
        public long permittedCapabilities() {
            // capget(2) for this thread: {version 3, pid 0} and two {effective, permitted, inheritable} u32 triples
            try (Arena a = Arena.ofConfined()) {
                MemorySegment hdr = a.allocate(8, 8);
                Struct.putInt(hdr, 0, Linux.LINUX_CAPABILITY_VERSION_3);
                MemorySegment data = a.allocate(24, 8);
                Sys.syscall(NR_CAPGET, hdr.address(), data.address());
                return Integer.toUnsignedLong(Struct.getInt(data, 4)) | Integer.toUnsignedLong(Struct.getInt(data, 16)) << 32;
            }
        }

        private static final int NR_CAPGET = 125;

        @Override
        public long boundingCapabilities() throws IOException {
            return statusMask("CapBnd:");
        }

        private static long statusMask(String field) throws IOException {
            // the thread's own credentials: capabilities are per thread (ffm-facts §1)
            String status = new String(Files.readAllBytes(Path.of("/proc/thread-self/status")), StandardCharsets.US_ASCII);
            int at = status.indexOf("\n" + field);
            if (at < 0) {
                throw new IOException("/proc/thread-self/status has no " + field + " line");
            }
            int start = at + 1 + field.length();
            int end = status.indexOf('\n', start);
            return Long.parseUnsignedLong(status.substring(start, end < 0 ? status.length() : end).trim(), 16);
        }

        private static volatile int lastCap = -1;

        @Override
        public int lastCapability() throws IOException {
            int last = lastCap;
            if (last < 0) {
                last = Integer.parseInt(sysctl("/proc/sys/kernel/cap_last_cap"));   // fixed for the kernel's lifetime
                lastCap = last;
            }
            return last;
        }

        @Override
        public int openBelow(String dir, String path) {
            List<String> all = HostPath.components(path);
            List<String> below = all.subList(HostPath.components(dir).size(), all.size());
            int fd = Sys.open(dir, Linux.O_PATH | Linux.O_DIRECTORY | Linux.O_CLOEXEC, 0);
            long beneath = openBeneath(fd, below);
            if (beneath >= 0) {
                Sys.raw(Nr.CLOSE, fd);
                return (int) beneath;
            }
            try (Arena a = Arena.ofConfined()) {
                return walk(a, fd, dir, below);   // the walk closes fd, also when it fails
            }
        }

        @Override
        public int cloneTree(int fd, String path, boolean recursive) {
            try (Arena a = Arena.ofConfined()) {
                long tree = Sys.raw(Nr.OPEN_TREE, fd, Struct.cString(a, "").address(),
                        OPEN_TREE_CLONE | Linux.O_CLOEXEC | AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0));
                if (tree < 0) {
                    throw new SysException("open_tree", "\"" + path + "\", OPEN_TREE_CLONE" + (recursive ? "|AT_RECURSIVE" : ""),
                            (int) -tree);
                }
                return (int) tree;
            }
        }

        /**
         * {@code below} (one name or more) opened O_PATH relative to {@code dir} in one call, no
         * symlink followed on the way or at its end ({@code openat2}, RESOLVE_NO_SYMLINKS): three
         * calls fewer per component than {@link #walk}. The descriptor, or -1 when this kernel has
         * no openat2 (Linux 5.6) or the call failed: the walk then finds out where, and says so.
         */
        private static long openBeneath(int dir, List<String> below) {
            long r = Sys.openat2(dir, String.join("/", below), Linux.O_PATH | Linux.O_CLOEXEC, Linux.RESOLVE_NO_SYMLINKS);
            return r < 0 ? -1 : r;
        }

        /**
         * Each of {@code below} opened in turn from {@code fd} with {@code openat(O_PATH|O_NOFOLLOW)}
         * and looked at, a symlink refused (ELOOP) naming the path up to it. Closes {@code fd} and
         * every descriptor on the way but the last, which it returns.
         */
        private static int walk(Arena a, int fd, String dir, List<String> below) {
            try {
                MemorySegment st = a.allocate(STAT_SIZE, 8);
                MemorySegment empty = Struct.cString(a, "");
                String at = dir;
                for (String name : below) {
                    at = at + "/" + name;
                    long next = Sys.raw(Nr.OPENAT, fd, Struct.cString(a, name).address(),
                            Linux.O_PATH | Linux.O_NOFOLLOW | Linux.O_CLOEXEC, 0);
                    if (next < 0) {
                        throw new SysException("openat", "\"" + at + "\", O_PATH|O_NOFOLLOW", (int) -next);
                    }
                    Sys.raw(Nr.CLOSE, fd);
                    fd = (int) next;
                    long r = Sys.raw(NR_NEWFSTATAT, fd, empty.address(), st.address(), AT_EMPTY_PATH);
                    if (r < 0) {
                        throw new SysException("newfstatat", "\"" + at + "\", AT_EMPTY_PATH", (int) -r);
                    }
                    if ((Struct.getInt(st, ST_MODE) & S_IFMT) == S_IFLNK) {
                        throw new SysException("openat", "\"" + at + "\" is a symlink, O_PATH|O_NOFOLLOW", Errno.ELOOP);
                    }
                }
                int last = fd;
                fd = -1;
                return last;
            } finally {
                if (fd >= 0) Sys.raw(Nr.CLOSE, fd);
            }
        }

        private static final int AT_EMPTY_PATH = 0x1000;
        private static final int AT_RECURSIVE = 0x8000;
        private static final int OPEN_TREE_CLONE = 1;

        @Override
        public void closeSource(int fd) {
            Sys.raw(Nr.CLOSE, fd);
        }

        @Override
        public String mountPointOf(String path) throws IOException {
            // a path not made yet (the dry run's rootfs) is on the mount of its nearest existing ancestor
            String existing = path;
            while (!existing.equals("/") && lstat(existing) == Kind.MISSING) {
                int slash = existing.lastIndexOf('/');
                existing = slash <= 0 ? "/" : existing.substring(0, slash);
            }
            String real = realPath(existing);
            // the shallowest ancestor on the same mount as the path, by statx(2)'s STATX_MNT_ID
            // (Linux 5.8), from the root down: two calls where the path is on the root's mount,
            // instead of one per level up to it (or reading and parsing /proc/self/mountinfo,
            // 1.8 ms of an interpreted start, async-profiler, 40 starts)
            long id = mountId(real);
            if (id < 0) return fromMountTable(real);
            if (real.equals("/")) return real;
            int end = 0;
            while (end >= 0) {
                String at = end == 0 ? "/" : real.substring(0, end);
                long here = mountId(at);
                if (here < 0) return fromMountTable(real);
                if (here == id) return at;
                end = real.indexOf('/', end + 1);
            }
            return real;
        }

        /**
         * The id of the mount an existing path (no symlink in it) is on, or -1 when this kernel's
         * statx does not say (older than 5.8) or the path cannot be looked at.
         */
        static long mountId(String path) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment stx = a.allocate(STATX_SIZE, 8);
                long r = Sys.raw(NR_STATX, Linux.AT_FDCWD, Struct.cString(a, path).address(), AT_SYMLINK_NOFOLLOW, STATX_MNT_ID,
                        stx.address());
                if (r < 0 || (Struct.getInt(stx, STX_MASK) & STATX_MNT_ID) == 0) return -1;
                return Struct.getLong(stx, STX_MNT_ID);
            }
        }

        private static final int NR_STATX = 332;
        private static final int STATX_SIZE = 256;
        private static final int STX_MASK = 0;
        private static final int STX_MNT_ID = 144;
        private static final int STATX_MNT_ID = 0x1000;

        /** The mount point of a real path by /proc/self/mountinfo: the deepest mount point above or at it. */
        static String fromMountTable(String real) throws IOException {
            String best = "/";
            int bestDepth = -1;
            List<MountTable.Entry> table = MountTable.self();
            for (MountTable.Entry e : table) {
                String mp = e.mountPoint();
                if (HostPath.isUnderOrEqual(real, mp)) {
                    int depth = HostPath.components(mp).size();
                    if (depth >= bestDepth) {
                        best = mp;
                        bestDepth = depth;
                    }
                }
            }
            return best;
        }
    }
}
