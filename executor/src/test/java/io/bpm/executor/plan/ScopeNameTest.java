package io.bpm.executor.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** bpm 1.4.33+'s scope names (bpm-behaviour.md §4.11), every example of the reference, and v2 swap detection. */
class ScopeNameTest {

    @ParameterizedTest(name = "{0} + {1} -> {2}:{3}")
    @CsvSource({
        "/system.slice/monit.service, bpm-web, system.slice, monit-service-bpm, monit-service-bpm-bpm-web.scope",
        "/system.slice/garden-abc.scope/monit.service, bpm-uaa, system.slice, garden-abc-scope-bpm, garden-abc-scope-bpm-bpm-uaa.scope",
        "/system.slice, bpm-uaa, system.slice, system-slice-bpm, system-slice-bpm-bpm-uaa.scope",
        "/garden-abc.scope, bpm-uaa, system.slice, garden-abc-scope-bpm, garden-abc-scope-bpm-bpm-uaa.scope",
        "/, bpm-x, system.slice, bpm, bpm-bpm-x.scope",
        "/user.slice/user-0.slice/session-1.scope, bpm-x, user.slice, user-0-slice-bpm, user-0-slice-bpm-bpm-x.scope",
        "/system.slice/v2vm-command.service, bpm-web.2eworker, system.slice, v2vm-command-service-bpm, v2vm-command-service-bpm-bpm-web.2eworker.scope",
    })
    void namesAsBpm14(String own, String id, String slice, String prefix, String unit) {
        ScopeName n = ScopeName.of(own, id);
        assertEquals(slice, n.slice());
        assertEquals(prefix, n.prefix());
        assertEquals(unit, n.unit());
    }

    @Test
    void cgroupPathsFollowSystemdsSliceLayout() {
        assertEquals("/system.slice/monit-service-bpm-bpm-web.scope", ScopeName.of("/system.slice/monit.service", "bpm-web").cgroupPath());
        assertEquals("/user.slice/user-0-slice-bpm-bpm-x.scope", ScopeName.of("/user.slice/user-0.slice/s.scope", "bpm-x").cgroupPath());
        assertEquals("/a.slice/a-b.slice", new ScopeName("a-b.slice", "p", "p-x.scope").slicePath());
        assertEquals("/a.slice/a-b.slice/a-b-c.slice", new ScopeName("a-b-c.slice", "p", "p-x.scope").slicePath());
        assertEquals("/", new ScopeName("-.slice", "p", "p-x.scope").slicePath());
    }

    @TempDir
    Path dir;

    @Test
    void swapIsDecidedByTheJobsParentNotByTheRootCgroup() throws IOException {
        // a real v2 root: no memory.swap.max at the root, ever
        Path slice = Files.createDirectories(dir.resolve("system.slice/monit.service"));
        Files.writeString(dir.resolve("system.slice/memory.max"), "max\n");
        Files.writeString(dir.resolve("system.slice/memory.swap.max"), "max\n");
        // systemd: the scope goes in system.slice, which has the file
        assertEquals(true, HostFacts.v2SwapLimitable(dir, "/system.slice/monit.service", true));
        // cgroupfs below bpm's own cgroup, which lacks it (no memory controller delegated to it)
        assertEquals(false, HostFacts.v2SwapLimitable(dir, "/system.slice/monit.service", false));
        Files.writeString(slice.resolve("memory.swap.max"), "max\n");
        assertEquals(true, HostFacts.v2SwapLimitable(dir, "/system.slice/monit.service", false));
        // bpm in the root cgroup: a child with the memory controller answers for it
        assertEquals(true, HostFacts.v2SwapLimitable(dir, "/", false));
        Files.delete(dir.resolve("system.slice/memory.swap.max"));
        assertEquals(false, HostFacts.v2SwapLimitable(dir, "/", false)); // swapaccount=0: no child has the file
        // a root whose children have no memory controller yet: the root's controllers and the kernel answer
        Path bare = Files.createDirectories(dir.resolve("bare"));
        assertEquals(false, HostFacts.v2SwapLimitable(bare, "/", false));   // no memory controller at all
        Files.writeString(bare.resolve("cgroup.controllers"), "cpu memory pids\n");
        String cmdline = Files.readString(Path.of("/proc/cmdline"));
        boolean kernelAccountsSwap = Files.exists(Path.of("/proc/swaps")) && !cmdline.contains("swapaccount=0")
                && !cmdline.contains("noswap");
        assertEquals(kernelAccountsSwap, HostFacts.v2SwapLimitable(bare, "/", false));
    }
}
