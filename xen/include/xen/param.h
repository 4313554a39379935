/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Command-line options, registered where they are used:
 *
 *   static bool opt_noreboot;
 *   boolean_param("noreboot", opt_noreboot);
 *
 * The syntax is Xen's: options separated by spaces, "name=value" or "name";
 * a boolean also takes "no-name" (false) and the values 0/1, no/yes,
 * off/on, false/true, disable/enable. Sizes take K, M, G, T suffixes (bytes
 * when none). Unknown options are logged and ignored.
 */
#ifndef XEN_PARAM_H
#define XEN_PARAM_H

#include <xen/lib.h>

enum param_type {
    PARAM_BOOL,
    PARAM_UINT,
    PARAM_SIZE,
    PARAM_STRING,
    PARAM_CUSTOM,
};

struct kernel_param
{
    const char *name;
    enum param_type type;
    unsigned int size; /* of the variable, or of the string buffer */
    union
    {
        void *var;
        int (*func)(const char *value); /* -EINVAL etc. on a bad value */
    } u;
};

#define __param(name_, type_, var_)                                                                \
    static const struct kernel_param __used __section(".param") __aligned(8)                       \
        __param_##var_ = {name_, type_, sizeof(var_), {.var = &(var_)}}
#define boolean_param(n, v) __param(n, PARAM_BOOL, v)
#define integer_param(n, v) __param(n, PARAM_UINT, v)
#define size_param(n, v)    __param(n, PARAM_SIZE, v)
#define string_param(n, v)  __param(n, PARAM_STRING, v)
#define custom_param(name_, fn_)                                                                   \
    static const struct kernel_param __used __section(".param") __aligned(8)                       \
        __param_##fn_ = {name_, PARAM_CUSTOM, 0, {.func = (fn_)}}

/*
 * Apply every option of cmdline to the table [start, end). Returns the number
 * of options that were unknown or had a bad value (each one is reported).
 */
int parse_params(const char *cmdline, const struct kernel_param *start,
                 const struct kernel_param *end);

/* Boolean value of a word: 1 true, 0 false, -1 not a boolean. */
int parse_bool(const char *s, const char *end);

void cmdline_parse(const char *cmdline);
extern char saved_cmdline[1024];

#endif
