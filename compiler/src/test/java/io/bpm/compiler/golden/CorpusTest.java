package io.bpm.compiler.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bpm.compiler.diag.Severity;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The 165 real rendered bpm.yml files of public BOSH releases (../shared/corpus/real) lint
 * without errors, with the job name taken from JOB[--VARIANT].bpm.yml as the CLI does, except
 * the real defects listed in golden/corpus/known-defects.txt (configs today's bpm itself
 * refuses). Every finding is approved in golden/corpus/lint.approved.txt.
 */
class CorpusTest {
    @Test
    void theWholeCorpusLintsWithoutErrors() {
        Path corpus = Golden.corpus();
        List<Path> files = Golden.configs(corpus);
        assertEquals(165, files.size(), "the corpus changed size; review this test");
        List<io.bpm.compiler.diag.Diagnostic> all = new java.util.ArrayList<>();
        StringBuilder text = new StringBuilder();
        for (Path f : files) {
            String job = io.bpm.compiler.cli.JobName.fromFileName(f.getFileName().toString());
            var linted = Golden.lint(corpus, List.of(f), job, false);
            all.addAll(linted.diagnostics());
            if (!linted.diagnostics().isEmpty()) text.append(linted.text()).append('\n');
        }
        // Errors are allowed only where the corpus holds a real defect, listed with its reason.
        java.util.Set<String> errors = new java.util.TreeSet<>();
        all.stream().filter(d -> d.severity() == Severity.ERROR)
                .forEach(d -> errors.add(d.file() + " " + d.rule().code()));
        java.util.Set<String> known = new java.util.TreeSet<>();
        try {
            for (String line : java.nio.file.Files.readAllLines(Golden.repo().resolve("golden/corpus/known-defects.txt"))) {
                if (line.isBlank() || line.startsWith("#")) continue;
                String[] f = line.split("\\s+");
                if (f[0].endsWith(".monit")) continue; // a monit file's defect: MonitCorpusTest
                known.add(f[0] + " " + f[1]);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertEquals(known, errors, "errors in the corpus differ from golden/corpus/known-defects.txt");
        Golden.verify(text.toString(), Golden.repo().resolve("golden/corpus").toFile().toPath(), "lint");
    }
}
