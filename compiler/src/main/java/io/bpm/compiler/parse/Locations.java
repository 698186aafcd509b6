package io.bpm.compiler.parse;

import io.bpm.compiler.source.Span;
import java.util.HashMap;
import java.util.Map;

/**
 * Where each node of the decoded document came from, by JSON pointer: the span of its value
 * and, for mapping entries, of its key. Diagnostics and plan provenance look places up here.
 */
public final class Locations {
    private final Map<String, Span> values = new HashMap<>();
    private final Map<String, Span> keys = new HashMap<>();
    private final Map<String, String> arguments = new HashMap<>();

    void value(String pointer, Span span) {
        values.put(pointer, span);
    }

    void key(String pointer, Span span) {
        keys.put(pointer, span);
    }

    /** The value's span, else the nearest enclosing node's, else the start of the file. */
    public Span valueOf(String pointer) {
        for (String p = pointer; ; p = parent(p)) {
            Span s = values.get(p);
            if (s != null) return s;
            if (p.isEmpty()) return Span.FILE;
        }
    }

    /** The key's span for a mapping entry, else the value's. */
    public Span keyOf(String pointer) {
        Span s = keys.get(pointer);
        return s != null ? s : valueOf(pointer);
    }

    /**
     * Records that the node at {@code pointer} came from a command-line argument, not from the
     * file. It then exists for the rules ({@link #has}); its span is the enclosing node's.
     */
    public void argument(String pointer, String argument) {
        arguments.put(pointer, argument);
        values.putIfAbsent(pointer, valueOf(parent(pointer)));
    }

    /** The command-line argument the node at {@code pointer} (or an enclosing one) came from. */
    public java.util.Optional<String> argumentOf(String pointer) {
        for (String p = pointer; !p.isEmpty(); p = parent(p)) {
            String a = arguments.get(p);
            if (a != null) return java.util.Optional.of(a);
        }
        return java.util.Optional.empty();
    }

    public boolean has(String pointer) {
        return values.containsKey(pointer);
    }

    static String parent(String pointer) {
        int i = pointer.lastIndexOf('/');
        return i <= 0 ? "" : pointer.substring(0, i);
    }
}
