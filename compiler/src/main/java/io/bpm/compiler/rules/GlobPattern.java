package io.bpm.compiler.rules;

import io.bpm.executor.plan.GoGlob;
import java.util.Optional;

/**
 * Glob patterns as bpm's Go {@code filepath.Match} reads them, for the rules about volumes.
 * The one implementation lives in the executor ({@link GoGlob}), which expands unrestricted
 * volumes on the host: lint and the runtime can never disagree about a pattern.
 */
public final class GlobPattern {
    /** The error text Go returns for any malformed pattern (bpm shows it at start). */
    public static final String GO_ERROR = GoGlob.GO_ERROR;

    private GlobPattern() {
    }

    /** Whether the path has any of Go's glob metacharacters {@code * ? [ \}. */
    public static boolean hasMeta(String path) {
        return GoGlob.hasMeta(path);
    }

    /** Why Go would reject the pattern (a specific reason), or empty if it is well-formed. */
    public static Optional<String> validate(String pattern) {
        return GoGlob.problem(pattern);
    }

    /**
     * Go's {@code filepath.Match(pattern, name)}.
     *
     * @throws IllegalArgumentException where Go returns ErrBadPattern; the message starts with
     *                                  {@link #GO_ERROR}
     */
    public static boolean matches(String pattern, String name) {
        return GoGlob.match(pattern, name);
    }
}
