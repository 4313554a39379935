/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Introduced domains and their shared-ring connections.
 *
 * Theory of operation
 * -------------------
 * INTRODUCE registers a domain. When Xen is present (/dev/xen/evtchn and
 * /dev/xen/gntdev open), the domain's xenstore page is mapped through its
 * reserved grant (GNTTAB_RESERVED_XENSTORE), the given event channel is
 * bound, and a ring connection is created: requests are read from
 * intf->req between req_cons and req_prod, replies written to intf->rsp,
 * and the peer is notified after each move. Indexes come from an untrusted
 * peer: a producer more than a ring ahead of the consumer is a protocol
 * error and kills the connection.
 *
 * Without Xen the domain is recorded only (socket-only mode, used by host
 * tests): test connections can then act as that domain via the CONTROL
 * command "test-as-domain".
 *
 * RELEASE fires @releaseDomain, closes the domain's connections and, unless
 * -K was given, removes the nodes the domain owns.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <stdint.h>

#include <xen/grant_table.h>
#include <xen/sys/evtchn.h>
#include <xen/sys/gntdev.h>

#include "daemon.h"

#define XS_PAGE_SIZE 4096

struct domain
{
    struct domain *next;
    unsigned int domid;
    uint64_t mfn;
    uint32_t remote_port;
    int local_port;                         /* -1 without Xen */
    struct xenstore_domain_interface *intf; /* NULL without Xen */
    uint64_t map_index;                     /* gntdev offset of intf */
    struct conn *conn;                      /* ring connection, or NULL */
    int target;                             /* SET_TARGET, or -1 */
};

struct domain *domain_find(struct daemon *d, unsigned int domid)
{
    struct domain *dom;

    for ( dom = d->domains; dom; dom = dom->next )
        if ( dom->domid == domid )
            return dom;
    return NULL;
}

unsigned int domain_first_id(const struct daemon *d)
{
    return d->domains->domid;
}

int domain_target(struct daemon *d, unsigned int domid)
{
    struct domain *dom = domain_find(d, domid);

    return dom ? dom->target : -1;
}

/* ---- Ring transport ---- */

static void ring_notify(struct daemon *d, struct domain *dom)
{
    struct ioctl_evtchn_notify n = {.port = (unsigned int)dom->local_port};

    if ( dom->local_port >= 0 )
        ioctl(d->evtchn_fd, IOCTL_EVTCHN_NOTIFY, &n);
}

static struct daemon *ring_daemon; /* for the notify in ring ops */

static int ring_read(struct conn *c, void *buf, unsigned int len)
{
    struct xenstore_domain_interface *intf = c->domain->intf;
    XENSTORE_RING_IDX cons = intf->req_cons, prod = intf->req_prod;
    unsigned int avail, n;

    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if ( prod - cons > XENSTORE_RING_SIZE )
        return -1;
    avail = prod - cons;
    n = XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(cons);
    n = n < avail ? n : avail;
    n = n < len ? n : len;
    if ( !n )
        return 0;
    memcpy(buf, intf->req + MASK_XENSTORE_IDX(cons), n);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    intf->req_cons = cons + n;
    ring_notify(ring_daemon, c->domain);
    return (int)n;
}

static int ring_write(struct conn *c, const void *buf, unsigned int len)
{
    struct xenstore_domain_interface *intf = c->domain->intf;
    XENSTORE_RING_IDX cons = intf->rsp_cons, prod = intf->rsp_prod;
    unsigned int space, n;

    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if ( prod - cons > XENSTORE_RING_SIZE )
        return -1;
    space = XENSTORE_RING_SIZE - (prod - cons);
    n = XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(prod);
    n = n < space ? n : space;
    n = n < len ? n : len;
    if ( !n )
        return 0;
    memcpy(intf->rsp + MASK_XENSTORE_IDX(prod), buf, n);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    intf->rsp_prod = prod + n;
    ring_notify(ring_daemon, c->domain);
    return (int)n;
}

static void ring_close(struct conn *c)
{
    if ( c->domain && c->domain->conn == c )
        c->domain->conn = NULL;
}

static const struct conn_ops ring_conn_ops = {
    .read = ring_read,
    .write = ring_write,
    .close = ring_close,
};

/* ---- Xen resources ---- */

static void domain_unmap(struct daemon *d, struct domain *dom)
{
    struct ioctl_evtchn_unbind ub = {.port = (unsigned int)dom->local_port};
    struct ioctl_gntdev_unmap_grant_ref um = {.index = dom->map_index, .count = 1};

    if ( dom->local_port >= 0 )
        ioctl(d->evtchn_fd, IOCTL_EVTCHN_UNBIND, &ub);
    if ( dom->intf )
    {
        munmap(dom->intf, XS_PAGE_SIZE);
        ioctl(d->gntdev_fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &um);
    }
    dom->local_port = -1;
    dom->intf = NULL;
}

static int domain_map(struct daemon *d, struct domain *dom)
{
    struct ioctl_gntdev_map_grant_ref m = {.count = 1};
    struct ioctl_evtchn_bind_interdomain b = {
        .remote_domain = dom->domid,
        .remote_port = dom->remote_port,
    };
    void *page;
    int port;

    m.refs[0].domid = dom->domid;
    m.refs[0].ref = GNTTAB_RESERVED_XENSTORE;
    if ( ioctl(d->gntdev_fd, IOCTL_GNTDEV_MAP_GRANT_REF, &m) )
        return EINVAL;
    dom->map_index = m.index;
    page =
        mmap(NULL, XS_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, d->gntdev_fd, (off_t)m.index);
    if ( page == MAP_FAILED )
    {
        domain_unmap(d, dom);
        return EINVAL;
    }
    dom->intf = page;
    port = ioctl(d->evtchn_fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &b);
    if ( port < 0 )
    {
        domain_unmap(d, dom);
        return EINVAL;
    }
    dom->local_port = port;
    return 0;
}

static int domain_connect(struct daemon *d, struct domain *dom)
{
    struct caller who = {dom->domid, false, -1};
    int rc = domain_map(d, dom);

    if ( rc )
        return rc;
    dom->conn = conn_new(d, &ring_conn_ops, -1, &who);
    if ( !dom->conn )
    {
        domain_unmap(d, dom);
        return ENOMEM;
    }
    dom->conn->domain = dom;
    dom->intf->server_features |= XENSTORE_SERVER_FEATURE_ERROR;
    ring_notify(d, dom);
    return 0;
}

void domain_xen_init(struct daemon *d)
{
    ring_daemon = d;
    d->evtchn_fd = open("/dev/xen/evtchn", O_RDWR | O_CLOEXEC);
    d->gntdev_fd = open("/dev/xen/gntdev", O_RDWR | O_CLOEXEC);
    d->xen = d->evtchn_fd >= 0 && d->gntdev_fd >= 0;
    if ( d->xen )
        return;
    if ( d->evtchn_fd >= 0 )
        close(d->evtchn_fd);
    if ( d->gntdev_fd >= 0 )
        close(d->gntdev_fd);
    d->evtchn_fd = d->gntdev_fd = -1;
}

/* ---- Requests ---- */

static void fire_special(struct daemon *d, const char *name)
{
    static const struct perm everybody = {0, PERM_READ};

    proto_store_event(d, name, false, &everybody, 1);
}

int domain_introduce(struct daemon *d, unsigned int domid, uint64_t mfn, uint32_t port)
{
    struct domain *dom = domain_find(d, domid);
    int rc;

    if ( dom )
        return dom->mfn == mfn && dom->remote_port == port ? 0 : EEXIST;
    dom = calloc(1, sizeof(*dom));
    if ( !dom )
        return ENOMEM;
    dom->domid = domid;
    dom->mfn = mfn;
    dom->remote_port = port;
    dom->local_port = -1;
    dom->target = -1;
    rc = d->xen ? domain_connect(d, dom) : 0;
    if ( rc )
    {
        free(dom);
        return rc;
    }
    dom->next = d->domains;
    d->domains = dom;
    trace(d, "domain %u introduced\n", domid);
    fire_special(d, "@introduceDomain");
    return 0;
}

int domain_release(struct daemon *d, unsigned int domid)
{
    struct domain **pp, *dom;
    struct conn *c;

    for ( pp = &d->domains; *pp && (*pp)->domid != domid; pp = &(*pp)->next )
        ;
    dom = *pp;
    if ( !dom )
        return ENOENT;
    *pp = dom->next;
    for ( c = d->conns; c; c = c->next )
    {
        if ( c->domain == dom )
            c->domain = NULL; /* keeps ring ops away from freed memory */
        if ( !c->who.privileged && !c->needs_attach && c->who.domid == domid )
            conn_kill(d, c, "domain released");
    }
    domain_unmap(d, dom);
    free(dom);
    if ( !d->keep_orphans )
        store_remove_owned(d->st, domid);
    trace(d, "domain %u released\n", domid);
    fire_special(d, "@releaseDomain");
    return 0;
}

int domain_resume(struct daemon *d, unsigned int domid)
{
    return domain_find(d, domid) ? 0 : ENOENT;
}

int domain_set_target(struct daemon *d, unsigned int domid, unsigned int target)
{
    struct domain *dom = domain_find(d, domid);
    struct conn *c;

    if ( !dom || !domain_find(d, target) )
        return ENOENT;
    dom->target = (int)target;
    for ( c = d->conns; c; c = c->next )
        if ( !c->who.privileged && c->who.domid == domid )
            c->who.target = (int)target;
    return 0;
}

/* Reads pending ports from /dev/xen/evtchn and unmasks them. */
void domain_handle_evtchn(struct daemon *d)
{
    uint32_t ports[32];
    ssize_t n = read(d->evtchn_fd, ports, sizeof(ports));
    ssize_t i;

    for ( i = 0; i < n / (ssize_t)sizeof(ports[0]); i++ )
        if ( write(d->evtchn_fd, &ports[i], sizeof(ports[i])) < 0 )
            trace(d, "evtchn: cannot unmask port %u\n", ports[i]);
}

/* Serves every ring: cheap, and robust against lost notifications. */
void domain_poll_rings(struct daemon *d)
{
    struct domain *dom;

    for ( dom = d->domains; dom; dom = dom->next )
    {
        if ( !dom->conn || dom->conn->dead )
            continue;
        conn_input(d, dom->conn);
        conn_flush(d, dom->conn);
    }
}
