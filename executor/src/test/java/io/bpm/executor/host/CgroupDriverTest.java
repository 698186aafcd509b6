package io.bpm.executor.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bpm.executor.plan.HostFacts;
import io.bpm.executor.plan.Provenance;
import io.bpm.executor.plan.ScopeName;
import io.bpm.executor.plan.Step.CgroupLimit;
import io.bpm.executor.systemd.Systemd.Property;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver choice, the systemd scope's properties, the state's unit line and OOM counting.
 * The systemd driver itself runs against real systemd in the VM (bin/vm-test); this host has none.
 */
class CgroupDriverTest {

    private static final Provenance D = Provenance.DEFAULT;

    @TempDir
    Path dir;

    @Test
    void thisHostGetsTheDriverBpmWouldChoose() throws IOException {
        CgroupDriver driver = CgroupDriver.detect();
        boolean systemd = Files.isDirectory(HostFacts.SYSTEMD_RUNNING, LinkOption.NOFOLLOW_LINKS);
        if (systemd && Cgroups.detect().version() == Cgroups.Version.V2) {
            assertInstanceOf(SystemdScope.class, driver);
        } else {
            assertInstanceOf(CgroupDriver.Cgroupfs.class, driver);
            assertNull(driver.locate("bpm-x").unit());
        }
    }

    @Test
    void scopePropertiesAreRuncsWithBpmsLimits() {
        ScopeName n = ScopeName.of("/system.slice/monit.service", "bpm-web");
        List<Property> p = SystemdScope.properties(n, 4242, "bpm web/web (bpm-web)", List.of(
                new CgroupLimit("memory", 779091968L, false, D), new CgroupLimit("memory+swap", 779091968L, true, D),
                new CgroupLimit("pids", 1024, false, D)));
        assertEquals(List.of("Description", "Slice", "Delegate", "MemoryAccounting", "CPUAccounting", "IOAccounting",
                "TasksAccounting", "PIDs", "DefaultDependencies", "MemoryMax", "TasksMax", "MemorySwapMax"),
                p.stream().map(Property::name).toList());
        assertEquals("system.slice", value(p, "Slice"));
        assertEquals(true, value(p, "Delegate"));
        assertEquals(false, value(p, "DefaultDependencies"));
        assertEquals(779091968L, value(p, "MemoryMax"));
        assertEquals(0L, value(p, "MemorySwapMax"));           // swap alone: memory+swap minus memory
        assertEquals(1024L, value(p, "TasksMax"));
        assertEquals(4242, ((int[]) value(p, "PIDs"))[0]);
        assertEquals("au", p.get(7).signature());
        assertThrows(IllegalArgumentException.class, () -> SystemdScope.properties(n, 1, "x",
                List.of(new CgroupLimit("memory+swap", 10, true, D))));
    }

    private static Object value(List<Property> props, String name) {
        return props.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow().value();
    }

    @Test
    void theStateRecordsTheScopeAndRefusesAnyOtherUnit() throws IOException {
        ProcessIdentity id = new ProcessIdentity(123, 456, "boot");
        StateStore.State s = new StateStore.State(id, List.of(Path.of("/sys/fs/cgroup/system.slice/monit-service-bpm-bpm-web.scope")),
                "monit-service-bpm-bpm-web.scope");
        String text = StateStore.format(s);
        assertTrue(text.contains("\nunit monit-service-bpm-bpm-web.scope\n"), text);
        assertEquals(s, StateStore.parse(dir, text));
        assertEquals("monit-service-bpm-bpm-web.scope", StateStore.parse(dir, text).cgroup().unit());
        // a state without the line (cgroupfs, or written before it existed) reads as before
        StateStore.State plain = new StateStore.State(id, List.of(Path.of("/sys/fs/cgroup/memory/bpm-web")));
        assertNull(StateStore.parse(dir, StateStore.format(plain)).unit());
        // stop must never end some other unit because a state file says so
        for (String bad : List.of("sshd.service", ".scope", "a/b.scope", "x y.scope")) {
            String edited = text.replace("unit monit-service-bpm-bpm-web.scope", "unit " + bad);
            assertThrows(StateStore.StateFormatException.class, () -> StateStore.parse(dir, edited), bad);
        }
    }

    @Test
    void oomKillsAreCountedFromTheKernelsFiles() throws IOException {
        Path v2 = Files.createDirectories(dir.resolve("v2"));
        Files.writeString(v2.resolve("memory.events"), "low 0\nhigh 0\nmax 7\noom 2\noom_kill 2\noom_group_kill 0\n");
        assertEquals(2, JobCgroup.at(List.of(v2)).oomKills());
        Path v1 = Files.createDirectories(dir.resolve("v1"));
        Files.writeString(v1.resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
        assertEquals(1, JobCgroup.at(List.of(v1)).oomKills());
        Path none = Files.createDirectories(dir.resolve("pids-only"));
        assertEquals(-1, JobCgroup.at(List.of(none)).oomKills());
        Files.writeString(v2.resolve("memory.events"), "oom 0\noom_kill 0\n");
        assertEquals(0, JobCgroup.at(List.of(v2, none)).oomKills());
    }

    @Test
    void theCgroupfsDriverSaysWhereTheJobGoes() throws IOException {
        CgroupDriver.Cgroupfs fs = new CgroupDriver.Cgroupfs(Cgroups.detect(), "/");
        assertTrue(fs.describe().startsWith("cgroupfs "), fs.describe());
        assertTrue(fs.describe().endsWith("below /"), fs.describe());
    }
}
