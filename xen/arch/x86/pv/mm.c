/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PV MMU hypercalls: mmu_update, update_va_mapping(_otherdomain) and
 * mmuext_op, and the platform facts the reference code needs (which frames
 * are RAM, how to reach a frame, how to flush).
 *
 * Theory of operation
 * -------------------
 * A guest changes its page tables only through these calls (and through
 * the writable-page-table emulation of ro-page-fault.c). Each request is
 * decoded and checked here, then handed to page_ref.c, which takes the
 * references the new entry needs before it writes it and drops the old
 * entry's afterwards, so a refused request changes nothing. Batches stop at
 * the first failure and report how many requests succeeded, as Xen does.
 *
 * Who may touch what: a guest changes its own tables; a privileged domain
 * (dom0) may also name a foreign page owner (FOREIGNDOM: another domain,
 * DOMID_IO for device memory, DOMID_XEN for the M2P frames it may map
 * read-only) and a foreign table owner (mmu_update's upper 16 bits).
 *
 * TLBs: an L1 change flushes nothing unless the guest asks (UVMF_*,
 * MMUEXT_*FLUSH*), as on Xen; a change to a present L2-L4 entry flushes
 * the CPUs the domain runs on before the old entry's table loses its
 * reference (pv_flush_table_change): paging-structure caches may hold it.
 * Remote flushes are whole-TLB flushes (flush_tlb_mask), also for the
 * INVLPG variants; CR4.PGE is off, so a CR3 reload drops everything.
 *
 * Preemption: between the requests of a batch, and inside the validation
 * that PIN_Lx_TABLE, NEW_BASEPTR, NEW_USER_BASEPTR or an mmu_update of an
 * L3/L4 entry may start, the call stops when softirqs are pending and
 * continues itself (the guest's SYSCALL runs again with the remaining
 * requests, MMU_UPDATE_PREEMPTED in the count and the progress in *done, as
 * Xen's continuations do). Not inside a multicall, which has no way to
 * continue an entry.
 *
 * Locking: none of its own; page_ref.c works by compare-and-exchange. The
 * one-time setup of dom_xen/dom_io is serialised by init_lock.
 */
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/param.h>
#include <xen/selftest.h>
#include <xen/sched.h>
#include <xen/smp.h>
#include <xen/softirq.h>
#include <xen/spinlock.h>
#include <asm/acpi.h>
#include <asm/e820.h>
#include <asm/guest_access.h>
#include <asm/mm.h>
#include <asm/processor.h>
#include <asm/pv.h>
#include <asm/pv_mm.h>

/* Set in a batch count by a continuation (Xen's internal marker, kept for compatibility). */
#define MMU_UPDATE_PREEMPTED (1u << 31)

struct domain *dom_xen, *dom_io;

static DEFINE_SPINLOCK(init_lock);
static bool mm_ready;
static bool nx_on;
static unsigned int paddr_bits = 36;

/* ---- platform facts ---- */

pte_t *pv_map_table(mfn_t mfn)
{
    return mfn_to_virt(mfn);
}

static bool e820_is_ram(mfn_t mfn)
{
    paddr_t pa = pfn_to_paddr(mfn);

    for ( unsigned int i = 0; i < e820_nr; i++ )
        if ( e820_map[i].type == E820_RAM && pa >= e820_map[i].addr &&
             pa + PAGE_SIZE <= e820_map[i].addr + e820_map[i].size )
            return true;
    return false;
}

static bool is_hypervisor_device(mfn_t mfn)
{
    paddr_t lapic = acpi_platform.lapic_addr ?: 0xfee00000;

    if ( mfn == paddr_to_pfn(lapic) )
        return true;
    for ( unsigned int i = 0; i < acpi_platform.nr_ioapics; i++ )
        if ( mfn == paddr_to_pfn(acpi_platform.ioapic[i].addr) )
            return true;
    return false;
}

/*
 * One bit per frame below max_page: set when frame_kind_slow() says RAM.
 * Every entry a guest writes asks, so the answer is a bit test rather than
 * a walk of the e820 map; built once by pv_mm_init() (NULL before: the
 * slow rule answers).
 */
static const unsigned long *ram_frames;

static enum frame_kind frame_kind_slow(mfn_t mfn)
{
    if ( mfn >= (1UL << (paddr_bits - PAGE_SHIFT)) || is_hypervisor_device(mfn) )
        return FRAME_FORBIDDEN;
    if ( acpi_platform.hpet_addr && mfn == paddr_to_pfn(acpi_platform.hpet_addr) )
        return FRAME_IO_RO; /* the hypervisor's timer: dom0 may look, not touch */
    if ( mfn < 0x100 )
        return FRAME_IO; /* the first MiB is firmware's, as on Xen */
    return e820_is_ram(mfn) ? FRAME_RAM : FRAME_IO;
}

enum frame_kind pv_frame_kind(mfn_t mfn)
{
    const unsigned long *ram = ACCESS_ONCE(ram_frames);

    if ( ram && mfn < max_page )
        return (ram[mfn / 64] >> (mfn % 64)) & 1 ? FRAME_RAM : frame_kind_slow(mfn);
    return frame_kind_slow(mfn);
}

static void clear_frame(unsigned long *bm, mfn_t mfn)
{
    if ( mfn < max_page )
        bm[mfn / 64] &= ~(1UL << (mfn % 64));
}

/*
 * The RAM bitmap: whole pages of e820 RAM, a word at a time where it can,
 * then the slow rule's exceptions (the first MiB, the frames beyond the
 * physical address width, the hypervisor's devices) taken out again.
 */
static const unsigned long *build_ram_frames(void)
{
    unsigned long *bm = xzalloc_array(unsigned long, max_page / 64 + 1);
    mfn_t limit = 1UL << (paddr_bits - PAGE_SHIFT);

    if ( !bm )
        return NULL; /* the slow rule keeps answering */
    for ( unsigned int i = 0; i < e820_nr; i++ )
    {
        mfn_t m = paddr_to_pfn(e820_map[i].addr + PAGE_SIZE - 1);
        mfn_t e = min(paddr_to_pfn(e820_map[i].addr + e820_map[i].size), max_page);

        if ( e820_map[i].type != E820_RAM )
            continue;
        for ( m = max(m, (mfn_t)0x100); m < e && m < limit; )
            if ( m % 64 == 0 && m + 64 <= e && m + 64 <= limit )
            {
                bm[m / 64] = ~0UL;
                m += 64;
            }
            else
            {
                bm[m / 64] |= 1UL << (m % 64);
                m++;
            }
    }
    clear_frame(bm, paddr_to_pfn(acpi_platform.lapic_addr ?: 0xfee00000));
    for ( unsigned int i = 0; i < acpi_platform.nr_ioapics; i++ )
        clear_frame(bm, paddr_to_pfn(acpi_platform.ioapic[i].addr));
    if ( acpi_platform.hpet_addr )
        clear_frame(bm, paddr_to_pfn(acpi_platform.hpet_addr));
    return bm;
}

/* Self-test (mm-selftest.c): the bitmap says RAM exactly where the slow rule does. */
const char *pv_frame_kind_selftest(void)
{
    const unsigned long *bm = build_ram_frames();
    const char *err = NULL;

    if ( !bm )
        return "no memory for the bitmap";
    for ( mfn_t m = 0; m < max_page && !err; m++ )
        if ( (bool)((bm[m / 64] >> (m % 64)) & 1) != (frame_kind_slow(m) == FRAME_RAM) )
            err = selftest_failf("frame %#lx: bitmap %lu", m, (bm[m / 64] >> (m % 64)) & 1);
    xfree((void *)bm);
    return err;
}

/* The CPUs d's vCPUs run on (or last ran on). */
static cpumask_t domain_cpus(const struct domain *d)
{
    cpumask_t m = CPU_MASK_NONE;

    for ( unsigned int i = 0; i < d->max_vcpus; i++ )
        if ( d->vcpu[i] )
            cpumask_set_cpu(d->vcpu[i]->processor, &m);
    return m;
}

void pv_flush_after_type_change(void)
{
    /* Stale writable TLB entries may exist wherever any guest ran. */
    flush_tlb_mask(&cpu_online_map);
}

void pv_flush_table_change(struct domain *d)
{
    /* Only CPUs running d's vCPUs can cache d's tables: a CR3 switch drops them. */
    cpumask_t cpus = domain_cpus(d);

    flush_tlb_mask(&cpus);
}

/*
 * A frame's last reference is going: any CPU may still cache a translation
 * of it from a mapping the guest removed without a flush. Flushing every CPU
 * per freed frame is the price of having no TLB-flush clock yet; a domain
 * teardown should drop its frames' last references in bulk after one flush.
 */
void pv_flush_before_free(void)
{
    static bool warned;

    if ( local_irq_is_enabled() )
    {
        flush_tlb_mask(&cpu_online_map);
        return;
    }
    flush_tlb_local();
    if ( !warned )
    {
        warned = true;
        printk(XENLOG_WARNING "PV MMU: frame freed with interrupts off: remote TLBs not flushed\n");
    }
}

void pv_policy_of(const struct domain *d, struct pt_policy *p)
{
    ASSERT(mm_ready); /* nx_on: set at boot, before any domain exists */
    p->io_caps = d->is_privileged;
    p->nx_ok = nx_on;
}

/*
 * "pv_mm_preempt=N": also stop every N-th time preemptible work asks, to
 * exercise the continuations in tests (0, the default: only for softirqs).
 */
static unsigned int opt_preempt_every;
integer_param("pv_mm_preempt", opt_preempt_every);
static unsigned int preempt_asks;

bool pv_preempt_check(void)
{
    if ( opt_preempt_every &&
         __atomic_add_fetch(&preempt_asks, 1, __ATOMIC_RELAXED) % opt_preempt_every == 0 )
        return true;
    return softirq_pending(smp_processor_id());
}

bool pv_controls(const struct domain *who, const struct domain *target)
{
    return who == target || who->is_privileged;
}

/* ---- one-time setup: DOMID_XEN/DOMID_IO and the M2P frames ---- */

static struct domain *make_pseudo_domain(domid_t id)
{
    struct domain *d = xzalloc(struct domain);

    BUG_ON(!d);
    d->domain_id = id;
    d->refcnt = 1;
    return d;
}

/* The M2P frames become dom_xen's, type none: mappable read-only by dom0 only. */
static void share_m2p_frames(void)
{
    unsigned long nr = DIV_ROUND_UP(max_page * sizeof(unsigned long), PAGE_SIZE);

    for ( unsigned long i = 0; i < nr; i++ )
    {
        unsigned int level;
        pte_t e = lookup_pte(RDWR_MPT_VIRT_START + i * PAGE_SIZE, &level);
        struct page_info *pg;

        if ( !(e & _PAGE_PRESENT) || !mfn_valid(PTE_MFN(e)) )
            continue;
        pg = mfn_to_page(PTE_MFN(e));
        pg->v.owner = dom_xen;
        pg->u.type_info = PGT_none | PGT_validated | 1;
        pg->count_info = (pg->count_info & ~PGC_count_mask) | PGC_allocated | 1;
    }
}

void pv_mm_init(void)
{
    struct cpuid_regs r;
    unsigned long flags;

    if ( ACCESS_ONCE(mm_ready) )
        return;
    flags = spin_lock_irqsave(&init_lock);
    if ( !mm_ready )
    {
        nx_on = rdmsr(MSR_EFER) & EFER_NXE;
        cpuid_count(0x80000000, 0, &r);
        if ( r.eax >= 0x80000008 )
        {
            cpuid_count(0x80000008, 0, &r);
            paddr_bits = r.eax & 0xff;
        }
        dom_xen = make_pseudo_domain(DOMID_XEN);
        dom_io = make_pseudo_domain(DOMID_IO);
        share_m2p_frames();
        __atomic_store_n(&ram_frames, build_ram_frames(), __ATOMIC_RELEASE);
        __atomic_store_n(&mm_ready, true, __ATOMIC_RELEASE);
    }
    spin_unlock_irqrestore(&init_lock, flags);
}

/* ---- domains named by the caller ---- */

/* FOREIGNDOM: the owner of the frames a request maps (a reference, put_pg_owner()). */
static struct domain *get_pg_owner(domid_t id)
{
    struct domain *curr = current->domain;

    if ( id == DOMID_SELF )
        return curr;
    if ( id == curr->domain_id )
        return NULL; /* Xen refuses a domain naming itself by number */
    if ( id == DOMID_IO )
        return dom_io;
    if ( id == DOMID_XEN )
        return dom_xen;
    return get_domain_by_id(id);
}

static void put_pg_owner(struct domain *d)
{
    if ( d != current->domain && d != dom_io && d != dom_xen )
        put_domain(d);
}

/*
 * Continuation: have the guest issue hypercall nr again, with these
 * arguments, when it next runs. Its SYSCALL instruction (2 bytes) is
 * executed again, after any pending event was delivered; the return value
 * is the number that goes back into rax. Not inside a multicall, whose
 * entries are not in the registers.
 * HOOK: this belongs to arch/x86/hypercall.c once it offers continuations.
 */
static bool can_continue(unsigned int nr)
{
    /* A direct call still has its number in the saved rax; a multicall has its own. */
    return guest_cpu_user_regs()->rax == nr;
}

static long hypercall_continue(unsigned int nr, unsigned long a0, unsigned long a1,
                               unsigned long a2, unsigned long a3)
{
    struct cpu_user_regs *regs = guest_cpu_user_regs();

    ASSERT(can_continue(nr));
    regs->rdi = a0;
    regs->rsi = a1;
    regs->rdx = a2;
    regs->r10 = a3;
    regs->rip -= 2;
    return nr;
}

/* ---- TLB flushes the guest asks for ---- */

/* The CPUs of the vCPUs set in the guest's bitmap at gva. */
static int vcpumask_to_cpus(const struct domain *d, unsigned long gva, cpumask_t *m)
{
    cpumask_clear(m);
    for ( unsigned int base = 0; base < d->max_vcpus; base += BITS_PER_LONG )
    {
        unsigned long bits;

        if ( copy_from_guest_va(&bits, gva + base / 8, sizeof(bits)) )
            return -EFAULT;
        for ( ; bits; bits &= bits - 1 )
        {
            unsigned int id = base + (unsigned int)__builtin_ctzl(bits);

            if ( id >= d->max_vcpus )
                return 0;
            if ( d->vcpu[id] )
                cpumask_set_cpu(d->vcpu[id]->processor, m);
        }
    }
    return 0;
}

static void flush_one_local(unsigned long va)
{
    if ( is_canonical(va) )
        invlpg(va);
}

/* ---- mmu_update ---- */

/* A write to a frame that is not a validated table: it must be writable. */
static int write_plain_frame(struct page_info *pg, unsigned int offset, u64 val)
{
    if ( !get_page_type(pg, PGT_writable_page) )
        return -EINVAL;
    __atomic_store_n((u64 *)((char *)pv_map_table(page_to_mfn(pg)) + offset), val,
                     __ATOMIC_RELAXED);
    put_page_type(pg);
    return 0;
}

/*
 * The table a batch is writing (*held, NULL: none). Consecutive requests
 * usually name entries of one table (Linux fills an L1 at a time), so its
 * general and type references are kept from one request to the next instead
 * of taken and dropped for each: the table cannot lose its type meanwhile,
 * exactly as if another CPU were using it. Released before the batch returns
 * or continues.
 */
static void batch_table_release(struct page_info **held)
{
    if ( *held )
        put_page_and_type(*held);
    *held = NULL;
}

/* Hold mfn as a validated table of pt_owner's; 1 if it is one, 0 if not, -EINVAL. */
static int batch_table_hold(struct page_info **held, mfn_t mfn, struct domain *pt_owner)
{
    struct page_info *pg;
    unsigned long type;

    if ( *held && page_to_mfn(*held) == mfn )
        return 1;
    batch_table_release(held);
    if ( !mfn_valid(mfn) || pv_frame_kind(mfn) != FRAME_RAM )
        return -EINVAL;
    pg = mfn_to_page(mfn);
    if ( !get_page(pg, pt_owner) )
        return -EINVAL;
    type = ACCESS_ONCE(pg->u.type_info) & PGT_type_mask;
    if ( !pt_level_of_type(type) || !get_validated_table(pg, type) )
    {
        put_page(pg);
        return 0;
    }
    *held = pg;
    return 1;
}

/* A request for a frame that is not a table: a checked plain write. */
static int mmu_plain_update(mfn_t mfn, unsigned int offset, u64 val, struct domain *pt_owner)
{
    struct page_info *pg = mfn_to_page(mfn);
    int rc;

    if ( !get_page(pg, pt_owner) )
        return -EINVAL;
    rc = write_plain_frame(pg, offset, val);
    put_page(pg);
    return rc;
}

static int mmu_normal_update(const struct mmu_update *req, unsigned int cmd,
                             struct domain *pt_owner, struct domain *pg_owner,
                             struct page_info **held)
{
    mfn_t mfn = req->ptr >> PAGE_SHIFT;
    unsigned int offset = req->ptr & (PAGE_SIZE - 1) & ~7u, slot = offset / 8, level;
    bool preserve_ad = cmd == MMU_PT_UPDATE_PRESERVE_AD;
    int rc = batch_table_hold(held, mfn, pt_owner);

    if ( rc <= 0 )
        return rc ? rc : mmu_plain_update(mfn, offset, req->val, pt_owner);
    level = pt_level_of_type(ACCESS_ONCE((*held)->u.type_info)); /* fixed while held */
    if ( level > 1 && pg_owner != pt_owner )
        return -EINVAL; /* only L1 entries may map foreign frames */
    if ( can_continue(__HYPERVISOR_mmu_update) )
        return pt_update_entry_preemptible(*held, level, slot, req->val, preserve_ad, pt_owner,
                                           pg_owner);
    return pt_update_entry(*held, level, slot, req->val, NULL, preserve_ad, pt_owner, pg_owner);
}

static int mmu_machphys_update(const struct mmu_update *req, struct domain *pt_owner,
                               struct domain *pg_owner)
{
    mfn_t mfn = req->ptr >> PAGE_SHIFT;
    unsigned long *m2p = (unsigned long *)RDWR_MPT_VIRT_START;

    if ( pt_owner != current->domain )
        return -EPERM;
    if ( !mfn_valid(mfn) || !get_page(mfn_to_page(mfn), pg_owner) )
        return -EINVAL;
    m2p[mfn] = req->val;
    put_page(mfn_to_page(mfn));
    return 0;
}

static int mmu_update_one(const struct mmu_update *req, struct domain *pt_owner,
                          struct domain *pg_owner, struct page_info **held)
{
    unsigned int cmd = req->ptr & 7;

    switch ( cmd )
    {
    case MMU_NORMAL_PT_UPDATE:
    case MMU_PT_UPDATE_PRESERVE_AD:
    case MMU_PT_UPDATE_NO_TRANSLATE: /* PV frames need no translation */
        return mmu_normal_update(req, cmd, pt_owner, pg_owner, held);
    case MMU_MACHPHYS_UPDATE: return mmu_machphys_update(req, pt_owner, pg_owner);
    default: return -ENOSYS;
    }
}

/* The table owner named in mmu_update's upper 16 bits of foreigndom (a reference). */
static int get_pt_owner(unsigned long foreigndom, struct domain **pt_owner)
{
    unsigned int pt_dom = (foreigndom >> 16) & 0xffff;
    struct domain *curr = current->domain;

    *pt_owner = curr;
    if ( !pt_dom || pt_dom - 1 == curr->domain_id )
        return 0;
    *pt_owner = get_domain_by_id(pt_dom - 1);
    if ( !*pt_owner )
        return -ESRCH;
    if ( !pv_controls(curr, *pt_owner) || !(*pt_owner)->vcpu || !(*pt_owner)->vcpu[0] )
    {
        put_domain(*pt_owner);
        return pv_controls(curr, *pt_owner) ? -EINVAL : -EPERM;
    }
    return 0;
}

long do_mmu_update(unsigned long ureqs, unsigned long count, unsigned long pdone,
                   unsigned long foreigndom)
{
    struct domain *curr = current->domain, *pt_owner, *pg_owner;
    unsigned int i, done = 0, n = (unsigned int)count & ~MMU_UPDATE_PREEMPTED;
    struct mmu_update req;
    struct page_info *held = NULL;
    long rc;

    pv_mm_init();
    if ( (count & MMU_UPDATE_PREEMPTED) && pdone )
        (void)copy_from_guest_va(&done, pdone, sizeof(done)); /* a continuation's progress */
    rc = get_pt_owner(foreigndom, &pt_owner);
    if ( rc )
        return rc;
    pg_owner = get_pg_owner(foreigndom & 0xffff);
    if ( !pg_owner )
        rc = -ESRCH;
    else if ( !pv_controls(curr, pg_owner) )
        rc = -EPERM;
    for ( i = 0; !rc && i < n; i++ )
    {
        if ( i && can_continue(__HYPERVISOR_mmu_update) && pv_preempt_check() )
        {
            rc = -ERESTART;
            break;
        }
        if ( copy_from_guest_va(&req, ureqs + i * sizeof(req), sizeof(req)) )
            rc = -EFAULT;
        else
            rc = mmu_update_one(&req, pt_owner, pg_owner, &held);
        if ( rc )
            break;
    }
    batch_table_release(&held);
    if ( pg_owner )
        put_pg_owner(pg_owner);
    if ( pt_owner != curr )
        put_domain(pt_owner);
    done += pg_owner ? i : 0;
    if ( pdone && copy_to_guest_va(pdone, &done, sizeof(done)) && !rc )
        rc = -EFAULT;
    if ( rc == -ERESTART )
        return hypercall_continue(__HYPERVISOR_mmu_update, ureqs + i * sizeof(req),
                                  (n - i) | MMU_UPDATE_PREEMPTED, pdone, foreigndom);
    return rc;
}

/* ---- update_va_mapping ---- */

int pv_find_l1e(const struct vcpu *v, unsigned long va, mfn_t *l1mfn, unsigned int *slot)
{
    static const unsigned int shift[] = {0, 0, L2_PAGE_SHIFT, L3_PAGE_SHIFT, L4_PAGE_SHIFT};
    mfn_t mfn = v->pv.guest_table;

    if ( !is_canonical(va) || (va >= HYPERVISOR_VIRT_START_ADDR && va < HYPERVISOR_VIRT_END_ADDR) )
        return -EINVAL;
    for ( unsigned int level = 4; level >= 2; level-- )
    {
        pte_t e;

        if ( !mfn || !mfn_valid(mfn) )
            return -EINVAL;
        e = ACCESS_ONCE(pv_map_table(mfn)[(va >> shift[level]) & 511]);
        if ( !(e & _PAGE_PRESENT) || (e & _PAGE_PSE) )
            return -EINVAL;
        mfn = PTE_MFN(e);
    }
    if ( !mfn_valid(mfn) )
        return -EINVAL;
    *l1mfn = mfn;
    *slot = l1_index(va);
    return 0;
}

static int uvm_flush(struct domain *d, unsigned long va, unsigned long flags)
{
    unsigned long target = flags & ~UVMF_FLUSHTYPE_MASK;
    cpumask_t cpus;
    int rc = 0;

    if ( !(flags & UVMF_FLUSHTYPE_MASK) )
        return 0;
    if ( target == UVMF_LOCAL )
    {
        if ( (flags & UVMF_FLUSHTYPE_MASK) == UVMF_INVLPG )
            flush_one_local(va);
        else
            flush_tlb_local();
        return 0;
    }
    if ( target == UVMF_ALL )
        cpus = domain_cpus(d);
    else
        rc = vcpumask_to_cpus(d, target, &cpus);
    if ( !rc )
        flush_tlb_mask(&cpus);
    return rc;
}

static int update_va_mapping(unsigned long va, u64 val, unsigned long flags,
                             struct domain *pg_owner)
{
    struct vcpu *v = current;
    struct domain *d = v->domain;
    struct page_info *pg;
    unsigned int slot;
    mfn_t l1mfn;
    int rc;

    if ( !pv_controls(d, pg_owner) )
        return -EPERM;
    rc = pv_find_l1e(v, va, &l1mfn, &slot);
    if ( rc )
        return rc;
    pg = mfn_to_page(l1mfn);
    if ( !get_page(pg, d) )
        return -EINVAL;
    if ( !get_validated_table(pg, PGT_l1_page_table) )
    {
        put_page(pg);
        return -EINVAL;
    }
    rc = pt_update_entry(pg, 1, slot, val, NULL, false, d, pg_owner);
    put_page_and_type(pg);
    return rc ? rc : uvm_flush(d, va, flags);
}

long do_update_va_mapping(unsigned long va, unsigned long val, unsigned long flags)
{
    pv_mm_init();
    return update_va_mapping(va, val, flags, current->domain);
}

long do_update_va_mapping_otherdomain(unsigned long va, unsigned long val, unsigned long flags,
                                      unsigned long domid)
{
    struct domain *pg_owner;
    long rc;

    pv_mm_init();
    pg_owner = get_pg_owner(domid);
    if ( !pg_owner )
        return -ESRCH;
    rc = update_va_mapping(va, val, flags, pg_owner);
    put_pg_owner(pg_owner);
    return rc;
}

/* ---- mmuext_op ---- */

static int set_guest_table(struct vcpu *v, mfn_t mfn, bool user, bool preemptible)
{
    unsigned long *slot = user ? &v->pv.guest_table_user : &v->pv.guest_table;
    unsigned long old = *slot;
    int rc;

    if ( !user && mfn == old )
    {
        if ( v == current && v->pv.in_kernel )
            flush_tlb_local();
        return 0;
    }
    if ( mfn || !user )
    {
        if ( !mfn_valid(mfn) )
            return -EINVAL;
        rc = preemptible
                 ? get_page_and_type_preemptible(mfn_to_page(mfn), v->domain, PGT_l4_page_table)
                 : get_page_and_type_err(mfn_to_page(mfn), v->domain, PGT_l4_page_table);
        if ( rc )
            return rc;
    }
    *slot = mfn;
    if ( v == current && v->pv.in_kernel != user )
        pv_load_page_tables(v);
    if ( old )
        put_page_and_type(mfn_to_page(old));
    return 0;
}

int pv_set_guest_table(struct vcpu *v, mfn_t mfn, bool user)
{
    return set_guest_table(v, mfn, user, false);
}

static int pin_table(struct domain *pg_owner, mfn_t mfn, unsigned long type, bool preemptible)
{
    struct page_info *pg;
    int rc;

    if ( !mfn_valid(mfn) )
        return -EINVAL;
    pg = mfn_to_page(mfn);
    rc = preemptible ? get_page_and_type_preemptible(pg, pg_owner, type)
                     : get_page_and_type_err(pg, pg_owner, type);
    if ( rc )
        return rc;
    if ( __atomic_fetch_or(&pg->u.type_info, PGT_pinned, __ATOMIC_SEQ_CST) & PGT_pinned )
    {
        put_page_and_type(pg);
        return -EINVAL; /* already pinned */
    }
    return 0; /* the pin keeps both references */
}

static int unpin_table(struct domain *pg_owner, mfn_t mfn)
{
    struct page_info *pg;

    if ( !mfn_valid(mfn) || !get_page(mfn_to_page(mfn), pg_owner) )
        return -EINVAL;
    pg = mfn_to_page(mfn);
    if ( !(__atomic_fetch_and(&pg->u.type_info, ~PGT_pinned, __ATOMIC_SEQ_CST) & PGT_pinned) )
    {
        put_page(pg);
        return -EINVAL; /* not pinned */
    }
    put_page_and_type(pg); /* the pin's */
    put_page(pg);          /* ours */
    return 0;
}

/* CLEAR_PAGE (src 0) and COPY_PAGE: dst must be a writable frame of pg_owner. */
static int fill_page(struct domain *pg_owner, mfn_t dst, mfn_t src, bool copy)
{
    struct page_info *dpg, *spg = NULL;
    int rc = -EINVAL;

    if ( copy && (!mfn_valid(src) || !get_page(spg = mfn_to_page(src), pg_owner)) )
        return -EINVAL;
    if ( mfn_valid(dst) && get_page_and_type(dpg = mfn_to_page(dst), pg_owner, PGT_writable_page) )
    {
        if ( copy )
            memcpy(pv_map_table(dst), pv_map_table(src), PAGE_SIZE);
        else
            memset(pv_map_table(dst), 0, PAGE_SIZE);
        put_page_and_type(dpg);
        rc = 0;
    }
    if ( spg )
        put_page(spg);
    return rc;
}

static void wbinvd_here(void *unused)
{
    __asm__ volatile("wbinvd" ::: "memory");
}

/* Checked, recorded and loaded by the segment code (pv/descriptor.c). */
static int set_ldt(struct vcpu *v, unsigned long base, unsigned int ents)
{
    return pv_set_ldt(v, base, ents);
}

static int mmuext_flush(const struct mmuext_op *op, struct domain *d)
{
    cpumask_t cpus;
    bool invlpg_op = op->cmd == MMUEXT_INVLPG_MULTI || op->cmd == MMUEXT_INVLPG_ALL;

    if ( invlpg_op && !guest_range_ok(op->arg1.linear_addr, 1) )
        return 0; /* nothing of the guest's there to flush */
    if ( op->cmd == MMUEXT_TLB_FLUSH_MULTI || op->cmd == MMUEXT_INVLPG_MULTI )
    {
        if ( vcpumask_to_cpus(d, guest_handle_va(op->arg2.vcpumask), &cpus) )
            return -EINVAL;
    }
    else
        cpus = domain_cpus(d);
    flush_tlb_mask(&cpus);
    return 0;
}

static bool is_self_command(unsigned int cmd)
{
    switch ( cmd )
    {
    case MMUEXT_NEW_BASEPTR:
    case MMUEXT_NEW_USER_BASEPTR:
    case MMUEXT_TLB_FLUSH_LOCAL:
    case MMUEXT_INVLPG_LOCAL:
    case MMUEXT_TLB_FLUSH_MULTI:
    case MMUEXT_INVLPG_MULTI:
    case MMUEXT_TLB_FLUSH_ALL:
    case MMUEXT_INVLPG_ALL:
    case MMUEXT_FLUSH_CACHE:
    case MMUEXT_FLUSH_CACHE_GLOBAL:
    case MMUEXT_SET_LDT: return true;
    default: return false;
    }
}

/* The operations that act on the caller itself: FOREIGNDOM must be the caller. */
static int mmuext_self(const struct mmuext_op *op, struct vcpu *v, bool preemptible)
{
    switch ( op->cmd )
    {
    case MMUEXT_NEW_BASEPTR: return set_guest_table(v, op->arg1.mfn, false, preemptible);
    case MMUEXT_NEW_USER_BASEPTR: return set_guest_table(v, op->arg1.mfn, true, preemptible);
    case MMUEXT_TLB_FLUSH_LOCAL: flush_tlb_local(); return 0;
    case MMUEXT_INVLPG_LOCAL: flush_one_local(op->arg1.linear_addr); return 0;
    case MMUEXT_TLB_FLUSH_MULTI:
    case MMUEXT_INVLPG_MULTI:
    case MMUEXT_TLB_FLUSH_ALL:
    case MMUEXT_INVLPG_ALL: return mmuext_flush(op, v->domain);
    case MMUEXT_FLUSH_CACHE:
        if ( !v->domain->is_privileged )
            return -EACCES;
        wbinvd_here(NULL);
        return 0;
    case MMUEXT_FLUSH_CACHE_GLOBAL:
        if ( !v->domain->is_privileged )
            return -EINVAL;
        on_each_cpu(wbinvd_here, NULL, true);
        return 0;
    case MMUEXT_SET_LDT: return set_ldt(v, op->arg1.linear_addr, op->arg2.nr_ents);
    default: return -ENOSYS;
    }
}

static int mmuext_one(const struct mmuext_op *op, struct domain *pg_owner, bool preemptible)
{
    struct vcpu *v = current;

    switch ( op->cmd )
    {
    case MMUEXT_PIN_L1_TABLE:
    case MMUEXT_PIN_L2_TABLE:
    case MMUEXT_PIN_L3_TABLE:
    case MMUEXT_PIN_L4_TABLE:
        return pin_table(pg_owner, op->arg1.mfn, (unsigned long)(op->cmd + 1) << PGT_type_shift,
                         preemptible);
    case MMUEXT_UNPIN_TABLE: return unpin_table(pg_owner, op->arg1.mfn);
    case MMUEXT_CLEAR_PAGE: return fill_page(pg_owner, op->arg1.mfn, 0, false);
    case MMUEXT_COPY_PAGE: return fill_page(pg_owner, op->arg1.mfn, op->arg2.src_mfn, true);
    case MMUEXT_MARK_SUPER:
    case MMUEXT_UNMARK_SUPER: return -EOPNOTSUPP; /* superpages are not offered */
    default:
        if ( !is_self_command(op->cmd) )
            return -ENOSYS;
        return pg_owner == v->domain ? mmuext_self(op, v, preemptible) : -EPERM;
    }
}

long do_mmuext_op(unsigned long uops, unsigned long count, unsigned long pdone,
                  unsigned long foreigndom)
{
    struct domain *curr = current->domain, *pg_owner;
    unsigned int i, done = 0, n = (unsigned int)count & ~MMU_UPDATE_PREEMPTED;
    struct mmuext_op op;
    bool continuable = can_continue(__HYPERVISOR_mmuext_op);
    long rc = 0;

    pv_mm_init();
    if ( (count & MMU_UPDATE_PREEMPTED) && pdone )
        (void)copy_from_guest_va(&done, pdone, sizeof(done));
    pg_owner = get_pg_owner(foreigndom);
    if ( !pg_owner )
        return -ESRCH;
    if ( !pv_controls(curr, pg_owner) )
        rc = -EPERM;
    for ( i = 0; !rc && i < n; i++ )
    {
        if ( i && continuable && pv_preempt_check() )
        {
            rc = -ERESTART;
            break;
        }
        if ( copy_from_guest_va(&op, uops + i * sizeof(op), sizeof(op)) )
            rc = -EFAULT;
        else
            rc = mmuext_one(&op, pg_owner, continuable);
        if ( rc )
            break;
    }
    put_pg_owner(pg_owner);
    done += i;
    if ( pdone && copy_to_guest_va(pdone, &done, sizeof(done)) && !rc )
        rc = -EFAULT;
    if ( rc == -ERESTART )
        return hypercall_continue(__HYPERVISOR_mmuext_op, uops + i * sizeof(op),
                                  (n - i) | MMU_UPDATE_PREEMPTED, pdone, foreigndom);
    return rc;
}
