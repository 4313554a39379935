/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the ACPI tables say about the machine, as parsed once at boot by
 * acpi_init() and read-only afterwards.
 */
#ifndef ASM_ACPI_H
#define ASM_ACPI_H

#include <xen/config.h>
#include <xen/types.h>

#define MAX_IO_APICS 8

struct acpi_ioapic
{
    u8 id;
    paddr_t addr;
    u32 gsi_base;
};

/* An interrupt source override: ISA IRQ irq arrives on GSI gsi. */
struct acpi_irq_override
{
    u32 gsi;
    u16 flags; /* MPS INTI flags: polarity bits 0-1, trigger bits 2-3 */
    bool valid;
};

/* Address of a FADT register: I/O port or memory (Generic Address Structure). */
struct acpi_gas
{
    u8 space; /* 0 memory, 1 I/O */
    u8 bit_width;
    u64 addr;
};

struct acpi_platform
{
    bool found;               /* a valid RSDP and root table */
    paddr_t lapic_addr;       /* MADT, or its 64-bit override */
    bool pcat_compat;         /* dual 8259s present */
    unsigned int nr_cpus;     /* enabled local APICs / x2APICs */
    u32 cpu_apic_id[NR_CPUS]; /* in MADT order; the boot CPU need not be first */
    u32 cpu_acpi_id[NR_CPUS]; /* the same CPU's ACPI processor UID */
    unsigned int nr_ioapics;
    struct acpi_ioapic ioapic[MAX_IO_APICS];
    struct acpi_irq_override isa_override[16];
    paddr_t hpet_addr; /* 0: no HPET table */
    u16 sci_irq;
    u32 pm1a_cnt, pm1b_cnt; /* FADT PM1 control blocks (I/O ports) */
    int slp_typa, slp_typb; /* \_S5 sleep types, -1 when not found */
    bool reset_supported;
    struct acpi_gas reset_reg;
    u8 reset_value;
};

extern struct acpi_platform acpi_platform;

/* The ACPI processor UID of the CPU with this APIC ID, or ~0u if the MADT has none. */
u32 acpi_processor_uid(u32 apic_id);

void acpi_init(void);
/* Write the FADT reset register; returns only if there is none (or it did nothing). */
void acpi_reboot(void);

/*
 * Pure helpers (host-testable): decode the \_S5 package from AML bytes;
 * 0 and the two sleep types on success, -ENOENT / -EINVAL otherwise.
 */
int acpi_find_s5(const u8 *aml, size_t len, u16 *slp_typa, u16 *slp_typb);
u8 acpi_checksum(const void *p, size_t len);

#endif
