package io.bpm.compiler.rules;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Objects;

/**
 * {@code limits.memory} as bpm reads it: an exact port of
 * {@code code.cloudfoundry.org/bytefmt.ToBytes} at the version bpm vendors
 * (bpm-behaviour.md §3.5).
 *
 * <p>bpm only parses the value when a process starts, so a typo in a release's bpm.yml shows up
 * as a failed deploy. The compiler parses it up front, and must accept exactly what bpm accepts:
 * rejecting a value bpm takes would break working releases, accepting one it refuses would
 * promise a deploy that fails. Hence the care over Go's number syntax, Unicode classes and
 * rounding below.
 *
 * <p>The algorithm: trim Unicode white space (Go {@code strings.TrimSpace}), upper-case rune by
 * rune (Go {@code strings.ToUpper}, simple case mapping), split at the first letter (Go
 * {@code unicode.IsLetter}); the part before must be a Go {@code strconv.ParseFloat} decimal
 * (optional sign, digits with at most one dot, at least one digit, {@code _} only between
 * digits; an exponent or {@code inf}/{@code nan} cannot occur because letters end the number)
 * that is not negative, and the rest must be one of the units. All units are binary.
 *
 * <p>Rounding, as in Go: the decimal is first rounded to the nearest float64; multiplying by
 * the unit (a power of two) is exact; the conversion to an integer truncates toward zero. So
 * {@code 1.5B} is 1 byte and {@code 0.1K} is 102 bytes (0.1 is slightly above 1/10 as a double,
 * times 1024 is 102.40000000000000568...). {@code -0M} parses as negative zero, which is not
 * less than zero, so it is accepted as 0.
 *
 * <p>Overflow: bytefmt returns a uint64 and bpm casts it to int64 unchecked, so anything from
 * 2<sup>63</sup> (8E) up becomes a negative or garbage limit; this is reported as
 * {@link Overflow} with the exact value of the float64 product (or of the exact product where
 * Go's float64 would have overflowed to infinity, whose conversion is undefined in Go).
 */
public sealed interface MemorySize permits MemorySize.Bytes, MemorySize.Invalid, MemorySize.Overflow {

    /** bytefmt's only error, verbatim (it says "integer" but fractions are accepted). */
    String BPM_MESSAGE = "byte quantity must be a positive integer with a unit of measurement like M, MB, MiB, G, GiB, or GB";

    /** A value bpm accepts, in bytes, as bpm would pass it to runc (0 means no limit). */
    record Bytes(long value) implements MemorySize {
    }

    /** A value bpm refuses at start time; {@code bpmMessage} is the text bpm prints. */
    record Invalid(String bpmMessage) implements MemorySize {
        public Invalid {
            Objects.requireNonNull(bpmMessage);
        }
    }

    /** A value that parses but is at least 2<sup>63</sup> bytes, which bpm turns into a bad limit. */
    record Overflow(BigDecimal value) implements MemorySize {
        public Overflow {
            Objects.requireNonNull(value);
        }
    }

    /** Parses {@code text} the way bpm does. */
    static MemorySize parse(String text) {
        String s = goToUpper(goTrimSpace(text));
        int i = firstLetter(s);
        if (i < 0) {
            return new Invalid(BPM_MESSAGE);
        }
        String number = s.substring(0, i);
        String unit = s.substring(i);
        Double value = goParseDecimal(number);
        if (value == null || value < 0) {
            return new Invalid(BPM_MESSAGE);
        }
        int shift = switch (unit) {
            case "E", "EB", "EIB" -> 60;
            case "P", "PB", "PIB" -> 50;
            case "T", "TB", "TIB" -> 40;
            case "G", "GB", "GIB" -> 30;
            case "M", "MB", "MIB" -> 20;
            case "K", "KB", "KIB" -> 10;
            case "B" -> 0;
            default -> -1;
        };
        if (shift < 0) {
            return new Invalid(BPM_MESSAGE);
        }
        // Exact: a finite double times a power of two, which is what Go's float64 product is
        // whenever it does not overflow.
        BigDecimal product = new BigDecimal(value).multiply(new BigDecimal(1L << shift));
        if (product.compareTo(BigDecimal.TWO.pow(63)) >= 0) {
            return new Overflow(product);
        }
        return new Bytes(product.longValue()); // longValue truncates toward zero, as Go does
    }

    /**
     * Go's strings.TrimSpace: strips code points with the Unicode White_Space property.
     * Java's {@code strip()} uses a different set (it misses U+0085, U+00A0, U+2007 and U+202F
     * and strips U+001C to U+001F, which Go keeps), so the set is spelled out.
     */
    private static String goTrimSpace(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isWhiteSpace(s.codePointAt(start))) {
            start += Character.charCount(s.codePointAt(start));
        }
        while (end > start && isWhiteSpace(s.codePointBefore(end))) {
            end -= Character.charCount(s.codePointBefore(end));
        }
        return s.substring(start, end);
    }

    private static boolean isWhiteSpace(int cp) {
        return cp >= 0x09 && cp <= 0x0d || cp == 0x20 || cp == 0x85 || cp == 0xa0
                || cp == 0x1680 || cp >= 0x2000 && cp <= 0x200a || cp == 0x2028 || cp == 0x2029
                || cp == 0x202f || cp == 0x205f || cp == 0x3000;
    }

    /**
     * Go's strings.ToUpper: each code point through its simple upper-case mapping. Java's
     * {@code toUpperCase} applies full mappings ({@code ß} → {@code SS}) and locale rules.
     */
    private static String goToUpper(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> b.appendCodePoint(Character.toUpperCase(cp)));
        return b.toString();
    }

    /** Index of the first letter (general category L*), as Go's unicode.IsLetter, or -1. */
    private static int firstLetter(String s) {
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            if (Character.isLetter(cp)) {
                return i;
            }
            i += Character.charCount(cp);
        }
        return -1;
    }

    /**
     * Go's strconv.ParseFloat(s, 64) restricted to what can precede the first letter: a
     * decimal without exponent. Returns null where Go returns an error, including a value
     * too large for a float64 (Go: ErrRange).
     */
    private static Double goParseDecimal(String s) {
        int i = 0;
        int n = s.length();
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            i++;
        }
        boolean sawDigits = false;
        boolean sawDot = false;
        boolean underscores = false;
        StringBuilder plain = new StringBuilder(n);
        if (i == 1) {
            plain.append(s.charAt(0));
        }
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (c == '_') {
                underscores = true;
            } else if (c == '.') {
                if (sawDot) {
                    return null;
                }
                sawDot = true;
                plain.append(c);
            } else if (c >= '0' && c <= '9') {
                sawDigits = true;
                plain.append(c);
            } else {
                return null;
            }
        }
        if (!sawDigits || underscores && !goUnderscoreOk(s)) {
            return null;
        }
        double d = Double.parseDouble(plain.toString());
        return Double.isInfinite(d) ? null : d;
    }

    /**
     * Go's strconv.underscoreOK for a decimal: every {@code _} sits between two digits.
     * (Go also allows one after a base prefix, which a number without letters cannot have.)
     */
    private static boolean goUnderscoreOk(String s) {
        char saw = '^';
        int i = 0;
        if (!s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-')) {
            i = 1;
        }
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                saw = '0';
            } else if (c == '_') {
                if (saw != '0') {
                    return false;
                }
                saw = '_';
            } else {
                if (saw == '_') {
                    return false;
                }
                saw = '!';
            }
        }
        return saw != '_';
    }
}
