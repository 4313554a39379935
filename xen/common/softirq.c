/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Softirqs: one pending bit per softirq per CPU, set by raise_softirq() from
 * any context (atomically, so an interrupt handler and the CPU it interrupts
 * cannot lose a bit) and consumed by do_softirq() on that CPU only.
 *
 * A remote raise sends an event-check IPI when the bit was not already set:
 * the target may be halted in the idle loop, which looks at its bits again
 * after every interrupt. Handlers run with interrupts enabled, lowest number
 * first, one bit at a time, until none is left.
 */
#include <xen/lib.h>
#include <xen/smp.h>
#include <xen/softirq.h>
#include <asm/percpu.h>
#include <asm/processor.h>

static softirq_handler_t softirq_handlers[NR_SOFTIRQS]; /* set at boot, read-only after */
static DEFINE_PER_CPU(unsigned long, softirq_bits);     /* atomic updates only */

void open_softirq(unsigned int nr, softirq_handler_t fn)
{
    ASSERT(nr < NR_SOFTIRQS);
    softirq_handlers[nr] = fn;
}

static bool set_pending(unsigned int cpu, unsigned int nr)
{
    unsigned long bit = 1UL << nr;

    return !(__atomic_fetch_or(&per_cpu(softirq_bits, cpu), bit, __ATOMIC_SEQ_CST) & bit);
}

void raise_softirq(unsigned int nr)
{
    set_pending(smp_processor_id(), nr);
}

void cpu_raise_softirq(unsigned int cpu, unsigned int nr)
{
    if ( set_pending(cpu, nr) && cpu != smp_processor_id() )
        smp_send_event_check_cpu(cpu);
}

bool softirq_pending(unsigned int cpu)
{
    return __atomic_load_n(&per_cpu(softirq_bits, cpu), __ATOMIC_ACQUIRE) != 0;
}

void do_softirq(void)
{
    unsigned long *bits = &this_cpu(softirq_bits);
    unsigned long pending;

    ASSERT(local_irq_is_enabled());
    while ( (pending = __atomic_load_n(bits, __ATOMIC_ACQUIRE)) != 0 )
    {
        unsigned int nr = (unsigned int)__builtin_ctzl(pending);

        __atomic_fetch_and(bits, ~(1UL << nr), __ATOMIC_SEQ_CST);
        if ( softirq_handlers[nr] )
            softirq_handlers[nr]();
    }
}
