package io.bpm.executor.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bpm.executor.plan.HostFacts;
import io.bpm.executor.plan.HostPath;
import io.bpm.executor.plan.Plan;
import io.bpm.executor.plan.PlanText;
import io.bpm.executor.plan.Plans;
import io.bpm.executor.plan.Provenance;
import io.bpm.executor.plan.Step;
import io.bpm.executor.plan.Step.CgroupLimit;
import io.bpm.executor.plan.Step.GlobMount;
import io.bpm.executor.plan.Step.LogStream;
import io.bpm.executor.plan.Step.Mount;
import io.bpm.executor.plan.Step.Owner;
import io.bpm.executor.plan.Step.Seccomp;
import io.bpm.executor.plan.Step.User;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BindingTest {

    private static final List<String> RO = List.of("rbind", "noexec", "nosuid", "nodev", "ro");
    private static final List<String> RW = List.of("rbind", "exec", "nosuid", "nodev", "rw");

    private static HostFacts facts(Path root) {
        return HostFacts.of(root.toString(), 1000, 1001).withExists(p -> false);
    }

    @Test
    void rootIsBoundInEveryHostPathAndNowhereElse(@TempDir Path root) {
        BoundPlan b = Binding.bind(Plans.valid(), facts(root));
        String r = root.toString();
        assertEquals(r + "/data/bpm/locks/job-bpm-web.2eweb.lock", b.lockFile());
        assertEquals(r + "/sys/run/bpm/web/web.pid", b.pidFile());
        assertEquals(r + "/sys/run/bpm-state/bpm-web", b.stateDir());
        assertEquals(r + "/sys/log/web/web.stdout.log", b.log(LogStream.STDOUT));
        assertEquals(r + "/sys/log/web/bpm.log", b.log(LogStream.BPM));
        assertEquals("bpm-web", b.containerId());
        String text = PlanText.write(b.plan());
        assertFalse(text.contains("$ROOT"), text);
        Mount packages = mount(b, "/var/vcap/packages");
        assertEquals(r + "/packages", packages.source());
        Mount tmp = mount(b, "/tmp");
        assertEquals(r + "/data/web/tmp", tmp.source());
        assertEquals(Plans.valid().header(), b.plan().header());
    }

    @Test
    void userVcapIsBoundToItsIdsAndRootToZero(@TempDir Path root) {
        BoundPlan vcap = Binding.bind(Plans.valid(), facts(root));
        assertEquals(1000, vcap.uid());
        assertEquals(1001, vcap.gid());
        BoundPlan privileged = Binding.bind(Plans.privileged(), facts(root));
        assertEquals(0, privileged.uid());
        assertEquals(0, privileged.gid());
        // what host preparation makes for vcap is vcap's even for a privileged process
        assertEquals(1000, privileged.ownerUid(Owner.VCAP));
        assertEquals(1001, privileged.ownerGid(Owner.VCAP));
        assertEquals(0, privileged.ownerUid(Owner.ROOT));
        Plan nobody = Plans.replace(Plans.valid(), User.class, u -> new User("nobody", u.from()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Binding.bind(nobody, facts(root)));
        assertTrue(e.getMessage().contains("user nobody"), e.getMessage());
    }

    @Test
    void ifExistsMountsAreKeptUnconditionallyOrDropped(@TempDir Path root) {
        BoundPlan none = Binding.bind(Plans.valid(), facts(root));
        assertTrue(targets(none).stream().noneMatch(t -> t.startsWith("/run/")), targets(none).toString());
        BoundPlan one = Binding.bind(Plans.valid(), facts(root).withExists(p -> p.equals("/run/resolvconf")));
        Mount kept = mount(one, "/run/resolvconf");
        assertFalse(kept.ifExists(), "a kept optional mount is unconditional");
        assertFalse(targets(one).contains("/run/systemd/resolve"));
        assertEquals(targets(none).size() + 1, targets(one).size());
        for (Mount m : one.mounts()) {
            assertFalse(m.ifExists());
        }
    }

    @Test
    void memoryPlusSwapOnlyWithSwapAccounting(@TempDir Path root) {
        BoundPlan without = Binding.bind(Plans.valid(), facts(root));
        assertEquals(List.of("memory", "pids"), without.cgroupLimits().stream().map(CgroupLimit::limit).toList());
        BoundPlan with = Binding.bind(Plans.valid(), facts(root).withSwapAccounting(true));
        assertEquals(List.of("memory", "memory+swap", "pids"), with.cgroupLimits().stream().map(CgroupLimit::limit).toList());
        for (CgroupLimit c : with.cgroupLimits()) {
            assertFalse(c.ifSupported(), "bound limits are unconditional");
        }
        Plan required = Plans.replace(Plans.valid(), Plans.index(Plans.valid(), s -> s instanceof CgroupLimit c
                && c.limit().equals("memory+swap")), new CgroupLimit("memory+swap", 1L << 30, false, Provenance.at("bpm.yml", 8, 19, "limits.memory")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Binding.bind(required, facts(root)));
        assertTrue(e.getMessage().startsWith("bpm.yml:8:19 limits.memory: "), e.getMessage());
        assertTrue(e.getMessage().contains("does not account swap"), e.getMessage());
    }

    @Test
    void seccompIsDroppedWhereBpmDropsIt(@TempDir Path root) {
        assertEquals(1, Binding.bind(Plans.valid(), facts(root)).plan().steps(Seccomp.class).size());
        assertEquals(0, Binding.bind(Plans.valid(), facts(root).withSeccompSupported(false)).plan().steps(Seccomp.class).size());
    }

    @Test
    void globMatchesBecomeBindMountsInDepthThenPathOrder(@TempDir Path host) throws IOException {
        touch(host, "unrestricted/b/file.txt", "unrestricted/a/file.txt", "unrestricted/c/other.txt", "deep/x/y/z/w");
        String u = host.resolve("unrestricted").toString();
        Plan plan = withGlobs(Plans.valid(),
                new GlobMount(u + "/*/file.txt", RO, List.of(), Provenance.at("bpm.yml", 20, 7, "unsafe.unrestricted_volumes[0]")),
                new GlobMount(host + "/deep/*/y", RW, List.of(), Provenance.at("bpm.yml", 22, 7, "unsafe.unrestricted_volumes[1]")));
        BoundPlan b = Binding.bind(plan, facts(Path.of("/var/vcap")));
        assertTrue(b.plan().steps(GlobMount.class).isEmpty(), "no glob survives binding");
        Mount a = mount(b, u + "/a/file.txt");
        assertEquals(u + "/a/file.txt", a.source(), "same path on the host and in the job");
        assertEquals(RO, a.options());
        assertEquals("bpm.yml:20:7 unsafe.unrestricted_volumes[0]", a.from().text());
        mount(b, u + "/b/file.txt");
        assertFalse(targets(b).contains(u + "/c/other.txt"));
        assertEquals(RW, mount(b, host + "/deep/x/y").options());
        assertSorted(b);
        assertEquals(Plans.valid().steps(Mount.class).size() - 2 + 3, b.mounts().size(), "resolver mounts gone, three matches in");
    }

    @Test
    void globMatchesAtOrUnderAnExcludeAreDropped(@TempDir Path host) throws IOException {
        touch(host, "jobs/web/config/x.yml", "jobs/web-two/config/x.yml", "jobs/other/config/x.yml", "keep/web");
        Plan plan = withGlobs(Plans.valid(), new GlobMount(host + "/jobs/*/config/x.yml", RO,
                List.of(host + "/jobs/web", host + "/keep"), Provenance.DEFAULT));
        BoundPlan b = Binding.bind(plan, facts(Path.of("/var/vcap")));
        List<String> t = targets(b);
        assertFalse(t.contains(host + "/jobs/web/config/x.yml"), "under an exclude");
        assertTrue(t.contains(host + "/jobs/web-two/config/x.yml"), "component-wise, web-two is not under web");
        assertTrue(t.contains(host + "/jobs/other/config/x.yml"));
        Plan exact = withGlobs(Plans.valid(), new GlobMount(host + "/kee[p]", RO, List.of(host + "/keep"), Provenance.DEFAULT));
        assertFalse(targets(Binding.bind(exact, facts(Path.of("/var/vcap")))).contains(host + "/keep"), "at an exclude");
    }

    @Test
    void aMatchNeverReplacesAnExistingMountTarget(@TempDir Path host) throws IOException {
        touch(host, "dup");
        Plan plan = withGlobs(Plans.valid(),
                new GlobMount("/et[c]", RW, List.of(), Provenance.DEFAULT),   // /etc: a system mount already
                new GlobMount("/pro[c]", RW, List.of(), Provenance.DEFAULT),  // /proc: a default mount
                new GlobMount(host + "/du[p]", RO, List.of(), Provenance.DEFAULT),
                new GlobMount(host + "/d*", RW, List.of(), Provenance.DEFAULT)); // the same match again
        BoundPlan b = Binding.bind(plan, facts(Path.of("/var/vcap")));
        Mount etc = mount(b, "/etc");
        assertEquals("bind", etc.type());
        assertTrue(etc.options().contains("ro"), "the system mount won");
        assertEquals("proc", mount(b, "/proc").type());
        assertEquals(RO, mount(b, host + "/dup").options(), "the first glob's match won");
        assertEquals(Plans.valid().steps(Mount.class).size() - 2 + 1, b.mounts().size());
        assertSorted(b);
    }

    @Test
    void aMalformedPatternNamesItsLine(@TempDir Path host) {
        Plan plan = withGlobs(Plans.valid(), new GlobMount(host + "/[", RO, List.of(),
                Provenance.at("bpm.yml", 30, 9, "unsafe.unrestricted_volumes[0]")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Binding.bind(plan, facts(host)));
        assertTrue(e.getMessage().startsWith("bpm.yml:30:9 unsafe.unrestricted_volumes[0]: mount-glob "), e.getMessage());
        assertTrue(e.getMessage().contains("syntax error in pattern"), e.getMessage());
    }

    @Test
    void aRootPatternIsMountedAtItsJobViewPath(@TempDir Path root) throws IOException {
        touch(root, "data/shared-a/x", "data/web/y");
        Plan plan = withGlobs(Plans.valid(), new GlobMount("$ROOT/data/*", RO, List.of("/var/vcap/data/web"), Provenance.DEFAULT));
        BoundPlan b = Binding.bind(plan, HostFacts.of(root.toString(), 1, 1).withExists(p -> false));
        Mount shared = mount(b, "/var/vcap/data/shared-a");
        assertEquals(root + "/data/shared-a", shared.source());
        assertEquals(1, b.mounts().stream().filter(m -> m.target().equals("/var/vcap/data/web")).count(),
                "the job's data dir is only the plan's own mount");
        assertSorted(b);
    }

    @Test
    void theBoundTextReadsBackAsThePlanItPrints(@TempDir Path root) throws Exception {
        BoundPlan b = Binding.bind(Plans.valid(), facts(root).withSwapAccounting(true));
        String text = b.text();
        assertTrue(text.endsWith("swap-accounting=yes seccomp=yes\n"), text);
        assertTrue(text.contains("# bound on this host: root=" + root + " uid=1000 gid=1001 vcap=1000:1001"), text);
        assertEquals(b.plan(), PlanText.read(text), "the comment line is ignored by the reader");
        assertNotEquals(Plans.valid(), b.plan());
    }

    @Test
    void bindingDoesNotTouchTheJobView(@TempDir Path root) {
        Plan plan = Plans.valid();
        BoundPlan b = Binding.bind(plan, facts(root));
        List<Step> before = new ArrayList<>();
        List<Step> after = new ArrayList<>();
        for (Step s : plan.steps()) {
            if (!(s instanceof Step.Mask || s instanceof Step.ReadOnly || s instanceof Step.Env || s instanceof Step.Cwd
                    || s instanceof Step.Exec || s instanceof Step.Capabilities || s instanceof Step.Stop)) continue;
            before.add(s);
        }
        for (Step s : b.steps()) {
            if (!(s instanceof Step.Mask || s instanceof Step.ReadOnly || s instanceof Step.Env || s instanceof Step.Cwd
                    || s instanceof Step.Exec || s instanceof Step.Capabilities || s instanceof Step.Stop)) continue;
            after.add(s);
        }
        assertEquals(before, after);
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** Adds glob lines after the last mount, where the compiler puts them. */
    static Plan withGlobs(Plan plan, GlobMount... globs) {
        int last = -1;
        for (int i = 0; i < plan.steps().size(); i++) {
            if (plan.steps().get(i) instanceof Mount) last = i;
        }
        for (GlobMount g : globs) {
            plan = Plans.insert(plan, ++last, g);
        }
        return plan;
    }

    private static void touch(Path root, String... relative) throws IOException {
        for (String r : relative) {
            Path p = root.resolve(r);
            Files.createDirectories(p.getParent());
            Files.createFile(p);
        }
    }

    private static List<String> targets(BoundPlan b) {
        return b.mounts().stream().map(Mount::target).toList();
    }

    private static Mount mount(BoundPlan b, String target) {
        return b.mounts().stream().filter(m -> m.target().equals(target)).findFirst()
                .orElseThrow(() -> new AssertionError("no mount at " + target + " in " + targets(b)));
    }

    /** Defaults first, then the bind mounts by depth, then path; mounts contiguous in the steps. */
    private static void assertSorted(BoundPlan b) {
        List<Mount> binds = b.mounts().stream().filter(m -> m.type().equals("bind")).toList();
        for (int i = 1; i < binds.size(); i++) {
            String p = binds.get(i - 1).target();
            String t = binds.get(i).target();
            int dp = HostPath.components(p).size();
            int dt = HostPath.components(t).size();
            assertTrue(dp < dt || dp == dt && p.compareTo(t) < 0, p + " before " + t);
        }
        int first = -1;
        int last = -1;
        for (int i = 0; i < b.steps().size(); i++) {
            if (b.steps().get(i) instanceof Mount) {
                if (first < 0) first = i;
                last = i;
            }
        }
        assertEquals(b.mounts().size(), last - first + 1, "mount lines stay together");
        assertEquals("proc", b.mounts().getFirst().type());
    }
}
