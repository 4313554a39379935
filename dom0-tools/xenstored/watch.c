/* SPDX-License-Identifier: GPL-2.0-only */
/* Watch registry and event matching; see watch.h. */
#include "watch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"

static struct watch **watch_find(struct watch_list *wl, const void *owner, const char *path,
                                 const char *token)
{
    struct watch **pp;

    for ( pp = &wl->head; *pp; pp = &(*pp)->next )
        if ( (*pp)->owner == owner && !strcmp((*pp)->path, path) && !strcmp((*pp)->token, token) )
            return pp;
    return NULL;
}

static void watch_free(struct watch *w)
{
    free(w->path);
    free(w->token);
    free(w);
}

int watch_add(struct watch_list *wl, void *owner, const char *path, const char *token,
              unsigned int rel_off)
{
    struct watch *w, **tail;

    if ( watch_find(wl, owner, path, token) )
        return EEXIST;
    w = calloc(1, sizeof(*w));
    if ( !w )
        return ENOMEM;
    w->path = strdup(path);
    w->token = strdup(token);
    if ( !w->path || !w->token )
    {
        watch_free(w);
        return ENOMEM;
    }
    w->owner = owner;
    w->rel_off = rel_off;
    for ( tail = &wl->head; *tail; tail = &(*tail)->next )
        ;
    *tail = w; /* keep registration order for event order */
    return 0;
}

int watch_remove(struct watch_list *wl, void *owner, const char *path, const char *token)
{
    struct watch **pp = watch_find(wl, owner, path, token);
    struct watch *w;

    if ( !pp )
        return ENOENT;
    w = *pp;
    *pp = w->next;
    watch_free(w);
    return 0;
}

void watch_remove_owner(struct watch_list *wl, void *owner)
{
    struct watch **pp = &wl->head;

    while ( *pp )
    {
        struct watch *w = *pp;

        if ( w->owner == owner )
        {
            *pp = w->next;
            watch_free(w);
        }
        else
        {
            pp = &w->next;
        }
    }
}

unsigned int watch_count(const struct watch_list *wl, const void *owner)
{
    const struct watch *w;
    unsigned int n = 0;

    for ( w = wl->head; w; w = w->next )
        n += w->owner == owner;
    return n;
}

/* Which path does this watch report for the event, if any? */
static const char *watch_match(const struct watch *w, const char *path, bool recursive)
{
    if ( path[0] == '@' || w->path[0] == '@' )
        return strcmp(path, w->path) ? NULL : path;
    if ( path_is_child(path, w->path) )
        return path;
    if ( recursive && path_is_child(w->path, path) )
        return w->path;
    return NULL;
}

void watch_fire(const struct watch_list *wl, const char *path, bool recursive,
                const struct perm *perms, unsigned int nperms, watch_visible_fn visible,
                watch_deliver_fn deliver, void *arg)
{
    const struct watch *w, *next;

    for ( w = wl->head; w; w = next )
    {
        const char *report = watch_match(w, path, recursive);

        next = w->next; /* deliver may drop the owner's watches */
        if ( !report )
            continue;
        if ( visible && !visible(arg, w, perms, nperms) )
            continue;
        if ( w->rel_off && strlen(report) > w->rel_off )
            report += w->rel_off;
        deliver(arg, w, report);
    }
}
