/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Per-CPU data and the per-CPU block at the top of every stack.
 *
 * Each CPU's stack is STACK_SIZE bytes, aligned to STACK_SIZE: the lowest
 * page is spare, the next three are the IST stacks for #DF, NMI and #MC, the
 * rest the normal stack, whose top holds struct cpu_info. Any code can find
 * its CPU's cpu_info by rounding %rsp up, IST handlers included.
 *
 * Per-CPU variables (DEFINE_PER_CPU) live in .bss.percpu and start zeroed:
 * the boot CPU uses that template in place, every other CPU a zeroed copy
 * at __per_cpu_offset[cpu].
 */
#ifndef ASM_PERCPU_H
#define ASM_PERCPU_H

#include <xen/config.h>
#include <xen/types.h>
#include <public/xen.h>

struct vcpu;

/*
 * guest_cpu_user_regs comes first and ends exactly where TSS.rsp0 points, so
 * an interrupt or exception from a guest (ring 3) builds its frame right
 * here, and the SYSCALL path builds the same frame by hand: a guest's
 * registers are always at a fixed place while it is in the hypervisor.
 */
struct cpu_info
{
    struct cpu_user_regs guest_cpu_user_regs;
    unsigned int processor_id;
    unsigned int apic_id;
    struct vcpu *curr_vcpu; /* NULL while idle */
    unsigned long per_cpu_offset;
    unsigned long syscall_scratch; /* guest %rsp while the SYSCALL path switches stacks */
    unsigned long frame_top;       /* guest_frame_top(this): the SYSCALL path's stack */
    unsigned long spare;           /* keeps frame_top % 16 == CPUINFO_SIZE % 16 */
};

/* Where TSS.rsp0 and the SYSCALL path put the top of a guest frame. */
#define guest_frame_top(ci) ((unsigned long)&(ci)->guest_cpu_user_regs.es)

#define IST_DF  1
#define IST_NMI 2
#define IST_MC  3

static inline struct cpu_info *get_cpu_info(void)
{
    unsigned long sp;
    __asm__("mov %%rsp, %0" : "=r"(sp));
    return (struct cpu_info *)((sp | (STACK_SIZE - 1)) + 1) - 1;
}

static inline unsigned int smp_processor_id(void)
{
    return get_cpu_info()->processor_id;
}

extern unsigned long __per_cpu_offset[NR_CPUS];

#define DEFINE_PER_CPU(type, name)                                                                 \
    __attribute__((section(".bss.percpu"))) __typeof__(type) per_cpu__##name
#define DECLARE_PER_CPU(type, name) extern __typeof__(type) per_cpu__##name
#define per_cpu(name, cpu)                                                                         \
    (*(__typeof__(&per_cpu__##name))((char *)&per_cpu__##name + __per_cpu_offset[cpu]))
#define this_cpu(name)                                                                             \
    (*(__typeof__(&per_cpu__##name))((char *)&per_cpu__##name + get_cpu_info()->per_cpu_offset))

#endif
