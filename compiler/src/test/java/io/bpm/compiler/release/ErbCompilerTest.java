package io.bpm.compiler.release;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bpm.compiler.source.SourceFile;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jruby.Ruby;
import org.jruby.RubyInstanceConfig;
import org.jruby.runtime.builtin.IRubyObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * bpm's ERB compiler against Ruby's own ERB (the erb library of JRuby's standard library, trim
 * mode "-"): the same output for the scanner's corner cases and for all 330 corpus templates,
 * evaluated in the same context. ErbCompiler only changes the output commands, so any other
 * difference would be a scanning or layout bug.
 */
class ErbCompilerTest {
    private static Ruby ruby;

    @BeforeAll
    static void plainRuntimeWithErb() throws Exception {
        RubyInstanceConfig config = new RubyInstanceConfig();
        config.setDisableGems(true);
        config.setCompileMode(RubyInstanceConfig.CompileMode.OFF);
        ruby = Ruby.newInstance(config);
        try (InputStream in = ErbCompilerTest.class.getResourceAsStream("/io/bpm/compiler/release/jruby/template_context.rb")) {
            ruby.executeScript(new String(in.readAllBytes(), StandardCharsets.UTF_8), "template_context.rb");
        }
        ruby.evalScriptlet("""
                require 'erb'
                def erb_render(src, spec, links)
                  BpmTemplate::Context.new(JSON.parse(spec), JSON.parse(links), [], 1 << 40)._bpm_run(ERB.new(src, trim_mode: '-').src, 't.erb')
                rescue ScriptError, StandardError => e
                  "FAILED #{e.class}"
                end
                """);
    }

    private static String erb(String src, String spec, String links) {
        IRubyObject out = ruby.getObject().callMethod(ruby.getCurrentContext(), "erb_render",
                new IRubyObject[] {ruby.newString(src), ruby.newString(spec), ruby.newString(links)});
        return out.asJavaString();
    }

    private static String ours(String src, JobSpec job, DirectorInput input) throws Exception {
        var r = TemplateRenderer.render(Engines.get(), SourceFile.ofText("t.erb", src), job, input, false);
        if (r instanceof TemplateRenderer.Failed f) return "FAILED " + f.finding().message();
        return ((TemplateRenderer.Rendered) r).template().output().text();
    }

    static final List<String> CORNERS = List.of(
            "a\n  <%- x = 1 -%>\nb\n",
            "a <%= 1 %>  <%- y = 2 -%>\nc",
            "<%= 1 -%>\n<%= 2 -%>\r\n<%= 3 -%>",
            "<%% literal %> and <%= '%%>' %> and <%= 1 %%> 2 %>",
            "<%# a comment\n spanning lines %>\nx <%# c -%>\ny\n",
            "\t <%- if true -%>\n  yes\n\t <%- end -%>\n",
            "<% [1, 2].each do |i| -%>\n- <%= i %>\n<% end -%>\n",
            "<%\n  a = 1\n  b = 2\n%>\n<%= a + b %>\n",
            "x<%- 1 -%>y<%- 2 -%>\n  z",
            "a -%> b %> c\n",
            "<%= \"multi\\nline\" %>\nend",
            "unterminated <% x",
            "it's a 'quote' and a \\ backslash \\' <%= \"'\" %>",
            "<%= 'a' %><%- -%>\n\n");

    @Test
    void cornerCasesRenderAsRubysErb() throws Exception {
        JobSpec job = new JobSpec("web", java.util.Map.of(), List.of(), List.of());
        DirectorInput input = DirectorInput.of(job, JobValues.NONE);
        for (String src : CORNERS) {
            String expected = erb(src, input.specJson(), input.linksJson());
            String actual = ours(src, job, input);
            // a template ERB cannot evaluate must fail here too (then as a finding, not a message to compare)
            if (expected.startsWith("FAILED ")) assertEquals(true, actual.startsWith("FAILED "), "template: " + src + " gave " + actual);
            else assertEquals(expected, actual, "template: " + src);
        }
    }

    @Test
    void everyCorpusTemplateRendersAsRubysErb() throws Exception {
        List<String> differences = new ArrayList<>();
        int n = 0;
        for (CorpusCases release : CorpusCases.all()) {
            for (CorpusCases.Case c : release.cases()) {
                JobSpec spec = JobSpec.parse(Files.readString(release.release().resolve("jobs").resolve(c.job()).resolve("spec")), c.job());
                DirectorInput input = DirectorInput.of(spec, c.values());
                for (Path t : List.of(c.bpmTemplate(), c.monitTemplate())) {
                    String src = Files.readString(t);
                    n++;
                    if (!erb(src, input.specJson(), input.linksJson()).equals(ours(src, spec, input))) differences.add(c.id() + " " + t.getFileName());
                }
            }
        }
        assertEquals(330, n);
        assertEquals(List.of(), differences);
    }
}
