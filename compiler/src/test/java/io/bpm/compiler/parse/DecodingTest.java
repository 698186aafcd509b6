package io.bpm.compiler.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bpm.compiler.Frontend;
import io.bpm.compiler.diag.Diagnostic;
import io.bpm.compiler.diag.Rule;
import io.bpm.compiler.model.Process;
import io.bpm.compiler.source.SourceFile;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** bpm.yml is decoded as bpm's Go yaml.v3 decodes it (bpm-behaviour.md §3.1). */
class DecodingTest {

    static Frontend.Result check(String yaml) {
        return Frontend.check(SourceFile.ofText("bpm.yml", yaml), new Frontend.Options("example", false));
    }

    static Process first(String yaml) {
        return check(yaml).config().orElseThrow().processes().getFirst();
    }

    static List<Rule> rules(String yaml) {
        return check(yaml).diagnostics().stream().map(Diagnostic::rule).toList();
    }

    @Test
    void numbersAndBooleansInStringFieldsAreTheirLiteralText() {
        Process p = first("""
                processes:
                - name: web
                  executable: /bin/web
                  args: [--port, 2424, true, 0x1F, 1e3, 10:30, 1.50]
                  env: {A: true, B: 1, C: 10:30, D: 0x1F, E: 1e3, 1: one}
                """);
        assertEquals(List.of("--port", "2424", "true", "0x1F", "1e3", "10:30", "1.50"),
                p.args().stream().map(a -> a.value()).toList());
        assertEquals(List.of("A=true", "B=1", "C=10:30", "D=0x1F", "E=1e3", "1=one"),
                p.env().stream().map(e -> e.name() + "=" + e.value()).toList());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "1024|1024", "0x400|1024", "0o17|15", "0777|511", "0b101|5", "1_000|1000", "1e3|1000", "+12|12"})
    void integerFieldsTakeEveryYamlV3Form(String written, long value) {
        Process p = first("processes:\n- name: a\n  executable: /bin/a\n  limits: {open_files: " + written + "}\n");
        assertEquals(value, p.limits().openFiles());
    }

    @Test
    void aFractionIsTruncatedWithAFinding() {
        var r = check("processes:\n- name: a\n  executable: /bin/a\n  limits: {open_files: 100.7}\n");
        assertEquals(100L, r.config().orElseThrow().processes().getFirst().limits().openFiles());
        Diagnostic d = r.diagnostics().stream().filter(x -> x.rule() == Rule.FLOAT_TRUNCATED).findFirst().orElseThrow();
        assertEquals(4, d.span().line());
        assertEquals("100", d.fix());
    }

    @Test
    void aQuotedNumberInAnIntegerFieldIsATypeError() {
        var r = check("processes:\n- name: a\n  executable: /bin/a\n  limits:\n    open_files: \"10\"\n");
        Diagnostic d = r.diagnostics().stream().filter(x -> x.rule() == Rule.WRONG_TYPE).findFirst().orElseThrow();
        assertEquals(5, d.span().line());
        assertEquals(17, d.span().column());
        assertTrue(d.hint().contains("remove the quotes"), d.hint());
    }

    @Test
    void negativeIntoUnsignedIsAnErrorButProcessesIsSigned() {
        assertTrue(rules("processes:\n- name: a\n  executable: /bin/a\n  limits: {open_files: -1}\n").contains(Rule.WRONG_TYPE));
        List<Rule> signed = rules("processes:\n- name: a\n  executable: /bin/a\n  limits: {processes: -1}\n");
        assertFalse(signed.contains(Rule.WRONG_TYPE));
        assertTrue(signed.contains(Rule.LIMIT_RANGE));
    }

    @ParameterizedTest
    @CsvSource({"yes,true", "on,true", "Y,true", "TRUE,true", "no,false", "Off,false", "n,false"})
    void booleanFieldsTakeYaml11Words(String written, boolean value) {
        assertEquals(value, first("processes:\n- name: a\n  executable: /bin/a\n  ephemeral_disk: " + written + "\n").ephemeralDisk());
    }

    @Test
    void duplicateKeysAreErrorsNamingBothLines() {
        var d = check("processes:\n- name: a\n  executable: /bin/a\n  name: b\n").diagnostics().getFirst();
        assertEquals(Rule.DUPLICATE_KEY, d.rule());
        assertEquals(4, d.span().line());
        assertTrue(d.message().contains("line 2"), d.message());
    }

    @Test
    void mergeKeysApplyWithExplicitKeysWinning() {
        Process p = first("""
                defaults: &d {executable: /bin/x, ephemeral_disk: true}
                processes:
                - <<: *d
                  name: a
                  executable: /bin/a
                """);
        assertEquals("/bin/a", p.executable());
        assertTrue(p.ephemeralDisk());
    }

    @Test
    void aNullProcessIsAFindingNotACrash() {
        assertTrue(rules("processes:\n- \n- name: a\n  executable: /bin/a\n").contains(Rule.NULL_ITEM));
    }

    @Test
    void aNullArgIsDroppedAsBpmDoes() {
        var r = check("processes:\n- name: a\n  executable: /bin/a\n  args: [x, ~, y]\n");
        assertEquals(List.of("x", "y"), r.config().orElseThrow().processes().getFirst().args().stream().map(a -> a.value()).toList());
        assertEquals(List.of(Rule.NULL_VALUE), r.diagnostics().stream().map(Diagnostic::rule).toList());
    }

    @Test
    void rubyToYamlStyleWorks() {
        Process p = first("---\nprocesses:\n- name: \"x\"\n  executable: \"/var/vcap/packages/x/bin/x\"\n  args: [\"--a\", \"b\"]\n  env:\n    'K': !!str 10\n");
        assertEquals("x", p.name());
        assertEquals("10", p.env().getFirst().value());
    }

    @Test
    void onlyTheFirstDocumentCounts() {
        var r = check("processes:\n- name: a\n  executable: /bin/a\n---\nprocesses: []\n");
        assertEquals(List.of(Rule.EXTRA_DOCUMENT), r.diagnostics().stream().map(Diagnostic::rule).toList());
        assertEquals(5, r.diagnostics().getFirst().span().line()); // the first line of the ignored document
    }

    @Test
    void aByteOrderMarkAndCrlfAreFine() {
        assertEquals(List.of(), rules("\uFEFFprocesses:\r\n- name: a\r\n  executable: /bin/a\r\n"));
    }
}
