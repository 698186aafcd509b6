package io.bpm.compiler.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

import static io.bpm.compiler.cli.JobHost.await;
import static io.bpm.compiler.cli.JobHost.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bpm start} and {@code bpm stop} as root against the real kernel, each run as its own
 * JVM (as monit runs them) on a temporary BOSH root ({@link JobHost}).
 */
class StartStopTest extends JobHostTest {

    @Test
    void startRunsTheJobUnderTiniAndStopDeliversTerm() throws Exception {
        h.script("trap \"echo got-term; exit 0\" TERM; echo started; while :; do sleep 0.1; done");
        h.oneProcess("");
        JobHost.Result start = h.bpm("start", h.job);
        assertEquals(0, start.code(), start.err());
        String pid = h.pid();
        assertTrue(pid.matches("[1-9][0-9]*"), pid);
        String nspid = Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                .filter(l -> l.startsWith("NSpid:")).findFirst().orElseThrow();
        assertTrue(nspid.endsWith("\t1"), "the init is PID 1 of its namespace: " + nspid);
        assertEquals("tini", Files.readString(Path.of("/proc/" + pid + "/comm")).trim());
        h.awaitOutput("started");
        List<String> cgroups = h.recordedCgroups();
        assertFalse(cgroups.isEmpty());
        for (String c : cgroups) assertTrue(Files.isDirectory(Path.of(c)), c);

        JobHost.Result again = h.bpm("start", h.job);
        assertEquals(0, again.code(), again.err());
        assertEquals(pid, h.pid(), "a running job is left alone");

        JobHost.Result stop = h.bpm("stop", h.job);
        assertEquals(0, stop.code(), stop.err());
        assertTrue(Files.readString(h.stdoutLog()).contains("got-term"), Files.readString(h.stdoutLog()));
        assertFalse(Files.exists(h.pidFile()), "pid file removed");
        try (Stream<Path> s = Files.list(h.stateDir())) {
            assertEquals(List.of(), s.toList(), "state removed");
        }
        for (String c : cgroups) assertFalse(Files.exists(Path.of(c)), "cgroup removed: " + c);
        assertTrue(JobHost.gone(pid), "the init is gone");
        assertFalse(h.mountsOfRoot(), "no mount of the temporary root is left");

        JobHost.Result stopAgain = h.bpm("stop", h.job);
        assertEquals(0, stopAgain.code(), stopAgain.err());
    }

    /** bpm's integration case: the hook's output precedes the process's in the stdout log. */
    @Test
    void thePreStartHookRunsOnTheHostBeforeTheProcess() throws Exception {
        h.script("echo \"$LANG\"; trap 'exit 0' TERM; while :; do sleep 0.1; done");
        Path hook = h.root.resolve("jobs/" + h.job + "/bin/pre-start");
        Files.createDirectories(hook.getParent());
        Files.writeString(hook, "#!/bin/sh\necho Executing Pre Start\n[ \"$TMPDIR\" = /var/vcap/data/" + h.job + "/tmp ] || exit 3\n");
        Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwxr-xr-x"));
        h.oneProcess("  hooks:\n    pre_start: /var/vcap/jobs/" + h.job + "/bin/pre-start\n");
        JobHost.Result start = h.bpm("start", h.job);
        assertEquals(0, start.code(), start.err());
        h.awaitOutput("en_US.UTF-8");
        assertEquals("Executing Pre Start\nen_US.UTF-8\n", Files.readString(h.stdoutLog()));
        assertEquals(0, h.bpm("stop", h.job).code());

        Files.writeString(hook, "#!/bin/sh\nexit 7\n");
        JobHost.Result failed = h.bpm("start", h.job);
        assertEquals(1, failed.code(), failed.err());
        assertTrue(failed.lastErrLine().contains("prestart hook failed") && failed.lastErrLine().contains("exit status 7"), failed.err());
        assertFalse(Files.exists(h.pidFile()), "no pid file after a failed start");
        assertTrue(h.recordedCgroups().stream().noneMatch(c -> Files.exists(Path.of(c))));
    }

    /** Stopping a job this host does not know succeeds and makes nothing (issue 14: it made lock files). */
    @Test
    void stoppingAnUnknownJobSucceedsAndMakesNothing() throws Exception {
        java.util.List<Path> before;
        try (Stream<Path> s = Files.walk(h.root)) {
            before = s.sorted().toList();
        }
        JobHost.Result stop = h.bpm("stop", "no-such-job");
        assertEquals(0, stop.code(), stop.err());
        assertEquals(0, h.bpm("stop", "no-such-job", "-p", "worker").code());
        try (Stream<Path> s = Files.walk(h.root)) {
            assertEquals(before, s.sorted().toList(), "stop of an unknown job made something");
        }
        // a mistyped BPM_BOSH_ROOT: nothing is made there either, and stop says why it did nothing
        Path typo = h.root.resolveSibling(h.root.getFileName() + "-typo");
        JobHost.Result mistyped = h.bpm(java.util.Map.of("BPM_BOSH_ROOT", typo.toString()), "stop", h.job);
        assertEquals(0, mistyped.code(), mistyped.err());
        assertFalse(Files.exists(typo), "stop made the mistyped root");
        assertTrue(mistyped.err().contains("does not exist"), mistyped.err());
        // list of a root that does not exist says so and fails
        JobHost.Result list = h.bpm(java.util.Map.of("BPM_BOSH_ROOT", typo.toString()), "list");
        assertEquals(1, list.code(), list.out());
        assertTrue(list.lastErrLine().contains(typo + " does not exist"), list.err());
        assertEquals("", list.out());
    }

    @Test
    void aStaleStateIsCleanedAndTheJobStarted() throws Exception {
        h.script("echo started; while :; do sleep 0.1; done");
        h.oneProcess("");
        assertEquals(0, h.bpm("start", h.job).code());
        String pid = h.pid();
        // the init dies behind bpm's back (SIGKILL: its job is killed with it, PID 1 of the namespace)
        assertEquals(0, exec("kill", "-KILL", pid));
        await("the init to die", () -> JobHost.gone(pid));
        JobHost.Result start = h.bpm("start", h.job);
        assertEquals(0, start.code(), start.err());
        assertFalse(pid.equals(Files.readString(h.pidFile(), StandardCharsets.US_ASCII)), "a new init");
        assertEquals(0, h.bpm("stop", h.job).code());
        assertFalse(Files.exists(h.pidFile()));
    }

    /**
     * What bpm 1.4 starts, start starts (issue 14): a misspelt key, a CAP_ prefix, a relative
     * executable and a writable /dev/log are warnings, with their codes on standard error and in
     * bpm.log, and list shows the job; a writable /etc, a sandbox escape, is refused.
     */
    @Test
    void whatBpm14StartsStartsWithItsWarnings() throws Exception {
        Path run = h.root.resolve("jobs/" + h.job + "/bin/run");   // "run" is found in PATH, which starts there
        Files.createDirectories(run.getParent());
        Files.writeString(run, "#!/bin/sh\necho started; trap 'exit 0' TERM; while :; do sleep 0.1; done\n");
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x"));
        h.bpmYml("processes:\n- name: " + h.job + "\n  executable: run\n  enviroment: {A: b}\n"
                + "  capabilities: [CAP_NET_BIND_SERVICE]\n  unsafe:\n    unrestricted_volumes:\n    - {path: /dev/log, writable: true}\n");
        JobHost.Result start = h.bpm("start", h.job);
        assertEquals(0, start.code(), start.err());
        String log = Files.readString(h.root.resolve("sys/log/" + h.job + "/bpm.log"));
        for (String code : List.of("BPM101", "BPM305", "BPM309", "BPM327")) {
            assertTrue(start.err().contains("warning[" + code + "]"), code + " on stderr: " + start.err());
            assertTrue(log.contains("warning[" + code + "]"), code + " in bpm.log: " + log);
        }
        assertFalse(start.err().contains("error["), start.err());
        assertTrue(log.contains("bpm.start.config-warning"), log);
        // compiled before the lock, reported under it: after the lock, before the launch's cgroup line
        assertTrue(log.indexOf("bpm.start.acquiring-lifecycle-lock.complete") < log.indexOf("bpm.start.config-warning")
                && log.indexOf("bpm.start.config-warning") < log.indexOf("bpm.start.cgroup"), log);
        h.awaitOutput("started");
        JobHost.Result list = h.bpm("list");
        assertEquals(0, list.code(), list.err());
        assertTrue(list.out().contains(h.job + " ") && list.out().contains("running"), list.out());
        assertTrue(list.err().contains("warning[BPM101]"), list.err());
        assertEquals(0, h.bpm("stop", h.job).code());

        h.bpmYml("processes:\n- name: " + h.job + "\n  executable: run\n  unsafe:\n    unrestricted_volumes:\n"
                + "    - {path: /etc, writable: true}\n");
        JobHost.Result escape = h.bpm("start", h.job);
        assertEquals(1, escape.code(), escape.err());
        assertTrue(escape.err().contains("error[BPM326]"), escape.err());
        assertFalse(Files.exists(h.pidFile()));
    }

    @Test
    void aConfigErrorFailsTheStartNamingIt() throws Exception {
        h.oneProcess("  limits:\n    memory: lots\n");
        JobHost.Result start = h.bpm("start", h.job);
        assertEquals(1, start.code(), start.err());
        assertTrue(start.err().contains("memory"), start.err());
        assertTrue(start.lastErrLine().contains("bpm.yml"), start.lastErrLine());
        assertFalse(Files.exists(h.pidFile()));
        String log = Files.readString(h.root.resolve("sys/log/" + h.job + "/bpm.log"));
        assertTrue(log.indexOf("bpm.start.starting") < log.indexOf("bpm.start.config-error")
                && log.indexOf("bpm.start.config-error") < log.indexOf("bpm.start.failed-to-start"), log);
    }

    /**
     * A start compiles a changed bpm.yml before it takes the lock (EarlyPlan), but a start that
     * finds its job running reports nothing of that compile: no finding, no failure, exit 0, as
     * when it compiled only under the lock.
     */
    @Test
    void aRunningJobsStartSaysNothingOfItsChangedConfig() throws Exception {
        h.script("trap 'exit 0' TERM\nwhile :; do sleep 1; done");
        h.oneProcess("");
        assertEquals(0, h.bpm("start", h.job).code());
        h.oneProcess("  limits:\n    memory: lots\n  enviroment: {A: b}\n");
        JobHost.Result again = h.bpm("start", h.job);
        assertEquals(0, again.code(), again.err());
        assertEquals("", again.err());
        String log = Files.readString(h.root.resolve("sys/log/" + h.job + "/bpm.log"));
        assertTrue(log.contains("bpm.start.process-already-running"), log);
        assertFalse(log.contains("bpm.start.config-"), log);
        assertEquals(0, h.bpm("stop", h.job).code());
    }

    @Test
    void aMissingConfigFailsTheStart() throws Exception {
        JobHost.Result start = h.bpm("start", h.job);
        assertEquals(1, start.code(), start.err());
        assertTrue(start.lastErrLine().contains("bpm.yml"), start.lastErrLine());
    }
}
