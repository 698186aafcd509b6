package io.bpm.executor.lifecycle;

import io.bpm.executor.host.JobCgroup;
import io.bpm.executor.host.ProcessIdentity;
import io.bpm.executor.plan.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A job that bpm 1.x started with runc, found by its runc state: the upgrade in place. When this
 * bpm replaces bpm-release on a VM, jobs the old bpm started may still run: runc's state is at
 * {@code $ROOT/sys/run/bpm-runc/CONTAINER-ID/state.json} (bpm-behaviour.md §1.2, §6.1), the
 * bundle at {@code $ROOT/data/bpm/bundles/JOB/PROC}, the pid file at the public path. This reads
 * runc's state as runc writes it (no runc is needed: the VM's new package has none) and stops the
 * container the way bpm stops its own jobs ({@link Stopper}): the init is signalled through a
 * pidfd, and only if its pid still belongs to the process runc started (runc records its start
 * time, field 22 of /proc/PID/stat, and the state's creation time must fall in this boot);
 * whatever is left in the container's cgroups is killed, then the cgroups, runc's state, the
 * bundle and the pid file are removed. Afterwards the job is simply not running, and the next
 * {@code bpm start} starts it under this bpm.
 *
 * <p>The cgroups are runc's {@code cgroup_paths}; a path is used only if it is the container's
 * own (its last component is the container id, or the systemd scope {@code PREFIX-ID.scope}), so
 * a damaged or hand-made state can never make bpm kill a cgroup that is not the job's.
 *
 * @param id       the container id ({@code bpm-JOB} or {@code bpm-JOB.2ePROC})
 * @param stateDir runc's state directory of the container
 * @param init     the container's init as runc recorded it; its boot id is a never-matching
 *                 value when the state predates this boot (then nothing is signalled)
 * @param cgroup   the container's cgroups (and systemd scope), as far as they are its own
 * @param bundle   bpm 1.x's bundle directory of the process
 * @param pidFile  the public pid file
 */
public record LegacyRunc(String id, Path stateDir, ProcessIdentity init, JobCgroup cgroup, Path bundle, Path pidFile) {

    /** Where bpm 1.x keeps runc's state, relative to the BOSH root (runc's --root). */
    public static final String RUNC_ROOT = "sys/run/bpm-runc";

    private static final String PREVIOUS_BOOT = "(a previous boot)";
    private static final int MAX_STATE_BYTES = 4 << 20;

    /**
     * The container bpm 1.x would have for JOB/PROC under {@code root}, if runc's state of it is
     * there.
     *
     * @throws IOException when the state is there but cannot be read or understood (naming the file)
     */
    public static Optional<LegacyRunc> find(Path root, String job, String process, String containerId) throws IOException {
        Path dir = root.resolve(RUNC_ROOT).resolve(containerId);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        Path bundle = root.resolve("data/bpm/bundles").resolve(job).resolve(process);
        Path pidFile = root.resolve("sys/run/bpm").resolve(job).resolve(process + ".pid");
        Path file = dir.resolve("state.json");
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            // runc died between making the directory and writing the state, or a reboot truncated
            // it (bpm 1.x's broken-state case): nothing can be signalled, the rest is cleaned
            return Optional.of(new LegacyRunc(containerId, dir, null, JobCgroup.at(List.of()), bundle, pidFile));
        }
        if (bytes.length > MAX_STATE_BYTES || bytes.length == 0) {
            return Optional.of(new LegacyRunc(containerId, dir, null, JobCgroup.at(List.of()), bundle, pidFile));
        }
        Map<String, Object> state;
        try {
            state = Json.object(Json.read(new String(bytes, StandardCharsets.UTF_8), Json.Numbers.ANY), "the state");
        } catch (IllegalArgumentException e) {
            throw new IOException("cannot read runc's state " + file + " (left by bpm 1.x): " + e.getMessage()
                    + "; if no such job runs, remove " + dir);
        }
        return Optional.of(of(state, containerId, dir, bundle, pidFile, file));
    }

    private static LegacyRunc of(Map<String, Object> state, String containerId, Path dir, Path bundle, Path pidFile, Path file)
            throws IOException {
        Object id = state.get("id");
        if (id != null && !containerId.equals(id)) {
            throw new IOException("runc's state " + file + " is of container " + id + ", not " + containerId
                    + "; if no such job runs, remove " + dir);
        }
        ProcessIdentity init = null;
        if (state.get("init_process_pid") instanceof Number pid && pid.longValue() > 0) {
            long start = startTime(state.get("init_process_start"), file);
            String boot = createdThisBoot(state.get("created")) ? ProcessIdentity.currentBootId() : PREVIOUS_BOOT;
            init = new ProcessIdentity(pid.longValue(), start, boot);
        }
        List<Path> dirs = new ArrayList<>();
        if (state.get("cgroup_paths") instanceof Map<?, ?> paths) {
            for (Object p : paths.values()) {
                if (p instanceof String s && !s.isEmpty() && isContainers(Path.of(s), containerId) && !dirs.contains(Path.of(s))) {
                    dirs.add(Path.of(s));
                }
            }
        }
        String unit = null;
        if (state.get("config") instanceof Map<?, ?> config && config.get("cgroups") instanceof Map<?, ?> cg
                && Boolean.TRUE.equals(cg.get("Systemd")) && cg.get("name") instanceof String name && !name.endsWith(".slice")) {
            String prefix = cg.get("scope_prefix") instanceof String s && !s.isEmpty() ? s : "runc";
            unit = prefix + "-" + name + ".scope";   // runc's getUnitName
        }
        return new LegacyRunc(containerId, dir, init, JobCgroup.at(dirs, unit), bundle, pidFile);
    }

    /** runc 1.x writes the start time as a number; runc before 1.0 wrote it as a string. */
    private static long startTime(Object value, Path file) throws IOException {
        if (value instanceof Number n) {
            return n.longValue();
        }
        if (value instanceof String s) {
            try {
                return Long.parseLong(s.strip());
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        throw new IOException("runc's state " + file + " has no init_process_start (the init's start time): " + value);
    }

    /**
     * Whether the state was written in this boot: runc's state lives on a tmpfs on stemcells, but
     * a BPM_BOSH_ROOT on disk keeps it across a reboot, when its pid may be anyone's. An
     * unreadable time is taken as this boot (the start time still has to match).
     */
    static boolean createdThisBoot(Object created) throws IOException {
        if (!(created instanceof String s)) {
            return true;
        }
        Instant when;
        try {
            when = OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeException e) {
            return true;
        }
        for (String line : Files.readAllLines(Path.of("/proc/stat"), StandardCharsets.US_ASCII)) {
            if (line.startsWith("btime ")) {
                // btime is whole seconds, rounded: allow one
                return !when.isBefore(Instant.ofEpochSecond(Long.parseLong(line.substring(6).strip()) - 1));
            }
        }
        return true;
    }

    /** Whether a cgroup directory is this container's own: named after it (cgroupfs) or its systemd scope. */
    static boolean isContainers(Path dir, String containerId) {
        Path name = dir.getFileName();
        if (!dir.isAbsolute() || name == null || !dir.normalize().equals(dir)) {
            return false;
        }
        String n = name.toString();
        return n.equals(containerId) || (n.endsWith("-" + containerId + ".scope"));
    }

    /** Whether the container's init (as runc recorded it) still runs. */
    public boolean running() throws IOException {
        return init != null && init.isAlive();
    }

    /**
     * Stops the container as {@link Stopper#stop} stops a job (the stop signal, SIGQUIT after
     * {@code quitAfter}, SIGKILL after {@code killAfter}, then whatever is left in its cgroups),
     * a frozen (paused) container thawed first so that the signals can land.
     */
    public Stopper.Outcome stop(int signal, Duration quitAfter, Duration killAfter, Duration cgroupTimeout) throws IOException {
        thaw();
        if (init == null) {
            if (!cgroup.kill(cgroupTimeout, JobCgroup.Killer.SIGKILL)) {
                throw new IOException("processes still in " + id + "'s cgroups after " + cgroupTimeout.toMillis() + " ms: " + cgroup.pids());
            }
            return Stopper.Outcome.NOT_RUNNING;
        }
        // no cgroup of its own recorded: the init is waited for after SIGKILL instead
        JobCgroup own = cgroup.paths().isEmpty() ? null : cgroup;
        return Stopper.stop(init, signal, quitAfter, killAfter, own, cgroupTimeout, Stopper.Fault.NONE);
    }

    /** A paused runc container is frozen: SIGKILL waits for a thaw (cgroup v1 freezer, v2 cgroup.freeze). */
    private void thaw() {
        for (Path d : cgroup.paths()) {
            for (String[] f : new String[][] {{"freezer.state", "THAWED"}, {"cgroup.freeze", "0"}}) {
                Path file = d.resolve(f[0]);
                if (Files.exists(file)) {
                    try {
                        Files.writeString(file, f[1], StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                    } catch (IOException e) {
                        // not frozen, or gone: the kill says what is left
                    }
                }
            }
        }
    }

    /**
     * Removes what bpm 1.x and runc left for the stopped container: its cgroups (its systemd scope
     * ended), runc's state directory, the bundle and the pid file. Call after {@link #stop}.
     */
    public void remove(Duration cgroupTimeout) throws IOException {
        cgroup.remove(cgroupTimeout);
        deleteTree(stateDir);
        deleteTree(bundle);
        Files.deleteIfExists(pidFile);
    }

    /** Deletes a directory runc or bpm 1.x made (no mount can be in it: the container's mounts died with it). */
    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.deleteIfExists(p);
                } catch (DirectoryNotEmptyException e) {
                    throw new IOException("cannot remove " + p + ": not empty (a mount in it?)", e);
                }
            }
        }
    }
}
