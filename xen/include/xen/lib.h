/* SPDX-License-Identifier: GPL-2.0-only */
/* Helpers every file wants: printing, assertions, strings, arithmetic. */
#ifndef XEN_LIB_H
#define XEN_LIB_H

#include <xen/config.h>
#include <xen/types.h>

#define BITS_PER_LONG   64
#define ARRAY_SIZE(a)   (sizeof(a) / sizeof((a)[0]))
#define BUILD_BUG_ON(c) _Static_assert(!(c), #c)
#define likely(x)       __builtin_expect(!!(x), 1)
#define unlikely(x)     __builtin_expect(!!(x), 0)
#define __packed        __attribute__((packed))
#define __aligned(a)    __attribute__((aligned(a)))
#define __used          __attribute__((used))
#define __section(s)    __attribute__((section(s)))
#define noreturn        __attribute__((noreturn))
#define ACCESS_ONCE(x)  (*(volatile __typeof__(x) *)&(x))
#define barrier()       __asm__ __volatile__("" ::: "memory")

/* min/max evaluate each argument once; unique local names allow nesting. */
#define __PASTE2(a, b) a##b
#define __PASTE(a, b)  __PASTE2(a, b)
#define __cmp_once(op, a, b, x, y)                                                                 \
    ({                                                                                             \
        __typeof__(a) x = (a);                                                                     \
        __typeof__(b) y = (b);                                                                     \
        x op y ? x : y;                                                                            \
    })
#define min(a, b)                     __cmp_once(<, a, b, __PASTE(min_a_, __COUNTER__), __PASTE(min_b_, __COUNTER__))
#define max(a, b)                     __cmp_once(>, a, b, __PASTE(max_a_, __COUNTER__), __PASTE(max_b_, __COUNTER__))
#define ROUNDUP(x, a)                 (((x) + (a)-1) & ~((__typeof__(x))(a)-1))
#define ROUNDDOWN(x, a)               ((x) & ~((__typeof__(x))(a)-1))
#define DIV_ROUND_UP(n, d)            (((n) + (d)-1) / (d))
#define IS_ALIGNED(x, a)              (((x) & ((__typeof__(x))(a)-1)) == 0)
#define container_of(p, type, member) ((type *)((char *)(p)-offsetof(type, member)))

/* Log levels, as Xen spells them inside a format string: printk(XENLOG_INFO "..."). */
#define XENLOG_ERR       "<0>"
#define XENLOG_WARNING   "<1>"
#define XENLOG_INFO      "<2>"
#define XENLOG_DEBUG     "<3>"
#define XENLOG_G_ERR     "<G0>"
#define XENLOG_G_WARNING "<G1>"
#define XENLOG_G_INFO    "<G2>"
#define XENLOG_G_DEBUG   "<G3>"

int vsnprintf(char *buf, size_t size, const char *fmt, va_list args);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vprintk(const char *fmt, va_list args);
noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void __bug(const char *file, int line, const char *what);

#define BUG() __bug(__FILE__, __LINE__, "BUG")
#define BUG_ON(c)                                                                                  \
    do                                                                                             \
    {                                                                                              \
        if ( unlikely(c) )                                                                         \
            __bug(__FILE__, __LINE__, #c);                                                         \
    } while ( 0 )
#define ASSERT(c) BUG_ON(!(c))

void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
size_t strlcpy(char *d, const char *s, size_t n);
unsigned long simple_strtoul(const char *s, const char **end, unsigned int base);
unsigned long long parse_size_and_unit(const char *s, const char **end);

/* Symbol lookup for stack traces: name and offset of the text symbol at addr. */
const char *symbol_lookup(unsigned long addr, unsigned long *offset);

#endif
