/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Probes for instructions that may fault, shared by the guests: each
 * returns 0 when the instruction ran, 1 when it faulted (traps.c resumes at
 * the exception-table fix-up with RAX = 1 and records the fault in
 * last_fault).
 */
#include "runtime.h"

asm(".pushsection .text\n"
    ".globl probe_load_fs\n"
    "probe_load_fs:\n"
    "    xor %eax, %eax\n"
    "1:  mov %di, %fs\n"
    "2:  ret\n"
    "    .pushsection .extable, \"a\"; .quad 1b, 2b; .popsection\n"
    ".globl probe_rdmsr\n"
    "probe_rdmsr:\n"
    "    mov %edi, %ecx\n"
    "    xor %eax, %eax\n"
    "    xor %edx, %edx\n"
    "1:  rdmsr\n"
    "    shl $32, %rdx\n"
    "    or %rdx, %rax\n"
    "    mov %rax, (%rsi)\n"
    "    xor %eax, %eax\n"
    "2:  ret\n"
    "    .pushsection .extable, \"a\"; .quad 1b, 2b; .popsection\n"
    ".popsection");
