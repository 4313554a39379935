/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host implementations of what hypervisor code calls, for unit tests (the
 * API is described in harness.h). Everything here is weak so that a test
 * linking the real implementation of a function gets the real one.
 *
 * Tests are single-threaded: the state below is plain globals, reset by
 * harness_reset() between tests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#include <xen/config.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/spinlock.h>
#include <xen/time.h>
#include <asm/percpu.h>

#define __weak      __attribute__((weak))
#define LINE_MAX_HX 256

/* ---- printk record ---- */

static char lines[HARNESS_PRINTK_LINES][LINE_MAX_HX];
static unsigned int nr_lines;     /* complete lines since reset */
static char partial[LINE_MAX_HX]; /* line being built */
static size_t partial_len;
static bool verbose;

static void commit_line(void)
{
    memcpy(lines[nr_lines % HARNESS_PRINTK_LINES], partial, partial_len + 1);
    nr_lines++;
    partial_len = 0;
    partial[0] = '\0';
}

/* Skip a "<N>" or "<GN>" log-level prefix at the start of a line. */
static const char *skip_level(const char *s)
{
    const char *p = s + 1;

    if ( *s != '<' )
        return s;
    if ( *p == 'G' )
        p++;
    if ( *p < '0' || *p > '9' || p[1] != '>' )
        return s;
    return p + 2;
}

static void record(const char *text)
{
    for ( const char *p = text; *p; p++ )
    {
        if ( partial_len == 0 && *p == '<' && skip_level(p) != p )
        {
            p = skip_level(p) - 1;
            continue;
        }
        if ( *p == '\n' )
        {
            commit_line();
            continue;
        }
        if ( partial_len + 1 < LINE_MAX_HX )
        {
            partial[partial_len++] = *p;
            partial[partial_len] = '\0';
        }
    }
}

__weak void vprintk(const char *fmt, va_list args)
{
    char buf[1024];

    vsnprintf(buf, sizeof(buf), fmt, args);
    record(buf);
    if ( verbose )
        fprintf(stdout, "(XEN) %s", buf);
}

__weak void printk(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
}

const char *harness_last_printk(void)
{
    if ( partial_len )
        return partial;
    if ( !nr_lines )
        return "";
    return lines[(nr_lines - 1) % HARNESS_PRINTK_LINES];
}

unsigned int harness_printk_count_matching(const char *s)
{
    unsigned int first = nr_lines > HARNESS_PRINTK_LINES ? nr_lines - HARNESS_PRINTK_LINES : 0;
    unsigned int n = 0;

    for ( unsigned int i = first; i < nr_lines; i++ )
        n += strstr(lines[i % HARNESS_PRINTK_LINES], s) != NULL;
    return n + (partial_len && strstr(partial, s) != NULL);
}

bool harness_printk_contains(const char *s)
{
    return harness_printk_count_matching(s) > 0;
}

unsigned int harness_printk_count(void)
{
    return nr_lines + (partial_len != 0);
}

/* ---- BUG, ASSERT, panic ---- */

jmp_buf harness_bug_jmp;
bool harness_bug_armed;
static char last_bug[512];

const char *harness_last_bug(void)
{
    return last_bug;
}

/* Report a fatal hypervisor error: to an expecting test, or as a failure. */
static noreturn void fatal(const char *file, int line)
{
    if ( harness_bug_armed )
    {
        harness_bug_armed = false;
        longjmp(harness_bug_jmp, 1);
    }
    print_error("hypervisor stopped: %s\n", last_bug);
    _fail(file, line);
    abort(); /* _fail only returns outside a running test */
}

__weak noreturn void __bug(const char *file, int line, const char *what)
{
    snprintf(last_bug, sizeof(last_bug), "%s:%d: %s", file, line, what);
    fatal(file, line);
}

__weak noreturn void panic(const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(last_bug, sizeof(last_bug), "panic: ");

    va_start(ap, fmt);
    vsnprintf(last_bug + n, sizeof(last_bug) - n, fmt, ap);
    va_end(ap);
    fatal(__FILE__, __LINE__);
}

/* ---- simulated CPUs and locks ---- */

#define MAX_HELD_LOCKS 64

__weak unsigned long __per_cpu_offset[NR_CPUS];
static struct cpu_info cpus[NR_CPUS];
static unsigned int current_cpu;
/* Locks taken and not released, so harness_reset() can free them. */
static spinlock_t *held[MAX_HELD_LOCKS];
static int locks_held;

struct cpu_info *harness_cpu_info(void)
{
    return &cpus[current_cpu];
}

void harness_set_cpu(unsigned int cpu)
{
    assert_true(cpu < NR_CPUS);
    current_cpu = cpu;
    cpus[cpu].processor_id = cpu;
    cpus[cpu].per_cpu_offset = __per_cpu_offset[cpu];
}

int harness_locks_held(void)
{
    return locks_held;
}

static void note_locked(spinlock_t *l)
{
    if ( locks_held >= MAX_HELD_LOCKS )
        fail_msg("more than %d spinlocks held at once", MAX_HELD_LOCKS);
    held[locks_held++] = l;
}

static void note_unlocked(spinlock_t *l)
{
    for ( int i = 0; i < locks_held; i++ )
        if ( held[i] == l )
        {
            held[i] = held[--locks_held];
            return;
        }
}

/* A BUG in a locked region leaves its locks held: free them for the next test. */
static void release_all_locks(void)
{
    while ( locks_held )
    {
        spinlock_t *l = held[--locks_held];
        l->head = l->tail;
        l->owner = -1;
    }
}

__weak void spin_lock_init(spinlock_t *l)
{
    l->head = l->tail = 0;
    l->owner = -1;
}

__weak bool spin_is_locked(const spinlock_t *l)
{
    return l->head != l->tail;
}

__weak bool spin_is_locked_by_me(const spinlock_t *l)
{
    return spin_is_locked(l) && l->owner == (s16)smp_processor_id();
}

__weak bool spin_trylock(spinlock_t *l)
{
    if ( spin_is_locked(l) )
        return false;
    l->tail++;
    l->owner = (s16)smp_processor_id();
    note_locked(l);
    return true;
}

/* With one thread, waiting for a held lock would wait forever. */
__weak void spin_lock(spinlock_t *l)
{
    if ( spin_is_locked(l) )
        fail_msg("spin_lock: lock %p already held by CPU %d (deadlock)", (void *)l, l->owner);
    spin_trylock(l);
}

__weak void spin_unlock(spinlock_t *l)
{
    if ( !spin_is_locked_by_me(l) )
        fail_msg("spin_unlock: lock %p not held by CPU %u", (void *)l, smp_processor_id());
    l->owner = -1;
    l->head++;
    note_unlocked(l);
}

__weak unsigned long spin_lock_irqsave(spinlock_t *l)
{
    spin_lock(l);
    return 0x200; /* X86_EFLAGS_IF: interrupts were on */
}

__weak void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
    spin_unlock(l);
}

/* ---- symbols, time, memory ---- */

__weak const char *symbol_lookup(unsigned long addr, unsigned long *offset)
{
    return NULL;
}

long long harness_time_ns;

__weak s_time_t get_s_time(void)
{
    return harness_time_ns;
}

__weak void *xmalloc_bytes(size_t size)
{
    return malloc(size);
}

__weak void *xzalloc_bytes(size_t size)
{
    return calloc(1, size);
}

__weak void xfree(void *p)
{
    free(p);
}

__weak void *alloc_xenheap_pages(unsigned int order)
{
    return aligned_alloc(PAGE_SIZE, PAGE_SIZE << order);
}

__weak void free_xenheap_pages(void *va, unsigned int order)
{
    free(va);
}

/* ---- test lifecycle ---- */

void harness_reset(void)
{
    nr_lines = 0;
    partial_len = 0;
    partial[0] = '\0';
    last_bug[0] = '\0';
    harness_bug_armed = false;
    release_all_locks();
    harness_time_ns = 0;
    harness_set_cpu(0);
}

int harness_setup(void **state)
{
    harness_reset();
    return 0;
}

int harness_teardown(void **state)
{
    harness_reset();
    return 0;
}

/* Line-buffered stdout keeps cmocka's lines in order with sanitizer reports. */
__attribute__((constructor)) static void harness_init(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    verbose = getenv("HX_UNIT_VERBOSE") != NULL;
    harness_reset();
}
