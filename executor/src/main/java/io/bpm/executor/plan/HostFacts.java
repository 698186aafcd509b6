package io.bpm.executor.plan;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The late-bound facts of a host that a plan leaves open (plan-format.md: "bound on the
 * host"): the BOSH root that {@code $ROOT} stands for, the {@code vcap} user's ids, which
 * optional mount sources exist, how a {@code mount-glob} pattern expands, and which kernel
 * features apply (swap accounting for {@code cgroup memory+swap ... if-supported}, seccomp).
 *
 * <p>{@link #detect()} reads the real host the way bpm does; tests build facts directly, e.g.
 * {@code HostFacts.of(tempRoot, 65534, 65534)}.
 *
 * @param root             the external BOSH root, absolute ({@code BPM_BOSH_ROOT}, default /var/vcap)
 * @param uid              the uid of user {@code vcap} (the {@code user vcap} step)
 * @param gid              the primary gid of user {@code vcap}
 * @param swapAccounting   whether the host can limit memory+swap (bpm-behaviour.md §4.10)
 * @param seccompSupported false where bpm drops seccomp (a Rosetta binfmt_misc handler, §4.8)
 * @param exists           whether a host path (already bound) exists, following symlinks
 * @param glob             Go's {@code filepath.Glob} over the host (see {@link GoGlob})
 */
public record HostFacts(String root, int uid, int gid, boolean swapAccounting, boolean seccompSupported,
                        Predicate<String> exists, Function<String, List<String>> glob) {

    /** The root when BPM_BOSH_ROOT is unset or empty, and always the root inside the container. */
    public static final String DEFAULT_ROOT = "/var/vcap";

    /** The environment variable that moves the external BOSH root (bpm-behaviour.md §1.1). */
    public static final String ROOT_VARIABLE = "BPM_BOSH_ROOT";

    /** The user every non-privileged job runs as. */
    public static final String USER = "vcap";

    public HostFacts {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(exists, "exists");
        Objects.requireNonNull(glob, "glob");
        if (!root.startsWith("/")) {
            throw new IllegalArgumentException("the BOSH root must be an absolute path, found '" + root + "'");
        }
        if (uid < 0 || gid < 0) {
            throw new IllegalArgumentException("negative uid or gid: " + uid + ":" + gid);
        }
    }

    /**
     * Facts for a root and user ids, looking at the real file system for existence and globs;
     * no swap accounting, seccomp supported. Adjust with the {@code with...} methods.
     */
    public static HostFacts of(String root, int uid, int gid) {
        return new HostFacts(root, uid, gid, false, true, HostFacts::pathExists, GoGlob::glob);
    }

    public HostFacts withSwapAccounting(boolean supported) {
        return new HostFacts(root, uid, gid, supported, seccompSupported, exists, glob);
    }

    public HostFacts withSeccompSupported(boolean supported) {
        return new HostFacts(root, uid, gid, swapAccounting, supported, exists, glob);
    }

    public HostFacts withExists(Predicate<String> test) {
        return new HostFacts(root, uid, gid, swapAccounting, seccompSupported, test, glob);
    }

    /**
     * The facts of this host: root from {@code BPM_BOSH_ROOT}, {@code vcap} from /etc/passwd,
     * seccomp as bpm's sysfeat decides it, and swap accounting as the caller read it from the
     * host's cgroup layout ({@code io.bpm.executor.host.Cgroups#swapAccounting}: a start reads
     * /proc/self/mountinfo once, for these facts and its cgroup; this package depends on none of
     * the host's classes).
     *
     * @throws IllegalStateException if /etc/passwd cannot be read or has no usable vcap entry
     */
    public static HostFacts detect(boolean swapAccounting) {
        String root = rootFrom(System.getenv());
        Path passwd = Path.of("/etc/passwd");
        PasswdEntry vcap;
        try {
            vcap = lookupUser(passwd, USER).orElse(null);
            if (vcap == null) {
                throw new IllegalStateException("user '" + USER + "' not found in " + passwd + ": bpm runs jobs as " + USER
                        + " and reads " + passwd + " directly (no NSS, LDAP or sssd)");
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + passwd + " to find user '" + USER + "': " + e.getMessage(), e);
        }
        return new HostFacts(root, vcap.uid(), vcap.gid(), swapAccounting, detectSeccompSupported(),
                new RealHost(), new RealHost());
    }

    /** This host's file system as the facts see it (a class, not method references: this is on every start's path). */
    private static final class RealHost implements Predicate<String>, Function<String, List<String>> {
        @Override
        public boolean test(String path) {
            return pathExists(path);
        }

        @Override
        public List<String> apply(String pattern) {
            return GoGlob.glob(pattern);
        }
    }

    /** The BOSH root given an environment: BPM_BOSH_ROOT when set and non-empty, else /var/vcap. */
    public static String rootFrom(Map<String, String> environment) {
        String value = environment.get(ROOT_VARIABLE);
        return value == null || value.isEmpty() ? DEFAULT_ROOT : value;
    }

    /**
     * Binds a plan path to this host: {@code $ROOT} and {@code $ROOT/rel} become the root and
     * root/rel (joined and cleaned like Go's {@code filepath.Join}); any other path is returned
     * unchanged ({@code $ROOTS/x} is not a root path).
     */
    public String bind(String planPath) {
        if (planPath.equals(Step.ROOT)) {
            return HostPath.clean(root);
        }
        if (planPath.startsWith(Step.ROOT + "/")) {
            return HostPath.clean(root + planPath.substring(Step.ROOT.length()));
        }
        return planPath;
    }

    /** Whether a host path exists (following symlinks), per these facts. */
    public boolean exists(String hostPath) {
        return exists.test(hostPath);
    }

    /** Go's {@code filepath.Glob} of a host pattern, per these facts. */
    public List<String> glob(String hostPattern) {
        return glob.apply(hostPattern);
    }

    /**
     * The job's view of a host path under the root: root/rel becomes /var/vcap/rel (the
     * internal root never moves); other paths are returned unchanged.
     */
    public String jobView(String hostPath) {
        String r = HostPath.clean(root);
        if (hostPath.equals(r)) {
            return DEFAULT_ROOT;
        }
        String prefix = r.equals("/") ? "/" : r + "/";
        if (hostPath.startsWith(prefix)) {
            return HostPath.clean(DEFAULT_ROOT + "/" + hostPath.substring(prefix.length()));
        }
        return hostPath;
    }

    // --------------------------------------------------------------------------------- users

    /** One /etc/passwd entry as Go's pure-Go user lookup returns it, ids parsed as bpm does. */
    public record PasswdEntry(String name, int uid, int gid) {
    }

    /**
     * Looks a user up in a passwd file exactly as Go's {@code os/user} does when built without
     * cgo (bpm is): lines are trimmed, blank lines and {@code #} comments skipped, a line needs
     * at least six colons, the first line whose first field equals the name wins. The uid and
     * primary gid must be decimal numbers ({@code strconv.Atoi}) and not negative.
     *
     * @return empty if no line names the user
     * @throws IllegalStateException if the entry's ids are unusable
     */
    public static Optional<PasswdEntry> lookupUser(Path passwd, String name) throws IOException {
        String text = new String(Files.readAllBytes(passwd), StandardCharsets.ISO_8859_1);
        for (String raw : text.split("\n", -1)) {
            String line = raw.strip();
            if (line.isEmpty() || line.charAt(0) == '#') {
                continue;
            }
            int colons = 0;
            for (int i = 0; i < line.length(); i++) {
                if (line.charAt(i) == ':') colons++;
            }
            if (colons < 6) {
                continue;
            }
            String[] parts = line.split(":", 7);
            if (!parts[0].equals(name)) {
                continue;
            }
            return Optional.of(new PasswdEntry(name, id(passwd, name, "uid", parts[2]), id(passwd, name, "gid", parts[3])));
        }
        return Optional.empty();
    }

    /** What Go's strconv.Atoi takes: an optional sign and at least one ASCII digit (no regex: this runs on every start). */
    static boolean goAtoi(String text) {
        int i = !text.isEmpty() && (text.charAt(0) == '+' || text.charAt(0) == '-') ? 1 : 0;
        if (i == text.length()) return false;
        for (; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') return false;
        }
        return true;
    }

    private static int id(Path passwd, String user, String what, String text) {
        long value;
        try {
            if (!goAtoi(text)) {
                throw new NumberFormatException();
            }
            value = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("user '" + user + "' in " + passwd + " has a " + what + " that is not a number: '" + text + "'");
        }
        if (value < 0) {
            throw new IllegalStateException("user '" + user + "' in " + passwd + " has a negative " + what + ": " + value);
        }
        if (value > Integer.MAX_VALUE) {
            throw new IllegalStateException("user '" + user + "' in " + passwd + " has a " + what + " above " + Integer.MAX_VALUE + ": " + value);
        }
        return (int) value;
    }

    // ------------------------------------------------------------------------------ features

    /** systemd runs the host when this is a directory (bpm's and runc's test); then jobs go in transient scopes. */
    public static final Path SYSTEMD_RUNNING = Path.of("/run/systemd/system");

    /**
     * Whether a job's cgroup on a pure cgroup v2 host can limit swap: whether the cgroup the
     * job's goes below (the scope's slice under systemd, else bpm's own cgroup) has
     * {@code memory.swap.max}. bpm 1.4 looks at the root cgroup, which never has the file, and
     * so never limits swap on a real VM: a job over its memory limit swaps instead of being
     * OOM-killed. The root cannot answer for itself, so there a child cgroup that has the
     * memory controller answers (the kernel gives every such cgroup the file unless swap
     * accounting is off).
     */
    public static boolean v2SwapLimitable(Path mount, String ownCgroup, boolean systemd) {
        String own = ownCgroup == null ? "/" : ownCgroup;
        String parent = systemd ? ScopeName.of(own, "x").slicePath() : HostPath.clean("/".concat(own));
        Path dir = parent.equals("/") ? mount : mount.resolve(parent.substring(1));
        if (!dir.equals(mount)) {
            return Files.exists(dir.resolve("memory.swap.max"), LinkOption.NOFOLLOW_LINKS);
        }
        try (java.nio.file.DirectoryStream<Path> children = Files.newDirectoryStream(mount)) {
            for (Path child : children) {
                if (Files.exists(child.resolve("memory.max"), LinkOption.NOFOLLOW_LINKS)) {
                    return Files.exists(child.resolve("memory.swap.max"), LinkOption.NOFOLLOW_LINKS);
                }
            }
        } catch (IOException e) {
            return false;
        }
        // no child has the memory controller yet (bpm enables it for the job's cgroup): the root
        // offers it, the kernel has swap, and nothing turned swap accounting off
        String controllers;
        String cmdline;
        try {
            controllers = Files.readString(mount.resolve("cgroup.controllers"), StandardCharsets.US_ASCII);
            cmdline = Files.readString(Path.of("/proc/cmdline"), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return false;
        }
        return words(controllers).contains("memory") && pathExists("/proc/swaps")
                && !words(cmdline).contains("swapaccount=0") && !cmdline.contains("noswap");
    }

    /** The words of a text separated by ASCII whitespace, without regex. */
    public static List<String> words(String text) {
        List<String> out = new java.util.ArrayList<>();
        int start = -1;
        for (int i = 0; i <= text.length(); i++) {
            boolean space = i == text.length() || text.charAt(i) <= ' ';
            if (space && start >= 0) {
                out.add(text.substring(start, i));
                start = -1;
            } else if (!space && start < 0) {
                start = i;
            }
        }
        return out;
    }

    /** bpm's seccomp detection: supported unless a Rosetta binfmt_misc handler is registered. */
    public static boolean detectSeccompSupported() {
        return !pathExists("/proc/sys/fs/binfmt_misc/rosetta");
    }

    private static boolean pathExists(String path) {
        if (path.isEmpty()) {
            return false;
        }
        try {
            return Files.exists(Path.of(path));
        } catch (InvalidPathException | SecurityException e) {
            return false;
        }
    }
}
