/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The test guests' runtime: what a test sees.
 *
 * A guest defines `const char guest_name[]` and `void test_main(start_info_t
 * *si)`. The runtime has by then installed a trap table, the event and
 * failsafe callbacks and mapped shared_info; after test_main() returns it
 * prints the verdict line and shuts the domain down. Everything is single
 * threaded on vCPU 0; the only concurrency is the event upcall, which
 * touches nothing but the event counters (written by the upcall, read by
 * tests).
 */
#ifndef GUEST_RUNTIME_H
#define GUEST_RUNTIME_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <public/xen.h>
#include <public/event_channel.h>
#include <public/sched.h>
#include <public/vcpu.h>
#include <public/version.h>
#include <public/memory.h>
#include <public/physdev.h>
#include <public/callback.h>
#include <public/features.h>
#include <public/errno.h>

#include "runtime-asm.h"
#include "hypercall.h"

/* --- provided by each guest --- */
extern const char guest_name[];
void test_main(start_info_t *si);

/* --- console (console.c) --- */
void console_write(const char *s, size_t len);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* --- library (lib.c) --- */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);
const char *strstr(const char *hay, const char *needle);
/* Value of "key=value" on the guest command line, or def when absent. */
unsigned long cmdline_ulong(const char *key, unsigned long def);

/* --- verdict protocol (check.c) --- */
/* One "CHECK name PASS" or "CHECK name FAIL detail" line; returns ok. */
bool check(const char *name, bool ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
bool check_eq(const char *name, long got, long want);
bool check_ueq(const char *name, unsigned long got, unsigned long want);
/* Print the verdict line, shut down; never returns. */
void __attribute__((noreturn)) finish(void);
/* An unrecoverable test error: FAIL verdict and shutdown. */
void __attribute__((noreturn)) panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* --- traps and events (traps.c, head.S) --- */
struct trap_frame
{
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss; /* as Xen bounced them */
};

/* The last trap caught by a probe; written by trap_dispatch(). */
struct fault_record
{
    uint64_t count; /* probes that trapped so far */
    uint64_t vector;
    uint64_t error_code;
    uint64_t rip, cs, rflags, rsp, ss;
    uint64_t cr2; /* from vcpu_info.arch.cr2 for #PF */
};
extern struct fault_record last_fault;

/* Probes return 0, or 1 when the access trapped (see last_fault). */
long probe_read(const void *addr, uint64_t *val);
long probe_write(void *addr, uint64_t val);
long probe_ud2(void);
long probe_int3(void);
long probe_outb(uint16_t port, uint8_t val);
long probe_int4(void);
long probe_int5(void);
long probe_int81(void);
long probe_div0(void);
long probe_fninit(void);
extern char probe_ud2_insn[], probe_int3_next[], probe_int4_next[];
extern char probe_int5_insn[];
extern char boot_stack_bottom[], boot_stack_top[];

void trap_dispatch(struct trap_frame *f);

#define NR_TEST_PORTS 256
/* Upcalls seen per event channel port (ports >= NR_TEST_PORTS not counted). */
extern volatile unsigned int event_count[NR_TEST_PORTS];
extern volatile unsigned int upcall_count;
/* Clear vcpu_info.evtchn_upcall_mask; pending events are delivered at once. */
void events_enable(void);
void events_disable(void);

/* --- runtime state (runtime.c) --- */
extern start_info_t *start_info;
extern shared_info_t *shared_info;
extern uint8_t hypercall_page[];
extern char _image_start[], _end[];

/* Page-table helpers (runtime.c). PTE flags as in the x86 paging format. */
#define PTE_P         0x001UL
#define PTE_RW        0x002UL
#define PTE_US        0x004UL
#define PTE_A         0x020UL
#define PTE_D         0x040UL
#define PTE_NX        (1UL << 63)
#define PTE_MFN_MASK  0x000ffffffffff000UL
#define PTE_KERNEL_RW (PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D)
#define PTE_KERNEL_RO (PTE_P | PTE_US | PTE_A)

#define machine_to_phys ((const unsigned long *)MACH2PHYS_VIRT_START)
#define p2m_list        ((const unsigned long *)start_info->mfn_list)

unsigned long virt_to_pfn(const void *va);
unsigned long virt_to_mfn(const void *va);
/* The machine address of va (its frame's, plus the offset in the page). */
uint64_t va_to_maddr(const void *va);
/* Map va's page again, to its own frame, with PTE flags (panics on failure). */
void remap_page(void *va, uint64_t flags);
/* lib/probe.c: 0 when the instruction ran, 1 when it faulted (see last_fault). */
long probe_load_fs(uint16_t sel);              /* mov sel, %fs */
long probe_rdmsr(uint32_t msr, uint64_t *val); /* rdmsr; *val set only on success */
void *pfn_to_virt(unsigned long pfn);          /* only for the initial mapping */
/* Machine address of the L1 entry mapping va (0 if not mapped by 4K). */
uint64_t l1e_maddr(const void *va);
/* Where the L1 entry for va lives in the (read-only) initial mapping. */
uint64_t *l1e_ptr(const void *va);
/* The L1 entry mapping va (0 if none). */
uint64_t l1e_read(const void *va);
/* System time in ns from vCPU 0's vcpu_time_info and the TSC. */
uint64_t system_time_ns(void);
/* The same from any vCPU's time info (another vCPU, a moved vcpu_info). */
uint64_t vcpu_time_ns(const struct vcpu_time_info *t);

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;

    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* GUEST_RUNTIME_H */
