/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target: the input is a byte stream from one client, fed
 * through the real connection layer (message assembly), the protocol
 * decoder and the store. The first byte chooses a privileged (dom0) or an
 * unprivileged (domain 1, introduced beforehand) connection; the rest is
 * delivered in chunks whose sizes come from the input too, so split
 * headers and bodies are covered. Replies are discarded.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

struct feed
{
    const uint8_t *data;
    size_t len, pos;
};

static struct feed feed;

static int feed_read(struct conn *c, void *buf, unsigned int len)
{
    size_t chunk = feed.pos < feed.len ? feed.data[feed.pos] % 64 + 1 : 0;

    (void)c;
    if ( feed.pos >= feed.len )
        return 0;
    feed.pos++;
    chunk = chunk < len ? chunk : len;
    chunk = chunk < feed.len - feed.pos ? chunk : feed.len - feed.pos;
    memcpy(buf, feed.data + feed.pos, chunk);
    feed.pos += chunk;
    return (int)chunk;
}

static int feed_write(struct conn *c, const void *buf, unsigned int len)
{
    (void)c;
    (void)buf;
    return (int)len;
}

static const struct conn_ops feed_ops = {feed_read, feed_write, NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct caller dom0 = {0, true, -1};
    struct caller domu = {1, false, -1};
    struct daemon d = {.trace_fd = -1, .evtchn_fd = -1, .gntdev_fd = -1};
    struct conn *c;

    if ( size < 1 )
        return 0;
    d.quota = (struct store_quota){50, 256, 3, 40};
    d.limits = (struct conn_limits){4, 2, 64, 20, 65536};
    d.st = store_new(&d.quota, proto_store_event, &d);
    if ( !d.st )
        return 0;
    domain_introduce(&d, 1, 0, 0);
    c = conn_new(&d, &feed_ops, -1, data[0] & 1 ? &domu : &dom0);
    feed = (struct feed){data + 1, size - 1, 0};
    while ( c && !c->dead && feed.pos < feed.len )
    {
        conn_input(&d, c);
        conn_flush(&d, c);
    }
    while ( d.domains )
        domain_release(&d, domain_first_id(&d));
    for ( c = d.conns; c; c = c->next )
        conn_kill(&d, c, "end of input");
    conn_reap(&d);
    store_free(d.st);
    return 0;
}
