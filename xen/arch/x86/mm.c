/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Memory bring-up and the hypervisor's page tables.
 *
 * Theory of operation
 * -------------------
 * head.S leaves us on boot tables that map the first 4 GiB 1:1 and the image
 * at XEN_VIRT_START, all writable and executable. memory_init() replaces
 * them with the final layout of xen/config.h, in this order:
 *
 *  1. The e820 map is sanitised and printed; total_pages and max_page follow.
 *  2. The boot allocator gets the RAM above 1 MiB minus the image and the
 *     boot modules.
 *  3. The boot tables' 1:1 L3 is also hung at the direct-map slot, so __va()
 *     works for the first 4 GiB at once. Boot allocations stay below 4 GiB
 *     until the final tables are live.
 *  4. A new idle L4 is built: an L3 for each of the hypervisor's 16 slots
 *     (created now and never freed, so that every guest L4 that copies the
 *     slots sees later mappings too), the direct map of [0, 4 GiB) and of
 *     all RAM above, the image with W^X, then CR3 switches to it. Slot 0
 *     (the 1:1 map) is not in it.
 *  5. NX, SMEP and SMAP are enabled where the CPU has them.
 *  6. The frame table is populated for frames that exist, and the M2P is
 *     allocated and mapped twice: read-write for the hypervisor at
 *     RDWR_MPT_VIRT_START, read-only and guest-readable at RO_MPT_VIRT_START.
 *  7. What the boot allocator has left goes to the heaps, dirty: it is
 *     scrubbed in the background, so boot time does not grow with RAM.
 *
 * Global pages (CR4.PGE) stay off: a PV guest's kernel and user page tables
 * differ, and with global hypervisor mappings every switch between them
 * would need care to flush the guest's own global entries. Until the PV
 * context switch exists, every CR3 write flushes everything.
 *
 * Locking: map_lock serialises changes to the hypervisor's page tables after
 * boot (map_pages_to_xen, ioremap). Lock order: map_lock, then heap_lock
 * (page-table pages come from the xen heap).
 */
#include <xen/console.h>
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/spinlock.h>
#include <asm/e820.h>
#include <asm/mm.h>
#include <asm/processor.h>

#define GB(x)            ((paddr_t)(x) << 30)
#define FT_FRAMES_PER_PG (PAGE_SIZE / sizeof(struct page_info))

struct page_info *frame_table = (struct page_info *)FRAMETABLE_VIRT_START;
unsigned long frametable_base_mfn;
unsigned long max_page;
unsigned long total_pages;
struct e820entry e820_map[E820_MAX];
unsigned int e820_nr;
unsigned long mmu_cr4_features;
pte_t idle_pg_table[512] __aligned(PAGE_SIZE) __section(".bss.page_aligned");

extern pte_t boot_l4[512];
extern char __image_start[], _etext[], _srodata[], _erodata[], _sdata[], _end[];

static DEFINE_SPINLOCK(map_lock);
static unsigned long nx_mask; /* _PAGE_NX when EFER.NXE is on, else 0 (the bit is reserved) */
static bool has_1g_pages;
static bool heap_ready;         /* page tables from the xen heap, not the boot allocator */
static unsigned long *ft_valid; /* one bit per populated frame-table page */
static unsigned long ioremap_next = IOREMAP_VIRT_START; /* map_lock */

paddr_t idle_pg_table_maddr(void)
{
    return __pa(idle_pg_table);
}

bool mfn_valid(mfn_t mfn)
{
    unsigned long i = mfn / FT_FRAMES_PER_PG;

    return mfn < max_page && ft_valid && (ft_valid[i / 64] >> (i % 64)) & 1;
}

static pte_t *alloc_pt(void)
{
    void *t;

    if ( heap_ready )
        t = alloc_xenheap_pages(0);
    else
        t = __va(pfn_to_paddr(alloc_boot_pages(1, 1)));
    if ( t )
        memset(t, 0, PAGE_SIZE);
    return t;
}

static unsigned int pt_index(unsigned long va, unsigned int level)
{
    return (va >> (PAGE_SHIFT + 9 * (level - 1))) & 511;
}

/*
 * The level-`level` entry for va, creating intermediate tables with ptflags
 * (0: look up only). NULL with *rc 0 if absent, -EBUSY under a superpage,
 * -ENOMEM when a table cannot be allocated.
 */
static pte_t *walk(unsigned long va, unsigned int level, unsigned long ptflags, int *rc)
{
    pte_t *t = idle_pg_table;

    *rc = 0;
    for ( unsigned int l = 4; l > level; l-- )
    {
        pte_t *e = &t[pt_index(va, l)];

        if ( (*e & _PAGE_PRESENT) && (*e & _PAGE_PSE) )
        {
            *rc = -EBUSY;
            return NULL;
        }
        if ( !(*e & _PAGE_PRESENT) )
        {
            pte_t *n = ptflags ? alloc_pt() : NULL;

            if ( !n )
            {
                *rc = ptflags ? -ENOMEM : 0;
                return NULL;
            }
            *e = __pa(n) | ptflags;
        }
        *e |= ptflags & _PAGE_USER;
        t = __va(*e & PADDR_MASK);
    }
    return &t[pt_index(va, level)];
}

static unsigned long fix_flags(unsigned long flags)
{
    return flags & (nx_mask | ~_PAGE_NX);
}

/* The largest page (level 1-3) that can map va->pa with nr pages left. */
static unsigned int leaf_level(unsigned long va, paddr_t pa, unsigned long nr, bool large)
{
    if ( large && has_1g_pages && IS_ALIGNED(va | pa, GB(1)) && nr >= (1UL << 18) )
        return 3;
    if ( large && IS_ALIGNED(va | pa, 1UL << L2_PAGE_SHIFT) && nr >= 512 )
        return 2;
    return 1;
}

/* Map (or with flags 0 unmap) nr pages; superpages where large and possible. */
static int map_range(unsigned long va, paddr_t pa, unsigned long nr, unsigned long flags,
                     bool large)
{
    unsigned long ptflags = flags ? PAGE_TABLE_FLAGS | (flags & _PAGE_USER) : 0;
    int rc;

    flags = fix_flags(flags);
    while ( nr )
    {
        unsigned int level = leaf_level(va, pa, nr, large && flags);
        unsigned long n = 1UL << (9 * (level - 1));
        pte_t *e = walk(va, level, ptflags, &rc);

        if ( rc )
            return rc;
        if ( e && level > 1 && (*e & _PAGE_PRESENT) )
            level = 1, n = 1, e = walk(va, 1, ptflags, &rc); /* a table is there already */
        if ( rc )
            return rc;
        if ( e )
        {
            *e = flags ? pa | flags | (level > 1 ? _PAGE_PSE : 0) : 0;
            invlpg(va);
        }
        va += n << PAGE_SHIFT;
        pa += n << PAGE_SHIFT;
        nr -= n;
    }
    return 0;
}

int map_pages_to_xen(unsigned long va, mfn_t mfn, unsigned long nr, unsigned long flags)
{
    unsigned long irqflags = spin_lock_irqsave(&map_lock);
    int rc = map_range(va, pfn_to_paddr(mfn), nr, flags, false);

    spin_unlock_irqrestore(&map_lock, irqflags);
    return rc;
}

pte_t lookup_pte(unsigned long va, unsigned int *level)
{
    pte_t *t = idle_pg_table, e = 0, and_bits = _PAGE_RW | _PAGE_USER, nx = 0;

    for ( unsigned int l = 4; l >= 1; l-- )
    {
        e = t[pt_index(va, l)];
        if ( !(e & _PAGE_PRESENT) )
            return 0;
        and_bits &= e;
        nx |= e & _PAGE_NX;
        if ( l == 1 || (e & _PAGE_PSE) )
        {
            *level = l;
            return (e & ~(_PAGE_RW | _PAGE_USER)) | and_bits | nx;
        }
        t = __va(e & PADDR_MASK);
    }
    return 0;
}

void init_xen_l4_slots(pte_t *l4)
{
    for ( unsigned int s = 256; s < 272; s++ )
        l4[s] = idle_pg_table[s];
}

void *ioremap(paddr_t pa, size_t len)
{
    paddr_t start = ROUNDDOWN(pa, PAGE_SIZE);
    unsigned long nr = (ROUNDUP(pa + len, PAGE_SIZE) - start) >> PAGE_SHIFT, va, flags;
    int rc;

    if ( !len || pa + len < pa )
        return NULL;
    flags = spin_lock_irqsave(&map_lock);
    va = ioremap_next;
    if ( va + ((nr + 1) << PAGE_SHIFT) > IOREMAP_VIRT_END )
        rc = -ENOMEM;
    else
        rc = map_range(va, start, nr, PAGE_HYPERVISOR_UC, false);
    if ( !rc )
        ioremap_next += (nr + 1) << PAGE_SHIFT; /* one unmapped guard page after each */
    spin_unlock_irqrestore(&map_lock, flags);
    return rc ? NULL : (void *)(va + (pa - start));
}

/* ---- boot ---- */

static void init_e820(const struct boot_info *bi)
{
    u64 ram;

    e820_nr = min(bi->nr_e820, (unsigned int)E820_MAX);
    memcpy(e820_map, bi->e820, e820_nr * sizeof(e820_map[0]));
    e820_nr = e820_sanitise(e820_map, e820_nr, E820_MAX);
    printk("Xen-e820 RAM map:\n");
    e820_print(e820_map, e820_nr);
    ram = e820_ram_total(e820_map, e820_nr);
    total_pages = ram >> PAGE_SHIFT;
    for ( unsigned int i = 0; i < e820_nr; i++ )
        if ( e820_map[i].type == E820_RAM )
            max_page = max(max_page, paddr_to_pfn(e820_map[i].addr + e820_map[i].size));
    printk("System RAM: %luMB (%lukB)\n", (unsigned long)(ram >> 20), (unsigned long)(ram >> 10));
    if ( !total_pages )
        panic("No usable RAM in the memory map");
}

/* FNV-1a of a module's bytes at va (multiboot modules lie below 4 GiB). */
u64 module_checksum(const struct boot_module *m, const void *va)
{
    const unsigned char *p = va;
    u64 h = 0xcbf29ce484222325ULL;

    for ( paddr_t i = 0; i < m->end - m->start; i++ )
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

u64 module_checksums[MAX_BOOT_MODULES];

static void init_boot_allocator(const struct boot_info *bi)
{
    boot_alloc_init(e820_map, e820_nr);
    boot_alloc_reserve(XEN_LOAD_ADDR, __pa(_end));
    for ( unsigned int i = 0; i < bi->nr_modules; i++ )
    {
        const struct boot_module *m = &bi->modules[i];

        boot_alloc_reserve(m->start, m->end);
        module_checksums[i] = module_checksum(m, (const void *)m->start); /* boot 1:1 map */
        printk("Boot module %u: [%016lx, %016lx) %lu bytes, kept\n", i, m->start, m->end,
               m->end - m->start);
    }
    boot_alloc_set_limit(GB(4));
}

static void detect_paging_features(void)
{
    u64 efer = rdmsr(MSR_EFER);

    if ( !(efer & EFER_NXE) && (cpuid_edx(0x80000001) & (1u << 20)) )
        wrmsr(MSR_EFER, efer |= EFER_NXE);
    nx_mask = (efer & EFER_NXE) ? _PAGE_NX : 0;
    has_1g_pages = cpuid_edx(0x80000001) & (1u << 26);
}

static void map_or_panic(unsigned long va, paddr_t pa, unsigned long nr, unsigned long flags)
{
    int rc = map_range(va, pa, nr, flags, true);

    if ( rc )
        panic("Cannot map %#lx-%#lx: %d", va, va + (nr << PAGE_SHIFT), rc);
}

static void map_image_section(const char *s, const char *e, unsigned long flags)
{
    unsigned long va = ROUNDDOWN((unsigned long)s, PAGE_SIZE);

    map_or_panic(va, va - XEN_VIRT_START, (ROUNDUP((unsigned long)e, PAGE_SIZE) - va) >> PAGE_SHIFT,
                 flags);
}

static void map_directmap(void)
{
    map_or_panic(DIRECTMAP_VIRT_START, 0, GB(4) >> PAGE_SHIFT, PAGE_HYPERVISOR_RW);
    for ( unsigned int i = 0; i < e820_nr; i++ )
    {
        paddr_t s = max((paddr_t)e820_map[i].addr, GB(4));
        paddr_t e = ROUNDDOWN(e820_map[i].addr + e820_map[i].size, PAGE_SIZE);

        if ( e820_map[i].type != E820_RAM || e <= s )
            continue;
        if ( e > DIRECTMAP_VIRT_END - DIRECTMAP_VIRT_START )
            panic("RAM above the direct map's 5 TiB");
        map_or_panic(DIRECTMAP_VIRT_START + ROUNDUP(s, PAGE_SIZE), ROUNDUP(s, PAGE_SIZE),
                     (e - ROUNDUP(s, PAGE_SIZE)) >> PAGE_SHIFT, PAGE_HYPERVISOR_RW);
    }
}

static void build_idle_page_tables(void)
{
    /* Step 3: a direct map of the first 4 GiB, borrowed from the boot tables. */
    boot_l4[l4_index(DIRECTMAP_VIRT_START)] = boot_l4[0];
    flush_tlb_local();

    for ( unsigned int s = 256; s < 272; s++ )
        idle_pg_table[s] = __pa(alloc_pt()) | PAGE_TABLE_FLAGS | (s == 256 ? _PAGE_USER : 0);
    map_directmap();
    map_image_section(__image_start, _etext, PAGE_HYPERVISOR_RX);
    map_image_section(_srodata, _erodata, PAGE_HYPERVISOR_RO);
    map_image_section(_sdata, _end, PAGE_HYPERVISOR_RW);

    write_cr4(read_cr4() & ~X86_CR4_PGE);
    write_cr3(idle_pg_table_maddr());
    boot_alloc_set_limit(~0UL);
}

static u32 cpuid7_ebx(void)
{
    struct cpuid_regs r;

    cpuid_count(0, 0, &r);
    if ( r.eax < 7 )
        return 0;
    cpuid_count(7, 0, &r);
    return r.ebx;
}

static void enable_protections(void)
{
    u32 features = cpuid7_ebx();

    if ( features & (1u << 7) )
        mmu_cr4_features |= X86_CR4_SMEP;
    if ( features & (1u << 20) )
        mmu_cr4_features |= X86_CR4_SMAP;
    mm_cpu_init();
    printk("Paging: NX %s, SMEP %s, SMAP %s, 1GiB pages %s, global pages off\n",
           nx_mask ? "on" : "unsupported", (mmu_cr4_features & X86_CR4_SMEP) ? "on" : "unsupported",
           (mmu_cr4_features & X86_CR4_SMAP) ? "on" : "unsupported", has_1g_pages ? "used" : "no");
}

void mm_cpu_init(void)
{
    write_cr4((read_cr4() & ~X86_CR4_PGE) | mmu_cr4_features);
}

/* Map and zero the frame-table page describing frames from mfn, if not yet done. */
static void populate_ft_page(unsigned long idx)
{
    mfn_t mfn;

    if ( (ft_valid[idx / 64] >> (idx % 64)) & 1 )
        return;
    mfn = alloc_boot_pages(1, 1);
    memset(mfn_to_virt(mfn), 0, PAGE_SIZE);
    map_or_panic(FRAMETABLE_VIRT_START + idx * PAGE_SIZE, pfn_to_paddr(mfn), 1, PAGE_HYPERVISOR_RW);
    ft_valid[idx / 64] |= 1UL << (idx % 64);
}

static void init_frame_table(void)
{
    unsigned long nr_ft = DIV_ROUND_UP(max_page, FT_FRAMES_PER_PG);
    unsigned long bm_pages = DIV_ROUND_UP(DIV_ROUND_UP(nr_ft, 64) * 8, PAGE_SIZE);
    unsigned long *bm = mfn_to_virt(alloc_boot_pages(bm_pages, 1));

    BUILD_BUG_ON(PAGE_SIZE % sizeof(struct page_info));
    memset(bm, 0, bm_pages * PAGE_SIZE);
    ft_valid = bm;
    for ( unsigned int i = 0; i < e820_nr; i++ )
    {
        mfn_t s = paddr_to_pfn(e820_map[i].addr);
        mfn_t e = min(paddr_to_pfn(e820_map[i].addr + e820_map[i].size + PAGE_SIZE - 1), max_page);

        for ( unsigned long idx = s / FT_FRAMES_PER_PG; s < e && idx <= (e - 1) / FT_FRAMES_PER_PG;
              idx++ )
            populate_ft_page(idx);
    }
}

static void init_m2p(void)
{
    unsigned long nr = DIV_ROUND_UP(max_page * sizeof(unsigned long), PAGE_SIZE);

    for ( unsigned long done = 0; done < nr; )
    {
        unsigned long chunk = min(nr - done, 512UL);
        mfn_t mfn = alloc_boot_pages(chunk, chunk == 512 ? 512 : 1);
        unsigned long off = done << PAGE_SHIFT;

        memset(mfn_to_virt(mfn), 0xff, chunk << PAGE_SHIFT); /* INVALID_M2P_ENTRY */
        map_or_panic(RDWR_MPT_VIRT_START + off, pfn_to_paddr(mfn), chunk, PAGE_HYPERVISOR_RW);
        map_or_panic(RO_MPT_VIRT_START + off, pfn_to_paddr(mfn), chunk,
                     _PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_USER | _PAGE_NX);
        done += chunk;
    }
}

static unsigned long heap_given, xenheap_target, xenheap_start;

/* end_boot_allocator() callback: the top xenheap_target frames go to the xen heap. */
static void give_to_heaps(mfn_t s, mfn_t e)
{
    unsigned long first_xen = xenheap_start; /* offset into all free frames, ascending */

    if ( heap_given + (e - s) <= first_xen )
        init_heap_pages(HEAP_DOM, mfn_to_page(s), e - s);
    else if ( heap_given >= first_xen )
        init_heap_pages(HEAP_XEN, mfn_to_page(s), e - s);
    else
    {
        mfn_t split = s + (first_xen - heap_given);

        init_heap_pages(HEAP_DOM, mfn_to_page(s), split - s);
        init_heap_pages(HEAP_XEN, mfn_to_page(split), e - split);
    }
    heap_given += e - s;
}

static void init_heaps(void)
{
    unsigned long free = boot_free_pages();

    heap_init();
    xenheap_target = max(free / 32, 1024UL);        /* a 32nd of RAM, */
    xenheap_target = min(xenheap_target, 32768UL);  /* 4 to 128 MiB, */
    xenheap_target = min(xenheap_target, free / 2); /* never most of it */
    xenheap_start = free - xenheap_target;
    end_boot_allocator(give_to_heaps);
    heap_ready = true;
    printk("Heaps: xen %luMB, domain %luMB; %luMB taken at boot (tables, image, modules)\n",
           heap_free_pages(HEAP_XEN) >> 8, heap_free_pages(HEAP_DOM) >> 8,
           (total_pages - heap_free_pages(HEAP_XEN) - heap_free_pages(HEAP_DOM)) >> 8);
}

void memory_init(struct boot_info *bi)
{
    init_e820(bi);
    init_boot_allocator(bi);
    detect_paging_features();
    build_idle_page_tables();
    enable_protections();
    init_frame_table();
    init_m2p();
    init_heaps();
}

int write_u64_safe(unsigned long va, u64 v)
{
    int rc = 0;

    __asm__ volatile("1: movq %[v], (%[va])\n"
                     "2:\n"
                     ".pushsection .text.fixup, \"ax\"\n"
                     "3: movl %[efault], %[rc]\n"
                     "   jmp 2b\n"
                     ".popsection\n"
                     ".pushsection .ex_table, \"a\"\n"
                     ".balign 8\n"
                     ".quad 1b, 3b\n"
                     ".popsection\n"
                     : [rc] "+r"(rc)
                     : [v] "r"(v), [va] "r"(va), [efault] "i"(-EFAULT)
                     : "memory");
    return rc;
}
