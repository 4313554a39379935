/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Event channels: the port table of a domain and the API the rest of the
 * hypervisor uses to raise events (common/event_channel.c).
 *
 * A port is a small integer naming one end of a notification path: a channel
 * to another domain (or to the same one), a virtual IRQ (VIRQ_TIMER,
 * VIRQ_CONSOLE...), an IPI between the domain's own vCPUs, or a physical IRQ.
 * Delivery uses the 2-level ABI: pending and mask bits per port in
 * shared_info, a selector bit per word of them and an upcall flag in the
 * notified vCPU's vcpu_info.
 *
 * Locking: d->event_lock (always taken with interrupts off, so any context
 * may raise an event) protects d->evtchn and every port of d, and the
 * virq_to_evtchn[] tables of d's vCPUs. An operation on both ends of an
 * interdomain channel holds both domains' locks, the lower domain id's first.
 * Inside event_lock only the allocator's locks and the scheduler's run-queue
 * locks (vcpu_wake) are taken, and IPIs sent. The pending/mask/selector bits belong to the guest and are only
 * ever changed with atomic bit operations.
 */
#ifndef XEN_EVENT_H
#define XEN_EVENT_H

#include <xen/sched.h>
#include <public/event_channel.h>

/* 2-level ABI on a 64-bit guest: 64 selector bits of 64 pending bits each. */
#define EVTCHN_WORD_BITS     (sizeof(xen_ulong_t) * 8)
#define EVTCHN_2L_NR_PORTS   (EVTCHN_WORD_BITS * EVTCHN_WORD_BITS) /* 4096 */
#define EVTCHNS_PER_BUCKET   64                                    /* one pending word */
#define EVTCHN_NR_BUCKETS    (EVTCHN_2L_NR_PORTS / EVTCHNS_PER_BUCKET)
#define SCHED_POLL_MAX_PORTS 128 /* the limit Xen puts on SCHEDOP_poll */

enum evtchn_state {
    ECS_FREE,        /* unused; port number may be handed out */
    ECS_RESERVED,    /* port 0: never handed out */
    ECS_UNBOUND,     /* waiting for u.unbound_remote to bind_interdomain */
    ECS_INTERDOMAIN, /* connected to u.interdomain */
    ECS_PIRQ,        /* physical IRQ (not supported yet) */
    ECS_VIRQ,        /* virtual IRQ u.virq */
    ECS_IPI,         /* notification between the domain's vCPUs */
};

/* One port. Every field protected by its domain's event_lock. */
struct evtchn
{
    u8 state;       /* enum evtchn_state */
    u8 notify_vcpu; /* vCPU whose selector and upcall flag are raised */
    union
    {
        domid_t unbound_remote; /* ECS_UNBOUND: who may bind to it */
        struct
        {
            /* No reference: closing either end (and evtchn_destroy) unbinds both. */
            struct domain *dom;
            evtchn_port_t port;
        } interdomain; /* ECS_INTERDOMAIN: the other end */
        u16 virq;      /* ECS_VIRQ */
        u32 pirq;      /* ECS_PIRQ */
    } u;
};

/* A domain's port table, allocated in buckets of 64 ports as they are needed. */
struct evtchn_domain
{
    /* Buckets [0, valid_ports / 64) exist and stay until evtchn_destroy(). */
    struct evtchn *bucket[EVTCHN_NR_BUCKETS];
    unsigned int valid_ports;  /* written under event_lock, read atomically */
    unsigned int active_ports; /* ports not free, port 0 excluded */
    unsigned long poll_mask;   /* vCPUs in SCHEDOP_poll (atomic bit operations) */
};

/* Domain life cycle (common/domain.c). */
int evtchn_init(struct domain *d);     /* port 0 reserved; 0 or -ENOMEM */
void evtchn_destroy(struct domain *d); /* closes every port, frees the table */

/*
 * Raising events from the hypervisor. All of them may be called from any
 * context (interrupt handlers, timer softirqs) on any CPU; an event for a
 * VIRQ nobody bound is dropped.
 */
bool virq_is_global(unsigned int virq);
void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq);     /* per-vCPU VIRQs */
void send_guest_global_virq(struct domain *d, unsigned int virq); /* global VIRQs */
void send_global_virq(unsigned int virq);                         /* to the hardware domain */
int evtchn_send(struct domain *d, evtchn_port_t port);            /* as EVTCHNOP_send */
int evtchn_close(struct domain *d, evtchn_port_t port);           /* as EVTCHNOP_close */

/* Set v's upcall flag; kick v when it was clear. */
void vcpu_mark_events_pending(struct vcpu *v);

/* Port state as the guest sees it (false for a port that does not exist). */
bool evtchn_port_is_pending(const struct domain *d, evtchn_port_t port);
bool evtchn_port_is_masked(const struct domain *d, evtchn_port_t port);

/*
 * SCHEDOP_poll support (common/schedule.c). evtchn_poll_prepare() marks v as
 * polling ports[0..nr), then returns 1 when it need not wait (a listed port
 * is pending or an event is deliverable), -EINVAL for a bad port, or 0: v
 * waits until evtchn_poll_waiting() turns false, which a listed port becoming
 * pending, a new upcall, or evtchn_poll_timeout() (a timer function, data v)
 * cause. evtchn_poll_finish() ends the poll whatever happened. (Pass a local
 * wrapper of evtchn_poll_timeout to init_timer: in this -fpie, -no-pie link
 * the address of a function of another file comes from a GOT slot that ld
 * cannot relax to an absolute address above 4 GiB.)
 */
int evtchn_poll_prepare(struct vcpu *v, const evtchn_port_t *ports, unsigned int nr);
bool evtchn_poll_waiting(const struct vcpu *v);
void evtchn_poll_timeout(void *data);
void evtchn_poll_finish(struct vcpu *v);

/* Print d's ports (debug key). */
void evtchn_dump(struct domain *d);

/* Hypercalls: event_channel_op (32) and the older event_channel_op_compat (16). */
long do_event_channel_op(unsigned long cmd, unsigned long arg);
long do_event_channel_op_compat(unsigned long arg);

#endif
