package io.bpm.executor.host;

import io.bpm.executor.plan.HostPath;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
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
 * looked at with {@code fstatat(AT_SYMLINK_NOFOLLOW)} relative to its parent's descriptor and
 * opened with {@code openat(O_NOFOLLOW)} ({@link SecureDirectoryStream}, plain NIO), and chmod and
 * chown go through the opened descriptor. A symlink is followed only if
 * <ul>
 *   <li>it is not below {@code $ROOT/data}, {@code $ROOT/store} or {@code $ROOT/sys} (where jobs
 *       own directories: no symlink there is ever followed), and</li>
 *   <li>the directory holding it is owned by root and writable by nobody else (so root put it
 *       there: e.g. a stemcell's {@code /var/vcap/sys -> /var/vcap/data/sys} or
 *       {@code $ROOT/jobs/JOB -> $ROOT/data/jobs/JOB/HASH}).</li>
 * </ul>
 *
 * <p>What plain Java cannot do: {@code mkdirat}. A missing component is created by path, then
 * opened relative to the parent's descriptor with O_NOFOLLOW; if a job swapped a directory above
 * it for a symlink in between, that open fails and the walk stops with an error. The worst such a
 * race achieves is an empty root-owned 0700 directory with a name from the plan somewhere else.
 * The FFM sys layer can close this with mkdirat. Opening a FIFO a job planted would block (the
 * type is checked first, a swap after the check is a job only stalling its own start).
 */
final class SafeDirs {

    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
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

    /** An open directory and how the walk got there; closing it closes the descriptor. */
    record Opened(SecureDirectoryStream<Path> dir, String path, boolean created) implements Closeable {
        PosixFileAttributeView view() {
            return dir.getFileAttributeView(PosixFileAttributeView.class);
        }

        @Override
        public void close() throws IOException {
            dir.close();
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
        SecureDirectoryStream<Path> cur = openRoot();
        StringBuilder at = new StringBuilder(path.length());
        boolean created = false;
        try {
            for (int i = 0; i < names.size(); i++) {
                String parent = at.length() == 0 ? "/" : at.toString();
                at.append('/').append(names.get(i));
                String here = at.toString();
                Path name = Path.of(names.get(i));
                PosixFileAttributes a = lstat(cur, name);
                created = false;
                SecureDirectoryStream<Path> next;
                if (a == null && create) {
                    next = makeDirectory(cur, name, here);
                    created = next != null;
                    if (next == null) { // someone else created it first: look again
                        a = lstat(cur, name);
                    }
                } else {
                    next = null;
                }
                if (next == null) {
                    next = descend(cur, name, a, parent, here);
                }
                SecureDirectoryStream<Path> done = cur;
                cur = next;
                done.close();
            }
            return new Opened(cur, path, created);
        } catch (IOException | RuntimeException e) {
            closeQuietly(cur, e);
            throw e;
        }
    }

    private SecureDirectoryStream<Path> descend(SecureDirectoryStream<Path> cur, Path name, PosixFileAttributes a,
                                               String parent, String here) throws IOException {
        if (a == null) {
            throw new NoSuchFileException(here);
        }
        if (a.isSymbolicLink()) {
            checkFollow(cur, parent, here);
            return cur.newDirectoryStream(name); // follows: root made this link
        }
        if (!a.isDirectory()) {
            throw new NotDirectoryException(here);
        }
        return cur.newDirectoryStream(name, NOFOLLOW);
    }

    /**
     * Creates a missing component as root:root 0700 (explicitly: a setgid parent would hand its
     * group down, and the umask could take bits away). Null if it appeared meanwhile.
     */
    private static SecureDirectoryStream<Path> makeDirectory(SecureDirectoryStream<Path> parent, Path name, String here)
            throws IOException {
        try {
            Files.createDirectory(Path.of(here), attribute(0700));
        } catch (FileAlreadyExistsException e) {
            return null;
        }
        SecureDirectoryStream<Path> dir;
        try {
            dir = parent.newDirectoryStream(name, NOFOLLOW);
        } catch (IOException e) {
            throw new IOException(here + " changed while bpm was creating it (was a directory above it replaced?): " + e, e);
        }
        try {
            PosixFileAttributeView view = dir.getFileAttributeView(PosixFileAttributeView.class);
            chown(view, 0, 0);
            view.setPermissions(permissions(0700));
            return dir;
        } catch (IOException | RuntimeException e) {
            closeQuietly(dir, e);
            throw e;
        }
    }

    /**
     * Refuses to follow the symlink at {@code here} (in the open directory {@code dir}, whose path
     * is {@code parent}) unless the policy in the class comment allows it.
     */
    void checkFollow(SecureDirectoryStream<Path> dir, String parent, String here) throws IOException {
        for (String s : strict) {
            if (here.startsWith(s) && here.length() > s.length() && here.charAt(s.length()) == '/') {
                throw new IOException("refusing to follow the symlink at " + here + ": it is inside " + s
                        + ", where a job could have planted it");
            }
        }
        PosixFileAttributes p = dir.getFileAttributeView(PosixFileAttributeView.class).readAttributes();
        Set<PosixFilePermission> perms = p.permissions();
        if (!p.owner().equals(user(0)) || perms.contains(PosixFilePermission.GROUP_WRITE)
                || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IOException("refusing to follow the symlink at " + here + ": its directory " + parent
                    + " is not owned by root or is writable by others, so someone other than root could have planted it");
        }
    }

    /** What is at a name in an open directory, not following a symlink; null if nothing. */
    static PosixFileAttributes lstat(SecureDirectoryStream<Path> dir, Path name) throws IOException {
        try {
            return dir.getFileAttributeView(name, PosixFileAttributeView.class, NOFOLLOW).readAttributes();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static SecureDirectoryStream<Path> openRoot() throws IOException {
        DirectoryStream<Path> root = Files.newDirectoryStream(Path.of("/"));
        if (root instanceof SecureDirectoryStream<Path> secure) {
            return secure;
        }
        root.close();
        throw new IOException("this platform has no openat-based directory streams; bpm cannot prepare host paths safely");
    }

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
