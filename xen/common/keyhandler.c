/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Serial input: debug keys, and the Ctrl-A switch between the hypervisor and
 * dom0. Handlers register themselves with register_keyhandler() and run in the
 * context that polled the input (the console poll timer), with interrupts on.
 */
#include <xen/console.h>
#include <xen/event.h>
#include <xen/lib.h>
#include <xen/spinlock.h>
#include <asm/guest_access.h>

#define SWITCH_CODE 0x01 /* Ctrl-A */

extern const struct keyhandler __keyhandler_start[], __keyhandler_end[];

static bool input_to_dom0;
static unsigned int switch_count;

/* Serial input waiting for dom0's CONSOLEIO_read; protected by input_lock. */
#define INPUT_RING 1024
static char input_ring[INPUT_RING];
static unsigned int input_prod, input_cons;
static DEFINE_SPINLOCK(input_lock);

static void queue_for_dom0(char c)
{
    unsigned long flags = spin_lock_irqsave(&input_lock);

    if ( input_prod - input_cons < INPUT_RING )
        input_ring[input_prod++ % INPUT_RING] = c;
    spin_unlock_irqrestore(&input_lock, flags);
}

/* CONSOLEIO_read: copy up to count queued characters to the guest. */
long console_read_input(unsigned long buffer, unsigned long count)
{
    char chunk[64];
    long done = 0;

    while ( (unsigned long)done < count )
    {
        unsigned long flags = spin_lock_irqsave(&input_lock);
        unsigned int n = 0;

        while ( n < sizeof(chunk) && (unsigned long)done + n < count && input_cons != input_prod )
            chunk[n++] = input_ring[input_cons++ % INPUT_RING];
        spin_unlock_irqrestore(&input_lock, flags);
        if ( !n )
            break;
        if ( copy_to_guest_va(buffer + done, chunk, n) )
            return -EFAULT;
        done += n;
    }
    return done;
}

void console_switch_input_to_dom0(void)
{
    input_to_dom0 = true;
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

/* One typed character, to dom0 or to the debug keys, whichever has the input. */
static void deliver_input(char c)
{
    if ( input_to_dom0 )
    {
        queue_for_dom0(c);
        /* dom0's console driver reads (CONSOLEIO_read) only when told. */
        send_global_virq(VIRQ_CONSOLE);
    }
    else
        dispatch_key(c);
}

/*
 * Three Ctrl-As in a row switch the input; fewer, followed by another
 * character, are passed on before it (as Xen does), so that dom0's programs
 * still get a Ctrl-A typed once.
 */
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
    for ( ; switch_count; switch_count-- )
        deliver_input(SWITCH_CODE);
    deliver_input(c);
}
