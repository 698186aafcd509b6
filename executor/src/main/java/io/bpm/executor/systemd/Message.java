package io.bpm.executor.systemd;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One D-Bus message: the header fields bpm uses and the body's values. {@link #encode} writes the
 * little-endian wire form; {@link #decode} reads either byte order and checks the header as the
 * specification requires (version 1, a non-zero serial, the fields each type must have).
 *
 * @param serial      the sender's serial, 0 until {@link BusConnection} assigns one
 * @param replySerial the serial this message answers (returns and errors), else 0
 * @param signature   the body's signature, "" for an empty body
 */
record Message(Type type, int flags, long serial, String path, String iface, String member, String errorName,
               long replySerial, String destination, String sender, String signature, List<Object> body) {

    enum Type {
        UNKNOWN, METHOD_CALL, METHOD_RETURN, ERROR, SIGNAL;

        static Type of(int code) {
            return code >= 1 && code <= 4 ? values()[code] : UNKNOWN;
        }
    }

    static final int NO_REPLY_EXPECTED = 0x1;

    /** The fixed part of the header: endianness, type, flags, version, body length, serial, fields' length. */
    static final int FIXED_HEADER = 16;
    /**
     * The largest message bpm accepts. The specification allows 128 MiB; systemd's replies and
     * signals are a few KiB, so a far smaller bound keeps a broken peer from costing memory.
     */
    static final int MAX_MESSAGE = 32 << 20;

    // header field codes
    private static final int PATH = 1, INTERFACE = 2, MEMBER = 3, ERROR_NAME = 4, REPLY_SERIAL = 5,
            DESTINATION = 6, SENDER = 7, SIGNATURE = 8, UNIX_FDS = 9;

    Message {
        body = List.copyOf(body);
        signature = signature == null ? "" : signature;
    }

    static Message methodCall(String destination, String path, String iface, String member,
                              String signature, Object... body) {
        return new Message(Type.METHOD_CALL, 0, 0, path, iface, member, null, 0, destination, null,
                signature, List.of(body));
    }

    static Message signal(String path, String iface, String member, String signature, Object... body) {
        return new Message(Type.SIGNAL, 0, 0, path, iface, member, null, 0, null, null, signature, List.of(body));
    }

    static Message methodReturn(Message call, String signature, List<Object> body) {
        return new Message(Type.METHOD_RETURN, NO_REPLY_EXPECTED, 0, null, null, null, null, call.serial(),
                call.sender(), null, signature, body);
    }

    static Message error(Message call, String name, String text) {
        return new Message(Type.ERROR, NO_REPLY_EXPECTED, 0, null, null, null, name, call.serial(), call.sender(),
                null, "s", List.of(text));
    }

    Message withSerial(long s) {
        return new Message(type, flags, s, path, iface, member, errorName, replySerial, destination, sender,
                signature, body);
    }

    Message withFlags(int f) {
        return new Message(type, f, serial, path, iface, member, errorName, replySerial, destination, sender,
                signature, body);
    }

    /** The body's first value if it is a string (an error's text), else "". */
    String text() {
        return !body.isEmpty() && body.get(0) instanceof String s ? s : "";
    }

    /** The wire form, little-endian. */
    byte[] encode() {
        if (serial == 0) throw new IllegalStateException("a message needs a serial before it is sent");
        WireWriter bodyWriter = new WireWriter();
        bodyWriter.writeAll(signature, body);
        List<List<Object>> fields = new ArrayList<>();
        field(fields, PATH, "o", path);
        field(fields, INTERFACE, "s", iface);
        field(fields, MEMBER, "s", member);
        field(fields, ERROR_NAME, "s", errorName);
        if (replySerial != 0) field(fields, REPLY_SERIAL, "u", replySerial);
        field(fields, DESTINATION, "s", destination);
        field(fields, SENDER, "s", sender);
        if (!signature.isEmpty()) field(fields, SIGNATURE, "g", signature);

        WireWriter w = new WireWriter();
        w.putByte('l');
        w.putByte(type.ordinal());
        w.putByte(flags);
        w.putByte(1);
        w.putInt(bodyWriter.size());
        w.putInt((int) serial);
        w.write("a(yv)", fields);
        w.pad(8);
        byte[] head = w.toByteArray();
        byte[] bodyBytes = bodyWriter.toByteArray();
        byte[] out = new byte[head.length + bodyBytes.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(bodyBytes, 0, out, head.length, bodyBytes.length);
        return out;
    }

    private static void field(List<List<Object>> fields, int code, String sig, Object value) {
        if (value != null) fields.add(List.of((byte) code, new Variant(sig, value)));
    }

    /**
     * The whole message's length from its first {@link #FIXED_HEADER} bytes, checked against the
     * bounds before anything is allocated for it.
     */
    static int totalLength(byte[] buf, int off) throws WireException {
        boolean big = bigEndian(buf[off]);
        WireReader r = new WireReader(buf, off, off + FIXED_HEADER, big);
        r.seek(4);
        long bodyLength = r.int32() & 0xFFFF_FFFFL;
        r.seek(12);
        long fieldsLength = r.int32() & 0xFFFF_FFFFL;
        long headerLength = (FIXED_HEADER + fieldsLength + 7) & ~7L;
        long total = headerLength + bodyLength;
        if (fieldsLength > WireWriter.MAX_ARRAY_BYTES || total > MAX_MESSAGE) {
            throw new WireException("a message of " + total + " bytes (header fields " + fieldsLength + ", body "
                    + bodyLength + ") is over bpm's bound of " + MAX_MESSAGE + " bytes");
        }
        return (int) total;
    }

    private static boolean bigEndian(byte b) throws WireException {
        if (b == 'l') return false;
        if (b == 'B') return true;
        throw new WireException("a message starts with byte " + (b & 0xFF) + ", not 'l' or 'B'");
    }

    /** Reads the message in {@code buf[off, off + length)}, which {@link #totalLength} sized. */
    static Message decode(byte[] buf, int off, int length) throws WireException {
        if (length < FIXED_HEADER) throw new WireException("a message of " + length + " bytes is shorter than its header");
        if (totalLength(buf, off) != length) throw new WireException("the message's length does not match its header");
        WireReader r = new WireReader(buf, off, off + length, bigEndian(buf[off]));
        r.seek(1);
        Type type = Type.of(r.u8());
        int flags = r.u8();
        int version = r.u8();
        if (version != 1) throw new WireException("a message has protocol version " + version + ", not 1");
        long bodyLength = r.int32() & 0xFFFF_FFFFL;
        long serial = r.int32() & 0xFFFF_FFFFL;
        if (serial == 0) throw new WireException("a message has serial 0");
        @SuppressWarnings("unchecked")
        List<Object> fields = (List<Object>) r.read("a(yv)", 0);
        r.align(8);
        int bodyStart = r.offset();
        if (bodyStart + bodyLength != length) throw new WireException("the header fields run into the body");

        Map<Integer, Object> f = new java.util.HashMap<>();
        for (Object o : fields) {
            List<?> pair = (List<?>) o;
            int code = (Byte) pair.get(0) & 0xFF;
            Variant v = (Variant) pair.get(1);
            String want = switch (code) {
                case PATH -> "o";
                case INTERFACE, MEMBER, ERROR_NAME, DESTINATION, SENDER -> "s";
                case REPLY_SERIAL, UNIX_FDS -> "u";
                case SIGNATURE -> "g";
                default -> null;                                // unknown fields are ignored, as the spec says
            };
            if (want == null) continue;
            if (!want.equals(v.signature())) {
                throw new WireException("header field " + code + " has type " + v.signature() + ", not " + want);
            }
            f.put(code, v.value());
        }
        if (f.containsKey(UNIX_FDS) && (Long) f.get(UNIX_FDS) != 0) {
            throw new WireException("a message carries unix fds, which bpm never negotiated");
        }
        String signature = (String) f.getOrDefault(SIGNATURE, "");
        long replySerial = (Long) f.getOrDefault(REPLY_SERIAL, 0L);
        String path = (String) f.get(PATH), iface = (String) f.get(INTERFACE), member = (String) f.get(MEMBER);
        String errorName = (String) f.get(ERROR_NAME);
        String missing = switch (type) {
            case METHOD_CALL -> path == null ? "PATH" : member == null ? "MEMBER" : null;
            case SIGNAL -> path == null ? "PATH" : iface == null ? "INTERFACE" : member == null ? "MEMBER" : null;
            case ERROR -> errorName == null ? "ERROR_NAME" : replySerial == 0 ? "REPLY_SERIAL" : null;
            case METHOD_RETURN -> replySerial == 0 ? "REPLY_SERIAL" : null;
            case UNKNOWN -> null;
        };
        if (missing != null) throw new WireException("a " + type + " message has no " + missing + " header field");
        List<Object> body = r.readAll(signature);
        if (r.offset() != length) {
            throw new WireException("the body has " + (length - r.offset()) + " bytes after the values its signature \""
                    + signature + "\" describes");
        }
        return new Message(type, flags, serial, path, iface, member, errorName, replySerial,
                (String) f.get(DESTINATION), (String) f.get(SENDER), signature, body);
    }
}
