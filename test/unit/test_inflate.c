/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The gzip/DEFLATE decoder (xen/common/inflate.c) against the host's gzip:
 * round trips over levels and kinds of data (stored, fixed and dynamic
 * Huffman blocks), multiple members, optional header fields, hand-made
 * streams that probe the limits, every truncation and many corruptions.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "compress_fixtures.h"

#include <xen/decompress.h>
#include <xen/errno.h>

static struct blob gzip_compress(const char *opts, const struct blob *data)
{
    struct blob out;
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "gzip -c %s", opts);
    assert_int_equal(run_filter(cmd, data, &out), 0);
    assert_true(out.len >= 18 && out.data[0] == 0x1f && out.data[1] == 0x8b);
    return out;
}

static void check_round_trip(const struct blob *gz, const struct blob *data)
{
    size_t cap = data->len + 64, len = 777, size = 0;
    uint8_t *out = malloc(cap);

    assert_non_null(out);
    assert_int_equal(decompress(gz->data, gz->len, out, cap, &len), 0);
    assert_int_equal(len, data->len);
    assert_memory_equal(out, data->data, data->len);
    assert_int_equal(decompressed_size(gz->data, gz->len, &size), 0);
    assert_int_equal(size, data->len);
    free(out);
}

static void round_trip(const char *opts, enum data_kind kind, size_t len, uint32_t seed)
{
    struct blob data = make_data(kind, len, seed);
    struct blob gz = gzip_compress(opts, &data);

    check_round_trip(&gz, &data);
    blob_free(&gz);
    blob_free(&data);
}

static void test_levels(void **state)
{
    static const char *const levels[] = {"-1", "-2", "-3", "-4", "-5", "-6", "-7", "-8", "-9"};

    for ( size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++ )
    {
        round_trip(levels[i], DATA_TEXT, 200000, (uint32_t)i + 1);
        round_trip(levels[i], DATA_MIXED, 150000, (uint32_t)i + 20);
        round_trip(levels[i], DATA_CODE, 100000, (uint32_t)i + 40);
    }
}

static void test_sizes(void **state)
{
    static const size_t sizes[] = {0,   1,   2,   3,     7,     8,     9,     100,
                                   257, 258, 259, 32768, 32769, 65535, 65536, 100000};

    for ( size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++ )
    {
        round_trip("-6", DATA_TEXT, sizes[i], 3);
        round_trip("-6", DATA_ZEROS, sizes[i], 3);
        round_trip("-1", DATA_RANDOM, sizes[i], 4); /* mostly stored blocks */
    }
}

static void test_large(void **state)
{
    round_trip("-6", DATA_MIXED, 4 << 20, 51);
    round_trip("-9", DATA_ZEROS, 3 << 20, 52);
    round_trip("-1", DATA_RANDOM, 1 << 20, 53);
}

/* Members one after the other, and the zero padding some tools append. */
static void test_members(void **state)
{
    struct blob a = make_data(DATA_TEXT, 30000, 61), b = make_data(DATA_CODE, 20000, 62);
    struct blob ga = gzip_compress("-n", &a), gb = gzip_compress("", &b);
    struct blob both = make_data(DATA_ZEROS, a.len + b.len, 0);
    struct blob cat = make_data(DATA_ZEROS, ga.len + gb.len + 5, 0);
    uint8_t *out = malloc(both.len);
    size_t len = 0;

    memcpy(both.data, a.data, a.len);
    memcpy(both.data + a.len, b.data, b.len);
    memcpy(cat.data, ga.data, ga.len);
    memcpy(cat.data + ga.len, gb.data, gb.len);
    memset(cat.data + ga.len + gb.len, 0, 5);
    assert_int_equal(decompress(cat.data, cat.len, out, both.len, &len), 0);
    assert_int_equal(len, both.len);
    assert_memory_equal(out, both.data, both.len);
    /* A second member cannot refer back into the first one's output. */
    cat.data[ga.len + gb.len] = 0x1f;
    assert_int_equal(decompress(cat.data, cat.len, out, both.len, &len), -EINVAL);
    free(out);
    blob_free(&a), blob_free(&b), blob_free(&ga), blob_free(&gb), blob_free(&both), blob_free(&cat);
}

/* FEXTRA, FNAME, FCOMMENT and FHCRC, which gzip(1) does not write. */
static void test_header_fields(void **state)
{
    static const uint8_t extra[] = {6, 0, 'A', 'P', 2, 0, 'h', 'x'};
    static const char name[] = "vmlinux", comment[] = "a comment";
    struct blob data = make_data(DATA_TEXT, 5000, 71), gz = gzip_compress("-n", &data);
    struct blob full = make_data(DATA_ZEROS, gz.len + 64, 0);
    size_t n = 10, len = 0;
    uint32_t crc;
    uint8_t *out = malloc(data.len);

    memcpy(full.data, gz.data, 10);
    full.data[3] = 0x02 | 0x04 | 0x08 | 0x10;
    memcpy(full.data + n, extra, sizeof(extra)), n += sizeof(extra);
    memcpy(full.data + n, name, sizeof(name)), n += sizeof(name);
    memcpy(full.data + n, comment, sizeof(comment)), n += sizeof(comment);
    crc = ref_crc32(0, full.data, n);
    full.data[n++] = (uint8_t)crc;
    full.data[n++] = (uint8_t)(crc >> 8);
    memcpy(full.data + n, gz.data + 10, gz.len - 10);
    full.len = n + gz.len - 10;
    check_round_trip(&full, &data);

    full.data[14] ^= 1; /* inside FEXTRA: only the header CRC notices */
    assert_int_equal(decompress(full.data, full.len, out, data.len, &len), -EINVAL);
    full.data[14] ^= 1;
    full.data[3] |= 0x20; /* a reserved flag */
    assert_int_equal(decompress(full.data, full.len, out, data.len, &len), -EINVAL);
    full.data[3] &= ~0x20;
    full.data[2] = 7; /* not DEFLATE */
    assert_int_equal(decompress(full.data, full.len, out, data.len, &len), -EOPNOTSUPP);
    free(out);
    blob_free(&full), blob_free(&gz), blob_free(&data);
}

/* ---- hand-made streams ---- */

struct bitw
{
    uint8_t buf[256];
    size_t bits;
};

/* Fields are stored least significant bit first... */
static void put_bits(struct bitw *w, uint32_t v, unsigned int n)
{
    for ( unsigned int i = 0; i < n; i++, w->bits++ )
        if ( (v >> i) & 1 )
            w->buf[w->bits / 8] |= 1 << (w->bits % 8);
}

/* ...Huffman codes most significant bit first. */
static void put_code(struct bitw *w, uint32_t code, unsigned int n)
{
    while ( n-- )
        put_bits(w, (code >> n) & 1, 1);
}

/* A gzip member around w's DEFLATE data, with a trailer for want. */
static struct blob wrap_gzip(const struct bitw *w, const void *want, size_t want_len)
{
    size_t n = (w->bits + 7) / 8;
    struct blob g = make_data(DATA_ZEROS, 10 + n + 8, 0);
    uint32_t crc = ref_crc32(0, want, want_len);

    memcpy(g.data, "\x1f\x8b\x08\0\0\0\0\0\0\x03", 10);
    memcpy(g.data + 10, w->buf, n);
    for ( int i = 0; i < 4; i++ )
    {
        g.data[10 + n + i] = (uint8_t)(crc >> (8 * i));
        g.data[14 + n + i] = (uint8_t)(want_len >> (8 * i));
    }
    return g;
}

/* Fixed code: a literal byte b < 144, a length symbol 257..279, etc. */
static void put_fixed_literal(struct bitw *w, uint8_t b)
{
    put_code(w, 0x30 + b, 8);
}

static int decode_fixed(uint16_t len_sym, unsigned int dist_sym, const char *want, size_t *len,
                        uint8_t *out, size_t cap)
{
    struct bitw w = {{0}, 0};
    struct blob g;
    int rc;

    put_bits(&w, 1, 1); /* final */
    put_bits(&w, 1, 2); /* fixed Huffman */
    put_fixed_literal(&w, 'A');
    if ( len_sym >= 280 )
        put_code(&w, 0xc0 + len_sym - 280, 8);
    else
        put_code(&w, len_sym - 256, 7);
    put_code(&w, dist_sym, 5);
    put_code(&w, 0, 7); /* end of block */
    g = wrap_gzip(&w, want, strlen(want));
    rc = decompress(g.data, g.len, out, cap, len);
    blob_free(&g);
    return rc;
}

static void test_fixed_limits(void **state)
{
    uint8_t out[300];
    size_t len = 0;

    /* 'A', then length 3 from distance 1: "AAAA". */
    assert_int_equal(decode_fixed(257, 0, "AAAA", &len, out, sizeof(out)), 0);
    assert_int_equal(len, 4);
    assert_memory_equal(out, "AAAA", 4);
    /* Length 258 (symbol 285). */
    assert_int_equal(decode_fixed(285, 0, "", &len, out, sizeof(out)), -EINVAL); /* CRC */
    memset(out, 'A', 259);
    out[259] = 0;
    assert_int_equal(decode_fixed(285, 0, (char *)out, &len, out, sizeof(out)), 0);
    assert_int_equal(len, 259);
    /* One byte of output room too few. */
    assert_int_equal(decode_fixed(257, 0, "AAAA", &len, out, 3), -ENOSPC);
    /* Distance 2 with one byte written: before the start. */
    assert_int_equal(decode_fixed(257, 1, "AAAA", &len, out, sizeof(out)), -EINVAL);
    /* Length symbols 286, 287 and distance symbols 30, 31 do not exist. */
    assert_int_equal(decode_fixed(286, 0, "AAAA", &len, out, sizeof(out)), -EINVAL);
    assert_int_equal(decode_fixed(287, 0, "AAAA", &len, out, sizeof(out)), -EINVAL);
    assert_int_equal(decode_fixed(257, 30, "AAAA", &len, out, sizeof(out)), -EINVAL);
    assert_int_equal(decode_fixed(257, 31, "AAAA", &len, out, sizeof(out)), -EINVAL);
}

/*
 * Overlapping copies: after the literals "abcdefg", a match of length len
 * from distance dist (1..7) repeats the last dist bytes. Checked with room
 * after the output (8-byte pattern stores) and with the output buffer
 * exactly full (byte copies).
 */
static void check_short_distance(unsigned int dist, unsigned int len)
{
    static const char lits[] = "abcdefg";
    struct bitw w = {{0}, 0};
    uint8_t want[7 + 258], out[7 + 258 + 16];
    size_t n = 7 + len, got = 0;
    struct blob g;

    memcpy(want, lits, 7);
    for ( size_t i = 7; i < n; i++ )
        want[i] = want[i - dist];
    put_bits(&w, 1, 1);
    put_bits(&w, 1, 2);
    for ( int i = 0; i < 7; i++ )
        put_fixed_literal(&w, (uint8_t)lits[i]);
    if ( len == 258 )
        put_code(&w, 0xc5, 8); /* symbol 285 */
    else
        put_code(&w, len - 3 + 1, 7); /* symbols 257..264: lengths 3..10 */
    if ( dist <= 4 )
        put_code(&w, dist - 1, 5);
    else
    {
        put_code(&w, dist <= 6 ? 4 : 5, 5);
        put_bits(&w, (dist - 5) & 1, 1);
    }
    put_code(&w, 0, 7);
    g = wrap_gzip(&w, want, n);
    for ( size_t cap = n; cap <= n + 16; cap += 16 )
    {
        memset(out, 0xee, sizeof(out));
        assert_int_equal(decompress(g.data, g.len, out, cap, &got), 0);
        assert_int_equal(got, n);
        assert_memory_equal(out, want, n);
        if ( cap == n ) /* nothing written past the end of a full buffer */
            assert_int_equal(out[n], 0xee);
    }
    blob_free(&g);
}

static void test_short_distances(void **state)
{
    for ( unsigned int dist = 1; dist <= 7; dist++ )
    {
        for ( unsigned int len = 3; len <= 10; len++ )
            check_short_distance(dist, len);
        check_short_distance(dist, 258);
    }
}

static void test_stored_and_bad_types(void **state)
{
    struct bitw w = {{0}, 0};
    struct blob g;
    uint8_t out[16];
    size_t len = 0;

    put_bits(&w, 0, 1); /* not final */
    put_bits(&w, 0, 2); /* stored */
    w.bits = 8;         /* to the byte boundary */
    put_bits(&w, 3, 16);
    put_bits(&w, 0xfffc, 16);
    put_bits(&w, 'x' | ('y' << 8) | ('z' << 16), 24);
    put_bits(&w, 1, 1); /* final */
    put_bits(&w, 0, 2); /* stored, empty */
    w.bits = (w.bits + 7) & ~(size_t)7;
    put_bits(&w, 0, 16);
    put_bits(&w, 0xffff, 16);
    g = wrap_gzip(&w, "xyz", 3);
    assert_int_equal(decompress(g.data, g.len, out, sizeof(out), &len), 0);
    assert_int_equal(len, 3);
    assert_memory_equal(out, "xyz", 3);
    g.data[12] ^= 0x10; /* NLEN no longer the complement of LEN */
    assert_int_equal(decompress(g.data, g.len, out, sizeof(out), &len), -EINVAL);
    g.data[12] ^= 0x10;
    g.data[10] |= 6; /* block type 3 */
    assert_int_equal(decompress(g.data, g.len, out, sizeof(out), &len), -EINVAL);
    g.data[10] &= ~6;
    g.data[g.len - 4] ^= 1; /* ISIZE */
    assert_int_equal(decompress(g.data, g.len, out, sizeof(out), &len), -EINVAL);
    blob_free(&g);
}

/*
 * Every prefix is rejected; every changed byte is rejected or, when it
 * only touched unprotected header fields or unused bits, yields exactly
 * the original data. The output buffer is exactly sized (ASan).
 */
static void corrupt_all(const char *opts, enum data_kind kind, size_t size, uint32_t seed)
{
    struct blob data = make_data(kind, size, seed), gz = gzip_compress(opts, &data);
    uint8_t *out = malloc(data.len + 1);
    size_t len = 0, errors = 0, trials = 0;

    for ( size_t n = 0; n < gz.len; n++ )
    {
        struct blob part = blob_dup(gz.data, n);

        assert_int_equal(decompress(part.data, n, out, data.len + 1, &len),
                         n < 2 ? -EOPNOTSUPP : -EINVAL);
        blob_free(&part);
    }
    for ( size_t i = 2; i < gz.len; i++ )
        for ( unsigned int x = 0x01; x <= 0x80; x <<= 3, trials++ )
        {
            int rc;

            gz.data[i] ^= x;
            rc = decompress(gz.data, gz.len, out, data.len + 1, &len);
            if ( rc == 0 )
            {
                assert_int_equal(len, data.len);
                assert_memory_equal(out, data.data, data.len);
            }
            else
            {
                assert_true(rc == -EINVAL || rc == -ENOSPC || (i == 2 && rc == -EOPNOTSUPP));
                errors++;
            }
            gz.data[i] ^= x;
        }
    assert_true(errors * 10 > trials * 8);
    free(out);
    blob_free(&gz), blob_free(&data);
}

static void test_corrupt(void **state)
{
    corrupt_all("-n -9", DATA_TEXT, 3000, 81);
    corrupt_all("-n -1", DATA_MIXED, 2000, 82);
    corrupt_all("-n", DATA_TEXT, 40, 83); /* fixed Huffman */
}

static void test_size_query(void **state)
{
    size_t size = 0;

    assert_int_equal(decompressed_size("\x1f\x8b", 2, &size), -EINVAL);
    assert_int_equal(
        decompressed_size("\x1f\x8b\x08\0\0\0\0\0\0\x03\x03\0\0\0\0\0\x78\x56\x34\x12", 20, &size),
        0);
    assert_int_equal(size, 0x12345678);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_levels, harness_setup),
        cmocka_unit_test_setup(test_sizes, harness_setup),
        cmocka_unit_test_setup(test_large, harness_setup),
        cmocka_unit_test_setup(test_members, harness_setup),
        cmocka_unit_test_setup(test_header_fields, harness_setup),
        cmocka_unit_test_setup(test_fixed_limits, harness_setup),
        cmocka_unit_test_setup(test_short_distances, harness_setup),
        cmocka_unit_test_setup(test_stored_and_bad_types, harness_setup),
        cmocka_unit_test_setup(test_corrupt, harness_setup),
        cmocka_unit_test_setup(test_size_query, harness_setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
