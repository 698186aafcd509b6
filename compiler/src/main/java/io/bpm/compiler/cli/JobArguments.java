package io.bpm.compiler.cli;

import io.bpm.executor.lifecycle.JobProcess;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code JOB [-p PROC]}, the arguments every per-job command takes (a picocli mixin), and the
 * way those commands end: the reason on the last line of standard error and exit 1, never a
 * stack trace. As in bpm 1.4 (bpm-behaviour.md §7.1), arguments after JOB are ignored (with a
 * warning), because monit files run bpm with them and work; a missing JOB exits 1 with bpm 1.4's
 * {@code must specify a job} ({@link Main#usageError}).
 */
final class JobArguments {

    /** bpm 1.4's message for a per-job command without a job. */
    static final String NO_JOB = "must specify a job";

    /** The label of JOB, which {@link Main#usageError} recognizes a missing job by. */
    static final String JOB_LABEL = "JOB";

    @Parameters(index = "0", paramLabel = JOB_LABEL, description = "The job. Arguments after it are ignored, as bpm 1.4 ignores them.")
    String job;

    @Parameters(index = "1..*", hidden = true, paramLabel = "IGNORED", description = "Ignored, as bpm 1.4 ignores them.")
    List<String> ignored = new ArrayList<>();

    /** The command this mixin belongs to; null when {@link MonitCommands} made the command without picocli. */
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

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
     * Runs {@code body} as {@link MonitCommands#guarded} runs a per-job command, after a warning
     * about arguments after the job. The operator's commands use bpm 1.4's {@code "Error: "}
     * prefix ({@link OperatorCommand}).
     */
    int run(PrintStream err, String prefix, String failedTo, Body body) {
        if (!ignored.isEmpty()) {
            err.println((spec == null ? "bpm" : spec.qualifiedName()) + ": warning: ignoring the extra argument"
                    + (ignored.size() == 1 ? " '" : "s '") + String.join(" ", ignored) + "' after the job (bpm 1.4 ignores "
                    + (ignored.size() == 1 ? "it" : "them") + " too; -p PROC names a process)");
        }
        String process = process();
        return MonitCommands.guarded(err, prefix, failedTo, job, process, e -> body.run(process));
    }

    /** Whether {@code arg} is the JOB of a per-job command. */
    static boolean isJob(ArgSpec arg) {
        return arg.isPositional() && JOB_LABEL.equals(arg.paramLabel()) && arg.command() != null
                && arg.command().mixins().values().stream().anyMatch(m -> m.userObject() instanceof JobArguments);
    }
}
