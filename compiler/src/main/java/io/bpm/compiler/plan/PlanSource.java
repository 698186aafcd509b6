package io.bpm.compiler.plan;

import io.bpm.compiler.Frontend;
import io.bpm.compiler.Version;
import io.bpm.compiler.diag.Diagnostic;
import io.bpm.compiler.source.SourceFile;
import io.bpm.compiler.source.SourceLoader;
import io.bpm.executor.plan.Plan;
import io.bpm.executor.plan.PlanCache;
import io.bpm.executor.plan.VerifiedPlan;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * bpm.yml compiled into the verified plan of one process, as start, stop and run compile it
 * (what bpm 1.4 starts, this bpm starts). The plan cache is the executor's
 * ({@code JobProcess.plan}): it asks for a compile, through {@code cli/CompiledPlans}, only
 * when the cache misses, so a start on an unchanged job touches no YAML, schema or JSON class.
 */
public final class PlanSource {
    private PlanSource() {
    }

    /** A plan ready to apply, and the findings of its compile that did not stop it (warnings). */
    public record Provided(VerifiedPlan plan, List<Diagnostic> findings) {
        public Provided {
            findings = List.copyOf(findings);
        }

        /** The plan text, as start saves it for stop. */
        public String text() {
            return plan.text();
        }
    }

    /** bpm.yml does not compile: its findings, ready to print. */
    public static final class CompileFailure extends Exception {
        private final List<Diagnostic> diagnostics;

        CompileFailure(String message, List<Diagnostic> diagnostics) {
            super(message);
            this.diagnostics = List.copyOf(diagnostics);
        }

        public List<Diagnostic> diagnostics() {
            return diagnostics;
        }
    }

    /**
     * The plan of {@code bpm run}: bpm.yml with the command line's volumes and variables added
     * (checked like the file). Compiled every time and not cached: the arguments change from run
     * to run, and the plan is not needed after the run.
     */
    public static Provided forRun(Path bpmYml, String job, String process, String init, io.bpm.compiler.RunArguments arguments)
            throws IOException, CompileFailure {
        return compile(bpmYml, Files.readAllBytes(bpmYml), job, process, init, arguments);
    }

    /** The compiler version a plan for this init carries, and the plan cache's key with it. */
    public static String versionFor(String init) {
        return init.equals(LowerOptions.DEFAULT_INIT) ? Version.get()
                : Version.get() + "+init-" + PlanCache.sha256(init.getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }

    /**
     * The verified plan of {@code process} compiled from these bytes of {@code bpmYml} (not
     * cached), with run's arguments added.
     */
    public static Provided compile(Path bpmYml, byte[] bytes, String job, String process, String init,
                                   io.bpm.compiler.RunArguments arguments) throws CompileFailure {
        String version = versionFor(init);
        SourceFile source = switch (SourceLoader.decode(bytes, bpmYml.toString())) {
            case SourceLoader.Text t -> t.source();
            case SourceLoader.Refused r -> throw new CompileFailure(bpmYml + " cannot be read", List.of(r.diagnostic()));
        };
        // What bpm 1.4 starts, start starts: the findings --compat downgrades are warnings here too
        Frontend.Result checked = Frontend.check(source, new Frontend.Options(job, true), process, arguments);
        Stopping stopping = Stopping.of(checked, process);
        List<Diagnostic> errors = checked.diagnostics().stream().filter(stopping::stops).toList();
        if (!errors.isEmpty()) {
            throw new CompileFailure("failed to parse job configuration: " + (arguments.isEmpty() ? bpmYml + " has errors"
                    : bpmYml + " with the command line's -v/-e has errors"), errors);
        }
        if (checked.config().flatMap(c -> c.process(process)).isEmpty()) {
            throw new CompileFailure("process \"" + process + "\" not present in job configuration (" + bpmYml + ")", List.of());
        }
        List<Diagnostic> findings = checked.diagnostics().stream().filter(stopping::concerns).toList();
        Plan plan = Lowering.lower(checked, process, new LowerOptions(job, version, init));
        return new Provided(VerifiedPlan.of(plan), findings);
    }

    /**
     * Which findings stop the start of one process, as in bpm 1.4: an error it refuses the whole
     * file for (on load), or an error of this process; an error of a sibling process that bpm 1.4
     * only meets when it starts that sibling (an empty hook, open_files: 0) does not.
     *
     * @param own the JSON pointer of the process started ("/processes/N"), or null when absent
     */
    public record Stopping(String own) {
        public static Stopping of(Frontend.Result checked, String process) {
            List<io.bpm.compiler.model.Process> all = checked.config().map(io.bpm.compiler.model.BpmConfig::processes).orElse(List.of());
            for (var p : all) {
                if (p.name().equals(process)) return new Stopping(p.pointer());
            }
            return new Stopping(null);
        }

        /** Whether the finding is about another process than the one started. */
        boolean sibling(Diagnostic d) {
            return d.pointer().startsWith("/processes/") && (own == null || !(d.pointer().equals(own) || d.pointer().startsWith(own + "/")));
        }

        public boolean stops(Diagnostic d) {
            return d.severity() == io.bpm.compiler.diag.Severity.ERROR && (d.rule().refusedOnLoad() || !sibling(d));
        }

        /** The findings worth telling who starts this process: its own and the file's, not a sibling's. */
        public boolean concerns(Diagnostic d) {
            return !sibling(d);
        }
    }
}
