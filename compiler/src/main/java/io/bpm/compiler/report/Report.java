package io.bpm.compiler.report;

import io.bpm.compiler.diag.Diagnostic;
import io.bpm.compiler.source.SourceFile;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/** One way of printing the findings of a lint run. */
public sealed interface Report permits TextReport, JsonReport, SarifReport {

    /**
     * @param diagnostics all findings, sorted
     * @param sources     the files read, by display name, for snippets
     * @param filesChecked how many files were linted
     */
    void print(List<Diagnostic> diagnostics, Map<String, SourceFile> sources, int filesChecked, PrintStream out);
}
