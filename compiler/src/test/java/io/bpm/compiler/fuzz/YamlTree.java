package io.bpm.compiler.fuzz;

import java.util.List;

/**
 * A YAML document as a tree of nodes that know how they are written (plain, quoted, block or
 * flow; anchors, aliases, raw text), so that generated configs can carry any value, including
 * ones that only a double-quoted escape can spell (NUL, lone surrogates, control characters).
 */
sealed interface YamlTree {

    enum Style { PLAIN, SINGLE, DOUBLE, LITERAL }

    /** A scalar, written in a style; a value the style cannot carry falls back to double quotes. */
    record Scalar(String value, Style style) implements YamlTree {
    }

    record Seq(List<YamlTree> items, boolean flow) implements YamlTree {
    }

    record Entry(YamlTree key, YamlTree value) {
    }

    record Map(List<Entry> entries, boolean flow) implements YamlTree {
    }

    /** {@code &name node}. */
    record Anchored(String name, YamlTree node) implements YamlTree {
    }

    /** {@code *name}. */
    record Alias(String name) implements YamlTree {
    }

    /** Text written as it is (directives, tags, nesting, bombs); inline text must not contain a newline. */
    record Raw(String text) implements YamlTree {
    }

    static Scalar plain(String v) {
        return new Scalar(v, Style.PLAIN);
    }

    static Map map(List<Entry> entries) {
        return new Map(entries, false);
    }

    static Entry entry(String key, YamlTree value) {
        return new Entry(plain(key), value);
    }

    // ---- writing ---------------------------------------------------------------------------------------

    static String render(YamlTree root) {
        StringBuilder out = new StringBuilder();
        if (isBlock(root)) block(root, 0, out);
        else out.append(inline(root)).append('\n');
        return out.toString();
    }

    private static boolean isBlock(YamlTree n) {
        return n instanceof Map m && !m.flow() && !m.entries().isEmpty()
                || n instanceof Seq s && !s.flow() && !s.items().isEmpty()
                || n instanceof Anchored a && isBlock(a.node());
    }

    private static void block(YamlTree n, int indent, StringBuilder out) {
        String pad = " ".repeat(indent);
        switch (n) {
            case Map m -> {
                for (Entry e : m.entries()) {
                    out.append(pad).append(key(e.key())).append(':');
                    value(e.value(), indent + 2, out);
                }
            }
            case Seq s -> {
                for (YamlTree item : s.items()) {
                    out.append(pad).append('-');
                    value(item, indent + 2, out);
                }
            }
            case Anchored a -> block(a.node(), indent, out); // the anchor is written by value()
            default -> out.append(pad).append(inline(n)).append('\n');
        }
    }

    /** What follows "key:" or "-": the inline form after a space, or a block on the next lines. */
    private static void value(YamlTree v, int indent, StringBuilder out) {
        if (v instanceof Anchored a && isBlock(a.node())) {
            out.append(" &").append(a.name()).append('\n');
            block(a.node(), indent, out);
        } else if (isBlock(v)) {
            out.append('\n');
            block(v, indent, out);
        } else if (v instanceof Scalar s && s.style() == Style.LITERAL && literalOk(s.value())) {
            out.append(" |-\n");
            for (String line : s.value().split("\n", -1)) out.append(" ".repeat(indent)).append(line).append('\n');
        } else {
            out.append(' ').append(inline(v)).append('\n');
        }
    }

    private static String key(YamlTree k) {
        String s = inline(k);
        return s.isEmpty() ? "\"\"" : s;
    }

    static String inline(YamlTree n) {
        return switch (n) {
            case Scalar s -> scalar(s);
            case Seq s -> {
                StringBuilder b = new StringBuilder("[");
                for (int i = 0; i < s.items().size(); i++) b.append(i == 0 ? "" : ", ").append(flowItem(s.items().get(i)));
                yield b.append(']').toString();
            }
            case Map m -> {
                StringBuilder b = new StringBuilder("{");
                for (int i = 0; i < m.entries().size(); i++) {
                    Entry e = m.entries().get(i);
                    b.append(i == 0 ? "" : ", ").append(flowItem(e.key())).append(": ").append(flowItem(e.value()));
                }
                yield b.append('}').toString();
            }
            case Anchored a -> "&" + a.name() + " " + inline(a.node());
            case Alias a -> "*" + a.name();
            case Raw r -> r.text();
        };
    }

    /** Inside [ ] and { } a plain scalar must not contain the flow indicators. */
    private static String flowItem(YamlTree n) {
        if (n instanceof Scalar s && s.style() == Style.PLAIN && !s.value().isEmpty() && s.value().chars().anyMatch(c -> ",[]{}".indexOf(c) >= 0)) {
            return doubleQuoted(s.value());
        }
        return inline(n);
    }

    private static String scalar(Scalar s) {
        String v = s.value();
        return switch (s.style()) {
            case PLAIN -> v.isEmpty() || !plainOk(v) ? doubleQuoted(v) : v;
            case SINGLE -> singleOk(v) ? "'" + v.replace("'", "''") + "'" : doubleQuoted(v);
            case DOUBLE, LITERAL -> doubleQuoted(v);
        };
    }

    /** Characters every style can carry as they are. */
    private static boolean printable(String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < 0x20 || c >= 0x7f && c < 0xa0 || c == 0x2028 || c == 0x2029 || Character.isSurrogate(c) || c == 0xfeff || c == 0xfffe || c == 0xffff) {
                return false;
            }
        }
        return true;
    }

    /** Plain only where it stays one line and one scalar: the point of plain is numbers, booleans and words. */
    private static boolean plainOk(String v) {
        return printable(v) && "?:,[]{}#&*!|>'\"%@`".indexOf(v.charAt(0)) < 0 && !v.startsWith("- ") && !v.equals("-")
                && !v.contains(": ") && !v.contains(" #") && !v.endsWith(":") && !v.endsWith(" ") && !v.startsWith(" ");
    }

    private static boolean singleOk(String v) {
        return printable(v);
    }

    private static boolean literalOk(String v) {
        if (v.isEmpty() || v.endsWith("\n")) return false;
        for (String line : v.split("\n", -1)) {
            if (line.isEmpty() || line.startsWith(" ") || line.startsWith("\t") || !printable(line)) return false;
        }
        return true;
    }

    /** Double-quoted with YAML escapes: any string, lone surrogates included. */
    static String doubleQuoted(String v) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\0' -> b.append("\\0");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                case 0x1b -> b.append("\\e");
                case 0x85 -> b.append("\\N");
                case 0x2028 -> b.append("\\L");
                case 0x2029 -> b.append("\\P");
                default -> {
                    if (c < 0x20 || c >= 0x7f && c < 0xa0) b.append(String.format("\\x%02X", (int) c));
                    else if (Character.isHighSurrogate(c) && i + 1 < v.length() && Character.isLowSurrogate(v.charAt(i + 1))) {
                        b.append(c).append(v.charAt(++i));
                    } else if (Character.isSurrogate(c) || c == 0xfeff || c == 0xfffe || c == 0xffff) {
                        b.append(String.format("\\u%04X", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
