/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * System time and the per-CPU one-shot timer interrupt.
 *
 * System time is nanoseconds since calibration, from the TSC:
 *   NOW() = ((rdtsc() - boot_tsc) * tsc_to_ns_mul) >> 32,
 *   tsc_to_ns_mul = 10^6 * 2^32 / cpu_khz (32.32 fixed point).
 * Every CPU uses the same boot_tsc and multiplier, which assumes the TSCs run
 * in step (invariant, synchronised TSCs: every machine we target and QEMU,
 * whose guest TSC is the host's). The self-test checks that CPUs agree.
 *
 * Calibration counts TSC ticks over three 10 ms windows of a reference clock,
 * the HPET main counter (the PIT's channel 2 when there is no HPET, or with
 * "clocksource=pit"), and keeps the median. Each end of a window is a
 * reference reading paired with the TSC by bracketing it between two RDTSCs
 * (the narrowest of several brackets), so neither an interrupt nor, under
 * emulation, a descheduled vCPU between the two readings skews the result;
 * the median discards a window that was disturbed anyway.
 *
 * The timer interrupt is the local APIC timer, in TSC-deadline mode when
 * CPUID.1:ECX[24] offers it (the deadline is a TSC value, no conversion
 * error), else one-shot count-down at a rate calibrated against the TSC.
 * reprogram_timer() is the only writer, called by common/timer.c on the CPU
 * concerned with interrupts off. The handler just raises TIMER_SOFTIRQ.
 */
#include <xen/console.h>
#include <xen/lib.h>
#include <xen/param.h>
#include <xen/softirq.h>
#include <xen/time.h>
#include <xen/timer.h>
#include <asm/apic.h>
#include <asm/percpu.h>
#include <asm/platform.h>
#include <asm/processor.h>
#include <asm/time.h>
#include <asm/traps.h>

#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define PIT_PERIOD_FS           838095110UL /* 10^15 / 1193182 Hz */
#define CALIBRATE_NS            10000000UL  /* one window: 10 ms (PIT: 11932 of 65535 ticks) */
#define CALIBRATE_WINDOWS       3
#define PAIRED_TRIES            5

unsigned long cpu_khz;
bool tsc_deadline_timer;
static u64 boot_tsc;
static u64 tsc_to_ns_mul;            /* 32.32 fixed point */
static unsigned long apic_timer_khz; /* count-down ticks per ms, divide-by-1 */
static char opt_clocksource[8];
string_param("clocksource", opt_clocksource);

static u64 scale_delta(u64 delta, u64 mul)
{
    return (u64)(((unsigned __int128)delta * mul) >> 32);
}

static void time_set_tsc_khz(unsigned long khz)
{
    cpu_khz = khz;
    tsc_to_ns_mul = (1000000ULL << 32) / khz;
    boot_tsc = rdtsc();
}

s_time_t get_s_time(void)
{
    if ( !tsc_to_ns_mul )
        return 0;
    return (s_time_t)scale_delta(rdtsc() - boot_tsc, tsc_to_ns_mul);
}

u64 stime_to_tsc(s_time_t t)
{
    return boot_tsc + muldiv64(t > 0 ? (u64)t : 0, cpu_khz, 1000000);
}

void udelay(unsigned long us)
{
    u64 end = rdtsc() + (u64)us * cpu_khz / 1000;

    while ( (s64)(rdtsc() - end) < 0 )
        cpu_relax();
}

/*
 * A reference clock for calibration: a tick counter that only goes up (mod
 * mask) at a known period. The PIT's channel 2 counts down from 0xffff in
 * mode 0; its reading is the number of ticks since that load.
 */
struct ref_clock
{
    const char *name;
    u64 (*read)(void);
    void (*start)(void); /* before each window, or NULL */
    u64 mask;
    u64 period_fs;
};

static u64 pit_read(void)
{
    u8 lo, hi;

    outb(0x80, 0x43); /* latch channel 2's count */
    lo = inb(0x42);
    hi = inb(0x42);
    return 0xffff - (u64)((hi << 8) | lo);
}

/* A local wrapper: taking the address of another object's function needs a GOT here. */
static u64 hpet_read(void)
{
    return hpet_read_counter();
}

static void pit_start(void)
{
    outb((inb(0x61) & ~0x02) | 0x01, 0x61); /* gate high, speaker off */
    outb(0xb0, 0x43);                       /* channel 2, lo/hi byte, mode 0 */
    outb(0xff, 0x42);
    outb(0xff, 0x42);
}

/*
 * One reference reading paired with the TSC value at the same moment: the
 * read bracketed by two RDTSCs, the narrowest bracket of a few tries. A wide
 * bracket means we were interrupted or (emulated) descheduled mid-read.
 */
static u64 read_paired(const struct ref_clock *rc, u64 *tsc)
{
    u64 best = ~0ULL, ref = 0;

    for ( unsigned int i = 0; i < PAIRED_TRIES; i++ )
    {
        u64 t0 = rdtsc(), r = rc->read(), t1 = rdtsc();

        if ( t1 - t0 < best )
        {
            best = t1 - t0;
            ref = r;
            *tsc = t0 + (t1 - t0) / 2;
        }
    }
    return ref;
}

/* TSC ticks over one window of about CALIBRATE_NS; *ns gets its measured length. */
static u64 calibration_window(const struct ref_clock *rc, u64 *ns)
{
    u64 want = muldiv64(CALIBRATE_NS, 1000000, rc->period_fs), r0, r1, s0, s1;

    if ( rc->start )
        rc->start();
    r0 = read_paired(rc, &s0);
    while ( ((rc->read() - r0) & rc->mask) < want )
        cpu_relax();
    r1 = read_paired(rc, &s1);
    *ns = muldiv64((r1 - r0) & rc->mask, rc->period_fs, 1000000);
    return s1 - s0;
}

static unsigned long calibrate_tsc(const struct ref_clock *rc)
{
    unsigned long khz[CALIBRATE_WINDOWS], t;

    for ( unsigned int i = 0; i < CALIBRATE_WINDOWS; i++ )
    {
        u64 ns, ticks = calibration_window(rc, &ns);
        khz[i] = (unsigned long)muldiv64(ticks, 1000000, ns);
    }
    for ( unsigned int i = 0; i < CALIBRATE_WINDOWS; i++ ) /* sort, keep the median */
        for ( unsigned int j = i + 1; j < CALIBRATE_WINDOWS; j++ )
            if ( khz[j] < khz[i] )
                t = khz[i], khz[i] = khz[j], khz[j] = t;
    return khz[CALIBRATE_WINDOWS / 2];
}

/* Count-down rate of the APIC timer at divide-by-1, measured against the TSC. */
static void calibrate_apic_timer(void)
{
    u64 t0, t1;
    u32 left;

    apic_write(APIC_TDCR, APIC_TDR_DIV_1);
    apic_write(APIC_LVTT, APIC_LVT_MASKED | LOCAL_TIMER_VECTOR);
    apic_write(APIC_TMICT, 0xffffffff);
    t0 = rdtsc();
    mdelay(10);
    left = apic_read(APIC_TMCCT);
    t1 = rdtsc();
    apic_write(APIC_TMICT, 0);
    apic_timer_khz = (unsigned long)muldiv64(0xffffffffu - left, cpu_khz, t1 - t0);
    if ( !apic_timer_khz )
        panic("APIC timer does not count");
}

void apic_timer_init_cpu(void)
{
    apic_write(APIC_TDCR, APIC_TDR_DIV_1);
    apic_write(APIC_LVTT, LOCAL_TIMER_VECTOR | (tsc_deadline_timer ? APIC_LVT_TSC_DEADLINE : 0));
}

void reprogram_timer(s_time_t deadline)
{
    s64 delta;
    u64 count;

    if ( tsc_deadline_timer )
    {
        __asm__ volatile("mfence" ::: "memory"); /* order against the LVT write */
        wrmsr(MSR_TSC_DEADLINE, deadline ? stime_to_tsc(deadline) : 0);
        return;
    }
    if ( !deadline )
    {
        apic_write(APIC_TMICT, 0);
        return;
    }
    delta = deadline - NOW();
    /* Far deadlines would overflow the division: 2^32 ticks is the most the counter takes. */
    delta = min(delta, (s64)SECONDS(100));
    count = delta <= 0 ? 1 : muldiv64((u64)delta, apic_timer_khz, 1000000);
    /* Too far ahead: fire early; the timer softirq finds nothing due and re-arms. */
    count = count ? count : 1;
    apic_write(APIC_TMICT, (u32)min(count, (u64)0xffffffffu));
}

static void apic_timer_interrupt(struct cpu_user_regs *regs, unsigned int vector)
{
    apic_eoi();
    raise_softirq(TIMER_SOFTIRQ);
}

static void print_time(char key)
{
    unsigned int cpu;

    printk("'%c' pressed -> showing time\n", key);
    printk("NOW()=%ld ns, TSC=%#lx, tsc_khz=%lu, timer: %s\n", (long)NOW(), (unsigned long)rdtsc(),
           cpu_khz, tsc_deadline_timer ? "TSC deadline" : "APIC one-shot");
    for_each_online_cpu(cpu)
    {
        s_time_t next = timer_next_deadline(cpu);
        if ( next )
            printk("CPU%u: next timer deadline %ld ns (in %ld us)\n", cpu, (long)next,
                   (long)(next - NOW()) / 1000);
        else
            printk("CPU%u: no timer queued\n", cpu);
    }
}
register_keyhandler('t', print_time, "print the time, the TSC and each CPU's next timer");

void time_init(void)
{
    struct ref_clock rc = {"PIT", pit_read, pit_start, 0xffff, PIT_PERIOD_FS};
    unsigned long khz;

    if ( strcmp(opt_clocksource, "pit") && hpet_init() )
        rc = (struct ref_clock){"HPET", hpet_read, NULL, hpet_counter_mask(), hpet_period_fs};
    khz = calibrate_tsc(&rc);
    time_set_tsc_khz(khz);
    printk("TSC: %lu.%03lu MHz (%lu kHz), calibrated against the %s\n", khz / 1000, khz % 1000, khz,
           rc.name);
    tsc_deadline_timer = cpuid_ecx(1) & CPUID1_ECX_TSC_DEADLINE;
    if ( !tsc_deadline_timer )
    {
        calibrate_apic_timer();
        printk("APIC timer: one-shot, %lu.%03lu MHz\n", apic_timer_khz / 1000,
               apic_timer_khz % 1000);
    }
    else
        printk("APIC timer: TSC-deadline mode\n");
    set_irq_handler(LOCAL_TIMER_VECTOR, apic_timer_interrupt);
    apic_timer_init_cpu();
    timer_subsys_init();
    serial_poll_init();
}
