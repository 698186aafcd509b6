package io.bpm.compiler.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.bpm.compiler.Frontend;
import io.bpm.compiler.plan.PlanJson;
import io.bpm.compiler.plan.LowerOptions;
import io.bpm.compiler.plan.Lowering;
import io.bpm.compiler.source.SourceFile;
import io.bpm.compiler.source.SourceLoader;
import io.bpm.executor.plan.Plan;
import io.bpm.executor.plan.PlanFormatException;
import io.bpm.executor.plan.PlanText;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The plans of every process of a config, approved as text beside nothing else but each other:
 * golden/plans/lint/REL.approved.txt for each golden lint input that lints without errors
 * (same job names as LintGoldenTest), golden/plans/corpus/REL.approved.txt for a representative
 * sample of the real corpus. One file per config, its plans in file order separated by a blank
 * line. And every lint-clean corpus file compiles: each process lowers, deterministically, its
 * plan survives the text form unchanged and its JSON form satisfies schema/bpm-plan.schema.json.
 *
 * <p>Plans carry the compiler version in their header; approved files are written with the
 * fixed version {@value #GOLDEN_VERSION} so that a release does not touch every golden file.
 */
class PlanGoldenTest {
    static final String GOLDEN_VERSION = "golden";

    /** Real configs whose plans are approved: every feature of bpm.yml appears in at least one. */
    static final List<String> CORPUS_SAMPLE = List.of(
            "backup-and-restore-sdk-release/s3-unversioned-blobstore-backup-restorer.bpm.yml", // 3 processes
            "bosh-dns-release/bosh-dns.bpm.yml",                     // capabilities, limits, 2 processes
            "bosh/blobstore.bpm.yml",                                // hook, both disks, open_files
            "bosh/director.bpm.yml",                                 // 5 processes, unrestricted volumes, both disks
            "bosh/health_monitor.bpm.yml",                           // unrestricted glob, mount_only ignored
            "bosh/nats.bpm.yml",                                     // privileged + host pid, mount_only volume
            "bosh/postgres.bpm.yml",                                 // shutdown_signal INT
            "bpm-release/test-errand.bpm.yml",                       // the smallest config
            "bpm-release/test-server.bpm.yml",                       // every limit, both disks, privileged observer
            "capi-release/blobstore.bpm.yml",                        // 2 processes, both disks, volumes
            "capi-release/cloud_controller_ng.bpm.yml",              // 7 processes, mount_only
            "datadog-agent-boshrelease/dd-agent--all-agents.bpm.yml", // workdir, memory, caps, privileged, host pid, '*' volume
            "diego-release/rep.bpm.yml",                             // hook, ephemeral disk, volumes
            "garden-runc-release/garden--additional-volumes.bpm.yml", // shared volumes, privileged, hook
            "haproxy-boshrelease/haproxy.bpm.yml",                   // capabilities, unrestricted volume
            "loggregator-agent-release/prom_scraper--extra-volumes.bpm.yml", // unrestricted globs
            "metrics-discovery-release/metrics-agent.bpm.yml",       // unrestricted globs, ephemeral disk
            "opensearch-boshrelease/opensearch.bpm.yml",             // caps, hook, both disks
            "otel-collector-release/otel-collector.bpm.yml",         // memory limit
            "pxc-release/galera-agent.bpm.yml",                      // privileged, unrestricted volumes
            "pxc-release/pxc-mysql.bpm.yml",                         // hook, both disks, limits
            "routing-release/gorouter.bpm.yml",                      // 2 processes, caps, hook
            "routing-release/route_registrar--health-check-privileged.bpm.yml", // privileged, globs
            "silk-release/vxlan-policy-agent.bpm.yml",               // privileged, capabilities
            "syslog-release/syslog_forwarder.bpm.yml");              // capabilities, unrestricted mount_only

    /** The published plan schema, which every lowered plan must satisfy in its JSON form. */
    static Schema planSchema() {
        try (InputStream in = PlanGoldenTest.class.getResourceAsStream("/io/bpm/compiler/schema/bpm-plan.schema.json")) {
            if (in == null) throw new IllegalStateException("bpm-plan.schema.json is missing from the build");
            JsonNode node = new ObjectMapper().readTree(in);
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                    .getSchema(SchemaLocation.of(node.get("$id").asText()), node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The job a golden lint input is linted and lowered as (see golden/lint/README.md). */
    static String lintJob(Path file) {
        return file.getParent().getFileName().toString().equals("fixtures")
                ? file.getFileName().toString().replaceFirst("\\.bpm\\.yml$", "")
                : "example";
    }

    /** The job of a corpus file: its name without .bpm.yml and without a --VARIANT suffix. */
    static String corpusJob(Path file) {
        return io.bpm.compiler.cli.JobName.fromFileName(file.getFileName().toString());
    }

    /** The front end's result for a file, or empty when it was refused unread. */
    static Optional<Frontend.Result> check(Path base, Path file, String job) {
        try {
            return switch (SourceLoader.load(file, base.relativize(file).toString())) {
                case SourceLoader.Text t -> Optional.of(Frontend.check(t.source(), new Frontend.Options(job, false)));
                case SourceLoader.Refused r -> Optional.empty();
            };
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How many processes a file has (none when it is empty). */
    static int processes(Frontend.Result checked) {
        return checked.config().map(c -> c.processes().size()).orElse(0);
    }

    /** Every plan approved here also passes the verifier the executor runs before applying it. */
    static List<Plan> plans(Frontend.Result checked, String job) {
        List<Plan> plans = Lowering.lowerAll(checked, new LowerOptions(job, GOLDEN_VERSION, LowerOptions.DEFAULT_INIT));
        plans.forEach(io.bpm.executor.plan.Verifier::require);
        return plans;
    }

    static String text(List<Plan> plans) {
        return plans.stream().map(PlanText::write).collect(Collectors.joining("\n"));
    }

    static void verify(Path goldenDir, Path base, Path file, String text) {
        Path rel = base.relativize(file);
        Path dir = goldenDir.resolve(rel).getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Golden.verify(text, dir, file.getFileName().toString().replaceFirst("\\.bpm\\.yml$", ""));
    }

    @TestFactory
    Stream<DynamicTest> everyGoldenInputWithoutErrors() {
        Path repo = Golden.repo();
        Path lint = repo.resolve("golden/lint");
        Path out = repo.resolve("golden/plans/lint");
        return Golden.configs(lint).stream().flatMap(f -> {
            String job = lintJob(f);
            Optional<Frontend.Result> checked = check(lint, f, job);
            if (checked.isEmpty() || checked.get().hasErrors() || processes(checked.get()) == 0) {
                return Stream.empty();
            }
            return Stream.of(DynamicTest.dynamicTest(repo.relativize(f).toString(),
                    () -> verify(out, lint, f, text(plans(checked.get(), job)))));
        });
    }

    @Test
    void theGoldenInputsGiveEnoughPlans() {
        Path lint = Golden.repo().resolve("golden/lint");
        long lowered = Golden.configs(lint).stream()
                .map(f -> check(lint, f, lintJob(f)))
                .filter(r -> r.isPresent() && !r.get().hasErrors() && processes(r.get()) > 0)
                .count();
        assertTrue(lowered >= 60, "only " + lowered + " golden inputs lint without errors; did the lint inputs change?");
    }

    @TestFactory
    Stream<DynamicTest> aSampleOfTheCorpus() {
        Path corpus = Golden.corpus();
        Path out = Golden.repo().resolve("golden/plans/corpus");
        return CORPUS_SAMPLE.stream().map(rel -> DynamicTest.dynamicTest(rel, () -> {
            Path f = corpus.resolve(rel);
            String job = corpusJob(f);
            Frontend.Result checked = check(corpus, f, job).orElseThrow();
            assertTrue(!checked.hasErrors(), rel + " has errors: " + checked.diagnostics());
            verify(out, corpus, f, text(plans(checked, job)));
        }));
    }

    @Test
    void everyCorpusFileCompilesAndRoundTrips() {
        Path corpus = Golden.corpus();
        List<Path> files = Golden.configs(corpus);
        assertEquals(165, files.size(), "the corpus changed size; review this test");
        List<String> withErrors = new ArrayList<>();
        Schema schema = planSchema();
        int processes = 0;
        for (Path f : files) {
            String rel = corpus.relativize(f).toString();
            String job = corpusJob(f);
            Frontend.Result checked = check(corpus, f, job).orElseThrow(() -> new AssertionError(rel + " was refused unread"));
            if (checked.hasErrors()) {
                withErrors.add(rel);
                continue;
            }
            for (var p : checked.config().map(c -> c.processes()).orElse(List.of())) {
                Plan plan;
                try {
                    plan = Lowering.lower(checked, p.name(), LowerOptions.of(job));
                } catch (RuntimeException e) {
                    throw new AssertionError(rel + " process " + p.name() + " does not lower: " + e.getMessage(), e);
                }
                io.bpm.executor.plan.Verifier.require(plan);
                String text = PlanText.write(plan);
                try {
                    assertEquals(plan, PlanText.read(text), rel + " process " + p.name() + " changes through its text");
                } catch (PlanFormatException e) {
                    fail(rel + " process " + p.name() + ": " + e.getMessage() + "\n" + text);
                }
                assertEquals(text, PlanText.write(Lowering.lower(checked, p.name(), LowerOptions.of(job))),
                        rel + " process " + p.name() + " is not deterministic");
                var invalid = schema.validate(PlanJson.tree(plan));
                assertTrue(invalid.isEmpty(), rel + " process " + p.name() + " breaks bpm-plan.schema.json: " + invalid);
                processes++;
            }
        }
        // the two real defects of golden/corpus/known-defects.txt; bpm refuses them too
        assertEquals(List.of("credhub-kms-plugin-boshrelease/credhub-kms-plugin--spec-example-endpoint.bpm.yml",
                "credhub-release/credhub--kms-plugin-unix-url.bpm.yml"), withErrors);
        assertTrue(processes >= 200, "only " + processes + " processes lowered");
    }

    /** Golden plans are named after their inputs, and no approved plan is left without one. */
    @Test
    void noStaleApprovedPlans() throws IOException {
        Path repo = Golden.repo();
        Path plans = repo.resolve("golden/plans");
        if (!Files.isDirectory(plans)) return;
        List<String> stale = new ArrayList<>();
        try (Stream<Path> s = Files.walk(plans)) {
            for (Path f : s.filter(p -> p.getFileName().toString().endsWith(".approved.txt")).toList()) {
                Path rel = plans.relativize(f);
                String input = f.getFileName().toString().replaceFirst("\\.approved\\.txt$", ".bpm.yml");
                Path source = switch (rel.getName(0).toString()) {
                    case "lint" -> repo.resolve("golden").resolve(rel).resolveSibling(input);
                    case "corpus" -> Golden.corpus().resolve(rel.subpath(1, rel.getNameCount())).resolveSibling(input);
                    default -> null;
                };
                boolean sampled = !rel.getName(0).toString().equals("corpus")
                        || CORPUS_SAMPLE.contains(rel.subpath(1, rel.getNameCount()).resolveSibling(input).toString());
                if (source == null || !Files.isRegularFile(source) || !sampled) stale.add(rel.toString());
            }
        }
        assertEquals(List.of(), stale, "approved plans without an input");
    }
}
