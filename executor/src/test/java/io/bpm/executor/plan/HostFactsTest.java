package io.bpm.executor.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
            IllegalStateException e = assertThrows(IllegalStateException.class, HostFacts::detect);
            assertTrue(e.getMessage().contains("user 'vcap' not found in /etc/passwd"), e.getMessage());
        } else {
            HostFacts f = HostFacts.detect();
            assertEquals(vcap.get().uid(), f.uid());
            assertEquals(HostFacts.rootFrom(new HashMap<>(System.getenv())), f.root());
        }
        HostFacts.detectSwapAccounting(); // must not throw on any host
        HostFacts.detectSeccompSupported();
    }

    @Test
    void mountinfoParsing(@TempDir Path dir) throws IOException {
        Path info = dir.resolve("mountinfo");
        Files.writeString(info, String.join("\n",
                "25 1 0:22 / /sys/fs/cgroup rw,relatime shared:9 - tmpfs tmpfs rw,mode=755",
                "26 25 0:23 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
                "27 1 0:24 / /a\\040b rw - ext4 /dev/x rw") + "\n");
        List<String[]> m = HostFacts.mountinfo(info);
        assertEquals(3, m.size());
        assertEquals(List.of("/sys/fs/cgroup", "tmpfs", "rw,mode=755"), List.of(m.get(0)));
        assertEquals(List.of("/sys/fs/cgroup/memory", "cgroup", "rw,memory"), List.of(m.get(1)));
        assertEquals("/a b", m.get(2)[0]);
    }
}
