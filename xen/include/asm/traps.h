/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef ASM_TRAPS_H
#define ASM_TRAPS_H

#include <xen/types.h>
#include <public/xen.h>

#define X86_EXC_DE       0
#define X86_EXC_DB       1
#define X86_EXC_NMI      2
#define X86_EXC_BP       3
#define X86_EXC_OF       4
#define X86_EXC_BR       5
#define X86_EXC_UD       6
#define X86_EXC_NM       7
#define X86_EXC_DF       8
#define X86_EXC_TS       10
#define X86_EXC_NP       11
#define X86_EXC_SS       12
#define X86_EXC_GP       13
#define X86_EXC_PF       14
#define X86_EXC_MF       16
#define X86_EXC_AC       17
#define X86_EXC_MC       18
#define X86_EXC_XM       19
#define FIRST_IRQ_VECTOR 32

/* Exception fix-ups: a fault at insn resumes at fixup (fault-safe accessors). */
struct exception_table_entry
{
    unsigned long insn, fixup;
};

void trap_init(void);
void *this_cpu_hypervisor_gdt(void);
void cpu_init_tables(unsigned int cpu, void *stack_base);
void show_registers(const struct cpu_user_regs *regs);
void show_stack_trace(unsigned long rbp, unsigned long rip);
noreturn void fatal_trap(const struct cpu_user_regs *regs, const char *why);
void do_entry(struct cpu_user_regs *regs);

/* Interrupt vectors (>= 32) are routed here; set_irq_handler installs them. */
typedef void (*irq_handler_t)(struct cpu_user_regs *regs, unsigned int vector);
void set_irq_handler(unsigned int vector, irq_handler_t fn);

#endif
