/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Included first in every file (-include): the hypervisor is one static
 * image, so every symbol is local to it. Saying so lets -fpie code reach
 * functions and data RIP-relatively instead of through a GOT, which a
 * non-PIE link could not relax for addresses outside the low 2 GiB.
 */
#pragma GCC visibility push(hidden)
