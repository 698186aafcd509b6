package io.bpm.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** bpm lint and bpm compile on a release checkout: templates rendered, findings on template lines. */
class ReleaseCommandTest {
    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    @TempDir
    Path release;

    static final String SPEC = """
            ---
            name: web
            templates:
              bpm.yml.erb: config/bpm.yml
              web.conf.erb: config/web.conf
            consumes:
            - name: db
              type: database
              optional: true
            properties:
              web.port:
                description: the port
                default: 8080
              web.data:
                description: an extra volume
                default: /var/vcap/data/web/cache
              web.token:
                description: required, no default
            """;

    static final String TEMPLATE = """
            <%
              db = nil
              if_link('db') { |l| db = l.instances.first.address }
            -%>
            processes:
            - name: web
              executable: /var/vcap/packages/web/bin/web
              args: [--port, <%= p('web.port') %>]
              additional_volumes:
              - path: <%= p('web.data') %>
                writable: true
            <% if db -%>
              env: {DB: <%= db %>}
            <% end -%>
            """;

    static final String MONIT = """
            check process <%= name %>
              with pidfile /var/vcap/sys/run/bpm/<%= name %>/web.pid
              start program "/var/vcap/jobs/bpm/bin/bpm start <%= name %>"
              stop program "/var/vcap/jobs/bpm/bin/bpm stop <%= name %>"
              group vcap
            """;

    private Path write(String rel, String text) throws Exception {
        Path f = release.resolve(rel);
        Files.createDirectories(f.getParent());
        Files.writeString(f, text);
        return f;
    }

    @BeforeEach
    void release() throws Exception {
        write("jobs/web/spec", SPEC);
        write("jobs/web/templates/bpm.yml.erb", TEMPLATE);
        write("jobs/web/monit", MONIT);
        write("jobs/cron/spec", "name: cron\ntemplates: {run.erb: bin/run}\n");
        write("jobs/cron/monit", "");
    }

    @Test
    void aReleaseAsItIsLintsCleanAndListsTheSkippedJob() {
        assertEquals(0, Main.run("lint", "--color=never", release.toString()), console.stdout() + console.stderr());
        String out = console.stdout();
        assertTrue(out.contains(release.resolve("jobs/cron/spec") + ":1:1: info[BPM606]: job 'cron' has no template rendered to config/bpm.yml, so it is skipped"), out);
        assertTrue(out.contains("0 errors, 0 warnings in 3 files checked"), out);
    }

    @Test
    void aFindingInTheRenderedFileIsAtItsTemplateLine() throws Exception {
        Path values = write("values.yml", "web:\n  properties: {web: {data: /bin}}\n  links: {db: {instances: [{address: db.example}]}}\n");
        assertEquals(1, Main.run("lint", "--color=never", "--properties", values.toString(), release.toString()));
        String out = console.stdout();
        String template = release.resolve("jobs/web/templates/bpm.yml.erb").toString();
        assertTrue(out.contains(template + ":10:11: error[BPM204]: invalid volume path: /bin must be within /var/vcap (rendered line 6: - path: /bin)"), out);
        assertTrue(out.contains("10 |   - path: <%= p('web.data') %>\n   |           ^^^"), out);
    }

    @Test
    void undeclaredValuesAreDroppedWithAWarning() throws Exception {
        Path values = write("values.yml", "web:\n  properties: {port: 1, web: {token: t}}\n");
        assertEquals(0, Main.run("lint", "--color=never", "--job", "web", "--properties", values.toString(), release.toString()));
        assertTrue(console.stdout().contains("warning[BPM605]: property 'port' is given for job 'web' but not declared in its spec; it is dropped"), console.stdout());
    }

    @Test
    void templateErrorsAreFindingsWithTheirLine() throws Exception {
        write("jobs/web/templates/bpm.yml.erb", "processes:\n- name: <%= name %>\n  executable: <%= p('web.nope') %>\n");
        assertEquals(1, Main.run("lint", "--format", "json", release.toString()));
        JsonNode findings = new ObjectMapper().readTree(console.stdout());
        JsonNode f = findings.get(1); // after the skipped job cron's info
        assertEquals("BPM601", f.get("code").asText(), findings.toString());
        assertEquals(3, f.get("line").asInt());
        assertTrue(f.get("message").asText().startsWith("Can't find property '[\"web.nope\"]'"), f.toString());
        assertFalse(console.stderr().contains("Exception"), console.stderr());
    }

    @Test
    void sarifNamesTheTemplates() throws Exception {
        write("jobs/web/templates/bpm.yml.erb", "processes:\n- name: web\n  executable: <%= 1 +  %>\n");
        assertEquals(1, Main.run("lint", "--format", "sarif", release.toString()));
        JsonNode sarif = new ObjectMapper().readTree(console.stdout());
        JsonNode result = sarif.at("/runs/0/results/1");
        assertEquals("BPM601", result.get("ruleId").asText());
        assertTrue(result.toString().contains("bpm.yml.erb"), result.toString());
    }

    @Test
    void compilePrintsThePlansOfTheRenderedJob() throws Exception {
        assertEquals(0, Main.run("compile", "--job", "web", release.toString()), console.stderr());
        String plan = console.stdout();
        assertTrue(plan.contains("job web\nprocess web\n"), plan);
        assertTrue(plan.contains("/var/vcap/packages/web/bin/web --port 8080"), plan);
        assertTrue(plan.contains("/var/vcap/data/web/cache rbind"), plan);
        assertTrue(plan.contains("# bpm.yml:6:5 processes[0].additional_volumes[0]"), plan); // places in the rendered file
    }

    @Test
    void compileNeedsTheJobAndPropertiesNeedARelease() throws Exception {
        assertEquals(2, Main.run("compile", release.toString()));
        assertTrue(console.stderr().contains("name the job with --job (jobs: cron, web)"), console.stderr());
        assertEquals(1, Main.run("compile", "--job", "cron", release.toString()));
        Path bpmYml = write("elsewhere/jobs/x/config/bpm.yml", LintCommandTest.GOOD);
        assertEquals(2, Main.run("lint", "--properties", bpmYml.toString(), bpmYml.toString()));
        assertTrue(console.stderr().contains("--properties is for a release directory"), console.stderr());
    }
}
