/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pvclock: VCPUOP_register_vcpu_time_memory_area, the secondary copy of
 * vcpu_time_info that Linux's vDSO reads from user space.
 *
 * Registered on a page of the guest: the copy appears at once (the vCPU is
 * running) and equals vcpu_info's time (same version, even, same fields),
 * and the time computed from it agrees with vcpu_info's. Whenever the
 * hypervisor republishes vcpu_info's time, the copy follows. Addresses the guest
 * may not use (the hypervisor's hole, non-canonical) are -EFAULT; 0 stops
 * the updates: the old copy keeps its version across another block.
 */
#include "runtime.h"

const char guest_name[] = "pvclock";

static struct vcpu_time_info area __attribute__((aligned(64)));

static long register_area(unsigned long va)
{
    struct vcpu_register_time_memory_area a = {.addr.p = va};

    return HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &a);
}

/* A consistent snapshot of *t (version even and unchanged across the read). */
static struct vcpu_time_info snapshot(const volatile struct vcpu_time_info *t)
{
    struct vcpu_time_info s;
    uint32_t v;

    do
    {
        v = t->version;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        s = *(const struct vcpu_time_info *)t;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
    } while ( (v & 1) || v != t->version );
    s.version = v;
    return s;
}

/* The copy and vcpu_info's time, read until both describe the same update. */
static bool same_update(struct vcpu_time_info *copy, struct vcpu_time_info *primary)
{
    for ( unsigned int tries = 0; tries < 100; tries++ )
    {
        *primary = snapshot(&shared_info->vcpu_info[0].time);
        *copy = snapshot(&area);
        if ( copy->version == primary->version )
            return true;
    }
    return false;
}

static void check_copy(const char *what)
{
    struct vcpu_time_info c = {}, p = {};
    char name[64];
    uint64_t a, b;

    snprintf(name, sizeof(name), "%s-same-version", what);
    if ( !check(name, same_update(&c, &p), "copy version %u, vcpu_info %u", c.version, p.version) )
        return;
    snprintf(name, sizeof(name), "%s-fields", what);
    check(name,
          c.tsc_timestamp == p.tsc_timestamp && c.system_time == p.system_time &&
              c.tsc_to_system_mul == p.tsc_to_system_mul && c.tsc_shift == p.tsc_shift &&
              c.flags == p.flags,
          "copy tsc %lu sys %lu mul %u shift %d, vcpu_info tsc %lu sys %lu mul %u shift %d",
          (unsigned long)c.tsc_timestamp, (unsigned long)c.system_time, c.tsc_to_system_mul,
          c.tsc_shift, (unsigned long)p.tsc_timestamp, (unsigned long)p.system_time,
          p.tsc_to_system_mul, p.tsc_shift);
    a = vcpu_time_ns(&c);
    b = system_time_ns();
    snprintf(name, sizeof(name), "%s-time-agrees", what);
    check(name, b >= a && b - a < 1000000, "copy says %lu ns, vcpu_info %lu ns", (unsigned long)a,
          (unsigned long)b);
}

/*
 * Block until the hypervisor publishes vcpu_info's time again (ours does on
 * every switch-in, Xen 4.17 at its next calibration, within about a
 * second): true if it did within 3 s.
 */
static bool wait_for_time_update(void)
{
    uint32_t v = shared_info->vcpu_info[0].time.version;
    uint64_t end = system_time_ns() + 3000000000ULL;

    while ( shared_info->vcpu_info[0].time.version == v && system_time_ns() < end )
    {
        HYPERVISOR_set_timer_op(system_time_ns() + 10000000);
        HYPERVISOR_sched_op(SCHEDOP_block, NULL);
        events_disable();
    }
    return shared_info->vcpu_info[0].time.version != v;
}

void test_main(start_info_t *si)
{
    struct evtchn_bind_virq timer = {.virq = VIRQ_TIMER, .vcpu = 0};
    uint32_t v;

    /* The timer's VIRQ must be bound for its expiry to end a block. */
    check_eq("bind-virq-timer", HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &timer), 0);
    check_eq("register-hypervisor-hole", register_area(0xffff800000001000UL), -XEN_EFAULT);
    check_eq("register-non-canonical", register_area(0x0000800000000000UL), -XEN_EFAULT);
    check_eq("register", register_area((unsigned long)&area), 0);
    check("copy-published", area.version != 0 && !(area.version & 1), "version %u", area.version);
    check_copy("at-register");
    v = area.version;
    check("time-republished", wait_for_time_update(), "vcpu_info time version stays %u", v);
    check("copy-updated", area.version > v, "version %u, was %u", area.version, v);
    check_copy("after-update");
    check_eq("unregister", register_area(0), 0);
    v = area.version;
    check("time-republished-again", wait_for_time_update(), "vcpu_info time version stays");
    check_ueq("no-update-after-unregister", area.version, v);
}
