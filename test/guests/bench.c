/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench: instructions per operation for the hypervisor paths a PV kernel
 * uses most (docs/benchmarks.md). Run by scripts/bench.sh on our hypervisor
 * and on Xen 4.17 under QEMU -icount shift=0.
 *
 * Timing: under -icount shift=0 QEMU's TSC is the virtual clock in ns,
 * which advances by one per guest instruction (plus jumps over idle time,
 * which these loops never have). calibrate() checks that with a loop of
 * known length and, if the TSC ran at another rate (a hypervisor emulating
 * RDTSC, QEMU without icount), scales every figure to instructions. A
 * figure counts everything the CPU ran between the two RDTSCs: the guest's
 * loop and handlers, the hypervisor, its interrupts.
 *
 * Each operation runs `iters` times (scaled by the guest option
 * bench_scale=N, in percent), checks every result, then prints
 *     BENCH <name> <instructions per op> iters=<n> [detail]
 * or, when the operation failed or is not available,
 *     BENCH <name> n/a <reason>
 * plus one CHECK line per operation, so the verdict says whether all ran.
 *
 * Frames: the last pages of the domain lie outside the initial mapping
 * (as in the mmu guest); pool[] holds them. Each pool frame has its own pfn
 * stamped in its first word, so a read through any mapping of it tells
 * which frame is mapped there.
 */
#include "runtime.h"

const char guest_name[] = "bench";

#define POOL_DATA 1024 /* data frames, mapped read-only */
#define POOL_SIZE (POOL_DATA + 8)
static unsigned long pool_pfn[POOL_SIZE], pool_mfn[POOL_SIZE];
enum {
    POOL_L1 = POOL_DATA, /* the L1 behind the mmu_update region */
    POOL_TREE_L4,        /* the pin/unpin tree */
    POOL_TREE_L3,
    POOL_TREE_L2,
    POOL_TREE_L1,
    POOL_USER_L4, /* user-mode page tables */
};

/* A .bss page whose mapping we retarget to reach pool frames. */
static uint8_t window[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE), section(".bss.pages")));
static uint8_t uvm_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE), section(".bss.pages")));

/* TSC ticks per 1000 instructions; 1000 unless calibrate() found otherwise. */
static uint64_t tsc_permille = 1000;
static unsigned long scale_pct = 100;

#define PTE_TABLE (PTE_P | PTE_RW | PTE_US | PTE_A)

static uint64_t pte(unsigned long mfn, uint64_t flags)
{
    return ((uint64_t)mfn << 12) | flags;
}

static unsigned long iters(unsigned long n)
{
    unsigned long k = n * scale_pct / 100;

    return k ? k : 1;
}

static uint64_t to_ins(uint64_t tsc)
{
    return tsc * 1000 / tsc_permille;
}

static void report(const char *name, uint64_t tsc, unsigned long ops, const char *detail)
{
    char check_name[64];

    printk("BENCH %s %lu iters=%lu%s%s\n", name, to_ins(tsc) / ops, ops, detail ? " " : "",
           detail ? detail : "");
    snprintf(check_name, sizeof(check_name), "bench-%s", name);
    check(check_name, true, " ");
}

/* An operation that failed: no figure, one FAIL check. */
static void report_failure(const char *name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void report_failure(const char *name, const char *fmt, ...)
{
    char why[160], check_name[64];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    printk("BENCH %s n/a %s\n", name, why);
    snprintf(check_name, sizeof(check_name), "bench-%s", name);
    check(check_name, false, "%s", why);
}

static uint64_t spin(unsigned long n)
{
    uint64_t t0 = rdtsc();

    asm volatile("1: dec %0; jnz 1b" : "+r"(n));
    return rdtsc() - t0;
}

/* The spin loop is two instructions per turn; the TSC should agree. */
static void calibrate(void)
{
    const unsigned long turns = 5000000;
    uint64_t tsc = spin(turns);
    uint64_t permille = tsc * 1000 / (2 * turns);

    if ( permille && (permille < 990 || permille > 1010) )
        tsc_permille = permille;
    printk("BENCH-CAL tsc-per-1000-instructions %lu (%s)\n", permille,
           tsc_permille == 1000 ? "1:1, no scaling" : "scaling figures");
}

static long map_at(void *va, unsigned long mfn, uint64_t flags)
{
    return HYPERVISOR_update_va_mapping(va, mfn ? pte(mfn, flags) : 0, UVMF_INVLPG);
}

static long mmuext1(unsigned int cmd, unsigned long mfn)
{
    struct mmuext_op op = {.cmd = cmd, .arg1.mfn = mfn};

    return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

/* Zero pool frame i, stamp its pfn, leave it without a writable mapping. */
static long prepare_frame(unsigned int i)
{
    uint64_t *w = (uint64_t *)window;
    long rc = map_at(window, pool_mfn[i], PTE_KERNEL_RW);

    if ( rc )
        return rc;
    memset(window, 0, PAGE_SIZE);
    w[0] = pool_pfn[i];
    return map_at(window, 0, 0);
}

/* The pool must lie beyond the initial mapping (no L1 entry maps it). */
static bool pool_init(const start_info_t *si)
{
    unsigned int i;
    long rc;

    if ( si->nr_pages < POOL_SIZE * 2 )
        return check("pool", false, "only %lu pages", si->nr_pages);
    for ( i = 0; i < POOL_SIZE; i++ )
    {
        pool_pfn[i] = si->nr_pages - 1 - i;
        pool_mfn[i] = p2m_list[pool_pfn[i]];
    }
    if ( l1e_read(pfn_to_virt(pool_pfn[POOL_SIZE - 1])) & PTE_P )
        return check("pool", false, "pfn 0x%lx is in the initial mapping", pool_pfn[POOL_SIZE - 1]);
    for ( i = 0; i < POOL_SIZE; i++ )
    {
        rc = prepare_frame(i);
        if ( rc )
            return check("pool", false, "preparing frame %u: %ld", i, rc);
    }
    return check("pool", true, " ");
}

/* --- null hypercall --- */
static void bench_null_hypercall(void)
{
    unsigned long n = iters(20000), i, bad = 0;
    long want = HYPERVISOR_xen_version(XENVER_version, NULL);
    uint64_t t0;

    t0 = rdtsc();
    for ( i = 0; i < n; i++ )
        bad += HYPERVISOR_xen_version(XENVER_version, NULL) != want;
    t0 = rdtsc() - t0;
    if ( want <= 0 || bad )
        return report_failure("null-hypercall", "xen_version gave %ld, %lu differed", want, bad);
    report("null-hypercall", t0, n, "(xen_version(XENVER_version))");
}

/* --- mmu_update, 512 entries per batch --- */
#define REGION_L2_SLOT 256 /* 512 MiB above VIRT_BASE: empty in the initial L2 */
#define REGION_VA      (GUEST_VIRT_BASE + ((unsigned long)REGION_L2_SLOT << 21))
static struct mmu_update batch[2][512];

static const uint64_t *table_of(uint64_t entry)
{
    return pfn_to_virt(machine_to_phys[(entry & PTE_MFN_MASK) >> 12]);
}

/* Machine address of the L2 entry for va in the initial tables, or 0. */
static uint64_t l2e_maddr(unsigned long va)
{
    const uint64_t *l4 = (const uint64_t *)start_info->pt_base;
    uint64_t l4e = l4[(va >> 39) & 511], l3e;
    const uint64_t *l3;

    if ( !(l4e & PTE_P) )
        return 0;
    l3 = table_of(l4e);
    l3e = l3[(va >> 30) & 511];
    if ( !(l3e & PTE_P) || (l3e & 0x80) )
        return 0;
    return (l3e & PTE_MFN_MASK) + ((va >> 21) & 511) * 8;
}

static const uint64_t *l2_of(uint64_t l2e_ma)
{
    return pfn_to_virt(machine_to_phys[l2e_ma >> 12]);
}

static long region_hook(uint64_t l2e_ma, bool on)
{
    struct mmu_update u = {.ptr = l2e_ma, .val = on ? pte(pool_mfn[POOL_L1], PTE_TABLE) : 0};

    return HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF);
}

/* Every page of the region shows the data frame set `set` put there. */
static unsigned long region_mismatches(unsigned int set)
{
    unsigned long bad = 0, i;

    mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0);
    for ( i = 0; i < 512; i++ )
        bad += *(volatile uint64_t *)(REGION_VA + i * PAGE_SIZE) != pool_pfn[i + 512 * set];
    return bad;
}

static void fill_batches(void)
{
    uint64_t l1_ma = (uint64_t)pool_mfn[POOL_L1] << 12;
    unsigned int s, i;

    for ( s = 0; s < 2; s++ )
        for ( i = 0; i < 512; i++ )
        {
            batch[s][i].ptr = (l1_ma + i * 8) | MMU_NORMAL_PT_UPDATE;
            batch[s][i].val = pte(pool_mfn[i + 512 * s], PTE_KERNEL_RO);
        }
}

static void bench_mmu_update(void)
{
    unsigned long n = iters(200) | 1, i, bad = 0, wrong;
    uint64_t l2e_ma = l2e_maddr(REGION_VA), t0;
    unsigned int done = 0;
    long rc;

    if ( !l2e_ma || (l2_of(l2e_ma)[REGION_L2_SLOT] & PTE_P) )
        return report_failure("mmu-update-512", "no free L2 slot at 0x%lx", REGION_VA);
    rc = region_hook(l2e_ma, true);
    if ( rc )
        return report_failure("mmu-update-512", "hooking the L1 into the L2: %ld", rc);
    fill_batches();
    /* Warm-up: the first batch fills empty entries; the timed ones replace. */
    HYPERVISOR_mmu_update(batch[1], 512, NULL, DOMID_SELF);
    t0 = rdtsc();
    for ( i = 0; i < n; i++ )
    {
        rc = HYPERVISOR_mmu_update(batch[i & 1], 512, &done, DOMID_SELF);
        bad += rc != 0 || done != 512;
    }
    t0 = rdtsc() - t0;
    wrong = region_mismatches((n - 1) & 1);
    for ( i = 0; i < 512; i++ )
        batch[0][i].val = 0;
    HYPERVISOR_mmu_update(batch[0], 512, NULL, DOMID_SELF);
    region_hook(l2e_ma, false);
    if ( bad || wrong )
        return report_failure("mmu-update-512",
                              "%lu batches failed (last rc %ld done %u), "
                              "%lu pages show the wrong frame",
                              bad, rc, done, wrong);
    report("mmu-update-512", t0, n, "(per batch of 512 L1 entries, each replacing a RO mapping)");
}

/* --- update_va_mapping with UVMF_INVLPG --- */
static void bench_update_va_mapping(void)
{
    unsigned long n = iters(5000), i, bad = 0;
    uint64_t saved = l1e_read(uvm_page), t0;
    long rc = 0;

    t0 = rdtsc();
    for ( i = 0; i < n; i++ )
    {
        rc = HYPERVISOR_update_va_mapping(uvm_page, pte(pool_mfn[i & 1], PTE_KERNEL_RO),
                                          UVMF_INVLPG);
        bad += rc != 0 || *(volatile uint64_t *)uvm_page != pool_pfn[i & 1];
    }
    t0 = rdtsc() - t0;
    HYPERVISOR_update_va_mapping(uvm_page, saved, UVMF_INVLPG);
    if ( bad )
        return report_failure("update-va-mapping", "%lu of %lu failed (last rc %ld)", bad, n, rc);
    report("update-va-mapping", t0, n, "(UVMF_INVLPG, RO data frame, read back)");
}

/* --- pin/unpin of an L4 -> L3 -> L2 -> L1 tree --- */
#define TREE_L1_ENTRIES 64

/* Write entries into a prepared (zeroed, stamped) pool frame. */
static long fill_table(unsigned int frame, unsigned int first, unsigned int count,
                       const uint64_t *entries)
{
    uint64_t *w = (uint64_t *)window;
    unsigned int i;
    long rc = map_at(window, pool_mfn[frame], PTE_KERNEL_RW);

    if ( rc )
        return rc;
    memset(window, 0, PAGE_SIZE);
    for ( i = 0; i < count; i++ )
        w[first + i] = entries[i];
    return map_at(window, 0, 0);
}

static long build_tree(void)
{
    uint64_t e[TREE_L1_ENTRIES];
    unsigned int i;
    long rc;

    for ( i = 0; i < TREE_L1_ENTRIES; i++ )
        e[i] = pte(pool_mfn[i], PTE_KERNEL_RO);
    rc = fill_table(POOL_TREE_L1, 0, TREE_L1_ENTRIES, e);
    e[0] = pte(pool_mfn[POOL_TREE_L1], PTE_TABLE);
    rc = rc ?: fill_table(POOL_TREE_L2, 0, 1, e);
    e[0] = pte(pool_mfn[POOL_TREE_L2], PTE_TABLE);
    rc = rc ?: fill_table(POOL_TREE_L3, 0, 1, e);
    e[0] = pte(pool_mfn[POOL_TREE_L3], PTE_TABLE);
    return rc ?: fill_table(POOL_TREE_L4, 0, 1, e);
}

static void bench_pin_unpin(void)
{
    unsigned long n = iters(1000), i, bad = 0;
    unsigned long l4 = pool_mfn[POOL_TREE_L4];
    long rc = build_tree(), pin = 0, unpin = 0;
    uint64_t t0;

    if ( rc )
        return report_failure("pin-unpin-l4", "building the tree: %ld", rc);
    t0 = rdtsc();
    for ( i = 0; i < n; i++ )
    {
        pin = mmuext1(MMUEXT_PIN_L4_TABLE, l4);
        unpin = mmuext1(MMUEXT_UNPIN_TABLE, l4);
        bad += pin != 0 || unpin != 0;
    }
    t0 = rdtsc() - t0;
    /* Unpinned for good: the frame can be mapped writable again. */
    rc = map_at(window, l4, PTE_KERNEL_RW);
    map_at(window, 0, 0);
    if ( bad || rc )
        return report_failure("pin-unpin-l4",
                              "%lu failed (last pin %ld unpin %ld), "
                              "writable mapping after unpin %ld",
                              bad, pin, unpin, rc);
    report("pin-unpin-l4", t0, n, "(pin + unpin; L4/L3/L2 one entry each, L1 64 RO entries)");
}

/* --- event send to self --- */
static void bench_event_send(void)
{
    unsigned long n = iters(5000), i, bad = 0, seen;
    struct evtchn_bind_ipi ipi = {.vcpu = 0};
    struct evtchn_send send;
    struct evtchn_close close;
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &ipi);
    uint64_t t0;

    if ( rc || ipi.port >= NR_TEST_PORTS )
        return report_failure("event-send-self", "bind_ipi: %ld port %u", rc, ipi.port);
    send.port = ipi.port;
    seen = event_count[ipi.port];
    events_enable();
    t0 = rdtsc();
    for ( i = 0; i < n; i++ )
        bad += HYPERVISOR_event_channel_op(EVTCHNOP_send, &send) != 0;
    t0 = rdtsc() - t0;
    events_disable();
    seen = event_count[ipi.port] - seen;
    close.port = ipi.port;
    HYPERVISOR_event_channel_op(EVTCHNOP_close, &close);
    if ( bad || seen != n )
        return report_failure("event-send-self", "%lu sends failed, %lu of %lu delivered", bad,
                              seen, n);
    report("event-send-self", t0, n, "(IPI port: send + upcall + handler + iret)");
}

/* --- exception bounce --- */
static void bench_exception(void)
{
    unsigned long n = iters(5000), i, bad = 0;
    uint64_t before = last_fault.count, t0;

    t0 = rdtsc();
    for ( i = 0; i < n; i++ )
        bad += probe_int3() != 1;
    t0 = rdtsc() - t0;
    if ( bad || last_fault.count - before != n || last_fault.vector != 3 )
        return report_failure("exception-bounce", "%lu int3 not caught, %lu recorded, vector %lu",
                              bad, last_fault.count - before, last_fault.vector);
    report("exception-bounce", t0, n, "(int3 -> handler -> iret hypercall)");
}

/* --- user -> kernel syscall round trip --- */

/*
 * bench_user_run(n, user_rsp) enters guest user mode through the iret
 * hypercall (CS with RPL 3) at bench_user_loop, which issues n syscalls.
 * Xen bounces each to bench_syscall_entry on the kernel stack set by
 * stack_switch; it answers ~RAX and returns with iret + VGCF_in_syscall, as
 * Linux does. The user loop counts wrong answers in RBX; a final syscall
 * with RAX = USER_EXIT is not returned from: the entry restores the kernel
 * stack saved by bench_user_run and returns RBX from there.
 */
#define STR_(x)   #x
#define STR(x)    STR_(x)
#define USER_EXIT 0x8000000000000e1d /* no suffix: also used in asm */
unsigned long bench_kernel_rsp, bench_syscalls;
long bench_user_run(unsigned long n, void *user_rsp);
void bench_syscall_entry(void);
asm(".text\n"
    ".globl bench_user_run\n"
    "bench_user_run:\n"
    "    push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
    "    mov %rsp, bench_kernel_rsp(%rip)\n"
    "    pushq $" STR(
        FLAT_USER_SS) "\n"
                      "    push %rsi\n"
                      "    pushq $2\n" /* RFLAGS: IF clear, events stay masked */
                      "    pushq $" STR(
                          FLAT_USER_CS) "\n"
                                        "    lea bench_user_loop(%rip), %rax; push %rax\n"
                                        "    pushq $0; pushq $0; pushq $0; pushq $0\n" /* flags, rcx, r11, rax */
                                        "    mov $" STR(
                                            __HYPERVISOR_iret) ", %eax\n"
                                                               "    syscall\n"
                                                               "    ud2\n"
                                                               "bench_user_loop:\n" /* user mode; rdi = n */
                                                               "    xor %ebx, %ebx\n"
                                                               "1:  mov %rdi, %rax\n"
                                                               "    syscall\n"
                                                               "    not %rax\n"
                                                               "    cmp %rdi, %rax\n"
                                                               "    je 2f\n"
                                                               "    inc %rbx\n"
                                                               "2:  dec %rdi\n"
                                                               "    jnz 1b\n"
                                                               "    movabs $" STR(
                                                                   USER_EXIT) ", %rax\n"
                                                                              "    syscall\n"
                                                                              "    ud2\n"
                                                                              ".globl "
                                                                              "bench_syscall_"
                                                                              "entry\n"
                                                                              "bench_syscall_entry:"
                                                                              "\n" /* kernel mode: rcx, r11, rip, cs, rflags, rsp, ss */
                                                                              "    pop %rcx; pop "
                                                                              "%r11\n"
                                                                              "    movabs $" STR(
                                                                                  USER_EXIT) ", "
                                                                                             "%rdx"
                                                                                             "\n"
                                                                                             "    "
                                                                                             "cmp "
                                                                                             "%rdx,"
                                                                                             " %"
                                                                                             "rax\n"
                                                                                             "    "
                                                                                             "je "
                                                                                             "3f\n"
                                                                                             "    "
                                                                                             "not "
                                                                                             "%rax"
                                                                                             "\n"
                                                                                             "    "
                                                                                             "incq "
                                                                                             "bench"
                                                                                             "_sysc"
                                                                                             "alls("
                                                                                             "%rip)"
                                                                                             "\n"
                                                                                             "    "
                                                                                             "pushq"
                                                                                             " "
                                                                                             "$" STR(
                                                                                                 VGCF_in_syscall) "\n"
                                                                                                                  "    push %rcx; push %r11; push %rax\n"
                                                                                                                  "    mov $" STR(
                                                                                                                      __HYPERVISOR_iret) ", %eax\n"
                                                                                                                                         "    syscall\n"
                                                                                                                                         "    ud2\n"
                                                                                                                                         "3:  mov bench_kernel_rsp(%rip), %rsp\n"
                                                                                                                                         "    mov %rbx, %rax\n"
                                                                                                                                         "    pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
                                                                                                                                         "    ret\n");

static uint8_t kernel_stack[2 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t user_stack[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

/* The user L4 shares the kernel's top L3, so user mode sees the image. */
static long user_mode_setup(void)
{
    const uint64_t *l4 = (const uint64_t *)start_info->pt_base;
    struct callback_register cb = {.type = CALLBACKTYPE_syscall,
                                   .address = (unsigned long)bench_syscall_entry};
    uint64_t top = l4[511];
    unsigned long ul4 = pool_mfn[POOL_USER_L4];
    long rc;

    rc = fill_table(POOL_USER_L4, 511, 1, &top);
    rc = rc ?: mmuext1(MMUEXT_PIN_L4_TABLE, ul4);
    rc = rc ?: mmuext1(MMUEXT_NEW_USER_BASEPTR, ul4);
    rc = rc ?: HYPERVISOR_callback_op(CALLBACKOP_register, &cb);
    return rc
               ?: HYPERVISOR_stack_switch(FLAT_KERNEL_SS,
                                          (unsigned long)kernel_stack + sizeof(kernel_stack));
}

static void bench_syscall(void)
{
    unsigned long n = iters(5000), calls = bench_syscalls;
    long rc = user_mode_setup(), wrong;
    uint64_t t0;

    if ( rc )
        return report_failure("syscall-roundtrip", "user page tables/callback: %ld", rc);
    t0 = rdtsc();
    wrong = bench_user_run(n, user_stack + sizeof(user_stack));
    t0 = rdtsc() - t0;
    calls = bench_syscalls - calls;
    mmuext1(MMUEXT_NEW_USER_BASEPTR, 0);
    mmuext1(MMUEXT_UNPIN_TABLE, pool_mfn[POOL_USER_L4]);
    if ( wrong || calls != n )
        return report_failure("syscall-roundtrip", "%ld wrong answers, %lu of %lu syscalls seen",
                              wrong, calls, n);
    report("syscall-roundtrip", t0, n, "(user syscall -> kernel callback -> iret to user)");
}

/* --- vCPU context switch: two vCPUs on one pCPU, SCHEDOP_yield --- */
static struct vcpu_guest_context vcpu1_ctxt;
static uint8_t vcpu1_stack[2 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
/* turn: whose move it is (0 or 1); written by both vCPUs. */
static unsigned int turn;
static unsigned long vcpu1_moves;

static void __attribute__((noreturn)) vcpu1_main(void)
{
    for ( ;; )
    {
        if ( __atomic_load_n(&turn, __ATOMIC_ACQUIRE) == 1 )
        {
            vcpu1_moves++;
            __atomic_store_n(&turn, 0, __ATOMIC_RELEASE);
        }
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
}

static long vcpu1_start(void)
{
    struct vcpu_guest_context *c = &vcpu1_ctxt;
    unsigned long sp = (unsigned long)vcpu1_stack + sizeof(vcpu1_stack) - 8;

    memset(c, 0, sizeof(*c));
    c->flags = VGCF_in_kernel;
    c->user_regs.rip = (unsigned long)vcpu1_main;
    c->user_regs.rsp = sp;
    c->user_regs.cs = FLAT_KERNEL_CS;
    c->user_regs.ss = FLAT_KERNEL_SS;
    c->user_regs.rflags = 2;
    c->kernel_ss = FLAT_KERNEL_SS;
    c->kernel_sp = sp;
    c->ctrlreg[3] = (unsigned long)virt_to_mfn((void *)start_info->pt_base) << 12;
    shared_info->vcpu_info[1].evtchn_upcall_mask = 1;
    return HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, c) ?: HYPERVISOR_vcpu_op(VCPUOP_up, 1, NULL);
}

static void bench_vcpu_switch(void)
{
    unsigned long n = iters(2000), i, yields = 0;
    long rc = vcpu1_start();
    uint64_t t0;

    if ( rc == -XEN_ENOENT )
    {
        /* Not a failure: the domain was given one vCPU (test-xen does). */
        printk("BENCH vcpu-switch n/a no vCPU 1 (boot with dom0_max_vcpus=2)\n");
        return;
    }
    if ( rc )
        return report_failure("vcpu-switch", "starting vCPU 1: %ld", rc);
    t0 = rdtsc();
    for ( i = 0; i < n; i++ )
    {
        __atomic_store_n(&turn, 1, __ATOMIC_RELEASE);
        while ( __atomic_load_n(&turn, __ATOMIC_ACQUIRE) != 0 )
        {
            HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
            yields++;
        }
    }
    t0 = rdtsc() - t0;
    rc = HYPERVISOR_vcpu_op(VCPUOP_down, 1, NULL);
    if ( vcpu1_moves != n || rc )
        return report_failure("vcpu-switch", "vCPU 1 moved %lu of %lu times, down %ld", vcpu1_moves,
                              n, rc);
    {
        char detail[96];

        snprintf(detail, sizeof(detail),
                 "(per switch: yield to the other vCPU; %lu.%02lu yields "
                 "per round trip)",
                 yields / n, yields * 100 / n % 100);
        report("vcpu-switch", t0, 2 * n, detail);
    }
}

void test_main(start_info_t *si)
{
    scale_pct = cmdline_ulong("bench_scale", 100);
    calibrate();
    bench_null_hypercall();
    bench_exception();
    bench_event_send();
    if ( pool_init(si) )
    {
        bench_update_va_mapping();
        bench_mmu_update();
        bench_pin_unpin();
        bench_syscall();
    }
    else
    {
        report_failure("update-va-mapping", "no frame pool");
        report_failure("mmu-update-512", "no frame pool");
        report_failure("pin-unpin-l4", "no frame pool");
        report_failure("syscall-roundtrip", "no frame pool");
    }
    bench_vcpu_switch();
}
