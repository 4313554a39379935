/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A fake machine for host tests of the page allocator and xmalloc: a frame
 * table of FAKE_FRAMES entries describing a real host buffer.
 *
 * The allocator reaches page contents only through page_to_virt(), i.e.
 * DIRECTMAP_VIRT_START + (mfn << PAGE_SHIFT). Choosing the first mfn as
 * (buffer - DIRECTMAP_VIRT_START) >> PAGE_SHIFT (unsigned arithmetic wraps)
 * makes that address land exactly in the buffer, so scrubbing and xmalloc
 * really write memory that ASan watches. The buffer is aligned to its size,
 * so the first mfn is aligned to FAKE_FRAMES and the whole range can form a
 * single buddy block.
 */
#ifndef TEST_UNIT_FAKE_FRAMES_H
#define TEST_UNIT_FAKE_FRAMES_H

#include <stdlib.h>
#include <string.h>

#include <xen/mm.h>
#include <asm/mm.h>

#define FAKE_ORDER   12
#define FAKE_FRAMES  (1UL << FAKE_ORDER)
#define FAKE_GARBAGE 0xee /* what "old contents" look like */

struct page_info *frame_table;
unsigned long frametable_base_mfn, max_page;
static struct page_info fake_ft[FAKE_FRAMES];
static unsigned char *fake_mem;
static mfn_t fake_hole_start, fake_hole_end; /* frames without a page_info */

bool mfn_valid(mfn_t mfn)
{
    return mfn >= frametable_base_mfn && mfn < max_page &&
           !(mfn >= fake_hole_start && mfn < fake_hole_end);
}

/* A fresh machine: zeroed frame table, memory full of garbage, empty heaps. */
static void fake_frames_reset(void)
{
    if ( !fake_mem )
        fake_mem = aligned_alloc(FAKE_FRAMES * PAGE_SIZE, FAKE_FRAMES * PAGE_SIZE);
    assert_non_null(fake_mem);
    memset(fake_mem, FAKE_GARBAGE, FAKE_FRAMES * PAGE_SIZE);
    memset(fake_ft, 0, sizeof(fake_ft));
    frame_table = fake_ft;
    frametable_base_mfn = ((unsigned long)fake_mem - DIRECTMAP_VIRT_START) >> PAGE_SHIFT;
    max_page = frametable_base_mfn + FAKE_FRAMES;
    fake_hole_start = fake_hole_end = 0;
    heap_init();
}

static inline struct page_info *fake_page(unsigned long i)
{
    return &fake_ft[i];
}

/* Index of a page in the fake machine. */
static inline unsigned long fake_index(const struct page_info *pg)
{
    return (unsigned long)(pg - fake_ft);
}

static inline bool page_is(const void *va, unsigned char byte, size_t len)
{
    const unsigned char *p = va;

    for ( size_t i = 0; i < len; i++ )
        if ( p[i] != byte )
            return false;
    return true;
}

#endif
