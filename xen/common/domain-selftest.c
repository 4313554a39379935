/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Boot self-check of domain destruction ("selftest" on the command line).
 *
 * Each cycle creates a PV domain with three vCPUs and gives it everything
 * domain_kill() must give back, through the paths a guest would use:
 *   - 16 frames (alloc_domheap_pages + domain_assign_pages);
 *   - a four-level page-table tree written into its frames and validated by
 *     pv_set_guest_table() (the real get_page_and_type path), plus a pin;
 *   - a GDT frame (pv_set_gdt) and a registered vcpu_info frame (writable
 *     type reference, as VCPUOP_register_vcpu_info takes);
 *   - event channels (enough unbound ports for a second bucket, a VIRQ and
 *     an IPI) and grant frames (GNTTABOP_setup_table), made by calling the
 *     hypercall handlers with the domain's vCPU 0 as current and its page
 *     tables loaded, arguments in one of its own frames;
 *   - a nested pause and unpause, whose counts are checked.
 * Then it kills the domain and checks that both heaps hold exactly as many
 * free pages as before, that every frame it had is free again and that the
 * domain id no longer resolves. Three cycles, each checked against the
 * counts before the first: a leak of even one page per cycle shows.
 *
 * Then "dom-timers": TIMER_CYCLES more domains whose vCPUs have their
 * single-shot and periodic (1 ms) timers on another CPU (CPU 1 when there
 * is one), each killed while those timers are due and firing there. After
 * domain_kill() returns, no vCPU timer function may complete any more (the
 * count vcpu_timer_fires() stays still for several periods, even after a
 * set_timer() such as a late periodic function would make), every timer is
 * inactive, and after the last reference goes (the vCPUs are poisoned and
 * freed) both heaps are back to their counts.
 *
 * Lines: "selftest: dom-<name> PASS <figures>" or "... FAIL <why>", parsed
 * by test/suites/13-domain.sh. The other CPUs are idle and the scheduler is
 * not started yet: no vCPU is ever made runnable here.
 */
#include <xen/errno.h>
#include <xen/event.h>
#include <xen/grant_table.h>
#include <xen/lib.h>
#include <xen/selftest.h>
#include <xen/mm.h>
#include <xen/sched.h>
#include <xen/softirq.h>
#include <xen/time.h>
#include <xen/timer.h>
#include <asm/percpu.h>
#include <asm/platform.h>
#include <asm/processor.h>
#include <asm/pv.h>
#include <asm/pv_build.h>
#include <asm/pv_mm.h>
#include <public/event_channel.h>
#include <public/grant_table.h>

#define TEST_DOMID   0x7fe0
#define NR_VCPUS     3
#define NR_FRAMES    16 /* order 4 */
#define ARG_L1_SLOT  16 /* the argument frame is mapped at 0x10000 */
#define ARG_VA       ((unsigned long)ARG_L1_SLOT << PAGE_SHIFT)
#define NR_UNBOUND   70 /* more than one 64-port bucket */
#define GRANT_FRAMES 4
#define GUEST_PTE    (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER)
#define CYCLES       3
#define TIMER_CYCLES 24
#define TIMER_PERIOD MILLISECS(1)

/* Frames of the test domain, by role. */
enum { F_L4, F_L3, F_L2, F_L1, F_ARG, F_GDT = 12, F_VCPU_INFO };

static pte_t *frame_va(const struct page_info *pg)
{
    return page_to_virt(pg);
}

/* A present, writable guest entry naming frame pg. */
static pte_t guest_entry(const struct page_info *pg)
{
    return pfn_to_paddr(page_to_mfn(pg)) | GUEST_PTE;
}

/* L4[0] -> L3[0] -> L2[0] -> L1, which maps frames F_ARG.. from ARG_VA on. */
static void write_tree(struct page_info *pg)
{
    pte_t *l4 = frame_va(&pg[F_L4]), *l3 = frame_va(&pg[F_L3]);
    pte_t *l2 = frame_va(&pg[F_L2]), *l1 = frame_va(&pg[F_L1]);

    for ( unsigned int i = 0; i < NR_FRAMES; i++ )
        memset(frame_va(&pg[i]), 0, PAGE_SIZE);
    init_xen_l4_slots(l4);
    l4[0] = guest_entry(&pg[F_L3]);
    l3[0] = guest_entry(&pg[F_L2]);
    l2[0] = guest_entry(&pg[F_L1]);
    for ( unsigned int i = F_ARG; i < F_GDT; i++ )
        l1[ARG_L1_SLOT + i - F_ARG] = guest_entry(&pg[i]);
}

/* Page tables, a pin, a GDT and a vcpu_info frame, as a guest would set them up. */
static const char *give_mm_state(struct domain *d, struct page_info *pg)
{
    unsigned long gdt = page_to_mfn(&pg[F_GDT]);
    struct vcpu *v2 = d->vcpu[2];
    int rc;

    write_tree(pg);
    rc = pv_set_guest_table(d->vcpu[0], page_to_mfn(&pg[F_L4]), false);
    if ( rc )
        return selftest_failf("pv_set_guest_table: %d", rc);
    if ( !(pg[F_L1].u.type_info & PGT_validated) || (pg[F_ARG].u.type_info & PGT_count_mask) != 1 )
        return selftest_failf("tree not validated: l1 %#lx arg %#lx", pg[F_L1].u.type_info,
                              pg[F_ARG].u.type_info);
    /* A pin, as MMUEXT_PIN_L2_TABLE leaves it: one more reference of each kind. */
    if ( !get_page_and_type(&pg[F_L2], d, PGT_l2_page_table) )
        return selftest_failf("pin of the L2 refused");
    __atomic_fetch_or(&pg[F_L2].u.type_info, PGT_pinned, __ATOMIC_SEQ_CST);
    rc = pv_set_gdt(d->vcpu[1], &gdt, 16);
    if ( rc )
        return selftest_failf("pv_set_gdt: %d", rc);
    if ( !get_page_and_type(&pg[F_VCPU_INFO], d, PGT_writable_page) )
        return selftest_failf("vcpu_info frame refused");
    v2->vcpu_info = (vcpu_info_t *)frame_va(&pg[F_VCPU_INFO]);
    v2->vcpu_info_mfn = page_to_mfn(&pg[F_VCPU_INFO]);
    return NULL;
}

struct hcall_args
{
    struct evtchn_alloc_unbound unbound;
    struct evtchn_bind_virq virq;
    struct evtchn_bind_ipi ipi;
    struct gnttab_setup_table setup;
    xen_pfn_t frames[GRANT_FRAMES];
};

/* Run the event-channel and grant-table handlers as d's vCPU 0 would. */
static void call_as_guest(struct vcpu *v, long *rc)
{
    struct cpu_info *ci = get_cpu_info();
    unsigned long flags;

    flags = local_irq_save();
    ci->curr_vcpu = v;
    pv_load_page_tables(v);
    for ( unsigned int i = 0; i < NR_UNBOUND; i++ )
        rc[0] |= do_event_channel_op(EVTCHNOP_alloc_unbound,
                                     ARG_VA + offsetof(struct hcall_args, unbound));
    rc[1] = do_event_channel_op(EVTCHNOP_bind_virq, ARG_VA + offsetof(struct hcall_args, virq));
    rc[2] = do_event_channel_op(EVTCHNOP_bind_ipi, ARG_VA + offsetof(struct hcall_args, ipi));
    rc[3] = do_grant_table_op(GNTTABOP_setup_table, ARG_VA + offsetof(struct hcall_args, setup), 1);
    write_cr3(idle_pg_table_maddr());
    ci->curr_vcpu = NULL;
    local_irq_restore(flags);
}

static const char *give_events_and_grants(struct domain *d, struct page_info *pg)
{
    struct hcall_args *a = (struct hcall_args *)frame_va(&pg[F_ARG]);
    long rc[4] = {0};

    a->unbound.dom = DOMID_SELF;
    a->unbound.remote_dom = 0;
    a->virq.virq = VIRQ_TIMER;
    a->virq.vcpu = 1;
    a->ipi.vcpu = 2;
    a->setup.dom = DOMID_SELF;
    a->setup.nr_frames = GRANT_FRAMES;
    set_xen_guest_handle(a->setup.frame_list,
                         (xen_pfn_t *)(ARG_VA + offsetof(struct hcall_args, frames)));
    call_as_guest(d->vcpu[0], rc);
    if ( rc[0] || rc[1] || rc[2] || rc[3] )
        return selftest_failf("hypercalls: unbound %ld virq %ld ipi %ld setup %ld", rc[0], rc[1],
                              rc[2], rc[3]);
    if ( a->unbound.port != NR_UNBOUND || a->virq.port != NR_UNBOUND + 1 ||
         a->ipi.port != NR_UNBOUND + 2 )
        return selftest_failf("ports: last unbound %u virq %u ipi %u", a->unbound.port,
                              a->virq.port, a->ipi.port);
    if ( a->setup.status != GNTST_okay || !mfn_valid(a->frames[GRANT_FRAMES - 1]) ||
         mfn_to_page(a->frames[GRANT_FRAMES - 1])->v.owner != d )
        return selftest_failf("setup_table: status %d last frame %#lx", a->setup.status,
                              (unsigned long)a->frames[GRANT_FRAMES - 1]);
    return NULL;
}

/* Nested pauses count per vCPU; the last unpause clears them. */
static const char *check_pause(struct domain *d)
{
    domain_pause(d);
    domain_pause(d);
    for ( unsigned int i = 0; i < NR_VCPUS; i++ )
        if ( d->vcpu[i]->pause_count != 2 || d->vcpu[i]->sched_state != SCHED_OFFLINE ||
             vcpu_on_cpu(d->vcpu[i]) )
            return selftest_failf("v%u after two pauses: count %u state %d", i,
                                  d->vcpu[i]->pause_count, d->vcpu[i]->sched_state);
    domain_unpause(d);
    domain_unpause(d);
    for ( unsigned int i = 0; i < NR_VCPUS; i++ )
        if ( d->vcpu[i]->pause_count )
            return selftest_failf("v%u after two unpauses: count %u", i, d->vcpu[i]->pause_count);
    return NULL;
}

static const char *build_domain(struct domain **out, struct page_info **frames)
{
    struct domain *d = domain_create(TEST_DOMID, NR_VCPUS, false);
    struct page_info *pg;
    const char *err;

    if ( !d )
        return selftest_failf("domain_create failed");
    *out = d;
    for ( unsigned int i = 0; i < NR_VCPUS; i++ )
        if ( !vcpu_create(d, i) )
            return selftest_failf("vcpu_create %u failed", i);
    pg = alloc_domheap_pages(d, 4, 0);
    if ( !pg )
        return selftest_failf("no memory for the domain");
    domain_assign_pages(d, pg, NR_FRAMES);
    *frames = pg;
    err = give_mm_state(d, pg);
    if ( !err )
        err = give_events_and_grants(d, pg);
    if ( !err )
        err = check_pause(d);
    return err;
}

/* After the kill: every frame free, the id gone. */
static const char *check_gone(struct page_info *pg)
{
    struct domain *d;

    for ( unsigned int i = 0; pg && i < NR_FRAMES; i++ )
        if ( !(pg[i].count_info & PGC_free) )
            return selftest_failf("frame %u (mfn %#lx) not freed: count %#lx type %#lx", i,
                                  page_to_mfn(&pg[i]), pg[i].count_info, pg[i].u.type_info);
    d = get_domain_by_id(TEST_DOMID);
    if ( d )
    {
        put_domain(d);
        return selftest_failf("domain id still resolves");
    }
    return NULL;
}

/* One create/kill cycle; used[] gets the pages the live domain held. */
static const char *cycle(unsigned long used[NR_HEAPS])
{
    unsigned long before[NR_HEAPS] = {heap_free_pages(HEAP_XEN), heap_free_pages(HEAP_DOM)};
    struct page_info *pg = NULL;
    struct domain *d = NULL;
    const char *err = build_domain(&d, &pg);
    int rc;

    used[HEAP_XEN] = before[HEAP_XEN] - heap_free_pages(HEAP_XEN);
    used[HEAP_DOM] = before[HEAP_DOM] - heap_free_pages(HEAP_DOM);
    if ( !d )
        return err;
    rc = domain_kill(d);
    if ( err )
        return err;
    if ( rc )
        return selftest_failf("domain_kill: %d", rc);
    return check_gone(pg);
}

/* ---- vCPU timers against destruction ---- */

static void wake_up(void *unused)
{
}

/*
 * Run softirqs and halt until end, or until the vCPU timer count passes
 * *count when count is given. Halting, not spinning: under round-robin TCG
 * another CPU runs only while this one halts (or after a 100 ms slice).
 */
static void wait_until(s_time_t end, const unsigned long *count)
{
    struct timer wake;

    init_timer(&wake, wake_up, NULL, smp_processor_id());
    set_timer(&wake, end);
    while ( NOW() < end && !(count && vcpu_timer_fires() > *count) )
    {
        do_softirq();
        local_irq_disable();
        if ( !softirq_pending(smp_processor_id()) )
            safe_halt();
        else
            local_irq_enable();
    }
    kill_timer(&wake);
}

/* Arm v's timers on cpu, due within the next period, the periodic one repeating. */
static void arm_vcpu_timers(struct vcpu *v, unsigned int cpu, s_time_t now)
{
    migrate_timer(&v->singleshot_timer, cpu);
    migrate_timer(&v->periodic_timer, cpu);
    v->periodic_period = TIMER_PERIOD;
    set_timer(&v->periodic_timer, now + (s_time_t)(v->vcpu_id + 1) * TIMER_PERIOD / NR_VCPUS);
    set_timer(&v->singleshot_timer, now + TIMER_PERIOD / 2);
}

/* Every timer of d's vCPUs inactive, and staying so when set again. */
static const char *check_timers_dead(struct domain *d)
{
    for ( unsigned int i = 0; i < NR_VCPUS; i++ )
    {
        struct vcpu *v = d->vcpu[i];

        set_timer(&v->periodic_timer, NOW()); /* what a late periodic function would do */
        if ( timer_is_active(&v->singleshot_timer) || timer_is_active(&v->periodic_timer) ||
             timer_is_active(&v->poll_timer) )
            return selftest_failf("v%u: a timer is still armed after domain_kill", i);
    }
    return NULL;
}

/* One domain killed while its vCPUs' timers fire on cpu; *fired counts them. */
static const char *timer_cycle(unsigned int cpu, unsigned long *fired)
{
    struct domain *d = domain_create(TEST_DOMID, NR_VCPUS, false), *ref;
    unsigned long before, after_kill;
    const char *err = NULL;
    s_time_t now = NOW();

    if ( !d )
        return selftest_failf("domain_create failed");
    for ( unsigned int i = 0; i < NR_VCPUS && !err; i++ )
        if ( !vcpu_create(d, i) )
            err = selftest_failf("vcpu_create %u failed", i);
    for ( unsigned int i = 0; i < NR_VCPUS && !err; i++ )
        arm_vcpu_timers(d->vcpu[i], cpu, now);
    before = vcpu_timer_fires();
    /* Kill once they fire, at a different phase of the period each cycle. */
    wait_until(now + SECONDS(1), &before);
    wait_until(NOW() + (s_time_t)(*fired % 7) * TIMER_PERIOD / 7, NULL);
    ref = get_domain_by_id(TEST_DOMID); /* keeps the vCPUs until the checks are done */
    domain_kill(d);
    after_kill = vcpu_timer_fires();
    if ( !err && after_kill == before )
        err = selftest_failf("no vCPU timer fired before the kill");
    if ( !err && ref )
        err = check_timers_dead(d);
    wait_until(NOW() + 4 * TIMER_PERIOD, NULL);
    if ( !err && vcpu_timer_fires() != after_kill )
        err = selftest_failf("%lu vCPU timer functions ended after domain_kill",
                             vcpu_timer_fires() - after_kill);
    *fired += after_kill - before;
    if ( ref )
        put_domain(ref); /* the last one: poisons and frees the vCPUs */
    return err;
}

static void timers_selftest(const unsigned long start[NR_HEAPS])
{
    unsigned int cpu = num_online_cpus > 1 ? 1 : 0;
    unsigned long fired = 0;
    const char *err = NULL;

    for ( unsigned int c = 0; c < TIMER_CYCLES && !err; c++ )
        err = timer_cycle(cpu, &fired);
    if ( !err && heap_free_pages(HEAP_DOM) != start[HEAP_DOM] )
        err = selftest_failf("domheap %lu free pages, %lu before", heap_free_pages(HEAP_DOM),
                             start[HEAP_DOM]);
    if ( !err && heap_free_pages(HEAP_XEN) != start[HEAP_XEN] )
        err = selftest_failf("xenheap %lu free pages, %lu before", heap_free_pages(HEAP_XEN),
                             start[HEAP_XEN]);
    if ( err )
        printk("selftest: dom-timers FAIL %s\n", err);
    else
        printk("selftest: dom-timers PASS cycles=%u cpu=%u fired=%lu\n", TIMER_CYCLES, cpu, fired);
}

void domain_selftest(void)
{
    unsigned long start[NR_HEAPS] = {heap_free_pages(HEAP_XEN), heap_free_pages(HEAP_DOM)};
    unsigned long used[NR_HEAPS], now[NR_HEAPS];

    for ( unsigned int c = 0; c < CYCLES; c++ )
    {
        const char *err = cycle(used);

        now[HEAP_XEN] = heap_free_pages(HEAP_XEN);
        now[HEAP_DOM] = heap_free_pages(HEAP_DOM);
        if ( !err && now[HEAP_DOM] != start[HEAP_DOM] )
            err = selftest_failf("domheap %lu free pages, %lu before", now[HEAP_DOM],
                                 start[HEAP_DOM]);
        if ( !err && now[HEAP_XEN] != start[HEAP_XEN] )
            err = selftest_failf("xenheap %lu free pages, %lu before", now[HEAP_XEN],
                                 start[HEAP_XEN]);
        if ( err )
            printk("selftest: dom-destroy%u FAIL %s\n", c, err);
        else
            printk("selftest: dom-destroy%u PASS used_xen=%lu used_dom=%lu free_xen=%lu "
                   "free_dom=%lu\n",
                   c, used[HEAP_XEN], used[HEAP_DOM], now[HEAP_XEN], now[HEAP_DOM]);
    }
    timers_selftest(start);
}
