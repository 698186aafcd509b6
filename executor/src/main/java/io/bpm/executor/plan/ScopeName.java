package io.bpm.executor.plan;

/**
 * The transient systemd scope of a job, named as bpm 1.4.33+ names it (bpm-behaviour.md §4.11):
 * bpm hands runc {@code cgroupsPath = slice:prefix:name}, and runc's systemd driver makes the
 * unit {@code <prefix>-<name>.scope} in {@code <slice>}. Called from monit on a Noble stemcell
 * (bpm's own cgroup {@code /system.slice/monit.service}) that is
 * {@code monit-service-bpm-bpm-web.scope} in {@code system.slice}.
 *
 * <p>The names must be byte-for-byte bpm 1.4's: during an upgrade a Java bpm has to find and
 * stop a scope a Go bpm made, and both must agree on which scope is whose.
 *
 * @param slice  the slice the scope goes in, e.g. {@code system.slice}
 * @param prefix the unique part bpm derives from its own cgroup, e.g. {@code monit-service-bpm}
 * @param unit   the scope's unit name, e.g. {@code monit-service-bpm-bpm-web.scope}
 */
public record ScopeName(String slice, String prefix, String unit) {

    private static final String DEFAULT_SLICE = "system.slice";

    /**
     * The scope of a container started by a bpm whose own cgroup (its {@code 0::} line) is
     * {@code ownCgroup}. Scan the path's components: the first ending in {@code .slice} is the
     * slice, and the one after it (normalised) the unique part; with no such pair, the first
     * component that normalises to something non-empty is the unique part.
     */
    public static ScopeName of(String ownCgroup, String containerId) {
        String path = ownCgroup.startsWith("/") ? ownCgroup.substring(1) : ownCgroup;
        String[] parts = path.split("/", -1);
        String slice = DEFAULT_SLICE;
        String unique = null;
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].endsWith(".slice")) {
                slice = parts[i];
                if (i + 1 < parts.length) {
                    unique = normalise(parts[i + 1]) + "-";
                }
                break;
            }
        }
        if (unique == null) {
            unique = "";
            for (String p : parts) {
                String n = normalise(p);
                if (!n.isEmpty()) {
                    unique = n + "-";
                    break;
                }
            }
        }
        String prefix = unique + "bpm";
        return new ScopeName(slice, prefix, prefix + "-" + containerId + ".scope");
    }

    /** Every character outside {@code [A-Za-z0-9_-]} becomes {@code -}, as bpm's regexp replaces it. */
    static String normalise(String component) {
        StringBuilder b = new StringBuilder(component.length());
        for (int i = 0; i < component.length(); i++) {
            char c = component.charAt(i);
            boolean keep = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-';
            b.append(keep ? c : '-');
        }
        return b.toString();
    }

    /**
     * The slice's cgroup path, as systemd lays slices out: each dash opens a level
     * ({@code a-b.slice} lives at {@code /a.slice/a-b.slice}); the root slice is {@code /}.
     */
    public String slicePath() {
        if (slice.equals("-.slice")) {
            return "/";
        }
        String name = slice.substring(0, slice.length() - ".slice".length());
        StringBuilder path = new StringBuilder();
        int dash = -1;
        while ((dash = name.indexOf('-', dash + 1)) >= 0) {
            path.append('/').append(name, 0, dash).append(".slice");
        }
        return path.append('/').append(slice).toString();
    }

    /** The scope's cgroup path below the cgroup2 mount, where systemd puts it. */
    public String cgroupPath() {
        String parent = slicePath();
        return (parent.equals("/") ? "" : parent) + "/" + unit;
    }
}
