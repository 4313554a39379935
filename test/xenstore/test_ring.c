/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests of the shared-ring transport (xenstored/ring.c) on the host,
 * with cmocka: a xenstore_domain_interface in ordinary memory plays the
 * domain's page and the tests play the guest, writing requests into req
 * and consuming rsp. No event channel is bound (local port 0), so
 * notifications are skipped. Covers index wrap-around (ring offsets and the
 * 32-bit indexes), a full response ring, replies larger than the ring, and
 * untrusted indexes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "daemon.h"

struct fixture
{
    struct daemon d;
    struct xenstore_domain_interface intf;
    struct ring ring;
    struct conn *c;
};

static int setup(void **state)
{
    static const struct caller dom0 = {0, true, -1};
    struct fixture *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    f->d.trace_fd = f->d.evtchn_fd = f->d.gntdev_fd = -1;
    f->d.quota = (struct store_quota){1000, 8192, 5, 1024};
    f->d.limits = (struct conn_limits){128, 10, 2048, 20, 1 << 20};
    f->d.st = store_new(&f->d.quota, proto_store_event, &f->d);
    assert_non_null(f->d.st);
    f->ring = (struct ring){.intf = &f->intf, .how = RING_LOCAL, .evtchn_fd = -1};
    f->c = conn_new(&f->d, &ring_conn_ops, -1, &dom0);
    assert_non_null(f->c);
    f->c->ring = &f->ring;
    f->ring.conn = f->c;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    struct conn *c;

    for ( c = f->d.conns; c; c = c->next )
        conn_kill(&f->d, c, "end of test");
    conn_reap(&f->d);
    assert_null(f->ring.conn); /* ring_close let go of the connection */
    store_free(f->d.st);
    free(f);
    return 0;
}

/* Starts both rings at index 'at' (offsets and 32-bit wrap tests). */
static void ring_start(struct fixture *f, XENSTORE_RING_IDX at)
{
    f->intf.req_cons = f->intf.req_prod = at;
    f->intf.rsp_cons = f->intf.rsp_prod = at;
}

static void serve(struct fixture *f)
{
    conn_input(&f->d, f->c);
    conn_flush(&f->d, f->c);
}

/* Writes a request as the guest, letting xenstored consume when full. */
static void guest_put(struct fixture *f, const void *data, unsigned int len)
{
    const char *p = data;
    unsigned int stalls = 0;

    while ( len )
    {
        if ( f->intf.req_prod - f->intf.req_cons == XENSTORE_RING_SIZE )
        {
            assert_true(stalls++ < 16);
            serve(f);
            continue;
        }
        f->intf.req[MASK_XENSTORE_IDX(f->intf.req_prod)] = *p++;
        f->intf.req_prod++;
        len--;
    }
}

static void guest_request(struct fixture *f, uint32_t type, const char *a, const char *b)
{
    unsigned int alen = (unsigned int)strlen(a) + 1, blen = b ? (unsigned int)strlen(b) : 0;
    struct xsd_sockmsg h = {.type = type, .req_id = 7, .len = alen + blen};

    guest_put(f, &h, sizeof(h));
    guest_put(f, a, alen);
    if ( b )
        guest_put(f, b, blen);
}

/* Takes up to max bytes of response; returns how many. */
static unsigned int guest_take(struct fixture *f, char *out, unsigned int max)
{
    unsigned int n = 0;

    while ( n < max && f->intf.rsp_cons != f->intf.rsp_prod )
        out[n++] = f->intf.rsp[MASK_XENSTORE_IDX(f->intf.rsp_cons++)];
    return n;
}

/* One reply: checks its type and returns its payload (NUL-terminated). */
static char *guest_reply(struct fixture *f, uint32_t type)
{
    static char buf[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX + 1];
    struct xsd_sockmsg *h = (struct xsd_sockmsg *)buf;

    assert_int_equal(guest_take(f, buf, sizeof(*h)), sizeof(*h));
    assert_int_equal(h->type, type);
    assert_int_equal(h->req_id, 7);
    assert_int_equal(guest_take(f, buf + sizeof(*h), h->len), h->len);
    buf[sizeof(*h) + h->len] = '\0';
    return buf + sizeof(*h);
}

static void test_request_reply_wrapping(void **state)
{
    struct fixture *f = *state;
    XENSTORE_RING_IDX starts[] = {0, XENSTORE_RING_SIZE - 5, 0xfffffff9u};
    unsigned int i;

    for ( i = 0; i < sizeof(starts) / sizeof(starts[0]); i++ )
    {
        char value[16];

        ring_start(f, starts[i]);
        snprintf(value, sizeof(value), "v%u", i);
        guest_request(f, XS_WRITE, "/ring/a", value);
        serve(f);
        assert_string_equal(guest_reply(f, XS_WRITE), "OK");
        guest_request(f, XS_READ, "/ring/a", NULL);
        serve(f);
        assert_string_equal(guest_reply(f, XS_READ), value);
        assert_int_equal(f->intf.req_cons, f->intf.req_prod); /* all consumed */
        assert_false(f->c->dead);
    }
}

/* A reply bigger than the ring arrives in pieces as the guest consumes. */
static void test_reply_larger_than_ring(void **state)
{
    struct fixture *f = *state;
    char big[3000], got[sizeof(struct xsd_sockmsg) + sizeof(big) + 1];
    struct xsd_sockmsg *h = (struct xsd_sockmsg *)got;
    unsigned int have = 0, rounds = 0;

    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    big[1234] = 'y';
    ring_start(f, 0xfffffc00u);
    guest_request(f, XS_WRITE, "/ring/big", big);
    serve(f);
    assert_string_equal(guest_reply(f, XS_WRITE), "OK");
    guest_request(f, XS_READ, "/ring/big", NULL);
    while ( have < sizeof(*h) + strlen(big) && rounds++ < 10 )
    {
        serve(f);
        assert_true(f->intf.rsp_prod - f->intf.rsp_cons <= XENSTORE_RING_SIZE);
        have += guest_take(f, got + have, (unsigned int)sizeof(got) - have);
    }
    assert_true(rounds > 1);
    assert_int_equal(h->type, XS_READ);
    assert_int_equal(h->len, strlen(big));
    got[have] = '\0';
    assert_string_equal(got + sizeof(*h), big);
}

/* A guest that does not consume: output waits in the queue. */
static void test_full_response_ring(void **state)
{
    struct fixture *f = *state;

    ring_start(f, 100);
    f->intf.rsp_prod += XENSTORE_RING_SIZE; /* full of unread bytes */
    guest_request(f, XS_READ, "/", NULL);
    serve(f);
    assert_false(f->c->dead);
    assert_non_null(f->c->out_head);
    f->intf.rsp_cons = f->intf.rsp_prod; /* guest catches up */
    serve(f);
    assert_null(f->c->out_head);
    assert_string_equal(guest_reply(f, XS_READ), "");
}

static void test_request_producer_too_far(void **state)
{
    struct fixture *f = *state;

    ring_start(f, 10);
    f->intf.req_prod = f->intf.req_cons + XENSTORE_RING_SIZE + 1;
    serve(f);
    assert_true(f->c->dead);
}

static void test_response_consumer_too_far(void **state)
{
    struct fixture *f = *state;

    ring_start(f, 10);
    f->intf.rsp_cons = f->intf.rsp_prod + 1; /* consumer ahead of producer */
    guest_request(f, XS_READ, "/", NULL);
    serve(f);
    assert_true(f->c->dead);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_request_reply_wrapping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reply_larger_than_ring, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_response_ring, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_producer_too_far, setup, teardown),
        cmocka_unit_test_setup_teardown(test_response_consumer_too_far, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
