/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Grant tables, version 1 (public/grant_table.h); docs/grant-tables.md has
 * the whole picture. common/grant_table.c implements them.
 *
 * Two layers are exposed for the host unit tests:
 *   - the shared entry: the guest-visible {flags, domid} word of a
 *     grant_entry_v1, which the hypervisor changes only with
 *     compare-and-exchange (the granting guest may change it concurrently);
 *   - the active entry: the hypervisor's own pin counts for one grant.
 */
#ifndef XEN_GRANT_TABLE_H
#define XEN_GRANT_TABLE_H

#include <xen/types.h>
#include <public/xen.h>
#include <public/grant_table.h>

struct domain;

#define GNTTAB_DEFAULT_MAX_FRAMES 64 /* gnttab_max_frames=, as Xen */
#define GNTTAB_INITIAL_FRAMES     1
#define GNTTAB_ENTRIES_PER_FRAME  (PAGE_SIZE / sizeof(grant_entry_v1_t))

/* ---- the shared entry (pure) ---- */

/*
 * The {flags, domid} word a pin leaves in the shared entry, from cur:
 * GNTST_okay and *next, or GNTST_general_error when the entry does not
 * grant ld the access asked (first pin: type must be GTF_permit_access
 * without GTF_sub_page and domid ld; a writable pin needs !GTF_readonly).
 * GTF_reading is set, and GTF_writing for a writable pin.
 */
int gnttab_pin_word(u32 cur, domid_t ld, bool readonly, bool first_pin, u32 *next);

/* Apply gnttab_pin_word to a live entry with cmpxchg; a guest racing more than 4 times loses. */
int gnttab_entry_pin(grant_entry_v1_t *e, domid_t ld, bool readonly, bool first_pin);

/* Clear GTF_reading and/or GTF_writing (atomically: the guest owns the other bits). */
void gnttab_entry_unpin(grant_entry_v1_t *e, bool clear_reading, bool clear_writing);

/* ---- the active entry (pure) ---- */

enum gnttab_use {
    GNT_USE_HOST, /* GNTMAP_host_map */
    GNT_USE_DEV,  /* GNTMAP_device_map */
    GNT_USE_COPY, /* GNTTABOP_copy, for its duration */
    GNT_NR_USES,
};

/* One grant as the hypervisor tracks it; protected by the owning table's lock. */
struct active_grant
{
    u16 pins[GNT_NR_USES][2]; /* [use][writable] */
    domid_t domid;            /* the domain it is pinned for (when pinned) */
    mfn_t mfn;                /* the granted frame (when pinned) */
};

bool active_pinned(const struct active_grant *a);
bool active_writable(const struct active_grant *a);
/*
 * Whether a new pin by ld of kind (use, readonly) may be added:
 * GNTST_okay, or GNTST_general_error (pinned for another domain, or the
 * counter would overflow). *update says whether the shared entry's flags
 * must change first (first pin, or first writable pin).
 */
int active_may_pin(const struct active_grant *a, domid_t ld, enum gnttab_use use, bool readonly,
                   bool *update);
void active_pin(struct active_grant *a, enum gnttab_use use, bool readonly);
/* Drop one pin; *clear_reading / *clear_writing: the shared flags to clear now. */
void active_unpin(struct active_grant *a, enum gnttab_use use, bool readonly, bool *clear_reading,
                  bool *clear_writing);

/* ---- domain life cycle and the hypercall ---- */

int grant_table_init(struct domain *d);
void grant_table_destroy(struct domain *d);
long do_grant_table_op(unsigned long cmd, unsigned long uop, unsigned long count);

#endif
