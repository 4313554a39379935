/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hypercall wrappers for 64-bit PV guests.
 *
 * A 64-bit PV kernel runs in ring 3, so the SYSCALL instruction issued in
 * guest-kernel mode is the hypercall: number in EAX, arguments in RDI, RSI,
 * RDX, R10, R8, result in RAX. Xen may clobber RCX and R11 (SYSCALL itself
 * does) and, in debug builds, the argument registers. This is the inline
 * form Linux uses since 6.1.121. The older form calls the stub at
 * hypercall_page + nr * 32, which Xen filled in at build time; setting
 * hypercall_use_page (guest option hcall=page) routes every wrapper through
 * it so both paths are exercised with the same tests.
 */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include <stdbool.h>
#include <stdint.h>

extern bool hypercall_use_page;
extern uint8_t hypercall_page[];

static inline long hypercall5(unsigned int nr, unsigned long a1, unsigned long a2, unsigned long a3,
                              unsigned long a4, unsigned long a5)
{
    register unsigned long r10 asm("r10") = a4;
    register unsigned long r8 asm("r8") = a5;
    long ret;

    /* The page has 128 stubs; other numbers can only go inline. */
    if ( hypercall_use_page && nr < 128 )
    {
        void *stub = hypercall_page + nr * 32;

        asm volatile("call *%[stub]"
                     : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
                     : [stub] "r"(stub)
                     : "rcx", "r9", "r11", "memory");
    }
    else
        asm volatile("syscall"
                     : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
                     : "0"(nr)
                     : "rcx", "r11", "memory");
    return ret;
}

#define hypercall(nr, a1, a2, a3, a4, a5)                                                          \
    hypercall5(nr, (unsigned long)(a1), (unsigned long)(a2), (unsigned long)(a3),                  \
               (unsigned long)(a4), (unsigned long)(a5))

static inline long HYPERVISOR_set_trap_table(const struct trap_info *t)
{
    return hypercall(__HYPERVISOR_set_trap_table, t, 0, 0, 0, 0);
}

static inline long HYPERVISOR_mmu_update(const struct mmu_update *req, unsigned int count,
                                         unsigned int *done, domid_t dom)
{
    return hypercall(__HYPERVISOR_mmu_update, req, count, done, dom, 0);
}

static inline long HYPERVISOR_mmuext_op(const struct mmuext_op *op, unsigned int count,
                                        unsigned int *done, domid_t dom)
{
    return hypercall(__HYPERVISOR_mmuext_op, op, count, done, dom, 0);
}

static inline long HYPERVISOR_update_va_mapping(const void *va, uint64_t pte, unsigned long flags)
{
    return hypercall(__HYPERVISOR_update_va_mapping, va, pte, flags, 0, 0);
}

/* frames: the machine frames of the GDT's pages. */
static inline long HYPERVISOR_set_gdt(const unsigned long *frames, unsigned int entries)
{
    return hypercall(__HYPERVISOR_set_gdt, frames, entries, 0, 0, 0);
}

static inline long HYPERVISOR_update_descriptor(uint64_t maddr, uint64_t desc)
{
    return hypercall(__HYPERVISOR_update_descriptor, maddr, desc, 0, 0, 0);
}

static inline long HYPERVISOR_memory_op(unsigned int cmd, void *arg)
{
    return hypercall(__HYPERVISOR_memory_op, cmd, arg, 0, 0, 0);
}

static inline long HYPERVISOR_multicall(void *calls, unsigned int n)
{
    return hypercall(__HYPERVISOR_multicall, calls, n, 0, 0, 0);
}

static inline long HYPERVISOR_set_timer_op(uint64_t deadline)
{
    return hypercall(__HYPERVISOR_set_timer_op, deadline, 0, 0, 0, 0);
}

static inline long HYPERVISOR_xen_version(int cmd, void *arg)
{
    return hypercall(__HYPERVISOR_xen_version, cmd, arg, 0, 0, 0);
}

static inline long HYPERVISOR_console_io(int cmd, unsigned int count, const char *buf)
{
    return hypercall(__HYPERVISOR_console_io, cmd, count, buf, 0, 0);
}

static inline long HYPERVISOR_vm_assist(unsigned int cmd, unsigned int type)
{
    return hypercall(__HYPERVISOR_vm_assist, cmd, type, 0, 0, 0);
}

static inline long HYPERVISOR_vcpu_op(int cmd, unsigned int vcpu, void *arg)
{
    return hypercall(__HYPERVISOR_vcpu_op, cmd, vcpu, arg, 0, 0);
}

static inline long HYPERVISOR_sched_op(int cmd, void *arg)
{
    return hypercall(__HYPERVISOR_sched_op, cmd, arg, 0, 0, 0);
}

static inline long HYPERVISOR_callback_op(int cmd, const void *arg)
{
    return hypercall(__HYPERVISOR_callback_op, cmd, arg, 0, 0, 0);
}

static inline long HYPERVISOR_event_channel_op(int cmd, void *arg)
{
    return hypercall(__HYPERVISOR_event_channel_op, cmd, arg, 0, 0, 0);
}

static inline long HYPERVISOR_physdev_op(int cmd, void *arg)
{
    return hypercall(__HYPERVISOR_physdev_op, cmd, arg, 0, 0, 0);
}

static inline long HYPERVISOR_set_segment_base(int which, unsigned long base)
{
    return hypercall(__HYPERVISOR_set_segment_base, which, base, 0, 0, 0);
}

static inline long HYPERVISOR_stack_switch(unsigned long ss, unsigned long sp)
{
    return hypercall(__HYPERVISOR_stack_switch, ss, sp, 0, 0, 0);
}

#endif /* GUEST_HYPERCALL_H */
