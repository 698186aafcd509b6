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

/** Lint's findings point at the cause (issue 14 §3), in text, JSON and SARIF. */
class DiagnosticsPointAtTheCauseTest {
    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    @TempDir
    Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();

    private Path write(String rel, String text) throws Exception {
        Path f = dir.resolve(rel);
        Files.createDirectories(f.getParent());
        Files.writeString(f, text);
        return f;
    }

    private JsonNode sarif(String... paths) throws Exception {
        console.reset();
        String[] args = new String[paths.length + 3];
        args[0] = "lint";
        args[1] = "--format";
        args[2] = "sarif";
        System.arraycopy(paths, 0, args, 3, paths.length);
        Main.run(args);
        return JSON.readTree(console.stdout()).get("runs").get(0);
    }

    /** The opening quote or bracket is the finding's place; where the reader gave up is a note and a related location. */
    @Test
    void anUnclosedQuoteOrBracketIsFoundWhereItOpens() throws Exception {
        Path quote = write("quote.bpm.yml", "processes:\n- name: \"web\n  executable: /bin/true\n  args: [a]\n");
        assertEquals(1, Main.run("lint", quote.toString()));
        String text = console.stdout();
        assertTrue(text.contains(quote + ":2:9: error[BPM001]: malformed YAML: this quoted string is not closed"), text);
        assertTrue(text.contains("= note: " + quote + ":5:1: the file ends here"), text);
        JsonNode result = sarif(quote.toString()).get("results").get(0);
        assertEquals(2, result.at("/locations/0/physicalLocation/region/startLine").asInt());
        assertEquals(9, result.at("/locations/0/physicalLocation/region/startColumn").asInt());
        assertEquals(5, result.at("/relatedLocations/0/physicalLocation/region/startLine").asInt());

        Path bracket = write("bracket.bpm.yml", "processes:\n- name: web\n  executable: /bin/true\n  args: [a, b\n  env: {A: b}\n");
        console.reset();
        assertEquals(1, Main.run("lint", "--format", "json", bracket.toString()));
        JsonNode f = JSON.readTree(console.stdout()).get(0);
        assertEquals(4, f.get("line").asInt());
        assertEquals(9, f.get("column").asInt());
        assertEquals(5, f.at("/related/0/line").asInt());
    }

    /** A relative volume path "is relative"; the fix uses the real job name and doubles no part. */
    @Test
    void aRelativeVolumePathIsCalledRelativeWithARealFix() throws Exception {
        Path f = write("jobs/queue-worker/config/bpm.yml", "processes:\n- name: w\n  executable: /bin/true\n  additional_volumes:\n"
                + "  - path: data/queue-worker/spool\n  - path: spool\n");
        assertEquals(1, Main.run("lint", f.toString()));
        String text = console.stdout();
        assertTrue(text.contains("invalid volume path: data/queue-worker/spool is relative"), text);
        assertTrue(text.contains("fix: replace with '/var/vcap/data/queue-worker/spool'"), text);
        assertTrue(text.contains("fix: replace with '/var/vcap/data/queue-worker/spool'") && text.contains("/var/vcap/data/queue-worker/spool'"), text);
        assertFalse(text.contains("must be within /var/vcap\n"), text);
        assertFalse(text.contains("JOB/data"), text);
        console.reset();
        Path g = write("x.bpm.yml", "processes:\n- name: w\n  executable: /bin/true\n  additional_volumes:\n  - path: spool\n");
        Main.run("lint", "--job", "worker", g.toString());
        assertTrue(console.stdout().contains("fix: replace with '/var/vcap/data/worker/spool'"), console.stdout());
    }

    @Test
    void environmentSuggestsEnv() throws Exception {
        Path f = write("web.bpm.yml", "processes:\n- name: web\n  executable: /bin/true\n  environment: {A: b}\n  enviroment:\n");
        Main.run("lint", f.toString());
        String text = console.stdout();
        assertEquals(2, text.split("help: did you mean \"env\"\\?", -1).length - 1, text);
    }

    /** A path lint cannot read is a finding in JSON and a failed invocation in SARIF, not a clean run. */
    @Test
    void anUnreadablePathIsAFindingAndAFailedRun() throws Exception {
        String missing = dir.resolve("no-such-folder").toString();
        assertEquals(2, Main.run("lint", "--format", "json", missing));
        JsonNode arr = JSON.readTree(console.stdout());
        assertEquals(1, arr.size(), console.stdout());
        assertEquals("BPM007", arr.get(0).get("code").asText());
        assertEquals("error", arr.get(0).get("severity").asText());
        JsonNode run = sarif(missing);
        assertFalse(run.at("/invocations/0/executionSuccessful").asBoolean(true), run.toString());
        assertTrue(run.at("/invocations/0/toolExecutionNotifications/0/message/text").asText().contains("no such file"), run.toString());
        assertEquals(0, run.get("results").size());
        Path good = write("ok.bpm.yml", "processes:\n- name: ok\n  executable: /bin/true\n");
        assertTrue(sarif(good.toString()).at("/invocations/0/executionSuccessful").asBoolean(false));
    }

    /** SARIF URIs have no . or .. segments, and are relative to %SRCROOT% (the working directory) below it. */
    @Test
    void sarifUrisAreNormalised() throws Exception {
        Path cwd = Path.of("").toAbsolutePath();
        Path inside = Files.createTempDirectory(cwd.resolve("target"), "sarif-");
        try {
            Path f = inside.resolve("web.bpm.yml");
            Files.writeString(f, "processes:\n- name: web\n  executable: bin/web\n");
            String rel = cwd.relativize(inside) + "/../" + inside.getFileName() + "/./web.bpm.yml";
            for (String given : new String[] {rel, f.toString()}) {
                JsonNode a = sarif(given).at("/results/0/locations/0/physicalLocation/artifactLocation");
                assertEquals(cwd.relativize(f).toString(), a.get("uri").asText(), given);
                assertEquals("%SRCROOT%", a.get("uriBaseId").asText(), given);
            }
            Files.writeString(dir.resolve("ok.bpm.yml"), "processes:\n- name: ok\n  executable: bin/ok\n");
            Files.createDirectories(dir.resolve("x"));   // the kernel resolves x/.. only through an existing x
            JsonNode outside = sarif(dir.resolve("x/../ok.bpm.yml").toString()).at("/results/0/locations/0/physicalLocation/artifactLocation");
            assertEquals("file://" + dir.resolve("ok.bpm.yml"), outside.get("uri").asText());
            assertFalse(outside.has("uriBaseId"));
        } finally {
            try (var s = Files.walk(inside)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
