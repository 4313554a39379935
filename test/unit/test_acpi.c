/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests of the \_S5 decoder and the checksum (xen/arch/x86/acpi_aml.c):
 * the AML forms firmware really uses (QEMU's, root-prefixed names, byte
 * prefixes, long PkgLengths) decode to the right sleep types, and truncated
 * or malformed bytes are refused without reading past the buffer (ASan).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#include <xen/errno.h>
#include <xen/lib.h>
#include <asm/acpi.h>

/* Decode from an exactly-sized heap copy, so ASan catches any overread. */
static int find_s5(const u8 *aml, size_t len, u16 *a, u16 *b)
{
    u8 *copy = malloc(len ? len : 1);
    int rc;

    memcpy(copy, aml, len);
    rc = acpi_find_s5(copy, len, a, b);
    free(copy);
    return rc;
}

#define S5_NAME 0x08, '_', 'S', '5', '_'

/* QEMU's DSDT: Name (_S5, Package (0x04) { Zero, Zero, Zero, Zero }). */
static void test_qemu_zero_package(void **state)
{
    const u8 aml[] = {0x10, 0x20, S5_NAME, 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00};
    u16 a = 9, b = 9;

    assert_int_equal(find_s5(aml, sizeof(aml), &a, &b), 0);
    assert_int_equal(a, 0);
    assert_int_equal(b, 0);
}

/* Real hardware: Name (\_S5, Package () { 0x07, 0x07, ... }) with BytePrefix. */
static void test_root_prefix_byte_values(void **state)
{
    const u8 aml[] = {0x08, '\\', '_',  'S',  '5',  '_',  0x12, 0x08,
                      0x04, 0x0a, 0x07, 0x0a, 0x05, 0x00, 0x00};
    u16 a, b;

    assert_int_equal(find_s5(aml, sizeof(aml), &a, &b), 0);
    assert_int_equal(a, 7);
    assert_int_equal(b, 5);
}

/* OneOp, a WordPrefix, and a two-byte PkgLength (0x4N: one extra byte). */
static void test_long_pkglength_and_word(void **state)
{
    const u8 aml[] = {S5_NAME, 0x12, 0x40, 0x01, 0x02, 0x01, 0x0b, 0x06, 0x00};
    u16 a, b;

    assert_int_equal(find_s5(aml, sizeof(aml), &a, &b), 0);
    assert_int_equal(a, 1);
    assert_int_equal(b, 6);
}

/* "_S5_" used as a reference inside a method comes first; the Name later wins. */
static void test_reference_before_definition(void **state)
{
    const u8 aml[] = {0x14, 0x08, '_',     'P',  'T',  'S',  0x70, '_',  'S',  '5',
                      '_',  0x60, S5_NAME, 0x12, 0x05, 0x02, 0x0a, 0x03, 0x0a, 0x04};
    u16 a, b;

    assert_int_equal(find_s5(aml, sizeof(aml), &a, &b), 0);
    assert_int_equal(a, 3);
    assert_int_equal(b, 4);
}

static void test_absent(void **state)
{
    const u8 aml[] = {0x08, '_', 'S', '4', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00};
    u16 a, b;

    assert_int_equal(find_s5(aml, sizeof(aml), &a, &b), -ENOENT);
    assert_int_equal(find_s5(aml, 0, &a, &b), -ENOENT);
}

/* Every truncation of a valid package is refused, never read past. */
static void test_truncated(void **state)
{
    const u8 aml[] = {S5_NAME, 0x12, 0x08, 0x04, 0x0a, 0x07, 0x0b, 0x05, 0x00};
    u16 a, b;

    for ( size_t len = 0; len < sizeof(aml); len++ )
        assert_int_equal(find_s5(aml, len, &a, &b), -ENOENT);
    assert_int_equal(find_s5(aml, sizeof(aml), &a, &b), 0);
    assert_int_equal(b, 5);
}

/* SLP_TYP is three bits; one element is not enough; unknown opcodes refused. */
static void test_malformed(void **state)
{
    const u8 too_big[] = {S5_NAME, 0x12, 0x05, 0x02, 0x0a, 0x08, 0x0a, 0x00};
    const u8 one_elem[] = {S5_NAME, 0x12, 0x03, 0x01, 0x0a, 0x05};
    const u8 bad_op[] = {S5_NAME, 0x12, 0x05, 0x02, 0x0d, 0x01, 0x00};
    const u8 not_pkg[] = {S5_NAME, 0x0a, 0x05};
    u16 a, b;

    assert_int_equal(find_s5(too_big, sizeof(too_big), &a, &b), -ENOENT);
    assert_int_equal(find_s5(one_elem, sizeof(one_elem), &a, &b), -ENOENT);
    assert_int_equal(find_s5(bad_op, sizeof(bad_op), &a, &b), -ENOENT);
    assert_int_equal(find_s5(not_pkg, sizeof(not_pkg), &a, &b), -ENOENT);
}

static void test_checksum(void **state)
{
    u8 table[36] = {'F', 'A', 'C', 'P', 36};

    table[9] = (u8)(0x100 - acpi_checksum(table, sizeof(table)));
    assert_int_equal(acpi_checksum(table, sizeof(table)), 0);
    table[20] ^= 1;
    assert_int_not_equal(acpi_checksum(table, sizeof(table)), 0);
    assert_int_equal(acpi_checksum(table, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_qemu_zero_package, harness_setup),
        cmocka_unit_test_setup(test_root_prefix_byte_values, harness_setup),
        cmocka_unit_test_setup(test_long_pkglength_and_word, harness_setup),
        cmocka_unit_test_setup(test_reference_before_definition, harness_setup),
        cmocka_unit_test_setup(test_absent, harness_setup),
        cmocka_unit_test_setup(test_truncated, harness_setup),
        cmocka_unit_test_setup(test_malformed, harness_setup),
        cmocka_unit_test_setup(test_checksum, harness_setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
