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
 * nothing rather than some random three-letter key. Words other tools use for the same setting
 * ({@code environment} and its misspelling {@code enviroment} for {@code env}, {@code command}
 * for {@code executable}, {@code cwd} for {@code workdir}...) are too far from bpm's key by
 * edits, so they are looked up first in {@link #SYNONYMS}, and suggested where that key is
 * allowed; then edit distance decides.
 */
public final class DidYouMean {

    private DidYouMean() {
    }

    /** What other tools (docker-compose, Kubernetes, systemd, runc, monit) call bpm's keys. */
    static final java.util.Map<String, java.util.List<String>> SYNONYMS = synonyms(
            "env", "environment enviroment enviornment envirnoment environ environment_variables env_vars envs vars variables",
            "executable", "command cmd exec binary program bin entrypoint",
            "args", "arguments argv params parameters",
            "workdir", "cwd working_dir working_directory workingdir workingdirectory dir directory",
            "capabilities", "caps cap capability cap_add",
            "limits", "limit resources ulimits rlimits",
            "hooks", "hook",
            "pre_start", "prestart before_start pre_exec",
            "additional_volumes", "volumes volume mounts additional_volume extra_volumes",
            "unrestricted_volumes", "host_volumes",
            "shutdown_signal", "signal stop_signal stopsignal kill_signal term_signal",
            "ephemeral_disk", "ephemeral",
            "persistent_disk", "persistent",
            "processes", "process jobs programs",
            "open_files", "nofile nofiles max_open_files open_file_limit fds",
            "memory", "mem memory_limit mem_limit",
            "core_file_size", "core core_size",
            "allow_executions", "executable allow_exec exec allow_execution",
            "privileged", "root",
            "host_pid_namespace", "host_pid pid_namespace hostpid");

    /** Each word to the keys it may mean, in order (exec: executable of a process, allow_executions of a volume). */
    private static java.util.Map<String, java.util.List<String>> synonyms(String... keyThenWords) {
        java.util.Map<String, java.util.List<String>> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keyThenWords.length; i += 2) {
            for (String w : keyThenWords[i + 1].split(" ")) m.computeIfAbsent(w, k -> new java.util.ArrayList<>()).add(keyThenWords[i]);
        }
        return java.util.Map.copyOf(m);
    }

    /**
     * The candidate closest to {@code typo}, if it is close enough; ties go to the candidate that
     * comes first, so callers list the likelier names first.
     */
    public static Optional<String> suggest(String typo, Collection<String> candidates) {
        Objects.requireNonNull(typo);
        int[] word = normalise(typo);
        for (String key : SYNONYMS.getOrDefault(new String(word, 0, word.length), java.util.List.of())) {
            if (candidates.contains(key)) return Optional.of(key);
        }
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
