/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Segments of PV guests: the guest's GDT, descriptor updates, segment bases.
 *
 * The GDT a CPU uses is a 64 KiB window (GDT_WINDOW(cpu), in the per-domain
 * area every L4 shares): pages 0-13 show the running vCPU's GDT frames
 * read-only (a zero page where it has none), page 14 is this CPU's own page
 * of hypervisor descriptors (selectors 0xe000 and up, as in the Xen ABI).
 * Switching vCPUs remaps pages 0-13; the hypervisor's selectors never move.
 *
 * A frame becomes part of a GDT only with a PGT_seg_desc_page type
 * reference, so the guest cannot write it except through update_descriptor;
 * every descriptor in it is checked first (check_descriptor), with Xen's
 * rules: code and data segments get DPL 3 (so even a conforming one cannot
 * reach below ring 3) and, unlike on Xen, the accessed bit (the CPU must
 * never need to write a read-only GDT); a call gate to a guest code selector
 * is kept with DPL 0, so using it faults; not-present descriptors and type 0
 * (a 16-byte gate's upper half) are harmless; TSS, LDT, interrupt and trap
 * gates are refused. These are Xen 4.17's accept/refuse rules exactly; only
 * the forced accessed bit differs. Using a call gate is not emulated (Xen
 * emulates the far call): the guest receives the #GP.
 *
 * The LDT (MMUEXT_SET_LDT: a guest linear address and up to 8192 entries)
 * is shown the same way through a second per-CPU window, LDT_WINDOW(cpu),
 * which LDTR (the LDT descriptor at LDT_SELECTOR in page 14) points at. As
 * on Xen its pages are mapped lazily: SET_LDT only records the range, and
 * the first time the CPU touches a page of the window (loading an LDT
 * selector) the #PF comes to pv_ldt_page_fault(), which looks the guest page
 * up in the vCPU's kernel page tables, takes a PGT_seg_desc_page type
 * reference on it (refused while it is mapped writable anywhere), checks
 * every descriptor in it, records it in v->pv.ldt_frames[] and maps it. If
 * that fails the guest gets what Xen gives it: the #PF at the LDT's own
 * address, or #GP(selector) if that address is not canonical. The type
 * references are kept until the LDT changes (SET_LDT) or the vCPU is torn
 * down; a context switch maps the incoming vCPU's recorded frames and leaves
 * the others not present, so they fault in again. Where the hypervisor
 * itself loads LDT selectors with interrupts off (the context switch, the
 * iretq to the guest) the pages are typed beforehand, while interrupts are
 * on (pv_prepare_ldt, pv_return_selectors_ok): typing a page that was
 * writable needs a TLB shootdown.
 *
 * v->pv.ldt_base, ldt_ents and ldt_frames[] change only on v's own CPU while
 * v runs (SET_LDT, the #PF) or while v cannot run (teardown): no lock. The
 * per-CPU window records change only on their own CPU.
 */
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/sched.h>
#include <asm/guest_access.h>
#include <asm/mm.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/pv.h>
#include <asm/pv_mm.h>
#include <asm/traps.h>

#define GDT_WINDOW(cpu) (PERDOMAIN_VIRT_START + (unsigned long)(cpu)*0x10000)
#define GUEST_GDT_PAGES FIRST_RESERVED_GDT_PAGE
/* The LDT windows follow the NR_CPUS GDT windows (4 MiB). */
#define LDT_WINDOW(cpu) (PERDOMAIN_VIRT_START + 0x400000UL + (unsigned long)(cpu)*0x10000)
#define LDT_MAX_ENTS    8192
#define LDT_PAGES       (LDT_MAX_ENTS * 8 / PAGE_SIZE)
#define PFEC_PRESENT    0x01         /* #PF error code: the page was present */
#define DESC_S          (1ULL << 44) /* code or data, not system */
#define DESC_DPL3       (3ULL << 45)
#define DESC_P          (1ULL << 47)
#define DESC_ACCESSED   (1ULL << 40)
#define DESC_DPL_MASK   (3ULL << 45)
#define DESC_TYPE_MASK  (0xfULL << 40)
#define DESC_CALL_GATE  (0xcULL << 40) /* with S clear */
#define DESC_GATE_RSVD  (0xffULL << 32)
#define DESC_GATE_SEL   (0xffffULL << 16)
#define DESC_CODE       (1ULL << 43) /* code, else data */
#define DESC_WRITABLE   (1ULL << 41) /* data segments */

/* Per CPU: which frames pages 0-13 of its window show now (0: the zero page). */
static DEFINE_PER_CPU(unsigned long[GUEST_GDT_PAGES], gdt_mapped);
/* Window pages [0, gdt_shown) may show a guest frame; the rest show the zero page. */
static DEFINE_PER_CPU(unsigned int, gdt_shown);
/* Per CPU: which frames the pages of its LDT window show (0: not present). */
static DEFINE_PER_CPU(unsigned long[LDT_PAGES], ldt_mapped);
/* Window pages [0, ldt_shown) may map a frame; the rest are surely not present. */
static DEFINE_PER_CPU(unsigned int, ldt_shown);
static mfn_t zero_page_mfn;

/* A gate may lead to the guest's own code selectors or its flat kernel CS. */
static bool gate_selector_ok(unsigned int sel)
{
    return (sel >> 3) < FIRST_RESERVED_GDT_ENTRY || sel == FLAT_KERNEL_CS || (sel & 4);
}

/*
 * A call gate keeps DPL 0, so the guest (always in ring 3) gets #GP when it
 * uses one; the target selector's RPL becomes 3, where Xen's gate emulation
 * keeps the guest's DPL. Ours does not emulate gates: the #GP is delivered.
 */
static bool check_call_gate(u64 *d)
{
    unsigned int sel = (*d >> 16) & 0xffff;

    if ( !gate_selector_ok(sel) || (*d & DESC_GATE_RSVD) )
        return false;
    *d &= ~(DESC_DPL_MASK | DESC_GATE_SEL);
    *d |= (u64)(sel | 3) << 16;
    return true;
}

/*
 * Make a guest descriptor safe, or refuse it. Returns false for what a
 * guest may not have in its GDT.
 */
bool check_descriptor(u64 *d)
{
    if ( !(*d & DESC_P) )
        return true; /* loading or using it faults, whatever it holds */
    if ( *d & DESC_S )
    {
        *d |= DESC_DPL3 | DESC_ACCESSED;
        return true;
    }
    if ( !(*d & DESC_TYPE_MASK) )
        return true; /* type 0 is invalid to the CPU */
    if ( (*d & DESC_TYPE_MASK) == DESC_CALL_GATE )
        return check_call_gate(d);
    return false; /* TSS, LDT, interrupt and trap gates are the hypervisor's */
}

static bool map_current_ldt_page(struct vcpu *v, unsigned int idx);

/*
 * The descriptor a guest selector names; false if there is none. An LDT
 * page of the running vCPU is typed and mapped here if it is not yet, as
 * the CPU's iretq would a moment later (but with interrupts off, where a
 * page that needs a TLB shootdown to be typed cannot be).
 */
static bool guest_descriptor(const struct vcpu *v, unsigned int sel, u64 *d)
{
    unsigned int idx = sel >> 3;
    struct vcpu *curr = current;
    unsigned long frame;

    if ( sel & 4 )
    {
        if ( idx >= v->pv.ldt_ents || (!v->pv.ldt_frames[idx / 512] &&
                                       (v != curr || !map_current_ldt_page(curr, idx / 512))) )
            return false;
        frame = v->pv.ldt_frames[idx / 512];
    }
    else
    {
        if ( idx >= v->pv.gdt_ents || !v->pv.gdt_frames[idx / 512] )
            return false;
        frame = v->pv.gdt_frames[idx / 512];
    }
    *d = ((const u64 *)mfn_to_virt(frame))[idx % 512];
    return true;
}

/* The exception loading cs into CS would raise (0: none), in the CPU's order of checks. */
static unsigned int return_cs_fault(const struct vcpu *v, unsigned long cs)
{
    u64 d;

    if ( cs == FLAT_RING3_CS64 || cs == FLAT_RING3_CS32 )
        return 0;
    if ( !(cs & ~3UL) || !guest_descriptor(v, cs, &d) ||
         (d & (DESC_S | DESC_CODE | DESC_DPL3)) != (DESC_S | DESC_CODE | DESC_DPL3) )
        return X86_EXC_GP;
    return (d & DESC_P) ? 0 : X86_EXC_NP;
}

/* The same for ss into SS: a writable DPL-3 data segment. */
static unsigned int return_ss_fault(const struct vcpu *v, unsigned long ss)
{
    u64 d;

    if ( ss == FLAT_RING3_SS64 )
        return 0;
    if ( !(ss & ~3UL) || !guest_descriptor(v, ss, &d) || (d & DESC_CODE) || !(d & DESC_WRITABLE) ||
         (d & (DESC_S | DESC_DPL3)) != (DESC_S | DESC_DPL3) )
        return X86_EXC_GP;
    return (d & DESC_P) ? 0 : X86_EXC_SS;
}

/*
 * The exception an iretq to ring 3 with these (RPL 3, 16-bit) selectors
 * raises, as the CPU checks them: CS before SS; #GP for a null, missing or
 * wrong kind of segment, #NP (CS) or #SS (SS) for a not-present one; the
 * error code is the selector without its RPL (0 for a null one). Xen 4.17
 * lets its iretq fault and passes that exception to the guest; we find it
 * first. False when both load.
 */
bool pv_return_selectors_fault(const struct vcpu *v, unsigned long cs, unsigned long ss,
                               unsigned int *vector, u32 *error_code)
{
    *vector = return_cs_fault(v, cs);
    *error_code = cs & 0xfffc;
    if ( !*vector )
    {
        *vector = return_ss_fault(v, ss);
        *error_code = ss & 0xfffc;
    }
    return *vector != 0;
}

/*
 * Selectors an iretq to ring 3 may load: the flat ones of the Xen ABI, or
 * present DPL-3 segments of the guest's GDT or LDT of the right kind (code for CS,
 * writable data for SS). Anything else would make the iretq fault in the
 * hypervisor. (The return path still has a fix-up for a descriptor changed
 * behind our back by another vCPU.)
 */
bool pv_return_selectors_ok(const struct vcpu *v, unsigned long cs, unsigned long ss)
{
    unsigned int vector;
    u32 error_code;

    if ( (cs & 3) != 3 || (ss & 3) != 3 || (cs >> 16) || (ss >> 16) )
        return false;
    return !pv_return_selectors_fault(v, cs, ss, &vector, &error_code);
}

static bool frame_descriptors_ok(mfn_t mfn)
{
    u64 *desc = mfn_to_virt(mfn);

    for ( unsigned int i = 0; i < PAGE_SIZE / 8; i++ )
    {
        u64 d = desc[i];

        if ( !check_descriptor(&d) )
            return false;
        if ( d != desc[i] )
            desc[i] = d; /* DPL and accessed bits fixed up in place */
    }
    return true;
}

void pv_release_gdt(struct vcpu *v)
{
    for ( unsigned int i = 0; i < ARRAY_SIZE(v->pv.gdt_frames); i++ )
        if ( v->pv.gdt_frames[i] )
        {
            put_page_and_type(mfn_to_page(v->pv.gdt_frames[i]));
            v->pv.gdt_frames[i] = 0;
        }
    v->pv.gdt_ents = 0;
}

/* Show v's GDT through this CPU's window and load GDTR. */
void pv_load_gdt(struct vcpu *v)
{
    unsigned int cpu = smp_processor_id();
    unsigned long *mapped = per_cpu(gdt_mapped, cpu);
    struct __packed
    {
        u16 limit;
        unsigned long base;
    } gdtr = {FIRST_RESERVED_GDT_BYTE + NR_RESERVED_GDT_BYTES - 1, GDT_WINDOW(cpu)};

    unsigned int pages = v ? DIV_ROUND_UP(v->pv.gdt_ents * 8, PAGE_SIZE) : 0;
    unsigned int n = max(pages, per_cpu(gdt_shown, cpu));

    /* Pages past both v's GDT and the last one shown already show the zero page. */
    for ( unsigned int i = 0; i < n && i < GUEST_GDT_PAGES; i++ )
    {
        unsigned long want = i < pages ? v->pv.gdt_frames[i] : 0;
        unsigned long va = GDT_WINDOW(cpu) + i * PAGE_SIZE;

        if ( mapped[i] == want )
            continue;
        map_pages_to_xen(va, want ? want : zero_page_mfn, 1, PAGE_HYPERVISOR_RO);
        invlpg(va);
        mapped[i] = want;
    }
    per_cpu(gdt_shown, cpu) = min(pages, (unsigned int)GUEST_GDT_PAGES);
    __asm__ volatile("lgdt %0" ::"m"(gdtr));
}

/*
 * Set up this CPU's window: the zero page everywhere, its hypervisor
 * descriptors at page 14, then switch GDTR to it. Called on each CPU once
 * memory management is up.
 */
void pv_gdt_cpu_init(const void *hypervisor_gdt_page)
{
    unsigned int cpu = smp_processor_id();
    unsigned long base = GDT_WINDOW(cpu);

    if ( !zero_page_mfn )
    {
        void *zero = alloc_xenheap_pages(0);

        BUG_ON(!zero);
        memset(zero, 0, PAGE_SIZE);
        zero_page_mfn = virt_to_mfn(zero);
    }
    BUG_ON((unsigned long)hypervisor_gdt_page & (PAGE_SIZE - 1));
    for ( unsigned int i = 0; i < GUEST_GDT_PAGES; i++ )
    {
        BUG_ON(map_pages_to_xen(base + i * PAGE_SIZE, zero_page_mfn, 1, PAGE_HYPERVISOR_RO));
        per_cpu(gdt_mapped, cpu)[i] = 0;
    }
    BUG_ON(map_pages_to_xen(base + FIRST_RESERVED_GDT_BYTE, virt_to_mfn(hypervisor_gdt_page), 1,
                            PAGE_HYPERVISOR_RW));
    /*
     * The LDT window's page table, now: show_ldt_page() may run with
     * interrupts off, where allocating it could not be allowed to fail. The
     * window's 64 KiB lie within one L1, so one mapping creates it.
     */
    BUG_ON(map_pages_to_xen(LDT_WINDOW(cpu), zero_page_mfn, 1, PAGE_HYPERVISOR_RO));
    BUG_ON(map_pages_to_xen(LDT_WINDOW(cpu), 0, 1, 0));
    pv_load_gdt(NULL);
}

/* Give v the GDT in frames[] (entries descriptors); v's old GDT is released. */
long pv_set_gdt(struct vcpu *v, const unsigned long *frames, unsigned long entries)
{
    unsigned int nr = DIV_ROUND_UP(entries, 512), i;

    if ( entries > FIRST_RESERVED_GDT_ENTRY )
        return -EINVAL;
    for ( i = 0; i < nr; i++ )
    {
        struct page_info *pg = mfn_valid(frames[i]) ? mfn_to_page(frames[i]) : NULL;

        /* The type reference first: after it the guest cannot change the frame. */
        if ( !pg || !get_page_and_type(pg, v->domain, PGT_seg_desc_page) )
            goto fail;
        if ( !frame_descriptors_ok(frames[i]) )
        {
            put_page_and_type(pg);
            goto fail;
        }
    }
    pv_release_gdt(v);
    for ( i = 0; i < GUEST_GDT_PAGES; i++ )
        v->pv.gdt_frames[i] = i < nr ? frames[i] : 0;
    v->pv.gdt_ents = entries;
    if ( v == current )
        pv_load_gdt(v);
    return 0;

fail:
    while ( i-- )
        put_page_and_type(mfn_to_page(frames[i]));
    return -EINVAL;
}

long do_set_gdt(unsigned long frame_list, unsigned long entries)
{
    unsigned long frames[GUEST_GDT_PAGES] = {0};

    if ( entries > FIRST_RESERVED_GDT_ENTRY )
        return -EINVAL;
    if ( copy_from_guest_va(frames, frame_list, DIV_ROUND_UP(entries, 512) * sizeof(frames[0])) )
        return -EFAULT;
    return pv_set_gdt(current, frames, entries);
}

/* ---- the LDT ----------------------------------------------------------- */

BUILD_BUG_ON(NR_CPUS * 0x10000UL > 0x400000UL);

/* Make page i of this CPU's LDT window show mfn (0: not present). */
static void show_ldt_page(unsigned int i, unsigned long mfn)
{
    unsigned long *mapped = this_cpu(ldt_mapped);
    unsigned long va = LDT_WINDOW(smp_processor_id()) + i * PAGE_SIZE;

    if ( mapped[i] == mfn )
        return;
    /* Read-only: check_descriptor set every accessed bit, the CPU never writes. */
    BUG_ON(map_pages_to_xen(va, mfn, 1, mfn ? PAGE_HYPERVISOR_RO : 0));
    mapped[i] = mfn;
    if ( mfn && i >= this_cpu(ldt_shown) )
        this_cpu(ldt_shown) = i + 1;
}

/*
 * Show v's LDT on this CPU: the frames it has typed so far, the rest not
 * present, and LDTR pointing at the window (or null without an LDT).
 * Called when v starts running here, and by SET_LDT on v itself.
 */
void pv_load_ldt(const struct vcpu *v)
{
    unsigned int ents = v ? v->pv.ldt_ents : 0;
    unsigned long base = LDT_WINDOW(smp_processor_id());
    u64 *gdt = (u64 *)(GDT_WINDOW(smp_processor_id()) + LDT_SELECTOR);
    unsigned int pages = DIV_ROUND_UP(ents * 8, PAGE_SIZE), shown = this_cpu(ldt_shown);

    /*
     * Only the pages v may use and those an earlier LDT left mapped: a
     * switch between vCPUs without an LDT touches none.
     */
    for ( unsigned int i = 0; i < max(pages, shown); i++ )
        show_ldt_page(i, i < pages ? v->pv.ldt_frames[i] : 0);
    this_cpu(ldt_shown) = min(this_cpu(ldt_shown), pages);
    if ( !ents )
    {
        __asm__ volatile("lldt %w0" ::"r"(0));
        return;
    }
    /* A 16-byte system descriptor: type 2 (LDT), present, DPL 0. */
    gdt[0] = ((u64)ents * 8 - 1) | ((base & 0xffffff) << 16) | (0x82ULL << 40) |
             (((base >> 24) & 0xff) << 56);
    gdt[1] = base >> 32;
    __asm__ volatile("lldt %w0" ::"r"(LDT_SELECTOR));
}

/* Drop the type references of v's LDT frames; v's window pages must not show them. */
static void put_ldt_frames(unsigned long *frames)
{
    for ( unsigned int i = 0; i < LDT_PAGES; i++ )
        if ( frames[i] )
        {
            put_page_and_type(mfn_to_page(frames[i]));
            frames[i] = 0;
        }
}

/* Teardown (v not running): no LDT, its frames' references dropped. */
void pv_release_ldt(struct vcpu *v)
{
    v->pv.ldt_base = 0;
    v->pv.ldt_ents = 0;
    put_ldt_frames(v->pv.ldt_frames);
}

/*
 * MMUEXT_SET_LDT with Xen's checks: base page aligned and below the
 * non-canonical hole or above the hypervisor's (only the base: an LDT that
 * runs into non-canonical addresses gives #GP when used), at most 8192
 * entries. The same LDT again changes nothing.
 */
long pv_set_ldt(struct vcpu *v, unsigned long base, unsigned int ents)
{
    unsigned long old[LDT_PAGES];

    if ( !ents )
        base = 0;
    if ( ents > LDT_MAX_ENTS || (base & (PAGE_SIZE - 1)) ||
         (base >= (1UL << 47) && base < HYPERVISOR_VIRT_END_ADDR) )
        return -EINVAL;
    if ( base == v->pv.ldt_base && ents == v->pv.ldt_ents )
        return 0;
    memcpy(old, v->pv.ldt_frames, sizeof(old));
    memset(v->pv.ldt_frames, 0, sizeof(old));
    v->pv.ldt_base = base;
    v->pv.ldt_ents = ents;
    if ( v == current )
        pv_load_ldt(v); /* unmaps the old frames before their references go */
    put_ldt_frames(old);
    return 0;
}

/* The guest frame behind page idx of v's LDT, typed and checked; 0 if unusable. */
static unsigned long get_ldt_frame(const struct vcpu *v, unsigned int idx)
{
    unsigned long linear = v->pv.ldt_base + idx * PAGE_SIZE;
    struct page_info *pg;
    unsigned int slot;
    mfn_t l1mfn, mfn;
    pte_t e;

    if ( !is_canonical(linear) || pv_find_l1e(v, linear, &l1mfn, &slot) )
        return 0;
    e = ACCESS_ONCE(pv_map_table(l1mfn)[slot]);
    mfn = PTE_MFN(e);
    if ( !(e & _PAGE_PRESENT) || !mfn_valid(mfn) )
        return 0;
    pg = mfn_to_page(mfn);
    /* The type reference first: after it the guest cannot change the frame. */
    if ( !get_page_and_type(pg, v->domain, PGT_seg_desc_page) )
        return 0;
    if ( !frame_descriptors_ok(mfn) )
    {
        put_page_and_type(pg);
        return 0;
    }
    return mfn;
}

/* Type page idx of the running vCPU v's LDT and show it; interrupts on. */
static bool map_current_ldt_page(struct vcpu *v, unsigned int idx)
{
    unsigned long mfn = get_ldt_frame(v, idx);

    if ( !mfn )
        return false;
    if ( v->pv.ldt_frames[idx] ) /* recorded already: keep the first reference */
        put_page_and_type(mfn_to_page(mfn));
    else
        v->pv.ldt_frames[idx] = mfn;
    show_ldt_page(idx, v->pv.ldt_frames[idx]);
    return true;
}

/*
 * Before v starts running on this CPU, while interrupts are still on: type
 * the LDT pages its saved selectors name, so that reloading them (with
 * interrupts off) finds them mapped. A page v has not touched since its last
 * SET_LDT would otherwise fault in the hypervisor where the page cannot be
 * typed (that may need a TLB shootdown). A page that cannot be used is left
 * alone: the reload fails and the guest gets its failsafe callback, as on Xen.
 */
void pv_prepare_ldt(struct vcpu *v)
{
    const unsigned int sels[] = {v->user_regs.ds, v->user_regs.es, v->user_regs.fs,
                                 v->user_regs.gs, v->user_regs.cs, v->user_regs.ss};

    for ( unsigned int i = 0; i < ARRAY_SIZE(sels); i++ )
    {
        unsigned int idx = ((sels[i] & ~7u) >> PAGE_SHIFT);

        if ( (sels[i] & 4) && (sels[i] & ~7u) < v->pv.ldt_ents * 8 && !v->pv.ldt_frames[idx] )
            v->pv.ldt_frames[idx] = get_ldt_frame(v, idx);
    }
}

/*
 * A #PF at addr (CR2) in this CPU's LDT window: map the page the CPU wants.
 * Returns false if the fault is not ours to handle: not in the window, or
 * raised by the hypervisor itself (loading a guest selector) when the page
 * is unusable or cannot be typed with interrupts off (taking the type may
 * need a TLB shootdown), where its exception-table fix-up runs instead.
 */
bool pv_ldt_page_fault(struct cpu_user_regs *regs, unsigned long addr)
{
    struct vcpu *v = current;
    unsigned long off = addr - LDT_WINDOW(smp_processor_id());
    unsigned int idx = off >> PAGE_SHIFT;
    bool guest = regs->cs & 3;

    /* Only a missing page: the CPU never writes the read-only pages it has. */
    if ( !v || off >= (unsigned long)v->pv.ldt_ents * 8 || (regs->error_code & PFEC_PRESENT) )
        return false;
    if ( !guest && !(regs->rflags & X86_EFLAGS_IF) )
        return false;
    local_irq_enable(); /* nothing held: the context had them on, or was the guest */
    if ( map_current_ldt_page(v, idx) )
        return true;
    if ( !guest )
        return false;
    if ( !is_canonical(v->pv.ldt_base + off) )
        pv_inject_exception(v, X86_EXC_GP, (off & ~3UL) | 4); /* #GP(selector), TI set */
    else
        pv_inject_page_fault(v, v->pv.ldt_base + off, regs->error_code);
    return true;
}

/* Write one descriptor at machine address maddr, after checking it. */
long do_update_descriptor(unsigned long maddr, unsigned long desc)
{
    struct domain *d = current->domain;
    mfn_t mfn = paddr_to_pfn(maddr);
    struct page_info *pg;
    u64 checked = desc;
    bool as_desc;

    if ( (maddr & 7) || !mfn_valid(mfn) || !check_descriptor(&checked) )
        return -EINVAL;
    pg = mfn_to_page(mfn);
    if ( !get_page(pg, d) )
        return -EINVAL;
    /*
     * As Xen: a frame whose type is a GDT/LDT page stays one (and must be in
     * use as one); any other must be writable.
     */
    as_desc = (ACCESS_ONCE(pg->u.type_info) & PGT_type_mask) == PGT_seg_desc_page;
    if ( !get_page_type(pg, as_desc ? PGT_seg_desc_page : PGT_writable_page) )
    {
        put_page(pg);
        return -EINVAL;
    }
    *(u64 *)((u8 *)mfn_to_virt(mfn) + (maddr & (PAGE_SIZE - 1))) = checked;
    put_page_and_type(pg);
    return 0;
}

/*
 * SEGBASE_GS_USER_SEL: load a selector into the guest user's %gs, which
 * sets the user GS base from its descriptor. The kernel's base stays live.
 * A selector the CPU refuses leaves a null %gs and -EINVAL.
 */
static long load_user_gs_selector(struct vcpu *v, unsigned int sel)
{
    u64 kernel_base = rdmsr(MSR_GS_BASE);
    long rc = -EINVAL;

    __asm__ volatile("1: mov %w[sel], %%gs\n"
                     "    xor %k[rc], %k[rc]\n"
                     "2:\n"
                     "    .pushsection .ex_table, \"a\"\n"
                     "    .balign 8\n"
                     "    .quad 1b, 2b\n"
                     "    .popsection\n"
                     : [rc] "+r"(rc)
                     : [sel] "r"(sel));
    if ( rc )
        __asm__ volatile("mov %w0, %%gs" ::"r"(0));
    v->pv.gs_base_user = rdmsr(MSR_GS_BASE);
    wrmsr(MSR_GS_BASE, kernel_base);
    return rc;
}

long do_set_segment_base(unsigned long which, unsigned long base)
{
    struct vcpu *v = current;

    switch ( which )
    {
    case SEGBASE_FS:
        if ( !is_canonical(base) )
            return -EINVAL;
        wrmsr(MSR_FS_BASE, base);
        v->pv.fs_base = base;
        return 0;
    case SEGBASE_GS_USER:
        if ( !is_canonical(base) )
            return -EINVAL;
        v->pv.gs_base_user = base; /* the inactive one while in kernel mode */
        return 0;
    case SEGBASE_GS_KERNEL:
        if ( !is_canonical(base) )
            return -EINVAL;
        wrmsr(MSR_GS_BASE, base);
        v->pv.gs_base_kernel = base;
        return 0;
    case SEGBASE_GS_USER_SEL: return load_user_gs_selector(v, base & 0xffff);
    default: return -EINVAL;
    }
}
