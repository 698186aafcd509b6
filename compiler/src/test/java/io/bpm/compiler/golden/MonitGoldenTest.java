package io.bpm.compiler.golden;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bpm.compiler.diag.Rule;
import io.bpm.compiler.diag.Severity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every monit file under golden/monit/ is linted as job "example", with the bpm.yml of the same
 * base name beside it when there is one (as {@code bpm lint X.bpm.yml} finds X.monit), else alone;
 * its findings (both files') are approved beside it as NAME.approved.txt. For
 * golden/monit/rules/RULE/, the fail case must report RULE and the pass case must not, and
 * every monit rule of the catalogue has both cases.
 */
class MonitGoldenTest {
    private static final String JOB = "example";

    static Golden.Linted lint(Path repo, Path monit) {
        String base = monit.getFileName().toString().replaceFirst("\\.monit$", "");
        Path bpm = monit.resolveSibling(base + ".bpm.yml");
        return Golden.lintMonit(repo, Files.isRegularFile(bpm) ? bpm : null, monit, JOB, false);
    }

    @TestFactory
    Stream<DynamicTest> everyGoldenInput() {
        Path repo = Golden.repo();
        return Golden.files(repo.resolve("golden/monit"), ".monit").stream().map(f -> DynamicTest.dynamicTest(
                repo.relativize(f).toString(), () -> Golden.verify(lint(repo, f).text(), f.getParent(),
                        f.getFileName().toString().replaceFirst("\\.monit$", ""))));
    }

    @Test
    void everyMonitRuleHasAFailingAndAPassingCase() {
        Path rules = Golden.repo().resolve("golden/monit/rules");
        for (Rule r : Rule.values()) {
            if (!r.aboutMonit()) continue;
            Path dir = rules.resolve(r.ruleName());
            for (String name : new String[] {"fail.monit", "fail.bpm.yml", "pass.monit", "pass.bpm.yml"}) {
                assertTrue(Files.isRegularFile(dir.resolve(name)), "missing golden case " + dir + "/" + name);
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> failCasesReportTheirRuleAndPassCasesDoNot() {
        Path repo = Golden.repo();
        return Arrays.stream(Rule.values()).filter(Rule::aboutMonit).flatMap(r -> {
            Path dir = repo.resolve("golden/monit/rules").resolve(r.ruleName());
            return Stream.of(
                    DynamicTest.dynamicTest(r.ruleName() + " fail", () -> {
                        var d = lint(repo, dir.resolve("fail.monit")).diagnostics();
                        assertTrue(d.stream().anyMatch(x -> x.rule() == r), r.code() + " not reported for its fail case: " + d);
                    }),
                    DynamicTest.dynamicTest(r.ruleName() + " pass", () -> {
                        var d = lint(repo, dir.resolve("pass.monit")).diagnostics();
                        assertFalse(d.stream().anyMatch(x -> x.rule() == r), r.code() + " reported for its pass case: " + d);
                        assertFalse(d.stream().anyMatch(x -> x.severity() == Severity.ERROR), "pass case has errors: " + d);
                    }));
        });
    }
}
