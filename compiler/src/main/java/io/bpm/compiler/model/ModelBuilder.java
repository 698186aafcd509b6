package io.bpm.compiler.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.bpm.compiler.model.Process.EnvVar;
import io.bpm.compiler.model.Process.Hooks;
import io.bpm.compiler.model.Process.Limits;
import io.bpm.compiler.model.Process.Unsafe;
import io.bpm.compiler.parse.YamlReader;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Builds the model from the decoded document. Lenient by design: a value of the wrong type
 * was already reported by the schema and is treated as absent, so the semantic rules can
 * still check everything else in the same run.
 */
public final class ModelBuilder {
    private ModelBuilder() {
    }

    public static BpmConfig build(JsonNode doc) {
        List<Process> processes = new ArrayList<>();
        JsonNode list = doc.path("processes");
        if (list.isArray()) {
            for (int i = 0; i < list.size(); i++) {
                JsonNode p = list.get(i);
                if (p.isObject()) processes.add(process("/processes/" + i, p));
            }
        }
        return new BpmConfig(processes);
    }

    private static Process process(String ptr, JsonNode p) {
        return new Process(ptr, text(p, "name"), text(p, "executable"),
                strings(ptr + "/args", p.get("args")), env(ptr + "/env", p.get("env")),
                text(p, "workdir"), hooks(ptr + "/hooks", p.get("hooks")),
                strings(ptr + "/capabilities", p.get("capabilities")), limits(ptr + "/limits", p.get("limits")),
                bool(p, "ephemeral_disk"), bool(p, "persistent_disk"),
                volumes(ptr + "/additional_volumes", p.get("additional_volumes")),
                unsafe(ptr + "/unsafe", p.get("unsafe")), text(p, "shutdown_signal"));
    }

    private static String text(JsonNode obj, String key) {
        JsonNode v = obj.get(key);
        return v != null && v.isTextual() ? v.asText() : "";
    }

    private static boolean bool(JsonNode obj, String key) {
        JsonNode v = obj.get(key);
        return v != null && v.isBoolean() && v.booleanValue();
    }

    private static Long number(JsonNode obj, String key) {
        JsonNode v = obj.get(key);
        return v != null && v.isIntegralNumber() ? v.bigIntegerValue().longValue() : null;
    }

    private static List<Located<String>> strings(String ptr, JsonNode list) {
        List<Located<String>> out = new ArrayList<>();
        if (list != null && list.isArray()) {
            for (int i = 0; i < list.size(); i++) {
                if (list.get(i).isTextual()) out.add(new Located<>(ptr + "/" + i, list.get(i).asText()));
            }
        }
        return out;
    }

    private static List<EnvVar> env(String ptr, JsonNode map) {
        List<EnvVar> out = new ArrayList<>();
        if (map != null && map.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getValue().isTextual()) {
                    out.add(new EnvVar(ptr + "/" + YamlReader.escape(e.getKey()), e.getKey(), e.getValue().asText()));
                }
            }
        }
        return out;
    }

    private static Hooks hooks(String ptr, JsonNode h) {
        return h != null && h.isObject() ? new Hooks(ptr, text(h, "pre_start")) : null;
    }

    private static Limits limits(String ptr, JsonNode l) {
        if (l == null || !l.isObject()) return null;
        JsonNode mem = l.get("memory");
        return new Limits(ptr, mem != null && mem.isTextual() ? mem.asText() : null,
                number(l, "open_files"), number(l, "processes"), number(l, "core_file_size"));
    }

    private static Unsafe unsafe(String ptr, JsonNode u) {
        if (u == null || !u.isObject()) return null;
        return new Unsafe(ptr, bool(u, "privileged"), volumes(ptr + "/unrestricted_volumes", u.get("unrestricted_volumes")),
                bool(u, "host_pid_namespace"));
    }

    private static List<Volume> volumes(String ptr, JsonNode list) {
        List<Volume> out = new ArrayList<>();
        if (list != null && list.isArray()) {
            for (int i = 0; i < list.size(); i++) {
                JsonNode v = list.get(i);
                if (v.isObject()) {
                    out.add(new Volume(ptr + "/" + i, text(v, "path"), bool(v, "writable"),
                            bool(v, "allow_executions"), bool(v, "mount_only"), bool(v, "shared")));
                }
            }
        }
        return out;
    }
}
