package io.bpm.executor.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CapabilityTest {

    @Test
    void numbersRunFromZeroToFortyInDeclarationOrder() {
        Capability[] all = Capability.values();
        assertEquals(41, all.length);
        for (Capability c : all) {
            assertEquals(c.ordinal(), c.number(), c.name());
        }
    }

    @ParameterizedTest
    @CsvSource({
        "CHOWN, 0", "DAC_OVERRIDE, 1", "DAC_READ_SEARCH, 2", "FOWNER, 3", "FSETID, 4", "KILL, 5",
        "SETGID, 6", "SETUID, 7", "SETPCAP, 8", "LINUX_IMMUTABLE, 9", "NET_BIND_SERVICE, 10",
        "NET_BROADCAST, 11", "NET_ADMIN, 12", "NET_RAW, 13", "IPC_LOCK, 14", "IPC_OWNER, 15",
        "SYS_MODULE, 16", "SYS_RAWIO, 17", "SYS_CHROOT, 18", "SYS_PTRACE, 19", "SYS_PACCT, 20",
        "SYS_ADMIN, 21", "SYS_BOOT, 22", "SYS_NICE, 23", "SYS_RESOURCE, 24", "SYS_TIME, 25",
        "SYS_TTY_CONFIG, 26", "MKNOD, 27", "LEASE, 28", "AUDIT_WRITE, 29", "AUDIT_CONTROL, 30",
        "SETFCAP, 31", "MAC_OVERRIDE, 32", "MAC_ADMIN, 33", "SYSLOG, 34", "WAKE_ALARM, 35",
        "BLOCK_SUSPEND, 36", "AUDIT_READ, 37", "PERFMON, 38", "BPF, 39", "CHECKPOINT_RESTORE, 40",
    })
    void kernelNumbers(String name, int number) {
        Capability c = Capability.byName(name).orElseThrow();
        assertEquals(number, c.number());
        assertEquals("CAP_" + name, c.capName());
        assertEquals(Optional.of(c), Capability.byCapName("CAP_" + name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "chown", "Chown", "CAP_CHOWN", " CHOWN", "CHOWN ", "NET_BIND", "ALL", "TAIN"})
    void byNameIsExact(String name) {
        assertEquals(Optional.empty(), Capability.byName(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "CAP_", "CHOWN", "cap_chown", "CAP_chown", "CAP_CAP_CHOWN", "XCAP_CHOWN"})
    void byCapNameIsExact(String name) {
        assertEquals(Optional.empty(), Capability.byCapName(name));
    }

    @Test
    void dockerPrivilegedIsTheReferenceListInOrder() {
        String expected = "CAP_AUDIT_CONTROL, CAP_AUDIT_READ, CAP_AUDIT_WRITE, CAP_BLOCK_SUSPEND, CAP_CHOWN, "
                + "CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID, CAP_IPC_LOCK, CAP_IPC_OWNER, "
                + "CAP_KILL, CAP_LEASE, CAP_LINUX_IMMUTABLE, CAP_MAC_ADMIN, CAP_MAC_OVERRIDE, CAP_MKNOD, "
                + "CAP_NET_ADMIN, CAP_NET_BIND_SERVICE, CAP_NET_BROADCAST, CAP_NET_RAW, CAP_SETFCAP, CAP_SETGID, "
                + "CAP_SETPCAP, CAP_SETUID, CAP_SYSLOG, CAP_SYS_ADMIN, CAP_SYS_BOOT, CAP_SYS_CHROOT, "
                + "CAP_SYS_MODULE, CAP_SYS_NICE, CAP_SYS_PACCT, CAP_SYS_PTRACE, CAP_SYS_RAWIO, "
                + "CAP_SYS_RESOURCE, CAP_SYS_TIME, CAP_SYS_TTY_CONFIG, CAP_WAKE_ALARM";
        List<Capability> privileged = Capability.dockerPrivileged();
        assertEquals(38, privileged.size());
        assertEquals(expected, privileged.stream().map(Capability::capName).collect(Collectors.joining(", ")));
    }

    @Test
    void dockerPrivilegedIsExactlyCapsZeroToThirtySeven() {
        List<Capability> privileged = Capability.dockerPrivileged();
        assertEquals(38, new HashSet<>(privileged).size(), "no duplicates");
        assertEquals(IntStream.rangeClosed(0, 37).boxed().collect(Collectors.toSet()),
                privileged.stream().map(Capability::number).collect(Collectors.toSet()));
        long capEff = privileged.stream().mapToLong(c -> 1L << c.number()).reduce(0, (a, b) -> a | b);
        assertEquals("0000003fffffffff", String.format("%016x", capEff), "integration test's CapEff");
        assertFalse(privileged.contains(Capability.PERFMON));
        assertFalse(privileged.contains(Capability.BPF));
        assertFalse(privileged.contains(Capability.CHECKPOINT_RESTORE));
    }

    @Test
    void dockerPrivilegedIsSortedByNameAndUnmodifiable() {
        List<String> names = Capability.dockerPrivileged().stream().map(Capability::capName).toList();
        assertEquals(names.stream().sorted().toList(), names);
        assertThrows(UnsupportedOperationException.class, () -> Capability.dockerPrivileged().add(Capability.BPF));
        assertTrue(Arrays.asList(Capability.values()).containsAll(Capability.dockerPrivileged()));
    }
}
