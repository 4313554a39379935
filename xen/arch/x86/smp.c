/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inter-processor interrupts: remote function calls, TLB shootdowns, event
 * checks (softirq wake-ups) and the 'd' debug key's register dumps.
 *
 * Remote calls and shootdowns are one request at a time each, serialised by
 * their lock: the sender fills the request, sets the acknowledgement mask,
 * sends the IPIs, and spins until every target has cleared its bit. Senders
 * spin with interrupts enabled, so two CPUs that send to each other at once
 * still serve each other's IPIs; that is why on_selected_cpus() and
 * flush_tlb_mask() must not be called with interrupts disabled.
 *
 * Locking: call_lock protects call_req; flush_lock protects flush_pending's
 * setup (targets clear their own bits atomically); dump_lock serialises 'd'.
 * None of them nests in another.
 */
#include <xen/console.h>
#include <xen/lib.h>
#include <xen/smp.h>
#include <xen/spinlock.h>
#include <xen/time.h>
#include <asm/apic.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/smp.h>
#include <asm/traps.h>

cpumask_t cpu_online_map;

static DEFINE_SPINLOCK(call_lock);
static struct
{
    void (*fn)(void *info);
    void *info;
    bool wait;
    cpumask_t pending; /* targets that have not finished (wait) / taken it (!wait) */
} call_req;

static DEFINE_SPINLOCK(flush_lock);
static cpumask_t flush_pending;

static DEFINE_SPINLOCK(dump_lock);
static volatile bool dump_done;

/* Targets: the online CPUs of mask other than this one. */
static cpumask_t remote_targets(const cpumask_t *mask)
{
    cpumask_t t, self = cpumask_of(smp_processor_id());

    cpumask_and(&t, mask, &cpu_online_map);
    cpumask_andnot(&t, &t, &self);
    return t;
}

static void wait_for_acks(const cpumask_t *pending)
{
    while ( !cpumask_empty(pending) )
        cpu_relax();
}

void on_selected_cpus(const cpumask_t *mask, void (*fn)(void *info), void *info, bool wait)
{
    cpumask_t targets = remote_targets(mask);
    unsigned long flags;

    ASSERT(local_irq_is_enabled());
    spin_lock(&call_lock);
    call_req.fn = fn;
    call_req.info = info;
    call_req.wait = wait;
    call_req.pending = targets;
    send_ipi_mask(&targets, CALL_FUNCTION_VECTOR);
    if ( cpumask_test_cpu(smp_processor_id(), mask) )
    {
        flags = local_irq_save();
        fn(info);
        local_irq_restore(flags);
    }
    wait_for_acks(&call_req.pending);
    spin_unlock(&call_lock);
}

void on_each_cpu(void (*fn)(void *info), void *info, bool wait)
{
    on_selected_cpus(&cpu_online_map, fn, info, wait);
}

static void call_function_interrupt(struct cpu_user_regs *regs, unsigned int vector)
{
    void (*fn)(void *info) = call_req.fn;
    void *info = call_req.info;
    unsigned int cpu = smp_processor_id();

    apic_eoi();
    if ( !call_req.wait )
    {
        cpumask_clear_cpu(cpu, &call_req.pending); /* the sender may reuse call_req now */
        fn(info);
        return;
    }
    fn(info);
    cpumask_clear_cpu(cpu, &call_req.pending);
}

/* Flush everything, global (hypervisor) entries included: toggling PGE does that. */
static void flush_tlb_all_local(void)
{
    unsigned long cr4 = read_cr4();

    if ( cr4 & X86_CR4_PGE )
    {
        write_cr4(cr4 & ~X86_CR4_PGE);
        write_cr4(cr4);
    }
    else
        flush_tlb_local();
}

void flush_tlb_mask(const cpumask_t *mask)
{
    cpumask_t targets = remote_targets(mask);
    unsigned long flags;

    if ( cpumask_test_cpu(smp_processor_id(), mask) )
    {
        flags = local_irq_save();
        flush_tlb_all_local();
        local_irq_restore(flags);
    }
    if ( cpumask_empty(&targets) )
        return;
    ASSERT(local_irq_is_enabled());
    spin_lock(&flush_lock);
    flush_pending = targets;
    send_ipi_mask(&targets, INVALIDATE_TLB_VECTOR);
    wait_for_acks(&flush_pending);
    spin_unlock(&flush_lock);
}

/* Counted per CPU, for the self-test's "the shootdown reached everyone". */
DEFINE_PER_CPU(unsigned long, tlb_flush_ipis);

static void invalidate_interrupt(struct cpu_user_regs *regs, unsigned int vector)
{
    apic_eoi();
    flush_tlb_all_local();
    this_cpu(tlb_flush_ipis)++;
    cpumask_clear_cpu(smp_processor_id(), &flush_pending);
}

void smp_send_event_check_cpu(unsigned int cpu)
{
    cpumask_t m = cpumask_of(cpu);

    send_ipi_mask(&m, EVENT_CHECK_VECTOR);
}

static void event_check_interrupt(struct cpu_user_regs *regs, unsigned int vector)
{
    apic_eoi(); /* waking the CPU was the point: its idle loop runs the softirqs */
}

static void dump_registers_interrupt(struct cpu_user_regs *regs, unsigned int vector)
{
    apic_eoi();
    printk("*** Dumping CPU%u host state: ***\n", smp_processor_id());
    show_registers(regs);
    show_stack_trace(regs->rbp, regs->rip);
    dump_done = true;
}

/* 'd': every online CPU, one at a time, prints the state it was interrupted in. */
static void dump_registers(char key)
{
    unsigned int cpu;

    printk("'%c' pressed -> dumping registers\n", key);
    if ( !local_irq_is_enabled() || !spin_trylock(&dump_lock) )
        return;
    for_each_online_cpu(cpu)
    {
        s_time_t limit = NOW() + SECONDS(1);

        dump_done = false;
        send_ipi_apic_id(x86_cpu_to_apicid[cpu], APIC_DM_FIXED | DUMP_REGISTERS_VECTOR);
        while ( !dump_done && NOW() < limit )
            cpu_relax();
        if ( !dump_done )
            printk("CPU%u: no answer to the dump IPI (interrupts off?)\n", cpu);
    }
    spin_unlock(&dump_lock);
}
register_keyhandler('d', dump_registers, "dump registers of every CPU");

void smp_ipi_init(void)
{
    set_irq_handler(CALL_FUNCTION_VECTOR, call_function_interrupt);
    set_irq_handler(INVALIDATE_TLB_VECTOR, invalidate_interrupt);
    set_irq_handler(EVENT_CHECK_VECTOR, event_check_interrupt);
    set_irq_handler(DUMP_REGISTERS_VECTOR, dump_registers_interrupt);
}
