/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interrupt and exception entry: one 16-byte stub per vector pushes a dummy
 * error code where the CPU pushes none, records the vector in the upper half
 * of that slot, and joins common_entry, which completes a struct
 * cpu_user_regs on the stack and calls do_entry(regs).
 */
#include <xen/config.h>

        .text
        .balign 16
        .globl entry_stubs
entry_stubs:
        .set    vec, 0
        .rept   256
        .balign 16
        .if !(vec == 8 || vec == 10 || vec == 11 || vec == 12 || vec == 13 || vec == 14 || vec == 17 || vec == 21 || vec == 29 || vec == 30)
        pushq   $0
        .endif
        movl    $vec, 4(%rsp)
        jmp     common_entry
        .set    vec, vec + 1
        .endr

common_entry:
        cld
        push    %rdi
        push    %rsi
        push    %rdx
        push    %rcx
        push    %rax
        push    %r8
        push    %r9
        push    %r10
        push    %r11
        push    %rbx
        push    %rbp
        push    %r12
        push    %r13
        push    %r14
        push    %r15
        mov     %rsp, %rdi
        mov     %rsp, %rbx                      /* callee-saved: the frame */
        and     $~15, %rsp                      /* C ABI alignment */
        call    do_entry
        mov     %rbx, %rsp
        pop     %r15
        pop     %r14
        pop     %r13
        pop     %r12
        pop     %rbp
        pop     %rbx
        pop     %r11
        pop     %r10
        pop     %r9
        pop     %r8
        pop     %rax
        pop     %rcx
        pop     %rdx
        pop     %rsi
        pop     %rdi
        add     $8, %rsp                        /* error code and vector */
        iretq
