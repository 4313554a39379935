/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Softirqs: work that an interrupt handler defers to a point where the CPU
 * holds no locks and runs with interrupts enabled: the idle loop, the return
 * path to a guest, or an explicit process_pending_softirqs().
 */
#ifndef XEN_SOFTIRQ_H
#define XEN_SOFTIRQ_H

#include <xen/types.h>

enum {
    TIMER_SOFTIRQ,    /* expired timers of this CPU (common/timer.c) */
    SCHEDULE_SOFTIRQ, /* reserved for the scheduler */
    NR_SOFTIRQS
};

typedef void (*softirq_handler_t)(void);

void open_softirq(unsigned int nr, softirq_handler_t fn);
void raise_softirq(unsigned int nr);                       /* on this CPU */
void cpu_raise_softirq(unsigned int cpu, unsigned int nr); /* IPIs a remote CPU */
bool softirq_pending(unsigned int cpu);

/* Run this CPU's pending softirqs; interrupts must be enabled. */
void do_softirq(void);
#define process_pending_softirqs() do_softirq()

#endif
