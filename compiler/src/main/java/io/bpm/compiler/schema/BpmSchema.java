package io.bpm.compiler.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.keyword.KeywordType;
import com.networknt.schema.keyword.NonValidationKeyword;
import java.util.List;
import java.util.Optional;

/**
 * The published bpm.yml schema ({@code schema/bpm.schema.json}, bundled into the jar): the
 * validator the compiler runs, and the source of each key's {@link FieldKind} for decoding.
 */
public final class BpmSchema {
    /** Where the jar also has the schema (the build copies schema/ there), for a reader outside the compiler. */
    static final String RESOURCE = "/io/bpm/compiler/schema/bpm.schema.json";
    private static final String SLF4J_PROVIDER = "slf4j.provider";
    private static volatile BpmSchema instance;

    private final JsonNode root;
    private final Schema validator;

    private BpmSchema(JsonNode root) {
        this.root = root;
        // networknt logs through slf4j, whose first use scans every jar's META-INF/services for a
        // provider: 16 ms of a compiling start. Naming the one bpm ships (slf4j 2.0.9+) skips it,
        // and slf4j then says so on standard error unless its own verbosity is WARN.
        if (System.getProperty(SLF4J_PROVIDER) == null) {
            System.setProperty("slf4j.internal.verbosity", "WARN");
            System.setProperty(SLF4J_PROVIDER, "org.slf4j.nop.NOPServiceProvider");
        }
        String id = root.path("$id").asText("https://bpm.local/schema/bpm.schema.json");
        this.validator = SchemaRegistry.withDefaultDialect(draft202012WithoutFormats())
                .getSchema(SchemaLocation.of(id), root);
    }

    /**
     * networknt's draft 2020-12 dialect as its Draft202012 builds it (same IRI, keywords and
     * vocabularies), without the formats: bpm.schema.json has no {@code format} keyword
     * (BpmSchemaTest), and networknt's Formats class builds every format it knows when it is
     * initialised (e-mail, IPv6 and URI regexes, java.time formatters): 8 ms of a compiling start
     * (async-profiler, 30 starts). Made in the constructor, after slf4j's provider is named:
     * Dialect's initialiser gets its logger.
     */
    private static Dialect draft202012WithoutFormats() {
        return Dialect.builder("https://json-schema.org/draft/2020-12/schema")
                .specificationVersion(SpecificationVersion.DRAFT_2020_12)
                .idKeyword("$id")
                .keywords(KeywordType.getKeywords(SpecificationVersion.DRAFT_2020_12))
                .keywords(List.of(new NonValidationKeyword("definitions")))
                .vocabulary("https://json-schema.org/draft/2020-12/vocab/core", true)
                .vocabulary("https://json-schema.org/draft/2020-12/vocab/applicator", true)
                .vocabulary("https://json-schema.org/draft/2020-12/vocab/unevaluated", true)
                .vocabulary("https://json-schema.org/draft/2020-12/vocab/validation", true)
                .vocabulary("https://json-schema.org/draft/2020-12/vocab/meta-data", true)
                .vocabulary("https://json-schema.org/draft/2020-12/vocab/format-annotation", true)
                .vocabulary("https://json-schema.org/draft/2020-12/vocab/content", true)
                .build();
    }

    /** The bundled schema, loaded once per JVM. */
    public static BpmSchema get() {
        BpmSchema s = instance;
        if (s == null) {
            synchronized (BpmSchema.class) {
                if (instance == null) instance = new BpmSchema(load());
                s = instance;
            }
        }
        return s;
    }

    /**
     * The schema from the string constant the build generates from schema/bpm.schema.json, not
     * from the jar's copy ({@link #RESOURCE}): a resource
     * is found by searching the class path, opening the jar and inflating its manifest, 8.4 ms of
     * a compiling start (async-profiler), where the AOT cache holds the constant.
     */
    private static JsonNode load() {
        return SchemaJson.read(BundledSchema.TEXT, "bpm.schema.json");
    }

    public JsonNode root() {
        return root;
    }

    public List<Error> validate(JsonNode document) {
        return validator.validate(boundedForPatterns(document));
    }

    /** Longer than any memory size (the corpus's longest is 5 characters), and far from the regex's stack limit. */
    static final int MAX_PATTERN_INPUT = 256;

    /**
     * The document the validator sees. The one pattern of the schema (limits.memory) is matched
     * by java.util.regex, which recurses once per repetition of {@code (?:_?[0-9])*}: a long
     * value overflowed the stack (found by fuzzing). A value longer than
     * {@value #MAX_PATTERN_INPUT} characters is therefore validated as "1G": the rule BPM301
     * parses every memory value as bpm does and reports each one the pattern refuses, and the
     * schema's finding at a place a rule already reported is dropped, so the findings do not change.
     */
    static JsonNode boundedForPatterns(JsonNode document) {
        JsonNode copy = null;
        JsonNode processes = document.path("processes");
        for (int i = 0; i < processes.size(); i++) {
            JsonNode memory = processes.path(i).path("limits").path("memory");
            if (memory.isTextual() && memory.textValue().length() > MAX_PATTERN_INPUT) {
                if (copy == null) copy = document.deepCopy();
                ((com.fasterxml.jackson.databind.node.ObjectNode) copy.path("processes").path(i).path("limits"))
                        .put("memory", "1G");
            }
        }
        return copy == null ? document : copy;
    }

    /**
     * The subschema for a path of keys and list indices from the document root, following
     * {@code properties}, {@code additionalProperties}, {@code items} and local {@code $ref}s.
     */
    public Optional<JsonNode> subschema(List<Object> path) {
        JsonNode node = deref(root);
        for (Object step : path) {
            if (node == null) return Optional.empty();
            if (step instanceof Integer) {
                node = deref(node.get("items"));
            } else {
                JsonNode props = node.get("properties");
                JsonNode next = props == null ? null : props.get((String) step);
                if (next == null) {
                    JsonNode extra = node.get("additionalProperties");
                    next = extra != null && extra.isObject() ? extra : null;
                }
                node = deref(next);
            }
        }
        return Optional.ofNullable(node);
    }

    /** What the key at this path holds. */
    public FieldKind kindAt(List<Object> path) {
        return subschema(path).map(BpmSchema::kindOf).orElse(FieldKind.UNKNOWN);
    }

    /** Whether the schema describes the node at this path (false for a key it does not know). */
    public boolean knows(List<Object> path) {
        return subschema(path).isPresent();
    }

    /** The keys an object at this path may have, in schema order (for did-you-mean). */
    public List<String> keysAt(List<Object> path) {
        return subschema(path)
                .map(s -> s.get("properties"))
                .map(p -> { List<String> keys = new java.util.ArrayList<>(); p.fieldNames().forEachRemaining(keys::add); return keys; })
                .orElse(List.of());
    }

    private static FieldKind kindOf(JsonNode s) {
        JsonNode type = s.get("type");
        if (type == null) return FieldKind.UNKNOWN;
        List<String> types = new java.util.ArrayList<>();
        if (type.isArray()) type.forEach(t -> types.add(t.asText()));
        else types.add(type.asText());
        if (types.contains("object")) return FieldKind.MAPPING;
        if (types.contains("array")) return FieldKind.LIST;
        if (types.contains("string")) return FieldKind.STRING;
        if (types.contains("integer")) return FieldKind.INTEGER;
        if (types.contains("boolean")) return FieldKind.BOOLEAN;
        return FieldKind.UNKNOWN;
    }

    private JsonNode deref(JsonNode node) {
        int hops = 0;
        while (node != null && node.has("$ref") && hops++ < 16) {
            String ref = node.get("$ref").asText();
            if (!ref.startsWith("#/")) return node;
            node = root.at(ref.substring(1));
            if (node.isMissingNode()) return null;
        }
        return node;
    }
}
