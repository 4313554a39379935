/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests of the xenstore database (xenstored/store.c, watch.c, path.c)
 * compiled from the real sources, with cmocka. Events from the store are
 * recorded in a small log so tests can check exactly what fired.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "path.h"
#include "store.h"
#include "watch.h"

static const struct caller dom0 = {0, true, -1};
static const struct caller dom5 = {5, false, -1};
static const struct caller dom6 = {6, false, -1};

static char events[64][128];
static unsigned int nevents;

static void record_event(void *arg, const char *path, bool recursive, const struct perm *perms,
                         unsigned int n)
{
    (void)arg;
    (void)perms;
    (void)n;
    if ( nevents < 64 )
        snprintf(events[nevents++], sizeof(events[0]), "%s%s", path, recursive ? " (rm)" : "");
}

static struct store *new_store(unsigned int nodes)
{
    struct store_quota q = {.nodes = nodes, .node_size = 64, .perms = 2, .tx_nodes = 50};

    nevents = 0;
    return store_new(&q, record_event, NULL);
}

static const char *read_s(struct store *st, struct txn *tx, const struct caller *who,
                          const char *path)
{
    static char buf[256];
    const char *data;
    unsigned int len;
    int rc = store_read(st, tx, who, path, &data, &len);

    if ( rc )
        snprintf(buf, sizeof(buf), "errno %d", rc);
    else
        snprintf(buf, sizeof(buf), "%.*s", (int)len, data);
    return buf;
}

static int write_s(struct store *st, struct txn *tx, const struct caller *who, const char *path,
                   const char *val)
{
    return store_write(st, tx, who, path, val, (unsigned int)strlen(val));
}

static void test_tree_basics(void **state)
{
    struct store *st = new_store(0);
    const char *children;
    unsigned int len;
    uint64_t gen;

    (void)state;
    assert_int_equal(store_node_count(st), 3); /* /, /tool, /tool/xenstored */
    assert_int_equal(write_s(st, NULL, &dom0, "/a/b/c", "v"), 0);
    assert_string_equal(read_s(st, NULL, &dom0, "/a/b/c"), "v");
    assert_string_equal(read_s(st, NULL, &dom0, "/a/b"), "");
    assert_int_equal(store_node_count(st), 6);
    assert_int_equal(write_s(st, NULL, &dom0, "/a/d", "w"), 0);
    assert_int_equal(store_directory(st, NULL, &dom0, "/a", &children, &len, &gen), 0);
    assert_int_equal(len, 4);
    assert_memory_equal(children, "b\0d\0", 4);
    assert_int_equal(store_mkdir(st, NULL, &dom0, "/a/b/c"), 0);
    assert_string_equal(read_s(st, NULL, &dom0, "/a/b/c"), "v");
    assert_int_equal(store_rm(st, NULL, &dom0, "/a/b"), 0);
    assert_string_equal(read_s(st, NULL, &dom0, "/a/b/c"), "errno 2");
    assert_int_equal(store_node_count(st), 5);
    assert_int_equal(store_rm(st, NULL, &dom0, "/a/zz"), 0);
    assert_int_equal(store_rm(st, NULL, &dom0, "/zz/zz"), ENOENT);
    assert_int_equal(store_rm(st, NULL, &dom0, "/"), EINVAL);
    assert_int_equal(write_s(st, NULL, &dom0, "a/b", "x"), EINVAL);
    store_free(st);
}

static void test_paths(void **state)
{
    char out[PATH_BUF_MAX];

    (void)state;
    assert_true(path_valid("/", false));
    assert_true(path_valid("/a-b/c_d/@e", false));
    assert_false(path_valid("/a//b", false));
    assert_false(path_valid("/a/", false));
    assert_false(path_valid("/a b", false));
    assert_false(path_valid("@releaseDomain", false));
    assert_true(path_valid("@releaseDomain", true));
    assert_true(path_is_child("/a/b", "/a"));
    assert_false(path_is_child("/ab", "/a"));
    assert_true(path_is_child("/a", "/"));
    assert_int_equal(path_canonical("x/y", 7, false, 2048, false, out), 0);
    assert_string_equal(out, "/local/domain/7/x/y");
    assert_int_equal(path_canonical("x/yyyy", 7, false, 4, false, out), EINVAL);
    assert_int_equal(path_canonical("/abcdef", 7, false, 4, false, out), EINVAL);
    assert_int_equal(path_canonical("/abcdef", 7, true, 4, false, out), 0);
}

static void test_permissions(void **state)
{
    struct store *st = new_store(0);
    struct perm p[2] = {{0, PERM_NONE}, {5, PERM_READ}};
    const struct perm *got;
    unsigned int n;

    (void)state;
    write_s(st, NULL, &dom0, "/p/a", "secret");
    assert_string_equal(read_s(st, NULL, &dom5, "/p/a"), "errno 13");
    assert_string_equal(read_s(st, NULL, &dom5, "/p/none"), "errno 13");
    assert_int_equal(store_set_perms(st, NULL, &dom0, "/p/a", p, 2), 0);
    assert_string_equal(read_s(st, NULL, &dom5, "/p/a"), "secret");
    assert_string_equal(read_s(st, NULL, &dom6, "/p/a"), "errno 13");
    assert_int_equal(write_s(st, NULL, &dom5, "/p/a", "x"), EACCES);
    p[1].access = PERM_READ | PERM_WRITE;
    store_set_perms(st, NULL, &dom0, "/p/a", p, 2);
    assert_int_equal(write_s(st, NULL, &dom5, "/p/a/child", "c"), 0);
    assert_int_equal(store_get_perms(st, NULL, &dom0, "/p/a/child", &got, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(got[0].domid, 5); /* creator owns, rest inherited */
    assert_int_equal(got[1].domid, 5);
    p[0].domid = 6;
    assert_int_equal(store_set_perms(st, NULL, &dom5, "/p/a/child", p, 1), EPERM);
    assert_int_equal(store_set_perms(st, NULL, &dom5, "/p/a", p, 1), EACCES);
    assert_int_equal(store_domain_nodes(st, 5), 1);
    store_free(st);
}

static void test_target(void **state)
{
    struct store *st = new_store(0);
    struct perm p = {7, PERM_NONE};
    struct caller stub = {8, false, 7};

    (void)state;
    write_s(st, NULL, &dom0, "/g/a", "guest");
    store_set_perms(st, NULL, &dom0, "/g/a", &p, 1);
    assert_string_equal(read_s(st, NULL, &stub, "/g/a"), "guest");
    assert_string_equal(read_s(st, NULL, &dom6, "/g/a"), "errno 13");
    store_free(st);
}

static void test_events(void **state)
{
    struct store *st = new_store(0);
    struct perm p = {0, PERM_READ};

    (void)state;
    write_s(st, NULL, &dom0, "/e/a/b", "1");
    store_mkdir(st, NULL, &dom0, "/e/a/b"); /* exists: no event */
    store_mkdir(st, NULL, &dom0, "/e/m");
    store_set_perms(st, NULL, &dom0, "/e/m", &p, 1);
    store_rm(st, NULL, &dom0, "/e/a");
    assert_int_equal(nevents, 4);
    assert_string_equal(events[0], "/e/a/b");
    assert_string_equal(events[1], "/e/m");
    assert_string_equal(events[2], "/e/m");
    assert_string_equal(events[3], "/e/a (rm)");
    store_free(st);
}

static void test_transaction_isolation(void **state)
{
    struct store *st = new_store(0);
    struct txn *tx;

    (void)state;
    write_s(st, NULL, &dom0, "/t/a", "0");
    nevents = 0;
    assert_int_equal(store_txn_start(st, &dom0, &tx), 0);
    assert_int_equal(write_s(st, tx, &dom0, "/t/a", "1"), 0);
    assert_int_equal(write_s(st, tx, &dom0, "/t/new/x", "n"), 0);
    assert_string_equal(read_s(st, NULL, &dom0, "/t/a"), "0");
    assert_string_equal(read_s(st, tx, &dom0, "/t/a"), "1");
    assert_string_equal(read_s(st, NULL, &dom0, "/t/new/x"), "errno 2");
    assert_int_equal(nevents, 0);
    assert_int_equal(store_txn_end(st, tx, true), 0);
    assert_string_equal(read_s(st, NULL, &dom0, "/t/a"), "1");
    assert_string_equal(read_s(st, NULL, &dom0, "/t/new/x"), "n");
    assert_int_equal(nevents, 2);
    assert_string_equal(events[0], "/t/a");
    assert_string_equal(events[1], "/t/new/x");
    store_txn_start(st, &dom0, &tx);
    store_rm(st, tx, &dom0, "/t/new");
    assert_int_equal(store_txn_end(st, tx, false), 0);
    assert_string_equal(read_s(st, NULL, &dom0, "/t/new/x"), "n");
    store_free(st);
}

static void test_transaction_conflicts(void **state)
{
    struct store *st = new_store(0);
    struct txn *t1, *t2, *t3;

    (void)state;
    write_s(st, NULL, &dom0, "/c/a", "0");
    write_s(st, NULL, &dom0, "/c/b", "0");
    store_txn_start(st, &dom0, &t1);
    store_txn_start(st, &dom0, &t2);
    store_txn_start(st, &dom0, &t3);
    read_s(st, t1, &dom0, "/c/a");
    write_s(st, t1, &dom0, "/c/a", "1");
    read_s(st, t2, &dom0, "/c/a");       /* read-only, but of a node t1 changes */
    write_s(st, t3, &dom0, "/c/b", "3"); /* disjoint */
    assert_int_equal(store_txn_end(st, t1, true), 0);
    assert_int_equal(store_txn_end(st, t2, true), EAGAIN);
    assert_int_equal(store_txn_end(st, t3, true), 0);
    assert_string_equal(read_s(st, NULL, &dom0, "/c/b"), "3");
    /* absent node read in a transaction, created outside: conflict */
    store_txn_start(st, &dom0, &t1);
    assert_string_equal(read_s(st, t1, &dom0, "/c/z"), "errno 2");
    write_s(st, NULL, &dom0, "/c/z", "z");
    assert_int_equal(store_txn_end(st, t1, true), EAGAIN);
    /* two transactions adding children to the same parent conflict */
    store_txn_start(st, &dom0, &t1);
    store_txn_start(st, &dom0, &t2);
    write_s(st, t1, &dom0, "/c/n1", "");
    write_s(st, t2, &dom0, "/c/n2", "");
    assert_int_equal(store_txn_end(st, t1, true), 0);
    assert_int_equal(store_txn_end(st, t2, true), EAGAIN);
    store_free(st);
}

static void test_transaction_cost(void **state)
{
    struct store *st = new_store(0);
    struct txn *tx;
    char path[64];
    int i;

    (void)state;
    for ( i = 0; i < 5000; i++ )
    {
        snprintf(path, sizeof(path), "/big/d%d/n%d", i % 50, i);
        write_s(st, NULL, &dom0, path, "x");
    }
    store_txn_start(st, &dom0, &tx);
    write_s(st, tx, &dom0, "/big/d1/n1", "y");
    /* touched: the node only (it existed) */
    assert_int_equal(store_txn_touched(tx), 1);
    write_s(st, tx, &dom0, "/big/new/node", "y");
    /* plus /big/new/node, /big/new and their parent /big */
    assert_int_equal(store_txn_touched(tx), 4);
    assert_int_equal(store_txn_end(st, tx, true), 0);
    store_free(st);
}

static void test_quota_nodes(void **state)
{
    struct store *st = new_store(3);
    struct perm p = {5, PERM_NONE};
    struct txn *tx;

    (void)state;
    store_mkdir(st, NULL, &dom0, "/local/domain/5");
    store_set_perms(st, NULL, &dom0, "/local/domain/5", &p, 1);
    assert_int_equal(store_domain_nodes(st, 5), 1);
    assert_int_equal(write_s(st, NULL, &dom5, "/local/domain/5/a", ""), 0);
    assert_int_equal(write_s(st, NULL, &dom5, "/local/domain/5/b/c", ""), ENOSPC);
    assert_int_equal(store_domain_nodes(st, 5), 2);
    assert_int_equal(write_s(st, NULL, &dom5, "/local/domain/5/b", ""), 0);
    assert_int_equal(write_s(st, NULL, &dom5, "/local/domain/5/c", ""), ENOSPC);
    store_txn_start(st, &dom5, &tx);
    assert_int_equal(write_s(st, tx, &dom5, "/local/domain/5/c", ""), ENOSPC);
    store_rm(st, tx, &dom5, "/local/domain/5/a");
    assert_int_equal(write_s(st, tx, &dom5, "/local/domain/5/c", ""), 0);
    assert_int_equal(store_txn_end(st, tx, true), 0);
    assert_int_equal(store_domain_nodes(st, 5), 3);
    assert_int_equal(write_s(st, NULL, &dom0, "/local/domain/5/d", ""), 0);
    store_remove_owned(st, 5);
    assert_int_equal(store_domain_nodes(st, 5), 0);
    assert_string_equal(read_s(st, NULL, &dom0, "/local/domain/5/d"), "errno 2");
    store_free(st);
}

static void test_quota_sizes(void **state)
{
    struct store *st = new_store(0);
    struct perm p[4] = {{5, PERM_NONE}, {1, PERM_READ}, {2, PERM_READ}, {3, PERM_READ}};
    char big[100];
    struct txn *tx;
    int i;

    (void)state;
    memset(big, 'x', sizeof(big));
    store_mkdir(st, NULL, &dom0, "/q");
    store_set_perms(st, NULL, &dom0, "/q", p, 1);
    assert_int_equal(store_write(st, NULL, &dom5, "/q/a", big, 100), ENOSPC);
    assert_int_equal(store_write(st, NULL, &dom5, "/q/a", big, 40), 0);
    assert_int_equal(store_write(st, NULL, &dom0, "/q/b", big, 100), 0);
    assert_int_equal(store_set_perms(st, NULL, &dom5, "/q/a", p, 4), ENOSPC);
    assert_int_equal(store_set_perms(st, NULL, &dom5, "/q/a", p, 3), 0);
    store_txn_start(st, &dom5, &tx);
    for ( i = 0; i < 60; i++ )
    {
        char path[32];

        snprintf(path, sizeof(path), "/q/n%d", i);
        if ( store_mkdir(st, tx, &dom5, path) )
            break;
    }
    assert_true(i < 60 && store_txn_touched(tx) <= 50);
    store_txn_end(st, tx, false);
    store_free(st);
}

/* ---- watches ---- */

static char delivered[16][128];
static unsigned int ndelivered;

static void deliver(void *arg, const struct watch *w, const char *path)
{
    (void)arg;
    snprintf(delivered[ndelivered++ % 16], sizeof(delivered[0]), "%s %s", path, w->token);
}

static void test_watch_matching(void **state)
{
    struct watch_list wl = {NULL};
    static const struct perm p = {0, PERM_NONE};
    int owner_a, owner_b;

    (void)state;
    ndelivered = 0;
    assert_int_equal(watch_add(&wl, &owner_a, "/w", "t1", 0), 0);
    assert_int_equal(watch_add(&wl, &owner_a, "/w", "t1", 0), EEXIST);
    assert_int_equal(watch_add(&wl, &owner_a, "/w/x/y", "t2", 0), 0);
    assert_int_equal(watch_add(&wl, &owner_b, "/local/domain/3/dev", "rel", 16), 0);
    assert_int_equal(watch_add(&wl, &owner_b, "@releaseDomain", "rd", 0), 0);
    watch_fire(&wl, "/w/x", false, &p, 1, NULL, deliver, NULL);
    assert_int_equal(ndelivered, 1);
    assert_string_equal(delivered[0], "/w/x t1");
    watch_fire(&wl, "/w/x", true, &p, 1, NULL, deliver, NULL);
    assert_int_equal(ndelivered, 3);
    assert_string_equal(delivered[2], "/w/x/y t2");
    watch_fire(&wl, "/wx", false, &p, 1, NULL, deliver, NULL);
    assert_int_equal(ndelivered, 3);
    watch_fire(&wl, "/local/domain/3/dev/vif", false, &p, 1, NULL, deliver, NULL);
    assert_string_equal(delivered[3], "dev/vif rel");
    watch_fire(&wl, "@releaseDomain", false, &p, 1, NULL, deliver, NULL);
    assert_string_equal(delivered[4], "@releaseDomain rd");
    watch_fire(&wl, "/", true, &p, 1, NULL, deliver, NULL);
    assert_int_equal(ndelivered, 8);
    assert_int_equal(watch_count(&wl, &owner_a), 2);
    assert_int_equal(watch_remove(&wl, &owner_a, "/w", "nope"), ENOENT);
    assert_int_equal(watch_remove(&wl, &owner_a, "/w", "t1"), 0);
    watch_remove_owner(&wl, &owner_b);
    assert_int_equal(watch_count(&wl, &owner_b), 0);
    watch_remove_owner(&wl, &owner_a);
    assert_null(wl.head);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tree_basics),
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_permissions),
        cmocka_unit_test(test_target),
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_transaction_isolation),
        cmocka_unit_test(test_transaction_conflicts),
        cmocka_unit_test(test_transaction_cost),
        cmocka_unit_test(test_quota_nodes),
        cmocka_unit_test(test_quota_sizes),
        cmocka_unit_test(test_watch_matching),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
