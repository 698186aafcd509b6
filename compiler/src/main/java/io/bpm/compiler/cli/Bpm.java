package io.bpm.compiler.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * The jar's entry point. The command lines monit runs ({@code start}/{@code stop JOB [-p PROC]})
 * go straight to {@link MonitCommands}, which loads neither picocli nor the compiler unless the
 * plan cache misses; every other command line goes to {@link Main}, the picocli CLI.
 */
public final class Bpm {
    private Bpm() {
    }

    public static void main(String[] args) {
        utf8Console();
        int status = MonitCommands.run(args);
        if (status != MonitCommands.NOT_PLAIN) {
            // Nothing is left to do at exit on this path (no shutdown hook, no temporary file),
            // and System.exit would first set up the JDK's System.Logger to ask whether to log
            // the exit (a service lookup over the class path: about 10 ms of every start and stop).
            System.out.flush();
            System.err.flush();
            Runtime.getRuntime().halt(status);
        }
        System.exit(Main.run(args));
    }

    /**
     * bpm's output is UTF-8 whatever the locale: plans, JSON, SARIF and OCI must be the same bytes
     * under monit's or cron's LANG=C as in a UTF-8 terminal, and human text must lose no byte
     * either (the JVM's default console charset under LANG=C is ASCII, which prints '?'). The
     * launchers pass the same as flags; this covers a plain {@code java -jar}.
     */
    static void utf8Console() {
        Charset utf8 = StandardCharsets.UTF_8;
        if (!utf8.equals(System.out.charset())) {
            System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.out), true, utf8));
            System.setProperty("stdout.encoding", utf8.name());   // picocli's writers follow it
        }
        if (!utf8.equals(System.err.charset())) {
            System.setErr(new PrintStream(new FileOutputStream(FileDescriptor.err), true, utf8));
            System.setProperty("stderr.encoding", utf8.name());
        }
    }
}
