package io.bpm.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bpm.compiler.plan.LowerOptions;
import io.bpm.executor.lifecycle.JobProcess;
import io.bpm.executor.lifecycle.PlanSupplier;
import io.bpm.executor.plan.HostFacts;
import io.bpm.executor.plan.PlanCache;
import io.bpm.executor.plan.VerifiedPlan;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bpm start's plan as start gets it ({@link JobProcess#plan} with the compiler's
 * {@link CompiledPlans}): compiled once, then served from the plan cache without YAML or schema
 * code.
 */
class StartPlanTest {
    @TempDir
    Path root;

    static final String YAML = "processes:\n- name: web\n  executable: /var/vcap/packages/web/bin/web\n";

    /** CompiledPlans, counting the compiles: a plan that did not need one came from the cache. */
    static final class Counting implements PlanSupplier {
        int compiles;

        @Override
        public String cacheVersion(String init) {
            return CompiledPlans.START.cacheVersion(init);
        }

        @Override
        public VerifiedPlan compile(Request request) throws JobProcess.Failed, IOException {
            compiles++;
            return CompiledPlans.START.compile(request);
        }
    }

    private final Counting compiler = new Counting();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private static JobProcess web(Path root, String process) throws JobProcess.Failed {
        return JobProcess.of("web", process, HostFacts.of(root.toString(), 0, 0));
    }

    private Path bpmYml(String text) throws IOException {
        Path f = root.resolve("jobs/web/config/bpm.yml");
        Files.createDirectories(f.getParent());
        Files.writeString(f, text);
        return f;
    }

    /** The plan start gets, with bpm's init, using and filling the plan cache. */
    private String start(String process, String init) throws Exception {
        return web(root, process).plan(compiler, init, true, "start", new PrintStream(err, true)).text();
    }

    private String start() throws Exception {
        return start("web", LowerOptions.DEFAULT_INIT);
    }

    /** The plan cache start uses for web/web. */
    private PlanCache cache() throws JobProcess.Failed {
        JobProcess jp = web(root, "web");
        return new PlanCache(jp.path("data/bpm/plans/" + jp.containerId));
    }

    /**
     * bin/bpm's hint: a bpm.yml newer than the plan cache's directory will compile. A store makes
     * the directory newer, and so does a hit although bpm.yml is newer (rewritten unchanged), so
     * the next start takes monit's path again; a hit with bpm.yml older changes nothing.
     */
    @Test
    void theCacheDirectoryStaysNewerThanTheBpmYmlItHolds() throws Exception {
        Path yml = bpmYml(YAML);
        start();
        Path dir = cache().directory();
        assertTrue(Files.getLastModifiedTime(dir).compareTo(Files.getLastModifiedTime(yml)) > 0, "a store makes it newer");

        java.nio.file.attribute.FileTime later = java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 60_000);
        Files.setLastModifiedTime(yml, later);   // rewritten with the same bytes, and dated a minute ahead
        start();
        assertEquals(1, compiler.compiles, "the same bytes: a hit");
        assertTrue(Files.getLastModifiedTime(dir).compareTo(later) > 0, "a hit makes it newer than bpm.yml, even one dated ahead");

        java.nio.file.attribute.FileTime marked = Files.getLastModifiedTime(dir);
        start();
        assertEquals(marked, Files.getLastModifiedTime(dir), "a hit with bpm.yml older leaves it");
    }

    @Test
    void compilesOnceThenHitsUntilTheConfigChanges() throws Exception {
        Path f = bpmYml(YAML);
        String first = start();
        assertEquals(1, compiler.compiles);
        assertEquals(first, start());
        assertEquals(1, compiler.compiles, "an unchanged bpm.yml is served from the cache");
        Files.writeString(f, YAML + "  ephemeral_disk: true\n");
        String third = start();
        assertEquals(2, compiler.compiles, "a changed bpm.yml must be recompiled");
        assertTrue(third.contains("mount bind $ROOT/data/web /var/vcap/data/web"), third);
    }

    @Test
    void aHitIsServedAsCachedWithoutRecompiling() throws Exception {
        Path f = bpmYml(YAML);
        String compiled = start();
        // An operator-visible difference that compiling would never produce: a reviewed comment line.
        String annotated = compiled.replace("\nuser vcap", "\n# reviewed\nuser vcap");
        cache().store(PlanCache.sha256(Files.readAllBytes(f)), CompiledPlans.START.cacheVersion(LowerOptions.DEFAULT_INIT), annotated);
        assertEquals(annotated, start());
        assertEquals(1, compiler.compiles);
    }

    @Test
    void aDamagedOrInvalidEntryIsRecompiled() throws Exception {
        Path f = bpmYml(YAML);
        String good = start();
        String sha = PlanCache.sha256(Files.readAllBytes(f));
        cache().store(sha, CompiledPlans.START.cacheVersion(LowerOptions.DEFAULT_INIT),
                good.replace("\ncwd /var/vcap/jobs/web", "\ncwd relative"));
        assertEquals(good, start());
        assertEquals(2, compiler.compiles);
    }

    /** The init is part of the plan, so of the key: a plan for another init is compiled, not taken from bpm's. */
    @Test
    void anotherInitIsAnotherEntry() throws Exception {
        bpmYml(YAML);
        String bpms = start();
        String tinis = start("web", "/usr/bin/tini");
        assertEquals(2, compiler.compiles);
        assertNotEquals(bpms, tinis);
        assertEquals(tinis, start("web", "/usr/bin/tini"));
        assertEquals(bpms, start());
        assertEquals(2, compiler.compiles, "each init's plan is cached under its own version");
    }

    @Test
    void errorsAndUnknownProcesses() throws Exception {
        bpmYml("processes:\n- name: web\n");
        var bad = assertThrows(JobProcess.Failed.class, this::start);
        assertTrue(bad.getMessage().contains("failed to parse job configuration"), bad.getMessage());
        assertTrue(err.toString().contains("error"), "the findings are printed: " + err);
        bpmYml(YAML);
        var missing = assertThrows(JobProcess.Failed.class, () -> start("other", LowerOptions.DEFAULT_INIT));
        assertTrue(missing.getMessage().contains("process \"other\" not present in job configuration"), missing.getMessage());
    }

    /** In a fresh JVM, a cache hit loads no YAML, schema, JSON or picocli class at all. */
    @Test
    void aHitLoadsNoYamlOrSchemaClasses() throws Exception {
        bpmYml(YAML);
        start();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-verbose:class", "-cp", System.getProperty("java.class.path"),
                CacheHitMain.class.getName(), root.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("compiles=0"), out);
        List<String> heavy = out.lines().filter(l -> l.startsWith("[") && (l.contains("org.yaml.") || l.contains("com.networknt.")
                || l.contains("com.fasterxml.") || l.contains("picocli.") || l.contains("io.bpm.compiler.parse.")
                || l.contains("io.bpm.compiler.Frontend"))).toList();
        assertTrue(heavy.isEmpty(), "the cache-hit path loaded: " + heavy);
    }

    /** The hit path alone, for the class-loading test. */
    public static final class CacheHitMain {
        public static void main(String[] args) throws Exception {
            Counting compiler = new Counting();
            web(Path.of(args[0]), "web").plan(compiler, LowerOptions.DEFAULT_INIT, true, "start", System.err);
            System.out.println("compiles=" + compiler.compiles);
        }
    }
}
