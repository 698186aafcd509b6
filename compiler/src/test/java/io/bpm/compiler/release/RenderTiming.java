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

    private record Job(SourceFile bpm, SourceFile monit, JobSpec spec, DirectorInput input) {
    }

    public static void main(String[] args) throws Exception {
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
