/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * memory: the XENMEM_ sub-ops a PV guest uses to manage its reservation.
 *
 * The guest gives frames of its own back (decrease_reservation), takes new
 * ones (increase_reservation, populate_physmap), trades frames
 * (XENMEM_exchange) and reads its reservation and the machine's layout.
 * Frames to give back are pages of .bss ("slots"): each slot's virtual
 * address stays, and the guest maps whatever frame it is testing there with
 * update_va_mapping. Every count is read back with current_reservation,
 * so the checks follow the domain's real reservation rather than assume
 * one; dom0 runs with dom0_mem=32M,max:32M, so its reservation starts at
 * its maximum and new frames come only after old ones went back.
 */
#include "runtime.h"

const char guest_name[] = "memory";

enum { NR_SLOTS = 8 };
static uint8_t slots[NR_SLOTS][PAGE_SIZE]
    __attribute__((aligned(PAGE_SIZE), section(".bss.pages")));
static unsigned long slot_mfn[NR_SLOTS]; /* the frame each slot had at boot */

/* An address no guest mapping covers (the guest's own image ends far below). */
#define UNMAPPED ((void *)0xffffffff90000000UL)
#define PATTERN  0x5a5a5a5a5a5a5a5aULL

/* --- helpers ------------------------------------------------------------ */

static long map_slot(unsigned int s, unsigned long mfn)
{
    uint64_t pte = mfn ? ((uint64_t)mfn << 12) | PTE_KERNEL_RW : 0;

    return HYPERVISOR_update_va_mapping(slots[s], pte, UVMF_INVLPG);
}

/* mmu_update of slot s's L1 entry: the other way to map a frame. */
static long mmu_map_slot(unsigned int s, unsigned long mfn)
{
    struct mmu_update u = {
        .ptr = l1e_maddr(slots[s]) | MMU_NORMAL_PT_UPDATE,
        .val = ((uint64_t)mfn << 12) | PTE_KERNEL_RW,
    };

    return HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF);
}

static long m2p_set(unsigned long mfn, unsigned long pfn)
{
    struct mmu_update u = {.ptr = ((uint64_t)mfn << 12) | MMU_MACHPHYS_UPDATE, .val = pfn};

    return HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF);
}

static long reservation(unsigned int op, xen_pfn_t *list, unsigned long nr, unsigned int order,
                        domid_t dom)
{
    struct xen_memory_reservation r = {
        .nr_extents = nr,
        .extent_order = order,
        .domid = dom,
    };

    set_xen_guest_handle(r.extent_start, list);
    return HYPERVISOR_memory_op(op, &r);
}

static long current_pages(void)
{
    domid_t self = DOMID_SELF;

    return HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
}

static bool page_is(const void *p, uint64_t v)
{
    const uint64_t *q = p;

    for ( unsigned int i = 0; i < PAGE_SIZE / 8; i++ )
        if ( q[i] != v )
            return false;
    return true;
}

static void fill_page(void *p, uint64_t v)
{
    uint64_t *q = p;

    for ( unsigned int i = 0; i < PAGE_SIZE / 8; i++ )
        q[i] = v;
}

/* --- statistics ---------------------------------------------------------- */

static void check_stats(const start_info_t *si)
{
    domid_t self = DOMID_SELF, zero = 0, absent = 100, xen = DOMID_XEN;
    static uint8_t buf[8];
    domid_t *unaligned = (domid_t *)&buf[1];
    long cur = current_pages(), max, top;

    check_eq("current-reservation", cur, si->nr_pages);
    check_eq("current-reservation-own-id", HYPERVISOR_memory_op(XENMEM_current_reservation, &zero),
             cur);
    max = HYPERVISOR_memory_op(XENMEM_maximum_reservation, &self);
    check("maximum-reservation", max >= cur, "max %ld cur %ld", max, cur);
    printk("current %ld maximum %ld\n", cur, max);
    check_eq("current-reservation-absent-domain",
             HYPERVISOR_memory_op(XENMEM_current_reservation, &absent), -XEN_ESRCH);
    check_eq("current-reservation-domid-xen",
             HYPERVISOR_memory_op(XENMEM_current_reservation, &xen), -XEN_ESRCH);
    check_eq("current-reservation-unmapped",
             HYPERVISOR_memory_op(XENMEM_current_reservation, UNMAPPED), -XEN_EFAULT);
    *unaligned = DOMID_SELF;
    check_eq("current-reservation-unaligned",
             HYPERVISOR_memory_op(XENMEM_current_reservation, unaligned), cur);
    top = HYPERVISOR_memory_op(XENMEM_maximum_ram_page, NULL);
    check("maximum-ram-page-above-own-frames", top > (long)slot_mfn[0] && top > 0,
          "max_ram_page %ld, a frame of ours %lu", top, slot_mfn[0]);
    printk("maximum_ram_page %ld\n", top);
}

/* maximum_gpfn is read from shared_info's max_pfn, which the guest writes. */
static void check_maximum_gpfn(void)
{
    domid_t self = DOMID_SELF;
    unsigned long saved = shared_info->arch.max_pfn;

    check_eq("maximum-gpfn", HYPERVISOR_memory_op(XENMEM_maximum_gpfn, &self),
             (long)(saved ? saved : 1) - 1);
    shared_info->arch.max_pfn = 12345;
    check_eq("maximum-gpfn-follows-shared-info", HYPERVISOR_memory_op(XENMEM_maximum_gpfn, &self),
             12344);
    shared_info->arch.max_pfn = saved;
    check_eq("maximum-reservation-absent",
             HYPERVISOR_memory_op(XENMEM_maximum_reservation, &(domid_t){100}), -XEN_ESRCH);
    check_eq("current-reservation-null", HYPERVISOR_memory_op(XENMEM_current_reservation, NULL),
             -XEN_EFAULT);
}

static void check_machphys(void)
{
    struct xen_machphys_mapping mm;
    xen_pfn_t frames[4] = {0};
    struct xen_machphys_mfn_list l = {.max_extents = 4};
    long top = HYPERVISOR_memory_op(XENMEM_maximum_ram_page, NULL);

    check_eq("machphys-mapping", HYPERVISOR_memory_op(XENMEM_machphys_mapping, &mm), 0);
    check_ueq("machphys-mapping-start", mm.v_start, MACH2PHYS_VIRT_START);
    check("machphys-mapping-end", mm.v_end > mm.v_start && mm.v_end <= MACH2PHYS_VIRT_END,
          "v_end 0x%lx", mm.v_end);
    check("machphys-mapping-max-mfn", mm.max_mfn + 1 >= (unsigned long)top,
          "max_mfn 0x%lx max_ram_page 0x%lx", mm.max_mfn, top);
    set_xen_guest_handle(l.extent_start, frames);
    check_eq("machphys-mfn-list", HYPERVISOR_memory_op(XENMEM_machphys_mfn_list, &l), 0);
    check("machphys-mfn-list-count", l.nr_extents >= 1 && l.nr_extents <= 4, "nr %u", l.nr_extents);
    check("machphys-mfn-list-frame", frames[0] != 0 && frames[0] < (unsigned long)top,
          "frame 0x%lx", frames[0]);
    /* Each entry names the 2 MiB of the M2P that maps the machine's first frames. */
    check_ueq("m2p-of-own-frame", machine_to_phys[slot_mfn[0]], virt_to_pfn(slots[0]));
}

static void check_memory_maps(void)
{
    static struct e820entry
    {
        uint64_t addr, size;
        uint32_t type;
    } __attribute__((packed)) e820[64];
    struct xen_memory_map map = {.nr_entries = ARRAY_SIZE(e820)};
    uint64_t ram = 0;
    long rc;

    set_xen_guest_handle(map.buffer, (void *)e820);
    rc = HYPERVISOR_memory_op(XENMEM_machine_memory_map, &map);
    check_eq("machine-memory-map", rc, 0);
    for ( unsigned int i = 0; rc == 0 && i < map.nr_entries; i++ )
        if ( e820[i].type == 1 )
            ram += e820[i].size;
    check("machine-memory-map-ram", ram > (200ULL << 20) && ram <= (256ULL << 20),
          "%u entries, %lu bytes of RAM", map.nr_entries, (unsigned long)ram);
    map.nr_entries = ARRAY_SIZE(e820);
    set_xen_guest_handle(map.buffer, UNMAPPED);
    check_eq("machine-memory-map-unmapped", HYPERVISOR_memory_op(XENMEM_machine_memory_map, &map),
             -XEN_EFAULT);
    map.nr_entries = ARRAY_SIZE(e820);
    set_xen_guest_handle(map.buffer, (void *)e820);
    rc = HYPERVISOR_memory_op(XENMEM_memory_map, &map);
    /* A PV domain's pseudo-physical map is its nr_pages: Xen 4.17 has none to give. */
    check_eq("memory-map-pv", rc, -XEN_ENOSYS);
}

/* --- decrease, increase, populate --------------------------------------- */

/*
 * Slot 0: unmapped, then given back. Slot 1: given back while still mapped.
 * Returns the reservation after both.
 */
static long check_decrease(long cur)
{
    xen_pfn_t list[2];
    uint64_t v;

    fill_page(slots[0], PATTERN);
    fill_page(slots[1], PATTERN);
    check_eq("unmap-slot0", map_slot(0, 0), 0);
    list[0] = slot_mfn[0];
    check_eq("decrease-unmapped", reservation(XENMEM_decrease_reservation, list, 1, 0, DOMID_SELF),
             1);
    check_eq("decrease-current-minus-1", current_pages(), cur - 1);
    check_eq("given-back-map-refused", map_slot(0, slot_mfn[0]), -XEN_EBUSY);
    check_eq("given-back-mmu-update-refused", mmu_map_slot(0, slot_mfn[0]), -XEN_EBUSY);
    check_eq("given-back-still-unmapped", probe_read(slots[0], &v), 1);
    check_eq("given-back-again", reservation(XENMEM_decrease_reservation, list, 1, 0, DOMID_SELF),
             0);

    list[0] = slot_mfn[1];
    check_eq("decrease-mapped", reservation(XENMEM_decrease_reservation, list, 1, 0, DOMID_SELF),
             1);
    /* Xen 4.17 counts the frame until its last mapping goes; ours at once. */
    printk("reservation with the given-back frame still mapped: %ld\n", current_pages());
    check("decrease-mapped-still-readable", probe_read(slots[1], &v) == 0 && v == PATTERN,
          "value 0x%lx", (unsigned long)v);
    check("decrease-mapped-page-intact", page_is(slots[1], PATTERN), "changed");
    check_eq("decrease-mapped-unmap", map_slot(1, 0), 0);
    check_eq("decrease-mapped-current-after-unmap", current_pages(), cur - 2);
    check_eq("decrease-mapped-remap-refused", map_slot(1, slot_mfn[1]), -XEN_EBUSY);
    return current_pages();
}

static long mmuext(unsigned int cmd, unsigned long mfn)
{
    struct mmuext_op op = {.cmd = cmd, .arg1.mfn = mfn};

    return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

/*
 * Slot 4 becomes a pinned L1 table (mapped read-only), then goes back: Xen
 * 4.17 leaves the pin alone, and the frame lives on while pinned or mapped.
 */
static long check_decrease_pinned(long cur)
{
    xen_pfn_t list[1] = {slot_mfn[4]};
    uint64_t v;

    check_eq("pinned-remap-ro",
             HYPERVISOR_update_va_mapping(slots[4], ((uint64_t)slot_mfn[4] << 12) | PTE_KERNEL_RO,
                                          UVMF_INVLPG),
             0);
    check_eq("pinned-pin-l1", mmuext(MMUEXT_PIN_L1_TABLE, slot_mfn[4]), 0);
    check_eq("decrease-pinned", reservation(XENMEM_decrease_reservation, list, 1, 0, DOMID_SELF),
             1);
    /* The pin survives the frame leaving the reservation: unpinning still works. */
    check_eq("decrease-pinned-unpin", mmuext(MMUEXT_UNPIN_TABLE, slot_mfn[4]), 0);
    check_eq("decrease-pinned-unpin-again", mmuext(MMUEXT_UNPIN_TABLE, slot_mfn[4]), -XEN_EINVAL);
    check_eq("decrease-pinned-still-readable", probe_read(slots[4], &v), 0);
    check_eq("decrease-pinned-unmap", map_slot(4, 0), 0);
    check_eq("decrease-pinned-current", current_pages(), cur - 1);
    check_eq("decrease-pinned-remap-refused", map_slot(4, slot_mfn[4]), -XEN_EBUSY);
    return current_pages();
}

static void check_decrease_refused(long cur)
{
    unsigned long m2p0 = 0;
    xen_pfn_t list[3];
    struct xen_machphys_mfn_list l = {.max_extents = 1};

    set_xen_guest_handle(l.extent_start, &m2p0);
    HYPERVISOR_memory_op(XENMEM_machphys_mfn_list, &l);
    list[0] = m2p0; /* the hypervisor's frame */
    check_eq("decrease-xen-frame", reservation(XENMEM_decrease_reservation, list, 1, 0, DOMID_SELF),
             0);
    list[0] = HYPERVISOR_memory_op(XENMEM_maximum_ram_page, NULL) + 10;
    check_eq("decrease-beyond-ram",
             reservation(XENMEM_decrease_reservation, list, 1, 0, DOMID_SELF), 0);
    check_eq("decrease-list-unmapped",
             reservation(XENMEM_decrease_reservation, UNMAPPED, 1, 0, DOMID_SELF), 0);
    check_eq("decrease-bad-order",
             reservation(XENMEM_decrease_reservation, list, 1, 30, DOMID_SELF), 0);
    check_eq("decrease-absent-domain", reservation(XENMEM_decrease_reservation, list, 1, 0, 100),
             0);
    check_eq("decrease-address-bits-too-few",
             HYPERVISOR_memory_op(XENMEM_decrease_reservation,
                                  &(struct xen_memory_reservation){
                                      .extent_start.p = list,
                                      .nr_extents = 1,
                                      .mem_flags = XENMEMF_address_bits(12),
                                      .domid = DOMID_SELF,
                                  }),
             0);
    /* The batch stops at the refused frame: the good one after it stays. */
    list[0] = m2p0;
    list[1] = slot_mfn[7];
    list[2] = slot_mfn[6];
    check_eq("decrease-stops-at-refused",
             reservation(XENMEM_decrease_reservation, list, 3, 0, DOMID_SELF), 0);
    check_eq("decrease-refused-current", current_pages(), cur);
}

/* Two frames back (slots 0 and 1 are free): new ones must be zeroed. */
static long check_increase(long cur, long max)
{
    xen_pfn_t list[3] = {0};
    long rc;

    rc = reservation(XENMEM_increase_reservation, list, 1, 0, DOMID_SELF);
    check_eq("increase-one", rc, 1);
    check_eq("increase-current", current_pages(), cur + 1);
    check("increase-mfn-written", list[0] != 0, "mfn 0x%lx", list[0]);
    check_eq("increase-map", map_slot(0, list[0]), 0);
    /* Xen 4.17 does not scrub (scrub_domheap is off): no check of the content. */
    printk("new frame's first word: 0x%lx\n", (unsigned long)*(uint64_t *)slots[0]);
    check_eq("increase-m2p-set", m2p_set(list[0], virt_to_pfn(slots[0])), 0);
    check_ueq("increase-m2p-reads-back", machine_to_phys[list[0]], virt_to_pfn(slots[0]));
    printk("increase: mfn %lx (slot 0 had %lx)\n", list[0], slot_mfn[0]);
    slot_mfn[0] = list[0];
    cur = current_pages();

    /* Asking for more than the room left: a partial count, then none. */
    rc = reservation(XENMEM_increase_reservation, list, 3, 0, DOMID_SELF);
    check_eq("increase-partial", rc, max - cur < 3 ? max - cur : 3);
    check_eq("increase-partial-current", current_pages(), cur + rc);
    if ( current_pages() == max )
        check_eq("increase-at-max",
                 reservation(XENMEM_increase_reservation, &list[2], 1, 0, DOMID_SELF), 0);
    if ( rc > 0 )
        check_eq("increase-partial-give-back",
                 reservation(XENMEM_decrease_reservation, list, rc, 0, DOMID_SELF), rc);
    check_eq("increase-bad-order",
             reservation(XENMEM_increase_reservation, list, 1, 30, DOMID_SELF), 0);
    check_eq("increase-too-many-extents",
             reservation(XENMEM_increase_reservation, list, 1UL << 27, 0, DOMID_SELF), 0);
    check_eq("increase-refused-current", current_pages(), cur);
    return current_pages();
}

/* One frame free in the reservation (slot 1's): populate a pfn with it. */
static long check_populate(long cur)
{
    xen_pfn_t list[2];
    unsigned long pfn = virt_to_pfn(slots[1]);

    list[0] = pfn;
    check_eq("populate-one", reservation(XENMEM_populate_physmap, list, 1, 0, DOMID_SELF), 1);
    check_eq("populate-current", current_pages(), cur + 1);
    check("populate-mfn-written", list[0] != pfn && list[0] != 0, "mfn 0x%lx", list[0]);
    check_ueq("populate-m2p", machine_to_phys[list[0]], pfn);
    check_eq("populate-map", map_slot(1, list[0]), 0);
    printk("populated frame's first word: 0x%lx\n", (unsigned long)*(uint64_t *)slots[1]);
    slot_mfn[1] = list[0];
    list[0] = pfn;
    check_eq("populate-list-unmapped",
             reservation(XENMEM_populate_physmap, UNMAPPED, 1, 0, DOMID_SELF), 0);
    check_eq("populate-bad-order", reservation(XENMEM_populate_physmap, list, 1, 30, DOMID_SELF),
             0);
    return current_pages();
}

/*
 * Order 1: slots 2 and 3 go back, one 2-frame extent comes for two pfns,
 * then is given back as one extent and the two pfns are populated again.
 */
static void check_order1(long cur)
{
    xen_pfn_t list[2];
    unsigned long pfn = virt_to_pfn(slots[2]);

    check_eq("order1-unmap", map_slot(2, 0) | map_slot(3, 0), 0);
    list[0] = slot_mfn[2];
    list[1] = slot_mfn[3];
    check_eq("order1-make-room", reservation(XENMEM_decrease_reservation, list, 2, 0, DOMID_SELF),
             2);
    list[0] = pfn;
    check_eq("populate-order1", reservation(XENMEM_populate_physmap, list, 1, 1, DOMID_SELF), 1);
    check_eq("populate-order1-current", current_pages(), cur);
    check_ueq("populate-order1-aligned", list[0] & 1, 0);
    check_ueq("populate-order1-m2p-0", machine_to_phys[list[0]], pfn);
    check_ueq("populate-order1-m2p-1", machine_to_phys[list[0] + 1], pfn + 1);
    check_eq("order1-map", map_slot(2, list[0]) | map_slot(3, list[0] + 1), 0);
    slot_mfn[2] = list[0];
    slot_mfn[3] = list[0] + 1;
}

/* --- exchange ------------------------------------------------------------ */

static long exchange(xen_pfn_t *in, unsigned long nr_in, unsigned int in_order, xen_pfn_t *out,
                     unsigned long nr_out, unsigned int out_order, domid_t dom,
                     xen_ulong_t *nr_exchanged)
{
    struct xen_memory_exchange x = {
        .in = {.nr_extents = nr_in, .extent_order = in_order, .domid = dom},
        .out = {.nr_extents = nr_out, .extent_order = out_order, .domid = dom},
        .nr_exchanged = *nr_exchanged,
    };
    long rc;

    set_xen_guest_handle(x.in.extent_start, in);
    set_xen_guest_handle(x.out.extent_start, out);
    rc = HYPERVISOR_memory_op(XENMEM_exchange, &x);
    *nr_exchanged = x.nr_exchanged;
    return rc;
}

/* Slots 2 and 3 (an order-1 extent) become two order-0 frames, and back. */
static void check_exchange(long cur)
{
    xen_pfn_t in[2], out[2];
    xen_ulong_t done = 0;
    unsigned long pfn = virt_to_pfn(slots[2]);
    long rc;

    fill_page(slots[2], PATTERN);
    /* A frame still mapped cannot be traded. */
    in[0] = slot_mfn[2];
    out[0] = pfn;
    rc = exchange(in, 1, 0, out, 1, 0, DOMID_SELF, &done);
    check_eq("exchange-mapped-refused", rc, -XEN_EINVAL);
    check_ueq("exchange-mapped-nr-exchanged", done, 0);

    check_eq("exchange-unmap", map_slot(2, 0) | map_slot(3, 0), 0);
    in[0] = slot_mfn[2];
    in[1] = slot_mfn[3];
    out[0] = pfn;
    done = 0;
    rc = exchange(in, 2, 0, out, 1, 1, DOMID_SELF, &done);
    check_eq("exchange-2x0-for-1x1", rc, 0);
    check_ueq("exchange-nr-exchanged", done, 2);
    check_eq("exchange-current", current_pages(), cur);
    check_ueq("exchange-out-aligned", out[0] & 1, 0);
    check_ueq("exchange-out-m2p", machine_to_phys[out[0]], pfn);
    check_eq("exchange-old-refused", map_slot(2, in[0]), -XEN_EBUSY);
    check_eq("exchange-new-map", map_slot(2, out[0]) | map_slot(3, out[0] + 1), 0);
    slot_mfn[2] = out[0];
    slot_mfn[3] = out[0] + 1;

    /* Already complete: nothing is done and nr_exchanged is kept. */
    rc = exchange(in, 2, 0, out, 1, 1, DOMID_SELF, &done);
    check_eq("exchange-complete", rc, 0);
    check_ueq("exchange-complete-nr", done, 2);
    done = 0;
    check_eq("exchange-size-mismatch", exchange(in, 2, 0, out, 2, 1, DOMID_SELF, &done),
             -XEN_EINVAL);
    check_eq("exchange-bad-order", exchange(in, 1, 0, out, 1, 0, DOMID_SELF, &(xen_ulong_t){5}),
             -XEN_EINVAL);
    check_eq("exchange-absent-domain", exchange(in, 1, 0, out, 1, 0, 100, &done), -XEN_ESRCH);
    check_eq("exchange-order-too-big", exchange(in, 1, 20, out, 1, 20, DOMID_SELF, &done),
             -XEN_EPERM);
    check_eq("exchange-unmapped-arg", HYPERVISOR_memory_op(XENMEM_exchange, UNMAPPED), -XEN_EFAULT);
    check_eq("exchange-refused-current", current_pages(), cur);
}

/*
 * nr_exchanged is the progress: slot 5's frame and one of Xen's in one
 * call trade the first and stop at the second (-EINVAL, nr_exchanged 1);
 * the call again from there with slot 6's frame finishes (2).
 */
static void check_exchange_progress(long cur)
{
    unsigned long m2p0 = 0, pfn = virt_to_pfn(slots[5]);
    struct xen_machphys_mfn_list l = {.max_extents = 1};
    xen_pfn_t in[2], out[2];
    xen_ulong_t done = 0;

    set_xen_guest_handle(l.extent_start, &m2p0);
    HYPERVISOR_memory_op(XENMEM_machphys_mfn_list, &l);
    check_eq("progress-unmap", map_slot(5, 0) | map_slot(6, 0), 0);
    in[0] = slot_mfn[5];
    in[1] = m2p0;
    out[0] = pfn;
    out[1] = pfn + 1;
    check_eq("progress-stops", exchange(in, 2, 0, out, 2, 0, DOMID_SELF, &done), -XEN_EINVAL);
    check_ueq("progress-nr-exchanged-1", done, 1);
    check_ueq("progress-first-m2p", machine_to_phys[out[0]], pfn);
    check_eq("progress-first-map", map_slot(5, out[0]), 0);
    check_eq("progress-first-old-refused", map_slot(6, in[0]), -XEN_EBUSY);
    slot_mfn[5] = out[0];
    in[1] = slot_mfn[6];
    check_eq("progress-resume", exchange(in, 2, 0, out, 2, 0, DOMID_SELF, &done), 0);
    check_ueq("progress-nr-exchanged-2", done, 2);
    check_ueq("progress-second-m2p", machine_to_phys[out[1]], pfn + 1);
    check_eq("progress-second-map", map_slot(6, out[1]), 0);
    slot_mfn[6] = out[1];
    check_eq("progress-current", current_pages(), cur);
}

/*
 * Slots 2 and 3 hold one order-1 extent: it goes back as one extent of
 * order 1 (2 frames), and increase_reservation of order 1 gives 2 again.
 */
static void check_order1_round_trip(long cur)
{
    xen_pfn_t list[1] = {slot_mfn[2]};

    check_eq("order1-unmap-again", map_slot(2, 0) | map_slot(3, 0), 0);
    check_eq("decrease-order1", reservation(XENMEM_decrease_reservation, list, 1, 1, DOMID_SELF),
             1);
    check_eq("decrease-order1-current", current_pages(), cur - 2);
    check_eq("decrease-order1-second-refused", map_slot(3, slot_mfn[3]), -XEN_EBUSY);
    list[0] = 0;
    check_eq("increase-order1", reservation(XENMEM_increase_reservation, list, 1, 1, DOMID_SELF),
             1);
    check_eq("increase-order1-current", current_pages(), cur);
    check_ueq("increase-order1-aligned", list[0] & 1, 0);
    check_eq("increase-order1-map", map_slot(2, list[0]) | map_slot(3, list[0] + 1), 0);
    slot_mfn[2] = list[0];
    slot_mfn[3] = list[0] + 1;
}

/*
 * increase_reservation allocates an extent before it writes its MFN out: a
 * list the guest cannot write gets a count of 0, and the frame stays the
 * domain's (Xen 4.17 and ours alike). Slot 7 goes back to make room.
 */
static void check_unmapped_list(void)
{
    xen_pfn_t list[1] = {slot_mfn[7]};
    long cur;

    check_eq("unmapped-list-room", map_slot(7, 0), 0);
    check_eq("unmapped-list-room-decrease",
             reservation(XENMEM_decrease_reservation, list, 1, 0, DOMID_SELF), 1);
    cur = current_pages();
    check_eq("increase-list-unmapped",
             reservation(XENMEM_increase_reservation, UNMAPPED, 1, 0, DOMID_SELF), 0);
    check_eq("increase-list-unmapped-frame-kept", current_pages(), cur + 1);
}

/*
 * An exchange whose output list cannot be read or written: slot 6's frame
 * is traded all the same (-EFAULT), and the guest cannot learn its new one.
 */
static void check_exchange_unwritable_out(void)
{
    xen_pfn_t in[1] = {slot_mfn[6]};
    xen_ulong_t done = 0;
    long cur = current_pages(), rc;

    check_eq("exchange-unmapped-out-unmap", map_slot(6, 0), 0);
    rc = exchange(in, 1, 0, UNMAPPED, 1, 0, DOMID_SELF, &done);
    check_eq("exchange-unmapped-out", rc, -XEN_EFAULT);
    /* Xen 4.17 reports no progress although the chunk was traded. */
    check_ueq("exchange-unmapped-out-nr-exchanged", done, 0);
    check_eq("exchange-unmapped-out-current", current_pages(), cur);
    check_eq("exchange-unmapped-out-old-gone", map_slot(6, slot_mfn[6]), -XEN_EBUSY);
}

void test_main(start_info_t *si)
{
    long cur, max;
    domid_t self = DOMID_SELF;

    for ( unsigned int s = 0; s < NR_SLOTS; s++ )
        slot_mfn[s] = p2m_list[virt_to_pfn(slots[s])];
    check_stats(si);
    check_machphys();
    check_maximum_gpfn();
    check_memory_maps();
    max = HYPERVISOR_memory_op(XENMEM_maximum_reservation, &self);
    cur = check_decrease(current_pages());
    cur = check_decrease_pinned(cur);
    check_decrease_refused(cur);
    cur = check_increase(cur, max);
    cur = check_populate(cur);
    check_order1(cur);
    check_exchange(cur);
    check_exchange_progress(cur);
    check_order1_round_trip(cur);
    check_eq("memory-op-bad-subop", HYPERVISOR_memory_op(999, &self), -XEN_ENOSYS);
    check_unmapped_list();
    check_exchange_unwritable_out();
}
