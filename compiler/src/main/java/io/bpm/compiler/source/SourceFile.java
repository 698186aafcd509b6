package io.bpm.compiler.source;

import java.util.ArrayList;
import java.util.List;

/**
 * A config file as read: the name shown in diagnostics (as the user typed it, so the output
 * can be pasted back into a shell or an editor) and its decoded text, split into lines for
 * snippets.
 */
public final class SourceFile {
    private final String displayName;
    private final String text;
    private final byte[] bytes;
    private List<String> lines;

    public SourceFile(String displayName, String text, byte[] bytes) {
        this.displayName = displayName;
        this.text = text;
        this.bytes = bytes;
    }

    public static SourceFile ofText(String displayName, String text) {
        return new SourceFile(displayName, text, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    public String displayName() {
        return displayName;
    }

    public String text() {
        return text;
    }

    /** The exact bytes read from disk (the plan header hashes these). */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** Line {@code n} (1-based) without its line break, or "" past the end. */
    public String line(int n) {
        List<String> all = lines();
        return n >= 1 && n <= all.size() ? all.get(n - 1) : "";
    }

    private List<String> lines() {
        if (lines == null) {
            lines = splitLines(text);
        }
        return lines;
    }

    /** The lines of a text as every report shows them: split at LF, CRLF or a lone CR. */
    public static List<String> splitLines(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch == '\n' || ch == '\r') {
                out.add(text.substring(start, i));
                if (ch == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') i++;
                start = i + 1;
            }
        }
        out.add(text.substring(start));
        return out;
    }
}
