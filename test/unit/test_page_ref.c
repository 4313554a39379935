/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests of the reference-counting state machine (xen/arch/x86/page_ref.c)
 * on a fake machine: NFRAMES frames with a frame table of their own and
 * page contents in a host buffer, reached through the pv_map_table() hook.
 *
 * The central check is exactness: after any sequence that ends where it
 * started (validate then devalidate, map then unmap, a refused request),
 * every count_info and type_info in the frame table is bit-for-bit what it
 * was. Refusals must also leave the table contents untouched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/sched.h>
#include <asm/mm.h>
#include <asm/pv_mm.h>

#define NFRAMES       64
#define BASE_MFN      0x100000UL
#define IO_MFN        0xfd000UL /* device memory */
#define RO_IO_MFN     0xfed00UL /* device memory the hypervisor shares read-only */
#define APIC_MFN      0xfee00UL /* the hypervisor's own device */
#define XEN_SLOT_MARK 0xabc000UL

/* ---- the fake machine ---- */

struct page_info *frame_table;
unsigned long frametable_base_mfn, max_page;
struct domain *dom_xen, *dom_io;

struct vcpu *current_vcpu(void)
{
    return NULL;
}

static struct page_info ft[NFRAMES];
static pte_t mem[NFRAMES][L1_ENTRIES] __aligned(PAGE_SIZE);
static struct domain dom_a, dom_b, dom0, xen_pseudo, io_pseudo;
static unsigned int flushes, frees;
static int preempt_every; /* pv_preempt_check() says yes every n-th call (0: never) */
static unsigned int preempt_calls;
static struct page_info *last_freed;

bool mfn_valid(mfn_t mfn)
{
    return mfn >= BASE_MFN && mfn < BASE_MFN + NFRAMES;
}

pte_t *pv_map_table(mfn_t mfn)
{
    assert_true(mfn_valid(mfn));
    return mem[mfn - BASE_MFN];
}

enum frame_kind pv_frame_kind(mfn_t mfn)
{
    if ( mfn_valid(mfn) )
        return FRAME_RAM;
    if ( mfn == APIC_MFN )
        return FRAME_FORBIDDEN;
    return mfn == RO_IO_MFN ? FRAME_IO_RO : FRAME_IO;
}

void pv_flush_after_type_change(void)
{
    flushes++;
}

/* Table-change flushes, and the type count frame 47 had at the last one. */
static unsigned int table_flushes;
static unsigned long tcount47_at_flush;

void pv_flush_table_change(struct domain *d)
{
    table_flushes++;
    tcount47_at_flush = ft[47].u.type_info & PGT_count_mask;
}

void pv_policy_of(const struct domain *d, struct pt_policy *p)
{
    p->io_caps = d->is_privileged;
    p->nx_ok = true;
}

bool pv_controls(const struct domain *who, const struct domain *target)
{
    return who == target || who->is_privileged;
}

bool pv_preempt_check(void)
{
    preempt_calls++;
    return preempt_every && preempt_calls % preempt_every == 0;
}

/* Flushes before a free, and the frees done by then. */
static unsigned int free_flushes, frees_at_flush;

void pv_flush_before_free(void)
{
    free_flushes++;
    frees_at_flush = frees;
}

void free_domheap_pages(struct page_info *pg, unsigned int order)
{
    assert_int_equal(order, 0);
    frees++;
    last_freed = pg;
}

void init_xen_l4_slots(pte_t *l4)
{
    for ( unsigned int s = 256; s < 272; s++ )
        l4[s] = XEN_SLOT_MARK | s;
}

/* Quiet and thread-safe: validation refusals print, and the SMP test races them. */
static unsigned int printed;

void printk(const char *fmt, ...)
{
    __atomic_fetch_add(&printed, 1, __ATOMIC_RELAXED);
}

/* ---- helpers ---- */

static mfn_t mfn(unsigned int i)
{
    return BASE_MFN + i;
}

static struct page_info *pg(unsigned int i)
{
    return &ft[i];
}

static unsigned long count(unsigned int i)
{
    return ft[i].count_info & PGC_count_mask;
}

static unsigned long tcount(unsigned int i)
{
    return ft[i].u.type_info & PGT_count_mask;
}

static unsigned long ttype(unsigned int i)
{
    return ft[i].u.type_info & PGT_type_mask;
}

static pte_t map_rw(unsigned int i)
{
    return (mfn(i) << PAGE_SHIFT) | 0x67;
}

static pte_t map_ro(unsigned int i)
{
    return (mfn(i) << PAGE_SHIFT) | 0x25;
}

static pte_t table(unsigned int i)
{
    return (mfn(i) << PAGE_SHIFT) | 0x67;
}

/* Frames 0..NFRAMES-1: dom_a's, except the last eight, dom_b's. */
static int setup(void **state)
{
    harness_setup(state);
    memset(ft, 0, sizeof(ft));
    memset(mem, 0, sizeof(mem));
    memset(&dom_a, 0, sizeof(dom_a));
    memset(&dom_b, 0, sizeof(dom_b));
    memset(&dom0, 0, sizeof(dom0));
    dom_a.domain_id = 1;
    dom_b.domain_id = 2;
    dom0.is_privileged = true;
    xen_pseudo.domain_id = DOMID_XEN;
    io_pseudo.domain_id = DOMID_IO;
    dom_xen = &xen_pseudo;
    dom_io = &io_pseudo;
    frame_table = ft;
    frametable_base_mfn = BASE_MFN;
    max_page = BASE_MFN + NFRAMES;
    for ( unsigned int i = 0; i < NFRAMES; i++ )
    {
        ft[i].v.owner = i < NFRAMES - 8 ? &dom_a : &dom_b;
        ft[i].count_info = PGC_allocated | 1;
    }
    flushes = frees = 0;
    last_freed = NULL;
    preempt_every = 0;
    preempt_calls = 0;
    table_flushes = 0;
    free_flushes = frees_at_flush = 0;
    return 0;
}

struct snapshot
{
    unsigned long count[NFRAMES], type[NFRAMES];
};

static void snap(struct snapshot *s)
{
    for ( unsigned int i = 0; i < NFRAMES; i++ )
    {
        s->count[i] = ft[i].count_info;
        s->type[i] = ft[i].u.type_info;
    }
}

/* Counts equal; types too, except that a count-0 type may have changed (it is free to). */
static void assert_same_counts(const struct snapshot *s)
{
    for ( unsigned int i = 0; i < NFRAMES; i++ )
    {
        if ( s->count[i] != ft[i].count_info )
            fail_msg("frame %u: count_info %#lx, was %#lx", i, ft[i].count_info, s->count[i]);
        if ( (s->type[i] & PGT_count_mask) != tcount(i) ||
             ((s->type[i] & PGT_count_mask) && s->type[i] != ft[i].u.type_info) )
            fail_msg("frame %u: type_info %#lx, was %#lx", i, ft[i].u.type_info, s->type[i]);
    }
}

/* ---- general references ---- */

static void test_get_put_page(void **state)
{
    assert_true(get_page(pg(0), &dom_a));
    assert_int_equal(count(0), 2);
    assert_false(get_page(pg(0), &dom_b)); /* not the owner: no reference left behind */
    assert_int_equal(count(0), 2);
    put_page(pg(0));
    assert_int_equal(count(0), 1);
    /* A frame nobody holds (count 0) cannot be picked up, whoever asks. */
    ft[1].count_info = 0;
    assert_false(get_page(pg(1), &dom_a));
    assert_int_equal(ft[1].count_info, 0);
    /* The last put of a frame its owner released frees it. */
    ft[0].count_info &= ~PGC_allocated;
    put_page(pg(0));
    assert_int_equal(frees, 1);
    assert_ptr_equal(last_freed, pg(0));
    assert_null(ft[0].v.owner);
    assert_int_equal(free_flushes, 1);
    assert_int_equal(frees_at_flush, 0); /* the flush came before the free */
    expect_bug(put_page(pg(0)));         /* a put without a get */
}

/* ---- types ---- */

static void test_writable_type(void **state)
{
    assert_true(get_page_type(pg(3), PGT_writable_page));
    assert_int_equal(ttype(3), PGT_writable_page);
    assert_true(ft[3].u.type_info & PGT_validated);
    assert_true(get_page_type(pg(3), PGT_writable_page));
    assert_int_equal(tcount(3), 2);
    /* While writable, it cannot be any table. */
    for ( unsigned long t = 1; t <= 4; t++ )
        assert_int_equal(get_page_type_err(pg(3), t << PGT_type_shift), -EINVAL);
    put_page_type(pg(3));
    put_page_type(pg(3));
    assert_int_equal(tcount(3), 0);
    assert_int_equal(flushes, 0);
    /* Unused now: it may become a table, after a flush of stale writable TLB entries. */
    assert_true(get_page_type(pg(3), PGT_l1_page_table));
    assert_int_equal(flushes, 1);
    assert_false(get_page_type(pg(3), PGT_writable_page));
    put_page_type(pg(3));
    expect_bug(put_page_type(pg(3)));
    /* Descriptor pages too: a stale writable TLB entry would let the guest edit its GDT. */
    assert_true(get_page_type(pg(4), PGT_writable_page));
    put_page_type(pg(4));
    assert_true(get_page_type(pg(4), PGT_seg_desc_page));
    assert_int_equal(flushes, 2);
    put_page_type(pg(4));
    /* Back to writable from a table: nothing writable can be cached, no flush. */
    assert_true(get_page_type(pg(3), PGT_writable_page));
    assert_int_equal(flushes, 2);
    put_page_type(pg(3));
}

static void test_l1_validation_exact(void **state)
{
    struct snapshot before;

    mem[10][0] = map_rw(20);
    mem[10][1] = map_ro(21);
    mem[10][2] = map_rw(20);      /* twice: two references */
    mem[10][3] = 0xdeadbeef000UL; /* not present: ignored */
    snap(&before);
    assert_true(get_page_type(pg(10), PGT_l1_page_table));
    assert_int_equal(ft[10].u.type_info, PGT_l1_page_table | PGT_validated | 1);
    assert_int_equal(count(20), 3);
    assert_int_equal(tcount(20), 2);
    assert_int_equal(ttype(20), PGT_writable_page);
    assert_int_equal(count(21), 2);
    assert_int_equal(tcount(21), 0);
    /* A second reference validates nothing again. */
    assert_true(get_page_type(pg(10), PGT_l1_page_table));
    assert_int_equal(count(20), 3);
    put_page_type(pg(10));
    put_page_type(pg(10));
    assert_same_counts(&before);
    assert_int_equal(ft[10].u.type_info & (PGT_validated | PGT_count_mask), 0);
}

static void test_l1_refused_entry_undoes(void **state)
{
    struct snapshot before;
    pte_t saved[L1_ENTRIES];

    mem[11][0] = map_rw(20);
    mem[11][1] = map_ro(21);
    mem[11][5] = map_rw(22) | _PAGE_PCD; /* a domU may not choose cache attributes */
    memcpy(saved, mem[11], sizeof(saved));
    snap(&before);
    assert_int_equal(get_page_type_err(pg(11), PGT_l1_page_table), -EINVAL);
    assert_same_counts(&before);
    assert_int_equal(tcount(11), 0);
    assert_false(ft[11].u.type_info & PGT_validated);
    /* The entries before the bad one were only made user-accessible, nothing else. */
    assert_int_equal(mem[11][5], saved[5]);
    assert_int_equal(mem[11][0], saved[0] | _PAGE_USER);
}

static void test_writable_mapping_blocks_table_and_back(void **state)
{
    struct snapshot before;

    /* Frame 12 is an L1 table: no entry may map it writable... */
    assert_true(get_page_type(pg(12), PGT_l1_page_table));
    mem[13][0] = map_rw(12);
    snap(&before);
    assert_int_equal(get_page_type_err(pg(13), PGT_l1_page_table), -EBUSY);
    assert_same_counts(&before);
    /* ...read-only is fine. */
    mem[13][0] = map_ro(12);
    assert_true(get_page_type(pg(13), PGT_l1_page_table));
    assert_int_equal(count(12), 2);
    put_page_type(pg(13));
    put_page_type(pg(12));
    /* Frame 14 mapped writable by an L1: it cannot become a table. */
    mem[15][7] = map_rw(14);
    assert_true(get_page_type(pg(15), PGT_l1_page_table));
    mem[16][0] = table(14);
    snap(&before);
    assert_int_equal(get_page_type_err(pg(16), PGT_l2_page_table), -EINVAL);
    assert_int_equal(get_page_type_err(pg(14), PGT_l1_page_table), -EINVAL);
    assert_same_counts(&before);
    put_page_type(pg(15));
}

static void test_foreign_and_hypervisor_frames(void **state)
{
    struct snapshot before;
    pte_t e;

    snap(&before);
    /* dom_a's table naming dom_b's frame: another domain's memory. */
    e = map_ro(NFRAMES - 1);
    assert_int_equal(get_pte_refs(1, &e, &dom_a, &dom_a), -EBUSY);
    /* Even with dom_b named as the frame owner, unless dom_a controls dom_b (later check). */
    e = map_ro(NFRAMES - 1);
    assert_int_equal(get_pte_refs(1, &e, &dom_a, &dom_b), 0);
    put_pte_refs(1, e);
    /* A frame nobody owns (the hypervisor's): refused, no reference kept. */
    ft[30].v.owner = NULL;
    e = map_ro(30);
    assert_int_equal(get_pte_refs(1, &e, &dom0, &dom0), -EBUSY);
    assert_same_counts(&before);
    /* Tables reference only their owner's frames. */
    e = table(NFRAMES - 2);
    assert_int_equal(get_pte_refs(2, &e, &dom_a, &dom_a), -EINVAL);
    assert_same_counts(&before);
}

static void test_io_frames(void **state)
{
    pte_t e;

    e = (IO_MFN << PAGE_SHIFT) | 0x67;
    assert_int_equal(get_pte_refs(1, &e, &dom_a, &dom_a), -EPERM);
    assert_int_equal(get_pte_refs(1, &e, &dom0, &dom0), 0);
    assert_int_equal(e, (IO_MFN << PAGE_SHIFT) | 0x67 | _PAGE_PCD | _PAGE_PWT);
    e = (RO_IO_MFN << PAGE_SHIFT) | 0x67;
    assert_int_equal(get_pte_refs(1, &e, &dom0, dom_io), 0);
    assert_false(e & _PAGE_RW);
    e = (APIC_MFN << PAGE_SHIFT) | 0x67;
    assert_int_equal(get_pte_refs(1, &e, &dom0, &dom0), -EPERM);
    e = PADDR_MASK | 0x67;
    assert_int_equal(get_pte_refs(1, &e, &dom0, &dom0), -EINVAL);
    /* dom0 naming a domU as owner of device memory: the domU lacks I/O access. */
    e = (IO_MFN << PAGE_SHIFT) | 0x67;
    assert_int_equal(get_pte_refs(1, &e, &dom0, &dom_a), -EPERM);
    /* Device memory in an upper-level entry: never. */
    e = (IO_MFN << PAGE_SHIFT) | 0x67;
    assert_int_equal(get_pte_refs(2, &e, &dom0, &dom0), -EINVAL);
}

static void test_shared_read_only_page(void **state)
{
    pte_t e;

    /* A hypervisor page dom0 may read through DOMID_XEN (the M2P). */
    ft[31].v.owner = dom_xen;
    ft[31].u.type_info = PGT_none | PGT_validated | 1;
    e = map_rw(31);
    assert_int_equal(get_pte_refs(1, &e, &dom0, dom_xen), -EBUSY);
    e = map_ro(31);
    assert_int_equal(get_pte_refs(1, &e, &dom0, dom_xen), 0);
    assert_int_equal(count(31), 2);
    put_pte_refs(1, e);
    assert_int_equal(count(31), 1);
    /* Not as dom0's own page. */
    assert_int_equal(get_pte_refs(1, &e, &dom0, &dom0), -EBUSY);
    /* A hypervisor heap page keeps write-back. */
    ft[32].count_info |= PGC_xen_heap;
    e = map_rw(32) | _PAGE_PCD;
    ft[32].v.owner = &dom0;
    assert_int_equal(get_pte_refs(1, &e, &dom0, &dom0), -EACCES);
    assert_int_equal(count(32), 1);
    assert_int_equal(tcount(32), 0);
}

/* L4 (40) -> L3 (41) -> L2 (42) -> L1 (43) -> data (44 RW, 45 RO). */
static void build_hierarchy(void)
{
    mem[40][0] = table(41);
    mem[40][260] = table(41); /* a hypervisor slot: the guest's value is replaced */
    mem[40][511] = table(41); /* the same L3 twice */
    mem[41][2] = table(42);
    mem[42][3] = table(43);
    mem[43][4] = map_rw(44);
    mem[43][5] = map_ro(45);
}

static void test_four_levels_exact(void **state)
{
    struct snapshot before;

    build_hierarchy();
    snap(&before);
    assert_true(get_page_type(pg(40), PGT_l4_page_table));
    assert_int_equal(ttype(41), PGT_l3_page_table);
    assert_int_equal(tcount(41), 2);
    assert_int_equal(count(41), 3);
    assert_int_equal(ttype(42), PGT_l2_page_table);
    assert_int_equal(tcount(43), 1);
    assert_int_equal(ttype(44), PGT_writable_page);
    assert_int_equal(count(45), 2);
    for ( unsigned int s = 256; s < 272; s++ )
        assert_int_equal(mem[40][s], XEN_SLOT_MARK | s);
    put_page_type(pg(40));
    assert_same_counts(&before);
    for ( unsigned int i = 41; i <= 43; i++ )
        assert_false(ft[i].u.type_info & PGT_validated);
}

static void test_hierarchy_refusals(void **state)
{
    struct snapshot before;

    build_hierarchy();
    /* An L1 entry deep down is bad: nothing at any level stays referenced. */
    mem[43][9] = map_rw(44) | _PAGE_PCD;
    snap(&before);
    assert_int_equal(get_page_type_err(pg(40), PGT_l4_page_table), -EINVAL);
    assert_same_counts(&before);
    mem[43][9] = 0;
    /* Superpages, linear (self-referencing) tables, wrong levels. */
    mem[42][8] = table(46) | _PAGE_PSE;
    assert_int_equal(get_page_type_err(pg(42), PGT_l2_page_table), -EINVAL);
    mem[42][8] = 0;
    mem[40][1] = table(40);
    assert_int_equal(get_page_type_err(pg(40), PGT_l4_page_table), -EINVAL);
    mem[40][1] = table(43); /* an L1 where an L3 belongs */
    assert_true(get_page_type(pg(43), PGT_l1_page_table));
    assert_int_equal(get_page_type_err(pg(40), PGT_l4_page_table), -EINVAL);
    put_page_type(pg(43));
    assert_same_counts(&before);
}

static void test_update_entry(void **state)
{
    struct snapshot before;
    pte_t expect;

    snap(&before);
    assert_true(get_page_type(pg(10), PGT_l1_page_table));
    /* Map RW, retarget, unmap: the counts follow each step. */
    assert_int_equal(pt_update_entry(pg(10), 1, 7, map_rw(20) & ~4UL, NULL, false, &dom_a, &dom_a),
                     0);
    assert_int_equal(mem[10][7], map_rw(20)); /* user bit forced */
    assert_int_equal(tcount(20), 1);
    assert_int_equal(pt_update_entry(pg(10), 1, 7, map_rw(21), NULL, false, &dom_a, &dom_a), 0);
    assert_int_equal(tcount(20), 0);
    assert_int_equal(count(20), 1);
    assert_int_equal(tcount(21), 1);
    /* A refused update changes nothing. */
    assert_int_equal(pt_update_entry(pg(10), 1, 7, map_rw(10), NULL, false, &dom_a, &dom_a),
                     -EBUSY);
    assert_int_equal(mem[10][7], map_rw(21));
    /* Preserve A/D: the hardware's bits on the same frame survive. */
    mem[10][7] = (mem[10][7] & ~0x60UL) | _PAGE_DIRTY;
    assert_int_equal(
        pt_update_entry(pg(10), 1, 7, map_rw(21) & ~0x60UL, NULL, true, &dom_a, &dom_a), 0);
    assert_int_equal(mem[10][7] & 0x60, _PAGE_DIRTY);
    /* Compare-and-exchange that loses: current value back, no reference leaked. */
    expect = 0;
    assert_int_equal(pt_update_entry(pg(10), 1, 7, map_ro(22), &expect, false, &dom_a, &dom_a),
                     -EAGAIN);
    assert_int_equal(expect, mem[10][7]);
    assert_int_equal(count(22), 1);
    assert_int_equal(pt_update_entry(pg(10), 1, 7, 0, &expect, false, &dom_a, &dom_a), 0);
    put_page_type(pg(10));
    assert_same_counts(&before);
}

static void test_update_upper_levels(void **state)
{
    struct snapshot before;

    build_hierarchy();
    snap(&before);
    assert_true(get_page_type(pg(40), PGT_l4_page_table));
    assert_int_equal(pt_update_entry(pg(40), 4, 260, table(41), NULL, false, &dom_a, &dom_a),
                     -EINVAL); /* hypervisor slot */
    assert_int_equal(
        pt_update_entry(pg(42), 2, 9, table(46) | _PAGE_PSE, NULL, false, &dom_a, &dom_a), -EINVAL);
    /* Hang a fresh L1 (47) in the L2: it gets validated and typed. */
    mem[47][0] = map_rw(48);
    assert_int_equal(pt_update_entry(pg(42), 2, 9, table(47), NULL, false, &dom_a, &dom_a), 0);
    assert_int_equal(ft[47].u.type_info, PGT_l1_page_table | PGT_validated | 1);
    assert_int_equal(table_flushes, 0); /* the slot was empty: nothing was cached */
    assert_int_equal(tcount(48), 1);
    /* Taking it out again devalidates it, after the paging-structure flush. */
    assert_int_equal(pt_update_entry(pg(42), 2, 9, 0, NULL, false, &dom_a, &dom_a), 0);
    assert_int_equal(table_flushes, 1);
    assert_int_equal(tcount47_at_flush, 1); /* still a table when the flush ran */
    assert_int_equal(tcount(47), 0);
    assert_int_equal(tcount(48), 0);
    put_page_type(pg(40));
    assert_same_counts(&before);
}

static void test_last_reference_frees(void **state)
{
    /* The owner let frame 50 go while an L1 still maps it: freed on devalidation. */
    mem[10][0] = map_rw(50);
    assert_true(get_page_type(pg(10), PGT_l1_page_table));
    ft[50].count_info &= ~PGC_allocated;
    put_page(pg(50));
    assert_int_equal(frees, 0);
    put_page_type(pg(10));
    assert_int_equal(frees, 1);
    assert_ptr_equal(last_freed, pg(50));
}

static void test_validated_table_ref(void **state)
{
    assert_false(get_validated_table(pg(10), PGT_l1_page_table)); /* not a table yet */
    assert_int_equal(tcount(10), 0);
    assert_true(get_page_type(pg(10), PGT_l1_page_table));
    assert_false(get_validated_table(pg(10), PGT_l2_page_table));
    assert_true(get_validated_table(pg(10), PGT_l1_page_table));
    assert_int_equal(tcount(10), 2);
    put_page_type(pg(10));
    put_page_type(pg(10));
    assert_int_equal(tcount(10), 0);
}

/* A wide tree: L4 40 -> L3 41 -> L2s 42, 46 -> L1s 43, 47, 49, 51 -> data. */
static void build_wide_tree(void)
{
    build_hierarchy();
    mem[41][7] = table(46);
    mem[42][100] = table(47);
    mem[46][0] = table(49);
    mem[46][511] = table(51);
    mem[47][1] = map_rw(52);
    mem[49][2] = map_ro(53);
    mem[51][3] = map_rw(54);
}

/* Pin-like request until it stops restarting; how many rounds it took. */
static unsigned int validate_in_rounds(struct page_info *p, unsigned long type, int *rc)
{
    unsigned int rounds = 0;

    do
    {
        *rc = get_page_and_type_preemptible(p, &dom_a, type);
        rounds++;
    } while ( *rc == -ERESTART && rounds < 100 );
    return rounds;
}

static void test_preempted_validation_matches(void **state)
{
    struct snapshot before, whole, pieces;
    unsigned int rounds;
    int rc;

    build_wide_tree();
    snap(&before);
    assert_int_equal(get_page_and_type_err(pg(40), &dom_a, PGT_l4_page_table), 0);
    snap(&whole);
    put_page_and_type(pg(40));
    assert_same_counts(&before);

    /* Stop at every chance: it still finishes, with the very same counts. */
    preempt_every = 1;
    rounds = validate_in_rounds(pg(40), PGT_l4_page_table, &rc);
    assert_int_equal(rc, 0);
    assert_true(rounds > 2);
    snap(&pieces);
    for ( unsigned int i = 0; i < NFRAMES; i++ )
        if ( whole.count[i] != pieces.count[i] || whole.type[i] != pieces.type[i] )
            fail_msg("frame %u: %#lx/%#lx in pieces, %#lx/%#lx at once", i, pieces.count[i],
                     pieces.type[i], whole.count[i], whole.type[i]);
    put_page_and_type(pg(40));
    assert_same_counts(&before);
}

static void test_parked_frame(void **state)
{
    struct snapshot before;
    pte_t e;
    int rc;

    build_wide_tree();
    snap(&before);
    preempt_every = 1;
    assert_int_equal(get_page_and_type_preemptible(pg(40), &dom_a, PGT_l4_page_table), -ERESTART);
    assert_true(ft[40].u.type_info & PGT_partial);
    assert_int_equal(tcount(40), 1);
    assert_int_equal(count(40), 2); /* the parked state kept the requester's reference */
    /* Half-validated is still a table: no writable mapping, no other type. */
    e = map_rw(40);
    assert_int_equal(get_pte_refs(1, &e, &dom_a, &dom_a), -EBUSY);
    assert_int_equal(get_page_type_err(pg(40), PGT_l3_page_table), -EINVAL);
    /* A request that cannot stop finishes the job. */
    preempt_every = 0;
    assert_int_equal(get_page_and_type_err(pg(40), &dom_a, PGT_l4_page_table), 0);
    assert_int_equal(ft[40].u.type_info & ~PGT_count_mask, PGT_l4_page_table | PGT_validated);
    assert_int_equal(tcount(40), 1);
    assert_int_equal(count(40), 2);
    put_page_and_type(pg(40));
    assert_same_counts(&before);

    /* A bad entry found in a later round undoes the earlier rounds too. */
    mem[51][400] = map_rw(54) | _PAGE_PCD;
    preempt_every = 1;
    validate_in_rounds(pg(40), PGT_l4_page_table, &rc);
    assert_int_equal(rc, -EINVAL);
    assert_same_counts(&before);
    for ( unsigned int k = 0; k < 8; k++ )
    {
        static const unsigned int tables[] = {40, 41, 42, 43, 46, 47, 49, 51};

        assert_false(ft[tables[k]].u.type_info & (PGT_partial | PGT_validated));
        assert_int_equal(tcount(tables[k]), 0);
    }
}

static void test_preemptible_entry_update(void **state)
{
    struct snapshot before, whole;
    unsigned int rounds = 0;
    int rc;

    /* An empty L4 (60) gets the wide tree's L3 (41) in slot 5, at once and in pieces. */
    build_wide_tree();
    snap(&before);
    assert_true(get_page_type(pg(60), PGT_l4_page_table));
    assert_int_equal(pt_update_entry(pg(60), 4, 5, table(41), NULL, false, &dom_a, &dom_a), 0);
    snap(&whole);
    assert_int_equal(pt_update_entry(pg(60), 4, 5, 0, NULL, false, &dom_a, &dom_a), 0);
    preempt_every = 1;
    do
    {
        rc = pt_update_entry_preemptible(pg(60), 4, 5, table(41), false, &dom_a, &dom_a);
        if ( rc == -ERESTART )
            assert_int_equal(mem[60][5], 0); /* unchanged until it is done */
    } while ( rc == -ERESTART && ++rounds < 100 );
    assert_int_equal(rc, 0);
    assert_true(rounds > 1);
    for ( unsigned int i = 0; i < NFRAMES; i++ )
        if ( whole.count[i] != ft[i].count_info || whole.type[i] != ft[i].u.type_info )
            fail_msg("frame %u differs from the one-go update", i);
    assert_int_equal(pt_update_entry(pg(60), 4, 5, 0, NULL, false, &dom_a, &dom_a), 0);
    put_page_type(pg(60));
    assert_same_counts(&before);
}

static void test_relinquish(void **state)
{
    struct snapshot before;
    struct vcpu v0 = {0}, *vcpus[2] = {&v0, NULL};

    /* dom_a's frames on its page list, as the builder leaves them. */
    page_list_init(&dom_a.page_list);
    for ( unsigned int i = 0; i < NFRAMES - 8; i++ )
        page_list_add_tail(pg(i), &dom_a.page_list);
    dom_a.vcpu = vcpus;
    dom_a.max_vcpus = 2;
    build_wide_tree();
    mem[30][0] = table(42); /* another L3 sharing the L2 */
    snap(&before);

    /* A base pointer (L4 40), a pinned L1 (10), and a parked L3 (30). */
    assert_int_equal(get_page_and_type_err(pg(40), &dom_a, PGT_l4_page_table), 0);
    v0.pv.guest_table = mfn(40);
    assert_int_equal(get_page_and_type_err(pg(10), &dom_a, PGT_l1_page_table), 0);
    ft[10].u.type_info |= PGT_pinned;
    mem[30][9] = table(31); /* an empty L2 */
    preempt_every = 1;
    assert_int_equal(get_page_and_type_preemptible(pg(30), &dom_a, PGT_l3_page_table), -ERESTART);
    preempt_every = 0;
    assert_true(ft[30].u.type_info & PGT_partial);

    pv_relinquish_page_tables(&dom_a);
    assert_int_equal(v0.pv.guest_table, 0);
    assert_same_counts(&before);
    for ( unsigned int i = 0; i < NFRAMES; i++ )
        assert_false(ft[i].u.type_info & (PGT_pinned | PGT_partial));
    dom_a.vcpu = NULL;
}

/*
 * Concurrency: one thread types an L2 (its L1 children validated through
 * it) and lets it go, while another makes one child writable and lets go.
 * Whenever the L2 is held, its children are L1 tables; whenever the child
 * is held writable, the L2 cannot be a validated table. At the end every
 * count is back where it started.
 */
#define SMP_ROUNDS 20000
static unsigned int violations, table_uses, writable_uses;
static pthread_barrier_t smp_start;
static bool smp_done;

static void *smp_table_user(void *arg)
{
    pthread_barrier_wait(&smp_start);
    for ( int i = 0; i < SMP_ROUNDS; i++ )
    {
        if ( get_page_and_type_err(pg(42), &dom_a, PGT_l2_page_table) )
            continue;
        __atomic_fetch_add(&table_uses, 1, __ATOMIC_RELAXED);
        if ( !(ft[42].u.type_info & PGT_validated) ||
             (ft[43].u.type_info & PGT_type_mask) != PGT_l1_page_table ||
             !(ft[43].u.type_info & PGT_count_mask) )
            __atomic_fetch_add(&violations, 1, __ATOMIC_RELAXED);
        put_page_and_type(pg(42));
        for ( volatile int k = 0; k < (i % 8) * 40; k++ )
            ; /* leave the writer a window of varying length */
    }
    __atomic_store_n(&smp_done, true, __ATOMIC_RELEASE);
    return NULL;
}

static void *smp_writer(void *arg)
{
    pthread_barrier_wait(&smp_start);
    /* As long as the table user runs (bounded, should it never start). */
    for ( int i = 0; i < 100 * SMP_ROUNDS && !__atomic_load_n(&smp_done, __ATOMIC_ACQUIRE); i++ )
    {
        unsigned long t;

        if ( !get_page_type(pg(43), PGT_writable_page) )
            continue;
        __atomic_fetch_add(&writable_uses, 1, __ATOMIC_RELAXED);
        t = __atomic_load_n(&ft[42].u.type_info, __ATOMIC_SEQ_CST);
        if ( (t & PGT_validated) && (t & PGT_count_mask) )
            __atomic_fetch_add(&violations, 1, __ATOMIC_RELAXED);
        put_page_type(pg(43));
        for ( volatile int k = 0; k < (i % 8) * 40; k++ )
            ;
    }
    return NULL;
}

static void test_smp_types(void **state)
{
    struct snapshot before;
    pthread_t th[2];

    mem[42][3] = table(43);
    mem[42][4] = table(44);
    mem[43][0] = map_rw(45);
    mem[44][0] = map_ro(46);
    snap(&before);
    violations = table_uses = writable_uses = 0;
    smp_done = false;
    pthread_barrier_init(&smp_start, NULL, 2);
    pthread_create(&th[0], NULL, smp_table_user, NULL);
    pthread_create(&th[1], NULL, smp_writer, NULL);
    for ( int i = 0; i < 2; i++ )
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&smp_start);
    assert_int_equal(violations, 0);
    /* How often each side won depends on the host's scheduling: not asserted. */
    if ( getenv("HX_UNIT_VERBOSE") )
        fprintf(stderr, "table uses %u of %u, writable uses %u\n", table_uses, SMP_ROUNDS,
                writable_uses);
    assert_same_counts(&before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_get_put_page, setup),
        cmocka_unit_test_setup(test_writable_type, setup),
        cmocka_unit_test_setup(test_l1_validation_exact, setup),
        cmocka_unit_test_setup(test_l1_refused_entry_undoes, setup),
        cmocka_unit_test_setup(test_writable_mapping_blocks_table_and_back, setup),
        cmocka_unit_test_setup(test_foreign_and_hypervisor_frames, setup),
        cmocka_unit_test_setup(test_io_frames, setup),
        cmocka_unit_test_setup(test_shared_read_only_page, setup),
        cmocka_unit_test_setup(test_four_levels_exact, setup),
        cmocka_unit_test_setup(test_hierarchy_refusals, setup),
        cmocka_unit_test_setup(test_update_entry, setup),
        cmocka_unit_test_setup(test_update_upper_levels, setup),
        cmocka_unit_test_setup(test_last_reference_frees, setup),
        cmocka_unit_test_setup(test_validated_table_ref, setup),
        cmocka_unit_test_setup(test_preempted_validation_matches, setup),
        cmocka_unit_test_setup(test_parked_frame, setup),
        cmocka_unit_test_setup(test_preemptible_entry_update, setup),
        cmocka_unit_test_setup(test_relinquish, setup),
        cmocka_unit_test_setup(test_smp_types, setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
