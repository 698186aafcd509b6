package io.bpm.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bpm.executor.plan.PlanText;
import io.bpm.executor.plan.Verifier;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** bpm compile as operators and BOSH template rendering use it. */
class CompileCommandTest {
    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    @TempDir
    Path dir;

    private String stdout() {
        return console.stdout();
    }

    private String stderr() {
        return console.stderr();
    }

    private Path job(String yaml) throws Exception {
        Path f = dir.resolve("jobs/web/config/bpm.yml");
        Files.createDirectories(f.getParent());
        Files.writeString(f, yaml);
        return f;
    }

    static final String TWO = """
            processes:
            - name: web
              executable: /var/vcap/packages/web/bin/web
              args: ["a b", "#x", "line\\nbreak"]
            - name: worker
              executable: /var/vcap/packages/web/bin/worker
              ephemeral_disk: true
            """;

    @Test
    void printsAVerifiedPlanPerProcessThatReadsBack() throws Exception {
        assertEquals(0, Main.run("compile", job(TWO).toString()), stderr());
        String[] plans = stdout().split("\n\n");
        assertEquals(2, plans.length);
        for (String p : plans) Verifier.require(PlanText.parse(p + "\n"));
        assertTrue(plans[0].contains("\nexec /var/vcap/packages/bpm/bin/tini -w -s -- /var/vcap/packages/web/bin/web \"a b\" \"#x\" \"line\\nbreak\" "), plans[0]);
        assertTrue(plans[1].contains("\nprocess worker\n"), plans[1]);
        assertTrue(plans[1].contains("\ncontainer-id bpm-web.2eworker "), plans[1]);
    }

    @Test
    void isByteIdenticalAcrossRuns() throws Exception {
        Path f = job(TWO);
        Main.run("compile", f.toString());
        String first = stdout();
        console.reset();
        Main.run("compile", f.toString());
        assertEquals(first, stdout());
    }

    @Test
    void oneProcessAndTheInit() throws Exception {
        assertEquals(0, Main.run("compile", "--process", "worker", "--init", "/usr/bin/tini", job(TWO).toString()), stderr());
        assertTrue(stdout().contains("\nexec /usr/bin/tini -w -s -- /var/vcap/packages/web/bin/worker "), stdout());
        assertFalse(stdout().contains("process web\n"));
    }

    @Test
    void jsonIsThePlanAsJson() throws Exception {
        assertEquals(0, Main.run("compile", "--format", "json", "--process", "web", job(TWO).toString()), stderr());
        JsonNode plan = new ObjectMapper().readTree(stdout());
        assertEquals("web", plan.get("process").asText());
        assertEquals("container-id", plan.get("steps").get(0).get("op").asText());
    }

    @Test
    void ociNeedsOneProcessAndBindsTheUser() throws Exception {
        Path f = job(TWO);
        assertEquals(2, Main.run("compile", "--format", "oci", "--oci-user", "1000:1000", f.toString()));
        assertTrue(stderr().contains("pass --process"), stderr());
        assertEquals(0, Main.run("compile", "--format", "oci", "--oci-user", "1000:1001", "--process", "web", f.toString()), stderr());
        JsonNode oci = new ObjectMapper().readTree(stdout());
        assertEquals(1000, oci.at("/process/user/uid").asInt());
        assertEquals(1001, oci.at("/process/user/gid").asInt());
        assertEquals("rootfs", oci.at("/root/path").asText());
        assertEquals(2, Main.run("compile", "--format", "oci", "--oci-user", "x", "--process", "web", f.toString()));
    }

    @Test
    void seccompPrintsTheFilterOfEachProcess() throws Exception {
        String yaml = TWO + "  unsafe: {privileged: true}\n";
        assertEquals(0, Main.run("compile", "--format", "seccomp", job(yaml).toString()), stderr());
        String out = stdout();
        assertTrue(out.contains("# process web\n; bpm-default 1 for "), out);
        assertTrue(out.contains("ld [4]") && out.contains("ERRNO(EPERM)"), out);
        assertTrue(out.contains("# process worker\n# no seccomp filter: the process runs privileged"), out);
    }

    @Test
    void errorsPrintFindingsAndNoPlan() throws Exception {
        assertEquals(1, Main.run("compile", job("processes:\n- name: web\n  executable: /bin/web\n  limits: {memory: lots}\n").toString()));
        assertEquals("", stdout());
        assertTrue(stderr().contains("error[BPM301]"), stderr());
    }

    @Test
    void unknownProcessAndUnknownJobAndMissingFile() throws Exception {
        assertEquals(1, Main.run("compile", "--process", "nope", job(TWO).toString()));
        assertTrue(stderr().contains("process \"nope\" is not defined") && stderr().contains("web, worker"), stderr());
        Path plain = dir.resolve("bpm.yml");
        Files.writeString(plain, TWO);
        assertEquals(2, Main.run("compile", plain.toString()));
        assertTrue(stderr().contains("pass --job NAME"), stderr());
        assertEquals(2, Main.run("compile", dir.resolve("missing.yml").toString()));
        assertFalse(stderr().contains("Exception"), stderr());
    }
}
