/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hello: what a PV dom0 finds at entry and the simplest hypercalls.
 *
 * start_info: magic, page counts against the dom0_mem the harness passed
 * (guest option expect_pages=N), the initial mapping (page tables inside
 * it, read-only, their count equal to nr_pt_frames), the p2m list against
 * the M2P, shared_info and its vcpu_info, dom0 flags. Then xen_version
 * sub-ops, the hypercall page, console_io (32-bit count, a 16 KiB write that
 * lets timer events in, an exact count ending at an unmapped page), memory_op reservations, vcpu_op
 * is_up, and the error codes for unknown hypercalls, unknown sub-ops and
 * bad guest pointers.
 */
#include "runtime.h"

const char guest_name[] = "hello";

#define BAD_POINTER ((void *)0x100UL) /* below the guest's mapping */

static void check_start_info(const start_info_t *si)
{
    unsigned long want_pages = cmdline_ulong("expect_pages", 0);
    unsigned long pt = si->pt_base;
    unsigned long map_end = pt + si->nr_pt_frames * PAGE_SIZE;

    check("si-magic", !strncmp(si->magic, "xen-3.0-x86_64", 14), "magic '%.14s'", si->magic);
    check("si-nr-pages", want_pages && si->nr_pages == want_pages, "nr_pages %lu, expected %lu",
          si->nr_pages, want_pages);
    check("si-flags-dom0",
          (si->flags & (SIF_INITDOMAIN | SIF_PRIVILEGED)) == (SIF_INITDOMAIN | SIF_PRIVILEGED),
          "flags 0x%x", si->flags);
    check("si-pt-base",
          pt >= (unsigned long)_end && !(pt & (PAGE_SIZE - 1)) && si->nr_pt_frames >= 4,
          "pt_base 0x%lx, image end %p, nr_pt_frames %lu", pt, (void *)_end, si->nr_pt_frames);
    check("si-start-info-mapped",
          (unsigned long)si >= (unsigned long)_end && (unsigned long)si < pt,
          "start_info %p, image end %p, pt_base 0x%lx", (void *)si, (void *)_end, pt);
    check("si-mfn-list-mapped", si->mfn_list >= (unsigned long)_end && si->mfn_list < pt,
          "mfn_list %p", (void *)si->mfn_list);
    check("si-shared-info-aligned", si->shared_info && !(si->shared_info & 0xfff),
          "shared_info 0x%lx", si->shared_info);
    check_eq("si-no-modules", si->mod_start | si->mod_len, 0);
    /* Without INIT_P2M these two are not specified; Xen fills them anyway. */
    printk("INFO first_p2m_pfn %lu nr_p2m_frames %lu\n", si->first_p2m_pfn, si->nr_p2m_frames);
    check("si-cmdline", strstr((const char *)si->cmd_line, "expect_pages=") != NULL,
          "cmd_line '%s'", (const char *)si->cmd_line);
    check("si-mapping-ends-after-tables", l1e_read((void *)(map_end - 1)) & PTE_P,
          "no mapping at 0x%lx", map_end - 1);
}

/* Every page-table frame of the initial mapping: read-only, counted. */
static unsigned long count_tables(const uint64_t *t, int level, bool *rw_seen)
{
    unsigned long n = 1;
    int i;

    if ( l1e_read(t) & PTE_RW )
        *rw_seen = true;
    if ( level == 1 )
        return n;
    for ( i = 0; i < 512; i++ )
    {
        uint64_t e = t[i];

        /* Skip Xen's own L4 slots (256-271) and the recursive view. */
        if ( level == 4 && i >= 256 && i < 272 )
            continue;
        if ( e & PTE_P )
            n += count_tables(pfn_to_virt(machine_to_phys[(e & PTE_MFN_MASK) >> 12]), level - 1,
                              rw_seen);
    }
    return n;
}

static void check_initial_mapping(const start_info_t *si)
{
    bool rw_seen = false;
    unsigned long n = count_tables((const uint64_t *)si->pt_base, 4, &rw_seen);
    unsigned long bad = 0, i;
    uint64_t image_pte = l1e_read(_image_start);

    check_eq("pt-frames-count", n, si->nr_pt_frames);
    check("pt-frames-read-only", !rw_seen, "a page-table frame is mapped writable");
    check("image-mapped-rw", (image_pte & (PTE_P | PTE_RW)) == (PTE_P | PTE_RW), "image pte 0x%lx",
          image_pte);
    check_ueq("image-mfn-matches-p2m", (image_pte & PTE_MFN_MASK) >> 12, p2m_list[0]);
    for ( i = 0; i < si->nr_pages; i++ )
        if ( machine_to_phys[p2m_list[i]] != i )
            bad++;
    check("m2p-inverts-p2m", bad == 0, "%lu of %lu pfns disagree", bad, si->nr_pages);
}

static void check_shared_info(const start_info_t *si)
{
    const vcpu_info_t *vi = &shared_info->vcpu_info[0];
    const struct vcpu_time_info *t = &vi->time;
    uint64_t t0, t1;

    check_ueq("shared-info-mapped", virt_to_mfn(shared_info), si->shared_info >> 12);
    check_eq("vcpu0-upcall-masked", vi->evtchn_upcall_mask, 1);
    check("vcpu0-time-valid", t->tsc_to_system_mul != 0 && !(t->version & 1), "mul %u version %u",
          t->tsc_to_system_mul, t->version);
    t0 = system_time_ns();
    t1 = system_time_ns();
    check("system-time-monotonic", t0 > 0 && t1 >= t0, "t0 %lu t1 %lu", t0, t1);
    check("wallclock-set", shared_info->wc_sec > 1500000000u, "wc_sec %u", shared_info->wc_sec);
}

static void check_version(void)
{
    xen_extraversion_t extra;
    xen_capabilities_info_t caps;
    xen_platform_parameters_t pp;
    xen_feature_info_t fi = {.submap_idx = 0};
    long v = HYPERVISOR_xen_version(XENVER_version, NULL);

    check("version-4.17", v == ((4 << 16) | 17), "version 0x%lx", v);
    check_eq("extraversion-rc", HYPERVISOR_xen_version(XENVER_extraversion, extra), 0);
    check_eq("capabilities-rc", HYPERVISOR_xen_version(XENVER_capabilities, caps), 0);
    check("capabilities-x86_64", strstr(caps, "xen-3.0-x86_64") != NULL, "'%s'", caps);
    check_eq("pagesize", HYPERVISOR_xen_version(XENVER_pagesize, NULL), 4096);
    check_eq("platform-parameters-rc", HYPERVISOR_xen_version(XENVER_platform_parameters, &pp), 0);
    check_ueq("platform-virt-start", pp.virt_start, HYPERVISOR_VIRT_START);
    check_eq("get-features-rc", HYPERVISOR_xen_version(XENVER_get_features, &fi), 0);
    /* What Linux insists on (xen_start_kernel panics otherwise) and dom0. */
    check("features-linux-needs",
          (fi.submap & (1u << XENFEAT_mmu_pt_update_preserve_ad)) &&
              (fi.submap & (1u << XENFEAT_gnttab_map_avail_bits)),
          "submap0 0x%x", fi.submap);
    /*
     * A PV guest gets writable page tables through vm_assist, not as a
     * feature: Xen sets XENFEAT_writable_page_tables only for translated
     * guests. The exact set for a 64-bit PV dom0 without pae_extended_cr3:
     */
    check_ueq("features-pv-dom0-exact", fi.submap,
              (1u << XENFEAT_mmu_pt_update_preserve_ad) | (1u << XENFEAT_highmem_assist) |
                  (1u << XENFEAT_gnttab_map_avail_bits) | (1u << XENFEAT_dom0) |
                  (1u << XENFEAT_memory_op_vnode_supported) | (1u << XENFEAT_direct_mapped));
    check("features-dom0", fi.submap & (1u << XENFEAT_dom0), "submap0 0x%x", fi.submap);
    check("features-not-hvm",
          !(fi.submap &
            ((1u << XENFEAT_auto_translated_physmap) | (1u << XENFEAT_hvm_callback_vector))),
          "submap0 0x%x", fi.submap);
    fi.submap_idx = 1;
    fi.submap = 0xdead;
    /* Only submap 0 exists: others are -EINVAL and leave the buffer alone. */
    check_eq("get-features-submap1-einval", HYPERVISOR_xen_version(XENVER_get_features, &fi),
             -XEN_EINVAL);
    check_ueq("get-features-submap1-untouched", fi.submap, 0xdead);
    check_eq("version-bad-subop", HYPERVISOR_xen_version(999, NULL), -XEN_ENOSYS);
    check_eq("extraversion-bad-pointer", HYPERVISOR_xen_version(XENVER_extraversion, BAD_POINTER),
             -XEN_EFAULT);
}

/*
 * The hypercall page: stub n sits at offset n * 32 and loads n into EAX
 * before SYSCALL (push rcx; push r11; mov $n, %eax; syscall; pop r11; pop
 * rcx; ret). Calling through it must give what the inline SYSCALL gives.
 */
static void check_hypercall_page(void)
{
    static const uint8_t head[] = {0x51, 0x41, 0x53, 0xb8};
    const uint8_t *stub = hypercall_page + __HYPERVISOR_xen_version * 32;
    uint32_t nr;
    bool saved = hypercall_use_page;
    long direct, via_page;

    memcpy(&nr, stub + 4, 4);
    check("hcall-page-stub-shape", !memcmp(stub, head, 4) && stub[8] == 0x0f && stub[9] == 0x05,
          "bytes %02x %02x %02x %02x .. %02x %02x", stub[0], stub[1], stub[2], stub[3], stub[8],
          stub[9]);
    check_eq("hcall-page-stub-number", nr, __HYPERVISOR_xen_version);
    hypercall_use_page = false;
    direct = HYPERVISOR_xen_version(XENVER_version, NULL);
    hypercall_use_page = true;
    via_page = HYPERVISOR_xen_version(XENVER_version, NULL);
    hypercall_use_page = saved;
    check_eq("hcall-page-same-result", via_page, direct);
}

#define BULK_BYTES (16 * 1024) /* long enough to span many 1 ms timer ticks under TCG */
#define LINE_BYTES 64

static char bulk[BULK_BYTES];
static char tail_area[2 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

/* Numbered 64-byte lines, so a lost or repeated piece shows in the serial log. */
static void fill_lines(char *buf, size_t len, const char *tag)
{
    for ( size_t off = 0; off + LINE_BYTES <= len; off += LINE_BYTES )
    {
        snprintf(buf + off, LINE_BYTES, "hello: %s %05lu ................................", tag,
                 (unsigned long)(off / LINE_BYTES));
        buf[off + LINE_BYTES - 1] = '\n';
    }
}

static long raw_console_io(unsigned long cmd, unsigned long count, const void *buf)
{
    return hypercall(__HYPERVISOR_console_io, cmd, count, buf, 0, 0);
}

/*
 * A 16 KiB write with a 1 ms periodic timer and events on: the call must
 * stop between chunks and let the timer's events in (Xen continues it after
 * each), so at least two upcalls arrive before it returns; one written in a
 * single stretch would see only the one delivered on its way out.
 */
static void check_console_bulk(void)
{
    struct vcpu_set_periodic_timer per = {.period_ns = 1000000};
    struct evtchn_bind_virq b = {.virq = VIRQ_TIMER, .vcpu = 0};
    struct evtchn_close c;
    unsigned int before, during;
    long rc;

    fill_lines(bulk, sizeof(bulk), "bulk");
    check_eq("console-bulk-bind-virq", HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &b), 0);
    check_eq("console-bulk-periodic", HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &per), 0);
    events_enable(); /* an event already pending arrives here, not during the write */
    before = upcall_count;
    rc = HYPERVISOR_console_io(CONSOLEIO_write, sizeof(bulk), bulk);
    during = upcall_count - before;
    events_disable();
    HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
    c.port = b.port;
    HYPERVISOR_event_channel_op(EVTCHNOP_close, &c);
    printk("INFO console bulk write: %u upcalls during it\n", during);
    check_eq("console-write-bulk", rc, 0);
    check("console-write-preemptible", during >= 2, "%u upcalls during a %u-byte write", during,
          (unsigned int)sizeof(bulk));
}

/*
 * The count is honoured exactly: up to the last mapped byte is fine, one
 * more byte (on an unmapped page) is -EFAULT, also after many chunks.
 */
static void check_console_fault_tail(void)
{
    char *end = tail_area + PAGE_SIZE; /* the unmapped page starts here */
    uint64_t pte = l1e_read(end);

    fill_lines(tail_area, PAGE_SIZE, "tail");
    check_eq("console-tail-unmap", HYPERVISOR_update_va_mapping(end, 0, UVMF_INVLPG), 0);
    check_eq("console-write-to-last-byte", HYPERVISOR_console_io(CONSOLEIO_write, 192, end - 192),
             0);
    check_eq("console-write-one-past", HYPERVISOR_console_io(CONSOLEIO_write, 193, end - 192),
             -XEN_EFAULT);
    check_eq("console-write-fault-after-chunks",
             HYPERVISOR_console_io(CONSOLEIO_write, PAGE_SIZE + 64, tail_area), -XEN_EFAULT);
    check_eq("console-tail-remap", HYPERVISOR_update_va_mapping(end, pte, UVMF_INVLPG), 0);
}

static void check_console(void)
{
    static const char msg[] = "hello: console_io write works\n";
    static const char msg32[] = "hello: 32-bit count\n";

    check_eq("console-write", HYPERVISOR_console_io(CONSOLEIO_write, sizeof(msg) - 1, msg), 0);
    check_eq("console-write-empty", HYPERVISOR_console_io(CONSOLEIO_write, 0, msg), 0);
    check_eq("console-write-bad-pointer", HYPERVISOR_console_io(CONSOLEIO_write, 16, BAD_POINTER),
             -XEN_EFAULT);
    check_eq("console-bad-subop", HYPERVISOR_console_io(77, 0, msg), -XEN_ENOSYS);
    /* cmd and count are 32-bit: the upper halves of the registers do not count. */
    check_eq("console-write-count-32bit",
             raw_console_io(CONSOLEIO_write, (1UL << 32) | (sizeof(msg32) - 1), msg32), 0);
    check_eq("console-write-cmd-32bit",
             raw_console_io((1UL << 32) | CONSOLEIO_write, sizeof(msg32) - 1, msg32), 0);
    check_console_bulk();
    check_console_fault_tail();
}

static void check_memory_op(const start_info_t *si)
{
    domid_t self = DOMID_SELF;
    struct xen_machphys_mapping mm;
    struct xen_memory_map map;
    static struct e820entry
    {
        uint64_t addr, size;
        uint32_t type;
    } __attribute__((packed)) e820[64];
    long rc;

    check_eq("current-reservation", HYPERVISOR_memory_op(XENMEM_current_reservation, &self),
             si->nr_pages);
    rc = HYPERVISOR_memory_op(XENMEM_maximum_reservation, &self);
    check("maximum-reservation", rc >= (long)si->nr_pages, "rc %ld nr_pages %lu", rc, si->nr_pages);
    check_eq("machphys-mapping-rc", HYPERVISOR_memory_op(XENMEM_machphys_mapping, &mm), 0);
    check_ueq("machphys-mapping-start", mm.v_start, MACH2PHYS_VIRT_START);
    map.nr_entries = ARRAY_SIZE(e820);
    set_xen_guest_handle(map.buffer, (void *)e820);
    rc = HYPERVISOR_memory_op(XENMEM_machine_memory_map, &map);
    check("machine-memory-map", rc == 0 && map.nr_entries > 0 && e820[0].type != 0,
          "rc %ld entries %u", rc, map.nr_entries);
    check_eq("memory-op-bad-subop", HYPERVISOR_memory_op(999, &self), -XEN_ENOSYS);
}

static void check_vcpu_and_sched(void)
{
    check_eq("vcpu0-is-up", HYPERVISOR_vcpu_op(VCPUOP_is_up, 0, NULL), 1);
    check_eq("vcpu-absent-is-up", HYPERVISOR_vcpu_op(VCPUOP_is_up, 100, NULL), -XEN_ENOENT);
    check_eq("sched-yield", HYPERVISOR_sched_op(SCHEDOP_yield, NULL), 0);
    check_eq("sched-bad-subop", HYPERVISOR_sched_op(99, NULL), -XEN_ENOSYS);
}

static void check_unknown_hypercalls(void)
{
    /* 43-47 are unassigned, 56-63 reserved; 64 and above beyond the table. */
    check_eq("hypercall-43-enosys", hypercall(43, 0, 0, 0, 0, 0), -XEN_ENOSYS);
    check_eq("hypercall-63-enosys", hypercall(63, 0, 0, 0, 0, 0), -XEN_ENOSYS);
    check_eq("hypercall-64-enosys", hypercall(64, 0, 0, 0, 0, 0), -XEN_ENOSYS);
    check_eq("hypercall-huge-enosys", hypercall(0x10000, 0, 0, 0, 0, 0), -XEN_ENOSYS);
    check_eq("hypercall-sched-compat-yield", hypercall(6, SCHEDOP_yield, 0, 0, 0, 0), 0);
}

void test_main(start_info_t *si)
{
    check_start_info(si);
    check_initial_mapping(si);
    check_shared_info(si);
    check_version();
    check_hypercall_page();
    check_console();
    check_memory_op(si);
    check_vcpu_and_sched();
    check_unknown_hypercalls();
}
