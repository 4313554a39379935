/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host tests of the grant-entry state machine (xen/common/grant_table.c)
 * and of multicall's result handling (xen/common/multicall.c).
 *
 * Grant entries: the {flags, domid} word a pin produces for every type,
 * domid and read-only combination; pins and unpins of a live entry leave
 * the granter's own bits alone; the active entry's pin counts decide when
 * GTF_reading/GTF_writing are set and cleared, refuse a second domain and
 * counter overflow. Multicall: results land in each entry and nothing else
 * is written, nesting is refused per entry, a bad array or a fault part way
 * is -EFAULT with the earlier entries done, an iret entry ends the batch.
 * The rest of the hypervisor the two files call is stubbed; stubs that must
 * not be reached fail the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "harness.h"

#include <xen/errno.h>
#include <xen/grant_table.h>
#include <xen/hypercall.h>
#include <xen/lib.h>
#include <xen/multicall.h>
#include <xen/sched.h>
#include <xen/smp.h>
#include <asm/pv_mm.h>

/* ---- the rest of the hypervisor ---- */

#define STUB(ret, name, ...)                                                                       \
    ret name(__VA_ARGS__)                                                                          \
    {                                                                                              \
        fail_msg("unexpected call to %s", #name);                                                  \
        return (ret)0;                                                                             \
    }
#define STUB_VOID(name, ...)                                                                       \
    void name(__VA_ARGS__)                                                                         \
    {                                                                                              \
        fail_msg("unexpected call to %s", #name);                                                  \
    }
STUB(bool, mfn_valid, mfn_t m)
STUB(pte_t *, pv_map_table, mfn_t m)
STUB(int, pv_find_l1e, const struct vcpu *v, unsigned long va, mfn_t *m, unsigned int *s)
STUB(bool, get_page, struct page_info *pg, const struct domain *d)
STUB(bool, get_page_type, struct page_info *pg, unsigned long t)
STUB(bool, get_page_and_type, struct page_info *pg, const struct domain *d, unsigned long t)
STUB(bool, get_validated_table, struct page_info *pg, unsigned long t)
STUB(int, pt_update_entry, struct page_info *t, unsigned int l, unsigned int s, pte_t n, pte_t *e,
     bool ad, struct domain *a, struct domain *b)
STUB(struct vcpu *, current_vcpu, void)
STUB(struct domain *, get_domain_by_id, domid_t id)
STUB_VOID(put_domain, struct domain *d)
STUB_VOID(put_page, struct page_info *pg)
STUB_VOID(put_page_type, struct page_info *pg)
STUB_VOID(put_page_and_type, struct page_info *pg)
STUB_VOID(pv_policy_of, const struct domain *d, struct pt_policy *p)
STUB_VOID(share_xen_page_with_guest, struct page_info *pg, struct domain *d)
STUB_VOID(flush_tlb_mask, const cpumask_t *m)
STUB(long, hypercall_dispatch_op, unsigned long op, const unsigned long *args)
struct page_info *frame_table;
unsigned long frametable_base_mfn;
cpumask_t cpu_online_map;

/*
 * Guest memory is host memory here; a test can make one range fault, as
 * an unmapped guest page would.
 */
static uintptr_t fault_lo, fault_hi;
static bool fault_writes_only; /* a read-only guest page */

unsigned long copy_bytes_fault_safe(void *dst, const void *src, size_t len)
{
    uintptr_t d = (uintptr_t)dst, s = (uintptr_t)src;

    if ( (d < fault_hi && d + len > fault_lo) ||
         (!fault_writes_only && s < fault_hi && s + len > fault_lo) )
        return len;
    memcpy(dst, src, len);
    return 0;
}

/* ---- the shared entry ---- */

static u32 word(u16 flags, domid_t domid)
{
    return flags | ((u32)domid << 16);
}

static void test_pin_word_first_pin(void **state)
{
    u32 next = 0xdeadbeef;

    assert_int_equal(gnttab_pin_word(word(GTF_permit_access, 5), 5, true, true, &next), GNTST_okay);
    assert_int_equal(next, word(GTF_permit_access | GTF_reading, 5));
    assert_int_equal(gnttab_pin_word(word(GTF_permit_access, 5), 5, false, true, &next),
                     GNTST_okay);
    assert_int_equal(next, word(GTF_permit_access | GTF_reading | GTF_writing, 5));
    /* Cache-attribute bits the granter set stay. */
    assert_int_equal(gnttab_pin_word(word(GTF_permit_access | GTF_PCD, 0), 0, true, true, &next),
                     GNTST_okay);
    assert_int_equal(next, word(GTF_permit_access | GTF_PCD | GTF_reading, 0));
}

static void test_pin_word_refusals(void **state)
{
    static const u16 bad_types[] = {GTF_invalid, GTF_accept_transfer, GTF_transitive,
                                    GTF_permit_access | GTF_sub_page};
    u32 next = 0x12345678;

    for ( unsigned int i = 0; i < ARRAY_SIZE(bad_types); i++ )
        assert_int_equal(gnttab_pin_word(word(bad_types[i], 5), 5, true, true, &next),
                         GNTST_general_error);
    /* Granted to someone else. */
    assert_int_equal(gnttab_pin_word(word(GTF_permit_access, 6), 5, true, true, &next),
                     GNTST_general_error);
    /* Read-only grant: writable pins refused, read-only ones fine, first or not. */
    assert_int_equal(
        gnttab_pin_word(word(GTF_permit_access | GTF_readonly, 5), 5, false, true, &next),
        GNTST_general_error);
    assert_int_equal(gnttab_pin_word(word(GTF_permit_access | GTF_readonly | GTF_reading, 5), 5,
                                     false, false, &next),
                     GNTST_general_error);
    assert_int_equal(next, 0x12345678); /* untouched on refusal */
    assert_int_equal(
        gnttab_pin_word(word(GTF_permit_access | GTF_readonly, 5), 5, true, true, &next),
        GNTST_okay);
}

/* A later pin does not re-check type and domid: the entry is already in use. */
static void test_pin_word_later_pin(void **state)
{
    u32 next;

    assert_int_equal(gnttab_pin_word(word(GTF_invalid | GTF_reading, 9), 5, false, false, &next),
                     GNTST_okay);
    assert_int_equal(next, word(GTF_reading | GTF_writing, 9));
}

static void test_entry_pin_unpin(void **state)
{
    grant_entry_v1_t e = {.flags = GTF_permit_access | GTF_PWT, .domid = 3, .frame = 0x1234};

    assert_int_equal(gnttab_entry_pin(&e, 3, false, true), GNTST_okay);
    assert_int_equal(e.flags, GTF_permit_access | GTF_PWT | GTF_reading | GTF_writing);
    assert_int_equal(e.domid, 3);
    assert_int_equal(e.frame, 0x1234);
    gnttab_entry_unpin(&e, false, true);
    assert_int_equal(e.flags, GTF_permit_access | GTF_PWT | GTF_reading);
    gnttab_entry_unpin(&e, false, false);
    assert_int_equal(e.flags, GTF_permit_access | GTF_PWT | GTF_reading);
    gnttab_entry_unpin(&e, true, false);
    assert_int_equal(e.flags, GTF_permit_access | GTF_PWT);

    /* A refused pin changes nothing. */
    e.domid = 4;
    assert_int_equal(gnttab_entry_pin(&e, 3, true, true), GNTST_general_error);
    assert_int_equal(e.flags, GTF_permit_access | GTF_PWT);
    assert_int_equal(e.domid, 4);
}

/* ---- the active entry ---- */

static void test_active_update_points(void **state)
{
    struct active_grant a = {0};
    bool update, clear_r, clear_w;

    assert_false(active_pinned(&a));
    assert_int_equal(active_may_pin(&a, 7, GNT_USE_HOST, true, &update), GNTST_okay);
    assert_true(update); /* first pin */
    active_pin(&a, GNT_USE_HOST, true);
    a.domid = 7;
    assert_int_equal(active_may_pin(&a, 7, GNT_USE_DEV, true, &update), GNTST_okay);
    assert_false(update); /* already reading */
    active_pin(&a, GNT_USE_DEV, true);
    assert_int_equal(active_may_pin(&a, 7, GNT_USE_COPY, false, &update), GNTST_okay);
    assert_true(update); /* first writer */
    active_pin(&a, GNT_USE_COPY, false);
    assert_true(active_writable(&a));
    assert_int_equal(active_may_pin(&a, 7, GNT_USE_HOST, false, &update), GNTST_okay);
    assert_false(update); /* a writer already */

    active_unpin(&a, GNT_USE_COPY, false, &clear_r, &clear_w);
    assert_false(clear_r);
    assert_true(clear_w);
    active_unpin(&a, GNT_USE_HOST, true, &clear_r, &clear_w);
    assert_false(clear_r);
    assert_false(clear_w);
    active_unpin(&a, GNT_USE_DEV, true, &clear_r, &clear_w);
    assert_true(clear_r);
    assert_false(active_pinned(&a));
}

static void test_active_refusals(void **state)
{
    struct active_grant a = {0};
    bool update = true;

    active_pin(&a, GNT_USE_HOST, false);
    a.domid = 1;
    assert_int_equal(active_may_pin(&a, 2, GNT_USE_HOST, true, &update), GNTST_general_error);
    a.pins[GNT_USE_DEV][0] = 0xffff;
    assert_int_equal(active_may_pin(&a, 1, GNT_USE_DEV, true, &update), GNTST_general_error);
    assert_int_equal(active_may_pin(&a, 1, GNT_USE_DEV, false, &update), GNTST_okay);
}

/* The pure functions composed as pin_grant()/unpin_grant() do: flags go back exactly. */
static void test_pin_sequence_round_trip(void **state)
{
    grant_entry_v1_t e = {.flags = GTF_permit_access, .domid = 0, .frame = 77};
    struct active_grant a = {0};
    static const struct
    {
        enum gnttab_use use;
        bool ro;
    } seq[] = {
        {GNT_USE_HOST, true}, {GNT_USE_COPY, false}, {GNT_USE_HOST, false}, {GNT_USE_DEV, true}};
    static const u16 after_pin[] = {GTF_reading, GTF_reading | GTF_writing,
                                    GTF_reading | GTF_writing, GTF_reading | GTF_writing};

    for ( unsigned int i = 0; i < ARRAY_SIZE(seq); i++ )
    {
        bool update, first = !active_pinned(&a);

        assert_int_equal(active_may_pin(&a, 0, seq[i].use, seq[i].ro, &update), GNTST_okay);
        if ( update )
            assert_int_equal(gnttab_entry_pin(&e, 0, seq[i].ro, first), GNTST_okay);
        active_pin(&a, seq[i].use, seq[i].ro);
        assert_int_equal(e.flags, GTF_permit_access | after_pin[i]);
    }
    for ( unsigned int i = ARRAY_SIZE(seq); i-- > 0; )
    {
        bool clear_r, clear_w;

        active_unpin(&a, seq[i].use, seq[i].ro, &clear_r, &clear_w);
        gnttab_entry_unpin(&e, clear_r, clear_w);
        assert_int_equal(e.flags, GTF_permit_access | (i ? after_pin[i - 1] : 0));
    }
    assert_int_equal(e.domid, 0);
    assert_int_equal(e.frame, 77);
}

/* ---- multicall ---- */

static unsigned int calls;
static unsigned long called_ops[16];
static struct vcpu mc_vcpu;

/* A table of two fake hypercalls: op 1 returns its first argument, op 2 -EBUSY. */
static long fake_dispatch(unsigned long op, const unsigned long *args)
{
    called_ops[calls++ % 16] = op;
    if ( op == __HYPERVISOR_multicall )
        return multicall_run(&mc_vcpu, args[0], (unsigned int)args[1], fake_dispatch);
    if ( op == __HYPERVISOR_iret )
        return 0x1234;
    return op == 1 ? (long)args[0] : op == 2 ? -EBUSY : -ENOSYS;
}

static int mc_setup(void **state)
{
    calls = 0;
    fault_lo = fault_hi = 0;
    fault_writes_only = false;
    memset(&mc_vcpu, 0, sizeof(mc_vcpu));
    return harness_setup(state);
}

static void test_multicall_results(void **state)
{
    multicall_entry_t mc[3] = {
        {.op = 1, .result = 99, .args = {42, 1, 2, 3, 4, 5}},
        {.op = 2, .result = 99, .args = {7}},
        {.op = 1000, .result = 99},
    };

    assert_int_equal(multicall_run(&mc_vcpu, (unsigned long)mc, 3, fake_dispatch), 0);
    assert_int_equal(calls, 3);
    assert_int_equal((long)mc[0].result, 42);
    assert_int_equal((long)mc[1].result, -EBUSY);
    assert_int_equal((long)mc[2].result, -ENOSYS);
    /* Only results are written. */
    assert_int_equal(mc[0].op, 1);
    assert_int_equal(mc[0].args[0], 42);
    assert_int_equal(mc[0].args[5], 5);
    assert_false(mc_vcpu.in_multicall);
    assert_int_equal(multicall_run(&mc_vcpu, (unsigned long)mc, 0, fake_dispatch), 0);
    assert_int_equal(calls, 3);
}

static void test_multicall_nested(void **state)
{
    multicall_entry_t inner[1] = {{.op = 1, .args = {5}}};
    multicall_entry_t mc[2] = {
        {.op = __HYPERVISOR_multicall, .args = {(unsigned long)inner, 1}},
        {.op = 1, .args = {6}},
    };

    assert_int_equal(multicall_run(&mc_vcpu, (unsigned long)mc, 2, fake_dispatch), 0);
    assert_int_equal((long)mc[0].result, -EINVAL);
    assert_int_equal((long)mc[1].result, 6);
    assert_int_equal(inner[0].result, 0); /* never ran */
    assert_int_equal(calls, 2);
}

static void test_multicall_faults(void **state)
{
    multicall_entry_t mc[3] = {
        {.op = 1, .args = {1}}, {.op = 1, .args = {2}}, {.op = 1, .args = {3}}};

    /* An array reaching into the hypervisor's range or past the canonical half. */
    assert_int_equal(multicall_run(&mc_vcpu, HYPERVISOR_VIRT_START_ADDR, 1, fake_dispatch),
                     -EFAULT);
    assert_int_equal(multicall_run(&mc_vcpu, (1UL << 47) - sizeof(mc[0]), 2, fake_dispatch),
                     -EFAULT);
    assert_int_equal(calls, 0);
    /* Entry 1 cannot be read: entry 0 ran, the rest did not. */
    fault_lo = (uintptr_t)&mc[1];
    fault_hi = fault_lo + 1;
    assert_int_equal(multicall_run(&mc_vcpu, (unsigned long)mc, 3, fake_dispatch), -EFAULT);
    assert_int_equal(calls, 1);
    assert_int_equal((long)mc[0].result, 1);
    assert_int_equal(mc[2].result, 0);
    assert_false(mc_vcpu.in_multicall);
    /* Entry 0's result cannot be written (read-only page): it ran, then the batch stops. */
    calls = 0;
    fault_writes_only = true;
    fault_lo = (uintptr_t)&mc[0].result;
    fault_hi = fault_lo + 8;
    assert_int_equal(multicall_run(&mc_vcpu, (unsigned long)mc, 3, fake_dispatch), -EFAULT);
    assert_int_equal(calls, 1);
}

static void test_multicall_iret_ends_batch(void **state)
{
    multicall_entry_t mc[2] = {{.op = __HYPERVISOR_iret}, {.op = 1, .args = {8}}};

    assert_int_equal(multicall_run(&mc_vcpu, (unsigned long)mc, 2, fake_dispatch), 0x1234);
    assert_int_equal(calls, 1);
    assert_int_equal((long)mc[0].result, 0x1234);
    assert_int_equal(mc[1].result, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_pin_word_first_pin, harness_setup),
        cmocka_unit_test_setup(test_pin_word_refusals, harness_setup),
        cmocka_unit_test_setup(test_pin_word_later_pin, harness_setup),
        cmocka_unit_test_setup(test_entry_pin_unpin, harness_setup),
        cmocka_unit_test_setup(test_active_update_points, harness_setup),
        cmocka_unit_test_setup(test_active_refusals, harness_setup),
        cmocka_unit_test_setup(test_pin_sequence_round_trip, harness_setup),
        cmocka_unit_test_setup(test_multicall_results, mc_setup),
        cmocka_unit_test_setup(test_multicall_nested, mc_setup),
        cmocka_unit_test_setup(test_multicall_faults, mc_setup),
        cmocka_unit_test_setup(test_multicall_iret_ends_batch, mc_setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
