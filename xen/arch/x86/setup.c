/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * __start_xen: the boot CPU's path from long mode to a running system.
 *
 * Order matters: boot info is copied before anything allocates memory; the
 * command line is parsed before the console so com1= applies; exceptions are
 * caught from the first printk on.
 */
#include <xen/console.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/param.h>
#include <xen/shutdown.h>
#include <xen/time.h>
#include <xen/version.h>
#include <asm/bootinfo.h>
#include <asm/percpu.h>
#include <asm/platform.h>
#include <asm/processor.h>
#include <asm/pv_build.h>
#include <xen/sched.h>
#include <xen/smp.h>
#include <asm/pv.h>
#include <asm/pv_mm.h>
#include <asm/traps.h>

void __start_xen(u32 magic, u32 info);

extern const struct kernel_param __param_start[], __param_end[];
extern char cpu0_stack[];
unsigned long __per_cpu_offset[NR_CPUS];
char saved_cmdline[1024];

static bool opt_selftest;
boolean_param("selftest", opt_selftest);
static char opt_test_fault[8];
string_param("test_fault", opt_test_fault);

/*
 * Loaders other than GRUB 2 (QEMU's -kernel, GRUB legacy) put the image's
 * name first on the command line; it is not an option.
 */
static const char *skip_image_name(const char *cmdline)
{
    if ( !strncmp(boot_info.loader, "GRUB", 4) )
        return cmdline;
    while ( *cmdline == ' ' )
        cmdline++;
    while ( *cmdline && *cmdline != ' ' )
        cmdline++;
    return cmdline;
}

void cmdline_parse(const char *cmdline)
{
    while ( *cmdline == ' ' )
        cmdline++;
    strlcpy(saved_cmdline, cmdline, sizeof(saved_cmdline));
    parse_params(cmdline, __param_start, __param_end);
}

/* "test_fault=pf|ud|bug": crash on purpose to exercise the crash report. */
static void __attribute__((noinline)) run_test_fault(void)
{
    if ( !strcmp(opt_test_fault, "pf") )
        ACCESS_ONCE(*(volatile unsigned long *)0x10000000000UL) = 1;
    else if ( !strcmp(opt_test_fault, "ud") )
        __asm__ volatile("ud2");
    else if ( !strcmp(opt_test_fault, "bug") )
        BUG();
}

static void print_banner(void)
{
    printk(" __  __          _     _  _ __  __\n");
    printk(" \\ \\/ /___ _ __ | |__ | \\/ \\ \\/ /   Xen-compatible hypervisor\n");
    printk("  >  </ -_) '  \\| '_ \\| |\\/| >  <    ABI %d.%d%s\n", XEN_MAJOR, XEN_MINOR,
           XEN_EXTRAVERSION);
    printk(" /_/\\_\\___|_||_||_.__/|_|  |_/_/\\_\\\n");
    printk("Xen version %d.%d%s (%s)\n", XEN_MAJOR, XEN_MINOR, XEN_EXTRAVERSION, XEN_PRODUCT);
    printk("Bootloader: %s (multiboot%u)\n", boot_info.loader[0] ? boot_info.loader : "unknown",
           boot_info.multiboot_version);
    printk("Command line: %s\n", saved_cmdline);
}

/* Per-CPU state for running PV guests: the GDT window. */
static void pv_cpu_init(void *unused)
{
    pv_gdt_cpu_init(this_cpu_hypervisor_gdt());
}

/*
 * dom0 from the first module (its command line is the module's string, less
 * the image name where the loader puts it there) and the second as initrd.
 */
static noreturn void start_dom0(void)
{
    const struct boot_module *kernel = &boot_info.modules[0];
    const struct boot_module *initrd = boot_info.nr_modules > 1 ? &boot_info.modules[1] : NULL;
    struct domain *d = domain_create(0, max(dom0_max_vcpus(), 1u), true);
    int rc;

    if ( !d || !vcpu_create(d, 0) )
        panic("Could not create dom0");
    for ( unsigned int i = 1; i < d->max_vcpus; i++ )
        if ( !vcpu_create(d, i) )
            panic("Could not create dom0's vCPU %u", i);
    rc = construct_dom0(d, kernel, initrd, skip_image_name(kernel->cmdline));
    if ( rc )
        panic("Could not set up DOM0 guest OS (%d)", rc);
    printk("Scrubbing free RAM in the background\n");
    printk("*** Serial input to DOM0 (type 'CTRL-a' three times to switch input)\n");
    console_switch_input_to_dom0();
    printk("Freed boot memory; starting dom0\n");
    vcpu_wake(d->vcpu[0]);
    idle_loop(); /* the scheduler takes this CPU to dom0 */
}

void __start_xen(u32 magic, u32 info)
{
    struct cpu_info *ci = get_cpu_info();
    bool mb_ok;

    ci->processor_id = 0;
    ci->per_cpu_offset = 0;
    mb_ok = multiboot_parse(magic, info);
    cmdline_parse(skip_image_name(boot_info.cmdline));
    ns16550_init();
    console_init_preirq();
    trap_init();
    cpu_init_tables(0, cpu0_stack);
    print_banner();
    if ( !mb_ok )
        panic("Not booted by a multiboot loader (magic %#x)", magic);

    memory_init(&boot_info);
    acpi_init();
    apic_init();
    time_init();
    local_irq_enable();
    run_test_fault();
    smp_init();
    pv_mm_init(); /* before any domain: its allocations are not a domain's */

    if ( opt_selftest )
    {
        selftest_run();
        mm_selftest();
        domain_selftest();
        printk("Self-tests done; powering off\n");
        machine_power_off();
    }
    sched_init();
    wallclock_init();
    on_each_cpu(pv_cpu_init, NULL, true);
    if ( !boot_info.nr_modules )
    {
        printk("No dom0 kernel given: idling (debug keys on the serial console, 'h' for help)\n");
        idle_loop();
    }
    start_dom0();
}
