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

    private static final Resolver RESOLVER = new Resolver();

    private final SourceFile source;
    private final Findings findings;
    private final IdentityHashMap<Node, Boolean> onPath = new IdentityHashMap<>();
    private int nodes;

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
        Composer composer = new Composer(
                new ParserImpl(new StreamReader(new StringReader(text)), options), new Resolver(), options);
        Node first;
        try {
            if (!composer.checkNode()) return Optional.empty();
            first = composer.getNode();
        } catch (MarkedYAMLException e) {
            reportSyntax(e);
            return Optional.empty();
        } catch (ReaderException e) {
            refuse(at(text, e.getPosition()), String.format(
                    "the file contains the control character U+%04X, which YAML does not allow; bpm.yml must be plain text",
                    e.getCodePoint()));
            return Optional.empty();
        } catch (YAMLException e) {
            refuse(Span.FILE, e.getMessage());
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
        } catch (YAMLException e) {
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
        Span at = mark == null ? Span.FILE : Span.point(mark.getLine() + 1, mark.getColumn() + 1);
        String problem = e.getProblem() != null ? e.getProblem() : e.getMessage();
        String context = e.getContext();
        String message = context == null ? problem : problem + " (" + context
                + (e.getContextMark() != null && e.getContextMark() != mark
                        ? " at line " + (e.getContextMark().getLine() + 1) : "") + ")";
        if (problem != null && problem.contains("exceeds the limit")) {
            refuse(at, message);
            return;
        }
        findings.report(Rule.YAML_SYNTAX, at, "", "malformed YAML: " + oneLine(message), syntaxHint(problem));
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

    /** Line and column of a code point index into the text. */
    private static Span at(String text, int codePointIndex) {
        int line = 1;
        int col = 1;
        int i = 0;
        for (int cp = 0; cp < codePointIndex && i < text.length(); cp++) {
            int c = text.codePointAt(i);
            i += Character.charCount(c);
            if (c == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        return Span.point(line, col);
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

    private static Span span(Node n) {
        Mark s = n.getStartMark();
        Mark e = n.getEndMark();
        if (s == null) return Span.FILE;
        if (e == null) return Span.point(s.getLine() + 1, s.getColumn() + 1);
        return new Span(s.getLine() + 1, s.getColumn() + 1, e.getLine() + 1, e.getColumn() + 1);
    }

    private static final class Refused extends RuntimeException {
        final Span span;

        Refused(Span span, String message) {
            super(message, null, false, false);
            this.span = span;
        }
    }
}
