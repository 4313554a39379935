/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * physdev_op: a PV guest's access to physical devices.
 *
 * Port I/O: a guest's in/out instructions fault in ring 3 and are emulated
 * (pv/emulate.c) when its virtual IOPL allows them, or when its I/O bitmap
 * (set_iobitmap, in guest memory, a set bit meaning "denied" as in a TSS)
 * grants the ports.
 *
 * Physical interrupts (arch/x86/irq.c does the work): a privileged domain
 * maps GSIs to PIRQs (map_pirq, MAP_PIRQ_TYPE_GSI; unmap_pirq), gives their
 * trigger and polarity (setup_gsi), binds them to event channels
 * (EVTCHNOP_bind_pirq) and acknowledges level-triggered ones (eoi; any
 * domain may register an eoi map page, pirq_eoi_gmfn_v1/v2). Answers follow
 * Xen 4.17: irq_status_query says "needs EOI" for every PIRQ in range (the
 * eoi map tells which really do); alloc_irq_vector is a dummy returning the
 * IRQ as the vector. MSI is not supported: there is no PCI device list
 * (manage_pci_add is not implemented), so MSI mappings answer -ENODEV as Xen
 * does for a device it does not know. Mapping for another domain
 * (passthrough) is not supported (-EOPNOTSUPP).
 */
#include <xen/errno.h>
#include <xen/hypercall.h>
#include <xen/lib.h>
#include <xen/sched.h>
#include <asm/guest_access.h>
#include <asm/irq.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <asm/pv.h>
#include <public/physdev.h>

#define MAX_IOBITMAP_PORTS 65536

static long set_iopl(struct vcpu *v, unsigned long arg)
{
    struct physdev_set_iopl s;

    if ( copy_from_guest_va(&s, arg, sizeof(s)) )
        return -EFAULT;
    if ( s.iopl > 3 )
        return -EINVAL;
    v->pv.iopl = s.iopl;
    return 0;
}

static long set_iobitmap(struct vcpu *v, unsigned long arg)
{
    struct physdev_set_iobitmap s;

    if ( copy_from_guest_va(&s, arg, sizeof(s)) )
        return -EFAULT;
    if ( s.nr_ports > MAX_IOBITMAP_PORTS )
        return -EINVAL;
    v->pv.iobmp = guest_handle_va(s.bitmap);
    v->pv.iobmp_ports = s.nr_ports;
    return 0;
}

/*
 * Read the bitmap: it is a kernel address (Linux points it into its TSS),
 * and a vCPU in user mode runs on its user L4, which does not map it; as
 * Xen, the read goes through the kernel's tables. v is current.
 */
static int read_iobitmap(const struct vcpu *v, u8 *bits, unsigned int port, unsigned int len)
{
    bool switched = pv_enter_kernel_tables(v);
    int rc = copy_from_guest_va(bits, v->pv.iobmp + port / 8, len);

    pv_leave_kernel_tables(v, switched);
    return rc;
}

/* Does v's I/O bitmap grant [port, port + bytes)? Read from guest memory. */
bool pv_iobitmap_allows(const struct vcpu *v, unsigned int port, unsigned int bytes)
{
    u8 bits[2];

    if ( port + bytes > v->pv.iobmp_ports || !v->pv.iobmp )
        return false;
    if ( read_iobitmap(v, bits, port, (port % 8 + bytes > 8) ? 2 : 1) )
        return false;
    for ( unsigned int p = port; p < port + bytes; p++ )
        if ( bits[p / 8 - port / 8] & (1u << (p % 8)) )
            return false;
    return true;
}

/* ---- physical interrupts ---- */

/*
 * The domain a map/unmap names: the caller itself (DOMID_SELF or its id),
 * which must be privileged (Xen's device-model check). -ESRCH: no such
 * domain; another domain's PIRQs are not supported.
 */
static int pirq_target(domid_t domid, struct domain **out)
{
    struct domain *cd = current->domain, *d;

    if ( domid != DOMID_SELF && domid != cd->domain_id )
    {
        d = get_domain_by_id(domid);
        if ( !d )
            return -ESRCH;
        put_domain(d);
        return cd->is_privileged ? -EOPNOTSUPP : -EPERM;
    }
    if ( !cd->is_privileged )
        return -EPERM;
    *out = cd;
    return 0;
}

static int map_pirq_op(struct physdev_map_pirq *m)
{
    struct domain *d;
    int rc;

    /* Xen checks the multi-MSI table before the domain. */
    if ( m->type == MAP_PIRQ_TYPE_MULTI_MSI && m->table_base )
        return -EINVAL;
    rc = pirq_target(m->domid, &d);
    if ( rc )
        return rc;
    switch ( m->type )
    {
    case MAP_PIRQ_TYPE_GSI: return pirq_map_gsi(d, m->index, &m->pirq);
    case MAP_PIRQ_TYPE_MSI:
    case MAP_PIRQ_TYPE_MSI_SEG:
    case MAP_PIRQ_TYPE_MULTI_MSI: return -ENODEV; /* no PCI device is known */
    default: return -EINVAL;
    }
}

static long map_pirq(unsigned long arg)
{
    struct physdev_map_pirq m;
    long rc;

    if ( copy_from_guest_va(&m, arg, sizeof(m)) )
        return -EFAULT;
    rc = map_pirq_op(&m);
    /* Xen copies the structure back whatever the result. */
    if ( copy_to_guest_va(arg, &m, sizeof(m)) )
        rc = -EFAULT;
    return rc;
}

static long unmap_pirq(unsigned long arg)
{
    struct physdev_unmap_pirq u;
    struct domain *d;
    int rc;

    if ( copy_from_guest_va(&u, arg, sizeof(u)) )
        return -EFAULT;
    rc = pirq_target(u.domid, &d);
    return rc ? rc : pirq_unmap(d, u.pirq);
}

static long setup_gsi(unsigned long arg)
{
    struct physdev_setup_gsi s;

    if ( copy_from_guest_va(&s, arg, sizeof(s)) )
        return -EFAULT;
    if ( s.gsi < 0 || (unsigned int)s.gsi >= io_apic_nr_gsis() )
        return -EINVAL;
    if ( !current->domain->is_privileged )
        return -EPERM;
    return pirq_setup_gsi(s.gsi, s.triggering, s.polarity);
}

static long irq_status_query(unsigned long arg)
{
    struct physdev_irq_status_query q;

    if ( copy_from_guest_va(&q, arg, sizeof(q)) )
        return -EFAULT;
    if ( q.irq >= pirq_nr(current->domain) )
        return -EINVAL;
    /* As Xen 4.17: always "needs EOI"; the eoi map says which really do. Never shared. */
    q.flags = XENIRQSTAT_needs_eoi;
    return copy_to_guest_va(arg, &q, sizeof(q)) ? -EFAULT : 0;
}

static long eoi(unsigned long arg)
{
    struct physdev_eoi e;

    if ( copy_from_guest_va(&e, arg, sizeof(e)) )
        return -EFAULT;
    return pirq_eoi(current->domain, (int)e.irq);
}

static long pirq_eoi_gmfn(unsigned long arg, bool v1)
{
    struct physdev_pirq_eoi_gmfn g;

    if ( copy_from_guest_va(&g, arg, sizeof(g)) )
        return -EFAULT;
    return pirq_register_eoi_map(current->domain, g.gmfn, v1);
}

static long alloc_irq_vector(unsigned long arg)
{
    struct physdev_irq i;

    if ( copy_from_guest_va(&i, arg, sizeof(i)) )
        return -EFAULT;
    if ( !current->domain->is_privileged )
        return -EPERM;
    i.vector = i.irq; /* a dummy, as on Xen: vectors are the hypervisor's business */
    return copy_to_guest_va(arg, &i, sizeof(i)) ? -EFAULT : 0;
}

long do_physdev_op(unsigned long cmd, unsigned long arg)
{
    struct vcpu *v = current;

    switch ( cmd )
    {
    case PHYSDEVOP_set_iopl: return set_iopl(v, arg);
    case PHYSDEVOP_set_iobitmap: return set_iobitmap(v, arg);
    case PHYSDEVOP_map_pirq: return map_pirq(arg);
    case PHYSDEVOP_unmap_pirq: return unmap_pirq(arg);
    case PHYSDEVOP_setup_gsi: return setup_gsi(arg);
    case PHYSDEVOP_irq_status_query: return irq_status_query(arg);
    case PHYSDEVOP_eoi: return eoi(arg);
    case PHYSDEVOP_pirq_eoi_gmfn_v1: return pirq_eoi_gmfn(arg, true);
    case PHYSDEVOP_pirq_eoi_gmfn_v2: return pirq_eoi_gmfn(arg, false);
    case PHYSDEVOP_alloc_irq_vector: return alloc_irq_vector(arg);
    default: return -ENOSYS;
    }
}
