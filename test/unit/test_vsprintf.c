/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests of the hypervisor's formatter (xen/common/vsprintf.c).
 *
 * It claims C99 semantics for the subset it supports, so the bulk of these
 * tests format a large table of conversions, flags, widths, precisions,
 * length modifiers and values with both it and the host C library, and
 * require identical bytes and return values. The host's formatter is reached
 * through dlsym(RTLD_NEXT), because the hypervisor's snprintf/vsnprintf
 * replace libc's in this program. Behaviour outside C (%p, %pS, NULL strings,
 * unknown conversions) is checked against exact expected strings.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#include <xen/lib.h>

/* Truncated output is what several tests are about. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

typedef int (*vsnprintf_fn)(char *buf, size_t size, const char *fmt, va_list ap);
static vsnprintf_fn libc_vsnprintf;

#define BUF_SIZE   512
#define FILL       0xa5 /* marks bytes a formatter must not have written */
#define MAX_REPORT 20   /* mismatches printed per test */

static unsigned int mismatches;

/* ---- comparing against the C library ---- */

static void report(const char *fmt, const char *what, const char *xen, int xen_rc, const char *libc,
                   int libc_rc)
{
    if ( mismatches++ < MAX_REPORT )
        print_message("mismatch for \"%s\" (%s): xen \"%s\" (%d), libc \"%s\" (%d)\n", fmt, what,
                      xen, xen_rc, libc, libc_rc);
}

/*
 * Format into buffers of `size` bytes inside larger pre-filled ones, with
 * both formatters, and compare every byte (also the ones past `size`, which
 * neither may touch) and the return values.
 */
static void vcompare_sized(size_t size, const char *fmt, va_list ap)
{
    char xen[BUF_SIZE + 16], libc[BUF_SIZE + 16];
    int xen_rc, libc_rc;
    va_list ap2;

    memset(xen, FILL, sizeof(xen));
    memset(libc, FILL, sizeof(libc));
    va_copy(ap2, ap);
    xen_rc = vsnprintf(xen, size, fmt, ap);
    libc_rc = libc_vsnprintf(libc, size, fmt, ap2);
    va_end(ap2);
    if ( xen_rc != libc_rc || memcmp(xen, libc, sizeof(xen)) )
    {
        xen[BUF_SIZE] = libc[BUF_SIZE] = '\0';
        report(fmt, size == BUF_SIZE ? "full buffer" : "short buffer", size ? xen : "", xen_rc,
               size ? libc : "", libc_rc);
    }
}

static void compare(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vcompare_sized(BUF_SIZE, fmt, ap);
    va_end(ap);
}

static void compare_sized(size_t size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vcompare_sized(size, fmt, ap);
    va_end(ap);
}

/* The hypervisor's output for a format, in a static buffer. */
static const char *fmt_xen(const char *fmt, ...)
{
    static char buf[BUF_SIZE];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return buf;
}

static int setup_group(void **state)
{
    libc_vsnprintf = (vsnprintf_fn)dlsym(RTLD_NEXT, "vsnprintf");
    if ( !libc_vsnprintf || libc_vsnprintf == vsnprintf )
        return -1;
    return 0;
}

static int setup(void **state)
{
    mismatches = 0;
    return harness_setup(state);
}

/* ---- integer conversions ---- */

static const unsigned long long int_values[] = {
    0,
    1,
    7,
    8,
    9,
    10,
    15,
    16,
    42,
    127,
    128,
    255,
    256,
    0x7fff,
    0x8000,
    0xffff,
    0x10000,
    0x7fffffff,
    0x80000000,
    0xffffffff,
    0x100000000ull,
    0x123456789abcdefull,
    0x7fffffffffffffffull,
    0x8000000000000000ull,
    0xffffffffffffffffull,
    (unsigned long long)-1,
    (unsigned long long)-42,
    (unsigned long long)-128,
    (unsigned long long)-129,
    (unsigned long long)-32769,
};

static const char *const int_lengths[] = {"", "hh", "h", "l", "ll", "z", "t", "j"};
static const char int_convs[] = "diuxXo";

/* Pass v as the type that the length modifier of fmt reads. */
static void compare_int(const char *fmt, const char *length, unsigned long long v)
{
    if ( !strcmp(length, "ll") )
        compare(fmt, (long long)v);
    else if ( length[0] == 'l' || length[0] == 'z' || length[0] == 't' || length[0] == 'j' )
        compare(fmt, (long)v);
    else
        compare(fmt, (int)v);
}

/* "%" + every subset of "-+ #0" (bit i selects flag i) + width + precision + length + conv. */
static void build_fmt(char *fmt, unsigned int flag_bits, const char *width, const char *prec,
                      const char *length, char conv)
{
    static const char flags[] = "-+ #0";
    char *p = fmt;

    *p++ = '%';
    for ( unsigned int i = 0; i < 5; i++ )
        if ( flag_bits & (1u << i) )
            *p++ = flags[i];
    p += sprintf(p, "%s%s%s%c", width, prec, length, conv);
}

static void test_integers_match_libc(void **state)
{
    static const char *const widths[] = {"", "1", "6", "25"};
    static const char *const precs[] = {"", ".", ".0", ".1", ".5", ".22"};
    unsigned int formats = 0;
    char fmt[32];

    for ( const char *c = int_convs; *c; c++ )
        for ( unsigned int f = 0; f < 32; f++ )
        {
            /* '#' with a decimal conversion is undefined in C. */
            if ( (f & 8) && strchr("diu", *c) )
                continue;
            for ( unsigned int w = 0; w < ARRAY_SIZE(widths); w++ )
                for ( unsigned int p = 0; p < ARRAY_SIZE(precs); p++ )
                    for ( unsigned int l = 0; l < ARRAY_SIZE(int_lengths); l++ )
                    {
                        build_fmt(fmt, f, widths[w], precs[p], int_lengths[l], *c);
                        formats++;
                        for ( unsigned int v = 0; v < ARRAY_SIZE(int_values); v++ )
                            compare_int(fmt, int_lengths[l], int_values[v]);
                    }
        }
    print_message("%u integer formats x %zu values\n", formats, ARRAY_SIZE(int_values));
    assert_true(formats > 20000);
    assert_int_equal(mismatches, 0);
}

static void test_star_width_and_precision(void **state)
{
    static const int stars[] = {-30, -7, -1, 0, 1, 3, 12};
    static const char *const fmts[] = {"%*d",    "%-*d",    "%0*d", "%.*d",   "%+.*d", "%*.*x",
                                       "%#*.*o", "%-*.*ld", "%*s",  "%-*.*s", "%.*s",  "[%*c]"};

    for ( unsigned int i = 0; i < ARRAY_SIZE(fmts); i++ )
        for ( unsigned int a = 0; a < ARRAY_SIZE(stars); a++ )
            for ( unsigned int b = 0; b < ARRAY_SIZE(stars); b++ )
            {
                const char *f = fmts[i];
                int n_stars = (int)(strchr(f, '*') != NULL) + (int)(strstr(f, "*.*") != NULL);

                if ( strchr(f, 's') )
                    n_stars == 2 ? compare(f, stars[a], stars[b], "string")
                                 : compare(f, stars[a], "string");
                else if ( strchr(f, 'c') )
                    compare(f, stars[a], 'q');
                else if ( strstr(f, "ld") )
                    compare(f, stars[a], stars[b], -1234567890123l);
                else if ( n_stars == 2 )
                    compare(f, stars[a], stars[b], 0x1234 * stars[b]);
                else
                    compare(f, stars[a], -99 * stars[b]);
            }
    assert_int_equal(mismatches, 0);
}

/* ---- strings, characters, literals ---- */

static void test_strings_and_chars_match_libc(void **state)
{
    static const char *const strs[] = {"", "a", "hello", "hello, world and more", "tab\there"};
    static const char *const sfmts[] = {"%s",    "%1s",   "%8s",    "%-8s",    "%.0s",    "%.3s",
                                        "%.40s", "%8.3s", "%-8.3s", "%30.10s", "<%s|%s>", "%%s"};
    static const int chars[] = {'A', ' ', '%', 0, 0x7f, 0xff, 0x141 /* truncated to 'A' */};
    static const char *const cfmts[] = {"%c", "%3c", "%-3c", "[%c]", "%c%c"};

    for ( unsigned int f = 0; f < ARRAY_SIZE(sfmts); f++ )
        for ( unsigned int s = 0; s < ARRAY_SIZE(strs); s++ )
            compare(sfmts[f], strs[s], strs[ARRAY_SIZE(strs) - 1 - s]);
    for ( unsigned int f = 0; f < ARRAY_SIZE(cfmts); f++ )
        for ( unsigned int c = 0; c < ARRAY_SIZE(chars); c++ )
            compare(cfmts[f], chars[c], chars[ARRAY_SIZE(chars) - 1 - c]);
    compare("");
    compare("plain text, no conversions");
    compare("100%%");
    compare("%%%d%%", 5);
    compare("%d%s%x%c%u", -1, "mixed", 0xbeefu, 'z', 7u);
    assert_int_equal(mismatches, 0);
}

/* ---- buffer sizes and return values ---- */

static void test_truncation_matches_libc(void **state)
{
    for ( size_t size = 0; size < 40; size++ )
    {
        compare_sized(size, "hello");
        compare_sized(size, "%s=%d", "answer", 42);
        compare_sized(size, "%#018lx|%-6s|%5c", 0xffff82d080201234ul, "ab", 'x');
        compare_sized(size, "%30s", "right");
        compare_sized(size, "%.20d", -7);
    }
    assert_int_equal(mismatches, 0);
}

static void test_size_zero_and_one(void **state)
{
    char buf[4] = {'x', 'y', 'z', 'w'};

    /* Size 0: nothing written, not even a NUL; a NULL buffer is fine. */
    assert_int_equal(snprintf(NULL, 0, "%d-%s", 1234, "abc"), 8);
    assert_int_equal(snprintf(buf, 0, "%d", 5), 1);
    assert_memory_equal(buf, "xyzw", 4);
    /* Size 1: only the NUL. */
    assert_int_equal(snprintf(buf, 1, "%s", "long"), 4);
    assert_int_equal(buf[0], '\0');
    assert_int_equal(buf[1], 'y');
    /* Size 2: one character and the NUL, nothing beyond. */
    assert_int_equal(snprintf(buf, 2, "%x", 0xabcu), 3);
    assert_memory_equal(buf, "a\0zw", 4);
}

static void test_return_value_counts_full_output(void **state)
{
    char buf[32];

    memset(buf, FILL, sizeof(buf));
    assert_int_equal(snprintf(buf, sizeof(buf), "%300d", 1), 300);
    for ( unsigned int i = 0; i < sizeof(buf) - 1; i++ )
        assert_int_equal(buf[i], ' ');
    assert_int_equal(buf[sizeof(buf) - 1], '\0');
    assert_int_equal(
        snprintf(buf, sizeof(buf), "%s%s%s", "0123456789", "0123456789", "0123456789abcdef"), 36);
    assert_string_equal(buf, "012345678901234567890123456789a");
}

/* ---- explicit values ---- */

static void test_length_modifiers_wrap(void **state)
{
    assert_string_equal(fmt_xen("%hhd %hhu %hhx", 200, -1, 0x1ff), "-56 255 ff");
    assert_string_equal(fmt_xen("%hd %hu", 40000, 70000), "-25536 4464");
    assert_string_equal(fmt_xen("%d %u", -1, -1), "-1 4294967295");
    assert_string_equal(fmt_xen("%ld %lu", LONG_MIN, ULONG_MAX),
                        "-9223372036854775808 18446744073709551615");
    assert_string_equal(fmt_xen("%lld %llx", LLONG_MIN, 0xfedcba9876543210ull),
                        "-9223372036854775808 fedcba9876543210");
    assert_string_equal(fmt_xen("%zu %td %jd", (size_t)-1, (ptrdiff_t)-5, (intmax_t)7),
                        "18446744073709551615 -5 7");
    assert_string_equal(fmt_xen("%lo", ULONG_MAX), "1777777777777777777777");
}

static void test_null_string_and_unknown_conversions(void **state)
{
    assert_string_equal(fmt_xen("%s", (char *)NULL), "(null)");
    assert_string_equal(fmt_xen("[%8s]", (char *)NULL), "[  (null)]");
    /* Unsupported conversions are printed as they are, consuming nothing. */
    assert_string_equal(fmt_xen("%y %d", 3), "%y 3");
    assert_string_equal(fmt_xen("%f|%d", 4), "%f|4");
    /* A lone '%' at the end is dropped. */
    {
        const char *trailing = "abc%";
        assert_string_equal(fmt_xen(trailing), "abc");
        assert_int_equal(snprintf(NULL, 0, trailing), 3);
    }
}

/* ---- %p and %pS ---- */

/* A fake text symbol table for %pS: three adjacent functions. */
static const struct
{
    unsigned long start, end;
    const char *name;
} fake_syms[] = {
    {0xffff82d080200000ul, 0xffff82d080200040ul, "__start_xen"},
    {0xffff82d080200040ul, 0xffff82d080200100ul, "do_trap"},
    {0xffff82d080200100ul, 0xffff82d080201000ul, "a_long_function_name_for_tests"},
};

const char *symbol_lookup(unsigned long addr, unsigned long *offset)
{
    for ( unsigned int i = 0; i < ARRAY_SIZE(fake_syms); i++ )
        if ( addr >= fake_syms[i].start && addr < fake_syms[i].end )
        {
            *offset = addr - fake_syms[i].start;
            return fake_syms[i].name;
        }
    return NULL;
}

static void test_pointer(void **state)
{
    assert_string_equal(fmt_xen("%p", (void *)NULL), "0x0000000000000000");
    assert_string_equal(fmt_xen("%p", (void *)0xffff82d080201234ul), "0xffff82d080201234");
    assert_string_equal(fmt_xen("[%p|%d]", (void *)0x1000ul, 9), "[0x0000000000001000|9]");
    assert_int_equal(snprintf(NULL, 0, "%p", (void *)1), 18);
}

static void test_pointer_symbol(void **state)
{
    assert_string_equal(fmt_xen("%pS", (void *)0xffff82d080200000ul), "__start_xen+0");
    assert_string_equal(fmt_xen("%pS", (void *)0xffff82d08020003ful), "__start_xen+0x3f");
    assert_string_equal(fmt_xen("%pS", (void *)0xffff82d080200040ul), "do_trap+0");
    assert_string_equal(fmt_xen("%ps", (void *)0xffff82d080200abcul),
                        "a_long_function_name_for_tests");
    /* Arguments after %pS are still read in order. */
    assert_string_equal(fmt_xen("[<%p>] %pS %s=%d", (void *)0xffff82d080200044ul,
                                (void *)0xffff82d080200044ul, "rc", -22),
                        "[<0xffff82d080200044>] do_trap+0x4 rc=-22");
    /* Unknown addresses fall back to the plain pointer. */
    assert_string_equal(fmt_xen("%pS|%ps.", (void *)0xffff82d080201000ul, (void *)0x42ul),
                        "0xffff82d080201000|0x0000000000000042.");
    /* Truncation of a symbol keeps the full length in the return value. */
    {
        char buf[8];
        assert_int_equal(snprintf(buf, sizeof(buf), "%pS", (void *)0xffff82d080200041ul),
                         (int)strlen("do_trap+0x1"));
        assert_string_equal(buf, "do_trap");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_integers_match_libc, setup),
        cmocka_unit_test_setup(test_star_width_and_precision, setup),
        cmocka_unit_test_setup(test_strings_and_chars_match_libc, setup),
        cmocka_unit_test_setup(test_truncation_matches_libc, setup),
        cmocka_unit_test_setup(test_size_zero_and_one, setup),
        cmocka_unit_test_setup(test_return_value_counts_full_output, setup),
        cmocka_unit_test_setup(test_length_modifiers_wrap, setup),
        cmocka_unit_test_setup(test_null_string_and_unknown_conversions, setup),
        cmocka_unit_test_setup(test_pointer, setup),
        cmocka_unit_test_setup(test_pointer_symbol, setup),
    };

    return cmocka_run_group_tests(tests, setup_group, NULL);
}
