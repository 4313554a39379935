/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The formatter behind printk: a C99-style vsnprintf without floating point.
 *
 * Supported: flags "-+ #0", width and precision (also as '*'), length
 * modifiers hh h l ll z t j, conversions d i u x X o c s p %; and %pS, which
 * prints a text address as symbol+offset. Like C's, the return value is the
 * length the full output would have had; the buffer always ends with a NUL
 * when size > 0. No allocation, no locks: safe from any context.
 */
#include <xen/lib.h>

enum {
    F_LEFT = 1,
    F_PLUS = 2,
    F_SPACE = 4,
    F_ALT = 8,
    F_ZERO = 16,
    F_UPPER = 32,
};

struct out
{
    char *buf;
    size_t size;
    size_t len; /* what the full output would need, excluding the NUL */
};

struct spec
{
    unsigned int flags;
    int width;     /* -1: none */
    int precision; /* -1: none */
    int length;    /* 0 int, 'H' char, 'h' short, 'l' long, 'L' long long */
};

static void put(struct out *o, char c)
{
    if ( o->len + 1 < o->size )
        o->buf[o->len] = c;
    o->len++;
}

static void pad(struct out *o, char c, int n)
{
    while ( n-- > 0 )
        put(o, c);
}

static void put_str(struct out *o, const char *s, const struct spec *sp)
{
    size_t n;

    if ( !s )
        s = "(null)";
    n = strnlen(s, sp->precision >= 0 ? (size_t)sp->precision : (size_t)-1);
    if ( !(sp->flags & F_LEFT) )
        pad(o, ' ', sp->width - (int)n);
    for ( size_t i = 0; i < n; i++ )
        put(o, s[i]);
    if ( sp->flags & F_LEFT )
        pad(o, ' ', sp->width - (int)n);
}

static void put_num(struct out *o, unsigned long long v, bool neg, unsigned int base,
                    const struct spec *sp)
{
    const char *digits = (sp->flags & F_UPPER) ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24], sign = 0;
    const char *prefix = "";
    int n = 0, zeros, total;

    if ( !(v == 0 && sp->precision == 0) )
        do
        {
            tmp[n++] = digits[v % base];
            v /= base;
        } while ( v );

    if ( neg )
        sign = '-';
    else if ( sp->flags & F_PLUS )
        sign = '+';
    else if ( sp->flags & F_SPACE )
        sign = ' ';
    if ( (sp->flags & F_ALT) && base == 16 && n && !(n == 1 && tmp[0] == '0') )
        prefix = (sp->flags & F_UPPER) ? "0X" : "0x";

    zeros = sp->precision > n ? sp->precision - n : 0;
    /* '#' with 'o' makes the first digit a 0, unless the precision already did. */
    if ( (sp->flags & F_ALT) && base == 8 && !zeros && (n == 0 || tmp[n - 1] != '0') )
        prefix = "0";
    total = n + zeros + (sign ? 1 : 0) + (int)strlen(prefix);
    if ( sp->precision < 0 && (sp->flags & F_ZERO) && !(sp->flags & F_LEFT) && sp->width > total )
    {
        zeros += sp->width - total;
        total = sp->width;
    }

    if ( !(sp->flags & F_LEFT) )
        pad(o, ' ', sp->width - total);
    if ( sign )
        put(o, sign);
    for ( const char *p = prefix; *p; p++ )
        put(o, *p);
    pad(o, '0', zeros);
    while ( n-- )
        put(o, tmp[n]);
    if ( sp->flags & F_LEFT )
        pad(o, ' ', sp->width - total);
}

static const char *parse_spec(const char *fmt, struct spec *sp, va_list *ap)
{
    sp->flags = 0;
    sp->width = sp->precision = -1;
    sp->length = 0;

    for ( ;; fmt++ )
    {
        if ( *fmt == '-' )
            sp->flags |= F_LEFT;
        else if ( *fmt == '+' )
            sp->flags |= F_PLUS;
        else if ( *fmt == ' ' )
            sp->flags |= F_SPACE;
        else if ( *fmt == '#' )
            sp->flags |= F_ALT;
        else if ( *fmt == '0' )
            sp->flags |= F_ZERO;
        else
            break;
    }

    if ( *fmt == '*' )
    {
        sp->width = va_arg(*ap, int);
        if ( sp->width < 0 )
        {
            sp->flags |= F_LEFT;
            sp->width = -sp->width;
        }
        fmt++;
    }
    else
        for ( sp->width = 0; *fmt >= '0' && *fmt <= '9'; fmt++ )
            sp->width = sp->width * 10 + (*fmt - '0');

    if ( *fmt == '.' )
    {
        fmt++;
        if ( *fmt == '*' )
        {
            sp->precision = va_arg(*ap, int);
            fmt++;
        }
        else
            for ( sp->precision = 0; *fmt >= '0' && *fmt <= '9'; fmt++ )
                sp->precision = sp->precision * 10 + (*fmt - '0');
        if ( sp->precision < 0 )
            sp->precision = -1;
    }

    if ( fmt[0] == 'h' && fmt[1] == 'h' )
        sp->length = 'H', fmt += 2;
    else if ( fmt[0] == 'l' && fmt[1] == 'l' )
        sp->length = 'L', fmt += 2;
    else if ( *fmt == 'h' )
        sp->length = 'h', fmt++;
    else if ( *fmt == 'l' || *fmt == 'z' || *fmt == 't' || *fmt == 'j' )
        sp->length = 'l', fmt++;
    return fmt;
}

static unsigned long long arg_unsigned(const struct spec *sp, va_list *ap)
{
    switch ( sp->length )
    {
    case 'H': return (unsigned char)va_arg(*ap, unsigned int);
    case 'h': return (unsigned short)va_arg(*ap, unsigned int);
    case 'l': return va_arg(*ap, unsigned long);
    case 'L': return va_arg(*ap, unsigned long long);
    default: return va_arg(*ap, unsigned int);
    }
}

static long long arg_signed(const struct spec *sp, va_list *ap)
{
    switch ( sp->length )
    {
    case 'H': return (signed char)va_arg(*ap, int);
    case 'h': return (short)va_arg(*ap, int);
    case 'l': return va_arg(*ap, long);
    case 'L': return va_arg(*ap, long long);
    default: return va_arg(*ap, int);
    }
}

/* u o x X: '+' and ' ' are for signed conversions only. */
static void put_unsigned(struct out *o, char conv, struct spec *sp, va_list *ap)
{
    sp->flags &= ~(F_PLUS | F_SPACE);
    if ( conv == 'X' )
        sp->flags |= F_UPPER;
    put_num(o, arg_unsigned(sp, ap), false, conv == 'u' ? 10 : conv == 'o' ? 8 : 16, sp);
}

/* %c writes its character even when it is NUL (put_str would stop there). */
static void put_char(struct out *o, char c, const struct spec *sp)
{
    if ( !(sp->flags & F_LEFT) )
        pad(o, ' ', sp->width - 1);
    put(o, c);
    if ( sp->flags & F_LEFT )
        pad(o, ' ', sp->width - 1);
}

/* %p and its extensions; returns the format position after the conversion. */
static const char *put_pointer(struct out *o, const char *fmt, struct spec *sp, va_list *ap)
{
    unsigned long p = (unsigned long)va_arg(*ap, void *);

    if ( fmt[1] == 'S' || fmt[1] == 's' )
    {
        unsigned long off;
        const char *name = symbol_lookup(p, &off);
        char tmp[32];
        struct spec plain = {0, -1, -1, 0};

        if ( name )
        {
            put_str(o, name, &plain);
            if ( fmt[1] == 'S' )
            {
                snprintf(tmp, sizeof(tmp), "+%#lx", off);
                put_str(o, tmp, &plain);
            }
            return fmt + 2;
        }
        fmt++;
    }
    /* "0x" and 16 digits, NULL included ('#' would drop the 0x for zero). */
    put(o, '0');
    put(o, 'x');
    sp->flags = F_ZERO;
    sp->width = 16;
    sp->precision = -1;
    put_num(o, p, false, 16, sp);
    return fmt + 1;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list args)
{
    struct out o = {buf, size, 0};
    struct spec sp;
    va_list ap;

    va_copy(ap, args);
    while ( *fmt )
    {
        if ( *fmt != '%' )
        {
            put(&o, *fmt++);
            continue;
        }
        fmt = parse_spec(fmt + 1, &sp, &ap);
        switch ( *fmt )
        {
        case 'd':
        case 'i':
        {
            long long v = arg_signed(&sp, &ap);
            put_num(&o, v < 0 ? -(unsigned long long)v : (unsigned long long)v, v < 0, 10, &sp);
            break;
        }
        case 'u':
        case 'o':
        case 'x':
        case 'X': put_unsigned(&o, *fmt, &sp, &ap); break;
        case 'c': put_char(&o, (char)va_arg(ap, int), &sp); break;
        case 's': put_str(&o, va_arg(ap, const char *), &sp); break;
        case 'p': fmt = put_pointer(&o, fmt, &sp, &ap); continue;
        case '%': put(&o, '%'); break;
        case '\0': fmt--; break;
        default:
            put(&o, '%');
            put(&o, *fmt);
            break;
        }
        fmt++;
    }
    va_end(ap);

    if ( size )
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
