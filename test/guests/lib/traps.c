/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Exceptions and event upcalls.
 *
 * The trap table sends every exception vector to a stub in head.S, which
 * calls trap_dispatch() with a struct trap_frame. A trap whose RIP is an
 * instruction listed in .extable (the probe_* functions) is expected: it is
 * recorded in last_fault, RAX becomes 1 and execution resumes at the fixup
 * address. Any other trap ends the test with a FAIL verdict that names the
 * vector, RIP and CR2.
 *
 * Events: the callback is registered with CALLBACKF_mask_events, so Xen
 * sets vcpu_info.evtchn_upcall_mask on entry; the saved RFLAGS.IF tells the
 * iret hypercall whether to unmask again on the way out. The upcall walks
 * the two-level pending bitmap (selector word, then pending & ~mask),
 * clears each pending bit and counts it in event_count[].
 */
#include "runtime.h"

struct fault_record last_fault;
volatile unsigned int event_count[NR_TEST_PORTS];
volatile unsigned int upcall_count;

struct extable_entry
{
    uint64_t insn, fixup;
};
extern const struct extable_entry __extable_start[], __extable_end[];

#define DECLARE_STUB(v) extern char trap_entry_##v[]
DECLARE_STUB(0);
DECLARE_STUB(1);
DECLARE_STUB(2);
DECLARE_STUB(3);
DECLARE_STUB(4);
DECLARE_STUB(5);
DECLARE_STUB(6);
DECLARE_STUB(7);
DECLARE_STUB(8);
DECLARE_STUB(10);
DECLARE_STUB(11);
DECLARE_STUB(12);
DECLARE_STUB(13);
DECLARE_STUB(14);
DECLARE_STUB(16);
DECLARE_STUB(17);
DECLARE_STUB(18);
DECLARE_STUB(19);
DECLARE_STUB(256);
extern char failsafe_entry[];

/* flags: bits 0-1 DPL for software INTn, bit 2 masks events on entry. */
#define TRAP(v, dpl)                                                                               \
    {                                                                                              \
        .vector = v, .flags = (dpl) | 4, .cs = FLAT_KERNEL_CS,                                     \
        .address = (unsigned long)trap_entry_##v                                                   \
    }

static const struct trap_info trap_table[] = {
    TRAP(0, 0),  TRAP(1, 0),  TRAP(2, 0),  TRAP(3, 3),  TRAP(4, 3),  TRAP(5, 0),  TRAP(6, 0),
    TRAP(7, 0),  TRAP(8, 0),  TRAP(10, 0), TRAP(11, 0), TRAP(12, 0), TRAP(13, 0), TRAP(14, 0),
    TRAP(16, 0), TRAP(17, 0), TRAP(18, 0), TRAP(19, 0), {0} /* terminator */
};

static const struct extable_entry *extable_find(uint64_t rip)
{
    const struct extable_entry *e;

    for ( e = __extable_start; e < __extable_end; e++ )
        if ( e->insn == rip )
            return e;
    return NULL;
}

static void record_fault(const struct trap_frame *f)
{
    last_fault.count++;
    last_fault.vector = f->vector;
    last_fault.error_code = f->error_code;
    last_fault.rip = f->rip;
    last_fault.cs = f->cs;
    last_fault.rflags = f->rflags;
    last_fault.rsp = f->rsp;
    last_fault.ss = f->ss;
    last_fault.cr2 = f->vector == 14 ? shared_info->vcpu_info[0].arch.cr2 : 0;
}

static void handle_port(unsigned int port)
{
    if ( port < NR_TEST_PORTS )
        event_count[port]++;
}

static void event_upcall(void)
{
    vcpu_info_t *vi = &shared_info->vcpu_info[0];
    unsigned long sel;

    upcall_count++;
    vi->evtchn_upcall_pending = 0;
    sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
    while ( sel != 0 )
    {
        unsigned int word = __builtin_ctzl(sel);
        unsigned long bits;

        sel &= sel - 1;
        bits = shared_info->evtchn_pending[word] & ~shared_info->evtchn_mask[word];
        while ( bits != 0 )
        {
            unsigned int bit = __builtin_ctzl(bits);

            bits &= bits - 1;
            __atomic_fetch_and(&shared_info->evtchn_pending[word], ~(1UL << bit), __ATOMIC_SEQ_CST);
            handle_port(word * 64 + bit);
        }
    }
}

void trap_dispatch(struct trap_frame *f)
{
    const struct extable_entry *e;

    if ( f->vector == TRAP_VECTOR_EVENT )
    {
        event_upcall();
        return;
    }
    e = extable_find(f->rip);
    if ( e && f->vector != TRAP_VECTOR_FAILSAFE )
    {
        record_fault(f);
        f->rip = e->fixup;
        f->rax = 1;
        return;
    }
    panic("unexpected trap: vector %lu error 0x%lx rip 0x%lx cs 0x%lx "
          "rflags 0x%lx rsp 0x%lx cr2 0x%lx",
          f->vector, f->error_code, f->rip, f->cs, f->rflags, f->rsp,
          shared_info ? shared_info->vcpu_info[0].arch.cr2 : 0);
}

void events_enable(void)
{
    vcpu_info_t *vi = &shared_info->vcpu_info[0];

    __atomic_store_n(&vi->evtchn_upcall_mask, 0, __ATOMIC_SEQ_CST);
    /* An event that arrived while masked is only delivered on the next
     * entry to Xen: force one. */
    if ( vi->evtchn_upcall_pending )
        HYPERVISOR_xen_version(0, NULL);
}

void events_disable(void)
{
    __atomic_store_n(&shared_info->vcpu_info[0].evtchn_upcall_mask, 1, __ATOMIC_SEQ_CST);
}

/* Called once by runtime_start(). */
void traps_init(void);
void traps_init(void)
{
    struct callback_register event = {
        .type = CALLBACKTYPE_event,
        .flags = CALLBACKF_mask_events,
        .address = (unsigned long)trap_entry_256,
    };
    struct callback_register failsafe = {
        .type = CALLBACKTYPE_failsafe,
        .flags = CALLBACKF_mask_events,
        .address = (unsigned long)failsafe_entry,
    };
    long rc;

    rc = HYPERVISOR_set_trap_table(trap_table);
    if ( rc )
        panic("set_trap_table: %ld", rc);
    rc = HYPERVISOR_callback_op(CALLBACKOP_register, &event);
    if ( rc )
        panic("register event callback: %ld", rc);
    rc = HYPERVISOR_callback_op(CALLBACKOP_register, &failsafe);
    if ( rc )
        panic("register failsafe callback: %ld", rc);
}
