package io.bpm.compiler.release;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * A job's {@code spec}, as far as rendering needs it: its templates (source, destination), its
 * properties in spec order with their defaults, and the links it consumes.
 *
 * @param name       the job name
 * @param templates  template source path (under templates/) to destination path, in spec order
 * @param properties declared properties in spec order
 * @param consumes   the names of consumed links, in spec order
 */
public record JobSpec(String name, Map<String, String> templates, List<Property> properties, List<String> consumes) {

    /** The destination bpm reads: {@code /var/vcap/jobs/JOB/config/bpm.yml}. */
    public static final String BPM_DESTINATION = "config/bpm.yml";

    /** A declared property; {@code defaultValue} is null when the spec gives none (or gives null). */
    public record Property(String name, Object defaultValue) {
    }

    /** The spec could not be read: what is wrong and the 1-based line (0 when unknown). */
    public static final class Invalid extends Exception {
        private final int line;

        public Invalid(String message, int line) {
            super(message);
            this.line = line;
        }

        public int line() {
            return line;
        }
    }

    /** The source of the template rendered to config/bpm.yml, if the job has one. */
    public Optional<String> bpmTemplate() {
        return templates.entrySet().stream().filter(e -> BPM_DESTINATION.equals(e.getValue())).map(Map.Entry::getKey).findFirst();
    }

    public Optional<Property> property(String dotted) {
        return properties.stream().filter(p -> p.name().equals(dotted)).findFirst();
    }

    /** Parses a spec file's text (YAML, as the director's Psych reads it: YAML 1.1, safe types only). */
    public static JobSpec parse(String text, String fallbackName) throws Invalid {
        Object doc = load(text);
        if (!(doc instanceof Map<?, ?> root)) throw new Invalid("a job spec is a mapping with name, templates and properties", 1);
        String name = root.get("name") instanceof String s && !s.isEmpty() ? s : fallbackName;
        Map<String, String> templates = new LinkedHashMap<>();
        if (root.get("templates") instanceof Map<?, ?> t) {
            for (var e : t.entrySet()) templates.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
        } else if (root.get("templates") != null) {
            throw new Invalid("'templates' must map each template to its destination", 0);
        }
        List<Property> properties = new ArrayList<>();
        if (root.get("properties") instanceof Map<?, ?> props) {
            for (var e : props.entrySet()) {
                Object def = e.getValue() instanceof Map<?, ?> m ? m.get("default") : null;
                properties.add(new Property(String.valueOf(e.getKey()), def));
            }
        } else if (root.get("properties") != null) {
            throw new Invalid("'properties' must be a mapping of property names", 0);
        }
        List<String> consumes = new ArrayList<>();
        if (root.get("consumes") instanceof List<?> list) {
            for (Object c : list) {
                if (c instanceof Map<?, ?> m && m.get("name") != null) consumes.add(String.valueOf(m.get("name")));
            }
        }
        return new JobSpec(name, Collections.unmodifiableMap(templates), List.copyOf(properties), List.copyOf(consumes));
    }

    /** One YAML document with the safe types only, aliases bounded; a syntax error names its line. */
    static Object load(String text) throws Invalid {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(1000);
        options.setCodePointLimit(4 * 1024 * 1024);
        try {
            return new Yaml(new SafeConstructor(options)).load(text);
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() != null ? e.getProblemMark().getLine() + 1 : 0;
            throw new Invalid("not valid YAML: " + e.getProblem(), line);
        } catch (YAMLException e) {
            throw new Invalid("not valid YAML: " + e.getMessage(), 0);
        }
    }
}
