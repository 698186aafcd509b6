package io.bpm.executor.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The mount table of a process as {@code /proc/PID/mountinfo} lists it (proc(5)). Read instead
 * of calling statfs(2): the executor's host code is plain Java, and mountinfo answers every
 * question asked here (which file system is at /sys/fs/cgroup, where each cgroup hierarchy is
 * mounted and from which of its directories, whether a path is a mount point).
 */
public final class MountTable {

    /**
     * One line of mountinfo.
     *
     * @param root         the directory of the file system that is mounted here (field 4;
     *                     {@code /} unless a sub-tree or a cgroup namespace is involved)
     * @param mountPoint   where it is mounted (field 5), unescaped
     * @param fsType       e.g. {@code cgroup}, {@code cgroup2}, {@code tmpfs}
     * @param superOptions per-superblock options; for a cgroup v1 hierarchy its controllers
     */
    public record Entry(String root, String mountPoint, String fsType, String superOptions) {
        /** Whether a comma-separated super option equals {@code option} (e.g. a v1 controller). */
        public boolean hasOption(String option) {
            int from = 0;
            int n = superOptions.length();
            while (from <= n) {
                int comma = superOptions.indexOf(',', from);
                int end = comma < 0 ? n : comma;
                if (end - from == option.length() && superOptions.startsWith(option, from)) {
                    return true;
                }
                from = end + 1;
            }
            return false;
        }
    }

    private MountTable() {
    }

    /** The mount table of this process. */
    public static List<Entry> self() throws IOException {
        return read(Path.of("/proc/self/mountinfo"));
    }

    public static List<Entry> read(Path mountinfo) throws IOException {
        return parse(new String(Files.readAllBytes(mountinfo), StandardCharsets.ISO_8859_1));
    }

    /**
     * Parses mountinfo text (read as ISO-8859-1 so that each char is one byte). Lines that do not
     * have the documented shape are skipped rather than failing: the kernel may add fields.
     */
    public static List<Entry> parse(String text) {
        List<Entry> out = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl;
            Entry e = line(text.substring(start, end));
            if (e != null) {
                out.add(e);
            }
            start = end + 1;
        }
        return out;
    }

    // 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
    // (1)(2)(3)   (4)   (5)      (6)      (7)   (8) (9)    (10)         (11)
    private static Entry line(String line) {
        String[] f = line.split(" ");
        if (f.length < 10) {
            return null;
        }
        int dash = -1;
        for (int i = 6; i < f.length; i++) {
            if (f[i].equals("-")) {
                dash = i;
                break;
            }
        }
        if (dash < 0 || dash + 3 >= f.length) {
            return null;
        }
        return new Entry(unescape(f[3]), unescape(f[4]), f[dash + 1], f[dash + 3]);
    }

    /** mountinfo writes space, tab, newline and backslash as {@code \ooo}; paths are UTF-8 bytes. */
    static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && isOctal(s, i + 1) && isOctal(s, i + 2) && isOctal(s, i + 3)) {
                b.append((char) ((s.charAt(i + 1) - '0') * 64 + (s.charAt(i + 2) - '0') * 8 + (s.charAt(i + 3) - '0')));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return new String(b.toString().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }

    private static boolean isOctal(String s, int i) {
        return i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '7';
    }

    /**
     * Whether an existing path is a mount point of this process's mount namespace: its real path
     * (symlinks resolved, as bpm's moby/mountinfo check does) is some line's mount point.
     */
    public static boolean isMountPoint(Path path) throws IOException {
        String real = path.toRealPath().toString();
        for (Entry e : self()) {
            if (e.mountPoint().equals(real)) {
                return true;
            }
        }
        return false;
    }
}
