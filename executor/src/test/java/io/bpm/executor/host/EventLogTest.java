package io.bpm.executor.host;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventLogTest {

    @TempDir
    Path dir;

    private static int uid() {
        return (int) new com.sun.security.auth.module.UnixSystem().getUid();
    }

    private static int gid() {
        return (int) new com.sun.security.auth.module.UnixSystem().getGid();
    }

    @Test
    void oneJsonObjectPerEventInLagersShape() throws Exception {
        Path file = dir.resolve("log/web/bpm.log");
        try (EventLog log = EventLog.open(file, "start", "web", "we\"b\n", uid(), gid(), true)) {
            assertNull(log.problem());
            log.info("starting");
            log.error("failed-to-start", "cannot\tstart: \u0001");
        }
        List<String> lines = Files.readAllLines(file);
        assertEquals(2, lines.size());
        assertTrue(lines.get(0).matches("\\{\"timestamp\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z\",\"level\":\"info\","
                + "\"source\":\"bpm\",\"message\":\"bpm.start.starting\",\"data\":\\{\"job\":\"web\",\"process\":\"we\\\\\"b\\\\n\","
                + "\"session\":\"1\"}}"), lines.get(0));
        assertTrue(lines.get(1).contains("\"level\":\"error\"") && lines.get(1).endsWith(",\"error\":\"cannot\\tstart: \\u0001\"}}"),
                lines.get(1));
        assertEquals(0600, mode(file));
        assertEquals(0750, mode(file.getParent()));
    }

    @Test
    void aSymlinkIsRefusedAndItsTargetUntouched() throws Exception {
        Files.createDirectories(dir.resolve("log"));
        Path target = Files.writeString(dir.resolve("target"), "keep");
        Files.createSymbolicLink(dir.resolve("log/bpm.log"), target);
        try (EventLog log = EventLog.open(dir.resolve("log/bpm.log"), "start", "web", "web", uid(), gid(), true)) {
            assertTrue(log.problem().startsWith("refusing to open symlink at " + dir.resolve("log/bpm.log")), log.problem());
            log.info("starting"); // a no-op, never a write through the link
        }
        assertEquals("keep", Files.readString(target));
    }

    @Test
    void stopDoesNotCreateTheLogDirectory() {
        try (EventLog log = EventLog.open(dir.resolve("never/bpm.log"), "stop", "never", "never", uid(), gid(), false)) {
            assertNull(log.problem());
            log.info("job-already-stopped");
        }
        assertFalse(Files.exists(dir.resolve("never")));
    }

    private static int mode(Path p) throws Exception {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }
}
