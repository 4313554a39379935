/* SPDX-License-Identifier: GPL-2.0-only */
/* x86 SMP internals: IPI handlers, the AP trampoline, per-CPU counters. */
#ifndef ASM_SMP_H
#define ASM_SMP_H

#include <xen/config.h>

/*
 * The AP trampoline: a page of real-mode code copied to TRAMPOLINE_PHYS
 * (below 1 MiB, SIPI vector TRAMPOLINE_PHYS >> 12), followed by the three
 * page tables it uses to reach long mode.
 */
#define TRAMPOLINE_PHYS  0x8000
#define TRAMPOLINE_PAGES 4 /* code, L4, L3, L2 */

#ifndef __ASSEMBLY__
#include <xen/types.h>
#include <asm/percpu.h>

/* What the boot CPU hands to the AP it is starting (read by trampoline.S). */
extern unsigned long ap_boot_cr3, ap_boot_cr4, ap_boot_stack;
extern const char trampoline_start[], trampoline_end[], trampoline_efer[];

void smp_ipi_init(void);
noreturn void start_secondary(void);

DECLARE_PER_CPU(unsigned long, tlb_flush_ipis);

#endif
#endif
