package io.bpm.executor.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Raw Linux system calls. Raw rather than libc wrappers on purpose: glibc's setresuid and
 * friends broadcast to every JVM thread, and the launch stub cannot call libc at all
 * (ffm-facts §3).
 *
 * <p>Start-up cost is what matters here (ffm-facts §4): the linker and the one handle are made
 * on first use, and every native call bpm makes, the launch stub included, has the same
 * descriptor and no options, so the JVM spins exactly one downcall shape. On x86-64 the calls
 * do not go through libc: a 26-byte trampoline ({@link #TRAMPOLINE}) issues the syscall and
 * returns the kernel's result, -errno included, so no call captures errno. Capturing it
 * ({@code Linker.Option.captureCallState}) costs a struct layout, a VarHandle and a thread-local
 * segment in every fresh JVM: measured, a JVM whose one call captured errno took 260 ms against
 * 153 ms without (medians of 15 interleaved runs under load, same flags, AOT cache each). libc
 * is called only to map the trampoline (mmap, mprotect: their errno is then unknown, they fail
 * only when memory is exhausted), and on other architectures, where libc's variadic
 * {@code syscall(2)} is called with errno captured.
 */
public final class Sys {
    private Sys() { }

    /** {@code long f(long, long, long, long, long, long, long)}: syscall's nr plus six arguments. */
    static final FunctionDescriptor SHAPE = FunctionDescriptor.of(JAVA_LONG,
            JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);

    /**
     * x86-64: {@code long trampoline(nr, a0, a1, a2, a3, a4, a5)} in the SysV calling convention
     * (the sixth argument on the stack), the kernel's result returned as it is:
     * <pre>
     * mov rax, rdi; mov rdi, rsi; mov rsi, rdx; mov rdx, rcx; mov r10, r8; mov r8, r9
     * mov r9, [rsp+8]; syscall; ret
     * </pre>
     */
    static final String TRAMPOLINE = "4889f84889f74889d64889ca4d89c24d89c84c8b4c24080f05c3";

    /** Whether this JVM runs on x86-64, where the trampoline and the launch stub exist. */
    static final boolean X86_64 = "amd64".equals(System.getProperty("os.arch"))
            || "x86_64".equals(System.getProperty("os.arch"));

    private static final class Ffm {
        static final Linker LINKER = Linker.nativeLinker();
        /**
         * The one downcall handle of every native call bpm makes on x86-64: unbound, the code's
         * address is its first argument (libc's mmap and mprotect for the trampoline's page, the
         * trampoline, the launch stub). A handle bound to an address costs a fresh JVM
         * bound-method-handle species and lambda forms spun for it: a JVM making one getpid took
         * 98 ms bound, 89 unbound (-Xint, AOT cache, hyperfine, 40 runs each), and the launch stub
         * needed a second bound handle. Not variadic: none of these functions is, and making a
         * handle with {@code Linker.Option.firstVariadicArg} cost a JVM making one getpid 34 ms
         * more (165 against 131 ms, -Xint, hyperfine, 30 runs each), on the path of every start
         * and stop. libc's mmap and mprotect take fewer arguments than the shape passes; the
         * SysV ABI lets a callee ignore the registers it does not read.
         */
        static final MethodHandle CALL = LINKER.downcallHandle(SHAPE);
        static final MemorySegment SYSCALL = X86_64 ? trampoline() : null;
    }

    /** Other architectures: libc's syscall, errno captured. */
    private static final class Captured {
        static final Linker.Option[] OPTIONS = {Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno")};
        static final MethodHandle SYSCALL =
                Ffm.LINKER.downcallHandle(Ffm.LINKER.defaultLookup().find("syscall").orElseThrow(), SHAPE, OPTIONS);
        static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
        static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        static final MemorySegment CAPTURE = Arena.global().allocate(CAPTURE_LAYOUT);

        static synchronized long raw(long nr, long a0, long a1, long a2, long a3, long a4, long a5) {
            long r;
            try {
                r = (long) SYSCALL.invokeExact(CAPTURE, nr, a0, a1, a2, a3, a4, a5);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
            // libc's syscall() turns the kernel's -errno into -1 + errno; read errno only then,
            // because the captured value is also written (stale) after successful calls.
            return r == -1 ? -(int) ERRNO.get(CAPTURE, 0L) : r;
        }
    }

    /**
     * Makes the system-call handle now, on a thread of its own: making it costs a fresh JVM about
     * 20 ms (its downcall stub class is generated, by interpreted code, and the AOT cache cannot
     * hold a generated class), which then overlaps what start and stop do before their first
     * system call. A call meanwhile waits for it (class initialisation); it is never made twice,
     * and a failure reaches the first caller (NoClassDefFoundError with this as its cause).
     * A/B (helper's measurement, cached start, 20 interleaved runs, load 3): 209 -> 196 ms.
     */
    public static void prepareInBackground() {
        Thread t = new Thread(new Prepare(), "bpm-ffm");
        t.setDaemon(true);
        t.start();
    }

    private static final class Prepare implements Runnable {
        @Override
        public void run() {
            try {
                if (X86_64) {
                    MemorySegment made = Ffm.SYSCALL;
                } else {
                    MethodHandle made = Captured.SYSCALL;
                }
            } catch (Throwable e) {
                // the first caller gets the failure
            }
        }
    }

    /**
     * Maps the trampoline (W^X: written, then made read-exec; it stays for the JVM's lifetime),
     * through libc's mmap and mprotect (-1 on failure, errno not captured).
     */
    private static MemorySegment trampoline() {
        byte[] code = java.util.HexFormat.of().parseHex(TRAMPOLINE);
        SymbolLookup libc = Ffm.LINKER.defaultLookup();
        long page = invoke(libc.find("mmap").orElseThrow(), 0, 4096, Linux.PROT_READ | Linux.PROT_WRITE,
                Linux.MAP_PRIVATE | Linux.MAP_ANONYMOUS, -1, 0, 0);
        if (page == -1) throw new SysException("mmap", "NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0", Errno.ENOMEM);
        MemorySegment.copy(MemorySegment.ofArray(code), 0, MemorySegment.ofAddress(page).reinterpret(4096), 0, code.length);
        if (invoke(libc.find("mprotect").orElseThrow(), page, 4096, Linux.PROT_READ | Linux.PROT_EXEC, 0, 0, 0, 0) != 0) {
            throw new SysException("mprotect", "0x" + Long.toHexString(page) + ", 4096, PROT_READ|PROT_EXEC", Errno.ENOMEM);
        }
        return MemorySegment.ofAddress(page);
    }

    /**
     * How many native calls this JVM made through the one handle. A test keeps a start's count
     * down: interpreted code calling a method handle has the JVM customise it at the 128th call
     * (MethodHandle.customize: it spins a class, about 2 ms of a start, and the calls after it
     * measured slower), so a command that stays under that count never pays for it.
     * Not atomic: an estimate when threads call at once, exact for one thread.
     */
    private static int calls;

    /** {@link #calls}: native calls made so far. */
    public static int calls() {
        return calls;
    }

    /** Calls native code at {@code fn} with the one shape (a syscall, the trampoline, the launch stub); returns rax unchanged. */
    static long invoke(MemorySegment fn, long a0, long a1, long a2, long a3, long a4, long a5, long a6) {
        calls++;
        try {
            return (long) Ffm.CALL.invokeExact(fn, a0, a1, a2, a3, a4, a5, a6);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Issues syscall {@code nr} with up to six arguments; returns its result or -errno. */
    public static long raw(long nr, long... args) {
        if (args.length > 6) throw new IllegalArgumentException("a syscall takes at most 6 arguments");
        if (!X86_64) return Captured.raw(nr, arg(args, 0), arg(args, 1), arg(args, 2), arg(args, 3), arg(args, 4), arg(args, 5));
        return invoke(Ffm.SYSCALL, nr, arg(args, 0), arg(args, 1), arg(args, 2), arg(args, 3), arg(args, 4), arg(args, 5));
    }

    /** Issues syscall {@code nr}; returns its (non-negative) result or throws naming call, args and errno. */
    public static long syscall(long nr, long... args) {
        long r = raw(nr, args);
        if (r < 0) throw new SysException(nr, args, (int) -r);
        return r;
    }

    private static long arg(long[] a, int i) {
        return i < a.length ? a[i] : 0L;
    }

    // ---- the few calls the Java side of bpm makes itself --------------------------------------

    public static int geteuid() {
        return (int) syscall(Nr.GETEUID);
    }

    /**
     * Whether {@link #openat2} asks the kernel: false once it answered ENOSYS (openat2 is Linux
     * 5.6), or while a test makes its callers take their fallback.
     */
    public static volatile boolean openat2 = true;

    /**
     * openat2(dirfd, path, {flags, mode 0, resolve}): the descriptor or -errno, -ENOSYS without a
     * call once the kernel has none ({@link #openat2} false). Its callers fall back to walking
     * the path a component at a time.
     */
    public static long openat2(int dirfd, String path, long flags, long resolve) {
        if (!openat2) return -Errno.ENOSYS;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment how = a.allocate(24, 8);   // struct open_how {u64 flags, mode, resolve}
            Struct.putLong(how, 0, flags);
            Struct.putLong(how, 8, 0);
            Struct.putLong(how, 16, resolve);
            long r = raw(Nr.OPENAT2, dirfd, Struct.cString(a, path).address(), how.address(), 24);
            if (r == -Errno.ENOSYS) openat2 = false;
            return r;
        }
    }

    /** openat(AT_FDCWD, path, flags, mode); the exception message carries the path. */
    public static int open(String path, int flags, int mode) {
        try (Arena a = Arena.ofConfined()) {
            long r = raw(Nr.OPENAT, Linux.AT_FDCWD, Struct.cString(a, path).address(), flags, mode);
            if (r < 0) {
                throw new SysException("openat", "AT_FDCWD, " + Tape.quote(path) + ", 0x"
                        + Integer.toHexString(flags) + ", 0" + Integer.toOctalString(mode), (int) -r);
            }
            return (int) r;
        }
    }

    /** close(2); EINTR is not retried (Linux has released the fd even then). */
    public static void close(int fd) {
        long r = raw(Nr.CLOSE, fd);
        if (r < 0 && r != -Errno.EINTR) throw new SysException(Nr.CLOSE, new long[] {fd}, (int) -r);
    }

    /** pipe2(flags): {read end, write end}. */
    public static int[] pipe(int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(JAVA_INT, 2);
            syscall(Nr.PIPE2, fds.address(), flags);
            return new int[] {Struct.getInt(fds, 0), Struct.getInt(fds, 4)};
        }
    }

    /** read(2) into buf, retrying EINTR; 0 at end of file. */
    public static long read(int fd, MemorySegment buf) {
        long r;
        do {
            r = raw(Nr.READ, fd, buf.address(), buf.byteSize());
        } while (r == -Errno.EINTR);
        if (r < 0) throw new SysException(Nr.READ, new long[] {fd, buf.address(), buf.byteSize()}, (int) -r);
        return r;
    }

    /** write(2) of all {@code length} bytes of buf, retrying EINTR and short writes. */
    public static void writeFully(int fd, MemorySegment buf, long length) {
        long done = 0;
        while (done < length) {
            long r = raw(Nr.WRITE, fd, buf.address() + done, length - done);
            if (r == -Errno.EINTR) continue;
            if (r < 0) throw new SysException(Nr.WRITE, new long[] {fd, buf.address() + done, length - done}, (int) -r);
            done += r;
        }
    }

    public static long mmap(long length, int prot, int flags) {
        return syscall(Nr.MMAP, 0, length, prot, flags, -1, 0);
    }

    public static void mprotect(long addr, long length, int prot) {
        syscall(Nr.MPROTECT, addr, length, prot);
    }

    public static void munmap(long addr, long length) {
        syscall(Nr.MUNMAP, addr, length);
    }

    /** pidfd_send_signal(pidfd, sig, NULL, 0). */
    public static void pidfdSendSignal(int pidfd, int sig) {
        syscall(Nr.PIDFD_SEND_SIGNAL, pidfd, sig, 0, 0);
    }

    /** Blocks until the process behind pidfd ends and reaps it (waitid P_PIDFD, WEXITED). */
    public static ExitStatus waitPidfd(int pidfd) {
        return waitid(Linux.P_PIDFD, pidfd, Linux.WEXITED);
    }

    /** waitid(idtype, id, &info, options, NULL), retrying EINTR; null when WNOHANG found nothing. */
    public static ExitStatus waitid(int idtype, long id, int options) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = a.allocate(128, 8);          // siginfo_t
            long r;
            do {
                r = raw(Nr.WAITID, idtype, id, info.address(), options, 0);
            } while (r == -Errno.EINTR);
            if (r < 0) throw new SysException(Nr.WAITID, new long[] {idtype, id, info.address(), options, 0}, (int) -r);
            int pid = Struct.getInt(info, 16);                // si_pid
            if (pid == 0) return null;                         // WNOHANG, nothing yet
            int code = Struct.getInt(info, 8);                // si_code
            int status = Struct.getInt(info, 24);             // si_status
            return code == Linux.CLD_EXITED
                    ? new ExitStatus(pid, status, 0, false)
                    : new ExitStatus(pid, -1, status, code == Linux.CLD_DUMPED);
        }
    }
}
