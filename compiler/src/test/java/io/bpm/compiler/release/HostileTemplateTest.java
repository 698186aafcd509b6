package io.bpm.compiler.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bpm.compiler.diag.Diagnostic;
import io.bpm.compiler.diag.Rule;
import io.bpm.compiler.source.SourceFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A template runs no code of the release outside its ERB and reaches nothing outside the
 * evaluation context: every way out below ends in a finding at the template's line, nothing is
 * written, run or read, and the runtime keeps rendering ordinary templates afterwards.
 */
class HostileTemplateTest {
    private static final Path MARKER = Path.of(System.getProperty("java.io.tmpdir"), "bpm-hostile-template-" + ProcessHandle.current().pid());
    private static final JobSpec JOB = new JobSpec("web", Map.of("bpm.yml.erb", "config/bpm.yml"),
            List.of(new JobSpec.Property("port", 8080), new JobSpec.Property("secret", null)), List.of("db"));

    @BeforeAll
    @AfterAll
    static void noMarker() throws Exception {
        Files.deleteIfExists(MARKER);
    }

    private static TemplateRenderer.Result render(String text) throws Exception {
        SourceFile template = SourceFile.ofText("jobs/web/templates/bpm.yml.erb", text);
        return TemplateRenderer.render(Engines.get(), template, JOB, DirectorInput.of(JOB, JobValues.NONE), false);
    }

    private static Diagnostic failure(String text) throws Exception {
        var r = render(text);
        assertInstanceOf(TemplateRenderer.Failed.class, r, () -> "rendered: " + ((TemplateRenderer.Rendered) r).template().output().text());
        return ((TemplateRenderer.Failed) r).finding();
    }

    private static String output(String text) throws Exception {
        var r = render(text);
        assertInstanceOf(TemplateRenderer.Rendered.class, r, () -> "failed: " + ((TemplateRenderer.Failed) r).finding());
        return ((TemplateRenderer.Rendered) r).template().output().text();
    }

    /** Each is on line 2 of its template; each must fail there, with nothing done. */
    @ParameterizedTest
    @ValueSource(strings = {
        "<%= File.read('/etc/passwd') %>",
        "<%= File.open('MARKER', 'w') { |f| f << 'x' } %>",
        "<%= `touch MARKER` %>",
        "<%= %x(touch MARKER) %>",
        "<%= system('touch MARKER') %>",
        "<%= exec('touch MARKER') %>",
        "<%= spawn('touch MARKER') %>",
        "<%= Kernel.system('touch MARKER') %>",
        "<%= Kernel.send(:system, 'touch MARKER') %>",
        "<%= open('|touch MARKER') %>",
        "<%= IO.popen('touch MARKER') %>",
        "<%= Object.const_get(:IO).popen('touch MARKER') %>",
        "<%= Process.spawn('touch MARKER') %>",
        "<%= Dir.entries('/') %>",
        "<%= require 'open3' %>",
        "<%= require 'socket' %>",
        "<%= send(:require, 'fileutils') %>",
        "<%= load '/etc/passwd' %>",
        "<%= eval(\"`touch MARKER`\") %>",
        "<%= binding.eval('system(\"touch MARKER\")') %>",
        "<%= instance_eval { system('touch MARKER') } %>",
        "<%= java.lang.Runtime.getRuntime.exec('touch MARKER') %>",
        "<%= Java::JavaLang::System.exit(3) %>",
        "<%= 'x'.to_java.getClass.forName('java.lang.Runtime') %>",
        "<%= JRuby.runtime %>",
        "<%= ObjectSpace.each_object(Class).to_a %>",
        "<%= Thread.new { sleep } %>",
        "<%= exit!(3) %>",
        "<%= abort('bye') %>",
        "<%= at_exit { system('touch MARKER') } %>",
        "<%= trap('TERM') {} %>",
        "<%= Signal.trap('TERM') {} %>",
        "<%= STDOUT.write('x') %>",
        "<%= syscall(39) %>",
        "<%= exit %>",
        "<%= raise 'boom' %>",
    })
    void aWayOutEndsInAFindingAtItsLine(String attempt) throws Exception {
        Diagnostic d = failure("processes:\n" + attempt.replace("MARKER", MARKER.toString()) + "\n");
        assertEquals(2, d.span().line(), d.toString());
        assertEquals("jobs/web/templates/bpm.yml.erb", d.file());
        assertTrue(d.rule() == Rule.TEMPLATE_ERROR || d.rule() == Rule.TEMPLATE_LIMIT, d.toString());
        assertFalse(Files.exists(MARKER), "the template wrote " + MARKER);
        assertEquals("processes:\n- name: web\n", output("processes:\n- name: <%= name %>\n"), "the runtime no longer renders");
    }

    @Test
    void endlessRecursionIsAFinding() throws Exception {
        Diagnostic d = failure("processes:\n<%= def f; f; end; f %>\n");
        // the stack overflows first, unless a loaded machine makes the recursion outlast the time bound
        assertTrue(d.rule() == Rule.TEMPLATE_ERROR && d.message().contains("SystemStackError") || d.rule() == Rule.TEMPLATE_LIMIT, d.toString());
        assertEquals("processes:\n- name: web\n", output("processes:\n- name: <%= name %>\n"));
    }

    @Test
    void theEnvironmentIsEmptyAndOutputGoesNowhere() throws Exception {
        assertEquals("0 nil", output("<%= ENV.to_h.size %> <%= ENV['HOME'].inspect %>"));
        assertEquals("x", output("<% puts 'to stdout'; $stdout.write('y'); warn 'w'; print 'p' %>x"));
        assertEquals("\"\"", output("<%= $stdin.read.inspect %>"));
    }

    @Test
    void pathFunctionsWorkWithoutAFileSystem() throws Exception {
        assertEquals("/var/vcap/sys/run/web web .sock /a/b", output(
                "<%= File.dirname('/var/vcap/sys/run/web/web.sock') %> <%= File.basename('/x/web.sock', '.sock') %> "
                        + "<%= File.extname('web.sock') %> <%= File.join('/a', 'b') %>"));
        assertEquals("true", output("<% require 'json'; require 'yaml' %><%= JSON.parse('[1]') == [1] && YAML.dump({'a' => 1}) == \"---\\na: 1\\n\" %>"));
    }

    @Test
    void anEndlessLoopIsStoppedWithinItsTime() throws Exception {
        long start = System.nanoTime();
        var outcome = Engines.get().render(ErbCompiler.compile("a\n<% loop { } %>").ruby(), "t.erb", "{}", "{}", 1000, 500);
        assertTrue((System.nanoTime() - start) / 1_000_000 < 10_000, "took too long to stop");
        var f = assertInstanceOf(TemplateEngine.Failure.class, outcome);
        assertEquals(TemplateEngine.Cause.TIMEOUT, f.cause());
        assertEquals(2, f.line(), "the line that loops");
        assertEquals("processes:\n- name: web\n", output("processes:\n- name: <%= name %>\n"));
    }

    @Test
    void aLoopThatSwallowsTheStopIsKilled() throws Exception {
        var outcome = Engines.get().render(ErbCompiler.compile("<% begin; loop { }; rescue Exception; retry; end %>").ruby(), "t.erb", "{}", "{}", 1000, 300);
        assertEquals(TemplateEngine.Cause.TIMEOUT, assertInstanceOf(TemplateEngine.Failure.class, outcome).cause());
        assertEquals("processes:\n- name: web\n", output("processes:\n- name: <%= name %>\n"), "the runtime no longer renders");
    }

    /** An ensure that never ends outlives even a kill: that runtime is given up and the next render gets a new one. */
    @Test
    void aTemplateThatOutlivesItsKillIsAbandonedAndANewRuntimeTakesOver() throws Exception {
        TemplateEngine own = (TemplateEngine) Class.forName(Engines.IMPLEMENTATION).getConstructor().newInstance();
        // it waits forever without using the CPU, so the abandoned thread costs the test run nothing
        var outcome = own.render(ErbCompiler.compile("<% begin; loop { }; ensure; Thread::Queue.new.pop; end %>").ruby(), "t.erb", "{}", "{}", 1000, 300);
        assertEquals(TemplateEngine.Cause.TIMEOUT, assertInstanceOf(TemplateEngine.Failure.class, outcome).cause());
        assertTrue((boolean) own.getClass().getMethod("abandoned").invoke(own));
    }

    @Test
    void outputIsBounded() throws Exception {
        Diagnostic d = failure("a\n<% 50.times do %><%= 'x' * 100_000 %><% end %>");
        assertEquals(Rule.TEMPLATE_LIMIT, d.rule());
        assertTrue(d.message().contains("larger than 4 MiB"), d.message());
    }

    @Test
    void templateErrorsNameTheDirectorsMessageAndLine() throws Exception {
        Diagnostic missing = failure("a: 1\nb: <%= p('secret') %>\n");
        assertEquals(Rule.PROPERTY_MISSING, missing.rule());
        assertEquals(2, missing.span().line());
        assertTrue(missing.message().startsWith("Can't find property '[\"secret\"]'"), missing.message());
        Diagnostic undeclared = failure("a: 1\n\nb: <%= p('nope') %>\n");
        assertEquals(Rule.TEMPLATE_ERROR, undeclared.rule());
        assertEquals(3, undeclared.span().line());
        Diagnostic link = failure("<%= link('db').address %>");
        assertEquals(Rule.LINK_MISSING, link.rule());
        Diagnostic syntax = failure("a\nb\n<% if true %>\n");
        assertEquals(Rule.TEMPLATE_ERROR, syntax.rule());
        assertTrue(syntax.message().contains("SyntaxError"), syntax.message());
        Diagnostic name = failure("a\n<%= undefined_thing %>\n");
        assertEquals(2, name.span().line());
        assertTrue(name.message().contains("NameError"), name.message());
    }

    @Test
    void theContextIsTheDirectors() throws Exception {
        assertEquals("8080 8080 9 x web 0 az1 my-deployment 192.168.0.0 false", output(
                "<%= p('port') %> <%= p(['nope', 'port']) %> <%= p('nope2', 9) %> "
                        + "<% if_p('secret') do |s| %>set<% end.else do %>x<% end %> <%= spec.name %> <%= spec.index %> <%= spec.az %> "
                        + "<%= spec.deployment %> <%= spec.ip %> <%= spec.bootstrap %>"));
        assertEquals("b", output("<% if_p('secret') do %>a<% end.else_if_p('port') do %>b<% end %>"));
        assertEquals("no db", output("<% if_link('db') do |l| %>db<% end.else do %>no db<% end %>"));
        assertEquals("8080", output("<%= properties.port %>"));
        assertEquals("  x\ny\n", output("  x\n  <%- if true -%>\ny\n<%- end -%>\n"));
        assertEquals("<% %%>", output("<%% %%>")); // %%> is literal only inside a tag, as in ERB
        assertEquals("a %> b", output("a <%= '%%>' %> b"));
    }
}
