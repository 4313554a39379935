/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests of xmalloc (xen/common/xmalloc.c) over the real page allocator on a
 * fake machine (fake_frames.h): size classes and alignment, the switch to
 * whole pages for large sizes, reuse of freed blocks, zeroing, and the
 * misuse it promises to catch (double free of small and large blocks,
 * foreign pointers).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness.h"
#include "fake_frames.h"

#include <xen/lib.h>

void xmalloc_reset(void);

static int setup(void **state)
{
    harness_reset();
    fake_frames_reset();
    xmalloc_reset();
    init_heap_pages(HEAP_XEN, fake_page(0), FAKE_FRAMES);
    return 0;
}

static bool in_fake_memory(const void *p, size_t len)
{
    const unsigned char *c = p;

    return c >= fake_mem && c + len <= fake_mem + FAKE_FRAMES * PAGE_SIZE;
}

/* Every small size: 16-byte aligned, inside the heap, not page aligned, usable. */
static void test_small_sizes(void **state)
{
    static unsigned char *p[2033];

    for ( size_t size = 0; size <= 2032; size++ )
    {
        p[size] = xmalloc_bytes(size);
        assert_non_null(p[size]);
        assert_true(IS_ALIGNED((unsigned long)p[size], 16));
        assert_false(IS_ALIGNED((unsigned long)p[size], PAGE_SIZE));
        assert_true(in_fake_memory(p[size], size));
        memset(p[size], size & 0xff, size);
    }
    for ( size_t size = 0; size <= 2032; size++ )
        assert_true(page_is(p[size], size & 0xff, size)); /* nobody overlapped */
    for ( size_t size = 0; size <= 2032; size++ )
        xfree(p[size]);
}

/* Sizes that fit a class with the header go small; above, whole pages. */
static void test_large_sizes_take_pages(void **state)
{
    unsigned long free0 = heap_free_pages(HEAP_XEN);
    void *small = xmalloc_bytes(2032), *large = xmalloc_bytes(2033);
    void *big = xmalloc_bytes(5 * PAGE_SIZE); /* order 3 */

    assert_non_null(large);
    assert_true(IS_ALIGNED((unsigned long)large, PAGE_SIZE));
    assert_true(IS_ALIGNED((unsigned long)big, PAGE_SIZE));
    assert_true(IS_ALIGNED(page_to_mfn(virt_to_page(big)), 8));
    /* One page carved for the 2 KiB class, one for 2033 bytes, eight for 20 KiB. */
    assert_int_equal(heap_free_pages(HEAP_XEN), free0 - 1 - 1 - 8);
    xfree(big);
    xfree(large);
    assert_int_equal(heap_free_pages(HEAP_XEN), free0 - 1);
    xfree(small); /* small-class pages stay with their class */
    assert_int_equal(heap_free_pages(HEAP_XEN), free0 - 1);
    assert_null(xmalloc_bytes((PAGE_SIZE << MAX_ORDER) + 1));
}

/* A freed small block is the next one handed out in its class; pages are reused. */
static void test_reuse(void **state)
{
    void *a = xmalloc_bytes(100), *b, *c;
    unsigned long free_after;

    xfree(a);
    b = xmalloc_bytes(112); /* same 128-byte class */
    assert_ptr_equal(a, b);
    c = xmalloc_bytes(100);
    assert_ptr_not_equal(b, c);
    free_after = heap_free_pages(HEAP_XEN);
    for ( unsigned int round = 0; round < 3; round++ )
    {
        void *v[64];

        for ( unsigned int i = 0; i < 64; i++ )
            v[i] = xmalloc_bytes(40 + i * 8);
        for ( unsigned int i = 0; i < 64; i++ )
            xfree(v[i]);
        if ( round == 0 )
            free_after = heap_free_pages(HEAP_XEN);
        else
            assert_int_equal(heap_free_pages(HEAP_XEN), free_after); /* no growth */
    }
    xfree(b);
    xfree(c);
}

/* xzalloc zeroes, also memory that held data (the fake machine starts as garbage). */
static void test_xzalloc_zeroes(void **state)
{
    unsigned char *p = xmalloc_bytes(500);

    memset(p, 0x5a, 500);
    xfree(p);
    p = xzalloc_bytes(500);
    assert_true(page_is(p, 0, 500));
    xfree(p);
    p = xzalloc_bytes(3 * PAGE_SIZE);
    assert_true(page_is(p, 0, 3 * PAGE_SIZE));
    xfree(p);
}

static void test_misuse_is_a_bug(void **state)
{
    unsigned char *small = xmalloc_bytes(64), *large = xmalloc_bytes(3 * PAGE_SIZE);
    unsigned char *other = xmalloc_bytes(64);

    xfree(NULL);
    xfree(small);
    expect_bug(xfree(small));
    assert_non_null(strstr(harness_last_bug(), "double free"));
    xfree(large);
    expect_bug(xfree(large));
    expect_bug(xfree(other + 16)); /* not the start of a block */
    assert_int_equal(harness_locks_held(), 0);
    /* The allocator is intact: the class still works and hands out the freed block. */
    assert_ptr_equal(xmalloc_bytes(64), small);
    xfree(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_small_sizes, setup),
        cmocka_unit_test_setup(test_large_sizes_take_pages, setup),
        cmocka_unit_test_setup(test_reuse, setup),
        cmocka_unit_test_setup(test_xzalloc_zeroes, setup),
        cmocka_unit_test_setup(test_misuse_is_a_bug, setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
