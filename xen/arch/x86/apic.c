/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The local APIC of each CPU, and the 8259s.
 *
 * Two programming models, chosen once on the boot CPU and used by all:
 *   xAPIC:  32-bit registers in a 4 KiB MMIO page (ioremap of the MADT/MSR
 *           base), the ICR split in two with the destination in ICR2[31:24]
 *           and a delivery-status bit to poll;
 *   x2APIC: MSRs 0x800 + offset/16, 32-bit APIC IDs, the ICR one 64-bit MSR
 *           with the destination in the high half.
 * apic_read()/apic_write()/apic_icr_write() hide the difference. x2APIC is
 * used when CPUID.1:ECX[21] says it exists (or firmware already turned it on)
 * unless "x2apic=0"; under QEMU's TCG (7.2) neither x2APIC nor the TSC-deadline
 * timer exist, so the xAPIC paths are the ones the boot tests exercise.
 *
 * Every CPU runs setup_local_apic() for itself: software-enable through the
 * spurious-vector register, accept every priority (TPR 0), mask the LVT
 * entries we do not use; LINT1 delivers NMIs on the boot CPU. The 8259s are
 * remapped to 0x20-0x2f (the BIOS leaves IRQ0 on vector 8, #DF) and masked,
 * so a stray ExtINT cannot look like an exception.
 */
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/param.h>
#include <asm/acpi.h>
#include <asm/apic.h>
#include <asm/percpu.h>
#include <asm/platform.h>
#include <asm/processor.h>
#include <asm/traps.h>

#define APIC_BASE_BSP     (1u << 8)
#define APIC_BASE_EXTD    (1u << 10)
#define APIC_BASE_EN      (1u << 11)
#define CPUID1_ECX_X2APIC (1u << 21)
#define X2APIC_MSR(reg)   (0x800 + ((reg) >> 4))

bool x2apic_enabled;
u32 x86_cpu_to_apicid[NR_CPUS];
static volatile u32 *apic_mmio; /* xAPIC page; set once on the boot CPU */
static bool opt_x2apic = true;
boolean_param("x2apic", opt_x2apic);

u32 apic_read(unsigned int reg)
{
    if ( x2apic_enabled )
        return (u32)rdmsr(X2APIC_MSR(reg));
    return apic_mmio[reg / 4];
}

void apic_write(unsigned int reg, u32 val)
{
    if ( x2apic_enabled )
        wrmsr(X2APIC_MSR(reg), val);
    else
        apic_mmio[reg / 4] = val;
}

void apic_eoi(void)
{
    apic_write(APIC_EOI, 0);
}

u32 apic_id_of_this_cpu(void)
{
    u32 id = apic_read(APIC_ID);

    return x2apic_enabled ? id : id >> 24;
}

static void xapic_wait_icr_idle(void)
{
    for ( unsigned int i = 0; i < 1000000 && (apic_mmio[APIC_ICR / 4] & APIC_ICR_BUSY); i++ )
        cpu_relax();
}

/* Send one IPI. Callers keep interrupts off so the two xAPIC writes stay a pair. */
void send_ipi_apic_id(u32 apic_id, u32 icr_low)
{
    unsigned long flags = local_irq_save();

    if ( x2apic_enabled )
    {
        __asm__ volatile("mfence" ::: "memory"); /* x2APIC ICR writes are not serialising */
        wrmsr(X2APIC_MSR(APIC_ICR), ((u64)apic_id << 32) | icr_low);
    }
    else
    {
        xapic_wait_icr_idle();
        apic_mmio[APIC_ICR2 / 4] = apic_id << 24;
        apic_mmio[APIC_ICR / 4] = icr_low;
        xapic_wait_icr_idle();
    }
    local_irq_restore(flags);
}

void send_ipi_mask(const cpumask_t *mask, unsigned int vector)
{
    unsigned int cpu;

    for_each_cpu(cpu, mask)
        send_ipi_apic_id(x86_cpu_to_apicid[cpu], APIC_DM_FIXED | APIC_INT_ASSERT | vector);
}

void pic_disable(void)
{
    outb(0x11, 0x20); /* ICW1: edge, cascade, ICW4 follows */
    outb(0x11, 0xa0);
    outb(PIC_MASTER_VECTOR, 0x21); /* ICW2: vector base */
    outb(PIC_SLAVE_VECTOR, 0xa1);
    outb(0x04, 0x21); /* ICW3: slave on IRQ2 */
    outb(0x02, 0xa1);
    outb(0x01, 0x21); /* ICW4: 8086 mode */
    outb(0x01, 0xa1);
    outb(0xff, 0x21); /* mask everything */
    outb(0xff, 0xa1);
}

static void spurious_interrupt(struct cpu_user_regs *regs, unsigned int vector)
{
    /* No EOI: a spurious APIC interrupt does not set an ISR bit; nor does a PIC one when masked. */
}

static void error_interrupt(struct cpu_user_regs *regs, unsigned int vector)
{
    u32 esr;

    apic_write(APIC_ESR, 0);
    esr = apic_read(APIC_ESR);
    apic_eoi();
    printk(XENLOG_WARNING "CPU%u: APIC error, ESR %#x\n", smp_processor_id(), esr);
}

/* Boot CPU: choose the APIC mode and map the xAPIC page. */
static void apic_mode_init(void)
{
    u64 base = rdmsr(MSR_APIC_BASE);
    bool has_x2apic = cpuid_ecx(1) & CPUID1_ECX_X2APIC;

    x2apic_enabled = (base & APIC_BASE_EXTD) || (has_x2apic && opt_x2apic);
    if ( !x2apic_enabled )
    {
        paddr_t pa = acpi_platform.lapic_addr ?: (base & PAGE_MASK & 0xffffffffffUL);
        apic_mmio = ioremap(pa, PAGE_SIZE);
        if ( !apic_mmio )
            panic("Cannot map the local APIC at %#lx", pa);
    }
    printk("APIC: %s mode%s\n", x2apic_enabled ? "x2APIC" : "xAPIC",
           has_x2apic ? "" : " (no x2APIC on this CPU)");
}

/* Turn the APIC on in the chosen mode (x2APIC needs EN then EN|EXTD). */
static void apic_hw_enable(void)
{
    u64 base = rdmsr(MSR_APIC_BASE);

    if ( !(base & APIC_BASE_EN) )
        wrmsr(MSR_APIC_BASE, base |= APIC_BASE_EN);
    if ( x2apic_enabled && !(base & APIC_BASE_EXTD) )
        wrmsr(MSR_APIC_BASE, base | APIC_BASE_EXTD);
}

void setup_local_apic(bool bsp)
{
    apic_hw_enable();
    apic_write(APIC_TPR, 0);
    apic_write(APIC_LVTT, APIC_LVT_MASKED | LOCAL_TIMER_VECTOR);
    apic_write(APIC_LVTPC, APIC_LVT_MASKED);
    apic_write(APIC_LINT0, APIC_LVT_MASKED | APIC_DM_EXTINT);
    apic_write(APIC_LINT1, bsp ? APIC_DM_NMI : APIC_LVT_MASKED | APIC_DM_NMI);
    apic_write(APIC_LVTE, ERROR_APIC_VECTOR);
    apic_write(APIC_ESR, 0);
    apic_write(APIC_SVR, APIC_SVR_ENABLE | SPURIOUS_APIC_VECTOR);
    apic_eoi(); /* drop anything the firmware left in service */
}

void apic_init(void)
{
    pic_disable();
    for ( unsigned int v = PIC_MASTER_VECTOR; v < PIC_SLAVE_VECTOR + 8; v++ )
        set_irq_handler(v, spurious_interrupt);
    set_irq_handler(SPURIOUS_APIC_VECTOR, spurious_interrupt);
    set_irq_handler(ERROR_APIC_VECTOR, error_interrupt);
    apic_mode_init();
    setup_local_apic(true);
    x86_cpu_to_apicid[0] = apic_id_of_this_cpu();
    get_cpu_info()->apic_id = x86_cpu_to_apicid[0];
    printk("APIC: boot CPU APIC ID %#x, version %#x\n", x86_cpu_to_apicid[0],
           apic_read(APIC_LVR) & 0xff);
    io_apic_init();
}
