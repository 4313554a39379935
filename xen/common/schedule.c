/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sched_op: what a guest asks of the scheduler.
 *
 * The scheduler itself is common/sched_credit.c. Blocking marks the vCPU
 * and lets the return path switch away; a yield lets any other vCPU
 * queued on this CPU run first, whatever its credit.
 */
#include <xen/errno.h>
#include <xen/event.h>
#include <xen/hypercall.h>
#include <xen/lib.h>
#include <xen/sched.h>
#include <xen/softirq.h>
#include <xen/timer.h>
#include <asm/guest_access.h>
#include <asm/percpu.h>
#include <asm/processor.h>

static bool event_pending(const struct vcpu *v)
{
    return v->vcpu_info->evtchn_upcall_pending;
}

/* SCHEDOP_block: unmask events, return at once if one is pending. */
static long sched_block(struct vcpu *v)
{
    v->vcpu_info->evtchn_upcall_mask = 0;
    if ( !event_pending(v) )
        vcpu_block_current(); /* the CPU leaves v on the way back to the guest */
    return 0;
}

static long sched_shutdown(struct vcpu *v, unsigned long arg, bool code_only)
{
    struct sched_shutdown s;

    if ( copy_from_guest_va(&s, arg, sizeof(s)) )
        return -EFAULT;
    if ( code_only )
    {
        v->domain->shutdown_code = s.reason;
        return 0;
    }
    domain_shutdown(v->domain, s.reason);
    return 0;
}

/* A local function: see the note on function addresses in xen/event.h. */
static void poll_timer_fired(void *data)
{
    evtchn_poll_timeout(data);
}

/*
 * SCHEDOP_poll: block until one of the ports is pending or the (absolute)
 * timeout passes. The event code ends the poll and wakes the vCPU
 * (xen/event.h); a wake-up that came before the vCPU was marked blocked is
 * caught by looking at the poll state again afterwards.
 */
static long sched_poll(struct vcpu *v, unsigned long arg)
{
    evtchn_port_t ports[SCHED_POLL_MAX_PORTS];
    struct sched_poll p;
    long rc;

    /*
     * A poll or block earlier in the same multicall has not taken effect
     * yet (batches are not preempted): the vCPU is marked blocked, but the
     * timer and poll state that would wake it are replaced or dropped below.
     * End that wait now rather than never.
     */
    vcpu_wake(v);
    if ( copy_from_guest_va(&p, arg, sizeof(p)) )
        return -EFAULT;
    if ( p.nr_ports > SCHED_POLL_MAX_PORTS )
        return -EINVAL;
    if ( copy_from_guest(ports, p.ports, p.nr_ports) )
        return -EFAULT;
    if ( !v->poll_timer.function )
        init_timer(&v->poll_timer, poll_timer_fired, v, v->processor);
    stop_timer(&v->poll_timer); /* left over from a poll an event ended */
    rc = evtchn_poll_prepare(v, ports, p.nr_ports);
    if ( rc )
        return rc < 0 ? rc : 0;
    if ( p.timeout )
        set_timer(&v->poll_timer, p.timeout);
    vcpu_block_current();
    if ( !evtchn_poll_waiting(v) )
        vcpu_wake(v);
    return 0;
}

/* SCHEDOP_remote_shutdown: a privileged domain shuts another one down. */
static long sched_remote_shutdown(struct vcpu *v, unsigned long arg)
{
    struct sched_remote_shutdown rs;
    struct domain *d;

    if ( copy_from_guest_va(&rs, arg, sizeof(rs)) )
        return -EFAULT;
    d = get_domain_by_id(rs.domain_id);
    if ( !d )
        return -ESRCH;
    if ( v->domain->is_privileged )
        domain_shutdown(d, rs.reason);
    put_domain(d);
    return v->domain->is_privileged ? 0 : -EPERM;
}

long do_sched_op(unsigned long cmd, unsigned long arg)
{
    struct vcpu *v = current;

    switch ( cmd )
    {
    case SCHEDOP_yield: vcpu_yield(); return 0;
    case SCHEDOP_block: return sched_block(v);
    case SCHEDOP_shutdown: return sched_shutdown(v, arg, false);
    case SCHEDOP_shutdown_code: return sched_shutdown(v, arg, true);
    case SCHEDOP_poll: return sched_poll(v, arg);
    case SCHEDOP_remote_shutdown: return sched_remote_shutdown(v, arg);
    default: return -ENOSYS;
    }
}

/* The original sched_op: same commands, but shutdown takes the reason itself. */
long do_sched_op_compat(unsigned long cmd, unsigned long arg)
{
    struct vcpu *v = current;

    switch ( cmd )
    {
    case SCHEDOP_yield:
    case SCHEDOP_block: return do_sched_op(cmd, 0);
    case SCHEDOP_shutdown: domain_shutdown(v->domain, arg); return 0;
    default: return -ENOSYS;
    }
}
