package io.bpm.executor.systemd;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The marshaller against byte vectors worked out by hand from the D-Bus specification. */
class WireFormatTest {

    /** Ints are bytes, Strings their ASCII bytes, "pad:N" N zero bytes. */
    static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object p : parts) {
            if (p instanceof Integer i) out.write(i);
            else if (p instanceof Character c) out.write(c);
            else if (p instanceof String s && s.startsWith("pad:")) out.writeBytes(new byte[Integer.parseInt(s.substring(4))]);
            else out.writeBytes(((String) p).getBytes(StandardCharsets.US_ASCII));
        }
        return out.toByteArray();
    }

    /**
     * Hello: fixed header (16 bytes), then a(yv) at 16: PATH o at 16, INTERFACE s at 48,
     * MEMBER s at 80, DESTINATION s at 96; each struct starts 8-aligned, each string's length
     * 4-aligned after the one-byte signature "\1o\0"; the array ends at 125 (length 109) and
     * the header is padded to 128.
     */
    static final byte[] HELLO = bytes('l', 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 109, 0, 0, 0,
            1, 1, 'o', 0, 21, 0, 0, 0, "/org/freedesktop/DBus", 0, "pad:2",
            2, 1, 's', 0, 20, 0, 0, 0, "org.freedesktop.DBus", 0, "pad:3",
            3, 1, 's', 0, 5, 0, 0, 0, "Hello", 0, "pad:2",
            6, 1, 's', 0, 20, 0, 0, 0, "org.freedesktop.DBus", 0, "pad:3");

    @Test
    void helloIsTheSpecificationsBytes() throws IOException {
        assertEquals(128, HELLO.length);
        Message hello = Message.methodCall("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                "Hello", "").withSerial(1);
        assertArrayEquals(HELLO, hello.encode());
        assertEquals(128, Message.totalLength(HELLO, 0));
        assertEquals(hello, Message.decode(HELLO, 0, HELLO.length));
    }

    @Test
    void aBigEndianSignalDecodes() throws IOException {
        byte[] m = bytes('B', 4, 1, 1, 0, 0, 0, 10, 0, 0, 0, 7, 0, 0, 0, 56,
                1, 1, 'o', 0, 0, 0, 0, 2, "/o", 0, "pad:5",
                2, 1, 's', 0, 0, 0, 0, 3, "i.f", 0, "pad:4",
                3, 1, 's', 0, 0, 0, 0, 1, "M", 0, "pad:6",
                8, 1, 'g', 0, 2, "us", 0,
                1, 2, 3, 4, 0, 0, 0, 1, "x", 0);
        assertEquals(82, m.length);
        Message s = Message.decode(m, 0, Message.totalLength(m, 0));
        assertEquals(Message.Type.SIGNAL, s.type());
        assertEquals(7, s.serial());
        assertEquals(1, s.flags());
        assertEquals(List.of("/o", "i.f", "M", "us"), List.of(s.path(), s.iface(), s.member(), s.signature()));
        assertEquals(List.of(0x01020304L, "x"), s.body());
    }

    @Test
    void valuesAlignToTheirSize() {
        // y, then an array: its length at 4, its struct elements 8-aligned from 8, t at 16
        assertArrayEquals(bytes(7, "pad:3", 16, 0, 0, 0, 1, "pad:7", 2, "pad:7"),
                write("ya(yt)", (byte) 7, List.of(List.of((byte) 1, 2L))));
        // an empty array still pads to its element's alignment, and its length excludes that padding
        assertArrayEquals(bytes(0, 0, 0, 0, "pad:4", 9), write("a(t)y", List.of(), (byte) 9));
        assertArrayEquals(bytes(9, "pad:3", 0, 0, 0, 0), write("yas", (byte) 9, List.of()));
        // a variant: its signature is 1-aligned, its value aligned to the value's type
        assertArrayEquals(bytes(1, 1, 't', 0, "pad:4", 5, "pad:7"), write("yv", (byte) 1, new Variant("t", 5L)));
        // b is 4 bytes; s is a 4-aligned length, UTF-8 bytes and a NUL; n is 2-aligned (one pad byte)
        assertArrayEquals(bytes(1, 0, 0, 0, 2, 0, 0, 0, 0xc3, 0xa9, 0, "pad:1", 0xfe, 0xff),
                write("bsn", true, "é", (short) -2));
        // a{sv}: dict entries are 8-aligned like structs
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("A", new Variant("y", (byte) 3));
        d.put("B", new Variant("b", false));
        assertArrayEquals(bytes(32, 0, 0, 0, "pad:4", 1, 0, 0, 0, 'A', 0, 1, 'y', 0, 3, "pad:6",
                1, 0, 0, 0, 'B', 0, 1, 'b', 0, "pad:3", 0, 0, 0, 0), write("a{sv}", d));
    }

    @Test
    void primitiveArraysMarshalLikeLists() {
        assertArrayEquals(write("au", List.of(1L, 4294967295L)), write("au", (Object) new int[] {1, -1}));
        assertArrayEquals(write("at", List.of(1L, -1L)), write("at", (Object) new long[] {1, -1}));
        assertArrayEquals(write("ay", List.of((byte) 1, (byte) 2)), write("ay", (Object) new byte[] {1, 2}));
    }

    @Test
    void valuesThatDoNotFitTheirTypeAreRefusedWhenWritten() {
        assertRefused("D-Bus type u cannot hold 4294967296", "u", 4294967296L);
        assertRefused("not a D-Bus object path: \"/a/\"", "o", "/a/");
        assertRefused("a D-Bus string cannot hold a NUL", "s", "a\0b");
        assertRefused("D-Bus type t wants a number, got String", "t", "512M");
        assertRefused("struct (ss) has 2 members, the value 1", "(ss)", List.of("a"));
        assertRefused("'z' is not a type code", "z", 1);
        assertRefused("unix fds (h) are not supported", "h", 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Systemd.Property.uint64("MemoryMax", 1L).equals(new Systemd.Property("MemoryMax", "t", "1G")));
        assertTrue(e.getMessage().contains("wants a number"), e.getMessage());
    }

    private static void assertRefused(String why, String type, Object value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new WireWriter().write(type, value));
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }

    @Test
    void signaturesHaveTheSpecificationsLimits() throws IOException {
        assertEquals(List.of("s", "a(sv)", "a{sa(yv)}", "v"), Signatures.split("sa(sv)a{sa(yv)}v"));
        assertEquals(List.of("a".repeat(32) + "y"), Signatures.split("a".repeat(32) + "y"));
        assertBadSignature("arrays nest deeper than 32", "a".repeat(33) + "y");
        assertBadSignature("structs nest deeper than 32", "(".repeat(33) + "y" + ")".repeat(33));
        assertBadSignature("more than D-Bus's 255", "y".repeat(256));
        assertBadSignature("a struct must have a member", "()");
        assertBadSignature("the struct is not closed", "(yy");
        assertBadSignature("a dict entry's key must be a basic type", "a{vs}");
        assertBadSignature("a dict entry has exactly a key and a value", "a{sss}");
        assertBadSignature("a dict entry must be an array's element", "{ss}");
        assertBadSignature("it ends inside a container", "a");
    }

    private static void assertBadSignature(String why, String sig) {
        WireException e = assertThrows(WireException.class, () -> Signatures.split(sig));
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }

    @Test
    void malformedMessagesAreWireExceptionsThatSayWhat() {
        assertMalformed("not 'l' or 'B'", patch(HELLO, 0, 'x'));
        assertMalformed("protocol version 2", patch(HELLO, 3, 2));
        assertMalformed("serial 0", patch(HELLO, 8, 0));
        assertMalformed("over bpm's bound", patch(HELLO, 7, 0x7f));
        assertMalformed("over bpm's bound", patch(HELLO, 15, 0x10));
        assertMalformed("padding byte is 1", patch(HELLO, 46, 1));
        assertMalformed("does not end with a NUL", patch(HELLO, 45, 'x'));
        assertMalformed("claims 200 bytes", patch(HELLO, 20, 200));
        assertMalformed("not an object path", patch(HELLO, 25, '-'));
        assertMalformed("header field 1 has type s, not o", patch(HELLO, 18, 's'));
        assertMalformed("has no MEMBER header field", encoded(new Message(Message.Type.METHOD_CALL, 0, 1, "/", null,
                null, null, 0, null, null, "", List.of())));
        assertMalformed("has no REPLY_SERIAL", encoded(new Message(Message.Type.ERROR, 0, 1, null, null, null, "a.b",
                0, null, null, "", List.of())));

        byte[] bool = encoded(Message.signal("/", "a.b", "C", "u", 2L).withSerial(1));
        assertMalformed("a boolean at offset", patch(bool, indexOf(bool, bytes(8, 1, 'g', 0, 1, 'u', 0)) + 5, 'b'));
        byte[] utf8 = encoded(Message.signal("/", "a.b", "C", "s", "ab").withSerial(1));
        assertMalformed("not valid UTF-8", patch(utf8, utf8.length - 2, 0xff));
        byte[] variant = encoded(Message.signal("/", "a.b", "C", "v", new Variant("y", (byte) 1)).withSerial(1));
        int sigAt = variant.length - 4;                        // 01 'y' 00 then the byte
        assertMalformed("'z' is not a type code", patch(variant, sigAt + 1, 'z'));
        byte[] array = encoded(Message.signal("/", "a.b", "C", "ay", (Object) new byte[] {1, 2}).withSerial(1));
        assertMalformed("claims 1000 bytes", patch(patch(array, array.length - 6, 0xe8), array.length - 5, 3));
        assertMalformed("more than D-Bus's 64 MiB", patch(array, array.length - 3, 0x10));
        byte[] trailing = encoded(Message.signal("/", "a.b", "C", "y", (byte) 1).withSerial(1));
        trailing[4] = 2;                                       // body length 2, signature still "y"
        byte[] longer = Arrays.copyOf(trailing, trailing.length + 1);
        assertMalformed("1 bytes after the values", longer);
        WireException e = assertThrows(WireException.class, () -> Message.decode(HELLO, 0, 100));
        assertTrue(e.getMessage().contains("does not match its header"), e.getMessage());
    }

    /** Random corruption of a rich message never escapes as anything but a WireException. */
    @Test
    void corruptedMessagesFailOnlyWithWireException() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("PIDs", new Variant("au", List.of(1L, 2L)));
        d.put("Nested", new Variant("a(sv)", List.of(List.of("k", new Variant("t", 3L)))));
        byte[] good = encoded(Message.methodCall("org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                "org.freedesktop.systemd1.Manager", "StartTransientUnit", "ssa{sv}a(sa(sv))v",
                "x.scope", "fail", d, List.of(), new Variant("(ybnqiuxtdog)", List.of((byte) 1, true, (short) 2, 3, 4,
                        5L, 6L, 7L, 8.0, "/p", "as")))
                .withSerial(9));
        Random random = new Random(13);
        int decoded = 0;
        for (int round = 0; round < 5_000; round++) {
            byte[] m = good.clone();
            int changes = 1 + random.nextInt(4);
            for (int i = 0; i < changes; i++) m[random.nextInt(m.length)] = (byte) random.nextInt(256);
            int length = random.nextInt(10) == 0 ? random.nextInt(m.length + 1) : m.length;
            try {
                if (length >= Message.FIXED_HEADER) Message.totalLength(m, 0);
                Message.decode(m, 0, length);
                decoded++;
            } catch (WireException expected) {
                // the point
            } catch (RuntimeException other) {
                fail("round " + round + ": " + other + " escaped for " + Arrays.toString(m), other);
            }
        }
        assertTrue(decoded > 0 && decoded < 5_000, decoded + " decoded");
    }

    @Test
    void addressesParseAsTheSpecificationSays() throws IOException {
        assertEquals(List.of(new BusAddress("/run/dbus/system_bus_socket", false)),
                BusAddress.parse("unix:path=/run/dbus/system_bus_socket"));
        assertEquals(List.of(new BusAddress("/tmp/a b", false), new BusAddress("x,y", true)),
                BusAddress.parse("tcp:host=h,port=1;unix:path=/tmp/a%20b,guid=00;unix:abstract=x%2cy"));
        assertAddressRefused("needs exactly one of path= or abstract=", "unix:path=/a,abstract=b");
        assertAddressRefused("has a cut-off %-escape", "unix:path=/a%2");
        assertAddressRefused("has a bad %-escape", "unix:path=/a%zz");
        assertAddressRefused("has no transport", "/run/dbus/system_bus_socket");
        assertAddressRefused("names no unix socket", "tcp:host=h");
    }

    private static void assertAddressRefused(String why, String address) {
        IOException e = assertThrows(IOException.class, () -> BusAddress.parse(address));
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }

    @Test
    void aUnitsTypeNamesItsInterface() {
        assertEquals("org.freedesktop.systemd1.Scope", Systemd.typeInterface("bpm-web.scope"));
        assertEquals("org.freedesktop.systemd1.Service", Systemd.typeInterface("monit.service"));
        assertEquals("org.freedesktop.systemd1.Unit", Systemd.typeInterface("weird"));
    }

    private static byte[] write(String sig, Object... values) {
        WireWriter w = new WireWriter();
        w.writeAll(sig, List.of(values));
        return w.toByteArray();
    }

    private static byte[] encoded(Message m) {
        return m.encode();
    }

    private static byte[] patch(byte[] m, int at, int value) {
        byte[] c = m.clone();
        c[at] = (byte) value;
        return c;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        for (int i = 0; i + needle.length <= hay.length; i++) {
            if (Arrays.equals(hay, i, i + needle.length, needle, 0, needle.length)) return i;
        }
        throw new AssertionError("not found");
    }

    private static void assertMalformed(String why, byte[] m) {
        WireException e = assertThrows(WireException.class, () -> Message.decode(m, 0, Message.totalLength(m, 0)));
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }
}
