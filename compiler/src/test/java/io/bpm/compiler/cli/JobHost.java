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
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A temporary BOSH root under /var/tmp with one job (a random name, so nothing collides with a
 * real job or another test) for tests that run {@code bpm start/stop/run} as root against the
 * real kernel, each command in a JVM of its own as monit runs it, with BPM_BOSH_ROOT on the root
 * and BPM_INIT {@code /usr/bin/tini}. {@link #close} stops whatever a failed assertion left
 * running and deletes the root.
 */
final class JobHost implements AutoCloseable {

    static final String TINI = "/usr/bin/tini";
    private static boolean createdVcap;

    final Path root;
    final String job;
    private final List<String> otherJobs = new ArrayList<>();

    /** Skips the calling test class loudly unless root and tini are here; creates vcap when missing. */
    static void requireRootAndTini() throws Exception {
        String why = null;
        if (!isRoot()) why = "bpm start/stop/run tests need root";
        else if (!Files.isExecutable(Path.of(TINI))) why = "bpm start/stop/run tests need " + TINI + " (Debian package tini)";
        if (why != null) System.err.println("SKIPPED LOUDLY: " + why);
        assumeTrue(why == null, "SKIPPED LOUDLY: " + why);
        if (Files.readAllLines(Path.of("/etc/passwd")).stream().noneMatch(l -> l.startsWith("vcap:"))) {
            assertEquals(0, exec("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "vcap"));
            createdVcap = true;
        }
    }

    /** Removes the vcap user if {@link #requireRootAndTini} created it. */
    static void removeVcap() throws Exception {
        if (createdVcap) {
            assertEquals(0, exec("userdel", "vcap"));
            createdVcap = false;
        }
    }

    static boolean isRoot() throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("Uid:")) return l.split("\\s+")[2].equals("0");
        }
        return false;
    }

    static int exec(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).inheritIO().start();
        return p.waitFor();
    }

    JobHost() throws IOException {
        root = Files.createTempDirectory(Path.of("/var/tmp"), "bpm-job-");
        job = "t-" + HexFormat.of().formatHex(new byte[] {(byte) ThreadLocalRandom.current().nextInt(),
            (byte) ThreadLocalRandom.current().nextInt(), (byte) ThreadLocalRandom.current().nextInt()});
        for (String d : List.of("jobs/" + job + "/config", "packages/" + job + "/bin", "data/packages", "sys/log", "store")) {
            Files.createDirectories(root.resolve(d));
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    /** What {@link #close}'s safety net had to remove because bpm stop left it: a bpm bug, or a test's leak. */
    final List<String> leftByStop = new ArrayList<>();

    /** Stops the job's processes a failed test left running (each process of the last bpm.yml) and deletes the root. */
    @Override
    public void close() throws Exception {
        List<String> procs = new ArrayList<>(List.of(job));
        Path yml = root.resolve("jobs/" + job + "/config/bpm.yml");
        if (Files.exists(yml)) {
            for (String l : Files.readAllLines(yml)) {
                if (l.startsWith("- name: ")) procs.add(l.substring(8).trim());
            }
        }
        for (String p : procs.stream().distinct().toList()) bpm("stop", job, "-p", p);
        for (String other : otherJobs) bpm("stop", other);
        // a safety net under bpm stop, for a test that failed with bpm itself broken: nothing of
        // this root's jobs may outlive the test
        List<String> ids = new ArrayList<>();
        for (String p : procs.stream().distinct().toList()) ids.add(io.bpm.executor.plan.ContainerId.encode(job, p));
        for (String other : otherJobs) ids.add(io.bpm.executor.plan.ContainerId.encode(other, other));
        for (String id : ids) {
            io.bpm.executor.host.JobCgroup cg = io.bpm.executor.host.Cgroups.detect().job(id);
            if (cg.exists()) {
                leftByStop.add("cgroup " + cg.paths() + " with processes " + cg.pids());
                cg.kill(java.time.Duration.ofSeconds(5), io.bpm.executor.host.JobCgroup.Killer.SIGKILL);
                cg.remove(java.time.Duration.ofSeconds(5));
            }
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /** {@code packages/JOB/bin/NAME}, a shell script, 0755; its path in the job's view. */
    String script(String name, String body) throws IOException {
        Path run = root.resolve("packages/" + job + "/bin/" + name);
        Files.writeString(run, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x"));
        return "/var/vcap/packages/" + job + "/bin/" + name;
    }

    /** The default process script, {@code run}. */
    String script(String body) throws IOException {
        return script("run", body);
    }

    /**
     * A second job in this root, {@code JOB-SUFFIX}, with one process named like it running a
     * script with {@code body}; stopped by {@link #close} too.
     */
    String otherJob(String suffix, String body) throws IOException {
        String other = job + "-" + suffix;
        Files.createDirectories(root.resolve("jobs/" + other + "/config"));
        Path bin = Files.createDirectories(root.resolve("packages/" + other + "/bin"));
        Path run = bin.resolve("run");
        Files.writeString(run, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(root.resolve("jobs/" + other + "/config/bpm.yml"),
                "processes:\n- name: " + other + "\n  executable: /var/vcap/packages/" + other + "/bin/run\n");
        otherJobs.add(other);
        return other;
    }

    /**
     * The running inits (tini) of a job's default process: more than one would be two instances.
     * A child tini has just forked still looks like tini until it execs the job, so processes
     * whose parent is one of the inits are not counted.
     */
    static long instances(String job) {
        String exe = "/var/vcap/packages/" + job + "/bin/run";
        List<ProcessHandle> inits = ProcessHandle.allProcesses()
                .filter(p -> p.info().command().orElse("").equals(TINI))
                .filter(p -> p.info().arguments().map(a -> List.of(a).contains(exe)).orElse(false))
                .toList();
        java.util.Set<Long> pids = new java.util.HashSet<>();
        for (ProcessHandle p : inits) pids.add(p.pid());
        return inits.stream().filter(p -> p.parent().map(q -> !pids.contains(q.pid())).orElse(true)).count();
    }

    /** The job's inits with their parents and cgroups, for a failure message. */
    static String describeInstances(String job) {
        String exe = "/var/vcap/packages/" + job + "/bin/run";
        StringBuilder b = new StringBuilder();
        ProcessHandle.allProcesses()
                .filter(p -> p.info().command().orElse("").equals(TINI))
                .filter(p -> p.info().arguments().map(a -> List.of(a).contains(exe)).orElse(false))
                .forEach(p -> {
                    b.append("\n  init ").append(p.pid()).append(" parent ").append(p.parent().map(ProcessHandle::pid).orElse(-1L));
                    try {
                        b.append(" started ").append(p.info().startInstant().orElse(null)).append(" cgroups ")
                                .append(Files.readString(Path.of("/proc/" + p.pid() + "/cgroup")).replace('\n', ' '));
                    } catch (IOException e) {
                        b.append(" (gone)");
                    }
                });
        return b.toString();
    }

    void bpmYml(String text) throws IOException {
        Files.writeString(root.resolve("jobs/" + job + "/config/bpm.yml"), text);
    }

    /** A bpm.yml with one process named like the job, running {@code run}, plus {@code more} YAML lines under it. */
    void oneProcess(String more) throws IOException {
        bpmYml("processes:\n- name: " + job + "\n  executable: /var/vcap/packages/" + job + "/bin/run\n" + more);
    }

    record Result(int code, String out, String err) {
        String lastErrLine() {
            String[] l = err.strip().split("\n");
            return l[l.length - 1];
        }
    }

    /** bpm in a JVM of its own, with this root and tini as the init. */
    Result bpm(String... args) throws Exception {
        return bpm(Map.of(), args);
    }

    Result bpm(Map<String, String> env, String... args) throws Exception {
        return run(command(env, args));
    }

    /** Runs a bpm command line made by {@link #command} and waits for it (60 s at most). */
    Result run(ProcessBuilder pb) throws Exception {
        String what = String.join(" ", pb.command().subList(Math.max(0, pb.command().size() - 3), pb.command().size()));
        Path out = Files.createTempFile(Path.of("/var/tmp"), "bpm-out-", ".txt");
        Path err = Files.createTempFile(Path.of("/var/tmp"), "bpm-err-", ".txt");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "bpm ... " + what + " finished");
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** The command line of a bpm JVM, for tests that drive the process themselves. */
    ProcessBuilder command(Map<String, String> env, String... args) {
        return command(Main.class, env, args);
    }

    /**
     * A bpm JVM started with every signal at its default disposition: a signal the test's JVM
     * inherited as ignored (SIGINT, SIGHUP under nohup or a background job) would stay ignored
     * across exec, and a JVM cannot catch an ignored signal.
     */
    ProcessBuilder commandWithDefaultSignals(String... args) {
        ProcessBuilder pb = command(Map.of(), args);
        List<String> cmd = new ArrayList<>(List.of("env", "--default-signal"));
        cmd.addAll(pb.command());
        return pb.command(cmd);
    }

    /** The same with another main class (a test's), on the test class path. */
    ProcessBuilder command(Class<?> main, Map<String, String> env, String... args) {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("BPM_BOSH_ROOT", root.toString());
        pb.environment().put("BPM_INIT", TINI);
        pb.environment().putAll(env);
        return pb;
    }

    Path pidFile() {
        return pidFile(job);
    }

    Path pidFile(String proc) {
        return root.resolve("sys/run/bpm/" + job + "/" + proc + ".pid");
    }

    String pid() throws IOException {
        return Files.readString(pidFile(), StandardCharsets.US_ASCII);
    }

    Path stdoutLog() {
        return log(job + ".stdout.log");
    }

    Path stderrLog() {
        return log(job + ".stderr.log");
    }

    Path log(String name) {
        return root.resolve("sys/log/" + job + "/" + name);
    }

    Path stateDir() {
        return root.resolve("sys/run/bpm-state");
    }

    /** Waits up to 60 s: it returns as soon as cond holds, and a loaded machine (a CI VM beside) may need the time. */
    static void await(String what, Callable<Boolean> cond) throws Exception {
        await(what, cond, 60, () -> "");
    }

    /** Waits up to {@code seconds} for {@code cond}; a timeout says what {@code context} reads then. */
    static void await(String what, Callable<Boolean> cond, int seconds, Callable<String> context) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!cond.call()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out after " + seconds + " s waiting for " + what + context.call());
            Thread.sleep(20);
        }
    }

    /** Waits until the stdout log contains {@code text}. */
    void awaitOutput(String text) throws Exception {
        awaitOutput(text, 10, () -> "");
    }

    /** Waits up to {@code seconds} until the stdout log contains {@code text}; a timeout shows both logs and {@code context}. */
    void awaitOutput(String text, int seconds, Callable<String> context) throws Exception {
        await("\"" + text + "\" in the stdout log", () -> Files.exists(stdoutLog()) && Files.readString(stdoutLog()).contains(text), seconds,
            () -> "\nstdout log: " + readOrMissing(stdoutLog()) + "\nstderr log: " + readOrMissing(stderrLog()) + context.call());
    }

    static String readOrMissing(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }

    List<String> recordedCgroups() throws IOException {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(stateDir())) return out;
        try (Stream<Path> s = Files.walk(stateDir())) {
            for (Path p : s.filter(p -> p.getFileName().toString().equals("state")).toList()) {
                for (String l : Files.readAllLines(p)) if (l.startsWith("cgroup ")) out.add(l.substring(7));
            }
        }
        return out;
    }

    boolean mountsOfRoot() throws IOException {
        return Files.readString(Path.of("/proc/self/mountinfo")).contains(root.toString());
    }

    /** Whether a process is gone (or only a zombie). */
    static boolean gone(String pid) throws IOException {
        Path stat = Path.of("/proc/" + pid + "/stat");
        try {
            return !Files.exists(stat) || Files.readString(stat).contains(") Z ");
        } catch (java.nio.file.NoSuchFileException e) {
            return true;
        }
    }
}
