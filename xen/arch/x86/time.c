/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * System time: nanoseconds since boot, from the TSC.
 *
 * ns = ((tsc - boot_tsc) * mul) >> 32 with mul = 10^6 * 2^32 / cpu_khz,
 * computed once the TSC has been calibrated.
 */
#include <xen/lib.h>
#include <xen/time.h>
#include <asm/processor.h>

unsigned long cpu_khz;
static u64 boot_tsc;
static u64 tsc_to_ns_mul; /* 32.32 fixed point */

static u64 scale_delta(u64 delta, u64 mul)
{
    return (u64)(((unsigned __int128)delta * mul) >> 32);
}

void time_set_tsc_khz(unsigned long khz);
void time_set_tsc_khz(unsigned long khz)
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
