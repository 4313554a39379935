/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading a PV kernel image: the ELF64 headers, its loadable segments and the
 * Xen ELF notes (public/elfnote.h) that tell the domain builder how to lay
 * the guest out. Pure functions over a byte buffer: every offset and size
 * read from the image is bounds-checked, since the image is untrusted input.
 */
#ifndef XEN_LIBELF_H
#define XEN_LIBELF_H

#include <xen/types.h>

#define ELF_NOTE_UNSET (~0UL)

struct elf_dom_parms
{
    /* From the notes (ELF_NOTE_UNSET when absent). */
    unsigned long virt_base;
    unsigned long paddr_offset;
    unsigned long entry;          /* XEN_ELFNOTE_ENTRY, else e_entry */
    unsigned long hypercall_page; /* guest VA of the page to fill */
    unsigned long init_p2m;       /* VA where the P2M list goes */
    bool mod_start_pfn;           /* initrd passed as a PFN, not mapped */
    u32 supported_features;       /* XEN_ELFNOTE_SUPPORTED_FEATURES submap 0 */
    u32 required_features;        /* "+feature"/plain names in XEN_ELFNOTE_FEATURES */
    char guest_os[32];
    char xen_version[32];
    char loader[32];
    bool has_xen_notes;

    /* From the program headers: where the loadable segments go (guest VAs). */
    unsigned long virt_kstart, virt_kend;
};

/* Parse headers and notes; 0 or -EINVAL (not a loadable 64-bit PV image). */
int elf_parse_dom(const void *img, size_t len, struct elf_dom_parms *p);

/*
 * Copy every PT_LOAD segment to its guest VA (p_paddr - paddr_offset +
 * virt_base) and zero its tail (bss): dest(va, ctx) returns where guest VA
 * va is writable for one page, or NULL to fail with -EFAULT.
 */
int elf_load_dom(const void *img, size_t len, const struct elf_dom_parms *p,
                 void *(*dest)(unsigned long va, void *ctx), void *ctx);

#endif
