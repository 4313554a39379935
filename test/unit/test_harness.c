/* SPDX-License-Identifier: GPL-2.0-only */
/* Tests of the unit-test harness itself: printk record, BUG capture, locks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "harness.h"

#include <xen/lib.h>
#include <xen/spinlock.h>
#include <xen/time.h>
#include <asm/percpu.h>

static void test_printk_lines(void **state)
{
    assert_string_equal(harness_last_printk(), "");
    printk(XENLOG_WARNING "first %d\n", 1);
    printk("second ");
    assert_string_equal(harness_last_printk(), "second ");
    printk("part %s\n", "two");
    assert_string_equal(harness_last_printk(), "second part two");
    assert_int_equal(harness_printk_count(), 2);
    assert_true(harness_printk_contains("first 1"));
    assert_false(harness_printk_contains("<1>"));
    assert_false(harness_printk_contains("third"));
}

static void test_printk_ring_wraps(void **state)
{
    for ( int i = 0; i < HARNESS_PRINTK_LINES + 5; i++ )
        printk("line %d\n", i);
    assert_int_equal(harness_printk_count(), HARNESS_PRINTK_LINES + 5);
    /* Lines 0..4 fell out of the record; 40..49 remain. */
    assert_int_equal(harness_printk_count_matching("line 0"), 0);
    assert_int_equal(harness_printk_count_matching("line 4"), 10);
    assert_int_equal(harness_printk_count_matching("line 5"), 11);
    assert_string_equal(harness_last_printk(), "line 68");
}

static int do_bug(int x)
{
    BUG_ON(x == 3);
    return x;
}

static void test_expect_bug(void **state)
{
    expect_bug(do_bug(3));
    assert_non_null(strstr(harness_last_bug(), "test/unit/test_harness.c:"));
    assert_non_null(strstr(harness_last_bug(), ": x == 3"));
    assert_int_equal(do_bug(2), 2);
    expect_bug(panic("out of %s", "frames"));
    assert_string_equal(harness_last_bug(), "panic: out of frames");
}

static void test_locks(void **state)
{
    DEFINE_SPINLOCK(a);

    assert_false(spin_is_locked(&a));
    spin_lock(&a);
    assert_true(spin_is_locked_by_me(&a));
    assert_false(spin_trylock(&a));
    assert_int_equal(harness_locks_held(), 1);
    harness_set_cpu(5);
    assert_int_equal(smp_processor_id(), 5);
    assert_false(spin_is_locked_by_me(&a));
    harness_set_cpu(0);
    spin_unlock(&a);
    assert_int_equal(harness_locks_held(), 0);
    assert_false(spin_is_locked(&a));
}

static DEFINE_SPINLOCK(static_lock);

static int bug_while_locked(void)
{
    spin_lock(&static_lock);
    BUG_ON(harness_locks_held() == 1);
    spin_unlock(&static_lock);
    return 0;
}

static void test_reset_releases_locks(void **state)
{
    expect_bug(bug_while_locked());
    assert_true(spin_is_locked(&static_lock));
    assert_int_equal(harness_locks_held(), 1);
    harness_reset();
    assert_false(spin_is_locked(&static_lock));
    assert_int_equal(harness_locks_held(), 0);
    spin_lock(&static_lock); /* would report a deadlock if still held */
    spin_unlock(&static_lock);
}

static void test_time_and_cpu(void **state)
{
    harness_time_ns = 1234567;
    assert_int_equal(NOW(), 1234567);
    harness_set_cpu(3);
    assert_int_equal(smp_processor_id(), 3);
    harness_reset();
    assert_int_equal(NOW(), 0);
    assert_int_equal(smp_processor_id(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_printk_lines, harness_setup),
        cmocka_unit_test_setup(test_printk_ring_wraps, harness_setup),
        cmocka_unit_test_setup(test_expect_bug, harness_setup),
        cmocka_unit_test_setup(test_locks, harness_setup),
        cmocka_unit_test_setup(test_reset_releases_locks, harness_setup),
        cmocka_unit_test_setup(test_time_and_cpu, harness_setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
