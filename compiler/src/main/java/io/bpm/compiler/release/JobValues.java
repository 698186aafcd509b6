package io.bpm.compiler.release;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What a deployment gives one job: explicit property values (a nested tree, as in a manifest),
 * {@code spec} values (instead of the defaults of {@link DirectorInput#defaultSpec}) and link stubs by
 * name (a link's {@code properties}, {@code instances}, {@code address}, ...; null: not provided).
 */
public record JobValues(Map<String, Object> properties, Map<String, Object> spec, Map<String, Object> links) {

    public static final JobValues NONE = new JobValues(Map.of(), Map.of(), Map.of());

    /**
     * One job's values from a {@code --properties} file or a corpus case: the keys {@code spec}
     * and {@code links} are what they say; {@code properties}, when it is a mapping, holds the
     * properties, else every other key is a property.
     */
    @SuppressWarnings("unchecked")
    public static JobValues of(Map<?, ?> object) {
        Map<String, Object> spec = object.get("spec") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        Map<String, Object> links = object.get("links") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        Map<String, Object> properties;
        if (object.get("properties") instanceof Map<?, ?> m) {
            properties = (Map<String, Object>) m;
        } else {
            properties = new LinkedHashMap<>();
            for (var e : object.entrySet()) {
                String key = String.valueOf(e.getKey());
                if (!Set.of("spec", "links").contains(key)) properties.put(key, e.getValue());
            }
        }
        return new JobValues(properties, spec, links);
    }
}
