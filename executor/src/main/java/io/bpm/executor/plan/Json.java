package io.bpm.executor.plan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict JSON (RFC 8259) reader for the few JSON files bpm reads without a JSON library: runc's
 * state of a bpm 1.x job (on stop's path) and the compiler's bundled schema (read without
 * Jackson's parser: see the compiler's SchemaJson). Values come back as {@code Map<String,
 * Object>} (in file order), {@code List<Object>}, {@code String}, {@code Long}, {@code Double},
 * {@code Boolean} and null. Strict: a duplicate key, a control character inside a string, a
 * leading zero, text after the value or nesting deeper than 64 is refused, with the line and
 * column in the {@link IllegalArgumentException}'s message.
 */
public final class Json {

    /** How numbers are read. */
    public enum Numbers {
        /** Integers as Long, others (and integers beyond 64 bits, e.g. a uint64) as Double. */
        ANY,
        /** Integers only, as Long: a fraction, an exponent or more than 64 bits is refused. */
        INTEGERS
    }

    private static final int MAX_DEPTH = 64;

    private final String text;
    private final Numbers numbers;
    private int at;
    private int depth;

    private Json(String text, Numbers numbers) {
        this.text = text;
        this.numbers = numbers;
    }

    /**
     * The value of a JSON text.
     *
     * @throws IllegalArgumentException naming the line and column of what is wrong
     */
    public static Object read(String text, Numbers numbers) {
        Json r = new Json(text, numbers);
        Object v = r.value();
        r.space();
        if (r.at != text.length()) throw r.bad("text after the JSON value");
        return v;
    }

    /** {@code value} as an object, or an IllegalArgumentException saying that {@code what} is not one. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(Object value, String what) {
        if (value instanceof Map<?, ?> m) return (Map<String, Object>) m;
        throw new IllegalArgumentException(what + " is not a JSON object");
    }

    private Object value() {
        space();
        char c = next();
        if (++depth > MAX_DEPTH) throw bad("nested deeper than " + MAX_DEPTH);
        try {
            return switch (c) {
                case '{' -> object();
                case '[' -> array();
                case '"' -> string();
                case 't' -> word("true", Boolean.TRUE);
                case 'f' -> word("false", Boolean.FALSE);
                case 'n' -> word("null", null);
                default -> {
                    if (c == '-' || c >= '0' && c <= '9') yield number();
                    throw bad("unexpected '" + c + "'");
                }
            };
        } finally {
            depth--;
        }
    }

    private Map<String, Object> object() {
        Map<String, Object> m = new LinkedHashMap<>();
        at++;
        space();
        if (next() == '}') {
            at++;
            return m;
        }
        while (true) {
            space();
            if (next() != '"') throw bad("expected a key in quotes");
            String key = string();
            space();
            expect(':');
            Object v = value();
            if (m.containsKey(key)) throw bad("the key \"" + key + "\" appears twice");
            m.put(key, v);
            space();
            char c = take();
            if (c == '}') return m;
            if (c != ',') throw bad("expected ',' or '}'");
        }
    }

    private List<Object> array() {
        List<Object> l = new ArrayList<>();
        at++;
        space();
        if (next() == ']') {
            at++;
            return l;
        }
        while (true) {
            l.add(value());
            space();
            char c = take();
            if (c == ']') return l;
            if (c != ',') throw bad("expected ',' or ']'");
        }
    }

    private String string() {
        at++; // the opening quote
        StringBuilder b = new StringBuilder();
        while (true) {
            char c = take();
            if (c == '"') return b.toString();
            if (c < 0x20) throw bad("a control character inside a string");
            if (c != '\\') {
                b.append(c);
                continue;
            }
            char e = take();
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
                        int d = Character.digit(take(), 16);
                        if (d < 0) throw bad("a \\u escape needs 4 hex digits");
                        code = code * 16 + d;
                    }
                    b.append((char) code);
                }
                default -> throw bad("unknown escape \\" + e);
            }
        }
    }

    private Number number() {
        int start = at;
        if (text.charAt(at) == '-') at++;
        int first = at;
        digits();
        String kind = numbers == Numbers.INTEGERS ? "integer" : "number";
        if (at == first || text.charAt(first) == '0' && at - first > 1) throw bad("not a JSON " + kind);
        boolean integer = true;
        if (at < text.length() && text.charAt(at) == '.') {
            if (numbers == Numbers.INTEGERS) throw bad("only integers are read here (a fraction or exponent would need BigDecimal)");
            at++;
            if (digits() == 0) throw bad("not a JSON number");
            integer = false;
        }
        if (at < text.length() && (text.charAt(at) == 'e' || text.charAt(at) == 'E')) {
            if (numbers == Numbers.INTEGERS) throw bad("only integers are read here (a fraction or exponent would need BigDecimal)");
            at++;
            if (at < text.length() && (text.charAt(at) == '+' || text.charAt(at) == '-')) at++;
            if (digits() == 0) throw bad("not a JSON number");
            integer = false;
        }
        String n = text.substring(start, at);
        if (integer) {
            try {
                return Long.parseLong(n);
            } catch (NumberFormatException beyond64Bits) {
                if (numbers == Numbers.INTEGERS) throw bad("an integer beyond 64 bits");
            }
        }
        return Double.parseDouble(n); // a fraction, an exponent, or a uint64 above Long.MAX_VALUE
    }

    /** Skips decimal digits; how many. */
    private int digits() {
        int from = at;
        while (at < text.length() && text.charAt(at) >= '0' && text.charAt(at) <= '9') at++;
        return at - from;
    }

    private Object word(String word, Object value) {
        if (!text.startsWith(word, at)) throw bad("unexpected text");
        at += word.length();
        return value;
    }

    private void expect(char c) {
        if (take() != c) {
            at--;
            throw bad("expected '" + c + "'");
        }
    }

    /** The character at the cursor, which stays; the JSON must not end here. */
    private char next() {
        if (at >= text.length()) throw bad("the JSON ends early");
        return text.charAt(at);
    }

    /** The character at the cursor, which moves past it; the JSON must not end here. */
    private char take() {
        char c = next();
        at++;
        return c;
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
