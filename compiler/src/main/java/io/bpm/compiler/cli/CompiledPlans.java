package io.bpm.compiler.cli;

import io.bpm.compiler.RunArguments;
import io.bpm.compiler.diag.Diagnostic;
import io.bpm.compiler.plan.LowerOptions;
import io.bpm.compiler.plan.PlanSource;
import io.bpm.compiler.report.TextReport;
import io.bpm.executor.host.EventLog;
import io.bpm.executor.lifecycle.JobProcess;
import io.bpm.executor.lifecycle.PlanSupplier;
import io.bpm.executor.plan.InvalidPlanException;
import io.bpm.executor.plan.VerifiedPlan;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * The compiler as the executor's lifecycle asks it for a plan ({@link PlanSupplier}): bpm.yml
 * compiled as {@code bpm start} compiles it (what bpm 1.4 starts, this bpm starts: findings that
 * do not stop the process are printed as lint prints them and logged, each with its code), with
 * run's command-line arguments added when there are any. Only loaded classes of the compiler's
 * when the plan cache misses.
 */
final class CompiledPlans implements PlanSupplier {

    /** The plans of start and stop (no arguments: RunArguments is not even loaded on a cache hit). */
    static final CompiledPlans START = new CompiledPlans(null);

    /** run's arguments, or null for none. */
    private final RunArguments arguments;

    CompiledPlans(RunArguments arguments) {
        this.arguments = arguments;
    }

    /** The init: the option, else $BPM_INIT, else bpm's. */
    static String init(String option) {
        if (option != null) return option;
        String env = System.getenv(JobProcess.INIT_VARIABLE);
        return env != null && !env.isEmpty() ? env : LowerOptions.DEFAULT_INIT;
    }

    @Override
    public String cacheVersion(String init) {
        return PlanSource.versionFor(init);
    }

    @Override
    public VerifiedPlan compile(Request r) throws JobProcess.Failed {
        JobProcess jp = r.job();
        try {
            PlanSource.Provided provided = PlanSource.compile(r.bpmYml(), r.bytes(), jp.job, jp.process, r.init(),
                    arguments == null ? RunArguments.NONE : arguments);
            report(provided.findings(), jp, r.command(), r.log(), r.err());
            return provided.plan();
        } catch (PlanSource.CompileFailure e) {
            if (!e.diagnostics().isEmpty()) new TextReport(false).print(e.diagnostics(), Map.of(), 1, r.err());
            if (r.log() != null) e.diagnostics().forEach(d -> r.log().error("config-error", finding(d)));
            throw new JobProcess.Failed("failed to " + r.command() + " " + jp.who() + ": " + e.getMessage());
        } catch (IllegalArgumentException | InvalidPlanException e) {
            throw new JobProcess.Failed("failed to " + r.command() + " " + jp.who() + ": cannot compile " + r.bpmYml() + ": "
                    + e.getMessage());
        }
    }

    /** Findings of a compile that did not stop the command: on err as lint prints them, and in bpm.log. */
    private static void report(List<Diagnostic> findings, JobProcess jp, String command, EventLog log, PrintStream err) {
        if (findings.isEmpty()) return;
        new TextReport(false).print(findings, Map.of(), 1, err);
        err.println("bpm " + command + ": " + jp.who() + " goes on: bpm 1.4 starts this configuration too (bpm lint shows the findings)");
        if (log != null) findings.forEach(d -> log.warning("config-" + d.severity().word(), finding(d)));
    }

    /** One finding on one line, with its code, for bpm.log. */
    static String finding(Diagnostic d) {
        return d.file() + ":" + d.span().line() + ":" + d.span().column() + ": " + d.severity().word() + "[" + d.rule().code() + "]: "
                + d.message();
    }

}
