/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Finding the compressed kernel inside a Linux bzImage.
 *
 * A bzImage is the real-mode setup code (1 + setup_sects sectors of 512
 * bytes) followed by a protected-mode part that decompresses the kernel.
 * Since boot protocol 2.08 the setup header tells where the compressed
 * kernel lies inside the protected-mode part (payload_offset, relative to
 * its start) and how long it is, so a loader can decompress it itself, as
 * Xen does for dom0. Offsets below are from the x86 boot protocol.
 */
#include <xen/decompress.h>
#include <xen/lib.h>

#define BZ_SETUP_SECTS    0x1f1 /* u8: setup sectors after the boot sector; 0 means 4 */
#define BZ_BOOT_FLAG      0x1fe /* u16: 0xaa55 */
#define BZ_HEADER_MAGIC   0x202 /* "HdrS" */
#define BZ_VERSION        0x206 /* u16: boot protocol version */
#define BZ_PAYLOAD_OFFSET 0x248 /* u32 */
#define BZ_PAYLOAD_LENGTH 0x24c /* u32 */
#define BZ_HEADER_END     0x250
#define BZ_MIN_VERSION    0x0208 /* first with the payload fields */
#define BZ_SECTOR         512

static u32 get_le(const u8 *p, unsigned int n)
{
    u32 v = 0;

    while ( n-- )
        v = (v << 8) | p[n];
    return v;
}

size_t bzimage_payload(const void *img, size_t len, const void **payload)
{
    static const u8 xz_end[2] = {'Y', 'Z'};
    const u8 *p = img;
    size_t setup, off, n;

    if ( len < BZ_HEADER_END || get_le(p + BZ_BOOT_FLAG, 2) != 0xaa55 ||
         memcmp(p + BZ_HEADER_MAGIC, "HdrS", 4) || get_le(p + BZ_VERSION, 2) < BZ_MIN_VERSION )
        return 0;
    setup = p[BZ_SETUP_SECTS] ? p[BZ_SETUP_SECTS] : 4;
    off = (setup + 1) * BZ_SECTOR + get_le(p + BZ_PAYLOAD_OFFSET, 4);
    n = get_le(p + BZ_PAYLOAD_LENGTH, 4);
    if ( off > len || n > len - off || n == 0 )
        return 0;
    /*
     * Linux appends the decompressed size to every payload format but
     * gzip. An xz stream is a multiple of 4 bytes ending in "YZ": drop the
     * 4 bytes after it so that the payload is exactly the stream.
     */
    if ( decompress_is_compressed(p + off, n) && p[off] != 0x1f && n >= 8 &&
         memcmp(p + off + n - 2, xz_end, 2) && !memcmp(p + off + n - 6, xz_end, 2) )
        n -= 4;
    *payload = p + off;
    return n;
}
