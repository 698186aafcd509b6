package io.bpm.executor.seccomp;

import io.bpm.executor.plan.SeccompProfile;
import io.bpm.executor.sys.Errno;

/**
 * What a profile means, written straight from its rules and nothing else of the compiler: the
 * expected action for one call, for the property tests to compare the compiled program with.
 */
final class Oracle {
    private final SeccompProfile profile;
    private final Arch arch;
    private final boolean enosysStub;
    private final long highest;

    Oracle(SeccompProfile profile, Arch arch, boolean enosysStub) {
        this.profile = profile;
        this.arch = arch;
        this.enosysStub = enosysStub;
        long h = -1;
        for (SeccompProfile.Rule r : profile.rules()) {
            var nr = arch.table().number(r.name());
            if (nr.isPresent()) h = Math.max(h, nr.getAsInt());
        }
        this.highest = h;
    }

    long highest() {
        return highest;
    }

    int expected(BpfInterpreter.Data d) {
        int deflt = Bpf.RET_ERRNO | profile.defaultErrno();
        if (d.arch() != arch.auditArch()) return Bpf.RET_KILL_PROCESS;
        long nr = d.nr() & 0xffffffffL;
        if (arch.secondAbiBit() != 0 && nr >= arch.secondAbiBit()) return deflt;
        if (enosysStub && highest >= 0 && nr > highest) return Bpf.RET_ERRNO | Errno.ENOSYS;
        String name = arch.table().name(nr);
        if (name == null) return deflt;
        boolean allow = false, conditionHolds = false;
        Integer errno = null;
        for (SeccompProfile.Rule r : profile.rules()) {
            if (!r.name().equals(name)) continue;
            switch (r) {
                case SeccompProfile.Allow a -> allow = true;
                case SeccompProfile.Errno e -> errno = e.errno();
                case SeccompProfile.AllowIfEq q -> conditionHolds |= d.args()[q.arg()] == q.value();
                case SeccompProfile.AllowIfMaskedEq m -> conditionHolds |= (d.args()[m.arg()] & m.mask()) == m.value();
            }
        }
        if (errno != null) return Bpf.RET_ERRNO | errno;
        return allow || conditionHolds ? Bpf.RET_ALLOW : deflt;
    }
}
