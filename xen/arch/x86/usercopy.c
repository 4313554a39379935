/* SPDX-License-Identifier: GPL-2.0-only */
/* The one primitive behind guest memory access (see asm/guest_access.h). */
#include <xen/lib.h>
#include <xen/mm.h>
#include <asm/guest_access.h>
#include <asm/processor.h>

/*
 * rep movsb leaves the remaining count in %rcx when it faults; the
 * exception-table entry resumes after it, so the caller learns how much was
 * not copied. stac/clac open the SMAP window only around the copy.
 */
unsigned long copy_bytes_fault_safe(void *dst, const void *src, size_t len)
{
    if ( mmu_cr4_features & X86_CR4_SMAP )
        __asm__ volatile("stac" ::: "memory");
    __asm__ volatile("1: rep movsb\n"
                     "2:\n"
                     "    .pushsection .ex_table, \"a\"\n"
                     "    .balign 8\n"
                     "    .quad 1b, 2b\n"
                     "    .popsection\n"
                     : "+D"(dst), "+S"(src), "+c"(len)
                     :
                     : "memory");
    if ( mmu_cr4_features & X86_CR4_SMAP )
        __asm__ volatile("clac" ::: "memory");
    return len;
}
