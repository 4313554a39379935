/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * failsafe: the failsafe callback, and HYPERVISOR_iret with frames the CPU
 * refuses.
 *
 * The failsafe callback is where the hypervisor sends a vCPU whose saved
 * data selectors (%ds, %es, %fs, %gs) no longer load when it is switched
 * back in. The guest loads %es and %fs with selectors of its own GDT, then
 * clears %es's descriptor with update_descriptor: the CPU keeps using its
 * cached copy until the vCPU is really switched out and in again. Xen 4.17
 * switches lazily (a vCPU that only let the idle vCPU run keeps its
 * registers), so the guest forces a real switch with a continued hypercall:
 * sysctl cpu_hotplug "online CPU 0" runs on CPU 0 through
 * continue_hypercall_on_cpu, which pauses the vCPU and saves its state
 * before answering -EINVAL (CPU 0 is online). Ours has no sysctl (-ENOSYS)
 * but reloads the selectors at every switch, so the guest then blocks for a
 * millisecond. Either way exactly one failsafe frame must arrive, on return
 * from the hypercall that caused the switch, and its values are checked:
 * the saved selectors, the RIP/CS/RFLAGS/RSP/SS the guest was returning to,
 * RCX/R11, the event mask, the registers as the callback finds them.
 *
 * HYPERVISOR_iret takes the return frame from the guest's stack. Xen
 * checks neither CS nor SS: its own iretq faults, and the fault is given to
 * the guest as the CPU raised it (#GP with the selector as error code), at
 * the RIP it was returning to. The guest installs its own #GP handler for
 * that, which resumes at a fix-up with flat selectors.
 */
/* public/sysctl.h is for dom0's tools, which use the latest interface. */
#undef __XEN_INTERFACE_VERSION__
#define __XEN_TOOLS__ 1
#include "runtime.h"
#include <public/sysctl.h>

const char guest_name[] = "failsafe";

#define NS_PER_MS 1000000ULL
#define RFLAGS_IF 0x200UL
/* CS as the guest kernel names it in frames: RPL 3 would mean user mode. */
#define KERNEL_CS (FLAT_KERNEL_CS & ~3)

/* Flat data, read/write, DPL 0 (made DPL 3 by the hypervisor). */
#define DATA_DESC 0x00cf92000000ffffULL

/* 64-bit code, DPL 3, not present. */
#define CODE64_NP 0x00af7a000000ffffULL
/* Writable data, DPL 3, not present. */
#define DATA_NP   0x00cf72000000ffffULL
#define RFLAGS_AC (1UL << 18)

enum {
    GDT_DOOMED = 2,  /* loaded in %es, then cleared */
    GDT_KEPT = 3,    /* loaded in %fs, stays valid */
    GDT_CODE_NP = 4, /* for iret frames */
    GDT_DATA_NP = 5,
    GDT_ENTRIES = 8,
};
#define SEL(i) ((uint16_t)((i)*8 + 3))

static uint8_t gdt_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE), section(".bss.pages")));

/* --- assembly: a raw hypercall, the failsafe callback, a #GP handler ----- */

/* The failsafe frame: rcx, r11, ds, es, fs, gs, rip, cs, rflags, rsp, ss. */
enum { FS_RCX, FS_R11, FS_DS, FS_ES, FS_FS, FS_GS, FS_RIP, FS_CS, FS_RFLAGS, FS_RSP, FS_SS, FS_N };
volatile uint64_t fs_frame[FS_N];
volatile uint64_t fs_live[4]; /* ds, es, fs, gs as the callback found them */
volatile uint64_t fs_rax, fs_mask, fs_count;

/* An exception frame: rcx, r11, error code, rip, cs, rflags, rsp, ss. */
enum { TF_RCX, TF_R11, TF_ERR, TF_RIP, TF_CS, TF_RFLAGS, TF_RSP, TF_SS, TF_N };
volatile uint64_t tf_frame[TF_N];
volatile uint64_t tf_vector, tf_count, tf_live_rflags;

uint64_t raw_hc_rsp; /* RSP at the SYSCALL of raw_hypercall() */
extern char raw_hc_ret[], failsafe_handler[], gp_handler[], np_handler[], ss_handler[];
extern char iret_target[], trap_entry_11[], trap_entry_12[], trap_entry_13[];

long raw_hypercall(unsigned int nr, unsigned long a1, unsigned long a2);
long probe_iret(uint64_t cs, uint64_t ss, uint64_t rax, uint64_t rflags_or);
long load_es_and_read(uint16_t sel, const uint64_t *p, uint64_t *val);
void load_data_selectors(uint16_t ds, uint16_t es, uint16_t fs);

asm(".pushsection .text\n"
    /* Always the inline SYSCALL, so the return address is raw_hc_ret. */
    "raw_hypercall:\n"
    "    mov %edi, %eax\n"
    "    mov %rsi, %rdi\n"
    "    mov %rdx, %rsi\n"
    "    mov %rsp, raw_hc_rsp(%rip)\n"
    "    syscall\n"
    "raw_hc_ret:\n"
    "    ret\n"
    /* Record the frame, then resume it through the iret hypercall. */
    "failsafe_handler:\n"
    "    mov %rax, fs_rax(%rip)\n"
    "    .set off, 0\n"
    "    .rept 11\n"
    "    mov off(%rsp), %rax\n"
    "    mov %rax, fs_frame+off(%rip)\n"
    "    .set off, off + 8\n"
    "    .endr\n"
    "    mov %ds, %eax\n"
    "    mov %rax, fs_live(%rip)\n"
    "    mov %es, %eax\n"
    "    mov %rax, fs_live+8(%rip)\n"
    "    mov %fs, %eax\n"
    "    mov %rax, fs_live+16(%rip)\n"
    "    mov %gs, %eax\n"
    "    mov %rax, fs_live+24(%rip)\n"
    "    mov shared_info(%rip), %rax\n"
    "    movzbl 1(%rax), %eax\n" /* vcpu_info[0].evtchn_upcall_mask */
    "    mov %rax, fs_mask(%rip)\n"
    "    incq fs_count(%rip)\n"
    "    mov fs_rax(%rip), %rax\n"
    "    mov 0(%rsp), %rcx\n"
    "    mov 8(%rsp), %r11\n"
    "    add $48, %rsp\n" /* rcx, r11 and the four selectors */
    "    push $0\n"       /* iret_context: flags, rcx, r11, rax */
    "    push %rcx\n"
    "    push %r11\n"
    "    push %rax\n"
    "    mov $23, %eax\n"
    "    syscall\n"
    "    ud2\n"
    /* #NP, #SS, #GP: record, then resume at iret_fixup with flat selectors, rax -1. */
    "np_handler:\n"
    "    movq $11, tf_vector(%rip)\n"
    "    jmp fault_common\n"
    "ss_handler:\n"
    "    movq $12, tf_vector(%rip)\n"
    "    jmp fault_common\n"
    "gp_handler:\n"
    "    movq $13, tf_vector(%rip)\n"
    "fault_common:\n"
    "    pushfq\n"
    "    popq tf_live_rflags(%rip)\n"
    "    .set off, 0\n"
    "    .rept 8\n"
    "    mov off(%rsp), %rax\n"
    "    mov %rax, tf_frame+off(%rip)\n"
    "    .set off, off + 8\n"
    "    .endr\n"
    "    incq tf_count(%rip)\n"
    "    mov 0(%rsp), %rcx\n"
    "    mov 8(%rsp), %r11\n"
    "    add $24, %rsp\n" /* rcx, r11, error code */
    "    lea iret_fixup(%rip), %rax\n"
    "    mov %rax, 0(%rsp)\n"
    "    movq $0xe030, 8(%rsp)\n" /* kernel CS: RPL 0 */
    "    movq $0xe02b, 32(%rsp)\n"
    "    push $0\n"
    "    push %rcx\n"
    "    push %r11\n"
    "    push $-1\n"
    "    mov $23, %eax\n"
    "    syscall\n"
    "    ud2\n"
    /* probe_iret(cs, ss, rax, rflags_or): iret to iret_target with that CS and SS. */
    "probe_iret:\n"
    "    mov %rsp, %rax\n"
    "    push %rsi\n" /* ss */
    "    push %rax\n" /* rsp: iret_target returns to our caller */
    "    pushfq\n"
    "    andq $~0x200, (%rsp)\n" /* IF 0: events stay masked */
    "    or %rcx, (%rsp)\n"
    "    push %rdi\n" /* cs */
    "    lea iret_target(%rip), %rax\n"
    "    push %rax\n"
    "    push $0\n"
    "    push %rcx\n"
    "    push %r11\n"
    "    push %rdx\n" /* rax */
    "    mov $23, %eax\n"
    "    syscall\n"
    "    ud2\n"
    "iret_target:\n"
    "    ret\n"
    "iret_fixup:\n"
    "    pushfq\n" /* the frame may have set AC */
    "    andq $~0x40000, (%rsp)\n"
    "    popfq\n"
    "    ret\n"
    /* Load %es with sel, read *p through it; 1 if either trapped. */
    "load_es_and_read:\n"
    "    xor %eax, %eax\n"
    "1:  mov %di, %es\n"
    "2:  mov %es:(%rsi), %rcx\n"
    "    mov %rcx, (%rdx)\n"
    "3:  ret\n"
    "    .pushsection .extable, \"a\"; .quad 1b, 3b; .quad 2b, 3b; .popsection\n"
    "load_data_selectors:\n"
    "    mov %di, %ds\n"
    "    mov %si, %es\n"
    "    mov %dx, %fs\n"
    "    ret\n"
    ".popsection");

/* --- helpers ------------------------------------------------------------ */

static long set_gdt_page(void *page, unsigned int entries)
{
    unsigned long frame = virt_to_mfn(page);

    return HYPERVISOR_set_gdt(&frame, entries);
}

static long set_trap(unsigned int vector, const void *entry)
{
    struct trap_info t[2] = {
        {.vector = vector, .flags = 4, .cs = FLAT_KERNEL_CS, .address = (unsigned long)entry},
        {0},
    };

    return HYPERVISOR_set_trap_table(t);
}

static uint16_t read_es(void)
{
    uint16_t sel;

    asm volatile("mov %%es, %0" : "=r"(sel));
    return sel;
}

/* --- the failsafe callback ---------------------------------------------- */

/*
 * A continued sysctl on Xen (see the top); a short block where there is no
 * sysctl. Returns the expected upcall mask in the frame (the mask the vCPU
 * was returning with) and the hypercall's result in *rc.
 */
static unsigned int force_vcpu_switch(long *rc)
{
    struct xen_sysctl op = {
        .cmd = XEN_SYSCTL_cpu_hotplug,
        .interface_version = XEN_SYSCTL_INTERFACE_VERSION,
        .u.cpu_hotplug = {.cpu = 0, .op = XEN_SYSCTL_CPU_HOTPLUG_ONLINE},
    };
    struct evtchn_bind_virq timer = {.virq = VIRQ_TIMER, .vcpu = 0};

    *rc = raw_hypercall(__HYPERVISOR_sysctl, (unsigned long)&op, 0);
    printk("sysctl cpu_hotplug online 0: %ld, failsafe entries %lu\n", *rc, fs_count);
    if ( fs_count )
        return 1; /* events were masked during the sysctl */
    /* The timer's VIRQ must be bound for its expiry to wake the vCPU. */
    if ( HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &timer) )
        panic("bind VIRQ_TIMER");
    /* A timer that expired before the block makes it return at once: again. */
    for ( unsigned int tries = 0; tries < 20 && !fs_count; tries++ )
    {
        if ( HYPERVISOR_set_timer_op(system_time_ns() + 2 * NS_PER_MS) )
            panic("set_timer_op");
        *rc = raw_hypercall(__HYPERVISOR_sched_op, SCHEDOP_block, 0);
        events_disable();
        printk("SCHEDOP_block: %ld, failsafe entries %lu\n", *rc, fs_count);
    }
    return 0; /* SCHEDOP_block unmasks events */
}

static void check_failsafe_frame(unsigned int mask, long rc)
{
    check_ueq("failsafe-frame-ds", fs_frame[FS_DS], FLAT_KERNEL_DS);
    check_ueq("failsafe-frame-es", fs_frame[FS_ES], SEL(GDT_DOOMED));
    check_ueq("failsafe-frame-fs", fs_frame[FS_FS], SEL(GDT_KEPT));
    check_ueq("failsafe-frame-gs", fs_frame[FS_GS], 0);
    check_ueq("failsafe-frame-rip", fs_frame[FS_RIP], (unsigned long)raw_hc_ret);
    check_ueq("failsafe-frame-rcx", fs_frame[FS_RCX], (unsigned long)raw_hc_ret);
    check_ueq("failsafe-frame-cs", fs_frame[FS_CS] & 0xffff, FLAT_KERNEL_CS & ~3);
    check_ueq("failsafe-frame-saved-mask", (fs_frame[FS_CS] >> 32) & 0xff, mask);
    check_ueq("failsafe-frame-if", !!(fs_frame[FS_RFLAGS] & RFLAGS_IF), !mask);
    check_ueq("failsafe-frame-rsp", fs_frame[FS_RSP], raw_hc_rsp);
    check_ueq("failsafe-frame-ss", fs_frame[FS_SS], FLAT_KERNEL_SS);
    /* The selectors as the callback finds them: the failed one is null. */
    check_ueq("failsafe-live-ds", fs_live[0], FLAT_KERNEL_DS);
    check_ueq("failsafe-live-es-null", fs_live[1], 0);
    check_ueq("failsafe-live-fs", fs_live[2], SEL(GDT_KEPT));
    check_ueq("failsafe-events-masked", fs_mask, 1);
    check_eq("failsafe-rax-is-result", (long)fs_rax, rc);
}

static void check_failsafe(void)
{
    struct callback_register cb = {
        .type = CALLBACKTYPE_failsafe,
        .flags = CALLBACKF_mask_events,
        .address = (unsigned long)failsafe_handler,
    };
    struct callback_unregister unreg = {.type = CALLBACKTYPE_failsafe};
    uint64_t *d = (uint64_t *)gdt_page;
    uint64_t val = 0, count;
    unsigned int mask;
    long rc;

    check_eq("callback-unregister-failsafe", HYPERVISOR_callback_op(CALLBACKOP_unregister, &unreg),
             -XEN_EINVAL);
    check_eq("callback-register-failsafe", HYPERVISOR_callback_op(CALLBACKOP_register, &cb), 0);

    load_data_selectors(FLAT_KERNEL_DS, SEL(GDT_DOOMED), SEL(GDT_KEPT));
    check_ueq("es-loaded", read_es(), SEL(GDT_DOOMED));
    /* The CPU keeps its cached copy: %es still works after this. */
    check_eq("clear-loaded-descriptor",
             HYPERVISOR_update_descriptor(va_to_maddr(&d[GDT_DOOMED]), 0), 0);
    HYPERVISOR_xen_version(XENVER_version, NULL);
    check_ueq("es-kept-over-hypercall", read_es(), SEL(GDT_DOOMED));

    mask = force_vcpu_switch(&rc);
    count = fs_count;
    check_ueq("failsafe-entered-once", count, 1);
    if ( count == 1 )
        check_failsafe_frame(mask, rc);
    check_ueq("es-null-after", read_es(), 0);
    /* Carrying on: the kept selector still loads, the cleared one does not. */
    check_eq("es-reload-kept", load_es_and_read(SEL(GDT_KEPT), &d[GDT_KEPT], &val), 0);
    check_ueq("es-read-through-kept", val, DATA_DESC | (3ULL << 45) | (1ULL << 40));
    check_eq("es-reload-cleared-faults", load_es_and_read(SEL(GDT_DOOMED), &d[0], &val), 1);
    check_ueq("es-reload-cleared-gp", last_fault.vector, 13);
    check_ueq("es-reload-cleared-error", last_fault.error_code, SEL(GDT_DOOMED) & ~3);
    load_data_selectors(0, 0, 0);
    check_eq("failsafe-not-again", (long)fs_count, (long)count);
}

/* --- HYPERVISOR_iret with frames the CPU refuses ------------------------ */

struct bad_frame
{
    const char *name;
    uint64_t cs, ss, rflags_or;  /* the frame's CS (RPL 0: kernel), SS, extra RFLAGS */
    uint64_t vector, error_code; /* what the CPU raises */
    uint64_t tcg_vector;         /* what QEMU TCG raises instead, if not the same */
};

static void check_bad_iret(const struct bad_frame *b)
{
    char n[48];
    uint64_t before = tf_count;
    long rc = probe_iret(b->cs, b->ss, 0x1234, b->rflags_or);

#define NAME(what) (snprintf(n, sizeof(n), "%s-" what, b->name), n)
    check_eq(NAME("faults"), rc, -1);
    if ( tf_count != before + 1 )
        return;
    if ( b->tcg_vector )
        check(NAME("vector"), tf_vector == b->vector || tf_vector == b->tcg_vector,
              "got %lu want %lu (CPU) or %lu (QEMU TCG)", tf_vector, b->vector, b->tcg_vector);
    else
        check_ueq(NAME("vector"), tf_vector, b->vector);
    check_ueq(NAME("error"), tf_frame[TF_ERR], b->error_code);
    check_ueq(NAME("frame-rip"), tf_frame[TF_RIP], (unsigned long)iret_target);
    check_ueq(NAME("frame-cs"), tf_frame[TF_CS] & 0xffff, b->cs);
    check_ueq(NAME("frame-ss"), tf_frame[TF_SS], b->ss | 3);
    check_ueq(NAME("frame-masked"), (tf_frame[TF_CS] >> 32) & 0xff, 1);
    if ( b->rflags_or & RFLAGS_AC )
    {
        /* AC reaches the frame, but the handler runs without it. */
        check_ueq(NAME("frame-ac"), tf_frame[TF_RFLAGS] & RFLAGS_AC, RFLAGS_AC);
        check_ueq(NAME("handler-no-ac"), tf_live_rflags & RFLAGS_AC, 0);
    }
#undef NAME
}

static void check_iret(void)
{
    const struct bad_frame frames[] = {
        /* A data segment as CS, a code segment as SS (with AC set), a null SS. */
        {"iret-data-cs", FLAT_KERNEL_DS & ~3, FLAT_KERNEL_SS, 0, 13, FLAT_KERNEL_DS & ~3, 0},
        {"iret-code-ss", KERNEL_CS, FLAT_KERNEL_CS, RFLAGS_AC, 13, FLAT_KERNEL_CS & ~3, 0},
        {"iret-null-ss", KERNEL_CS, 0, 0, 13, 0, 0},
        /* Not present: #NP for CS, #SS for SS (QEMU TCG, and so Xen on it: #NP). */
        {"iret-np-cs", SEL(GDT_CODE_NP) & ~3, FLAT_KERNEL_SS, 0, 11, SEL(GDT_CODE_NP) & ~3, 0},
        {"iret-np-ss", KERNEL_CS, SEL(GDT_DATA_NP), 0, 12, SEL(GDT_DATA_NP) & ~3, 11},
    };

    check_eq("set-trap-np-ss-gp",
             set_trap(11, np_handler) | set_trap(12, ss_handler) | set_trap(13, gp_handler), 0);
    check_eq("iret-good", probe_iret(KERNEL_CS, FLAT_KERNEL_SS, 0x1234, 0), 0x1234);
    check_ueq("iret-good-no-fault", tf_count, 0);
    for ( unsigned int i = 0; i < ARRAY_SIZE(frames); i++ )
        check_bad_iret(&frames[i]);
    check_eq(
        "set-trap-restore",
        set_trap(11, trap_entry_11) | set_trap(12, trap_entry_12) | set_trap(13, trap_entry_13), 0);
    /* The runtime's handler is back: an ordinary #GP is a probe fault again. */
    check_eq("gp-restored", probe_int5(), 1);
    check_ueq("gp-restored-vector", last_fault.vector, 13);
}

/* CALLBACKOP_register and _unregister: types, addresses, answers. */
static void check_callback_op(void)
{
    struct callback_register r = {.type = CALLBACKTYPE_failsafe, .flags = CALLBACKF_mask_events};
    struct callback_unregister u;
    static const struct
    {
        const char *name;
        uint16_t type;
        long rc;
    } unreg[] = {
        {"unregister-event", CALLBACKTYPE_event, -XEN_EINVAL},
        {"unregister-failsafe", CALLBACKTYPE_failsafe, -XEN_EINVAL},
        {"unregister-syscall", CALLBACKTYPE_syscall, -XEN_EINVAL},
        {"unregister-syscall32", CALLBACKTYPE_syscall32, -XEN_EINVAL},
        {"unregister-sysenter", CALLBACKTYPE_sysenter, -XEN_EINVAL},
        {"unregister-unknown", 99, -XEN_ENOSYS},
    };

    for ( unsigned int i = 0; i < ARRAY_SIZE(unreg); i++ )
    {
        u.type = unreg[i].type;
        check_eq(unreg[i].name, HYPERVISOR_callback_op(CALLBACKOP_unregister, &u), unreg[i].rc);
    }
    r.address = 0x0000800000000000UL;
    check_eq("register-non-canonical", HYPERVISOR_callback_op(CALLBACKOP_register, &r),
             -XEN_EINVAL);
    /* Only canonical is asked for: a hypervisor address is the guest's problem. */
    r.address = HYPERVISOR_VIRT_START + 0x1000;
    check_eq("register-hypervisor-address", HYPERVISOR_callback_op(CALLBACKOP_register, &r), 0);
    r.type = 99;
    r.address = (unsigned long)failsafe_handler;
    check_eq("register-unknown-type", HYPERVISOR_callback_op(CALLBACKOP_register, &r), -XEN_ENOSYS);
    check_eq("callback-op-unknown", HYPERVISOR_callback_op(7, &r), -XEN_ENOSYS);
}

/* The guest's GDT: the failsafe selectors and not-present segments for iret. */
static void setup_gdt(void)
{
    uint64_t *d = (uint64_t *)gdt_page;

    d[GDT_DOOMED] = DATA_DESC;
    d[GDT_KEPT] = DATA_DESC;
    d[GDT_CODE_NP] = CODE64_NP;
    d[GDT_DATA_NP] = DATA_NP;
    remap_page(gdt_page, PTE_KERNEL_RO);
    check_eq("set-gdt", set_gdt_page(gdt_page, GDT_ENTRIES), 0);
}

void test_main(start_info_t *si)
{
    setup_gdt();
    check_callback_op();
    check_iret();
    check_failsafe();
}
