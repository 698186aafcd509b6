package io.bpm.executor.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Layout detection and naming from mountinfo and /proc/self/cgroup texts; no kernel cgroups touched. */
class CgroupsTest {

    /** This machine's cgroup mounts (hybrid: v1 memory and pids, cgroup2 with only hugetlb). */
    static final String HYBRID_MOUNTINFO = """
            24 1 254:0 / / rw,relatime - ext4 /dev/vda rw
            31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
            32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
            35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
            39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
            40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
            41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
            """;
    static final String HYBRID_SELF = """
            9:name=systemd:/
            8:pids:/
            4:memory:/process_api/0c21
            1:cpu:/
            0::/
            """;

    private static Cgroups detect(Path dir, String mountinfo, String self) throws IOException {
        Path mi = Files.writeString(dir.resolve("mountinfo"), mountinfo);
        Path cg = Files.writeString(dir.resolve("cgroup"), self);
        return Cgroups.detect(mi, cg);
    }

    @Test
    void thisMachinesHybridLayout(@TempDir Path dir) throws IOException {
        Cgroups c = detect(dir, HYBRID_MOUNTINFO, HYBRID_SELF);
        assertEquals(Cgroups.Version.HYBRID, c.version());
        assertFalse(c.unifiedHost(), "tmpfs at /sys/fs/cgroup");
        assertEquals(Path.of("/sys/fs/cgroup/memory"), c.memory().mountPoint());
        assertFalse(c.memory().unified());
        assertEquals(Path.of("/sys/fs/cgroup/memory/process_api/0c21"), c.memory().ownDir());
        assertEquals(Path.of("/sys/fs/cgroup/pids"), c.pids().ownDir());
        assertEquals(Path.of("/sys/fs/cgroup/unified"), c.unifiedMount());
        JobCgroup job = c.job("bpm-web");
        assertEquals(List.of(Path.of("/sys/fs/cgroup/memory/process_api/0c21/bpm-web"), Path.of("/sys/fs/cgroup/pids/bpm-web")),
                job.paths(), "<hierarchy>/<own path in it>/<container id>");
        assertEquals(List.of(Path.of("/sys/fs/cgroup/memory/bpm-test-x"), Path.of("/sys/fs/cgroup/pids/bpm-test-x")),
                c.job("/", "bpm-test-x").paths());
        assertEquals("/bpm-web", c.cgroupsPath("bpm-web"), "bpm's cgroupsPath: the 0:: path joined with the id");
    }

    @Test
    void pureV1(@TempDir Path dir) throws IOException {
        String mi = """
                31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755
                35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
                36 31 0:33 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
                39 31 0:36 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids
                """;
        Cgroups c = detect(dir, mi, "8:pids:/monit\n4:memory:/monit\n2:cpu,cpuacct:/monit\n");
        assertEquals(Cgroups.Version.V1, c.version());
        assertEquals("", c.cgroupsPath("bpm-web"), "no 0:: line: bpm leaves cgroupsPath empty");
        assertEquals(List.of(Path.of("/sys/fs/cgroup/memory/monit/bpm-web"), Path.of("/sys/fs/cgroup/pids/monit/bpm-web")),
                c.job("bpm-web").paths());
    }

    @Test
    void coMountedMemoryAndPidsShareOneDirectory(@TempDir Path dir) throws IOException {
        String mi = "35 31 0:32 / /cg/mp rw - cgroup cgroup rw,memory,pids\n";
        Cgroups c = detect(dir, mi, "4:memory,pids:/a\n");
        assertEquals(List.of(Path.of("/cg/mp/a/bpm-web")), c.job("bpm-web").paths());
    }

    @Test
    void pureV2TakesControllersFromOwnCgroup(@TempDir Path dir) throws IOException {
        Path unified = Files.createDirectories(dir.resolve("cg"));
        Path own = Files.createDirectories(unified.resolve("system.slice/monit.service"));
        Files.writeString(own.resolve("cgroup.controllers"), "cpuset cpu io memory pids\n");
        String mi = "30 23 0:27 / " + unified + " rw - cgroup2 cgroup2 rw,nsdelegate\n";
        Cgroups c = detect(dir, mi, "0::/system.slice/monit.service\n");
        assertEquals(Cgroups.Version.V2, c.version());
        assertTrue(c.memory().unified());
        assertEquals(own, c.memory().ownDir());
        assertEquals(List.of(own.resolve("bpm-web")), c.job("bpm-web").paths(), "one directory on v2");
        assertEquals("/system.slice/monit.service/bpm-web", c.cgroupsPath("bpm-web"));
        assertEquals(List.of(unified.resolve("bpm-test-x")), c.job("/", "bpm-test-x").paths());
    }

    @Test
    void v2WithoutControllersStillTracksTheJob(@TempDir Path dir) throws IOException {
        Path unified = Files.createDirectories(dir.resolve("cg"));
        Files.writeString(unified.resolve("cgroup.controllers"), "hugetlb\n");
        Cgroups c = detect(dir, "30 23 0:27 / " + unified + " rw - cgroup2 cgroup2 rw\n", "0::/\n");
        assertEquals(Cgroups.Version.V2, c.version());
        assertFalse(c.unifiedHost(), "cgroup2 alone, but not at /sys/fs/cgroup");
        assertNull(c.memory());
        assertNull(c.pids());
        assertEquals(List.of(unified.resolve("bpm-web")), c.job("bpm-web").paths());
        assertFalse(c.swapAccounting());
    }

    @Test
    void slashSysFsCgroupBeingCgroup2MeansV2EvenWithV1MountsElsewhere(@TempDir Path dir) throws IOException {
        String mi = """
                30 23 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw
                35 31 0:32 / /mnt/legacy-memory rw - cgroup cgroup rw,memory
                """;
        Cgroups c = detect(dir, mi, "0::/\n");
        assertEquals(Cgroups.Version.V2, c.version());
        assertTrue(c.unifiedHost());
        assertEquals(Path.of("/sys/fs/cgroup"), c.unifiedMount());
    }

    @Test
    void aMountedSubtreeIsTakenIntoAccount(@TempDir Path dir) throws IOException {
        // inside a container: the memory hierarchy's /docker/abc is what is mounted
        String mi = "35 31 0:32 /docker/abc /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";
        Cgroups c = detect(dir, mi, "4:memory:/docker/abc/monit\n");
        assertEquals(Path.of("/sys/fs/cgroup/memory/monit/bpm-web"), c.job("bpm-web").paths().getFirst());
    }

    @Test
    void bpmsCgroupsPathExamples(@TempDir Path dir) throws IOException {
        String mi = "30 23 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
        assertEquals("/garden/abc-123/bpm-web", detect(dir, mi, "0::/garden/abc-123\n").cgroupsPath("bpm-web"));
        assertEquals("/garden/abc-123/bpm-web", detect(dir, mi, "0::/garden/abc-123/\r\n").cgroupsPath("bpm-web"));
        assertEquals("/bpm-web", detect(dir, mi, "0::/\n").cgroupsPath("bpm-web"));
    }

    @Test
    void swapAccountingAsBpmProbesIt(@TempDir Path dir) throws IOException {
        Path memory = Files.createDirectories(dir.resolve("memory"));
        String mi = "35 31 0:32 / " + memory + " rw - cgroup cgroup rw,memory\n";
        assertFalse(detect(dir, mi, "4:memory:/\n").swapAccounting());
        Files.writeString(memory.resolve("memory.memsw.limit_in_bytes"), "9223372036854771712\n");
        assertTrue(detect(dir, mi, "4:memory:/\n").swapAccounting());

        Path unified = Files.createDirectories(dir.resolve("unified"));
        Files.writeString(unified.resolve("cgroup.controllers"), "memory pids\n");
        String v2 = "30 23 0:27 / " + unified + " rw - cgroup2 cgroup2 rw\n";
        Files.writeString(unified.resolve("memory.swap.max"), "max\n");
        // cgroup2 not at /sys/fs/cgroup is no unified host: only a v1 memory hierarchy counts, as in
        // bpm (the v2 rule, on the job's parent cgroup, is HostFacts.v2SwapLimitable: ScopeNameTest)
        assertFalse(detect(dir, v2, "0::/\n").swapAccounting());
    }

    @Test
    void noCgroupsAtAllIsAnError(@TempDir Path dir) {
        IOException e = assertThrows(IOException.class, () -> detect(dir, "24 1 254:0 / / rw - ext4 /dev/vda rw\n", ""));
        assertTrue(e.getMessage().startsWith("no cgroup file system is mounted"), e.getMessage());
    }

    @Test
    void jobNamesMustBeOneComponent(@TempDir Path dir) throws IOException {
        Cgroups c = detect(dir, HYBRID_MOUNTINFO, HYBRID_SELF);
        for (String bad : List.of("", "a/b", "..", ".")) {
            assertThrows(IllegalArgumentException.class, () -> c.job(bad), bad);
        }
    }

    @Test
    void mountinfoEscapesAndOddLines() {
        List<MountTable.Entry> e = MountTable.parse("""
                1 2 0:1 / /a\\040b rw shared:1 master:2 - tmpfs none rw,size=1k
                garbage
                3 4 0:2 /x /c\\134d rw - cgroup cgroup rw,memory,pids
                """);
        assertEquals(2, e.size());
        assertEquals("/a b", e.get(0).mountPoint());
        assertEquals("tmpfs", e.get(0).fsType());
        assertEquals("/c\\d", e.get(1).mountPoint());
        assertEquals("/x", e.get(1).root());
        assertTrue(e.get(1).hasOption("pids"));
        assertTrue(e.get(1).hasOption("memory"));
        assertFalse(e.get(1).hasOption("mem"));
    }

    @Test
    void theRealHostIsReadable() throws IOException {
        Cgroups c = Cgroups.detect();
        // whatever the host, detection must not fail and must find a way to track a job
        assertTrue(c.memory() != null || c.pids() != null || c.unifiedMount() != null);
        assertEquals(MountTable.isMountPoint(Path.of("/proc")), true);
        assertFalse(MountTable.isMountPoint(Path.of("/proc/self")));
    }
}
