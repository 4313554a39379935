/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz: a hostile guest. A seeded PRNG (guest options seed=N, rounds=N,
 * check_every=N, verbose=1, trace=1) drives rounds of hypercalls with random sub-ops
 * and arguments drawn from pools of interesting values: 0, -1, small and
 * huge integers, aligned and unaligned buffers of random bytes in the
 * guest's own memory, the read-only page tables and M2P, the hypervisor's
 * hole, non-canonical and unmapped addresses, the guest's own page-table
 * frames, frames it does not own, foreign domain ids. Then it proves that
 * nothing it did crashed the hypervisor, leaked a page or corrupted the
 * guest: at checkpoints it releases everything it may hold (cleanup()) and
 * checks that a guarded data region and the code are intact, page-table
 * frames still cannot be mapped writable, the M2P is still read-only, the
 * reservation is what the fuzzer's own give-backs and takes explain, every
 * scratch frame is untyped again, event channels and grant copies work and
 * the hypervisor answers. Every return value (multicall entries included)
 * must be a Xen errno or a plausible success value; a histogram is printed.
 *
 * Memory the hypervisor may be pointed at is only fz[]: an arena of random
 * bytes (hypercall structures are built there), an unmapped guard page, the
 * remap windows (whatever the fuzzer mapped there), another guard page. A
 * write running off the arena or the windows hits a guard page. Frames the
 * fuzzer may write, type or give back are only the scratch frames (the last
 * pages of the reservation, outside the initial mapping) and frames it does
 * not own; page-table frames appear only where Xen must refuse to write them.
 *
 * Exclusions, each because the call legitimately ends, freezes or
 * self-destructs the domain (or the machine, dom0 being privileged):
 * - SCHEDOP_shutdown/crash/shutdown_code, SCHEDOP_block, remote_shutdown of
 *   domain 0, SCHEDOP_watchdog with id 0 (it arms a watchdog, even with
 *   timeout 0, that reboots the machine when it fires), sched_op_compat
 *   other than yield; SCHEDOP_poll always has a timeout, 1 ns (past) or
 *   100 us ahead (a zero timeout waits for ever).
 * - iret (a garbage frame kills the domain).
 * - VCPUOP_down and send_nmi for vCPU 0 (down stops the only vCPU; an NMI
 *   lands in a trap handler that treats it as fatal); register_vcpu_info
 *   for vCPU 0 only with frames we do not own (moving vcpu_info would blind
 *   the runtime).
 * - set_trap_table, callback_op, set_callbacks: allowed, but the runtime's
 *   table and callbacks are reinstalled right after (traps_init()).
 * - fpu_taskswitch: allowed, CR0.TS cleared right after.
 * - set_debugreg of DR7 (a breakpoint on our own code would trap).
 * - VMASST_TYPE_m2p_strict enabled (the M2P leaves any L4 made the user
 *   base pointer, which may be our live one: the runtime reads the M2P).
 * - MMUEXT_NEW_BASEPTR only with the live L4 or frames we do not own (an
 *   empty scratch L4 would unmap the code).
 * - Writes (mmu_update, update_va_mapping, grant map host addresses) only
 *   into scratch tables, the remap windows, user slot 1 of the live L4
 *   (cleared at checkpoints) or addresses Xen must refuse; never into the
 *   live entries mapping code, data or stack. MMU_MACHPHYS_UPDATE only for
 *   frames we may give away (the runtime walks tables through the M2P).
 * - Our own image frames and shared_info are in no pool (CLEAR_PAGE or a
 *   grant copy to them would be self-harm, not a hypervisor bug).
 * - Batches (and structures whose old content would be taken for commands)
 *   are never read from stale arena bytes: a random count moves the array
 *   to the arena's end, before a guard page; a multicall's entries write to
 *   the windows, not the arena (an overwritten entry could become iret).
 * - Console writes only of printable text ending in a newline, 64 bytes at
 *   most (the harness parses the serial log).
 * - Dom0-only machine control: platform_op, sysctl, domctl, kexec, mca,
 *   xenoprof, xenpmu, hvm_op, dm_op, hypfs; physdev ops that touch real
 *   devices (apic_write, map_pirq, PCI management, MSI, setup_gsi) and
 *   PIRQs below 16 (Xen's own serial line); pirq_eoi_gmfn with frames we
 *   own (a reference we could never drop).
 * - GNTTABOP_transfer only of frames we do not own (one that fails after
 *   taking the frame frees it, which its status does not tell), and the
 *   reservation-changing XENMEM_ ops only as direct calls, our own increases
 *   with a list Xen can write (it takes a frame before it writes its number)
 *   and decrease_reservation with extent_order > 0 only of frames we do not
 *   own (a partly given back extent could not be accounted): the expected
 *   reservation follows from the results.
 */
#include "runtime.h"
#include <public/grant_table.h>

const char guest_name[] = "fuzz";

/* ------------------------------------------------------------------ */
/* PRNG: splitmix64, so a seed replays the same run. */

static uint64_t rng;

static uint64_t rnd(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15UL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
    return z ^ (z >> 31);
}

static unsigned long below(unsigned long n)
{
    return n ? rnd() % n : 0;
}

static bool chance(unsigned int pct)
{
    return below(100) < pct;
}

/* ------------------------------------------------------------------ */
/* Memory the fuzzer points the hypervisor at (see the header). */

#define NR_ARENA  4
#define NR_WIN    8
#define PG_GUARD1 NR_ARENA
#define PG_WIN    (PG_GUARD1 + 1)
#define PG_GUARD2 (PG_WIN + NR_WIN)
#define NR_FZ     (PG_GUARD2 + 1)
static uint8_t fz[NR_FZ][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE), section(".bss.pages")));
/* Our own window for the checks; in no pool. */
static uint8_t probe_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE), section(".bss.pages")));
/* Checksummed, never passed to the hypervisor. */
#define NR_GUARDED 4
static uint8_t guarded[NR_GUARDED][PAGE_SIZE]
    __attribute__((aligned(PAGE_SIZE), section(".bss.pages")));

/* Tools-only sub-ops (not visible to guests' headers), by number. */
#define XENMEM_CLAIM_PAGES  24
#define EVTCHNOP_RESET_CONT 14

#define ARENA_BYTES (NR_ARENA * PAGE_SIZE)
/* Structures go in the first pages; batches moved to the end in the last. */
#define ARENA_ALLOC_BYTES ((NR_ARENA - 1) * PAGE_SIZE)
static size_t arena_pos;

/* n bytes of random content in the arena (may wrap over older ones). */
static void *arena_alloc(size_t n)
{
    uint8_t *p;
    size_t i;

    if ( n > ARENA_ALLOC_BYTES )
        n = ARENA_ALLOC_BYTES;
    if ( arena_pos + n > ARENA_ALLOC_BYTES )
        arena_pos = below(64) * 8;
    p = &fz[0][0] + arena_pos;
    arena_pos += (n + 7) & ~7UL;
    for ( i = 0; i < n; i += 8 )
    {
        uint64_t r = rnd();

        memcpy(p + i, &r, n - i < 8 ? n - i : 8);
    }
    return p;
}

/* ------------------------------------------------------------------ */
/* Frames and addresses. */

#define NR_SCRATCH 16
#define MAX_OWNED  32
static unsigned long owned[MAX_OWNED]; /* scratch frames we own (revalidated) */
static unsigned int nr_owned;
static unsigned long ever[MAX_OWNED * 2]; /* every frame ever owned: unpinned at cleanup */
static unsigned int nr_ever;
static unsigned long ref_mfn[2]; /* the grant-copy check's frames: in no pool */
#define MAX_PT 64
static unsigned long pt_mfn[MAX_PT], pt_pfn[MAX_PT];
static unsigned int nr_pt;
static unsigned long l4_mfn, m2p_mfn, max_mfn;

static unsigned long shinfo_mfn, nr_pages_start;
static unsigned int trace; /* guest option trace=1: frames and reservation changes */

/*
 * A frame of our image, start_info, stack or page tables, or shared_info:
 * in no pool (random frame numbers are filtered through this).
 */
static bool is_fixed_frame(unsigned long mfn)
{
    unsigned long pfn;

    if ( mfn == shinfo_mfn )
        return true;
    /* The M2P has holes where there is no RAM. */
    if ( mfn > max_mfn || probe_read(&machine_to_phys[mfn], &pfn) )
        return false;
    return pfn < nr_pages_start && p2m_list[pfn] == mfn &&
           (pfn < nr_pages_start - NR_SCRATCH - 2 || pfn >= nr_pages_start - 2);
}

static void remember_frame(unsigned long mfn)
{
    unsigned int i;

    for ( i = 0; i < nr_ever; i++ )
        if ( ever[i] == mfn )
            break;
    if ( i == nr_ever && nr_ever < ARRAY_SIZE(ever) )
        ever[nr_ever++] = mfn;
    for ( i = 0; i < nr_owned; i++ )
        if ( owned[i] == mfn )
            return;
    if ( nr_owned < MAX_OWNED )
        owned[nr_owned++] = mfn;
}

static unsigned long pick_int(void)
{
    static const unsigned long fixed[] = {0,          1,
                                          2,          3,
                                          -1UL,       -2UL,
                                          0x7fffffff, 0x80000000,
                                          0xffffffff, 0x100000000,
                                          1UL << 63,  0x7fffffffffffffffUL,
                                          PAGE_SIZE,  PAGE_SIZE + 1};

    switch ( below(4) )
    {
    case 0: return below(16);
    case 1: return rnd();
    case 2: return (uint32_t)rnd();
    default: return fixed[below(ARRAY_SIZE(fixed))];
    }
}

/* A frame we surely do not own. */
static unsigned long pick_bad_mfn(void)
{
    switch ( below(7) )
    {
    case 0: return 0;
    case 1: return m2p_mfn;
    case 2: return max_mfn + 1;
    case 3: return 0xfffffffffUL;
    case 4: return (1UL << 40) - 1;
    case 5: return -1UL;
    default: return max_mfn + 1 + below(1UL << 30);
    }
}

/* A frame we may write or type: scratch (owned now or once) or not ours. */
static unsigned long pick_free_mfn(void)
{
    if ( nr_ever && chance(60) )
        return chance(80) && nr_owned ? owned[below(nr_owned)] : ever[below(nr_ever)];
    return pick_bad_mfn();
}

/* A frame to give back: owned now, or not ours (never one already given). */
static unsigned long pick_giveable_mfn(void)
{
    return nr_owned && chance(60) ? owned[below(nr_owned)] : pick_bad_mfn();
}

static void forget_frames(const xen_pfn_t *l, unsigned long n)
{
    unsigned long i;
    unsigned int j;

    for ( i = 0; i < n; i++ )
    {
        if ( trace )
            printk("given back: mfn 0x%lx\n", l[i]);
        for ( j = 0; j < nr_owned; j++ )
            if ( owned[j] == l[i] )
                owned[j--] = owned[--nr_owned];
    }
}

/* Any frame: the above, our page tables, the top of RAM. */
static unsigned long pick_mfn(void)
{
    switch ( below(8) )
    {
    case 0:
    case 1: return pt_mfn[below(nr_pt)];
    case 2: return max_mfn;
    case 3:
    {
        unsigned long m = below(max_mfn + 1);

        return is_fixed_frame(m) ? pick_bad_mfn() : m;
    }
    default: return pick_free_mfn();
    }
}

static uint64_t pick_pte_flags(void)
{
    static const uint64_t common[] = {PTE_KERNEL_RW,
                                      PTE_KERNEL_RO,
                                      PTE_P,
                                      PTE_P | PTE_RW,
                                      0,
                                      PTE_P | PTE_RW | PTE_US | PTE_A | 0x80};

    if ( chance(70) )
        return common[below(ARRAY_SIZE(common))];
    return (rnd() & 0xfff) | (chance(20) ? rnd() & 0xfff0000000000000UL : 0);
}

static uint64_t pick_pte_val(void)
{
    uint64_t v = chance(10) ? pick_int() : ((pick_mfn() << 12) & PTE_MFN_MASK) | pick_pte_flags();

    /* A random value may name one of our fixed frames: never map those. */
    if ( is_fixed_frame((v & PTE_MFN_MASK) >> 12) )
        v = (v & ~PTE_MFN_MASK) | (pick_bad_mfn() << 12 & PTE_MFN_MASK);
    return v;
}

#define HOLE_START 0xffff800000000000UL
#define HOLE_SIZE  0x0000080000000000UL
#define USER_SLOT1 0x0000008000000000UL /* live L4 slot 1: the fuzzer's */

static unsigned long pick_bad_addr(void)
{
    switch ( below(9) )
    {
    case 0: return HOLE_START + (rnd() & (HOLE_SIZE - 1));
    case 1: return 0xffff830000000000UL + (rnd() & 0xffffff8);
    case 2: return 0x0000800000000000UL + (rnd() & 0xffffffff);
    case 3: return 0x8000000000000000UL;
    case 4: return 0xffff880000000000UL + (rnd() & 0xfffffff000UL);
    case 5: return -8UL - below(64);
    case 6: return below(0x10000);
    case 7: return (unsigned long)fz[PG_GUARD1] + below(PAGE_SIZE);
    default: return USER_SLOT1 + (rnd() & 0x7fffffffffUL);
    }
}

static bool in_multicall; /* generating a multicall's entries */

/* A pointer the hypervisor reads or writes through. */
static unsigned long pick_buf(void)
{
    unsigned long off = chance(50) ? below(PAGE_SIZE / 8) * 8 : below(PAGE_SIZE);

    /*
     * A multicall's entries must not write over the multicall's array or
     * another entry's structures (an entry overwritten before it runs could
     * become any call): they get the windows instead of the arena.
     */
    switch ( below(10) )
    {
    case 0:
    case 1:
    case 2:
        if ( in_multicall )
            return (unsigned long)fz[PG_WIN + below(NR_WIN)] + off;
        return (unsigned long)fz[below(NR_ARENA - 1)] + off;
    case 3:
        if ( in_multicall )
            return (unsigned long)fz[PG_GUARD2] - 1 - below(64);
        return (unsigned long)fz[PG_GUARD1] - 1 - below(64);               /* runs into the guard */
    case 4: return (unsigned long)pfn_to_virt(pt_pfn[below(nr_pt)]) + off; /* read-only */
    case 5: return MACH2PHYS_VIRT_START + (rnd() & 0x7ffff8);              /* read-only */
    case 6: return (unsigned long)fz[PG_WIN + below(NR_WIN)] + off;
    default: return pick_bad_addr();
    }
}

/*
 * A bad pointer in place of a batch or a structure whose stale content
 * would be taken for commands (an old structure read as a multicall entry
 * could be an iret): only addresses that fault or read page tables.
 */
static unsigned long pick_struct_ptr(void)
{
    if ( chance(30) )
        return (unsigned long)pfn_to_virt(pt_pfn[below(nr_pt)]) + below(PAGE_SIZE / 8) * 8;
    return chance(20) ? (unsigned long)fz[PG_GUARD1] - 8 : pick_bad_addr();
}

/*
 * The array argument of a batched call and its count. A count past the
 * entries written (a random one) must not make the hypervisor read older
 * structures in the arena as entries: the array then moves to the end of
 * the arena, where the next entry is in the unmapped guard page.
 */
static void *batch_array; /* where batch() put the array, or NULL */

static unsigned long batch(void *arr, size_t size, unsigned int n, unsigned long *count)
{
    uint8_t *end = &fz[0][0] + ARENA_BYTES - n * size;

    *count = n;
    batch_array = NULL;
    if ( chance(5) )
        return pick_struct_ptr();
    batch_array = arr;
    if ( in_multicall || chance(90) )
        return (unsigned long)arr;
    *count = pick_int();
    if ( *count <= n )
        return (unsigned long)arr;
    memcpy(end, arr, n * size); /* end is in the last page, never allocated */
    batch_array = end;
    return (unsigned long)end;
}

/* A virtual address to (re)map. */
static unsigned long pick_va(void)
{
    unsigned long w = (unsigned long)fz[PG_WIN + below(NR_WIN)];

    switch ( below(5) )
    {
    case 0:
    case 1: return w;
    case 2: return chance(50) ? w + below(PAGE_SIZE) : MACH2PHYS_VIRT_START;
    default: return pick_bad_addr();
    }
}

/* A machine address of a page-table entry to write. */
static uint64_t pick_pte_ptr(void)
{
    uint64_t off = chance(85) ? below(512) * 8 : below(PAGE_SIZE);

    switch ( below(6) )
    {
    case 0: return (l4_mfn << 12) + 8; /* user slot 1 of the live L4 */
    case 1: return (pick_bad_mfn() << 12) + off;
    case 2: return pick_int() & ~7UL;
    default: return (pick_free_mfn() << 12) + off;
    }
}

static domid_t pick_domid(void)
{
    static const domid_t ids[] = {DOMID_SELF, DOMID_SELF,    0,         DOMID_XEN,
                                  DOMID_IO,   DOMID_INVALID, DOMID_COW, 1,
                                  0x7fef,     0x7ff6,        0xffff};

    return chance(85) ? ids[below(ARRAY_SIZE(ids))] : (domid_t)rnd();
}

static unsigned int ports[16]; /* ports the fuzzer was given */

static unsigned int pick_port(void)
{
    switch ( below(6) )
    {
    case 0:
    case 1: return ports[below(ARRAY_SIZE(ports))];
    case 2: return below(64);
    case 3: return chance(50) ? 4095 : 4096;
    case 4: return (unsigned int)pick_int();
    default: return 1 + below(8);
    }
}

static unsigned int pick_vcpu(void)
{
    static const unsigned int ids[] = {0, 0, 0, 1, 2, 127, 0xffffffff, 0x7fffffff};

    return ids[below(ARRAY_SIZE(ids))];
}

/* ------------------------------------------------------------------ */
/* Calls, their results and what the fuzzer must undo or account. */

enum {
    ACCT_NONE,
    ACCT_INCREASE, /* frames taken: ret << order */
    ACCT_DECREASE, /* frames given back: rc << order */
};

struct call
{
    unsigned long op, a[5];
    unsigned int sub; /* sub-op, for the histogram and return checks */
    unsigned int acct, order;
    unsigned long start; /* XENMEM_exchange: nr_exchanged before the call */
    void *arg;           /* XENMEM_exchange: the structure we built */
    bool restore_traps, restore_fpu;
    void *out;                      /* output list of new frames, or NULL */
    unsigned int out_nr, out_order; /* (increase, populate, exchange) */
};

static long expected_delta; /* reservation change the fuzzer caused */
static long traced_pages;
static unsigned long nr_calls, nr_bad_returns;

#define MAX_HIST 40
static struct
{
    long val;
    unsigned long count;
} hist[MAX_HIST];
static unsigned long hist_other;

static bool is_xen_errno(long e)
{
    static const int known[] = {
#define XEN_ERRNO(name, value) value,
#include <public/errno.h>
    };
    unsigned int i;

    for ( i = 0; i < ARRAY_SIZE(known); i++ )
        if ( known[i] == e )
            return true;
    return false;
}

/* Largest success value each hypercall may return. */
static unsigned long max_success(unsigned long op, unsigned int sub)
{
    switch ( op )
    {
    case __HYPERVISOR_xen_version: return 0xffffffffUL;
    case __HYPERVISOR_memory_op: return 1UL << 40;
    case __HYPERVISOR_console_io: return 0x10000;
    case __HYPERVISOR_vcpu_op: return sub == VCPUOP_is_up ? 1 : 0;
    default: return 0;
    }
}

static void hist_add(long v)
{
    unsigned int i;

    for ( i = 0; i < MAX_HIST && hist[i].count; i++ )
        if ( hist[i].val == v )
            break;
    if ( i == MAX_HIST )
    {
        hist_other++;
        return;
    }
    hist[i].val = v;
    hist[i].count++;
}

static void print_call(const char *what, const struct call *c, long ret)
{
    printk("%s op %lu sub %u args %lx %lx %lx %lx %lx -> %ld\n", what, c->op, c->sub, c->a[0],
           c->a[1], c->a[2], c->a[3], c->a[4], ret);
}

static void record(const struct call *c, long ret)
{
    bool ok = ret < 0 ? is_xen_errno(-ret) : (unsigned long)ret <= max_success(c->op, c->sub);

    nr_calls++;
    if ( c->op == __HYPERVISOR_get_debugreg )
    {
        /* The register's value, or -EINVAL for a bad register. */
        hist_add(ret == -XEN_EINVAL ? ret : 0);
        return;
    }
    hist_add(ret);
    if ( ok )
        return;
    if ( nr_bad_returns++ < 8 )
        print_call("bad return:", c, ret);
}

/* ------------------------------------------------------------------ */
/* Generators: each fills in one call. Structures live in the arena. */

static void gen_mmu_update(struct call *c)
{
    unsigned int i, n = 1 + below(6);
    struct mmu_update *req = arena_alloc(n * sizeof(*req));

    for ( i = 0; i < n; i++ )
    {
        unsigned int cmd = chance(70) ? MMU_NORMAL_PT_UPDATE : below(8);

        req[i].ptr = pick_pte_ptr();
        if ( cmd == MMU_MACHPHYS_UPDATE )
            req[i].ptr = pick_free_mfn() << 12;
        else if ( req[i].ptr == (l4_mfn << 12) + 8 && cmd < 4 )
            cmd = MMU_NORMAL_PT_UPDATE;
        req[i].ptr |= cmd;
        req[i].val = cmd == MMU_MACHPHYS_UPDATE ? pick_int() : pick_pte_val();
    }
    c->op = __HYPERVISOR_mmu_update;
    c->a[0] = batch(req, sizeof(*req), n, &c->a[1]);
    c->a[2] = chance(50) ? 0 : pick_buf();
    c->a[3] = chance(70) ? DOMID_SELF : pick_domid() | (chance(20) ? (rnd() & 0xffff) << 16 : 0);
}

static void gen_mmuext_one(struct mmuext_op *op)
{
    op->cmd = chance(95) ? below(21) : (unsigned int)pick_int();
    op->arg1.mfn = pick_mfn();
    op->arg2.nr_ents = (unsigned int)pick_int();
    switch ( op->cmd )
    {
    case MMUEXT_NEW_BASEPTR: op->arg1.mfn = chance(50) ? l4_mfn : pick_bad_mfn(); break;
    case MMUEXT_INVLPG_LOCAL:
    case MMUEXT_INVLPG_ALL: op->arg1.linear_addr = chance(50) ? pick_va() : pick_buf(); break;
    case MMUEXT_INVLPG_MULTI:
        op->arg1.linear_addr = pick_va();
        op->arg2.vcpumask.p = (void *)pick_buf();
        break;
    case MMUEXT_TLB_FLUSH_MULTI: op->arg2.vcpumask.p = (void *)pick_buf(); break;
    case MMUEXT_SET_LDT:
        op->arg1.linear_addr = chance(50) ? pick_va() : pick_buf();
        op->arg2.nr_ents = chance(50) ? below(600) : (unsigned int)pick_int();
        break;
    case MMUEXT_NEW_USER_BASEPTR: op->arg1.mfn = chance(20) ? 0 : pick_mfn(); break;
    case MMUEXT_CLEAR_PAGE: op->arg1.mfn = pick_mfn(); break;
    case MMUEXT_COPY_PAGE: op->arg2.src_mfn = pick_mfn(); break;
    default: break;
    }
}

static void gen_mmuext_op(struct call *c)
{
    unsigned int i, n = 1 + below(4);
    struct mmuext_op *op = arena_alloc(n * sizeof(*op));

    for ( i = 0; i < n; i++ )
        gen_mmuext_one(&op[i]);
    c->op = __HYPERVISOR_mmuext_op;
    c->sub = op[0].cmd;
    c->a[0] = batch(op, sizeof(*op), n, &c->a[1]);
    c->a[2] = chance(50) ? 0 : pick_buf();
    c->a[3] = chance(80) ? DOMID_SELF : pick_domid();
}

static unsigned long pick_uvmf(void)
{
    static const unsigned long f[] = {0, UVMF_INVLPG, UVMF_TLB_FLUSH, UVMF_INVLPG | UVMF_ALL,
                                      UVMF_TLB_FLUSH | UVMF_ALL};

    if ( chance(80) )
        return f[below(ARRAY_SIZE(f))];
    return chance(50) ? (pick_buf() & ~3UL) | UVMF_INVLPG : pick_int(); /* a vCPU mask */
}

static void gen_update_va_mapping(struct call *c)
{
    c->op =
        chance(80) ? __HYPERVISOR_update_va_mapping : __HYPERVISOR_update_va_mapping_otherdomain;
    c->a[0] = pick_va();
    c->a[1] = pick_pte_val();
    c->a[2] = pick_uvmf();
    c->a[3] = pick_domid();
}

/*
 * n extents and a frame not ours after them (where a decrease stops);
 * order > 0: only frames not ours. No frame twice: Xen counts a frame given
 * back but still mapped as given again.
 */
static xen_pfn_t *extent_list(unsigned int n, unsigned int order)
{
    xen_pfn_t *l = arena_alloc((n + 1) * sizeof(*l));
    unsigned int i, j;

    for ( i = 0; i < n; i++ )
    {
        l[i] = order ? pick_bad_mfn() : pick_giveable_mfn();
        for ( j = 0; j < i; j++ )
            if ( l[j] == l[i] )
                l[i] = pick_bad_mfn();
    }
    l[n] = pick_bad_mfn();
    return l;
}

static unsigned int pick_order(void)
{
    static const unsigned int o[] = {0, 0, 0, 0, 1, 2, 9, 18, 30, 63, 0xffffffff};

    return o[below(ARRAY_SIZE(o))];
}

static bool is_self(domid_t d)
{
    return d == DOMID_SELF || d == 0;
}

static void gen_reservation(struct call *c, struct xen_memory_reservation *r)
{
    unsigned int n = below(5);

    xen_pfn_t *l;

    r->nr_extents = chance(90) ? n : pick_int();
    r->extent_order = pick_order();
    r->mem_flags = chance(70) ? 0 : (unsigned int)rnd();
    r->domid = chance(80) ? DOMID_SELF : pick_domid();
    l = extent_list(n, c->sub == XENMEM_decrease_reservation ? r->extent_order : 0);
    /* Not pick_buf(): an old list in the arena names frames we own. */
    set_xen_guest_handle(r->extent_start, chance(85) ? l : (void *)pick_struct_ptr());
    if ( !is_self(r->domid) )
        return;
    if ( c->sub == XENMEM_decrease_reservation )
    {
        c->acct = ACCT_DECREASE;
        c->order = r->extent_order;
        c->out = r->extent_start.p == l ? l : NULL; /* the frames that left */
        return;
    }
    /*
     * Our own increase writes to a list we made, of n extents: Xen takes a
     * frame before it writes its number out, and one it could not write
     * would be ours without us knowing which.
     */
    set_xen_guest_handle(r->extent_start, l);
    r->nr_extents = n;
    c->acct = ACCT_INCREASE;
    c->order = r->extent_order;
    c->out = l;
    c->out_nr = n;
    c->out_order = r->extent_order;
}

static void gen_exchange(struct call *c, struct xen_memory_exchange *x)
{
    unsigned int n = 1 + below(4);

    x->in.nr_extents = chance(90) ? n : pick_int();
    x->in.extent_order = chance(80) ? 0 : pick_order();
    x->in.domid = chance(80) ? DOMID_SELF : pick_domid();
    x->in.mem_flags = 0;
    set_xen_guest_handle(x->in.extent_start, extent_list(n, x->in.extent_order));
    x->out.nr_extents = chance(50) ? n : below(4);
    x->out.extent_order = chance(50) ? 0 : pick_order();
    x->out.domid = x->in.domid;
    x->out.mem_flags = chance(80) ? 0 : (unsigned int)rnd();
    set_xen_guest_handle(x->out.extent_start, extent_list(n, 0)); /* written: as above */
    x->nr_exchanged = chance(80) ? 0 : pick_int();
    c->start = x->nr_exchanged; /* Xen starts (and reports progress) from there */
    c->arg = x;
    c->out = x->out.extent_start.p;
    c->out_nr = x->out.nr_extents < 4 ? x->out.nr_extents : 4;
    c->out_order = x->out.extent_order;
}

/* memory_op. In a multicall (safe) only sub-ops that leave the reservation be. */
static void gen_memory_op(struct call *c, bool safe)
{
    void *arg = arena_alloc(sizeof(struct xen_memory_exchange) + 32);

    c->op = __HYPERVISOR_memory_op;
    c->sub = chance(90) ? below(31) : (unsigned int)pick_int();
    /* Upper bits are a continuation's start extent: no random reservation op. */
    if ( c->sub > 63 && ((c->sub & 63) <= 1 || (c->sub & 63) == 6 || (c->sub & 63) == 11) )
        c->sub |= 63;
    if ( safe && (c->sub <= 1 || c->sub == 6 || c->sub == 11 || c->sub == 24) )
        c->sub = XENMEM_current_reservation;
    switch ( c->sub )
    {
    case XENMEM_increase_reservation:
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap: gen_reservation(c, arg); break;
    case XENMEM_exchange: gen_exchange(c, arg); break;
    case XENMEM_CLAIM_PAGES:
        gen_reservation(c, arg);
        c->acct = ACCT_NONE; /* a claim takes no frames; cleanup() drops it */
        c->out = NULL;
        break;
    case XENMEM_current_reservation:
    case XENMEM_maximum_reservation:
    case XENMEM_maximum_gpfn: *(domid_t *)arg = pick_domid(); break;
    case XENMEM_machphys_mfn_list:
    case XENMEM_machphys_compat_mfn_list:
    case XENMEM_memory_map:
    case XENMEM_machine_memory_map:
        ((struct xen_memory_map *)arg)->nr_entries = (unsigned int)pick_int();
        set_xen_guest_handle(((struct xen_memory_map *)arg)->buffer, (void *)pick_buf());
        break;
    default: *(domid_t *)arg = pick_domid(); break;
    }
    c->a[0] = c->sub;
    c->a[1] = chance(92) ? (unsigned long)arg : pick_struct_ptr();
}

static void gen_evtchn_arg(unsigned int cmd, void *arg)
{
    uint32_t *w = arg;

    switch ( cmd )
    {
    case EVTCHNOP_bind_interdomain:
        ((struct evtchn_bind_interdomain *)arg)->remote_dom = pick_domid();
        ((struct evtchn_bind_interdomain *)arg)->remote_port = pick_port();
        break;
    case EVTCHNOP_bind_virq:
        w[0] = chance(80) ? below(26) : (uint32_t)pick_int();
        w[1] = pick_vcpu();
        break;
    case EVTCHNOP_bind_pirq:
        w[0] = chance(50) ? 16 + below(1000) : (uint32_t)pick_int() | 16;
        break;
    case EVTCHNOP_alloc_unbound:
    case EVTCHNOP_reset:
    case EVTCHNOP_RESET_CONT:
        ((struct evtchn_alloc_unbound *)arg)->dom = chance(70) ? DOMID_SELF : pick_domid();
        ((struct evtchn_alloc_unbound *)arg)->remote_dom = pick_domid();
        break;
    case EVTCHNOP_init_control:
        ((struct evtchn_init_control *)arg)->control_gfn = pick_mfn();
        ((struct evtchn_init_control *)arg)->offset =
            chance(50) ? below(64) * 64 : (uint32_t)pick_int();
        ((struct evtchn_init_control *)arg)->vcpu = pick_vcpu();
        break;
    case EVTCHNOP_expand_array: ((struct evtchn_expand_array *)arg)->array_gfn = pick_mfn(); break;
    case EVTCHNOP_bind_ipi: w[0] = pick_vcpu(); break;
    default:
        w[0] = pick_port();
        w[1] = chance(50) ? pick_vcpu() : (uint32_t)pick_int();
        break;
    }
}

static void gen_event_channel_op(struct call *c)
{
    void *arg = arena_alloc(32);

    c->sub = chance(95) ? below(15) : (unsigned int)pick_int();
    gen_evtchn_arg(c->sub, arg);
    if ( chance(10) )
    {
        /* The compat form: cmd then the union. */
        uint32_t *op = arena_alloc(40);

        op[0] = c->sub;
        memcpy(op + 2, arg, 32);
        c->op = __HYPERVISOR_event_channel_op_compat;
        c->a[0] = chance(95) ? (unsigned long)op : pick_buf();
        return;
    }
    c->op = __HYPERVISOR_event_channel_op;
    c->a[0] = c->sub;
    c->a[1] = chance(95) ? (unsigned long)arg : pick_buf();
}

static void gen_gnttab_one(unsigned int cmd, void *arg)
{
    switch ( cmd )
    {
    case GNTTABOP_map_grant_ref:
    {
        struct gnttab_map_grant_ref *m = arg;

        m->flags = chance(80) ? (rnd() & 0x1f) | GNTMAP_host_map : (uint32_t)rnd();
        m->host_addr = m->flags & GNTMAP_contains_pte ? pick_pte_ptr() : pick_va();
        m->ref = chance(80) ? below(64) : (uint32_t)pick_int();
        m->dom = pick_domid();
        break;
    }
    case GNTTABOP_unmap_grant_ref:
    case GNTTABOP_unmap_and_replace:
    {
        struct gnttab_unmap_grant_ref *u = arg;

        u->host_addr = pick_va();
        u->dev_bus_addr = chance(50) ? pick_va() : pick_int(); /* new_addr for replace */
        u->handle = chance(80) ? below(8) : (uint32_t)rnd();
        break;
    }
    case GNTTABOP_transfer:
    {
        struct gnttab_transfer *t = arg;

        t->mfn = pick_bad_mfn(); /* see the header */
        t->domid = pick_domid();
        t->ref = below(64);
        break;
    }
    case GNTTABOP_copy:
    {
        struct gnttab_copy *cp = arg;

        cp->flags = chance(70) ? 0 : (uint16_t)rnd();
        cp->source.u.gmfn = cp->flags & GNTCOPY_source_gref ? below(64) : pick_mfn();
        cp->dest.u.gmfn = cp->flags & GNTCOPY_dest_gref ? below(64) : pick_free_mfn();
        cp->source.domid = pick_domid();
        cp->dest.domid = pick_domid();
        cp->source.offset = chance(50) ? below(PAGE_SIZE) : (uint16_t)rnd();
        cp->dest.offset = chance(50) ? below(PAGE_SIZE) : (uint16_t)rnd();
        cp->len = chance(50) ? below(PAGE_SIZE + 2) : (uint16_t)rnd();
        break;
    }
    default:
    {
        /* setup_table, query_size, get/set_version, status frames, swap, flush: */
        struct gnttab_setup_table *s = arg;

        s->dom = pick_domid();
        s->nr_frames = chance(70) ? below(4) : (uint32_t)pick_int();
        set_xen_guest_handle(s->frame_list, (void *)pick_buf());
        if ( cmd == GNTTABOP_set_version )
            *(uint32_t *)arg = chance(80) ? below(4) : (uint32_t)pick_int();
        break;
    }
    }
}

/* safe: no transfer (its reservation effect is measured only for direct calls). */
static size_t gnttab_op_size(unsigned int cmd)
{
    switch ( cmd )
    {
    case GNTTABOP_map_grant_ref: return sizeof(struct gnttab_map_grant_ref);
    case GNTTABOP_unmap_grant_ref: return sizeof(struct gnttab_unmap_grant_ref);
    case GNTTABOP_setup_table: return sizeof(struct gnttab_setup_table);
    case GNTTABOP_transfer: return sizeof(struct gnttab_transfer);
    case GNTTABOP_copy: return sizeof(struct gnttab_copy);
    case GNTTABOP_query_size: return sizeof(struct gnttab_query_size);
    case GNTTABOP_unmap_and_replace: return sizeof(struct gnttab_unmap_and_replace);
    case GNTTABOP_set_version: return sizeof(struct gnttab_set_version);
    case GNTTABOP_get_status_frames: return sizeof(struct gnttab_get_status_frames);
    case GNTTABOP_get_version: return sizeof(struct gnttab_get_version);
    case GNTTABOP_swap_grant_ref: return sizeof(struct gnttab_swap_grant_ref);
    case GNTTABOP_cache_flush: return sizeof(struct gnttab_cache_flush);
    default: return 32;
    }
}

static void gen_grant_table_op(struct call *c, bool safe)
{
    unsigned int i, n = 1 + below(3);
    size_t size;
    uint8_t *arg;

    c->sub = chance(95) ? below(13) : (unsigned int)pick_int();
    if ( safe && c->sub == GNTTABOP_transfer )
        c->sub = GNTTABOP_query_size;
    size = gnttab_op_size(c->sub);
    arg = arena_alloc(n * size + 32);
    for ( i = 0; i < n; i++ )
        gen_gnttab_one(c->sub, arg + i * size);
    c->op = __HYPERVISOR_grant_table_op;
    c->a[0] = c->sub;
    c->a[1] = batch(arg, size, chance(85) ? 1 : n, &c->a[2]);
}

static void gen_vcpu_op(struct call *c)
{
    uint64_t *arg = arena_alloc(64);

    c->op = __HYPERVISOR_vcpu_op;
    c->sub = chance(95) ? below(16) : (unsigned int)pick_int();
    c->a[1] = pick_vcpu();
    switch ( c->sub )
    {
    case VCPUOP_down:
    case VCPUOP_send_nmi:
        if ( c->a[1] == 0 )
            c->a[1] = 1;
        break;
    case VCPUOP_register_vcpu_info:
        ((struct vcpu_register_vcpu_info *)arg)->mfn = c->a[1] ? pick_mfn() : pick_bad_mfn();
        ((struct vcpu_register_vcpu_info *)arg)->offset = (uint32_t)pick_int();
        break;
    case VCPUOP_register_runstate_memory_area:
    case VCPUOP_register_vcpu_time_memory_area: arg[0] = chance(20) ? 0 : pick_buf(); break;
    case VCPUOP_set_periodic_timer:
        arg[0] = chance(50) ? 1000000 + below(50000000) : pick_int();
        break;
    case VCPUOP_set_singleshot_timer:
        arg[0] = chance(50) ? system_time_ns() + below(10000000) : pick_int();
        arg[1] = chance(70) ? 0 : pick_int();
        break;
    default: break;
    }
    c->a[2] = chance(92) ? (unsigned long)arg : pick_buf();
    if ( c->sub == VCPUOP_register_vcpu_info && c->a[1] == 0 && (unsigned long)arg != c->a[2] )
        c->a[2] = (unsigned long)arg; /* never a random vcpu_info for vCPU 0 */
}

static void gen_callbacks(struct call *c)
{
    struct callback_register *cb = arena_alloc(sizeof(*cb));
    struct trap_info *t = arena_alloc(4 * sizeof(*t));

    c->restore_traps = true;
    switch ( below(3) )
    {
    case 0:
        cb->type = chance(80) ? below(8) : (uint16_t)rnd();
        cb->flags = (uint16_t)rnd();
        cb->address = chance(50) ? pick_va() : pick_int();
        c->op = __HYPERVISOR_callback_op;
        c->a[0] = chance(90) ? below(2) : pick_int();
        c->a[1] = chance(95) ? (unsigned long)cb : pick_buf();
        break;
    case 1:
        if ( chance(50) )
            memset(&t[3], 0, sizeof(t[3]));
        c->op = __HYPERVISOR_set_trap_table;
        c->a[0] = chance(70) ? (unsigned long)t : chance(30) ? 0 : pick_buf();
        break;
    default:
        c->op = __HYPERVISOR_set_callbacks;
        c->a[0] = pick_va();
        c->a[1] = pick_va();
        c->a[2] = pick_va();
        break;
    }
}

static unsigned int pick_gdt_entries(void)
{
    static const unsigned int e[] = {0,    1,    512,  513,        FIRST_RESERVED_GDT_ENTRY,
                                     7169, 8192, 8193, 0xffffffff, 14 * 512};

    return e[below(ARRAY_SIZE(e))];
}

static void gen_descriptors(struct call *c)
{
    unsigned long *frames = arena_alloc(16 * sizeof(*frames));
    unsigned int i;

    switch ( below(4) )
    {
    case 0:
        for ( i = 0; i < 16; i++ )
            frames[i] = pick_mfn();
        c->op = __HYPERVISOR_set_gdt;
        c->a[0] = chance(90) ? (unsigned long)frames : pick_struct_ptr();
        c->a[1] = pick_gdt_entries();
        break;
    case 1:
        c->op = __HYPERVISOR_update_descriptor;
        c->a[0] = (pick_mfn() << 12) + (chance(80) ? below(512) * 8 : below(PAGE_SIZE));
        c->a[1] = chance(50) ? rnd() : rnd() & ~0x0000f00000000000UL; /* random DPL/type */
        break;
    case 2:
        c->op = __HYPERVISOR_set_segment_base;
        c->sub = chance(90) ? below(5) : (unsigned int)pick_int();
        c->a[0] = c->sub;
        c->a[1] = chance(50) ? pick_va() : pick_int();
        break;
    default:
        c->op = __HYPERVISOR_stack_switch;
        c->a[0] = chance(50) ? FLAT_KERNEL_SS : pick_int();
        c->a[1] = chance(50) ? pick_buf() : pick_int();
        break;
    }
}

static void gen_cpu_state(struct call *c)
{
    switch ( below(4) )
    {
    case 0:
        c->op = __HYPERVISOR_fpu_taskswitch;
        c->a[0] = pick_int();
        c->restore_fpu = true;
        break;
    case 1:
        c->op = __HYPERVISOR_vm_assist;
        c->a[0] = chance(80) ? below(2) : pick_int();
        c->a[1] = chance(80) ? below(7) : pick_int();
        /*
         * m2p_strict unmaps the M2P from an L4 made the user base pointer,
         * and that may be our only L4: only ever disabled.
         */
        if ( c->a[1] == VMASST_TYPE_m2p_strict && c->a[0] != VMASST_CMD_disable )
            c->a[1] = VMASST_TYPE_4gb_segments_notify;
        break;
    case 2:
    {
        static const unsigned int regs[] = {0, 1, 2, 3, 4, 5, 6, 8, 100, 0xffffffff};

        c->op = __HYPERVISOR_set_debugreg;
        c->a[0] = regs[below(ARRAY_SIZE(regs))];
        if ( c->a[0] == 5 ) /* DR5 aliases DR7 */
            c->a[0] = 6;
        c->a[1] = chance(50) ? pick_va() : pick_int();
        break;
    }
    default:
        c->op = __HYPERVISOR_get_debugreg;
        c->a[0] = chance(80) ? below(10) : pick_int();
        break;
    }
}

static void gen_version_console(struct call *c)
{
    if ( chance(75) )
    {
        c->op = __HYPERVISOR_xen_version;
        c->sub = chance(90) ? below(11) : (unsigned int)pick_int();
        c->a[0] = c->sub;
        c->a[1] = chance(20) ? 0 : pick_buf();
        return;
    }
    c->op = __HYPERVISOR_console_io;
    c->sub = chance(90) ? below(2) : (unsigned int)pick_int();
    c->a[0] = c->sub;
    c->a[1] = below(65);
    if ( c->sub == CONSOLEIO_write && chance(70) && c->a[1] > 0 )
    {
        char *s = arena_alloc(c->a[1]);
        unsigned long i;

        for ( i = 0; i < c->a[1]; i++ )
            s[i] = 'a' + below(26);
        memcpy(s, "fz:", c->a[1] < 3 ? c->a[1] : 3);
        s[c->a[1] - 1] = '\n';
        c->a[2] = (unsigned long)s;
    }
    else if ( c->sub == CONSOLEIO_write || c->sub > CONSOLEIO_read )
        c->a[2] = pick_bad_addr() | 0x8000000000000000UL; /* only addresses Xen must refuse */
    else
        c->a[2] = pick_buf();
}

static void gen_physdev_op(struct call *c)
{
    static const unsigned int cmds[] = {PHYSDEVOP_eoi,
                                        PHYSDEVOP_irq_status_query,
                                        PHYSDEVOP_set_iopl,
                                        PHYSDEVOP_set_iobitmap,
                                        PHYSDEVOP_apic_read,
                                        PHYSDEVOP_get_free_pirq,
                                        PHYSDEVOP_pirq_eoi_gmfn_v1,
                                        PHYSDEVOP_pirq_eoi_gmfn_v2,
                                        PHYSDEVOP_unmap_pirq,
                                        32,
                                        100,
                                        0xffffffff};
    uint64_t *arg = arena_alloc(32);

    c->op = __HYPERVISOR_physdev_op;
    c->sub = cmds[below(ARRAY_SIZE(cmds))];
    switch ( c->sub )
    {
    case PHYSDEVOP_eoi:
    case PHYSDEVOP_irq_status_query: arg[0] = 16 + below(2000); break;
    case PHYSDEVOP_set_iobitmap:
        arg[0] = pick_buf();
        arg[1] = pick_int();
        break;
    case PHYSDEVOP_pirq_eoi_gmfn_v1:
    case PHYSDEVOP_pirq_eoi_gmfn_v2: arg[0] = pick_bad_mfn(); break;
    case PHYSDEVOP_unmap_pirq: ((uint32_t *)arg)[1] = 16 + below(2000); break;
    default: break;
    }
    c->a[0] = c->sub;
    c->a[1] = chance(95) ? (unsigned long)arg : pick_bad_addr();
}

static void gen_sched_op(struct call *c)
{
    struct sched_poll *p = arena_alloc(sizeof(*p));
    evtchn_port_t *pl = arena_alloc(4 * sizeof(*pl));
    unsigned int i;

    for ( i = 0; i < 4; i++ )
        pl[i] = pick_port();
    c->op = __HYPERVISOR_sched_op;
    switch ( below(5) )
    {
    case 0: c->sub = SCHEDOP_yield; break;
    case 1:
        /* id 0 arms a new watchdog (whatever the timeout): only stop others. */
        c->sub = SCHEDOP_watchdog;
        ((struct sched_watchdog *)p)->id = (uint32_t)pick_int() | 1;
        ((struct sched_watchdog *)p)->timeout = 0;
        break;
    case 2:
        c->sub = SCHEDOP_remote_shutdown;
        ((struct sched_remote_shutdown *)p)->domain_id = 1 + below(0x7fef);
        ((struct sched_remote_shutdown *)p)->reason = (uint32_t)rnd();
        break;
    default:
        c->sub = SCHEDOP_poll;
        set_xen_guest_handle(p->ports, chance(85) ? pl : (evtchn_port_t *)pick_buf());
        p->nr_ports = chance(80) ? below(5) : (unsigned int)pick_int();
        p->timeout = chance(50) ? 1 : system_time_ns() + 100000; /* never 0 */
        break;
    }
    c->a[0] = c->sub;
    c->a[1] = (unsigned long)p;
    if ( c->sub == SCHEDOP_yield && chance(30) )
    {
        c->op = __HYPERVISOR_sched_op_compat;
        c->a[1] = pick_int();
    }
}

static void gen_misc(struct call *c)
{
    /* Hypercall numbers nothing implements, plus set_timer_op. */
    static const unsigned long unknown[] = {11, 27, 28, 38,  39,  43,  44,     45, 46,
                                            47, 49, 50, 51,  52,  53,  54,     55, 56,
                                            63, 64, 65, 127, 128, 255, 0x10000};
    unsigned int i;

    if ( chance(25) )
    {
        c->op = __HYPERVISOR_set_timer_op;
        c->a[0] = chance(50) ? system_time_ns() + below(1000000) : pick_int();
        return;
    }
    c->op = chance(85) ? unknown[below(ARRAY_SIZE(unknown))] : 0x10000 + (uint32_t)rnd();
    for ( i = 0; i < 5; i++ )
        c->a[i] = pick_int();
}

static void gen_call(struct call *c, bool safe);

static void gen_multicall(struct call *c, unsigned int depth)
{
    unsigned int i, n = 1 + below(6);
    multicall_entry_t *e = arena_alloc(n * sizeof(*e));

    for ( i = 0; i < n; i++ )
    {
        struct call sub = {0};

        in_multicall = true;
        if ( depth < 2 && chance(10) )
            gen_multicall(&sub, depth + 1);
        else
            gen_call(&sub, true);
        in_multicall = depth > 0;
        e[i].op = sub.op;
        memcpy(e[i].args, sub.a, sizeof(sub.a));
    }
    c->op = __HYPERVISOR_multicall;
    c->a[0] = batch(e, sizeof(*e), n, &c->a[1]);
    c->out = batch_array;
    c->out_nr = n;
    c->restore_traps = true; /* an entry may have replaced them */
    c->restore_fpu = true;
}

/* One random call. safe: usable inside a multicall (no accounting). */
static void gen_call(struct call *c, bool safe)
{
    switch ( below(safe ? 16 : 18) )
    {
    case 0:
    case 1: gen_mmu_update(c); break;
    case 2:
    case 3: gen_mmuext_op(c); break;
    case 4: gen_update_va_mapping(c); break;
    case 5: gen_memory_op(c, safe); break;
    case 6: gen_event_channel_op(c); break;
    case 7: gen_grant_table_op(c, safe); break;
    case 8: gen_vcpu_op(c); break;
    case 9: gen_callbacks(c); break;
    case 10: gen_descriptors(c); break;
    case 11: gen_cpu_state(c); break;
    case 12: gen_version_console(c); break;
    case 13: gen_physdev_op(c); break;
    case 14: gen_sched_op(c); break;
    case 15: gen_misc(c); break;
    case 16: gen_multicall(c, 0); break;
    default: gen_memory_op(c, false); break;
    }
}

/* ------------------------------------------------------------------ */
/* Running calls. */

void traps_init(void);

static long current_pages(void)
{
    domid_t self = DOMID_SELF;

    return HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
}

static long map_probe(unsigned long mfn, uint64_t flags);

static bool is_pt_frame(unsigned long mfn)
{
    unsigned int i;

    for ( i = 0; i < nr_pt; i++ )
        if ( pt_mfn[i] == mfn )
            return true;
    return false;
}

/*
 * New frames written to a list we made become scratch frames: the first
 * ret extents of an increase or populate, all of a complete exchange.
 */
static void adopt_outputs(const struct call *c, long ret)
{
    const xen_pfn_t *l = c->out;
    unsigned long i, n = c->sub == XENMEM_exchange ? (ret == 0 ? c->out_nr : 0) : ret;

    if ( !l || c->out_order > 0 || ret < 0 )
        return;
    for ( i = 0; i < n && i < 4; i++ )
        if ( l[i] <= max_mfn && !is_fixed_frame(l[i]) && !is_pt_frame(l[i]) &&
             map_probe(l[i], PTE_KERNEL_RO) == 0 )
        {
            if ( trace )
                printk("adopted: mfn 0x%lx\n", l[i]);
            remember_frame(l[i]);
        }
    map_probe(0, 0);
}

/* Frames that left with a decrease or an exchange leave the pools. */
static void given_back(const struct call *c, long ret)
{
    const struct xen_memory_exchange *x = (const void *)c->a[1];

    if ( c->sub == XENMEM_decrease_reservation && c->out && ret > 0 && c->order == 0 )
        forget_frames(c->out, ret);
    if ( c->sub == XENMEM_exchange && c->a[1] == (unsigned long)c->arg && x->in.extent_order == 0 &&
         (unsigned long)x->in.extent_start.p >= (unsigned long)fz[0] &&
         (unsigned long)x->in.extent_start.p < (unsigned long)fz[NR_ARENA] )
        forget_frames(
            (xen_pfn_t *)x->in.extent_start.p + c->start,
            x->nr_exchanged <= 4 && x->nr_exchanged > c->start ? x->nr_exchanged - c->start : 0);
}

static void check_multicall_results(const struct call *c)
{
    const multicall_entry_t *e = c->out;
    unsigned int i;

    for ( i = 0; i < c->out_nr; i++ )
    {
        struct call sub = {.op = e[i].op};

        memcpy(sub.a, e[i].args, sizeof(sub.a));
        if ( sub.op == __HYPERVISOR_memory_op || sub.op == __HYPERVISOR_xen_version ||
             sub.op == __HYPERVISOR_vcpu_op || sub.op == __HYPERVISOR_console_io )
            sub.sub = (unsigned int)sub.a[0];
        record(&sub, (long)e[i].result);
    }
}

static void print_entries(const multicall_entry_t *e, unsigned long n, unsigned int depth)
{
    unsigned long i;

    for ( i = 0; i < n; i++ )
    {
        printk("%sentry %lu: op %lu args %lx %lx %lx %lx %lx\n", depth > 1 ? "    " : "  ", i,
               (unsigned long)e[i].op, (unsigned long)e[i].args[0], (unsigned long)e[i].args[1],
               (unsigned long)e[i].args[2], (unsigned long)e[i].args[3],
               (unsigned long)e[i].args[4]);
        if ( e[i].op == __HYPERVISOR_multicall && depth < 3 && e[i].args[1] <= 8 &&
             e[i].args[0] >= (unsigned long)fz[0] && e[i].args[0] < (unsigned long)fz[NR_ARENA] &&
             e[i].args[0] + e[i].args[1] * sizeof(*e) <= (unsigned long)fz[NR_ARENA] )
            print_entries((const multicall_entry_t *)e[i].args[0], e[i].args[1], depth + 1);
    }
}

static void run_call(struct call *c, bool verbose)
{
    long ret;

    if ( verbose )
        print_call("call", c, 0);
    if ( verbose && c->op == __HYPERVISOR_multicall && c->out )
        print_entries(c->out, c->out_nr < c->a[1] ? c->out_nr : c->a[1], 1);
    ret = hypercall(c->op, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4]);
    if ( c->restore_traps )
        traps_init();
    if ( c->restore_fpu )
        hypercall(__HYPERVISOR_fpu_taskswitch, 0, 0, 0, 0, 0);
    if ( verbose )
        printk("  -> %ld\n", ret);
    record(c, ret);
    if ( c->op == __HYPERVISOR_multicall && ret == 0 && c->out && c->a[1] == c->out_nr )
        check_multicall_results(c);
    /*
     * From the results, not measured around the call: a frame given back
     * while still referenced leaves the count when its last reference goes,
     * which may be during any later call.
     */
    if ( c->acct == ACCT_DECREASE && ret > 0 && c->order < 31 )
        expected_delta -= ret << c->order;
    if ( c->acct == ACCT_INCREASE && ret > 0 && c->order < 31 )
        expected_delta += ret << c->order;
    if ( trace && current_pages() != traced_pages )
    {
        printk("reservation %ld -> %ld (expected change %ld):\n", traced_pages, current_pages(),
               expected_delta);
        print_call("  by", c, ret);
        traced_pages = current_pages();
    }
    if ( c->op == __HYPERVISOR_memory_op )
    {
        given_back(c, ret);
        if ( c->sub != XENMEM_decrease_reservation )
            adopt_outputs(c, ret);
    }
    /* Ports we were given (alloc_unbound/bind_ipi: word 1, binds: word 2). */
    if ( c->op == __HYPERVISOR_event_channel_op && ret == 0 && c->a[1] >= (unsigned long)fz[0] &&
         c->a[1] + 12 <= (unsigned long)fz[NR_ARENA] )
        ports[below(ARRAY_SIZE(ports))] =
            ((const uint32_t *)
                 c->a[1])[c->sub == EVTCHNOP_alloc_unbound || c->sub == EVTCHNOP_bind_ipi ? 1 : 2];
}

/* ------------------------------------------------------------------ */
/* Cleanup: drop everything the fuzzer may hold. */

static long mmuext1(unsigned int cmd, unsigned long arg1, unsigned long arg2)
{
    struct mmuext_op op = {.cmd = cmd};

    op.arg1.mfn = arg1;
    op.arg2.nr_ents = arg2;
    return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

static long map_probe(unsigned long mfn, uint64_t flags)
{
    return HYPERVISOR_update_va_mapping(probe_page, (mfn << 12) | flags, UVMF_INVLPG);
}

static void cleanup_cpu_state(void)
{
    struct physdev_set_iobitmap iob = {.nr_ports = 0};
    struct xen_memory_reservation claim = {.domid = DOMID_SELF};
    struct callback_unregister nmi = {.type = CALLBACKTYPE_nmi};
    unsigned int i;

    set_xen_guest_handle(iob.bitmap, NULL);
    HYPERVISOR_physdev_op(PHYSDEVOP_set_iobitmap, &iob);
    HYPERVISOR_memory_op(XENMEM_CLAIM_PAGES, &claim);
    HYPERVISOR_callback_op(CALLBACKOP_unregister, &nmi);
    traps_init();
    hypercall(__HYPERVISOR_fpu_taskswitch, 0, 0, 0, 0, 0);
    for ( i = 0; i <= 5; i++ )
        HYPERVISOR_vm_assist(VMASST_CMD_disable, i);
    HYPERVISOR_vm_assist(VMASST_CMD_disable, VMASST_TYPE_m2p_strict);
    for ( i = 0; i < 4; i++ )
        hypercall(__HYPERVISOR_set_debugreg, i, 0, 0, 0, 0);
    HYPERVISOR_set_segment_base(SEGBASE_FS, 0);
    HYPERVISOR_set_segment_base(SEGBASE_GS_USER, 0);
    HYPERVISOR_stack_switch(FLAT_KERNEL_SS, (unsigned long)boot_stack_top);
}

static void cleanup_vcpu_and_events(void)
{
    struct vcpu_register_runstate_memory_area area = {.addr.v = NULL};
    struct evtchn_reset reset = {.dom = DOMID_SELF};
    struct gnttab_set_version v1 = {.version = 1};
    long rc;

    HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
    HYPERVISOR_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL);
    HYPERVISOR_set_timer_op(0);
    HYPERVISOR_vcpu_op(VCPUOP_register_runstate_memory_area, 0, &area);
    HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &area);
    rc = HYPERVISOR_event_channel_op(EVTCHNOP_reset, &reset);
    if ( trace )
        printk("cleanup: evtchn reset %ld\n", rc);
    hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_set_version, &v1, 1, 0, 0);
    memset(ports, 0, sizeof(ports));
}

static bool is_owned(unsigned long mfn)
{
    unsigned int i;

    for ( i = 0; i < nr_owned; i++ )
        if ( owned[i] == mfn )
            return true;
    return false;
}

/* Returns the number of owned scratch frames that stayed typed (a leak). */
static unsigned int cleanup_frames(void)
{
    struct mmu_update slot1 = {.ptr = (l4_mfn << 12) + 8, .val = 0};
    unsigned int i, n = 0, typed = 0;
    long rc[3];

    HYPERVISOR_mmu_update(&slot1, 1, NULL, DOMID_SELF);
    for ( i = 0; i < NR_WIN; i++ )
        HYPERVISOR_update_va_mapping(fz[PG_WIN + i], 0, UVMF_INVLPG);
    HYPERVISOR_update_va_mapping(fz[PG_GUARD1], 0, UVMF_INVLPG);
    HYPERVISOR_update_va_mapping(fz[PG_GUARD2], 0, UVMF_INVLPG);
    rc[0] = hypercall(__HYPERVISOR_set_gdt, NULL, 0, 0, 0, 0);
    rc[1] = mmuext1(MMUEXT_SET_LDT, 0, 0);
    rc[2] = mmuext1(MMUEXT_NEW_USER_BASEPTR, 0, 0);
    if ( trace )
        printk("cleanup: set_gdt %ld set_ldt %ld user base %ld\n", rc[0], rc[1], rc[2]);
    for ( i = 0; i < nr_ever; i++ )
        mmuext1(MMUEXT_UNPIN_TABLE, ever[i], 0);
    for ( i = 0; i < nr_pt; i++ )
        if ( pt_mfn[i] != l4_mfn )
            mmuext1(MMUEXT_UNPIN_TABLE, pt_mfn[i], 0);
    mmuext1(MMUEXT_PIN_L4_TABLE, l4_mfn, 0); /* as the builder left it (or -EINVAL) */
    /* Which frames are still ours, and is each untyped (mappable writable)? */
    for ( i = 0; i < nr_owned; i++ )
    {
        if ( map_probe(owned[i], PTE_KERNEL_RO) != 0 )
            continue;
        if ( map_probe(owned[i], PTE_KERNEL_RW) != 0 )
        {
            printk("scratch mfn 0x%lx stays typed\n", owned[i]);
            typed++;
        }
        owned[n++] = owned[i];
    }
    nr_owned = n;
    if ( trace )
        for ( i = 0; i < nr_ever; i++ )
            if ( !is_owned(ever[i]) && map_probe(ever[i], PTE_KERNEL_RO) == 0 )
                printk("given back but still ours: mfn 0x%lx\n", ever[i]);
    map_probe(0, 0);
    return typed;
}

/* ------------------------------------------------------------------ */
/* Invariants. */

static uint64_t checksum(const void *p, size_t n)
{
    const uint64_t *q = p;
    uint64_t h = 0xcbf29ce484222325UL;
    size_t i;

    for ( i = 0; i < n / 8; i++ )
        h = (h ^ q[i]) * 0x100000001b3UL;
    return h;
}

extern char __extable_start[];
static uint64_t guarded_sum, code_sum, code_len;
static long start_pages, xen_version_val;

static void check_pt_readonly(unsigned int round)
{
    unsigned int i, writable = 0;
    char name[48];

    for ( i = 0; i < nr_pt; i++ )
        if ( map_probe(pt_mfn[i], PTE_KERNEL_RW) == 0 )
        {
            printk("page-table mfn 0x%lx mapped writable\n", pt_mfn[i]);
            writable++;
        }
    map_probe(0, 0);
    snprintf(name, sizeof(name), "pt-frames-readonly-%u", round);
    check(name, writable == 0, "%u of %u page-table frames mapped writable", writable, nr_pt);
}

static void check_m2p_readonly(unsigned int round)
{
    uint64_t v = machine_to_phys[l4_mfn];
    long rc = probe_write((void *)&machine_to_phys[l4_mfn], v);
    char name[48];

    snprintf(name, sizeof(name), "m2p-readonly-%u", round);
    check(name, rc == 1 && last_fault.vector == 14, "probe %ld vector %lu", rc, last_fault.vector);
}

static void check_events(unsigned int round)
{
    struct evtchn_alloc_unbound a = {.dom = DOMID_SELF, .remote_dom = DOMID_SELF};
    struct evtchn_bind_interdomain b = {.remote_dom = DOMID_SELF};
    struct evtchn_send s;
    struct evtchn_close cl;
    long rc1, rc2, rc3, rc4, rc5;
    bool pending = false;
    char name[48];

    rc1 = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &a);
    b.remote_port = a.port;
    rc2 = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &b);
    if ( rc1 == 0 )
        __atomic_fetch_and(&shared_info->evtchn_pending[a.port / 64], ~(1UL << (a.port % 64)),
                           __ATOMIC_SEQ_CST);
    s.port = b.local_port;
    rc3 = HYPERVISOR_event_channel_op(EVTCHNOP_send, &s);
    if ( rc1 == 0 && a.port < 4096 )
        pending = shared_info->evtchn_pending[a.port / 64] & (1UL << (a.port % 64));
    cl.port = b.local_port;
    rc4 = HYPERVISOR_event_channel_op(EVTCHNOP_close, &cl);
    cl.port = a.port;
    rc5 = HYPERVISOR_event_channel_op(EVTCHNOP_close, &cl);
    snprintf(name, sizeof(name), "evtchn-usable-%u", round);
    check(name, !rc1 && !rc2 && !rc3 && !rc4 && !rc5 && pending,
          "alloc %ld bind %ld send %ld close %ld %ld pending %d", rc1, rc2, rc3, rc4, rc5, pending);
}

static void check_grant_copy(unsigned int round)
{
    struct gnttab_copy cp = {.source = {.u.gmfn = ref_mfn[0], .domid = DOMID_SELF, .offset = 8},
                             .dest = {.u.gmfn = ref_mfn[1], .domid = DOMID_SELF, .offset = 16},
                             .len = 64};
    uint64_t word = rnd(), got = 0;
    long rc;
    char name[48];

    map_probe(ref_mfn[0], PTE_KERNEL_RW);
    ((uint64_t *)probe_page)[1] = word;
    map_probe(ref_mfn[1], PTE_KERNEL_RW);
    ((uint64_t *)probe_page)[2] = ~word;
    map_probe(0, 0);
    cp.status = 99;
    rc = hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_copy, &cp, 1, 0, 0);
    map_probe(ref_mfn[1], PTE_KERNEL_RO);
    got = ((uint64_t *)probe_page)[2];
    map_probe(0, 0);
    snprintf(name, sizeof(name), "grant-copy-usable-%u", round);
    check(name, rc == 0 && cp.status == GNTST_okay && got == word,
          "rc %ld status %d got 0x%lx want 0x%lx", rc, cp.status, got, word);
}

static void check_invariants(unsigned int round)
{
    unsigned int typed;
    char name[48];

    cleanup_vcpu_and_events();
    cleanup_cpu_state();
    typed = cleanup_frames();
    snprintf(name, sizeof(name), "alive-%u", round);
    check(name, HYPERVISOR_xen_version(XENVER_version, NULL) == xen_version_val,
          "xen_version 0x%lx", HYPERVISOR_xen_version(XENVER_version, NULL));
    snprintf(name, sizeof(name), "guarded-intact-%u", round);
    check_ueq(name, checksum(guarded, sizeof(guarded)), guarded_sum);
    snprintf(name, sizeof(name), "code-intact-%u", round);
    check_ueq(name, checksum(_image_start, code_len), code_sum);
    check_pt_readonly(round);
    check_m2p_readonly(round);
    snprintf(name, sizeof(name), "reservation-%u", round);
    check(name, current_pages() == start_pages + expected_delta,
          "got %ld want %ld (start %ld, fuzzer's own change %ld)", current_pages(),
          start_pages + expected_delta, start_pages, expected_delta);
    snprintf(name, sizeof(name), "scratch-untyped-%u", round);
    check(name, typed == 0, "%u of %u scratch frames still typed", typed, nr_owned);
    check_events(round);
    check_grant_copy(round);
}

/* ------------------------------------------------------------------ */
/* Set-up. */

static void setup_frames(const start_info_t *si)
{
    struct xen_machphys_mfn_list ml = {.max_extents = 1};
    unsigned long first = virt_to_pfn((void *)si->pt_base), i;
    xen_pfn_t m2p = 0;

    for ( i = 0; i < si->nr_pt_frames && i < MAX_PT; i++ )
    {
        pt_pfn[i] = first + i;
        pt_mfn[i] = p2m_list[first + i];
    }
    nr_pt = i;
    l4_mfn = virt_to_mfn((void *)si->pt_base);
    shinfo_mfn = si->shared_info >> 12;
    nr_pages_start = si->nr_pages;
    set_xen_guest_handle(ml.extent_start, &m2p);
    HYPERVISOR_memory_op(XENMEM_machphys_mfn_list, &ml);
    m2p_mfn = m2p;
    max_mfn = HYPERVISOR_memory_op(XENMEM_maximum_ram_page, NULL);
    for ( i = 0; i < NR_SCRATCH + 2; i++ )
    {
        unsigned long mfn = p2m_list[si->nr_pages - 1 - i];

        map_probe(mfn, PTE_KERNEL_RW);
        memset(probe_page, 0, PAGE_SIZE);
        if ( i < 2 )
            ref_mfn[i] = mfn;
        else
            remember_frame(mfn);
    }
    map_probe(0, 0);
    printk("fuzz: %u page-table frames (L4 0x%lx), M2P 0x%lx, max mfn 0x%lx, %u scratch\n", nr_pt,
           l4_mfn, m2p_mfn, max_mfn, nr_owned);
}

static void setup_memory(void)
{
    size_t i;

    for ( i = 0; i < sizeof(guarded); i += 8 )
    {
        uint64_t r = rnd();

        memcpy(&guarded[0][0] + i, &r, 8);
    }
    guarded_sum = checksum(guarded, sizeof(guarded));
    code_len = ((unsigned long)__extable_start - (unsigned long)_image_start) & ~7UL;
    code_sum = checksum(_image_start, code_len);
    HYPERVISOR_update_va_mapping(fz[PG_GUARD1], 0, UVMF_INVLPG);
    HYPERVISOR_update_va_mapping(fz[PG_GUARD2], 0, UVMF_INVLPG);
}

/*
 * Two SCHEDOP_polls in one multicall, the second with a bad port: Xen waits
 * for the first (preempting the batch) and refuses the second. Ours once
 * lost the first poll's wake-up here, or queued the vCPU twice.
 */
static void check_multicall_polls(void)
{
    static evtchn_port_t port;
    struct evtchn_alloc_unbound a = {.dom = DOMID_SELF, .remote_dom = DOMID_SELF};
    struct sched_poll p[3];
    multicall_entry_t e[3];
    struct evtchn_close cl;
    unsigned int i;
    long rc;

    HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &a);
    port = a.port;
    for ( i = 0; i < 3; i++ )
    {
        set_xen_guest_handle(p[i].ports, &port);
        p[i].nr_ports = 1;
        p[i].timeout = system_time_ns() + 1000000;
        e[i].op = __HYPERVISOR_sched_op;
        e[i].args[0] = SCHEDOP_poll;
        e[i].args[1] = (unsigned long)&p[i];
        e[i].result = 99;
    }
    p[1].nr_ports = 200; /* more than SCHED_POLL_MAX_PORTS */
    rc = HYPERVISOR_multicall(e, 3);
    check("multicall-polls",
          rc == 0 && e[0].result == 0 && (long)e[1].result == -XEN_EINVAL && e[2].result == 0,
          "rc %ld results %ld %ld %ld", rc, (long)e[0].result, (long)e[1].result,
          (long)e[2].result);
    cl.port = port;
    HYPERVISOR_event_channel_op(EVTCHNOP_close, &cl);
}

static void print_histogram(void)
{
    char line[1024];
    size_t n = 0;
    unsigned int i;

    n += snprintf(line + n, sizeof(line) - n, "returns:");
    for ( i = 0; i < MAX_HIST && hist[i].count; i++ )
        n += snprintf(line + n, sizeof(line) - n, " %ld:%lu", hist[i].val, hist[i].count);
    if ( hist_other )
        snprintf(line + n, sizeof(line) - n, " other:%lu", hist_other);
    printk("%s\n", line);
}

void test_main(start_info_t *si)
{
    unsigned long seed = cmdline_ulong("seed", 1), rounds = cmdline_ulong("rounds", 40000);
    unsigned long every = cmdline_ulong("check_every", 10000), r;
    bool verbose = cmdline_ulong("verbose", 0);
    uint64_t t0 = system_time_ns();
    unsigned int cp = 0;

    rng = seed;
    printk("fuzz: seed=%lu rounds=%lu check_every=%lu\n", seed, rounds, every);
    setup_frames(si);
    setup_memory();
    check_multicall_polls();
    start_pages = current_pages();
    traced_pages = start_pages;
    trace = cmdline_ulong("trace", 0);
    nr_pages_start = si->nr_pages;
    xen_version_val = HYPERVISOR_xen_version(XENVER_version, NULL);
    for ( r = 1; r <= rounds; r++ )
    {
        struct call c = {0};

        gen_call(&c, false);
        run_call(&c, verbose);
        if ( every && r % every == 0 && r != rounds )
            check_invariants(++cp);
    }
    check_invariants(++cp);
    print_histogram();
    printk("fuzz: %lu calls in %lu ms, %lu bad returns\n", nr_calls,
           (unsigned long)((system_time_ns() - t0) / 1000000), nr_bad_returns);
    check("returns-valid", nr_bad_returns == 0,
          "%lu of %lu returns neither a Xen errno nor "
          "a success value",
          nr_bad_returns, nr_calls);
    check("calls-made", nr_calls >= rounds, "%lu calls for %lu rounds", nr_calls, rounds);
}
