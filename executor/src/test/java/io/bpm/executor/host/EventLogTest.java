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

    /** A held log keeps its events until it replays them, in order, as the real log's command and job. */
    @Test
    void aHeldLogWritesItsEventsWhereItIsReplayed() throws Exception {
        EventLog held = EventLog.held();
        held.warning("config-warning", "bpm.yml:3:3: warning[BPM101]: unknown key");
        held.error("config-error", "bpm.yml:4:5: error[BPM301]");
        Path file = dir.resolve("log/web/bpm.log");
        try (EventLog log = EventLog.open(file, "start", "web", "web", uid(), gid(), true)) {
            log.info("starting");
            held.replayInto(log);
            held.replayInto(log);   // forgotten once replayed
        }
        List<String> lines = Files.readAllLines(file);
        assertEquals(3, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(1).contains("\"level\":\"warn\",\"source\":\"bpm\",\"message\":\"bpm.start.config-warning\",\"data\":{\"job\":\"web\"")
                && lines.get(1).endsWith(",\"warning\":\"bpm.yml:3:3: warning[BPM101]: unknown key\"}}"), lines.get(1));
        assertTrue(lines.get(2).contains("\"message\":\"bpm.start.config-error\"") && lines.get(2).endsWith(",\"error\":\"bpm.yml:4:5: error[BPM301]\"}}"),
                lines.get(2));
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

    /** bpm.log's timestamps are java.time's ISO_INSTANT, byte for byte, written without its formatter. */
    @org.junit.jupiter.api.Test
    void timestampsAreIsoInstant() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(42);
        java.util.List<java.time.Instant> cases = new java.util.ArrayList<>(java.util.List.of(java.time.Instant.EPOCH,
                java.time.Instant.parse("2000-02-29T23:59:59.999999999Z"), java.time.Instant.parse("2026-12-07T07:05:01.120Z"),
                java.time.Instant.parse("1970-01-01T00:00:00.000001Z"), java.time.Instant.parse("9999-12-31T23:59:59Z"),
                java.time.Instant.parse("2100-03-01T00:00:00.5Z"), java.time.Instant.now()));
        for (int i = 0; i < 20_000; i++) {
            long sec = r.nextLong(0, 253_402_300_800L);
            int nano = switch (i % 4) {
                case 0 -> 0;
                case 1 -> r.nextInt(1000) * 1_000_000;
                case 2 -> r.nextInt(1_000_000) * 1_000;
                default -> r.nextInt(1_000_000_000);
            };
            cases.add(java.time.Instant.ofEpochSecond(sec, nano));
        }
        for (java.time.Instant t : cases) {
            StringBuilder b = new StringBuilder();
            EventLog.isoInstant(b, t);
            org.junit.jupiter.api.Assertions.assertEquals(java.time.format.DateTimeFormatter.ISO_INSTANT.format(t), b.toString());
        }
    }

    @org.junit.jupiter.api.Test
    void controlCharactersAreUnicodeEscapes() {
        StringBuilder b = new StringBuilder();
        EventLog.string(b, "a\u0001b\u001fc\u2028");
        org.junit.jupiter.api.Assertions.assertEquals("\"a\\u0001b\\u001fc\\u2028\"", b.toString());
    }
}
