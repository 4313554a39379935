/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Watch registry.
 *
 * A watch is (owner, path, token). A change event on path P fires every
 * watch whose path is P or an ancestor of P, reporting P. When a subtree
 * is removed, watches inside the removed subtree fire too, reporting their
 * own path. Special paths ("@releaseDomain") only match themselves. A
 * watch registered with a relative path reports paths relative to the same
 * base (rel_off bytes are stripped from the front).
 */
#ifndef XS_WATCH_H
#define XS_WATCH_H

#include <stdbool.h>

#include "store.h"

struct watch
{
    struct watch *next;
    void *owner; /* the connection */
    char *path;  /* canonical absolute path or @special */
    char *token;
    unsigned int rel_off; /* bytes stripped from reported paths */
};

struct watch_list
{
    struct watch *head;
};

/* Delivers one event to the watch's owner. */
typedef void (*watch_deliver_fn)(void *arg, const struct watch *w, const char *path);
/* May the owner see a change of a node with these permissions? */
typedef bool (*watch_visible_fn)(void *arg, const struct watch *w, const struct perm *perms,
                                 unsigned int n);

/* Returns 0, EEXIST or ENOMEM. */
int watch_add(struct watch_list *wl, void *owner, const char *path, const char *token,
              unsigned int rel_off);
/* Returns 0 or ENOENT. */
int watch_remove(struct watch_list *wl, void *owner, const char *path, const char *token);
void watch_remove_owner(struct watch_list *wl, void *owner);
unsigned int watch_count(const struct watch_list *wl, const void *owner);
void watch_fire(const struct watch_list *wl, const char *path, bool recursive,
                const struct perm *perms, unsigned int nperms, watch_visible_fn visible,
                watch_deliver_fn deliver, void *arg);

#endif
