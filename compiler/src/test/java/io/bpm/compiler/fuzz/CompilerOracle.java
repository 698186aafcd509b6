package io.bpm.compiler.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.bpm.compiler.Frontend;
import io.bpm.compiler.diag.Diagnostic;
import io.bpm.compiler.diag.Severity;
import io.bpm.compiler.plan.LowerOptions;
import io.bpm.compiler.plan.Lowering;
import io.bpm.compiler.plan.PlanJson;
import io.bpm.compiler.report.JsonReport;
import io.bpm.compiler.report.Report;
import io.bpm.compiler.report.SarifReport;
import io.bpm.compiler.report.TextReport;
import io.bpm.compiler.source.SourceFile;
import io.bpm.compiler.source.SourceLoader;
import io.bpm.compiler.source.Span;
import io.bpm.executor.plan.Plan;
import io.bpm.executor.plan.PlanOracle;
import io.bpm.executor.plan.Verifier;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the compiler must do with any input, as {@code bpm lint} and {@code bpm compile} run it:
 * end in findings, each with a non-empty message and a span inside the file, that every report
 * format can print; or, when the file lints without errors, lower every process to plans the
 * executor's verifier accepts and that survive their text form byte-identical
 * ({@link PlanOracle#compiled}). The same input always gives the same findings and plans.
 */
final class CompilerOracle {
    static final String FILE = "bpm.yml";

    private CompilerOracle() {
    }

    /** What one compilation produced: compared between two runs for determinism. */
    record Outcome(String verdict, List<Diagnostic> diagnostics, List<String> plans) {
    }

    /** Compiles twice (each time from the bytes) and checks both runs and that they agree. */
    static Outcome check(byte[] bytes, String job, boolean compat) {
        Outcome first = compile(bytes, job, compat, true);
        Outcome second = compile(bytes, job, compat, false);
        assertEquals(first.diagnostics(), second.diagnostics(), "the same input gave other findings the second time");
        assertEquals(first.plans(), second.plans(), "the same input gave other plans the second time");
        return first;
    }

    /** One compilation, checked; {@code full}: also every report format and the JSON plan (the second run of {@link #check} skips them). */
    static Outcome compile(byte[] bytes, String job, boolean compat, boolean full) {
        SourceFile source;
        switch (SourceLoader.decode(bytes, FILE)) {
            case SourceLoader.Refused r -> {
                valid(r.diagnostic(), SourceFile.ofText(FILE, new String(bytes, StandardCharsets.UTF_8)));
                return new Outcome("refused: not UTF-8", List.of(r.diagnostic()), List.of());
            }
            case SourceLoader.Text t -> source = t.source();
        }
        return compile(source, job, compat, full);
    }

    static Outcome compile(SourceFile source, String job, boolean compat, boolean full) {
        Frontend.Result checked = Frontend.check(source, new Frontend.Options(job, compat));
        List<Diagnostic> found = checked.diagnostics();
        for (Diagnostic d : found) valid(d, source);
        if (full) printable(found, source);
        if (checked.hasErrors()) return new Outcome("findings with errors", found, List.of());
        if (checked.config().map(c -> c.processes().isEmpty()).orElse(true)) return new Outcome("no process", found, List.of());
        if (job == null) return new Outcome("lint-clean, no job to lower for", found, List.of());
        // --compat turns some errors into warnings (what today's bpm accepts); such a file may
        // still have no plan, and bpm compile says so ("cannot compile": IllegalArgumentException
        // from lowering or InvalidPlanException from the verifier). Without such a finding there is no excuse.
        boolean relaxed = compat && found.stream().anyMatch(d -> d.rule().compatDowngrade() && d.rule().severity() == Severity.ERROR);
        List<Plan> plans;
        try {
            plans = Lowering.lowerAll(checked, LowerOptions.of(job));
        } catch (IllegalArgumentException e) {
            if (relaxed) return new Outcome("--compat warnings, no plan (lowering)", found, List.of());
            throw new AssertionError("the file lints without errors but does not lower: " + e, e);
        } catch (RuntimeException e) {
            throw new AssertionError("lowering throws: " + e, e);
        }
        List<String> texts = new ArrayList<>();
        for (Plan p : plans) {
            if (relaxed && !Verifier.check(p).isEmpty()) return new Outcome("--compat warnings, no plan (verifier)", found, List.of());
            texts.add(PlanOracle.compiled(p));
            if (full) assertFalse(PlanJson.render(p).isEmpty());
        }
        return new Outcome("lint-clean, plans verified", found, texts);
    }

    /** A finding names the file, a rule, a message and a span inside the file (columns in code points, one past the end allowed). */
    static void valid(Diagnostic d, SourceFile source) {
        assertEquals(source.displayName(), d.file(), () -> "a finding names another file: " + d);
        assertNotNull(d.rule());
        assertNotNull(d.severity());
        assertFalse(d.message().isBlank(), "a finding without a message: " + d);
        Span s = d.span();
        List<String> lines = lines(source.text());
        java.util.function.Supplier<String> where = () -> "finding " + d.rule().code() + " \"" + d.message() + "\" at " + s.line() + ":"
                + s.column() + "-" + s.endLine() + ":" + s.endColumn() + " in a file of " + lines.size() + " lines";
        assertTrue(s.line() >= 1 && s.column() >= 1, where);
        assertTrue(s.endLine() > s.line() || s.endLine() == s.line() && s.endColumn() >= s.column(), () -> "span ends before it starts: " + where.get());
        assertTrue(s.line() <= lines.size() && s.endLine() <= lines.size(), () -> "span past the last line: " + where.get());
        assertTrue(s.column() <= width(lines.get(s.line() - 1)) + 1, () -> "span starts past the end of its line: " + where.get());
        assertTrue(s.endColumn() <= width(lines.get(s.endLine() - 1)) + 1, () -> "span ends past the end of its line: " + where.get());
    }

    /** The lines as SourceFile (and so every report's snippet) splits them: LF, CRLF or CR. */
    static List<String> lines(String text) {
        return io.bpm.compiler.source.SourceFile.splitLines(text);
    }

    private static int width(String line) {
        return line.codePointCount(0, line.length());
    }

    private static final PrintStream NOWHERE = new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8);

    /** Every report format prints the findings (text with snippets and carets, JSON, SARIF). */
    static void printable(List<Diagnostic> found, SourceFile source) {
        for (Report r : List.of(new TextReport(false), new TextReport(true), new JsonReport(), new SarifReport("fuzz"))) {
            try {
                r.print(found, Map.of(source.displayName(), source), 1, NOWHERE);
            } catch (RuntimeException e) {
                fail(r.getClass().getSimpleName() + " cannot print the findings: " + e, e);
            }
        }
    }
}
