package io.bpm.executor.lifecycle;

import io.bpm.executor.host.EventLog;
import io.bpm.executor.launch.LaunchFailure;
import io.bpm.executor.launch.LaunchPlan;
import io.bpm.executor.plan.PlanCache;
import io.bpm.executor.plan.VerifiedPlan;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The plan a start gets before its lifecycle lock, while the FFM handle is made
 * (Sys.prepareInBackground): a start can open bpm.log and take the lock only once that handle
 * exists, tens of ms into a fresh JVM, and the plan needs neither. It is the plan cache's, else
 * bpm.yml compiled now when the compiler compiles in this process; that compile's report
 * (findings for standard error and bpm.log, or the failure) is held and made only when the
 * start uses the plan, under the lock ({@link #use}): a start that finds its job running
 * reports nothing, as before.
 *
 * <p>Why it is the same plan: this is a read of bpm.yml a few ms before the lock, the bpm.yml of
 * a start made those ms earlier; the cache is written under the lock only. A look-up or
 * compile that fails for another reason than bpm.yml's findings (an I/O error) leaves nothing,
 * and the start gets its plan under the lock as it did before, reporting that failure there.
 *
 * <p>With the plan, the launch's parts that need no system call are made here too
 * ({@link LaunchPlan#prepare}: the bound plan and the seccomp program), in the same wait for the
 * FFM handle. They fail here only as they would under the lock: then nothing is kept, and the
 * launch makes them again and reports the failure there.
 */
final class EarlyPlan {

    private final VerifiedPlan plan;
    private final boolean cached;
    private final JobProcess.Failed failure;
    private final byte[] errors;
    private final EventLog events;
    private final String sha256;
    private final String version;
    private final LaunchPlan.Prepared prepared;

    private EarlyPlan(VerifiedPlan plan, boolean cached, JobProcess.Failed failure, byte[] errors, EventLog events,
                      String sha256, String version, LaunchPlan.Prepared prepared) {
        this.prepared = prepared;
        this.plan = plan;
        this.cached = cached;
        this.failure = failure;
        this.errors = errors;
        this.events = events;
        this.sha256 = sha256;
        this.version = version;
    }

    private static final EarlyPlan NONE = new EarlyPlan(null, false, null, null, null, null, null, null);

    /** JOB/PROC's plan before the lock: see the class comment. */
    static EarlyPlan of(JobProcess jp, PlanSupplier compiler, String init) {
        Path yml;
        byte[] bytes;
        String version;
        try {
            yml = jp.bpmYml();
            bytes = Files.readAllBytes(yml);
            version = compiler.cacheVersion(init);
            Optional<VerifiedPlan> hit = jp.lookUp(jp.planCache(), yml, bytes, version);
            if (hit.isPresent()) return new EarlyPlan(hit.get(), true, null, null, null, null, null, prepare(jp, hit.get()));
        } catch (IOException | RuntimeException e) {
            return NONE;
        }
        if (!compiler.compilesInPlace()) return NONE;
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        EventLog events = EventLog.held();
        String sha = PlanCache.sha256(bytes);
        try (PrintStream err = new PrintStream(errors, true, StandardCharsets.UTF_8)) {
            VerifiedPlan compiled = compiler.compile(new PlanSupplier.Request(jp, yml, bytes, init, "start", events, err));
            return new EarlyPlan(compiled, false, null, errors.toByteArray(), events, sha, version, prepare(jp, compiled));
        } catch (JobProcess.Failed f) {
            return new EarlyPlan(null, false, f, errors.toByteArray(), events, sha, version, null);
        } catch (IOException | RuntimeException e) {
            return NONE;
        }
    }

    /** The launch's parts made with the plan, or null (see the class comment). */
    private static LaunchPlan.Prepared prepare(JobProcess jp, VerifiedPlan plan) {
        try {
            return LaunchPlan.prepare(plan, jp.facts, JobProcess.SECCOMP);
        } catch (LaunchFailure | RuntimeException e) {
            return null;
        }
    }

    /** What {@link #use} returns was prepared with, or null: {@code LaunchPlan.start} makes it then. */
    LaunchPlan.Prepared prepared() {
        return prepared;
    }

    /**
     * The plan, under the lock: a compile's report made now (standard error, bpm.log) and its plan
     * stored in the cache; with nothing got early, {@link JobProcess#plan} as a start gets it.
     *
     * @throws JobProcess.Failed when bpm.yml did not compile, its findings reported
     */
    VerifiedPlan use(JobProcess jp, PlanSupplier compiler, String init, EventLog log, PrintStream err)
            throws JobProcess.Failed, IOException {
        if (cached) return plan;
        if (plan == null && failure == null) return jp.plan(compiler, init, true, "start", err);
        err.write(errors);
        err.flush();
        events.replayInto(log);
        if (failure != null) throw failure;
        jp.planCache().store(sha256, version, plan);
        return plan;
    }
}
