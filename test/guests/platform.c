/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * platform: dom0's platform_op (XENPF_*) as Linux's boot path uses it.
 *
 * The interface-version check (-EACCES), unknown sub-ops (-ENOSYS);
 * get_cpuinfo for every CPU of the machine (online, max_present = pcpus - 1
 * from the guest option pcpus=N) and for one past them (invalid);
 * get_cpu_version against the CPUID the guest executes itself (a PV guest's
 * plain CPUID is the hardware's); firmware_info's argument checks and the
 * keyboard shift flags; settime64 moves shared_info's wall clock by exactly
 * the amount asked (and back), settime64 with mbz set is -EINVAL.
 */
#include "runtime.h"

#include <public/platform.h>

const char guest_name[] = "platform";

static long platform_op(struct xen_platform_op *op)
{
    return hypercall(__HYPERVISOR_platform_op, op, 0, 0, 0, 0);
}

static struct xen_platform_op new_op(uint32_t cmd)
{
    return (struct xen_platform_op){.cmd = cmd, .interface_version = XENPF_INTERFACE_VERSION};
}

static void check_interface(void)
{
    struct xen_platform_op op = new_op(XENPF_get_cpuinfo);

    op.interface_version = XENPF_INTERFACE_VERSION - 1;
    check_eq("bad-interface-version", platform_op(&op), -XEN_EACCES);
    op = new_op(1000);
    check_eq("unknown-cmd", platform_op(&op), -XEN_ENOSYS);
    check_eq("unreadable-op", hypercall(__HYPERVISOR_platform_op, 0x100UL, 0, 0, 0, 0),
             -XEN_EFAULT);
}

static void check_cpuinfo(void)
{
    unsigned long pcpus = cmdline_ulong("pcpus", 1);
    struct xen_platform_op op;
    unsigned int cpu;

    for ( cpu = 0; cpu < pcpus; cpu++ )
    {
        op = new_op(XENPF_get_cpuinfo);
        op.u.pcpu_info.xen_cpuid = cpu;
        check_eq("cpuinfo-rc", platform_op(&op), 0);
        check_ueq("cpuinfo-online", op.u.pcpu_info.flags, XEN_PCPU_FLAGS_ONLINE);
        check_ueq("cpuinfo-max-present", op.u.pcpu_info.max_present, pcpus - 1);
    }
    op = new_op(XENPF_get_cpuinfo);
    op.u.pcpu_info.xen_cpuid = pcpus;
    check_eq("cpuinfo-past-last-rc", platform_op(&op), 0);
    check_ueq("cpuinfo-past-last-invalid", op.u.pcpu_info.flags & XEN_PCPU_FLAGS_INVALID,
              XEN_PCPU_FLAGS_INVALID);
}

static void cpuid(uint32_t leaf, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

static void check_cpu_version(void)
{
    struct xen_platform_op op = new_op(XENPF_get_cpu_version);
    uint32_t r[4];
    char vendor[12];

    cpuid(0, r);
    memcpy(vendor, &r[1], 4);
    memcpy(vendor + 4, &r[3], 4);
    memcpy(vendor + 8, &r[2], 4);
    cpuid(1, r);
    op.u.pcpu_version.xen_cpuid = 0;
    check_eq("cpu-version-rc", platform_op(&op), 0);
    check("cpu-version-vendor", !memcmp(op.u.pcpu_version.vendor_id, vendor, 12),
          "vendor '%.12s', CPUID says '%.12s'", op.u.pcpu_version.vendor_id, vendor);
    check_ueq("cpu-version-stepping", op.u.pcpu_version.stepping, r[0] & 0xf);
    check("cpu-version-family", op.u.pcpu_version.family >= ((r[0] >> 8) & 0xf),
          "family %u, CPUID eax %#x", op.u.pcpu_version.family, r[0]);
    op = new_op(XENPF_get_cpu_version);
    op.u.pcpu_version.xen_cpuid = 4096;
    check_eq("cpu-version-bad-cpu-rc", platform_op(&op), 0);
    check_ueq("cpu-version-bad-cpu-family", op.u.pcpu_version.family, 0);
}

static void check_firmware_info(void)
{
    struct xen_platform_op op = new_op(XENPF_firmware_info);

    op.u.firmware_info.type = 99;
    check_eq("firmware-unknown-type", platform_op(&op), -XEN_EINVAL);
    op = new_op(XENPF_firmware_info);
    op.u.firmware_info.type = XEN_FW_KBD_SHIFT_FLAGS;
    op.u.firmware_info.index = 1;
    check_eq("kbd-shift-flags-index-1", platform_op(&op), -XEN_ESRCH);
    op.u.firmware_info.index = 0;
    op.u.firmware_info.u.kbd_shift_flags = 0xa5;
    check_eq("kbd-shift-flags", platform_op(&op), 0);
    /* Nobody holds a shift key in QEMU: the BIOS's byte has no key bits. */
    check_ueq("kbd-shift-flags-no-keys", op.u.firmware_info.u.kbd_shift_flags & 0x0f, 0);
    op = new_op(XENPF_firmware_info);
    op.u.firmware_info.type = XEN_FW_VBEDDC_INFO;
    op.u.firmware_info.index = 1;
    check_eq("vbeddc-index-1", platform_op(&op), -XEN_ESRCH);
}

/* shared_info's wall clock (seconds at system time 0), read consistently. */
static uint64_t wc_seconds(void)
{
    uint32_t v, sec, hi;

    do
    {
        v = __atomic_load_n(&shared_info->wc_version, __ATOMIC_ACQUIRE);
        sec = shared_info->wc_sec;
        hi = shared_info->wc_sec_hi;
    } while ( (v & 1) || v != __atomic_load_n(&shared_info->wc_version, __ATOMIC_ACQUIRE) );
    return ((uint64_t)hi << 32) | sec;
}

static long settime(uint64_t secs, uint32_t nsecs, uint64_t sys, uint32_t mbz)
{
    struct xen_platform_op op = new_op(XENPF_settime64);

    op.u.settime64 =
        (struct xenpf_settime64){.secs = secs, .nsecs = nsecs, .mbz = mbz, .system_time = sys};
    return platform_op(&op);
}

static void check_settime(void)
{
    uint64_t before = wc_seconds(), sys = system_time_ns();
    uint64_t now = before + sys / 1000000000ULL, moved;

    /* secs.nsecs at sys, with nsecs = sys's fraction: the base lands on whole seconds. */

    check_eq("settime64-mbz", settime(now, 0, sys, 1), -XEN_EINVAL);
    check_ueq("settime64-mbz-unchanged", wc_seconds(), before);
    /* One day later: the base moves by 86400 s, give or take the rounding of sys. */
    check_eq("settime64", settime(now + 86400, (uint32_t)(sys % 1000000000ULL), sys, 0), 0);
    moved = wc_seconds() - before;
    check("settime64-moves-wallclock", moved == 86400, "wall clock base moved by %lu s",
          (unsigned long)moved);
    sys = system_time_ns();
    now = before + sys / 1000000000ULL;
    check_eq("settime64-back", settime(now, (uint32_t)(sys % 1000000000ULL), sys, 0), 0);
    check_ueq("settime64-restored", wc_seconds(), before);
}

void test_main(start_info_t *si)
{
    check_interface();
    check_cpuinfo();
    check_cpu_version();
    check_firmware_info();
    check_settime();
}
