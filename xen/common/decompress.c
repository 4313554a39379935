/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Format dispatch for the boot-module decompressors, and the CRC-32 that
 * both xz and gzip use.
 *
 * The CRC is computed eight bytes per step ("slicing-by-8"): table k maps a
 * byte to the CRC contribution it has when k more bytes follow it, so eight
 * independent lookups replace eight dependent ones. This matters because
 * every decompressed kernel byte goes through it, under emulation. The
 * tables live in the caller's decoder state (8 KiB, rebuilt per call in
 * about 20k instructions), so there is no global state and no locking.
 */
#include <xen/decompress.h>
#include <xen/errno.h>
#include <xen/lib.h>

#define CRC32_POLY 0xedb88320U /* IEEE 802.3, bit-reversed */

typedef u32 __attribute__((may_alias, aligned(1))) unaligned_u32;

void crc32_init(struct crc32_table *tab)
{
    for ( unsigned int i = 0; i < 256; i++ )
    {
        u32 c = i;

        for ( unsigned int bit = 0; bit < 8; bit++ )
            c = (c >> 1) ^ (CRC32_POLY & -(c & 1));
        tab->t[0][i] = c;
    }
    for ( unsigned int k = 1; k < 8; k++ )
        for ( unsigned int i = 0; i < 256; i++ )
        {
            u32 prev = tab->t[k - 1][i];

            tab->t[k][i] = (prev >> 8) ^ tab->t[0][prev & 0xff];
        }
}

u32 crc32_update(const struct crc32_table *tab, u32 crc, const void *p, size_t n)
{
    const u8 *b = p;

    crc = ~crc;
    for ( ; n >= 8; n -= 8, b += 8 )
    {
        u32 lo = crc ^ *(const unaligned_u32 *)b;
        u32 hi = *(const unaligned_u32 *)(b + 4);

        crc = tab->t[7][lo & 0xff] ^ tab->t[6][(lo >> 8) & 0xff] ^ tab->t[5][(lo >> 16) & 0xff] ^
              tab->t[4][lo >> 24] ^ tab->t[3][hi & 0xff] ^ tab->t[2][(hi >> 8) & 0xff] ^
              tab->t[1][(hi >> 16) & 0xff] ^ tab->t[0][hi >> 24];
    }
    for ( ; n; n--, b++ )
        crc = (crc >> 8) ^ tab->t[0][(crc ^ *b) & 0xff];
    return ~crc;
}

static const u8 xz_magic[6] = {0xfd, '7', 'z', 'X', 'Z', 0x00};
static const u8 gzip_magic[2] = {0x1f, 0x8b};

static bool is_xz(const void *in, size_t in_len)
{
    return in_len >= sizeof(xz_magic) && !memcmp(in, xz_magic, sizeof(xz_magic));
}

static bool is_gzip(const void *in, size_t in_len)
{
    return in_len >= sizeof(gzip_magic) && !memcmp(in, gzip_magic, sizeof(gzip_magic));
}

bool decompress_is_compressed(const void *in, size_t in_len)
{
    return is_xz(in, in_len) || is_gzip(in, in_len);
}

int decompress(const void *in, size_t in_len, void *out, size_t out_max, size_t *out_len)
{
    if ( is_xz(in, in_len) )
        return unxz(in, in_len, out, out_max, out_len);
    if ( is_gzip(in, in_len) )
        return gunzip(in, in_len, out, out_max, out_len);
    return -EOPNOTSUPP;
}

int decompressed_size(const void *in, size_t in_len, size_t *size)
{
    if ( is_xz(in, in_len) )
        return unxz_size(in, in_len, size);
    if ( is_gzip(in, in_len) )
        return gunzip_size(in, in_len, size);
    return -EOPNOTSUPP;
}
