/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Timers: each CPU keeps the timers it owns on a list sorted by expiry and
 * has its one-shot timer interrupt armed for the head of that list.
 *
 * set_timer() may be called from any CPU: it inserts under the owner's lock
 * and, when the new timer became the owner's earliest, re-arms the interrupt
 * (on this CPU) or raises TIMER_SOFTIRQ on the owner (remote), whose softirq
 * handler re-arms it. The interrupt handler only raises TIMER_SOFTIRQ. The
 * softirq takes every timer whose expiry has passed off the list and calls
 * its function with the lock dropped and interrupts enabled, so a function
 * may re-arm its own timer; then it re-arms for the new head. A timer never
 * runs before its expiry: a count-down interrupt that comes a little early
 * (rounding) finds nothing due and just re-arms.
 *
 * Locking: struct cpu_timers.lock (irqsave) protects its list and every
 * field of the timers on it except function/data/cpu, which are fixed by
 * init_timer(). A CPU holds at most one timer lock at a time; no other lock
 * is taken inside it.
 */
#include <xen/lib.h>
#include <xen/smp.h>
#include <xen/softirq.h>
#include <xen/spinlock.h>
#include <xen/timer.h>
#include <asm/percpu.h>

struct cpu_timers
{
    spinlock_t lock;
    struct timer *head; /* sorted by expires, earliest first */
};

static DEFINE_PER_CPU(struct cpu_timers, cpu_timers);

void init_timer(struct timer *t, void (*fn)(void *data), void *data, unsigned int cpu)
{
    ASSERT(cpu < NR_CPUS);
    memset(t, 0, sizeof(*t));
    t->function = fn;
    t->data = data;
    t->cpu = cpu;
}

static void list_remove(struct cpu_timers *ts, struct timer *t)
{
    struct timer **pp = &ts->head;

    while ( *pp && *pp != t )
        pp = &(*pp)->next;
    ASSERT(*pp == t);
    *pp = t->next;
    t->next = NULL;
    t->active = false;
}

/* Insert in expiry order (after equal ones, so equal deadlines keep set order). */
static void list_insert(struct cpu_timers *ts, struct timer *t)
{
    struct timer **pp = &ts->head;

    while ( *pp && (*pp)->expires <= t->expires )
        pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
    t->active = true;
}

/* The owner's interrupt must be re-armed: here, or by its softirq. */
static void kick_owner(unsigned int cpu)
{
    if ( cpu == smp_processor_id() )
        reprogram_timer(per_cpu(cpu_timers, cpu).head->expires);
    else
        cpu_raise_softirq(cpu, TIMER_SOFTIRQ);
}

void set_timer(struct timer *t, s_time_t expires)
{
    struct cpu_timers *ts = &per_cpu(cpu_timers, t->cpu);
    unsigned long flags = spin_lock_irqsave(&ts->lock);

    if ( t->active )
        list_remove(ts, t);
    t->expires = expires;
    list_insert(ts, t);
    if ( ts->head == t )
        kick_owner(t->cpu);
    spin_unlock_irqrestore(&ts->lock, flags);
}

void stop_timer(struct timer *t)
{
    struct cpu_timers *ts = &per_cpu(cpu_timers, t->cpu);
    unsigned long flags = spin_lock_irqsave(&ts->lock);

    /* The interrupt may stay armed for t: it then fires early, harmlessly. */
    if ( t->active )
        list_remove(ts, t);
    spin_unlock_irqrestore(&ts->lock, flags);
}

/*
 * Move t to another CPU's list, keeping its deadline. t->cpu changes with
 * both CPUs' locks held (lower CPU first), so set_timer()/stop_timer() on
 * either side see a consistent owner; a callback already taken off the old
 * list may still run there, once.
 */
void migrate_timer(struct timer *t, unsigned int new_cpu)
{
    for ( ;; )
    {
        unsigned int old_cpu = ACCESS_ONCE(t->cpu);
        struct cpu_timers *from = &per_cpu(cpu_timers, old_cpu);
        struct cpu_timers *to = &per_cpu(cpu_timers, new_cpu);
        struct cpu_timers *first = old_cpu < new_cpu ? from : to;
        unsigned long flags;
        bool was_active;

        if ( old_cpu == new_cpu )
            return;
        flags = spin_lock_irqsave(&first->lock);
        spin_lock(first == from ? &to->lock : &from->lock);
        if ( t->cpu == old_cpu )
        {
            was_active = t->active;
            if ( was_active )
                list_remove(from, t);
            t->cpu = new_cpu;
            if ( was_active )
            {
                list_insert(to, t);
                if ( to->head == t )
                    kick_owner(new_cpu);
            }
        }
        spin_unlock(first == from ? &to->lock : &from->lock);
        spin_unlock_irqrestore(&first->lock, flags);
        if ( ACCESS_ONCE(t->cpu) == new_cpu )
            return;
    }
}

bool timer_is_active(const struct timer *t)
{
    return ACCESS_ONCE(t->active);
}

s_time_t timer_next_deadline(unsigned int cpu)
{
    struct cpu_timers *ts = &per_cpu(cpu_timers, cpu);
    unsigned long flags = spin_lock_irqsave(&ts->lock);
    s_time_t next = ts->head ? ts->head->expires : 0;

    spin_unlock_irqrestore(&ts->lock, flags);
    return next;
}

static void timer_softirq_action(void)
{
    struct cpu_timers *ts = &this_cpu(cpu_timers);
    unsigned long flags = spin_lock_irqsave(&ts->lock);
    struct timer *t;

    while ( (t = ts->head) != NULL && t->expires <= NOW() )
    {
        void (*fn)(void *data) = t->function;
        void *data = t->data;

        /* Read under the lock: t may be migrated (migrate_timer()) meanwhile. */
        list_remove(ts, t);
        spin_unlock_irqrestore(&ts->lock, flags);
        fn(data);
        flags = spin_lock_irqsave(&ts->lock);
    }
    reprogram_timer(ts->head ? ts->head->expires : 0);
    spin_unlock_irqrestore(&ts->lock, flags);
}

/* Every CPU, before its first set_timer(); the first call also opens the softirq. */
void timer_subsys_init(void)
{
    spin_lock_init(&this_cpu(cpu_timers).lock);
    if ( smp_processor_id() == 0 )
        open_softirq(TIMER_SOFTIRQ, timer_softirq_action);
}
