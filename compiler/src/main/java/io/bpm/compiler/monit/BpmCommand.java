package io.bpm.compiler.monit;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A monit program that runs bpm, split as bpm's command line (cobra/pflag) reads it:
 * {@code EXECUTABLE COMMAND [-p PROC | --process PROC | -p=PROC | -pPROC | --process=PROC] JOB}.
 * Flags may stand before or after the job.
 *
 * @param program        the program string it came from
 * @param executable     the first word (its file name is "bpm")
 * @param command        start, stop, run, ...; empty when nothing follows the executable
 * @param job            the first positional argument after the command
 * @param processFlag    the -p/--process word itself (for -p=X and -pX also the value)
 * @param process        the value of -p/--process, when given with a value
 * @param unknownOptions options bpm start/stop do not have
 * @param extra          positional arguments after the job, which bpm ignores
 */
public record BpmCommand(Program program, Program.Word executable, Optional<Program.Word> command,
                         Optional<Program.Word> job, Optional<Program.Word> processFlag, Optional<Program.Word> process,
                         List<Program.Word> unknownOptions, List<Program.Word> extra) {

    /** The path every BOSH job runs bpm by: the bpm job's wrapper (docs/public_interface.md). */
    public static final String PATH = "/var/vcap/jobs/bpm/bin/bpm";

    public BpmCommand {
        unknownOptions = List.copyOf(unknownOptions);
        extra = List.copyOf(extra);
    }

    /** The program as a bpm invocation, or empty when its executable is not bpm. */
    public static Optional<BpmCommand> parse(Program program) {
        List<Program.Word> words = program.words();
        if (words.isEmpty()) return Optional.empty();
        Program.Word exe = words.getFirst();
        String file = exe.value().substring(exe.value().lastIndexOf('/') + 1);
        if (!file.equals("bpm")) return Optional.empty();
        Program.Word command = null;
        Program.Word job = null;
        Program.Word flag = null;
        Program.Word process = null;
        List<Program.Word> unknown = new ArrayList<>();
        List<Program.Word> extra = new ArrayList<>();
        for (int i = 1; i < words.size(); i++) {
            Program.Word w = words.get(i);
            String v = w.value();
            if (command == null && !v.startsWith("-")) {
                command = w;
            } else if (v.equals("-p") || v.equals("--process")) {
                flag = w;
                process = i + 1 < words.size() ? words.get(++i) : null;
            } else if (v.startsWith("--process=")) {
                flag = w;
                process = new Program.Word(w.text().substring("--process=".length()), w.from() + "--process=".length(), w.to());
            } else if (v.startsWith("-p") && !v.startsWith("--")) {
                flag = w;
                int skip = v.startsWith("-p=") ? 3 : 2;
                process = new Program.Word(w.text().substring(skip), w.from() + skip, w.to());
            } else if (v.startsWith("-")) {
                unknown.add(w);
            } else if (job == null) {
                job = w;
            } else {
                extra.add(w);
            }
        }
        return Optional.of(new BpmCommand(program, exe, Optional.ofNullable(command), Optional.ofNullable(job),
                Optional.ofNullable(flag), Optional.ofNullable(process), unknown, extra));
    }

    /**
     * The process bpm acts on: the -p value, else (also for an empty -p) the job's name, as
     * bpm's commands default it. Empty when there is no job.
     */
    public Optional<String> effectiveProcess() {
        if (process.isPresent() && !process.get().value().isEmpty()) return Optional.of(process.get().value());
        return job.map(Program.Word::value);
    }

    /** Whether bpm reads this as a complete {@code bpm COMMAND JOB [-p PROC]}: a command, a job, nothing unknown. */
    public boolean wellFormed() {
        return command.isPresent() && job.isPresent() && unknownOptions.isEmpty() && extra.isEmpty()
                && (processFlag.isEmpty() || process.isPresent());
    }

    /** The canonical program for a command on a process: {@code /var/vcap/jobs/bpm/bin/bpm start JOB [-p PROC]}. */
    public static String canonical(String command, String job, String process) {
        return PATH + " " + command + " " + job + (process.equals(job) ? "" : " -p " + process);
    }

    /** The canonical pid file of a process: bpm writes it on start, monit reads it. */
    public static String pidFile(String job, String process) {
        return "/var/vcap/sys/run/bpm/" + job + "/" + process + ".pid";
    }
}
