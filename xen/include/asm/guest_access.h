/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fault-safe access to guest memory.
 *
 * A PV guest's address space is live while the hypervisor handles its
 * hypercall, so guest virtual addresses are dereferenced directly, but only
 * through these helpers: they refuse any range that touches the hypervisor's
 * hole or is not canonical, open the SMAP window (stac/clac) for the access,
 * and recover from a fault through the exception table. They return 0 or
 * -EFAULT; nothing else in the hypervisor dereferences a guest pointer.
 */
#ifndef ASM_GUEST_ACCESS_H
#define ASM_GUEST_ACCESS_H

#include <xen/errno.h>
#include <xen/lib.h>

/* True when [va, va + len) is entirely guest-owned virtual address space. */
static inline bool guest_range_ok(unsigned long va, size_t len)
{
    unsigned long end = va + len;

    if ( end < va )
        return false;
    if ( va < HYPERVISOR_VIRT_START_ADDR )
        return end <= (1UL << 47);         /* lower canonical half */
    return va >= HYPERVISOR_VIRT_END_ADDR; /* upper half above the hole */
}

/* Bytes not copied (0 on success); faults are recovered, never fatal. */
unsigned long copy_bytes_fault_safe(void *dst, const void *src, size_t len);

static inline int copy_from_guest_va(void *dst, unsigned long gva, size_t len)
{
    if ( !guest_range_ok(gva, len) )
        return -EFAULT;
    return copy_bytes_fault_safe(dst, (const void *)gva, len) ? -EFAULT : 0;
}

static inline int copy_to_guest_va(unsigned long gva, const void *src, size_t len)
{
    if ( !guest_range_ok(gva, len) )
        return -EFAULT;
    return copy_bytes_fault_safe((void *)gva, src, len) ? -EFAULT : 0;
}

#define guest_handle_va(hnd) ((unsigned long)(hnd).p)

/* copy_from_guest(ptr, hnd, nr): nr elements of *ptr from handle hnd. */
#define copy_from_guest(ptr, hnd, nr)                                                              \
    copy_from_guest_va(ptr, guest_handle_va(hnd), (nr) * sizeof(*(ptr)))
#define copy_to_guest(hnd, ptr, nr)                                                                \
    copy_to_guest_va(guest_handle_va(hnd), ptr, (nr) * sizeof(*(ptr)))
#define copy_from_guest_offset(ptr, hnd, off, nr)                                                  \
    copy_from_guest_va(ptr, guest_handle_va(hnd) + (off) * sizeof(*(ptr)), (nr) * sizeof(*(ptr)))
#define copy_to_guest_offset(hnd, off, ptr, nr)                                                    \
    copy_to_guest_va(guest_handle_va(hnd) + (off) * sizeof(*(ptr)), ptr, (nr) * sizeof(*(ptr)))

#endif
