/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The xenstore wire protocol: one complete message in, one reply out.
 *
 * Theory of operation
 * -------------------
 * proto_handle() looks the message type up in a table of handlers with
 * flags (privileged only, takes a transaction). Generic checks happen
 * first: known type, privilege, the transaction named by tx_id. Each
 * handler then splits the payload into its arguments (get_args), checks
 * them, and only then calls the store. A handler either queues its reply
 * and returns 0, or returns an errno value that becomes an XS_ERROR reply
 * carrying the errno's name ("EINVAL"), as listed in xs_wire.h.
 *
 * Paths from clients are canonicalised here (relative paths are taken
 * below /local/domain/<domid>); the store only sees absolute paths.
 *
 * Store changes come back through proto_store_event(), which fires the
 * matching watches on every connection.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "path.h"

#define DOMID_FIRST_RESERVED 0x7FF0u
#define MAX_ARGS             64

struct request
{
    struct daemon *d;
    struct conn *c;
    const struct xsd_sockmsg *hdr;
    char *body;
    struct txn *tx; /* transaction named by tx_id, or NULL */
    struct conn_txn *ctxn;
    const char *argv[MAX_ARGS];
    unsigned int argc;
};

enum handler_flags {
    H_PRIV = 1, /* privileged callers only */
    H_TXN = 2,  /* tx_id names a transaction to operate in */
};

struct handler
{
    const char *name;
    int (*fn)(struct request *r);
    unsigned int flags;
};

void trace(struct daemon *d, const char *fmt, ...)
{
    va_list ap;

    if ( d->trace_fd < 0 )
        return;
    va_start(ap, fmt);
    vdprintf(d->trace_fd, fmt, ap);
    va_end(ap);
}

static void reply(struct request *r, const void *data, unsigned int len)
{
    conn_send(r->d, r->c, r->hdr->type, r->hdr->req_id, r->hdr->tx_id, data, len);
}

static void reply_str(struct request *r, const char *s)
{
    reply(r, s, (unsigned int)strlen(s) + 1);
}

static const char *errno_name(int err)
{
    unsigned int i;

    for ( i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++ )
        if ( xsd_errors[i].errnum == err )
            return xsd_errors[i].errstring;
    return "EINVAL";
}

static void reply_error(struct request *r, int err)
{
    const char *name = errno_name(err);

    conn_send(r->d, r->c, XS_ERROR, r->hdr->req_id, r->hdr->tx_id, name,
              (unsigned int)strlen(name) + 1);
}

/*
 * Splits the payload into NUL-terminated strings. With binary_tail, the
 * bytes after the first min-1 strings form the last argument (WRITE).
 * Every string argument must be terminated inside the payload.
 */
static int get_args(struct request *r, unsigned int min, bool binary_tail)
{
    unsigned int off = 0, len = r->hdr->len;

    r->argc = 0;
    while ( off < len && r->argc < MAX_ARGS )
    {
        const char *s = r->body + off;
        size_t slen;

        if ( binary_tail && r->argc == min - 1 )
        {
            r->argv[r->argc++] = s;
            return 0;
        }
        slen = strnlen(s, len - off);
        if ( off + slen == len )
            return EINVAL; /* missing NUL */
        r->argv[r->argc++] = s;
        off += (unsigned int)slen + 1;
    }
    if ( binary_tail && r->argc == min - 1 )
    {
        r->argv[r->argc++] = r->body + len; /* empty value */
        return 0;
    }
    return r->argc >= min ? 0 : EINVAL;
}

static int get_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    unsigned long v;

    if ( !*s || *s == '-' || *s == '+' || *s == ' ' )
        return EINVAL;
    errno = 0;
    v = strtoul(s, &end, 10);
    if ( *end || errno || v > max )
        return EINVAL;
    *out = v;
    return 0;
}

static int get_domid(const char *s, unsigned int *domid)
{
    unsigned long v;
    int rc = get_uint(s, DOMID_COUNT - 1, &v);

    *domid = (unsigned int)v;
    return rc;
}

static int canonical(struct request *r, const char *in, bool special, char *out)
{
    return path_canonical(in, r->c->who.domid, r->c->who.privileged, r->d->limits.path_len, special,
                          out);
}

/* One path argument, canonicalised into out. */
static int path_arg(struct request *r, char *out)
{
    int rc = get_args(r, 1, false);

    return rc ? rc : canonical(r, r->argv[0], false, out);
}

/* ---- Store operations ---- */

static int do_read(struct request *r)
{
    char path[PATH_BUF_MAX];
    const char *data;
    unsigned int len;
    int rc = path_arg(r, path);

    if ( !rc )
        rc = store_read(r->d->st, r->tx, &r->c->who, path, &data, &len);
    if ( !rc )
        reply(r, data, len);
    return rc;
}

static int do_write(struct request *r)
{
    char path[PATH_BUF_MAX];
    const char *value;
    int rc = get_args(r, 2, true);

    if ( !rc )
        rc = canonical(r, r->argv[0], false, path);
    if ( rc )
        return rc;
    value = r->argv[1];
    rc = store_write(r->d->st, r->tx, &r->c->who, path, value,
                     (unsigned int)(r->body + r->hdr->len - value));
    if ( !rc )
        reply_str(r, "OK");
    return rc;
}

static int do_mkdir(struct request *r)
{
    char path[PATH_BUF_MAX];
    int rc = path_arg(r, path);

    if ( !rc )
        rc = store_mkdir(r->d->st, r->tx, &r->c->who, path);
    if ( !rc )
        reply_str(r, "OK");
    return rc;
}

static int do_rm(struct request *r)
{
    char path[PATH_BUF_MAX];
    int rc = path_arg(r, path);

    if ( !rc )
        rc = store_rm(r->d->st, r->tx, &r->c->who, path);
    if ( !rc )
        reply_str(r, "OK");
    return rc;
}

static int do_directory(struct request *r)
{
    char path[PATH_BUF_MAX];
    const char *children;
    unsigned int len;
    uint64_t gen;
    int rc = path_arg(r, path);

    if ( !rc )
        rc = store_directory(r->d->st, r->tx, &r->c->who, path, &children, &len, &gen);
    if ( !rc && len > XENSTORE_PAYLOAD_MAX )
        rc = E2BIG;
    if ( !rc )
        reply(r, children, len);
    return rc;
}

/* Reply: "<gen>\0" then whole names from offset; a final extra NUL
 * marks the end of the list. */
static int do_directory_part(struct request *r)
{
    char path[PATH_BUF_MAX], out[XENSTORE_PAYLOAD_MAX];
    const char *children;
    unsigned int len, used, genlen;
    unsigned long off;
    uint64_t gen;
    int rc = get_args(r, 2, false);

    if ( !rc )
        rc = canonical(r, r->argv[0], false, path);
    if ( !rc )
        rc = get_uint(r->argv[1], UINT32_MAX, &off);
    if ( !rc )
        rc = store_directory(r->d->st, r->tx, &r->c->who, path, &children, &len, &gen);
    if ( rc )
        return rc;
    genlen = (unsigned int)snprintf(out, sizeof(out), "%" PRIu64, gen) + 1;
    used = genlen;
    while ( off < len )
    {
        unsigned int nlen = (unsigned int)strlen(children + off) + 1;

        if ( used + nlen + 1 > sizeof(out) )
            break;
        memcpy(out + used, children + off, nlen);
        used += nlen;
        off += nlen;
    }
    if ( off >= len )
        out[used++] = '\0';
    reply(r, out, used);
    return 0;
}

static int do_get_perms(struct request *r)
{
    char path[PATH_BUF_MAX], out[XENSTORE_PAYLOAD_MAX];
    static const char letters[] = "nrwb";
    const struct perm *perms;
    unsigned int n, i, used = 0;
    int rc = path_arg(r, path);

    if ( !rc )
        rc = store_get_perms(r->d->st, r->tx, &r->c->who, path, &perms, &n);
    if ( rc )
        return rc;
    for ( i = 0; i < n; i++ )
    {
        int w = snprintf(out + used, sizeof(out) - used, "%c%u", letters[perms[i].access & 3],
                         perms[i].domid);

        if ( w < 0 || used + (unsigned int)w + 1 > sizeof(out) )
            return E2BIG;
        used += (unsigned int)w + 1;
    }
    reply(r, out, used);
    return 0;
}

static int parse_perm(const char *s, struct perm *p)
{
    switch ( s[0] )
    {
    case 'n': p->access = PERM_NONE; break;
    case 'r': p->access = PERM_READ; break;
    case 'w': p->access = PERM_WRITE; break;
    case 'b': p->access = PERM_READ | PERM_WRITE; break;
    default: return EINVAL;
    }
    return get_domid(s + 1, &p->domid);
}

static int do_set_perms(struct request *r)
{
    char path[PATH_BUF_MAX];
    struct perm perms[MAX_ARGS];
    unsigned int i;
    int rc = get_args(r, 2, false);

    if ( !rc )
        rc = canonical(r, r->argv[0], false, path);
    for ( i = 1; !rc && i < r->argc; i++ )
        rc = parse_perm(r->argv[i], &perms[i - 1]);
    if ( !rc )
        rc = store_set_perms(r->d->st, r->tx, &r->c->who, path, perms, r->argc - 1);
    if ( !rc )
        reply_str(r, "OK");
    return rc;
}

/* ---- Watches ---- */

static unsigned int relative_offset(const struct request *r, const char *in)
{
    char home[64];

    if ( in[0] == '/' || in[0] == '@' )
        return 0;
    return (unsigned int)path_domain_home(r->c->who.domid, home, sizeof(home)) + 1;
}

static int do_watch(struct request *r)
{
    char path[PATH_BUF_MAX];
    unsigned int limit = r->d->limits.watches;
    int rc = get_args(r, 2, false);

    if ( !rc )
        rc = canonical(r, r->argv[0], true, path);
    if ( rc )
        return rc;
    if ( !r->c->who.privileged && limit && watch_count(&r->d->watches, r->c) >= limit )
        return E2BIG;
    rc = watch_add(&r->d->watches, r->c, path, r->argv[1], relative_offset(r, r->argv[0]));
    if ( rc )
        return rc;
    reply_str(r, "OK");
    conn_send_event(r->d, r->c, r->argv[0], r->argv[1]);
    return 0;
}

static int do_unwatch(struct request *r)
{
    char path[PATH_BUF_MAX];
    int rc = get_args(r, 2, false);

    if ( !rc )
        rc = canonical(r, r->argv[0], true, path);
    if ( !rc )
        rc = watch_remove(&r->d->watches, r->c, path, r->argv[1]);
    if ( !rc )
        reply_str(r, "OK");
    return rc;
}

static int do_reset_watches(struct request *r)
{
    conn_drop_state(r->d, r->c);
    reply_str(r, "OK");
    return 0;
}

static bool watch_visible(void *arg, const struct watch *w, const struct perm *perms,
                          unsigned int n)
{
    const struct conn *c = w->owner;
    unsigned int i, access = n ? perms[0].access : 0;

    (void)arg;
    if ( c->dead )
        return false;
    if ( c->who.privileged || !n || w->path[0] == '@' )
        return true;
    if ( perms[0].domid == c->who.domid ||
         (c->who.target >= 0 && perms[0].domid == (unsigned int)c->who.target) )
        return true;
    for ( i = 1; i < n; i++ )
        if ( perms[i].domid == c->who.domid )
            access = perms[i].access;
    return access & PERM_READ;
}

static void watch_deliver(void *arg, const struct watch *w, const char *path)
{
    conn_send_event(arg, w->owner, path, w->token);
}

void proto_store_event(void *arg, const char *path, bool recursive, const struct perm *perms,
                       unsigned int nperms)
{
    struct daemon *d = arg;

    watch_fire(&d->watches, path, recursive, perms, nperms, watch_visible, watch_deliver, d);
}

/* ---- Transactions ---- */

static int do_transaction_start(struct request *r)
{
    struct conn_txn *t;
    char out[16];
    unsigned int limit = r->d->limits.transactions;
    int rc;

    if ( r->hdr->tx_id )
        return EBUSY;
    if ( !r->c->who.privileged && limit && r->c->ntxns >= limit )
        return ENOSPC;
    t = calloc(1, sizeof(*t));
    if ( !t )
        return ENOMEM;
    rc = store_txn_start(r->d->st, &r->c->who, &t->tx);
    if ( rc )
    {
        free(t);
        return rc;
    }
    do
    {
        t->id = ++r->d->next_txid;
    } while ( t->id == 0 );
    t->next = r->c->txns;
    r->c->txns = t;
    r->c->ntxns++;
    snprintf(out, sizeof(out), "%u", t->id);
    reply_str(r, out);
    return 0;
}

static int do_transaction_end(struct request *r)
{
    struct conn_txn **pp;
    bool commit;
    int rc = get_args(r, 1, false);

    if ( rc || (strcmp(r->argv[0], "T") && strcmp(r->argv[0], "F")) )
        return EINVAL;
    if ( !r->ctxn )
        return ENOENT;
    commit = r->argv[0][0] == 'T';
    for ( pp = &r->c->txns; *pp != r->ctxn; pp = &(*pp)->next )
        ;
    *pp = r->ctxn->next;
    r->c->ntxns--;
    rc = store_txn_end(r->d->st, r->ctxn->tx, commit);
    free(r->ctxn);
    r->ctxn = NULL;
    r->tx = NULL;
    if ( !rc )
        reply_str(r, "OK");
    return rc;
}

/* ---- Domains ---- */

static int do_introduce(struct request *r)
{
    unsigned long mfn = 0, port = 0;
    unsigned int domid = 0;
    int rc = get_args(r, 3, false);

    if ( !rc )
        rc = get_domid(r->argv[0], &domid);
    if ( !rc )
        rc = get_uint(r->argv[1], UINT64_MAX, &mfn);
    if ( !rc )
        rc = get_uint(r->argv[2], UINT32_MAX, &port);
    if ( !rc && (domid == 0 || domid >= DOMID_FIRST_RESERVED) )
        rc = EINVAL;
    if ( !rc )
        rc = domain_introduce(r->d, domid, mfn, (uint32_t)port);
    if ( !rc )
        reply_str(r, "OK");
    return rc;
}

/* Handlers taking one domid argument. */
static int domid_arg(struct request *r, unsigned int *domid)
{
    int rc = get_args(r, 1, false);

    return rc ? rc : get_domid(r->argv[0], domid);
}

static int do_release(struct request *r)
{
    unsigned int domid;
    int rc = domid_arg(r, &domid);

    if ( !rc )
        rc = domain_release(r->d, domid);
    if ( !rc )
        reply_str(r, "OK");
    return rc;
}

static int do_resume(struct request *r)
{
    unsigned int domid;
    int rc = domid_arg(r, &domid);

    if ( !rc )
        rc = domain_resume(r->d, domid);
    if ( !rc )
        reply_str(r, "OK");
    return rc;
}

static int do_get_domain_path(struct request *r)
{
    char path[64];
    unsigned int domid;
    int rc = domid_arg(r, &domid);

    if ( rc )
        return rc;
    path_domain_home(domid, path, sizeof(path));
    reply_str(r, path);
    return 0;
}

static int do_is_domain_introduced(struct request *r)
{
    unsigned int domid;
    int rc = domid_arg(r, &domid);

    if ( rc )
        return rc;
    reply_str(r, domid == 0 || domain_find(r->d, domid) ? "T" : "F");
    return 0;
}

static int do_set_target(struct request *r)
{
    unsigned int domid = 0, target = 0;
    int rc = get_args(r, 2, false);

    if ( !rc )
        rc = get_domid(r->argv[0], &domid);
    if ( !rc )
        rc = get_domid(r->argv[1], &target);
    if ( !rc )
        rc = domain_set_target(r->d, domid, target);
    if ( !rc )
        reply_str(r, "OK");
    return rc;
}

/* ---- CONTROL ---- */

static int control_quota(struct request *r)
{
    char out[512];
    const struct store_quota *q = &r->d->quota;
    const struct conn_limits *l = &r->d->limits;

    snprintf(out, sizeof(out),
             "nodes: %u\nnode-size: %u\nnode-permissions: %u\n"
             "transaction-nodes: %u\nwatches: %u\ntransactions: %u\n"
             "path-length: %u\noutstanding: %u\nmemory: %u\n",
             q->nodes, q->node_size, q->perms, q->tx_nodes, l->watches, l->transactions,
             l->path_len, l->outstanding, l->memory);
    reply_str(r, out);
    return 0;
}

static int control_attach(struct request *r)
{
    unsigned int domid;
    int rc;

    if ( !r->c->needs_attach || r->argc != 2 )
        return EINVAL;
    rc = get_domid(r->argv[1], &domid);
    if ( rc )
        return rc;
    if ( !domain_find(r->d, domid) )
        return ENOENT;
    r->c->who.domid = domid;
    r->c->who.target = domain_target(r->d, domid);
    r->c->needs_attach = false;
    reply_str(r, "OK");
    return 0;
}

static void control_print(struct request *r)
{
    trace(r->d, "control: %s\n", r->argv[1]);
    reply_str(r, "OK");
}

static int do_control(struct request *r)
{
    int rc = get_args(r, 1, false);
    const char *cmd = r->argv[0];

    if ( rc )
        return rc;
    if ( !strcmp(cmd, "test-as-domain") )
        return control_attach(r);
    if ( !r->c->who.privileged )
        return EACCES;
    if ( !strcmp(cmd, "check") || !strcmp(cmd, "log") )
        reply_str(r, "OK");
    else if ( !strcmp(cmd, "print") && r->argc == 2 )
        control_print(r);
    else if ( !strcmp(cmd, "quota") )
        return control_quota(r);
    else if ( !strcmp(cmd, "help") )
        reply_str(r, "check\nhelp\nlog\nprint\nquota\ntest-as-domain\n");
    else
        return EINVAL;
    return 0;
}

static int do_invalid(struct request *r)
{
    (void)r;
    return EINVAL;
}

static const struct handler handlers[XS_TYPE_COUNT] = {
    [XS_CONTROL] = {"CONTROL", do_control, 0},
    [XS_DIRECTORY] = {"DIRECTORY", do_directory, H_TXN},
    [XS_READ] = {"READ", do_read, H_TXN},
    [XS_GET_PERMS] = {"GET_PERMS", do_get_perms, H_TXN},
    [XS_WATCH] = {"WATCH", do_watch, 0},
    [XS_UNWATCH] = {"UNWATCH", do_unwatch, 0},
    [XS_TRANSACTION_START] = {"TRANSACTION_START", do_transaction_start, H_TXN},
    [XS_TRANSACTION_END] = {"TRANSACTION_END", do_transaction_end, H_TXN},
    [XS_INTRODUCE] = {"INTRODUCE", do_introduce, H_PRIV},
    [XS_RELEASE] = {"RELEASE", do_release, H_PRIV},
    [XS_GET_DOMAIN_PATH] = {"GET_DOMAIN_PATH", do_get_domain_path, 0},
    [XS_WRITE] = {"WRITE", do_write, H_TXN},
    [XS_MKDIR] = {"MKDIR", do_mkdir, H_TXN},
    [XS_RM] = {"RM", do_rm, H_TXN},
    [XS_SET_PERMS] = {"SET_PERMS", do_set_perms, H_TXN},
    [XS_WATCH_EVENT] = {"WATCH_EVENT", do_invalid, 0},
    [XS_ERROR] = {"ERROR", do_invalid, 0},
    [XS_IS_DOMAIN_INTRODUCED] = {"IS_DOMAIN_INTRODUCED", do_is_domain_introduced, 0},
    [XS_RESUME] = {"RESUME", do_resume, H_PRIV},
    [XS_SET_TARGET] = {"SET_TARGET", do_set_target, H_PRIV},
    [XS_RESET_WATCHES] = {"RESET_WATCHES", do_reset_watches, 0},
    [XS_DIRECTORY_PART] = {"DIRECTORY_PART", do_directory_part, H_TXN},
};

static struct conn_txn *find_txn(struct conn *c, uint32_t id)
{
    struct conn_txn *t;

    for ( t = c->txns; t; t = t->next )
        if ( t->id == id )
            return t;
    return NULL;
}

/* Generic checks before the handler runs. */
static int check_request(struct request *r, const struct handler *h)
{
    if ( !h->fn )
        return EINVAL;
    if ( r->c->needs_attach && h->fn != do_control )
        return EACCES;
    if ( (h->flags & H_PRIV) && !r->c->who.privileged )
        return EACCES;
    if ( (h->flags & H_TXN) && r->hdr->tx_id )
    {
        r->ctxn = find_txn(r->c, r->hdr->tx_id);
        if ( !r->ctxn )
            return ENOENT;
        r->tx = r->ctxn->tx;
    }
    return 0;
}

void proto_handle(struct daemon *d, struct conn *c)
{
    static const struct handler unknown = {"UNKNOWN", NULL, 0};
    struct request r = {.d = d, .c = c, .hdr = &c->hdr, .body = c->body};
    const struct handler *h = c->hdr.type < XS_TYPE_COUNT ? &handlers[c->hdr.type] : &unknown;
    int rc;

    trace(d, "in: conn %p (d%u) %s len %u tx %u\n", (void *)c, c->who.domid,
          h->name ? h->name : "UNKNOWN", c->hdr.len, c->hdr.tx_id);
    rc = check_request(&r, h);
    if ( !rc )
        rc = h->fn(&r);
    if ( rc )
        reply_error(&r, rc);
}
