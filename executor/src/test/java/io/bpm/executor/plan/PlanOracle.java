package io.bpm.executor.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.bpm.executor.plan.Step.Exec;
import io.bpm.executor.plan.Step.GlobMount;
import io.bpm.executor.plan.Step.Mount;
import io.bpm.executor.plan.Step.NoNewPrivs;
import io.bpm.executor.plan.Step.RequireDir;
import io.bpm.executor.plan.Step.Seccomp;
import io.bpm.executor.plan.Step.ShareVolume;
import io.bpm.executor.plan.Step.User;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the executor must do with any plan text, and what the compiler must produce: the oracle
 * of the fuzz properties (FuzzPlanTextTest here, FuzzCompilerTest in the compiler).
 *
 * <p>Plan text is either refused by the reader ({@link PlanFormatException} naming a line of the
 * text), or refused by the verifier ({@link InvalidPlanException} naming a rule, and the text line
 * of the offending step), or accepted; an accepted plan writes back to the same fields line by
 * line (so the executor applies exactly what the text says: no value silently wrapped or
 * dropped), its canonical text reads back equal, and it keeps a few safety facts checked here
 * independently of the verifier. Nothing is ever applied.
 */
public final class PlanOracle {
    private PlanOracle() {
    }

    public enum Verdict { NOT_UTF8, REFUSED_BY_READER, REFUSED_BY_VERIFIER, ACCEPTED }

    /** Judges plan text as {@code bpm start} reads a cached or saved plan; fails the test on any broken promise. */
    public static Verdict judge(String text) {
        PlanText.Parsed parsed;
        try {
            parsed = PlanText.parse(text);
        } catch (PlanFormatException e) {
            int lines = lineCount(text);
            assertTrue(e.getLine() >= 1 && e.getLine() <= Math.max(1, lines),
                    "the reader names line " + e.getLine() + " of a " + lines + "-line text: " + e.getMessage());
            assertTrue(e.getMessage().startsWith("plan line " + e.getLine() + ": ") && e.getMessage().length() > ("plan line " + e.getLine() + ": ").length(),
                    "the reader's message names no line or no reason: " + e.getMessage());
            return Verdict.REFUSED_BY_READER;
        }
        List<PlanViolation> violations = Verifier.check(parsed.plan());
        if (!violations.isEmpty()) {
            refusal(text, parsed, violations);
            return Verdict.REFUSED_BY_VERIFIER;
        }
        accepted(text, parsed);
        return Verdict.ACCEPTED;
    }

    /**
     * A plan the compiler lowered: the verifier accepts it, its text has one line per step (no
     * value started a line), reads back equal and writes back byte-identical. Returns its text.
     */
    public static String compiled(Plan plan) {
        List<PlanViolation> violations = Verifier.check(plan);
        assertEquals(List.of(), violations, "the compiler's plan breaks the verifier's rules");
        String text = PlanText.write(plan);
        assertEquals(5 + plan.steps().size(), lineCount(text) - 1, () -> "a value started a line of its own:\n" + text);
        PlanText.Parsed parsed;
        try {
            parsed = PlanText.parse(text);
        } catch (PlanFormatException e) {
            throw new AssertionError("the reader refuses the compiler's own plan: " + e.getMessage() + "\n" + text, e);
        }
        assertEquals(plan, parsed.plan(), "the plan does not survive its text form");
        assertEquals(text, PlanText.write(parsed.plan()), "the plan's text is not a fixed point of read and write");
        Verifier.require(parsed);
        safety(parsed.plan());
        return text;
    }

    // ---- the three outcomes ------------------------------------------------------------------------

    private static void refusal(String text, PlanText.Parsed parsed, List<PlanViolation> violations) {
        for (PlanViolation v : violations) {
            assertTrue(Verifier.RULES.contains(v.rule()), () -> "unknown rule id " + v.rule());
            assertFalse(v.message().isBlank(), "a violation without a message: " + v.rule());
            assertFalse(v.toString().isBlank());
        }
        InvalidPlanException e = assertThrows(InvalidPlanException.class, () -> Verifier.require(parsed),
                "check() found violations but require() let the plan through");
        PlanViolation first = e.first();
        assertTrue(e.getMessage().contains("[" + first.rule() + "]"), () -> "the refusal names no rule: " + e.getMessage());
        if (first.stepIndex() >= 0) {
            int line = parsed.lineOf(first.stepIndex());
            assertTrue(e.getMessage().contains("line " + line + ", "), () -> "the refusal names no plan line: " + e.getMessage());
            String[] raw = text.split("\n", -1);
            assertTrue(line >= 1 && line <= raw.length, () -> "the refusal names line " + line + " of " + raw.length);
            String keyword = Verifier.describe(first.step()).split(" ", 2)[0]; // not fields(): a refused step may not be writable
            assertTrue(raw[line - 1].stripLeading().startsWith(keyword),
                    "the refusal names line " + line + " (" + raw[line - 1] + ") for a '" + keyword + "' step");
        }
    }

    private static void accepted(String text, PlanText.Parsed parsed) {
        Plan plan = parsed.plan();
        String canonical = PlanText.write(plan);
        Plan again;
        try {
            again = PlanText.read(canonical);
        } catch (PlanFormatException e) {
            throw new AssertionError("an accepted plan's canonical text is refused: " + e.getMessage(), e);
        }
        assertEquals(plan, again, "an accepted plan does not survive its canonical text");
        assertEquals(canonical, PlanText.write(again), "an accepted plan's text is not a fixed point");
        assertEquals(List.of(), Verifier.check(again), "the canonical text of an accepted plan is refused");
        // line by line, the fields read are the fields written: nothing wrapped, cut or dropped
        List<PlanText.Line> given = significant(text);
        List<PlanText.Line> written = significant(canonical);
        assertEquals(written.size(), given.size(), "accepted text and its plan have different line counts");
        for (int i = 0; i < given.size(); i++) {
            List<String> a = normalised(given.get(i).fields());
            List<String> b = normalised(written.get(i).fields());
            if (!a.equals(b)) {
                fail("plan line " + given.get(i).number() + " reads as something else than it says: " + given.get(i).fields()
                        + " is applied as " + written.get(i).fields());
            }
        }
        safety(plan);
    }

    // ---- safety facts, independent of the verifier ------------------------------------------------------

    /** Facts no accepted plan may break, checked without the verifier's code. */
    static void safety(Plan plan) {
        boolean root = false;
        boolean nnp = false;
        boolean seccomp = false;
        for (Step s : plan.steps()) {
            List<String> strings = new ArrayList<>();
            Verifier.strings(s, strings);
            for (String v : strings) assertTrue(v.indexOf('\0') < 0, () -> "an accepted step carries a NUL: " + s);
            for (String p : paths(s)) {
                assertTrue(isCanonical(p), () -> "an accepted step has a non-canonical path " + PlanText.quote(p) + ": " + s);
            }
            if (s instanceof User u) {
                assertTrue(u.name().equals("vcap") || u.name().equals("root"), () -> "an accepted plan runs as " + u.name());
                root = u.name().equals("root");
            }
            nnp |= s instanceof NoNewPrivs;
            seccomp |= s instanceof Seccomp;
        }
        if (!root) assertTrue(nnp && seccomp, "an accepted unprivileged plan without no-new-privs and seccomp");
    }

    /** The fields of a step that are paths (not hook programs, arguments, values or reasons). */
    private static List<String> paths(Step s) {
        return switch (s) {
            case Step.LockFile x -> List.of(x.path());
            case Step.PidFile x -> List.of(x.path());
            case Step.StateDir x -> List.of(x.path());
            case Step.Log x -> List.of(x.path());
            case Step.MakeDir x -> List.of(x.path());
            case Step.VolumeDir x -> List.of(x.path());
            case ShareVolume x -> List.of(x.path(), x.lock());
            case RequireDir x -> List.of(x.path());
            case Step.OpenLog x -> List.of(x.path());
            case Mount x -> x.type().equals("bind") ? List.of(x.source(), x.target()) : List.of(x.target());
            case GlobMount x -> {
                List<String> all = new ArrayList<>(x.exclude());
                all.add(x.pattern());
                yield all;
            }
            case Step.Mask x -> List.of(x.path());
            case Step.ReadOnly x -> List.of(x.path());
            case Step.Cwd x -> List.of(x.path());
            case Exec x -> List.of(x.argv().getFirst());
            default -> List.of();
        };
    }

    /** Absolute (or $ROOT-based), no empty, "." or ".." component, no trailing slash. */
    static boolean isCanonical(String p) {
        String rest = p.startsWith("$ROOT") ? p.substring(5) : p;
        if (rest.isEmpty()) return p.equals("$ROOT");
        if (!rest.startsWith("/")) return false;
        if (rest.equals("/")) return !p.startsWith("$ROOT");
        for (String c : rest.substring(1).split("/", -1)) {
            if (c.isEmpty() || c.equals(".") || c.equals("..")) return false;
        }
        return true;
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    /** Lines as {@code String.split("\n", -1)} counts them (a final newline opens an empty last line). */
    public static int lineCount(String text) {
        int n = 1;
        for (int i = 0; i < text.length(); i++) if (text.charAt(i) == '\n') n++;
        return n;
    }

    private static List<PlanText.Line> significant(String text) {
        List<PlanText.Line> out = new ArrayList<>();
        String[] raw = text.split("\n", -1);
        for (int i = 0; i < raw.length; i++) {
            if (raw[i].isBlank() || raw[i].startsWith("#")) continue;
            try {
                out.add(PlanText.split(raw[i], i + 1));
            } catch (PlanFormatException e) {
                throw new AssertionError("a line of an accepted plan does not split: " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static final Pattern DIGITS = Pattern.compile("[0-9]+");
    private static final String UNLIMITED = "18446744073709551615";

    /** Fields with numbers written without leading zeros, and 'unlimited' as 2^64-1: the spellings of one value. */
    private static List<String> normalised(List<String> fields) {
        List<String> out = new ArrayList<>();
        for (String f : fields) {
            if (f.equals("unlimited")) f = UNLIMITED;
            Matcher m = DIGITS.matcher(f);
            StringBuilder b = new StringBuilder();
            while (m.find()) m.appendReplacement(b, new BigInteger(m.group()).toString());
            m.appendTail(b);
            out.add(b.toString());
        }
        return out;
    }
}
