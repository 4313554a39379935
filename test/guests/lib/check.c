/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The verdict protocol. Every check prints one line,
 *     CHECK <name> PASS            or    CHECK <name> FAIL <detail>
 * and the guest ends with exactly one
 *     VERDICT <guest> PASS         or    VERDICT <guest> FAIL <n> of <m>
 * before SCHEDOP_shutdown(poweroff). A guest that traps unexpectedly or
 * panics still prints one VERDICT FAIL line. Harnesses look only for these
 * lines, so they work the same on any hypervisor.
 */
#include "runtime.h"

static unsigned int checks_run, checks_failed;

bool check(const char *name, bool ok, const char *fmt, ...)
{
    char detail[256];
    va_list ap;

    checks_run++;
    if ( ok )
    {
        printk("CHECK %s PASS\n", name);
        return true;
    }
    checks_failed++;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    printk("CHECK %s FAIL %s\n", name, detail);
    return false;
}

bool check_eq(const char *name, long got, long want)
{
    return check(name, got == want, "got %ld want %ld", got, want);
}

bool check_ueq(const char *name, unsigned long got, unsigned long want)
{
    return check(name, got == want, "got 0x%lx want 0x%lx", got, want);
}

/*
 * Optional QEMU isa-debug-exit write (guest option exit_port=0xf4): QEMU
 * exits with status (value << 1) | 1, i.e. 33 for PASS and 35 for FAIL,
 * distinct from the hypervisor's own 1 (power-off) and 3 (crash).
 */
static void debug_exit(bool pass)
{
    unsigned long port = cmdline_ulong("exit_port", 0);
    struct physdev_set_iopl iopl = {.iopl = 1};

    if ( port == 0 )
        return;
    HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl);
    probe_outb(port, pass ? 0x10 : 0x11);
    printk("exit_port 0x%lx: write did not end the machine (trapped: %lu)\n", port,
           last_fault.count);
}

void finish(void)
{
    struct sched_shutdown sd = {.reason = SHUTDOWN_poweroff};
    long rc;

    if ( checks_failed == 0 && checks_run > 0 )
        printk("VERDICT %s PASS\n", guest_name);
    else
        printk("VERDICT %s FAIL %u of %u\n", guest_name, checks_failed, checks_run);
    debug_exit(checks_failed == 0 && checks_run > 0);
    rc = HYPERVISOR_sched_op(SCHEDOP_shutdown, &sd);
    printk("shutdown returned %ld\n", rc);
    for ( ;; )
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

void panic(const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    check("panic", false, "%s", msg);
    finish();
}
