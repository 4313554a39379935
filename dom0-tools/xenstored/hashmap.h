/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Intrusive string-keyed hash map.
 *
 * Users embed a struct hmap_link in their object and keep the key string
 * alive for as long as the object is in the map; the map never allocates
 * per entry, only its bucket array. The bucket array doubles when the load
 * factor exceeds 1, so lookups stay O(1) on average.
 */
#ifndef XS_HASHMAP_H
#define XS_HASHMAP_H

#include <stddef.h>
#include <stdint.h>

struct hmap_link
{
    struct hmap_link *next; /* next entry in the same bucket */
    const char *key;        /* owned by the embedding object */
    uint32_t hash;
};

/* Invariant: count == number of links reachable from buckets. */
struct hmap
{
    struct hmap_link **buckets;
    size_t nbuckets; /* power of two, or 0 before the first insert */
    size_t count;
};

#define hmap_entry(link, type, member) ((type *)((char *)(link)-offsetof(type, member)))

uint32_t hmap_hash(const char *key);
void hmap_init(struct hmap *map);
/* Frees the bucket array only; the entries belong to their owners. */
void hmap_destroy(struct hmap *map);
struct hmap_link *hmap_get(const struct hmap *map, const char *key);
/* Returns 0, or ENOMEM. The key must not be present already. */
int hmap_insert(struct hmap *map, struct hmap_link *link, const char *key);
void hmap_remove(struct hmap *map, struct hmap_link *link);
/* Calls fn on every entry; fn may not modify the map. */
void hmap_foreach(const struct hmap *map, void (*fn)(struct hmap_link *link, void *arg), void *arg);

#endif
