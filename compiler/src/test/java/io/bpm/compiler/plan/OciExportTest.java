package io.bpm.compiler.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bpm.compiler.golden.Golden;
import io.bpm.executor.plan.Capability;
import io.bpm.executor.plan.HostFacts;
import io.bpm.executor.plan.Plan;
import io.bpm.executor.plan.PlanFormatException;
import io.bpm.executor.plan.PlanText;
import io.bpm.executor.plan.SeccompProfile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciExportTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROOTFS = "/var/vcap/data/bpm/bundles/web/web/rootfs";

    /**
     * The plan of bpm-behaviour.md §4.1's example job (web: executable with args, env FOO,
     * NET_BIND_SERVICE, ephemeral disk, memory 1G, open_files 1024, processes 100), written
     * by hand in the order of plan-format.md.
     *
     * @param init      the init program (bpm's tini, or a host tini for runc tests)
     * @param program   the job's executable and arguments, each a plan field (quoted if needed)
     * @param extra     extra step lines inserted before the env lines (mounts go in order)
     */
    static String planText(String job, String init, List<String> program, boolean ephemeralDisk, String caps,
                           List<String> limits, List<String> extra) {
        List<String> l = new ArrayList<>();
        l.add("bpm-plan 1");
        l.add("compiler 0.1.0");
        l.add("source sha256:" + "0".repeat(64));
        l.add("job " + job);
        l.add("process " + job);
        l.add("container-id bpm-" + job);
        l.add("lock-file $ROOT/data/bpm/locks/job-" + job + ".lock");
        l.add("pid-file $ROOT/sys/run/bpm/" + job + "/" + job + ".pid");
        l.add("state-dir $ROOT/data/bpm/state/" + job + "/" + job);
        l.add("log stdout $ROOT/sys/log/" + job + "/" + job + ".stdout.log");
        l.add("log stderr $ROOT/sys/log/" + job + "/" + job + ".stderr.log");
        l.add("log bpm $ROOT/sys/log/" + job + "/bpm.log");
        l.add("user vcap");
        l.add("mkdir $ROOT/sys/run/bpm/" + job + " mode=0700 owner=root");
        l.add("mkdir $ROOT/sys/log/" + job + " mode=0700 owner=vcap");
        l.add("mkdir $ROOT/sys/run/" + job + " mode=0700 owner=vcap");
        l.add("mkdir $ROOT/data/" + job + "/tmp mode=0700 owner=vcap");
        if (ephemeralDisk) l.add("mkdir $ROOT/data/" + job + " mode=0700 owner=vcap");
        l.add("open-log $ROOT/sys/log/" + job + "/" + job + ".stdout.log mode=0600 owner=vcap");
        l.add("open-log $ROOT/sys/log/" + job + "/" + job + ".stderr.log mode=0600 owner=vcap");
        l.add("namespace mnt");
        l.add("namespace pid");
        l.add("namespace uts");
        l.add("namespace ipc");
        l.add("mount proc proc /proc -");
        l.add("mount tmpfs tmpfs /dev nosuid,noexec,mode=755");
        l.add("mount devpts devpts /dev/pts nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5");
        l.add("mount tmpfs shm /dev/shm nosuid,noexec,nodev,mode=1777");
        l.add("mount mqueue mqueue /dev/mqueue nosuid,noexec,nodev");
        l.add("mount sysfs sysfs /sys nosuid,noexec,nodev,ro");
        String sys = "bind,exec,nosuid,nodev,ro";
        String rw = "rbind,noexec,nosuid,nodev,rw";
        l.add("mount bind /bin /bin " + sys);
        l.add("mount bind /etc /etc " + sys);
        l.add("mount bind /lib /lib " + sys);
        l.add("mount bind /lib64 /lib64 " + sys + " if-exists");
        l.add("mount bind /sbin /sbin " + sys);
        l.add("mount bind $ROOT/data/" + job + "/tmp /tmp " + rw);
        l.add("mount bind /usr /usr " + sys);
        l.add("mount bind $ROOT/data/" + job + "/tmp /var/tmp " + rw);
        l.add("mount bind /run/resolvconf /run/resolvconf bind,noexec,nosuid,nodev,ro if-exists");
        l.add("mount bind /run/systemd/resolve /run/systemd/resolve bind,noexec,nosuid,nodev,ro if-exists");
        l.add("mount bind $ROOT/packages /var/vcap/packages " + sys);
        l.add("mount bind $ROOT/data/packages /var/vcap/data/packages " + sys);
        if (ephemeralDisk) l.add("mount bind $ROOT/data/" + job + " /var/vcap/data/" + job + " " + rw);
        l.add("mount bind $ROOT/jobs/" + job + " /var/vcap/jobs/" + job + " " + sys);
        l.add("mount bind $ROOT/data/" + job + "/tmp /var/vcap/data/" + job + "/tmp " + rw);
        l.add("mount bind $ROOT/sys/log/" + job + " /var/vcap/sys/log/" + job + " " + rw);
        l.addAll(extra.stream().filter(e -> e.startsWith("mount")).toList());
        for (String m : List.of("/etc/sv", "/proc/kcore", "/proc/latency_stats", "/proc/sched_debug",
                "/proc/timer_list", "/proc/timer_stats", "/sys/firmware")) {
            l.add("mask " + m);
        }
        for (String r : List.of("/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger")) {
            l.add("readonly " + r);
        }
        l.addAll(limits);
        l.add("capabilities bounding=" + caps + " inheritable=" + caps + " permitted=" + caps + " effective= ambient=" + caps);
        l.add("no-new-privs");
        l.add("seccomp " + SECCOMP_PROFILE + " " + SECCOMP_VERSION);
        l.addAll(extra.stream().filter(e -> !e.startsWith("mount")).toList());
        l.add("env TMPDIR /var/vcap/data/" + job + "/tmp");
        l.add("env LANG en_US.UTF-8");
        l.add("env PATH /var/vcap/jobs/" + job + "/bin:/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin:.");
        l.add("env HOME /var/vcap/data/" + job);
        l.add("cwd /var/vcap/jobs/" + job);
        l.add("exec " + init + " -w -s -- " + String.join(" ", program));
        l.add("stop signal=TERM quit-after=15000ms kill-after=2000ms");
        return String.join("\n", l) + "\n";
    }

    /** The name and version of bpm's seccomp profile in plans. */
    static final String SECCOMP_PROFILE = Lowering.SECCOMP_PROFILE;
    static final int SECCOMP_VERSION = Lowering.SECCOMP_VERSION;

    static Plan webPlan() {
        return read(planText("web", "/var/vcap/packages/bpm/bin/tini", List.of("/var/vcap/packages/web/bin/web", "--port", "8080"),
                true, "CAP_NET_BIND_SERVICE",
                List.of("rlimit NOFILE 1024 1024", "cgroup memory 1073741824", "cgroup memory+swap 1073741824 if-supported", "cgroup pids 100"),
                List.of("env FOO BAR")));
    }

    /** The privileged variant, as the lowering writes it (§4.12): root, no hardening, no nosuid. */
    static Plan privilegedPlan() {
        String caps = Capability.dockerPrivileged().stream().map(Capability::capName).collect(Collectors.joining(","));
        String text = planText("web", "/var/vcap/packages/bpm/bin/tini", List.of("/var/vcap/packages/web/bin/web"),
                false, caps, List.of(), List.of());
        List<String> lines = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("mask ") || line.startsWith("readonly ") || line.equals("no-new-privs") || line.startsWith("seccomp ")) {
                continue;
            }
            if (line.equals("user vcap")) line = "user root";
            if (line.startsWith("mount ")) line = line.replace(",nosuid", "").replace(" nosuid,", " ");
            lines.add(line);
        }
        return read(String.join("\n", lines) + "\n");
    }

    static Plan read(String text) {
        try {
            return PlanText.read(text);
        } catch (PlanFormatException e) {
            throw new AssertionError("test plan does not parse: line " + e.getLine() + ": " + e.getMessage() + "\n" + text, e);
        }
    }

    private static JsonNode render(Plan plan, HostFacts facts) throws IOException {
        String text = OciExport.render(plan, facts, ROOTFS);
        assertTrue(text.endsWith("}\n"), "one JSON document with a final newline");
        return JSON.readTree(text);
    }

    private static HostFacts vcapFacts() {
        // vcap = 1000:1000, a host with /lib64 but without resolver directories
        return HostFacts.of("/var/vcap", 1000, 1000).withSwapAccounting(true)
                .withExists(p -> p.equals("/lib64"));
    }

    private static List<String> destinations(JsonNode spec) {
        List<String> out = new ArrayList<>();
        spec.get("mounts").forEach(m -> out.add(m.get("destination").asText()));
        return out;
    }

    private static JsonNode mount(JsonNode spec, String destination) {
        for (JsonNode m : spec.get("mounts")) {
            if (m.get("destination").asText().equals(destination)) return m;
        }
        throw new AssertionError("no mount at " + destination + " in " + destinations(spec));
    }

    @Test
    void simplePlanRendersBpmsConfig() throws IOException {
        JsonNode spec = render(webPlan(), vcapFacts());
        JsonNode seccomp = spec.get("linux").get("seccomp");
        ((ObjectNode) spec.get("linux")).remove("seccomp");
        String sys = "[\"bind\",\"exec\",\"nosuid\",\"nodev\",\"ro\"]";
        String rw = "[\"rbind\",\"noexec\",\"nosuid\",\"nodev\",\"rw\"]";
        String expected = """
            {
              "ociVersion": "1.3.0",
              "process": {
                "terminal": false,
                "user": {"uid": 1000, "gid": 1000, "username": "vcap"},
                "args": ["/var/vcap/packages/bpm/bin/tini", "-w", "-s", "--",
                         "/var/vcap/packages/web/bin/web", "--port", "8080"],
                "env": ["FOO=BAR", "TMPDIR=/var/vcap/data/web/tmp", "LANG=en_US.UTF-8",
                        "PATH=/var/vcap/jobs/web/bin:/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin:.",
                        "HOME=/var/vcap/data/web"],
                "cwd": "/var/vcap/jobs/web",
                "capabilities": {"bounding": ["CAP_NET_BIND_SERVICE"], "inheritable": ["CAP_NET_BIND_SERVICE"],
                                 "permitted": ["CAP_NET_BIND_SERVICE"], "ambient": ["CAP_NET_BIND_SERVICE"]},
                "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
                "noNewPrivileges": true
              },
              "root": {"path": "/var/vcap/data/bpm/bundles/web/web/rootfs"},
              "mounts": [
                {"destination": "/proc", "type": "proc", "source": "proc"},
                {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid","noexec","mode=755"]},
                {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
                 "options": ["nosuid","noexec","newinstance","ptmxmode=0666","mode=0620","gid=5"]},
                {"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid","noexec","nodev","mode=1777"]},
                {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid","noexec","nodev"]},
                {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid","noexec","nodev","ro"]},
                {"destination": "/bin", "type": "bind", "source": "/bin", "options": SYS},
                {"destination": "/etc", "type": "bind", "source": "/etc", "options": SYS},
                {"destination": "/lib", "type": "bind", "source": "/lib", "options": SYS},
                {"destination": "/lib64", "type": "bind", "source": "/lib64", "options": SYS},
                {"destination": "/sbin", "type": "bind", "source": "/sbin", "options": SYS},
                {"destination": "/tmp", "type": "bind", "source": "/var/vcap/data/web/tmp", "options": RW},
                {"destination": "/usr", "type": "bind", "source": "/usr", "options": SYS},
                {"destination": "/var/tmp", "type": "bind", "source": "/var/vcap/data/web/tmp", "options": RW},
                {"destination": "/var/vcap/packages", "type": "bind", "source": "/var/vcap/packages", "options": SYS},
                {"destination": "/var/vcap/data/packages", "type": "bind", "source": "/var/vcap/data/packages", "options": SYS},
                {"destination": "/var/vcap/data/web", "type": "bind", "source": "/var/vcap/data/web", "options": RW},
                {"destination": "/var/vcap/jobs/web", "type": "bind", "source": "/var/vcap/jobs/web", "options": SYS},
                {"destination": "/var/vcap/data/web/tmp", "type": "bind", "source": "/var/vcap/data/web/tmp", "options": RW},
                {"destination": "/var/vcap/sys/log/web", "type": "bind", "source": "/var/vcap/sys/log/web", "options": RW}
              ],
              "linux": {
                "resources": {"memory": {"limit": 1073741824, "swap": 1073741824}, "pids": {"limit": 100}},
                "namespaces": [{"type": "ipc"}, {"type": "mount"}, {"type": "uts"}, {"type": "pid"}],
                "rootfsPropagation": "private",
                "maskedPaths": ["/etc/sv","/proc/kcore","/proc/latency_stats","/proc/sched_debug",
                                "/proc/timer_list","/proc/timer_stats","/sys/firmware"],
                "readonlyPaths": ["/proc/asound","/proc/bus","/proc/fs","/proc/irq","/proc/sys","/proc/sysrq-trigger"]
              }
            }
            """.replace("SYS", sys).replace("RW", rw);
        assertEquals(JSON.readTree(expected), spec);
        // key order is Go's struct order, as bpm writes it
        assertEquals(List.of("ociVersion", "process", "root", "mounts", "linux"), fieldNames(spec));
        assertEquals(List.of("terminal", "user", "args", "env", "cwd", "capabilities", "rlimits", "noNewPrivileges"),
                fieldNames(spec.get("process")));
        assertEquals(List.of("resources", "namespaces", "rootfsPropagation", "maskedPaths", "readonlyPaths"),
                fieldNames(spec.get("linux")));

        // seccomp (§4.8): EPERM by default, x86 architectures, one entry per rule
        assertEquals("SCMP_ACT_ERRNO", seccomp.get("defaultAction").asText());
        assertFalse(seccomp.has("defaultErrnoRet"));
        assertEquals(JSON.readTree("[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]"), seccomp.get("architectures"));
        SeccompProfile profile = SeccompProfile.byName(SECCOMP_PROFILE, SECCOMP_VERSION).orElseThrow();
        assertEquals(profile.rules().size(), seccomp.get("syscalls").size());
        assertEquals(JSON.readTree("""
                [{"names": ["clone"], "action": "SCMP_ACT_ALLOW",
                  "args": [{"index": 0, "value": 2080505856, "op": "SCMP_CMP_MASKED_EQ"}]}]"""), syscalls(seccomp, "clone"));
        assertEquals(JSON.readTree("""
                [{"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]"""), syscalls(seccomp, "clone3"));
        // three personality rules (0x0, 0x8, 0xFFFFFFFF), in the profile's order
        var personality = JSON.createArrayNode();
        for (long value : SeccompProfile.PERSONALITY_VALUES) {
            personality.add(JSON.readTree("{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", "
                    + "\"args\": [{\"index\": 0, \"value\": " + value + ", \"op\": \"SCMP_CMP_EQ\"}]}"));
        }
        assertEquals(personality, syscalls(seccomp, "personality"));
        assertEquals(Set.of(0L, 8L, 4294967295L), Set.copyOf(SeccompProfile.PERSONALITY_VALUES));
        assertEquals(JSON.readTree("[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]"), syscalls(seccomp, "read"));
        assertEquals(List.of(), syscalls(seccomp, "mount").findValuesAsText("names"));
        assertEquals(List.of(), syscalls(seccomp, "ptrace").findValuesAsText("names"));
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static JsonNode syscalls(JsonNode seccomp, String name) {
        var out = JSON.createArrayNode();
        for (JsonNode s : seccomp.get("syscalls")) {
            for (JsonNode n : s.get("names")) {
                if (n.asText().equals(name)) out.add(s);
            }
        }
        return out;
    }

    @Test
    void renderingIsDeterministicAndPretty() {
        String a = OciExport.render(webPlan(), vcapFacts(), ROOTFS);
        String b = OciExport.render(webPlan(), vcapFacts(), ROOTFS);
        assertEquals(a, b);
        assertTrue(a.startsWith("{\n  \"ociVersion\": \"1.3.0\",\n  \"process\": {\n    \"terminal\": false,"), a.substring(0, 80));
        assertFalse(a.contains("\t"));
    }

    @Test
    void privilegedPlanRunsAsRootWithoutHardening() throws IOException {
        JsonNode spec = render(privilegedPlan(), vcapFacts());
        JsonNode process = spec.get("process");
        assertEquals(JSON.readTree("{\"uid\": 0, \"gid\": 0}"), process.get("user"));
        assertFalse(process.get("noNewPrivileges").asBoolean());
        List<String> caps = new ArrayList<>();
        process.get("capabilities").get("bounding").forEach(c -> caps.add(c.asText()));
        assertEquals(38, caps.size());
        assertEquals("CAP_AUDIT_CONTROL", caps.getFirst());
        assertEquals("CAP_WAKE_ALARM", caps.getLast());
        for (String set : List.of("inheritable", "permitted", "ambient")) {
            assertEquals(process.get("capabilities").get("bounding"), process.get("capabilities").get(set), set);
        }
        JsonNode linux = spec.get("linux");
        assertFalse(linux.has("seccomp"), "no seccomp when privileged");
        assertEquals(0, linux.get("maskedPaths").size());
        assertEquals(0, linux.get("readonlyPaths").size());
        for (JsonNode m : spec.get("mounts")) {
            if (m.has("options")) {
                for (JsonNode o : m.get("options")) assertTrue(!o.asText().equals("nosuid"), "nosuid on " + m);
            }
        }
        // everything else stays: /sys read-only, nodev on binds, the namespaces
        assertEquals(JSON.readTree("[\"noexec\",\"nodev\",\"ro\"]"), mount(spec, "/sys").get("options"));
        assertEquals(JSON.readTree("[\"bind\",\"exec\",\"nodev\",\"ro\"]"), mount(spec, "/usr").get("options"));
        assertEquals(4, linux.get("namespaces").size());
        assertFalse(destinations(spec).contains("/var/vcap/data/web"), "no ephemeral disk in this plan");
    }

    @Test
    void rootPathsAreBoundToTheHostRoot() throws IOException {
        HostFacts facts = HostFacts.of("/srv/bosh/", 4000, 4001).withExists(p -> true);
        JsonNode spec = render(webPlan(), facts);
        assertEquals("/srv/bosh/jobs/web", mount(spec, "/var/vcap/jobs/web").get("source").asText());
        assertEquals("/srv/bosh/data/web/tmp", mount(spec, "/tmp").get("source").asText());
        assertEquals("/srv/bosh/data/web/tmp", mount(spec, "/var/vcap/data/web/tmp").get("source").asText());
        assertEquals("/usr", mount(spec, "/usr").get("source").asText(), "host paths are literal");
        assertEquals("proc", mount(spec, "/proc").get("source").asText());
        // the job's view never moves: env, cwd and targets keep /var/vcap
        assertEquals("/var/vcap/jobs/web", spec.get("process").get("cwd").asText());
        assertEquals(JSON.readTree("{\"uid\": 4000, \"gid\": 4001, \"username\": \"vcap\"}"), spec.get("process").get("user"));
        for (JsonNode m : spec.get("mounts")) {
            assertFalse(m.toString().contains("$ROOT"), m.toString());
        }
    }

    @Test
    void ifExistsMountsOnlyWhenTheSourceExists() throws IOException {
        HostFacts none = HostFacts.of("/var/vcap", 1000, 1000).withExists(p -> false);
        List<String> without = destinations(render(webPlan(), none));
        assertFalse(without.contains("/run/resolvconf"));
        assertFalse(without.contains("/run/systemd/resolve"));
        assertFalse(without.contains("/lib64"));
        assertTrue(without.contains("/etc"), "mounts without if-exists are always there");

        HostFacts some = none.withExists(p -> p.equals("/run/systemd/resolve") || p.equals("/lib64"));
        List<String> with = destinations(render(webPlan(), some));
        assertTrue(with.contains("/run/systemd/resolve"));
        assertTrue(with.contains("/lib64"));
        assertFalse(with.contains("/run/resolvconf"));
        assertEquals(without.size() + 2, with.size());
        // plan order is kept: the resolver dir (depth 3) sits right before /var/vcap/packages
        assertEquals(with.indexOf("/var/vcap/packages") - 1, with.indexOf("/run/systemd/resolve"));
    }

    @Test
    void ifExistsChecksTheBoundSource() throws IOException {
        Plan plan = read(webPlanText().replace(
                "mask /etc/sv", "mount bind $ROOT/data/extra /var/vcap/data/extra bind,noexec,nosuid,nodev,ro if-exists\nmask /etc/sv"));
        List<String> asked = new ArrayList<>();
        HostFacts facts = HostFacts.of("/r", 1, 1).withExists(p -> { asked.add(p); return true; });
        assertTrue(destinations(render(plan, facts)).contains("/var/vcap/data/extra"));
        assertTrue(asked.contains("/r/data/extra"), asked.toString());
    }

    private static String webPlanText() {
        return PlanText.write(webPlan());
    }

    @Test
    void swapOnlyWhereTheHostAccountsIt() throws IOException {
        JsonNode with = render(webPlan(), vcapFacts()).get("linux").get("resources");
        assertEquals(1073741824L, with.get("memory").get("swap").asLong());
        JsonNode without = render(webPlan(), vcapFacts().withSwapAccounting(false)).get("linux").get("resources");
        assertEquals(JSON.readTree("{\"memory\": {\"limit\": 1073741824}, \"pids\": {\"limit\": 100}}"), without);
    }

    @Test
    void noLimitsGiveEmptyResourcesAndNoRlimits() throws IOException {
        JsonNode spec = render(privilegedPlan(), vcapFacts());
        assertEquals(JSON.createObjectNode(), spec.get("linux").get("resources"));
        assertFalse(spec.get("process").has("rlimits"));
    }

    @Test
    void rlimitsAreUnsigned64Bit() throws IOException {
        Plan plan = read(webPlanText().replace("rlimit NOFILE 1024 1024",
                "rlimit NOFILE 1024 1024\nrlimit CORE unlimited 18446744073709551614"));
        String text = OciExport.render(plan, vcapFacts(), ROOTFS);
        JsonNode rl = JSON.readTree(text).get("process").get("rlimits");
        assertEquals(2, rl.size());
        assertEquals("RLIMIT_CORE", rl.get(1).get("type").asText());
        assertTrue(text.contains("\"hard\": 18446744073709551614"), text);
        assertTrue(text.contains("\"soft\": 18446744073709551615"), text);
    }

    @Test
    void seccompIsDroppedWhereTheHostCannotUseIt() throws IOException {
        JsonNode spec = render(webPlan(), vcapFacts().withSeccompSupported(false));
        assertFalse(spec.get("linux").has("seccomp"));
        assertTrue(spec.get("process").get("noNewPrivileges").asBoolean(), "everything else is kept");
    }

    @Test
    void cgroupsPathOnlyWhenGiven() throws IOException {
        assertFalse(render(webPlan(), vcapFacts()).get("linux").has("cgroupsPath"));
        JsonNode linux = JSON.readTree(OciExport.render(webPlan(), vcapFacts(), ROOTFS, "/bpm-web")).get("linux");
        assertEquals("/bpm-web", linux.get("cgroupsPath").asText());
        assertEquals(List.of("resources", "cgroupsPath", "namespaces", "seccomp", "rootfsPropagation", "maskedPaths", "readonlyPaths"),
                fieldNames(linux));
    }

    @Test
    void unknownSeccompProfileOrUserIsAnError() {
        Plan badProfile = read(webPlanText().replace("seccomp " + SECCOMP_PROFILE + " " + SECCOMP_VERSION, "seccomp nonesuch 7"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OciExport.render(badProfile, vcapFacts(), ROOTFS));
        assertTrue(e.getMessage().contains("nonesuch"), e.getMessage());
        Plan badUser = read(webPlanText().replace("user vcap", "user mallory"));
        e = assertThrows(IllegalArgumentException.class, () -> OciExport.render(badUser, vcapFacts(), ROOTFS));
        assertTrue(e.getMessage().contains("mallory"), e.getMessage());
    }

    @Test
    void everyApprovedGoldenPlanRenders() throws IOException {
        // the lowering's real output: every approved plan renders, with no $ROOT left and one
        // mount per target, on a host where every optional source exists and globs match nothing
        Path plans = Golden.repo().resolve("golden/plans");
        List<Path> files;
        try (var walk = Files.walk(plans)) {
            files = walk.filter(f -> f.toString().endsWith(".approved.txt")).sorted().toList();
        }
        assertTrue(files.size() > 20, "golden plans found: " + files.size());
        HostFacts facts = new HostFacts("/srv/bosh", 1000, 1000, true, true, p -> true, p -> List.of());
        int rendered = 0;
        for (Path file : files) {
            for (String text : Files.readString(file).split("\n\n(?=bpm-plan )")) {
                Plan plan = read(text);
                JsonNode spec = render(plan, facts);
                assertFalse(spec.toString().contains("$ROOT"), file.toString());
                List<String> dests = destinations(spec);
                assertEquals(dests.size(), Set.copyOf(dests).size(), file + ": duplicate mount targets " + dests);
                boolean privileged = plan.steps(io.bpm.executor.plan.Step.User.class).getFirst().name().equals("root");
                assertEquals(!privileged, spec.get("linux").has("seccomp"), file + " " + plan.header().process());
                rendered++;
            }
        }
        assertTrue(rendered >= files.size(), "plans rendered: " + rendered);
    }

    // ----------------------------------------------------------------------------------- globs

    /** A BOSH root with three jobs, each with an indicators and a secrets file. */
    private static void jobsTree(Path root) throws IOException {
        for (String job : List.of("web", "web-two", "other")) {
            Path config = Files.createDirectories(root.resolve("jobs").resolve(job).resolve("config"));
            Files.writeString(config.resolve("indicators.yml"), "x");
            Files.writeString(config.resolve("secrets.yml"), "x");
        }
        Files.createDirectories(root.resolve("data/packages"));
        Files.createDirectories(root.resolve("data/pack-extra"));
    }

    private static Plan webPlanWith(String... mountLines) {
        String text = webPlanText();
        return read(text.replace("mask /etc/sv", String.join("\n", mountLines) + "\nmask /etc/sv"));
    }

    @Test
    void rootedGlobExpandsIntoTheJobViewMinusExcludedDirectories(@TempDir Path root) throws IOException {
        jobsTree(root);
        Plan plan = webPlanWith("mount-glob \"$ROOT/jobs/*/config/indicators.yml\" rbind,noexec,nosuid,nodev,ro"
                + " exclude /tmp /var/tmp /var/vcap/jobs/web /var/vcap/packages");
        HostFacts facts = HostFacts.of(root.toString(), 1000, 1000);
        JsonNode spec = render(plan, facts);
        List<String> dests = destinations(spec);
        // web is bpm's own job mount: dropped; web-two is a different job (component-wise compare)
        assertFalse(dests.contains("/var/vcap/jobs/web/config/indicators.yml"));
        JsonNode other = mount(spec, "/var/vcap/jobs/other/config/indicators.yml");
        assertEquals(root + "/jobs/other/config/indicators.yml", other.get("source").asText());
        assertEquals("bind", other.get("type").asText());
        assertEquals(JSON.readTree("[\"rbind\",\"noexec\",\"nosuid\",\"nodev\",\"ro\"]"), other.get("options"));
        mount(spec, "/var/vcap/jobs/web-two/config/indicators.yml");
        assertTrue(dests.stream().noneMatch(d -> d.contains("secrets")), dests.toString());
        // placed by depth (6 components): after every shallower mount, in Go's sorted order
        int n = dests.size();
        assertEquals(List.of("/var/vcap/jobs/other/config/indicators.yml", "/var/vcap/jobs/web-two/config/indicators.yml"),
                dests.subList(n - 2, n));
    }

    @Test
    void literalGlobKeepsHostPathsAndPlacesShallowMatchesByDepth(@TempDir Path root) throws IOException {
        jobsTree(root);
        // a host-literal pattern (bpm's behaviour with BPM_BOSH_ROOT: the path is used as written)
        Plan plan = webPlanWith("mount-glob \"" + root + "/jobs/*/config/*.yml\" rbind,noexec,nosuid,nodev,ro"
                + " exclude $ROOT/jobs/web " + root + "/jobs/other/config/secrets.yml",
                "mount-glob \"/e?c\" rbind,noexec,nosuid,nodev,ro");
        HostFacts facts = HostFacts.of(root.toString(), 1000, 1000);
        JsonNode spec = render(plan, facts);
        List<String> dests = destinations(spec);
        String base = root + "/jobs/";
        List<String> expected = List.of(base + "other/config/indicators.yml", base + "web-two/config/indicators.yml",
                base + "web-two/config/secrets.yml");
        assertEquals(expected, dests.stream().filter(d -> d.startsWith(base)).toList());
        for (String e : expected) assertEquals(e, mount(spec, e).get("source").asText());
        // /etc matched /e?c but is already mounted: the first mount wins
        assertEquals(1, dests.stream().filter(d -> d.equals("/etc")).count());
        assertEquals("/etc", mount(spec, "/etc").get("source").asText());
        assertEquals(JSON.readTree("[\"bind\",\"exec\",\"nosuid\",\"nodev\",\"ro\"]"), mount(spec, "/etc").get("options"));
    }

    @Test
    void globMatchOfAnExistingTargetIsDroppedAndNewOnesAreDepthSorted(@TempDir Path root) throws IOException {
        jobsTree(root);
        Plan plan = webPlanWith("mount-glob \"$ROOT/data/pack*\" rbind,exec,nosuid,nodev,rw");
        JsonNode spec = render(plan, HostFacts.of(root.toString(), 1000, 1000));
        List<String> dests = destinations(spec);
        assertEquals(1, dests.stream().filter(d -> d.equals("/var/vcap/data/packages")).count());
        assertEquals(root + "/data/packages", mount(spec, "/var/vcap/data/packages").get("source").asText());
        assertEquals(JSON.readTree("[\"bind\",\"exec\",\"nosuid\",\"nodev\",\"ro\"]"), mount(spec, "/var/vcap/data/packages").get("options"));
        // the new depth-4 mount comes after the last depth-4 mount and before the depth-5 ones
        int extra = dests.indexOf("/var/vcap/data/pack-extra");
        assertEquals("/var/vcap/jobs/web", dests.get(extra - 1));
        assertEquals("/var/vcap/data/web/tmp", dests.get(extra + 1));
    }

    @Test
    void globWithoutMatchesMountsNothingAndBadPatternsFail(@TempDir Path root) throws IOException {
        jobsTree(root);
        int plain = destinations(render(webPlan(), HostFacts.of(root.toString(), 1, 1))).size();
        Plan none = webPlanWith("mount-glob \"$ROOT/nothing/*/here\" rbind,noexec,nosuid,nodev,ro");
        assertEquals(plain, destinations(render(none, HostFacts.of(root.toString(), 1, 1))).size());
        Plan bad = webPlanWith("mount-glob \"$ROOT/jobs/[\" rbind,noexec,nosuid,nodev,ro");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OciExport.render(bad, HostFacts.of(root.toString(), 1, 1), ROOTFS));
        assertTrue(e.getMessage().contains("syntax error in pattern"), e.getMessage());
        assertTrue(e.getMessage().contains("$ROOT/jobs/["), e.getMessage());
    }

    @Test
    void globThroughInjectedFacts() throws IOException {
        // facts decide the expansion: no file system needed
        HostFacts facts = new HostFacts("/var/vcap", 1000, 1000, false, true, p -> true,
                p -> p.equals("/var/vcap/sys/log/*") ? List.of("/var/vcap/sys/log/other", "/var/vcap/sys/log/web") : List.of());
        Plan plan = webPlanWith("mount-glob \"$ROOT/sys/log/*\" rbind,noexec,nosuid,nodev,ro exclude /var/vcap/sys/log/web");
        List<String> dests = destinations(render(plan, facts));
        assertTrue(dests.contains("/var/vcap/sys/log/other"));
        assertEquals(1, dests.stream().filter(d -> d.equals("/var/vcap/sys/log/web")).count());
        assertEquals(Set.of(), Set.copyOf(dests.stream().filter(d -> d.contains("$")).toList()));
    }
}
