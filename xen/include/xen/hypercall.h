/* SPDX-License-Identifier: GPL-2.0-only */
/* Hypercall handlers that live in common code (see arch/x86/hypercall.c). */
#ifndef XEN_HYPERCALL_H
#define XEN_HYPERCALL_H

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

#endif
