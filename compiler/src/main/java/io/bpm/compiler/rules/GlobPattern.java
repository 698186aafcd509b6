package io.bpm.compiler.rules;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * Go's {@code path/filepath.Match} pattern language on Unix, which bpm uses (through
 * {@code filepath.Glob}) to expand {@code unsafe.unrestricted_volumes} at start time
 * (bpm-behaviour.md §4.5 F).
 *
 * <p>A bad pattern makes bpm fail the start with {@code syntax error in pattern}, and a pattern
 * that matches nothing silently mounts nothing, so the compiler checks patterns up front with
 * Go's exact rules. Java's {@code PathMatcher} globs differ ({@code {a,b}}, {@code **},
 * {@code [!x]}, no backslash escapes in classes...), hence this port.
 *
 * <p>Syntax: {@code *} any run of non-{@code /} characters, {@code ?} one non-{@code /}
 * character, {@code [...]} a class of characters or ranges ({@code [^...]} negated; ranges are
 * not order-checked, so {@code [z-a]} is valid and matches nothing), {@code \c} the literal
 * {@code c}. Go's matcher works on UTF-8 bytes and decodes characters only for {@code ?} and
 * classes; the port does the same so that partial-rune corner cases agree. Unpaired surrogates
 * (which Go strings cannot hold) are treated as U+FFFD.
 */
public final class GlobPattern {

    /** Go's ErrBadPattern text, as bpm prints it. */
    public static final String GO_ERROR = "syntax error in pattern";

    private static final String UNCLOSED = "'[' without a closing ']'";
    private static final String EMPTY_CLASS = "empty character class; write '\\]' for a literal ']'";
    private static final String MISPLACED_DASH = "misplaced '-' in a character class; write '\\-' for a literal '-'";
    private static final String NO_RANGE_END = "range without an upper bound; write '\\-' for a literal '-'";
    private static final String TRAILING_BACKSLASH = "'\\' at the end escapes nothing";
    private static final String BAD_UTF8 = "invalid UTF-8 in a character class";

    private static final int RUNE_ERROR = 0xFFFD;

    private GlobPattern() {
    }

    /**
     * Whether the path contains any character {@code Match} treats specially
     * ({@code * ? [ \}). {@code filepath.Glob} returns a path without them as-is if it exists,
     * without pattern matching.
     */
    public static boolean hasMeta(String path) {
        for (int i = 0; i < path.length(); i++) {
            switch (path.charAt(i)) {
                case '*', '?', '[', '\\' -> {
                    return true;
                }
                default -> { }
            }
        }
        return false;
    }

    /**
     * Why Go would reject the pattern, or empty if it is well-formed. {@code filepath.Glob}
     * checks a pattern by matching it against the empty string, which reports every syntax
     * error; this does the same and names the first problem Go runs into.
     */
    public static Optional<String> validate(String pattern) {
        try {
            match(utf8(pattern), new byte[0]);
            return Optional.empty();
        } catch (BadPattern e) {
            return Optional.of(e.reason);
        }
    }

    /**
     * Go's {@code filepath.Match(pattern, name)}: whether the whole name matches. {@code *} and
     * {@code ?} never match {@code /}.
     *
     * @throws IllegalArgumentException where Go returns ErrBadPattern; the message starts with
     *                                  {@link #GO_ERROR}
     */
    public static boolean matches(String pattern, String name) {
        try {
            return match(utf8(pattern), utf8(name));
        } catch (BadPattern e) {
            throw new IllegalArgumentException(GO_ERROR + " (" + e.reason + ")");
        }
    }

    /** Go's Match: split the pattern into star-prefixed chunks, with backtracking on stars. */
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
                // A trailing star matches the rest of the name unless it has a '/'.
                return indexOf(name, n, (byte) '/') < 0;
            }
            int t = matchChunk(pattern, chunkStart, chunkEnd, name, n);
            // The last chunk must use up the name; otherwise a star may still make it fit.
            if (t >= 0 && (t == name.length || p < pattern.length)) {
                n = t;
                continue;
            }
            if (star) {
                // Try skipping i+1 bytes of the name; a star cannot skip a '/'.
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
            // No match. Before saying so, check the rest of the pattern is well-formed, as Go does.
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

    /** Go's scanChunk: the chunk runs up to the next '*' outside brackets (escapes skipped). */
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

    /**
     * Go's matchChunk: matches the chunk {@code pattern[c, end)} at the start of
     * {@code name[s...]} and returns the index in the name after it, or -1 if it does not
     * match. After a mismatch it keeps parsing the chunk (without reading the name) so that a
     * syntax error anywhere in the chunk is always reported.
     */
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
                        Rune rn = decodeRune(name, s, name.length);
                        r = rn.value();
                        s += rn.size();
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
                        Rune lo = classChar(pattern, c, end, false);
                        c += lo.size();
                        Rune hi = lo;
                        if (pattern[c] == '-') {
                            hi = classChar(pattern, c + 1, end, true);
                            c += 1 + hi.size();
                        }
                        if (lo.value() <= r && r <= hi.value()) {
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
                        s += decodeRune(name, s, name.length).size();
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

    /**
     * Go's getEsc: one (possibly escaped) character of a class starting at {@code c}; the size
     * returned counts the backslash too. Like Go, it refuses a class that ends right after the
     * character, which is what makes an unclosed class an error.
     */
    private static Rune classChar(byte[] pattern, int start, int end, boolean upperBound) throws BadPattern {
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
        Rune rn = decodeRune(pattern, c, end);
        if (rn.value() == RUNE_ERROR && rn.size() == 1) {
            throw new BadPattern(BAD_UTF8);
        }
        c += rn.size();
        if (c == end) {
            throw new BadPattern(UNCLOSED);
        }
        return new Rune(rn.value(), c - start);
    }

    /**
     * Go's utf8.DecodeRune on {@code b[off, end)}: the character and its byte length; any
     * invalid or truncated sequence is U+FFFD with size 1.
     */
    private static Rune decodeRune(byte[] b, int off, int end) {
        int b0 = b[off] & 0xff;
        if (b0 < 0x80) {
            return new Rune(b0, 1);
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
                lo = 0xa0; // no overlong forms
            } else if (b0 == 0xed) {
                hi = 0x9f; // no surrogates
            }
        } else if (b0 >= 0xf0 && b0 <= 0xf4) {
            need = 3;
            value = b0 & 0x07;
            if (b0 == 0xf0) {
                lo = 0x90;
            } else if (b0 == 0xf4) {
                hi = 0x8f; // nothing above U+10FFFF
            }
        } else {
            return new Rune(RUNE_ERROR, 1);
        }
        if (off + need >= end) {
            return new Rune(RUNE_ERROR, 1);
        }
        for (int k = 1; k <= need; k++) {
            int bk = b[off + k] & 0xff;
            int min = k == 1 ? lo : 0x80;
            int max = k == 1 ? hi : 0xbf;
            if (bk < min || bk > max) {
                return new Rune(RUNE_ERROR, 1);
            }
            value = value << 6 | bk & 0x3f;
        }
        return new Rune(value, need + 1);
    }

    private static int indexOf(byte[] b, int from, byte x) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return -1;
    }

    /** UTF-8 bytes of a Java string, with unpaired surrogates as U+FFFD (String.getBytes uses '?'). */
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

    /** A decoded character (a Go rune) and how many pattern or name bytes it took. */
    private record Rune(int value, int size) {
    }

    /** Go's ErrBadPattern, carrying which rule was broken; internal control flow only. */
    private static final class BadPattern extends Exception {
        private final String reason;

        BadPattern(String reason) {
            super(reason, null, false, false);
            this.reason = reason;
        }
    }
}
