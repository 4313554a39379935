/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ACPI tables: just enough to run the machine.
 *
 * The RSDP comes from the multiboot2 info (copied into boot_info) or from a
 * scan of the EBDA's first KiB and of 0xe0000-0xfffff. Its XSDT (revision 2
 * and later) or RSDT lists the other tables; of those we read the MADT (CPUs,
 * IO-APICs, ISA interrupt overrides), the FADT (PM1 control blocks, reset
 * register, the DSDT whose \_S5 package gives the S5 sleep types) and the
 * HPET table. A table with a bad checksum or an impossible length is reported
 * and skipped, never trusted.
 *
 * Tables live in firmware-reserved RAM below 4 GiB on every machine we know,
 * read through the direct map (__va); a table above 4 GiB is mapped with
 * ioremap. Everything found is stored in acpi_platform, written here once on
 * the boot CPU before the others start, read-only afterwards.
 */
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/shutdown.h>
#include <asm/acpi.h>
#include <asm/bootinfo.h>
#include <asm/page.h>
#include <asm/processor.h>

struct acpi_platform acpi_platform = {.slp_typa = -1, .slp_typb = -1};

struct __packed acpi_rsdp
{
    char signature[8];
    u8 checksum;
    char oem_id[6];
    u8 revision;
    u32 rsdt_addr;
    u32 length; /* revision >= 2 from here on */
    u64 xsdt_addr;
    u8 ext_checksum;
    u8 reserved[3];
};

struct __packed acpi_header
{
    char signature[4];
    u32 length;
    u8 revision;
    u8 checksum;
    char oem_id[6];
    char oem_table_id[8];
    u32 oem_revision;
    u32 creator_id;
    u32 creator_revision;
};

struct __packed acpi_madt
{
    struct acpi_header hdr;
    u32 lapic_addr;
    u32 flags; /* bit 0: PC-AT compatible 8259s */
};

struct __packed madt_entry
{
    u8 type, length;
};

enum {
    MADT_LAPIC = 0,
    MADT_IOAPIC = 1,
    MADT_INT_OVERRIDE = 2,
    MADT_LAPIC_ADDR = 5,
    MADT_X2APIC = 9,
};

struct __packed acpi_gas_raw
{
    u8 space, bit_width, bit_offset, access_size;
    u64 addr;
};

/* The FADT fields we use, at their offsets from the start of the table. */
#define FADT_DSDT          40
#define FADT_SCI_INT       46
#define FADT_PM1A_CNT      64
#define FADT_PM1B_CNT      68
#define FADT_FLAGS         112
#define FADT_RESET_REG     116
#define FADT_RESET_VALUE   128
#define FADT_X_DSDT        140
#define FADT_X_PM1A_CNT    172
#define FADT_X_PM1B_CNT    184
#define FADT_F_RESET_REG   (1u << 10)
#define HPET_TABLE_ADDRESS 40 /* Generic Address Structure of the block */

#define ACPI_MAX_TABLE_LEN (16u << 20)

static const void *acpi_map(paddr_t pa, size_t len)
{
    if ( pa + len <= (4UL << 30) )
        return __va(pa);
    return ioremap(pa, len);
}

static bool rsdp_valid(const struct acpi_rsdp *r)
{
    if ( memcmp(r->signature, "RSD PTR ", 8) || acpi_checksum(r, 20) )
        return false;
    return r->revision < 2 || (r->length >= sizeof(*r) && !acpi_checksum(r, sizeof(*r)));
}

static const struct acpi_rsdp *rsdp_scan(paddr_t start, size_t len)
{
    const u8 *p = acpi_map(start, len);

    for ( size_t off = 0; off + sizeof(struct acpi_rsdp) <= len; off += 16 )
        if ( rsdp_valid((const struct acpi_rsdp *)(p + off)) )
            return (const struct acpi_rsdp *)(p + off);
    return NULL;
}

static const struct acpi_rsdp *rsdp_find(void)
{
    const struct acpi_rsdp *r = (const struct acpi_rsdp *)boot_info.rsdp_copy;
    paddr_t ebda;

    if ( boot_info.rsdp && rsdp_valid(r) )
        return r;
    ebda = (paddr_t) * (const u16 *)acpi_map(0x40e, 2) << 4;
    if ( ebda >= 0x80000 && ebda < 0xa0000 && (r = rsdp_scan(ebda, 1024)) )
        return r;
    return rsdp_scan(0xe0000, 0x20000);
}

/* Map and check one table; NULL (with a warning) if it is not sound. */
static const struct acpi_header *table_get(paddr_t pa, const char *want)
{
    const struct acpi_header *h;

    if ( !pa )
        return NULL;
    h = acpi_map(pa, sizeof(*h));
    if ( !h || (want && memcmp(h->signature, want, 4)) )
        return NULL;
    if ( h->length < sizeof(*h) || h->length > ACPI_MAX_TABLE_LEN )
    {
        printk(XENLOG_WARNING "ACPI: %.4s at %#lx: bad length %u, ignored\n", h->signature, pa,
               h->length);
        return NULL;
    }
    h = acpi_map(pa, h->length);
    if ( h && acpi_checksum(h, h->length) )
    {
        printk(XENLOG_WARNING "ACPI: %.4s at %#lx: bad checksum, ignored\n", h->signature, pa);
        return NULL;
    }
    return h;
}

static void table_print(const struct acpi_header *h, paddr_t pa)
{
    printk(XENLOG_INFO "ACPI: %.4s %016lx %05X (v%02u %.6s %.8s %08X)\n", h->signature, pa,
           h->length, h->revision, h->oem_id, h->oem_table_id, h->oem_revision);
}

static void madt_add_cpu(u32 apic_id, u32 uid, u32 flags)
{
    struct acpi_platform *ap = &acpi_platform;

    if ( !(flags & 1) )
        return; /* disabled (online-capable CPUs are not hot-plugged here) */
    for ( unsigned int i = 0; i < ap->nr_cpus; i++ )
        if ( ap->cpu_apic_id[i] == apic_id )
            return; /* listed both as LAPIC and x2APIC */
    if ( ap->nr_cpus >= NR_CPUS )
    {
        printk(XENLOG_WARNING "ACPI: CPU with APIC ID %#x ignored: NR_CPUS is %u\n", apic_id,
               NR_CPUS);
        return;
    }
    ap->cpu_acpi_id[ap->nr_cpus] = uid;
    ap->cpu_apic_id[ap->nr_cpus++] = apic_id;
}

u32 acpi_processor_uid(u32 apic_id)
{
    for ( unsigned int i = 0; i < acpi_platform.nr_cpus; i++ )
        if ( acpi_platform.cpu_apic_id[i] == apic_id )
            return acpi_platform.cpu_acpi_id[i];
    return ~0u;
}

static void madt_add_ioapic(const u8 *e)
{
    struct acpi_platform *ap = &acpi_platform;
    struct acpi_ioapic *io;

    if ( ap->nr_ioapics >= MAX_IO_APICS )
        return;
    io = &ap->ioapic[ap->nr_ioapics++];
    io->id = e[2];
    io->addr = *(const u32 *)(e + 4);
    io->gsi_base = *(const u32 *)(e + 8);
}

static void madt_entry_parse(const u8 *e)
{
    struct acpi_platform *ap = &acpi_platform;

    switch ( e[0] )
    {
    case MADT_LAPIC:
        if ( e[1] >= 8 )
            madt_add_cpu(e[3], e[2], *(const u32 *)(e + 4));
        break;
    case MADT_X2APIC:
        if ( e[1] >= 16 )
            madt_add_cpu(*(const u32 *)(e + 4), *(const u32 *)(e + 12), *(const u32 *)(e + 8));
        break;
    case MADT_IOAPIC:
        if ( e[1] >= 12 )
            madt_add_ioapic(e);
        break;
    case MADT_INT_OVERRIDE:
        if ( e[1] >= 10 && e[2] == 0 && e[3] < 16 )
            ap->isa_override[e[3]] =
                (struct acpi_irq_override){*(const u32 *)(e + 4), *(const u16 *)(e + 8), true};
        break;
    case MADT_LAPIC_ADDR:
        if ( e[1] >= 12 )
            ap->lapic_addr = *(const u64 *)(e + 4);
        break;
    }
}

static void madt_parse(const struct acpi_header *h)
{
    const struct acpi_madt *m = (const void *)h;
    const u8 *p = (const u8 *)(m + 1), *end = (const u8 *)h + h->length;

    if ( h->length < sizeof(*m) )
        return;
    acpi_platform.lapic_addr = m->lapic_addr;
    acpi_platform.pcat_compat = m->flags & 1;
    for ( ; p + 2 <= end; p += p[1] )
    {
        if ( p[1] < 2 || p + p[1] > end )
        {
            printk(XENLOG_WARNING "ACPI: MADT entry of type %u has bad length %u; rest ignored\n",
                   p[0], p[1]);
            break;
        }
        madt_entry_parse(p);
    }
}

static u64 field(const struct acpi_header *h, unsigned int off, unsigned int size)
{
    const u8 *p = (const u8 *)h + off;
    u64 v = 0;

    if ( off + size > h->length )
        return 0; /* an older, shorter revision of the table */
    for ( unsigned int i = 0; i < size; i++ )
        v |= (u64)p[i] << (8 * i);
    return v;
}

static void gas_read(const struct acpi_header *h, unsigned int off, struct acpi_gas *g)
{
    const struct acpi_gas_raw *raw = (const void *)((const u8 *)h + off);

    if ( off + sizeof(*raw) > h->length )
        return;
    g->space = raw->space;
    g->bit_width = raw->bit_width;
    g->addr = raw->addr;
}

/* A PM1 control block: the 64-bit GAS if it names an I/O port, else the 32-bit field. */
static u32 fadt_pm1_cnt(const struct acpi_header *h, unsigned int x_off, unsigned int off)
{
    struct acpi_gas g = {0};

    gas_read(h, x_off, &g);
    if ( g.space == 1 && g.addr && g.addr < 0x10000 )
        return (u32)g.addr;
    return (u32)field(h, off, 4);
}

static bool s5_from_table(paddr_t pa, const char *sig)
{
    const struct acpi_header *h = table_get(pa, sig);
    u16 a, b;

    if ( !h || acpi_find_s5((const u8 *)(h + 1), h->length - sizeof(*h), &a, &b) )
        return false;
    acpi_platform.slp_typa = a;
    acpi_platform.slp_typb = b;
    return true;
}

static paddr_t fadt_parse(const struct acpi_header *h)
{
    struct acpi_platform *ap = &acpi_platform;
    paddr_t dsdt = field(h, FADT_X_DSDT, 8);

    if ( !dsdt )
        dsdt = field(h, FADT_DSDT, 4);
    ap->sci_irq = (u16)field(h, FADT_SCI_INT, 2);
    ap->pm1a_cnt = fadt_pm1_cnt(h, FADT_X_PM1A_CNT, FADT_PM1A_CNT);
    ap->pm1b_cnt = fadt_pm1_cnt(h, FADT_X_PM1B_CNT, FADT_PM1B_CNT);
    if ( field(h, FADT_FLAGS, 4) & FADT_F_RESET_REG )
    {
        gas_read(h, FADT_RESET_REG, &ap->reset_reg);
        ap->reset_value = (u8)field(h, FADT_RESET_VALUE, 1);
        ap->reset_supported = ap->reset_reg.addr && ap->reset_reg.space <= 1;
    }
    return dsdt;
}

static void hpet_table_parse(const struct acpi_header *h)
{
    struct acpi_gas g = {0};

    gas_read(h, HPET_TABLE_ADDRESS, &g);
    if ( g.space == 0 && g.addr )
        acpi_platform.hpet_addr = g.addr;
}

/* Root table entries are 4 (RSDT) or 8 (XSDT) bytes wide. */
static paddr_t root_entry(const struct acpi_header *root, unsigned int i, unsigned int width)
{
    return field(root, sizeof(*root) + i * width, width);
}

static void walk_root(const struct acpi_header *root, unsigned int width)
{
    unsigned int n = (root->length - sizeof(*root)) / width;
    paddr_t dsdt = 0, ssdt[8];
    unsigned int nr_ssdt = 0;

    for ( unsigned int i = 0; i < n; i++ )
    {
        paddr_t pa = root_entry(root, i, width);
        const struct acpi_header *h = table_get(pa, NULL);

        if ( !h )
            continue;
        table_print(h, pa);
        if ( !memcmp(h->signature, "APIC", 4) )
            madt_parse(h);
        else if ( !memcmp(h->signature, "FACP", 4) )
            dsdt = fadt_parse(h);
        else if ( !memcmp(h->signature, "HPET", 4) )
            hpet_table_parse(h);
        else if ( !memcmp(h->signature, "SSDT", 4) && nr_ssdt < ARRAY_SIZE(ssdt) )
            ssdt[nr_ssdt++] = pa;
    }
    if ( dsdt && table_get(dsdt, "DSDT") )
        table_print(table_get(dsdt, "DSDT"), dsdt);
    if ( s5_from_table(dsdt, "DSDT") )
        return;
    for ( unsigned int i = 0; i < nr_ssdt; i++ )
        if ( s5_from_table(ssdt[i], "SSDT") )
            return;
}

static void acpi_summary(void)
{
    const struct acpi_platform *ap = &acpi_platform;

    printk("ACPI: %u CPU%s enabled, local APIC at %#lx, %s8259s\n", ap->nr_cpus,
           ap->nr_cpus == 1 ? "" : "s", ap->lapic_addr, ap->pcat_compat ? "" : "no ");
    for ( unsigned int i = 0; i < ap->nr_ioapics; i++ )
        printk("ACPI: IOAPIC[%u]: id %u, address %#lx, GSI base %u\n", i, ap->ioapic[i].id,
               ap->ioapic[i].addr, ap->ioapic[i].gsi_base);
    for ( unsigned int irq = 0; irq < 16; irq++ )
        if ( ap->isa_override[irq].valid )
            printk(XENLOG_DEBUG "ACPI: INT_SRC_OVR IRQ %u -> GSI %u flags %#x\n", irq,
                   ap->isa_override[irq].gsi, ap->isa_override[irq].flags);
    printk("ACPI: PM1a_CNT %#x, PM1b_CNT %#x, SCI IRQ %u, S5 sleep types %d/%d\n", ap->pm1a_cnt,
           ap->pm1b_cnt, ap->sci_irq, ap->slp_typa, ap->slp_typb);
    if ( ap->reset_supported )
        printk("ACPI: reset register %s %#lx value %#x\n", ap->reset_reg.space ? "port" : "mmio",
               (unsigned long)ap->reset_reg.addr, ap->reset_value);
    if ( ap->hpet_addr )
        printk("ACPI: HPET at %#lx\n", ap->hpet_addr);
}

void acpi_init(void)
{
    const struct acpi_rsdp *r = rsdp_find();
    const struct acpi_header *root = NULL;
    unsigned int width = 8;

    if ( !r )
    {
        printk(XENLOG_WARNING "ACPI: no RSDP found; one CPU, no power-off\n");
        return;
    }
    printk(XENLOG_INFO "ACPI: RSDP (v%02u %.6s)\n", r->revision, r->oem_id);
    if ( r->revision >= 2 && r->xsdt_addr )
        root = table_get(r->xsdt_addr, "XSDT");
    if ( !root )
    {
        width = 4;
        root = table_get(r->rsdt_addr, "RSDT");
    }
    if ( !root )
    {
        printk(XENLOG_WARNING "ACPI: no valid XSDT or RSDT; one CPU, no power-off\n");
        return;
    }
    table_print(root, width == 8 ? r->xsdt_addr : r->rsdt_addr);
    acpi_platform.found = true;
    walk_root(root, width);
    acpi_summary();
    if ( acpi_platform.pm1a_cnt && acpi_platform.slp_typa >= 0 )
        acpi_set_poweroff(acpi_platform.pm1a_cnt, acpi_platform.pm1b_cnt,
                          (u16)acpi_platform.slp_typa, (u16)acpi_platform.slp_typb);
}

void acpi_reboot(void)
{
    const struct acpi_platform *ap = &acpi_platform;

    if ( !ap->reset_supported )
        return;
    if ( ap->reset_reg.space == 1 )
        outb(ap->reset_value, (u16)ap->reset_reg.addr);
    else
    {
        volatile u8 *reg = ioremap(ap->reset_reg.addr, 1);
        if ( reg )
            *reg = ap->reset_value;
    }
}
