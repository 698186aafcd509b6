package io.bpm.compiler.diag;

import io.bpm.compiler.source.Span;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One finding: which rule, how severe (after {@code --compat}), where, what is wrong and how
 * to fix it.
 *
 * @param file    the file as named on the command line
 * @param span    where in the file
 * @param pointer the JSON pointer of the offending node ({@code /processes/0/limits/memory}),
 *                or "" for the whole document
 * @param message what is wrong, one sentence, naming the offending value
 * @param hint    how to fix it, or null
 * @param fix     a literal replacement for the text at {@code span}, or null when there is none
 * @param related other places that explain the finding, e.g. where an unclosed quote's file ends
 *                (SARIF relatedLocations, a note in the text)
 */
public record Diagnostic(Rule rule, Severity severity, String file, Span span, String pointer,
                         String message, String hint, String fix, List<Related> related) implements Comparable<Diagnostic> {

    /** Another place in the same file, and what it is. */
    public record Related(Span span, String message) {
        public Related {
            Objects.requireNonNull(span);
            Objects.requireNonNull(message);
        }
    }

    public Diagnostic(Rule rule, Severity severity, String file, Span span, String pointer, String message, String hint, String fix) {
        this(rule, severity, file, span, pointer, message, hint, fix, List.of());
    }

    public Diagnostic {
        related = List.copyOf(related);
        Objects.requireNonNull(rule);
        Objects.requireNonNull(severity);
        Objects.requireNonNull(file);
        Objects.requireNonNull(span);
        Objects.requireNonNull(pointer);
        Objects.requireNonNull(message);
    }

    public Optional<String> hintText() {
        return Optional.ofNullable(hint);
    }

    public Optional<String> fixText() {
        return Optional.ofNullable(fix);
    }

    /** Sorted by file, then position, then code, then message: the order every report uses. */
    @Override
    public int compareTo(Diagnostic o) {
        int c = file.compareTo(o.file);
        if (c != 0) return c;
        c = span.compareTo(o.span);
        if (c != 0) return c;
        c = rule.code().compareTo(o.rule.code());
        return c != 0 ? c : message.compareTo(o.message);
    }
}
