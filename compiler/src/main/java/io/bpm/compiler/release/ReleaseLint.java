package io.bpm.compiler.release;

import io.bpm.compiler.Frontend;
import io.bpm.compiler.diag.Diagnostic;
import io.bpm.compiler.diag.Rule;
import io.bpm.compiler.monit.MonitLint;
import io.bpm.compiler.source.SourceFile;
import io.bpm.compiler.source.SourceLoader;
import io.bpm.compiler.source.Span;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@code bpm lint RELEASE_DIR}: each job of a release as it is checked in (jobs/JOB/spec, its
 * bpm.yml template and monit), rendered as the director renders them and then linted and
 * cross-checked exactly as rendered files are; findings point at template lines.
 */
public final class ReleaseLint {
    private ReleaseLint() {
    }

    /**
     * @param job    only this job, or null for every job
     * @param values the --properties file's values
     * @param valuesDisplay how the --properties file is named in findings (null when none)
     */
    public record Options(boolean compat, String job, ValuesFile values, String valuesDisplay) {
    }

    /** One job's outcome: its rendered bpm.yml as linted, when there is one. */
    public record Job(String name, Optional<Frontend.Result> bpm, Optional<RenderedTemplate> rendered) {
    }

    /**
     * @param checked how many files were rendered and checked (bpm.yml and monit templates, specs that failed)
     */
    public record Result(List<Diagnostic> diagnostics, Map<String, SourceFile> sources, int checked, List<Job> jobs) {
    }

    /** A directory with jobs/JOB/spec files: a release checkout (or a directory of jobs' sources). */
    public static boolean isRelease(Path dir) {
        if (!Files.isDirectory(dir.resolve("jobs"))) return false;
        try (Stream<Path> s = Files.list(dir.resolve("jobs"))) {
            return s.anyMatch(j -> Files.isRegularFile(j.resolve("spec")));
        } catch (IOException e) {
            return false;
        }
    }

    /** The release's job names, sorted. */
    public static List<String> jobs(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("jobs"))) {
            return s.filter(j -> Files.isRegularFile(j.resolve("spec"))).map(j -> j.getFileName().toString()).sorted().toList();
        }
    }

    public static Result lint(Path dir, Options options) throws IOException, Engines.Unavailable {
        List<Diagnostic> all = new ArrayList<>();
        Map<String, SourceFile> sources = new LinkedHashMap<>();
        List<Job> jobs = new ArrayList<>();
        int checked = 0;
        for (String name : jobs(dir)) {
            if (options.job() != null && !options.job().equals(name)) continue;
            JobRun run = new JobRun(dir, name, options, all, sources);
            jobs.add(run.run());
            checked += run.checked;
        }
        all.sort(null);
        return new Result(List.copyOf(all), sources, checked, List.copyOf(jobs));
    }

    /** Renders and lints one job, collecting its findings and sources. */
    private static final class JobRun {
        private final Path jobDir;
        private final String name;
        private final Options options;
        private final List<Diagnostic> all;
        private final Map<String, SourceFile> sources;
        private int checked;

        JobRun(Path dir, String name, Options options, List<Diagnostic> all, Map<String, SourceFile> sources) {
            this.jobDir = dir.resolve("jobs").resolve(name);
            this.name = name;
            this.options = options;
            this.all = all;
            this.sources = sources;
        }

        Job run() throws IOException, Engines.Unavailable {
            Path specPath = jobDir.resolve("spec");
            String specDisplay = specPath.toString();
            JobSpec spec;
            try {
                spec = JobSpec.parse(Files.readString(specPath), name);
            } catch (JobSpec.Invalid e) {
                checked++;
                report(Rule.SPEC_INVALID, specDisplay, e.line(), e.getMessage(), "fix the YAML of " + specDisplay);
                return new Job(name, Optional.empty(), Optional.empty());
            }
            DirectorInput input = DirectorInput.of(spec, options.values().of(name));
            String valuesAt = options.valuesDisplay() != null ? options.valuesDisplay() : specDisplay;
            for (String p : input.undeclared()) {
                report(Rule.PROPERTY_UNDECLARED, valuesAt, 0, "property '" + p + "' is given for job '" + name + "' but not declared in its spec; it is dropped",
                        "declare it in " + specDisplay + ", or remove the value (a misspelt name?)");
            }
            for (String l : input.unknownLinks()) {
                report(Rule.PROPERTY_UNDECLARED, valuesAt, 0, "link '" + l + "' is stubbed for job '" + name + "' but the job does not consume it; it is dropped",
                        "the job consumes: " + (spec.consumes().isEmpty() ? "no link" : String.join(", ", spec.consumes())));
            }
            Optional<Frontend.Result> bpm = Optional.empty();
            Optional<RenderedTemplate> bpmRendered = Optional.empty();
            Optional<String> bpmTemplate = spec.bpmTemplate();
            if (bpmTemplate.isEmpty()) {
                report(Rule.NO_BPM_TEMPLATE, specDisplay, 0, "job '" + name + "' has no template rendered to " + JobSpec.BPM_DESTINATION
                        + ", so it is skipped" + (Files.isRegularFile(jobDir.resolve("monit")) ? " (its monit file is still checked)" : ""), null);
            } else {
                Optional<RenderedTemplate> r = render(jobDir.resolve("templates").resolve(bpmTemplate.get()), spec, input, "bpm.yml template", specDisplay);
                if (r.isPresent()) {
                    bpmRendered = r;
                    Frontend.Result checkedBpm = Frontend.check(r.get().output(), new Frontend.Options(name, options.compat()));
                    bpm = Optional.of(checkedBpm);
                    checkedBpm.diagnostics().forEach(d -> all.add(r.get().onTemplate(d)));
                }
            }
            Path monitPath = jobDir.resolve("monit");
            if (Files.isRegularFile(monitPath)) {
                Optional<RenderedTemplate> m = render(monitPath, spec, input, "monit file", specDisplay);
                if (m.isPresent()) {
                    Optional<RenderedTemplate> b = bpmRendered;
                    for (Diagnostic d : MonitLint.check(m.get().output(), new MonitLint.Options(name, options.compat()), bpm)) {
                        all.add(d.file().equals(m.get().output().displayName()) ? m.get().onTemplate(d) : b.map(t -> t.onTemplate(d)).orElse(d));
                    }
                }
            }
            return new Job(name, bpm, bpmRendered);
        }

        /** Reads and renders one template; a finding (and empty) when it cannot. */
        private Optional<RenderedTemplate> render(Path file, JobSpec spec, DirectorInput input, String kind, String specDisplay)
                throws IOException, Engines.Unavailable {
            String display = file.toString();
            checked++;
            if (!Files.isRegularFile(file)) {
                report(Rule.TEMPLATE_ERROR, specDisplay, 0, "the spec of job '" + name + "' names the " + kind + " " + display + ", which does not exist",
                        "add the template, or fix its name under templates: in the spec");
                return Optional.empty();
            }
            SourceFile template;
            switch (SourceLoader.load(file, display, kind + " template")) {
                case SourceLoader.Text t -> template = t.source();
                case SourceLoader.Refused r -> {
                    all.add(r.diagnostic());
                    return Optional.empty();
                }
            }
            sources.put(display, template);
            return switch (TemplateRenderer.render(Engines.get(), template, spec, input, options.compat())) {
                case TemplateRenderer.Rendered r -> Optional.of(r.template());
                case TemplateRenderer.Failed f -> {
                    all.add(f.finding());
                    yield Optional.empty();
                }
            };
        }

        private void report(Rule rule, String file, int line, String message, String hint) {
            Span at = line > 0 ? Span.point(line, 1) : Span.FILE;
            all.add(new Diagnostic(rule, rule.severity(options.compat()), file, at, "", message, hint, null));
        }
    }
}
