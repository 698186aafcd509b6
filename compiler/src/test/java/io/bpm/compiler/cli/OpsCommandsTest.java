package io.bpm.compiler.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bpm.executor.host.JobStatus;
import io.bpm.executor.host.ProcessIdentity;
import io.bpm.executor.host.StateStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.bpm.compiler.cli.JobHost.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code bpm list}, {@code pid}, {@code logs}, {@code shell}, {@code trace} and {@code features}:
 * the cases of today's bpm's integration suite (bpm-behaviour.md §9.2), as root against the real
 * kernel, each bpm command a JVM of its own on a temporary BOSH root ({@link JobHost}); and the
 * table formatting, without root. Every test leaves no process, cgroup, mount or file.
 */
class OpsCommandsTest {

    private JobHost h;
    /** Jobs besides h.job that a test started: stopped after it. */
    private final List<String> otherJobs = new ArrayList<>();

    /** A temporary root; skips (loudly) without root and tini. */
    private JobHost host() throws Exception {
        JobHost.requireRootAndTini();
        h = new JobHost();
        return h;
    }

    @AfterAll
    static void removeVcap() throws Exception {
        JobHost.removeVcap();
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (h == null) return;
        for (String job : otherJobs) h.bpm("stop", job);
        List<String> cgroups = h.recordedCgroups();
        h.close();
        assertFalse(h.mountsOfRoot(), "no mount of the temporary root is left");
        for (String c : cgroups) assertFalse(Files.exists(Path.of(c)), "cgroup left: " + c);
        assertFalse(Files.exists(h.root), "the temporary root is gone");
    }

    /** A job of its own in h's root, {@code NAME/config/bpm.yml} with {@code yml} (null: no bpm.yml). */
    private String otherJob(String suffix, String yml) throws Exception {
        String job = h.job + "-" + suffix;
        Path config = h.root.resolve("jobs/" + job + "/config");
        Files.createDirectories(config);
        if (yml != null) Files.writeString(config.resolve("bpm.yml"), yml);
        otherJobs.add(job);
        return job;
    }

    private String twoProcesses() {
        return "processes:\n- name: " + h.job + "\n  executable: /var/vcap/packages/" + h.job + "/bin/run\n"
                + "- name: worker\n  executable: /var/vcap/packages/" + h.job + "/bin/worker\n";
    }

    /** A bpm JVM whose SIGINT is not inherited as ignored (a JVM cannot catch an ignored SIGINT). */
    private ProcessBuilder interruptible(String... args) {
        return h.commandWithDefaultSignals(args);
    }

    private static void signal(Process p, String signal) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).inheritIO().start().waitFor());
    }

    // ---- list ----------------------------------------------------------------------------------

    @Test
    void listShowsRunningFailedAndStoppedProcessesAndSkipsBadConfigs() throws Exception {
        host();
        h.script("trap 'exit 0' TERM; while :; do sleep 0.1; done");
        h.script("worker", "trap 'exit 0' TERM; while :; do sleep 0.1; done");
        h.bpmYml(twoProcesses());
        String failing = h.script("failing", "sleep 0.5; exit 1");
        String failed = otherJob("failed", "processes:\n- name: " + h.job + "-failed\n  executable: " + failing + "\n");
        String invalid = otherJob("invalid", "{{");
        String noConfig = otherJob("noconfig", null);
        assertEquals(0, h.bpm("start", h.job).code());
        JobHost.Result startFailed = h.bpm("start", failed);
        assertEquals(0, startFailed.code(), startFailed.err());
        String failedPid = Files.readString(h.root.resolve("sys/run/bpm/" + failed + "/" + failed + ".pid"));
        await("the failing job's init to exit", () -> JobHost.gone(failedPid));

        JobHost.Result list = h.bpm("list");
        assertEquals(0, list.code(), list.err());
        String pid = h.pid();
        int w = failed.length() + 1;
        int p = Math.max(pid.length(), 3) + 1;
        assertEquals(String.format("%-" + w + "s%-" + p + "s%s\n", "Name", "Pid", "Status")
                + String.format("%-" + w + "s%-" + p + "s%s\n", h.job, pid, "running")
                + String.format("%-" + w + "s%-" + p + "s%s\n", h.job + ".worker", "-", "stopped")
                + String.format("%-" + w + "s%-" + p + "s%s\n", failed, "-", "failed"), list.out());
        assertTrue(list.err().contains("invalid config for " + invalid + ": "), list.err());
        assertFalse(list.out().contains(noConfig) || list.err().contains(noConfig), "a job without bpm.yml appears nowhere");

        JobHost.Result json = h.bpm("list", "--json");
        assertEquals(0, json.code(), json.err());
        JsonNode rows = new ObjectMapper().readTree(json.out());
        assertEquals(3, rows.size(), json.out());
        assertEquals(h.job, rows.get(0).get("name").asText());
        assertEquals(Long.parseLong(pid), rows.get(0).get("pid").asLong());
        assertEquals("running", rows.get(0).get("status").asText());
        assertEquals("worker", rows.get(1).get("process").asText());
        assertTrue(rows.get(1).get("pid").isNull());
        assertEquals("failed", rows.get(2).get("status").asText());

        assertEquals(0, h.bpm("stop", h.job).code());
        JobHost.Result after = h.bpm("list");
        assertTrue(after.out().contains(h.job + " ") && after.out().lines().skip(1).findFirst().orElse("").endsWith(" stopped"),
                after.out());
    }

    @Test
    void listOfAnEmptyRootIsTheHeaderAlone() throws Exception {
        host();
        Files.delete(h.root.resolve("jobs/" + h.job + "/config"));
        Files.delete(h.root.resolve("jobs/" + h.job));
        JobHost.Result list = h.bpm("list");
        assertEquals(0, list.code(), list.err());
        assertEquals("Name Pid Status\n", list.out());
        assertEquals("", list.err());
    }

    @Test
    void aRunningProcessNoLongerConfiguredIsNamedOnStandardError() throws Exception {
        host();
        h.script("trap 'exit 0' TERM; while :; do sleep 0.1; done");
        h.script("worker", "trap 'exit 0' TERM; while :; do sleep 0.1; done");
        h.bpmYml(twoProcesses());
        assertEquals(0, h.bpm("start", h.job, "-p", "worker").code());
        h.oneProcess("");   // worker removed from bpm.yml while it runs
        JobHost.Result list = h.bpm("list");
        assertEquals(0, list.code(), list.err());
        assertTrue(list.err().contains("extra process running: process (" + h.job + ".worker) not defined"), list.err());
        assertFalse(list.out().contains("worker"), list.out());
        h.bpmYml(twoProcesses());
        assertEquals(0, h.bpm("stop", h.job, "-p", "worker").code());
    }

    // ---- pid -----------------------------------------------------------------------------------

    @Test
    void pidPrintsTheInitsPidUntilItIsKilled() throws Exception {
        host();
        h.script("trap 'exit 0' TERM; while :; do sleep 0.1; done");
        h.oneProcess("");
        JobHost.Result missing = h.bpm("pid", h.job);
        assertEquals(1, missing.code());
        assertEquals("Error: process is not running or could not be found", missing.lastErrLine());
        assertEquals(0, h.bpm("start", h.job).code());
        JobHost.Result pid = h.bpm("pid", h.job);
        assertEquals(0, pid.code(), pid.err());
        assertEquals(h.pid() + "\n", pid.out());
        assertEquals(0, new ProcessBuilder("kill", "-KILL", h.pid()).start().waitFor());
        String old = h.pid();
        await("the init to die", () -> JobHost.gone(old));
        JobHost.Result killed = h.bpm("pid", h.job);
        assertEquals(1, killed.code());
        assertEquals("Error: process is not running or could not be found", killed.lastErrLine());
        assertEquals("", killed.out());
        JobHost.Result other = h.bpm("pid", h.job, "-p", "nope");
        assertEquals(1, other.code());
        assertEquals("Error: process is not running or could not be found", other.lastErrLine());
        JobHost.Result noJob = h.bpm("pid");
        assertEquals(1, noJob.code());   // as bpm 1.4
        assertEquals("Error: must specify a job", noJob.lastErrLine());
    }

    // ---- logs ----------------------------------------------------------------------------------

    private static String numbered(String prefix, int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(i -> prefix + " " + i + "\n").collect(Collectors.joining());
    }

    @Test
    void logsShowTheLastLinesOfTheSelectedStreams() throws Exception {
        host();
        String hundred = "i=1; while [ $i -le 100 ]; do echo \"$0 out $i\"; echo \"$0 err $i\" >&2; i=$((i+1)); done; "
                + "trap 'exit 0' TERM; while :; do sleep 0.1; done";
        h.script(hundred);
        h.script("worker", hundred);
        h.bpmYml(twoProcesses());
        assertEquals(0, h.bpm("start", h.job).code());
        assertEquals(0, h.bpm("start", h.job, "-p", "worker").code());
        Path workerErr = h.log("worker.stderr.log");
        await("100 lines in each log", () -> Files.readAllLines(h.stdoutLog()).size() == 100 && Files.readAllLines(h.stderrLog()).size() == 100
                && Files.exists(workerErr) && Files.readAllLines(workerErr).size() == 100);
        String run = "/var/vcap/packages/" + h.job + "/bin/run";
        String out = run + " out";
        String err = run + " err";

        JobHost.Result last = h.bpm("logs", h.job);
        assertEquals(0, last.code(), last.err());
        assertEquals(numbered(out, 76, 100), last.out());
        assertEquals(numbered(out, 71, 100), h.bpm("logs", h.job, "-n", "30").out());
        assertEquals(numbered(err, 76, 100), h.bpm("logs", h.job, "--err").out());
        assertEquals("==> " + h.stdoutLog() + " <==\n" + numbered(out, 76, 100) + "\n==> " + h.stderrLog() + " <==\n"
                + numbered(err, 76, 100), h.bpm("logs", h.job, "--all").out());
        assertEquals("==> " + h.stdoutLog() + " <==\n" + numbered(out, 71, 100) + "\n==> " + h.stderrLog() + " <==\n"
                + numbered(err, 71, 100), h.bpm("logs", h.job, "--all", "-n", "30").out());
        assertEquals(numbered(out, 76, 100) + numbered(err, 76, 100), h.bpm("logs", h.job, "-a", "-q").out());
        assertEquals(numbered("/var/vcap/packages/" + h.job + "/bin/worker err", 98, 100),
                h.bpm("logs", h.job, "-p", "worker", "-e", "-n", "3").out());
        assertEquals("", h.bpm("logs", h.job, "-n", "0").out());

        JobHost.Result unknown = h.bpm("logs", "unknown-job");
        assertEquals(1, unknown.code());
        assertEquals("Error: logs not found", unknown.err().strip());
        assertEquals(0, h.bpm("stop", h.job, "-p", "worker").code());
    }

    @Test
    void logsFollowStreamsUntilSigint() throws Exception {
        host();
        h.script("echo first; trap 'exit 0' TERM; while :; do sleep 0.1; done");
        h.oneProcess("");
        assertEquals(0, h.bpm("start", h.job).code());
        h.awaitOutput("first");
        Path out = Files.createTempFile(Path.of("/var/tmp"), "bpm-follow-", ".txt");
        try {
            Process follow = interruptible("logs", h.job, "-f").redirectOutput(out.toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            await("the log's last line", () -> Files.readString(out).equals("first\n"));
            Files.writeString(h.stdoutLog(), "appended\n", java.nio.file.StandardOpenOption.APPEND);
            await("the appended line", () -> Files.readString(out).equals("first\nappended\n"));
            Files.writeString(h.stdoutLog(), "");   // copytruncate, as BOSH's logrotate does
            Files.writeString(h.stdoutLog(), "after truncation\n", java.nio.file.StandardOpenOption.APPEND);
            await("the line after the truncation", () -> Files.readString(out).endsWith("appended\nafter truncation\n"));
            signal(follow, "INT");
            assertTrue(follow.waitFor(10, TimeUnit.SECONDS), "bpm logs -f ends on SIGINT");
            assertEquals(0, follow.exitValue());
        } finally {
            Files.deleteIfExists(out);
        }
    }

    // ---- shell ---------------------------------------------------------------------------------

    @Test
    void shellRunsBashInTheJobsSandboxAsVcapAndExitsWithItsStatus() throws Exception {
        host();
        h.script("echo up; trap 'exit 0' TERM; while :; do sleep 0.1; done");
        h.oneProcess("  env:\n    SENTINEL: in-the-job\n");
        assertEquals(0, h.bpm("start", h.job).code());
        h.awaitOutput("up");
        String init = h.pid();
        String script = """
                echo "term=$TERM"
                echo "user=$(id -un) sentinel=$SENTINEL cwd=$(pwd)"
                echo "init=$(cat /proc/1/comm)"
                echo "pidns=$(readlink /proc/self/ns/pid) mntns=$(readlink /proc/self/ns/mnt)"
                for p in /proc/[0-9]*; do cat $p/comm; done | sort -u | tr '\\n' ' '; echo
                grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status | tr -d '\\t' | tr '\\n' ' '; echo
                exit 3
                """;
        Process shell = h.command(Map.of("TERM", "xterm-256color"), "shell", h.job).start();
        shell.getOutputStream().write(script.getBytes(StandardCharsets.UTF_8));
        shell.getOutputStream().close();
        String out = new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(shell.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(shell.waitFor(30, TimeUnit.SECONDS));
        assertEquals(3, shell.exitValue(), out + err);
        List<String> lines = out.lines().toList();
        assertEquals("term=xterm-256color", lines.get(0), out + err);
        assertEquals("user=vcap sentinel=in-the-job cwd=/var/vcap/jobs/" + h.job, lines.get(1));
        assertEquals("init=tini", lines.get(2));
        assertEquals("pidns=" + Files.readSymbolicLink(Path.of("/proc", init, "ns/pid")) + " mntns="
                + Files.readSymbolicLink(Path.of("/proc", init, "ns/mnt")), lines.get(3));
        List<String> commands = List.of(lines.get(4).strip().split(" "));
        assertTrue(commands.contains("tini") && commands.contains("run") && commands.contains("bash"), lines.get(4));
        assertFalse(commands.contains("java") || commands.contains("systemd") || commands.contains("init"),
                "only the job's processes are visible: " + lines.get(4));
        assertEquals("CapEff:0000000000000000 NoNewPrivs:1 Seccomp:2 ", lines.get(5));
        assertEquals(init, h.pid(), "the job is untouched");
        assertEquals(0, h.bpm("stop", h.job).code());

        JobHost.Result stopped = h.bpm("shell", h.job);
        assertEquals(1, stopped.code());
        assertEquals("Error: process is not running or could not be found", stopped.lastErrLine());
    }

    /** Through a pty (script(1)): bash is interactive, with job control, and gets the caller's TERM. */
    @Test
    void shellOnATerminalIsInteractive() throws Exception {
        host();
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "SKIPPED LOUDLY: script(1) (util-linux) is missing");
        h.script("trap 'exit 0' TERM; while :; do sleep 0.1; done");
        h.oneProcess("");
        assertEquals(0, h.bpm("start", h.job).code());
        String command = h.command(Map.of(), "shell", h.job).command().stream().map(a -> "'" + a.replace("'", "'\\''") + "'")
                .collect(Collectors.joining(" "));
        ProcessBuilder pb = new ProcessBuilder("script", "-qec", command, "/dev/null");
        pb.environment().putAll(h.command(Map.of(), "x").environment());
        pb.environment().put("TERM", "xterm-256color");
        Process script = pb.redirectErrorStream(true).start();
        script.getOutputStream().write("echo \"term=$TERM interactive=$-\"; sleep 0.2 & jobs; wait; exit 4\n".getBytes(StandardCharsets.UTF_8));
        script.getOutputStream().flush();
        String out = new String(script.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(script.waitFor(30, TimeUnit.SECONDS));
        assertEquals(4, script.exitValue(), out);
        assertTrue(out.contains("term=xterm-256color interactive=") && out.replaceAll("(?s).*interactive=(\\S*).*", "$1").contains("i"), out);
        assertTrue(out.contains("Running") && !out.contains("no job control"), out);
        assertEquals(0, h.bpm("stop", h.job).code());
    }

    // ---- trace ---------------------------------------------------------------------------------

    @Test
    void traceStreamsStraceUntilSigint() throws Exception {
        host();
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/strace")), "SKIPPED LOUDLY: strace is missing (.ci/run installs it)");
        h.script("trap 'exit 0' TERM; while :; do sleep 0.1; done");
        h.oneProcess("");
        JobHost.Result notRunning = h.bpm("trace", h.job);
        assertEquals(1, notRunning.code());
        assertEquals("Error: process is not running or could not be found", notRunning.lastErrLine());
        assertEquals(0, h.bpm("start", h.job).code());
        Path err = Files.createTempFile(Path.of("/var/tmp"), "bpm-trace-", ".txt");
        try {
            Process trace = interruptible("trace", h.job).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(err.toFile()).start();
            await("strace output with wait4", () -> Files.readString(err).contains("wait4("));
            signal(trace, "INT");
            assertTrue(trace.waitFor(10, TimeUnit.SECONDS), "bpm trace ends on SIGINT");
            assertEquals(0, trace.exitValue(), Files.readString(err));
            String pid = h.pid();
            await("strace gone", () -> ProcessHandle.allProcesses().noneMatch(p -> p.info().command().orElse("").endsWith("/strace")
                    && p.info().arguments().map(a -> List.of(a).contains(pid)).orElse(false)));
            assertFalse(JobHost.gone(pid), "the job runs on after the trace");
        } finally {
            Files.deleteIfExists(err);
        }
        assertEquals(0, h.bpm("stop", h.job).code());
    }

    // ---- features ------------------------------------------------------------------------------

    @Test
    void featuresNameWhatThisHostHas() throws Exception {
        host();
        JobHost.Result text = h.bpm("features");
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().startsWith("Feature "), text.out());
        JobHost.Result json = h.bpm("features", "--json");
        assertEquals(0, json.code(), json.err());
        JsonNode f = new ObjectMapper().readTree(json.out());
        for (String key : List.of("kernel", "cgroup", "cgroup-driver", "memory", "pids", "swap-accounting", "seccomp", "clone3", "pidfd_open", "vcap",
                "init", "root")) {
            assertTrue(f.has(key), key + " in " + json.out());
        }
        assertEquals(Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip(), f.get("kernel").get("detail").asText());
        assertTrue(f.get("clone3").get("available").asBoolean() && f.get("vcap").get("available").asBoolean());
        assertTrue(f.get("init").get("available").asBoolean(), "BPM_INIT " + JobHost.TINI + ": " + f.get("init"));
    }

    // ---- formatting, no root -------------------------------------------------------------------

    @Test
    void tableColumnsAreAsWideAsTheirWidestCellPlusOne() {
        assertEquals("""
                Name              Pid   Status
                failed-job        -     failed
                started-job       12345 running
                started-job.other -     stopped
                """, Table.format(List.of(List.of("Name", "Pid", "Status"), List.of("failed-job", "-", "failed"),
                List.of("started-job", "12345", "running"), List.of("started-job.other", "-", "stopped"))));
        assertEquals("a b\n", Table.format(List.of(List.of("a", "b"))));
        assertEquals("ünï x\nu   y\n", Table.format(List.of(List.of("ünï", "x"), List.of("u", "y"))), "code points, as tabwriter counts runes");
        assertEquals("", Table.format(List.of()));
    }

    @Test
    void listRowsAreNamedLikeBpmAndShowPidsOnlyWhileRunning() {
        StateStore.State state = new StateStore.State(new ProcessIdentity(4242, 1, "boot"), List.of());
        List<ListCommand.Row> rows = List.of(
                new ListCommand.Row("web", "web", new JobStatus(JobStatus.Status.RUNNING, state, null)),
                new ListCommand.Row("web", "worker", new JobStatus(JobStatus.Status.FAILED, state, null)),
                new ListCommand.Row("db", "db", new JobStatus(JobStatus.Status.STOPPED, null, null)));
        assertEquals("""
                Name       Pid  Status
                web        4242 running
                web.worker -    failed
                db         -    stopped
                """, ListCommand.table(rows));
        String json = ListCommand.json(rows);
        assertTrue(json.contains("\"name\" : \"web.worker\"") && json.contains("\"pid\" : null") && json.contains("\"pid\" : 4242"), json);
    }
}
