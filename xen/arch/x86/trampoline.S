/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Start-up code of the application processors (APs).
 *
 * trampoline_start..trampoline_end is copied to TRAMPOLINE_PHYS, where a
 * STARTUP IPI starts the AP in real mode at CS:IP = TRAMPOLINE_PHYS >> 4 : 0.
 * It loads its own small GDT, enters protected mode, enables PAE, loads the
 * trampoline page table (built by smpboot.c in the three pages that follow:
 * the boot CPU's L4 with slot 0 mapping the first 2 MiB 1:1), turns on long
 * mode with the boot CPU's EFER, and jumps to ap_start64 at its linked
 * (high) address. There it switches to the boot CPU's CR4 and CR3 (the idle
 * page table), takes the stack the boot CPU prepared, and calls
 * start_secondary(). Only one AP runs this at a time: the boot CPU waits for
 * each to come up before it starts the next.
 */
#include <xen/config.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <asm/smp.h>

#define T(sym)      ((sym) - trampoline_start)      /* offset: real-mode address */
#define TPHYS(sym)  (TRAMPOLINE_PHYS + T(sym))      /* physical address */
#define T_CS32 0x08
#define T_DS   0x10
#define T_CS64 0x18

        .section .rodata.trampoline, "a"
        .balign 16
        .globl trampoline_start
        .code16
trampoline_start:
        cli
        cld
        mov     %cs, %ax
        mov     %ax, %ds
        lgdtl   T(tramp_gdtr)
        mov     %cr0, %eax
        or      $X86_CR0_PE, %eax
        mov     %eax, %cr0
        ljmpl   $T_CS32, $TPHYS(tramp32)

        .code32
tramp32:
        mov     $T_DS, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        mov     $X86_CR4_PAE, %eax
        mov     %eax, %cr4
        mov     $(TRAMPOLINE_PHYS + PAGE_SIZE), %eax     /* trampoline L4 */
        mov     %eax, %cr3
        mov     $MSR_EFER, %ecx
        mov     TPHYS(trampoline_efer), %eax
        mov     TPHYS(trampoline_efer) + 4, %edx
        wrmsr
        mov     $(X86_CR0_PG | X86_CR0_WP | X86_CR0_NE | X86_CR0_MP | X86_CR0_PE), %eax
        mov     %eax, %cr0
        ljmp    $T_CS64, $TPHYS(tramp64)

        .code64
tramp64:
        movabs  $ap_start64, %rax
        jmp     *%rax

        .balign 8
tramp_gdt:
        .quad   0
        .quad   0x00cf9a000000ffff              /* 0x08: 32-bit ring-0 code */
        .quad   0x00cf92000000ffff              /* 0x10: flat ring-0 data */
        .quad   0x00af9a000000ffff              /* 0x18: 64-bit ring-0 code */
tramp_gdt_end:
        .word   0
tramp_gdtr:
        .word   tramp_gdt_end - tramp_gdt - 1
        .long   TPHYS(tramp_gdt)
        .balign 8
        .globl trampoline_efer
trampoline_efer:
        .quad   0                               /* patched: the boot CPU's EFER */
        .globl trampoline_end
trampoline_end:

        .text
ap_start64:
        mov     ap_boot_cr4(%rip), %rax
        mov     %rax, %cr4
        mov     ap_boot_cr3(%rip), %rax
        mov     %rax, %cr3
        mov     ap_boot_stack(%rip), %rsp
        xor     %ebp, %ebp
        call    start_secondary
        ud2

        .data
        .balign 8
        .globl ap_boot_cr3, ap_boot_cr4, ap_boot_stack
ap_boot_cr3:    .quad 0
ap_boot_cr4:    .quad 0
ap_boot_stack:  .quad 0
