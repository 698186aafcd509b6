package io.bpm.compiler.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The training workload of the JVM's AOT cache (JEP 483/514), not a bpm command. bin/aot-train
 * records it with the flags bin/bpm runs with:
 * <pre>
 * java FLAGS -XX:AOTMode=record -XX:AOTConfiguration=F -cp compiler/target/bpm-compiler.jar \
 *     io.bpm.compiler.cli.AotTraining start JOB ';' stop JOB ';' version ';' ...
 * </pre>
 * i.e. several bpm command lines, separated by a lone {@code ;}, run one after the other in one
 * JVM, so that the classes each of them needs are in the cache. Their output is discarded; the
 * exit status of each is reported on standard error, and the exit status is the number of
 * commands that did not exit 0.
 */
public final class AotTraining {
    private AotTraining() {
    }

    public static void main(String[] args) {
        Bpm.utf8Console();   // the jar's main class is in the cache too (the commands below go through Main.run)
        int failed = train(split(args), System.err);
        // Halted as bpm's own commands end (Bpm.main), not System.exit: that would first set up
        // the JDK's System.Logger (about 45 classes: loggers, the runtime image's reader), and the
        // cache, which holds what its training loaded, would have every JVM that maps it load
        // them too. The JVM still writes the AOT configuration when halted.
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(failed);
    }

    /** The command lines in {@code args}, split at each lone {@code ;}. */
    static List<List<String>> split(String... args) {
        List<List<String>> commands = new ArrayList<>();
        List<String> current = new ArrayList<>();
        for (String a : args) {
            if (a.equals(";")) {
                if (!current.isEmpty()) commands.add(current);
                current = new ArrayList<>();
            } else {
                current.add(a);
            }
        }
        if (!current.isEmpty()) commands.add(current);
        return commands;
    }

    /** Runs each command as {@code bpm} would with its output discarded; returns how many failed. */
    static int train(List<List<String>> commands, PrintStream log) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        PrintStream nothing = new PrintStream(OutputStream.nullOutputStream());
        int failed = 0;
        for (List<String> c : commands) {
            int status;
            System.setOut(nothing);
            System.setErr(nothing);
            try {
                status = Main.run(c.toArray(new String[0]));   // no lambda of its own in the cache
            } finally {
                System.setOut(out);
                System.setErr(err);
            }
            if (status != 0) failed++;
            log.println("aot training: bpm " + String.join(" ", c) + ": exit " + status);
        }
        return failed;
    }
}
