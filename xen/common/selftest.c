/* SPDX-License-Identifier: GPL-2.0-only */
/* Failure text for boot self-checks (see xen/selftest.h). */
#include <xen/lib.h>
#include <xen/selftest.h>

static char detail[192];

const char *selftest_failf(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    return detail;
}
