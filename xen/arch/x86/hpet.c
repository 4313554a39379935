/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * HPET, as a reference clock only: its main counter runs at a rate the
 * hardware states (femtoseconds per tick in the capabilities register), so
 * the TSC and the local APIC timer are calibrated against it. Its comparators
 * are left alone (the legacy-replacement route stays off).
 */
#include <xen/lib.h>
#include <xen/mm.h>
#include <asm/acpi.h>
#include <asm/time.h>

#define HPET_ID         0x000
#define HPET_CFG        0x010
#define HPET_COUNTER    0x0f0
#define HPET_ID_64BIT   (1u << 13)
#define HPET_CFG_ENABLE 1u
#define HPET_MAX_PERIOD 100000000u /* 100 ns: the specification's upper bound */

u32 hpet_period_fs;
static volatile u8 *hpet_base;
static bool hpet_64bit;

static u64 hpet_read64(unsigned int reg)
{
    return *(volatile u64 *)(hpet_base + reg);
}

u64 hpet_read_counter(void)
{
    if ( hpet_64bit )
        return hpet_read64(HPET_COUNTER);
    return *(volatile u32 *)(hpet_base + HPET_COUNTER);
}

u64 hpet_counter_mask(void)
{
    return hpet_64bit ? ~0ULL : 0xffffffffULL;
}

bool hpet_init(void)
{
    u64 id;

    if ( !acpi_platform.hpet_addr )
        return false;
    hpet_base = ioremap(acpi_platform.hpet_addr, 1024);
    if ( !hpet_base )
        return false;
    id = hpet_read64(HPET_ID);
    hpet_period_fs = (u32)(id >> 32);
    if ( !hpet_period_fs || hpet_period_fs > HPET_MAX_PERIOD )
    {
        printk(XENLOG_WARNING "HPET: bogus period %u fs; not used\n", hpet_period_fs);
        return false;
    }
    hpet_64bit = id & HPET_ID_64BIT;
    *(volatile u32 *)(hpet_base + HPET_CFG) |= HPET_CFG_ENABLE;
    printk("HPET: %u-bit counter at %lu.%03lu MHz\n", hpet_64bit ? 64 : 32,
           1000000000UL / hpet_period_fs, 1000000000000UL / hpet_period_fs % 1000);
    return true;
}
