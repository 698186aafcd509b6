package io.bpm.compiler.fuzz;

import io.bpm.fuzz.Hostile;
import io.bpm.fuzz.Mutation;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Edits that know YAML's "key: value" lines, on top of the generic ones ({@link Mutation}): swap
 * the keys of two lines, put another key on a line, or replace a value by a hostile one.
 */
final class YamlMutation {
    private YamlMutation() {
    }

    /** {@code indent [- ] key: rest}: group 1 up to the key, 2 the key, 3 the rest after ':'. */
    private static final Pattern KEY_LINE = Pattern.compile("^([ \\t]*(?:- +)?)([^ \\t:#'\"\\[\\]{}\\-][^:#\\n]*?):( .*|)(\\n?)$",
            Pattern.DOTALL);
    /** {@code indent - value}. */
    private static final Pattern ITEM_LINE = Pattern.compile("^([ \\t]*- +)([^\\n]*)(\\n?)$", Pattern.DOTALL);

    /** Keys: bpm's own (at the wrong level too), misspellings, YAML specials, hostile text. */
    static final List<String> KEYS = keys();

    private static List<String> keys() {
        List<String> k = new ArrayList<>(List.of("name", "executable", "args", "env", "workdir", "hooks", "pre_start", "capabilities",
                "limits", "memory", "open_files", "processes", "core_file_size", "ephemeral_disk", "persistent_disk",
                "additional_volumes", "path", "writable", "allow_executions", "mount_only", "shared", "unsafe", "privileged",
                "unrestricted_volumes", "host_pid_namespace", "shutdown_signal", "nmae", "Name", "executible", "<<", "? x", "!!str name",
                "&a name", "*a", "\"name\"", "'name'", "1", "0x1F", "~", "null", "true", "\"\"", "\"a\\nb\"", "\"\\u0000\"",
                "\"\\uD800\"", "\u202ename", "n\u0301ame", "\ud83d\ude00"));
        return List.copyOf(k);
    }

    /** Values as written in YAML: hostile numbers plain, hostile strings double-quoted, collections, aliases, tags. */
    static final List<String> VALUES = values();

    private static List<String> values() {
        List<String> v = new ArrayList<>(List.of("x", "", "~", "null", "[]", "{}", "[a, [b, [c]]]", "{a: {b: c}}", "*a", "&a x", "!!binary aGk=",
                "!!int 12", "!!str 12", "!!float 1e400", "!!timestamp 2001-12-14", "!!null", "!custom x", "|", ">-", "'single'",
                "\"unterminated", "'unterminated", "- nested", "? x", "@at", "`tick", "%pct", "x #comment", "x: y", "a\tb",
                "/var/vcap/data/example/x", "/var/vcap/store/example", "/var/vcap/jobs/other/x", "/etc", "/", "TERM", "INT"));
        v.addAll(Hostile.NUMBERS);
        for (String s : Hostile.ALL) v.add(YamlTree.doubleQuoted(s));
        for (String s : Hostile.PATHS) v.add(s);
        return List.copyOf(v);
    }

    /** Raw text inserted anywhere: YAML indicators, control characters, unicode. */
    static final List<String> SNIPPETS = snippets();

    private static List<String> snippets() {
        List<String> s = new ArrayList<>(List.of(" ", "  ", ":", ": ", "-", "- ", "#", " #", "[", "]", "{", "}", ",", "&", "*", "!",
                "|", ">", "'", "\"", "%", "@", "`", "?", "\\", "\n", "---\n", "...\n", "\t", "&a ", "*a", "<<: *a\n"));
        s.addAll(Hostile.CONTROL);
        s.addAll(Hostile.UNICODE);
        return List.copyOf(s);
    }

    /** Whole lines: keys at odd levels, directives, document markers, anchors, hostile entries. */
    static final List<String> LINES = List.of("", "# comment", "---", "...", "%YAML 1.1", "%TAG ! tag:x,2000:", "processes:", "processes: []",
            "- name: injected", "  executable: /bin/sh", "- name: web", "  - x", "    - x", "name: top", "  unsafe: {privileged: true}",
            "  privileged: true", "  env: {LD_PRELOAD: /tmp/x.so}", "  args: [\"a\\nuser root\"]", "  limits: {memory: 9999999999999999999G}",
            "  additional_volumes: [{path: /etc, writable: true}]", "  <<: *a", "x: &a {name: a}", "? [a]", ": b", "\t- tab",
            "  name: \"\\uD800\"", "  env: {\"A=B\": c, \"\": d}");

    static Arbitrary<Mutation> mutations() {
        Arbitrary<Integer> at = Arbitraries.integers().between(0, Mutation.SCALE);
        return Arbitraries.frequencyOf(
                Tuple.of(6, Mutation.generic(SNIPPETS, LINES, VALUES)),
                Tuple.of(2, Combinators.combine(at, at).as((a, b) -> (Mutation) new SwapKeys(a, b))),
                Tuple.of(2, Combinators.combine(at, Arbitraries.of(KEYS)).as((a, k) -> (Mutation) new ReplaceKey(a, k))),
                Tuple.of(4, Combinators.combine(at, Arbitraries.of(VALUES)).as((a, v) -> (Mutation) new ReplaceValue(a, v))));
    }

    private static List<Integer> matching(List<String> lines, Pattern p) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) if (p.matcher(lines.get(i)).matches()) out.add(i);
        return out;
    }

    /** Swaps the keys of two "key:" lines (their indentation and values stay). */
    record SwapKeys(int a, int b) implements Mutation {
        public String apply(String s) {
            List<String> l = Mutation.lines(s);
            List<Integer> keyed = matching(l, KEY_LINE);
            if (keyed.size() < 2) return s;
            int i = keyed.get(Mutation.index(a, keyed.size()));
            int j = keyed.get(Mutation.index(b, keyed.size()));
            Matcher x = KEY_LINE.matcher(l.get(i));
            Matcher y = KEY_LINE.matcher(l.get(j));
            if (!x.matches() || !y.matches()) return s;
            l.set(i, x.group(1) + y.group(2) + ":" + x.group(3) + x.group(4));
            l.set(j, y.group(1) + x.group(2) + ":" + y.group(3) + y.group(4));
            return Mutation.join(l);
        }
    }

    /** Puts another key on a "key:" line. */
    record ReplaceKey(int at, String key) implements Mutation {
        public String apply(String s) {
            List<String> l = Mutation.lines(s);
            List<Integer> keyed = matching(l, KEY_LINE);
            if (keyed.isEmpty()) return s;
            int i = keyed.get(Mutation.index(at, keyed.size()));
            Matcher x = KEY_LINE.matcher(l.get(i));
            if (!x.matches()) return s;
            l.set(i, x.group(1) + Mutation.utf8(key) + ":" + x.group(3) + x.group(4));
            return Mutation.join(l);
        }

        @Override
        public String toString() {
            return "ReplaceKey[at=" + at + ", key=" + Mutation.Show.quote(key) + "]";
        }
    }

    /** Replaces the value of a "key: value" or "- value" line. */
    record ReplaceValue(int at, String value) implements Mutation {
        public String apply(String s) {
            List<String> l = Mutation.lines(s);
            List<Integer> valued = new ArrayList<>();
            for (int i = 0; i < l.size(); i++) {
                Matcher k = KEY_LINE.matcher(l.get(i));
                if (k.matches() && !k.group(3).isBlank() || ITEM_LINE.matcher(l.get(i)).matches()) valued.add(i);
            }
            if (valued.isEmpty()) return s;
            int i = valued.get(Mutation.index(at, valued.size()));
            Matcher k = KEY_LINE.matcher(l.get(i));
            String v = Mutation.utf8(value);
            if (k.matches() && !k.group(3).isBlank()) {
                l.set(i, k.group(1) + k.group(2) + ": " + v + k.group(4));
            } else {
                Matcher m = ITEM_LINE.matcher(l.get(i));
                if (!m.matches()) return s;
                l.set(i, m.group(1) + v + m.group(3));
            }
            return Mutation.join(l);
        }

        @Override
        public String toString() {
            return "ReplaceValue[at=" + at + ", value=" + Mutation.Show.quote(value) + "]";
        }
    }
}
