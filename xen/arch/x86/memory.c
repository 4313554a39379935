/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * x86 memory_op sub-ops: memory maps and the machine-to-phys table.
 *
 *   memory_map          the map a toolstack set for the calling domain with
 *                       set_memory_map; -ENOSYS when none was (dom0 asks
 *                       machine_memory_map instead).
 *   machine_memory_map  (privileged) the sanitised e820, with each
 *                       hypervisor-owned device page (local APIC, IO-APICs)
 *                       that lies in a hole reported as reserved, so dom0
 *                       never places a BAR there. Xen reports the holes of
 *                       dom0's I/O permissions this way; ours has exactly
 *                       these frames.
 *   machphys_mapping    where the read-only M2P sits and its last entry.
 *   machphys_mfn_list   the frames of the M2P, one per 2 MiB of it (the M2P
 *                       is built from 2 MiB contiguous chunks, arch/x86/mm.c).
 *
 * Memory-map entries cross the ABI packed (20 bytes), unlike asm/e820.h's.
 * d->memory_map is protected by d->page_alloc_lock.
 */
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/memory.h>
#include <xen/mm.h>
#include <xen/sched.h>
#include <asm/acpi.h>
#include <asm/e820.h>
#include <asm/guest_access.h>
#include <public/memory.h>

#define GUEST_E820_MAX 1024 /* Xen's limit for set_memory_map */

struct guest_e820entry
{
    u64 addr;
    u64 size;
    u32 type;
} __packed;
BUILD_BUG_ON(sizeof(struct guest_e820entry) != 20);

/* ---- machine_memory_map ---- */

struct map_writer
{
    struct xen_memory_map map; /* the guest's request; nr_entries is its capacity */
    unsigned long buf;         /* guest VA of the entries, 0: only count */
    unsigned int n;            /* entries produced */
    unsigned long next;        /* first frame not yet described */
};

static int map_put(struct map_writer *w, u64 addr, u64 size, u32 type)
{
    struct guest_e820entry e = {addr, size, type};

    if ( w->buf && copy_to_guest_va(w->buf + w->n * sizeof(e), &e, sizeof(e)) )
        return -EFAULT;
    w->n++;
    return 0;
}

/* Hypervisor device frames dom0 may not map, ascending, without duplicates. */
static unsigned int forbidden_frames(unsigned long *f)
{
    unsigned int n = 0;

    f[n++] = paddr_to_pfn(acpi_platform.lapic_addr ?: 0xfee00000);
    for ( unsigned int i = 0; i < acpi_platform.nr_ioapics; i++ )
        f[n++] = paddr_to_pfn(acpi_platform.ioapic[i].addr);
    for ( unsigned int i = 1; i < n; i++ ) /* insertion sort: a handful */
        for ( unsigned int j = i; j && f[j - 1] > f[j]; j-- )
        {
            unsigned long t = f[j];

            f[j] = f[j - 1];
            f[j - 1] = t;
        }
    return n;
}

/* Reserved entries for the forbidden frames in the hole [w->next, end). */
static int map_hole(struct map_writer *w, unsigned long end)
{
    unsigned long f[MAX_IO_APICS + 1];
    unsigned int n = forbidden_frames(f);

    for ( unsigned int i = 0; i < n; i++ )
    {
        unsigned long first = f[i], last = f[i];

        if ( first < w->next || first >= end )
            continue;
        while ( i + 1 < n && f[i + 1] <= last + 1 )
            last = f[++i];
        if ( w->buf && w->n + 1 >= w->map.nr_entries )
            return -EINVAL;
        if ( map_put(w, pfn_to_paddr(first), pfn_to_paddr(last - first + 1), E820_RESERVED) )
            return -EFAULT;
    }
    w->next = end;
    return 0;
}

static long machine_memory_map(unsigned long arg)
{
    struct map_writer w = {0};
    int rc;

    if ( !current->domain->is_privileged )
        return -EPERM;
    if ( copy_from_guest_va(&w.map, arg, sizeof(w.map)) )
        return -EFAULT;
    w.buf = guest_handle_va(w.map.buffer);
    if ( w.buf && w.map.nr_entries < e820_nr + 1 )
        return -EINVAL;
    if ( w.buf && !guest_range_ok(w.buf, w.map.nr_entries * sizeof(struct guest_e820entry)) )
        return -EFAULT;
    for ( unsigned int i = 0; i < e820_nr; i++ )
    {
        const struct e820entry *e = &e820_map[i];

        rc = map_hole(&w, paddr_to_pfn(e->addr));
        if ( rc )
            return rc;
        if ( w.buf && w.map.nr_entries <= w.n + (e820_nr - i) )
            return -EINVAL;
        if ( map_put(&w, e->addr, e->size, e->type) )
            return -EFAULT;
        w.next = PFN_UP(e->addr + e->size);
    }
    rc = map_hole(&w, ~0UL);
    if ( rc )
        return rc;
    w.map.nr_entries = w.n;
    return copy_to_guest_va(arg, &w.map, sizeof(w.map));
}

/* ---- a domain's own map ---- */

static long set_memory_map(unsigned long arg)
{
    struct xen_foreign_memory_map fmap;
    struct e820entry *map, *old;
    struct domain *d;
    unsigned long flags;
    unsigned int n;
    int rc = 0;

    if ( copy_from_guest_va(&fmap, arg, sizeof(fmap)) )
        return -EFAULT;
    n = fmap.map.nr_entries;
    if ( n > GUEST_E820_MAX )
        return -EINVAL;
    d = memop_get_domain(fmap.domid, &rc);
    if ( !d )
        return rc;
    map = xmalloc_array(struct e820entry, n ?: 1);
    if ( !map )
        rc = -ENOMEM;
    for ( unsigned int i = 0; !rc && i < n; i++ )
    {
        struct guest_e820entry e;

        if ( copy_from_guest_va(&e, guest_handle_va(fmap.map.buffer) + i * sizeof(e), sizeof(e)) )
            rc = -EFAULT;
        map[i] = (struct e820entry){e.addr, e.size, e.type};
    }
    if ( rc )
    {
        xfree(map);
        put_domain(d);
        return rc;
    }
    flags = spin_lock_irqsave(&d->page_alloc_lock);
    old = d->memory_map;
    d->memory_map = map;
    d->nr_memory_map = n;
    spin_unlock_irqrestore(&d->page_alloc_lock, flags);
    xfree(old);
    put_domain(d);
    return 0;
}

static long memory_map(unsigned long arg)
{
    struct domain *d = current->domain;
    struct xen_memory_map map;
    unsigned long flags;
    long rc = 0;

    if ( copy_from_guest_va(&map, arg, sizeof(map)) )
        return -EFAULT;
    flags = spin_lock_irqsave(&d->page_alloc_lock);
    if ( !d->memory_map || !d->nr_memory_map )
        rc = -ENOSYS; /* nothing set: the guest falls back to its own idea */
    else
        map.nr_entries = min(map.nr_entries, d->nr_memory_map);
    for ( unsigned int i = 0; !rc && i < map.nr_entries; i++ )
    {
        const struct e820entry *s = &d->memory_map[i];
        struct guest_e820entry e = {s->addr, s->size, s->type};

        /* A fault is recovered (-EFAULT), so copying under the lock is safe. */
        rc = copy_to_guest_va(guest_handle_va(map.buffer) + i * sizeof(e), &e, sizeof(e));
    }
    spin_unlock_irqrestore(&d->page_alloc_lock, flags);
    if ( !rc )
        rc = copy_to_guest_va(arg, &map, sizeof(map));
    return rc;
}

/* ---- the M2P ---- */

static long machphys_mapping(unsigned long arg)
{
    struct xen_machphys_mapping m = {
        .v_start = MACH2PHYS_VIRT_START,
        .v_end = MACH2PHYS_VIRT_END,
        .max_mfn = MACH2PHYS_NR_ENTRIES - 1,
    };

    if ( current->domain->is_privileged )
        m.max_mfn = max_page - 1; /* no memory hotplug */
    return copy_to_guest_va(arg, &m, sizeof(m));
}

static long machphys_mfn_list(unsigned long arg)
{
    struct xen_machphys_mfn_list l;
    unsigned long end = RDWR_MPT_VIRT_START + max_page * sizeof(unsigned long);
    unsigned long va = RDWR_MPT_VIRT_START, last = 0;
    unsigned int i;

    if ( copy_from_guest_va(&l, arg, sizeof(l)) )
        return -EFAULT;
    for ( i = 0; i != l.max_extents && va < end; i++, va += 1UL << L2_PAGE_SHIFT )
    {
        unsigned int level;
        pte_t e = lookup_pte(va, &level);
        xen_pfn_t mfn = (e & _PAGE_PRESENT) ? (e & PADDR_MASK) >> PAGE_SHIFT : last;

        if ( copy_to_guest_va(guest_handle_va(l.extent_start) + i * sizeof(mfn), &mfn,
                              sizeof(mfn)) )
            return -EFAULT;
        last = mfn;
    }
    l.nr_extents = i;
    return copy_to_guest_va(arg, &l, sizeof(l));
}

/* PoD targets exist only for HVM guests: -EINVAL for any domain here. */
static long pod_target(unsigned long arg)
{
    struct xen_pod_target t;
    struct domain *d;
    int rc;

    if ( copy_from_guest_va(&t, arg, sizeof(t)) )
        return -EFAULT;
    d = memop_get_domain(t.domid, &rc);
    if ( !d )
        return rc == -EPERM ? -EINVAL : rc;
    put_domain(d);
    return -EINVAL;
}

long arch_memory_op(unsigned long cmd, unsigned long arg)
{
    switch ( cmd )
    {
    case XENMEM_set_memory_map: return set_memory_map(arg);
    case XENMEM_memory_map: return memory_map(arg);
    case XENMEM_machine_memory_map: return machine_memory_map(arg);
    case XENMEM_machphys_mapping: return machphys_mapping(arg);
    case XENMEM_machphys_mfn_list: return machphys_mfn_list(arg);
    case XENMEM_machphys_compat_mfn_list: return -EOPNOTSUPP; /* no 32-bit PV guests */
    case XENMEM_set_pod_target:
    case XENMEM_get_pod_target: return pod_target(arg);
    case XENMEM_get_sharing_freed_pages:
    case XENMEM_get_sharing_shared_pages: return 0; /* no memory sharing */
    default: return -ENOSYS;
    }
}
