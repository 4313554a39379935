/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * .xz decoder: container, LZMA2, LZMA and the x86 BCJ filter, written from
 * the .xz file format specification and the LZMA/LZMA2 algorithm.
 *
 * Theory of operation
 *
 * The whole input and a flat output buffer are given at once, so the
 * decoder never streams: the LZMA dictionary is simply the output written
 * so far (matches copy from out[pos - distance]), and a filter is applied
 * to a whole block after LZMA2 has produced it. Nothing but the ~30 KiB of
 * adaptive probabilities, their 8 KiB update tables and the CRC tables is
 * allocated.
 *
 *   stream  = header (magic, check type), blocks, index, footer, then
 *             optional zero padding and more streams.
 *   block   = header (filters, optional sizes), LZMA2 data, padding, check
 *             of the block's decoded bytes (none, CRC32 or CRC64).
 *   LZMA2   = chunks: uncompressed copies, or LZMA chunks each with its own
 *             range coder and an exact decoded size; a control byte says
 *             whether the dictionary, the LZMA state or its lc/lp/pb reset.
 *   LZMA    = a range coder driving adaptive binary probabilities: each
 *             symbol is a literal byte, a match (length, distance), or a
 *             repeat of one of the four last distances.
 *
 * Safety: input is read without a bounds check only while a whole symbol's
 * worth of it (LZMA_SYMBOL_MAX_IN bytes) remains in the LZMA chunk; near
 * the chunk's end the range decoder reads zeros past it and the chunk is
 * rejected afterwards. Every match distance is checked against the bytes written
 * since the last dictionary reset and every length against the chunk's
 * declared size, which was checked against out_max before decoding.
 * Bytes of out beyond the returned length may be overwritten (match copies
 * run in 8-byte words, see decompress_copy_match()).
 *
 * The decoder state is private to one call: no locking.
 */
#include <xen/decompress.h>
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/mm.h>

#define DECODE_INLINE static inline __attribute__((always_inline))

typedef u32 __attribute__((may_alias, aligned(1))) unaligned_u32;
typedef u64 __attribute__((may_alias, aligned(1))) unaligned_u64;

static inline u32 get_le32(const u8 *p)
{
    return *(const unaligned_u32 *)p;
}

static inline u16 get_be16(const u8 *p)
{
    return (u16)((p[0] << 8) | p[1]);
}

/* ---- LZMA: constants of the format ---- */

#define LZMA_STATES       12 /* kinds of recent history (literal/match/rep...) */
#define LZMA_LIT_STATES   7  /* states below this follow a literal */
#define POS_STATES_MAX    16 /* 1 << pb, pb <= 4 */
#define LITERAL_PROBS     0x300
#define LITERAL_CODERS    16 /* 1 << (lc + lp), lc + lp <= 4 in LZMA2 */
#define LEN_LOW_SYMBOLS   8
#define LEN_MID_SYMBOLS   8
#define LEN_HIGH_SYMBOLS  256
#define MATCH_LEN_MIN     2
#define MATCH_LEN_MAX     (MATCH_LEN_MIN + LEN_LOW_SYMBOLS + LEN_MID_SYMBOLS + LEN_HIGH_SYMBOLS - 1)
#define DIST_STATES       4 /* distance slot context: length 2, 3, 4, 5+ */
#define DIST_SLOT_BITS    6
#define DIST_MODEL_START  4   /* slots below this are the distance itself */
#define DIST_MODEL_END    14  /* slots below this code low bits with probabilities */
#define DIST_SPECIAL_SIZE 114 /* sum over slots 4..13 of 2^bits - 1 */
#define ALIGN_BITS        4

#define RC_TOP_VALUE  (1U << 24) /* renormalise below this range */
#define RC_PROB_BITS  11
#define RC_PROB_INIT  (1U << (RC_PROB_BITS - 1)) /* probability 0.5 */
#define RC_MOVE_BITS  5                          /* adaptation speed */
#define RC_INIT_BYTES 5

struct lzma_len_probs
{
    u16 choice;  /* 0: low lengths */
    u16 choice2; /* 0: mid lengths, 1: high */
    u16 low[POS_STATES_MAX][LEN_LOW_SYMBOLS];
    u16 mid[POS_STATES_MAX][LEN_MID_SYMBOLS];
    u16 high[LEN_HIGH_SYMBOLS];
};

/* All adaptive probabilities; every one starts at RC_PROB_INIT. */
struct lzma_probs
{
    u16 is_match[LZMA_STATES][POS_STATES_MAX];
    u16 is_rep[LZMA_STATES];
    u16 is_rep0[LZMA_STATES];
    u16 is_rep1[LZMA_STATES];
    u16 is_rep2[LZMA_STATES];
    u16 is_rep0_long[LZMA_STATES][POS_STATES_MAX];
    u16 dist_slot[DIST_STATES][1 << DIST_SLOT_BITS];
    u16 dist_special[DIST_SPECIAL_SIZE];
    u16 dist_align[1 << ALIGN_BITS];
    struct lzma_len_probs match_len;
    struct lzma_len_probs rep_len;
    u16 literal[LITERAL_CODERS * LITERAL_PROBS]; /* must stay last: see lzma_reset() */
};

/* LZMA decoder state that lives across the chunks of one block. */
struct lzma_dec
{
    struct lzma_probs p;
    u32 state;
    u32 rep0, rep1, rep2, rep3; /* last distances, minus one */
    unsigned int lc;            /* literal context: high bits of the previous byte */
    unsigned int lp;            /* literal context: low bits of the position */
    unsigned int pb;            /* match context: low bits of the position */
    /*
     * A probability after a 0 (upd[0]) or a 1 (upd[1]) was decoded with
     * it: one load instead of three or four instructions per bit.
     */
    u16 upd[2][1U << RC_PROB_BITS];
};

/* The flat output: the dictionary is out[dict_start, pos). */
struct outbuf
{
    u8 *buf;
    size_t pos;
    size_t max;
    size_t dict_start;
};

/* Per-call workspace of unxz(). */
struct xz_dec
{
    struct lzma_dec lzma;
    struct crc32_table crc32;
    u64 crc64[256];
};

/*
 * Range decoder over one LZMA chunk. It lives in locals of lzma_chunk()
 * (every helper is always_inline) so that the compiler keeps it in
 * registers. Each helper comes in two flavours selected by a constant
 * "checked": unchecked, it reads input bytes without a bounds test, which
 * lzma_chunk() only allows while at least LZMA_SYMBOL_MAX_IN bytes remain;
 * checked, a read past the end yields a zero and sets overrun, which
 * rejects the chunk.
 */
struct rc
{
    u32 range;
    u32 code;
    const u8 *in;                         /* next input byte */
    const u8 *end;                        /* end of the chunk's input */
    bool overrun;                         /* a checked read went past end */
    const u16 (*upd)[1U << RC_PROB_BITS]; /* struct lzma_dec's upd */
};

/*
 * At most this many bits (hence input bytes: one per bit at most) make one
 * symbol: is_match, is_rep, two length choices, an 8-bit length, a 6-bit
 * distance slot, 26 direct bits and 4 alignment bits.
 */
#define LZMA_SYMBOL_MAX_IN 48

/* One LZMA chunk being decoded: locals of lzma_chunk(), see struct rc. */
struct lzma_run
{
    struct rc rc;
    u8 *buf;           /* the flat output: dictionary and destination */
    size_t pos;        /* next byte of buf to write */
    size_t limit;      /* end of this chunk's output */
    size_t dict_start; /* the dictionary is buf[dict_start, pos) */
    size_t buf_max;
    u32 state;
    u32 rep0, rep1, rep2, rep3; /* last distances, minus one */
    unsigned int pb_mask;       /* (1 << pb) - 1 */
    unsigned int lc;
    unsigned int lit_mask; /* see lzma_literal() */
};

/* ---- range decoder ---- */

DECODE_INLINE void rc_normalize(struct rc *rc, bool checked)
{
    if ( rc->range < RC_TOP_VALUE )
    {
        rc->range <<= 8;
        rc->code <<= 8;
        if ( !checked || likely(rc->in < rc->end) )
            rc->code |= *rc->in++;
        else
            rc->overrun = true;
    }
}

/* Decode one bit with adaptive probability *prob (of a 0). */
DECODE_INLINE bool rc_bit(struct rc *rc, u16 *prob, bool checked)
{
    u32 p = *prob, bound;

    rc_normalize(rc, checked);
    bound = (rc->range >> RC_PROB_BITS) * p;
    if ( rc->code < bound )
    {
        rc->range = bound;
        *prob = rc->upd[0][p];
        return false;
    }
    rc->range -= bound;
    rc->code -= bound;
    *prob = rc->upd[1][p];
    return true;
}

/* One step down a bit tree: *node becomes its child 2 * node + bit. */
DECODE_INLINE void rc_step(struct rc *rc, u16 *probs, size_t *node, bool checked)
{
    if ( rc_bit(rc, &probs[*node], checked) )
        *node = (*node << 1) + 1;
    else
        *node <<= 1;
}

/*
 * A bits-wide symbol, most significant bit first; probs[1 .. 2^bits). The
 * callers pass a constant bits, so the loop is written out.
 */
DECODE_INLINE unsigned int rc_tree(struct rc *rc, u16 *probs, unsigned int bits, bool checked)
{
    size_t node = 1;

#pragma GCC unroll 8
    for ( unsigned int i = 0; i < bits; i++ )
        rc_step(rc, probs, &node, checked);
    return (unsigned int)node - (1U << bits);
}

/* A bits-wide symbol, least significant bit first; probs[0 .. 2^bits - 1). */
DECODE_INLINE unsigned int rc_tree_reverse(struct rc *rc, u16 *probs, unsigned int bits,
                                           bool checked)
{
    size_t node = 1;
    unsigned int sym = 0;

#pragma GCC unroll 4
    for ( unsigned int i = 0; i < bits; i++ )
    {
        if ( rc_bit(rc, &probs[node - 1], checked) )
        {
            node = (node << 1) + 1;
            sym |= 1U << i;
        }
        else
            node <<= 1;
    }
    return sym;
}

/*
 * Bits with fixed probability one half, most significant first (bits >= 1).
 * Without a branch: code - range has its top bit set exactly when code was
 * below range (code < 2 * range < 2^32), and that bit then undoes the
 * subtraction and makes the decoded bit 0.
 */
DECODE_INLINE u32 rc_direct(struct rc *rc, unsigned int bits, bool checked)
{
    u32 v = 0;

    do
    {
        u32 below;

        rc_normalize(rc, checked);
        rc->range >>= 1;
        rc->code -= rc->range;
        below = 0U - (rc->code >> 31);
        rc->code += rc->range & below;
        v = (v << 1) + 1 + below;
    } while ( --bits );
    return v;
}

/* ---- LZMA ---- */

/* The adaptation rule: a probability moves 1/32 of the way to 0 or 2048. */
static void lzma_init_updates(struct lzma_dec *s)
{
    for ( unsigned int p = 0; p < (1U << RC_PROB_BITS); p++ )
    {
        s->upd[0][p] = (u16)(p + (((1U << RC_PROB_BITS) - p) >> RC_MOVE_BITS));
        s->upd[1][p] = (u16)(p - (p >> RC_MOVE_BITS));
    }
}

static void lzma_reset(struct lzma_dec *s)
{
    size_t n = offsetof(struct lzma_probs, literal) / sizeof(u16) +
               ((size_t)LITERAL_PROBS << (s->lc + s->lp));
    u16 *p = (u16 *)&s->p;

    for ( size_t i = 0; i < n; i++ )
        p[i] = RC_PROB_INIT;
    s->state = 0;
    s->rep0 = s->rep1 = s->rep2 = s->rep3 = 0;
}

/* The LZMA state after a literal, a match, a repeated match, a short rep. */
static const u8 state_after_literal[LZMA_STATES] = {0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 4, 5};
#define STATE_AFTER_MATCH(s) ((s) < LZMA_LIT_STATES ? 7 : 10)
#define STATE_AFTER_REP(s)   ((s) < LZMA_LIT_STATES ? 8 : 11)
#define STATE_AFTER_SHORT(s) ((s) < LZMA_LIT_STATES ? 9 : 11)

/*
 * The eight bits of a literal after a match. The byte at distance rep0 is
 * a likely guess (though not the literal itself, or the match would have
 * gone on): while the decoded bits agree with it, each bit uses one of two
 * further sets of 0x100 probabilities, chosen by the guessed bit. From the
 * first difference on, the plain ones: the remaining bits are decoded by
 * jumping into a written-out sequence.
 */
DECODE_INLINE unsigned int lzma_matched_literal(struct rc *rc, u16 *probs, size_t guess,
                                                bool checked)
{
    size_t sym = 1;

#pragma GCC unroll 8
    for ( unsigned int i = 0; i < 8; i++ )
    {
        size_t gbit = guess & 0x80; /* the guessed bit, at 0x80 */

        guess <<= 1;
        if ( rc_bit(rc, &probs[0x100 + 2 * gbit + sym], checked) )
        {
            sym = (sym << 1) + 1;
            if ( !gbit )
                break;
        }
        else
        {
            sym <<= 1;
            if ( gbit )
                break;
        }
    }
    /* sym is 1 followed by the bits so far: 23 leading zeros when complete. */
    switch ( __builtin_clz((unsigned int)sym) - 23 )
    {
    case 7: rc_step(rc, probs, &sym, checked); __attribute__((fallthrough));
    case 6: rc_step(rc, probs, &sym, checked); __attribute__((fallthrough));
    case 5: rc_step(rc, probs, &sym, checked); __attribute__((fallthrough));
    case 4: rc_step(rc, probs, &sym, checked); __attribute__((fallthrough));
    case 3: rc_step(rc, probs, &sym, checked); __attribute__((fallthrough));
    case 2: rc_step(rc, probs, &sym, checked); __attribute__((fallthrough));
    case 1: rc_step(rc, probs, &sym, checked); __attribute__((fallthrough));
    default: break;
    }
    return (unsigned int)sym & 0xff;
}

/*
 * One literal byte at buf[pos]. Its 0x300 probabilities are chosen by the
 * low lp bits of the position and the high lc bits of the previous byte:
 * ((pos << 8) + prev) & lit_mask keeps exactly those bits, at bit 8 - lc
 * on, so shifting it left by lc gives the coder's index times 0x100.
 */
DECODE_INLINE void lzma_literal(struct lzma_dec *s, struct lzma_run *r, bool checked)
{
    size_t pos = r->pos;
    unsigned int prev = pos > r->dict_start ? r->buf[pos - 1] : 0;
    size_t ctx = (((pos << 8) + prev) & r->lit_mask) << r->lc;
    u16 *probs = s->p.literal + 3 * ctx;
    size_t sym = 1;

    if ( r->state < LZMA_LIT_STATES )
    {
#pragma GCC unroll 8
        for ( unsigned int i = 0; i < 8; i++ )
            rc_step(&r->rc, probs, &sym, checked);
    }
    else
        sym = lzma_matched_literal(&r->rc, probs, r->buf[pos - r->rep0 - 1], checked);
    r->buf[pos] = (u8)sym;
    r->pos = pos + 1;
    r->state = state_after_literal[r->state];
}

/* A match length minus MATCH_LEN_MIN: 0-7, 8-15 or 16-271. */
DECODE_INLINE unsigned int lzma_len(struct rc *rc, struct lzma_len_probs *l, unsigned int pos_state,
                                    bool checked)
{
    if ( !rc_bit(rc, &l->choice, checked) )
        return rc_tree(rc, l->low[pos_state], 3, checked);
    if ( !rc_bit(rc, &l->choice2, checked) )
        return LEN_LOW_SYMBOLS + rc_tree(rc, l->mid[pos_state], 3, checked);
    return LEN_LOW_SYMBOLS + LEN_MID_SYMBOLS + rc_tree(rc, l->high, 8, checked);
}

/*
 * A match distance minus one. A 6-bit slot gives the position of the
 * highest set bit and the bit below it; the remaining low bits come from
 * per-slot probabilities (small slots) or from fixed-probability bits
 * followed by four adaptive "alignment" bits (large slots).
 */
DECODE_INLINE u32 lzma_distance(struct rc *rc, struct lzma_probs *p, unsigned int len, bool checked)
{
    unsigned int ctx = len < DIST_STATES - 1 ? len : DIST_STATES - 1;
    unsigned int slot = rc_tree(rc, p->dist_slot[ctx], DIST_SLOT_BITS, checked);
    unsigned int bits;
    u32 dist;

    if ( slot < DIST_MODEL_START )
        return slot;
    bits = (slot >> 1) - 1;
    dist = (2 | (slot & 1)) << bits;
    if ( slot < DIST_MODEL_END )
        /* Slot s uses the 2^bits - 1 probabilities from dist - s on. */
        return dist + rc_tree_reverse(rc, p->dist_special + dist - slot, bits, checked);
    dist += rc_direct(rc, bits - ALIGN_BITS, checked) << ALIGN_BITS;
    return dist + rc_tree_reverse(rc, p->dist_align, ALIGN_BITS, checked);
}

/*
 * After is_rep and is_rep0 bits of 1: which of the three older distances
 * repeats. It moves to rep0.
 */
DECODE_INLINE void lzma_pick_rep(struct lzma_run *r, struct lzma_probs *p, bool checked)
{
    u32 dist;

    if ( !rc_bit(&r->rc, &p->is_rep1[r->state], checked) )
        dist = r->rep1;
    else
    {
        if ( !rc_bit(&r->rc, &p->is_rep2[r->state], checked) )
            dist = r->rep2;
        else
        {
            dist = r->rep3;
            r->rep3 = r->rep2;
        }
        r->rep2 = r->rep1;
    }
    r->rep1 = r->rep0;
    r->rep0 = dist;
}

/*
 * One symbol: a literal, a short rep (one byte from distance rep0), or a
 * match or repeated match, copied at once. Returns false for a distance
 * beyond the dictionary or a length beyond the chunk's declared size.
 */
DECODE_INLINE bool lzma_symbol(struct lzma_dec *s, struct lzma_run *r, bool checked)
{
    struct lzma_probs *p = &s->p;
    const unsigned int pos_state = r->pos & r->pb_mask;
    const u32 state = r->state;
    size_t len;

    if ( !rc_bit(&r->rc, &p->is_match[state][pos_state], checked) )
    {
        lzma_literal(s, r, checked);
        return true;
    }
    if ( !rc_bit(&r->rc, &p->is_rep[state], checked) )
    {
        len = lzma_len(&r->rc, &p->match_len, pos_state, checked);
        r->rep3 = r->rep2;
        r->rep2 = r->rep1;
        r->rep1 = r->rep0;
        r->rep0 = lzma_distance(&r->rc, p, len, checked);
        r->state = STATE_AFTER_MATCH(state);
    }
    else
    {
        if ( !rc_bit(&r->rc, &p->is_rep0[state], checked) )
        {
            if ( !rc_bit(&r->rc, &p->is_rep0_long[state][pos_state], checked) )
            {
                if ( unlikely(r->rep0 >= r->pos - r->dict_start) )
                    return false;
                r->buf[r->pos] = r->buf[r->pos - r->rep0 - 1];
                r->pos++;
                r->state = STATE_AFTER_SHORT(state);
                return true;
            }
        }
        else
            lzma_pick_rep(r, p, checked);
        len = lzma_len(&r->rc, &p->rep_len, pos_state, checked);
        r->state = STATE_AFTER_REP(state);
    }
    len += MATCH_LEN_MIN;
    /* Also rejects the end marker (distance 2^32), not used in LZMA2. */
    if ( unlikely(r->rep0 >= r->pos - r->dict_start || len > r->limit - r->pos) )
        return false;
    decompress_copy_match(r->buf, r->pos, (size_t)r->rep0 + 1, len, r->buf_max);
    r->pos += len;
    return true;
}

/*
 * Decode one LZMA chunk of in_size bytes into exactly out_size bytes at
 * o->pos (the caller checked they fit). Symbols are decoded without input
 * bounds checks while LZMA_SYMBOL_MAX_IN bytes or more remain, then with
 * them up to the chunk's end.
 */
static __attribute__((noinline)) int lzma_chunk(struct lzma_dec *s, struct outbuf *o, const u8 *in,
                                                size_t in_size, size_t out_size)
{
    struct lzma_run r = {
        .rc = {.range = ~0U, .in = in + RC_INIT_BYTES, .end = in + in_size, .upd = s->upd},
        .buf = o->buf,
        .pos = o->pos,
        .limit = o->pos + out_size,
        .dict_start = o->dict_start,
        .buf_max = o->max,
        .state = s->state,
        .rep0 = s->rep0,
        .rep1 = s->rep1,
        .rep2 = s->rep2,
        .rep3 = s->rep3,
        .pb_mask = (1U << s->pb) - 1,
        .lc = s->lc,
        .lit_mask = (0x100U << s->lp) - (0x100U >> s->lc),
    };

    if ( in_size < RC_INIT_BYTES || in[0] != 0 )
        return -EINVAL;
    r.rc.code = ((u32)in[1] << 24) | ((u32)in[2] << 16) | ((u32)in[3] << 8) | in[4];

    /*
     * Unchecked: n symbols at a time, few enough that the input cannot run
     * out (LZMA_SYMBOL_MAX_IN bytes a symbol at most) and that the output
     * has not reached its limit before any of them (MATCH_LEN_MAX bytes a
     * symbol at most), so the loop tests only n.
     */
    for ( ;; )
    {
        size_t n = (size_t)(r.rc.end - r.rc.in) / LZMA_SYMBOL_MAX_IN;

        n = min(n, (r.limit - r.pos + MATCH_LEN_MAX - 1) / MATCH_LEN_MAX);
        if ( !n )
            break;
        do
            if ( !lzma_symbol(s, &r, false) )
                return -EINVAL;
        while ( --n );
    }
    while ( r.pos < r.limit )
        if ( !lzma_symbol(s, &r, true) )
            return -EINVAL;

    /* The encoder's flush: all input consumed and the coder back at zero. */
    rc_normalize(&r.rc, true);
    if ( r.rc.in != r.rc.end || r.rc.overrun || r.rc.code != 0 )
        return -EINVAL;
    o->pos = r.pos;
    s->state = r.state;
    s->rep0 = r.rep0;
    s->rep1 = r.rep1;
    s->rep2 = r.rep2;
    s->rep3 = r.rep3;
    return 0;
}

/* The lc/lp/pb properties byte: (pb * 5 + lp) * 9 + lc. */
static int lzma_props(struct lzma_dec *s, u8 props)
{
    if ( props >= 9 * 5 * 5 )
        return -EINVAL;
    s->lc = props % 9;
    props /= 9;
    s->lp = props % 5;
    s->pb = props / 5;
    if ( s->lc + s->lp > 4 ) /* LZMA2's limit */
        return -EINVAL;
    return 0;
}

/* ---- LZMA2 ---- */

#define LZMA2_END            0x00
#define LZMA2_COPY_RESET     0x01 /* uncompressed chunk, dictionary reset */
#define LZMA2_COPY           0x02 /* uncompressed chunk */
#define LZMA2_LZMA           0x80 /* LZMA chunk; bits 5-6 say what resets */
#define LZMA2_RESET_STATE    1
#define LZMA2_RESET_PROPS    2
#define LZMA2_RESET_DICT     3
#define LZMA2_SIZE_HIGH_MASK 0x1f

struct lzma2_dec
{
    bool need_dict_reset; /* before the first chunk */
    bool need_props;      /* before the first LZMA chunk after a dictionary reset */
};

/* An uncompressed chunk: in[*ip] is its 16-bit size minus one. */
static int lzma2_copy(struct outbuf *o, const u8 *in, size_t in_len, size_t *ip)
{
    size_t n;

    if ( in_len - *ip < 2 )
        return -EINVAL;
    n = (size_t)get_be16(in + *ip) + 1;
    *ip += 2;
    if ( n > in_len - *ip )
        return -EINVAL;
    if ( n > o->max - o->pos )
        return -ENOSPC;
    memcpy(o->buf + o->pos, in + *ip, n);
    o->pos += n;
    *ip += n;
    return 0;
}

/* An LZMA chunk with control byte ctrl; in[*ip] is the rest of its header. */
static int lzma2_lzma(struct lzma2_dec *d, struct lzma_dec *s, struct outbuf *o, u8 ctrl,
                      const u8 *in, size_t in_len, size_t *ip)
{
    unsigned int reset = (ctrl >> 5) & 3;
    size_t hdr = reset >= LZMA2_RESET_PROPS ? 5 : 4;
    size_t out_size, in_size;
    int rc;

    if ( in_len - *ip < hdr )
        return -EINVAL;
    out_size = ((size_t)(ctrl & LZMA2_SIZE_HIGH_MASK) << 16) + get_be16(in + *ip) + 1;
    in_size = (size_t)get_be16(in + *ip + 2) + 1;
    if ( reset >= LZMA2_RESET_PROPS )
    {
        rc = lzma_props(s, in[*ip + 4]);
        if ( rc )
            return rc;
        d->need_props = false;
    }
    else if ( d->need_props )
        return -EINVAL;
    if ( reset >= LZMA2_RESET_STATE )
        lzma_reset(s);
    *ip += hdr;
    if ( in_size > in_len - *ip )
        return -EINVAL;
    if ( out_size > o->max - o->pos )
        return -ENOSPC;
    rc = lzma_chunk(s, o, in + *ip, in_size, out_size);
    *ip += in_size;
    return rc;
}

/* LZMA2 data from in[0]; on success *used is its length, end marker included. */
static int lzma2_decode(struct lzma_dec *s, struct outbuf *o, const u8 *in, size_t in_len,
                        size_t *used)
{
    struct lzma2_dec d = {.need_dict_reset = true, .need_props = true};
    size_t ip = 0;
    int rc;

    for ( ;; )
    {
        u8 ctrl;

        if ( ip >= in_len )
            return -EINVAL;
        ctrl = in[ip++];
        if ( ctrl == LZMA2_END )
            break;
        if ( ctrl == LZMA2_COPY_RESET || ctrl >= (LZMA2_LZMA | (LZMA2_RESET_DICT << 5)) )
        {
            o->dict_start = o->pos;
            d.need_dict_reset = false;
            d.need_props = true;
        }
        else if ( d.need_dict_reset )
            return -EINVAL;
        if ( ctrl >= LZMA2_LZMA )
            rc = lzma2_lzma(&d, s, o, ctrl, in, in_len, &ip);
        else if ( ctrl <= LZMA2_COPY )
            rc = lzma2_copy(o, in, in_len, &ip);
        else
            rc = -EINVAL;
        if ( rc )
            return rc;
    }
    *used = ip;
    return 0;
}

/* ---- x86 BCJ filter ---- */

/*
 * The encoder turned the 32-bit relative operand of what looked like CALL
 * (E8) and JMP (E9) instructions into an absolute address (operand plus
 * the address of the next instruction), so that calls to one function
 * become identical byte strings. Decoding subtracts the address again.
 *
 * Both sides must make the same guesses about what is an instruction:
 *   - an operand is only converted when its top byte is 00 or FF (a near
 *     target), and the top byte is written back as 00 or FF from bit 24;
 *   - a converted instruction is skipped whole (5 bytes);
 *   - E8/E9 bytes seen in the previous three positions and not converted
 *     are remembered in "recent": bit k (k = 1..3) set when one was k bytes
 *     back, bit 4 + k set when that one was itself followed by a 00/FF
 *     byte at its +4. Only some patterns allow a conversion, and when an
 *     earlier E8/E9 is close, its own would-be operand byte (which lies
 *     inside ours) decides whether the value is flipped once more.
 * pos counts from the block start plus the filter's start offset.
 */
static bool near_byte(u8 b)
{
    return b == 0x00 || b == 0xff;
}

/* Position of the first E8/E9 byte in buf[i, end), or end. */
static size_t bcj_next_opcode(const u8 *buf, size_t i, size_t end)
{
    const u64 ones = 0x0101010101010101ULL;

    /* Sixteen, then eight bytes at a time: a zero byte in x marks an E8 or E9. */
    for ( ; i + 16 <= end; i += 16 )
    {
        u64 x = (*(const unaligned_u64 *)(buf + i) & (0xfe * ones)) ^ (0xe8 * ones);
        u64 y = (*(const unaligned_u64 *)(buf + i + 8) & (0xfe * ones)) ^ (0xe8 * ones);
        u64 zx = (x - ones) & ~x & (0x80 * ones);
        u64 zy = (y - ones) & ~y & (0x80 * ones);

        if ( zx | zy )
            return i + (zx ? __builtin_ctzll(zx) >> 3 : 8 + (__builtin_ctzll(zy) >> 3));
    }
    for ( ; i + 8 <= end; i += 8 )
    {
        u64 x = (*(const unaligned_u64 *)(buf + i) & (0xfe * ones)) ^ (0xe8 * ones);
        u64 zero = (x - ones) & ~x & (0x80 * ones);

        if ( zero )
            return i + (__builtin_ctzll(zero) >> 3);
    }
    for ( ; i < end; i++ )
        if ( (buf[i] & 0xfe) == 0xe8 )
            break;
    return i;
}

static void bcj_x86_decode(u8 *buf, size_t size, u32 start)
{
    /* Patterns of recent bits 1..3 that still allow a conversion. */
    static const bool allowed[8] = {true, true, true, false, true, false, false, false};
    /* For a pattern, how many bytes back the farthest remembered opcode is. */
    static const u8 farthest[8] = {0, 1, 2, 2, 3, 3, 3, 3};
    u32 recent = 0;
    size_t last = 0, i = 0;

    if ( size < 5 )
        return;
    while ( (i = bcj_next_opcode(buf, i, size - 4)) < size - 4 )
    {
        size_t gap = i - last;
        u8 *op = buf + i + 1;

        last = i;
        if ( gap > 5 )
            recent = 0;
        else
            while ( gap-- )
                recent = (recent & 0x77) << 1;

        if ( near_byte(op[3]) && allowed[(recent >> 1) & 7] && (recent >> 1) < 0x10 )
        {
            u32 here = start + (u32)i + 5;
            u32 v = get_le32(op) - here;

            if ( recent )
            {
                /*
                 * Flip below the byte that the farthest recent opcode would
                 * have taken as its top byte. A second flip can never be
                 * wanted: that byte was not 00/FF (the opcode was not
                 * converted), so after one flip the test below fails.
                 */
                unsigned int shift = 24 - 8 * farthest[recent >> 1];

                if ( near_byte((u8)(v >> shift)) )
                    v = (v ^ ((1U << (shift + 8)) - 1)) - here;
            }
            v = (v & 0x00ffffff) | (v & 0x01000000 ? 0xff000000 : 0);
            op[0] = (u8)v;
            op[1] = (u8)(v >> 8);
            op[2] = (u8)(v >> 16);
            op[3] = (u8)(v >> 24);
            i += 5;
            recent = 0;
        }
        else
        {
            recent |= near_byte(op[3]) ? 0x11 : 0x01;
            i++;
        }
    }
}

/* ---- .xz container ---- */

#define XZ_HEADER_SIZE   12
#define XZ_FOOTER_SIZE   12
#define XZ_CHECK_NONE    0
#define XZ_CHECK_CRC32   1
#define XZ_CHECK_CRC64   4
#define XZ_FILTER_X86    0x04
#define XZ_FILTER_LZMA2  0x21
#define XZ_BLOCK_FILTERS 0x03 /* number of filters minus one */
#define XZ_BLOCK_RSVD    0x3c
#define XZ_BLOCK_CSIZE   0x40
#define XZ_BLOCK_USIZE   0x80
#define XZ_VLI_MAX_BYTES 9
#define CRC64_POLY       0xc96c5795d7870f42ULL /* ECMA-182, bit-reversed */

static const u8 xz_header_magic[6] = {0xfd, '7', 'z', 'X', 'Z', 0x00};
static const u8 xz_footer_magic[2] = {'Y', 'Z'};

/* Totals over a stream's blocks, to compare with its index. */
struct xz_sums
{
    u64 blocks;
    u64 unpadded; /* header + compressed data + check, per block */
    u64 uncompressed;
    u64 padded; /* unpadded rounded up to 4 bytes, per block (index only) */
};

/* A block's filter chain: optional x86 BCJ, then LZMA2. */
struct xz_filters
{
    bool x86;
    u32 x86_start;
    s64 csize, usize; /* from the header, -1 when absent */
};

static void crc64_init(u64 *tab)
{
    for ( unsigned int i = 0; i < 256; i++ )
    {
        u64 c = i;

        for ( unsigned int bit = 0; bit < 8; bit++ )
            c = (c >> 1) ^ (CRC64_POLY & -(c & 1));
        tab[i] = c;
    }
}

static u64 crc64_update(const u64 *tab, u64 crc, const u8 *p, size_t n)
{
    crc = ~crc;
    while ( n-- )
        crc = (crc >> 8) ^ tab[(crc ^ *p++) & 0xff];
    return ~crc;
}

/* Size of the check field for each check type (4 bits), per the format. */
static size_t xz_check_size(unsigned int type)
{
    return type == 0 ? 0 : 4U << ((type - 1) / 3);
}

/* A variable-length integer (7 bits a byte, little endian, minimal). */
static int xz_vli(const u8 *in, size_t len, size_t *ip, u64 *val)
{
    u64 v = 0;

    for ( unsigned int n = 0; n < XZ_VLI_MAX_BYTES; n++ )
    {
        u8 b;

        if ( *ip >= len )
            return -EINVAL;
        b = in[(*ip)++];
        v |= (u64)(b & 0x7f) << (7 * n);
        if ( !(b & 0x80) )
        {
            if ( b == 0 && n )
                return -EINVAL; /* not the shortest encoding */
            *val = v;
            return 0;
        }
    }
    return -EINVAL;
}

/* Stream header at in[0]: magic, flags and their CRC. Sets *check. */
static int xz_stream_header(struct xz_dec *s, const u8 *in, size_t len, unsigned int *check)
{
    if ( len < XZ_HEADER_SIZE || memcmp(in, xz_header_magic, sizeof(xz_header_magic)) )
        return -EINVAL;
    if ( crc32_update(&s->crc32, 0, in + 6, 2) != get_le32(in + 8) )
        return -EINVAL;
    if ( in[6] != 0 || (in[7] & 0xf0) )
        return -EOPNOTSUPP; /* flags this version of the format does not define */
    *check = in[7];
    if ( *check != XZ_CHECK_NONE && *check != XZ_CHECK_CRC32 && *check != XZ_CHECK_CRC64 )
        return -EOPNOTSUPP;
    return 0;
}

/* One entry of a block header's filter list. */
static int xz_filter(const u8 *h, size_t len, size_t *ip, bool last, struct xz_filters *f)
{
    u64 id, psize;
    int rc = xz_vli(h, len, ip, &id);

    if ( rc || (rc = xz_vli(h, len, ip, &psize)) )
        return rc;
    if ( psize > len - *ip )
        return -EINVAL;
    if ( last != (id == XZ_FILTER_LZMA2) )
        return id == XZ_FILTER_LZMA2 ? -EINVAL : -EOPNOTSUPP;
    if ( id == XZ_FILTER_LZMA2 )
    {
        /* Dictionary size: the output is our dictionary, so only validate it. */
        if ( psize != 1 || h[*ip] > 40 )
            return -EINVAL;
    }
    else if ( id == XZ_FILTER_X86 && !f->x86 && (psize == 0 || psize == 4) )
    {
        f->x86 = true;
        f->x86_start = psize ? get_le32(h + *ip) : 0;
    }
    else
        return -EOPNOTSUPP;
    *ip += psize;
    return 0;
}

/* Block header at in[0] (in[0] != 0): its size, the optional sizes, filters. */
static int xz_block_header(struct xz_dec *s, const u8 *in, size_t len, size_t *hsize,
                           struct xz_filters *f)
{
    size_t size = ((size_t)in[0] + 1) * 4, ip = 2;
    u64 v;
    int rc = 0;

    if ( size > len || crc32_update(&s->crc32, 0, in, size - 4) != get_le32(in + size - 4) )
        return -EINVAL;
    if ( in[1] & XZ_BLOCK_RSVD )
        return -EOPNOTSUPP;
    len = size - 4; /* parse up to the CRC */
    f->x86 = false;
    f->x86_start = 0;
    f->csize = f->usize = -1;
    if ( (in[1] & XZ_BLOCK_CSIZE) && !(rc = xz_vli(in, len, &ip, &v)) )
        f->csize = v ? (s64)v : -2; /* -2: never matches, zero is invalid */
    if ( !rc && (in[1] & XZ_BLOCK_USIZE) && !(rc = xz_vli(in, len, &ip, &v)) )
        f->usize = (s64)v;
    for ( unsigned int i = 0; !rc && i <= (in[1] & XZ_BLOCK_FILTERS); i++ )
        rc = xz_filter(in, len, &ip, i == (in[1] & XZ_BLOCK_FILTERS), f);
    for ( ; !rc && ip < len; ip++ )
        if ( in[ip] )
            rc = -EINVAL; /* header padding must be zero */
    *hsize = size;
    return rc;
}

/* Verify the check field at in[0] against the block's decoded bytes. */
static int xz_verify(struct xz_dec *s, unsigned int check, const u8 *in, const u8 *data, size_t n)
{
    switch ( check )
    {
    case XZ_CHECK_CRC32: return crc32_update(&s->crc32, 0, data, n) == get_le32(in) ? 0 : -EINVAL;
    case XZ_CHECK_CRC64:
    {
        u64 want = get_le32(in) | ((u64)get_le32(in + 4) << 32);

        return crc64_update(s->crc64, 0, data, n) == want ? 0 : -EINVAL;
    }
    default: return 0;
    }
}

/* One block at in[*ip]; decoded at o->pos, totals added to *sums. */
static int xz_block(struct xz_dec *s, struct outbuf *o, unsigned int check, const u8 *in,
                    size_t len, size_t *ip, struct xz_sums *sums)
{
    struct xz_filters f;
    size_t hsize, csize, start = o->pos, usize, csum = xz_check_size(check);
    int rc = xz_block_header(s, in + *ip, len - *ip, &hsize, &f);

    if ( rc )
        return rc;
    *ip += hsize;
    rc = lzma2_decode(&s->lzma, o, in + *ip, len - *ip, &csize);
    if ( rc )
        return rc;
    *ip += csize;
    usize = o->pos - start;
    if ( (f.csize != -1 && (u64)f.csize != csize) || (f.usize != -1 && (u64)f.usize != usize) )
        return -EINVAL;
    for ( size_t pad = csize; pad & 3; pad++, (*ip)++ )
        if ( *ip >= len || in[*ip] )
            return -EINVAL; /* block padding */
    if ( csum > len - *ip )
        return -EINVAL;
    if ( f.x86 )
        bcj_x86_decode(o->buf + start, usize, f.x86_start);
    rc = xz_verify(s, check, in + *ip, o->buf + start, usize);
    *ip += csum;
    sums->blocks++;
    sums->unpadded += hsize + csize + csum;
    sums->uncompressed += usize;
    return rc;
}

/*
 * The index at in[*ip] (its indicator byte included), checked against its
 * CRC; its totals go to *sums. On success *ip is just past it.
 */
static int xz_index(struct xz_dec *s, const u8 *in, size_t len, size_t *ip, struct xz_sums *sums)
{
    size_t start = *ip;
    u64 count, unpadded, usize;
    int rc;

    if ( start >= len || in[start] != 0 )
        return -EINVAL;
    (*ip)++;
    rc = xz_vli(in, len, ip, &count);
    sums->blocks = count;
    sums->unpadded = sums->uncompressed = sums->padded = 0;
    /* Each record takes two bytes or more, so count is bounded by len. */
    for ( u64 i = 0; !rc && i < count; i++ )
    {
        if ( (rc = xz_vli(in, len, ip, &unpadded)) || (rc = xz_vli(in, len, ip, &usize)) )
            break;
        /* A VLI is below 2^63, so only the sums can overflow. */
        if ( unpadded == 0 || sums->padded + ROUNDUP(unpadded, 4) < unpadded ||
             sums->uncompressed + usize < usize )
            rc = -EINVAL;
        sums->unpadded += unpadded;
        sums->uncompressed += usize;
        sums->padded += ROUNDUP(unpadded, 4);
    }
    for ( ; !rc && (*ip - start) & 3; (*ip)++ )
        if ( *ip >= len || in[*ip] )
            rc = -EINVAL;
    if ( !rc && (len - *ip < 4 ||
                 crc32_update(&s->crc32, 0, in + start, *ip - start) != get_le32(in + *ip)) )
        rc = -EINVAL;
    *ip += 4;
    return rc;
}

/* Footer at in[0]: CRC, the index size it records, flags, magic. */
static int xz_footer(struct xz_dec *s, const u8 *in, size_t len, const u8 *header_flags,
                     size_t *index_size)
{
    if ( len < XZ_FOOTER_SIZE || memcmp(in + 10, xz_footer_magic, sizeof(xz_footer_magic)) ||
         crc32_update(&s->crc32, 0, in + 4, 6) != get_le32(in) ||
         (header_flags && memcmp(in + 8, header_flags, 2)) )
        return -EINVAL;
    *index_size = ((size_t)get_le32(in + 4) + 1) * 4;
    return 0;
}

/* One stream at in[0]; on success *used is its length. */
static int xz_stream(struct xz_dec *s, struct outbuf *o, const u8 *in, size_t len, size_t *used)
{
    struct xz_sums blocks = {0}, index;
    unsigned int check;
    size_t ip = XZ_HEADER_SIZE, index_start, index_size;
    int rc = xz_stream_header(s, in, len, &check);

    while ( !rc && ip < len && in[ip] != 0 )
        rc = xz_block(s, o, check, in, len, &ip, &blocks);
    if ( rc )
        return rc;
    index_start = ip;
    rc = xz_index(s, in, len, &ip, &index);
    if ( rc )
        return rc;
    if ( index.blocks != blocks.blocks || index.unpadded != blocks.unpadded ||
         index.uncompressed != blocks.uncompressed )
        return -EINVAL;
    rc = xz_footer(s, in + ip, len - ip, in + 6, &index_size);
    if ( rc )
        return rc;
    if ( index_size != ip - index_start )
        return -EINVAL;
    *used = ip + XZ_FOOTER_SIZE;
    return 0;
}

static struct xz_dec *xz_dec_alloc(void)
{
    struct xz_dec *s = xmalloc_bytes(sizeof(*s));

    if ( s )
    {
        crc32_init(&s->crc32);
        crc64_init(s->crc64);
        lzma_init_updates(&s->lzma);
    }
    return s;
}

/*
 * Streams one after the other, each optionally followed by stream padding
 * (zero bytes, a multiple of four), as the format allows.
 */
int unxz(const void *in, size_t in_len, void *out, size_t out_max, size_t *out_len)
{
    struct outbuf o = {.buf = out, .max = out_max};
    struct xz_dec *s = xz_dec_alloc();
    const u8 *p = in;
    size_t ip = 0;
    int rc = 0;

    if ( !s )
        return -ENOMEM;
    do
    {
        size_t used = 0, pad;

        rc = xz_stream(s, &o, p + ip, in_len - ip, &used);
        ip += used;
        for ( pad = 0; !rc && ip < in_len && p[ip] == 0; pad++ )
            ip++;
        if ( !rc && (pad & 3) )
            rc = -EINVAL;
    } while ( !rc && ip < in_len );
    xfree(s);
    if ( !rc )
        *out_len = o.pos;
    return rc;
}

/* The stream that ends at in[end - 1]: its start and decompressed size. */
static int xz_stream_backwards(struct xz_dec *s, const u8 *in, size_t end, size_t *start,
                               u64 *usize)
{
    struct xz_sums sums;
    size_t index_size, index_start, ip;
    unsigned int check;
    int rc;

    if ( end < XZ_HEADER_SIZE + XZ_FOOTER_SIZE )
        return -EINVAL;
    rc = xz_footer(s, in + end - XZ_FOOTER_SIZE, XZ_FOOTER_SIZE, NULL, &index_size);
    if ( rc )
        return rc;
    end -= XZ_FOOTER_SIZE;
    if ( index_size > end - XZ_HEADER_SIZE )
        return -EINVAL;
    index_start = ip = end - index_size;
    rc = xz_index(s, in, end, &ip, &sums);
    if ( rc )
        return rc;
    if ( ip != end || sums.padded > index_start - XZ_HEADER_SIZE )
        return -EINVAL;
    *start = index_start - sums.padded - XZ_HEADER_SIZE;
    rc = xz_stream_header(s, in + *start, XZ_HEADER_SIZE, &check);
    if ( !rc && memcmp(in + *start + 6, in + end + 8, 2) )
        rc = -EINVAL; /* header and footer flags differ */
    *usize = sums.uncompressed;
    return rc;
}

/*
 * Walk the streams backwards from the end: each footer gives its index,
 * whose records give the stream's size and its decompressed size.
 */
int unxz_size(const void *in, size_t in_len, size_t *size)
{
    struct xz_dec *s = xz_dec_alloc();
    const u8 *p = in;
    size_t end = in_len, total = 0;
    int rc = 0;

    if ( !s )
        return -ENOMEM;
    while ( !rc && end )
    {
        u64 usize;

        while ( end >= 4 && !get_le32(p + end - 4) )
            end -= 4; /* stream padding */
        rc = xz_stream_backwards(s, p, end, &end, &usize);
        if ( !rc && usize > SIZE_MAX - total )
            rc = -EINVAL;
        total += usize;
    }
    xfree(s);
    if ( !rc )
        *size = total;
    return rc;
}
