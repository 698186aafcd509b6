package io.bpm.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The lint command as a release author's CI runs it: exit codes, formats, paths, job names. */
class LintCommandTest {
    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    @TempDir
    Path dir;

    private int run(String... args) {
        return Main.run(args);
    }

    private String stdout() {
        return console.stdout();
    }

    private String stderr() {
        return console.stderr();
    }

    private Path write(String rel, String text) throws Exception {
        Path f = dir.resolve(rel);
        Files.createDirectories(f.getParent());
        Files.writeString(f, text);
        return f;
    }

    static final String GOOD = "processes:\n- name: web\n  executable: /var/vcap/packages/web/bin/web\n";
    static final String BAD = "processes:\n- name: web\n  executable: /var/vcap/packages/web/bin/web\n  additional_volumes:\n  - path: /bin\n";

    @Test
    void cleanFileExitsZero() throws Exception {
        assertEquals(0, run("lint", write("jobs/web/config/bpm.yml", GOOD).toString()), stdout() + stderr());
        assertTrue(stdout().contains("0 errors, 0 warnings in 1 file checked"), stdout());
    }

    @Test
    void errorsExitOneWithCompilerStyleOutput() throws Exception {
        Path f = write("jobs/web/config/bpm.yml", BAD);
        assertEquals(1, run("lint", "--color=never", f.toString()));
        String text = stdout();
        assertTrue(text.contains(f + ":5:11: error[BPM204]: invalid volume path: /bin must be within /var/vcap"), text);
        assertTrue(text.contains("5 |   - path: /bin\n  |           ^^^^"), text);
        assertTrue(text.contains("= help: "), text);
    }

    @Test
    void compatTurnsNewErrorsIntoWarningsButKeepsBpmsOwn() throws Exception {
        Path f = write("x.bpm.yml", GOOD + "  executeable: /bin/x\n");
        assertEquals(1, run("lint", f.toString()));
        console.reset();
        assertEquals(0, run("lint", "--compat", f.toString()));
        assertTrue(stdout().contains("warning[BPM101]"), stdout());
        console.reset();
        assertEquals(1, run("lint", "--compat", write("y.bpm.yml", BAD).toString()));
    }

    @Test
    void jsonIsAStableArray() throws Exception {
        Path f = write("jobs/web/config/bpm.yml", BAD);
        assertEquals(1, run("lint", "--format", "json", f.toString()));
        JsonNode arr = new ObjectMapper().readTree(stdout());
        assertTrue(arr.isArray());
        JsonNode d = arr.get(0);
        assertEquals("BPM204", d.get("code").asText());
        assertEquals("volume-outside-root", d.get("rule").asText());
        assertEquals("error", d.get("severity").asText());
        assertEquals(5, d.get("line").asInt());
        assertEquals(11, d.get("column").asInt());
        assertEquals("/processes/0/additional_volumes/0/path", d.get("pointer").asText());
    }

    @Test
    void sarifHasRulesAndRelativeLocations() throws Exception {
        Path f = write("jobs/web/config/bpm.yml", BAD);
        Path rel = Path.of("").toAbsolutePath().relativize(f);
        assertEquals(1, run("lint", "--format=sarif", rel.toString()));
        JsonNode sarif = new ObjectMapper().readTree(stdout());
        assertEquals("2.1.0", sarif.get("version").asText());
        JsonNode run = sarif.get("runs").get(0);
        assertTrue(run.at("/tool/driver/rules").size() > 30);
        JsonNode result = run.get("results").get(0);
        assertEquals("BPM204", result.get("ruleId").asText());
        assertEquals("error", result.get("level").asText());
        JsonNode loc = result.at("/locations/0/physicalLocation");
        assertEquals(rel.toString(), loc.at("/artifactLocation/uri").asText());
        assertEquals("%SRCROOT%", loc.at("/artifactLocation/uriBaseId").asText());
        assertEquals(5, loc.at("/region/startLine").asInt());
        JsonNode rule = run.at("/tool/driver/rules").get(result.get("ruleIndex").asInt());
        assertEquals("BPM204", rule.get("id").asText());
    }

    @Test
    void directoriesAreSearchedForBpmYmlFiles() throws Exception {
        write("rel/jobs/a/config/bpm.yml", GOOD);
        write("rel/b.bpm.yml", GOOD);
        write("rel/notes.yml", "not: checked");
        assertEquals(0, run("lint", dir.resolve("rel").toString()));
        assertTrue(stdout().contains("in 2 files checked"), stdout());
    }

    @Test
    void theJobNameComesFromThePath() throws Exception {
        String ownData = "processes:\n- name: web\n  executable: /bin/web\n  additional_volumes:\n  - path: /var/vcap/data/web\n";
        assertEquals(1, run("lint", write("jobs/web/config/bpm.yml", ownData).toString()));
        assertTrue(stdout().contains("BPM205"), stdout());
        console.reset();
        assertEquals(1, run("lint", write("web--variant.bpm.yml", ownData).toString()));
        assertTrue(stdout().contains("BPM205"), stdout());
        console.reset();
        assertEquals(0, run("lint", "--job", "other", write("web.bpm.yml", ownData).toString()));
        console.reset();
        assertEquals(0, run("lint", write("plain/bpm.yml", ownData).toString()));
        assertTrue(stdout().contains("info[BPM322]"), stdout());
    }

    @Test
    void missingPathIsAnIoProblem() {
        assertEquals(2, run("lint", dir.resolve("nope.yml").toString()));
        assertTrue(stderr().contains("no such file or directory"), stderr());
        assertFalse(stderr().contains("Exception"), stderr());
    }

    @Test
    void unreadableDirectoryEntryAndEmptyDirectory() throws Exception {
        Files.createDirectories(dir.resolve("empty"));
        assertEquals(2, run("lint", dir.resolve("empty").toString()));
        assertTrue(stderr().contains("no bpm.yml"), stderr());
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(2, run("lint"));
        assertEquals(2, run("lint", "--format", "xml", "x"));
        assertEquals(2, run("frobnicate"));
    }

    @Test
    void helpAndVersion() {
        assertEquals(0, run("--version"));
        assertTrue(stdout().startsWith("bpm "), stdout());
        console.reset();
        assertEquals(0, run("lint", "--help"));
        assertTrue(stdout().contains("--compat"), stdout());
        console.reset();
        assertEquals(0, run("version"));
        assertTrue(stdout().startsWith("bpm "), stdout());
    }
}
