/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * platform_op: dom0's view of the physical platform (XENPF_*).
 *
 * Only the privileged domain may call it (HC_PRIV in the table); the argument is one fixed-size
 * struct xen_platform_op, copied in, checked for Xen's interface version
 * (-EACCES otherwise, as Xen), answered and copied back when the sub-op has
 * results. Sub-ops, as Xen 4.17 answers them on a machine like ours:
 *
 *   settime32/64     set the wall clock every domain sees
 *   get_cpuinfo      APIC and ACPI IDs of a physical CPU, online or invalid
 *   get_cpu_version  vendor, family, model, stepping of an online CPU
 *   firmware_info    disk (EDD/MBR) and VBE/DDC data: none collected
 *                    (-ESRCH, as Xen with no entries), keyboard shift flags
 *                    from the BIOS data area, EFI: not booted by EFI
 *   others           -ENOSYS (Linux's dom0 boot path copes, as with a Xen
 *                    built without them)
 *
 * Locking: platform_lock serialises the calls (settime's two words, as
 * Xen's xenpf_lock does); nothing else is taken under it except domlist_lock
 * by wallclock_set().
 */
#include <xen/cpumask.h>
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/sched.h>
#include <xen/spinlock.h>
#include <asm/acpi.h>
#include <asm/apic.h>
#include <asm/guest_access.h>
#include <asm/processor.h>
#include <asm/pv.h>
#include <public/platform.h>

static DEFINE_SPINLOCK(platform_lock);

/* The BIOS data area's keyboard flag byte (what int 16h AH=02 returns). */
#define BDA_KBD_SHIFT_FLAGS 0x417

static unsigned int last_online_cpu(void)
{
    unsigned int last = 0, cpu;

    for_each_online_cpu(cpu) last = cpu;
    return last;
}

static void get_cpuinfo(struct xenpf_pcpuinfo *info)
{
    unsigned int cpu = info->xen_cpuid;

    info->flags = 0;
    if ( cpu >= NR_CPUS || !cpumask_test_cpu(cpu, &cpu_online_map) )
        info->flags = XEN_PCPU_FLAGS_INVALID; /* no offline-but-present CPUs here */
    else
    {
        info->apic_id = x86_cpu_to_apicid[cpu];
        info->acpi_id = acpi_processor_uid(info->apic_id);
        info->flags = XEN_PCPU_FLAGS_ONLINE;
    }
    info->max_present = last_online_cpu();
}

static void get_cpu_version(struct xenpf_pcpu_version *ver)
{
    struct cpuid_regs r;
    unsigned int family;

    memset(ver->vendor_id, 0, sizeof(ver->vendor_id));
    ver->family = ver->model = ver->stepping = 0;
    ver->max_present = last_online_cpu();
    if ( ver->xen_cpuid >= NR_CPUS || !cpumask_test_cpu(ver->xen_cpuid, &cpu_online_map) )
        return;
    /* Every CPU was checked against the boot CPU's features: its identity stands for all. */
    cpuid_count(0, 0, &r);
    memcpy(ver->vendor_id, &r.ebx, 4);
    memcpy(ver->vendor_id + 4, &r.edx, 4);
    memcpy(ver->vendor_id + 8, &r.ecx, 4);
    cpuid_count(1, 0, &r);
    family = (r.eax >> 8) & 0xf;
    ver->family = family == 0xf ? family + ((r.eax >> 20) & 0xff) : family;
    ver->model = (r.eax >> 4) & 0xf;
    if ( family >= 6 )
        ver->model |= (r.eax >> 12) & 0xf0;
    ver->stepping = r.eax & 0xf;
}

/* 0, or an error; *copy_back when the answer goes back to the guest. */
static long firmware_info(struct xenpf_firmware_info *fw, bool *copy_back)
{
    switch ( fw->type )
    {
    case XEN_FW_DISK_INFO:
    case XEN_FW_DISK_MBR_SIGNATURE:
    case XEN_FW_VBEDDC_INFO:
        return -ESRCH; /* nothing gathered from the BIOS before boot (no real-mode stage) */
    case XEN_FW_EFI_INFO: return -ENOSYS; /* not booted through EFI */
    case XEN_FW_KBD_SHIFT_FLAGS:
        if ( fw->index != 0 )
            return -ESRCH; /* as Xen 4.17 (measured), like the other single-entry types */
        fw->u.kbd_shift_flags = *(const u8 *)__va(BDA_KBD_SHIFT_FLAGS);
        *copy_back = true;
        return 0;
    default: return -EINVAL;
    }
}

static long platform_op(struct xen_platform_op *op, bool *copy_back)
{
    switch ( op->cmd )
    {
    case XENPF_settime32:
        wallclock_set(op->u.settime32.secs, op->u.settime32.nsecs, op->u.settime32.system_time);
        return 0;
    case XENPF_settime64:
        if ( op->u.settime64.mbz )
            return -EINVAL;
        wallclock_set(op->u.settime64.secs, op->u.settime64.nsecs, op->u.settime64.system_time);
        return 0;
    case XENPF_get_cpuinfo:
        get_cpuinfo(&op->u.pcpu_info);
        *copy_back = true;
        return 0;
    case XENPF_get_cpu_version:
        get_cpu_version(&op->u.pcpu_version);
        *copy_back = true;
        return 0;
    case XENPF_firmware_info: return firmware_info(&op->u.firmware_info, copy_back);
    default: return -ENOSYS;
    }
}

long do_platform_op(unsigned long arg)
{
    struct xen_platform_op op;
    bool copy_back = false;
    unsigned long flags;
    long rc;

    /* The dispatch table lets only the privileged domain in (-EPERM). */
    if ( copy_from_guest_va(&op, arg, sizeof(op)) )
        return -EFAULT;
    if ( op.interface_version != XENPF_INTERFACE_VERSION )
        return -EACCES;
    flags = spin_lock_irqsave(&platform_lock);
    rc = platform_op(&op, &copy_back);
    spin_unlock_irqrestore(&platform_lock, flags);
    if ( !rc && copy_back && copy_to_guest_va(arg, &op, sizeof(op)) )
        rc = -EFAULT;
    return rc;
}
