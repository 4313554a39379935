/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The multicall hypercall: a batch of hypercalls in one guest entry.
 *
 * Theory of operation
 * -------------------
 * The guest passes an array of multicall_entry {op, result, args[6]}. Each
 * entry is read, run through the one hypercall table (the same handlers and
 * permission checks as a direct hypercall, hypercall_dispatch_op()) and its
 * result is written back into the entry's result field; nothing else of the
 * entry is written. The multicall itself returns 0 once every entry ran,
 * whatever the entries' results were: Linux checks each result (and treats
 * a non-zero one as a bug), so they must be exactly what the direct
 * hypercall would have returned.
 *
 * As on Xen:
 *   - an array that is not entirely guest memory is refused up front with
 *     -EFAULT, and an entry that cannot be read or whose result cannot be
 *     written stops the batch with -EFAULT (the entries before it ran);
 *   - a multicall inside a multicall answers -EINVAL in its entry;
 *   - an iret entry ends the batch (the vCPU has left the kernel context
 *     the batch belongs to); its result becomes the multicall's.
 * Batches are not preempted (no continuations yet): a guest bounds the
 * work by the batch size it chooses, as each entry is itself bounded.
 *
 * State: v->in_multicall, touched only by v itself on its own CPU.
 */
#include <xen/errno.h>
#include <xen/hypercall.h>
#include <xen/lib.h>
#include <xen/multicall.h>
#include <xen/sched.h>
#include <asm/guest_access.h>

BUILD_BUG_ON(sizeof(struct multicall_entry) != 64);

long multicall_run(struct vcpu *v, unsigned long list, unsigned int nr,
                   long (*dispatch)(unsigned long op, const unsigned long *args))
{
    const size_t sz = sizeof(struct multicall_entry);
    long rc = 0;

    if ( v->in_multicall )
        return -EINVAL;
    if ( !guest_range_ok(list, (size_t)nr * sz) )
        return -EFAULT;

    v->in_multicall = true;
    for ( unsigned int i = 0; i < nr; i++ )
    {
        unsigned long va = list + i * sz;
        struct multicall_entry e;
        unsigned long args[6];

        if ( copy_from_guest_va(&e, va, sz) )
        {
            rc = -EFAULT;
            break;
        }
        memcpy(args, e.args, sizeof(args));
        e.result = dispatch(e.op, args);
        if ( copy_to_guest_va(va + offsetof(struct multicall_entry, result), &e.result,
                              sizeof(e.result)) )
        {
            rc = -EFAULT;
            break;
        }
        if ( e.op == __HYPERVISOR_iret )
        {
            rc = (long)e.result;
            break;
        }
    }
    v->in_multicall = false;
    return rc;
}

/* Local, so that its address is PC-relative whatever the symbol visibility of the build. */
static long dispatch(unsigned long op, const unsigned long *args)
{
    return hypercall_dispatch_op(op, args);
}

long do_multicall(unsigned long call_list, unsigned long nr_calls)
{
    /* nr_calls is a 32-bit quantity in the ABI: upper bits are ignored. */
    return multicall_run(current, call_list, (unsigned int)nr_calls, dispatch);
}
