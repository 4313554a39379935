/* SPDX-License-Identifier: GPL-2.0-only */
/* Interfaces between the PV guest support files (arch/x86/pv/). */
#ifndef ASM_PV_H
#define ASM_PV_H

#include <xen/sched.h>

struct cpu_user_regs *guest_cpu_user_regs(void);

static inline bool is_canonical(unsigned long va)
{
    return ((long)va >> 47) == 0 || ((long)va >> 47) == -1;
}

/* traps.c */
void toggle_guest_mode(struct vcpu *v);
void pv_set_fpu_ts(struct vcpu *v, bool ts);
void pv_inject_exception(struct vcpu *v, unsigned int vector, u32 error_code);
void pv_inject_page_fault(struct vcpu *v, unsigned long cr2, u32 error_code);

void pv_syscall_entry(struct cpu_user_regs *regs);
void pv_prepare_exit(struct cpu_user_regs *regs);
/* Enter the failsafe callback with regs' context (data selectors included); false: crashed. */
bool pv_failsafe_callback(struct vcpu *v, struct cpu_user_regs *regs);
void pv_iret_fault(struct cpu_user_regs *regs); /* entry.S: the iretq to the guest faulted */
void pv_handle_exception(struct cpu_user_regs *regs);

/* emulate.c: true when the instruction at regs->rip was emulated. */
bool pv_emulate_privileged_op(struct cpu_user_regs *regs);
bool pv_emulate_forced_cpuid(struct cpu_user_regs *regs);
struct cpuid_regs;
void pv_cpuid(const struct vcpu *v, u32 leaf, u32 subleaf, struct cpuid_regs *r);

/* hypercall.c */
void pv_hypercall(struct cpu_user_regs *regs);

/* domain.c: load CR3 for the vCPU's current mode. */
void pv_load_page_tables(struct vcpu *v);

/* Hypercall handlers implemented under arch/x86/pv/. */
long do_set_trap_table(unsigned long guest_va);
long do_stack_switch(unsigned long ss, unsigned long esp);
long do_callback_op(unsigned long cmd, unsigned long arg);
long do_platform_op(unsigned long arg);
/* Run on current vCPU v's kernel tables if it is in user mode (true: switched). */
bool pv_enter_kernel_tables(const struct vcpu *v);
void pv_leave_kernel_tables(const struct vcpu *v, bool switched);
/* Copy to a guest kernel address whatever mode current vCPU v is in: 0 or -EFAULT. */
int pv_copy_to_guest_kernel(struct vcpu *v, unsigned long va, const void *src, size_t len);
long do_set_callbacks(unsigned long event, unsigned long failsafe, unsigned long syscall);
long do_iret(void);
long do_fpu_taskswitch(unsigned long set);

/* descriptor.c */
bool check_descriptor(u64 *d);
/* Can an iretq to ring 3 load these selectors without faulting? */
bool pv_return_selectors_ok(const struct vcpu *v, unsigned long cs, unsigned long ss);
/* The exception (vector, error code) an iretq to ring 3 with cs and ss raises; false: none. */
bool pv_return_selectors_fault(const struct vcpu *v, unsigned long cs, unsigned long ss,
                               unsigned int *vector, u32 *error_code);
void pv_load_gdt(struct vcpu *v); /* NULL: no guest GDT */
void pv_gdt_cpu_init(const void *hypervisor_gdt_page);
long pv_set_gdt(struct vcpu *v, const unsigned long *frames, unsigned long entries);
void pv_release_gdt(struct vcpu *v);    /* drops the frames' references (teardown) */
void pv_load_ldt(const struct vcpu *v); /* NULL or no entries: LDTR null */
long pv_set_ldt(struct vcpu *v, unsigned long base, unsigned int ents); /* MMUEXT_SET_LDT */
void pv_prepare_ldt(struct vcpu *v); /* before v starts here, interrupts on */
void pv_release_ldt(struct vcpu *v); /* drops the frames' references (teardown) */
/* A #PF in this CPU's LDT window (addr = CR2): true if handled. */
bool pv_ldt_page_fault(struct cpu_user_regs *regs, unsigned long addr);
long do_set_gdt(unsigned long frame_list, unsigned long entries);
long do_update_descriptor(unsigned long maddr, unsigned long desc);
long do_set_segment_base(unsigned long which, unsigned long base);

/* vcpu.c */
long pv_vcpu_initialise(struct vcpu *v, unsigned long guest_ctxt);
long do_set_debugreg(unsigned long reg, unsigned long value);
unsigned long do_get_debugreg(unsigned long reg);
void pv_record_debug_status(struct vcpu *v);

/* physdev.c */
bool pv_iobitmap_allows(const struct vcpu *v, unsigned int port, unsigned int bytes);

void domain_crash(struct domain *d);

#endif
