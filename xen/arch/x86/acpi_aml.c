/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The two pieces of ACPI decoding that are pure functions of bytes, kept
 * apart from acpi.c so host unit tests can feed them hostile input.
 *
 * \_S5 lives in the DSDT as AML: NameOp ('\x08'), an optional root prefix
 * ('\\'), the NameSeg "_S5_", then PackageOp ('\x12'), a PkgLength of 1-4
 * bytes (the top two bits of the first byte count the extra bytes),
 * NumElements, and the elements: SLP_TYPa then SLP_TYPb, each a ZeroOp,
 * OneOp, OnesOp or an integer with a Byte/Word/DWord/QWord prefix. We
 * interpret no other AML: a package built by a method would not be found,
 * and the caller then has no S5 and falls back to halting.
 */
#include <xen/errno.h>
#include <xen/lib.h>
#include <asm/acpi.h>

#define AML_ZERO_OP    0x00
#define AML_ONE_OP     0x01
#define AML_NAME_OP    0x08
#define AML_BYTE_PFX   0x0a
#define AML_WORD_PFX   0x0b
#define AML_DWORD_PFX  0x0c
#define AML_QWORD_PFX  0x0e
#define AML_PACKAGE_OP 0x12
#define AML_ONES_OP    0xff

u8 acpi_checksum(const void *p, size_t len)
{
    const u8 *b = p;
    u8 sum = 0;

    while ( len-- )
        sum += *b++;
    return sum;
}

/* One integer element at *pos; advances *pos. */
static int aml_integer(const u8 *aml, size_t len, size_t *pos, u64 *val)
{
    static const unsigned int width[] = {
        [AML_BYTE_PFX] = 1, [AML_WORD_PFX] = 2, [AML_DWORD_PFX] = 4, [AML_QWORD_PFX] = 8};
    size_t p = *pos;
    u8 op;

    if ( p >= len )
        return -EINVAL;
    op = aml[p++];
    if ( op == AML_ZERO_OP || op == AML_ONE_OP || op == AML_ONES_OP )
        *val = op == AML_ONES_OP ? ~0ULL : op;
    else if ( op < ARRAY_SIZE(width) && width[op] )
    {
        if ( len - p < width[op] )
            return -EINVAL;
        *val = 0;
        for ( unsigned int i = 0; i < width[op]; i++ )
            *val |= (u64)aml[p + i] << (8 * i);
        p += width[op];
    }
    else
        return -EINVAL;
    *pos = p;
    return 0;
}

/* Decode the package that starts at aml[pos] (the PackageOp). */
static int aml_s5_package(const u8 *aml, size_t len, size_t pos, u16 *a, u16 *b)
{
    u64 va, vb;
    unsigned int extra;

    if ( pos + 2 > len || aml[pos] != AML_PACKAGE_OP )
        return -EINVAL;
    pos++;
    extra = aml[pos] >> 6;
    pos += 1 + extra; /* PkgLength */
    if ( pos + 1 > len || aml[pos] < 2 )
        return -EINVAL; /* NumElements: need two */
    pos++;
    if ( aml_integer(aml, len, &pos, &va) || aml_integer(aml, len, &pos, &vb) )
        return -EINVAL;
    /* SLP_TYP is a 3-bit field of PM1x_CNT. */
    if ( va > 7 || vb > 7 )
        return -EINVAL;
    *a = (u16)va;
    *b = (u16)vb;
    return 0;
}

int acpi_find_s5(const u8 *aml, size_t len, u16 *slp_typa, u16 *slp_typb)
{
    for ( size_t i = 1; i + 4 <= len; i++ )
    {
        bool named;

        if ( memcmp(aml + i, "_S5_", 4) )
            continue;
        named = aml[i - 1] == AML_NAME_OP ||
                (i >= 2 && aml[i - 1] == '\\' && aml[i - 2] == AML_NAME_OP);
        if ( named && !aml_s5_package(aml, len, i + 4, slp_typa, slp_typb) )
            return 0;
    }
    return -ENOENT;
}
