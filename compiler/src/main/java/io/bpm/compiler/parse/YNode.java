package io.bpm.compiler.parse;

import io.bpm.compiler.source.Span;
import java.util.List;

/**
 * The YAML document as written, before any typing: mappings, sequences and scalars, each with
 * the exact place it came from. Scalars keep their literal text and whether they were quoted,
 * because bpm (Go yaml.v3) decides a value's type from both and from the field it lands in.
 */
public sealed interface YNode permits YNode.YMap, YNode.YSeq, YNode.YScalar {

    Span span();

    /** A mapping; entries in file order (duplicates were already reported and dropped). */
    record YMap(List<Entry> entries, Span span) implements YNode {
        public YMap {
            entries = List.copyOf(entries);
        }
    }

    /** One key and its value. Keys are scalars: bpm.yml has no complex keys. */
    record Entry(YScalar key, YNode value) {
    }

    record YSeq(List<YNode> items, Span span) implements YNode {
        public YSeq {
            items = List.copyOf(items);
        }
    }

    /**
     * A scalar.
     *
     * @param text   the value after YAML unescaping and folding
     * @param quoted true for single/double-quoted and block scalars, or an explicit {@code !!str}
     *               tag: such text is always a string, never a number, boolean or null
     */
    record YScalar(String text, boolean quoted, Span span) implements YNode {

        /** A plain {@code ~}, {@code null} or empty scalar: YAML's null. */
        public boolean isNull() {
            return !quoted && switch (text) {
                case "", "~", "null", "Null", "NULL" -> true;
                default -> false;
            };
        }
    }
}
