package io.bpm.compiler.monit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bpm.compiler.source.Span;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Reading a monit program as bpm's command line reads it. */
class BpmCommandTest {
    static Optional<BpmCommand> parse(String text) {
        return BpmCommand.parse(new Program("start", text, new Span(1, 10, 1, 12 + text.length()), new Span(1, 1, 1, 6), false));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "/var/vcap/jobs/bpm/bin/bpm start web|start|web|web",
            "/var/vcap/jobs/bpm/bin/bpm start web -p worker|start|web|worker",
            "/var/vcap/jobs/bpm/bin/bpm start -p worker web|start|web|worker",
            "/var/vcap/jobs/bpm/bin/bpm stop web --process worker|stop|web|worker",
            "/var/vcap/jobs/bpm/bin/bpm stop web --process=worker|stop|web|worker",
            "/var/vcap/jobs/bpm/bin/bpm stop web -p=worker|stop|web|worker",
            "/var/vcap/jobs/bpm/bin/bpm stop web -pworker|stop|web|worker",
            "/var/vcap/jobs/bpm/bin/bpm stop web -p ''|stop|web|web",
            "bpm  start\tweb|start|web|web"})
    void wellFormedCommands(String text, String command, String job, String process) {
        BpmCommand c = parse(text).orElseThrow();
        assertTrue(c.wellFormed(), text);
        assertEquals(command, c.command().orElseThrow().value());
        assertEquals(job, c.job().orElseThrow().value());
        assertEquals(process, c.effectiveProcess().orElseThrow());
    }

    @Test
    void notBpm() {
        assertTrue(parse("/var/vcap/jobs/web/bin/web_ctl start").isEmpty());
        assertTrue(parse("").isEmpty());
        assertTrue(parse("/bin/bpmx start web").isEmpty());
    }

    @Test
    void whatBpmWouldRefuseOrIgnore() {
        BpmCommand c = parse("/var/vcap/jobs/bpm/bin/bpm start web worker --force -p").orElseThrow();
        assertFalse(c.wellFormed());
        assertEquals(List.of("worker"), c.extra().stream().map(Program.Word::value).toList());
        assertEquals(List.of("--force"), c.unknownOptions().stream().map(Program.Word::value).toList());
        assertTrue(c.processFlag().isPresent());
        assertTrue(c.process().isEmpty());
        assertTrue(parse("/var/vcap/jobs/bpm/bin/bpm").orElseThrow().command().isEmpty());
        assertTrue(parse("/var/vcap/jobs/bpm/bin/bpm start").orElseThrow().job().isEmpty());
    }

    @Test
    void wordsKeepTheirPlaceInTheFile() {
        BpmCommand c = parse("/var/vcap/jobs/bpm/bin/bpm start web -pworker").orElseThrow();
        assertEquals(new Span(1, 50, 1, 56), c.program().spanOf(c.process().orElseThrow()));
    }

    @Test
    void canonicalForms() {
        assertEquals("/var/vcap/jobs/bpm/bin/bpm start web", BpmCommand.canonical("start", "web", "web"));
        assertEquals("/var/vcap/jobs/bpm/bin/bpm stop web -p worker", BpmCommand.canonical("stop", "web", "worker"));
        assertEquals("/var/vcap/sys/run/bpm/web/worker.pid", BpmCommand.pidFile("web", "worker"));
    }
}
