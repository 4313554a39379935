/* SPDX-License-Identifier: GPL-2.0-only */
/* The C string and memory primitives the freestanding build needs. */
#include <xen/lib.h>

void *memset(void *s, int c, size_t n)
{
    void *d = s;
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
    return s;
}

void *memcpy(void *d, const void *s, size_t n)
{
    void *dd = d;
    __asm__ volatile("rep movsb" : "+D"(dd), "+S"(s), "+c"(n)::"memory");
    return d;
}

void *memmove(void *d, const void *s, size_t n)
{
    unsigned char *dp = d;
    const unsigned char *sp = s;

    if ( dp <= sp || dp >= sp + n )
        return memcpy(d, s, n);
    while ( n-- )
        dp[n] = sp[n];
    return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;

    for ( ; n; n--, x++, y++ )
        if ( *x != *y )
            return *x - *y;
    return 0;
}

size_t strlen(const char *s)
{
    const char *p = s;

    while ( *p )
        p++;
    return p - s;
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;

    while ( n < max && s[n] )
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    return strncmp(a, b, (size_t)-1);
}

int strncmp(const char *a, const char *b, size_t n)
{
    for ( ; n; n--, a++, b++ )
    {
        if ( *a != *b )
            return (unsigned char)*a - (unsigned char)*b;
        if ( !*a )
            break;
    }
    return 0;
}

char *strchr(const char *s, int c)
{
    for ( ; *s; s++ )
        if ( *s == (char)c )
            return (char *)s;
    return c ? NULL : (char *)s;
}

size_t strlcpy(char *d, const char *s, size_t n)
{
    size_t len = strlen(s);

    if ( n )
    {
        size_t copy = len < n - 1 ? len : n - 1;
        memcpy(d, s, copy);
        d[copy] = '\0';
    }
    return len;
}
