/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The idle loop of every CPU, and the serial-input poll that makes the debug
 * keys work.
 *
 * idle_loop() runs softirqs while any is pending, then scrubs freed pages in
 * small batches (so a softirq waits for one batch at most; one CPU at a
 * time), and halts when there is nothing else to do. The check and the halt
 * must not race with an interrupt that raises a softirq: interrupts go off
 * for the check and "sti; hlt" re-enables them atomically with the halt (the
 * interrupt shadow of sti), so such an interrupt wakes the halted CPU instead
 * of being missed.
 *
 * The serial port is polled (it raises no interrupt here) by a timer on CPU 0
 * every SERIAL_POLL_MS; typed characters go to console_poll_input() and from
 * there to the debug keys, whose handlers run in that timer's softirq with
 * interrupts enabled.
 */
#include <xen/console.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/softirq.h>
#include <xen/timer.h>
#include <asm/percpu.h>
#include <asm/platform.h>
#include <asm/processor.h>
#include <asm/time.h>

#define SERIAL_POLL_MS 20

static struct timer serial_poll_timer; /* owned by CPU 0 */
static bool scrubbing;                 /* an idle CPU is scrubbing (atomic) */

/* Re-armed first: a slow debug key must not stretch the period, and 't' sees it queued. */
static void serial_poll(void *unused)
{
    set_timer(&serial_poll_timer, NOW() + MILLISECS(SERIAL_POLL_MS));
    console_poll_input();
}

void serial_poll_init(void)
{
    init_timer(&serial_poll_timer, serial_poll, NULL, 0);
    set_timer(&serial_poll_timer, NOW() + MILLISECS(SERIAL_POLL_MS));
}

/*
 * One bounded batch of scrubbing, by one idle CPU at a time (as Xen does per
 * NUMA node): several scrubbers would only take turns on the heap lock, and
 * under emulation steal the host's cores from the CPUs doing real work.
 */
static bool try_scrub(void)
{
    if ( __atomic_exchange_n(&scrubbing, true, __ATOMIC_ACQUIRE) )
        return false;
    scrub_free_pages();
    __atomic_store_n(&scrubbing, false, __ATOMIC_RELEASE);
    return true;
}

noreturn void idle_loop(void)
{
    unsigned int cpu = smp_processor_id();

    for ( ;; )
    {
        if ( softirq_pending(cpu) )
        {
            do_softirq();
            continue;
        }
        if ( heap_dirty_pages() && try_scrub() )
            continue;
        local_irq_disable();
        if ( softirq_pending(cpu) )
            local_irq_enable();
        else
            safe_halt();
    }
}
