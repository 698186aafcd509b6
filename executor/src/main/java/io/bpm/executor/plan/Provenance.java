package io.bpm.executor.plan;

import java.util.Objects;

/**
 * Why a plan line exists, shown as its trailing comment: the place in bpm.yml that caused it
 * ({@code bpm.yml:14:7 additional_volumes[0]}), or {@code default} for what bpm always does.
 * Not part of what the executor does; two plans that differ only here behave the same.
 */
public record Provenance(String text) {
    public static final Provenance DEFAULT = new Provenance("default");

    /** Control characters become '?', the ends are trimmed and blank means default, so it always fits on its line. */
    public Provenance {
        Objects.requireNonNull(text);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            i += Character.charCount(c);
            b.appendCodePoint(c < 0x20 || c == 0x7f || c == 0x85 || c == 0x2028 || c == 0x2029 ? '?' : c);
        }
        text = b.toString().strip();
        if (text.isEmpty()) text = "default";
    }

    public static Provenance at(String file, int line, int column, String what) {
        return new Provenance(file + ":" + line + ":" + column + " " + what);
    }
}
