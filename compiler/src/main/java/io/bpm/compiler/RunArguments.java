package io.bpm.compiler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bpm.compiler.diag.Diagnostic;
import io.bpm.compiler.parse.Locations;
import io.bpm.compiler.parse.YamlReader;
import io.bpm.compiler.source.Span;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code bpm run}'s {@code -v PATH[:OPTIONS]} and {@code -e KEY=VALUE} (bpm-behaviour.md §3.6):
 * volumes appended to the process's {@code additional_volumes}, variables set in its
 * {@code env} (a later flag overrides an earlier one and the file's value). They are applied to
 * the decoded document before the model is built, so every rule and the schema check them as
 * if they had been written in bpm.yml; their findings and plan lines name the argument.
 */
public record RunArguments(List<VolumeArgument> volumes, List<EnvArgument> env) {

    /** The options a {@code -v} may carry. */
    public static final Set<String> VOLUME_OPTIONS = Set.of("writable", "allow_executions", "mount_only", "shared");

    public RunArguments {
        volumes = List.copyOf(volumes);
        env = List.copyOf(env);
    }

    public static final RunArguments NONE = new RunArguments(List.of(), List.of());

    public boolean isEmpty() {
        return volumes.isEmpty() && env.isEmpty();
    }

    /** One {@code -v}: the argument as given, its path and options. */
    public record VolumeArgument(String argument, String path, Set<String> options) {
        public VolumeArgument {
            options = Set.copyOf(options);
        }
    }

    /** One {@code -e}: the argument as given, split at its first '='. */
    public record EnvArgument(String argument, String name, String value) {
    }

    /** A {@code -v} or {@code -e} that cannot be read, with bpm's message and the way to write it. */
    public static final class Invalid extends Exception {
        public Invalid(String message) {
            super(message);
        }
    }

    /** Reads the flags as given, in order. */
    public static RunArguments parse(List<String> volumeFlags, List<String> envFlags) throws Invalid {
        List<VolumeArgument> volumes = new ArrayList<>();
        for (String arg : volumeFlags) {
            String[] parts = arg.split(":", -1);
            if (parts.length > 2 || parts[0].isEmpty()) {
                throw new Invalid("invalid volume definition (format: <path>[:<options>]): " + arg
                        + " (options are a comma-separated list of " + String.join(", ", sortedOptions())
                        + "; a path cannot contain ':')");
            }
            Set<String> options = new LinkedHashSet<>();
            if (parts.length == 2) {
                for (String option : parts[1].split(",", -1)) {
                    if (!VOLUME_OPTIONS.contains(option)) {
                        throw new Invalid("invalid volume option: \"" + option + "\" in -v " + arg + " (expected one of "
                                + String.join(", ", sortedOptions()) + ")");
                    }
                    options.add(option);
                }
            }
            volumes.add(new VolumeArgument(arg, parts[0], options));
        }
        List<EnvArgument> env = new ArrayList<>();
        for (String arg : envFlags) {
            int eq = arg.indexOf('=');
            if (eq < 0) {
                throw new Invalid("invalid environment variable definition (format should be KEY=value): \"" + arg + "\"");
            }
            env.add(new EnvArgument(arg, arg.substring(0, eq), arg.substring(eq + 1)));
        }
        return new RunArguments(volumes, env);
    }

    private static List<String> sortedOptions() {
        return VOLUME_OPTIONS.stream().sorted().toList();
    }

    /**
     * Adds the volumes and variables to the first process named {@code process} of the decoded
     * document, recording in {@code where} which argument each added node came from. A document
     * without that process, or whose volumes or env are not a list or a map, is left alone: its
     * own findings say why it cannot run.
     */
    void apply(JsonNode document, String process, Locations where) {
        if (isEmpty() || !(document instanceof ObjectNode doc) || !(doc.get("processes") instanceof ArrayNode list)) {
            return;
        }
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) instanceof ObjectNode p && p.get("name") != null && process.equals(p.get("name").asText())) {
                String ptr = "/processes/" + i;
                if (!volumes.isEmpty() && (p.get("additional_volumes") == null || p.get("additional_volumes") instanceof ArrayNode)) {
                    ArrayNode vols = p.get("additional_volumes") instanceof ArrayNode a ? a : p.putArray("additional_volumes");
                    for (VolumeArgument v : volumes) {
                        ObjectNode o = vols.addObject();
                        String at = ptr + "/additional_volumes/" + (vols.size() - 1);
                        where.argument(at, "-v " + v.argument());
                        o.put("path", v.path());
                        where.argument(at + "/path", "-v " + v.argument());
                        for (String option : v.options().stream().sorted().toList()) {
                            o.put(option, true);
                            where.argument(at + "/" + option, "-v " + v.argument());
                        }
                    }
                }
                if (!env.isEmpty() && (p.get("env") == null || p.get("env") instanceof ObjectNode)) {
                    ObjectNode vars = p.get("env") instanceof ObjectNode m ? m : p.putObject("env");
                    for (EnvArgument e : env) {
                        vars.put(e.name(), e.value());
                        where.argument(ptr + "/env/" + YamlReader.escape(e.name()), "-e " + e.argument());
                    }
                }
                return;
            }
        }
    }

    /** A finding about a node an argument added, told as a finding about that argument. */
    static Diagnostic attribute(Diagnostic d, Locations where) {
        return where.argumentOf(d.pointer())
                .map(arg -> new Diagnostic(d.rule(), d.severity(), "command line", Span.FILE, d.pointer(),
                        arg + ": " + d.message(), d.hint(), null))
                .orElse(d);
    }
}
