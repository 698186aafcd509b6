package io.bpm.compiler.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

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
 * The schema is bpm's own file, so this reader takes strict JSON and no more: objects, arrays,
 * strings, integers, true, false and null. Anything else (a fraction, an exponent, trailing
 * text) is a build defect and fails loudly; {@code SchemaJsonTest} checks that the tree equals
 * Jackson's reading of the same bytes.
 */
final class SchemaJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String HEX = "0123456789ABCDEF";

    private final String text;
    private int at;

    private SchemaJson(String text) {
        this.text = text;
    }

    /** The tree of this JSON text; {@code name} is the file it came from, for the error. */
    static JsonNode read(String text, String name) {
        SchemaJson r = new SchemaJson(text);
        try {
            JsonNode root = r.value();
            r.space();
            if (r.at != text.length()) throw r.bad("text after the JSON value");
            return root;
        } catch (IndexOutOfBoundsException e) {
            throw new IllegalStateException(name + ": the JSON ends early", e);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(name + ": " + e.getMessage(), e);
        }
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

    private JsonNode value() {
        space();
        char c = text.charAt(at);
        return switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> new Text(string());
            case 't' -> word("true", NODES.booleanNode(true));
            case 'f' -> word("false", NODES.booleanNode(false));
            case 'n' -> word("null", NODES.nullNode());
            default -> {
                if (c == '-' || c >= '0' && c <= '9') yield integer();
                throw bad("unexpected '" + c + "'");
            }
        };
    }

    private ObjectNode object() {
        ObjectNode o = NODES.objectNode();
        at++;
        space();
        if (text.charAt(at) == '}') {
            at++;
            return o;
        }
        while (true) {
            space();
            if (text.charAt(at) != '"') throw bad("expected a key in quotes");
            String key = string();
            space();
            expect(':');
            if (o.replace(key, value()) != null) throw bad("the key \"" + key + "\" appears twice");
            space();
            char c = text.charAt(at++);
            if (c == '}') return o;
            if (c != ',') throw bad("expected ',' or '}'");
        }
    }

    private ArrayNode array() {
        ArrayNode a = NODES.arrayNode();
        at++;
        space();
        if (text.charAt(at) == ']') {
            at++;
            return a;
        }
        while (true) {
            a.add(value());
            space();
            char c = text.charAt(at++);
            if (c == ']') return a;
            if (c != ',') throw bad("expected ',' or ']'");
        }
    }

    private String string() {
        at++; // the opening quote
        StringBuilder b = new StringBuilder();
        while (true) {
            char c = text.charAt(at++);
            if (c == '"') return b.toString();
            if (c < 0x20) throw bad("a control character inside a string");
            if (c != '\\') {
                b.append(c);
                continue;
            }
            char e = text.charAt(at++);
            switch (e) {
                case '"', '\\', '/' -> b.append(e);
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> {
                    int code = 0;
                    for (int i = 0; i < 4; i++) {
                        int d = Character.digit(text.charAt(at++), 16);
                        if (d < 0) throw bad("a \\u escape needs 4 hex digits");
                        code = code * 16 + d;
                    }
                    b.append((char) code);
                }
                default -> throw bad("unknown escape \\" + e);
            }
        }
    }

    private JsonNode integer() {
        int start = at;
        if (text.charAt(at) == '-') at++;
        int first = at;
        while (at < text.length() && text.charAt(at) >= '0' && text.charAt(at) <= '9') at++;
        if (at == first || text.charAt(first) == '0' && at - first > 1) throw bad("not a JSON integer");
        if (at < text.length() && (text.charAt(at) == '.' || text.charAt(at) == 'e' || text.charAt(at) == 'E')) {
            throw bad("only integers are read here (a fraction or exponent would need BigDecimal)");
        }
        long v;
        try {
            v = Long.parseLong(text.substring(start, at));
        } catch (NumberFormatException e) {
            throw bad("an integer beyond 64 bits");
        }
        return v == (int) v ? NODES.numberNode((int) v) : NODES.numberNode(v);
    }

    private JsonNode word(String word, JsonNode node) {
        if (!text.startsWith(word, at)) throw bad("unexpected text");
        at += word.length();
        return node;
    }

    private void expect(char c) {
        if (text.charAt(at) != c) throw bad("expected '" + c + "'");
        at++;
    }

    private void space() {
        while (at < text.length()) {
            char c = text.charAt(at);
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return;
            at++;
        }
    }

    private IllegalArgumentException bad(String what) {
        int line = 1;
        int column = 1;
        for (int i = 0; i < Math.min(at, text.length()); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        return new IllegalArgumentException("line " + line + ", column " + column + ": " + what);
    }
}
