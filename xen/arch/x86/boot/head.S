/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Entry from the boot loader and the switch to long mode.
 *
 * GRUB (multiboot2) or QEMU -kernel (multiboot1) enter `start` in 32-bit
 * protected mode, paging off, with the magic in %eax and the info block's
 * physical address in %ebx. Both headers use address tags, so the loaders copy
 * the flat image to XEN_LOAD_ADDR and clear the BSS.
 *
 * The boot page tables map the first 4 GiB 1:1 and the first GiB again at
 * XEN_VIRT_START, with 2 MiB pages; __start_xen() replaces them.
 */
#include <xen/config.h>
#include <asm/page.h>
#include <asm/processor.h>

#define sym_phys(s) ((s) - XEN_VIRT_START)

#define MB1_MAGIC        0x1badb002
#define MB1_FLAGS        0x00010003 /* page-align modules, memory info, address tag */
#define MB2_MAGIC        0xe85250d6

#define BOOT_CS64 0x08
#define BOOT_DS   0x10

        .section .text.head, "ax", @progbits
        .code32
        .globl start
start:
        jmp     start32

        .balign 8
mb2_header:
        .long   MB2_MAGIC
        .long   0                               /* i386 */
        .long   mb2_header_end - mb2_header
        .long   -(MB2_MAGIC + (mb2_header_end - mb2_header))
        /* address tag */
        .word   2, 0
        .long   24
        .long   sym_phys(mb2_header)
        .long   sym_phys(start)
        .long   sym_phys(__load_end)
        .long   sym_phys(__bss_end)
        /* entry address tag */
        .word   3, 0
        .long   12
        .long   sym_phys(start32)
        .long   0                               /* pad to 8 */
        /* module alignment tag: page-aligned modules */
        .word   6, 0
        .long   8
        /* end tag */
        .word   0, 0
        .long   8
mb2_header_end:

        .balign 4
mb1_header:
        .long   MB1_MAGIC
        .long   MB1_FLAGS
        .long   -(MB1_MAGIC + MB1_FLAGS)
        .long   sym_phys(mb1_header)
        .long   sym_phys(start)
        .long   sym_phys(__load_end)
        .long   sym_phys(__bss_end)
        .long   sym_phys(start32)

start32:
        cli
        cld
        mov     %eax, %edi                      /* magic: first C argument */
        mov     %ebx, %esi                      /* info block: second */

        /* Long mode is required; without it there is nothing we can say. */
        mov     $0x80000000, %eax
        cpuid
        cmp     $0x80000001, %eax
        jb      no_long_mode
        mov     $0x80000001, %eax
        cpuid
        bt      $29, %edx
        jnc     no_long_mode
        mov     %edx, %ebp                      /* keep NX (bit 20) for EFER */

        lgdt    sym_phys(boot_gdtr)

        mov     %cr4, %eax
        or      $X86_CR4_PAE, %eax
        mov     %eax, %cr4
        mov     $sym_phys(boot_l4), %eax
        mov     %eax, %cr3

        mov     $MSR_EFER, %ecx
        rdmsr
        or      $(EFER_LME | EFER_SCE), %eax
        bt      $20, %ebp
        jnc     1f
        or      $EFER_NXE, %eax
1:      wrmsr

        mov     $(X86_CR0_PG | X86_CR0_WP | X86_CR0_NE | X86_CR0_MP | X86_CR0_PE), %eax
        mov     %eax, %cr0
        ljmp    $BOOT_CS64, $sym_phys(start64)

no_long_mode:
        mov     $0x3f8, %dx
        mov     $sym_phys(no_lm_msg), %ebx
2:      movb    (%ebx), %al
        test    %al, %al
        jz      3f
        outb    %al, %dx
        inc     %ebx
        jmp     2b
3:      hlt
        jmp     3b

        .code64
start64:
        mov     $BOOT_DS, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        xor     %eax, %eax
        mov     %eax, %fs
        mov     %eax, %gs
        movabs  $high_start, %rax
        jmp     *%rax

high_start:
        /* Boot CPU stack: cpu0_stack is STACK_SIZE-aligned; cpu_info at the top. */
        lea     cpu0_stack(%rip), %rsp
        add     $STACK_SIZE - CPUINFO_SIZE, %rsp
        and     $~15, %rsp                      /* C ABI: 16-byte aligned at calls */
        xor     %ebp, %ebp
        call    __start_xen
        ud2

        .section .rodata, "a"
no_lm_msg:
        .asciz  "ERR: this CPU has no long mode; the hypervisor needs x86-64.\r\n"

        .section .data.page_aligned, "aw"
        .balign 4096
        .globl boot_l4
boot_l4:
        .quad   sym_phys(boot_l3_ident) + PAGE_TABLE_FLAGS
        .fill   260, 8, 0
        .quad   sym_phys(boot_l3_xen) + PAGE_TABLE_FLAGS    /* slot 261 */
        .fill   250, 8, 0
boot_l3_ident:
        .quad   sym_phys(boot_l2_ident) + 0 * 4096 + PAGE_TABLE_FLAGS
        .quad   sym_phys(boot_l2_ident) + 1 * 4096 + PAGE_TABLE_FLAGS
        .quad   sym_phys(boot_l2_ident) + 2 * 4096 + PAGE_TABLE_FLAGS
        .quad   sym_phys(boot_l2_ident) + 3 * 4096 + PAGE_TABLE_FLAGS
        .fill   508, 8, 0
boot_l3_xen:                                    /* XEN_VIRT_START is L3 slot 322 */
        .fill   322, 8, 0
        .quad   sym_phys(boot_l2_ident) + PAGE_TABLE_FLAGS
        .fill   189, 8, 0
boot_l2_ident:
        .set    i, 0
        .rept   2048
        .quad   (i << L2_PAGE_SHIFT) + PAGE_TABLE_FLAGS + _PAGE_PSE
        .set    i, i + 1
        .endr

        .section .data, "aw"
        .balign 8
boot_gdt:
        .quad   0
        .quad   0x00af9a000000ffff              /* 0x08: 64-bit ring-0 code */
        .quad   0x00cf92000000ffff              /* 0x10: flat ring-0 data */
boot_gdt_end:
        .word   0
boot_gdtr:
        .word   boot_gdt_end - boot_gdt - 1
        .long   sym_phys(boot_gdt)

        .section .bss.stack_aligned, "aw", @nobits
        .balign STACK_SIZE
        .globl cpu0_stack
cpu0_stack:
        .skip   STACK_SIZE
