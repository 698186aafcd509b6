package io.bpm.executor.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bpm.executor.plan.PlanText;
import io.bpm.executor.plan.Plans;
import io.bpm.executor.host.StateStore.State;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreTest {

    @TempDir
    Path root;

    private Process sleep;

    @AfterEach
    void stopSleep() throws InterruptedException {
        if (sleep != null) {
            sleep.destroyForcibly();
            assertTrue(sleep.waitFor(10, TimeUnit.SECONDS));
        }
    }

    private StateStore store() {
        return new StateStore(root.resolve("sys/run/bpm-state/bpm-web"));
    }

    private Process startSleep() throws IOException {
        sleep = new ProcessBuilder("sleep", "30").start();
        return sleep;
    }

    @Test
    void planAndStateRoundTripWithPrivateModesAndNoTemporaryFiles() throws IOException {
        StateStore s = store();
        assertEquals(Optional.empty(), s.readPlan());
        assertEquals(Optional.empty(), s.readState());
        String plan = PlanText.write(Plans.valid());
        State state = new State(new ProcessIdentity(4242, 123456, "0f9a-boot"),
                List.of(Path.of("/sys/fs/cgroup/memory/bpm-web"), Path.of("/sys/fs/cgroup/pids/bpm web")));
        s.save(plan, state);
        assertEquals(Optional.of(plan), s.readPlan());
        assertEquals(Optional.of(state), s.readState());
        assertEquals(0700, mode(s.directory()));
        assertEquals(0600, mode(s.directory().resolve("plan")));
        assertEquals(0600, mode(s.directory().resolve("state")));
        assertEquals(List.of("plan", "state"), names(s.directory()));
        assertEquals("""
                bpm-state 1
                pid 4242
                start-time 123456
                boot-id 0f9a-boot
                cgroup /sys/fs/cgroup/memory/bpm-web
                cgroup /sys/fs/cgroup/pids/bpm web
                """, Files.readString(s.directory().resolve("state")));
        // replaced whole
        State other = new State(new ProcessIdentity(7, 8, "b"), List.of());
        s.saveState(other);
        assertEquals(Optional.of(other), s.readState());
        assertEquals(List.of("plan", "state"), names(s.directory()));
    }

    @Test
    void aSymlinkedStateDirectoryIsRefusedAndALooseModeIsTightened() throws IOException {
        Path real = Files.createDirectories(root.resolve("elsewhere"));
        Path dir = root.resolve("sys/run/bpm-state/bpm-web");
        Files.createDirectories(dir.getParent());
        Files.createSymbolicLink(dir, real);
        IOException e = assertThrows(IOException.class, () -> store().savePlan("plan"));
        assertTrue(e.getMessage().contains("it is a symlink"), e.getMessage());
        assertEquals(List.of(), names(real));

        Files.delete(dir);
        Files.createDirectory(dir);
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        store().savePlan("plan");
        assertEquals(0700, mode(dir));
    }

    @Test
    void aWriteThatCannotBeRenamedLeavesNoTemporaryFile() throws IOException {
        StateStore s = store();
        s.savePlan("plan");
        Files.createDirectory(s.directory().resolve("state"));   // rename(2) of a file over a directory: EISDIR
        IOException e = assertThrows(IOException.class, () -> s.saveState(new State(new ProcessIdentity(7, 8, "b"), List.of())));
        assertTrue(e.getMessage().contains("state"), e.getMessage());
        assertEquals(List.of("plan", "state"), names(s.directory()));
    }

    @Test
    void aMalformedStateNamesItsLine() throws IOException {
        StateStore s = store();
        s.savePlan("x");
        Path file = s.directory().resolve("state");
        for (String[] c : new String[][] {
            {"bpm-state 2\n", ":1: expected"},
            {"bpm-state 1\npid 1\npid 2\n", ":3: pid: repeated"},
            {"bpm-state 1\npid x\n", ":2: pid: For input string"},
            {"bpm-state 1\ncolour blue\n", ":2: colour: unknown key"},
            {"bpm-state 1\npid 1\nstart-time 2\n", "pid, start-time and boot-id are required"},
            {"bpm-state 1\nnospace\n", ":2: expected \"key value\""},
        }) {
            Files.writeString(file, c[0]);
            StateStore.StateFormatException e = assertThrows(StateStore.StateFormatException.class, s::readState, c[0]);
            assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
    }

    @Test
    void aSymlinkedStateFileIsNotRead() throws IOException {
        StateStore s = store();
        s.savePlan("x");
        Path target = Files.writeString(root.resolve("elsewhere"), "bpm-state 1\npid 1\nstart-time 1\nboot-id b\n");
        Files.createSymbolicLink(s.directory().resolve("state"), target);
        assertThrows(IOException.class, s::readState);
        Files.delete(s.directory().resolve("state"));
        Path link = Files.createSymbolicLink(root.resolve("sys/run/bpm-state/bpm-link"), root);
        IOException e = assertThrows(IOException.class, () -> new StateStore(link).savePlan("y"), "a symlinked directory is refused");
        assertTrue(e.getMessage().contains("is a symlink"), e.getMessage());
    }

    @Test
    void aRunningProcessIsOursOnlyWithItsStartTimeAndBoot() throws Exception {
        Process p = startSleep();
        ProcessIdentity id = ProcessIdentity.of(p.pid()).orElseThrow();
        assertEquals(p.pid(), id.pid());
        assertEquals(Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim(), id.bootId());
        State state = new State(id, List.of());
        assertTrue(StateStore.isOurs(state));
        assertFalse(StateStore.isOurs(new State(new ProcessIdentity(id.pid(), id.startTime() + 1, id.bootId()), List.of())),
                "a reused pid has another start time");
        assertFalse(StateStore.isOurs(new State(new ProcessIdentity(id.pid(), id.startTime(), "another-boot"), List.of())),
                "after a reboot nothing recorded is ours");
        p.destroyForcibly();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertFalse(StateStore.isOurs(state), "an exited process is not ours");
        assertEquals(Optional.empty(), ProcessIdentity.of(p.pid()));
    }

    @Test
    void startTimeIsField22EvenWithAnAwkwardCommandName() {
        String stat = "4242 (a) b) (c) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 100 18446744073709551615";
        ProcessIdentity.Stat s = ProcessIdentity.parseStat(stat);
        assertEquals('S', s.state());
        assertEquals(987654, s.startTime());
        assertFalse(s.exited());
        assertTrue(ProcessIdentity.parseStat(stat.replace(") S ", ") Z ")).exited(), "a zombie has exited");
        assertThrows(IllegalArgumentException.class, () -> ProcessIdentity.parseStat("4242 (x"));
        assertThrows(IllegalArgumentException.class, () -> ProcessIdentity.parseStat("4242 (x) S 1 2"));
    }

    @Test
    void thisProcessHasAnIdentity() throws IOException {
        ProcessIdentity me = ProcessIdentity.of(ProcessHandle.current().pid()).orElseThrow();
        assertTrue(me.isAlive());
        assertTrue(me.startTime() > 0);
    }

    @Test
    void thePidFileIsWrittenWholeWithoutANewline() throws IOException {
        Path dir = Files.createDirectories(root.resolve("sys/run/bpm/web"));
        Path pid = dir.resolve("web.pid");
        StateStore.writePidFile(pid, 4242);
        assertEquals("4242", Files.readString(pid));
        assertEquals(0644, mode(pid));
        StateStore.writePidFile(pid, 17);
        assertEquals("17", Files.readString(pid));
        assertEquals(List.of("web.pid"), names(dir));
        StateStore.removePidFile(pid);
        assertFalse(Files.exists(pid));
        StateStore.removePidFile(pid); // missing is fine
    }

    @Test
    void aSymlinkAtThePidFileIsReplacedNotFollowed() throws IOException {
        Path dir = Files.createDirectories(root.resolve("sys/run/bpm/web"));
        Path victim = Files.writeString(root.resolve("victim"), "keep");
        Files.createSymbolicLink(dir.resolve("web.pid"), victim);
        StateStore.writePidFile(dir.resolve("web.pid"), 99);
        assertEquals("keep", Files.readString(victim));
        assertFalse(Files.isSymbolicLink(dir.resolve("web.pid")));
        assertEquals("99", Files.readString(dir.resolve("web.pid")));
    }

    @Test
    void removeTakesEverythingAway() throws IOException {
        StateStore s = store();
        s.save("plan text", new State(new ProcessIdentity(1, 2, "b"), List.of()));
        Files.writeString(s.directory().resolve(".tmp-state-dead"), "left by a crash");
        s.remove();
        assertFalse(Files.exists(s.directory()));
        assertTrue(Files.isDirectory(root.resolve("sys/run/bpm-state")), "only the process's own directory goes");
        s.remove(); // missing is fine
        assertEquals(Optional.empty(), s.readState());
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
