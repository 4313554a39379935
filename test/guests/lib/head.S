/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Entry point, Xen ELF notes, hypercall page, exception and event entry
 * stubs of the test guests.
 *
 * Xen enters _start in 64-bit guest-kernel mode (ring 3) with RSI pointing
 * at start_info and RSP at a boot stack it placed after the page tables.
 * We clear .bss, move to our own stack in .bss and call runtime_start().
 *
 * Exceptions and event upcalls arrive on the guest stack as Xen's bounce
 * frame: RCX, R11, [error code], RIP, CS, RFLAGS, RSP, SS. Every stub pops
 * RCX/R11 back into their registers, pushes a dummy error code when the CPU
 * supplies none plus the vector number, and joins trap_common, which saves
 * the general registers as a struct trap_frame (runtime.h) for
 * trap_dispatch(). The way back is the iret hypercall: its frame is RAX,
 * R11, RCX, flags, RIP, CS, RFLAGS, RSP, SS, so we push flags = 0 (not in a
 * syscall: restore RCX/R11 from the frame), RCX, R11 and RAX on top of the
 * interrupted context and issue it.
 */
#include <public/elfnote.h>
#include <public/xen.h>
#include <public/features.h>
#include "runtime-asm.h"

    .macro xen_note_head type
    .pushsection .note.Xen, "a", @note
    .balign 4
    .long 4
    .long 12f - 11f
    .long \type
    .asciz "Xen"
    .balign 4
11:
    .endm
    .macro xen_note_tail
12: .balign 4
    .popsection
    .endm
    .macro xen_note_str type, value
    xen_note_head \type
    .asciz "\value"
    xen_note_tail
    .endm
    .macro xen_note_quad type, value
    xen_note_head \type
    .quad \value
    xen_note_tail
    .endm
    .macro xen_note_long type, value
    xen_note_head \type
    .long \value
    xen_note_tail
    .endm

    xen_note_str XEN_ELFNOTE_GUEST_OS, "hxtest"
    xen_note_str XEN_ELFNOTE_GUEST_VERSION, "1"
    xen_note_str XEN_ELFNOTE_XEN_VERSION, "xen-3.0"
    xen_note_str XEN_ELFNOTE_LOADER, "generic"
    xen_note_quad XEN_ELFNOTE_VIRT_BASE, GUEST_VIRT_BASE
    xen_note_quad XEN_ELFNOTE_PADDR_OFFSET, 0
    xen_note_quad XEN_ELFNOTE_ENTRY, _start
    xen_note_quad XEN_ELFNOTE_HYPERCALL_PAGE, hypercall_page
    /* Same feature set as Linux: writable page tables optional, dom0 capable. */
    xen_note_str XEN_ELFNOTE_FEATURES, "!writable_page_tables"
    xen_note_long XEN_ELFNOTE_SUPPORTED_FEATURES, (1 << XENFEAT_writable_page_tables) | (1 << XENFEAT_dom0)

    .section .text.head, "ax", @progbits
    .code64
    .globl _start
_start:
    cld
    mov     %rsi, %rbx
    lea     __bss_start(%rip), %rdi
    lea     __bss_end(%rip), %rcx
    sub     %rdi, %rcx
    xor     %eax, %eax
    rep stosb
    lea     boot_stack_top(%rip), %rsp
    mov     %rbx, %rdi
    call    runtime_start
    ud2

    /* Xen fills this page with 32-byte stubs, one per hypercall number. */
    .balign PAGE_SIZE
    .globl hypercall_page
hypercall_page:
    .fill PAGE_SIZE, 1, 0xcc

    .text
/* Entry stubs: vector numbers as in struct trap_frame.vector. */
    .macro trap_stub vec, has_error
    .globl trap_entry_\vec
trap_entry_\vec:
    pop     %rcx
    pop     %r11
    .if \has_error == 0
    push    $0
    .endif
    push    $\vec
    jmp     trap_common
    .endm

    trap_stub 0, 0
    trap_stub 1, 0
    trap_stub 2, 0
    trap_stub 3, 0
    trap_stub 4, 0
    trap_stub 5, 0
    trap_stub 6, 0
    trap_stub 7, 0
    trap_stub 8, 1
    trap_stub 10, 1
    trap_stub 11, 1
    trap_stub 12, 1
    trap_stub 13, 1
    trap_stub 14, 1
    trap_stub 16, 0
    trap_stub 17, 1
    trap_stub 18, 0
    trap_stub 19, 0
    trap_stub 0x80, 0
    trap_stub TRAP_VECTOR_EVENT, 0

    /* The failsafe frame has DS, ES, FS, GS between R11 and RIP: drop them. */
    .globl failsafe_entry
failsafe_entry:
    pop     %rcx
    pop     %r11
    add     $32, %rsp
    push    $0
    push    $TRAP_VECTOR_FAILSAFE
    jmp     trap_common

trap_common:
    push    %rax
    push    %rbx
    push    %rcx
    push    %rdx
    push    %rsi
    push    %rdi
    push    %rbp
    push    %r8
    push    %r9
    push    %r10
    push    %r11
    push    %r12
    push    %r13
    push    %r14
    push    %r15
    mov     %rsp, %rdi
    mov     %rsp, %rbp
    and     $-16, %rsp
    call    trap_dispatch
    mov     %rbp, %rsp
    pop     %r15
    pop     %r14
    pop     %r13
    pop     %r12
    pop     %r11
    pop     %r10
    pop     %r9
    pop     %r8
    pop     %rbp
    pop     %rdi
    pop     %rsi
    pop     %rdx
    pop     %rcx
    pop     %rbx
    pop     %rax
    add     $16, %rsp               /* vector, error code */
    .globl hypervisor_iret
hypervisor_iret:
    push    $0                      /* flags: not VGCF_in_syscall */
    push    %rcx
    push    %r11
    push    %rax
    mov     $__HYPERVISOR_iret, %eax
    syscall
    ud2                             /* iret does not return */

/*
 * Probes: touch memory or execute an instruction that may trap. A trap at
 * the labelled instruction is caught by trap_dispatch() through .extable,
 * which records it, sets RAX to 1 and resumes at the fixup label.
 * Each returns 0 when nothing trapped.
 */
    .macro extable insn, fixup
    .pushsection .extable, "a"
    .quad \insn, \fixup
    .popsection
    .endm

    .globl probe_read
probe_read:                         /* long probe_read(const void *, uint64_t *) */
    xor     %eax, %eax
1:  mov     (%rdi), %rdx
    mov     %rdx, (%rsi)
2:  ret
    extable 1b, 2b

    .globl probe_write
probe_write:                        /* long probe_write(void *, uint64_t) */
    xor     %eax, %eax
1:  mov     %rsi, (%rdi)
2:  ret
    extable 1b, 2b

    .globl probe_ud2
probe_ud2:
    xor     %eax, %eax
    .globl probe_ud2_insn
probe_ud2_insn:
    ud2
2:  ret
    extable probe_ud2_insn, 2b

    /* int3 is a trap: Xen reports RIP after the instruction. */
    .globl probe_int3
probe_int3:
    xor     %eax, %eax
    int3
    .globl probe_int3_next
probe_int3_next:
    ret
    extable probe_int3_next, probe_int3_next

    .globl probe_outb
probe_outb:                         /* long probe_outb(uint16_t port, uint8_t val) */
    xor     %eax, %eax
    mov     %edi, %edx
    mov     %esi, %ecx
    xchg    %eax, %ecx
1:  outb    %al, %dx
    xor     %eax, %eax
2:  ret
    extable 1b, 2b

    /* Software interrupts: int $4 is allowed from the guest (DPL 3), int $5
     * and int $0x81 are not (DPL 0, no entry): those raise #GP. */
    .globl probe_int4
probe_int4:
    xor     %eax, %eax
    int     $4
    .globl probe_int4_next
probe_int4_next:
    ret
    extable probe_int4_next, probe_int4_next

    .globl probe_int5
probe_int5:
    xor     %eax, %eax
    .globl probe_int5_insn
probe_int5_insn:
    int     $5
2:  ret
    extable probe_int5_insn, 2b

    .globl probe_int81
probe_int81:
    xor     %eax, %eax
1:  int     $0x81
2:  ret
    extable 1b, 2b

    .globl probe_div0
probe_div0:
    xor     %eax, %eax
    xor     %ecx, %ecx
    xor     %edx, %edx
1:  div     %ecx
2:  ret
    extable 1b, 2b

    .globl probe_fninit
probe_fninit:
    xor     %eax, %eax
1:  fninit
2:  ret
    extable 1b, 2b

    .section .bss.pages, "aw", @nobits
    .balign PAGE_SIZE
    .globl boot_stack_bottom, boot_stack_top
boot_stack_bottom:
    .skip   BOOT_STACK_SIZE
boot_stack_top:
