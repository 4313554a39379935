/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Work on other CPUs: remote function calls and TLB shootdowns, both carried
 * by IPIs (arch/x86/smp.c).
 */
#ifndef XEN_SMP_H
#define XEN_SMP_H

#include <xen/cpumask.h>
#include <asm/percpu.h>

/*
 * Run fn(info) on every online CPU of mask: remotely from an IPI handler
 * (interrupts off), locally with interrupts off if this CPU is in mask.
 * With wait, return once every call has finished; without, once every CPU
 * has taken the request (fn must then not depend on the caller's stack).
 * Must be called with interrupts enabled, never from an interrupt handler.
 */
void on_selected_cpus(const cpumask_t *mask, void (*fn)(void *info), void *info, bool wait);

/* The same on every online CPU, this one included. */
void on_each_cpu(void (*fn)(void *info), void *info, bool wait);

/* Flush the TLBs (global entries included) of every online CPU in mask. */
void flush_tlb_mask(const cpumask_t *mask);

/* Wake a CPU so that it looks at its softirqs. */
void smp_send_event_check_cpu(unsigned int cpu);

#endif
