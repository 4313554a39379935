/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Connections: turning a byte stream into messages and back.
 *
 * Input is assembled in place: first the 16-byte header, then hdr.len
 * payload bytes into conn->body, which keeps a NUL after the payload so
 * the decoder can use string functions safely. A header announcing more
 * than XENSTORE_PAYLOAD_MAX bytes kills the connection (Xen does the
 * same: the stream cannot be resynchronised).
 *
 * Output is a queue of complete messages. Replies and events are only
 * appended; the main loop flushes when the transport can take more. A
 * connection whose queue exceeds its limits (a client that never reads)
 * is killed rather than allowed to exhaust the daemon's memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon.h"

static int socket_read(struct conn *c, void *buf, unsigned int len)
{
    ssize_t n = recv(c->fd, buf, len, MSG_DONTWAIT);

    if ( n > 0 )
        return (int)n;
    if ( n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) )
        return 0;
    return -1; /* error, or peer closed */
}

static int socket_write(struct conn *c, const void *buf, unsigned int len)
{
    ssize_t n = send(c->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);

    if ( n >= 0 )
        return (int)n;
    if ( errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR )
        return 0;
    return -1;
}

static void socket_close(struct conn *c)
{
    if ( c->fd >= 0 )
        close(c->fd);
    c->fd = -1;
}

const struct conn_ops socket_conn_ops = {
    .read = socket_read,
    .write = socket_write,
    .close = socket_close,
};

struct conn *conn_new(struct daemon *d, const struct conn_ops *ops, int fd,
                      const struct caller *who)
{
    struct conn *c = calloc(1, sizeof(*c));

    if ( !c )
        return NULL;
    c->ops = ops;
    c->fd = fd;
    c->who = *who;
    c->out_tail = &c->out_head;
    c->next = d->conns;
    d->conns = c;
    return c;
}

/* Drops watches and transactions (connection closed, or RESET_WATCHES). */
void conn_drop_state(struct daemon *d, struct conn *c)
{
    struct conn_txn *t, *next;

    watch_remove_owner(&d->watches, c);
    for ( t = c->txns; t; t = next )
    {
        next = t->next;
        store_txn_end(d->st, t->tx, false);
        free(t);
    }
    c->txns = NULL;
    c->ntxns = 0;
}

void conn_kill(struct daemon *d, struct conn *c, const char *why)
{
    if ( c->dead )
        return;
    trace(d, "conn %p (d%u): closed: %s\n", (void *)c, c->who.domid, why);
    c->dead = true;
    conn_drop_state(d, c);
}

static void conn_free(struct conn *c)
{
    struct outbuf *o, *next;

    for ( o = c->out_head; o; o = next )
    {
        next = o->next;
        free(o);
    }
    if ( c->ops->close )
        c->ops->close(c);
    free(c);
}

void conn_reap(struct daemon *d)
{
    struct conn **pp = &d->conns;

    while ( *pp )
    {
        struct conn *c = *pp;

        if ( c->dead )
        {
            *pp = c->next;
            conn_free(c);
        }
        else
        {
            pp = &c->next;
        }
    }
}

static bool conn_over_limits(const struct daemon *d, const struct conn *c)
{
    const struct conn_limits *l = &d->limits;

    if ( c->who.privileged )
        return c->out_bytes > 64u << 20; /* dom0 that stopped reading */
    return (l->outstanding && c->out_count > l->outstanding * 16) ||
           (l->memory && c->out_bytes > l->memory);
}

static void conn_queue(struct daemon *d, struct conn *c, uint32_t type, uint32_t req_id,
                       uint32_t tx_id, const void *data, unsigned int len)
{
    struct xsd_sockmsg hdr = {type, req_id, tx_id, len};
    struct outbuf *o;

    if ( c->dead )
        return;
    o = malloc(sizeof(*o) + sizeof(hdr) + len);
    if ( !o )
    {
        conn_kill(d, c, "out of memory queueing a reply");
        return;
    }
    o->next = NULL;
    o->len = sizeof(hdr) + len;
    o->used = 0;
    o->event = type == XS_WATCH_EVENT;
    memcpy(o->data, &hdr, sizeof(hdr));
    if ( len )
        memcpy(o->data + sizeof(hdr), data, len);
    *c->out_tail = o;
    c->out_tail = &o->next;
    c->out_count++;
    c->out_bytes += o->len;
    if ( conn_over_limits(d, c) )
        conn_kill(d, c, "output queue limit exceeded (client not reading)");
}

void conn_send(struct daemon *d, struct conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
               const void *data, unsigned int len)
{
    conn_queue(d, c, type, req_id, tx_id, data, len);
}

void conn_send_event(struct daemon *d, struct conn *c, const char *path, const char *token)
{
    size_t plen = strlen(path) + 1, tlen = strlen(token) + 1;
    char buf[XENSTORE_PAYLOAD_MAX];

    if ( plen + tlen > sizeof(buf) )
        return; /* cannot be expressed on the wire; Xen drops it too */
    memcpy(buf, path, plen);
    memcpy(buf + plen, token, tlen);
    conn_queue(d, c, XS_WATCH_EVENT, 0, 0, buf, (unsigned int)(plen + tlen));
}

bool conn_flush(struct daemon *d, struct conn *c)
{
    while ( c->out_head && !c->dead )
    {
        struct outbuf *o = c->out_head;
        int n = c->ops->write(c, o->data + o->used, o->len - o->used);

        if ( n < 0 )
        {
            conn_kill(d, c, "write failed");
            return false;
        }
        if ( n == 0 )
            return true;
        o->used += (unsigned int)n;
        if ( o->used < o->len )
            continue;
        c->out_head = o->next;
        if ( !c->out_head )
            c->out_tail = &c->out_head;
        c->out_count--;
        c->out_bytes -= o->len;
        free(o);
    }
    return false;
}

/* What conn_read_some achieved. */
enum read_result {
    READ_ERROR = -1,
    READ_BLOCKED = 0,  /* nothing available now */
    READ_COMPLETE = 1, /* a whole message is in c->hdr and c->body */
    READ_PARTIAL = 2,  /* some bytes, not the whole message: try again (a
                        * ring hands out at most its contiguous part) */
};

/* Reads more of the current message. */
static enum read_result conn_read_some(struct daemon *d, struct conn *c)
{
    int n;

    if ( c->hdr_used < sizeof(c->hdr) )
    {
        n = c->ops->read(c, (char *)&c->hdr + c->hdr_used, sizeof(c->hdr) - c->hdr_used);
        if ( n <= 0 )
            return n < 0 ? READ_ERROR : READ_BLOCKED;
        c->hdr_used += (unsigned int)n;
        if ( c->hdr_used < sizeof(c->hdr) )
            return READ_PARTIAL;
        if ( c->hdr.len > XENSTORE_PAYLOAD_MAX )
        {
            conn_kill(d, c, "message payload too long");
            return READ_ERROR;
        }
    }
    if ( c->body_used < c->hdr.len )
    {
        n = c->ops->read(c, c->body + c->body_used, c->hdr.len - c->body_used);
        if ( n <= 0 )
            return n < 0 ? READ_ERROR : READ_BLOCKED;
        c->body_used += (unsigned int)n;
    }
    return c->body_used == c->hdr.len ? READ_COMPLETE : READ_PARTIAL;
}

void conn_input(struct daemon *d, struct conn *c)
{
    enum read_result rc;

    while ( !c->dead )
    {
        rc = conn_read_some(d, c);
        if ( rc == READ_ERROR )
        {
            conn_kill(d, c, "connection closed by peer or read error");
            return;
        }
        if ( rc == READ_BLOCKED )
            return;
        if ( rc == READ_PARTIAL )
            continue;
        c->body[c->hdr.len] = '\0';
        proto_handle(d, c);
        c->hdr_used = 0;
        c->body_used = 0;
    }
}
