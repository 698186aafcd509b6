package io.bpm.executor.sys;

import org.junit.jupiter.api.Test;

import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tape's native layout, exactly as the stub reads it (stub-facts.md); no privileges needed. */
class TapeTest {
    @Test
    void headerEntriesAndCloneArgs() {
        try (Tape t = new Tape()) {
            t.at("bpm.yml:3 x").mount(null, "/", null, Linux.MS_REC | Linux.MS_PRIVATE, null)
                    .syscall(Nr.GETPID).allowErrors()
                    .execve("/bin/true", List.of("true"), List.of());
            var image = t.seal();
            assertEquals(64 + 3 * 64, image.byteSize());
            assertEquals(t.cloneArgs().address(), image.get(JAVA_LONG, 0));
            assertEquals(88, image.get(JAVA_LONG, 8));
            assertEquals(3, image.get(JAVA_LONG, 24));
            // entry 0: mount(NULL, "/", NULL, MS_REC|MS_PRIVATE, NULL), flags 0
            assertEquals(Nr.MOUNT, image.get(JAVA_LONG, 64));
            assertEquals(0, image.get(JAVA_LONG, 64 + 8));
            assertTrue(image.get(JAVA_LONG, 64 + 16) != 0);
            assertEquals(Linux.MS_REC | Linux.MS_PRIVATE, image.get(JAVA_LONG, 64 + 32));
            assertEquals(0, image.get(JAVA_LONG, 64 + 56));
            // entry 1: errors allowed
            assertEquals(Nr.GETPID, image.get(JAVA_LONG, 128));
            assertEquals(1, image.get(JAVA_LONG, 128 + 56));
            assertEquals(Nr.EXECVE, image.get(JAVA_LONG, 192));
            // clone_args: flags, exit_signal
            assertEquals(0x12C025100L, t.cloneArgs().get(JAVA_LONG, 0));
            assertEquals(Linux.SIGCHLD, t.cloneArgs().get(JAVA_LONG, 32));
            assertThrows(IllegalStateException.class, () -> t.syscall(Nr.GETPID));

            List<String> d = t.describe();
            assertEquals("clone3({flags=CLONE_VM|CLONE_VFORK|CLONE_NEWNS|CLONE_NEWPID|CLONE_NEWUTS|CLONE_NEWIPC"
                    + "|CLONE_CLEAR_SIGHAND|CLONE_PIDFD, exit_signal=SIGCHLD})", d.get(0));
            assertEquals(String.format("%-72s # bpm.yml:3 x", "  0 mount(NULL, \"/\", NULL, MS_REC|MS_PRIVATE, NULL)"), d.get(1));
            assertTrue(d.get(2).contains("getpid() = ? (errors allowed)"), d.get(2));
            assertTrue(d.get(3).contains("execve(\"/bin/true\", [\"true\"], [])"), d.get(3));
        }
    }

    @Test
    void hostPidNamespaceDropsNewpid() {
        try (Tape t = new Tape()) {
            t.namespaces(Linux.CLONE_NEWNS | Linux.CLONE_NEWUTS | Linux.CLONE_NEWIPC);
            assertEquals(0x10C025100L, t.cloneFlags());
            assertThrows(IllegalArgumentException.class, () -> t.namespaces(Linux.CLONE_NEWUSER));
        }
    }

    @Test
    void bpfInstructionsAreSockFilters() {
        // struct sock_filter {u16 code; u8 jt; u8 jf; u32 k} little-endian
        assertEquals(0x0000_0053_01_00_0015L, Tape.bpfJump(Linux.BPF_JMP | Linux.BPF_JEQ | Linux.BPF_K, 83, 0, 1));
        assertEquals(0x7fff0000_0000_0006L, Tape.bpfStmt(Linux.BPF_RET | Linux.BPF_K, Linux.SECCOMP_RET_ALLOW));
    }

    @Test
    void quotingKeepsOneLine() {
        assertEquals("\"a\\nb\\\"c\\x01\"", Tape.quote("a\nb\"c\u0001"));
        assertEquals("NULL", Tape.quote(null));
    }
}
