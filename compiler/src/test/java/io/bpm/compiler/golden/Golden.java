package io.bpm.compiler.golden;

import io.bpm.compiler.Frontend;
import io.bpm.compiler.diag.Diagnostic;
import io.bpm.compiler.monit.MonitLint;
import io.bpm.compiler.report.TextReport;
import io.bpm.compiler.source.SourceFile;
import io.bpm.compiler.source.SourceLoader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.approvaltests.Approvals;
import org.approvaltests.core.Options;
import org.approvaltests.reporters.QuietReporter;

/** Shared plumbing of the golden tests: where things are, linting to text, approving. */
public final class Golden {
    private Golden() {
    }

    /** The repository root (tests run in a module directory). */
    public static Path repo() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("golden"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("cannot find the repository root (a folder with golden/) above " + Path.of("").toAbsolutePath());
        return p;
    }

    /** ../shared/corpus/real beside the repository, as on every developer machine and in CI. */
    public static Path corpus() {
        Path c = repo().resolve("../shared/corpus/real").normalize();
        if (!Files.isDirectory(c)) {
            throw new IllegalStateException("the shared corpus is missing at " + c + "; it is laid beside the checkout on every machine and in CI");
        }
        return c;
    }

    public static List<Path> configs(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(f -> f.getFileName().toString().endsWith(".bpm.yml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Lint results of some files, as the CLI would compute them. */
    public record Linted(List<Diagnostic> diagnostics, Map<String, SourceFile> sources, int files) {
        public String text() {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
                new TextReport(false).print(diagnostics, sources, files, out);
            }
            return buf.toString(StandardCharsets.UTF_8);
        }
    }

    /** Lints files with display names relative to {@code base}, with this job (null: unknown). */
    public static Linted lint(Path base, List<Path> files, String job, boolean compat) {
        List<Diagnostic> all = new ArrayList<>();
        Map<String, SourceFile> sources = new LinkedHashMap<>();
        for (Path f : files) {
            String display = base.relativize(f).toString();
            try {
                switch (SourceLoader.load(f, display)) {
                    case SourceLoader.Text t -> {
                        sources.put(display, t.source());
                        all.addAll(Frontend.check(t.source(), new Frontend.Options(job, compat)).diagnostics());
                    }
                    case SourceLoader.Refused r -> all.add(r.diagnostic());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        all.sort(null);
        return new Linted(all, sources, files.size());
    }

    /**
     * Lints a monit file as the CLI does: with the job's bpm.yml (checked too, its processes
     * cross-checked) when {@code bpmYml} is not null, else alone. Display names relative to {@code base}.
     */
    public static Linted lintMonit(Path base, Path bpmYml, Path monit, String job, boolean compat) {
        List<Diagnostic> all = new ArrayList<>();
        Map<String, SourceFile> sources = new LinkedHashMap<>();
        try {
            Optional<Frontend.Result> bpm = Optional.empty();
            if (bpmYml != null) {
                String display = base.relativize(bpmYml).toString();
                switch (SourceLoader.load(bpmYml, display)) {
                    case SourceLoader.Text t -> {
                        sources.put(display, t.source());
                        bpm = Optional.of(Frontend.check(t.source(), new Frontend.Options(job, compat)));
                        all.addAll(bpm.get().diagnostics());
                    }
                    case SourceLoader.Refused r -> all.add(r.diagnostic());
                }
            }
            String display = base.relativize(monit).toString();
            switch (SourceLoader.load(monit, display, "monit file")) {
                case SourceLoader.Text t -> {
                    sources.put(display, t.source());
                    all.addAll(MonitLint.check(t.source(), new MonitLint.Options(job, compat), bpm));
                }
                case SourceLoader.Refused r -> all.add(r.diagnostic());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        all.sort(null);
        return new Linted(all, sources, bpmYml == null ? 1 : 2);
    }

    /** Every file under {@code dir} whose name ends with {@code suffix}, sorted. */
    public static List<Path> files(Path dir, String suffix) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(f -> f.getFileName().toString().endsWith(suffix)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Approves {@code text} as {@code dir/base.approved.txt}. */
    public static void verify(String text, Path dir, String base) {
        Approvals.verify(text, new Options().withReporter(new QuietReporter())
                .forFile().withNamer(new GoldenNamer(dir.toFile(), base)));
    }
}
