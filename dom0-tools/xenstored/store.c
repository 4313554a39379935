/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The xenstore database.
 *
 * Theory of operation
 * -------------------
 * Nodes live in one hash map keyed by their absolute path. A node holds its
 * value, its permissions and the names of its children (NUL-terminated,
 * back to back, in creation order: exactly the DIRECTORY reply). The tree
 * structure is implied by the paths; a node's parent always exists.
 *
 * Every change stamps the changed node with a fresh value of the store's
 * generation counter (st->gen, starts at 1, only grows). Adding or removing
 * a child changes the parent's children list and therefore its generation.
 *
 * A transaction is an overlay: a private hash map of copies of the nodes it
 * has touched (read or written), plus tombstones for paths it found absent
 * or removed. Each copy remembers the generation the real node had when the
 * transaction first touched it (0 for "absent"). Commit checks, for every
 * touched path, that the real node still has that generation, and fails
 * with EAGAIN otherwise; then it writes back the modified copies. Commit
 * cost is proportional to what the transaction touched, never to the size
 * of the store.
 *
 * Permissions: perms[0] names the owner and the access of everybody not
 * listed; further entries grant access to specific domains. Owners and
 * privileged callers have full access. A new node inherits its parent's
 * permissions; when an unprivileged domain creates it, that domain becomes
 * the owner. Quotas apply only to unprivileged callers.
 *
 * All operations validate everything that can fail before they change
 * anything, except for memory exhaustion.
 */
#include "store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "path.h"

struct node
{
    struct hmap_link link; /* key: path */
    char *path;
    char *data;
    unsigned int datalen;
    char *children; /* NUL-terminated names back to back */
    unsigned int childlen;
    struct perm *perms; /* nperms >= 1 while the node exists */
    unsigned int nperms;
    /*
     * Real node: generation of its last change.
     * Transaction copy: generation of the real node when first touched,
     * 0 when it was absent. Never changes after the copy is made.
     */
    uint64_t gen;
    bool exists;          /* copies only: false marks a tombstone */
    bool modified;        /* copies only: written back at commit */
    struct node *tx_next; /* copies only: transaction's touch order */
};

struct event
{
    struct event *next;
    bool recursive;
    unsigned int nperms;
    struct perm *perms;
    char path[];
};

struct txn
{
    struct hmap nodes;     /* path -> struct node copy */
    struct node *touched;  /* all copies, newest first */
    unsigned int ntouched; /* == nodes.count */
    struct event *events;  /* fired at commit, in order */
    struct event **ev_tail;
    struct caller who;
    int node_delta; /* change of who.domid's node count */
};

struct store
{
    struct hmap nodes; /* path -> struct node */
    uint64_t gen;      /* last generation handed out */
    struct store_quota quota;
    uint32_t *owned; /* DOMID_COUNT counters: nodes owned per domain */
    store_event_fn on_event;
    void *event_arg;
};

/* One operation's context. */
struct op
{
    struct store *st;
    struct txn *tx; /* NULL outside transactions */
    const struct caller *who;
};

static void node_free(struct node *n)
{
    if ( !n )
        return;
    free(n->path);
    free(n->data);
    free(n->children);
    free(n->perms);
    free(n);
}

static struct node *node_alloc(const char *path)
{
    struct node *n = calloc(1, sizeof(*n));

    if ( !n )
        return NULL;
    n->path = strdup(path);
    if ( !n->path )
    {
        free(n);
        return NULL;
    }
    n->exists = true;
    return n;
}

static void *dup_bytes(const void *src, size_t len)
{
    void *p = malloc(len ? len : 1);

    if ( p && len )
        memcpy(p, src, len);
    return p;
}

/* Copies value, children and permissions of src into dst (empty). */
static int node_copy_contents(struct node *dst, const struct node *src)
{
    dst->data = dup_bytes(src->data, src->datalen);
    dst->children = dup_bytes(src->children, src->childlen);
    dst->perms = dup_bytes(src->perms, src->nperms * sizeof(struct perm));
    if ( !dst->data || !dst->children || !dst->perms )
        return ENOMEM;
    dst->datalen = src->datalen;
    dst->childlen = src->childlen;
    dst->nperms = src->nperms;
    return 0;
}

static void node_clear_contents(struct node *n)
{
    free(n->data);
    free(n->children);
    free(n->perms);
    n->data = n->children = NULL;
    n->perms = NULL;
    n->datalen = n->childlen = n->nperms = 0;
}

static struct node *store_lookup(const struct store *st, const char *path)
{
    struct hmap_link *l = hmap_get(&st->nodes, path);

    return l ? hmap_entry(l, struct node, link) : NULL;
}

static void account(struct store *st, int old_owner, int new_owner)
{
    if ( old_owner >= 0 && st->owned[old_owner] )
        st->owned[old_owner]--;
    if ( new_owner >= 0 )
        st->owned[new_owner]++;
}

static int owner_of(const struct node *n)
{
    return n && n->nperms ? (int)n->perms[0].domid : -1;
}

/* ---- Permissions ---- */

static bool is_me(const struct caller *who, uint32_t domid)
{
    return domid == who->domid || (who->target >= 0 && domid == (uint32_t)who->target);
}

static unsigned int perm_for(const struct caller *who, const struct node *n)
{
    unsigned int mask = 0, i;
    bool listed = false;

    if ( who->privileged || is_me(who, n->perms[0].domid) )
        return PERM_READ | PERM_WRITE | PERM_OWNER;
    for ( i = 1; i < n->nperms; i++ )
    {
        if ( is_me(who, n->perms[i].domid) )
        {
            mask |= n->perms[i].access;
            listed = true;
        }
    }
    return listed ? mask : n->perms[0].access;
}

static int check_perm(const struct op *op, const struct node *n, unsigned int need)
{
    return (perm_for(op->who, n) & need) == need ? 0 : EACCES;
}

static bool quota_applies(const struct op *op, unsigned int limit)
{
    return !op->who->privileged && limit != 0;
}

static bool node_too_big(const struct op *op, const struct node *n, unsigned int datalen,
                         unsigned int childlen, unsigned int nperms)
{
    unsigned int limit = op->st->quota.node_size;

    (void)n;
    return quota_applies(op, limit) && datalen + childlen + nperms * sizeof(struct perm) > limit;
}

/* ---- Node access through the optional transaction overlay ---- */

static struct node *tx_lookup(const struct txn *tx, const char *path)
{
    struct hmap_link *l = hmap_get(&tx->nodes, path);

    return l ? hmap_entry(l, struct node, link) : NULL;
}

/* Makes the transaction's copy of path (a tombstone if absent). */
static int tx_copy(struct op *op, const char *path, struct node **out)
{
    const struct node *real = store_lookup(op->st, path);
    struct node *copy;
    int rc;

    if ( quota_applies(op, op->st->quota.tx_nodes) && op->tx->ntouched >= op->st->quota.tx_nodes )
        return ENOSPC;
    copy = node_alloc(path);
    if ( !copy )
        return ENOMEM;
    copy->exists = real != NULL;
    copy->gen = real ? real->gen : 0;
    rc = real ? node_copy_contents(copy, real) : 0;
    if ( !rc )
        rc = hmap_insert(&op->tx->nodes, &copy->link, copy->path);
    if ( rc )
    {
        node_free(copy);
        return rc;
    }
    copy->tx_next = op->tx->touched;
    op->tx->touched = copy;
    op->tx->ntouched++;
    *out = copy;
    return 0;
}

/* Finds path as this operation sees it; *out is NULL when absent. */
static int op_get(struct op *op, const char *path, struct node **out)
{
    struct node *n;
    int rc;

    if ( !op->tx )
    {
        *out = store_lookup(op->st, path);
        return 0;
    }
    n = tx_lookup(op->tx, path);
    if ( !n )
    {
        rc = tx_copy(op, path, &n);
        if ( rc )
            return rc;
    }
    *out = n->exists ? n : NULL;
    return 0;
}

/* Records that n was changed by this operation. */
static void op_touch(struct op *op, struct node *n)
{
    if ( op->tx )
        n->modified = true;
    else
        n->gen = ++op->st->gen;
}

static struct event *event_new(const char *path, bool recursive, const struct perm *perms,
                               unsigned int n)
{
    size_t plen = strlen(path) + 1;
    struct event *ev = malloc(sizeof(*ev) + plen);

    if ( !ev )
        return NULL;
    ev->perms = dup_bytes(perms, n * sizeof(*perms));
    if ( !ev->perms )
    {
        free(ev);
        return NULL;
    }
    memcpy(ev->path, path, plen);
    ev->recursive = recursive;
    ev->nperms = n;
    ev->next = NULL;
    return ev;
}

static void op_event(struct op *op, const struct node *n, bool recursive)
{
    struct event *ev;

    if ( !op->tx )
    {
        if ( op->st->on_event )
            op->st->on_event(op->st->event_arg, n->path, recursive, n->perms, n->nperms);
        return;
    }
    ev = event_new(n->path, recursive, n->perms, n->nperms);
    if ( !ev )
        return; /* watches may fire spuriously or be lost under OOM */
    *op->tx->ev_tail = ev;
    op->tx->ev_tail = &ev->next;
}

/*
 * Finds an existing node and checks access. For a missing node the error
 * depends on the nearest existing ancestor: EACCES if the caller may not
 * read it (so absence leaks nothing), ENOENT otherwise.
 */
static int op_find(struct op *op, const char *path, unsigned int need, struct node **out)
{
    char anc[PATH_BUF_MAX];
    struct node *n;
    int rc = op_get(op, path, &n);

    if ( rc )
        return rc;
    if ( n )
    {
        *out = n;
        return check_perm(op, n, need);
    }
    strcpy(anc, path);
    while ( strcmp(anc, "/") )
    {
        path_parent(anc, anc);
        rc = op_get(op, anc, &n);
        if ( rc )
            return rc;
        if ( n )
            return check_perm(op, n, PERM_READ) ? EACCES : ENOENT;
    }
    return ENOENT;
}

/* ---- Creating and removing nodes ---- */

static int children_add(struct node *parent, const char *name)
{
    size_t nlen = strlen(name) + 1;
    char *c = realloc(parent->children, parent->childlen + nlen);

    if ( !c )
        return ENOMEM;
    memcpy(c + parent->childlen, name, nlen);
    parent->children = c;
    parent->childlen += nlen;
    return 0;
}

static void children_remove(struct node *parent, const char *name)
{
    size_t nlen = strlen(name) + 1;
    unsigned int off = 0;

    while ( off < parent->childlen )
    {
        size_t len = strlen(parent->children + off) + 1;

        if ( len == nlen && !memcmp(parent->children + off, name, nlen) )
        {
            memmove(parent->children + off, parent->children + off + len,
                    parent->childlen - off - len);
            parent->childlen -= len;
            return;
        }
        off += len;
    }
}

/* Permissions of a node created by who below parent. */
static int inherit_perms(const struct op *op, const struct node *parent, struct node *n)
{
    n->perms = dup_bytes(parent->perms, parent->nperms * sizeof(struct perm));
    if ( !n->perms )
        return ENOMEM;
    n->nperms = parent->nperms;
    if ( !op->who->privileged )
        n->perms[0].domid = op->who->target >= 0 ? (uint32_t)op->who->target : op->who->domid;
    return 0;
}

/* Makes a fresh node (or revives a tombstone) at path, without linking. */
static int op_new_node(struct op *op, const char *path, const struct node *parent,
                       struct node **out)
{
    struct node *n = op->tx ? tx_lookup(op->tx, path) : NULL;
    int rc;

    if ( !n )
    {
        n = node_alloc(path);
        if ( !n )
            return ENOMEM;
        rc = op->tx ? hmap_insert(&op->tx->nodes, &n->link, n->path)
                    : hmap_insert(&op->st->nodes, &n->link, n->path);
        if ( rc )
        {
            node_free(n);
            return rc;
        }
        if ( op->tx )
        {
            n->tx_next = op->tx->touched;
            op->tx->touched = n;
            op->tx->ntouched++;
        }
    }
    n->exists = true;
    n->data = dup_bytes("", 0);
    n->children = dup_bytes("", 0);
    rc = (n->data && n->children) ? inherit_perms(op, parent, n) : ENOMEM;
    if ( rc )
        return rc; /* leaves an empty node: only under OOM */
    if ( op->tx )
        op->tx->node_delta += is_me(op->who, n->perms[0].domid) ? 1 : 0;
    else
        account(op->st, -1, owner_of(n));
    op_touch(op, n);
    *out = n;
    return 0;
}

/* Checks whether path and its missing ancestors may be created. */
static int check_create(struct op *op, const struct node *anc, unsigned int missing,
                        const char *path)
{
    const char *rest = path + strlen(anc->path) + (strcmp(anc->path, "/") != 0);
    const char *slash = strchr(rest, '/');
    size_t first = slash ? (size_t)(slash - rest) : strlen(rest);
    unsigned int limit = op->st->quota.nodes;
    long owned;

    if ( check_perm(op, anc, PERM_WRITE) )
        return EACCES;
    if ( node_too_big(op, anc, anc->datalen, anc->childlen + first + 1, anc->nperms) )
        return ENOSPC;
    owned = (long)op->st->owned[op->who->domid] + (op->tx ? op->tx->node_delta : 0);
    if ( quota_applies(op, limit) && owned + missing > limit )
        return ENOSPC;
    return 0;
}

/* End of the path component that starts after position pos. */
static size_t component_end(const char *path, size_t pos)
{
    const char *slash = strchr(path + pos + 1, '/');

    return slash ? (size_t)(slash - path) : strlen(path);
}

/* Creates path and any missing ancestors; *out is the new node. */
static int op_create(struct op *op, const char *path, struct node **out)
{
    char cur[PATH_BUF_MAX];
    struct node *anc = NULL, *n;
    unsigned int missing = 1;
    size_t pos;
    int rc;

    strcpy(cur, path);
    for ( ;; )
    {
        path_parent(cur, cur);
        rc = op_get(op, cur, &anc);
        if ( rc || anc )
            break;
        missing++;
    }
    if ( rc || (rc = check_create(op, anc, missing, path)) )
        return rc;
    pos = strlen(anc->path);
    while ( path[pos] )
    {
        const char *name;

        pos = component_end(path, pos);
        memcpy(cur, path, pos);
        cur[pos] = '\0';
        rc = op_new_node(op, cur, anc, &n);
        name = path_basename(cur);
        if ( !rc )
            rc = children_add(anc, name);
        if ( rc )
            return rc;
        op_touch(op, anc);
        anc = n;
    }
    *out = anc;
    return 0;
}

/* Removes n and its subtree from the operation's view. */
static int op_delete_tree(struct op *op, struct node *n)
{
    char child[PATH_BUF_MAX];
    unsigned int off = 0;
    size_t plen = strlen(n->path);
    struct node *c;
    int rc;

    while ( off < n->childlen )
    {
        const char *name = n->children + off;

        off += strlen(name) + 1;
        if ( plen + 1 + strlen(name) >= sizeof(child) )
            continue;
        memcpy(child, n->path, plen);
        child[plen] = '/';
        strcpy(child + plen + 1, name);
        rc = op_get(op, child, &c);
        if ( rc )
            return rc;
        if ( c && (rc = op_delete_tree(op, c)) )
            return rc;
    }
    if ( op->tx )
    {
        op->tx->node_delta -= is_me(op->who, n->perms[0].domid) ? 1 : 0;
        node_clear_contents(n);
        n->exists = false;
        n->modified = true;
        return 0;
    }
    account(op->st, owner_of(n), -1);
    hmap_remove(&op->st->nodes, &n->link);
    node_free(n);
    return 0;
}

/* ---- Public operations ---- */

static int op_begin(struct op *op, struct store *st, struct txn *tx, const struct caller *who,
                    const char *path)
{
    op->st = st;
    op->tx = tx;
    op->who = who;
    if ( !path_valid(path, false) || who->domid >= DOMID_COUNT )
        return EINVAL;
    return 0;
}

int store_read(struct store *st, struct txn *tx, const struct caller *who, const char *path,
               const char **data, unsigned int *len)
{
    struct op op;
    struct node *n;
    int rc = op_begin(&op, st, tx, who, path);

    if ( !rc )
        rc = op_find(&op, path, PERM_READ, &n);
    if ( rc )
        return rc;
    *data = n->data;
    *len = n->datalen;
    return 0;
}

static int set_value(struct op *op, struct node *n, const void *data, unsigned int len)
{
    char *copy;

    if ( node_too_big(op, n, len, n->childlen, n->nperms) )
        return ENOSPC;
    copy = dup_bytes(data, len);
    if ( !copy )
        return ENOMEM;
    free(n->data);
    n->data = copy;
    n->datalen = len;
    op_touch(op, n);
    return 0;
}

int store_write(struct store *st, struct txn *tx, const struct caller *who, const char *path,
                const void *data, unsigned int len)
{
    struct op op;
    struct node *n = NULL;
    int rc = op_begin(&op, st, tx, who, path);

    if ( !rc )
        rc = op_find(&op, path, PERM_WRITE, &n);
    if ( rc == ENOENT )
    {
        if ( node_too_big(&op, NULL, len, 0, 1) )
            return ENOSPC;
        rc = op_create(&op, path, &n);
    }
    if ( !rc )
        rc = set_value(&op, n, data, len);
    if ( !rc )
        op_event(&op, n, false);
    return rc;
}

int store_mkdir(struct store *st, struct txn *tx, const struct caller *who, const char *path)
{
    struct op op;
    struct node *n = NULL;
    int rc = op_begin(&op, st, tx, who, path);

    if ( !rc )
        rc = op_find(&op, path, PERM_WRITE, &n);
    if ( rc != ENOENT )
        return rc; /* existing node: nothing to do */
    rc = op_create(&op, path, &n);
    if ( !rc )
        op_event(&op, n, false);
    return rc;
}

int store_rm(struct store *st, struct txn *tx, const struct caller *who, const char *path)
{
    char parent_path[PATH_BUF_MAX];
    struct op op;
    struct node *n = NULL, *parent = NULL;
    int rc = op_begin(&op, st, tx, who, path);

    if ( !rc )
        rc = op_find(&op, path, PERM_WRITE, &n);
    if ( !rc && !strcmp(path, "/") )
        return EINVAL;
    if ( rc && rc != ENOENT )
        return rc;
    path_parent(path, parent_path);
    rc = op_get(&op, parent_path, &parent);
    if ( rc )
        return rc;
    if ( !n )
        return parent ? 0 : ENOENT; /* absent with a parent is fine */
    op_event(&op, n, true);
    children_remove(parent, path_basename(path));
    op_touch(&op, parent);
    return op_delete_tree(&op, n);
}

int store_directory(struct store *st, struct txn *tx, const struct caller *who, const char *path,
                    const char **children, unsigned int *len, uint64_t *gen)
{
    struct op op;
    struct node *n;
    int rc = op_begin(&op, st, tx, who, path);

    if ( !rc )
        rc = op_find(&op, path, PERM_READ, &n);
    if ( rc )
        return rc;
    *children = n->children;
    *len = n->childlen;
    *gen = n->gen;
    return 0;
}

int store_get_perms(struct store *st, struct txn *tx, const struct caller *who, const char *path,
                    const struct perm **perms, unsigned int *n)
{
    struct op op;
    struct node *node;
    int rc = op_begin(&op, st, tx, who, path);

    if ( !rc )
        rc = op_find(&op, path, PERM_READ, &node);
    if ( rc )
        return rc;
    *perms = node->perms;
    *n = node->nperms;
    return 0;
}

static int validate_perms(const struct op *op, const struct node *node, const struct perm *perms,
                          unsigned int n)
{
    unsigned int i;

    if ( n == 0 )
        return EINVAL;
    for ( i = 0; i < n; i++ )
        if ( perms[i].domid >= DOMID_COUNT || (perms[i].access & ~(PERM_READ | PERM_WRITE)) )
            return EINVAL;
    if ( quota_applies(op, op->st->quota.perms) && n - 1 > op->st->quota.perms )
        return ENOSPC;
    if ( !op->who->privileged && perms[0].domid != node->perms[0].domid )
        return EPERM;
    if ( node_too_big(op, node, node->datalen, node->childlen, n) )
        return ENOSPC;
    return 0;
}

int store_set_perms(struct store *st, struct txn *tx, const struct caller *who, const char *path,
                    const struct perm *perms, unsigned int n)
{
    struct op op;
    struct node *node;
    struct perm *copy;
    int old_owner;
    int rc = op_begin(&op, st, tx, who, path);

    if ( !rc )
        rc = op_find(&op, path, PERM_WRITE | PERM_OWNER, &node);
    if ( !rc )
        rc = validate_perms(&op, node, perms, n);
    if ( rc )
        return rc;
    copy = dup_bytes(perms, n * sizeof(*perms));
    if ( !copy )
        return ENOMEM;
    old_owner = owner_of(node);
    free(node->perms);
    node->perms = copy;
    node->nperms = n;
    if ( !tx )
        account(st, old_owner, owner_of(node));
    op_touch(&op, node);
    op_event(&op, node, false);
    return 0;
}

/* ---- Transactions ---- */

int store_txn_start(struct store *st, const struct caller *who, struct txn **out)
{
    struct txn *tx = calloc(1, sizeof(*tx));

    (void)st;
    if ( !tx )
        return ENOMEM;
    hmap_init(&tx->nodes);
    tx->ev_tail = &tx->events;
    tx->who = *who;
    *out = tx;
    return 0;
}

unsigned int store_txn_touched(const struct txn *tx)
{
    return tx->ntouched;
}

static bool txn_conflicts(const struct store *st, const struct txn *tx)
{
    const struct node *c;

    for ( c = tx->touched; c; c = c->tx_next )
    {
        const struct node *real = store_lookup(st, c->path);

        if ( (real ? real->gen : 0) != c->gen )
            return true;
    }
    return false;
}

/* Writes one modified copy back; returns true if the copy was adopted. */
static bool txn_apply_one(struct store *st, struct txn *tx, struct node *c)
{
    struct node *real = store_lookup(st, c->path);
    struct node tmp;

    if ( !c->exists )
    {
        if ( real )
        {
            account(st, owner_of(real), -1);
            hmap_remove(&st->nodes, &real->link);
            node_free(real);
        }
        return false;
    }
    if ( !real )
    {
        hmap_remove(&tx->nodes, &c->link);
        if ( hmap_insert(&st->nodes, &c->link, c->path) )
            return false; /* OOM growing the table: the node is lost */
        account(st, -1, owner_of(c));
        c->gen = ++st->gen;
        return true;
    }
    account(st, owner_of(real), owner_of(c));
    tmp = *real;
    real->data = c->data;
    real->datalen = c->datalen;
    real->children = c->children;
    real->childlen = c->childlen;
    real->perms = c->perms;
    real->nperms = c->nperms;
    c->data = tmp.data;
    c->children = tmp.children;
    c->perms = tmp.perms;
    real->gen = ++st->gen;
    return false;
}

static void txn_fire_events(struct store *st, struct txn *tx)
{
    struct event *ev;

    for ( ev = tx->events; ev; ev = ev->next )
        if ( st->on_event )
            st->on_event(st->event_arg, ev->path, ev->recursive, ev->perms, ev->nperms);
}

static void txn_free(struct txn *tx)
{
    struct node *c, *next;
    struct event *ev, *evnext;

    for ( c = tx->touched; c; c = next )
    {
        next = c->tx_next;
        node_free(c);
    }
    for ( ev = tx->events; ev; ev = evnext )
    {
        evnext = ev->next;
        free(ev->perms);
        free(ev);
    }
    hmap_destroy(&tx->nodes);
    free(tx);
}

int store_txn_end(struct store *st, struct txn *tx, bool commit)
{
    struct node **pp;
    int rc = 0;

    if ( !commit )
        goto out;
    if ( txn_conflicts(st, tx) )
    {
        rc = EAGAIN;
        goto out;
    }
    /* Copies hold whole node states, so the order does not matter. */
    for ( pp = &tx->touched; *pp; )
    {
        struct node *c = *pp;

        if ( c->modified && txn_apply_one(st, tx, c) )
            *pp = c->tx_next; /* adopted by the store */
        else
            pp = &c->tx_next;
    }
    txn_fire_events(st, tx);
out:
    txn_free(tx);
    return rc;
}

/* ---- Store lifetime ---- */

static int add_initial_node(struct store *st, const char *path, const char *children,
                            unsigned int childlen)
{
    struct node *n = node_alloc(path);

    if ( !n )
        return ENOMEM;
    n->data = dup_bytes("", 0);
    n->children = dup_bytes(children, childlen);
    n->perms = calloc(1, sizeof(struct perm));
    n->nperms = 1;
    n->childlen = childlen;
    n->gen = ++st->gen;
    if ( !n->data || !n->children || !n->perms || hmap_insert(&st->nodes, &n->link, n->path) )
    {
        node_free(n);
        return ENOMEM;
    }
    account(st, -1, 0);
    return 0;
}

struct store *store_new(const struct store_quota *quota, store_event_fn fn, void *arg)
{
    struct store *st = calloc(1, sizeof(*st));

    if ( !st )
        return NULL;
    hmap_init(&st->nodes);
    st->quota = *quota;
    st->on_event = fn;
    st->event_arg = arg;
    st->owned = calloc(DOMID_COUNT, sizeof(*st->owned));
    if ( !st->owned || add_initial_node(st, "/", "tool", 5) ||
         add_initial_node(st, "/tool", "xenstored", 10) ||
         add_initial_node(st, "/tool/xenstored", "", 0) )
    {
        store_free(st);
        return NULL;
    }
    return st;
}

static void free_node_link(struct hmap_link *link, void *arg)
{
    (void)arg;
    node_free(hmap_entry(link, struct node, link));
}

void store_free(struct store *st)
{
    if ( !st )
        return;
    hmap_foreach(&st->nodes, free_node_link, NULL);
    hmap_destroy(&st->nodes);
    free(st->owned);
    free(st);
}

void store_set_quota(struct store *st, const struct store_quota *quota)
{
    st->quota = *quota;
}

unsigned int store_node_count(const struct store *st)
{
    return st->nodes.count;
}

unsigned int store_domain_nodes(const struct store *st, unsigned int domid)
{
    return domid < DOMID_COUNT ? st->owned[domid] : 0;
}

/* Depth-first: removes the first subtree below n owned by domid. */
static bool remove_one_owned(struct store *st, struct node *n, unsigned int domid)
{
    static const struct caller root = {0, true, -1};
    char child[PATH_BUF_MAX];
    unsigned int off = 0;
    size_t plen = strcmp(n->path, "/") ? strlen(n->path) : 0;

    if ( owner_of(n) == (int)domid && strcmp(n->path, "/") )
    {
        store_rm(st, NULL, &root, n->path);
        return true;
    }
    while ( off < n->childlen )
    {
        const char *name = n->children + off;
        struct node *c;

        off += strlen(name) + 1;
        if ( plen + 1 + strlen(name) >= sizeof(child) )
            continue;
        memcpy(child, n->path, plen);
        child[plen] = '/';
        strcpy(child + plen + 1, name);
        c = store_lookup(st, child);
        if ( c && remove_one_owned(st, c, domid) )
            return true;
    }
    return false;
}

void store_remove_owned(struct store *st, unsigned int domid)
{
    if ( domid == 0 || domid >= DOMID_COUNT )
        return;
    while ( st->owned[domid] && remove_one_owned(st, store_lookup(st, "/"), domid) )
        ;
}
