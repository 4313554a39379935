/* SPDX-License-Identifier: GPL-2.0-only */
/* Page-table entry layout and the translations between the hypervisor's views. */
#ifndef ASM_PAGE_H
#define ASM_PAGE_H

#include <xen/config.h>

#define _PAGE_PRESENT  _AC(0x001, UL)
#define _PAGE_RW       _AC(0x002, UL)
#define _PAGE_USER     _AC(0x004, UL)
#define _PAGE_PWT      _AC(0x008, UL)
#define _PAGE_PCD      _AC(0x010, UL)
#define _PAGE_ACCESSED _AC(0x020, UL)
#define _PAGE_DIRTY    _AC(0x040, UL)
#define _PAGE_PSE      _AC(0x080, UL)
#define _PAGE_PAT      _AC(0x080, UL)
#define _PAGE_GLOBAL   _AC(0x100, UL)
#define _PAGE_AVAIL    _AC(0xe00, UL)
#define _PAGE_NX       (_AC(1, UL) << 63)
#define PADDR_MASK     _AC(0x000ffffffffff000, UL)

#define PAGE_HYPERVISOR_RW (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_NX)
#define PAGE_HYPERVISOR_RO (_PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_NX)
#define PAGE_HYPERVISOR_RX (_PAGE_PRESENT | _PAGE_ACCESSED)
#define PAGE_HYPERVISOR_UC (PAGE_HYPERVISOR_RW | _PAGE_PCD | _PAGE_PWT)
#define PAGE_TABLE_FLAGS   (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)

#define L1_ENTRIES   512
#define l1_index(va) (((va) >> PAGE_SHIFT) & 511)
#define l2_index(va) (((va) >> L2_PAGE_SHIFT) & 511)
#define l3_index(va) (((va) >> L3_PAGE_SHIFT) & 511)
#define l4_index(va) (((va) >> L4_PAGE_SHIFT) & 511)

#ifndef __ASSEMBLY__
#include <xen/types.h>

typedef u64 pte_t;

static inline void *__va(paddr_t pa)
{
    return (void *)(pa + DIRECTMAP_VIRT_START);
}

/* Physical address of a direct-map or image address. */
static inline paddr_t __pa(const void *va)
{
    unsigned long v = (unsigned long)va;
    if ( v >= XEN_VIRT_START && v < XEN_VIRT_END )
        return v - XEN_VIRT_START;
    return v - DIRECTMAP_VIRT_START;
}

#define pfn_to_paddr(pfn) ((paddr_t)(pfn) << PAGE_SHIFT)
#define paddr_to_pfn(pa)  ((unsigned long)((pa) >> PAGE_SHIFT))
#define PFN_UP(x)         (((x) + PAGE_SIZE - 1) >> PAGE_SHIFT)
#define mfn_to_virt(mfn)  (__va(pfn_to_paddr(mfn)))
#define virt_to_mfn(va)   (paddr_to_pfn(__pa(va)))

#endif
#endif
