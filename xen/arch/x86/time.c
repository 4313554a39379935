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
 * Calibration counts TSC ticks over three 50 ms windows of the HPET main
 * counter (the PIT's channel 2 when there is no HPET, or with
 * "clocksource=pit") and keeps the median window, which discards one window
 * disturbed by the host (under emulation a vCPU can be descheduled).
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
#define PIT_HZ                  1193182UL
#define CALIBRATE_NS            50000000UL /* one window: 50 ms */
#define CALIBRATE_WINDOWS       3

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

/* TSC ticks over one HPET window; *ns gets the window's exact length. */
static u64 hpet_window(u64 *ns)
{
    u64 ticks = muldiv64(CALIBRATE_NS, 1000000, hpet_period_fs);
    u64 mask = hpet_counter_mask(), c0, c1, t0, t1;

    c0 = hpet_read_counter();
    t0 = rdtsc();
    do
    {
        c1 = hpet_read_counter();
        t1 = rdtsc();
    } while ( ((c1 - c0) & mask) < ticks );
    *ns = muldiv64((c1 - c0) & mask, hpet_period_fs, 1000000);
    return t1 - t0;
}

/* TSC ticks over one PIT channel 2 count-down (mode 0) of about 50 ms. */
static u64 pit_window(u64 *ns)
{
    const u16 latch = (u16)(PIT_HZ * (CALIBRATE_NS / 1000000) / 1000);
    u64 t0, t1;

    outb((inb(0x61) & ~0x02) | 0x01, 0x61); /* gate high, speaker off */
    outb(0xb0, 0x43);                       /* channel 2, lo/hi byte, mode 0 */
    outb(latch & 0xff, 0x42);
    outb(latch >> 8, 0x42);
    t0 = rdtsc();
    while ( !(inb(0x61) & 0x20) ) /* OUT2 goes high at terminal count */
        cpu_relax();
    t1 = rdtsc();
    *ns = (u64)latch * 1000000000UL / PIT_HZ;
    return t1 - t0;
}

static unsigned long calibrate_tsc(bool use_hpet)
{
    unsigned long khz[CALIBRATE_WINDOWS], t;

    for ( unsigned int i = 0; i < CALIBRATE_WINDOWS; i++ )
    {
        u64 ns, ticks = use_hpet ? hpet_window(&ns) : pit_window(&ns);
        khz[i] = (unsigned long)muldiv64(ticks, 1000000, ns);
    }
    /* Median of three. */
    for ( unsigned int i = 0; i < CALIBRATE_WINDOWS; i++ )
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
    bool use_hpet = strcmp(opt_clocksource, "pit") && hpet_init();
    unsigned long khz = calibrate_tsc(use_hpet);

    time_set_tsc_khz(khz);
    printk("TSC: %lu.%03lu MHz (%lu kHz), calibrated against the %s\n", khz / 1000, khz % 1000, khz,
           use_hpet ? "HPET" : "PIT");
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
