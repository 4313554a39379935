/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests of the command-line parser (xen/common/cmdline.c), driven through a
 * local table with one option of every kind. Each test resets the variables,
 * parses a command line, and checks the variables, the returned count of bad
 * options, and what was reported through printk.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#include <xen/errno.h>
#include <xen/param.h>

static bool opt_flag;
static u8 opt_u8;
static u16 opt_u16;
static u32 opt_u32;
static u64 opt_u64;
static unsigned long opt_size;
static char opt_str[8];
static bool opt_twice_a, opt_twice_b; /* two entries with one name */

/* The custom handler records its calls and returns custom_rc. */
static char custom_val[64];
static unsigned int custom_calls;
static int custom_rc;

static int parse_custom(const char *val)
{
    strlcpy(custom_val, val, sizeof(custom_val));
    custom_calls++;
    return custom_rc;
}

#define ENTRY(n, t, v)                                                                             \
    {                                                                                              \
        .name = n, .type = t, .size = sizeof(v), .u.var = &v                                       \
    }
static const struct kernel_param params[] = {
    ENTRY("flag", PARAM_BOOL, opt_flag),
    ENTRY("u8", PARAM_UINT, opt_u8),
    ENTRY("u16", PARAM_UINT, opt_u16),
    ENTRY("u32", PARAM_UINT, opt_u32),
    ENTRY("u64", PARAM_UINT, opt_u64),
    ENTRY("mem", PARAM_SIZE, opt_size),
    ENTRY("str", PARAM_STRING, opt_str),
    ENTRY("twice", PARAM_BOOL, opt_twice_a),
    ENTRY("twice", PARAM_BOOL, opt_twice_b),
    {.name = "custom", .type = PARAM_CUSTOM, .u.func = parse_custom},
};

static int parse(const char *cmdline)
{
    return parse_params(cmdline, params, params + ARRAY_SIZE(params));
}

static int setup(void **state)
{
    opt_flag = opt_twice_a = opt_twice_b = false;
    opt_u8 = 0;
    opt_u16 = 0;
    opt_u32 = 0;
    opt_u64 = 0;
    opt_size = 0;
    strlcpy(opt_str, "init", sizeof(opt_str));
    custom_val[0] = '\0';
    custom_calls = 0;
    custom_rc = 0;
    return harness_setup(state);
}

/* ---- booleans ---- */

static void test_parse_bool_words(void **state)
{
    static const char *const yes[] = {"1", "yes", "on", "true", "enable"};
    static const char *const no[] = {"0", "no", "off", "false", "disable"};
    static const char *const neither[] = {"", "2", "Yes", "ON", "y", "n", "enabled", "yes "};

    for ( unsigned int i = 0; i < ARRAY_SIZE(yes); i++ )
        assert_int_equal(parse_bool(yes[i], NULL), 1);
    for ( unsigned int i = 0; i < ARRAY_SIZE(no); i++ )
        assert_int_equal(parse_bool(no[i], NULL), 0);
    for ( unsigned int i = 0; i < ARRAY_SIZE(neither); i++ )
        assert_int_equal(parse_bool(neither[i], NULL), -1);
    /* With an end pointer only the first characters count. */
    const char *s = "offline";
    assert_int_equal(parse_bool(s, s + 3), 0);
    assert_int_equal(parse_bool(s, s + 2), -1); /* "of" */
}

static void test_boolean_option_forms(void **state)
{
    static const struct
    {
        const char *cmdline;
        bool initial, expected;
    } cases[] = {
        {"flag", false, true},       {"flag=1", false, true},        {"flag=yes", false, true},
        {"flag=on", false, true},    {"flag=true", false, true},     {"flag=enable", false, true},
        {"flag=0", true, false},     {"flag=no", true, false},       {"flag=off", true, false},
        {"flag=false", true, false}, {"flag=disable", true, false},  {"no-flag", true, false},
        {"noflag", true, false},     {"flag no-flag", false, false}, {"no-flag flag", false, true},
    };

    for ( unsigned int i = 0; i < ARRAY_SIZE(cases); i++ )
    {
        opt_flag = cases[i].initial;
        assert_int_equal(parse(cases[i].cmdline), 0);
        if ( opt_flag != cases[i].expected )
            fail_msg("\"%s\": flag is %d, expected %d", cases[i].cmdline, opt_flag,
                     cases[i].expected);
    }
    assert_int_equal(harness_printk_count(), 0);
}

static void test_boolean_bad_value(void **state)
{
    opt_flag = true;
    assert_int_equal(parse("flag=maybe"), 1);
    assert_true(opt_flag);
    assert_string_equal(harness_last_printk(), "parameter \"flag\" has invalid value \"maybe\"");
    assert_int_equal(parse("flag="), 1);
    assert_true(opt_flag);
    /* "no-" only negates a bare boolean, not one with a value. */
    assert_int_equal(parse("no-flag=1"), 1);
    assert_string_equal(harness_last_printk(), "parameter \"no-flag\" unknown!");
    assert_true(opt_flag);
}

static void test_same_name_sets_every_entry(void **state)
{
    assert_int_equal(parse("twice"), 0);
    assert_true(opt_twice_a);
    assert_true(opt_twice_b);
    assert_int_equal(parse("no-twice"), 0);
    assert_false(opt_twice_a);
    assert_false(opt_twice_b);
}

/* ---- integers and sizes ---- */

static void test_integer_values(void **state)
{
    assert_int_equal(parse("u32=42 u16=0x1F u8=010 u64=18446744073709551615"), 0);
    assert_int_equal(opt_u32, 42);
    assert_int_equal(opt_u16, 0x1f);
    assert_int_equal(opt_u8, 8); /* leading 0: octal */
    assert_true(opt_u64 == ~0ull);
    assert_int_equal(parse("u32=0xffffffff u16=65535 u8=255"), 0);
    assert_int_equal(opt_u32, 0xffffffffu);
    assert_int_equal(opt_u16, 65535);
    assert_int_equal(opt_u8, 255);
    assert_int_equal(parse("u32=7 u32=9"), 0); /* the last one wins */
    assert_int_equal(opt_u32, 9);
    assert_int_equal(harness_printk_count(), 0);
}

static void test_integer_bad_values(void **state)
{
    static const char *const bad[] = {"u32=",   "u32",    "u32=12abc", "u32=-1",
                                      "u32=0x", "u32=09", "u32=1K"};

    opt_u32 = 77;
    for ( unsigned int i = 0; i < ARRAY_SIZE(bad); i++ )
    {
        harness_reset();
        if ( parse(bad[i]) != 1 || opt_u32 != 77 )
            fail_msg("\"%s\" was accepted (u32 = %u)", bad[i], opt_u32);
        assert_true(harness_printk_contains("parameter \"u32\" has invalid value"));
    }
    /* A space ends the option: an empty value, then an unknown "5". */
    assert_int_equal(parse("u32= 5"), 2);
    assert_true(harness_printk_contains("parameter \"5\" unknown!"));
    /* "no-" does not apply to integers. */
    assert_int_equal(parse("no-u32"), 1);
    assert_string_equal(harness_last_printk(), "parameter \"no-u32\" unknown!");
}

static void test_integer_out_of_range(void **state)
{
    opt_u8 = 1;
    opt_u16 = 2;
    opt_u32 = 3;
    assert_int_equal(parse("u8=256 u16=0x10000 u32=4294967296"), 3);
    assert_int_equal(opt_u8, 1);
    assert_int_equal(opt_u16, 2);
    assert_int_equal(opt_u32, 3);
    assert_int_equal(harness_printk_count_matching("has invalid value"), 3);
    assert_true(harness_printk_contains("parameter \"u8\" has invalid value \"256\""));
}

static void test_size_suffixes(void **state)
{
    static const struct
    {
        const char *value;
        unsigned long long bytes;
    } cases[] = {
        {"0", 0},
        {"4096", 4096},
        {"4096B", 4096},
        {"4096b", 4096},
        {"4K", 4ull << 10},
        {"4k", 4ull << 10},
        {"512M", 512ull << 20},
        {"512m", 512ull << 20},
        {"3G", 3ull << 30},
        {"3g", 3ull << 30},
        {"2T", 2ull << 40},
        {"2t", 2ull << 40},
        {"0x10M", 16ull << 20},
        {"010K", 8ull << 10},
    };
    char cmdline[64];

    for ( unsigned int i = 0; i < ARRAY_SIZE(cases); i++ )
    {
        opt_size = 12345;
        snprintf(cmdline, sizeof(cmdline), "mem=%s", cases[i].value);
        assert_int_equal(parse(cmdline), 0);
        if ( opt_size != cases[i].bytes )
            fail_msg("\"%s\": %lu, expected %llu", cmdline, opt_size, cases[i].bytes);
    }
    opt_size = 99;
    assert_int_equal(parse("mem=1KB mem=1X mem= mem=G"), 4);
    assert_int_equal(opt_size, 99);
    assert_int_equal(harness_printk_count_matching("parameter \"mem\" has invalid value"), 4);
}

static void test_parse_size_and_unit_end(void **state)
{
    const char *end;

    assert_true(parse_size_and_unit("64M,rest", &end) == 64ull << 20);
    assert_string_equal(end, ",rest");
    assert_true(parse_size_and_unit("17", &end) == 17);
    assert_string_equal(end, "");
    assert_true(parse_size_and_unit("1g@", NULL) == 1ull << 30);
}

/* ---- strings and custom handlers ---- */

static void test_string_values(void **state)
{
    assert_int_equal(parse("str=com1"), 0);
    assert_string_equal(opt_str, "com1");
    assert_int_equal(parse("str=a=b"), 0); /* only the first '=' splits */
    assert_string_equal(opt_str, "a=b");
    assert_int_equal(parse("str=abcdefghijk"), 0); /* truncated to the buffer */
    assert_string_equal(opt_str, "abcdefg");
    assert_int_equal(parse("str"), 0);
    assert_string_equal(opt_str, "");
    assert_int_equal(parse("no-str"), 1);
    assert_string_equal(harness_last_printk(), "parameter \"no-str\" unknown!");
}

static void test_custom_handler(void **state)
{
    assert_int_equal(parse("custom=115200,8n1"), 0);
    assert_int_equal(custom_calls, 1);
    assert_string_equal(custom_val, "115200,8n1");
    assert_int_equal(parse("custom"), 0);
    assert_string_equal(custom_val, "");
    assert_int_equal(parse("no-custom"), 0);
    assert_string_equal(custom_val, "0");
    assert_int_equal(custom_calls, 3);
    assert_int_equal(harness_printk_count(), 0);

    custom_rc = -EINVAL;
    assert_int_equal(parse("custom=bad"), 1);
    assert_string_equal(harness_last_printk(), "parameter \"custom\" has invalid value \"bad\"");
    /* A handler's -ENOENT is a bad value, not an unknown option. */
    custom_rc = -ENOENT;
    assert_int_equal(parse("custom=x"), 1);
    assert_string_equal(harness_last_printk(), "parameter \"custom\" has invalid value \"x\"");
    assert_int_equal(custom_calls, 5);
}

/* ---- the command line as a whole ---- */

static void test_unknown_options_counted(void **state)
{
    assert_int_equal(parse("bogus flag other=3 u32=5 no-such"), 3);
    assert_true(opt_flag);
    assert_int_equal(opt_u32, 5);
    assert_int_equal(harness_printk_count(), 3);
    assert_true(harness_printk_contains("parameter \"bogus\" unknown!"));
    assert_true(harness_printk_contains("parameter \"other\" unknown!"));
    assert_true(harness_printk_contains("parameter \"no-such\" unknown!"));
}

static void test_spaces(void **state)
{
    assert_int_equal(parse(""), 0);
    assert_int_equal(parse(NULL), 0);
    assert_int_equal(parse("     "), 0);
    assert_int_equal(parse("   flag    u32=12     str=x   "), 0);
    assert_true(opt_flag);
    assert_int_equal(opt_u32, 12);
    assert_string_equal(opt_str, "x");
    assert_int_equal(harness_printk_count(), 0);
}

static void test_overlong_option(void **state)
{
    char cmdline[400];
    char *p = cmdline;

    /* 127 characters is the longest option: accepted. */
    p += sprintf(p, "custom=");
    memset(p, 'v', 120);
    p += 120;
    *p = '\0';
    assert_int_equal(strlen(cmdline), 127);
    assert_int_equal(parse(cmdline), 0);
    assert_int_equal(custom_calls, 1);
    assert_int_equal(strlen(custom_val), 63); /* the handler's own buffer */

    /* 128: reported by its first 16 characters and skipped, the rest parsed. */
    p = cmdline;
    p += sprintf(p, "u32=1 custom=");
    memset(p, 'w', 121);
    p += 121;
    sprintf(p, " flag u16=3");
    assert_int_equal(parse(cmdline), 1);
    assert_int_equal(custom_calls, 1);
    assert_int_equal(opt_u32, 1);
    assert_true(opt_flag);
    assert_int_equal(opt_u16, 3);
    assert_string_equal(harness_last_printk(),
                        "parameter \"custom=wwwwwwwww...\" too long, ignored");
}

/* The registration macros fill in name, type and size from the variable. */
static bool opt_macro_bool;
static unsigned int opt_macro_uint;
static unsigned long opt_macro_size;
static char opt_macro_str[20];
boolean_param("macro_bool", opt_macro_bool);
integer_param("macro_uint", opt_macro_uint);
size_param("macro_size", opt_macro_size);
string_param("macro_str", opt_macro_str);
custom_param("macro_custom", parse_custom);

static void test_registration_macros(void **state)
{
    assert_string_equal(__param_opt_macro_bool.name, "macro_bool");
    assert_int_equal(__param_opt_macro_bool.type, PARAM_BOOL);
    assert_int_equal(__param_opt_macro_uint.size, sizeof(unsigned int));
    assert_int_equal(__param_opt_macro_size.type, PARAM_SIZE);
    assert_int_equal(__param_opt_macro_str.size, 20);
    assert_ptr_equal(__param_parse_custom.u.func, parse_custom);

    assert_int_equal(
        parse_params("macro_uint=0x20", &__param_opt_macro_uint, &__param_opt_macro_uint + 1), 0);
    assert_int_equal(opt_macro_uint, 32);
    assert_int_equal(
        parse_params("macro_size=2M", &__param_opt_macro_size, &__param_opt_macro_size + 1), 0);
    assert_int_equal(opt_macro_size, 2 << 20);
    assert_int_equal(
        parse_params("macro_custom=v", &__param_parse_custom, &__param_parse_custom + 1), 0);
    assert_string_equal(custom_val, "v");
    assert_int_equal(parse_params("macro_bool macro_str=s", &__param_opt_macro_bool,
                                  &__param_opt_macro_bool + 1),
                     1);
    assert_true(opt_macro_bool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_parse_bool_words, setup),
        cmocka_unit_test_setup(test_boolean_option_forms, setup),
        cmocka_unit_test_setup(test_boolean_bad_value, setup),
        cmocka_unit_test_setup(test_same_name_sets_every_entry, setup),
        cmocka_unit_test_setup(test_integer_values, setup),
        cmocka_unit_test_setup(test_integer_bad_values, setup),
        cmocka_unit_test_setup(test_integer_out_of_range, setup),
        cmocka_unit_test_setup(test_size_suffixes, setup),
        cmocka_unit_test_setup(test_parse_size_and_unit_end, setup),
        cmocka_unit_test_setup(test_string_values, setup),
        cmocka_unit_test_setup(test_custom_handler, setup),
        cmocka_unit_test_setup(test_unknown_options_counted, setup),
        cmocka_unit_test_setup(test_spaces, setup),
        cmocka_unit_test_setup(test_overlong_option, setup),
        cmocka_unit_test_setup(test_registration_macros, setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
