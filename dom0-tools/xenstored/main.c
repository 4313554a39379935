/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenstored: options, sockets and the poll() loop.
 *
 * One thread serves everything. Each loop iteration polls the listening
 * sockets, every socket connection (for output only when it has queued
 * replies) and the event channel device; then it serves whatever is ready,
 * walks the domain rings, and frees connections that died on the way.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon.h"

#define DEFAULT_SOCKET "/run/xenstored/socket"

struct options
{
    const char *socket_path;
    const char *test_socket_path; /* unprivileged test connections */
    const char *pid_file;
    const char *trace_file;
    bool no_fork;
};

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: xenstored [options]\n"
            "  -N, --no-fork              stay in the foreground\n"
            "  -F, --pid-file FILE        write the daemon's pid to FILE\n"
            "  -T, --trace-file FILE      log requests and events to FILE\n"
            "      --socket PATH          listen on PATH (default %s)\n"
            "      --test-domain-socket PATH\n"
            "                             unprivileged socket for tests\n"
            "  -E, --entry-nb N           nodes owned per domain\n"
            "  -S, --entry-size N         bytes per node (value, children,\n"
            "                             permissions)\n"
            "  -W, --watch-nb N           watches per domain\n"
            "  -t, --transaction N        open transactions per domain\n"
            "  -A, --perm-nb N            extra permissions per node\n"
            "  -M, --path-max N           path length below a domain's home\n"
            "  -Q, --quota WHAT=N         set a quota by name (nodes,\n"
            "                             node-size, watches, transactions,\n"
            "                             node-permissions, path-length,\n"
            "                             transaction-nodes, outstanding,\n"
            "                             memory)\n"
            "  -q, --quota-soft WHAT=N    accepted for compatibility\n"
            "  -K, --keep-orphans         keep a released domain's nodes\n"
            "  -H, --help                 show this help\n"
            "Quotas apply to unprivileged domains; 0 means unlimited.\n",
            DEFAULT_SOCKET);
}

static unsigned int parse_count(const char *arg)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(arg, &end, 10);
    if ( !*arg || *end || errno || v > INT_MAX )
    {
        fprintf(stderr, "xenstored: invalid number \"%s\"\n", arg);
        exit(2);
    }
    return (unsigned int)v;
}

static unsigned int *quota_by_name(struct daemon *d, const char *name, size_t len)
{
    static const struct
    {
        const char *name;
        size_t off;
        bool store;
    } names[] = {
        {"nodes", offsetof(struct store_quota, nodes), true},
        {"node-size", offsetof(struct store_quota, node_size), true},
        {"node-permissions", offsetof(struct store_quota, perms), true},
        {"transaction-nodes", offsetof(struct store_quota, tx_nodes), true},
        {"watches", offsetof(struct conn_limits, watches), false},
        {"transactions", offsetof(struct conn_limits, transactions), false},
        {"path-length", offsetof(struct conn_limits, path_len), false},
        {"outstanding", offsetof(struct conn_limits, outstanding), false},
        {"memory", offsetof(struct conn_limits, memory), false},
    };
    size_t i;

    for ( i = 0; i < sizeof(names) / sizeof(names[0]); i++ )
    {
        if ( strlen(names[i].name) != len || strncmp(names[i].name, name, len) )
            continue;
        return (unsigned int *)((names[i].store ? (char *)&d->quota : (char *)&d->limits) +
                                names[i].off);
    }
    return NULL;
}

static void set_quota(struct daemon *d, const char *arg, bool soft)
{
    const char *eq = strchr(arg, '=');
    unsigned int *q = eq ? quota_by_name(d, arg, (size_t)(eq - arg)) : NULL;

    if ( !q )
    {
        fprintf(stderr, "xenstored: unknown quota \"%s\" (use WHAT=N)\n", arg);
        exit(2);
    }
    if ( !soft )
        *q = parse_count(eq + 1);
}

static void set_defaults(struct daemon *d)
{
    d->quota.nodes = 1000;
    d->quota.node_size = 2048;
    d->quota.perms = 5;
    d->quota.tx_nodes = 1024;
    d->limits.watches = 128;
    d->limits.transactions = 10;
    d->limits.path_len = XENSTORE_REL_PATH_MAX;
    d->limits.outstanding = 20;
    d->limits.memory = 2 * 1024 * 1024;
    d->trace_fd = -1;
    d->evtchn_fd = d->gntdev_fd = -1;
}

static const struct option long_options[] = {
    {"entry-nb", required_argument, NULL, 'E'},
    {"pid-file", required_argument, NULL, 'F'},
    {"help", no_argument, NULL, 'H'},
    {"no-fork", no_argument, NULL, 'N'},
    {"entry-size", required_argument, NULL, 'S'},
    {"trace-file", required_argument, NULL, 'T'},
    {"transaction", required_argument, NULL, 't'},
    {"perm-nb", required_argument, NULL, 'A'},
    {"path-max", required_argument, NULL, 'M'},
    {"quota", required_argument, NULL, 'Q'},
    {"quota-soft", required_argument, NULL, 'q'},
    {"keep-orphans", no_argument, NULL, 'K'},
    {"watch-nb", required_argument, NULL, 'W'},
    {"socket", required_argument, NULL, 's'},
    {"test-domain-socket", required_argument, NULL, 'u'},
    {NULL, 0, NULL, 0},
};

static void parse_options(struct daemon *d, struct options *o, int argc, char **argv)
{
    int opt;

    while ( (opt = getopt_long(argc, argv, "E:F:HNS:T:t:A:M:Q:q:KW:", long_options, NULL)) != -1 )
    {
        switch ( opt )
        {
        case 'E': d->quota.nodes = parse_count(optarg); break;
        case 'F': o->pid_file = optarg; break;
        case 'H': usage(stdout); exit(0);
        case 'N': o->no_fork = true; break;
        case 'S': d->quota.node_size = parse_count(optarg); break;
        case 'T': o->trace_file = optarg; break;
        case 't': d->limits.transactions = parse_count(optarg); break;
        case 'A': d->quota.perms = parse_count(optarg); break;
        case 'M': d->limits.path_len = parse_count(optarg); break;
        case 'Q': set_quota(d, optarg, false); break;
        case 'q': set_quota(d, optarg, true); break;
        case 'K': d->keep_orphans = true; break;
        case 'W': d->limits.watches = parse_count(optarg); break;
        case 's': o->socket_path = optarg; break;
        case 'u': o->test_socket_path = optarg; break;
        default: usage(stderr); exit(2);
        }
    }
    if ( optind != argc )
    {
        fprintf(stderr, "xenstored: unexpected argument \"%s\"\n", argv[optind]);
        exit(2);
    }
    if ( d->limits.path_len > XENSTORE_REL_PATH_MAX )
        d->limits.path_len = XENSTORE_REL_PATH_MAX;
}

static void make_parent_dir(const char *path)
{
    char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
    char *slash;

    snprintf(dir, sizeof(dir), "%s", path);
    slash = strrchr(dir, '/');
    if ( !slash || slash == dir )
        return;
    *slash = '\0';
    make_parent_dir(dir);
    mkdir(dir, 0755);
}

static int listen_on(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd;

    if ( strlen(path) >= sizeof(sa.sun_path) )
    {
        fprintf(stderr, "xenstored: socket path too long: %s\n", path);
        exit(1);
    }
    strcpy(sa.sun_path, path);
    make_parent_dir(path);
    unlink(path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if ( fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 128) )
    {
        fprintf(stderr, "xenstored: cannot listen on %s: %s\n", path, strerror(errno));
        exit(1);
    }
    chmod(path, 0600);
    return fd;
}

static void accept_client(struct daemon *d, int lfd, bool test_socket)
{
    static const struct caller dom0 = {0, true, -1};
    static const struct caller pending = {DOMID_COUNT - 1, false, -1};
    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    struct conn *c;

    if ( fd < 0 )
        return;
    c = conn_new(d, &socket_conn_ops, fd, test_socket ? &pending : &dom0);
    if ( !c )
    {
        close(fd);
        return;
    }
    c->needs_attach = test_socket;
}

static void write_pid_file(const char *path)
{
    FILE *f;

    if ( !path )
        return;
    f = fopen(path, "w");
    if ( !f )
    {
        fprintf(stderr, "xenstored: cannot write %s: %s\n", path, strerror(errno));
        exit(1);
    }
    fprintf(f, "%ld\n", (long)getpid());
    fclose(f);
}

static void daemonize(void)
{
    pid_t pid = fork();
    int null;

    if ( pid < 0 )
    {
        perror("xenstored: fork");
        exit(1);
    }
    if ( pid > 0 )
        _exit(0);
    setsid();
    null = open("/dev/null", O_RDWR);
    if ( null >= 0 )
    {
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        if ( null > 2 )
            close(null);
    }
}

struct poll_set
{
    struct pollfd *fds;
    struct conn **conns; /* conns[i] owns fds[i], NULL for other fds */
    size_t n, cap;
};

static void poll_add(struct poll_set *ps, int fd, short events, struct conn *c)
{
    if ( ps->n == ps->cap )
    {
        size_t cap = ps->cap ? ps->cap * 2 : 64;
        struct pollfd *f = realloc(ps->fds, cap * sizeof(*f));
        struct conn **cs = f ? realloc(ps->conns, cap * sizeof(*cs)) : NULL;

        if ( f )
            ps->fds = f;
        if ( !f || !cs )
        {
            fprintf(stderr, "xenstored: out of memory\n");
            exit(1);
        }
        ps->conns = cs;
        ps->cap = cap;
    }
    ps->fds[ps->n] = (struct pollfd){.fd = fd, .events = events};
    ps->conns[ps->n++] = c;
}

static void serve_once(struct daemon *d, struct poll_set *ps, int lfd, int tfd)
{
    struct conn *c;
    size_t i;

    ps->n = 0;
    poll_add(ps, lfd, POLLIN, NULL);
    if ( tfd >= 0 )
        poll_add(ps, tfd, POLLIN, NULL);
    if ( d->evtchn_fd >= 0 )
        poll_add(ps, d->evtchn_fd, POLLIN, NULL);
    for ( c = d->conns; c; c = c->next )
        if ( c->fd >= 0 && !c->dead )
            poll_add(ps, c->fd, POLLIN | (c->out_head ? POLLOUT : 0), c);
    if ( poll(ps->fds, ps->n, d->domains && d->xen ? 1000 : -1) < 0 )
        return;
    for ( i = 0; i < ps->n; i++ )
    {
        short re = ps->fds[i].revents;

        if ( !re )
            continue;
        c = ps->conns[i];
        if ( !c && ps->fds[i].fd == d->evtchn_fd )
            domain_handle_evtchn(d);
        else if ( !c )
            accept_client(d, ps->fds[i].fd, ps->fds[i].fd == tfd);
        else if ( re & (POLLIN | POLLHUP | POLLERR) )
            conn_input(d, c);
    }
    for ( c = d->conns; c; c = c->next )
        if ( c->fd >= 0 && c->out_head )
            conn_flush(d, c);
    if ( d->xen )
        domain_poll_rings(d);
    conn_reap(d);
}

int main(int argc, char **argv)
{
    static struct daemon d;
    struct options o = {.socket_path = DEFAULT_SOCKET};
    struct poll_set ps = {0};
    int lfd, tfd = -1;

    set_defaults(&d);
    parse_options(&d, &o, argc, argv);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_stop_signal);
    signal(SIGINT, on_stop_signal);
    if ( o.trace_file )
    {
        d.trace_fd = open(o.trace_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if ( d.trace_fd < 0 )
            fprintf(stderr, "xenstored: cannot open trace file %s: %s\n", o.trace_file,
                    strerror(errno));
    }
    d.st = store_new(&d.quota, proto_store_event, &d);
    if ( !d.st )
    {
        fprintf(stderr, "xenstored: out of memory\n");
        return 1;
    }
    domain_xen_init(&d);
    lfd = listen_on(o.socket_path);
    if ( o.test_socket_path )
        tfd = listen_on(o.test_socket_path);
    if ( !o.no_fork )
        daemonize();
    write_pid_file(o.pid_file);
    trace(&d, "xenstored started (xen %s)\n", d.xen ? "yes" : "no");
    while ( !stop_requested )
        serve_once(&d, &ps, lfd, tfd);
    unlink(o.socket_path);
    if ( o.test_socket_path )
        unlink(o.test_socket_path);
    if ( o.pid_file )
        unlink(o.pid_file);
    return 0;
}
