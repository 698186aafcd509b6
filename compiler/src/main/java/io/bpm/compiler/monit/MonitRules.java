package io.bpm.compiler.monit;

import io.bpm.compiler.diag.Findings;
import io.bpm.compiler.diag.Rule;
import io.bpm.compiler.model.BpmConfig;
import io.bpm.compiler.model.Process;
import io.bpm.compiler.parse.Locations;
import io.bpm.compiler.rules.DidYouMean;
import io.bpm.compiler.source.Span;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The rules about a job's monit file: each check that runs bpm must start and stop one
 * process of this job the canonical way and watch the pid file bpm writes for it; and every
 * process of bpm.yml should have such a check. Checks that do not run bpm (a job's own ctl
 * script, a host check) are left alone but for monit's own syntax.
 */
final class MonitRules {
    private MonitRules() {
    }

    /**
     * @param job       the job the monit file belongs to, or null when unknown
     * @param config    the job's bpm.yml, when it was linted alongside and could be read
     * @param monit     where findings about the monit file go
     * @param bpm       where findings about bpm.yml go (its processes without a check)
     * @param monitName the monit file as named in findings
     */
    record Context(String job, Optional<BpmConfig> config, Locations locations, Findings monit, Findings bpm, String monitName) {
        boolean jobKnown() {
            return job != null && !job.isEmpty();
        }

        /** Whether a command's job is this file's job (or could be: the job is unknown). */
        boolean ours(BpmCommand c) {
            return c.job().isPresent() && (!jobKnown() || c.job().get().value().equals(job));
        }
    }

    static void check(MonitFile file, Context cx) {
        Map<String, Check> names = new HashMap<>();
        Set<String> monitored = new LinkedHashSet<>();
        Map<String, Check> withoutBpm = new HashMap<>();
        for (Check check : file.checks()) {
            Check first = names.putIfAbsent(check.name().toLowerCase(Locale.ROOT), check);
            if (first != null) {
                cx.monit().report(Rule.MONIT_DUPLICATE_CHECK, check.nameSpan(), check.pointer("name"),
                        "a check named \"" + check.name() + "\" is already defined on line " + first.nameSpan().line()
                                + "; monit refuses the file (service name conflict)",
                        "give each check its own name (monit compares names ignoring case)");
            }
            check.start().ifPresent(p -> quoting(p, check, cx));
            check.stop().ifPresent(p -> quoting(p, check, cx));
            if (check.kind() != Check.Kind.PROCESS) continue;
            Optional<BpmCommand> start = check.start().flatMap(BpmCommand::parse);
            Optional<BpmCommand> stop = check.stop().flatMap(BpmCommand::parse);
            if (start.isEmpty() && stop.isEmpty()) { // not started by bpm: not ours to judge
                withoutBpm.putIfAbsent(check.name(), check);
                continue;
            }
            start.ifPresent(c -> command(c, "start", check, cx));
            stop.ifPresent(c -> command(c, "stop", check, cx));
            start.flatMap(c -> intended(c, cx)).ifPresent(monitored::add);
            // What follows compares job and process; a command bpm reads otherwise than meant
            // (extra arguments, an unknown option) was reported above, and its consequences
            // (another pid file, another process) would only repeat it.
            Optional<BpmCommand> goodStart = start.filter(BpmCommand::wellFormed);
            Optional<BpmCommand> goodStop = stop.filter(BpmCommand::wellFormed);
            boolean mismatch = startStop(check, start, stop, cx);
            goodStart.ifPresent(c -> unknownProcess(c, check, cx));
            // A stop of another process is a mismatch first; said once, at the stop program.
            if (!mismatch) goodStop.filter(b -> start.isEmpty()).ifPresent(c -> unknownProcess(c, check, cx));
            if (start.isEmpty() || goodStart.isPresent()) pidfile(check, goodStart, goodStop, cx);
        }
        cx.config().ifPresent(config -> unmonitored(config, monitored, withoutBpm, cx));
    }

    /**
     * The process a start program is meant for, so that a slip in it is reported once, at the
     * check, and not again as a process without a check: the -p value, else a lone extra
     * argument (bpm start JOB PROC), else the job's name; a misspelt name bpm.yml nearly has
     * counts as that name.
     */
    private static Optional<String> intended(BpmCommand c, Context cx) {
        Optional<String> proc = c.extra().size() == 1 && c.processFlag().isEmpty()
                ? Optional.of(c.extra().getFirst().value()) : c.effectiveProcess();
        if (proc.isEmpty() || cx.config().isEmpty() || cx.config().get().process(proc.get()).isPresent()) return proc;
        List<String> known = cx.config().get().processes().stream().map(Process::name).filter(n -> !n.isEmpty()).toList();
        return Optional.of(DidYouMean.suggest(proc.get(), known).orElse(proc.get()));
    }

    /** monit-program-spacing and monit-misplaced-quote: the string as written. */
    private static void quoting(Program p, Check check, Context cx) {
        String t = p.text();
        String ptr = check.pointer(p.keyword());
        String words = String.join(" ", p.words().stream().map(Program.Word::text).toList());
        int lead = 0;
        while (lead < t.length() && Program.blank(t.charAt(lead))) lead++;
        boolean leadHasBreak = t.substring(0, lead).contains("\n");
        if (p.glued()) {
            // From the quote itself to the first character of the program.
            Span end = p.spanOf(leadHasBreak ? 0 : lead, leadHasBreak ? 0 : lead);
            Span at = new Span(p.span().line(), p.span().column(), end.line(), end.column());
            if (lead > 0 && !leadHasBreak) {
                cx.monit().report(Rule.MONIT_MISPLACED_QUOTE, at, ptr,
                        "the opening quote of the " + p.keyword() + " program stands before the blank instead of after it: "
                                + "the program string starts with a blank",
                        "put the quote next to the program: " + p.keyword() + " program \"" + words + "\"", " \"");
            } else {
                cx.monit().report(Rule.MONIT_MISPLACED_QUOTE, at, ptr,
                        "the opening quote of the " + p.keyword() + " program touches the word before it",
                        "leave a blank before the quote: " + p.keyword() + " program \"" + words + "\"", " \"");
            }
        } else if (lead > 0 && !leadHasBreak) {
            cx.monit().report(Rule.MONIT_PROGRAM_SPACING, p.spanOf(0, lead), ptr,
                    "the " + p.keyword() + " program string starts with " + blanks(t.substring(0, lead)),
                    "start the string with the program: \"" + words + "\"", "");
        }
        if (t.contains("\n")) {
            Span quote = new Span(p.span().line(), p.span().column(), p.span().line(), p.span().column() + 1);
            cx.monit().report(Rule.MONIT_MISPLACED_QUOTE, quote, ptr,
                    "the " + p.keyword() + " program string runs from line " + p.span().line() + " to line " + p.span().endLine()
                            + "; monit reads the line break as a blank, so its closing quote may be missing here",
                    "keep the program on one line and close its quote there: " + p.keyword() + " program \"" + words + "\"");
        }
        // Blank runs between words, and at the end; a run with a line break was reported above.
        int end = t.length();
        int trail = end;
        while (trail > lead && Program.blank(t.charAt(trail - 1))) trail--;
        int i = lead;
        while (i < trail) {
            if (!Program.blank(t.charAt(i))) {
                i++;
                continue;
            }
            int from = i;
            while (i < trail && Program.blank(t.charAt(i))) i++;
            String run = t.substring(from, i);
            if (!run.equals(" ") && !run.contains("\n")) {
                String before = lastWord(t, from);
                String after = firstWord(t, i);
                cx.monit().report(Rule.MONIT_PROGRAM_SPACING, p.spanOf(from, i), ptr,
                        blanks(run) + " between '" + before + "' and '" + after + "' in the " + p.keyword() + " program",
                        "monit splits the program on blanks, so it runs the same words, but one blank between words keeps it "
                                + "the canonical command that tools and people search for", " ");
            }
        }
        if (trail < end && trail > lead && !t.substring(trail).contains("\n")) {
            cx.monit().report(Rule.MONIT_PROGRAM_SPACING, p.spanOf(trail, end), ptr,
                    "the " + p.keyword() + " program string ends with " + blanks(t.substring(trail)),
                    "end the string with the program's last word: \"" + words + "\"", "");
        }
    }

    private static String blanks(String run) {
        if (run.contains("\t")) return "a tab";
        return run.length() == 1 ? "a blank" : run.length() == 2 ? "two blanks" : run.length() + " blanks";
    }

    private static String lastWord(String t, int end) {
        int s = end;
        while (s > 0 && !Program.blank(t.charAt(s - 1))) s--;
        return t.substring(s, end);
    }

    private static String firstWord(String t, int start) {
        int e = start;
        while (e < t.length() && !Program.blank(t.charAt(e))) e++;
        return t.substring(start, e);
    }

    /** monit-bpm-path, monit-bpm-command, monit-job-mismatch, monit-unknown-process for one program. */
    private static void command(BpmCommand c, String expected, Check check, Context cx) {
        Program p = c.program();
        String ptr = check.pointer(p.keyword());
        String exe = c.executable().value();
        if (!exe.equals(BpmCommand.PATH)) {
            String why = !exe.startsWith("/")
                    ? "monit runs a program without searching PATH, so '" + exe + "' is not found"
                    : exe.equals("/var/vcap/packages/bpm/bin/bpm")
                    ? "that skips the bpm job's wrapper, which raises the open-files limit before bpm starts"
                    : "bpm's public interface is the bpm job's wrapper";
            cx.monit().report(Rule.MONIT_BPM_PATH, p.spanOf(c.executable()), ptr,
                    "the " + p.keyword() + " program runs bpm as " + exe + "; " + why,
                    "run bpm as " + BpmCommand.PATH, BpmCommand.PATH);
        }
        String job = c.job().map(Program.Word::value).orElse(cx.jobKnown() ? cx.job() : "JOB");
        String proc = c.effectiveProcess().orElse("PROC");
        if (c.command().isEmpty()) {
            cx.monit().report(Rule.MONIT_BPM_COMMAND, p.spanOf(c.executable()), ptr,
                    "the " + p.keyword() + " program runs bpm without a command",
                    "write " + p.keyword() + " program \"" + BpmCommand.canonical(expected, job, proc) + "\"");
            return;
        }
        Program.Word command = c.command().get();
        if (!command.value().equals(expected)) {
            String why = command.value().equals("run")
                    ? "; 'bpm run' waits until the process exits, so monit's " + p.keyword() + " would time out and it would not leave a pid file"
                    : "; monit runs this program to " + p.keyword() + " the process";
            cx.monit().report(Rule.MONIT_BPM_COMMAND, p.spanOf(command), ptr,
                    "the " + p.keyword() + " program runs 'bpm " + command.value() + "'" + why,
                    "the " + p.keyword() + " program is 'bpm " + expected + " JOB [-p PROC]'", expected);
        }
        if (c.job().isEmpty()) {
            cx.monit().report(Rule.MONIT_BPM_COMMAND, p.spanOf(command), ptr,
                    "the " + p.keyword() + " program runs 'bpm " + command.value() + "' without a job name",
                    "name the job: " + BpmCommand.canonical(expected, job, proc));
        }
        for (Program.Word w : c.unknownOptions()) {
            cx.monit().report(Rule.MONIT_BPM_COMMAND, p.spanOf(w), ptr,
                    "'bpm " + command.value() + "' has no option '" + w.value() + "'; bpm refuses the command",
                    "the only option of bpm start and bpm stop is -p PROC (--process PROC)");
        }
        if (c.processFlag().isPresent() && c.process().isEmpty()) {
            cx.monit().report(Rule.MONIT_BPM_COMMAND, p.spanOf(c.processFlag().get()), ptr,
                    "'" + c.processFlag().get().value() + "' is not followed by a process name; bpm refuses the command",
                    "write -p PROC, or leave -p out for the process named like the job");
        }
        if (!c.extra().isEmpty()) {
            Program.Word first = c.extra().getFirst();
            Program.Word last = c.extra().getLast();
            List<String> words = c.extra().stream().map(Program.Word::value).toList();
            boolean meantProcess = words.size() == 1 && c.processFlag().isEmpty();
            cx.monit().report(Rule.MONIT_BPM_COMMAND, p.spanOf(first.from(), last.to()), ptr,
                    "bpm ignores the extra argument" + (words.size() == 1 ? " '" : "s '") + String.join(" ", words) + "' after the job"
                            + (meantProcess ? ", so this " + p.keyword() + "s process " + c.job().get().value() + ", not " + words.getFirst() : ""),
                    meantProcess ? "name a process with -p: bpm " + command.value() + " " + c.job().get().value() + " -p " + words.getFirst()
                            : "bpm " + command.value() + " takes one job and -p PROC",
                    meantProcess ? "-p " + words.getFirst() : null);
        }
        if (c.job().isPresent() && cx.jobKnown() && !c.job().get().value().equals(cx.job())) {
            cx.monit().report(Rule.MONIT_JOB_MISMATCH, p.spanOf(c.job().get()), ptr,
                    "the " + p.keyword() + " program " + p.keyword() + "s a process of job \"" + c.job().get().value()
                            + "\", but this monit file belongs to job \"" + cx.job() + "\"",
                    "a job's monit file runs its own processes: bpm " + expected + " " + cx.job() + " [-p PROC]", cx.job());
        }
    }

    /** monit-unknown-process: the process a start (or a differing stop) names must be in bpm.yml. */
    private static void unknownProcess(BpmCommand c, Check check, Context cx) {
        if (cx.config().isEmpty() || !cx.ours(c) || c.effectiveProcess().isEmpty()) return;
        BpmConfig config = cx.config().get();
        String proc = c.effectiveProcess().get();
        if (config.process(proc).isPresent()) return;
        Program p = c.program();
        List<String> known = config.processes().stream().map(Process::name).filter(n -> !n.isEmpty()).distinct().toList();
        Optional<String> suggestion = DidYouMean.suggest(proc, known);
        boolean viaFlag = c.process().isPresent() && !c.process().get().value().isEmpty();
        Span at = viaFlag ? p.spanOf(c.process().get()) : p.spanOf(c.job().get());
        String defined = known.isEmpty() ? "bpm.yml defines no process at all"
                : "bpm.yml defines " + String.join(", ", known.stream().map(n -> "\"" + n + "\"").toList());
        cx.monit().report(Rule.MONIT_UNKNOWN_PROCESS, at, check.pointer(p.keyword()),
                "the " + p.keyword() + " program names process \"" + proc + "\""
                        + (viaFlag ? "" : " (without -p, bpm uses the process named like the job)")
                        + ", which bpm.yml does not define; bpm fails with 'process \"" + proc + "\" not present in job configuration'",
                suggestion.map(s -> "did you mean -p " + s + "? " + defined).orElse(defined),
                viaFlag ? suggestion.orElse(null) : null);
    }

    /** monit-start-stop-mismatch; true when start and stop name different processes (reported). */
    private static boolean startStop(Check check, Optional<BpmCommand> start, Optional<BpmCommand> stop, Context cx) {
        String job = cx.jobKnown() ? cx.job() : "JOB";
        if (start.isPresent() && check.stop().isEmpty()) {
            BpmCommand s = start.get();
            cx.monit().report(Rule.MONIT_START_STOP_MISMATCH, check.nameSpan(), check.pointer("stop"),
                    "check \"" + check.name() + "\" starts its process with bpm but has no stop program, so monit stop (and bosh stop) leave it running",
                    "add stop program \"" + BpmCommand.canonical("stop", s.job().map(Program.Word::value).orElse(job),
                            s.effectiveProcess().orElse("PROC")) + "\"");
        } else if (start.isPresent() && stop.isEmpty()) {
            cx.monit().report(Rule.MONIT_START_STOP_MISMATCH, check.stop().get().span(), check.pointer("stop"),
                    "the start program runs bpm but the stop program does not, so the process bpm started is never stopped through bpm"
                            + " (which also removes its pid file and cgroup)",
                    "stop what bpm started: stop program \"" + BpmCommand.canonical("stop",
                            start.get().job().map(Program.Word::value).orElse(job), start.get().effectiveProcess().orElse("PROC")) + "\"");
        } else if (stop.isPresent() && start.isEmpty()) {
            Span at = check.start().map(Program::span).orElse(check.nameSpan());
            cx.monit().report(Rule.MONIT_START_STOP_MISMATCH, at, check.pointer("start"),
                    check.start().isPresent()
                            ? "the stop program runs bpm but the start program does not, so bpm stop finds no process it started"
                            : "check \"" + check.name() + "\" stops its process with bpm but has no start program, so monit never starts it",
                    "start it with bpm: start program \"" + BpmCommand.canonical("start",
                            stop.get().job().map(Program.Word::value).orElse(job), stop.get().effectiveProcess().orElse("PROC")) + "\"");
        } else if (start.isPresent()) {
            BpmCommand a = start.get();
            BpmCommand b = stop.get();
            if (a.wellFormed() && b.wellFormed()) {
                String aj = a.job().get().value();
                String bj = b.job().get().value();
                String ap = a.effectiveProcess().get();
                String bp = b.effectiveProcess().get();
                if (!aj.equals(bj) || !ap.equals(bp)) {
                    Span at = !aj.equals(bj) ? b.program().spanOf(b.job().get())
                            : b.process().isPresent() && !b.process().get().value().isEmpty() ? b.program().spanOf(b.process().get())
                            : b.program().spanOf(b.job().get());
                    cx.monit().report(Rule.MONIT_START_STOP_MISMATCH, at, check.pointer("stop"),
                            "the start program starts process \"" + ap + "\" of job \"" + aj + "\", but the stop program stops process \""
                                    + bp + "\" of job \"" + bj + "\"" + (b.process().isEmpty() ? " (without -p, the process named like the job)" : ""),
                            "stop what the start program starts: stop program \"" + BpmCommand.canonical("stop", aj, ap) + "\"");
                    return true;
                }
            }
        }
        return false;
    }

    /** monit-pidfile: the check watches the pid file bpm writes for the process it starts. */
    private static void pidfile(Check check, Optional<BpmCommand> start, Optional<BpmCommand> stop, Context cx) {
        Optional<BpmCommand> by = start.filter(c -> c.job().isPresent()).or(() -> stop.filter(c -> c.job().isPresent()));
        if (by.isEmpty()) return;
        String job = by.get().job().get().value();
        String proc = by.get().effectiveProcess().get();
        String expected = BpmCommand.pidFile(job, proc);
        if (check.target().isEmpty()) return; // a process check without one does not parse
        Check.Target t = check.target().get();
        if (t.keyword().equals("matching") || t.keyword().equals("match")) {
            cx.monit().report(Rule.MONIT_PIDFILE, t.span(), check.pointer("pidfile"),
                    "check \"" + check.name() + "\" finds its process by matching a pattern instead of by the pid file bpm writes;"
                            + " monit may pick another process that matches",
                    "watch the pid file bpm writes: with pidfile " + expected);
            return;
        }
        if (!t.value().equals(expected)) {
            cx.monit().report(Rule.MONIT_PIDFILE, t.span(), check.pointer("pidfile"),
                    "monit watches " + t.value() + ", but bpm writes the pid of process \"" + proc + "\" of job \"" + job + "\" to " + expected
                            + "; monit will think the process is not running and start it again and again",
                    "bpm's pid file is /var/vcap/sys/run/bpm/JOB/PROC.pid", expected);
        }
    }

    /** monit-unmonitored-process: a process of bpm.yml no check starts. */
    private static void unmonitored(BpmConfig config, Set<String> monitored, Map<String, Check> withoutBpm, Context cx) {
        Set<String> seen = new LinkedHashSet<>();
        String job = cx.jobKnown() ? cx.job() : "JOB";
        for (Process p : config.processes()) {
            if (p.name().isEmpty() || !seen.add(p.name()) || monitored.contains(p.name())) continue;
            String name = p.name();
            // The usual reason in a rendered job: bpm is switched off and the check runs the job's own ctl script.
            Check same = withoutBpm.get(name);
            String instead = same == null ? "" : same.start().flatMap(prog -> prog.words().stream().findFirst())
                    .map(w -> "; its check \"" + name + "\" (line " + same.nameSpan().line() + ") runs " + w.value() + " instead")
                    .orElse("");
            cx.bpm().report(Rule.MONIT_UNMONITORED_PROCESS, cx.locations().valueOf(p.pointer() + "/name"), p.pointer() + "/name",
                    "process \"" + name + "\" has no check in " + cx.monitName() + " that starts it with bpm, so monit never starts it" + instead,
                    "right for an errand ('bpm run " + job + (name.equals(job) ? "" : " -p " + name) + "') or a process something else starts;"
                            + " else add: check process " + name + " with pidfile " + BpmCommand.pidFile(job, name)
                            + ", start program \"" + BpmCommand.canonical("start", job, name) + "\""
                            + ", stop program \"" + BpmCommand.canonical("stop", job, name) + "\", group vcap");
        }
    }

}
