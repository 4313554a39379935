/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * insn-split: a QEMU TCG plugin that splits executed guest instructions by
 * where they ran, so a benchmark can say how much of a boot span was the
 * hypervisor and how much was dom0 (docs/benchmarks.md, "hypervisor share").
 *
 *   -plugin PATH/insn-split.so,ctl=FIFO,out=FILE
 *
 * Every translated block gets an inline counter (no callback: QEMU adds the
 * block's instruction count to a 64-bit word each time it runs), one
 * counter per distinct block start address. Address ranges, by virtual
 * address, the same for Xen and for ours:
 *   hv      0xffff800000000000 - 0xffff87ffffffffff  (Xen's reserved hole)
 *   kernel  0xffff880000000000 and above              (a PV kernel: Linux's
 *                                                       direct map, text)
 *   low     everything below                          (guest user space,
 *                                                       firmware, boot loader,
 *                                                       code before paging)
 * A thread waits on the FIFO; each line written there ("SNAP name") makes
 * it append to FILE a snapshot of the cumulative totals and of every block
 * counter at or above the hv range start, then "END name". The caller stops
 * the machine (QMP `stop`) before asking, so the counters are still.
 *
 * Single-threaded TCG (as under -icount) runs the inline adds of every vCPU
 * on one thread; the snapshot thread reads while the machine is stopped.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qemu-plugin-api.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define HV_START     0xffff800000000000ULL
#define KERNEL_START 0xffff880000000000ULL

struct block
{
    uint64_t vaddr;
    uint64_t insns; /* instructions run in blocks starting here */
};

/* Open-addressed table of pointers; blocks never move once handed out. */
static struct block **table;
static size_t table_size, table_used;
static char *ctl_path, *out_path;

static size_t slot_of(uint64_t vaddr, size_t size)
{
    return (size_t)((vaddr * 0x9e3779b97f4a7c15ULL) >> 20) & (size - 1);
}

static void table_grow(void)
{
    size_t new_size = table_size ? table_size * 2 : 1 << 16;
    struct block **new_table = calloc(new_size, sizeof(*new_table));

    if ( !new_table )
        abort();
    for ( size_t i = 0; i < table_size; i++ )
    {
        size_t s;

        if ( !table[i] )
            continue;
        for ( s = slot_of(table[i]->vaddr, new_size); new_table[s]; s = (s + 1) & (new_size - 1) )
            ;
        new_table[s] = table[i];
    }
    free(table);
    table = new_table;
    table_size = new_size;
}

static struct block *block_for(uint64_t vaddr)
{
    size_t s;

    if ( 2 * (table_used + 1) > table_size )
        table_grow();
    for ( s = slot_of(vaddr, table_size); table[s]; s = (s + 1) & (table_size - 1) )
        if ( table[s]->vaddr == vaddr )
            return table[s];
    table[s] = calloc(1, sizeof(struct block));
    if ( !table[s] )
        abort();
    table[s]->vaddr = vaddr;
    table_used++;
    return table[s];
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    struct block *b = block_for(qemu_plugin_tb_vaddr(tb));

    (void)id;
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &b->insns,
                                             qemu_plugin_tb_n_insns(tb));
}

static void write_snapshot(FILE *out, const char *name)
{
    uint64_t hv = 0, kernel = 0, low = 0;

    for ( size_t i = 0; i < table_size; i++ )
    {
        const struct block *b = table[i];

        if ( !b )
            continue;
        if ( b->vaddr >= KERNEL_START )
            kernel += b->insns;
        else if ( b->vaddr >= HV_START )
            hv += b->insns;
        else
            low += b->insns;
    }
    fprintf(out, "SNAP %s\nRANGE hv %llu\nRANGE kernel %llu\nRANGE low %llu\n", name,
            (unsigned long long)hv, (unsigned long long)kernel, (unsigned long long)low);
    for ( size_t i = 0; i < table_size; i++ )
        if ( table[i] && table[i]->vaddr >= HV_START && table[i]->insns )
            fprintf(out, "BLOCK %llx %llu\n", (unsigned long long)table[i]->vaddr,
                    (unsigned long long)table[i]->insns);
    fprintf(out, "END %s\n", name);
}

/* The snapshot thread: one request line per writer of the FIFO. */
static void *serve_snapshots(void *unused)
{
    char line[256];

    (void)unused;
    for ( ;; )
    {
        FILE *ctl = fopen(ctl_path, "r");

        if ( !ctl )
        {
            if ( errno == EINTR )
                continue;
            return NULL;
        }
        while ( fgets(line, sizeof(line), ctl) )
        {
            char name[200];
            FILE *out;

            if ( sscanf(line, "SNAP %199s", name) != 1 )
                continue;
            out = fopen(out_path, "a");
            if ( !out )
                continue;
            write_snapshot(out, name);
            fclose(out);
        }
        fclose(ctl);
    }
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                                           char **argv)
{
    pthread_t thread;

    (void)info;
    for ( int i = 0; i < argc; i++ )
    {
        if ( !strncmp(argv[i], "ctl=", 4) )
            ctl_path = argv[i] + 4;
        else if ( !strncmp(argv[i], "out=", 4) )
            out_path = argv[i] + 4;
    }
    if ( !ctl_path || !out_path )
    {
        fprintf(stderr, "insn-split: needs ctl=FIFO,out=FILE\n");
        return -1;
    }
    table_grow();
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    if ( pthread_create(&thread, NULL, serve_snapshots, NULL) )
        return -1;
    pthread_detach(thread);
    return 0;
}
