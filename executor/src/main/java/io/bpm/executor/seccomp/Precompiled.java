package io.bpm.executor.seccomp;

import io.bpm.executor.plan.SeccompProfile;

/**
 * bpm-default 1 for x86-64, exactly as {@link BpfCompiler#compile(SeccompProfile, Arch)}
 * produces it, kept as a constant so that bpm start loads it without compiling (compiling costs
 * a few milliseconds in a cold JVM, parsing the table included). PrecompiledTest recompiles and
 * compares, and prints the new constant when the compiler or the profile changed. A profile is
 * never changed in place (a new rule set is a new version), so the pair (name, version) names
 * this program for good.
 */
public final class Precompiled {
    private Precompiled() { }

    /** The program for a profile on an architecture: the constant when there is one, else compiled. */
    public static BpfProgram program(SeccompProfile profile, Arch arch) {
        if (arch == Arch.X86_64 && profile == SeccompProfile.bpmDefault()) return BpfProgram.of(BPM_DEFAULT_1_X86_64, arch);
        return BpfCompiler.compile(profile, arch);
    }

    /** bpm-default 1, x86-64, {@link BpfCompiler.Options#BPM}: {@code struct sock_filter} as Tape encodes them. */
    static final long[] BPM_DEFAULT_1_X86_64 = {
        0x0000000400000020L, 0xc000003e42000015L, 0x0000000000000020L, 0x000000fb001b0035L,
        0x0000009d000d0035L, 0x0000008800060035L, 0x0000006500020035L, 0x000000383d000035L,
        0x00000039323c0035L, 0x0000008600010035L, 0x000000663b3a0035L, 0x000000873a320035L,
        0x0000008c00020035L, 0x0000008938000035L, 0x0000008b36370035L, 0x0000009a00010035L,
        0x0000009934350035L, 0x0000009b33340035L, 0x000000e300060035L, 0x000000a300020035L,
        0x0000009f30000035L, 0x000000a0302f0035L, 0x000000d400010035L, 0x000000ba2e2d0035L,
        0x000000d52d2c0035L, 0x000000f000020035L, 0x000000e42b000035L, 0x000000ec292a0035L,
        0x000000f700010035L, 0x000000f627280035L, 0x000000f826270035L, 0x00000135000d0035L,
        0x0000012a00060035L, 0x0000011000020035L, 0x0000010022000035L, 0x0000010122210035L,
        0x0000011700010035L, 0x00000111201f0035L, 0x000001181f1e0035L, 0x0000012d00020035L,
        0x0000012b1d000035L, 0x0000012c1b1c0035L, 0x0000013200010035L, 0x0000012f191a0035L,
        0x0000013418190035L, 0x0000014900060035L, 0x0000014000020035L, 0x0000013615000035L,
        0x0000013a15140035L, 0x0000014300010035L, 0x0000014213120035L, 0x0000014512110035L,
        0x000001b400030035L, 0x0000014d00010035L, 0x0000014c0f0e0035L, 0x000001b30e0f0035L,
        0x000001b600010035L, 0x000001b50c0b0035L, 0x400000000c0b0035L, 0x0000001000000020L,
        0x7c02000000000054L, 0x0000000008070015L, 0x0000001400000020L, 0x0000000006000015L,
        0x0000001000000020L, 0x0000000000030015L, 0xffffffff00020015L, 0x0000000802010015L,
        0x8000000000000006L, 0x7fff000000000006L, 0x0005000100000006L, 0x0005002600000006L,
    };
}
