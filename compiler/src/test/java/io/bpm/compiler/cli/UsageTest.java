package io.bpm.compiler.cli;

import io.bpm.executor.lifecycle.JobProcess;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Command lines bpm cannot read: the reason is on the last line of standard error (after the
 * synopsis), the exit status as bpm(1) says; and the per-job commands read their arguments as bpm
 * 1.4 does (bpm-behaviour.md §7.1): no job is "must specify a job" and exit 1, arguments after the
 * job are ignored.
 */
class UsageTest {
    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    /** bpm 1.4's per-job commands. */
    static final List<String> PER_JOB = List.of("start", "stop", "run", "pid", "logs", "shell", "trace");

    /** Those that print their errors as bpm 1.4 does, "Error: MESSAGE". */
    static final List<String> OPERATOR = List.of("pid", "logs", "shell", "trace", "list");

    private static String lastLine(String text) {
        List<String> lines = text.lines().toList();
        return lines.isEmpty() ? "" : lines.getLast();
    }

    private static String prefix(String command) {
        return OPERATOR.contains(command) ? "Error: " : "bpm " + command + ": ";
    }

    @Test
    void aPerJobCommandWithoutAJobSaysSoLastAndExitsOne() {
        for (String command : PER_JOB) {
            console.reset();
            assertEquals(1, Main.run(command), command);
            String err = console.stderr();
            assertEquals(prefix(command) + "must specify a job", lastLine(err), command + ":\n" + err);
            assertTrue(err.startsWith("Usage: bpm " + command + " "), err);
            assertTrue(err.contains("See 'bpm " + command + " --help'."), err);
            assertEquals("", console.stdout(), command);
        }
        console.reset();
        assertEquals(1, Main.run("stop", "-p", "worker"));
        assertEquals("bpm stop: must specify a job", lastLine(console.stderr()));
    }

    @Test
    void otherUsageErrorsEndWithTheReasonAndExitTwo() {
        record Case(List<String> args, String lastLine) {
        }
        List<Case> cases = List.of(
                new Case(List.of("pid", "-x", "web"), "Error: Unknown option: '-x'"),
                new Case(List.of("start", "--bogus", "web"), "bpm start: Unknown option: '--bogus'"),
                new Case(List.of("logs", "-n", "x", "web"), "Error: Invalid value for option '--lines': 'x' is not an int"),
                new Case(List.of("stop", "web", "-p"), "bpm stop: Missing required parameter for option '--process' (PROC)"),
                new Case(List.of("lint"), "bpm lint: Missing required parameter: 'PATH'"),
                new Case(List.of("lint", "--format", "xml", "x"),
                        "bpm lint: Invalid value for option '--format': expected one of [text, json, sarif] (case-sensitive) but was 'xml'"),
                new Case(List.of("compile"), "bpm compile: Missing required parameter: 'PATH'"),
                new Case(List.of("version", "x"), "bpm version: Unmatched argument at index 1: 'x'"),
                new Case(List.of("list", "--bogus"), "Error: Unknown option: '--bogus'"),
                new Case(List.of("frobnicate"), "bpm: Unmatched argument at index 0: 'frobnicate'"),
                new Case(List.of("strat", "web"), "bpm: Unmatched arguments from index 0: 'strat', 'web'"),
                new Case(List.of("help", "frobnicate"), "bpm: Unknown subcommand 'frobnicate'."),
                new Case(List.of(), "bpm: a command is required"));
        for (Case c : cases) {
            console.reset();
            assertEquals(2, Main.run(c.args().toArray(String[]::new)), c.args().toString());
            String err = console.stderr();
            assertEquals(c.lastLine(), lastLine(err), c.args() + ":\n" + err);
            assertTrue(err.startsWith("Usage: bpm"), err);
            assertFalse(err.contains("Exception"), err);
            assertEquals("", console.stdout(), c.args().toString());
        }
        console.reset();
        Main.run("strat", "web");
        assertTrue(console.stderr().lines().anyMatch(l -> l.equals("Did you mean: bpm start?")), console.stderr());
    }

    /** Only a close command or option is suggested (issue 14: bpm frobnicate got "Did you mean: bpm features?"). */
    @Test
    void onlyCloseCommandsAreSuggested() {
        for (String far : List.of("frobnicate", "xyz", "deploy", "status")) {
            console.reset();
            assertEquals(2, Main.run(far));
            assertFalse(console.stderr().contains("Did you mean"), far + ": " + console.stderr());
        }
        for (String[] near : List.of(new String[] {"lnt", "bpm lint"}, new String[] {"compil", "bpm compile"},
                new String[] {"stpo", "bpm stop"}, new String[] {"feature", "bpm features"})) {
            console.reset();
            Main.run(near[0]);
            assertTrue(console.stderr().lines().anyMatch(l -> l.equals("Did you mean: " + near[1] + "?")), near[0] + ": " + console.stderr());
        }
        console.reset();
        Main.run("lint", "--fromat", "json", "x.yml");
        assertTrue(console.stderr().lines().anyMatch(l -> l.equals("Did you mean: --format?")), console.stderr());
    }

    @Test
    void everyCommandHasHelpAndVersion() {
        for (String command : List.of("lint", "compile", "start", "stop", "run", "list", "pid", "logs", "shell", "trace", "features",
                "version")) {
            console.reset();
            assertEquals(0, Main.run(command, "--help"), command);
            assertTrue(console.stdout().startsWith("Usage: bpm " + command), console.stdout());
            console.reset();
            assertEquals(0, Main.run(command, "-V"), command);
            assertTrue(console.stdout().startsWith("bpm "), console.stdout());
            console.reset();
            assertEquals(0, Main.run("help", command), command);
            assertTrue(console.stdout().startsWith("Usage: bpm " + command), console.stdout());
        }
    }

    /** The plain form and the form with arguments after the job do the same; the extra one only adds a warning. */
    @Test
    void argumentsAfterTheJobAreIgnoredWithAWarning(@TempDir Path root) throws Exception {
        for (List<String> plain : List.of(List.of("stop", "never-ran"), List.of("stop", "never-ran", "-p", "worker"),
                List.of("pid", "never-ran"), List.of("logs", "never-ran"), List.of("shell", "never-ran"), List.of("trace", "never-ran"))) {
            List<String> extra = new ArrayList<>(plain);
            extra.add(2, "worker");
            Run expected = bpm(root, plain);
            Run got = bpm(root, extra);
            assertEquals(expected.status(), got.status(), extra + ": " + got.err());
            assertEquals(expected.out(), got.out(), extra.toString());
            List<String> lines = got.err().lines().toList();
            assertEquals("bpm " + plain.getFirst() + ": warning: ignoring the extra argument 'worker' after the job (bpm 1.4 ignores it "
                    + "too; -p PROC names a process)", lines.getFirst(), got.err());
            assertEquals(expected.err(), got.err().substring(got.err().indexOf('\n') + 1), extra.toString());
        }
        Run two = bpm(root, List.of("stop", "never-ran", "a", "b"));
        assertEquals(0, two.status(), two.err());
        assertTrue(two.err().contains("ignoring the extra arguments 'a b' after the job (bpm 1.4 ignores them too;"), two.err());
        assertFalse(Files.exists(root.resolve("sys/run/bpm")), "a stop of a job that never ran creates nothing");
        // list takes no argument; bpm 1.4 (cobra, no argument check) ignores any
        Run list = bpm(root, List.of("list"));
        Run listExtra = bpm(root, List.of("list", "web"));
        assertEquals(list.status(), listExtra.status(), listExtra.err());
        assertEquals(list.out(), listExtra.out());
        if (list.status() == 0) {   // as root; otherwise both refuse before reading arguments
            assertEquals("bpm list: warning: ignoring the argument 'web' (list takes none; bpm 1.4 ignores them too)",
                    listExtra.err().strip());
        }
    }

    record Run(int status, String out, String err) {
    }

    /** bpm in a JVM of its own, with BPM_BOSH_ROOT {@code root}. */
    private static Run bpm(Path root, List<String> args) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("BPM_BOSH_ROOT", root.toString());
        Path err = Files.createTempFile("bpm-usage", ".err");
        try {
            Process p = pb.redirectError(err.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes());
            int status = p.waitFor();
            return new Run(status, out, Files.readString(err));
        } finally {
            Files.delete(err);
        }
    }

    /** bpm 1.4's root check (§7.1): refused only when neither the real user nor the real group is root. */
    @Test
    void jobCommandsNeedARootUserOrGroup() {
        String status = "Name:\tjava\nUid:\t%s\t%s\t%s\t%s\nGid:\t%s\t%s\t%s\t%s\n";
        assertTrue(JobProcess.rootIn(status.formatted(0, 0, 0, 0, 0, 0, 0, 0)));
        assertTrue(JobProcess.rootIn(status.formatted(1000, 1000, 1000, 1000, 0, 0, 0, 0)), "root group is enough");
        assertTrue(JobProcess.rootIn(status.formatted(0, 0, 0, 0, 1000, 1000, 1000, 1000)));
        assertFalse(JobProcess.rootIn(status.formatted(1000, 0, 0, 0, 1000, 0, 0, 0)), "the real ids count, as getuid does");
        assertEquals("bpm must be run as root. Please run 'sudo -i' to become the root user.", JobProcess.NOT_ROOT);
    }
}
