package io.bpm.compiler.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The picocli-free reading of {@code start}/{@code stop} agrees with picocli's, and really loads no picocli class. */
class MonitCommandsTest {

    private static final List<List<String>> READ_HERE = List.of(
            List.of("start", "web"), List.of("stop", "web"),
            List.of("start", "web", "-p", "worker"), List.of("stop", "web", "--process", "worker"),
            List.of("start", "-p", "worker", "web"), List.of("stop", "--process", "worker", "web"),
            List.of("start", "web", "-p", "web"), List.of("start", "a.b_c", "-p", "x+y"));

    private static final List<List<String>> LEFT_TO_PICOCLI = List.of(
            List.of("start"), List.of("stop"), List.of(), List.of("start", "web", "extra"),
            List.of("start", "--help"), List.of("stop", "-h"), List.of("start", "-V"), List.of("start", "--dry-run", "web"),
            List.of("start", "web", "--dry-run"), List.of("start", "web", "-pworker"), List.of("start", "web", "--process=worker"),
            List.of("start", "web", "-p", "-x"), List.of("start", "@args"), List.of("start", "-p", "x", "@args"),
            List.of("start", ""), List.of("run", "web"), List.of("pid", "web"), List.of("lint", "bpm.yml"),
            List.of("start", "web", "-x", "y"), List.of("start", "web", "-p", "a", "-p"), List.of("start", "--", "web"),
            List.of("stop", "web", "worker", "-p", "x"), List.of("START", "web"));

    @Test
    void thePlainFormsReadAsPicocliReadsThem() {
        for (List<String> argv : READ_HERE) {
            String[] args = argv.toArray(String[]::new);
            Optional<MonitCommands.Plain> fast = MonitCommands.parse(args);
            assertTrue(fast.isPresent(), "read here: " + argv);
            MonitCommands.Plain mine = fast.get();

            CommandLine cli = new CommandLine(new Main());
            CommandLine.ParseResult parsed = cli.parseArgs(args);
            Object picked = parsed.subcommand().commandSpec().userObject();
            assertEquals(parsed.subcommand().commandSpec().name(), mine.command(), argv.toString());
            JobArguments theirs = arguments(picked);
            assertEquals(theirs.job, mine.job(), argv.toString());
            assertEquals(theirs.process, mine.process(), argv.toString());
            assertEquals(theirs.process(), mine.processOrJob(), argv.toString());
        }
    }

    @Test
    void everyOtherFormIsLeftToPicocli() {
        for (List<String> argv : LEFT_TO_PICOCLI) {
            assertFalse(MonitCommands.parse(argv.toArray(String[]::new)).isPresent(), "left to picocli: " + argv);
        }
    }

    /** Arguments after the job go to picocli, which ignores them as bpm 1.4 does: the same command as the plain form. */
    @Test
    void extraArgumentsReadAsThePlainForm() {
        List<List<List<String>>> pairs = List.of(
                List.of(List.of("start", "web", "extra"), List.of("start", "web")),
                List.of(List.of("stop", "web", "worker", "-p", "x"), List.of("stop", "web", "-p", "x")),
                List.of(List.of("start", "-p", "worker", "web", "a", "b"), List.of("start", "-p", "worker", "web")),
                List.of(List.of("stop", "web", "-p", "worker", "extra"), List.of("stop", "web", "-p", "worker")));
        for (List<List<String>> pair : pairs) {
            String[] extra = pair.getFirst().toArray(String[]::new);
            assertFalse(MonitCommands.parse(extra).isPresent(), "left to picocli: " + pair.getFirst());
            MonitCommands.Plain plain = MonitCommands.parse(pair.getLast().toArray(String[]::new)).orElseThrow();
            CommandLine.ParseResult parsed = new CommandLine(new Main()).parseArgs(extra);
            assertEquals(plain.command(), parsed.subcommand().commandSpec().name());
            JobArguments theirs = arguments(parsed.subcommand().commandSpec().userObject());
            assertEquals(plain.job(), theirs.job, pair.getFirst().toString());
            assertEquals(plain.process(), theirs.process, pair.getFirst().toString());
            assertFalse(theirs.ignored.isEmpty(), pair.getFirst().toString());
        }
    }

    private static JobArguments arguments(Object command) {
        if (command instanceof StartCommand s) return s.job;
        return assertInstanceOf(StopCommand.class, command).job;
    }

    /** In a JVM of its own, as monit runs it: {@code stop} of a job that never ran, and {@code stop --help} for contrast. */
    @Test
    void aStopLoadsNoPicocliClass(@TempDir Path root) throws Exception {
        String plain = classesLoaded(root, "stop", "never-ran");
        assertTrue(plain.contains("io.bpm.executor.lifecycle.Stopper"), plain);
        assertFalse(plain.contains("io.bpm.compiler.cli.StopCommand"), "the picocli command class is not even loaded");
        assertEquals(List.of(), plain.lines().filter(l -> l.contains(" picocli.")).toList(), "stop JOB loaded picocli");
        String help = classesLoaded(root, "stop", "--help");
        assertTrue(help.contains(" picocli.CommandLine "), "stop --help goes through picocli");
        assertTrue(help.contains("Usage: bpm stop"), help);
    }

    private static String classesLoaded(Path root, String... args) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new java.util.ArrayList<>(List.of(java.toString(), "-verbose:class", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Bpm.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("BPM_BOSH_ROOT", root.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertFalse(Files.exists(root.resolve("sys/run/bpm")), "a stop of a job that never ran creates nothing");
        return out;
    }
}
