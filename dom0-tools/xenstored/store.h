/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The xenstore database: a tree of nodes with permissions, transactions
 * and per-domain quotas. This is the narrow API the wire layer (proto.c)
 * and the unit tests use; it knows nothing about connections or messages.
 *
 * Every operation takes the caller (domain id, privilege, target) and an
 * optional transaction. Changes are reported through the event callback
 * given to store_new(): immediately outside transactions, at commit inside.
 */
#ifndef XS_STORE_H
#define XS_STORE_H

#include <stdbool.h>
#include <stdint.h>

#define PERM_NONE  0x0u
#define PERM_READ  0x1u
#define PERM_WRITE 0x2u
#define PERM_OWNER 0x8u /* only as a result of permission checks */

#define DOMID_COUNT 65536u

struct perm
{
    uint32_t domid;
    uint32_t access; /* PERM_READ | PERM_WRITE */
};

struct caller
{
    unsigned int domid;
    bool privileged; /* dom0 socket/ring: bypasses checks and quotas */
    int target;      /* domain this caller acts for (SET_TARGET), or -1 */
};

/* Hard limits for unprivileged callers; 0 means unlimited. */
struct store_quota
{
    unsigned int nodes;     /* nodes owned per domain (-E) */
    unsigned int node_size; /* data + children names + perms bytes (-S) */
    unsigned int perms;     /* extra permission entries per node (-A) */
    unsigned int tx_nodes;  /* nodes touched per transaction */
};

/*
 * Called for each change: path is the changed node, recursive is true when
 * the node and its whole subtree were removed, perms are the node's
 * permissions (before removal) so watchers can be filtered.
 */
typedef void (*store_event_fn)(void *arg, const char *path, bool recursive,
                               const struct perm *perms, unsigned int nperms);

struct store;
struct txn;

struct store *store_new(const struct store_quota *quota, store_event_fn fn, void *arg);
void store_free(struct store *st);
unsigned int store_node_count(const struct store *st);
unsigned int store_domain_nodes(const struct store *st, unsigned int domid);
void store_set_quota(struct store *st, const struct store_quota *quota);

/* All operations return 0 or a positive errno value. */
/* *data stays valid until the next change of the store or transaction. */
int store_read(struct store *st, struct txn *tx, const struct caller *who, const char *path,
               const char **data, unsigned int *len);
int store_write(struct store *st, struct txn *tx, const struct caller *who, const char *path,
                const void *data, unsigned int len);
int store_mkdir(struct store *st, struct txn *tx, const struct caller *who, const char *path);
int store_rm(struct store *st, struct txn *tx, const struct caller *who, const char *path);
/* Children as NUL-terminated names back to back; gen changes with them. */
int store_directory(struct store *st, struct txn *tx, const struct caller *who, const char *path,
                    const char **children, unsigned int *len, uint64_t *gen);
int store_get_perms(struct store *st, struct txn *tx, const struct caller *who, const char *path,
                    const struct perm **perms, unsigned int *n);
int store_set_perms(struct store *st, struct txn *tx, const struct caller *who, const char *path,
                    const struct perm *perms, unsigned int n);

/* Transactions: the caller of start owns the transaction until end. */
int store_txn_start(struct store *st, const struct caller *who, struct txn **out);
/* Commits (returns 0 or EAGAIN on conflict) or aborts; always frees tx. */
int store_txn_end(struct store *st, struct txn *tx, bool commit);
unsigned int store_txn_touched(const struct txn *tx);

/* Removes every subtree owned by domid (domain release). */
void store_remove_owned(struct store *st, unsigned int domid);

#endif
