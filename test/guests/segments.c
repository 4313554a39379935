/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * segments: the guest's own GDT (set_gdt, update_descriptor), loading its
 * selectors, segment bases (set_segment_base, FS/GS MSRs), stack_switch,
 * debug registers and I/O privilege (physdev set_iopl).
 *
 * GDT frames are pages of .bss: descriptors are written while the page is
 * mapped writable, then the page is remapped read-only (a frame the guest
 * can still write is refused as a GDT), then handed to set_gdt. The
 * hypervisor forces DPL 3 on code and data descriptors; Xen sets the
 * accessed bit only when the CPU loads a selector, ours already when it
 * validates the frame (its GDT window is read-only), so read-back checks
 * ignore the accessed bit before a load and expect it after one.
 */
#include "runtime.h"

const char guest_name[] = "segments";

#define MSR_FS_BASE        0xc0000100
#define MSR_GS_BASE        0xc0000101
#define MSR_SHADOW_GS_BASE 0xc0000102
#define NS_PER_MS          1000000ULL

#define DESC_ACCESSED (1ULL << 40)
#define DESC_DPL_MASK (3ULL << 45)
#define DESC_DPL3     (3ULL << 45)

/* Flat 4 GiB data, read/write, DPL 0 (the hypervisor makes it 3). */
#define DATA_DPL0 0x00cf92000000ffffULL
/* 64-bit code, DPL 3. */
#define CODE64 0x00affa000000ffffULL
/* DPL 3 data with P clear (not fixed up: a DPL 0 one would give #GP). */
#define DATA_NP ((DATA_DPL0 | (3ULL << 45)) & ~(1ULL << 47))
/* Data with base 0x12345678 (bits 16-39 and 56-63). */
#define DATA_BASE         0x12cff2345678ffffULL
#define BASE_OF_DATA_BASE 0x12345678UL
/* Conforming, readable code, DPL 0. */
#define CODE_CONFORMING_DPL0 0x00af9e000000ffffULL
/* A 64-bit TSS (available) and an interrupt gate: system descriptors. */
#define TSS64    0x0000890000000067ULL
#define INT_GATE 0x00008e0000000000ULL

/* GDT entries (selector = index * 8 | 3). */
enum {
    GDT_DATA = 2,
    GDT_CODE = 3,
    GDT_NP = 4,
    GDT_BASE = 5,
    GDT_SPARE = 6,
    GDT_ENTRIES = 16,
};
#define SEL(i) ((uint16_t)((i)*8 + 3))

static uint8_t gdt_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE), section(".bss.pages")));
static uint8_t bad_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE), section(".bss.pages")));
static uint8_t plain_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE), section(".bss.pages")));
static volatile uint64_t watched;
/* A buffer the hypervisor writes (XENVER_extraversion) while it is watched. */
static char hv_written[XEN_EXTRAVERSION_LEN] __attribute__((aligned(16)));
long hv_write_rc; /* written by probe_hv_write */

/* --- probes (like the runtime's: 0, or 1 when the instruction trapped) --- */
long probe_load_ds(uint16_t sel);
long probe_watched_write(volatile uint64_t *p, uint64_t v);
long probe_hv_write(char *buf);
uint16_t read_fs_sel(void);
uint16_t read_ds_sel(void);

asm(".pushsection .text\n"
    "probe_load_ds:\n"
    "    xor %eax, %eax\n"
    "1:  mov %di, %ds\n"
    "2:  ret\n"
    "    .pushsection .extable, \"a\"; .quad 1b, 2b; .popsection\n"
    /* A data breakpoint is a trap: RIP is the instruction after the store. */
    "probe_watched_write:\n"
    "    xor %eax, %eax\n"
    "    mov %rsi, (%rdi)\n"
    "1:  nop\n"
    "2:  ret\n"
    "    .pushsection .extable, \"a\"; .quad 1b, 2b; .popsection\n"
    /* xen_version(XENVER_extraversion, buf): the hypervisor writes buf. */
    "probe_hv_write:\n"
    "    mov %rdi, %rsi\n"
    "    mov $1, %edi\n"
    "    mov $17, %eax\n"
    "    syscall\n"
    "1:  mov %rax, hv_write_rc(%rip)\n"
    "    xor %eax, %eax\n"
    "2:  ret\n"
    "    .pushsection .extable, \"a\"; .quad 1b, 2b; .popsection\n"
    "read_fs_sel:\n"
    "    mov %fs, %eax\n"
    "    ret\n"
    "read_ds_sel:\n"
    "    mov %ds, %eax\n"
    "    ret\n"
    ".popsection");

static long set_gdt_page(void *page, unsigned int entries)
{
    unsigned long frame = virt_to_mfn(page);

    return hypercall(__HYPERVISOR_set_gdt, &frame, entries, 0, 0, 0);
}

static uint64_t rdmsr_or(uint32_t msr, uint64_t fallback)
{
    uint64_t v = fallback;

    return probe_rdmsr(msr, &v) ? fallback : v;
}

static long bind_timer(void)
{
    struct evtchn_bind_virq b = {.virq = VIRQ_TIMER, .vcpu = 0};

    return HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &b);
}

/* --- set_gdt and update_descriptor ---------------------------------------- */

static void fill_gdt(uint64_t *d)
{
    memset(d, 0, PAGE_SIZE);
    d[GDT_DATA] = DATA_DPL0;
    d[GDT_CODE] = CODE64;
    d[GDT_NP] = DATA_NP;
    d[GDT_BASE] = DATA_BASE;
}

/* set_gdt of bad_page holding valid entries plus `desc` at GDT_SPARE. */
static long try_gdt_with(uint64_t desc, uint64_t desc_high)
{
    uint64_t *d = (uint64_t *)bad_page;
    long rc;

    remap_page(bad_page, PTE_KERNEL_RW);
    fill_gdt(d);
    d[GDT_SPARE] = desc;
    d[GDT_SPARE + 1] = desc_high;
    remap_page(bad_page, PTE_KERNEL_RO);
    rc = set_gdt_page(bad_page, GDT_ENTRIES);
    if ( rc == 0 )
        set_gdt_page(gdt_page, GDT_ENTRIES); /* back to the good one */
    return rc;
}

static void check_set_gdt(void)
{
    const uint64_t *d = (const uint64_t *)gdt_page;
    uint64_t gate_lo;

    fill_gdt((uint64_t *)gdt_page);
    check_eq("set-gdt-writable-frame", set_gdt_page(gdt_page, GDT_ENTRIES), -XEN_EINVAL);
    remap_page(gdt_page, PTE_KERNEL_RO);
    check_eq("set-gdt-too-many-entries", set_gdt_page(gdt_page, FIRST_RESERVED_GDT_ENTRY + 1),
             -XEN_EINVAL);
    check_eq("set-gdt", set_gdt_page(gdt_page, GDT_ENTRIES), 0);
    check_ueq("gdt-data-dpl3", d[GDT_DATA] & ~DESC_ACCESSED, DATA_DPL0 | DESC_DPL3);
    check_ueq("gdt-code-kept", d[GDT_CODE] & ~DESC_ACCESSED, CODE64);
    check_ueq("gdt-not-present-kept", d[GDT_NP], DATA_NP);
    check_eq("gdt-frame-still-ro", probe_write(gdt_page, 0), 1);

    /* What Xen 4.17 accepts: DPL forcing makes these harmless. */
    check_eq("set-gdt-conforming-dpl0", try_gdt_with(CODE_CONFORMING_DPL0, 0), 0);
    check_eq("set-gdt-not-present-tss", try_gdt_with(TSS64 & ~(1ULL << 47), 0), 0);
    /* A 64-bit call gate to FLAT_KERNEL_CS, DPL 3: Xen keeps it with DPL 0. */
    gate_lo = 0x0000ec0000000000ULL | ((uint64_t)FLAT_KERNEL_CS << 16) | 0x1000;
    check_eq("set-gdt-call-gate", try_gdt_with(gate_lo, 0xffffffffUL), 0);
    /* What it refuses. */
    check_eq("set-gdt-call-gate-xen-cs",
             try_gdt_with((gate_lo & ~0xffff0000ULL) | (0xe008ULL << 16), 0xffffffffUL),
             -XEN_EINVAL);
    check_eq("set-gdt-tss", try_gdt_with(TSS64, 0), -XEN_EINVAL);
    check_eq("set-gdt-interrupt-gate", try_gdt_with(INT_GATE | 0x1000, 0xffffffffUL), -XEN_EINVAL);
}

static void check_update_descriptor(void)
{
    const uint64_t *d = (const uint64_t *)gdt_page;
    uint64_t *plain = (uint64_t *)plain_page;

    check_eq("update-descriptor",
             HYPERVISOR_update_descriptor(va_to_maddr(&d[GDT_SPARE]), DATA_DPL0), 0);
    check_ueq("update-descriptor-dpl3", d[GDT_SPARE] & ~DESC_ACCESSED, DATA_DPL0 | DESC_DPL3);
    check_eq("update-descriptor-tss",
             HYPERVISOR_update_descriptor(va_to_maddr(&d[GDT_SPARE]), TSS64), -XEN_EINVAL);
    check_ueq("update-descriptor-tss-unchanged", d[GDT_SPARE] & ~DESC_ACCESSED,
              DATA_DPL0 | DESC_DPL3);
    check_eq("update-descriptor-misaligned",
             HYPERVISOR_update_descriptor(va_to_maddr(&d[GDT_SPARE]) + 4, DATA_DPL0), -XEN_EINVAL);
    check_eq("update-descriptor-page-table",
             HYPERVISOR_update_descriptor((uint64_t)virt_to_mfn((void *)start_info->pt_base) << 12,
                                          DATA_DPL0),
             -XEN_EINVAL);
    check_eq("update-descriptor-plain-page",
             HYPERVISOR_update_descriptor(va_to_maddr(&plain[1]), CODE64), 0);
    check_ueq("update-descriptor-plain-page-value", plain[1] & ~DESC_ACCESSED, CODE64);
}

/* Selectors of the new GDT in %ds and %fs. */
static void check_selectors(void)
{
    const uint64_t *d = (const uint64_t *)gdt_page;
    uint16_t old_ds = read_ds_sel();
    uint64_t base;

    check_eq("load-ds", probe_load_ds(SEL(GDT_DATA)), 0);
    check_ueq("ds-selector", read_ds_sel(), SEL(GDT_DATA));
    check("ds-usable", *(volatile const uint64_t *)&watched == watched, "read through %%ds");
    check("accessed-after-load", (d[GDT_DATA] & DESC_ACCESSED) != 0, "descriptor 0x%lx",
          (unsigned long)d[GDT_DATA]);
    check_eq("load-ds-not-present", probe_load_ds(SEL(GDT_NP)), 1);
    check("load-ds-not-present-np", last_fault.vector == 11 && last_fault.error_code == GDT_NP * 8,
          "vector %lu error 0x%lx", last_fault.vector, last_fault.error_code);
    check_eq("load-ds-beyond-entries", probe_load_ds(SEL(GDT_ENTRIES + 8)), 1);
    check("load-ds-beyond-entries-gp", last_fault.vector == 13, "vector %lu error 0x%lx",
          last_fault.vector, last_fault.error_code);
    probe_load_ds(old_ds);

    check_eq("fs-base-set", HYPERVISOR_set_segment_base(SEGBASE_FS, 0x5000), 0);
    check_eq("load-fs", probe_load_fs(SEL(GDT_BASE)), 0);
    base = rdmsr_or(MSR_FS_BASE, ~0UL);
    check_ueq("fs-base-from-descriptor", base, BASE_OF_DATA_BASE);
    /* Blocking switches away from this vCPU and back: %fs must survive. */
    check_eq("bind-virq-timer", bind_timer(), 0);
    HYPERVISOR_set_timer_op(system_time_ns() + 5 * NS_PER_MS);
    HYPERVISOR_sched_op(SCHEDOP_block, NULL);
    events_disable();
    check_ueq("fs-selector-after-block", read_fs_sel(), SEL(GDT_BASE));
    check_ueq("fs-base-after-block", rdmsr_or(MSR_FS_BASE, ~0UL), BASE_OF_DATA_BASE);
    probe_load_fs(0);
}

/* --- set_segment_base ----------------------------------------------------- */

static void check_segment_bases(void)
{
    const unsigned long noncanonical = 0x0000800000000000UL;
    unsigned long kernel_gs = rdmsr_or(MSR_GS_BASE, 0);

    check_eq("fs-base", HYPERVISOR_set_segment_base(SEGBASE_FS, 0x123000), 0);
    check_ueq("fs-base-rdmsr", rdmsr_or(MSR_FS_BASE, ~0UL), 0x123000);
    check_eq("fs-base-noncanonical", HYPERVISOR_set_segment_base(SEGBASE_FS, noncanonical),
             -XEN_EINVAL);
    check_ueq("fs-base-unchanged", rdmsr_or(MSR_FS_BASE, ~0UL), 0x123000);
    check_eq("gs-kernel-base", HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, 0x456000), 0);
    check_ueq("gs-kernel-base-rdmsr", rdmsr_or(MSR_GS_BASE, ~0UL), 0x456000);
    check_eq("gs-kernel-noncanonical", HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, noncanonical),
             -XEN_EINVAL);
    check_eq("gs-user-base", HYPERVISOR_set_segment_base(SEGBASE_GS_USER, 0x789000), 0);
    check_ueq("gs-user-base-rdmsr", rdmsr_or(MSR_SHADOW_GS_BASE, ~0UL), 0x789000);
    check_ueq("gs-kernel-base-kept", rdmsr_or(MSR_GS_BASE, ~0UL), 0x456000);
    check_eq("gs-user-noncanonical", HYPERVISOR_set_segment_base(SEGBASE_GS_USER, noncanonical),
             -XEN_EINVAL);
    check_eq("segment-base-bad-which", HYPERVISOR_set_segment_base(17, 0), -XEN_EINVAL);
    check_eq("gs-user-sel", HYPERVISOR_set_segment_base(SEGBASE_GS_USER_SEL, SEL(GDT_BASE)), 0);
    check_ueq("gs-user-sel-base", rdmsr_or(MSR_SHADOW_GS_BASE, ~0UL), BASE_OF_DATA_BASE);
    check_ueq("gs-user-sel-kernel-kept", rdmsr_or(MSR_GS_BASE, ~0UL), 0x456000);
    HYPERVISOR_set_segment_base(SEGBASE_FS, 0);
    HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, kernel_gs);
    HYPERVISOR_set_segment_base(SEGBASE_GS_USER_SEL, 0);
}

/* --- stack_switch, debug registers, I/O privilege ------------------------- */

static void check_stack_switch(void)
{
    uint64_t rsp;

    check_eq("stack-switch", HYPERVISOR_stack_switch(FLAT_KERNEL_SS, (unsigned long)boot_stack_top),
             0);
    /* Kernel-mode traps stay on the current stack: only user-mode ones switch. */
    asm volatile("mov %%rsp, %0" : "=r"(rsp));
    check_eq("stack-switch-int3", probe_int3(), 1);
    check("stack-switch-kernel-trap-same-stack",
          last_fault.rsp <= (uint64_t)boot_stack_top && last_fault.rsp + 256 >= rsp,
          "trap rsp 0x%lx, ours 0x%lx", last_fault.rsp, rsp);
}

static long set_debugreg(unsigned int reg, unsigned long value)
{
    return hypercall(__HYPERVISOR_set_debugreg, reg, value, 0, 0, 0);
}

static long get_debugreg(unsigned int reg)
{
    return hypercall(__HYPERVISOR_get_debugreg, reg, 0, 0, 0, 0);
}

static void check_debugregs(void)
{
    /* L0, R/W0 = 01 (writes), LEN0 = 10 (8 bytes). */
    const unsigned long dr7_watch = 1UL | (1UL << 16) | (2UL << 18);
    unsigned long traps;

    check_eq("dr0-xen-address", set_debugreg(0, 0xffff830000000000UL), -XEN_EPERM);
    check_eq("dr0-guest-address", set_debugreg(0, (unsigned long)&watched), 0);
    check_ueq("dr0-read", get_debugreg(0), (unsigned long)&watched);
    check_eq("dr7-gd", set_debugreg(7, 1UL << 13), -XEN_EPERM);
    check_eq("dr7-high-bits", set_debugreg(7, 1UL << 32), -XEN_EINVAL);
    check_eq("dr7-io-breakpoint", set_debugreg(7, 1UL | (2UL << 16)), -XEN_EPERM);
    check_eq("dr6-high-bits", set_debugreg(6, 1UL << 32), -XEN_EINVAL);
    check_eq("dr-bad-register", set_debugreg(8, 0), -XEN_ENODEV);
    check_eq("get-dr-bad-register", get_debugreg(8), -XEN_ENODEV);
    check_eq("dr7-watch", set_debugreg(7, dr7_watch), 0);
    check_ueq("dr7-read", get_debugreg(7), dr7_watch | 0x400);
    check_eq("watched-write-traps", probe_watched_write(&watched, 42), 1);
    check("watched-write-db", last_fault.vector == 1, "vector %lu", last_fault.vector);
    check_ueq("watched-write-done", watched, 42);
    check("dr6-b0", (get_debugreg(6) & 1) != 0, "dr6 0x%lx", get_debugreg(6));
    /*
     * A breakpoint on a buffer the hypervisor then writes fires in the
     * hypervisor: Xen 4.17 ignores it there, and the hypercall completes.
     */
    check_eq("dr0-hv-buffer", set_debugreg(0, (unsigned long)hv_written), 0);
    traps = last_fault.count;
    check_eq("hv-write-watched", probe_hv_write(hv_written), 0);
    check_eq("hv-write-no-guest-db", last_fault.count - traps, 0);
    check("hv-write-watched-result", hv_write_rc == 0 && hv_written[0] != 0,
          "rc %ld, first byte %d", hv_write_rc, hv_written[0]);
    printk("after the hypervisor's write: dr6 0x%lx, traps %lu\n", get_debugreg(6),
           last_fault.count);
    check_eq("dr7-off", set_debugreg(7, 0), 0);
    check_eq("unwatched-write", probe_watched_write(&watched, 43), 0);
}

static void check_iopl(void)
{
    struct physdev_set_iopl iopl = {.iopl = 1};

    check_eq("set-iopl-1", HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl), 0);
    check_eq("outb-port80-iopl1", probe_outb(0x80, 0x5a), 0);
    iopl.iopl = 0;
    check_eq("set-iopl-0", HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl), 0);
    check_eq("outb-port80-iopl0", probe_outb(0x80, 0x5a), 1);
    check("outb-iopl0-gp", last_fault.vector == 13 && last_fault.error_code == 0,
          "vector %lu error 0x%lx", last_fault.vector, last_fault.error_code);
    iopl.iopl = 4;
    check_eq("set-iopl-4", HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl), -XEN_EINVAL);
}

void test_main(start_info_t *si)
{
    check_set_gdt();
    check_update_descriptor();
    check_selectors();
    check_segment_bases();
    check_stack_switch();
    check_debugregs();
    check_iopl();
}
