package io.bpm.compiler.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bpm.executor.plan.ContainerId;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.bpm.compiler.cli.JobHost.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The upgrade in place (issue 17 §3): a job started by bpm 1.x, laid out exactly as bpm 1.x lays
 * it out (bpm-behaviour.md §1.2, §6.1: the bundle in {@code data/bpm/bundles/JOB/PROC}, runc's
 * state under {@code --root $ROOT/sys/run/bpm-runc}, container id {@code bpm-JOB}, the pid file
 * written by runc at the public path, stdout and stderr into the job's log files, cgroupsPath
 * below bpm's own cgroup) and run by the real {@code runc}, is stopped by this bpm: the stop
 * signal reaches the job, and runc's state, the bundle, the pid file and the container's cgroups
 * are gone; {@code bpm start} then starts it under this bpm. Needs root, tini and runc; skips
 * loudly otherwise.
 */
class UpgradeInPlaceTest extends JobHostTest {

    private Path runc;
    private final List<String> containers = new ArrayList<>();

    @BeforeEach
    void requireRunc() {
        Optional<Path> found = onPath("runc");
        if (found.isEmpty()) System.err.println("SKIPPED LOUDLY: runc is not on PATH (apt-get install runc): no bpm 1.x job to upgrade");
        assumeTrue(found.isPresent(), "SKIPPED LOUDLY: runc is not on PATH (apt-get install runc)");
        runc = found.get();
    }

    /** Whatever a failed assertion left under runc (runc delete --force kills and removes it). */
    @AfterEach
    void deleteLeftContainers() throws Exception {
        for (String id : containers) {
            Process p = new ProcessBuilder(runc.toString(), "--root", runcRoot().toString(), "delete", "--force", id)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private Path runcRoot() {
        return h.root.resolve("sys/run/bpm-runc");
    }

    @Test
    void aJobStartedByBpm1UnderRuncIsStoppedAndThenStartedByThisBpm() throws Exception {
        Bpm1Job old = startedByBpm1("trap 'echo got-term; exit 0' TERM; echo started; while :; do sleep 0.1; done");
        String id = old.id();
        String oldPid = old.pid();
        List<Path> oldCgroups = old.cgroups();
        assertFalse(oldCgroups.isEmpty(), "runc recorded the container's cgroups");
        for (Path c : oldCgroups) assertTrue(Files.isDirectory(c), c.toString());

        // monit calls start on a running job (e.g. after monit itself restarted): left alone
        JobHost.Result again = h.bpm("start", h.job);
        assertEquals(0, again.code(), again.err());
        assertEquals(oldPid, h.pid(), "bpm 1.x's running job is left alone, its pid file naming it");
        assertTrue(!JobHost.gone(oldPid), "bpm 1.x's init still runs");

        JobHost.Result stop = h.bpm("stop", h.job);
        assertEquals(0, stop.code(), stop.err());
        assertTrue(JobHost.gone(oldPid), "bpm 1.x's init is gone");
        assertTrue(Files.readString(h.stdoutLog()).contains("got-term"), "the job got the stop signal: " + Files.readString(h.stdoutLog()));
        assertFalse(Files.exists(runcRoot().resolve(id)), "runc's state of the container is removed");
        assertFalse(Files.exists(h.root.resolve("data/bpm/bundles/" + h.job + "/" + h.job)), "bpm 1.x's bundle is removed");
        assertFalse(Files.exists(h.pidFile()), "the pid file is removed");
        for (Path c : oldCgroups) assertFalse(Files.exists(c), "the container's cgroup is removed: " + c);
        assertTrue(runcList().isEmpty(), "runc knows no container any more: " + runcList());
        String log = Files.readString(h.log("bpm.log"));
        assertTrue(log.contains("stopping-bpm1-container"), log);

        JobHost.Result start = h.bpm("start", h.job);
        assertEquals(0, start.code(), start.err());
        String newPid = h.pid();
        assertNotEquals(oldPid, newPid);
        assertFalse(h.recordedCgroups().isEmpty(), "started by this bpm: its state records the job");
        h.awaitOutput("started\ngot-term\nstarted");
        assertEquals(1, JobHost.instances(h.job));
        JobHost.Result stopNew = h.bpm("stop", h.job);
        assertEquals(0, stopNew.code(), stopNew.err());
        assertTrue(JobHost.gone(newPid));
    }

    @Test
    void aJobIgnoringTheStopSignalIsKilledWithWhatItForked() throws Exception {
        // ignores TERM (and QUIT, as bpm's alt-test-server) and leaves a child in the container: SIGKILL to the cgroup
        Bpm1Job old = startedByBpm1("trap '' TERM QUIT; sleep 100000 & echo started; while :; do sleep 0.1; done");
        long t0 = System.nanoTime();
        JobHost.Result stop = h.bpm("stop", h.job);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(0, stop.code(), stop.err());
        assertTrue(stop.err().contains("started by bpm 1.x") && stop.err().contains("SIGKILL"), stop.err());
        assertTrue(ms >= 17_000, "TERM, 15 s, QUIT, 2 s, KILL: " + ms + " ms");
        assertTrue(JobHost.gone(old.pid()));
        for (Path c : old.cgroups()) assertFalse(Files.exists(c), "the container's cgroup is removed: " + c);
        assertFalse(Files.exists(runcRoot().resolve(old.id())));
    }

    @Test
    void aDeadBpm1ContainerIsCleanedByTheNextStart() throws Exception {
        Bpm1Job old = startedByBpm1("echo started; while :; do sleep 0.1; done");
        assertEquals(0, JobHost.exec("kill", "-KILL", old.pid()));
        await("bpm 1.x's init to die", () -> JobHost.gone(old.pid()));

        JobHost.Result start = h.bpm("start", h.job);
        assertEquals(0, start.code(), start.err());
        assertNotEquals(old.pid(), h.pid());
        assertFalse(Files.exists(runcRoot().resolve(old.id())), "runc's state of the dead container is removed");
        // where this bpm puts the job can be the very path runc used (bpm 1.x's naming, below the same cgroup)
        List<String> ours = h.recordedCgroups();
        for (Path c : old.cgroups()) {
            assertTrue(!Files.exists(c) || ours.contains(c.toString()), "the dead container's cgroup is removed: " + c + " (ours: " + ours + ")");
        }
        assertEquals(0, h.bpm("stop", h.job).code());
        for (Path c : old.cgroups()) assertFalse(Files.exists(c), c.toString());
    }

    /** bpm 1.x's job: its process running {@code script} under runc (the init's pid), with the cgroups runc recorded. */
    private record Bpm1Job(String id, String pid, List<Path> cgroups) {
    }

    /** A job running {@code script}, started as bpm 1.x starts it, once it has printed "started". */
    private Bpm1Job startedByBpm1(String script) throws Exception {
        h.script(script);
        h.oneProcess("");
        String id = ContainerId.encode(h.job, h.job);
        String pid = startLikeBpm1(id);
        h.awaitOutput("started");
        return new Bpm1Job(id, pid, runcCgroups(id));
    }

    /**
     * What bpm 1.x's start does (§5.1, §6.3): the bundle with config.json (here rendered by
     * {@code bpm compile --format oci} plus bpm 1.x's cgroupsPath), the pid directory, then
     * {@code runc --root ROOT/sys/run/bpm-runc run --bundle B --pid-file P --detach ID} with its
     * output in the job's log files. Returns the pid runc wrote.
     */
    private String startLikeBpm1(String id) throws Exception {
        Path bundle = h.root.resolve("data/bpm/bundles/" + h.job + "/" + h.job);
        Files.createDirectories(bundle.resolve("rootfs"));
        Files.setPosixFilePermissions(bundle, PosixFilePermissions.fromString("rwx------"));
        Path yml = h.root.resolve("jobs/" + h.job + "/config/bpm.yml");
        JobHost.Result oci = h.bpm("compile", "--format", "oci", "--init", JobHost.TINI, "--job", h.job, yml.toString());
        assertEquals(0, oci.code(), oci.err());
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(oci.out());
        ((ObjectNode) config.get("linux")).put("cgroupsPath", bpm1CgroupsPath(id));
        Files.writeString(bundle.resolve("config.json"), json.writerWithDefaultPrettyPrinter().writeValueAsString(config));
        Path pidDir = Files.createDirectories(h.pidFile().getParent());
        Files.setPosixFilePermissions(pidDir, PosixFilePermissions.fromString("rwx------"));
        Path logs = Files.createDirectories(h.stdoutLog().getParent());
        for (Path d : List.of(h.root.resolve("data/" + h.job + "/tmp"), logs)) Files.createDirectories(d);
        containers.add(id);
        Process p = new ProcessBuilder(runc.toString(), "--root", runcRoot().toString(), "run", "--bundle", bundle.toString(),
                "--pid-file", h.pidFile().toString(), "--detach", id)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(h.stdoutLog().toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(h.stderrLog().toFile()))
                .start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "runc run --detach returned");
        assertEquals(0, p.exitValue(), "runc run failed: " + JobHost.readOrMissing(h.stderrLog()));
        assertTrue(Files.isRegularFile(runcRoot().resolve(id).resolve("state.json")), "runc wrote its state");
        String pid = h.pid();
        assertTrue(pid.matches("[1-9][0-9]*"), "runc wrote the pid file: " + pid);
        return pid;
    }

    /** bpm 1.x's cgroupsPath on a host without systemd (§4.11): its own cgroup v2 path (the 0:: line) joined with the id. */
    private static String bpm1CgroupsPath(String id) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
            if (line.startsWith("0::")) {
                String self = line.substring(3);
                return (self.endsWith("/") ? self : self + "/") + id;
            }
        }
        return "/" + id;
    }

    /** The cgroup directories runc's state names for the container. */
    private List<Path> runcCgroups(String id) throws IOException {
        var state = new ObjectMapper().readTree(runcRoot().resolve(id).resolve("state.json").toFile());
        List<Path> out = new ArrayList<>();
        state.get("cgroup_paths").forEach(p -> {
            if (!out.contains(Path.of(p.asText()))) out.add(Path.of(p.asText()));
        });
        return out;
    }

    private List<String> runcList() throws Exception {
        Process p = new ProcessBuilder(runc.toString(), "--root", runcRoot().toString(), "list", "-q").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return out.lines().filter(l -> !l.isBlank()).toList();
    }

    private static Optional<Path> onPath(String program) {
        for (String dir : Optional.ofNullable(System.getenv("PATH")).orElse("").split(":")) {
            if (dir.isEmpty()) continue;
            Path candidate = Path.of(dir, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) return Optional.of(candidate);
        }
        return Optional.empty();
    }
}
