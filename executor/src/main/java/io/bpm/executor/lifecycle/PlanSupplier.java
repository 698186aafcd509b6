package io.bpm.executor.lifecycle;

import io.bpm.executor.host.EventLog;
import io.bpm.executor.plan.VerifiedPlan;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Where the lifecycle gets a plan the plan cache does not hold: the compiler, which the executor
 * never depends on (the CLI hands it in). Called only when the cache misses (bpm.yml or the
 * compiler changed), for a dry run, and for bpm 1.x's jobs, whose stop signal is in bpm.yml.
 */
public interface PlanSupplier {

    /**
     * The compiler version a cached plan for this init must carry (part of the cache key): the
     * init is part of the plan.
     */
    String cacheVersion(String init);

    /**
     * Compiles bpm.yml afresh into a verified plan. Findings that do not stop the process are
     * reported on {@code err} and in the job's bpm.log ({@code log}, null when none is open).
     *
     * @throws JobProcess.Failed when bpm.yml does not compile (its findings reported), with
     *                           the message the command ends with
     */
    VerifiedPlan compile(Request request) throws JobProcess.Failed, IOException;

    /**
     * Whether {@link #compile} returns here, so that a start may compile before its lifecycle
     * lock and bpm.log, its report held ({@link EarlyPlan}); false for a supplier that may
     * replace this process instead (RestartForCompiler), which must meet bpm.log open.
     */
    default boolean compilesInPlace() {
        return true;
    }

    /** What to compile: the bytes of JOB's bpm.yml for PROC (read once, hashed for the cache). */
    record Request(JobProcess job, Path bpmYml, byte[] bytes, String init, String command, EventLog log, PrintStream err) {
    }
}
