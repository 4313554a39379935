/* SPDX-License-Identifier: GPL-2.0-only */
/* Intrusive string-keyed hash map; see hashmap.h. */
#include "hashmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

uint32_t hmap_hash(const char *key)
{
    uint32_t h = 2166136261u; /* FNV-1a */

    while ( *key )
    {
        h ^= (unsigned char)*key++;
        h *= 16777619u;
    }
    return h;
}

void hmap_init(struct hmap *map)
{
    map->buckets = NULL;
    map->nbuckets = 0;
    map->count = 0;
}

void hmap_destroy(struct hmap *map)
{
    free(map->buckets);
    hmap_init(map);
}

struct hmap_link *hmap_get(const struct hmap *map, const char *key)
{
    uint32_t h;
    struct hmap_link *link;

    if ( !map->nbuckets )
        return NULL;
    h = hmap_hash(key);
    for ( link = map->buckets[h & (map->nbuckets - 1)]; link; link = link->next )
        if ( link->hash == h && !strcmp(link->key, key) )
            return link;
    return NULL;
}

static int hmap_grow(struct hmap *map)
{
    size_t n = map->nbuckets ? map->nbuckets * 2 : 16;
    struct hmap_link **nb = calloc(n, sizeof(*nb));
    size_t i;

    if ( !nb )
        return ENOMEM;
    for ( i = 0; i < map->nbuckets; i++ )
    {
        struct hmap_link *link = map->buckets[i], *next;

        for ( ; link; link = next )
        {
            next = link->next;
            link->next = nb[link->hash & (n - 1)];
            nb[link->hash & (n - 1)] = link;
        }
    }
    free(map->buckets);
    map->buckets = nb;
    map->nbuckets = n;
    return 0;
}

int hmap_insert(struct hmap *map, struct hmap_link *link, const char *key)
{
    struct hmap_link **slot;

    if ( map->count >= map->nbuckets && hmap_grow(map) )
        return ENOMEM;
    link->key = key;
    link->hash = hmap_hash(key);
    slot = &map->buckets[link->hash & (map->nbuckets - 1)];
    link->next = *slot;
    *slot = link;
    map->count++;
    return 0;
}

void hmap_remove(struct hmap *map, struct hmap_link *link)
{
    struct hmap_link **slot;

    if ( !map->nbuckets )
        return;
    slot = &map->buckets[link->hash & (map->nbuckets - 1)];
    for ( ; *slot; slot = &(*slot)->next )
    {
        if ( *slot == link )
        {
            *slot = link->next;
            map->count--;
            return;
        }
    }
}

void hmap_foreach(const struct hmap *map, void (*fn)(struct hmap_link *link, void *arg), void *arg)
{
    size_t i;

    for ( i = 0; i < map->nbuckets; i++ )
    {
        struct hmap_link *link = map->buckets[i], *next;

        for ( ; link; link = next )
        {
            next = link->next;
            fn(link, arg);
        }
    }
}
