/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Memory management interface for the rest of the hypervisor. Implemented by
 * arch/x86/mm.c (page tables, frame table), common/page_alloc.c (buddy heaps)
 * and common/xmalloc.c.
 */
#ifndef XEN_MM_H
#define XEN_MM_H

#include <xen/types.h>
#include <asm/bootinfo.h>

/*
 * From the boot info: sanitise the e820 map, build the final page tables
 * (direct map, W^X image, frame table, M2P), and start the heaps. Prints the
 * memory map and "System RAM: N MiB".
 */
void memory_init(struct boot_info *bi);

extern unsigned long total_pages; /* frames of usable RAM */

/* Hypervisor heap: direct-mapped, never given to guests. */
void *alloc_xenheap_pages(unsigned int order);
void free_xenheap_pages(void *va, unsigned int order);

/* Byte allocator on top of the xen heap. */
void *xmalloc_bytes(size_t size);
void *xzalloc_bytes(size_t size);
void xfree(void *p);
#define xmalloc(type) ((type *)xmalloc_bytes(sizeof(type)))
#define xzalloc(type) ((type *)xzalloc_bytes(sizeof(type)))

/* Map MMIO (uncached) into the ioremap area; NULL when it cannot. */
void *ioremap(paddr_t pa, size_t len);

#endif
