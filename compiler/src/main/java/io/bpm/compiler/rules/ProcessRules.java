package io.bpm.compiler.rules;

import io.bpm.compiler.diag.Rule;
import io.bpm.compiler.model.Located;
import io.bpm.compiler.model.Process;
import io.bpm.compiler.model.Process.EnvVar;
import io.bpm.compiler.model.Volume;
import io.bpm.executor.plan.Capability;
import io.bpm.executor.plan.HostPath;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Rules about a process's identity, program, environment, capabilities and signal. */
final class ProcessRules {
    private static final List<String> CAPABILITY_NAMES =
            Arrays.stream(Capability.values()).map(Enum::name).toList();

    private ProcessRules() {
    }

    static void check(List<Process> processes, LintContext cx) {
        Map<String, Process> seen = new HashMap<>();
        for (Process p : processes) {
            name(p, cx);
            if (!p.name().isEmpty()) {
                Process first = seen.putIfAbsent(p.name(), p);
                if (first != null) {
                    cx.at(Rule.DUPLICATE_PROCESS, p.pointer() + "/name",
                            "process name \"" + p.name() + "\" is already used on line "
                                    + cx.locations().valueOf(first.pointer() + "/name").line()
                                    + "; bpm silently starts the first one and this one never runs",
                            "give each process a unique name");
                }
            }
            program(p, cx);
            env(p, cx);
            nul(p, cx);
            capabilities(p, cx);
            signal(p, cx);
            if (p.privileged()) {
                cx.at(Rule.PRIVILEGED, p.unsafe().pointer() + "/privileged",
                        "process \"" + p.name() + "\" runs privileged: as root, with all capabilities, no seccomp filter and no masked paths",
                        "grant only the capabilities it needs (capabilities: [NET_BIND_SERVICE, ...]) instead");
            }
        }
    }

    private static void name(Process p, LintContext cx) {
        String ptr = p.pointer() + "/name";
        String name = p.name();
        if (name.isEmpty()) {
            cx.at(Rule.NAME_REQUIRED, ptr, "this process has no name",
                    "add 'name: NAME'; monit starts it with 'bpm start JOB -p NAME'");
            return;
        }
        String unsafe = unsafeNameReason(name);
        if (unsafe != null) {
            String hint = "use letters, digits, '-' and '_' only; the name becomes part of log, pid and lock file paths";
            // a name that is not one path component puts bpm's own files (logs, pid, lock) outside
            // its directories: a sandbox escape (SandboxEscape), refused for this process even with --compat
            if (io.bpm.executor.plan.Verifier.nameProblem("process", name) != null) {
                cx.atRefused(Rule.PROCESS_NAME_UNSAFE, ptr, "process name \"" + printable(name) + "\" " + unsafe
                        + "; bpm refuses to start it", hint);
            } else {
                cx.at(Rule.PROCESS_NAME_UNSAFE, ptr, "process name \"" + printable(name) + "\" " + unsafe, hint);
            }
        } else if (name.contains(".")) {
            cx.at(Rule.PROCESS_NAME_DOT, ptr, "process name \"" + name + "\" contains '.', which makes its container id ambiguous"
                            + " (job a.b with process c and job a with process b.c both become bpm-a.2eb.2ec)",
                    "use '-' or '_' instead of '.'");
        }
    }

    /** Why a name would escape or collide in bpm's paths, or null when it is safe. */
    static String unsafeNameReason(String name) {
        if (name.equals("..") || name.equals(".")) return "is a path of its own and escapes the log and pid directories";
        if (name.contains("/")) return "contains '/', so its log and pid files land outside the job's directories";
        if (name.startsWith("-")) return "starts with '-', so 'bpm start JOB -p " + name + "' reads it as an option";
        for (int i = 0; i < name.length(); i++) {
            if (Character.isISOControl(name.charAt(i))) return "contains a control character";
        }
        return null;
    }

    private static void program(Process p, LintContext cx) {
        String exe = p.executable();
        if (exe.isEmpty()) {
            cx.at(Rule.EXECUTABLE_REQUIRED, p.pointer() + "/executable",
                    "process \"" + p.name() + "\" has no executable",
                    "add 'executable: /var/vcap/packages/PACKAGE/bin/PROGRAM'");
        } else if (!exe.startsWith("/")) {
            cx.at(Rule.PATH_NOT_ABSOLUTE, p.pointer() + "/executable",
                    "executable \"" + exe + "\" is not an absolute path; inside the job it would be looked up in PATH, starting with /var/vcap/jobs/JOB/bin",
                    "write the full path, e.g. /var/vcap/packages/PACKAGE/bin/" + lastSegment(exe));
        } else {
            canonical("executable", exe, p.pointer() + "/executable", cx);
        }
        if (!p.workdir().isEmpty() && !p.workdir().startsWith("/")) {
            // runc refuses a relative cwd, so bpm 1.4 fails every start of it: an error even with --compat
            cx.atRefused(Rule.PATH_NOT_ABSOLUTE, p.pointer() + "/workdir",
                    "workdir \"" + p.workdir() + "\" is not an absolute path; runc refuses it, so bpm 1.4 fails every start",
                    "write the full path, e.g. /var/vcap/data/JOB; without workdir the process starts in /var/vcap/jobs/JOB");
        } else if (!p.workdir().isEmpty()) {
            canonical("workdir", p.workdir(), p.pointer() + "/workdir", cx);
        }
        if (p.hooks() != null) {
            String hook = p.hooks().preStart();
            String ptr = p.hooks().pointer() + "/pre_start";
            if (hook.isEmpty()) {
                cx.at(Rule.EMPTY_HOOK, cx.locations().has(ptr) ? ptr : p.hooks().pointer(),
                        "hooks is present but names no pre_start program; bpm then fails every start with 'exec: no command'",
                        "set 'pre_start: /var/vcap/jobs/JOB/bin/PROGRAM', or remove 'hooks'");
            } else if (!hook.startsWith("/")) {
                cx.at(Rule.PATH_NOT_ABSOLUTE, ptr,
                        "pre_start \"" + hook + "\" is not an absolute path; bpm would look it up in its own PATH on the host",
                        "write the full path, e.g. /var/vcap/jobs/JOB/bin/" + lastSegment(hook));
            } else {
                canonical("pre_start", hook, ptr, cx);
            }
        }
    }

    /** A path the job sees must say plainly where it is: the plan is reviewed and verified as written. */
    private static void canonical(String key, String path, String ptr, LintContext cx) {
        String clean = HostPath.clean(path);
        if (!clean.equals(path)) {
            cx.at(Rule.PATH_NOT_CANONICAL, ptr, key + " \"" + printable(path) + "\" is not canonical; it means " + clean,
                    "write " + clean, clean);
        }
    }

    private static void env(Process p, LintContext cx) {
        for (EnvVar e : p.env()) {
            Optional<String> problem = EnvName.problem(e.name());
            // runc refuses an empty name (bpm 1.4 fails every start); "A=B: x" reaches the job as A="B=x"
            if (e.name().isEmpty()) {
                cx.findings().reportRefused(Rule.ENV_NAME, cx.locations().keyOf(e.pointer()), e.pointer(),
                        "environment variable name \"\" is empty; runc refuses it, so bpm 1.4 fails every start",
                        "use letters, digits and '_', not starting with a digit (e.g. MY_VARIABLE)");
                continue;
            }
            problem.ifPresent(why -> cx.atKey(Rule.ENV_NAME, e.pointer(),
                    "environment variable name \"" + printable(e.name()) + "\" " + why,
                    "use letters, digits and '_', not starting with a digit (e.g. " + suggestEnvName(e.name()) + ")"));
        }
    }

    /**
     * A NUL byte (written "\0" in a double-quoted string) cannot reach the kernel: execve's
     * arguments and environment and every path end at the first one. bpm accepts the file and
     * every start fails, and no plan can say what would happen, so the compiler refuses it. (NUL
     * in a name or an environment variable's name is reported by their own rules.)
     */
    private static void nul(Process p, LintContext cx) {
        nulAt("executable", p.executable(), p.pointer() + "/executable", cx);
        for (Located<String> a : p.args()) nulAt("argument", a.value(), a.pointer(), cx);
        for (EnvVar e : p.env()) nulAt("the value of environment variable " + printable(e.name()), e.value(), e.pointer(), cx);
        nulAt("workdir", p.workdir(), p.pointer() + "/workdir", cx);
        if (p.hooks() != null) nulAt("pre_start", p.hooks().preStart(), p.hooks().pointer() + "/pre_start", cx);
        for (Volume v : p.additionalVolumes()) nulAt("volume path", v.path(), v.pointer() + "/path", cx);
        for (Volume v : p.unrestrictedVolumes()) nulAt("unrestricted volume path", v.path(), v.pointer() + "/path", cx);
    }

    private static void nulAt(String what, String value, String ptr, LintContext cx) {
        if (value == null || value.indexOf('\0') < 0) return;
        cx.at(Rule.NUL_BYTE, ptr, what + " \"" + printable(value) + "\" contains a NUL byte, where a program path, argument, variable or path ends; every start would fail",
                "remove the \\0 (a NUL cannot be passed to a process)");
    }

    private static String suggestEnvName(String name) {
        String s = name.replaceAll("[^A-Za-z0-9_]", "_");
        if (s.isEmpty()) return "MY_VARIABLE";
        return Character.isDigit(s.charAt(0)) ? "_" + s : s;
    }

    private static void capabilities(Process p, LintContext cx) {
        for (Located<String> cap : p.capabilities()) {
            String raw = cap.value();
            String bare = raw.toUpperCase(Locale.ROOT);
            if (bare.startsWith("CAP_")) bare = bare.substring(4);
            Optional<Capability> known = Capability.byName(bare);
            if (known.isPresent() && !bare.equals(raw)) {
                cx.at(Rule.CAPABILITY_SPELLING, cap.pointer(),
                        "capability \"" + raw + "\" must be written " + bare + ": bpm adds the CAP_ prefix itself"
                                + (raw.toUpperCase(Locale.ROOT).startsWith("CAP_") ? " (it would become CAP_" + raw.toUpperCase(Locale.ROOT) + ")" : " and does not change case"),
                        "write " + bare, bare);
            } else if (known.isEmpty()) {
                Optional<String> guess = DidYouMean.suggest(bare, CAPABILITY_NAMES);
                cx.at(Rule.CAPABILITY_UNKNOWN, cap.pointer(),
                        "\"" + raw + "\" is not a Linux capability; runc would ignore it and the process would run without it",
                        guess.map(g -> "did you mean " + g + "?").orElse("see capabilities(7) for the names; write them without CAP_"),
                        guess.orElse(null));
            }
        }
    }

    private static void signal(Process p, LintContext cx) {
        String sig = p.shutdownSignal();
        if (sig.isEmpty() || sig.equals("TERM") || sig.equals("INT")) return;
        String guess = sig.toUpperCase(Locale.ROOT).replaceFirst("^SIG", "");
        String fix = guess.equals("TERM") || guess.equals("INT") ? guess : null;
        cx.at(Rule.SHUTDOWN_SIGNAL, p.pointer() + "/shutdown_signal",
                "shutdown signal should either be 'TERM' or 'INT' (or left unspecified), but got '" + sig + "'",
                fix != null ? "write " + fix + " (without SIG, in upper case)" : "use TERM (the default) or INT",
                fix);
    }

    private static String lastSegment(String path) {
        String s = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        int i = s.lastIndexOf('/');
        return i < 0 ? s : s.substring(i + 1);
    }

    /** Shows control characters visibly, so a message never breaks a line. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f) b.append(String.format("\\x%02x", c));
            else b.appendCodePoint(c);
        });
        return b.toString();
    }
}
