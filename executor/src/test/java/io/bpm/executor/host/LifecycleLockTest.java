package io.bpm.executor.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LifecycleLockTest {

    @TempDir
    Path root;

    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void stopChildren() throws InterruptedException {
        for (Process p : children) {
            p.destroyForcibly();
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), "lock holder " + p.pid() + " ended");
        }
    }

    private Path lockFile(String name) {
        return root.resolve("data/bpm/locks").resolve(name);
    }

    @Test
    void theLockFileIs0600InA0700DirectoryAndHeldUntilClosed() throws IOException {
        Path file = lockFile("job-bpm-web.2eweb.lock");
        try (LifecycleLock lock = LifecycleLock.acquire(file)) {
            assertTrue(lock.isHeld());
            assertEquals(file, lock.path());
            assertTrue(heldByThisProcess(file));
            assertEquals(0600, mode(file));
            assertEquals(0700, mode(file.getParent()));
            assertEquals(0700, mode(root.resolve("data/bpm")), "missing parents are 0700 too");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> LifecycleLock.tryAcquire(file));
            assertTrue(e.getMessage().contains("already holds"), e.getMessage());
            lock.close();
            assertFalse(lock.isHeld());
            assertFalse(heldByThisProcess(file));
            lock.close(); // idempotent
        }
        assertTrue(Files.exists(file), "lock files are never deleted");
        try (LifecycleLock again = LifecycleLock.tryAcquire(file).orElseThrow()) {
            assertTrue(again.isHeld());
        }
    }

    @Test
    void anotherProcessBlocksUntilTheLockIsReleased() throws Exception {
        Path file = lockFile("job-bpm-web.2eweb.lock");
        LifecycleLock lock = LifecycleLock.acquire(file);
        Child waiter;
        try {
            waiter = spawn("block", file);
            assertEquals("waiting", waiter.next(20));
            assertNull(waiter.lines.poll(1, TimeUnit.SECONDS), "the second process waits while the lock is held");
            Child trier = spawn("try", file);
            assertEquals("busy", trier.next(20));
        } finally {
            lock.close();
        }
        assertEquals("acquired", waiter.next(20), "it gets the lock once released");
        // now the other process holds it
        assertTrue(LifecycleLock.tryAcquire(file).isEmpty());
        waiter.process.getOutputStream().close();
        assertEquals("released", waiter.next(20));
        try (LifecycleLock mine = LifecycleLock.tryAcquire(file).orElseThrow()) {
            assertTrue(mine.isHeld());
        }
    }

    @Test
    void differentPathsDoNotBlockEachOther() throws Exception {
        try (LifecycleLock web = LifecycleLock.acquire(lockFile("job-bpm-web.2eweb.lock"))) {
            Child other = spawn("block", lockFile("job-bpm-web.2eworker.lock"));
            assertEquals("waiting", other.next(20));
            assertEquals("acquired", other.next(20));
            assertTrue(web.isHeld());
        }
    }

    @Test
    void aLockDiesWithItsProcess() throws Exception {
        Path file = lockFile("job-bpm-web.2eweb.lock");
        Child holder = spawn("hold", file);
        assertEquals("locked", holder.next(20));
        assertTrue(LifecycleLock.tryAcquire(file).isEmpty());
        holder.process.destroyForcibly().waitFor();
        Optional<LifecycleLock> mine = LifecycleLock.tryAcquire(file);
        assertTrue(mine.isPresent(), "a killed holder releases the lock");
        mine.get().close();
    }

    @Test
    void itIsTheFlockTodaysBpmTakes() throws Exception {
        // util-linux flock(1) takes flock(2), as Go bpm does: each side must see the other's lock
        Path file = lockFile("job-bpm-web.2eweb.lock");
        try (LifecycleLock lock = LifecycleLock.acquire(file)) {
            assertEquals(1, new ProcessBuilder("flock", "-n", file.toString(), "true").start().waitFor(),
                    "flock(1) is refused while bpm holds the lock");
        }
        assertEquals(0, new ProcessBuilder("flock", "-n", file.toString(), "true").start().waitFor());
        Process holder = new ProcessBuilder("flock", file.toString(), "sleep", "30").start();
        try {
            long deadline = System.nanoTime() + 10_000_000_000L;
            Optional<LifecycleLock> got;
            while ((got = LifecycleLock.tryAcquire(file)).isPresent() && System.nanoTime() < deadline) {
                got.get().close();
                Thread.sleep(20);
            }
            assertTrue(got.isEmpty(), "bpm sees flock(1)'s lock");
        } finally {
            holder.destroyForcibly().waitFor();
        }
    }

    @Test
    void aSymlinkAtTheLockFileIsNotFollowed() throws IOException {
        Path file = lockFile("job-bpm-web.2eweb.lock");
        Files.createDirectories(file.getParent());
        Path target = Files.writeString(root.resolve("victim"), "x");
        Files.createSymbolicLink(file, target);
        assertThrows(IOException.class, () -> LifecycleLock.acquire(file));
        assertEquals("x", Files.readString(target));
    }

    // ---- helpers ------------------------------------------------------------------------------

    private record Child(Process process, BlockingQueue<String> lines) {
        String next(int seconds) throws InterruptedException {
            String line = lines.poll(seconds, TimeUnit.SECONDS);
            if (line == null) throw new AssertionError("no output from lock holder " + process.pid() + " within " + seconds + " s");
            return line;
        }
    }

    private Child spawn(String mode, Path file) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                LockHolder.class.getName(), mode, file.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        children.add(p);
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) lines.add(l);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, "lock-holder-" + p.pid());
        t.setDaemon(true);
        t.start();
        return new Child(p, lines);
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    /** Whether this process holds a flock(2) lock on the file (as today's bpm takes), from /proc/locks. */
    static boolean heldByThisProcess(Path file) {
        try {
            long ino = (Long) Files.getAttribute(file, "unix:ino");
            String pid = Long.toString(ProcessHandle.current().pid());
            for (String line : Files.readAllLines(Path.of("/proc/locks"))) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 6 || f[1].equals("->") || !f[1].equals("FLOCK")) continue;
                String dev = f[5];
                if (f[4].equals(pid) && dev.substring(dev.lastIndexOf(':') + 1).equals(Long.toString(ino))) return true;
            }
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
