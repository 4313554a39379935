/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Test inputs for the decompressor tests (test_unxz.c, test_inflate.c):
 * data generated here and compressed at test time by the host's own xz and
 * gzip, so the decoders are checked against the reference tools.
 */
#ifndef TEST_UNIT_COMPRESS_FIXTURES_H
#define TEST_UNIT_COMPRESS_FIXTURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct blob
{
    uint8_t *data; /* malloc'd; never NULL, even for an empty blob */
    size_t len;
};

enum data_kind {
    DATA_ZEROS,   /* one repeated byte */
    DATA_TEXT,    /* words from a small vocabulary: compresses well */
    DATA_RANDOM,  /* incompressible */
    DATA_CODE,    /* this test binary's own x86 code (E8/E9 for BCJ) */
    DATA_MIXED,   /* text, random and code stretches in turn */
    DATA_BRANCHY, /* dense E8/E9/00/FF bytes: every path of the BCJ filter */
};

struct blob make_data(enum data_kind kind, size_t len, uint32_t seed);
struct blob blob_dup(const void *p, size_t len);
void blob_free(struct blob *b);
bool blob_read_file(const char *path, struct blob *b);

/*
 * Run a shell command with in on its standard input; its standard output
 * becomes *out. Returns the command's exit status (0 on success).
 */
int run_filter(const char *cmd, const struct blob *in, struct blob *out);

/* Whether a program is on PATH. */
bool have_tool(const char *name);

/* CRC-32 (gzip's), bit by bit: an independent check of the decoder's. */
uint32_t ref_crc32(uint32_t crc, const void *p, size_t n);

#endif
