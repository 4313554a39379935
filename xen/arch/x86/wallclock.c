/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Wall-clock time for guests: read once from the CMOS real-time clock at boot,
 * then published in each domain's shared_info as the wall time of system time
 * zero (wc_sec/wc_nsec; a guest adds its own system time). Updates use the
 * version counter protocol of vcpu_time_info: odd while being written.
 */
#include <xen/lib.h>
#include <xen/sched.h>
#include <xen/spinlock.h>
#include <xen/time.h>
#include <asm/processor.h>

#define RTC_INDEX 0x70
#define RTC_DATA  0x71

/*
 * wc_lock protects the base below and every domain's wc_* fields, so a
 * setting never mixes with a domain being created. Lock order: wc_lock,
 * then domlist_lock (wallclock_set walks the domains).
 */
static DEFINE_SPINLOCK(wc_lock);
static u64 boot_wall_sec; /* Unix time at system time 0 */
static u32 boot_wall_nsec;

static unsigned int cmos_read(unsigned int reg)
{
    outb(reg, RTC_INDEX);
    return inb(RTC_DATA);
}

static unsigned int from_bcd(unsigned int v, bool binary)
{
    return binary ? v : (v & 0xf) + (v >> 4) * 10;
}

/* Days since 1970-01-01 of a Gregorian date (month 1-12). */
static u64 days_from_civil(unsigned int y, unsigned int m, unsigned int d)
{
    unsigned int era, yoe, doy, doe;

    y -= m <= 2;
    era = y / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (u64)era * 146097 + doe - 719468;
}

/* Seconds since the epoch, from the RTC; 0 if it reads as nonsense. */
static u64 rtc_read_seconds(void)
{
    unsigned int sec, min, hour, day, mon, year, regb;
    bool binary;

    for ( unsigned int i = 0; i < 1000000 && (cmos_read(0x0a) & 0x80); i++ )
        cpu_relax(); /* an update is in progress */
    regb = cmos_read(0x0b);
    binary = regb & 0x04;
    sec = from_bcd(cmos_read(0x00), binary);
    min = from_bcd(cmos_read(0x02), binary);
    hour = cmos_read(0x04);
    day = from_bcd(cmos_read(0x07), binary);
    mon = from_bcd(cmos_read(0x08), binary);
    year = from_bcd(cmos_read(0x09), binary) + 2000;
    if ( !(regb & 0x02) && (hour & 0x80) ) /* 12-hour clock, PM */
        hour = (from_bcd(hour & 0x7f, binary) % 12) + 12;
    else
        hour = from_bcd(hour & 0x7f, binary);
    if ( sec > 59 || min > 59 || hour > 23 || !day || day > 31 || !mon || mon > 12 )
        return 0;
    return days_from_civil(year, mon, day) * 86400 + hour * 3600 + min * 60 + sec;
}

void wallclock_init(void)
{
    u64 now_ns = NOW();
    u64 rtc = rtc_read_seconds();

    boot_wall_sec = rtc - now_ns / 1000000000;
    boot_wall_nsec = 0;
    printk("Wall clock: %lu s since the epoch (RTC)\n", (unsigned long)rtc);
}

/* The base into d's shared_info, by the version protocol. wc_lock held. */
static void publish_wallclock(struct domain *d)
{
    shared_info_t *s = d->shared_info;

    s->wc_version = (s->wc_version + 1) | 1;
    barrier();
    s->wc_sec = (u32)boot_wall_sec;
    s->wc_sec_hi = (u32)(boot_wall_sec >> 32);
    s->wc_nsec = boot_wall_nsec;
    barrier();
    s->wc_version++;
}

/*
 * dom0 sets the clock (XENPF_settime*): the wall time is secs.nsecs when
 * system time is system_time. Every domain sees the new value at once.
 */
void wallclock_set(u64 secs, u32 nsecs, u64 system_time)
{
    u64 wall_ns = secs * 1000000000ULL + nsecs - system_time;
    unsigned long flags = spin_lock_irqsave(&wc_lock);

    boot_wall_sec = wall_ns / 1000000000ULL;
    boot_wall_nsec = wall_ns % 1000000000ULL;
    for_each_domain(publish_wallclock);
    spin_unlock_irqrestore(&wc_lock, flags);
}

void update_domain_wallclock(struct domain *d)
{
    unsigned long flags = spin_lock_irqsave(&wc_lock);

    publish_wallclock(d);
    spin_unlock_irqrestore(&wc_lock, flags);
}
