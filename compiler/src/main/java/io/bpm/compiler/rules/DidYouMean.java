package io.bpm.compiler.rules;

import java.util.Collection;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * "Did you mean ...?" for misspelt keys and names.
 *
 * <p>bpm ignores unknown keys silently, so {@code executeable: /bin/x} or
 * {@code shutdown_sigal: INT} deploy fine and then do the wrong thing; a suggestion turns the
 * compiler's finding into a one-keystroke fix. The distance is optimal string alignment
 * (Damerau-Levenshtein where a transposition of neighbours costs 1 and no substring is edited
 * twice), because transposed letters ({@code shutdwon}) are the commonest typo. Case is ignored
 * and {@code -} equals {@code _}, since YAML authors coming from other tools write
 * {@code allow-executions} or {@code Ephemeral_Disk}.
 *
 * <p>A suggestion is only made within {@code max(1, length/3)} edits of the typo (length in
 * code points): close enough to be the same word, far enough apart that {@code foo} suggests
 * nothing rather than some random three-letter key.
 */
public final class DidYouMean {

    private DidYouMean() {
    }

    /**
     * The candidate closest to {@code typo}, if it is close enough; ties go to the candidate that
     * comes first, so callers list the likelier names first.
     */
    public static Optional<String> suggest(String typo, Collection<String> candidates) {
        Objects.requireNonNull(typo);
        int[] word = normalise(typo);
        int limit = Math.max(1, word.length / 3);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            int d = distance(word, normalise(candidate));
            if (d <= limit && d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    /**
     * Optimal string alignment distance between two code-point sequences: insertions, deletions,
     * substitutions and transpositions of adjacent characters all cost 1.
     */
    static int distance(int[] a, int[] b) {
        int[][] d = new int[a.length + 1][b.length + 1];
        for (int i = 0; i <= a.length; i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length; j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length; i++) {
            for (int j = 1; j <= b.length; j++) {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                    v = Math.min(v, d[i - 2][j - 2] + 1);
                }
                d[i][j] = v;
            }
        }
        return d[a.length][b.length];
    }

    /** Lower-cased code points with '-' folded into '_'. */
    private static int[] normalise(String s) {
        return s.toLowerCase(Locale.ROOT).codePoints().map(c -> c == '-' ? '_' : c).toArray();
    }
}
