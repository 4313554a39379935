/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Boot self-checks of the memory code ("selftest" on the command line): each
 * check prints "selftest: mm-<name> PASS" or "selftest: mm-<name> FAIL
 * <detail>", which test/suites/11-memory.sh turns into verdicts. They run on
 * the live system after the platform is up, with the other CPUs idle.
 */
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/selftest.h>
#include <xen/mm.h>
#include <asm/bootinfo.h>
#include <asm/mm.h>
#include <asm/processor.h>
#include <asm/pv_mm.h>

#define NR_BLOCKS 192

extern char _stext[], _srodata[], _sdata[];

static unsigned long lcg(unsigned long *seed)
{
    *seed = *seed * 6364136223846793005UL + 1442695040888963407UL;
    return *seed >> 33;
}

/* Mixed-order allocations: aligned, disjoint, and the free lists come back exactly. */
static const char *check_buddy(void)
{
    static struct page_info *blocks[NR_BLOCKS];
    static unsigned int orders[NR_BLOCKS];
    unsigned long before[MAX_ORDER + 1], free_before = heap_free_pages(HEAP_DOM), seed = 1;

    for ( unsigned int j = 0; j <= MAX_ORDER; j++ )
        before[j] = heap_free_blocks(HEAP_DOM, j);
    for ( unsigned int i = 0; i < NR_BLOCKS; i++ )
    {
        orders[i] = lcg(&seed) % 10;
        blocks[i] = alloc_domheap_pages(NULL, orders[i], 0);
        if ( !blocks[i] )
            return selftest_failf("order %u allocation %u failed", orders[i], i);
        if ( !IS_ALIGNED(page_to_mfn(blocks[i]), 1UL << orders[i]) )
            return selftest_failf("order %u block at mfn %#lx", orders[i], page_to_mfn(blocks[i]));
        for ( unsigned long p = 0; p < (1UL << orders[i]); p++ )
            if ( blocks[i][p].count_info & (PGC_free | PGC_need_scrub) )
                return selftest_failf("mfn %#lx handed out free or dirty",
                                      page_to_mfn(&blocks[i][p]));
    }
    for ( unsigned int i = 0; i < NR_BLOCKS; i++ ) /* odd ones first: forces late merges */
        if ( i & 1 )
            free_domheap_pages(blocks[i], orders[i]);
    for ( unsigned int i = 0; i < NR_BLOCKS; i += 2 )
        free_domheap_pages(blocks[i], orders[i]);
    if ( heap_free_pages(HEAP_DOM) != free_before )
        return selftest_failf("free pages %lu, expected %lu", heap_free_pages(HEAP_DOM),
                              free_before);
    for ( unsigned int j = 0; j <= MAX_ORDER; j++ )
        if ( heap_free_blocks(HEAP_DOM, j) != before[j] )
            return selftest_failf("order %u: %lu free blocks, expected %lu", j,
                                  heap_free_blocks(HEAP_DOM, j), before[j]);
    return NULL;
}

/* A freed page is marked dirty, and the background scrubber erases it. */
static const char *check_scrub(void)
{
    unsigned char *va = alloc_xenheap_pages(0);
    struct page_info *pg;
    unsigned long budget = heap_free_pages(HEAP_XEN) / 4 + 1000;

    if ( !va )
        return selftest_failf("no xen heap page");
    pg = virt_to_page(va);
    memset(va, 0xa5, PAGE_SIZE);
    free_xenheap_pages(va, 0);
    /* Another CPU's idle loop may have scrubbed it already: then it is zero. */
    if ( !(ACCESS_ONCE(pg->count_info) & PGC_need_scrub) && va[0] == 0xa5 )
        return selftest_failf("freed page not marked for scrubbing");
    while ( (ACCESS_ONCE(pg->count_info) & PGC_need_scrub) && budget-- )
        scrub_free_pages();
    if ( pg->count_info & PGC_need_scrub )
        return selftest_failf("scrubber did not reach the page");
    for ( unsigned int i = 0; i < PAGE_SIZE; i++ )
        if ( va[i] )
            return selftest_failf("byte %u is %#x after scrubbing", i, va[i]);
    return NULL;
}

/* One round of mixed xmalloc sizes; 0 or a failure. */
static const char *xmalloc_round(void)
{
    static unsigned char *ptrs[NR_BLOCKS];
    static size_t sizes[NR_BLOCKS];
    unsigned long seed = 7;

    for ( unsigned int i = 0; i < NR_BLOCKS; i++ )
    {
        sizes[i] = 1 + lcg(&seed) % (i % 8 ? 600 : 9000);
        ptrs[i] = xmalloc_bytes(sizes[i]);
        if ( !ptrs[i] || !IS_ALIGNED((unsigned long)ptrs[i], 16) )
            return selftest_failf("xmalloc(%zu) gave %p", sizes[i], ptrs[i]);
        memset(ptrs[i], i, sizes[i]);
    }
    for ( unsigned int i = 0; i < NR_BLOCKS; i++ )
        for ( size_t b = 0; b < sizes[i]; b++ )
            if ( ptrs[i][b] != (unsigned char)i )
                return selftest_failf("block %u (%zu bytes) overwritten at %zu", i, sizes[i], b);
    for ( unsigned int i = NR_BLOCKS; i--; )
        xfree(ptrs[i]);
    return NULL;
}

/* Disjoint, aligned blocks; a second identical round reuses what the first freed. */
static const char *check_xmalloc(void)
{
    const char *err = xmalloc_round();
    unsigned long after_first = heap_free_pages(HEAP_XEN);
    unsigned char *z;

    if ( err || (err = xmalloc_round()) )
        return err;
    if ( heap_free_pages(HEAP_XEN) != after_first )
        return selftest_failf("xen heap %lu pages after a repeated round, %lu before",
                              heap_free_pages(HEAP_XEN), after_first);
    z = xzalloc_bytes(3000);
    for ( unsigned int i = 0; z && i < 3000; i++ )
        if ( z[i] )
            return selftest_failf("xzalloc byte %u is %#x", i, z[i]);
    xfree(z);
    xfree(NULL);
    return z ? NULL : selftest_failf("xzalloc(3000) failed");
}

/* The two M2P views: same frames, RW for us, RO+user+NX for guests. */
static const char *check_m2p_ptes(void)
{
    unsigned int l_ro, l_rw;
    pte_t ro = lookup_pte(RO_MPT_VIRT_START, &l_ro), rw = lookup_pte(RDWR_MPT_VIRT_START, &l_rw);

    if ( !(ro & _PAGE_PRESENT) || !(rw & _PAGE_PRESENT) )
        return selftest_failf("M2P not mapped (ro %#lx rw %#lx)", ro, rw);
    if ( (ro & _PAGE_RW) || !(ro & _PAGE_USER) )
        return selftest_failf("RO M2P pte %#lx: writable or not user-accessible", ro);
    if ( (rdmsr(MSR_EFER) & EFER_NXE) && !(ro & _PAGE_NX) )
        return selftest_failf("RO M2P pte %#lx executable", ro);
    if ( !(rw & _PAGE_RW) || (rw & _PAGE_USER) )
        return selftest_failf("RW M2P pte %#lx: read-only or user-accessible", rw);
    if ( (ro & PADDR_MASK) != (rw & PADDR_MASK) || l_ro != l_rw )
        return selftest_failf("views differ: %#lx vs %#lx", ro, rw);
    return NULL;
}

static void user_access(bool on)
{
    if ( !(read_cr4() & X86_CR4_SMAP) )
        return;
    if ( on )
        __asm__ volatile("stac" ::: "memory");
    else
        __asm__ volatile("clac" ::: "memory");
}

/* Writes through the RO view fault (caught), writes through the RW view show in it. */
static const char *check_m2p_write(void)
{
    unsigned long slot = max_page - 1, *rw = (unsigned long *)RDWR_MPT_VIRT_START + slot;
    volatile unsigned long *ro = (unsigned long *)RO_MPT_VIRT_START + slot;
    unsigned long old = *rw, seen;
    int rc;

    user_access(true);
    rc = write_u64_safe((unsigned long)ro, 0x1234);
    user_access(false);
    if ( rc != -EFAULT )
        return selftest_failf("write to the RO M2P returned %d", rc);
    if ( *rw != old )
        return selftest_failf("RO write changed the entry to %#lx", *rw);
    if ( (rc = write_u64_safe((unsigned long)rw, 0x5678)) )
        return selftest_failf("write to the RW M2P returned %d", rc);
    user_access(true);
    seen = *ro;
    user_access(false);
    *rw = old;
    return seen == 0x5678 ? NULL : selftest_failf("RO view reads %#lx after RW write", seen);
}

/* Expected protection of one image address. */
static const char *check_image_pte(const char *what, const void *va, bool rw, bool nx)
{
    unsigned int level;
    pte_t e = lookup_pte((unsigned long)va, &level);
    bool has_nx = rdmsr(MSR_EFER) & EFER_NXE;

    if ( !(e & _PAGE_PRESENT) || !!(e & _PAGE_RW) != rw || (has_nx && !!(e & _PAGE_NX) != nx) )
        return selftest_failf("%s at %p: pte %#lx", what, va, e);
    return NULL;
}

/* Count writable and executable leaves in the subtree of table t at level l. */
static unsigned long count_wx(const pte_t *t, unsigned int l, pte_t inherited_nx)
{
    unsigned long n = 0;

    for ( unsigned int i = 0; i < 512; i++ )
    {
        pte_t e = t[i];

        if ( !(e & _PAGE_PRESENT) )
            continue;
        if ( l == 1 || (e & _PAGE_PSE) )
            n += (e & _PAGE_RW) && !((e | inherited_nx) & _PAGE_NX);
        else if ( e & _PAGE_RW )
            n += count_wx(__va(e & PADDR_MASK), l - 1, inherited_nx | (e & _PAGE_NX));
    }
    return n;
}

static const char *check_wx(void)
{
    const char *err;
    unsigned long wx;

    if ( idle_pg_table[0] )
        return selftest_failf("L4 slot 0 (1:1 map) still present: %#lx", idle_pg_table[0]);
    if ( (err = check_image_pte("text", _stext, false, false)) ||
         (err = check_image_pte("rodata", _srodata, false, true)) ||
         (err = check_image_pte("data", _sdata, true, true)) ||
         (err = check_image_pte("page table", idle_pg_table, true, true)) )
        return err;
    if ( !(rdmsr(MSR_EFER) & EFER_NXE) )
        return NULL; /* without NX everything is executable */
    wx = count_wx(idle_pg_table, 4, 0);
    return wx ? selftest_failf("%lu writable+executable mappings", wx) : NULL;
}

/* Direct map: the same bytes as the image view; the last RAM frame mapped; frame table bounds. */
static const char *check_directmap(void)
{
    static volatile unsigned long probe;
    volatile unsigned long *alias = __va(__pa((const void *)&probe));
    unsigned int level;

    probe = 0xfeedfacecafe;
    if ( *alias != 0xfeedfacecafe )
        return selftest_failf("direct map alias reads %#lx", *alias);
    *alias = 42;
    if ( probe != 42 )
        return selftest_failf("write through the direct map not seen");
    if ( !(lookup_pte((unsigned long)mfn_to_virt(max_page - 1), &level) & _PAGE_PRESENT) )
        return selftest_failf("last RAM frame %#lx not in the direct map", max_page - 1);
    if ( !mfn_valid(max_page - 1) || mfn_valid(max_page) || !mfn_valid(0x100) )
        return selftest_failf("mfn_valid wrong around max_page %#lx", max_page);
    return NULL;
}

/* ioremap keeps the offset, maps uncached, and separates mappings. */
static const char *check_ioremap(void)
{
    unsigned long a = (unsigned long)ioremap(0xfee00030, 4);
    unsigned long b = (unsigned long)ioremap(0xfec00000, PAGE_SIZE);
    unsigned int level;
    pte_t e = lookup_pte(a, &level);

    if ( !a || !b || (a & ~PAGE_MASK) != 0x30 || a < IOREMAP_VIRT_START || b <= a + PAGE_SIZE )
        return selftest_failf("ioremap gave %#lx and %#lx", a, b);
    if ( (e & PADDR_MASK) != 0xfee00000 || !(e & _PAGE_PCD) || !(e & _PAGE_PWT) ||
         !(e & _PAGE_RW) || (e & _PAGE_USER) || level != 1 )
        return selftest_failf("ioremap pte %#lx (level %u)", e, level);
    if ( lookup_pte(a + PAGE_SIZE, &level) )
        return selftest_failf("no guard page after an ioremap");
    return NULL;
}

/* The dom0 kernel and initrd: outside every heap, and intact. */
static const char *check_modules(void)
{
    for ( unsigned int i = 0; i < boot_info.nr_modules; i++ )
    {
        const struct boot_module *m = &boot_info.modules[i];

        for ( mfn_t mfn = paddr_to_pfn(m->start); mfn < paddr_to_pfn(m->end + PAGE_SIZE - 1);
              mfn++ )
            if ( mfn_valid(mfn) &&
                 (mfn_to_page(mfn)->count_info & (PGC_free | PGC_xen_heap | PGC_pool_xen)) )
                return selftest_failf("module %u frame %#lx is heap memory", i, mfn);
        if ( module_checksum(m, __va(m->start)) != module_checksums[i] )
            return selftest_failf("module %u changed since boot", i);
    }
    return NULL;
}

static void report(const char *name, const char *err)
{
    if ( err )
        printk("selftest: mm-%s FAIL %s\n", name, err);
    else
        printk("selftest: mm-%s PASS\n", name);
}

void mm_selftest(void)
{
    report("buddy", check_buddy());
    report("scrub", check_scrub());
    report("xmalloc", check_xmalloc());
    report("m2p-ptes", check_m2p_ptes());
    report("m2p-ro-write", check_m2p_write());
    report("wx", check_wx());
    report("directmap", check_directmap());
    report("ioremap", check_ioremap());
    report("modules", check_modules());
    report("frame-kind", pv_frame_kind_selftest());
}
