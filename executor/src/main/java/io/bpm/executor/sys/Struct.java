package io.bpm.executor.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * Fields of the kernel's structs in native memory (pollfd, siginfo_t, clone_args, struct stat,
 * the launch tape's header) and C strings, read and written with bulk copies through Java
 * arrays, never with a layout's {@code get} or {@code set} (nor {@code Arena.allocateFrom},
 * which writes its NUL with one): the first of those makes the layouts' VarHandles, which cost
 * every start and every stop about 13 ms of interpreted method-handle spinning in its first
 * {@code Sys.open} (async-profiler, 68 samples of 0.2 ms), work the JVM floor never does.
 * Native byte order, as the kernel's.
 *
 * <p>The copies are from segment to segment, the array wrapped with {@code MemorySegment.ofArray}:
 * {@code MemorySegment.copy}'s array forms find the array's type with a pattern {@code switch}
 * whose bootstrap spins a class on first use, 1.75 ms of every start's main thread
 * (async-profiler, 40 starts). The JVM floor does not pay it either.
 */
public final class Struct {
    private Struct() {
    }

    public static int getInt(MemorySegment s, long offset) {
        int[] v = new int[1];
        MemorySegment.copy(s, offset, MemorySegment.ofArray(v), 0, 4);
        return v[0];
    }

    public static long getLong(MemorySegment s, long offset) {
        long[] v = new long[1];
        MemorySegment.copy(s, offset, MemorySegment.ofArray(v), 0, 8);
        return v[0];
    }

    public static void putInt(MemorySegment s, long offset, int value) {
        MemorySegment.copy(MemorySegment.ofArray(new int[] {value}), 0, s, offset, 4);
    }

    public static void putShort(MemorySegment s, long offset, short value) {
        MemorySegment.copy(MemorySegment.ofArray(new short[] {value}), 0, s, offset, 2);
    }

    public static void putLong(MemorySegment s, long offset, long value) {
        MemorySegment.copy(MemorySegment.ofArray(new long[] {value}), 0, s, offset, 8);
    }

    /** {@code values} written at {@code offset} of {@code s}. */
    public static void putLongs(MemorySegment s, long offset, long[] values) {
        MemorySegment.copy(MemorySegment.ofArray(values), 0, s, offset, values.length * 8L);
    }

    /** {@code length} bytes of {@code bytes} from {@code from}, written at {@code offset} of {@code s}. */
    public static void putBytes(MemorySegment s, long offset, byte[] bytes, int from, int length) {
        MemorySegment.copy(MemorySegment.ofArray(bytes), from, s, offset, length);
    }

    /** {@code length} bytes of {@code s} from {@code offset}, into {@code into} from {@code at}. */
    public static void getBytes(MemorySegment s, long offset, byte[] into, int at, int length) {
        MemorySegment.copy(s, offset, MemorySegment.ofArray(into), at, length);
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

    /** {@code bytes} (which hold no NUL) and a NUL, in {@code arena} (whose memory starts zeroed). */
    public static MemorySegment cString(Arena arena, byte[] bytes) {
        MemorySegment m = arena.allocate(bytes.length + 1L);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, m, 0, bytes.length);
        m.asSlice(bytes.length, 1).fill((byte) 0);
        return m;
    }
}
