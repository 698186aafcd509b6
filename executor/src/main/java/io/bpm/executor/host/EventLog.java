package io.bpm.executor.host;

import io.bpm.executor.sys.Errno;
import io.bpm.executor.sys.Linux;
import io.bpm.executor.sys.Nr;
import io.bpm.executor.sys.Struct;
import io.bpm.executor.sys.Sys;
import io.bpm.executor.sys.SysException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A job's {@code bpm.log} (bpm-behaviour.md §5.5): one JSON object per line and event, in the
 * shape today's bpm writes (lager): {@code {"timestamp":"...","level":"info","source":"bpm",
 * "message":"bpm.start.starting","data":{"job":"web","process":"web","session":"1"}}}; failures
 * are {@code "level":"error"} with the cause in {@code data.error}.
 *
 * <p>Opened like the process logs: O_APPEND, O_NOFOLLOW (a symlink a job planted in its log
 * directory is refused, not followed), 0600, then fchown'ed to the job's user through the
 * descriptor. Each event is one write(2) of one line, so events of concurrent commands (start of
 * one process, stop of another) never interleave within a line. Written on the start/stop path,
 * so it is plain string building: no JSON library.
 *
 * <p>The log never fails a command: when it cannot be opened or written, the command goes on
 * and {@link #problem()} says why (the command prints it as a warning).
 */
public final class EventLog implements AutoCloseable {

    private final String command;
    private final Map<String, String> base;
    private int fd;
    private String problem;
    /** The events of a {@link #held} log, in order, until {@link #replayInto}; null for a file's log. */
    private final List<String[]> held;

    private EventLog(String command, Map<String, String> base, int fd, String problem) {
        this(command, base, fd, problem, null);
    }

    private EventLog(String command, Map<String, String> base, int fd, String problem, List<String[]> held) {
        this.command = command;
        this.base = base;
        this.fd = fd;
        this.problem = problem;
        this.held = held;
    }

    /**
     * A log that keeps its events, for work done before bpm.log can be opened (a start compiles
     * while the FFM handle is made): {@link #replayInto} writes them to the real log later, or
     * they are dropped with it.
     */
    public static EventLog held() {
        return new EventLog("held", Map.of(), -1, null, new ArrayList<>());
    }

    /** Writes the events this {@link #held} log kept to {@code log}, in order, stamped now, and forgets them. */
    public synchronized void replayInto(EventLog log) {
        if (held == null) throw new IllegalStateException("not a held log");
        for (String[] e : held) log.write(e[0], e[1], e[2], e[3]);
        held.clear();
    }

    /**
     * Opens {@code file} for {@code command} (start, stop, run) of job/process.
     *
     * @param createDir make the log directory (0750, owned by uid:gid) when missing; stop does
     *                  not, so stopping a job that never existed leaves nothing behind
     */
    public static EventLog open(Path file, String command, String job, String process, int uid, int gid, boolean createDir) {
        Map<String, String> base = new LinkedHashMap<>();
        base.put("job", job);
        base.put("process", process);
        base.put("session", "1");
        Path dir = file.getParent();
        try {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                if (!createDir) {
                    return new EventLog(command, base, -1, null);
                }
                Files.createDirectories(dir, SafeDirs.attribute(0750));
                // as host preparation makes it (the plan's log directory line): the job's, 0750
                SafeDirs.chown(Files.getFileAttributeView(dir, java.nio.file.attribute.PosixFileAttributeView.class,
                        LinkOption.NOFOLLOW_LINKS), uid, gid);
            }
        } catch (java.io.IOException | RuntimeException e) {
            return new EventLog(command, base, -1, "cannot create " + dir + ": " + e.getMessage());
        }
        int fd;
        try {
            fd = Sys.open(file.toString(), Linux.O_WRONLY | Linux.O_CREAT | Linux.O_APPEND | Linux.O_NOFOLLOW | Linux.O_NONBLOCK
                    | Linux.O_NOCTTY | Linux.O_CLOEXEC, 0600);
        } catch (SysException e) {
            String why = e.errno() == Errno.ELOOP ? "refusing to open symlink at " + file : "cannot open " + file;
            return new EventLog(command, base, -1, why + ": " + e.getMessage());
        }
        long r = Sys.raw(Nr.FCHOWN, fd, uid, gid);
        if (r < 0) {
            Sys.raw(Nr.CLOSE, fd);
            return new EventLog(command, base, -1, "chown " + file + ": " + Errno.describe((int) -r));
        }
        return new EventLog(command, base, fd, null);
    }

    /** Why events are not being logged, or null. */
    public String problem() {
        return problem;
    }

    /** {@code bpm.COMMAND.EVENT} at level info. */
    public void info(String event) {
        write("info", event, null, null);
    }

    /** {@code bpm.COMMAND.EVENT} at level warn, with what is wrong (e.g. a finding of bpm.yml and its code). */
    public void warning(String event, String detail) {
        write("warn", event, detail, "warning");
    }

    /** {@code bpm.COMMAND.EVENT} at level info, with one more data field (e.g. where the job's cgroup is). */
    public void info(String event, String key, String value) {
        write("info", event, value, key);
    }

    /** {@code bpm.COMMAND.EVENT} at level error, with the cause. */
    public void error(String event, String cause) {
        write("error", event, cause, "error");
    }

    private synchronized void write(String level, String event, String cause, String causeKey) {
        if (held != null) {
            held.add(new String[] {level, event, cause, causeKey});
            return;
        }
        if (fd < 0) {
            return;
        }
        StringBuilder b = new StringBuilder(200);
        b.append("{\"timestamp\":\"");
        isoInstant(b, Instant.now());
        b
                .append("\",\"level\":\"").append(level)
                .append("\",\"source\":\"bpm\",\"message\":");
        string(b, "bpm." + command + "." + event);
        b.append(",\"data\":{");
        boolean first = true;
        for (Map.Entry<String, String> e : base.entrySet()) {
            if (!first) b.append(',');
            first = false;
            string(b, e.getKey());
            b.append(':');
            string(b, e.getValue());
        }
        if (cause != null) {
            b.append(",\"").append(causeKey).append("\":");
            string(b, cause);
        }
        b.append("}}\n");
        byte[] bytes = b.toString().getBytes(StandardCharsets.UTF_8);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(bytes.length);
            Struct.putBytes(buf, 0, bytes, 0, bytes.length);
            Sys.writeFully(fd, buf, bytes.length);
        } catch (SysException e) {
            problem = "cannot write the job's bpm.log: " + e.getMessage();
            close();
        }
    }

    /**
     * Appends the instant as {@code DateTimeFormatter.ISO_INSTANT} writes it (UTC, the fraction in
     * 0, 3, 6 or 9 digits, the fewest that keep every nanosecond), without java.time's formatter:
     * its first use costs about 10 ms of class initialization in the JVM of one bpm start.
     */
    static void isoInstant(StringBuilder b, Instant t) {
        long days = Math.floorDiv(t.getEpochSecond(), 86_400L);
        long secs = Math.floorMod(t.getEpochSecond(), 86_400L);
        // civil date from days since 1970-01-01 (H. Hinnant's days_from_civil, inverted)
        long z = days + 719_468L;
        long era = Math.floorDiv(z, 146_097L);
        long doe = z - era * 146_097L;
        long yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        long day = doy - (153 * mp + 2) / 5 + 1;
        long month = mp < 10 ? mp + 3 : mp - 9;
        long year = yoe + era * 400 + (month <= 2 ? 1 : 0);
        if (year > 9999 || year < 0) throw new IllegalArgumentException("year " + year + " out of bpm.log's range");
        digits(b, year, 4).append('-');
        digits(b, month, 2).append('-');
        digits(b, day, 2).append('T');
        digits(b, secs / 3600, 2).append(':');
        digits(b, secs / 60 % 60, 2).append(':');
        digits(b, secs % 60, 2);
        int nano = t.getNano();
        if (nano != 0) {
            b.append('.');
            if (nano % 1_000_000 == 0) digits(b, nano / 1_000_000, 3);
            else if (nano % 1_000 == 0) digits(b, nano / 1_000, 6);
            else digits(b, nano, 9);
        }
        b.append('Z');
    }

    private static StringBuilder digits(StringBuilder b, long value, int width) {
        String s = Long.toString(value);
        for (int i = s.length(); i < width; i++) b.append('0');
        return b.append(s);
    }

    /** A JSON string literal. */
    static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        String hex = Integer.toHexString(c);
                        b.append("\\u0000", 0, 6 - hex.length()).append(hex);
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    @Override
    public synchronized void close() {
        if (fd >= 0) {
            Sys.raw(Nr.CLOSE, fd);
            fd = -1;
        }
    }
}
