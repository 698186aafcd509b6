package io.bpm.executor.plan;

import io.bpm.executor.plan.Step.Capabilities;
import io.bpm.executor.plan.Step.CgroupLimit;
import io.bpm.executor.plan.Step.ContainerId;
import io.bpm.executor.plan.Step.Cwd;
import io.bpm.executor.plan.Step.Env;
import io.bpm.executor.plan.Step.Exec;
import io.bpm.executor.plan.Step.GlobMount;
import io.bpm.executor.plan.Step.Hook;
import io.bpm.executor.plan.Step.LockFile;
import io.bpm.executor.plan.Step.Log;
import io.bpm.executor.plan.Step.LogStream;
import io.bpm.executor.plan.Step.MakeDir;
import io.bpm.executor.plan.Step.Mask;
import io.bpm.executor.plan.Step.Mount;
import io.bpm.executor.plan.Step.Namespace;
import io.bpm.executor.plan.Step.NamespaceKind;
import io.bpm.executor.plan.Step.NoNewPrivs;
import io.bpm.executor.plan.Step.OpenLog;
import io.bpm.executor.plan.Step.Owner;
import io.bpm.executor.plan.Step.PidFile;
import io.bpm.executor.plan.Step.ReadOnly;
import io.bpm.executor.plan.Step.RequireDir;
import io.bpm.executor.plan.Step.Rlimit;
import io.bpm.executor.plan.Step.Seccomp;
import io.bpm.executor.plan.Step.ShareVolume;
import io.bpm.executor.plan.Step.StateDir;
import io.bpm.executor.plan.Step.Stop;
import io.bpm.executor.plan.Step.User;
import io.bpm.executor.plan.Step.VolumeDir;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The plan's text form (man/bpm-plan.5): one action per line, fields separated by spaces,
 * any field that is not a plain token double-quoted with escapes (so no value can start a new
 * line or a comment), and the provenance as a trailing {@code # } comment. Writing is
 * deterministic; reading is strict and names the line of any problem.
 */
public final class PlanText {
    /** Column the provenance comments are aligned to, for reviewable diffs. */
    static final int COMMENT_COLUMN = 72;
    private static final long UNLIMITED = -1L; // 2^64-1 as an unsigned long

    private PlanText() {
    }

    // ---------------------------------------------------------------------------------- write

    public static String write(Plan plan) {
        StringBuilder out = new StringBuilder();
        Header h = plan.header();
        line(out, List.of("bpm-plan", Integer.toString(h.format())), null);
        line(out, List.of("compiler", h.compiler()), null);
        line(out, List.of("source", "sha256:" + h.sourceSha256()), null);
        line(out, List.of("job", h.job()), null);
        line(out, List.of("process", h.process()), null);
        for (Step s : plan.steps()) line(out, fields(s), s.from());
        return out.toString();
    }

    /** The fields of one step: its keyword, then its values. */
    static List<String> fields(Step step) {
        return switch (step) {
            case ContainerId s -> List.of("container-id", s.id());
            case LockFile s -> List.of("lock-file", s.path());
            case PidFile s -> List.of("pid-file", s.path());
            case StateDir s -> List.of("state-dir", s.path());
            case Log s -> List.of("log", lower(s.stream()), s.path());
            case User s -> List.of("user", s.name());
            case MakeDir s -> List.of("mkdir", s.path(), mode(s.mode()), owner(s.owner()));
            case VolumeDir s -> List.of("volume", s.path(), mode(s.mode()), owner(s.owner()));
            case ShareVolume s -> List.of("share", s.path(), s.lock());
            case RequireDir s -> List.of("require-dir", s.path(), s.reason());
            case OpenLog s -> List.of("open-log", s.path(), mode(s.mode()), owner(s.owner()));
            case Hook s -> List.of("hook", s.program());
            case Namespace s -> List.of("namespace", lower(s.kind()));
            case Mount s -> {
                List<String> f = new ArrayList<>(List.of("mount", s.type(), s.source(), s.target(), list(s.options(), "-")));
                if (s.ifExists()) f.add("if-exists");
                yield f;
            }
            case GlobMount s -> {
                List<String> f = new ArrayList<>(List.of("mount-glob", s.pattern(), list(s.options(), "-")));
                if (!s.exclude().isEmpty()) {
                    f.add("exclude");
                    f.addAll(s.exclude());
                }
                yield f;
            }
            case Mask s -> List.of("mask", s.path());
            case ReadOnly s -> List.of("readonly", s.path());
            case Rlimit s -> List.of("rlimit", s.resource(), unsigned(s.soft()), unsigned(s.hard()));
            case CgroupLimit s -> s.ifSupported()
                    ? List.of("cgroup", s.limit(), Long.toString(s.value()), "if-supported")
                    : List.of("cgroup", s.limit(), Long.toString(s.value()));
            case Capabilities s -> List.of("capabilities", "bounding=" + list(s.bounding(), ""),
                    "inheritable=" + list(s.inheritable(), ""), "permitted=" + list(s.permitted(), ""),
                    "effective=" + list(s.effective(), ""), "ambient=" + list(s.ambient(), ""));
            case NoNewPrivs s -> List.of("no-new-privs");
            case Step.Seccomp s -> List.of("seccomp", s.profile(), Integer.toString(s.version()));
            case Env s -> List.of("env", s.name(), s.value());
            case Cwd s -> List.of("cwd", s.path());
            case Exec s -> {
                List<String> f = new ArrayList<>(List.of("exec"));
                f.addAll(s.argv());
                yield f;
            }
            case Stop s -> List.of("stop", "signal=" + s.signal(), "quit-after=" + s.quitAfterMillis() + "ms",
                    "kill-after=" + s.killAfterMillis() + "ms");
        };
    }

    private static void line(StringBuilder out, List<String> fields, Provenance from) {
        int start = out.length();
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) out.append(' ');
            out.append(quote(fields.get(i)));
        }
        if (from != null) {
            int width = out.length() - start;
            out.append(" ".repeat(Math.max(1, COMMENT_COLUMN - width))).append("# ").append(from.text());
        }
        out.append('\n');
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    private static String mode(int mode) {
        return "mode=0" + Integer.toOctalString(mode);
    }

    private static String owner(Owner o) {
        return "owner=" + lower(o);
    }

    /**
     * A comma-separated list field. An item that is empty or has a comma, or a lone item that is
     * the empty list's spelling, would read back as another list: such a plan (which the verifier
     * refuses anyway) is not written at all rather than written as a different plan.
     */
    private static String list(List<String> items, String empty) {
        if (items.isEmpty()) return empty;
        for (String item : items) {
            if (item == null || item.isEmpty() || item.indexOf(',') >= 0 || items.size() == 1 && item.equals(empty)) {
                throw new IllegalArgumentException("the list item " + (item == null ? "null" : quote(item))
                        + " cannot be written in a plan (items are non-empty, without ',', and a lone item is not '" + empty + "')");
            }
        }
        return String.join(",", items);
    }

    private static String unsigned(long v) {
        return v == UNLIMITED ? "unlimited" : Long.toUnsignedString(v);
    }

    static boolean isBare(String s) {
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || "_@%+=:,./$~^-".indexOf(c) >= 0;
            if (!ok) return false;
        }
        return true;
    }

    /** A field as written: bare when it is a plain token, else quoted with escapes. */
    public static String quote(String s) {
        if (isBare(s)) return s;
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().forEach(c -> {
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '"' -> b.append("\\\"");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case 0x85, 0x2028, 0x2029 -> b.append(String.format("\\u{%04X}", c));
                default -> {
                    if (c < 0x20 || c == 0x7f) b.append(String.format("\\x%02X", c));
                    else b.appendCodePoint(c);
                }
            }
        });
        return b.append('"').toString();
    }

    // ----------------------------------------------------------------------------------- read

    /** One line split into fields and its provenance comment (null when none). */
    record Line(int number, List<String> fields, String comment) {
    }

    /** A plan as read, with the text line (1-based) of each step, for messages that name lines. */
    public record Parsed(Plan plan, List<Integer> stepLines) {
        public Parsed {
            stepLines = List.copyOf(stepLines);
        }

        /** The text line of step {@code index}, or 0 for the header or the plan as a whole. */
        public int lineOf(int index) {
            return index >= 0 && index < stepLines.size() ? stepLines.get(index) : 0;
        }
    }

    public static Plan read(String text) throws PlanFormatException {
        return parse(text).plan();
    }

    public static Parsed parse(String text) throws PlanFormatException {
        List<Line> lines = new ArrayList<>();
        String[] raw = text.split("\n", -1);
        for (int i = 0; i < raw.length; i++) {
            String l = raw[i];
            int n = i + 1;
            if (i == raw.length - 1 && l.isEmpty()) break; // the final newline
            if (l.indexOf('\r') >= 0) throw new PlanFormatException(n, "carriage return in a line (the format uses LF line ends)");
            if (l.isBlank() || l.startsWith("#")) continue;
            lines.add(split(l, n));
        }
        if (lines.size() < 5) throw new PlanFormatException(lines.isEmpty() ? 1 : lines.getLast().number(), "incomplete plan: the five header lines are missing");
        Header header = header(lines.subList(0, 5));
        List<Step> steps = new ArrayList<>();
        List<Integer> numbers = new ArrayList<>();
        for (Line l : lines.subList(5, lines.size())) {
            steps.add(step(l));
            numbers.add(l.number());
        }
        return new Parsed(new Plan(header, steps), numbers);
    }

    /**
     * {@code min} to {@code max} ASCII digits of {@code radix} 8, 10 or 16 (either case): what
     * {@code [0-7]}, {@code [0-9]} and {@code [0-9A-Fa-f]} with those bounds match. No regex: a
     * start parses its plan.
     */
    static boolean digits(String v, int min, int max, int radix) {
        if (v.length() < min || v.length() > max) return false;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            boolean ok = radix == 16 ? (c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')
                    : c >= '0' && c < '0' + radix;
            if (!ok) return false;
        }
        return true;
    }

    private static Header header(List<Line> h) throws PlanFormatException {
        int format;
        String v = one(h.get(0), "bpm-plan");
        try {
            if (!digits(v, 1, 9, 10)) throw new NumberFormatException(); // not "+1": the text says what is read
            format = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new PlanFormatException(h.get(0).number(), "format version is not a number: " + v);
        }
        if (format != Header.FORMAT) {
            throw new PlanFormatException(h.get(0).number(), "plan format " + format + " is not supported (this bpm reads format " + Header.FORMAT + ")");
        }
        String compiler = one(h.get(1), "compiler");
        String source = one(h.get(2), "source");
        if (!source.startsWith("sha256:")) throw new PlanFormatException(h.get(2).number(), "source must be sha256:HEX");
        return new Header(format, compiler, source.substring("sha256:".length()), one(h.get(3), "job"), one(h.get(4), "process"));
    }

    private static String one(Line l, String keyword) throws PlanFormatException {
        if (!l.fields().getFirst().equals(keyword)) {
            throw new PlanFormatException(l.number(), "expected the header line '" + keyword + "', found '" + l.fields().getFirst() + "'");
        }
        if (l.fields().size() != 2) throw new PlanFormatException(l.number(), keyword + " takes exactly one value");
        return l.fields().get(1);
    }

    private static Step step(Line l) throws PlanFormatException {
        Args a = new Args(l);
        Provenance from = l.comment() == null ? Provenance.DEFAULT : new Provenance(l.comment());
        String keyword = a.next("keyword");
        Step s = switch (keyword) {
            case "container-id" -> new ContainerId(a.next("id"), from);
            case "lock-file" -> new LockFile(a.next("path"), from);
            case "pid-file" -> new PidFile(a.next("path"), from);
            case "state-dir" -> new StateDir(a.next("path"), from);
            case "log" -> new Log(a.enumValue("stream", LogStream.class), a.next("path"), from);
            case "user" -> new User(a.next("user name"), from);
            case "mkdir" -> new MakeDir(a.next("path"), a.mode(), a.owner(), from);
            case "volume" -> new VolumeDir(a.next("path"), a.mode(), a.owner(), from);
            case "share" -> new ShareVolume(a.next("path"), a.next("lock path"), from);
            case "require-dir" -> new RequireDir(a.next("path"), a.next("reason"), from);
            case "open-log" -> new OpenLog(a.next("path"), a.mode(), a.owner(), from);
            case "hook" -> new Hook(a.next("program"), from);
            case "namespace" -> new Namespace(a.enumValue("namespace", NamespaceKind.class), from);
            case "mount" -> new Mount(a.next("type"), a.next("source"), a.next("target"), a.options(),
                    a.optionalFlag("if-exists"), from);
            case "mount-glob" -> {
                String pattern = a.next("pattern");
                List<String> options = a.options();
                List<String> exclude = new ArrayList<>();
                if (a.optionalFlag("exclude")) {
                    while (a.hasMore()) exclude.add(a.next("excluded directory"));
                    if (exclude.isEmpty()) throw a.error("exclude needs at least one directory");
                }
                yield new GlobMount(pattern, options, exclude, from);
            }
            case "mask" -> new Mask(a.next("path"), from);
            case "readonly" -> new ReadOnly(a.next("path"), from);
            case "rlimit" -> new Rlimit(a.next("resource"), a.unsignedValue("soft limit"), a.unsignedValue("hard limit"), from);
            case "cgroup" -> new CgroupLimit(a.next("limit"), a.longValue("value"), a.optionalFlag("if-supported"), from);
            case "capabilities" -> new Capabilities(a.capList("bounding"), a.capList("inheritable"), a.capList("permitted"),
                    a.capList("effective"), a.capList("ambient"), from);
            case "no-new-privs" -> new NoNewPrivs(from);
            case "seccomp" -> new Seccomp(a.next("profile"), a.intValue("version"), from);
            case "env" -> new Env(a.next("name"), a.next("value"), from);
            case "cwd" -> new Cwd(a.next("path"), from);
            case "exec" -> {
                List<String> argv = new ArrayList<>();
                while (a.hasMore()) argv.add(a.next("argument"));
                if (argv.isEmpty()) throw a.error("exec needs a program");
                yield new Exec(argv, from);
            }
            case "stop" -> new Stop(a.keyed("signal"), a.millis("quit-after"), a.millis("kill-after"), from);
            default -> throw new PlanFormatException(l.number(), "unknown step '" + keyword + "'");
        };
        a.end();
        return s;
    }

    /** The fields of a line being consumed left to right. */
    private static final class Args {
        private final Line line;
        private int next;

        Args(Line line) {
            this.line = line;
        }

        PlanFormatException error(String message) {
            return new PlanFormatException(line.number(), line.fields().getFirst() + ": " + message);
        }

        boolean hasMore() {
            return next < line.fields().size();
        }

        String next(String what) throws PlanFormatException {
            if (!hasMore()) throw error("missing " + what);
            return line.fields().get(next++);
        }

        boolean optionalFlag(String word) {
            if (hasMore() && line.fields().get(next).equals(word)) {
                next++;
                return true;
            }
            return false;
        }

        void end() throws PlanFormatException {
            if (hasMore()) throw error("unexpected extra field '" + line.fields().get(next) + "'");
        }

        <E extends Enum<E>> E enumValue(String what, Class<E> type) throws PlanFormatException {
            String v = next(what);
            for (E e : type.getEnumConstants()) if (e.name().toLowerCase(Locale.ROOT).equals(v)) return e;
            throw error("unknown " + what + " '" + v + "'");
        }

        String keyed(String key) throws PlanFormatException {
            String v = next(key + "=...");
            if (!v.startsWith(key + "=")) throw error("expected " + key + "=..., found '" + v + "'");
            return v.substring(key.length() + 1);
        }

        int mode() throws PlanFormatException {
            String v = keyed("mode");
            if (!(v.startsWith("0") && digits(v.substring(1), 1, 4, 8))) throw error("mode must be octal like 0700, found '" + v + "'");
            return Integer.parseInt(v, 8);
        }

        Owner owner() throws PlanFormatException {
            String v = keyed("owner");
            return switch (v) {
                case "root" -> Owner.ROOT;
                case "vcap" -> Owner.VCAP;
                default -> throw error("owner must be root or vcap, found '" + v + "'");
            };
        }

        List<String> options() throws PlanFormatException {
            String v = next("options");
            return v.equals("-") ? List.of() : Arrays.asList(v.split(",", -1));
        }

        List<String> capList(String key) throws PlanFormatException {
            String v = keyed(key);
            return v.isEmpty() ? List.of() : Arrays.asList(v.split(",", -1));
        }

        long unsignedValue(String what) throws PlanFormatException {
            String v = next(what);
            if (v.equals("unlimited")) return UNLIMITED;
            try {
                if (!digits(v, 1, Integer.MAX_VALUE, 10)) throw new NumberFormatException();
                return Long.parseUnsignedLong(v);
            } catch (NumberFormatException e) {
                throw error(what + " must be a whole number or 'unlimited', found '" + v + "'");
            }
        }

        long longValue(String what) throws PlanFormatException {
            String v = next(what);
            try {
                if (!digits(v.startsWith("-") ? v.substring(1) : v, 1, Integer.MAX_VALUE, 10)) throw new NumberFormatException();
                return Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw error(what + " must be a whole number, found '" + v + "'");
            }
        }

        /** A 32-bit whole number; beyond is an error, never wrapped (4294967297 is not 1). */
        int intValue(String what) throws PlanFormatException {
            String v = next(what);
            try {
                if (!digits(v.startsWith("-") ? v.substring(1) : v, 1, 10, 10)) throw new NumberFormatException();
                return Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw error(what + " must be a whole number from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE + ", found '" + v + "'");
            }
        }

        long millis(String key) throws PlanFormatException {
            String v = keyed(key);
            if (!(v.endsWith("ms") && digits(v.substring(0, v.length() - 2), 1, 12, 10))) throw error(key + " must be milliseconds like 15000ms, found '" + v + "'");
            return Long.parseLong(v.substring(0, v.length() - 2));
        }
    }

    /** Splits a line into fields, unquoting, and takes the trailing comment. */
    static Line split(String l, int n) throws PlanFormatException {
        List<String> fields = new ArrayList<>();
        String comment = null;
        int i = 0;
        int len = l.length();
        while (i < len) {
            char c = l.charAt(i);
            if (c == ' ') {
                i++;
                continue;
            }
            if (c == '#') {
                if (i == 0 || l.charAt(i - 1) != ' ') throw new PlanFormatException(n, "'#' must follow a space to start a comment");
                comment = l.substring(i + 1).strip();
                break;
            }
            if (c == '"') {
                StringBuilder b = new StringBuilder();
                i++;
                boolean closed = false;
                while (i < len) {
                    char d = l.charAt(i);
                    if (d == '"') {
                        closed = true;
                        i++;
                        break;
                    }
                    if (d == '\\') {
                        if (i + 1 >= len) throw new PlanFormatException(n, "a backslash ends the line inside a quoted field");
                        char e = l.charAt(i + 1);
                        switch (e) {
                            case '\\' -> { b.append('\\'); i += 2; }
                            case '"' -> { b.append('"'); i += 2; }
                            case 'n' -> { b.append('\n'); i += 2; }
                            case 'r' -> { b.append('\r'); i += 2; }
                            case 't' -> { b.append('\t'); i += 2; }
                            case 'x' -> {
                                if (i + 4 > len || !digits(l.substring(i + 2, i + 4), 2, 2, 16)) {
                                    throw new PlanFormatException(n, "\\x needs two hex digits");
                                }
                                b.append((char) Integer.parseInt(l.substring(i + 2, i + 4), 16));
                                i += 4;
                            }
                            case 'u' -> {
                                int close = l.indexOf('}', i);
                                if (i + 2 >= len || l.charAt(i + 2) != '{' || close < 0 || !digits(l.substring(i + 3, close), 1, 6, 16)) {
                                    throw new PlanFormatException(n, "\\u needs the form \\u{HEX}");
                                }
                                int cp = Integer.parseInt(l.substring(i + 3, close), 16);
                                if (!Character.isValidCodePoint(cp)) throw new PlanFormatException(n, "\\u{" + l.substring(i + 3, close) + "} is not a code point");
                                b.appendCodePoint(cp);
                                i = close + 1;
                            }
                            default -> throw new PlanFormatException(n, "unknown escape \\" + e);
                        }
                        continue;
                    }
                    if (d < 0x20 || d == 0x7f) throw new PlanFormatException(n, "raw control character in a quoted field");
                    b.append(d);
                    i++;
                }
                if (!closed) throw new PlanFormatException(n, "unterminated quoted field");
                if (i < len && l.charAt(i) != ' ') throw new PlanFormatException(n, "a quoted field must be followed by a space or the end of the line");
                fields.add(b.toString());
                continue;
            }
            int start = i;
            while (i < len && l.charAt(i) != ' ') i++;
            String bare = l.substring(start, i);
            if (!isBare(bare)) throw new PlanFormatException(n, "field '" + bare + "' must be quoted");
            fields.add(bare);
        }
        if (fields.isEmpty()) throw new PlanFormatException(n, "a line without fields");
        return new Line(n, fields, comment);
    }
}
