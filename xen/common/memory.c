/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * memory_op: a PV domain's reservation of machine memory.
 *
 * Theory of operation
 * -------------------
 * A PV guest is not translated: its "guest frame numbers" in these calls
 * are machine frame numbers, and the guest keeps its own P2M. The
 * hypervisor only accounts (d->tot_pages against d->max_pages), hands out
 * and takes back frames, and keeps the M2P (machine -> guest pfn) current
 * where the call names a pfn.
 *
 *   increase_reservation  allocates extents and returns their MFNs (if the
 *                         guest gave a list); the M2P entries are invalid.
 *   populate_physmap      the list holds pfns in, MFNs out; the M2P maps
 *                         each new frame to its pfn.
 *   decrease_reservation  the list holds MFNs; each frame loses its
 *                         allocation reference and leaves d's page list and
 *                         tot_pages. The frame is freed only when its last
 *                         reference goes (put_page), so a frame the guest
 *                         still maps stays alive until it unmaps it.
 *   exchange              trades frames for others (of another order or
 *                         below an address limit), chunk by chunk; a chunk
 *                         is all or nothing, and nr_exchanged says how many
 *                         input extents were traded.
 *
 * The three reservation calls return how many extents were done, never an
 * error code, as Xen: a guest learns of a failure by a short count. Calls
 * are not preempted (no continuations yet); max_order bounds an extent.
 *
 * Locking: d->page_alloc_lock protects d's page list and tot_pages; page
 * reference counts are atomic (arch/x86/page_ref.c). Lock order:
 * d->page_alloc_lock -> heap_lock (taken inside the heap allocator).
 */
#include <xen/errno.h>
#include <xen/hypercall.h>
#include <xen/lib.h>
#include <xen/memory.h>
#include <xen/mm.h>
#include <xen/sched.h>
#include <asm/guest_access.h>
#include <asm/pv_mm.h>
#include <public/memory.h>

/* Largest extent a domain may ask for (Xen's defaults on x86: 2 MiB, 16 MiB for dom0). */
#define DOMU_MAX_ORDER  9
#define HWDOM_MAX_ORDER 12

#define INVALID_M2P_ENTRY (~0UL)

static unsigned int max_order(const struct domain *d)
{
    return d->is_privileged ? HWDOM_MAX_ORDER : DOMU_MAX_ORDER;
}

struct domain *memop_get_domain(domid_t id, int *rc)
{
    struct domain *curr = current->domain, *d;

    if ( id == DOMID_SELF || id == curr->domain_id )
    {
        __atomic_fetch_add(&curr->refcnt, 1, __ATOMIC_SEQ_CST);
        return curr;
    }
    d = get_domain_by_id(id);
    if ( !d )
    {
        *rc = -ESRCH;
        return NULL;
    }
    if ( !curr->is_privileged )
    {
        put_domain(d);
        *rc = -EPERM;
        return NULL;
    }
    return d;
}

void set_gpfn_from_mfn(mfn_t mfn, unsigned long pfn)
{
    ((unsigned long *)RDWR_MPT_VIRT_START)[mfn] = pfn;
}

/* ---- frames in and out of a domain ---- */

struct page_info *domain_alloc_pages(struct domain *d, unsigned int order, unsigned int memflags)
{
    unsigned long n = 1UL << order, flags;
    struct page_info *pg;

    flags = spin_lock_irqsave(&d->page_alloc_lock);
    if ( d->is_dying || d->tot_pages + n > d->max_pages )
    {
        spin_unlock_irqrestore(&d->page_alloc_lock, flags);
        return NULL;
    }
    d->tot_pages += n; /* claimed now, so concurrent calls cannot overshoot */
    spin_unlock_irqrestore(&d->page_alloc_lock, flags);

    pg = alloc_domheap_pages(d, order, memflags);
    flags = spin_lock_irqsave(&d->page_alloc_lock);
    if ( !pg )
        d->tot_pages -= n;
    else
        for ( unsigned long i = 0; i < n; i++ )
        {
            pg[i].u.type_info = 0;
            page_list_add_tail(&pg[i], &d->page_list);
        }
    spin_unlock_irqrestore(&d->page_alloc_lock, flags);
    return pg;
}

/*
 * Drop d's allocation reference on pg, which the caller holds a reference
 * on: the frame leaves d's page list and tot_pages now, and is freed by
 * whoever drops the last reference.
 */
static void drop_allocation(struct domain *d, struct page_info *pg)
{
    unsigned long flags = spin_lock_irqsave(&d->page_alloc_lock);
    unsigned long old = __atomic_fetch_and(&pg->count_info, ~PGC_allocated, __ATOMIC_SEQ_CST);

    if ( old & PGC_allocated )
    {
        page_list_del(pg, &d->page_list);
        d->tot_pages--;
    }
    spin_unlock_irqrestore(&d->page_alloc_lock, flags);
    if ( old & PGC_allocated )
        put_page(pg);
}

/*
 * Give back one frame of d's reservation: -EINVAL for a frame without a
 * page_info or one the hypervisor shares with d (shared_info, grant table),
 * -ENXIO for a frame d does not own.
 */
static int guest_remove_page(struct domain *d, mfn_t mfn)
{
    struct page_info *pg;

    if ( !mfn_valid(mfn) )
        return -EINVAL;
    pg = mfn_to_page(mfn);
    if ( !get_page(pg, d) )
        return -ENXIO;
    if ( pg->count_info & PGC_xen_heap )
    {
        put_page(pg);
        return -EINVAL;
    }
    drop_allocation(d, pg);
    put_page(pg);
    return 0;
}

/* ---- increase/decrease_reservation, populate_physmap ---- */

struct memop_args
{
    struct domain *d;
    unsigned long list; /* guest VA of the xen_pfn_t array, 0 if none */
    unsigned int nr_extents, nr_done;
    unsigned int order, memflags;
};

static bool extent_list_ok(const struct memop_args *a)
{
    unsigned long first = a->list + (unsigned long)a->nr_done * sizeof(xen_pfn_t);

    return guest_range_ok(first, (size_t)(a->nr_extents - a->nr_done) * sizeof(xen_pfn_t));
}

static int put_extent(const struct memop_args *a, unsigned int i, xen_pfn_t v)
{
    return copy_to_guest_va(a->list + i * sizeof(v), &v, sizeof(v));
}

static int get_extent(const struct memop_args *a, unsigned int i, xen_pfn_t *v)
{
    return copy_from_guest_va(v, a->list + i * sizeof(*v), sizeof(*v));
}

static void increase_reservation(struct memop_args *a)
{
    unsigned int i;

    if ( (a->list && !extent_list_ok(a)) || a->order > max_order(current->domain) )
        return;
    for ( i = a->nr_done; i < a->nr_extents; i++ )
    {
        struct page_info *pg = domain_alloc_pages(a->d, a->order, a->memflags);

        if ( !pg )
            break;
        for ( unsigned long j = 0; j < (1UL << a->order); j++ )
            set_gpfn_from_mfn(page_to_mfn(pg) + j, INVALID_M2P_ENTRY);
        if ( a->list && put_extent(a, i, page_to_mfn(pg)) )
            break;
    }
    a->nr_done = i;
}

static void populate_physmap(struct memop_args *a)
{
    unsigned int i;

    if ( !extent_list_ok(a) || a->order > max_order(current->domain) )
        return;
    for ( i = a->nr_done; i < a->nr_extents; i++ )
    {
        struct page_info *pg;
        xen_pfn_t gpfn;

        if ( get_extent(a, i, &gpfn) )
            break;
        pg = domain_alloc_pages(a->d, a->order, a->memflags);
        if ( !pg )
            break;
        for ( unsigned long j = 0; j < (1UL << a->order); j++ )
            set_gpfn_from_mfn(page_to_mfn(pg) + j, gpfn + j);
        if ( put_extent(a, i, page_to_mfn(pg)) )
            break;
    }
    a->nr_done = i;
}

static void decrease_reservation(struct memop_args *a)
{
    unsigned int i;

    if ( !extent_list_ok(a) || a->order > max_order(current->domain) )
        return;
    for ( i = a->nr_done; i < a->nr_extents; i++ )
    {
        xen_pfn_t gmfn;

        if ( get_extent(a, i, &gmfn) )
            goto out;
        for ( unsigned long j = 0; j < (1UL << a->order); j++ )
            if ( guest_remove_page(a->d, gmfn + j) )
                goto out;
    }
out:
    a->nr_done = i;
}

/* Address bits below the machine's top become an allocation limit; too few are refused. */
static int memflags_of(unsigned int mem_flags, unsigned int *memflags)
{
    unsigned int bits = XENMEMF_get_address_bits(mem_flags), top_bits = PAGE_SHIFT;

    while ( (1UL << (top_bits - PAGE_SHIFT)) < max_page )
        top_bits++;
    *memflags = 0;
    if ( bits && bits < top_bits )
    {
        if ( bits <= PAGE_SHIFT )
            return -EINVAL;
        *memflags = MEMF_bits(bits);
    }
    /* NUMA placement and populate-on-demand mean nothing for a PV guest here. */
    return 0;
}

static long memop_reservation(unsigned int op, unsigned long start, unsigned long arg)
{
    struct xen_memory_reservation r;
    struct memop_args a = {0};
    int rc;

    if ( copy_from_guest_va(&r, arg, sizeof(r)) )
        return start;
    if ( r.nr_extents > (~0u >> MEMOP_EXTENT_SHIFT) || start >= r.nr_extents )
        return start;
    a.d = memop_get_domain(r.domid, &rc);
    if ( !a.d )
        return start;
    a.list = guest_handle_va(r.extent_start);
    a.nr_extents = r.nr_extents;
    a.nr_done = start;
    a.order = r.extent_order;
    if ( memflags_of(r.mem_flags, &a.memflags) == 0 )
    {
        if ( op == XENMEM_increase_reservation )
            increase_reservation(&a);
        else if ( op == XENMEM_decrease_reservation )
            decrease_reservation(&a);
        else
            populate_physmap(&a);
    }
    put_domain(a.d);
    return a.nr_done;
}

/* ---- exchange ---- */

/*
 * Take pg away from d for an exchange: only a frame of d with no other
 * reference than its allocation and no type reference can go.
 */
static int steal_page(struct domain *d, struct page_info *pg)
{
    unsigned long x, flags;

    if ( !get_page(pg, d) )
        return -EINVAL;
    x = ACCESS_ONCE(pg->count_info);
    if ( (pg->count_info & PGC_xen_heap) ||
         (x & (PGC_count_mask | PGC_allocated)) != (2 | PGC_allocated) ||
         (pg->u.type_info & PGT_count_mask) ||
         !__atomic_compare_exchange_n(&pg->count_info, &x, x & ~(PGC_count_mask | PGC_allocated),
                                      false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST) )
    {
        put_page(pg);
        return -EINVAL;
    }
    flags = spin_lock_irqsave(&d->page_alloc_lock);
    page_list_del(pg, &d->page_list);
    pg->v.owner = NULL;
    pg->u.type_info = 0;
    spin_unlock_irqrestore(&d->page_alloc_lock, flags);
    return 0; /* tot_pages unchanged: the exchange gives as many back */
}

/* Make an unowned frame (stolen or freshly allocated) d's again. */
static void give_page(struct domain *d, struct page_info *pg)
{
    unsigned long flags = spin_lock_irqsave(&d->page_alloc_lock);

    pg->v.owner = d;
    pg->u.type_info = 0;
    pg->count_info = (pg->count_info & ~PGC_count_mask) | PGC_allocated | 1;
    page_list_add_tail(pg, &d->page_list);
    spin_unlock_irqrestore(&d->page_alloc_lock, flags);
}

struct exchange
{
    struct xen_memory_exchange x;
    struct domain *d;
    unsigned long in_list, out_list;
    unsigned int in_chunk_order, out_chunk_order, memflags;
    struct page_info *in[1u << HWDOM_MAX_ORDER];  /* a chunk's stolen input frames */
    struct page_info *out[1u << HWDOM_MAX_ORDER]; /* a chunk's output extents */
    unsigned int nr_in, nr_out;
};

static int exchange_check(struct exchange *e)
{
    const struct xen_memory_exchange *x = &e->x;
    unsigned long first_out;

    if ( max(x->in.extent_order, x->out.extent_order) > max_order(current->domain) )
        return -EPERM;
    if ( x->nr_exchanged > x->in.nr_extents || x->in.domid != x->out.domid ||
         (~0UL >> x->in.extent_order) < x->in.nr_extents ||
         (~0UL >> x->out.extent_order) < x->out.nr_extents ||
         ((unsigned long)x->in.nr_extents << x->in.extent_order) !=
             ((unsigned long)x->out.nr_extents << x->out.extent_order) )
        return -EINVAL;
    if ( x->nr_exchanged == x->in.nr_extents )
        return 1; /* nothing left to do */
    e->in_list = guest_handle_va(x->in.extent_start);
    e->out_list = guest_handle_va(x->out.extent_start);
    if ( x->in.extent_order <= x->out.extent_order )
        e->in_chunk_order = x->out.extent_order - x->in.extent_order, e->out_chunk_order = 0;
    else
        e->out_chunk_order = x->in.extent_order - x->out.extent_order, e->in_chunk_order = 0;
    first_out = x->in.extent_order <= x->out.extent_order ? x->nr_exchanged >> e->in_chunk_order
                                                          : x->nr_exchanged << e->out_chunk_order;
    if ( !guest_range_ok(e->in_list + x->nr_exchanged * 8,
                         (x->in.nr_extents - x->nr_exchanged) * 8) ||
         !guest_range_ok(e->out_list + first_out * 8, (x->out.nr_extents - first_out) * 8) )
        return -EFAULT;
    return 0;
}

/* Undo a failed chunk: stolen frames go back to d, new ones to the heap. */
static void exchange_undo_chunk(struct exchange *e)
{
    while ( e->nr_in )
        give_page(e->d, e->in[--e->nr_in]);
    while ( e->nr_out )
        free_domheap_pages(e->out[--e->nr_out], e->x.out.extent_order);
}

static int exchange_take_inputs(struct exchange *e, unsigned long chunk)
{
    for ( unsigned long j = 0; j < (1UL << e->in_chunk_order); j++ )
    {
        unsigned long idx = (chunk << e->in_chunk_order) + j;
        xen_pfn_t gmfn;

        if ( copy_from_guest_va(&gmfn, e->in_list + idx * sizeof(gmfn), sizeof(gmfn)) )
            return -EFAULT;
        for ( unsigned long k = 0; k < (1UL << e->x.in.extent_order); k++ )
        {
            if ( !mfn_valid(gmfn + k) || steal_page(e->d, mfn_to_page(gmfn + k)) )
                return -EINVAL;
            e->in[e->nr_in++] = mfn_to_page(gmfn + k);
        }
    }
    for ( unsigned long j = 0; j < (1UL << e->out_chunk_order); j++ )
    {
        struct page_info *pg = alloc_domheap_pages(NULL, e->x.out.extent_order, e->memflags);

        if ( !pg )
            return -ENOMEM;
        e->out[e->nr_out++] = pg;
    }
    return 0;
}

/* The chunk's inputs are gone for good; its outputs become d's. */
static int exchange_commit_chunk(struct exchange *e, unsigned long chunk)
{
    int rc = 0;

    while ( e->nr_in )
        free_domheap_page(e->in[--e->nr_in]);
    for ( unsigned int j = 0; j < e->nr_out; j++ )
    {
        unsigned long idx = (chunk << e->out_chunk_order) + j;
        mfn_t mfn = page_to_mfn(e->out[j]);
        xen_pfn_t gpfn;

        for ( unsigned long k = 0; k < (1UL << e->x.out.extent_order); k++ )
            give_page(e->d, e->out[j] + k);
        if ( copy_from_guest_va(&gpfn, e->out_list + idx * sizeof(gpfn), sizeof(gpfn)) )
        {
            rc = -EFAULT;
            continue;
        }
        for ( unsigned long k = 0; k < (1UL << e->x.out.extent_order); k++ )
            set_gpfn_from_mfn(mfn + k, gpfn + k);
        if ( copy_to_guest_va(e->out_list + idx * sizeof(gpfn), &mfn, sizeof(mfn)) )
            rc = -EFAULT;
    }
    e->nr_out = 0;
    return rc;
}

static long exchange_chunks(struct exchange *e)
{
    unsigned long i, end = e->x.in.nr_extents >> e->in_chunk_order;
    int rc = 0;

    for ( i = e->x.nr_exchanged >> e->in_chunk_order; i < end; i++ )
    {
        rc = exchange_take_inputs(e, i);
        if ( rc )
        {
            exchange_undo_chunk(e);
            break;
        }
        rc = exchange_commit_chunk(e, i);
        if ( rc )
            break;
    }
    e->x.nr_exchanged = (i == end && !rc) ? e->x.in.nr_extents : i << e->in_chunk_order;
    return rc;
}

static long memory_exchange(unsigned long arg)
{
    struct exchange *e = xzalloc(struct exchange);
    unsigned long nr_off = arg + offsetof(struct xen_memory_exchange, nr_exchanged);
    long rc;
    int lrc;

    if ( !e )
        return -ENOMEM;
    rc = copy_from_guest_va(&e->x, arg, sizeof(e->x));
    if ( rc )
        goto out_free;
    rc = exchange_check(e);
    if ( rc == 0 )
        rc = memflags_of(e->x.out.mem_flags, &e->memflags);
    if ( rc == 0 )
    {
        e->d = memop_get_domain(e->x.in.domid, &lrc);
        rc = e->d ? exchange_chunks(e) : lrc;
        if ( e->d )
            put_domain(e->d);
    }
    if ( rc == 1 )
    {
        rc = 0; /* already complete: nr_exchanged is left as it is */
        goto out_free;
    }
    if ( copy_to_guest_va(nr_off, &e->x.nr_exchanged, sizeof(e->x.nr_exchanged)) )
        rc = -EFAULT;
out_free:
    xfree(e);
    return rc;
}

/* ---- statistics and the physmap sub-ops a PV guest cannot use ---- */

static long memop_domain_stat(unsigned int op, unsigned long arg)
{
    struct xen_memory_domain dom;
    struct domain *d;
    long rc = 0;
    int err;

    if ( copy_from_guest_va(&dom, arg, sizeof(dom)) )
        return -EFAULT;
    d = memop_get_domain(dom.domid, &err);
    if ( !d )
        return err;
    if ( op == XENMEM_current_reservation )
        rc = d->tot_pages;
    else if ( op == XENMEM_maximum_reservation )
        rc = d->max_pages;
    else
        rc = (d->shared_info->arch.max_pfn ?: 1) - 1; /* XENMEM_maximum_gpfn */
    put_domain(d);
    return rc;
}

/*
 * add_to_physmap(_batch) and remove_from_physmap change a translated
 * guest's physmap; a PV guest has none, so once the domain is found the
 * answer is -EACCES, as Xen's.
 */
static long memop_physmap(unsigned int op, unsigned long start, unsigned long arg)
{
    union
    {
        struct xen_add_to_physmap one;
        struct xen_add_to_physmap_batch batch;
        struct xen_remove_from_physmap remove;
    } u;
    size_t size = op == XENMEM_add_to_physmap         ? sizeof(u.one)
                  : op == XENMEM_add_to_physmap_batch ? sizeof(u.batch)
                                                      : sizeof(u.remove);
    domid_t domid;
    struct domain *d;
    int rc;

    if ( op == XENMEM_remove_from_physmap ? start != 0 : start > 0xffff )
        return op == XENMEM_remove_from_physmap ? -EINVAL : -EDOM;
    if ( copy_from_guest_va(&u, arg, size) )
        return -EFAULT;
    if ( op == XENMEM_add_to_physmap && u.one.space == XENMAPSPACE_gmfn_foreign )
        return -ENOSYS;
    if ( op == XENMEM_add_to_physmap_batch && u.batch.space == XENMAPSPACE_gmfn_range )
        return -EOPNOTSUPP;
    domid = op == XENMEM_add_to_physmap         ? u.one.domid
            : op == XENMEM_add_to_physmap_batch ? u.batch.domid
                                                : u.remove.domid;
    d = memop_get_domain(domid, &rc);
    if ( !d )
        return rc == -EPERM ? -EACCES : rc;
    put_domain(d);
    return -EACCES;
}

static long memop_vnumainfo(unsigned long arg)
{
    struct xen_vnuma_topology_info t;
    struct domain *d;
    int rc;

    if ( copy_from_guest_va(&t, arg, sizeof(t)) )
        return -EFAULT;
    if ( t.pad != 0 )
        return -EINVAL;
    d = memop_get_domain(t.domid, &rc);
    if ( !d )
        return rc;
    put_domain(d);
    return -EOPNOTSUPP; /* no domain has a virtual NUMA topology */
}

long do_memory_op(unsigned long cmd, unsigned long arg)
{
    unsigned int op = cmd & MEMOP_CMD_MASK;
    unsigned long start = cmd >> MEMOP_EXTENT_SHIFT;

    switch ( op )
    {
    case XENMEM_increase_reservation:
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap: return memop_reservation(op, start, arg);
    case XENMEM_add_to_physmap:
    case XENMEM_add_to_physmap_batch:
    case XENMEM_remove_from_physmap: return memop_physmap(op, start, arg);
    }
    if ( start )
        return op == XENMEM_exchange || op == XENMEM_maximum_ram_page ||
                       op == XENMEM_current_reservation || op == XENMEM_maximum_reservation ||
                       op == XENMEM_maximum_gpfn || op == XENMEM_get_vnumainfo
                   ? -EINVAL
                   : arch_memory_op(cmd, arg);
    switch ( op )
    {
    case XENMEM_exchange: return memory_exchange(arg);
    case XENMEM_maximum_ram_page: return max_page;
    case XENMEM_current_reservation:
    case XENMEM_maximum_reservation:
    case XENMEM_maximum_gpfn: return memop_domain_stat(op, arg);
    case XENMEM_get_vnumainfo: return memop_vnumainfo(arg);
    default: return arch_memory_op(cmd, arg);
    }
}
