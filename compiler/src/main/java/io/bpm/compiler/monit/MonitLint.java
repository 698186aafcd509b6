package io.bpm.compiler.monit;

import io.bpm.compiler.Frontend;
import io.bpm.compiler.diag.Diagnostic;
import io.bpm.compiler.diag.Findings;
import io.bpm.compiler.parse.Locations;
import io.bpm.compiler.source.SourceFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code bpm lint} for a job's monit file: the syntax, then every monit rule, cross-checked
 * with the job's bpm.yml when that was linted alongside. The one entry point the CLI and the
 * tests share.
 */
public final class MonitLint {
    private MonitLint() {
    }

    /** @param job the job the monit file belongs to, or null when unknown */
    public record Options(String job, boolean compat) {
    }

    /**
     * All findings of a monit file, sorted: those in the monit file, and (with {@code bpm}) the
     * processes of bpm.yml no check starts, reported in bpm.yml.
     *
     * @param bpm the job's bpm.yml as {@link Frontend#check} read it, when it is linted too
     */
    public static List<Diagnostic> check(SourceFile monit, Options options, Optional<Frontend.Result> bpm) {
        Findings inMonit = new Findings(monit.displayName(), options.compat());
        Findings inBpm = new Findings(bpm.map(r -> r.source().displayName()).orElse(monit.displayName()), options.compat());
        MonitReader.read(monit, inMonit).ifPresent(file -> MonitRules.check(file, new MonitRules.Context(
                options.job(),
                bpm.flatMap(Frontend.Result::config),
                bpm.map(Frontend.Result::locations).orElseGet(Locations::new),
                inMonit, inBpm, monit.displayName())));
        List<Diagnostic> all = new ArrayList<>(inMonit.sorted());
        all.addAll(inBpm.sorted());
        all.sort(null);
        return all;
    }

    /** A path the CLI lints as a monit file: named {@code monit} (jobs/JOB/monit) or {@code *.monit}. */
    public static boolean isMonitFile(Path p) {
        Path name = p.getFileName();
        return name != null && (name.toString().equals("monit") || name.toString().endsWith(".monit"));
    }

    /**
     * The monit file of the job a bpm.yml belongs to, when it exists: {@code X.monit} beside
     * {@code X.bpm.yml} (rendered templates kept side by side), or {@code jobs/JOB/monit} for
     * {@code jobs/JOB/config/bpm.yml} (a BOSH VM's layout). Relative as the bpm.yml was given.
     */
    public static Optional<Path> companionOf(Path bpmYml) {
        String name = bpmYml.getFileName() == null ? "" : bpmYml.getFileName().toString();
        Path candidate = null;
        if (name.endsWith(".bpm.yml") && name.length() > ".bpm.yml".length()) {
            candidate = bpmYml.resolveSibling(name.substring(0, name.length() - ".bpm.yml".length()) + ".monit");
        } else {
            Path abs = bpmYml.toAbsolutePath().normalize();
            Path dir = abs.getParent();
            if (dir != null && dir.getFileName() != null && dir.getFileName().toString().equals("config") && dir.getParent() != null) {
                Path monit = dir.getParent().resolve("monit");
                candidate = bpmYml.isAbsolute() ? monit : Path.of("").toAbsolutePath().relativize(monit);
            }
        }
        return candidate != null && Files.isRegularFile(candidate) ? Optional.of(candidate) : Optional.empty();
    }
}
