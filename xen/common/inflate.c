/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * gzip (RFC 1952) and DEFLATE (RFC 1951) decoder.
 *
 * Theory of operation
 *
 * As in unxz.c the whole input and a flat output buffer are given at once:
 * the 32 KiB DEFLATE window is the output written so far, so back
 * references copy from out[pos - distance] and nothing but the Huffman
 * tables and the CRC table (about 11 KiB) is allocated.
 *
 * Bits are consumed from a 64-bit buffer, least significant first, that a
 * refill tops up to at least 56 bits: one refill covers the longest symbol
 * (15-bit length code + 5 extra bits + 15-bit distance code + 13 extra).
 * Far from the end of the input the refill loads eight bytes at once; near
 * it, missing bytes read as zero and the position runs past the end, which
 * the decoder notices before using those bits (bits_overrun()).
 *
 * Huffman codes decode through a 2^FAST_BITS-entry table indexed by the
 * next (bit-reversed) input bits; the rare longer codes fall back to a
 * canonical decode one bit at a time. Codes that leave some bit patterns
 * unused are accepted: such a pattern in the data is rejected when met.
 *
 * The decoder state is private to one call: no locking.
 */
#include <xen/decompress.h>
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/mm.h>

#define DECODE_INLINE static inline __attribute__((always_inline))

typedef u64 __attribute__((may_alias, aligned(1))) unaligned_u64;
typedef u32 __attribute__((may_alias, aligned(1))) unaligned_u32;

#define MAX_CODE_BITS   15
#define FAST_BITS       10
#define FAST_SYM_BITS   9 /* table entry: symbol, then code length above it */
#define LITLEN_SYMBOLS  288
#define DIST_SYMBOLS    30
#define CODELEN_SYMBOLS 19
#define END_OF_BLOCK    256
#define FIRST_LENGTH    257
#define LENGTH_CODES    29

#define BLOCK_STORED  0
#define BLOCK_FIXED   1
#define BLOCK_DYNAMIC 2

/* A canonical Huffman code. */
struct huff
{
    u16 fast[1 << FAST_BITS];     /* (length << FAST_SYM_BITS) | symbol, 0: longer code */
    u16 count[MAX_CODE_BITS + 1]; /* number of codes of each length */
    u16 symbols[LITLEN_SYMBOLS];  /* symbols in code order */
};

/* Per-call workspace of gunzip(). */
struct inflate_ws
{
    struct huff litlen, dist;
    struct crc32_table crc32;
};

struct bits
{
    u64 buf;          /* unconsumed bits, next one in bit 0 */
    unsigned int cnt; /* valid bits in buf (bits above are the next bytes or 0) */
    const u8 *in;
    size_t pos; /* next byte to load; may pass len (zeros were loaded) */
    size_t len;
};

struct out
{
    u8 *buf;
    size_t pos;
    size_t max;
    size_t start; /* where this gzip member's output begins */
};

static const u16 length_base[LENGTH_CODES] = {3,  4,  5,  6,   7,   8,   9,   10,  11, 13,
                                              15, 17, 19, 23,  27,  31,  35,  43,  51, 59,
                                              67, 83, 99, 115, 131, 163, 195, 227, 258};
static const u8 length_extra[LENGTH_CODES] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                              2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const u16 dist_base[DIST_SYMBOLS] = {
    1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
    193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const u8 dist_extra[DIST_SYMBOLS] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                            6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
/* The order in which a dynamic block lists the code length code's lengths. */
static const u8 codelen_order[CODELEN_SYMBOLS] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                                  11, 4,  12, 3, 13, 2, 14, 1, 15};

/* ---- bit input ---- */

DECODE_INLINE void bits_refill(struct bits *b)
{
    if ( likely(b->pos + 8 <= b->len) )
    {
        b->buf |= *(const unaligned_u64 *)(b->in + b->pos) << b->cnt;
        b->pos += (63 - b->cnt) >> 3;
        b->cnt |= 56;
        return;
    }
    for ( ; b->cnt <= 56; b->cnt += 8, b->pos++ )
        b->buf |= (u64)(b->pos < b->len ? b->in[b->pos] : 0) << b->cnt;
}

/* Whether bits that were consumed came from past the end of the input. */
DECODE_INLINE bool bits_overrun(const struct bits *b)
{
    return unlikely(b->pos > b->len) && (b->pos - b->len) * 8 > b->cnt;
}

/* Take n <= 32 bits (the caller made sure they are loaded). */
DECODE_INLINE u32 bits_take(struct bits *b, unsigned int n)
{
    u32 v = (u32)(b->buf & ((1ULL << n) - 1));

    b->buf >>= n;
    b->cnt -= n;
    return v;
}

/* Take n bits, loading more first. */
static u32 bits_get(struct bits *b, unsigned int n)
{
    bits_refill(b);
    return bits_take(b, n);
}

/* Drop the bits up to the next byte boundary and give back whole bytes. */
static void bits_align_and_rewind(struct bits *b)
{
    b->cnt &= ~7U;
    b->pos -= b->cnt >> 3;
    b->buf = 0;
    b->cnt = 0;
}

/* ---- Huffman codes ---- */

static unsigned int reverse_bits(unsigned int code, unsigned int n)
{
    unsigned int r = 0;

    while ( n-- )
    {
        r = (r << 1) | (code & 1);
        code >>= 1;
    }
    return r;
}

/*
 * Build the code whose symbol i has code length lens[i] (0: unused).
 * Canonical codes: shorter codes first, and within a length in symbol
 * order, each code one more than the previous.
 */
static int huff_build(struct huff *h, const u8 *lens, unsigned int n)
{
    u16 offs[MAX_CODE_BITS + 2];
    int left = 1;
    unsigned int code = 0, idx = 0;

    memset(h->count, 0, sizeof(h->count));
    for ( unsigned int i = 0; i < n; i++ )
        h->count[lens[i]]++;
    h->count[0] = 0;
    offs[1] = 0;
    for ( unsigned int len = 1; len <= MAX_CODE_BITS; len++ )
    {
        left = (left << 1) - h->count[len];
        if ( left < 0 )
            return -EINVAL; /* more codes than bit patterns */
        offs[len + 1] = offs[len] + h->count[len];
    }
    for ( unsigned int i = 0; i < n; i++ )
        if ( lens[i] )
            h->symbols[offs[lens[i]]++] = (u16)i;

    memset(h->fast, 0, sizeof(h->fast));
    for ( unsigned int len = 1; len <= FAST_BITS; len++, code <<= 1 )
        for ( unsigned int k = 0; k < h->count[len]; k++, code++, idx++ )
            for ( unsigned int r = reverse_bits(code, len); r < (1U << FAST_BITS); r += 1U << len )
                h->fast[r] = (u16)((len << FAST_SYM_BITS) | h->symbols[idx]);
    return 0;
}

/* A code longer than FAST_BITS (or an unused pattern): one bit at a time. */
static int huff_slow(const struct huff *h, struct bits *b)
{
    u64 in = b->buf;
    int code = 0, first = 0, idx = 0;

    for ( unsigned int len = 1; len <= MAX_CODE_BITS; len++ )
    {
        int count = h->count[len];

        code |= (int)(in & 1);
        in >>= 1;
        if ( code - first < count )
        {
            bits_take(b, len);
            return h->symbols[idx + code - first];
        }
        idx += count;
        first = (first + count) << 1;
        code <<= 1;
    }
    return -EINVAL;
}

/* One symbol; needs MAX_CODE_BITS loaded bits. */
DECODE_INLINE int huff_decode(const struct huff *h, struct bits *b)
{
    unsigned int e = h->fast[b->buf & ((1U << FAST_BITS) - 1)];

    if ( likely(e) )
    {
        bits_take(b, e >> FAST_SYM_BITS);
        return (int)(e & ((1U << FAST_SYM_BITS) - 1));
    }
    return huff_slow(h, b);
}

/* ---- DEFLATE blocks ---- */

/* A length/distance pair after length symbol sym (>= FIRST_LENGTH). */
DECODE_INLINE int inflate_match(struct inflate_ws *ws, struct bits *b, struct out *o, int sym)
{
    unsigned int li = (unsigned int)sym - FIRST_LENGTH, di;
    size_t len, dist;
    int dsym;

    if ( unlikely(li >= LENGTH_CODES) )
        return -EINVAL;
    len = length_base[li] + bits_take(b, length_extra[li]);
    dsym = huff_decode(&ws->dist, b);
    if ( unlikely(dsym < 0) )
        return dsym;
    di = (unsigned int)dsym;
    dist = dist_base[di] + bits_take(b, dist_extra[di]);
    if ( unlikely(dist > o->pos - o->start) )
        return -EINVAL;
    if ( unlikely(len > o->max - o->pos) )
        return -ENOSPC;
    decompress_copy_match(o->buf, o->pos, dist, len, o->max);
    o->pos += len;
    return 0;
}

/* The symbols of a Huffman-coded block, up to its end-of-block symbol. */
static int inflate_codes(struct inflate_ws *ws, struct bits *b, struct out *o)
{
    for ( ;; )
    {
        int sym, rc;

        bits_refill(b);
        if ( bits_overrun(b) )
            return -EINVAL;
        sym = huff_decode(&ws->litlen, b);
        if ( sym < END_OF_BLOCK )
        {
            if ( unlikely(sym < 0) )
                return sym;
            if ( unlikely(o->pos >= o->max) )
                return -ENOSPC;
            o->buf[o->pos++] = (u8)sym;
            continue;
        }
        if ( sym == END_OF_BLOCK )
            return bits_overrun(b) ? -EINVAL : 0;
        rc = inflate_match(ws, b, o, sym);
        if ( rc )
            return rc;
    }
}

static int inflate_stored(struct bits *b, struct out *o)
{
    u32 len, nlen;

    bits_refill(b);
    bits_take(b, b->cnt & 7);
    len = bits_take(b, 16);
    nlen = bits_take(b, 16);
    if ( bits_overrun(b) || len != (~nlen & 0xffff) )
        return -EINVAL;
    bits_align_and_rewind(b);
    if ( len > b->len - b->pos )
        return -EINVAL;
    if ( len > o->max - o->pos )
        return -ENOSPC;
    memcpy(o->buf + o->pos, b->in + b->pos, len);
    o->pos += len;
    b->pos += len;
    return 0;
}

static int inflate_fixed_codes(struct inflate_ws *ws)
{
    u8 lens[LITLEN_SYMBOLS];
    unsigned int i = 0;
    int rc;

    for ( ; i < 144; i++ )
        lens[i] = 8;
    for ( ; i < 256; i++ )
        lens[i] = 9;
    for ( ; i < 280; i++ )
        lens[i] = 7;
    for ( ; i < LITLEN_SYMBOLS; i++ )
        lens[i] = 8;
    rc = huff_build(&ws->litlen, lens, LITLEN_SYMBOLS);
    memset(lens, 5, DIST_SYMBOLS);
    return rc ?: huff_build(&ws->dist, lens, DIST_SYMBOLS);
}

/* The literal/length and distance code lengths, themselves Huffman coded. */
static int inflate_read_lengths(struct huff *codelen, struct bits *b, u8 *lens, unsigned int n)
{
    for ( unsigned int i = 0; i < n; )
    {
        unsigned int rep, val = 0;
        int sym;

        bits_refill(b);
        sym = huff_decode(codelen, b);
        if ( sym < 0 || bits_overrun(b) )
            return -EINVAL;
        if ( sym < 16 )
        {
            lens[i++] = (u8)sym;
            continue;
        }
        if ( sym == 16 )
        {
            if ( i == 0 )
                return -EINVAL; /* nothing to repeat */
            val = lens[i - 1];
            rep = 3 + bits_take(b, 2);
        }
        else if ( sym == 17 )
            rep = 3 + bits_take(b, 3);
        else
            rep = 11 + bits_take(b, 7);
        if ( rep > n - i )
            return -EINVAL;
        memset(lens + i, val, rep);
        i += rep;
    }
    return 0;
}

static int inflate_dynamic_codes(struct inflate_ws *ws, struct bits *b)
{
    u8 lens[LITLEN_SYMBOLS + DIST_SYMBOLS];
    unsigned int nlit, ndist, nclen;
    int rc;

    bits_refill(b);
    nlit = bits_take(b, 5) + 257;
    ndist = bits_take(b, 5) + 1;
    nclen = bits_take(b, 4) + 4;
    if ( nlit > 286 || ndist > DIST_SYMBOLS )
        return -EINVAL;
    memset(lens, 0, CODELEN_SYMBOLS);
    for ( unsigned int i = 0; i < nclen; i++ )
        lens[codelen_order[i]] = (u8)bits_get(b, 3);
    /* The code length code borrows the distance table's storage. */
    rc = huff_build(&ws->dist, lens, CODELEN_SYMBOLS);
    if ( !rc )
        rc = inflate_read_lengths(&ws->dist, b, lens, nlit + ndist);
    if ( !rc && !lens[END_OF_BLOCK] )
        rc = -EINVAL; /* a block could never end */
    if ( !rc )
        rc = huff_build(&ws->litlen, lens, nlit);
    return rc ?: huff_build(&ws->dist, lens + nlit, ndist);
}

/* A whole DEFLATE stream, up to and including its final block. */
static int inflate(struct inflate_ws *ws, struct bits *b, struct out *o)
{
    bool final;

    do
    {
        unsigned int type;
        int rc;

        bits_refill(b);
        final = bits_take(b, 1);
        type = bits_take(b, 2);
        if ( type == BLOCK_STORED )
            rc = inflate_stored(b, o);
        else if ( type == BLOCK_FIXED )
            rc = inflate_fixed_codes(ws) ?: inflate_codes(ws, b, o);
        else if ( type == BLOCK_DYNAMIC )
            rc = inflate_dynamic_codes(ws, b) ?: inflate_codes(ws, b, o);
        else
            rc = -EINVAL;
        /* Running out of output on bits past the end: the input is truncated. */
        if ( rc )
            return rc == -ENOSPC && bits_overrun(b) ? -EINVAL : rc;
    } while ( !final );
    return 0;
}

/* ---- gzip members ---- */

#define GZIP_CM_DEFLATE 8
#define GZIP_FHCRC      0x02
#define GZIP_FEXTRA     0x04
#define GZIP_FNAME      0x08
#define GZIP_FCOMMENT   0x10
#define GZIP_FRESERVED  0xe0
#define GZIP_HEADER_MIN 10
#define GZIP_TRAILER    8

/* Skip a zero-terminated field. */
static int gzip_skip_string(const u8 *in, size_t len, size_t *ip)
{
    while ( *ip < len )
        if ( !in[(*ip)++] )
            return 0;
    return -EINVAL;
}

/* A member header at in[0]; *ip is set to where its DEFLATE data starts. */
static int gzip_header(struct inflate_ws *ws, const u8 *in, size_t len, size_t *ip)
{
    u8 flags;
    int rc = 0;

    if ( len < GZIP_HEADER_MIN || in[0] != 0x1f || in[1] != 0x8b )
        return -EINVAL;
    if ( in[2] != GZIP_CM_DEFLATE )
        return -EOPNOTSUPP;
    flags = in[3];
    if ( flags & GZIP_FRESERVED )
        return -EINVAL;
    *ip = GZIP_HEADER_MIN;
    if ( flags & GZIP_FEXTRA )
    {
        size_t xlen;

        if ( len - *ip < 2 )
            return -EINVAL;
        xlen = in[*ip] | ((size_t)in[*ip + 1] << 8);
        *ip += 2;
        if ( xlen > len - *ip )
            return -EINVAL;
        *ip += xlen;
    }
    if ( flags & GZIP_FNAME )
        rc = gzip_skip_string(in, len, ip);
    if ( !rc && (flags & GZIP_FCOMMENT) )
        rc = gzip_skip_string(in, len, ip);
    if ( !rc && (flags & GZIP_FHCRC) )
    {
        u32 crc = crc32_update(&ws->crc32, 0, in, *ip);

        if ( len - *ip < 2 || (crc & 0xffff) != (in[*ip] | ((u32)in[*ip + 1] << 8)) )
            return -EINVAL;
        *ip += 2;
    }
    return rc;
}

/* One member at in[0]; its output is appended to o. Sets *used. */
static int gzip_member(struct inflate_ws *ws, const u8 *in, size_t len, struct out *o, size_t *used)
{
    struct bits b = {.in = in, .len = len};
    int rc = gzip_header(ws, in, len, &b.pos);

    if ( rc )
        return rc;
    o->start = o->pos;
    rc = inflate(ws, &b, o);
    if ( rc )
        return rc;
    if ( bits_overrun(&b) )
        return -EINVAL;
    bits_align_and_rewind(&b);
    if ( len - b.pos < GZIP_TRAILER )
        return -EINVAL;
    if ( crc32_update(&ws->crc32, 0, o->buf + o->start, o->pos - o->start) !=
             *(const unaligned_u32 *)(in + b.pos) ||
         (u32)(o->pos - o->start) != *(const unaligned_u32 *)(in + b.pos + 4) )
        return -EINVAL;
    *used = b.pos + GZIP_TRAILER;
    return 0;
}

/*
 * Members one after the other, as RFC 1952 allows; trailing zero bytes
 * (padding some tools add) are ignored, anything else is an error.
 */
int gunzip(const void *in, size_t in_len, void *out, size_t out_max, size_t *out_len)
{
    struct inflate_ws *ws = xmalloc_bytes(sizeof(*ws));
    struct out o = {.buf = out, .max = out_max};
    const u8 *p = in;
    size_t ip = 0;
    int rc;

    if ( !ws )
        return -ENOMEM;
    crc32_init(&ws->crc32);
    do
    {
        size_t used = 0;

        rc = gzip_member(ws, p + ip, in_len - ip, &o, &used);
        ip += used;
        while ( !rc && ip < in_len && !p[ip] )
            ip++;
    } while ( !rc && ip < in_len );
    xfree(ws);
    if ( !rc )
        *out_len = o.pos;
    return rc;
}

/* ISIZE of the last member: the last four bytes, the size modulo 2^32. */
int gunzip_size(const void *in, size_t in_len, size_t *size)
{
    const u8 *p = in;

    if ( in_len < GZIP_HEADER_MIN + 2 + GZIP_TRAILER || p[0] != 0x1f || p[1] != 0x8b )
        return -EINVAL;
    *size = *(const unaligned_u32 *)(p + in_len - 4);
    return 0;
}
