/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests of the timer lists and softirqs (xen/common/timer.c, softirq.c) on
 * one simulated CPU with a simulated clock (harness_time_ns): timers run in
 * expiry order and never early, re-arming and stopping work, the arch timer
 * is always programmed for the earliest pending expiry, and a timer function
 * may re-arm its own timer.
 *
 * kill_timer(): a killed timer never runs and cannot be armed or moved
 * again, not even by its own function, and kill_timer() returns only once
 * the function is no longer running on any CPU. That last test runs the
 * timer's function on simulated CPU 1 and kill_timer() in a second host
 * thread (as CPU 0) while the function is in progress.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

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

/* ---- kill_timer() ---- */

static void test_kill_pending(void **state)
{
    struct probe a, b;

    probe_init(&a, 1);
    probe_init(&b, 2);
    set_timer(&a.t, 100);
    set_timer(&b.t, 200);
    kill_timer(&a.t);
    assert_false(timer_is_active(&a.t));
    assert_int_equal(timer_next_deadline(0), 200);
    kill_timer(&a.t); /* killing twice is fine */
    tick_to(300);
    assert_int_equal(nr_runs, 1);
    assert_int_equal(runs[0], 2);
}

/* Neither set_timer() nor migrate_timer() brings a killed timer back. */
static void test_killed_stays_dead(void **state)
{
    struct probe p;

    probe_init(&p, 4);
    kill_timer(&p.t); /* never armed */
    set_timer(&p.t, 50);
    assert_false(timer_is_active(&p.t));
    assert_int_equal(timer_next_deadline(0), 0);
    migrate_timer(&p.t, 1);
    assert_int_equal(p.t.cpu, 0);
    assert_int_equal(timer_next_deadline(1), 0);
    tick_to(100);
    assert_int_equal(nr_runs, 0);
    /* init_timer() makes a new timer of it. */
    probe_init(&p, 5);
    set_timer(&p.t, 150);
    tick_to(150);
    assert_int_equal(nr_runs, 1);
}

/* A periodic timer killed by an earlier timer's function in the same softirq. */
static struct probe *victim;

static void killer_fn(void *data)
{
    probe_fn(data);
    kill_timer(&victim->t);
}

static void test_kill_periodic_from_other_function(void **state)
{
    struct probe k, per;

    probe_init(&k, 1);
    k.t.function = killer_fn; /* same data: the probe */
    probe_init(&per, 2);
    per.rearm_by = 10;
    victim = &per;
    set_timer(&per.t, 20);
    set_timer(&k.t, 35);
    tick_to(20);
    tick_to(30);
    tick_to(40); /* k runs at 35 and kills per, which was due at 40 */
    tick_to(100);
    assert_int_equal(nr_runs, 3);
    assert_int_equal(runs[0], 2);
    assert_int_equal(runs[1], 2);
    assert_int_equal(runs[2], 1);
    assert_false(timer_is_active(&per.t));
}

/* From its own function kill_timer() would wait for itself: a BUG. */
static bool self_kill_bugged;

static void self_kill_fn(void *data)
{
    struct probe *p = data;

    expect_bug(kill_timer(&p->t));
    self_kill_bugged = !strncmp(harness_last_bug(), "xen/common/timer.c:", 19);
}

static void test_kill_from_own_function(void **state)
{
    struct probe p;

    probe_init(&p, 1);
    p.t.function = self_kill_fn;
    self_kill_bugged = false;
    set_timer(&p.t, 10);
    tick_to(10);
    assert_true(self_kill_bugged);
}

/*
 * kill_timer() on CPU 0 (a second host thread) while the function runs on
 * CPU 1: it must not return before the function did, and the function's
 * attempt to re-arm the timer meanwhile must be ignored.
 */
struct kill_wait
{
    struct timer t;
    pthread_t killer;
    volatile bool killer_done;
    bool done_during_function;
    unsigned int runs;
};

static void *killer_thread(void *arg)
{
    struct kill_wait *w = arg;

    kill_timer(&w->t);
    w->killer_done = true;
    return NULL;
}

static void slow_fn(void *data)
{
    struct kill_wait *w = data;

    w->runs++;
    harness_set_cpu(0); /* the killer's CPU, while it takes locks */
    assert_int_equal(pthread_create(&w->killer, NULL, killer_thread, w), 0);
    /* Wait until it has killed t and dropped the lock: it then only waits for us. */
    while ( !ACCESS_ONCE(w->t.killed) || harness_locks_held() )
        sched_yield();
    usleep(20000);
    w->done_during_function = w->killer_done;
    set_timer(&w->t, harness_time_ns + 10); /* a periodic function re-arming itself */
    harness_set_cpu(1);
}

static void test_kill_waits_for_running_function(void **state)
{
    static struct kill_wait w;

    memset(&w, 0, sizeof(w));
    harness_set_cpu(1);
    timer_subsys_init();
    init_timer(&w.t, slow_fn, &w, 1);
    set_timer(&w.t, 10);
    tick_to(10); /* on CPU 1 */
    assert_int_equal(pthread_join(w.killer, NULL), 0);
    assert_int_equal(w.runs, 1);
    assert_false(w.done_during_function);
    assert_true(w.killer_done);
    assert_false(timer_is_active(&w.t));
    tick_to(100);
    assert_int_equal(w.runs, 1);
    harness_set_cpu(0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_order_and_programming, setup),
        cmocka_unit_test_setup(test_rearm_and_stop, setup),
        cmocka_unit_test_setup(test_self_rearm, setup),
        cmocka_unit_test_setup(test_past_deadline, setup),
        cmocka_unit_test_setup(test_kill_pending, setup),
        cmocka_unit_test_setup(test_killed_stays_dead, setup),
        cmocka_unit_test_setup(test_kill_periodic_from_other_function, setup),
        cmocka_unit_test_setup(test_kill_from_own_function, setup),
        cmocka_unit_test_setup(test_kill_waits_for_running_function, setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
