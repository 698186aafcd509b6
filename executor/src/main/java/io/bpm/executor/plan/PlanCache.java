package io.bpm.executor.plan;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Compiled plans of one process, kept so that {@code bpm start} can skip YAML, schema and
 * lowering when {@code bpm.yml} and the compiler are unchanged ("compiled once, run many").
 * One directory per process (e.g. {@code $ROOT/data/bpm/plans/<container-id>}), one file per
 * (source hash, compiler version): {@code <sha256>-<version>.plan}, the version reduced to
 * {@code [A-Za-z0-9._-]}.
 *
 * <p>The cache is an optimisation and never a source of truth: anything odd about an entry
 * (missing, a symlink, not a regular file, writable by others, too big, not UTF-8, a header
 * that names another source or compiler) is a miss, and the caller compiles again. A cached
 * plan is still verified like any other before it is applied.
 *
 * <p>Safety: bpm runs as root, so nothing here follows a symbolic link. The cache directory
 * itself must be a real directory (a symlink there is refused), entries are opened with
 * {@link LinkOption#NOFOLLOW_LINKS} ({@code O_NOFOLLOW}), written to a fresh temporary file in
 * the same directory (created exclusively, mode 0600), forced to disk and renamed over the
 * entry, then the directory is forced so the rename survives a crash. Symlinks in the
 * directory's parents are not checked: they are bpm's own root-owned directories.
 *
 * <p>JDK only, no YAML or JSON: this is on the fast path of {@code bpm start}.
 */
public final class PlanCache {
    /** Larger than any real plan by far; a bigger entry is a miss, not a memory problem. */
    static final int MAX_PLAN_BYTES = 4 << 20;
    /** A temporary file older than this (ms) is left over from a crash and may be removed by prune. */
    static final long STALE_TEMP_MILLIS = 10 * 60 * 1000;

    private static final String SUFFIX = ".plan";
    private static final String TEMP_PREFIX = ".tmp-";
    private static final String VERDICT_SUFFIX = ".verdict";
    // Set.of, not EnumSet or PosixFilePermissions.fromString: EnumSet's first use reflects on the
    // enum, which costs about 10 ms of method-handle spinning in a fresh JVM (the fast path).
    private static final Set<PosixFilePermission> DIR_MODE = Set.of(
            PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);
    private static final Set<PosixFilePermission> FILE_MODE = Set.of(
            PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

    private final Path dir;

    /** The cache key of a bpm.yml: the lowercase hex SHA-256 of its exact bytes (also in the plan header). */
    public static String sha256(byte[] bytes) {
        return java.util.HexFormat.of().formatHex(Sha256.digest(bytes));
    }

    /** A cache in this directory (created on the first {@link #store}). */
    public PlanCache(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    public Path directory() {
        return dir;
    }

    /**
     * The file name of an entry: {@code <sha256>-<version>.plan}, every character of the
     * version outside {@code [A-Za-z0-9._-]} replaced by {@code _}.
     *
     * @throws IllegalArgumentException when the hash is not 64 lowercase hex digits or the
     *                                  version is empty
     */
    public static String fileName(String sourceSha256, String compilerVersion) {
        if (!Verifier.isLowerHex(sourceSha256, 64)) {
            throw new IllegalArgumentException("not a lowercase hex SHA-256: " + sourceSha256);
        }
        if (compilerVersion.isEmpty()) throw new IllegalArgumentException("empty compiler version");
        StringBuilder b = new StringBuilder(sourceSha256.length() + compilerVersion.length() + 6);
        b.append(sourceSha256).append('-');
        for (int i = 0; i < compilerVersion.length(); i++) {
            char c = compilerVersion.charAt(i);
            b.append(isNameChar(c) ? c : '_');
        }
        return b.append(SUFFIX).toString();
    }

    private static boolean isNameChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-';
    }

    /** Whether a file name is an entry's: {@code <sha256>-<sanitised version>.plan}. */
    static boolean isEntryName(String name) {
        int versionEnd = name.length() - SUFFIX.length();
        if (versionEnd <= 65 || !name.endsWith(SUFFIX) || name.charAt(64) != '-' || !Verifier.isLowerHex(name.substring(0, 64), 64)) {
            return false;
        }
        for (int i = 65; i < versionEnd; i++) {
            if (!isNameChar(name.charAt(i))) return false;
        }
        return true;
    }

    /**
     * The cached plan text for this source and compiler, or empty on a miss. Never throws for
     * a bad entry or directory: those are misses. The text still has to be read and verified
     * ({@link #find} does both).
     *
     * @throws IllegalArgumentException when the hash is not 64 lowercase hex digits or the
     *                                  version is empty (a caller's bug, not a bad entry)
     */
    public Optional<String> lookup(String sourceSha256, String compilerVersion) {
        Entry e = entry(sourceSha256, compilerVersion);
        return e == null ? Optional.empty() : Optional.of(e.text());
    }

    /**
     * The verified cached plan of {@code job}/{@code process} for this source and compiler, or
     * empty on a miss (no entry, a bad one, one of another job or process, one that fails the
     * verifier). The verifier runs once per entry: its verdict is stored beside the entry,
     * bound to the SHA-256 of the entry's bytes and to the file (inode, size, ctime, which no
     * one can set back: any write or replacement changes them); while it holds, the plan is
     * not verified again. An entry edited since is hashed: unchanged bytes keep their verdict,
     * changed ones are verified afresh (and a failing one is a miss).
     */
    public Optional<VerifiedPlan> find(String sourceSha256, String compilerVersion, String job, String process) {
        Entry e = entry(sourceSha256, compilerVersion);
        if (e == null) return Optional.empty();
        try {
            PlanText.Parsed parsed = PlanText.parse(e.text());
            Header h = parsed.plan().header();
            if (!h.job().equals(job) || !h.process().equals(process)) return Optional.empty();
            Path verdict = dir.resolve(verdictName(sourceSha256, compilerVersion));
            Verdict held = Verdict.read(verdict);
            if (held != null && held.file().equals(e.file())) return Optional.of(new VerifiedPlan(parsed, e.text()));
            String sha = sha256(e.text().getBytes(StandardCharsets.UTF_8));
            if (held == null || !held.planSha256().equals(sha)) Verifier.require(parsed);
            writeAtomically(verdict, new Verdict(sha, e.file()).text().getBytes(StandardCharsets.UTF_8));
            return Optional.of(new VerifiedPlan(parsed, e.text()));
        } catch (PlanFormatException | IOException | RuntimeException bad) {
            return Optional.empty(); // a damaged or foreign entry is a miss: compiled afresh and overwritten
        }
    }

    /** An entry read with the file it was read from (the same inode, size and ctime before and after the read). */
    private record Entry(String text, FileIdentity file) {
    }

    private Entry entry(String sourceSha256, String compilerVersion) {
        Path file = dir.resolve(fileName(sourceSha256, compilerVersion));
        try {
            if (!trustedDirectory()) return null;
            Stat st = stat(file);
            if (st == null || !st.isRegularFile() || st.size() > MAX_PLAN_BYTES || st.othersMayWrite()) return null;
            String text = read(file);
            if (text == null || !headerMatches(text, sourceSha256, compilerVersion)) return null;
            Stat after = stat(file);
            if (after == null || !after.identity().equals(st.identity())) return null; // replaced while read
            return new Entry(text, st.identity());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Stores a plan atomically: readers see the old entry or the new one, never a part.
     *
     * @throws IOException when the directory is a symlink or not a directory, or on any I/O error
     */
    public void store(String sourceSha256, String compilerVersion, String planText) throws IOException {
        Path target = dir.resolve(fileName(sourceSha256, compilerVersion));
        ensureDirectory();
        writeAtomically(target, planText.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Stores a verified plan with its verdict, so that the starts that find it need not verify it
     * again. The verdict is written after the entry: a crash between leaves an entry without one
     * (verified on its next use).
     */
    public void store(String sourceSha256, String compilerVersion, VerifiedPlan plan) throws IOException {
        store(sourceSha256, compilerVersion, plan.text());
        Path target = dir.resolve(fileName(sourceSha256, compilerVersion));
        Stat st = stat(target);
        if (st == null) return;
        writeAtomically(dir.resolve(verdictName(sourceSha256, compilerVersion)),
                new Verdict(sha256(plan.text().getBytes(StandardCharsets.UTF_8)), st.identity()).text().getBytes(StandardCharsets.UTF_8));
    }

    private void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path temp = createTemp();
        boolean moved = false;
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) ch.write(buf);
                ch.force(true);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot rename atomically in " + dir, e);
            }
            moved = true;
            syncDirectory();
        } finally {
            if (!moved) Files.deleteIfExists(temp);
        }
    }

    /** The verdict file of an entry: its name with {@code .verdict} for {@code .plan}. */
    static String verdictName(String sourceSha256, String compilerVersion) {
        String plan = fileName(sourceSha256, compilerVersion);
        return plan.substring(0, plan.length() - SUFFIX.length()).concat(VERDICT_SUFFIX);
    }

    /** Which file a verdict was given for: inode, size and ctime (ns), all of which any change to the file changes. */
    record FileIdentity(long inode, long size, long ctimeNanos) {
        /**
         * Written out: a record's own equals bootstraps through java.lang.runtime.ObjectMethods
         * (invokedynamic), which spun method handles for 30 ms of every cached start.
         */
        @Override
        public boolean equals(Object o) {
            return o instanceof FileIdentity f && f.inode == inode && f.size == size && f.ctimeNanos == ctimeNanos;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(inode) * 31 + Long.hashCode(ctimeNanos);
        }
    }

    /**
     * The verifier's verdict on an entry: it passed {@link Verifier#require} (rules version
     * {@link #RULES}) with these bytes, in this file. Written only after a pass.
     */
    record Verdict(String planSha256, FileIdentity file) {
        /** Bumped with every change to the verifier's rules: older verdicts then no longer hold. */
        static final String RULES = "bpm-verdict 1 verifier 1";

        String text() {
            return RULES + "\nplan-sha256 " + planSha256 + "\nfile " + file.inode() + " " + file.size() + " " + file.ctimeNanos() + "\n";
        }

        /** The verdict in this file, or null (missing, a symlink, not bpm's, another rules version). */
        static Verdict read(Path path) throws IOException {
            Stat st = stat(path);
            if (st == null || !st.isRegularFile() || st.size() > 512 || st.othersMayWrite()) return null;
            String text = PlanCache.read(path);
            if (text == null) return null;
            String[] lines = text.split("\n");
            if (lines.length != 3 || !lines[0].equals(RULES) || !lines[1].startsWith("plan-sha256 ") || !lines[2].startsWith("file ")) {
                return null;
            }
            String sha = lines[1].substring("plan-sha256 ".length());
            String[] f = lines[2].substring("file ".length()).split(" ");
            if (!Verifier.isLowerHex(sha, 64) || f.length != 3) return null;
            try {
                return new Verdict(sha, new FileIdentity(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2])));
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    /**
     * Keeps the {@code keep} most recently written entries (by modification time, then name)
     * and deletes the others, and temporary files left over from a crash. Missing directory:
     * nothing to do.
     *
     * @throws IOException when the directory is a symlink or on any I/O error
     */
    public void prune(int keep) throws IOException {
        if (keep < 0) throw new IllegalArgumentException("keep " + keep);
        BasicFileAttributes d = basic(dir);
        if (d == null) return;
        if (!d.isDirectory()) throw new IOException("plan cache " + dir + " is not a directory (symlinks are refused)");
        record Entry(Path path, FileTime modified) {
        }
        List<Entry> entries = new ArrayList<>();
        List<Path> verdicts = new ArrayList<>();
        long staleBefore = System.currentTimeMillis() - STALE_TEMP_MILLIS;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                BasicFileAttributes a = basic(p);
                if (a == null) continue;
                if (name.startsWith(TEMP_PREFIX)) {
                    if (a.isRegularFile() && a.lastModifiedTime().toMillis() < staleBefore) Files.deleteIfExists(p);
                } else if (isEntryName(name) && !a.isDirectory()) {
                    entries.add(new Entry(p, a.lastModifiedTime()));
                } else if (name.endsWith(VERDICT_SUFFIX) && !a.isDirectory()) {
                    verdicts.add(p);
                }
            }
        }
        entries.sort(Comparator.comparing(Entry::modified).thenComparing(e -> e.path().getFileName().toString()).reversed());
        for (Entry e : entries.subList(Math.min(keep, entries.size()), entries.size())) {
            Files.deleteIfExists(e.path()); // removes a symlink itself, never its target
        }
        for (Path v : verdicts) {   // a verdict outlives no entry
            String name = v.getFileName().toString();
            if (basic(v.resolveSibling(name.substring(0, name.length() - VERDICT_SUFFIX.length()).concat(SUFFIX))) == null) {
                Files.deleteIfExists(v);
            }
        }
    }

    // ---- internals ------------------------------------------------------------------------------

    /** The directory exists, is a real directory, and no one else can write to it. */
    private boolean trustedDirectory() throws IOException {
        Stat st = stat(dir);
        return st != null && st.isDirectory() && !st.othersMayWrite();
    }

    private void ensureDirectory() throws IOException {
        BasicFileAttributes a = basic(dir);
        if (a == null) {
            Path parent = dir.getParent();
            if (parent != null) Files.createDirectories(parent, dirMode());
            try {
                Files.createDirectory(dir, dirMode());
            } catch (FileAlreadyExistsException raced) {
                // another bpm created it: checked below like any existing directory
            }
            a = basic(dir);
        }
        if (a == null || a.isSymbolicLink() || !a.isDirectory()) {
            throw new IOException("refusing plan cache " + dir + ": not a directory (a symlink is refused)");
        }
        Stat st = stat(dir);
        if (st != null && st.othersMayWrite()) {
            throw new IOException("refusing plan cache " + dir + ": writable by group or others");
        }
    }

    private Path createTemp() throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path temp = dir.resolve(TEMP_PREFIX.concat(Long.toHexString(ThreadLocalRandom.current().nextLong())).concat(SUFFIX));
            try {
                // CREATE_NEW: O_EXCL, which never follows a symlink planted under this name
                Files.newByteChannel(temp, Set.<OpenOption>of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                        LinkOption.NOFOLLOW_LINKS), fileMode()).close();
                return temp;
            } catch (FileAlreadyExistsException e) {
                if (attempt > 100) throw e;
            }
        }
    }

    private void syncDirectory() {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // not every platform can open a directory; the rename is done, only its durability is weaker
        }
    }

    /** The file's text, or null when it is not strict UTF-8, too big, or changed while read. */
    private static String read(Path file) throws IOException {
        try (SeekableByteChannel ch = Files.newByteChannel(file, Set.<OpenOption>of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
            long size = ch.size();
            if (size > MAX_PLAN_BYTES) return null;
            ByteBuffer buf = ByteBuffer.allocate((int) size + 1); // one more: notices a file that grew
            while (buf.hasRemaining() && ch.read(buf) >= 0) {
                // read to the end
            }
            if (buf.position() != size) return null; // entries are replaced by rename, never rewritten
            buf.flip();
            try {
                return StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(buf).toString();
            } catch (CharacterCodingException e) {
                return null;
            }
        }
    }

    /**
     * Whether the plan's own header names this source and compiler: file names are sanitised,
     * so two versions can share one, and a file could have been renamed.
     */
    static boolean headerMatches(String text, String sourceSha256, String compilerVersion) {
        String compiler = null;
        String source = null;
        int start = 0;
        int line = 0;
        while (start < text.length() && line < 5) {
            int end = text.indexOf('\n', start);
            if (end < 0) end = text.length();
            String l = text.substring(start, end);
            start = end + 1;
            if (l.isBlank() || l.startsWith("#")) continue;
            line++;
            if (line == 2) compiler = l;
            if (line == 3) source = l;
        }
        // concat, not +: string concatenation costs a bootstrap on the fast path
        return "compiler ".concat(PlanText.quote(compilerVersion)).equals(compiler)
                && "source sha256:".concat(sourceSha256).equals(source);
    }

    private static BasicFileAttributes basic(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** What lstat says about a path: its mode (type and permission bits), size, inode and ctime. */
    record Stat(int mode, long size, long inode, long ctimeNanos) {
        private static final int S_IFMT = 0170000;
        private static final int S_IFREG = 0100000;
        private static final int S_IFDIR = 0040000;

        boolean isRegularFile() {
            return (mode & S_IFMT) == S_IFREG;
        }

        boolean isDirectory() {
            return (mode & S_IFMT) == S_IFDIR;
        }

        FileIdentity identity() {
            return new FileIdentity(inode, size, ctimeNanos);
        }

        /** Group or others may write (0022). */
        boolean othersMayWrite() {
            return (mode & 0022) != 0;
        }
    }

    /**
     * lstat through the "unix" attribute view, null when the path is missing or the platform has
     * no such view (then nothing is trusted). Not PosixFileAttributes.permissions(): since JDK 25
     * it builds an EnumSet, whose first use costs about 10 ms of reflection in a fresh JVM.
     */
    static Stat stat(Path p) throws IOException {
        try {
            Map<String, Object> a = Files.readAttributes(p, "unix:mode,size,ino,ctime", LinkOption.NOFOLLOW_LINKS);
            return new Stat((Integer) a.get("mode"), (Long) a.get("size"), (Long) a.get("ino"),
                    ((FileTime) a.get("ctime")).to(java.util.concurrent.TimeUnit.NANOSECONDS));
        } catch (NoSuchFileException e) {
            return null;
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return null;
        }
    }

    private static FileAttribute<?>[] dirMode() {
        return posixSupported() ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(DIR_MODE)} : new FileAttribute<?>[0];
    }

    private static FileAttribute<?>[] fileMode() {
        return posixSupported() ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE_MODE)} : new FileAttribute<?>[0];
    }

    private static boolean posixSupported() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }
}
