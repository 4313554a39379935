/* SPDX-License-Identifier: GPL-2.0-only */
#include <xen/lib.h>
#include <xen/spinlock.h>
#include <asm/percpu.h>
#include <asm/processor.h>

void spin_lock_init(spinlock_t *l)
{
    l->head = l->tail = 0;
    l->owner = -1;
}

void spin_lock(spinlock_t *l)
{
    u16 ticket = __atomic_fetch_add(&l->tail, 1, __ATOMIC_ACQUIRE);

    while ( __atomic_load_n(&l->head, __ATOMIC_ACQUIRE) != ticket )
        cpu_relax();
    l->owner = (s16)smp_processor_id();
}

bool spin_trylock(spinlock_t *l)
{
    u16 head = l->head;
    u32 old = ((u32)head << 16) | head; /* head == tail: free */
    u32 new = ((u32)(u16)(head + 1) << 16) | head;

    BUILD_BUG_ON(offsetof(spinlock_t, tail) != 2);
    if ( !__atomic_compare_exchange_n((volatile u32 *)l, &old, new, false, __ATOMIC_ACQUIRE,
                                      __ATOMIC_RELAXED) )
        return false;
    l->owner = (s16)smp_processor_id();
    return true;
}

void spin_unlock(spinlock_t *l)
{
    ASSERT(l->owner == (s16)smp_processor_id());
    l->owner = -1;
    __atomic_store_n(&l->head, (u16)(l->head + 1), __ATOMIC_RELEASE);
}

bool spin_is_locked(const spinlock_t *l)
{
    return l->head != l->tail;
}

bool spin_is_locked_by_me(const spinlock_t *l)
{
    return spin_is_locked(l) && l->owner == (s16)smp_processor_id();
}

unsigned long spin_lock_irqsave(spinlock_t *l)
{
    unsigned long flags = local_irq_save();
    spin_lock(l);
    return flags;
}

void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
    spin_unlock(l);
    local_irq_restore(flags);
}
