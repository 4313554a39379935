/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The e820 memory map: sanitising and printing.
 *
 * Firmware maps come unsorted, with overlaps and with neighbours split
 * needlessly. e820_sanitise() cuts the address space at every range boundary;
 * each elementary interval between two consecutive boundaries gets the most
 * restrictive type of the ranges covering it (so memory described as both
 * RAM and reserved is never used as RAM), and consecutive intervals of the
 * same type are merged. The map holds at most E820_MAX entries, so the
 * quadratic work is bounded and the scratch space fits on the stack.
 *
 * Restrictiveness, least to most: RAM, ACPI data, ACPI NVS, unusable,
 * reserved; a type we do not know is treated like reserved and kept.
 *
 * The functions here other than e820_print() are pure (no hypervisor state):
 * host unit tests compile this file as is.
 */
#include <xen/lib.h>
#include <asm/e820.h>

static unsigned int type_rank(u32 type)
{
    switch ( type )
    {
    case E820_RAM: return 1;
    case E820_ACPI: return 2;
    case E820_NVS: return 3;
    case E820_UNUSABLE: return 4;
    case E820_RESERVED: return 5;
    default: return 6;
    }
}

static u64 range_end(const struct e820entry *e)
{
    u64 end = e->addr + e->size;

    return end < e->addr ? ~0ULL : end; /* saturate at the top of the address space */
}

static void sort_u64(u64 *v, unsigned int n)
{
    for ( unsigned int i = 1; i < n; i++ )
    {
        u64 x = v[i];
        unsigned int j = i;

        for ( ; j && v[j - 1] > x; j-- )
            v[j] = v[j - 1];
        v[j] = x;
    }
}

/* Every start and end of in[0..n), sorted, without duplicates; returns the count. */
static unsigned int boundaries(const struct e820entry *in, unsigned int n, u64 *pts)
{
    unsigned int np = 0, out = 0;

    for ( unsigned int i = 0; i < n; i++ )
    {
        pts[np++] = in[i].addr;
        pts[np++] = range_end(&in[i]);
    }
    sort_u64(pts, np);
    for ( unsigned int i = 0; i < np; i++ )
        if ( !out || pts[out - 1] != pts[i] )
            pts[out++] = pts[i];
    return out;
}

/* The most restrictive type covering [s, e), or 0 when nothing does. */
static u32 type_at(const struct e820entry *in, unsigned int n, u64 s, u64 e)
{
    u32 best = 0;

    for ( unsigned int i = 0; i < n; i++ )
        if ( in[i].addr <= s && range_end(&in[i]) >= e &&
             (!best || type_rank(in[i].type) > type_rank(best)) )
            best = in[i].type;
    return best;
}

unsigned int e820_sanitise(struct e820entry *map, unsigned int n, unsigned int max)
{
    struct e820entry in[E820_MAX];
    u64 pts[2 * E820_MAX];
    unsigned int nin = 0, np, out = 0;

    for ( unsigned int i = 0; i < n && nin < E820_MAX; i++ )
        if ( map[i].size )
            in[nin++] = map[i];
    np = boundaries(in, nin, pts);
    for ( unsigned int i = 0; i + 1 < np; i++ )
    {
        u32 type = type_at(in, nin, pts[i], pts[i + 1]);

        if ( !type )
            continue; /* a hole */
        if ( out && map[out - 1].type == type && range_end(&map[out - 1]) == pts[i] )
        {
            map[out - 1].size += pts[i + 1] - pts[i];
            continue;
        }
        if ( out == max )
            break; /* no room: drop the highest ranges, they are not RAM we rely on */
        map[out++] = (struct e820entry){pts[i], pts[i + 1] - pts[i], type};
    }
    return out;
}

u64 e820_ram_total(const struct e820entry *map, unsigned int n)
{
    u64 total = 0;

    for ( unsigned int i = 0; i < n; i++ )
        if ( map[i].type == E820_RAM )
            total += map[i].size;
    return total;
}

static const char *type_name(u32 type)
{
    switch ( type )
    {
    case E820_RAM: return "usable";
    case E820_RESERVED: return "reserved";
    case E820_ACPI: return "ACPI data";
    case E820_NVS: return "ACPI NVS";
    case E820_UNUSABLE: return "unusable";
    default: return NULL;
    }
}

/* Print a map as Xen does: inclusive ranges, one per line. */
void e820_print(const struct e820entry *map, unsigned int n)
{
    for ( unsigned int i = 0; i < n; i++ )
    {
        unsigned long s = map[i].addr, e = range_end(&map[i]) - 1;

        if ( type_name(map[i].type) )
            printk(" [%016lx, %016lx] (%s)\n", s, e, type_name(map[i].type));
        else
            printk(" [%016lx, %016lx] (type %u)\n", s, e, map[i].type);
    }
}
