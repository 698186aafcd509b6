package io.bpm.compiler.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bpm.compiler.cli.JobName;
import io.bpm.compiler.diag.Rule;
import io.bpm.compiler.golden.Golden;
import io.bpm.compiler.plan.LintCleanCompilesTest;
import io.bpm.compiler.source.SourceFile;
import io.bpm.compiler.source.SourceLoader;
import io.bpm.fuzz.FuzzBudget;
import io.bpm.fuzz.FuzzInput;
import io.bpm.fuzz.Mutation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;

/**
 * Fuzzing the compiler (jqwik; {@link FuzzBudget} has the long mode, {@code bench/fuzz}). Every
 * input ends in findings with valid spans and messages, or lints clean and lowers to plans the
 * executor's verifier accepts and that survive their text form byte-identical; no input hangs
 * (a bound per input) and compiling twice gives the same findings and plans
 * ({@link CompilerOracle}).
 *
 * <ul>
 *   <li>{@link #mutatedConfigsEndInFindingsOrVerifiedPlans}: the golden lint inputs (and so the
 *       inputs of golden/plans), the real-world corpus and {@link LintCleanCompilesTest}'s random
 *       configs, after byte flips, line deletions, duplications and swaps, indentation changes,
 *       key swaps and hostile values ({@link YamlMutation});</li>
 *   <li>{@link #generatedConfigsEndInFindingsOrVerifiedPlans}: structure-aware bpm.yml trees
 *       with hostile values ({@link ConfigGen#config()});</li>
 *   <li>{@link #hostileShapesAreRefusedWithAReason}: deep nesting, alias bombs, recursion,
 *       tags, directives ({@link ConfigGen#hostileShape()});</li>
 *   <li>{@link #hugeValuesAreRefusedOrCompiled}: strings and numbers of up to 10 MB in every place a value goes
 *       (few tries: each is large).</li>
 * </ul>
 */
@AddLifecycleHook(FuzzBudget.class)
class FuzzCompilerTest {

    /** A config file to mutate: its name, the job it is checked as, its bytes. */
    record Base(String name, String job, byte[] bytes) {
        @Override
        public String toString() {
            return name + " (job " + job + ")";
        }
    }

    /** Golden lint inputs (job as LintGoldenTest and PlanGoldenTest use) and the corpus (job from the file name). */
    static final List<Base> FILES = files();

    private static List<Base> files() {
        List<Base> out = new ArrayList<>();
        Path lint = Golden.repo().resolve("golden/lint");
        for (Path f : Golden.configs(lint)) {
            String rel = lint.relativize(f).toString();
            String job = f.getParent().getFileName().toString().equals("fixtures")
                    ? f.getFileName().toString().replaceFirst("\\.bpm\\.yml$", "")
                    : rel.equals("rules/job-unknown/fail.bpm.yml") ? null : "example";
            out.add(new Base("golden/lint/" + rel, job, read(f)));
        }
        Path corpus = Golden.corpus();
        for (Path f : Golden.configs(corpus)) {
            out.add(new Base("corpus/" + corpus.relativize(f), JobName.fromFileName(f.getFileName().toString()), read(f)));
        }
        return List.copyOf(out);
    }

    private static byte[] read(Path f) {
        try {
            return Files.readAllBytes(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A base after some mutations. */
    record MutatedConfig(Base base, boolean compat, List<Mutation> mutations, byte[] bytes) implements FuzzInput {
        static MutatedConfig of(Base base, boolean compat, List<Mutation> mutations) {
            return new MutatedConfig(base, compat, mutations, Mutation.applyAll(base.bytes(), mutations));
        }

        public String suffix() {
            return ".bpm.yml";
        }

        public String describe() {
            return base + (compat ? " --compat" : "") + " with " + mutations;
        }

        @Override
        public String toString() {
            return describe();
        }
    }

    @Provide
    Arbitrary<MutatedConfig> mutatedConfigs() {
        Arbitrary<Base> random = Arbitraries.randomValue(r -> new Base("LintCleanCompilesTest.randomConfig", "job",
                LintCleanCompilesTest.randomConfig(r).getBytes(StandardCharsets.UTF_8)));
        Arbitrary<Base> base = Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.of(FILES)), Tuple.of(1, random));
        return Combinators.combine(base, Arbitraries.of(false, false, false, true), YamlMutation.mutations().list().ofMinSize(1).ofMaxSize(4))
                .as(MutatedConfig::of);
    }

    @Property(tries = 1000, seed = "9001")
    void mutatedConfigsEndInFindingsOrVerifiedPlans(@ForAll("mutatedConfigs") MutatedConfig input) {
        CompilerOracle.Outcome o = FuzzBudget.bounded(input.describe(), () -> CompilerOracle.check(input.bytes(), input.base().job(), input.compat()));
        FuzzBudget.count(o.verdict());
    }

    // ---- generated ---------------------------------------------------------------------------------------

    static final List<String> JOBS = List.of("job", "job", "job", "web", "example", "w\u00e9b", "a.b", "x-y_z");

    /** A generated bpm.yml, rendered for a job. */
    record Generated(YamlTree tree, String job, boolean compat, byte[] bytes) implements FuzzInput {
        static Generated of(YamlTree tree, String job, boolean compat) {
            return new Generated(tree, job, compat, YamlTree.render(tree).replace(ConfigGen.JOB, job).getBytes(StandardCharsets.UTF_8));
        }

        public String suffix() {
            return ".bpm.yml";
        }

        public String describe() {
            return "generated, job " + job + (compat ? " --compat" : "") + ":\n" + new String(bytes, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return describe();
        }
    }

    @Provide
    Arbitrary<Generated> generatedConfigs() {
        return Combinators.combine(ConfigGen.config(), Arbitraries.of(JOBS), Arbitraries.of(false, false, false, true)).as(Generated::of);
    }

    @Property(tries = 700, seed = "9002")
    void generatedConfigsEndInFindingsOrVerifiedPlans(@ForAll("generatedConfigs") Generated input) {
        CompilerOracle.Outcome o = FuzzBudget.bounded(input.describe(), () -> CompilerOracle.check(input.bytes(), input.job(), input.compat()));
        FuzzBudget.count(o.verdict());
    }

    // ---- hostile shapes ----------------------------------------------------------------------------------

    /** Raw text of a document (shapes, huge values). */
    record Text(String label, String text) implements FuzzInput {
        public byte[] bytes() {
            return text.getBytes(StandardCharsets.UTF_8);
        }

        public String suffix() {
            return ".bpm.yml";
        }

        public String describe() {
            return label + ": " + Mutation.Show.quote(text);
        }

        @Override
        public String toString() {
            return describe();
        }
    }

    @Property(tries = 120, seed = "9003")
    void hostileShapesAreRefusedWithAReason(@ForAll("hostileShapes") Text input) {
        CompilerOracle.Outcome o = FuzzBudget.bounded(input.describe(), () -> CompilerOracle.check(input.bytes(), "job", false));
        FuzzBudget.count(o.verdict());
    }

    @Provide
    Arbitrary<Text> hostileShapes() {
        return ConfigGen.hostileShape().map(t -> new Text("shape", t));
    }

    // ---- huge values -------------------------------------------------------------------------------------

    /** Where a huge value goes: a name, an argument, an environment value or name, a comment, numbers. */
    static final List<String> PLACES = List.of("name", "arg", "env", "key", "comment", "plain-number", "memory", "float", "many-args");

    /**
     * Up to 10 MB of one character (or a short pattern), placed where {@code place} says; or, for
     * "many-args", as many arguments of 100,000 characters as make up the size (lines stay below
     * YamlReader.MAX_LINE, so the whole file is read).
     */
    static Text huge(int size, String unit, String place) {
        String big = unit.repeat(Math.max(1, size / unit.getBytes(StandardCharsets.UTF_8).length));
        String head = "processes:\n- name: ";
        String exe = "\n  executable: /var/vcap/packages/x/bin/x\n";
        String text = switch (place) {
            case "name" -> head + YamlTree.doubleQuoted(big) + exe;
            case "arg" -> head + "web" + exe + "  args: [" + YamlTree.doubleQuoted(big) + "]\n";
            case "env" -> head + "web" + exe + "  env: {A: " + YamlTree.doubleQuoted(big) + "}\n";
            case "key" -> head + "web" + exe + "  env: {" + YamlTree.doubleQuoted(big) + ": x}\n";
            case "comment" -> "#" + big.replace("\n", " ") + "\n" + head + "web" + exe;
            case "memory" -> head + "web" + exe + "  limits: {memory: " + "9".repeat(size) + "x}\n";
            case "float" -> head + "web" + exe + "  limits: {open_files: 1." + "5".repeat(size) + "}\n";
            case "many-args" -> head + "web" + exe + "  args:\n" + ("  - " + YamlTree.doubleQuoted(big.substring(0, Math.min(big.length(), 100_000))) + "\n")
                    .repeat(Math.max(1, size / 100_000));
            default -> head + "web" + exe + "  limits: {open_files: " + "9".repeat(size) + "}\n";
        };
        return new Text(place + " of " + size + " bytes of " + Mutation.Show.quote(unit), text);
    }

    @Provide
    Arbitrary<Integer> hugeSizes() {
        return Arbitraries.of(100_000, (128 << 10) - 100, 1 << 20, (4 << 20) - 200, 10 << 20);
    }

    @Provide
    Arbitrary<String> hugeUnits() {
        return Arbitraries.of("a", "\u00e9", "\ud83d\ude00", "# ", "\\n", "[", "9");
    }

    /** The largest size in every place, always: two random tries may not draw it. */
    @Example
    void aTenMegabyteValueIsRefusedOrCompiled() throws IOException {
        hugeValuesAreRefusedOrCompiled(10 << 20, "\ud83d\ude00");
    }

    /** Each try puts one huge value in every place: few tries, each large. */
    @Property(tries = 2, seed = "9004")
    void hugeValuesAreRefusedOrCompiled(@ForAll("hugeSizes") int size, @ForAll("hugeUnits") String unit) throws IOException {
        for (String place : PLACES) {
            Text input = huge(size, unit, place);
            byte[] bytes = input.bytes();
            // as bpm lint and compile read a file: refused before reading when over the size bound
            if (bytes.length > SourceLoader.MAX_BYTES) {
                Path file = Files.createTempFile("fuzz-huge", ".bpm.yml");
                try {
                    Files.write(file, bytes);
                    SourceLoader.Loaded loaded = SourceLoader.load(file, CompilerOracle.FILE);
                    assertTrue(loaded instanceof SourceLoader.Refused r && r.diagnostic().rule() == Rule.INPUT_REFUSED,
                            () -> "a file of " + bytes.length + " bytes is read: " + loaded);
                    FuzzBudget.count("refused by size");
                } finally {
                    Files.deleteIfExists(file);
                }
            }
            // and the front end itself, handed the whole text, still ends in findings or verified plans
            CompilerOracle.Outcome o = FuzzBudget.bounded(input.label(),
                    () -> CompilerOracle.compile(SourceFile.ofText(CompilerOracle.FILE, input.text()), "job", false, true));
            FuzzBudget.count(o.verdict());
        }
    }
}
