package io.bpm.executor.launch;

import io.bpm.executor.host.MountTable;
import io.bpm.executor.plan.ContainerId;
import io.bpm.executor.plan.HostPath;
import io.bpm.executor.sys.Linux;
import io.bpm.executor.sys.Nr;
import io.bpm.executor.sys.Sys;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mount propagation on a host whose mounts are shared, as systemd makes them (this machine's
 * are private, so the test makes the BOSH root a shared mount of its own): nothing the launch
 * mounts may appear on the host, and a {@code share}d volume must stay a peer of the host's
 * mount (bpm's shared volumes: what a job mounts inside it is seen by the host). Every host
 * mount a test makes is removed afterwards, and the mount table compared with the one before.
 */
class PropagationTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private JobFixture fixture;
    private LaunchPlan.Started started;
    private JobFixture.Snapshot before;

    @BeforeAll
    static void warmUp() throws IOException {
        Files.delete(Files.createTempDirectory(Path.of("/var/tmp"), "bpm-launch-warmup-"));
    }

    @BeforeEach
    void setUp() {
        LaunchPlanTest.assumeRoot();
        before = JobFixture.Snapshot.take();
    }

    @AfterEach
    void hostUnchanged() throws IOException {
        try {
            JobFixture.stop(started);
        } finally {
            if (fixture != null) {
                unmountAllUnder(fixture.root);
                fixture.close();
            }
        }
        before.assertUnchanged(false);
    }

    /** Mount points at or below the directory in this (the host's) mount namespace, deepest first. */
    private static List<String> mountsUnder(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        for (MountTable.Entry e : MountTable.self()) {
            if (HostPath.isUnderOrEqual(e.mountPoint(), dir.toString())) {
                out.add(e.mountPoint());
            }
        }
        return out;
    }

    private static void unmountAllUnder(Path dir) throws IOException {
        List<String> mounts = mountsUnder(dir);
        mounts.sort(Comparator.comparingInt((String m) -> HostPath.components(m).size()).reversed());
        for (String m : mounts) {
            try (Arena a = Arena.ofConfined()) {
                Sys.raw(Nr.UMOUNT2, a.allocateFrom(m).address(), Linux.MNT_DETACH);
            }
        }
    }

    /** The BOSH root becomes a shared mount (bound onto itself), like every mount on a systemd host. */
    private void shareTheRoot() throws IOException {
        SysMounter.INSTANCE.bindOntoItself(fixture.root);
        SysMounter.INSTANCE.makeShared(fixture.root);
        assertTrue(MountTable.self().stream().anyMatch(e -> e.mountPoint().equals(fixture.root.toString())));
    }

    @Test
    void nothingTheLaunchMountsAppearsOnASharedHost() throws Exception {
        fixture = JobFixture.create("echo started; exec sleep 1000");
        shareTheRoot();
        // the job's data directory a shared mount of its own, like an ephemeral disk: its tmp dir is
        // mounted on top of its bind in the job, which must not propagate back
        Path data = Files.createDirectories(fixture.root.resolve("data/" + fixture.job + "/tmp"));
        SysMounter.INSTANCE.bindOntoItself(data.getParent());
        SysMounter.INSTANCE.makeShared(data.getParent());
        List<String> expected = List.of(fixture.root.toString(), data.getParent().toString());
        List<String> shared = Files.readAllLines(Path.of("/proc/self/mountinfo"));
        assertTrue(shared.stream().anyMatch(l -> l.contains(" " + fixture.root + " ") && l.contains(" shared:")), String.join("\n", shared));

        started = LaunchPlan.start(fixture.plan(JobFixture.Spec.plain()), fixture.facts(), fixture.options());
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!JobFixture.read(fixture.stdoutLog()).contains("started") && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals("started\n", JobFixture.read(fixture.stdoutLog()), JobFixture.read(fixture.stderrLog()));
        assertEquals(expected, mountsUnder(fixture.root),
                "the new root, the job's binds and what is mounted on them stay in the job's namespace");
        JobFixture.stop(started);
        started = null;
        assertEquals(expected, mountsUnder(fixture.root), "the teardown unmounted nothing of the host's");
        assertEquals(shared, Files.readAllLines(Path.of("/proc/self/mountinfo")));
    }

    @Test
    void whatAJobMountsInASharedVolumeIsSeenOnTheHost() throws Exception {
        assertTrue(Files.isExecutable(Path.of("/usr/bin/python3")));
        fixture = JobFixture.create("true");
        String j = fixture.job;
        Path volume = Files.createDirectories(fixture.root.resolve("data/" + j + "-volume/inner"));
        for (Path p = volume; !p.equals(fixture.root.resolve("data")); p = p.getParent()) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        String hostVolume = "$ROOT/data/" + j + "-volume";
        fixture.script("exec /usr/bin/python3 -c 'import ctypes, os\n"
                + "libc = ctypes.CDLL(None, use_errno=True)\n"
                + "r = libc.mount(b\"tmpfs\", b\"/var/vcap/data/" + j + "-volume/inner\", b\"tmpfs\", 0, b\"size=64k\")\n"
                + "print(\"mount\", r, os.strerror(ctypes.get_errno()) if r else \"ok\")'");
        JobFixture.Spec spec = JobFixture.Spec.plain().withCapabilities("SYS_ADMIN")
                .withPrep("share " + hostVolume + " $ROOT/data/bpm/locks/" + ContainerId.volumeLockName(fixture.root + "/data/" + j + "-volume"))
                .withPrep("volume " + hostVolume + " mode=0700 owner=vcap")
                .withMount("bind " + hostVolume + " /var/vcap/data/" + j + "-volume rbind,noexec,nosuid,nodev,rw");
        started = LaunchPlan.start(fixture.plan(spec), fixture.facts(), fixture.options());
        assertEquals("exit 0", JobFixture.await(started, WAIT).toString(), JobFixture.read(fixture.stderrLog()));
        started.cgroup().remove(WAIT);
        started = null;
        assertEquals("mount 0 ok\n", JobFixture.read(fixture.stdoutLog()), JobFixture.read(fixture.stderrLog()));
        String onHost = fixture.root + "/data/" + j + "-volume";
        assertEquals(List.of(onHost, onHost + "/inner"), mountsUnder(fixture.root),
                "the share step's bind on the host, and the job's tmpfs, propagated to it");
    }
}
