package io.bpm.compiler.release;

import io.bpm.compiler.source.SourceFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * bench/render: how long JRuby takes to start with bpm's evaluation context, and how long one
 * job (its bpm.yml template and monit) takes to render once warm, over every corpus case.
 * Not a test: {@code bench/render} runs it and prints the figures (bench/README.md).
 */
public final class RenderTiming {
    private RenderTiming() {
    }

    /**
     * A release of {@code n} jobs taken from the corpus (the first default case of each distinct
     * job name), with a values file holding each job's case values: what bench/release lints cold.
     */
    static void writeRelease(Path dir, int n) throws Exception {
        java.util.Map<String, Object> values = new java.util.LinkedHashMap<>();
        for (CorpusCases release : CorpusCases.all()) {
            for (CorpusCases.Case c : release.cases()) {
                if (values.size() == n || c.variant() != null || values.containsKey(c.job())) continue;
                Path from = release.release().resolve("jobs").resolve(c.job());
                Path to = dir.resolve("jobs").resolve(c.job());
                try (var files = Files.walk(from)) {
                    for (Path f : files.filter(Files::isRegularFile).toList()) {
                        Files.createDirectories(to.resolve(from.relativize(f)).getParent());
                        Files.copy(f, to.resolve(from.relativize(f)), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                }
                values.put(c.job(), java.util.Map.of("properties", c.values().properties(), "spec", c.values().spec(), "links", c.values().links()));
            }
        }
        Files.writeString(dir.resolve("values.yml"), new org.yaml.snakeyaml.Yaml().dump(values));
        System.out.println(values.size() + " jobs in " + dir);
    }

    private record Job(SourceFile bpm, SourceFile monit, JobSpec spec, DirectorInput input) {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("release")) {
            writeRelease(Path.of(args[1]), Integer.parseInt(args[2]));
            return;
        }
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        List<Job> jobs = new ArrayList<>();
        for (CorpusCases release : CorpusCases.all()) {
            for (CorpusCases.Case c : release.cases()) {
                Path jobDir = release.release().resolve("jobs").resolve(c.job());
                JobSpec spec = JobSpec.parse(Files.readString(jobDir.resolve("spec")), c.job());
                jobs.add(new Job(SourceFile.ofText(c.bpmTemplate().toString(), Files.readString(c.bpmTemplate())),
                        SourceFile.ofText(c.monitTemplate().toString(), Files.readString(c.monitTemplate())), spec, DirectorInput.of(spec, c.values())));
            }
        }
        long t0 = System.nanoTime();
        TemplateEngine engine = Engines.get();
        long boot = System.nanoTime() - t0;
        System.out.printf("engine start (JRuby, context, lock-down): %d ms%n", boot / 1_000_000);
        for (int round = 1; round <= rounds; round++) {
            long[] each = new long[jobs.size()];
            for (int i = 0; i < jobs.size(); i++) {
                Job j = jobs.get(i);
                long s = System.nanoTime();
                if (!(TemplateRenderer.render(engine, j.bpm(), j.spec(), j.input(), false) instanceof TemplateRenderer.Rendered)
                        || !(TemplateRenderer.render(engine, j.monit(), j.spec(), j.input(), false) instanceof TemplateRenderer.Rendered)) {
                    throw new IllegalStateException("case " + i + " does not render");
                }
                each[i] = System.nanoTime() - s;
            }
            long[] sorted = each.clone();
            java.util.Arrays.sort(sorted);
            long total = java.util.Arrays.stream(each).sum();
            System.out.printf("round %d: %d jobs (bpm.yml + monit) in %d ms: median %.1f ms, p90 %.1f ms, max %.1f ms per job%n", round, jobs.size(),
                    total / 1_000_000, sorted[sorted.length / 2] / 1e6, sorted[sorted.length * 9 / 10] / 1e6, sorted[sorted.length - 1] / 1e6);
        }
        System.exit(0);
    }
}
