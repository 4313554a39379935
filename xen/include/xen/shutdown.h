/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef XEN_SHUTDOWN_H
#define XEN_SHUTDOWN_H

#include <xen/lib.h>

/* Status written to QEMU's isa-debug-exit port (QEMU exits with 2*status+1). */
#define EXIT_STATUS_OK    0
#define EXIT_STATUS_PANIC 1

noreturn void machine_power_off(void);
noreturn void machine_restart(void);
noreturn void machine_halt(void);
/* After a panic or fatal trap: reboot, or halt with "noreboot". */
noreturn void machine_crash(void);
void acpi_set_poweroff(u32 pm1a_cnt, u32 pm1b_cnt, u16 slp_typa, u16 slp_typb);

#endif
