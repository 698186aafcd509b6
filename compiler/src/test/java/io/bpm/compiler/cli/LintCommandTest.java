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
        // given as ../../tmp/...: outside %SRCROOT% (the working directory), so a file URI without .. segments
        assertEquals("file://" + f.toAbsolutePath().normalize(), loc.at("/artifactLocation/uri").asText());
        assertTrue(loc.at("/artifactLocation/uriBaseId").isMissingNode());
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

    static final String MONIT = "check process web\n  with pidfile /var/vcap/sys/run/bpm/web/web.pid\n"
            + "  start program \"/var/vcap/jobs/bpm/bin/bpm start web\"\n  stop program \"/var/vcap/jobs/bpm/bin/bpm stop web\"\n  group vcap\n";
    static final String MONIT_BAD_PIDFILE = MONIT.replace("/bpm/web/web.pid", "/web/web.pid");

    @Test
    void theJobsMonitFileIsCheckedWithItsBpmYml() throws Exception {
        Path f = write("jobs/web/config/bpm.yml", GOOD);
        Path monit = write("jobs/web/monit", MONIT_BAD_PIDFILE);
        assertEquals(1, run("lint", "--color=never", f.toString()));
        assertTrue(stdout().contains(monit + ":2:16: error[BPM402]: monit watches /var/vcap/sys/run/web/web.pid"), stdout());
        assertTrue(stdout().contains("2 |   with pidfile /var/vcap/sys/run/web/web.pid\n  |                ^^^^^^^^^^^^^^^^^^^^^^^^^^^^"), stdout());
        assertTrue(stdout().contains("in 2 files checked"), stdout());
        console.reset();
        Files.writeString(monit, MONIT);
        assertEquals(0, run("lint", f.toString()));
        assertTrue(stdout().contains("0 errors, 0 warnings in 2 files checked"), stdout());
    }

    @Test
    void aRenderedMonitFileBesideItsBpmYmlAndTheProcessesItLeavesOut() throws Exception {
        Path f = write("web--two.bpm.yml", GOOD + "- name: worker\n  executable: /bin/worker\n");
        write("web--two.monit", MONIT);
        assertEquals(0, run("lint", f.toString()));
        assertTrue(stdout().contains(f + ":4:9: info[BPM408]: process \"worker\" has no check in "), stdout());
    }

    @Test
    void monitFindingsInJsonAndSarifNameTheMonitFile() throws Exception {
        Path f = write("jobs/web/config/bpm.yml", GOOD);
        write("jobs/web/monit", MONIT_BAD_PIDFILE);
        Path rel = Path.of("").toAbsolutePath().relativize(f);
        assertEquals(1, run("lint", "--format", "json", rel.toString()));
        JsonNode d = new ObjectMapper().readTree(stdout()).get(0);
        assertEquals(rel.getParent().getParent().resolve("monit").toString(), d.get("file").asText());
        assertEquals("BPM402", d.get("code").asText());
        assertEquals("/checks/0/pidfile", d.get("pointer").asText());
        assertEquals("/var/vcap/sys/run/bpm/web/web.pid", d.get("fix").asText());
        console.reset();
        assertEquals(1, run("lint", "--format=sarif", rel.toString()));
        JsonNode result = new ObjectMapper().readTree(stdout()).at("/runs/0/results/0");
        assertEquals("BPM402", result.get("ruleId").asText());
        assertEquals("file://" + f.getParent().getParent().resolve("monit").toAbsolutePath().normalize(),
                result.at("/locations/0/physicalLocation/artifactLocation/uri").asText());
        assertEquals(2, result.at("/locations/0/physicalLocation/region/startLine").asInt());
    }

    @Test
    void anExplicitMonitFileGoesWithOneBpmYmlOnly() throws Exception {
        Path f = write("a/web.yml", GOOD);
        Path monit = write("elsewhere/web-monit", MONIT_BAD_PIDFILE);
        assertEquals(1, run("lint", "--job", "web", "--monit", monit.toString(), f.toString()));
        assertTrue(stdout().contains("error[BPM402]"), stdout());
        console.reset();
        assertEquals(2, run("lint", "--monit", monit.toString(), f.toString(), write("b/web.bpm.yml", GOOD).toString()));
        assertTrue(stderr().contains("--monit"), stderr());
        assertFalse(stderr().contains("Exception"), stderr());
        console.reset();
        assertEquals(2, run("lint", "--monit", dir.resolve("nope").toString(), f.toString()));
        assertTrue(stderr().contains("no such file or directory"), stderr());
    }

    @Test
    void aLoneMonitFileIsCheckedWithoutProcesses() throws Exception {
        Path monit = write("jobs/web/monit", MONIT.replace("bpm stop web", "bpm stop web -p worker"));
        assertEquals(1, run("lint", monit.toString()));
        assertTrue(stdout().contains("error[BPM407]"), stdout());
        assertTrue(stdout().contains("in 1 file checked"), stdout());
        console.reset();
        // the job comes from the path (jobs/JOB/monit, JOB.monit) or --job, as for bpm.yml
        assertEquals(1, run("lint", write("other.monit", MONIT).toString()));
        assertTrue(stdout().contains("error[BPM405]"), stdout());
        console.reset();
        assertEquals(0, run("lint", "--job", "web", dir.resolve("other.monit").toString()));
        console.reset();
        assertEquals(1, run("lint", write("broken.monit", "check process web\n  group vcap\n").toString()));
        assertTrue(stdout().contains("broken.monit:2:3: error[BPM401]"), stdout());
    }

    @Test
    void aMonitFileIsCheckedOnceEvenWhenNamedTwice() throws Exception {
        Path f = write("web.bpm.yml", GOOD);
        Path monit = write("web.monit", MONIT_BAD_PIDFILE);
        assertEquals(1, run("lint", "--format=json", f.toString(), monit.toString()));
        assertEquals(1, new ObjectMapper().readTree(stdout()).size(), stdout());
    }

    @Test
    void aDirectoryBringsEachBpmYmlWithItsMonitFileButNoLoneMonitFiles() throws Exception {
        write("rel/jobs/a/config/bpm.yml", GOOD);
        write("rel/jobs/a/monit", MONIT.replace("bpm/web/", "bpm/a/").replace(" web\"", " a -p web\""));
        write("rel/jobs/b/monit", "not monit at all");
        assertEquals(0, run("lint", dir.resolve("rel").toString()));
        assertTrue(stdout().contains("in 2 files checked"), stdout());
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
