package io.bpm.executor.host;

import io.bpm.executor.sys.Errno;
import io.bpm.executor.sys.Linux;
import io.bpm.executor.sys.Nr;
import io.bpm.executor.sys.Sys;
import io.bpm.executor.sys.SysException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The exclusive lock that serialises start, stop and run of one process (bpm-behaviour.md §6.6:
 * the plan's {@code lock-file}, e.g. {@code $ROOT/data/bpm/locks/job-bpm-web.2eweb.lock}), and
 * the volume lock held while a shared volume is made shared (§5.3). Released by {@link #close},
 * or by the kernel when the process exits, so a crashed bpm never leaves a job locked.
 *
 * <p>It is the lock today's bpm takes: {@code flock(fd, LOCK_EX)} on the lock file, so a Go bpm
 * and this one on the same host exclude each other. A flock belongs to the open file
 * description, which is opened O_CLOEXEC: the job's init never inherits it.
 *
 * <p>The lock directory is created 0700 (with missing parents, also 0700, as bpm's MkdirAll
 * does), the lock file 0600, opened without following a symlink. Lock files are never deleted
 * (deleting one while another process waits on it would let two holders in). One JVM takes one
 * lock per file: a second attempt from the same JVM would wait for itself forever, so it is a
 * programming error ({@link IllegalStateException}), not a wait.
 */
public final class LifecycleLock implements AutoCloseable {

    private static final int LOCK_EX = 2;
    private static final int LOCK_NB = 4;

    /** The files this JVM holds a lock on. */
    private static final Set<Path> HELD = new HashSet<>();

    private final Path path;
    private final Path key;
    private int fd;

    private LifecycleLock(Path path, Path key, int fd) {
        this.path = path;
        this.key = key;
        this.fd = fd;
    }

    /** Takes the lock, waiting as long as another process holds it (bpm has no timeout either). */
    public static LifecycleLock acquire(Path lockFile) throws IOException {
        return take(lockFile, true).orElseThrow();
    }

    /** Takes the lock if nobody holds it; empty if another process does. */
    public static Optional<LifecycleLock> tryAcquire(Path lockFile) throws IOException {
        return take(lockFile, false);
    }

    private static Optional<LifecycleLock> take(Path lockFile, boolean wait) throws IOException {
        Path key = lockFile.toAbsolutePath().normalize();
        synchronized (HELD) {
            if (!HELD.add(key)) {
                throw new IllegalStateException("this process already holds the lock " + lockFile);
            }
        }
        int fd = -1;
        try {
            fd = open(lockFile);
            long r;
            do {
                r = Sys.raw(Nr.FLOCK, fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB);
            } while (r == -Errno.EINTR);
            if (r == -Errno.EAGAIN && !wait) {
                release(key, fd);
                return Optional.empty();
            }
            if (r < 0) {
                throw new IOException("cannot lock " + lockFile + ": "
                        + new SysException(Nr.FLOCK, new long[] {fd, LOCK_EX}, (int) -r).getMessage());
            }
            return Optional.of(new LifecycleLock(lockFile, key, fd));
        } catch (IOException | RuntimeException e) {
            release(key, fd);
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    public synchronized boolean isHeld() {
        return fd >= 0;
    }

    /** Releases the lock (closing the file releases it). Idempotent. */
    @Override
    public synchronized void close() {
        if (fd >= 0) {
            release(key, fd);
            fd = -1;
        }
    }

    private static void release(Path key, int fd) {
        if (fd >= 0) {
            Sys.raw(Nr.CLOSE, fd);
        }
        synchronized (HELD) {
            HELD.remove(key);
        }
    }

    private static int open(Path lockFile) throws IOException {
        Path dir = lockFile.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir, SafeDirs.attribute(0700));
        }
        try {
            return Sys.open(lockFile.toString(), Linux.O_RDWR | Linux.O_CREAT | Linux.O_NOFOLLOW | Linux.O_CLOEXEC
                    | Linux.O_NOCTTY, 0600);
        } catch (SysException e) {
            String why = e.errno() == Errno.ELOOP ? "refusing to open symlink at " + lockFile : "cannot open " + lockFile;
            throw new IOException(why + ": " + e.getMessage(), e);
        }
    }
}
