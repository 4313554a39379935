/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The machine memory map in e820 form. e820_sanitise() turns whatever the
 * firmware or loader gave into a sorted list of non-overlapping ranges where
 * any overlap is resolved in favour of the more restrictive type and
 * neighbours of the same type are merged. It is a pure function (host-tested).
 */
#ifndef ASM_E820_H
#define ASM_E820_H

#include <xen/types.h>

#define E820_RAM      1
#define E820_RESERVED 2
#define E820_ACPI     3
#define E820_NVS      4
#define E820_UNUSABLE 5
#define E820_MAX      128

struct e820entry
{
    u64 addr;
    u64 size;
    u32 type;
};

/* Sanitise map[0..n) in place (capacity max entries); returns the new count. */
unsigned int e820_sanitise(struct e820entry *map, unsigned int n, unsigned int max);

/* Total bytes of type E820_RAM. */
u64 e820_ram_total(const struct e820entry *map, unsigned int n);

/* printk a map, one " [start, end] (type)" line per range, end inclusive. */
void e820_print(const struct e820entry *map, unsigned int n);

/* The sanitised machine map, set up by memory_init(). */
extern struct e820entry e820_map[E820_MAX];
extern unsigned int e820_nr;

#endif
