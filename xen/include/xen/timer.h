/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One-shot timers. A timer belongs to the CPU named at init_timer() and its
 * function runs there, from TIMER_SOFTIRQ, with interrupts enabled and no
 * timer lock held, so it may set_timer() itself again (periodic timers).
 * kill_timer() ends a timer for good before its memory is freed (locking
 * rules in common/timer.c).
 */
#ifndef XEN_TIMER_H
#define XEN_TIMER_H

#include <xen/time.h>

struct timer
{
    /*
     * All fields but function/data are protected by the owning CPU's timer
     * lock; cpu changes under both CPUs' locks (migrate_timer()).
     */
    s_time_t expires;
    void (*function)(void *data);
    void *data;
    unsigned int cpu;
    bool active;        /* on the CPU's list */
    bool killed;        /* kill_timer(): never armed again (until init_timer()) */
    struct timer *next; /* next on the CPU's list, sorted by expires */
};

void init_timer(struct timer *t, void (*fn)(void *data), void *data, unsigned int cpu);
/* (Re)arm t to fire at system time expires (ns, NOW() clock); past times fire at once. */
void set_timer(struct timer *t, s_time_t expires);
void stop_timer(struct timer *t);
/*
 * Stop t for good: later set_timer()/migrate_timer() calls do nothing, and
 * on return its function runs on no CPU, so t and its data may be freed.
 * Not from t's own function, nor holding a lock that function takes.
 */
void kill_timer(struct timer *t);
void migrate_timer(struct timer *t, unsigned int cpu);
bool timer_is_active(const struct timer *t);

/* Per-CPU start-up, before anything sets a timer owned by this CPU. */
void timer_subsys_init(void);
/* Earliest deadline queued on cpu, or 0 when none (for the 't' key). */
s_time_t timer_next_deadline(unsigned int cpu);

/* Arch hook: program this CPU's one-shot timer interrupt for deadline (0: none). */
void reprogram_timer(s_time_t deadline);

#endif
