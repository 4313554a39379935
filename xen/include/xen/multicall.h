/* SPDX-License-Identifier: GPL-2.0-only */
/* The multicall hypercall (common/multicall.c). */
#ifndef XEN_MULTICALL_H
#define XEN_MULTICALL_H

struct vcpu;

/*
 * Run v's batch of nr multicall_entry at guest address list, each through
 * dispatch, writing each result back: 0, -EFAULT (array not readable or a
 * result not writable; earlier entries ran), -EINVAL (nested), or the
 * result of an iret entry, which ends the batch.
 */
long multicall_run(struct vcpu *v, unsigned long list, unsigned int nr,
                   long (*dispatch)(unsigned long op, const unsigned long *args));

#endif
