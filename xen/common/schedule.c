/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sched_op: what a guest asks of the scheduler.
 *
 * The scheduler proper (credit-style weights, per-CPU run queues) is not
 * written yet; a domain's vCPU runs on the CPU that built it. Shutdown and
 * yield are complete; block waits for an event by halting this CPU with the
 * guest's events unmasked, which is exact while each CPU runs one vCPU.
 */
#include <xen/errno.h>
#include <xen/hypercall.h>
#include <xen/lib.h>
#include <xen/sched.h>
#include <xen/softirq.h>
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
    for ( ;; )
    {
        local_irq_disable();
        if ( event_pending(v) || softirq_pending(smp_processor_id()) ||
             v->domain->is_shutting_down )
            break;
        safe_halt();
    }
    local_irq_enable();
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

long do_sched_op(unsigned long cmd, unsigned long arg)
{
    struct vcpu *v = current;

    switch ( cmd )
    {
    case SCHEDOP_yield: return 0;
    case SCHEDOP_block: return sched_block(v);
    case SCHEDOP_shutdown: return sched_shutdown(v, arg, false);
    case SCHEDOP_shutdown_code: return sched_shutdown(v, arg, true);
    default: return -ENOSYS;
    }
}
