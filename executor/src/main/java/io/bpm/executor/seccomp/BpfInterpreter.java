package io.bpm.executor.seccomp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static io.bpm.executor.seccomp.Bpf.*;

/**
 * Runs a seccomp BPF program on one {@code seccomp_data}, as the kernel would, and returns the
 * action: for tests, and for {@code bpm compile} to show what a call would get. The program is
 * {@linkplain BpfProgram#verify() verified} first, so jumps stay inside it and every path ends
 * in a return.
 */
public final class BpfInterpreter {
    private final BpfProgram program;

    public BpfInterpreter(BpfProgram program) {
        this.program = program.verify();
    }

    /**
     * {@code struct seccomp_data}: the call's number, {@code AUDIT_ARCH_*}, instruction pointer
     * and six arguments.
     */
    public record Data(int nr, int arch, long instructionPointer, long... args) {
        public Data {
            if (args.length > 6) throw new IllegalArgumentException("at most 6 arguments");
            long[] six = new long[6];
            System.arraycopy(args, 0, six, 0, args.length);
            args = six;
        }

        /** A native call of this architecture. */
        public static Data of(Arch arch, int nr, long... args) {
            return new Data(nr, arch.auditArch(), 0, args);
        }

        /** The 64 bytes the kernel's loads read, little-endian. */
        byte[] bytes() {
            ByteBuffer b = ByteBuffer.allocate(DATA_SIZE).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(nr).putInt(arch).putLong(instructionPointer);
            for (long a : args) b.putLong(a);
            return b.array();
        }
    }

    /** The seccomp return value ({@code SECCOMP_RET_*} | data) for this call. */
    public int run(Data data) {
        ByteBuffer d = ByteBuffer.wrap(data.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        int a = 0, x = 0;
        int[] mem = new int[MEMWORDS];
        int pc = 0;
        while (true) {
            int code = program.code(pc), k = program.k(pc);
            int next = pc + 1;
            switch (code & 0x07) {
                case LD -> a = switch (code) {
                    case LD | W | ABS -> d.getInt(k);
                    case LD | W | LEN -> DATA_SIZE;
                    case LD | IMM -> k;
                    case LD | MEM -> mem[k];
                    default -> throw new IllegalStateException(program.text(pc));
                };
                case LDX -> x = switch (code) {
                    case LDX | W | LEN -> DATA_SIZE;
                    case LDX | IMM -> k;
                    case LDX | MEM -> mem[k];
                    default -> throw new IllegalStateException(program.text(pc));
                };
                case ST -> mem[k] = a;
                case STX -> mem[k] = x;
                case ALU -> {
                    int src = (code & X) != 0 ? x : k;
                    a = switch (code & 0xf0) {
                        case ADD -> a + src;
                        case SUB -> a - src;
                        case MUL -> a * src;
                        case DIV -> src == 0 ? 0 : Integer.divideUnsigned(a, src);   // the kernel returns 0 for A/0 (X)
                        case OR -> a | src;
                        case AND -> a & src;
                        case LSH -> (src & 0xffffffffL) >= 32 ? 0 : a << src;
                        case RSH -> (src & 0xffffffffL) >= 32 ? 0 : a >>> src;
                        case NEG -> -a;
                        case XOR -> a ^ src;
                        default -> throw new IllegalStateException(program.text(pc));
                    };
                }
                case JMP -> {
                    int src = (code & X) != 0 ? x : k;
                    if ((code & 0xf0) == JA) {
                        next = pc + 1 + k;
                    } else {
                        boolean taken = switch (code & 0xf0) {
                            case JEQ -> a == src;
                            case JGT -> Integer.compareUnsigned(a, src) > 0;
                            case JGE -> Integer.compareUnsigned(a, src) >= 0;
                            case JSET -> (a & src) != 0;
                            default -> throw new IllegalStateException(program.text(pc));
                        };
                        next = pc + 1 + (taken ? program.jt(pc) : program.jf(pc));
                    }
                }
                case RET -> {
                    return (code & 0x18) == A ? a : k;
                }
                case MISC -> {
                    if ((code & 0xf8) == TAX) x = a;
                    else a = x;
                }
                default -> throw new IllegalStateException(program.text(pc));
            }
            pc = next;
        }
    }

    /** {@link #run} as text: {@code ALLOW}, {@code ERRNO(EPERM)}, .... */
    public String action(Data data) {
        return actionName(run(data));
    }
}
