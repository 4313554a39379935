/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libxenctrl-lite: the few hypercalls dom0 tools need, issued through
 * /dev/xen/privcmd, plus foreign page mapping. Never links Xen's libraries;
 * the structures and interface versions are those of the public headers in
 * /usr/include/xen (Xen 4.17: domctl 0x15).
 *
 * Hypercall arguments live in one page that stays mapped and resident
 * (from /dev/xen/hypercall, or locked anonymous memory): a PV dom0's
 * hypercall is executed by Xen against the caller's page tables, and a
 * buffer that is not present would make the hypercall fail with EFAULT.
 *
 * A handle is used by one thread at a time (the buffer is shared by all
 * calls on the handle). Functions return 0 or a negative errno value.
 */
#ifndef XCL_H
#define XCL_H

#include <stdbool.h>
#include <stdint.h>

struct xcl
{
    int privcmd_fd;
    void *buf;        /* XCL_BUF_SIZE bytes of hypercall arguments */
    bool buf_is_anon; /* munmap only; otherwise from /dev/xen/hypercall */
};

#define XCL_BUF_SIZE 4096

/* What XEN_DOMCTL_getdomaininfo says about one domain. */
struct xcl_dominfo
{
    unsigned int domid;
    uint32_t flags; /* XEN_DOMINF_* */
    uint64_t tot_pages;
    uint64_t max_pages;
    unsigned int max_vcpu_id;
};

int xcl_open(struct xcl *x);
void xcl_close(struct xcl *x);

/* 0 and *info, or -ESRCH when the domain does not exist. */
int xcl_domain_info(struct xcl *x, unsigned int domid, struct xcl_dominfo *info);
bool xcl_dominfo_dying(const struct xcl_dominfo *info);
bool xcl_dominfo_shutdown(const struct xcl_dominfo *info);

/* An empty, paused PV domain with one vCPU (never started): *domid. */
int xcl_domain_create_pv(struct xcl *x, unsigned int *domid);
int xcl_domain_max_mem(struct xcl *x, unsigned int domid, uint64_t kib);
int xcl_domain_destroy(struct xcl *x, unsigned int domid);
/* Gives domid one page at guest frame gpfn; *mfn is the machine frame. */
int xcl_populate_page(struct xcl *x, unsigned int domid, uint64_t gpfn, uint64_t *mfn);
/* An unbound port of domid that remote may bind to: *port. */
int xcl_evtchn_alloc_unbound(struct xcl *x, unsigned int domid, unsigned int remote,
                             uint32_t *port);

/* Remote shutdown of domid with a SHUTDOWN_* reason (SCHEDOP_remote_shutdown). */
int xcl_domain_shutdown(struct xcl *x, unsigned int domid, unsigned int reason);

/* Maps the first frame of domid's grant table (XENMEM_acquire_resource), as a
 * domain builder does to seed the reserved entries. NULL and errno on
 * failure; unmap with xcl_unmap_page. */
void *xcl_map_grant_table(struct xcl *x, unsigned int domid);

/* Maps one page of domid (frame number as the domain names it: the MFN for
 * PV) read-write. NULL and errno on failure; unmap with xcl_unmap_page. */
void *xcl_map_foreign_page(struct xcl *x, unsigned int domid, uint64_t frame);
void xcl_unmap_page(void *page);

#endif
