package io.bpm.executor.seccomp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.bpm.executor.seccomp.Bpf.*;

/**
 * A classic BPF program for seccomp: {@code struct sock_filter {u16 code; u8 jt; u8 jf; u32 k}}
 * instructions, each kept as one little-endian long exactly as {@code Tape.seccomp(long[])}
 * and {@code Tape.bpfJump} lay them out (code in bits 0-15, jt 16-23, jf 24-31, k 32-63).
 *
 * <p>{@link #verify()} applies the kernel's checks ({@code bpf_check_classic} and
 * {@code seccomp_check_filter}); {@link #toString()} disassembles one instruction per line in
 * {@code bpf_dbg}'s syntax, with the seccomp meaning as a comment when the architecture is
 * known:
 * <pre>
 * l0:   ld [4]                          ; arch
 * l1:   jeq #0xc000003e, l3, l2         ; x86_64
 * l2:   ret #0x80000000                 ; KILL_PROCESS
 * </pre>
 */
public final class BpfProgram {
    private final long[] insns;
    private final Arch arch;
    private final List<String> header;

    private BpfProgram(long[] insns, Arch arch, List<String> header) {
        this.insns = insns;
        this.arch = arch;
        this.header = List.copyOf(header);
    }

    /** A program from encoded instructions; arch (nullable) only names syscalls in the disassembly. */
    public static BpfProgram of(long[] insns, Arch arch) {
        return new BpfProgram(insns.clone(), arch, List.of());
    }

    /** A program from {@code struct sock_filter} bytes in little-endian order (as seccomp_export_bpf writes them on x86-64 and aarch64). */
    public static BpfProgram fromBytes(byte[] bytes, Arch arch) {
        if (bytes.length % 8 != 0) throw new IllegalArgumentException("not a whole number of sock_filter: " + bytes.length + " bytes");
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long[] insns = new long[bytes.length / 8];
        for (int i = 0; i < insns.length; i++) insns[i] = b.getLong();
        return new BpfProgram(insns, arch, List.of());
    }

    /** The same program with comment lines printed above the disassembly. */
    public BpfProgram withHeader(List<String> lines) {
        return new BpfProgram(insns, arch, lines);
    }

    /** Encodes one instruction as {@code BPF_JUMP(code, k, jt, jf)} does. */
    public static long insn(int code, int jt, int jf, int k) {
        if ((code & ~0xffff) != 0 || (jt & ~0xff) != 0 || (jf & ~0xff) != 0) {
            throw new IllegalArgumentException("sock_filter field out of range: code " + code + " jt " + jt + " jf " + jf);
        }
        return code | (long) jt << 16 | (long) jf << 24 | (k & 0xffffffffL) << 32;
    }

    public int length() {
        return insns.length;
    }

    public int code(int i) {
        return (int) (insns[i] & 0xffff);
    }

    public int jt(int i) {
        return (int) (insns[i] >>> 16 & 0xff);
    }

    public int jf(int i) {
        return (int) (insns[i] >>> 24 & 0xff);
    }

    public int k(int i) {
        return (int) (insns[i] >>> 32);
    }

    /** The architecture the program was compiled for; null if unknown. */
    public Arch arch() {
        return arch;
    }

    /** The encoded instructions, for {@code Tape.seccomp}. */
    public long[] toLongArray() {
        return insns.clone();
    }

    /** The instructions as {@code struct sock_filter} bytes, little-endian (what bwrap's {@code --seccomp FD} reads). */
    public byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(insns.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long insn : insns) b.putLong(insn);
        return b.array();
    }

    // ---- the kernel's checks -------------------------------------------------------------------

    /**
     * Checks what the kernel checks before it accepts a seccomp filter: 1..4096 instructions,
     * only the opcodes seccomp allows, word-aligned loads inside {@code seccomp_data}, jumps
     * inside the program, no division by a constant 0, scratch memory written before it is
     * read, and a return as the last instruction.
     *
     * @return this
     * @throws IllegalArgumentException naming the first offending instruction
     */
    public BpfProgram verify() {
        int n = insns.length;
        if (n == 0 || n > MAXINSNS) throw new IllegalArgumentException("program length " + n + " not in 1.." + MAXINSNS);
        int last = code(n - 1);
        if (last != (RET | K) && last != (RET | A)) throw bad(n - 1, "the last instruction must be a return");
        int[] stored = new int[n];         // scratch slots written on every path into i
        Arrays.fill(stored, 0xffff);
        stored[0] = 0;
        for (int i = 0; i < n; i++) {
            int code = code(i), k = k(i);
            int out = stored[i];
            switch (code) {
                case LD | W | ABS -> {
                    if (Integer.compareUnsigned(k, DATA_SIZE) >= 0 || (k & 3) != 0) {
                        throw bad(i, "load of seccomp_data offset " + Integer.toUnsignedString(k) + " (must be 4-aligned and < 64)");
                    }
                }
                case LD | W | LEN, LDX | W | LEN, LD | IMM, LDX | IMM, MISC | TAX, MISC | TXA, RET | K, RET | A -> { }
                case LD | MEM, LDX | MEM -> {
                    if (Integer.compareUnsigned(k, MEMWORDS) >= 0) throw bad(i, "scratch slot " + k);
                    if ((stored[i] & 1 << k) == 0) throw bad(i, "reads scratch slot " + k + " before it is written");
                }
                case ST, STX -> {
                    if (Integer.compareUnsigned(k, MEMWORDS) >= 0) throw bad(i, "scratch slot " + k);
                    out |= 1 << k;
                }
                case ALU | ADD | K, ALU | ADD | X, ALU | SUB | K, ALU | SUB | X, ALU | MUL | K, ALU | MUL | X,
                     ALU | DIV | X, ALU | AND | K, ALU | AND | X, ALU | OR | K, ALU | OR | X,
                     ALU | XOR | K, ALU | XOR | X, ALU | LSH | K, ALU | LSH | X, ALU | RSH | K, ALU | RSH | X,
                     ALU | NEG -> { }
                case ALU | DIV | K -> {
                    if (k == 0) throw bad(i, "division by 0");
                }
                case JMP | JA -> {
                    if (Integer.compareUnsigned(k, n - i - 1) >= 0) throw bad(i, "jump past the end");
                }
                case JMP | JEQ | K, JMP | JEQ | X, JMP | JGT | K, JMP | JGT | X, JMP | JGE | K, JMP | JGE | X,
                     JMP | JSET | K, JMP | JSET | X -> {
                    if (i + 1 + jt(i) >= n || i + 1 + jf(i) >= n) throw bad(i, "jump past the end");
                }
                default -> throw bad(i, "opcode 0x" + Integer.toHexString(code) + " is not allowed in a seccomp filter");
            }
            for (int s : successors(i)) stored[s] &= out;
        }
        return this;
    }

    private IllegalArgumentException bad(int i, String why) {
        return new IllegalArgumentException("BPF l" + i + " (" + text(i) + "): " + why);
    }

    /** Where control can go after instruction i (forward only in classic BPF). */
    int[] successors(int i) {
        int code = code(i);
        return switch (code & 0x07) {
            case RET -> new int[0];
            case JMP -> (code & 0xf0) == JA ? new int[] {i + 1 + k(i)} : new int[] {i + 1 + jt(i), i + 1 + jf(i)};
            default -> new int[] {i + 1};
        };
    }

    // ---- disassembly ---------------------------------------------------------------------------

    /** One instruction in bpf_dbg syntax, without label or comment ({@code jeq #0x3b, l7, l5}). */
    public String text(int i) {
        int code = code(i), k = k(i);
        String hex = "#0x" + Integer.toHexString(k);
        String src = (code & X) != 0 ? "x" : hex;
        return switch (code & 0x07) {
            case LD -> switch (code & 0xe0) {
                case ABS -> "ld" + size(code) + " [" + k + "]";
                case IND -> "ld" + size(code) + " [x + " + k + "]";
                case IMM -> "ld " + hex;
                case MEM -> "ld M[" + k + "]";
                case LEN -> "ld #len";
                default -> unknown(code);
            };
            case LDX -> switch (code & 0xe0) {
                case IMM -> "ldx " + hex;
                case MEM -> "ldx M[" + k + "]";
                case LEN -> "ldx #len";
                case MSH -> "ldxb 4*([" + k + "]&0xf)";
                default -> unknown(code);
            };
            case ST -> "st M[" + k + "]";
            case STX -> "stx M[" + k + "]";
            case ALU -> switch (code & 0xf0) {
                case ADD -> "add " + src;
                case SUB -> "sub " + src;
                case MUL -> "mul " + src;
                case DIV -> "div " + src;
                case OR -> "or " + src;
                case AND -> "and " + src;
                case LSH -> "lsh " + src;
                case RSH -> "rsh " + src;
                case NEG -> "neg";
                case MOD -> "mod " + src;
                case XOR -> "xor " + src;
                default -> unknown(code);
            };
            case JMP -> {
                String op = switch (code & 0xf0) {
                    case JA -> null;
                    case JEQ -> "jeq";
                    case JGT -> "jgt";
                    case JGE -> "jge";
                    case JSET -> "jset";
                    default -> "j?";
                };
                yield op == null ? "ja l" + (i + 1 + (k & 0xffffffffL))
                        : op + " " + src + ", l" + (i + 1 + jt(i)) + ", l" + (i + 1 + jf(i));
            }
            case RET -> switch (code & 0x18) {
                case K -> "ret " + hex;
                case A -> "ret a";
                case X -> "ret x";
                default -> unknown(code);
            };
            case MISC -> (code & 0xf8) == TXA ? "txa" : (code & 0xf8) == TAX ? "tax" : unknown(code);
            default -> unknown(code);
        };
    }

    private static String size(int code) {
        return switch (code & 0x18) {
            case H -> "h";
            case B -> "b";
            default -> "";
        };
    }

    private static String unknown(int code) {
        return ".word 0x" + Integer.toHexString(code);
    }

    /** The disassembly: header comments, then {@code lN: insn ; meaning} lines. */
    @Override
    public String toString() {
        var sb = new StringBuilder();
        for (String h : header) sb.append("; ").append(h).append('\n');
        for (String line : lines()) sb.append(line).append('\n');
        return sb.toString();
    }

    /** The disassembly without the header, one string per instruction. */
    public List<String> lines() {
        int n = insns.length;
        // What A holds on entry to each instruction: a seccomp_data offset, UNKNOWN, or UNREACHED.
        int[] a = new int[n + 1];
        Arrays.fill(a, UNREACHED);
        if (n > 0) a[0] = UNKNOWN;
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int code = code(i);
            int after = a[i];
            if ((code & 0x07) == LD) after = (code == (LD | W | ABS)) ? k(i) : UNKNOWN;
            else if ((code & 0x07) == ALU || code == (MISC | TXA)) after = UNKNOWN;
            if (a[i] != UNREACHED) {
                for (int s : successors(i)) {
                    if (s >= 0 && s < n) a[s] = a[s] == UNREACHED ? after : (a[s] == after ? after : UNKNOWN);
                }
            }
            String comment = comment(i, a[i]);
            String text = String.format("%-6s%s", "l" + i + ":", text(i));
            out.add(comment == null ? text : String.format("%-40s ; %s", text, comment));
        }
        return out;
    }

    private static final int UNKNOWN = -1, UNREACHED = -2;

    private String comment(int i, int aHolds) {
        int code = code(i), k = k(i);
        if (aHolds == UNREACHED) return "unreachable";
        if (code == (LD | W | ABS)) return Bpf.dataWordName(k);
        if ((code & 0x07) == RET && (code & 0x18) == K) return actionName(k);
        if ((code & 0x07) == JMP && (code & 0xf0) != JA && (code & X) == 0) {
            if (aHolds == DATA_ARCH) return Arch.auditName(k);
            if (aHolds == DATA_NR && arch != null) {
                if (arch.secondAbiBit() != 0 && k == arch.secondAbiBit() && (code & 0xf0) != JEQ) {
                    return "x32 and above";
                }
                String name = arch.table().name(k & 0xffffffffL);
                if ((code & 0xf0) == JEQ) return name != null ? name : "no " + arch.name().toLowerCase(java.util.Locale.ROOT) + " syscall";
                if ((code & 0xf0) == JGE) return name != null ? ">= " + name : null;
                if ((code & 0xf0) == JGT) return name != null ? "> " + name : null;
            }
        }
        return null;
    }
}
