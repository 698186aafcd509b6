package io.bpm.compiler.cli;

import io.bpm.compiler.RunArguments;
import io.bpm.compiler.plan.LowerOptions;
import io.bpm.compiler.plan.PlanSource;
import io.bpm.executor.host.BoundPlan;
import io.bpm.executor.host.EventLog;
import io.bpm.executor.host.LifecycleLock;
import io.bpm.executor.host.ProcessIdentity;
import io.bpm.executor.host.StateStore;
import io.bpm.executor.launch.HostHook;
import io.bpm.executor.launch.LaunchFailure;
import io.bpm.executor.launch.LaunchPlan;
import io.bpm.executor.plan.Plan;
import io.bpm.executor.plan.Step;
import io.bpm.executor.sys.Nr;
import io.bpm.executor.sys.Sys;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code bpm start JOB [-p PROC]}: start one process of a job in its sandbox, unless it is
 * running already. The order is bpm's (bpm-behaviour.md §6.3): bpm.log, lifecycle lock, state
 * (running: done; stale: cleaned), plan (cached or compiled from
 * {@code $ROOT/jobs/JOB/config/bpm.yml}), launch, the executable checked in the job's view,
 * plan and state saved for stop, pid file.
 */
@Command(name = "start", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = {"Start PROCESS of JOB (default: the process named like the job) from $BPM_BOSH_ROOT/jobs/JOB/config/bpm.yml "
                + "($BPM_BOSH_ROOT defaults to /var/vcap). A process that is already running is left alone. "
                + "The compiled plan is cached in $BPM_BOSH_ROOT/data/bpm/plans/CONTAINER-ID. "
                + "Returns 0 once the job's init runs and the job's executable exists and is executable in the job's view.",
                "",
                "The init (PID 1 of the job) is " + LowerOptions.DEFAULT_INIT + " unless the environment variable BPM_INIT "
                + "or the expert option --init names another absolute path in the job's view (e.g. /usr/bin/tini)."},
        footer = {"", "Exit status: 0 running, 1 it could not be started (the reason on the last line of standard error), "
                + "2 usage problem (1 for a missing JOB, as in bpm 1.4)."})
final class StartCommand implements Callable<Integer> {

    /** Fault injection for the reliability tests (set only by a test's main); never by bpm itself. */
    static LaunchPlan.Fault fault = LaunchPlan.Fault.NONE;

    @Mixin
    JobArguments job = new JobArguments();

    @Mixin
    LaunchOptions launch = new LaunchOptions();

    @Override
    public Integer call() {
        PrintStream err = System.err;
        return job.run("start", err, proc -> {
            JobProcess jp = JobProcess.of(job.job, proc, true);
            return launch.dryRun ? dryRun(jp, launch.init(), RunArguments.NONE, null, System.out, err) : start(jp, err);
        });
    }

    /** The dry run of start and run: prints the launch of a freshly compiled plan, writes nothing. */
    static int dryRun(JobProcess jp, String init, RunArguments arguments, LaunchPlan.Output output, PrintStream out, PrintStream err)
            throws JobProcess.Failed, IOException {
        Optional<StateStore.State> state = jp.store().readState();
        if (state.isPresent() && StateStore.isOurs(state.get())) {
            out.println("# " + jp.who() + " is running (pid " + state.get().process().pid() + "): a start would leave it alone");
        }
        PlanSource.Provided provided = jp.plan(init, arguments, false, "start", err);
        LaunchPlan.Options options = LaunchPlan.Options.defaults(JobProcess.SECCOMP).withOutput(output);
        try {
            for (String line : LaunchPlan.describe(provided.plan().plan(), jp.facts, options)) {
                out.println(line);
            }
        } catch (LaunchFailure e) {
            throw new JobProcess.Failed(e.getMessage());
        }
        return 0;
    }

    private int start(JobProcess jp, PrintStream err) throws IOException, JobProcess.Failed {
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
                        return 0; // running: leave it alone, even if bpm.yml changed (as bpm)
                    }
                    log.info("removing-stopped-process");
                    jp.cleanStale(store, state.get(), log);
                }
                if (UpgradeInPlace.runningBefore(jp, log, err)) {
                    return 0; // bpm 1.x's runc runs it: left alone like any running job, until a stop
                }
                jp.sweepUnrecorded(log, "start", err);
                launch(jp, store, log, err);
                log.info("complete");
                return 0;
            } catch (JobProcess.Failed | IOException | RuntimeException e) {
                log.error("failed-to-start", e instanceof JobProcess.Failed ? e.getMessage() : Main.rootCause(e));
                throw e;
            }
        }
    }

    private void launch(JobProcess jp, StateStore store, EventLog log, PrintStream err) throws IOException, JobProcess.Failed {
        PlanSource.Provided provided = jp.plan(launch.init(), RunArguments.NONE, true, "start", err);
        Plan plan = provided.plan().plan();
        LaunchPlan.Started started;
        try {
            started = LaunchPlan.start(plan, jp.facts, LaunchPlan.Options.defaults(JobProcess.SECCOMP).withPreStart(HostHook.INSTANCE)
                    .withFault(fault));
        } catch (LaunchFailure e) {
            throw new JobProcess.Failed(e.getMessage().replaceFirst("^cannot start ", "failed to start job-process "));
        }
        BoundPlan bound = started.plan();
        for (String skipped : started.skipped()) {
            if (skipped.contains(io.bpm.executor.launch.TapeBuilder.PRIVILEGED_MISSING)) err.println("bpm start: warning: " + skipped);
        }
        try {
            if (!Path.of(bound.stateDir()).equals(store.directory())) {
                throw new IOException("the plan's state-dir " + bound.stateDir() + " is not " + store.directory());
            }
            ProcessIdentity id = ProcessIdentity.of(started.pid()).orElseThrow(
                    () -> new IOException("the init (pid " + started.pid() + ") exited right after it started; see "
                            + bound.log(Step.LogStream.STDERR)));
            store.save(provided.text(), StateStore.State.of(id, started.cgroup()));
            log.info("cgroup", "cgroup", started.cgroup().describe() + ", made in "
                    + Math.round(started.timings().cgroup() / 1e6) + " ms");
            fault.at(LaunchPlan.Phase.STATE_SAVED);
            StateStore.writePidFile(Path.of(bound.pidFile()), started.pid());
        } catch (IOException | RuntimeException e) {
            undo(started, store, bound);
            throw new JobProcess.Failed("failed to start job-process " + jp.who() + ": " + Main.rootCause(e));
        } finally {
            Sys.raw(Nr.CLOSE, started.pidfd());
        }
    }

    private static void undo(LaunchPlan.Started started, StateStore store, BoundPlan bound) {
        try {
            started.cgroup().kill(JobProcess.CGROUP_TIMEOUT, io.bpm.executor.host.JobCgroup.Killer.SIGKILL);
            Sys.waitPidfd(started.pidfd());
            started.cgroup().remove(JobProcess.CGROUP_TIMEOUT);
            StateStore.removePidFile(Path.of(bound.pidFile()));
            store.remove();
        } catch (IOException | RuntimeException e) {
            System.err.println("bpm start: could not undo the start: " + Main.rootCause(e));
        }
    }
}
