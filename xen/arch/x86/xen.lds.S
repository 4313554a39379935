/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Link map of the hypervisor image: linked at XEN_VIRT_START + XEN_LOAD_ADDR,
 * loaded at XEN_LOAD_ADDR, so every load address is virtual - XEN_VIRT_START.
 * The symbol table (.xensyms) sits after all code and data it describes so the
 * second link moves nothing it names.
 */
#include <xen/config.h>

OUTPUT_FORMAT("elf64-x86-64")
OUTPUT_ARCH(i386:x86-64)
ENTRY(start)

SECTIONS
{
    . = XEN_VIRT_START + XEN_LOAD_ADDR;
    __image_start = .;

    .text : AT(ADDR(.text) - XEN_VIRT_START)
    {
        _stext = .;
        *(.text.head)
        *(.text .text.*)
        _etext = .;
    }

    . = ALIGN(4096);
    .rodata : AT(ADDR(.rodata) - XEN_VIRT_START)
    {
        _srodata = .;
        *(.rodata .rodata.*)
        *(.data.rel.ro .data.rel.ro.*)
        . = ALIGN(8);
        __param_start = .;
        KEEP(*(.param))
        __param_end = .;
        . = ALIGN(8);
        __initcall_start = .;
        KEEP(*(SORT(.initcall.*)))
        __initcall_end = .;
        . = ALIGN(8);
        __ex_table_start = .;
        KEEP(*(.ex_table))
        __ex_table_end = .;
        . = ALIGN(8);
        __keyhandler_start = .;
        KEEP(*(.keyhandler))
        __keyhandler_end = .;
        _erodata = .;
    }

    . = ALIGN(4096);
    .data : AT(ADDR(.data) - XEN_VIRT_START)
    {
        _sdata = .;
        *(.data.page_aligned)
        *(.data .data.*)
        *(.got .got.*)
    }

    .xensyms : AT(ADDR(.xensyms) - XEN_VIRT_START)
    {
        *(.xensyms)
    }
    __load_end = .;

    . = ALIGN(4096);
    .bss : AT(ADDR(.bss) - XEN_VIRT_START)
    {
        __bss_start = .;
        *(.bss.stack_aligned)
        *(.bss.page_aligned)
        . = ALIGN(64);
        __per_cpu_start = .;
        *(.bss.percpu)
        . = ALIGN(64);
        __per_cpu_end = .;
        *(.bss .bss.*)
        *(COMMON)
        . = ALIGN(4096);
        __bss_end = .;
    }
    _end = .;

    /DISCARD/ :
    {
        *(.eh_frame) *(.eh_frame_hdr) *(.note .note.*) *(.comment) *(.interp)
        *(.dynsym) *(.dynstr) *(.dynamic) *(.hash) *(.gnu.hash) *(.rela.*)
    }
}

ASSERT(_end - XEN_VIRT_START < (1 << 30), "image too large")
