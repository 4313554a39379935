/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xs-fakedom: a domain without a kernel, to test xenstored on real Xen.
 *
 * Runs in dom0 next to xenstored. Creates an empty, never-running PV
 * domain (libxenctrl-lite: createdomain, max_mem, populate one page,
 * allocate an unbound event channel for dom0), zeroes that page and
 * INTRODUCEs the domain to xenstored over the socket. In "grant" mode it
 * first seeds the domain's grant table (entry GNTTAB_RESERVED_XENSTORE
 * grants the page to dom0, as a domain builder does), so xenstored maps the
 * page through gntdev; in "foreign" mode it does not, so xenstored must
 * fall back to a privcmd foreign mapping. Then this program plays the
 * guest: it maps the same page and
 * writes requests into its ring (it cannot signal the domain's event
 * channel, so it relies on xenstored serving rings without notification
 * within about a second). Then it shuts the domain down (SCHEDOP_remote_
 * shutdown): xenstored, told by VIRQ_DOM_EXC, must fire @releaseDomain but
 * keep the domain. Finally it destroys the domain: @releaseDomain fires,
 * the domain is no longer introduced and the nodes it owned are gone.
 *
 * Usage: xs-fakedom grant|foreign
 * Prints "CHECK <mode>-<name> PASS|FAIL [detail]"; exits 1 on any FAIL.
 * Needs XENSTORED_PATH (or the default socket) for the dom0 side.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xen/io/xs_wire.h>
#include <xen/sched.h>

#include "xcl.h"
#include "xenstore.h"

static int failures;
static const char *mode; /* "grant" or "foreign": prefixes check names */

static void check(const char *name, bool ok, const char *fmt, ...)
{
    va_list ap;

    printf("CHECK %s-%s %s", mode, name, ok ? "PASS" : "FAIL");
    if ( !ok || fmt )
    {
        printf(" ");
        va_start(ap, fmt);
        vprintf(fmt ? fmt : "", ap);
        va_end(ap);
    }
    printf("\n");
    fflush(stdout);
    failures += !ok;
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- The guest's side of the ring ---- */

static void ring_put(struct xenstore_domain_interface *intf, const void *data, unsigned int len)
{
    const char *p = data;
    XENSTORE_RING_IDX prod = intf->req_prod;
    unsigned int i;

    for ( i = 0; i < len; i++ )
        intf->req[MASK_XENSTORE_IDX(prod + i)] = p[i];
    __atomic_thread_fence(__ATOMIC_RELEASE);
    intf->req_prod = prod + len;
}

/* Waits for len bytes of response; false on timeout. */
static bool ring_get(struct xenstore_domain_interface *intf, void *data, unsigned int len,
                     double deadline)
{
    char *p = data;
    unsigned int i;

    while ( __atomic_load_n(&intf->rsp_prod, __ATOMIC_ACQUIRE) - intf->rsp_cons < len )
    {
        if ( now() > deadline )
            return false;
        usleep(20000);
    }
    for ( i = 0; i < len; i++ )
        p[i] = intf->rsp[MASK_XENSTORE_IDX(intf->rsp_cons + i)];
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    intf->rsp_cons += len;
    return true;
}

static void guest_send(struct xenstore_domain_interface *intf, uint32_t type, const void *body,
                       unsigned int len)
{
    struct xsd_sockmsg h = {.type = type, .req_id = 42, .len = len};

    ring_put(intf, &h, sizeof(h));
    ring_put(intf, body, len);
}

/* Next message from xenstored: its type (-1 on timeout); the payload
 * (NUL-terminated) in out, its length in *len. */
static int guest_receive(struct xenstore_domain_interface *intf, char *out, size_t outlen,
                         unsigned int *len, double deadline)
{
    struct xsd_sockmsg h;

    if ( !ring_get(intf, &h, sizeof(h), deadline) || h.len >= outlen ||
         !ring_get(intf, out, h.len, deadline) )
        return -1;
    out[h.len] = '\0';
    *len = h.len;
    return (int)h.type;
}

/* One request as the guest; the reply payload (NUL-terminated) in out. */
static int guest_request(struct xenstore_domain_interface *intf, uint32_t type, const char *a,
                         const char *b, char *out, size_t outlen, double *took)
{
    char body[256];
    unsigned int alen = (unsigned int)strlen(a) + 1, blen = b ? (unsigned int)strlen(b) : 0;
    double start = now();
    int rtype;

    memcpy(body, a, alen);
    if ( b )
        memcpy(body + alen, b, blen);
    guest_send(intf, type, body, alen + blen);
    rtype = guest_receive(intf, out, outlen, &alen, start + 5);
    *took = now() - start;
    return rtype;
}

/* ---- Steps ---- */

struct fake
{
    struct xcl xc;
    struct xs_handle *xs;
    unsigned int domid;
    uint64_t mfn;
    uint32_t port;
    struct xenstore_domain_interface *intf; /* our own mapping */
    char home[64];
};

static bool fake_create(struct fake *f)
{
    int rc = xcl_open(&f->xc);

    check("privcmd-open", rc == 0, "%s", rc ? strerror(-rc) : "");
    if ( rc )
        return false;
    rc = xcl_domain_create_pv(&f->xc, &f->domid);
    check("domctl-createdomain", rc == 0, "domid %u rc %d", f->domid, rc);
    if ( rc )
        return false;
    rc = xcl_domain_max_mem(&f->xc, f->domid, 1024);
    if ( !rc )
        rc = xcl_populate_page(&f->xc, f->domid, 0, &f->mfn);
    check("populate-ring-page", rc == 0, "mfn %#llx rc %d", (unsigned long long)f->mfn, rc);
    if ( !rc )
        rc = xcl_evtchn_alloc_unbound(&f->xc, f->domid, 0, &f->port);
    check("evtchn-alloc-unbound", rc == 0, "port %u rc %d", f->port, rc);
    if ( rc )
        return false;
    f->intf = xcl_map_foreign_page(&f->xc, f->domid, f->mfn);
    check("foreign-map-own", f->intf != NULL, "%s", f->intf ? "" : strerror(errno));
    if ( !f->intf )
        return false;
    memset(f->intf, 0, sizeof(*f->intf)); /* the page is not scrubbed */
    snprintf(f->home, sizeof(f->home), "/local/domain/%u", f->domid);
    return true;
}

/* Grants the ring page to dom0 in the reserved entry, as a builder would. */
static void fake_seed_grant(struct fake *f)
{
    grant_entry_v1_t *gt = xcl_map_grant_table(&f->xc, f->domid);

    check("seed-grant", gt != NULL, "%s", gt ? "" : strerror(errno));
    if ( !gt )
        return;
    gt[GNTTAB_RESERVED_XENSTORE].domid = 0;
    gt[GNTTAB_RESERVED_XENSTORE].frame = (uint32_t)f->mfn;
    __atomic_thread_fence(__ATOMIC_RELEASE); /* entry before its flags */
    gt[GNTTAB_RESERVED_XENSTORE].flags = GTF_permit_access;
    xcl_unmap_page(gt);
}

static bool fake_introduce(struct fake *f)
{
    struct xs_permissions owner = {.id = f->domid, .perms = XS_PERM_NONE};
    char path[96];
    bool ok;

    snprintf(path, sizeof(path), "%s/name", f->home);
    ok = xs_write(f->xs, XBT_NULL, path, "fakedom", 7) &&
         xs_set_permissions(f->xs, XBT_NULL, f->home, &owner, 1) &&
         xs_set_permissions(f->xs, XBT_NULL, path, &owner, 1);
    check("dom0-prepare-home", ok, "%s", ok ? "" : strerror(errno));
    ok = xs_introduce_domain(f->xs, f->domid, f->mfn, f->port);
    check("introduce", ok, "%s", ok ? "" : strerror(errno));
    if ( ok )
        check("is-introduced", xs_is_domain_introduced(f->xs, f->domid), NULL);
    return ok;
}

static void fake_talk(struct fake *f)
{
    char out[256], nonce[32], path[96], *v;
    double took = 0;
    int type;
    unsigned int len;

    type = guest_request(f->intf, XS_READ, "name", NULL, out, sizeof(out), &took);
    check("guest-read-relative", type == XS_READ && !strcmp(out, "fakedom"),
          "type %d value '%s' after %.2fs", type, type >= 0 ? out : "", took);
    type = guest_request(f->intf, XS_GET_DOMAIN_PATH, "0", NULL, out, sizeof(out), &took);
    check("guest-get-domain-path", type == XS_GET_DOMAIN_PATH && !strcmp(out, "/local/domain/0"),
          "type %d '%s'", type, type >= 0 ? out : "");
    snprintf(nonce, sizeof(nonce), "n%ld", (long)getpid() * 7919 + (long)time(NULL));
    type = guest_request(f->intf, XS_WRITE, "data", nonce, out, sizeof(out), &took);
    check("guest-write", type == XS_WRITE && !strcmp(out, "OK"), "type %d '%s'", type,
          type >= 0 ? out : "");
    snprintf(path, sizeof(path), "%s/data", f->home);
    v = xs_read(f->xs, XBT_NULL, path, &len);
    check("guest-write-seen-by-dom0", v && !strcmp(v, nonce), "'%s' want '%s'", v ? v : "(null)",
          nonce);
    free(v);
    /* An unprivileged guest may not write outside its home. */
    type = guest_request(f->intf, XS_WRITE, "/local/domain/0/fakedom-was-here", "x", out,
                         sizeof(out), &took);
    check("guest-no-write-outside", type == XS_ERROR && !strcmp(out, "EACCES"), "type %d '%s'",
          type, type >= 0 ? out : "");
}

/* A watch of the guest, fired by dom0: the event comes down the guest's
 * ring with the path relative, as the guest registered it. */
static void fake_watch(struct fake *f)
{
    static const char req[] = "data\0wtok"; /* path, token, both NUL-ended */
    char out[256], path[96];
    unsigned int len, i, events = 0;
    bool replied = false, fired = false;
    int type;

    guest_send(f->intf, XS_WATCH, req, sizeof(req));
    for ( i = 0; i < 2; i++ ) /* the reply and the registration's event */
    {
        type = guest_receive(f->intf, out, sizeof(out), &len, now() + 5);
        replied |= type == XS_WATCH && !strcmp(out, "OK");
        events += type == XS_WATCH_EVENT;
    }
    check("guest-watch", replied && events == 1, "reply %d, %u events", replied, events);
    snprintf(path, sizeof(path), "%s/data", f->home);
    if ( !xs_write(f->xs, XBT_NULL, path, "changed", 7) )
        check("dom0-write-watched", false, "%s", strerror(errno));
    type = guest_receive(f->intf, out, sizeof(out), &len, now() + 5);
    fired = type == XS_WATCH_EVENT && len == sizeof(req) && !memcmp(out, req, sizeof(req));
    check("guest-watch-event", fired, "type %d '%s'", type, type >= 0 ? out : "");
}

/* Waits up to 10 s for @releaseDomain and for the domain to be released
 * (want_gone) or still introduced; says how long it took. */
static bool wait_release(struct fake *f, bool want_gone, double *took)
{
    double start = now();
    bool event = false, gone = !want_gone;
    char **ev;
    unsigned int n;

    while ( !(event && gone == want_gone) && now() - start < 10 )
    {
        struct pollfd p = {.fd = xs_fileno(f->xs), .events = POLLIN};

        if ( poll(&p, 1, 200) == 1 && (ev = xs_read_watch(f->xs, &n)) )
        {
            event |= !strcmp(ev[XS_WATCH_PATH], "@releaseDomain");
            free(ev);
        }
        gone = !xs_is_domain_introduced(f->xs, f->domid);
    }
    *took = now() - start;
    return event && gone == want_gone;
}

/* Shuts the domain down, then destroys it; xenstored must notice both
 * without being told. */
static void fake_shutdown_destroy(struct fake *f)
{
    char **ev, path[96];
    unsigned int n;
    double took;
    bool ok;
    int rc;

    if ( !xs_watch(f->xs, "@releaseDomain", "rel") )
        check("watch-releaseDomain", false, "%s", strerror(errno));
    ev = xs_read_watch(f->xs, &n); /* the event of the registration */
    free(ev);
    rc = xcl_domain_shutdown(&f->xc, f->domid, SHUTDOWN_poweroff);
    check("remote-shutdown", rc == 0, "rc %d", rc);
    ok = wait_release(f, false, &took);
    check("shutdown-release-event", ok, "after %.2fs, domain kept", took);
    xcl_unmap_page(f->intf);
    f->intf = NULL;
    rc = xcl_domain_destroy(&f->xc, f->domid);
    check("domctl-destroydomain", rc == 0, "rc %d", rc);
    ok = wait_release(f, true, &took);
    check("virq-dom-exc-release", ok, "released after %.2fs", took);
    snprintf(path, sizeof(path), "%s/data", f->home);
    check("released-nodes-removed", !xs_read(f->xs, XBT_NULL, path, &n), "%s", path);
}

int main(int argc, char **argv)
{
    static struct fake f;
    struct xcl_dominfo info;
    int rc;

    if ( argc != 2 || (strcmp(argv[1], "grant") && strcmp(argv[1], "foreign")) )
    {
        fprintf(stderr, "usage: xs-fakedom grant|foreign\n");
        return 2;
    }
    mode = argv[1];
    f.xs = xs_open(XS_OPEN_SOCKETONLY);
    if ( !f.xs )
    {
        check("xenstored-socket", false, "%s", strerror(errno));
        return 1;
    }
    if ( !fake_create(&f) )
        return 1;
    if ( !strcmp(mode, "grant") )
        fake_seed_grant(&f);
    rc = xcl_domain_info(&f.xc, 0, &info);
    check("getdomaininfo-dom0", rc == 0 && info.domid == 0 && info.tot_pages > 0,
          "rc %d tot_pages %llu", rc, (unsigned long long)info.tot_pages);
    rc = xcl_domain_info(&f.xc, f.domid, &info);
    check("getdomaininfo-fake", rc == 0 && info.domid == f.domid && info.tot_pages == 1,
          "rc %d tot_pages %llu", rc, (unsigned long long)info.tot_pages);
    if ( fake_introduce(&f) )
    {
        fake_talk(&f);
        fake_watch(&f);
    }
    fake_shutdown_destroy(&f);
    rc = xcl_domain_info(&f.xc, f.domid, &info);
    check("fake-domain-gone", rc == -ESRCH, "rc %d", rc);
    xs_close(f.xs);
    xcl_close(&f.xc);
    return failures ? 1 : 0;
}
