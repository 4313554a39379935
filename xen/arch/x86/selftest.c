/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Boot self-tests ("selftest" on the command line): each check prints one
 * line, "selftest: <name> PASS <values>" or "selftest: <name> FAIL <why>",
 * with what it measured, plus facts the test suite compares with what it
 * knows ("selftest: cpus=N", "selftest: tsc_khz=K").
 *
 * They run on the boot CPU before it idles, with interrupts enabled and the
 * other CPUs in their idle loops. Waiting is done in the idle style (softirqs,
 * then halt until the next interrupt): the serial poll timer wakes the CPU at
 * least every 20 ms, so a wait for another CPU cannot hang.
 */
#include <xen/lib.h>
#include <xen/smp.h>
#include <xen/softirq.h>
#include <xen/time.h>
#include <xen/timer.h>
#include <asm/apic.h>
#include <asm/irq.h>
#include <asm/percpu.h>
#include <asm/platform.h>
#include <asm/processor.h>
#include <asm/smp.h>
#include <asm/time.h>

#define MAX_LATE     MILLISECS(500) /* TCG on a busy host is slow, but not that slow */
#define WAIT_LIMIT   SECONDS(3)
#define ORDER_TIMERS 5

static unsigned int failures;

static void __attribute__((format(printf, 3, 4)))
verdict(const char *name, bool ok, const char *fmt, ...)
{
    char buf[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    printk("selftest: %s %s %s\n", name, ok ? "PASS" : "FAIL", buf);
    failures += !ok;
}

/* Run softirqs and halt until *flag is set or the limit passes. */
static bool wait_for(volatile bool *flag, s_time_t limit)
{
    while ( !*flag && NOW() < limit )
    {
        do_softirq();
        local_irq_disable();
        if ( !*flag && !softirq_pending(smp_processor_id()) )
            safe_halt();
        else
            local_irq_enable();
    }
    return *flag;
}

struct timer_probe
{
    struct timer timer;
    s_time_t fired_at;
    unsigned int fired_on;
    unsigned int seq; /* order of firing, from 1 */
    volatile bool fired;
};

static unsigned int fire_seq;

static void probe_fn(void *data)
{
    struct timer_probe *p = data;

    p->fired_at = NOW();
    p->fired_on = smp_processor_id();
    p->seq = __atomic_add_fetch(&fire_seq, 1, __ATOMIC_SEQ_CST);
    p->fired = true;
}

static void probe_arm(struct timer_probe *p, unsigned int cpu, s_time_t expires)
{
    memset(p, 0, sizeof(*p));
    init_timer(&p->timer, probe_fn, p, cpu);
    set_timer(&p->timer, expires);
}

/* Fired on the right CPU, not early, not absurdly late; late_us gets the lateness. */
static bool probe_ok(const struct timer_probe *p, long *late_us)
{
    *late_us = (long)(p->fired_at - p->timer.expires) / 1000;
    return p->fired && p->fired_on == p->timer.cpu && p->fired_at >= p->timer.expires &&
           p->fired_at - p->timer.expires < MAX_LATE;
}

static void test_timer_oneshot(void)
{
    static struct timer_probe p;
    long late = 0;

    probe_arm(&p, 0, NOW() + MILLISECS(10));
    wait_for(&p.fired, NOW() + WAIT_LIMIT);
    verdict("timer-oneshot", probe_ok(&p, &late), "asked +10ms, fired=%d late=%ldus", p.fired,
            late);
}

static void test_timer_order(void)
{
    static const unsigned int ms[ORDER_TIMERS] = {20, 5, 15, 10, 25};
    static struct timer_probe p[ORDER_TIMERS], stopped;
    s_time_t base = NOW();
    bool ok = true;
    long late = 0, worst = 0;

    fire_seq = 0;
    for ( unsigned int i = 0; i < ORDER_TIMERS; i++ )
        probe_arm(&p[i], 0, base + MILLISECS(ms[i]));
    probe_arm(&stopped, 0, base + MILLISECS(12));
    stop_timer(&stopped.timer);
    wait_for(&p[4].fired, NOW() + WAIT_LIMIT);
    wait_for(&stopped.fired, NOW() + MILLISECS(20)); /* give it a chance to misbehave */
    for ( unsigned int i = 0; i < ORDER_TIMERS; i++ )
    {
        unsigned int rank = 1; /* expected firing position: 1 + number of earlier deadlines */
        for ( unsigned int j = 0; j < ORDER_TIMERS; j++ )
            rank += ms[j] < ms[i];
        ok &= probe_ok(&p[i], &late) && p[i].seq == rank;
        worst = max(worst, late);
    }
    verdict("timer-order", ok && !stopped.fired,
            "order %u,%u,%u,%u,%u (want 4,1,3,2,5) worst-late=%ldus stopped-fired=%d", p[0].seq,
            p[1].seq, p[2].seq, p[3].seq, p[4].seq, worst, stopped.fired);
}

static void test_timer_remote(void)
{
    static struct timer_probe p[NR_CPUS];
    unsigned int cpu, n = 0, good = 0;
    long late = 0, worst = 0;

    for_each_online_cpu(cpu) if ( cpu ) probe_arm(&p[cpu], cpu, NOW() + MILLISECS(10));
    for_each_online_cpu(cpu)
    {
        if ( !cpu )
            continue;
        n++;
        wait_for(&p[cpu].fired, NOW() + WAIT_LIMIT);
        good += probe_ok(&p[cpu], &late);
        worst = max(worst, late);
    }
    verdict("timer-remote", good == n, "%u/%u CPUs ran their +10ms timer on time, worst-late=%ldus",
            good, n, worst);
}

struct call_probe
{
    u64 magic;
    u64 result[NR_CPUS];  /* magic ^ cpu, written by each CPU */
    u32 apic_id[NR_CPUS]; /* read from its own APIC */
    bool irqs_off[NR_CPUS];
};

static void call_fn(void *info)
{
    struct call_probe *c = info;
    unsigned int cpu = smp_processor_id();

    c->result[cpu] = c->magic ^ cpu;
    c->apic_id[cpu] = apic_id_of_this_cpu();
    c->irqs_off[cpu] = !local_irq_is_enabled();
}

static void test_remote_call(void)
{
    static struct call_probe c;
    cpumask_t others = cpu_online_map;
    unsigned int cpu, n = 0, good = 0;

    cpumask_clear_cpu(0, &others);
    memset(&c, 0, sizeof(c));
    c.magic = NOW() ^ 0x5a5a5a5a00000000ULL;
    on_selected_cpus(&others, call_fn, &c, true);
    for_each_online_cpu(cpu)
    {
        bool ok = c.result[cpu] == (c.magic ^ cpu) && c.apic_id[cpu] == x86_cpu_to_apicid[cpu] &&
                  c.irqs_off[cpu];
        n += cpu != 0;
        good += cpu != 0 && ok;
        if ( cpu == 0 && c.result[0] )
            good = 0; /* CPU 0 was not asked */
    }
    verdict("remote-call", good == n, "%u/%u other CPUs returned magic^cpu and their APIC ID", good,
            n);

    memset(&c, 0, sizeof(c));
    c.magic = ~c.magic;
    on_each_cpu(call_fn, &c, true);
    good = 0;
    for_each_online_cpu(cpu) good += c.result[cpu] == (c.magic ^ cpu);
    verdict("on-each-cpu", good == num_online_cpus, "%u/%u CPUs ran it", good, num_online_cpus);
}

static void test_tlb_shootdown(void)
{
    unsigned long before[NR_CPUS];
    unsigned int cpu, n = 0, good = 0;

    for_each_online_cpu(cpu) before[cpu] = ACCESS_ONCE(per_cpu(tlb_flush_ipis, cpu));
    flush_tlb_mask(&cpu_online_map);
    for_each_online_cpu(cpu)
    {
        if ( !cpu )
            continue;
        n++;
        good += ACCESS_ONCE(per_cpu(tlb_flush_ipis, cpu)) == before[cpu] + 1;
    }
    verdict("tlb-shootdown", good == n, "%u/%u other CPUs flushed once", good, n);
}

struct time_probe
{
    s_time_t first, last;
    bool monotonic;
};

static void time_fn(void *info)
{
    struct time_probe *t = &((struct time_probe *)info)[smp_processor_id()];
    s_time_t prev = t->first = NOW();

    t->monotonic = true;
    for ( unsigned int i = 0; i < 20000; i++ )
    {
        s_time_t now = NOW();
        t->monotonic &= now >= prev;
        prev = now;
    }
    t->last = prev;
}

/*
 * Every CPU reads NOW() inside a window bounded by CPU 0's readings before
 * the call went out and after all calls finished: with synchronised clocks
 * each first reading lies inside it.
 */
static void test_time_sync(void)
{
    static struct time_probe t[NR_CPUS];
    unsigned int cpu, good = 0;
    s_time_t before, after;

    memset(t, 0, sizeof(t));
    before = NOW();
    on_each_cpu(time_fn, t, true);
    after = NOW();
    for_each_online_cpu(cpu)
    {
        bool ok = t[cpu].monotonic && t[cpu].first >= before && t[cpu].last <= after &&
                  t[cpu].first <= t[cpu].last;
        good += ok;
        if ( !ok )
            printk("selftest: CPU%u read %ld..%ld, CPU0 window %ld..%ld, monotonic %d\n", cpu,
                   (long)t[cpu].first, (long)t[cpu].last, (long)before, (long)after,
                   t[cpu].monotonic);
    }
    verdict("time-sync", good == num_online_cpus,
            "%u/%u CPUs monotonic and inside CPU0's %ldus window", good, num_online_cpus,
            (long)(after - before) / 1000);
}

void selftest_run(void)
{
    printk("selftest: cpus=%u\n", num_online_cpus);
    printk("selftest: tsc_khz=%lu\n", cpu_khz);
    printk("selftest: apic=%s timer=%s\n", x2apic_enabled ? "x2apic" : "xapic",
           tsc_deadline_timer ? "tsc-deadline" : "oneshot");
    failures = 0;
    test_timer_oneshot();
    test_timer_order();
    if ( num_online_cpus > 1 )
        test_timer_remote();
    test_remote_call();
    test_tlb_shootdown();
    test_time_sync();
    failures += !pirq_selftest(); /* arch/x86/irq.c */
    printk("selftest: platform checks done, %u failed\n", failures);
}
