/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domain and vCPU life cycle: creation, lookup, pause, shutdown, crash and
 * destruction.
 *
 * Domains sit on domain_list (protected by domlist_lock) from creation until
 * domain_kill(); get_domain_by_id() hands out references. A domain that shuts
 * down or crashes stops running at once; dom0's end is the machine's end:
 * the hypervisor powers off, reboots or (crash) reports and reboots, or
 * halts with "noreboot".
 *
 * Destruction has two steps, as in Xen. domain_kill() marks the domain
 * dying, pauses every vCPU for good (and waits until none is on a CPU), kills
 * the vCPUs' timers (waiting until no timer function of theirs runs on any
 * CPU: they raise VIRQ_TIMER through the event channels and struct vcpu),
 * then gives back everything that refers to its memory: page-table bases, pins,
 * GDT frames, registered vcpu_info frames, event channels, grant frames and
 * finally the allocation reference of every frame it owns. A frame still
 * referenced from elsewhere (mapped by another domain) returns to the heap
 * when that last reference goes (page_ref.c). domain_kill() then drops the
 * creation reference; the last put_domain() calls domain_destroy(), which
 * frees the vCPUs and struct domain.
 *
 * Lock order: domain_kill() runs with no lock held; kill_timer() must not be
 * called under d->event_lock or a run-queue lock, which timer functions take.
 *
 * Pausing counts per vCPU (v->pause_count): the scheduler runs a vCPU only
 * while its count is zero, so nested pauses from several callers compose.
 */
#include <xen/console.h>
#include <xen/errno.h>
#include <xen/grant_table.h>
#include <xen/event.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/sched.h>
#include <xen/shutdown.h>
#include <xen/time.h>
#include <public/vcpu.h>
#include <asm/pv.h>
#include <asm/pv_build.h>
#include <asm/pv_mm.h>
#include <asm/processor.h>
#include <asm/traps.h>

struct domain *hardware_domain;
static struct domain *domain_list;
static DEFINE_SPINLOCK(domlist_lock);

#define POISON_BYTE 0xa5 /* freed vCPUs: pointers in it are non-canonical */

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
    v->vcpu_info_mfn = INVALID_VCPU_INFO_MFN;
    v->runstate.state = RUNSTATE_offline;
    v->runstate.state_entry_time = NOW();
    pv_init_fpu(v);
    sched_init_vcpu(v);
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
    d->weight = 256;
    d->is_privileged = privileged;
    d->max_vcpus = max_vcpus;
    spin_lock_init(&d->page_alloc_lock);
    page_list_init(&d->page_list);
    d->vcpu = xzalloc_bytes(max_vcpus * sizeof(*d->vcpu));
    d->shared_info = alloc_xenheap_pages(0);
    if ( !d->vcpu || !d->shared_info || evtchn_init(d) )
        goto fail;
    memset(d->shared_info, 0, PAGE_SIZE);
    share_xen_page_with_guest(virt_to_page(d->shared_info), d);
    update_domain_wallclock(d);
    if ( grant_table_init(d) )
        goto fail;

    flags = spin_lock_irqsave(&domlist_lock);
    d->next_in_list = domain_list;
    domain_list = d;
    spin_unlock_irqrestore(&domlist_lock, flags);
    if ( privileged && !hardware_domain )
        hardware_domain = d;
    return d;

fail:
    grant_table_destroy(d);
    evtchn_destroy(d);
    if ( d->shared_info )
        free_xenheap_pages(d->shared_info, 0);
    xfree(d->vcpu);
    xfree(d);
    return NULL;
}

/*
 * A hypervisor page the guest may map (shared_info): owned by the domain for
 * the PV MMU's ownership checks, still a xen-heap page for freeing.
 */
void share_xen_page_with_guest(struct page_info *pg, struct domain *d)
{
    pg->v.owner = d;
    pg->count_info |= PGC_allocated | 1;
}

void domain_assign_pages(struct domain *d, struct page_info *pg, unsigned long nr)
{
    unsigned long flags = spin_lock_irqsave(&d->page_alloc_lock);

    for ( unsigned long i = 0; i < nr; i++ )
        page_list_add_tail(&pg[i], &d->page_list);
    d->tot_pages += nr;
    spin_unlock_irqrestore(&d->page_alloc_lock, flags);
}

void for_each_domain(void (*fn)(struct domain *d))
{
    unsigned long flags = spin_lock_irqsave(&domlist_lock);

    for ( struct domain *d = domain_list; d; d = d->next_in_list )
        fn(d);
    spin_unlock_irqrestore(&domlist_lock, flags);
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

/* The last reference went: only the memory of the structures themselves is left. */
void domain_destroy(struct domain *d)
{
    ASSERT(d->is_dying && !d->refcnt);
    for ( unsigned int i = 0; i < d->max_vcpus; i++ )
        if ( d->vcpu[i] )
        {
            /* A late user (a timer not killed) then faults instead of reading stale state. */
            memset(d->vcpu[i], POISON_BYTE, sizeof(*d->vcpu[i]));
            xfree(d->vcpu[i]);
        }
    xfree(d->vcpu);
    xfree(d);
}

void put_domain(struct domain *d)
{
    unsigned int left = __atomic_sub_fetch(&d->refcnt, 1, __ATOMIC_SEQ_CST);

    ASSERT(left != ~0u); /* more puts than gets */
    if ( !left )
        domain_destroy(d);
}

/* Wait until v is off every CPU; its state is then all in struct vcpu. */
static void vcpu_wait_descheduled(const struct vcpu *v)
{
    if ( v == current )
        return; /* leaves at its next schedule() */
    while ( vcpu_on_cpu(v) )
        cpu_relax();
}

void vcpu_pause(struct vcpu *v)
{
    __atomic_fetch_add(&v->pause_count, 1, __ATOMIC_SEQ_CST);
    vcpu_sleep(v);
    vcpu_wait_descheduled(v);
}

void vcpu_unpause(struct vcpu *v)
{
    unsigned int old = __atomic_fetch_sub(&v->pause_count, 1, __ATOMIC_SEQ_CST);

    BUG_ON(!old); /* more unpauses than pauses */
    if ( old == 1 )
        vcpu_wake(v);
}

void domain_pause(struct domain *d)
{
    for ( unsigned int i = 0; i < d->max_vcpus; i++ )
        if ( d->vcpu[i] )
            vcpu_pause(d->vcpu[i]);
}

void domain_unpause(struct domain *d)
{
    for ( unsigned int i = 0; i < d->max_vcpus; i++ )
        if ( d->vcpu[i] )
            vcpu_unpause(d->vcpu[i]);
}

/* A vCPU's hypervisor-side references: its timers, GDT and registered vcpu_info. */
static void vcpu_relinquish(struct vcpu *v)
{
    vcpu_timers_kill(v); /* first: their functions touch event channels and v */
    pv_release_gdt(v);
    pv_release_ldt(v);
    if ( v->vcpu_info_mfn != INVALID_VCPU_INFO_MFN )
    {
        put_page_and_type(mfn_to_page(v->vcpu_info_mfn));
        v->vcpu_info_mfn = INVALID_VCPU_INFO_MFN;
        v->vcpu_info = v->vcpu_id < XEN_LEGACY_MAX_VCPUS
                           ? &v->domain->shared_info->vcpu_info[v->vcpu_id]
                           : NULL;
    }
}

/*
 * Drop the allocation reference of every frame d owns. The list is taken
 * whole under the lock and the references are dropped outside it: the last
 * one frees the frame (heap_lock, and a TLB flush that may wait for IPIs).
 */
static void relinquish_memory(struct domain *d)
{
    struct page_list_head list;
    struct page_info *pg;
    unsigned long flags = spin_lock_irqsave(&d->page_alloc_lock);

    list = d->page_list;
    page_list_init(&d->page_list);
    d->tot_pages = 0;
    spin_unlock_irqrestore(&d->page_alloc_lock, flags);

    while ( (pg = page_list_first(&list)) != NULL )
    {
        page_list_del(pg, &list);
        if ( __atomic_fetch_and(&pg->count_info, ~PGC_allocated, __ATOMIC_SEQ_CST) & PGC_allocated )
            put_page(pg);
    }
}

/*
 * shared_info is a xen-heap page lent to the guest: take the loan back and
 * free it, unless something still maps it (then it is leaked, loudly, rather
 * than reused under that mapping).
 */
static void free_shared_info(struct domain *d)
{
    struct page_info *pg = virt_to_page(d->shared_info);

    if ( __atomic_fetch_and(&pg->count_info, ~PGC_allocated, __ATOMIC_SEQ_CST) & PGC_allocated )
        put_page(pg);
    if ( pg->count_info & PGC_count_mask )
        printk(XENLOG_G_ERR "d%u: shared_info still referenced (%#lx): not freed\n", d->domain_id,
               pg->count_info);
    else
        free_xenheap_pages(d->shared_info, 0);
    d->shared_info = NULL;
}

static void domain_list_remove(struct domain *d)
{
    unsigned long flags = spin_lock_irqsave(&domlist_lock);

    for ( struct domain **p = &domain_list; *p; p = &(*p)->next_in_list )
        if ( *p == d )
        {
            *p = d->next_in_list;
            break;
        }
    spin_unlock_irqrestore(&domlist_lock, flags);
}

int domain_kill(struct domain *d)
{
    if ( d == hardware_domain || (current && current->domain == d) )
        return -EINVAL;
    if ( __atomic_exchange_n(&d->is_dying, true, __ATOMIC_SEQ_CST) )
        return 0;    /* someone else is killing it */
    domain_pause(d); /* for good: nobody unpauses a dying domain */
    for ( unsigned int i = 0; i < d->max_vcpus; i++ )
        if ( d->vcpu[i] )
            vcpu_relinquish(d->vcpu[i]);
    pv_relinquish_page_tables(d);
    evtchn_destroy(d);
    grant_table_destroy(d);
    relinquish_memory(d);
    free_shared_info(d);
    domain_list_remove(d);
    put_domain(d); /* the reference domain_create() returned */
    return 0;
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
    /* A crash dom0 reports itself: show where its vCPU was, as for one we detect. */
    if ( reason == SHUTDOWN_crash && current && current->domain == d )
    {
        console_start_sync();
        show_registers(guest_cpu_user_regs());
    }
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
    /* None of its vCPUs runs again; the current one leaves on its way out. */
    for ( unsigned int i = 0; i < d->max_vcpus; i++ )
        if ( d->vcpu[i] )
            vcpu_sleep(d->vcpu[i]);
    printk(XENLOG_G_INFO "Domain %u shut down: %s\n", d->domain_id, shutdown_reason_name(reason));
    send_global_virq(VIRQ_DOM_EXC); /* tell dom0's toolstack */
}

/* A guest did something it cannot survive: report it and stop the domain. */
void domain_crash(struct domain *d)
{
    struct vcpu *v = current;

    printk(XENLOG_G_ERR "Domain %u crashed\n", d->domain_id);
    if ( v && v->domain == d && d != hardware_domain ) /* dom0's shutdown shows them */
        show_registers(guest_cpu_user_regs());
    domain_shutdown(d, SHUTDOWN_crash);
}
