package io.bpm.executor.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Who a pid is, durably: the pid, the process's start time and the boot it started in. A pid alone
 * is not an identity: after the job's init exits its pid can be given to any other process, and
 * after a reboot every pid is new (bpm's state lives on a tmpfs, but BPM_BOSH_ROOT may not).
 * Stop signals a pid only if all three still match ({@link StateStore#isOurs}).
 *
 * @param pid       the process id (in the host's pid namespace)
 * @param startTime field 22 of /proc/PID/stat: clock ticks after boot when it started
 * @param bootId    /proc/sys/kernel/random/boot_id, new at every boot
 */
public record ProcessIdentity(long pid, long startTime, String bootId) {

    private static final Path PROC = Path.of("/proc");
    private static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");

    /** The identity of a live process (a zombie has exited: empty), read now. */
    public static Optional<ProcessIdentity> of(long pid) throws IOException {
        Optional<Stat> s = stat(PROC, pid);
        if (s.isEmpty() || s.get().exited()) {
            return Optional.empty();
        }
        return Optional.of(new ProcessIdentity(pid, s.get().startTime(), currentBootId()));
    }

    /** Whether this identity is a live process now: same pid, start time and boot. */
    public boolean isAlive() throws IOException {
        Optional<Stat> s = stat(PROC, pid);
        return s.isPresent() && !s.get().exited() && s.get().startTime() == startTime && currentBootId().equals(bootId);
    }

    /** This boot's id (trimmed). */
    public static String currentBootId() throws IOException {
        return new String(Files.readAllBytes(BOOT_ID), StandardCharsets.US_ASCII).trim();
    }

    /** The fields of /proc/PID/stat this needs: the state letter and the start time. */
    record Stat(char state, long startTime) {
        /** Z (zombie) and X (dead): the process has exited, whatever still holds its pid. */
        boolean exited() {
            return state == 'Z' || state == 'X';
        }
    }

    /** /proc/PID/stat under a proc root; empty if there is no such process. */
    static Optional<Stat> stat(Path proc, long pid) throws IOException {
        String text;
        try {
            text = new String(Files.readAllBytes(proc.resolve(Long.toString(pid)).resolve("stat")), StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            // ESRCH: it exited while being read
            if (!Files.exists(proc.resolve(Long.toString(pid)))) {
                return Optional.empty();
            }
            throw e;
        }
        return Optional.of(parseStat(text));
    }

    /**
     * Parses /proc/PID/stat. Field 2, the command name in parentheses, may contain spaces and
     * parentheses of its own, so the fields are counted from the last ')': field 3 (the state)
     * follows it, field 22 (starttime) is the 20th after it.
     */
    static Stat parseStat(String text) {
        int close = text.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("not a /proc/PID/stat line: no ')' in \"" + text.strip() + "\"");
        }
        String[] f = text.substring(close + 1).trim().split(" ");
        if (f.length < 20 || f[0].length() != 1) {
            throw new IllegalArgumentException("not a /proc/PID/stat line: " + f.length + " fields after the name");
        }
        return new Stat(f[0].charAt(0), Long.parseLong(f[19]));
    }
}
