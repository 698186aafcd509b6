package io.bpm.compiler.schema;

/**
 * What a key of bpm.yml holds, as bpm's Go structs decode it. Taken from the JSON Schema so the
 * schema stays the one description of the format.
 */
public enum FieldKind {
    /** Any scalar, taken as its literal text ({@code 2424} becomes "2424"). */
    STRING,
    /** A whole number; yaml.v3 forms (0x, 0o, 0777, 1_000, 1e3) accepted. */
    INTEGER,
    /** true/false and the YAML 1.1 words yes/no/on/off/y/n. */
    BOOLEAN,
    MAPPING,
    LIST,
    /** A key the schema does not know. */
    UNKNOWN
}
