package io.bpm.compiler.rules;

import io.bpm.compiler.diag.Rule;
import io.bpm.compiler.model.Process;
import io.bpm.compiler.model.Volume;
import io.bpm.executor.plan.HostPath;
import io.bpm.executor.plan.Verifier;
import java.util.List;
import java.util.Set;

/**
 * Rules about additional and unrestricted volumes: bpm's own path checks, plus what it lets
 * through silently (literal globs, other jobs' directories, writable+exec, broad host access).
 */
final class VolumeRules {
    /** Top-level host places whose whole exposure is worth a warning. */
    private static final Set<String> BROAD = Set.of("/", "/var", "/var/vcap", "/var/vcap/data", "/var/vcap/store",
            "/var/vcap/jobs", "/var/vcap/sys", "/var/vcap/sys/log", "/var/vcap/sys/run", "/var/vcap/packages",
            "/var/vcap/data/packages", "/etc", "/usr", "/proc", "/sys", "/dev", "/root", "/home", "/boot", "/run");

    private VolumeRules() {
    }

    static void check(Process p, LintContext cx) {
        for (Volume v : p.additionalVolumes()) {
            additional(v, cx);
            writableState(p, v, cx);
        }
        for (Volume v : p.unrestrictedVolumes()) unrestricted(p, v, cx);
    }

    private static void additional(Volume v, LintContext cx) {
        String ptr = v.pointer() + "/path";
        String path = v.path();
        if (!cx.locations().has(ptr)) return; // no path key at all: the schema reports it
        if (path.isEmpty()) {
            cx.at(Rule.VOLUME_NOT_CANONICAL, ptr, "this volume's path is empty",
                    "write the directory to mount, e.g. /var/vcap/data/JOB/SOMETHING");
            return;
        }
        String clean = HostPath.clean(path);
        if (!clean.equals(path)) {
            cx.at(Rule.VOLUME_NOT_CANONICAL, ptr,
                    "volume path must be canonical, expected " + clean + " but got " + path,
                    "write " + clean, clean);
        }
        // A non-canonical path is judged by its clean form, so one mistake gives one finding.
        String judged = path.startsWith("/") ? clean : path;
        if (!path.startsWith("/") && path.matches("[A-Za-z][A-Za-z0-9+.-]*://.*")) {
            cx.at(Rule.VOLUME_OUTSIDE_ROOT, ptr,
                    "invalid volume path: " + path + " is a URL, not a path (bpm 1.4 refuses it: must be within " + LintContext.ROOT + ")",
                    "a volume is a directory the job sees at the same path, e.g. /var/vcap/data/" + (cx.jobKnown() ? cx.job() : "JOB")
                            + "/NAME; a socket URL belongs in the job's own configuration");
            return;
        }
        if (!path.startsWith("/")) {
            String absolute = absoluteFor(path, cx);
            cx.at(Rule.VOLUME_OUTSIDE_ROOT, ptr,
                    "invalid volume path: " + path + " is relative; volume paths are absolute, the same on the host and in the job "
                            + "(bpm 1.4 refuses it: must be within " + LintContext.ROOT + ")",
                    "write " + absolute, absolute);
            return;
        }
        if (!HostPath.isStrictlyInside(judged, LintContext.ROOT)) {
            cx.at(Rule.VOLUME_OUTSIDE_ROOT, ptr,
                    "invalid volume path: " + path + " must be within " + LintContext.ROOT
                            + (judged.equals(LintContext.ROOT) ? " (a directory below it, not " + LintContext.ROOT + " itself)" : ""),
                    path.startsWith("/")
                            ? "additional volumes live under /var/vcap (e.g. /var/vcap/data/JOB/NAME); a host path elsewhere needs unsafe.unrestricted_volumes"
                            : "volume paths are absolute and the same on the host and in the job, e.g. /var/vcap/data/JOB/" + path);
            return;
        }
        if (cx.jobKnown()) {
            String data = LintContext.ROOT + "/data/" + cx.job();
            String store = LintContext.ROOT + "/store/" + cx.job();
            if (judged.equals(data) || judged.equals(store)) {
                cx.at(Rule.VOLUME_IS_DEFAULT, ptr,
                        "invalid volume path: " + path + " cannot conflict with default job data or store directories",
                        path.equals(data) ? "use 'ephemeral_disk: true' to mount it writable, or a subdirectory as the volume"
                                : "use 'persistent_disk: true' to mount it writable, or a subdirectory as the volume");
            }
        }
        if (GlobPattern.hasMeta(path)) {
            cx.at(Rule.VOLUME_GLOB, ptr,
                    "additional volume " + path + " contains glob characters, which are literal here: bpm would create and mount a directory with exactly this name",
                    "list each directory, or move the pattern to unsafe.unrestricted_volumes, where globs expand");
        }
        otherOwner(path, v.mountOnly(), ptr, cx);
        writableExec(v, cx);
    }

    /**
     * The absolute path a relative volume path most likely means: itself below /var/vcap when it
     * starts with a BOSH area or with var/vcap ("data/queue-worker/spool"), else below the job's
     * data directory, with the real job name when it is known.
     */
    static String absoluteFor(String path, LintContext cx) {
        String clean = HostPath.clean("/" + path);
        if (clean.equals(LintContext.ROOT) || clean.startsWith(LintContext.ROOT + "/")) return clean;
        List<String> c = HostPath.components(clean);
        if (!c.isEmpty() && List.of("data", "store", "sys", "jobs", "packages").contains(c.getFirst())) {
            return LintContext.ROOT + clean;
        }
        return LintContext.ROOT + "/data/" + (cx.jobKnown() ? cx.job() : "JOB") + clean;
    }

    /** Warns when a volume reaches into a directory that belongs to another job or to BOSH. */
    private static void otherOwner(String path, boolean mountOnly, String ptr, LintContext cx) {
        List<String> c = HostPath.components(path);
        // c = [var, vcap, area, owner, ...]
        if (c.size() < 3) return;
        String area = c.get(2);
        String owner;
        switch (area) {
            case "jobs", "store" -> owner = c.size() > 3 ? c.get(3) : null;
            case "data" -> {
                owner = c.size() > 3 ? c.get(3) : null;
                if ("packages".equals(owner) || "bpm".equals(owner) || "sys".equals(owner)) {
                    warnSystem(path, "/var/vcap/data/" + c.get(3), mountOnly, ptr, cx);
                    return;
                }
            }
            case "sys" -> {
                if (c.size() < 5 || !(c.get(3).equals("log") || c.get(3).equals("run"))) {
                    warnSystem(path, "/var/vcap/sys", mountOnly, ptr, cx);
                    return;
                }
                owner = c.get(4);
                if (owner.equals("bpm") || owner.equals("bpm-runc")) {
                    warnSystem(path, "/var/vcap/sys/run/" + owner, mountOnly, ptr, cx);
                    return;
                }
            }
            case "packages", "bosh", "monit", "micro", "micro_bosh", "instance" -> {
                warnSystem(path, "/var/vcap/" + area, mountOnly, ptr, cx);
                return;
            }
            default -> { return; }
        }
        if (owner == null) { // /var/vcap/data itself: every job's directories at once
            cx.at(Rule.VOLUME_OTHER_JOB, ptr,
                    "volume " + path + " is the whole " + area + " area of every job on the VM"
                            + (mountOnly ? "" : "; bpm will chown it to vcap and chmod it 0700, locking other jobs out"),
                    "mount only the directory the job needs, e.g. " + path + "/" + (cx.jobKnown() ? cx.job() : "JOB") + "/NAME");
            return;
        }
        if (!cx.jobKnown() || owner.equals(cx.job())) return;
        // Under jobs/ the owner is surely a job; under data/, store/ and sys/ it is a job's name
        // by BOSH convention, or a directory shared between jobs.
        String ownerDir = "/var/vcap/" + String.join("/", c.subList(2, Math.min(c.size(), area.equals("sys") ? 5 : 4)));
        String whose = area.equals("jobs") ? "the directory of job \"" + owner + "\""
                : ownerDir + ", not this job's (it belongs to another job, or is shared between jobs)";
        boolean itself = HostPath.clean(path).equals(ownerDir) && !area.equals("jobs");
        cx.at(Rule.VOLUME_OTHER_JOB, ptr,
                "volume " + path + (itself ? " is not this job's directory (it belongs to another job, or is shared between jobs)"
                        : " lies under " + whose)
                        + (mountOnly ? "" : "; bpm will chown it to vcap and chmod it 0700 on every start"),
                "use a directory of this job (/var/vcap/data/" + cx.job() + "/...), or share data through a dedicated directory"
                        + (mountOnly ? "" : " (or set mount_only: true if the other job owns it)"));
    }

    private static void warnSystem(String path, String area, boolean mountOnly, String ptr, LintContext cx) {
        cx.at(Rule.VOLUME_OTHER_JOB, ptr,
                "volume " + path + " lies under " + area + ", which belongs to BOSH or bpm itself"
                        + (mountOnly ? "" : "; bpm will chown it to vcap and chmod it 0700"),
                "use a directory of this job under /var/vcap/data/JOB or /var/vcap/store/JOB"
                        + (mountOnly ? "" : ", or set mount_only: true"));
    }

    private static void writableExec(Volume v, LintContext cx) {
        if (v.writable() && v.allowExecutions()) {
            cx.at(Rule.VOLUME_WRITABLE_EXEC, v.pointer(),
                    "volume " + v.path() + " is writable and allows executions: a compromised job can write a program there and run it",
                    "drop allow_executions, or writable, unless the job really must run code it writes (e.g. a JIT cache)");
        }
    }

    private static void unrestricted(Process p, Volume v, LintContext cx) {
        String ptr = v.pointer() + "/path";
        String path = v.path();
        if (!cx.locations().has(ptr)) return; // no path key at all: the schema reports it
        if (!path.startsWith("/")) {
            cx.at(Rule.UNRESTRICTED_NOT_ABSOLUTE, ptr,
                    path.isEmpty() ? "this unrestricted volume has no path, so it mounts nothing"
                            : "unrestricted volume \"" + path + "\" is not absolute; bpm 1.4 expands it from its working directory (/ under monit), so this bpm reads it as /" + path,
                    "write an absolute path or pattern, e.g. /" + path);
            if (path.isEmpty()) return;
            path = "/" + path;   // what start mounts: the checks below are about that
        }
        var bad = GlobPattern.validate(path);
        if (bad.isPresent()) {
            cx.at(Rule.UNRESTRICTED_BAD_GLOB, ptr,
                    "unrestricted volume \"" + path + "\" is not a valid glob pattern (" + bad.get() + "); bpm fails the start with 'syntax error in pattern'",
                    "close every '[' with ']' and escape a literal '[', '*' or '?' with '\\'");
        } else if (HostPath.clean(path).equals("/")) {
            cx.at(Rule.UNRESTRICTED_ROOT, ptr,
                    "unrestricted volume " + path + " is the host's whole root: mounted over the job's root it would replace every other mount (the job's own directories, /proc, /dev)",
                    "mount the directories the job needs, e.g. /var/vcap/data or /etc/ssl");
        } else {
            if (broad(path)) {
                cx.at(Rule.UNRESTRICTED_BROAD, ptr,
                        "unrestricted volume " + path + " exposes " + (path.equals("/") ? "the whole host" : "a large part of the host") + " to the job"
                                + (v.writable() ? ", writable" : ""),
                        "mount only the files or directories the job needs");
            }
            // What the verifier refuses in the plan (found by fuzzing: these linted clean and did not compile)
            String clean = HostPath.clean(path);
            if (!clean.equals(path)) {
                cx.at(Rule.PATH_NOT_CANONICAL, ptr, "unrestricted volume \"" + ProcessRules.printable(path) + "\" is not canonical; it means " + clean,
                        "write " + clean, clean);
            } else if (v.writable() && !p.privileged() && Verifier.globMayExpose(path)) {
                cx.at(Rule.WRITABLE_SYSTEM, ptr,
                        "unrestricted volume " + path + " is writable and may match a system directory (/etc, /usr, /proc, ...) or bpm's own state "
                                + "(/var/vcap/data/bpm, /var/vcap/sys/run/bpm...): that is root-equivalent write access, a sandbox escape "
                                + "bpm refuses to start unless the process is privileged (man bpm, SANDBOX ESCAPES)",
                        "make it read-only (writable: false) or narrow the pattern; only if the job must write there, set unsafe.privileged");
            } else if (v.writable() && !p.privileged() && (clean.equals("/dev") || clean.startsWith("/dev/"))) {
                cx.at(Rule.WRITABLE_DEV, ptr,
                        "unrestricted volume " + path + " is writable, which adds little under /dev: a socket such as /dev/log accepts "
                                + "connections and a device reads and writes on a read-only mount too; writable only lets the job change "
                                + "the node's mode, owner and times (and create or remove files in a /dev directory)",
                        "drop writable: true unless the job must change the node itself");
            }
        }
        if (v.shared() || v.mountOnly()) {
            cx.at(Rule.VOLUME_IGNORED_OPTION, v.pointer() + (v.shared() ? "/shared" : "/mount_only"),
                    (v.shared() ? "shared" : "mount_only") + " has no effect on an unrestricted volume; bpm ignores it",
                    "remove it, or make this an additional volume under /var/vcap");
        }
        writableExec(v, cx);
    }

    /**
     * A writable additional volume at, under or above bpm's own state (locks, plans, pid files,
     * process state): the plan would hand it to the job, and the verifier refuses that unless the
     * process is privileged (found by fuzzing: it linted clean with only a warning).
     */
    private static void writableState(Process p, Volume v, LintContext cx) {
        String path = v.path();
        if (!path.startsWith("/var/vcap/") || !HostPath.clean(path).equals(path)
                || !Verifier.isProtectedHostPath("$ROOT" + path.substring("/var/vcap".length()))) return;
        if (!v.mountOnly() && Verifier.isBpmState("$ROOT" + path.substring("/var/vcap".length()))) {
            // host preparation chowns a volume to vcap, read-only or not: bpm's locks, plan cache
            // and pid files would become the job's (the verifier refuses such a plan)
            cx.at(Rule.WRITABLE_SYSTEM, v.pointer() + "/path",
                    "volume " + path + " is bpm's own state (or holds it): bpm would chown it to vcap and chmod it 0700 on every start",
                    "use a directory of the job's own, e.g. /var/vcap/data/JOB/NAME");
        } else if (v.writable() && !p.privileged()) {
            cx.at(Rule.WRITABLE_SYSTEM, v.pointer() + "/path",
                    "volume " + path + " is bpm's own state (or holds it), which only a privileged process may mount writable",
                    "use a directory of the job's own, e.g. /var/vcap/data/JOB/NAME");
        }
    }

    /** Whether a pattern's literal part stops at a top-level host place. */
    static boolean broad(String pattern) {
        List<String> c = HostPath.components(pattern);
        StringBuilder literal = new StringBuilder();
        for (String part : c) {
            if (GlobPattern.hasMeta(part)) return BROAD.contains(literal.isEmpty() ? "/" : literal.toString());
            literal.append('/').append(part);
        }
        return BROAD.contains(literal.isEmpty() ? "/" : literal.toString());
    }
}
