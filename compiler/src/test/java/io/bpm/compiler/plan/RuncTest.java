package io.bpm.compiler.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bpm.compiler.Frontend;
import io.bpm.compiler.source.SourceFile;
import io.bpm.executor.host.Cgroups;
import io.bpm.executor.plan.Capability;
import io.bpm.executor.plan.HostFacts;
import io.bpm.executor.plan.Plan;
import io.bpm.executor.plan.PlanText;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The OCI export runs for real: a plan rendered by {@link OciExport} is started with the host's
 * runc, as bpm would start it, and the process reports what it sees. Needs root, {@code runc}
 * on PATH and the Debian {@code tini} at /usr/bin/tini (.ci/run installs both); skips loudly
 * otherwise.
 *
 * <p>Nothing touches the host's runc state: a private {@code runc --root} lives in a temporary
 * BOSH root under /var/tmp (not /tmp, which the container mounts over), and the container, the
 * bundle and the root are removed afterwards, checking no mount is left behind.
 */
class RuncTest {

    private static final String TINI = "/usr/bin/tini";
    private static final int NOBODY = 65534;
    private static final String JOB = "hello";

    @Test
    void planRunsUnderRunc() throws Exception {
        String script = "echo hello-from-runc; id -u; grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status; ls /var/vcap; ulimit -n";
        Plan plan = OciExportTest.read(OciExportTest.planText(JOB, TINI, List.of("/bin/sh", "-c", quote(script)),
                false, "", List.of("rlimit NOFILE 1024 1024", "cgroup memory 268435456",
                        "cgroup memory+swap 268435456 if-supported", "cgroup pids 100"), List.of()));
        List<String> lines = runUnderRunc(plan);
        assertEquals(List.of("hello-from-runc", Integer.toString(NOBODY), "CapEff:\t0000000000000000", "NoNewPrivs:\t1",
                "Seccomp:\t2", "data", "jobs", "packages", "sys", "1024"), lines);
    }

    @Test
    void privilegedPlanRunsAsRootWithAllOfBpmsCapabilities() throws Exception {
        String script = "id -u; grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status; echo nosuid-mounts: $(grep -c nosuid /proc/mounts)";
        String text = PlanText.write(OciExportTest.privilegedPlan())
                .replace("/var/vcap/packages/bpm/bin/tini", TINI)
                .replace("/var/vcap/packages/web/bin/web", "/bin/sh -c " + quote(script));
        // runc cannot grant a capability outside its own bounding set ("unable to apply caps:
        // operation not permitted"); some sandboxes drop e.g. CAP_SYS_RESOURCE. Then bpm's
        // privileged set is cut down to what the host has, and the expected CapEff with it.
        long bounding = hostBoundingSet();
        List<Capability> privileged = Capability.dockerPrivileged();
        List<Capability> granted = privileged.stream().filter(c -> (bounding & 1L << c.number()) != 0).toList();
        long expected = granted.stream().mapToLong(c -> 1L << c.number()).reduce(0, (a, b) -> a | b);
        if (granted.size() != privileged.size()) {
            List<String> missing = privileged.stream().filter(c -> !granted.contains(c)).map(Capability::capName).toList();
            System.out.println("RuncTest: NOTE LOUDLY: this host's bounding set lacks " + missing
                    + "; the privileged run is checked with the rest (bpm itself could not start a privileged job here)");
            String all = privileged.stream().map(Capability::capName).collect(Collectors.joining(","));
            String some = granted.stream().map(Capability::capName).collect(Collectors.joining(","));
            text = text.replace(all, some);
        } else {
            assertEquals(0x3fffffffffL, expected, "bpm's privileged set is capabilities 0-37");
        }
        List<String> lines = runUnderRunc(OciExportTest.read(text));
        assertEquals(List.of("0", String.format("CapEff:\t%016x", expected), "NoNewPrivs:\t0", "Seccomp:\t0", "nosuid-mounts: 0"), lines);
    }

    /** CapBnd of this process (and so of the runc it starts). */
    private static long hostBoundingSet() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("CapBnd:")) return Long.parseUnsignedLong(line.substring(7).strip(), 16);
        }
        throw new IllegalStateException("no CapBnd in /proc/self/status");
    }

    @Test
    void loweredBpmYmlRunsUnderRunc() throws Exception {
        // the whole pipeline: bpm.yml -> lint -> lowering -> OCI export -> runc. bash, as in bpm's
        // integration tests: its `ulimit -c` counts KiB (dash's counts 512-byte blocks).
        String yaml = """
                processes:
                  - name: hello
                    executable: /bin/bash
                    args:
                      - -c
                      - echo $BPM; id -u; grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status; ls /var/vcap; ls /var/vcap/data; ulimit -n; ulimit -c; pwd; echo $HOME
                    env:
                      BPM: SWEET
                    ephemeral_disk: true
                    limits:
                      memory: 256M
                      open_files: 1000
                      processes: 100
                      core_file_size: 1048576
                """;
        Frontend.Result checked = Frontend.check(SourceFile.ofText("bpm.yml", yaml), new Frontend.Options(JOB, false));
        assertTrue(!checked.hasErrors(), checked.diagnostics().toString());
        Plan plan = Lowering.lower(checked, JOB, new LowerOptions(JOB, "test", TINI));
        List<String> lines = runUnderRunc(plan);
        assertEquals(List.of("SWEET", Integer.toString(NOBODY), "CapEff:\t0000000000000000", "NoNewPrivs:\t1",
                "Seccomp:\t2", "data", "jobs", "packages", "sys", JOB, "packages", "1000", "1024",
                "/var/vcap/jobs/" + JOB, "/var/vcap/data/" + JOB), lines);
    }

    private static String quote(String field) {
        return "\"" + field.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /**
     * Renders the plan for a fresh temporary BOSH root (with the directories bpm would have
     * prepared), runs it with {@code runc run} in the foreground, and returns its stdout lines.
     */
    private static List<String> runUnderRunc(Plan plan) throws Exception {
        Optional<Path> runc = onPath("runc");
        assumeTrue(runc.isPresent(), "SKIPPED LOUDLY: runc is not on PATH (apt-get install runc); the OCI export was not run for real");
        assumeTrue(isRoot(), "SKIPPED LOUDLY: not root; runc needs root to run the OCI export for real");
        assumeTrue(Files.isExecutable(Path.of(TINI)), "SKIPPED LOUDLY: no tini at " + TINI + " (apt-get install tini); the OCI export was not run for real");

        String job = plan.header().job();
        Path root = Files.createTempDirectory(Path.of("/var/tmp"), "bpm-runc-");
        String id = "bpm-test-" + UUID.randomUUID().toString().substring(0, 12);
        Path state = root.resolve("runc-state");
        Path bundle = root.resolve("data/bpm/bundles/" + job + "/" + job);
        String failure = null;
        try {
            for (String dir : List.of("jobs/" + job + "/config", "packages", "data/packages", "sys/log/" + job, "data/" + job + "/tmp")) {
                Files.createDirectories(root.resolve(dir));
            }
            Files.createDirectories(bundle.resolve("rootfs"));
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));

            HostFacts facts = HostFacts.of(root.toString(), NOBODY, NOBODY)
                    .withSwapAccounting(Cgroups.detectSwapAccounting())
                    .withSeccompSupported(HostFacts.detectSeccompSupported());
            String config = OciExport.render(plan, facts, bundle.resolve("rootfs").toString());
            Files.writeString(bundle.resolve("config.json"), config);

            Path out = root.resolve("stdout");
            Path err = root.resolve("stderr");
            Process p = new ProcessBuilder(runc.get().toString(), "--root", state.toString(), "run", "--bundle", bundle.toString(), id)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("runc run did not finish in 60 s; stderr: " + Files.readString(err));
            }
            String stdout = Files.readString(out);
            String stderr = Files.readString(err);
            assertEquals(0, p.exitValue(), "runc run failed; stdout:\n" + stdout + "\nstderr:\n" + stderr + "\nconfig.json:\n" + config);
            System.out.println("RuncTest: " + id + " ran under " + runc.get() + ":\n" + stdout + stderr);
            return stdout.lines().toList();
        } catch (Throwable t) {
            failure = t.toString();
            throw t;
        } finally {
            cleanUp(runc.get(), state, id, root, failure);
        }
    }

    /** Deletes the container, then the temporary root, refusing to delete through a mount. */
    private static void cleanUp(Path runc, Path state, String id, Path root, String earlier) throws IOException, InterruptedException {
        Process delete = new ProcessBuilder(runc.toString(), "--root", state.toString(), "delete", "--force", id)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .start();
        String deleteOutput = new String(delete.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        delete.waitFor(30, TimeUnit.SECONDS);
        List<String> left = mountsUnder(root);
        if (!left.isEmpty()) {
            // never walk into a leftover bind mount: it could delete host files
            throw new AssertionError("mounts left under " + root + " after runc delete (" + deleteOutput.strip() + "): " + left
                    + (earlier == null ? "" : "; the test had failed with " + earlier));
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
        assertTrue(!Files.exists(root), root + " not removed");
        assertEquals(List.of(), mountsUnder(root));
    }

    private static List<String> mountsUnder(Path root) throws IOException {
        List<String> out = new ArrayList<>();
        String prefix = root.toString() + "/";
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            if (f.length > 4) {
                String point = f[4].replace("\\040", " ");
                if (point.equals(root.toString()) || point.startsWith(prefix)) out.add(point);
            }
        }
        return out;
    }

    private static Optional<Path> onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) return Optional.empty();
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) continue;
            Path candidate = Path.of(dir, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) return Optional.of(candidate);
        }
        return Optional.empty();
    }

    private static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }
}
