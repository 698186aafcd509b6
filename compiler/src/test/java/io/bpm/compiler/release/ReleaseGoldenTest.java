package io.bpm.compiler.release;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bpm.compiler.diag.Rule;
import io.bpm.compiler.golden.Golden;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Each release rule (BPM601-608) has a fail and a pass case under golden/release/rules/RULE/: a
 * release directory linted as {@code bpm lint [--properties values.yml] DIR} does. The fail case
 * reports the rule, the pass case does not, and both outputs are approved.
 */
class ReleaseGoldenTest {
    @TestFactory
    Stream<DynamicTest> everyReleaseRuleHasApprovedCases() {
        Path repo = Golden.repo();
        return Arrays.stream(Rule.values()).filter(Rule::aboutRelease).flatMap(r -> Stream.of("fail", "pass").map(kind ->
                DynamicTest.dynamicTest(r.ruleName() + " " + kind, () -> {
                    Path dir = repo.resolve("golden/release/rules").resolve(r.ruleName());
                    Path release = dir.resolve(kind);
                    assertTrue(ReleaseLint.isRelease(release), "missing golden case " + release);
                    Path values = release.resolve("values.yml");
                    ValuesFile v = Files.isRegularFile(values) ? ValuesFile.read(values, new HashSet<>(ReleaseLint.jobs(release))) : ValuesFile.EMPTY;
                    ReleaseLint.Result result = ReleaseLint.lint(release, new ReleaseLint.Options(false, null, v,
                            Files.isRegularFile(values) ? values.toString() : null));
                    boolean reported = result.diagnostics().stream().anyMatch(d -> d.rule() == r);
                    if (kind.equals("fail")) assertTrue(reported, r.code() + " not reported for its fail case: " + result.diagnostics());
                    else assertFalse(reported, r.code() + " reported for its pass case: " + result.diagnostics());
                    String text = new Golden.Linted(result.diagnostics(), result.sources(), result.checked()).text()
                            .replace(repo.toString() + "/", "");
                    Golden.verify(text, dir, kind);
                })));
    }
}
