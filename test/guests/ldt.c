/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ldt: the guest's own LDT (MMUEXT_SET_LDT) and the descriptors in it.
 *
 * The LDT pages are pages of .bss written while mapped writable. As on Xen
 * 4.17, SET_LDT only records the range: a page becomes a descriptor page
 * (type PGT_seg_desc_page, every descriptor checked) the first time the CPU
 * reads it, when a selector with TI=1 is loaded. So SET_LDT on a page still
 * mapped writable succeeds, and loading a selector from it faults (#PF at the
 * descriptor's linear address); once read-only it loads, and from then on
 * the page can no longer be mapped writable, nor written by mmu_update,
 * until the LDT is replaced. update_descriptor writes into it with the same
 * checks as for the GDT: DPL forced to 3, system descriptors refused, a call
 * gate to a guest code selector kept with DPL 0. An LDT access that would
 * reach a non-canonical address is #GP(selector). SET_LDT with 0 entries
 * clears the LDT; loading an LDT selector is then #GP(selector).
 *
 * Values are read back through the CPU: the FS base a selector load sets
 * (rdmsr), and LSL/LAR for limit and attributes.
 */
#include "runtime.h"

const char guest_name[] = "ldt";

#define MSR_FS_BASE        0xc0000100
#define MSR_SHADOW_GS_BASE 0xc0000102
#define NS_PER_MS          1000000ULL

#define DESC_ACCESSED (1ULL << 40)
#define DESC_DPL_MASK (3ULL << 45)
#define DESC_DPL3     (3ULL << 45)

/* Byte-granular 32-bit data, base 0x12345678, limit 0xabcde, DPL 0 (made 3). */
#define DATA_A  0x124a92345678bcdeULL
#define BASE_A  0x12345678UL
#define LIMIT_A 0xabcdeUL
/* Data, base 0x00fedc00, limit 0x1234, DPL 3. */
#define DATA_B  0x0040f2fedc001234ULL
#define BASE_B  0x00fedc00UL
#define LIMIT_B 0x1234UL
/* Data with P clear. */
#define DATA_NP (DATA_B & ~(1ULL << 47))
/* 64-bit code, DPL 0 (made 3). */
#define CODE64_DPL0 0x00af9a000000ffffULL
/* 64-bit code, DPL 3: user mode runs on it. */
#define CODE64_DPL3 0x00affa000000ffffULL
/* System descriptors: 64-bit TSS, interrupt gate, an LDT descriptor. */
#define TSS64    0x0000890000000067ULL
#define INT_GATE 0x00008e0000001000ULL
#define LDT_DESC 0x0000820000000fffULL

/* LDT entries (selector = index * 8 | TI | RPL 3). */
enum {
    LDT_A = 1,
    LDT_B = 2,
    LDT_NP = 3,
    LDT_SPARE = 4,
    LDT_ENTRIES = 16,
    LDT_SECOND = 600, /* in the second page of a two-page LDT */
    LDT_USER_CS = 601,
};
#define SEL(i) ((uint16_t)((i)*8 + 4 + 3))

static uint8_t ldt_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE), section(".bss.pages")));
static uint8_t ldt_pages2[2][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE), section(".bss.pages")));

uint16_t read_fs_sel(void);

asm(".pushsection .text\n"
    "read_fs_sel:\n"
    "    mov %fs, %eax\n"
    "    ret\n"
    ".popsection");

/*
 * user_mode_run(cs, user_rsp) enters guest user mode at user_code through
 * the iret hypercall with that CS, events masked (RFLAGS.IF clear). The user
 * code reads %cs and makes a syscall, which the hypervisor bounces to
 * user_syscall_entry in kernel mode; that returns the CS it read to
 * user_mode_run's caller, on the kernel stack saved before the iret. The
 * kernel L4 serves as the user L4 (NEW_USER_BASEPTR), so user mode sees the
 * image. Constants: FLAT_USER_SS 0xe02b, __HYPERVISOR_iret 23.
 */
unsigned long user_kernel_rsp;
long user_mode_run(unsigned long cs, void *user_rsp);
void user_syscall_entry(void);
_Static_assert(FLAT_USER_SS == 0xe02b && __HYPERVISOR_iret == 23, "constants in asm below");

asm(".pushsection .text\n"
    "user_mode_run:\n"
    "    push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
    "    mov %rsp, user_kernel_rsp(%rip)\n"
    "    pushq $0xe02b\n" /* SS */
    "    push %rsi\n"     /* RSP */
    "    pushq $2\n"      /* RFLAGS: IF clear */
    "    push %rdi\n"     /* CS */
    "    lea user_code(%rip), %rax\n"
    "    push %rax\n"                              /* RIP */
    "    pushq $0; pushq $0; pushq $0; pushq $0\n" /* flags, RCX, R11, RAX */
    "    mov $23, %eax\n"
    "    syscall\n"
    "    ud2\n"
    "user_code:\n"
    "    mov %cs, %eax\n"
    "    syscall\n"
    "    ud2\n"
    "user_syscall_entry:\n" /* kernel mode, RAX = the user's CS */
    "    mov user_kernel_rsp(%rip), %rsp\n"
    "    pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
    "    ret\n"
    ".popsection");

static uint8_t user_stack[PAGE_SIZE] __attribute__((aligned(16)));
static uint8_t kernel_stack[2 * PAGE_SIZE] __attribute__((aligned(16)));

static uint64_t rdmsr_or(uint32_t msr)
{
    uint64_t v = ~0UL;

    return probe_rdmsr(msr, &v) ? ~0UL : v;
}

static uint64_t fs_base(void)
{
    return rdmsr_or(MSR_FS_BASE);
}

/* LSL: the segment limit, or ~0 when the CPU refuses the selector (ZF clear). */
static unsigned long seg_limit(uint16_t sel)
{
    uint32_t limit = 0;
    uint8_t ok;

    asm volatile("lsl %w2, %k0; setz %1" : "+r"(limit), "=qm"(ok) : "r"(sel) : "cc");
    return ok ? limit : ~0UL;
}

/* LAR: the access-rights dword (type, S, DPL, P in bits 8-15), or ~0. */
static unsigned long seg_rights(uint16_t sel)
{
    uint32_t rights = 0;
    uint8_t ok;

    asm volatile("lar %w2, %k0; setz %1" : "+r"(rights), "=qm"(ok) : "r"(sel) : "cc");
    return ok ? rights : ~0UL;
}

static long set_ldt(const void *base, unsigned int ents)
{
    struct mmuext_op op = {.cmd = MMUEXT_SET_LDT};

    op.arg1.linear_addr = (unsigned long)base;
    op.arg2.nr_ents = ents;
    return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

static long mmu_update_one(uint64_t ptr, uint64_t val)
{
    struct mmu_update req = {.ptr = ptr, .val = val};

    return HYPERVISOR_mmu_update(&req, 1, NULL, DOMID_SELF);
}

static void fill_ldt(uint64_t *d)
{
    memset(d, 0, PAGE_SIZE);
    d[LDT_A] = DATA_A;
    d[LDT_B] = DATA_B;
    d[LDT_NP] = DATA_NP;
}

/* --- SET_LDT on a writable page, then read-only ------------------------- */

static void check_lazy_typing(void)
{
    const uint64_t *d = (const uint64_t *)ldt_page;

    fill_ldt((uint64_t *)ldt_page);
    /* Nothing is checked yet: the page is still mapped writable. */
    check_eq("set-ldt-writable-page", set_ldt(ldt_page, LDT_ENTRIES), 0);
    check_eq("load-from-writable-ldt-faults", probe_load_fs(SEL(LDT_A)), 1);
    check("writable-ldt-pf", last_fault.vector == 14 && !(last_fault.error_code & 1),
          "vector %lu error 0x%lx", last_fault.vector, last_fault.error_code);
    check_ueq("writable-ldt-pf-cr2", last_fault.cr2, (unsigned long)&d[LDT_A]);

    remap_page(ldt_page, PTE_KERNEL_RO);
    check_eq("load-fs-ldt", probe_load_fs(SEL(LDT_A)), 0);
    check_ueq("fs-selector", read_fs_sel(), SEL(LDT_A));
    check_ueq("fs-base-from-ldt", fs_base(), BASE_A);
    check_ueq("lsl-ldt", seg_limit(SEL(LDT_A)), LIMIT_A);
    /* LAR: P, DPL 3 (forced), S, type 3 (read/write data, accessed). */
    check_ueq("lar-ldt", seg_rights(SEL(LDT_A)) & 0xff00, 0xf300);
    check_ueq("ldt-dpl-forced", d[LDT_A] & ~DESC_ACCESSED, DATA_A | DESC_DPL3);
    check_ueq("ldt-np-kept", d[LDT_NP], DATA_NP);
    check_eq("load-ldt-not-present", probe_load_fs(SEL(LDT_NP)), 1);
    check("load-ldt-not-present-np",
          last_fault.vector == 11 && last_fault.error_code == (SEL(LDT_NP) & ~3),
          "vector %lu error 0x%lx", last_fault.vector, last_fault.error_code);
    check_eq("load-ldt-beyond-entries", probe_load_fs(SEL(LDT_ENTRIES)), 1);
    check("load-ldt-beyond-entries-gp",
          last_fault.vector == 13 && last_fault.error_code == (SEL(LDT_ENTRIES) & ~3),
          "vector %lu error 0x%lx", last_fault.vector, last_fault.error_code);
}

/* --- the page in use cannot be written ----------------------------------- */

static void check_in_use(void)
{
    uint64_t pte = ((uint64_t)virt_to_mfn(ldt_page) << 12) | PTE_KERNEL_RW;

    check_eq("ldt-page-map-rw-mmu-update", mmu_update_one(l1e_maddr(ldt_page), pte), -XEN_EBUSY);
    check_eq("ldt-page-map-rw-uvm", HYPERVISOR_update_va_mapping(ldt_page, pte, UVMF_INVLPG),
             -XEN_EBUSY);
    check_eq("ldt-page-mmu-update-write",
             mmu_update_one(va_to_maddr(&((uint64_t *)ldt_page)[LDT_SPARE]), DATA_B), -XEN_EINVAL);
    check_eq("ldt-page-still-ro", probe_write(ldt_page, 0), 1);
}

/* --- update_descriptor into the LDT page --------------------------------- */

static void check_update_descriptor(void)
{
    const uint64_t *d = (const uint64_t *)ldt_page;
    uint64_t spare = va_to_maddr(&d[LDT_SPARE]), gate;

    check_eq("update-ldt-data", HYPERVISOR_update_descriptor(spare, DATA_B), 0);
    check_ueq("update-ldt-data-value", d[LDT_SPARE] & ~DESC_ACCESSED, DATA_B);
    check_eq("load-updated", probe_load_fs(SEL(LDT_SPARE)), 0);
    check_ueq("fs-base-updated", fs_base(), BASE_B);
    check_ueq("lsl-updated", seg_limit(SEL(LDT_SPARE)), LIMIT_B);
    probe_load_fs(0);

    check_eq("update-ldt-code-dpl0", HYPERVISOR_update_descriptor(spare, CODE64_DPL0), 0);
    check_ueq("update-ldt-code-dpl3", d[LDT_SPARE] & ~DESC_ACCESSED, CODE64_DPL0 | DESC_DPL3);
    check_eq("update-ldt-tss", HYPERVISOR_update_descriptor(spare, TSS64), -XEN_EINVAL);
    check_eq("update-ldt-int-gate", HYPERVISOR_update_descriptor(spare, INT_GATE), -XEN_EINVAL);
    check_eq("update-ldt-ldt-desc", HYPERVISOR_update_descriptor(spare, LDT_DESC), -XEN_EINVAL);
    check_ueq("update-ldt-refused-unchanged", d[LDT_SPARE] & ~DESC_ACCESSED,
              CODE64_DPL0 | DESC_DPL3);
    /* A call gate (DPL 3) to the guest's flat code: kept with DPL 0. */
    gate = 0x0000ec0000001000ULL | ((uint64_t)FLAT_KERNEL_CS << 16);
    check_eq("update-ldt-call-gate", HYPERVISOR_update_descriptor(spare, gate), 0);
    check_ueq("update-ldt-call-gate-dpl0", d[LDT_SPARE], gate & ~DESC_DPL_MASK);
    check_eq("update-ldt-call-gate-xen-cs",
             HYPERVISOR_update_descriptor(spare, (gate & ~0xffff0000ULL) | (0xe008ULL << 16)),
             -XEN_EINVAL);
    check_eq("update-ldt-call-gate-reserved",
             HYPERVISOR_update_descriptor(spare, gate | (1ULL << 32)), -XEN_EINVAL);
    check_eq("update-ldt-restore", HYPERVISOR_update_descriptor(spare, 0), 0);
}

/* --- a context switch keeps the LDT selector ----------------------------- */

static void check_block(void)
{
    struct evtchn_bind_virq b = {.virq = VIRQ_TIMER, .vcpu = 0};

    check_eq("load-before-block", probe_load_fs(SEL(LDT_A)), 0);
    check_eq("bind-virq-timer", HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &b), 0);
    HYPERVISOR_set_timer_op(system_time_ns() + 5 * NS_PER_MS);
    HYPERVISOR_sched_op(SCHEDOP_block, NULL);
    events_disable();
    check_ueq("fs-selector-after-block", read_fs_sel(), SEL(LDT_A));
    check_ueq("fs-base-after-block", fs_base(), BASE_A);
    check_ueq("lsl-after-block", seg_limit(SEL(LDT_A)), LIMIT_A);
    probe_load_fs(0);
}

/* --- bad arguments, a two-page LDT, non-canonical reach ------------------ */

static void check_arguments(void)
{
    check_eq("set-ldt-unaligned", set_ldt(ldt_page + 8, LDT_ENTRIES), -XEN_EINVAL);
    check_eq("set-ldt-too-many", set_ldt(ldt_page, 8193), -XEN_EINVAL);
    check_eq("set-ldt-noncanonical", set_ldt((void *)0x0000800000000000UL, 1), -XEN_EINVAL);
    check_eq("set-ldt-hypervisor", set_ldt((void *)0xffff830000000000UL, 1), -XEN_EINVAL);
    /* Still the old LDT. */
    check_ueq("lsl-after-refusals", seg_limit(SEL(LDT_A)), LIMIT_A);
}

static void check_two_pages(void)
{
    uint64_t *p0 = (uint64_t *)ldt_pages2[0], *p1 = (uint64_t *)ldt_pages2[1];

    fill_ldt(p0);
    memset(p1, 0, PAGE_SIZE);
    p1[LDT_SECOND - 512] = DATA_B;
    remap_page(ldt_pages2[0], PTE_KERNEL_RO);
    remap_page(ldt_pages2[1], PTE_KERNEL_RO);
    check_eq("set-ldt-two-pages", set_ldt(ldt_pages2, LDT_SECOND + 1), 0);
    /* The hypervisor loads it first: the page faults in while it runs. */
    check_eq("gs-user-sel-ldt", HYPERVISOR_set_segment_base(SEGBASE_GS_USER_SEL, SEL(LDT_SECOND)),
             0);
    check_ueq("gs-user-base-from-ldt", rdmsr_or(MSR_SHADOW_GS_BASE), BASE_B);
    HYPERVISOR_set_segment_base(SEGBASE_GS_USER_SEL, 0);
    check_eq("load-second-page", probe_load_fs(SEL(LDT_SECOND)), 0);
    check_ueq("fs-base-second-page", fs_base(), BASE_B);
    check_ueq("lsl-first-page", seg_limit(SEL(LDT_A)), LIMIT_A);
    probe_load_fs(0);
    /* The first LDT was replaced: its page is writable-mappable again. */
    check_eq("old-ldt-page-writable",
             HYPERVISOR_update_va_mapping(
                 ldt_page, ((uint64_t)virt_to_mfn(ldt_page) << 12) | PTE_KERNEL_RW, UVMF_INVLPG),
             0);
    check_eq("old-ldt-page-write", probe_write(&((uint64_t *)ldt_page)[LDT_SPARE], 7), 0);
    remap_page(ldt_page, PTE_KERNEL_RO);
}

/*
 * A new LDT while %fs still holds a selector of the old one: the hidden
 * part stays, and a context switch must reload the selector from the new
 * LDT, whose page nothing has touched yet.
 */
static void check_switch_to_new_ldt(void)
{
    check_eq("load-before-new-ldt", probe_load_fs(SEL(LDT_A)), 0);
    check_eq("set-ldt-new", set_ldt(ldt_page, LDT_ENTRIES), 0);
    /* VIRQ_TIMER is bound since check_block(). */
    HYPERVISOR_set_timer_op(system_time_ns() + 5 * NS_PER_MS);
    HYPERVISOR_sched_op(SCHEDOP_block, NULL);
    events_disable();
    check_ueq("fs-selector-after-new-ldt", read_fs_sel(), SEL(LDT_A));
    check_ueq("fs-base-after-new-ldt", fs_base(), BASE_A);
    check_ueq("lsl-new-ldt", seg_limit(SEL(LDT_A)), LIMIT_A);
    probe_load_fs(0);
}

/*
 * User mode on a code segment of the LDT, entered by the iret hypercall
 * while the LDT page holding it has never been read by the CPU.
 */
static void check_user_cs(void)
{
    struct callback_register cb = {.type = CALLBACKTYPE_syscall,
                                   .flags = CALLBACKF_mask_events,
                                   .address = (unsigned long)user_syscall_entry};
    uint64_t *p1 = (uint64_t *)ldt_pages2[1];
    struct mmuext_op op = {.cmd = MMUEXT_NEW_USER_BASEPTR};

    op.arg1.mfn = virt_to_mfn((void *)start_info->pt_base);
    check_eq("user-baseptr", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), 0);
    check_eq("syscall-callback", HYPERVISOR_callback_op(CALLBACKOP_register, &cb), 0);
    check_eq(
        "kernel-stack",
        HYPERVISOR_stack_switch(FLAT_KERNEL_SS, (unsigned long)kernel_stack + sizeof(kernel_stack)),
        0);
    check_eq("update-ldt-user-cs",
             HYPERVISOR_update_descriptor(va_to_maddr(&p1[LDT_USER_CS - 512]), CODE64_DPL3), 0);
    check_eq("set-ldt-for-user", set_ldt(ldt_pages2, LDT_USER_CS + 1), 0);
    check_ueq("user-mode-cs", user_mode_run(SEL(LDT_USER_CS), user_stack + sizeof(user_stack)),
              SEL(LDT_USER_CS));
    /* P, DPL 3, S, execute/read code; the accessed bit is ours alone (see segments.c). */
    check_ueq("lar-user-cs", seg_rights(SEL(LDT_USER_CS)) & 0xfe00, 0xfa00);
    op.arg1.mfn = 0;
    HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

/* An LDT whose second page would be non-canonical: #GP(selector), as Xen. */
static void check_noncanonical_reach(void)
{
    void *top = (void *)0x00007ffffffff000UL;

    check_eq("set-ldt-near-hole", set_ldt(top, 8192), 0);
    check_eq("load-noncanonical", probe_load_fs(SEL(512)), 1);
    check("load-noncanonical-gp", last_fault.vector == 13 && last_fault.error_code == 0x1004,
          "vector %lu error 0x%lx", last_fault.vector, last_fault.error_code);
    check_eq("load-unmapped", probe_load_fs(SEL(1)), 1);
    check("load-unmapped-pf", last_fault.vector == 14 && last_fault.cr2 == (unsigned long)top + 8,
          "vector %lu cr2 0x%lx", last_fault.vector, last_fault.cr2);
}

/* --- clearing ------------------------------------------------------------ */

static void check_clear(void)
{
    uint64_t pte0 = ((uint64_t)virt_to_mfn(ldt_pages2[0]) << 12) | PTE_KERNEL_RW;

    check_eq("set-ldt-again", set_ldt(ldt_pages2, LDT_SECOND + 1), 0);
    check_eq("load-again", probe_load_fs(SEL(LDT_A)), 0);
    probe_load_fs(0);
    check_eq("ldt-in-use-not-writable", HYPERVISOR_update_va_mapping(ldt_pages2[0], pte0, 0),
             -XEN_EBUSY);
    check_eq("set-ldt-zero", set_ldt((void *)0x123, 0), 0);
    check_eq("load-after-clear", probe_load_fs(SEL(LDT_A)), 1);
    check("load-after-clear-gp",
          last_fault.vector == 13 && last_fault.error_code == (SEL(LDT_A) & ~3),
          "vector %lu error 0x%lx", last_fault.vector, last_fault.error_code);
    check_ueq("lsl-after-clear", seg_limit(SEL(LDT_A)), ~0UL);
    check_eq("cleared-ldt-page-writable",
             HYPERVISOR_update_va_mapping(ldt_pages2[0], pte0, UVMF_INVLPG), 0);
}

void test_main(start_info_t *si)
{
    check_lazy_typing();
    check_in_use();
    check_update_descriptor();
    check_block();
    check_arguments();
    check_two_pages();
    check_switch_to_new_ldt();
    check_user_cs();
    check_noncanonical_reach();
    check_clear();
}
