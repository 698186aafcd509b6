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

    /** A /proc value, read as a stream: Files.readString gives "1" of ip_unprivileged_port_start's "1024" (JDK 25, this kernel). */
    private static String procValue(String path) throws java.io.IOException {
        try (java.io.InputStream in = Files.newInputStream(Path.of(path))) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).strip();
        }
    }

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

    /**
     * bpm-behaviour.md §9.2: a job started by bpm start with NET_BIND_SERVICE, running as vcap,
     * listens on port 80, and the host connects to it.
     */
    @Test
    void netBindServiceLetsAVcapJobServePort80ToTheHost() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                Integer.parseInt(procValue("/proc/sys/net/ipv4/ip_unprivileged_port_start")) > 80,
                "net.ipv4.ip_unprivileged_port_start is 80 or below here: anyone may bind port 80");
        h.script("exec /usr/bin/python3 -c 'import os, socket\n"
                + "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((\"127.0.0.1\", 80)); s.listen(1)\n"
                + "print(\"listening as uid\", os.getuid(), flush=True)\n"
                + "c, _ = s.accept(); c.sendall(b\"hello from port 80\\n\"); c.close()\n"
                + "import time; time.sleep(100)'");
        h.oneProcess("  capabilities:\n  - NET_BIND_SERVICE\n");
        JobHost.Result start = h.bpm("start", h.job);
        assertEquals(0, start.code(), start.err());
        h.awaitOutput("listening as uid");
        assertFalse(Files.readString(h.stdoutLog()).contains("listening as uid 0"), "not root: " + Files.readString(h.stdoutLog()));
        try (java.net.Socket c = new java.net.Socket("127.0.0.1", 80)) {
            assertEquals("hello from port 80", new String(c.getInputStream().readAllBytes()).strip());
        }
        assertEquals(0, h.bpm("stop", h.job).code());
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
