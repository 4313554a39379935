/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Building PV domains, and the reference-counting rules the builder shares
 * with the PV MMU (asm/mm.h has the invariant they implement):
 *
 *  - every frame a domain owns: PGC_allocated and one general reference;
 *  - a present L1 entry mapping frame F: one general reference on F, and if
 *    the entry is writable one PGT_writable_page type reference;
 *  - a present L2/L3/L4 entry referencing table T: one general and one type
 *    reference of the level below, T validated for it;
 *  - a vCPU's guest_table and guest_table_user: one general and one
 *    PGT_l4_page_table type reference each; pinning one more of each, with
 *    PGT_pinned set.
 */
#ifndef ASM_PV_BUILD_H
#define ASM_PV_BUILD_H

#include <xen/sched.h>
#include <asm/bootinfo.h>

/* Build dom0 from the boot modules (kernel first, optional initrd) and start it. */
int construct_dom0(struct domain *d, const struct boot_module *kernel,
                   const struct boot_module *initrd, const char *cmdline);

/* dom0_max_vcpus=, or one vCPU per physical CPU. */
unsigned int dom0_max_vcpus(void);

/* Put pages (already owned by d through alloc_domheap_pages) on d's page list. */
void domain_assign_pages(struct domain *d, struct page_info *pg, unsigned long nr);

/* Fill the vCPU's time info from the hypervisor's clock (pvclock ABI). */
void pv_update_vcpu_time(struct vcpu *v);

/* Context switching (arch/x86/pv/vcpu.c). */
void pv_init_fpu(struct vcpu *v);
void pv_save_vcpu(struct vcpu *v);
noreturn void pv_start_vcpu(struct vcpu *v); /* run v on this CPU from its saved state */
noreturn void pv_enter_idle(void);           /* run this CPU's idle loop */

#endif
