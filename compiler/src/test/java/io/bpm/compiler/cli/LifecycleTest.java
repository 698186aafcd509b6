package io.bpm.compiler.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.params.ParameterizedTest;

import static io.bpm.compiler.cli.JobHost.await;
import static io.bpm.compiler.cli.JobHost.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The start/stop/run cases of today's bpm's integration suite (bpm-behaviour.md §9.2) and the
 * executor issue's list, as root against the real kernel: each bpm command a JVM of its own on
 * a temporary BOSH root ({@link JobHost}). Every test leaves no process, cgroup or mount.
 */
class LifecycleTest extends JobHostTest {

    /** §9.2's helper body: traps TERM and INT, prints LANG and a line to each stream, waits on a sleep. */
    private static final String DEFAULT_BODY = "trap 'echo Received a TERM signal; exit 0' TERM\n"
            + "trap 'echo Received an INT signal; exit 0' INT\n"
            + "echo \"$LANG\"; echo Logging to STDOUT; echo Logging to STDERR >&2\n"
            + "echo Logging to FILE > /var/vcap/sys/log/$JOB_NAME/file.log\n"
            + "while :; do sleep 0.1; done";

    private String bpmLog() throws Exception {
        Path log = h.log("bpm.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    // ---- start ---------------------------------------------------------------------------------

    @Test
    void startLogsToBothStreamsAndBpmLogAndTheLogDirIsShared() throws Exception {
        h.script(DEFAULT_BODY);
        h.oneProcess("  env:\n    JOB_NAME: " + h.job + "\n");
        JobHost.Result start = h.bpm("start", h.job);
        assertEquals(0, start.code(), start.err());
        h.awaitOutput("Logging to STDOUT");
        assertEquals("en_US.UTF-8\nLogging to STDOUT\n", Files.readString(h.stdoutLog()));
        await("stderr log", () -> Files.readString(h.stderrLog()).equals("Logging to STDERR\n"));
        await("a file the job wrote in its log dir, on the host", () -> Files.exists(h.log("file.log")));
        assertEquals("Logging to FILE\n", Files.readString(h.log("file.log")));
        String log = bpmLog();
        assertTrue(log.contains("\"message\":\"bpm.start.starting\"") && log.contains("\"message\":\"bpm.start.complete\""), log);
        assertEquals(0600, mode(h.log("bpm.log")));

        JobHost.Result again = h.bpm("start", h.job);
        assertEquals(0, again.code(), again.err());
        assertTrue(bpmLog().contains("bpm.start.process-already-running"), bpmLog());

        JobHost.Result stop = h.bpm("stop", h.job);
        assertEquals(0, stop.code(), stop.err());
        assertTrue(Files.readString(h.stdoutLog()).endsWith("Received a TERM signal\n"), Files.readString(h.stdoutLog()));
        assertTrue(bpmLog().contains("bpm.stop.complete"), bpmLog());
        JobHost.Result again2 = h.bpm("stop", h.job);
        assertEquals(0, again2.code(), again2.err());
        assertTrue(bpmLog().contains("bpm.stop.job-already-stopped"), bpmLog());
    }

    @Test
    void dashPStartsTheNamedProcessWithItsOwnLogsAndPidFile() throws Exception {
        String worker = h.script("worker", "echo worker-up; trap 'exit 0' TERM; while :; do sleep 0.1; done");
        h.script("trap 'exit 0' TERM; while :; do sleep 0.1; done");
        h.bpmYml("processes:\n- name: " + h.job + "\n  executable: /var/vcap/packages/" + h.job + "/bin/run\n"
                + "- name: worker\n  executable: " + worker + "\n");
        JobHost.Result start = h.bpm("start", h.job, "-p", "worker");
        assertEquals(0, start.code(), start.err());
        assertTrue(Files.exists(h.pidFile("worker")));
        assertFalse(Files.exists(h.pidFile()), "only the named process started");
        await("worker's log", () -> Files.exists(h.log("worker.stdout.log")) && Files.readString(h.log("worker.stdout.log")).contains("worker-up"));

        JobHost.Result unknown = h.bpm("start", h.job, "-p", "I DO NOT EXIST");
        assertEquals(1, unknown.code(), unknown.err());
        assertTrue(unknown.lastErrLine().contains("process \"I DO NOT EXIST\"") || unknown.lastErrLine().contains("I DO NOT EXIST"),
                unknown.err());
        JobHost.Result missing = h.bpm("start", h.job, "-p", "absent");
        assertEquals(1, missing.code(), missing.err());
        assertTrue(missing.lastErrLine().contains("process \"absent\" not present in job configuration"), missing.err());

        assertEquals(0, h.bpm("stop", h.job, "-p", "worker").code());
        assertFalse(Files.exists(h.pidFile("worker")));
    }

    @Test
    void startFailsWhenTheExecutableIsMissingOrNotExecutableInTheJobsView() throws Exception {
        h.oneProcess("");
        JobHost.Result missing = h.bpm("start", h.job);
        assertEquals(1, missing.code(), missing.err());
        assertTrue(missing.lastErrLine().contains("/var/vcap/packages/" + h.job + "/bin/run") && missing.lastErrLine().contains("ENOENT"),
                missing.err());
        h.script("sleep 100");
        Files.setPosixFilePermissions(h.root.resolve("packages/" + h.job + "/bin/run"),
                java.nio.file.attribute.PosixFilePermissions.fromString("rwxr--r--"));
        JobHost.Result denied = h.bpm("start", h.job);
        assertEquals(1, denied.code(), denied.err());
        assertTrue(denied.lastErrLine().contains("EACCES"), denied.err());
        assertFalse(Files.exists(h.pidFile()));
        assertTrue(bpmLog().contains("\"level\":\"error\"") && bpmLog().contains("bpm.start.failed-to-start"), bpmLog());
    }

    @Test
    void aSymlinkedBpmLogIsRefusedAndItsTargetUntouched() throws Exception {
        h.script("sleep 100");
        h.oneProcess("");
        Path dir = h.log("bpm.log").getParent();
        Files.createDirectories(dir);
        Path target = Files.writeString(h.root.resolve("victim"), "keep");
        Files.createSymbolicLink(h.log("bpm.log"), target);
        JobHost.Result start = h.bpm("start", h.job);
        assertEquals(1, start.code(), start.err());
        assertTrue(start.lastErrLine().contains("refusing to open symlink at"), start.err());
        assertEquals("keep", Files.readString(target));
        assertFalse(Files.exists(h.pidFile()));
    }

    @Test
    void persistentDiskAndAFileVolumeAreThere() throws Exception {
        Files.writeString(h.root.resolve("data/" + h.job + "-file.conf"), "conf-content\n");
        Files.createDirectories(h.root.resolve("data"));
        h.script("echo disk > /var/vcap/store/" + h.job + "/written && cat /var/vcap/data/" + h.job + "-file.conf; sleep 100");
        h.oneProcess("  persistent_disk: true\n  additional_volumes:\n  - path: /var/vcap/data/" + h.job + "-file.conf\n");
        JobHost.Result start = h.bpm("start", h.job);
        assertEquals(0, start.code(), start.err());
        h.awaitOutput("conf-content");
        assertEquals("disk\n", Files.readString(h.root.resolve("store/" + h.job + "/written")));
        assertEquals(0, h.bpm("stop", h.job).code());
    }

    /**
     * What runtime-contract.md promises a job started by bpm start: its environment, /tmp and
     * /var/tmp being its own tmp dir, and /var/vcap holding store with persistent_disk.
     */
    @Test
    void theJobSeesTheContractsEnvironmentTmpAndStore() throws Exception {
        h.script("echo \"TMPDIR=$TMPDIR\"; echo \"LANG=$LANG\"; echo \"PATH=$PATH\"; echo \"HOME=$HOME\"; "
                + "echo vcap: $(ls /var/vcap); echo a > /tmp/from-tmp; echo b > /var/tmp/from-var-tmp; echo done; sleep 100");
        h.oneProcess("  persistent_disk: true\n");
        JobHost.Result start = h.bpm("start", h.job);
        assertEquals(0, start.code(), start.err());
        h.awaitOutput("done");
        String j = h.job;
        assertEquals("TMPDIR=/var/vcap/data/" + j + "/tmp\nLANG=en_US.UTF-8\n"
                + "PATH=/var/vcap/jobs/" + j + "/bin:/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin:.\n"
                + "HOME=/var/vcap/data/" + j + "\nvcap: data jobs packages store sys\ndone\n", Files.readString(h.stdoutLog()));
        Path tmp = h.root.resolve("data/" + j + "/tmp");
        assertEquals("a\n", Files.readString(tmp.resolve("from-tmp")), "/tmp is the job's tmp dir");
        assertEquals("b\n", Files.readString(tmp.resolve("from-var-tmp")), "/var/tmp is the job's tmp dir");
        assertEquals(0, h.bpm("stop", h.job).code());
    }

    // ---- limits and isolation ------------------------------------------------------------------

    @Test
    void rlimitsAreSetCoreFileSizeInKilobytes() throws Exception {
        h.script("echo core=$(bash -c 'ulimit -c') nofile=$(ulimit -n); sleep 100"); // bash counts KiB, dash 512-byte blocks
        h.oneProcess("  limits:\n    core_file_size: 1048576\n    open_files: 64\n");
        assertEquals(0, h.bpm("start", h.job).code());
        h.awaitOutput("nofile=");
        assertEquals("core=1024 nofile=64\n", Files.readString(h.stdoutLog()));
        assertEquals(0, h.bpm("stop", h.job).code());
    }

    /**
     * bpm-behaviour.md §9.2: under bpm 1.x, open_files: 10 fails the start itself ("too many open
     * files", runc's own init runs under the limit). Here the limit is set on the tape, after
     * every descriptor bpm needs: the job starts with its 10 descriptors and meets the limit
     * itself, and says so in its stderr log.
     */
    @Test
    void tenOpenFilesStartTheJobWhichThenMeetsTheLimit() throws Exception {
        // not a shell script: dash moves the script it runs to descriptor 10, which it cannot open here
        h.bpmYml("processes:\n- name: " + h.job + "\n  executable: /usr/bin/python3\n  args:\n  - -c\n  - |\n"
                + "    import os, resource, sys, time\n"
                + "    print('nofile', resource.getrlimit(resource.RLIMIT_NOFILE), flush=True)\n"
                + "    try:\n"
                + "        fds = [os.open('/dev/null', 0) for _ in range(20)]\n"
                + "    except OSError as e:\n"
                + "        print(e, file=sys.stderr, flush=True)\n"
                + "    print('tried', flush=True)\n"
                + "    time.sleep(100)\n"
                + "  limits:\n    open_files: 10\n");
        JobHost.Result start = h.bpm("start", h.job);
        assertEquals(0, start.code(), start.err());
        h.awaitOutput("tried");
        assertEquals("nofile (10, 10)\ntried\n", Files.readString(h.stdoutLog()));
        assertTrue(Files.readString(h.stderrLog()).contains("Too many open files"), Files.readString(h.stderrLog()));
        assertEquals(0, h.bpm("stop", h.job).code());
    }

    @Test
    void aForkBombStopsAtTheProcessesLimit() throws Exception {
        // bash (dash gives up the whole script at the first failed fork) keeps retrying, holding the limit
        h.script("exec bash -c 'echo bombing; for i in $(seq 40); do sleep 100 & done; echo forked-all; sleep 100'");
        h.oneProcess("  limits:\n    processes: 20\n");
        assertEquals(0, h.bpm("start", h.job).code());
        h.awaitOutput("bombing");
        await("a failed fork in the stderr log", () -> Files.readString(h.stderrLog()).contains("fork"));
        assertFalse(Files.readString(h.stdoutLog()).contains("forked-all"), "40 forks cannot all succeed under processes: 20");
        long inCgroup = -1;
        for (String c : h.recordedCgroups()) {
            if (Files.exists(Path.of(c, "pids.max"))) {
                assertEquals("20", Files.readString(Path.of(c, "pids.max")).strip());
                inCgroup = Files.readAllLines(Path.of(c, "cgroup.procs")).size();
            }
        }
        assertTrue(inCgroup >= 15 && inCgroup <= 20, "processes in the job's pids cgroup: " + inCgroup);
        assertEquals(0, h.bpm("stop", h.job).code());
    }

    @Test
    void anAllocationPastTheMemoryLimitIsOomKilled() throws Exception {
        // tail keeps a line-less input in memory: 200 MB against a 32 MB limit (swap counted too).
        // head, still writing while tail dies, can start a second OOM kill before tail's memory is
        // freed (seen in dmesg: it took the script's shell, so nothing was printed): the pipeline
        // runs with oom_score_adj 1000, so every victim is one of head and tail, tail first (larger)
        h.script("(echo 1000 > /proc/self/oom_score_adj; head -c 200000000 /dev/zero | tail > /dev/null); echo tail-exit=$?; sleep 100");
        h.oneProcess("  limits:\n    memory: 32M\n");
        assertEquals(0, h.bpm("start", h.job).code());
        // a timeout shows what the memory cgroup counted
        h.awaitOutput("tail-exit=", 30, this::memoryCgroupState);
        assertEquals("tail-exit=137\n", Files.readString(h.stdoutLog()), "SIGKILL by the OOM killer" + memoryCgroupState());
        assertEquals(0, h.bpm("stop", h.job).code());
    }

    /** The job's memory cgroup files and the host's swap, for a failure message. */
    private String memoryCgroupState() throws IOException {
        StringBuilder out = new StringBuilder("\n/proc/swaps: ").append(JobHost.readOrMissing(Path.of("/proc/swaps")));
        for (String c : h.recordedCgroups()) {
            for (String f : List.of("memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "memory.usage_in_bytes", "memory.max_usage_in_bytes",
                    "memory.failcnt", "memory.oom_control", "memory.max", "memory.swap.max", "memory.current", "memory.events", "cgroup.procs")) {
                Path p = Path.of(c, f);
                if (Files.exists(p)) out.append('\n').append(p).append(": ").append(JobHost.readOrMissing(p).strip().replace('\n', ' '));
            }
        }
        return out.toString();
    }

    @Test
    void aHostMessageQueueIsInvisible() throws Exception {
        Process mk = new ProcessBuilder("ipcmk", "-Q").start();
        String out = new String(mk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, mk.waitFor(), out);
        String id = out.replaceAll("(?s).*?(\\d+)\\s*$", "$1");
        try {
            h.script("ipcs -q -i " + id + " 2>&1; echo ipcs-done; sleep 100");
            h.oneProcess("");
            assertEquals(0, h.bpm("start", h.job).code());
            h.awaitOutput("ipcs-done");
            String seen = Files.readString(h.stdoutLog());
            assertTrue(seen.contains("id " + id + " not found"), seen);
            assertEquals(0, h.bpm("stop", h.job).code());
        } finally {
            assertEquals(0, new ProcessBuilder("ipcrm", "-q", id).start().waitFor());
        }
    }

    @Test
    void orphansAreReapedByTheInit() throws Exception {
        // each round leaves an orphan that exits at once: tini, PID 1 of the job, must reap them.
        // One zombie is the job's own doing (its parent lives on and never waits): it must be seen,
        // which shows the count can see a zombie at all.
        h.script("sh -c 'sleep 0.01 & exec sleep 100' & "
                + "i=0; while [ $i -lt 30 ]; do sh -c 'sleep 0.01 &'; i=$((i+1)); done; echo spawned; sleep 100");
        h.oneProcess("");
        assertEquals(0, h.bpm("start", h.job).code());
        h.awaitOutput("spawned");
        await("exactly the one zombie the job holds itself", () -> zombies() == 1);
        Thread.sleep(500);
        assertEquals(1, zombies(), "the orphans were reaped");
        assertEquals(0, h.bpm("stop", h.job).code());
    }

    /**
     * The job's zombies: processes in state Z whose parent is in the job's cgroup (a zombie itself
     * is never listed in cgroup.procs, so it is found through its parent).
     */
    private long zombies() throws Exception {
        java.util.Set<String> job = new java.util.HashSet<>();
        for (String c : h.recordedCgroups()) job.addAll(Files.readAllLines(Path.of(c, "cgroup.procs")));
        long n = 0;
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                String stat = JobHost.readOrMissing(p.resolve("stat"));
                int close = stat.lastIndexOf(") ");
                if (close < 0) continue;
                String[] f = stat.substring(close + 2).split(" ");
                if (f.length > 1 && f[0].equals("Z") && job.contains(f[1])) n++;
            }
        }
        return n;
    }

    // ---- stop ----------------------------------------------------------------------------------

    @Test
    void stopDeliversIntWhenConfigured() throws Exception {
        h.script(DEFAULT_BODY);
        h.oneProcess("  shutdown_signal: INT\n  env:\n    JOB_NAME: " + h.job + "\n");
        assertEquals(0, h.bpm("start", h.job).code());
        h.awaitOutput("Logging to STDOUT");
        assertEquals(0, h.bpm("stop", h.job).code());
        assertTrue(Files.readString(h.stdoutLog()).endsWith("Received an INT signal\n"), Files.readString(h.stdoutLog()));
    }

    @Test
    void aProcessIgnoringTermAndQuitIsKilledAfter15And2Seconds() throws Exception {
        h.script("trap 'echo ignored-term' TERM; trap 'echo ignored-quit' QUIT; echo up; while :; do sleep 0.1; done");
        h.oneProcess("");
        assertEquals(0, h.bpm("start", h.job).code());
        h.awaitOutput("up");
        String pid = h.pid();
        long t0 = System.nanoTime();
        JobHost.Result stop = h.bpm("stop", h.job);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(0, stop.code(), stop.err());
        assertTrue(ms >= 17_000 && ms < 30_000, "stop took " + ms + " ms");
        String out = Files.readString(h.stdoutLog());
        assertTrue(out.contains("ignored-term") && out.contains("ignored-quit"), out);
        assertTrue(out.indexOf("ignored-term") < out.indexOf("ignored-quit"), out);
        assertTrue(JobHost.gone(pid));
        assertTrue(bpmLog().contains("failed to stop job within timeout"), bpmLog());
        assertTrue(stop.err().contains("SIGKILL"), stop.err());
    }

    @Test
    void stoppingAJobThatNeverExistedLeavesNothingBehind() throws Exception {
        JobHost.Result stop = h.bpm("stop", "never-existed");
        assertEquals(0, stop.code(), stop.err());
        assertFalse(Files.exists(h.root.resolve("sys/log/never-existed")), "no log dir made for an unknown job");
    }

    @Test
    void stopNeverReadsBpmYml() throws Exception {
        h.script(DEFAULT_BODY);
        h.oneProcess("  env:\n    JOB_NAME: " + h.job + "\n");
        assertEquals(0, h.bpm("start", h.job).code());
        h.awaitOutput("Logging to STDOUT");
        h.bpmYml("{{");   // bpm 1.4 then refuses to stop (failed-to-parse-config); the saved plan is enough
        JobHost.Result stop = h.bpm("stop", h.job);
        assertEquals(0, stop.code(), stop.err());
        assertTrue(Files.readString(h.stdoutLog()).contains("Received a TERM signal"));
        assertFalse(Files.exists(h.pidFile()));
    }

    /** monit restart: start runs while stop is still stopping; start waits for the lock, then starts cleanly. */
    @Test
    void aStartDuringAStopWaitsAndLeavesExactlyOneInstance() throws Exception {
        h.script("trap 'sleep 1; echo stopped-late; exit 0' TERM; echo up; while :; do sleep 0.1; done");
        h.oneProcess("");
        assertEquals(0, h.bpm("start", h.job).code());
        h.awaitOutput("up");
        String first = h.pid();
        Process stop = h.command(Map.of(), "stop", h.job).redirectErrorStream(true).start();
        await("the stop to hold the lock", () -> Files.readString(h.log("bpm.log")).contains("bpm.stop.acquiring-lifecycle-lock.complete"));
        Thread.sleep(300);
        JobHost.Result start = h.bpm("start", h.job);
        assertTrue(stop.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, stop.exitValue());
        assertEquals(0, start.code(), start.err());
        assertTrue(Files.readString(h.stdoutLog()).contains("stopped-late"), "the stop finished before the start went on");
        String second = h.pid();
        assertNotEquals(first, second);
        assertTrue(JobHost.gone(first));
        assertFalse(JobHost.gone(second));
        assertEquals(1, JobHost.instances(h.job), "exactly one instance");
        assertEquals(0, h.bpm("stop", h.job).code());
    }

    // ---- run -----------------------------------------------------------------------------------

    @Test
    void runWritesBothStreamsToTheTerminalAndTheLogsAndWritesNoPidFile() throws Exception {
        h.script("echo stdout; echo stderr >&2; echo \"key=$ENVKEY\"");
        h.oneProcess("");
        JobHost.Result run = h.bpm("run", h.job, "-e", "ENVKEY=sentinel");
        assertEquals(0, run.code(), run.err());
        assertEquals("stdout\nkey=sentinel\n", run.out());
        assertEquals("stderr\n", run.err());
        assertEquals("stdout\nkey=sentinel\n", Files.readString(h.stdoutLog()));
        assertEquals("stderr\n", Files.readString(h.stderrLog()));
        assertFalse(Files.exists(h.pidFile()));
        assertTrue(h.recordedCgroups().isEmpty(), "no state left after the run");
    }

    @Test
    void runPropagatesExitCodesAndSignalDeaths() throws Exception {
        h.script("exit 6");
        h.oneProcess("");
        JobHost.Result six = h.bpm("run", h.job);
        assertEquals(6, six.code(), six.err());
        h.script("/bin/false");
        assertNotEquals(0, h.bpm("run", h.job).code());
        h.script("kill -USR1 $$");
        JobHost.Result killed = h.bpm("run", h.job);
        assertEquals(128 + 10, killed.code(), killed.err());
    }

    @Test
    void runMountsAVolumeFromTheCommandLine() throws Exception {
        Files.createDirectories(h.root.resolve("data/extra-volume"));
        h.script("grep ' /var/vcap/data/extra-volume ' /proc/mounts; echo written > \"$FILE_TO_WRITE_TO\"");
        h.oneProcess("");
        JobHost.Result run = h.bpm("run", h.job, "-v", "/var/vcap/data/extra-volume:writable,allow_executions",
                "-e", "FILE_TO_WRITE_TO=/var/vcap/data/extra-volume/file");
        assertEquals(0, run.code(), run.err());
        List<String> lines = run.out().lines().toList();
        assertEquals(1, lines.size(), run.out());
        assertFalse(lines.getFirst().contains(" ro,") || lines.getFirst().contains("noexec"), lines.getFirst());
        assertEquals("written\n", Files.readString(h.root.resolve("data/extra-volume/file")));
    }

    @Test
    void runRefusesBadVolumesAndVariablesNamingTheArgument() throws Exception {
        h.script("exit 0");
        h.oneProcess("");
        JobHost.Result option = h.bpm("run", h.job, "-v", "/var/vcap/data/x:writable,bogus");
        assertEquals(1, option.code());
        assertTrue(option.lastErrLine().contains("invalid volume option: \"bogus\""), option.err());
        JobHost.Result outside = h.bpm("run", h.job, "-v", "/etc");
        assertEquals(1, outside.code());
        assertTrue(outside.err().contains("-v /etc: invalid volume path: /etc must be within /var/vcap"), outside.err());
        JobHost.Result env = h.bpm("run", h.job, "-e", "NOEQUALS");
        assertEquals(1, env.code());
        assertTrue(env.lastErrLine().contains("(format should be KEY=value): \"NOEQUALS\""), env.err());
        JobHost.Result setup = h.bpm("run", h.job, "-p", "absent");
        assertEquals(1, setup.code(), "a setup failure is never exit 0 (bpm 1.4 exits 0 there)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"TERM", "INT", "HUP"})
    void runForwardsTermIntAndHupToTheJob(String signal) throws Exception {
        h.script("trap 'echo got-" + signal + "; exit 3' " + signal + "; echo up; while :; do sleep 0.1; done");
        h.oneProcess("");
        Process run = h.commandWithDefaultSignals("run", h.job).start();
        await("the errand up", () -> Files.exists(h.stdoutLog()) && Files.readString(h.stdoutLog()).contains("up"));
        assertEquals(0, exec("kill", "-" + signal, Long.toString(run.pid())));
        assertTrue(run.waitFor(20, TimeUnit.SECONDS));
        assertEquals(3, run.exitValue(), "the job's own exit status after " + signal);
        assertTrue(Files.readString(h.stdoutLog()).contains("got-" + signal), Files.readString(h.stdoutLog()));
    }

    @Test
    void runRefusesAProcessAlreadyStarted() throws Exception {
        h.script("trap 'exit 0' TERM; while :; do sleep 0.1; done");
        h.oneProcess("");
        assertEquals(0, h.bpm("start", h.job).code());
        JobHost.Result run = h.bpm("run", h.job);
        assertEquals(1, run.code(), run.err());
        assertTrue(run.lastErrLine().contains("already running"), run.err());
        assertEquals(0, h.bpm("stop", h.job).code());
    }

    @Test
    void dryRunPrintsTheTapeAndChangesNothing() throws Exception {
        h.script("sleep 100");
        h.oneProcess("");
        JobHost.Result dry = h.bpm("start", h.job, "--dry-run");
        assertEquals(0, dry.code(), dry.err());
        assertTrue(dry.out().contains("clone3({flags=CLONE_VM|CLONE_VFORK|CLONE_NEWNS|CLONE_NEWPID"), dry.out());
        assertTrue(dry.out().contains("execve(\"/usr/bin/tini\""), dry.out());
        assertTrue(dry.out().contains("pivot_root"), dry.out());
        assertFalse(Files.exists(h.root.resolve("sys/log/" + h.job)), "no log dir");
        assertFalse(Files.exists(h.root.resolve("data/bpm")), "no lock, plan cache or bundle");
        assertFalse(Files.exists(h.pidFile()));
    }

    private static int mode(Path p) throws Exception {
        return (Integer) Files.getAttribute(p, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS) & 07777;
    }
}
