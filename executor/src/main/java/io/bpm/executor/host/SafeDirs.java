package io.bpm.executor.host;

import io.bpm.executor.plan.HostPath;
import io.bpm.executor.sys.Errno;
import io.bpm.executor.sys.Linux;
import io.bpm.executor.sys.Nr;
import io.bpm.executor.sys.Struct;
import io.bpm.executor.sys.Sys;
import java.io.Closeable;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Walks host paths one component at a time through open directory descriptors, so that nothing
 * a job controls can redirect what root does to its directories.
 *
 * <p>Why: host preparation runs as root and creates, chmods and chowns paths inside directories
 * the job's user owns ({@code $ROOT/data/JOB}, {@code $ROOT/sys/log/JOB}, volumes). Today's bpm
 * follows symlinks there, so a job that replaces {@code $ROOT/data/JOB/tmp} with a symlink to
 * {@code /etc} gets {@code /etc} chowned to vcap at the next start. Here every component is
 * looked at with {@code newfstatat(AT_SYMLINK_NOFOLLOW)} relative to its parent's descriptor and
 * opened with {@code openat(O_NOFOLLOW)}, a missing one made with {@code mkdirat} in its parent,
 * and chmod and chown go through the opened descriptor (fchmod, fchown, with the plan's numeric
 * ids: no user database is asked). A symlink is followed only if
 * <ul>
 *   <li>it is not below {@code $ROOT/data}, {@code $ROOT/store} or {@code $ROOT/sys} (where jobs
 *       own directories: no symlink there is ever followed), and</li>
 *   <li>the directory holding it is owned by root and writable by nobody else (so root put it
 *       there: e.g. a stemcell's {@code /var/vcap/sys -> /var/vcap/data/sys} or
 *       {@code $ROOT/jobs/JOB -> $ROOT/data/jobs/JOB/HASH}).</li>
 * </ul>
 *
 * <p>Raw system calls through the sys layer, not NIO's {@code SecureDirectoryStream}, which this
 * was first: NIO has no mkdirat (a missing component was made by path, so a directory above it
 * swapped for a symlink in between could misplace an empty root-owned directory) and no fchown
 * by number (each owner was a principal looked up by name through NSS, which loaded libnss and
 * libcap into every start), and it made eight system calls and a dozen objects per component:
 * 4.4 ms of an interpreted start (async-profiler, 40 starts). Errors are NIO's exception types
 * with NIO's words, so messages read as before. A FIFO a job planted cannot stall a start: the
 * type is checked first, and a log is opened O_NONBLOCK.
 */
final class SafeDirs {

    private static final PosixFilePermission[] BITS = {
        PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
        PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
    };

    /** Directories below which no symlink is followed: jobs own directories there. */
    private final String[] strict;

    /** @param root the bound BOSH root (absolute) */
    SafeDirs(String root) {
        String r = HostPath.clean(root);
        String prefix = r.equals("/") ? "" : r;
        this.strict = new String[] {prefix.concat("/data"), prefix.concat("/store"), prefix.concat("/sys")};
    }

    /** What a name is, as newfstatat(2) saw it: its st_mode and owner. */
    record Stat(int mode, int uid) {
        boolean isSymbolicLink() {
            return (mode & S_IFMT) == S_IFLNK;
        }

        boolean isDirectory() {
            return (mode & S_IFMT) == S_IFDIR;
        }

        boolean isRegularFile() {
            return (mode & S_IFMT) == S_IFREG;
        }
    }

    /**
     * An open directory (O_RDONLY|O_DIRECTORY|O_CLOEXEC) and how the walk got there; closing it
     * closes the descriptor.
     */
    record Opened(int fd, String path, boolean created) implements Closeable {
        /** fchmod: the permission bits (0 to 07777). */
        void chmod(int mode) throws IOException {
            check(Sys.raw(Nr.FCHMOD, fd, mode), path);
        }

        /** fchown to numeric ids. */
        void chown(int uid, int gid) throws IOException {
            check(Sys.raw(Nr.FCHOWN, fd, uid, gid), path);
        }

        /** What {@code name} in this directory is, not following a symlink; null if nothing. */
        Stat lstat(String name) throws IOException {
            return SafeDirs.lstat(fd, name, join(path, name));
        }

        /** What {@code name} in this directory is, following a symlink; a dangling one is a NoSuchFileException. */
        Stat stat(String name) throws IOException {
            Stat st = SafeDirs.stat(fd, name, join(path, name), 0);
            if (st == null) throw new NoSuchFileException(join(path, name));
            return st;
        }

        /** fchownat of {@code name} in this directory, following a final symlink or not. */
        void chownAt(String name, int uid, int gid, boolean follow) throws IOException {
            try (Arena a = Arena.ofConfined()) {
                check(Sys.raw(NR_FCHOWNAT, fd, Struct.cString(a, name).address(), uid, gid, follow ? 0 : AT_SYMLINK_NOFOLLOW),
                        join(path, name));
            }
        }

        /**
         * {@code name} in this directory opened with {@code flags} (O_NOFOLLOW and O_CLOEXEC are
         * added) and {@code mode} if it is created: the descriptor; an error as NIO words it.
         */
        int openAt(String name, int flags, int mode) throws IOException {
            try (Arena a = Arena.ofConfined()) {
                long r = Sys.raw(Nr.OPENAT, fd, Struct.cString(a, name).address(), flags | Linux.O_NOFOLLOW | Linux.O_CLOEXEC, mode);
                check(r, join(path, name));
                return (int) r;
            }
        }

        @Override
        public void close() {
            Sys.raw(Nr.CLOSE, fd);
        }
    }

    /**
     * Opens the directory at an absolute path, walking from {@code /}.
     *
     * @param create create missing components (root:root, 0700); else a missing one is a
     *               {@link NoSuchFileException} naming the path up to it
     * @throws NotDirectoryException if a component is neither a directory nor a symlink to one
     * @throws IOException           naming the symlink, if one is met that may not be followed
     */
    Opened open(String path, boolean create) throws IOException {
        List<String> names = HostPath.components(path);
        // The whole path in one call where no symlink and nothing missing is on the way (the
        // usual case): an absolute openat2 resolves from "/" as the walk does, so "/" need not
        // be opened (and closed) first: two calls fewer for each of a start's half-dozen opens.
        if (!names.isEmpty()) {
            int whole = openBeneath(Linux.AT_FDCWD, names, 0);
            if (whole >= 0) return new Opened(whole, path, false);
        }
        int cur = openDirectory(Linux.AT_FDCWD, "/", "/", true);
        StringBuilder at = new StringBuilder(path.length());
        boolean created = false;
        boolean beneath = false;   // whether to try the rest of the path in one call (tried above)
        try {
            for (int i = 0; i < names.size(); i++) {
                if (beneath) {
                    beneath = false;
                    int rest = openBeneath(cur, names, i);
                    if (rest >= 0) {
                        Sys.raw(Nr.CLOSE, cur);
                        cur = rest;
                        break;
                    }
                }
                String parent = at.length() == 0 ? "/" : at.toString();
                String name = names.get(i);
                at.append('/').append(name);
                String here = at.toString();
                Stat a = lstat(cur, name, here);
                created = false;
                int next = -1;
                if (a == null && create) {
                    next = makeDirectory(cur, name, here);
                    created = next >= 0;
                    if (next < 0) { // someone else created it first: look again
                        a = lstat(cur, name, here);
                    }
                }
                if (next < 0) {
                    next = descend(cur, name, a, parent, here);
                    beneath = a.isSymbolicLink();   // past a symlink root made: the rest may have none
                }
                int done = cur;
                cur = next;
                Sys.raw(Nr.CLOSE, done);
            }
            Opened opened = new Opened(cur, path, created);
            cur = -1;
            return opened;
        } finally {
            if (cur >= 0) Sys.raw(Nr.CLOSE, cur);
        }
    }

    /**
     * {@code names} from {@code from} on, opened below {@code dir} (below {@code /} for
     * {@code AT_FDCWD}: the path is then absolute) in one
     * {@code openat2(O_RDONLY|O_DIRECTORY, RESOLVE_NO_SYMLINKS)} (Linux 5.6): where no symlink
     * and nothing missing is on the way, which is what the walk would find, one call instead of
     * three per component. The descriptor, or -1 (no openat2, a symlink, something missing or
     * not a directory: the walk then looks at each component, and says what is wrong where).
     */
    private static int openBeneath(int dir, List<String> names, int from) {
        String rest = String.join("/", names.subList(from, names.size()));
        long r = Sys.openat2(dir, dir == Linux.AT_FDCWD ? "/".concat(rest) : rest,
                Linux.O_RDONLY | Linux.O_DIRECTORY | Linux.O_CLOEXEC, Linux.RESOLVE_NO_SYMLINKS);
        return r < 0 ? -1 : (int) r;
    }

    private int descend(int cur, String name, Stat a, String parent, String here) throws IOException {
        if (a == null) {
            throw new NoSuchFileException(here);
        }
        if (a.isSymbolicLink()) {
            checkFollow(cur, parent, here);
            return openDirectory(cur, name, here, true); // follows: root made this link
        }
        if (!a.isDirectory()) {
            throw new NotDirectoryException(here);
        }
        return openDirectory(cur, name, here, false);
    }

    /**
     * Creates a missing component as root:root 0700 (explicitly: a setgid parent would hand its
     * group down, and the umask could take bits away), in its parent's descriptor. -1 if it
     * appeared meanwhile.
     */
    private static int makeDirectory(int parent, String name, String here) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            long r = Sys.raw(Nr.MKDIRAT, parent, Struct.cString(a, name).address(), 0700);
            if (r == -Errno.EEXIST) {
                return -1;
            }
            check(r, here);
        }
        int dir;
        try {
            dir = openDirectory(parent, name, here, false);
        } catch (IOException e) {
            throw new IOException(here + " changed while bpm was creating it (was a directory above it replaced?): " + e, e);
        }
        try {
            check(Sys.raw(Nr.FCHOWN, dir, 0, 0), here);
            check(Sys.raw(Nr.FCHMOD, dir, 0700), here);
            return dir;
        } catch (IOException | RuntimeException e) {
            Sys.raw(Nr.CLOSE, dir);
            throw e;
        }
    }

    /** openat(O_RDONLY|O_DIRECTORY|O_CLOEXEC), O_NOFOLLOW unless {@code follow}. */
    private static int openDirectory(int dir, String name, String here, boolean follow) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            long r = Sys.raw(Nr.OPENAT, dir, Struct.cString(a, name).address(),
                    Linux.O_RDONLY | Linux.O_DIRECTORY | Linux.O_CLOEXEC | (follow ? 0 : Linux.O_NOFOLLOW), 0);
            if (r == -Errno.ENOTDIR) throw new NotDirectoryException(here);
            check(r, here);
            return (int) r;
        }
    }

    /**
     * Refuses to follow the symlink at {@code here} (in the open directory {@code dir}, whose path
     * is {@code parent}) unless the policy in the class comment allows it.
     */
    void checkFollow(int dir, String parent, String here) throws IOException {
        for (String s : strict) {
            if (here.startsWith(s) && here.length() > s.length() && here.charAt(s.length()) == '/') {
                throw new IOException("refusing to follow the symlink at " + here + ": it is inside " + s
                        + ", where a job could have planted it");
            }
        }
        Stat p = fstat(dir, parent);
        if (p.uid() != 0 || (p.mode() & 022) != 0) {
            throw new IOException("refusing to follow the symlink at " + here + ": its directory " + parent
                    + " is not owned by root or is writable by others, so someone other than root could have planted it");
        }
    }

    /** What an open descriptor is (newfstatat with AT_EMPTY_PATH); {@code path} names it in an error. */
    static Stat fstat(int fd, String path) throws IOException {
        Stat st = stat(fd, "", path, AT_EMPTY_PATH);
        if (st == null) throw new NoSuchFileException(path);   // an open descriptor: not expected
        return st;
    }

    /** What is at a name in an open directory, not following a symlink; null if nothing. */
    static Stat lstat(int dir, String name, String path) throws IOException {
        return stat(dir, name, path, AT_SYMLINK_NOFOLLOW);
    }

    /** newfstatat(dir, name, flags): null if nothing is there (ENOENT), else what it is or the error as NIO words it. */
    private static Stat stat(int dir, String name, String path, int flags) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(STAT_SIZE, 8);
            long r = Sys.raw(NR_NEWFSTATAT, dir, Struct.cString(a, name).address(), st.address(), flags);
            if (r == -Errno.ENOENT) return null;
            check(r, path);
            return new Stat(Struct.getInt(st, ST_MODE), Struct.getInt(st, ST_UID));
        }
    }

    /** A system call's result, or its errno as the exception NIO throws for it (UnixException's mapping). */
    static void check(long r, String path) throws IOException {
        if (r >= 0) return;
        int errno = (int) -r;
        throw switch (errno) {
            case Errno.EACCES -> new AccessDeniedException(path);
            case Errno.ENOENT -> new NoSuchFileException(path);
            case Errno.EEXIST -> new FileAlreadyExistsException(path);
            case Errno.ELOOP -> new FileSystemException(path, null, Errno.message(errno) + " or unable to access attributes of symbolic link");
            default -> new FileSystemException(path, null, Errno.message(errno));
        };
    }

    private static String join(String dir, String name) {
        return dir.equals("/") ? "/".concat(name) : dir.concat("/").concat(name);
    }

    private static final int NR_NEWFSTATAT = 262;
    private static final int NR_FCHOWNAT = 260;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int STAT_SIZE = 144;
    private static final int ST_MODE = 24;
    private static final int ST_UID = 28;
    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFLNK = 0120000;

    // ---- modes and owners -----------------------------------------------------------------------

    /** A mode (0 to 0777) as permissions; Set.of rather than EnumSet, which is slow on first use. */
    static Set<PosixFilePermission> permissions(int mode) {
        PosixFilePermission[] on = new PosixFilePermission[Integer.bitCount(mode & 0777)];
        int n = 0;
        for (int bit = 0; bit < 9; bit++) {
            if ((mode & (1 << bit)) != 0) {
                on[n++] = BITS[bit];
            }
        }
        return Set.of(on);
    }

    static FileAttribute<Set<PosixFilePermission>> attribute(int mode) {
        return PosixFilePermissions.asFileAttribute(permissions(mode));
    }

    /** The mode bits (0 to 0777) of permissions. */
    static int mode(Set<PosixFilePermission> perms) {
        int mode = 0;
        for (int bit = 0; bit < 9; bit++) {
            if (perms.contains(BITS[bit])) {
                mode |= 1 << bit;
            }
        }
        return mode;
    }

    /** fchown through a view (two calls: NIO sets owner and group separately). */
    static void chown(PosixFileAttributeView view, int uid, int gid) throws IOException {
        view.setOwner(user(uid));
        view.setGroup(group(gid));
    }

    private static UserPrincipalLookupService lookup() {
        return FileSystems.getDefault().getUserPrincipalLookupService();
    }

    /**
     * Principals already looked up, by id: each look-up is a getpwnam or getgrnam through the
     * host's NSS (a read of /etc/passwd, or a directory service), and a start chowns a handful of
     * directories and files to the same user (2.6 ms of CPU per start, async-profiler, interpreted).
     */
    private static final Map<Integer, UserPrincipal> USERS = new HashMap<>();
    private static final Map<Integer, GroupPrincipal> GROUPS = new HashMap<>();

    /**
     * The principal of a numeric uid. NIO looks names up with getpwnam first and falls back to
     * parsing a number, so a user literally named "1000" would win over uid 1000; the JDK's
     * principals hash to their id, which catches that case (and is pinned by a test).
     */
    static UserPrincipal user(int uid) throws IOException {
        synchronized (USERS) {
            UserPrincipal known = USERS.get(uid);
            if (known != null) return known;
        }
        UserPrincipal p = lookup().lookupPrincipalByName(Integer.toString(uid));
        if (p.hashCode() != uid) {
            throw new IOException("uid " + uid + " resolves to another user (a user is named \"" + uid + "\")");
        }
        synchronized (USERS) {
            USERS.put(uid, p);
        }
        return p;
    }

    static GroupPrincipal group(int gid) throws IOException {
        synchronized (GROUPS) {
            GroupPrincipal known = GROUPS.get(gid);
            if (known != null) return known;
        }
        GroupPrincipal p = lookup().lookupPrincipalByGroupName(Integer.toString(gid));
        if (p.hashCode() != gid) {
            throw new IOException("gid " + gid + " resolves to another group (a group is named \"" + gid + "\")");
        }
        synchronized (GROUPS) {
            GROUPS.put(gid, p);
        }
        return p;
    }

    /** The numeric id of a principal read from a file (the JDK's Unix principals hash to it). */
    static int id(UserPrincipal p) {
        return p.hashCode();
    }

    private static void closeQuietly(Closeable c, Throwable pending) {
        try {
            c.close();
        } catch (IOException e) {
            pending.addSuppressed(e);
        }
    }

    // ---- path strings -----------------------------------------------------------------------------

    /** The parent of a clean absolute path other than "/". */
    static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }

    /** The last component of a clean absolute path other than "/". */
    static String nameOf(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
