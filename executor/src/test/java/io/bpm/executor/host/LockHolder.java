package io.bpm.executor.host;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A second JVM for {@link LifecycleLockTest}: {@code hold|try|block PATH}. Prints what happens
 * ({@code locked}, {@code acquired}, {@code busy}, {@code waiting}) and keeps a lock it got until
 * its stdin closes.
 */
public final class LockHolder {
    public static void main(String[] args) throws IOException {
        Path path = Path.of(args[1]);
        switch (args[0]) {
            case "hold" -> {
                try (LifecycleLock lock = LifecycleLock.acquire(path)) {
                    say("locked");
                    System.in.read();
                }
            }
            case "try" -> {
                Optional<LifecycleLock> lock = LifecycleLock.tryAcquire(path);
                say(lock.isPresent() ? "acquired" : "busy");
                if (lock.isPresent()) {
                    System.in.read();
                    lock.get().close();
                }
            }
            case "block" -> {
                say("waiting");
                try (LifecycleLock lock = LifecycleLock.acquire(path)) {
                    say("acquired");
                    System.in.read();
                }
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
        say("released");
    }

    private static void say(String what) {
        System.out.println(what);
        System.out.flush();
    }
}
