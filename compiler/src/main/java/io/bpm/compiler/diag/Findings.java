package io.bpm.compiler.diag;

import io.bpm.compiler.source.Span;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Collects the diagnostics of one file. Every stage (reader, decoder, schema, rules) reports
 * here, so one run shows all problems of a file at once, sorted by position.
 */
public final class Findings {
    private final String file;
    private final boolean compat;
    private final List<Diagnostic> all = new ArrayList<>();

    public Findings(String file, boolean compat) {
        this.file = file;
        this.compat = compat;
    }

    public String file() {
        return file;
    }

    public void report(Rule rule, Span span, String pointer, String message, String hint) {
        report(rule, span, pointer, message, hint, null);
    }

    public void report(Rule rule, Span span, String pointer, String message, String hint, String fix) {
        all.add(new Diagnostic(rule, rule.severity(compat), file, span, pointer, message, hint, fix));
    }

    /**
     * A finding of a rule {@code --compat} downgrades, in a case where bpm 1.4 does not start
     * the process either (e.g. {@code open_files: 0}, a relative workdir): an error always.
     */
    public void reportRefused(Rule rule, Span span, String pointer, String message, String hint) {
        all.add(new Diagnostic(rule, rule.severity(), file, span, pointer, message, hint, null));
    }

    /** A finding with other places that explain it (e.g. where an unclosed quote's file ends). */
    public void reportWith(Rule rule, Span span, String pointer, String message, String hint, java.util.List<Diagnostic.Related> related) {
        all.add(new Diagnostic(rule, rule.severity(compat), file, span, pointer, message, hint, null, related));
    }

    /** True when some finding at exactly this pointer already explains the problem there. */
    public boolean hasFindingAt(String pointer) {
        return all.stream().anyMatch(d -> d.pointer().equals(pointer));
    }

    /** Same, limited to findings of the given rules. */
    public boolean hasFindingAt(String pointer, java.util.Set<Rule> rules) {
        return all.stream().anyMatch(d -> d.pointer().equals(pointer) && rules.contains(d.rule()));
    }

    public boolean hasErrors() {
        return all.stream().anyMatch(d -> d.severity() == Severity.ERROR);
    }

    /** All findings, sorted by position, without exact duplicates. */
    public List<Diagnostic> sorted() {
        return all.stream().distinct().sorted(Comparator.naturalOrder()).toList();
    }
}
