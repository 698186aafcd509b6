package io.bpm.compiler.release;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What the director hands a job's templates: the spec hash with the job's properties resolved
 * (each declared property, in spec order, is its explicit value if one is given and not null,
 * else the spec's default; undeclared values are dropped) and the consumed links. As JSON,
 * because that is the form the director keeps them in (keys become strings), and the engine
 * parses it back.
 *
 * @param specJson   the spec hash, {@code properties} included
 * @param linksJson  the consumed links by name (the ones given)
 * @param undeclared dotted names of values given but not declared, sorted
 * @param unknownLinks names of link stubs the job does not consume, sorted
 */
public record DirectorInput(String specJson, String linksJson, List<String> undeclared, List<String> unknownLinks) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The spec values bosh-template's test API (Bosh::Template::Test::InstanceSpec) renders with,
     * but for the name: the job's own, so that paths built from {@code name} are the job's (the
     * test API's "me" would name another job in every pid file path).
     */
    public static Map<String, Object> defaultSpec(String job) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("address", "my.bosh.com");
        spec.put("az", "az1");
        spec.put("bootstrap", false);
        spec.put("deployment", "my-deployment");
        spec.put("id", "xxxxxx-xxxxxxxx-xxxxx");
        spec.put("index", 0);
        spec.put("ip", "192.168.0.0");
        spec.put("name", job);
        spec.put("networks", Map.of("network1", Map.of("foo", "bar", "ip", "192.168.0.0")));
        spec.put("job", Map.of("name", job));
        return spec;
    }

    public static DirectorInput of(JobSpec job, JobValues values) {
        Map<String, Object> properties = new LinkedHashMap<>();
        for (JobSpec.Property p : job.properties()) {
            Object value = lookup(values.properties(), p.name());
            insert(properties, p.name(), value != null ? value : p.defaultValue());
        }
        Map<String, Object> spec = defaultSpec(job.name());
        spec.putAll(values.spec());
        spec.put("properties", properties);
        Map<String, Object> links = new LinkedHashMap<>();
        List<String> unknownLinks = new ArrayList<>();
        for (var e : values.links().entrySet()) {
            if (!job.consumes().contains(e.getKey())) unknownLinks.add(e.getKey());
            else if (e.getValue() != null) links.put(e.getKey(), e.getValue());
        }
        TreeSet<String> undeclared = new TreeSet<>();
        undeclared(values.properties(), "", job, undeclared);
        return new DirectorInput(json(spec), json(links), List.copyOf(undeclared), unknownLinks.stream().sorted().toList());
    }

    /** PropertyHelper#lookup_property: null when any part of the dotted name is missing. */
    static Object lookup(Map<String, Object> tree, String dotted) {
        Object ref = tree;
        for (String key : dotted.split("\\.", -1)) {
            if (!(ref instanceof Map<?, ?> m)) return null;
            ref = m.get(key);
            if (ref == null) return null;
        }
        return ref;
    }

    @SuppressWarnings("unchecked")
    private static void insert(Map<String, Object> tree, String dotted, Object value) {
        String[] keys = dotted.split("\\.", -1);
        Map<String, Object> level = tree;
        for (int i = 0; i < keys.length - 1; i++) {
            Object next = level.get(keys[i]);
            if (!(next instanceof Map<?, ?>)) {
                next = new LinkedHashMap<String, Object>();
                level.put(keys[i], next);
            }
            level = (Map<String, Object>) next;
        }
        level.put(keys[keys.length - 1], value);
    }

    /** Values whose dotted name is neither a declared property, below one, nor above one. */
    private static void undeclared(Map<?, ?> tree, String prefix, JobSpec job, TreeSet<String> out) {
        for (var e : tree.entrySet()) {
            String name = prefix + e.getKey();
            boolean declaredOrBelow = job.properties().stream().anyMatch(p -> name.equals(p.name()) || name.startsWith(p.name() + "."));
            if (declaredOrBelow) continue;
            boolean above = job.properties().stream().anyMatch(p -> p.name().startsWith(name + "."));
            if (above && e.getValue() instanceof Map<?, ?> m) undeclared(m, name + ".", job, out);
            else if (!above) out.add(name);
        }
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(jsonable(value));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot pass these values to the template: " + e.getOriginalMessage(), e);
        }
    }

    /** YAML's extra scalar types as the director's JSON would carry them. */
    private static Object jsonable(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (var e : m.entrySet()) out.put(String.valueOf(e.getKey()), jsonable(e.getValue()));
            return out;
        }
        if (v instanceof Iterable<?> list) {
            List<Object> out = new ArrayList<>();
            for (Object o : list) out.add(jsonable(o));
            return out;
        }
        if (v instanceof Date d) return d.toInstant().toString();
        if (v instanceof byte[] b) return new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
        return v;
    }
}
