package io.bpm.compiler.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bpm.executor.plan.Header;
import io.bpm.executor.plan.Plan;
import io.bpm.executor.plan.Step;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.List;
import java.util.Locale;

/**
 * A plan as JSON ({@code bpm compile --format json}; schema {@code schema/bpm-plan.schema.json},
 * described in bpm-plan(5)): the same information as the text format, for tools.
 *
 * <pre>{@code
 * {"format": 1, "compiler": "0.1.0", "source": "sha256:<hex>", "job": "web", "process": "web",
 *  "steps": [{"op": "mkdir", "path": "$ROOT/sys/run/bpm/web", "mode": "0700", "owner": "root",
 *             "from": "default"}, ...]}
 * }</pre>
 *
 * <p>Deterministic: equal plans give identical bytes. Keys come in a fixed order ({@code op}
 * first, then the step's fields in the order of the text line, {@code from} last); every field is
 * always present (booleans as {@code true}/{@code false}, empty lists as {@code []}). {@code op}
 * is the text keyword. Enumerations are the lower-case words of the text format; modes are
 * octal strings as the text writes them ({@code "0700"}); rlimit values are unsigned 64-bit
 * numbers, an rlimit of 2<sup>64</sup>-1 being the string {@code "unlimited"}; other numbers are
 * plain JSON numbers. Output is indented by two spaces, with LF line ends and a final newline.
 */
public final class PlanJson {

    /** The string an rlimit of RLIM_INFINITY (2^64-1, i.e. {@code -1L}) is written as. */
    public static final String UNLIMITED = "unlimited";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectWriter WRITER = new ObjectMapper().writer(prettyPrinter());

    private PlanJson() {
    }

    /** The plan as one pretty-printed JSON object, with a trailing newline. */
    public static String render(Plan plan) {
        return write(tree(plan));
    }

    /** Several plans (e.g. every process of a job, in config order) as one JSON array. */
    public static String renderAll(List<Plan> plans) {
        ArrayNode arr = NODES.arrayNode();
        for (Plan p : plans) arr.add(tree(p));
        return write(arr);
    }

    /** The plan as a JSON tree, keys in their fixed order. */
    public static ObjectNode tree(Plan plan) {
        Header h = plan.header();
        ObjectNode o = NODES.objectNode();
        o.put("format", h.format());
        o.put("compiler", h.compiler());
        o.put("source", "sha256:" + h.sourceSha256());
        o.put("job", h.job());
        o.put("process", h.process());
        ArrayNode steps = o.putArray("steps");
        for (Step s : plan.steps()) steps.add(step(s));
        return o;
    }

    /** One step as a JSON object: {@code op}, the fields, {@code from}. */
    public static ObjectNode step(Step step) {
        ObjectNode o = NODES.objectNode();
        o.put("op", keyword(step));
        switch (step) {
            case Step.ContainerId s -> o.put("id", s.id());
            case Step.LockFile s -> o.put("path", s.path());
            case Step.PidFile s -> o.put("path", s.path());
            case Step.StateDir s -> o.put("path", s.path());
            case Step.Log s -> {
                o.put("stream", word(s.stream()));
                o.put("path", s.path());
            }
            case Step.User s -> o.put("name", s.name());
            case Step.MakeDir s -> {
                o.put("path", s.path());
                o.put("mode", mode(s.mode()));
                o.put("owner", word(s.owner()));
            }
            case Step.VolumeDir s -> {
                o.put("path", s.path());
                o.put("mode", mode(s.mode()));
                o.put("owner", word(s.owner()));
            }
            case Step.ShareVolume s -> {
                o.put("path", s.path());
                o.put("lock", s.lock());
            }
            case Step.RequireDir s -> {
                o.put("path", s.path());
                o.put("reason", s.reason());
            }
            case Step.OpenLog s -> {
                o.put("path", s.path());
                o.put("mode", mode(s.mode()));
                o.put("owner", word(s.owner()));
            }
            case Step.Hook s -> o.put("program", s.program());
            case Step.Namespace s -> o.put("kind", word(s.kind()));
            case Step.Mount s -> {
                o.put("type", s.type());
                o.put("source", s.source());
                o.put("target", s.target());
                strings(o.putArray("options"), s.options());
                o.put("ifExists", s.ifExists());
            }
            case Step.GlobMount s -> {
                o.put("pattern", s.pattern());
                strings(o.putArray("options"), s.options());
                strings(o.putArray("exclude"), s.exclude());
            }
            case Step.Mask s -> o.put("path", s.path());
            case Step.ReadOnly s -> o.put("path", s.path());
            case Step.Rlimit s -> {
                o.put("resource", s.resource());
                rlimit(o, "soft", s.soft());
                rlimit(o, "hard", s.hard());
            }
            case Step.CgroupLimit s -> {
                o.put("limit", s.limit());
                o.put("value", s.value());
                o.put("ifSupported", s.ifSupported());
            }
            case Step.Capabilities s -> {
                strings(o.putArray("bounding"), s.bounding());
                strings(o.putArray("inheritable"), s.inheritable());
                strings(o.putArray("permitted"), s.permitted());
                strings(o.putArray("effective"), s.effective());
                strings(o.putArray("ambient"), s.ambient());
            }
            case Step.NoNewPrivs s -> { }
            case Step.Seccomp s -> {
                o.put("profile", s.profile());
                o.put("version", s.version());
            }
            case Step.Env s -> {
                o.put("name", s.name());
                o.put("value", s.value());
            }
            case Step.Cwd s -> o.put("path", s.path());
            case Step.Exec s -> strings(o.putArray("argv"), s.argv());
            case Step.Stop s -> {
                o.put("signal", s.signal());
                o.put("quitAfterMs", s.quitAfterMillis());
                o.put("killAfterMs", s.killAfterMillis());
            }
        }
        o.put("from", step.from().text());
        return o;
    }

    /** The text format's keyword for a step: its {@code op} in JSON. */
    public static String keyword(Step step) {
        return switch (step) {
            case Step.ContainerId s -> "container-id";
            case Step.LockFile s -> "lock-file";
            case Step.PidFile s -> "pid-file";
            case Step.StateDir s -> "state-dir";
            case Step.Log s -> "log";
            case Step.User s -> "user";
            case Step.MakeDir s -> "mkdir";
            case Step.VolumeDir s -> "volume";
            case Step.ShareVolume s -> "share";
            case Step.RequireDir s -> "require-dir";
            case Step.OpenLog s -> "open-log";
            case Step.Hook s -> "hook";
            case Step.Namespace s -> "namespace";
            case Step.Mount s -> "mount";
            case Step.GlobMount s -> "mount-glob";
            case Step.Mask s -> "mask";
            case Step.ReadOnly s -> "readonly";
            case Step.Rlimit s -> "rlimit";
            case Step.CgroupLimit s -> "cgroup";
            case Step.Capabilities s -> "capabilities";
            case Step.NoNewPrivs s -> "no-new-privs";
            case Step.Seccomp s -> "seccomp";
            case Step.Env s -> "env";
            case Step.Cwd s -> "cwd";
            case Step.Exec s -> "exec";
            case Step.Stop s -> "stop";
        };
    }

    private static String word(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    /** A permission mode exactly as the text format writes it after {@code mode=}: {@code 0700}. */
    static String mode(int mode) {
        return "0" + Integer.toOctalString(mode);
    }

    private static void rlimit(ObjectNode o, String key, long value) {
        if (value == -1L) {
            o.put(key, UNLIMITED);
        } else if (value >= 0) {
            o.put(key, value);
        } else {
            o.put(key, unsigned(value));
        }
    }

    /** A long read as unsigned 64-bit: values with the sign bit set become 2^63 and above. */
    private static BigInteger unsigned(long value) {
        return new BigInteger(Long.toUnsignedString(value));
    }

    private static void strings(ArrayNode arr, List<String> values) {
        for (String v : values) arr.add(v);
    }

    private static DefaultPrettyPrinter prettyPrinter() {
        DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
        Separators separators = Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                .withObjectEmptySeparator("")
                .withArrayEmptySeparator("");
        return new DefaultPrettyPrinter(separators)
                .withObjectIndenter(indenter)
                .withArrayIndenter(indenter);
    }

    private static String write(Object node) {
        try {
            return WRITER.writeValueAsString(node) + "\n";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
