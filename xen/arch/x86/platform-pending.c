/* SPDX-License-Identifier: GPL-2.0-only */
/* Placeholder until the platform code lands: one CPU, no timers. */
#include <xen/lib.h>
#include <xen/shutdown.h>
#include <asm/platform.h>
#include <asm/processor.h>

unsigned int num_online_cpus = 1;

void acpi_init(void)
{
}

/* Move the 8259s off the exception vectors (the BIOS leaves IRQ0 at 8) and mask them. */
void apic_init(void)
{
    outb(0x11, 0x20);
    outb(0x11, 0xa0);
    outb(0x20, 0x21);
    outb(0x28, 0xa1);
    outb(0x04, 0x21);
    outb(0x02, 0xa1);
    outb(0x01, 0x21);
    outb(0x01, 0xa1);
    outb(0xff, 0x21);
    outb(0xff, 0xa1);
}

void time_init(void)
{
}

void smp_init(void)
{
    printk("Brought up %u CPUs\n", num_online_cpus);
}

void selftest_run(void)
{
}

noreturn void idle_loop(void)
{
    for ( ;; )
        safe_halt();
}
