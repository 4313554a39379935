/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading the multiboot 1 and 2 info blocks. Both are at physical addresses
 * below 4 GiB, reached through the boot 1:1 mapping, and copied into
 * boot_info at once: nothing later may trust that the loader's memory is
 * still intact.
 */
#include <xen/lib.h>
#include <asm/bootinfo.h>

#define MB1_BOOT_MAGIC 0x2badb002
#define MB2_BOOT_MAGIC 0x36d76289

#define MB1_INFO_CMDLINE (1u << 2)
#define MB1_INFO_MODS    (1u << 3)
#define MB1_INFO_MMAP    (1u << 6)
#define MB1_INFO_LOADER  (1u << 9)

#define MB2_TAG_END      0
#define MB2_TAG_CMDLINE  1
#define MB2_TAG_LOADER   2
#define MB2_TAG_MODULE   3
#define MB2_TAG_MMAP     6
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15

struct boot_info boot_info;

struct __packed mb1_info
{
    u32 flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    u32 syms[4];
    u32 mmap_length, mmap_addr;
    u32 drives_length, drives_addr, config_table, boot_loader_name;
};

struct __packed mb1_module
{
    u32 mod_start, mod_end, string, reserved;
};

struct __packed mb1_mmap
{
    u32 size;
    u64 addr, len;
    u32 type;
};

struct __packed mb2_tag
{
    u32 type, size;
};

static const void *phys(paddr_t pa)
{
    return (const void *)pa; /* 1:1 boot mapping */
}

static void copy_string(char *dst, size_t len, paddr_t src)
{
    strlcpy(dst, src ? phys(src) : "", len);
}

static void add_e820(u64 addr, u64 size, u32 type)
{
    struct boot_info *b = &boot_info;

    if ( b->nr_e820 < E820_MAX && size )
        b->e820[b->nr_e820++] = (struct e820entry){addr, size, type};
}

static void add_module(paddr_t start, paddr_t end, paddr_t str)
{
    struct boot_info *b = &boot_info;

    if ( b->nr_modules >= MAX_BOOT_MODULES || end < start )
        return;
    b->modules[b->nr_modules].start = start;
    b->modules[b->nr_modules].end = end;
    copy_string(b->modules[b->nr_modules].cmdline, BOOT_CMDLINE_LEN, str);
    b->nr_modules++;
}

static void parse_mb1(const struct mb1_info *mbi)
{
    if ( mbi->flags & MB1_INFO_CMDLINE )
        copy_string(boot_info.cmdline, sizeof(boot_info.cmdline), mbi->cmdline);
    if ( mbi->flags & MB1_INFO_LOADER )
        copy_string(boot_info.loader, sizeof(boot_info.loader), mbi->boot_loader_name);
    if ( mbi->flags & MB1_INFO_MODS )
    {
        const struct mb1_module *m = phys(mbi->mods_addr);
        for ( u32 i = 0; i < mbi->mods_count; i++ )
            add_module(m[i].mod_start, m[i].mod_end, m[i].string);
    }
    if ( mbi->flags & MB1_INFO_MMAP )
    {
        paddr_t p = mbi->mmap_addr, end = p + mbi->mmap_length;
        while ( p < end )
        {
            const struct mb1_mmap *e = phys(p);
            add_e820(e->addr, e->len, e->type);
            p += e->size + sizeof(e->size);
        }
    }
    else
    {
        add_e820(0, (u64)mbi->mem_lower << 10, E820_RAM);
        add_e820(1 << 20, (u64)mbi->mem_upper << 10, E820_RAM);
    }
}

static void parse_mb2_mmap(const struct mb2_tag *t)
{
    const u32 *hdr = (const u32 *)(t + 1);
    u32 entry_size = hdr[0];
    const u8 *p = (const u8 *)(hdr + 2), *end = (const u8 *)t + t->size;

    for ( ; entry_size >= 24 && p + entry_size <= end; p += entry_size )
    {
        const u64 *e = (const u64 *)p;
        add_e820(e[0], e[1], *(const u32 *)(p + 16));
    }
}

static void parse_mb2(paddr_t info)
{
    u32 total = *(const u32 *)phys(info);
    paddr_t p = info + 8, end = info + total;

    while ( p + sizeof(struct mb2_tag) <= end )
    {
        const struct mb2_tag *t = phys(p);
        const char *data = (const char *)(t + 1);

        if ( t->type == MB2_TAG_END || t->size < sizeof(*t) )
            break;
        switch ( t->type )
        {
        case MB2_TAG_CMDLINE: strlcpy(boot_info.cmdline, data, sizeof(boot_info.cmdline)); break;
        case MB2_TAG_LOADER: strlcpy(boot_info.loader, data, sizeof(boot_info.loader)); break;
        case MB2_TAG_MODULE:
        {
            const u32 *m = (const u32 *)data;
            add_module(m[0], m[1], (paddr_t)(unsigned long)(m + 2));
            break;
        }
        case MB2_TAG_MMAP: parse_mb2_mmap(t); break;
        case MB2_TAG_ACPI_OLD:
        case MB2_TAG_ACPI_NEW:
            if ( !boot_info.rsdp || t->type == MB2_TAG_ACPI_NEW )
            {
                size_t n = min((size_t)(t->size - 8), sizeof(boot_info.rsdp_copy));
                memcpy(boot_info.rsdp_copy, data, n);
                boot_info.rsdp = (paddr_t)(unsigned long)data;
            }
            break;
        }
        p += ROUNDUP((paddr_t)t->size, 8);
    }
}

bool multiboot_parse(u32 magic, paddr_t info)
{
    if ( magic == MB1_BOOT_MAGIC )
    {
        boot_info.multiboot_version = 1;
        parse_mb1(phys(info));
    }
    else if ( magic == MB2_BOOT_MAGIC )
    {
        boot_info.multiboot_version = 2;
        parse_mb2(info);
    }
    else
        return false;
    return true;
}
