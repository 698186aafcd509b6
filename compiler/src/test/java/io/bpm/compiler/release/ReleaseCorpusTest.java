package io.bpm.compiler.release;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bpm.compiler.diag.Diagnostic;
import io.bpm.compiler.diag.Severity;
import io.bpm.compiler.golden.Golden;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * bpm lint on the 36 release directories of ../shared/corpus/releases, as a release's CI runs it
 * on a checkout: as it is (the spec defaults only), and with the values each corpus file was
 * rendered with. With those values every case gives the same verdict and the same findings (rule
 * and message) as linting its rendered files in ../shared/corpus/real, only at template places;
 * both runs are approved in golden/corpus/.
 */
class ReleaseCorpusTest {

    private static String text(ReleaseLint.Result r) {
        String out = new Golden.Linted(r.diagnostics(), r.sources(), r.checked()).text();
        return out.replace(CorpusCases.releases().toString() + "/", "");
    }

    @Test
    void everyReleaseLintsAsItIs() throws Exception {
        StringBuilder golden = new StringBuilder();
        for (CorpusCases release : CorpusCases.all()) {
            ReleaseLint.Result r = ReleaseLint.lint(release.release(), new ReleaseLint.Options(false, null, ValuesFile.EMPTY, null));
            golden.append("## bpm lint ").append(release.name()).append('\n').append(text(r)).append('\n');
        }
        Golden.verify(golden.toString(), Golden.repo().resolve("golden/corpus"), "releases");
    }

    /** A finding without its place: what must agree between a template and its rendered file. */
    private static String what(Diagnostic d) {
        return d.severity() + " " + d.rule().code() + " " + d.message().replaceFirst(" \\(rendered line \\d+: .*\\)$", "")
                .replaceAll(" in \\S+ that starts it", " in MONIT that starts it");
    }

    @Test
    void everyCaseGivesTheVerdictAndFindingsOfItsRenderedFiles() throws Exception {
        List<String> differences = new ArrayList<>();
        StringBuilder golden = new StringBuilder();
        int cases = 0;
        for (CorpusCases release : CorpusCases.all()) {
            Map<String, JobValues> defaults = new LinkedHashMap<>();
            boolean realErrors = false;
            for (CorpusCases.Case c : release.cases()) {
                cases++;
                ReleaseLint.Result r = ReleaseLint.lint(release.release(),
                        new ReleaseLint.Options(false, c.job(), new ValuesFile(Map.of(c.job(), c.values()), Optional.empty()), null));
                Golden.Linted real = Golden.lintMonit(Golden.corpus(), c.expectedBpm(), c.expectedMonit(), c.job(), false);
                List<String> fromTemplates = r.diagnostics().stream().map(ReleaseCorpusTest::what).sorted().toList();
                List<String> fromRendered = real.diagnostics().stream().map(ReleaseCorpusTest::what).sorted().toList();
                if (!fromTemplates.equals(fromRendered)) {
                    differences.add(c.id() + ":\n  templates: " + fromTemplates + "\n  rendered:  " + fromRendered);
                }
                if (c.variant() == null) {
                    defaults.putIfAbsent(c.job(), c.values());
                    realErrors |= real.diagnostics().stream().anyMatch(d -> d.severity() == Severity.ERROR);
                }
            }
            // the release as a whole, each job with its default case's values: the same verdict
            ReleaseLint.Result whole = ReleaseLint.lint(release.release(), new ReleaseLint.Options(false, null, new ValuesFile(defaults, Optional.empty()), null));
            boolean templateErrors = whole.diagnostics().stream().anyMatch(d -> d.severity() == Severity.ERROR);
            if (templateErrors != realErrors) differences.add(release.name() + ": verdict " + templateErrors + " from templates, " + realErrors + " from rendered files");
            golden.append("## bpm lint --properties DEFAULT-CASES ").append(release.name()).append('\n').append(text(whole)).append('\n');
        }
        assertEquals(165, cases);
        assertEquals(List.of(), differences);
        Golden.verify(golden.toString(), Golden.repo().resolve("golden/corpus"), "releases-with-values");
    }
}
