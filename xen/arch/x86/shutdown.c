/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Power off, reboot and halt.
 *
 * Power off uses ACPI S5 (PM1a/PM1b control blocks from the FADT, sleep types
 * from the DSDT's \_S5 package, registered by the ACPI code); QEMU then exits
 * by itself. Reboot tries the FADT's reset register, then the keyboard
 * controller, then port 0xcf9, then a triple fault.
 *
 * For tests, "debug_exit=<port>" names QEMU's isa-debug-exit device: every way
 * out writes a status there first (0 powered off, 1 crashed), so the harness
 * knows how the run ended from QEMU's exit code.
 */
#include <xen/console.h>
#include <xen/lib.h>
#include <xen/param.h>
#include <xen/shutdown.h>
#include <xen/time.h>
#include <asm/acpi.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/traps.h>

static bool opt_noreboot;
boolean_param("noreboot", opt_noreboot);
static unsigned int opt_debug_exit; /* I/O port, 0: none */
integer_param("debug_exit", opt_debug_exit);

static struct
{
    u32 pm1a_cnt, pm1b_cnt;
    u16 slp_typa, slp_typb;
    bool valid;
} acpi_s5;

#define SLP_EN (1u << 13)

void acpi_set_poweroff(u32 pm1a_cnt, u32 pm1b_cnt, u16 slp_typa, u16 slp_typb)
{
    acpi_s5.pm1a_cnt = pm1a_cnt;
    acpi_s5.pm1b_cnt = pm1b_cnt;
    acpi_s5.slp_typa = slp_typa;
    acpi_s5.slp_typb = slp_typb;
    acpi_s5.valid = pm1a_cnt != 0;
}

static void debug_exit(unsigned int status)
{
    if ( opt_debug_exit )
        outl(status, (u16)opt_debug_exit);
}

static noreturn void halt_forever(void)
{
    for ( ;; )
        __asm__ volatile("cli; hlt");
}

noreturn void machine_halt(void)
{
    printk("Halting the machine\n");
    halt_forever();
}

noreturn void machine_power_off(void)
{
    local_irq_disable();
    debug_exit(EXIT_STATUS_OK);
    if ( acpi_s5.valid )
    {
        printk("Powering off (ACPI S5)\n");
        outw((u16)((acpi_s5.slp_typa << 10) | SLP_EN), (u16)acpi_s5.pm1a_cnt);
        if ( acpi_s5.pm1b_cnt )
            outw((u16)((acpi_s5.slp_typb << 10) | SLP_EN), (u16)acpi_s5.pm1b_cnt);
        for ( unsigned int i = 0; i < 100000; i++ )
            cpu_relax();
    }
    printk("Power off failed; halting\n");
    halt_forever();
}

noreturn void machine_restart(void)
{
    local_irq_disable();
    printk("Rebooting the machine\n");
    acpi_reboot(); /* the FADT's reset register, when there is one */
    for ( unsigned int i = 0; i < 0x10000 && (inb(0x64) & 0x02); i++ )
        cpu_relax();
    outb(0xfe, 0x64); /* keyboard controller pulse reset */
    outb(0x02, 0xcf9);
    outb(0x06, 0xcf9);                                    /* PCI hard reset */
    __asm__ volatile("lidt %0; int3" ::"m"((u16[5]){0})); /* triple fault */
    halt_forever();
}

noreturn void machine_crash(void)
{
    debug_exit(EXIT_STATUS_PANIC);
    if ( opt_noreboot )
    {
        printk("Manual reset required ('noreboot' specified)\n");
        halt_forever();
    }
    printk("Reboot in five seconds...\n");
    if ( cpu_khz )
    {
        s_time_t end = NOW() + SECONDS(5);

        while ( NOW() < end )
            cpu_relax();
    }
    machine_restart();
}

noreturn void __bug(const char *file, int line, const char *what)
{
    console_start_sync();
    printk("Xen BUG at %s:%d: %s\n", file, line, what);
    /* Start from our caller: its return address and its frame. */
    show_stack_trace(*(unsigned long *)__builtin_frame_address(0),
                     (unsigned long)__builtin_return_address(0));
    machine_crash();
}

noreturn void panic(const char *fmt, ...)
{
    char buf[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    console_start_sync();
    printk("\n****************************************\n");
    printk("Panic on CPU %u:\n%s\n", smp_processor_id(), buf);
    printk("****************************************\n\n");
    machine_crash();
}
