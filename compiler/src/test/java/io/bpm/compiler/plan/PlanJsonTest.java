package io.bpm.compiler.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.bpm.compiler.golden.Golden;
import io.bpm.executor.plan.Header;
import io.bpm.executor.plan.Plan;
import io.bpm.executor.plan.PlanText;
import io.bpm.executor.plan.Provenance;
import io.bpm.executor.plan.Step;
import io.bpm.executor.plan.Step.Capabilities;
import io.bpm.executor.plan.Step.CgroupLimit;
import io.bpm.executor.plan.Step.ContainerId;
import io.bpm.executor.plan.Step.Cwd;
import io.bpm.executor.plan.Step.Env;
import io.bpm.executor.plan.Step.Exec;
import io.bpm.executor.plan.Step.GlobMount;
import io.bpm.executor.plan.Step.Hook;
import io.bpm.executor.plan.Step.LockFile;
import io.bpm.executor.plan.Step.Log;
import io.bpm.executor.plan.Step.LogStream;
import io.bpm.executor.plan.Step.MakeDir;
import io.bpm.executor.plan.Step.Mask;
import io.bpm.executor.plan.Step.Mount;
import io.bpm.executor.plan.Step.Namespace;
import io.bpm.executor.plan.Step.NamespaceKind;
import io.bpm.executor.plan.Step.NoNewPrivs;
import io.bpm.executor.plan.Step.OpenLog;
import io.bpm.executor.plan.Step.Owner;
import io.bpm.executor.plan.Step.PidFile;
import io.bpm.executor.plan.Step.ReadOnly;
import io.bpm.executor.plan.Step.RequireDir;
import io.bpm.executor.plan.Step.Rlimit;
import io.bpm.executor.plan.Step.Seccomp;
import io.bpm.executor.plan.Step.ShareVolume;
import io.bpm.executor.plan.Step.StateDir;
import io.bpm.executor.plan.Step.Stop;
import io.bpm.executor.plan.Step.User;
import io.bpm.executor.plan.Step.VolumeDir;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The JSON form of a plan is deterministic, complete, and valid against the published schema. */
class PlanJsonTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String RESOURCE = "/io/bpm/compiler/schema/bpm-plan.schema.json";
    private static final JsonNode SCHEMA_NODE = loadSchema();
    private static final Schema SCHEMA = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
            .getSchema(SchemaLocation.of(SCHEMA_NODE.get("$id").asText()), SCHEMA_NODE);

    private static final Provenance D = Provenance.DEFAULT;
    private static final String SHA = "3f1a".repeat(16);

    // ------------------------------------------------------------------------------ sample plans

    /** One instance of every step kind (and of every enum value), valid as a plan would hold it. */
    static List<Step> oneOfEach() {
        Provenance vol = Provenance.at("bpm.yml", 9, 7, "processes[0].additional_volumes[0]");
        List<Step> s = new ArrayList<>();
        s.add(new ContainerId("bpm-web.2eworker", D));
        s.add(new LockFile("$ROOT/data/bpm/locks/job-bpm-web.2eworker.lock", D));
        s.add(new PidFile("$ROOT/sys/run/bpm/web/worker.pid", D));
        s.add(new StateDir("$ROOT/sys/run/bpm-state/web/worker", D));
        for (LogStream ls : LogStream.values()) {
            s.add(new Log(ls, "$ROOT/sys/log/web/" + ls.name().toLowerCase() + ".log", D));
        }
        s.add(new User("vcap", D));
        s.add(new MakeDir("$ROOT/sys/run/bpm/web", 0700, Owner.ROOT, D));
        s.add(new ShareVolume("$ROOT/data/shared", "$ROOT/data/bpm/locks/vol-" + "ab".repeat(32) + ".lock", vol));
        s.add(new VolumeDir("$ROOT/data/shared", 0700, Owner.VCAP, vol));
        s.add(new RequireDir("$ROOT/store", "requested persistent disk does not exist",
                Provenance.at("bpm.yml", 6, 5, "processes[0].persistent_disk")));
        s.add(new OpenLog("$ROOT/sys/log/web/worker.stdout.log", 0600, Owner.VCAP, D));
        s.add(new Hook("$ROOT/jobs/web/bin/pre-start", Provenance.at("bpm.yml", 7, 16, "processes[0].hooks.pre_start")));
        for (NamespaceKind k : NamespaceKind.values()) s.add(new Namespace(k, D));
        s.add(new Mount("proc", "proc", "/proc", List.of(), false, D));
        s.add(new Mount("bind", "/run/resolvconf", "/run/resolvconf", List.of("bind", "noexec", "nosuid", "nodev", "ro"), true, D));
        s.add(new Mount("bind", "$ROOT/data/shared", "/var/vcap/data/shared",
                List.of("rbind", "noexec", "nosuid", "nodev", "rw"), false, vol));
        s.add(new GlobMount("/var/vcap/jobs/*/config", List.of("rbind", "noexec", "nosuid", "nodev", "ro"),
                List.of("/tmp", "/var/vcap/jobs/web"), Provenance.at("bpm.yml", 12, 9, "processes[0].unsafe.unrestricted_volumes[0]")));
        s.add(new GlobMount("/srv/*", List.of(), List.of(), D));
        s.add(new Mask("/proc/kcore", D));
        s.add(new ReadOnly("/proc/sys", D));
        s.add(new Rlimit("NOFILE", 1024, 1024, Provenance.at("bpm.yml", 15, 19, "processes[0].limits.open_files")));
        s.add(new Rlimit("CORE", -1L, -1L, D));
        s.add(new CgroupLimit("memory", 1L << 30, false, D));
        s.add(new CgroupLimit("memory+swap", 1L << 30, true, D));
        s.add(new CgroupLimit("pids", 100, false, D));
        s.add(new Capabilities(List.of("CAP_NET_BIND_SERVICE"), List.of("CAP_NET_BIND_SERVICE"),
                List.of("CAP_NET_BIND_SERVICE"), List.of(), List.of("CAP_NET_BIND_SERVICE"), D));
        s.add(new NoNewPrivs(D));
        s.add(new Seccomp("bpm-default", 1, D));
        s.add(new Env("FOO", "two words \"quoted\" # not a comment\nand a newline, é, \u2028", D));
        s.add(new Env("EMPTY", "", D));
        s.add(new Cwd("/var/vcap/jobs/web", D));
        s.add(new Exec(List.of("/var/vcap/packages/bpm/bin/tini", "-w", "-s", "--", "/var/vcap/packages/web/bin/worker", ""), D));
        s.add(new Stop("INT", 15000, 2000, D));
        return s;
    }

    static Plan plan(String job, String process, List<Step> steps) {
        return new Plan(new Header(Header.FORMAT, "0.1.0", SHA, job, process), steps);
    }

    /** The plan of a one-process job as the compiler would lower it (bpm-plan(5), EXAMPLE). */
    static Plan webPlan() {
        Provenance exe = Provenance.at("bpm.yml", 3, 17, "processes[0].executable");
        Provenance args = Provenance.at("bpm.yml", 4, 11, "processes[0].args");
        Provenance mem = Provenance.at("bpm.yml", 6, 15, "processes[0].limits.memory");
        List<Step> s = new ArrayList<>();
        s.add(new ContainerId("bpm-web", D));
        s.add(new LockFile("$ROOT/data/bpm/locks/job-bpm-web.2eweb.lock", D));
        s.add(new PidFile("$ROOT/sys/run/bpm/web/web.pid", D));
        s.add(new StateDir("$ROOT/sys/run/bpm-state/web/web", D));
        s.add(new Log(LogStream.STDOUT, "$ROOT/sys/log/web/web.stdout.log", D));
        s.add(new Log(LogStream.STDERR, "$ROOT/sys/log/web/web.stderr.log", D));
        s.add(new Log(LogStream.BPM, "$ROOT/sys/log/web/bpm.log", D));
        s.add(new User("vcap", D));
        s.add(new MakeDir("$ROOT/sys/run/bpm/web", 0700, Owner.ROOT, D));
        s.add(new MakeDir("$ROOT/sys/log/web", 0700, Owner.VCAP, D));
        s.add(new OpenLog("$ROOT/sys/log/web/web.stdout.log", 0600, Owner.VCAP, D));
        s.add(new OpenLog("$ROOT/sys/log/web/web.stderr.log", 0600, Owner.VCAP, D));
        for (NamespaceKind k : NamespaceKind.values()) s.add(new Namespace(k, D));
        s.add(new Mount("proc", "proc", "/proc", List.of(), false, D));
        s.add(new Mount("tmpfs", "tmpfs", "/dev", List.of("nosuid", "noexec", "mode=755"), false, D));
        s.add(new Mount("bind", "/bin", "/bin", List.of("bind", "exec", "nosuid", "nodev", "ro"), false, D));
        s.add(new Mount("bind", "/run/resolvconf", "/run/resolvconf", List.of("bind", "noexec", "nosuid", "nodev", "ro"), true, D));
        s.add(new Mount("bind", "$ROOT/jobs/web", "/var/vcap/jobs/web", List.of("bind", "exec", "nosuid", "nodev", "ro"), false, D));
        s.add(new Mask("/proc/kcore", D));
        s.add(new ReadOnly("/proc/sys", D));
        s.add(new CgroupLimit("memory", 1L << 30, false, mem));
        s.add(new CgroupLimit("memory+swap", 1L << 30, true, mem));
        s.add(new Capabilities(List.of(), List.of(), List.of(), List.of(), List.of(), D));
        s.add(new NoNewPrivs(D));
        s.add(new Seccomp("bpm-default", 1, D));
        s.add(new Env("LANG", "en_US.UTF-8", D));
        s.add(new Cwd("/var/vcap/jobs/web", D));
        s.add(new Exec(List.of("/var/vcap/packages/bpm/bin/tini", "-w", "-s", "--", "/var/vcap/packages/web/bin/web",
                "--port", "8080"), args));
        s.add(new Stop("TERM", 15000, 2000, exe));
        return plan("web", "web", s);
    }

    // ------------------------------------------------------------------------------------- tests

    @Test
    void everyStepKindIsCovered() {
        Set<Class<?>> used = oneOfEach().stream().map(Object::getClass).collect(Collectors.toSet());
        List<Class<?>> missing = Arrays.stream(Step.class.getPermittedSubclasses()).filter(c -> !used.contains(c)).toList();
        assertTrue(missing.isEmpty(), "add the missing step kinds to oneOfEach() and the schema: " + missing);
    }

    @Test
    void everyStepKindHasASchemaDefinitionForItsKeyword() {
        Set<String> keywords = new TreeSet<>();
        for (Step s : oneOfEach()) keywords.add(PlanJson.keyword(s));
        assertEquals(Step.class.getPermittedSubclasses().length, keywords.size(), "keywords must be distinct");

        JsonNode defs = SCHEMA_NODE.get("$defs");
        Set<String> consts = new TreeSet<>();
        for (JsonNode ref : defs.get("step").get("oneOf")) {
            String name = ref.get("$ref").asText().substring("#/$defs/".length());
            consts.add(defs.get(name).get("properties").get("op").get("const").asText());
        }
        Set<String> enumerated = new TreeSet<>();
        defs.get("step").get("properties").get("op").get("enum").forEach(n -> enumerated.add(n.asText()));
        assertEquals(keywords, consts);
        assertEquals(keywords, enumerated);
    }

    @Test
    void everyStepKindRendersValidJson() {
        Plan p = plan("web", "worker", oneOfEach());
        assertValid(PlanJson.render(p));
        for (Step s : p.steps()) {
            assertValid(PlanJson.render(plan("web", "worker", List.of(s))));
        }
    }

    @Test
    void stepsHaveTheirTextKeywordAndFieldsInAFixedOrder() throws Exception {
        JsonNode steps = MAPPER.readTree(PlanJson.render(plan("web", "worker", oneOfEach()))).get("steps");
        List<Step> all = oneOfEach();
        assertEquals(all.size(), steps.size());
        for (int i = 0; i < all.size(); i++) {
            JsonNode o = steps.get(i);
            List<String> keys = new ArrayList<>();
            o.fieldNames().forEachRemaining(keys::add);
            assertEquals("op", keys.getFirst());
            assertEquals("from", keys.getLast());
            assertEquals(PlanJson.keyword(all.get(i)), o.get("op").asText());
            assertEquals(all.get(i).from().text(), o.get("from").asText());
            // the fields follow the record's components, in their order
            List<String> components = Arrays.stream(all.get(i).getClass().getRecordComponents())
                    .map(c -> c.getName()).filter(n -> !n.equals("from")).toList();
            assertEquals(components.size(), keys.size() - 2, "fields of " + o);
        }
    }

    @Test
    void rendersExactlyThisForASmallPlan() {
        Plan p = plan("web", "web", List.of(
                new MakeDir("$ROOT/sys/run/bpm/web", 0700, Owner.ROOT, D),
                new Mount("proc", "proc", "/proc", List.of(), false, D),
                new Rlimit("CORE", 0, -1L, Provenance.at("bpm.yml", 8, 23, "processes[0].limits.core_file_size")),
                new NoNewPrivs(D)));
        String expected = """
                {
                  "format": 1,
                  "compiler": "0.1.0",
                  "source": "sha256:%s",
                  "job": "web",
                  "process": "web",
                  "steps": [
                    {
                      "op": "mkdir",
                      "path": "$ROOT/sys/run/bpm/web",
                      "mode": "0700",
                      "owner": "root",
                      "from": "default"
                    },
                    {
                      "op": "mount",
                      "type": "proc",
                      "source": "proc",
                      "target": "/proc",
                      "options": [],
                      "ifExists": false,
                      "from": "default"
                    },
                    {
                      "op": "rlimit",
                      "resource": "CORE",
                      "soft": 0,
                      "hard": "unlimited",
                      "from": "bpm.yml:8:23 processes[0].limits.core_file_size"
                    },
                    {
                      "op": "no-new-privs",
                      "from": "default"
                    }
                  ]
                }
                """.formatted(SHA);
        assertEquals(expected, PlanJson.render(p));
        assertValid(expected);
    }

    @Test
    void isDeterministic() {
        String a = PlanJson.render(webPlan());
        assertEquals(a, PlanJson.render(webPlan()));
        assertEquals(a, PlanJson.render(plan("web", "web", new ArrayList<>(webPlan().steps()))));
        assertTrue(a.endsWith("}\n"));
        assertFalse(a.contains("\r"));
        assertFalse(a.contains("\t"));
        Plan changed = plan("web", "web", webPlan().steps().subList(1, webPlan().steps().size()));
        assertNotEquals(a, PlanJson.render(changed));
    }

    @Test
    void renderAllIsAnArrayOfTheSamePlans() throws Exception {
        Plan web = webPlan();
        Plan worker = plan("web", "worker", oneOfEach());
        String all = PlanJson.renderAll(List.of(web, worker));
        assertTrue(all.startsWith("[\n  {\n    \"format\": 1,"));
        assertTrue(all.endsWith("}\n]\n"));
        JsonNode arr = MAPPER.readTree(all);
        assertEquals(MAPPER.readTree(PlanJson.render(web)), arr.get(0));
        assertEquals(MAPPER.readTree(PlanJson.render(worker)), arr.get(1));
        assertValid(all);
        assertEquals("[]\n", PlanJson.renderAll(List.of()));
        assertValid("[]");
    }

    @Test
    void valuesSurviveExactly() throws Exception {
        JsonNode steps = MAPPER.readTree(PlanJson.render(plan("web", "worker", oneOfEach()))).get("steps");
        JsonNode env = find(steps, "env");
        assertEquals("two words \"quoted\" # not a comment\nand a newline, é, \u2028", env.get("value").asText());
        JsonNode exec = find(steps, "exec");
        assertEquals("", exec.get("argv").get(5).asText());
        assertEquals("0600", find(steps, "open-log").get("mode").asText());
        assertEquals("stdout", find(steps, "log").get("stream").asText());
        assertEquals("mnt", find(steps, "namespace").get("kind").asText());
        assertEquals("vcap", find(steps, "volume").get("owner").asText());
        assertTrue(find(steps, "mount-glob").get("exclude").isArray());
        JsonNode mem = find(steps, "cgroup");
        assertEquals(1073741824L, mem.get("value").asLong());
        assertTrue(mem.get("value").isIntegralNumber());
    }

    @Test
    void carriesWhatTheTextFormatCarries() throws Exception {
        for (Plan p : List.of(webPlan(), plan("web", "worker", oneOfEach()))) {
            assertEquals(PlanJson.render(p), PlanJson.render(PlanText.read(PlanText.write(p))));
        }
    }

    @Test
    void rlimitsAreUnsigned() throws Exception {
        Plan p = plan("web", "web", List.of(
                new Rlimit("NOFILE", Long.MIN_VALUE, -2L, D),
                new Rlimit("CORE", -1L, Long.MAX_VALUE, D)));
        String json = PlanJson.render(p);
        assertTrue(json.contains("\"soft\": 9223372036854775808,"), json);
        assertTrue(json.contains("\"hard\": 18446744073709551614,"), json);
        assertTrue(json.contains("\"soft\": \"unlimited\","), json);
        assertTrue(json.contains("\"hard\": 9223372036854775807,"), json);
        assertValid(json);
    }

    @Test
    void theSchemaRefusesWhatNoPlanContains() throws Exception {
        String good = PlanJson.render(webPlan());
        assertValid(good);
        Map<String, Consumer<ObjectNode>> breakages = new java.util.LinkedHashMap<>();
        breakages.put("unknown op", p -> step(p, 0).put("op", "sudo"));
        breakages.put("unknown field", p -> step(p, 0).put("extra", 1));
        breakages.put("missing provenance", p -> step(p, 0).remove("from"));
        breakages.put("empty provenance", p -> step(p, 0).put("from", ""));
        breakages.put("two-line provenance", p -> step(p, 0).put("from", "default\nmount bind / /"));
        breakages.put("field of another op", p -> step(p, 1).put("id", "bpm-web"));
        breakages.put("mode as a number", p -> step(p, 8).put("mode", 448));
        breakages.put("mode not octal", p -> step(p, 8).put("mode", "0800"));
        breakages.put("unknown owner", p -> step(p, 8).put("owner", "nobody"));
        breakages.put("relative path", p -> step(p, 8).put("path", "sys/run"));
        breakages.put("format 2", p -> p.put("format", 2));
        breakages.put("no sha256 prefix", p -> p.put("source", SHA));
        breakages.put("missing job", p -> p.remove("job"));
        breakages.put("top-level extra", p -> p.put("plan", true));
        breakages.put("ifExists as a string", p -> stepOf(p, "mount").put("ifExists", "yes"));
        breakages.put("option with a comma", p -> stepOf(p, "mount").withArray("options").add("ro,exec"));
        breakages.put("capability without CAP_", p -> stepOf(p, "capabilities").withArray("ambient").add("NET_ADMIN"));
        breakages.put("cgroup unlimited", p -> stepOf(p, "cgroup").put("value", "unlimited"));
        breakages.put("negative cgroup", p -> stepOf(p, "cgroup").put("value", -1));
        breakages.put("signal KILL", p -> stepOf(p, "stop").put("signal", "KILL"));
        breakages.put("empty exec", p -> stepOf(p, "exec").withArray("argv").removeAll());
        for (var e : breakages.entrySet()) {
            ObjectNode p = (ObjectNode) MAPPER.readTree(good);
            e.getValue().accept(p);
            assertFalse(SCHEMA.validate(p).isEmpty(), "the schema accepts a plan with " + e.getKey());
        }
        ObjectNode rl = (ObjectNode) MAPPER.readTree(PlanJson.render(plan("web", "web", List.of(new Rlimit("CORE", 0, 0, D)))));
        step(rl, 0).put("soft", "infinity");
        assertFalse(SCHEMA.validate(rl).isEmpty());
        step(rl, 0).put("soft", new java.math.BigInteger("18446744073709551615"));
        assertFalse(SCHEMA.validate(rl).isEmpty(), "2^64-1 must be written unlimited");
    }

    @Test
    void theSchemaIsDescribedAndClosed() {
        List<String> problems = new ArrayList<>();
        assertEquals("https://json-schema.org/draft/2020-12/schema", SCHEMA_NODE.get("$schema").asText());
        for (Iterator<Map.Entry<String, JsonNode>> it = SCHEMA_NODE.get("$defs").fields(); it.hasNext(); ) {
            var e = it.next();
            JsonNode def = e.getValue();
            if (!def.has("description")) problems.add(e.getKey() + ": no description");
            JsonNode props = def.get("properties");
            if (props == null || e.getKey().equals("step")) continue;
            if (!def.path("additionalProperties").isBoolean() || def.get("additionalProperties").asBoolean()) {
                problems.add(e.getKey() + ": not additionalProperties: false");
            }
            Set<String> required = new LinkedHashSet<>();
            def.path("required").forEach(n -> required.add(n.asText()));
            props.fieldNames().forEachRemaining(k -> {
                if (!required.contains(k)) problems.add(e.getKey() + "." + k + ": not required (every field is always written)");
                if (!props.get(k).has("description") && !props.get(k).has("const")) problems.add(e.getKey() + "." + k + ": no description");
            });
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void theBundledSchemaIsThePublishedFile() throws Exception {
        JsonNode published = MAPPER.readTree(Golden.repo().resolve("schema/bpm-plan.schema.json").toFile());
        assertEquals(published, SCHEMA_NODE);
    }

    @Test
    void theManPageDocumentsEveryKeywordAndJsonField() throws Exception {
        String man = java.nio.file.Files.readString(Golden.repo().resolve("man/bpm-plan.5")).replace("\\-", "-");
        String steps = man.substring(man.indexOf("\n.SH STEPS"), man.indexOf("\n.SH ORDER"));
        String json = man.substring(man.indexOf("\n.SH JSON FORMAT"), man.indexOf("\n.SH CACHE"));
        List<String> problems = new ArrayList<>();
        for (JsonNode step : MAPPER.readTree(PlanJson.render(plan("web", "worker", oneOfEach()))).get("steps")) {
            String op = step.get("op").asText();
            if (!steps.matches("(?s).*\n(\\.TP\n)?(\\.BI? \"?|\\\\fB)" + java.util.regex.Pattern.quote(op) + "[ \"\\\\\n].*")) {
                problems.add(op + ": no entry under STEPS");
            }
            step.fieldNames().forEachRemaining(f -> {
                if (!f.equals("op") && !f.equals("from") && !json.matches("(?s).*\\b" + f + "\\b.*")) {
                    problems.add(op + "." + f + ": not listed under JSON FORMAT");
                }
            });
            if (!json.contains(".B " + op + "\n") && !json.matches("(?s).*\\.BR [^\n]*\\b" + java.util.regex.Pattern.quote(op) + "\\b.*")) {
                problems.add(op + ": not listed under JSON FORMAT");
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    // ----------------------------------------------------------------------------------- helpers

    private static JsonNode loadSchema() {
        try (InputStream in = PlanJsonTest.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException(RESOURCE + " is missing from the build");
            return MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void assertValid(String json) {
        try {
            List<Error> errors = SCHEMA.validate(MAPPER.readTree(json));
            assertTrue(errors.isEmpty(), () -> errors.stream().map(Object::toString).collect(Collectors.joining("\n")) + "\nin\n" + json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ObjectNode step(ObjectNode plan, int i) {
        return (ObjectNode) plan.get("steps").get(i);
    }

    private static ObjectNode stepOf(ObjectNode plan, String op) {
        return (ObjectNode) find(plan.get("steps"), op);
    }

    private static JsonNode find(JsonNode steps, String op) {
        for (JsonNode s : steps) if (s.get("op").asText().equals(op)) return s;
        throw new AssertionError("no " + op + " step");
    }
}
