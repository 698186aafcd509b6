package io.bpm.compiler.cli;

import io.bpm.executor.host.Cgroups;
import io.bpm.executor.host.LifecycleLock;
import io.bpm.executor.launch.LaunchPlan;
import io.bpm.executor.lifecycle.Stopper;
import io.bpm.executor.plan.ContainerId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import static io.bpm.compiler.cli.JobHost.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bpm start} killed with SIGKILL before each host-preparation step, at each phase of a
 * launch and while the child is at sampled tape entries ({@link FaultyBpm}); {@code bpm stop}
 * killed at each of its steps: afterwards the lock is free, the next start
 * succeeds with exactly one instance (a child that went on to exec the job is found through the
 * job's cgroup and killed), and stop leaves no cgroup, mount or process.
 */
class FaultInjectionTest extends JobHostTest {

    @BeforeEach
    void job() throws Exception {
        job(h);
    }

    /**
     * The job: a pre_start hook, a shared volume (host preparation binds it onto itself and makes
     * it shared: a host mount that stays, as in bpm 1.4, and must never be stacked twice) and a
     * pids limit, so that every kind of host preparation lies on the way of a kill.
     */
    private static void job(JobHost host) throws Exception {
        host.script("trap 'exit 0' TERM; echo up; while :; do sleep 0.1; done");
        String hook = host.script("pre-start", "echo hooked");
        Files.createDirectories(host.root.resolve("data/" + host.job + "/shared"));   // as bpm, a shared volume must exist
        host.oneProcess("  limits:\n    processes: 100\n  hooks:\n    pre_start: " + hook + "\n"
                + "  additional_volumes:\n  - path: /var/vcap/data/" + host.job + "/shared\n    writable: true\n    shared: true\n");
    }

    private Path sharedVolume() {
        return h.root.resolve("data/" + h.job + "/shared");
    }

    /** The mounts of the temporary root on the host, but the shared volume's own. */
    private List<String> mountsOfRootButTheSharedVolume() throws Exception {
        String vol = " " + sharedVolume() + " ";
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(l -> l.contains(h.root.toString()) && !l.contains(vol)).toList();
    }

    private long sharedVolumeMounts() throws Exception {
        String vol = " " + sharedVolume() + " ";
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().filter(l -> l.contains(vol)).count();
    }

    /** The shared volume's host mount is bpm's to leave (bpm 1.4 leaves it too), not the test's. */
    @AfterEach
    void unmountTheSharedVolume() throws Exception {
        h.bpm("stop", h.job);
        JobHost.exec("sh", "-c", "while grep -q ' " + sharedVolume() + " ' /proc/self/mountinfo; do umount -l "
                + sharedVolume() + "; done; true");
    }

    @ParameterizedTest
    @EnumSource(LaunchPlan.Phase.class)
    void aStartKilledAtAPhase(LaunchPlan.Phase phase) throws Exception {
        Process p = h.command(FaultyBpm.class, Map.of(), phase.name(), "-", "start", h.job).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(137, p.exitValue(), "killed at " + phase);
        assertRecovers();
    }

    /**
     * Entry numbers of the job's tape (239 entries here): by default a sample (the first, mounts,
     * pivot_root, credentials, seccomp, the exec, past the end); with {@code -Dfaults.tape=all},
     * as bench/faults runs it, every entry of the tape its dry run shows and one past the end
     * (about 5 s an entry).
     */
    static IntStream tapeEntries() throws Exception {
        if (!System.getProperty("faults.tape", "").equals("all")) return IntStream.of(0, 3, 60, 140, 190, 226, 228, 5000);
        try (JobHost host = new JobHost()) {
            job(host);
            JobHost.Result dry = host.bpm("start", "--dry-run", host.job);
            Matcher m = Pattern.compile("the tape the child replays \\((\\d+) entries\\)").matcher(dry.out());
            assertTrue(m.find(), dry.out() + dry.err());
            return IntStream.rangeClosed(0, Integer.parseInt(m.group(1)));
        }
    }

    /** The host-preparation steps of the job's plan (mkdir, volume, share, require-dir, open-log), as its dry run shows them. */
    static IntStream preparationSteps() throws Exception {
        try (JobHost host = new JobHost()) {
            job(host);
            JobHost.Result dry = host.bpm("start", "--dry-run", host.job);
            String plan = dry.out().substring(dry.out().indexOf("# the plan"), dry.out().indexOf("# the job's cgroup"));
            long n = plan.lines().map(String::strip)
                    .filter(l -> l.matches("(mkdir|volume|share|require-dir|open-log) .*")).count();
            assertTrue(n >= 5, dry.out() + dry.err());
            return IntStream.range(0, (int) n);
        }
    }

    /** bpm start killed right before each host-preparation step: what it made stays, and the next start goes on from there. */
    @ParameterizedTest
    @MethodSource("preparationSteps")
    void aStartKilledBeforeAHostPreparationStep(int step) throws Exception {
        Process p = h.command(FaultyBpm.class, Map.of(), "prep:" + step, "-", "start", h.job).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(137, p.exitValue(), "killed before preparation step " + step);
        assertRecovers();
    }

    @ParameterizedTest
    @MethodSource("tapeEntries")
    void aStartKilledWhileTheChildIsAtATapeEntry(int entry) throws Exception {
        Path marker = h.root.resolve("fault-marker");
        Process p = h.command(FaultyBpm.class, Map.of(), "tape:" + entry, marker.toString(), "start", h.job).start();
        await("the tape built", () -> Files.exists(marker) || !p.isAlive());
        Thread.sleep(500); // the child runs up to the pause in microseconds
        p.toHandle().destroyForcibly();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        Thread.sleep(2000); // the child's pause ends: it goes on without its parent
        assertRecovers();
    }

    /**
     * bpm stop killed at each of its steps, as monit's stop timeout or a reboot would: the job is
     * never seen twice, a start (monit's restart) finds it or starts exactly one, and the next stop
     * finishes what the killed one left (state, pid file, cgroup).
     */
    @ParameterizedTest
    @EnumSource(Stopper.Phase.class)
    void aStopKilledAtAStep(Stopper.Phase phase) throws Exception {
        JobHost.Result start = h.bpm("start", h.job);
        assertEquals(0, start.code(), start.err());
        h.awaitOutput("up");
        Process p = h.command(FaultyBpm.class, Map.of(), "stop:" + phase, "-", "stop", h.job).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(137, p.exitValue(), "killed at " + phase);
        assertTrue(JobHost.instances(h.job) <= 1, "at most one instance after a stop killed at " + phase);
        // the next stop (monit's retry) finishes the job
        JobHost.Result stop = h.bpm("stop", h.job);
        assertEquals(0, stop.code(), stop.err());
        assertEquals(0, JobHost.instances(h.job), "no instance after the next stop");
        assertFalse(Files.exists(h.pidFile()), "no pid file after the next stop");
        assertFalse(Cgroups.detect().job(ContainerId.encode(h.job, h.job)).exists(), "no cgroup after the next stop");
        assertRecovers();
    }

    private void assertRecovers() throws Exception {
        Path lockFile = h.root.resolve("data/bpm/locks/" + ContainerId.lockName(h.job, h.job));
        Optional<LifecycleLock> lock = LifecycleLock.tryAcquire(lockFile);
        assertTrue(lock.isPresent(), "the lock is free");
        lock.get().close();

        JobHost.Result start = h.bpm("start", h.job);
        assertEquals(0, start.code(), start.err());
        assertTrue(JobHost.readOrMissing(h.stdoutLog()).contains("hooked"), "the hook ran");
        assertEquals(1, JobHost.instances(h.job), "exactly one instance; " + start.err() + JobHost.describeInstances(h.job));
        String pid = h.pid();
        assertFalse(JobHost.gone(pid), "the pid file names the live init");

        assertEquals(0, h.bpm("stop", h.job).code());
        assertEquals(0, JobHost.instances(h.job));
        assertFalse(Files.exists(h.pidFile()));
        assertFalse(Cgroups.detect().job(ContainerId.encode(h.job, h.job)).exists(), "no cgroup left");
        assertEquals(List.of(), mountsOfRootButTheSharedVolume(), "no mount left but the shared volume's");
        assertTrue(sharedVolumeMounts() <= 1, "the shared volume is bound onto itself at most once");
    }
}
