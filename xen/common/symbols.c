/* SPDX-License-Identifier: GPL-2.0-only */
/* Lookup in the text symbol table that the build links into .xensyms. */
#include <xen/lib.h>

extern const unsigned long symbols_count;
extern const unsigned long symbols_addr[];
extern const unsigned int symbols_name_off[];
extern const char symbols_names[];
extern const char _stext[], _etext[];

const char *symbol_lookup(unsigned long addr, unsigned long *offset)
{
    unsigned long lo = 0, hi = symbols_count;

    if ( addr < (unsigned long)_stext || addr >= (unsigned long)_etext || !hi )
        return NULL;
    /* Binary search for the last symbol at or below addr. */
    while ( hi - lo > 1 )
    {
        unsigned long mid = (lo + hi) / 2;
        if ( symbols_addr[mid] <= addr )
            lo = mid;
        else
            hi = mid;
    }
    if ( symbols_addr[lo] > addr )
        return NULL;
    *offset = addr - symbols_addr[lo];
    return symbols_names + symbols_name_off[lo];
}
