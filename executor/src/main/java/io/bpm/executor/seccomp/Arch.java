package io.bpm.executor.seccomp;

/**
 * An architecture a seccomp program is compiled for: the {@code AUDIT_ARCH_*} value the kernel
 * puts in {@code seccomp_data.arch}, the system call table, and whether some numbers belong to
 * a second ABI sharing the same AUDIT_ARCH (x32 on x86-64: bit 30 set).
 *
 * <p>A program is compiled for one architecture, the one bpm runs on. Both architectures here
 * are little-endian, which the compiler relies on for the argument word offsets (low word at
 * {@code 16 + 8i}, high word at {@code 20 + 8i}).
 *
 * <p>Adding one: an {@code AUDIT_ARCH_*} value ({@code EM_*} | {@code __AUDIT_ARCH_64BIT}
 * 0x80000000 | {@code __AUDIT_ARCH_LE} 0x40000000), a {@link SyscallTable}, and the
 * libseccomp name the profile's {@code architectures} list uses.
 */
public enum Arch {
    /** AUDIT_ARCH_X86_64 = EM_X86_64 (62) | 64BIT | LE; x32 calls carry __X32_SYSCALL_BIT. */
    X86_64("SCMP_ARCH_X86_64", 0xC000003E, 0x40000000),
    /** AUDIT_ARCH_AARCH64 = EM_AARCH64 (183) | 64BIT | LE; no second ABI. */
    AARCH64("SCMP_ARCH_AARCH64", 0xC00000B7, 0);

    /** AUDIT_ARCH_I386 = EM_386 (3) | LE: what a 32-bit x86 call (int 0x80, 32-bit binary) carries. */
    public static final int AUDIT_ARCH_I386 = 0x40000003;

    private final String scmpName;
    private final int auditArch;
    private final int secondAbiBit;

    Arch(String scmpName, int auditArch, int secondAbiBit) {
        this.scmpName = scmpName;
        this.auditArch = auditArch;
        this.secondAbiBit = secondAbiBit;
    }

    /** The name libseccomp and OCI profiles use ({@code SCMP_ARCH_X86_64}). */
    public String scmpName() {
        return scmpName;
    }

    /** The {@code seccomp_data.arch} value of this architecture's native calls. */
    public int auditArch() {
        return auditArch;
    }

    /**
     * The bit that marks a call of a second ABI with the same {@link #auditArch} (x32's
     * 0x40000000 on x86-64), 0 when there is none. Numbers at or above it are not in
     * {@link #table()}.
     */
    public int secondAbiBit() {
        return secondAbiBit;
    }

    /** The system call table (parsed on first use; a switch, not a lambda: no bootstrap on bpm start's path). */
    public SyscallTable table() {
        return switch (this) {
            case X86_64 -> SyscallTable.x86_64();
            case AARCH64 -> SyscallTable.aarch64();
        };
    }

    /** The architecture this JVM runs on. */
    public static Arch host() {
        String a = System.getProperty("os.arch");
        return switch (a) {
            case "amd64", "x86_64" -> X86_64;
            case "aarch64", "arm64" -> AARCH64;
            default -> throw new UnsupportedOperationException("no seccomp table for os.arch " + a);
        };
    }

    /** The architecture of an AUDIT_ARCH value, or null. */
    public static Arch ofAudit(int auditArch) {
        for (Arch a : values()) {
            if (a.auditArch == auditArch) return a;
        }
        return null;
    }

    /** A readable name for an AUDIT_ARCH value ({@code x86_64}, {@code i386}, or hex). */
    public static String auditName(int auditArch) {
        if (auditArch == AUDIT_ARCH_I386) return "i386";
        Arch a = ofAudit(auditArch);
        return a != null ? a.name().toLowerCase(java.util.Locale.ROOT) : "0x" + Integer.toHexString(auditArch);
    }
}
