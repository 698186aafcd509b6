package io.bpm.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * One edit of a file, applied to its bytes. Positions are fractions of the current length
 * ({@code 0..}{@link #SCALE}) so that a list of mutations applies to any file and shrinks
 * towards the start of it; payloads are picked from catalogues so that they shrink towards the
 * first (plainest) entry.
 *
 * <p>Edits work on a byte string: each char of the working string is one byte (ISO-8859-1), so
 * byte flips and truncations can split UTF-8 sequences, and inserted text is its UTF-8 bytes.
 */
public interface Mutation {
    int SCALE = 1 << 20;

    /** Applies this edit to a byte string (one char per byte). */
    String apply(String bytes);

    /** The bytes of a file as a byte string. */
    static String carrier(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /** The bytes of a byte string. */
    static byte[] bytes(String carrier) {
        return carrier.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Text as a byte string (its UTF-8 bytes). */
    static String utf8(String text) {
        return carrier(text.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] applyAll(byte[] input, List<Mutation> mutations) {
        String s = carrier(input);
        for (Mutation m : mutations) s = m.apply(s);
        return bytes(s);
    }

    /** A position 0..length for a fraction 0..SCALE. */
    static int at(int fraction, int length) {
        return (int) ((long) fraction * length / SCALE);
    }

    // ---- byte level -------------------------------------------------------------------------------

    record FlipBit(int at, int bit) implements Mutation {
        public String apply(String s) {
            if (s.isEmpty()) return s;
            int i = Math.min(Mutation.at(at, s.length()), s.length() - 1);
            char[] c = s.toCharArray();
            c[i] = (char) ((c[i] ^ (1 << bit)) & 0xff);
            return new String(c);
        }
    }

    record Truncate(int at) implements Mutation {
        public String apply(String s) {
            return s.substring(0, Mutation.at(at, s.length()));
        }
    }

    record DeleteBytes(int at, int count) implements Mutation {
        public String apply(String s) {
            int i = Mutation.at(at, s.length());
            return s.substring(0, i) + s.substring(Math.min(s.length(), i + count));
        }
    }

    /** Inserts text (as UTF-8) at a byte position. */
    record Insert(int at, String text) implements Mutation {
        public String apply(String s) {
            int i = Mutation.at(at, s.length());
            return s.substring(0, i) + utf8(text) + s.substring(i);
        }

        @Override
        public String toString() {
            return "Insert[at=" + at + ", text=" + Show.quote(text) + "]";
        }
    }

    // ---- line level -------------------------------------------------------------------------------

    /** The lines of a byte string, each with its '\n' (the last one maybe without). */
    static List<String> lines(String s) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\n') {
                out.add(s.substring(start, i + 1));
                start = i + 1;
            }
        }
        if (start < s.length()) out.add(s.substring(start));
        return out;
    }

    static String join(List<String> lines) {
        return String.join("", lines);
    }

    static int line(int fraction, List<String> lines) {
        return index(fraction, lines.size());
    }

    /** An index 0..size-1 for a fraction 0..SCALE (0 when size is 0). */
    static int index(int fraction, int size) {
        return Math.min(Mutation.at(fraction, size), Math.max(0, size - 1));
    }

    record DeleteLine(int at) implements Mutation {
        public String apply(String s) {
            List<String> l = lines(s);
            if (l.isEmpty()) return s;
            l.remove(line(at, l));
            return join(l);
        }
    }

    record DuplicateLine(int at, int times) implements Mutation {
        public String apply(String s) {
            List<String> l = lines(s);
            if (l.isEmpty()) return s;
            int i = line(at, l);
            String x = l.get(i).endsWith("\n") ? l.get(i) : l.get(i) + "\n";
            for (int k = 0; k < times; k++) l.add(i, x);
            return join(l);
        }
    }

    record SwapLines(int a, int b) implements Mutation {
        public String apply(String s) {
            List<String> l = lines(s);
            if (l.size() < 2) return s;
            int i = line(a, l);
            int j = line(b, l);
            String x = withNewline(l.get(i));
            String y = withNewline(l.get(j));
            l.set(i, y);
            l.set(j, x);
            return join(l);
        }
    }

    /** Inserts a whole line (text without its newline). */
    record InsertLine(int at, String text) implements Mutation {
        public String apply(String s) {
            List<String> l = lines(s);
            int i = Mutation.at(at, l.size());
            if (i == l.size() && !l.isEmpty()) l.set(i - 1, withNewline(l.get(i - 1)));
            l.add(i, utf8(text) + "\n");
            return join(l);
        }

        @Override
        public String toString() {
            return "InsertLine[at=" + at + ", text=" + Show.quote(text) + "]";
        }
    }

    /** Changes a line's indentation: {@code delta > 0} adds spaces, {@code < 0} removes, {@code 0} puts a tab first. */
    record Indent(int at, int delta) implements Mutation {
        public String apply(String s) {
            List<String> l = lines(s);
            if (l.isEmpty()) return s;
            int i = line(at, l);
            String x = l.get(i);
            if (delta > 0) x = " ".repeat(delta) + x;
            else if (delta == 0) x = "\t" + x;
            else {
                int strip = 0;
                while (strip < -delta && strip < x.length() && x.charAt(strip) == ' ') strip++;
                x = x.substring(strip);
            }
            l.set(i, x);
            return join(l);
        }
    }

    /** Replaces the {@code token}-th whitespace-separated token of a line (modulo their count) before any '#' comment. */
    record ReplaceToken(int at, int token, String with) implements Mutation {
        private static final Pattern TOKEN = Pattern.compile("[^ \\t\\n]+");

        public String apply(String s) {
            List<String> l = lines(s);
            if (l.isEmpty()) return s;
            int i = line(at, l);
            String x = l.get(i);
            List<int[]> spans = new ArrayList<>();
            Matcher m = TOKEN.matcher(x);
            while (m.find() && x.charAt(m.start()) != '#') spans.add(new int[] {m.start(), m.end()}); // not in a comment
            if (spans.isEmpty()) return s;
            int[] t = spans.get(token % spans.size());
            l.set(i, x.substring(0, t[0]) + utf8(with) + x.substring(t[1]));
            return join(l);
        }

        @Override
        public String toString() {
            return "ReplaceToken[at=" + at + ", token=" + token + ", with=" + Show.quote(with) + "]";
        }
    }

    private static String withNewline(String line) {
        return line.endsWith("\n") ? line : line + "\n";
    }

    // ---- arbitraries ---------------------------------------------------------------------------------

    static Arbitrary<Integer> position() {
        return Arbitraries.integers().between(0, SCALE);
    }

    /** A payload from a catalogue (shrinks towards its first entry). */
    static Arbitrary<String> pick(List<String> catalogue) {
        return Arbitraries.of(catalogue);
    }

    /**
     * The generic edits, with inserted text from {@code snippets}, whole lines from {@code lines}
     * and tokens from {@code tokens}: byte flips, truncation, deletions, line drops, duplications,
     * swaps and insertions, indentation changes, token replacement. Weighted towards the edits
     * that keep a file readable, so that most inputs get past the first syntax error.
     */
    static Arbitrary<Mutation> generic(List<String> snippets, List<String> lines, List<String> tokens) {
        return Arbitraries.frequencyOf(
                Tuple.of(1, Combinators.combine(position(), Arbitraries.integers().between(0, 7)).as(FlipBit::new)),
                Tuple.of(1, position().map(Truncate::new)),
                Tuple.of(1, Combinators.combine(position(), Arbitraries.integers().between(1, 64)).as(DeleteBytes::new)),
                Tuple.of(2, Combinators.combine(position(), pick(snippets)).as(Insert::new)),
                Tuple.of(3, position().map(DeleteLine::new)),
                Tuple.of(3, Combinators.combine(position(), Arbitraries.integers().between(1, 3)).as(DuplicateLine::new)),
                Tuple.of(3, Combinators.combine(position(), position()).as(SwapLines::new)),
                Tuple.of(4, Combinators.combine(position(), pick(lines)).as(InsertLine::new)),
                Tuple.of(1, Combinators.combine(position(), Arbitraries.integers().between(-4, 4)).as(Indent::new)),
                Tuple.of(6, Combinators.combine(position(), Arbitraries.integers().between(0, 12), pick(tokens)).as(ReplaceToken::new)));
    }

    /** Text shown in reports: Java-escaped, cut when long. */
    final class Show {
        private Show() {
        }

        public static String quote(String s) {
            StringBuilder b = new StringBuilder("\"");
            int shown = Math.min(s.length(), 200);
            for (int i = 0; i < shown; i++) {
                char c = s.charAt(i);
                if (c == '"' || c == '\\') b.append('\\').append(c);
                else if (c >= 0x20 && c < 0x7f) b.append(c);
                else b.append(String.format("\\u%04x", (int) c));
            }
            if (shown < s.length()) b.append("...(").append(s.length()).append(" chars)");
            return b.append('"').toString();
        }
    }
}
