/* SPDX-License-Identifier: GPL-2.0-only */
/* Hypercall handlers that live in common code (see arch/x86/hypercall.c). */
#ifndef XEN_HYPERCALL_H
#define XEN_HYPERCALL_H

long do_xen_version(unsigned long cmd, unsigned long arg);
long do_console_io(unsigned long cmd, unsigned long count, unsigned long buffer);
long do_vm_assist(unsigned long cmd, unsigned long type);
long do_sched_op(unsigned long cmd, unsigned long arg);

#endif
