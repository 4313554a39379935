/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The page allocator: binary buddy heaps over the frame table.
 *
 * Theory of operation
 * -------------------
 * Free memory is kept in naturally aligned blocks of 2^order frames
 * (0 <= order <= MAX_ORDER). A free block is described by its first
 * page_info (the head): PGC_free, v.free.order and v.free.first_dirty; all
 * its other pages carry PGC_free and an invalid order, so a page is the head
 * of a free block of order k exactly when it is free and says k. Freeing a
 * block looks up its buddy (mfn ^ 2^order): if that is the head of a free
 * block of the same order, in the same heap and zone, the two merge and the
 * search goes on one order up. Allocation takes the smallest free block that
 * fits and splits it, returning the upper halves to the free lists.
 *
 * There are two heaps with separate free lists. The xen heap is a reserve for
 * the hypervisor's own allocations (alloc_xenheap_pages, xmalloc); the domain
 * heap holds everything else and feeds guests. The xen heap borrows from the
 * domain heap when it runs dry, never the other way round, so guests cannot
 * starve the hypervisor. Each page remembers its heap (PGC_pool_xen) and
 * returns to it when freed. All RAM is direct-mapped, so both heaps' pages
 * have hypervisor virtual addresses.
 *
 * Within a heap, free lists are also split by zone: zone z holds frames in
 * [2^(z-1), 2^z), so a caller that needs memory below some address
 * (MEMF_bits, e.g. for 32-bit DMA) looks only at low zones, and everybody
 * else takes the highest zone first, which keeps low memory for those who
 * need it. Buddies never merge across zones.
 *
 * Scrubbing: a freed page may hold a guest's secrets, so it is marked
 * PGC_need_scrub, and so is all memory at boot (its contents are unknown).
 * Nobody gets such a page: allocation erases flagged pages (after dropping
 * the lock). To keep that cost off the allocation path, scrub_free_pages(),
 * called from the idle loop, erases small batches of free pages. Boot never
 * waits for it. Each free block records the first page that may be dirty
 * (v.free.first_dirty, or INVALID_DIRTY when the block is clean); clean
 * blocks sit at the head of their free list and are allocated first, dirty
 * ones at the tail where the scrubber finds them. The per-page flag is the
 * truth; first_dirty is a lower bound that only saves scanning.
 *
 * Locking: heap_lock (taken with interrupts off, as allocation may happen in
 * interrupt context) protects the free lists, the counters below and every
 * field of a free page. Allocated pages belong to their caller. The lock is
 * a leaf: nothing else is taken while it is held.
 *
 * The code touches page tables nowhere: it reaches memory only through
 * page_to_virt(), so host unit tests drive it with a frame table of their
 * own (init_heap_pages() on any mfn range).
 */
#include <xen/console.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/spinlock.h>
#include <asm/mm.h>

#define NR_ZONES      (64 - PAGE_SHIFT + 1) /* zone = bit length of the mfn */
#define INVALID_ORDER (~0u)
#define INVALID_DIRTY (~0u)
#define SCRUB_BATCH   16 /* pages erased per scrub_free_pages() call */

struct heap
{
    struct page_list_head free[NR_ZONES][MAX_ORDER + 1];
    unsigned long free_pages;
    unsigned long free_blocks[MAX_ORDER + 1];
};

static DEFINE_SPINLOCK(heap_lock);
static struct heap heaps[NR_HEAPS]; /* protected by heap_lock */
static unsigned long dirty_pages;   /* free pages with PGC_need_scrub; heap_lock */

static unsigned int zone_of(mfn_t mfn)
{
    return mfn ? 64 - (unsigned int)__builtin_clzl(mfn) : 0;
}

static enum heap_id heap_of(const struct page_info *pg)
{
    return (pg->count_info & PGC_pool_xen) ? HEAP_XEN : HEAP_DOM;
}

static struct page_list_head *free_list(const struct page_info *head, unsigned int order)
{
    return &heaps[heap_of(head)].free[zone_of(page_to_mfn(head))][order];
}

/* Put a free block on its list: clean ones first, dirty ones last. */
static void insert_block(struct page_info *head, unsigned int order, unsigned int first_dirty)
{
    struct heap *h = &heaps[heap_of(head)];

    head->v.free.order = order;
    head->v.free.first_dirty = first_dirty;
    if ( first_dirty == INVALID_DIRTY )
        page_list_add(head, free_list(head, order));
    else
        page_list_add_tail(head, free_list(head, order));
    h->free_blocks[order]++;
}

static void remove_block(struct page_info *head, unsigned int order)
{
    page_list_del(head, free_list(head, order));
    heaps[heap_of(head)].free_blocks[order]--;
    head->v.free.order = INVALID_ORDER;
}

/* first_dirty of a merged block, from its halves' (upper one offset by half). */
static unsigned int merge_dirty(unsigned int lower, unsigned int upper, unsigned int half)
{
    if ( lower != INVALID_DIRTY )
        return lower;
    return upper == INVALID_DIRTY ? INVALID_DIRTY : upper + half;
}

/* The head of the free block of this order that pg's block can merge with, or NULL. */
static struct page_info *free_buddy(const struct page_info *pg, unsigned int order)
{
    mfn_t mfn = page_to_mfn(pg), buddy_mfn = mfn ^ (1UL << order);
    struct page_info *buddy;

    if ( !mfn_valid(buddy_mfn) || zone_of(buddy_mfn) != zone_of(mfn) )
        return NULL;
    buddy = mfn_to_page(buddy_mfn);
    if ( !(buddy->count_info & PGC_free) || buddy->v.free.order != order ||
         heap_of(buddy) != heap_of(pg) )
        return NULL;
    return buddy;
}

/* Merge a free block with its free buddies and list the result. heap_lock held. */
static void coalesce_and_insert(struct page_info *pg, unsigned int order, unsigned int dirty)
{
    struct page_info *buddy;

    while ( order < MAX_ORDER && (buddy = free_buddy(pg, order)) != NULL )
    {
        unsigned int half = 1u << order;

        remove_block(buddy, order);
        if ( buddy < pg )
        {
            dirty = merge_dirty(buddy->v.free.first_dirty, dirty, half);
            pg->v.free.order = INVALID_ORDER;
            pg = buddy;
        }
        else
            dirty = merge_dirty(dirty, buddy->v.free.first_dirty, half);
        order++;
    }
    insert_block(pg, order, dirty);
}

/* A block being freed must be aligned, described, and entirely allocated. */
static void check_freeable(const struct page_info *pg, unsigned int order)
{
    mfn_t mfn = page_to_mfn(pg);

    BUG_ON(order > MAX_ORDER);
    BUG_ON(!IS_ALIGNED(mfn, 1UL << order));
    for ( unsigned long i = 0; i < (1UL << order); i++ )
    {
        BUG_ON(!mfn_valid(mfn + i));
        if ( pg[i].count_info & PGC_free )
            __bug(__FILE__, __LINE__, "double free: page already free");
    }
}

/*
 * Return a block to the free lists of its pages' heap. The checks run before
 * the lock is taken so that a BUG leaves the allocator intact.
 */
static void free_heap_pages(struct page_info *pg, unsigned int order)
{
    unsigned long n = 1UL << order, flags;

    check_freeable(pg, order);
    flags = spin_lock_irqsave(&heap_lock);
    for ( unsigned long i = 0; i < n; i++ )
    {
        pg[i].count_info = (pg[i].count_info & PGC_pool_xen) | PGC_free | PGC_need_scrub;
        pg[i].u.type_info = 0;
        pg[i].v.free.order = INVALID_ORDER;
        pg[i].v.free.first_dirty = INVALID_DIRTY;
    }
    heaps[heap_of(pg)].free_pages += n;
    dirty_pages += n;
    coalesce_and_insert(pg, order, 0);
    spin_unlock_irqrestore(&heap_lock, flags);
}

/* Split a free block down to order, listing the upper halves. heap_lock held. */
static void split_block(struct page_info *pg, unsigned int have, unsigned int want,
                        unsigned int dirty)
{
    while ( have > want )
    {
        unsigned int half = 1u << --have;
        unsigned int upper_dirty = dirty == INVALID_DIRTY ? INVALID_DIRTY
                                   : dirty < half         ? 0
                                                          : dirty - half;

        insert_block(pg + half, have, upper_dirty);
        if ( dirty != INVALID_DIRTY && dirty >= half )
            dirty = INVALID_DIRTY;
    }
}

/* The first free block of at least order in zones [zlo, zhi], highest zone first. */
static struct page_info *find_block(struct heap *h, unsigned int zlo, unsigned int zhi,
                                    unsigned int order, unsigned int *found)
{
    for ( unsigned int z = zhi + 1; z-- > zlo; )
        for ( unsigned int j = order; j <= MAX_ORDER; j++ )
            if ( !page_list_empty(&h->free[z][j]) )
            {
                *found = j;
                return page_list_first(&h->free[z][j]);
            }
    return NULL;
}

/* Erase the pages of an allocated block that are still flagged dirty. */
static void scrub_allocated(struct page_info *pg, unsigned long n)
{
    for ( unsigned long i = 0; i < n; i++ )
        if ( pg[i].count_info & PGC_need_scrub )
        {
            memset(page_to_virt(&pg[i]), 0, PAGE_SIZE);
            pg[i].count_info &= ~PGC_need_scrub;
        }
}

static struct page_info *alloc_heap_pages(enum heap_id heap, unsigned int zone_hi,
                                          unsigned int order, unsigned int memflags)
{
    struct heap *h = &heaps[heap];
    unsigned long n = 1UL << order, flags, dirty = 0;
    struct page_info *pg;
    unsigned int found, first_dirty;

    if ( order > MAX_ORDER )
        return NULL;
    flags = spin_lock_irqsave(&heap_lock);
    pg = find_block(h, 0, zone_hi, order, &found);
    if ( !pg )
    {
        spin_unlock_irqrestore(&heap_lock, flags);
        return NULL;
    }
    first_dirty = pg->v.free.first_dirty;
    remove_block(pg, found);
    split_block(pg, found, order, first_dirty);
    for ( unsigned long i = 0; i < n; i++ )
    {
        ASSERT(pg[i].count_info & PGC_free);
        dirty += !!(pg[i].count_info & PGC_need_scrub);
        pg[i].count_info &= PGC_pool_xen | PGC_need_scrub;
        pg[i].v.owner = NULL;
    }
    h->free_pages -= n;
    dirty_pages -= dirty;
    spin_unlock_irqrestore(&heap_lock, flags);

    if ( memflags & MEMF_no_scrub )
        for ( unsigned long i = 0; i < n; i++ )
            pg[i].count_info &= ~PGC_need_scrub;
    else if ( dirty )
        scrub_allocated(pg, n);
    return pg;
}

void init_heap_pages(enum heap_id heap, struct page_info *pg, unsigned long nr)
{
    mfn_t mfn = page_to_mfn(pg), end = mfn + nr;

    for ( unsigned long i = 0; i < nr; i++ )
    {
        BUG_ON(pg[i].count_info & PGC_free);
        pg[i].count_info = heap == HEAP_XEN ? PGC_pool_xen : 0;
    }
    while ( mfn < end )
    {
        unsigned int order = mfn ? (unsigned int)__builtin_ctzl(mfn) : MAX_ORDER;

        order = min(order, (unsigned int)(63 - __builtin_clzl(end - mfn)));
        order = min(order, (unsigned int)MAX_ORDER);
        free_heap_pages(mfn_to_page(mfn), order);
        mfn += 1UL << order;
    }
}

void *alloc_xenheap_pages(unsigned int order)
{
    struct page_info *pg = alloc_heap_pages(HEAP_XEN, NR_ZONES - 1, order, 0);

    if ( !pg )
        pg = alloc_heap_pages(HEAP_DOM, NR_ZONES - 1, order, 0);
    if ( !pg )
        return NULL;
    for ( unsigned long i = 0; i < (1UL << order); i++ )
        pg[i].count_info |= PGC_xen_heap;
    return page_to_virt(pg);
}

void free_xenheap_pages(void *va, unsigned int order)
{
    struct page_info *pg;

    if ( !va )
        return;
    BUG_ON(!IS_ALIGNED((unsigned long)va, PAGE_SIZE));
    pg = virt_to_page(va);
    for ( unsigned long i = 0; i < (1UL << order); i++ )
        BUG_ON(!(pg[i].count_info & PGC_xen_heap) || (pg[i].count_info & PGC_free));
    free_heap_pages(pg, order);
}

struct page_info *alloc_domheap_pages(struct domain *d, unsigned int order, unsigned int memflags)
{
    unsigned int bits = MEMF_bits(memflags), zone_hi = NR_ZONES - 1;
    struct page_info *pg;

    if ( bits )
    {
        if ( bits <= PAGE_SHIFT )
            return NULL;
        zone_hi = min(zone_hi, bits - PAGE_SHIFT);
    }
    pg = alloc_heap_pages(HEAP_DOM, zone_hi, order, memflags);
    if ( !pg || !d )
        return pg;
    for ( unsigned long i = 0; i < (1UL << order); i++ )
    {
        pg[i].v.owner = d;
        pg[i].count_info |= PGC_allocated | 1;
    }
    return pg;
}

void free_domheap_pages(struct page_info *pg, unsigned int order)
{
    if ( !pg )
        return;
    for ( unsigned long i = 0; i < (1UL << order); i++ )
        BUG_ON((pg[i].count_info & PGC_xen_heap) && !(pg[i].count_info & PGC_free));
    free_heap_pages(pg, order);
}

/* The dirty free block the scrubber should work on next, or NULL. heap_lock held. */
static struct page_info *next_dirty_block(unsigned int *order)
{
    for ( unsigned int h = 0; h < NR_HEAPS; h++ )
        for ( unsigned int z = 0; z < NR_ZONES; z++ )
            for ( unsigned int j = 0; j <= MAX_ORDER; j++ )
            {
                struct page_info *pg = page_list_last(&heaps[h].free[z][j]);

                if ( pg && pg->v.free.first_dirty != INVALID_DIRTY )
                {
                    *order = j;
                    return pg;
                }
            }
    return NULL;
}

void scrub_free_pages(void)
{
    unsigned long flags, n, i, limit;
    unsigned int order, done = 0;
    struct page_info *pg;

    if ( !ACCESS_ONCE(dirty_pages) )
        return;
    flags = spin_lock_irqsave(&heap_lock);
    pg = next_dirty_block(&order);
    if ( !pg )
        goto out;
    n = 1UL << order;
    /* Bounded work under the lock: SCRUB_BATCH pages erased, 64 times that scanned. */
    limit = min(n, (unsigned long)pg->v.free.first_dirty + 64 * SCRUB_BATCH);
    for ( i = pg->v.free.first_dirty; i < limit && done < SCRUB_BATCH; i++ )
        if ( pg[i].count_info & PGC_need_scrub )
        {
            memset(page_to_virt(&pg[i]), 0, PAGE_SIZE);
            pg[i].count_info &= ~PGC_need_scrub;
            dirty_pages--;
            done++;
        }
    if ( i == n )
    {
        remove_block(pg, order);
        insert_block(pg, order, INVALID_DIRTY); /* now clean: to the head */
    }
    else
        pg->v.free.first_dirty = (unsigned int)i;
out:
    spin_unlock_irqrestore(&heap_lock, flags);
}

unsigned long heap_free_pages(enum heap_id heap)
{
    unsigned long flags = spin_lock_irqsave(&heap_lock), n = heaps[heap].free_pages;

    spin_unlock_irqrestore(&heap_lock, flags);
    return n;
}

unsigned long heap_free_blocks(enum heap_id heap, unsigned int order)
{
    unsigned long flags = spin_lock_irqsave(&heap_lock), n = heaps[heap].free_blocks[order];

    spin_unlock_irqrestore(&heap_lock, flags);
    return n;
}

unsigned long heap_dirty_pages(void)
{
    return ACCESS_ONCE(dirty_pages);
}

void heap_init(void)
{
    for ( unsigned int h = 0; h < NR_HEAPS; h++ )
    {
        for ( unsigned int z = 0; z < NR_ZONES; z++ )
            for ( unsigned int j = 0; j <= MAX_ORDER; j++ )
                page_list_init(&heaps[h].free[z][j]);
        heaps[h].free_pages = 0;
        for ( unsigned int j = 0; j <= MAX_ORDER; j++ )
            heaps[h].free_blocks[j] = 0;
    }
    dirty_pages = 0;
}

static void dump_heaps(char key)
{
    static const char *const names[NR_HEAPS] = {"xen heap", "domain heap"};

    printk("'%c' pressed -> dumping heap info\n", key);
    for ( unsigned int h = 0; h < NR_HEAPS; h++ )
    {
        printk("%s: %lu free pages (%lu MiB)\n", names[h], heap_free_pages(h),
               heap_free_pages(h) >> (20 - PAGE_SHIFT));
        for ( unsigned int j = 0; j <= MAX_ORDER; j++ )
            if ( heap_free_blocks(h, j) )
                printk("  order %2u: %lu blocks\n", j, heap_free_blocks(h, j));
    }
    printk("pages waiting to be scrubbed: %lu\n", heap_dirty_pages());
}
register_keyhandler('m', dump_heaps, "dump heap info");
