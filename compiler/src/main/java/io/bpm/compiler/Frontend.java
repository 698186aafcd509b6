package io.bpm.compiler;

import com.fasterxml.jackson.databind.JsonNode;
import io.bpm.compiler.diag.Diagnostic;
import io.bpm.compiler.diag.Findings;
import io.bpm.compiler.diag.Rule;
import io.bpm.compiler.model.BpmConfig;
import io.bpm.compiler.model.ModelBuilder;
import io.bpm.compiler.parse.Decoder;
import io.bpm.compiler.parse.Locations;
import io.bpm.compiler.parse.YNode;
import io.bpm.compiler.parse.YamlReader;
import io.bpm.compiler.rules.LintContext;
import io.bpm.compiler.rules.Rules;
import io.bpm.compiler.schema.BpmSchema;
import io.bpm.compiler.schema.SchemaFindings;
import io.bpm.compiler.source.SourceFile;
import io.bpm.compiler.source.Span;
import java.util.List;
import java.util.Optional;

/**
 * The compiler's front end, one direction: YAML text, then the positioned tree, then the typed
 * document, then the model, then every rule and the schema. All findings of a file come back
 * together, sorted by position.
 */
public final class Frontend {
    private Frontend() {
    }

    /** @param job the job name, or null when unknown */
    public record Options(String job, boolean compat) {
    }

    /**
     * @param config    the model, empty when the file could not be read at all
     * @param locations where each node came from
     */
    public record Result(SourceFile source, Optional<BpmConfig> config, Locations locations, List<Diagnostic> diagnostics) {
        public boolean hasErrors() {
            return diagnostics.stream().anyMatch(d -> d.severity() == io.bpm.compiler.diag.Severity.ERROR);
        }
    }

    public static Result check(SourceFile source, Options options) {
        return check(source, options, null, RunArguments.NONE);
    }

    /**
     * The same for {@code bpm run}: {@code arguments} are added to the first process named
     * {@code process} before anything is checked, so they are checked like the file; findings
     * about them name the argument (file "command line").
     */
    public static Result check(SourceFile source, Options options, String process, RunArguments arguments) {
        Findings findings = new Findings(source.displayName(), options.compat());
        Optional<YNode> root = YamlReader.read(source, findings);
        if (root.isEmpty()) {
            if (findings.sorted().isEmpty()) noProcesses(findings, Span.FILE, "the file is empty");
            return new Result(source, Optional.empty(), new Locations(), findings.sorted());
        }
        BpmSchema schema = BpmSchema.get();
        Decoder.Decoded decoded = Decoder.decode(root.get(), schema, findings);
        JsonNode doc = decoded.document();
        if (!arguments.isEmpty()) arguments.apply(doc, process, decoded.locations());
        BpmConfig config = ModelBuilder.build(doc);
        if (doc.isNull()) { // a lone '---' or '~': as empty as an empty file
            noProcesses(findings, Span.FILE, "the document is empty");
            return new Result(source, Optional.of(config), decoded.locations(), findings.sorted());
        }
        if (doc.isObject()) {
            JsonNode list = doc.get("processes");
            if (list == null && decoded.locations().has("/processes")) {
                noProcesses(findings, decoded.locations().keyOf("/processes"), "'processes' is empty");
            } else if (list == null) {
                noProcesses(findings, Span.FILE, "the file has no 'processes' key");
            } else if (list.isArray() && list.isEmpty()) {
                noProcesses(findings, decoded.locations().valueOf("/processes"), "'processes' is an empty list");
            }
        }
        Rules.check(config, new LintContext(options.job(), decoded.locations(), findings));
        SchemaFindings.report(schema, doc, decoded.locations(), findings);
        List<Diagnostic> found = findings.sorted();
        if (!arguments.isEmpty()) {
            found = found.stream().map(d -> RunArguments.attribute(d, decoded.locations())).sorted().toList();
        }
        return new Result(source, Optional.of(config), decoded.locations(), found);
    }

    private static void noProcesses(Findings findings, Span at, String why) {
        findings.report(Rule.NO_PROCESSES, at, "/processes", why + ", so bpm can start no process",
                "add 'processes:' with at least one '- name: ... executable: ...' (an empty file is right only if the job's monit file declares no process either)");
    }
}
