package io.bpm.compiler.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The unsafe settings of bpm's integration suite (bpm-behaviour.md §9.2, §4.12, §4.13), as root
 * against the kernel: a privileged job runs as root with every capability bpm holds and no
 * nosuid mount; a job in the host's PID namespace sees the host's processes.
 */
class ConfinementTest extends JobHostTest {

    private static String statusLine(String status, String key) {
        return status.lines().filter(l -> l.startsWith(key + ":")).findFirst().orElseThrow().substring(key.length() + 1).strip();
    }

    @Test
    void aPrivilegedJobRunsAsRootWithBpmsCapabilitiesAndNoNosuidMount() throws Exception {
        h.script("[ \"$(id -u)\" = 0 ] && echo Running as root; grep -c nosuid /proc/mounts; "
                + "echo masked-or-read-only: $(grep -cE ' /proc/(kcore|latency_stats|sched_debug|timer_list|timer_stats|asound|bus|fs|irq|sys|sysrq-trigger) | /sys/firmware | /etc/sv ' /proc/self/mountinfo); "
                + "cat /proc/self/status");
        h.oneProcess("  unsafe:\n    privileged: true\n");
        JobHost.Result run = h.bpm("run", h.job);
        assertEquals(0, run.code(), run.err());
        String[] lines = run.out().split("\n", 4);
        assertEquals("Running as root", lines[0], run.out());
        assertEquals("0", lines[1], "no nosuid mount: " + run.out());
        assertEquals("masked-or-read-only: 0", lines[2], "no masked or read-only path (bpm-behaviour.md §4.12)");
        lines[2] = lines[3];
        String own = Files.readString(Path.of("/proc/self/status"));
        // bpm's 38 privileged capabilities, as far as bpm holds them on this host
        long privileged = 0x3fffffffffL & Long.parseLong(statusLine(own, "CapPrm"), 16);
        assertEquals(privileged, Long.parseLong(statusLine(lines[2], "CapEff"), 16), lines[2]);
        assertEquals("0", statusLine(lines[2], "Seccomp"), "no seccomp filter");
        assertEquals("0", statusLine(lines[2], "NoNewPrivs"), "no no_new_privs: setuid binaries work as on the host");
        if ((Long.parseLong(statusLine(own, "CapPrm"), 16) & (1L << 24)) == 0) {
            assertTrue(run.err().contains("bpm itself does not hold CAP_SYS_RESOURCE here"), run.err());
        }
    }

    @Test
    void theHostPidNamespaceShowsTheHostsProcesses() throws Exception {
        long me = ProcessHandle.current().pid();
        h.script("[ -d /proc/" + me + " ] && echo sees-the-test; grep NSpid /proc/self/status");
        h.oneProcess("  unsafe:\n    host_pid_namespace: true\n");
        JobHost.Result run = h.bpm("run", h.job);
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().startsWith("sees-the-test\n"), run.out());
        String nspid = run.out().lines().filter(l -> l.startsWith("NSpid:")).findFirst().orElseThrow();
        assertEquals(2, nspid.split("\\s+").length, "one PID namespace level, the host's own depth: " + nspid);

        h.oneProcess("");
        JobHost.Result isolated = h.bpm("run", h.job);
        assertEquals(0, isolated.code(), isolated.err());
        assertFalse(isolated.out().contains("sees-the-test"), isolated.out());
    }
}
