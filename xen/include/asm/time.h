/* SPDX-License-Identifier: GPL-2.0-only */
/* x86 time sources: HPET, PIT, the TSC and the local APIC timer. */
#ifndef ASM_TIME_H
#define ASM_TIME_H

#include <xen/types.h>

/* HPET main counter (hpet.c); hpet_init() returns false when there is none. */
bool hpet_init(void);
u64 hpet_read_counter(void);
u64 hpet_counter_mask(void); /* 32- or 64-bit counter */
extern u32 hpet_period_fs;   /* femtoseconds per tick */

/*
 * a * b / c without overflow in the product (128-bit intermediate) and
 * without libgcc: one mul and one div. The quotient must fit in 64 bits.
 */
static inline u64 muldiv64(u64 a, u64 b, u64 c)
{
    u64 q, r;

    __asm__("mulq %[b]; divq %[c]" : "=a"(q), "=&d"(r) : "a"(a), [b] "rm"(b), [c] "rm"(c) : "cc");
    return q;
}

/* Busy-wait on the TSC (after calibration). */
void udelay(unsigned long us);
#define mdelay(ms) udelay((ms)*1000UL)

/* TSC value at system time t (ns). */
u64 stime_to_tsc(s_time_t t);

/* Per CPU, after setup_local_apic(): arm the one-shot timer interrupt. */
void apic_timer_init_cpu(void);
extern bool tsc_deadline_timer; /* CPUID.1:ECX[24]: the timer takes a TSC deadline */

/* Start polling the serial port for debug keys (idle.c), once timers work. */
void serial_poll_init(void);

#endif
