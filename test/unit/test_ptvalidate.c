/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests of the guest page-table entry rules (xen/arch/x86/pv/ptvalidate.c).
 *
 * The expected verdicts come from the architecture, written here as plain
 * numbers (which PTE bits a guest may set at each level), not from the
 * code's own masks: every combination of the low flag bits, with and
 * without NX and the software-available high bits, at each level, for a
 * domain with and without I/O access and with NX on and off.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness.h"

#include <xen/errno.h>
#include <xen/lib.h>
#include <asm/pv_mm.h>

/* Low 12 bits a guest may set: P RW US A D (0x67), avail 9-11 (0xe00); L1 adds G (0x100). */
#define OK_LOW_UPPER 0xe67UL
#define OK_LOW_L1    0xf67UL
#define OK_LOW_L1_IO 0xfffUL /* with I/O access: PWT PCD PAT too */
#define HIGH_AVAIL   0x7ff0000000000000UL
#define NX           0x8000000000000000UL
#define SOME_FRAME   0x0000000123456000UL

static unsigned long allowed_low(unsigned int level, bool io)
{
    if ( level > 1 )
        return OK_LOW_UPPER;
    return io ? OK_LOW_L1_IO : OK_LOW_L1;
}

static void check_all_low_combinations(unsigned int level, bool io, bool nx)
{
    struct pt_policy p = {.io_caps = io, .nx_ok = nx};
    unsigned int refused = 0;

    for ( unsigned long low = 0; low < 0x1000; low++ )
    {
        for ( unsigned int hi = 0; hi < 4; hi++ )
        {
            pte_t e = SOME_FRAME | low | (hi & 1 ? HIGH_AVAIL : 0) | (hi & 2 ? NX : 0);
            bool present = low & 1;
            bool bad = present && ((low & ~allowed_low(level, io)) || ((hi & 2) && !nx));
            int rc = pte_check_flags(level, e, &p);

            if ( rc != (bad ? -EINVAL : 0) )
                fail_msg("level %u io %d nx %d entry %#lx: got %d", level, io, nx, e, rc);
            refused += bad;
        }
    }
    /* Sanity of the expectation itself: never everything; nothing only where all is allowed. */
    assert_true(refused < 0x1000 * 4);
    assert_int_equal(refused == 0, level == 1 && io && nx);
}

static void test_flags_every_combination(void **state)
{
    for ( unsigned int level = 1; level <= 4; level++ )
        for ( int io = 0; io < 2; io++ )
            for ( int nx = 0; nx < 2; nx++ )
                check_all_low_combinations(level, io, nx);
}

static void test_flags_named_cases(void **state)
{
    struct pt_policy domu = {.io_caps = false, .nx_ok = true};
    struct pt_policy dom0 = {.io_caps = true, .nx_ok = true};
    pte_t rw = SOME_FRAME | _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY;

    assert_int_equal(pte_check_flags(1, rw, &domu), 0);
    assert_int_equal(pte_check_flags(2, rw | _PAGE_PSE, &dom0), -EINVAL); /* no superpages */
    assert_int_equal(pte_check_flags(3, rw | _PAGE_PSE, &dom0), -EINVAL);
    assert_int_equal(pte_check_flags(1, rw | _PAGE_PAT, &domu), -EINVAL); /* bit 7 is PAT in L1 */
    assert_int_equal(pte_check_flags(1, rw | _PAGE_PAT, &dom0), 0);
    assert_int_equal(pte_check_flags(1, rw | _PAGE_PCD, &domu), -EINVAL);
    assert_int_equal(pte_check_flags(4, rw | _PAGE_PCD, &dom0), -EINVAL);
    assert_int_equal(pte_check_flags(1, rw | _PAGE_GLOBAL, &domu), 0);
    assert_int_equal(pte_check_flags(2, rw | _PAGE_GLOBAL, &domu), -EINVAL);
    assert_int_equal(pte_check_flags(1, rw | NX, &domu), 0);
    assert_int_equal(pte_check_flags(1, rw | NX, &(struct pt_policy){.nx_ok = false}), -EINVAL);
    /* Not present: the hardware ignores the rest, so does the check. */
    assert_int_equal(pte_check_flags(2, ~1UL, &domu), 0);
}

static void test_hypervisor_slots(void **state)
{
    for ( unsigned int slot = 0; slot < 512; slot++ )
    {
        bool xen = slot >= 256 && slot < 272;

        assert_int_equal(pt_slot_guest_writable(4, slot), !xen);
        for ( unsigned int level = 1; level <= 3; level++ )
            assert_true(pt_slot_guest_writable(level, slot));
    }
}

static void test_adjust_forces_user(void **state)
{
    for ( unsigned int level = 1; level <= 4; level++ )
    {
        assert_int_equal(pte_adjust_guest(level, SOME_FRAME | 0x3), SOME_FRAME | 0x7);
        assert_int_equal(pte_adjust_guest(level, SOME_FRAME | 0x7), SOME_FRAME | 0x7);
        /* A not-present entry is the guest's business: left as it is. */
        assert_int_equal(pte_adjust_guest(level, SOME_FRAME | 0x2), SOME_FRAME | 0x2);
    }
}

static void test_merge_ad(void **state)
{
    pte_t cur = SOME_FRAME | 0x67, other = 0x0000000999999000UL | 0x67;

    assert_int_equal(pte_merge_ad(SOME_FRAME | 0x7, cur), SOME_FRAME | 0x67);
    assert_int_equal(pte_merge_ad(SOME_FRAME | 0x5, SOME_FRAME | 0x25), SOME_FRAME | 0x25);
    /* Another frame: its A/D say nothing about the new one. */
    assert_int_equal(pte_merge_ad(SOME_FRAME | 0x7, other), SOME_FRAME | 0x7);
    /* Unmapping stays an unmapping. */
    assert_int_equal(pte_merge_ad(0, cur), 0);
    assert_int_equal(pte_merge_ad(SOME_FRAME | 0x7, cur & ~1UL), SOME_FRAME | 0x7);
}

struct io_case
{
    enum frame_kind kind;
    bool io_caps;
    pte_t in;
    int rc;
    pte_t out;
};

static void test_io_frames(void **state)
{
    const pte_t f = 0xfed00000UL, base = f | 0x67;
    const struct io_case cases[] = {
        /* Write-back asked: forced uncached (PCD|PWT), RW kept. */
        {FRAME_IO, true, base, 0, base | 0x18},
        /* Write-through and write-protect (PWT, PWT|PAT): uncached too. */
        {FRAME_IO, true, base | 0x08, 0, base | 0x18},
        {FRAME_IO, true, base | 0x88, 0, base | 0x18},
        /* UC- (PCD) and WC-style (PAT) choices are kept. */
        {FRAME_IO, true, base | 0x10, 0, base | 0x10},
        {FRAME_IO, true, base | 0x80, 0, base | 0x80},
        /* Shared read-only device memory loses RW. */
        {FRAME_IO_RO, true, base, 0, (base & ~2UL) | 0x18},
        /* No I/O access, the hypervisor's devices, RAM: refused. */
        {FRAME_IO, false, base, -EPERM, base},
        {FRAME_FORBIDDEN, true, base, -EPERM, base},
        {FRAME_RAM, true, base, -EPERM, base},
        /* All-ones frame number: the "invalid MFN" Xen answers -EINVAL for. */
        {FRAME_IO, false, PADDR_MASK | 0x67, -EINVAL, PADDR_MASK | 0x67},
        {FRAME_FORBIDDEN, true, PADDR_MASK | 0x67, -EINVAL, PADDR_MASK | 0x67},
    };

    for ( unsigned int i = 0; i < ARRAY_SIZE(cases); i++ )
    {
        struct pt_policy p = {.io_caps = cases[i].io_caps, .nx_ok = true};
        pte_t e = cases[i].in;
        int rc = pte_check_io(&e, cases[i].kind, &p);

        if ( rc != cases[i].rc || e != cases[i].out )
            fail_msg("case %u: rc %d entry %#lx, want %d %#lx", i, rc, e, cases[i].rc,
                     cases[i].out);
    }
}

static void test_type_levels(void **state)
{
    assert_int_equal(pt_type_below(2), PGT_l1_page_table);
    assert_int_equal(pt_type_below(3), PGT_l2_page_table);
    assert_int_equal(pt_type_below(4), PGT_l3_page_table);
    assert_int_equal(pt_level_of_type(PGT_l1_page_table | PGT_validated | 5), 1);
    assert_int_equal(pt_level_of_type(PGT_l4_page_table | PGT_pinned), 4);
    assert_int_equal(pt_level_of_type(PGT_writable_page | 1), 0);
    assert_int_equal(pt_level_of_type(PGT_none), 0);
    assert_int_equal(pt_level_of_type(PGT_seg_desc_page), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_flags_every_combination, harness_setup),
        cmocka_unit_test_setup(test_flags_named_cases, harness_setup),
        cmocka_unit_test_setup(test_hypervisor_slots, harness_setup),
        cmocka_unit_test_setup(test_adjust_forces_user, harness_setup),
        cmocka_unit_test_setup(test_merge_ad, harness_setup),
        cmocka_unit_test_setup(test_io_frames, harness_setup),
        cmocka_unit_test_setup(test_type_levels, harness_setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
