package io.bpm.compiler.cli;

import io.bpm.executor.lifecycle.JobProcess;
import io.bpm.executor.lifecycle.Stopper;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code bpm stop JOB [-p PROC]}: the arguments, then the executor's {@link Stopper#stopJob},
 * which stops the process from the plan and state its start saved (bpm.yml is not read).
 * Stopping a process that is not running succeeds.
 */
@Command(name = "stop", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = {"Stop PROCESS of JOB (default: the process named like the job), as its last start recorded it: "
                + "the stop signal (TERM, or INT as configured), SIGQUIT after 15 s, SIGKILL to every process of the job "
                + "2 s later; then its cgroup, pid file and state are removed. bpm.yml is not read. "
                + "Stopping a process that is not running succeeds."},
        footer = {"", "Exit status: 0 stopped (or was not running), 1 it could not be stopped (the reason on the last line "
                + "of standard error), 2 usage problem (1 for a missing JOB, as in bpm 1.4)."})
final class StopCommand implements Callable<Integer> {

    @Mixin
    JobArguments job = new JobArguments();

    @Override
    public Integer call() {
        PrintStream err = System.err;
        return job.run("stop", err, proc -> {
            Stopper.stopJob(JobProcess.of(job.job, proc, false), CompiledPlans.START, CompiledPlans.init(null), err, MonitCommands.stopFault);
            return 0;
        });
    }
}
