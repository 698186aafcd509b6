# bpm launch stub, x86-64 Linux, GNU as (Intel syntax).
#
#   long launch(tape)      rdi = tape; rsi..r9 are ignored (Java calls it with the same
#                          7-long variadic shape as libc syscall(), so no second FFM shape)
#
# Parent: returns what clone3 returned (child pid, or -errno).
# Child:  replays the tape's entries, then (normally) is gone through a successful execve.
#
# Tape header (u64 each): +0 &clone_args, +8 its size, +16 error-pipe write fd (O_CLOEXEC),
#   +24 entry count, +32 failing index, +40 errno, +48 progress (index about to run), +56 reserved.
# Entry i at 64+64*i:     +0 nr, +8..+48 a0..a5, +56 flags (bit 0: errors allowed).
#
# Why it looks like this:
# - CLONE_VM|CLONE_VFORK: the child shares the JVM's memory and its fs (TLS) register, so it
#   must not run libc or touch errno; everything lives in r12-r15, which the kernel hands to
#   the child unchanged (only rax, rcx, r11 differ).
# - The child path uses no stack at all (no push, no call): signal handlers are cleared by
#   CLONE_CLEAR_SIGHAND, so nothing else can use it either.
# - A syscall failed iff rax, as unsigned, is >= -4095.
# - The failure record goes both into the shared header (final when clone3 returns to the
#   parent, thanks to VFORK) and down the pipe (EOF without a record = exec happened).
# - Running off the end of the tape is reported as (count, errno 0): a tape must end in execve.

        .intel_syntax noprefix
        .text
        .globl  bpm_launch
bpm_launch:
        push    r12
        push    r13
        push    r14
        push    r15
        mov     r12, rdi                # r12 = tape, survives clone3 into the child
        mov     rdi, [r12]              # &clone_args
        mov     rsi, [r12 + 8]          # sizeof clone_args
        mov     eax, 435                # clone3
        syscall
        test    rax, rax
        jz      child
        pop     r15                     # parent (or clone3 error): pid or -errno in rax
        pop     r14
        pop     r13
        pop     r12
        ret

child:
        lea     r13, [r12 + 64]         # r13 = current entry
        xor     r14d, r14d              # r14 = its index
        mov     r15, [r12 + 24]         # r15 = entry count
next:
        cmp     r14, r15
        jae     ran_off
        mov     [r12 + 48], r14         # progress
        mov     rax, [r13]
        mov     rdi, [r13 + 8]
        mov     rsi, [r13 + 16]
        mov     rdx, [r13 + 24]
        mov     r10, [r13 + 32]
        mov     r8,  [r13 + 40]
        mov     r9,  [r13 + 48]
        syscall
        cmp     rax, -4095
        jb      ok                      # unsigned below 0xfffffffffffff001: success
        test    byte ptr [r13 + 56], 1
        jz      failed
ok:
        add     r13, 64
        inc     r14
        jmp     next

ran_off:
        xor     eax, eax                # errno 0 at index == count
        jmp     report
failed:
        neg     rax                     # errno
report:
        mov     [r12 + 32], r14
        mov     [r12 + 40], rax
        mov     eax, 1                  # write(errfd, &header[32], 16)
        mov     rdi, [r12 + 16]
        lea     rsi, [r12 + 32]
        mov     edx, 16
        syscall
        mov     eax, 231                # exit_group(127)
        mov     edi, 127
        syscall
        ud2                             # not reached
