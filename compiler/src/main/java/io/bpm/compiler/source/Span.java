package io.bpm.compiler.source;

/**
 * A place in a source file: 1-based line and column of the first character, and of the
 * character just past the end (same line for most scalars). Columns count Unicode code points,
 * as editors and SARIF viewers show them.
 */
public record Span(int line, int column, int endLine, int endColumn) implements Comparable<Span> {

    /** The start of the file, for findings about the whole file. */
    public static final Span FILE = new Span(1, 1, 1, 1);

    public static Span point(int line, int column) {
        return new Span(line, column, line, column);
    }

    @Override
    public int compareTo(Span o) {
        int c = Integer.compare(line, o.line);
        if (c != 0) return c;
        c = Integer.compare(column, o.column);
        if (c != 0) return c;
        c = Integer.compare(endLine, o.endLine);
        return c != 0 ? c : Integer.compare(endColumn, o.endColumn);
    }

    @Override
    public String toString() {
        return line + ":" + column;
    }
}
