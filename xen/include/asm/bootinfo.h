/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the boot loader told us, copied out of the multiboot (1 or 2) info
 * block before anything can overwrite it.
 */
#ifndef ASM_BOOTINFO_H
#define ASM_BOOTINFO_H

#include <xen/types.h>
#include <asm/e820.h>

#define MAX_BOOT_MODULES 8
#define BOOT_CMDLINE_LEN 1024

struct boot_module
{
    paddr_t start, end;             /* [start, end) physical */
    char cmdline[BOOT_CMDLINE_LEN]; /* "path args..." as the loader gave it */
};

struct boot_info
{
    unsigned int multiboot_version; /* 1 or 2 */
    char cmdline[BOOT_CMDLINE_LEN]; /* the hypervisor's own options */
    char loader[64];
    unsigned int nr_modules;
    struct boot_module modules[MAX_BOOT_MODULES];
    unsigned int nr_e820;
    struct e820entry e820[E820_MAX]; /* raw, as the loader gave it */
    paddr_t rsdp;                    /* copy of the RSDP found in the info, or 0 */
    u8 rsdp_copy[36];
};

extern struct boot_info boot_info;

/* Fill boot_info from the loader's info block; false if magic is unknown. */
bool multiboot_parse(u32 magic, paddr_t info);

#endif
