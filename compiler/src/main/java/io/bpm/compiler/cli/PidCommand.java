package io.bpm.compiler.cli;

import io.bpm.executor.lifecycle.JobProcess;
import io.bpm.executor.host.JobStatus;
import java.io.IOException;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code bpm pid JOB [-p PROC]}: the host pid of the process's init while it runs
 * (bpm-behaviour.md §7.2), the same number as its pid file, but only while the recorded init
 * really runs: a stale pid file says nothing.
 */
@Command(name = "pid", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = {"Print the host pid of the init (tini) of PROCESS of JOB (default: the process named like the job), "
                + "if it is running."},
        footer = {"", "Exit status: 0 printed, 1 not running (\"Error: process is not running or could not be found\"), "
                + "2 usage problem (1 for a missing JOB, as in bpm 1.4)."})
final class PidCommand implements Callable<Integer>, OperatorCommand {

    /** bpm 1.4's message for a process that is not running, failed or unknown (§7.2). */
    static final String NOT_RUNNING = "process is not running or could not be found";

    @Mixin
    JobArguments job = new JobArguments();

    @Override
    public Integer call() {
        return job.run(System.err, ERROR, "failed to get job", proc -> {
            System.out.println(running(JobProcess.of(job.job, proc, false)).pid());
            return 0;
        });
    }

    /** The status of a running process; otherwise bpm 1.4's refusal, as pid, shell and trace give it. */
    static JobStatus running(JobProcess jp) throws JobProcess.Failed, IOException {
        JobStatus status = JobStatus.read(jp.store());
        if (status.problem() != null) throw new JobProcess.Failed("failed to get job: " + status.problem());
        if (!status.running()) throw new JobProcess.Failed(NOT_RUNNING);
        return status;
    }
}
