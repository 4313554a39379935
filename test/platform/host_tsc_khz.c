/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Print the host's TSC frequency in kHz: TSC ticks against CLOCK_MONOTONIC
 * over 200 ms, five times, median. Under QEMU TCG (without -icount) a
 * guest's RDTSC returns the host's TSC plus an offset, so this is the
 * frequency the hypervisor must find when it calibrates its TSC.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <x86intrin.h>

#define TRIES 5

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

int main(void)
{
    uint64_t khz[TRIES];

    for ( int i = 0; i < TRIES; i++ )
    {
        uint64_t t0 = now_ns(), c0 = __rdtsc(), t1, c1;
        struct timespec d = {0, 200000000};

        nanosleep(&d, NULL);
        t1 = now_ns();
        c1 = __rdtsc();
        khz[i] = (c1 - c0) * 1000000u / (t1 - t0);
    }
    qsort(khz, TRIES, sizeof(khz[0]), cmp);
    printf("%llu\n", (unsigned long long)khz[TRIES / 2]);
    return 0;
}
