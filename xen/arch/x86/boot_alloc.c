/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The boot allocator: frames for the page tables, the frame table and the
 * M2P, before the heaps exist (the heaps need the frame table).
 *
 * It keeps a short sorted list of free frame ranges: the e820 RAM above
 * 1 MiB, minus the hypervisor image and the boot modules (the dom0 kernel
 * and initrd must survive until dom0 is built). Memory below 1 MiB is never
 * handed out: the SMP trampoline and the BIOS data live there. Allocations
 * come from the top of the highest range below the current limit, which
 * memory_init() keeps at 4 GiB while only the boot page tables' direct map
 * of the first 4 GiB exists. end_boot_allocator() passes what is left to
 * the heaps and closes it.
 *
 * Boot runs on one CPU, so there is no lock.
 */
#include <xen/lib.h>
#include <xen/mm.h>
#include <asm/e820.h>
#include <asm/mm.h>

#define MAX_RANGES (E820_MAX + 2 * MAX_BOOT_MODULES + 8)

struct frame_range
{
    mfn_t s, e; /* [s, e) */
};

static struct frame_range ranges[MAX_RANGES];
static unsigned int nr_ranges;
static mfn_t limit_mfn = ~0UL;
static bool closed;

static void add_range(mfn_t s, mfn_t e)
{
    unsigned int i = nr_ranges;

    if ( s >= e )
        return;
    if ( nr_ranges == MAX_RANGES )
        panic("boot allocator: too many free ranges");
    for ( ; i && ranges[i - 1].s > s; i-- )
        ranges[i] = ranges[i - 1];
    ranges[i] = (struct frame_range){s, e};
    nr_ranges++;
}

static void remove_index(unsigned int i)
{
    for ( ; i + 1 < nr_ranges; i++ )
        ranges[i] = ranges[i + 1];
    nr_ranges--;
}

void boot_alloc_init(const struct e820entry *map, unsigned int n)
{
    const mfn_t low = paddr_to_pfn(1UL << 20);

    nr_ranges = 0;
    closed = false;
    limit_mfn = ~0UL;
    for ( unsigned int i = 0; i < n; i++ )
    {
        mfn_t s = paddr_to_pfn(ROUNDUP(map[i].addr, PAGE_SIZE));
        mfn_t e = paddr_to_pfn(map[i].addr + map[i].size);

        if ( map[i].type == E820_RAM )
            add_range(max(s, low), e);
    }
}

void boot_alloc_reserve(paddr_t start, paddr_t end)
{
    mfn_t s = paddr_to_pfn(start), e = paddr_to_pfn(ROUNDUP(end, PAGE_SIZE));

    for ( unsigned int i = 0; i < nr_ranges; i++ )
    {
        struct frame_range r = ranges[i];

        if ( r.e <= s || r.s >= e )
            continue;
        remove_index(i);
        add_range(r.s, min(r.e, s));
        add_range(max(r.s, e), r.e);
        i = (unsigned int)-1; /* the list changed: start over */
    }
}

void boot_alloc_set_limit(paddr_t limit)
{
    limit_mfn = paddr_to_pfn(limit);
}

mfn_t alloc_boot_pages(unsigned long nr, unsigned long align)
{
    BUG_ON(closed || !nr || !align || (align & (align - 1)));
    for ( unsigned int i = nr_ranges; i--; )
    {
        mfn_t e = min(ranges[i].e, limit_mfn), s;

        if ( e < ranges[i].s + nr )
            continue;
        s = ROUNDDOWN(e - nr, align);
        if ( s < ranges[i].s )
            continue;
        boot_alloc_reserve(pfn_to_paddr(s), pfn_to_paddr(s + nr));
        return s;
    }
    panic("boot allocator: no room for %lu pages (aligned to %lu) below %#lx", nr, align,
          pfn_to_paddr(limit_mfn));
}

unsigned long boot_free_pages(void)
{
    unsigned long n = 0;

    for ( unsigned int i = 0; i < nr_ranges; i++ )
        n += ranges[i].e - ranges[i].s;
    return n;
}

void end_boot_allocator(void (*give)(mfn_t s, mfn_t e))
{
    closed = true;
    for ( unsigned int i = 0; i < nr_ranges; i++ )
        give(ranges[i].s, ranges[i].e);
    nr_ranges = 0;
}
