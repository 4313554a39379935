/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Decompressors for boot modules (the dom0 kernel and, later, initrds).
 *
 * Everything decodes in one call from a flat input buffer into a flat output
 * buffer: the output doubles as the LZMA dictionary and the DEFLATE window,
 * so no dictionary is allocated. Every input is treated as hostile: nothing
 * outside in[0, in_len) is read and nothing outside out[0, out_max) written.
 *
 * Errors (negative Xen errno values):
 *   -EINVAL      corrupt or truncated input, or a failed integrity check
 *   -ENOSPC      the output would be longer than out_max
 *   -EOPNOTSUPP  a valid container using a filter or check we do not decode
 *   -ENOMEM      the decoder state (under 50 KiB) could not be allocated
 */
#ifndef XEN_DECOMPRESS_H
#define XEN_DECOMPRESS_H

#include <xen/lib.h>
#include <xen/types.h>

/*
 * Detect the format by its magic (xz: FD 37 7A 58 5A 00, gzip: 1F 8B) and
 * decode it into out. On success returns 0 and sets *out_len to the number
 * of bytes written. -EOPNOTSUPP when the magic is not one we know.
 */
int decompress(const void *in, size_t in_len, void *out, size_t out_max, size_t *out_len);

/*
 * The decompressed size that the input declares, without decoding it, so a
 * caller can size the output buffer: for xz the sum of the index records of
 * every stream, for gzip the ISIZE field of the (last) member, which is the
 * size modulo 2^32. The figure is a hint from untrusted data: decompress()
 * still enforces out_max. Returns 0 or a negative errno.
 */
int decompressed_size(const void *in, size_t in_len, size_t *size);

/* Whether in starts with a magic that decompress() knows. */
bool decompress_is_compressed(const void *in, size_t in_len);

/* The formats on their own; same contract as decompress(). */
int unxz(const void *in, size_t in_len, void *out, size_t out_max, size_t *out_len);
int unxz_size(const void *in, size_t in_len, size_t *size);
int gunzip(const void *in, size_t in_len, void *out, size_t out_max, size_t *out_len);
int gunzip_size(const void *in, size_t in_len, size_t *size);

/*
 * The compressed payload of a Linux bzImage (x86 boot protocol 2.08+): sets
 * *payload and returns its length, or returns 0 when img is not such a
 * bzImage or its header points outside img. Linux appends the decompressed
 * size (4 bytes, little endian) to an xz payload; that trailer is not part
 * of the returned length, so the result is exactly one xz stream.
 */
size_t bzimage_payload(const void *img, size_t len, const void **payload);

/*
 * CRC-32 as xz and gzip use it (IEEE 802.3, reflected, polynomial
 * 0xEDB88320, pre- and post-inverted): crc32_update(0, p, n) is the CRC of
 * p[0, n), and a CRC over several pieces chains through crc. The table is
 * built by the caller (in its decoder state) with crc32_init().
 */
struct crc32_table
{
    u32 t[8][256]; /* slicing-by-8 */
};
void crc32_init(struct crc32_table *tab);
u32 crc32_update(const struct crc32_table *tab, u32 crc, const void *p, size_t n);

/* ---- for the decoders only ---- */

typedef u64 __attribute__((may_alias, aligned(1))) decomp_unaligned_u64;

/*
 * The LZ77 copy that both LZMA and DEFLATE use: len bytes from dist bytes
 * back (dist >= 1; the two overlap when dist < len, which repeats the last
 * dist bytes). Away from the end of the buffer it moves eight bytes at a
 * time and may write up to seven bytes past pos + len, which nothing has
 * produced yet. A short distance first builds one 8-byte word of the
 * repeating pattern, then stores it every multiple of dist.
 */
static inline __attribute__((always_inline)) void
decompress_copy_match(u8 *buf, size_t pos, size_t dist, size_t len, size_t buf_max)
{
    u8 *dst = buf + pos;
    const u8 *src = dst - dist;

    if ( likely(len + 8 <= buf_max - pos) )
    {
        if ( dist >= 8 )
        {
            for ( size_t n = 0; n < len; n += 8 )
                *(decomp_unaligned_u64 *)(dst + n) = *(const decomp_unaligned_u64 *)(src + n);
        }
        else
        {
            /* The largest multiple of dist up to 8, for dist 1..7. */
            static const u8 step[8] = {0, 8, 8, 6, 8, 5, 6, 7};
            /*
             * The dist bytes before dst (the load's other bytes lie below
             * buf_max but are not output yet), doubled until they fill it.
             */
            u64 pattern = *(const decomp_unaligned_u64 *)src & (~0ULL >> (64 - 8 * dist));

            for ( unsigned int shift = 8 * dist; shift < 64; shift <<= 1 )
                pattern |= pattern << shift;
            for ( size_t n = 0; n < len; n += step[dist] )
                *(decomp_unaligned_u64 *)(dst + n) = pattern;
        }
        return;
    }
    for ( size_t n = 0; n < len; n++ )
        dst[n] = src[n];
}

#endif
