package io.bpm.executor.sys;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The raw syscall layer; no privileges needed. */
class SysTest {
    @Test
    void getpidThroughTheRawHandle() {
        assertEquals(ProcessHandle.current().pid(), Sys.syscall(Nr.GETPID));
    }

    @Test
    void failureNamesCallArgumentsAndErrno() {
        var e = assertThrows(SysException.class, () -> Sys.open("/nonexistent/bpm-sys-test", Linux.O_RDONLY, 0));
        assertEquals(Errno.ENOENT, e.errno());
        assertEquals("openat", e.syscall());
        assertEquals("openat(AT_FDCWD, \"/nonexistent/bpm-sys-test\", 0x0, 00) failed: ENOENT (No such file or directory)",
                e.getMessage());

        var bad = assertThrows(SysException.class, () -> Sys.syscall(Nr.CLOSE, 987654));
        assertEquals("close(987654) failed: EBADF (Bad file descriptor)", bad.getMessage());
        assertEquals(-Errno.EBADF, Sys.raw(Nr.CLOSE, 987654));
    }

    @Test
    void errnoTable() {
        assertEquals("EPERM", Errno.name(1));
        assertEquals("Operation not permitted", Errno.message(1));
        assertEquals("EOPNOTSUPP", Errno.name(95));
        assertEquals("EHWPOISON", Errno.name(133));
        assertEquals("errno 999", Errno.name(999));
        assertEquals("ENOSYS (Function not implemented)", Errno.describe(Errno.ENOSYS));
    }

    @Test
    void pipeReadClose() {
        int[] p = Sys.pipe(Linux.O_CLOEXEC);
        try (Arena a = Arena.ofConfined()) {
            var msg = a.allocateFrom("hi");
            assertEquals(3, Sys.syscall(Nr.WRITE, p[1], msg.address(), 3));
            Sys.close(p[1]);
            var buf = a.allocate(16);
            assertEquals(3, Sys.read(p[0], buf));
            assertEquals("hi", buf.getString(0));
            assertEquals(0, Sys.read(p[0], buf));
        } finally {
            Sys.close(p[0]);
        }
    }

    @Test
    void signalNames() {
        assertEquals(15, Linux.signal("TERM"));
        assertEquals(2, Linux.signal("SIGINT"));
        assertEquals("SIGQUIT", Linux.signalName(3));
        assertTrue(Linux.signalName(34).startsWith("SIGRT"));
    }
}
