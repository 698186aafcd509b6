package io.bpm.compiler.release;

import java.util.ArrayList;
import java.util.List;

/**
 * ERB with {@code trim_mode: "-"}, as Ruby's ERB compiles it (its ExplicitScanner and Compiler,
 * the mode the BOSH director renders job templates in), into Ruby that records where every piece
 * of output came from. The scanner and the statement layout follow ERB's exactly, so the code
 * behaves as ERB's would and keeps the template's line numbers (an error's Ruby line is the
 * template line). Only the output commands differ: a literal chunk becomes
 * {@code _bpm_t(N, 'text')} and a {@code <%= %>} tag {@code _bpm_e(-M-1, ((code).to_s))}, numbered so
 * the output can be mapped back to template offsets ({@link Compiled#chunkOffsets} and
 * {@link Compiled#tagOffsets}).
 *
 * <p>The scanner's quirks are ERB's: {@code <%-} eats the blanks before it when they start a line
 * or follow the previous tag directly (Ruby's StringScanner anchors {@code ^} at the scan
 * position), {@code -%>} eats the line break after it, {@code <%%} and {@code %%>} are literal,
 * an unterminated tag is output as text.
 */
public final class ErbCompiler {
    private ErbCompiler() {
    }

    /**
     * @param ruby         the code, evaluated with the template's path as file name and line 1
     * @param chunkOffsets for literal chunk N, the template offset of each of its characters
     * @param tagOffsets   for tag M, the template offset of its {@code <%=}
     */
    public record Compiled(String ruby, List<int[]> chunkOffsets, List<Integer> tagOffsets) {
    }

    private enum Stag { CODE, INSERT, COMMENT }

    /** A token of the scanner: text (with the template offset of each character) or a tag. */
    private record Token(String text, int[] offsets, String tag, boolean cr) {
    }

    public static Compiled compile(String src) {
        return new Compilation().run(src);
    }

    private static final class Compilation {
        private final StringBuilder script = new StringBuilder();
        private final List<String> line = new ArrayList<>();
        private final List<int[]> chunks = new ArrayList<>();
        private final List<Integer> tags = new ArrayList<>();
        private final StringBuilder content = new StringBuilder();
        private final List<Integer> contentOffsets = new ArrayList<>();
        private Stag stag;
        private int stagOffset;

        Compiled run(String src) {
            for (Token t : scan(src)) {
                if (t.cr()) {
                    cr();
                } else if (stag == null) {
                    compileStag(t);
                } else {
                    compileEtag(t);
                }
            }
            if (!content.isEmpty()) putText();
            if (!line.isEmpty()) script.append(String.join("; ", line));
            return new Compiled(script.toString(), List.copyOf(chunks), List.copyOf(tags));
        }

        private void compileStag(Token t) {
            if (t.tag() == null) {
                append(t.text(), t.offsets());
                return;
            }
            switch (t.tag()) {
                case "<%", "<%=", "<%#" -> {
                    if (!content.isEmpty()) putText();
                    stag = switch (t.tag()) {
                        case "<%" -> Stag.CODE;
                        case "<%=" -> Stag.INSERT;
                        default -> Stag.COMMENT;
                    };
                    stagOffset = t.offsets()[0];
                    clear();
                }
                case "<%%" -> append("<%", new int[] {t.offsets()[0], t.offsets()[0] + 1});
                default -> append(t.text(), t.offsets());
            }
        }

        private void compileEtag(Token t) {
            if ("%>".equals(t.tag())) {
                compileContent();
                stag = null;
                clear();
            } else if ("%%>".equals(t.tag())) {
                append("%>", new int[] {t.offsets()[0], t.offsets()[0] + 1});
            } else {
                append(t.tag() != null ? t.tag() : t.text(), t.offsets());
            }
        }

        private void compileContent() {
            String code = content.toString();
            switch (stag) {
                case CODE -> {
                    if (code.endsWith("\n")) {
                        line.add(code.substring(0, code.length() - 1));
                        cr();
                    } else {
                        line.add(code);
                    }
                }
                case INSERT -> {
                    tags.add(stagOffset);
                    line.add("_bpm_e(" + -tags.size() + ", ((" + code + ").to_s))");
                }
                case COMMENT -> line.add("\n".repeat((int) code.chars().filter(c -> c == '\n').count()));
            }
        }

        /** ERB's put command: the literal keeps its line breaks, so later code keeps its lines. */
        private void putText() {
            int[] offsets = contentOffsets.stream().mapToInt(Integer::intValue).toArray();
            chunks.add(offsets);
            line.add("_bpm_t(" + (chunks.size() - 1) + ", '" + content.toString().replace("\\", "\\\\").replace("'", "\\'") + "')");
            clear();
        }

        private void cr() {
            script.append(String.join("; ", line)).append('\n');
            line.clear();
        }

        private void append(String text, int[] offsets) {
            content.append(text);
            for (int o : offsets) contentOffsets.add(o);
        }

        private void clear() {
            content.setLength(0);
            contentOffsets.clear();
        }

        /** ERB's ExplicitScanner: text and tags, alternating, with :cr after a -%> at a line end. */
        private List<Token> scan(String src) {
            List<Token> out = new ArrayList<>();
            int pos = 0;
            boolean inTag = false;
            int n = src.length();
            while (pos < n) {
                int i = pos;
                String elem = null;
                int elemLen = 0;
                for (; i < n; i++) {
                    if (!inTag) {
                        if (i == pos || src.charAt(i - 1) == '\n') {
                            int j = i;
                            while (j < n && (src.charAt(j) == ' ' || src.charAt(j) == '\t')) j++;
                            if (src.startsWith("<%-", j)) {
                                elem = "<%";
                                elemLen = j + 3 - i;
                                break;
                            }
                        }
                        if (src.startsWith("<%-", i)) {
                            elem = "<%";
                            elemLen = 3;
                        } else if (src.startsWith("<%%", i) || src.startsWith("<%=", i) || src.startsWith("<%#", i)) {
                            elem = src.substring(i, i + 3);
                            elemLen = 3;
                        } else if (src.startsWith("<%", i)) {
                            elem = "<%";
                            elemLen = 2;
                        }
                    } else {
                        if (src.startsWith("-%>", i)) {
                            elem = "-%>";
                            elemLen = 3;
                        } else if (src.startsWith("%%>", i)) {
                            elem = "%%>";
                            elemLen = 3;
                        } else if (src.startsWith("%>", i)) {
                            elem = "%>";
                            elemLen = 2;
                        }
                    }
                    if (elem != null) break;
                }
                if (i > pos) out.add(new Token(src.substring(pos, i), range(pos, i), null, false));
                if (elem == null) break;
                // the offset of a tag is where its '<%' is, after any blanks <%- eats
                int at = elem.equals("<%") && elemLen > 2 ? i + elemLen - 3 : i;
                pos = i + elemLen;
                if (elem.equals("-%>")) {
                    out.add(new Token(null, new int[] {at}, "%>", false));
                    if (src.startsWith("\r\n", pos)) pos += 2;
                    else if (src.startsWith("\n", pos)) pos += 1;
                    else if (pos < n) {
                        inTag = false;
                        continue;
                    }
                    out.add(new Token(null, new int[] {at}, null, true));
                    inTag = false;
                } else {
                    out.add(new Token(null, new int[] {at}, elem, false));
                    if (elem.equals("%>")) inTag = false;
                    else if (!elem.equals("<%%") && !elem.equals("%%>")) inTag = true;
                }
            }
            return out;
        }

        private static int[] range(int from, int to) {
            int[] r = new int[to - from];
            for (int k = 0; k < r.length; k++) r[k] = from + k;
            return r;
        }
    }
}
