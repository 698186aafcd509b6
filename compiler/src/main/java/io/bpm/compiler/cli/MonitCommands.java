package io.bpm.compiler.cli;

import io.bpm.executor.launch.LaunchPlan;
import io.bpm.executor.lifecycle.JobProcess;
import io.bpm.executor.lifecycle.Starter;
import io.bpm.executor.lifecycle.Stopper;
import io.bpm.executor.sys.Sys;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Optional;

/**
 * The two commands monit runs on every boot, deploy and crash, {@code start JOB [-p PROC]} and
 * {@code stop JOB [-p PROC]}: read here and handed straight to the executor's lifecycle
 * ({@link Starter}, {@link Stopper#stopJob}), with the compiler ({@link CompiledPlans}) asked only
 * when the plan cache misses (first restarting the JVM with the compiler's AOT cache when bin/bpm
 * ran it with monit's: {@link RestartForCompiler}). This path loads no picocli, Jackson, schema, YAML or regex class
 * and makes no lambda, stream or String.format: each of them costs class loading and bootstrap
 * in a JVM that lives for one command (MonitPathTest counts what a start loads). Only the plain
 * forms are read here; anything else (another option, {@code --help}, {@code -pPROC},
 * {@code @file}, a value starting with '-', a missing or extra argument) goes to picocli, so
 * help, errors and every other form stay picocli's (which ignores arguments after the job, as
 * bpm 1.4 does: the same command as the plain form).
 */
final class MonitCommands {

    /** What {@link #run} returns for a command line that is not one of the plain forms. */
    static final int NOT_PLAIN = -1;

    /** Fault injection for the reliability tests (set only by a test's main); never by bpm itself. */
    static LaunchPlan.Fault startFault = LaunchPlan.Fault.NONE;
    static Stopper.Fault stopFault = Stopper.Fault.NONE;

    private MonitCommands() {
    }

    /** A plain command line: {@code start} or {@code stop}, JOB, and PROC (null: the job's name). */
    record Plain(String command, String job, String process) {
        String processOrJob() {
            return process != null ? process : job;
        }
    }

    /** The command {@code args} names in one of the plain forms; empty: ask picocli. */
    static Optional<Plain> parse(String... args) {
        if (args.length != 2 && args.length != 4) return Optional.empty();
        if (!args[0].equals("start") && !args[0].equals("stop")) return Optional.empty();
        String job;
        String process = null;
        if (args.length == 2) {
            job = args[1];
        } else if (isProcessOption(args[2])) {          // start JOB -p PROC
            job = args[1];
            process = args[3];
        } else if (isProcessOption(args[1])) {          // start -p PROC JOB
            process = args[2];
            job = args[3];
        } else {
            return Optional.empty();
        }
        if (!plain(job) || (process != null && !plain(process))) return Optional.empty();
        return Optional.of(new Plain(args[0], job, process));
    }

    /** Runs a plain command line and returns its exit status, or {@link #NOT_PLAIN}. */
    static int run(String... args) {
        Optional<Plain> plain = parse(args);
        if (plain.isEmpty()) return NOT_PLAIN;
        Sys.prepareInBackground();   // their first system call comes ~20 ms later: the handle is made meanwhile
        try {
            return run(plain.get(), System.err);
        } catch (Error e) {   // a bug or the JVM's limits: the reason on the last line, never a stack trace
            System.err.println("bpm: ".concat(JobProcess.rootCause(e)));
            return 2;
        }
    }

    /** Runs the command; a failure ends it with its reason on the last line of {@code err} and exit 1. */
    static int run(Plain c, PrintStream err) {
        String process = c.processOrJob();
        return guarded(err, "bpm ".concat(c.command()).concat(": "), "failed to ".concat(c.command()).concat(" job-process"),
                c.job(), process, c.command().equals("start") ? new Start(c.job(), process) : new Stop(c.job(), process));
    }

    /** What a per-job command does once its arguments are read. */
    interface Body {
        int run(PrintStream err) throws JobProcess.Failed, IOException;
    }

    /**
     * Runs {@code body} as bpm 1.4 runs a per-job command: only as root (bpm 1.4's message
     * otherwise); a failure prints {@code prefix} and its message on {@code err}, an unexpected
     * error {@code prefix}, {@code failedTo} JOB/PROC and the cause; both exit 1, never a stack
     * trace.
     */
    static int guarded(PrintStream err, String prefix, String failedTo, String job, String process, Body body) {
        if (!JobProcess.checkRoot(err, prefix)) return 1;
        try {
            return body.run(err);
        } catch (JobProcess.Failed e) {
            err.println(prefix.concat(e.getMessage()));
            return 1;
        } catch (IOException | RuntimeException e) {
            err.println(prefix + failedTo + " " + job + "/" + process + ": " + JobProcess.rootCause(e));
            return 1;
        }
    }

    /** {@code bpm start}: the executor's start with the compiler behind the plan cache. */
    record Start(String job, String process) implements Body {
        @Override
        public int run(PrintStream err) throws JobProcess.Failed, IOException {
            Starter.start(JobProcess.of(job, process, true), RestartForCompiler.around(CompiledPlans.START), CompiledPlans.init(null),
                    err, startFault);
            return 0;
        }
    }

    /** {@code bpm stop}: the executor's stop (the compiler only for a job bpm 1.x started). */
    record Stop(String job, String process) implements Body {
        @Override
        public int run(PrintStream err) throws JobProcess.Failed, IOException {
            Stopper.stopJob(JobProcess.of(job, process, false), CompiledPlans.START, CompiledPlans.init(null), err, stopFault);
            return 0;
        }
    }

    private static boolean isProcessOption(String arg) {
        return arg.equals("-p") || arg.equals("--process");
    }

    /** A value picocli takes as it is: not an option, not an @file, not empty. */
    private static boolean plain(String value) {
        return !value.isEmpty() && value.charAt(0) != '-' && value.charAt(0) != '@';
    }
}
