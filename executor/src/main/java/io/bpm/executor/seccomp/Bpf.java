package io.bpm.executor.seccomp;

import io.bpm.executor.sys.Errno;

/**
 * Classic BPF (linux/filter.h, linux/bpf_common.h) and seccomp (linux/seccomp.h) constants,
 * and the names the disassembler prints for return values.
 */
public final class Bpf {
    private Bpf() { }

    // ---- instruction classes, sizes, modes (bpf_common.h) -------------------------------------
    public static final int LD = 0x00, LDX = 0x01, ST = 0x02, STX = 0x03, ALU = 0x04, JMP = 0x05, RET = 0x06,
            MISC = 0x07;
    public static final int W = 0x00, H = 0x08, B = 0x10;
    public static final int IMM = 0x00, ABS = 0x20, IND = 0x40, MEM = 0x60, LEN = 0x80, MSH = 0xa0;
    // ALU operations
    public static final int ADD = 0x00, SUB = 0x10, MUL = 0x20, DIV = 0x30, OR = 0x40, AND = 0x50, LSH = 0x60,
            RSH = 0x70, NEG = 0x80, MOD = 0x90, XOR = 0xa0;
    // jumps
    public static final int JA = 0x00, JEQ = 0x10, JGT = 0x20, JGE = 0x30, JSET = 0x40;
    // operand source: the constant k or the index register X; RET also has A
    public static final int K = 0x00, X = 0x08, A = 0x10;
    // MISC
    public static final int TAX = 0x00, TXA = 0x80;

    /** BPF_MAXINSNS: the kernel refuses longer programs. */
    public static final int MAXINSNS = 4096;
    /** BPF_MEMWORDS: scratch memory slots. */
    public static final int MEMWORDS = 16;

    // ---- seccomp ------------------------------------------------------------------------------
    public static final int RET_KILL_PROCESS = 0x80000000;
    public static final int RET_KILL_THREAD = 0x00000000;
    public static final int RET_TRAP = 0x00030000;
    public static final int RET_ERRNO = 0x00050000;
    public static final int RET_USER_NOTIF = 0x7fc00000;
    public static final int RET_TRACE = 0x7ff00000;
    public static final int RET_LOG = 0x7ffc0000;
    public static final int RET_ALLOW = 0x7fff0000;
    /** SECCOMP_RET_ACTION_FULL and SECCOMP_RET_DATA. */
    public static final int RET_ACTION_FULL = 0xffff0000, RET_DATA = 0x0000ffff;

    /** {@code struct seccomp_data}: int nr; u32 arch; u64 instruction_pointer; u64 args[6]. */
    public static final int DATA_NR = 0, DATA_ARCH = 4, DATA_IP = 8, DATA_ARGS = 16, DATA_SIZE = 64;

    /** Offset of the low 32 bits of args[i] (little-endian). */
    public static int argLo(int i) {
        return DATA_ARGS + 8 * i;
    }

    /** Offset of the high 32 bits of args[i] (little-endian). */
    public static int argHi(int i) {
        return DATA_ARGS + 8 * i + 4;
    }

    /** SECCOMP_RET_ERRNO with this errno. */
    public static int errno(int errno) {
        return RET_ERRNO | (errno & RET_DATA);
    }

    /** A seccomp return value as text: {@code ALLOW}, {@code ERRNO(EPERM)}, {@code KILL_PROCESS}, .... */
    public static String actionName(int ret) {
        int data = ret & RET_DATA;
        return switch (ret & RET_ACTION_FULL) {
            case RET_KILL_PROCESS -> "KILL_PROCESS";
            case RET_KILL_THREAD -> "KILL_THREAD";
            case RET_TRAP -> "TRAP(" + data + ")";
            case RET_ERRNO -> "ERRNO(" + Errno.name(data) + ")";
            case RET_USER_NOTIF -> "USER_NOTIF";
            case RET_TRACE -> "TRACE(" + data + ")";
            case RET_LOG -> "LOG";
            case RET_ALLOW -> "ALLOW";
            default -> "0x" + Integer.toHexString(ret);
        };
    }

    /** The name of a {@code seccomp_data} word, for the disassembler. */
    static String dataWordName(int k) {
        if (k == DATA_NR) return "nr";
        if (k == DATA_ARCH) return "arch";
        if (k == DATA_IP) return "instruction_pointer";
        if (k == DATA_IP + 4) return "instruction_pointer.hi";
        if (k >= DATA_ARGS && k < DATA_SIZE) {
            int i = (k - DATA_ARGS) / 8;
            return "args[" + i + "]" + ((k - DATA_ARGS) % 8 == 0 ? "" : ".hi");
        }
        return null;
    }
}
