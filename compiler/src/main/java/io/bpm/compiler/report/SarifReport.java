package io.bpm.compiler.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bpm.compiler.diag.Diagnostic;
import io.bpm.compiler.diag.Rule;
import io.bpm.compiler.diag.Severity;
import io.bpm.compiler.source.SourceFile;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Map;

/**
 * SARIF 2.1.0, as GitHub code scanning accepts it: one run, every rule of the catalogue in
 * the driver (so rule indices are stable), results with physical locations relative to the
 * directory the linter ran in ({@code %SRCROOT%}), columns in Unicode code points.
 */
public record SarifReport(String toolVersion) implements Report {

    @Override
    public void print(List<Diagnostic> diagnostics, Map<String, SourceFile> sources, int filesChecked, PrintStream out) {
        ObjectNode root = JsonReport.MAPPER.createObjectNode();
        root.put("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
        root.put("version", "2.1.0");
        ObjectNode run = root.putArray("runs").addObject();
        ObjectNode driver = run.putObject("tool").putObject("driver");
        driver.put("name", "bpm-lint");
        driver.put("semanticVersion", toolVersion);
        driver.put("informationUri", "https://github.com/cloudfoundry/bpm-release");
        ArrayNode rules = driver.putArray("rules");
        for (Rule r : Rule.values()) {
            ObjectNode o = rules.addObject();
            o.put("id", r.code());
            o.put("name", r.ruleName());
            o.putObject("shortDescription").put("text", r.summary());
            o.putObject("defaultConfiguration").put("level", level(r.severity()));
            o.putObject("properties").putArray("tags").add("bpm");
        }
        ArrayNode results = run.putArray("results");
        for (Diagnostic d : diagnostics) {
            ObjectNode res = results.addObject();
            res.put("ruleId", d.rule().code());
            res.put("ruleIndex", d.rule().ordinal());
            res.put("level", level(d.severity()));
            res.putObject("message").put("text", d.message() + d.hintText().map(h -> " Fix: " + h).orElse(""));
            ObjectNode phys = res.putArray("locations").addObject().putObject("physicalLocation");
            ObjectNode artifact = phys.putObject("artifactLocation");
            artifact.put("uri", uri(d.file()));
            if (!d.file().startsWith("/")) artifact.put("uriBaseId", "%SRCROOT%");
            ObjectNode region = phys.putObject("region");
            region.put("startLine", d.span().line());
            region.put("startColumn", d.span().column());
            region.put("endLine", d.span().endLine());
            region.put("endColumn", Math.max(d.span().endColumn(), d.span().endLine() == d.span().line() ? d.span().column() + 1 : 1));
            res.putObject("partialFingerprints").put("bpmLint/v1", d.rule().code() + ":" + d.pointer());
        }
        run.put("columnKind", "unicodeCodePoints");
        out.println(JsonReport.write(root));
    }

    static String level(Severity s) {
        return switch (s) {
            case ERROR -> "error";
            case WARNING -> "warning";
            case INFO -> "note";
        };
    }

    /** A relative path stays relative (resolved against %SRCROOT%); an absolute one is a file URI. */
    static String uri(String file) {
        try {
            String path = file.replace('\\', '/');
            if (path.startsWith("/")) return new URI("file", "", path, null).toASCIIString();
            if (path.startsWith("./")) path = path.substring(2);
            return new URI(null, null, path, null).toASCIIString();
        } catch (URISyntaxException e) {
            return file;
        }
    }
}
