package io.bpm.executor.seccomp;

import io.bpm.executor.sys.Errno;
import io.bpm.executor.sys.Nr;
import io.bpm.executor.sys.Tape;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.bpm.executor.seccomp.Bpf.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The disassembler, the kernel's checks and the interpreter on hand-written programs. */
class BpfProgramTest {
    /** LauncherTest's program, written with Tape's helpers. */
    private static final long[] MKDIR_FILTER = {
        Tape.bpfStmt(LD | W | ABS, DATA_ARCH),
        Tape.bpfJump(JMP | JEQ | K, Arch.X86_64.auditArch(), 1, 0),
        Tape.bpfStmt(RET | K, RET_KILL_PROCESS),
        Tape.bpfStmt(LD | W | ABS, DATA_NR),
        Tape.bpfJump(JMP | JEQ | K, Nr.MKDIR, 1, 0),
        Tape.bpfJump(JMP | JEQ | K, Nr.MKDIRAT, 0, 1),
        Tape.bpfStmt(RET | K, RET_ERRNO | Errno.EPERM),
        Tape.bpfStmt(RET | K, RET_ALLOW),
    };

    @Test
    void disassemblesLikeBpfDbgWithSeccompComments() {
        BpfProgram p = BpfProgram.of(MKDIR_FILTER, Arch.X86_64).withHeader(List.of("mkdir filter"));
        assertEquals("""
                ; mkdir filter
                l0:   ld [4]                             ; arch
                l1:   jeq #0xc000003e, l3, l2            ; x86_64
                l2:   ret #0x80000000                    ; KILL_PROCESS
                l3:   ld [0]                             ; nr
                l4:   jeq #0x53, l6, l5                  ; mkdir
                l5:   jeq #0x102, l6, l7                 ; mkdirat
                l6:   ret #0x50001                       ; ERRNO(EPERM)
                l7:   ret #0x7fff0000                    ; ALLOW
                """, p.toString());
    }

    @Test
    void disassemblesEveryInstructionKind() {
        long[] prog = {
            BpfProgram.insn(LD | W | ABS, 0, 0, argHi(2)),
            BpfProgram.insn(LD | IMM, 0, 0, 7),
            BpfProgram.insn(LDX | IMM, 0, 0, 3),
            BpfProgram.insn(ALU | ADD | X, 0, 0, 0),
            BpfProgram.insn(ALU | AND | K, 0, 0, 0xff),
            BpfProgram.insn(ALU | NEG, 0, 0, 0),
            BpfProgram.insn(ST, 0, 0, 2),
            BpfProgram.insn(LDX | MEM, 0, 0, 2),
            BpfProgram.insn(MISC | TXA, 0, 0, 0),
            BpfProgram.insn(MISC | TAX, 0, 0, 0),
            BpfProgram.insn(JMP | JSET | K, 0, 1, 4),
            BpfProgram.insn(JMP | JA, 0, 0, 1),
            BpfProgram.insn(RET | A, 0, 0, 0),
            BpfProgram.insn(JMP | JGT | X, 0, 0, 0),
            BpfProgram.insn(RET | K, 0, 0, RET_LOG),
        };
        List<String> text = BpfProgram.of(prog, null).lines().stream().map(s -> s.replaceAll(" +;.*", "").replaceAll("\\s+", " ")).toList();
        assertEquals(List.of("l0: ld [36]", "l1: ld #0x7", "l2: ldx #0x3", "l3: add x", "l4: and #0xff", "l5: neg", "l6: st M[2]",
                "l7: ldx M[2]", "l8: txa", "l9: tax", "l10: jset #0x4, l11, l12", "l11: ja l13", "l12: ret a", "l13: jgt x, l14, l14",
                "l14: ret #0x7ffc0000"), text);
        assertTrue(BpfProgram.of(prog, null).lines().get(0).endsWith("; args[2].hi"));
        BpfProgram.of(prog, null).verify();
    }

    @Test
    void bytesRoundTrip() {
        BpfProgram p = BpfProgram.of(MKDIR_FILTER, Arch.X86_64);
        byte[] b = p.toBytes();
        assertEquals(64, b.length);
        // struct sock_filter {u16 code; u8 jt; u8 jf; u32 k}, little-endian: l1 = 15 00 01 00 3e 00 00 c0
        assertArrayEquals(new byte[] {0x15, 0, 1, 0, 0x3e, 0, 0, (byte) 0xc0}, java.util.Arrays.copyOfRange(b, 8, 16));
        assertArrayEquals(MKDIR_FILTER, BpfProgram.fromBytes(b, null).toLongArray());
    }

    @Test
    void kernelChecksRejectBadPrograms() {
        long ret = BpfProgram.insn(RET | K, 0, 0, RET_ALLOW);
        assertRejected("program length 0", new long[0]);
        assertRejected("program length 4097", new long[4097]);
        assertRejected("must be 4-aligned", BpfProgram.insn(LD | W | ABS, 0, 0, 2), ret);
        assertRejected("must be 4-aligned", BpfProgram.insn(LD | W | ABS, 0, 0, 64), ret);
        assertRejected("not allowed in a seccomp filter", BpfProgram.insn(LD | H | ABS, 0, 0, 0), ret);
        assertRejected("not allowed in a seccomp filter", BpfProgram.insn(LD | W | IND, 0, 0, 0), ret);
        assertRejected("not allowed in a seccomp filter", BpfProgram.insn(ALU | MOD | K, 0, 0, 3), ret);
        assertRejected("jump past the end", BpfProgram.insn(JMP | JEQ | K, 1, 0, 0), ret);
        assertRejected("jump past the end", BpfProgram.insn(JMP | JA, 0, 0, 1), ret);
        assertRejected("jump past the end", BpfProgram.insn(JMP | JA, 0, 0, -1), ret);
        assertRejected("division by 0", BpfProgram.insn(ALU | DIV | K, 0, 0, 0), ret);
        assertRejected("last instruction must be a return", ret, BpfProgram.insn(LD | W | ABS, 0, 0, 0));
        assertRejected("before it is written", BpfProgram.insn(LD | MEM, 0, 0, 3), ret);
        // written on one path only
        assertRejected("before it is written", BpfProgram.insn(JMP | JEQ | K, 0, 1, 0), BpfProgram.insn(ST, 0, 0, 3),
                BpfProgram.insn(LD | MEM, 0, 0, 3), ret);
        BpfProgram.of(new long[] {BpfProgram.insn(ST, 0, 0, 3), BpfProgram.insn(LD | MEM, 0, 0, 3), ret}, null).verify();
        assertThrows(IllegalArgumentException.class, () -> BpfProgram.insn(0x10000, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> BpfProgram.insn(JMP | JEQ, 256, 0, 0));
    }

    private static void assertRejected(String why, long... insns) {
        var e = assertThrows(IllegalArgumentException.class, () -> BpfProgram.of(insns, null).verify());
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }

    @Test
    void interpreterArithmetic() {
        // A = nr; X = 3; A = (A + X) * 2 >> 1; M[0] = A; A = A ^ 0xff; return (M[0] == nr + 3) ? A : 0
        long[] prog = {
            BpfProgram.insn(LD | W | ABS, 0, 0, DATA_NR),
            BpfProgram.insn(LDX | IMM, 0, 0, 3),
            BpfProgram.insn(ALU | ADD | X, 0, 0, 0),
            BpfProgram.insn(ALU | MUL | K, 0, 0, 2),
            BpfProgram.insn(ALU | RSH | K, 0, 0, 1),
            BpfProgram.insn(ST, 0, 0, 0),
            BpfProgram.insn(ALU | XOR | K, 0, 0, 0xff),
            BpfProgram.insn(MISC | TAX, 0, 0, 0),
            BpfProgram.insn(LD | MEM, 0, 0, 0),
            BpfProgram.insn(JMP | JEQ | K, 1, 0, 10),
            BpfProgram.insn(RET | K, 0, 0, 0),
            BpfProgram.insn(MISC | TXA, 0, 0, 0),
            BpfProgram.insn(RET | A, 0, 0, 0),
        };
        BpfInterpreter run = new BpfInterpreter(BpfProgram.of(prog, null));
        assertEquals(10 ^ 0xff, run.run(new BpfInterpreter.Data(7, 0, 0)));
        assertEquals(0, run.run(new BpfInterpreter.Data(8, 0, 0)));
        // loads read the little-endian words of seccomp_data
        long[] args = {
            BpfProgram.insn(LD | W | ABS, 0, 0, argHi(5)),
            BpfProgram.insn(RET | A, 0, 0, 0),
        };
        assertEquals(0x12345678, new BpfInterpreter(BpfProgram.of(args, null)).run(new BpfInterpreter.Data(0, 0, 0, 0, 0, 0, 0, 0, 0x12345678_9abcdef0L)));
        assertEquals("ERRNO(ENOENT)", actionName(errno(Errno.ENOENT)));
        assertEquals("KILL_THREAD", actionName(0));
        assertEquals("TRAP(5)", actionName(RET_TRAP | 5));
    }
}
