package io.bpm.compiler.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bpm.compiler.cli.JobName;
import io.bpm.compiler.diag.Diagnostic;
import io.bpm.compiler.diag.Rule;
import io.bpm.compiler.diag.Severity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The 165 real rendered monit files of ../shared/corpus/real, each linted beside the bpm.yml of
 * the same base name exactly as {@code bpm lint JOB[--VARIANT].bpm.yml} does: every one parses
 * (a syntax error here would be a gap in the grammar, not in the release), errors are allowed
 * only for the monit defects listed in golden/corpus/known-defects.txt, and every finding is
 * approved in golden/corpus/monit.approved.txt. The bpm.yml findings proper stay in
 * lint.approved.txt (CorpusTest); this file holds what the monit file adds.
 */
class MonitCorpusTest {
    @Test
    void everyCorpusMonitFileLintsBesideItsBpmYml() throws IOException {
        Path corpus = Golden.corpus();
        List<Path> monits = Golden.files(corpus, ".monit");
        assertEquals(165, monits.size(), "the corpus changed size; review this test");
        List<Diagnostic> all = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        int parsed = 0;
        for (Path m : monits) {
            Path bpm = m.resolveSibling(m.getFileName().toString().replaceFirst("\\.monit$", ".bpm.yml"));
            assertTrue(Files.isRegularFile(bpm), "no bpm.yml beside " + m);
            String job = JobName.fromFileName(m.getFileName().toString());
            assertEquals(JobName.fromFileName(bpm.getFileName().toString()), job);
            var linted = Golden.lintMonit(corpus, bpm, m, job, false);
            String monitName = corpus.relativize(m).toString();
            // Only what the monit file adds: its own findings and the bpm.yml processes it leaves out.
            List<Diagnostic> added = linted.diagnostics().stream()
                    .filter(d -> d.file().equals(monitName) || d.rule().aboutMonit()).toList();
            if (added.stream().noneMatch(d -> d.rule() == Rule.MONIT_SYNTAX)) parsed++;
            all.addAll(added);
            if (!added.isEmpty()) text.append(new Golden.Linted(added, linted.sources(), 2).text()).append('\n');
        }
        assertEquals(List.of(), all.stream().filter(d -> d.rule() == Rule.MONIT_SYNTAX).toList(),
                "a real monit file does not parse: a gap in MonitParser.g4?");
        assertEquals(165, parsed);
        Set<String> errors = new TreeSet<>();
        all.stream().filter(d -> d.severity() == Severity.ERROR).forEach(d -> errors.add(d.file() + " " + d.rule().code()));
        Set<String> known = new TreeSet<>();
        for (String line : Files.readAllLines(Golden.repo().resolve("golden/corpus/known-defects.txt"))) {
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] f = line.split("\\s+");
            if (f[0].endsWith(".monit")) known.add(f[0] + " " + f[1]);
        }
        assertEquals(known, errors, "errors in the corpus monit files differ from golden/corpus/known-defects.txt");
        Golden.verify(text.toString(), Golden.repo().resolve("golden/corpus"), "monit");
    }
}
