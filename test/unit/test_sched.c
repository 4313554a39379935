/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The credit scheduler's decisions (xen/common/sched_credit.c) on fake
 * vCPUs: who runs next, credit refills and their bounds, weights, yield,
 * stealing by an idle CPU, sleep and wake.
 *
 * The scheduler source is included here rather than linked, so its static
 * helpers (pick_next, refill_credit, add_credit) can be called directly;
 * nothing in it changes. Its collaborators are stubbed: softirqs are
 * recorded (schedule() is the handler it registers, called by the test),
 * timers only remember what they were set to, and the context switch
 * records the vCPU it would enter and jumps back to the test, as the real
 * one never returns. Per-CPU run queues: __per_cpu_offset points CPU 1's
 * copy at a second run queue of this file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "harness.h"

#include "../../xen/common/sched_credit.c"

#define TEST_CPUS     2
#define NR_TEST_VCPUS 4

unsigned long __per_cpu_offset[NR_CPUS];
cpumask_t cpu_online_map;
unsigned int num_online_cpus;

static struct runqueue second_rq;
static softirq_handler_t schedule_softirq;
static unsigned int softirqs_raised[TEST_CPUS];
static struct vcpu *running_on[TEST_CPUS]; /* what the last context switch entered */
static jmp_buf switch_jmp;
static struct domain doms[2];
static struct vcpu vcpus[NR_TEST_VCPUS];

/* ---- stubs ---- */

void open_softirq(unsigned int nr, softirq_handler_t fn)
{
    assert_int_equal(nr, SCHEDULE_SOFTIRQ);
    schedule_softirq = fn;
}

void raise_softirq(unsigned int nr)
{
    softirqs_raised[smp_processor_id()]++;
}

void cpu_raise_softirq(unsigned int cpu, unsigned int nr)
{
    softirqs_raised[cpu]++;
}

void init_timer(struct timer *t, void (*fn)(void *data), void *data, unsigned int cpu)
{
    memset(t, 0, sizeof(*t));
    t->function = fn;
    t->data = data;
    t->cpu = cpu;
}

void set_timer(struct timer *t, s_time_t expires)
{
    t->expires = expires;
    t->active = true;
}

void stop_timer(struct timer *t)
{
    t->active = false;
}

void migrate_timer(struct timer *t, unsigned int cpu)
{
    t->cpu = cpu;
}

bool timer_is_active(const struct timer *t)
{
    return t->active;
}

void vcpu_timers_init(struct vcpu *v)
{
}

void vcpu_runstate_change(struct vcpu *v, int new_state)
{
    v->runstate.state = new_state;
}

struct vcpu *current_vcpu(void)
{
    return running_on[smp_processor_id()];
}

void pv_save_vcpu(struct vcpu *v)
{
    v->is_running = false;
}

noreturn void pv_start_vcpu(struct vcpu *v)
{
    v->is_running = true;
    running_on[smp_processor_id()] = v;
    longjmp(switch_jmp, 1);
}

noreturn void pv_enter_idle(void)
{
    running_on[smp_processor_id()] = NULL;
    longjmp(switch_jmp, 1);
}

/* ---- helpers ---- */

static int setup(void **state)
{
    harness_setup(state);
    memset(doms, 0, sizeof(doms));
    memset(vcpus, 0, sizeof(vcpus));
    memset(running_on, 0, sizeof(running_on));
    memset(softirqs_raised, 0, sizeof(softirqs_raised));
    memset(&per_cpu__runq, 0, sizeof(per_cpu__runq));
    memset(&second_rq, 0, sizeof(second_rq));
    __per_cpu_offset[0] = 0;
    __per_cpu_offset[1] = (unsigned long)((char *)&second_rq - (char *)&per_cpu__runq);
    cpumask_clear(&cpu_online_map);
    cpumask_set_cpu(0, &cpu_online_map);
    num_online_cpus = 1;
    harness_set_cpu(0);
    sched_init();
    for ( unsigned int i = 0; i < 2; i++ )
        doms[i].weight = DEFAULT_WEIGHT;
    return 0;
}

static void bring_second_cpu_online(void)
{
    cpumask_set_cpu(1, &cpu_online_map);
    num_online_cpus = 2;
    harness_set_cpu(1);
    spin_lock_init(&rq_of(1)->lock);
    init_timer(&rq_of(1)->slice, slice_expired, NULL, 1);
    harness_set_cpu(0);
}

/* vCPU i of domain d, initialised, up, placed on cpu, not yet woken. */
static struct vcpu *make_vcpu(unsigned int i, unsigned int d, unsigned int cpu)
{
    struct vcpu *v = &vcpus[i];

    v->vcpu_id = i;
    v->domain = &doms[d];
    sched_init_vcpu(v);
    v->processor = cpu;
    v->is_initialised = true;
    assert_int_equal(vcpu_up(v), 0);
    return v;
}

/* Run schedule() on cpu at time now; returns what runs there afterwards. */
static struct vcpu *schedule_at(unsigned int cpu, s_time_t now)
{
    harness_set_cpu(cpu);
    harness_time_ns = now;
    if ( setjmp(switch_jmp) == 0 )
        schedule_softirq();
    harness_set_cpu(0);
    assert_ptr_equal(rq_of(cpu)->curr, running_on[cpu]);
    return running_on[cpu];
}

/* n slices on CPU 0; ran[i] counts the slices vcpus[i] got. */
static void run_slices(unsigned int n, unsigned int *ran)
{
    s_time_t t = harness_time_ns;

    for ( unsigned int s = 0; s < n; s++ )
    {
        struct vcpu *v;

        t += SLICE;
        v = schedule_at(0, t);
        assert_non_null(v);
        ran[v - vcpus]++;
    }
}

/* ---- tests ---- */

static void test_up_needs_initialise(void **state)
{
    struct vcpu *v = &vcpus[0];

    v->domain = &doms[0];
    sched_init_vcpu(v);
    assert_int_equal(vcpu_up(v), -EINVAL);
    assert_int_equal(v->sched_state, SCHED_OFFLINE);
    assert_int_equal(rq_of(0)->nr_queued, 0);
}

static void test_wake_runs_and_kicks(void **state)
{
    struct vcpu *v = make_vcpu(0, 0, 0);

    assert_int_equal(v->sched_state, SCHED_RUNNABLE);
    assert_int_equal(v->runstate.state, RUNSTATE_runnable);
    assert_int_equal(softirqs_raised[0], 1); /* an idle CPU is kicked */
    assert_ptr_equal(schedule_at(0, 1000), v);
    assert_int_equal(v->sched_state, SCHED_RUNNING);
    assert_true(rq_of(0)->slice.active);
    assert_int_equal(rq_of(0)->slice.expires, 1000 + SLICE);
}

/* Equal weights: two busy vCPUs alternate, half of the slices each. */
static void test_equal_weights_share(void **state)
{
    unsigned int ran[NR_TEST_VCPUS] = {0};

    make_vcpu(0, 0, 0);
    make_vcpu(1, 1, 0);
    run_slices(100, ran);
    assert_in_range(ran[0], 48, 52);
    assert_in_range(ran[1], 48, 52);
}

/* Weight 512 against 256: two slices for one. */
static void test_weights_share(void **state)
{
    unsigned int ran[NR_TEST_VCPUS] = {0};

    doms[0].weight = 512;
    make_vcpu(0, 0, 0);
    make_vcpu(1, 1, 0);
    run_slices(99, ran);
    assert_in_range(ran[0], 63, 69);
    assert_in_range(ran[1], 30, 36);
}

/* Credit never goes beyond one refill either way. */
static void test_credit_bounds(void **state)
{
    struct vcpu *v = make_vcpu(0, 0, 0);

    for ( unsigned int i = 0; i < 10; i++ )
        refill_credit(rq_of(0));
    assert_int_equal(v->credit, CREDIT_REFILL);
    add_credit(v, -SECONDS(1));
    assert_int_equal(v->credit, -CREDIT_REFILL);
    doms[0].weight = 128;
    add_credit(v, SECONDS(1));
    assert_int_equal(v->credit, CREDIT_REFILL / 2);
}

/*
 * A vCPU that ran alone for a long time is not punished for it once a
 * second one arrives: the newcomer's lead is one refill at most, so the old
 * one runs again within a few slices.
 */
static void test_no_long_debt(void **state)
{
    unsigned int ran[NR_TEST_VCPUS] = {0};

    make_vcpu(0, 0, 0);
    run_slices(50, ran);
    assert_int_equal(ran[0], 50);
    make_vcpu(1, 1, 0);
    memset(ran, 0, sizeof(ran));
    run_slices(4, ran);
    assert_true(ran[0] >= 1);
    assert_true(ran[1] >= 1);
}

/* pick_next refills only when the best candidate is out of credit. */
static void test_pick_next_refill(void **state)
{
    struct vcpu *a = make_vcpu(0, 0, 0), *b = make_vcpu(1, 1, 0);

    a->credit = -5;
    b->credit = -10;
    assert_ptr_equal(pick_next(rq_of(0), NULL), a);
    assert_int_equal(a->credit, -5 + CREDIT_REFILL);
    assert_int_equal(b->credit, -10 + CREDIT_REFILL);
    a->credit = 3;
    b->credit = 7;
    assert_ptr_equal(pick_next(rq_of(0), NULL), b);
    assert_int_equal(b->credit, 7); /* no refill: b had credit */
    assert_int_equal(a->credit, 3);
    assert_ptr_equal(pick_next(rq_of(0), b), a);
}

/* A yield lets the other queued vCPU run although the yielder has more credit. */
static void test_yield(void **state)
{
    struct vcpu *a = make_vcpu(0, 0, 0), *b = make_vcpu(1, 1, 0), *first;

    first = schedule_at(0, 1000);
    first->credit = CREDIT_REFILL;
    (first == a ? b : a)->credit = 1;
    assert_ptr_equal(schedule_at(0, 2000), first); /* no yield: the richer one stays */
    harness_set_cpu(0);
    vcpu_yield();
    assert_ptr_equal(schedule_at(0, 3000), first == a ? b : a);
    /* Alone on the queue, a yielder keeps the CPU. */
    vcpu_sleep(first);
    harness_set_cpu(0);
    vcpu_yield();
    assert_ptr_equal(schedule_at(0, 4000), first == a ? b : a);
}

/* Blocking leaves the CPU; a wake-up brings the vCPU back to the queue. */
static void test_block_and_wake(void **state)
{
    static vcpu_info_t info;
    struct vcpu *v = make_vcpu(0, 0, 0);

    v->vcpu_info = &info;
    assert_ptr_equal(schedule_at(0, 1000), v);
    vcpu_block_current();
    assert_int_equal(v->sched_state, SCHED_BLOCKED);
    assert_null(schedule_at(0, 2000));
    assert_false(rq_of(0)->slice.active);
    vcpu_wake(v);
    assert_int_equal(v->sched_state, SCHED_RUNNABLE);
    assert_int_equal(v->runstate.state, RUNSTATE_runnable);
    assert_ptr_equal(schedule_at(0, 3000), v);
}

/* A pending, unmasked event makes blocking return at once. */
static void test_block_with_event_pending(void **state)
{
    static vcpu_info_t info = {.evtchn_upcall_pending = 1};
    struct vcpu *v = make_vcpu(0, 0, 0);

    v->vcpu_info = &info;
    assert_ptr_equal(schedule_at(0, 1000), v);
    vcpu_block_current();
    assert_int_equal(v->sched_state, SCHED_RUNNABLE);
    assert_ptr_equal(schedule_at(0, 2000), v);
}

/*
 * A multicall that blocks twice (two SCHEDOP_polls) with a wake-up between,
 * all before schedule() runs: the second block takes the vCPU off the queue
 * again, so the next wake-up queues it once.
 */
static void test_block_twice_before_schedule(void **state)
{
    static vcpu_info_t info;
    struct vcpu *v = make_vcpu(0, 0, 0);

    v->vcpu_info = &info;
    assert_ptr_equal(schedule_at(0, 1000), v);
    vcpu_block_current();
    vcpu_wake(v);
    assert_int_equal(rq_of(0)->nr_queued, 1);
    vcpu_block_current();
    assert_int_equal(v->sched_state, SCHED_BLOCKED);
    assert_int_equal(rq_of(0)->nr_queued, 0);
    vcpu_wake(v);
    assert_int_equal(rq_of(0)->nr_queued, 1);
    assert_null(v->runq_next);
    assert_ptr_equal(schedule_at(0, 2000), v);
    assert_int_equal(rq_of(0)->nr_queued, 0);
}

/* Sleep (VCPUOP_down) takes a queued vCPU off its queue; it stays off until up. */
static void test_sleep_and_up(void **state)
{
    struct vcpu *v = make_vcpu(0, 0, 0);

    assert_int_equal(vcpu_down(v), 0);
    assert_int_equal(v->sched_state, SCHED_OFFLINE);
    assert_int_equal(v->runstate.state, RUNSTATE_offline);
    assert_int_equal(rq_of(0)->nr_queued, 0);
    vcpu_wake(v); /* an event for a down vCPU does not start it */
    assert_int_equal(v->sched_state, SCHED_OFFLINE);
    assert_int_equal(vcpu_up(v), 0);
    assert_int_equal(v->sched_state, SCHED_RUNNABLE);
    assert_ptr_equal(schedule_at(0, 1000), v);
}

/* An idle CPU takes the head of the busiest queue, timers and all. */
static void test_steal(void **state)
{
    struct vcpu *a, *b, *c;

    bring_second_cpu_online();
    a = make_vcpu(0, 0, 0);
    b = make_vcpu(1, 0, 0);
    c = make_vcpu(2, 1, 0);
    set_timer(&a->singleshot_timer, 5000);
    assert_ptr_equal(schedule_at(1, 1000), a);
    assert_int_equal(a->processor, 1);
    assert_int_equal(a->singleshot_timer.cpu, 1);
    assert_true(a->singleshot_timer.active);
    assert_int_equal(a->singleshot_timer.expires, 5000);
    assert_int_equal(a->periodic_timer.cpu, 1);
    assert_int_equal(rq_of(0)->nr_queued, 2);
    assert_non_null(schedule_at(0, 1000));
    assert_true(rq_of(0)->curr == b || rq_of(0)->curr == c);
    /* Nothing left to steal: the second CPU, once idle, stays idle. */
    vcpu_sleep(a);
    assert_int_equal(rq_of(0)->nr_queued, 1);
    assert_ptr_equal(schedule_at(1, 2000), rq_of(0)->curr == b ? c : b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_up_needs_initialise, setup),
        cmocka_unit_test_setup(test_wake_runs_and_kicks, setup),
        cmocka_unit_test_setup(test_equal_weights_share, setup),
        cmocka_unit_test_setup(test_weights_share, setup),
        cmocka_unit_test_setup(test_credit_bounds, setup),
        cmocka_unit_test_setup(test_no_long_debt, setup),
        cmocka_unit_test_setup(test_pick_next_refill, setup),
        cmocka_unit_test_setup(test_yield, setup),
        cmocka_unit_test_setup(test_block_and_wake, setup),
        cmocka_unit_test_setup(test_block_with_event_pending, setup),
        cmocka_unit_test_setup(test_block_twice_before_schedule, setup),
        cmocka_unit_test_setup(test_sleep_and_up, setup),
        cmocka_unit_test_setup(test_steal, setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
