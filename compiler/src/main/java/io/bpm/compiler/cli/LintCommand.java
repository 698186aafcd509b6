package io.bpm.compiler.cli;

import io.bpm.compiler.Frontend;
import io.bpm.compiler.Version;
import io.bpm.compiler.diag.Diagnostic;
import io.bpm.compiler.diag.Severity;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code bpm lint}: check bpm.yml files against the schema and every rule. */
@Command(name = "lint", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = {"Check bpm.yml files against the bpm.yml schema and every rule bpm applies, plus what it silently lets through.",
                "",
                "PATH is a bpm.yml (any file name) or a directory searched recursively for bpm.yml and *.bpm.yml files.",
                "The job name comes from --job, else from a jobs/JOB/... path, else from a JOB.bpm.yml (or JOB--VARIANT.bpm.yml) file name."},
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

    @Parameters(paramLabel = "PATH", arity = "1..*", description = "bpm.yml files or directories to check.")
    List<Path> paths;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        PrintStream err = System.err;
        List<Path> files = new ArrayList<>();
        boolean ioProblem = false;
        for (Path p : paths) {
            try {
                List<Path> found = expand(p);
                if (found.isEmpty()) {
                    err.println("bpm lint: " + p + ": no bpm.yml or *.bpm.yml file in this directory");
                    ioProblem = true;
                }
                files.addAll(found);
            } catch (NoSuchFileException e) {
                err.println("bpm lint: " + p + ": no such file or directory");
                ioProblem = true;
            } catch (IOException e) {
                err.println("bpm lint: " + p + ": " + Main.rootCause(e));
                ioProblem = true;
            }
        }
        List<Diagnostic> all = new ArrayList<>();
        Map<String, SourceFile> sources = new LinkedHashMap<>();
        int checked = 0;
        for (Path f : files) {
            String display = f.toString();
            try {
                switch (SourceLoader.load(f, display)) {
                    case SourceLoader.Text t -> {
                        sources.put(display, t.source());
                        String jobName = job != null ? job : JobName.of(f);
                        all.addAll(Frontend.check(t.source(), new Frontend.Options(jobName, compat)).diagnostics());
                    }
                    case SourceLoader.Refused r -> all.add(r.diagnostic());
                }
                checked++;
            } catch (IOException e) {
                err.println("bpm lint: " + display + ": " + describe(e));
                ioProblem = true;
            }
        }
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
