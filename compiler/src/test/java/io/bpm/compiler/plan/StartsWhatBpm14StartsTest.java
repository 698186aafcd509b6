package io.bpm.compiler.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.bpm.compiler.Frontend;
import io.bpm.compiler.RunArguments;
import io.bpm.compiler.cli.JobName;
import io.bpm.compiler.diag.Diagnostic;
import io.bpm.compiler.diag.Rule;
import io.bpm.compiler.diag.Severity;
import io.bpm.compiler.golden.Golden;
import io.bpm.compiler.source.SourceFile;
import io.bpm.compiler.source.SourceLoader;
import io.bpm.executor.plan.InvalidPlanException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What bpm 1.4 starts, start starts (issue 14 §1): start and run compile with the findings
 * {@code --compat} downgrades as warnings, only what bpm 1.4 refuses (and a sandbox escape) stops
 * them, and {@code lint --compat} and start agree on what is an error. Through
 * {@link PlanSource#forRun}, the compile start and run use.
 */
class StartsWhatBpm14StartsTest {

    @TempDir
    Path dir;

    /** The outcome of start's compile of one process: the findings that stopped it, or none. */
    private record Outcome(boolean started, List<Diagnostic> findings, String failure) {
    }

    private static Outcome start(Path yml, String job, String process) throws IOException {
        try {
            PlanSource.Provided p = PlanSource.forRun(yml, job, process, LowerOptions.DEFAULT_INIT, RunArguments.NONE);
            return new Outcome(true, p.findings(), null);
        } catch (PlanSource.CompileFailure e) {
            return new Outcome(false, e.diagnostics(), e.getMessage());
        } catch (IllegalArgumentException | InvalidPlanException e) {
            // lint --compat found no error that stops this process, yet it does not compile: they disagree
            return new Outcome(false, List.of(), "does not compile: " + e.getMessage());
        }
    }

    private static List<String> processNames(Path yml, String job) throws IOException {
        Frontend.Result r = check(yml, job);
        return r.config().map(c -> c.processes().stream().map(io.bpm.compiler.model.Process::name).distinct().toList())
                .orElse(List.of());
    }

    private static Frontend.Result check(Path yml, String job) throws IOException {
        SourceFile source = switch (SourceLoader.load(yml, yml.toString())) {
            case SourceLoader.Text t -> t.source();
            case SourceLoader.Refused r -> null;
        };
        if (source == null) return null;
        return Frontend.check(source, new Frontend.Options(job, true));
    }

    /**
     * Start's verdict on every process of a file equals lint --compat's: it starts exactly when
     * lint --compat has no error that stops it (its own, or one bpm 1.4 refuses the file for), and
     * a refusal names exactly those errors.
     */
    private static void agree(Path yml, String job, List<String> problems) throws IOException {
        Frontend.Result linted = check(yml, job);
        if (linted == null) return;   // refused before any rule: no process to start
        for (String process : processNames(yml, job)) {
            PlanSource.Stopping stopping = PlanSource.Stopping.of(linted, process);
            List<Diagnostic> stops = linted.diagnostics().stream().filter(stopping::stops).toList();
            Outcome o = start(yml, job, process);
            if (o.started() != stops.isEmpty()) {
                problems.add(yml + " -p " + process + ": lint --compat errors " + codes(stops) + " but start "
                        + (o.started() ? "starts it" : "refuses it: " + o.failure()));
            } else if (!o.started() && !codes(o.findings()).equals(codes(stops))) {
                problems.add(yml + " -p " + process + ": start refuses with " + codes(o.findings()) + ", lint --compat " + codes(stops));
            }
            if (o.started() && o.findings().stream().anyMatch(d -> d.severity() == Severity.ERROR && stopping.stops(d))) {
                problems.add(yml + " -p " + process + ": started despite an error");
            }
        }
    }

    private static Set<String> codes(List<Diagnostic> ds) {
        Set<String> c = new TreeSet<>();
        ds.forEach(d -> c.add(d.rule().code()));
        return c;
    }

    /** The corpus, and one copy of each corpus file with a misspelt key, start as bpm 1.4 starts them. */
    @Test
    void theCorpusAndItsMisspeltCopiesStart() throws IOException {
        Path corpus = Golden.corpus();
        List<Path> files = Golden.configs(corpus);
        Set<String> known = new TreeSet<>();
        for (String line : Files.readAllLines(Golden.repo().resolve("golden/corpus/known-defects.txt"))) {
            if (!line.isBlank() && !line.startsWith("#") && !line.split("\\s+")[0].endsWith(".monit")) {
                known.add(line.split("\\s+")[0]);
            }
        }
        List<String> problems = new ArrayList<>();
        int started = 0;
        int misspelt = 0;
        for (Path f : files) {
            String rel = corpus.relativize(f).toString();
            String job = JobName.fromFileName(f.getFileName().toString());
            String text = Files.readString(f);
            Path copy = dir.resolve(f.getFileName().toString());
            Files.writeString(copy, misspell(text));
            for (Path yml : List.of(f, copy)) {
                boolean isCopy = yml == copy;
                boolean warned = false;   // the process with the misspelt key is told, with its code
                for (String process : processNames(yml, job)) {
                    Outcome o = start(yml, job, process);
                    if (known.contains(rel)) {
                        if (o.started()) problems.add(rel + ": a known defect (bpm 1.4 refuses it) started");
                        continue;
                    }
                    if (!o.started()) {
                        problems.add((isCopy ? "misspelt copy of " : "") + rel + " -p " + process + " does not start: " + o.failure()
                                + " " + codes(o.findings()));
                        continue;
                    }
                    started++;
                    if (isCopy) {
                        misspelt++;
                        warned |= o.findings().stream().anyMatch(d -> d.rule() == Rule.UNKNOWN_KEY
                                && d.severity() == Severity.WARNING && d.message().contains("\"enviroment\""));
                    }
                }
                if (isCopy && !warned && !known.contains(rel) && !processNames(yml, job).isEmpty()) {
                    problems.add("misspelt copy of " + rel + ": no BPM101 warning for enviroment");
                }
                agree(yml, job, problems);
            }
        }
        assertEquals(List.of(), problems);
        assertTrue(misspelt > 160, "misspelt copies started: " + misspelt);
        assertTrue(started > 330, "processes started: " + started);
    }

    /** The config with its first "env:" key misspelt, or, without one, a misspelt key added to its first process. */
    static String misspell(String text) {
        Matcher env = Pattern.compile("(?m)^(\\s*-?\\s*)env:").matcher(text);
        if (env.find()) return text.substring(0, env.start()) + env.group(1) + "enviroment:" + text.substring(env.end());
        Matcher name = Pattern.compile("(?m)^(\\s*)-(\\s+)name:").matcher(text);
        if (!name.find()) return "enviroment: {}\n" + text;   // a file without processes: a misspelt key at the top
        String indent = name.group(1) + " " + name.group(2);
        return text.substring(0, name.start()) + name.group(1) + "-" + name.group(2) + "enviroment: {}\n" + indent + "name:"
                + text.substring(name.end());
    }

    /** Every golden lint input: start and lint --compat agree on every process. */
    @Test
    void lintCompatAndStartAgreeOnEveryGoldenInput() throws IOException {
        List<String> problems = new ArrayList<>();
        List<Path> inputs;
        try (var s = Files.walk(Golden.repo().resolve("golden/lint"))) {
            inputs = s.filter(p -> p.toString().endsWith(".yml")).sorted().toList();
        }
        for (Path yml : inputs) {
            agree(yml, "web", problems);
        }
        assertEquals(List.of(), problems);
        assertTrue(inputs.size() > 100, "inputs: " + inputs.size());
    }

    /** The four findings of the issue start with warnings; a writable /etc, a sandbox escape, does not. */
    @Test
    void theIssuesFindingsStartAndAnEscapeDoesNot() throws IOException, PlanSource.CompileFailure {
        Path yml = dir.resolve("compat.bpm.yml");
        Files.writeString(yml, """
                processes:
                - name: compat
                  executable: bin/server
                  enviroment: {A: b}
                  capabilities: [CAP_NET_BIND_SERVICE, NET_RAW]
                  unsafe:
                    unrestricted_volumes:
                    - {path: /dev/log, writable: true}
                """);
        Outcome o = start(yml, "compat", "compat");
        assertTrue(o.started(), o.failure());
        assertEquals(Set.of("BPM101", "BPM305", "BPM309", "BPM327"), codes(o.findings()));
        assertTrue(o.findings().stream().allMatch(d -> d.severity() == Severity.WARNING), o.findings().toString());
        PlanSource.Provided p = PlanSource.forRun(yml, "compat", "compat", LowerOptions.DEFAULT_INIT, RunArguments.NONE);
        assertTrue(p.text().contains("mount-glob /dev/log rbind,noexec,nosuid,nodev,rw"), p.text());
        assertTrue(p.text().contains("capabilities bounding=CAP_NET_RAW inheritable"), "CAP_CAP_ is dropped as runc drops it");
        assertTrue(p.text().contains("-- bin/server"), p.text());

        for (String escape : List.of("/etc", "/usr/lib", "/lib32", "/", "/var/vcap/data/bpm", "/var/vcap/sys/run/bpm-state")) {
            Files.writeString(yml, """
                    processes:
                    - name: compat
                      executable: /bin/true
                      unsafe:
                        unrestricted_volumes:
                        - {path: %s, writable: true}
                    """.formatted(escape));
            Outcome refused = start(yml, "compat", "compat");
            assertFalse(refused.started(), escape);
            assertTrue(codes(refused.findings()).contains("BPM326") || codes(refused.findings()).contains("BPM323"),
                    escape + ": " + refused.findings());
        }
    }

    /** A sibling's error that bpm 1.4 meets only when it starts the sibling does not stop this process. */
    @Test
    void aSiblingsStartTimeErrorStopsOnlyTheSibling() throws IOException {
        Path yml = dir.resolve("two.bpm.yml");
        Files.writeString(yml, """
                processes:
                - name: two
                  executable: /bin/true
                - name: other
                  executable: /bin/true
                  hooks: {}
                  limits: {open_files: 0}
                """);
        assertTrue(start(yml, "two", "two").started());
        Outcome other = start(yml, "two", "other");
        assertFalse(other.started());
        assertEquals(Set.of("BPM310", "BPM312"), codes(other.findings()));
        // what bpm 1.4 refuses on load stops every process
        Files.writeString(yml, """
                processes:
                - name: two
                  executable: /bin/true
                - name: other
                  executable: /bin/true
                  shutdown_signal: KILL
                """);
        Outcome two = start(yml, "two", "two");
        assertFalse(two.started());
        assertEquals(Set.of("BPM206"), codes(two.findings()));
    }
}
