/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The rules one guest page-table entry must obey, as pure functions.
 *
 * Theory of operation
 * -------------------
 * A 64-bit PV guest writes its own page tables, the hardware walks them, and
 * the guest kernel runs in ring 3. So every entry the guest asks for is
 * checked against what the hardware would do with it:
 *
 *   - Only the bits a guest has a use for may be set: present, RW, user,
 *     accessed, dirty, the software bits (9-11, 52-62) and NX when EFER.NXE
 *     makes it NX. Everything else is refused with -EINVAL: PSE in L2/L3
 *     (a superpage would map frames nobody validated), PCD/PWT/PAT except in
 *     the L1 entries of a domain with I/O access (a domU must not make its
 *     RAM uncached behind the hypervisor's back), G above L1, and bit 63
 *     without NX (it would be reserved: a #PF with RSVD on every access).
 *     G in an L1 is harmless: CR4.PGE stays off for PV guests.
 *   - _PAGE_USER is forced on: the guest kernel is in ring 3 and must reach
 *     its own mappings; kernel/user isolation comes from the two L4s.
 *   - The hypervisor's L4 slots (256-271) are never the guest's to write.
 *   - A frame that is not RAM (device memory, firmware) may be mapped only by
 *     a domain with I/O access, never if it is one of the hypervisor's own
 *     devices, read-only if the hypervisor shares it read-only, and with a
 *     cacheable attribute turned into uncached, as Xen does.
 *
 * Nothing here touches the frame table: page_ref.c calls these before it
 * takes any reference, so a refused entry changes nothing.
 */
#include <xen/errno.h>
#include <xen/lib.h>
#include <asm/mm.h>
#include <asm/pv_mm.h>

/* Bits any guest entry may carry, besides the frame number. */
#define PTE_GUEST_OK                                                                               \
    (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_AVAIL |          \
     PTE_AVAIL_HI)

int pte_check_flags(unsigned int level, pte_t e, const struct pt_policy *p)
{
    pte_t ok = PTE_GUEST_OK | (p->nx_ok ? _PAGE_NX : 0);

    ASSERT(level >= 1 && level <= 4);
    if ( !(e & _PAGE_PRESENT) )
        return 0; /* the hardware ignores every other bit */
    if ( level == 1 )
    {
        ok |= _PAGE_GLOBAL;
        if ( p->io_caps )
            ok |= PTE_CACHE;
    }
    return (PTE_FLAGS(e) & ~ok) ? -EINVAL : 0;
}

pte_t pte_merge_ad(pte_t new, pte_t cur)
{
    /* A/D the hardware set on the mapping being replaced stay set. */
    if ( (new &_PAGE_PRESENT) && (cur & _PAGE_PRESENT) && PTE_MFN(new) == PTE_MFN(cur) )
        return new | (cur & PTE_AD);
    return new;
}

int pte_check_io(pte_t *e, enum frame_kind kind, const struct pt_policy *p)
{
    pte_t cache = *e & PTE_CACHE;

    if ( PTE_MFN(*e) == PTE_INVALID_MFN )
        return -EINVAL; /* the conventional "no frame": not an access attempt */
    if ( !p->io_caps || kind == FRAME_FORBIDDEN || kind == FRAME_RAM )
        return -EPERM;
    if ( kind == FRAME_IO_RO )
        *e &= ~_PAGE_RW;
    /* Write-back, write-through and write-protect become uncached on devices. */
    if ( cache == 0 || cache == _PAGE_PWT || cache == (_PAGE_PWT | _PAGE_PAT) )
        *e = (*e & ~PTE_CACHE) | _PAGE_PWT | _PAGE_PCD;
    return 0;
}
