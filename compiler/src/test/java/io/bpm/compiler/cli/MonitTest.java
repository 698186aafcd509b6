package io.bpm.compiler.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * bpm under its real caller: the Debian {@code monit} daemon, started by the test in the
 * foreground (so the test reaps it), its control socket a unix socket in the test's directory,
 * with a control file as BOSH renders one: {@code check process} with bpm's pid file and
 * {@code bpm start/stop} as the programs. Two jobs; start all, a crash and monit's restart,
 * a restart storm (monit does not wait for a stop before it starts again: bpm's lock must keep
 * it to one instance), and a job that ignores TERM stopped within monit's timeout.
 */
class MonitTest extends JobHostTest {

    private static final Path MONIT = Path.of("/usr/bin/monit");

    private Path dir;
    private Path rc;
    private Process monit;
    private String other;

    @BeforeAll
    static void requireMonit() {
        String why = Files.isExecutable(MONIT) ? null : "the monit tests need " + MONIT + " (Debian package monit; .ci/run installs it)";
        if (why != null) System.err.println("SKIPPED LOUDLY: " + why);
        assumeTrue(why == null, "SKIPPED LOUDLY: " + why);
    }

    @BeforeEach
    void startMonit() throws Exception {
        dir = Files.createTempDirectory(Path.of("/var/tmp"), "bpm-monit-");
        h.script("trap 'sleep 1; exit 0' TERM; echo up; while :; do sleep 0.1; done");
        h.oneProcess("");
        other = h.otherJob("b", "trap 'echo ignored' TERM QUIT; echo up; while :; do sleep 0.1; done");

        // monit runs programs with an environment of its own: the wrapper carries bpm's
        Path bpm = dir.resolve("bpm");
        ProcessBuilder cmd = h.command(java.util.Map.of());
        StringBuilder wrapper = new StringBuilder("#!/bin/sh\n");
        wrapper.append("export BPM_BOSH_ROOT='").append(h.root).append("' BPM_INIT='").append(JobHost.TINI).append("'\n");
        wrapper.append("exec");
        for (String a : cmd.command()) wrapper.append(" '").append(a).append("'");
        wrapper.append(" \"$@\"\n");
        Files.writeString(bpm, wrapper);
        Files.setPosixFilePermissions(bpm, PosixFilePermissions.fromString("rwx------"));

        StringBuilder control = new StringBuilder();
        control.append("set daemon 1\n")
                .append("set logfile ").append(dir.resolve("monit.log")).append('\n')
                .append("set pidfile ").append(dir.resolve("monit.pid")).append('\n')
                .append("set idfile ").append(dir.resolve("monit.id")).append('\n')
                .append("set statefile ").append(dir.resolve("monit.state")).append('\n')
                .append("set httpd unixsocket ").append(dir.resolve("monit.sock")).append("\n  allow bpmtest:bpmtest\n\n");
        for (String j : List.of(h.job, other)) {
            control.append("check process ").append(j).append('\n')
                    .append("  with pidfile ").append(h.root.resolve("sys/run/bpm/" + j + "/" + j + ".pid")).append('\n')
                    .append("  start program \"").append(bpm).append(" start ").append(j).append("\" with timeout 30 seconds\n")
                    .append("  stop program \"").append(bpm).append(" stop ").append(j).append("\" with timeout 30 seconds\n")
                    .append("  group vcap\n\n");
        }
        rc = dir.resolve("monitrc");
        Files.writeString(rc, control);
        Files.setPosixFilePermissions(rc, PosixFilePermissions.fromString("rw-------"));
        monit = new ProcessBuilder(MONIT.toString(), "-I", "-c", rc.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("monit.out").toFile()).start();
        await("monit's control socket", 20, () -> Files.exists(dir.resolve("monit.sock")));
    }

    @AfterEach
    void stopMonit() throws Exception {
        try {
            if (monit != null && monit.isAlive()) {
                control("stop", "all");
                await("monit to stop every job", 60, () -> JobHost.instances(h.job) == 0 && JobHost.instances(other) == 0);
                monit.destroy(); // SIGTERM: monit exits, leaving the jobs as they are (stopped)
                assertTrue(monit.waitFor(20, TimeUnit.SECONDS), "monit exited");
            }
        } finally {
            if (monit != null && monit.isAlive()) monit.destroyForcibly().waitFor();
            deleteTree(dir);
        }
    }

    private String control(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(MONIT.toString(), "-c", rc.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "monit " + String.join(" ", args) + ": " + out);
        return out;
    }

    private Path pidFile(String job) {
        return h.root.resolve("sys/run/bpm/" + job + "/" + job + ".pid");
    }

    /** The pid in the job's pid file, if the file exists and names a live process. */
    private String livePid(String job) throws Exception {
        Path f = pidFile(job);
        if (!Files.exists(f)) return null;
        String pid = Files.readString(f, StandardCharsets.US_ASCII).strip();
        return pid.isEmpty() || JobHost.gone(pid) ? null : pid;
    }

    private static void await(String what, int seconds, Callable<Boolean> cond) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!cond.call()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out after " + seconds + " s waiting for " + what);
            Thread.sleep(50);
        }
    }

    private String monitLog() throws Exception {
        Path log = dir.resolve("monit.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Test
    void monitStartsAndStopsBothJobsThroughBpm() throws Exception {
        control("start", "all");
        await("both pid files naming live inits", 60, () -> livePid(h.job) != null && livePid(other) != null);
        assertEquals(1, JobHost.instances(h.job));
        assertEquals(1, JobHost.instances(other));
        assertEquals("tini", Files.readString(Path.of("/proc/" + livePid(h.job) + "/comm")).trim());
        control("stop", h.job);
        await("the job stopped, its pid file gone", 60, () -> !Files.exists(pidFile(h.job)) && JobHost.instances(h.job) == 0);
        assertTrue(livePid(other) != null, "the other job is untouched");
    }

    @Test
    void aJobThatDiesIsRestartedByMonit() throws Exception {
        control("start", h.job);
        await("the job up", 60, () -> livePid(h.job) != null);
        String first = livePid(h.job);
        assertEquals(0, JobHost.exec("kill", "-KILL", first));
        await("monit to start a new instance", 60, () -> {
            String now = livePid(h.job);
            return now != null && !now.equals(first);
        });
        assertEquals(1, JobHost.instances(h.job), monitLog());
        assertNotEquals(first, livePid(h.job));
    }

    @Test
    void aRestartStormLeavesOneInstanceAndATruePidFile() throws Exception {
        control("start", h.job);
        await("the job up", 60, () -> livePid(h.job) != null);
        for (int i = 0; i < 5; i++) {
            control("restart", h.job);
            Thread.sleep(200);
            assertTrue(JobHost.instances(h.job) <= 1, "never two instances (restart " + i + ")");
        }
        long deadline = System.nanoTime() + 90_000_000_000L;
        // while monit works through the restarts, there is never more than one instance, and a
        // pid file naming a live process names an init of this job
        while (System.nanoTime() < deadline) {
            long n = JobHost.instances(h.job);
            assertTrue(n <= 1, "two instances at once: " + monitLog());
            String named = livePid(h.job);
            if (named != null) {
                String cmdline = JobHost.readOrMissing(Path.of("/proc/" + named + "/cmdline"));
                assertTrue(cmdline.contains("/var/vcap/packages/" + h.job + "/bin/run") || JobHost.gone(named),
                        "the pid file names " + named + ", not an init of the job: " + cmdline);
            }
            if (control("summary").lines().anyMatch(l -> l.contains(h.job) && l.contains("OK")) && livePid(h.job) != null
                    && n == 1) break;
            Thread.sleep(100);
        }
        String pid = livePid(h.job);
        assertTrue(pid != null, "the pid file names the live instance: " + monitLog());
        assertEquals(1, JobHost.instances(h.job));
        assertTrue(Files.readString(Path.of("/proc/" + pid + "/cmdline")).contains("/var/vcap/packages/" + h.job + "/bin/run"));
        // monit really restarted the job (it merges restarts it has not begun): bpm.log has the cycles
        String events = JobHost.readOrMissing(h.log("bpm.log"));
        long stops = events.lines().filter(l -> l.contains("\"bpm.stop.complete\"")).count();
        long starts = events.lines().filter(l -> l.contains("\"bpm.start.complete\"")).count();
        assertTrue(stops >= 1 && starts >= 2, stops + " stops and " + starts + " starts completed: " + monitLog());
    }

    @Test
    void aJobIgnoringTermIsStoppedWithinMonitsTimeout() throws Exception {
        control("start", other);
        await("the job up", 60, () -> livePid(other) != null);
        long t0 = System.nanoTime();
        control("stop", other);
        await("the job killed by bpm's escalation, within monit's 30 s", 30,
                () -> JobHost.instances(other) == 0 && !Files.exists(pidFile(other)));
        long s = (System.nanoTime() - t0) / 1_000_000_000L;
        assertTrue(s >= 15, "stopped after " + s + " s: the job ignored TERM, so only the escalation ends it");
        assertFalse(monitLog().contains("failed to stop"), monitLog());
    }

    private static void deleteTree(Path p) throws Exception {
        if (p == null || !Files.exists(p)) return;
        try (var s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }
}
