/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * physdev_op: a PV guest's access to physical devices.
 *
 * Port I/O: a guest's in/out instructions fault in ring 3 and are emulated
 * (pv/emulate.c) when its virtual IOPL allows them, or when its I/O bitmap
 * (set_iobitmap, in guest memory, a set bit meaning "denied" as in a TSS)
 * grants the ports. Interrupt routing (PIRQs, MSI, the IO-APIC for dom0) is
 * not implemented: those sub-ops answer -ENOSYS, which Linux's dom0 boot path
 * tolerates.
 */
#include <xen/errno.h>
#include <xen/hypercall.h>
#include <xen/lib.h>
#include <xen/sched.h>
#include <asm/guest_access.h>
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

/* Does v's I/O bitmap grant [port, port + bytes)? Read from guest memory. */
bool pv_iobitmap_allows(const struct vcpu *v, unsigned int port, unsigned int bytes)
{
    u8 bits[2];

    if ( port + bytes > v->pv.iobmp_ports || !v->pv.iobmp )
        return false;
    if ( copy_from_guest_va(bits, v->pv.iobmp + port / 8, (port % 8 + bytes > 8) ? 2 : 1) )
        return false;
    for ( unsigned int p = port; p < port + bytes; p++ )
        if ( bits[p / 8 - port / 8] & (1u << (p % 8)) )
            return false;
    return true;
}

long do_physdev_op(unsigned long cmd, unsigned long arg)
{
    struct vcpu *v = current;

    switch ( cmd )
    {
    case PHYSDEVOP_set_iopl: return set_iopl(v, arg);
    case PHYSDEVOP_set_iobitmap: return set_iobitmap(v, arg);
    default: return -ENOSYS;
    }
}
