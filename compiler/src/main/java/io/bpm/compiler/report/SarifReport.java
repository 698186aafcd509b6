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
        // A path lint could not read is no result about a file but a failure of the run: a
        // notification, and executionSuccessful false, so CI does not take the run for clean.
        ObjectNode invocation = run.putArray("invocations").addObject();
        boolean successful = diagnostics.stream().noneMatch(d -> d.rule() == Rule.UNREADABLE);
        invocation.put("executionSuccessful", successful);
        if (!successful) {
            ArrayNode notes = invocation.putArray("toolExecutionNotifications");
            for (Diagnostic d : diagnostics) {
                if (d.rule() != Rule.UNREADABLE) continue;
                ObjectNode n = notes.addObject();
                n.put("level", "error");
                n.putObject("message").put("text", d.message());
                n.putObject("descriptor").put("id", d.rule().code());
                n.putArray("locations").addObject().putObject("physicalLocation").set("artifactLocation", artifact(d.file()));
            }
        }
        ArrayNode results = run.putArray("results");
        for (Diagnostic d : diagnostics) {
            if (d.rule() == Rule.UNREADABLE) continue;
            ObjectNode res = results.addObject();
            res.put("ruleId", d.rule().code());
            res.put("ruleIndex", d.rule().ordinal());
            res.put("level", level(d.severity()));
            res.putObject("message").put("text", d.message() + d.hintText().map(h -> " Fix: " + h).orElse(""));
            ObjectNode phys = res.putArray("locations").addObject().putObject("physicalLocation");
            phys.set("artifactLocation", artifact(d.file()));
            ObjectNode region = phys.putObject("region");
            region.put("startLine", d.span().line());
            region.put("startColumn", d.span().column());
            region.put("endLine", d.span().endLine());
            region.put("endColumn", Math.max(d.span().endColumn(), d.span().endLine() == d.span().line() ? d.span().column() + 1 : 1));
            if (!d.related().isEmpty()) {
                ArrayNode related = res.putArray("relatedLocations");
                int id = 1;
                for (Diagnostic.Related r : d.related()) {
                    ObjectNode loc = related.addObject();
                    loc.put("id", id++);
                    ObjectNode rp = loc.putObject("physicalLocation");
                    rp.set("artifactLocation", artifact(d.file()));
                    rp.putObject("region").put("startLine", r.span().line()).put("startColumn", r.span().column());
                    loc.putObject("message").put("text", r.message());
                }
            }
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

    /** A file's artifactLocation: its URI, with %SRCROOT% as base where it is relative. */
    static ObjectNode artifact(String file) {
        ObjectNode a = JsonReport.MAPPER.createObjectNode();
        String uri = uri(file);
        a.put("uri", uri);
        if (!uri.startsWith("file:")) a.put("uriBaseId", "%SRCROOT%");
        return a;
    }

    /**
     * A file's URI, normalised (no . or .. segments): relative to %SRCROOT% (the directory lint
     * ran in) where the file lies below it, whether it was named relative or absolute; else an
     * absolute file URI.
     */
    static String uri(String file) {
        try {
            java.nio.file.Path cwd = java.nio.file.Path.of("").toAbsolutePath().normalize();
            java.nio.file.Path abs = cwd.resolve(file.replace('\\', '/')).normalize();
            if (abs.startsWith(cwd) && !abs.equals(cwd)) {
                return new URI(null, null, cwd.relativize(abs).toString(), null).toASCIIString();
            }
            return new URI("file", "", abs.toString(), null).toASCIIString();
        } catch (URISyntaxException | java.nio.file.InvalidPathException e) {
            return file;
        }
    }
}
