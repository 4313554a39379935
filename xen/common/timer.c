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
 * Killing: stop_timer() only takes a timer off its list; its function may be
 * running on some CPU at that moment (and may re-arm it). Before the memory
 * of a timer (or of what its data points to) is freed, kill_timer() is
 * called: it marks the timer killed, which makes every later set_timer() and
 * migrate_timer() a no-op, takes it off its list, and then waits until no
 * CPU is running its function. Each CPU publishes the timer whose function
 * it runs (struct cpu_timers.running); after a migration the function of a
 * timer may still be running on its old CPU, so every CPU is looked at.
 *
 * Locking: struct cpu_timers.lock (irqsave) protects its list, its running
 * pointer and every field of the timers on it except function/data, which
 * are fixed by init_timer(). t->cpu and t->killed change only under the
 * owner's lock (t->cpu under both CPUs' locks, lower CPU first). A CPU holds
 * at most two timer locks (migrate_timer()); no other lock is taken inside
 * them. Timer functions run with no timer lock held; kill_timer() waits for
 * them, so it must be called with no lock held that a timer function of
 * that timer may take (for vCPU timers: not the domain's event_lock and not
 * a run-queue lock), and never from the timer's own function.
 */
#include <xen/lib.h>
#include <xen/smp.h>
#include <xen/softirq.h>
#include <xen/spinlock.h>
#include <xen/timer.h>
#include <asm/percpu.h>
#include <asm/processor.h>

struct cpu_timers
{
    spinlock_t lock;
    struct timer *head;    /* sorted by expires, earliest first */
    struct timer *running; /* whose function this CPU runs now (kill_timer() waits on it) */
} __attribute__((aligned(64)));

/* Indexed by CPU number, so kill_timer() sees every CPU's running timer. */
static struct cpu_timers cpu_timers[NR_CPUS];

void init_timer(struct timer *t, void (*fn)(void *data), void *data, unsigned int cpu)
{
    ASSERT(cpu < NR_CPUS);
    memset(t, 0, sizeof(*t));
    t->function = fn;
    t->data = data;
    t->cpu = cpu;
}

/* Lock the CPU that owns t, following a concurrent migrate_timer(). */
static struct cpu_timers *lock_owner(const struct timer *t, unsigned long *flags)
{
    for ( ;; )
    {
        unsigned int cpu = ACCESS_ONCE(t->cpu);
        struct cpu_timers *ts = &cpu_timers[cpu];

        *flags = spin_lock_irqsave(&ts->lock);
        if ( t->cpu == cpu )
            return ts;
        spin_unlock_irqrestore(&ts->lock, *flags);
    }
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
        reprogram_timer(cpu_timers[cpu].head->expires);
    else
        cpu_raise_softirq(cpu, TIMER_SOFTIRQ);
}

void set_timer(struct timer *t, s_time_t expires)
{
    unsigned long flags;
    struct cpu_timers *ts = lock_owner(t, &flags);

    if ( !t->killed )
    {
        if ( t->active )
            list_remove(ts, t);
        t->expires = expires;
        list_insert(ts, t);
        if ( ts->head == t )
            kick_owner(t->cpu);
    }
    spin_unlock_irqrestore(&ts->lock, flags);
}

void stop_timer(struct timer *t)
{
    unsigned long flags;
    struct cpu_timers *ts = lock_owner(t, &flags);

    /* The interrupt may stay armed for t: it then fires early, harmlessly. */
    if ( t->active )
        list_remove(ts, t);
    spin_unlock_irqrestore(&ts->lock, flags);
}

void kill_timer(struct timer *t)
{
    unsigned long flags;
    struct cpu_timers *ts;

    /* Waiting for itself would never end. */
    ASSERT(ACCESS_ONCE(cpu_timers[smp_processor_id()].running) != t);
    ts = lock_owner(t, &flags);
    t->killed = true;
    if ( t->active )
        list_remove(ts, t);
    spin_unlock_irqrestore(&ts->lock, flags);

    /*
     * A function taken off a list before t was killed may still run, here
     * or (after a migration) on its old CPU; it cannot re-arm t any more.
     */
    for ( unsigned int cpu = 0; cpu < NR_CPUS; cpu++ )
        while ( __atomic_load_n(&cpu_timers[cpu].running, __ATOMIC_ACQUIRE) == t )
            cpu_relax();
}

/* Move t to new_cpu's list (both locks held) unless it moved or was killed meanwhile. */
static bool migrate_locked(struct timer *t, unsigned int old_cpu, unsigned int new_cpu)
{
    struct cpu_timers *from = &cpu_timers[old_cpu], *to = &cpu_timers[new_cpu];
    bool was_active;

    if ( t->cpu != old_cpu )
        return false;
    if ( t->killed )
        return true;
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
    return true;
}

/*
 * Move t to another CPU's list, keeping its deadline. t->cpu changes with
 * both CPUs' locks held (lower CPU first), so set_timer()/stop_timer() on
 * either side see a consistent owner; a callback already taken off the old
 * list may still run there, once. A killed timer stays where it is.
 */
void migrate_timer(struct timer *t, unsigned int new_cpu)
{
    ASSERT(new_cpu < NR_CPUS);
    for ( ;; )
    {
        unsigned int old_cpu = ACCESS_ONCE(t->cpu);
        struct cpu_timers *first = &cpu_timers[min(old_cpu, new_cpu)];
        struct cpu_timers *second = &cpu_timers[max(old_cpu, new_cpu)];
        unsigned long flags;
        bool done;

        if ( old_cpu == new_cpu )
            return;
        flags = spin_lock_irqsave(&first->lock);
        spin_lock(&second->lock);
        done = migrate_locked(t, old_cpu, new_cpu);
        spin_unlock(&second->lock);
        spin_unlock_irqrestore(&first->lock, flags);
        if ( done )
            return;
    }
}

bool timer_is_active(const struct timer *t)
{
    return ACCESS_ONCE(t->active);
}

s_time_t timer_next_deadline(unsigned int cpu)
{
    struct cpu_timers *ts = &cpu_timers[cpu];
    unsigned long flags = spin_lock_irqsave(&ts->lock);
    s_time_t next = ts->head ? ts->head->expires : 0;

    spin_unlock_irqrestore(&ts->lock, flags);
    return next;
}

static void timer_softirq_action(void)
{
    struct cpu_timers *ts = &cpu_timers[smp_processor_id()];
    unsigned long flags = spin_lock_irqsave(&ts->lock);
    struct timer *t;

    while ( (t = ts->head) != NULL && t->expires <= NOW() )
    {
        void (*fn)(void *data) = t->function;
        void *data = t->data;

        /* Read under the lock: t may be migrated (migrate_timer()) meanwhile. */
        list_remove(ts, t);
        ts->running = t;
        spin_unlock_irqrestore(&ts->lock, flags);
        fn(data);
        flags = spin_lock_irqsave(&ts->lock);
        /* From here on t may be freed (kill_timer() returns): not touched again. */
        __atomic_store_n(&ts->running, NULL, __ATOMIC_RELEASE);
    }
    reprogram_timer(ts->head ? ts->head->expires : 0);
    spin_unlock_irqrestore(&ts->lock, flags);
}

/* Every CPU, before its first set_timer(); the first call also opens the softirq. */
void timer_subsys_init(void)
{
    spin_lock_init(&cpu_timers[smp_processor_id()].lock);
    if ( smp_processor_id() == 0 )
        open_softirq(TIMER_SOFTIRQ, timer_softirq_action);
}
