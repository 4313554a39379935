/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * events: event channels (2-level ABI) delivered through the registered
 * upcall, the one-shot timer, blocking and polling.
 *
 * The runtime's upcall counts deliveries per port in event_count[]; events
 * stay masked (vcpu_info.evtchn_upcall_mask = 1) except inside wait_event()
 * and where a test unmasks on purpose, so every count change is caused by
 * the step under test.
 */
#include "runtime.h"

const char guest_name[] = "events";

#define NS_PER_MS 1000000ULL

static long evtchn(int cmd, void *arg)
{
    return HYPERVISOR_event_channel_op(cmd, arg);
}

static unsigned int count_of(evtchn_port_t port)
{
    return port < NR_TEST_PORTS ? event_count[port] : 0;
}

/* Block (events unmasked) until port has fired more than `seen` times. */
static bool wait_event(evtchn_port_t port, unsigned int seen, uint64_t max_ns)
{
    uint64_t end = system_time_ns() + max_ns;
    bool fired;

    while ( count_of(port) == seen && system_time_ns() < end )
    {
        /* Arm a backstop so SCHEDOP_block cannot sleep past the limit. */
        HYPERVISOR_set_timer_op(end);
        HYPERVISOR_sched_op(SCHEDOP_block, NULL);
    }
    fired = count_of(port) > seen;
    events_disable();
    return fired;
}

static long bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port)
{
    struct evtchn_bind_virq b = {.virq = virq, .vcpu = vcpu};
    long rc = evtchn(EVTCHNOP_bind_virq, &b);

    *port = b.port;
    return rc;
}

static long status_of(evtchn_port_t port, struct evtchn_status *st)
{
    *st = (struct evtchn_status){.dom = DOMID_SELF, .port = port};
    return evtchn(EVTCHNOP_status, st);
}

static long send(evtchn_port_t port)
{
    struct evtchn_send s = {.port = port};

    return evtchn(EVTCHNOP_send, &s);
}

static long close_port(evtchn_port_t port)
{
    struct evtchn_close c = {.port = port};

    return evtchn(EVTCHNOP_close, &c);
}

static evtchn_port_t check_timer(void)
{
    evtchn_port_t port = 0, dup;
    struct evtchn_status st;
    uint64_t t0, deadline;
    unsigned int seen;

    check_eq("stop-periodic-timer", HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0);
    check_eq("bind-virq-timer", bind_virq(VIRQ_TIMER, 0, &port), 0);
    check("bind-virq-timer-port", port > 0 && port < NR_TEST_PORTS, "port %u", port);
    check_eq("bind-virq-twice", bind_virq(VIRQ_TIMER, 0, &dup), -XEN_EEXIST);
    check_eq("bind-virq-bad-vcpu", bind_virq(VIRQ_DEBUG, 7, &dup), -XEN_ENOENT);
    check_eq("bind-virq-bad-virq", bind_virq(1000, 0, &dup), -XEN_EINVAL);
    check("status-virq",
          status_of(port, &st) == 0 && st.status == EVTCHNSTAT_virq && st.u.virq == VIRQ_TIMER &&
              st.vcpu == 0,
          "status %u virq %u vcpu %u", st.status, st.u.virq, st.vcpu);

    /* A deadline 5 ms ahead fires, and not before it. */
    t0 = system_time_ns();
    deadline = t0 + 5 * NS_PER_MS;
    seen = count_of(port);
    check_eq("set-timer-op", HYPERVISOR_set_timer_op(deadline), 0);
    events_enable();
    check("timer-fires", wait_event(port, seen, 1000 * NS_PER_MS), "no VIRQ_TIMER within 1 s");
    check("timer-not-early", system_time_ns() >= deadline, "woke at %lu, deadline %lu",
          system_time_ns(), deadline);

    /* A deadline in the past fires at once. */
    seen = count_of(port);
    check_eq("set-timer-op-past", HYPERVISOR_set_timer_op(t0), 0);
    events_enable();
    check("timer-past-fires", wait_event(port, seen, 100 * NS_PER_MS),
          "no VIRQ_TIMER within 100 ms");

    /*
     * Deadline 0 cancels a pending timer. The deadline is far enough ahead
     * that the cancel surely comes first, even on a loaded TCG host.
     */
    seen = count_of(port);
    HYPERVISOR_set_timer_op(system_time_ns() + 50 * NS_PER_MS);
    check_eq("set-timer-op-cancel", HYPERVISOR_set_timer_op(0), 0);
    events_enable();
    t0 = system_time_ns();
    while ( system_time_ns() < t0 + 100 * NS_PER_MS )
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    events_disable();
    check_eq("timer-cancelled", count_of(port) - seen, 0);
    return port;
}

/* A loopback pair: alloc_unbound for ourselves, bound by ourselves. */
static void check_loopback(void)
{
    struct evtchn_alloc_unbound au = {.dom = DOMID_SELF, .remote_dom = DOMID_SELF};
    struct evtchn_bind_interdomain bi = {.remote_dom = DOMID_SELF};
    struct evtchn_unmask um;
    struct evtchn_status st;
    evtchn_port_t a, b;
    unsigned int seen;

    check_eq("alloc-unbound", evtchn(EVTCHNOP_alloc_unbound, &au), 0);
    a = au.port;
    check("status-unbound", status_of(a, &st) == 0 && st.status == EVTCHNSTAT_unbound, "status %u",
          st.status);
    bi.remote_port = a;
    check_eq("bind-interdomain-self", evtchn(EVTCHNOP_bind_interdomain, &bi), 0);
    b = bi.local_port;
    check("status-interdomain",
          status_of(a, &st) == 0 && st.status == EVTCHNSTAT_interdomain &&
              st.u.interdomain.port == b,
          "status %u remote port %u (want %u)", st.status, st.u.interdomain.port, b);
    check("ports-usable", a < NR_TEST_PORTS && b < NR_TEST_PORTS && a != b, "ports %u %u", a, b);

    seen = count_of(a);
    check_eq("send-b-to-a", send(b), 0);
    events_enable();
    check("send-b-delivers-on-a", wait_event(a, seen, 100 * NS_PER_MS), "port %u saw nothing", a);
    seen = count_of(b);
    check_eq("send-a-to-b", send(a), 0);
    events_enable();
    check("send-a-delivers-on-b", wait_event(b, seen, 100 * NS_PER_MS), "port %u saw nothing", b);

    /* Masked: the event stays pending; EVTCHNOP_unmask delivers it. */
    __atomic_fetch_or(&shared_info->evtchn_mask[a / 64], 1UL << (a % 64), __ATOMIC_SEQ_CST);
    seen = count_of(a);
    send(b);
    events_enable();
    HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    check_eq("masked-not-delivered", count_of(a) - seen, 0);
    check("masked-pending", shared_info->evtchn_pending[a / 64] & (1UL << (a % 64)),
          "pending bit clear");
    um.port = a;
    check_eq("unmask", evtchn(EVTCHNOP_unmask, &um), 0);
    check("unmask-delivers", wait_event(a, seen, 100 * NS_PER_MS), "nothing after unmask");

    check_eq("close-a", close_port(a), 0);
    check("peer-back-to-unbound", status_of(b, &st) == 0 && st.status == EVTCHNSTAT_unbound,
          "status %u", st.status);
    check("closed-status", status_of(a, &st) == 0 && st.status == EVTCHNSTAT_closed, "status %u",
          st.status);
    check_eq("send-on-unbound-dropped", send(b), 0);
    check_eq("close-a-twice", close_port(a), -XEN_EINVAL);
    check_eq("close-b", close_port(b), 0);
}

static void check_errors_and_ipi(void)
{
    struct evtchn_bind_ipi ipi = {.vcpu = 0};
    struct evtchn_status st;
    unsigned int seen;

    check_eq("send-port-0", send(0), -XEN_EINVAL);
    check_eq("send-port-huge", send(100000), -XEN_EINVAL);
    check_eq("close-port-huge", close_port(100000), -XEN_EINVAL);
    check_eq("status-port-huge", status_of(100000, &st), -XEN_EINVAL);
    check_eq("evtchn-bad-subop", evtchn(99, &st), -XEN_ENOSYS);
    check_eq("bind-ipi", evtchn(EVTCHNOP_bind_ipi, &ipi), 0);
    seen = count_of(ipi.port);
    check_eq("send-ipi", send(ipi.port), 0);
    events_enable();
    check("ipi-delivered", wait_event(ipi.port, seen, 100 * NS_PER_MS), "port %u saw nothing",
          ipi.port);
    check_eq("bind-ipi-bad-vcpu", evtchn(EVTCHNOP_bind_ipi, &(struct evtchn_bind_ipi){.vcpu = 9}),
             -XEN_ENOENT);
    check_eq("close-ipi", close_port(ipi.port), 0);
}

/* SCHEDOP_poll returns at once when a listed port is already pending. */
static void check_poll(evtchn_port_t timer_port)
{
    evtchn_port_t ports[1] = {timer_port};
    struct sched_poll poll = {.nr_ports = 1, .timeout = 0};
    uint64_t t0;
    long rc;

    set_xen_guest_handle(poll.ports, ports);
    /* Start from a quiet port: no timer armed, nothing pending. */
    HYPERVISOR_set_timer_op(0);
    __atomic_fetch_and(&shared_info->evtchn_pending[timer_port / 64], ~(1UL << (timer_port % 64)),
                       __ATOMIC_SEQ_CST);
    t0 = system_time_ns();
    HYPERVISOR_set_timer_op(t0 + 2 * NS_PER_MS);
    rc = HYPERVISOR_sched_op(SCHEDOP_poll, &poll);
    check_eq("poll-timer-port", rc, 0);
    check("poll-waited-for-timer", system_time_ns() >= t0 + 2 * NS_PER_MS, "returned after %lu ns",
          system_time_ns() - t0);
    check("poll-not-forever", system_time_ns() - t0 < 500 * NS_PER_MS, "took %lu ns",
          system_time_ns() - t0);
    check("poll-left-pending",
          shared_info->evtchn_pending[timer_port / 64] & (1UL << (timer_port % 64)),
          "pending bit clear");
    ports[0] = 100000;
    check_eq("poll-bad-port", HYPERVISOR_sched_op(SCHEDOP_poll, &poll), -XEN_EINVAL);
}

extern char trap_entry_256[], failsafe_entry[];

/* One event through an IPI port to ourselves: delivered by the callback in place? */
static bool ipi_delivered(void)
{
    struct evtchn_bind_ipi ipi = {.vcpu = 0};
    unsigned int seen;
    bool ok;

    if ( evtchn(EVTCHNOP_bind_ipi, &ipi) )
        return false;
    seen = count_of(ipi.port);
    send(ipi.port);
    events_enable();
    ok = wait_event(ipi.port, seen, 100 * NS_PER_MS);
    close_port(ipi.port);
    return ok;
}

/*
 * set_callbacks (hypercall 4), the older form of callback_op for the three
 * 64-bit callbacks: 0 even when an address is refused, which then leaves
 * that callback unchanged (the runtime's event entry keeps working).
 */
static void check_set_callbacks(void)
{
    unsigned long ev = (unsigned long)trap_entry_256, fs = (unsigned long)failsafe_entry;

    check_eq("set-callbacks", hypercall(__HYPERVISOR_set_callbacks, ev, fs, 0, 0, 0), 0);
    check("set-callbacks-events-delivered", ipi_delivered(), "no event after set_callbacks");
    check_eq("set-callbacks-non-canonical",
             hypercall(__HYPERVISOR_set_callbacks, 0x8000000000000000UL, fs, 0, 0, 0), 0);
    check("non-canonical-event-callback-kept", ipi_delivered(),
          "no event after a refused event callback");
}

void test_main(start_info_t *si)
{
    evtchn_port_t timer_port = check_timer();

    check_loopback();
    check_errors_and_ipi();
    check_poll(timer_port);
    check_set_callbacks();
    check_eq("close-virq", close_port(timer_port), 0);
}
