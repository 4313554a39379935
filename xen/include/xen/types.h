/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef XEN_TYPES_H
#define XEN_TYPES_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef unsigned long paddr_t;
typedef unsigned long mfn_t;
typedef long ssize_t;
typedef s64 s_time_t; /* system time, ns since boot */

#define PRIpaddr "016lx"

#endif
