package io.bpm.compiler.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code bpm start} and {@code bpm stop} as root against the real kernel, each run as its own
 * JVM (as monit runs them) with BPM_BOSH_ROOT on a temporary root under /var/tmp and BPM_INIT
 * {@code /usr/bin/tini}. Creates the vcap user if the host has none, and removes it after.
 */
class StartStopTest {

    private static final String TINI = "/usr/bin/tini";
    private static boolean createdVcap;

    private Path root;
    private String job;

    @BeforeAll
    static void requireRootAndTini() throws Exception {
        String why = null;
        if (!"root".equals(System.getProperty("user.name")) && !isRoot()) why = "bpm start/stop tests need root";
        else if (!Files.isExecutable(Path.of(TINI))) why = "bpm start/stop tests need " + TINI + " (Debian package tini)";
        if (why != null) System.err.println("SKIPPED LOUDLY: " + why);
        assumeTrue(why == null, "SKIPPED LOUDLY: " + why);
        if (Files.readAllLines(Path.of("/etc/passwd")).stream().noneMatch(l -> l.startsWith("vcap:"))) {
            assertEquals(0, exec("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "vcap"));
            createdVcap = true;
        }
    }

    @AfterAll
    static void removeVcap() throws Exception {
        if (createdVcap) {
            assertEquals(0, exec("userdel", "vcap"));
            createdVcap = false;
        }
    }

    private static boolean isRoot() throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("Uid:")) return l.split("\\s+")[2].equals("0");
        }
        return false;
    }

    private static int exec(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).inheritIO().start();
        return p.waitFor();
    }

    @BeforeEach
    void makeRoot() throws IOException {
        root = Files.createTempDirectory(Path.of("/var/tmp"), "bpm-startstop-");
        job = "ss-" + HexFormat.of().formatHex(new byte[] {(byte) ThreadLocalRandom.current().nextInt(),
            (byte) ThreadLocalRandom.current().nextInt(), (byte) ThreadLocalRandom.current().nextInt()});
        for (String d : List.of("jobs/" + job + "/config", "packages/" + job + "/bin", "data/packages", "sys/log", "store")) {
            Files.createDirectories(root.resolve(d));
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (root == null) return;
        bpm("stop", job); // whatever a failed assertion left running
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    private void script(String body) throws IOException {
        Path run = root.resolve("packages/" + job + "/bin/run");
        Files.writeString(run, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private void bpmYml(String text) throws IOException {
        Files.writeString(root.resolve("jobs/" + job + "/config/bpm.yml"), text);
    }

    record Result(int code, String out, String err) {
        String lastErrLine() {
            String[] l = err.strip().split("\n");
            return l[l.length - 1];
        }
    }

    /** bpm in a JVM of its own, with this root and tini as the init. */
    private Result bpm(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("BPM_BOSH_ROOT", root.toString());
        pb.environment().put("BPM_INIT", TINI);
        Path out = Files.createTempFile(Path.of("/var/tmp"), "bpm-out-", ".txt");
        Path err = Files.createTempFile(Path.of("/var/tmp"), "bpm-err-", ".txt");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "bpm " + String.join(" ", args) + " finished");
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private Path pidFile() {
        return root.resolve("sys/run/bpm/" + job + "/" + job + ".pid");
    }

    private Path stdoutLog() {
        return root.resolve("sys/log/" + job + "/" + job + ".stdout.log");
    }

    private Path stateDir() {
        return root.resolve("sys/run/bpm-state");
    }

    private static void await(String what, java.util.concurrent.Callable<Boolean> cond) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!cond.call()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(20);
        }
    }

    private List<String> recordedCgroups() throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(stateDir())) {
            for (Path p : s.filter(p -> p.getFileName().toString().equals("state")).toList()) {
                for (String l : Files.readAllLines(p)) if (l.startsWith("cgroup ")) out.add(l.substring(7));
            }
        }
        return out;
    }

    private boolean mountsOfRoot() throws IOException {
        return Files.readString(Path.of("/proc/self/mountinfo")).contains(root.toString());
    }

    @Test
    void startRunsTheJobUnderTiniAndStopDeliversTerm() throws Exception {
        script("trap \"echo got-term; exit 0\" TERM; echo started; while :; do sleep 0.1; done");
        bpmYml("processes:\n- name: " + job + "\n  executable: /var/vcap/packages/" + job + "/bin/run\n");

        Result start = bpm("start", job);
        assertEquals(0, start.code(), start.err());
        String pid = Files.readString(pidFile(), StandardCharsets.US_ASCII);
        assertTrue(pid.matches("[1-9][0-9]*"), pid);
        String nspid = Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                .filter(l -> l.startsWith("NSpid:")).findFirst().orElseThrow();
        assertTrue(nspid.endsWith("\t1"), "the init is PID 1 of its namespace: " + nspid);
        assertEquals("tini", Files.readString(Path.of("/proc/" + pid + "/comm")).trim());
        await("started in the stdout log", () -> Files.exists(stdoutLog()) && Files.readString(stdoutLog()).contains("started"));
        List<String> cgroups = recordedCgroups();
        assertFalse(cgroups.isEmpty());
        for (String c : cgroups) assertTrue(Files.isDirectory(Path.of(c)), c);

        Result again = bpm("start", job);
        assertEquals(0, again.code(), again.err());
        assertEquals(pid, Files.readString(pidFile(), StandardCharsets.US_ASCII), "a running job is left alone");

        Result stop = bpm("stop", job);
        assertEquals(0, stop.code(), stop.err());
        assertTrue(Files.readString(stdoutLog()).contains("got-term"), Files.readString(stdoutLog()));
        assertFalse(Files.exists(pidFile()), "pid file removed");
        try (Stream<Path> s = Files.list(stateDir())) {
            assertEquals(List.of(), s.toList(), "state removed");
        }
        for (String c : cgroups) assertFalse(Files.exists(Path.of(c)), "cgroup removed: " + c);
        assertFalse(Files.exists(Path.of("/proc/" + pid)) && !Files.readString(Path.of("/proc/" + pid + "/stat")).contains(") Z "),
                "the init is gone");
        assertFalse(mountsOfRoot(), "no mount of the temporary root is left");

        Result stopAgain = bpm("stop", job);
        assertEquals(0, stopAgain.code(), stopAgain.err());
    }

    /** bpm's integration case: the hook's output precedes the process's in the stdout log. */
    @Test
    void thePreStartHookRunsOnTheHostBeforeTheProcess() throws Exception {
        script("echo \"$LANG\"; trap 'exit 0' TERM; while :; do sleep 0.1; done");
        Path hook = root.resolve("jobs/" + job + "/bin/pre-start");
        Files.createDirectories(hook.getParent());
        Files.writeString(hook, "#!/bin/sh\necho Executing Pre Start\n[ \"$TMPDIR\" = /var/vcap/data/" + job + "/tmp ] || exit 3\n");
        Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwxr-xr-x"));
        bpmYml("processes:\n- name: " + job + "\n  executable: /var/vcap/packages/" + job + "/bin/run\n"
                + "  hooks:\n    pre_start: /var/vcap/jobs/" + job + "/bin/pre-start\n");
        Result start = bpm("start", job);
        assertEquals(0, start.code(), start.err());
        await("the process's output", () -> Files.readString(stdoutLog()).contains("en_US.UTF-8"));
        assertEquals("Executing Pre Start\nen_US.UTF-8\n", Files.readString(stdoutLog()));
        assertEquals(0, bpm("stop", job).code());

        Files.writeString(hook, "#!/bin/sh\nexit 7\n");
        Result failed = bpm("start", job);
        assertEquals(1, failed.code(), failed.err());
        assertTrue(failed.lastErrLine().contains("prestart hook failed") && failed.lastErrLine().contains("exit status 7"), failed.err());
        assertFalse(Files.exists(pidFile()), "no pid file after a failed start");
        assertTrue(recordedCgroups().isEmpty() || recordedCgroups().stream().noneMatch(c -> Files.exists(Path.of(c))));
    }

    @Test
    void stoppingAnUnknownJobSucceeds() throws Exception {
        Result stop = bpm("stop", job);
        assertEquals(0, stop.code(), stop.err());
    }

    @Test
    void aStaleStateIsCleanedAndTheJobStarted() throws Exception {
        script("echo started; while :; do sleep 0.1; done");
        bpmYml("processes:\n- name: " + job + "\n  executable: /var/vcap/packages/" + job + "/bin/run\n");
        assertEquals(0, bpm("start", job).code());
        String pid = Files.readString(pidFile(), StandardCharsets.US_ASCII);
        // the init dies behind bpm's back (SIGKILL: its job is killed with it, PID 1 of the namespace)
        assertEquals(0, exec("kill", "-KILL", pid));
        await("the init to die", () -> !Files.exists(Path.of("/proc/" + pid))
                || Files.readString(Path.of("/proc/" + pid + "/stat")).contains(") Z "));
        Result start = bpm("start", job);
        assertEquals(0, start.code(), start.err());
        assertFalse(pid.equals(Files.readString(pidFile(), StandardCharsets.US_ASCII)), "a new init");
        assertEquals(0, bpm("stop", job).code());
        assertFalse(Files.exists(pidFile()));
    }

    @Test
    void aConfigErrorFailsTheStartNamingIt() throws Exception {
        bpmYml("processes:\n- name: " + job + "\n  executable: /var/vcap/packages/" + job + "/bin/run\n  limits:\n    memory: lots\n");
        Result start = bpm("start", job);
        assertEquals(1, start.code(), start.err());
        assertTrue(start.err().contains("memory"), start.err());
        assertTrue(start.lastErrLine().contains("bpm.yml"), start.lastErrLine());
        assertFalse(Files.exists(pidFile()));
    }

    @Test
    void aMissingConfigFailsTheStart() throws Exception {
        Result start = bpm("start", job);
        assertEquals(1, start.code(), start.err());
        assertTrue(start.lastErrLine().contains("bpm.yml"), start.lastErrLine());
    }
}
