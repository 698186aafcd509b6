package io.bpm.executor.host;

import io.bpm.executor.plan.HostFacts;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bpm features} on this host (no root needed) and where a path of the job's view is on the host. */
class HostFeaturesTest {

    @Test
    void theInitsPathBelowVarVcapIsBelowTheRootOnTheHost() {
        HostFacts facts = HostFacts.of("/bosh", 1000, 1000);
        assertEquals("/bosh/packages/bpm/bin/tini", HostFeatures.hostPathOf(facts, "/var/vcap/packages/bpm/bin/tini"));
        assertEquals("/usr/bin/tini", HostFeatures.hostPathOf(facts, "/usr/bin/tini"), "bound from the host as it is");
        assertEquals("/var/vcapx/tini", HostFeatures.hostPathOf(facts, "/var/vcapx/tini"));
        assertEquals("/bosh", HostFeatures.hostPathOf(facts, "/var/vcap"));
    }

    @Test
    void everyFeatureIsThereOnceWithADetail() {
        List<HostFeatures.Feature> f = HostFeatures.detect(HostFacts.of("/nonexistent-root", 0, 0), "user 'vcap' not found",
                "/nonexistent/tini", "the default");
        assertEquals(List.of("kernel", "cgroup", "cgroup-driver", "memory", "pids", "swap-accounting", "seccomp", "clone3", "pidfd_open", "vcap", "init",
                "root"), f.stream().map(HostFeatures.Feature::name).toList());
        assertTrue(f.stream().allMatch(x -> !x.detail().isBlank()));
        assertTrue(f.get(0).available(), "this kernel names its release");
        assertTrue(f.get(7).available() && f.get(8).available(), "the executor needs clone3 and pidfd_open, and has them here");
        assertEquals(new HostFeatures.Feature("vcap", false, "user 'vcap' not found"), f.get(9));
        assertTrue(!f.get(10).available() && f.get(10).detail().contains("missing"), f.get(10).toString());
        assertTrue(!f.get(11).available() && f.get(11).detail().contains("does not exist"), f.get(11).toString());
        // this host has no systemd as PID 1 (or not on v2): bpm makes the cgroups itself
        assertTrue(f.get(2).available() && f.get(2).detail().startsWith(
                java.nio.file.Files.isDirectory(io.bpm.executor.plan.HostFacts.SYSTEMD_RUNNING) ? "" : "cgroupfs"), f.get(2).toString());
    }
}
