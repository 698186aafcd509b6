package io.bpm.compiler.cli;

import io.bpm.executor.host.JobStatus;
import io.bpm.executor.lifecycle.Tracer;
import java.io.IOException;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bpm trace JOB [-p PROC]}: {@code strace} on a running process's init and what it forks
 * from then on, until interrupted (bpm-behaviour.md §7.2, {@link Tracer}).
 */
@Command(name = "trace", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = {"Trace the system calls of the running PROCESS of JOB (default: the process named like the job): runs "
                + "strace -s 100 -f -y -yy -p PID on its init (tini) and follows the processes forked from then on, until "
                + "SIGINT or SIGTERM. Tracing slows the job down while it lasts."},
        footer = {"", "Exit status: 0 traced until interrupted (or strace ended normally), 1 not running (\"Error: process is "
                + "not running or could not be found\"), strace missing or failing, 2 usage problem."})
final class TraceCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "JOB", description = "The job.")
    String job;

    @Option(names = {"-p", "--process"}, paramLabel = "PROC", description = "The process (default: the job's name).")
    String process;

    @Override
    public Integer call() {
        PrintStream err = System.err;
        String proc = process != null ? process : job;
        try {
            JobStatus status = PidCommand.running(JobProcess.of(job, proc, false));
            Tracer.Outcome outcome = Tracer.trace(status.pid());
            if (outcome.interrupted() || outcome.status() == 0) return 0;
            err.println("Error: failed to trace " + job + "/" + proc + ": " + Tracer.STRACE + " exited with status " + outcome.status());
            return 1;
        } catch (JobProcess.Failed e) {
            err.println("Error: " + e.getMessage());
            return 1;
        } catch (IOException | RuntimeException e) {
            err.println("Error: failed to trace " + job + "/" + proc + ": " + Main.rootCause(e));
            return 1;
        }
    }
}
