package io.bpm.compiler.cli;

import io.bpm.executor.lifecycle.JobProcess;
import io.bpm.executor.host.JobStatus;
import io.bpm.executor.lifecycle.Tracer;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code bpm trace JOB [-p PROC]}: {@code strace} on a running process's init and what it forks
 * from then on, until interrupted (bpm-behaviour.md §7.2, {@link Tracer}).
 */
@Command(name = "trace", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = {"Trace the system calls of the running PROCESS of JOB (default: the process named like the job): runs "
                + "strace -s 100 -f -y -yy -p PID on its init (tini) and follows the processes forked from then on, until "
                + "SIGINT or SIGTERM. Tracing slows the job down while it lasts."},
        footer = {"", "Exit status: 0 traced until interrupted (or strace ended normally), 1 not running (\"Error: process is "
                + "not running or could not be found\"), strace missing or failing, 2 usage problem (1 for a missing JOB, as in bpm 1.4)."})
final class TraceCommand implements Callable<Integer>, OperatorCommand {

    @Mixin
    JobArguments job = new JobArguments();

    @Override
    public Integer call() {
        PrintStream err = System.err;
        return job.run(err, ERROR, "failed to trace", proc -> {
            JobStatus status = PidCommand.running(JobProcess.of(job.job, proc, false));
            Tracer.Outcome outcome = Tracer.trace(status.pid());
            if (outcome.interrupted() || outcome.status() == 0) return 0;
            throw new JobProcess.Failed("failed to trace " + job.job + "/" + proc + ": " + Tracer.STRACE + " exited with status "
                    + outcome.status());
        });
    }
}
