package io.bpm.compiler.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bpm.compiler.Version;
import io.bpm.executor.plan.PlanCache;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bpm start's plan: compiled once, then served from the cache without YAML or schema code. */
class PlanSourceTest {
    @TempDir
    Path dir;

    static final String YAML = "processes:\n- name: web\n  executable: /var/vcap/packages/web/bin/web\n";

    private Path bpmYml(String text) throws Exception {
        Path f = dir.resolve("jobs/web/config/bpm.yml");
        Files.createDirectories(f.getParent());
        Files.writeString(f, text);
        return f;
    }

    @Test
    void compilesOnceThenHitsUntilTheConfigChanges() throws Exception {
        PlanCache cache = new PlanCache(dir.resolve("plans/bpm-web"));
        Path f = bpmYml(YAML);
        var first = PlanSource.forStart(f, "web", "web", cache);
        assertFalse(first.cached());
        var second = PlanSource.forStart(f, "web", "web", cache);
        assertTrue(second.cached());
        assertEquals(first.text(), second.text());
        Files.writeString(f, YAML + "  ephemeral_disk: true\n");
        var third = PlanSource.forStart(f, "web", "web", cache);
        assertFalse(third.cached(), "a changed bpm.yml must be recompiled");
        assertTrue(third.text().contains("mount bind $ROOT/data/web /var/vcap/data/web"));
    }

    @Test
    void aHitIsServedAsCachedWithoutRecompiling() throws Exception {
        PlanCache cache = new PlanCache(dir.resolve("plans/bpm-web"));
        Path f = bpmYml(YAML);
        String compiled = PlanSource.forStart(f, "web", "web", cache).text();
        // An operator-visible difference that compiling would never produce: a reviewed comment line.
        String annotated = compiled.replace("\nuser vcap", "\n# reviewed\nuser vcap");
        cache.store(PlanCache.sha256(Files.readAllBytes(f)), Version.get(), annotated);
        assertEquals(annotated, PlanSource.forStart(f, "web", "web", cache).text());
    }

    @Test
    void aDamagedOrInvalidEntryIsRecompiled() throws Exception {
        PlanCache cache = new PlanCache(dir.resolve("plans/bpm-web"));
        Path f = bpmYml(YAML);
        String good = PlanSource.forStart(f, "web", "web", cache).text();
        String sha = PlanCache.sha256(Files.readAllBytes(f));
        cache.store(sha, Version.get(), good.replace("\ncwd /var/vcap/jobs/web", "\ncwd relative"));
        var again = PlanSource.forStart(f, "web", "web", cache);
        assertFalse(again.cached());
        assertEquals(good, again.text());
    }

    @Test
    void errorsAndUnknownProcesses() throws Exception {
        PlanCache cache = new PlanCache(dir.resolve("plans/bpm-web"));
        var bad = assertThrows(PlanSource.CompileFailure.class,
                () -> PlanSource.forStart(bpmYml("processes:\n- name: web\n"), "web", "web", cache));
        assertFalse(bad.diagnostics().isEmpty());
        var missing = assertThrows(PlanSource.CompileFailure.class,
                () -> PlanSource.forStart(bpmYml(YAML), "web", "other", cache));
        assertTrue(missing.getMessage().contains("process \"other\" not present in job configuration"), missing.getMessage());
    }

    /** In a fresh JVM, a cache hit loads no YAML, schema, JSON or picocli class at all. */
    @Test
    void aHitLoadsNoYamlOrSchemaClasses() throws Exception {
        PlanCache cache = new PlanCache(dir.resolve("plans/bpm-web"));
        Path f = bpmYml(YAML);
        PlanSource.forStart(f, "web", "web", cache);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-verbose:class", "-cp", System.getProperty("java.class.path"),
                CacheHitMain.class.getName(), f.toString(), cache.directory().toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("cached=true"), out);
        List<String> heavy = out.lines().filter(l -> l.startsWith("[") && (l.contains("org.yaml.") || l.contains("com.networknt.")
                || l.contains("com.fasterxml.") || l.contains("picocli.") || l.contains("io.bpm.compiler.parse.")
                || l.contains("io.bpm.compiler.Frontend"))).toList();
        assertTrue(heavy.isEmpty(), "the cache-hit path loaded: " + heavy);
    }

    /** The hit path alone, for the class-loading test. */
    public static final class CacheHitMain {
        public static void main(String[] args) throws Exception {
            var provided = PlanSource.forStart(Path.of(args[0]), "web", "web", new PlanCache(Path.of(args[1])));
            System.out.println("cached=" + provided.cached());
        }
    }
}
