/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host unit-test harness: run real hypervisor sources under cmocka.
 *
 * Conventions (test/unit/Makefile implements them):
 *   - test/unit/test_<name>.c is one test program. It is linked with
 *     harness.c and with the files listed in test/unit/<name>.sources, one
 *     path per line relative to the repository root ('#' comments and blank
 *     lines allowed). The binary is build/unit/<name>.
 *   - Everything is compiled with -std=gnu11 -O1 -g -Werror, ASan and UBSan,
 *     -D__XEN__ -DUNIT_TEST, and the include path test/unit/include (host
 *     overrides), xen/include, xen/build/include (<public/...>).
 *   - Include order in a test: <stdarg.h> <stddef.h> <stdint.h> <setjmp.h>
 *     <cmocka.h>, libc headers, then "harness.h", then hypervisor headers
 *     (xen/lib.h defines macros such as noreturn, min and max). Do not
 *     include the host's <errno.h>: xen/errno.h defines the same names as an
 *     enum.
 *   - Use cmocka_unit_test_setup(fn, harness_setup) (or call
 *     harness_reset() yourself) so each test starts with an empty printk
 *     record and no expected BUG.
 *   - test/suites/05-unit.sh runs every binary and turns cmocka's results
 *     into "PASS unit/<name>/<test>" lines.
 *
 * What the harness provides to hypervisor code (all weak: a test that links
 * the real implementation gets the real one):
 *   printk, vprintk   format with vsnprintf (the hypervisor's own when
 *                     common/vsprintf.c is linked, else libc's) and record
 *                     the output; echoed to stdout when HX_UNIT_VERBOSE is
 *                     set in the environment.
 *   panic, __bug      fail the running test at the caller's file:line,
 *                     unless a test armed expect_bug().
 *   spin_lock family  no real locking (tests are single-threaded) but the
 *                     owner is tracked: taking a held lock or releasing a
 *                     lock one does not hold fails the test.
 *   asm/percpu.h      smp_processor_id() and this_cpu() use a simulated CPU
 *                     (harness_set_cpu()), not the stack pointer.
 *   symbol_lookup     returns NULL (no symbol table).
 *   xmalloc_bytes, xzalloc_bytes, xfree, alloc_xenheap_pages,
 *   free_xenheap_pages: libc's allocator, so ASan checks their use.
 *   get_s_time        returns harness_time_ns, which tests set.
 */
#ifndef TEST_UNIT_HARNESS_H
#define TEST_UNIT_HARNESS_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Forget recorded printk output and expected BUGs, release every spinlock
 * still held (a BUG inside a locked region leaves its locks taken), and go
 * back to CPU 0 at time 0.
 */
void harness_reset(void);
/* cmocka setup/teardown functions that call harness_reset(). */
int harness_setup(void **state);
int harness_teardown(void **state);

/*
 * printk record: the last HARNESS_PRINTK_LINES lines, each without its
 * "<N>"/"<GN>" log-level prefix or trailing newline. A line still being
 * built (no newline yet) counts as the last line.
 */
#define HARNESS_PRINTK_LINES 64
const char *harness_last_printk(void);       /* "" when nothing printed */
bool harness_printk_contains(const char *s); /* any recorded line has s */
unsigned int harness_printk_count(void);     /* lines since reset */
unsigned int harness_printk_count_matching(const char *s);

/*
 * Expected BUG/ASSERT/panic. expect_bug(stmt) runs stmt and fails the test
 * unless stmt ends in __bug() or panic(); the report of the BUG is then
 * available as harness_last_bug(), e.g. "xen/common/foo.c:42: x != 0" or
 * "panic: <message>". Nothing after the BUG in stmt's call chain runs
 * (longjmp), so state may be half-updated: that is the point of testing.
 */
extern jmp_buf harness_bug_jmp;
extern bool harness_bug_armed;
const char *harness_last_bug(void);
#define expect_bug(stmt)                                                                           \
    do                                                                                             \
    {                                                                                              \
        harness_bug_armed = true;                                                                  \
        if ( setjmp(harness_bug_jmp) == 0 )                                                        \
        {                                                                                          \
            stmt;                                                                                  \
            harness_bug_armed = false;                                                             \
            fail_msg("expected a BUG from: %s", #stmt);                                            \
        }                                                                                          \
        harness_bug_armed = false;                                                                 \
    } while ( 0 )
#define harness_expect_bug expect_bug

/* Simulated CPU for smp_processor_id()/this_cpu()/lock owners. */
void harness_set_cpu(unsigned int cpu);
/* Locks currently held (spin_lock without spin_unlock), all CPUs. */
int harness_locks_held(void);

/* Value returned by get_s_time()/NOW(). */
extern long long harness_time_ns;

#endif
