/* SPDX-License-Identifier: GPL-2.0-only */
/* Test inputs for the decompressor tests; see compress_fixtures.h. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compress_fixtures.h"

static uint32_t xorshift(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static void fill_text(uint8_t *p, size_t len, uint32_t *seed)
{
    static const char *const words[] = {"hypervisor ", "domain ",  "page ",   "grant ",
                                        "event ",      "channel ", "xen\n",   "frame ",
                                        "0x1f8b ",     "vcpu ",    "shared ", "ring "};
    size_t i = 0;

    while ( i < len )
    {
        const char *w = words[xorshift(seed) % (sizeof(words) / sizeof(words[0]))];

        for ( ; *w && i < len; w++ )
            p[i++] = (uint8_t)*w;
    }
}

static void fill_code(uint8_t *p, size_t len)
{
    struct blob self;
    size_t off = 0;

    assert_true(blob_read_file("/proc/self/exe", &self));
    assert_true(self.len > 4096);
    for ( size_t i = 0; i < len; i++ )
    {
        p[i] = self.data[off];
        off = (off + 1) % self.len;
    }
    blob_free(&self);
}

struct blob make_data(enum data_kind kind, size_t len, uint32_t seed)
{
    struct blob b = {malloc(len + 1), len};
    uint32_t s = seed | 1;

    assert_non_null(b.data);
    switch ( kind )
    {
    case DATA_ZEROS: memset(b.data, 0x5a, len); break;
    case DATA_TEXT: fill_text(b.data, len, &s); break;
    case DATA_RANDOM:
        for ( size_t i = 0; i < len; i++ )
            b.data[i] = (uint8_t)(xorshift(&s) >> 11);
        break;
    case DATA_CODE: fill_code(b.data, len); break;
    case DATA_BRANCHY:
        for ( size_t i = 0; i < len; i++ )
        {
            static const uint8_t pick[8] = {0xe8, 0xe9, 0x00, 0xff, 0xe8, 0x00, 0x01, 0xfe};
            uint32_t r = xorshift(&s);

            b.data[i] = r & 0x100 ? pick[r & 7] : (uint8_t)(r >> 16);
        }
        break;
    case DATA_MIXED:
        fill_code(b.data, len);
        for ( size_t i = 0; i < len; i += 3 * 8192 )
        {
            size_t n = len - i < 8192 ? len - i : 8192;

            fill_text(b.data + i, n, &s);
            for ( size_t j = 0; i + 8192 + j < len && j < 8192; j++ )
                b.data[i + 8192 + j] = (uint8_t)xorshift(&s);
        }
        break;
    }
    return b;
}

struct blob blob_dup(const void *p, size_t len)
{
    struct blob b = {malloc(len + 1), len};

    assert_non_null(b.data);
    memcpy(b.data, p, len);
    return b;
}

void blob_free(struct blob *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
}

bool blob_read_file(const char *path, struct blob *b)
{
    FILE *f = fopen(path, "rb");
    size_t cap = 1 << 16;

    if ( !f )
        return false;
    b->data = malloc(cap);
    b->len = 0;
    assert_non_null(b->data);
    for ( ;; )
    {
        size_t n;

        if ( b->len == cap )
        {
            cap *= 2;
            b->data = realloc(b->data, cap);
            assert_non_null(b->data);
        }
        n = fread(b->data + b->len, 1, cap - b->len, f);
        if ( !n )
            break;
        b->len += n;
    }
    fclose(f);
    return true;
}

int run_filter(const char *cmd, const struct blob *in, struct blob *out)
{
    char inpath[] = "/tmp/hx-unit-in-XXXXXX", outpath[] = "/tmp/hx-unit-out-XXXXXX";
    char *line;
    int fd_in = mkstemp(inpath), fd_out = mkstemp(outpath), status;

    assert_true(fd_in >= 0 && fd_out >= 0);
    assert_int_equal(write(fd_in, in->data, in->len), (ssize_t)in->len);
    close(fd_in);
    close(fd_out);
    assert_true(asprintf(&line, "%s <%s >%s", cmd, inpath, outpath) > 0);
    status = system(line);
    free(line);
    assert_true(blob_read_file(outpath, out));
    unlink(inpath);
    unlink(outpath);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool have_tool(const char *name)
{
    char *line;
    int status;

    assert_true(asprintf(&line, "command -v %s >/dev/null 2>&1", name) > 0);
    status = system(line);
    free(line);
    return status == 0;
}

uint32_t ref_crc32(uint32_t crc, const void *p, size_t n)
{
    const uint8_t *b = p;

    crc = ~crc;
    while ( n-- )
    {
        crc ^= *b++;
        for ( int k = 0; k < 8; k++ )
            crc = (crc >> 1) ^ (0xedb88320U & -(crc & 1));
    }
    return ~crc;
}
