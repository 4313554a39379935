/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests of the buddy allocator (xen/common/page_alloc.c) on a fake machine
 * of FAKE_FRAMES frames (fake_frames.h): every order, natural alignment,
 * coalescing back to the exact starting free lists, exhaustion, random
 * sequences against the allocator's invariants, double frees, the two
 * heaps, zones, and scrubbing (memory starts full of garbage).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness.h"
#include "fake_frames.h"

#include <xen/lib.h>

#define FAKE_DOMAIN ((struct domain *)0x1000)

struct snapshot
{
    unsigned long free[NR_HEAPS];
    unsigned long blocks[NR_HEAPS][MAX_ORDER + 1];
    unsigned long dirty;
};

static void take_snapshot(struct snapshot *s)
{
    for ( unsigned int h = 0; h < NR_HEAPS; h++ )
    {
        s->free[h] = heap_free_pages(h);
        for ( unsigned int j = 0; j <= MAX_ORDER; j++ )
            s->blocks[h][j] = heap_free_blocks(h, j);
    }
    s->dirty = heap_dirty_pages();
}

static void assert_same_free_lists(const struct snapshot *a, const struct snapshot *b)
{
    for ( unsigned int h = 0; h < NR_HEAPS; h++ )
    {
        assert_int_equal(a->free[h], b->free[h]);
        for ( unsigned int j = 0; j <= MAX_ORDER; j++ )
            if ( a->blocks[h][j] != b->blocks[h][j] )
                fail_msg("heap %u order %u: %lu blocks, expected %lu", h, j, b->blocks[h][j],
                         a->blocks[h][j]);
    }
}

/* Everything the frame table says agrees with the counters, and free blocks are well formed. */
static void check_invariants(void)
{
    unsigned long free_pages = 0, dirty = 0, heads[MAX_ORDER + 1] = {0};

    for ( unsigned long i = 0; i < FAKE_FRAMES; i++ )
    {
        const struct page_info *pg = fake_page(i);

        free_pages += !!(pg->count_info & PGC_free);
        dirty += !!(pg->count_info & PGC_need_scrub);
        if ( (pg->count_info & PGC_need_scrub) && !(pg->count_info & PGC_free) )
            fail_msg("page %lu dirty but allocated", i);
        if ( !(pg->count_info & PGC_free) || pg->v.free.order == ~0u )
            continue;
        assert_true(pg->v.free.order <= FAKE_ORDER);
        heads[pg->v.free.order]++;
        if ( !IS_ALIGNED(page_to_mfn(pg), 1UL << pg->v.free.order) )
            fail_msg("free block at page %lu misaligned for order %u", i, pg->v.free.order);
        for ( unsigned long k = 1; k < (1UL << pg->v.free.order); k++ )
            if ( !(pg[k].count_info & PGC_free) || pg[k].v.free.order != ~0u )
                fail_msg("page %lu of the free block at %lu is not a free tail", i + k, i);
    }
    assert_int_equal(free_pages, heap_free_pages(HEAP_XEN) + heap_free_pages(HEAP_DOM));
    assert_int_equal(dirty, heap_dirty_pages());
    for ( unsigned int j = 0; j <= MAX_ORDER; j++ )
    {
        unsigned long blocks = heap_free_blocks(HEAP_XEN, j) + heap_free_blocks(HEAP_DOM, j);

        assert_int_equal(heads[j], blocks);
    }
}

static int setup_dom(void **state)
{
    harness_reset();
    fake_frames_reset();
    init_heap_pages(HEAP_DOM, fake_page(0), FAKE_FRAMES);
    return 0;
}

static void test_init_makes_one_dirty_block(void **state)
{
    assert_int_equal(heap_free_pages(HEAP_DOM), FAKE_FRAMES);
    assert_int_equal(heap_free_pages(HEAP_XEN), 0);
    assert_int_equal(heap_free_blocks(HEAP_DOM, FAKE_ORDER), 1);
    for ( unsigned int j = 0; j < FAKE_ORDER; j++ )
        assert_int_equal(heap_free_blocks(HEAP_DOM, j), 0);
    assert_int_equal(heap_dirty_pages(), FAKE_FRAMES);
    check_invariants();
}

static void test_every_order_aligned_and_restored(void **state)
{
    struct snapshot start, now;

    take_snapshot(&start);
    for ( unsigned int order = 0; order <= FAKE_ORDER; order++ )
    {
        struct page_info *pg = alloc_domheap_pages(NULL, order, 0);

        assert_non_null(pg);
        assert_true(IS_ALIGNED(page_to_mfn(pg), 1UL << order));
        assert_int_equal(heap_free_pages(HEAP_DOM), FAKE_FRAMES - (1UL << order));
        /* Splitting an order-12 block leaves one free block of each order in between. */
        for ( unsigned int j = order; j < FAKE_ORDER; j++ )
            assert_int_equal(heap_free_blocks(HEAP_DOM, j), 1);
        check_invariants();
        free_domheap_pages(pg, order);
        take_snapshot(&now);
        assert_same_free_lists(&start, &now);
    }
    assert_null(alloc_domheap_pages(NULL, FAKE_ORDER + 1, 0));
    assert_null(alloc_domheap_pages(NULL, MAX_ORDER + 1, 0));
}

/* Take every frame one by one, then give them back in a scrambled order. */
static void test_exhaustion_and_coalescing(void **state)
{
    static struct page_info *pages[FAKE_FRAMES];
    struct snapshot start, now;

    take_snapshot(&start);
    for ( unsigned long i = 0; i < FAKE_FRAMES; i++ )
    {
        pages[i] = alloc_domheap_pages(NULL, 0, 0);
        assert_non_null(pages[i]);
    }
    assert_null(alloc_domheap_pages(NULL, 0, 0));
    assert_int_equal(heap_free_pages(HEAP_DOM), 0);
    check_invariants();
    for ( unsigned long i = 0; i < FAKE_FRAMES; i++ ) /* 1031 is prime: a permutation */
        free_domheap_pages(pages[(i * 1031) % FAKE_FRAMES], 0);
    check_invariants();
    take_snapshot(&now);
    assert_same_free_lists(&start, &now);
    assert_int_equal(heap_dirty_pages(), FAKE_FRAMES);
}

static unsigned long lcg(unsigned long *seed)
{
    *seed = *seed * 6364136223846793005UL + 1442695040888963407UL;
    return *seed >> 33;
}

/* Random allocations and frees: blocks never overlap, invariants always hold. */
static void test_random_sequences(void **state)
{
    static struct page_info *pg[256];
    static unsigned int ord[256];
    static unsigned char owner[FAKE_FRAMES];
    struct snapshot start, now;
    unsigned long seed = 99;

    take_snapshot(&start);
    memset(owner, 0, sizeof(owner));
    for ( unsigned int step = 0; step < 3000; step++ )
    {
        unsigned int slot = lcg(&seed) % 256;

        if ( pg[slot] )
        {
            memset(owner + fake_index(pg[slot]), 0, 1UL << ord[slot]);
            free_domheap_pages(pg[slot], ord[slot]);
            pg[slot] = NULL;
        }
        else
        {
            ord[slot] = lcg(&seed) % 7;
            pg[slot] = alloc_domheap_pages(NULL, ord[slot], 0);
            for ( unsigned long k = 0; pg[slot] && k < (1UL << ord[slot]); k++ )
            {
                assert_int_equal(owner[fake_index(pg[slot]) + k], 0);
                owner[fake_index(pg[slot]) + k] = 1;
            }
        }
        if ( step % 50 == 0 )
            check_invariants();
    }
    for ( unsigned int slot = 0; slot < 256; slot++ )
        if ( pg[slot] )
            free_domheap_pages(pg[slot], ord[slot]);
    check_invariants();
    take_snapshot(&now);
    assert_same_free_lists(&start, &now);
}

static void test_double_free_is_a_bug(void **state)
{
    struct page_info *a = alloc_domheap_pages(NULL, 0, 0);
    struct page_info *b = alloc_domheap_pages(NULL, 2, 0);
    struct snapshot before, after;

    free_domheap_pages(a, 0);
    take_snapshot(&before);
    expect_bug(free_domheap_pages(a, 0));
    assert_non_null(strstr(harness_last_bug(), "double free"));
    expect_bug(free_domheap_pages(b + 1, 1));                      /* misaligned for its order */
    expect_bug(free_domheap_pages(fake_page(FAKE_FRAMES - 1), 0)); /* never allocated */
    expect_bug(free_xenheap_pages(page_to_virt(b), 2));            /* wrong heap */
    assert_int_equal(harness_locks_held(), 0);
    take_snapshot(&after);
    assert_same_free_lists(&before, &after);
    check_invariants();
    free_domheap_pages(b, 2);
    check_invariants();
}

static void test_owner_assigned(void **state)
{
    struct page_info *pg = alloc_domheap_pages(FAKE_DOMAIN, 1, 0);

    assert_non_null(pg);
    for ( unsigned int i = 0; i < 2; i++ )
    {
        assert_ptr_equal(pg[i].v.owner, FAKE_DOMAIN);
        assert_int_equal(pg[i].count_info & PGC_count_mask, 1);
        assert_true(pg[i].count_info & PGC_allocated);
    }
    free_domheap_pages(pg, 1);
    assert_true(pg->count_info & PGC_free);
    assert_false(pg->count_info & PGC_allocated);
}

/* Memory starts as garbage: allocations come back zeroed unless MEMF_no_scrub. */
static void test_allocations_are_scrubbed(void **state)
{
    struct page_info *pg = alloc_domheap_pages(NULL, 3, 0);
    struct page_info *raw = alloc_domheap_pages(NULL, 0, MEMF_no_scrub);

    assert_non_null(pg);
    assert_true(page_is(page_to_virt(pg), 0, 8 * PAGE_SIZE));
    assert_true(page_is(page_to_virt(raw), FAKE_GARBAGE, PAGE_SIZE));
    assert_false(raw->count_info & PGC_need_scrub);
    assert_int_equal(heap_dirty_pages(), FAKE_FRAMES - 9);
    check_invariants();

    /* Freed data is dirty again and never handed out. */
    memset(page_to_virt(pg), 0x77, 8 * PAGE_SIZE);
    free_domheap_pages(pg, 3);
    assert_int_equal(heap_dirty_pages(), FAKE_FRAMES - 1);
    for ( unsigned long i = 0; i < FAKE_FRAMES - 1; i++ )
    {
        struct page_info *p = alloc_domheap_pages(NULL, 0, 0);

        assert_non_null(p);
        assert_true(page_is(page_to_virt(p), 0, PAGE_SIZE));
    }
    assert_int_equal(heap_dirty_pages(), 0);
}

/* The background scrubber: bounded batches, all memory zero at the end, then idle. */
static void test_background_scrub(void **state)
{
    struct snapshot start, now;
    unsigned long calls = 0, prev = heap_dirty_pages();

    take_snapshot(&start);
    while ( heap_dirty_pages() && calls++ < 10 * FAKE_FRAMES )
    {
        scrub_free_pages();
        assert_true(heap_dirty_pages() < prev);       /* progress every call */
        assert_true(prev - heap_dirty_pages() <= 16); /* but a bounded batch */
        prev = heap_dirty_pages();
        if ( calls % 64 == 0 )
            check_invariants();
    }
    assert_int_equal(heap_dirty_pages(), 0);
    assert_true(page_is(fake_mem, 0, FAKE_FRAMES * PAGE_SIZE));
    scrub_free_pages(); /* nothing to do */
    assert_int_equal(harness_locks_held(), 0);
    take_snapshot(&now);
    start.dirty = now.dirty;
    assert_same_free_lists(&start, &now);
    check_invariants();
}

/* The xen heap borrows from the domain heap; pages go home when freed; never the reverse. */
static void test_two_heaps(void **state)
{
    void *big, *extra;
    struct page_info *pg;

    fake_frames_reset();
    init_heap_pages(HEAP_XEN, fake_page(0), FAKE_FRAMES / 2);
    init_heap_pages(HEAP_DOM, fake_page(FAKE_FRAMES / 2), FAKE_FRAMES / 2);
    big = alloc_xenheap_pages(FAKE_ORDER - 1);
    assert_non_null(big);
    assert_int_equal(fake_index(virt_to_page(big)), 0);
    assert_true(page_is(big, 0, PAGE_SIZE << (FAKE_ORDER - 1)));
    extra = alloc_xenheap_pages(0); /* xen heap empty: borrowed */
    assert_non_null(extra);
    assert_true(fake_index(virt_to_page(extra)) >= FAKE_FRAMES / 2);
    assert_int_equal(heap_free_pages(HEAP_DOM), FAKE_FRAMES / 2 - 1);
    free_xenheap_pages(extra, 0);
    assert_int_equal(heap_free_pages(HEAP_DOM), FAKE_FRAMES / 2);
    assert_int_equal(heap_free_pages(HEAP_XEN), 0);

    pg = alloc_domheap_pages(NULL, FAKE_ORDER - 1, 0);
    assert_non_null(pg);
    assert_null(alloc_domheap_pages(NULL, 0, 0)); /* does not raid the xen heap */
    free_domheap_pages(pg, FAKE_ORDER - 1);
    free_xenheap_pages(big, FAKE_ORDER - 1);
    free_xenheap_pages(NULL, 0);
    assert_int_equal(heap_free_blocks(HEAP_XEN, FAKE_ORDER - 1), 1);
    assert_int_equal(heap_free_blocks(HEAP_DOM, FAKE_ORDER - 1), 1);
    assert_int_equal(heap_free_blocks(HEAP_DOM, FAKE_ORDER), 0); /* no merge across heaps */
    check_invariants();
}

/* Frames without a page_info split the range: no block spans them. */
static void test_hole_blocks_merging(void **state)
{
    fake_frames_reset();
    fake_hole_start = frametable_base_mfn + 1024;
    fake_hole_end = fake_hole_start + 128;
    init_heap_pages(HEAP_DOM, fake_page(0), 1024);
    init_heap_pages(HEAP_DOM, fake_page(1152), FAKE_FRAMES - 1152);
    assert_int_equal(heap_free_pages(HEAP_DOM), FAKE_FRAMES - 128);
    /* [0,1024) stays alone; [1152,2048) is 128+256+512 whose buddies reach into the hole. */
    for ( unsigned int j = 7; j <= 11; j++ )
        assert_int_equal(heap_free_blocks(HEAP_DOM, j), 1);
    assert_int_equal(heap_free_blocks(HEAP_DOM, FAKE_ORDER), 0);
    check_invariants();
}

/* MEMF_bits: nothing below the fake machine's zone, something at it. */
static void test_address_limits(void **state)
{
    unsigned int bits = 64 - __builtin_clzl(frametable_base_mfn) + PAGE_SHIFT;
    struct page_info *pg;

    assert_null(alloc_domheap_pages(NULL, 0, MEMF_bits(bits - 1)));
    assert_null(alloc_domheap_pages(NULL, 0, MEMF_bits(PAGE_SHIFT)));
    pg = alloc_domheap_pages(NULL, 0, MEMF_bits(bits));
    assert_non_null(pg);
    assert_true(pfn_to_paddr(page_to_mfn(pg)) < (1UL << bits));
    free_domheap_pages(pg, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_init_makes_one_dirty_block, setup_dom),
        cmocka_unit_test_setup(test_every_order_aligned_and_restored, setup_dom),
        cmocka_unit_test_setup(test_exhaustion_and_coalescing, setup_dom),
        cmocka_unit_test_setup(test_random_sequences, setup_dom),
        cmocka_unit_test_setup(test_double_free_is_a_bug, setup_dom),
        cmocka_unit_test_setup(test_owner_assigned, setup_dom),
        cmocka_unit_test_setup(test_allocations_are_scrubbed, setup_dom),
        cmocka_unit_test_setup(test_background_scrub, setup_dom),
        cmocka_unit_test_setup(test_two_heaps, setup_dom),
        cmocka_unit_test_setup(test_hole_blocks_merging, setup_dom),
        cmocka_unit_test_setup(test_address_limits, setup_dom),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
