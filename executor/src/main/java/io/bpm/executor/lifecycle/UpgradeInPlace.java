package io.bpm.executor.lifecycle;

import io.bpm.executor.host.EventLog;
import io.bpm.executor.host.StateStore;
import io.bpm.executor.plan.Step;
import io.bpm.executor.sys.Linux;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Optional;

/**
 * A job bpm 1.x started with runc on a VM that now has this bpm ({@link LegacyRunc}): stop stops
 * it and removes what runc and bpm 1.x left; start leaves a running one alone (as a start leaves
 * any running job alone, so a VM never runs two instances) and cleans a dead one before starting
 * under this bpm. Called under the lifecycle lock, which bpm 1.x takes with the same file name.
 */
final class UpgradeInPlace {

    private UpgradeInPlace() {
    }

    private static Optional<LegacyRunc> find(JobProcess jp) throws IOException {
        return LegacyRunc.find(jp.path(""), jp.job, jp.process, jp.containerId);
    }

    /**
     * Stops JOB/PROC if bpm 1.x's runc runs it: the stop signal the job's bpm.yml names (bpm 1.x
     * read it there too; TERM when it cannot be read), SIGQUIT after 15 s, SIGKILL 2 s later.
     *
     * @return whether there was such a container
     */
    static boolean stop(JobProcess jp, PlanSupplier compiler, String init, EventLog log, PrintStream err) throws IOException {
        Optional<LegacyRunc> legacy = find(jp);
        if (legacy.isEmpty()) return false;
        LegacyRunc old = legacy.get();
        log.info("stopping-bpm1-container", "runc-state", old.stateDir().toString());
        int signal = legacySignal(jp, compiler, init, err);
        Duration quitAfter = Duration.ofSeconds(15);
        Duration killAfter = Duration.ofSeconds(2);
        Stopper.Outcome outcome = old.stop(signal, quitAfter, killAfter, JobProcess.CGROUP_TIMEOUT);
        if (outcome == Stopper.Outcome.KILLED) {
            err.println("bpm stop: warning: " + jp.who() + " (started by bpm 1.x) did not stop within "
                    + quitAfter.plus(killAfter).toMillis() + " ms of the stop signal and SIGQUIT; it was killed (SIGKILL)");
        }
        log.info(outcome == Stopper.Outcome.NOT_RUNNING ? "process-not-running" : "stopped", "started-by", "bpm 1.x (runc)");
        old.remove(JobProcess.CGROUP_TIMEOUT);
        return true;
    }

    /**
     * Before a start: true if bpm 1.x's runc still runs JOB/PROC (the start leaves it alone and
     * makes sure the pid file names it); a dead one is cleaned up first and false returned.
     */
    static boolean runningBefore(JobProcess jp, EventLog log, PrintStream err) throws IOException {
        Optional<LegacyRunc> legacy = find(jp);
        if (legacy.isEmpty()) return false;
        LegacyRunc old = legacy.get();
        if (old.running()) {
            log.info("process-already-running", "started-by", "bpm 1.x (runc), pid " + old.init().pid() + "; bpm stop moves it");
            StateStore.writePidFile(old.pidFile(), old.init().pid());
            return true;
        }
        log.info("removing-stopped-process", "runc-state", old.stateDir().toString());
        old.stop(Linux.SIGTERM, Duration.ZERO, Duration.ZERO, JobProcess.CGROUP_TIMEOUT);
        old.remove(JobProcess.CGROUP_TIMEOUT);
        return false;
    }

    /** The stop signal of the job's bpm.yml as it is now (bpm 1.x's own source of it); TERM if it cannot be compiled. */
    private static int legacySignal(JobProcess jp, PlanSupplier compiler, String init, PrintStream err) {
        try {
            var plan = jp.plan(compiler, init, false, "stop", new PrintStream(PrintStream.nullOutputStream()));
            return plan.plan().steps(Step.Stop.class).stream().findFirst().map(s -> Linux.signal(s.signal())).orElse(Linux.SIGTERM);
        } catch (JobProcess.Failed | IOException | RuntimeException e) {
            err.println("bpm stop: warning: " + jp.who() + " was started by bpm 1.x and its bpm.yml cannot be read for the stop "
                    + "signal (" + e.getMessage() + "): stopping with SIGTERM");
            return Linux.SIGTERM;
        }
    }
}
