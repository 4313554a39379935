/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests of the e820 sanitiser (xen/arch/x86/e820.c): unsorted, overlapping,
 * adjacent and empty ranges must come out as the exact expected table, with
 * overlaps resolved in favour of the more restrictive type, and the
 * function must never write beyond the capacity it is given.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness.h"

#include <xen/lib.h>
#include <asm/e820.h>

#define E(a, s, t) ((struct e820entry){(a), (s), (t)})

static void assert_map(const struct e820entry *got, unsigned int n, const struct e820entry *want,
                       unsigned int nwant)
{
    assert_int_equal(n, nwant);
    for ( unsigned int i = 0; i < n; i++ )
    {
        if ( got[i].addr != want[i].addr || got[i].size != want[i].size ||
             got[i].type != want[i].type )
            fail_msg("entry %u: got [%#lx +%#lx type %u], want [%#lx +%#lx type %u]", i,
                     (unsigned long)got[i].addr, (unsigned long)got[i].size, got[i].type,
                     (unsigned long)want[i].addr, (unsigned long)want[i].size, want[i].type);
    }
}

/* What QEMU's BIOS reports for -m 128M, shuffled, with a duplicate. */
static void test_qemu_map_unsorted(void **state)
{
    struct e820entry map[E820_MAX] = {
        E(0x100000, 0x7ee0000, E820_RAM),
        E(0xfffc0000, 0x40000, E820_RESERVED),
        E(0, 0x9fc00, E820_RAM),
        E(0x9fc00, 0x400, E820_RESERVED),
        E(0x7fe0000, 0x20000, E820_RESERVED),
        E(0xf0000, 0x10000, E820_RESERVED),
        E(0, 0x9fc00, E820_RAM),
    };
    const struct e820entry want[] = {
        E(0, 0x9fc00, E820_RAM),
        E(0x9fc00, 0x400, E820_RESERVED),
        E(0xf0000, 0x10000, E820_RESERVED),
        E(0x100000, 0x7ee0000, E820_RAM),
        E(0x7fe0000, 0x20000, E820_RESERVED),
        E(0xfffc0000, 0x40000, E820_RESERVED),
    };

    assert_map(map, e820_sanitise(map, 7, E820_MAX), want, ARRAY_SIZE(want));
    assert_int_equal(e820_ram_total(map, ARRAY_SIZE(want)), 0x9fc00 + 0x7ee0000);
}

/* Reserved inside RAM splits it; RAM overlapping reserved loses the overlap. */
static void test_overlap_restrictive_wins(void **state)
{
    struct e820entry map[E820_MAX] = {
        E(0x0, 0x100000, E820_RAM),
        E(0x80000, 0x1000, E820_RESERVED), /* punches a hole in the RAM */
        E(0x200000, 0x200000, E820_RAM),
        E(0x300000, 0x200000, E820_ACPI), /* overlaps the RAM's tail */
        E(0x480000, 0x100000, E820_NVS),  /* overlaps the ACPI's tail: NVS wins */
    };
    const struct e820entry want[] = {
        E(0x0, 0x80000, E820_RAM),        E(0x80000, 0x1000, E820_RESERVED),
        E(0x81000, 0x7f000, E820_RAM),    E(0x200000, 0x100000, E820_RAM),
        E(0x300000, 0x180000, E820_ACPI), E(0x480000, 0x100000, E820_NVS),
    };

    assert_map(map, e820_sanitise(map, 5, E820_MAX), want, ARRAY_SIZE(want));
}

/* The same range under every type: the ranking is reserved > unusable > NVS > ACPI > RAM. */
static void test_type_ranking(void **state)
{
    static const u32 order[] = {E820_RAM, E820_ACPI, E820_NVS, E820_UNUSABLE, E820_RESERVED};

    for ( unsigned int top = 0; top < ARRAY_SIZE(order); top++ )
    {
        struct e820entry map[E820_MAX];
        unsigned int n = 0;

        /* Every type up to `top`, most restrictive listed first and last. */
        for ( unsigned int i = top + 1; i--; )
            map[n++] = E(0x1000, 0x1000, order[i]);
        map[n++] = E(0x1000, 0x1000, order[0]);
        n = e820_sanitise(map, n, E820_MAX);
        assert_int_equal(n, 1);
        assert_int_equal(map[0].type, order[top]);
        assert_int_equal(map[0].addr, 0x1000);
        assert_int_equal(map[0].size, 0x1000);
    }
}

/* Neighbours of one type merge; different types and gaps do not; empties vanish. */
static void test_merge_and_drop_empty(void **state)
{
    struct e820entry map[E820_MAX] = {
        E(0x3000, 0x1000, E820_RAM), E(0x1000, 0x1000, E820_RAM),  E(0x2000, 0x1000, E820_RAM),
        E(0x5000, 0, E820_RESERVED), E(0x4000, 0x1000, E820_ACPI), E(0x6000, 0x1000, E820_ACPI),
        E(0x8000, 0, E820_RAM),
    };
    const struct e820entry want[] = {
        E(0x1000, 0x3000, E820_RAM),
        E(0x4000, 0x1000, E820_ACPI),
        E(0x6000, 0x1000, E820_ACPI),
    };

    assert_map(map, e820_sanitise(map, 7, E820_MAX), want, ARRAY_SIZE(want));
    assert_int_equal(e820_sanitise(map, 0, E820_MAX), 0);
}

/* A type we do not know survives and beats RAM. */
static void test_unknown_type_kept(void **state)
{
    struct e820entry map[E820_MAX] = {E(0, 0x10000, E820_RAM), E(0x8000, 0x1000, 12)};
    const struct e820entry want[] = {E(0, 0x8000, E820_RAM), E(0x8000, 0x1000, 12),
                                     E(0x9000, 0x7000, E820_RAM)};

    assert_map(map, e820_sanitise(map, 2, E820_MAX), want, ARRAY_SIZE(want));
}

/* A range reaching the top of the address space does not wrap around. */
static void test_top_of_address_space(void **state)
{
    struct e820entry map[E820_MAX] = {
        E(0xfffffffffffff000UL, 0x1000, E820_RESERVED),
        E(0xffffffffffffe000UL, 0x2000, E820_RAM),
    };

    assert_int_equal(e820_sanitise(map, 2, E820_MAX), 2);
    assert_int_equal(map[0].addr, 0xffffffffffffe000UL);
    assert_int_equal(map[0].size, 0x1000);
    assert_int_equal(map[0].type, E820_RAM);
    assert_int_equal(map[1].addr, 0xfffffffffffff000UL);
    assert_int_equal(map[1].type, E820_RESERVED);
}

/* Splitting can need more entries than given: output stops at max, lowest ranges kept. */
static void test_capacity_respected(void **state)
{
    struct e820entry map[8] = {
        E(0, 0x10000, E820_RAM),
        E(0x2000, 0x1000, E820_RESERVED),
        E(0x6000, 0x1000, E820_RESERVED),
    };
    const struct e820entry guard = E(0xdead, 0xbeef, 77);

    map[4] = guard;
    assert_int_equal(e820_sanitise(map, 3, 4), 4); /* 5 ranges would be needed */
    assert_int_equal(map[3].addr, 0x6000);
    assert_int_equal(map[3].type, E820_RESERVED);
    assert_int_equal(map[4].addr, guard.addr); /* untouched beyond max */
    assert_int_equal(map[4].type, guard.type);
}

/* Randomised: the output is sorted, disjoint, merged, and every byte keeps its strongest type. */
static void test_random_maps_invariants(void **state)
{
    static const u32 rank_of[] = {0, 1, 5, 2, 3, 4}; /* by type: RAM 1 ... reserved 5 */
    unsigned long seed = 12345;

    for ( unsigned int round = 0; round < 300; round++ )
    {
        struct e820entry in[24], map[E820_MAX];
        unsigned int n = 1 + round % 24, out;

        for ( unsigned int i = 0; i < n; i++ )
        {
            seed = seed * 6364136223846793005UL + 1;
            in[i] = E((seed >> 40) % 64 * 0x1000, (seed >> 20) % 16 * 0x1000, 1 + (seed >> 8) % 5);
            map[i] = in[i];
        }
        out = e820_sanitise(map, n, E820_MAX);
        for ( unsigned int i = 0; i < out; i++ )
        {
            assert_true(map[i].size > 0);
            if ( i )
            {
                assert_true(map[i - 1].addr + map[i - 1].size <= map[i].addr);
                assert_false(map[i - 1].addr + map[i - 1].size == map[i].addr &&
                             map[i - 1].type == map[i].type);
            }
        }
        for ( u64 a = 0; a < 80 * 0x1000; a += 0x1000 )
        {
            u32 want = 0, got = 0;

            for ( unsigned int i = 0; i < n; i++ )
                if ( a >= in[i].addr && a < in[i].addr + in[i].size &&
                     (!want || rank_of[in[i].type] > rank_of[want]) )
                    want = in[i].type;
            for ( unsigned int i = 0; i < out; i++ )
                if ( a >= map[i].addr && a < map[i].addr + map[i].size )
                    got = map[i].type;
            assert_int_equal(got, want);
        }
    }
}

static void test_print_format(void **state)
{
    const struct e820entry map[] = {E(0, 0x9fc00, E820_RAM), E(0xf0000, 0x10000, E820_RESERVED),
                                    E(0x100000, 0x1000, E820_ACPI), E(0x101000, 0x1000, E820_NVS),
                                    E(0x102000, 0x1000, 9)};

    e820_print(map, ARRAY_SIZE(map));
    assert_true(harness_printk_contains(" [0000000000000000, 000000000009fbff] (usable)"));
    assert_true(harness_printk_contains(" [00000000000f0000, 00000000000fffff] (reserved)"));
    assert_true(harness_printk_contains(" [0000000000100000, 0000000000100fff] (ACPI data)"));
    assert_true(harness_printk_contains(" [0000000000101000, 0000000000101fff] (ACPI NVS)"));
    assert_true(harness_printk_contains(" [0000000000102000, 0000000000102fff] (type 9)"));
    assert_int_equal(harness_printk_count(), 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_qemu_map_unsorted, harness_setup),
        cmocka_unit_test_setup(test_overlap_restrictive_wins, harness_setup),
        cmocka_unit_test_setup(test_type_ranking, harness_setup),
        cmocka_unit_test_setup(test_merge_and_drop_empty, harness_setup),
        cmocka_unit_test_setup(test_unknown_type_kept, harness_setup),
        cmocka_unit_test_setup(test_top_of_address_space, harness_setup),
        cmocka_unit_test_setup(test_capacity_respected, harness_setup),
        cmocka_unit_test_setup(test_random_maps_invariants, harness_setup),
        cmocka_unit_test_setup(test_print_format, harness_setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
