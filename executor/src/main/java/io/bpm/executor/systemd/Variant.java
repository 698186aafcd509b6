package io.bpm.executor.systemd;

import java.util.Objects;

/**
 * A D-Bus variant ({@code v}): a value together with its single complete type, e.g.
 * {@code new Variant("t", 512L << 20)}. The Java form of the value is the one {@link WireWriter}
 * takes and {@link WireReader} gives for that signature.
 */
public record Variant(String signature, Object value) {
    public Variant {
        Objects.requireNonNull(signature, "signature");
        Objects.requireNonNull(value, "value");
    }
}
