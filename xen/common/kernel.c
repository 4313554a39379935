/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xen_version and vm_assist: what a guest learns about the hypervisor and
 * the optional behaviours it turns on.
 */
#include <xen/errno.h>
#include <xen/hypercall.h>
#include <xen/lib.h>
#include <xen/param.h>
#include <xen/sched.h>
#include <xen/version.h>
#include <asm/guest_access.h>
#include <public/features.h>
#include <public/version.h>

/* The vm_assist types a 64-bit PV guest may turn on (as Xen's VM_ASSIST_VALID). */
#define VM_ASSIST_VALID_PV                                                                         \
    ((1UL << VMASST_TYPE_4gb_segments) | (1UL << VMASST_TYPE_4gb_segments_notify) |                \
     (1UL << VMASST_TYPE_writable_pagetables) | (1UL << VMASST_TYPE_pae_extended_cr3) |            \
     (1UL << VMASST_TYPE_architectural_iopl) | (1UL << VMASST_TYPE_runstate_update_flag) |         \
     (1UL << VMASST_TYPE_m2p_strict))

/* What Xen 4.17 reports to a PV guest (a PV domain is never translated: direct_mapped). */
static u32 feature_submap0(const struct domain *d)
{
    u32 map = (1U << XENFEAT_memory_op_vnode_supported) |
              (1U << XENFEAT_mmu_pt_update_preserve_ad) | (1U << XENFEAT_highmem_assist) |
              (1U << XENFEAT_gnttab_map_avail_bits) | (1U << XENFEAT_direct_mapped);

    if ( d->vm_assist & (1UL << VMASST_TYPE_pae_extended_cr3) )
        map |= 1U << XENFEAT_pae_pgdir_above_4gb;
    if ( d->is_privileged )
        map |= 1U << XENFEAT_dom0;
    return map;
}

static long copy_string_out(unsigned long arg, const char *s, size_t size)
{
    char buf[1024] = {0};

    strlcpy(buf, s, min(size, sizeof(buf)));
    return copy_to_guest_va(arg, buf, size) ? -EFAULT : 0;
}

static long version_features(unsigned long arg)
{
    xen_feature_info_t fi;

    if ( copy_from_guest_va(&fi, arg, sizeof(fi)) )
        return -EFAULT;
    if ( fi.submap_idx != 0 )
        return -EINVAL;
    fi.submap = feature_submap0(current->domain);
    return copy_to_guest_va(arg, &fi, sizeof(fi)) ? -EFAULT : 0;
}

static long version_compile_info(unsigned long arg)
{
    xen_compile_info_t ci;

    memset(&ci, 0, sizeof(ci));
    strlcpy(ci.compiler, "gcc", sizeof(ci.compiler));
    strlcpy(ci.compile_by, "hx", sizeof(ci.compile_by));
    strlcpy(ci.compile_domain, "local", sizeof(ci.compile_domain));
    strlcpy(ci.compile_date, __DATE__, sizeof(ci.compile_date));
    return copy_to_guest_va(arg, &ci, sizeof(ci)) ? -EFAULT : 0;
}

/*
 * XENVER_build_id: the image carries no build-id note (linked with
 * --build-id=none), so after the argument checks the answer is Xen's for a
 * build without one, -ENODATA. Only the control domain may ask.
 */
static long version_build_id(const struct domain *d, unsigned long arg)
{
    xen_build_id_t id;

    if ( !d->is_privileged )
        return -EPERM;
    if ( arg )
    {
        if ( copy_from_guest_va(&id, arg, sizeof(id)) )
            return -EFAULT;
        if ( !id.len )
            return -EINVAL;
    }
    return -ENODATA;
}

long do_xen_version(unsigned long cmd, unsigned long arg)
{
    struct domain *d = current->domain;

    switch ( cmd )
    {
    case XENVER_version: return (XEN_MAJOR << 16) | XEN_MINOR;
    case XENVER_extraversion:
        return copy_string_out(arg, XEN_EXTRAVERSION, sizeof(xen_extraversion_t));
    case XENVER_compile_info: return version_compile_info(arg);
    case XENVER_capabilities:
        return copy_string_out(arg, "xen-3.0-x86_64 ", sizeof(xen_capabilities_info_t));
    case XENVER_changeset: return copy_string_out(arg, XEN_PRODUCT, sizeof(xen_changeset_info_t));
    case XENVER_platform_parameters:
    {
        xen_platform_parameters_t p = {.virt_start = HYPERVISOR_VIRT_START_ADDR};
        return copy_to_guest_va(arg, &p, sizeof(p)) ? -EFAULT : 0;
    }
    case XENVER_get_features: return version_features(arg);
    case XENVER_pagesize: return arg ? -EINVAL : (long)PAGE_SIZE;
    case XENVER_guest_handle:
        return copy_to_guest_va(arg, d->handle, sizeof(d->handle)) ? -EFAULT : 0;
    case XENVER_commandline:
        if ( !d->is_privileged )
            return -EPERM;
        return copy_string_out(arg, saved_cmdline, sizeof(xen_commandline_t));
    case XENVER_build_id: return version_build_id(d, arg);
    default: return -ENOSYS;
    }
}

long do_vm_assist(unsigned long cmd, unsigned long type)
{
    struct domain *d = current->domain;

    if ( type >= BITS_PER_LONG || !(VM_ASSIST_VALID_PV & (1UL << type)) )
        return -EINVAL;
    switch ( cmd )
    {
    case VMASST_CMD_enable:
        __atomic_fetch_or(&d->vm_assist, 1UL << type, __ATOMIC_SEQ_CST);
        return 0;
    case VMASST_CMD_disable:
        __atomic_fetch_and(&d->vm_assist, ~(1UL << type), __ATOMIC_SEQ_CST);
        return 0;
    }
    return -ENOSYS;
}
