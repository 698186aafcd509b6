package io.bpm.compiler.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the JVM of a {@code bpm start} with the plan in the cache loads, as monit runs it (a JVM
 * of its own, no AOT cache, so every class the path needs is logged): none of picocli, Jackson,
 * the schema validator, YAML, JRuby or the compiler beyond the few classes that ask it for a
 * plan; no lambda of bpm's; no regex, String.format or stream classes of the JDK's; no record's
 * generated equals, hashCode or toString (bootstrapped through ObjectMethods); no memory
 * layout's VarHandle; and not many
 * more classes than today's. Each of those costs class loading and bootstrap on every start
 * (bench/README.md). A change that makes this fail either adds to every start's time, or moves
 * the budget here on purpose, with its measurement in the commit message.
 */
class MonitPathTest extends JobHostTest {

    /** Measured 2026-12-07 for a cached start: 1,517 classes (the budget leaves 5 % for the JDK's own variation). */
    static final int CLASS_BUDGET = 1_600;

    /** The compiler's classes a cached start may load: its entry and the plan suppliers (not called on a hit). */
    static final Set<String> COMPILER_CLASSES_ALLOWED = Set.of("io.bpm.compiler.cli.Bpm", "io.bpm.compiler.cli.MonitCommands",
            "io.bpm.compiler.cli.MonitCommands$Plain", "io.bpm.compiler.cli.MonitCommands$Start",
            "io.bpm.compiler.cli.MonitCommands$Stop", "io.bpm.compiler.cli.MonitCommands$Body",
            "io.bpm.compiler.cli.CompiledPlans", "io.bpm.compiler.cli.RestartForCompiler", "io.bpm.compiler.plan.PlanSource",
            "io.bpm.compiler.Version",
            // loaded by the verifier for CompiledPlans' catch clause, not used
            "io.bpm.compiler.plan.PlanSource$CompileFailure");

    /**
     * Not streams: the JDK's own FFM linker uses them (CallingSequenceBuilder), so their classes
     * load on every path; bpm's own streams would show as its lambdas.
     */
    static final List<String> FORBIDDEN_PREFIXES = List.of("picocli.", "com.fasterxml.", "com.networknt.", "org.snakeyaml.",
            "org.yaml.", "org.jruby.", "java.util.regex.", "java.util.Formatter", "java.time.format.",
            // a record's generated equals, hashCode or toString: 30 ms of method-handle spinning
            "java.lang.runtime.ObjectMethods",
            // a memory layout's get or set (its VarHandle): 13 ms of spinning; sys.Struct instead
            "java.lang.invoke.VarHandleSegmentAs",
            // MemorySegment.copy of an array (its type switch's bootstrap): 1.75 ms; sys.Struct instead
            "jdk.internal.foreign.Utils$BaseAndScale$$TypeSwitch");

    @Test
    void aCachedStartLoadsOnlyTheMonitPath() throws Exception {
        h.script("trap 'exit 0' TERM\nwhile :; do sleep 1; done");
        h.oneProcess("");
        assertEquals(0, h.bpm("start", h.job).code(), "the first start compiles the plan into the cache");
        assertEquals(0, h.bpm("stop", h.job).code());

        List<String> start = classesLoaded("start", h.job);
        List<String> stop = classesLoaded("stop", h.job);
        for (List<String> loaded : List.of(start, stop)) {
            List<String> wrong = new ArrayList<>();
            for (String c : loaded) {
                boolean bpmLambda = c.startsWith("io.bpm.") && c.contains("$$Lambda");
                boolean compiler = c.startsWith("io.bpm.compiler.") && !COMPILER_CLASSES_ALLOWED.contains(c);
                if (bpmLambda || compiler || FORBIDDEN_PREFIXES.stream().anyMatch(c::startsWith)) wrong.add(c);
            }
            assertEquals(List.of(), wrong, "classes the monit path must not load");
        }
        assertTrue(start.contains("io.bpm.executor.lifecycle.Starter"), "the start went through the executor's Starter");
        assertTrue(stop.contains("io.bpm.executor.lifecycle.Stopper"), "the stop went through the executor's Stopper");
        System.out.println("MonitPathTest: a cached start loaded " + start.size() + " classes, its stop " + stop.size());
        assertTrue(start.size() <= CLASS_BUDGET, "a cached start loaded " + start.size() + " classes, over the budget of "
                + CLASS_BUDGET + ": see the class comment");
    }

    /**
     * Classes whose initialisation a start that compiles (a JVM of its own, started after bpm.yml
     * changed) must not run, with what each cost it on JDK 25 (async-profiler, SchemaJson says
     * more): BigDecimal's squares its way to 5^65536 (36 ms), ObjectMapper's builds a
     * SimpleDateFormat that lists every CLDR locale (46 ms), networknt's Formats builds every
     * format it knows (8 ms; BpmSchema's dialect has none).
     */
    static final List<String> NOT_INITIALISED_BY_A_COMPILE = List.of("java.math.BigDecimal",
            "com.fasterxml.jackson.databind.ObjectMapper", "java.text.SimpleDateFormat", "com.networknt.schema.format.Formats");

    @Test
    void aCompilingStartRunsNoCostlyClassInitialiser() throws Exception {
        h.script("trap 'exit 0' TERM\nwhile :; do sleep 1; done");
        h.oneProcess("");
        List<String> initialised = jvmLog("class+init", "Initializing '", "start", h.job).stream()
                .map(name -> name.replace('/', '.')).toList();
        assertTrue(initialised.contains("io.bpm.compiler.schema.BpmSchema"), "the start compiled its plan: " + initialised.size());
        List<String> costly = NOT_INITIALISED_BY_A_COMPILE.stream().filter(initialised::contains).toList();
        assertEquals(List.of(), costly, "class initialisers a compiling start must not run");
        assertEquals(0, h.bpm("stop", h.job).code());
    }

    /** The classes (by name) a bpm command loads, in a JVM of its own; the command must succeed. */
    private List<String> classesLoaded(String... args) throws Exception {
        return jvmLog("class+load", "[class,load] ", args);
    }

    /**
     * The class names of a JVM log's lines (tag {@code tags}), each the word after {@code marker},
     * of a bpm command run in a JVM of its own; the command must succeed.
     */
    private List<String> jvmLog(String tags, String marker, String... args) throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/var/tmp"), "bpm-classes-");
        Path log = dir.resolve("classes.log");
        try {
            ProcessBuilder pb = h.command(Bpm.class, Map.of(), args);
            List<String> cmd = new ArrayList<>(pb.command());
            cmd.add(1, "-Xlog:" + tags + "=info:file=" + log + "::filecount=0");   // no rotation, no classes.log.0
            JobHost.Result r = h.run(pb.command(cmd));
            assertEquals(0, r.code(), r.err());
            List<String> names = new ArrayList<>();
            for (String line : Files.readAllLines(log)) {
                int at = line.indexOf(marker);
                if (at < 0) continue;
                String rest = line.substring(at + marker.length());
                int end = 0;
                while (end < rest.length() && " '(".indexOf(rest.charAt(end)) < 0) end++;
                names.add(rest.substring(0, end));
            }
            return names;
        } finally {
            try (var left = Files.list(dir)) {
                for (Path p : left.toList()) Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        }
    }
}
