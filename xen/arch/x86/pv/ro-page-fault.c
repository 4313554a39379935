/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Writable page tables: emulated stores into read-only L1 tables.
 *
 * Theory of operation
 * -------------------
 * A guest's L1 tables are mapped read-only in its own address space (the
 * type rules forbid anything else), yet Linux writes PTEs with plain
 * instructions: mov, xchg, cmpxchg, locked and/or/bts/btr. Such a store
 * faults (#PF, present + write). When the frame behind the faulting address
 * is a validated L1 table of the guest, the one instruction is decoded here,
 * the new 64-bit entry computed from the old one, and installed through
 * pt_update_entry() exactly as mmu_update would (validation, references, an
 * atomic exchange that only succeeds if the entry did not change under us);
 * then the registers and flags the instruction defines are updated and RIP
 * moves past it. Anything else (another instruction, a write that straddles
 * two entries, an entry the rules refuse) is not emulated: the guest gets
 * its page fault as the hardware raised it.
 *
 * The target is CR2 itself, so the decoder never computes an effective
 * address: it only needs the operation, operand size, source and length.
 * Segment overrides (fs/gs) are accepted for that reason.
 *
 * When: guest-kernel mode, error code present+write without reserved-bit or
 * fetch, and VMASST_TYPE_writable_pagetables on or the domain is the
 * hardware domain (Xen 4.17 tries its read-only-page emulation for dom0
 * whether or not the assist is on, so dom0 always gets it).
 *
 * Called from the exception path, which enters with interrupts off; once
 * CR2 is read they are turned on (a guest context holds nothing), because
 * dropping the last reference of a frame flushes every CPU's TLB. The exit
 * path turns them off again.
 */
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/sched.h>
#include <asm/guest_access.h>
#include <asm/mm.h>
#include <asm/processor.h>
#include <asm/pv.h>
#include <asm/pv_mm.h>

#define PFEC_PRESENT 0x01
#define PFEC_WRITE   0x02
#define PFEC_RSVD    0x08
#define PFEC_FETCH   0x10
#define MAX_INSN_LEN 15

#define EFL_CF    0x001
#define EFL_PF    0x004
#define EFL_AF    0x010
#define EFL_ZF    0x040
#define EFL_SF    0x080
#define EFL_OF    0x800
#define EFL_ARITH (EFL_CF | EFL_PF | EFL_AF | EFL_ZF | EFL_SF | EFL_OF)

/* ---- decoding (pure) ---- */

struct prefixes
{
    bool opsize, rex_w, rex_r, rex;
};

static unsigned int scan_prefixes(const u8 *b, unsigned int n, struct prefixes *p)
{
    unsigned int i = 0;

    for ( ; i < n; i++ )
    {
        switch ( b[i] )
        {
        case 0xf0: /* lock */
        case 0x26:
        case 0x2e:
        case 0x36:
        case 0x3e:
        case 0x64:
        case 0x65: continue; /* segments: CR2 already is the linear address */
        case 0x66: p->opsize = true; continue;
        default: break;
        }
        break;
    }
    if ( i < n && (b[i] & 0xf0) == 0x40 )
    {
        p->rex = true;
        p->rex_w = b[i] & 8;
        p->rex_r = b[i] & 4;
        i++;
    }
    return i;
}

/* Length of ModRM + SIB + displacement at b[0..n), or 0 (a register operand, or cut short). */
static unsigned int modrm_len(const u8 *b, unsigned int n)
{
    unsigned int mod, rm, len = 1;

    if ( n < 1 )
        return 0;
    mod = b[0] >> 6;
    rm = b[0] & 7;
    if ( mod == 3 )
        return 0;
    if ( rm == 4 )
    {
        if ( n < 2 )
            return 0;
        len++;
        if ( mod == 0 && (b[1] & 7) == 5 )
            len += 4;
    }
    else if ( mod == 0 && rm == 5 )
        len += 4; /* RIP-relative */
    if ( mod == 1 )
        len += 1;
    else if ( mod == 2 )
        len += 4;
    return len <= n ? len : 0;
}

/* Which operation an opcode (after any 0x0f) is, with its immediate size. */
static int classify(u16 opc, unsigned int sub, unsigned int size, struct ptwr_insn *in,
                    unsigned int *imm_len)
{
    static const u8 group1_ops[8] = {PTWR_NONE, PTWR_OR,   PTWR_NONE, PTWR_NONE,
                                     PTWR_AND,  PTWR_NONE, PTWR_XOR,  PTWR_NONE};
    static const u8 bt_ops[8] = {PTWR_NONE, PTWR_NONE, PTWR_NONE, PTWR_NONE,
                                 PTWR_NONE, PTWR_BTS,  PTWR_BTR,  PTWR_BTC};

    *imm_len = 0;
    switch ( opc )
    {
    case 0x88:
    case 0x89: in->op = PTWR_MOV; break;
    case 0x86:
    case 0x87: in->op = PTWR_XCHG; break;
    case 0x08:
    case 0x09: in->op = PTWR_OR; break;
    case 0x20:
    case 0x21: in->op = PTWR_AND; break;
    case 0x30:
    case 0x31: in->op = PTWR_XOR; break;
    case 0x0fb0:
    case 0x0fb1: in->op = PTWR_CMPXCHG; break;
    case 0x0fab: in->op = PTWR_BTS; break;
    case 0x0fb3: in->op = PTWR_BTR; break;
    case 0x0fbb: in->op = PTWR_BTC; break;
    case 0xc6:
    case 0xc7:
        if ( sub != 0 )
            return -EINVAL;
        in->op = PTWR_MOV;
        *imm_len = opc == 0xc6 ? 1 : size == 2 ? 2 : 4;
        break;
    case 0x80:
    case 0x81:
    case 0x83:
        in->op = group1_ops[sub];
        *imm_len = opc == 0x81 ? (size == 2 ? 2 : 4) : 1;
        break;
    case 0x0fba:
        in->op = bt_ops[sub];
        *imm_len = 1;
        break;
    default: return -EINVAL;
    }
    return in->op == PTWR_NONE ? -EINVAL : 0;
}

static bool byte_opcode(u16 opc)
{
    return opc == 0x88 || opc == 0x86 || opc == 0x08 || opc == 0x20 || opc == 0x30 ||
           opc == 0x0fb0 || opc == 0xc6 || opc == 0x80;
}

int ptwr_decode(const u8 *b, unsigned int n, struct ptwr_insn *in)
{
    struct prefixes p = {0};
    unsigned int i = scan_prefixes(b, n, &p), mlen, imm_len;
    u16 opc;
    int rc;

    memset(in, 0, sizeof(*in));
    if ( i >= n )
        return -EINVAL;
    opc = b[i++];
    if ( opc == 0x0f )
    {
        if ( i >= n )
            return -EINVAL;
        opc = 0x0f00 | b[i++];
    }
    in->size = byte_opcode(opc) ? 1 : p.rex_w ? 8 : p.opsize ? 2 : 4;
    mlen = modrm_len(b + i, n - i);
    if ( !mlen )
        return -EINVAL; /* a register operand cannot be the faulting store */
    in->reg = ((b[i] >> 3) & 7) | (p.rex_r ? 8 : 0);
    in->high_byte = in->size == 1 && !p.rex && in->reg >= 4;
    rc = classify(opc, (b[i] >> 3) & 7, in->size, in, &imm_len);
    if ( rc )
        return rc;
    i += mlen;
    if ( imm_len )
    {
        if ( i + imm_len > n )
            return -EINVAL;
        in->reg = -1; /* the ModRM reg field was an opcode extension */
        in->high_byte = false;
        in->imm = 0;
        for ( unsigned int k = 0; k < imm_len; k++ )
            in->imm |= (u64)b[i + k] << (8 * k);
        if ( opc != 0x0fba && (in->imm >> (8 * imm_len - 1)) & 1 )
            in->imm |= ~0UL << (8 * imm_len); /* immediates are sign-extended */
        i += imm_len;
    }
    in->len = i;
    return i <= MAX_INSN_LEN ? 0 : -EINVAL;
}

/* ---- the operation on one operand (pure) ---- */

static u64 size_mask(unsigned int size)
{
    return size == 8 ? ~0UL : (1UL << (8 * size)) - 1;
}

static bool parity_even(u64 v)
{
    u8 b = v & 0xff;

    b ^= b >> 4;
    b ^= b >> 2;
    b ^= b >> 1;
    return !(b & 1);
}

static unsigned long result_flags(u64 r, unsigned int size)
{
    unsigned long f = 0;

    r &= size_mask(size);
    if ( !r )
        f |= EFL_ZF;
    if ( (r >> (8 * size - 1)) & 1 )
        f |= EFL_SF;
    if ( parity_even(r) )
        f |= EFL_PF;
    return f;
}

/* Flags of "cmp a, b" (a - b) at size. */
static unsigned long cmp_flags(u64 a, u64 b, unsigned int size)
{
    u64 m = size_mask(size), r = (a - b) & m, sign = 1UL << (8 * size - 1);
    unsigned long f = result_flags(r, size);

    if ( (a & m) < (b & m) )
        f |= EFL_CF;
    if ( ((a ^ b) & (a ^ r)) & sign )
        f |= EFL_OF;
    if ( ((a ^ b ^ r) >> 4) & 1 )
        f |= EFL_AF;
    return f;
}

void ptwr_compute(const struct ptwr_insn *in, struct ptwr_result *res)
{
    u64 m = size_mask(in->size), old = res->old & m, src = in->src & m, bit;

    res->flags_mask = 0;
    res->write = true;
    switch ( in->op )
    {
    case PTWR_MOV: res->new = src; break;
    case PTWR_XCHG:
        res->new = src;
        res->reg_out = old;
        break;
    case PTWR_CMPXCHG:
        res->flags_mask = EFL_ARITH;
        res->flags = cmp_flags(in->rax & m, old, in->size);
        res->write = (in->rax & m) == old;
        res->new = res->write ? src : old;
        res->reg_out = old; /* for the failure case: rAX gets the current value */
        break;
    case PTWR_AND:
    case PTWR_OR:
    case PTWR_XOR:
        res->new = in->op == PTWR_AND ? old &src : in->op == PTWR_OR ? old | src : old ^ src;
        res->flags_mask = EFL_ARITH;
        res->flags = result_flags(res->new, in->size);
        break;
    default: /* BTS, BTR, BTC */
        bit = 1UL << (src & (8 * in->size - 1));
        res->new = in->op == PTWR_BTS ? old | bit : in->op == PTWR_BTR ? old & ~bit : old ^ bit;
        res->flags_mask = EFL_CF;
        res->flags = (old & bit) ? EFL_CF : 0;
        break;
    }
    res->new &= m;
}

/* ---- registers ---- */

static u64 *gpr(struct cpu_user_regs *r, unsigned int n)
{
    switch ( n )
    {
    case 0: return &r->rax;
    case 1: return &r->rcx;
    case 2: return &r->rdx;
    case 3: return &r->rbx;
    case 4: return &r->rsp;
    case 5: return &r->rbp;
    case 6: return &r->rsi;
    case 7: return &r->rdi;
    case 8: return &r->r8;
    case 9: return &r->r9;
    case 10: return &r->r10;
    case 11: return &r->r11;
    case 12: return &r->r12;
    case 13: return &r->r13;
    case 14: return &r->r14;
    default: return &r->r15;
    }
}

static u64 read_reg(struct cpu_user_regs *r, const struct ptwr_insn *in)
{
    if ( in->high_byte )
        return (*gpr(r, in->reg - 4) >> 8) & 0xff;
    return *gpr(r, in->reg);
}

/* Write a size-byte value as the instruction would: 32-bit writes zero-extend. */
static void write_reg(struct cpu_user_regs *r, int reg, bool high_byte, unsigned int size, u64 v)
{
    u64 *p = gpr(r, high_byte ? reg - 4 : reg);
    u64 m = size_mask(size);

    if ( high_byte )
        *p = (*p & ~0xff00UL) | ((v & 0xff) << 8);
    else if ( size == 4 || size == 8 )
        *p = v & m;
    else
        *p = (*p & ~m) | (v & m);
}

/* ---- the emulation ---- */

/* The L1 table frame that the read-only mapping at addr shows, with a type reference. */
static struct page_info *get_written_table(struct vcpu *v, unsigned long addr)
{
    struct page_info *pg;
    unsigned int slot;
    mfn_t mfn;
    pte_t e;

    if ( pv_find_l1e(v, addr, &mfn, &slot) )
        return NULL;
    e = ACCESS_ONCE(pv_map_table(mfn)[slot]);
    if ( (e & (_PAGE_PRESENT | _PAGE_RW)) != _PAGE_PRESENT || !mfn_valid(PTE_MFN(e)) ||
         pv_frame_kind(PTE_MFN(e)) != FRAME_RAM )
        return NULL;
    pg = mfn_to_page(PTE_MFN(e));
    if ( !get_page(pg, v->domain) )
        return NULL;
    if ( !get_validated_table(pg, PGT_l1_page_table) )
    {
        put_page(pg);
        return NULL;
    }
    return pg;
}

static int fetch_insn(unsigned long rip, u8 *buf)
{
    unsigned int n = 0;

    /* Byte by byte: the instruction may end just before an unmapped page. */
    while ( n < MAX_INSN_LEN && !copy_from_guest_va(&buf[n], rip + n, 1) )
        n++;
    return n;
}

/* Apply the decoded store to entry slot of tbl; true when emulated. */
static bool apply_store(struct vcpu *v, struct page_info *tbl, unsigned long addr,
                        struct ptwr_insn *in, struct cpu_user_regs *regs)
{
    unsigned int slot = (addr & (PAGE_SIZE - 1)) >> 3, shift = (addr & 7) * 8;
    const pte_t *p = pv_map_table(page_to_mfn(tbl)) + slot;
    u64 m = size_mask(in->size) << shift;
    struct ptwr_result res = {0};
    pte_t cur = ACCESS_ONCE(*p), want;

    for ( unsigned int tries = 0; tries < 64; tries++ )
    {
        int rc;

        res.old = (cur & m) >> shift;
        ptwr_compute(in, &res);
        if ( !res.write )
            break;
        want = (cur & ~m) | (res.new << shift);
        rc = pt_update_entry(tbl, 1, slot, want, &cur, false, v->domain, v->domain);
        if ( rc == 0 )
            break;
        if ( rc != -EAGAIN )
            return false; /* refused like mmu_update: the guest sees its #PF */
    }
    if ( in->op == PTWR_XCHG || (in->op == PTWR_CMPXCHG && !res.write) )
        write_reg(regs, in->op == PTWR_CMPXCHG ? 0 : in->reg, in->op == PTWR_XCHG && in->high_byte,
                  in->size, res.reg_out);
    regs->rflags = (regs->rflags & ~res.flags_mask) | (res.flags & res.flags_mask);
    regs->rip += in->len;
    return true;
}

static bool emulate_pte_store(struct vcpu *v, struct cpu_user_regs *regs, unsigned long addr)
{
    struct page_info *tbl = get_written_table(v, addr);
    struct ptwr_insn in;
    u8 buf[MAX_INSN_LEN];
    bool ok = false;

    if ( !tbl )
        return false;
    if ( !ptwr_decode(buf, fetch_insn(regs->rip, buf), &in) && (addr & 7) + in.size <= 8 &&
         !(addr & (in.size - 1)) )
    {
        in.src = in.reg < 0 ? in.imm : read_reg(regs, &in);
        in.rax = regs->rax;
        ok = apply_store(v, tbl, addr, &in, regs);
    }
    put_page_type(tbl);
    put_page(tbl);
    return ok;
}

bool pv_ro_page_fault(struct cpu_user_regs *regs)
{
    struct vcpu *v = current;
    const struct domain *d = v->domain;
    unsigned long addr = read_cr2();
    bool ok;

    if ( !v->pv.in_kernel || (regs->error_code & (PFEC_PRESENT | PFEC_WRITE | PFEC_RSVD |
                                                  PFEC_FETCH)) != (PFEC_PRESENT | PFEC_WRITE) )
        return false;
    if ( !(d->vm_assist & (1UL << VMASST_TYPE_writable_pagetables)) && d != hardware_domain )
        return false;
    /* Guest context, nothing held: the frame a PTE let go of may need a TLB shootdown. */
    local_irq_enable();
    ok = emulate_pte_store(v, regs, addr);
    write_cr2(addr); /* a fault while fetching the instruction must not change it */
    return ok;
}
