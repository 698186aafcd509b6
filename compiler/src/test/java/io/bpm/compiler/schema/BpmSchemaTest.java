package io.bpm.compiler.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bpm.compiler.golden.Golden;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The published schema is complete, strict, and the one the compiler uses. */
class BpmSchemaTest {

    @Test
    void theBundledSchemaIsThePublishedFile() throws Exception {
        JsonNode published = new ObjectMapper().readTree(Golden.repo().resolve("schema/bpm.schema.json").toFile());
        assertEquals(published, BpmSchema.get().root());
        assertEquals("https://json-schema.org/draft/2020-12/schema", published.get("$schema").asText());
    }

    @Test
    void everyKeyHasADescriptionAndEveryObjectIsClosed() {
        List<String> problems = new ArrayList<>();
        walk(BpmSchema.get().root(), "", problems);
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    private static void walk(JsonNode s, String at, List<String> problems) {
        if (!s.isObject()) return;
        JsonNode props = s.get("properties");
        if (props != null) {
            if (!s.has("additionalProperties") || s.get("additionalProperties").asBoolean(true)) {
                problems.add(at + ": an object with properties must say additionalProperties: false");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); ) {
                var e = it.next();
                JsonNode p = e.getValue();
                if (!p.has("description") && !p.has("$ref")) problems.add(at + "/" + e.getKey() + ": no description");
                walk(p, at + "/" + e.getKey(), problems);
            }
        }
        for (String k : List.of("items", "additionalProperties")) if (s.has(k)) walk(s.get(k), at + "/" + k, problems);
        JsonNode defs = s.get("$defs");
        if (defs != null) defs.fields().forEachRemaining(e -> walk(e.getValue(), "/$defs/" + e.getKey(), problems));
    }

    /**
     * BpmSchema validates with a draft 2020-12 dialect that has no formats (building networknt's
     * costs a compiling start 8 ms): a format keyword in the schema would silently validate
     * nothing, so none may be there.
     */
    @Test
    void theSchemaUsesNoFormatKeyword() {
        List<String> formats = new ArrayList<>();
        findFormats(BpmSchema.get().root(), "", formats);
        assertEquals(List.of(), formats, "format keywords, which BpmSchema's dialect does not check");
    }

    private static void findFormats(JsonNode n, String at, List<String> found) {
        if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                var e = it.next();
                // a key of "properties" is a property's name; anywhere else "format" is the keyword
                if (e.getKey().equals("format") && e.getValue().isTextual() && !at.endsWith("/properties")) found.add(at);
                findFormats(e.getValue(), at + "/" + e.getKey(), found);
            }
        } else if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) findFormats(n.get(i), at + "/" + i, found);
        }
    }

    @Test
    void kindsComeFromTheSchema() {
        BpmSchema s = BpmSchema.get();
        assertEquals(FieldKind.LIST, s.kindAt(List.of("processes")));
        assertEquals(FieldKind.MAPPING, s.kindAt(List.of("processes", 0)));
        assertEquals(FieldKind.STRING, s.kindAt(List.of("processes", 0, "args", 3)));
        assertEquals(FieldKind.STRING, s.kindAt(List.of("processes", 0, "env", "ANY")));
        assertEquals(FieldKind.INTEGER, s.kindAt(List.of("processes", 0, "limits", "open_files")));
        assertEquals(FieldKind.BOOLEAN, s.kindAt(List.of("processes", 0, "unsafe", "unrestricted_volumes", 0, "writable")));
        assertEquals(FieldKind.UNKNOWN, s.kindAt(List.of("processes", 0, "nonsense")));
        assertFalse(s.keysAt(List.of("processes", 0)).isEmpty());
    }
}
