/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Console output through HYPERVISOR_console_io(CONSOLEIO_write): a domain
 * with console access (dom0) writes straight to the hypervisor's console.
 * printk() formats one message into a stack buffer and writes it with one
 * hypercall, so lines are not interleaved with the hypervisor's own output
 * in the middle. The formatter knows %d %i %u %x %X %p %s %c %% with the
 * flags '0' and '-', a width and the length modifiers l, ll and z.
 */
#include "runtime.h"

void console_write(const char *s, size_t len)
{
    while ( len > 0 )
    {
        long rc = HYPERVISOR_console_io(CONSOLEIO_write, len, s);

        if ( rc < 0 )
            return;
        /* Xen returns 0 on success, having consumed everything. */
        if ( rc == 0 || (size_t)rc >= len )
            return;
        s += rc;
        len -= rc;
    }
}

struct out
{
    char *buf;
    size_t size, len;
};

static void put(struct out *o, char c)
{
    if ( o->len + 1 < o->size )
        o->buf[o->len] = c;
    o->len++;
}

struct spec
{
    bool left, zero;
    int width;
};

static void put_padded(struct out *o, const struct spec *sp, const char *s, size_t n)
{
    int pad = sp->width > (int)n ? sp->width - (int)n : 0;

    if ( !sp->left )
        for ( ; pad > 0; pad-- )
            put(o, sp->zero ? '0' : ' ');
    while ( n-- > 0 )
        put(o, *s++);
    for ( ; pad > 0; pad-- )
        put(o, ' ');
}

static void put_number(struct out *o, const struct spec *sp, uint64_t v, unsigned int base,
                       bool negative, bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    size_t n = sizeof(tmp);

    do
    {
        tmp[--n] = digits[v % base];
        v /= base;
    } while ( v != 0 );
    if ( negative )
    {
        if ( sp->zero && sp->width > 0 )
        {
            struct spec rest = *sp;

            put(o, '-');
            rest.width--;
            put_padded(o, &rest, tmp + n, sizeof(tmp) - n);
            return;
        }
        tmp[--n] = '-';
    }
    put_padded(o, sp, tmp + n, sizeof(tmp) - n);
}

/* Reads flags, width and length; returns the conversion character. */
static const char *parse_spec(const char *f, struct spec *sp, int *longs)
{
    *sp = (struct spec){0};
    *longs = 0;
    for ( ;; f++ )
    {
        if ( *f == '-' )
            sp->left = true;
        else if ( *f == '0' )
            sp->zero = true;
        else
            break;
    }
    while ( *f >= '0' && *f <= '9' )
        sp->width = sp->width * 10 + (*f++ - '0');
    while ( *f == 'l' || *f == 'z' )
    {
        (*longs)++;
        f++;
    }
    return f;
}

static void put_conversion(struct out *o, char c, const struct spec *sp, int longs, va_list *ap)
{
    const char *s;
    int64_t sv;
    uint64_t uv;

    switch ( c )
    {
    case 'd':
    case 'i':
        sv = longs ? va_arg(*ap, long) : va_arg(*ap, int);
        put_number(o, sp, sv < 0 ? -(uint64_t)sv : (uint64_t)sv, 10, sv < 0, false);
        break;
    case 'u':
    case 'x':
    case 'X':
        uv = longs ? va_arg(*ap, unsigned long) : va_arg(*ap, unsigned int);
        put_number(o, sp, uv, c == 'u' ? 10 : 16, false, c == 'X');
        break;
    case 'p':
        put(o, '0');
        put(o, 'x');
        put_number(o, sp, (uint64_t)va_arg(*ap, void *), 16, false, false);
        break;
    case 's':
        s = va_arg(*ap, const char *);
        if ( !s )
            s = "(null)";
        put_padded(o, sp, s, strlen(s));
        break;
    case 'c': put(o, (char)va_arg(*ap, int)); break;
    default:
        put(o, '%');
        put(o, c);
        break;
    }
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = {buf, size, 0};
    va_list aq;

    va_copy(aq, ap);
    while ( *fmt )
    {
        struct spec sp;
        int longs;

        if ( *fmt != '%' )
        {
            put(&o, *fmt++);
            continue;
        }
        if ( fmt[1] == '%' )
        {
            put(&o, '%');
            fmt += 2;
            continue;
        }
        fmt = parse_spec(fmt + 1, &sp, &longs);
        if ( !*fmt )
            break;
        put_conversion(&o, *fmt++, &sp, longs, &aq);
    }
    va_end(aq);
    if ( size > 0 )
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

void printk(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if ( n >= (int)sizeof(buf) )
        n = sizeof(buf) - 1;
    console_write(buf, n);
}
