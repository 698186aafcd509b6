package io.bpm.executor.sys;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Struct's fields land where, and as, the layouts' own accessors put them; its C strings are UTF-8 with one NUL. */
class StructTest {

    @Test
    void fieldsAreWhereTheLayoutsPutThem() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(32, 8);
            Struct.putInt(s, 0, 0x12345678);
            Struct.putShort(s, 4, (short) 0xBEEF);
            Struct.putShort(s, 6, (short) -2);
            Struct.putLong(s, 8, 0x0102030405060708L);
            Struct.putLong(s, 16, -1L);
            assertEquals(0x12345678, s.get(JAVA_INT, 0));
            assertEquals((short) 0xBEEF, s.get(JAVA_SHORT, 4));
            assertEquals((short) -2, s.get(JAVA_SHORT, 6));
            assertEquals(0x0102030405060708L, s.get(JAVA_LONG, 8));
            s.set(JAVA_INT, 24, -7);
            assertEquals(-7, Struct.getInt(s, 24));
            assertEquals(-1L, Struct.getLong(s, 16));
            assertEquals(0x0102030405060708L, Struct.getLong(s, 8));
            assertThrows(IndexOutOfBoundsException.class, () -> Struct.putLong(s, 32, 1));
        }
    }

    @Test
    void cStringsAreUtf8WithOneNul() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = Struct.cString(a, "/var/vcap/grüße");
            byte[] utf8 = "/var/vcap/grüße".getBytes(StandardCharsets.UTF_8);
            assertEquals(utf8.length + 1, m.byteSize());
            assertArrayEquals(utf8, m.asSlice(0, utf8.length).toArray(JAVA_BYTE));
            assertEquals(0, m.get(JAVA_BYTE, utf8.length));
            assertEquals("/var/vcap/grüße", m.getString(0));
            assertEquals(1, Struct.cString(a, "").byteSize());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Struct.cString(a, "a\0b"));
            assertEquals("a NUL inside a C string: a\\0b", e.getMessage());
        }
    }

    @Test
    void bytesAndLongsGoWhereTheyAreAsked() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(40, 8);
            Struct.putLongs(s, 8, new long[] {7, -1, 0x0102030405060708L});
            assertEquals(0L, s.get(JAVA_LONG, 0));
            assertEquals(7L, s.get(JAVA_LONG, 8));
            assertEquals(-1L, s.get(JAVA_LONG, 16));
            assertEquals(0x0102030405060708L, s.get(JAVA_LONG, 24));
            Struct.putBytes(s, 33, new byte[] {9, 1, 2, 3, 9}, 1, 3);
            assertArrayEquals(new byte[] {0, 1, 2, 3, 0}, s.asSlice(32, 5).toArray(JAVA_BYTE));
            byte[] into = {5, 5, 5, 5, 5};
            Struct.getBytes(s, 33, into, 1, 3);
            assertArrayEquals(new byte[] {5, 1, 2, 3, 5}, into);
            assertThrows(IndexOutOfBoundsException.class, () -> Struct.putBytes(s, 38, new byte[4], 0, 4));
            assertThrows(IndexOutOfBoundsException.class, () -> Struct.getBytes(s, 0, new byte[2], 0, 3));
        }
    }
}
