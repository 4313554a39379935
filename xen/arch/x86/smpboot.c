/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Bringing up the other CPUs (APs) listed in the MADT.
 *
 * For each AP, one at a time, the boot CPU allocates a STACK_SIZE-aligned
 * stack with the AP's cpu_info at its top (processor_id, apic_id,
 * per_cpu_offset) and a zeroed copy of the per-CPU area, publishes CR3/CR4 and
 * the stack for trampoline.S, and sends INIT, then two STARTUP IPIs whose
 * vector points at the trampoline page. The AP runs start_secondary(): its
 * own GDT/TSS/IDT, local APIC, timer, then it marks itself online and enters
 * its idle loop. The boot CPU waits (5 s: emulators are slow) for that before
 * it starts the next AP; a CPU that does not answer is reported and skipped.
 *
 * Per-CPU copies keep the template's offset within a page
 * (__per_cpu_offset[cpu] is page-aligned) so that page-aligned per-CPU
 * variables (the GDT) stay page-aligned.
 *
 * "maxcpus=N" limits the CPUs brought up (boot CPU included); "nosmp" is
 * maxcpus=1.
 */
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/param.h>
#include <xen/smp.h>
#include <xen/time.h>
#include <xen/timer.h>
#include <asm/acpi.h>
#include <asm/apic.h>
#include <asm/bootinfo.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/platform.h>
#include <asm/processor.h>
#include <asm/smp.h>
#include <asm/time.h>
#include <asm/traps.h>

#define AP_BOOT_TIMEOUT SECONDS(5)

unsigned int num_online_cpus = 1;
extern char __per_cpu_start[], __per_cpu_end[];
static unsigned int opt_maxcpus = NR_CPUS;
integer_param("maxcpus", opt_maxcpus);
static bool opt_nosmp;
boolean_param("nosmp", opt_nosmp);
static u64 boot_cpu_pat; /* every CPU uses the boot CPU's memory types */

static unsigned int order_of(size_t size)
{
    unsigned int order = 0;

    while ( (PAGE_SIZE << order) < size )
        order++;
    return order;
}

static bool trampoline_is_ram(void)
{
    paddr_t s = TRAMPOLINE_PHYS, e = s + TRAMPOLINE_PAGES * PAGE_SIZE;

    for ( unsigned int i = 0; i < boot_info.nr_e820; i++ )
    {
        const struct e820entry *r = &boot_info.e820[i];
        if ( r->type == E820_RAM && r->addr <= s && r->addr + r->size >= e )
            return true;
    }
    return false;
}

/* Copy the real-mode code and build its page table: our L4, plus 0-2 MiB 1:1. */
static void trampoline_setup(void)
{
    u8 *t = __va(TRAMPOLINE_PHYS);
    pte_t *l4 = (pte_t *)(t + PAGE_SIZE), *l3 = l4 + 512, *l2 = l3 + 512;
    size_t len = (size_t)(trampoline_end - trampoline_start);

    BUILD_BUG_ON(TRAMPOLINE_PHYS & (PAGE_SIZE - 1));
    ASSERT(len <= PAGE_SIZE);
    memcpy(t, trampoline_start, len);
    *(u64 *)(t + (trampoline_efer - trampoline_start)) = rdmsr(MSR_EFER);
    memcpy(l4, __va(read_cr3() & PADDR_MASK), PAGE_SIZE);
    memset(l3, 0, 2 * PAGE_SIZE);
    l4[0] = (TRAMPOLINE_PHYS + 2 * PAGE_SIZE) | PAGE_TABLE_FLAGS;
    l3[0] = (TRAMPOLINE_PHYS + 3 * PAGE_SIZE) | PAGE_TABLE_FLAGS;
    l2[0] = 0 | PAGE_TABLE_FLAGS | _PAGE_PSE;
}

static int alloc_percpu_area(unsigned int cpu)
{
    unsigned long start = ROUNDDOWN((unsigned long)__per_cpu_start, PAGE_SIZE);
    unsigned int order = order_of((unsigned long)__per_cpu_end - start);
    char *area = alloc_xenheap_pages(order);

    if ( !area )
        return -ENOMEM;
    memset(area, 0, PAGE_SIZE << order);
    __per_cpu_offset[cpu] = (unsigned long)area - start;
    return 0;
}

/* Stack block with the AP's cpu_info filled in; returns the initial %rsp. */
static unsigned long alloc_ap_stack(unsigned int cpu, u32 apic_id)
{
    char *stack = alloc_xenheap_pages(STACK_ORDER);
    struct cpu_info *ci;

    if ( !stack )
        return 0;
    ASSERT(IS_ALIGNED((unsigned long)stack, STACK_SIZE));
    ci = (struct cpu_info *)(stack + STACK_SIZE) - 1;
    memset(ci, 0, sizeof(*ci));
    ci->processor_id = cpu;
    ci->apic_id = apic_id;
    ci->per_cpu_offset = __per_cpu_offset[cpu];
    return ROUNDDOWN((unsigned long)ci, 16);
}

static void send_init_sipi_sipi(u32 apic_id)
{
    send_ipi_apic_id(apic_id, APIC_DM_INIT | APIC_INT_ASSERT | APIC_INT_LEVELTRIG);
    mdelay(10);
    for ( unsigned int i = 0; i < 2; i++ )
    {
        send_ipi_apic_id(apic_id, APIC_DM_STARTUP | (TRAMPOLINE_PHYS >> PAGE_SHIFT));
        udelay(200);
    }
}

static int boot_one_cpu(unsigned int cpu, u32 apic_id)
{
    s_time_t limit;

    if ( alloc_percpu_area(cpu) || !(ap_boot_stack = alloc_ap_stack(cpu, apic_id)) )
        return -ENOMEM;
    x86_cpu_to_apicid[cpu] = apic_id;
    ap_boot_cr3 = read_cr3();
    ap_boot_cr4 = read_cr4();
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    send_init_sipi_sipi(apic_id);
    for ( limit = NOW() + AP_BOOT_TIMEOUT; NOW() < limit; )
    {
        if ( cpumask_test_cpu(cpu, &cpu_online_map) )
            return 0;
        cpu_relax();
    }
    return -ETIMEDOUT;
}

noreturn void start_secondary(void)
{
    struct cpu_info *ci = get_cpu_info();
    unsigned int cpu = ci->processor_id;

    cpu_init_tables(cpu, (char *)(ci + 1) - STACK_SIZE);
    mm_cpu_init();
    wrmsr(MSR_PAT, boot_cpu_pat);
    setup_local_apic(false);
    if ( apic_id_of_this_cpu() != ci->apic_id )
        printk(XENLOG_WARNING "CPU%u: APIC ID %#x, MADT said %#x\n", cpu, apic_id_of_this_cpu(),
               ci->apic_id);
    timer_subsys_init();
    apic_timer_init_cpu();
    printk(XENLOG_DEBUG "CPU%u: APIC ID %#x up\n", cpu, ci->apic_id);
    cpumask_set_cpu(cpu, &cpu_online_map);
    local_irq_enable();
    idle_loop();
}

static void boot_aps(unsigned int max)
{
    u32 self = x86_cpu_to_apicid[0];

    for ( unsigned int i = 0; i < acpi_platform.nr_cpus && num_online_cpus < max; i++ )
    {
        u32 apic_id = acpi_platform.cpu_apic_id[i];
        unsigned int cpu = num_online_cpus;
        int rc;

        if ( apic_id == self )
            continue;
        if ( !x2apic_enabled && apic_id > 0xfe )
        {
            printk(XENLOG_WARNING "SMP: APIC ID %#x needs x2APIC; CPU skipped\n", apic_id);
            continue;
        }
        rc = boot_one_cpu(cpu, apic_id);
        if ( rc )
        {
            printk(XENLOG_ERR "SMP: CPU with APIC ID %#x did not start (%d)\n", apic_id, rc);
            continue;
        }
        num_online_cpus = cpumask_weight(&cpu_online_map);
    }
}

void smp_init(void)
{
    unsigned int max = opt_nosmp ? 1 : opt_maxcpus;

    smp_ipi_init();
    boot_cpu_pat = rdmsr(MSR_PAT);
    cpumask_set_cpu(0, &cpu_online_map);
    if ( acpi_platform.nr_cpus > 1 && max > 1 && max <= NR_CPUS )
    {
        if ( trampoline_is_ram() )
        {
            trampoline_setup();
            boot_aps(max);
        }
        else
            printk(XENLOG_ERR "SMP: trampoline page %#x is not RAM; one CPU only\n",
                   TRAMPOLINE_PHYS);
    }
    num_online_cpus = cpumask_weight(&cpu_online_map);
    printk("Brought up %u CPUs\n", num_online_cpus);
}
