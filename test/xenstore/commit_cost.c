/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Transaction cost driver for scripts/bench-xenstore.sh: fills the real
 * store (in process) with N nodes, then runs K transactions of 10 writes
 * each through run_transactions(), the only function the benchmark counts
 * instructions in (valgrind --tool=callgrind --toggle-collect=...).
 *
 *   xs-commit-cost N K
 */
#include <stdio.h>
#include <stdlib.h>

#include "store.h"

static const struct caller dom0 = {0, true, -1};

__attribute__((noinline)) int run_transactions(struct store *st, long k)
{
    char path[64];
    struct txn *tx;
    long i;
    int j, rc = 0;

    for ( i = 0; i < k && !rc; i++ )
    {
        rc = store_txn_start(st, &dom0, &tx);
        for ( j = 0; j < 10 && !rc; j++ )
        {
            snprintf(path, sizeof(path), "/bench/tx/n%d", j);
            rc = store_write(st, tx, &dom0, path, "v", 1);
        }
        rc = rc ? rc : store_txn_end(st, tx, true);
    }
    return rc;
}

int main(int argc, char **argv)
{
    struct store_quota q = {0, 0, 0, 0};
    struct store *st = store_new(&q, NULL, NULL);
    char path[64];
    long n, i;

    if ( argc != 3 || !st )
        return 2;
    n = atol(argv[1]);
    for ( i = 0; i < n; i++ )
    {
        snprintf(path, sizeof(path), "/fill/d%ld/n%ld", i / 1000, i);
        if ( store_write(st, NULL, &dom0, path, "0123456789", 10) )
            return 1;
    }
    if ( run_transactions(st, atol(argv[2])) )
        return 1;
    printf("%u nodes\n", store_node_count(st));
    store_free(st);
    return 0;
}
