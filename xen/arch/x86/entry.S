/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interrupt, exception and SYSCALL entry, and the way back to a guest.
 *
 * One 16-byte stub per vector pushes a dummy error code where the CPU pushes
 * none, records the vector in the upper half of that slot, and joins
 * common_entry, which completes a struct cpu_user_regs and calls
 * do_entry(regs). From ring 3 the frame is cpu_info->guest_cpu_user_regs
 * (TSS.rsp0 points there).
 *
 * SYSCALL from a PV guest (its kernel and its user space both run in ring 3)
 * arrives with the guest's %rsp. The hypervisor does not use %gs itself: the
 * shadow GS base holds this CPU's cpu_info, so a swapgs pair around the stack
 * switch reaches it; with interrupts masked by SFMASK nothing can run between
 * the two swapgs but an NMI, whose handler does not use %gs either.
 *
 * Every return to ring 3 goes through return_to_guest, which runs softirqs
 * and delivers pending events (pv_prepare_exit) with interrupts off, so no
 * wake-up is lost between the check and the iretq.
 *
 * That iretq must never take the hypervisor down: the guest chose CS, SS
 * and RIP, and although they were checked, another vCPU may change a GDT
 * descriptor after the check. If it faults, the exception (taken in ring 0,
 * on this stack, below the guest frame) finds the iretq in the exception
 * table and resumes at guest_iret_fault with the guest's registers loaded
 * again. That rebuilds the guest frame in cpu_info, lets pv_iret_fault()
 * enter the guest's failsafe callback (or crash the domain) and returns to
 * the guest again.
 */
#include <xen/config.h>

#define TRAP_syscall 0x100

.macro SAVE_ALL
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
.endm

.macro RESTORE_ALL
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
.endm

#define UREGS_error_code 120
#define UREGS_cs         136

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
        SAVE_ALL
        mov     %rsp, %rdi
        mov     %rsp, %rbx                      /* callee-saved: the frame */
        and     $~15, %rsp                      /* C ABI alignment */
        call    do_entry
        mov     %rbx, %rsp
        testb   $3, UREGS_cs(%rsp)
        jnz     return_to_guest
        RESTORE_ALL
        iretq

        .globl syscall_entry
syscall_entry:
        swapgs
        movq    %rsp, %gs:CPUINFO_syscall_scratch
        movq    %gs:CPUINFO_frame_top_ptr, %rsp
        pushq   $FLAT_RING3_DS32_SEL            /* ss */
        pushq   %gs:CPUINFO_syscall_scratch     /* rsp */
        swapgs
        pushq   %r11                            /* rflags */
        pushq   $FLAT_RING3_CS64_SEL            /* cs */
        pushq   %rcx                            /* rip */
        pushq   $0
        movl    $TRAP_syscall, 4(%rsp)
        SAVE_ALL
        mov     %rsp, %rdi
        call    pv_syscall_entry
        /* fall through: the frame is at %rsp */

/* Return to the guest whose frame is at %rsp (cpu_info->guest_cpu_user_regs). */
        .globl return_to_guest
return_to_guest:
        cli
        mov     %rsp, %rdi
        call    pv_prepare_exit
        RESTORE_ALL
.Lguest_iret:
        iretq
        .pushsection .ex_table, "a"
        .balign 8
        .quad   .Lguest_iret, guest_iret_fault
        .popsection

/*
 * The iretq above faulted; every general register holds the guest's value
 * again. %rsp is still inside this CPU's stack, whose top is cpu_info: point
 * it at the guest frame's error-code slot and save the registers below it,
 * as an entry from the guest would have.
 */
guest_iret_fault:
        or      $(STACK_SIZE - 1), %rsp
        sub     $(CPUINFO_SIZE - 1 - UREGS_error_code), %rsp
        movq    $0, (%rsp)
        SAVE_ALL
        mov     %rsp, %rdi
        mov     %rsp, %rbx
        and     $~15, %rsp
        call    pv_iret_fault
        mov     %rbx, %rsp
        jmp     return_to_guest

/* Compatibility-mode SYSCALL: 32-bit guests are not supported. */
        .globl cstar_entry
cstar_entry:
        sysretl

/*
 * Abandon the current stack and continue at return_to_guest with the frame
 * in this CPU's cpu_info: used after a context switch to a guest vCPU.
 */
        .globl reset_stack_and_return_to_guest
reset_stack_and_return_to_guest:
        mov     %rdi, %rsp
        jmp     return_to_guest

/* Abandon the current stack and run the idle loop from the top of it. */
        .globl reset_stack_and_call_idle
reset_stack_and_call_idle:
        mov     %rdi, %rsp
        and     $~15, %rsp
        xor     %ebp, %ebp
        call    idle_loop
        ud2
