/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IO-APICs: found in the MADT, every redirection entry masked. Nothing routes
 * device interrupts yet; masking makes sure nothing the firmware left
 * programmed can fire into a vector we use for something else.
 *
 * Registers are reached indirectly: write the index to IOREGSEL (offset 0),
 * read or write IOWIN (offset 0x10). Only the boot CPU touches them, at boot.
 */
#include <xen/lib.h>
#include <xen/mm.h>
#include <asm/acpi.h>
#include <asm/apic.h>

#define IOAPIC_REGSEL   0
#define IOAPIC_WIN      4 /* in u32 units: byte offset 0x10 */
#define IOAPIC_REG_VER  0x01
#define IOAPIC_REG_RTE  0x10 /* entry n: low dword at 0x10 + 2n */
#define IOAPIC_RTE_MASK (1u << 16)

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

static void ioapic_mask_all(const struct acpi_ioapic *a)
{
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
    printk("IOAPIC[%u]: apic_id %u, version %#x, address %#lx, GSI %u-%u, all %u pins masked\n",
           (unsigned int)(a - acpi_platform.ioapic), a->id, ioapic_read(io, IOAPIC_REG_VER) & 0xff,
           a->addr, a->gsi_base, a->gsi_base + nr - 1, nr);
}

void io_apic_init(void)
{
    for ( unsigned int i = 0; i < acpi_platform.nr_ioapics; i++ )
        ioapic_mask_all(&acpi_platform.ioapic[i]);
}
