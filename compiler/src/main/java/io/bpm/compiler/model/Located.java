package io.bpm.compiler.model;

/** A value with the JSON pointer it was read from. */
public record Located<T>(String pointer, T value) {
}
