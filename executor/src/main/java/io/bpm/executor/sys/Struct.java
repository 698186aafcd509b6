package io.bpm.executor.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Fields of the kernel's structs in native memory (pollfd, siginfo_t, clone_args, struct stat,
 * the launch tape's header) and C strings, read and written with bulk copies through Java
 * arrays, never with a layout's {@code get} or {@code set} (nor {@code Arena.allocateFrom},
 * which writes its NUL with one): the first of those makes the layouts' VarHandles, which cost
 * every start and every stop about 13 ms of interpreted method-handle spinning in its first
 * {@code Sys.open} (async-profiler, 68 samples of 0.2 ms), work the JVM floor never does.
 * {@code MemorySegment.copy} goes to memory directly. Native byte order, as the kernel's.
 */
public final class Struct {
    private Struct() {
    }

    public static int getInt(MemorySegment s, long offset) {
        int[] v = new int[1];
        MemorySegment.copy(s, JAVA_INT, offset, v, 0, 1);
        return v[0];
    }

    public static long getLong(MemorySegment s, long offset) {
        long[] v = new long[1];
        MemorySegment.copy(s, JAVA_LONG, offset, v, 0, 1);
        return v[0];
    }

    public static void putInt(MemorySegment s, long offset, int value) {
        MemorySegment.copy(new int[] {value}, 0, s, JAVA_INT, offset, 1);
    }

    public static void putShort(MemorySegment s, long offset, short value) {
        MemorySegment.copy(new short[] {value}, 0, s, JAVA_SHORT, offset, 1);
    }

    public static void putLong(MemorySegment s, long offset, long value) {
        MemorySegment.copy(new long[] {value}, 0, s, JAVA_LONG, offset, 1);
    }

    /**
     * {@code s} as a NUL-terminated UTF-8 string in {@code arena}.
     *
     * @throws IllegalArgumentException when {@code s} holds a NUL: C would see only what comes before it
     */
    public static MemorySegment cString(Arena arena, String s) {
        if (s.indexOf('\0') >= 0) throw new IllegalArgumentException("a NUL inside a C string: " + s.replace("\0", "\\0"));
        return cString(arena, s.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code bytes} (which hold no NUL) and a NUL, in {@code arena}. */
    public static MemorySegment cString(Arena arena, byte[] bytes) {
        MemorySegment m = arena.allocate(bytes.length + 1L);
        MemorySegment.copy(bytes, 0, m, JAVA_BYTE, 0, bytes.length);
        MemorySegment.copy(new byte[1], 0, m, JAVA_BYTE, bytes.length, 1);
        return m;
    }
}
