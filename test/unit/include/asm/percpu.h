/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host override of asm/percpu.h for unit tests. The real header finds the
 * CPU by rounding %rsp up to the per-CPU block at the top of the stack,
 * which does not exist on a host thread. Reuse the real header for every
 * type and macro, and only replace the two accessors with the harness's
 * simulated CPU (harness_set_cpu()).
 */
#ifndef UNIT_ASM_PERCPU_H
#define UNIT_ASM_PERCPU_H

#define get_cpu_info     hx_stack_get_cpu_info
#define smp_processor_id hx_stack_smp_processor_id
#include_next <asm/percpu.h>
#undef get_cpu_info
#undef smp_processor_id

struct cpu_info *harness_cpu_info(void);

static inline struct cpu_info *get_cpu_info(void)
{
    return harness_cpu_info();
}

static inline unsigned int smp_processor_id(void)
{
    return get_cpu_info()->processor_id;
}

#endif
