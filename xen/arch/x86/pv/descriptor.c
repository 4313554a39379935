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
 * gates are refused.
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

#define GDT_WINDOW(cpu) (PERDOMAIN_VIRT_START + (unsigned long)(cpu)*0x10000)
#define GUEST_GDT_PAGES FIRST_RESERVED_GDT_PAGE
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

/* The descriptor a guest GDT selector names; false if there is none. */
static bool guest_gdt_descriptor(const struct vcpu *v, unsigned int sel, u64 *d)
{
    unsigned int idx = sel >> 3;

    if ( (sel & 4) || idx >= v->pv.gdt_ents || !v->pv.gdt_frames[idx / 512] )
        return false; /* LDT selectors are not supported yet */
    *d = ((const u64 *)mfn_to_virt(v->pv.gdt_frames[idx / 512]))[idx % 512];
    return true;
}

/*
 * Selectors an iretq to ring 3 may load: the flat ones of the Xen ABI, or
 * present DPL-3 segments of the guest's GDT of the right kind (code for CS,
 * writable data for SS). Anything else would make the iretq fault in the
 * hypervisor. (The return path still has a fix-up for a descriptor changed
 * behind our back by another vCPU.)
 */
bool pv_return_selectors_ok(const struct vcpu *v, unsigned long cs, unsigned long ss)
{
    u64 d;

    if ( (cs & 3) != 3 || (ss & 3) != 3 || (cs >> 16) || (ss >> 16) )
        return false;
    if ( cs != FLAT_RING3_CS64 && cs != FLAT_RING3_CS32 &&
         (!guest_gdt_descriptor(v, cs, &d) || (d & (DESC_P | DESC_S | DESC_CODE | DESC_DPL3)) !=
                                                  (DESC_P | DESC_S | DESC_CODE | DESC_DPL3)) )
        return false;
    if ( ss != FLAT_RING3_SS64 &&
         (!guest_gdt_descriptor(v, ss, &d) || (d & DESC_CODE) || !(d & DESC_WRITABLE) ||
          (d & (DESC_P | DESC_S | DESC_DPL3)) != (DESC_P | DESC_S | DESC_DPL3)) )
        return false;
    return true;
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

    for ( unsigned int i = 0; i < GUEST_GDT_PAGES; i++ )
    {
        unsigned long want = v ? v->pv.gdt_frames[i] : 0;
        unsigned long va = GDT_WINDOW(cpu) + i * PAGE_SIZE;

        if ( mapped[i] == want )
            continue;
        map_pages_to_xen(va, want ? want : zero_page_mfn, 1, PAGE_HYPERVISOR_RO);
        invlpg(va);
        mapped[i] = want;
    }
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

/* Write one descriptor at machine address maddr, after checking it. */
long do_update_descriptor(unsigned long maddr, unsigned long desc)
{
    struct domain *d = current->domain;
    mfn_t mfn = paddr_to_pfn(maddr);
    struct page_info *pg;
    u64 checked = desc;
    bool as_gdt;

    if ( (maddr & 7) || !mfn_valid(mfn) || !check_descriptor(&checked) )
        return -EINVAL;
    pg = mfn_to_page(mfn);
    if ( !get_page(pg, d) )
        return -EINVAL;
    /* A frame in use as a GDT keeps its type; any other must be writable. */
    as_gdt = get_page_type(pg, PGT_seg_desc_page);
    if ( !as_gdt && !get_page_type(pg, PGT_writable_page) )
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
