package io.bpm.compiler.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bpm.compiler.rules.GlobPattern;
import io.bpm.executor.plan.GoGlob;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The executor's glob engine ({@link GoGlob}, used when a plan is applied) and the compiler's
 * ({@link GlobPattern}, used to check bpm.yml) must agree on every pattern and name: a pattern
 * the compiler accepts must expand the same way on the host.
 */
class GoGlobAgreementTest {

    private static final String[] ALPHABET = {"a", "b", "/", "*", "?", "[", "]", "^", "-", "\\", "é", "."};

    @Test
    void enginesAgreeOnRandomPatterns() {
        Random random = new Random(20261127);
        for (int i = 0; i < 200_000; i++) {
            String pattern = word(random, 8);
            String name = word(random, 6);
            String compiler = outcome(() -> GlobPattern.matches(pattern, name));
            String executor = outcome(() -> GoGlob.match(pattern, name));
            assertEquals(compiler, executor, "pattern '" + pattern + "' name '" + name + "'");
            assertEquals(GlobPattern.hasMeta(pattern), GoGlob.hasMeta(pattern), pattern);
        }
    }

    private static String word(Random random, int max) {
        StringBuilder b = new StringBuilder();
        int n = random.nextInt(max + 1);
        for (int i = 0; i < n; i++) b.append(ALPHABET[random.nextInt(ALPHABET.length)]);
        return b.toString();
    }

    private static String outcome(java.util.function.BooleanSupplier match) {
        try {
            return Boolean.toString(match.getAsBoolean());
        } catch (IllegalArgumentException e) {
            return "bad pattern";
        }
    }
}
