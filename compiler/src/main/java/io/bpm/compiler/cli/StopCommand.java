package io.bpm.compiler.cli;

import io.bpm.executor.host.EventLog;
import io.bpm.executor.host.JobCgroup;
import io.bpm.executor.host.LifecycleLock;
import io.bpm.executor.host.StateStore;
import io.bpm.executor.lifecycle.Stopper;
import io.bpm.executor.plan.Plan;
import io.bpm.executor.plan.PlanFormatException;
import io.bpm.executor.plan.PlanText;
import io.bpm.executor.plan.Step;
import io.bpm.executor.sys.Linux;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code bpm stop JOB [-p PROC]}: stop one process from the plan and state its start saved
 * (bpm.yml is never read, so a broken config cannot keep a job running, bpm's §6.4 bug): the
 * plan's stop signal to the init, SIGQUIT after quit-after, SIGKILL to everything in the job's
 * cgroup after kill-after; then the cgroup, the pid file and the state are removed. Stopping a
 * process that is not running succeeds.
 */
@Command(name = "stop", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = {"Stop PROCESS of JOB (default: the process named like the job), as its last start recorded it: "
                + "the stop signal (TERM, or INT as configured), SIGQUIT after 15 s, SIGKILL to every process of the job "
                + "2 s later; then its cgroup, pid file and state are removed. bpm.yml is not read. "
                + "Stopping a process that is not running succeeds."},
        footer = {"", "Exit status: 0 stopped (or was not running), 1 it could not be stopped (the reason on the last line "
                + "of standard error), 2 usage problem (1 for a missing JOB, as in bpm 1.4)."})
final class StopCommand implements Callable<Integer> {

    /** Fault injection for the reliability tests (set only by a test's main); never by bpm itself. */
    static Stopper.Fault fault = Stopper.Fault.NONE;

    @Mixin
    JobArguments job = new JobArguments();

    @Override
    public Integer call() {
        PrintStream err = System.err;
        return job.run("stop", err, proc -> {
            JobProcess jp = JobProcess.of(job.job, proc, false);
            if (jp.unknown()) {   // nothing to stop, and nothing is made (no lock, log or directory)
                if (!Files.isDirectory(Path.of(jp.facts.root()))) {
                    err.println("bpm stop: warning: the BOSH root " + jp.facts.root() + " does not exist (is BPM_BOSH_ROOT right?): "
                            + "nothing to stop");
                }
                return 0;
            }
            try (EventLog log = jp.events("stop", false, err)) {
                try (LifecycleLock lock = jp.lock(log)) {
                    stop(jp, log, err);
                } catch (IOException | RuntimeException e) {
                    // the lock's, the sweep's (stop's own steps log theirs and fail with JobProcess.Failed)
                    log.error("failed-to-stop", Main.rootCause(e));
                    throw e;
                }
            }
            return 0;
        });
    }

    private static void stop(JobProcess jp, EventLog log, PrintStream err) throws JobProcess.Failed, IOException {
        fault.at(Stopper.Phase.LOCKED);
        StateStore store = jp.store();
        Optional<StateStore.State> state;
        Optional<String> text;
        try {
            state = store.readState();
            text = store.readPlan();
        } catch (IOException e) {
            log.error("failed-to-fetch-state", Main.rootCause(e));
            throw new JobProcess.Failed("failed to get job-process status: " + jp.who() + ": " + Main.rootCause(e));
        }
        if (state.isEmpty()) {
            // nothing recorded, but a start killed midway (or lost state) may have left the job
            // running in its cgroup: stopping means nothing of it runs afterwards
            jp.sweepUnrecorded(log, "stop", err);
            log.info("job-already-stopped");
            store.remove(); // a plan without state means nothing
            return;
        }
        Plan plan = null;
        if (text.isPresent()) {
            try {
                plan = PlanText.read(text.get());
            } catch (PlanFormatException e) {
                // stop anyway, with bpm's defaults: a damaged plan must not keep a job running
                err.println("bpm stop: warning: the plan saved at start is damaged (" + e.getMessage()
                        + "); stopping with SIGTERM, 15 s, 2 s");
            }
        }
        Step.Stop how = plan == null ? null : plan.steps(Step.Stop.class).stream().findFirst().orElse(null);
        int signal = how == null ? Linux.SIGTERM : Linux.signal(how.signal());
        Duration quitAfter = Duration.ofMillis(how == null ? 15_000 : how.quitAfterMillis());
        Duration killAfter = Duration.ofMillis(how == null ? 2_000 : how.killAfterMillis());
        JobCgroup cgroup = state.get().cgroup();
        // Not ours any more (exited, pid reused, rebooted): nothing is signalled but what is left in the cgroup.
        try {
            Stopper.Outcome outcome = Stopper.stop(state.get().process(), signal, quitAfter, killAfter, cgroup, JobProcess.CGROUP_TIMEOUT, fault);
            switch (outcome) {
                case NOT_RUNNING -> log.info("process-not-running");
                case STOPPED -> log.info("stopped");
                case QUIT -> log.error("failed-to-stop", "exited only after SIGQUIT");
                case KILLED -> {
                    log.error("failed-to-stop", "failed to stop job within timeout");
                    log.info("forcefully-deleting-container");
                    err.println("bpm stop: warning: " + jp.who() + " did not stop within " + (quitAfter.plus(killAfter).toMillis())
                            + " ms of the stop signal and SIGQUIT; it was killed (SIGKILL)");
                }
            }
            JobProcess.reportOom(cgroup, log);
            cgroup.remove(JobProcess.CGROUP_TIMEOUT);
            fault.at(Stopper.Phase.CGROUP_REMOVED);
            log.info("deleting-pidfile");
            StateStore.removePidFile(jp.pidFile(plan));
            fault.at(Stopper.Phase.PIDFILE_REMOVED);
            store.remove();
        } catch (IOException | RuntimeException e) {
            log.error("failed-to-cleanup", Main.rootCause(e));
            throw new JobProcess.Failed("failed to cleanup job-process " + jp.who() + ": " + Main.rootCause(e));
        }
        log.info("complete");
    }
}
