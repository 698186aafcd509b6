package io.bpm.executor.seccomp;

import io.bpm.executor.plan.SeccompProfile;
import io.bpm.executor.sys.Linux;
import io.bpm.executor.sys.Tape;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static io.bpm.executor.seccomp.Bpf.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * bpm-default 1 compiled for x86-64 and run through {@link BpfInterpreter}: every rule of
 * §4.8, the architecture and x32 checks, runc's ENOSYS region, and random calls against
 * {@link Oracle}. Also other architectures and random profiles long enough to need far jumps.
 */
class BpfCompilerTest {
    private static final SeccompProfile BPM = SeccompProfile.bpmDefault();
    private static final Arch X86 = Arch.X86_64;
    private static final BpfProgram PROGRAM = BpfCompiler.compile(BPM, X86);
    private static final BpfInterpreter RUN = new BpfInterpreter(PROGRAM);
    private static final String ALLOW = "ALLOW", EPERM = "ERRNO(EPERM)", ENOSYS = "ERRNO(ENOSYS)", KILL = "KILL_PROCESS";

    private static String call(String name, long... args) {
        int nr = X86.table().number(name).orElseThrow(() -> new AssertionError(name + " is not an x86_64 syscall"));
        return RUN.action(BpfInterpreter.Data.of(X86, nr, args));
    }

    @Test
    void programIsShortAndLoadable() {
        System.out.println("SECCOMP bpm-default 1 x86_64: " + PROGRAM.length() + " instructions");
        System.out.print(BpfCompiler.listing(BPM, X86, BpfCompiler.Options.BPM));
        assertTrue(PROGRAM.length() < 100, "length " + PROGRAM.length());
        PROGRAM.verify();
        // the encoding is Tape's: BPF_STMT(BPF_LD|BPF_W|BPF_ABS, 4) first, a return last
        assertEquals(Tape.bpfStmt(Linux.BPF_LD | Linux.BPF_W | Linux.BPF_ABS, Linux.SECCOMP_DATA_ARCH), PROGRAM.toLongArray()[0]);
        assertEquals(Tape.bpfJump(Linux.BPF_JMP | Linux.BPF_JEQ | Linux.BPF_K, Linux.AUDIT_ARCH_X86_64, PROGRAM.jt(1), PROGRAM.jf(1)),
                PROGRAM.toLongArray()[1]);
        assertEquals(RET | K, PROGRAM.code(PROGRAM.length() - 1));
        // deterministic: the same profile gives the same bytes
        assertEquals(List.of(PROGRAM.lines()), List.of(BpfCompiler.compile(BPM, X86).lines()));
    }

    @Test
    void everyAllowedNameIsAllowedWhateverItsArguments() {
        Random rnd = new Random(1);
        List<String> names = BPM.unconditionalNames().stream().filter(n -> X86.table().number(n).isPresent()).toList();
        assertEquals(311 - 40, names.size());
        for (String n : names) {
            assertEquals(ALLOW, call(n), n);
            assertEquals(ALLOW, call(n, -1L, -1L, -1L, -1L, -1L, -1L), n);
            assertEquals(ALLOW, call(n, rnd.nextLong(), rnd.nextLong(), rnd.nextLong(), rnd.nextLong(), rnd.nextLong(), rnd.nextLong()), n);
        }
    }

    @Test
    void namesNotOnX86_64AreSkipped() {
        assertEquals(List.of("_llseek", "_newselect", "chown32", "fadvise64_64", "fchown32", "fcntl64", "fstat64",
                "fstatat64", "fstatfs64", "ftruncate64", "getegid32", "geteuid32", "getgid32", "getgroups32", "getresgid32",
                "getresuid32", "getuid32", "ipc", "lchown32", "lstat64", "mmap2", "recv", "send", "sendfile64", "setfsgid32",
                "setfsuid32", "setgid32", "setgroups32", "setregid32", "setresgid32", "setresuid32", "setreuid32", "setuid32",
                "sigreturn", "socketcall", "stat64", "statfs64", "truncate64", "ugetrlimit", "waitpid"),
                BpfCompiler.skipped(BPM, X86));
    }

    /** §4.8 "notably not allowed": EPERM, or ENOSYS for the ones numbered above openat2 (437), as runc's stub answers. */
    @Test
    void notablyNotAllowed() {
        List<String> names = List.of("mount", "umount2", "pivot_root", "unshare", "setns", "ptrace", "process_vm_readv",
                "process_vm_writev", "bpf", "perf_event_open", "keyctl", "add_key", "request_key", "reboot", "kexec_load",
                "kexec_file_load", "init_module", "finit_module", "delete_module", "swapon", "swapoff", "acct",
                "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "sethostname", "setdomainname", "iopl",
                "ioperm", "quotactl", "name_to_handle_at", "open_by_handle_at", "userfaultfd", "io_uring_setup",
                "io_uring_enter", "io_uring_register", "pidfd_open", "pidfd_send_signal", "pidfd_getfd", "close_range",
                "faccessat2", "epoll_pwait2", "rseq", "membarrier", "mbind", "set_mempolicy", "get_mempolicy", "move_pages",
                "migrate_pages", "kcmp", "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self", "fsopen",
                "fsconfig", "fsmount", "fspick", "open_tree", "move_mount", "mount_setattr", "ustat", "futex_waitv",
                // and a few more a job has no business with
                "lookup_dcookie", "vhangup", "pkey_mprotect", "process_madvise", "memfd_secret", "quotactl_fd", "uselib",
                "nfsservctl", "personality");
        Set<String> aboveOpenat2 = Set.of("pidfd_getfd", "faccessat2", "epoll_pwait2", "mount_setattr", "landlock_create_ruleset",
                "landlock_add_rule", "landlock_restrict_self", "futex_waitv", "process_madvise", "memfd_secret", "quotactl_fd");
        BpfInterpreter plain = new BpfInterpreter(BpfCompiler.compile(BPM, X86, BpfCompiler.Options.LIBSECCOMP));
        for (String n : names) {
            long[] args = n.equals("personality") ? new long[] {1} : new long[0];
            assertEquals(aboveOpenat2.contains(n) ? ENOSYS : EPERM, call(n, args), n);
            int nr = X86.table().number(n).orElseThrow();
            assertEquals(EPERM, plain.action(BpfInterpreter.Data.of(X86, nr, args)), n + " without the ENOSYS stub");
        }
        assertEquals(437, X86.table().number("openat2").orElseThrow());
        assertEquals(ALLOW, call("openat2"));
        assertEquals(ENOSYS, RUN.action(BpfInterpreter.Data.of(X86, 438)));
        assertEquals(EPERM, RUN.action(BpfInterpreter.Data.of(X86, 436)));          // close_range
        assertEquals(ENOSYS, RUN.action(BpfInterpreter.Data.of(X86, 0x3fffffff)));
        assertEquals(EPERM, RUN.action(BpfInterpreter.Data.of(X86, 335)));          // a hole in the table
    }

    @Test
    void cloneWithAndWithoutNamespaceFlags() {
        long sigchld = Linux.SIGCHLD;
        long thread = Linux.CLONE_VM | Linux.CLONE_FS | Linux.CLONE_FILES | Linux.CLONE_SIGHAND | 0x10000 /* THREAD */
                | 0x80000 /* SETTLS */ | 0x100000 /* PARENT_SETTID */ | 0x200000 /* CHILD_CLEARTID */;
        for (long ok : new long[] {0, sigchld, thread, 0x01000000 | 0x200000 | sigchld /* fork: CHILD_SETTID|CHILD_CLEARTID */,
                Linux.CLONE_VM | Linux.CLONE_VFORK | sigchld, Linux.CLONE_NEWCGROUP, Linux.CLONE_NEWTIME,
                Linux.CLONE_PIDFD | sigchld, ~0x7C020000L, 0xffffffff00000000L | sigchld}) {
            assertEquals(ALLOW, call("clone", ok, 0, 0, 0, 0), "clone 0x" + Long.toHexString(ok));
        }
        Map<String, Long> namespaces = new LinkedHashMap<>();
        namespaces.put("CLONE_NEWNS", Linux.CLONE_NEWNS);
        namespaces.put("CLONE_NEWUTS", Linux.CLONE_NEWUTS);
        namespaces.put("CLONE_NEWIPC", Linux.CLONE_NEWIPC);
        namespaces.put("CLONE_NEWUSER", Linux.CLONE_NEWUSER);
        namespaces.put("CLONE_NEWPID", Linux.CLONE_NEWPID);
        namespaces.put("CLONE_NEWNET", Linux.CLONE_NEWNET);
        long all = 0;
        for (var ns : namespaces.entrySet()) {
            all |= ns.getValue();
            assertEquals(EPERM, call("clone", ns.getValue()), ns.getKey());
            assertEquals(EPERM, call("clone", ns.getValue() | sigchld), ns.getKey() + "|SIGCHLD");
            assertEquals(EPERM, call("clone", ns.getValue() | thread), ns.getKey() + "|thread flags");
            assertEquals(EPERM, call("clone", ns.getValue() | 0xffffffff00000000L), ns.getKey() + " with high bits");
        }
        assertEquals(SeccompProfile.CLONE_NAMESPACE_FLAGS, all);
        assertEquals(EPERM, call("clone", -1L));
        // clone3 cannot be inspected (flags behind a pointer): ENOSYS, whatever it asks, so libc falls back to clone
        assertEquals(ENOSYS, call("clone3"));
        assertEquals(ENOSYS, call("clone3", 0x7fff0000L, 88));
        assertEquals(ENOSYS, call("clone3", -1L, -1L));
    }

    @Test
    void personalityOnlyForItsThreeValues() {
        assertEquals(ALLOW, call("personality", 0));
        assertEquals(ALLOW, call("personality", 8));
        assertEquals(ALLOW, call("personality", 0xffffffffL));
        assertEquals(ALLOW, call("personality", 8, -1L, -1L));           // other arguments do not matter
        for (long v : new long[] {1, 7, 9, 0x0040000 /* ADDR_NO_RANDOMIZE */, 0x0400000 /* READ_IMPLIES_EXEC */,
                0xfffffffeL, -1L /* 64-bit: high word not 0 */, 1L << 32, (1L << 32) | 8, 0xffffffffL << 32}) {
            assertEquals(EPERM, call("personality", v), "personality 0x" + Long.toHexString(v));
        }
    }

    @Test
    void wrongArchitectureIsKilled() {
        for (int arch : new int[] {Arch.AUDIT_ARCH_I386, Arch.AARCH64.auditArch(), 0, -1, 0x4000003e, 0x8000003e}) {
            for (int nr : new int[] {0, 1, 3, 11, 56, 59, 120, 135, 435, 0x40000000}) {
                assertEquals(KILL, RUN.action(new BpfInterpreter.Data(nr, arch, 0)), "arch 0x" + Integer.toHexString(arch) + " nr " + nr);
            }
        }
    }

    @Test
    void x32CallsAreDenied() {
        for (String n : List.of("read", "write", "execve", "mkdir", "clone", "openat", "exit_group")) {
            int nr = X86.table().number(n).orElseThrow();
            assertEquals(EPERM, RUN.action(BpfInterpreter.Data.of(X86, 0x40000000 | nr)), "x32 " + n);
        }
        for (int nr : new int[] {0x40000000 + 512, 0x40000000 + 545, 0x7fffffff, 0x80000000, -1, 0xfffff001}) {
            assertEquals(EPERM, RUN.action(BpfInterpreter.Data.of(X86, nr)), "nr 0x" + Integer.toHexString(nr));
        }
    }

    @Test
    void everyNumberAgreesWithTheProfile() {
        for (Arch arch : Arch.values()) {
            BpfInterpreter run = new BpfInterpreter(BpfCompiler.compile(BPM, arch));
            Oracle oracle = new Oracle(BPM, arch, true);
            long[][] argSets = {{}, {-1, -1, -1}, {0x7C020000L}, {8}, {0xffffffffL}, {1L << 32}, {Linux.CLONE_NEWNS | Linux.SIGCHLD}};
            for (int nr = 0; nr < 1200; nr++) {
                for (long[] args : argSets) check(run, oracle, new BpfInterpreter.Data(nr, arch.auditArch(), 0, args));
            }
        }
    }

    /** Random calls: numbers near the interesting boundaries and anywhere in u32, random and crafted arguments. */
    @Test
    void randomCallsAgreeWithTheProfile() {
        long seed = System.nanoTime();
        System.out.println("SECCOMP property seed " + seed);
        Random rnd = new Random(seed);
        for (Arch arch : Arch.values()) {
            BpfInterpreter run = new BpfInterpreter(BpfCompiler.compile(BPM, arch));
            BpfInterpreter plain = new BpfInterpreter(BpfCompiler.compile(BPM, arch, BpfCompiler.Options.LIBSECCOMP));
            Oracle oracle = new Oracle(BPM, arch, true);
            Oracle plainOracle = new Oracle(BPM, arch, false);
            for (int i = 0; i < 200_000; i++) {
                var d = randomCall(rnd, arch);
                check(run, oracle, d);
                check(plain, plainOracle, d);
            }
        }
    }

    static BpfInterpreter.Data randomCall(Random rnd, Arch arch) {
        int nr = switch (rnd.nextInt(6)) {
            case 0, 1, 2 -> rnd.nextInt(500);
            case 3 -> rnd.nextInt();
            case 4 -> 0x40000000 + rnd.nextInt(600) - 5;
            default -> (int) arch.table().highest() + rnd.nextInt(20) - 10;
        };
        int archValue = switch (rnd.nextInt(20)) {
            case 0 -> Arch.AUDIT_ARCH_I386;
            case 1 -> rnd.nextInt();
            default -> arch.auditArch();
        };
        long[] args = new long[6];
        for (int a = 0; a < 6; a++) {
            args[a] = switch (rnd.nextInt(8)) {
                case 0 -> rnd.nextLong();
                case 1 -> rnd.nextInt() & 0xffffffffL;
                case 2 -> new long[] {0, 8, 0xffffffffL, -1L, 1L << 32}[rnd.nextInt(5)];
                case 3 -> 1L << rnd.nextInt(64);
                case 4 -> (rnd.nextLong() & ~0x7C020000L) | (rnd.nextBoolean() ? 0 : 1L << (17 + rnd.nextInt(15)));
                default -> rnd.nextInt(64);
            };
        }
        return new BpfInterpreter.Data(nr, archValue, rnd.nextLong(), args);
    }

    private static void check(BpfInterpreter run, Oracle oracle, BpfInterpreter.Data d) {
        int got = run.run(d), want = oracle.expected(d);
        if (got != want) {
            throw new AssertionError("nr " + Integer.toUnsignedString(d.nr()) + " arch 0x" + Integer.toHexString(d.arch())
                    + " args " + java.util.Arrays.toString(d.args()) + ": program says " + actionName(got) + ", profile " + actionName(want));
        }
    }

    @Test
    void aarch64UsesItsOwnNumbers() {
        BpfInterpreter run = new BpfInterpreter(BpfCompiler.compile(BPM, Arch.AARCH64));
        SyscallTable t = Arch.AARCH64.table();
        assertEquals(ALLOW, run.action(BpfInterpreter.Data.of(Arch.AARCH64, t.number("mkdirat").orElseThrow())));
        assertEquals(EPERM, run.action(BpfInterpreter.Data.of(Arch.AARCH64, t.number("mount").orElseThrow())));
        assertEquals(EPERM, run.action(BpfInterpreter.Data.of(Arch.AARCH64, t.number("clone").orElseThrow(), Linux.CLONE_NEWPID)));
        assertEquals(ALLOW, run.action(BpfInterpreter.Data.of(Arch.AARCH64, t.number("clone").orElseThrow(), Linux.SIGCHLD)));
        assertEquals(ENOSYS, run.action(BpfInterpreter.Data.of(Arch.AARCH64, 435)));
        assertEquals(ENOSYS, run.action(BpfInterpreter.Data.of(Arch.AARCH64, 0x40000000)));   // no x32 on aarch64
        assertEquals(KILL, run.action(new BpfInterpreter.Data(56, X86.auditArch(), 0)));
        assertTrue(BpfCompiler.skipped(BPM, Arch.AARCH64).containsAll(List.of("open", "mkdir", "fork", "dup2", "stat")));
    }

    // ---- profiles big enough for far jumps --------------------------------------------------------

    @Test
    void longRandomProfilesNeedFarJumpsAndStillAgree() {
        long seed = System.nanoTime();
        System.out.println("SECCOMP random-profile seed " + seed);
        Random rnd = new Random(seed);
        int longest = 0, withFarJumps = 0;
        for (int p = 0; p < 40; p++) {
            Arch arch = Arch.values()[p % 2];
            SeccompProfile profile = randomProfile(rnd, arch, p < 10 ? 0.5 : rnd.nextDouble());
            boolean stub = rnd.nextBoolean();
            BpfProgram prog = BpfCompiler.compile(profile, arch, new BpfCompiler.Options(stub));
            longest = Math.max(longest, prog.length());
            boolean far = false;
            for (int i = 0; i < prog.length(); i++) far |= prog.code(i) == (JMP | JA);
            if (far) withFarJumps++;
            assertTrue(prog.length() < MAXINSNS, "length " + prog.length());
            BpfInterpreter run = new BpfInterpreter(prog);
            Oracle oracle = new Oracle(profile, arch, stub);
            for (int nr = 0; nr < 600; nr++) {
                check(run, oracle, new BpfInterpreter.Data(nr, arch.auditArch(), 0, interestingArgs(rnd, profile)));
            }
            for (int i = 0; i < 20_000; i++) {
                var d = randomCall(rnd, arch);
                check(run, oracle, rnd.nextBoolean() ? d : new BpfInterpreter.Data(d.nr(), d.arch(), 0, interestingArgs(rnd, profile)));
            }
        }
        System.out.println("SECCOMP random profiles: longest " + longest + " instructions, " + withFarJumps + " of 40 with far jumps");
        assertTrue(withFarJumps > 0, "no random profile needed a far jump");
    }

    /** Allows about a fraction of the table, with conditional and errno rules sprinkled in. */
    static SeccompProfile randomProfile(Random rnd, Arch arch, double fraction) {
        List<SeccompProfile.Rule> rules = new ArrayList<>();
        Set<String> names = new TreeSet<>(arch.table().names());
        names.add("socketcall");                      // a name no 64-bit table has: skipped
        for (String n : names) {
            double r = rnd.nextDouble();
            if (r < fraction) {
                rules.add(new SeccompProfile.Allow(n));
            } else if (r < fraction + 0.08) {
                int alternatives = 1 + rnd.nextInt(4);
                for (int a = 0; a < alternatives; a++) {
                    int arg = rnd.nextInt(3);
                    long value = interesting(rnd);
                    rules.add(rnd.nextBoolean()
                            ? new SeccompProfile.AllowIfEq(n, arg, value)
                            : new SeccompProfile.AllowIfMaskedEq(n, arg, interesting(rnd), value & (rnd.nextInt(4) == 0 ? -1L : interesting(rnd))));
                }
            } else if (r < fraction + 0.1) {
                rules.add(new SeccompProfile.Errno(n, 1 + rnd.nextInt(130)));
            }
        }
        return new SeccompProfile("random", 1, 1 + rnd.nextInt(40), List.of(arch.scmpName()), rules);
    }

    private static final long[] POOL = {0, 1, 8, 0xffffffffL, -1L, 1L << 32, 0x7C020000L, 0xffff0000ffff0000L, 0x80000000L,
        0x100000008L, 0xffffffff00000000L};

    static long interesting(Random rnd) {
        return rnd.nextInt(3) == 0 ? rnd.nextLong() : POOL[rnd.nextInt(POOL.length)];
    }

    /** Arguments drawn from the values the profile's rules compare with, so conditions hold often enough. */
    static long[] interestingArgs(Random rnd, SeccompProfile profile) {
        List<Long> values = new ArrayList<>();
        for (SeccompProfile.Rule r : profile.rules()) {
            if (r instanceof SeccompProfile.AllowIfEq q) values.add(q.value());
            if (r instanceof SeccompProfile.AllowIfMaskedEq m) {
                values.add(m.value());
                values.add(m.value() | ~m.mask());
            }
        }
        long[] args = new long[6];
        for (int a = 0; a < 6; a++) {
            args[a] = values.isEmpty() || rnd.nextInt(4) == 0 ? interesting(rnd) : values.get(rnd.nextInt(values.size()));
        }
        return args;
    }

    @Test
    void emptyAndTinyProfiles() {
        var empty = new SeccompProfile("empty", 1, 13, List.of(), List.of());
        BpfProgram p = BpfCompiler.compile(empty, X86);
        BpfInterpreter run = new BpfInterpreter(p);
        assertEquals("ERRNO(EACCES)", run.action(BpfInterpreter.Data.of(X86, 0)));
        assertEquals("ERRNO(EACCES)", run.action(BpfInterpreter.Data.of(X86, 0x7ffffff)));
        var one = new SeccompProfile("one", 1, 1, List.of(), List.of(new SeccompProfile.Allow("getpid")));
        BpfInterpreter r1 = new BpfInterpreter(BpfCompiler.compile(one, X86));
        assertEquals(ALLOW, r1.action(BpfInterpreter.Data.of(X86, 39)));
        assertEquals(EPERM, r1.action(BpfInterpreter.Data.of(X86, 38)));
        assertEquals(ENOSYS, r1.action(BpfInterpreter.Data.of(X86, 40)));
        // a condition that can never hold (value bits outside the mask) denies, one that always holds allows
        var never = new SeccompProfile("never", 1, 1, List.of(), List.of(
                new SeccompProfile.AllowIfMaskedEq("kill", 0, 0xff, 0x100), new SeccompProfile.AllowIfMaskedEq("tkill", 1, 0, 0)));
        BpfInterpreter r2 = new BpfInterpreter(BpfCompiler.compile(never, X86));
        assertEquals(EPERM, r2.action(BpfInterpreter.Data.of(X86, 62, 0x100)));
        assertEquals(ALLOW, r2.action(BpfInterpreter.Data.of(X86, 200, 5, 6)));
    }
}
