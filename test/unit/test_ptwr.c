/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests of the writable-page-table instruction decoder and of the effect of
 * each instruction on an operand (xen/arch/x86/pv/ro-page-fault.c).
 *
 * The instruction bytes were produced by GNU as from the mnemonic in each
 * row's comment, so they are the assembler's encoding, not the decoder's
 * idea of it. The parts of the file that touch guest state (the #PF entry,
 * the page-table walk) are not run here: their callees are stubs that fail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness.h"

#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/sched.h>
#include <asm/mm.h>
#include <asm/pv_mm.h>

/* ---- link stubs: the emulation path is not exercised on the host ---- */

struct page_info *frame_table;
unsigned long frametable_base_mfn;
struct domain *hardware_domain;

#define STUB(ret, name, ...)                                                                       \
    ret name(__VA_ARGS__)                                                                          \
    {                                                                                              \
        fail_msg("unexpected call to %s", #name);                                                  \
        return (ret)0;                                                                             \
    }
STUB(bool, mfn_valid, mfn_t m)
STUB(pte_t *, pv_map_table, mfn_t m)
STUB(enum frame_kind, pv_frame_kind, mfn_t m)
STUB(int, pv_find_l1e, const struct vcpu *v, unsigned long va, mfn_t *m, unsigned int *s)
STUB(bool, get_page, struct page_info *pg, const struct domain *d)
STUB(bool, get_validated_table, struct page_info *pg, unsigned long t)
STUB(int, pt_update_entry, struct page_info *t, unsigned int l, unsigned int s, pte_t n, pte_t *e,
     bool ad, struct domain *a, struct domain *b)
STUB(unsigned long, copy_bytes_fault_safe, void *d, const void *s, size_t n)
STUB(struct vcpu *, current_vcpu, void)

void put_page(struct page_info *pg)
{
    fail_msg("unexpected put_page");
}

void put_page_type(struct page_info *pg)
{
    fail_msg("unexpected put_page_type");
}

/* ---- decoding ---- */

struct decode_case
{
    const char *what;
    u8 bytes[15];
    unsigned int n;
    enum ptwr_op op;
    unsigned int size, len;
    int reg; /* -1: immediate */
    u64 imm;
    bool high_byte;
};

static const struct decode_case good[] = {
    {"mov %rax,(%rdi)", {0x48, 0x89, 0x07}, 3, PTWR_MOV, 8, 3, 0, 0, false},
    {"mov %eax,(%rdi)", {0x89, 0x07}, 2, PTWR_MOV, 4, 2, 0, 0, false},
    {"movq $0,(%rdi)", {0x48, 0xc7, 0x07, 0, 0, 0, 0}, 7, PTWR_MOV, 8, 7, -1, 0, false},
    {"movq $-1,8(%rdi)",
     {0x48, 0xc7, 0x47, 0x08, 0xff, 0xff, 0xff, 0xff},
     8,
     PTWR_MOV,
     8,
     8,
     -1,
     ~0UL,
     false},
    {"mov %r9,0x10(%rsp)", {0x4c, 0x89, 0x4c, 0x24, 0x10}, 5, PTWR_MOV, 8, 5, 9, 0, false},
    {"xchg %rax,(%rdi)", {0x48, 0x87, 0x07}, 3, PTWR_XCHG, 8, 3, 0, 0, false},
    {"lock cmpxchg %rsi,(%rdi)",
     {0xf0, 0x48, 0x0f, 0xb1, 0x37},
     5,
     PTWR_CMPXCHG,
     8,
     5,
     6,
     0,
     false},
    {"cmpxchg %esi,(%rdi)", {0x0f, 0xb1, 0x37}, 3, PTWR_CMPXCHG, 4, 3, 6, 0, false},
    {"lock andb $0xfd,(%rdi)", {0xf0, 0x80, 0x27, 0xfd}, 4, PTWR_AND, 1, 4, -1, ~2UL, false},
    {"lock orb $0x40,(%rdi)", {0xf0, 0x80, 0x0f, 0x40}, 4, PTWR_OR, 1, 4, -1, 0x40, false},
    {"lock btrq $5,(%rdi)", {0xf0, 0x48, 0x0f, 0xba, 0x37, 0x05}, 6, PTWR_BTR, 8, 6, -1, 5, false},
    {"lock bts %rax,(%rdi)", {0xf0, 0x48, 0x0f, 0xab, 0x07}, 5, PTWR_BTS, 8, 5, 0, 0, false},
    {"lock andq $-3,(%rdi)", {0xf0, 0x48, 0x83, 0x27, 0xfd}, 5, PTWR_AND, 8, 5, -1, ~2UL, false},
    {"lock or %rdx,(%rdi)", {0xf0, 0x48, 0x09, 0x17}, 4, PTWR_OR, 8, 4, 2, 0, false},
    {"mov %ah,(%rdi)", {0x88, 0x27}, 2, PTWR_MOV, 1, 2, 4, 0, true},
    {"mov %r8b,(%rdi)", {0x44, 0x88, 0x07}, 3, PTWR_MOV, 1, 3, 8, 0, false},
    {"movw $0x1234,(%rdi)", {0x66, 0xc7, 0x07, 0x34, 0x12}, 5, PTWR_MOV, 2, 5, -1, 0x1234, false},
    {"mov %rax,%fs:(%rdi)", {0x64, 0x48, 0x89, 0x07}, 4, PTWR_MOV, 8, 4, 0, 0, false},
    {"mov %rax,0x12345678(%rip)",
     {0x48, 0x89, 0x05, 0x78, 0x56, 0x34, 0x12},
     7,
     PTWR_MOV,
     8,
     7,
     0,
     0,
     false},
    {"mov %rax,(%rdi,%rcx,8)", {0x48, 0x89, 0x04, 0xcf}, 4, PTWR_MOV, 8, 4, 0, 0, false},
    {"lock xorq $0x80,(%r12)",
     {0xf0, 0x49, 0x81, 0x34, 0x24, 0x80, 0, 0, 0},
     9,
     PTWR_XOR,
     8,
     9,
     -1,
     0x80,
     false},
    {"movl $0x80000000,(%rdi)",
     {0xc7, 0x07, 0, 0, 0, 0x80},
     6,
     PTWR_MOV,
     4,
     6,
     -1,
     0xffffffff80000000UL,
     false},
};

static void test_decode_accepted(void **state)
{
    for ( unsigned int i = 0; i < ARRAY_SIZE(good); i++ )
    {
        const struct decode_case *c = &good[i];
        struct ptwr_insn in;
        /* Trailing bytes (the next instruction) must not change the result. */
        u8 buf[15];

        memset(buf, 0x90, sizeof(buf));
        memcpy(buf, c->bytes, c->n);
        if ( ptwr_decode(buf, sizeof(buf), &in) )
            fail_msg("%s: refused", c->what);
        if ( in.op != c->op || in.size != c->size || in.len != c->len || in.reg != c->reg ||
             (c->reg < 0 && in.imm != c->imm) || in.high_byte != c->high_byte )
            fail_msg("%s: op %d size %u len %u reg %d imm %#lx high %d", c->what, in.op, in.size,
                     in.len, in.reg, in.imm, in.high_byte);
        /* Cut short, the same bytes do not decode. */
        if ( !ptwr_decode(buf, c->n - 1, &in) )
            fail_msg("%s: decoded from %u bytes", c->what, c->n - 1);
    }
}

static void test_decode_refused(void **state)
{
    static const struct
    {
        const char *what;
        u8 bytes[8];
        unsigned int n;
    } bad[] = {
        {"mov (%rdi),%rax", {0x48, 0x8b, 0x07}, 3},
        {"add %rax,(%rdi)", {0x48, 0x01, 0x07}, 3},
        {"mov %rax,%rbx", {0x48, 0x89, 0xc3}, 3},
        {"rep movsq", {0xf3, 0x48, 0xa5}, 3},
        {"c7 /1 (not a mov)", {0x48, 0xc7, 0x0f, 0, 0, 0, 0}, 7},
        {"bt $1,(%rdi) (reads only)", {0x48, 0x0f, 0xba, 0x27, 0x01}, 5},
        {"adc $1,(%rdi)", {0x48, 0x83, 0x17, 0x01}, 4},
        {"prefixes only", {0xf0, 0x66, 0x64}, 3},
    };
    struct ptwr_insn in;

    for ( unsigned int i = 0; i < ARRAY_SIZE(bad); i++ )
        if ( ptwr_decode(bad[i].bytes, bad[i].n, &in) != -EINVAL )
            fail_msg("%s: accepted", bad[i].what);
}

/* ---- effect on the operand ---- */

static struct ptwr_result run(enum ptwr_op op, unsigned int size, u64 old, u64 src, u64 rax)
{
    struct ptwr_insn in = {.op = op, .size = size, .src = src, .rax = rax};
    struct ptwr_result r = {.old = old};

    ptwr_compute(&in, &r);
    return r;
}

#define CF 0x001UL
#define PF 0x004UL
#define ZF 0x040UL
#define SF 0x080UL

static void test_compute(void **state)
{
    struct ptwr_result r;

    r = run(PTWR_MOV, 8, 0x1234, 0x5678067, 0);
    assert_true(r.write);
    assert_int_equal(r.new, 0x5678067);
    assert_int_equal(r.flags_mask, 0);

    r = run(PTWR_XCHG, 8, 0x1111, 0x2222, 0);
    assert_int_equal(r.new, 0x2222);
    assert_int_equal(r.reg_out, 0x1111);

    /* cmpxchg that matches: writes, ZF set. */
    r = run(PTWR_CMPXCHG, 8, 0xabc067, 0xdef067, 0xabc067);
    assert_true(r.write);
    assert_int_equal(r.new, 0xdef067);
    assert_int_equal(r.flags & ZF, ZF);
    /* ...that does not: no write, rAX gets the current value, ZF clear, CF by the subtraction. */
    r = run(PTWR_CMPXCHG, 8, 0xabc067, 0xdef067, 0xabc000);
    assert_false(r.write);
    assert_int_equal(r.reg_out, 0xabc067);
    assert_int_equal(r.flags & (ZF | CF), CF); /* 0xabc000 - 0xabc067 borrows */
    /* 32-bit compare looks at the low half only. */
    r = run(PTWR_CMPXCHG, 4, 0xabc067, 0x1, 0xffffffff00abc067UL);
    assert_true(r.write);

    /* clear_bit(RW) as Linux emits it: lock andb $~2 on the low byte. */
    r = run(PTWR_AND, 1, 0x67, ~2UL, 0);
    assert_int_equal(r.new, 0x65);
    assert_int_equal(r.flags & (ZF | SF | CF), 0);
    r = run(PTWR_AND, 1, 0x02, ~2UL, 0);
    assert_int_equal(r.new, 0);
    assert_int_equal(r.flags & (ZF | PF), ZF | PF);
    r = run(PTWR_OR, 8, 0x8000000000000000UL, 1, 0);
    assert_int_equal(r.new, 0x8000000000000001UL);
    assert_int_equal(r.flags & SF, SF);
    r = run(PTWR_XOR, 8, 0xff, 0x0f, 0);
    assert_int_equal(r.new, 0xf0);

    /* test_and_clear_bit(ACCESSED): CF is the old bit. */
    r = run(PTWR_BTR, 8, 0x67, 5, 0);
    assert_int_equal(r.new, 0x47);
    assert_int_equal(r.flags & r.flags_mask, CF);
    r = run(PTWR_BTR, 8, 0x47, 5, 0);
    assert_int_equal(r.new, 0x47);
    assert_int_equal(r.flags & r.flags_mask, 0);
    /* The bit offset wraps at the operand size (CR2 already names the right qword). */
    r = run(PTWR_BTS, 8, 0, 64 + 63, 0);
    assert_int_equal(r.new, 1UL << 63);
    r = run(PTWR_BTC, 4, 0xffffffff, 31, 0);
    assert_int_equal(r.new, 0x7fffffff);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_decode_accepted, harness_setup),
        cmocka_unit_test_setup(test_decode_refused, harness_setup),
        cmocka_unit_test_setup(test_compute, harness_setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
