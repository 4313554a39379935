/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Ticket spinlocks: FIFO-fair, so no CPU starves under contention. The
 * _irqsave variants must be used for any lock also taken from an interrupt
 * handler. A lock records its holder CPU for assertions.
 */
#ifndef XEN_SPINLOCK_H
#define XEN_SPINLOCK_H

#include <xen/types.h>

typedef struct spinlock
{
    volatile u16 head;  /* ticket being served */
    volatile u16 tail;  /* next ticket to hand out */
    volatile s16 owner; /* CPU holding it, -1 when free */
} spinlock_t;

#define SPIN_LOCK_UNLOCKED                                                                         \
    {                                                                                              \
        0, 0, -1                                                                                   \
    }
#define DEFINE_SPINLOCK(l) spinlock_t l = SPIN_LOCK_UNLOCKED

void spin_lock_init(spinlock_t *l);
void spin_lock(spinlock_t *l);
void spin_unlock(spinlock_t *l);
bool spin_trylock(spinlock_t *l);
bool spin_is_locked(const spinlock_t *l);
bool spin_is_locked_by_me(const spinlock_t *l);
unsigned long spin_lock_irqsave(spinlock_t *l);
void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags);

#endif
