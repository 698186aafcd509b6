package io.bpm.compiler.cli;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;

import static io.bpm.compiler.cli.JobHost.await;
import static io.bpm.compiler.cli.JobHost.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Volumes beyond the plain bind, as root against the kernel: a {@code shared} volume carries a
 * mount made in one job to another job and to the host; {@code mount_only} neither creates nor
 * chowns; an unrestricted glob mounts exactly its matches.
 */
class VolumeTest extends JobHostTest {

    @Test
    void aSharedVolumeCarriesAMountFromOneJobToAnotherAndTheHost() throws Exception {
        Path vol = Files.createDirectories(h.root.resolve("data/sharedvol"));
        try {
            // B (unprivileged) starts first and waits for what A will mount into the shared volume
            String b = h.otherJob("b", "until [ -f /var/vcap/data/sharedvol/sub/file ]; do sleep 0.1; done; "
                    + "echo \"b saw $(cat /var/vcap/data/sharedvol/sub/file)\"; while :; do sleep 1; done");
            Files.writeString(h.root.resolve("jobs/" + b + "/config/bpm.yml"), "processes:\n- name: " + b
                    + "\n  executable: /var/vcap/packages/" + b + "/bin/run\n  additional_volumes:\n"
                    + "  - path: /var/vcap/data/sharedvol\n    writable: true\n    shared: true\n");
            assertEquals(0, h.bpm("start", b).code());
            h.script("mkdir -p /var/vcap/data/sharedvol/sub && mount -t tmpfs tmpfs /var/vcap/data/sharedvol/sub "
                    + "&& echo propagated > /var/vcap/data/sharedvol/sub/file && echo mounted; while :; do sleep 1; done");
            h.oneProcess("  unsafe:\n    privileged: true\n  additional_volumes:\n"
                    + "  - path: /var/vcap/data/sharedvol\n    writable: true\n    shared: true\n");
            JobHost.Result a = h.bpm("start", h.job);
            assertEquals(0, a.code(), a.err());
            h.awaitOutput("mounted");
            Path bLog = h.root.resolve("sys/log/" + b + "/" + b + ".stdout.log");
            await("job b to see job a's mount", () -> Files.exists(bLog) && Files.readString(bLog).contains("b saw propagated"));
            assertEquals("propagated\n", Files.readString(vol.resolve("sub/file")), "the host sees it too");
            assertEquals(0, h.bpm("stop", h.job).code());
            assertEquals(0, h.bpm("stop", b).code());
        } finally {
            // the job's tmpfs propagated to the host, and the volume was made shared there: bpm
            // leaves both, as today's bpm does; the test must not
            exec("sh", "-c", "grep -q ' " + vol + "/sub ' /proc/self/mountinfo && umount -l " + vol + "/sub; "
                    + "while grep -q ' " + vol + " ' /proc/self/mountinfo; do umount -l " + vol + "; done; true");
        }
    }

    @Test
    void aMountOnlyVolumeIsNeitherCreatedNorChowned() throws Exception {
        Path vol = Files.createDirectories(h.root.resolve("data/owned-by-other"));
        Files.setPosixFilePermissions(vol, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(vol.resolve("f"), "x\n");
        h.script("cat /var/vcap/data/owned-by-other/f; ls -d /var/vcap/data/not-there 2>&1 | grep -c 'No such'; sleep 100");
        h.oneProcess("  additional_volumes:\n  - path: /var/vcap/data/owned-by-other\n    mount_only: true\n");
        JobHost.Result start = h.bpm("start", h.job);
        assertEquals(0, start.code(), start.err());
        h.awaitOutput("x");
        assertEquals(0, Files.getAttribute(vol, "unix:uid", LinkOption.NOFOLLOW_LINKS), "not chowned to vcap");
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(vol)), "mode unchanged");
        assertEquals(0, h.bpm("stop", h.job).code());
    }

    @Test
    void anUnrestrictedGlobMountsExactlyItsMatchesAndNothingUnderTheJobsOwnMounts() throws Exception {
        // outside /tmp and /var/tmp: matches under the job's own mounts are filtered out, as bpm does
        Path base = Files.createTempDirectory(Path.of("/var/lib"), "bpm-glob-");
        try {
            for (Path top : new Path[] {base, h.root}) {
                for (String j : new String[] {"one", "two"}) {
                    Path cfg = Files.createDirectories(top.resolve("jobs/" + j + "/config"));
                    Files.writeString(cfg.resolve("indicators.yml"), "indicators of " + j + "\n");
                    Files.writeString(cfg.resolve("secrets.yml"), "secret of " + j + "\n");
                }
            }
            h.script("find " + base + " " + h.root + "/jobs/one " + h.root + "/jobs/two -type f 2>&1 | sort; echo listed; sleep 100");
            h.oneProcess("  unsafe:\n    unrestricted_volumes:\n    - path: " + base + "/jobs/*/config/indicators.yml\n"
                    + "    - path: " + h.root + "/jobs/*/config/indicators.yml\n");
            JobHost.Result start = h.bpm("start", h.job);
            assertEquals(0, start.code(), start.err());
            h.awaitOutput("listed");
            String seen = Files.readString(h.stdoutLog());
            assertTrue(seen.contains(base + "/jobs/one/config/indicators.yml\n" + base + "/jobs/two/config/indicators.yml\n"), seen);
            assertFalse(seen.contains("secrets.yml"), seen);
            assertFalse(seen.contains(h.root + "/jobs/one/config"), "a match under /var/tmp (the job's own tmp) is not mounted: " + seen);
            assertEquals(0, h.bpm("stop", h.job).code());
        } finally {
            exec("rm", "-rf", base.toString());
        }
    }
}
