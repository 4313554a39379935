/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domain and vCPU life cycle: creation, lookup, shutdown and crash.
 *
 * Domains sit on domain_list (protected by domlist_lock) from creation until
 * destruction; get_domain_by_id() hands out references. A domain that shuts
 * down or crashes stops running at once; dom0's end is the machine's end:
 * the hypervisor powers off, reboots or (crash) reports and reboots, or
 * halts with "noreboot".
 */
#include <xen/errno.h>
#include <xen/event.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/sched.h>
#include <xen/shutdown.h>
#include <asm/pv.h>
#include <asm/traps.h>

struct domain *hardware_domain;
static struct domain *domain_list;
static DEFINE_SPINLOCK(domlist_lock);

struct vcpu *vcpu_create(struct domain *d, unsigned int id)
{
    struct vcpu *v;

    if ( id >= d->max_vcpus || d->vcpu[id] )
        return NULL;
    v = xzalloc(struct vcpu);
    if ( !v )
        return NULL;
    v->vcpu_id = id;
    v->domain = d;
    v->is_down = id != 0;
    v->pv.in_kernel = true;
    /* Until the guest registers its own vcpu_info, it is the shared_info slot. */
    if ( id < XEN_LEGACY_MAX_VCPUS )
        v->vcpu_info = &d->shared_info->vcpu_info[id];
    v->vcpu_info->evtchn_upcall_mask = 1;
    d->vcpu[id] = v;
    if ( id > 0 )
        d->vcpu[id - 1]->next_in_list = v;
    return v;
}

struct domain *domain_create(domid_t id, unsigned int max_vcpus, bool privileged)
{
    struct domain *d = xzalloc(struct domain);
    unsigned long flags;

    if ( !d )
        return NULL;
    d->domain_id = id;
    d->refcnt = 1;
    d->is_privileged = privileged;
    d->max_vcpus = max_vcpus;
    spin_lock_init(&d->page_alloc_lock);
    d->vcpu = xzalloc_bytes(max_vcpus * sizeof(*d->vcpu));
    d->shared_info = alloc_xenheap_pages(0);
    if ( !d->vcpu || !d->shared_info || evtchn_init(d) )
        goto fail;
    memset(d->shared_info, 0, PAGE_SIZE);
    d->shared_info_mfn = virt_to_mfn(d->shared_info);

    flags = spin_lock_irqsave(&domlist_lock);
    d->next_in_list = domain_list;
    domain_list = d;
    spin_unlock_irqrestore(&domlist_lock, flags);
    if ( privileged && !hardware_domain )
        hardware_domain = d;
    return d;

fail:
    evtchn_destroy(d);
    if ( d->shared_info )
        free_xenheap_pages(d->shared_info, 0);
    xfree(d->vcpu);
    xfree(d);
    return NULL;
}

struct domain *get_domain_by_id(domid_t id)
{
    unsigned long flags = spin_lock_irqsave(&domlist_lock);
    struct domain *d;

    for ( d = domain_list; d; d = d->next_in_list )
        if ( d->domain_id == id && !d->is_dying )
        {
            __atomic_fetch_add(&d->refcnt, 1, __ATOMIC_SEQ_CST);
            break;
        }
    spin_unlock_irqrestore(&domlist_lock, flags);
    return d;
}

void put_domain(struct domain *d)
{
    unsigned int left = __atomic_sub_fetch(&d->refcnt, 1, __ATOMIC_SEQ_CST);

    ASSERT(left != ~0u); /* more puts than gets */
}

static const char *shutdown_reason_name(unsigned int reason)
{
    static const char *const names[] = {"poweroff", "reboot",   "suspend",
                                        "crash",    "watchdog", "soft_reset"};

    return reason < ARRAY_SIZE(names) ? names[reason] : "unknown";
}

/* dom0's shutdown is the machine's. */
static noreturn void hardware_domain_shutdown(struct domain *d, unsigned int reason)
{
    printk("Hardware Dom%u shutdown: %s\n", d->domain_id, shutdown_reason_name(reason));
    switch ( reason )
    {
    case SHUTDOWN_poweroff: machine_power_off();
    case SHUTDOWN_reboot:
    case SHUTDOWN_soft_reset: machine_restart();
    default: machine_crash();
    }
}

void domain_shutdown(struct domain *d, unsigned int reason)
{
    if ( d->is_shutting_down )
        return;
    d->is_shutting_down = true;
    d->shutdown_code = reason;
    if ( d == hardware_domain )
        hardware_domain_shutdown(d, reason);
    printk(XENLOG_G_INFO "Domain %u shut down: %s\n", d->domain_id, shutdown_reason_name(reason));
}

/* A guest did something it cannot survive: report it and stop the domain. */
void domain_crash(struct domain *d)
{
    struct vcpu *v = current;

    printk(XENLOG_G_ERR "Domain %u crashed\n", d->domain_id);
    if ( v && v->domain == d )
        show_registers(guest_cpu_user_regs());
    domain_shutdown(d, SHUTDOWN_crash);
}
