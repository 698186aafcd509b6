package io.bpm.compiler.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bpm.compiler.Frontend;
import io.bpm.compiler.diag.Diagnostic;
import io.bpm.compiler.diag.Rule;
import io.bpm.compiler.parse.YamlReader;
import io.bpm.compiler.source.SourceFile;
import io.bpm.compiler.source.SourceLoader;
import io.bpm.compiler.source.Span;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bugs the fuzz harness ({@link FuzzCompilerTest}) found, each pinned by its smallest input.
 * The time bounds only stop a hang from wedging the build; they are not speed goals.
 */
class FuzzRegressionTest {
    private static final Duration BOUND = Duration.ofSeconds(30);
    private static final String HEAD = "processes:\n- name: web\n  executable: /var/vcap/packages/web/bin/web\n";

    static List<Diagnostic> check(String yaml) {
        SourceFile source = SourceFile.ofText("bpm.yml", yaml);
        List<Diagnostic> found = assertTimeoutPreemptively(BOUND,
                () -> Frontend.check(source, new Frontend.Options("web", false)).diagnostics());
        for (Diagnostic d : found) CompilerOracle.valid(d, source);
        CompilerOracle.printable(found, source);
        return found;
    }

    static Diagnostic only(List<Diagnostic> found, Rule rule) {
        List<Diagnostic> of = found.stream().filter(d -> d.rule() == rule).toList();
        assertEquals(1, of.size(), found.toString());
        return of.getFirst();
    }

    // SnakeYAML throws NumberFormatException / IllegalArgumentException (not a YAMLException) for
    // an escape beyond Unicode: bpm lint crashed with a stack trace.
    @Test
    void anEscapeBeyondUnicodeIsASyntaxFindingAtItsPlace() {
        Diagnostic d = only(check("processes: \"\\UFFFFFFFF\"\n"), Rule.YAML_SYNTAX);
        assertEquals(1, d.span().line());
        assertTrue(d.message().contains("escape"), d.message());
        only(check("processes:\n- name: \"\\U00110000\"\n"), Rule.YAML_SYNTAX);
        // in a later document, which bpm never reads: still only the extra-document warning
        only(check(HEAD + "---\nx: \"\\UFFFFFFFF\"\n"), Rule.EXTRA_DOCUMENT);
    }

    // BigInteger parses decimal text in quadratic time (a megabyte of digits took minutes); the
    // decoder now takes a number of more than 100 digits as out of range without converting it
    // (DecoderBoundsTest has the unit-level cases).
    @Test
    void aHugeNumberIsOutOfRangeWithoutBeingConverted() {
        String digits = "9".repeat(100_000);
        Diagnostic d = only(check(HEAD + "  limits: {open_files: " + digits + "}\n"), Rule.WRONG_TYPE);
        assertTrue(d.message().contains("does not fit"), d.message().substring(0, 100));
        only(check(HEAD + "  limits: {processes: -" + digits + "}\n"), Rule.WRONG_TYPE);
        check(HEAD + "  unknown_key: " + digits + "\n"); // a number only shown in a message
    }

    // BigDecimal("1e999999999").toBigInteger() threw ArithmeticException out of the decoder (and
    // 1e99999999 would build a hundred-million-digit number); "1e2147483648" threw NumberFormatException.
    @Test
    void floatLiteralsAreTruncatedWithoutExpandingTheirExponent() {
        assertTrue(only(check(HEAD + "  limits: {open_files: 1e999999999}\n"), Rule.WRONG_TYPE).message().contains("does not fit"));
        assertTrue(only(check(HEAD + "  limits: {open_files: 1e99999999}\n"), Rule.WRONG_TYPE).message().contains("does not fit"));
        assertTrue(only(check(HEAD + "  limits: {processes: -1e999999999}\n"), Rule.WRONG_TYPE).message().contains("does not fit"));
        only(check(HEAD + "  limits: {open_files: 1e2147483648}\n"), Rule.WRONG_TYPE);
        Diagnostic tiny = only(check(HEAD + "  limits: {open_files: 1e-2147483649}\n"), Rule.FLOAT_TRUNCATED);
        assertEquals("0", tiny.fix());
        assertEquals("0", only(check(HEAD + "  limits: {processes: 1e-999999999}\n"), Rule.FLOAT_TRUNCATED).fix());
        List<Diagnostic> zero = check(HEAD + "  limits: {processes: 0e99999999999999999999}\n");
        assertTrue(zero.stream().noneMatch(d -> d.rule() == Rule.WRONG_TYPE || d.rule() == Rule.FLOAT_TRUNCATED), zero.toString());
        assertEquals("1", only(check(HEAD + "  limits: {processes: 1." + "5".repeat(100_000) + "}\n"), Rule.FLOAT_TRUNCATED).fix());
        // the ordinary spellings keep their meaning
        assertEquals("12", only(check(HEAD + "  limits: {processes: 1.25e1}\n"), Rule.FLOAT_TRUNCATED).fix());
        assertEquals("0", only(check(HEAD + "  limits: {processes: -0.5}\n"), Rule.FLOAT_TRUNCATED).fix());
        assertTrue(check(HEAD + "  limits: {open_files: 1e3, processes: 1.5e2}\n").stream()
                .noneMatch(d -> d.rule() == Rule.FLOAT_TRUNCATED || d.rule() == Rule.WRONG_TYPE));
    }

    // The memory hint's regular expression [0-9]*\.?[0-9]+ backtracked quadratically (minutes for
    // ten values of 120,000 digits); the schema's pattern for memory overflowed the stack.
    @Test
    void longMemorySizesAreRefusedAtOnce() {
        StringBuilder y = new StringBuilder("processes:\n");
        for (int i = 0; i < 10; i++) {
            y.append("- name: p").append(i).append("\n  executable: /var/vcap/packages/web/bin/web\n  limits: {memory: ")
                    .append("9".repeat(120_000)).append("x}\n");
        }
        assertEquals(10, check(y.toString()).stream().filter(d -> d.rule() == Rule.MEMORY_SIZE).count());
        only(check(HEAD + "  limits: {memory: " + "9".repeat(120_000) + "}\n"), Rule.MEMORY_SIZE);
        only(check(HEAD + "  limits: {memory: " + "1_".repeat(60_000) + "1G}\n"), Rule.MEMORY_SIZE); // beyond a float64: bpm refuses it
        only(check(HEAD + "  limits: {memory: " + "1_".repeat(60_000) + "G}\n"), Rule.MEMORY_SIZE);
    }

    // SnakeYAML's reader is quadratic in the length of a line: a 4 MiB line took 10 s to lint.
    @Test
    void aLineLongerThanAnyArgumentIsRefused() {
        String big = "a".repeat(YamlReader.MAX_LINE + 1);
        Diagnostic d = only(check("# ok\n#" + big + "\n" + HEAD), Rule.INPUT_REFUSED);
        assertEquals(Span.point(2, 1), d.span());
        assertTrue(d.message().contains("line 2 is longer than"), d.message());
        only(check(HEAD + "  args: [\"" + "a".repeat((4 << 20) - 200) + "\"]\n"), Rule.INPUT_REFUSED);
        // up to the limit a value is read (and the finding is about the value, not the file)
        List<Diagnostic> fine = check(HEAD + "  args: [\"" + "a".repeat(YamlReader.MAX_LINE - 20) + "\"]\n");
        assertTrue(fine.stream().noneMatch(x -> x.rule() == Rule.INPUT_REFUSED), fine.toString());
    }

    // A NUL byte in a value linted clean, and compile then failed ("cannot compile: argument
    // contains a NUL byte"): the lint/compile promise was broken. Now rule BPM325 reports it.
    @Test
    void aNulByteInAValueIsAFinding() {
        for (String yaml : List.of(
                "processes:\n- name: web\n  executable: \"/var/vcap/packages/web/bin/w\\0eb\"\n",
                HEAD + "  args: [\"\\0\"]\n",
                HEAD + "  env: {A: \"x\\0\"}\n",
                HEAD + "  workdir: \"/var/vcap/data/web/\\0\"\n",
                HEAD + "  hooks: {pre_start: \"/var/vcap/jobs/web/bin/\\0\"}\n",
                HEAD + "  additional_volumes: [{path: \"/var/vcap/data/web/\\0\"}]\n",
                HEAD + "  unsafe: {unrestricted_volumes: [{path: \"/var/vcap/data/\\0\"}]}\n")) {
            List<Diagnostic> found = check(yaml);
            assertTrue(found.stream().anyMatch(d -> d.rule() == Rule.NUL_BYTE && d.severity() == io.bpm.compiler.diag.Severity.ERROR),
                    yaml + " -> " + found);
        }
    }

    // These linted clean (at most a warning) and bpm compile then failed: the verifier refuses a
    // non-canonical mount-glob, and a writable mount of a system directory or of bpm's own state
    // in an unprivileged plan. Now PATH_NOT_CANONICAL and WRITABLE_SYSTEM report them.
    @Test
    void whatTheVerifierRefusesIsALintError() {
        String volumes = HEAD + "  unsafe:\n    unrestricted_volumes:\n    - path: \"%s\"\n      writable: %s\n";
        for (String path : List.of("//var/vcap/data/x", "/var/vcap/data/../x", "/var/vcap/data/x/", "/var/vcap/./data")) {
            Diagnostic d = only(check(volumes.formatted(path, "false")), Rule.PATH_NOT_CANONICAL);
            assertEquals(io.bpm.executor.plan.HostPath.clean(path), d.fix());
        }
        for (String path : List.of("/etc", "/etc/ssl", "/var/vcap/sys/run/bpm", "/var/vcap/*", "/*", "/usr/lib/*.so")) {
            only(check(volumes.formatted(path, "true")), Rule.WRITABLE_SYSTEM);
            assertTrue(check(volumes.formatted(path, "false")).stream().noneMatch(d -> d.rule() == Rule.WRITABLE_SYSTEM));
            String privileged = volumes.formatted(path, "true").replace("  unsafe:\n", "  unsafe:\n    privileged: true\n");
            assertTrue(check(privileged).stream().noneMatch(d -> d.rule() == Rule.WRITABLE_SYSTEM), privileged);
        }
        String additional = HEAD + "  additional_volumes:\n  - path: %s\n    writable: true\n";
        for (String path : List.of("/var/vcap/data/bpm", "/var/vcap/data/bpm/x", "/var/vcap/sys/run/bpm/x", "/var/vcap/sys/run/bpm-state")) {
            only(check(additional.formatted(path)), Rule.WRITABLE_SYSTEM);
        }
        assertTrue(check(additional.formatted("/var/vcap/data/web/cache")).stream().noneMatch(d -> d.rule() == Rule.WRITABLE_SYSTEM));
    }

    // Positions counted only LF as a line end, where SourceFile (and every report's snippet) also
    // takes a lone CR; and SnakeYAML's line numbers also break at NEL, LS and PS. Spans then named
    // a line past the end of the file or a column past the end of the line.
    @Test
    void spansUseTheLinesTheReportsShow() {
        Diagnostic control = only(check("\rprocesses: \u0001\n"), Rule.INPUT_REFUSED);
        assertEquals(Span.point(2, 12), control.span());
        Diagnostic unknown = only(check(HEAD + "  env: {A: \"a\u2028b\u0085c\u2029d\"}\n  bogus: 1\n"), Rule.UNKNOWN_KEY);
        assertEquals(Span.point(5, 3), Span.point(unknown.span().line(), unknown.span().column()));
        Diagnostic crlf = only(check("# a\r\n" + HEAD.replace("\n", "\r\n") + "  bogus: 1\r\n"), Rule.UNKNOWN_KEY);
        assertEquals(5, crlf.span().line());
        // a file that is not UTF-8: the bad byte's line counts CRs too
        byte[] bytes = "a: b\rc: \u00ff\n".getBytes(StandardCharsets.ISO_8859_1);
        SourceLoader.Loaded loaded = SourceLoader.decode(bytes, "bpm.yml");
        assertTrue(loaded instanceof SourceLoader.Refused r && r.diagnostic().span().equals(Span.point(2, 4)), loaded.toString());
    }
}
