package io.bpm.executor.lifecycle;

import io.bpm.executor.host.ProcessIdentity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reading runc's state as bpm 1.x left it (the running case is {@code UpgradeInPlaceTest}, with
 * the real runc): the identity of the init, only the container's own cgroups, runc's systemd
 * unit name, a state from a previous boot, and a damaged state named with its fix.
 */
class LegacyRuncTest {

    private Path root;

    @BeforeEach
    void makeRoot() throws IOException {
        root = Files.createTempDirectory("bpm-legacy-");
    }

    @AfterEach
    void removeRoot() throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    private void state(String json) throws IOException {
        Path dir = Files.createDirectories(root.resolve("sys/run/bpm-runc/bpm-web"));
        Files.writeString(dir.resolve("state.json"), json);
    }

    @Test
    void noStateIsNoContainer() throws IOException {
        assertTrue(LegacyRunc.find(root, "web", "web", "bpm-web").isEmpty());
    }

    @Test
    void theInitAndOnlyTheContainersOwnCgroups() throws IOException {
        long self = ProcessHandle.current().pid();
        String stat = Files.readString(Path.of("/proc/self/stat"));
        long start = Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19]);
        state("{\"id\":\"bpm-web\",\"init_process_pid\":" + self + ",\"init_process_start\":" + start
                + ",\"created\":\"" + java.time.Instant.now() + "\",\"config\":{\"cgroups\":{\"name\":\"bpm-web\",\"path\":\"/bpm-web\"}},"
                + "\"cgroup_paths\":{\"memory\":\"/sys/fs/cgroup/memory/bpm-web\",\"pids\":\"/sys/fs/cgroup/pids/bpm-web\","
                + "\"cpu\":\"/sys/fs/cgroup/cpu\",\"blkio\":\"/sys/fs/cgroup/blkio/x/../bpm-web\",\"devices\":\"relative/bpm-web\"},"
                + "\"namespace_paths\":{\"NEWNS\":\"/proc/1/ns/mnt\"},\"external_descriptors\":[\"/dev/null\",\"\\u002fdev\\/null\"]}");
        LegacyRunc old = LegacyRunc.find(root, "web", "web", "bpm-web").orElseThrow();
        assertEquals(new ProcessIdentity(self, start, ProcessIdentity.currentBootId()), old.init());
        assertTrue(old.running(), "this JVM is the recorded init");
        assertEquals(List.of(Path.of("/sys/fs/cgroup/memory/bpm-web"), Path.of("/sys/fs/cgroup/pids/bpm-web")), old.cgroup().paths(),
                "a cgroup not named after the container (or not a clean absolute path) is never the job's");
        assertNull(old.cgroup().unit());
        assertEquals(root.resolve("sys/run/bpm/web/web.pid"), old.pidFile());
        assertEquals(root.resolve("data/bpm/bundles/web/web"), old.bundle());
    }

    @Test
    void anotherStartTimeOrAnEarlierBootIsNotTheInit() throws IOException {
        long self = ProcessHandle.current().pid();
        state("{\"id\":\"bpm-web\",\"init_process_pid\":" + self + ",\"init_process_start\":\"1\",\"cgroup_paths\":{}}");
        assertFalse(LegacyRunc.find(root, "web", "web", "bpm-web").orElseThrow().running(), "the pid was reused");
        assertFalse(LegacyRunc.createdThisBoot("2001-01-01T00:00:00.5Z"));
        assertTrue(LegacyRunc.createdThisBoot(java.time.OffsetDateTime.now().toString()));
    }

    @Test
    void runcsSystemdScopeName() throws IOException {
        state("{\"id\":\"bpm-web\",\"init_process_pid\":0,\"init_process_start\":0,\"config\":{\"cgroups\":{\"name\":\"bpm-web\","
                + "\"parent\":\"system.slice\",\"scope_prefix\":\"monit-service-bpm\",\"Systemd\":true}},"
                + "\"cgroup_paths\":{\"\":\"/sys/fs/cgroup/system.slice/monit-service-bpm-bpm-web.scope\"}}");
        LegacyRunc old = LegacyRunc.find(root, "web", "web", "bpm-web").orElseThrow();
        assertEquals("monit-service-bpm-bpm-web.scope", old.cgroup().unit());
        assertEquals(List.of(Path.of("/sys/fs/cgroup/system.slice/monit-service-bpm-bpm-web.scope")), old.cgroup().paths());
        assertNull(old.init(), "no init pid recorded");
    }

    @Test
    void aDamagedStateIsNamedWithItsFix() throws IOException {
        state("{\"id\":\"bpm-web\",\"init_process_pid\":12");
        IOException e = assertThrows(IOException.class, () -> LegacyRunc.find(root, "web", "web", "bpm-web"));
        assertTrue(e.getMessage().contains("state.json") && e.getMessage().contains("remove " + root.resolve("sys/run/bpm-runc/bpm-web")),
                e.getMessage());
    }

    @Test
    void aTruncatedStateLeavesOnlyCleaningUp() throws IOException {
        state("");
        LegacyRunc old = LegacyRunc.find(root, "web", "web", "bpm-web").orElseThrow();
        assertFalse(old.running());
        old.remove(java.time.Duration.ofSeconds(1));
        assertFalse(Files.exists(root.resolve("sys/run/bpm-runc/bpm-web")));
    }
}
