/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domains and virtual CPUs.
 *
 * A domain owns memory (its page list), event channels, a grant table and a
 * set of vCPUs. A vCPU is the unit the scheduler runs; for a 64-bit PV guest
 * its state is the register frame saved in cpu_info while it is in the
 * hypervisor (or in vcpu->arch.user_regs while descheduled) plus the virtual
 * CPU state in struct pv_vcpu: trap table, callbacks, kernel stack, page-table
 * bases, segment bases, and which of its two modes (guest kernel or guest
 * user, both ring 3) it is in.
 *
 * Lifetime: domains are reference counted (get_domain/put_domain); the
 * domain list is protected by domlist_lock. Lock order, outermost first:
 *     wc_lock (wallclock.c) -> domlist_lock -> d->page_alloc_lock -> heap_lock
 *     d->event_lock -> (the other domain's event_lock if its id is higher)
 */
#ifndef XEN_SCHED_H
#define XEN_SCHED_H

#include <xen/lib.h>
#include <xen/spinlock.h>
#include <xen/timer.h>
#include <asm/mm.h>
#include <public/xen.h>
#include <public/vcpu.h>
#include <public/sched.h>

/* With __XEN__ the public headers leave these typedefs to the hypervisor. */
typedef struct vcpu_info vcpu_info_t;
typedef struct shared_info shared_info_t;

#define MAX_VIRT_CPUS_PV 32 /* as many vcpu_info slots as shared_info has */

struct domain;
struct grant_table;
struct e820entry;

enum sched_state {
    SCHED_OFFLINE,  /* down, never up, paused or shut down */
    SCHED_RUNNABLE, /* on a run queue */
    SCHED_RUNNING,  /* its CPU's rq->curr */
    SCHED_BLOCKED,  /* waiting for an event */
};

#define INVALID_VCPU_INFO_MFN (~0UL)

/* Virtual CPU state of a 64-bit PV guest. */
struct pv_vcpu
{
    struct trap_info trap_ctxt[256]; /* the guest's virtual IDT */
    unsigned long kernel_ss, kernel_sp;
    unsigned long event_callback_eip;
    unsigned long failsafe_callback_eip;
    unsigned long syscall_callback_eip;
    unsigned int callback_flags; /* VGCF_{failsafe,syscall}_disables_events */
    unsigned long fs_base;
    unsigned long gs_base_kernel;
    unsigned long gs_base_user;
    unsigned long ctrlreg[8]; /* virtual CR0..CR7; ctrlreg[1] user L4 */
    unsigned long debugreg[8];
    unsigned long guest_table;      /* kernel L4 mfn (0: none) */
    unsigned long guest_table_user; /* user L4 mfn (0: none) */
    unsigned long gdt_frames[16];
    unsigned int gdt_ents;
    unsigned long ldt_base;
    unsigned int ldt_ents;
    /* LDT pages typed so far, by page (0: not yet): see pv/descriptor.c. */
    unsigned long ldt_frames[16];
    unsigned int iopl;        /* virtual IOPL, 0..3 */
    unsigned long iobmp;      /* guest VA of its I/O bitmap (physdev set_iobitmap) */
    unsigned int iobmp_ports; /* ports the bitmap covers */
    bool in_kernel;           /* guest kernel mode (vs guest user mode) */
    bool fpu_ts;              /* virtual CR0.TS (fpu_taskswitch) */
};

struct vcpu
{
    unsigned int vcpu_id;
    struct domain *domain;
    struct vcpu *next_in_list;

    struct cpu_user_regs user_regs; /* saved frame while descheduled */
    struct pv_vcpu pv;
    vcpu_info_t *vcpu_info; /* in shared_info, or registered elsewhere */

    /* Scheduling (common/sched_credit.c), protected by the run queue lock of v->processor. */
    unsigned int processor; /* physical CPU whose run queue holds it */
    enum sched_state sched_state;
    struct vcpu *runq_next;
    s64 credit;               /* ns of CPU time it may still use */
    s_time_t sched_start;     /* when it last started running */
    unsigned int pause_count; /* atomic (domain_pause); can_run() reads it under the lock */
    bool is_running;
    bool is_initialised;           /* has a context (VCPUOP_initialise or builder) */
    bool is_down;                  /* VCPUOP_down, or never brought up */
    bool in_multicall;             /* in do_multicall (v itself only): no nesting */
    struct timer singleshot_timer; /* on v->processor */
    struct timer periodic_timer;
    s_time_t periodic_period; /* 0: none */
    struct vcpu_runstate_info runstate;
    unsigned long runstate_guest;   /* guest VA of the registered runstate area, 0: none */
    unsigned long time_info_guest;  /* guest VA of the secondary vcpu_time_info copy, 0: none */
    unsigned long vcpu_info_mfn;    /* registered vcpu_info frame, or INVALID_VCPU_INFO_MFN */
    u8 fpu_ctxt[512] __aligned(16); /* FXSAVE image while not running */

    /* Event channels (common/event_channel.c, locking in xen/event.h). */
    evtchn_port_t virq_to_evtchn[NR_VIRQS]; /* 0: unbound; global VIRQs in vCPU 0's */
    int poll_evtchn;                        /* SCHEDOP_poll: 0 no, -1 any port, or the port */
    struct timer poll_timer;                /* SCHEDOP_poll timeout, on v's CPU */
};

struct domain
{
    domid_t domain_id;
    struct domain *next_in_list; /* protected by domlist_lock */
    unsigned int refcnt;         /* atomic */

    spinlock_t page_alloc_lock; /* protects page_list, tot_pages */
    unsigned long tot_pages;
    unsigned long max_pages;
    struct page_list_head page_list; /* owned frames */

    unsigned int max_vcpus;
    struct vcpu **vcpu;

    shared_info_t *shared_info; /* a xen-heap page: its mfn is virt_to_mfn(shared_info) */
    unsigned long vm_assist;    /* VMASST_TYPE_* bits */

    struct grant_table *grant_table; /* common/grant_table.c: from creation to destruction */
    struct e820entry *memory_map;    /* XENMEM_set_memory_map; protected by page_alloc_lock */
    unsigned int nr_memory_map;

    unsigned int weight; /* scheduler weight, default 256 */
    bool is_privileged;  /* dom0 */
    bool is_dying;
    bool is_shutting_down;
    unsigned int shutdown_code; /* SHUTDOWN_* */
    char handle[16];

    spinlock_t event_lock;        /* event channels: see xen/event.h */
    struct evtchn_domain *evtchn; /* port table, from evtchn_init() to evtchn_destroy() */
};

extern struct domain *hardware_domain;

/* The vCPU this physical CPU is running (NULL: idle). */
struct vcpu *current_vcpu(void);
#define current (current_vcpu())

struct domain *domain_create(domid_t id, unsigned int max_vcpus, bool privileged);
struct vcpu *vcpu_create(struct domain *d, unsigned int id);
struct domain *get_domain_by_id(domid_t id); /* takes a reference */
void put_domain(struct domain *d);           /* the last one calls domain_destroy() */
void domain_destroy(struct domain *d);
/*
 * Tear a domain down (not dom0, not the caller's own): pause it for good,
 * give back its page tables, GDTs, vcpu_info frames, event channels, grant
 * frames and memory, take it off the domain list and drop the creation
 * reference. 0, or -EINVAL.
 */
int domain_kill(struct domain *d);
/* Pauses nest; each waits until the vCPUs are off every CPU (not for the caller's own). */
void domain_pause(struct domain *d);
void domain_unpause(struct domain *d);
void vcpu_pause(struct vcpu *v);
void vcpu_unpause(struct vcpu *v);
/* "selftest": create and kill domains, check every page comes back (common/domain-selftest.c). */
void domain_selftest(void);
void domain_shutdown(struct domain *d, unsigned int reason);
void share_xen_page_with_guest(struct page_info *pg, struct domain *d);

/* Wall clock in shared_info (arch/x86/wallclock.c). */
void wallclock_init(void);
void update_domain_wallclock(struct domain *d);
void wallclock_set(u64 secs, u32 nsecs, u64 system_time);
/* fn on every domain on the list, under domlist_lock (fn must not take it). */
void for_each_domain(void (*fn)(struct domain *d));

/* Scheduler (common/sched_credit.c). */
void sched_init(void);
void sched_init_vcpu(struct vcpu *v);
void vcpu_wake(struct vcpu *v);
void vcpu_sleep(struct vcpu *v);
bool vcpu_on_cpu(const struct vcpu *v); /* chosen, running or being switched on its CPU */
void vcpu_block_current(void);
void vcpu_yield(void);
int vcpu_up(struct vcpu *v);
int vcpu_down(struct vcpu *v);

/* vCPU timers and runstate (common/vcpu.c). */
void vcpu_timers_init(struct vcpu *v);
void vcpu_timers_kill(struct vcpu *v); /* teardown: no timer function of v runs after it */
unsigned long vcpu_timer_fires(void);  /* vCPU timer functions completed since boot */
void vcpu_runstate_change(struct vcpu *v, int new_state);

#endif
