package io.bpm.compiler.cli;

import io.bpm.executor.host.Cgroups;
import io.bpm.executor.plan.ContainerId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.bpm.compiler.cli.JobHost.await;
import static io.bpm.compiler.cli.JobHost.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What the world does to bpm on a VM, as root against the kernel: state wiped by a reboot while
 * the job runs, a recorded pid reused by an unrelated process, a stop killed midway, a missing
 * init, a read-only data disk, a full log disk, a job directory that vanished. Each ends in a
 * clear error or a correct recovery, never two instances and never a leak.
 */
class ReliabilityTest extends JobHostTest {

    @BeforeEach
    void job() throws Exception {
        h.script("trap 'sleep 0.5; exit 0' TERM; echo up; while :; do sleep 0.1; done");
        h.oneProcess("");
    }

    private Path stateFile() {
        return h.stateDir().resolve(ContainerId.encode(h.job, h.job)).resolve("state");
    }

    /**
     * What a failed start must leave: no instance, pid file, state, cgroup or mount of the job, a
     * free lifecycle lock, and the cause in bpm.log. Checked before the frame's own cleanup
     * (which stops and kills whatever a test left, so proves nothing about a failed start).
     * {@code cause} null: the failure came before bpm.log could be opened (no vcap user to own it).
     */
    private void assertNothingLeftOfAFailedStart(String cause) throws Exception {
        String id = ContainerId.encode(h.job, h.job);
        assertEquals(0, JobHost.instances(h.job), "no instance");
        assertFalse(Files.exists(h.pidFile()), "no pid file");
        assertFalse(Files.exists(h.stateDir().resolve(id).resolve("state")), "no state");
        assertFalse(Cgroups.detect().job(id).exists(), "no cgroup");
        assertFalse(h.mountsOfRoot(), "no mount of the root");
        java.util.Optional<io.bpm.executor.host.LifecycleLock> lock = io.bpm.executor.host.LifecycleLock.tryAcquire(
                h.root.resolve("data/bpm/locks/" + ContainerId.lockName(h.job, h.job)));
        assertTrue(lock.isPresent(), "the lock is free");
        lock.get().close();
        String events = JobHost.readOrMissing(h.log("bpm.log"));
        if (cause == null) {
            assertFalse(Files.exists(h.log("bpm.log")), "no bpm.log made for a user that does not exist: " + events);
            return;
        }
        assertTrue(events.lines().anyMatch(l -> l.contains("\"bpm.start.failed-to-start\"") && l.contains(cause)),
                "bpm.log has the failure with its cause (" + cause + "): " + events);
    }

    @Test
    void stateWipedByARebootWhileTheJobRunsNeverGivesTwoInstances() throws Exception {
        assertEquals(0, h.bpm("start", h.job).code());
        String first = h.pid();
        try (Stream<Path> s = Files.list(h.stateDir())) {
            for (Path d : s.toList()) {
                try (Stream<Path> f = Files.list(d)) {
                    for (Path x : f.toList()) Files.delete(x);
                }
                Files.delete(d);
            }
        }
        JobHost.Result start = h.bpm("start", h.job);
        assertEquals(0, start.code(), start.err());
        assertTrue(start.err().contains("that no start recorded"), start.err());
        assertEquals(1, JobHost.instances(h.job));
        assertNotEquals(first, h.pid());
        assertTrue(JobHost.gone(first));
        assertEquals(0, h.bpm("stop", h.job).code());
    }

    @Test
    void aReusedPidIsNeverSignalled() throws Exception {
        assertEquals(0, h.bpm("start", h.job).code());
        String init = h.pid();
        Process unrelated = new ProcessBuilder("sleep", "60").start();
        try {
            // the init dies; its pid "comes back" as an unrelated process (the state is edited to say so)
            assertEquals(0, exec("kill", "-KILL", init));
            await("the init gone", () -> JobHost.gone(init));
            String state = Files.readString(stateFile());
            Files.writeString(stateFile(), state.replace("pid " + init + "\n", "pid " + unrelated.pid() + "\n"));
            Files.writeString(h.pidFile(), Long.toString(unrelated.pid()));
            JobHost.Result pid = h.bpm("pid", h.job);
            assertEquals(1, pid.code(), "not running: " + pid.out());
            assertFalse(pid.out().contains(Long.toString(unrelated.pid())), "bpm pid does not name the unrelated process");
            JobHost.Result stop = h.bpm("stop", h.job);
            assertEquals(0, stop.code(), stop.err());
            assertTrue(unrelated.isAlive(), "the unrelated process was not signalled");
            assertFalse(Files.exists(h.pidFile()));
        } finally {
            unrelated.destroyForcibly().waitFor();
        }
    }

    @Test
    void aStopKilledMidwayIsFinishedByTheNextStop() throws Exception {
        h.script("trap 'sleep 2; exit 0' TERM; echo up; while :; do sleep 0.1; done");
        assertEquals(0, h.bpm("start", h.job).code());
        h.awaitOutput("up");
        Process stop = h.command(Map.of(), "stop", h.job).start();
        await("the stop to hold the lock", () -> Files.readString(h.log("bpm.log")).contains("bpm.stop.acquiring-lifecycle-lock.complete"));
        Thread.sleep(300); // TERM delivered, the job still in its trap
        stop.toHandle().destroyForcibly();
        assertTrue(stop.waitFor(10, TimeUnit.SECONDS));
        assertTrue(JobHost.instances(h.job) <= 1);
        JobHost.Result again = h.bpm("stop", h.job);
        assertEquals(0, again.code(), again.err());
        assertEquals(0, JobHost.instances(h.job));
        assertFalse(Files.exists(h.pidFile()));
        JobHost.Result start = h.bpm("start", h.job);
        assertEquals(0, start.code(), start.err());
        assertEquals(1, JobHost.instances(h.job));
        assertEquals(0, h.bpm("stop", h.job).code());
    }

    @Test
    void aMissingInitFailsTheStartNamingIt() throws Exception {
        JobHost.Result start = h.bpm(Map.of("BPM_INIT", "/usr/bin/no-such-tini"), "start", h.job);
        assertEquals(1, start.code(), start.err());
        assertTrue(start.lastErrLine().contains("/usr/bin/no-such-tini") && start.lastErrLine().contains("ENOENT"), start.err());
        assertNothingLeftOfAFailedStart("/usr/bin/no-such-tini");
    }

    @Test
    void aReadOnlyDataDiskFailsTheStartClearly() throws Exception {
        Path data = h.root.resolve("data");
        assertEquals(0, exec("mount", "--bind", data.toString(), data.toString()));
        try {
            assertEquals(0, exec("mount", "-o", "remount,bind,ro", data.toString()));
            JobHost.Result start = h.bpm("start", h.job);
            assertEquals(1, start.code(), start.err());
            assertTrue(start.lastErrLine().contains("Read-only file system") || start.lastErrLine().contains("EROFS"), start.err());
            assertTrue(start.lastErrLine().contains(data.toString()), start.err());
            assertFalse(start.err().contains("\tat "), "no stack trace: " + start.err());
        } finally {
            assertEquals(0, exec("umount", data.toString()));
        }
        assertNothingLeftOfAFailedStart("Read-only file system");
    }

    @Test
    void aFullLogDiskLosesNothingOnTheTerminal() throws Exception {
        h.script("i=0; while [ $i -lt 4000 ]; do echo \"line $i of a job whose log disk is full, padded to be long enough\"; i=$((i+1)); done");
        Path logDir = Files.createDirectories(h.root.resolve("sys/log/" + h.job));
        assertEquals(0, exec("mount", "-t", "tmpfs", "-o", "size=64k,mode=0750", "tmpfs", logDir.toString()));
        try {
            JobHost.Result run = h.bpm("run", h.job);
            assertEquals(0, run.code(), run.err());
            assertEquals(4000, run.out().lines().count(), "every line reached the terminal");
            assertTrue(run.err().contains("cannot write the stdout log any more") && run.err().contains("ENOSPC"), run.err());
        } finally {
            assertEquals(0, exec("umount", logDir.toString()));
        }
    }

    /**
     * bpm in a private mount namespace where {@code setup} ran first (as root, in sh): the host
     * is changed for that one command only (no user deleted, no cgroup hierarchy unmounted).
     */
    private JobHost.Result bpmIn(String setup, String... args) throws Exception {
        ProcessBuilder pb = h.command(java.util.Map.of(), args);
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("unshare", "--mount", "--propagation", "private",
                "sh", "-c", setup + " && exec \"$@\"", "sh"));
        cmd.addAll(pb.command());
        pb.command(cmd);
        Path out = Files.createTempFile(Path.of("/var/tmp"), "bpm-out-", ".txt");
        Path err = Files.createTempFile(Path.of("/var/tmp"), "bpm-err-", ".txt");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            return new JobHost.Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    @Test
    void aMissingVcapUserFailsTheStartNamingIt() throws Exception {
        Path passwd = h.root.resolve("passwd-without-vcap");
        Files.writeString(passwd, Files.readAllLines(Path.of("/etc/passwd")).stream()
                .filter(l -> !l.startsWith("vcap:")).collect(java.util.stream.Collectors.joining("\n", "", "\n")));
        JobHost.Result start = bpmIn("mount --bind " + passwd + " /etc/passwd", "start", h.job);
        assertEquals(1, start.code(), start.err());
        assertTrue(start.lastErrLine().contains("vcap"), start.err());
        assertFalse(start.err().contains("\tat "), "no stack trace: " + start.err());
        assertNothingLeftOfAFailedStart(null);
    }

    @Test
    void aMissingPidsControllerFailsAStartThatNeedsItAndLeavesNothing() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/sys/fs/cgroup/pids")), "this host mounts no v1 pids hierarchy to take away");
        h.oneProcess("  limits:\n    processes: 10\n");
        JobHost.Result start = bpmIn("umount -l /sys/fs/cgroup/pids", "start", h.job);
        assertEquals(1, start.code(), start.err());
        assertTrue(start.lastErrLine().contains("pids"), start.err());
        assertFalse(start.err().contains("\tat "), "no stack trace: " + start.err());
        assertTrue(h.recordedCgroups().isEmpty());
        assertNothingLeftOfAFailedStart("pids");
    }

    /**
     * bpm start with the job's log directory full: the job still starts (its own writes get
     * ENOSPC, as on any full disk; bpm.log's lines are lost, not the job) and stops cleanly.
     */
    @Test
    void aFullLogDiskStillStartsAndStopsTheJob() throws Exception {
        Path logDir = Files.createDirectories(h.root.resolve("sys/log/" + h.job));
        assertEquals(0, exec("mount", "-t", "tmpfs", "-o", "size=64k,mode=0750", "tmpfs", logDir.toString()));
        try {
            exec("sh", "-c", "cat /dev/zero > " + logDir.resolve("filler") + " 2>/dev/null; true");
            JobHost.Result start = h.bpm("start", h.job);
            assertEquals(0, start.code(), start.err());
            assertFalse(start.err().contains("\tat "), "no stack trace: " + start.err());
            assertEquals(1, JobHost.instances(h.job));
            assertFalse(JobHost.gone(h.pid()), "the pid file names the running init");
            JobHost.Result stop = h.bpm("stop", h.job);
            assertEquals(0, stop.code(), stop.err());
            assertEquals(0, JobHost.instances(h.job));
            assertFalse(Files.exists(h.pidFile()));
        } finally {
            h.bpm("stop", h.job);
            assertEquals(0, exec("umount", logDir.toString()));
        }
    }

    @Test
    void aVanishedJobDirectoryStillStops() throws Exception {
        assertEquals(0, h.bpm("start", h.job).code());
        exec("rm", "-rf", h.root.resolve("jobs/" + h.job).toString());
        JobHost.Result stop = h.bpm("stop", h.job);
        assertEquals(0, stop.code(), stop.err());
        assertEquals(0, JobHost.instances(h.job));
        JobHost.Result start = h.bpm("start", h.job);
        assertEquals(1, start.code());
        assertTrue(start.lastErrLine().contains("bpm.yml"), start.err());
    }

    @Test
    void aDamagedStateFileIsReportedAndRecovered() throws Exception {
        assertEquals(0, h.bpm("start", h.job).code());
        Files.writeString(stateFile(), "garbage\n", StandardCharsets.UTF_8);
        JobHost.Result start = h.bpm("start", h.job);
        assertEquals(0, start.code(), start.err());
        assertTrue(start.err().contains("damaged state file"), start.err());
        assertEquals(1, JobHost.instances(h.job), "the unrecorded instance was replaced, not doubled");
        assertEquals(0, h.bpm("stop", h.job).code());
    }
}
