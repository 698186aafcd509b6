package io.bpm.compiler.cli;

import io.bpm.compiler.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bpm}: the command line. Each subcommand is one class. */
@Command(name = "bpm", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "BOSH Process Manager: lint and compile bpm.yml, run jobs isolated in Linux namespaces.",
        subcommands = {LintCommand.class, CompileCommand.class, StartCommand.class, StopCommand.class, RunCommand.class,
                ListCommand.class, PidCommand.class, LogsCommand.class, ShellCommand.class, TraceCommand.class, FeaturesCommand.class,
                VersionCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Exit status: 0 success, 1 errors found (or the command failed, or a per-job command got no JOB), 2 usage or I/O problem.",
                "See bpm(1), bpm.yml(5)."})
public final class Main implements java.util.concurrent.Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        Bpm.main(args);
    }

    /** Runs the CLI and returns the exit status (tests call this directly). */
    public static int run(String... args) {
        int plain = MonitCommands.run(args);
        if (plain != MonitCommands.NOT_PLAIN) return plain;
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            // Never a stack trace: the cause, on the last line, and exit 2.
            cmd.getErr().println("bpm: " + rootCause(ex));
            return 2;
        });
        cli.setParameterExceptionHandler(Main::usageError);
        cli.setExitCodeExceptionMapper(ex -> 2);
        return cli.execute(args);
    }

    /**
     * A command line picocli cannot read: the command's synopsis and where its help is first, the
     * reason on the last line (in the command's error form, {@link OperatorCommand}), exit 2. A
     * per-job command without its JOB says and exits as bpm 1.4 does: {@code must specify a job},
     * exit 1.
     */
    static int usageError(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        CommandLine.Model.CommandSpec spec = cmd.getCommandSpec();
        java.io.PrintWriter err = cmd.getErr();
        CommandLine.Help help = cmd.getHelp();
        err.print(help.synopsisHeading() + help.synopsis(0));
        suggestion(ex, spec).ifPresent(s -> err.println("Did you mean: " + s + "?"));
        err.println("See '" + spec.qualifiedName() + " --help'.");   // every command has --help
        String prefix = spec.userObject() instanceof OperatorCommand ? OperatorCommand.ERROR : spec.qualifiedName() + ": ";
        if (ex instanceof CommandLine.MissingParameterException missing && missing.getMissing().stream().anyMatch(JobArguments::isJob)) {
            err.println(prefix + JobArguments.NO_JOB);
            err.flush();
            return 1;
        }
        err.println(prefix + ex.getMessage());
        err.flush();
        return 2;
    }

    /**
     * The one command or option close to what was typed (DidYouMean: edit distance), or none:
     * picocli's own suggestions name commands that merely share letters ({@code bpm frobnicate}
     * got "Did you mean: bpm features?").
     */
    static java.util.Optional<String> suggestion(CommandLine.ParameterException ex, CommandLine.Model.CommandSpec spec) {
        if (!(ex instanceof CommandLine.UnmatchedArgumentException u) || u.getUnmatched().isEmpty()) return java.util.Optional.empty();
        String typed = u.getUnmatched().getFirst();
        if (typed.startsWith("-")) {
            String name = typed.contains("=") ? typed.substring(0, typed.indexOf('=')) : typed;
            return io.bpm.compiler.rules.DidYouMean.suggest(name, spec.optionsMap().keySet().stream()
                    .filter(o -> o.startsWith("--")).toList());
        }
        return io.bpm.compiler.rules.DidYouMean.suggest(typed, spec.subcommands().keySet()).map(c -> spec.qualifiedName() + " " + c);
    }

    static String rootCause(Throwable t) {
        return io.bpm.executor.lifecycle.JobProcess.rootCause(t);
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        spec.commandLine().getErr().println("bpm: a command is required");
        return 2;
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"bpm " + Version.get()};
        }
    }
}
