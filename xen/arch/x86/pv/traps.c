/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PV guest traps: delivering exceptions, events and system calls to a 64-bit
 * PV guest, and the hypercalls that configure that (set_trap_table,
 * callback_op, stack_switch, iret).
 *
 * A 64-bit PV guest runs its kernel and its user space in ring 3; it tells
 * them apart only by v->pv.in_kernel, and each mode has its own L4 (kernel
 * and user page tables) and its own GS base. Anything that enters the guest
 * kernel from guest user mode first switches mode (toggle_guest_mode).
 *
 * Entering the guest kernel means building a "bounce frame" on its stack,
 * the layout Linux's xen-asm.S expects (ascending addresses):
 *     rcx, r11, [ds, es, fs, gs if failsafe], [error code], rip,
 *     cs (saved upcall mask in bits 32-39), rflags, rsp, ss
 * and resuming the guest at the handler with that stack. The frame's IF is
 * the inverse of the upcall mask: the guest's virtual interrupt flag.
 */
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/sched.h>
#include <xen/softirq.h>
#include <asm/guest_access.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/pv.h>
#include <asm/traps.h>
#include <public/callback.h>

#define TBF_ERRCODE   1 /* push an error code */
#define TBF_INTERRUPT 2 /* mask events on entry */
#define TBF_FAILSAFE  4 /* push the data segment selectors */

/* Cleared on entry: what an interrupt gate clears, and AC (as Xen: no #AC in a handler). */
#define EFLAGS_CLEARED_ON_TRAP                                                                     \
    (X86_EFLAGS_TF | X86_EFLAGS_NT | (1u << 16) | (1u << 17) | X86_EFLAGS_AC)

struct vcpu *current_vcpu(void)
{
    return get_cpu_info()->curr_vcpu;
}

struct cpu_user_regs *guest_cpu_user_regs(void)
{
    return &get_cpu_info()->guest_cpu_user_regs;
}

/* Switch between guest kernel and guest user mode: page tables and GS base. */
void toggle_guest_mode(struct vcpu *v)
{
    if ( v->pv.in_kernel )
    {
        v->pv.gs_base_kernel = rdmsr(MSR_GS_BASE);
        wrmsr(MSR_GS_BASE, v->pv.gs_base_user);
    }
    else
    {
        v->pv.gs_base_user = rdmsr(MSR_GS_BASE);
        wrmsr(MSR_GS_BASE, v->pv.gs_base_kernel);
    }
    v->pv.in_kernel = !v->pv.in_kernel;
    pv_load_page_tables(v);
}

static bool events_masked(const struct vcpu *v)
{
    return v->vcpu_info->evtchn_upcall_mask;
}

/*
 * Resume the guest kernel at target with a bounce frame describing the
 * interrupted context. Returns false (and the domain is crashed) when the
 * guest kernel stack cannot take the frame.
 */
static bool create_bounce_frame(struct vcpu *v, struct cpu_user_regs *regs, unsigned long target,
                                unsigned int flags, u32 error_code)
{
    unsigned long frame[13], *p = &frame[ARRAY_SIZE(frame)];
    bool from_user = !v->pv.in_kernel;
    u8 saved_mask = v->vcpu_info->evtchn_upcall_mask;
    unsigned long sp, cs = regs->cs;
    unsigned int n;

    if ( from_user )
    {
        toggle_guest_mode(v);
        sp = v->pv.kernel_sp;
    }
    else
    {
        sp = regs->rsp;
        cs &= ~3UL; /* guest kernel context: Linux tests cs & 3 */
    }
    sp &= ~0xfUL;

    *--p = regs->ss;
    *--p = regs->rsp;
    *--p = (regs->rflags & ~(X86_EFLAGS_IF | X86_EFLAGS_IOPL)) | (saved_mask ? 0 : X86_EFLAGS_IF);
    *--p = cs | ((unsigned long)saved_mask << 32);
    *--p = regs->rip;
    if ( flags & TBF_ERRCODE )
        *--p = error_code;
    if ( flags & TBF_FAILSAFE )
    {
        *--p = regs->gs;
        *--p = regs->fs;
        *--p = regs->es;
        *--p = regs->ds;
    }
    *--p = regs->r11;
    *--p = regs->rcx;
    n = &frame[ARRAY_SIZE(frame)] - p;
    sp -= n * sizeof(unsigned long);
    if ( copy_to_guest_va(sp, p, n * sizeof(unsigned long)) )
    {
        printk(XENLOG_G_ERR "d%uv%u: cannot write a bounce frame at %#lx\n", v->domain->domain_id,
               v->vcpu_id, sp);
        domain_crash(v->domain);
        return false;
    }

    if ( flags & TBF_INTERRUPT )
        v->vcpu_info->evtchn_upcall_mask = 1;
    regs->rsp = sp;
    regs->ss = FLAT_KERNEL_SS;
    regs->cs = FLAT_KERNEL_CS;
    regs->rip = target;
    regs->rflags = (regs->rflags & ~EFLAGS_CLEARED_ON_TRAP) | X86_EFLAGS_IF;
    return true;
}

/*
 * Enter the guest's failsafe callback: the guest context in regs (its data
 * selectors included) could not be resumed as it is. Without a callback the
 * domain cannot be helped: it is crashed (false).
 */
bool pv_failsafe_callback(struct vcpu *v, struct cpu_user_regs *regs)
{
    unsigned int flags = TBF_FAILSAFE;

    if ( !v->pv.failsafe_callback_eip )
    {
        printk(XENLOG_G_ERR "d%uv%u: cannot resume %04x:%#lx and no failsafe callback\n",
               v->domain->domain_id, v->vcpu_id, regs->cs, (unsigned long)regs->rip);
        domain_crash(v->domain);
        return false;
    }
    if ( v->pv.callback_flags & VGCF_failsafe_disables_events )
        flags |= TBF_INTERRUPT;
    return create_bounce_frame(v, regs, v->pv.failsafe_callback_eip, flags, 0);
}

/* The data selectors the guest has loaded now, for a failsafe frame. */
static void read_data_selectors(struct cpu_user_regs *regs)
{
    unsigned int ds, es, fs, gs;

    __asm__ volatile("mov %%ds, %0; mov %%es, %1; mov %%fs, %2; mov %%gs, %3"
                     : "=r"(ds), "=r"(es), "=r"(fs), "=r"(gs));
    regs->ds = ds;
    regs->es = es;
    regs->fs = fs;
    regs->gs = gs;
}

/*
 * The iretq to the guest faulted (entry.S's guest_iret_fault, interrupts
 * off): the context it was to resume, in regs, is not loadable any more.
 */
void pv_iret_fault(struct cpu_user_regs *regs)
{
    struct vcpu *v = current;

    printk(XENLOG_G_WARNING "d%uv%u: return to %04x:%#lx ss %04x faulted\n", v->domain->domain_id,
           v->vcpu_id, regs->cs, (unsigned long)regs->rip, regs->ss);
    read_data_selectors(regs);
    pv_failsafe_callback(v, regs);
}

static bool vector_has_error_code(unsigned int vector)
{
    return vector == X86_EXC_DF || (vector >= X86_EXC_TS && vector <= X86_EXC_PF) ||
           vector == X86_EXC_AC;
}

/* Deliver an exception to the guest through its virtual IDT. */
void pv_inject_exception(struct vcpu *v, unsigned int vector, u32 error_code)
{
    struct cpu_user_regs *regs = guest_cpu_user_regs();
    const struct trap_info *ti = &v->pv.trap_ctxt[vector];
    unsigned int flags = 0;

    if ( !ti->address )
    {
        printk(XENLOG_G_ERR "d%uv%u: unhandled exception %u (error %#x) at %#lx\n",
               v->domain->domain_id, v->vcpu_id, vector, error_code, (unsigned long)regs->rip);
        domain_crash(v->domain);
        return;
    }
    if ( vector_has_error_code(vector) )
        flags |= TBF_ERRCODE;
    if ( TI_GET_IF(ti) )
        flags |= TBF_INTERRUPT;
    if ( vector == X86_EXC_PF )
    {
        v->vcpu_info->arch.cr2 = read_cr2();
        if ( v->pv.in_kernel )
            error_code &= ~4u; /* the guest kernel is not "user" to itself */
    }
    create_bounce_frame(v, regs, ti->address, flags, error_code);
}

/* A page fault whose address the guest will read from vcpu_info. */
void pv_inject_page_fault(struct vcpu *v, unsigned long cr2, u32 error_code)
{
    struct cpu_user_regs *regs = guest_cpu_user_regs();
    const struct trap_info *ti = &v->pv.trap_ctxt[X86_EXC_PF];

    if ( !ti->address )
    {
        printk(XENLOG_G_ERR "d%uv%u: unhandled page fault at %#lx, address %#lx\n",
               v->domain->domain_id, v->vcpu_id, (unsigned long)regs->rip, cr2);
        domain_crash(v->domain);
        return;
    }
    v->vcpu_info->arch.cr2 = cr2;
    if ( v->pv.in_kernel )
        error_code &= ~4u;
    create_bounce_frame(v, regs, ti->address, TBF_ERRCODE | (TI_GET_IF(ti) ? TBF_INTERRUPT : 0),
                        error_code);
}

/* SYSCALL from ring 3: a hypercall from the guest kernel, a system call from its user space. */
void pv_syscall_entry(struct cpu_user_regs *regs)
{
    struct vcpu *v = current;

    local_irq_enable();
    if ( v->pv.in_kernel )
    {
        pv_hypercall(regs);
        return;
    }
    if ( !v->pv.syscall_callback_eip )
    {
        pv_inject_exception(v, X86_EXC_UD, 0);
        return;
    }
    /* The syscall instruction put the return address in rcx, flags in r11. */
    create_bounce_frame(v, regs, v->pv.syscall_callback_eip,
                        (v->pv.callback_flags & VGCF_syscall_disables_events) ? TBF_INTERRUPT : 0,
                        0);
}

/*
 * Last stop before returning to a guest, with interrupts off: run pending
 * softirqs (which may switch vCPU), then deliver a pending event.
 */
void pv_prepare_exit(struct cpu_user_regs *regs)
{
    struct vcpu *v;

    for ( ;; )
    {
        if ( softirq_pending(smp_processor_id()) )
        {
            local_irq_enable();
            do_softirq();
            local_irq_disable();
            continue;
        }
        v = current;
        if ( v->vcpu_info->evtchn_upcall_pending && !events_masked(v) && v->pv.event_callback_eip )
        {
            create_bounce_frame(v, regs, v->pv.event_callback_eip, TBF_INTERRUPT, 0);
            continue; /* the mask is set now: loops at most once more */
        }
        break;
    }
}

long do_set_trap_table(unsigned long guest_va)
{
    struct vcpu *v = current;
    struct trap_info ti;

    if ( !guest_va )
    {
        memset(v->pv.trap_ctxt, 0, sizeof(v->pv.trap_ctxt));
        return 0;
    }
    for ( unsigned int i = 0; i < 256; i++, guest_va += sizeof(ti) )
    {
        if ( copy_from_guest_va(&ti, guest_va, sizeof(ti)) )
            return -EFAULT;
        if ( !ti.address )
            break;
        /* A bounce to a non-canonical address would fault in the hypervisor. */
        if ( !is_canonical(ti.address) )
            return -EINVAL;
        ti.cs = FLAT_KERNEL_CS; /* one flat code segment on 64-bit PV */
        v->pv.trap_ctxt[ti.vector] = ti;
    }
    return 0;
}

long do_stack_switch(unsigned long ss, unsigned long esp)
{
    struct vcpu *v = current;

    v->pv.kernel_ss = ss;
    v->pv.kernel_sp = esp;
    return 0;
}

static long register_callback(const struct callback_register *cb)
{
    struct pv_vcpu *pv = &current->pv;
    unsigned long addr = cb->address;

    /* As Xen: only canonical; a hypervisor address faults in the guest, not here. */
    if ( !is_canonical(addr) )
        return -EINVAL;
    switch ( cb->type )
    {
    case CALLBACKTYPE_event: pv->event_callback_eip = addr; break;
    case CALLBACKTYPE_failsafe:
        pv->failsafe_callback_eip = addr;
        pv->callback_flags &= ~VGCF_failsafe_disables_events;
        if ( cb->flags & CALLBACKF_mask_events )
            pv->callback_flags |= VGCF_failsafe_disables_events;
        break;
    case CALLBACKTYPE_syscall:
        pv->syscall_callback_eip = addr;
        pv->callback_flags &= ~VGCF_syscall_disables_events;
        if ( cb->flags & CALLBACKF_mask_events )
            pv->callback_flags |= VGCF_syscall_disables_events;
        break;
    case CALLBACKTYPE_nmi:
    case CALLBACKTYPE_syscall32:
    case CALLBACKTYPE_sysenter: return 0; /* accepted, never used: no 32-bit guest user space yet */
    default: return -ENOSYS;
    }
    return 0;
}

/* As Xen: only the NMI callback can be unregistered (and ours is never used). */
static long unregister_callback(unsigned int type)
{
    switch ( type )
    {
    case CALLBACKTYPE_event:
    case CALLBACKTYPE_failsafe:
    case CALLBACKTYPE_syscall:
    case CALLBACKTYPE_syscall32:
    case CALLBACKTYPE_sysenter: return -EINVAL;
    case CALLBACKTYPE_nmi: return 0;
    default: return -ENOSYS;
    }
}

/*
 * The older form: the three 64-bit callbacks at once, each registered as by
 * callback_op without flags (so failsafe and syscall stop masking events).
 * As on Xen, a refused address leaves that callback as it was and the call
 * still answers 0.
 */
long do_set_callbacks(unsigned long event, unsigned long failsafe, unsigned long syscall)
{
    const struct callback_register cbs[] = {
        {.type = CALLBACKTYPE_event, .address = event},
        {.type = CALLBACKTYPE_failsafe, .address = failsafe},
        {.type = CALLBACKTYPE_syscall, .address = syscall},
    };

    for ( unsigned int i = 0; i < ARRAY_SIZE(cbs); i++ )
        (void)register_callback(&cbs[i]);
    return 0;
}

long do_callback_op(unsigned long cmd, unsigned long arg)
{
    struct callback_register reg;
    struct callback_unregister unreg;

    switch ( cmd )
    {
    case CALLBACKOP_register:
        if ( copy_from_guest_va(&reg, arg, sizeof(reg)) )
            return -EFAULT;
        return register_callback(&reg);
    case CALLBACKOP_unregister:
        if ( copy_from_guest_va(&unreg, arg, sizeof(unreg)) )
            return -EFAULT;
        return unregister_callback(unreg.type);
    default: return -ENOSYS;
    }
}

/*
 * HYPERVISOR_iret: the guest kernel's way back to an interrupted context.
 * The return value is the restored rax.
 */
long do_iret(void)
{
    struct cpu_user_regs *regs = guest_cpu_user_regs();
    struct vcpu *v = current;
    struct iret_context ic;
    unsigned int vector;
    u32 error_code;

    if ( copy_from_guest_va(&ic, regs->rsp, sizeof(ic)) )
    {
        domain_crash(v->domain);
        return -EFAULT;
    }
    if ( (ic.cs & 3) == 3 && v->pv.in_kernel )
    {
        if ( !v->pv.guest_table_user )
        {
            domain_crash(v->domain);
            return -EFAULT;
        }
        toggle_guest_mode(v);
    }
    /* Selectors are 16 bits: a bounce frame keeps the event mask above them. */
    ic.cs &= 0xffff;
    ic.ss &= 0xffff;
    regs->rip = ic.rip;
    regs->cs = ic.cs | 3;
    regs->rflags = (ic.rflags & ~(X86_EFLAGS_IOPL | X86_EFLAGS_NT)) | X86_EFLAGS_IF;
    regs->rsp = ic.rsp;
    regs->ss = ic.ss | 3;
    if ( !(ic.flags & VGCF_in_syscall) )
    {
        regs->r11 = ic.r11;
        regs->rcx = ic.rcx;
    }
    v->vcpu_info->evtchn_upcall_mask = !(ic.rflags & X86_EFLAGS_IF);
    /* Xen checks nothing here: its iretq faults, and the guest gets that fault. */
    if ( !is_canonical(ic.rip) )
        pv_inject_exception(v, X86_EXC_GP, 0);
    else if ( pv_return_selectors_fault(v, regs->cs, regs->ss, &vector, &error_code) )
        pv_inject_exception(v, vector, error_code);
    return ic.rax;
}

/* Virtual CR0.TS is real CR0.TS while the guest runs: its next FPU use raises #NM. */
void pv_set_fpu_ts(struct vcpu *v, bool ts)
{
    v->pv.fpu_ts = ts;
    if ( v == current )
        write_cr0(ts ? read_cr0() | X86_CR0_TS : read_cr0() & ~X86_CR0_TS);
}

long do_fpu_taskswitch(unsigned long set)
{
    pv_set_fpu_ts(current, !!set);
    return 0;
}
