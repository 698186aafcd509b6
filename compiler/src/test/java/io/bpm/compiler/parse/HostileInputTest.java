package io.bpm.compiler.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bpm.compiler.Frontend;
import io.bpm.compiler.diag.Diagnostic;
import io.bpm.compiler.diag.Rule;
import io.bpm.compiler.source.SourceFile;
import io.bpm.compiler.source.SourceLoader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input never crashes the compiler: every case ends in findings, with a reason. The
 * timeouts only stop a hang from wedging the build; they are bounds, not speed goals.
 */
class HostileInputTest {
    private static final Duration BOUND = Duration.ofSeconds(30);

    static List<Diagnostic> check(String yaml) {
        return Frontend.check(SourceFile.ofText("bpm.yml", yaml), new Frontend.Options("example", false)).diagnostics();
    }

    static boolean reports(List<Diagnostic> d, Rule r) {
        return d.stream().anyMatch(x -> x.rule() == r);
    }

    @Test
    void aBillionLaughsIsRefused() {
        StringBuilder y = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x]\n");
        char prev = 'a';
        for (char c = 'b'; c <= 'k'; c++) {
            y.append(c).append(": &").append(c).append(" [");
            for (int i = 0; i < 9; i++) y.append(i == 0 ? "" : ", ").append('*').append(prev);
            y.append("]\n");
            prev = c;
        }
        var d = assertTimeoutPreemptively(BOUND, () -> check(y.toString()));
        assertTrue(reports(d, Rule.INPUT_REFUSED), d.toString());
    }

    @Test
    void aSmallButExponentialAliasTreeIsRefused() {
        // 30 aliases, each doubling: 2^15 nodes without exceeding the alias count.
        StringBuilder y = new StringBuilder("a0: &a0 [x, x]\n");
        for (int i = 1; i <= 20; i++) y.append("a").append(i).append(": &a").append(i).append(" [*a").append(i - 1).append(", *a").append(i - 1).append("]\n");
        var d = assertTimeoutPreemptively(BOUND, () -> check(y.toString()));
        assertTrue(reports(d, Rule.INPUT_REFUSED), d.toString());
    }

    @Test
    void aRecursiveAliasIsRefused() {
        var d = assertTimeoutPreemptively(BOUND, () -> check("a: &a [*a]\n"));
        assertTrue(reports(d, Rule.INPUT_REFUSED) || reports(d, Rule.YAML_SYNTAX), d.toString());
    }

    @Test
    void deepNestingIsRefused() {
        String deep = "a: " + "[".repeat(5000) + "]".repeat(5000) + "\n";
        var d = assertTimeoutPreemptively(BOUND, () -> check(deep));
        assertTrue(reports(d, Rule.INPUT_REFUSED) || reports(d, Rule.YAML_SYNTAX), d.toString());
        String blocks = "processes:\n" + "  ".repeat(0) + buildBlockNesting(500);
        var d2 = assertTimeoutPreemptively(BOUND, () -> check(blocks));
        assertTrue(reports(d2, Rule.INPUT_REFUSED) || reports(d2, Rule.YAML_SYNTAX), d2.toString());
    }

    private static String buildBlockNesting(int depth) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < depth; i++) b.append(" ".repeat(i + 1)).append("k").append(i).append(":\n");
        return b.toString();
    }

    @Test
    void a50MegabyteFileIsRefusedBeforeReading(@TempDir Path dir) throws Exception {
        Path big = dir.resolve("bpm.yml");
        try (OutputStream out = Files.newOutputStream(big)) {
            byte[] line = "# padding padding padding padding padding padding padding padding\n".getBytes(StandardCharsets.UTF_8);
            for (long n = 0; n < 50L * 1024 * 1024; n += line.length) out.write(line);
        }
        var loaded = SourceLoader.load(big, "bpm.yml");
        assertTrue(loaded instanceof SourceLoader.Refused r && r.diagnostic().message().contains("MiB"), loaded.toString());
    }

    @Test
    void binaryGarbageIsRefusedWithItsPlace(@TempDir Path dir) throws Exception {
        Path bin = dir.resolve("bpm.yml");
        byte[] bytes = new byte[4096];
        new Random(42).nextBytes(bytes);
        System.arraycopy("processes:\n".getBytes(StandardCharsets.UTF_8), 0, bytes, 0, 11);
        Files.write(bin, bytes);
        var loaded = SourceLoader.load(bin, "bpm.yml");
        assertTrue(loaded instanceof SourceLoader.Refused, loaded.toString());
        Diagnostic d = ((SourceLoader.Refused) loaded).diagnostic();
        assertEquals(2, d.span().line());
    }

    @Test
    void randomMutationsOfAValidConfigNeverThrow() {
        String base = """
                processes:
                - name: web
                  executable: /var/vcap/packages/web/bin/web
                  args: [--port, 8080]
                  env: {A: b}
                  limits: {memory: 1G, open_files: 1024}
                  additional_volumes:
                  - path: /var/vcap/data/web/x
                    writable: true
                """;
        Random rnd = new Random(7);
        String alphabet = ":-[]{}&*!|>'\"#%@`\t\n ,?~\\\u0000\u00e9";
        assertTimeoutPreemptively(BOUND, () -> {
            for (int i = 0; i < 2000; i++) {
                StringBuilder s = new StringBuilder(base);
                for (int k = 0; k < 1 + rnd.nextInt(4); k++) {
                    int at = rnd.nextInt(s.length());
                    switch (rnd.nextInt(3)) {
                        case 0 -> s.insert(at, alphabet.charAt(rnd.nextInt(alphabet.length())));
                        case 1 -> s.deleteCharAt(at);
                        default -> s.setCharAt(at, alphabet.charAt(rnd.nextInt(alphabet.length())));
                    }
                }
                check(s.toString()); // must not throw
            }
        });
    }
}
