package io.bpm.executor.host;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What start leaves for stop, in the plan's {@code state-dir} (e.g.
 * {@code $ROOT/sys/run/bpm-state/bpm-web}, 0700): {@code plan}, the plan text start applied (so
 * stop never re-reads bpm.yml), and {@code state}, who the job's init is and where its cgroups
 * are. Also the public pid file monit reads.
 *
 * <p>Every file is written whole or not at all: a temporary file in the same directory (created
 * exclusively, 0600), renamed over the target, so a reader sees the old file or the new one,
 * never a part. Nothing is fsync'ed: all of it describes processes of this boot (the state names
 * the boot id), so what a crash leaves is stale whatever it holds, and is cleaned by the next
 * start; on a BOSH VM sys/run is a tmpfs anyway. The six fsyncs of a start (file and directory,
 * for plan, state and pid file) cost it about 4 ms on this host's disk, for nothing. A file a
 * crash left damaged is reported and treated as none, as a hand edit is. Nothing here follows a
 * symlink at the file itself (the directory is bpm's own, below root-owned directories).
 *
 * <p>{@code state} is a small line format, one {@code key value} per line, the value running to
 * the end of the line:
 * <pre>
 * bpm-state 1
 * pid 4242
 * start-time 1234567
 * boot-id 0f9a...-...
 * cgroup /sys/fs/cgroup/memory/bpm-web
 * cgroup /sys/fs/cgroup/pids/bpm-web
 * </pre>
 */
public final class StateStore {

    public static final String PLAN = "plan";
    public static final String STATE = "state";
    static final String FORMAT = "bpm-state 1";
    private static final String TEMP_PREFIX = ".tmp-";
    private static final int MAX_BYTES = 4 << 20;

    /**
     * What start recorded about a running job.
     *
     * @param process the job's init (tini) as it was right after launch
     * @param cgroups the job's cgroup directories, one per hierarchy
     * @param unit    the job's systemd scope when the systemd driver made its cgroup, else null
     */
    public record State(ProcessIdentity process, List<Path> cgroups, String unit) {
        public State {
            cgroups = List.copyOf(cgroups);
        }

        public State(ProcessIdentity process, List<Path> cgroups) {
            this(process, cgroups, null);
        }

        /** What start records for an init in a cgroup. */
        public static State of(ProcessIdentity process, JobCgroup cgroup) {
            return new State(process, cgroup.paths(), cgroup.unit());
        }

        /** The job's cgroup as recorded: enough to list, kill and remove it. */
        public JobCgroup cgroup() {
            return JobCgroup.at(cgroups, unit);
        }
    }

    /** A state file that is not what this code writes. */
    public static final class StateFormatException extends IOException {
        private static final long serialVersionUID = 1L;

        StateFormatException(Path file, int line, String message) {
            super(file + ":" + line + ": " + message);
        }
    }

    private final Path dir;

    /** @param dir the bound state directory */
    public StateStore(Path dir) {
        this.dir = dir;
    }

    public Path directory() {
        return dir;
    }

    // ---- writing --------------------------------------------------------------------------------

    public void savePlan(String planText) throws IOException {
        ensureDirectory();
        atomicWrite(dir.resolve(PLAN), planText.getBytes(StandardCharsets.UTF_8), 0600);
    }

    public void saveState(State state) throws IOException {
        ensureDirectory();
        atomicWrite(dir.resolve(STATE), format(state).getBytes(StandardCharsets.UTF_8), 0600);
    }

    /** Both files, the plan first: a state without its plan never exists. */
    public void save(String planText, State state) throws IOException {
        savePlan(planText);
        saveState(state);
    }

    /**
     * The public pid file: the init's pid in decimal, no newline (as runc writes it), 0644 like
     * runc's (monit reads it; the directory is root's 0700).
     */
    public static void writePidFile(Path file, long pid) throws IOException {
        atomicWrite(file, Long.toString(pid).getBytes(StandardCharsets.US_ASCII), 0644);
    }

    public static void removePidFile(Path file) throws IOException {
        Files.deleteIfExists(file);
    }

    // ---- reading --------------------------------------------------------------------------------

    /** The plan start saved; empty if there is none (never started, stopped, or lost at reboot). */
    public Optional<String> readPlan() throws IOException {
        byte[] b = readFile(dir.resolve(PLAN));
        return b == null ? Optional.empty() : Optional.of(new String(b, StandardCharsets.UTF_8));
    }

    /** The state start saved; empty if there is none. */
    public Optional<State> readState() throws IOException {
        Path file = dir.resolve(STATE);
        byte[] b = readFile(file);
        return b == null ? Optional.empty() : Optional.of(parse(file, new String(b, StandardCharsets.UTF_8)));
    }

    /**
     * Whether the recorded init is still running: its pid exists, is not a zombie, and has the
     * start time and boot id recorded. False means the job is gone (or its pid now belongs to
     * something else) and must not be signalled.
     */
    public static boolean isOurs(State state) throws IOException {
        return state.process().isAlive();
    }

    // ---- removing -------------------------------------------------------------------------------

    /** Removes the plan, the state, any temporary file and the directory. Missing is fine. */
    public void remove() throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<Path> temps = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (p.getFileName().toString().startsWith(TEMP_PREFIX)) {
                    temps.add(p);
                }
            }
        }
        for (Path p : temps) {
            Files.deleteIfExists(p);
        }
        Files.deleteIfExists(dir.resolve(STATE)); // the state first: without it the plan means nothing
        Files.deleteIfExists(dir.resolve(PLAN));
        Files.deleteIfExists(dir);
    }

    // ---- format -----------------------------------------------------------------------------------

    static String format(State s) {
        StringBuilder b = new StringBuilder(256);
        b.append(FORMAT).append('\n');
        b.append("pid ").append(s.process().pid()).append('\n');
        b.append("start-time ").append(s.process().startTime()).append('\n');
        b.append("boot-id ").append(oneLine("boot id", s.process().bootId())).append('\n');
        for (Path c : s.cgroups()) {
            b.append("cgroup ").append(oneLine("cgroup path", c.toString())).append('\n');
        }
        if (s.unit() != null) {
            b.append("unit ").append(oneLine("systemd unit", s.unit())).append('\n');
        }
        return b.toString();
    }

    static State parse(Path file, String text) throws StateFormatException {
        String[] lines = text.split("\n", -1);
        if (!lines[0].equals(FORMAT)) {
            throw new StateFormatException(file, 1, "expected \"" + FORMAT + "\"");
        }
        long pid = -1;
        long start = -1;
        String boot = null;
        List<Path> cgroups = new ArrayList<>();
        String unit = null;
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty() && i == lines.length - 1) {
                break;
            }
            int sp = line.indexOf(' ');
            if (sp <= 0) {
                throw new StateFormatException(file, i + 1, "expected \"key value\"");
            }
            String key = line.substring(0, sp);
            String value = line.substring(sp + 1);
            try {
                switch (key) {
                    case "pid" -> pid = once(pid, Long.parseLong(value));
                    case "start-time" -> start = once(start, Long.parseLong(value));
                    case "boot-id" -> {
                        if (boot != null) {
                            throw new IllegalArgumentException("repeated");
                        }
                        boot = value;
                    }
                    case "cgroup" -> cgroups.add(Path.of(value));
                    case "unit" -> {
                        if (unit != null) {
                            throw new IllegalArgumentException("repeated");
                        }
                        if (!isScopeName(value)) {
                            // never let a state file make stop end some other unit
                            throw new IllegalArgumentException("not a scope name: " + value);
                        }
                        unit = value;
                    }
                    default -> throw new IllegalArgumentException("unknown key");
                }
            } catch (IllegalArgumentException e) {
                throw new StateFormatException(file, i + 1, key + ": " + e.getMessage());
            }
        }
        if (pid <= 0 || start < 0 || boot == null || boot.isEmpty()) {
            throw new StateFormatException(file, lines.length, "pid, start-time and boot-id are required");
        }
        return new State(new ProcessIdentity(pid, start, boot), cgroups, unit);
    }

    /** A systemd scope's name: {@code [A-Za-z0-9_.:-]+} ending in {@code .scope}. */
    static boolean isScopeName(String s) {
        if (!s.endsWith(".scope") || s.length() == ".scope".length()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == ':'
                    || c == '-')) {
                return false;
            }
        }
        return true;
    }

    private static long once(long old, long value) {
        if (old != -1) {
            throw new IllegalArgumentException("repeated");
        }
        if (value < 0) {
            throw new IllegalArgumentException("negative");
        }
        return value;
    }

    private static String oneLine(String what, String s) {
        if (s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) {
            throw new IllegalArgumentException(what + " with a line break cannot be recorded: \"" + s + "\"");
        }
        return s;
    }

    // ---- files ------------------------------------------------------------------------------------

    private void ensureDirectory() throws IOException {
        if (Files.isSymbolicLink(dir)) {
            throw new IOException("refusing to use the state directory " + dir + ": it is a symlink");
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir, SafeDirs.attribute(0700));
        }
        Files.setPosixFilePermissions(dir, SafeDirs.permissions(0700));
    }

    /** The bytes of a regular file, null if missing; a symlink or something odd is an error. */
    private static byte[] readFile(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, Set.<OpenOption>of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
            long size = ch.size();
            if (size > MAX_BYTES) {
                throw new IOException(file + " is too large (" + size + " bytes) to be bpm's");
            }
            ByteBuffer buf = ByteBuffer.allocate((int) size);
            while (buf.hasRemaining() && ch.read(buf) >= 0) {
                // read it all
            }
            return buf.array();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Temporary file, rename over the target (no fsync: see the class comment). */
    static void atomicWrite(Path target, byte[] bytes, int mode) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        Path temp = null;
        for (int attempt = 0; temp == null; attempt++) {
            Path t = parent.resolve(TEMP_PREFIX + target.getFileName() + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
            try {
                FileChannel.open(t, Set.<OpenOption>of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                        LinkOption.NOFOLLOW_LINKS), SafeDirs.attribute(0600)).close();
                temp = t;
            } catch (FileAlreadyExistsException e) {
                if (attempt > 10) {
                    throw e;
                }
            }
        }
        boolean moved = false;
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }
            if (mode != 0600) {
                Files.setPosixFilePermissions(temp, SafeDirs.permissions(mode));
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot rename atomically in " + parent, e);
            }
            moved = true;
        } finally {
            if (!moved) {
                Files.deleteIfExists(temp);
            }
        }
    }
}
