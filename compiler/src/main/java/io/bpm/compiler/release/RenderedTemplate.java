package io.bpm.compiler.release;

import io.bpm.compiler.diag.Diagnostic;
import io.bpm.compiler.source.SourceFile;
import io.bpm.compiler.source.Span;

/**
 * A template's output with its line map: for every character of the output, the template offset
 * it came from (a literal character: itself; a {@code <%= %>} tag's output: the tag's
 * {@code <%=}). Findings in the output are moved onto the template with {@link #onTemplate}.
 *
 * @param template the template as read (its display name is the name findings carry)
 * @param output   the rendered file, under the template's display name
 * @param origin   template offset of each output character (UTF-16 index to UTF-16 index)
 * @param fromTag  whether each output character came from a tag rather than literal text
 */
public record RenderedTemplate(SourceFile template, SourceFile output, int[] origin, boolean[] fromTag) {

    /**
     * The finding at its template place. Where the output came from a {@code <%= %>} tag it
     * points at the tag and names the rendered line too; a fix (a replacement of rendered text)
     * is kept only where the text is the template's own.
     */
    public Diagnostic onTemplate(Diagnostic d) {
        if (!d.file().equals(output.displayName())) return d;
        Lines out = new Lines(output.text());
        Lines in = new Lines(template.text());
        int start = out.offset(d.span().line(), d.span().column());
        int end = out.offset(d.span().endLine(), d.span().endColumn());
        if (origin.length == 0) return new Diagnostic(d.rule(), d.severity(), d.file(), Span.FILE, d.pointer(), d.message(), d.hint(), null);
        int s = Math.min(start, origin.length - 1);
        boolean tag = fromTag[s];
        int from = origin[s];
        int to;
        if (tag || end <= start) {
            to = from + (tag ? 3 : 0);
        } else {
            int e = Math.min(end, origin.length) - 1;
            to = origin[e] + 1;
            // a literal span only if it is one piece of literal text in the template, too
            boolean literal = to - from == end - start;
            for (int k = s; literal && k < Math.min(end, origin.length); k++) literal = !fromTag[k] && origin[k] == from + (k - s);
            if (!literal) {
                tag = true;
                to = from;
            }
        }
        int[] a = in.lineColumn(from);
        int[] b = in.lineColumn(Math.max(from, to));
        Span span = new Span(a[0], a[1], b[0], b[1]);
        String message = d.message();
        if (tag) {
            String line = output.line(d.span().line()).strip();
            if (line.length() > 80) line = line.substring(0, 77) + "...";
            message += " (rendered line " + d.span().line() + ": " + line + ")";
        }
        return new Diagnostic(d.rule(), d.severity(), template.displayName(), span, d.pointer(), message, d.hint(), tag ? null : d.fix());
    }

    /** Line starts of a text, for 1-based line and code-point column to offset and back. */
    static final class Lines {
        private final String text;
        private final int[] starts;

        Lines(String text) {
            this.text = text;
            var list = new java.util.ArrayList<Integer>();
            list.add(0);
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '\n' || (c == '\r' && (i + 1 >= text.length() || text.charAt(i + 1) != '\n'))) list.add(i + 1);
            }
            starts = list.stream().mapToInt(Integer::intValue).toArray();
        }

        int offset(int line, int column) {
            if (line < 1) return 0;
            if (line > starts.length) return text.length();
            int o = starts[line - 1];
            for (int c = 1; c < column && o < text.length() && text.charAt(o) != '\n'; c++) o += Character.charCount(text.codePointAt(o));
            return Math.min(o, text.length());
        }

        int[] lineColumn(int offset) {
            int idx = java.util.Arrays.binarySearch(starts, offset);
            int line = idx >= 0 ? idx : -idx - 2;
            int col = 1 + text.codePointCount(starts[line], Math.min(offset, text.length()));
            return new int[] {line + 1, col};
        }
    }
}
