package io.bpm.executor.seccomp;

import io.bpm.executor.plan.SeccompProfile;
import io.bpm.executor.sys.Errno;
import io.bpm.executor.sys.Linux;
import io.bpm.executor.sys.Sys;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static io.bpm.executor.seccomp.Bpf.*;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our program against the one the host's libseccomp (what bpm's runc links) generates for the
 * same rules, both run through {@link BpfInterpreter}: on every x86-64 native call they must
 * agree exactly, once runc's -ENOSYS stub is added to libseccomp's answer. The architectures
 * bpm lists but this compiler leaves out (i386, x32) are shown side by side. Skips loudly
 * without libseccomp.so.2 or off x86-64.
 */
class LibseccompDifferentialTest {
    private static final SeccompProfile BPM = SeccompProfile.bpmDefault();
    private static final int SCMP_CMP_EQ = 4, SCMP_CMP_MASKED_EQ = 7;
    private static final int SCMP_ARCH_X86 = Arch.AUDIT_ARCH_I386, SCMP_ARCH_X32 = 0x4000003e;
    private static final int X32_BIT = 0x40000000;

    @TempDir
    static Path dir;
    private static Lib lib;

    @BeforeAll
    static void load() {
        String arch = System.getProperty("os.arch");
        SyscallTableTest.skipUnless("amd64".equals(arch), "libseccomp comparison is for x86-64, os.arch=" + arch);
        Path so = Path.of("/usr/lib/x86_64-linux-gnu/libseccomp.so.2");
        SyscallTableTest.skipUnless(Files.exists(so), "no " + so + " (libseccomp2) to compare with");
        lib = new Lib(so);
    }

    @Test
    void nativeCallsAgreeWithLibseccompPlusRuncsStub() throws Throwable {
        BpfProgram theirs = lib.export(List.of(), "native");
        BpfInterpreter libseccomp = new BpfInterpreter(theirs);
        BpfInterpreter ours = new BpfInterpreter(BpfCompiler.compile(BPM, Arch.X86_64));
        BpfInterpreter oursPlain = new BpfInterpreter(BpfCompiler.compile(BPM, Arch.X86_64, BpfCompiler.Options.LIBSECCOMP));
        System.out.println("SECCOMP libseccomp " + lib.version + " native x86_64 filter: " + theirs.length()
                + " instructions; ours: " + BpfCompiler.compile(BPM, Arch.X86_64).length());
        long[][] argSets = {{}, {-1, -1}, {Linux.SIGCHLD}, {Linux.CLONE_NEWNS}, {Linux.CLONE_NEWCGROUP | Linux.SIGCHLD},
            {0x7C020000L}, {8}, {0xffffffffL}, {1L << 32}, {(1L << 32) | 8}, {-1L}, {0xffffffff00000000L}};
        int compared = 0;
        for (int nr = 0; nr < 1100; nr++) {
            for (long[] args : argSets) {
                var d = BpfInterpreter.Data.of(Arch.X86_64, nr, args);
                assertEquals(actionName(libseccomp.run(d)), actionName(oursPlain.run(d)), "nr " + nr + " " + java.util.Arrays.toString(args));
                assertEquals(actionName(withRuncStub(d, libseccomp.run(d))), actionName(ours.run(d)), "nr " + nr);
                compared++;
            }
        }
        Random rnd = new Random(7);
        for (int i = 0; i < 100_000; i++) {
            var r = BpfCompilerTest.randomCall(rnd, Arch.X86_64);
            var d = new BpfInterpreter.Data(r.nr() & (X32_BIT - 1), Arch.X86_64.auditArch(), 0, r.args());
            assertEquals(actionName(withRuncStub(d, libseccomp.run(d))), actionName(ours.run(d)), "nr " + d.nr());
            compared++;
        }
        System.out.println("SECCOMP libseccomp agreement on " + compared + " native calls");
    }

    /** runc's patchbpf: a native x86-64 number above the profile's highest (openat2, 437) gets ENOSYS first. */
    private static int withRuncStub(BpfInterpreter.Data d, int libseccompAction) {
        long nr = d.nr() & 0xffffffffL;
        return d.arch() == Arch.X86_64.auditArch() && nr < X32_BIT && nr > 437 ? errno(Errno.ENOSYS) : libseccompAction;
    }

    /** Where this compiler deliberately differs from bpm's real filter (x86_64 + x86 + x32): printed, and pinned. */
    @Test
    void otherAbisSideBySide() throws Throwable {
        BpfInterpreter bpm = new BpfInterpreter(lib.export(List.of(SCMP_ARCH_X86, SCMP_ARCH_X32), "bpm's three"));
        BpfInterpreter nativeOnly = new BpfInterpreter(lib.export(List.of(), "native"));
        BpfInterpreter ours = new BpfInterpreter(BpfCompiler.compile(BPM, Arch.X86_64));
        record Case(String what, int nr, int arch, long arg0, String bpmSays, String nativeLibseccompSays, String oursSays) { }
        List<Case> cases = List.of(
                new Case("i386 execve (11)", 11, Arch.AUDIT_ARCH_I386, 0, "ALLOW", "KILL_THREAD", "KILL_PROCESS"),
                new Case("i386 socketcall (102)", 102, Arch.AUDIT_ARCH_I386, 1, "ALLOW", "KILL_THREAD", "KILL_PROCESS"),
                new Case("i386 mount (21)", 21, Arch.AUDIT_ARCH_I386, 0, "ERRNO(EPERM)", "KILL_THREAD", "KILL_PROCESS"),
                new Case("x32 read (0x40000000)", X32_BIT, Arch.X86_64.auditArch(), 0, "ALLOW", "KILL_THREAD", "ERRNO(EPERM)"),
                new Case("x32 mount", X32_BIT | 165, Arch.X86_64.auditArch(), 0, "ERRNO(EPERM)", "KILL_THREAD", "ERRNO(EPERM)"),
                new Case("aarch64 openat (56)", 56, Arch.AARCH64.auditArch(), 0, "KILL_THREAD", "KILL_THREAD", "KILL_PROCESS"));
        List<String> table = new ArrayList<>();
        table.add(String.format("%-24s %-16s %-20s %s", "call", "bpm (3 ABIs)", "libseccomp native", "ours"));
        for (Case c : cases) {
            var d = new BpfInterpreter.Data(c.nr(), c.arch(), 0, c.arg0());
            String[] got = {bpm.action(d), nativeOnly.action(d), ours.action(d)};
            table.add(String.format("%-24s %-16s %-20s %s", c.what(), got[0], got[1], got[2]));
            assertEquals(List.of(c.bpmSays(), c.nativeLibseccompSays(), c.oursSays()), List.of(got), c.what());
        }
        System.out.println("SECCOMP ABIs bpm lists but we do not compile (libseccomp without runc's ENOSYS stub):\n" + String.join("\n", table));
    }

    /** Just enough of libseccomp's API, through FFM. */
    private static final class Lib {
        final MethodHandle init, resolve, ruleAdd, export, release, archAdd;
        final String version;

        Lib(Path so) {
            Linker l = Linker.nativeLinker();
            SymbolLookup s = SymbolLookup.libraryLookup(so, Arena.global());
            init = l.downcallHandle(s.find("seccomp_init").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT));
            resolve = l.downcallHandle(s.find("seccomp_syscall_resolve_name").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS));
            ruleAdd = l.downcallHandle(s.find("seccomp_rule_add_array").orElseThrow(),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
            export = l.downcallHandle(s.find("seccomp_export_bpf").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
            release = l.downcallHandle(s.find("seccomp_release").orElseThrow(), FunctionDescriptor.ofVoid(ADDRESS));
            archAdd = l.downcallHandle(s.find("seccomp_arch_add").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
            MethodHandle v = l.downcallHandle(s.find("seccomp_version").orElseThrow(), FunctionDescriptor.of(ADDRESS));
            try {
                MemorySegment ver = ((MemorySegment) v.invokeExact()).reinterpret(12);
                version = ver.get(JAVA_INT, 0) + "." + ver.get(JAVA_INT, 4) + "." + ver.get(JAVA_INT, 8);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        }

        /** The profile's rules added as runc adds them (one call per rule, names resolved natively), exported. */
        BpfProgram export(List<Integer> extraArches, String what) throws Throwable {
            MemorySegment ctx = (MemorySegment) init.invokeExact(errno(BPM.defaultErrno()));
            assertTrue(!ctx.equals(MemorySegment.NULL), "seccomp_init");
            Path out = dir.resolve("filter-" + what.replace(' ', '-').replace("'", "") + ".bpf");
            try (Arena a = Arena.ofConfined()) {
                for (int arch : extraArches) assertEquals(0, (int) archAdd.invokeExact(ctx, arch), "seccomp_arch_add");
                int skipped = 0;
                for (SeccompProfile.Rule r : BPM.rules()) {
                    int nr = (int) resolve.invokeExact(a.allocateFrom(r.name()));
                    if (nr == -1) {                // __NR_SCMP_ERROR: unknown to libseccomp (runc skips it)
                        skipped++;
                        continue;
                    }
                    int action = RET_ALLOW;
                    MemorySegment cmp = MemorySegment.NULL;
                    int count = 0;
                    switch (r) {
                        case SeccompProfile.Allow x -> { }
                        case SeccompProfile.Errno e -> action = errno(e.errno());
                        case SeccompProfile.AllowIfEq q -> {
                            cmp = argCmp(a, q.arg(), SCMP_CMP_EQ, q.value(), 0);
                            count = 1;
                        }
                        case SeccompProfile.AllowIfMaskedEq m -> {
                            cmp = argCmp(a, m.arg(), SCMP_CMP_MASKED_EQ, m.mask(), m.value());
                            count = 1;
                        }
                    }
                    int rc = (int) ruleAdd.invokeExact(ctx, action, nr, count, cmp);
                    if (rc != 0 && nr < 0 && extraArches.isEmpty()) {
                        skipped++;                 // a pseudo number (e.g. socketcall) with no native meaning
                        continue;
                    }
                    assertEquals(0, rc, "seccomp_rule_add " + r);
                }
                int fd = Sys.open(out.toString(), Linux.O_WRONLY | Linux.O_CREAT | Linux.O_TRUNC | Linux.O_CLOEXEC, 0600);
                try {
                    assertEquals(0, (int) export.invokeExact(ctx, fd), "seccomp_export_bpf");
                } finally {
                    Sys.close(fd);
                }
                System.out.println("SECCOMP libseccomp filter (" + what + "): " + skipped + " names not resolvable natively");
            } finally {
                release.invokeExact(ctx);
            }
            return BpfProgram.fromBytes(Files.readAllBytes(out), Arch.X86_64);
        }

        /** struct scmp_arg_cmp {u32 arg; u32 op; u64 datum_a; u64 datum_b}. */
        private static MemorySegment argCmp(Arena a, int arg, int op, long datumA, long datumB) {
            MemorySegment s = a.allocate(24, 8);
            s.set(JAVA_INT, 0, arg);
            s.set(JAVA_INT, 4, op);
            s.set(JAVA_LONG, 8, datumA);
            s.set(JAVA_LONG, 16, datumB);
            return s;
        }
    }
}
