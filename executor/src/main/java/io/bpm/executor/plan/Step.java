package io.bpm.executor.plan;

import java.util.List;
import java.util.Objects;

/**
 * The plan's instruction set: one record per kind of line, in the order a plan lists them.
 * Paths are strings: an absolute host path ({@code /etc}), an internal job path
 * ({@code /var/vcap/jobs/web}), or an external BOSH path written {@code $ROOT/sys/log/web},
 * which the executor binds to the host's BOSH root. Every step says why it exists.
 *
 * <p>Text keywords (see man/bpm-plan.5) are given on each record.
 */
public sealed interface Step {
    /** The token that stands for the external BOSH root in plan paths. */
    String ROOT = "$ROOT";

    Provenance from();

    // ---- identity: where this process's files are ------------------------------------------

    /** {@code container-id ID}: bpm's encoding of JOB[.PROC] (bpm-behaviour.md §2.2). */
    record ContainerId(String id, Provenance from) implements Step { }

    /** {@code lock-file PATH}: the lifecycle flock, serialising start/stop/run of this process. */
    record LockFile(String path, Provenance from) implements Step { }

    /** {@code pid-file PATH}: the public pid file monit watches. */
    record PidFile(String path, Provenance from) implements Step { }

    /** {@code state-dir PATH}: where start keeps the plan and the state that stop reads. */
    record StateDir(String path, Provenance from) implements Step { }

    /** {@code log STREAM PATH}: the stdout, stderr and bpm (lifecycle events) log files. */
    record Log(LogStream stream, String path, Provenance from) implements Step { }

    enum LogStream { STDOUT, STDERR, BPM }

    // ---- credentials the process runs with (bound on the host) -----------------------------

    /**
     * {@code user NAME}: the process runs as this user; {@code vcap}'s uid and primary gid are
     * read from the host's /etc/passwd when the plan is applied; {@code root} is 0:0.
     */
    record User(String name, Provenance from) implements Step { }

    // ---- host preparation, before the sandbox exists -----------------------------------------

    /**
     * {@code mkdir PATH mode=0700 owner=root|vcap}: create the directory and any missing parents
     * (parents 0700, root-owned); an existing directory keeps its mode; the leaf is chowned to
     * the owner every time.
     */
    record MakeDir(String path, int mode, Owner owner, Provenance from) implements Step { }

    /**
     * {@code volume PATH mode=0700 owner=vcap}: an additional volume's host path as bpm treats
     * it: created like {@link MakeDir} when missing; an existing directory is chmodded to mode;
     * an existing file only chowned. Never follows a symlink a job could have planted.
     */
    record VolumeDir(String path, int mode, Owner owner, Provenance from) implements Step { }

    /**
     * {@code share PATH LOCKPATH}: make PATH (which must exist) a shared mount on the host,
     * binding it onto itself first if it is not a mount point, under the volume lock.
     */
    record ShareVolume(String path, String lock, Provenance from) implements Step { }

    /** {@code require-dir PATH REASON}: fail unless this directory exists (e.g. the persistent disk). */
    record RequireDir(String path, String reason, Provenance from) implements Step { }

    /**
     * {@code open-log PATH mode=0600 owner=vcap}: open for appending, creating it, refusing a
     * symlink (O_NOFOLLOW), then fchown through the descriptor.
     */
    record OpenLog(String path, int mode, Owner owner, Provenance from) implements Step { }

    /**
     * {@code hook PROGRAM}: the pre_start program, run on the host as root before launch with
     * the process's environment, stdout/stderr appended to the logs; a failure fails the start.
     */
    record Hook(String program, Provenance from) implements Step { }

    /**
     * Who owns what host preparation creates: root, or vcap, the job's user. vcap also for a
     * privileged process (which runs as root), as bpm does: the job's other processes share
     * these directories.
     */
    enum Owner { ROOT, VCAP }

    // ---- the sandbox --------------------------------------------------------------------------

    /** {@code namespace KIND}: a new namespace of this kind. */
    record Namespace(NamespaceKind kind, Provenance from) implements Step { }

    enum NamespaceKind { MNT, PID, UTS, IPC }

    /**
     * {@code mount TYPE SOURCE TARGET OPTIONS [if-exists]}: one mount of the new root, in apply
     * order. OPTIONS is the comma-separated vocabulary of bpm-behaviour.md §4.5 ({@code -} when
     * none). With {@code ifExists} the mount happens only if SOURCE exists on the host.
     */
    record Mount(String type, String source, String target, List<String> options, boolean ifExists,
                 Provenance from) implements Step {
        public Mount {
            options = List.copyOf(options);
        }
    }

    /**
     * {@code mount-glob PATTERN OPTIONS [exclude DIR...]}: an unrestricted volume; the pattern is
     * expanded on the host when the plan is applied; each match is bind-mounted at the same
     * path, except matches at or under an excluded directory (bpm's own mounts).
     */
    record GlobMount(String pattern, List<String> options, List<String> exclude, Provenance from) implements Step {
        public GlobMount {
            options = List.copyOf(options);
            exclude = List.copyOf(exclude);
        }
    }

    /** {@code mask PATH}: hide a path in the job's view (bind /dev/null or an empty read-only tmpfs). */
    record Mask(String path, Provenance from) implements Step { }

    /** {@code readonly PATH}: remount a path of the job's view read-only. */
    record ReadOnly(String path, Provenance from) implements Step { }

    /** {@code rlimit RESOURCE SOFT HARD}: e.g. NOFILE; values are unsigned 64-bit ({@code unlimited} = 2^64-1). */
    record Rlimit(String resource, long soft, long hard, Provenance from) implements Step { }

    /**
     * {@code cgroup LIMIT VALUE [if-supported]}: memory (bytes), memory+swap (bytes; only where
     * the host accounts swap), pids (count).
     */
    record CgroupLimit(String limit, long value, boolean ifSupported, Provenance from) implements Step { }

    /** {@code capabilities bounding=... inheritable=... permitted=... effective=... ambient=...}. */
    record Capabilities(List<String> bounding, List<String> inheritable, List<String> permitted,
                        List<String> effective, List<String> ambient, Provenance from) implements Step {
        public Capabilities {
            bounding = List.copyOf(bounding);
            inheritable = List.copyOf(inheritable);
            permitted = List.copyOf(permitted);
            effective = List.copyOf(effective);
            ambient = List.copyOf(ambient);
        }
    }

    /** {@code no-new-privs}: PR_SET_NO_NEW_PRIVS, so no exec can gain privileges. */
    record NoNewPrivs(Provenance from) implements Step { }

    /** {@code seccomp PROFILE VERSION}: load this filter as the last step before exec. */
    record Seccomp(String profile, int version, Provenance from) implements Step { }

    /** {@code env NAME VALUE}: one variable of the process's environment, in order. */
    record Env(String name, String value, Provenance from) implements Step { }

    /** {@code cwd PATH}: the working directory, in the job's view. */
    record Cwd(String path, Provenance from) implements Step { }

    /** {@code exec ARGV...}: the command line, starting with the init (tini) and its flags. */
    record Exec(List<String> argv, Provenance from) implements Step {
        public Exec {
            argv = List.copyOf(argv);
            if (argv.isEmpty()) throw new IllegalArgumentException("exec needs a program");
        }
    }

    /**
     * {@code stop signal=TERM quit-after=15000ms kill-after=2000ms}: how stop ends the process: the
     * signal, then SIGQUIT after quitAfterMillis, then SIGKILL killAfterMillis later.
     */
    record Stop(String signal, long quitAfterMillis, long killAfterMillis, Provenance from) implements Step {
        public Stop {
            Objects.requireNonNull(signal);
        }
    }
}
