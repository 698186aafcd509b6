package io.bpm.compiler.fuzz;

import static io.bpm.compiler.fuzz.YamlTree.entry;
import static io.bpm.compiler.fuzz.YamlTree.plain;

import io.bpm.compiler.fuzz.YamlTree.Alias;
import io.bpm.compiler.fuzz.YamlTree.Anchored;
import io.bpm.compiler.fuzz.YamlTree.Entry;
import io.bpm.compiler.fuzz.YamlTree.Raw;
import io.bpm.compiler.fuzz.YamlTree.Scalar;
import io.bpm.compiler.fuzz.YamlTree.Seq;
import io.bpm.compiler.fuzz.YamlTree.Style;
import io.bpm.fuzz.Hostile;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Structure-aware generation of bpm.yml documents: every key bpm knows, with values that are
 * mostly plausible (so that a good share lints clean and reaches lowering and the plan) and
 * otherwise hostile: numbers beyond 64 bits and beyond double, other radixes, unicode that bends
 * text (RTL, combining, astral, lone surrogates through escapes), control characters and NUL,
 * newlines and '#' in names, arguments and environment (plan-line injection attempts), paths
 * that leave the job's directories, wrong types, unknown and duplicate keys, anchors, aliases
 * and merge keys; and whole documents that are hostile in shape (deep nesting, alias bombs,
 * recursive aliases, tags, directives, several documents).
 *
 * <p>Paths use the job name through the placeholder {@value #JOB}, replaced when rendered.
 */
final class ConfigGen {
    static final String JOB = "{JOB}";

    private ConfigGen() {
    }

    // ---- scalars ---------------------------------------------------------------------------------------

    static final List<String> WORDS = List.of("web", "worker", "a", "x1", "my-proc", "my_proc", "p.q", "UPPER", "w\u00e9b",
            "\u65e5\u672c", "a b", "--port", "-v", "8080", "true", "null", "~", "yes", "0x1F", "1e3", "10:30", "%s", "*",
            "?", "[x]", "$HOME", "${X}", "$(id)", "`id`", ";", "&&", "|", "'", "\"");

    private static Arbitrary<String> word() {
        return Arbitraries.of(WORDS);
    }

    /** 1 to 4 pieces, words and hostile strings mixed (as LintCleanCompilesTest.pick does with its PIECES). */
    static Arbitrary<String> hostileText() {
        Arbitrary<String> piece = Arbitraries.frequencyOf(
                Tuple.of(3, word()),
                Tuple.of(2, Arbitraries.of(Hostile.UNICODE)),
                Tuple.of(2, Arbitraries.of(Hostile.CONTROL)),
                Tuple.of(3, Arbitraries.of(Hostile.PLAN_INJECTION)),
                Tuple.of(1, Arbitraries.of(Hostile.PATHS)),
                Tuple.of(1, Arbitraries.of(Hostile.NUMBERS)),
                Tuple.of(1, Arbitraries.strings().ofMaxLength(8)),
                Tuple.of(1, Arbitraries.integers().between(100, 20_000).map(n -> "x".repeat(n))));
        return piece.list().ofMinSize(1).ofMaxSize(4).map(l -> String.join("", l));
    }

    private static Arbitrary<Style> style() {
        return Arbitraries.frequency(Tuple.of(5, Style.PLAIN), Tuple.of(2, Style.SINGLE), Tuple.of(3, Style.DOUBLE), Tuple.of(1, Style.LITERAL));
    }

    static Arbitrary<YamlTree> scalar(Arbitrary<String> text) {
        return Combinators.combine(text, style()).as(Scalar::new);
    }

    /** A number, boolean, null or timestamp as written plain: YAML's typed scalars. */
    static Arbitrary<YamlTree> typed() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.of(Hostile.NUMBERS)),
                Tuple.of(2, Arbitraries.of("true", "false", "yes", "no", "on", "off", "TRUE", "True", "y", "n", "~", "null", "Null",
                        "2001-12-14", "2001-12-14t21:59:43.10-05:00", "=", "<<")))
                .map(YamlTree::plain);
    }

    /** A value that is not the scalar expected: typed scalars, collections, aliases, tags. */
    static Arbitrary<YamlTree> wrongType() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, typed()),
                Tuple.of(1, Arbitraries.just(new Seq(List.of(), true))),
                Tuple.of(1, Arbitraries.just(new YamlTree.Map(List.of(), true))),
                Tuple.of(1, scalar(hostileText()).list().ofMaxSize(3).map(l -> new Seq(l, true))),
                Tuple.of(1, Arbitraries.of("!!binary aGVsbG8=", "!!int \"12\"", "!!str 12", "!!float 1e400", "!!timestamp 2001-12-14",
                        "!!null ''", "!custom x", "!!set {a, b}", "!!omap [a: 1]", "!<tag:yaml.org,2002:str> x", "*undefined",
                        "&anchor value", "? a", "@at", "`tick", "%pct", "|", ">-").map(Raw::new)));
    }

    /** Mostly plausible text, sometimes hostile, sometimes another type. */
    static Arbitrary<YamlTree> text(Arbitrary<String> plausible) {
        return Arbitraries.frequencyOf(
                Tuple.of(12, scalar(plausible)),
                Tuple.of(4, scalar(hostileText())),
                Tuple.of(1, wrongType()));
    }

    static Arbitrary<YamlTree> bool() {
        return Arbitraries.frequencyOf(
                Tuple.of(10, Arbitraries.of("true", "false").map(YamlTree::plain)),
                Tuple.of(2, Arbitraries.of("yes", "no", "on", "off", "TRUE", "False", "y", "1", "0", "~", "").map(YamlTree::plain)),
                Tuple.of(1, wrongType()));
    }

    static Arbitrary<YamlTree> number(String... plausible) {
        return Arbitraries.frequencyOf(
                Tuple.of(10, Arbitraries.of(plausible).map(YamlTree::plain)),
                Tuple.of(4, Arbitraries.of(Hostile.NUMBERS).map(YamlTree::plain)),
                Tuple.of(1, Arbitraries.of(Hostile.NUMBERS).map(n -> new Scalar(n, Style.DOUBLE))),
                Tuple.of(1, wrongType()));
    }

    static Arbitrary<String> name() {
        return Arbitraries.strings().withCharRange('a', 'z').numeric().withChars("-_.").ofMinLength(0).ofMaxLength(10).map(s -> "p" + s);
    }

    static Arbitrary<String> jobPath(String... under) {
        return Combinators.combine(Arbitraries.of(under), name()).as((u, n) -> u.replace("JOBDIR", JOB) + "/" + n);
    }

    // ---- a process -------------------------------------------------------------------------------------

    /** An optional entry: absent about as often as present. */
    private static Arbitrary<Entry> maybe(String key, Arbitrary<? extends YamlTree> value, double absent) {
        return value.map(v -> entry(key, v)).injectNull(absent);
    }

    static Arbitrary<YamlTree> volume(boolean unrestricted) {
        Arbitrary<String> path = unrestricted
                ? Arbitraries.of("/", "/etc", "/dev/log", "/var/vcap/jobs/*", "/var/vcap/data/*/x", "/var/vcap/sys/log",
                        "/run/x", "/sys/fs/cgroup", "/var/vcap/store", "/tmp/**", "/var/vcap/data/" + JOB + "/x[0-9]")
                : jobPath("/var/vcap/data/JOBDIR", "/var/vcap/store/JOBDIR", "/var/vcap/sys/run/JOBDIR", "/var/vcap/data/JOBDIR/a",
                        "/var/vcap/data/other", "/var/vcap/jobs/JOBDIR", "/var/vcap/sys/log/JOBDIR");
        List<Arbitrary<Entry>> fields = List.of(
                maybe("path", text(path), 0.05),
                maybe("writable", bool(), 0.5),
                maybe("allow_executions", bool(), 0.7),
                maybe("mount_only", bool(), 0.7),
                maybe("shared", bool(), 0.7));
        return Combinators.combine(fields).as(ConfigGen::mapOf);
    }

    static Arbitrary<YamlTree> process() {
        Arbitrary<YamlTree> args = text(Arbitraries.of("--port", "8080", "-c", "/var/vcap/jobs/" + JOB + "/config/x.yml", "run", "--flag=value", "a b"))
                .list().ofMaxSize(5).map(l -> new Seq(l, false));
        Arbitrary<Entry> envEntry = Combinators.combine(
                Arbitraries.frequencyOf(
                        Tuple.of(8, Arbitraries.strings().withCharRange('A', 'Z').withChars('_').numeric().ofMinLength(1).ofMaxLength(8)
                                .map(s -> "K" + s).map(YamlTree::plain)),
                        Tuple.of(2, scalar(hostileText())),
                        Tuple.of(1, typed())),
                Arbitraries.frequencyOf(Tuple.of(6, text(word())), Tuple.of(2, typed()))).as(Entry::new);
        Arbitrary<YamlTree> env = envEntry.list().ofMaxSize(4).map(l -> new YamlTree.Map(l, false));
        Arbitrary<YamlTree> caps = text(Arbitraries.of("NET_BIND_SERVICE", "SYS_TIME", "CHOWN", "NET_ADMIN", "net_admin", "CAP_KILL",
                "BOGUS", "SYS_ADMIN", "ALL", "NET_BIND_SERVIC")).list().ofMaxSize(3).map(l -> new Seq(l, true));
        Arbitrary<YamlTree> limits = Combinators.combine(List.of(
                maybe("memory", number("1G", "512M", "100MB", "1024", "2g", "1.5G", "0"), 0.3),
                maybe("open_files", number("1024", "65536", "100000", "0", "-1"), 0.3),
                maybe("processes", number("100", "1000", "0", "-1"), 0.5),
                maybe("core_file_size", number("0", "1024", "-1"), 0.7))).as(ConfigGen::mapOf);
        Arbitrary<YamlTree> unsafe = Combinators.combine(List.of(
                maybe("privileged", bool(), 0.3),
                maybe("host_pid_namespace", bool(), 0.5),
                maybe("unrestricted_volumes", volume(true).list().ofMaxSize(2).map(l -> new Seq(l, false)), 0.5))).as(ConfigGen::mapOf);
        List<Arbitrary<Entry>> fields = List.of(
                maybe("name", text(name()), 0.02),
                maybe("executable", text(jobPath("/var/vcap/packages/JOBDIR/bin", "/var/vcap/jobs/JOBDIR/bin", "/bin")), 0.05),
                maybe("args", args, 0.4),
                maybe("env", env, 0.5),
                maybe("workdir", text(jobPath("/var/vcap/jobs/JOBDIR", "/var/vcap/data/JOBDIR")), 0.7),
                maybe("hooks", text(jobPath("/var/vcap/jobs/JOBDIR/bin")).map(h -> YamlTree.map(List.of(entry("pre_start", h)))), 0.7),
                maybe("capabilities", caps, 0.6),
                maybe("limits", limits, 0.5),
                maybe("ephemeral_disk", bool(), 0.6),
                maybe("persistent_disk", bool(), 0.7),
                maybe("additional_volumes", volume(false).list().ofMaxSize(3).map(l -> new Seq(l, false)), 0.6),
                maybe("unsafe", unsafe, 0.75),
                maybe("shutdown_signal", text(Arbitraries.of("TERM", "INT", "KILL", "term", "SIGTERM")), 0.8),
                maybe("unknown", Arbitraries.of("nmae", "executible", "limit", "Name", "env ", "x").map(k -> entry(k, plain("1"))).map(e -> (YamlTree) YamlTree.map(List.of(e))), 0.95));
        return Combinators.combine(fields).as(ConfigGen::process);
    }

    /** The fields present, the odd 'unknown' one spliced in as an extra key. */
    private static YamlTree process(List<Entry> fields) {
        List<Entry> out = new ArrayList<>();
        for (Entry e : fields) {
            if (e == null) continue;
            if (e.key() instanceof Scalar k && k.value().equals("unknown") && e.value() instanceof YamlTree.Map m) out.addAll(m.entries());
            else out.add(e);
        }
        return new YamlTree.Map(out, false);
    }

    private static YamlTree mapOf(List<Entry> fields) {
        return new YamlTree.Map(fields.stream().filter(Objects::nonNull).toList(), false);
    }

    // ---- documents -------------------------------------------------------------------------------------

    /** A bpm.yml: processes, sometimes with a duplicate, an anchor reused through an alias or a merge key. */
    static Arbitrary<YamlTree> config() {
        Arbitrary<List<YamlTree>> processes = process().list().ofMinSize(1).ofMaxSize(3);
        Arbitrary<Integer> twist = Arbitraries.frequency(Tuple.of(12, 0), Tuple.of(1, 1), Tuple.of(1, 2), Tuple.of(1, 3), Tuple.of(1, 4));
        return Combinators.combine(processes, twist).as((list, t) -> {
            List<YamlTree> ps = new ArrayList<>(list);
            switch (t) {
                case 1 -> ps.add(ps.getFirst()); // a duplicate process (same name)
                case 2 -> { // the first process anchored, the second an alias of it
                    ps.set(0, new Anchored("p", ps.getFirst()));
                    ps.add(new Alias("p"));
                }
                case 3 -> { // a merge key: the second process inherits the first's fields
                    ps.set(0, new Anchored("base", ps.getFirst()));
                    ps.add(YamlTree.map(List.of(entry("<<", new Alias("base")), entry("name", plain("merged")))));
                }
                case 4 -> ps.add(plain("~")); // a null item
                default -> { }
            }
            return YamlTree.map(List.of(entry("processes", new Seq(ps, false))));
        });
    }

    /** Documents hostile in shape rather than in values. */
    static Arbitrary<String> hostileShape() {
        return Arbitraries.oneOf(
                // deep nesting, flow and block, around the depth limit
                Arbitraries.integers().between(1, 200).map(d -> "processes: " + "[".repeat(d) + "]".repeat(d) + "\n"),
                Arbitraries.integers().between(1, 120).map(d -> {
                    StringBuilder b = new StringBuilder("processes:\n- name: web\n  env:\n");
                    for (int i = 0; i < d; i++) b.append("  ".repeat(i + 2)).append("k").append(i).append(":\n");
                    return b.append("  ".repeat(d + 2)).append("v\n").toString();
                }),
                Arbitraries.integers().between(1, 100).map(d -> "processes:\n" + "- ".repeat(d) + "x\n"),
                // alias bombs of any width and depth, placed where a value is expected
                Combinators.combine(Arbitraries.integers().between(2, 10), Arbitraries.integers().between(1, 12)).as(ConfigGen::bomb),
                // recursion, merges of merges, tags, directives, several documents, complex keys
                Arbitraries.of(
                        "a: &a [*a]\nprocesses: *a\n",
                        "processes: &p\n- name: web\n  executable: /bin/x\n  args: *p\n",
                        "b: &b {name: web, executable: /var/vcap/packages/x/bin/x}\nprocesses:\n- <<: [*b, *b, *b]\n  <<: *b\n",
                        "%YAML 1.1\n---\nprocesses:\n- name: web\n  executable: /var/vcap/packages/x/bin/x\n",
                        "%YAML 9.9\n---\nprocesses: []\n",
                        "%TAG ! tag:example.com,2000:\n---\nprocesses:\n- !x {name: web, executable: /bin/x}\n",
                        "processes:\n- name: web\n  executable: /var/vcap/packages/x/bin/x\n---\nprocesses: [}\n",
                        "--- !!map\nprocesses: !!seq\n- !!map {name: !!str web, executable: !!str /var/vcap/packages/x/bin/x}\n",
                        "processes:\n- ? [name]\n  : web\n  executable: /var/vcap/packages/x/bin/x\n",
                        "processes:\n- {name: web, executable: /var/vcap/packages/x/bin/x, args: [!!binary aGk=]}\n",
                        "processes:\n- name: web\n  executable: /var/vcap/packages/x/bin/x\n  env: {? !!int 1 : a, 0x1F: b, 1e3: c, .inf: d}\n",
                        "processes:\n- name: web\n  executable: /var/vcap/packages/x/bin/x\n  limits: {open_files: !!float 1e400, memory: !!int 0x7FFFFFFFFFFFFFFFF}\n",
                        "\ufeff\ufeffprocesses: []\n", "...\n", "---\n---\n", "- - - -\n", "? \n", ": x\n", "&a\n", "*a\n", "!!null\n",
                        "processes: \"\\uD800\\uDC00\\uDFFF\\UFFFFFFFF\"\n", "processes: [\"\\x\", \"\\u12\"]\n"));
    }

    /** A billion-laughs document: {@code width} aliases per level, {@code depth} levels, used as the arguments. */
    static String bomb(int width, int depth) {
        StringBuilder y = new StringBuilder("l0: &l0 [x, x]\n");
        for (int d = 1; d <= depth; d++) {
            y.append('l').append(d).append(": &l").append(d).append(" [");
            for (int w = 0; w < width; w++) y.append(w == 0 ? "" : ", ").append("*l").append(d - 1);
            y.append("]\n");
        }
        return y.append("processes:\n- name: web\n  executable: /var/vcap/packages/x/bin/x\n  args: *l").append(depth).append('\n').toString();
    }
}
