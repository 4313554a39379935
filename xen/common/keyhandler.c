/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Serial input: debug keys, and the Ctrl-A switch between the hypervisor and
 * dom0. Handlers register themselves with register_keyhandler() and run in the
 * context that polled the input (the console poll timer), with interrupts on.
 */
#include <xen/console.h>
#include <xen/lib.h>

#define SWITCH_CODE 0x01 /* Ctrl-A */

extern const struct keyhandler __keyhandler_start[], __keyhandler_end[];

static bool input_to_dom0;
static unsigned int switch_count;

bool console_input_is_dom0(void);
bool console_input_is_dom0(void)
{
    return input_to_dom0;
}

static void show_help(char key)
{
    printk("'%c' pressed -> showing installed handlers\n", key);
    for ( const struct keyhandler *k = __keyhandler_start; k < __keyhandler_end; k++ )
        printk(" key '%c' (ascii '%02x') => %s\n", k->key, k->key, k->desc);
}
register_keyhandler('h', show_help, "show this message");

static void dispatch_key(char c)
{
    for ( const struct keyhandler *k = __keyhandler_start; k < __keyhandler_end; k++ )
        if ( k->key == c )
        {
            k->fn(c);
            return;
        }
}

void console_handle_input(char c)
{
    if ( c == SWITCH_CODE )
    {
        if ( ++switch_count == 3 )
        {
            switch_count = 0;
            input_to_dom0 = !input_to_dom0;
            printk("*** Serial input to %s (type 'CTRL-a' three times to switch input)\n",
                   input_to_dom0 ? "DOM0" : "Xen");
        }
        return;
    }
    switch_count = 0;
    if ( !input_to_dom0 )
        dispatch_key(c);
    /* Input for dom0 is queued by the console_io hypercall code (not yet). */
}
