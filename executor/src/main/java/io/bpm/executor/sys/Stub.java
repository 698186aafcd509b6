package io.bpm.executor.sys;

import java.lang.foreign.MemorySegment;
import java.util.HexFormat;

/**
 * The launch stub: 171 bytes of x86-64 code that clone3s and replays a {@link Tape} in the child.
 * Source: resources io/bpm/executor/sys/stub-x86_64.S. The bytes are a constant rather than a
 * resource so that start-up reads no file; StubTest re-assembles the source and compares.
 */
final class Stub {
    private Stub() { }

    /** {@code as --64 stub-x86_64.S && objcopy -O binary -j .text}, as hex. */
    static final String HEX = "41544155415641574989fc498b3c24498b742408b8b30100000f054885c07409415f415e"
            + "415d415cc34d8d6c24404531f64d8b7c24184d39fe733b4d89742430498b4500498b7d08498b7510498b55"
            + "184d8b55204d8b45284d8b4d300f05483d01f0ffff720741f6453801740d4983c54049ffc6ebc031c0eb03"
            + "48f7d84d897424204989442428b801000000498b7c2410498d742420ba100000000f05b8e7000000bf7f00"
            + "00000f050f0b";

    static byte[] bytes() {
        return HexFormat.of().parseHex(HEX);
    }

    private static final class Installed {
        static final MemorySegment LAUNCH = install();
    }

    // W^X: map read-write, copy, then flip to read-exec; the page stays for the JVM's lifetime.
    // No cache maintenance is needed on x86-64.
    private static MemorySegment install() {
        if (!Sys.X86_64) {
            throw new UnsupportedOperationException("the launch stub exists for x86-64 only, not " + System.getProperty("os.arch"));
        }
        byte[] code = bytes();
        long page = Sys.mmap(4096, Linux.PROT_READ | Linux.PROT_WRITE, Linux.MAP_PRIVATE | Linux.MAP_ANONYMOUS);
        MemorySegment.copy(MemorySegment.ofArray(code), 0, MemorySegment.ofAddress(page).reinterpret(4096), 0, code.length);
        Sys.mprotect(page, 4096, Linux.PROT_READ | Linux.PROT_EXEC);
        return MemorySegment.ofAddress(page);
    }

    /**
     * Runs the stub on a sealed tape. Returns what clone3 returned in the parent, the child's
     * pid or -errno (raw: the stub does not go through libc's errno). Blocks (killably, in
     * native state: safepoints do not wait) until the child has exec'd or exited.
     */
    static long launch(MemorySegment tape) {
        return Sys.invoke(Installed.LAUNCH, tape.address(), 0, 0, 0, 0, 0, 0);
    }
}
