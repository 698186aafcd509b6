package io.bpm.executor.systemd;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Unmarshals D-Bus values from a message held in memory, in either byte order. Every length is
 * checked against the bytes that remain and the specification's bounds, padding must be zero,
 * strings must be NUL-terminated UTF-8, so a malformed message is a {@link WireException} naming
 * the offset, never another exception.
 *
 * <p>The Java forms, by type code: {@code y} Byte, {@code b} Boolean, {@code n} Short,
 * {@code q} Integer, {@code i} Integer, {@code u} Long (unsigned), {@code x t} Long ({@code t}
 * holds the unsigned value's bits), {@code d} Double, {@code s o g} String, {@code v}
 * {@link Variant}, a struct a List, {@code ay} byte[], another array a List, an array of dict
 * entries a LinkedHashMap.
 */
final class WireReader {
    private static final int MAX_DEPTH = 64;

    private final byte[] buf;
    private final int origin;
    private final int limit;
    private final boolean bigEndian;
    private int pos;

    /** Reads {@code buf[origin, limit)}; alignment is relative to {@code origin}, the message's start. */
    WireReader(byte[] buf, int origin, int limit, boolean bigEndian) {
        this.buf = buf;
        this.origin = origin;
        this.limit = limit;
        this.bigEndian = bigEndian;
        this.pos = origin;
    }

    /** The offset from the message's start of the next byte to read. */
    int offset() {
        return pos - origin;
    }

    void seek(int offset) throws WireException {
        if (offset < 0 || origin + offset > limit) throw new WireException("offset " + offset + " is past the message's end");
        pos = origin + offset;
    }

    /** Reads one value of each complete type of {@code signature}. */
    List<Object> readAll(String signature) throws WireException {
        List<Object> out = new ArrayList<>();
        for (String type : Signatures.split(signature)) out.add(read(type, 0));
        return out;
    }

    Object read(String type, int depth) throws WireException {
        if (depth > MAX_DEPTH) throw fail("values nest deeper than D-Bus's 64 containers");
        char c = type.charAt(0);
        return switch (c) {
            case 'y' -> (byte) u8();
            case 'b' -> {
                int at = offset();
                int v = int32();
                if (v != 0 && v != 1) throw new WireException("a boolean at offset " + at + " is " + v + ", not 0 or 1");
                yield v == 1;
            }
            case 'n' -> (short) uint16();
            case 'q' -> uint16();
            case 'i' -> int32();
            case 'u' -> int32() & 0xFFFF_FFFFL;
            case 'x', 't' -> int64();
            case 'd' -> Double.longBitsToDouble(int64());
            case 's' -> string();
            case 'o' -> {
                int at = offset();
                String p = string();
                if (!ObjectPaths.valid(p)) throw new WireException("not an object path at offset " + at + ": \"" + p + "\"");
                yield p;
            }
            case 'g' -> signature();
            case 'v' -> {
                int at = offset();
                String sig = signature();
                List<String> types = Signatures.split(sig);
                if (types.size() != 1) {
                    throw new WireException("a variant at offset " + at + " has signature \"" + sig
                            + "\", not one complete type");
                }
                yield new Variant(sig, read(sig, depth + 1));
            }
            case '(' -> {
                align(8);
                List<Object> members = new ArrayList<>();
                for (String t : Signatures.split(type.substring(1, type.length() - 1))) members.add(read(t, depth + 1));
                yield members;
            }
            case 'a' -> array(type.substring(1), depth);
            default -> throw fail("cannot read D-Bus type " + type);
        };
    }

    private Object array(String element, int depth) throws WireException {
        int at = offset();
        long length = int32() & 0xFFFF_FFFFL;
        if (length > WireWriter.MAX_ARRAY_BYTES) {
            throw new WireException("an array at offset " + at + " claims " + length + " bytes, more than D-Bus's 64 MiB");
        }
        align(Signatures.alignment(element.charAt(0)));
        if (length > limit - pos) {
            throw new WireException("an array at offset " + at + " claims " + length + " bytes but only "
                    + (limit - pos) + " remain");
        }
        int end = pos + (int) length;
        if (element.equals("y")) {
            byte[] b = new byte[(int) length];
            System.arraycopy(buf, pos, b, 0, b.length);
            pos = end;
            return b;
        }
        if (element.charAt(0) == '{') {
            List<String> kv = Signatures.split(element.substring(1, element.length() - 1));
            Map<Object, Object> map = new LinkedHashMap<>();
            while (pos < end) {
                align(8);
                Object k = read(kv.get(0), depth + 1);
                map.put(k, read(kv.get(1), depth + 1));
                checkInside(end, at);
            }
            return map;
        }
        List<Object> items = new ArrayList<>();
        while (pos < end) {
            items.add(read(element, depth + 1));
            checkInside(end, at);
        }
        return items;
    }

    private void checkInside(int end, int at) throws WireException {
        if (pos > end) throw new WireException("an element of the array at offset " + at + " runs past the array's length");
    }

    /** Skips to the next multiple of {@code n} from the message's start; the padding must be zero. */
    void align(int n) throws WireException {
        int pad = (n - (pos - origin) % n) % n;
        need(pad);
        for (int i = 0; i < pad; i++) {
            if (buf[pos + i] != 0) throw fail("padding byte is " + buf[pos + i] + ", not 0");
        }
        pos += pad;
    }

    int u8() throws WireException {
        need(1);
        return buf[pos++] & 0xFF;
    }

    private int uint16() throws WireException {
        align(2);
        need(2);
        int a = buf[pos] & 0xFF, b = buf[pos + 1] & 0xFF;
        pos += 2;
        return bigEndian ? a << 8 | b : b << 8 | a;
    }

    int int32() throws WireException {
        align(4);
        need(4);
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int b = buf[pos + (bigEndian ? i : 3 - i)] & 0xFF;
            v = v << 8 | b;
        }
        pos += 4;
        return v;
    }

    private long int64() throws WireException {
        align(8);
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            long b = buf[pos + (bigEndian ? i : 7 - i)] & 0xFFL;
            v = v << 8 | b;
        }
        pos += 8;
        return v;
    }

    private String string() throws WireException {
        int at = offset();
        long length = int32() & 0xFFFF_FFFFL;
        if (length >= limit - pos) {
            throw new WireException("a string at offset " + at + " claims " + length + " bytes but only "
                    + Math.max(0, limit - pos - 1) + " remain before its NUL");
        }
        String s = utf8(pos, (int) length, at);
        pos += (int) length;
        if (buf[pos++] != 0) throw new WireException("the string at offset " + at + " does not end with a NUL");
        return s;
    }

    private String signature() throws WireException {
        int at = offset();
        int length = u8();
        if (length + 1 > limit - pos) {
            throw new WireException("a signature at offset " + at + " claims " + length + " bytes but fewer remain");
        }
        String s = utf8(pos, length, at);
        pos += length;
        if (buf[pos++] != 0) throw new WireException("the signature at offset " + at + " does not end with a NUL");
        Signatures.split(s);
        return s;
    }

    private String utf8(int from, int length, int at) throws WireException {
        for (int i = from; i < from + length; i++) {
            if (buf[i] == 0) throw new WireException("the string at offset " + at + " holds a NUL byte");
        }
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(buf, from, length));
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new WireException("the string at offset " + at + " is not valid UTF-8");
        }
    }

    private void need(int n) throws WireException {
        if (n > limit - pos) {
            throw new WireException("the message ends at offset " + (limit - origin) + " but " + n
                    + " more bytes are needed at offset " + offset());
        }
    }

    private WireException fail(String why) {
        return new WireException(why + " (offset " + offset() + ")");
    }
}
