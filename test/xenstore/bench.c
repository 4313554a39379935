/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Load generator for scripts/bench-xenstore.sh, using our libxenstore.
 *
 *   xs-bench SOCKET ops OP CLIENTS SECONDS   prints "<ops per second>"
 *   xs-bench SOCKET fill N PREFIX            writes N nodes, 1000 per dir
 *   xs-bench SOCKET commits K                K transactions of 10 writes
 *
 * OP is read, write, directory or tx10 (a transaction of 10 writes).
 * Each client is a forked process with its own connection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "xenstore.h"

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool tx10(struct xs_handle *h, int id, long n)
{
    char path[64];
    xs_transaction_t t;
    int i;

    do
    {
        t = xs_transaction_start(h);
        for ( i = 0; i < 10; i++ )
        {
            snprintf(path, sizeof(path), "/bench/c%d/t%d", id, i);
            if ( !xs_write(h, t, path, "v", 1) )
                return false;
        }
    } while ( !xs_transaction_end(h, t, false) && errno == EAGAIN );
    (void)n;
    return true;
}

static bool one_op(struct xs_handle *h, const char *op, int id, long n)
{
    char path[64];
    unsigned int len;
    void *p;

    snprintf(path, sizeof(path), "/bench/c%d/k%ld", id, n % 100);
    if ( !strcmp(op, "write") )
        return xs_write(h, XBT_NULL, path, "value", 5);
    if ( !strcmp(op, "tx10") )
        return tx10(h, id, n);
    snprintf(path, sizeof(path), strcmp(op, "read") ? "/bench/c%d" : "/bench/c%d/k1", id);
    p = strcmp(op, "read") ? (void *)xs_directory(h, XBT_NULL, path, &len)
                           : xs_read(h, XBT_NULL, path, &len);
    free(p);
    return p != NULL;
}

static long client(const char *op, int id, double seconds)
{
    struct xs_handle *h = xs_open(0);
    char path[64];
    double end;
    long n = 0;

    if ( !h )
        return -1;
    snprintf(path, sizeof(path), "/bench/c%d/k1", id);
    xs_write(h, XBT_NULL, path, "value", 5);
    end = now() + seconds;
    while ( now() < end )
    {
        if ( !one_op(h, op, id, n) )
            return -1;
        n++;
    }
    xs_close(h);
    return n;
}

static int run_ops(const char *op, int clients, double seconds)
{
    int fds[2], i, status;
    long total = 0, n;

    if ( pipe(fds) )
        return 1;
    for ( i = 0; i < clients; i++ )
    {
        if ( fork() == 0 )
        {
            n = client(op, i, seconds);
            if ( write(fds[1], &n, sizeof(n)) != sizeof(n) )
                _exit(1);
            _exit(0);
        }
    }
    for ( i = 0; i < clients; i++ )
    {
        if ( read(fds[0], &n, sizeof(n)) != sizeof(n) || n < 0 )
        {
            fprintf(stderr, "xs-bench: client failed\n");
            return 1;
        }
        total += n;
    }
    while ( wait(&status) > 0 )
        ;
    printf("%.0f\n", (double)total / seconds);
    return 0;
}

static int fill(long n, const char *prefix)
{
    struct xs_handle *h = xs_open(0);
    char path[128];
    long i;

    for ( i = 0; h && i < n; i++ )
    {
        snprintf(path, sizeof(path), "%s/d%ld/n%ld", prefix, i / 1000, i);
        if ( !xs_write(h, XBT_NULL, path, "0123456789", 10) )
            return 1;
    }
    xs_close(h);
    return h ? 0 : 1;
}

static int commits(long k)
{
    struct xs_handle *h = xs_open(0);
    long i;

    for ( i = 0; h && i < k; i++ )
        if ( !tx10(h, 0, i) )
            return 1;
    xs_close(h);
    return h ? 0 : 1;
}

int main(int argc, char **argv)
{
    if ( argc < 4 )
    {
        fprintf(stderr, "usage: see the comment at the top of bench.c\n");
        return 2;
    }
    setenv("XENSTORED_PATH", argv[1], 1);
    if ( !strcmp(argv[2], "ops") && argc == 6 )
        return run_ops(argv[3], atoi(argv[4]), atof(argv[5]));
    if ( !strcmp(argv[2], "fill") && argc == 5 )
        return fill(atol(argv[3]), argv[4]);
    if ( !strcmp(argv[2], "commits") )
        return commits(atol(argv[3]));
    return 2;
}
