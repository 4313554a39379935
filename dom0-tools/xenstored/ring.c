/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The shared-ring transport and the Xen devices behind it.
 *
 * Theory of operation
 * -------------------
 * A domain talks to xenstored through one page laid out as struct
 * xenstore_domain_interface (xen/io/xs_wire.h): requests flow in intf->req
 * between req_cons (ours) and req_prod (theirs), replies and watch events
 * out through intf->rsp between rsp_cons (theirs) and rsp_prod (ours).
 * After moving bytes either way we notify the peer on the interdomain event
 * channel bound through /dev/xen/evtchn. Indexes come from an untrusted peer:
 * a producer more than a ring ahead of its consumer is a protocol error and
 * kills the connection.
 *
 * Where the page comes from:
 *   - dom0's own kernel (xenbus in "local" mode, when xenstored runs in
 *     dom0): the kernel allocated the page and an unbound event channel at
 *     boot and exports them as /proc/xen/xsd_kva (mmap one page) and
 *     /proc/xen/xsd_port (the port number in text). We bind our end with an
 *     interdomain bind to (domain 0, that port), as to any other domain.
 *   - any other domain (INTRODUCE domid mfn port): the grant reference
 *     GNTTAB_RESERVED_XENSTORE through /dev/xen/gntdev; when gntdev is
 *     missing or the grant cannot be mapped (a domain whose builder did not
 *     seed its grant table), a foreign mapping of the frame given in
 *     INTRODUCE through /dev/xen/privcmd (IOCTL_PRIVCMD_MMAPBATCH_V2).
 *
 * Everything here runs in xenstored's single thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xen/sys/evtchn.h>
#include <xen/sys/gntdev.h>

#include "daemon.h"
#include "xcl.h"

#define XS_PAGE_SIZE 4096
#define XSD_KVA      "/proc/xen/xsd_kva"
#define XSD_PORT     "/proc/xen/xsd_port"

void ring_notify(const struct ring *r)
{
    struct ioctl_evtchn_notify n = {.port = (unsigned int)r->local_port};

    if ( r->local_port > 0 )
        ioctl(r->evtchn_fd, IOCTL_EVTCHN_NOTIFY, &n);
}

/* The peer's index, read once: it may change under our feet. */
static XENSTORE_RING_IDX peer_index(const XENSTORE_RING_IDX *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static int ring_read(struct conn *c, void *buf, unsigned int len)
{
    struct xenstore_domain_interface *intf = c->ring->intf;
    XENSTORE_RING_IDX cons = intf->req_cons, prod = peer_index(&intf->req_prod);
    unsigned int avail, n;

    if ( prod - cons > XENSTORE_RING_SIZE )
        return -1;
    avail = prod - cons;
    n = XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(cons);
    n = n < avail ? n : avail;
    n = n < len ? n : len;
    if ( !n )
        return 0;
    memcpy(buf, intf->req + MASK_XENSTORE_IDX(cons), n);
    /* Done reading the bytes before handing the space back. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    intf->req_cons = cons + n;
    ring_notify(c->ring);
    return (int)n;
}

static int ring_write(struct conn *c, const void *buf, unsigned int len)
{
    struct xenstore_domain_interface *intf = c->ring->intf;
    XENSTORE_RING_IDX cons = peer_index(&intf->rsp_cons), prod = intf->rsp_prod;
    unsigned int space, n;

    if ( prod - cons > XENSTORE_RING_SIZE )
        return -1;
    space = XENSTORE_RING_SIZE - (prod - cons);
    n = XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(prod);
    n = n < space ? n : space;
    n = n < len ? n : len;
    if ( !n )
        return 0;
    memcpy(intf->rsp + MASK_XENSTORE_IDX(prod), buf, n);
    /* The bytes must be visible before the index that publishes them. */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    intf->rsp_prod = prod + n;
    ring_notify(c->ring);
    return (int)n;
}

/* The connection is being freed; the domain (and its ring) may stay. */
static void ring_close(struct conn *c)
{
    if ( c->ring && c->ring->conn == c )
        c->ring->conn = NULL;
}

const struct conn_ops ring_conn_ops = {
    .read = ring_read,
    .write = ring_write,
    .close = ring_close,
};

/* ---- Mapping ---- */

static int bind_port(struct daemon *d, struct ring *r, unsigned int domid, uint32_t port)
{
    struct ioctl_evtchn_bind_interdomain b = {.remote_domain = domid, .remote_port = port};
    int local = ioctl(d->evtchn_fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &b);

    if ( local < 0 )
    {
        trace(d, "domain %u: cannot bind event channel %u: %s\n", domid, port, strerror(errno));
        return EINVAL;
    }
    r->evtchn_fd = d->evtchn_fd;
    r->local_port = local;
    return 0;
}

static void *map_grant(struct daemon *d, struct ring *r, unsigned int domid)
{
    struct ioctl_gntdev_map_grant_ref m = {.count = 1};
    struct ioctl_gntdev_unmap_grant_ref um = {.count = 1};
    void *page;

    m.refs[0].domid = domid;
    m.refs[0].ref = GNTTAB_RESERVED_XENSTORE;
    if ( d->gntdev_fd < 0 || ioctl(d->gntdev_fd, IOCTL_GNTDEV_MAP_GRANT_REF, &m) )
        return NULL;
    /* The grant is only mapped here: this is where a bad grant fails. */
    page =
        mmap(NULL, XS_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, d->gntdev_fd, (off_t)m.index);
    if ( page != MAP_FAILED )
    {
        r->gnt_index = m.index;
        return page;
    }
    trace(d, "domain %u: grant map failed: %s\n", domid, strerror(errno));
    um.index = m.index;
    ioctl(d->gntdev_fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &um);
    return NULL;
}

int ring_map_domain(struct daemon *d, struct ring *r, unsigned int domid, uint64_t mfn,
                    uint32_t port)
{
    memset(r, 0, sizeof(*r));
    r->intf = map_grant(d, r, domid);
    r->how = RING_GRANT;
    if ( !r->intf && d->xc )
    {
        r->intf = xcl_map_foreign_page(d->xc, domid, mfn);
        r->how = RING_FOREIGN;
        if ( !r->intf )
            trace(d, "domain %u: foreign map of mfn %#llx failed: %s\n", domid,
                  (unsigned long long)mfn, strerror(errno));
    }
    if ( !r->intf )
    {
        r->how = RING_NONE;
        return EINVAL;
    }
    if ( bind_port(d, r, domid, port) )
    {
        ring_unmap(d, r);
        return EINVAL;
    }
    trace(d, "domain %u: ring mapped through %s, port %u (local %d)\n", domid,
          r->how == RING_GRANT ? "gntdev" : "privcmd", port, r->local_port);
    return 0;
}

static long read_xsd_port(void)
{
    char text[32] = "";
    int fd = open(XSD_PORT, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;
    char *end;
    long port;

    if ( fd >= 0 )
        close(fd);
    if ( n <= 0 )
        return -1;
    port = strtol(text, &end, 10);
    return end != text && port > 0 ? port : -1;
}

int ring_map_local(struct daemon *d, struct ring *r)
{
    long port = read_xsd_port();
    int fd = open(XSD_KVA, O_RDWR | O_CLOEXEC);

    memset(r, 0, sizeof(*r));
    if ( fd < 0 || port < 0 )
    {
        if ( fd >= 0 )
            close(fd);
        return ENOENT;
    }
    r->intf = mmap(NULL, XS_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if ( r->intf == MAP_FAILED )
    {
        trace(d, "domain 0: cannot map %s: %s\n", XSD_KVA, strerror(errno));
        r->intf = NULL;
        return EINVAL;
    }
    r->how = RING_LOCAL;
    if ( bind_port(d, r, 0, (uint32_t)port) )
    {
        ring_unmap(d, r);
        return EINVAL;
    }
    trace(d, "domain 0: ring %s, port %ld (local %d)\n", XSD_KVA, port, r->local_port);
    return 0;
}

void ring_unmap(struct daemon *d, struct ring *r)
{
    struct ioctl_evtchn_unbind ub = {.port = (unsigned int)r->local_port};
    struct ioctl_gntdev_unmap_grant_ref um = {.index = r->gnt_index, .count = 1};

    if ( r->local_port > 0 )
        ioctl(d->evtchn_fd, IOCTL_EVTCHN_UNBIND, &ub);
    if ( r->intf )
        munmap(r->intf, XS_PAGE_SIZE);
    if ( r->intf && r->how == RING_GRANT )
        ioctl(d->gntdev_fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &um);
    memset(r, 0, sizeof(*r));
}

/* ---- Devices ---- */

static void bind_dom_exc(struct daemon *d)
{
    struct ioctl_evtchn_bind_virq b = {.virq = VIRQ_DOM_EXC};
    int port = d->xc ? ioctl(d->evtchn_fd, IOCTL_EVTCHN_BIND_VIRQ, &b) : -1;

    if ( port > 0 )
        d->virq_port = port;
    trace(d, "VIRQ_DOM_EXC: %s (port %d)\n", port > 0 ? "bound" : "not bound", port);
}

void ring_xen_open(struct daemon *d)
{
    static struct xcl xc;

    d->evtchn_fd = open("/dev/xen/evtchn", O_RDWR | O_CLOEXEC);
    d->gntdev_fd = open("/dev/xen/gntdev", O_RDWR | O_CLOEXEC);
    if ( d->evtchn_fd >= 0 && xcl_open(&xc) == 0 )
        d->xc = &xc;
    d->xen = d->evtchn_fd >= 0 && (d->gntdev_fd >= 0 || d->xc);
    if ( d->xen )
    {
        bind_dom_exc(d);
        return;
    }
    if ( d->evtchn_fd >= 0 )
        close(d->evtchn_fd);
    if ( d->gntdev_fd >= 0 )
        close(d->gntdev_fd);
    d->evtchn_fd = d->gntdev_fd = -1;
}
