/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hypervisor console.
 *
 * printk formats into a bounded stack buffer, filters by log level, then, under
 * console_lock, appends each line to the console ring (kept for `xl dmesg`)
 * and writes it to every registered driver with the "(XEN) " prefix and an
 * optional timestamp. A message is either the hypervisor's own or, with the
 * <G…> prefixes, about a guest: those use the guest_loglvl thresholds.
 *
 * Input from the serial line goes to the debug keys, or (once dom0 exists and
 * Ctrl-A has been typed three times) to dom0.
 *
 * Locking: console_lock (irqsave) protects the ring and the drivers' output.
 * After console_start_sync() (panic, fatal trap) the lock is ignored so that
 * a CPU that died holding it cannot silence the crash report.
 */
#include <xen/console.h>
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/param.h>
#include <xen/spinlock.h>
#include <xen/time.h>
#include <xen/hypercall.h>
#include <xen/sched.h>
#include <asm/guest_access.h>
#include <public/xen.h>

#define CONRING_SIZE 16384 /* power of two */
#define MAX_DRIVERS  4

static char conring[CONRING_SIZE];
static size_t conring_prod; /* bytes ever written; protected by console_lock */
static const struct console_driver *drivers[MAX_DRIVERS];
static unsigned int nr_drivers;
static DEFINE_SPINLOCK(console_lock);
static bool console_sync; /* after a crash: print without the lock */
static bool start_of_line = true;

/* Levels 0 (error) .. 3 (debug); a message is printed when level <= thresh. */
static int xen_thresh = 2;   /* loglvl=info */
static int guest_thresh = 1; /* guest_loglvl=warning */

enum { TS_NONE, TS_BOOT, TS_RAW };
static int opt_timestamps = TS_NONE;

static int level_of(const char *name)
{
    static const char *const names[] = {"error", "warning", "info", "debug"};

    if ( !strcmp(name, "none") )
        return -1;
    if ( !strcmp(name, "all") )
        return 3;
    for ( unsigned int i = 0; i < ARRAY_SIZE(names); i++ )
        if ( !strcmp(name, names[i]) )
            return (int)i;
    return -2;
}

/* "level" or "level/rate-limited-level"; we do not rate limit, so the first wins. */
static int parse_loglvl(const char *s, int *thresh)
{
    char word[16];
    size_t n = 0;
    int lvl;

    while ( s[n] && s[n] != '/' && n < sizeof(word) - 1 )
    {
        word[n] = s[n];
        n++;
    }
    word[n] = '\0';
    lvl = level_of(word);
    if ( lvl < -1 )
        return -EINVAL;
    *thresh = lvl;
    return 0;
}

static int parse_xen_loglvl(const char *s)
{
    return parse_loglvl(s, &xen_thresh);
}
custom_param("loglvl", parse_xen_loglvl);

static int parse_guest_loglvl(const char *s)
{
    return parse_loglvl(s, &guest_thresh);
}
custom_param("guest_loglvl", parse_guest_loglvl);

static int parse_timestamps(const char *s)
{
    if ( !strcmp(s, "none") || !strcmp(s, "no") || !strcmp(s, "0") )
        opt_timestamps = TS_NONE;
    else if ( !strcmp(s, "raw") )
        opt_timestamps = TS_RAW;
    else if ( !*s || !strcmp(s, "boot") || !strcmp(s, "date") || !strcmp(s, "datems") ||
              !strcmp(s, "yes") || !strcmp(s, "1") )
        opt_timestamps = TS_BOOT; /* no wall clock in the hypervisor yet: date = boot */
    else
        return -EINVAL;
    return 0;
}
custom_param("console_timestamps", parse_timestamps);

/* "console=com1[,vga,...]": only the serial console exists here. */
static char opt_console[32] = "com1";
string_param("console", opt_console);

void console_register(const struct console_driver *drv)
{
    if ( nr_drivers < MAX_DRIVERS )
        drivers[nr_drivers++] = drv;
}

static void emit(char c)
{
    conring[conring_prod++ & (CONRING_SIZE - 1)] = c;
    for ( unsigned int i = 0; i < nr_drivers; i++ )
    {
        if ( c == '\n' )
            drivers[i]->putc('\r');
        drivers[i]->putc(c);
    }
}

static void emit_str(const char *s)
{
    while ( *s )
        emit(*s++);
}

static void emit_line_prefix(void)
{
    char ts[32];

    emit_str("(XEN) ");
    if ( opt_timestamps == TS_NONE )
        return;
    s_time_t now = get_s_time();
    if ( opt_timestamps == TS_RAW )
        snprintf(ts, sizeof(ts), "[%016lx] ", (unsigned long)now);
    else
        snprintf(ts, sizeof(ts), "[%5lu.%06lu] ", (unsigned long)(now / 1000000000),
                 (unsigned long)(now % 1000000000) / 1000);
    emit_str(ts);
}

static void emit_text(const char *s)
{
    for ( ; *s; s++ )
    {
        if ( start_of_line )
            emit_line_prefix();
        emit(*s);
        start_of_line = *s == '\n';
    }
}

/* Strip a "<N>" or "<GN>" prefix; returns whether to print at all. */
static bool filter_level(const char **msg)
{
    const char *s = *msg;
    bool guest = false;
    int lvl = 2; /* unprefixed messages count as info */

    if ( s[0] == '<' )
    {
        guest = s[1] == 'G';
        const char *d = s + 1 + guest;
        if ( *d >= '0' && *d <= '3' && d[1] == '>' )
        {
            lvl = *d - '0';
            *msg = d + 2;
        }
    }
    return lvl <= (guest ? guest_thresh : xen_thresh);
}

void vprintk(const char *fmt, va_list args)
{
    char buf[512];
    const char *msg = buf;
    unsigned long flags = 0;

    vsnprintf(buf, sizeof(buf), fmt, args);
    if ( !filter_level(&msg) )
        return;
    if ( !console_sync )
        flags = spin_lock_irqsave(&console_lock);
    emit_text(msg);
    if ( !console_sync )
        spin_unlock_irqrestore(&console_lock, flags);
}

void printk(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
}

void console_start_sync(void)
{
    console_sync = true;
    xen_thresh = 3;
}

size_t console_ring_size(void)
{
    return CONRING_SIZE;
}

size_t console_ring_read(char *buf, size_t len, size_t *pos)
{
    unsigned long flags = spin_lock_irqsave(&console_lock);
    size_t oldest = conring_prod > CONRING_SIZE ? conring_prod - CONRING_SIZE : 0;
    size_t n = 0;

    if ( *pos < oldest )
        *pos = oldest;
    while ( n < len && *pos < conring_prod )
        buf[n++] = conring[(*pos)++ & (CONRING_SIZE - 1)];
    spin_unlock_irqrestore(&console_lock, flags);
    return n;
}

void console_init_preirq(void)
{
    if ( strncmp(opt_console, "com1", 4) && strncmp(opt_console, "com", 3) )
        printk(XENLOG_WARNING "console=%s: only the serial console is supported\n", opt_console);
}

void console_poll_input(void)
{
    for ( unsigned int i = 0; i < nr_drivers; i++ )
    {
        int c;

        if ( !drivers[i]->getc )
            continue;
        while ( (c = drivers[i]->getc()) >= 0 )
            console_handle_input((char)c);
    }
}

/*
 * Guest output (console_io write). dom0's text goes out as it is, since it
 * may be interactive; other domains' lines get a "(dN) " prefix.
 */
static void guest_console_write(const struct domain *d, const char *buf, size_t len)
{
    unsigned long flags = spin_lock_irqsave(&console_lock);
    static bool guest_line_start = true;
    char prefix[16];

    for ( size_t i = 0; i < len; i++ )
    {
        if ( !d->is_privileged && guest_line_start )
        {
            snprintf(prefix, sizeof(prefix), "(d%u) ", d->domain_id);
            emit_str(prefix);
        }
        emit(buf[i]);
        guest_line_start = buf[i] == '\n';
    }
    start_of_line = guest_line_start;
    spin_unlock_irqrestore(&console_lock, flags);
}

/* Bytes copied and written at a time, as by Xen: a write that faults leaves the same output. */
#define CONSOLE_CHUNK 127

/*
 * CONSOLEIO_write: 0 once all count bytes are written, or -EFAULT at the
 * first chunk that cannot be read (the chunks before it are out). A long
 * write stops between chunks when this CPU has other work (softirqs, an
 * event to deliver) and continues itself with the rest: the guest re-issues
 * the hypercall with the remaining count and the advanced pointer, as on Xen.
 * Every call writes at least one chunk, so it always progresses. As a
 * multicall entry it cannot continue and writes everything at once (multicall
 * batches are not preempted, see common/multicall.c).
 */
static long console_write(unsigned int count, unsigned long buffer)
{
    char chunk[CONSOLE_CHUNK];
    bool wrote = false;

    while ( count )
    {
        unsigned int n = min(count, (unsigned int)sizeof(chunk));

        if ( wrote && hypercall_preempt_check() && hypercall_can_continue(__HYPERVISOR_console_io) )
            return hypercall_create_continuation(__HYPERVISOR_console_io, CONSOLEIO_write, count,
                                                 buffer);
        if ( copy_from_guest_va(chunk, buffer, n) )
            return -EFAULT;
        guest_console_write(current->domain, chunk, n);
        wrote = true;
        buffer += n;
        count -= n;
    }
    return 0;
}

/* cmd and count are 32-bit in the ABI (unsigned int on Xen): the upper halves are ignored. */
long do_console_io(unsigned long cmd, unsigned long count, unsigned long buffer)
{
    switch ( (unsigned int)cmd )
    {
    case CONSOLEIO_write: return console_write((unsigned int)count, buffer);
    case CONSOLEIO_read:
        if ( !current->domain->is_privileged )
            return -EPERM;
        return console_read_input(buffer, count);
    default: return -ENOSYS;
    }
}
