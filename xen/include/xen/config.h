/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hypervisor's virtual memory map and build-wide constants.
 *
 * 64-bit PV guests own the whole address space except the hole that the Xen
 * ABI reserves for the hypervisor, HYPERVISOR_VIRT_START..HYPERVISOR_VIRT_END
 * (L4 slots 256-271, 8 TiB). Every guest L4 carries the hypervisor's entries
 * for those slots, so the hypervisor runs on the guest's page tables.
 *
 *   slot  start                 what
 *   256   0xffff800000000000    read-only M2P, guest-readable (RO_MPT_VIRT_START)
 *   257   0xffff808000000000    read-write M2P, the hypervisor's view
 *   258   0xffff810000000000    per-domain area: per-vCPU GDT/LDT shadow mappings
 *   259   0xffff818000000000    ioremap area (MMIO: APIC, HPET, ACPI tables)
 *   260   0xffff820000000000    frame table: one struct page_info per frame
 *   261   0xffff82d080000000    hypervisor image (XEN_VIRT_START, as on Xen)
 *   262   0xffff830000000000    direct map of all RAM, 5 TiB, to 0xffff880000000000
 *
 * The image is linked at XEN_VIRT_START + its physical load address, so
 * virt - XEN_VIRT_START is the physical address of any symbol in it.
 */
#ifndef XEN_CONFIG_H
#define XEN_CONFIG_H

#ifdef __ASSEMBLY__
#define _AC(x, s) x
#else
#define _AC(x, s) x##s
#endif

#define PAGE_SHIFT    12
#define PAGE_SIZE     (_AC(1, UL) << PAGE_SHIFT)
#define PAGE_MASK     (~(PAGE_SIZE - 1))
#define L2_PAGE_SHIFT 21
#define L3_PAGE_SHIFT 30
#define L4_PAGE_SHIFT 39

#define L4_SLOT_VA(s) (_AC(0xffff000000000000, UL) | (_AC(s, UL) << L4_PAGE_SHIFT))

/* The hole the Xen ABI reserves for the hypervisor (public/arch-x86/xen-x86_64.h). */
#define HYPERVISOR_VIRT_START_ADDR L4_SLOT_VA(256)
#define HYPERVISOR_VIRT_END_ADDR   L4_SLOT_VA(272)

#define RO_MPT_VIRT_START     L4_SLOT_VA(256)
#define RO_MPT_VIRT_END       (RO_MPT_VIRT_START + (_AC(1, UL) << 38))
#define RDWR_MPT_VIRT_START   L4_SLOT_VA(257)
#define RDWR_MPT_VIRT_END     (RDWR_MPT_VIRT_START + (_AC(1, UL) << 38))
#define PERDOMAIN_VIRT_START  L4_SLOT_VA(258)
#define IOREMAP_VIRT_START    L4_SLOT_VA(259)
#define IOREMAP_VIRT_END      L4_SLOT_VA(260)
#define FRAMETABLE_VIRT_START L4_SLOT_VA(260)
#define FRAMETABLE_VIRT_END   L4_SLOT_VA(261)
#define XEN_VIRT_START        _AC(0xffff82d080000000, UL)
#define XEN_VIRT_END          (XEN_VIRT_START + (_AC(1, UL) << 30))
#define DIRECTMAP_VIRT_START  L4_SLOT_VA(262)
#define DIRECTMAP_VIRT_END    L4_SLOT_VA(272)

#define XEN_LOAD_ADDR _AC(0x200000, UL) /* physical, 2 MiB */

#define NR_CPUS        64
#define STACK_ORDER    3 /* 32 KiB per-CPU stack */
#define STACK_SIZE     (PAGE_SIZE << STACK_ORDER)
#define IST_STACK_SIZE PAGE_SIZE /* NMI, #DF, #MC each */
#define CPUINFO_SIZE   248       /* sizeof(struct cpu_info) */
/* Offsets into struct cpu_info for assembly (checked at build time). */
#define CPUINFO_processor_id    200
#define CPUINFO_syscall_scratch 224
#define CPUINFO_frame_top       168 /* offset of guest_cpu_user_regs.es */
#define CPUINFO_frame_top_ptr   232 /* offset of the frame_top field */

/* Hypervisor selectors, at Xen's values so PV guests see the same GDT. */
#define FIRST_RESERVED_GDT_PAGE  14
#define FIRST_RESERVED_GDT_BYTE  (FIRST_RESERVED_GDT_PAGE * 4096)
#define FIRST_RESERVED_GDT_ENTRY (FIRST_RESERVED_GDT_BYTE / 8)
#define __HYPERVISOR_CS          0xe008
#define __HYPERVISOR_DS          0xe010
#define FLAT_RING3_CS32_SEL      0xe023
#define FLAT_RING3_DS32_SEL      0xe02b
#define FLAT_RING3_CS64_SEL      0xe033
#define __HYPERVISOR_CS32        0xe038
#define TSS_SELECTOR             0xe040
#define LDT_SELECTOR             0xe050
#define NR_RESERVED_GDT_BYTES    0x60

#endif
