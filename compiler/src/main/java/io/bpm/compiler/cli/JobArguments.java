package io.bpm.compiler.cli;

import java.io.IOException;
import java.io.PrintStream;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code JOB [-p PROC]}, the arguments every lifecycle command takes (a picocli mixin), and the
 * way those commands end: the reason on the last line of standard error and exit 1, never a
 * stack trace.
 */
final class JobArguments {

    @Parameters(index = "0", paramLabel = "JOB", description = "The job.")
    String job;

    @Option(names = {"-p", "--process"}, paramLabel = "PROC", description = "The process (default: the job's name).")
    String process;

    /** The process: -p, else the process named like the job. */
    String process() {
        return process != null ? process : job;
    }

    /** What a command does with JOB/PROC; its failures end it with exit 1. */
    @FunctionalInterface
    interface Body {
        int run(String process) throws JobProcess.Failed, IOException;
    }

    /** Runs {@code body}, turning a failure into "bpm COMMAND: ..." on {@code err} and exit 1. */
    int run(String command, PrintStream err, Body body) {
        return run(err, "bpm " + command + ": ", "failed to " + command + " job-process", body);
    }

    /**
     * Runs {@code body}; a failure prints {@code prefix} and its message on {@code err}, an
     * unexpected error {@code prefix}, {@code failedTo} JOB/PROC and the cause; both exit 1. The
     * operator's commands use bpm 1.4's {@code "Error: "} prefix.
     */
    int run(PrintStream err, String prefix, String failedTo, Body body) {
        try {
            return body.run(process());
        } catch (JobProcess.Failed e) {
            err.println(prefix + e.getMessage());
            return 1;
        } catch (IOException | RuntimeException e) {
            err.println(prefix + failedTo + " " + job + "/" + process() + ": " + Main.rootCause(e));
            return 1;
        }
    }
}
