/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Start-up and address helpers.
 *
 * runtime_start() runs on our own stack with .bss cleared: it records
 * start_info, picks the hypercall flavour (guest option hcall=page), maps
 * shared_info over a page of .bss (Xen gives only its machine address),
 * installs traps and callbacks and runs the test.
 *
 * Address translation follows the PV initial mapping: pfn N of the domain
 * is mapped at GUEST_VIRT_BASE + N * 4K up to the end of the boot stack,
 * page tables included (read-only). Walking a page table therefore means
 * machine frame -> M2P -> pfn -> that virtual address.
 */
#include "runtime.h"

start_info_t *start_info;
shared_info_t *shared_info;
bool hypercall_use_page;

static uint8_t shared_info_page[PAGE_SIZE]
    __attribute__((aligned(PAGE_SIZE), section(".bss.pages")));

void traps_init(void);
void __attribute__((noreturn)) runtime_start(start_info_t *si);

void *pfn_to_virt(unsigned long pfn)
{
    return (void *)(GUEST_VIRT_BASE + (pfn << 12));
}

unsigned long virt_to_pfn(const void *va)
{
    return ((unsigned long)va - GUEST_VIRT_BASE) >> 12;
}

static const uint64_t *table_of(uint64_t entry)
{
    return pfn_to_virt(machine_to_phys[(entry & PTE_MFN_MASK) >> 12]);
}

/* The L1 table mapping va, or NULL when a level is absent or a superpage. */
static const uint64_t *l1_table_of(const void *va)
{
    unsigned long a = (unsigned long)va;
    const uint64_t *t = (const uint64_t *)start_info->pt_base;
    int shift;

    for ( shift = 39; shift > 12; shift -= 9 )
    {
        uint64_t e = t[(a >> shift) & 511];

        if ( !(e & PTE_P) || (shift < 39 && (e & 0x80)) )
            return NULL;
        t = table_of(e);
    }
    return t;
}

uint64_t *l1e_ptr(const void *va)
{
    const uint64_t *l1 = l1_table_of(va);

    return l1 ? (uint64_t *)&l1[((unsigned long)va >> 12) & 511] : NULL;
}

uint64_t l1e_read(const void *va)
{
    const uint64_t *e = l1e_ptr(va);

    return e ? *e : 0;
}

uint64_t l1e_maddr(const void *va)
{
    const uint64_t *l1 = l1_table_of(va);
    unsigned long l1_mfn;

    if ( !l1 )
        return 0;
    l1_mfn = p2m_list[virt_to_pfn(l1)];
    return (l1_mfn << 12) + (((unsigned long)va >> 12) & 511) * 8;
}

unsigned long virt_to_mfn(const void *va)
{
    return (l1e_read(va) & PTE_MFN_MASK) >> 12;
}

uint64_t va_to_maddr(const void *va)
{
    return ((uint64_t)virt_to_mfn(va) << 12) | ((unsigned long)va & (PAGE_SIZE - 1));
}

void remap_page(void *va, uint64_t flags)
{
    long rc =
        HYPERVISOR_update_va_mapping(va, ((uint64_t)virt_to_mfn(va) << 12) | flags, UVMF_INVLPG);

    if ( rc )
        panic("remapping %p: %ld", va, rc);
}

uint64_t system_time_ns(void)
{
    return vcpu_time_ns(&shared_info->vcpu_info[0].time);
}

uint64_t vcpu_time_ns(const struct vcpu_time_info *t)
{
    uint32_t version;
    uint64_t delta, base;

    do
    {
        version = __atomic_load_n(&t->version, __ATOMIC_ACQUIRE);
        delta = rdtsc() - t->tsc_timestamp;
        if ( t->tsc_shift < 0 )
            delta >>= -t->tsc_shift;
        else
            delta <<= t->tsc_shift;
        delta = (uint64_t)(((unsigned __int128)delta * t->tsc_to_system_mul) >> 32);
        base = t->system_time;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
    } while ( (version & 1) || version != t->version );
    return base + delta;
}

static void map_shared_info(start_info_t *si)
{
    long rc = HYPERVISOR_update_va_mapping(shared_info_page, si->shared_info | PTE_KERNEL_RW,
                                           UVMF_INVLPG);

    if ( rc )
        panic("cannot map shared_info at 0x%lx: %ld", si->shared_info, rc);
    shared_info = (shared_info_t *)shared_info_page;
}

void runtime_start(start_info_t *si)
{
    start_info = si;
    hypercall_use_page = strstr((const char *)si->cmd_line, "hcall=page");
    printk("hxtest %s: start_info %p, hypercalls via %s\n", guest_name, (void *)si,
           hypercall_use_page ? "hypercall page" : "syscall");
    map_shared_info(si);
    traps_init();
    test_main(si);
    finish();
}
