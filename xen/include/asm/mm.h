/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The frame table: one struct page_info per machine frame.
 *
 * Theory of operation
 * -------------------
 * A paravirtualised guest builds its own page tables out of frames it owns,
 * and the hypervisor lets the hardware walk them. That is only safe if no
 * guest can ever write a frame that is in use as a page table, and no frame
 * is used as a page table before its entries have been checked. Two counts
 * per frame enforce this:
 *
 *   - The general reference count (count_info & PGC_count_mask) says how many
 *     things hold the frame: a mapping in some page table, a grant, the
 *     domain's own allocation reference (PGC_allocated), a hypervisor
 *     mapping. While it is non-zero the frame cannot be freed, so it can
 *     never change owner under a live reference.
 *
 *   - The type (type_info & PGT_type_mask) says what the frame is being used
 *     as, and the type count how many uses of that kind exist. A frame has
 *     one type at a time. Taking a type reference of a different type than
 *     the current one is allowed only while the type count is zero.
 *
 * The invariant that follows: a frame is mapped writable (anywhere a guest
 * can reach) only while its type is PGT_writable_page, and it is used as a
 * level-N page table (referenced from a level-N+1 entry or loaded in CR3)
 * only while its type is PGT_lN_page_table with PGT_validated set, i.e.
 * after every entry in it was checked to reference frames the guest may map
 * in the way it asks. A writable mapping therefore holds a writable type
 * reference, which keeps the frame from becoming a page table, and a page
 * table's type reference keeps it from being mapped writable. Pinning
 * (PGT_pinned) holds one extra type reference so a guest can keep a table
 * validated while nothing references it.
 *
 * Free frames (PGC_free) belong to the buddy allocator: their list link
 * chains them in a free list, v.free says the block order and where the
 * first page that may still hold old data is. PGC_need_scrub marks a free
 * page whose previous contents were not yet erased.
 *
 * Locking: the fields of a free page are protected by the heap lock
 * (common/page_alloc.c). Allocated pages belong to whoever allocated them;
 * count_info and type_info of pages owned by a domain will be updated with
 * atomic compare-and-exchange by the PV MMU code.
 */
#ifndef ASM_MM_H
#define ASM_MM_H

#include <xen/lib.h>
#include <xen/types.h>
#include <asm/page.h>

struct domain;

/* Links in a page list are frame-table indices, so page_info stays 32 bytes. */
#define PAGE_LIST_NULL (~0u)
struct page_list_entry
{
    u32 next, prev;
};
struct page_list_head
{
    u32 first, last;
};
#define PAGE_LIST_HEAD_INIT                                                                        \
    {                                                                                              \
        PAGE_LIST_NULL, PAGE_LIST_NULL                                                             \
    }

struct page_info
{
    struct page_list_entry list; /* free list, or the owner's page list */
    unsigned long count_info;    /* PGC_* flags and the general reference count */
    union
    {
        unsigned long type_info; /* allocated: PGT_* type, flags and type count */
        struct
        {
            u32 class_shift; /* xmalloc: size class of the blocks carved here */
            u32 magic;       /* xmalloc: XMALLOC_PAGE_MAGIC while it holds blocks */
        } xmalloc;
    } u;
    union
    {
        struct domain *owner; /* allocated: owning domain, NULL for the hypervisor */
        struct
        {
            u32 order;       /* head page of a free block: its order */
            u32 first_dirty; /* index of the first page that may need scrubbing, or ~0 */
        } free;
    } v;
};

BUILD_BUG_ON(sizeof(struct page_info) != 32);

/* count_info */
#define PGC_allocated  (1UL << 63) /* the owning domain holds a reference */
#define PGC_xen_heap   (1UL << 62) /* allocated through alloc_xenheap_pages() */
#define PGC_free       (1UL << 61) /* in a buddy free list (every page of the block) */
#define PGC_need_scrub (1UL << 60) /* free, previous contents not yet erased */
#define PGC_pool_xen   (1UL << 59) /* belongs to the xen heap's pool (else the domain heap's) */
#define PGC_xmalloc    (1UL << 58) /* head of a large xmalloc() block; order in v.free.order */
#define PGC_count_mask ((1UL << 48) - 1)

/* type_info */
#define PGT_type_shift       61
#define PGT_type_mask        (7UL << PGT_type_shift)
#define PGT_none             (0UL << PGT_type_shift) /* no special use: may be mapped any way */
#define PGT_l1_page_table    (1UL << PGT_type_shift)
#define PGT_l2_page_table    (2UL << PGT_type_shift)
#define PGT_l3_page_table    (3UL << PGT_type_shift)
#define PGT_l4_page_table    (4UL << PGT_type_shift)
#define PGT_seg_desc_page    (5UL << PGT_type_shift) /* GDT/LDT frame */
#define PGT_shared_page      (6UL << PGT_type_shift) /* reserved for memory sharing */
#define PGT_writable_page    (7UL << PGT_type_shift) /* mapped writable somewhere */
#define PGT_pinned           (1UL << 60)             /* pinned by the guest: +1 type reference */
#define PGT_validated        (1UL << 59)             /* entries checked for the current type */
#define PGT_partial          (1UL << 58)             /* validation preempted half way */
#define PGT_count_mask       ((1UL << 48) - 1)
#define PGT_type_equal(a, b) ((((a) ^ (b)) & PGT_type_mask) == 0)

/*
 * frame_table[i] describes frame frametable_base_mfn + i. On the hypervisor
 * the table lives at FRAMETABLE_VIRT_START and the base is 0; host unit
 * tests point both at a frame table of their own.
 */
extern struct page_info *frame_table;
extern unsigned long frametable_base_mfn;
extern unsigned long max_page; /* one past the highest frame of RAM */

/* Does mfn have a page_info (is its frame-table page populated)? */
bool mfn_valid(mfn_t mfn);

static inline struct page_info *mfn_to_page(mfn_t mfn)
{
    return frame_table + (mfn - frametable_base_mfn);
}

static inline mfn_t page_to_mfn(const struct page_info *pg)
{
    return frametable_base_mfn + (mfn_t)(pg - frame_table);
}

/* Frame-table index, as stored in page list links. */
static inline u32 page_to_pdx(const struct page_info *pg)
{
    return (u32)(pg - frame_table);
}

static inline struct page_info *pdx_to_page(u32 pdx)
{
    return frame_table + pdx;
}

static inline void *page_to_virt(const struct page_info *pg)
{
    return mfn_to_virt(page_to_mfn(pg));
}

static inline struct page_info *virt_to_page(const void *va)
{
    return mfn_to_page(virt_to_mfn(va));
}

static inline paddr_t page_to_maddr(const struct page_info *pg)
{
    return pfn_to_paddr(page_to_mfn(pg));
}

/*
 * The idle page table's leaf entry for va, with the permissions that apply
 * (RW and USER only if every level allows them, NX if any level sets it);
 * 0 if unmapped. *level is where the walk ended (1 = 4 KiB page).
 */
pte_t lookup_pte(unsigned long va, unsigned int *level);

/* Boot modules are never allocated: a checksum taken before anything ran proves it. */
struct boot_module;
u64 module_checksum(const struct boot_module *m, const void *va);
extern u64 module_checksums[]; /* per boot_info.modules[i], at memory_init() */

/* ---- the boot allocator (arch/x86/boot_alloc.c) ---- */

struct e820entry;
void boot_alloc_init(const struct e820entry *map, unsigned int n); /* RAM above 1 MiB */
void boot_alloc_reserve(paddr_t start, paddr_t end);               /* never hand out [start, end) */
void boot_alloc_set_limit(paddr_t limit);                          /* allocate below limit only */
mfn_t alloc_boot_pages(unsigned long nr, unsigned long align);     /* first frame; panics if none */
unsigned long boot_free_pages(void);
void end_boot_allocator(void (*give)(mfn_t s, mfn_t e)); /* pass the rest on; closes it */

/* ---- page lists (doubly linked through frame-table indices) ---- */

static inline void page_list_init(struct page_list_head *h)
{
    h->first = h->last = PAGE_LIST_NULL;
}

static inline bool page_list_empty(const struct page_list_head *h)
{
    return h->first == PAGE_LIST_NULL;
}

static inline struct page_info *page_list_first(const struct page_list_head *h)
{
    return h->first == PAGE_LIST_NULL ? NULL : pdx_to_page(h->first);
}

static inline struct page_info *page_list_last(const struct page_list_head *h)
{
    return h->last == PAGE_LIST_NULL ? NULL : pdx_to_page(h->last);
}

static inline struct page_info *page_list_next(const struct page_info *pg)
{
    return pg->list.next == PAGE_LIST_NULL ? NULL : pdx_to_page(pg->list.next);
}

static inline struct page_info *page_list_prev(const struct page_info *pg)
{
    return pg->list.prev == PAGE_LIST_NULL ? NULL : pdx_to_page(pg->list.prev);
}

static inline void page_list_add(struct page_info *pg, struct page_list_head *h)
{
    u32 idx = page_to_pdx(pg);

    pg->list.prev = PAGE_LIST_NULL;
    pg->list.next = h->first;
    if ( h->first == PAGE_LIST_NULL )
        h->last = idx;
    else
        pdx_to_page(h->first)->list.prev = idx;
    h->first = idx;
}

static inline void page_list_add_tail(struct page_info *pg, struct page_list_head *h)
{
    u32 idx = page_to_pdx(pg);

    pg->list.next = PAGE_LIST_NULL;
    pg->list.prev = h->last;
    if ( h->last == PAGE_LIST_NULL )
        h->first = idx;
    else
        pdx_to_page(h->last)->list.next = idx;
    h->last = idx;
}

static inline void page_list_del(struct page_info *pg, struct page_list_head *h)
{
    if ( pg->list.prev == PAGE_LIST_NULL )
        h->first = pg->list.next;
    else
        pdx_to_page(pg->list.prev)->list.next = pg->list.next;
    if ( pg->list.next == PAGE_LIST_NULL )
        h->last = pg->list.prev;
    else
        pdx_to_page(pg->list.next)->list.prev = pg->list.prev;
    pg->list.next = pg->list.prev = PAGE_LIST_NULL;
}

#define page_list_for_each(pos, head)                                                              \
    for ( (pos) = page_list_first(head); (pos); (pos) = page_list_next(pos) )

#endif
