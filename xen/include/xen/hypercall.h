/* SPDX-License-Identifier: GPL-2.0-only */
/* Hypercall handlers that live in common code (see arch/x86/hypercall.c). */
#ifndef XEN_HYPERCALL_H
#define XEN_HYPERCALL_H

#include <xen/types.h>

long do_xen_version(unsigned long cmd, unsigned long arg);
long do_console_io(unsigned long cmd, unsigned long count, unsigned long buffer);
long do_vm_assist(unsigned long cmd, unsigned long type);
long do_sched_op(unsigned long cmd, unsigned long arg);
long do_vcpu_op(unsigned long cmd, unsigned long vcpuid, unsigned long arg);
long do_set_timer_op(unsigned long timeout);
long do_physdev_op(unsigned long cmd, unsigned long arg);
long do_sched_op_compat(unsigned long cmd, unsigned long arg);
long do_multicall(unsigned long call_list, unsigned long nr_calls);
long do_memory_op(unsigned long cmd, unsigned long arg);
long do_grant_table_op(unsigned long cmd, unsigned long uop, unsigned long count);

/*
 * Run hypercall op with args[0..4] through the hypercall table, permission
 * checks included: -ENOSYS for numbers without a handler.
 */
long hypercall_dispatch_op(unsigned long op, const unsigned long *args);

/*
 * Continuations (arch/x86/hypercall.c): a long handler stops when
 * hypercall_preempt_check() is true and, if hypercall_can_continue(nr) (a
 * direct call, not a multicall entry), returns
 * hypercall_create_continuation(nr, a0, a1, a2): the guest re-issues
 * hypercall nr with those first three arguments when it next runs.
 */
bool hypercall_preempt_check(void);
bool hypercall_can_continue(unsigned int nr);
long hypercall_create_continuation(unsigned int nr, unsigned long a0, unsigned long a1,
                                   unsigned long a2);

#endif
