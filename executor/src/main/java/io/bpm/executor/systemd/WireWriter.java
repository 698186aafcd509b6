package io.bpm.executor.systemd;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Marshals values into D-Bus's little-endian wire format, each aligned to its type's boundary
 * relative to the start of the buffer (a message's body starts 8-aligned, so body offsets align
 * like message offsets).
 *
 * <p>The Java forms, by type code: {@code y} a Number (its low byte), {@code b} Boolean,
 * {@code n q i u} Number (low 16 or 32 bits; an unsigned {@code u} may come as a Long up to
 * 2^32-1), {@code x t} Number (64 bits; {@code t} takes the unsigned value's bits),
 * {@code d} Number, {@code s o g} String, {@code v} {@link Variant}, a struct a List or Object[],
 * an array a Collection (or {@code byte[]} for {@code ay}, {@code int[]} for {@code au}/{@code ai},
 * {@code long[]} for {@code at}/{@code ax}), and an array of dict entries a Map.
 * A value that does not fit its type is a caller's bug: IllegalArgumentException.
 */
final class WireWriter {
    /** The specification's bound on an array's length in bytes. */
    static final int MAX_ARRAY_BYTES = 1 << 26;

    private byte[] buf = new byte[256];
    private int size;

    int size() {
        return size;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    /** Writes each value by the matching complete type of {@code signature}. */
    void writeAll(String signature, List<?> values) {
        List<String> types = parse(signature);
        if (types.size() != values.size()) {
            throw new IllegalArgumentException("signature \"" + signature + "\" has " + types.size()
                    + " types but " + values.size() + " values were given");
        }
        for (int i = 0; i < types.size(); i++) write(types.get(i), values.get(i), 0);
    }

    /** Writes one value of the single complete type {@code type}. */
    void write(String type, Object value) {
        try {
            Signatures.single(type);
        } catch (WireException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        write(type, value, 0);
    }

    private void write(String type, Object v, int depth) {
        if (v == null) throw new IllegalArgumentException("no value for D-Bus type " + type);
        if (depth > 64) throw new IllegalArgumentException("values nest deeper than D-Bus's 64 containers");
        char c = type.charAt(0);
        switch (c) {
            case 'y' -> putByte(number(type, v).byteValue());
            case 'b' -> putInt(bool(v) ? 1 : 0);
            case 'n', 'q' -> putShort(number(type, v).shortValue());
            case 'i' -> putInt(number(type, v).intValue());
            case 'u' -> putInt(uint32(v));
            case 'x', 't' -> putLong(number(type, v).longValue());
            case 'd' -> putLong(Double.doubleToRawLongBits(number(type, v).doubleValue()));
            case 's' -> putString(string(type, v));
            case 'o' -> {
                String p = string(type, v);
                if (!ObjectPaths.valid(p)) throw new IllegalArgumentException("not a D-Bus object path: \"" + p + "\"");
                putString(p);
            }
            case 'g' -> putSignature(string(type, v));
            case 'v' -> {
                if (!(v instanceof Variant var)) {
                    throw new IllegalArgumentException("D-Bus type v wants a Variant, got " + v.getClass().getSimpleName());
                }
                putSignature(var.signature());
                write(single(var.signature()), var.value(), depth + 1);
            }
            case '(' -> {
                List<?> members = v instanceof Object[] a ? Arrays.asList(a) : v instanceof List<?> l ? l : null;
                if (members == null) {
                    throw new IllegalArgumentException("D-Bus struct " + type + " wants a List, got " + v.getClass().getSimpleName());
                }
                List<String> types = parse(type.substring(1, type.length() - 1));
                if (types.size() != members.size()) {
                    throw new IllegalArgumentException("struct " + type + " has " + types.size() + " members, the value "
                            + members.size());
                }
                pad(8);
                for (int i = 0; i < types.size(); i++) write(types.get(i), members.get(i), depth + 1);
            }
            case 'a' -> writeArray(type, v, depth);
            default -> throw new IllegalArgumentException("cannot marshal D-Bus type " + type);
        }
    }

    private void writeArray(String type, Object v, int depth) {
        String element = type.substring(1);
        pad(4);
        int lengthAt = size;
        putInt(0);
        pad(Signatures.alignment(element.charAt(0)));
        int start = size;
        if (element.charAt(0) == '{') {
            if (!(v instanceof Map<?, ?> map)) {
                throw new IllegalArgumentException("D-Bus dict " + type + " wants a Map, got " + v.getClass().getSimpleName());
            }
            List<String> kv = parse(element.substring(1, element.length() - 1));
            for (Map.Entry<?, ?> e : map.entrySet()) {
                pad(8);
                write(kv.get(0), e.getKey(), depth + 1);
                write(kv.get(1), e.getValue(), depth + 1);
            }
        } else if (v instanceof byte[] bytes && element.equals("y")) {
            for (byte b : bytes) putByte(b);
        } else if (v instanceof int[] ints && (element.equals("u") || element.equals("i"))) {
            for (int x : ints) putInt(x);
        } else if (v instanceof long[] longs && (element.equals("t") || element.equals("x"))) {
            for (long x : longs) putLong(x);
        } else if (v instanceof Collection<?> items) {
            for (Object item : items) write(element, item, depth + 1);
        } else {
            throw new IllegalArgumentException("D-Bus array " + type + " wants a Collection, got " + v.getClass().getSimpleName());
        }
        int length = size - start;
        if (length > MAX_ARRAY_BYTES) throw new IllegalArgumentException("array " + type + " is over D-Bus's 64 MiB");
        setInt(lengthAt, length);
    }

    void pad(int alignment) {
        while (size % alignment != 0) putByte(0);
    }

    void putByte(int b) {
        ensure(1);
        buf[size++] = (byte) b;
    }

    private void putShort(short v) {
        pad(2);
        putByte(v);
        putByte(v >> 8);
    }

    void putInt(int v) {
        pad(4);
        ensure(4);
        setInt(size, v);
        size += 4;
    }

    private void putLong(long v) {
        pad(8);
        putInt((int) v);
        putInt((int) (v >>> 32));
    }

    private void setInt(int at, int v) {
        buf[at] = (byte) v;
        buf[at + 1] = (byte) (v >> 8);
        buf[at + 2] = (byte) (v >> 16);
        buf[at + 3] = (byte) (v >> 24);
    }

    void putString(String s) {
        byte[] b = utf8(s);
        putInt(b.length);
        putBytes(b);
        putByte(0);
    }

    void putSignature(String sig) {
        parse(sig);
        byte[] b = sig.getBytes(StandardCharsets.US_ASCII);
        putByte(b.length);
        putBytes(b);
        putByte(0);
    }

    private void putBytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, size, b.length);
        size += b.length;
    }

    private void ensure(int more) {
        if (size + more > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
    }

    private static byte[] utf8(String s) {
        if (s.indexOf('\0') >= 0) throw new IllegalArgumentException("a D-Bus string cannot hold a NUL: " + s);
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> parse(String signature) {
        try {
            return Signatures.split(signature);
        } catch (WireException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private static String single(String type) {
        try {
            return Signatures.single(type);
        } catch (WireException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private static Number number(String type, Object v) {
        if (v instanceof Number n) return n;
        throw new IllegalArgumentException("D-Bus type " + type + " wants a number, got " + v.getClass().getSimpleName());
    }

    private static int uint32(Object v) {
        long x = number("u", v).longValue();
        if (v instanceof Long && (x < 0 || x > 0xFFFF_FFFFL)) {
            throw new IllegalArgumentException("D-Bus type u cannot hold " + x);
        }
        return (int) x;
    }

    private static boolean bool(Object v) {
        if (v instanceof Boolean b) return b;
        throw new IllegalArgumentException("D-Bus type b wants a Boolean, got " + v.getClass().getSimpleName());
    }

    private static String string(String type, Object v) {
        if (v instanceof String s) return s;
        throw new IllegalArgumentException("D-Bus type " + type + " wants a String, got " + v.getClass().getSimpleName());
    }
}
