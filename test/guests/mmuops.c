/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mmuops: the PV MMU operations the mmu guest does not cover, each checked
 * against Xen 4.17's answer: batches and their done count, foreign domain
 * ids, MMU_PT_UPDATE_PRESERVE_AD, a multi-level tree typed by one pin,
 * mmuext batches, NEW_USER_BASEPTR, COPY/CLEAR_PAGE, the flush and LDT
 * operations with their argument checks, and the instructions Linux uses to
 * write PTEs in place (xchg, cmpxchg, locked bit operations, byte and
 * 32-bit stores), emulated by the writable-page-table code.
 *
 * Frames: the last NR_FRAMES pages of dom0's memory (outside the initial
 * mapping), seen through "windows", page-aligned .bss pages whose L1
 * entries we rewrite. Booted with pv_mm_preempt=1 on ours, the pin and the
 * batches below run in many preempted pieces: the results must not change.
 */
#include "runtime.h"

const char guest_name[] = "mmuops";

#define NR_WINDOWS 6
static uint8_t windows[NR_WINDOWS][PAGE_SIZE]
    __attribute__((aligned(PAGE_SIZE), section(".bss.pages")));

enum { F_DATA, F_DATA2, F_L1A, F_L1B, F_L1C, F_L2, F_L3, F_L4U, F_COPY, F_L2B, NR_FRAMES };
static unsigned long mfn[NR_FRAMES];

#define PTE_KERNEL_RW_NOAD (PTE_P | PTE_RW | PTE_US)
#define PTE_TABLE          (PTE_P | PTE_RW | PTE_US | PTE_A)

static uint64_t pte(unsigned long m, uint64_t flags)
{
    return ((uint64_t)m << 12) | flags;
}

static uint64_t *win(int i)
{
    return (uint64_t *)windows[i];
}

static long map(int w, unsigned long m, uint64_t flags)
{
    return HYPERVISOR_update_va_mapping(windows[w], pte(m, flags), UVMF_INVLPG);
}

static long ext(unsigned int cmd, unsigned long arg1, unsigned long arg2)
{
    struct mmuext_op op = {.cmd = cmd};

    op.arg1.mfn = arg1;
    op.arg2.src_mfn = arg2;
    return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

static void invlpg(const void *va)
{
    ext(MMUEXT_INVLPG_LOCAL, (unsigned long)va, 0);
}

/* dom: FOREIGNDOM, whose upper 16 bits may name the table owner (+1). */
static long mmu1(uint64_t ptr, uint64_t val, unsigned int dom)
{
    struct mmu_update req = {.ptr = ptr, .val = val};

    return hypercall(__HYPERVISOR_mmu_update, &req, 1, NULL, dom, 0);
}

/* Zero a frame through window w, then leave no mapping of it behind. */
static void clear_frame(int w, unsigned long m)
{
    map(w, m, PTE_KERNEL_RW);
    memset(windows[w], 0, PAGE_SIZE);
    map(w, 0, 0);
}

static void check_batches_and_domains(const start_info_t *si)
{
    unsigned long l4 = virt_to_mfn((void *)si->pt_base);
    struct mmu_update req[3] = {
        {l1e_maddr(windows[0]) | MMU_NORMAL_PT_UPDATE, pte(mfn[F_DATA], PTE_KERNEL_RW)},
        {l1e_maddr(windows[1]) | MMU_NORMAL_PT_UPDATE, pte(mfn[F_DATA2], PTE_KERNEL_RW)},
        {l1e_maddr(windows[2]) | MMU_NORMAL_PT_UPDATE, pte(l4, PTE_KERNEL_RW)},
    };
    unsigned int done = 99;

    /* Stops at the refused third request; done counts the two before it. */
    check_eq("batch-stops-at-refusal", HYPERVISOR_mmu_update(req, 3, &done, DOMID_SELF),
             -XEN_EBUSY);
    check_eq("batch-done-count", done, 2);
    check_ueq("batch-first-applied", l1e_read(windows[0]) & PTE_MFN_MASK, mfn[F_DATA] << 12);
    check_ueq("batch-second-applied", l1e_read(windows[1]) & PTE_MFN_MASK, mfn[F_DATA2] << 12);
    done = 99;
    check_eq("batch-all-good", HYPERVISOR_mmu_update(req, 2, &done, DOMID_SELF), 0);
    check_eq("batch-all-good-done", done, 2);
    /* Foreign domain ids: unknown, and our own id spelled as a number. */
    check_eq("mmu-update-unknown-domid", mmu1(req[0].ptr, req[0].val, 12345), -XEN_ESRCH);
    check_eq("mmu-update-own-domid", mmu1(req[0].ptr, req[0].val, 0), -XEN_ESRCH);
    check_eq("mmu-update-unknown-pt-owner",
             mmu1(req[0].ptr, req[0].val, DOMID_SELF | ((12345 + 1) << 16)), -XEN_ESRCH);
    check_eq("uvm-otherdomain-unknown",
             hypercall(__HYPERVISOR_update_va_mapping_otherdomain, windows[0],
                       pte(mfn[F_DATA], PTE_KERNEL_RW), UVMF_INVLPG, 12345, 0),
             -XEN_ESRCH);
    check_eq("uvm-otherdomain-self",
             hypercall(__HYPERVISOR_update_va_mapping_otherdomain, windows[0],
                       pte(mfn[F_DATA], PTE_KERNEL_RW), UVMF_INVLPG, DOMID_SELF, 0),
             0);
    {
        struct mmuext_op op = {.cmd = MMUEXT_TLB_FLUSH_LOCAL};

        check_eq("mmuext-unknown-domid", HYPERVISOR_mmuext_op(&op, 1, NULL, 12345), -XEN_ESRCH);
    }
}

static void check_preserve_ad(void)
{
    uint64_t ptr = l1e_maddr(windows[0]);

    check_eq("ad-map-clean",
             mmu1(ptr | MMU_NORMAL_PT_UPDATE, pte(mfn[F_DATA], PTE_KERNEL_RW_NOAD), DOMID_SELF), 0);
    invlpg(windows[0]);
    win(0)[1] = 0x5555; /* the walk sets A and D */
    check_ueq("ad-set-by-cpu", l1e_read(windows[0]) & (PTE_A | PTE_D), PTE_A | PTE_D);
    check_eq(
        "ad-preserve-update",
        mmu1(ptr | MMU_PT_UPDATE_PRESERVE_AD, pte(mfn[F_DATA], PTE_KERNEL_RW_NOAD), DOMID_SELF), 0);
    check_ueq("ad-preserved", l1e_read(windows[0]) & (PTE_A | PTE_D), PTE_A | PTE_D);
    check_eq("ad-normal-update",
             mmu1(ptr | MMU_NORMAL_PT_UPDATE, pte(mfn[F_DATA], PTE_KERNEL_RW_NOAD), DOMID_SELF), 0);
    check_ueq("ad-normal-clears", l1e_read(windows[0]) & (PTE_A | PTE_D), 0);
    invlpg(windows[0]);
}

/* L3 -> L2 -> three L1s -> data, built while writable, then typed by one pin. */
static void build_tree(void)
{
    static const int tables[] = {F_L1A, F_L1B, F_L1C, F_L2, F_L3};

    for ( unsigned int i = 0; i < sizeof(tables) / sizeof(tables[0]); i++ )
        clear_frame(3, mfn[tables[i]]);
    map(3, mfn[F_L1A], PTE_KERNEL_RW);
    win(3)[0] = pte(mfn[F_DATA], PTE_KERNEL_RW);
    map(3, mfn[F_L1B], PTE_KERNEL_RW);
    win(3)[1] = pte(mfn[F_DATA2], PTE_KERNEL_RO);
    map(3, mfn[F_L2], PTE_KERNEL_RW);
    win(3)[0] = pte(mfn[F_L1A], PTE_TABLE);
    win(3)[5] = pte(mfn[F_L1B], PTE_TABLE);
    win(3)[9] = pte(mfn[F_L1C], PTE_TABLE);
    map(3, mfn[F_L3], PTE_KERNEL_RW);
    win(3)[3] = pte(mfn[F_L2], PTE_TABLE);
    map(3, 0, 0);
}

static void check_tree_pin(void)
{
    struct mmuext_op ops[4] = {
        {.cmd = MMUEXT_PIN_L3_TABLE, .arg1.mfn = mfn[F_L3]},
        {.cmd = MMUEXT_PIN_L1_TABLE, .arg1.mfn = mfn[F_L1A]},
        {.cmd = MMUEXT_UNPIN_TABLE, .arg1.mfn = mfn[F_L1A]},
        {.cmd = MMUEXT_UNPIN_TABLE, .arg1.mfn = mfn[F_L3]},
    };
    unsigned int done = 99;

    build_tree();
    check_eq("tree-pin-l3", ext(MMUEXT_PIN_L3_TABLE, mfn[F_L3], 0), 0);
    /* Every table below is typed now: none may be mapped writable. */
    check_eq("tree-l1-rw-refused", map(3, mfn[F_L1C], PTE_KERNEL_RW), -XEN_EBUSY);
    check_eq("tree-l2-rw-refused", map(3, mfn[F_L2], PTE_KERNEL_RW), -XEN_EBUSY);
    check_eq("tree-l2-as-l1-refused", ext(MMUEXT_PIN_L1_TABLE, mfn[F_L2], 0), -XEN_EINVAL);
    check_eq("tree-data-rw-ok", map(3, mfn[F_DATA], PTE_KERNEL_RW), 0);
    check_eq("tree-l1-ro-ok", map(3, mfn[F_L1B], PTE_KERNEL_RO), 0);
    check_ueq("tree-l1-content", win(3)[1] & PTE_MFN_MASK, mfn[F_DATA2] << 12);
    map(3, 0, 0);
    /* A second L2 sharing the L1s, hooked into the pinned L3 by mmu_update. */
    clear_frame(3, mfn[F_L2B]);
    map(3, mfn[F_L2B], PTE_KERNEL_RW);
    win(3)[0] = pte(mfn[F_L1A], PTE_TABLE);
    win(3)[7] = pte(mfn[F_L1B], PTE_TABLE);
    win(3)[300] = pte(mfn[F_L1C], PTE_TABLE);
    map(3, 0, 0);
    check_eq("tree-hook-l2",
             mmu1((mfn[F_L3] << 12) + 4 * 8, pte(mfn[F_L2B], PTE_TABLE), DOMID_SELF), 0);
    check_eq("tree-hooked-l2-rw-refused", map(3, mfn[F_L2B], PTE_KERNEL_RW), -XEN_EBUSY);
    check_eq("tree-unhook-l2", mmu1((mfn[F_L3] << 12) + 4 * 8, 0, DOMID_SELF), 0);
    check_eq("tree-unhooked-l2-rw-ok", map(3, mfn[F_L2B], PTE_KERNEL_RW), 0);
    map(3, 0, 0);
    check_eq("tree-unpin", ext(MMUEXT_UNPIN_TABLE, mfn[F_L3], 0), 0);
    check_eq("tree-l1-free-after-unpin", map(3, mfn[F_L1C], PTE_KERNEL_RW), 0);
    map(3, 0, 0);
    /* The same in one batch. */
    check_eq("tree-batch", HYPERVISOR_mmuext_op(ops, 4, &done, DOMID_SELF), 0);
    check_eq("tree-batch-done", done, 4);
    check_eq("tree-batch-left-nothing", map(3, mfn[F_L2], PTE_KERNEL_RW), 0);
    map(3, 0, 0);
}

static void check_user_baseptr(void)
{
    clear_frame(3, mfn[F_L4U]);
    check_eq("user-baseptr-set", ext(MMUEXT_NEW_USER_BASEPTR, mfn[F_L4U], 0), 0);
    check_eq("user-l4-rw-refused", map(3, mfn[F_L4U], PTE_KERNEL_RW), -XEN_EBUSY);
    check_eq("user-l4-ro-ok", map(3, mfn[F_L4U], PTE_KERNEL_RO), 0);
    /* Validation filled the hypervisor's slots (261: its image). */
    check("user-l4-xen-slot", win(3)[261] & PTE_P, "slot 261 0x%lx", win(3)[261]);
    check_eq("user-l4-guest-slot-write-refused",
             mmu1((mfn[F_L4U] << 12) + 261 * 8, pte(mfn[F_L3], PTE_TABLE), DOMID_SELF),
             -XEN_EINVAL);
    map(3, 0, 0);
    check_eq("user-baseptr-clear", ext(MMUEXT_NEW_USER_BASEPTR, 0, 0), 0);
    check_eq("user-l4-free-after-clear", map(3, mfn[F_L4U], PTE_KERNEL_RW), 0);
    map(3, 0, 0);
}

static void check_copy_clear(void)
{
    bool same = true, zero = true;

    map(0, mfn[F_DATA], PTE_KERNEL_RW);
    for ( unsigned int i = 0; i < 512; i++ )
        win(0)[i] = i * 3 + 1;
    check_eq("copy-page", ext(MMUEXT_COPY_PAGE, mfn[F_COPY], mfn[F_DATA]), 0);
    map(3, mfn[F_COPY], PTE_KERNEL_RO);
    for ( unsigned int i = 0; i < 512; i++ )
        same &= win(3)[i] == i * 3 + 1;
    check("copy-page-content", same, "copy differs");
    check_eq("clear-page", ext(MMUEXT_CLEAR_PAGE, mfn[F_COPY], 0), 0);
    for ( unsigned int i = 0; i < 512; i++ )
        zero &= win(3)[i] == 0;
    check("clear-page-content", zero, "not zero");
    check_eq("copy-pin-empty-l1", ext(MMUEXT_PIN_L1_TABLE, mfn[F_COPY], 0), 0);
    check_eq("copy-into-table-refused", ext(MMUEXT_COPY_PAGE, mfn[F_COPY], mfn[F_DATA]),
             -XEN_EINVAL);
    check_eq("clear-table-refused", ext(MMUEXT_CLEAR_PAGE, mfn[F_COPY], 0), -XEN_EINVAL);
    check_eq("copy-unpin", ext(MMUEXT_UNPIN_TABLE, mfn[F_COPY], 0), 0);
    map(3, 0, 0);
}

static void check_misc_ops(void)
{
    unsigned long mask = 1;
    unsigned long bad = 0x10; /* nothing is mapped at the bottom of the address space */
    struct mmuext_op op = {.cmd = MMUEXT_TLB_FLUSH_MULTI};

    check_eq("mark-super", ext(MMUEXT_MARK_SUPER, mfn[F_DATA], 0), -XEN_EOPNOTSUPP);
    check_eq("unmark-super", ext(MMUEXT_UNMARK_SUPER, mfn[F_DATA], 0), -XEN_EOPNOTSUPP);
    check_eq("set-ldt-unaligned", ext(MMUEXT_SET_LDT, (unsigned long)windows[0] + 8, 1),
             -XEN_EINVAL);
    check_eq("set-ldt-too-many", ext(MMUEXT_SET_LDT, (unsigned long)windows[0], 8193), -XEN_EINVAL);
    check_eq("set-ldt-none", ext(MMUEXT_SET_LDT, 0, 0), 0);
    check_eq("flush-cache", ext(MMUEXT_FLUSH_CACHE, 0, 0), 0);
    check_eq("flush-cache-global", ext(MMUEXT_FLUSH_CACHE_GLOBAL, 0, 0), 0);
    check_eq("tlb-flush-all", ext(MMUEXT_TLB_FLUSH_ALL, 0, 0), 0);
    check_eq("invlpg-all", ext(MMUEXT_INVLPG_ALL, (unsigned long)windows[0], 0), 0);
    set_xen_guest_handle(op.arg2.vcpumask, &mask);
    check_eq("tlb-flush-multi", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), 0);
    op.cmd = MMUEXT_INVLPG_MULTI;
    op.arg1.linear_addr = (unsigned long)windows[0];
    check_eq("invlpg-multi", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), 0);
    set_xen_guest_handle(op.arg2.vcpumask, (void *)bad);
    check_eq("invlpg-multi-bad-mask", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), -XEN_EINVAL);
    check_eq("uvm-flush-all",
             HYPERVISOR_update_va_mapping(windows[1], pte(mfn[F_DATA2], PTE_KERNEL_RW),
                                          UVMF_TLB_FLUSH | UVMF_ALL),
             0);
    check_eq("uvm-invlpg-multi",
             HYPERVISOR_update_va_mapping(windows[1], pte(mfn[F_DATA], PTE_KERNEL_RW),
                                          UVMF_INVLPG | (unsigned long)&mask),
             0);
    check_ueq("uvm-invlpg-multi-maps", win(1)[0], win(0)[0]);
    /* A bad mask is reported after the update was made. */
    check_eq("uvm-bad-mask",
             HYPERVISOR_update_va_mapping(windows[1], pte(mfn[F_DATA2], PTE_KERNEL_RW),
                                          UVMF_INVLPG | bad),
             -XEN_EFAULT);
    check_ueq("uvm-bad-mask-applied", l1e_read(windows[1]) & PTE_MFN_MASK, mfn[F_DATA2] << 12);
    invlpg(windows[1]);
}

/* Linux's in-place PTE writes, on a read-only L1: each one emulated and validated. */
static void check_emulated_stores(unsigned long l4)
{
    uint64_t *slot = l1e_ptr(windows[4]);
    uint64_t v, expect;
    uint8_t zf;

    map(0, mfn[F_DATA], PTE_KERNEL_RW);
    map(1, mfn[F_DATA2], PTE_KERNEL_RW);
    win(0)[0] = 0x1010;
    win(1)[0] = 0x2020;
    map(4, mfn[F_DATA], PTE_KERNEL_RW);

    v = pte(mfn[F_DATA2], PTE_KERNEL_RW);
    asm volatile("xchg %0, %1" : "+r"(v), "+m"(*slot)::"memory");
    invlpg(windows[4]);
    check_ueq("emul-xchg-old", v & PTE_MFN_MASK, mfn[F_DATA] << 12);
    check_ueq("emul-xchg-maps", win(4)[0], 0x2020);

    expect = *slot;
    v = pte(mfn[F_DATA], PTE_KERNEL_RW);
    asm volatile("lock cmpxchg %3, %1; setz %2"
                 : "+a"(expect), "+m"(*slot), "=q"(zf)
                 : "r"(v)
                 : "memory", "cc");
    invlpg(windows[4]);
    check("emul-cmpxchg-hit", zf && win(4)[0] == 0x1010, "zf %u data 0x%lx", zf, win(4)[0]);
    expect = 0x1234;
    asm volatile("lock cmpxchg %3, %1; setz %2"
                 : "+a"(expect), "+m"(*slot), "=q"(zf)
                 : "r"(pte(mfn[F_DATA2], PTE_KERNEL_RW))
                 : "memory", "cc");
    check("emul-cmpxchg-miss", !zf && expect == *slot, "zf %u rax 0x%lx slot 0x%lx", zf, expect,
          *slot);

    asm volatile("lock btrq $1, %0" ::"m"(*slot) : "memory", "cc");
    invlpg(windows[4]);
    check_eq("emul-btr-clears-rw", probe_write(windows[4], 1), 1);
    asm volatile("lock btsq $1, %0" ::"m"(*slot) : "memory", "cc");
    invlpg(windows[4]);
    check_eq("emul-bts-sets-rw", probe_write(windows[4], 0x1011), 0);
    asm volatile("lock andb $0xfd, %0" ::"m"(*(uint8_t *)slot) : "memory", "cc");
    invlpg(windows[4]);
    check_eq("emul-andb-clears-rw", probe_write(windows[4], 2), 1);
    asm volatile("lock orb $2, %0" ::"m"(*(uint8_t *)slot) : "memory", "cc");
    invlpg(windows[4]);
    check_eq("emul-orb-sets-rw", probe_write(windows[4], 0x1012), 0);
    /* A 32-bit store of the low half (the frame numbers here fit in it). */
    *(volatile uint32_t *)slot = (uint32_t)pte(mfn[F_DATA2], PTE_KERNEL_RW);
    invlpg(windows[4]);
    check_ueq("emul-store32-maps", win(4)[0], 0x2020);
    /* A refused entry (our own L4, writable) faults and leaves the slot alone. */
    v = *slot;
    check_eq("emul-refused-faults", probe_write(slot, pte(l4, PTE_KERNEL_RW)), 1);
    check_ueq("emul-refused-unchanged", *slot, v);
    check_eq("emul-store-zero", probe_write(slot, 0), 0);
    check_ueq("emul-store-zero-unmaps", *slot, 0);
}

void test_main(start_info_t *si)
{
    for ( int i = 0; i < NR_FRAMES; i++ )
        mfn[i] = p2m_list[si->nr_pages - 1 - i];
    check_batches_and_domains(si);
    check_preserve_ad();
    check_tree_pin();
    check_user_baseptr();
    check_copy_clear();
    check_misc_ops();
    check_emulated_stores(virt_to_mfn((void *)si->pt_base));
}
