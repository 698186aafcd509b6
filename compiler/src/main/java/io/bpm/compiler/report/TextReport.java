package io.bpm.compiler.report;

import io.bpm.compiler.diag.Diagnostic;
import io.bpm.compiler.diag.Severity;
import io.bpm.compiler.source.SourceFile;
import io.bpm.compiler.source.Span;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * Compiler-style text: {@code file:line:col: error[CODE]: message}, then the source line with a
 * caret under the place, the hint and the fix. Colour only when asked (on a terminal).
 */
public record TextReport(boolean colour) implements Report {
    private static final String RESET = "\u001b[0m";
    private static final String BOLD = "\u001b[1m";
    private static final String BLUE = "\u001b[1;34m";

    @Override
    public void print(List<Diagnostic> diagnostics, Map<String, SourceFile> sources, int filesChecked, PrintStream out) {
        for (Diagnostic d : diagnostics) {
            out.println(paint(BOLD, d.file() + ":" + d.span().line() + ":" + d.span().column() + ":") + " "
                    + paint(severityColour(d.severity()), d.severity().word() + "[" + d.rule().code() + "]") + ": "
                    + paint(BOLD, d.message()));
            SourceFile src = sources.get(d.file());
            if (src != null && !d.span().equals(Span.FILE)) snippet(d, src, out);
            for (Diagnostic.Related r : d.related()) {
                out.println(paint(BLUE, "   = ") + "note: " + d.file() + ":" + r.span().line() + ":" + r.span().column() + ": " + r.message());
            }
            d.hintText().ifPresent(h -> out.println(paint(BLUE, "   = ") + "help: " + h));
            d.fixText().ifPresent(f -> out.println(paint(BLUE, "   = ") + "fix: replace with '" + f + "'"));
            out.println();
        }
        long errors = diagnostics.stream().filter(d -> d.severity() == Severity.ERROR).count();
        long warnings = diagnostics.stream().filter(d -> d.severity() == Severity.WARNING).count();
        out.println(plural(errors, "error") + ", " + plural(warnings, "warning") + " in " + plural(filesChecked, "file") + " checked");
    }

    private void snippet(Diagnostic d, SourceFile src, PrintStream out) {
        int line = d.span().line();
        String text = src.line(line);
        if (text.isEmpty() && d.span().column() <= 1) return;
        String number = Integer.toString(line);
        String gutter = " ".repeat(number.length());
        out.println(paint(BLUE, gutter + " |"));
        out.println(paint(BLUE, number + " |") + " " + visible(text));
        int startCp = Math.max(1, d.span().column());
        int lineCps = text.codePointCount(0, text.length());
        int endCp = d.span().endLine() == line ? d.span().endColumn() : lineCps + 1;
        int width = Math.max(1, Math.min(endCp, lineCps + 1) - startCp);
        // Copy the line's own whitespace before the caret so tabs line up as the terminal shows them.
        StringBuilder pad = new StringBuilder();
        int[] cps = text.codePoints().toArray();
        for (int i = 0; i < startCp - 1 && i < cps.length; i++) pad.append(cps[i] == '\t' ? '\t' : ' ');
        for (int i = cps.length; i < startCp - 1; i++) pad.append(' ');
        out.println(paint(BLUE, gutter + " |") + " " + pad + paint(severityColour(d.severity()), "^".repeat(width)));
    }

    /** Control characters in a source line are shown, not sent to the terminal. */
    private static String visible(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(c -> {
            if (c == '\t') b.append('\t');
            else if (c < 0x20 || c == 0x7f) b.append('?');
            else b.appendCodePoint(c);
        });
        return b.toString();
    }

    private String paint(String code, String s) {
        return colour ? code + s + RESET : s;
    }

    private static String severityColour(Severity s) {
        return switch (s) {
            case ERROR -> "\u001b[1;31m";
            case WARNING -> "\u001b[1;33m";
            case INFO -> "\u001b[1;36m";
        };
    }

    private static String plural(long n, String word) {
        return n + " " + word + (n == 1 ? "" : "s");
    }
}
