/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Grant tables, version 1: how one domain lets another map or copy its
 * frames.
 *
 * Theory of operation
 * -------------------
 * Each domain has a shared table of grant_entry_v1 {flags, domid, frame},
 * in xen-heap frames it maps itself (setup_table returns their MFNs). To
 * grant frame F to domain B it writes {GTF_permit_access [| GTF_readonly],
 * B, F} into an entry; B then names the grant by (granting domain, ref).
 * The hypervisor marks an entry in use by setting GTF_reading (and
 * GTF_writing for a writable use) with compare-and-exchange on the
 * {flags, domid} word, and clears them when the last such use ends; the
 * granter must not reuse an entry while they are set (public ABI).
 *
 * The hypervisor's own view of a grant is its active entry: pin counts per
 * use (host mapping, device mapping, copy in progress) and readability,
 * the mapping domain and the frame. The first pin checks the shared entry
 * and takes one general reference on the frame (it must be owned by the
 * granter); the last unpin drops it. So a granted frame cannot be freed or
 * change owner while it is pinned.
 *
 * References that keep the page-type invariant (asm/mm.h):
 *   - a host mapping (GNTMAP_host_map, PV) is an ordinary L1 entry in the
 *     mapping domain's page tables, written with pt_update_entry() naming
 *     the granter as the frame's owner, so the entry holds the general and
 *     (if writable) PGT_writable_page references every L1 entry holds. If
 *     the guest later overwrites that entry itself, the references go with
 *     it and the grant stays pinned until the domain's end (Xen kills the
 *     domain instead; either way no frame is misused).
 *   - a writable device mapping holds a general and a writable type
 *     reference in its maptrack entry; a copy holds a writable type
 *     reference on its destination for the copy's duration.
 * Each mapping is a maptrack entry of the mapping domain; its index is the
 * handle the guest unmaps with.
 *
 * Checks: every ref is bounded by the table size, every domain looked up
 * (map/unmap name a real domain id; setup_table, query_size and copy also
 * take DOMID_SELF), copy offsets and lengths stay inside a page, a host
 * address must resolve to an L1 entry of the caller's validated tables.
 * Per-op failures are GNTST_* statuses; only a guest pointer that cannot be
 * read or written ends a batch with -EFAULT.
 *
 * Locking: gt->lock protects the shared frame list (nr_frames, shared[])
 * and the active entries of gt's domain as granter; gt->maptrack_lock the
 * maptrack of gt's domain as mapper. The two are never held together, and
 * neither is held across a page-table update. No preemption yet: a batch
 * runs to its end.
 */
#include <xen/errno.h>
#include <xen/grant_table.h>
#include <xen/hypercall.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/param.h>
#include <xen/sched.h>
#include <xen/smp.h>
#include <xen/spinlock.h>
#include <asm/guest_access.h>
#include <asm/processor.h>
#include <asm/pv_mm.h>

BUILD_BUG_ON(sizeof(grant_entry_v1_t) != 8);

static unsigned int opt_max_frames = GNTTAB_DEFAULT_MAX_FRAMES;
integer_param("gnttab_max_frames", opt_max_frames);

#define GNTTAB_FRAMES_LIMIT 1024 /* cap for the option: 512K entries */
#define MAPTRACK_PER_PAGE   (PAGE_SIZE / sizeof(struct grant_mapping))
#define MAPTRACK_MAX_PAGES  256 /* 64K handles per domain */
#define MAPTRACK_NONE       (~0u)
#define MT_BUSY             (1u << 31) /* an unmap is working on this entry */
#define GNTTABOP_CMD_BITS   12         /* cmd's low bits; above: continuation argument */
#define GNTST_RETRIES       4
#define NO_MFN              (~0UL)

/* One mapping made by the domain owning the maptrack. */
struct grant_mapping
{
    u32 flags; /* GNTMAP_* still mapped, 0: free; MT_BUSY during an unmap */
    domid_t domid;
    u16 pad;
    grant_ref_t ref;
    u32 next_free; /* free list link while free */
};

struct grant_table
{
    spinlock_t lock; /* nr_frames, shared[], active[] */
    unsigned int nr_frames, max_frames;
    grant_entry_v1_t **shared;    /* [max_frames], xen-heap frames shared with the domain */
    struct active_grant **active; /* [max_frames], GNTTAB_ENTRIES_PER_FRAME each */

    spinlock_t maptrack_lock; /* everything below */
    struct grant_mapping *maptrack[MAPTRACK_MAX_PAGES];
    unsigned int maptrack_limit; /* handles that exist */
    u32 maptrack_free;           /* first free handle, or MAPTRACK_NONE */
};

/* ---- the shared entry ---- */

int gnttab_pin_word(u32 cur, domid_t ld, bool readonly, bool first_pin, u32 *next)
{
    u16 flags = cur & 0xffff;
    domid_t domid = cur >> 16;

    if ( first_pin &&
         ((flags & (GTF_type_mask | GTF_sub_page)) != GTF_permit_access || domid != ld) )
        return GNTST_general_error;
    if ( !readonly && (flags & GTF_readonly) )
        return GNTST_general_error;
    flags |= GTF_reading | (readonly ? 0 : GTF_writing);
    *next = flags | ((u32)domid << 16);
    return GNTST_okay;
}

int gnttab_entry_pin(grant_entry_v1_t *e, domid_t ld, bool readonly, bool first_pin)
{
    u32 *word = (u32 *)e; /* {flags, domid}: the part the ABI changes with cmpxchg */
    u32 cur = __atomic_load_n(word, __ATOMIC_SEQ_CST), next;

    for ( unsigned int tries = 0;; tries++ )
    {
        int rc = gnttab_pin_word(cur, ld, readonly, first_pin, &next);

        if ( rc != GNTST_okay )
            return rc;
        if ( __atomic_compare_exchange_n(word, &cur, next, false, __ATOMIC_SEQ_CST,
                                         __ATOMIC_SEQ_CST) )
            return GNTST_okay;
        if ( tries == GNTST_RETRIES )
            return GNTST_general_error; /* the guest keeps changing it under us */
    }
}

void gnttab_entry_unpin(grant_entry_v1_t *e, bool clear_reading, bool clear_writing)
{
    u16 clear = (clear_reading ? GTF_reading : 0) | (clear_writing ? GTF_writing : 0);

    if ( clear )
        __atomic_fetch_and(&e->flags, (u16)~clear, __ATOMIC_SEQ_CST);
}

/* ---- the active entry ---- */

bool active_pinned(const struct active_grant *a)
{
    for ( unsigned int u = 0; u < GNT_NR_USES; u++ )
        if ( a->pins[u][0] || a->pins[u][1] )
            return true;
    return false;
}

bool active_writable(const struct active_grant *a)
{
    for ( unsigned int u = 0; u < GNT_NR_USES; u++ )
        if ( a->pins[u][1] )
            return true;
    return false;
}

int active_may_pin(const struct active_grant *a, domid_t ld, enum gnttab_use use, bool readonly,
                   bool *update)
{
    bool pinned = active_pinned(a);

    if ( pinned && a->domid != ld )
        return GNTST_general_error;
    if ( a->pins[use][!readonly] == 0xffff )
        return GNTST_general_error;
    *update = !pinned || (!readonly && !active_writable(a));
    return GNTST_okay;
}

void active_pin(struct active_grant *a, enum gnttab_use use, bool readonly)
{
    a->pins[use][!readonly]++;
}

void active_unpin(struct active_grant *a, enum gnttab_use use, bool readonly, bool *clear_reading,
                  bool *clear_writing)
{
    ASSERT(a->pins[use][!readonly]);
    a->pins[use][!readonly]--;
    *clear_reading = !active_pinned(a);
    *clear_writing = !readonly && !active_writable(a);
}

/* ---- the table ---- */

static unsigned int nr_entries(const struct grant_table *gt)
{
    return gt->nr_frames * GNTTAB_ENTRIES_PER_FRAME;
}

static grant_entry_v1_t *shared_entry(struct grant_table *gt, grant_ref_t ref)
{
    return &gt->shared[ref / GNTTAB_ENTRIES_PER_FRAME][ref % GNTTAB_ENTRIES_PER_FRAME];
}

static struct active_grant *active_entry(struct grant_table *gt, grant_ref_t ref)
{
    return &gt->active[ref / GNTTAB_ENTRIES_PER_FRAME][ref % GNTTAB_ENTRIES_PER_FRAME];
}

/* Grow d's table to nr frames (gt->lock held): 0 or -ENOMEM (nothing added then). */
static int grow_table(struct domain *d, struct grant_table *gt, unsigned int nr)
{
    unsigned int i;

    for ( i = gt->nr_frames; i < nr; i++ )
    {
        gt->active[i] = xzalloc_array(struct active_grant, GNTTAB_ENTRIES_PER_FRAME);
        gt->shared[i] = alloc_xenheap_pages(0);
        if ( !gt->active[i] || !gt->shared[i] )
            goto fail;
        memset(gt->shared[i], 0, PAGE_SIZE);
    }
    for ( i = gt->nr_frames; i < nr; i++ )
        share_xen_page_with_guest(virt_to_page(gt->shared[i]), d);
    gt->nr_frames = nr;
    return 0;

fail:
    for ( ; i >= gt->nr_frames && i != ~0u; i-- )
    {
        xfree(gt->active[i]);
        free_xenheap_pages(gt->shared[i], 0);
        gt->active[i] = NULL;
        gt->shared[i] = NULL;
    }
    return -ENOMEM;
}

int grant_table_init(struct domain *d)
{
    struct grant_table *gt = xzalloc(struct grant_table);
    unsigned int max = min(max(opt_max_frames, (unsigned int)GNTTAB_INITIAL_FRAMES),
                           (unsigned int)GNTTAB_FRAMES_LIMIT);

    if ( !gt )
        return -ENOMEM;
    spin_lock_init(&gt->lock);
    spin_lock_init(&gt->maptrack_lock);
    gt->max_frames = max;
    gt->maptrack_free = MAPTRACK_NONE;
    gt->shared = xzalloc_array(grant_entry_v1_t *, max);
    gt->active = xzalloc_array(struct active_grant *, max);
    d->grant_table = gt;
    if ( !gt->shared || !gt->active || grow_table(d, gt, GNTTAB_INITIAL_FRAMES) )
    {
        grant_table_destroy(d);
        return -ENOMEM;
    }
    return 0;
}

/*
 * Free the table of a domain that is gone. Shared frames still mapped
 * somewhere stay allocated until their last reference drops (page_ref.c
 * then hands them back); maptrack entries still live are dropped with the
 * domain's page tables by the caller.
 */
void grant_table_destroy(struct domain *d)
{
    struct grant_table *gt = d->grant_table;

    if ( !gt )
        return;
    for ( unsigned int i = 0; i < gt->nr_frames; i++ )
    {
        struct page_info *pg = virt_to_page(gt->shared[i]);

        xfree(gt->active[i]);
        if ( (pg->count_info & PGC_count_mask) <= 1 )
            free_xenheap_pages(gt->shared[i], 0);
    }
    for ( unsigned int i = 0; i < MAPTRACK_MAX_PAGES && gt->maptrack[i]; i++ )
        free_xenheap_pages(gt->maptrack[i], 0);
    xfree(gt->shared);
    xfree(gt->active);
    xfree(gt);
    d->grant_table = NULL;
}

/* ---- maptrack ---- */

static struct grant_mapping *maptrack_entry(struct grant_table *gt, grant_handle_t h)
{
    return &gt->maptrack[h / MAPTRACK_PER_PAGE][h % MAPTRACK_PER_PAGE];
}

/* A free handle, its entry still flagged free; MAPTRACK_NONE when none can be had. */
static grant_handle_t maptrack_get(struct grant_table *gt)
{
    grant_handle_t h = MAPTRACK_NONE;
    struct grant_mapping *m;

    spin_lock(&gt->maptrack_lock);
    if ( gt->maptrack_free == MAPTRACK_NONE &&
         gt->maptrack_limit / MAPTRACK_PER_PAGE < MAPTRACK_MAX_PAGES )
    {
        struct grant_mapping *page = alloc_xenheap_pages(0);

        if ( page )
        {
            memset(page, 0, PAGE_SIZE);
            gt->maptrack[gt->maptrack_limit / MAPTRACK_PER_PAGE] = page;
            for ( unsigned int i = 0; i < MAPTRACK_PER_PAGE; i++ )
                page[i].next_free =
                    i + 1 < MAPTRACK_PER_PAGE ? gt->maptrack_limit + i + 1 : MAPTRACK_NONE;
            gt->maptrack_free = gt->maptrack_limit;
            gt->maptrack_limit += MAPTRACK_PER_PAGE;
        }
    }
    if ( gt->maptrack_free != MAPTRACK_NONE )
    {
        h = gt->maptrack_free;
        m = maptrack_entry(gt, h);
        gt->maptrack_free = m->next_free;
        m->flags = MT_BUSY; /* reserved: not free, not yet unmappable */
    }
    spin_unlock(&gt->maptrack_lock);
    return h;
}

/* Publish (flags != 0) or free (flags == 0) a reserved entry. */
static void maptrack_set(struct grant_table *gt, grant_handle_t h, u32 flags, domid_t domid,
                         grant_ref_t ref)
{
    struct grant_mapping *m = maptrack_entry(gt, h);

    spin_lock(&gt->maptrack_lock);
    m->domid = domid;
    m->ref = ref;
    m->flags = flags;
    if ( !flags )
    {
        m->next_free = gt->maptrack_free;
        gt->maptrack_free = h;
    }
    spin_unlock(&gt->maptrack_lock);
}

/* Claim a live entry for an unmap: GNTST_okay and a copy of it, or GNTST_bad_handle. */
static int maptrack_claim(struct grant_table *gt, grant_handle_t h, struct grant_mapping *out)
{
    int rc = GNTST_bad_handle;

    spin_lock(&gt->maptrack_lock);
    if ( h < gt->maptrack_limit )
    {
        struct grant_mapping *m = maptrack_entry(gt, h);

        if ( m->flags && !(m->flags & MT_BUSY) )
        {
            *out = *m;
            m->flags |= MT_BUSY;
            rc = GNTST_okay;
        }
    }
    spin_unlock(&gt->maptrack_lock);
    return rc;
}

/* ---- pins ---- */

/*
 * Pin (rd, ref) for ld: GNTST_okay with *mfn the granted frame, or the
 * status to report. The first pin takes the active entry's reference on
 * the frame, which must belong to rd.
 */
static int pin_grant(struct domain *rd, grant_ref_t ref, domid_t ld, enum gnttab_use use,
                     bool readonly, mfn_t *mfn)
{
    struct grant_table *gt = rd->grant_table;
    struct active_grant *a;
    grant_entry_v1_t *e;
    bool update, first;
    int rc;

    spin_lock(&gt->lock);
    rc = GNTST_bad_gntref;
    if ( ref >= nr_entries(gt) )
        goto out;
    a = active_entry(gt, ref);
    e = shared_entry(gt, ref);
    first = !active_pinned(a);
    rc = active_may_pin(a, ld, use, readonly, &update);
    if ( rc == GNTST_okay && update )
        rc = gnttab_entry_pin(e, ld, readonly, first);
    if ( rc != GNTST_okay )
        goto out;
    if ( first )
    {
        mfn_t frame = ACCESS_ONCE(e->frame);

        if ( !mfn_valid(frame) || !get_page(mfn_to_page(frame), rd) )
        {
            gnttab_entry_unpin(e, true, !readonly);
            rc = GNTST_bad_page;
            goto out;
        }
        a->domid = ld;
        a->mfn = frame;
    }
    active_pin(a, use, readonly);
    *mfn = a->mfn;
out:
    spin_unlock(&gt->lock);
    return rc;
}

static void unpin_grant(struct domain *rd, grant_ref_t ref, enum gnttab_use use, bool readonly)
{
    struct grant_table *gt = rd->grant_table;
    struct active_grant *a;
    bool clear_reading, clear_writing;
    mfn_t mfn;

    spin_lock(&gt->lock);
    a = active_entry(gt, ref);
    mfn = a->mfn;
    active_unpin(a, use, readonly, &clear_reading, &clear_writing);
    gnttab_entry_unpin(shared_entry(gt, ref), clear_reading, clear_writing);
    spin_unlock(&gt->lock);
    if ( clear_reading )
        put_page(mfn_to_page(mfn));
}

/* ---- host mappings (PV: an L1 entry of the mapping domain) ---- */

/*
 * The validated L1 table and slot that addr names: a virtual address in
 * the caller's page tables, or with GNTMAP_contains_pte the machine
 * address of the entry. Holds a general and a type reference on the table.
 */
static int host_l1(struct domain *ld, u64 addr, u32 flags, struct page_info **tbl,
                   unsigned int *slot)
{
    mfn_t mfn;

    if ( flags & GNTMAP_contains_pte )
    {
        if ( addr & (sizeof(pte_t) - 1) )
            return -EINVAL;
        mfn = addr >> PAGE_SHIFT;
        *slot = (addr & (PAGE_SIZE - 1)) / sizeof(pte_t);
    }
    else if ( pv_find_l1e(current, addr, &mfn, slot) )
        return -EINVAL;
    if ( !mfn_valid(mfn) || !get_page(mfn_to_page(mfn), ld) )
        return -EINVAL;
    *tbl = mfn_to_page(mfn);
    if ( !get_validated_table(*tbl, PGT_l1_page_table) )
    {
        put_page(*tbl);
        return -EINVAL;
    }
    return 0;
}

static void put_l1(struct page_info *tbl)
{
    put_page_type(tbl);
    put_page(tbl);
}

static pte_t grant_pte(const struct domain *ld, mfn_t mfn, u32 flags)
{
    pte_t e = pfn_to_paddr(mfn) | _PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_DIRTY;
    struct pt_policy p;

    pv_policy_of(ld, &p);
    if ( p.nx_ok )
        e |= _PAGE_NX; /* granted data is never code, as on Xen */

    if ( !(flags & GNTMAP_readonly) )
        e |= _PAGE_RW;
    /* XENFEAT_gnttab_map_avail_bits: the guest's bits go to the PTE's free bits 9-11. */
    e |= (pte_t)((flags >> _GNTMAP_guest_avail0) & 7) << 9;
    return e;
}

static int create_host_mapping(struct domain *ld, struct domain *rd, u64 addr, u32 flags, mfn_t mfn)
{
    struct page_info *tbl;
    unsigned int slot;
    int rc = host_l1(ld, addr, flags, &tbl, &slot);

    if ( rc )
        return GNTST_general_error;
    rc = pt_update_entry(tbl, 1, slot, grant_pte(ld, mfn, flags), NULL, false, ld, rd);
    put_l1(tbl);
    if ( !rc && !(flags & GNTMAP_contains_pte) )
        invlpg(addr);
    return rc ? GNTST_general_error : GNTST_okay;
}

/* Clear the entry at addr if it maps mfn the way the grant did. */
static int destroy_host_mapping(struct domain *ld, struct domain *rd, u64 addr, u32 flags,
                                mfn_t mfn)
{
    struct page_info *tbl;
    unsigned int slot;
    pte_t old;
    int rc = host_l1(ld, addr, flags, &tbl, &slot);

    if ( rc )
        return GNTST_general_error;
    old = ACCESS_ONCE(pv_map_table(page_to_mfn(tbl))[slot]);
    if ( PTE_MFN(old) != mfn || ((old ^ grant_pte(ld, mfn, flags)) & (_PAGE_PRESENT | _PAGE_RW)) )
        rc = -EINVAL;
    else
        rc = pt_update_entry(tbl, 1, slot, 0, &old, false, ld, rd);
    put_l1(tbl);
    return rc ? GNTST_general_error : GNTST_okay;
}

/* ---- map and unmap ---- */

static int map_uses(struct domain *rd, const struct gnttab_map_grant_ref *op, mfn_t *mfn)
{
    bool ro = op->flags & GNTMAP_readonly;
    domid_t ld = current->domain->domain_id;
    int rc = GNTST_okay;

    if ( op->flags & GNTMAP_host_map )
        rc = pin_grant(rd, op->ref, ld, GNT_USE_HOST, ro, mfn);
    if ( rc == GNTST_okay && (op->flags & GNTMAP_device_map) )
    {
        rc = pin_grant(rd, op->ref, ld, GNT_USE_DEV, ro, mfn);
        if ( rc == GNTST_okay && !ro &&
             !get_page_and_type(mfn_to_page(*mfn), rd, PGT_writable_page) )
        {
            unpin_grant(rd, op->ref, GNT_USE_DEV, ro);
            rc = GNTST_general_error;
        }
        if ( rc != GNTST_okay && (op->flags & GNTMAP_host_map) )
            unpin_grant(rd, op->ref, GNT_USE_HOST, ro);
    }
    return rc;
}

static void unmap_uses(struct domain *rd, grant_ref_t ref, u32 flags, mfn_t mfn)
{
    bool ro = flags & GNTMAP_readonly;

    if ( flags & GNTMAP_device_map )
    {
        if ( !ro )
            put_page_and_type(mfn_to_page(mfn));
        unpin_grant(rd, ref, GNT_USE_DEV, ro);
    }
    if ( flags & GNTMAP_host_map )
        unpin_grant(rd, ref, GNT_USE_HOST, ro);
}

static void map_grant_ref(struct gnttab_map_grant_ref *op)
{
    struct domain *ld = current->domain, *rd;
    grant_handle_t h;
    mfn_t mfn = 0;
    int rc;

    if ( !(op->flags & (GNTMAP_host_map | GNTMAP_device_map)) )
    {
        op->status = GNTST_bad_gntref;
        return;
    }
    rd = get_domain_by_id(op->dom); /* a real id: DOMID_SELF is not one */
    if ( !rd )
    {
        op->status = GNTST_bad_domain;
        return;
    }
    h = maptrack_get(ld->grant_table);
    rc = h == MAPTRACK_NONE ? GNTST_no_space : map_uses(rd, op, &mfn);
    if ( rc == GNTST_okay && (op->flags & GNTMAP_host_map) )
    {
        rc = create_host_mapping(ld, rd, op->host_addr, op->flags, mfn);
        if ( rc != GNTST_okay )
            unmap_uses(rd, op->ref, op->flags, mfn);
    }
    if ( h != MAPTRACK_NONE )
        maptrack_set(ld->grant_table, h, rc == GNTST_okay ? op->flags : 0, op->dom, op->ref);
    if ( rc == GNTST_okay )
    {
        op->dev_bus_addr = pfn_to_paddr(mfn);
        op->handle = h;
    }
    op->status = rc;
    put_domain(rd);
}

static mfn_t active_mfn(struct domain *rd, grant_ref_t ref)
{
    struct grant_table *gt = rd->grant_table;
    mfn_t mfn = NO_MFN;

    spin_lock(&gt->lock);
    if ( ref < nr_entries(gt) && active_pinned(active_entry(gt, ref)) )
        mfn = active_entry(gt, ref)->mfn;
    spin_unlock(&gt->lock);
    return mfn;
}

/*
 * Unmap what of handle h the addresses name (host_addr: the host mapping,
 * dev_bus_addr: the device mapping; 0 leaves it). *flushed is set when a
 * host mapping went, so the caller flushes TLBs once per batch.
 */
static int unmap_common(grant_handle_t h, u64 host_addr, u64 dev_bus_addr, bool *flushed)
{
    struct domain *ld = current->domain, *rd;
    struct grant_mapping m;
    u32 done = 0;
    mfn_t mfn;
    int rc = maptrack_claim(ld->grant_table, h, &m);

    if ( rc != GNTST_okay )
        return rc;
    rd = get_domain_by_id(m.domid);
    mfn = rd ? active_mfn(rd, m.ref) : NO_MFN;
    if ( mfn == NO_MFN )
        rc = GNTST_bad_handle;
    else if ( dev_bus_addr && (m.flags & GNTMAP_device_map) && dev_bus_addr != pfn_to_paddr(mfn) )
        rc = GNTST_bad_dev_addr;
    else if ( host_addr && (m.flags & GNTMAP_host_map) )
        rc = destroy_host_mapping(ld, rd, host_addr, m.flags, mfn);
    if ( rc == GNTST_okay )
    {
        done = (host_addr ? m.flags & GNTMAP_host_map : 0) |
               (dev_bus_addr ? m.flags & GNTMAP_device_map : 0);
        unmap_uses(rd, m.ref, done | (m.flags & GNTMAP_readonly), mfn);
        *flushed |= !!(done & GNTMAP_host_map);
    }
    m.flags &= ~(done | MT_BUSY);
    if ( !(m.flags & (GNTMAP_host_map | GNTMAP_device_map)) )
        m.flags = 0;
    maptrack_set(ld->grant_table, h, m.flags, m.domid, m.ref);
    if ( rd )
        put_domain(rd);
    return rc;
}

/* ---- copy ---- */

/* One side of a copy: the frame, and what was taken to use it. */
struct copy_side
{
    struct domain *d;
    mfn_t mfn;
    bool pinned, page_ref, type_ref;
};

/* A copy side's domain, with a reference: only DOMID_SELF may name a frame directly. */
static int copy_lock(const struct gnttab_copy_ptr *p, bool is_gref, struct copy_side *s)
{
    struct domain *curr = current->domain;

    if ( !is_gref && p->domid != DOMID_SELF )
        return GNTST_permission_denied;
    if ( p->domid == DOMID_SELF )
    {
        __atomic_fetch_add(&curr->refcnt, 1, __ATOMIC_SEQ_CST);
        s->d = curr;
    }
    else
        s->d = get_domain_by_id(p->domid);
    return s->d ? GNTST_okay : GNTST_bad_domain;
}

/* The frame of one side: a pinned grant or a frame of the caller's own; writable for the destination. */
static int copy_claim(const struct gnttab_copy_ptr *p, bool is_gref, bool readonly,
                      struct copy_side *s)
{
    if ( is_gref )
    {
        int rc =
            pin_grant(s->d, p->u.ref, current->domain->domain_id, GNT_USE_COPY, readonly, &s->mfn);

        if ( rc != GNTST_okay )
            return rc;
        s->pinned = true;
    }
    else
    {
        s->mfn = p->u.gmfn;
        if ( !mfn_valid(s->mfn) || !get_page(mfn_to_page(s->mfn), s->d) )
            return GNTST_bad_page;
        s->page_ref = true;
    }
    if ( !readonly )
    {
        if ( !get_page_type(mfn_to_page(s->mfn), PGT_writable_page) )
            return GNTST_general_error;
        s->type_ref = true;
    }
    return GNTST_okay;
}

static void copy_release(const struct gnttab_copy_ptr *p, bool readonly, struct copy_side *s)
{
    if ( s->type_ref )
        put_page_type(mfn_to_page(s->mfn));
    if ( s->page_ref )
        put_page(mfn_to_page(s->mfn));
    if ( s->pinned )
        unpin_grant(s->d, p->u.ref, GNT_USE_COPY, readonly);
    if ( s->d )
        put_domain(s->d);
}

/* Xen's order of checks: both domains, the source, the destination, then the bounds. */
static int copy_one(const struct gnttab_copy *op)
{
    bool src_gref = op->flags & GNTCOPY_source_gref, dst_gref = op->flags & GNTCOPY_dest_gref;
    struct copy_side src = {0}, dst = {0};
    int rc = copy_lock(&op->source, src_gref, &src);

    if ( rc == GNTST_okay )
        rc = copy_lock(&op->dest, dst_gref, &dst);
    if ( rc == GNTST_okay )
        rc = copy_claim(&op->source, src_gref, true, &src);
    if ( rc == GNTST_okay )
        rc = copy_claim(&op->dest, dst_gref, false, &dst);
    if ( rc == GNTST_okay && ((unsigned int)op->source.offset + op->len > PAGE_SIZE ||
                              (unsigned int)op->dest.offset + op->len > PAGE_SIZE) )
        rc = GNTST_bad_copy_arg;
    if ( rc == GNTST_okay )
        memmove((u8 *)mfn_to_virt(dst.mfn) + op->dest.offset,
                (const u8 *)mfn_to_virt(src.mfn) + op->source.offset, op->len);
    copy_release(&op->dest, false, &dst);
    copy_release(&op->source, true, &src);
    return rc;
}

/* ---- the table-wide sub-ops ---- */

/* The domain a table op names (DOMID_SELF allowed), with a reference; a GNTST status. */
static int table_domain(domid_t id, struct domain **d)
{
    struct domain *curr = current->domain;

    if ( id == DOMID_SELF || id == curr->domain_id )
    {
        __atomic_fetch_add(&curr->refcnt, 1, __ATOMIC_SEQ_CST);
        *d = curr;
        return GNTST_okay;
    }
    *d = get_domain_by_id(id);
    if ( !*d )
        return GNTST_bad_domain;
    if ( curr->is_privileged )
        return GNTST_okay;
    put_domain(*d);
    *d = NULL;
    return GNTST_permission_denied;
}

static long setup_table(unsigned long uop, unsigned int count)
{
    struct gnttab_setup_table op;
    struct grant_table *gt;
    struct domain *d;
    unsigned long list;

    if ( count != 1 )
        return -EINVAL;
    if ( copy_from_guest_va(&op, uop, sizeof(op)) )
        return -EFAULT;
    list = guest_handle_va(op.frame_list);
    if ( !guest_range_ok(list, op.nr_frames * sizeof(xen_pfn_t)) )
        return -EFAULT;
    op.status = table_domain(op.dom, &d);
    if ( op.status == GNTST_okay )
    {
        gt = d->grant_table;
        spin_lock(&gt->lock);
        if ( op.nr_frames > gt->max_frames ||
             (op.nr_frames > gt->nr_frames && grow_table(d, gt, op.nr_frames)) )
            op.status = GNTST_general_error;
        for ( unsigned int i = 0; op.status == GNTST_okay && i < op.nr_frames; i++ )
        {
            xen_pfn_t mfn = virt_to_mfn(gt->shared[i]);

            if ( copy_to_guest_va(list + i * sizeof(mfn), &mfn, sizeof(mfn)) )
                op.status = GNTST_bad_virt_addr;
        }
        spin_unlock(&gt->lock);
        put_domain(d);
    }
    return copy_to_guest_va(uop + offsetof(struct gnttab_setup_table, status), &op.status,
                            sizeof(op.status));
}

static long query_size(unsigned long uop, unsigned int count)
{
    struct gnttab_query_size op;
    struct domain *d;

    if ( count != 1 )
        return -EINVAL;
    if ( copy_from_guest_va(&op, uop, sizeof(op)) )
        return -EFAULT;
    op.status = table_domain(op.dom, &d);
    if ( op.status == GNTST_okay )
    {
        spin_lock(&d->grant_table->lock);
        op.nr_frames = d->grant_table->nr_frames;
        op.max_nr_frames = d->grant_table->max_frames;
        spin_unlock(&d->grant_table->lock);
        put_domain(d);
    }
    return copy_to_guest_va(uop, &op, sizeof(op));
}

/* Version 1 only, as Xen with "gnttab=max_ver:1": asking for 2 is -ENOSYS. */
static long set_version(unsigned long uop)
{
    struct gnttab_set_version op;
    long rc;

    if ( copy_from_guest_va(&op, uop, sizeof(op)) )
        return -EFAULT;
    rc = op.version == 1 ? 0 : op.version == 2 ? -ENOSYS : -EINVAL;
    op.version = 1;
    return copy_to_guest_va(uop, &op, sizeof(op)) ? -EFAULT : rc;
}

static long get_version(unsigned long uop)
{
    struct gnttab_get_version op;
    struct domain *d;
    int st;

    if ( copy_from_guest_va(&op, uop, sizeof(op)) )
        return -EFAULT;
    st = table_domain(op.dom, &d);
    if ( st != GNTST_okay )
        return st == GNTST_bad_domain ? -ESRCH : -EPERM;
    put_domain(d);
    op.version = 1;
    return copy_to_guest_va(uop + offsetof(struct gnttab_get_version, version), &op.version,
                            sizeof(op.version));
}

/* Status frames exist only in version 2. */
static long get_status_frames(unsigned long uop, unsigned int count)
{
    struct gnttab_get_status_frames op;
    struct domain *d;

    if ( count != 1 )
        return -EINVAL;
    if ( copy_from_guest_va(&op, uop, sizeof(op)) )
        return -EFAULT;
    op.status = table_domain(op.dom, &d);
    if ( op.status == GNTST_okay )
    {
        op.status = GNTST_general_error;
        put_domain(d);
    }
    return copy_to_guest_va(uop + offsetof(struct gnttab_get_status_frames, status), &op.status,
                            sizeof(op.status));
}

/* Exchange two of the caller's entries, neither of them in use. */
static int swap_one(grant_ref_t a, grant_ref_t b)
{
    struct grant_table *gt = current->domain->grant_table;
    int rc = GNTST_okay;

    spin_lock(&gt->lock);
    if ( a >= nr_entries(gt) || b >= nr_entries(gt) )
        rc = GNTST_bad_gntref;
    else if ( active_pinned(active_entry(gt, a)) || active_pinned(active_entry(gt, b)) )
        rc = GNTST_eagain;
    else if ( a != b )
    {
        grant_entry_v1_t t = *shared_entry(gt, a);

        *shared_entry(gt, a) = *shared_entry(gt, b);
        *shared_entry(gt, b) = t;
    }
    spin_unlock(&gt->lock);
    return rc;
}

/* ---- batches ---- */

union any_op
{
    struct gnttab_map_grant_ref map;
    struct gnttab_unmap_grant_ref unmap;
    struct gnttab_unmap_and_replace replace;
    struct gnttab_copy copy;
    struct gnttab_swap_grant_ref swap;
};

struct batch
{
    size_t size;           /* of one op */
    size_t wb_off, wb_len; /* what goes back to the guest */
    void (*run)(union any_op *op, bool *flushed);
};

/*
 * Run count ops at uop one after the other, each read, run and (part of
 * it) written back: 0, or -EFAULT when an op cannot be read or written
 * (the ops before it took effect).
 */
static long run_batch(const struct batch *b, unsigned long uop, unsigned int count)
{
    bool flushed = false;
    long rc = 0;

    if ( !guest_range_ok(uop, (size_t)count * b->size) )
        return -EFAULT;
    for ( unsigned int i = 0; !rc && i < count; i++ )
    {
        unsigned long va = uop + i * b->size;
        union any_op op;

        if ( copy_from_guest_va(&op, va, b->size) )
            rc = -EFAULT;
        else
        {
            b->run(&op, &flushed);
            if ( copy_to_guest_va(va + b->wb_off, (u8 *)&op + b->wb_off, b->wb_len) )
                rc = -EFAULT;
        }
    }
    if ( flushed )
        flush_tlb_mask(&cpu_online_map); /* a removed mapping may be cached where ld ran */
    return rc;
}

static void run_map(union any_op *op, bool *flushed)
{
    map_grant_ref(&op->map);
}

static void run_unmap(union any_op *op, bool *flushed)
{
    op->unmap.status =
        unmap_common(op->unmap.handle, op->unmap.host_addr, op->unmap.dev_bus_addr, flushed);
}

/* Moving another PTE into the slot (new_addr) is not supported: only plain unmaps. */
static void run_replace(union any_op *op, bool *flushed)
{
    op->replace.status = op->replace.new_addr
                             ? GNTST_general_error
                             : unmap_common(op->replace.handle, op->replace.host_addr, 0, flushed);
}

static void run_copy(union any_op *op, bool *flushed)
{
    op->copy.status = copy_one(&op->copy);
}

static void run_swap(union any_op *op, bool *flushed)
{
    op->swap.status = swap_one(op->swap.ref_a, op->swap.ref_b);
}

#define STATUS_OF(T) offsetof(T, status), sizeof(((T *)0)->status)

static const struct batch batch_map = {sizeof(struct gnttab_map_grant_ref), 0,
                                       sizeof(struct gnttab_map_grant_ref), run_map};
static const struct batch batch_unmap = {sizeof(struct gnttab_unmap_grant_ref),
                                         STATUS_OF(struct gnttab_unmap_grant_ref), run_unmap};
static const struct batch batch_replace = {sizeof(struct gnttab_unmap_and_replace),
                                           STATUS_OF(struct gnttab_unmap_and_replace), run_replace};
static const struct batch batch_copy = {sizeof(struct gnttab_copy), STATUS_OF(struct gnttab_copy),
                                        run_copy};
static const struct batch batch_swap = {sizeof(struct gnttab_swap_grant_ref),
                                        STATUS_OF(struct gnttab_swap_grant_ref), run_swap};

long do_grant_table_op(unsigned long cmd, unsigned long uop, unsigned long count)
{
    unsigned int c = (unsigned int)count, sub = (unsigned int)cmd & ((1u << GNTTABOP_CMD_BITS) - 1);

    if ( (int)c < 0 )
        return -EINVAL;
    /* Only cache_flush takes an argument in cmd's upper bits. */
    if ( ((unsigned int)cmd >> GNTTABOP_CMD_BITS) && sub != GNTTABOP_cache_flush )
        return -EINVAL;
    switch ( sub )
    {
    case GNTTABOP_map_grant_ref: return run_batch(&batch_map, uop, c);
    case GNTTABOP_unmap_grant_ref: return run_batch(&batch_unmap, uop, c);
    case GNTTABOP_unmap_and_replace: return run_batch(&batch_replace, uop, c);
    case GNTTABOP_setup_table: return setup_table(uop, c);
    case GNTTABOP_copy: return run_batch(&batch_copy, uop, c);
    case GNTTABOP_query_size: return query_size(uop, c);
    case GNTTABOP_set_version: return set_version(uop);
    case GNTTABOP_get_version: return get_version(uop);
    case GNTTABOP_get_status_frames: return get_status_frames(uop, c);
    case GNTTABOP_swap_grant_ref: return run_batch(&batch_swap, uop, c);
    case GNTTABOP_transfer: return -EOPNOTSUPP; /* as Xen with "gnttab=no-transfer" */
    default: return -ENOSYS; /* dump_table (gone from Xen), cache_flush (Arm only) */
    }
}
