/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Memory management interface for the rest of the hypervisor. Implemented by
 * arch/x86/mm.c (page tables, frame table, M2P, ioremap), arch/x86/e820.c,
 * arch/x86/boot_alloc.c, common/page_alloc.c (buddy heaps) and
 * common/xmalloc.c. docs/memory.md describes the whole picture.
 */
#ifndef XEN_MM_H
#define XEN_MM_H

#include <xen/types.h>
#include <asm/bootinfo.h>
#include <asm/page.h>

struct domain;
struct page_info;

/*
 * From the boot info: sanitise the e820 map, build the final page tables
 * (direct map, W^X image, frame table, M2P), and start the heaps. Prints the
 * memory map and "System RAM: N MiB".
 */
void memory_init(struct boot_info *bi);

extern unsigned long total_pages; /* frames of usable RAM */

/* ---- heaps (common/page_alloc.c); see the theory comment there ---- */

#define MAX_ORDER 20 /* largest buddy block: 2^20 frames, 4 GiB */

/* Hypervisor heap: direct-mapped, never given to guests. Pages come back zeroed. */
void *alloc_xenheap_pages(unsigned int order);
void free_xenheap_pages(void *va, unsigned int order);

/*
 * Domain heap: frames for guests, always scrubbed before they are returned.
 * With d != NULL the pages are assigned to d (owner, PGC_allocated, one
 * general reference); with NULL they are anonymous hypervisor frames.
 */
#define MEMF_bits(n)  ((unsigned int)(n)&0xff) /* frames must lie below 2^n bytes */
#define MEMF_no_scrub (1u << 8)                /* caller overwrites every byte anyway */
struct page_info *alloc_domheap_pages(struct domain *d, unsigned int order, unsigned int memflags);
void free_domheap_pages(struct page_info *pg, unsigned int order);
#define alloc_domheap_page(d, f) alloc_domheap_pages(d, 0, f)
#define free_domheap_page(p)     free_domheap_pages(p, 0)

/*
 * Background scrubbing: erase a bounded batch of free pages that still hold
 * old data. Cheap when there is nothing to do; the idle loop calls it.
 */
void scrub_free_pages(void);

enum heap_id { HEAP_XEN, HEAP_DOM, NR_HEAPS };
/* Boot (and host tests): empty every heap, then add never-used frames as dirty free memory. */
void heap_init(void);
void init_heap_pages(enum heap_id heap, struct page_info *pg, unsigned long nr);
/* Free pages of a heap, in total and in blocks of exactly one order. */
unsigned long heap_free_pages(enum heap_id heap);
unsigned long heap_free_blocks(enum heap_id heap, unsigned int order);
unsigned long heap_dirty_pages(void); /* free pages waiting to be scrubbed */

/* ---- byte allocator (common/xmalloc.c): 16-byte aligned, on the xen heap ---- */

void *xmalloc_bytes(size_t size);
void *xzalloc_bytes(size_t size);
void xfree(void *p);
#define xmalloc(type)          ((type *)xmalloc_bytes(sizeof(type)))
#define xzalloc(type)          ((type *)xzalloc_bytes(sizeof(type)))
#define xmalloc_array(type, n) ((type *)xmalloc_bytes(sizeof(type) * (n)))
#define xzalloc_array(type, n) ((type *)xzalloc_bytes(sizeof(type) * (n)))

/* ---- page tables (arch/x86/mm.c) ---- */

/* The idle page table: every CPU runs on it until it runs a guest. */
extern pte_t idle_pg_table[512];
paddr_t idle_pg_table_maddr(void); /* below 4 GiB, for the AP trampoline's CR3 */

/*
 * Copy the hypervisor's L4 slots (256-271) into a new guest L4. The
 * lower-level tables are shared, so later hypervisor mappings show up in
 * every guest. Slot 258 (per-domain area) is the idle one: the domain
 * builder replaces it with the domain's own.
 */
void init_xen_l4_slots(pte_t *l4);

/*
 * Map nr frames from mfn at va with PTE flags (PAGE_HYPERVISOR_*); flags 0
 * removes the mappings. 4 KiB granularity; -EBUSY if the range is covered
 * by a superpage, -ENOMEM when a page table cannot be allocated.
 */
int map_pages_to_xen(unsigned long va, mfn_t mfn, unsigned long nr, unsigned long flags);

/* Map MMIO (uncached) into the ioremap area, keeping the page offset; NULL when it cannot. */
void *ioremap(paddr_t pa, size_t len);

/* CR4 bits (SMEP, SMAP) every CPU sets once on the final page tables. */
extern unsigned long mmu_cr4_features;
void mm_cpu_init(void); /* AP bring-up: apply mmu_cr4_features on this CPU */

/* Store to a hypervisor address; -EFAULT instead of a crash if it faults. */
int write_u64_safe(unsigned long va, u64 v);

/* "selftest": memory self-checks, one "selftest: mm-<name> PASS|FAIL" line each. */
void mm_selftest(void);

#endif
