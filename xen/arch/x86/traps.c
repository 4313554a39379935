/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Descriptor tables and exception handling.
 *
 * Every CPU has its own GDT page, holding only the hypervisor's reserved
 * descriptors at Xen's selector values (0xe008 and up), and its own TSS with
 * three IST stacks (#DF, NMI, #MC) carved from the bottom of its stack block.
 * The GDTR base points FIRST_RESERVED_GDT_BYTE below that page, as on Xen, so
 * the selectors have their ABI values without a 64 KiB table; the low part is
 * where a PV guest's own GDT frames will be mapped.
 *
 * The IDT is shared. Exceptions raised by the hypervisor itself are fatal
 * unless the faulting instruction has an exception-table fix-up: the CPU prints
 * a register dump and a symbolised stack trace and the machine reboots (or
 * halts with "noreboot").
 */
#include <xen/console.h>
#include <xen/lib.h>
#include <xen/param.h>
#include <xen/sched.h>
#include <xen/shutdown.h>
#include <xen/version.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/pv.h>
#include <asm/traps.h>

struct __packed tss64
{
    u32 rsvd0;
    u64 rsp[3];
    u64 rsvd1;
    u64 ist[7];
    u64 rsvd2;
    u16 rsvd3;
    u16 iomap_base;
};

struct __packed desc_ptr
{
    u16 limit;
    unsigned long base;
};

struct gate
{
    u64 lo, hi;
};

struct cpu_tables
{
    u64 gdt[512] __aligned(4096); /* entries 0xe000.. of this CPU's GDT */
    struct tss64 tss __aligned(64);
};

static struct gate idt_table[256] __aligned(16);
static irq_handler_t irq_handlers[256];
DEFINE_PER_CPU(struct cpu_tables, cpu_tables);
extern const char entry_stubs[], _stext[], _etext[], syscall_entry[], cstar_entry[];
extern const struct exception_table_entry __ex_table_start[], __ex_table_end[];

static const char *const exc_names[32] = {
    "divide error",
    "debug",
    "nmi",
    "int3",
    "overflow",
    "bounds",
    "invalid opcode",
    "device not available",
    "double fault",
    "coprocessor segment",
    "invalid TSS",
    "segment not found",
    "stack error",
    "general protection fault",
    "page fault",
    "reserved",
    "fpu error",
    "alignment check",
    "machine check",
    "simd error",
    "virtualisation exception",
    "control protection",
};

#define GDT_IDX(sel) (((sel)-FIRST_RESERVED_GDT_BYTE) >> 3)

static void set_gate(unsigned int vec, const void *fn, unsigned int ist, unsigned int dpl)
{
    unsigned long a = (unsigned long)fn;

    idt_table[vec].lo = (a & 0xffff) | ((u64)__HYPERVISOR_CS << 16) | ((u64)ist << 32) |
                        ((0x8eULL | (dpl << 5)) << 40) | ((a >> 16 & 0xffff) << 48);
    idt_table[vec].hi = a >> 32;
}

void set_irq_handler(unsigned int vector, irq_handler_t fn)
{
    ASSERT(vector >= FIRST_IRQ_VECTOR && vector < 256);
    irq_handlers[vector] = fn;
}

void trap_init(void)
{
    for ( unsigned int v = 0; v < 256; v++ )
        set_gate(v, entry_stubs + v * 16, 0, 0);
    set_gate(X86_EXC_DF, entry_stubs + X86_EXC_DF * 16, IST_DF, 0);
    set_gate(X86_EXC_NMI, entry_stubs + X86_EXC_NMI * 16, IST_NMI, 0);
    set_gate(X86_EXC_MC, entry_stubs + X86_EXC_MC * 16, IST_MC, 0);
    /* int3 and into from a guest (ring 3) are traps of their own, not #GP. */
    set_gate(X86_EXC_BP, entry_stubs + X86_EXC_BP * 16, 0, 3);
    set_gate(X86_EXC_OF, entry_stubs + X86_EXC_OF * 16, 0, 3);
}

static void fill_gdt(u64 *gdt, const struct tss64 *tss)
{
    unsigned long t = (unsigned long)tss;

    gdt[GDT_IDX(__HYPERVISOR_CS)] = 0x00af9a000000ffffULL;     /* ring 0, 64-bit */
    gdt[GDT_IDX(__HYPERVISOR_DS)] = 0x00cf92000000ffffULL;     /* ring 0 data */
    gdt[GDT_IDX(FLAT_RING3_CS32_SEL)] = 0x00cffa000000ffffULL; /* ring 3, 32-bit */
    gdt[GDT_IDX(FLAT_RING3_DS32_SEL)] = 0x00cff2000000ffffULL; /* ring 3 data */
    gdt[GDT_IDX(FLAT_RING3_CS64_SEL)] = 0x00affa000000ffffULL; /* ring 3, 64-bit */
    gdt[GDT_IDX(__HYPERVISOR_CS32)] = 0x00cf9a000000ffffULL;   /* ring 0, 32-bit */
    gdt[GDT_IDX(TSS_SELECTOR)] = (sizeof(struct tss64) - 1) | ((t & 0xffffff) << 16) |
                                 (0x89ULL << 40) | ((t >> 24 & 0xff) << 56);
    gdt[GDT_IDX(TSS_SELECTOR) + 1] = t >> 32;
}

/*
 * SYSCALL from ring 3 enters at syscall_entry with interrupts off; the shadow
 * GS base points at this CPU's cpu_info for the stack switch (see entry.S).
 * SYSRET's selector base makes CS 0xe033 and SS 0xe02b, the flat ring-3
 * selectors of the Xen ABI.
 */
static void syscall_init(struct cpu_info *ci)
{
    ci->frame_top = guest_frame_top(ci);
    wrmsr(MSR_STAR, ((u64)FLAT_RING3_CS32_SEL << 48) | ((u64)__HYPERVISOR_CS << 32));
    wrmsr(MSR_LSTAR, (unsigned long)syscall_entry);
    wrmsr(MSR_CSTAR, (unsigned long)cstar_entry);
    wrmsr(MSR_SYSCALL_MASK, X86_EFLAGS_IF | X86_EFLAGS_TF | X86_EFLAGS_DF | X86_EFLAGS_NT |
                                X86_EFLAGS_AC | X86_EFLAGS_IOPL);
    wrmsr(MSR_SHADOW_GS_BASE, (unsigned long)ci);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
    /* Guests use SSE: FXSAVE/FXRSTOR and SIMD exceptions must be enabled. */
    write_cr4(read_cr4() | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
}

/* This CPU's page of hypervisor descriptors (selectors 0xe000 and up). */
void *this_cpu_hypervisor_gdt(void)
{
    return this_cpu(cpu_tables).gdt;
}

/* Load this CPU's GDT, TSS and the IDT; stack_base is its STACK_SIZE block. */
void cpu_init_tables(unsigned int cpu, void *stack_base)
{
    struct cpu_tables *t = &per_cpu(cpu_tables, cpu);
    struct desc_ptr gdtr = {
        FIRST_RESERVED_GDT_BYTE + NR_RESERVED_GDT_BYTES - 1,
        (unsigned long)t->gdt - FIRST_RESERVED_GDT_BYTE,
    };
    struct desc_ptr idtr = {sizeof(idt_table) - 1, (unsigned long)idt_table};
    char *base = stack_base;

    BUILD_BUG_ON(sizeof(struct cpu_info) != CPUINFO_SIZE);
    BUILD_BUG_ON(offsetof(struct cpu_info, processor_id) != CPUINFO_processor_id);
    BUILD_BUG_ON(offsetof(struct cpu_info, syscall_scratch) != CPUINFO_syscall_scratch);
    BUILD_BUG_ON(offsetof(struct cpu_info, guest_cpu_user_regs.es) != CPUINFO_frame_top);
    BUILD_BUG_ON(offsetof(struct cpu_info, frame_top) != CPUINFO_frame_top_ptr);
    BUILD_BUG_ON(CPUINFO_frame_top % 16 != (CPUINFO_SIZE % 16));
    memset(t, 0, sizeof(*t));
    t->tss.ist[IST_DF - 1] = (unsigned long)base + 2 * PAGE_SIZE;
    t->tss.ist[IST_NMI - 1] = (unsigned long)base + 3 * PAGE_SIZE;
    t->tss.ist[IST_MC - 1] = (unsigned long)base + 4 * PAGE_SIZE;
    /* A frame from ring 3 lands in cpu_info's guest_cpu_user_regs. */
    t->tss.rsp[0] = (unsigned long)base + STACK_SIZE - CPUINFO_SIZE + CPUINFO_frame_top;
    t->tss.iomap_base = sizeof(struct tss64); /* no I/O bitmap yet: all ports trap */
    fill_gdt(t->gdt, &t->tss);

    __asm__ volatile("lgdt %0" ::"m"(gdtr));
    __asm__ volatile(
        "pushq %[cs]; leaq 1f(%%rip), %%rax; pushq %%rax; lretq; 1:" ::[cs] "i"(__HYPERVISOR_CS)
        : "rax", "memory");
    __asm__ volatile("mov %0, %%ss; mov %1, %%ds; mov %1, %%es; mov %1, %%fs; mov %1, %%gs" ::"r"(
                         __HYPERVISOR_DS),
                     "r"(0));
    __asm__ volatile("ltr %w0" ::"r"(TSS_SELECTOR));
    __asm__ volatile("lidt %0" ::"m"(idtr));
    syscall_init((struct cpu_info *)(base + STACK_SIZE) - 1);
}

static bool search_exception_table(struct cpu_user_regs *regs)
{
    for ( const struct exception_table_entry *e = __ex_table_start; e < __ex_table_end; e++ )
        if ( e->insn == regs->rip )
        {
            regs->rip = e->fixup;
            return true;
        }
    return false;
}

static void print_symbol_line(const char *prefix, unsigned long addr)
{
    printk("%s[<%016lx>] %pS\n", prefix, addr, (void *)addr);
}

/* Walk the frame-pointer chain while it stays inside this CPU's stack block. */
void show_stack_trace(unsigned long rbp, unsigned long rip)
{
    unsigned long lo = (unsigned long)get_cpu_info() + CPUINFO_SIZE - STACK_SIZE;
    unsigned long hi = lo + STACK_SIZE;

    printk("Xen call trace:\n");
    print_symbol_line("   ", rip);
    for ( unsigned int depth = 0; depth < 32; depth++ )
    {
        if ( rbp < lo || rbp + 16 > hi || (rbp & 7) )
            break;
        unsigned long ret = ((unsigned long *)rbp)[1];
        if ( ret < (unsigned long)_stext || ret >= (unsigned long)_etext )
            break;
        print_symbol_line("   ", ret);
        rbp = ((unsigned long *)rbp)[0];
    }
}

void show_registers(const struct cpu_user_regs *r)
{
    printk("----[ Xen-%d.%d  x86_64  debug=n ]----\n", XEN_MAJOR, XEN_MINOR);
    printk("CPU:    %u\n", smp_processor_id());
    printk("RIP:    %04x:[<%016lx>] %pS\n", r->cs, r->rip, (void *)r->rip);
    printk("RFLAGS: %016lx   CONTEXT: %s\n", r->rflags, (r->cs & 3) ? "guest" : "hypervisor");
    printk("rax: %016lx   rbx: %016lx   rcx: %016lx\n", r->rax, r->rbx, r->rcx);
    printk("rdx: %016lx   rsi: %016lx   rdi: %016lx\n", r->rdx, r->rsi, r->rdi);
    printk("rbp: %016lx   rsp: %016lx   r8:  %016lx\n", r->rbp, r->rsp, r->r8);
    printk("r9:  %016lx   r10: %016lx   r11: %016lx\n", r->r9, r->r10, r->r11);
    printk("r12: %016lx   r13: %016lx   r14: %016lx\n", r->r12, r->r13, r->r14);
    printk("r15: %016lx   cr0: %016lx   cr4: %016lx\n", r->r15, read_cr0(), read_cr4());
    printk("cr3: %016lx   cr2: %016lx\n", read_cr3(), read_cr2());
    printk("ds: %04x   es: %04x   fs: %04x   gs: %04x   ss: %04x   cs: %04x\n", 0, 0, 0, 0, r->ss,
           r->cs);
}

noreturn void fatal_trap(const struct cpu_user_regs *regs, const char *why)
{
    console_start_sync();
    printk("\n");
    show_registers(regs);
    show_stack_trace(regs->rbp, regs->rip);
    printk("\n****************************************\n");
    printk("Panic on CPU %u:\n%s\n", smp_processor_id(), why);
    printk("****************************************\n\n");
    machine_crash();
}

static void do_exception(struct cpu_user_regs *regs)
{
    unsigned int vec = regs->entry_vector;
    char why[96];

    if ( vec == X86_EXC_NMI )
    {
        printk(XENLOG_WARNING "NMI received on CPU %u\n", smp_processor_id());
        return;
    }
    if ( regs->cs & 3 )
    {
        pv_handle_exception(regs);
        return;
    }
    /*
     * A guest's data breakpoint hit by the hypervisor touching guest memory
     * (a hypercall buffer), or a single step the guest's TF left on: a
     * trap, so resuming is safe. Ignored, as on Xen; the guest sees it in
     * its DR6.
     */
    if ( vec == X86_EXC_DB && current )
    {
        pv_record_debug_status(current);
        regs->rflags &= ~X86_EFLAGS_TF;
        return;
    }
    /* Loading a guest's LDT selector for it maps the LDT page, as in guest mode. */
    if ( vec == X86_EXC_PF && pv_ldt_page_fault(regs, read_cr2()) )
        return;
    if ( search_exception_table(regs) )
        return;
    if ( vec == X86_EXC_PF )
        snprintf(why, sizeof(why),
                 "FATAL PAGE FAULT\n[error_code=%04x]\nFaulting linear address: %016lx",
                 regs->error_code, read_cr2());
    else
        snprintf(why, sizeof(why), "FATAL TRAP: vector = %u (%s)\n[error_code=%04x]", vec,
                 exc_names[vec] ? exc_names[vec] : "reserved", regs->error_code);
    fatal_trap(regs, why);
}

void do_entry(struct cpu_user_regs *regs)
{
    unsigned int vec = regs->entry_vector;

    if ( vec < FIRST_IRQ_VECTOR )
    {
        do_exception(regs);
        return;
    }
    if ( irq_handlers[vec] )
        irq_handlers[vec](regs, vec);
    else
        printk(XENLOG_WARNING "CPU%u: spurious interrupt on vector %#x\n", smp_processor_id(), vec);
}
