/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libxenctrl-lite: privcmd hypercalls and foreign mappings (see xcl.h).
 *
 * Every call copies its argument structure into the handle's resident
 * buffer, issues IOCTL_PRIVCMD_HYPERCALL with a pointer into that buffer,
 * and copies the result back. The kernel returns Xen's result as the ioctl
 * value, so a failing hypercall surfaces as -1 with errno set to the Xen
 * error (Xen's errno values are Linux's).
 */
#define __XEN_TOOLS__ 1 /* domctl.h is for "node control tools" only */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xen/xen.h>
#include <xen/domctl.h>
#include <xen/event_channel.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/sys/privcmd.h>

#include "xcl.h"

#define XCL_PAGE_SIZE 4096

int xcl_open(struct xcl *x)
{
    int hfd;

    x->buf = NULL;
    x->privcmd_fd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
    if ( x->privcmd_fd < 0 )
        return -errno;
    /* Kernel-allocated hypercall pages, when the kernel offers them. */
    hfd = open("/dev/xen/hypercall", O_RDWR | O_CLOEXEC);
    if ( hfd >= 0 )
    {
        x->buf = mmap(NULL, XCL_BUF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, hfd, 0);
        close(hfd);
        if ( x->buf == MAP_FAILED )
            x->buf = NULL;
    }
    x->buf_is_anon = !x->buf;
    if ( !x->buf )
    {
        x->buf = mmap(NULL, XCL_BUF_SIZE, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED | MAP_POPULATE, -1, 0);
        if ( x->buf == MAP_FAILED )
        {
            int err = errno;

            x->buf = NULL;
            close(x->privcmd_fd);
            x->privcmd_fd = -1;
            return -err;
        }
    }
    memset(x->buf, 0, XCL_BUF_SIZE);
    return 0;
}

void xcl_close(struct xcl *x)
{
    if ( x->buf )
        munmap(x->buf, XCL_BUF_SIZE);
    if ( x->privcmd_fd >= 0 )
        close(x->privcmd_fd);
    x->buf = NULL;
    x->privcmd_fd = -1;
}

/* One hypercall whose single pointer argument (after op) is the buffer. */
static long xcl_hypercall(struct xcl *x, unsigned int nr, uint64_t a0, bool a1_is_buf)
{
    privcmd_hypercall_t hc = {.op = nr, .arg = {a0}};
    long rc;

    if ( a1_is_buf )
        hc.arg[1] = (uint64_t)(uintptr_t)x->buf;
    else
        hc.arg[0] = (uint64_t)(uintptr_t)x->buf;
    rc = ioctl(x->privcmd_fd, IOCTL_PRIVCMD_HYPERCALL, &hc);
    return rc < 0 ? -errno : rc;
}

static int xcl_domctl(struct xcl *x, struct xen_domctl *dc)
{
    long rc;

    dc->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    memcpy(x->buf, dc, sizeof(*dc));
    rc = xcl_hypercall(x, __HYPERVISOR_domctl, 0, false);
    memcpy(dc, x->buf, sizeof(*dc));
    return (int)rc;
}

int xcl_domain_info(struct xcl *x, unsigned int domid, struct xcl_dominfo *info)
{
    struct xen_domctl dc = {.cmd = XEN_DOMCTL_getdomaininfo, .domain = (domid_t)domid};
    int rc = xcl_domctl(x, &dc);

    if ( rc )
        return rc;
    /* Some Xen versions answer with the next existing domain. */
    if ( dc.u.getdomaininfo.domain != domid )
        return -ESRCH;
    info->domid = dc.u.getdomaininfo.domain;
    info->flags = dc.u.getdomaininfo.flags;
    info->tot_pages = dc.u.getdomaininfo.tot_pages;
    info->max_pages = dc.u.getdomaininfo.max_pages;
    info->max_vcpu_id = dc.u.getdomaininfo.max_vcpu_id;
    return 0;
}

bool xcl_dominfo_dying(const struct xcl_dominfo *info)
{
    return info->flags & XEN_DOMINF_dying;
}

bool xcl_dominfo_shutdown(const struct xcl_dominfo *info)
{
    return info->flags & XEN_DOMINF_shutdown;
}

int xcl_domain_create_pv(struct xcl *x, unsigned int *domid)
{
    struct xen_domctl dc = {.cmd = XEN_DOMCTL_createdomain, .domain = 0 /* pick one */};
    struct xen_domctl_createdomain *c = &dc.u.createdomain;
    int rc;

    c->max_vcpus = 1;
    c->max_evtchn_port = 1023;
    c->max_grant_frames = -1;    /* the hypervisor's default */
    c->max_maptrack_frames = -1; /* likewise */
    c->grant_opts = XEN_DOMCTL_GRANT_version(1);
    rc = xcl_domctl(x, &dc);
    if ( rc )
        return rc;
    *domid = dc.domain;
    /*
     * The vCPUs themselves come from max_vcpus (same count as above). Xen
     * 4.17 dereferences vCPU 0 when an event is sent to the domain, so a
     * domain without it must never be the target of a notification.
     */
    memset(&dc, 0, sizeof(dc));
    dc.cmd = XEN_DOMCTL_max_vcpus;
    dc.domain = (domid_t)*domid;
    dc.u.max_vcpus.max = 1;
    rc = xcl_domctl(x, &dc);
    if ( rc )
        xcl_domain_destroy(x, *domid);
    return rc;
}

int xcl_domain_max_mem(struct xcl *x, unsigned int domid, uint64_t kib)
{
    struct xen_domctl dc = {.cmd = XEN_DOMCTL_max_mem, .domain = (domid_t)domid};

    dc.u.max_mem.max_memkb = kib;
    return xcl_domctl(x, &dc);
}

int xcl_domain_destroy(struct xcl *x, unsigned int domid)
{
    struct xen_domctl dc = {.cmd = XEN_DOMCTL_destroydomain, .domain = (domid_t)domid};

    return xcl_domctl(x, &dc);
}

int xcl_populate_page(struct xcl *x, unsigned int domid, uint64_t gpfn, uint64_t *mfn)
{
    struct xen_memory_reservation *res = x->buf;
    xen_pfn_t *frames = (xen_pfn_t *)((char *)x->buf + 256);
    long rc;

    memset(res, 0, sizeof(*res));
    frames[0] = gpfn;
    set_xen_guest_handle(res->extent_start, frames);
    res->nr_extents = 1;
    res->extent_order = 0;
    res->domid = (domid_t)domid;
    rc = xcl_hypercall(x, __HYPERVISOR_memory_op, XENMEM_populate_physmap, true);
    if ( rc < 0 )
        return (int)rc;
    if ( rc != 1 )
        return -ENOMEM;
    /* A PV domain's frames are machine frames: Xen wrote the MFN back. */
    *mfn = frames[0];
    return 0;
}

int xcl_evtchn_alloc_unbound(struct xcl *x, unsigned int domid, unsigned int remote, uint32_t *port)
{
    struct evtchn_alloc_unbound *a = x->buf;
    long rc;

    memset(a, 0, sizeof(*a));
    a->dom = (domid_t)domid;
    a->remote_dom = (domid_t)remote;
    rc = xcl_hypercall(x, __HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, true);
    if ( rc < 0 )
        return (int)rc;
    *port = a->port;
    return 0;
}

int xcl_domain_shutdown(struct xcl *x, unsigned int domid, unsigned int reason)
{
    struct sched_remote_shutdown *r = x->buf;

    memset(r, 0, sizeof(*r));
    r->domain_id = (domid_t)domid;
    r->reason = reason;
    return (int)xcl_hypercall(x, __HYPERVISOR_sched_op, SCHEDOP_remote_shutdown, true);
}

void *xcl_map_grant_table(struct xcl *x, unsigned int domid)
{
    privcmd_mmap_resource_t r = {
        .dom = (domid_t)domid,
        .type = XENMEM_resource_grant_table,
        .id = XENMEM_resource_grant_table_id_shared,
        .idx = 0,
        .num = 1,
    };
    void *page;
    int err;

    page = mmap(NULL, XCL_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, x->privcmd_fd, 0);
    if ( page == MAP_FAILED )
        return NULL;
    r.addr = (uint64_t)(uintptr_t)page;
    if ( ioctl(x->privcmd_fd, IOCTL_PRIVCMD_MMAP_RESOURCE, &r) )
    {
        err = errno;
        munmap(page, XCL_PAGE_SIZE);
        errno = err;
        return NULL;
    }
    return page;
}

void *xcl_map_foreign_page(struct xcl *x, unsigned int domid, uint64_t frame)
{
    xen_pfn_t arr[1] = {frame};
    int err[1] = {0};
    privcmd_mmapbatch_v2_t b = {.num = 1, .dom = (domid_t)domid, .arr = arr, .err = err};
    void *page;

    page = mmap(NULL, XCL_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, x->privcmd_fd, 0);
    if ( page == MAP_FAILED )
        return NULL;
    b.addr = (uint64_t)(uintptr_t)page;
    if ( ioctl(x->privcmd_fd, IOCTL_PRIVCMD_MMAPBATCH_V2, &b) || err[0] )
    {
        int e = err[0] ? -err[0] : errno;

        munmap(page, XCL_PAGE_SIZE);
        errno = e > 0 ? e : EINVAL;
        return NULL;
    }
    return page;
}

void xcl_unmap_page(void *page)
{
    munmap(page, XCL_PAGE_SIZE);
}
