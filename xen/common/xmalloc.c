/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xmalloc: the hypervisor's byte allocator, on top of the xen heap.
 *
 * Theory of operation
 * -------------------
 * Small requests are served from power-of-two size classes, 32 to 2048
 * bytes. Every block starts with a 16-byte header (magic, size class, free
 * list link); the caller gets the 16-byte aligned bytes after it. A class
 * takes whole xen-heap pages and carves them into blocks of its size; freed
 * blocks go back to their class's free list, and the pages stay with the
 * class (the hypervisor's small allocations are long-lived, so returning
 * pages is not worth per-page accounting).
 *
 * Requests too big for the largest class get a whole buddy block of the
 * smallest order that fits, page aligned and without a header: the head
 * page's page_info says it is a large xmalloc block (PGC_xmalloc) and
 * records the order. xfree() tells the two apart by alignment, since a small
 * block is never page aligned (its header comes first).
 *
 * Misuse is caught where it is cheap: freeing a small block twice finds the
 * FREE magic in its header, and a pointer that is neither a live small
 * block nor a large block head BUGs.
 *
 * Locking: xmalloc_lock (irqsave) protects the class free lists and the
 * headers of free blocks. The page allocator is called without it held.
 */
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/spinlock.h>
#include <asm/mm.h>

#define MIN_SHIFT        5  /* 32-byte blocks */
#define MAX_SHIFT        11 /* 2048-byte blocks */
#define NR_CLASSES       (MAX_SHIFT - MIN_SHIFT + 1)
#define MAGIC_USED       0x78616c6cu /* "xall" */
#define MAGIC_FREE       0x78667265u /* "xfre" */
#define PAGE_MAGIC_SMALL 0x786d7370u /* page carved into blocks */
#define PAGE_MAGIC_LARGE 0x786d6c67u /* head of a large block */

struct xmalloc_hdr
{
    u32 magic;
    u32 class_shift;
    struct xmalloc_hdr *next; /* free list link, while free */
};

static DEFINE_SPINLOCK(xmalloc_lock);
static struct xmalloc_hdr *free_blocks[NR_CLASSES]; /* protected by xmalloc_lock */

BUILD_BUG_ON(sizeof(struct xmalloc_hdr) != 16);

static unsigned int class_for(size_t size)
{
    unsigned int shift = MIN_SHIFT;

    while ( (1UL << shift) < size + sizeof(struct xmalloc_hdr) )
        shift++;
    return shift;
}

/* Carve a fresh page into blocks of 2^shift bytes and list them. */
static bool grow_class(unsigned int shift)
{
    char *page = alloc_xenheap_pages(0);
    struct page_info *pg;
    unsigned long flags;

    if ( !page )
        return false;
    pg = virt_to_page(page);
    pg->u.xmalloc.class_shift = shift;
    pg->u.xmalloc.magic = PAGE_MAGIC_SMALL;
    flags = spin_lock_irqsave(&xmalloc_lock);
    for ( size_t off = 0; off < PAGE_SIZE; off += 1UL << shift )
    {
        struct xmalloc_hdr *h = (struct xmalloc_hdr *)(page + off);

        h->magic = MAGIC_FREE;
        h->class_shift = shift;
        h->next = free_blocks[shift - MIN_SHIFT];
        free_blocks[shift - MIN_SHIFT] = h;
    }
    spin_unlock_irqrestore(&xmalloc_lock, flags);
    return true;
}

static void *alloc_small(unsigned int shift)
{
    struct xmalloc_hdr *h;
    unsigned long flags;

    do
    {
        flags = spin_lock_irqsave(&xmalloc_lock);
        h = free_blocks[shift - MIN_SHIFT];
        if ( h )
        {
            BUG_ON(h->magic != MAGIC_FREE || h->class_shift != shift);
            free_blocks[shift - MIN_SHIFT] = h->next;
            h->magic = MAGIC_USED;
            h->next = NULL;
        }
        spin_unlock_irqrestore(&xmalloc_lock, flags);
    } while ( !h && grow_class(shift) );
    return h ? h + 1 : NULL;
}

static void *alloc_large(size_t size)
{
    unsigned int order = 0;
    struct page_info *pg;
    void *va;

    while ( (PAGE_SIZE << order) < size )
        if ( ++order > MAX_ORDER )
            return NULL;
    va = alloc_xenheap_pages(order);
    if ( !va )
        return NULL;
    pg = virt_to_page(va);
    pg->count_info |= PGC_xmalloc;
    pg->u.xmalloc.class_shift = PAGE_SHIFT + order;
    pg->u.xmalloc.magic = PAGE_MAGIC_LARGE;
    return va;
}

void *xmalloc_bytes(size_t size)
{
    if ( size + sizeof(struct xmalloc_hdr) <= (1UL << MAX_SHIFT) )
        return alloc_small(class_for(size));
    return alloc_large(size);
}

void *xzalloc_bytes(size_t size)
{
    void *p = xmalloc_bytes(size);

    if ( p )
        memset(p, 0, size);
    return p;
}

static void free_large(void *p)
{
    struct page_info *pg = virt_to_page(p);

    if ( !(pg->count_info & PGC_xmalloc) || pg->u.xmalloc.magic != PAGE_MAGIC_LARGE )
        __bug(__FILE__, __LINE__, "xfree: not a live xmalloc block (double free?)");
    pg->count_info &= ~PGC_xmalloc;
    free_xenheap_pages(p, pg->u.xmalloc.class_shift - PAGE_SHIFT);
}

static void free_small(struct xmalloc_hdr *h)
{
    const struct page_info *pg = virt_to_page(h);
    unsigned int shift = h->class_shift;
    unsigned long flags;

    if ( h->magic == MAGIC_FREE )
        __bug(__FILE__, __LINE__, "xfree: double free");
    if ( h->magic != MAGIC_USED || pg->u.xmalloc.magic != PAGE_MAGIC_SMALL ||
         pg->u.xmalloc.class_shift != shift )
        __bug(__FILE__, __LINE__, "xfree: not an xmalloc block");
    flags = spin_lock_irqsave(&xmalloc_lock);
    h->magic = MAGIC_FREE;
    h->next = free_blocks[shift - MIN_SHIFT];
    free_blocks[shift - MIN_SHIFT] = h;
    spin_unlock_irqrestore(&xmalloc_lock, flags);
}

void xfree(void *p)
{
    if ( !p )
        return;
    if ( IS_ALIGNED((unsigned long)p, PAGE_SIZE) )
        free_large(p);
    else
        free_small((struct xmalloc_hdr *)p - 1);
}

void xmalloc_reset(void);
/* Forget every class free list (host unit tests, after reinitialising the heaps). */
void xmalloc_reset(void)
{
    for ( unsigned int i = 0; i < NR_CLASSES; i++ )
        free_blocks[i] = NULL;
}
