package io.bpm.compiler.rules;

import java.util.Optional;

/**
 * Checks an environment variable name from a process's {@code env} map.
 *
 * <p>bpm copies the names into the container's environment as {@code NAME=value} without any
 * check (bpm-behaviour.md §3.7). An empty name or one containing {@code =} produces an entry the
 * process reads back as a different variable; a NUL cannot survive execve, whose environment
 * strings end at the first NUL; and a name outside the POSIX portable set ({@code [A-Za-z_][A-Za-z0-9_]*})
 * cannot be referenced from the shell scripts most BOSH jobs start with.
 */
public final class EnvName {

    private EnvName() {
    }

    /** What is wrong with the name, worded to follow it ("FOO-BAR is not ..."), or empty if fine. */
    public static Optional<String> problem(String name) {
        if (name.isEmpty()) {
            return Optional.of("is empty");
        }
        if (name.indexOf('=') >= 0) {
            return Optional.of("contains '='");
        }
        if (name.indexOf('\0') >= 0) {
            return Optional.of("contains a NUL character");
        }
        if (!isPortable(name)) {
            return Optional.of("is not a portable name (letters, digits and _; not starting with a digit)");
        }
        return Optional.empty();
    }

    /** POSIX portable name: ASCII letters, digits and '_', not starting with a digit. */
    private static boolean isPortable(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean letter = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_';
            boolean digit = c >= '0' && c <= '9';
            if (!letter && !(digit && i > 0)) {
                return false;
            }
        }
        return true;
    }
}
