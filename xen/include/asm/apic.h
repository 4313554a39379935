/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Local APIC (xAPIC through MMIO or x2APIC through MSRs, behind one accessor),
 * the interrupt vectors the hypervisor owns, IO-APICs and the 8259s.
 */
#ifndef ASM_APIC_H
#define ASM_APIC_H

#include <xen/cpumask.h>
#include <xen/types.h>

/* Vectors: the 8259s are parked at 0x20-0x2f (masked), ours sit at the top. */
#define PIC_MASTER_VECTOR     0x20
#define PIC_SLAVE_VECTOR      0x28
#define LOCAL_TIMER_VECTOR    0xf0
#define EVENT_CHECK_VECTOR    0xf1
#define CALL_FUNCTION_VECTOR  0xf2
#define INVALIDATE_TLB_VECTOR 0xf3
#define DUMP_REGISTERS_VECTOR 0xf4
#define ERROR_APIC_VECTOR     0xfe
#define SPURIOUS_APIC_VECTOR  0xff

/* Register offsets in the xAPIC page (x2APIC MSR = 0x800 + offset / 16). */
#define APIC_ID    0x020
#define APIC_LVR   0x030
#define APIC_TPR   0x080
#define APIC_EOI   0x0b0
#define APIC_LDR   0x0d0
#define APIC_DFR   0x0e0
#define APIC_SVR   0x0f0
#define APIC_ESR   0x280
#define APIC_ICR   0x300
#define APIC_ICR2  0x310
#define APIC_LVTT  0x320
#define APIC_LVTPC 0x340
#define APIC_LINT0 0x350
#define APIC_LINT1 0x360
#define APIC_LVTE  0x370
#define APIC_TMICT 0x380
#define APIC_TMCCT 0x390
#define APIC_TDCR  0x3e0

#define APIC_SVR_ENABLE       (1u << 8)
#define APIC_LVT_MASKED       (1u << 16)
#define APIC_LVT_TSC_DEADLINE (2u << 17)
#define APIC_DM_FIXED         0x000
#define APIC_DM_NMI           0x400
#define APIC_DM_INIT          0x500
#define APIC_DM_STARTUP       0x600
#define APIC_DM_EXTINT        0x700
#define APIC_ICR_BUSY         (1u << 12)
#define APIC_INT_ASSERT       (1u << 14)
#define APIC_INT_LEVELTRIG    (1u << 15)
#define APIC_TDR_DIV_1        0xb

extern bool x2apic_enabled;
extern u32 x86_cpu_to_apicid[NR_CPUS]; /* filled as CPUs are brought up */

u32 apic_read(unsigned int reg);
void apic_write(unsigned int reg, u32 val);
void apic_eoi(void);
u32 apic_id_of_this_cpu(void);

/* Enable and quiesce this CPU's local APIC (every CPU, at start-up). */
void setup_local_apic(bool bsp);

/* IPIs: vector with APIC_DM_FIXED, or a delivery mode (NMI, INIT, STARTUP). */
void send_ipi_apic_id(u32 apic_id, u32 icr_low);
void send_ipi_mask(const cpumask_t *mask, unsigned int vector);

/* IO-APICs from the MADT: every redirection entry masked. */
void io_apic_init(void);

/* PIC 8259s: remapped off the exception vectors and masked. */
void pic_disable(void);

#endif
