/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vCPU scheduler: credit-style, with per-CPU run queues.
 *
 * Every vCPU lives on one physical CPU's run queue at a time (v->processor).
 * A running vCPU burns credit in proportion to the time it runs; when no
 * runnable vCPU on a queue has credit left, every vCPU of that queue is
 * topped up in proportion to its domain's weight (default 256), so over time
 * CPU shares follow the weights; credit stays within one refill either way,
 * so only the last few slices count. The runnable vCPU with the most credit
 * runs next, for at most a 30 ms slice; one that yields lets the others on
 * its queue go first. An idle CPU with nothing of its own steals
 * a waiting vCPU from the busiest other queue (that is all the balancing:
 * work moves to idle CPUs).
 *
 * States: OFFLINE (never up, or VCPUOP_down, or its domain is paused or has
 * shut down), RUNNABLE (on a queue), RUNNING (rq->curr), BLOCKED (waiting for
 * an event). A wake-up makes a BLOCKED vCPU RUNNABLE and kicks its CPU if it
 * should preempt what runs there.
 *
 * Switching vCPUs happens only in schedule(), from SCHEDULE_SOFTIRQ, which
 * the hypervisor runs just before returning to a guest or from the idle loop,
 * never in the middle of a hypercall: so the C stack can be dropped and the
 * next vCPU entered from scratch.
 *
 * Locking: each run queue has rq->lock (irqsave), which protects the queue,
 * rq->curr and the scheduling fields of every vCPU whose v->processor is that
 * CPU. Moving a vCPU between CPUs takes both locks, lower CPU number first.
 */
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/sched.h>
#include <xen/smp.h>
#include <xen/softirq.h>
#include <xen/time.h>
#include <xen/timer.h>
#include <asm/percpu.h>
#include <asm/platform.h>
#include <asm/processor.h>
#include <asm/pv.h>
#include <asm/pv_build.h>
#include <public/vcpu.h>

#define SLICE          MILLISECS(30)
#define CREDIT_REFILL  MILLISECS(30) /* credit (ns) a weight-256 vCPU gets per refill */
#define DEFAULT_WEIGHT 256

struct runqueue
{
    spinlock_t lock;
    struct vcpu *head; /* RUNNABLE vCPUs, in arrival order */
    unsigned int nr_queued;
    struct vcpu *curr;    /* running vCPU, NULL when idle */
    struct timer slice;   /* end of curr's slice */
    struct vcpu *yielded; /* curr asked to let others run (SCHEDOP_yield) */
};

static DEFINE_PER_CPU(struct runqueue, runq);

static struct runqueue *rq_of(unsigned int cpu)
{
    return &per_cpu(runq, cpu);
}

static void enqueue(struct runqueue *rq, struct vcpu *v)
{
    struct vcpu **p = &rq->head;

    while ( *p )
        p = &(*p)->runq_next;
    v->runq_next = NULL;
    *p = v;
    rq->nr_queued++;
    v->sched_state = SCHED_RUNNABLE;
}

static void dequeue(struct runqueue *rq, struct vcpu *v)
{
    for ( struct vcpu **p = &rq->head; *p; p = &(*p)->runq_next )
        if ( *p == v )
        {
            *p = v->runq_next;
            rq->nr_queued--;
            return;
        }
    BUG();
}

/* One refill's worth of credit for v: also the most it may save up or owe. */
static s64 credit_cap(const struct vcpu *v)
{
    return CREDIT_REFILL * v->domain->weight / DEFAULT_WEIGHT;
}

/*
 * Credit stays within one refill either way, so a vCPU that slept through
 * refills cannot hoard and one that ran long cannot owe for long: shares
 * follow the weights over a few slices, not over the whole history.
 */
static void add_credit(struct vcpu *v, s64 amount)
{
    s64 cap = credit_cap(v);

    v->credit = max(min(v->credit + amount, cap), -cap);
}

static void refill_credit(struct runqueue *rq)
{
    for ( struct vcpu *v = rq->head; v; v = v->runq_next )
        add_credit(v, credit_cap(v));
    if ( rq->curr )
        add_credit(rq->curr, credit_cap(rq->curr));
}

/* The queued vCPU other than skip with the most credit, or NULL. */
static struct vcpu *best_queued(const struct runqueue *rq, const struct vcpu *skip)
{
    struct vcpu *best = NULL;

    for ( struct vcpu *v = rq->head; v; v = v->runq_next )
        if ( v != skip && (!best || v->credit > best->credit) )
            best = v;
    return best;
}

/*
 * The queued vCPU with the most credit; refills when everyone is in debt.
 * skip (a vCPU that yielded) runs only when nothing else is queued.
 */
static struct vcpu *pick_next(struct runqueue *rq, const struct vcpu *skip)
{
    struct vcpu *best = best_queued(rq, skip);

    if ( !best )
        return rq->head; /* skip alone, or nothing */
    if ( best->credit <= 0 )
    {
        refill_credit(rq);
        best = best_queued(rq, skip);
    }
    return best;
}

/* Should v, newly runnable on rq, take the CPU from what runs there? */
static bool should_preempt(const struct runqueue *rq, const struct vcpu *v)
{
    return !rq->curr || v->credit > rq->curr->credit;
}

static bool can_run(const struct vcpu *v)
{
    return !v->is_down && !v->pause_count && v->is_initialised && !v->domain->is_shutting_down;
}

/*
 * A vCPU waits on busy CPU @busy: send an idle CPU to schedule(), whose
 * steal_work() takes it. An idle CPU halts until an interrupt and has no
 * timers of its own vCPUs, so without this two busy vCPUs on one queue share
 * that CPU while another sits idle. The unlocked look at other queues is a
 * hint: a wrong guess costs one empty schedule() or waits for the next wake.
 */
static void tickle_idle_cpu(unsigned int busy)
{
    unsigned int cpu;

    for_each_online_cpu(cpu)
    {
        const struct runqueue *rq = rq_of(cpu);

        if ( cpu != busy && !__atomic_load_n(&rq->curr, __ATOMIC_RELAXED) &&
             !__atomic_load_n(&rq->nr_queued, __ATOMIC_RELAXED) )
        {
            cpu_raise_softirq(cpu, SCHEDULE_SOFTIRQ);
            return;
        }
    }
}

/* Make v runnable if it may run and is not already queued or running. */
void vcpu_wake(struct vcpu *v)
{
    unsigned int cpu = v->processor;
    struct runqueue *rq = rq_of(cpu);
    unsigned long flags = spin_lock_irqsave(&rq->lock);
    bool kick = false, queued = false;

    if ( (v->sched_state == SCHED_BLOCKED || v->sched_state == SCHED_OFFLINE) && can_run(v) )
    {
        enqueue(rq, v);
        queued = true;
        kick = should_preempt(rq, v);
        /* One still being switched out is accounted by pv_save_vcpu(). */
        if ( rq->curr != v && !v->is_running )
            vcpu_runstate_change(v, RUNSTATE_runnable);
    }
    spin_unlock_irqrestore(&rq->lock, flags);
    if ( kick )
        cpu_raise_softirq(cpu, SCHEDULE_SOFTIRQ);
    /* Preempting or not, one of the two now waits on this CPU. */
    if ( queued && rq->curr )
        tickle_idle_cpu(cpu);
}

/* The current vCPU waits for an event (SCHEDOP_block, SCHEDOP_poll). */
void vcpu_block_current(void)
{
    struct vcpu *v = current;
    struct runqueue *rq = rq_of(v->processor);
    unsigned long flags = spin_lock_irqsave(&rq->lock);

    /*
     * Woken since it last blocked, before schedule() ran (a race below, or a
     * multicall that blocks twice): it is queued, and a blocked vCPU must not
     * be, or the next wake-up queues it a second time.
     */
    if ( v->sched_state == SCHED_RUNNABLE )
        dequeue(rq, v);
    v->sched_state = SCHED_BLOCKED;
    spin_unlock_irqrestore(&rq->lock, flags);
    /* An event that raced with us must not be slept through. */
    if ( v->vcpu_info->evtchn_upcall_pending && !v->vcpu_info->evtchn_upcall_mask )
        vcpu_wake(v);
    raise_softirq(SCHEDULE_SOFTIRQ);
}

/* SCHEDOP_yield: run something else queued here, if there is anything. */
void vcpu_yield(void)
{
    struct runqueue *rq = rq_of(current->processor);
    unsigned long flags = spin_lock_irqsave(&rq->lock);

    rq->yielded = current;
    spin_unlock_irqrestore(&rq->lock, flags);
    raise_softirq(SCHEDULE_SOFTIRQ);
}

/* Take v off the CPU (down, pause, shutdown); it stays OFFLINE until woken. */
void vcpu_sleep(struct vcpu *v)
{
    unsigned int cpu = v->processor;
    struct runqueue *rq = rq_of(cpu);
    unsigned long flags = spin_lock_irqsave(&rq->lock);

    bool running = rq->curr == v;

    if ( v->sched_state == SCHED_RUNNABLE )
        dequeue(rq, v);
    v->sched_state = SCHED_OFFLINE; /* a running one leaves at the next schedule() */
    if ( !running && !v->is_running )
        vcpu_runstate_change(v, RUNSTATE_offline);
    spin_unlock_irqrestore(&rq->lock, flags);
    if ( running )
        cpu_raise_softirq(cpu, SCHEDULE_SOFTIRQ);
}

/*
 * Is v chosen to run on its CPU or still being switched in or out there?
 * False for a vCPU put to sleep means its state is all in struct vcpu.
 */
bool vcpu_on_cpu(const struct vcpu *v)
{
    struct runqueue *rq = rq_of(v->processor);
    unsigned long flags = spin_lock_irqsave(&rq->lock);
    bool on = rq->curr == v || v->is_running;

    spin_unlock_irqrestore(&rq->lock, flags);
    return on;
}

/* Move v's timers with it: they must fire on the CPU whose queue holds v. */
static void migrate_vcpu_timers(struct vcpu *v, unsigned int cpu)
{
    migrate_timer(&v->singleshot_timer, cpu);
    migrate_timer(&v->periodic_timer, cpu);
    migrate_timer(&v->poll_timer, cpu);
}

/*
 * Balance: a CPU takes a waiting vCPU from the busiest other queue when that
 * queue holds at least min_waiting of them (1 for an idle CPU; 2 for a busy
 * one, so that three vCPUs sharing one CPU while another runs a single one
 * even out to two and two).
 */
static void steal_work(unsigned int cpu, unsigned int min_waiting)
{
    unsigned int victim = cpu, most = 0, other;
    struct runqueue *a, *b;
    struct vcpu *v = NULL;
    unsigned long flags;

    for_each_online_cpu(other) if ( other != cpu && rq_of(other)->nr_queued > most )
    {
        most = rq_of(other)->nr_queued;
        victim = other;
    }
    if ( victim == cpu || most < min_waiting )
        return;
    a = rq_of(min(cpu, victim));
    b = rq_of(max(cpu, victim));
    flags = spin_lock_irqsave(&a->lock);
    spin_lock(&b->lock);
    /*
     * Not one still being switched out on the victim CPU (schedule() queues
     * prev before pv_save_vcpu() has saved it): started here, it would run
     * from stale registers.
     */
    for ( v = rq_of(victim)->head; v; v = v->runq_next )
        if ( !__atomic_load_n(&v->is_running, __ATOMIC_ACQUIRE) )
            break;
    if ( v )
    {
        dequeue(rq_of(victim), v);
        v->processor = cpu;
        enqueue(rq_of(cpu), v);
    }
    spin_unlock(&b->lock);
    spin_unlock_irqrestore(&a->lock, flags);
    if ( v )
        migrate_vcpu_timers(v, cpu);
}

static noreturn void context_switch(struct vcpu *prev, struct vcpu *next)
{
    if ( prev )
        pv_save_vcpu(prev);
    if ( next )
        pv_start_vcpu(next);
    pv_enter_idle();
}

static void schedule(void)
{
    unsigned int cpu = smp_processor_id();
    struct runqueue *rq = rq_of(cpu);
    s_time_t now = NOW();
    struct vcpu *prev, *next;
    unsigned long flags;
    unsigned int waiting;

    if ( !rq->nr_queued )
        steal_work(cpu, (!rq->curr || rq->curr->sched_state != SCHED_RUNNING) ? 1 : 2);

    flags = spin_lock_irqsave(&rq->lock);
    prev = rq->curr;
    if ( prev )
    {
        add_credit(prev, -(now - prev->sched_start));
        if ( prev->sched_state == SCHED_RUNNING )
            enqueue(rq, prev);
    }
    next = pick_next(rq, rq->yielded == prev ? prev : NULL);
    rq->yielded = NULL;
    if ( next )
    {
        dequeue(rq, next);
        next->sched_state = SCHED_RUNNING;
        next->sched_start = now;
    }
    rq->curr = next;
    waiting = rq->nr_queued;
    spin_unlock_irqrestore(&rq->lock, flags);
    if ( waiting )
        tickle_idle_cpu(cpu);

    if ( next )
        set_timer(&rq->slice, now + SLICE);
    else
        stop_timer(&rq->slice);
    if ( next != prev )
        context_switch(prev, next);
}

static void slice_expired(void *unused)
{
    raise_softirq(SCHEDULE_SOFTIRQ);
}

/* Place a new vCPU: spread a domain's vCPUs over the CPUs. */
void sched_init_vcpu(struct vcpu *v)
{
    v->processor = v->vcpu_id % num_online_cpus;
    v->sched_state = SCHED_OFFLINE;
    v->credit = 0;
    vcpu_timers_init(v);
}

int vcpu_up(struct vcpu *v)
{
    if ( !v->is_initialised )
        return -EINVAL;
    v->is_down = false;
    vcpu_wake(v);
    return 0;
}

int vcpu_down(struct vcpu *v)
{
    v->is_down = true;
    vcpu_sleep(v);
    return 0;
}

void sched_init(void)
{
    unsigned int cpu;

    for_each_online_cpu(cpu)
    {
        struct runqueue *rq = rq_of(cpu);

        spin_lock_init(&rq->lock);
        init_timer(&rq->slice, slice_expired, NULL, cpu);
    }
    open_softirq(SCHEDULE_SOFTIRQ, schedule);
}
