package io.bpm.executor.systemd;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real dbus-daemon of the test's own, listening on a unix socket in a temp dir and on an
 * abstract socket, with a config that lets anyone talk to anyone. {@link #close} kills it and
 * removes its files, whatever the test did.
 */
final class TestBus implements AutoCloseable {
    static final Path DAEMON = Path.of("/usr/bin/dbus-daemon");

    final Path dir;
    final String pathAddress;
    final String abstractAddress;
    private final Process daemon;

    private TestBus(Path dir, String pathAddress, String abstractAddress, Process daemon) {
        this.dir = dir;
        this.pathAddress = pathAddress;
        this.abstractAddress = abstractAddress;
        this.daemon = daemon;
    }

    /** Skips loudly when dbus-daemon is missing (.ci/run installs it). */
    static TestBus start() throws Exception {
        if (!Files.isExecutable(DAEMON)) System.err.println("SKIPPED LOUDLY: " + DAEMON + " is missing: apt-get install dbus-daemon");
        assumeTrue(Files.isExecutable(DAEMON), "SKIPPED LOUDLY: " + DAEMON + " is missing: apt-get install dbus-daemon");
        Path dir = Files.createTempDirectory("bpm-dbus-test");
        String abstractName = "bpm-dbus-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        String pathAddress = "unix:path=" + dir.resolve("bus");
        String abstractAddress = "unix:abstract=" + abstractName;
        Path config = dir.resolve("bus.conf");
        Files.writeString(config, """
                <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
                 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
                <busconfig>
                  <type>bpm-test</type>
                  <listen>%s</listen>
                  <listen>%s</listen>
                  <auth>EXTERNAL</auth>
                  <policy context="default">
                    <allow user="*"/>
                    <allow send_destination="*" eavesdrop="true"/>
                    <allow eavesdrop="true"/>
                    <allow own="*"/>
                  </policy>
                </busconfig>
                """.formatted(pathAddress, abstractAddress));
        Process p = new ProcessBuilder(DAEMON.toString(), "--config-file=" + config, "--nofork", "--nopidfile",
                "--nosyslog", "--print-address=1")
                .redirectErrorStream(true).start();
        TestBus bus = new TestBus(dir, pathAddress, abstractAddress, p);
        try {
            // the first line it prints is the address it listens on: ready then
            ExecutorService one = Executors.newSingleThreadExecutor();
            try {
                Future<String> line = one.submit(() ->
                        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine());
                String printed = line.get(10, TimeUnit.SECONDS);
                if (printed == null || !printed.startsWith("unix:")) {
                    throw new IOException("dbus-daemon did not start: " + printed);
                }
            } finally {
                one.shutdownNow();
            }
            return bus;
        } catch (Exception e) {
            bus.close();
            throw e;
        }
    }

    BusConnection connect() throws IOException {
        return BusConnection.open(pathAddress, java.time.Duration.ofSeconds(10));
    }

    @Override
    public void close() throws IOException, InterruptedException {
        daemon.destroyForcibly();
        daemon.waitFor(10, TimeUnit.SECONDS);
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
        }
    }
}
