/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Physical interrupts (PIRQs) for dom0: the back end of physdev_op's
 * setup_gsi, map_pirq, unmap_pirq, eoi and pirq_eoi_gmfn, and of
 * event_channel_op's bind_pirq / close.
 *
 * Theory of operation. A privileged domain maps a GSI (a pin of an IO-APIC
 * from the MADT) to one of its PIRQ numbers (map_pirq; Linux asks for
 * pirq == gsi), optionally tells the trigger and polarity ACPI gave it
 * (setup_gsi, once per GSI as on Xen), then binds the PIRQ to an event
 * channel port. Binding takes a vector from a small pool on the boot CPU,
 * programs the pin's redirection entry (physical destination: the boot CPU;
 * trigger and polarity from setup_gsi, else the MADT's defaults) and
 * unmasks it. The interrupt handler acknowledges the local APIC and makes
 * the bound port pending.
 *
 * Level-triggered pins follow Xen's "unmask" acknowledgement: the handler
 * masks the pin before the local APIC EOI (so the still-asserted line does
 * not fire again), marks the GSI in flight, and the pin stays masked until
 * the guest's PHYSDEVOP_eoi. A guest that registered an eoi map
 * (pirq_eoi_gmfn) finds bit <pirq> set there for every level-triggered PIRQ
 * it bound, clear for edge ones, so it knows which need the EOI hypercall;
 * with the v1 variant an EOI also unmasks the PIRQ's event channel.
 * Edge-triggered pins are never masked while bound.
 *
 * Limits: one guest per GSI (no sharing between domains), GSIs below
 * MAX_GSIS, NR_PIRQ_VECTORS GSIs bound at once, all delivered to the boot
 * CPU; no MSI; no forced EOI for a guest that never sends one.
 *
 * Locking: pirq_lock (irqsave) protects gsi_desc[], vector_gsi[] and every
 * struct pirq_domain and the slots that hold them. Lock order:
 * d->event_lock, then pirq_lock, then io_apic.c's ioapic_lock. The
 * interrupt handler takes only pirq_lock, and raises the event after
 * dropping it (evtchn_send_pirq takes event_lock and checks the port is
 * still bound to that PIRQ). A domain is unbound (evtchn_destroy) before it
 * can be freed; pirq_domain_destroy waits for deliveries in progress.
 */
#include <xen/errno.h>
#include <xen/event.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/sched.h>
#include <xen/spinlock.h>
#include <asm/acpi.h>
#include <asm/apic.h>
#include <asm/irq.h>
#include <asm/processor.h>
#include <asm/pv_mm.h>
#include <asm/time.h>
#include <asm/traps.h>

#define MAX_GSIS          256
#define MAX_PIRQ_DOMAINS  8
#define PIRQ_UNMAPPED     0xffff
#define FIRST_DYNAMIC_GSI 16 /* a GSI mapped with pirq < 0 gets a PIRQ from here, as Xen */

BUILD_BUG_ON(NR_PIRQS > PAGE_SIZE * 8);
BUILD_BUG_ON(PIRQ_VECTOR_BASE + NR_PIRQ_VECTORS > LOCAL_TIMER_VECTOR);

/* One GSI. Protected by pirq_lock. */
struct gsi_desc
{
    struct domain *guest; /* bound domain; NULL: the pin is masked */
    u16 pirq;             /* guest's PIRQ number for it, while bound */
    evtchn_port_t port;   /* guest's port, while bound */
    u8 vector;            /* from the pool, while bound */
    bool configured;      /* PHYSDEVOP_setup_gsi gave level/active_low */
    bool level, active_low;
    bool in_flight; /* level: masked until the guest's EOI */
    unsigned long count;
};

/* A domain's PIRQs. Protected by pirq_lock; freed by pirq_domain_destroy(). */
struct pirq_domain
{
    struct domain *d;
    u16 gsi[NR_PIRQS];          /* mapped GSI, or PIRQ_UNMAPPED */
    struct page_info *eoi_page; /* writable-type reference held; NULL: no eoi map */
    unsigned long *eoi_map;     /* that frame, through the direct map */
    bool auto_unmask;           /* registered with pirq_eoi_gmfn_v1 */
};

static DEFINE_SPINLOCK(pirq_lock);
static struct gsi_desc gsi_desc[MAX_GSIS];
static s16 vector_gsi[NR_PIRQ_VECTORS]; /* -1: free */
static struct pirq_domain *pirq_domains[MAX_PIRQ_DOMAINS];
static unsigned int deliveries; /* handlers between unlock and send (atomic) */

static unsigned int nr_gsis(void)
{
    unsigned int n = io_apic_nr_gsis();

    return n < MAX_GSIS ? n : MAX_GSIS;
}

unsigned int pirq_nr(const struct domain *d)
{
    /* Xen: the GSIs plus 32 for a domU; dom0 gets more (capped by the eoi map here). */
    return d->is_privileged ? NR_PIRQS : min(nr_gsis() + 32, (unsigned int)NR_PIRQS);
}

/* pirq_lock held. */
static struct pirq_domain *pirq_domain_find(const struct domain *d)
{
    for ( unsigned int i = 0; i < MAX_PIRQ_DOMAINS; i++ )
        if ( pirq_domains[i] && pirq_domains[i]->d == d )
            return pirq_domains[i];
    return NULL;
}

/* The GSI d's pirq is mapped to, or -1 (d has no table, or pirq is unmapped). pirq_lock held. */
static int mapped_gsi(const struct domain *d, unsigned int pirq, struct pirq_domain **pd)
{
    *pd = pirq_domain_find(d);
    if ( !*pd || pirq >= NR_PIRQS || (*pd)->gsi[pirq] == PIRQ_UNMAPPED )
        return -1;
    return (*pd)->gsi[pirq];
}

/* Is gsi delivered to d's pirq right now? pirq_lock held. */
static bool gsi_bound_to(unsigned int gsi, const struct domain *d, unsigned int pirq)
{
    return gsi_desc[gsi].guest == d && gsi_desc[gsi].pirq == pirq;
}

/* d's table, made on first use (allocated outside the lock). NULL: no memory or slot. */
static struct pirq_domain *pirq_domain_get(struct domain *d)
{
    struct pirq_domain *pd, *fresh;
    unsigned long flags;

    flags = spin_lock_irqsave(&pirq_lock);
    pd = pirq_domain_find(d);
    spin_unlock_irqrestore(&pirq_lock, flags);
    if ( pd )
        return pd;
    fresh = xzalloc(struct pirq_domain);
    if ( !fresh )
        return NULL;
    fresh->d = d;
    for ( unsigned int p = 0; p < NR_PIRQS; p++ )
        fresh->gsi[p] = PIRQ_UNMAPPED;
    flags = spin_lock_irqsave(&pirq_lock);
    pd = pirq_domain_find(d);
    for ( unsigned int i = 0; !pd && i < MAX_PIRQ_DOMAINS; i++ )
        if ( !pirq_domains[i] )
            pd = pirq_domains[i] = fresh;
    spin_unlock_irqrestore(&pirq_lock, flags);
    if ( pd != fresh )
        xfree(fresh);
    return pd;
}

static void eoi_bit(struct pirq_domain *pd, unsigned int pirq, bool set)
{
    unsigned long bit = 1UL << (pirq % BITS_PER_LONG);

    if ( !pd->eoi_map )
        return;
    if ( set )
        __atomic_fetch_or(&pd->eoi_map[pirq / BITS_PER_LONG], bit, __ATOMIC_SEQ_CST);
    else
        __atomic_fetch_and(&pd->eoi_map[pirq / BITS_PER_LONG], ~bit, __ATOMIC_SEQ_CST);
}

/* Mask the pin and give its vector back. pirq_lock held. */
static void gsi_release(unsigned int gsi)
{
    struct gsi_desc *desc = &gsi_desc[gsi];

    io_apic_set_masked(gsi, true);
    vector_gsi[desc->vector - PIRQ_VECTOR_BASE] = -1;
    desc->vector = 0;
    desc->guest = NULL;
    desc->in_flight = false;
}

/* ---- the interrupt ---- */

static void pirq_interrupt(struct cpu_user_regs *regs, unsigned int vector)
{
    struct domain *d = NULL;
    unsigned int pirq = 0;
    evtchn_port_t port = 0;
    int gsi;

    spin_lock(&pirq_lock); /* interrupts are off in a handler */
    gsi = vector_gsi[vector - PIRQ_VECTOR_BASE];
    if ( gsi >= 0 && gsi_desc[gsi].guest )
    {
        struct gsi_desc *desc = &gsi_desc[gsi];

        if ( desc->level )
        {
            io_apic_set_masked(gsi, true);
            desc->in_flight = true;
        }
        desc->count++;
        d = desc->guest;
        pirq = desc->pirq;
        port = desc->port;
        __atomic_fetch_add(&deliveries, 1, __ATOMIC_SEQ_CST);
    }
    spin_unlock(&pirq_lock);
    apic_eoi();
    if ( d )
    {
        evtchn_send_pirq(d, pirq, port);
        __atomic_fetch_sub(&deliveries, 1, __ATOMIC_SEQ_CST);
    }
}

void pirq_init(void)
{
    for ( unsigned int i = 0; i < NR_PIRQ_VECTORS; i++ )
    {
        vector_gsi[i] = -1;
        set_irq_handler(PIRQ_VECTOR_BASE + i, pirq_interrupt);
    }
}

/* ---- operations ---- */

int pirq_setup_gsi(int gsi, int triggering, int polarity)
{
    struct gsi_desc *desc;
    unsigned long flags;
    int rc = 0;

    if ( gsi < 0 || (unsigned int)gsi >= nr_gsis() || !io_apic_gsi_exists(gsi) )
        return -EINVAL;
    desc = &gsi_desc[gsi];
    flags = spin_lock_irqsave(&pirq_lock);
    /* Xen programs a pin once, and not while a guest has it bound. */
    if ( desc->guest || desc->configured )
        rc = -EEXIST;
    else
    {
        desc->configured = true;
        desc->level = triggering & 1;
        desc->active_low = polarity & 1;
    }
    spin_unlock_irqrestore(&pirq_lock, flags);
    return rc;
}

/* The PIRQ gsi is mapped to in pd, or -1. pirq_lock held. */
static int pirq_of_gsi(const struct pirq_domain *pd, unsigned int gsi)
{
    for ( unsigned int p = 0; p < NR_PIRQS; p++ )
        if ( pd->gsi[p] == gsi )
            return p;
    return -1;
}

/* A PIRQ for gsi when the caller gave none, as Xen: its mapping, else a free one from 16. */
static int pirq_choose(const struct pirq_domain *pd, unsigned int gsi, int cur)
{
    if ( cur >= 0 )
        return cur;
    for ( unsigned int p = FIRST_DYNAMIC_GSI; p < nr_gsis() && p < NR_PIRQS; p++ )
        if ( pd->gsi[p] == PIRQ_UNMAPPED )
            return p;
    return -ENOSPC;
}

int pirq_map_gsi(struct domain *d, int gsi, int *pirq_p)
{
    struct pirq_domain *pd;
    unsigned long flags;
    int cur, pirq = *pirq_p, rc = 0;

    if ( gsi < 0 || (unsigned int)gsi >= nr_gsis() )
        return -EINVAL;
    pd = pirq_domain_get(d);
    if ( !pd )
        return -ENOMEM;
    flags = spin_lock_irqsave(&pirq_lock);
    cur = pirq_of_gsi(pd, gsi);
    if ( pirq < 0 )
        pirq = pirq_choose(pd, gsi, cur);
    else if ( cur >= 0 && pirq != cur )
        pirq = -EEXIST;
    if ( pirq < 0 )
        rc = pirq;
    else if ( (unsigned int)pirq >= pirq_nr(d) || gsi == 0 ) /* Xen never maps IRQ 0 */
        rc = -EINVAL;
    else if ( pd->gsi[pirq] == PIRQ_UNMAPPED )
        pd->gsi[pirq] = gsi;
    /* else pirq is another GSI's: Xen leaves both alone and answers 0 */
    if ( !rc )
        *pirq_p = pirq;
    spin_unlock_irqrestore(&pirq_lock, flags);
    return rc;
}

int pirq_unmap(struct domain *d, int pirq)
{
    struct pirq_domain *pd;
    unsigned long flags;
    int rc = 0, gsi;

    if ( pirq < 0 || (unsigned int)pirq >= pirq_nr(d) )
        return -EINVAL;
    flags = spin_lock_irqsave(&pirq_lock);
    gsi = mapped_gsi(d, pirq, &pd);
    if ( gsi < 0 )
        rc = -EINVAL;
    else
    {
        /* A bound PIRQ is unbound by force; its port stays a PIRQ port until closed. */
        if ( gsi_bound_to(gsi, d, pirq) )
            gsi_release(gsi);
        pd->gsi[pirq] = PIRQ_UNMAPPED;
    }
    spin_unlock_irqrestore(&pirq_lock, flags);
    return rc;
}

/* A free vector of the pool for gsi, or 0. pirq_lock held. */
static unsigned int vector_alloc(unsigned int gsi)
{
    for ( unsigned int i = 0; i < NR_PIRQ_VECTORS; i++ )
        if ( vector_gsi[i] < 0 )
        {
            vector_gsi[i] = gsi;
            return PIRQ_VECTOR_BASE + i;
        }
    return 0;
}

/* Route gsi to a fresh vector for (d, pirq, port) and unmask it. pirq_lock held. */
static int gsi_bind(struct pirq_domain *pd, unsigned int gsi, unsigned int pirq, evtchn_port_t port)
{
    struct gsi_desc *desc = &gsi_desc[gsi];
    unsigned int vector;
    int rc;

    if ( desc->guest )
        return -EBUSY; /* one guest per GSI */
    if ( !desc->configured )
        io_apic_gsi_default(gsi, &desc->level, &desc->active_low);
    vector = vector_alloc(gsi);
    if ( !vector )
        return -ENOSPC;
    rc = io_apic_route(gsi, vector, x86_cpu_to_apicid[0], desc->level, desc->active_low);
    if ( rc )
    {
        vector_gsi[vector - PIRQ_VECTOR_BASE] = -1;
        return rc;
    }
    desc->vector = vector;
    desc->guest = pd->d;
    desc->pirq = pirq;
    desc->port = port;
    desc->in_flight = false;
    /* As Xen: the bit says which PIRQs need PHYSDEVOP_eoi, set at bind time. */
    eoi_bit(pd, pirq, desc->level);
    io_apic_set_masked(gsi, false);
    return 0;
}

int pirq_bind(struct domain *d, unsigned int pirq, evtchn_port_t port, bool will_share)
{
    struct pirq_domain *pd;
    unsigned long flags;
    int rc, gsi;

    ASSERT(spin_is_locked_by_me(&d->event_lock));
    if ( pirq >= pirq_nr(d) )
        return -EINVAL;
    flags = spin_lock_irqsave(&pirq_lock);
    gsi = mapped_gsi(d, pirq, &pd);
    if ( gsi <= 0 )
        rc = -EPERM; /* Xen: no access to an unmapped PIRQ */
    else
        rc = gsi_bind(pd, gsi, pirq, port);
    spin_unlock_irqrestore(&pirq_lock, flags);
    (void)will_share; /* sharing between domains is not supported: one guest per GSI */
    return rc;
}

void pirq_unbind(struct domain *d, unsigned int pirq, evtchn_port_t port)
{
    struct pirq_domain *pd;
    unsigned long flags;
    int gsi;

    ASSERT(spin_is_locked_by_me(&d->event_lock));
    flags = spin_lock_irqsave(&pirq_lock);
    gsi = mapped_gsi(d, pirq, &pd);
    if ( gsi >= 0 && gsi_bound_to(gsi, d, pirq) && gsi_desc[gsi].port == port )
        gsi_release(gsi);
    spin_unlock_irqrestore(&pirq_lock, flags);
}

int pirq_eoi(struct domain *d, int pirq)
{
    struct pirq_domain *pd;
    evtchn_port_t unmask = 0;
    unsigned long flags;
    int rc = 0, gsi;

    if ( pirq < 0 || (unsigned int)pirq >= pirq_nr(d) )
        return -EINVAL;
    flags = spin_lock_irqsave(&pirq_lock);
    gsi = mapped_gsi(d, pirq, &pd);
    if ( gsi < 0 )
        rc = -EINVAL;
    else
    {
        struct gsi_desc *desc = &gsi_desc[gsi];

        if ( gsi_bound_to(gsi, d, pirq) )
        {
            if ( pd->auto_unmask )
                unmask = desc->port;
            if ( desc->in_flight )
            {
                desc->in_flight = false;
                io_apic_set_masked(gsi, false);
            }
        }
    }
    spin_unlock_irqrestore(&pirq_lock, flags);
    if ( unmask )
        evtchn_unmask_pirq_port(d, unmask);
    return rc;
}

int pirq_register_eoi_map(struct domain *d, unsigned long gmfn, bool auto_unmask)
{
    struct pirq_domain *pd;
    struct page_info *pg;
    unsigned long flags;
    int rc = 0;

    /* A PV guest's gmfn is the machine frame; it must be its own, typed writable. */
    if ( !mfn_valid(gmfn) )
        return -EINVAL;
    pg = mfn_to_page(gmfn);
    if ( !get_page_and_type(pg, d, PGT_writable_page) )
        return -EINVAL;
    pd = pirq_domain_get(d);
    if ( !pd )
    {
        put_page_and_type(pg);
        return -ENOMEM;
    }
    flags = spin_lock_irqsave(&pirq_lock);
    if ( pd->eoi_page )
        rc = -EBUSY; /* once per domain, as Xen */
    else
    {
        pd->eoi_page = pg;
        pd->eoi_map = mfn_to_virt(gmfn);
        pd->auto_unmask = auto_unmask;
    }
    spin_unlock_irqrestore(&pirq_lock, flags);
    if ( rc )
        put_page_and_type(pg);
    return rc;
}

void pirq_domain_destroy(struct domain *d)
{
    struct pirq_domain *pd = NULL;
    unsigned long flags;

    flags = spin_lock_irqsave(&pirq_lock);
    for ( unsigned int gsi = 0; gsi < MAX_GSIS; gsi++ )
        if ( gsi_desc[gsi].guest == d )
            gsi_release(gsi);
    for ( unsigned int i = 0; i < MAX_PIRQ_DOMAINS; i++ )
        if ( pirq_domains[i] && pirq_domains[i]->d == d )
        {
            pd = pirq_domains[i];
            pirq_domains[i] = NULL;
        }
    spin_unlock_irqrestore(&pirq_lock, flags);
    /* A handler that picked d before the release may still be raising its event. */
    while ( __atomic_load_n(&deliveries, __ATOMIC_SEQ_CST) )
        cpu_relax();
    if ( !pd )
        return;
    if ( pd->eoi_page )
        put_page_and_type(pd->eoi_page);
    xfree(pd);
}

/*
 * ---- boot self-test ("selftest"): a real GSI through the IO-APIC ----
 *
 * ISA IRQ 8's GSI is routed to a vector of the pool with the MADT's default
 * trigger and polarity (an ISA IRQ: edge, active high), the CMOS RTC's
 * periodic interrupt is turned on at 1024 Hz for 50 ms, and the interrupts
 * that arrive are counted (each one acknowledged at the RTC by reading
 * register C). Everything is put back: RTC registers A and B, the pin
 * masked, the vector returned. Runs before dom0 exists.
 */
#define CMOS_INDEX 0x70
#define CMOS_DATA  0x71
#define RTC_REG_A  0x0a
#define RTC_REG_B  0x0b
#define RTC_REG_C  0x0c
#define RTC_PIE    0x40
#define RTC_1024HZ 0x06

static unsigned int selftest_hits;

static u8 cmos_get(u8 reg)
{
    outb(reg, CMOS_INDEX);
    return inb(CMOS_DATA);
}

static void cmos_set(u8 reg, u8 val)
{
    outb(reg, CMOS_INDEX);
    outb(val, CMOS_DATA);
}

static void selftest_interrupt(struct cpu_user_regs *regs, unsigned int vector)
{
    cmos_get(RTC_REG_C); /* lets the RTC raise the next one */
    selftest_hits++;
    apic_eoi();
}

/* 50 ms of the RTC's periodic interrupt with interrupts on; the count. */
static unsigned int rtc_periodic_burst(void)
{
    u8 a = cmos_get(RTC_REG_A), b = cmos_get(RTC_REG_B);
    unsigned long flags = local_irq_save();

    selftest_hits = 0;
    cmos_set(RTC_REG_A, (a & 0xf0) | RTC_1024HZ);
    cmos_get(RTC_REG_C);
    cmos_set(RTC_REG_B, b | RTC_PIE);
    local_irq_enable();
    udelay(50000);
    local_irq_disable();
    cmos_set(RTC_REG_B, b);
    cmos_get(RTC_REG_C);
    cmos_set(RTC_REG_A, a);
    local_irq_restore(flags);
    return selftest_hits;
}

bool pirq_selftest(void)
{
    const struct acpi_irq_override *o = &acpi_platform.isa_override[8];
    unsigned int gsi = o->valid ? o->gsi : 8, vector, hits;
    bool level, low, ok;
    unsigned long flags;
    u32 rte;

    flags = spin_lock_irqsave(&pirq_lock);
    vector = gsi < nr_gsis() && !gsi_desc[gsi].guest ? vector_alloc(gsi) : 0;
    spin_unlock_irqrestore(&pirq_lock, flags);
    if ( !vector )
    {
        printk("selftest: pirq-rtc FAIL GSI %u: no IO-APIC pin or no vector\n", gsi);
        return false;
    }
    set_irq_handler(vector, selftest_interrupt);
    io_apic_gsi_default(gsi, &level, &low);
    io_apic_route(gsi, vector, x86_cpu_to_apicid[0], level, low);
    io_apic_set_masked(gsi, false);
    rte = io_apic_read_rte(gsi);
    hits = rtc_periodic_burst();
    io_apic_set_masked(gsi, true);
    set_irq_handler(vector, pirq_interrupt);
    flags = spin_lock_irqsave(&pirq_lock);
    vector_gsi[vector - PIRQ_VECTOR_BASE] = -1;
    spin_unlock_irqrestore(&pirq_lock, flags);
    /*
     * 1024 Hz for 50 ms is 51, but a loaded host's TCG delivers fewer (16 seen
     * beside another QEMU): at least two (the RTC re-arms after register C is
     * read) and no storm. The RTE must be exact.
     */
    ok = !level && !low && (rte & 0x1ffff) == vector && hits >= 2 && hits <= 200 &&
         (io_apic_read_rte(gsi) & (1u << 16));
    printk("selftest: pirq-rtc %s GSI %u vector %#x RTE %#x, %u interrupts in 50 ms\n",
           ok ? "PASS" : "FAIL", gsi, vector, rte, hits);
    return ok;
}
