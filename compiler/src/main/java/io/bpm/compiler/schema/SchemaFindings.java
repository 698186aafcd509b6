package io.bpm.compiler.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import io.bpm.compiler.diag.Findings;
import io.bpm.compiler.diag.Rule;
import io.bpm.compiler.parse.Locations;
import io.bpm.compiler.parse.YamlReader;
import io.bpm.compiler.rules.DidYouMean;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns the schema validator's errors into findings with a code, a place, a plain message and
 * a fix. Runs after the semantic rules: where a rule or the decoder already explained a node,
 * the schema's more generic complaint about the same node is dropped.
 */
public final class SchemaFindings {
    private SchemaFindings() {
    }

    public static void report(BpmSchema schema, JsonNode doc, Locations where, Findings findings) {
        List<Pending> pending = new ArrayList<>();
        for (Error e : schema.validate(doc)) {
            List<Object> path = path(e);
            String pointer = pointer(path);
            String keyword = e.getKeyword() == null ? "" : e.getKeyword();
            switch (keyword) {
                case "additionalProperties" -> {
                    String key = e.getProperty();
                    String at = pointer + "/" + YamlReader.escape(key);
                    List<String> known = schema.keysAt(path);
                    var guess = DidYouMean.suggest(key, known);
                    pending.add(new Pending(at, () -> findings.report(Rule.UNKNOWN_KEY, where.keyOf(at), at,
                            "unknown key \"" + key + "\" in " + describe(path) + "; bpm ignores it, so it has no effect",
                            guess.map(g -> "did you mean \"" + g + "\"?")
                                    .orElse("known keys here: " + String.join(", ", known)),
                            guess.orElse(null))));
                }
                case "required" -> {
                    String key = e.getProperty();
                    String at = pointer + "/" + YamlReader.escape(key);
                    Rule rule = switch (key) {
                        case "name" -> Rule.NAME_REQUIRED;
                        case "executable" -> Rule.EXECUTABLE_REQUIRED;
                        default -> Rule.SCHEMA;
                    };
                    pending.add(new Pending(at, () -> findings.report(rule, where.valueOf(pointer), at,
                            describe(path) + " has no \"" + key + "\"", "add '" + key + ": ...'")));
                }
                case "type" -> pending.add(new Pending(pointer, () -> findings.report(Rule.WRONG_TYPE,
                        where.valueOf(pointer), pointer,
                        describe(path) + " must be " + expected(e.getSchemaNode()) + ", not " + actual(e.getInstanceNode()),
                        typeHint(e.getSchemaNode(), e.getInstanceNode()))));
                default -> pending.add(new Pending(pointer, () -> findings.report(Rule.SCHEMA,
                        where.valueOf(pointer), pointer, describe(path) + ": " + stripLocation(e.getMessage()), null)));
            }
        }
        // Decide against what the decoder and the rules found, before adding any of ours.
        List<Pending> kept = pending.stream()
                .filter(p -> !findings.hasFindingAt(p.pointer()) && !hasFindingAbove(findings, p.pointer()))
                .toList();
        kept.forEach(p -> p.report().run());
    }

    private record Pending(String pointer, Runnable report) {
    }

    /** A decoding finding on a parent (a null item, a wrong type) already explains the node. */
    private static boolean hasFindingAbove(Findings findings, String pointer) {
        for (String p = pointer; !p.isEmpty(); ) {
            int i = p.lastIndexOf('/');
            p = i <= 0 ? "" : p.substring(0, i);
            if (!p.isEmpty() && findings.hasFindingAt(p, DECODING)) return true;
        }
        return false;
    }

    private static final java.util.Set<Rule> DECODING = java.util.EnumSet.of(
            Rule.NULL_ITEM, Rule.NULL_VALUE, Rule.WRONG_TYPE, Rule.DUPLICATE_KEY);

    private static List<Object> path(Error e) {
        List<Object> out = new ArrayList<>();
        var loc = e.getInstanceLocation();
        for (int i = 0; i < loc.getNameCount(); i++) out.add(loc.getElement(i));
        return out;
    }

    private static String pointer(List<Object> path) {
        StringBuilder b = new StringBuilder();
        for (Object o : path) b.append('/').append(o instanceof String s ? YamlReader.escape(s) : o);
        return b.toString();
    }

    /** A path as a release author reads it: {@code processes[0].limits}. */
    public static String describe(List<Object> path) {
        if (path.isEmpty()) return "the file";
        StringBuilder b = new StringBuilder();
        for (Object o : path) {
            if (o instanceof Integer i) b.append('[').append(i).append(']');
            else b.append(b.isEmpty() ? "" : ".").append(o);
        }
        return b.toString();
    }

    private static String expected(JsonNode schemaNode) {
        List<String> types = new ArrayList<>();
        if (schemaNode != null && schemaNode.isArray()) schemaNode.forEach(t -> types.add(t.asText()));
        else if (schemaNode != null) types.add(schemaNode.asText());
        if (types.contains("object")) return "a mapping (key: value lines)";
        if (types.contains("array")) return "a list";
        if (types.contains("string")) return "a single value (text)";
        if (types.contains("integer")) return "a whole number";
        if (types.contains("boolean")) return "true or false";
        return String.join(" or ", types);
    }

    private static String actual(JsonNode v) {
        if (v == null || v.isNull()) return "empty";
        if (v.isObject()) return "a mapping";
        if (v.isArray()) return "a list";
        if (v.isBoolean()) return v.asText();
        if (v.isNumber()) return "the number " + v.asText();
        return "the text \"" + v.asText() + "\"";
    }

    private static String typeHint(JsonNode schemaNode, JsonNode v) {
        String exp = expected(schemaNode);
        if (exp.equals("a whole number") && v != null && v.isTextual() && v.asText().strip().matches("[-+]?[0-9_]+")) {
            return "remove the quotes: bpm reads a quoted number as text";
        }
        if (exp.equals("true or false")) return "write true or false (without quotes)";
        if (exp.equals("a list")) return "write one '- item' per line, or [a, b]";
        if (exp.startsWith("a mapping") && v != null && v.isArray() && v.size() > 0 && v.get(0).has("name")) {
            return "this looks like a list of processes: put 'processes:' on the first line and indent the list under it";
        }
        if (exp.startsWith("a mapping")) return "write 'key: value' lines indented under the key";
        return null;
    }

    private static String stripLocation(String message) {
        // networknt prefixes messages with the instance location; ours is in the span already
        int i = message.indexOf(": ");
        return i > 0 && message.startsWith("/") || i > 0 && message.startsWith("$") ? message.substring(i + 2) : message;
    }
}
