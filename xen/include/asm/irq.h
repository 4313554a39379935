/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Physical interrupts for guests (arch/x86/irq.c) and the IO-APIC pins
 * behind them (arch/x86/io_apic.c). See irq.c for the theory of operation.
 */
#ifndef ASM_IRQ_H
#define ASM_IRQ_H

#include <xen/types.h>
#include <public/event_channel.h>

struct domain;

/* PIRQ numbers a domain may use: [0, NR_PIRQS). One eoi-map page holds them all. */
#define NR_PIRQS 256

/* Vectors of the pool for bound GSIs, on the boot CPU (below the PIC's 0x20-0x2f: above). */
#define PIRQ_VECTOR_BASE 0x30
#define NR_PIRQ_VECTORS  32

/* ---- IO-APIC pins (io_apic.c) ---- */
unsigned int io_apic_nr_gsis(void); /* highest GSI of any IO-APIC, plus one */
bool io_apic_gsi_exists(unsigned int gsi);
/* Trigger and polarity the MADT gives gsi (ISA default edge/high, PCI level/low). */
void io_apic_gsi_default(unsigned int gsi, bool *level, bool *active_low);
/* Program gsi's entry (left masked) for vector on the local APIC dest; -ENODEV: no such pin. */
int io_apic_route(unsigned int gsi, unsigned int vector, u32 dest, bool level, bool active_low);
void io_apic_set_masked(unsigned int gsi, bool masked);
u32 io_apic_read_rte(unsigned int gsi); /* low dword of gsi's entry (self-test) */

/* ---- PIRQs (irq.c): the physdev_op and event_channel_op back ends ---- */
unsigned int pirq_nr(const struct domain *d); /* d's PIRQs are [0, pirq_nr(d)) */
void pirq_init(void);
int pirq_setup_gsi(int gsi, int triggering, int polarity);
int pirq_map_gsi(struct domain *d, int gsi, int *pirq);
int pirq_unmap(struct domain *d, int pirq);
int pirq_eoi(struct domain *d, int pirq);
int pirq_register_eoi_map(struct domain *d, unsigned long gmfn, bool auto_unmask);
/* Called with d->event_lock held (lock order: event_lock, then the PIRQ lock). */
int pirq_bind(struct domain *d, unsigned int pirq, evtchn_port_t port, bool will_share);
void pirq_unbind(struct domain *d, unsigned int pirq, evtchn_port_t port);
/* Event channel teardown: every mapping and the eoi map go (no event_lock held). */
void pirq_domain_destroy(struct domain *d);
/* Boot self-test: the RTC's periodic interrupt routed to a pool vector; prints its line. */
bool pirq_selftest(void);

/* ---- event channel side (common/event_channel.c) ---- */
/* Raise the port bound to pirq, if it still is (takes d->event_lock). */
void evtchn_send_pirq(struct domain *d, unsigned int pirq, evtchn_port_t port);
/* EVTCHNOP_unmask on d's port (v1 eoi map: PHYSDEVOP_eoi unmasks too). */
void evtchn_unmask_pirq_port(struct domain *d, evtchn_port_t port);

#endif
