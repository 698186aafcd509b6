package io.bpm.compiler.monit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bpm.compiler.diag.Diagnostic;
import io.bpm.compiler.diag.Findings;
import io.bpm.compiler.diag.Rule;
import io.bpm.compiler.source.SourceFile;
import io.bpm.compiler.source.Span;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The monit grammar: what it reads, what it keeps, and how it reports what it cannot read. */
class MonitReaderTest {
    record Read(Optional<MonitFile> file, List<Diagnostic> findings) {
        Check check(int i) {
            return file.orElseThrow(() -> new AssertionError("syntax errors: " + findings)).checks().get(i);
        }
    }

    static Read read(String text) {
        Findings f = new Findings("monit", false);
        Optional<MonitFile> file = MonitReader.read(SourceFile.ofText("monit", text), f);
        return new Read(file, f.sorted());
    }

    static final String CANONICAL = """
            check process web
              with pidfile /var/vcap/sys/run/bpm/web/web.pid
              start program "/var/vcap/jobs/bpm/bin/bpm start web"
              stop program "/var/vcap/jobs/bpm/bin/bpm stop web"
              group vcap
            """;

    @Test
    void theCanonicalCheckWithItsPlaces() {
        Check c = read(CANONICAL).check(0);
        assertEquals(Check.Kind.PROCESS, c.kind());
        assertEquals("web", c.name());
        assertEquals(new Span(1, 1, 1, 14), c.keywordSpan());
        assertEquals(new Span(1, 15, 1, 18), c.nameSpan());
        assertEquals(new Check.Target("pidfile", "/var/vcap/sys/run/bpm/web/web.pid", new Span(2, 16, 2, 49)), c.target().orElseThrow());
        Program start = c.start().orElseThrow();
        assertEquals("/var/vcap/jobs/bpm/bin/bpm start web", start.text());
        assertEquals(new Span(3, 17, 3, 55), start.span());
        assertEquals(new Span(3, 3, 3, 8), start.keywordSpan());
        assertEquals(List.of("/var/vcap/jobs/bpm/bin/bpm", "start", "web"), start.words().stream().map(Program.Word::text).toList());
        assertEquals(new Span(3, 51, 3, 54), start.spanOf(start.words().get(2)));
        assertEquals("/var/vcap/jobs/bpm/bin/bpm stop web", c.stop().orElseThrow().text());
    }

    @Test
    void windowsLineEndingsAndAByteOrderMarkChangeNothing() {
        Check lf = read(CANONICAL).check(0);
        assertEquals(lf, read(CANONICAL.replace("\n", "\r\n")).check(0));
        // The mark is a character of the line as editors count it, so the columns after it move by one.
        Check bom = read("\uFEFF" + CANONICAL).check(0);
        assertEquals(lf.name(), bom.name());
        assertEquals(new Span(1, 2, 1, 15), bom.keywordSpan());
    }

    @Test
    void everyStatementBoshJobsUse() {
        Read r = read("""
                check process web
                  with pidfile /var/vcap/sys/run/bpm/web/web.pid
                  start program "/var/vcap/jobs/bpm/bin/bpm start web" with timeout 60 seconds
                  stop program "/var/vcap/jobs/bpm/bin/bpm stop web" as uid vcap and gid vcap
                  group vcap
                  depends on db, cache
                  mode manual
                  every 3 cycles
                  if totalmem > 1 GB for 3 cycles then restart
                  if failed host 127.0.0.1 port 8080 protocol http request "/health" with timeout 10 seconds for 6 cycles then restart
                  if failed unixsocket /var/vcap/data/web/web.sock then restart
                  if 1 restart within 2 cycles then exec "/var/vcap/jobs/web/bin/drain" repeat every 2 cycles
                  if SPACE usage > 80% then alert else if succeeded then alert
                """);
        assertEquals(List.of(), r.findings());
        assertEquals(1, r.file().orElseThrow().checks().size());
    }

    @Test
    void keywordsIgnoreCaseAndNoiseWordsAreOptional() {
        Check c = read("""
                CHECK PROCESS Web WITH PIDFILE /p.pid
                  START "/var/vcap/jobs/bpm/bin/bpm start web"
                  stop program = '/var/vcap/jobs/bpm/bin/bpm stop web'
                """).check(0);
        assertEquals("Web", c.name());
        assertEquals("/var/vcap/jobs/bpm/bin/bpm start web", c.start().orElseThrow().text());
        assertEquals("/var/vcap/jobs/bpm/bin/bpm stop web", c.stop().orElseThrow().text());
    }

    @Test
    void namesAreNamesWhateverTheySpell() {
        // "restart", "group" and "if" are keywords, but not where monit expects a name.
        Read r = read("""
                check process restart with pidfile /p.pid
                  group if
                  depends on group, "check"
                """);
        assertEquals(List.of(), r.findings());
        assertEquals("restart", r.check(0).name());
    }

    @Test
    void otherKindsOfCheckAreReadForTheirShape() {
        Read r = read("""
                check host h address localhost
                  if failed port 80 then alert
                check file f with path /etc/f
                check device d with path /var/vcap/data
                check program p with path "/bin/probe --x" with timeout 5 seconds
                check system $HOST
                check bare with pidfile /p.pid
                """);
        assertEquals(List.of(), r.findings());
        assertEquals(List.of(Check.Kind.HOST, Check.Kind.FILE, Check.Kind.FILESYSTEM, Check.Kind.PROGRAM, Check.Kind.SYSTEM, Check.Kind.PROCESS),
                r.file().orElseThrow().checks().stream().map(Check::kind).toList());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "\n\n", "# only a comment\n", "# This file intentionally left blank\n# errand\n"})
    void emptyAndCommentOnlyFilesHaveNoCheck(String text) {
        Read r = read(text);
        assertEquals(List.of(), r.findings());
        assertEquals(List.of(), r.file().orElseThrow().checks());
    }

    @Test
    void aProgramMaySpanLinesAndKeepsItsPlaces() {
        Program p = read("check process web with pidfile /p.pid\n  start program \"/bin/bpm\n    start web\"\n").check(0).start().orElseThrow();
        assertEquals(List.of("/bin/bpm", "start", "web"), p.words().stream().map(Program.Word::text).toList());
        assertEquals(new Span(3, 11, 3, 14), p.spanOf(p.words().get(2)));
        assertEquals(new Span(2, 17, 3, 15), p.span());
    }

    @Test
    void aQuoteTouchingTheKeywordIsNoticed() {
        Program p = read("check process web with pidfile /p.pid\n  start program\" /bin/bpm start web\"\n").check(0).start().orElseThrow();
        assertTrue(p.glued());
        assertEquals(" /bin/bpm start web", p.text());
    }

    @Test
    void columnsCountCodePoints() {
        Check c = read("check process \uD83D\uDE00x with pidfile /p.pid\n").check(0);
        assertEquals(new Span(1, 15, 1, 17), c.nameSpan());
        assertEquals(new Span(1, 31, 1, 37), c.target().orElseThrow().span());
    }

    @Test
    void aMissingThenIsReportedWhereTheNextStatementStarts() {
        Read r = read(CANONICAL + "  if totalmem > 1 GB for 3 cycles\n  depends on db\n");
        assertTrue(r.file().isEmpty());
        assertEquals(1, r.findings().size(), r.findings().toString());
        Diagnostic d = r.findings().getFirst();
        assertEquals(Rule.MONIT_SYNTAX, d.rule());
        assertEquals(new Span(7, 3, 7, 14), d.span());
        assertEquals("unexpected 'depends on' in this if-rule, expected 'then'", d.message());
    }

    @Test
    void anUnclosedQuoteIsReportedAtTheQuote() {
        Read r = read("check process web with pidfile /p.pid\n  start program \"/bin/bpm start web\n  group vcap\n");
        Diagnostic d = r.findings().getFirst();
        assertEquals(new Span(2, 17, 2, 18), d.span());
        assertTrue(d.message().contains("never closed"), d.message());
    }

    @Test
    void aStringThatSwallowedTheNextStatementIsNamedInTheHint() {
        Read r = read("check process web with pidfile /p.pid\n  start program \"/bin/bpm start web\n  stop program \"/bin/bpm stop web\"\n");
        Diagnostic d = r.findings().getFirst();
        assertEquals(3, d.span().line());
        assertTrue(d.hintText().orElseThrow().startsWith("the string opened at line 2, column 17 runs on to line 3"), d.hint());
    }

    @Test
    void oneFindingPerLineAndEveryFindingHasAHint() {
        Read r = read("check process web with pidfile /p.pid\n  start program /bin/bpm start web\n  group\n  stop \"x\" \"y\"\n");
        assertEquals(List.of(2, 4), r.findings().stream().map(d -> d.span().line()).toList(), r.findings().toString());
        assertTrue(r.findings().stream().allMatch(d -> d.hintText().isPresent()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"check", "check process", "check process web with", "group vcap", "check process web with pidfile",
            "\"", "'", "check process web with pidfile /p.pid\n  depends on", "check process web with pidfile /p.pid if",
            "check process \"", "\u0000\u0001", "check process web with pidfile /p.pid\n  start program \"x\" with timeout seconds",
            "<%= p('x') %>", "check process web with pidfile /p.pid\n every \"* * *\" 3"})
    void brokenInputIsAFindingNeverAnExceptionNorConsoleOutput(String text) {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            Read r = read(text);
            assertTrue(r.file().isEmpty(), "accepted: " + text);
            assertTrue(r.findings().stream().allMatch(d -> d.rule() == Rule.MONIT_SYNTAX && d.span().line() >= 1), r.findings().toString());
        } finally {
            System.setErr(err);
        }
        assertEquals("", captured.toString(StandardCharsets.UTF_8), "ANTLR printed to stderr");
    }
}
