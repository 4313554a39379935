/* SPDX-License-Identifier: GPL-2.0-only */
/* The one primitive behind guest memory access (see asm/guest_access.h). */
#include <xen/lib.h>
#include <xen/mm.h>
#include <asm/guest_access.h>
#include <asm/processor.h>

/*
 * Whole 8-byte words with rep movsq, the rest with rep movsb: hypercall
 * arguments are mostly a few words, and a string instruction's cost grows
 * with its iterations. A faulting rep instruction leaves the remaining count
 * in %rcx; the exception-table entries resume at the fix-up (words: turn
 * them back into bytes and add the tail) or after the byte copy, so the
 * caller learns how much was not copied. stac/clac open the SMAP window only
 * around the copy.
 */
unsigned long copy_bytes_fault_safe(void *dst, const void *src, size_t len)
{
    unsigned long left = len / 8, tail = len % 8;

    if ( mmu_cr4_features & X86_CR4_SMAP )
        __asm__ volatile("stac" ::: "memory");
    __asm__ volatile("1: rep movsq\n"
                     "    mov %[tail], %%rcx\n"
                     "2: rep movsb\n"
                     "    jmp 4f\n"
                     "3: lea (%[tail], %%rcx, 8), %%rcx\n"
                     "4:\n"
                     "    .pushsection .ex_table, \"a\"\n"
                     "    .balign 8\n"
                     "    .quad 1b, 3b\n"
                     "    .quad 2b, 4b\n"
                     "    .popsection\n"
                     : "+D"(dst), "+S"(src), "+c"(left)
                     : [tail] "r"(tail)
                     : "memory");
    if ( mmu_cr4_features & X86_CR4_SMAP )
        __asm__ volatile("clac" ::: "memory");
    return left;
}
