package io.bpm.compiler.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bpm.compiler.cli.Main;
import io.bpm.compiler.diag.Rule;
import io.bpm.compiler.golden.Golden;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The man pages stay true to the code, and render without warnings. */
class ManPageTest {
    private static String page(String name) throws Exception {
        return Files.readString(Golden.repo().resolve("man").resolve(name));
    }

    @Test
    void bpm1ListsEveryRuleWithItsSeverity() throws Exception {
        String man = page("bpm.1").replace("\\-", "-");
        for (Rule r : Rule.values()) {
            String entry = ".B " + r.code() + " " + r.ruleName() + "\n" + r.severity().word() + ": ";
            assertTrue(man.contains(entry), "man/bpm.1 lacks or misstates " + r.code() + " " + r.ruleName());
            assertEquals(r.compatDowngrade(), man.substring(man.indexOf(entry)).lines().skip(1).findFirst().orElse("").contains("with --compat"),
                    "man/bpm.1 misstates --compat for " + r.code());
        }
    }

    /** The sandbox escapes of man/bpm.1 are SandboxEscape's, the one list in code (issue 14). */
    @Test
    void bpm1ListsTheSandboxEscapesOfTheCode() throws Exception {
        String man = page("bpm.1").replace("\\-", "-");
        int at = man.indexOf(".SS SANDBOX ESCAPES");
        assertTrue(at >= 0, "man/bpm.1 has no SANDBOX ESCAPES section");
        String section = man.substring(at);
        String list = section.substring(section.indexOf(".nf\n") + 4, section.indexOf("\n.fi"));
        List<String> places = io.bpm.executor.plan.SandboxEscape.places().stream()
                .map(p -> p.replace("$ROOT", "$BPM_BOSH_ROOT")).toList();
        assertEquals(places, list.lines().toList());
    }

    @Test
    void bpm1DocumentsEveryLintOption() throws Exception {
        String man = page("bpm.1").replace("\\-", "-");
        for (String opt : List.of("--format", "--job", "--compat", "--color", "--monit", "--help", "--version",
                "--process", "--init", "--oci-user", "bpm compile")) {
            assertTrue(man.contains(opt), "man/bpm.1 lacks " + opt);
        }
    }

    /**
     * Every command has its section in man/bpm.1, and every option it shows in --help, by each of
     * its names (long and short), is in that section, not only somewhere in the page.
     */
    @Test
    void bpm1DocumentsEveryCommandAndOptionInItsOwnSection() throws Exception {
        String man = page("bpm.1").replace("\\-", "-");
        CommandLine cli = new CommandLine(new Main());
        for (var sub : cli.getSubcommands().entrySet()) {
            String section = section(man, sub.getKey());
            for (var option : sub.getValue().getCommandSpec().options()) {
                if (option.hidden()) continue;
                for (String name : option.names()) {
                    assertTrue(mentions(section, name), "the section of bpm " + sub.getKey() + " in man/bpm.1 lacks " + name);
                }
            }
        }
        for (var option : cli.getCommandSpec().options()) {
            for (String name : option.names()) assertTrue(mentions(man, name), "man/bpm.1 lacks bpm " + name);
        }
    }

    /** The text of man/bpm.1's section {@code .SS bpm COMMAND ...}, up to the next section. */
    private static String section(String man, String command) {
        Matcher m = Pattern.compile("(?m)^\\.SS bpm " + Pattern.quote(command) + "([ ,].*)?$")
                .matcher(man);
        assertTrue(m.find(), "man/bpm.1 has no section for bpm " + command);
        Matcher next = Pattern.compile("(?m)^\\.S[SH] ").matcher(man);
        return man.substring(m.start(), next.find(m.end()) ? next.start() : man.length());
    }

    /** Whether {@code text} (man source) names the option {@code name} as a word of its own, e.g. -p but not in --process. */
    private static boolean mentions(String text, String name) {
        return Pattern.compile("(?:^|(?<=[\\s\"(\\[|]|\\\\f[BIR]))" + Pattern.quote(name) + "(?=$|[\\s\",)\\]|=]|\\\\f)",
                Pattern.MULTILINE).matcher(text).find();
    }

    /** Every key of the published schema (schema/bpm.schema.json) is an entry of man/bpm.yml.5: .B KEY or .B PARENT.KEY after .TP. */
    @Test
    void bpmYml5DocumentsEveryKeyOfTheSchema() throws Exception {
        JsonNode schema = new ObjectMapper()
                .readTree(Golden.repo().resolve("schema/bpm.schema.json").toFile());
        Set<String> keys = new TreeSet<>();
        collectKeys(schema, keys);
        assertTrue(keys.size() > 20, "keys of the schema: " + keys);
        List<String> lines = page("bpm.yml.5").replace("\\-", "-").lines().toList();
        Set<String> entries = new HashSet<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i - 1).startsWith(".TP") && lines.get(i).startsWith(".B ")) {
                String term = lines.get(i).substring(3).trim();
                entries.add(term.substring(term.lastIndexOf('.') + 1));
            }
        }
        for (String key : keys) assertTrue(entries.contains(key), "man/bpm.yml.5 has no entry (.TP, .B " + key + ") for the schema's key " + key);
    }

    /** The names of every {@code properties} object of the schema, wherever it is. */
    private static void collectKeys(JsonNode node, Set<String> keys) {
        if (node.isObject()) {
            node.properties().forEach(e -> {
                if (e.getKey().equals("properties") && e.getValue().isObject()) e.getValue().fieldNames().forEachRemaining(keys::add);
                collectKeys(e.getValue(), keys);
            });
        } else if (node.isArray()) {
            node.forEach(n -> collectKeys(n, keys));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"bpm.1", "bpm.yml.5", "bpm-plan.5"})
    void rendersWithoutWarnings(String name) throws Exception {
        Path groff = Path.of("/usr/bin/groff");
        Assumptions.assumeTrue(Files.isExecutable(groff), "SKIPPED LOUDLY: groff is not installed (.ci/run installs it); man page rendering not checked");
        Process p = new ProcessBuilder(groff.toString(), "-man", "-ww", "-z", Golden.repo().resolve("man").resolve(name).toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), output);
        assertEquals("", output, "groff warnings for man/" + name);
    }
}
