/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PV vCPU mode and exception routing.
 *
 * Exceptions a guest raises come here from do_entry(): the ones the
 * hypervisor must look at first (#PF for writable page tables, #GP for
 * privileged instructions and software interrupts, #UD for the forced
 * CPUID prefix) are tried against the emulators; everything else goes to
 * the guest's own handler through its virtual IDT.
 */
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/sched.h>
#include <asm/guest_access.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <asm/pv.h>
#include <asm/pv_mm.h>
#include <asm/traps.h>

void pv_load_page_tables(struct vcpu *v)
{
    unsigned long mfn = v->pv.in_kernel ? v->pv.guest_table : v->pv.guest_table_user;

    ASSERT(mfn);
    write_cr3(pfn_to_paddr(mfn));
}

/*
 * The areas the hypervisor keeps up to date in guest memory (runstate, the
 * secondary vcpu_time_info, the I/O bitmap it reads) are kernel addresses,
 * and a vCPU in user mode runs on its user L4, which maps none of them: as
 * Xen does, such accesses run on the kernel's tables. v is current on this
 * CPU. Returns whether the tables were switched, for pv_leave_kernel_tables().
 */
bool pv_enter_kernel_tables(const struct vcpu *v)
{
    if ( v->pv.in_kernel || !v->pv.guest_table_user )
        return false;
    write_cr3(pfn_to_paddr(v->pv.guest_table));
    return true;
}

void pv_leave_kernel_tables(const struct vcpu *v, bool switched)
{
    if ( switched )
        write_cr3(pfn_to_paddr(v->pv.guest_table_user));
}

int pv_copy_to_guest_kernel(struct vcpu *v, unsigned long va, const void *src, size_t len)
{
    bool switched = pv_enter_kernel_tables(v);
    int rc = copy_to_guest_va(va, src, len);

    pv_leave_kernel_tables(v, switched);
    return rc;
}

/*
 * "int $n" from ring 3 raises #GP (error code: the IDT entry) when the gate's
 * DPL forbids it. The vector is taken from the instruction itself, which is
 * exact whatever the error code says; the guest's virtual IDT decides
 * whether the guest may use that vector from its current mode.
 */
static bool bounce_software_interrupt(struct vcpu *v, struct cpu_user_regs *regs)
{
    u8 insn[2];
    const struct trap_info *ti;
    unsigned int needed_dpl = v->pv.in_kernel ? 1 : 3;

    if ( !(regs->error_code & 2) || copy_from_guest_va(insn, regs->rip, sizeof(insn)) ||
         insn[0] != 0xcd )
        return false;
    ti = &v->pv.trap_ctxt[insn[1]];
    if ( !ti->address || TI_GET_DPL(ti) < needed_dpl )
        return false;
    regs->rip += 2;
    pv_inject_exception(v, insn[1], 0);
    return true;
}

void pv_handle_exception(struct cpu_user_regs *regs)
{
    struct vcpu *v = current;
    unsigned int vector = regs->entry_vector;

    switch ( vector )
    {
    case X86_EXC_DF:
    case X86_EXC_MC: fatal_trap(regs, "machine check or double fault in guest context");
    case X86_EXC_PF:
        if ( pv_ldt_page_fault(regs, read_cr2()) || pv_ro_page_fault(regs) )
            return;
        pv_inject_page_fault(v, read_cr2(), regs->error_code);
        return;
    case X86_EXC_GP:
        if ( bounce_software_interrupt(v, regs) || pv_emulate_privileged_op(regs) )
            return;
        break;
    case X86_EXC_UD:
        if ( pv_emulate_forced_cpuid(regs) )
            return;
        break;
    case X86_EXC_DB: pv_record_debug_status(v); break;
    default: break;
    }
    pv_inject_exception(v, vector, regs->error_code);
}
