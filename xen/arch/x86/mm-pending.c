/* SPDX-License-Identifier: GPL-2.0-only */
/* Placeholder until arch/x86/mm.c lands: keeps the boot mappings. */
#include <xen/lib.h>
#include <xen/mm.h>
#include <asm/e820.h>

unsigned long total_pages;

void memory_init(struct boot_info *bi)
{
    u64 ram = 0;

    for ( unsigned int i = 0; i < bi->nr_e820; i++ )
        if ( bi->e820[i].type == E820_RAM )
            ram += bi->e820[i].size;
    total_pages = ram >> PAGE_SHIFT;
    printk("System RAM: %luMB\n", (unsigned long)(ram >> 20));
}

void *ioremap(paddr_t pa, size_t len)
{
    return pa + len <= (4UL << 30) ? (void *)pa : NULL; /* boot 1:1 map */
}
