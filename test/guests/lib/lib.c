/* SPDX-License-Identifier: GPL-2.0-only */
/* The few string and memory functions the guests need (no libc here). */
#include "runtime.h"

void *memset(void *d, int c, size_t n)
{
    uint8_t *p = d;

    while ( n-- > 0 )
        *p++ = (uint8_t)c;
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    uint8_t *p = d;
    const uint8_t *q = s;

    while ( n-- > 0 )
        *p++ = *q++;
    return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *p = a, *q = b;

    for ( ; n > 0; n--, p++, q++ )
        if ( *p != *q )
            return *p - *q;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;

    while ( s[n] )
        n++;
    return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for ( ; n > 0; n--, a++, b++ )
    {
        if ( *a != *b )
            return (unsigned char)*a - (unsigned char)*b;
        if ( !*a )
            return 0;
    }
    return 0;
}

const char *strstr(const char *hay, const char *needle)
{
    size_t n = strlen(needle);

    for ( ; *hay; hay++ )
        if ( !strncmp(hay, needle, n) )
            return hay;
    return n == 0 ? hay : NULL;
}

static unsigned long parse_ulong(const char *s)
{
    unsigned long v = 0, base = 10;

    if ( s[0] == '0' && (s[1] == 'x' || s[1] == 'X') )
    {
        base = 16;
        s += 2;
    }
    for ( ;; s++ )
    {
        unsigned int d;

        if ( *s >= '0' && *s <= '9' )
            d = *s - '0';
        else if ( base == 16 && *s >= 'a' && *s <= 'f' )
            d = *s - 'a' + 10;
        else if ( base == 16 && *s >= 'A' && *s <= 'F' )
            d = *s - 'A' + 10;
        else
            return v;
        v = v * base + d;
    }
}

unsigned long cmdline_ulong(const char *key, unsigned long def)
{
    const char *p = (const char *)start_info->cmd_line;
    size_t n = strlen(key);

    for ( ; (p = strstr(p, key)) != NULL; p += n )
    {
        bool word_start = p == (const char *)start_info->cmd_line || p[-1] == ' ';

        if ( word_start && p[n] == '=' )
            return parse_ulong(p + n + 1);
    }
    return def;
}
