/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests of the event-channel port state machine (xen/common/event_channel.c)
 * on fake domains: allocation and binding of every kind of port, interdomain
 * pairs across two domains (closing from either side, both lock orders),
 * the 2-level pending/mask/selector/upcall bits, VIRQ delivery to the right
 * vCPU, exhaustion of the 4096 ports, bad ports, privilege checks, reset,
 * SCHEDOP_poll's wake-up rules and the compat hypercall. Operations go
 * through do_event_channel_op() with host pointers as guest addresses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "harness.h"

#include <xen/errno.h>
#include <xen/event.h>
#include <xen/lib.h>
#include <xen/sched.h>

#define FAULT_VA 0x100UL /* copies touching [0, 0x1000) fault */

/* ---- the fake world: dom0 (privileged), d1 and d5, two vCPUs each ---- */

#define NR_FAKE_DOMS 3
static struct domain *doms[NR_FAKE_DOMS];
static struct vcpu *test_current;
static unsigned int wake_calls, ipi_calls, last_ipi_cpu;
struct domain *hardware_domain;

struct vcpu *current_vcpu(void)
{
    return test_current;
}

struct domain *get_domain_by_id(domid_t id)
{
    for ( unsigned int i = 0; i < NR_FAKE_DOMS; i++ )
        if ( doms[i] && doms[i]->domain_id == id )
        {
            doms[i]->refcnt++;
            return doms[i];
        }
    return NULL;
}

void put_domain(struct domain *d)
{
    assert_true(d->refcnt > 1);
    d->refcnt--;
}

void vcpu_wake(struct vcpu *v)
{
    wake_calls++;
}

/*
 * The PIRQ layer (arch/x86/irq.c), faked: FAKE_PIRQS numbers, of which only
 * FAKE_MAPPED_PIRQ is mapped (the others are refused with -EPERM, as an
 * unmapped PIRQ is); binds and unbinds are recorded.
 */
#define FAKE_PIRQS       4
#define FAKE_MAPPED_PIRQ 2
static int pirq_bound_port = -1;
static unsigned int pirq_unbinds, pirq_destroys;

unsigned int pirq_nr(const struct domain *d)
{
    return FAKE_PIRQS;
}

int pirq_bind(struct domain *d, unsigned int pirq, evtchn_port_t port, bool will_share)
{
    if ( pirq != FAKE_MAPPED_PIRQ )
        return -EPERM;
    pirq_bound_port = port;
    return 0;
}

void pirq_unbind(struct domain *d, unsigned int pirq, evtchn_port_t port)
{
    assert_int_equal(pirq, FAKE_MAPPED_PIRQ);
    assert_int_equal(port, pirq_bound_port);
    pirq_unbinds++;
    pirq_bound_port = -1;
}

void pirq_domain_destroy(struct domain *d)
{
    pirq_destroys++;
}

void smp_send_event_check_cpu(unsigned int cpu)
{
    ipi_calls++;
    last_ipi_cpu = cpu;
}

unsigned long copy_bytes_fault_safe(void *dst, const void *src, size_t len)
{
    if ( (unsigned long)dst < 0x1000 || (unsigned long)src < 0x1000 )
        return len;
    memcpy(dst, src, len);
    return 0;
}

/*
 * Spinlocks that check the documented order: whoever holds two domains'
 * event locks took the lower domain id's first. (Replaces the harness's.)
 */
static spinlock_t *held_locks[8];
static unsigned int nr_held;

static int lock_domid(const spinlock_t *l)
{
    for ( unsigned int i = 0; i < NR_FAKE_DOMS; i++ )
        if ( doms[i] && l == &doms[i]->event_lock )
            return doms[i]->domain_id;
    return -1;
}

void spin_lock_init(spinlock_t *l)
{
    *l = (spinlock_t)SPIN_LOCK_UNLOCKED;
}

void spin_lock(spinlock_t *l)
{
    if ( l->owner != -1 )
        fail_msg("deadlock: lock %p taken twice", (void *)l);
    for ( unsigned int i = 0; i < nr_held; i++ )
        if ( lock_domid(held_locks[i]) > lock_domid(l) && lock_domid(l) >= 0 )
            fail_msg("lock order: d%d's event lock taken inside d%d's", lock_domid(l),
                     lock_domid(held_locks[i]));
    assert_true(nr_held < ARRAY_SIZE(held_locks));
    l->owner = 0;
    held_locks[nr_held++] = l;
}

void spin_unlock(spinlock_t *l)
{
    for ( unsigned int i = 0; i < nr_held; i++ )
        if ( held_locks[i] == l )
        {
            held_locks[i] = held_locks[--nr_held];
            l->owner = -1;
            return;
        }
    fail_msg("unlock of a lock not held");
}

unsigned long spin_lock_irqsave(spinlock_t *l)
{
    spin_lock(l);
    return 0x200;
}

void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
    assert_int_equal(flags, 0x200);
    spin_unlock(l);
}

bool spin_is_locked_by_me(const spinlock_t *l)
{
    return l->owner == 0;
}

/* Every fake vCPU runs on a CPU of its own; the test itself is CPU 0. */
static unsigned int vcpu_cpu(domid_t id, unsigned int vcpu)
{
    return 1 + id * 2 + vcpu;
}

static struct domain *fake_domain(domid_t id, bool privileged)
{
    struct domain *d = calloc(1, sizeof(*d));

    d->domain_id = id;
    d->refcnt = 1;
    d->is_privileged = privileged;
    d->max_vcpus = 2;
    d->vcpu = calloc(2, sizeof(*d->vcpu));
    d->shared_info = calloc(1, 4096);
    for ( unsigned int i = 0; i < 2; i++ )
    {
        struct vcpu *v = calloc(1, sizeof(*v));

        v->vcpu_id = i;
        v->domain = d;
        v->vcpu_info = &d->shared_info->vcpu_info[i];
        v->vcpu_info->evtchn_upcall_mask = 1;
        v->is_running = true;
        v->processor = vcpu_cpu(id, i);
        d->vcpu[i] = v;
    }
    assert_int_equal(evtchn_init(d), 0);
    return d;
}

static void free_domain(struct domain *d)
{
    evtchn_destroy(d);
    assert_null(d->evtchn);
    for ( unsigned int i = 0; i < 2; i++ )
        free(d->vcpu[i]);
    free(d->vcpu);
    free(d->shared_info);
    free(d);
}

static int setup(void **state)
{
    harness_reset();
    doms[0] = hardware_domain = fake_domain(0, true);
    doms[1] = fake_domain(1, false);
    doms[2] = fake_domain(5, false);
    test_current = doms[1]->vcpu[0];
    wake_calls = ipi_calls = 0;
    nr_held = 0;
    return 0;
}

static int teardown(void **state)
{
    for ( unsigned int i = 0; i < NR_FAKE_DOMS; i++ )
    {
        free_domain(doms[i]);
        doms[i] = NULL;
    }
    assert_int_equal(nr_held, 0);
    return 0;
}

static void run_as(struct domain *d, unsigned int vcpu)
{
    test_current = d->vcpu[vcpu];
}

/* ---- hypercall wrappers ---- */

static long evtchn_op(unsigned int cmd, void *arg)
{
    return do_event_channel_op(cmd, (unsigned long)arg);
}

static long alloc_unbound(domid_t dom, domid_t remote, evtchn_port_t *port)
{
    struct evtchn_alloc_unbound a = {.dom = dom, .remote_dom = remote};
    long rc = evtchn_op(EVTCHNOP_alloc_unbound, &a);

    *port = a.port;
    return rc;
}

static long bind_interdomain(domid_t remote, evtchn_port_t rport, evtchn_port_t *port)
{
    struct evtchn_bind_interdomain b = {.remote_dom = remote, .remote_port = rport};
    long rc = evtchn_op(EVTCHNOP_bind_interdomain, &b);

    *port = b.local_port;
    return rc;
}

static long bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port)
{
    struct evtchn_bind_virq b = {.virq = virq, .vcpu = vcpu};
    long rc = evtchn_op(EVTCHNOP_bind_virq, &b);

    *port = b.port;
    return rc;
}

static long bind_ipi(uint32_t vcpu, evtchn_port_t *port)
{
    struct evtchn_bind_ipi b = {.vcpu = vcpu};
    long rc = evtchn_op(EVTCHNOP_bind_ipi, &b);

    *port = b.port;
    return rc;
}

static long send(evtchn_port_t port)
{
    struct evtchn_send s = {.port = port};

    return evtchn_op(EVTCHNOP_send, &s);
}

static long close_port(evtchn_port_t port)
{
    struct evtchn_close c = {.port = port};

    return evtchn_op(EVTCHNOP_close, &c);
}

static long unmask(evtchn_port_t port)
{
    struct evtchn_unmask u = {.port = port};

    return evtchn_op(EVTCHNOP_unmask, &u);
}

static long bind_vcpu(evtchn_port_t port, uint32_t vcpu)
{
    struct evtchn_bind_vcpu b = {.port = port, .vcpu = vcpu};

    return evtchn_op(EVTCHNOP_bind_vcpu, &b);
}

static long status_of(domid_t dom, evtchn_port_t port, struct evtchn_status *st)
{
    *st = (struct evtchn_status){.dom = dom, .port = port};
    return evtchn_op(EVTCHNOP_status, st);
}

static unsigned int status_code(domid_t dom, evtchn_port_t port)
{
    struct evtchn_status st;

    assert_int_equal(status_of(dom, port, &st), 0);
    return st.status;
}

/* ---- guest-visible bits ---- */

static bool pending(const struct domain *d, evtchn_port_t port)
{
    return (d->shared_info->evtchn_pending[port / 64] >> (port % 64)) & 1;
}

static void set_mask(struct domain *d, evtchn_port_t port, bool on)
{
    if ( on )
        d->shared_info->evtchn_mask[port / 64] |= 1UL << (port % 64);
    else
        d->shared_info->evtchn_mask[port / 64] &= ~(1UL << (port % 64));
}

static bool selector(const struct domain *d, unsigned int vcpu, evtchn_port_t port)
{
    return (d->vcpu[vcpu]->vcpu_info->evtchn_pending_sel >> (port / 64)) & 1;
}

static unsigned int upcall(const struct domain *d, unsigned int vcpu)
{
    return d->vcpu[vcpu]->vcpu_info->evtchn_upcall_pending;
}

/* What the guest's upcall handler does: take everything. */
static void guest_acks_all(struct domain *d)
{
    memset(d->shared_info->evtchn_pending, 0, sizeof(d->shared_info->evtchn_pending));
    for ( unsigned int i = 0; i < 2; i++ )
    {
        d->vcpu[i]->vcpu_info->evtchn_pending_sel = 0;
        d->vcpu[i]->vcpu_info->evtchn_upcall_pending = 0;
    }
}

/* ---- tests ---- */

static void test_port_zero_reserved(void **state)
{
    struct domain *d = doms[1];
    evtchn_port_t p;

    assert_int_equal(status_code(DOMID_SELF, 0), EVTCHNSTAT_closed);
    assert_int_equal(close_port(0), -EINVAL);
    assert_int_equal(send(0), -EINVAL);
    assert_int_equal(alloc_unbound(DOMID_SELF, DOMID_SELF, &p), 0);
    assert_int_equal(p, 1);
    assert_int_equal(d->evtchn->active_ports, 1);
    assert_int_equal(d->evtchn->valid_ports, EVTCHNS_PER_BUCKET);
}

static void test_alloc_unbound_and_status(void **state)
{
    struct evtchn_status st;
    evtchn_port_t a, b;

    assert_int_equal(alloc_unbound(DOMID_SELF, 5, &a), 0);
    assert_int_equal(alloc_unbound(1, DOMID_SELF, &b), 0);
    assert_int_equal(b, a + 1);
    assert_int_equal(status_of(DOMID_SELF, a, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_unbound);
    assert_int_equal(st.u.unbound.dom, 5);
    assert_int_equal(st.vcpu, 0);
    assert_int_equal(status_of(DOMID_SELF, b, &st), 0);
    assert_int_equal(st.u.unbound.dom, 1); /* DOMID_SELF means the caller */
    /* Freed ports are reused lowest first. */
    assert_int_equal(close_port(a), 0);
    assert_int_equal(status_code(DOMID_SELF, a), EVTCHNSTAT_closed);
    assert_int_equal(alloc_unbound(DOMID_SELF, 0, &b), 0);
    assert_int_equal(b, a);
}

static void test_privilege(void **state)
{
    struct evtchn_status st;
    evtchn_port_t p;

    /* d1 may not act for d5, nor look at its ports; dom0 may. */
    assert_int_equal(alloc_unbound(5, 1, &p), -EPERM);
    assert_int_equal(status_of(5, 0, &st), -EPERM);
    assert_int_equal(alloc_unbound(77, 1, &p), -ESRCH);
    run_as(doms[0], 0);
    assert_int_equal(alloc_unbound(5, 1, &p), 0);
    assert_int_equal(status_of(5, p, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_unbound);
    assert_int_equal(st.u.unbound.dom, 1);
    assert_int_equal(doms[0]->evtchn->active_ports, 0);
    assert_int_equal(doms[2]->evtchn->active_ports, 1);
}

/* d1 offers a port to d5, d5 binds it: returns d1's and d5's ports. */
static void make_pair(evtchn_port_t *p1, evtchn_port_t *p5)
{
    run_as(doms[1], 0);
    assert_int_equal(alloc_unbound(DOMID_SELF, 5, p1), 0);
    run_as(doms[2], 0);
    assert_int_equal(bind_interdomain(1, *p1, p5), 0);
}

static void test_interdomain_pair(void **state)
{
    struct domain *d1 = doms[1], *d5 = doms[2];
    struct evtchn_status st;
    evtchn_port_t p1, p5;

    make_pair(&p1, &p5);
    assert_int_equal(status_of(DOMID_SELF, p5, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_interdomain);
    assert_int_equal(st.u.interdomain.dom, 1);
    assert_int_equal(st.u.interdomain.port, p1);
    /* Binding announces itself on the new local port. */
    assert_true(pending(d5, p5));
    guest_acks_all(d5);

    run_as(d1, 0);
    assert_int_equal(status_of(DOMID_SELF, p1, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_interdomain);
    assert_int_equal(st.u.interdomain.dom, 5);
    assert_int_equal(st.u.interdomain.port, p5);

    assert_int_equal(send(p1), 0);
    assert_true(pending(d5, p5));
    assert_true(selector(d5, 0, p5));
    assert_int_equal(upcall(d5, 0), 1);
    assert_false(pending(d1, p1));

    run_as(d5, 0);
    assert_int_equal(send(p5), 0);
    assert_true(pending(d1, p1));
    assert_int_equal(upcall(d1, 0), 1);
}

static void test_bind_interdomain_refusals(void **state)
{
    evtchn_port_t p1, p5, ipi;

    assert_int_equal(alloc_unbound(DOMID_SELF, 0, &p1), 0); /* offered to dom0, not d5 */
    assert_int_equal(bind_ipi(0, &ipi), 0);
    run_as(doms[2], 0);
    assert_int_equal(bind_interdomain(1, p1, &p5), -EINVAL);
    assert_int_equal(bind_interdomain(1, ipi, &p5), -EINVAL);
    assert_int_equal(bind_interdomain(1, 4000, &p5), -EINVAL);
    assert_int_equal(bind_interdomain(1, 0, &p5), -EINVAL);
    assert_int_equal(bind_interdomain(42, 1, &p5), -ESRCH);
    assert_int_equal(doms[2]->evtchn->active_ports, 0); /* nothing leaked */
    /* dom0 may bind it. */
    run_as(doms[0], 0);
    assert_int_equal(bind_interdomain(1, p1, &p5), 0);
}

/* Close from each side: the survivor goes back to unbound, offered to the closer. */
static void test_close_either_end(void **state)
{
    struct domain *d1 = doms[1], *d5 = doms[2];
    struct evtchn_status st;
    evtchn_port_t p1, p5;

    for ( unsigned int closer = 0; closer < 2; closer++ )
    {
        make_pair(&p1, &p5);
        run_as(closer ? d5 : d1, 0); /* d1 locks upwards, d5 must retry in order */
        assert_int_equal(close_port(closer ? p5 : p1), 0);
        assert_int_equal(status_code(DOMID_SELF, closer ? p5 : p1), EVTCHNSTAT_closed);
        assert_int_equal(close_port(closer ? p5 : p1), -EINVAL);
        run_as(closer ? d1 : d5, 0);
        assert_int_equal(status_of(DOMID_SELF, closer ? p1 : p5, &st), 0);
        assert_int_equal(st.status, EVTCHNSTAT_unbound);
        assert_int_equal(st.u.unbound.dom, closer ? 5 : 1);
        /* Sending on it is dropped without error. */
        guest_acks_all(d1);
        guest_acks_all(d5);
        assert_int_equal(send(closer ? p1 : p5), 0);
        assert_false(pending(d1, p1) || pending(d5, p5));
        assert_int_equal(close_port(closer ? p1 : p5), 0);
        assert_int_equal(nr_held, 0);
    }
    assert_int_equal(d1->evtchn->active_ports, 0);
    assert_int_equal(d5->evtchn->active_ports, 0);
}

static void test_loopback(void **state)
{
    struct domain *d = doms[1];
    evtchn_port_t a, b;

    assert_int_equal(alloc_unbound(DOMID_SELF, DOMID_SELF, &a), 0);
    assert_int_equal(bind_interdomain(DOMID_SELF, a, &b), 0);
    assert_int_not_equal(a, b);
    guest_acks_all(d);
    assert_int_equal(send(b), 0);
    assert_true(pending(d, a));
    assert_false(pending(d, b));
    /* Closing a clears its pending bit; b waits for a new partner. */
    assert_int_equal(close_port(a), 0);
    assert_false(pending(d, a));
    assert_int_equal(status_code(DOMID_SELF, b), EVTCHNSTAT_unbound);
    assert_int_equal(send(b), 0);
    assert_int_equal(close_port(b), 0);
    assert_int_equal(d->evtchn->active_ports, 0);
}

/* Events for vCPU 1 (running on another CPU): each new upcall costs one IPI. */
static void test_mask_and_unmask(void **state)
{
    struct domain *d = doms[1];
    evtchn_port_t ipi;

    assert_int_equal(bind_ipi(1, &ipi), 0);
    set_mask(d, ipi, true);
    ipi_calls = wake_calls = 0;
    assert_int_equal(send(ipi), 0);
    assert_true(pending(d, ipi));
    assert_false(selector(d, 1, ipi));
    assert_int_equal(upcall(d, 1), 0);
    assert_int_equal(ipi_calls, 0);
    /* Unmask redelivers: selector, upcall, kick. */
    assert_int_equal(unmask(ipi), 0);
    assert_false(d->shared_info->evtchn_mask[0] & (1UL << ipi));
    assert_true(selector(d, 1, ipi));
    assert_int_equal(upcall(d, 1), 1);
    assert_int_equal(ipi_calls, 1);
    assert_int_equal(last_ipi_cpu, vcpu_cpu(1, 1));
    assert_int_equal(wake_calls, 1);
    /* A second event while the upcall is still pending kicks nobody. */
    d->shared_info->evtchn_pending[0] = 0;
    assert_int_equal(send(ipi), 0);
    assert_true(pending(d, ipi));
    assert_int_equal(ipi_calls, 1);
    assert_int_equal(wake_calls, 1);
    /* Unmasking a port that is not pending raises nothing. */
    guest_acks_all(d);
    set_mask(d, ipi, true);
    assert_int_equal(unmask(ipi), 0);
    assert_int_equal(upcall(d, 1), 0);
    assert_false(selector(d, 1, ipi));
    /* Already pending: a send sets nothing new. */
    d->shared_info->evtchn_pending[0] = 1UL << ipi;
    assert_int_equal(send(ipi), 0);
    assert_false(selector(d, 1, ipi));
    assert_int_equal(ipi_calls, 1);
}

static void test_ipi_and_bind_vcpu(void **state)
{
    struct domain *d = doms[1];
    evtchn_port_t ipi, un;

    assert_int_equal(bind_ipi(2, &ipi), -ENOENT);
    assert_int_equal(bind_ipi(1, &ipi), 0);
    assert_int_equal(send(ipi), 0);
    assert_true(selector(d, 1, ipi));
    assert_false(selector(d, 0, ipi));
    assert_int_equal(upcall(d, 1), 1);
    assert_int_equal(upcall(d, 0), 0);
    /* IPIs and per-vCPU VIRQs keep their vCPU; unbound ports move. */
    assert_int_equal(bind_vcpu(ipi, 0), -EINVAL);
    assert_int_equal(alloc_unbound(DOMID_SELF, DOMID_SELF, &un), 0);
    assert_int_equal(bind_vcpu(un, 1), 0);
    assert_int_equal(bind_vcpu(un, 2), -ENOENT);
    assert_int_equal(bind_vcpu(4000, 0), -EINVAL);
    {
        struct evtchn_status st;

        assert_int_equal(status_of(DOMID_SELF, un, &st), 0);
        assert_int_equal(st.vcpu, 1);
        assert_int_equal(status_of(DOMID_SELF, ipi, &st), 0);
        assert_int_equal(st.status, EVTCHNSTAT_ipi);
        assert_int_equal(st.vcpu, 1);
    }
}

static void test_virq_binding(void **state)
{
    struct domain *d = doms[1];
    struct evtchn_status st;
    evtchn_port_t t0, t1, dup, g;

    assert_int_equal(bind_virq(VIRQ_TIMER, 0, &t0), 0);
    assert_int_equal(bind_virq(VIRQ_TIMER, 1, &t1), 0); /* per vCPU: one each */
    assert_int_equal(bind_virq(VIRQ_TIMER, 0, &dup), -EEXIST);
    assert_int_equal(bind_virq(VIRQ_DEBUG, 7, &dup), -ENOENT);
    assert_int_equal(bind_virq(NR_VIRQS, 0, &dup), -EINVAL);
    assert_int_equal(bind_virq(1000, 0, &dup), -EINVAL);
    assert_int_equal(bind_virq(VIRQ_CONSOLE, 1, &dup), -EINVAL); /* global: vCPU 0 only */
    assert_int_equal(status_of(DOMID_SELF, t1, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_virq);
    assert_int_equal(st.u.virq, VIRQ_TIMER);
    assert_int_equal(st.vcpu, 1);
    assert_int_equal(send(t0), -EINVAL); /* a guest cannot send on a VIRQ */

    send_guest_vcpu_virq(d->vcpu[1], VIRQ_TIMER);
    assert_true(pending(d, t1));
    assert_false(pending(d, t0));
    assert_true(selector(d, 1, t1));
    assert_int_equal(upcall(d, 0), 0);

    /* Global VIRQ: bound on vCPU 0, delivered where bind_vcpu says. */
    assert_int_equal(bind_virq(VIRQ_DOM_EXC, 0, &g), 0);
    assert_int_equal(bind_vcpu(g, 1), 0);
    assert_int_equal(bind_vcpu(t0, 1), -EINVAL);
    guest_acks_all(d);
    send_guest_global_virq(d, VIRQ_DOM_EXC);
    assert_true(pending(d, g));
    assert_true(selector(d, 1, g));
    assert_int_equal(upcall(d, 0), 0);

    /* Closing unbinds: the VIRQ is dropped, and may be bound again. */
    assert_int_equal(close_port(t1), 0);
    guest_acks_all(d);
    send_guest_vcpu_virq(d->vcpu[1], VIRQ_TIMER);
    assert_int_equal(d->shared_info->evtchn_pending[0], 0);
    assert_int_equal(bind_virq(VIRQ_TIMER, 1, &t1), 0);
    send_global_virq(VIRQ_DOM_EXC); /* dom0 has not bound it: dropped */
    assert_int_equal(doms[0]->shared_info->evtchn_pending[0], 0);
}

static void test_exhaustion(void **state)
{
    struct domain *d = doms[1];
    evtchn_port_t p, last = 0;
    long rc;
    unsigned int n = 0;

    while ( (rc = bind_ipi(0, &p)) == 0 )
    {
        assert_int_equal(p, last + 1);
        last = p;
        n++;
    }
    assert_int_equal(rc, -ENOSPC);
    assert_int_equal(n, EVTCHN_2L_NR_PORTS - 1);
    assert_int_equal(d->evtchn->valid_ports, EVTCHN_2L_NR_PORTS);
    assert_int_equal(alloc_unbound(DOMID_SELF, 0, &p), -ENOSPC);
    assert_int_equal(bind_virq(VIRQ_TIMER, 0, &p), -ENOSPC);
    assert_int_equal(d->vcpu[0]->virq_to_evtchn[VIRQ_TIMER], 0);
    /* The last port works like any other; a freed port is found again. */
    assert_int_equal(send(4095), 0);
    assert_int_equal(d->vcpu[0]->vcpu_info->evtchn_pending_sel, 1UL << 63);
    assert_int_equal(close_port(2000), 0);
    assert_int_equal(bind_ipi(0, &p), 0);
    assert_int_equal(p, 2000);
}

static void test_bad_ports(void **state)
{
    struct evtchn_status st;
    static const evtchn_port_t bad[] = {EVTCHNS_PER_BUCKET, 100, 4095, 4096, 100000, 0xffffffff};

    for ( unsigned int i = 0; i < ARRAY_SIZE(bad); i++ )
    {
        assert_int_equal(send(bad[i]), -EINVAL);
        assert_int_equal(close_port(bad[i]), -EINVAL);
        assert_int_equal(status_of(DOMID_SELF, bad[i], &st), -EINVAL);
        assert_int_equal(unmask(bad[i]), -EINVAL);
        assert_int_equal(bind_vcpu(bad[i], 0), -EINVAL);
    }
    /* Existing but free: closed, and not usable. */
    assert_int_equal(status_code(DOMID_SELF, 7), EVTCHNSTAT_closed);
    assert_int_equal(send(7), -EINVAL);
    assert_int_equal(close_port(7), -EINVAL);
    assert_int_equal(unmask(7), 0);
    assert_int_equal(evtchn_op(99, &st), -ENOSYS);
    assert_int_equal(evtchn_op(EVTCHNOP_send, (void *)FAULT_VA), -EFAULT);
}

/* EVTCHNOP_bind_pirq: range, the PIRQ layer's refusal, one port per PIRQ, close unbinds. */
static void test_pirq_binding(void **state)
{
    struct evtchn_bind_pirq b = {.pirq = FAKE_PIRQS};
    struct evtchn_status st;
    evtchn_port_t port;

    assert_int_equal(evtchn_op(EVTCHNOP_bind_pirq, &b), -EINVAL);
    b.pirq = FAKE_MAPPED_PIRQ + 1;
    assert_int_equal(evtchn_op(EVTCHNOP_bind_pirq, &b), -EPERM);
    b.pirq = FAKE_MAPPED_PIRQ;
    assert_int_equal(evtchn_op(EVTCHNOP_bind_pirq, &b), 0);
    port = b.port;
    assert_int_equal(pirq_bound_port, port);
    assert_int_equal(status_of(DOMID_SELF, port, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_pirq);
    assert_int_equal(st.u.pirq, FAKE_MAPPED_PIRQ);
    assert_int_equal(evtchn_op(EVTCHNOP_bind_pirq, &b), -EEXIST);
    pirq_unbinds = 0;
    assert_int_equal(close_port(port), 0);
    assert_int_equal(pirq_unbinds, 1);
    assert_int_equal(status_code(DOMID_SELF, port), EVTCHNSTAT_closed);
}

static void test_fifo_ops_refused(void **state)
{
    struct evtchn_init_control ic = {.vcpu = 0};
    struct evtchn_expand_array ea = {0};
    struct evtchn_set_priority sp = {.port = 1, .priority = 3};
    evtchn_port_t p;

    assert_int_equal(evtchn_op(EVTCHNOP_init_control, &ic), -ENOSYS);
    assert_int_equal(evtchn_op(EVTCHNOP_expand_array, &ea), -EOPNOTSUPP);
    assert_int_equal(bind_ipi(0, &p), 0);
    assert_int_equal(evtchn_op(EVTCHNOP_set_priority, &sp), -ENOSYS);
    sp.port = 5000;
    assert_int_equal(evtchn_op(EVTCHNOP_set_priority, &sp), -EINVAL);
}

static void test_reset_and_destroy(void **state)
{
    struct domain *d1 = doms[1];
    struct evtchn_reset r = {.dom = DOMID_SELF};
    evtchn_port_t p1, p5, t;

    make_pair(&p1, &p5);
    run_as(d1, 0);
    assert_int_equal(bind_virq(VIRQ_TIMER, 1, &t), 0);
    assert_int_equal(bind_ipi(0, &t), 0);
    r.dom = 5;
    assert_int_equal(evtchn_op(EVTCHNOP_reset, &r), -EPERM);
    r.dom = DOMID_SELF;
    assert_int_equal(evtchn_op(EVTCHNOP_reset, &r), 0);
    assert_int_equal(d1->evtchn->active_ports, 0);
    assert_int_equal(d1->vcpu[1]->virq_to_evtchn[VIRQ_TIMER], 0);
    run_as(doms[2], 0);
    assert_int_equal(status_code(DOMID_SELF, p5), EVTCHNSTAT_unbound);
    /* Destroying d1 with a live pair unbinds d5's end too. */
    make_pair(&p1, &p5);
    evtchn_destroy(d1);
    assert_null(d1->evtchn);
    assert_int_equal(status_code(DOMID_SELF, p5), EVTCHNSTAT_unbound);
    evtchn_destroy(d1); /* twice is harmless; teardown does it again */
}

static long poll_prepare(struct vcpu *v, const evtchn_port_t *ports, unsigned int nr)
{
    return evtchn_poll_prepare(v, ports, nr);
}

/* vCPU 1 of d1 polls (on its own CPU); the test sends as vCPU 0. */
static void test_poll(void **state)
{
    struct domain *d = doms[1];
    struct vcpu *v = d->vcpu[1];
    evtchn_port_t a, b, ports[2];

    assert_int_equal(bind_ipi(0, &a), 0);
    assert_int_equal(bind_ipi(0, &b), 0);
    set_mask(d, a, true); /* no upcalls: only the poll rules wake */
    set_mask(d, b, true);

    /* A bad port, after nothing pending: -EINVAL and no poll left behind. */
    ports[0] = a;
    ports[1] = 3000;
    assert_int_equal(poll_prepare(v, ports, 2), -EINVAL);
    assert_false(evtchn_poll_waiting(v));
    assert_int_equal(d->evtchn->poll_mask, 0);

    /* One port: another port does not wake it, that one does. */
    ports[0] = a;
    assert_int_equal(poll_prepare(v, ports, 1), 0);
    assert_true(evtchn_poll_waiting(v));
    assert_int_equal(v->poll_evtchn, (int)a);
    assert_int_equal(d->evtchn->poll_mask, 1UL << 1);
    ipi_calls = wake_calls = 0;
    assert_int_equal(send(b), 0);
    assert_true(evtchn_poll_waiting(v));
    assert_int_equal(ipi_calls + wake_calls, 0);
    assert_int_equal(send(a), 0);
    assert_false(evtchn_poll_waiting(v));
    assert_int_equal(ipi_calls, 1);
    assert_int_equal(wake_calls, 1); /* the scheduler makes it runnable again */
    assert_int_equal(last_ipi_cpu, vcpu_cpu(1, 1));
    assert_int_equal(d->evtchn->poll_mask, 0);

    /* Already pending: returns at once (1), even with a bad port after it. */
    ports[1] = 3000;
    assert_int_equal(poll_prepare(v, ports, 2), 1);
    assert_false(evtchn_poll_waiting(v));

    /* Several ports: any event wakes. */
    guest_acks_all(d);
    ports[1] = b;
    assert_int_equal(poll_prepare(v, ports, 2), 0);
    assert_int_equal(v->poll_evtchn, -1);
    assert_int_equal(send(b), 0);
    assert_false(evtchn_poll_waiting(v));

    /* An upcall for the poller ends the poll whatever the ports. */
    guest_acks_all(d);
    assert_int_equal(poll_prepare(v, ports, 1), 0);
    send_guest_vcpu_virq(v, VIRQ_TIMER); /* not bound: nothing */
    assert_true(evtchn_poll_waiting(v));
    vcpu_mark_events_pending(v);
    assert_false(evtchn_poll_waiting(v));

    /* The timeout ends it; a late timeout after the end does nothing. */
    guest_acks_all(d);
    assert_int_equal(poll_prepare(v, ports, 2), 0);
    ipi_calls = wake_calls = 0;
    evtchn_poll_timeout(v);
    assert_false(evtchn_poll_waiting(v));
    assert_int_equal(ipi_calls, 1);
    assert_int_equal(wake_calls, 1);
    evtchn_poll_timeout(v);
    assert_int_equal(ipi_calls + wake_calls, 2);

    /* A deliverable upcall (unmasked) means no waiting at all. */
    v->vcpu_info->evtchn_upcall_pending = 1;
    v->vcpu_info->evtchn_upcall_mask = 0;
    assert_int_equal(poll_prepare(v, ports, 2), 1);
    assert_int_equal(d->evtchn->poll_mask, 0);
}

static void test_kick_ipi(void **state)
{
    struct domain *d = doms[1];
    evtchn_port_t ipi;

    /* vCPU 1 runs on another CPU: it gets an IPI. */
    assert_int_equal(bind_ipi(1, &ipi), 0);
    ipi_calls = 0;
    assert_int_equal(send(ipi), 0);
    assert_int_equal(ipi_calls, 1);
    assert_int_equal(last_ipi_cpu, vcpu_cpu(1, 1));
    /* Ourselves: the way back to the guest delivers, no IPI. */
    assert_int_equal(bind_ipi(0, &ipi), 0);
    assert_int_equal(send(ipi), 0);
    assert_int_equal(ipi_calls, 1);
    assert_int_equal(upcall(d, 0), 1);
    /* Not running (yet, or any more): no IPI either. */
    guest_acks_all(d);
    d->vcpu[1]->is_running = false;
    assert_int_equal(bind_ipi(1, &ipi), 0);
    assert_int_equal(send(ipi), 0);
    assert_int_equal(upcall(d, 1), 1);
    assert_int_equal(ipi_calls, 1);
}

static void test_compat_hypercall(void **state)
{
    struct domain *d = doms[1];
    struct evtchn_op op = {.cmd = EVTCHNOP_bind_ipi, .u.bind_ipi.vcpu = 0};

    assert_int_equal(do_event_channel_op_compat((unsigned long)&op), 0);
    assert_int_equal(op.u.bind_ipi.port, 1);
    op.cmd = EVTCHNOP_send;
    op.u.send.port = 1;
    assert_int_equal(do_event_channel_op_compat((unsigned long)&op), 0);
    assert_true(pending(d, 1));
    op.cmd = EVTCHNOP_reset; /* not in the compat set */
    assert_int_equal(do_event_channel_op_compat((unsigned long)&op), -ENOSYS);
    assert_int_equal(do_event_channel_op_compat(FAULT_VA), -EFAULT);
}

static void test_dump(void **state)
{
    evtchn_port_t p1, p5;

    make_pair(&p1, &p5);
    evtchn_dump(doms[2]);
    assert_true(harness_printk_contains("interdomain"));
    assert_true(harness_printk_contains("-> d1:1"));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_port_zero_reserved),
        T(test_alloc_unbound_and_status),
        T(test_privilege),
        T(test_interdomain_pair),
        T(test_bind_interdomain_refusals),
        T(test_close_either_end),
        T(test_loopback),
        T(test_mask_and_unmask),
        T(test_ipi_and_bind_vcpu),
        T(test_virq_binding),
        T(test_exhaustion),
        T(test_bad_ports),
        T(test_pirq_binding),
        T(test_fifo_ops_refused),
        T(test_reset_and_destroy),
        T(test_poll),
        T(test_kick_ipi),
        T(test_compat_hypercall),
        T(test_dump),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
