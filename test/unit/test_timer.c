/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests of the timer lists and softirqs (xen/common/timer.c, softirq.c) on
 * one simulated CPU with a simulated clock (harness_time_ns): timers run in
 * expiry order and never early, re-arming and stopping work, the arch timer
 * is always programmed for the earliest pending expiry, and a timer function
 * may re-arm its own timer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness.h"

#include <xen/lib.h>
#include <xen/smp.h>
#include <xen/softirq.h>
#include <xen/timer.h>

/* Arch hooks, recorded. */
static s_time_t programmed; /* last reprogram_timer() deadline */
static unsigned int event_checks;

void reprogram_timer(s_time_t deadline)
{
    programmed = deadline;
}

void smp_send_event_check_cpu(unsigned int cpu)
{
    event_checks++;
}

#define MAX_RUNS 16
static int runs[MAX_RUNS]; /* ids of timer functions, in the order they ran */
static s_time_t run_at[MAX_RUNS];
static unsigned int nr_runs;

struct probe
{
    struct timer t;
    int id;
    s_time_t rearm_by; /* > 0: the function re-arms itself this much later */
};

static void probe_fn(void *data)
{
    struct probe *p = data;

    assert_true(nr_runs < MAX_RUNS);
    run_at[nr_runs] = harness_time_ns;
    runs[nr_runs++] = p->id;
    if ( p->rearm_by )
        set_timer(&p->t, harness_time_ns + p->rearm_by);
}

static int setup(void **state)
{
    harness_setup(state);
    nr_runs = 0;
    programmed = -1;
    event_checks = 0;
    timer_subsys_init();
    return 0;
}

/* Advance the clock and run what the timer interrupt would have triggered. */
static void tick_to(s_time_t now)
{
    harness_time_ns = now;
    raise_softirq(TIMER_SOFTIRQ);
    do_softirq();
}

static void probe_init(struct probe *p, int id)
{
    p->id = id;
    p->rearm_by = 0;
    init_timer(&p->t, probe_fn, p, 0);
}

static void test_order_and_programming(void **state)
{
    static const s_time_t at[] = {300, 100, 200, 100, 500};
    struct probe p[5];

    for ( unsigned int i = 0; i < 5; i++ )
    {
        probe_init(&p[i], (int)i);
        set_timer(&p[i].t, at[i]);
    }
    assert_int_equal(programmed, 100);
    assert_int_equal(timer_next_deadline(0), 100);

    tick_to(99); /* early interrupt: nothing runs, re-armed for the same head */
    assert_int_equal(nr_runs, 0);
    assert_int_equal(programmed, 100);

    tick_to(250);
    assert_int_equal(nr_runs, 3);
    assert_int_equal(runs[0], 1); /* equal deadlines run in the order they were set */
    assert_int_equal(runs[1], 3);
    assert_int_equal(runs[2], 2);
    assert_int_equal(programmed, 300);

    tick_to(1000);
    assert_int_equal(nr_runs, 5);
    assert_int_equal(runs[3], 0);
    assert_int_equal(runs[4], 4);
    assert_int_equal(programmed, 0); /* nothing left: timer off */
    assert_int_equal(timer_next_deadline(0), 0);
    for ( unsigned int i = 0; i < 5; i++ )
        assert_false(timer_is_active(&p[i].t));
}

static void test_rearm_and_stop(void **state)
{
    struct probe a, b;

    probe_init(&a, 1);
    probe_init(&b, 2);
    set_timer(&a.t, 100);
    set_timer(&b.t, 200);
    set_timer(&a.t, 300);              /* moved behind b */
    assert_int_equal(programmed, 100); /* stale: fires early, harmless */
    tick_to(150);
    assert_int_equal(nr_runs, 0);
    assert_int_equal(programmed, 200);

    stop_timer(&b.t);
    assert_false(timer_is_active(&b.t));
    stop_timer(&b.t); /* stopping an inactive timer is fine */
    tick_to(250);
    assert_int_equal(nr_runs, 0);
    assert_int_equal(programmed, 300);

    tick_to(300);
    assert_int_equal(nr_runs, 1);
    assert_int_equal(runs[0], 1);
    assert_int_equal(run_at[0], 300);
}

/* A periodic timer: its function re-arms it; one softirq runs it once per period. */
static void test_self_rearm(void **state)
{
    struct probe p;

    probe_init(&p, 7);
    p.rearm_by = 20;
    set_timer(&p.t, 20);
    for ( s_time_t now = 20; now <= 100; now += 20 )
        tick_to(now);
    assert_int_equal(nr_runs, 5);
    for ( unsigned int i = 0; i < 5; i++ )
        assert_int_equal(run_at[i], 20 * (s_time_t)(i + 1));
    assert_int_equal(programmed, 120);
    stop_timer(&p.t);
}

/* A timer in the past runs at the next softirq, not never. */
static void test_past_deadline(void **state)
{
    struct probe p;

    harness_time_ns = 1000;
    probe_init(&p, 3);
    set_timer(&p.t, 10);
    assert_int_equal(programmed, 10);
    tick_to(1000);
    assert_int_equal(nr_runs, 1);
    assert_int_equal(event_checks, 0); /* all local: no IPI */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_order_and_programming, setup),
        cmocka_unit_test_setup(test_rearm_and_stop, setup),
        cmocka_unit_test_setup(test_self_rearm, setup),
        cmocka_unit_test_setup(test_past_deadline, setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
