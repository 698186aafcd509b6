package io.bpm.compiler.cli;

import io.bpm.compiler.Frontend;
import io.bpm.compiler.Version;
import io.bpm.compiler.diag.Diagnostic;
import io.bpm.compiler.diag.Rule;
import io.bpm.compiler.diag.Severity;
import io.bpm.compiler.monit.MonitLint;
import io.bpm.compiler.release.Engines;
import io.bpm.compiler.release.JobSpec;
import io.bpm.compiler.release.ReleaseLint;
import io.bpm.compiler.release.ValuesFile;
import io.bpm.compiler.report.JsonReport;
import io.bpm.compiler.report.Report;
import io.bpm.compiler.report.SarifReport;
import io.bpm.compiler.report.TextReport;
import io.bpm.compiler.source.SourceFile;
import io.bpm.compiler.source.SourceLoader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code bpm lint}: check bpm.yml files against the schema and every rule, and each job's monit file with its bpm.yml. */
@Command(name = "lint", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = {"Check bpm.yml files against the bpm.yml schema and every rule bpm applies, plus what it silently lets through.",
                "",
                "PATH is a bpm.yml (any file name) or a directory searched recursively for bpm.yml and *.bpm.yml files.",
                "The job's monit file (jobs/JOB/monit for jobs/JOB/config/bpm.yml, X.monit beside X.bpm.yml, or --monit FILE) is checked with it; a monit file given alone (monit, *.monit) is checked without its bpm.yml.",
                "The job name comes from --job, else from a jobs/JOB/... path, else from a JOB.bpm.yml (or JOB--VARIANT.bpm.yml) file name.",
                "",
                "A release directory (jobs/JOB/spec, as checked in) is checked as the BOSH director would deploy it: for each job (or --job), "
                        + "the template its spec renders to config/bpm.yml and its monit file are rendered (ERB, trim mode '-', on JRuby) "
                        + "with the property values of --properties, else the spec's defaults, and checked as rendered files; findings point at template lines. "
                        + "A job without a bpm.yml template is listed as skipped (BPM606). Rendering reaches no file, process or network and is bounded in time and output.",
                "spec.* defaults (as bosh-template's test API): name and job.name the job's name, index 0, id xxxxxx-xxxxxxxx-xxxxx, address my.bosh.com, "
                        + "az az1, deployment my-deployment, ip 192.168.0.0, networks {network1: {foo: bar, ip: 192.168.0.0}}, bootstrap false."},
        footer = {"", "Exit status: 0 no errors (warnings allowed), 1 errors found, 2 usage or I/O problem.",
                "Every finding has a stable code (BPMnnn); see bpm(1) for the list."})
final class LintCommand implements Callable<Integer> {

    enum Format { text, json, sarif }

    enum Colour { auto, always, never }

    @Option(names = "--format", paramLabel = "FORMAT", description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Format format = Format.text;

    @Option(names = "--job", paramLabel = "NAME", description = "The job the files belong to (default: from the path).")
    String job;

    @Option(names = "--compat", description = "Report as warnings the new errors that today's bpm (1.4) would accept, to adopt the linter gradually.")
    boolean compat;

    @Option(names = "--color", paramLabel = "WHEN", description = "Colour text output: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}: only on a terminal, and not when NO_COLOR is set).")
    Colour colour = Colour.auto;

    @Option(names = "--monit", paramLabel = "FILE", description = "The job's monit file, checked with the one bpm.yml given (default: jobs/JOB/monit for jobs/JOB/config/bpm.yml, X.monit beside X.bpm.yml, when it exists).")
    Path monit;

    @Option(names = "--properties", paramLabel = "FILE", description = "For a release directory: property values as a deployment gives them (YAML; one job's, or JOB: {...} per job), "
            + "optionally with spec: values and links: stubs (a link's properties, instances, address). Default: the spec's defaults only.")
    Path properties;

    @Parameters(paramLabel = "PATH", arity = "1..*", description = "bpm.yml files, monit files (monit, *.monit), directories to search, or release directories (jobs/JOB/spec) whose templates are rendered and checked.")
    List<Path> paths;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        PrintStream err = System.err;
        List<Path> files = new ArrayList<>();
        List<Path> loneMonitFiles = new ArrayList<>();
        boolean releaseProblem = false;
        List<Path> releases = new ArrayList<>();
        // paths that could not be read: said on stderr, and findings of the JSON and SARIF output
        // (a missing folder must not look like a clean run in CI)
        List<Diagnostic> unreadable = new ArrayList<>();
        for (Path p : paths) {
            try {
                if (Files.isDirectory(p) && ReleaseLint.isRelease(p)) {
                    releases.add(p); // templates, not rendered files: rendered below
                    continue;
                }
                if (MonitLint.isMonitFile(p) && !Files.isDirectory(p)) {
                    if (!Files.exists(p)) throw new NoSuchFileException(p.toString());
                    loneMonitFiles.add(p);
                    continue;
                }
                List<Path> found = expand(p);
                if (found.isEmpty()) unreadable(p.toString(), "no bpm.yml or *.bpm.yml file in this directory", unreadable, err);
                files.addAll(found);
            } catch (NoSuchFileException e) {
                unreadable(p.toString(), "no such file or directory", unreadable, err);
            } catch (IOException e) {
                unreadable(p.toString(), describe(e), unreadable, err);
            }
        }
        if (monit != null && (files.size() != 1 || !loneMonitFiles.isEmpty())) {
            err.println("bpm lint: --monit " + monit + ": give exactly one bpm.yml to check it with (found "
                    + files.size() + (files.size() == 1 ? " bpm.yml" : " bpm.yml files")
                    + (loneMonitFiles.isEmpty() ? "" : " and " + loneMonitFiles.size() + " monit file(s)") + ")");
            return 2;
        }
        if (properties != null && releases.isEmpty()) {
            err.println("bpm lint: --properties is for a release directory (jobs/JOB/spec ...); none was given");
            return 2;
        }
        List<Diagnostic> all = new ArrayList<>();
        Map<String, SourceFile> sources = new LinkedHashMap<>();
        Set<Path> monitDone = new HashSet<>();
        int checked = 0;
        for (Path release : releases) {
            try {
                List<String> jobs = ReleaseLint.jobs(release);
                if (job != null && !jobs.contains(job)) {
                    err.println("bpm lint: " + release + " has no job '" + job + "' (jobs: " + String.join(", ", jobs) + ")");
                    releaseProblem = true;
                    continue;
                }
                ValuesFile values = properties == null ? ValuesFile.EMPTY : ValuesFile.read(properties, new HashSet<>(jobs));
                ReleaseLint.Result r = ReleaseLint.lint(release, new ReleaseLint.Options(compat, job, values,
                        properties == null ? null : properties.toString()));
                all.addAll(r.diagnostics());
                sources.putAll(r.sources());
                checked += r.checked();
            } catch (JobSpec.Invalid e) {
                err.println("bpm lint: --properties " + properties + (e.line() > 0 ? ":" + e.line() : "") + ": " + e.getMessage());
                return 2;
            } catch (NoSuchFileException e) {
                err.println("bpm lint: " + e.getFile() + ": no such file or directory");
                releaseProblem = true;
            } catch (IOException e) {
                err.println("bpm lint: " + release + ": " + Main.rootCause(e));
                releaseProblem = true;
            } catch (Engines.Unavailable e) {
                err.println("bpm lint: " + e.getMessage());
                return 2;
            }
        }
        for (Path f : files) {
            String display = f.toString();
            String jobName = job != null ? job : JobName.of(f);
            Optional<Frontend.Result> result = Optional.empty();
            try {
                switch (SourceLoader.load(f, display)) {
                    case SourceLoader.Text t -> {
                        sources.put(display, t.source());
                        result = Optional.of(Frontend.check(t.source(), new Frontend.Options(jobName, compat)));
                        all.addAll(result.get().diagnostics());
                    }
                    case SourceLoader.Refused r -> all.add(r.diagnostic());
                }
                checked++;
            } catch (IOException e) {
                unreadable(display, describe(e), unreadable, err);
                continue;
            }
            // The job's monit file, checked against this bpm.yml's processes.
            Optional<Path> companion = monit != null ? Optional.of(monit) : MonitLint.companionOf(f);
            if (companion.isPresent() && monitDone.add(companion.get().toAbsolutePath().normalize())) {
                if (lintMonit(companion.get(), jobName, result, all, sources, unreadable, err)) checked++;
            }
        }
        for (Path m : loneMonitFiles) {
            if (!monitDone.add(m.toAbsolutePath().normalize())) continue;
            if (lintMonit(m, job != null ? job : JobName.of(m), Optional.empty(), all, sources, unreadable, err)) checked++;
        }
        boolean ioProblem = releaseProblem || !unreadable.isEmpty();
        if (format != Format.text) all.addAll(unreadable);   // the text report has them on stderr
        all.sort(null);
        Report report = switch (format) {
            case text -> new TextReport(useColour());
            case json -> new JsonReport();
            case sarif -> new SarifReport(Version.get());
        };
        report.print(all, sources, checked, out);
        out.flush();
        if (ioProblem) return 2;
        return all.stream().anyMatch(d -> d.severity() == Severity.ERROR) ? 1 : 0;
    }

    /** Lints one monit file (with its job's bpm.yml when given); false on an I/O problem, already said. */
    private boolean lintMonit(Path file, String jobName, Optional<Frontend.Result> bpm, List<Diagnostic> all,
                              Map<String, SourceFile> sources, List<Diagnostic> unreadable, PrintStream err) {
        String display = file.toString();
        try {
            switch (SourceLoader.load(file, display, "monit file")) {
                case SourceLoader.Text t -> {
                    sources.put(display, t.source());
                    all.addAll(MonitLint.check(t.source(), new MonitLint.Options(jobName, compat), bpm));
                }
                case SourceLoader.Refused r -> all.add(r.diagnostic());
            }
            return true;
        } catch (IOException e) {
            unreadable(display, describe(e), unreadable, err);
            return false;
        }
    }

    /** A path that cannot be read: on stderr now, and a BPM007 finding for the JSON and SARIF output. */
    private static void unreadable(String path, String why, List<Diagnostic> unreadable, PrintStream err) {
        err.println("bpm lint: " + path + ": " + why);
        unreadable.add(new Diagnostic(Rule.UNREADABLE, Rule.UNREADABLE.severity(), path, io.bpm.compiler.source.Span.FILE, "",
                path + " cannot be read: " + why, "check the path; lint reads bpm.yml files, *.bpm.yml files and directories of them", null));
    }

    private boolean useColour() {
        return switch (colour) {
            case always -> true;
            case never -> false;
            case auto -> System.getenv("NO_COLOR") == null && System.console() != null && System.console().isTerminal();
        };
    }

    private static String describe(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
        if (e instanceof NoSuchFileException) return "no such file or directory";
        return Main.rootCause(e);
    }

    /** A file as itself; a directory as its bpm.yml and *.bpm.yml files, sorted, not following links. */
    static List<Path> expand(Path p) throws IOException {
        if (!Files.exists(p)) throw new NoSuchFileException(p.toString());
        if (!Files.isDirectory(p)) return List.of(p);
        try (Stream<Path> walk = Files.walk(p)) {
            return walk.filter(Files::isRegularFile)
                    .filter(f -> {
                        String n = f.getFileName().toString();
                        return n.equals("bpm.yml") || n.endsWith(".bpm.yml");
                    })
                    .sorted()
                    .toList();
        }
    }
}
