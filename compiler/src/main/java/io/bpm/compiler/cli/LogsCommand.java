package io.bpm.compiler.cli;

import io.bpm.executor.lifecycle.JobProcess;
import io.bpm.executor.lifecycle.LogTail;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * {@code bpm logs JOB [-p PROC] [-a] [-e] [-f] [-n N] [-q]}: the end of a process's log files
 * (bpm-behaviour.md §7.4), tail's work done in Java ({@link LogTail}). The config is not read:
 * any process with log files can be shown.
 */
@Command(name = "logs", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = {"Print the last lines of the standard output log of PROCESS of JOB (default: the process named like the "
                + "job), $BPM_BOSH_ROOT/sys/log/JOB/PROC.stdout.log; with --err the standard error log, with --all both, "
                + "each under a ==> FILE <== header. With --follow, go on printing what is appended (across truncation "
                + "and rotation) until SIGINT or SIGTERM."},
        footer = {"", "Exit status: 0 printed (also when a follow is interrupted), 1 a log file is missing "
                + "(\"Error: logs not found\") or unreadable, 2 usage problem (1 for a missing JOB, as in bpm 1.4)."})
final class LogsCommand implements Callable<Integer>, OperatorCommand {

    /** How often a followed file is looked at. */
    static final Duration POLL = Duration.ofMillis(100);

    @Mixin
    JobArguments job = new JobArguments();

    @Option(names = {"-a", "--all"}, description = "Show both standard output and standard error.")
    boolean all;

    @Option(names = {"-e", "--err"}, description = "Show standard error.")
    boolean stderr;

    @Option(names = {"-f", "--follow"}, description = "Show the logs, then follow them until interrupted.")
    boolean follow;

    @Option(names = {"-n", "--lines"}, paramLabel = "N", description = "The number of lines to show (default: ${DEFAULT-VALUE}).")
    int lines = 25;

    @Option(names = {"-q", "--quiet"}, description = "No ==> FILE <== headers.")
    boolean quiet;

    @Override
    public Integer call() {
        PrintStream err = System.err;
        if (lines < 0) {
            err.println(ERROR + "--lines must be 0 or more, not " + lines);
            return 2;
        }
        return job.run(err, ERROR, "failed to show the logs of", proc -> {
            JobProcess jp = JobProcess.of(job.job, proc, false);
            List<Path> files = new ArrayList<>();
            if (all || !stderr) files.add(jp.path("sys/log/" + job.job + "/" + proc + ".stdout.log"));
            if (all || stderr) files.add(jp.path("sys/log/" + job.job + "/" + proc + ".stderr.log"));
            for (Path f : files) {
                if (!Files.exists(f)) throw new JobProcess.Failed("logs not found");
            }
            OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 64 * 1024);
            // When following, SIGINT and SIGTERM end it from the start on (also during the first lines)
            AtomicBoolean stop = new AtomicBoolean();
            List<Signal> signals = follow ? List.of(new Signal("INT"), new Signal("TERM")) : List.of();
            List<SignalHandler> previous = new ArrayList<>();
            try (LogTail tail = LogTail.open(files, quiet, out, err)) {
                for (Signal s : signals) previous.add(Signal.handle(s, sig -> stop.set(true)));
                tail.printLast(lines);
                if (follow) tail.follow(stop::get, POLL);
            } finally {
                for (int i = 0; i < previous.size(); i++) Signal.handle(signals.get(i), previous.get(i));
            }
            return 0;
        });
    }
}
