/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Boot self-checks ("selftest" on the command line) print one line each:
 * "selftest: <name> PASS ..." or "selftest: <name> FAIL <why>". A check
 * returns NULL when it passed, or the text selftest_failf() formatted.
 * Self-tests run one at a time on the boot CPU, so one buffer serves all.
 */
#ifndef XEN_SELFTEST_H
#define XEN_SELFTEST_H

const char *selftest_failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
