package io.bpm.executor.plan;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Linux capabilities, numbered as in {@code <linux/capability.h>} (0 to 40).
 *
 * <p>bpm itself never validates capability names: it prepends {@code CAP_} to whatever the
 * config says and leaves it to runc, which warns about unknown names and drops them. Having the
 * real list lets the compiler reject a misspelt capability before a job silently runs without
 * it, and lets the executor compute the privileged set and its {@code CapEff} mask.
 *
 * <p>The constant's {@link #name()} is the bare upper-case name a {@code bpm.yml} uses
 * ({@code NET_BIND_SERVICE}); {@link #capName()} is the form runc and the kernel docs use.
 */
public enum Capability {
    CHOWN(0),
    DAC_OVERRIDE(1),
    DAC_READ_SEARCH(2),
    FOWNER(3),
    FSETID(4),
    KILL(5),
    SETGID(6),
    SETUID(7),
    SETPCAP(8),
    LINUX_IMMUTABLE(9),
    NET_BIND_SERVICE(10),
    NET_BROADCAST(11),
    NET_ADMIN(12),
    NET_RAW(13),
    IPC_LOCK(14),
    IPC_OWNER(15),
    SYS_MODULE(16),
    SYS_RAWIO(17),
    SYS_CHROOT(18),
    SYS_PTRACE(19),
    SYS_PACCT(20),
    SYS_ADMIN(21),
    SYS_BOOT(22),
    SYS_NICE(23),
    SYS_RESOURCE(24),
    SYS_TIME(25),
    SYS_TTY_CONFIG(26),
    MKNOD(27),
    LEASE(28),
    AUDIT_WRITE(29),
    AUDIT_CONTROL(30),
    SETFCAP(31),
    MAC_OVERRIDE(32),
    MAC_ADMIN(33),
    SYSLOG(34),
    WAKE_ALARM(35),
    BLOCK_SUSPEND(36),
    AUDIT_READ(37),
    PERFMON(38),
    BPF(39),
    CHECKPOINT_RESTORE(40);

    // Loops, not a stream: bpm start initialises this class, interpreted, in a fresh JVM.
    private static final Map<String, Capability> BY_NAME = new HashMap<>();
    private static final Capability[] BY_NUMBER = new Capability[64];

    static {
        for (Capability c : values()) {
            BY_NAME.put(c.name(), c);
            BY_NUMBER[c.number] = c;
        }
    }

    /**
     * The set bpm appends for {@code unsafe.privileged: true} (bpm-behaviour.md §4.3): Docker's
     * historical privileged list, capabilities 0 to 37 in alphabetical order. It predates
     * PERFMON, BPF and CHECKPOINT_RESTORE, so those stay out even for privileged jobs; the order
     * is kept because bpm writes the names into config.json in exactly this order.
     */
    private static final List<Capability> DOCKER_PRIVILEGED = List.of(
            AUDIT_CONTROL, AUDIT_READ, AUDIT_WRITE, BLOCK_SUSPEND, CHOWN, DAC_OVERRIDE,
            DAC_READ_SEARCH, FOWNER, FSETID, IPC_LOCK, IPC_OWNER, KILL, LEASE, LINUX_IMMUTABLE,
            MAC_ADMIN, MAC_OVERRIDE, MKNOD, NET_ADMIN, NET_BIND_SERVICE, NET_BROADCAST, NET_RAW,
            SETFCAP, SETGID, SETPCAP, SETUID, SYSLOG, SYS_ADMIN, SYS_BOOT, SYS_CHROOT, SYS_MODULE,
            SYS_NICE, SYS_PACCT, SYS_PTRACE, SYS_RAWIO, SYS_RESOURCE, SYS_TIME, SYS_TTY_CONFIG,
            WAKE_ALARM);

    private final int number;

    Capability(int number) {
        this.number = number;
    }

    /** The kernel's capability number: the bit it occupies in {@code CapEff} and friends. */
    public int number() {
        return number;
    }

    /** The name with the {@code CAP_} prefix, as runc expects it in config.json. */
    public String capName() {
        return "CAP_" + name();
    }

    /**
     * The capability with this exact bare name ({@code "CHOWN"}). Case and prefix are not
     * forgiven on purpose: bpm passes the text through unchanged, so {@code "chown"} or
     * {@code "CAP_CHOWN"} in a config is a different (unknown) capability to runc.
     */
    public static Optional<Capability> byName(String bareUpperName) {
        return Optional.ofNullable(BY_NAME.get(bareUpperName));
    }

    /** The capability with this kernel number, or null for one bpm does not know. */
    public static Capability byNumber(int number) {
        return number >= 0 && number < BY_NUMBER.length ? BY_NUMBER[number] : null;
    }

    /** The capability with this exact {@code CAP_}-prefixed name ({@code "CAP_CHOWN"}). */
    public static Optional<Capability> byCapName(String capName) {
        if (!capName.startsWith("CAP_")) {
            return Optional.empty();
        }
        return byName(capName.substring(4));
    }

    /** bpm's privileged capability list (38 entries, §4.3), in the order bpm emits it. */
    public static List<Capability> dockerPrivileged() {
        return DOCKER_PRIVILEGED;
    }
}
