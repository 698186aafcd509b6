package io.bpm.compiler.release;

import io.bpm.compiler.golden.Golden;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** The cases of ../shared/corpus/releases/RELEASE/cases.yml: what each file of corpus/real was rendered from. */
record CorpusCases(Path release, String name, List<Case> cases) {

    /**
     * One rendered pair: the job, its variant (null for the default render), the templates and
     * expected files (absolute), and the values (properties, spec, links) it was rendered with.
     */
    record Case(String release, String job, String variant, Path bpmTemplate, Path monitTemplate, Path expectedBpm,
                Path expectedMonit, JobValues values) {
        String id() {
            return release + "/" + job + (variant == null ? "" : "--" + variant);
        }
    }

    static Path releases() {
        return Golden.corpus().resolveSibling("releases");
    }

    static List<CorpusCases> all() {
        try (Stream<Path> s = Files.list(releases())) {
            return s.filter(p -> Files.isRegularFile(p.resolve("cases.yml"))).sorted().map(CorpusCases::read).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static CorpusCases read(Path release) {
        Map<String, Object> doc;
        try {
            doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(release.resolve("cases.yml")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path shared = releases().getParent();
        List<Case> cases = new ArrayList<>();
        for (Map<String, Object> c : (List<Map<String, Object>>) doc.get("cases")) {
            Map<String, String> expect = (Map<String, String>) c.get("expect");
            Map<String, String> templates = (Map<String, String>) c.get("templates");
            cases.add(new Case(release.getFileName().toString(), (String) c.get("job"), (String) c.get("variant"),
                    release.resolve(templates.get("bpm")), release.resolve(templates.get("monit")),
                    shared.resolve(expect.get("bpm")), shared.resolve(expect.get("monit")),
                    JobValues.of(Map.of("properties", c.get("properties") == null ? Map.of() : c.get("properties"),
                            "spec", c.get("spec"), "links", c.get("links") == null ? Map.of() : c.get("links")))));
        }
        return new CorpusCases(release, release.getFileName().toString(), List.copyOf(cases));
    }
}
