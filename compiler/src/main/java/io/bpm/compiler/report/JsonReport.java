package io.bpm.compiler.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bpm.compiler.diag.Diagnostic;
import io.bpm.compiler.source.SourceFile;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * A JSON array, one object per finding, keys in a fixed order (documented in bpm(1) and
 * {@code schema/lint-output.schema.json}): file, line, column, endLine, endColumn, severity,
 * code, rule, message, hint, fix, pointer. Absent hint/fix are null.
 */
public record JsonReport() implements Report {
    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Override
    public void print(List<Diagnostic> diagnostics, Map<String, SourceFile> sources, int filesChecked, PrintStream out) {
        ArrayNode arr = MAPPER.createArrayNode();
        for (Diagnostic d : diagnostics) {
            ObjectNode o = arr.addObject();
            o.put("file", d.file());
            o.put("line", d.span().line());
            o.put("column", d.span().column());
            o.put("endLine", d.span().endLine());
            o.put("endColumn", d.span().endColumn());
            o.put("severity", d.severity().word());
            o.put("code", d.rule().code());
            o.put("rule", d.rule().ruleName());
            o.put("message", d.message());
            o.put("hint", d.hint());
            o.put("fix", d.fix());
            o.put("pointer", d.pointer());
            if (!d.related().isEmpty()) {
                ArrayNode rel = o.putArray("related");
                for (Diagnostic.Related r : d.related()) {
                    rel.addObject().put("line", r.span().line()).put("column", r.span().column()).put("message", r.message());
                }
            }
        }
        out.println(write(arr));
    }

    static String write(Object node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
