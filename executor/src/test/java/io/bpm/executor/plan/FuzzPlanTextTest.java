package io.bpm.executor.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bpm.fuzz.FuzzBudget;
import io.bpm.fuzz.FuzzInput;
import io.bpm.fuzz.Hostile;
import io.bpm.fuzz.Mutation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;

/**
 * Fuzzing the executor's plan reader and verifier (jqwik; see {@link FuzzBudget} for the long
 * mode). Plans of the golden set and the hand-made ones ({@link Plans}) are mutated: lines
 * dropped, duplicated, swapped and injected, tokens replaced by hostile numbers, paths and
 * keywords, bytes flipped, files truncated. Every result is refused by the reader (naming a line)
 * or by the verifier (naming a rule and the line), or accepted and then exactly what its text
 * says ({@link PlanOracle}); nothing throws anything else. A second property changes one field
 * of a plan in memory and checks that the verifier's answer survives the text form: the
 * compiler verifies plans in memory, the executor after reading them back.
 */
@AddLifecycleHook(FuzzBudget.class)
class FuzzPlanTextTest {

    // ---- inputs -------------------------------------------------------------------------------------

    /** The repository root (tests run in the module directory). */
    static Path repo() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("golden/plans"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("cannot find golden/plans above " + Path.of("").toAbsolutePath());
        return p;
    }

    record Base(String name, String text) {
    }

    /** Every approved golden plan (one file holds the plans of a config, separated by a blank line), and Plans' own. */
    static final List<Base> BASES = bases();

    private static List<Base> bases() {
        List<Base> out = new ArrayList<>();
        out.add(new Base("Plans.valid", PlanText.write(Plans.valid())));
        out.add(new Base("Plans.privileged", PlanText.write(Plans.privileged())));
        Path golden = repo().resolve("golden/plans");
        try (Stream<Path> files = Files.walk(golden)) {
            for (Path f : files.filter(x -> x.toString().endsWith(".approved.txt")).sorted().toList()) {
                String[] plans = Files.readString(f).split("\n\n");
                for (int i = 0; i < plans.length; i++) {
                    String text = plans[i].endsWith("\n") ? plans[i] : plans[i] + "\n";
                    out.add(new Base(golden.relativize(f) + "#" + i, text));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return List.copyOf(out);
    }

    /** Whole lines a forger would add: privilege, escapes, unknown steps, headers again. */
    static final List<String> LINES = List.of(
            "", "# a comment", "   ", "user root", "user vcap", "user nobody", "hook /bin/sh", "hook ../../bin/sh",
            "mount bind / /host rbind,rw,exec,suid,dev", "mount bind $ROOT/../etc /etc bind,rw",
            "mount bind /etc /var/vcap/data/x rbind,rw,noexec,nosuid,nodev", "mount-glob /* rbind,rw",
            "mount-glob /var/vcap/data/*/.. rbind,rw", "mount proc proc /proc -", "mount sysfs sysfs /sys nosuid,noexec,nodev,rw",
            "mount tmpfs tmpfs /dev nosuid,noexec,mode=75500", "mount bind /proc/1/root /x bind,ro if-exists",
            "env LD_PRELOAD /tmp/x.so", "env PATH /tmp", "env \"\" x", "env A=B c", "cwd /tmp/../etc", "cwd relative",
            "exec /bin/sh -c id", "exec", "capabilities bounding=CAP_SYS_ADMIN inheritable= permitted=CAP_SYS_ADMIN effective=CAP_SYS_ADMIN ambient=",
            "capabilities bounding=CAP_BOGUS inheritable= permitted= effective= ambient=",
            "rlimit NOFILE 99999999999999999999 1", "rlimit CORE unlimited 18446744073709551615", "rlimit NOFILE 0 0",
            "rlimit FOO 1 1", "cgroup memory -1", "cgroup pids 9223372036854775808", "cgroup memory+swap 1 if-supported",
            "cgroup devices 1", "seccomp bpm-default 4294967297", "seccomp bpm-default -4294967295", "seccomp none 1",
            "no-new-privs", "stop signal=KILL quit-after=0ms kill-after=999999999999ms",
            "stop signal=TERM quit-after=15000ms kill-after=2000ms", "namespace net", "namespace user", "namespace mnt",
            "mkdir /etc/cron.d mode=0777 owner=vcap", "mkdir $ROOT/../../etc mode=0700 owner=root",
            "mkdir $ROOT/sys/run/bpm mode=0777 owner=vcap", "volume $ROOT/data/x mode=07777 owner=vcap",
            "share $ROOT/data/x $ROOT/data/bpm/locks/vol-x.lock", "require-dir $ROOT/store \"persistent disk\"",
            "open-log /etc/passwd mode=0600 owner=vcap", "mask /proc/kcore", "readonly /", "lock-file $ROOT/../lock",
            "pid-file /etc/passwd", "state-dir $ROOT/sys/run/bpm-state/../..", "log stdout /dev/sda", "log bpm $ROOT/x",
            "container-id bpm-x", "teleport now", "bpm-plan 2", "bpm-plan 1", "compiler x", "source sha256:00",
            "job ..", "process /", "\"quoted\" keyword", "exec /var/vcap/packages/bpm/bin/tini -- /bin/sh",
            "mount bind $ROOT/data/x /var/vcap/data/x rbind,rw,exec,nosuid,nodev # looks fine",
            "env X \"a\\nuser root\"", "env X \"\\u{D800}\"", "env X \"\\x00\"", "env X \"\\u{110000}\"");

    /** Replacement tokens: numbers, paths, keywords, keyed values, quoted oddities. */
    static final List<String> TOKENS = tokens();

    private static List<String> tokens() {
        List<String> t = new ArrayList<>(List.of("x", "-", "\"\"", "\"a b\"", "\"\\u{D800}\"", "\"\\x00\"", "\"\\u{110000}\"",
                "\"unterminated", "\"\\q\"", "\"a\"b", "mode=0777", "mode=07777", "mode=0800", "mode=0", "mode=00700",
                "mode=-1", "owner=root", "owner=nobody", "signal=KILL", "signal=", "quit-after=0ms", "quit-after=9999999999999ms",
                "quit-after=300001ms", "kill-after=60001ms", "kill-after=-1ms", "bounding=CAP_SYS_ADMIN", "bounding=,",
                "ambient=CAP_NET_BIND_SERVICE", "if-exists", "if-supported", "exclude", "rbind,rw,exec,suid,dev", "bind,ro,ro",
                "unlimited", "#", "# x", "sha256:" + "0".repeat(64), "sha256:" + "A".repeat(64), "$ROOT", "stdout", "bpm",
                "pid", "net", "root", "vcap", "TERM", "INT", "NOFILE", "memory+swap", "bpm-default"));
        t.addAll(Hostile.NUMBERS);
        for (String p : Hostile.PATHS) t.add(PlanText.quote(p));
        for (String k : new String[] {"container-id", "lock-file", "pid-file", "state-dir", "log", "user", "mkdir", "volume",
                "share", "require-dir", "open-log", "hook", "namespace", "mount", "mount-glob", "mask", "readonly", "rlimit",
                "cgroup", "capabilities", "no-new-privs", "seccomp", "env", "cwd", "exec", "stop", "bpm-plan", "compiler",
                "source", "job", "process"}) {
            t.add(k);
        }
        return List.copyOf(t);
    }

    /** Raw bytes inserted anywhere: control characters, unicode, quote and comment characters. */
    static final List<String> SNIPPETS = List.copyOf(concat(List.of(" ", "\"", "#", "\\", "=", ",", "$", "/.."),
            Hostile.CONTROL, Hostile.UNICODE, Hostile.PLAN_INJECTION));

    @SafeVarargs
    private static List<String> concat(List<String>... lists) {
        List<String> out = new ArrayList<>();
        for (List<String> l : lists) out.addAll(l);
        return out;
    }

    /** A golden plan after some mutations. */
    record MutatedPlan(Base base, List<Mutation> mutations, byte[] bytes) implements FuzzInput {
        static MutatedPlan of(Base base, List<Mutation> mutations) {
            return new MutatedPlan(base, mutations, Mutation.applyAll(base.text().getBytes(StandardCharsets.UTF_8), mutations));
        }

        public String suffix() {
            return ".plan";
        }

        public String describe() {
            return base.name() + " with " + mutations;
        }

        @Override
        public String toString() {
            return describe();
        }
    }

    @Provide
    Arbitrary<MutatedPlan> mutatedPlans() {
        Arbitrary<Mutation> one = Mutation.generic(SNIPPETS, LINES, TOKENS);
        return Combinators.combine(Arbitraries.of(BASES), one.list().ofMinSize(1).ofMaxSize(3)).as(MutatedPlan::of);
    }

    /** Plan files are strict UTF-8 ({@code PlanCache} treats anything else as a miss); null when not. */
    static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    @Property(tries = 2500, seed = "8001")
    void mutatedPlansAreRefusedWithALineOrRuleOrReadExactly(@ForAll("mutatedPlans") MutatedPlan input) {
        String text = utf8(input.bytes());
        PlanOracle.Verdict verdict = text == null ? PlanOracle.Verdict.NOT_UTF8
                : FuzzBudget.bounded(input.describe(), () -> PlanOracle.judge(text));
        FuzzBudget.count(verdict.name().toLowerCase());
    }

    // ---- a field changed in memory -------------------------------------------------------------------------

    /** A plan with one field of one step (or of the header) replaced. */
    record ChangedPlan(Base base, int step, int field, Object value, Plan plan) implements FuzzInput {
        public byte[] bytes() {
            return PlanText.write(plan).getBytes(StandardCharsets.UTF_8);
        }

        public String suffix() {
            return ".plan";
        }

        public String describe() {
            String v = value instanceof String s ? Mutation.Show.quote(s) : String.valueOf(value);
            return base.name() + ", step " + step + " field " + field + " := " + v;
        }

        @Override
        public String toString() {
            return describe();
        }
    }

    static final List<Long> NUMBERS = List.of(0L, 1L, -1L, 0777L, 01000L, 07777L, -2L, 15_000L, 300_001L, 60_001L,
            1L << 31, (1L << 31) - 1, 1L << 32, (1L << 32) + 1, Long.MAX_VALUE, Long.MIN_VALUE, Integer.MIN_VALUE + 0L);

    /** Replaces component {@code field} (modulo their count) of a record by a value of its type derived from {@code pick}. */
    static Object replaced(Object record, int field, String text, long number, int pick) {
        try {
            RecordComponent[] parts = record.getClass().getRecordComponents();
            Object[] values = new Object[parts.length];
            Class<?>[] types = new Class<?>[parts.length];
            for (int i = 0; i < parts.length; i++) {
                values[i] = parts[i].getAccessor().invoke(record);
                types[i] = parts[i].getType();
            }
            int f = field % parts.length;
            Class<?> type = types[f];
            Object old = values[f];
            if (type == String.class) values[f] = text;
            else if (type == long.class) values[f] = number;
            else if (type == int.class) values[f] = (int) number;
            else if (type == boolean.class) values[f] = !(Boolean) old;
            else if (type == Provenance.class) values[f] = new Provenance(text);
            else if (type.isEnum()) values[f] = type.getEnumConstants()[pick % type.getEnumConstants().length];
            else if (type == List.class) {
                List<String> l = new ArrayList<>(castList(old));
                if (l.isEmpty() || pick % 3 == 0) l.add(text);
                else l.set(pick % l.size(), text);
                values[f] = l;
            } else {
                return record;
            }
            Constructor<?> c = record.getClass().getDeclaredConstructor(types);
            c.setAccessible(true);
            return c.newInstance(values);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> castList(Object o) {
        return (List<String>) o;
    }

    static ChangedPlan change(Base base, int stepPick, int field, String text, long number, int pick) {
        Plan plan;
        try {
            plan = PlanText.read(base.text());
        } catch (PlanFormatException e) {
            throw new IllegalStateException(base.name(), e);
        }
        int n = plan.steps().size() + 1;
        int step = stepPick % n;
        Object value;
        Plan changed;
        if (step == n - 1) {
            Header h = (Header) replaced(plan.header(), field, text, number, pick);
            changed = new Plan(h, plan.steps());
            value = h;
        } else {
            List<Step> steps = new ArrayList<>(plan.steps());
            Step s = (Step) replaced(steps.get(step), field, text, number, pick);
            steps.set(step, s);
            changed = new Plan(plan.header(), steps);
            value = s;
        }
        return new ChangedPlan(base, step, field, value, changed);
    }

    @Provide
    Arbitrary<ChangedPlan> changedPlans() {
        Arbitrary<String> text = Arbitraries.oneOf(
                Arbitraries.of(Hostile.ALL),
                Arbitraries.of(Hostile.ALL).list().ofMinSize(2).ofMaxSize(4).map(l -> String.join("", l)),
                Arbitraries.strings().ofMaxLength(12));
        return Combinators.combine(Arbitraries.of(BASES), Arbitraries.integers().between(0, 10_000), Arbitraries.integers().between(0, 7),
                text, Arbitraries.of(NUMBERS), Arbitraries.integers().between(0, 100)).as(FuzzPlanTextTest::change);
    }

    @Property(tries = 800, seed = "8002")
    void theVerifiersAnswerSurvivesTheTextForm(@ForAll("changedPlans") ChangedPlan input) {
        String verdict = FuzzBudget.bounded(input.describe(), () -> {
            Plan plan = input.plan();
            List<PlanViolation> inMemory = Verifier.check(plan);
            if (inMemory.isEmpty()) {
                PlanOracle.compiled(plan); // accepted in memory: the same plan, accepted, after the text form
                return "accepted";
            }
            // refused in memory: not written at all, or the executor refuses what it reads back too
            String text;
            try {
                text = PlanText.write(plan);
            } catch (IllegalArgumentException e) {
                return "refused, not writable";
            }
            assertEquals(5 + plan.steps().size(), PlanOracle.lineCount(text) - 1, () -> "a value started a line of its own:\n" + text);
            PlanOracle.Verdict read = PlanOracle.judge(text);
            assertTrue(read != PlanOracle.Verdict.ACCEPTED, () -> "refused in memory (" + inMemory.getFirst()
                    + ") but accepted after the text form:\n" + text);
            return "refused";
        });
        FuzzBudget.count(verdict);
    }
}
