/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef XEN_TIME_H
#define XEN_TIME_H

#include <xen/types.h>

#define NOW()         get_s_time()
#define MILLISECS(ms) ((s_time_t)(ms)*1000000)
#define MICROSECS(us) ((s_time_t)(us)*1000)
#define SECONDS(s)    ((s_time_t)(s)*1000000000)

extern unsigned long cpu_khz; /* calibrated TSC frequency, 0 before calibration */

/* Nanoseconds since the TSC was calibrated (0 before). */
s_time_t get_s_time(void);

#endif
