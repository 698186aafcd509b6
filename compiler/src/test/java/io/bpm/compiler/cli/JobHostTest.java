package io.bpm.compiler.cli;

import io.bpm.executor.host.Cgroups;
import io.bpm.executor.plan.ContainerId;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The frame of every test that runs bpm as root on a temporary BOSH root ({@link JobHost}):
 * skipped loudly without root or tini, a fresh root and job per test, and afterwards the proof
 * that the test left the host as it found it: no mount of the root, no instance and no cgroup of
 * the job, and nothing that bpm stop of each process left for the root's safety net to kill
 * ({@link JobHost#leftByStop}). A subclass's own {@code @BeforeEach} runs after the root exists and its
 * {@code @AfterEach} before the root is removed.
 */
abstract class JobHostTest {

    JobHost h;

    @BeforeAll
    static void requireRootAndTini() throws Exception {
        JobHost.requireRootAndTini();
    }

    @AfterAll
    static void removeVcap() throws Exception {
        JobHost.removeVcap();
    }

    @BeforeEach
    void makeRoot() throws Exception {
        h = new JobHost();
    }

    @AfterEach
    void leaveTheHostClean() throws Exception {
        if (h == null) return;
        h.close();
        assertEquals(List.of(), h.leftByStop, "bpm stop of every process left nothing for the safety net to kill");
        assertFalse(h.mountsOfRoot(), "no mount of the temporary root is left");
        assertEquals(0, JobHost.instances(h.job), "no instance of the job is left");
        assertFalse(Cgroups.detect().job(ContainerId.encode(h.job, h.job)).exists(), "no cgroup of the job is left");
    }
}
