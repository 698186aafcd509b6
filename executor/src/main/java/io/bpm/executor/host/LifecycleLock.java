package io.bpm.executor.host;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.Set;

/**
 * The exclusive lock that serialises start, stop and run of one process (bpm-behaviour.md §6.6:
 * the plan's {@code lock-file}, e.g. {@code $ROOT/data/bpm/locks/job-bpm-web.2eweb.lock}), and
 * the volume lock held while a shared volume is made shared (§5.3). Released by {@link #close},
 * or by the kernel when the process exits, so a crashed bpm never leaves a job locked.
 *
 * <p>The lock directory is created 0700 (with missing parents, also 0700, as bpm's MkdirAll
 * does), the lock file 0600, opened without following a symlink. Lock files are never deleted
 * (deleting one while another process waits on it would let two holders in).
 *
 * <p>{@link FileChannel#lock} is an fcntl(2) record lock on the whole file, not the flock(2)
 * that today's bpm takes. Between bpm commands the effect is the same: exclusive, blocking,
 * per process, released on exit. Two differences, both harmless here: the two kinds do not
 * exclude each other (a Go bpm and this one on the same host would not see each other's locks),
 * and an fcntl lock belongs to the process, not to the open file, so a child that inherits the
 * descriptor (the job's init) does not hold it. One rule follows from fcntl: closing ANY
 * descriptor of the lock file in this JVM drops the lock, so nothing else may open it. And one
 * JVM takes one lock per file: a second attempt from the same JVM is a programming error
 * ({@link IllegalStateException}), not a wait.
 */
public final class LifecycleLock implements AutoCloseable {

    private static final Set<OpenOption> OPEN = Set.of(
            StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);

    private final Path path;
    private final FileChannel channel;
    private final FileLock lock;

    private LifecycleLock(Path path, FileChannel channel, FileLock lock) {
        this.path = path;
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock, waiting as long as another process holds it (bpm has no timeout either). */
    public static LifecycleLock acquire(Path lockFile) throws IOException {
        FileChannel ch = open(lockFile);
        try {
            return new LifecycleLock(lockFile, ch, ch.lock());
        } catch (OverlappingFileLockException e) {
            ch.close();
            throw alreadyHeld(lockFile, e);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Takes the lock if nobody holds it; empty if another process does. */
    public static Optional<LifecycleLock> tryAcquire(Path lockFile) throws IOException {
        FileChannel ch = open(lockFile);
        try {
            FileLock l = ch.tryLock();
            if (l == null) {
                ch.close();
                return Optional.empty();
            }
            return Optional.of(new LifecycleLock(lockFile, ch, l));
        } catch (OverlappingFileLockException e) {
            ch.close();
            throw alreadyHeld(lockFile, e);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    public boolean isHeld() {
        return lock.isValid();
    }

    /** Releases the lock (closing the file releases it too). Idempotent. */
    @Override
    public void close() throws IOException {
        try {
            if (lock.isValid()) {
                lock.release();
            }
        } finally {
            channel.close();
        }
    }

    private static FileChannel open(Path lockFile) throws IOException {
        Path dir = lockFile.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir, SafeDirs.attribute(0700));
        }
        return FileChannel.open(lockFile, OPEN, SafeDirs.attribute(0600));
    }

    private static IllegalStateException alreadyHeld(Path lockFile, OverlappingFileLockException e) {
        return new IllegalStateException("this process already holds the lock " + lockFile, e);
    }
}
