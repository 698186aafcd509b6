package io.bpm.compiler.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

/**
 * The published bpm.yml schema ({@code schema/bpm.schema.json}, bundled into the jar): the
 * validator the compiler runs, and the source of each key's {@link FieldKind} for decoding.
 */
public final class BpmSchema {
    private static final String RESOURCE = "/io/bpm/compiler/schema/bpm.schema.json";
    private static volatile BpmSchema instance;

    private final JsonNode root;
    private final Schema validator;

    private BpmSchema(JsonNode root) {
        this.root = root;
        String id = root.path("$id").asText("https://bpm.local/schema/bpm.schema.json");
        this.validator = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(SchemaLocation.of(id), root);
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

    private static JsonNode load() {
        try (InputStream in = BpmSchema.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("bpm.schema.json is missing from the build (" + RESOURCE + ")");
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the bundled bpm.schema.json", e);
        }
    }

    public JsonNode root() {
        return root;
    }

    public List<Error> validate(JsonNode document) {
        return validator.validate(document);
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
