package io.bpm.executor.plan;

import java.util.ArrayList;
import java.util.List;

/**
 * The one place that says what this bpm refuses although bpm 1.4 starts it: a sandbox escape,
 * a writable mount that gives an unprivileged job root-equivalent write access to the host or to
 * bpm's own state. Nothing else bpm 1.4 starts is refused (man/bpm.1, "SANDBOX ESCAPES", lists
 * the same places; ManPageTest holds the two together). The verifier refuses such a plan, and
 * lint reports it as BPM326 (writable-system).
 *
 * <p>Under /dev nothing is on the list: a unix socket such as /dev/log and a device node work
 * read-only too (a read-only mount stops no connect(2) and no write(2) to a device), so
 * writability only adds changing the node's mode, owner and times, or creating files in a /dev
 * directory, which lint warns about (BPM327).
 */
public final class SandboxEscape {
    private SandboxEscape() {
    }

    /**
     * Host directories no unprivileged job may mount writable, nor anything under them;
     * {@code /lib*} is every top-level directory whose name starts with "lib" (lib, lib32,
     * lib64, libx32). "/" itself, which holds them all, is one too.
     */
    static final List<String> SYSTEM_DIRS = List.of("/etc", "/usr", "/bin", "/sbin", "/lib*", "/boot", "/proc", "/sys");

    /** bpm's own state below the BOSH root (locks, plans; pid files; process state): never writable by a job. */
    static final List<String> BPM_STATE = List.of("/data/bpm", "/sys/run/bpm", "/sys/run/bpm-state");

    /** Every place, as man/bpm.1 lists them: "/", the system directories, then $ROOT's bpm state. */
    public static List<String> places() {
        List<String> all = new ArrayList<>();
        all.add("/");
        all.addAll(SYSTEM_DIRS);
        BPM_STATE.forEach(d -> all.add(Step.ROOT + d));
        return all;
    }

    /** "/" itself, or a system directory or anything under one (canonical absolute paths). */
    static boolean isSystemPath(String path) {
        if (path.equals("/")) return true;
        List<String> parts = HostPath.components(path);
        for (String d : SYSTEM_DIRS) {
            if (topMatches(d, parts.getFirst())) return true;
        }
        return false;
    }

    /** Whether a top-level directory's name is the system directory {@code dir} ("/lib*": any lib...). */
    static boolean topMatches(String dir, String name) {
        String want = dir.substring(1);
        return want.endsWith("*") ? name.startsWith(want.substring(0, want.length() - 1)) : name.equals(want);
    }

    /**
     * Whether a glob could match "/", a system directory, something below one or an ancestor of
     * one. Conservative: a component with a glob character is taken to match anything.
     */
    static boolean globMayExposeSystem(String pattern) {
        List<String> glob = HostPath.components(pattern);
        if (glob.isEmpty()) return true;
        String first = glob.getFirst();
        if (Verifier.hasGlobMeta(first)) return true;
        for (String d : SYSTEM_DIRS) {
            if (topMatches(d, first)) return true;
        }
        return false;
    }
}
