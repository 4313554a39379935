/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * memory_op (public/memory.h): common/memory.c implements the sub-ops every
 * architecture shares (reservations, exchange, statistics) and passes the
 * rest to arch_memory_op() (arch/x86/memory.c: memory maps, the M2P).
 */
#ifndef XEN_MEMORY_H
#define XEN_MEMORY_H

#include <xen/types.h>
#include <public/xen.h>

struct domain;
struct page_info;

/* memory_op's cmd: the sub-op in the low bits, a continuation's start extent above. */
#define MEMOP_EXTENT_SHIFT 6
#define MEMOP_CMD_MASK     ((1u << MEMOP_EXTENT_SHIFT) - 1)

/*
 * The domain a memory_op names (DOMID_SELF or an id), with a reference:
 * NULL and *rc = -ESRCH when there is none, -EPERM when the caller may not
 * act on it (only privileged domains act on others).
 */
struct domain *memop_get_domain(domid_t id, int *rc);

/* Architecture sub-ops (cmd unmasked, as Xen): -ENOSYS for unknown ones. */
long arch_memory_op(unsigned long cmd, unsigned long arg);

/*
 * Allocate 2^order frames for d within its max_pages: owned by d, on its
 * page list, counted in tot_pages. NULL when over the limit or out of memory.
 */
struct page_info *domain_alloc_pages(struct domain *d, unsigned int order, unsigned int memflags);

/* Record pfn as the guest frame of machine frame mfn (the M2P). */
void set_gpfn_from_mfn(mfn_t mfn, unsigned long pfn);

#endif
