package io.bpm.compiler.golden;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bpm.compiler.diag.Rule;
import io.bpm.compiler.diag.Severity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every input under golden/lint/ is linted (as job "example") and its diagnostics approved
 * beside it as NAME.approved.txt. For golden/lint/rules/RULE/, the fail case must report RULE
 * and the pass case must not, so an approval can never silently bless a broken rule.
 */
class LintGoldenTest {
    private static final String JOB = "example";

    @TestFactory
    Stream<DynamicTest> everyGoldenInput() {
        Path repo = Golden.repo();
        return Golden.configs(repo.resolve("golden/lint")).stream().map(f -> DynamicTest.dynamicTest(
                repo.relativize(f).toString(), () -> {
                    boolean jobUnknownCase = f.getParent().getFileName().toString().equals("job-unknown")
                            && f.getFileName().toString().equals("fail.bpm.yml");
                    // bpm's own fixtures are linted as the job they are named after.
                    boolean fixture = f.getParent().getFileName().toString().equals("fixtures");
                    String job = jobUnknownCase ? null
                            : fixture ? f.getFileName().toString().replaceFirst("\\.bpm\\.yml$", "") : JOB;
                    var linted = Golden.lint(repo, List.of(f), job, false);
                    String base = f.getFileName().toString().replaceFirst("\\.bpm\\.yml$", "");
                    Golden.verify(linted.text(), f.getParent(), base);
                }));
    }

    @Test
    void everyRuleHasAFailingAndAPassingCase() {
        Path rules = Golden.repo().resolve("golden/lint/rules");
        for (Rule r : Rule.values()) {
            if (r.aboutMonit()) continue; // their cases are monit files: MonitGoldenTest
            if (r == Rule.UNREADABLE) continue; // about paths lint cannot read: DiagnosticsPointAtTheCauseTest
            Path dir = rules.resolve(r.ruleName());
            assertTrue(Files.isRegularFile(dir.resolve("fail.bpm.yml")), "missing golden case " + dir + "/fail.bpm.yml");
            assertTrue(Files.isRegularFile(dir.resolve("pass.bpm.yml")), "missing golden case " + dir + "/pass.bpm.yml");
        }
    }

    @TestFactory
    Stream<DynamicTest> failCasesReportTheirRuleAndPassCasesDoNot() {
        Path repo = Golden.repo();
        return Arrays.stream(Rule.values()).filter(r -> !r.aboutMonit() && r != Rule.UNREADABLE).flatMap(r -> {
            Path dir = repo.resolve("golden/lint/rules").resolve(r.ruleName());
            boolean jobUnknown = r == Rule.JOB_UNKNOWN;
            return Stream.of(
                    DynamicTest.dynamicTest(r.ruleName() + " fail", () -> {
                        var d = Golden.lint(repo, List.of(dir.resolve("fail.bpm.yml")), jobUnknown ? null : JOB, false).diagnostics();
                        assertTrue(d.stream().anyMatch(x -> x.rule() == r), r.code() + " not reported for its fail case: " + d);
                    }),
                    DynamicTest.dynamicTest(r.ruleName() + " pass", () -> {
                        var d = Golden.lint(repo, List.of(dir.resolve("pass.bpm.yml")), JOB, false).diagnostics();
                        assertFalse(d.stream().anyMatch(x -> x.rule() == r), r.code() + " reported for its pass case: " + d);
                        assertFalse(d.stream().anyMatch(x -> x.severity() == Severity.ERROR), "pass case has errors: " + d);
                    }));
        });
    }
}
