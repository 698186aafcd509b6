package io.bpm.executor.lifecycle;

import io.bpm.executor.host.ProcessIdentity;
import io.bpm.executor.sys.Linux;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The escalation of stop, on plain child processes with short graces (no root needed). The exit
 * status is not checked: the stopper reaps its own children, so the JVM's process reaper may
 * find none; which signal ended the child shows in the outcome (TERM or INT ignored where a
 * later step must have been needed).
 */
class StopperTest {

    private static final Duration GRACE = Duration.ofMillis(300);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** {@code sh -c 'trap "" SIGNALS; exec sleep 60'}, returned once it is sleep (the traps are set). */
    private static Process sleeper(String ignored) throws Exception {
        Process p = new ProcessBuilder("/bin/sh", "-c", (ignored.isEmpty() ? "" : "trap '' " + ignored + "; ") + "exec sleep 60")
                .redirectErrorStream(true).start();
        Path comm = Path.of("/proc/" + p.pid() + "/comm");
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!Files.readString(comm).trim().equals("sleep")) {
            if (System.nanoTime() > deadline) throw new AssertionError("the child never exec'd sleep");
            Thread.sleep(5);
        }
        return p;
    }

    private static ProcessIdentity identity(Process p) throws IOException {
        return ProcessIdentity.of(p.pid()).orElseThrow();
    }

    @Test
    void exitsOnTheStopSignal() throws Exception {
        Process p = sleeper("");
        long t0 = System.nanoTime();
        assertEquals(Stopper.Outcome.STOPPED, Stopper.stop(identity(p), Linux.SIGTERM, GRACE, GRACE, null, TIMEOUT, Stopper.Fault.NONE));
        assertTrue(System.nanoTime() - t0 < GRACE.toNanos(), "no wait for the grace when it exits at once");
        assertTrue(p.waitFor(5, TimeUnit.SECONDS));
    }

    @Test
    void intWhenConfigured() throws Exception {
        Process p = sleeper("TERM");
        assertEquals(Stopper.Outcome.STOPPED, Stopper.stop(identity(p), Linux.SIGINT, GRACE, GRACE, null, TIMEOUT, Stopper.Fault.NONE));
        assertTrue(p.waitFor(5, TimeUnit.SECONDS));
    }

    @Test
    void quitAfterQuitAfter() throws Exception {
        Process p = sleeper("TERM");
        long t0 = System.nanoTime();
        assertEquals(Stopper.Outcome.QUIT, Stopper.stop(identity(p), Linux.SIGTERM, GRACE, GRACE, null, TIMEOUT, Stopper.Fault.NONE));
        long took = System.nanoTime() - t0;
        assertTrue(took >= GRACE.toNanos() && took < 2 * GRACE.toNanos() + 1_000_000_000L, "took " + took / 1_000_000 + " ms");
        assertTrue(p.waitFor(5, TimeUnit.SECONDS));
    }

    @Test
    void killedAfterQuitAfterPlusKillAfter() throws Exception {
        Process p = sleeper("TERM QUIT");
        long t0 = System.nanoTime();
        assertEquals(Stopper.Outcome.KILLED, Stopper.stop(identity(p), Linux.SIGTERM, GRACE, GRACE, null, TIMEOUT, Stopper.Fault.NONE));
        long took = System.nanoTime() - t0;
        assertTrue(took >= 2 * GRACE.toNanos() && took < 2 * GRACE.toNanos() + 1_000_000_000L, "took " + took / 1_000_000 + " ms");
        assertTrue(p.waitFor(5, TimeUnit.SECONDS));
    }

    @Test
    void aProcessThatIsGoneIsNotSignalled() throws Exception {
        Process p = sleeper("");
        ProcessIdentity id = identity(p);
        p.destroyForcibly();
        assertTrue(p.waitFor(5, TimeUnit.SECONDS));
        assertEquals(Stopper.Outcome.NOT_RUNNING, Stopper.stop(id, Linux.SIGTERM, GRACE, GRACE, null, TIMEOUT, Stopper.Fault.NONE));
    }

    @Test
    void aReusedPidIsNotSignalled() throws Exception {
        Process p = sleeper("");
        try {
            ProcessIdentity id = identity(p);
            ProcessIdentity other = new ProcessIdentity(id.pid(), id.startTime() + 1, id.bootId());
            assertEquals(Stopper.Outcome.NOT_RUNNING, Stopper.stop(other, Linux.SIGTERM, GRACE, GRACE, null, TIMEOUT, Stopper.Fault.NONE));
            assertFalse(p.waitFor(100, TimeUnit.MILLISECONDS), "the process whose start time differs was left alone");
        } finally {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
