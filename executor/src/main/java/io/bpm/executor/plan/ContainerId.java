package io.bpm.executor.plan;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * bpm's container-id encoding (bpm-behaviour.md §2.2) and the lock-file names derived from it
 * (§2.3).
 *
 * <p>runc only accepts ids matching {@code ^[\w+\-.]+$}, but job and process names are free
 * text, so bpm escapes every byte outside {@code [A-Za-z0-9_-]} as {@code .xx}. The ids must be
 * byte-for-byte what bpm produces: a Java bpm has to find, stop and list containers that a Go
 * bpm started (and vice versa) during an upgrade, and both must agree on the lock files that
 * serialise them.
 *
 * <p>Strings are converted to bytes as UTF-8, as Go sees them. An unpaired surrogate (which no
 * name read from a UTF-8 file system or command line can contain) is encoded as {@code ?}.
 */
public final class ContainerId {

    /** Every id bpm creates starts with this; {@code list} uses it to recognise bpm's containers. */
    public static final String PREFIX = "bpm-";

    private static final HexFormat HEX = HexFormat.of();

    private ContainerId() {
    }

    /**
     * The runc id of a process: the job name alone when the process is named after its job (the
     * common single-process case), else {@code JOB.PROC}. The dot is escaped like any other byte,
     * which makes the mapping ambiguous ({@code a.b}/{@code c} and {@code a}/{@code b.c} collide);
     * bpm accepts that, and so must we to stay compatible.
     */
    public static String encode(String job, String process) {
        return encode(job.equals(process) ? job : job + "." + process);
    }

    /** Encodes an arbitrary source string: {@code bpm-} followed by the escaped UTF-8 bytes. */
    public static String encode(String source) {
        return encode(source.getBytes(StandardCharsets.UTF_8));
    }

    /** Encodes raw bytes, for names that are not valid UTF-8. */
    public static String encode(byte[] source) {
        StringBuilder id = new StringBuilder(PREFIX.length() + source.length * 3).append(PREFIX);
        for (byte b : source) {
            int c = b & 0xff;
            if (isSafe(c)) {
                id.append((char) c);
            } else {
                id.append('.').append(HEX.toHexDigits((byte) c));
            }
        }
        return id.toString();
    }

    /**
     * Decodes an id back to its source string (used by {@code list} for display). Bytes that are
     * not valid UTF-8 become U+FFFD; use {@link #decodeBytes} to keep them.
     *
     * @throws IllegalArgumentException with bpm's message when the id is not one bpm could have made
     */
    public static String decode(String id) {
        return new String(decodeBytes(id), StandardCharsets.UTF_8);
    }

    /**
     * Decodes an id to the exact source bytes, following bpm's decoder: an escape whose two
     * characters are not hex digits is dropped silently (bpm ignores the hex error), other
     * characters are copied. A {@code .} with fewer than two characters after it is an
     * "incomplete escape sequence". bpm panics (slice out of range) when exactly one character
     * follows; we report the same error as for a trailing {@code .} instead of crashing.
     *
     * @throws IllegalArgumentException with bpm's message when the id is not one bpm could have made
     */
    public static byte[] decodeBytes(String id) {
        if (!id.startsWith(PREFIX)) {
            throw new IllegalArgumentException("invalid job ID (missing prefix): " + goQuote(id));
        }
        // Go indexes the string's bytes; so do we, so that a non-ASCII id decodes as in bpm.
        String rest = id.substring(PREFIX.length());
        byte[] in = rest.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
        for (int i = 0; i < in.length; i++) {
            if (in[i] != '.') {
                out.write(in[i]);
                continue;
            }
            if (i + 2 >= in.length) {
                // bpm: "i+2 > len" errors, "i+2 == len" panics; both are an incomplete escape.
                throw new IllegalArgumentException(
                        "invalid job ID (incomplete escape sequence): " + goQuote(rest));
            }
            if (isHexDigit(in[i + 1]) && isHexDigit(in[i + 2])) {
                out.write(Character.digit(in[i + 1], 16) << 4 | Character.digit(in[i + 2], 16));
            }
            i += 2;
        }
        return out.toByteArray();
    }

    /**
     * The lifecycle lock file of a process. Unlike the container id it always includes
     * {@code .PROC}, even when the process is named after the job, because bpm builds it from
     * {@code JOB + "." + PROC} directly ({@code web} → {@code job-bpm-web.2eweb.lock}).
     */
    public static String lockName(String job, String process) {
        return "job-" + encode(job + "." + process) + ".lock";
    }

    /**
     * The lock file serialising mount-sharing of a shared volume: the path is hashed, not
     * encoded, so any path (however long) gives a fixed-length file name.
     */
    public static String volumeLockName(String path) {
        return "vol-" + HEX.formatHex(Sha256.digest(path.getBytes(StandardCharsets.UTF_8))) + ".lock";
    }

    private static boolean isSafe(int c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                || c == '_' || c == '-';
    }

    /** Go's encoding/hex accepts upper and lower case ASCII hex digits only. */
    private static boolean isHexDigit(byte b) {
        return b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F';
    }

    /**
     * Go's {@code %q} (strconv.Quote) so bpm's error messages come out character for character:
     * printable characters as they are, the C escapes, {@code \xNN} for other ASCII controls,
     * {@code \\uNNNN}/{@code \\UNNNNNNNN} for other unprintable code points.
     */
    private static String goQuote(String s) {
        StringBuilder q = new StringBuilder(s.length() + 2).append('"');
        s.codePoints().forEach(cp -> {
            switch (cp) {
                case '"' -> q.append("\\\"");
                case '\\' -> q.append("\\\\");
                case 0x07 -> q.append("\\a");
                case '\b' -> q.append("\\b");
                case '\f' -> q.append("\\f");
                case '\n' -> q.append("\\n");
                case '\r' -> q.append("\\r");
                case '\t' -> q.append("\\t");
                case 0x0b -> q.append("\\v");
                default -> {
                    if (cp <= 0xffff && Character.isSurrogate((char) cp)) {
                        q.append('\uFFFD'); // Go never sees a lone surrogate; it has U+FFFD instead
                    } else if (isGoPrintable(cp)) {
                        q.appendCodePoint(cp);
                    } else if (cp < 0x80) {
                        q.append("\\x").append(HEX.toHexDigits((byte) cp));
                    } else if (cp < 0x10000) {
                        q.append("\\u").append(HEX.toHexDigits((short) cp));
                    } else {
                        q.append("\\U").append(HEX.toHexDigits(cp));
                    }
                }
            }
        });
        return q.append('"').toString();
    }

    /** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
    private static boolean isGoPrintable(int cp) {
        if (cp == ' ') {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER,
                 Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK,
                 Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER,
                 Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                 Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION,
                 Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL,
                 Character.OTHER_SYMBOL -> true;
            default -> false;
        };
    }
}
