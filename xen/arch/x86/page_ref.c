/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * General references, page types and page-table validation.
 *
 * Theory of operation
 * -------------------
 * asm/mm.h states the invariant: a frame is mapped writable only while its
 * type is PGT_writable_page, and used as a level-N page table only while its
 * type is PGT_lN_page_table and validated. This file is the state machine
 * that keeps it.
 *
 * count_info (general references) keeps a frame from being freed or changing
 * owner. get_page(pg, d) succeeds only if the frame is live (count > 0) and
 * d owns it; the last put_page() frees it (its owner must have dropped
 * PGC_allocated, and taken it off its page list, before that).
 *
 * type_info holds the type and a type count. A type reference of another
 * type than the current one can be taken only while the count is zero; the
 * type then changes. The first reference of a page-table type validates the
 * frame: every present entry is checked (ptvalidate.c) and the references it
 * needs are taken (an L1 entry: the frame it maps, and a writable type
 * reference if RW; an L2-L4 entry: the table below, as that type, which may
 * validate it in turn). Only when all entries passed is PGT_validated set;
 * if one fails, the references taken so far are dropped and the count goes
 * back to zero. The last type reference of a table devalidates it: the
 * references its entries hold are dropped. Because the levels strictly
 * descend, a validation never waits for itself.
 *
 * While a frame is being validated or devalidated its count is 1 and
 * PGT_validated is clear: a reference of the same type waits for the
 * outcome, one of another type fails.
 *
 * When a frame that was writable becomes anything else (a table, a GDT/LDT
 * page), mappings of it that were removed may still sit in TLBs:
 * pv_flush_after_type_change() flushes them.
 *
 * Locking: none. Every change of count_info and type_info is a
 * compare-and-exchange, and table entries change only through
 * pt_update_entry(), which exchanges the entry atomically so that each
 * installed value's references are dropped exactly once, by whoever
 * replaced it. Callers hold a type reference on the table they change
 * (get_validated_table()), so it cannot be devalidated meanwhile.
 *
 * Preemption: a preemptible validation (get_page_type_preemptible(), used
 * by pinning and base-pointer changes) may stop between two entries of an
 * L2-L4 table when pv_preempt_check() says so, once it has done some work.
 * The frame is then parked: PGT_partial set, the index of the next entry in
 * the PGT_partial_idx bits, type count 1 and one general reference owned by
 * the parked state, entries before the index holding their references. A
 * table below that was itself parked is simply redone from that entry later.
 * The next request for that type, whoever makes it, takes the parked state
 * over (dropping the parked general reference, since every requester holds
 * its own) and continues from the index; a non-preemptible request finishes
 * it. -ERESTART tells the hypercall to continue. Devalidation is not
 * preemptible.
 */
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/sched.h>
#include <asm/mm.h>
#include <asm/processor.h>
#include <asm/pv_mm.h>

/* While PGT_partial: the next entry to validate (the bits between count and flags). */
#define PGT_partial_idx_shift 48
#define PGT_partial_idx_mask  (0x1ffUL << PGT_partial_idx_shift)
BUILD_BUG_ON(PGT_partial_idx_mask &(PGT_count_mask | PGT_type_mask | PGT_pinned | PGT_validated |
                                    PGT_partial));

#define cmpxchg_ul(p, old, new)                                                                    \
    __atomic_compare_exchange_n(p, old, new, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)

/* ---- general references ---- */

/* A reference on a live frame, whoever owns it: its owner, or NULL (none taken). */
static struct domain *get_page_any_owner(struct page_info *pg)
{
    unsigned long x = ACCESS_ONCE(pg->count_info), nx;

    do
    {
        if ( (x & PGC_free) || (x & PGC_count_mask) == 0 || (x & PGC_count_mask) == PGC_count_mask )
            return NULL;
        nx = x + 1;
    } while ( !cmpxchg_ul(&pg->count_info, &x, nx) );
    if ( !pg->v.owner )
        put_page(pg); /* a hypervisor frame: nobody may reference it this way */
    return pg->v.owner;
}

bool get_page(struct page_info *pg, const struct domain *d)
{
    struct domain *owner = get_page_any_owner(pg);

    if ( owner == d && d )
        return true;
    if ( owner )
        put_page(pg);
    return false;
}

static void free_unreferenced_page(struct page_info *pg)
{
    ASSERT(!(pg->count_info & PGC_allocated));
    ASSERT(!(pg->u.type_info & PGT_count_mask));
    pg->v.owner = NULL;
    /* A mapping removed without a flush may still be in a TLB: not into the next owner's page. */
    pv_flush_before_free();
    if ( pg->count_info & PGC_xen_heap )
        return; /* a shared hypervisor page goes back to the hypervisor, not a heap */
    free_domheap_page(pg);
}

void put_page(struct page_info *pg)
{
    unsigned long old = __atomic_fetch_sub(&pg->count_info, 1, __ATOMIC_SEQ_CST);

    BUG_ON((old & PGC_count_mask) == 0);
    if ( (old & PGC_count_mask) == 1 )
        free_unreferenced_page(pg);
}

/* ---- table validation ---- */

static pte_t read_entry(const pte_t *p)
{
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* Drop what entries [0, end) of a level table hold. */
static void put_table_entries(const pte_t *t, unsigned int level, unsigned int end)
{
    for ( unsigned int i = 0; i < end; i++ )
        if ( pt_slot_guest_writable(level, i) )
            put_pte_refs(level, read_entry(&t[i]));
}

static int pte_refs(unsigned int level, pte_t *e, struct domain *l1_owner, struct domain *pg_owner,
                    bool preemptible);

/*
 * Check entries [*next, 512) of a level table and take their references.
 * -ERESTART: stopped (preemptible only) with entries before *next done.
 */
static int validate_table(struct page_info *pg, unsigned int level, unsigned int *next,
                          bool preemptible)
{
    struct domain *d = pg->v.owner;
    pte_t *t = pv_map_table(page_to_mfn(pg));
    unsigned int i;
    bool progress = false; /* stop only after doing something: the guest must get on */
    int rc = 0;

    for ( i = *next; i < L1_ENTRIES; i++ )
    {
        pte_t e = read_entry(&t[i]), want = pte_adjust_guest(level, e);

        if ( !pt_slot_guest_writable(level, i) || !(e & _PAGE_PRESENT) )
            continue;
        if ( preemptible && level > 1 && progress && pv_preempt_check() )
            rc = -ERESTART;
        else
            rc = pte_refs(level, &want, d, d, preemptible);
        if ( rc )
            break;
        progress = true;
        if ( want != e )
            __atomic_store_n(&t[i], want, __ATOMIC_RELAXED);
    }
    *next = i;
    if ( rc == -ERESTART )
        return rc;
    if ( rc )
    {
        printk(XENLOG_G_WARNING "d%d: L%u table %#lx: entry %u (%#lx) refused (%d)\n",
               d ? d->domain_id : -1, level, page_to_mfn(pg), i, read_entry(&t[i]), rc);
        put_table_entries(t, level, i);
        return rc;
    }
    if ( level == 4 )
        init_xen_l4_slots(t);
    return 0;
}

static void devalidate_table(struct page_info *pg, unsigned int level)
{
    put_table_entries(pv_map_table(page_to_mfn(pg)), level, L1_ENTRIES);
}

/* ---- type references ---- */

enum claim {
    CLAIM_MORE,   /* one more reference on a validated frame */
    CLAIM_FIRST,  /* the first: the frame must be validated for the type */
    CLAIM_RESUME, /* a parked partial validation taken over */
};

/* Claim a type reference: how, the old type_info, and where validation starts. */
static int claim_type(struct page_info *pg, unsigned long type, enum claim *how, unsigned long *old,
                      unsigned int *start)
{
    unsigned long x = ACCESS_ONCE(pg->u.type_info), nx;

    for ( ;; )
    {
        *start = 0;
        if ( (x & PGT_count_mask) == PGT_count_mask )
            return -EINVAL; /* count overflow */
        if ( (x & PGT_count_mask) == 0 )
        {
            nx = (x & ~(PGT_type_mask | PGT_validated | PGT_partial | PGT_partial_idx_mask)) |
                 type | 1;
            *how = CLAIM_FIRST;
        }
        else if ( (x & PGT_type_mask) != type )
            return -EINVAL; /* in use as something else */
        else if ( x & PGT_partial )
        {
            nx = x & ~(PGT_partial | PGT_partial_idx_mask);
            *start = (x & PGT_partial_idx_mask) >> PGT_partial_idx_shift;
            *how = CLAIM_RESUME;
        }
        else if ( !(x & PGT_validated) )
        {
            /* Another CPU is (de)validating it as this type: wait for the outcome. */
            cpu_relax();
            x = ACCESS_ONCE(pg->u.type_info);
            continue;
        }
        else
        {
            nx = x + 1;
            *how = CLAIM_MORE;
        }
        if ( cmpxchg_ul(&pg->u.type_info, &x, nx) )
            break;
    }
    *old = x;
    return 0;
}

static int get_type(struct page_info *pg, unsigned long type, bool preemptible)
{
    unsigned int level = pt_level_of_type(type), next;
    unsigned long old;
    enum claim how;
    int rc;

    ASSERT(!(type & ~PGT_type_mask));
    rc = claim_type(pg, type, &how, &old, &next);
    if ( rc || how == CLAIM_MORE )
        return rc;
    if ( how == CLAIM_RESUME )
        put_page(pg); /* the parked state's: the requester holds its own */
    else if ( type != PGT_writable_page && (old & PGT_type_mask) == PGT_writable_page )
        pv_flush_after_type_change(); /* a table or a descriptor page: no stale writable TLBs */

    rc = level ? validate_table(pg, level, &next, preemptible) : 0;
    if ( rc == -ERESTART )
    {
        /* Park it; the requester's general reference stays with the parked state. */
        __atomic_fetch_or(&pg->u.type_info,
                          PGT_partial | ((unsigned long)next << PGT_partial_idx_shift),
                          __ATOMIC_SEQ_CST);
        return rc;
    }
    if ( rc )
    {
        __atomic_fetch_sub(&pg->u.type_info, 1, __ATOMIC_SEQ_CST);
        return rc;
    }
    __atomic_fetch_or(&pg->u.type_info, PGT_validated, __ATOMIC_SEQ_CST);
    return 0;
}

int get_page_type_err(struct page_info *pg, unsigned long type)
{
    return get_type(pg, type, false);
}

int get_page_type_preemptible(struct page_info *pg, unsigned long type)
{
    return get_type(pg, type, true);
}

void put_page_type(struct page_info *pg)
{
    unsigned long x = ACCESS_ONCE(pg->u.type_info), nx;
    unsigned int level;

    for ( ;; )
    {
        BUG_ON((x & PGT_count_mask) == 0 || (x & PGT_partial)); /* parked: nobody's to put */
        level = pt_level_of_type(x);
        if ( (x & PGT_count_mask) == 1 && level && (x & PGT_validated) )
        {
            /* The last use of a table: keep the count while its entries let go. */
            nx = x & ~(PGT_validated | PGT_pinned);
            if ( cmpxchg_ul(&pg->u.type_info, &x, nx) )
            {
                devalidate_table(pg, level);
                __atomic_fetch_sub(&pg->u.type_info, 1, __ATOMIC_SEQ_CST);
                return;
            }
            continue;
        }
        nx = x - 1;
        if ( (nx & PGT_count_mask) == 0 )
            nx &= ~PGT_pinned;
        if ( cmpxchg_ul(&pg->u.type_info, &x, nx) )
            return;
    }
}

bool get_page_type(struct page_info *pg, unsigned long type)
{
    return get_page_type_err(pg, type) == 0;
}

static int get_page_and_type_mode(struct page_info *pg, const struct domain *d, unsigned long type,
                                  bool preemptible)
{
    int rc;

    if ( !get_page(pg, d) )
        return -EINVAL;
    rc = get_type(pg, type, preemptible);
    if ( rc && rc != -ERESTART ) /* a parked frame keeps the general reference */
        put_page(pg);
    return rc;
}

int get_page_and_type_err(struct page_info *pg, const struct domain *d, unsigned long type)
{
    return get_page_and_type_mode(pg, d, type, false);
}

int get_page_and_type_preemptible(struct page_info *pg, const struct domain *d, unsigned long type)
{
    return get_page_and_type_mode(pg, d, type, true);
}

bool get_page_and_type(struct page_info *pg, const struct domain *d, unsigned long type)
{
    return get_page_and_type_err(pg, d, type) == 0;
}

void put_page_and_type(struct page_info *pg)
{
    put_page_type(pg);
    put_page(pg);
}

bool get_validated_table(struct page_info *pg, unsigned long type)
{
    unsigned long x = ACCESS_ONCE(pg->u.type_info);

    do
    {
        if ( (x & PGT_type_mask) != type || !(x & PGT_validated) || (x & PGT_count_mask) == 0 ||
             (x & PGT_count_mask) == PGT_count_mask )
            return false;
    } while ( !cmpxchg_ul(&pg->u.type_info, &x, x + 1) );
    return true;
}

/* ---- the references of one entry ---- */

/* An L1 entry mapping RAM: the frame, plus a writable type reference if RW. */
static int get_l1_ram_refs(pte_t e, struct page_info *pg, struct domain *l1_owner,
                           struct domain *pg_owner)
{
    struct domain *real = get_page_any_owner(pg);

    if ( !real )
        return -EBUSY; /* free, or the hypervisor's own */
    if ( real != pg_owner )
        goto busy; /* not the frame owner we were told: another domain's memory */
    if ( (e & _PAGE_RW) && !get_page_type(pg, PGT_writable_page) )
        goto busy; /* a page table, or a page shared read-only */
    if ( (e & PTE_CACHE) && (pg->count_info & PGC_xen_heap) )
    {
        if ( e & _PAGE_RW )
            put_page_type(pg);
        put_page(pg);
        return -EACCES; /* the hypervisor's pages stay write-back */
    }
    return 0;

busy:
    put_page(pg);
    return -EBUSY;
}

static int get_l1_refs(pte_t *e, struct domain *l1_owner, struct domain *pg_owner)
{
    mfn_t mfn = PTE_MFN(*e);
    enum frame_kind kind = pv_frame_kind(mfn);
    struct pt_policy p;
    int rc;

    if ( mfn == PTE_INVALID_MFN )
        return -EINVAL;
    if ( kind == FRAME_RAM )
        return mfn_valid(mfn) ? get_l1_ram_refs(*e, mfn_to_page(mfn), l1_owner, pg_owner) : -EINVAL;

    /* Device memory: both the frame's nominal owner and the table's owner need I/O access. */
    pv_policy_of(pg_owner == dom_io ? l1_owner : pg_owner, &p);
    rc = pte_check_io(e, kind, &p);
    if ( rc || pg_owner == l1_owner || pg_owner == dom_io )
        return rc;
    pv_policy_of(l1_owner, &p);
    return pte_check_io(e, kind, &p);
}

/* The references of a present entry whose flags were checked already. */
static int checked_pte_refs(unsigned int level, pte_t *e, struct domain *l1_owner,
                            struct domain *pg_owner, bool preemptible)
{
    mfn_t mfn = PTE_MFN(*e);

    ASSERT(*e & _PAGE_PRESENT);
    if ( level == 1 )
        return get_l1_refs(e, l1_owner, pg_owner);
    /* Tables reference the owner's own RAM, nothing else. */
    if ( !mfn_valid(mfn) || pv_frame_kind(mfn) != FRAME_RAM )
        return -EINVAL;
    return get_page_and_type_mode(mfn_to_page(mfn), l1_owner, pt_type_below(level), preemptible);
}

static int pte_refs(unsigned int level, pte_t *e, struct domain *l1_owner, struct domain *pg_owner,
                    bool preemptible)
{
    struct pt_policy p;
    int rc;

    pv_policy_of(l1_owner, &p);
    rc = pte_check_flags(level, *e, &p);
    return rc ? rc : checked_pte_refs(level, e, l1_owner, pg_owner, preemptible);
}

int get_pte_refs(unsigned int level, pte_t *e, struct domain *l1_owner, struct domain *pg_owner)
{
    return pte_refs(level, e, l1_owner, pg_owner, false);
}

void put_pte_refs(unsigned int level, pte_t e)
{
    mfn_t mfn = PTE_MFN(e);
    struct page_info *pg;

    if ( !(e & _PAGE_PRESENT) || !mfn_valid(mfn) || pv_frame_kind(mfn) != FRAME_RAM )
        return; /* I/O entries hold nothing */
    pg = mfn_to_page(mfn);
    if ( level > 1 )
        put_page_and_type(pg);
    else
    {
        if ( e & _PAGE_RW )
            put_page_type(pg);
        put_page(pg);
    }
}

/* ---- changing one entry of a validated table ---- */

/*
 * Would replacing old by new keep exactly the references old holds? Both
 * present, the same RAM frame, the same RW (an L1's writable type
 * reference) and the same cache attributes (checked against hypervisor
 * pages on the way in), and the frame owned by whoever the new entry must
 * map from. Then only the flags change, and they were checked already.
 */
static bool same_references(unsigned int level, pte_t old, pte_t new, const struct domain *pg_owner)
{
    mfn_t mfn = PTE_MFN(new);

    if ( !(old & new &_PAGE_PRESENT) || PTE_MFN(old) != mfn ||
         ((old ^ new) & (_PAGE_RW | PTE_CACHE)) )
        return false;
    if ( level > 1 )
        return true; /* the same table below, already typed for this level */
    return pv_frame_kind(mfn) == FRAME_RAM && mfn_to_page(mfn)->v.owner == pg_owner;
}

/*
 * The common case of a guest changing flags (A/D, protection) of a mapping
 * it keeps: exchange the entry without touching a reference. 1: done (or
 * -EAGAIN through *rc for a stale *expect); 0: the entry changed under us
 * into one that needs the full path.
 */
static int update_flags_only(pte_t *p, unsigned int level, pte_t new, pte_t *expect,
                             bool preserve_ad, const struct domain *pg_owner, int *rc)
{
    pte_t old = read_entry(p), val;

    while ( same_references(level, old, new, pg_owner) )
    {
        if ( expect && old != *expect )
        {
            *expect = old;
            *rc = -EAGAIN;
            return 1;
        }
        val = preserve_ad ? pte_merge_ad(new, old) : new;
        if ( __atomic_compare_exchange_n(p, &old, val, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST) )
        {
            *rc = 0;
            return 1;
        }
    }
    return 0;
}

static int update_entry(struct page_info *tbl, unsigned int level, unsigned int slot, pte_t new,
                        pte_t *expect, bool preserve_ad, struct domain *pt_owner,
                        struct domain *pg_owner, bool preemptible)
{
    pte_t *p = pv_map_table(page_to_mfn(tbl)) + slot, old, val;
    struct pt_policy pol;
    int rc;

    ASSERT(slot < L1_ENTRIES);
    ASSERT(pt_level_of_type(tbl->u.type_info) == level && (tbl->u.type_info & PGT_validated));
    if ( !pt_slot_guest_writable(level, slot) )
        return -EINVAL;
    new = pte_adjust_guest(level, new);
    if ( new &_PAGE_PRESENT )
    {
        pv_policy_of(pt_owner, &pol);
        rc = pte_check_flags(level, new, &pol);
        if ( rc )
            return rc;
        if ( update_flags_only(p, level, new, expect, preserve_ad, pg_owner, &rc) )
            return rc;
        rc = checked_pte_refs(level, &new, pt_owner, pg_owner, preemptible);
        if ( rc )
            return rc; /* -ERESTART: the table below is parked, the entry unchanged */
    }
    old = read_entry(p);
    do
    {
        if ( expect && old != *expect )
        {
            *expect = old;
            put_pte_refs(level, new);
            return -EAGAIN;
        }
        val = preserve_ad ? pte_merge_ad(new, old) : new;
    } while (
        !__atomic_compare_exchange_n(p, &old, val, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST) );
    /*
     * Paging-structure caches may still hold the old upper-level entry: flush
     * them before the table it named can lose its type and become writable.
     */
    if ( level > 1 && (old & _PAGE_PRESENT) )
        pv_flush_table_change(pt_owner);
    put_pte_refs(level, old);
    return 0;
}

int pt_update_entry(struct page_info *tbl, unsigned int level, unsigned int slot, pte_t new,
                    pte_t *expect, bool preserve_ad, struct domain *pt_owner,
                    struct domain *pg_owner)
{
    return update_entry(tbl, level, slot, new, expect, preserve_ad, pt_owner, pg_owner, false);
}

int pt_update_entry_preemptible(struct page_info *tbl, unsigned int level, unsigned int slot,
                                pte_t new, bool preserve_ad, struct domain *pt_owner,
                                struct domain *pg_owner)
{
    return update_entry(tbl, level, slot, new, NULL, preserve_ad, pt_owner, pg_owner, true);
}

/* ---- tearing a domain's page tables down ---- */

/* Give up a parked half-validation: its entries' references and its own. */
static void unpark(struct page_info *pg)
{
    unsigned long x = ACCESS_ONCE(pg->u.type_info), nx;
    unsigned int level = pt_level_of_type(x), next;

    do
    {
        if ( !(x & PGT_partial) )
            return;
        nx = x & ~(PGT_partial | PGT_partial_idx_mask | PGT_count_mask);
    } while ( !cmpxchg_ul(&pg->u.type_info, &x, nx) );
    next = (x & PGT_partial_idx_mask) >> PGT_partial_idx_shift;
    put_table_entries(pv_map_table(page_to_mfn(pg)), level, next);
    put_page(pg);
}

static void drop_guest_table(unsigned long *slot)
{
    unsigned long mfn = *slot;

    *slot = 0;
    if ( mfn )
        put_page_and_type(mfn_to_page(mfn));
}

void pv_relinquish_page_tables(struct domain *d)
{
    struct page_info *pg;

    for ( unsigned int i = 0; d->vcpu && i < d->max_vcpus; i++ )
        if ( d->vcpu[i] )
        {
            ASSERT(d->vcpu[i] != current_vcpu());
            drop_guest_table(&d->vcpu[i]->pv.guest_table);
            drop_guest_table(&d->vcpu[i]->pv.guest_table_user);
        }
    /* The list does not change: every frame on it keeps its allocation reference. */
    page_list_for_each(pg, &d->page_list)
    {
        if ( __atomic_fetch_and(&pg->u.type_info, ~PGT_pinned, __ATOMIC_SEQ_CST) & PGT_pinned )
            put_page_and_type(pg);
        unpark(pg);
    }
}
