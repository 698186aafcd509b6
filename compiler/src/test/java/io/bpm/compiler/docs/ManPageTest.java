package io.bpm.compiler.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bpm.compiler.diag.Rule;
import io.bpm.compiler.golden.Golden;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

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

    @Test
    void bpm1DocumentsEveryLintOption() throws Exception {
        String man = page("bpm.1").replace("\\-", "-");
        for (String opt : List.of("--format", "--job", "--compat", "--color", "--monit", "--help", "--version",
                "--process", "--init", "--oci-user", "bpm compile")) {
            assertTrue(man.contains(opt), "man/bpm.1 lacks " + opt);
        }
    }

    /** Every command and every option it shows in --help has its place in man/bpm.1. */
    @Test
    void bpm1DocumentsEveryCommandAndOption() throws Exception {
        String man = page("bpm.1").replace("\\-", "-");
        picocli.CommandLine cli = new picocli.CommandLine(new io.bpm.compiler.cli.Main());
        for (var sub : cli.getSubcommands().entrySet()) {
            if (sub.getKey().equals("help")) continue;
            assertTrue(man.contains(".SS bpm " + sub.getKey()), "man/bpm.1 has no section for bpm " + sub.getKey());
            for (var option : sub.getValue().getCommandSpec().options()) {
                if (option.hidden()) continue;
                assertTrue(man.contains(option.longestName()), "man/bpm.1 lacks " + option.longestName() + " of bpm " + sub.getKey());
            }
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
