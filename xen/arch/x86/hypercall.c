/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hypercall table: the one place that maps hypercall numbers to handlers.
 *
 * A 64-bit PV guest kernel issues a hypercall with SYSCALL (inline, or via a
 * stub of the hypercall page): number in rax, arguments in rdi, rsi, rdx,
 * r10, r8; the result goes back in rax. Each row names the handler, its
 * permission and how many arguments it takes. Handlers take unsigned longs
 * and convert them themselves, so the table needs no casts. Numbers without
 * a row answer -ENOSYS, as Xen does for what it does not implement.
 */
#include <xen/errno.h>
#include <xen/event.h>
#include <xen/hypercall.h>
#include <xen/lib.h>
#include <xen/sched.h>
#include <xen/smp.h>
#include <xen/softirq.h>
#include <asm/percpu.h>
#include <asm/pv.h>
#include <asm/pv_mm.h>

enum hc_perm {
    HC_ANY,  /* any PV guest */
    HC_PRIV, /* privileged domains (dom0) only */
};

typedef long (*hypercall_fn_t)(const unsigned long *a);

struct hypercall_row
{
    hypercall_fn_t fn;
    enum hc_perm perm;
    const char *name;
};

#define THUNK0(n)                                                                                  \
    static long hc_##n(const unsigned long *a)                                                     \
    {                                                                                              \
        (void)a;                                                                                   \
        return do_##n();                                                                           \
    }
#define THUNK1(n)                                                                                  \
    static long hc_##n(const unsigned long *a)                                                     \
    {                                                                                              \
        return do_##n(a[0]);                                                                       \
    }
#define THUNK2(n)                                                                                  \
    static long hc_##n(const unsigned long *a)                                                     \
    {                                                                                              \
        return do_##n(a[0], a[1]);                                                                 \
    }
#define THUNK3(n)                                                                                  \
    static long hc_##n(const unsigned long *a)                                                     \
    {                                                                                              \
        return do_##n(a[0], a[1], a[2]);                                                           \
    }
#define THUNK4(n)                                                                                  \
    static long hc_##n(const unsigned long *a)                                                     \
    {                                                                                              \
        return do_##n(a[0], a[1], a[2], a[3]);                                                     \
    }

THUNK1(set_trap_table)
THUNK2(stack_switch)
THUNK1(fpu_taskswitch)
THUNK2(xen_version)
THUNK3(console_io)
THUNK2(vm_assist)
THUNK0(iret)
THUNK2(sched_op)
THUNK2(callback_op)
THUNK3(set_callbacks)
THUNK1(platform_op)
THUNK2(event_channel_op)
THUNK1(event_channel_op_compat)
THUNK2(set_gdt)
THUNK2(update_descriptor)
THUNK2(set_segment_base)
THUNK2(set_debugreg)
THUNK1(get_debugreg)
THUNK3(vcpu_op)
THUNK1(set_timer_op)
THUNK2(physdev_op)
THUNK2(sched_op_compat)
THUNK2(multicall)
THUNK2(memory_op)
THUNK3(grant_table_op)
THUNK4(mmu_update)
THUNK3(update_va_mapping)
THUNK4(mmuext_op)
THUNK4(update_va_mapping_otherdomain)

/*
 * There is no virtual PMU: every xenpmu_op answers as Xen 4.17 does when
 * its vPMU is off (the default), so Linux's /sys/hypervisor/pmu reads fail
 * the same way on both.
 */
static long hc_xenpmu_op(const unsigned long *a)
{
    (void)a;
    return -EOPNOTSUPP;
}

#define ROW(nr, n, p) [__HYPERVISOR_##nr] = {hc_##n, p, #n}

static const struct hypercall_row hypercall_table[] = {
    ROW(set_trap_table, set_trap_table, HC_ANY),
    ROW(stack_switch, stack_switch, HC_ANY),
    ROW(fpu_taskswitch, fpu_taskswitch, HC_ANY),
    ROW(xen_version, xen_version, HC_ANY),
    ROW(console_io, console_io, HC_ANY),
    ROW(vm_assist, vm_assist, HC_ANY),
    ROW(iret, iret, HC_ANY),
    ROW(sched_op, sched_op, HC_ANY),
    ROW(callback_op, callback_op, HC_ANY),
    ROW(set_callbacks, set_callbacks, HC_ANY),
    ROW(platform_op, platform_op, HC_PRIV),
    ROW(xenpmu_op, xenpmu_op, HC_ANY),
    ROW(event_channel_op, event_channel_op, HC_ANY),
    ROW(event_channel_op_compat, event_channel_op_compat, HC_ANY),
    ROW(set_gdt, set_gdt, HC_ANY),
    ROW(update_descriptor, update_descriptor, HC_ANY),
    ROW(set_segment_base, set_segment_base, HC_ANY),
    ROW(set_debugreg, set_debugreg, HC_ANY),
    ROW(get_debugreg, get_debugreg, HC_ANY),
    ROW(vcpu_op, vcpu_op, HC_ANY),
    ROW(set_timer_op, set_timer_op, HC_ANY),
    ROW(physdev_op, physdev_op, HC_ANY),
    ROW(sched_op_compat, sched_op_compat, HC_ANY),
    ROW(multicall, multicall, HC_ANY),
    ROW(memory_op, memory_op, HC_ANY),
    ROW(grant_table_op, grant_table_op, HC_ANY),
    ROW(mmu_update, mmu_update, HC_ANY),
    ROW(update_va_mapping, update_va_mapping, HC_ANY),
    ROW(mmuext_op, mmuext_op, HC_ANY),
    ROW(update_va_mapping_otherdomain, update_va_mapping_otherdomain, HC_ANY),
};

/*
 * One hypercall through the table, with its permission check: from the
 * SYSCALL entry and from each entry of a multicall alike.
 */
long hypercall_dispatch_op(unsigned long op, const unsigned long *args)
{
    const struct hypercall_row *row;

    if ( op >= ARRAY_SIZE(hypercall_table) || !hypercall_table[op].fn )
        return -ENOSYS;
    row = &hypercall_table[op];
    if ( row->perm == HC_PRIV && !current->domain->is_privileged )
        return -EPERM;
    return row->fn(args);
}

/*
 * Continuations. A long hypercall asks hypercall_preempt_check() between
 * steps; when it says stop, the handler returns
 * hypercall_create_continuation() with the arguments that describe the rest
 * of the work. The guest's SYSCALL (2 bytes, inline or in the hypercall
 * page) then runs again when the vCPU next returns to the guest, after the
 * pending softirqs ran and a pending event was delivered. Only for a call
 * made directly (hypercall_can_continue()): a multicall's entries are not in
 * the registers.
 */
bool hypercall_preempt_check(void)
{
    const vcpu_info_t *vi = current->vcpu_info;

    return softirq_pending(smp_processor_id()) ||
           (vi->evtchn_upcall_pending && !vi->evtchn_upcall_mask);
}

bool hypercall_can_continue(unsigned int nr)
{
    /* A direct call still has its number in the saved rax (set on return). */
    return guest_cpu_user_regs()->rax == nr;
}

long hypercall_create_continuation(unsigned int nr, unsigned long a0, unsigned long a1,
                                   unsigned long a2)
{
    struct cpu_user_regs *regs = guest_cpu_user_regs();

    ASSERT(hypercall_can_continue(nr));
    regs->rdi = a0;
    regs->rsi = a1;
    regs->rdx = a2;
    regs->rip -= 2;
    return nr; /* what pv_hypercall() puts back in rax */
}

void pv_hypercall(struct cpu_user_regs *regs)
{
    const unsigned long args[5] = {regs->rdi, regs->rsi, regs->rdx, regs->r10, regs->r8};

    regs->rax = hypercall_dispatch_op(regs->rax, args);
}
