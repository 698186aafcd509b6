package io.bpm.executor.host;

import io.bpm.executor.plan.Step;
import io.bpm.executor.plan.Step.LogStream;
import io.bpm.executor.plan.Step.MakeDir;
import io.bpm.executor.plan.Step.OpenLog;
import io.bpm.executor.plan.Step.RequireDir;
import io.bpm.executor.plan.Step.ShareVolume;
import io.bpm.executor.plan.Step.VolumeDir;
import io.bpm.executor.sys.Linux;
import io.bpm.executor.sys.Nr;
import io.bpm.executor.sys.Sys;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.function.IntConsumer;

/**
 * Host preparation (bpm-behaviour.md §5.2, §5.3, §5.5): the {@code mkdir}, {@code volume},
 * {@code share}, {@code require-dir} and {@code open-log} steps of a bound plan, in plan order,
 * as root, before the sandbox exists. The {@code hook} step is left to the caller (it runs after
 * the cgroup and before the launch).
 *
 * <p>What each step does, as bpm does it:
 * <ul>
 *   <li>{@code mkdir}: missing parents are created root:root 0700, the leaf with the step's mode
 *       if it is missing (an existing one keeps its mode), then the leaf is chowned, every time;</li>
 *   <li>{@code volume}: missing, it is created like mkdir; an existing directory is chmodded to the
 *       mode (bpm's "always 0700", §12 q4); an existing regular file is only chowned;</li>
 *   <li>{@code share}: under the volume lock, the existing path is bound onto itself unless it is
 *       already a mount point, then made MS_SHARED ({@link Mounter});</li>
 *   <li>{@code require-dir}: fails with the step's reason unless the directory exists;</li>
 *   <li>{@code open-log}: opened O_WRONLY|O_APPEND|O_CREAT|O_NOFOLLOW (mode only on creation,
 *       content kept), then chowned; a symlink there is refused and its target left alone.</li>
 * </ul>
 *
 * <p>Where this differs from bpm, on purpose:
 * <ul>
 *   <li>No symlink a job could have planted is followed, anywhere on the way ({@link SafeDirs});
 *       bpm's stat/chown/MkdirAll follow them.</li>
 *   <li>chmod and chown go through a descriptor opened without following a symlink; an existing
 *       volume path that is neither a directory nor a regular file (a device, a FIFO) is refused
 *       instead of chowned.</li>
 *   <li>A shared volume that cannot be made shared is an error even when it already was a mount
 *       point (bpm ignores that failure, §10 item 7).</li>
 * </ul>
 *
 * <p>Every call is a raw system call through the sys layer on descriptors {@link SafeDirs} opened;
 * a log file is chowned through its own descriptor.
 */
public final class HostPreparation {

    private final BoundPlan plan;
    private final Mounter mounter;
    private final SafeDirs dirs;

    private final IntConsumer beforeStep;

    public HostPreparation(BoundPlan plan, Mounter mounter) {
        this(plan, mounter, step -> { });
    }

    /** With {@code beforeStep} told the number of each preparation step before it is applied (fault injection). */
    public HostPreparation(BoundPlan plan, Mounter mounter, IntConsumer beforeStep) {
        this.plan = plan;
        this.mounter = mounter;
        this.dirs = new SafeDirs(plan.facts().root());
        this.beforeStep = beforeStep;
    }

    /** The process's log files, open for appending (O_CLOEXEC descriptors); closing closes both. */
    public record Logs(int stdout, int stderr) implements AutoCloseable {
        @Override
        public void close() {
            Sys.raw(Nr.CLOSE, stdout);
            Sys.raw(Nr.CLOSE, stderr);
        }
    }

    /**
     * Applies the host-preparation steps in order and returns the opened logs. On failure nothing
     * stays open; what was created stays (bpm never removes these either).
     */
    public Logs apply() throws PreparationException {
        String stdoutPath = plan.log(LogStream.STDOUT);
        String stderrPath = plan.log(LogStream.STDERR);
        int out = -1;
        int err = -1;
        boolean done = false;
        try {
            int n = 0;
            for (Step s : plan.steps()) {
                if (s instanceof MakeDir || s instanceof VolumeDir || s instanceof ShareVolume || s instanceof RequireDir
                        || s instanceof OpenLog) {
                    beforeStep.accept(n++);
                }
                if (s instanceof MakeDir m) {
                    makeDir(m, m.path(), m.mode(), plan.ownerUid(m.owner()), plan.ownerGid(m.owner()));
                } else if (s instanceof VolumeDir v) {
                    volume(v);
                } else if (s instanceof ShareVolume v) {
                    share(v);
                } else if (s instanceof RequireDir r) {
                    requireDir(r);
                } else if (s instanceof OpenLog o) {
                    int fd = openLog(o, o.path(), o.mode(), plan.ownerUid(o.owner()), plan.ownerGid(o.owner()));
                    if (o.path().equals(stdoutPath) && out < 0) {
                        out = fd;
                    } else if (o.path().equals(stderrPath) && err < 0) {
                        err = fd;
                    } else {
                        Sys.raw(Nr.CLOSE, fd);
                        throw new PreparationException(o, "open-log " + o.path() + " is neither the stdout nor the stderr log", null);
                    }
                }
            }
            if (out < 0 || err < 0) {
                throw new IllegalStateException("the plan does not open both the stdout and the stderr log");
            }
            done = true;
            return new Logs(out, err);
        } catch (PreparationException e) {
            throw e;
        } catch (IOException e) {
            throw new PreparationException(plan.steps().getFirst(), describe(e), e);
        } finally {
            if (!done) {
                if (out >= 0) Sys.raw(Nr.CLOSE, out);
                if (err >= 0) Sys.raw(Nr.CLOSE, err);
            }
        }
    }

    // ---- mkdir --------------------------------------------------------------------------------

    /**
     * MkdirAll with root:root 0700 parents, the leaf created with {@code mode}, then the leaf
     * chowned. Public for bpm.log's directory, which start, stop and run make before the lock.
     */
    public void makeDir(String path, int mode, int uid, int gid) throws PreparationException {
        makeDir(new MakeDir(path, mode, uid == 0 ? Step.Owner.ROOT : Step.Owner.VCAP, io.bpm.executor.plan.Provenance.DEFAULT),
                path, mode, uid, gid);
    }

    private void makeDir(Step step, String path, int mode, int uid, int gid) throws PreparationException {
        try (SafeDirs.Opened dir = dirs.open(path, true)) {
            if (dir.created()) {
                dir.chmod(mode);
            }
            dir.chown(uid, gid);
        } catch (IOException e) {
            throw new PreparationException(step, "cannot create directory " + path + ": " + describe(e), e);
        }
    }

    // ---- volume -------------------------------------------------------------------------------

    private void volume(VolumeDir v) throws PreparationException {
        String path = v.path();
        int uid = plan.ownerUid(v.owner());
        int gid = plan.ownerGid(v.owner());
        try (SafeDirs.Opened parent = dirs.open(SafeDirs.parentOf(path), true)) {
            String name = SafeDirs.nameOf(path);
            SafeDirs.Stat a = parent.lstat(name);
            boolean follow = false;
            if (a != null && a.isSymbolicLink()) {
                dirs.checkFollow(parent.fd(), parent.path(), path);
                follow = true;
                a = parent.stat(name);
            }
            if (a == null || a.isDirectory()) {
                // missing or a directory: made (if missing), chmodded and chowned through its descriptor
                try (SafeDirs.Opened dir = dirs.open(path, true)) {
                    dir.chmod(v.mode());
                    dir.chown(uid, gid);
                }
            } else if (a.isRegularFile()) {
                // a file volume is only chowned (bpm compares the mode of directories only)
                parent.chownAt(name, uid, gid, follow);
            } else {
                throw new PreparationException(v, "refusing to prepare volume " + path
                        + ": it is neither a directory nor a regular file", null);
            }
        } catch (PreparationException e) {
            throw e;
        } catch (IOException e) {
            throw new PreparationException(v, "cannot prepare volume " + path + ": " + describe(e), e);
        }
    }

    // ---- share --------------------------------------------------------------------------------

    private void share(ShareVolume v) throws PreparationException {
        String path = v.path();
        try (LifecycleLock lock = LifecycleLock.acquire(Path.of(v.lock()))) {
            // walk it like any volume: it must exist, and no planted symlink may lead elsewhere
            try (SafeDirs.Opened parent = dirs.open(SafeDirs.parentOf(path), false)) {
                SafeDirs.Stat a = parent.lstat(SafeDirs.nameOf(path));
                if (a == null) {
                    throw new PreparationException(v, "cannot share " + path
                            + ": it does not exist (a shared volume must exist before the job starts)", null);
                }
                if (a.isSymbolicLink()) {
                    dirs.checkFollow(parent.fd(), parent.path(), path);
                }
            } catch (NoSuchFileException e) {
                throw new PreparationException(v, "cannot share " + path + ": " + describe(e)
                        + " (a shared volume must exist before the job starts)", e);
            }
            Path p = Path.of(path);
            boolean bound = false;
            if (!mounter.isMountPoint(p)) {
                mounter.bindOntoItself(p);
                bound = true;
            }
            try {
                mounter.makeShared(p);
            } catch (IOException e) {
                if (bound) {
                    try {
                        mounter.unmount(p);
                    } catch (IOException u) {
                        e.addSuppressed(u);
                    }
                }
                throw e;
            }
        } catch (PreparationException e) {
            throw e;
        } catch (IOException e) {
            throw new PreparationException(v, "cannot share " + path + ": " + describe(e), e);
        }
    }

    // ---- require-dir --------------------------------------------------------------------------

    private void requireDir(RequireDir r) throws PreparationException {
        try (SafeDirs.Opened dir = dirs.open(r.path(), false)) {
            // exists and is a directory
        } catch (NoSuchFileException | NotDirectoryException e) {
            throw new PreparationException(r, r.reason() + ": no directory at " + r.path(), e);
        } catch (IOException e) {
            throw new PreparationException(r, r.reason() + ": " + describe(e), e);
        }
    }

    // ---- open-log -----------------------------------------------------------------------------

    /**
     * Opens a log file for appending as bpm does (§5.5), refusing a symlink. Public for bpm.log,
     * which start, stop and run open before taking the lock. The caller closes the descriptor.
     */
    public int openLog(String path, int mode, int uid, int gid) throws PreparationException {
        return openLog(new OpenLog(path, mode, uid == 0 ? Step.Owner.ROOT : Step.Owner.VCAP,
                io.bpm.executor.plan.Provenance.DEFAULT), path, mode, uid, gid);
    }

    /**
     * O_WRONLY|O_APPEND|O_CREAT|O_NOFOLLOW in the open parent, O_NONBLOCK so that a FIFO swapped
     * in after the check cannot block the start (and checked to be a regular file once open),
     * then chowned through the descriptor.
     */
    private int openLog(Step step, String path, int mode, int uid, int gid) throws PreparationException {
        try (SafeDirs.Opened parent = dirs.open(SafeDirs.parentOf(path), false)) {
            String name = SafeDirs.nameOf(path);
            SafeDirs.Stat a = parent.lstat(name);
            if (a != null && a.isSymbolicLink()) {
                throw refuseSymlink(step, path, null);
            }
            if (a != null && !a.isRegularFile()) {
                throw new PreparationException(step, "refusing to open " + path + ": it is not a regular file", null);
            }
            int fd;
            try {
                fd = parent.openAt(name, Linux.O_WRONLY | Linux.O_APPEND | Linux.O_CREAT | Linux.O_NONBLOCK | Linux.O_NOCTTY, mode);
            } catch (IOException e) {
                SafeDirs.Stat now = parent.lstat(name);
                if (now != null && now.isSymbolicLink()) {
                    throw refuseSymlink(step, path, e);
                }
                throw e;
            }
            try {
                if (!SafeDirs.fstat(fd, path).isRegularFile()) {
                    throw new PreparationException(step, "refusing to open " + path + ": it is not a regular file", null);
                }
                SafeDirs.check(Sys.raw(Nr.FCHOWN, fd, uid, gid), path);
            } catch (PreparationException | RuntimeException e) {
                Sys.raw(Nr.CLOSE, fd);
                throw e;
            } catch (IOException e) {
                Sys.raw(Nr.CLOSE, fd);
                throw new PreparationException(step, "chown " + path + ": " + describe(e), e);
            }
            return fd;
        } catch (PreparationException e) {
            throw e;
        } catch (IOException e) {
            throw new PreparationException(step, "cannot open log " + path + ": " + describe(e), e);
        }
    }

    private static PreparationException refuseSymlink(Step step, String path, IOException cause) {
        return new PreparationException(step, "refusing to open symlink at " + path
                + ": a log file must not be a symbolic link (it was left untouched)", cause);
    }

    // ---- messages -----------------------------------------------------------------------------

    /** An I/O error as "path: reason" with errno-like words, whatever NIO made of it. */
    static String describe(IOException e) {
        if (e instanceof FileSystemException f) {
            String reason = f.getReason();
            if (reason == null) {
                if (e instanceof NoSuchFileException) {
                    reason = "no such file or directory";
                } else if (e instanceof NotDirectoryException) {
                    reason = "not a directory";
                } else if (e instanceof AccessDeniedException) {
                    reason = "permission denied";
                } else {
                    reason = e.getClass().getSimpleName();
                }
            }
            String file = f.getFile();
            return file == null ? reason : file + ": " + reason;
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
