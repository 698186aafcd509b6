package io.bpm.compiler.rules;

import io.bpm.compiler.diag.Rule;
import io.bpm.compiler.model.Process;
import io.bpm.compiler.model.Process.Limits;
import java.util.regex.Pattern;

/** Rules about {@code limits}: the memory size grammar and sensible ranges. */
final class LimitRules {
    /**
     * A bare decimal ({@code 512}, {@code 1.5}, {@code .5}), and one followed by spaces and a
     * unit. Possessive, so that a megabyte of digits is rejected in linear time: the plain
     * {@code [0-9]*\.?[0-9]+} backtracks quadratically on "999...9x" (a hang, found by fuzzing).
     */
    private static final Pattern NUMBER = Pattern.compile("\\+?+(?:[0-9]*+\\.)?+[0-9]++");
    private static final Pattern NUMBER_SPACE_UNIT = Pattern.compile("\\+?+(?:[0-9]*+\\.)?+[0-9]++\\s++[A-Za-z]++");
    /**
     * Below this many descriptors the init, the runtime and the process itself may not even
     * start: bpm's own integration test shows a start failing with "too many open files" at 10.
     */
    static final long OPEN_FILES_WARN_BELOW = 64;

    private LimitRules() {
    }

    static void check(Process p, LintContext cx) {
        Limits l = p.limits();
        if (l == null) return;
        if (l.memory() != null) memory(l, cx);
        if (l.openFiles() != null) {
            long n = l.openFiles(); // unsigned; negatives were refused while decoding
            if (n == 0) {
                cx.atRefused(Rule.LIMIT_RANGE, l.pointer() + "/open_files",
                        "open_files is 0: no process can open a file, so the job cannot start (bpm 1.4 fails every start too)",
                        "set it to the number of files and sockets the process needs, e.g. 1024");
            } else if (Long.compareUnsigned(n, OPEN_FILES_WARN_BELOW) < 0) {
                cx.at(Rule.OPEN_FILES_LOW, l.pointer() + "/open_files",
                        "open_files is " + n + "; below " + OPEN_FILES_WARN_BELOW
                                + " the init and the process may fail to start with 'too many open files'",
                        "raise it to at least " + OPEN_FILES_WARN_BELOW + " (bpm's own test fails to start a job at 10)");
            }
        }
        if (l.processes() != null && l.processes() < 1) {
            cx.at(Rule.LIMIT_RANGE, l.pointer() + "/processes",
                    "processes is " + l.processes() + ": the job may not even start its first process",
                    "set the maximum number of processes and threads, e.g. 100, or remove the limit");
        }
    }

    private static void memory(Limits l, LintContext cx) {
        String ptr = l.pointer() + "/memory";
        String text = l.memory();
        switch (MemorySize.parse(text)) {
            case MemorySize.Bytes b when b.value() == 0 -> cx.at(Rule.MEMORY_ZERO, ptr,
                    "limits.memory is " + text + ", which means no memory limit at all",
                    "set the limit you mean (e.g. 512M), or remove the key");
            case MemorySize.Bytes b -> { }
            case MemorySize.Overflow o -> cx.at(Rule.MEMORY_OVERFLOW, ptr,
                    "limits.memory " + text + " is " + o.value().toBigInteger() + " bytes, too large for a 64-bit limit (bpm would pass a negative number)",
                    "use a value below 8E");
            case MemorySize.Invalid i -> cx.at(Rule.MEMORY_SIZE, ptr,
                    "limits.memory \"" + ProcessRules.printable(text) + "\" is not a size bpm understands: " + i.bpmMessage(),
                    memoryHint(text), memoryFix(text));
        }
    }

    private static String memoryHint(String text) {
        String t = text.strip();
        if (NUMBER.matcher(t).matches()) {
            return "a bare number has no unit: write e.g. " + t + "M or " + t + "B (units are binary: 1K = 1024)";
        }
        if (NUMBER_SPACE_UNIT.matcher(t).matches()) {
            return "remove the space between the number and the unit";
        }
        return "write a number followed by a unit, e.g. 512M, 1.5G or 2GiB (units B, K, M, G, T, P, E; all binary)";
    }

    private static String memoryFix(String text) {
        String t = text.strip();
        if (NUMBER_SPACE_UNIT.matcher(t).matches()) {
            String fixed = t.replaceAll("\\s+", "");
            return MemorySize.parse(fixed) instanceof MemorySize.Bytes ? fixed : null;
        }
        return null;
    }
}
