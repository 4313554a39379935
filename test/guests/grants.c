/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * grants: grant tables version 1, exercised by dom0 granting to itself.
 *
 * The guest sets up its own grant table, maps the shared frame, and writes
 * entries granting its own frames to its own domain id. It then maps them
 * (read-only and writable host mappings at .bss "windows"), copies through
 * them, and unmaps them, checking after each step the PTE Xen wrote, the
 * data seen through it, the GTF_reading/GTF_writing flags Xen keeps in the
 * shared entry, and the per-op status codes of the refusals (bad refs,
 * handles, domains, copy bounds, a read-only grant mapped writable).
 */
#include "runtime.h"
#include <public/grant_table.h>

const char guest_name[] = "grants";

#define NR_WINDOWS 4
static uint8_t windows[NR_WINDOWS][PAGE_SIZE]
    __attribute__((aligned(PAGE_SIZE), section(".bss.pages")));

#define REF_DATA   10 /* frame A, read-write, for ourselves */
#define REF_EMPTY  11 /* never written: GTF_invalid */
#define REF_RO     12 /* frame A, read-only */
#define REF_OTHER  13 /* frame A, for another domain */
#define OTHER_DOM  5
#define SELF_DOMID 0 /* dom0's id: map needs a real id, not DOMID_SELF */

static grant_entry_v1_t *gnttab; /* windows[0] */
static unsigned long mfn_a, mfn_b;

static long gnttab_op(unsigned int cmd, void *op, unsigned int count)
{
    return hypercall(__HYPERVISOR_grant_table_op, cmd, op, count, 0, 0);
}

static long map_window(int w, unsigned long mfn, uint64_t flags)
{
    return HYPERVISOR_update_va_mapping(windows[w], (mfn << 12) | flags, UVMF_INVLPG);
}

static void check_table_ops(void)
{
    struct gnttab_query_size qs = {.dom = DOMID_SELF};
    struct gnttab_set_version sv = {.version = 1};
    struct gnttab_get_version gv = {.dom = DOMID_SELF};
    struct gnttab_get_status_frames gs = {.dom = DOMID_SELF, .nr_frames = 1};
    uint64_t sframes[1];
    xen_pfn_t frames[2] = {0, 0};
    struct gnttab_setup_table st = {.dom = DOMID_SELF, .nr_frames = 1};
    uint32_t max;

    check_eq("query-size-rc", gnttab_op(GNTTABOP_query_size, &qs, 1), 0);
    check_eq("query-size-status", qs.status, GNTST_okay);
    check("query-size-values", qs.nr_frames >= 1 && qs.max_nr_frames >= qs.nr_frames,
          "nr_frames %u max %u", qs.nr_frames, qs.max_nr_frames);
    max = qs.max_nr_frames;
    printk("grant table: %u frames, at most %u\n", qs.nr_frames, max);
    check_eq("query-size-count-2", gnttab_op(GNTTABOP_query_size, &qs, 2), -XEN_EINVAL);
    qs.dom = 1000;
    check_eq("query-size-bad-dom-rc", gnttab_op(GNTTABOP_query_size, &qs, 1), 0);
    check_eq("query-size-bad-dom", qs.status, GNTST_bad_domain);

    check_eq("set-version-1", gnttab_op(GNTTABOP_set_version, &sv, 1), 0);
    sv.version = 3;
    check_eq("set-version-3", gnttab_op(GNTTABOP_set_version, &sv, 1), -XEN_EINVAL);
    check_eq("get-version-rc", gnttab_op(GNTTABOP_get_version, &gv, 1), 0);
    check_eq("get-version", gv.version, 1);

    set_xen_guest_handle(st.frame_list, frames);
    check_eq("setup-table-rc", gnttab_op(GNTTABOP_setup_table, &st, 1), 0);
    check_eq("setup-table-status", st.status, GNTST_okay);
    check("setup-table-frame", frames[0] != 0 && frames[1] == 0, "frames 0x%lx 0x%lx", frames[0],
          frames[1]);
    check_eq("setup-table-count-0", gnttab_op(GNTTABOP_setup_table, &st, 0), -XEN_EINVAL);
    st.nr_frames = max + 1;
    check_eq("setup-table-too-big-rc", gnttab_op(GNTTABOP_setup_table, &st, 1), 0);
    check_eq("setup-table-too-big", st.status, GNTST_general_error);
    st.nr_frames = 1;
    st.dom = 1000;
    gnttab_op(GNTTABOP_setup_table, &st, 1);
    check_eq("setup-table-bad-dom", st.status, GNTST_bad_domain);

    set_xen_guest_handle(gs.frame_list, sframes);
    check_eq("status-frames-rc", gnttab_op(GNTTABOP_get_status_frames, &gs, 1), 0);
    check_eq("status-frames-v1", gs.status, GNTST_general_error);
    check_eq("dump-table-gone", gnttab_op(GNTTABOP_dump_table, &qs, 1), -XEN_ENOSYS);
    check_eq("bad-subop", gnttab_op(99, &qs, 1), -XEN_ENOSYS);

    check_eq("map-table-frame", map_window(0, frames[0], PTE_KERNEL_RW), 0);
    gnttab = (grant_entry_v1_t *)windows[0];
}

static void grant(unsigned int ref, domid_t dom, unsigned long mfn, uint16_t flags)
{
    gnttab[ref].domid = dom;
    gnttab[ref].frame = (uint32_t)mfn;
    __atomic_store_n(&gnttab[ref].flags, flags, __ATOMIC_RELEASE);
}

static struct gnttab_map_grant_ref map_op(unsigned int ref, domid_t dom, int w, uint32_t flags)
{
    struct gnttab_map_grant_ref op = {
        .host_addr = (uint64_t)windows[w], .flags = flags, .ref = ref, .dom = dom};

    struct mmuext_op flush = {.cmd = MMUEXT_INVLPG_LOCAL, .arg1.linear_addr = op.host_addr};

    op.status = 99;
    gnttab_op(GNTTABOP_map_grant_ref, &op, 1);
    /* Xen does not flush host_addr: the window's old translation may still be cached. */
    HYPERVISOR_mmuext_op(&flush, 1, NULL, DOMID_SELF);
    return op;
}

static int16_t unmap(grant_handle_t h, int w)
{
    struct gnttab_unmap_grant_ref op = {.host_addr = w < 0 ? 0 : (uint64_t)windows[w], .handle = h};

    op.status = 99;
    gnttab_op(GNTTABOP_unmap_grant_ref, &op, 1);
    return op.status;
}

static void check_map_unmap(void)
{
    struct gnttab_map_grant_ref ro, rw, bad;
    uint64_t v = 0;

    check_eq("map-frame-a", map_window(1, mfn_a, PTE_KERNEL_RW), 0);
    ((uint64_t *)windows[1])[0] = 0xa1a1a1a1a1a1a1a1UL;
    grant(REF_DATA, SELF_DOMID, mfn_a, GTF_permit_access);
    grant(REF_RO, SELF_DOMID, mfn_a, GTF_permit_access | GTF_readonly);
    grant(REF_OTHER, OTHER_DOM, mfn_a, GTF_permit_access);

    bad = map_op(REF_DATA, DOMID_SELF, 2, GNTMAP_host_map);
    check_eq("map-domid-self", bad.status, GNTST_bad_domain);
    bad = map_op(REF_DATA, SELF_DOMID, 2, 0);
    check_eq("map-no-flags", bad.status, GNTST_bad_gntref);
    bad = map_op(1000000, SELF_DOMID, 2, GNTMAP_host_map);
    check_eq("map-ref-out-of-range", bad.status, GNTST_bad_gntref);
    bad = map_op(REF_EMPTY, SELF_DOMID, 2, GNTMAP_host_map);
    check_eq("map-invalid-entry", bad.status, GNTST_general_error);
    bad = map_op(REF_OTHER, SELF_DOMID, 2, GNTMAP_host_map);
    check_eq("map-other-domain-entry", bad.status, GNTST_general_error);
    bad = map_op(REF_RO, SELF_DOMID, 2, GNTMAP_host_map);
    check_eq("map-ro-grant-writable", bad.status, GNTST_general_error);
    check_ueq("refused-maps-leave-flags", gnttab[REF_RO].flags | gnttab[REF_DATA].flags << 16,
              (GTF_permit_access | GTF_readonly) | GTF_permit_access << 16);

    ro = map_op(REF_DATA, SELF_DOMID, 2, GNTMAP_host_map | GNTMAP_readonly);
    check_eq("map-ro", ro.status, GNTST_okay);
    check_ueq("map-ro-bus-addr", ro.dev_bus_addr, mfn_a << 12);
    check_ueq("map-ro-pte", l1e_read(windows[2]) & (PTE_MFN_MASK | PTE_RW | PTE_P),
              (mfn_a << 12) | PTE_P);
    check_ueq("map-ro-data", ((uint64_t *)windows[2])[0], 0xa1a1a1a1a1a1a1a1UL);
    check_ueq("map-ro-flags", gnttab[REF_DATA].flags, GTF_permit_access | GTF_reading);

    rw = map_op(REF_DATA, SELF_DOMID, 3, GNTMAP_host_map);
    check_eq("map-rw", rw.status, GNTST_okay);
    check("map-handles-differ", rw.handle != ro.handle, "handles %u %u", rw.handle, ro.handle);
    check_ueq("map-rw-flags", gnttab[REF_DATA].flags,
              GTF_permit_access | GTF_reading | GTF_writing);
    ((uint64_t *)windows[3])[1] = 0xb2b2b2b2b2b2b2b2UL;
    asm volatile("" ::: "memory"); /* the two windows alias: the compiler cannot know */
    check_ueq("map-rw-write-visible", ((uint64_t *)windows[1])[1], 0xb2b2b2b2b2b2b2b2UL);

    check_eq("unmap-bad-handle", unmap(0xffffff, 2), GNTST_bad_handle);
    check_eq("unmap-wrong-addr", unmap(ro.handle, 3), GNTST_general_error);
    check_eq("unmap-rw", unmap(rw.handle, 3), GNTST_okay);
    check_ueq("unmap-rw-flags", gnttab[REF_DATA].flags, GTF_permit_access | GTF_reading);
    check_eq("unmap-rw-again", unmap(rw.handle, 3), GNTST_bad_handle);
    check_eq("unmap-ro", unmap(ro.handle, 2), GNTST_okay);
    check_ueq("unmap-ro-flags", gnttab[REF_DATA].flags, GTF_permit_access);
    check_ueq("unmap-ro-pte-gone", l1e_read(windows[2]) & PTE_P, 0);
    check("unmapped-read-faults", probe_read(windows[2], &v) == 1 && last_fault.vector == 14,
          "vector %lu", last_fault.vector);
}

static int16_t copy(struct gnttab_copy *c)
{
    c->status = 99;
    gnttab_op(GNTTABOP_copy, c, 1);
    return c->status;
}

static void check_copy(void)
{
    struct gnttab_copy c = {
        .source = {.u.ref = REF_DATA, .domid = DOMID_SELF, .offset = 8},
        .dest = {.u.gmfn = mfn_b, .domid = DOMID_SELF, .offset = 100},
        .len = 8,
        .flags = GNTCOPY_source_gref,
    };
    multicall_entry_t mc[1];

    check_eq("map-frame-b", map_window(2, mfn_b, PTE_KERNEL_RW), 0);
    memset(windows[2], 0, 128);
    check_eq("copy-gref-to-gmfn", copy(&c), GNTST_okay);
    check_ueq("copy-data", *(uint64_t *)(windows[2] + 100), 0xb2b2b2b2b2b2b2b2UL);
    check_ueq("copy-leaves-flags", gnttab[REF_DATA].flags, GTF_permit_access);
    c.source.offset = 4000;
    c.len = 200;
    check_eq("copy-beyond-page", copy(&c), GNTST_bad_copy_arg);
    c.source.offset = 0;
    c.len = 8;
    c.dest.domid = SELF_DOMID;
    check_eq("copy-gmfn-not-self", copy(&c), GNTST_permission_denied);
    c.dest.domid = DOMID_SELF;
    c.source.u.ref = REF_OTHER;
    check_eq("copy-other-domain-grant", copy(&c), GNTST_general_error);
    c.source.u.ref = 1000000;
    check_eq("copy-ref-out-of-range", copy(&c), GNTST_bad_gntref);
    /* Writing into a read-only grant is refused; reading it is fine. */
    c = (struct gnttab_copy){.source = {.u.gmfn = mfn_b, .domid = DOMID_SELF},
                             .dest = {.u.ref = REF_RO, .domid = DOMID_SELF},
                             .len = 8,
                             .flags = GNTCOPY_dest_gref};
    check_eq("copy-into-ro-grant", copy(&c), GNTST_general_error);
    c.dest.u.ref = REF_DATA;
    c.dest.offset = 16;
    ((uint64_t *)windows[2])[0] = 0xc3c3c3c3c3c3c3c3UL;
    /* The same copy from a multicall: its per-entry result is the op's return value. */
    mc[0] = (multicall_entry_t){.op = __HYPERVISOR_grant_table_op,
                                .args = {GNTTABOP_copy, (unsigned long)&c, 1}};
    check_eq("multicall-copy-rc", HYPERVISOR_multicall(mc, 1), 0);
    check_eq("multicall-copy-result", (long)mc[0].result, 0);
    check_eq("multicall-copy-status", c.status, GNTST_okay);
    check_ueq("copy-into-grant-data", ((uint64_t *)windows[1])[2], 0xc3c3c3c3c3c3c3c3UL);
    check_ueq("copy-into-grant-flags", gnttab[REF_DATA].flags, GTF_permit_access);
}

void test_main(start_info_t *si)
{
    mfn_a = p2m_list[si->nr_pages - 1];
    mfn_b = p2m_list[si->nr_pages - 2];
    check_table_ops();
    check_map_unmap();
    check_copy();
}
