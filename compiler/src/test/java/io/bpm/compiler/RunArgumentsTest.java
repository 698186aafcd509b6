package io.bpm.compiler;

import io.bpm.compiler.diag.Diagnostic;
import io.bpm.compiler.plan.LowerOptions;
import io.bpm.compiler.plan.Lowering;
import io.bpm.compiler.source.SourceFile;
import io.bpm.executor.plan.Plan;
import io.bpm.executor.plan.PlanText;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunArgumentsTest {

    private static final String YAML = "processes:\n- name: web\n  executable: /var/vcap/packages/web/bin/web\n"
            + "  env:\n    A: from-file\n    B: kept\n";

    private static Frontend.Result check(RunArguments args) {
        SourceFile source = new SourceFile("bpm.yml", YAML, YAML.getBytes(StandardCharsets.UTF_8));
        return Frontend.check(source, new Frontend.Options("web", false), "web", args);
    }

    @Test
    void volumeFlagsAreReadAsBpmReadsThem() throws Exception {
        RunArguments a = RunArguments.parse(List.of("/var/vcap/data/x", "/var/vcap/data/y:writable,shared"), List.of());
        assertEquals(Set.of(), a.volumes().get(0).options());
        assertEquals(Set.of("writable", "shared"), a.volumes().get(1).options());
        assertEquals("invalid volume option: \"\" in -v /var/vcap/data/x: (expected one of allow_executions, mount_only, shared, writable)",
                assertThrows(RunArguments.Invalid.class, () -> RunArguments.parse(List.of("/var/vcap/data/x:"), List.of())).getMessage());
        assertTrue(assertThrows(RunArguments.Invalid.class, () -> RunArguments.parse(List.of("/a:b:c"), List.of()))
                .getMessage().startsWith("invalid volume definition (format: <path>[:<options>]): /a:b:c"));
        assertTrue(assertThrows(RunArguments.Invalid.class, () -> RunArguments.parse(List.of(":writable"), List.of()))
                .getMessage().startsWith("invalid volume definition"));
    }

    @Test
    void envFlagsSplitAtTheFirstEquals() throws Exception {
        RunArguments a = RunArguments.parse(List.of(), List.of("K=v=w", "E="));
        assertEquals("K", a.env().get(0).name());
        assertEquals("v=w", a.env().get(0).value());
        assertEquals("", a.env().get(1).value());
        assertEquals("invalid environment variable definition (format should be KEY=value): \"NOPE\"",
                assertThrows(RunArguments.Invalid.class, () -> RunArguments.parse(List.of(), List.of("NOPE"))).getMessage());
    }

    @Test
    void argumentsAreCheckedLikeTheFileAndFindingsNameThem() throws Exception {
        Frontend.Result r = check(RunArguments.parse(List.of("/etc:writable"), List.of("1BAD=x")));
        assertTrue(r.hasErrors());
        List<String> messages = r.diagnostics().stream().map(Diagnostic::message).toList();
        assertTrue(messages.stream().anyMatch(m -> m.startsWith("-v /etc:writable: invalid volume path: /etc must be within /var/vcap")), messages.toString());
        assertTrue(messages.stream().anyMatch(m -> m.startsWith("-e 1BAD=x: ")), messages.toString());
        assertTrue(r.diagnostics().stream().filter(d -> d.message().startsWith("-")).allMatch(d -> d.file().equals("command line")));
    }

    @Test
    void laterFlagsOverrideTheFileAndThePlanSaysWhereEachLineCameFrom() throws Exception {
        Frontend.Result r = check(RunArguments.parse(List.of("/var/vcap/data/web/extra:writable"), List.of("A=first", "A=second", "C=new")));
        assertFalse(r.hasErrors(), r.diagnostics().toString());
        Plan plan = Lowering.lower(r, "web", new LowerOptions("web", "test", LowerOptions.DEFAULT_INIT));
        String text = PlanText.write(plan);
        assertTrue(text.lines().anyMatch(l -> l.startsWith("env A second") && l.contains("# command line -e A=second")), text);
        assertTrue(text.lines().anyMatch(l -> l.startsWith("env B kept") && l.contains("# bpm.yml:")), text);
        assertTrue(text.lines().anyMatch(l -> l.startsWith("env C new")), text);
        assertTrue(text.lines().anyMatch(l -> l.contains("/var/vcap/data/web/extra") && l.contains("# command line -v /var/vcap/data/web/extra:writable")), text);
    }
}
