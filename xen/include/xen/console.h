/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef XEN_CONSOLE_H
#define XEN_CONSOLE_H

#include <xen/types.h>

/* A character sink: the serial port, or anything else that shows text. */
struct console_driver
{
    const char *name;
    void (*putc)(char c);
    int (*getc)(void); /* -1 when nothing waits */
};

void console_register(const struct console_driver *drv);
void console_init_preirq(void);
void console_start_sync(void); /* panic paths: drop the lock, print synchronously */
void console_poll_input(void);
void console_handle_input(char c);

/* Copy up to len bytes of the console ring, oldest first, from offset *pos. */
size_t console_ring_read(char *buf, size_t len, size_t *pos);
size_t console_ring_size(void);

/* Keys typed on the serial console while input goes to the hypervisor. */
struct keyhandler
{
    char key;
    void (*fn)(char key);
    const char *desc;
};
#define register_keyhandler(k, f, d)                                                               \
    static const struct keyhandler __used __section(".keyhandler") __aligned(8) __kh_##f = {k, f, d}

void ns16550_init(void);
long console_read_input(unsigned long guest_buffer, unsigned long count);
void console_switch_input_to_dom0(void);

#endif
