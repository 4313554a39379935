/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared state of the xenstore daemon: connections, domains and limits.
 *
 * Layers, bottom up:
 *   store.c   the database (no knowledge of connections)
 *   watch.c   watch registry and matching
 *   proto.c   decodes one complete message, validates it, calls the store,
 *             queues the reply (the only file that knows message formats)
 *   conn.c    assembles messages from a byte stream and flushes replies,
 *             over a Unix socket or a shared ring
 *   ring.c    the shared-ring transport: mapping a domain's page (grant,
 *             foreign mapping, or dom0's own /proc/xen/xsd_kva), event
 *             channels, the Xen devices
 *   domain.c  introduced domains, RELEASE, and noticing dead domains
 *             (VIRQ_DOM_EXC + getdomaininfo)
 *   main.c    options and the poll() loop
 *
 * Everything runs in one thread. A connection that fails is marked dead
 * and freed by the main loop, never in the middle of a request, so
 * callbacks may hold connection pointers for the duration of one request.
 */
#ifndef XS_DAEMON_H
#define XS_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/io/xs_wire.h>

#include "store.h"
#include "watch.h"

struct conn;
struct domain;
struct xcl;

/* How a ring page is mapped. */
enum ring_map {
    RING_NONE,
    RING_GRANT,   /* /dev/xen/gntdev, grant GNTTAB_RESERVED_XENSTORE */
    RING_FOREIGN, /* /dev/xen/privcmd foreign mapping of the frame */
    RING_LOCAL,   /* dom0's own page, /proc/xen/xsd_kva */
};

/* One domain's shared page and event channel (owned by its domain). */
struct ring
{
    struct xenstore_domain_interface *intf; /* NULL when unmapped */
    enum ring_map how;
    uint64_t gnt_index; /* gntdev offset of intf (RING_GRANT) */
    int evtchn_fd;      /* /dev/xen/evtchn, for notifications */
    int local_port;     /* our end of the event channel; 0: unbound */
    struct conn *conn;  /* the ring's connection until it is freed, or NULL */
};

/* Per-connection limits for unprivileged callers; 0 means unlimited. */
struct conn_limits
{
    unsigned int watches;      /* -W */
    unsigned int transactions; /* -t */
    unsigned int path_len;     /* -M: bytes below the domain's home */
    unsigned int outstanding;  /* queued replies and events */
    unsigned int memory;       /* bytes queued for output per connection */
};

struct daemon
{
    struct store *st;
    struct watch_list watches;
    struct conn *conns;     /* all connections, dead ones until reaped */
    struct domain *domains; /* introduced domains */
    struct store_quota quota;
    struct conn_limits limits;
    uint32_t next_txid; /* last transaction id handed out */
    int trace_fd;       /* -T, or -1 */
    bool keep_orphans;  /* -K */
    bool xen;           /* /dev/xen is usable */
    int evtchn_fd;      /* /dev/xen/evtchn, or -1 */
    int gntdev_fd;      /* /dev/xen/gntdev, or -1 */
    struct xcl *xc;     /* /dev/xen/privcmd hypercalls, or NULL */
    int virq_port;      /* VIRQ_DOM_EXC's local port; 0: not bound */
};

/* A transaction owned by a connection. */
struct conn_txn
{
    struct conn_txn *next;
    uint32_t id;
    struct txn *tx;
};

struct outbuf
{
    struct outbuf *next;
    uint32_t len;  /* header + payload */
    uint32_t used; /* bytes already written */
    bool event;    /* watch event (counts against outstanding) */
    char data[];
};

struct conn_ops
{
    /* Both return bytes moved, 0 when the transport would block, -1 on
     * error or end of stream. */
    int (*read)(struct conn *c, void *buf, unsigned int len);
    int (*write)(struct conn *c, const void *buf, unsigned int len);
    void (*close)(struct conn *c);
};

struct conn
{
    struct conn *next;
    const struct conn_ops *ops;
    int fd;                /* socket, or -1 */
    struct domain *domain; /* ring connections: their domain */
    struct ring *ring;     /* ring connections: their page; else NULL */
    struct caller who;
    bool needs_attach; /* test socket: waiting for test-as-domain */
    bool dead;         /* reaped by the main loop */
    /* Input assembly: header first, then hdr.len payload bytes. */
    struct xsd_sockmsg hdr;
    unsigned int hdr_used;
    unsigned int body_used;
    char body[XENSTORE_PAYLOAD_MAX + 1]; /* +1: always NUL-terminated */
    /* Output queue, oldest first. */
    struct outbuf *out_head;
    struct outbuf **out_tail;
    unsigned int out_count;
    size_t out_bytes;
    struct conn_txn *txns;
    unsigned int ntxns;
};

/* conn.c */
struct conn *conn_new(struct daemon *d, const struct conn_ops *ops, int fd,
                      const struct caller *who);
void conn_kill(struct daemon *d, struct conn *c, const char *why);
void conn_reap(struct daemon *d);
/* Reads and handles every complete message available. */
void conn_input(struct daemon *d, struct conn *c);
/* Writes queued output; returns true while some remains. */
bool conn_flush(struct daemon *d, struct conn *c);
void conn_send(struct daemon *d, struct conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
               const void *data, unsigned int len);
void conn_send_event(struct daemon *d, struct conn *c, const char *path, const char *token);
void conn_drop_state(struct daemon *d, struct conn *c);
extern const struct conn_ops socket_conn_ops;

/* proto.c */
void proto_handle(struct daemon *d, struct conn *c);
void proto_store_event(void *arg, const char *path, bool recursive, const struct perm *perms,
                       unsigned int nperms);
void trace(struct daemon *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ring.c */
extern const struct conn_ops ring_conn_ops;
/* Opens /dev/xen/{evtchn,gntdev,privcmd}, binds VIRQ_DOM_EXC; sets d->xen. */
void ring_xen_open(struct daemon *d);
int ring_map_domain(struct daemon *d, struct ring *r, unsigned int domid, uint64_t mfn,
                    uint32_t port);
/* dom0's own ring: /proc/xen/xsd_kva and /proc/xen/xsd_port. */
int ring_map_local(struct daemon *d, struct ring *r);
void ring_unmap(struct daemon *d, struct ring *r);
void ring_notify(const struct ring *r);

/* domain.c */
struct domain *domain_find(struct daemon *d, unsigned int domid);
int domain_introduce(struct daemon *d, unsigned int domid, uint64_t mfn, uint32_t port);
int domain_release(struct daemon *d, unsigned int domid);
int domain_set_target(struct daemon *d, unsigned int domid, unsigned int target);
int domain_resume(struct daemon *d, unsigned int domid);
void domain_xen_init(struct daemon *d);
void domain_handle_evtchn(struct daemon *d);
void domain_poll_rings(struct daemon *d);
int domain_target(struct daemon *d, unsigned int domid);
/* Any introduced domain (d->domains must not be empty). */
unsigned int domain_first_id(const struct daemon *d);

#endif
