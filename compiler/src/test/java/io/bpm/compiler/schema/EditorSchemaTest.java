package io.bpm.compiler.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bpm.compiler.golden.Golden;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The published schema works where release authors meet it: in yaml-language-server (the
 * engine of VS Code's YAML extension), loaded through the documented modeline. Every corpus
 * config and the bundled example validate clean there, and misspelt keys and wrong types are
 * flagged. Needs node and `npm ci --prefix schema/editor-check` (.ci/run does both).
 */
class EditorSchemaTest {

    @Test
    void yamlLanguageServerLoadsTheSchemaAndAgreesWithTheLinter() throws Exception {
        Path repo = Golden.repo();
        Path check = repo.resolve("schema/editor-check");
        Assumptions.assumeTrue(Files.isDirectory(check.resolve("node_modules/yaml-language-server")),
                "SKIPPED LOUDLY: yaml-language-server is not installed; run 'npm ci --prefix schema/editor-check' (.ci/run does)");
        List<String> cmd = new ArrayList<>(List.of("node", check.resolve("check.mjs").toString(),
                repo.resolve("schema/bpm.schema.json").toString(),
                repo.resolve("examples/jobs/web/config/bpm.yml").toString(),
                repo.resolve("golden/lint/rules/unknown-key/fail.bpm.yml").toString(),
                repo.resolve("golden/lint/rules/wrong-type/fail.bpm.yml").toString()));
        List<Path> corpus = Golden.configs(Golden.corpus()).stream()
                .filter(f -> !f.getFileName().toString().equals("syslog_forwarder--no-forward-files.bpm.yml")).toList();
        corpus.forEach(f -> cmd.add(f.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), output);
        Map<String, JsonNode> byFile = new HashMap<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : output.lines().toList()) {
            if (!line.startsWith("{")) continue;
            JsonNode n = json.readTree(line);
            byFile.put(n.get("file").asText(), n.get("diagnostics"));
        }
        assertEquals(cmd.size() - 3, byFile.size(), "not every file was validated:\n" + output);
        for (Path f : corpus) {
            assertTrue(byFile.get(f.toString()).isEmpty(), "yaml-language-server flags corpus file " + f + ": " + byFile.get(f.toString()));
        }
        assertTrue(byFile.get(repo.resolve("examples/jobs/web/config/bpm.yml").toString()).isEmpty());
        String unknown = byFile.get(repo.resolve("golden/lint/rules/unknown-key/fail.bpm.yml").toString()).toString();
        for (String key : List.of("capabilites", "open_file", "writeable", "process")) {
            assertTrue(unknown.contains("Property " + key + " is not allowed"), unknown);
        }
        assertEquals(4, byFile.get(repo.resolve("golden/lint/rules/wrong-type/fail.bpm.yml").toString()).size());
    }
}
