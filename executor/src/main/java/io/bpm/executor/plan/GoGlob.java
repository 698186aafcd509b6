package io.bpm.executor.plan;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Go's {@code path/filepath.Glob} and {@code Match} on Unix, which bpm uses to expand
 * {@code unsafe.unrestricted_volumes} when a process starts (bpm-behaviour.md §4.5 F).
 *
 * <p>Expansion goes segment by segment exactly like Go: a pattern without meta characters
 * ({@code * ? [ \}) is returned as-is if it exists (lstat, so a dangling symlink counts); else
 * the directory part is expanded first (recursively), and each resulting directory is listed,
 * its names sorted bytewise (Go's {@code sort.Strings} on UTF-8) and matched against the last
 * element. I/O errors (missing or unreadable directories, non-directories) silently produce no
 * match; only a malformed pattern is an error, reported with Go's text
 * {@value #GO_ERROR}.
 *
 * <p>The matcher is a port of Go's {@code filepath.Match} working on UTF-8 bytes (decoding
 * runes only for {@code ?} and classes), like {@code io.bpm.compiler.rules.GlobPattern}, which
 * the compiler uses to check patterns up front. The executor cannot depend on the compiler, so
 * the engine lives here too.
 */
public final class GoGlob {

    /** Go's ErrBadPattern text. */
    public static final String GO_ERROR = "syntax error in pattern";

    // Go only ever says GO_ERROR; these say what is wrong and how to write it instead.
    private static final String UNCLOSED = "'[' without a closing ']'";
    private static final String EMPTY_CLASS = "empty character class; write '\\]' for a literal ']'";
    private static final String MISPLACED_DASH = "misplaced '-' in a character class; write '\\-' for a literal '-'";
    private static final String NO_RANGE_END = "range without an upper bound; write '\\-' for a literal '-'";
    private static final String TRAILING_BACKSLASH = "'\\' at the end escapes nothing";
    private static final String BAD_UTF8 = "invalid UTF-8 in a character class";

    /** Go's limit on recursion through the directory part (issue 15879, pathSeparatorsLimit). */
    private static final int DEPTH_LIMIT = 10000;

    private static final int RUNE_ERROR = 0xFFFD;

    private GoGlob() {
    }

    /**
     * {@code filepath.Glob(pattern)}: the existing paths matching the pattern, in Go's order.
     *
     * @throws IllegalArgumentException if Go would return ErrBadPattern (message starts with
     *                                  {@value #GO_ERROR})
     */
    public static List<String> glob(String pattern) {
        return glob(pattern, 0);
    }

    /**
     * {@code filepath.Match(pattern, name)}: whether the whole name matches; {@code *} and
     * {@code ?} never match {@code /}.
     *
     * @throws IllegalArgumentException on a malformed pattern
     */
    public static boolean match(String pattern, String name) {
        try {
            return match(utf8(pattern), utf8(name));
        } catch (BadPattern e) {
            throw new IllegalArgumentException(GO_ERROR + " (" + e.getMessage() + ")");
        }
    }

    /**
     * Why Go would reject the pattern, or empty if it is well-formed. {@code filepath.Glob}
     * checks a pattern by matching it against the empty string, which reports every syntax
     * error; this does the same and names the first problem Go runs into.
     */
    public static java.util.Optional<String> problem(String pattern) {
        try {
            match(utf8(pattern), new byte[0]);
            return java.util.Optional.empty();
        } catch (BadPattern e) {
            return java.util.Optional.of(e.getMessage());
        }
    }

    /** Go's hasMeta on Unix: any of {@code * ? [ \}. */
    public static boolean hasMeta(String path) {
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '*' || c == '?' || c == '[' || c == '\\') {
                return true;
            }
        }
        return false;
    }

    private static List<String> glob(String pattern, int depth) {
        if (depth >= DEPTH_LIMIT) {
            throw new IllegalArgumentException(GO_ERROR + " (too many path elements)");
        }
        match(pattern, ""); // Go checks the whole pattern is well-formed first
        if (!hasMeta(pattern)) {
            return lexists(pattern) ? List.of(pattern) : List.of();
        }
        int slash = pattern.lastIndexOf('/');
        String dir = pattern.substring(0, slash + 1);
        String file = pattern.substring(slash + 1);
        dir = cleanGlobPath(dir);
        List<String> matches = new ArrayList<>();
        if (!hasMeta(dir)) {
            globDir(dir, file, matches);
            return List.copyOf(matches);
        }
        if (dir.equals(pattern)) {
            throw new IllegalArgumentException(GO_ERROR);
        }
        for (String d : glob(dir, depth + 1)) {
            globDir(d, file, matches);
        }
        return List.copyOf(matches);
    }

    private static String cleanGlobPath(String dir) {
        if (dir.isEmpty()) {
            return ".";
        }
        if (dir.equals("/")) {
            return dir;
        }
        return dir.substring(0, dir.length() - 1); // chop off the trailing separator
    }

    /** Go's unexported glob: names in dir (stat, must be a directory) matching the pattern. */
    private static void globDir(String dir, String pattern, List<String> matches) {
        String[] names;
        try {
            Path p = Path.of(dir);
            if (!Files.isDirectory(p)) {
                return;
            }
            names = new File(dir).list();
        } catch (InvalidPathException | SecurityException e) {
            return;
        }
        if (names == null) {
            return; // unreadable: ignored like Go's I/O errors
        }
        Arrays.sort(names, BYTEWISE);
        for (String n : names) {
            if (match(pattern, n)) {
                matches.add(HostPath.clean(dir + "/" + n));
            }
        }
    }

    private static boolean lexists(String path) {
        if (path.isEmpty()) {
            return false; // Path.of("") would be the working directory
        }
        try {
            return Files.exists(Path.of(path), LinkOption.NOFOLLOW_LINKS);
        } catch (InvalidPathException | SecurityException e) {
            return false;
        }
    }

    /** Go's sort.Strings: byte order of the UTF-8 encoding (not Java's UTF-16 order). */
    private static final Comparator<String> BYTEWISE = (a, b) -> Arrays.compareUnsigned(utf8(a), utf8(b));

    // ---------------------------------------------------------------------------- Match engine

    private static boolean match(byte[] pattern, byte[] name) throws BadPattern {
        int p = 0;
        int n = 0;
        chunks:
        while (p < pattern.length) {
            boolean star = false;
            while (p < pattern.length && pattern[p] == '*') {
                p++;
                star = true;
            }
            int chunkStart = p;
            int chunkEnd = scanChunkEnd(pattern, p);
            p = chunkEnd;
            if (star && chunkStart == chunkEnd) {
                return indexOf(name, n, (byte) '/') < 0; // trailing star
            }
            int t = matchChunk(pattern, chunkStart, chunkEnd, name, n);
            if (t >= 0 && (t == name.length || p < pattern.length)) {
                n = t;
                continue;
            }
            if (star) {
                for (int i = n; i < name.length && name[i] != '/'; i++) {
                    t = matchChunk(pattern, chunkStart, chunkEnd, name, i + 1);
                    if (t >= 0) {
                        if (p == pattern.length && t < name.length) {
                            continue;
                        }
                        n = t;
                        continue chunks;
                    }
                }
            }
            // No match; Go still checks the rest of the pattern for syntax errors.
            while (p < pattern.length) {
                while (p < pattern.length && pattern[p] == '*') {
                    p++;
                }
                int start = p;
                p = scanChunkEnd(pattern, p);
                matchChunk(pattern, start, p, name, name.length);
            }
            return false;
        }
        return n == name.length;
    }

    private static int scanChunkEnd(byte[] pattern, int from) {
        boolean inRange = false;
        int i = from;
        for (; i < pattern.length; i++) {
            switch (pattern[i]) {
                case '\\' -> {
                    if (i + 1 < pattern.length) {
                        i++;
                    }
                }
                case '[' -> inRange = true;
                case ']' -> inRange = false;
                case '*' -> {
                    if (!inRange) {
                        return i;
                    }
                }
                default -> { }
            }
        }
        return i;
    }

    private static int matchChunk(byte[] pattern, int c, int end, byte[] name, int s) throws BadPattern {
        boolean failed = false;
        while (c < end) {
            if (!failed && s == name.length) {
                failed = true;
            }
            switch (pattern[c]) {
                case '[' -> {
                    int r = 0;
                    if (!failed) {
                        long rn = decodeRune(name, s, name.length);
                        r = value(rn);
                        s += size(rn);
                    }
                    c++;
                    boolean negated = false;
                    if (c < end && pattern[c] == '^') {
                        negated = true;
                        c++;
                    }
                    boolean match = false;
                    int ranges = 0;
                    while (true) {
                        if (c < end && pattern[c] == ']' && ranges > 0) {
                            c++;
                            break;
                        }
                        long lo = classChar(pattern, c, end, false);
                        c += size(lo);
                        long hi = lo;
                        if (pattern[c] == '-') {
                            hi = classChar(pattern, c + 1, end, true);
                            c += 1 + size(hi);
                        }
                        if (value(lo) <= r && r <= value(hi)) {
                            match = true;
                        }
                        ranges++;
                    }
                    if (match == negated) {
                        failed = true;
                    }
                }
                case '?' -> {
                    if (!failed) {
                        if (name[s] == '/') {
                            failed = true;
                        }
                        s += size(decodeRune(name, s, name.length));
                    }
                    c++;
                }
                default -> {
                    if (pattern[c] == '\\') {
                        c++;
                        if (c == end) {
                            throw new BadPattern(TRAILING_BACKSLASH);
                        }
                    }
                    if (!failed) {
                        if (pattern[c] != name[s]) {
                            failed = true;
                        }
                        s++;
                    }
                    c++;
                }
            }
        }
        return failed ? -1 : s;
    }

    /** Go's getEsc; the size counts an escaping backslash. */
    private static long classChar(byte[] pattern, int start, int end, boolean upperBound) throws BadPattern {
        int c = start;
        if (c == end) {
            throw new BadPattern(UNCLOSED);
        }
        if (pattern[c] == '-') {
            throw new BadPattern(MISPLACED_DASH);
        }
        if (pattern[c] == ']') {
            throw new BadPattern(upperBound ? NO_RANGE_END : EMPTY_CLASS);
        }
        if (pattern[c] == '\\') {
            c++;
            if (c == end) {
                throw new BadPattern(UNCLOSED);
            }
        }
        long rn = decodeRune(pattern, c, end);
        if (value(rn) == RUNE_ERROR && size(rn) == 1) {
            throw new BadPattern(BAD_UTF8);
        }
        c += size(rn);
        if (c == end) {
            throw new BadPattern(UNCLOSED);
        }
        return rune(value(rn), c - start);
    }

    /** Go's utf8.DecodeRune on b[off, end): a packed (value, size); invalid input is U+FFFD/1. */
    private static long decodeRune(byte[] b, int off, int end) {
        int b0 = b[off] & 0xff;
        if (b0 < 0x80) {
            return rune(b0, 1);
        }
        int need;
        int lo = 0x80;
        int hi = 0xbf;
        int value;
        if (b0 >= 0xc2 && b0 <= 0xdf) {
            need = 1;
            value = b0 & 0x1f;
        } else if (b0 >= 0xe0 && b0 <= 0xef) {
            need = 2;
            value = b0 & 0x0f;
            if (b0 == 0xe0) {
                lo = 0xa0;
            } else if (b0 == 0xed) {
                hi = 0x9f;
            }
        } else if (b0 >= 0xf0 && b0 <= 0xf4) {
            need = 3;
            value = b0 & 0x07;
            if (b0 == 0xf0) {
                lo = 0x90;
            } else if (b0 == 0xf4) {
                hi = 0x8f;
            }
        } else {
            return rune(RUNE_ERROR, 1);
        }
        if (off + need >= end) {
            return rune(RUNE_ERROR, 1);
        }
        for (int k = 1; k <= need; k++) {
            int bk = b[off + k] & 0xff;
            if (bk < (k == 1 ? lo : 0x80) || bk > (k == 1 ? hi : 0xbf)) {
                return rune(RUNE_ERROR, 1);
            }
            value = value << 6 | bk & 0x3f;
        }
        return rune(value, need + 1);
    }

    private static long rune(int value, int size) {
        return (long) value << 32 | size;
    }

    private static int value(long rune) {
        return (int) (rune >>> 32);
    }

    private static int size(long rune) {
        return (int) rune;
    }

    private static int indexOf(byte[] b, int from, byte x) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return -1;
    }

    /** UTF-8 bytes, unpaired surrogates as U+FFFD (what a Go string would hold). */
    private static byte[] utf8(String s) {
        CharsetEncoder encoder = StandardCharsets.UTF_8.newEncoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE)
                .replaceWith(new byte[] {(byte) 0xef, (byte) 0xbf, (byte) 0xbd});
        try {
            ByteBuffer buf = encoder.encode(CharBuffer.wrap(s));
            return Arrays.copyOfRange(buf.array(), buf.arrayOffset() + buf.position(), buf.arrayOffset() + buf.limit());
        } catch (CharacterCodingException e) {
            throw new IllegalStateException("REPLACE never throws", e);
        }
    }

    private static final class BadPattern extends Exception {
        BadPattern(String reason) {
            super(reason, null, false, false);
        }
    }
}
