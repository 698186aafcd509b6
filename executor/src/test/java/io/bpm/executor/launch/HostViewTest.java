package io.bpm.executor.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bpm.executor.sys.Errno;
import io.bpm.executor.sys.Sys;
import io.bpm.executor.sys.SysException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real host's {@code openBelow} and {@code cloneTree}, both ways {@code openBelow} resolves
 * what is below the job-owned directory: {@code openat2(RESOLVE_NO_SYMLINKS)} in one call, and
 * the walk older kernels take (and every failure, for its message). Both give a clone of the
 * source and refuse a symlink on the way or at the end, naming where it is.
 */
class HostViewTest {

    private Path dir;

    @BeforeEach
    void root() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "SKIPPED LOUDLY: open_tree needs CAP_SYS_ADMIN: run the tests as root");
        dir = Files.createTempDirectory(Path.of("/var/tmp"), "bpm-hostview-");
    }

    @AfterEach
    void clean() throws IOException {
        Sys.openat2 = true;
        if (dir == null) return;
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    @ParameterizedTest(name = "openat2 {0}")
    @ValueSource(booleans = {true, false})
    void aSourceBelowTheDirectoryIsClonedAndASymlinkOnTheWayIsRefused(boolean openat2) throws IOException {
        Sys.openat2 = openat2;
        Path source = Files.createDirectories(dir.resolve("job/a/b"));
        Files.writeString(source.resolve("f"), "x");
        int fd = openSource(dir.toString(), source.toString(), false);
        assertTrue(fd > 2, "an open_tree descriptor");
        HostView.real().closeSource(fd);
        // a file as the source
        int file = openSource(dir.toString(), source.resolve("f").toString(), true);
        HostView.real().closeSource(file);

        Files.move(dir.resolve("job/a"), dir.resolve("job/elsewhere"));
        Files.createSymbolicLink(dir.resolve("job/a"), dir.resolve("job/elsewhere"));
        SysException e = assertThrows(SysException.class, () -> openSource(dir.toString(), source.toString(), false));
        assertEquals(Errno.ELOOP, e.errno());
        assertTrue(e.getMessage().contains("\"" + dir.resolve("job/a") + "\" is a symlink"), e.getMessage());

        Files.createSymbolicLink(dir.resolve("job/last"), dir.resolve("job/elsewhere"));
        e = assertThrows(SysException.class, () -> openSource(dir.toString(), dir.resolve("job/last").toString(), false));
        assertEquals(Errno.ELOOP, e.errno());

        e = assertThrows(SysException.class, () -> openSource(dir.toString(), dir.resolve("job/none").toString(), false));
        assertEquals(Errno.ENOENT, e.errno());
        assertTrue(e.getMessage().contains("\"" + dir.resolve("job/none") + "\""), e.getMessage());
        assertEquals(0, openDescriptorsBelow(dir), "no descriptor of the directory is left open");
    }

    /**
     * The mount holding a path, by statx's mount id, is the one /proc/self/mountinfo
     * names: for a temporary directory, a kernel file system, a mount point itself, the root, and
     * a path not made yet (its nearest existing ancestor's mount).
     */
    @org.junit.jupiter.api.Test
    void theMountPointOfAPathIsTheMountTablesAnswer() throws IOException {
        assertTrue(HostView.Real.mountId("/") >= 0, "this kernel's statx names a path's mount (Linux 5.8)");
        assertNotEquals(HostView.Real.mountId("/"), HostView.Real.mountId("/proc"));
        assertEquals(HostView.Real.mountId("/proc"), HostView.Real.mountId("/proc/sys"), "/proc/sys is a directory of /proc (unless mounted over)");
        for (String p : new String[] {dir.toString(), "/proc/sys/kernel", "/proc", "/", "/sys/fs/cgroup", "/dev/null", "/etc/passwd"}) {
            String real = Path.of(p).toRealPath().toString();
            assertEquals(HostView.Real.fromMountTable(real), HostView.real().mountPointOf(p), p);
        }
        assertEquals(HostView.real().mountPointOf(dir.toString()), HostView.real().mountPointOf(dir.resolve("not/made/yet").toString()));
        assertEquals("/proc", HostView.real().mountPointOf("/proc/sys/kernel"));
    }

    /**
     * A detached bind mount of {@code path}, as a tape build makes one: openBelow, cloneTree,
     * then the O_PATH descriptor closed.
     */
    private static int openSource(String dir, String path, boolean recursive) {
        int below = HostView.real().openBelow(dir, path);
        try {
            return HostView.real().cloneTree(below, path, recursive);
        } finally {
            HostView.real().closeSource(below);
        }
    }

    /** This process's descriptors on paths below {@code d}. */
    private static long openDescriptorsBelow(Path d) throws IOException {
        long n = 0;
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    if (Files.readSymbolicLink(fd).toString().startsWith(d.toString())) n++;
                } catch (IOException gone) {
                    // the directory stream's own descriptor, closed meanwhile
                }
            }
        }
        return n;
    }
}
