/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Command-line parsing (see xen/param.h for the syntax). The parser works on
 * any table of kernel_param so host tests can drive it directly.
 */
#include <xen/errno.h>
#include <xen/param.h>

#define MAX_OPT_LEN 128

int parse_bool(const char *s, const char *end)
{
    static const char *const yes[] = {"1", "yes", "on", "true", "enable"};
    static const char *const no[] = {"0", "no", "off", "false", "disable"};
    size_t len = end ? (size_t)(end - s) : strlen(s);

    for ( unsigned int i = 0; i < ARRAY_SIZE(yes); i++ )
    {
        if ( len == strlen(yes[i]) && !strncmp(s, yes[i], len) )
            return 1;
        if ( len == strlen(no[i]) && !strncmp(s, no[i], len) )
            return 0;
    }
    return -1;
}

static bool is_hex_digit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

unsigned long simple_strtoul(const char *s, const char **end, unsigned int base)
{
    unsigned long v = 0;

    if ( base == 0 )
    {
        base = 10;
        /* "0x" is a prefix only before a hex digit: "0x" alone is 0 then "x". */
        if ( s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && is_hex_digit(s[2]) )
            base = 16, s += 2;
        else if ( s[0] == '0' && s[1] )
            base = 8, s++;
    }
    for ( ;; s++ )
    {
        unsigned int d;

        if ( *s >= '0' && *s <= '9' )
            d = *s - '0';
        else if ( *s >= 'a' && *s <= 'f' )
            d = *s - 'a' + 10;
        else if ( *s >= 'A' && *s <= 'F' )
            d = *s - 'A' + 10;
        else
            break;
        if ( d >= base )
            break;
        v = v * base + d;
    }
    if ( end )
        *end = s;
    return v;
}

unsigned long long parse_size_and_unit(const char *s, const char **end)
{
    unsigned long long v = simple_strtoul(s, &s, 0);

    switch ( *s )
    {
    case 'T':
    case 't': v <<= 10; /* fall through */
    case 'G':
    case 'g': v <<= 10; /* fall through */
    case 'M':
    case 'm': v <<= 10; /* fall through */
    case 'K':
    case 'k':
        v <<= 10;
        s++;
        break;
    case 'B':
    case 'b': s++; break;
    default: break;
    }
    if ( end )
        *end = s;
    return v;
}

static int set_uint(const struct kernel_param *p, const char *val, bool size)
{
    const char *end;
    unsigned long long v;

    /* At least one digit: "G" or "" must not silently mean 0. */
    if ( !val || *val < '0' || *val > '9' )
        return -EINVAL;
    v = size ? parse_size_and_unit(val, &end) : simple_strtoul(val, &end, 0);
    if ( *end )
        return -EINVAL;
    if ( p->size < sizeof(v) && (v >> (p->size * 8)) )
        return -EOVERFLOW;
    switch ( p->size )
    {
    case 1: *(u8 *)p->u.var = (u8)v; break;
    case 2: *(u16 *)p->u.var = (u16)v; break;
    case 4: *(u32 *)p->u.var = (u32)v; break;
    case 8: *(u64 *)p->u.var = v; break;
    default: return -EINVAL;
    }
    return 0;
}

static int apply(const struct kernel_param *p, const char *val, bool negated)
{
    int b;

    switch ( p->type )
    {
    case PARAM_BOOL:
        b = val ? parse_bool(val, NULL) : 1;
        if ( b < 0 )
            return -EINVAL;
        *(bool *)p->u.var = negated ? !b : b;
        return 0;
    case PARAM_UINT:
    case PARAM_SIZE: return negated ? -EINVAL : set_uint(p, val, p->type == PARAM_SIZE);
    case PARAM_STRING:
        if ( negated )
            return -EINVAL;
        strlcpy(p->u.var, val ? val : "", p->size);
        return 0;
    case PARAM_CUSTOM: return p->u.func(val ? val : (negated ? "0" : ""));
    }
    return -EINVAL;
}

static int parse_one(char *opt, const struct kernel_param *start, const struct kernel_param *end)
{
    char *val = strchr(opt, '=');
    const char *name = opt;
    bool negated = false;
    int rc = -ENOENT;

    if ( val )
        *val++ = '\0';

    for ( int pass = 0; pass < 2 && rc == -ENOENT; pass++ )
    {
        if ( pass == 1 )
        {
            /* "no-name" for booleans, and Xen's old "noname" spelling. */
            if ( val || strncmp(opt, "no", 2) )
                break;
            name = opt[2] == '-' ? opt + 3 : opt + 2;
            negated = true;
        }
        for ( const struct kernel_param *p = start; p < end; p++ )
        {
            if ( strcmp(p->name, name) )
                continue;
            if ( negated && p->type != PARAM_BOOL && p->type != PARAM_CUSTOM )
                continue;
            rc = apply(p, val, negated);
            if ( rc == -ENOENT )
                rc = -EINVAL;
        }
    }
    if ( rc == -ENOENT )
        printk(XENLOG_WARNING "parameter \"%s\" unknown!\n", opt);
    else if ( rc )
        printk(XENLOG_WARNING "parameter \"%s\" has invalid value \"%s\"\n", opt, val ? val : "");
    return rc;
}

int parse_params(const char *cmdline, const struct kernel_param *start,
                 const struct kernel_param *end)
{
    char opt[MAX_OPT_LEN];
    int bad = 0;

    while ( cmdline && *cmdline )
    {
        size_t len = 0;

        while ( *cmdline == ' ' )
            cmdline++;
        while ( cmdline[len] && cmdline[len] != ' ' )
            len++;
        if ( !len )
            break;
        if ( len >= sizeof(opt) )
        {
            printk(XENLOG_WARNING "parameter \"%.*s...\" too long, ignored\n", 16, cmdline);
            bad++;
        }
        else
        {
            memcpy(opt, cmdline, len);
            opt[len] = '\0';
            bad += parse_one(opt, start, end) != 0;
        }
        cmdline += len;
    }
    return bad;
}
