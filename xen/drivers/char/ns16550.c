/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * 16550 UART on COM1, polled. "com1=<baud>[/<clock>][,<data><parity><stop>[,<io-base>]]"
 * as on Xen; "auto" baud keeps what firmware programmed.
 */
#include <xen/console.h>
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/param.h>
#include <asm/processor.h>

#define UART_RBR 0
#define UART_THR 0
#define UART_DLL 0
#define UART_IER 1
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_DR   0x01
#define LSR_THRE 0x20
#define LCR_DLAB 0x80

struct uart_config
{
    u16 io_base;
    unsigned int baud; /* 0: keep firmware's */
    u8 lcr;            /* data bits, parity, stop bits */
};

static struct uart_config com1 = {0x3f8, 115200, 0x03};

static int parse_lcr(const char *s, u8 *lcr)
{
    u8 v;

    if ( s[0] < '5' || s[0] > '8' )
        return -EINVAL;
    v = s[0] - '5';
    switch ( s[1] )
    {
    case 'n': break;
    case 'o': v |= 0x08; break;
    case 'e': v |= 0x18; break;
    case 'm': v |= 0x28; break;
    case 's': v |= 0x38; break;
    default: return -EINVAL;
    }
    if ( s[2] == '2' )
        v |= 0x04;
    else if ( s[2] != '1' )
        return -EINVAL;
    *lcr = v;
    return 0;
}

static int parse_com1(const char *s)
{
    struct uart_config c = com1;
    const char *p = s;

    if ( !strncmp(p, "auto", 4) )
        c.baud = 0, p += 4;
    else
        c.baud = simple_strtoul(p, &p, 10);
    if ( *p == '/' ) /* clock: all our UARTs run at 1.8432 MHz */
        simple_strtoul(p + 1, &p, 0);
    if ( *p == ',' && p[1] != ',' && p[1] )
    {
        if ( parse_lcr(p + 1, &c.lcr) )
            return -EINVAL;
        p += 4;
    }
    if ( *p == ',' && p[1] == ',' )
        p++;
    if ( *p == ',' )
        c.io_base = (u16)simple_strtoul(p + 1, &p, 0);
    if ( c.baud && 115200 % c.baud )
        return -EINVAL;
    com1 = c;
    return 0;
}
custom_param("com1", parse_com1);

static void ns16550_putc(char c)
{
    while ( !(inb(com1.io_base + UART_LSR) & LSR_THRE) )
        cpu_relax();
    outb((u8)c, com1.io_base + UART_THR);
}

static int ns16550_getc(void)
{
    if ( !(inb(com1.io_base + UART_LSR) & LSR_DR) )
        return -1;
    return inb(com1.io_base + UART_RBR);
}

static const struct console_driver ns16550_driver = {
    .name = "com1",
    .putc = ns16550_putc,
    .getc = ns16550_getc,
};

void ns16550_init(void)
{
    u16 b = com1.io_base;

    outb(0, b + UART_IER);
    if ( com1.baud )
    {
        unsigned int div = 115200 / com1.baud;
        outb(LCR_DLAB, b + UART_LCR);
        outb(div & 0xff, b + UART_DLL);
        outb(div >> 8, b + UART_DLM);
    }
    outb(com1.lcr, b + UART_LCR);
    outb(0xc7, b + UART_FCR); /* enable and clear FIFOs */
    outb(0x0b, b + UART_MCR); /* DTR, RTS, OUT2 */
    console_register(&ns16550_driver);
}
