package io.bpm.executor.seccomp;

import io.bpm.executor.plan.SeccompProfile;
import io.bpm.executor.sys.Nr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class SyscallTableTest {
    private static final String UNISTD_64 = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h";

    /** The whole x86-64 table is the header's {@code #define __NR_name N} lines, no more, no less. */
    @Test
    void x86_64IsTheUapiHeader() throws IOException {
        Path h = Path.of(UNISTD_64);
        skipUnless(Files.isRegularFile(h), UNISTD_64 + " is not installed (linux-libc-dev)");
        Map<String, Integer> header = new TreeMap<>();
        for (String line : Files.readAllLines(h)) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 3 && f[0].equals("#define") && f[1].startsWith("__NR_")) header.put(f[1].substring(5), Integer.parseInt(f[2]));
        }
        assertTrue(header.size() > 300, "header has " + header.size());
        Map<String, Integer> table = new TreeMap<>();
        for (String n : SyscallTable.x86_64().names()) table.put(n, SyscallTable.x86_64().number(n).orElseThrow());
        assertEquals(header, table);
    }

    /** aarch64 is asm-generic/unistd.h run through the C preprocessor with arm64's wants, when gcc is here. */
    @Test
    void aarch64IsTheGenericHeaderWithArm64sWants(@TempDir Path dir) throws Exception {
        skipUnless(Files.isRegularFile(Path.of("/usr/include/asm-generic/unistd.h")), "asm-generic/unistd.h is not installed");
        skipUnless(Files.isExecutable(Path.of("/usr/bin/gcc")), "no /usr/bin/gcc to run the preprocessor");
        String wants = """
                #define __ARCH_WANT_RENAMEAT
                #define __ARCH_WANT_NEW_STAT
                #define __ARCH_WANT_SET_GET_RLIMIT
                #define __ARCH_WANT_TIME32_SYSCALLS
                #define __ARCH_WANT_SYS_CLONE3
                #define __ARCH_WANT_MEMFD_SECRET
                #include <asm-generic/unistd.h>
                """;
        Path h = dir.resolve("a.h");
        Files.writeString(h, wants);
        List<String> names = run(dir, "gcc", "-E", "-dM", h.toString()).stream()
                .filter(l -> l.startsWith("#define __NR_")).map(l -> l.split("\\s+")[1].substring(5))
                .filter(n -> !n.equals("syscalls") && !n.equals("arch_specific_syscall")).sorted().distinct().toList();
        var c = new StringBuilder(wants).append("#include <stdio.h>\nint main(void) {\n");
        for (String n : names) c.append("#ifdef __NR_").append(n).append("\nprintf(\"%s %d\\n\", \"").append(n)
                .append("\", (int) (__NR_").append(n).append("));\n#endif\n");
        c.append("return 0;\n}\n");
        Files.writeString(dir.resolve("a.c"), c);
        run(dir, "gcc", "-o", dir.resolve("a").toString(), dir.resolve("a.c").toString());
        Map<String, Integer> header = new TreeMap<>();
        for (String l : run(dir, dir.resolve("a").toString())) header.put(l.split(" ")[0], Integer.parseInt(l.split(" ")[1]));
        Map<String, Integer> table = new TreeMap<>();
        for (String n : SyscallTable.aarch64().names()) table.put(n, SyscallTable.aarch64().number(n).orElseThrow());
        assertEquals(header, table);
    }

    private static List<String> run(Path dir, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        List<String> out = new String(p.getInputStream().readAllBytes()).lines().toList();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join("\n", out));
        return out;
    }

    /** The numbers the sys layer already uses (ffm-facts.md), the same in both places. */
    @Test
    void agreesWithTheSysLayer() {
        SyscallTable t = SyscallTable.x86_64();
        for (int nr : new int[] {Nr.READ, Nr.WRITE, Nr.OPEN, Nr.CLOSE, Nr.MMAP, Nr.MPROTECT, Nr.MUNMAP, Nr.RT_SIGACTION,
            Nr.RT_SIGPROCMASK, Nr.DUP2, Nr.NANOSLEEP, Nr.GETPID, Nr.EXECVE, Nr.KILL, Nr.FLOCK, Nr.CHDIR, Nr.FCHDIR, Nr.MKDIR,
            Nr.FCHMOD, Nr.FCHOWN, Nr.UMASK, Nr.GETUID, Nr.GETEUID, Nr.SETGROUPS, Nr.SETRESUID, Nr.SETRESGID, Nr.CAPSET,
            Nr.PIVOT_ROOT, Nr.PRCTL, Nr.SETRLIMIT, Nr.MOUNT, Nr.UMOUNT2, Nr.SETHOSTNAME, Nr.GETTID, Nr.EXIT_GROUP, Nr.WAITID,
            Nr.OPENAT, Nr.MKDIRAT, Nr.UNSHARE, Nr.PIPE2, Nr.PRLIMIT64, Nr.SETNS, Nr.SECCOMP, Nr.PIDFD_SEND_SIGNAL,
            Nr.PIDFD_OPEN, Nr.CLONE3, Nr.CLOSE_RANGE}) {
            assertEquals(Nr.name(nr), t.name(nr));
            assertEquals(OptionalInt.of(nr), t.number(Nr.name(nr)));
        }
        assertEquals(56, t.number("clone").orElseThrow());
        assertEquals(135, t.number("personality").orElseThrow());
        assertEquals(437, t.number("openat2").orElseThrow());
        assertEquals(450, t.highest());
        assertEquals(362, t.size());
        assertNull(t.name(335));           // 335..386 are unused on x86-64
        assertNull(t.name(-1));
        assertNull(t.name(0x40000000L));
    }

    /** stub-facts.md's aarch64 numbers. */
    @Test
    void aarch64Numbers() {
        SyscallTable t = SyscallTable.aarch64();
        Map<String, Integer> known = Map.ofEntries(Map.entry("clone3", 435), Map.entry("write", 64), Map.entry("exit_group", 94),
                Map.entry("execve", 221), Map.entry("mount", 40), Map.entry("umount2", 39), Map.entry("pivot_root", 41),
                Map.entry("chdir", 49), Map.entry("mkdirat", 34), Map.entry("dup3", 24), Map.entry("openat", 56),
                Map.entry("setrlimit", 164), Map.entry("setgroups", 159), Map.entry("setresgid", 149), Map.entry("setresuid", 147),
                Map.entry("prctl", 167), Map.entry("seccomp", 277), Map.entry("rt_sigaction", 134), Map.entry("rt_sigprocmask", 135),
                Map.entry("close_range", 436), Map.entry("sethostname", 161), Map.entry("nanosleep", 101), Map.entry("pipe2", 59),
                Map.entry("waitid", 95), Map.entry("clone", 220), Map.entry("personality", 92), Map.entry("io_setup", 0),
                Map.entry("newfstatat", 79), Map.entry("fstat", 80), Map.entry("mmap", 222));
        known.forEach((n, nr) -> assertEquals(OptionalInt.of(nr), t.number(n), n));
        for (String missing : List.of("open", "mkdir", "dup2", "fork", "vfork", "stat", "pipe", "arch_specific_syscall")) {
            assertTrue(t.number(missing).isEmpty(), missing);
        }
    }

    @Test
    void everyProfileNameIsKnownSomewhere() {
        // a typo in the profile would be silently skipped like chown32; only names of 32-bit ABIs may be missing on both
        List<String> missingEverywhere = SeccompProfile.bpmDefault().rules().stream().map(SeccompProfile.Rule::name).distinct()
                .filter(n -> SyscallTable.x86_64().number(n).isEmpty() && SyscallTable.aarch64().number(n).isEmpty()).toList();
        assertEquals(List.of("_llseek", "_newselect", "chown32", "fadvise64_64", "fchown32", "fcntl64", "fstat64", "fstatat64",
                "fstatfs64", "ftruncate64", "getegid32", "geteuid32", "getgid32", "getgroups32", "getresgid32", "getresuid32",
                "getuid32", "ipc", "lchown32", "lstat64", "mmap2", "recv", "send", "sendfile64", "setfsgid32", "setfsuid32",
                "setgid32", "setgroups32", "setregid32", "setresgid32", "setresuid32", "setreuid32", "setuid32", "sigreturn",
                "socketcall", "stat64", "statfs64", "truncate64", "ugetrlimit", "waitpid"), missingEverywhere);
    }

    static void skipUnless(boolean ok, String why) {
        if (!ok) System.err.println("SKIPPED LOUDLY: " + why);
        assumeTrue(ok, "SKIPPED LOUDLY: " + why);
    }
}
