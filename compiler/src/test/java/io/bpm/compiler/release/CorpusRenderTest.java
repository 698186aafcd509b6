package io.bpm.compiler.release;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bpm.compiler.source.SourceFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every case of ../shared/corpus/releases rendered by bpm's renderer, compared with
 * ../shared/corpus/real byte for byte: all 330 files (165 bpm.yml, 165 monit) are identical, so no
 * comparison falls back to parsed YAML; the YAML.dump of bosh's and capi's templates (JRuby's
 * psych on snakeyaml-engine) gives the same bytes as the corpus's renderer.
 */
class CorpusRenderTest {
    @Test
    void everyCaseRendersAsTheCorpus() throws Exception {
        TemplateEngine engine = Engines.get();
        List<String> report = new ArrayList<>();
        int identical = 0, total = 0;
        for (CorpusCases release : CorpusCases.all()) {
            for (CorpusCases.Case c : release.cases()) {
                Path jobDir = release.release().resolve("jobs").resolve(c.job());
                JobSpec spec = JobSpec.parse(Files.readString(jobDir.resolve("spec")), c.job());
                DirectorInput input = DirectorInput.of(spec, c.values());
                for (Path[] pair : new Path[][] {{c.bpmTemplate(), c.expectedBpm()}, {c.monitTemplate(), c.expectedMonit()}}) {
                    total++;
                    SourceFile template = SourceFile.ofText(release.release().relativize(pair[0]).toString(), Files.readString(pair[0]));
                    var result = TemplateRenderer.render(engine, template, spec, input, false);
                    String expected = Files.readString(pair[1]);
                    if (result instanceof TemplateRenderer.Rendered r && r.template().output().text().equals(expected)) {
                        identical++;
                    } else if (result instanceof TemplateRenderer.Rendered r) {
                        report.add(c.id() + " " + pair[0].getFileName() + ": differs\n--- expected\n" + expected + "\n--- got\n" + r.template().output().text());
                    } else {
                        report.add(c.id() + " " + pair[0].getFileName() + ": " + ((TemplateRenderer.Failed) result).finding());
                    }
                }
            }
        }
        System.out.println("identical " + identical + " of " + total);
        report.forEach(System.out::println);
        assertEquals(List.of(), report);
        assertEquals(330, total);
        assertEquals(total, identical);
    }
}
