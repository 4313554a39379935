/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The .xz decoder (xen/common/unxz.c) against the host's xz: round trips
 * over presets, checks, block sizes, the x86 BCJ filter and lc/lp/pb
 * settings; size queries; every truncation and many corruptions of small
 * files; unsupported features; and Debian's real kernel bzImage.
 */
#define _GNU_SOURCE /* memmem */
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

/* Compress data with "xz <opts>"; the result must start with the magic. */
static struct blob xz_compress(const char *opts, const struct blob *data)
{
    struct blob out;
    char cmd[256];

    snprintf(cmd, sizeof(cmd), "xz -c -T1 %s", opts);
    assert_int_equal(run_filter(cmd, data, &out), 0);
    assert_true(out.len >= 32 && out.data[0] == 0xfd && out.data[1] == '7');
    return out;
}

/* Decode xz and compare with data; also the size query. */
static void check_round_trip(const struct blob *xz, const struct blob *data)
{
    size_t cap = data->len + 64, len = 12345, size = 0;
    uint8_t *out = malloc(cap);

    assert_non_null(out);
    assert_int_equal(decompress(xz->data, xz->len, out, cap, &len), 0);
    assert_int_equal(len, data->len);
    assert_memory_equal(out, data->data, data->len);
    assert_int_equal(decompressed_size(xz->data, xz->len, &size), 0);
    assert_int_equal(size, data->len);
    free(out);
}

static void round_trip(const char *opts, enum data_kind kind, size_t len, uint32_t seed)
{
    struct blob data = make_data(kind, len, seed);
    struct blob xz = xz_compress(opts, &data);

    check_round_trip(&xz, &data);
    blob_free(&xz);
    blob_free(&data);
}

static void test_presets(void **state)
{
    static const char *const presets[] = {"-0", "-1", "-2", "-3", "-4",  "-5",
                                          "-6", "-7", "-8", "-9", "-0e", "-6e"};

    for ( size_t i = 0; i < sizeof(presets) / sizeof(presets[0]); i++ )
    {
        round_trip(presets[i], DATA_TEXT, 120000, (uint32_t)i + 1);
        round_trip(presets[i], DATA_MIXED, 80000, (uint32_t)i + 7);
    }
}

static void test_sizes(void **state)
{
    static const size_t sizes[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 63, 64, 65, 4095, 4096, 65536, 65537};

    for ( size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++ )
    {
        round_trip("-6", DATA_TEXT, sizes[i], 3);
        round_trip("-1 --check=crc32", DATA_RANDOM, sizes[i], 5);
        round_trip("--x86 --lzma2=preset=0", DATA_CODE, sizes[i], 5);
    }
}

static void test_checks(void **state)
{
    round_trip("--check=none", DATA_TEXT, 100000, 11);
    round_trip("--check=crc32", DATA_TEXT, 100000, 12);
    round_trip("--check=crc64", DATA_TEXT, 100000, 13);
    round_trip("--check=crc64", DATA_MIXED, 1000000, 14);
}

/* Incompressible input makes LZMA2 store uncompressed chunks. */
static void test_incompressible(void **state)
{
    round_trip("-6", DATA_RANDOM, 1 << 20, 21);
    round_trip("-9e", DATA_RANDOM, 70000, 22);
    round_trip("-6", DATA_ZEROS, 3 << 20, 23);
}

/* Many blocks, each with its own dictionary, sizes in the headers. */
static void test_blocks(void **state)
{
    round_trip("--block-size=4096", DATA_TEXT, 100000, 31);
    round_trip("--block-size=1000 --check=crc64", DATA_MIXED, 50001, 32);
    round_trip("--block-size=65536 --x86 --lzma2", DATA_CODE, 400000, 33);
    round_trip("--block-list=1,2,3,100,5000", DATA_MIXED, 20000, 34);
}

/* The x86 BCJ filter, with and without a start offset. */
static void test_bcj_x86(void **state)
{
    round_trip("--x86 --lzma2=preset=6", DATA_CODE, 500000, 41);
    round_trip("--x86=start=4096 --lzma2=preset=1", DATA_CODE, 300000, 42);
    round_trip("--x86=start=3 --lzma2=preset=0", DATA_MIXED, 300000, 43);
    round_trip("--x86 --lzma2=preset=6", DATA_RANDOM, 100000, 44);
    round_trip("--x86 --lzma2=preset=1", DATA_BRANCHY, 200000, 46);
    round_trip("--x86=start=4294967000 --lzma2=preset=1", DATA_BRANCHY, 100000, 47);
    round_trip("--check=crc32 --x86 --lzma2=preset=9,dict=32MiB", DATA_CODE, 600000, 45);
}

/* The compressed size of the first LZMA2 chunk of a one-block stream, or 0. */
static size_t first_lzma_chunk_size(const struct blob *xz)
{
    size_t chunk = 12 + ((size_t)xz->data[12] + 1) * 4;

    if ( chunk + 6 > xz->len || xz->data[chunk] < 0x80 )
        return 0; /* end of data, or an uncompressed chunk */
    return (((size_t)xz->data[chunk + 3] << 8) | xz->data[chunk + 4]) + 1;
}

/*
 * The LZMA decoder reads input without bounds checks while a whole
 * symbol's worth (48 bytes) remains in the chunk, then with them. Single
 * chunks of many compressed sizes around that margin (xz decides them:
 * most sizes from 20 to 100 bytes) switch paths at many points.
 */
static void test_fast_path_margin(void **state)
{
    bool seen[101] = {false};
    size_t distinct = 0;

    for ( size_t len = 1; len <= 240; len++ )
    {
        struct blob data = make_data(DATA_TEXT, len, (uint32_t)len);
        struct blob xz = xz_compress("--lzma2=preset=6", &data);
        size_t csize = first_lzma_chunk_size(&xz);

        check_round_trip(&xz, &data);
        if ( csize >= 20 && csize <= 100 && !seen[csize] )
            seen[csize] = true, distinct++;
        blob_free(&xz);
        blob_free(&data);
    }
    print_message("%zu distinct chunk sizes in 20..100\n", distinct);
    assert_true(distinct >= 40);
    for ( size_t len = 1; len <= 300; len += 13 )
        round_trip("--x86 --lzma2=preset=0,lc=0,lp=2,pb=1", DATA_CODE, len, 3);
}

/*
 * The first LZMA2 chunk of a one-block stream, with its declared compressed
 * size changed to every smaller value (and a few larger ones), and the
 * input cut just after that many bytes so that ASan sees any read past the
 * chunk: always -EINVAL.
 */
static void test_chunk_size_lies(void **state)
{
    struct blob data = make_data(DATA_MIXED, 3000, 111);
    struct blob xz = xz_compress("--check=crc32 --lzma2=preset=6", &data);
    size_t chunk = 12 + ((size_t)xz.data[12] + 1) * 4, out_len = 0;
    size_t csize = first_lzma_chunk_size(&xz);
    uint8_t *out = malloc(data.len);

    /* Dictionary reset + new properties: 6 header bytes, then the data. */
    assert_true(xz.data[chunk] >= 0xe0);
    assert_true(chunk + 6 + csize + 8 < xz.len);
    for ( size_t k = 1; k <= csize + 8; k++ )
    {
        size_t len = k < csize ? chunk + 6 + k : xz.len;
        uint8_t *part = malloc(len); /* exactly: no slack byte after it */

        if ( k == csize )
        {
            free(part);
            continue;
        }
        assert_non_null(part);
        memcpy(part, xz.data, len);
        part[chunk + 3] = (uint8_t)((k - 1) >> 8);
        part[chunk + 4] = (uint8_t)(k - 1);
        assert_int_equal(decompress(part, len, out, data.len, &out_len), -EINVAL);
        free(part);
    }
    free(out);
    blob_free(&xz);
    blob_free(&data);
}

/*
 * The same chunk declaring fewer decoded bytes than it holds, decoded into
 * an output of exactly that many bytes (ASan sees any write beyond): the
 * decoder stops at the declared size and rejects the unconsumed input.
 */
static void test_chunk_output_lies(void **state)
{
    struct blob data = make_data(DATA_TEXT, 3000, 112);
    struct blob xz = xz_compress("--check=crc32 --lzma2=preset=6", &data);
    size_t chunk = 12 + ((size_t)xz.data[12] + 1) * 4, out_len = 0;

    assert_true(first_lzma_chunk_size(&xz) > 100);
    assert_int_equal(((size_t)(xz.data[chunk] & 0x1f) << 16) | ((size_t)xz.data[chunk + 1] << 8) |
                         xz.data[chunk + 2],
                     data.len - 1);
    for ( size_t k = 1; k < data.len; k += k < 400 ? 1 : 97 )
    {
        uint8_t *out = malloc(k);

        assert_non_null(out);
        xz.data[chunk] = (uint8_t)((xz.data[chunk] & 0xe0) | ((k - 1) >> 16));
        xz.data[chunk + 1] = (uint8_t)((k - 1) >> 8);
        xz.data[chunk + 2] = (uint8_t)(k - 1);
        assert_int_equal(decompress(xz.data, xz.len, out, k, &out_len), -EINVAL);
        free(out);
    }
    blob_free(&xz);
    blob_free(&data);
}

/* Literal and position context settings, and a small dictionary. */
static void test_lzma_properties(void **state)
{
    static const char *const opts[] = {
        "--lzma2=preset=6,lc=0,lp=0,pb=0",
        "--lzma2=preset=6,lc=4,lp=0,pb=4",
        "--lzma2=preset=6,lc=0,lp=4,pb=2",
        "--lzma2=preset=6,lc=1,lp=3,pb=1",
        "--lzma2=dict=4KiB",
        "--lzma2=preset=6,mode=fast,nice=273",
        "--lzma2=preset=1,mf=hc4,depth=1",
    };

    for ( size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++ )
        round_trip(opts[i], DATA_MIXED, 150000, (uint32_t)i + 50);
}

/* Concatenated streams, with and without stream padding. */
static void test_concatenated(void **state)
{
    struct blob a = make_data(DATA_TEXT, 10000, 61), b = make_data(DATA_CODE, 5000, 62);
    struct blob xa = xz_compress("--check=crc32", &a), xb = xz_compress("--x86 --lzma2", &b);
    struct blob both = make_data(DATA_ZEROS, a.len + b.len, 0);
    struct blob cat = make_data(DATA_ZEROS, xa.len + xb.len + 8, 0);
    uint8_t *out = malloc(both.len);
    size_t len = 0;

    memcpy(both.data, a.data, a.len);
    memcpy(both.data + a.len, b.data, b.len);
    memset(cat.data, 0, cat.len);
    memcpy(cat.data, xa.data, xa.len);
    memcpy(cat.data + xa.len + 4, xb.data, xb.len); /* 4 bytes padding, 4 after */
    check_round_trip(&cat, &both);

    cat.len -= 1; /* padding not a multiple of 4 */
    assert_int_equal(decompress(cat.data, cat.len, out, both.len, &len), -EINVAL);
    cat.len = xa.len + xb.len + 4;
    memmove(cat.data + xa.len + 2, cat.data + xa.len + 4, xb.len);
    cat.len -= 2; /* 2 bytes of padding between the streams */
    assert_int_equal(decompress(cat.data, cat.len, out, both.len, &len), -EINVAL);
    free(out);
    blob_free(&a), blob_free(&b), blob_free(&xa), blob_free(&xb), blob_free(&both), blob_free(&cat);
}

/* An output one byte short fails with -ENOSPC and stays in bounds. */
static void test_output_too_small(void **state)
{
    static const char *const opts[] = {"-6", "--x86 --lzma2", "-0 --block-size=777"};
    struct blob data = make_data(DATA_MIXED, 100000, 71);

    for ( size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++ )
    {
        struct blob xz = xz_compress(opts[i], &data);
        size_t len = 0;

        for ( size_t cap = 0; cap <= data.len; cap += cap < 100 ? 1 : 9973 )
        {
            uint8_t *out = malloc(cap ? cap : 1);

            assert_int_equal(decompress(xz.data, xz.len, out, cap, &len), -ENOSPC);
            free(out);
        }
        blob_free(&xz);
    }
    blob_free(&data);
}

/*
 * Every prefix of a small file is rejected as corrupt; so is every single
 * byte changed, under three different xor patterns, when a check protects
 * the data. The output buffer is exactly sized (ASan sees any overrun).
 */
static void corrupt_all(const char *opts, size_t len, uint32_t seed)
{
    struct blob data = make_data(DATA_MIXED, len, seed);
    struct blob xz = xz_compress(opts, &data);
    uint8_t *out = malloc(data.len + 1);
    size_t out_len = 0, sizes = 0;

    for ( size_t n = 0; n < xz.len; n++ )
    {
        struct blob part = blob_dup(xz.data, n);

        assert_int_equal(decompress(part.data, n, out, data.len + 1, &out_len),
                         n < 6 ? -EOPNOTSUPP : -EINVAL);
        sizes += decompressed_size(part.data, n, &out_len) == 0;
        blob_free(&part);
    }
    assert_int_equal(sizes, 0); /* no prefix has a footer and index */

    for ( size_t i = 0; i < xz.len; i++ )
        for ( unsigned int x = 0x01; x <= 0x80; x <<= 3 )
        {
            int rc;

            xz.data[i] ^= x;
            rc = decompress(xz.data, xz.len, out, data.len + 1, &out_len);
            /* A flipped magic byte is just not xz; a size field may grow. */
            if ( i < 6 )
                assert_int_equal(rc, -EOPNOTSUPP);
            else if ( rc != -ENOSPC )
                assert_int_equal(rc, -EINVAL);
            xz.data[i] ^= x;
        }
    assert_int_equal(decompress(xz.data, xz.len, out, data.len + 1, &out_len), 0);
    assert_memory_equal(out, data.data, data.len);
    free(out);
    blob_free(&xz);
    blob_free(&data);
}

static void test_corrupt(void **state)
{
    corrupt_all("--check=crc32", 3000, 81);
    corrupt_all("--check=crc64 --x86 --lzma2 --block-size=700", 2500, 82);
    corrupt_all("-0 --check=crc32", 1200, 83);
}

/* Without a check, corruption may go unnoticed, but must stay in bounds. */
static void test_corrupt_unchecked(void **state)
{
    struct blob data = make_data(DATA_MIXED, 4000, 91);
    struct blob xz = xz_compress("--check=none --x86 --lzma2", &data);
    size_t errors = 0, out_len = 0;
    uint8_t *out = malloc(data.len);

    for ( size_t i = 0; i < xz.len; i++ )
    {
        int rc;

        xz.data[i] ^= 0x5a;
        rc = decompress(xz.data, xz.len, out, data.len, &out_len);
        assert_true(rc == 0 || rc == -EINVAL || rc == -ENOSPC || rc == -EOPNOTSUPP);
        errors += rc != 0;
        if ( rc == 0 )
            assert_true(out_len <= data.len);
        xz.data[i] ^= 0x5a;
    }
    /* The container (headers, index, footer) is still protected. */
    assert_true(errors > 40);
    free(out);
    blob_free(&xz);
    blob_free(&data);
}

static void expect_unsupported(const char *opts)
{
    struct blob data = make_data(DATA_TEXT, 5000, 101);
    struct blob xz = xz_compress(opts, &data);
    uint8_t *out = malloc(data.len);
    size_t len = 0;

    assert_int_equal(decompress(xz.data, xz.len, out, data.len, &len), -EOPNOTSUPP);
    free(out);
    blob_free(&xz);
    blob_free(&data);
}

static void test_unsupported(void **state)
{
    expect_unsupported("--check=sha256");
    expect_unsupported("--delta=dist=4 --lzma2");
    expect_unsupported("--arm --lzma2");
}

/* Formats that decompress() does not know: legacy .lzma, bzip2, nothing. */
static void test_unknown_format(void **state)
{
    struct blob data = make_data(DATA_TEXT, 5000, 102), lzma;
    uint8_t out[16];
    size_t len = 0;

    assert_int_equal(run_filter("xz -c --format=lzma", &data, &lzma), 0);
    assert_true(lzma.len > 13);
    assert_int_equal(decompress(lzma.data, lzma.len, out, sizeof(out), &len), -EOPNOTSUPP);
    assert_int_equal(decompressed_size(lzma.data, lzma.len, &len), -EOPNOTSUPP);
    assert_int_equal(decompress("BZh91AY&SY", 10, out, sizeof(out), &len), -EOPNOTSUPP);
    assert_int_equal(decompress("", 0, out, sizeof(out), &len), -EOPNOTSUPP);
    assert_false(decompress_is_compressed(lzma.data, lzma.len));
    assert_true(decompress_is_compressed("\xfd"
                                         "7zXZ",
                                         6));
    assert_false(decompress_is_compressed("\xfd"
                                          "7zXZ",
                                          5));
    blob_free(&lzma);
    blob_free(&data);
}

/*
 * Debian's kernel: the bzImage payload found through the boot protocol
 * header, decoded, must equal what the host's xz makes of the xz stream
 * found by its magic (as extract-vmlinux does), and be an ELF64 image.
 */
static const char *find_vmlinuz(void)
{
    static char path[512];
    FILE *p = popen("ls build/ref/linux-image-*-amd64/boot/vmlinuz-* 2>/dev/null | head -n 1", "r");

    path[0] = '\0';
    if ( p )
    {
        if ( !fgets(path, sizeof(path), p) )
            path[0] = '\0';
        pclose(p);
    }
    path[strcspn(path, "\n")] = '\0';
    return path[0] ? path : NULL;
}

static const char *fetch_vmlinuz(void)
{
    if ( !find_vmlinuz() )
        /* The exact package behind linux-image-amd64; fails quietly offline. */
        (void)system("pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | "
                     "sed -n 's/.*Depends: \\(linux-image-[0-9].*\\)/\\1/p' | head -n 1); "
                     "[ -n \"$pkg\" ] && scripts/fetch-debs.sh \"$pkg\" >/dev/null 2>&1");
    return find_vmlinuz();
}

static void test_debian_kernel(void **state)
{
    static const uint8_t magic[6] = {0xfd, '7', 'z', 'X', 'Z', 0x00};
    const char *path = fetch_vmlinuz();
    struct blob img, stream, ref;
    const void *payload = NULL;
    size_t plen, size = 0, len = 0;
    uint8_t *found, *out;

    if ( !path || !have_tool("xz") )
    {
        print_message("no Debian kernel (scripts/fetch-debs.sh failed): not tested\n");
        skip();
    }
    assert_true(blob_read_file(path, &img));
    plen = bzimage_payload(img.data, img.len, &payload);
    assert_true(plen > 1000000);
    assert_memory_equal(payload, magic, sizeof(magic));

    found = memmem(img.data, img.len, magic, sizeof(magic));
    assert_non_null(found);
    stream = blob_dup(found, img.len - (size_t)(found - img.data));
    assert_int_equal(run_filter("xz -dc --single-stream", &stream, &ref), 0);
    assert_true(ref.len > 16 << 20);

    assert_int_equal(decompressed_size(payload, plen, &size), 0);
    assert_int_equal(size, ref.len);
    /* Linux's own record of the size, just after the stream. */
    assert_int_equal(*(const uint32_t *)((const uint8_t *)payload + plen), ref.len);

    out = malloc(size);
    assert_int_equal(decompress(payload, plen, out, size, &len), 0);
    assert_int_equal(len, ref.len);
    assert_memory_equal(out,
                        "\x7f"
                        "ELF\x02\x01",
                        6); /* ELF64, little endian */
    assert_memory_equal(out, ref.data, ref.len);
    free(out);
    blob_free(&ref), blob_free(&stream), blob_free(&img);
}

/* Not a bzImage, or one whose header points outside the file. */
static void test_bzimage_rejects(void **state)
{
    struct blob img = make_data(DATA_ZEROS, 4096, 0);
    const void *payload = NULL;

    memset(img.data, 0, img.len);
    assert_int_equal(bzimage_payload(img.data, img.len, &payload), 0);
    img.data[0x1fe] = 0x55, img.data[0x1ff] = 0xaa;
    memcpy(img.data + 0x202, "HdrS", 4);
    img.data[0x206] = 0x0f, img.data[0x207] = 0x02; /* protocol 2.15 */
    img.data[0x1f1] = 3;                            /* setup: 4 sectors */
    img.data[0x248] = 0x10;                         /* payload at 2048 + 16 */
    img.data[0x24c] = 0x20;                         /* 32 bytes */
    assert_int_equal(bzimage_payload(img.data, img.len, &payload), 0x20);
    assert_ptr_equal(payload, img.data + 2048 + 16);
    img.data[0x24d] = 0x08; /* 0x820 bytes: past the end */
    assert_int_equal(bzimage_payload(img.data, img.len, &payload), 0);
    img.data[0x24d] = 0x07; /* 0x720: exactly to the end */
    assert_int_equal(bzimage_payload(img.data, img.len, &payload), 0x720);
    img.data[0x207] = 0x02, img.data[0x206] = 0x07; /* 2.07: no payload fields */
    assert_int_equal(bzimage_payload(img.data, img.len, &payload), 0);
    assert_int_equal(bzimage_payload(img.data, 0x24f, &payload), 0);
    blob_free(&img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_presets, harness_setup),
        cmocka_unit_test_setup(test_sizes, harness_setup),
        cmocka_unit_test_setup(test_checks, harness_setup),
        cmocka_unit_test_setup(test_incompressible, harness_setup),
        cmocka_unit_test_setup(test_blocks, harness_setup),
        cmocka_unit_test_setup(test_bcj_x86, harness_setup),
        cmocka_unit_test_setup(test_fast_path_margin, harness_setup),
        cmocka_unit_test_setup(test_chunk_size_lies, harness_setup),
        cmocka_unit_test_setup(test_chunk_output_lies, harness_setup),
        cmocka_unit_test_setup(test_lzma_properties, harness_setup),
        cmocka_unit_test_setup(test_concatenated, harness_setup),
        cmocka_unit_test_setup(test_output_too_small, harness_setup),
        cmocka_unit_test_setup(test_corrupt, harness_setup),
        cmocka_unit_test_setup(test_corrupt_unchecked, harness_setup),
        cmocka_unit_test_setup(test_unsupported, harness_setup),
        cmocka_unit_test_setup(test_unknown_format, harness_setup),
        cmocka_unit_test_setup(test_bzimage_rejects, harness_setup),
        cmocka_unit_test_setup(test_debian_kernel, harness_setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
