package io.bpm.executor.seccomp;

import io.bpm.executor.plan.SeccompProfile;
import io.bpm.executor.sys.Errno;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

import static io.bpm.executor.seccomp.Bpf.*;

/**
 * Compiles a {@link SeccompProfile} to a classic BPF program for one {@link Arch}, deciding
 * every call the way bpm's runc (libseccomp plus runc's {@code patchbpf} -ENOSYS stub) does on
 * that architecture's native ABI:
 *
 * <ol>
 * <li>{@code seccomp_data.arch} is not the architecture's AUDIT_ARCH → {@code KILL_PROCESS}.
 *     That includes i386 calls ({@code int 0x80}, 32-bit binaries) on x86-64. bpm's profile
 *     also lists SCMP_ARCH_X86 and SCMP_ARCH_X32, so bpm's filter would run them against the
 *     32-bit tables; this one does not compile those ABIs (a BOSH job is 64-bit, and the
 *     compat entry is attack surface). libseccomp's own bad-arch default is a kill too.</li>
 * <li>x86-64 only: a number with the x32 bit (0x40000000) set → the default errno, EPERM. x32
 *     is not compiled either (disabled on most kernels, where such calls get ENOSYS anyway).</li>
 * <li>A number above the highest number of any name the profile mentions on this architecture
 *     (openat2, 437, for bpm-default 1 on x86-64) → {@code ERRNO(ENOSYS)}: runc prepends this
 *     stub to every filter with a non-allow default action, so that calls newer than the
 *     profile (faccessat2, epoll_pwait2, ...) make libc fall back instead of failing with
 *     EPERM. {@link Options#enosysAboveHighest} turns it off.</li>
 * <li>Otherwise the rules: a name with an unconditional allow → ALLOW; an errno rule →
 *     {@code ERRNO(n)}; conditional allows → ALLOW when one of them holds, compared on the full
 *     64-bit argument as libseccomp does on a 64-bit architecture (high word, then low word);
 *     anything else → {@code ERRNO(defaultErrno)}.</li>
 * </ol>
 *
 * <p>The profile's {@code architectures} list is not consulted: the program is for the
 * architecture asked for (libseccomp always includes the native one too), and the other ABIs
 * it lists are left out as above. Names the architecture does not have are skipped
 * ({@link #skipped}). The numbers are split
 * into maximal intervals with the same decision and searched with a balanced tree of
 * {@code jge} instructions; conditional calls get a small block each and all leaves share one
 * return per action. Jumps longer than a u8 allows are rewritten through {@code ja}, so any
 * profile assembles; bpm-default 1 needs none.
 */
public final class BpfCompiler {
    private BpfCompiler() { }

    /**
     * @param enosysAboveHighest answer ENOSYS, not the default errno, for numbers above the
     *                           profile's highest (runc's behaviour; on by default)
     */
    public record Options(boolean enosysAboveHighest) {
        /** What bpm does through runc. */
        public static final Options BPM = new Options(true);
        /** A plain libseccomp filter: everything unmatched gets the default action. */
        public static final Options LIBSECCOMP = new Options(false);
    }

    /** Compiles with {@link Options#BPM}. */
    public static BpfProgram compile(SeccompProfile profile, Arch arch) {
        return compile(profile, arch, Options.BPM);
    }

    public static BpfProgram compile(SeccompProfile profile, Arch arch, Options options) {
        SyscallTable table = arch.table();
        int defaultAction = errno(profile.defaultErrno());
        Map<Integer, Object> byNumber = decisions(profile, table, defaultAction);
        int highest = -1;
        for (int n : byNumber.keySet()) highest = Math.max(highest, n);

        // The decision for every number, as intervals [start, next start) over the u32 space:
        // 0..highest number by number, then the ENOSYS region, then (x86-64) the x32 numbers.
        Integer deflt = defaultAction;
        List<Long> starts = new ArrayList<>();
        List<Object> outcomes = new ArrayList<>();
        for (int nr = 0; nr <= highest; nr++) {
            Object o = byNumber.get(nr);
            interval(starts, outcomes, nr, o != null ? o : deflt);
        }
        long secondAbi = arch.secondAbiBit() == 0 ? 1L << 32 : arch.secondAbiBit() & 0xffffffffL;
        if (highest + 1L < secondAbi) {
            interval(starts, outcomes, highest + 1L,
                    options.enosysAboveHighest() && highest >= 0 ? Integer.valueOf(errno(Errno.ENOSYS)) : deflt);
        }
        if (secondAbi < 1L << 32) interval(starts, outcomes, secondAbi, deflt);

        Asm asm = new Asm();
        Map<Integer, Asm.Label> rets = new LinkedHashMap<>();
        Asm.Label nr = asm.label();
        asm.stmt(LD | W | ABS, DATA_ARCH);
        asm.jump(JEQ, arch.auditArch(), nr, ret(asm, rets, RET_KILL_PROCESS));
        asm.mark(nr);
        asm.stmt(LD | W | ABS, DATA_NR);
        Map<Object, Asm.Label> leaves = new HashMap<>();
        for (Object o : outcomes) {
            if (!leaves.containsKey(o)) leaves.put(o, o instanceof Integer action ? ret(asm, rets, action) : asm.label());
        }
        tree(asm, starts, outcomes, leaves, 0, starts.size() - 1, null);
        for (Object o : outcomes) {
            if (o instanceof Conditional c) conditional(asm, c, leaves.get(c), ret(asm, rets, RET_ALLOW), ret(asm, rets, defaultAction));
        }
        for (Map.Entry<Integer, Asm.Label> r : rets.entrySet()) {
            asm.mark(r.getValue());
            asm.stmt(RET | K, r.getKey());
        }

        return BpfProgram.of(asm.assemble(), arch).verify();
    }

    /**
     * The program with {@link #describe} as its header: what {@code bpm compile} prints. (The
     * header is not built by {@link #compile}: its string concatenations cost bpm start
     * milliseconds of bootstrapping for text nobody reads.)
     */
    public static BpfProgram listing(SeccompProfile profile, Arch arch, Options options) {
        BpfProgram p = compile(profile, arch, options);
        return p.withHeader(describe(profile, arch, options, p.length()));
    }

    /** What the program does, in words: the header of {@link #listing}. */
    public static List<String> describe(SeccompProfile profile, Arch arch, Options options, int length) {
        SyscallTable table = arch.table();
        int defaultAction = errno(profile.defaultErrno());
        int highest = -1;
        for (int n : decisions(profile, table, defaultAction).keySet()) highest = Math.max(highest, n);
        List<String> header = new ArrayList<>();
        header.add(profile.name() + " " + profile.version() + " for " + arch.name().toLowerCase(java.util.Locale.ROOT)
                + " (AUDIT_ARCH 0x" + Integer.toHexString(arch.auditArch()) + "): " + length + " instructions");
        List<String> skipped = skipped(profile, arch);
        if (!skipped.isEmpty()) {
            header.add("skipped, not on " + table.arch() + " (" + skipped.size() + "): " + String.join(" ", skipped));
        }
        header.add("other arch: KILL_PROCESS"
                + (arch.secondAbiBit() != 0 ? "; nr >= 0x" + Integer.toHexString(arch.secondAbiBit()) + " (x32): " + actionName(defaultAction) : "")
                + (options.enosysAboveHighest() && highest >= 0 ? "; nr > " + highest + " (" + table.name(highest) + "): ERRNO(ENOSYS)" : "")
                + "; unmatched: " + actionName(defaultAction));
        return header;
    }

    /** Starts a new interval unless it returns what the previous one does. */
    private static void interval(List<Long> starts, List<Object> outcomes, long start, Object outcome) {
        if (!outcomes.isEmpty() && outcome instanceof Integer && outcome.equals(outcomes.getLast())) return;
        starts.add(start);
        outcomes.add(outcome);
    }

    /** The names of the profile's rules that the architecture does not have, in rule order. */
    public static List<String> skipped(SeccompProfile profile, Arch arch) {
        Set<String> out = new LinkedHashSet<>();
        for (SeccompProfile.Rule r : profile.rules()) {
            if (arch.table().number(r.name()).isEmpty()) out.add(r.name());
        }
        return List.copyOf(out);
    }

    // ---- decisions per number ------------------------------------------------------------------

    // What happens to one number: an Integer (the action returned) or a Conditional block.
    // (Plain classes, loops and instanceof here, no records as keys, lambdas or pattern
    // switches: this may run on bpm start's path, where each costs a bootstrap.)

    /** ALLOW when every check of one alternative holds, else the default action. Identity-equal only. */
    private static final class Conditional {
        final String name;
        final List<List<Check>> alternatives;

        Conditional(String name, List<List<Check>> alternatives) {
            this.name = name;
            this.alternatives = alternatives;
        }
    }

    /** {@code (word at offset & mask) == value} on one 32-bit word of seccomp_data; mask -1 needs no {@code and}. */
    private static final class Check {
        final int offset, mask, value;

        Check(int offset, int mask, int value) {
            this.offset = offset;
            this.mask = mask;
            this.value = value;
        }

        boolean sameWord(Check o) {
            return offset == o.offset && mask == o.mask;
        }

        boolean same(Check o) {
            return sameWord(o) && value == o.value;
        }
    }

    private static Map<Integer, Object> decisions(SeccompProfile profile, SyscallTable table, int defaultAction) {
        Map<String, List<SeccompProfile.Rule>> byName = new LinkedHashMap<>();
        for (SeccompProfile.Rule r : profile.rules()) {
            List<SeccompProfile.Rule> same = byName.get(r.name());
            if (same == null) byName.put(r.name(), same = new ArrayList<>());
            same.add(r);
        }
        Map<Integer, Object> out = new HashMap<>();
        for (Map.Entry<String, List<SeccompProfile.Rule>> e : byName.entrySet()) {
            OptionalInt nr = table.number(e.getKey());
            if (nr.isEmpty()) continue;
            out.put(nr.getAsInt(), decide(e.getKey(), e.getValue(), defaultAction));
        }
        return out;
    }

    private static Object decide(String name, List<SeccompProfile.Rule> rules, int defaultAction) {
        boolean allow = false, conditional = false;
        Integer errno = null;
        List<List<Check>> alternatives = new ArrayList<>();
        for (SeccompProfile.Rule r : rules) {
            List<Check> checks = null;
            if (r instanceof SeccompProfile.Allow) {
                allow = true;
                continue;
            } else if (r instanceof SeccompProfile.Errno x) {
                if (errno != null && errno != x.errno()) throw new IllegalArgumentException(name + ": two errno rules");
                errno = x.errno();
                continue;
            } else if (r instanceof SeccompProfile.AllowIfMaskedEq m) {
                checks = checks(m.arg(), m.mask(), m.value());
            } else if (r instanceof SeccompProfile.AllowIfEq q) {
                checks = checks(q.arg(), -1L, q.value());
            } else {
                throw new IllegalArgumentException("unknown rule " + r);
            }
            conditional = true;
            if (checks == null) continue;                                // can never hold
            if (checks.isEmpty()) allow = true;                          // always holds
            alternatives.add(checks);
        }
        if (errno != null && (allow || conditional)) throw new IllegalArgumentException(name + ": both allowed and errno");
        if (errno != null) return errno(errno);
        if (allow) return RET_ALLOW;
        if (alternatives.isEmpty()) return defaultAction;              // no alternative can hold
        return new Conditional(name, alternatives);
    }

    /** The word checks of {@code (args[arg] & mask) == value}, high word first; null if it can never hold. */
    private static List<Check> checks(int arg, long mask, long value) {
        if (arg < 0 || arg > 5) throw new IllegalArgumentException("argument index " + arg);
        List<Check> out = new ArrayList<>(2);
        for (int hi = 1; hi >= 0; hi--) {
            int m = (int) (hi == 1 ? mask >>> 32 : mask);
            int v = (int) (hi == 1 ? value >>> 32 : value);
            if ((v & ~m) != 0) return null;              // value bits outside the mask: never equal
            if (m == 0) continue;                         // (x & 0) == 0 always
            out.add(new Check(hi == 1 ? argHi(arg) : argLo(arg), m, v));
        }
        return out;
    }

    // ---- code generation -----------------------------------------------------------------------

    private static Asm.Label ret(Asm asm, Map<Integer, Asm.Label> rets, int action) {
        Asm.Label l = rets.get(action);
        if (l == null) rets.put(action, l = asm.label());
        return l;
    }

    /** Binary search over intervals lo..hi: {@code jge start[mid]}; leaves jump straight to their outcome. */
    private static void tree(Asm asm, List<Long> starts, List<Object> outcomes, Map<Object, Asm.Label> leaves,
                             int lo, int hi, Asm.Label here) {
        if (here != null) asm.mark(here);
        if (lo == hi) {                    // only for a program with one interval
            asm.ja(leaves.get(outcomes.get(lo)));
            return;
        }
        int mid = (lo + hi + 1) >>> 1;
        Asm.Label upper = mid == hi ? leaves.get(outcomes.get(hi)) : asm.label();
        Asm.Label lower = lo == mid - 1 ? leaves.get(outcomes.get(lo)) : asm.label();
        asm.jump(JGE, (int) (long) starts.get(mid), upper, lower);
        if (lo != mid - 1) tree(asm, starts, outcomes, leaves, lo, mid - 1, lower);
        if (mid != hi) tree(asm, starts, outcomes, leaves, mid, hi, upper);
    }

    /**
     * The alternatives of one conditional call, in rule order. A failed check jumps to the
     * first later alternative that can still hold, skipping checks already known to pass and
     * the load when the accumulator already holds the word; code nothing reaches is left out.
     */
    private static void conditional(Asm asm, Conditional c, Asm.Label entry, Asm.Label allow, Asm.Label deny) {
        List<List<Check>> alts = c.alternatives;
        Asm.Label[][] load = new Asm.Label[alts.size()][];
        Asm.Label[][] compare = new Asm.Label[alts.size()][];
        for (int a = 0; a < alts.size(); a++) {
            load[a] = new Asm.Label[alts.get(a).size()];
            compare[a] = new Asm.Label[alts.get(a).size()];
            for (int j = 0; j < alts.get(a).size(); j++) {
                load[a][j] = asm.label();
                compare[a][j] = asm.label();
            }
        }
        Set<Asm.Label> used = new java.util.HashSet<>();
        load[0][0] = entry;
        used.add(entry);
        for (int a = 0; a < alts.size(); a++) {
            List<Check> checks = alts.get(a);
            for (int j = 0; j < checks.size(); j++) {
                Check k = checks.get(j);
                boolean viaLoad = used.contains(load[a][j]);
                if (!viaLoad && !used.contains(compare[a][j])) continue;
                if (viaLoad) {
                    asm.mark(load[a][j]);
                    asm.stmt(LD | W | ABS, k.offset);
                    if (k.mask != -1) asm.stmt(ALU | AND | K, k.mask);
                }
                asm.mark(compare[a][j]);
                Asm.Label pass = j + 1 < checks.size() ? load[a][j + 1] : allow;
                Asm.Label fail = failTarget(alts, a, j, load, compare, allow, deny);
                used.add(pass);
                used.add(fail);
                asm.jump(JEQ, k.value, pass, fail);
            }
        }
    }

    private static Asm.Label failTarget(List<List<Check>> alts, int a, int j, Asm.Label[][] load, Asm.Label[][] compare,
                                        Asm.Label allow, Asm.Label deny) {
        List<Check> known = alts.get(a);          // known[0..j-1] held, known[j] did not
        Check inA = known.get(j);                 // the accumulator holds this check's word & mask
        for (int b = a + 1; b < alts.size(); b++) {
            List<Check> cb = alts.get(b);
            int p = 0;
            while (p < j && p < cb.size() && cb.get(p).same(known.get(p))) p++;
            if (p == cb.size()) return allow;                         // every check of b is known to hold
            if (p == j && cb.get(j).same(inA)) continue;              // fails for the same reason
            return cb.get(p).sameWord(inA) ? compare[b][p] : load[b][p];
        }
        return deny;
    }

    /**
     * A two-pass assembler with labels: conditional jumps whose target is more than 255
     * instructions ahead become {@code jcc k, 0, 1; ja T; ja F}. Only forward jumps exist.
     */
    static final class Asm {
        static final class Label {
            int item = -1;
        }

        private record Item(int code, int k, Label t, Label f) { }

        private final List<Item> items = new ArrayList<>();

        Label label() {
            return new Label();
        }

        void mark(Label l) {
            if (l.item >= 0) throw new IllegalStateException("label placed twice");
            l.item = items.size();
        }

        void stmt(int code, int k) {
            items.add(new Item(code, k, null, null));
        }

        void jump(int op, int k, Label t, Label f) {
            items.add(new Item(JMP | op | K, k, t, f));
        }

        void ja(Label t) {
            items.add(new Item(JMP | JA, 0, t, null));
        }

        long[] assemble() {
            int n = items.size();
            boolean[] far = new boolean[n];
            int[] pos = new int[n + 1];
            for (boolean changed = true; changed; ) {
                changed = false;
                for (int i = 0; i < n; i++) pos[i + 1] = pos[i] + (far[i] ? 3 : 1);
                for (int i = 0; i < n; i++) {
                    Item it = items.get(i);
                    if (it.f() == null || far[i]) continue;
                    if (offset(pos, i, it.t()) > 255 || offset(pos, i, it.f()) > 255) {
                        far[i] = true;
                        changed = true;
                    }
                }
            }
            long[] out = new long[pos[n]];
            for (int i = 0; i < n; i++) {
                Item it = items.get(i);
                int at = pos[i];
                if (it.t() == null) {
                    out[at] = BpfProgram.insn(it.code(), 0, 0, it.k());
                } else if (it.f() == null) {
                    out[at] = BpfProgram.insn(it.code(), 0, 0, offset(pos, i, it.t()));
                } else if (!far[i]) {
                    out[at] = BpfProgram.insn(it.code(), offset(pos, i, it.t()), offset(pos, i, it.f()), it.k());
                } else {
                    out[at] = BpfProgram.insn(it.code(), 0, 1, it.k());
                    out[at + 1] = BpfProgram.insn(JMP | JA, 0, 0, target(pos, it.t()) - (at + 2));
                    out[at + 2] = BpfProgram.insn(JMP | JA, 0, 0, target(pos, it.f()) - (at + 3));
                }
            }
            return out;
        }

        /** Instructions skipped by a jump at item i to t (as a one-instruction jump). */
        private int offset(int[] pos, int i, Label t) {
            int off = target(pos, t) - (pos[i] + 1);
            if (off < 0) throw new IllegalStateException("backward jump from item " + i);
            return off;
        }

        private int target(int[] pos, Label t) {
            if (t.item < 0) throw new IllegalStateException("label never placed");
            return pos[t.item];
        }
    }
}
