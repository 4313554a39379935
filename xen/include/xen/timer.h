/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One-shot timers. A timer belongs to the CPU named at init_timer() and its
 * function runs there, from TIMER_SOFTIRQ, with interrupts enabled and no
 * timer lock held, so it may set_timer() itself again (periodic timers).
 */
#ifndef XEN_TIMER_H
#define XEN_TIMER_H

#include <xen/time.h>

struct timer
{
    /* All fields but function/data/cpu are protected by the owning CPU's timer lock. */
    s_time_t expires;
    void (*function)(void *data);
    void *data;
    unsigned int cpu;
    bool active;        /* on the CPU's list */
    struct timer *next; /* next on the CPU's list, sorted by expires */
};

void init_timer(struct timer *t, void (*fn)(void *data), void *data, unsigned int cpu);
/* (Re)arm t to fire at system time expires (ns, NOW() clock); past times fire at once. */
void set_timer(struct timer *t, s_time_t expires);
void stop_timer(struct timer *t);
void migrate_timer(struct timer *t, unsigned int cpu);
bool timer_is_active(const struct timer *t);

/* Per-CPU start-up, before anything sets a timer owned by this CPU. */
void timer_subsys_init(void);
/* Earliest deadline queued on cpu, or 0 when none (for the 't' key). */
s_time_t timer_next_deadline(unsigned int cpu);

/* Arch hook: program this CPU's one-shot timer interrupt for deadline (0: none). */
void reprogram_timer(s_time_t deadline);

#endif
