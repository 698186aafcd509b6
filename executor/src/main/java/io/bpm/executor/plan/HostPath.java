package io.bpm.executor.plan;

import java.util.ArrayList;
import java.util.List;

/**
 * Lexical operations on Unix host paths, with exactly the semantics bpm's Go code gets from
 * {@code path/filepath} and {@code strings.Split}.
 *
 * <p>{@link java.nio.file.Path#normalize()} is not a substitute: it keeps a leading {@code ..}
 * of an absolute path ({@code /../a}), keeps {@code //} roots on some platforms and turns
 * {@code ""} into {@code ""} rather than {@code "."}. bpm's volume checks compare the raw config
 * string with Go's {@code filepath.Clean} of it, so a single differing corner case would accept a
 * volume bpm rejects (or the reverse). Everything here is pure string work: no file system access,
 * no symlink resolution.
 */
public final class HostPath {

    private HostPath() {
    }

    /**
     * Go's {@code filepath.Clean} for Unix: the shortest path lexically equivalent to
     * {@code path}. Repeated slashes collapse, {@code .} elements vanish, {@code ..} removes the
     * element before it (and is dropped at the root of an absolute path), a trailing slash goes,
     * and an empty result becomes {@code "."}.
     *
     * <p>Ported from Go's algorithm (a single left-to-right pass with a write index that can
     * backtrack), working on UTF-16 chars: only {@code '/'} and {@code '.'} are ever inspected and
     * neither can be part of a surrogate pair, so this matches Go's byte-wise loop.
     */
    public static String clean(String path) {
        if (path.isEmpty()) {
            return ".";
        }
        boolean rooted = path.charAt(0) == '/';
        int n = path.length();
        // As in Go, the result is never longer than the input, so one buffer of that size suffices.
        char[] out = new char[n];
        int w = 0;
        int r = 0;
        int dotdot = 0; // index in out where a further ".." can no longer backtrack
        if (rooted) {
            out[w++] = '/';
            r = 1;
            dotdot = 1;
        }
        while (r < n) {
            char c = path.charAt(r);
            if (c == '/') {
                r++; // empty element
            } else if (c == '.' && (r + 1 == n || path.charAt(r + 1) == '/')) {
                r++; // "." element
            } else if (c == '.' && path.charAt(r + 1) == '.' && (r + 2 == n || path.charAt(r + 2) == '/')) {
                r += 2; // ".." element: remove back to the last separator
                if (w > dotdot) {
                    w--;
                    while (w > dotdot && out[w] != '/') {
                        w--;
                    }
                } else if (!rooted) {
                    // cannot backtrack, but not rooted: keep the ".." element
                    if (w > 0) {
                        out[w++] = '/';
                    }
                    out[w++] = '.';
                    out[w++] = '.';
                    dotdot = w;
                }
            } else {
                // real element: add a separator if needed, then copy it
                if (rooted && w != 1 || !rooted && w != 0) {
                    out[w++] = '/';
                }
                for (; r < n && path.charAt(r) != '/'; r++) {
                    out[w++] = path.charAt(r);
                }
            }
        }
        if (w == 0) {
            return ".";
        }
        return new String(out, 0, w);
    }

    /** Go's {@code filepath.IsAbs} on Unix: the path starts with a slash. */
    public static boolean isAbsolute(String path) {
        return path.startsWith("/");
    }

    /**
     * The non-empty elements of a path: {@code "/var//vcap/"} → {@code [var, vcap]}. No
     * {@code .}/{@code ..} processing; clean the path first if that matters.
     */
    public static List<String> components(String path) {
        // by index, not String.split: a launch asks this for every mount point, interpreted
        List<String> parts = new ArrayList<>();
        int at = skipSlashes(path, 0);
        while (at < path.length()) {
            int end = elementEnd(path, at);
            parts.add(path.substring(at, end));
            at = skipSlashes(path, end);
        }
        return List.copyOf(parts);
    }

    /**
     * bpm's "volume must be within the root" check (bpm-behaviour.md §3.3c), replicated with its
     * quirks: both raw strings are split on {@code "/"} as Go's {@code strings.Split} does (every
     * separator counts, so {@code "/var/vcap"} is {@code ["", "var", "vcap"]} and a trailing slash
     * adds an empty element); the path must have more elements than the root and start with all
     * of the root's elements. Hence {@code /var/vcap} itself, {@code /var/vcapx/a} and relative
     * paths are outside; {@code /var/vcap/} counts as inside (the canonical check rejects it
     * first in bpm).
     */
    public static boolean isStrictlyInside(String path, String root) {
        String[] pathParts = goSplit(path);
        String[] rootParts = goSplit(root);
        if (pathParts.length <= rootParts.length) {
            return false;
        }
        for (int i = 0; i < rootParts.length; i++) {
            if (!pathParts[i].equals(rootParts[i])) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code path} is {@code dir} or lies below it, element by element, so that
     * {@code /var/vcap/jobs/example-two} is not under {@code /var/vcap/jobs/example}. Used for the
     * unrestricted-volume filter (§4.5 F.2), which drops glob matches that fall under a BOSH mount
     * destination. Compares {@link #components}, so repeated or trailing slashes do not matter,
     * and {@code "/"} contains every path.
     */
    public static boolean isUnderOrEqual(String path, String dir) {
        // components(path) starts with components(dir), compared element by element without
        // making the lists: bpm start asks this hundreds of times per launch, interpreted
        int p = 0;
        int d = 0;
        while (true) {
            d = skipSlashes(dir, d);
            if (d == dir.length()) {
                return true;
            }
            p = skipSlashes(path, p);
            if (p == path.length()) {
                return false;
            }
            int dEnd = elementEnd(dir, d);
            int pEnd = elementEnd(path, p);
            if (dEnd - d != pEnd - p || !path.regionMatches(p, dir, d, dEnd - d)) {
                return false;
            }
            p = pEnd;
            d = dEnd;
        }
    }

    /** The number of {@link #components} of a path, without making them. */
    public static int depth(String path) {
        int n = 0;
        int i = skipSlashes(path, 0);
        while (i < path.length()) {
            n++;
            i = skipSlashes(path, elementEnd(path, i));
        }
        return n;
    }

    private static int skipSlashes(String s, int i) {
        while (i < s.length() && s.charAt(i) == '/') {
            i++;
        }
        return i;
    }

    private static int elementEnd(String s, int i) {
        int slash = s.indexOf('/', i);
        return slash < 0 ? s.length() : slash;
    }

    /** Go's {@code strings.Split(s, "/")}: n separators always give n+1 elements. */
    private static String[] goSplit(String s) {
        return s.split("/", -1);
    }
}
