/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Platform bring-up, in the order __start_xen() calls it: ACPI tables, the
 * interrupt controllers, the TSC calibration and timers, then the other CPUs.
 */
#ifndef ASM_PLATFORM_H
#define ASM_PLATFORM_H

#include <xen/types.h>

void acpi_init(void);    /* RSDP, XSDT/RSDT, MADT, FADT (+ \_S5), HPET */
void apic_init(void);    /* local APIC (x2APIC where present), IO-APICs masked */
void time_init(void);    /* TSC calibration against HPET or PIT; timers, softirqs */
void smp_init(void);     /* every CPU of the MADT up; prints "Brought up N CPUs" */
void selftest_run(void); /* "selftest": boot self-checks, one verdict line each */
noreturn void idle_loop(void);

extern unsigned int num_online_cpus;

#endif
