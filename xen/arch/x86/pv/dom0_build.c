/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The dom0 builder: from the first multiboot module (an ELF64 PV kernel, or
 * a bzImage whose payload is XZ- or gzip-compressed) to a vCPU ready to run.
 *
 * The guest's pseudo-physical layout follows Xen's, because Linux relies on
 * it (see shared/linux-pv-boot.md §1). From VIRT_BASE (PFN 0), all mapped
 * with 4 KiB pages, RW and _PAGE_USER:
 *
 *     [VIRT_BASE, kernel end)   kernel image and bss
 *     initrd                    only when MOD_START_PFN is not asked for
 *     P2M list                  unless INIT_P2M gives it its own address
 *     start_info                one page
 *     page tables               nr_pt_frames, mapped read-only
 *     boot stack                one page
 *     padding                   up to a 4 MiB boundary, at least 512 KiB
 *
 * Then the rest of dom0's memory, unmapped; with INIT_P2M the P2M list and
 * its own page tables come first there (first_p2m_pfn, nr_p2m_frames); with
 * MOD_START_PFN the initrd module's own frames are given to dom0 as its last
 * PFNs, without a copy, and mod_start is their first PFN.
 *
 * Reference counts are set exactly as the PV MMU would have set them had
 * the guest built these tables itself (rules in asm/pv_build.h), so the
 * guest can later unpin, replace and free them like any other.
 */
#include <xen/decompress.h>
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/libelf.h>
#include <xen/mm.h>
#include <xen/param.h>
#include <xen/sched.h>
#include <asm/mm.h>
#include <asm/page.h>
#include <asm/platform.h>
#include <asm/processor.h>
#include <asm/pv.h>
#include <asm/pv_build.h>
#include <asm/pv_mm.h>
#include <public/elfnote.h>
#include <public/features.h>

#define MB(x)         ((unsigned long)(x) << 20)
#define L1_COVER      (1UL << L2_PAGE_SHIFT) /* what one L1 table maps */
#define GUEST_PTE     (_PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED)
#define GUEST_PT_LINK (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)

/* The laid-out guest: virtual addresses of each region, and its frames. */
struct dom0_layout
{
    unsigned long v_start, v_end;
    unsigned long vkern_start, vkern_end;
    unsigned long vinitrd_start, vinitrd_end;
    unsigned long vphysmap_start, vphysmap_end;
    unsigned long vstartinfo_start;
    unsigned long vpt_start, vpt_end;
    unsigned long vstack_end;
    unsigned long nr_pt_frames;
    unsigned long p2m_va;        /* where the guest finds the P2M list */
    unsigned long first_p2m_pfn; /* INIT_P2M: its frames (list and tables) */
    unsigned long nr_p2m_frames;
    unsigned long nr_pages;      /* total, initrd frames included */
    unsigned long initrd_pfn;    /* MOD_START_PFN: first PFN of the initrd */
    unsigned long *p2m;          /* hypervisor copy: PFN -> MFN */
    unsigned long next_free_pfn; /* allocator for page-table frames */
};

/* ---- options ---------------------------------------------------------- */

static unsigned long dom0_mem_target, dom0_mem_min, dom0_mem_max = ~0UL;
static unsigned int opt_dom0_max_vcpus; /* 0: one per physical CPU, as on Xen */
integer_param("dom0_max_vcpus", opt_dom0_max_vcpus);

unsigned int dom0_max_vcpus(void)
{
    unsigned int n = opt_dom0_max_vcpus ? opt_dom0_max_vcpus : num_online_cpus;

    return min(n, (unsigned int)MAX_VIRT_CPUS_PV);
}

/* "dom0_mem=[min:<size>,][max:<size>,][<size>]", as on Xen. */
static int parse_dom0_mem(const char *s)
{
    while ( *s )
    {
        const char *end;
        unsigned long *which = &dom0_mem_target;

        if ( !strncmp(s, "min:", 4) )
            which = &dom0_mem_min, s += 4;
        else if ( !strncmp(s, "max:", 4) )
            which = &dom0_mem_max, s += 4;
        *which = parse_size_and_unit(s, &end);
        if ( end == s || (*end && *end != ',') )
            return -EINVAL;
        s = *end ? end + 1 : end;
    }
    return 0;
}
custom_param("dom0_mem", parse_dom0_mem);

/* Pages dom0 gets: the option, else all free memory but a reserve for us. */
static unsigned long dom0_pages(void)
{
    unsigned long avail = heap_free_pages(HEAP_DOM);
    unsigned long reserve = max(avail / 16, MB(64) >> PAGE_SHIFT);
    unsigned long want = dom0_mem_target ? dom0_mem_target >> PAGE_SHIFT
                                         : (avail > reserve ? avail - reserve : avail / 2);

    want = max(want, dom0_mem_min >> PAGE_SHIFT);
    want = min(want, dom0_mem_max >> PAGE_SHIFT);
    return min(want, avail);
}

/* ---- the kernel image ---------------------------------------------------- */

/*
 * Find the ELF inside the module: as is, or decompressed from a bzImage
 * payload or a compressed file into freshly allocated memory (*scratch,
 * order *scratch_order, for the caller to free).
 */
static int kernel_elf(const void *mod, size_t len, const void **elf, size_t *elf_len,
                      struct page_info **scratch, unsigned int *scratch_order)
{
    const void *payload = mod;
    size_t plen = bzimage_payload(mod, len, &payload);
    size_t out_size;
    int rc;

    if ( !plen )
        plen = len, payload = mod;
    if ( !decompress_is_compressed(payload, plen) )
    {
        *elf = payload;
        *elf_len = plen;
        return 0;
    }
    rc = decompressed_size(payload, plen, &out_size);
    if ( rc )
        return rc;
    *scratch_order = 0;
    while ( (PAGE_SIZE << *scratch_order) < out_size )
        (*scratch_order)++;
    *scratch = alloc_domheap_pages(NULL, *scratch_order, MEMF_no_scrub);
    if ( !*scratch )
        return -ENOMEM;
    rc = decompress(payload, plen, page_to_virt(*scratch), PAGE_SIZE << *scratch_order, elf_len);
    *elf = page_to_virt(*scratch);
    printk("dom0: kernel decompressed: %zu -> %zu bytes\n", plen, *elf_len);
    return rc;
}

/* ---- layout -------------------------------------------------------------- */

/* Page-table frames needed to map [start, end) with 4 KiB pages. */
static unsigned long pt_frames_for(unsigned long start, unsigned long end)
{
    unsigned long l1 = (ROUNDUP(end, L1_COVER) - ROUNDDOWN(start, L1_COVER)) / L1_COVER;
    unsigned long l2 =
        (ROUNDUP(end, 1UL << L3_PAGE_SHIFT) - ROUNDDOWN(start, 1UL << L3_PAGE_SHIFT)) >>
        L3_PAGE_SHIFT;
    unsigned long l3 =
        (ROUNDUP(end, 1UL << L4_PAGE_SHIFT) - ROUNDDOWN(start, 1UL << L4_PAGE_SHIFT)) >>
        L4_PAGE_SHIFT;

    return l1 + l2 + l3;
}

static int compute_layout(struct dom0_layout *l, const struct elf_dom_parms *p,
                          unsigned long initrd_len, unsigned long nr_ram_pages)
{
    l->v_start = p->virt_base;
    l->vkern_start = p->virt_kstart;
    l->vkern_end = ROUNDUP(p->virt_kend, PAGE_SIZE);
    l->vinitrd_start = l->vkern_end;
    l->vinitrd_end = l->vinitrd_start + (p->mod_start_pfn ? 0 : ROUNDUP(initrd_len, PAGE_SIZE));
    l->nr_pages = nr_ram_pages + (p->mod_start_pfn ? PFN_UP(initrd_len) : 0);
    l->vphysmap_start = l->vinitrd_end;
    l->vphysmap_end = l->vphysmap_start;
    if ( p->init_p2m == ELF_NOTE_UNSET )
        l->vphysmap_end += ROUNDUP(l->nr_pages * sizeof(unsigned long), PAGE_SIZE);
    l->vstartinfo_start = l->vphysmap_end;
    l->vpt_start = l->vstartinfo_start + PAGE_SIZE;

    for ( l->nr_pt_frames = 1;; l->nr_pt_frames++ )
    {
        l->vpt_end = l->vpt_start + l->nr_pt_frames * PAGE_SIZE;
        l->vstack_end = l->vpt_end + PAGE_SIZE;
        l->v_end = ROUNDUP(l->vstack_end, MB(4));
        if ( l->v_end - l->vstack_end < 512 * 1024 )
            l->v_end += MB(4);
        /* +1: the L4 itself. */
        if ( pt_frames_for(l->v_start, l->v_end) + 1 <= l->nr_pt_frames )
            break;
    }
    if ( ((l->v_end - l->v_start) >> PAGE_SHIFT) > nr_ram_pages )
    {
        printk(XENLOG_ERR "dom0: %lu MiB is too little memory for its initial mapping (%lu MiB)\n",
               nr_ram_pages >> 8, (l->v_end - l->v_start) >> 20);
        return -ENOMEM;
    }
    l->p2m_va = p->init_p2m == ELF_NOTE_UNSET ? l->vphysmap_start : p->init_p2m;
    l->next_free_pfn = (l->v_end - l->v_start) >> PAGE_SHIFT;
    return 0;
}

/* ---- memory -------------------------------------------------------------- */

static void *pfn_va(const struct dom0_layout *l, unsigned long pfn)
{
    return mfn_to_virt(l->p2m[pfn]);
}

/* Guest VA in the initial mapping -> where the hypervisor can write it. */
static void *guest_va_ptr(const struct dom0_layout *l, unsigned long va)
{
    unsigned long pfn = (va - l->v_start) >> PAGE_SHIFT;

    if ( va < l->v_start || pfn >= l->nr_pages )
        return NULL;
    return (u8 *)pfn_va(l, pfn) + (va & (PAGE_SIZE - 1));
}

static void *elf_dest(unsigned long va, void *ctx)
{
    return guest_va_ptr(ctx, va);
}

/* Allocate dom0's RAM, largest blocks first, PFN 0 upwards. */
static int allocate_memory(struct domain *d, struct dom0_layout *l, unsigned long nr_ram)
{
    unsigned long pfn = 0;
    unsigned int order = 18;

    while ( pfn < nr_ram )
    {
        struct page_info *pg;

        while ( (1UL << order) > nr_ram - pfn )
            order--;
        pg = alloc_domheap_pages(d, order, 0);
        if ( !pg )
        {
            if ( order == 0 )
                return -ENOMEM;
            order--;
            continue;
        }
        domain_assign_pages(d, pg, 1UL << order);
        for ( unsigned long i = 0; i < (1UL << order); i++ )
            l->p2m[pfn++] = page_to_mfn(pg) + i;
    }
    return 0;
}

/* MOD_START_PFN: the initrd's own frames become dom0's last PFNs. */
static void give_initrd_frames(struct domain *d, struct dom0_layout *l,
                               const struct boot_module *initrd, unsigned long nr_ram)
{
    unsigned long first = paddr_to_pfn(initrd->start);
    unsigned long n = l->nr_pages - nr_ram;

    l->initrd_pfn = nr_ram;
    for ( unsigned long i = 0; i < n; i++ )
    {
        struct page_info *pg = mfn_to_page(first + i);

        pg->v.owner = d;
        pg->count_info = PGC_allocated | 1;
        pg->u.type_info = 0;
        domain_assign_pages(d, pg, 1);
        l->p2m[nr_ram + i] = first + i;
    }
}

/* ---- page tables --------------------------------------------------------- */

struct pt_builder
{
    struct dom0_layout *l;
    pte_t *l4;
    unsigned long next_pfn, last_pfn; /* frames to use for new tables */
};

static pte_t *next_table(struct pt_builder *b, pte_t *entry)
{
    unsigned long mfn;

    if ( *entry & _PAGE_PRESENT )
        return mfn_to_virt((*entry & PADDR_MASK) >> PAGE_SHIFT);
    BUG_ON(b->next_pfn >= b->last_pfn);
    mfn = b->l->p2m[b->next_pfn++];
    memset(mfn_to_virt(mfn), 0, PAGE_SIZE);
    *entry = pfn_to_paddr(mfn) | GUEST_PT_LINK;
    return mfn_to_virt(mfn);
}

static void map_one(struct pt_builder *b, unsigned long va, unsigned long mfn, bool rw)
{
    pte_t *l3 = next_table(b, &b->l4[l4_index(va)]);
    pte_t *l2 = next_table(b, &l3[l3_index(va)]);
    pte_t *l1 = next_table(b, &l2[l2_index(va)]);

    l1[l1_index(va)] = pfn_to_paddr(mfn) | GUEST_PTE | (rw ? _PAGE_RW | _PAGE_DIRTY : 0);
}

static void take_type(struct page_info *pg, unsigned long type)
{
    if ( !(pg->u.type_info & PGT_count_mask) )
        pg->u.type_info = type | PGT_validated;
    BUG_ON(!PGT_type_equal(pg->u.type_info, type));
    pg->u.type_info++;
}

/* Account every reference the finished tables hold, per asm/pv_build.h. */
static void account_table(unsigned long mfn, unsigned int level)
{
    pte_t *t = mfn_to_virt(mfn);

    for ( unsigned int i = 0; i < L1_ENTRIES; i++ )
    {
        struct page_info *child;

        if ( !(t[i] & _PAGE_PRESENT) || (level == 4 && i >= 256 && i < 272) )
            continue;
        child = mfn_to_page((t[i] & PADDR_MASK) >> PAGE_SHIFT);
        child->count_info++;
        if ( level > 1 )
        {
            take_type(child, pt_type_below(level));
            account_table(page_to_mfn(child), level - 1);
        }
        else if ( t[i] & _PAGE_RW )
            take_type(child, PGT_writable_page);
    }
}

static unsigned long build_page_tables(struct dom0_layout *l, const struct elf_dom_parms *p)
{
    unsigned long pt_pfn = (l->vpt_start - l->v_start) >> PAGE_SHIFT;
    struct pt_builder b = {l, pfn_va(l, pt_pfn), pt_pfn + 1, pt_pfn + l->nr_pt_frames};
    unsigned long l4_mfn = l->p2m[pt_pfn];

    memset(b.l4, 0, PAGE_SIZE);
    init_xen_l4_slots(b.l4);
    for ( unsigned long va = l->v_start; va < l->v_end; va += PAGE_SIZE )
    {
        bool is_pt = va >= l->vpt_start && va < l->vpt_end;
        map_one(&b, va, l->p2m[(va - l->v_start) >> PAGE_SHIFT], !is_pt);
    }

    if ( p->init_p2m != ELF_NOTE_UNSET )
    {
        /* The P2M list and its tables come from the PFNs after the mapping. */
        unsigned long list_pages = PFN_UP(l->nr_pages * sizeof(unsigned long));

        l->first_p2m_pfn = l->next_free_pfn;
        b.next_pfn = l->first_p2m_pfn + list_pages;
        b.last_pfn =
            b.next_pfn + pt_frames_for(p->init_p2m, p->init_p2m + (list_pages << PAGE_SHIFT));
        BUG_ON(b.last_pfn > l->nr_pages);
        for ( unsigned long i = 0; i < list_pages; i++ )
            map_one(&b, p->init_p2m + (i << PAGE_SHIFT), l->p2m[l->first_p2m_pfn + i], true);
        l->nr_p2m_frames = b.next_pfn - l->first_p2m_pfn;
        l->next_free_pfn = b.next_pfn;
    }

    account_table(l4_mfn, 4);
    return l4_mfn;
}

/* ---- contents ------------------------------------------------------------ */

/* 128 stubs of 32 bytes: "push %rcx; push %r11; mov $nr, %eax; syscall; pop %r11; pop %rcx; ret". */
static void fill_hypercall_page(u8 *page)
{
    for ( unsigned int nr = 0; nr < 128; nr++ )
    {
        u8 *s = page + nr * 32;

        memset(s, 0xcc, 32); /* int3 padding */
        s[0] = 0x51;
        s[1] = 0x41;
        s[2] = 0x53;
        if ( nr == __HYPERVISOR_iret )
        {
            /* iret never returns: push %rax too, as its frame wants. */
            s[3] = 0x50;
            s[4] = 0xb8;
            memcpy(s + 5, &nr, 4);
            s[9] = 0x0f;
            s[10] = 0x05;
            continue;
        }
        s[3] = 0xb8;
        memcpy(s + 4, &nr, 4);
        s[8] = 0x0f;
        s[9] = 0x05;
        s[10] = 0x41;
        s[11] = 0x5b;
        s[12] = 0x59;
        s[13] = 0xc3;
    }
}

static void write_p2m_and_m2p(struct dom0_layout *l, const struct elf_dom_parms *p)
{
    unsigned long *m2p = (unsigned long *)RDWR_MPT_VIRT_START;
    unsigned long base_pfn = p->init_p2m != ELF_NOTE_UNSET
                                 ? l->first_p2m_pfn
                                 : (l->vphysmap_start - l->v_start) >> PAGE_SHIFT;

    for ( unsigned long pfn = 0; pfn < l->nr_pages; pfn++ )
    {
        unsigned long *slot = (unsigned long *)pfn_va(l, base_pfn + pfn / 512) + pfn % 512;

        *slot = l->p2m[pfn];
        m2p[l->p2m[pfn]] = pfn;
    }
}

static void write_start_info(struct domain *d, struct dom0_layout *l, const struct elf_dom_parms *p,
                             unsigned long initrd_len, const char *cmdline)
{
    start_info_t *si = guest_va_ptr(l, l->vstartinfo_start);

    memset(si, 0, PAGE_SIZE);
    snprintf(si->magic, sizeof(si->magic), "xen-3.0-x86_64");
    si->nr_pages = l->nr_pages;
    si->shared_info = pfn_to_paddr(virt_to_mfn(d->shared_info));
    si->flags = SIF_PRIVILEGED | SIF_INITDOMAIN;
    si->pt_base = l->vpt_start;
    si->nr_pt_frames = l->nr_pt_frames;
    si->mfn_list = l->p2m_va;
    si->first_p2m_pfn = l->first_p2m_pfn;
    si->nr_p2m_frames = l->nr_p2m_frames;
    if ( initrd_len )
    {
        si->flags |= p->mod_start_pfn ? SIF_MOD_START_PFN : 0;
        si->mod_start = p->mod_start_pfn ? l->initrd_pfn : l->vinitrd_start;
        si->mod_len = initrd_len;
    }
    strlcpy((char *)si->cmd_line, cmdline, sizeof(si->cmd_line));
    /* dom0 console info: none (no VGA); info_off points past the start_info. */
    si->console.dom0.info_off = sizeof(*si);
    si->console.dom0.info_size = 0;
}

static void init_vcpu0(struct vcpu *v, const struct dom0_layout *l, const struct elf_dom_parms *p,
                       unsigned long l4_mfn)
{
    struct cpu_user_regs *r = &v->user_regs;
    struct page_info *l4 = mfn_to_page(l4_mfn);

    memset(r, 0, sizeof(*r));
    r->rip = p->entry;
    r->rsp = l->vstack_end;
    r->rsi = l->vstartinfo_start;
    r->rflags = X86_EFLAGS_IF | 0x2;
    r->cs = FLAT_KERNEL_CS;
    r->ss = FLAT_KERNEL_SS;
    /* The builder's L4 is pinned, and loaded as the kernel page table. */
    take_type(l4, PGT_l4_page_table);
    take_type(l4, PGT_l4_page_table);
    l4->u.type_info |= PGT_pinned; /* after take_type: the first one sets the type */
    l4->count_info += 2;
    v->pv.guest_table = l4_mfn;
    v->pv.in_kernel = true;
    v->is_initialised = true;
    v->is_down = false;
}

static int load_images(struct dom0_layout *l, const struct elf_dom_parms *p, const void *elf,
                       size_t elf_len, const struct boot_module *initrd)
{
    int rc = elf_load_dom(elf, elf_len, p, elf_dest, l);

    if ( rc )
        return rc;
    if ( p->hypercall_page != ELF_NOTE_UNSET )
    {
        u8 *hp = guest_va_ptr(l, p->hypercall_page);

        if ( !hp || (p->hypercall_page & (PAGE_SIZE - 1)) || p->hypercall_page < l->vkern_start ||
             p->hypercall_page >= l->vkern_end )
            return -EINVAL;
        fill_hypercall_page(hp);
    }
    if ( initrd && !p->mod_start_pfn )
        for ( unsigned long off = 0; off < initrd->end - initrd->start; off += PAGE_SIZE )
        {
            size_t n = min(PAGE_SIZE, initrd->end - initrd->start - off);
            memcpy(guest_va_ptr(l, l->vinitrd_start + off), __va(initrd->start + off), n);
        }
    return 0;
}

/* ---- putting it together ----------------------------------------------------- */

static int check_kernel(const struct elf_dom_parms *p)
{
    if ( !(p->supported_features & (1u << XENFEAT_dom0)) &&
         !(p->required_features & (1u << XENFEAT_dom0)) )
    {
        printk(XENLOG_ERR "dom0: the kernel does not support running as dom0\n");
        return -EINVAL;
    }
    if ( p->required_features & ~((1u << XENFEAT_dom0) | (1u << XENFEAT_writable_page_tables) |
                                  (1u << XENFEAT_pae_pgdir_above_4gb)) )
    {
        printk(XENLOG_ERR "dom0: the kernel requires features %#x we do not offer\n",
               p->required_features);
        return -EINVAL;
    }
    return 0;
}

static void print_layout(const struct dom0_layout *l, const struct elf_dom_parms *p)
{
    printk("dom0: guest OS \"%s\", loader \"%s\", %lu pages (%lu MiB)\n", p->guest_os, p->loader,
           l->nr_pages, l->nr_pages >> 8);
    printk(" Loaded kernel: %016lx->%016lx\n", l->vkern_start, l->vkern_end);
    printk(" Phys-Mach map: %016lx\n", l->p2m_va);
    printk(" Start info:    %016lx->%016lx\n", l->vstartinfo_start,
           l->vstartinfo_start + PAGE_SIZE);
    printk(" Page tables:   %016lx->%016lx\n", l->vpt_start, l->vpt_end);
    printk(" Boot stack:    %016lx->%016lx\n", l->vstack_end - PAGE_SIZE, l->vstack_end);
    printk(" TOTAL:         %016lx->%016lx\n", l->v_start, l->v_end);
    printk(" ENTRY ADDRESS: %016lx\n", p->entry);
}

static int build(struct domain *d, struct dom0_layout *l, const struct elf_dom_parms *p,
                 const void *elf, size_t elf_len, const struct boot_module *initrd,
                 const char *cmdline)
{
    unsigned long initrd_len = initrd ? initrd->end - initrd->start : 0;
    unsigned long nr_ram = dom0_pages(), l4_mfn;
    int rc;

    /* An initrd given by PFN becomes dom0 memory: it counts against dom0_mem. */
    if ( initrd_len && p->mod_start_pfn )
        nr_ram -= min(nr_ram / 2, PFN_UP(initrd_len));
    rc = compute_layout(l, p, initrd_len, nr_ram);

    if ( rc )
        return rc;
    l->p2m = xmalloc_bytes(l->nr_pages * sizeof(unsigned long));
    if ( !l->p2m )
        return -ENOMEM;
    d->max_pages = l->nr_pages;
    rc = allocate_memory(d, l, nr_ram);
    if ( rc )
        return rc;
    if ( initrd_len && p->mod_start_pfn )
        give_initrd_frames(d, l, initrd, nr_ram);
    print_layout(l, p);
    rc = load_images(l, p, elf, elf_len, initrd);
    if ( rc )
        return rc;
    l4_mfn = build_page_tables(l, p);
    write_p2m_and_m2p(l, p);
    write_start_info(d, l, p, initrd_len, cmdline);
    init_vcpu0(d->vcpu[0], l, p, l4_mfn);
    return 0;
}

int construct_dom0(struct domain *d, const struct boot_module *kernel,
                   const struct boot_module *initrd, const char *cmdline)
{
    struct dom0_layout l = {0};
    struct elf_dom_parms p;
    struct page_info *scratch = NULL;
    unsigned int scratch_order = 0;
    const void *elf;
    size_t elf_len;
    int rc;

    rc = kernel_elf(__va(kernel->start), kernel->end - kernel->start, &elf, &elf_len, &scratch,
                    &scratch_order);
    if ( rc )
    {
        printk(XENLOG_ERR "dom0: cannot unpack the kernel image (%d)\n", rc);
        goto out;
    }
    rc = elf_parse_dom(elf, elf_len, &p);
    if ( rc )
    {
        printk(XENLOG_ERR "dom0: not a 64-bit Xen PV kernel (%d)\n", rc);
        goto out;
    }
    rc = check_kernel(&p);
    if ( !rc )
        rc = build(d, &l, &p, elf, elf_len, initrd, cmdline);
out:
    if ( scratch )
        free_domheap_pages(scratch, scratch_order);
    xfree(l.p2m);
    return rc;
}
