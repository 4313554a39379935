/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * event_channel_op: event channels with the 2-level ABI (public/event_channel.h).
 *
 * Theory of operation. Each domain has a table of up to 4096 ports
 * (struct evtchn_domain, in buckets of 64 allocated on first use; port 0 is
 * reserved). A port is free, unbound (offered to one remote domain), bound to
 * a port of another domain or of the same one (interdomain), to a VIRQ, or an
 * IPI port. Sending on a port makes the port it is connected to pending:
 * the remote end for interdomain, the port itself for IPIs and VIRQs.
 *
 * Making port p of domain d pending for vCPU v follows the 2-level ABI, with
 * atomic bit operations on the guest's memory, in this order:
 *   1. test-and-set shared_info.evtchn_pending[p]; if it was set, stop;
 *   2. unless evtchn_mask[p] is set, test-and-set bit p/64 of v's
 *      vcpu_info.evtchn_pending_sel; if that was clear,
 *   3. set vcpu_info.evtchn_upcall_pending and, if that was clear, kick v;
 *   4. wake any vCPU of d polling p (SCHEDOP_poll).
 * The guest clears pending bits itself; EVTCHNOP_unmask clears the mask bit
 * and redoes steps 2-3 if the port is pending, so a masked event is not lost.
 * The upcall itself is delivered on the way back to the guest
 * (pv_prepare_exit) when upcall_pending is set and the upcall mask is clear.
 *
 * Kicking a vCPU: a blocked vCPU (SCHEDOP_block, SCHEDOP_poll) is handed to
 * the scheduler (vcpu_wake); one running on another CPU gets an event-check
 * IPI, which makes it leave the guest and deliver the upcall on the way
 * back. On v's own CPU the return path delivers the upcall anyway.
 *
 * Locking is described in xen/event.h: d->event_lock (irqsave) covers the
 * port table; interdomain operations hold both domains' locks, lower domain
 * id first. Sending on an interdomain port needs only the sender's lock: the
 * remote end cannot change while it is bound to us, because unbinding
 * either end takes both locks.
 *
 * PIRQ ports (dom0's physical interrupts, arch/x86/irq.c): bind_pirq binds
 * a mapped PIRQ to a new port under d->event_lock, and irq.c's own lock is
 * taken inside it; the interrupt handler raises the port through
 * evtchn_send_pirq() after dropping irq.c's lock, which checks that the
 * port is still bound to that PIRQ. Closing the port (or evtchn_destroy)
 * unbinds the PIRQ and masks its pin.
 */
#include <xen/errno.h>
#include <xen/event.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/sched.h>
#include <xen/smp.h>
#include <asm/guest_access.h>
#include <asm/irq.h>
#include <asm/percpu.h>

BUILD_BUG_ON(MAX_VIRT_CPUS_PV > BITS_PER_LONG); /* poll_mask is one word */
BUILD_BUG_ON(MAX_VIRT_CPUS_PV > 256);           /* notify_vcpu is a u8 */
BUILD_BUG_ON(sizeof(((shared_info_t *)0)->evtchn_pending) * 8 != EVTCHN_2L_NR_PORTS);

/* ---- atomic bit operations on the guest's bitmaps ---- */

static bool guest_test_and_set_bit(unsigned int nr, xen_ulong_t *map)
{
    xen_ulong_t bit = 1UL << (nr % EVTCHN_WORD_BITS);

    return __atomic_fetch_or(&map[nr / EVTCHN_WORD_BITS], bit, __ATOMIC_SEQ_CST) & bit;
}

static bool guest_test_and_clear_bit(unsigned int nr, xen_ulong_t *map)
{
    xen_ulong_t bit = 1UL << (nr % EVTCHN_WORD_BITS);

    return __atomic_fetch_and(&map[nr / EVTCHN_WORD_BITS], ~bit, __ATOMIC_SEQ_CST) & bit;
}

static bool guest_test_bit(unsigned int nr, const xen_ulong_t *map)
{
    return (__atomic_load_n(&map[nr / EVTCHN_WORD_BITS], __ATOMIC_SEQ_CST) >>
            (nr % EVTCHN_WORD_BITS)) &
           1;
}

/* ---- the port table ---- */

static bool port_is_valid(const struct domain *d, evtchn_port_t port)
{
    return d->evtchn && port < __atomic_load_n(&d->evtchn->valid_ports, __ATOMIC_ACQUIRE);
}

static struct evtchn *evtchn_from_port(const struct domain *d, evtchn_port_t port)
{
    return &d->evtchn->bucket[port / EVTCHNS_PER_BUCKET][port % EVTCHNS_PER_BUCKET];
}

static struct vcpu *domain_vcpu(const struct domain *d, unsigned int id)
{
    return id < d->max_vcpus ? d->vcpu[id] : NULL;
}

/* Add the next bucket of ports. Called with d->event_lock held. */
static int grow_port_table(struct domain *d)
{
    struct evtchn_domain *ed = d->evtchn;
    unsigned int b = ed->valid_ports / EVTCHNS_PER_BUCKET;

    if ( b >= EVTCHN_NR_BUCKETS )
        return -ENOSPC;
    ed->bucket[b] = xzalloc_array(struct evtchn, EVTCHNS_PER_BUCKET);
    if ( !ed->bucket[b] )
        return -ENOMEM;
    /* Readers without the lock check valid_ports first: publish after the bucket. */
    __atomic_store_n(&ed->valid_ports, ed->valid_ports + EVTCHNS_PER_BUCKET, __ATOMIC_RELEASE);
    return 0;
}

/* Lowest free port, its table grown if needed. Called with d->event_lock held. */
static int get_free_port(struct domain *d)
{
    struct evtchn_domain *ed = d->evtchn;
    evtchn_port_t port;
    int rc;

    ASSERT(spin_is_locked_by_me(&d->event_lock));
    if ( d->is_dying )
        return -EINVAL;
    for ( port = 0; port < ed->valid_ports; port++ )
        if ( evtchn_from_port(d, port)->state == ECS_FREE )
            return port;
    rc = grow_port_table(d);
    return rc ? rc : (int)port;
}

/* Take a free port into use with state; notify vCPU 0. Lock held. */
static struct evtchn *claim_port(struct domain *d, evtchn_port_t port, enum evtchn_state state)
{
    struct evtchn *chn = evtchn_from_port(d, port);

    ASSERT(chn->state == ECS_FREE);
    chn->state = state;
    chn->notify_vcpu = 0;
    d->evtchn->active_ports++;
    return chn;
}

/* Return a port to the free pool; its pending bit goes, its mask bit stays. Lock held. */
static void free_port(struct domain *d, evtchn_port_t port)
{
    struct evtchn *chn = evtchn_from_port(d, port);

    guest_test_and_clear_bit(port, d->shared_info->evtchn_pending);
    memset(chn, 0, sizeof(*chn));
    chn->state = ECS_FREE;
    d->evtchn->active_ports--;
}

/* Lock two domains' event locks, lower domain id first (one lock if a == b). */
static unsigned long double_event_lock(struct domain *a, struct domain *b)
{
    unsigned long flags;

    if ( a->domain_id > b->domain_id )
    {
        struct domain *t = a;

        a = b;
        b = t;
    }
    flags = spin_lock_irqsave(&a->event_lock);
    if ( b != a )
        spin_lock(&b->event_lock);
    return flags;
}

static void double_event_unlock(struct domain *a, struct domain *b, unsigned long flags)
{
    if ( b != a )
        spin_unlock(&b->event_lock);
    spin_unlock_irqrestore(&a->event_lock, flags);
}

/* ---- raising events ---- */

/*
 * Make v notice an event: wake it if it blocked (SCHEDOP_block or poll), and
 * interrupt it if it runs on another CPU, so that it passes through
 * pv_prepare_exit. An upcall ends a poll whatever ports it was for, as in Xen.
 */
static void vcpu_kick(struct vcpu *v)
{
    struct evtchn_domain *ed = v->domain->evtchn;

    if ( ed && guest_test_and_clear_bit(v->vcpu_id, &ed->poll_mask) )
        __atomic_store_n(&v->poll_evtchn, 0, __ATOMIC_SEQ_CST);
    vcpu_wake(v);
    if ( v != current && v->is_running && v->processor != smp_processor_id() )
        smp_send_event_check_cpu(v->processor);
}

void vcpu_mark_events_pending(struct vcpu *v)
{
    if ( !__atomic_exchange_n(&v->vcpu_info->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST) )
        vcpu_kick(v);
}

/* Wake the vCPUs of d polling port (or polling several ports). */
static void wake_pollers(struct domain *d, evtchn_port_t port)
{
    struct evtchn_domain *ed = d->evtchn;
    unsigned long mask = __atomic_load_n(&ed->poll_mask, __ATOMIC_SEQ_CST);

    while ( mask )
    {
        unsigned int id = __builtin_ctzl(mask);
        struct vcpu *v = domain_vcpu(d, id);
        int polled;

        mask &= mask - 1;
        if ( !v )
            continue;
        polled = __atomic_load_n(&v->poll_evtchn, __ATOMIC_SEQ_CST);
        if ( (polled < 0 || polled == (int)port) && guest_test_and_clear_bit(id, &ed->poll_mask) )
        {
            __atomic_store_n(&v->poll_evtchn, 0, __ATOMIC_SEQ_CST);
            vcpu_kick(v);
        }
    }
}

/* The 2-level set-pending sequence (see the top of this file). */
static void evtchn_set_pending(struct domain *d, unsigned int vcpu_id, evtchn_port_t port)
{
    shared_info_t *s = d->shared_info;
    struct vcpu *v = domain_vcpu(d, vcpu_id);

    if ( guest_test_and_set_bit(port, s->evtchn_pending) )
        return;
    if ( v && !guest_test_bit(port, s->evtchn_mask) &&
         !guest_test_and_set_bit(port / EVTCHN_WORD_BITS, &v->vcpu_info->evtchn_pending_sel) )
        vcpu_mark_events_pending(v);
    wake_pollers(d, port);
}

/* EVTCHNOP_unmask: clear the mask and redeliver a pending event. */
static void evtchn_unmask_port(struct domain *d, evtchn_port_t port)
{
    shared_info_t *s = d->shared_info;
    struct vcpu *v = domain_vcpu(d, evtchn_from_port(d, port)->notify_vcpu);

    if ( guest_test_and_clear_bit(port, s->evtchn_mask) &&
         guest_test_bit(port, s->evtchn_pending) && v &&
         !guest_test_and_set_bit(port / EVTCHN_WORD_BITS, &v->vcpu_info->evtchn_pending_sel) )
        vcpu_mark_events_pending(v);
}

bool evtchn_port_is_pending(const struct domain *d, evtchn_port_t port)
{
    return port_is_valid(d, port) && guest_test_bit(port, d->shared_info->evtchn_pending);
}

bool evtchn_port_is_masked(const struct domain *d, evtchn_port_t port)
{
    return port_is_valid(d, port) && guest_test_bit(port, d->shared_info->evtchn_mask);
}

/* VIRQ_TIMER, _DEBUG, _XENOPROF and _XENPMU are per vCPU; the rest are global. */
bool virq_is_global(unsigned int virq)
{
    switch ( virq )
    {
    case VIRQ_TIMER:
    case VIRQ_DEBUG:
    case VIRQ_XENOPROF:
    case VIRQ_XENPMU: return false;
    default: return true;
    }
}

/* Raise virq, bound in v's table, on the port's notify vCPU. */
static void send_virq(struct vcpu *v, unsigned int virq)
{
    struct domain *d = v->domain;
    unsigned long flags;
    evtchn_port_t port;

    if ( virq >= NR_VIRQS )
        return;
    flags = spin_lock_irqsave(&d->event_lock);
    port = v->virq_to_evtchn[virq];
    if ( port && d->evtchn )
        evtchn_set_pending(d, evtchn_from_port(d, port)->notify_vcpu, port);
    spin_unlock_irqrestore(&d->event_lock, flags);
}

void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq)
{
    ASSERT(!virq_is_global(virq));
    send_virq(v, virq);
}

void send_guest_global_virq(struct domain *d, unsigned int virq)
{
    struct vcpu *v0;

    ASSERT(virq_is_global(virq));
    if ( d && (v0 = domain_vcpu(d, 0)) )
        send_virq(v0, virq);
}

void send_global_virq(unsigned int virq)
{
    send_guest_global_virq(hardware_domain, virq);
}

/* ---- operations ---- */

/*
 * The domain an operation names: DOMID_SELF or the caller's own id give the
 * caller, another id needs a privileged caller. On success *out holds a
 * reference (put_domain).
 */
static int lookup_target_domain(domid_t dom, struct domain **out)
{
    struct domain *cd = current->domain, *d;

    if ( dom == DOMID_SELF )
        dom = cd->domain_id;
    d = get_domain_by_id(dom);
    if ( !d )
        return -ESRCH;
    if ( d != cd && !cd->is_privileged )
    {
        put_domain(d);
        return -EPERM;
    }
    *out = d;
    return 0;
}

static int evtchn_alloc_unbound(struct evtchn_alloc_unbound *a)
{
    domid_t remote = a->remote_dom == DOMID_SELF ? current->domain->domain_id : a->remote_dom;
    struct domain *d;
    unsigned long flags;
    int port, rc;

    rc = lookup_target_domain(a->dom, &d);
    if ( rc )
        return rc;
    flags = spin_lock_irqsave(&d->event_lock);
    port = get_free_port(d);
    if ( port >= 0 )
    {
        claim_port(d, port, ECS_UNBOUND)->u.unbound_remote = remote;
        a->port = port;
    }
    spin_unlock_irqrestore(&d->event_lock, flags);
    put_domain(d);
    return port < 0 ? port : 0;
}

/* Connect a new port of ld to port rport of rd, which rd offered to ld. Both locks held. */
static int bind_interdomain_locked(struct domain *ld, struct domain *rd, evtchn_port_t rport,
                                   evtchn_port_t *lport_out)
{
    struct evtchn *lchn, *rchn;
    int lport;

    if ( !port_is_valid(rd, rport) )
        return -EINVAL;
    rchn = evtchn_from_port(rd, rport);
    if ( rchn->state != ECS_UNBOUND || rchn->u.unbound_remote != ld->domain_id )
        return -EINVAL;
    lport = get_free_port(ld);
    if ( lport < 0 )
        return lport;
    lchn = claim_port(ld, lport, ECS_INTERDOMAIN);
    lchn->u.interdomain.dom = rd;
    lchn->u.interdomain.port = rport;
    rchn->state = ECS_INTERDOMAIN;
    rchn->u.interdomain.dom = ld;
    rchn->u.interdomain.port = lport;
    /* Sends to the unbound remote end were dropped: announce the binding, as Xen does. */
    evtchn_set_pending(ld, lchn->notify_vcpu, lport);
    *lport_out = lport;
    return 0;
}

static int evtchn_bind_interdomain(struct evtchn_bind_interdomain *b)
{
    struct domain *ld = current->domain, *rd;
    domid_t rdom = b->remote_dom == DOMID_SELF ? ld->domain_id : b->remote_dom;
    unsigned long flags;
    int rc;

    rd = get_domain_by_id(rdom);
    if ( !rd )
        return -ESRCH;
    flags = double_event_lock(ld, rd);
    rc = bind_interdomain_locked(ld, rd, b->remote_port, &b->local_port);
    double_event_unlock(ld, rd, flags);
    put_domain(rd);
    return rc;
}

static int evtchn_bind_virq(struct evtchn_bind_virq *b)
{
    struct domain *d = current->domain;
    struct vcpu *v;
    unsigned long flags;
    int port;

    if ( b->virq >= NR_VIRQS )
        return -EINVAL;
    if ( virq_is_global(b->virq) && b->vcpu != 0 )
        return -EINVAL;
    v = domain_vcpu(d, b->vcpu);
    if ( !v )
        return -ENOENT;

    flags = spin_lock_irqsave(&d->event_lock);
    if ( v->virq_to_evtchn[b->virq] )
        port = -EEXIST;
    else if ( (port = get_free_port(d)) >= 0 )
    {
        struct evtchn *chn = claim_port(d, port, ECS_VIRQ);

        chn->notify_vcpu = b->vcpu;
        chn->u.virq = b->virq;
        v->virq_to_evtchn[b->virq] = port;
        b->port = port;
    }
    spin_unlock_irqrestore(&d->event_lock, flags);
    return port < 0 ? port : 0;
}

/* EVTCHNOP_bind_pirq: always notifies vCPU 0 at first, as Xen. */
static int evtchn_bind_pirq(struct evtchn_bind_pirq *b)
{
    struct domain *d = current->domain;
    unsigned long flags;
    int port, rc;

    if ( b->pirq >= pirq_nr(d) )
        return -EINVAL;
    flags = spin_lock_irqsave(&d->event_lock);
    for ( port = 1; port < (int)d->evtchn->valid_ports; port++ )
    {
        const struct evtchn *chn = evtchn_from_port(d, port);

        if ( chn->state == ECS_PIRQ && chn->u.pirq == b->pirq )
        {
            rc = -EEXIST;
            goto out;
        }
    }
    port = get_free_port(d);
    if ( port < 0 )
    {
        rc = port;
        goto out;
    }
    rc = pirq_bind(d, b->pirq, port, b->flags & BIND_PIRQ__WILL_SHARE);
    if ( !rc )
    {
        claim_port(d, port, ECS_PIRQ)->u.pirq = b->pirq;
        b->port = port;
    }
out:
    spin_unlock_irqrestore(&d->event_lock, flags);
    return rc;
}

void evtchn_send_pirq(struct domain *d, unsigned int pirq, evtchn_port_t port)
{
    unsigned long flags;

    if ( !port_is_valid(d, port) )
        return;
    flags = spin_lock_irqsave(&d->event_lock);
    if ( d->evtchn )
    {
        const struct evtchn *chn = evtchn_from_port(d, port);

        if ( chn->state == ECS_PIRQ && chn->u.pirq == pirq )
            evtchn_set_pending(d, chn->notify_vcpu, port);
    }
    spin_unlock_irqrestore(&d->event_lock, flags);
}

static int evtchn_bind_ipi(struct evtchn_bind_ipi *b)
{
    struct domain *d = current->domain;
    unsigned long flags;
    int port;

    if ( !domain_vcpu(d, b->vcpu) )
        return -ENOENT;
    flags = spin_lock_irqsave(&d->event_lock);
    port = get_free_port(d);
    if ( port >= 0 )
    {
        claim_port(d, port, ECS_IPI)->notify_vcpu = b->vcpu;
        b->port = port;
    }
    spin_unlock_irqrestore(&d->event_lock, flags);
    return port < 0 ? port : 0;
}

/*
 * Lock d and, if port is an interdomain port to another domain, that domain
 * too (lower domain id first: may drop d's lock and retry). Returns the peer
 * whose lock is held, or NULL.
 */
static struct domain *lock_port_and_peer(struct domain *d, struct evtchn *chn, unsigned long *flags)
{
    struct domain *peer;

    *flags = spin_lock_irqsave(&d->event_lock);
    for ( ;; )
    {
        peer = chn->state == ECS_INTERDOMAIN ? chn->u.interdomain.dom : NULL;
        if ( !peer || peer == d )
            return NULL;
        if ( peer->domain_id > d->domain_id )
        {
            spin_lock(&peer->event_lock);
            return peer;
        }
        spin_unlock(&d->event_lock);
        spin_lock(&peer->event_lock);
        spin_lock(&d->event_lock);
        if ( chn->state == ECS_INTERDOMAIN && chn->u.interdomain.dom == peer )
            return peer;
        spin_unlock(&peer->event_lock); /* rebound meanwhile: look again */
    }
}

/* Undo port's binding and free it. d's lock held, and the peer's for interdomain. */
static int close_locked(struct domain *d, evtchn_port_t port)
{
    struct evtchn *chn = evtchn_from_port(d, port);
    struct domain *rd;
    struct evtchn *rchn;
    struct vcpu *v;

    switch ( chn->state )
    {
    case ECS_FREE:
    case ECS_RESERVED: return -EINVAL;
    case ECS_VIRQ:
        v = domain_vcpu(d, virq_is_global(chn->u.virq) ? 0 : chn->notify_vcpu);
        ASSERT(v && v->virq_to_evtchn[chn->u.virq] == port);
        v->virq_to_evtchn[chn->u.virq] = 0;
        break;
    case ECS_INTERDOMAIN:
        /* The other end goes back to being offered to us. */
        rd = chn->u.interdomain.dom;
        rchn = evtchn_from_port(rd, chn->u.interdomain.port);
        BUG_ON(rchn->state != ECS_INTERDOMAIN || rchn->u.interdomain.dom != d);
        rchn->state = ECS_UNBOUND;
        rchn->u.unbound_remote = d->domain_id;
        break;
    case ECS_PIRQ: pirq_unbind(d, chn->u.pirq, port); break;
    default: break; /* unbound, IPI: nothing else refers to the port */
    }
    free_port(d, port);
    return 0;
}

int evtchn_close(struct domain *d, evtchn_port_t port)
{
    struct domain *peer;
    unsigned long flags;
    int rc;

    if ( !port_is_valid(d, port) )
        return -EINVAL;
    peer = lock_port_and_peer(d, evtchn_from_port(d, port), &flags);
    rc = close_locked(d, port);
    if ( peer )
        spin_unlock(&peer->event_lock);
    spin_unlock_irqrestore(&d->event_lock, flags);
    return rc;
}

int evtchn_send(struct domain *d, evtchn_port_t port)
{
    const struct evtchn *chn;
    unsigned long flags;
    int rc = 0;

    if ( !port_is_valid(d, port) )
        return -EINVAL;
    flags = spin_lock_irqsave(&d->event_lock);
    chn = evtchn_from_port(d, port);
    switch ( chn->state )
    {
    case ECS_INTERDOMAIN:
    {
        struct domain *rd = chn->u.interdomain.dom;
        evtchn_port_t rport = chn->u.interdomain.port;

        /* rd's port cannot change while we hold our lock; its notify vCPU may. */
        evtchn_set_pending(rd, ACCESS_ONCE(evtchn_from_port(rd, rport)->notify_vcpu), rport);
        break;
    }
    case ECS_IPI: evtchn_set_pending(d, chn->notify_vcpu, port); break;
    case ECS_UNBOUND: break; /* nobody listens yet: dropped, and not an error */
    default: rc = -EINVAL;
    }
    spin_unlock_irqrestore(&d->event_lock, flags);
    return rc;
}

/* Fill in st from the port's state. d's lock held. */
static void port_status(struct domain *d, const struct evtchn *chn, struct evtchn_status *st)
{
    switch ( chn->state )
    {
    case ECS_FREE:
    case ECS_RESERVED: st->status = EVTCHNSTAT_closed; break;
    case ECS_UNBOUND:
        st->status = EVTCHNSTAT_unbound;
        st->u.unbound.dom = chn->u.unbound_remote;
        break;
    case ECS_INTERDOMAIN:
        st->status = EVTCHNSTAT_interdomain;
        st->u.interdomain.dom = chn->u.interdomain.dom->domain_id;
        st->u.interdomain.port = chn->u.interdomain.port;
        break;
    case ECS_PIRQ:
        st->status = EVTCHNSTAT_pirq;
        st->u.pirq = chn->u.pirq;
        break;
    case ECS_VIRQ:
        st->status = EVTCHNSTAT_virq;
        st->u.virq = chn->u.virq;
        break;
    case ECS_IPI: st->status = EVTCHNSTAT_ipi; break;
    default: BUG();
    }
    st->vcpu = chn->notify_vcpu;
}

static int evtchn_status(struct evtchn_status *st)
{
    struct domain *d;
    unsigned long flags;
    int rc;

    rc = lookup_target_domain(st->dom, &d);
    if ( rc )
        return rc;
    if ( port_is_valid(d, st->port) )
    {
        flags = spin_lock_irqsave(&d->event_lock);
        port_status(d, evtchn_from_port(d, st->port), st);
        spin_unlock_irqrestore(&d->event_lock, flags);
    }
    else
        rc = -EINVAL;
    put_domain(d);
    return rc;
}

/* Which vCPU a port notifies: not for per-vCPU VIRQs or IPIs (bind those anew). */
static int evtchn_bind_vcpu(const struct evtchn_bind_vcpu *b)
{
    struct domain *d = current->domain;
    struct evtchn *chn;
    unsigned long flags;
    int rc = 0;

    if ( !domain_vcpu(d, b->vcpu) )
        return -ENOENT;
    if ( !port_is_valid(d, b->port) )
        return -EINVAL;
    flags = spin_lock_irqsave(&d->event_lock);
    chn = evtchn_from_port(d, b->port);
    switch ( chn->state )
    {
    case ECS_VIRQ:
        if ( !virq_is_global(chn->u.virq) )
        {
            rc = -EINVAL;
            break;
        }
        /* fall through */
    case ECS_UNBOUND:
    case ECS_INTERDOMAIN:
    case ECS_PIRQ: chn->notify_vcpu = b->vcpu; break;
    default: rc = -EINVAL;
    }
    spin_unlock_irqrestore(&d->event_lock, flags);
    return rc;
}

static int evtchn_unmask_in(struct domain *d, evtchn_port_t port)
{
    unsigned long flags;

    if ( !port_is_valid(d, port) )
        return -EINVAL;
    flags = spin_lock_irqsave(&d->event_lock);
    evtchn_unmask_port(d, port);
    spin_unlock_irqrestore(&d->event_lock, flags);
    return 0;
}

static int evtchn_unmask(evtchn_port_t port)
{
    return evtchn_unmask_in(current->domain, port);
}

void evtchn_unmask_pirq_port(struct domain *d, evtchn_port_t port)
{
    evtchn_unmask_in(d, port);
}

/* Close every port but 0. */
static void close_all_ports(struct domain *d)
{
    unsigned int nr = __atomic_load_n(&d->evtchn->valid_ports, __ATOMIC_ACQUIRE);

    for ( evtchn_port_t port = 1; port < nr; port++ )
        evtchn_close(d, port);
}

/* EVTCHNOP_reset: a domain may reset itself (another domain would have to be paused). */
static int evtchn_reset(const struct evtchn_reset *r)
{
    struct domain *d;
    int rc;

    rc = lookup_target_domain(r->dom, &d);
    if ( rc )
        return rc;
    if ( d == current->domain )
        close_all_ports(d);
    else
        rc = -EINVAL;
    put_domain(d);
    return rc;
}

static int evtchn_set_priority(const struct evtchn_set_priority *p)
{
    /* Priorities exist only in the FIFO ABI, which is never set up here. */
    return port_is_valid(current->domain, p->port) ? -ENOSYS : -EINVAL;
}

/* ---- SCHEDOP_poll ---- */

int evtchn_poll_prepare(struct vcpu *v, const evtchn_port_t *ports, unsigned int nr)
{
    struct domain *d = v->domain;
    const vcpu_info_t *vi = v->vcpu_info;
    int single = nr == 1 ? (int)ports[0] : -1;

    /* Publish the poll before looking, so a concurrent sender either sees it or is seen. */
    __atomic_store_n(&v->poll_evtchn, -1, __ATOMIC_SEQ_CST);
    guest_test_and_set_bit(v->vcpu_id, &d->evtchn->poll_mask);

    if ( ACCESS_ONCE(vi->evtchn_upcall_pending) && !ACCESS_ONCE(vi->evtchn_upcall_mask) )
        goto ready;
    for ( unsigned int i = 0; i < nr; i++ )
    {
        if ( !port_is_valid(d, ports[i]) )
        {
            evtchn_poll_finish(v);
            return -EINVAL;
        }
        if ( guest_test_bit(ports[i], d->shared_info->evtchn_pending) )
            goto ready;
    }
    /* One port: wake only for it. A wake-up that already came leaves 0 here. */
    if ( single < 0 || __atomic_compare_exchange_n(&v->poll_evtchn, &(int){-1}, single, false,
                                                   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST) )
        return 0;
ready:
    evtchn_poll_finish(v);
    return 1;
}

bool evtchn_poll_waiting(const struct vcpu *v)
{
    return __atomic_load_n(&v->poll_evtchn, __ATOMIC_SEQ_CST) != 0;
}

void evtchn_poll_timeout(void *data)
{
    struct vcpu *v = data;

    if ( guest_test_and_clear_bit(v->vcpu_id, &v->domain->evtchn->poll_mask) )
    {
        __atomic_store_n(&v->poll_evtchn, 0, __ATOMIC_SEQ_CST);
        vcpu_kick(v);
    }
}

void evtchn_poll_finish(struct vcpu *v)
{
    guest_test_and_clear_bit(v->vcpu_id, &v->domain->evtchn->poll_mask);
    __atomic_store_n(&v->poll_evtchn, 0, __ATOMIC_SEQ_CST);
}

/* ---- the hypercall ---- */

/* Copy the argument in, run op on it, copy it back out on success. */
#define EVTCHN_OP_INOUT(type, op)                                                                  \
    do                                                                                             \
    {                                                                                              \
        struct type a;                                                                             \
        if ( copy_from_guest_va(&a, arg, sizeof(a)) )                                              \
            return -EFAULT;                                                                        \
        rc = op(&a);                                                                               \
        if ( !rc && copy_to_guest_va(arg, &a, sizeof(a)) )                                         \
            rc = -EFAULT;                                                                          \
    } while ( 0 )

/* Copy the argument in and run expr on it (named a). */
#define EVTCHN_OP_IN(type, expr)                                                                   \
    do                                                                                             \
    {                                                                                              \
        struct type a;                                                                             \
        if ( copy_from_guest_va(&a, arg, sizeof(a)) )                                              \
            return -EFAULT;                                                                        \
        rc = (expr);                                                                               \
    } while ( 0 )

/* The operations that only exist in the FIFO ABI, answered as Xen without FIFO set up. */
static long fifo_op(unsigned int cmd, unsigned long arg)
{
    long rc;

    switch ( cmd )
    {
    case EVTCHNOP_init_control: return -ENOSYS; /* Linux then uses the 2-level ABI */
    case EVTCHNOP_expand_array: return -EOPNOTSUPP;
    default: EVTCHN_OP_IN(evtchn_set_priority, evtchn_set_priority(&a)); return rc;
    }
}

long do_event_channel_op(unsigned long cmd, unsigned long arg)
{
    struct domain *d = current->domain;
    long rc;

    switch ( (unsigned int)cmd ) /* Xen's cmd is an int */
    {
    case EVTCHNOP_alloc_unbound: EVTCHN_OP_INOUT(evtchn_alloc_unbound, evtchn_alloc_unbound); break;
    case EVTCHNOP_bind_interdomain:
        EVTCHN_OP_INOUT(evtchn_bind_interdomain, evtchn_bind_interdomain);
        break;
    case EVTCHNOP_bind_virq: EVTCHN_OP_INOUT(evtchn_bind_virq, evtchn_bind_virq); break;
    case EVTCHNOP_bind_ipi: EVTCHN_OP_INOUT(evtchn_bind_ipi, evtchn_bind_ipi); break;
    case EVTCHNOP_bind_pirq: EVTCHN_OP_INOUT(evtchn_bind_pirq, evtchn_bind_pirq); break;
    case EVTCHNOP_status: EVTCHN_OP_INOUT(evtchn_status, evtchn_status); break;
    case EVTCHNOP_close: EVTCHN_OP_IN(evtchn_close, evtchn_close(d, a.port)); break;
    case EVTCHNOP_send: EVTCHN_OP_IN(evtchn_send, evtchn_send(d, a.port)); break;
    case EVTCHNOP_bind_vcpu: EVTCHN_OP_IN(evtchn_bind_vcpu, evtchn_bind_vcpu(&a)); break;
    case EVTCHNOP_unmask: EVTCHN_OP_IN(evtchn_unmask, evtchn_unmask(a.port)); break;
    case EVTCHNOP_reset:
    case EVTCHNOP_reset_cont: EVTCHN_OP_IN(evtchn_reset, evtchn_reset(&a)); break;
    case EVTCHNOP_init_control:
    case EVTCHNOP_expand_array:
    case EVTCHNOP_set_priority: rc = fifo_op(cmd, arg); break;
    default: rc = -ENOSYS;
    }
    return rc;
}

/* Hypercall 16: the same operations inside a struct evtchn_op {cmd, union}. */
long do_event_channel_op_compat(unsigned long arg)
{
    struct evtchn_op op;

    if ( copy_from_guest_va(&op, arg, sizeof(op)) )
        return -EFAULT;
    switch ( op.cmd )
    {
    case EVTCHNOP_bind_interdomain:
    case EVTCHNOP_bind_virq:
    case EVTCHNOP_bind_pirq:
    case EVTCHNOP_close:
    case EVTCHNOP_send:
    case EVTCHNOP_status:
    case EVTCHNOP_alloc_unbound:
    case EVTCHNOP_bind_ipi:
    case EVTCHNOP_bind_vcpu:
    case EVTCHNOP_unmask: return do_event_channel_op(op.cmd, arg + offsetof(struct evtchn_op, u));
    default: return -ENOSYS;
    }
}

/* ---- life cycle and debugging ---- */

int evtchn_init(struct domain *d)
{
    unsigned long flags;
    int rc;

    spin_lock_init(&d->event_lock);
    d->evtchn = xzalloc(struct evtchn_domain);
    if ( !d->evtchn )
        return -ENOMEM;
    flags = spin_lock_irqsave(&d->event_lock);
    rc = grow_port_table(d);
    if ( !rc )
        evtchn_from_port(d, 0)->state = ECS_RESERVED;
    spin_unlock_irqrestore(&d->event_lock, flags);
    if ( rc )
    {
        xfree(d->evtchn);
        d->evtchn = NULL;
    }
    return rc;
}

void evtchn_destroy(struct domain *d)
{
    struct evtchn_domain *ed = d->evtchn;
    unsigned long flags;

    if ( !ed )
        return;
    close_all_ports(d);
    pirq_domain_destroy(d); /* mappings and the eoi map page */
    ASSERT(!ed->active_ports);
    flags = spin_lock_irqsave(&d->event_lock);
    d->evtchn = NULL;
    spin_unlock_irqrestore(&d->event_lock, flags);
    for ( unsigned int b = 0; b < EVTCHN_NR_BUCKETS; b++ )
        xfree(ed->bucket[b]);
    xfree(ed);
}

static const char *const state_names[] = {
    [ECS_FREE] = "free",       [ECS_RESERVED] = "reserved",
    [ECS_UNBOUND] = "unbound", [ECS_INTERDOMAIN] = "interdomain",
    [ECS_PIRQ] = "pirq",       [ECS_VIRQ] = "virq",
    [ECS_IPI] = "ipi",
};

void evtchn_dump(struct domain *d)
{
    unsigned long flags;

    if ( !d->evtchn )
        return;
    printk("Event channels of domain %u (%u in use):\n", d->domain_id, d->evtchn->active_ports);
    flags = spin_lock_irqsave(&d->event_lock);
    for ( evtchn_port_t port = 1; port < d->evtchn->valid_ports; port++ )
    {
        const struct evtchn *chn = evtchn_from_port(d, port);

        if ( chn->state == ECS_FREE )
            continue;
        printk("  port %4u %-11s vcpu %u pending %d masked %d", port, state_names[chn->state],
               chn->notify_vcpu, evtchn_port_is_pending(d, port), evtchn_port_is_masked(d, port));
        if ( chn->state == ECS_INTERDOMAIN )
            printk(" -> d%u:%u\n", chn->u.interdomain.dom->domain_id, chn->u.interdomain.port);
        else if ( chn->state == ECS_UNBOUND )
            printk(" for d%u\n", chn->u.unbound_remote);
        else if ( chn->state == ECS_VIRQ )
            printk(" virq %u\n", chn->u.virq);
        else if ( chn->state == ECS_PIRQ )
            printk(" pirq %u\n", chn->u.pirq);
        else
            printk("\n");
    }
    spin_unlock_irqrestore(&d->event_lock, flags);
}
