package io.bpm.executor.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bpm.executor.plan.SeccompProfile.Allow;
import io.bpm.executor.plan.SeccompProfile.AllowIfEq;
import io.bpm.executor.plan.SeccompProfile.AllowIfMaskedEq;
import io.bpm.executor.plan.SeccompProfile.Errno;
import io.bpm.executor.plan.SeccompProfile.Rule;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SeccompProfileTest {

    private final SeccompProfile profile = SeccompProfile.bpmDefault();

    @Test
    void isFoundByNameAndVersionOnly() {
        assertSame(profile, SeccompProfile.byName("bpm-default", 1).orElseThrow());
        assertEquals(Optional.empty(), SeccompProfile.byName("bpm-default", 2));
        assertEquals(Optional.empty(), SeccompProfile.byName("bpm-default", 0));
        assertEquals(Optional.empty(), SeccompProfile.byName("BPM-default", 1));
        assertEquals(Optional.empty(), SeccompProfile.byName("docker-default", 1));
    }

    @Test
    void headerAsBpm() {
        assertEquals("bpm-default", profile.name());
        assertEquals(1, profile.version());
        assertEquals(1, profile.defaultErrno()); // EPERM
        assertEquals(List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"), profile.architectures());
    }

    /**
     * §4.8: "316 rules: 315 SCMP_ACT_ALLOW rules covering 313 distinct names, plus one errno
     * rule". Its heading says 312 unconditional names, but the list under it has 311, and only
     * 311 adds up to those totals (311 + clone + 3 × personality = 315).
     */
    @Test
    void countsAsBpm() {
        List<Rule> rules = profile.rules();
        assertEquals(316, rules.size());
        List<Rule> allows = rules.stream().filter(r -> !(r instanceof Errno)).toList();
        assertEquals(315, allows.size());
        assertEquals(313, profile.allowedNames().size());
        assertEquals(313, allows.stream().map(Rule::name).distinct().count());
        assertEquals(1, rules.stream().filter(r -> r instanceof Errno).count());
        assertEquals(311, profile.unconditionalNames().size());
        assertEquals(311, rules.stream().filter(r -> r instanceof Allow).count());
    }

    @Test
    void unconditionalNamesAreAlphabeticalAndUnique() {
        List<String> names = profile.unconditionalNames();
        assertEquals(names.stream().sorted().toList(), names);
        assertEquals(names.size(), new HashSet<>(names).size());
        assertEquals("_llseek", names.getFirst());
        assertEquals("writev", names.getLast());
        // the whole rule list is in bpm's order: by name
        List<String> ruleNames = profile.rules().stream().map(Rule::name).toList();
        assertEquals(ruleNames.stream().sorted().toList(), ruleNames);
    }

    @Test
    void conditionalRules() {
        List<Rule> clone = profile.rules().stream().filter(r -> r.name().equals("clone")).toList();
        assertEquals(List.of(new AllowIfMaskedEq("clone", 0, 0x7C020000L, 0)), clone);
        assertEquals(2080505856L, ((AllowIfMaskedEq) clone.getFirst()).mask());
        // CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET
        assertEquals(0x00020000L | 0x04000000L | 0x08000000L | 0x10000000L | 0x20000000L | 0x40000000L,
                SeccompProfile.CLONE_NAMESPACE_FLAGS);

        assertEquals(List.of(new Errno("clone3", 38)),
                profile.rules().stream().filter(r -> r.name().equals("clone3")).toList());

        List<Rule> personality = profile.rules().stream().filter(r -> r.name().equals("personality")).toList();
        assertEquals(List.of(new AllowIfEq("personality", 0, 0x0L), new AllowIfEq("personality", 0, 0xFFFFFFFFL),
                new AllowIfEq("personality", 0, 0x8L)), personality);
        assertEquals(Set.of(0x0L, 0x8L, 0xFFFFFFFFL), Set.copyOf(SeccompProfile.PERSONALITY_VALUES));
    }

    @Test
    void noNameHasTwoKindsOfRule() {
        for (String name : profile.allowedNames()) {
            long kinds = profile.rules().stream().filter(r -> r.name().equals(name)).map(Object::getClass).distinct().count();
            assertEquals(1, kinds, name);
        }
        assertFalse(profile.unconditionalNames().contains("clone"));
        assertFalse(profile.unconditionalNames().contains("clone3"));
        assertFalse(profile.unconditionalNames().contains("personality"));
    }

    @Test
    void notablyNotAllowed() {
        List<String> denied = List.of("mount", "umount2", "pivot_root", "unshare", "setns", "ptrace",
                "process_vm_readv", "process_vm_writev", "bpf", "perf_event_open", "keyctl", "add_key", "request_key",
                "reboot", "kexec_load", "init_module", "finit_module", "delete_module", "swapon", "swapoff", "acct",
                "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "sethostname", "setdomainname", "iopl",
                "ioperm", "quotactl", "name_to_handle_at", "open_by_handle_at", "userfaultfd", "io_uring_setup",
                "io_uring_enter", "io_uring_register", "pidfd_open", "pidfd_send_signal", "pidfd_getfd", "close_range",
                "faccessat2", "epoll_pwait2", "rseq", "membarrier", "mbind", "set_mempolicy", "get_mempolicy",
                "move_pages", "migrate_pages", "kcmp", "landlock_create_ruleset", "landlock_add_rule",
                "landlock_restrict_self", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree",
                "mount_setattr", "ustat", "futex_waitv");
        for (String name : denied) {
            assertFalse(profile.mentions(name), name);
            assertFalse(profile.allowedNames().contains(name), name);
        }
        for (String name : profile.allowedNames()) {
            assertFalse(name.startsWith("io_uring_") || name.startsWith("pidfd_") || name.startsWith("landlock_"), name);
        }
    }

    @Test
    void recentAdditionsArePresent() {
        Set<String> allowed = profile.allowedNames();
        for (String name : List.of("openat2", "statx", "preadv2", "pwritev2", "execve", "exit_group", "seccomp")) {
            assertTrue(allowed.contains(name), name);
        }
    }
}
