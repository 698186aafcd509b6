package io.bpm.compiler.monit;

import io.bpm.compiler.source.Span;
import java.util.ArrayList;
import java.util.List;

/**
 * The quoted program of a {@code start}, {@code stop} or {@code restart} statement, verbatim.
 * monit runs it without a shell: it splits the text on white space (a '...'-quoted word stays
 * one argument) and executes the first word, so the words are what matters; the exact spacing
 * is kept here so that findings can point into the string.
 *
 * @param keyword     start, stop or restart (lower case)
 * @param text        the text between the quotes, line breaks and all
 * @param span        the string, quotes included
 * @param keywordSpan the statement's keyword
 * @param glued       the opening quote touches the word before it ({@code start program"...})
 */
public record Program(String keyword, String text, Span span, Span keywordSpan, boolean glued) {

    /** One argument as monit passes it, with its place in {@link #text}. */
    public record Word(String text, int from, int to) {
        /** The argument without the single quotes monit strips from a '...' word. */
        public String value() {
            return text.length() >= 2 && text.startsWith("'") && text.endsWith("'") ? text.substring(1, text.length() - 1) : text;
        }
    }

    /** The arguments, split the way monit splits them. */
    public List<Word> words() {
        List<Word> out = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (i < n) {
            while (i < n && blank(text.charAt(i))) i++;
            if (i >= n) break;
            int from = i;
            if (text.charAt(i) == '\'' && text.indexOf('\'', i + 1) > 0) {
                i = text.indexOf('\'', i + 1) + 1;
            } else {
                while (i < n && !blank(text.charAt(i))) i++;
            }
            out.add(new Word(text.substring(from, i), from, i));
        }
        return out;
    }

    static boolean blank(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
    }

    /** Where characters {@code from} (inclusive) to {@code to} (exclusive) of {@link #text} are in the file. */
    public Span spanOf(int from, int to) {
        int[] a = position(from);
        int[] b = position(to);
        return new Span(a[0], a[1], b[0], b[1]);
    }

    public Span spanOf(Word w) {
        return spanOf(w.from(), w.to());
    }

    /** Line and column (code points) of character {@code offset} of the text; the text starts after the quote. */
    private int[] position(int offset) {
        int line = span.line();
        int col = span.column() + 1;
        for (int i = 0; i < offset && i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n') {
                line++;
                col = 1;
            } else if (!(Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(text.charAt(i - 1)))) {
                col++;
            }
        }
        return new int[] {line, col};
    }
}
