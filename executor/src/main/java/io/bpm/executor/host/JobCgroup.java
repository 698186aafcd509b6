package io.bpm.executor.host;

import io.bpm.executor.plan.Step.CgroupLimit;
import io.bpm.executor.sys.Errno;
import io.bpm.executor.sys.Linux;
import io.bpm.executor.sys.Nr;
import io.bpm.executor.sys.Struct;
import io.bpm.executor.sys.Sys;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * One job's cgroup: a directory in the memory hierarchy and one in the pids hierarchy (the same
 * directory on cgroup v2), made by {@link Cgroups#job}, or rebuilt from the paths start saved
 * ({@link #at}) so that stop can kill and remove it.
 *
 * <p>Lifecycle: {@link #create}, {@link #apply} the plan's limits, {@link #openProcs} for the
 * launcher (the child writes "0" into each {@link #joinFile} before exec, so it is confined before
 * it can fork),
 * then at stop {@link #kill} whatever is left and {@link #remove}.
 *
 * <p>Limits written (the plan's values are bytes and a count):
 * <ul>
 *   <li>v1: memory.limit_in_bytes, memory.memsw.limit_in_bytes (the kernel keeps memsw >= memory
 *       at every moment, so memsw goes first when the new memory limit is above the current memsw
 *       limit, last otherwise), pids.max;</li>
 *   <li>v2: memory.max, memory.swap.max (swap alone: the plan's memory+swap minus memory, as runc
 *       converts it), pids.max, after enabling the controllers in the parent's
 *       cgroup.subtree_control when they are not yet (cgroup v2 refuses that for a parent that
 *       has processes of its own: then the error says so).</li>
 * </ul>
 */
public final class JobCgroup {

    /** How stop kills one process; {@link #SIGKILL} by default. */
    @FunctionalInterface
    public interface Killer {
        void kill(long pid) throws IOException;

        /**
         * SIGKILL through {@link ProcessHandle}, which checks the process's start time before
         * signalling (so a pid reused since it was listed is not hit). Refuses this JVM itself.
         */
        Killer SIGKILL = new Sigkill();
    }

    /** {@link Killer#SIGKILL}: a class, not a lambda, on the stop path. */
    private static final class Sigkill implements Killer {
        @Override
        public void kill(long pid) {
            if (pid == ProcessHandle.current().pid()) {
                throw new IllegalStateException("refusing to kill bpm itself: it is in the job's cgroup");
            }
            Optional<ProcessHandle> h = ProcessHandle.of(pid);
            if (h.isPresent()) {
                h.get().destroyForcibly();
            }
        }
    }

    private static final long POLL_NANOS = 5_000_000;

    private final Path memoryDir;
    private final boolean memoryUnified;
    private final Path pidsDir;
    private final boolean pidsUnified;
    private final List<Path> dirs;
    private final String unit;

    JobCgroup(Path memoryDir, boolean memoryUnified, Path pidsDir, boolean pidsUnified, Path trackDir) {
        this(memoryDir, memoryUnified, pidsDir, pidsUnified, directories(memoryDir, pidsDir, trackDir), null);
    }

    private JobCgroup(Path memoryDir, boolean memoryUnified, Path pidsDir, boolean pidsUnified, List<Path> dirs, String unit) {
        this.memoryDir = memoryDir;
        this.memoryUnified = memoryUnified;
        this.pidsDir = pidsDir;
        this.pidsUnified = pidsUnified;
        this.dirs = List.copyOf(dirs);
        this.unit = unit;
    }

    /**
     * A systemd scope's cgroup (cgroup v2): systemd made the directory and set the limits as
     * unit properties; {@link #apply} writes them again (as runc does), {@link #remove} stops
     * and resets the unit instead of removing the directory itself.
     */
    static JobCgroup scope(Path dir, String unit) {
        return new JobCgroup(dir, true, dir, true, List.of(dir), unit);
    }

    private static List<Path> directories(Path memoryDir, Path pidsDir, Path trackDir) {
        List<Path> d = new ArrayList<>(2);
        if (memoryDir != null) {
            d.add(memoryDir);
        }
        if (pidsDir != null && !pidsDir.equals(memoryDir)) {
            d.add(pidsDir);
        }
        if (trackDir != null) {
            d.add(trackDir);
        }
        return d;
    }

    /**
     * A job cgroup from the directories start recorded: enough to list, kill and remove it (no
     * limits can be applied through it).
     */
    public static JobCgroup at(List<Path> dirs) {
        return at(dirs, null);
    }

    /** As {@link #at(List)}, for a cgroup that is the systemd scope {@code unit} (null: made by bpm). */
    public static JobCgroup at(List<Path> dirs, String unit) {
        return new JobCgroup(null, false, null, false, dirs, unit);
    }

    /** The cgroup directories, one per hierarchy, for the state file. */
    public List<Path> paths() {
        return dirs;
    }

    /** Where the cgroup is, for bpm.log: the systemd scope and its directory, or the directories. */
    public String describe() {
        String where = dirs.size() == 1 ? dirs.getFirst().toString() : dirs.toString();
        return unit == null ? "cgroupfs " + where : "systemd scope " + unit + " at " + where;
    }

    /** The systemd scope this cgroup is, or null when bpm made the directories itself. */
    public String unit() {
        return unit;
    }

    /**
     * Makes the directories. One that exists already is reused if it is empty (left by a crash);
     * one with processes in it belongs to an instance still running, and is an error.
     */
    public void create() throws IOException {
        for (Path d : dirs) {
            try {
                Files.createDirectory(d);
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                    throw new IOException("cannot create cgroup " + d + ": something else is there", e);
                }
                Set<Long> left = pids(d);
                if (!left.isEmpty()) {
                    throw new IOException("cgroup " + d + " already exists with processes " + left
                            + ": an earlier instance of this job is still running");
                }
            } catch (IOException e) {
                throw new IOException("cannot create cgroup " + d + ": " + HostPreparation.describe(e), e);
            }
        }
    }

    /** Writes the plan's (bound) cgroup limits; see the class comment. */
    public void apply(List<CgroupLimit> limits) throws IOException {
        Long memory = null;
        Long memsw = null;
        Long pids = null;
        for (CgroupLimit l : limits) {
            if (l.limit().equals("memory")) {
                memory = l.value();
            } else if (l.limit().equals("memory+swap")) {
                memsw = l.value();
            } else if (l.limit().equals("pids")) {
                pids = l.value();
            } else {
                throw new IllegalArgumentException("unknown cgroup limit " + l.limit());
            }
        }
        if (memory != null || memsw != null) {
            if (memoryDir == null) {
                throw new IOException("the plan limits memory but this host has no memory cgroup controller");
            }
            if (memoryUnified) {
                memoryV2(memory, memsw);
            } else {
                memoryV1(memory, memsw);
            }
        }
        if (pids != null) {
            if (pidsDir == null) {
                throw new IOException("the plan limits processes but this host has no pids cgroup controller");
            }
            if (pidsUnified) {
                enable(pidsDir, "pids");
            }
            write(pidsDir.resolve("pids.max"), Long.toString(pids));
        }
    }

    private void memoryV1(Long memory, Long memsw) throws IOException {
        Path limit = memoryDir.resolve("memory.limit_in_bytes");
        Path swapLimit = memoryDir.resolve("memory.memsw.limit_in_bytes");
        if (memory == null) {
            write(swapLimit, Long.toString(memsw));
        } else if (memsw == null) {
            write(limit, Long.toString(memory));
        } else if (memory > readLong(swapLimit)) {
            write(swapLimit, Long.toString(memsw));
            write(limit, Long.toString(memory));
        } else {
            write(limit, Long.toString(memory));
            write(swapLimit, Long.toString(memsw));
        }
    }

    private void memoryV2(Long memory, Long memsw) throws IOException {
        enable(memoryDir, "memory");
        if (memsw != null && (memory == null || memsw < memory)) {
            throw new IllegalArgumentException("memory+swap " + memsw + " needs a memory limit no larger than it (memory "
                    + memory + ")");
        }
        write(memoryDir.resolve("memory.max"), Long.toString(memory));
        if (memsw != null) {
            write(memoryDir.resolve("memory.swap.max"), Long.toString(memsw - memory));
        }
    }

    /** v2: makes a controller available in the job's cgroup through its parent's subtree_control. */
    private static void enable(Path dir, String controller) throws IOException {
        Path parent = dir.getParent();
        Path subtree = parent.resolve("cgroup.subtree_control");
        if (Cgroups.hasWord(read(subtree), controller)) {
            return;
        }
        String available = Cgroups.readOrEmpty(parent.resolve("cgroup.controllers"));
        if (!Cgroups.hasWord(available, controller)) {
            throw new IOException("the " + controller + " controller is not available in " + parent
                    + " (cgroup.controllers: \"" + available.trim() + "\")");
        }
        try {
            Files.writeString(subtree, "+" + controller, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new IOException("cannot enable the " + controller + " controller for the job's cgroup in " + subtree + ": "
                    + HostPreparation.describe(e) + ". cgroup v2 lets a cgroup hand controllers to its children only while it has "
                    + "no processes of its own, and " + parent + " holds processes (bpm's own cgroup, where bpm and its caller "
                    + "run). Run bpm from a cgroup that delegates memory and pids (the root cgroup, a container's root, or a "
                    + "systemd unit with Delegate=yes), or on a host whose PID 1 is systemd, where bpm puts each job in a "
                    + "transient scope. The job was not started: it never runs without its limits", e);
        }
    }

    /**
     * The file a launch's child writes "0" (itself) into to join cgroup directory {@code dir}.
     * In a v1 hierarchy that is {@code tasks}: the child is a fresh clone with one thread, so
     * moving that thread moves the whole process, and the kernel moves the calling thread alone
     * without taking the global threadgroup lock, whose write side waits for an RCU grace period
     * (a child's write of "0" to cgroup.procs took 6 ms on an idle machine here, 15 ms under
     * load; to tasks 0.04 ms). cgroup v2 has no {@code tasks}: there it is {@code cgroup.procs}.
     */
    public static Path joinFile(Path dir) {
        return joinFile(dir, hasTasks(dir));
    }

    private static Path joinFile(Path dir, boolean tasks) {
        return dir.resolve(tasks ? "tasks" : "cgroup.procs");
    }

    /** Whether {@code dir} has a {@code tasks} file: a v1 hierarchy's directory. */
    private static boolean hasTasks(Path dir) {
        return Files.exists(dir.resolve("tasks"), LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Whether a launch's child can be born in cgroup v2 directory {@code dir} (clone3's
     * CLONE_INTO_CGROUP, Linux 5.7) instead of joining it: then it never moves, and a write to
     * cgroup.procs waits for an RCU grace period on v2 too (a child's write of "0" to a v2
     * cgroup.procs took 6.9 ms median here, 15-23 ms in the slowest of 15). A v1 hierarchy (it
     * has {@code tasks}) cannot: its directory is joined through {@link #joinFile}.
     */
    public static boolean bornInto(Path dir) {
        return !hasTasks(dir) && Kernel.CLONE_INTO_CGROUP;
    }

    /**
     * How a launch's child enters one of the job's directories: born in it ({@code joinFile}
     * null), or joining it by writing "0" into {@code joinFile}.
     */
    public record Entrance(Path dir, Path joinFile) {
        public boolean bornIn() {
            return joinFile == null;
        }
    }

    /**
     * How a launch's child enters each of the job's directories, in order: born in the first one
     * it can be born in ({@link #bornInto}; clone3 takes one), joining every other one through
     * its {@link #joinFile}. Each directory's {@code tasks} is looked at once.
     */
    public List<Entrance> entrances() {
        List<Entrance> out = new ArrayList<>(dirs.size());
        boolean born = false;
        for (Path d : dirs) {
            boolean tasks = hasTasks(d);
            if (!born && !tasks && Kernel.CLONE_INTO_CGROUP) {
                out.add(new Entrance(d, null));
                born = true;
            } else {
                out.add(new Entrance(d, joinFile(d, tasks)));
            }
        }
        return out;
    }

    /** Read when a v2 directory first asks, not when JobCgroup initialises: v1 hosts and stops never need it. */
    private static final class Kernel {
        static final boolean CLONE_INTO_CGROUP = kernelAtLeast(5, 7);
    }

    /** /proc/sys/kernel/osrelease ("6.8.0-49-generic") at least MAJOR.MINOR; false when unreadable. */
    static boolean kernelAtLeast(int major, int minor) {
        try {
            String release = Files.readString(Path.of("/proc/sys/kernel/osrelease"), StandardCharsets.US_ASCII).strip();
            int dot = release.indexOf('.');
            int end = dot + 1;
            while (end < release.length() && Character.isDigit(release.charAt(end))) end++;
            if (dot <= 0 || end == dot + 1) return false;
            int ma = Integer.parseInt(release.substring(0, dot));
            int mi = Integer.parseInt(release.substring(dot + 1, end));
            return ma > major || (ma == major && mi >= minor);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Opens every directory's {@link #joinFile} for writing; the launcher's child writes "0"
     * (itself) into each before exec. The caller closes them.
     */
    public List<FileChannel> openProcs() throws IOException {
        List<FileChannel> out = new ArrayList<>(dirs.size());
        try {
            for (Path d : dirs) {
                out.add(FileChannel.open(joinFile(d), StandardOpenOption.WRITE));
            }
            return out;
        } catch (IOException e) {
            for (FileChannel ch : out) {
                ch.close();
            }
            throw e;
        }
    }

    /** Every process in the job's cgroup (in any of its hierarchies), in pid order. */
    public Set<Long> pids() throws IOException {
        Set<Long> all = new TreeSet<>();
        for (Path d : dirs) {
            all.addAll(pids(d));
        }
        return all;
    }

    private static Set<Long> pids(Path dir) throws IOException {
        Set<Long> out = new TreeSet<>();
        String text = readProcs(dir);
        if (text == null) {
            return out; // no such cgroup (any more): nothing in it
        }
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl;
            if (end > start) {
                out.add(Long.parseLong(text, start, end, 10));
            }
            start = end + 1;
        }
        return out;
    }

    /**
     * Kills every process in the cgroup and waits until it is empty: through cgroup.kill where the
     * kernel has it (v2, Linux 5.14: atomic, forks included), else SIGKILL to each listed pid,
     * repeated while new ones appear (a forking job cannot outrun it for long: every round kills
     * all it can see, and the pids limit bounds how many there can be).
     *
     * @return whether the cgroup was empty before the timeout
     */
    public boolean kill(Duration timeout, Killer killer) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean[] killedByKernel = new boolean[dirs.size()];
        while (true) {
            for (int i = 0; i < dirs.size(); i++) {
                Path d = dirs.get(i);
                if (killedByKernel[i]) {
                    continue; // written once: the kernel kills whatever forks meanwhile too
                }
                Path k = d.resolve("cgroup.kill");
                if (Files.exists(k)) {
                    try {
                        write(k, "1");
                        killedByKernel[i] = true;
                        continue;
                    } catch (IOException e) {
                        if (Files.exists(d)) {
                            throw e;
                        }
                    }
                }
                for (long pid : pids(d)) {
                    killer.kill(pid);
                }
            }
            if (pids().isEmpty()) {
                return true;
            }
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            pause();
        }
    }

    /**
     * Removes the directories (rmdir), retrying while the kernel still counts exiting tasks
     * (EBUSY). A directory already gone is fine.
     *
     * @throws IOException naming the directory and what is still in it, after the timeout
     */
    public void remove(Duration timeout) throws IOException {
        if (unit != null) {
            SystemdScope.end(unit, dirs.getFirst(), timeout); // systemd owns the directory: it removes it
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Path d : dirs) {
            while (true) {
                try {
                    Files.deleteIfExists(d);
                    break;
                } catch (AccessDeniedException e) {
                    throw new IOException("cannot remove cgroup " + d + ": " + HostPreparation.describe(e), e);
                } catch (FileSystemException e) {
                    // EBUSY while exiting tasks are still counted (ENOTEMPTY would be a child cgroup, or a fake tree)
                    if (System.nanoTime() - deadline > 0) {
                        throw new IOException("cannot remove cgroup " + d + ": " + HostPreparation.describe(e)
                                + "; processes still in it: " + pids(d), e);
                    }
                    pause();
                }
            }
        }
    }

    /**
     * How many of the job's processes the kernel's OOM killer killed: {@code oom_kill} of
     * memory.events (v2) or memory.oom_control (v1), summed over the directories; for a systemd
     * scope whose directory is gone, 1 when systemd recorded the unit's end as {@code oom-kill}.
     * 0 when nothing was killed, -1 when nothing is left to ask.
     */
    public long oomKills() {
        long total = -1;
        for (Path d : dirs) {
            for (String file : List.of("memory.events", "memory.oom_control")) {
                String text;
                try {
                    text = read(d.resolve(file));
                } catch (IOException e) {
                    continue;
                }
                total = Math.max(total, 0);
                for (String line : text.split("\n")) {
                    if (line.startsWith("oom_kill ")) {
                        total += Long.parseLong(line.substring("oom_kill ".length()).trim());
                    }
                }
            }
        }
        if (total < 0 && unit != null) {
            return SystemdScope.endedByOom(unit) ? 1 : -1;
        }
        return total;
    }

    /** Whether any of the directories exists. */
    public boolean exists() {
        for (Path d : dirs) {
            if (Files.exists(d, LinkOption.NOFOLLOW_LINKS)) {
                return true;
            }
        }
        return false;
    }

    // ---- file helpers -----------------------------------------------------------------------------

    private static void write(Path file, String value) throws IOException {
        try {
            Files.write(file, value.getBytes(StandardCharsets.US_ASCII), StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new IOException("cannot write " + value + " to " + file + ": " + HostPreparation.describe(e), e);
        }
    }

    /**
     * The text of a cgroup's cgroup.procs, or null when the cgroup is gone or going: ENOENT, and
     * ENODEV, which a cgroup being removed answers until its directory goes (a systemd scope that
     * emptied as its job exited, met by a stop in the Noble-shaped VM). Raw calls, not NIO: NIO
     * reports ENODEV only as a localised message, and an exception for ENOENT, the usual answer
     * on systemd hosts, costs a stop milliseconds (see Stopper.reap).
     */
    private static String readProcs(Path dir) throws IOException {
        String path = dir.resolve("cgroup.procs").toString();
        try (Arena a = Arena.ofConfined()) {
            long fd = Sys.raw(Nr.OPENAT, Linux.AT_FDCWD, Struct.cString(a, path).address(), Linux.O_RDONLY | Linux.O_CLOEXEC, 0);
            if (fd == -Errno.ENOENT || fd == -Errno.ENODEV) return null;
            if (fd < 0) throw new IOException("cannot open " + path + ": " + Errno.describe((int) -fd));
            try {
                MemorySegment buf = a.allocate(PROCS_CHUNK);
                StringBuilder text = new StringBuilder();
                while (true) {
                    long n = Sys.raw(Nr.READ, fd, buf.address(), PROCS_CHUNK);
                    if (n == -Errno.EINTR) continue;
                    if (n == -Errno.ENODEV) return null;
                    if (n < 0) throw new IOException("cannot read " + path + ": " + Errno.describe((int) -n));
                    if (n == 0) return text.toString();
                    byte[] chunk = new byte[(int) n];
                    Struct.getBytes(buf, 0, chunk, 0, chunk.length);
                    text.append(new String(chunk, StandardCharsets.US_ASCII));
                }
            } finally {
                Sys.raw(Nr.CLOSE, fd);
            }
        }
    }

    /**
     * What one read(2) of cgroup.procs asks for: hundreds of pids, and the loop reads on. Not
     * more: a 64 KiB buffer took a stop 3 ms to allocate and zero (async-profiler, wall clock),
     * for a file that usually lists one or two pids.
     */
    private static final int PROCS_CHUNK = 4096;

    private static String read(Path file) throws IOException {
        return new String(Files.readAllBytes(file), StandardCharsets.US_ASCII);
    }

    private static long readLong(Path file) throws IOException {
        String s = read(file).trim();
        return s.equals("max") ? Long.MAX_VALUE : Long.parseLong(s);
    }

    private static void pause() {
        try {
            Thread.sleep(Duration.ofNanos(POLL_NANOS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a cgroup to empty", e);
        }
    }
}
