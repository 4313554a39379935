/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mmu: page-table updates through mmu_update, update_va_mapping, mmuext_op
 * and multicall, and the rules Xen enforces on them.
 *
 * Frames: the last pages of dom0's memory lie outside the initial mapping,
 * so they are plain writable pages with no mapping: frames[] below. They are
 * mapped at "windows", page-aligned .bss pages whose L1 entries we rewrite.
 * Positive cases check the resulting PTE and the data seen through it;
 * negative cases check the errno Xen returns and that nothing changed, and
 * faulting accesses check the #PF error code and CR2 the guest was given.
 */
#include "runtime.h"

const char guest_name[] = "mmu";

#define NR_WINDOWS 4
static uint8_t windows[NR_WINDOWS][PAGE_SIZE]
    __attribute__((aligned(PAGE_SIZE), section(".bss.pages")));

#define NR_FRAMES 4
static unsigned long frame_pfn[NR_FRAMES], frame_mfn[NR_FRAMES];

/*
 * #PF error code bits. The guest kernel runs in ring 3, but Xen clears the
 * user bit when it bounces a fault that happened in guest-kernel mode.
 */
#define PFEC_PRESENT 1
#define PFEC_WRITE   2

static uint64_t pte(unsigned long mfn, uint64_t flags)
{
    return ((uint64_t)mfn << 12) | flags;
}

static uint64_t *win(int i)
{
    return (uint64_t *)windows[i];
}

static long map(int w, unsigned long mfn, uint64_t flags)
{
    return HYPERVISOR_update_va_mapping(windows[w], pte(mfn, flags), UVMF_INVLPG);
}

static long mmuext(unsigned int cmd, unsigned long arg)
{
    struct mmuext_op op = {.cmd = cmd};

    if ( cmd == MMUEXT_INVLPG_LOCAL )
        op.arg1.linear_addr = arg;
    else
        op.arg1.mfn = arg;
    return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

static long mmu_update1(uint64_t ptr, uint64_t val, unsigned int *done)
{
    struct mmu_update req = {.ptr = ptr, .val = val};

    return HYPERVISOR_mmu_update(&req, 1, done, DOMID_SELF);
}

/* True when the last probe trapped with #PF at addr with error code ec. */
static bool page_fault_at(const void *addr, uint64_t ec, long probe_rc)
{
    return probe_rc == 1 && last_fault.vector == 14 && last_fault.error_code == ec &&
           last_fault.cr2 == (uint64_t)addr;
}

#define CHECK_PF(name, addr, ec, rc)                                                               \
    check(name, page_fault_at(addr, ec, rc), "probe %ld vector %lu error 0x%lx cr2 0x%lx", rc,     \
          last_fault.vector, last_fault.error_code, last_fault.cr2)

static void pick_frames(const start_info_t *si)
{
    int i;

    for ( i = 0; i < NR_FRAMES; i++ )
    {
        frame_pfn[i] = si->nr_pages - 1 - i;
        frame_mfn[i] = p2m_list[frame_pfn[i]];
    }
}

static void check_map_and_alias(void)
{
    uint64_t v = 0;
    long rc;

    check_eq("uvm-map-rw", map(0, frame_mfn[0], PTE_KERNEL_RW), 0);
    check_ueq("uvm-map-rw-pte", l1e_read(windows[0]) & (PTE_MFN_MASK | PTE_RW),
              pte(frame_mfn[0], PTE_RW));
    win(0)[0] = 0x1111111111111111UL;
    win(0)[511] = frame_mfn[0];
    check_ueq("uvm-map-rw-readback", win(0)[511], frame_mfn[0]);
    /* The same frame read-only at a second address. */
    check_eq("uvm-map-ro-alias", map(1, frame_mfn[0], PTE_KERNEL_RO), 0);
    check_ueq("uvm-alias-sees-data", win(1)[0], 0x1111111111111111UL);
    rc = probe_write(windows[1], 1);
    CHECK_PF("ro-alias-write-faults", windows[1], PFEC_PRESENT | PFEC_WRITE, rc);
    check("ro-alias-fault-rip", last_fault.rip == (uint64_t)probe_write + 2, "rip 0x%lx",
          last_fault.rip);
    /* Retarget a window with UVMF_INVLPG: no stale translation. */
    check_eq("uvm-map-second-frame", map(2, frame_mfn[1], PTE_KERNEL_RW), 0);
    win(2)[0] = 0x2222222222222222UL;
    check_eq("uvm-retarget-invlpg", map(0, frame_mfn[1], PTE_KERNEL_RW), 0);
    check_ueq("uvm-retarget-sees-new", win(0)[0], 0x2222222222222222UL);
    /* Unmap: a not-present PTE, then the access faults with P clear. */
    check_eq("uvm-unmap", map(3, 0, 0), 0);
    rc = probe_read(windows[3], &v);
    CHECK_PF("unmapped-read-faults", windows[3], 0, rc);
}

static void check_mmu_update(void)
{
    unsigned int done = 99;
    uint64_t ptr = l1e_maddr(windows[3]);

    check_eq("mmu-update-normal",
             mmu_update1(ptr | MMU_NORMAL_PT_UPDATE, pte(frame_mfn[0], PTE_KERNEL_RW), &done), 0);
    check_eq("mmu-update-done", done, 1);
    /* No flush was asked for, but the old entry was not present. */
    check_ueq("mmu-update-maps", win(3)[511], frame_mfn[0]);
    /* The command is ptr & 7: 0-3 exist, 4-7 do not. */
    check_eq("mmu-update-bad-cmd", mmu_update1(ptr | 4, 0, NULL), -XEN_ENOSYS);
    check_ueq("mmu-update-bad-cmd-unchanged", win(3)[511], frame_mfn[0]);
    check_eq("mmuext-bad-cmd", mmuext(99, 0), -XEN_ENOSYS);
    check_eq("mmuext-tlb-flush-local", mmuext(MMUEXT_TLB_FLUSH_LOCAL, 0), 0);
    check_eq("mmuext-invlpg-local", mmuext(MMUEXT_INVLPG_LOCAL, (unsigned long)windows[0]), 0);
}

static void check_refusals(const start_info_t *si)
{
    unsigned long l4_mfn = virt_to_mfn((void *)si->pt_base);
    unsigned long huge_mfn = (1UL << 40) - 1; /* beyond any physical address */
    uint64_t before = l1e_read(windows[2]);

    check("pt-frame-writable-refused",
          map(2, l4_mfn, PTE_KERNEL_RW) < 0 && l1e_read(windows[2]) == before, "pte now 0x%lx",
          l1e_read(windows[2]));
    /* A type conflict (page table vs writable) is -EBUSY, not -EINVAL. */
    check_eq("pt-frame-writable-errno", map(2, l4_mfn, PTE_KERNEL_RW), -XEN_EBUSY);
    check_eq("pt-frame-read-only-ok", map(2, l4_mfn, PTE_KERNEL_RO), 0);
    check_ueq("pt-frame-read-only-view", win(2)[511], ((const uint64_t *)si->pt_base)[511]);
    check_eq("huge-mfn-refused", map(2, huge_mfn, PTE_KERNEL_RW), -XEN_EINVAL);
    check_eq("xen-va-refused",
             HYPERVISOR_update_va_mapping((void *)0xffff830000000000UL,
                                          pte(frame_mfn[0], PTE_KERNEL_RW), 0),
             -XEN_EINVAL);
    check_eq("unmapped-l1-refused",
             HYPERVISOR_update_va_mapping((void *)0xffffffffc0000000UL,
                                          pte(frame_mfn[0], PTE_KERNEL_RW), 0),
             -XEN_EINVAL);
}

/* The M2P: readable at its fixed address, its frames Xen's and read-only. */
static void check_m2p(void)
{
    xen_pfn_t m2p_mfns[4] = {0};
    struct xen_machphys_mfn_list list = {.max_extents = 4};
    unsigned int done = 0;
    void *m2p = (void *)&machine_to_phys[frame_mfn[0]];
    long rc;

    set_xen_guest_handle(list.extent_start, m2p_mfns);
    rc = HYPERVISOR_memory_op(XENMEM_machphys_mfn_list, &list);
    check("m2p-mfn-list", rc == 0 && list.nr_extents >= 1 && m2p_mfns[0] != 0, "rc %ld extents %u",
          rc, list.nr_extents);
    /* Xen's frames: not ours to map with update_va_mapping ... */
    check_eq("m2p-frame-uvm-rw", map(2, m2p_mfns[0], PTE_KERNEL_RW), -XEN_EBUSY);
    check_eq("m2p-frame-uvm-ro", map(2, m2p_mfns[0], PTE_KERNEL_RO), -XEN_EBUSY);
    /* ... but dom0 may map them read-only as DOMID_XEN's. */
    check_eq("m2p-frame-domid-xen-rw",
             HYPERVISOR_mmu_update(
                 &(struct mmu_update){l1e_maddr(windows[2]), pte(m2p_mfns[0], PTE_KERNEL_RW)}, 1,
                 NULL, DOMID_XEN),
             -XEN_EBUSY);
    check_eq("m2p-frame-domid-xen-ro",
             HYPERVISOR_mmu_update(
                 &(struct mmu_update){l1e_maddr(windows[2]), pte(m2p_mfns[0], PTE_KERNEL_RO)}, 1,
                 NULL, DOMID_XEN),
             0);
    /* mmu_update does not flush: the old translation may still be cached. */
    mmuext(MMUEXT_INVLPG_LOCAL, (unsigned long)windows[2]);
    check("m2p-frame-content", !memcmp(windows[2], machine_to_phys, PAGE_SIZE),
          "first M2P page differs from its mapping");
    rc = probe_write(m2p, 0);
    CHECK_PF("m2p-write-faults", m2p, PFEC_PRESENT | PFEC_WRITE, rc);
    /* MMU_MACHPHYS_UPDATE changes the entry for a frame we own. */
    rc = mmu_update1(((uint64_t)frame_mfn[0] << 12) | MMU_MACHPHYS_UPDATE, 0x12345, &done);
    check("machphys-update", rc == 0 && done == 1, "rc %ld done %u", rc, done);
    check_ueq("machphys-update-visible", machine_to_phys[frame_mfn[0]], 0x12345);
    mmu_update1(((uint64_t)frame_mfn[0] << 12) | MMU_MACHPHYS_UPDATE, frame_pfn[0], NULL);
    check_ueq("machphys-update-restored", machine_to_phys[frame_mfn[0]], frame_pfn[0]);
    check("machphys-update-foreign-refused",
          mmu_update1(((uint64_t)m2p_mfns[0] << 12) | MMU_MACHPHYS_UPDATE, 0, NULL) < 0,
          "an M2P frame's own entry was changed");
}

/*
 * Pinning: frame 2 becomes an L1 table. A frame with a writable mapping
 * cannot become a page table and a pinned table cannot be mapped writable.
 */
static void check_pinning(void)
{
    unsigned long mfn = frame_mfn[2];
    uint64_t slot0 = (uint64_t)mfn << 12;

    check_eq("l1-map-rw-to-clear", map(1, mfn, PTE_KERNEL_RW), 0);
    memset(windows[1], 0, PAGE_SIZE);
    check_eq("pin-l1-while-writable", mmuext(MMUEXT_PIN_L1_TABLE, mfn), -XEN_EINVAL);
    check_eq("l1-map-ro", map(1, mfn, PTE_KERNEL_RO), 0);
    check_eq("pin-l1", mmuext(MMUEXT_PIN_L1_TABLE, mfn), 0);
    check_eq("pin-l1-twice", mmuext(MMUEXT_PIN_L1_TABLE, mfn), -XEN_EINVAL);
    check_eq("pinned-map-rw-refused", map(2, mfn, PTE_KERNEL_RW), -XEN_EBUSY);
    check_eq("pinned-l1-update",
             mmu_update1(slot0 | MMU_NORMAL_PT_UPDATE, pte(frame_mfn[0], PTE_KERNEL_RW), NULL), 0);
    check_ueq("pinned-l1-entry-written", win(1)[0] & PTE_MFN_MASK, (uint64_t)frame_mfn[0] << 12);
    check_eq("pinned-l1-entry-to-self-rw-refused",
             mmu_update1(slot0 + 8, pte(mfn, PTE_KERNEL_RW), NULL), -XEN_EBUSY);
    check_ueq("pinned-l1-entry-unchanged", win(1)[1], 0);
    check_eq("unpin", mmuext(MMUEXT_UNPIN_TABLE, mfn), 0);
    check_eq("unpin-twice", mmuext(MMUEXT_UNPIN_TABLE, mfn), -XEN_EINVAL);
    check_eq("unpinned-map-rw-ok", map(2, mfn, PTE_KERNEL_RW), 0);
    /* An empty L2: cleared through a writable mapping, then read-only. */
    map(2, frame_mfn[3], PTE_KERNEL_RW);
    memset(windows[2], 0, PAGE_SIZE);
    map(2, frame_mfn[3], PTE_KERNEL_RO);
    check_eq("pin-l2-empty", mmuext(MMUEXT_PIN_L2_TABLE, frame_mfn[3]), 0);
    check_eq("pin-l2-as-l1-refused", mmuext(MMUEXT_PIN_L1_TABLE, frame_mfn[3]), -XEN_EINVAL);
    check_eq("unpin-l2", mmuext(MMUEXT_UNPIN_TABLE, frame_mfn[3]), 0);
}

/*
 * Writable page tables: a plain store into an L1 page is emulated and
 * validated like mmu_update. Xen 4.17 does so for every PV guest, whether
 * or not it enabled VMASST_TYPE_writable_pagetables; the assist itself
 * still exists and can be enabled.
 */
static void check_writable_pagetables(const start_info_t *si)
{
    uint64_t *slot = l1e_ptr(windows[3]);
    uint64_t before = *slot;
    long rc;

    rc = probe_write(slot, pte(frame_mfn[1], PTE_KERNEL_RW));
    check_eq("l1-store-without-assist-emulated", rc, 0);
    mmuext(MMUEXT_INVLPG_LOCAL, (unsigned long)windows[3]);
    check_ueq("l1-store-without-assist-maps", win(3)[0], 0x2222222222222222UL);
    check("l1-store-changed-entry", *slot != before, "entry still 0x%lx", before);
    check_eq("vm-assist-writable-pt",
             HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_writable_pagetables), 0);
    check_eq("vm-assist-bad-type", HYPERVISOR_vm_assist(VMASST_CMD_enable, 31), -XEN_EINVAL);
    check_eq("vm-assist-bad-cmd", HYPERVISOR_vm_assist(7, VMASST_TYPE_writable_pagetables),
             -XEN_ENOSYS);
    rc = probe_write(slot, pte(frame_mfn[0], PTE_KERNEL_RW));
    check_eq("l1-store-emulated", rc, 0);
    mmuext(MMUEXT_INVLPG_LOCAL, (unsigned long)windows[3]);
    check_ueq("l1-store-emulated-maps", win(3)[511], frame_mfn[0]);
    before = *slot;
    rc = probe_write(slot, pte(virt_to_mfn((void *)si->pt_base), PTE_KERNEL_RW));
    CHECK_PF("l1-store-of-pt-frame-rw-faults", slot, PFEC_PRESENT | PFEC_WRITE, rc);
    check_ueq("l1-store-refused-unchanged", *slot, before);
}

/* A multicall runs each entry and reports each result separately. */
static void check_multicall(const start_info_t *si)
{
    multicall_entry_t mc[2] = {
        {.op = __HYPERVISOR_update_va_mapping,
         .args = {(unsigned long)windows[0], pte(frame_mfn[0], PTE_KERNEL_RW), UVMF_INVLPG}},
        {.op = __HYPERVISOR_update_va_mapping,
         .args = {(unsigned long)windows[2], pte(virt_to_mfn((void *)si->pt_base), PTE_KERNEL_RW),
                  UVMF_INVLPG}},
    };

    check_eq("multicall-rc", HYPERVISOR_multicall(mc, 2), 0);
    check_eq("multicall-first-ok", (long)mc[0].result, 0);
    check_eq("multicall-second-refused", (long)mc[1].result, -XEN_EBUSY);
    check_ueq("multicall-first-applied", win(0)[511], frame_mfn[0]);
}

void test_main(start_info_t *si)
{
    pick_frames(si);
    check_map_and_alias();
    check_mmu_update();
    check_refusals(si);
    check_m2p();
    check_pinning();
    check_writable_pagetables(si);
    check_multicall(si);
}
