package io.bpm.compiler.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.bpm.executor.plan.Json;
import java.util.List;
import java.util.Map;

/**
 * Reads the bundled schema's JSON into Jackson's tree without Jackson's parser or mapper: a
 * start after a bpm.yml change compiles in a fresh JVM, and those two cost it about 80 ms of
 * class initialisation before any schema work (measured with async-profiler on JDK 25):
 * <ul>
 * <li>every Jackson parser initialises {@code ParserMinimalBase}, whose {@code BigDecimal}
 *     constants run {@code BigDecimal}'s static initialiser, which squares its way to 5^65536
 *     (36 ms of CPU in bpm's JVM, 89 ms interpreted);</li>
 * <li>{@code ObjectMapper}'s class initialisation builds a {@code SimpleDateFormat}, whose
 *     calendar lists every CLDR locale and loads the time-zone database (46 ms). networknt's
 *     enum validator reaches it through {@code TextNode.toString()} (Jackson's internal
 *     mapper), so the schema's strings are {@link Text} nodes that quote themselves.</li>
 * </ul>
 * The text is read by the executor's strict {@link Json} reader (the one that reads runc's
 * state), integers only: the schema is bpm's own file, and anything else in it is a build defect
 * that fails loudly. {@code SchemaJsonTest} checks that the tree equals Jackson's reading of the
 * same bytes.
 */
final class SchemaJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String HEX = "0123456789ABCDEF";

    private SchemaJson() {
    }

    /** The tree of this JSON text; {@code name} is the file it came from, for the error. */
    static JsonNode read(String text, String name) {
        try {
            return node(Json.read(text, Json.Numbers.INTEGERS));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(name + ": " + e.getMessage(), e);
        }
    }

    /** Jackson's node for a value {@link Json} read (integers only: Long). */
    private static JsonNode node(Object value) {
        if (value instanceof Map<?, ?> m) {
            ObjectNode o = NODES.objectNode();
            for (Map.Entry<?, ?> e : m.entrySet()) o.set((String) e.getKey(), node(e.getValue()));
            return o;
        }
        if (value instanceof List<?> l) {
            ArrayNode a = NODES.arrayNode();
            for (Object v : l) a.add(node(v));
            return a;
        }
        if (value instanceof String s) return new Text(s);
        if (value instanceof Boolean b) return NODES.booleanNode(b);
        if (value instanceof Long n) return n == n.intValue() ? NODES.numberNode(n.intValue()) : NODES.numberNode(n.longValue());
        return NODES.nullNode();
    }

    /** A schema string: {@link #toString()} is its JSON form, written here rather than by Jackson's mapper. */
    static final class Text extends TextNode {
        private static final long serialVersionUID = 1L;

        Text(String value) {
            super(value);
        }

        @Override
        public String toString() {
            return quoted(textValue());
        }
    }

    /** The JSON string literal of {@code s}, as Jackson writes it (control characters as \\uXXXX, except \b \t \n \f \r). */
    static String quoted(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\b' -> b.append("\\b");
                case '\t' -> b.append("\\t");
                case '\n' -> b.append("\\n");
                case '\f' -> b.append("\\f");
                case '\r' -> b.append("\\r");
                default -> {
                    if (c < 0x20) b.append("\\u00").append(HEX.charAt(c >> 4)).append(HEX.charAt(c & 15));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
