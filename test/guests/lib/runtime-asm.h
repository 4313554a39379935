/* SPDX-License-Identifier: GPL-2.0-only */
/* Constants shared between the guest runtime's assembly and C. */
#ifndef GUEST_RUNTIME_ASM_H
#define GUEST_RUNTIME_ASM_H

#define GUEST_VIRT_BASE      0xffffffff80000000
#define PAGE_SIZE            4096
#define BOOT_STACK_SIZE      (4 * PAGE_SIZE)
#define TRAP_VECTOR_EVENT    256
#define TRAP_VECTOR_FAILSAFE 257

#endif /* GUEST_RUNTIME_ASM_H */
