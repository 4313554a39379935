/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vcpus: a second vCPU (VCPUOP_initialise/up/down/is_up), its vcpu_info
 * moved into our memory, blocking and wake-up across vCPUs, the runstate
 * area, per-vCPU timers, and how the scheduler shares CPUs between them.
 *
 * Needs dom0_max_vcpus=2 (run-guest.sh --vcpus 2). The guest option
 * pcpus=N says how many CPUs the machine has (QEMU -smp, default 1): with
 * two, both vCPUs must run at the same time; with one, they must take
 * turns and each get 40-60 % of the work.
 *
 * vCPU 0 runs the checks and prints. vCPU 1 only runs commands: it sleeps
 * in SCHEDOP_block until vCPU 0 writes a command, bumps v1_seq and sends
 * the IPI bound to vCPU 1; it then runs the command and acknowledges it by
 * copying v1_seq into v1_ack. Its events arrive through its own upcall
 * (v1_event_entry below) and are counted in v1_events[], through the
 * vcpu_info it was given with VCPUOP_register_vcpu_info.
 */
#include "runtime.h"

const char guest_name[] = "vcpus";

#define NS_PER_MS      1000000ULL
#define V1_MAGIC       0x76637075310aUL
#define V1_INFO_OFFSET 64

enum v1_command {
    CMD_NONE,
    CMD_SPIN,        /* count in spin_count[1] until spin_stop */
    CMD_BLOCK_IPI,   /* block until the IPI port fires once more */
    CMD_BLOCK_TIMER, /* block until set_timer_op(now + 20 ms) fires */
    CMD_WAKE_VCPU0,  /* wait 10 ms, then send the IPI bound to vCPU 0 */
};

/* Written by vCPU 0: the command and its sequence number. */
static volatile unsigned int v1_cmd, v1_seq;
/* Written by vCPU 1. */
static volatile unsigned long v1_started;
static volatile unsigned int v1_ack, v1_blocking;
static volatile unsigned int v1_events[NR_TEST_PORTS];
static volatile uint64_t v1_block_ns;
/* spin_count[i]: written by vCPU i; spin_stop by vCPU 0. */
static volatile unsigned long spin_count[2];
static volatile bool spin_stop;

static evtchn_port_t ipi1_port, ipi0_port, timer0_port, timer1_port;
static unsigned int pcpus;

static struct vcpu_guest_context v1_ctxt;
static uint8_t v1_stack[4 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t v1_info_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE), section(".bss.pages")));
static vcpu_info_t *const v1_info = (vcpu_info_t *)(v1_info_page + V1_INFO_OFFSET);
static struct vcpu_runstate_info runstate0;

/* --- vCPU 1 ------------------------------------------------------------- */

void v1_upcall(void);
extern char v1_event_entry[];
extern char trap_entry_3[], trap_entry_6[], trap_entry_13[], trap_entry_14[], failsafe_entry[];

/*
 * vCPU 1's event callback: Xen's bounce frame has RCX and R11 on top; the
 * iret hypercall (hypervisor_iret in head.S) takes RAX, RCX and R11 in
 * registers and the interrupted frame on the stack.
 */
asm(".pushsection .text\n"
    "v1_event_entry:\n"
    "    pop %rcx\n"
    "    pop %r11\n"
    "    push %rax; push %rcx; push %rdx; push %rsi; push %rdi\n"
    "    push %r8; push %r9; push %r10; push %r11; push %rbp\n"
    "    mov %rsp, %rbp\n"
    "    and $-16, %rsp\n"
    "    call v1_upcall\n"
    "    mov %rbp, %rsp\n"
    "    pop %rbp; pop %r11; pop %r10; pop %r9; pop %r8\n"
    "    pop %rdi; pop %rsi; pop %rdx; pop %rcx; pop %rax\n"
    "    jmp hypervisor_iret\n"
    ".popsection");

void v1_upcall(void)
{
    unsigned long sel;

    v1_info->evtchn_upcall_pending = 0;
    sel = __atomic_exchange_n(&v1_info->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
    while ( sel )
    {
        unsigned int word = __builtin_ctzl(sel);
        unsigned long bits = shared_info->evtchn_pending[word] & ~shared_info->evtchn_mask[word];

        sel &= sel - 1;
        while ( bits )
        {
            unsigned int bit = __builtin_ctzl(bits);
            unsigned int port = word * 64 + bit;

            bits &= bits - 1;
            __atomic_fetch_and(&shared_info->evtchn_pending[word], ~(1UL << bit), __ATOMIC_SEQ_CST);
            if ( port < NR_TEST_PORTS )
                v1_events[port]++;
        }
    }
}

static uint64_t v1_now(void)
{
    return vcpu_time_ns(&v1_info->time);
}

/* Block (events unmasked by SCHEDOP_block) until port fires past `seen`. */
static void v1_block_until(evtchn_port_t port, unsigned int seen)
{
    while ( v1_events[port] == seen )
        HYPERVISOR_sched_op(SCHEDOP_block, NULL);
    v1_info->evtchn_upcall_mask = 1;
}

/*
 * Both vCPUs count here, doing the same work per iteration; vCPU 0 ends
 * the spin once the system time reaches `end` (0: vCPU 0 ends it itself).
 */
static void spin(unsigned int i, uint64_t end)
{
    while ( !__atomic_load_n(&spin_stop, __ATOMIC_ACQUIRE) )
    {
        uint64_t now = vcpu_time_ns(&shared_info->vcpu_info[0].time);

        spin_count[i]++;
        if ( end && now >= end )
            __atomic_store_n(&spin_stop, true, __ATOMIC_RELEASE);
    }
}

static void v1_run(unsigned int cmd)
{
    struct evtchn_send send0 = {.port = ipi0_port};
    uint64_t t0;

    switch ( cmd )
    {
    case CMD_SPIN: spin(1, 0); break;
    case CMD_BLOCK_IPI:
        v1_blocking = 1;
        v1_block_until(ipi1_port, v1_events[ipi1_port]);
        v1_blocking = 0;
        break;
    case CMD_BLOCK_TIMER:
        t0 = v1_now();
        HYPERVISOR_set_timer_op(t0 + 20 * NS_PER_MS);
        v1_block_until(timer1_port, v1_events[timer1_port]);
        v1_block_ns = v1_now() - t0;
        break;
    case CMD_WAKE_VCPU0:
        t0 = v1_now();
        while ( v1_now() < t0 + 10 * NS_PER_MS )
            ;
        HYPERVISOR_event_channel_op(EVTCHNOP_send, &send0);
        break;
    default: break;
    }
}

static void __attribute__((noreturn)) v1_main(void)
{
    unsigned int done = 0;

    v1_started = V1_MAGIC;
    for ( ;; )
    {
        unsigned int seq = __atomic_load_n(&v1_seq, __ATOMIC_ACQUIRE);

        if ( seq == done )
        {
            v1_block_until(ipi1_port, v1_events[ipi1_port]);
            continue;
        }
        v1_run(v1_cmd);
        done = seq;
        __atomic_store_n(&v1_ack, seq, __ATOMIC_RELEASE);
    }
}

/* --- vCPU 0: helpers ---------------------------------------------------- */

static long vcpu_op(int cmd, unsigned int vcpu, void *arg)
{
    return HYPERVISOR_vcpu_op(cmd, vcpu, arg);
}

static long bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port)
{
    struct evtchn_bind_virq b = {.virq = virq, .vcpu = vcpu};
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &b);

    *port = b.port;
    return rc;
}

static long bind_ipi(uint32_t vcpu, evtchn_port_t *port)
{
    struct evtchn_bind_ipi b = {.vcpu = vcpu};
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &b);

    *port = b.port;
    return rc;
}

static long send(evtchn_port_t port)
{
    struct evtchn_send s = {.port = port};

    return HYPERVISOR_event_channel_op(EVTCHNOP_send, &s);
}

/* Let time pass on vCPU 0 with events delivered, without blocking. */
static void run_for(uint64_t ns)
{
    uint64_t end = system_time_ns() + ns;

    events_enable();
    while ( system_time_ns() < end )
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    events_disable();
}

/* Yield until *flag == want or max_ns passes; true if it got there. */
static bool wait_for(volatile unsigned int *flag, unsigned int want, uint64_t max_ns)
{
    uint64_t end = system_time_ns() + max_ns;

    while ( __atomic_load_n(flag, __ATOMIC_ACQUIRE) != want && system_time_ns() < end )
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    return *flag == want;
}

/* Hand vCPU 1 a command; with wait, until it acknowledges (1 s at most). */
static bool v1_command(unsigned int cmd, bool wait)
{
    unsigned int seq = v1_seq + 1;

    v1_cmd = cmd;
    __atomic_store_n(&v1_seq, seq, __ATOMIC_RELEASE);
    send(ipi1_port);
    return !wait || wait_for(&v1_ack, seq, 1000 * NS_PER_MS);
}

static bool v1_wait_ack(void)
{
    return wait_for(&v1_ack, v1_seq, 1000 * NS_PER_MS);
}

static int runstate_of(unsigned int vcpu, struct vcpu_runstate_info *r)
{
    return (int)vcpu_op(VCPUOP_get_runstate_info, vcpu, r);
}

/* Yield until vCPU 1's runstate is `state` (500 ms at most). */
static bool v1_reaches_state(int state)
{
    uint64_t end = system_time_ns() + 500 * NS_PER_MS;
    struct vcpu_runstate_info r;

    do
    {
        if ( runstate_of(1, &r) == 0 && r.state == state )
            return true;
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    } while ( system_time_ns() < end );
    return false;
}

/* --- vCPU 0: timers ----------------------------------------------------- */

/* Ticks of VIRQ_TIMER on vCPU 0 while `ns` pass with events on. */
static unsigned int ticks_during(uint64_t ns)
{
    unsigned int before;

    run_for(1 * NS_PER_MS); /* deliver what was already pending */
    before = event_count[timer0_port];
    run_for(ns);
    return event_count[timer0_port] - before;
}

static void check_periodic_timer(void)
{
    struct vcpu_set_periodic_timer p = {.period_ns = 500000};
    unsigned int n;

    check_eq("bind-virq-timer", bind_virq(VIRQ_TIMER, 0, &timer0_port), 0);
    /*
     * 20 ticks are due in 200 ms; ticks that come while the previous one is
     * still pending merge, so a loaded TCG host sees fewer.
     */
    n = ticks_during(200 * NS_PER_MS);
    check("default-periodic-10ms", n >= 5 && n <= 24, "%u ticks in 200 ms", n);
    check_eq("periodic-below-1ms", vcpu_op(VCPUOP_set_periodic_timer, 0, &p), -XEN_EINVAL);
    p.period_ns = 10 * NS_PER_MS;
    check_eq("periodic-10ms", vcpu_op(VCPUOP_set_periodic_timer, 0, &p), 0);
    n = ticks_during(200 * NS_PER_MS);
    check("periodic-10ms-ticks", n >= 5 && n <= 24, "%u ticks in 200 ms", n);
    p.period_ns = 5 * NS_PER_MS;
    check_eq("periodic-other-vcpu", vcpu_op(VCPUOP_set_periodic_timer, 1, &p), 0);
    check_eq("stop-periodic-other-vcpu", vcpu_op(VCPUOP_stop_periodic_timer, 1, NULL), 0);
    check_eq("stop-periodic", vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0);
    n = ticks_during(60 * NS_PER_MS);
    check_eq("stopped-periodic-ticks", n, 0);
}

static void check_singleshot_timer(void)
{
    struct vcpu_set_singleshot_timer s = {.timeout_abs_ns = system_time_ns() - NS_PER_MS};
    unsigned int before = event_count[timer0_port], n;

    check_eq("singleshot-past", vcpu_op(VCPUOP_set_singleshot_timer, 0, &s), 0);
    events_enable(); /* a past deadline is pending at once */
    events_disable();
    check_eq("singleshot-past-fired", event_count[timer0_port] - before, 1);
    check_eq("singleshot-other-vcpu", vcpu_op(VCPUOP_set_singleshot_timer, 1, &s), -XEN_EINVAL);
    check_eq("stop-singleshot-other-vcpu", vcpu_op(VCPUOP_stop_singleshot_timer, 1, NULL),
             -XEN_EINVAL);

    s.timeout_abs_ns = system_time_ns() + 30 * NS_PER_MS;
    check_eq("singleshot-30ms", vcpu_op(VCPUOP_set_singleshot_timer, 0, &s), 0);
    check_eq("stop-singleshot", vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL), 0);
    n = ticks_during(60 * NS_PER_MS);
    check_eq("stopped-singleshot-ticks", n, 0);

    check_eq("set-timer-op-50ms", HYPERVISOR_set_timer_op(system_time_ns() + 50 * NS_PER_MS), 0);
    check_eq("set-timer-op-cancel", HYPERVISOR_set_timer_op(0), 0);
    n = ticks_during(80 * NS_PER_MS);
    check_eq("cancelled-timer-ticks", n, 0);
    check_eq("set-timer-op-20ms", HYPERVISOR_set_timer_op(system_time_ns() + 20 * NS_PER_MS), 0);
    n = ticks_during(60 * NS_PER_MS);
    check_eq("timer-op-20ms-ticks", n, 1);
}

/* --- vCPU 0: runstate area ---------------------------------------------- */

static void check_runstate_area(void)
{
    struct vcpu_register_runstate_memory_area area = {.addr.v = &runstate0};
    uint64_t running, blocked, t0;
    struct vcpu_runstate_info r;

    check_eq("runstate-area", vcpu_op(VCPUOP_register_runstate_memory_area, 0, &area), 0);
    /* Times are summed at state changes: only the entry time is sure to be set. */
    check("runstate-area-running",
          runstate0.state == RUNSTATE_running && runstate0.state_entry_time > 0 &&
              runstate0.state_entry_time <= system_time_ns(),
          "state %d entered %lu", runstate0.state, (unsigned long)runstate0.state_entry_time);
    running = runstate0.time[RUNSTATE_running];
    blocked = runstate0.time[RUNSTATE_blocked];
    /* 50 ms busy, then 20 ms blocked: the switch out and back in updates the area. */
    t0 = system_time_ns();
    while ( system_time_ns() < t0 + 50 * NS_PER_MS )
        ;
    HYPERVISOR_set_timer_op(system_time_ns() + 20 * NS_PER_MS);
    HYPERVISOR_sched_op(SCHEDOP_block, NULL);
    events_disable();
    check("runstate-area-running-grows",
          runstate0.time[RUNSTATE_running] >= running + 45 * NS_PER_MS, "running %lu -> %lu",
          (unsigned long)running, (unsigned long)runstate0.time[RUNSTATE_running]);
    check("runstate-area-blocked-grows",
          runstate0.time[RUNSTATE_blocked] >= blocked + 10 * NS_PER_MS, "blocked %lu -> %lu",
          (unsigned long)blocked, (unsigned long)runstate0.time[RUNSTATE_blocked]);
    check_eq("get-runstate", runstate_of(0, &r), 0);
    check("get-runstate-running",
          r.state == RUNSTATE_running &&
              r.time[RUNSTATE_running] >= runstate0.time[RUNSTATE_running],
          "state %d running %lu", r.state, (unsigned long)r.time[RUNSTATE_running]);
    area.addr.p = 0xffff800000000000UL; /* the hypervisor's */
    check_eq("runstate-area-xen-address", vcpu_op(VCPUOP_register_runstate_memory_area, 0, &area),
             -XEN_EFAULT);
    area.addr.v = &runstate0;
    vcpu_op(VCPUOP_register_runstate_memory_area, 0, &area);
}

/* --- vCPU 1: bring-up ------------------------------------------------- */

static void check_is_up(void)
{
    check_eq("is-up-vcpu0", vcpu_op(VCPUOP_is_up, 0, NULL), 1);
    check_eq("is-up-vcpu1-before", vcpu_op(VCPUOP_is_up, 1, NULL), 0);
    check_eq("is-up-vcpu2-absent", vcpu_op(VCPUOP_is_up, 2, NULL), -XEN_ENOENT);
    check_eq("is-up-huge-id", vcpu_op(VCPUOP_is_up, 100000, NULL), -XEN_ENOENT);
    check_eq("up-before-initialise", vcpu_op(VCPUOP_up, 1, NULL), -XEN_EINVAL);
    check_eq("is-up-vcpu1-still-down", vcpu_op(VCPUOP_is_up, 1, NULL), 0);
}

static void check_register_vcpu_info(void)
{
    struct vcpu_register_vcpu_info info = {.mfn = virt_to_mfn(v1_info_page)};

    info.offset = PAGE_SIZE - 32;
    check_eq("vcpu-info-offset-past-page", vcpu_op(VCPUOP_register_vcpu_info, 1, &info),
             -XEN_ENXIO);
    info.offset = V1_INFO_OFFSET + 4;
    check_eq("vcpu-info-misaligned", vcpu_op(VCPUOP_register_vcpu_info, 1, &info), -XEN_ENXIO);
    info.offset = V1_INFO_OFFSET;
    check_eq("vcpu-info-register", vcpu_op(VCPUOP_register_vcpu_info, 1, &info), 0);
    check("vcpu-info-all-pending",
          v1_info->evtchn_upcall_pending == 1 && v1_info->evtchn_pending_sel == ~0UL,
          "upcall_pending %u pending_sel 0x%lx", v1_info->evtchn_upcall_pending,
          v1_info->evtchn_pending_sel);
    check_eq("vcpu-info-mask-copied", v1_info->evtchn_upcall_mask,
             shared_info->vcpu_info[1].evtchn_upcall_mask);
    check_eq("vcpu-info-register-again", vcpu_op(VCPUOP_register_vcpu_info, 1, &info), -XEN_EINVAL);
    v1_info->evtchn_upcall_mask = 1; /* vCPU 1 starts with events masked */
}

static void fill_v1_context(struct vcpu_guest_context *c)
{
    static const struct
    {
        uint8_t vector, dpl;
        char *entry;
    } traps[] = {
        {3, 3, trap_entry_3}, {6, 0, trap_entry_6}, {13, 0, trap_entry_13}, {14, 0, trap_entry_14}};
    unsigned long sp = (unsigned long)v1_stack + sizeof(v1_stack) - 8;

    memset(c, 0, sizeof(*c));
    c->flags = VGCF_in_kernel;
    c->user_regs.rip = (unsigned long)v1_main;
    c->user_regs.rsp = sp;
    c->user_regs.cs = FLAT_KERNEL_CS;
    c->user_regs.ss = FLAT_KERNEL_SS;
    c->user_regs.rflags = 0x202;
    c->kernel_ss = FLAT_KERNEL_SS;
    c->kernel_sp = sp;
    c->event_callback_eip = (unsigned long)v1_event_entry;
    c->failsafe_callback_eip = (unsigned long)failsafe_entry;
    c->ctrlreg[3] = xen_pfn_to_cr3(virt_to_mfn((void *)start_info->pt_base));
    for ( unsigned int i = 0; i < ARRAY_SIZE(traps); i++ )
    {
        struct trap_info *t = &c->trap_ctxt[traps[i].vector];

        t->vector = traps[i].vector;
        t->flags = traps[i].dpl | 4;
        t->cs = FLAT_KERNEL_CS;
        t->address = (unsigned long)traps[i].entry;
    }
}

static void check_initialise(void)
{
    check_eq("initialise-absent-vcpu", vcpu_op(VCPUOP_initialise, 2, &v1_ctxt), -XEN_ENOENT);
    fill_v1_context(&v1_ctxt);
    v1_ctxt.user_regs.rip = 0x0000800000000000UL;
    check_eq("initialise-noncanonical-rip", vcpu_op(VCPUOP_initialise, 1, &v1_ctxt), -XEN_EINVAL);
    fill_v1_context(&v1_ctxt);
    v1_ctxt.event_callback_eip = 0xffff000000000000UL;
    check_eq("initialise-noncanonical-callback", vcpu_op(VCPUOP_initialise, 1, &v1_ctxt),
             -XEN_EINVAL);
    fill_v1_context(&v1_ctxt);
    v1_ctxt.ldt_ents = 8193;
    check_eq("initialise-ldt-too-long", vcpu_op(VCPUOP_initialise, 1, &v1_ctxt), -XEN_EINVAL);
    fill_v1_context(&v1_ctxt);
    v1_ctxt.ldt_base = 0x1234;
    v1_ctxt.ldt_ents = 1;
    check_eq("initialise-ldt-unaligned", vcpu_op(VCPUOP_initialise, 1, &v1_ctxt), -XEN_EINVAL);
    fill_v1_context(&v1_ctxt);
    v1_ctxt.ldt_base = 0x0000800000000000UL;
    check_eq("initialise-ldt-noncanonical", vcpu_op(VCPUOP_initialise, 1, &v1_ctxt), -XEN_EINVAL);
    fill_v1_context(&v1_ctxt);
    check_eq("initialise", vcpu_op(VCPUOP_initialise, 1, &v1_ctxt), 0);
    check_eq("initialise-twice", vcpu_op(VCPUOP_initialise, 1, &v1_ctxt), -XEN_EEXIST);
    check_eq("is-up-after-initialise", vcpu_op(VCPUOP_is_up, 1, NULL), 0);
}

static bool bring_up_vcpu1(void)
{
    uint64_t end;

    check_eq("bind-ipi-vcpu1", bind_ipi(1, &ipi1_port), 0);
    check_eq("bind-ipi-vcpu0", bind_ipi(0, &ipi0_port), 0);
    check_eq("bind-virq-timer-vcpu1", bind_virq(VIRQ_TIMER, 1, &timer1_port), 0);
    check_eq("stop-periodic-vcpu1", vcpu_op(VCPUOP_stop_periodic_timer, 1, NULL), 0);
    check_eq("up", vcpu_op(VCPUOP_up, 1, NULL), 0);
    end = system_time_ns() + 1000 * NS_PER_MS;
    while ( v1_started != V1_MAGIC && system_time_ns() < end )
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    if ( !check_ueq("vcpu1-runs", v1_started, V1_MAGIC) )
        return false;
    check_eq("is-up-vcpu1", vcpu_op(VCPUOP_is_up, 1, NULL), 1);
    check_eq("up-again", vcpu_op(VCPUOP_up, 1, NULL), 0);
    return true;
}

/* --- both vCPUs ---------------------------------------------------------- */

/*
 * Both vCPUs count for one second. With two CPUs they run at the same time
 * (each was running nearly all the time); with one they take turns, fairly
 * (equal weights: 40-60 % of the iterations each, both waited runnable).
 */
static void check_busy_vcpus(void)
{
    struct vcpu_runstate_info a0, a1, b0, b1;
    uint64_t t0, elapsed, run0, run1;
    unsigned long n0, n1;

    spin_count[0] = spin_count[1] = 0;
    spin_stop = false;
    runstate_of(0, &a0);
    runstate_of(1, &a1);
    v1_command(CMD_SPIN, false);
    t0 = system_time_ns();
    spin(0, t0 + 1000 * NS_PER_MS);
    elapsed = system_time_ns() - t0;
    runstate_of(0, &b0);
    runstate_of(1, &b1);
    check("spin-ack", v1_wait_ack(), "vCPU 1 did not stop");
    n0 = spin_count[0];
    n1 = spin_count[1];
    run0 = b0.time[RUNSTATE_running] - a0.time[RUNSTATE_running];
    run1 = b1.time[RUNSTATE_running] - a1.time[RUNSTATE_running];
    printk("busy: %lu ms, vCPU 0 %lu iterations %lu ms running, vCPU 1 %lu iterations %lu ms "
           "running %lu ms runnable\n",
           (unsigned long)(elapsed / NS_PER_MS), n0, (unsigned long)(run0 / NS_PER_MS), n1,
           (unsigned long)(run1 / NS_PER_MS),
           (unsigned long)((b1.time[RUNSTATE_runnable] - a1.time[RUNSTATE_runnable]) / NS_PER_MS));
    check("busy-both-progress", n0 > 1000 && n1 > 1000, "iterations %lu and %lu", n0, n1);
    if ( pcpus >= 2 )
    {
        check("busy-simultaneous", run0 * 10 >= elapsed * 7 && run1 * 10 >= elapsed * 7,
              "running %lu and %lu ms of %lu", (unsigned long)(run0 / NS_PER_MS),
              (unsigned long)(run1 / NS_PER_MS), (unsigned long)(elapsed / NS_PER_MS));
        return;
    }
    check("busy-fair-share", n0 * 100 >= (n0 + n1) * 40 && n0 * 100 <= (n0 + n1) * 60,
          "vCPU 0 did %lu of %lu iterations", n0, n0 + n1);
    check("busy-turns",
          run0 + run1 <= elapsed + elapsed / 10 &&
              b1.time[RUNSTATE_runnable] > a1.time[RUNSTATE_runnable],
          "running %lu + %lu ms of %lu", (unsigned long)(run0 / NS_PER_MS),
          (unsigned long)(run1 / NS_PER_MS), (unsigned long)(elapsed / NS_PER_MS));
}

static void check_block_and_wake(void)
{
    unsigned int before;
    uint64_t end;

    v1_command(CMD_BLOCK_IPI, false);
    check("block-ipi-blocking", wait_for(&v1_blocking, 1, 1000 * NS_PER_MS),
          "vCPU 1 never blocked");
    check("block-ipi-runstate", v1_reaches_state(RUNSTATE_blocked), "vCPU 1 not blocked");
    before = v1_events[ipi1_port];
    check_eq("block-ipi-send", send(ipi1_port), 0);
    check("block-ipi-woken", v1_wait_ack(), "vCPU 1 still blocked");
    check_eq("block-ipi-events", v1_events[ipi1_port] - before, 1);

    before = v1_events[timer1_port];
    check("block-timer", v1_command(CMD_BLOCK_TIMER, true), "vCPU 1 not woken by its timer");
    check("block-timer-not-early", v1_block_ns >= 20 * NS_PER_MS && v1_block_ns < 500 * NS_PER_MS,
          "blocked %lu us", (unsigned long)(v1_block_ns / 1000));
    check_eq("block-timer-events", v1_events[timer1_port] - before, 1);
    check_eq("timer-not-on-vcpu0", event_count[timer1_port], 0);

    /* vCPU 0 blocks; vCPU 1 wakes it. */
    before = event_count[ipi0_port];
    v1_command(CMD_WAKE_VCPU0, false);
    end = system_time_ns() + 1000 * NS_PER_MS;
    HYPERVISOR_set_timer_op(end); /* a backstop: never sleep for ever */
    while ( event_count[ipi0_port] == before && system_time_ns() < end )
        HYPERVISOR_sched_op(SCHEDOP_block, NULL);
    events_disable();
    HYPERVISOR_set_timer_op(0);
    check_eq("vcpu0-woken-by-vcpu1", event_count[ipi0_port] - before, 1);
    check("wake-vcpu0-ack", v1_wait_ack(), "vCPU 1 did not finish");
}

/* VCPUOP_down stops vCPU 1 in the middle of its work; up resumes it there. */
static void check_down_up(void)
{
    struct vcpu_runstate_info r;
    unsigned long n;

    spin_stop = false;
    v1_command(CMD_SPIN, false);
    run_for(20 * NS_PER_MS);
    check_eq("down", vcpu_op(VCPUOP_down, 1, NULL), 0);
    check_eq("is-up-after-down", vcpu_op(VCPUOP_is_up, 1, NULL), 0);
    check("down-runstate-offline", v1_reaches_state(RUNSTATE_offline) && runstate_of(1, &r) == 0,
          "vCPU 1 not offline");
    n = spin_count[1];
    run_for(50 * NS_PER_MS);
    check("down-stopped", spin_count[1] == n && n > 0, "count %lu -> %lu", n, spin_count[1]);
    check_eq("up-after-down", vcpu_op(VCPUOP_up, 1, NULL), 0);
    run_for(50 * NS_PER_MS);
    check("up-resumes", spin_count[1] > n, "count stayed %lu", n);
    __atomic_store_n(&spin_stop, true, __ATOMIC_RELEASE);
    check("up-resumes-ack", v1_wait_ack(), "vCPU 1 did not finish");
    check_eq("down-at-end", vcpu_op(VCPUOP_down, 1, NULL), 0);
}

void test_main(start_info_t *si)
{
    pcpus = cmdline_ulong("pcpus", 1);
    printk("vcpus: expecting %u physical CPUs\n", pcpus);
    check_periodic_timer();
    check_singleshot_timer();
    check_runstate_area();
    check_is_up();
    check_register_vcpu_info();
    check_initialise();
    if ( !bring_up_vcpu1() )
        return;
    check_busy_vcpus();
    check_block_and_wake();
    check_down_up();
}
