/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Sets of CPUs. NR_CPUS is 64, so a mask is one word: every operation is a
 * plain or an atomic operation on that word. The _atomic variants are for
 * masks that several CPUs update at once (acknowledgement masks).
 */
#ifndef XEN_CPUMASK_H
#define XEN_CPUMASK_H

#include <xen/lib.h>

typedef struct cpumask
{
    u64 bits;
} cpumask_t;

BUILD_BUG_ON(NR_CPUS > 64);

#define CPU_MASK_NONE ((cpumask_t){0})

static inline cpumask_t cpumask_of(unsigned int cpu)
{
    return (cpumask_t){1ULL << cpu};
}

static inline void cpumask_clear(cpumask_t *m)
{
    m->bits = 0;
}

static inline void cpumask_set_cpu(unsigned int cpu, cpumask_t *m)
{
    __atomic_fetch_or(&m->bits, 1ULL << cpu, __ATOMIC_SEQ_CST);
}

static inline void cpumask_clear_cpu(unsigned int cpu, cpumask_t *m)
{
    __atomic_fetch_and(&m->bits, ~(1ULL << cpu), __ATOMIC_SEQ_CST);
}

static inline bool cpumask_test_cpu(unsigned int cpu, const cpumask_t *m)
{
    return cpu < NR_CPUS && (__atomic_load_n(&m->bits, __ATOMIC_ACQUIRE) >> cpu) & 1;
}

static inline bool cpumask_empty(const cpumask_t *m)
{
    return !__atomic_load_n(&m->bits, __ATOMIC_ACQUIRE);
}

static inline unsigned int cpumask_weight(const cpumask_t *m)
{
    unsigned int n = 0;

    for ( u64 b = m->bits; b; b &= b - 1 ) /* no libgcc: no __builtin_popcount */
        n++;
    return n;
}

static inline void cpumask_and(cpumask_t *d, const cpumask_t *a, const cpumask_t *b)
{
    d->bits = a->bits & b->bits;
}

static inline void cpumask_andnot(cpumask_t *d, const cpumask_t *a, const cpumask_t *b)
{
    d->bits = a->bits & ~b->bits;
}

/* The lowest CPU in m at or above cpu; NR_CPUS when there is none. */
static inline unsigned int cpumask_next_from(unsigned int cpu, const cpumask_t *m)
{
    u64 rest = cpu < NR_CPUS ? m->bits >> cpu : 0;

    return rest ? cpu + (unsigned int)__builtin_ctzll(rest) : NR_CPUS;
}

#define for_each_cpu(cpu, mask)                                                                    \
    for ( (cpu) = cpumask_next_from(0, mask); (cpu) < NR_CPUS;                                     \
          (cpu) = cpumask_next_from((cpu) + 1, mask) )

extern cpumask_t cpu_online_map; /* set by each CPU as it comes up */

#define for_each_online_cpu(cpu) for_each_cpu(cpu, &cpu_online_map)

#endif
