package io.bpm.executor.host;

import io.bpm.executor.plan.HostFacts;
import io.bpm.executor.plan.HostPath;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The cgroup layout of this host, as seen by this process: which cgroup version is in use, where
 * the memory and pids controllers are mounted, which cgroup this process is in, whether swap can
 * be limited, and where a job's cgroup goes ({@link #job}).
 *
 * <p>Read from {@code /proc/self/mountinfo} and {@code /proc/self/cgroup} (no statfs needed: the
 * file system type at /sys/fs/cgroup is in mountinfo):
 * <ul>
 *   <li>{@link Version#V2}: /sys/fs/cgroup is cgroup2 (or cgroup2 is the only cgroup file system);
 *       controllers are those listed in our own cgroup's {@code cgroup.controllers};</li>
 *   <li>{@link Version#V1}: cgroup v1 hierarchies only, one per mount, its controllers in the
 *       mount's super options;</li>
 *   <li>{@link Version#HYBRID}: v1 hierarchies plus a cgroup2 mount (usually
 *       /sys/fs/cgroup/unified, often with no controllers: this machine's has only hugetlb). A
 *       controller bound to a v1 hierarchy is used there; one that only the unified hierarchy
 *       offers is used there.</li>
 * </ul>
 *
 * <p>Naming (bpm-behaviour.md §4.11). bpm gives runc {@code cgroupsPath = join(own, containerID)},
 * where own is the path of its {@code 0::} line ({@link #cgroupsPath}). The job's cgroup here is:
 * <ul>
 *   <li>v2: {@code <unified mount>/<own 0:: path>/<container-id>}, which is where runc puts it;</li>
 *   <li>v1: {@code <hierarchy mount>/<own path in that hierarchy>/<container-id>} in the memory and
 *       the pids hierarchy, which is where runc puts a container with no cgroupsPath (bpm on a
 *       pure v1 host). On a hybrid host bpm passes the {@code 0::} path and runc uses it in every
 *       v1 hierarchy; under systemd the paths agree, elsewhere this follows each hierarchy's
 *       own path instead, so the job is always below bpm's own cgroup (limits nest).</li>
 * </ul>
 * Own paths are taken relative to the hierarchy's mount root, so this also works inside a
 * container that mounts a sub-tree. Who makes the job's cgroup is the {@link CgroupDriver}'s choice:
 * this class is the layout, for the cgroupfs driver and for the systemd driver's paths.
 */
public final class Cgroups {

    public enum Version { V1, HYBRID, V2 }

    /**
     * Where a controller is used.
     *
     * @param controller {@code memory} or {@code pids}
     * @param unified    whether it is a controller of the cgroup2 hierarchy
     * @param mountPoint where its hierarchy is mounted
     * @param ownDir     this process's own cgroup in that hierarchy (a directory under mountPoint)
     */
    public record Hierarchy(String controller, boolean unified, Path mountPoint, Path ownDir) {
    }

    private final Version version;
    private final boolean unifiedHost;
    private final Path unifiedMount;
    private final String unifiedOwn;
    private final Hierarchy memory;
    private final Hierarchy pids;

    private Cgroups(Version version, boolean unifiedHost, Path unifiedMount, String unifiedOwn, Hierarchy memory, Hierarchy pids) {
        this.version = version;
        this.unifiedHost = unifiedHost;
        this.unifiedMount = unifiedMount;
        this.unifiedOwn = unifiedOwn;
        this.memory = memory;
        this.pids = pids;
    }

    /** The layout of this host, for this process. */
    public static Cgroups detect() throws IOException {
        return detect(Path.of("/proc/self/mountinfo"), Path.of("/proc/self/cgroup"));
    }

    /** The layout given a mountinfo and a /proc/PID/cgroup file (tests point them at fake trees). */
    public static Cgroups detect(Path mountinfo, Path selfCgroup) throws IOException {
        List<MountTable.Entry> mounts = MountTable.read(mountinfo);
        String self = new String(Files.readAllBytes(selfCgroup), StandardCharsets.UTF_8);

        String rootType = null;
        MountTable.Entry unified = null;
        List<MountTable.Entry> v1 = new ArrayList<>();
        for (MountTable.Entry e : mounts) {
            if (e.mountPoint().equals("/sys/fs/cgroup")) {
                rootType = e.fsType(); // the topmost mount there is what statfs would see
            }
            if (e.fsType().equals("cgroup2")) {
                if (unified == null || e.mountPoint().equals("/sys/fs/cgroup")
                        || e.mountPoint().equals("/sys/fs/cgroup/unified") && !unified.mountPoint().equals("/sys/fs/cgroup")) {
                    unified = e;
                }
            } else if (e.fsType().equals("cgroup")) {
                v1.add(e);
            }
        }
        Version version;
        if ("cgroup2".equals(rootType) || v1.isEmpty() && unified != null) {
            version = Version.V2;
            v1.clear();
        } else if (!v1.isEmpty()) {
            version = unified == null ? Version.V1 : Version.HYBRID;
        } else {
            throw new IOException("no cgroup file system is mounted (" + mountinfo + " lists neither cgroup nor cgroup2)");
        }

        String unifiedOwn = ownPath(self, null);
        Path unifiedMount = unified == null ? null : Path.of(unified.mountPoint());
        Path unifiedOwnDir = unified == null ? null : under(unifiedMount, unified.root(), unifiedOwn == null ? "/" : unifiedOwn);
        String unifiedControllers = unifiedOwnDir == null ? "" : readOrEmpty(unifiedOwnDir.resolve("cgroup.controllers"));
        return new Cgroups(version, "cgroup2".equals(rootType), unifiedMount, unifiedOwn,
                hierarchy("memory", v1, self, unifiedMount, unifiedOwnDir, unifiedControllers),
                hierarchy("pids", v1, self, unifiedMount, unifiedOwnDir, unifiedControllers));
    }

    private static Hierarchy hierarchy(String controller, List<MountTable.Entry> v1, String self, Path unifiedMount,
                                       Path unifiedOwnDir, String unifiedControllers) {
        for (MountTable.Entry e : v1) {
            if (e.hasOption(controller)) {
                String own = ownPath(self, controller);
                Path mount = Path.of(e.mountPoint());
                return new Hierarchy(controller, false, mount, under(mount, e.root(), own == null ? "/" : own));
            }
        }
        if (unifiedOwnDir != null && hasWord(unifiedControllers, controller)) {
            return new Hierarchy(controller, true, unifiedMount, unifiedOwnDir);
        }
        return null;
    }

    /**
     * The path of this process's cgroup in a hierarchy from /proc/self/cgroup: the {@code 0::}
     * line when controller is null, else the v1 line listing the controller. Null when absent.
     * Trailing CR/LF trimmed, anything else kept (as bpm does).
     */
    static String ownPath(String selfCgroup, String controller) {
        for (String line : selfCgroup.split("\n")) {
            int a = line.indexOf(':');
            int b = a < 0 ? -1 : line.indexOf(':', a + 1);
            if (b < 0) {
                continue;
            }
            String controllers = line.substring(a + 1, b);
            String path = stripEol(line.substring(b + 1));
            if (controller == null ? line.startsWith("0::") : hasCommaWord(controllers, controller)) {
                return path;
            }
        }
        return null;
    }

    /** The directory of cgroup {@code path} in a hierarchy whose mount shows {@code mountRoot}. */
    private static Path under(Path mount, String mountRoot, String path) {
        String rel;
        if (mountRoot.equals("/")) {
            rel = path;
        } else if (path.equals(mountRoot) || path.startsWith(mountRoot) && path.charAt(mountRoot.length()) == '/') {
            rel = path.substring(mountRoot.length());
        } else {
            rel = "/"; // outside what this mount shows: the best we can do is its root
        }
        return resolve(mount, rel);
    }

    /** mount + a cgroup path ("/a/b"), cleaned so that "/" is the mount itself. */
    static Path resolve(Path mount, String cgroupPath) {
        String clean = HostPath.clean("/".concat(cgroupPath));
        return clean.equals("/") ? mount : mount.resolve(clean.substring(1));
    }

    // ---- what callers ask -----------------------------------------------------------------------

    public Version version() {
        return version;
    }

    /**
     * Whether /sys/fs/cgroup itself is cgroup2 (its topmost mount, as statfs sees it): bpm's test
     * for a unified host. Then {@link #unifiedMount} is /sys/fs/cgroup. ({@link #version} is V2
     * also when cgroup2 is the only cgroup file system but mounted elsewhere.)
     */
    public boolean unifiedHost() {
        return unifiedHost;
    }

    /**
     * Whether a job's cgroup can limit swap on this layout: on cgroup v1 as bpm's (§4.10), whether
     * the memory hierarchy has memory.memsw.limit_in_bytes (kernel swapaccount=1); on a unified
     * cgroup v2 host, whether the job's parent cgroup has memory.swap.max
     * ({@link HostFacts#v2SwapLimitable}; bpm 1.4 asks the root cgroup, which never has it). On a
     * hybrid host only a v1 memory hierarchy counts, as in bpm. No memory hierarchy: false.
     */
    public boolean swapAccounting() {
        if (unifiedHost) {
            return HostFacts.v2SwapLimitable(unifiedMount, ownPath(),
                    Files.isDirectory(HostFacts.SYSTEMD_RUNNING, LinkOption.NOFOLLOW_LINKS));
        }
        return memory != null && !memory.unified() && Files.exists(memory.mountPoint().resolve("memory.memsw.limit_in_bytes"));
    }

    /** {@link #swapAccounting} of this host's layout; no cgroup file system (or no /proc) reads as false. */
    public static boolean detectSwapAccounting() {
        try {
            return detect().swapAccounting();
        } catch (IOException e) {
            return false;
        }
    }

    /** Where the memory controller is used; null if this host has none. */
    public Hierarchy memory() {
        return memory;
    }

    /** Where the pids controller is used; null if this host has none. */
    public Hierarchy pids() {
        return pids;
    }

    /** This process's cgroup v2 path (its {@code 0::} line in /proc/self/cgroup), or null on pure v1. */
    public String ownPath() {
        return unifiedOwn;
    }

    /** The cgroup2 mount point, or null. */
    public Path unifiedMount() {
        return unifiedMount;
    }

    /**
     * The {@code cgroupsPath} bpm would give runc (non-systemd): the {@code 0::} path joined with
     * the container id, or "" when this process has no {@code 0::} line (pure v1). For the OCI
     * export; this executor places the job with {@link #job}.
     */
    public String cgroupsPath(String containerId) {
        return unifiedOwn == null ? "" : HostPath.clean(unifiedOwn + "/" + containerId);
    }

    /** The job's cgroup: {@code <own cgroup>/<container id>} in each hierarchy it needs. */
    public JobCgroup job(String containerId) throws IOException {
        return job(null, containerId);
    }

    /**
     * The job's cgroup under another parent, a cgroup path such as "/" (the hierarchy's root),
     * in each hierarchy: for tests that must not touch the cgroup they run in.
     */
    public JobCgroup job(String parent, String containerId) throws IOException {
        if (containerId.isEmpty() || containerId.indexOf('/') >= 0 || containerId.equals(".") || containerId.equals("..")) {
            throw new IllegalArgumentException("not a cgroup name: \"" + containerId + "\"");
        }
        Path memoryDir = memory == null ? null : dir(memory, parent, containerId);
        Path pidsDir = pids == null ? null : dir(pids, parent, containerId);
        Path trackDir = null;
        if (memoryDir == null && pidsDir == null) {
            if (unifiedMount == null) {
                throw new IOException("neither a memory nor a pids cgroup hierarchy is mounted: bpm cannot track or limit the job");
            }
            // no controller at all, but a cgroup2 hierarchy still tracks and kills the job's processes
            Path own = parent == null ? resolve(unifiedMount, unifiedOwn == null ? "/" : unifiedOwn) : resolve(unifiedMount, parent);
            trackDir = own.resolve(containerId);
        }
        return new JobCgroup(memoryDir, memory != null && memory.unified(), pidsDir, pids != null && pids.unified(), trackDir);
    }

    private static Path dir(Hierarchy h, String parent, String containerId) {
        Path base = parent == null ? h.ownDir() : resolve(h.mountPoint(), parent);
        return base.resolve(containerId);
    }

    // ---- small text helpers -------------------------------------------------------------------

    static String readOrEmpty(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** Whether whitespace-separated text (cgroup.controllers, cgroup.subtree_control) has the word. */
    static boolean hasWord(String text, String word) {
        int n = text.length();
        int i = 0;
        while (i < n) {
            while (i < n && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && !Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            if (i - start == word.length() && text.startsWith(word, start)) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasCommaWord(String text, String word) {
        for (String w : text.split(",")) {
            if (w.equals(word)) {
                return true;
            }
        }
        return false;
    }

    private static String stripEol(String s) {
        int end = s.length();
        while (end > 0 && (s.charAt(end - 1) == '\n' || s.charAt(end - 1) == '\r')) {
            end--;
        }
        return s.substring(0, end);
    }
}
