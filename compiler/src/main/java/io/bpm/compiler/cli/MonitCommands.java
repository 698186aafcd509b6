package io.bpm.compiler.cli;

import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * The two commands monit runs on every boot, deploy and crash, {@code start JOB [-p PROC]} and
 * {@code stop JOB [-p PROC]}, read without picocli. picocli costs 100-200 ms of every command
 * (its Java 5 classes stay out of the JVM's AOT cache and it reflects over every subcommand):
 * more than the rest of a start. Only the plain forms are read here; anything else (another
 * option, {@code --help}, {@code -pPROC}, {@code @file}, a value starting with '-', a missing or
 * extra argument) goes to picocli, so help, errors and every other form stay picocli's (which ignores
 * arguments after the job, as bpm 1.4 does: the same command as the plain form).
 */
final class MonitCommands {

    private MonitCommands() {
    }

    /** The command {@code args} names in one of the plain forms, its JOB and PROC set; empty: ask picocli. */
    static Optional<Callable<Integer>> parse(String... args) {
        if (args.length != 2 && args.length != 4) return Optional.empty();
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
        JobArguments arguments;
        Callable<Integer> command;
        switch (args[0]) {
            case "start" -> {
                StartCommand start = new StartCommand();
                arguments = start.job;
                command = start;
            }
            case "stop" -> {
                StopCommand stop = new StopCommand();
                arguments = stop.job;
                command = stop;
            }
            default -> {
                return Optional.empty();
            }
        }
        arguments.job = job;
        arguments.process = process;
        return Optional.of(command);
    }

    private static boolean isProcessOption(String arg) {
        return arg.equals("-p") || arg.equals("--process");
    }

    /** A value picocli takes as it is: not an option, not an @file, not empty. */
    private static boolean plain(String value) {
        return !value.isEmpty() && value.charAt(0) != '-' && value.charAt(0) != '@';
    }
}
