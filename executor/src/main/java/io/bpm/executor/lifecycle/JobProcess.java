package io.bpm.executor.lifecycle;

import io.bpm.executor.host.CgroupDriver;
import io.bpm.executor.host.Cgroups;
import io.bpm.executor.host.EventLog;
import io.bpm.executor.host.JobCgroup;
import io.bpm.executor.host.LifecycleLock;
import io.bpm.executor.host.StateStore;
import io.bpm.executor.launch.SeccompFilter;
import io.bpm.executor.plan.ContainerId;
import io.bpm.executor.plan.HostFacts;
import io.bpm.executor.plan.Plan;
import io.bpm.executor.plan.PlanCache;
import io.bpm.executor.plan.PlanFormatException;
import io.bpm.executor.plan.PlanText;
import io.bpm.executor.plan.SeccompProfile;
import io.bpm.executor.plan.Step;
import io.bpm.executor.plan.VerifiedPlan;
import io.bpm.executor.plan.Verifier;
import io.bpm.executor.seccomp.Arch;
import io.bpm.executor.seccomp.Precompiled;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One process of a job on this host, as start, run and stop address it: the paths bpm derives
 * from JOB and PROC under the BOSH root (lock, state, bpm.yml, plan cache, bpm.log) and the
 * steps the three commands share (lock, read and clean state, get a verified plan: from the
 * plan cache, else from the compiler through a {@link PlanSupplier}).
 */
public final class JobProcess {

    /** A command cannot go on; the message is the last line it prints. */
    public static final class Failed extends Exception {
        public Failed(String message) {
            super(message);
        }
    }

    /** How long to wait for the kernel to empty and remove a cgroup. */
    public static final Duration CGROUP_TIMEOUT = Duration.ofSeconds(5);

    /** The environment variable that chooses the init. */
    public static final String INIT_VARIABLE = "BPM_INIT";

    /**
     * The seccomp programs bpm ships, for the architecture this JVM runs on (precompiled for
     * x86-64; compiled on the spot from the aarch64 table, where the launch stub still lacks).
     */
    public static final SeccompFilter SECCOMP = new ShippedSeccomp();

    /** {@link #SECCOMP}: a class, not a lambda, on the start path. */
    private static final class ShippedSeccomp implements SeccompFilter {
        @Override
        public long[] program(Step.Seccomp step) {
            SeccompProfile profile = SeccompProfile.byName(step.profile(), step.version()).orElse(null);
            if (profile == null) throw new IllegalArgumentException("unknown seccomp profile " + step.profile() + " " + step.version());
            return Precompiled.program(profile, Arch.host()).toLongArray();
        }
    }

    public final String job;
    public final String process;
    public final HostFacts facts;
    public final String containerId;

    /** The bpm.log {@link #events} opened last, where {@link #plan} logs the findings of a compile. */
    private EventLog log;

    /** This host's cgroup layout, read with the facts (null until read, or when that failed): see {@link #cgroups()}. */
    private Cgroups cgroups;

    private JobProcess(String job, String process, HostFacts facts, Cgroups cgroups) {
        this.job = job;
        this.process = process;
        this.facts = facts;
        this.containerId = ContainerId.encode(job, process);
        this.cgroups = cgroups;
    }

    /**
     * JOB/PROC on this host.
     *
     * @param needUser start and run need the vcap user (its ids go into the plan); stop works
     *                 without it
     */
    public static JobProcess of(String job, String process, boolean needUser) throws Failed {
        checkNames(job, process);
        // mountinfo read once, for the facts (swap accounting) and for the job's cgroup
        Cgroups cgroups;
        try {
            cgroups = Cgroups.detect();
        } catch (IOException e) {
            cgroups = null; // no cgroup file system: no swap accounting; what needs a cgroup fails with the reason
        }
        HostFacts facts;
        try {
            facts = HostFacts.detect(cgroups != null && cgroups.swapAccounting());
        } catch (IllegalStateException e) {
            if (needUser) throw new Failed(e.getMessage());
            facts = HostFacts.of(HostFacts.rootFrom(System.getenv()), 0, 0); // stop: only paths are needed
        }
        return new JobProcess(job, process, facts, cgroups);
    }

    /** JOB/PROC with facts given (a test's root and ids); the cgroup layout is read when first needed. */
    public static JobProcess of(String job, String process, HostFacts facts) throws Failed {
        checkNames(job, process);
        return new JobProcess(job, process, facts, null);
    }

    private static void checkNames(String job, String process) throws Failed {
        String invalid = Verifier.nameProblem("job", job);
        if (invalid == null) invalid = Verifier.nameProblem("process", process);
        if (invalid != null) throw new Failed("invalid job or process name: " + invalid);
    }

    /** This host's cgroup layout as read with the facts, or null (not read, or it could not be): for the launch, which reads it then. */
    public Cgroups cgroupLayout() {
        return cgroups;
    }

    /** This host's cgroup layout: as read with the facts, else read now (and failing with the reason when it cannot be). */
    private Cgroups cgroups() throws IOException {
        if (cgroups == null) cgroups = Cgroups.detect();
        return cgroups;
    }

    /** bpm 1.4's message when neither the user nor the group is root (§7.1), word for word. */
    public static final String NOT_ROOT = "bpm must be run as root. Please run 'sudo -i' to become the root user.";

    /**
     * Whether this process may run bpm's job commands: as bpm 1.4 checks it, the real user or the
     * real group is root. Read from /proc/self/status, which costs no FFM downcall.
     */
    public static boolean runByRoot() {
        try {
            return rootIn(Files.readString(Path.of("/proc/self/status")));
        } catch (IOException e) {
            return true;   // no /proc: let the command itself fail with its own reason
        }
    }

    /** bpm 1.4's root check for a command: false, after saying why on {@code err} with {@code prefix}, when not run by root. */
    public static boolean checkRoot(PrintStream err, String prefix) {
        if (runByRoot()) return true;
        err.println(prefix + NOT_ROOT);
        return false;
    }

    /** Whether a /proc/PID/status text has a real uid or a real gid of 0. */
    public static boolean rootIn(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("Uid:") || line.startsWith("Gid:")) {
                List<String> ids = HostFacts.words(line.substring(4));
                if (!ids.isEmpty() && ids.get(0).equals("0")) return true;
            }
        }
        return false;
    }

    /** The message of the innermost cause: what a command prints on its last line, never a stack trace. */
    public static String rootCause(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) c = c.getCause();
        String m = c.getMessage();
        return m == null ? c.getClass().getSimpleName() : m;
    }

    public String who() {
        return job + "/" + process;
    }

    public Path path(String rootRelative) {
        return Path.of(facts.bind(Step.ROOT + "/" + rootRelative));
    }

    public Path bpmYml() {
        return path("jobs/" + job + "/config/bpm.yml");
    }

    public StateStore store() {
        return new StateStore(path("sys/run/bpm-state/" + containerId));
    }

    /** Set by the launchers (bin/bpm, the distribution's) when an AOT cache exists that this run does not use: cpu, key. */
    public static final String AOT_UNUSED = "bpm.aot.unused";

    /** Why the launcher ran without its AOT cache, for bpm.log. */
    public static String aotNote(String reason) {
        return switch (reason) {
            case "cpu" -> "the JVM's AOT cache was trained on a CPU with other features (/proc/cpuinfo flags), which could crash "
                    + "the JVM (SIGILL): running without it; run bin/aot-train on this machine to make one for it";
            default -> "the JVM's AOT cache was trained for another JDK or other jars: running without it; run bin/aot-train again";
        };
    }

    /**
     * Whether this host knows nothing of JOB/PROC: no job directory, no lifecycle lock (a start
     * makes it first), no recorded state and no cgroup. Stop then has nothing to do and must make
     * nothing either (a mistyped job or BPM_BOSH_ROOT used to leave lock files behind). A start
     * that has not yet taken its lock is, for the stop, one that comes after it.
     */
    public boolean unknown() throws IOException {
        return !Files.exists(path("jobs/" + job)) && !Files.exists(lockFile()) && !Files.exists(store().directory())
                && !cgroups().job(containerId).exists();
    }

    private Path lockFile() {
        return path("data/bpm/locks/" + ContainerId.lockName(job, process));
    }

    /** Waits for and takes the lifecycle lock (bpm's lock file name). */
    public LifecycleLock lock(EventLog log) throws IOException {
        log.info("acquiring-lifecycle-lock.starting");
        LifecycleLock lock = LifecycleLock.acquire(lockFile());
        log.info("acquiring-lifecycle-lock.complete");
        return lock;
    }

    /**
     * The job's bpm.log for a command. Start and run refuse to go on when it is a symlink (as
     * bpm does: something planted it); otherwise a log that cannot be written is a warning.
     *
     * @param createDir start and run make the log directory; stop does not
     */
    public EventLog events(String command, boolean createDir, PrintStream err) throws Failed {
        Path file = path("sys/log/" + job + "/bpm.log");
        EventLog log = EventLog.open(file, command, job, process, facts.uid(), facts.gid(), createDir);
        if (log.problem() != null) {
            if (createDir && log.problem().startsWith("refusing to open symlink")) {
                throw new Failed("failed to " + command + " job-process " + who() + ": " + log.problem());
            }
            err.println("bpm " + command + ": warning: " + log.problem());
        }
        this.log = log;
        String unused = System.getProperty(AOT_UNUSED);
        if (unused != null) log.warning("aot-cache-unused", aotNote(unused));
        return log;
    }

    /** The recorded state, or empty; a damaged state file is reported and treated as none. */
    public Optional<StateStore.State> readState(StateStore store, String command, PrintStream err) throws IOException {
        try {
            return store.readState();
        } catch (StateStore.StateFormatException e) {
            err.println("bpm " + command + ": ignoring a damaged state file: " + e.getMessage());
            return Optional.empty();
        }
    }

    /** The recorded init is gone: kill what is left in its cgroup, remove it, the pid file and the state. */
    public void cleanStale(StateStore store, StateStore.State state, EventLog log) throws IOException {
        JobCgroup cg = state.cgroup();
        reportOom(cg, log);
        cg.kill(CGROUP_TIMEOUT, JobCgroup.Killer.SIGKILL);
        cg.remove(CGROUP_TIMEOUT);
        StateStore.removePidFile(pidFile(savedPlan(store)));
        store.remove();
    }

    /**
     * Puts the kernel's OOM kills in the job's cgroup into bpm.log (read before the cgroup goes):
     * a job that died at its memory limit is otherwise only a missing process.
     */
    public static void reportOom(JobCgroup cgroup, EventLog log) {
        reportOom(cgroup, log, -1);
    }

    /**
     * As {@link #reportOom(JobCgroup, EventLog)}, with a count read earlier, while the job still
     * ran: a systemd scope's cgroup goes with the job's last process, memory.events with it.
     */
    public static void reportOom(JobCgroup cgroup, EventLog log, long readBefore) {
        // a cgroup counted before and gone now was a scope systemd unloaded as it emptied: asking
        // systemd again (a bus connection on every stop) could tell nothing the count did not
        long kills = readBefore >= 0 && !cgroup.exists() ? readBefore : Math.max(readBefore, cgroup.oomKills());
        if (kills > 0) {
            log.error("oom-killed", kills + " process" + (kills == 1 ? " was" : "es were")
                    + " killed by the kernel's OOM killer at the job's memory limit (limits.memory)");
        }
    }

    /** The plan start saved, or null when there is none or it is damaged. */
    public static Plan savedPlan(StateStore store) throws IOException {
        Optional<String> text = store.readPlan();
        if (text.isEmpty()) return null;
        try {
            return PlanText.read(text.get());
        } catch (PlanFormatException | RuntimeException e) {
            return null;
        }
    }

    /** The public pid file: the one the saved plan names, else bpm's path for this job and process. */
    public Path pidFile(Plan saved) {
        if (saved != null) {
            try {
                return Path.of(facts.bind(saved.one(Step.PidFile.class).path()));
            } catch (RuntimeException e) {
                // a plan without a pid-file line: bpm's path
            }
        }
        return path("sys/run/bpm/" + job + "/" + process + ".pid");
    }

    /**
     * Makes the pid file name the running init again when it does not: a start killed after it
     * recorded the state but before it wrote the pid file leaves a running job that monit cannot
     * see, and every later start would find it running and return without the pid file monit
     * waits for. True if the file was written.
     */
    public boolean restorePidFile(StateStore store, StateStore.State state) throws IOException {
        Path file = pidFile(savedPlan(store));
        String want = Long.toString(state.process().pid());
        byte[] have;
        try {
            have = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            have = null;
        }
        if (have != null && new String(have, StandardCharsets.US_ASCII).strip().equals(want)) return false;
        StateStore.writePidFile(file, state.process().pid());
        return true;
    }

    /**
     * Kills what runs in this process's cgroup although no start recorded it: the leftovers of a
     * start killed between the launch and saving its state, or of state lost while the job ran.
     * Under the lifecycle lock and with no live recorded instance, whatever is in the cgroup named
     * by this container id is bpm's and stale; killing it is what keeps a job to one instance
     * (bpm 1.4 does the same through runc delete --force). Called before every launch.
     */
    public void sweepUnrecorded(EventLog log, String command, PrintStream err) throws IOException {
        JobCgroup cg = CgroupDriver.of(cgroups()).locate(containerId);
        if (!cg.exists()) return;
        java.util.Set<Long> left = cg.pids();
        if (!left.isEmpty()) {
            log.error("killing-unrecorded-processes", "pids " + left);
            err.println("bpm " + command + ": warning: " + who() + " has processes " + left + " in its cgroup that no start "
                    + "recorded (a start killed midway, or lost state): killing them");
            if (!cg.kill(CGROUP_TIMEOUT, JobCgroup.Killer.SIGKILL)) {
                throw new IOException("processes " + cg.pids() + " of " + who() + " survive SIGKILL in " + cg.paths());
            }
        }
        cg.remove(CGROUP_TIMEOUT);
    }

    PlanCache planCache() {
        return new PlanCache(path("data/bpm/plans/" + containerId));
    }

    /** The cache's verified plan for these bytes of bpm.yml, keeping bin/bpm's hint true on a hit. */
    Optional<VerifiedPlan> lookUp(PlanCache cache, Path yml, byte[] bytes, String version) {
        Optional<VerifiedPlan> hit = cache.find(PlanCache.sha256(bytes), version, job, process);
        if (hit.isPresent()) keepLauncherHint(cache.directory(), yml);
        return hit;
    }

    /**
     * bin/bpm runs a start whose bpm.yml is newer than its plan cache's directory with the
     * compiler's AOT cache and the JIT (it will compile), and other starts with monit's cache and
     * the interpreter. Every store makes the directory newer; this makes it newer after a hit too
     * (bpm.yml rewritten with the same bytes), so that the following starts take monit's path
     * again. Only a hint: a wrong one costs time, never a wrong plan; failures are ignored.
     */
    private static void keepLauncherHint(Path dir, Path yml) {
        try {
            FileTime written = Files.getLastModifiedTime(yml);
            if (written.compareTo(Files.getLastModifiedTime(dir, LinkOption.NOFOLLOW_LINKS)) < 0) return;
            Instant now = Instant.now();
            Instant after = written.toInstant().plusNanos(1);   // a bpm.yml dated in the future too
            Files.setLastModifiedTime(dir, FileTime.from(now.isAfter(after) ? now : after));
        } catch (IOException | RuntimeException e) {
            // the next start takes the compiler's path once more, and tries again
        }
    }

    /**
     * The verified plan of this process: from the plan cache when bpm.yml's bytes and the
     * compiler's version are those of an entry (no compiler class is touched), else compiled by
     * {@code compiler} (which reports its findings) and, when {@code cached}, stored with its
     * verdict.
     *
     * @param cached use and fill the plan cache (not for a dry run, which writes nothing)
     */
    public VerifiedPlan plan(PlanSupplier compiler, String init, boolean cached, String command, PrintStream err)
            throws Failed, IOException {
        Path yml = bpmYml();
        if (!Files.isRegularFile(yml)) {
            throw new Failed("failed to " + command + " " + who() + ": no job configuration at " + yml
                    + " (is the job deployed, and BPM_BOSH_ROOT right?)");
        }
        byte[] bytes = Files.readAllBytes(yml);
        String version = compiler.cacheVersion(init);
        PlanCache cache = cached ? planCache() : null;
        if (cache != null) {
            Optional<VerifiedPlan> hit = lookUp(cache, yml, bytes, version);
            if (hit.isPresent()) return hit.get();
        }
        VerifiedPlan compiled = compiler.compile(new PlanSupplier.Request(this, yml, bytes, init, command, log, err));
        if (cache != null) cache.store(PlanCache.sha256(bytes), version, compiled);
        return compiled;
    }
}
