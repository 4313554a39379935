/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IO-APICs: found in the MADT and masked at boot; afterwards a pin is live
 * only while a guest has a physical IRQ bound to its GSI (arch/x86/irq.c
 * programs it through io_apic_route() and masks it again on unbind).
 * Masking everything at boot makes sure nothing the firmware left programmed
 * can fire into a vector we use for something else.
 *
 * Registers are reached indirectly: write the index to IOREGSEL (offset 0),
 * read or write IOWIN (offset 0x10). The index/window pair is one critical
 * section, so every access holds ioapic_lock (irqsave: the interrupt
 * handler masks level-triggered pins). Redirection entries use physical
 * destination mode and fixed delivery to one local APIC.
 *
 * Trigger and polarity of a GSI by default follow the MADT: an ISA IRQ
 * arrives on the GSI its interrupt source override names (else the same
 * number) with the override's flags, "conforming" meaning ISA's edge /
 * active high; any other GSI is a PCI one, level / active low.
 */
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/spinlock.h>
#include <asm/acpi.h>
#include <asm/apic.h>
#include <asm/irq.h>

#define IOAPIC_REGSEL   0
#define IOAPIC_WIN      4 /* in u32 units: byte offset 0x10 */
#define IOAPIC_REG_VER  0x01
#define IOAPIC_REG_RTE  0x10 /* entry n: low dword at 0x10 + 2n */
#define IOAPIC_RTE_MASK (1u << 16)
#define IOAPIC_RTE_LVL  (1u << 15)
#define IOAPIC_RTE_LOW  (1u << 13)

/* MPS INTI flags of an interrupt source override. */
#define INTI_POLARITY_MASK 0x3
#define INTI_POLARITY_LOW  0x3
#define INTI_TRIGGER_MASK  0xc
#define INTI_TRIGGER_LEVEL 0xc

/* Set at boot (io_apic_init), read-only afterwards. */
static volatile u32 *ioapic_mmio[MAX_IO_APICS];
static unsigned int ioapic_pins[MAX_IO_APICS];
static unsigned int nr_gsis; /* highest GSI + 1 over all IO-APICs */
static DEFINE_SPINLOCK(ioapic_lock);

static u32 ioapic_read(volatile u32 *io, unsigned int reg)
{
    io[IOAPIC_REGSEL] = reg;
    return io[IOAPIC_WIN];
}

static void ioapic_write(volatile u32 *io, unsigned int reg, u32 val)
{
    io[IOAPIC_REGSEL] = reg;
    io[IOAPIC_WIN] = val;
}

static void ioapic_mask_all(unsigned int idx)
{
    const struct acpi_ioapic *a = &acpi_platform.ioapic[idx];
    volatile u32 *io = ioremap(a->addr, PAGE_SIZE);
    unsigned int nr;

    if ( !io )
    {
        printk(XENLOG_WARNING "IOAPIC %u: cannot map %#lx\n", a->id, a->addr);
        return;
    }
    nr = ((ioapic_read(io, IOAPIC_REG_VER) >> 16) & 0xff) + 1;
    for ( unsigned int pin = 0; pin < nr; pin++ )
    {
        /* Mask first, then clear the vector, so the entry is never live half-written. */
        u32 lo = ioapic_read(io, IOAPIC_REG_RTE + 2 * pin);
        ioapic_write(io, IOAPIC_REG_RTE + 2 * pin, lo | IOAPIC_RTE_MASK);
        ioapic_write(io, IOAPIC_REG_RTE + 2 * pin, IOAPIC_RTE_MASK);
        ioapic_write(io, IOAPIC_REG_RTE + 2 * pin + 1, 0);
    }
    ioapic_mmio[idx] = io;
    ioapic_pins[idx] = nr;
    if ( a->gsi_base + nr > nr_gsis )
        nr_gsis = a->gsi_base + nr;
    printk("IOAPIC[%u]: apic_id %u, version %#x, address %#lx, GSI %u-%u, all %u pins masked\n",
           idx, a->id, ioapic_read(io, IOAPIC_REG_VER) & 0xff, a->addr, a->gsi_base,
           a->gsi_base + nr - 1, nr);
}

void io_apic_init(void)
{
    for ( unsigned int i = 0; i < acpi_platform.nr_ioapics; i++ )
        ioapic_mask_all(i);
    pirq_init(); /* the vectors bound GSIs will use */
}

unsigned int io_apic_nr_gsis(void)
{
    return nr_gsis;
}

/* The IO-APIC and pin of gsi; false when no IO-APIC has it. */
static bool gsi_to_pin(unsigned int gsi, volatile u32 **io, unsigned int *pin)
{
    for ( unsigned int i = 0; i < acpi_platform.nr_ioapics; i++ )
    {
        unsigned int base = acpi_platform.ioapic[i].gsi_base;

        if ( ioapic_mmio[i] && gsi >= base && gsi - base < ioapic_pins[i] )
        {
            *io = ioapic_mmio[i];
            *pin = gsi - base;
            return true;
        }
    }
    return false;
}

bool io_apic_gsi_exists(unsigned int gsi)
{
    volatile u32 *io;
    unsigned int pin;

    return gsi_to_pin(gsi, &io, &pin);
}

void io_apic_gsi_default(unsigned int gsi, bool *level, bool *active_low)
{
    const struct acpi_irq_override *o = acpi_platform.isa_override;
    bool isa = gsi < 16 && !o[gsi].valid; /* identity-mapped ISA IRQ */
    u16 flags = 0;

    for ( unsigned int irq = 0; irq < 16; irq++ )
        if ( o[irq].valid && o[irq].gsi == gsi )
        {
            isa = true;
            flags = o[irq].flags;
        }
    if ( !isa )
    {
        *level = *active_low = true;
        return;
    }
    *level = (flags & INTI_TRIGGER_MASK) == INTI_TRIGGER_LEVEL;
    *active_low = (flags & INTI_POLARITY_MASK) == INTI_POLARITY_LOW;
}

int io_apic_route(unsigned int gsi, unsigned int vector, u32 dest, bool level, bool active_low)
{
    volatile u32 *io;
    unsigned int pin;
    unsigned long flags;
    u32 lo =
        vector | IOAPIC_RTE_MASK | (level ? IOAPIC_RTE_LVL : 0) | (active_low ? IOAPIC_RTE_LOW : 0);

    if ( !gsi_to_pin(gsi, &io, &pin) )
        return -ENODEV;
    flags = spin_lock_irqsave(&ioapic_lock);
    /* Masked while the destination changes; the caller unmasks. */
    ioapic_write(io, IOAPIC_REG_RTE + 2 * pin, IOAPIC_RTE_MASK);
    ioapic_write(io, IOAPIC_REG_RTE + 2 * pin + 1, dest << 24);
    ioapic_write(io, IOAPIC_REG_RTE + 2 * pin, lo);
    spin_unlock_irqrestore(&ioapic_lock, flags);
    return 0;
}

void io_apic_set_masked(unsigned int gsi, bool masked)
{
    volatile u32 *io;
    unsigned int pin;
    unsigned long flags;
    u32 lo;

    if ( !gsi_to_pin(gsi, &io, &pin) )
        return;
    flags = spin_lock_irqsave(&ioapic_lock);
    lo = ioapic_read(io, IOAPIC_REG_RTE + 2 * pin);
    lo = masked ? lo | IOAPIC_RTE_MASK : lo & ~IOAPIC_RTE_MASK;
    ioapic_write(io, IOAPIC_REG_RTE + 2 * pin, lo);
    spin_unlock_irqrestore(&ioapic_lock, flags);
}

u32 io_apic_read_rte(unsigned int gsi)
{
    volatile u32 *io;
    unsigned int pin;
    unsigned long flags;
    u32 lo;

    if ( !gsi_to_pin(gsi, &io, &pin) )
        return IOAPIC_RTE_MASK;
    flags = spin_lock_irqsave(&ioapic_lock);
    lo = ioapic_read(io, IOAPIC_REG_RTE + 2 * pin);
    spin_unlock_irqrestore(&ioapic_lock, flags);
    return lo;
}
