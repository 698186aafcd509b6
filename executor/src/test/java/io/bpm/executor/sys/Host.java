package io.bpm.executor.sys;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** What the kernel tests need from the host, and how they prove they left it as they found it. */
public final class Host {
    private Host() { }

    public static final List<String> ENV = List.of("PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C");

    private static String namespaceProblem;   // null = not probed yet, "" = fine

    /** Skips (loudly) unless this is x86-64, we are root, and clone3 into new namespaces works. */
    public static void assumeRootAndNamespaces() {
        String arch = System.getProperty("os.arch");
        assume("amd64".equals(arch), "the launch stub is x86-64 only, os.arch=" + arch);
        assume(Sys.geteuid() == 0, "needs root (euid " + Sys.geteuid() + ") for clone3 into new namespaces");
        if (namespaceProblem == null) {
            namespaceProblem = "";
            try (Tape t = new Tape()) {
                t.execve("/bin/true", List.of("true"), ENV);
                var l = Launcher.launch(t);
                Sys.waitPidfd(l.pidfd());
                Sys.close(l.pidfd());
            } catch (SysException e) {
                if (e.errno() == Errno.EPERM || e.errno() == Errno.EINVAL || e.errno() == Errno.ENOSYS
                        || e.errno() == Errno.ENOSPC) {
                    namespaceProblem = e.getMessage();
                } else {
                    throw e;
                }
            }
        }
        assume(namespaceProblem.isEmpty(), "clone3 into new namespaces is refused here: " + namespaceProblem);
    }

    public static void assume(boolean ok, String why) {
        if (!ok) System.err.println("SKIPPED LOUDLY: " + why);
        assumeTrue(ok, "SKIPPED LOUDLY: " + why);
    }

    public static List<String> mountinfo() {
        return lines(Path.of("/proc/self/mountinfo"));
    }

    /** Children of every thread of this JVM: a launched child not reaped shows up here. */
    public static List<String> children() {
        List<String> out = new ArrayList<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    String c = Files.readString(t.resolve("children")).trim();
                    if (!c.isEmpty()) out.add(t.getFileName() + ": " + c);
                } catch (IOException gone) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    public static long openFds() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String hostname() {
        return read(Path.of("/proc/sys/kernel/hostname")).trim();
    }

    public static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<String> lines(Path p) {
        try {
            return Files.readAllLines(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The host state every kernel test must leave unchanged. */
    record Snapshot(List<String> mountinfo, String hostname) {
        static Snapshot take() {
            return new Snapshot(Host.mountinfo(), Host.hostname());
        }

        void assertUnchanged() {
            assertEquals(List.of(), children(), "a launched child was left behind");
            assertEquals(mountinfo, Host.mountinfo(), "the host mount table changed");
            assertEquals(hostname, Host.hostname(), "the host hostname changed");
        }
    }
}
