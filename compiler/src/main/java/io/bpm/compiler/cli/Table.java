package io.bpm.compiler.cli;

import java.util.List;

/**
 * A text table as bpm 1.4 prints {@code list} with Go's tabwriter (min width 0, padding 1, pad
 * character space, no flags; bpm-behaviour.md §7.3): every column but the last is as wide as its
 * widest cell plus one space, the last cell of a row is not padded. Widths count code points,
 * as tabwriter counts runes.
 */
final class Table {
    private Table() {
    }

    /** The rows (the header first), each line ending in a newline. Every row has the same number of cells. */
    static String format(List<List<String>> rows) {
        int columns = rows.isEmpty() ? 0 : rows.getFirst().size();
        int[] width = new int[columns];
        for (List<String> row : rows) {
            if (row.size() != columns) throw new IllegalArgumentException("a row of " + row.size() + " cells in a table of " + columns);
            for (int c = 0; c < columns - 1; c++) {
                width[c] = Math.max(width[c], row.get(c).codePointCount(0, row.get(c).length()));
            }
        }
        StringBuilder b = new StringBuilder();
        for (List<String> row : rows) {
            for (int c = 0; c < columns; c++) {
                String cell = row.get(c);
                b.append(cell);
                if (c < columns - 1) b.append(" ".repeat(width[c] - cell.codePointCount(0, cell.length()) + 1));
            }
            b.append('\n');
        }
        return b.toString();
    }
}
