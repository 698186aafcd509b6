package io.bpm.executor.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bpm.executor.host.Cgroups;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostFactsTest {

    @Test
    void rootComesFromBpmBoshRootUnlessEmpty() {
        assertEquals("/var/vcap", HostFacts.rootFrom(Map.of()));
        assertEquals("/var/vcap", HostFacts.rootFrom(Map.of("BPM_BOSH_ROOT", "")));
        assertEquals("/tmp/r", HostFacts.rootFrom(Map.of("BPM_BOSH_ROOT", "/tmp/r")));
    }

    @Test
    void bindReplacesOnlyTheRootToken() {
        HostFacts f = HostFacts.of("/srv/bosh", 1000, 1000);
        assertEquals("/srv/bosh/jobs/web", f.bind("$ROOT/jobs/web"));
        assertEquals("/srv/bosh", f.bind("$ROOT"));
        assertEquals("$ROOTS/x", f.bind("$ROOTS/x"));
        assertEquals("/usr", f.bind("/usr"));
        assertEquals("proc", f.bind("proc"));
        assertEquals("/srv/bosh/data/web/tmp", HostFacts.of("/srv/bosh/", 1, 1).bind("$ROOT/data/web/tmp"), "joined like filepath.Join");
        assertEquals("/jobs/web", HostFacts.of("/", 1, 1).bind("$ROOT/jobs/web"));
    }

    @Test
    void jobViewMapsTheRootToVarVcap() {
        HostFacts f = HostFacts.of("/srv/bosh", 1000, 1000);
        assertEquals("/var/vcap/jobs/web/config/x.yml", f.jobView("/srv/bosh/jobs/web/config/x.yml"));
        assertEquals("/var/vcap", f.jobView("/srv/bosh"));
        assertEquals("/srv/boshx/a", f.jobView("/srv/boshx/a"));
        assertEquals("/etc", f.jobView("/etc"));
    }

    @Test
    void factsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> HostFacts.of("var/vcap", 1, 1));
        assertThrows(IllegalArgumentException.class, () -> HostFacts.of("/var/vcap", -1, 1));
        HostFacts f = HostFacts.of("/r", 1, 2).withSwapAccounting(true).withSeccompSupported(false).withExists(p -> p.equals("/x"));
        assertTrue(f.swapAccounting());
        assertTrue(!f.seccompSupported());
        assertTrue(f.exists("/x"));
        assertTrue(!f.exists("/y"));
        assertEquals(1, f.uid());
        assertEquals(2, f.gid());
    }

    @Test
    void passwdLookupFollowsGosPureParser(@TempDir Path dir) throws IOException {
        Path passwd = dir.resolve("passwd");
        Files.writeString(passwd, String.join("\n",
                "root:x:0:0:root:/root:/bin/bash",
                "# vcap:x:1:1::/:/bin/sh",
                "",
                "vcapx:x:2:2::/:/bin/sh",
                "vcap:x:3:3", // too few fields: skipped
                "   vcap:x:1000:1001:BOSH System User,,,:/home/vcap:/bin/bash   ",
                "vcap:x:5:5::/:/bin/sh",
                "plus:x:+7:8::/:/bin/sh",
                "neg:x:-1:8::/:/bin/sh",
                "text:x:abc:8::/:/bin/sh",
                "arabic:x:\u0661:8::/:/bin/sh",
                "huge:x:4294967294:8::/:/bin/sh") + "\n");
        assertEquals(Optional.of(new HostFacts.PasswdEntry("vcap", 1000, 1001)), HostFacts.lookupUser(passwd, "vcap"));
        assertEquals(Optional.of(new HostFacts.PasswdEntry("plus", 7, 8)), HostFacts.lookupUser(passwd, "plus"));
        assertEquals(Optional.empty(), HostFacts.lookupUser(passwd, "nobody"));
        for (String bad : List.of("neg", "text", "arabic", "huge")) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> HostFacts.lookupUser(passwd, bad), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'") && e.getMessage().contains("uid"), e.getMessage());
        }
    }

    @Test
    void detectReadsThisHostOrSaysWhyNot() throws IOException {
        Optional<HostFacts.PasswdEntry> vcap = HostFacts.lookupUser(Path.of("/etc/passwd"), "vcap");
        if (vcap.isEmpty()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> HostFacts.detect(false));
            assertTrue(e.getMessage().contains("user 'vcap' not found in /etc/passwd"), e.getMessage());
        } else {
            HostFacts f = HostFacts.detect(Cgroups.detectSwapAccounting());
            assertEquals(vcap.get().uid(), f.uid());
            assertEquals(HostFacts.rootFrom(new HashMap<>(System.getenv())), f.root());
        }
        Cgroups.detectSwapAccounting(); // must not throw on any host
        HostFacts.detectSeccompSupported();
    }

    /**
     * bpm's v1 rule on a layout read from a fake tree: the first v1 memory hierarchy decides, by
     * memory.memsw.limit_in_bytes; a hybrid host's unified memory does not count; no cgroup file
     * system is no swap accounting. (The v2 rule needs /sys/fs/cgroup itself: ScopeNameTest.)
     */
    @Test
    void swapAccountingFromTheCgroupLayout(@TempDir Path dir) throws IOException {
        Path memory = Files.createDirectories(dir.resolve("memory"));
        Path unified = Files.createDirectories(dir.resolve("unified"));
        Files.writeString(unified.resolve("cgroup.controllers"), "memory pids\n");
        Files.writeString(unified.resolve("memory.swap.max"), "max\n");
        Path mountinfo = dir.resolve("mountinfo");
        Path self = Files.writeString(dir.resolve("cgroup"), "4:memory:/\n0::/\n");
        String v1 = "35 31 0:32 / " + memory + " rw - cgroup cgroup rw,memory\n";
        String unifiedLine = "41 31 0:38 / " + unified + " rw - cgroup2 cgroup2 rw\n";

        Files.writeString(mountinfo, v1 + unifiedLine);
        assertFalse(Cgroups.detect(mountinfo, self).swapAccounting(), "no memory.memsw.limit_in_bytes");
        Files.writeString(memory.resolve("memory.memsw.limit_in_bytes"), "9223372036854771712\n");
        assertTrue(Cgroups.detect(mountinfo, self).swapAccounting());

        Files.writeString(mountinfo, "32 31 0:29 / " + dir.resolve("cpu") + " rw - cgroup cgroup rw,cpu\n" + unifiedLine);
        assertFalse(Cgroups.detect(mountinfo, self).swapAccounting(),
                "memory only on a hybrid host's unified hierarchy: bpm looks at v1 memory alone");
            }
}
