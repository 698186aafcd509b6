package io.bpm.executor.plan;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The text form is deterministic, injection-proof and round-trips every value. */
class PlanTextTest {
    private static final Provenance P = Provenance.at("bpm.yml", 3, 5, "processes[0]");

    /** A plan using every step kind, with values given by {@code v}. */
    static Plan everyStep(String v) {
        List<Step> s = new ArrayList<>();
        s.add(new ContainerId("bpm-" + v, P));
        s.add(new LockFile("$ROOT/data/bpm/locks/" + v, P));
        s.add(new PidFile("$ROOT/sys/run/bpm/" + v, P));
        s.add(new StateDir("$ROOT/sys/run/bpm-state/" + v, P));
        for (LogStream ls : LogStream.values()) s.add(new Log(ls, "$ROOT/sys/log/" + v, P));
        s.add(new User(v, P));
        s.add(new MakeDir("/a/" + v, 0700, Owner.ROOT, P));
        s.add(new VolumeDir("/b/" + v, 0750, Owner.VCAP, P));
        s.add(new ShareVolume("/c/" + v, "$ROOT/lock " + v, P));
        s.add(new RequireDir("/d/" + v, "needs " + v, P));
        s.add(new OpenLog("/e/" + v, 0600, Owner.VCAP, P));
        s.add(new Hook("/f/" + v, P));
        for (NamespaceKind k : NamespaceKind.values()) s.add(new Namespace(k, Provenance.DEFAULT));
        s.add(new Mount("bind", "$ROOT/" + v, "/var/vcap/" + v, List.of("rbind", "noexec", "rw"), false, P));
        s.add(new Mount("proc", "proc", "/proc", List.of(), false, Provenance.DEFAULT));
        s.add(new Mount("bind", "/run/resolvconf", "/run/resolvconf", List.of("bind", "ro"), true, P));
        s.add(new GlobMount("/var/vcap/jobs/*/" + v, List.of("rbind", "ro"), List.of("/tmp", "/var/vcap/" + v), P));
        s.add(new GlobMount("/x/" + v, List.of(), List.of(), P));
        s.add(new Mask("/proc/" + v, P));
        s.add(new ReadOnly("/proc/sys/" + v, P));
        s.add(new Rlimit("NOFILE", 1024, 1024, P));
        s.add(new Rlimit("CORE", -1L, -1L, P));
        s.add(new Rlimit("CORE", Long.MIN_VALUE, -2L, P));
        s.add(new CgroupLimit("memory", 1073741824L, false, P));
        s.add(new CgroupLimit("memory+swap", 1073741824L, true, P));
        s.add(new Capabilities(List.of("CAP_NET_BIND_SERVICE"), List.of(), List.of("CAP_A", "CAP_B"), List.of(), List.of("CAP_X"), P));
        s.add(new NoNewPrivs(Provenance.DEFAULT));
        s.add(new Seccomp("bpm-default", 1, Provenance.DEFAULT));
        s.add(new Env(v, v + "=" + v, P));
        s.add(new Env("EMPTY", "", P));
        s.add(new Cwd("/var/vcap/jobs/" + v, P));
        s.add(new Exec(List.of("/tini", "-w", "--", v, "", "#", "a b"), P));
        s.add(new Stop("TERM", 15000, 2000, Provenance.DEFAULT));
        return new Plan(new Header(Header.FORMAT, "0.1.0", "ab".repeat(32), v, v), s);
    }

    @Test
    void everyStepKindIsCovered() {
        List<Class<?>> used = new ArrayList<>();
        for (Step st : everyStep("x").steps()) used.add(st.getClass());
        List<Class<?>> all = Arrays.asList(Step.class.getPermittedSubclasses());
        assertTrue(used.containsAll(all), "add the missing step kinds to everyStep(): " + all.stream().filter(c -> !used.contains(c)).toList());
    }

    @Test
    void roundTripsPlainValues() throws Exception {
        Plan p = everyStep("web");
        String text = PlanText.write(p);
        assertEquals(p, PlanText.read(text));
        assertEquals(text, PlanText.write(PlanText.read(text)));
    }

    @Test
    void roundTripsHostileValuesWithoutInjectingLines() throws Exception {
        Random rnd = new Random(1234);
        String alphabet = "aZ9 _-./\"\\#\n\r\t\u0000\u0001\u007f\u0085\u2028\u2029é日\uD83D\uDE00$=,:'`{}";
        for (int i = 0; i < 3000; i++) {
            StringBuilder v = new StringBuilder();
            int n = rnd.nextInt(12);
            for (int k = 0; k < n; k++) {
                int at = rnd.nextInt(alphabet.length());
                char c = alphabet.charAt(at);
                if (Character.isHighSurrogate(c)) v.append(c).append(alphabet.charAt(at + 1));
                else if (!Character.isLowSurrogate(c)) v.append(c);
            }
            Plan p = everyStep(v.toString());
            String text = PlanText.write(p);
            assertEquals(5 + p.steps().size(), text.lines().count(), "a value injected a line: " + text);
            assertEquals(p, PlanText.read(text), "round trip of " + v);
        }
    }

    @Test
    void writesCommentsAlignedAndHeaderFirst() {
        String text = PlanText.write(everyStep("web"));
        List<String> lines = text.lines().toList();
        assertEquals("bpm-plan 1", lines.get(0));
        assertEquals("compiler 0.1.0", lines.get(1));
        assertTrue(lines.get(2).startsWith("source sha256:abab"));
        assertTrue(lines.get(5).startsWith("container-id bpm-web"));
        assertEquals(PlanText.COMMENT_COLUMN, lines.get(5).indexOf("# bpm.yml:3:5 processes[0]"));
        assertTrue(text.contains("\nrlimit CORE unlimited unlimited "));
        assertTrue(text.contains("\nstop signal=TERM quit-after=15000ms kill-after=2000ms "));
        assertTrue(text.contains("\nexec /tini -w -- web \"\" \"#\" \"a b\" "));
    }

    @Test
    void malformedPlansAreRefusedWithTheirLine() {
        String good = PlanText.write(everyStep("web"));
        record Case(String text, int line, String words) { }
        List<Case> cases = List.of(
                new Case(good.replace("bpm-plan 1", "bpm-plan 2"), 1, "not supported"),
                new Case(good.replace("compiler 0.1.0\n", ""), 2, "expected the header line 'compiler'"),
                new Case(good.replace("container-id bpm-web", "container-id bpm-web extra"), 6, "unexpected extra field"),
                new Case(good.replace("container-id bpm-web", "teleport bpm-web"), 6, "unknown step"),
                new Case(good.replace("mode=0700", "mode=0800"), 14, "octal"),
                new Case(good.replace("owner=root", "owner=nobody"), 14, "owner"),
                new Case(good.replace("rlimit NOFILE 1024 1024", "rlimit NOFILE 10x 1024"), 0, "whole number"),
                new Case(good.replace("quit-after=15000ms", "quit-after=15s"), 0, "milliseconds"),
                new Case(good.replace("cwd /var/vcap/jobs/web", "cwd \"/var/vcap"), 0, "unterminated"),
                new Case(good.replace("cwd /var/vcap/jobs/web", "cwd /var/vcap\"x"), 0, "must be quoted"),
                new Case(good.replace("env web", "env \"w\\qeb\""), 0, "unknown escape"),
                new Case(good.replace("\n", "\r\n"), 1, "carriage return"),
                // found by FuzzPlanTextTest: read as another value than the text says
                new Case(good.replace("bpm-plan 1", "bpm-plan +1"), 1, "not a number"),
                new Case(good.replace("seccomp bpm-default 1", "seccomp bpm-default 4294967297"), 0, "whole number from"),
                new Case("bpm-plan 1\n", 1, "incomplete"));
        for (Case c : cases) {
            assertFalse(c.text().equals(good) && c.line() != 1, "case did not change the plan: " + c.words());
            PlanFormatException e = assertThrows(PlanFormatException.class, () -> PlanText.read(c.text()), c.words());
            assertTrue(e.getMessage().contains(c.words()), e.getMessage());
            if (c.line() > 0) assertEquals(c.line(), e.getLine(), e.getMessage());
        }
    }

    @Test
    void aViolationNamesItsPlanLine() throws Exception {
        Plan valid = Plans.valid();
        String text = "# hand-edited\n" + PlanText.write(valid).replace("\ncwd /var/vcap/jobs/web", "\ncwd relative/dir");
        PlanText.Parsed parsed = PlanText.parse(text);
        int line = text.lines().toList().indexOf(text.lines().filter(x -> x.startsWith("cwd ")).findFirst().orElseThrow()) + 1;
        InvalidPlanException e = assertThrows(InvalidPlanException.class, () -> Verifier.require(parsed));
        assertTrue(e.getMessage().contains("line " + line + ", "), e.getMessage());
    }

    /**
     * Found by FuzzPlanTextTest: a list item that is empty or holds a comma, or a lone "-" as the
     * options, was written as text that reads back as another list (capabilities [""] as none,
     * ["CAP_A,CAP_B"] as two). Such plans are invalid anyway; the writer now refuses them.
     */
    @Test
    void listItemsThatWouldReadBackAsAnotherListAreNotWritten() {
        Plan p = Plans.valid();
        List<Plan> unwritable = List.of(
                Plans.replace(p, Capabilities.class, c -> new Capabilities(c.bounding(), c.inheritable(), c.permitted(), List.of(""), c.ambient(), c.from())),
                Plans.replace(p, Capabilities.class, c -> new Capabilities(List.of("CAP_NET_BIND_SERVICE,CAP_SYS_ADMIN"), c.inheritable(),
                        c.permitted(), c.effective(), c.ambient(), c.from())),
                Plans.mountOptions(p, "/bin", List.of("bind", "ro,rw")),
                Plans.mountOptions(p, "/bin", List.of("-")),
                Plans.mountOptions(p, "/bin", List.of("bind", "")));
        for (Plan bad : unwritable) {
            assertFalse(Verifier.check(bad).isEmpty(), "the verifier refuses it in memory");
            assertThrows(IllegalArgumentException.class, () -> PlanText.write(bad));
        }
        // a single empty option list is still "-", and a one-item list writes as itself
        assertEquals(p, assertDoesNotThrow(() -> PlanText.read(PlanText.write(p))));
    }

    @Test
    void commentsAndBlankLinesAreIgnored() throws Exception {
        Plan p = everyStep("web");
        String text = "# reviewed by ops\n\n" + PlanText.write(p).replace("\nuser web", "\n# a note\nuser web");
        assertEquals(p, PlanText.read(text));
    }
}
