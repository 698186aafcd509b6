package io.bpm.executor.lifecycle;

import io.bpm.executor.host.BoundPlan;
import io.bpm.executor.host.EventLog;
import io.bpm.executor.host.JobCgroup;
import io.bpm.executor.host.LifecycleLock;
import io.bpm.executor.host.ProcessIdentity;
import io.bpm.executor.host.StateStore;
import io.bpm.executor.launch.HostHook;
import io.bpm.executor.launch.LaunchFailure;
import io.bpm.executor.launch.LaunchPlan;
import io.bpm.executor.launch.TapeBuilder;
import io.bpm.executor.plan.Step;
import io.bpm.executor.plan.VerifiedPlan;
import io.bpm.executor.sys.Nr;
import io.bpm.executor.sys.Sys;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code bpm start JOB [-p PROC]}, the lifecycle beside {@link Stopper}'s. The order is bpm's
 * (bpm-behaviour.md §6.3): bpm.log, lifecycle lock, state (running: done, its pid file
 * restored if a killed start lost it; stale: cleaned), bpm 1.x's container (running: left
 * alone), processes no start recorded (killed), the plan (cached, else from the compiler; both
 * got before the lock, their report made under it: see {@link EarlyPlan}),
 * launch, state and plan saved for stop, pid file. A failure after the launch undoes it: nothing
 * of a failed start keeps running.
 */
public final class Starter {

    private Starter() {
    }

    /**
     * Starts JOB/PROC unless it runs already.
     *
     * @param compiler compiles bpm.yml when the plan cache misses
     * @param init     the init the plan is made for (part of the cache key)
     * @param fault    where a reliability test kills the start, else {@link LaunchPlan.Fault#NONE}
     * @throws JobProcess.Failed with the message the command ends with; it is in bpm.log too
     */
    public static void start(JobProcess jp, PlanSupplier compiler, String init, PrintStream err, LaunchPlan.Fault fault)
            throws IOException, JobProcess.Failed {
        EarlyPlan early = EarlyPlan.of(jp, compiler, init);   // while the FFM handle is made: see EarlyPlan
        try (EventLog log = jp.events("start", true, err)) {
            log.info("starting");
            // every failure, the lock's and the state's included, ends in bpm.log with its cause
            try (LifecycleLock lock = jp.lock(log)) {
                StateStore store = jp.store();
                Optional<StateStore.State> state = jp.readState(store, "start", err);
                if (state.isPresent()) {
                    if (StateStore.isOurs(state.get())) {
                        log.info("process-already-running");
                        if (jp.restorePidFile(store, state.get())) {
                            log.info("pid-file-restored");
                            err.println("bpm start: warning: " + jp.who() + " was running without its pid file (a start killed "
                                    + "midway): the pid file names it again");
                        }
                        return; // running: leave it alone, even if bpm.yml changed (as bpm)
                    }
                    log.info("removing-stopped-process");
                    jp.cleanStale(store, state.get(), log);
                }
                if (UpgradeInPlace.runningBefore(jp, log, err)) {
                    return; // bpm 1.x's runc runs it: left alone like any running job, until a stop
                }
                jp.sweepUnrecorded(log, "start", err);
                launch(jp, early.use(jp, compiler, init, log, err), early.prepared(), store, log, err, fault);
                log.info("complete");
            } catch (JobProcess.Failed | IOException | RuntimeException e) {
                log.error("failed-to-start", e instanceof JobProcess.Failed ? e.getMessage() : JobProcess.rootCause(e));
                throw e;
            }
        }
    }

    private static void launch(JobProcess jp, VerifiedPlan plan, LaunchPlan.Prepared prepared, StateStore store, EventLog log,
                               PrintStream err, LaunchPlan.Fault fault) throws IOException, JobProcess.Failed {
        LaunchPlan.Started started;
        try {
            started = LaunchPlan.start(plan, jp.facts, LaunchPlan.Options.defaults(JobProcess.SECCOMP).withPreStart(HostHook.INSTANCE)
                    .withFault(fault).withCgroups(jp.cgroupLayout()).withPrepared(prepared));
        } catch (LaunchFailure e) {
            String m = e.getMessage();
            throw new JobProcess.Failed(m.startsWith("cannot start ") ? "failed to start job-process " + m.substring(13) : m);
        }
        BoundPlan bound = started.plan();
        for (String skipped : started.skipped()) {
            if (skipped.contains(TapeBuilder.PRIVILEGED_MISSING)) err.println("bpm start: warning: " + skipped);
        }
        try {
            if (!Path.of(bound.stateDir()).equals(store.directory())) {
                throw new IOException("the plan's state-dir " + bound.stateDir() + " is not " + store.directory());
            }
            ProcessIdentity id = ProcessIdentity.of(started.pid()).orElse(null);
            if (id == null) {
                throw new IOException("the init (pid " + started.pid() + ") exited right after it started; see "
                        + bound.log(Step.LogStream.STDERR));
            }
            store.save(plan.text(), StateStore.State.of(id, started.cgroup()));
            log.info("cgroup", "cgroup", started.cgroup().describe().concat(", made in ")
                    .concat(Long.toString(Math.round(started.timings().cgroup() / 1e6))).concat(" ms"));
            fault.at(LaunchPlan.Phase.STATE_SAVED);
            StateStore.writePidFile(Path.of(bound.pidFile()), started.pid());
        } catch (IOException | RuntimeException e) {
            undo(started, store, bound, err);
            throw new JobProcess.Failed("failed to start job-process " + jp.who() + ": " + JobProcess.rootCause(e));
        } finally {
            Sys.raw(Nr.CLOSE, started.pidfd());
        }
    }

    private static void undo(LaunchPlan.Started started, StateStore store, BoundPlan bound, PrintStream err) {
        try {
            started.cgroup().kill(JobProcess.CGROUP_TIMEOUT, JobCgroup.Killer.SIGKILL);
            Sys.waitPidfd(started.pidfd());
            started.cgroup().remove(JobProcess.CGROUP_TIMEOUT);
            StateStore.removePidFile(Path.of(bound.pidFile()));
            store.remove();
        } catch (IOException | RuntimeException e) {
            err.println("bpm start: could not undo the start: " + JobProcess.rootCause(e));
        }
    }
}
