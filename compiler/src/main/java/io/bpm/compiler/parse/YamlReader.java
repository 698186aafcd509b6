package io.bpm.compiler.parse;

import io.bpm.compiler.diag.Findings;
import io.bpm.compiler.diag.Rule;
import io.bpm.compiler.parse.YNode.Entry;
import io.bpm.compiler.parse.YNode.YMap;
import io.bpm.compiler.parse.YNode.YScalar;
import io.bpm.compiler.parse.YNode.YSeq;
import io.bpm.compiler.source.SourceFile;
import io.bpm.compiler.source.Span;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.ReaderException;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Reads the first YAML document of a file into a {@link YNode} tree with positions, the way
 * bpm's yaml.v3 sees it: duplicate keys are errors, merge keys ({@code <<}) are applied, only
 * the first document counts. Hostile input is bounded: nesting depth, alias count, and the
 * number of nodes after alias expansion (a "billion laughs" file is refused, not expanded).
 */
public final class YamlReader {
    /** bpm.yml files are small (the largest in the corpus is a few KB); deeper is hostile. */
    public static final int MAX_DEPTH = 64;
    public static final int MAX_ALIASES = 100;
    public static final int MAX_NODES = 100_000;
    public static final int MAX_CODE_POINTS = 4 * 1024 * 1024;
    /**
     * The longest line read, in UTF-16 units: SnakeYAML's reader copies its window for every 1 KiB
     * it reads within one token, so its time grows with the square of the longest line (a 4 MiB
     * line took 10 s; found by fuzzing). No argument or variable may be longer anyway: the kernel
     * refuses a string over 128 KiB (MAX_ARG_STRLEN) in execve.
     */
    public static final int MAX_LINE = 128 * 1024;

    private static final Resolver RESOLVER = new Resolver();

    private final SourceFile source;
    private final Findings findings;
    private final IdentityHashMap<Node, Boolean> onPath = new IdentityHashMap<>();
    private int nodes;
    /** Code point index of the start of each line of the text parsed (LF, CRLF or CR end a line). */
    private int[] lineStarts = {0};

    private YamlReader(SourceFile source, Findings findings) {
        this.source = source;
        this.findings = findings;
    }

    /** The first document's root, or empty when the file has none or could not be read. */
    public static Optional<YNode> read(SourceFile source, Findings findings) {
        return new YamlReader(source, findings).read();
    }

    private Optional<YNode> read() {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(true); // we report duplicates ourselves, with both places
        options.setMaxAliasesForCollections(MAX_ALIASES);
        options.setNestingDepthLimit(MAX_DEPTH);
        options.setCodePointLimit(MAX_CODE_POINTS);
        options.setAllowRecursiveKeys(false);
        options.setProcessComments(false);
        String text = source.text();
        if (!text.isEmpty() && text.charAt(0) == '\uFEFF') text = text.substring(1);
        lineStarts = lineStarts(text);
        int longLine = longLine(text);
        if (longLine >= 0) {
            Span at = at(text.codePointCount(0, longLine));
            findings.report(Rule.INPUT_REFUSED, at, "", "refusing to read this file: line " + at.line() + " is longer than "
                    + MAX_LINE + " characters, and no value bpm passes on can be (the kernel's limit for one argument or variable is 128 KiB)",
                    "is this the right file? a bpm.yml is a few short lines");
            return Optional.empty();
        }
        StreamReader reader = new StreamReader(new StringReader(text));
        Composer composer = new Composer(new ParserImpl(reader, options), new Resolver(), options);
        Node first;
        try {
            if (!composer.checkNode()) return Optional.empty();
            first = composer.getNode();
        } catch (MarkedYAMLException e) {
            reportSyntax(e);
            return Optional.empty();
        } catch (ReaderException e) {
            refuse(at(e.getPosition()), String.format(
                    "the file contains the control character U+%04X, which YAML does not allow; bpm.yml must be plain text",
                    e.getCodePoint()));
            return Optional.empty();
        } catch (YAMLException e) {
            refuse(Span.FILE, e.getMessage());
            return Optional.empty();
        } catch (RuntimeException e) {
            // SnakeYAML lets a few errors out unwrapped, e.g. NumberFormatException for the escape
            // "\UFFFFFFFF" and IllegalArgumentException for "\U00110000": still a finding, never a crash.
            badEscape(reader, e);
            return Optional.empty();
        } catch (StackOverflowError e) {
            refuse(Span.FILE, "the document is nested too deeply to read");
            return Optional.empty();
        }
        try {
            if (composer.checkNode()) {
                Node extra = composer.getNode();
                findings.report(Rule.EXTRA_DOCUMENT, span(extra), "",
                        "this file holds more than one YAML document; bpm reads only the first",
                        "remove the '---' separator and everything after it, or merge the documents");
            }
        } catch (YAMLException | IllegalArgumentException e) {
            // A broken later document does not matter to bpm, which never reads it.
            findings.report(Rule.EXTRA_DOCUMENT, Span.FILE, "",
                    "this file holds more than one YAML document (the later ones are not even well-formed); bpm reads only the first",
                    "remove the '---' separator and everything after it");
        }
        try {
            return Optional.of(convert(first, ""));
        } catch (Refused r) {
            refuse(r.span, r.getMessage());
            return Optional.empty();
        }
    }

    private YNode convert(Node node, String pointer) {
        if (++nodes > MAX_NODES) {
            throw new Refused(Span.FILE, "the document expands to more than " + MAX_NODES
                    + " nodes through aliases (an alias bomb?); bpm.yml files are small");
        }
        if (onPath.put(node, Boolean.TRUE) != null) {
            throw new Refused(span(node), "an alias refers to a node that contains it (a recursive document)");
        }
        try {
            return switch (node) {
                case ScalarNode s -> new YScalar(s.getValue(), !s.isPlain() || Tag.STR.equals(s.getTag()) && !isImplicitString(s), span(s));
                case SequenceNode q -> {
                    List<YNode> items = new ArrayList<>();
                    int i = 0;
                    for (Node item : q.getValue()) items.add(convert(item, pointer + "/" + i++));
                    yield new YSeq(items, span(q));
                }
                case MappingNode m -> convertMap(m, pointer);
                default -> throw new Refused(span(node), "unsupported YAML node " + node.getNodeId());
            };
        } finally {
            onPath.remove(node);
        }
    }

    /** A plain scalar the resolver typed as a string on its own (no explicit !!str tag). */
    private static boolean isImplicitString(ScalarNode s) {
        Tag resolved = RESOLVER.resolve(org.yaml.snakeyaml.nodes.NodeId.scalar, s.getValue(), true);
        return Tag.STR.equals(resolved);
    }

    private YMap convertMap(MappingNode m, String pointer) {
        Map<String, Entry> byKey = new LinkedHashMap<>();
        Map<String, Boolean> explicit = new HashMap<>();
        List<NodeTuple> merges = new ArrayList<>();
        for (NodeTuple t : m.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode keyNode)) {
                findings.report(Rule.WRONG_TYPE, span(t.getKeyNode()), pointer,
                        "a mapping key must be a plain string, not a " + kind(t.getKeyNode()),
                        "write the key as a simple word, e.g. 'name:'");
                continue;
            }
            String key = keyNode.getValue();
            if (keyNode.isPlain() && "<<".equals(key) && Tag.MERGE.equals(keyNode.getTag())) {
                merges.add(t);
                continue;
            }
            YScalar k = new YScalar(key, !keyNode.isPlain(), span(keyNode));
            Entry previous = byKey.get(key);
            if (previous != null) {
                findings.report(Rule.DUPLICATE_KEY, k.span(), pointer + "/" + escape(key),
                        "mapping key \"" + key + "\" already defined at line " + previous.key().span().line(),
                        "remove one of the two; bpm refuses a file with duplicate keys");
                continue;
            }
            byKey.put(key, new Entry(k, convert(t.getValueNode(), pointer + "/" + escape(key))));
            explicit.put(key, Boolean.TRUE);
        }
        // Merge keys (<<: *defaults) as yaml.v3 applies them: explicit keys win, then the
        // merged mappings in order, the first one to define a key winning.
        for (NodeTuple t : merges) {
            List<Node> sources = t.getValueNode() instanceof SequenceNode seq ? seq.getValue() : List.of(t.getValueNode());
            for (Node src : sources) {
                if (!(src instanceof MappingNode)) {
                    findings.report(Rule.WRONG_TYPE, span(src), pointer,
                            "a merge key (<<) must refer to a mapping or a list of mappings", null);
                    continue;
                }
                YMap merged = (YMap) convert(src, pointer);
                for (Entry e : merged.entries()) byKey.putIfAbsent(e.key().text(), e);
            }
        }
        return new YMap(new ArrayList<>(byKey.values()), span(m));
    }

    private static String kind(Node n) {
        return switch (n) {
            case MappingNode x -> "mapping";
            case SequenceNode x -> "list";
            default -> "scalar";
        };
    }

    /** JSON pointer escaping of one reference token (RFC 6901). */
    public static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }

    private void reportSyntax(MarkedYAMLException e) {
        Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
        Span at = mark == null ? Span.FILE : at(mark);
        String problem = e.getProblem() != null ? e.getProblem() : e.getMessage();
        String context = e.getContext();
        if (unclosed(e)) {
            // The cause is the quote or bracket never closed, not where the reader gave up (often
            // the end of the file): that place is the finding's, the end a related note.
            Span opening = at(e.getContextMark());
            String what = context.contains("quoted") ? "quoted string" : context.contains("sequence") ? "[ list" : "{ mapping";
            boolean atEnd = problem != null && problem.contains("end of stream");
            findings.reportWith(Rule.YAML_SYNTAX, opening, "", "malformed YAML: this " + what + " is not closed ("
                            + oneLine(problem == null ? "" : problem) + " at line " + at.line() + ")",
                    context.contains("quoted") ? "close the string with its quote character, or escape the quote inside it"
                            : "close it with " + (context.contains("sequence") ? "']'" : "'}'") + ", or check the commas between its items",
                    java.util.List.of(new io.bpm.compiler.diag.Diagnostic.Related(at,
                            atEnd ? "the file ends here, still inside it" : "the YAML reader stopped here, still inside it")));
            return;
        }
        String message = context == null ? problem : problem + " (" + context
                + (e.getContextMark() != null && e.getContextMark() != mark
                        ? " at line " + at(e.getContextMark()).line() : "") + ")";
        if (problem != null && problem.contains("exceeds the limit")) {
            refuse(at, message);
            return;
        }
        findings.report(Rule.YAML_SYNTAX, at, "", "malformed YAML: " + oneLine(message), syntaxHint(problem));
    }

    /** A quote or flow bracket opened at the context mark and never closed. */
    private static boolean unclosed(MarkedYAMLException e) {
        String context = e.getContext();
        return context != null && e.getContextMark() != null && e.getProblemMark() != null
                && (context.contains("while scanning a quoted scalar") || context.contains("while parsing a flow sequence")
                    || context.contains("while parsing a flow mapping"))
                && (e.getProblemMark().getIndex() != e.getContextMark().getIndex());
    }

    /** An error SnakeYAML does not wrap in a YAMLException: a syntax finding where the scanner stopped. */
    private void badEscape(StreamReader reader, RuntimeException e) {
        Mark mark = reader.getMark();
        boolean escape = e instanceof IllegalArgumentException; // NumberFormatException included
        findings.report(Rule.YAML_SYNTAX, at(mark), "",
                "malformed YAML: " + (escape ? "an escape sequence names no Unicode character" : "unreadable input")
                        + " (" + oneLine(String.valueOf(e.getMessage())) + ")",
                escape ? "\\x, \\u and \\U escapes name a code point up to \\U0010FFFF; write the character itself, or fix the escape"
                        : "check quoting and escapes around this place");
    }

    private static String syntaxHint(String problem) {
        if (problem == null) return null;
        if (problem.contains("\\t") || problem.contains("tab")) {
            return "indent with spaces; YAML does not allow tabs for indentation";
        }
        if (problem.contains("special characters are not allowed")) {
            return "the file contains a control character (NUL?); save it as plain UTF-8 text";
        }
        if (problem.contains("could not find expected ':'") || problem.contains("mapping values are not allowed")) {
            return "check the indentation and the ':' after each key; quote values that contain ': '";
        }
        if (problem.contains("found unexpected end of stream") || problem.contains("found unexpected end")) {
            return "a quoted string or a [ ] / { } collection is not closed";
        }
        return "check indentation, quoting and brackets around this place";
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s*\\n\\s*", " ").strip();
    }

    /**
     * Where each line starts, in code points, splitting lines as {@link SourceFile} does (and
     * so every report's snippet): LF, CRLF or a lone CR. SnakeYAML's own line numbers also break
     * at U+0085, U+2028 and U+2029 (YAML 1.1), which would put spans past the end of the file's
     * lines as the reports show them; spans are therefore computed from the marks' indexes.
     */
    private static int[] lineStarts(String text) {
        List<Integer> starts = new ArrayList<>();
        starts.add(0);
        int cp = 0;
        for (int i = 0; i < text.length(); cp++) {
            char c = text.charAt(i);
            i += Character.charCount(text.codePointAt(i));
            if (c == '\r' && i < text.length() && text.charAt(i) == '\n') {
                i++;
                cp++;
            }
            if (c == '\n' || c == '\r') starts.add(cp + 1);
        }
        int[] out = new int[starts.size()];
        for (int k = 0; k < out.length; k++) out[k] = starts.get(k);
        return out;
    }

    /** Where the first line longer than {@link #MAX_LINE} starts (a char index), or -1; lines break where SnakeYAML breaks them. */
    private static int longLine(String text) {
        if (text.length() <= MAX_LINE) return -1;
        int start = 0;
        for (int i = 0; i <= text.length(); i++) {
            char c = i < text.length() ? text.charAt(i) : '\n';
            if (c == '\n' || c == '\r' || c == '\u0085' || c == '\u2028' || c == '\u2029') {
                if (i - start > MAX_LINE) return start;
                start = i + 1;
            }
        }
        return -1;
    }

    /** Line and column (1-based, in code points) of a code point index into the text. */
    private Span at(int codePointIndex) {
        int lo = 0;
        int hi = lineStarts.length - 1;
        while (lo < hi) { // the last line starting at or before the index
            int mid = (lo + hi + 1) >>> 1;
            if (lineStarts[mid] <= codePointIndex) lo = mid;
            else hi = mid - 1;
        }
        return Span.point(lo + 1, codePointIndex - lineStarts[lo] + 1);
    }

    private Span at(Mark m) {
        return at(m.getIndex());
    }

    private void refuse(Span at, String why) {
        String reason = oneLine(why);
        String hint = null;
        if (reason.contains("Nesting Depth exceeded")) {
            reason = "the document nests deeper than " + MAX_DEPTH + " levels (a bpm.yml needs about 6)";
            hint = "is this the right file? a bpm.yml is a short list of processes";
        } else if (reason.contains("exceeds the limit")) {
            reason = "the document is longer than " + MAX_CODE_POINTS + " characters";
            hint = "is this the right file? a bpm.yml is a few KB";
        } else if (reason.contains("Number of aliases")) {
            reason = "the document uses more than " + MAX_ALIASES + " aliases (an alias bomb?)";
            hint = "write the values out; a bpm.yml needs few if any aliases";
        }
        findings.report(Rule.INPUT_REFUSED, at, "", "refusing to read this file: " + reason, hint);
    }

    private Span span(Node n) {
        Mark s = n.getStartMark();
        Mark e = n.getEndMark();
        if (s == null) return Span.FILE;
        Span start = at(s);
        if (e == null) return start;
        Span end = at(e);
        return new Span(start.line(), start.column(), end.line(), end.column());
    }

    private static final class Refused extends RuntimeException {
        final Span span;

        Refused(Span span, String message) {
            super(message, null, false, false);
            this.span = span;
        }
    }
}
