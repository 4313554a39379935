/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Introduced domains: their lifecycle and their ring connections.
 *
 * Theory of operation
 * -------------------
 * INTRODUCE registers a domain. When Xen is present, its ring is mapped and
 * its event channel bound (ring.c) and a ring connection created; without
 * Xen the domain is only recorded (socket-only mode, used by host tests):
 * test connections can then act as that domain via the CONTROL command
 * "test-as-domain".
 *
 * In dom0, domain_xen_init also connects dom0's own kernel (xenbus in local
 * mode, /proc/xen/xsd_kva): domain 0 is then present from the start, with a
 * privileged ring connection, and cannot be released.
 *
 * Domain death: Xen raises the global VIRQ_DOM_EXC (bound by ring.c) when
 * some domain shuts down or dies, without saying which. On each one we ask
 * Xen about every introduced domain (XEN_DOMCTL_getdomaininfo through
 * privcmd): a domain that has shut down fires @releaseDomain once, so the
 * toolstack can look; a dying or vanished one is released as by RELEASE.
 *
 * RELEASE fires @releaseDomain, closes the domain's connections and, unless
 * -K was given, removes the nodes the domain owns.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "xcl.h"

struct domain
{
    struct domain *next;
    unsigned int domid;
    uint64_t mfn;
    uint32_t remote_port;
    struct ring ring; /* unmapped without Xen; ring.conn: its connection */
    int target;       /* SET_TARGET, or -1 */
    bool local;       /* dom0's own kernel through /proc/xen/xsd_kva */
    bool shutdown;    /* @releaseDomain already fired for its shutdown */
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

static void fire_special(struct daemon *d, const char *name)
{
    static const struct perm everybody = {0, PERM_READ};

    proto_store_event(d, name, false, &everybody, 1);
}

static struct domain *domain_alloc(unsigned int domid, uint64_t mfn, uint32_t port)
{
    struct domain *dom = calloc(1, sizeof(*dom));

    if ( !dom )
        return NULL;
    dom->domid = domid;
    dom->mfn = mfn;
    dom->remote_port = port;
    dom->target = -1;
    return dom;
}

/* Creates the ring connection of a mapped domain and kicks the peer. */
static int domain_connect(struct daemon *d, struct domain *dom, bool privileged)
{
    struct caller who = {dom->domid, privileged, -1};
    struct conn *c = conn_new(d, &ring_conn_ops, -1, &who);

    if ( !c )
        return ENOMEM;
    c->domain = dom;
    c->ring = &dom->ring;
    dom->ring.conn = c;
    dom->ring.intf->server_features |= XENSTORE_SERVER_FEATURE_ERROR;
    ring_notify(&dom->ring);
    return 0;
}

/* dom0's kernel, when it runs xenbus in local mode (we are in dom0). */
static void domain_connect_local(struct daemon *d)
{
    struct domain *dom = domain_alloc(0, 0, 0);

    if ( !dom )
        return;
    if ( ring_map_local(d, &dom->ring) )
    {
        free(dom);
        return;
    }
    dom->local = true;
    if ( domain_connect(d, dom, true) )
    {
        ring_unmap(d, &dom->ring);
        free(dom);
        return;
    }
    dom->next = d->domains;
    d->domains = dom;
}

void domain_xen_init(struct daemon *d)
{
    ring_xen_open(d);
    if ( d->xen )
        domain_connect_local(d);
}

/* ---- Requests ---- */

int domain_introduce(struct daemon *d, unsigned int domid, uint64_t mfn, uint32_t port)
{
    struct domain *dom = domain_find(d, domid);
    int rc;

    if ( dom )
        return dom->local || (dom->mfn == mfn && dom->remote_port == port) ? 0 : EEXIST;
    dom = domain_alloc(domid, mfn, port);
    if ( !dom )
        return ENOMEM;
    rc = d->xen ? ring_map_domain(d, &dom->ring, domid, mfn, port) : 0;
    if ( !rc && d->xen )
    {
        rc = domain_connect(d, dom, false);
        if ( rc )
            ring_unmap(d, &dom->ring);
    }
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

static void domain_remove(struct daemon *d, struct domain *dom, const char *why)
{
    struct domain **pp;
    struct conn *c;

    for ( pp = &d->domains; *pp != dom; pp = &(*pp)->next )
        ;
    *pp = dom->next;
    for ( c = d->conns; c; c = c->next )
    {
        if ( c->domain == dom )
        {
            /* Keeps ring ops away from the page we are about to unmap. */
            c->domain = NULL;
            c->ring = NULL;
            conn_kill(d, c, why);
        }
        if ( !c->who.privileged && !c->needs_attach && c->who.domid == dom->domid )
            conn_kill(d, c, why);
    }
    ring_unmap(d, &dom->ring);
    if ( !d->keep_orphans )
        store_remove_owned(d->st, dom->domid);
    trace(d, "domain %u released (%s)\n", dom->domid, why);
    free(dom);
    fire_special(d, "@releaseDomain");
}

int domain_release(struct daemon *d, unsigned int domid)
{
    struct domain *dom = domain_find(d, domid);

    if ( !dom )
        return ENOENT;
    if ( dom->local )
        return EINVAL; /* our own kernel */
    domain_remove(d, dom, "domain released");
    return 0;
}

int domain_resume(struct daemon *d, unsigned int domid)
{
    struct domain *dom = domain_find(d, domid);

    if ( !dom )
        return ENOENT;
    dom->shutdown = false;
    return 0;
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

/* ---- Domain death (VIRQ_DOM_EXC) ---- */

/* Asks Xen about every introduced domain; releases the dead ones. */
static void domain_check_states(struct daemon *d)
{
    struct domain *dom, *next;
    struct xcl_dominfo info;
    int rc;

    for ( dom = d->domains; dom; dom = next )
    {
        next = dom->next;
        if ( dom->local )
            continue;
        rc = xcl_domain_info(d->xc, dom->domid, &info);
        if ( rc == -ESRCH || (!rc && xcl_dominfo_dying(&info)) )
        {
            domain_remove(d, dom, rc ? "domain vanished" : "domain dying");
            continue;
        }
        if ( rc )
        {
            trace(d, "domain %u: getdomaininfo failed: %s\n", dom->domid, strerror(-rc));
            continue;
        }
        if ( xcl_dominfo_shutdown(&info) && !dom->shutdown )
        {
            dom->shutdown = true;
            trace(d, "domain %u shut down\n", dom->domid);
            fire_special(d, "@releaseDomain");
        }
    }
}

/* Reads pending ports from /dev/xen/evtchn and unmasks them. Rings are
 * served by domain_poll_rings whatever port fired. */
void domain_handle_evtchn(struct daemon *d)
{
    uint32_t ports[32];
    ssize_t n = read(d->evtchn_fd, ports, sizeof(ports));
    bool dom_exc = false;
    ssize_t i;

    for ( i = 0; i < n / (ssize_t)sizeof(ports[0]); i++ )
    {
        if ( d->virq_port > 0 && ports[i] == (uint32_t)d->virq_port )
            dom_exc = true;
        if ( write(d->evtchn_fd, &ports[i], sizeof(ports[i])) < 0 )
            trace(d, "evtchn: cannot unmask port %u\n", ports[i]);
    }
    if ( dom_exc && d->xc )
    {
        trace(d, "VIRQ_DOM_EXC\n");
        domain_check_states(d);
    }
}

/* Serves every ring: cheap, and robust against lost notifications. */
void domain_poll_rings(struct daemon *d)
{
    struct domain *dom;

    for ( dom = d->domains; dom; dom = dom->next )
    {
        struct conn *c = dom->ring.conn;

        if ( !c || c->dead )
            continue;
        conn_input(d, c);
        conn_flush(d, c);
    }
}
