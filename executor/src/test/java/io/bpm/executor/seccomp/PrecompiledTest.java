package io.bpm.executor.seccomp;

import io.bpm.executor.plan.SeccompProfile;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.fail;

class PrecompiledTest {
    @Test
    void constantIsWhatTheCompilerProduces() {
        long[] compiled = BpfCompiler.compile(SeccompProfile.bpmDefault(), Arch.X86_64).toLongArray();
        if (!java.util.Arrays.equals(compiled, Precompiled.BPM_DEFAULT_1_X86_64)) {
            var sb = new StringBuilder("Precompiled.BPM_DEFAULT_1_X86_64 is stale; the compiler now gives:\n");
            for (int i = 0; i < compiled.length; i++) {
                sb.append(i % 4 == 0 ? "        " : " ").append(String.format("0x%016xL,", compiled[i])).append(i % 4 == 3 ? "\n" : "");
            }
            fail(sb.toString());
        }
        BpfProgram p = Precompiled.program(SeccompProfile.bpmDefault(), Arch.X86_64);
        p.verify();
        assertSame(Arch.X86_64, p.arch());
    }

    @Test
    void otherProfilesAndArchitecturesAreCompiled() {
        assertEquals(BpfCompiler.compile(SeccompProfile.bpmDefault(), Arch.AARCH64).lines(),
                Precompiled.program(SeccompProfile.bpmDefault(), Arch.AARCH64).lines());
        var other = new SeccompProfile("other", 1, 1, List.of(), List.of(new SeccompProfile.Allow("read")));
        assertEquals(BpfCompiler.compile(other, Arch.X86_64).lines(), Precompiled.program(other, Arch.X86_64).lines());
    }
}
