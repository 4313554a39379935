/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Starting a PV vCPU on a physical CPU, and its time info.
 *
 * Time: the guest computes system time from its own RDTSC as
 *     system_time + ((((tsc - tsc_timestamp) << shift) * mul) >> 32)
 * (shift may be negative: a right shift), so mul/shift encode ns per TSC
 * tick. Updates are a seqlock on version: odd while being written.
 */
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/sched.h>
#include <xen/time.h>
#include <asm/guest_access.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/pv.h>
#include <asm/platform.h>
#include <asm/pv_build.h>
#include <asm/pv_mm.h>
#include <public/vcpu.h>

extern noreturn void reset_stack_and_return_to_guest(struct cpu_user_regs *frame);
extern noreturn void reset_stack_and_call_idle(unsigned long stack_top);

/* mul/shift with ns = ((ticks << shift) * mul) >> 32 and mul < 2^32. */
static void tsc_scale(unsigned long khz, u32 *mul, s8 *shift)
{
    u64 ns_per_tick_32 = (1000000ULL << 32) / khz; /* ns per tick, 32.32 fixed point */
    int s = 0;

    while ( ns_per_tick_32 >= (1ULL << 32) )
    {
        ns_per_tick_32 >>= 1;
        s++;
    }
    while ( ns_per_tick_32 < (1ULL << 31) )
    {
        ns_per_tick_32 <<= 1;
        s--;
    }
    *mul = (u32)ns_per_tick_32;
    *shift = (s8)s;
}

/*
 * The secondary copy (VCPUOP_register_vcpu_time_memory_area, Linux's vDSO
 * clock): odd version first, then the body, then the even version, so a
 * reader never takes a half-written copy. Versions grow with vcpu_info's.
 */
static void publish_time_copy(struct vcpu *v, const struct vcpu_time_info *t)
{
    struct vcpu_time_info copy = *t;
    unsigned long va = v->time_info_guest;
    bool switched = pv_enter_kernel_tables(v); /* once for the three writes */

    copy.version = t->version - 1;
    if ( !copy_to_guest_va(va, &copy.version, sizeof(copy.version)) )
    {
        barrier();
        copy_to_guest_va(va, &copy, sizeof(copy));
        barrier();
        copy_to_guest_va(va, &t->version, sizeof(t->version));
    }
    pv_leave_kernel_tables(v, switched);
}

void pv_update_vcpu_time(struct vcpu *v)
{
    struct vcpu_time_info *t = &v->vcpu_info->time;
    u32 mul;
    s8 shift;

    if ( !cpu_khz )
        return;
    tsc_scale(cpu_khz, &mul, &shift);
    t->version = (t->version + 1) | 1;
    barrier();
    t->tsc_timestamp = rdtsc();
    t->system_time = NOW();
    t->tsc_to_system_mul = mul;
    t->tsc_shift = shift;
    t->flags = XEN_PVCLOCK_TSC_STABLE_BIT;
    barrier();
    t->version++;
    if ( v->time_info_guest && v == current )
        publish_time_copy(v, t);
}

#define DR7_RESERVED 0x0000d800UL /* bits 11, 12, 14, 15: cleared */
#define DR7_ONE      0x00000400UL /* bit 10 reads as 1 */
#define DR7_GD       (1UL << 13)
#define DR7_ENABLES  0xffUL
#define DR6_DEFAULT  0xffff0ff0UL /* reserved bits that read as 1 */
#define DR6_STATUS   0x0000e00fUL /* B0-B3, BD, BS, BT */
#define CR4_DE       (1UL << 3)

static void load_debugreg(unsigned int reg, unsigned long value);

/* A fresh FPU/SSE state: what FNINIT and the MXCSR reset value give. */
void pv_init_fpu(struct vcpu *v)
{
    memset(v->fpu_ctxt, 0, sizeof(v->fpu_ctxt));
    *(u16 *)&v->fpu_ctxt[0] = 0x037f;  /* FCW */
    *(u32 *)&v->fpu_ctxt[24] = 0x1f80; /* MXCSR */
}

/*
 * The guest's data selectors: nothing in the hypervisor loads %ds-%gs, so
 * the CPU holds the guest's until the next vCPU's are loaded.
 */
static void save_selectors(struct vcpu *v)
{
    unsigned int ds, es, fs, gs;

    __asm__ volatile("mov %%ds, %0; mov %%es, %1; mov %%fs, %2; mov %%gs, %3"
                     : "=r"(ds), "=r"(es), "=r"(fs), "=r"(gs));
    v->user_regs.ds = ds;
    v->user_regs.es = es;
    v->user_regs.fs = fs;
    v->user_regs.gs = gs;
}

/*
 * Load one selector; one the CPU refuses now (its descriptor changed since
 * it was saved) stays null and counts in failed.
 */
#define LOAD_SELECTOR(seg, sel, failed)                                                            \
    __asm__ volatile("1: mov %w1, %%" #seg "\n"                                                    \
                     "   jmp 3f\n"                                                                 \
                     "2: incl %0\n"                                                                \
                     "3:\n"                                                                        \
                     "    .pushsection .ex_table, \"a\"\n"                                         \
                     "    .balign 8\n"                                                             \
                     "    .quad 1b, 2b\n"                                                          \
                     "    .popsection\n"                                                           \
                     : "+r"(failed)                                                                \
                     : "r"(sel))

/* After the vCPU's GDT is loaded; the FS/GS bases are written afterwards. How many failed? */
static unsigned int load_selectors(const struct vcpu *v)
{
    unsigned int failed = 0;

    LOAD_SELECTOR(ds, v->user_regs.ds, failed);
    LOAD_SELECTOR(es, v->user_regs.es, failed);
    LOAD_SELECTOR(fs, v->user_regs.fs, failed);
    LOAD_SELECTOR(gs, v->user_regs.gs, failed);
    return failed;
}

/* Everything of v that lives in the CPU goes back into struct vcpu. */
void pv_save_vcpu(struct vcpu *v)
{
    struct cpu_info *ci = get_cpu_info();

    vcpu_runstate_change(v, v->sched_state == SCHED_BLOCKED   ? RUNSTATE_blocked
                            : v->sched_state == SCHED_OFFLINE ? RUNSTATE_offline
                                                              : RUNSTATE_runnable);
    v->user_regs = ci->guest_cpu_user_regs;
    save_selectors(v);
    v->pv.fs_base = rdmsr(MSR_FS_BASE);
    if ( v->pv.in_kernel )
        v->pv.gs_base_kernel = rdmsr(MSR_GS_BASE);
    else
        v->pv.gs_base_user = rdmsr(MSR_GS_BASE);
    if ( v->pv.debugreg[7] & DR7_ENABLES )
        load_debugreg(7, 0);             /* its breakpoints must not fire for the next vCPU */
    write_cr0(read_cr0() & ~X86_CR0_TS); /* fxsave would fault under TS */
    __asm__ volatile("fxsave64 %0" : "=m"(v->fpu_ctxt));
    /* After every store above: another CPU may now take v (steal_work()). */
    __atomic_store_n(&v->is_running, false, __ATOMIC_RELEASE);
}

/* Nothing to run: the idle page tables and the idle loop, on a fresh stack. */
noreturn void pv_enter_idle(void)
{
    struct cpu_info *ci = get_cpu_info();

    ci->curr_vcpu = NULL;
    write_cr3(idle_pg_table_maddr());
    reset_stack_and_call_idle((unsigned long)ci);
}

noreturn void pv_start_vcpu(struct vcpu *v)
{
    struct cpu_info *ci = get_cpu_info();
    unsigned int bad_selectors;

    /*
     * The vCPU switched out counts as off this CPU since pv_save_vcpu(), so
     * its domain's teardown may free the page tables still in CR3. Typing
     * v's LDT pages can take long (TLB shootdowns, interrupts on): do it on
     * the idle tables, as the idle loop would.
     */
    if ( v->pv.ldt_ents )
    {
        ci->curr_vcpu = NULL;
        write_cr3(idle_pg_table_maddr());
        pv_prepare_ldt(v); /* may flush TLBs: interrupts still on */
    }
    local_irq_disable();
    ci->curr_vcpu = v;
    v->is_running = true;
    ci->guest_cpu_user_regs = v->user_regs;
    write_cr0(read_cr0() & ~X86_CR0_TS);
    __asm__ volatile("fxrstor64 %0" ::"m"(v->fpu_ctxt));
    if ( v->pv.fpu_ts )
        write_cr0(read_cr0() | X86_CR0_TS);
    /* Null selectors while the GDT changes: the old vCPU's may not exist in the new one. */
    __asm__ volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%fs; mov %0, %%gs" ::"r"(0));
    pv_load_page_tables(v);
    pv_load_gdt(v);
    pv_load_ldt(v);
    bad_selectors = load_selectors(v);
    /* Loading %fs/%gs set their bases from the descriptors: the saved ones win. */
    wrmsr(MSR_FS_BASE, v->pv.fs_base);
    wrmsr(MSR_GS_BASE, v->pv.in_kernel ? v->pv.gs_base_kernel : v->pv.gs_base_user);
    /*
     * As Xen: a saved selector that no longer loads (the guest changed its
     * descriptor meanwhile) sends the guest to its failsafe callback, with
     * the saved selectors in the frame; the failed ones are null now.
     */
    if ( bad_selectors )
    {
        ci->guest_cpu_user_regs.ds = v->user_regs.ds;
        ci->guest_cpu_user_regs.es = v->user_regs.es;
        ci->guest_cpu_user_regs.fs = v->user_regs.fs;
        ci->guest_cpu_user_regs.gs = v->user_regs.gs;
        pv_failsafe_callback(v, &ci->guest_cpu_user_regs);
    }
    if ( v->pv.debugreg[7] & DR7_ENABLES )
        for ( unsigned int r = 0; r < 8; r++ )
            load_debugreg(r, v->pv.debugreg[r]);
    pv_update_vcpu_time(v);
    vcpu_runstate_change(v, RUNSTATE_running);
    reset_stack_and_return_to_guest(&ci->guest_cpu_user_regs);
}

/* ---- VCPUOP_initialise ---------------------------------------------------- */

static bool context_addresses_ok(const struct vcpu_guest_context *c)
{
    const unsigned long addrs[] = {c->user_regs.rip, c->event_callback_eip,
                                   c->failsafe_callback_eip, c->syscall_callback_eip, c->kernel_sp};

    for ( unsigned int i = 0; i < ARRAY_SIZE(addrs); i++ )
        if ( !is_canonical(addrs[i]) )
            return false;
    return is_canonical(c->fs_base) && is_canonical(c->gs_base_kernel) &&
           is_canonical(c->gs_base_user) && c->gdt_ents <= FIRST_RESERVED_GDT_ENTRY &&
           is_canonical(c->ldt_base) && !(c->ldt_base & (PAGE_SIZE - 1)) && c->ldt_ents <= 8192;
}

static void load_context(struct vcpu *v, const struct vcpu_guest_context *c)
{
    struct pv_vcpu *pv = &v->pv;

    v->user_regs = c->user_regs;
    v->user_regs.cs |= 3;
    v->user_regs.ss |= 3;
    v->user_regs.rflags = (c->user_regs.rflags & ~X86_EFLAGS_IOPL) | X86_EFLAGS_IF;
    /*
     * The context's IOPL field is the vCPU's virtual IOPL, as set_iopl would
     * set it: Linux starts secondary vCPUs with IOPL 1 and uses port I/O
     * (PCI config space) on them before any physdev_op.
     */
    pv->iopl = (c->user_regs.rflags & X86_EFLAGS_IOPL) >> 12;
    for ( unsigned int i = 0; i < 256; i++ )
    {
        pv->trap_ctxt[i] = c->trap_ctxt[i];
        if ( !guest_range_ok(pv->trap_ctxt[i].address, 1) )
            pv->trap_ctxt[i].address = 0;
    }
    pv->kernel_ss = c->kernel_ss;
    pv->kernel_sp = c->kernel_sp;
    pv->event_callback_eip = c->event_callback_eip;
    pv->failsafe_callback_eip = c->failsafe_callback_eip;
    pv->syscall_callback_eip = c->syscall_callback_eip;
    pv->callback_flags = c->flags & (VGCF_failsafe_disables_events | VGCF_syscall_disables_events);
    pv->fs_base = c->fs_base;
    pv->gs_base_kernel = c->gs_base_kernel;
    pv->gs_base_user = c->gs_base_user;
    pv->in_kernel = true;
    if ( c->flags & VGCF_i387_valid )
        memcpy(v->fpu_ctxt, &c->fpu_ctxt, sizeof(v->fpu_ctxt));
    else
        pv_init_fpu(v);
}

/* Page tables and GDT: these take references and may fail. */
static long load_context_tables(struct vcpu *v, const struct vcpu_guest_context *c)
{
    long rc = pv_set_guest_table(v, xen_cr3_to_pfn(c->ctrlreg[3]), false);

    if ( rc )
        return rc;
    if ( c->ctrlreg[1] )
    {
        rc = pv_set_guest_table(v, xen_cr3_to_pfn(c->ctrlreg[1]), true);
        if ( rc )
            return rc;
    }
    rc = c->gdt_ents ? pv_set_gdt(v, c->gdt_frames, c->gdt_ents) : 0;
    /* Checked above as Xen checks it; its pages are typed when first used. */
    return rc ? rc : pv_set_ldt(v, c->ldt_base, c->ldt_ents);
}

long pv_vcpu_initialise(struct vcpu *v, unsigned long guest_ctxt)
{
    struct vcpu_guest_context *c;
    long rc;

    if ( v->is_initialised )
        return -EEXIST;
    c = xmalloc(struct vcpu_guest_context);
    if ( !c )
        return -ENOMEM;
    rc = -EFAULT;
    if ( copy_from_guest_va(c, guest_ctxt, sizeof(*c)) )
        goto out;
    rc = -EINVAL;
    if ( !context_addresses_ok(c) || !c->ctrlreg[3] )
        goto out;
    rc = load_context_tables(v, c);
    if ( rc )
        goto out;
    /* Checked against the GDT just loaded. */
    rc = -EINVAL;
    if ( !pv_return_selectors_ok(v, (c->user_regs.cs | 3) & 0xffff,
                                 (c->user_regs.ss | 3) & 0xffff) )
        goto out;
    rc = 0;
    load_context(v, c);
    v->is_initialised = true;
out:
    xfree(c);
    return rc;
}

/* ---- debug registers --------------------------------------------------------- */

/* R/W = 10 in a slot is an I/O breakpoint, which needs CR4.DE: refused. */
static bool dr7_has_io_breakpoint(unsigned long dr7)
{
    for ( unsigned int i = 0; i < 4; i++ )
        if ( ((dr7 >> (16 + 4 * i)) & 3) == 2 )
            return true;
    return false;
}

static void load_debugreg(unsigned int reg, unsigned long value)
{
    switch ( reg )
    {
    case 0: __asm__ volatile("mov %0, %%db0" ::"r"(value)); break;
    case 1: __asm__ volatile("mov %0, %%db1" ::"r"(value)); break;
    case 2: __asm__ volatile("mov %0, %%db2" ::"r"(value)); break;
    case 3: __asm__ volatile("mov %0, %%db3" ::"r"(value)); break;
    case 6: __asm__ volatile("mov %0, %%db6" ::"r"(value)); break;
    case 7: __asm__ volatile("mov %0, %%db7" ::"r"(value)); break;
    default: break;
    }
}

/* DR4 and DR5 are DR6 and DR7 while CR4.DE is clear; -1 for no register. */
static int debugreg_index(const struct vcpu *v, unsigned long reg)
{
    if ( reg == 4 || reg == 5 )
        return v->pv.ctrlreg[4] & CR4_DE ? -1 : (int)reg + 2;
    return reg < 8 ? (int)reg : -1;
}

/*
 * set_debugreg with Xen's codes: -ENODEV for no such register, -EINVAL for
 * bits 32-63 of DR6/DR7, -EPERM for what the guest may not have (a
 * breakpoint on a hypervisor address, DR7.GD, I/O breakpoints). Reserved
 * bits are forced to their fixed values rather than refused.
 */
long do_set_debugreg(unsigned long reg, unsigned long value)
{
    struct vcpu *v = current;
    int r = debugreg_index(v, reg);

    if ( r < 0 )
        return -ENODEV;
    switch ( r )
    {
    case 0:
    case 1:
    case 2:
    case 3:
        /* A breakpoint on a hypervisor address would fire in the hypervisor. */
        if ( !guest_range_ok(value, 8) )
            return -EPERM;
        break;
    case 6:
        if ( value >> 32 )
            return -EINVAL;
        value = (value & DR6_STATUS) | DR6_DEFAULT;
        break;
    case 7:
        if ( value >> 32 )
            return -EINVAL;
        value = (value & ~DR7_RESERVED) | DR7_ONE;
        if ( (value & DR7_GD) || dr7_has_io_breakpoint(value) )
            return -EPERM;
        break;
    default: return -ENODEV;
    }
    v->pv.debugreg[r] = value;
    load_debugreg(r, value);
    return 0;
}

unsigned long do_get_debugreg(unsigned long reg)
{
    int r = debugreg_index(current, reg);

    return r < 0 || r == 4 || r == 5 ? (unsigned long)-ENODEV : current->pv.debugreg[r];
}

/*
 * A #DB: the status bits the CPU set go into the vCPU's DR6 (which keeps
 * them until the guest writes it, as the CPU's does), and the CPU's DR6 is
 * reset so the next #DB reports only its own cause.
 */
void pv_record_debug_status(struct vcpu *v)
{
    unsigned long dr6;

    __asm__ volatile("mov %%db6, %0" : "=r"(dr6));
    v->pv.debugreg[6] |= (dr6 & DR6_STATUS) | DR6_DEFAULT;
    load_debugreg(6, DR6_DEFAULT);
}
