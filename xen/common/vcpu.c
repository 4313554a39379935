/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vcpu_op and set_timer_op: what a guest controls about its virtual CPUs.
 *
 * Each vCPU has a single-shot and a periodic timer, both hypervisor timers on
 * the vCPU's physical CPU; when one fires, VIRQ_TIMER is raised on the vCPU.
 * A deadline in the past fires at once (Linux relies on it). Domain
 * destruction kills all of a vCPU's timers (vcpu_timers_kill()) before it
 * frees anything their functions touch. The runstate
 * area, once registered, is rewritten whenever the vCPU changes state while
 * its own page tables are loaded.
 */
#include <xen/errno.h>
#include <xen/event.h>
#include <xen/hypercall.h>
#include <xen/lib.h>
#include <xen/sched.h>
#include <xen/time.h>
#include <xen/timer.h>
#include <asm/guest_access.h>
#include <asm/mm.h>
#include <asm/pv.h>
#include <asm/pv_build.h>
#include <asm/pv_mm.h>
#include <public/vcpu.h>

#define MIN_PERIOD_NS     MILLISECS(1)
#define DEFAULT_PERIOD_NS MILLISECS(10) /* every PV vCPU starts with it, as on Xen */

/* Timer functions of every vCPU that have run to their end (atomic). */
static unsigned long timer_fires;

unsigned long vcpu_timer_fires(void)
{
    return __atomic_load_n(&timer_fires, __ATOMIC_SEQ_CST);
}

/* Counted last, after the last use of v: a count that moves after v's teardown is a bug. */
static void count_fire(void)
{
    __atomic_fetch_add(&timer_fires, 1, __ATOMIC_SEQ_CST);
}

static void singleshot_fired(void *data)
{
    struct vcpu *v = data;

    send_guest_vcpu_virq(v, VIRQ_TIMER);
    count_fire();
}

static void periodic_fired(void *data)
{
    struct vcpu *v = data;

    send_guest_vcpu_virq(v, VIRQ_TIMER);
    if ( v->periodic_period )
        set_timer(&v->periodic_timer, NOW() + v->periodic_period);
    count_fire();
}

/*
 * A new vCPU ticks every 10 ms until the guest stops it (Linux does, with
 * VCPUOP_stop_periodic_timer, on every vCPU it brings up).
 */
void vcpu_timers_init(struct vcpu *v)
{
    init_timer(&v->singleshot_timer, singleshot_fired, v, v->processor);
    init_timer(&v->periodic_timer, periodic_fired, v, v->processor);
    v->periodic_period = DEFAULT_PERIOD_NS;
    set_timer(&v->periodic_timer, NOW() + v->periodic_period);
}

/*
 * Teardown: after this no timer function of v runs on any CPU or ever will
 * (a periodic function running meanwhile cannot re-arm a killed timer), so
 * v may be freed. The poll timer is killed too, initialised or not.
 */
void vcpu_timers_kill(struct vcpu *v)
{
    v->periodic_period = 0;
    kill_timer(&v->singleshot_timer);
    kill_timer(&v->periodic_timer);
    kill_timer(&v->poll_timer);
}

/*
 * A deadline already past raises VIRQ_TIMER before the hypercall returns,
 * as on Xen, rather than at the CPU's next timer interrupt.
 */
static void arm_singleshot(struct vcpu *v, s_time_t deadline)
{
    if ( deadline <= NOW() )
    {
        stop_timer(&v->singleshot_timer);
        send_guest_vcpu_virq(v, VIRQ_TIMER);
    }
    else
        set_timer(&v->singleshot_timer, deadline);
}

/* set_timer_op: 0 cancels the single-shot timer, anything else is its deadline. */
long do_set_timer_op(unsigned long timeout)
{
    struct vcpu *v = current;

    if ( !timeout )
        stop_timer(&v->singleshot_timer);
    else
        arm_singleshot(v, (s_time_t)timeout);
    return 0;
}

/* Write the runstate to the guest's registered area (its page tables are live). */
void vcpu_runstate_change(struct vcpu *v, int new_state)
{
    s_time_t now = NOW();

    v->runstate.time[v->runstate.state] += now - v->runstate.state_entry_time;
    v->runstate.state = new_state;
    v->runstate.state_entry_time = now;
    if ( v->runstate_guest && v == current )
        pv_copy_to_guest_kernel(v, v->runstate_guest, &v->runstate, sizeof(v->runstate));
}

static long register_runstate_area(struct vcpu *v, unsigned long arg)
{
    struct vcpu_register_runstate_memory_area area;

    if ( copy_from_guest_va(&area, arg, sizeof(area)) )
        return -EFAULT;
    if ( area.addr.p && !guest_range_ok(area.addr.p, sizeof(v->runstate)) )
        return -EFAULT; /* as Xen: an address the guest may not use */
    v->runstate_guest = area.addr.p;
    if ( v->runstate_guest && v == current )
        pv_copy_to_guest_kernel(v, v->runstate_guest, &v->runstate, sizeof(v->runstate));
    return 0;
}

/* As Xen: the range must be one the guest may use; the copy follows at once if v runs here. */
static long register_time_area(struct vcpu *v, unsigned long arg)
{
    struct vcpu_register_time_memory_area area;

    if ( copy_from_guest_va(&area, arg, sizeof(area)) )
        return -EFAULT;
    if ( area.addr.p && !guest_range_ok(area.addr.p, sizeof(struct vcpu_time_info)) )
        return -EFAULT;
    v->time_info_guest = area.addr.p;
    if ( v == current )
        pv_update_vcpu_time(v);
    return 0;
}

/*
 * Move vcpu_info into a guest frame: the frame must be the domain's and take
 * a writable reference for as long as it is used, so it can never become a
 * page table under us.
 */
static long register_vcpu_info(struct vcpu *v, unsigned long arg)
{
    struct vcpu_register_vcpu_info info;
    struct page_info *pg;
    vcpu_info_t *new_info;

    if ( copy_from_guest_va(&info, arg, sizeof(info)) )
        return -EFAULT;
    /* Xen's codes: -ENXIO for a bad place in the frame; rsvd is ignored. */
    if ( info.offset > PAGE_SIZE - sizeof(vcpu_info_t) || (info.offset & 7) )
        return -ENXIO;
    if ( v->vcpu_info_mfn != INVALID_VCPU_INFO_MFN )
        return -EINVAL; /* Xen allows registering once */
    if ( v != current && !v->is_down )
        return -EINVAL; /* another vCPU's only while it is down */
    if ( !mfn_valid(info.mfn) )
        return -EINVAL;
    pg = mfn_to_page(info.mfn);
    if ( !get_page_and_type(pg, v->domain, PGT_writable_page) )
        return -EINVAL;

    new_info = (vcpu_info_t *)((u8 *)mfn_to_virt(info.mfn) + info.offset);
    memcpy(new_info, v->vcpu_info, sizeof(*new_info));
    /* Pending events must be looked at again through the new copy. */
    new_info->evtchn_upcall_pending = 1;
    for ( unsigned int i = 0; i < BITS_PER_LONG; i++ )
        new_info->evtchn_pending_sel |= 1UL << i;
    v->vcpu_info = new_info;
    v->vcpu_info_mfn = info.mfn;
    return 0;
}

static long set_singleshot(struct vcpu *v, unsigned long arg)
{
    struct vcpu_set_singleshot_timer t;

    if ( copy_from_guest_va(&t, arg, sizeof(t)) )
        return -EFAULT;
    /* VCPU_SSHOTTMR_future is ignored, as by Xen 4.17: a past deadline fires at once. */
    arm_singleshot(v, (s_time_t)t.timeout_abs_ns);
    return 0;
}

static long set_periodic(struct vcpu *v, unsigned long arg)
{
    struct vcpu_set_periodic_timer t;

    if ( copy_from_guest_va(&t, arg, sizeof(t)) )
        return -EFAULT;
    if ( t.period_ns < MIN_PERIOD_NS )
        return -EINVAL;
    v->periodic_period = t.period_ns;
    set_timer(&v->periodic_timer, NOW() + v->periodic_period);
    return 0;
}

static long get_runstate(struct vcpu *v, unsigned long arg)
{
    struct vcpu_runstate_info r = v->runstate;

    r.time[r.state] += NOW() - r.state_entry_time;
    return copy_to_guest_va(arg, &r, sizeof(r)) ? -EFAULT : 0;
}

long do_vcpu_op(unsigned long cmd, unsigned long vcpuid, unsigned long arg)
{
    struct domain *d = current->domain;
    struct vcpu *v;

    if ( vcpuid >= d->max_vcpus || !(v = d->vcpu[vcpuid]) )
        return -ENOENT;
    switch ( cmd )
    {
    case VCPUOP_is_up: return !v->is_down;
    case VCPUOP_up: return vcpu_up(v);
    case VCPUOP_down: return vcpu_down(v);
    case VCPUOP_initialise: return pv_vcpu_initialise(v, arg);
    case VCPUOP_get_runstate_info: return get_runstate(v, arg);
    case VCPUOP_register_runstate_memory_area: return register_runstate_area(v, arg);
    case VCPUOP_set_periodic_timer: return set_periodic(v, arg); /* any vCPU, as on Xen */
    case VCPUOP_stop_periodic_timer:
        v->periodic_period = 0;
        stop_timer(&v->periodic_timer);
        return 0;
    case VCPUOP_set_singleshot_timer: return v == current ? set_singleshot(v, arg) : -EINVAL;
    case VCPUOP_stop_singleshot_timer:
        if ( v != current )
            return -EINVAL;
        stop_timer(&v->singleshot_timer);
        return 0;
    case VCPUOP_register_vcpu_info: return register_vcpu_info(v, arg);
    case VCPUOP_register_vcpu_time_memory_area: return register_time_area(v, arg);
    case VCPUOP_send_nmi:
    case VCPUOP_get_physid:
    default: return -ENOSYS;
    }
}
