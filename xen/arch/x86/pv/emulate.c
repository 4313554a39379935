/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Emulation of the privileged instructions a PV guest kernel may execute in
 * ring 3, and of CPUID behind Xen's forced-emulation prefix.
 *
 * Only what a PV kernel legitimately needs is emulated; anything else makes
 * the caller inject #GP (or #UD) into the guest. Instruction bytes come from
 * guest memory through the fault-safe copy; every operand is re-checked here
 * (canonical addresses for segment bases, port permissions for I/O).
 *
 * The CPUID policy hides what a PV guest cannot use or must not see: paging
 * features the PV MMU does not offer (PSE, PGE, 1 GiB pages, PCID), ring-0
 * protections (SMEP, SMAP, UMIP, PKU), XSAVE (no xsetbv emulation yet), x2APIC,
 * machine checks (MCE, MCA: no virtual MCE banks)
 * and the TSC deadline timer, MTRRs, and virtualisation extensions; it adds
 * the hypervisor leaves 0x40000000-0x40000005 ("XenVMMXenVMM").
 */
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/sched.h>
#include <xen/version.h>
#include <asm/guest_access.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <asm/pv.h>
#include <asm/traps.h>

#define XEN_CPUID_BASE  0x40000000u
#define MSR_MISC_ENABLE 0x000001a0
#define MSR_TSC_AUX     0xc0000103

/* "ud2; .ascii 'xen'; cpuid" */
static const u8 forced_cpuid[] = {0x0f, 0x0b, 0x78, 0x65, 0x6e, 0x0f, 0xa2};

static void xen_leaves(u32 leaf, struct cpuid_regs *r)
{
    memset(r, 0, sizeof(*r));
    switch ( leaf - XEN_CPUID_BASE )
    {
    case 0:
        r->eax = XEN_CPUID_BASE + 5;
        r->ebx = 0x566e6558; /* "XenV" */
        r->ecx = 0x65584d4d; /* "MMXe" */
        r->edx = 0x4d4d566e; /* "nVMM" */
        break;
    case 1: r->eax = (XEN_MAJOR << 16) | XEN_MINOR; break;
    case 2:
        r->eax = 1;              /* hypercall pages */
        r->ebx = XEN_CPUID_BASE; /* MSR of the hypercall page (HVM only) */
        break;
    default: break;
    }
}

/* The CPUID a PV guest sees (forced-emulation prefix only). */
void pv_cpuid(const struct vcpu *v, u32 leaf, u32 subleaf, struct cpuid_regs *r)
{
    if ( leaf >= XEN_CPUID_BASE && leaf <= XEN_CPUID_BASE + 0xff )
    {
        xen_leaves(leaf, r);
        return;
    }
    cpuid_count(leaf, subleaf, r);
    switch ( leaf )
    {
    case 0: r->eax = min(r->eax, 0xdu); break;
    case 1:
        r->ebx = (r->ebx & 0x00ffffff) | (v->vcpu_id << 24);
        r->ecx &= ~((1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 8) |
                    (1u << 15) | (1u << 17) | (1u << 18) | (1u << 21) | (1u << 24) | (1u << 26) |
                    (1u << 27) | (1u << 28));
        r->ecx |= 1u << 31; /* running on a hypervisor */
        r->edx &= ~((1u << 3) | (1u << 7) | (1u << 12) | (1u << 13) | (1u << 14) | (1u << 17) |
                    (1u << 21) | (1u << 22) | (1u << 29) | (1u << 31));
        break;
    case 7:
        if ( subleaf == 0 )
        {
            r->eax = 0;
            r->ebx &= (1u << 3) | (1u << 8) | (1u << 9) | (1u << 19) | (1u << 23);
        }
        else
            r->ebx = 0;
        r->ecx = r->edx = 0;
        break;
    case 0xd: memset(r, 0, sizeof(*r)); break;
    case 0x80000001:
        r->ecx &= (1u << 0) | (1u << 5) | (1u << 6) | (1u << 8);
        r->edx &= ~((1u << 26) | (1u << 27));
        if ( !(rdmsr(MSR_EFER) & EFER_NXE) )
            r->edx &= ~(1u << 20);
        break;
    default: break;
    }
}

bool pv_emulate_forced_cpuid(struct cpu_user_regs *regs)
{
    u8 insn[sizeof(forced_cpuid)];
    struct cpuid_regs r;

    if ( copy_from_guest_va(insn, regs->rip, sizeof(insn)) ||
         memcmp(insn, forced_cpuid, sizeof(insn)) )
        return false;
    pv_cpuid(current, regs->eax, regs->ecx, &r);
    regs->rax = r.eax;
    regs->rbx = r.ebx;
    regs->rcx = r.ecx;
    regs->rdx = r.edx;
    regs->rip += sizeof(forced_cpuid);
    return true;
}

/* --- Model-specific registers ------------------------------------------ */

static bool read_msr(struct vcpu *v, u32 msr, u64 *val)
{
    switch ( msr )
    {
    case MSR_FS_BASE:
    case MSR_GS_BASE:
        *val = rdmsr(msr); /* live while the guest runs */
        return true;
    case MSR_SHADOW_GS_BASE: /* the guest's inactive GS: its user one */
        *val = v->pv.gs_base_user;
        return true;
    case MSR_EFER:
        *val = rdmsr(MSR_EFER) & (EFER_SCE | EFER_LME | EFER_NXE | (1u << 10) /* LMA */);
        return true;
    case MSR_APIC_BASE:
        *val = 0xfee00000 | (1u << 11) | (v->vcpu_id == 0 ? 1u << 8 : 0);
        return true;
    case MSR_PAT: *val = rdmsr(MSR_PAT); return true;
    case MSR_MISC_ENABLE:
        *val = (1u << 0) | (1u << 11) | (1u << 12); /* fast strings, no BTS/PEBS */
        return true;
    case MSR_TSC_AUX: *val = v->vcpu_id; return true;
    default:
        /* Before the guest has a #GP handler, unknown MSRs read as 0. */
        if ( !v->pv.trap_ctxt[X86_EXC_GP].address )
        {
            *val = 0;
            return true;
        }
        return false;
    }
}

static bool write_msr(struct vcpu *v, u32 msr, u64 val)
{
    u64 cur;

    switch ( msr )
    {
    case MSR_FS_BASE:
    case MSR_GS_BASE:
        if ( !is_canonical(val) )
            return false;
        wrmsr(msr, val);
        if ( msr == MSR_GS_BASE )
            v->pv.gs_base_kernel = val;
        else
            v->pv.fs_base = val;
        return true;
    case MSR_SHADOW_GS_BASE:
        if ( !is_canonical(val) )
            return false;
        v->pv.gs_base_user = val;
        return true;
    case MSR_EFER:
    case MSR_PAT:
    case MSR_MISC_ENABLE:
        /* Accept writing back what reads return; refuse real changes. */
        return read_msr(v, msr, &cur) && cur == val;
    default: return false;
    }
}

/* --- Control registers -------------------------------------------------- */

static unsigned long read_guest_cr(struct vcpu *v, unsigned int cr)
{
    switch ( cr )
    {
    case 0:
        return X86_CR0_PE | X86_CR0_MP | X86_CR0_NE | X86_CR0_WP | X86_CR0_PG | 0x10 /* ET */ |
               (v->pv.fpu_ts ? X86_CR0_TS : 0);
    case 2: return v->vcpu_info->arch.cr2;
    case 3: return pfn_to_paddr(v->pv.in_kernel ? v->pv.guest_table : v->pv.guest_table_user);
    case 4: return read_cr4() & (X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
    default: return 0;
    }
}

static bool write_guest_cr(struct vcpu *v, unsigned int cr, unsigned long val)
{
    switch ( cr )
    {
    case 0: /* only TS may change */
        if ( (val ^ read_guest_cr(v, 0)) & ~X86_CR0_TS )
            return false;
        pv_set_fpu_ts(v, !!(val & X86_CR0_TS));
        return true;
    case 2: v->vcpu_info->arch.cr2 = val; return true;
    case 4: /* Linux writes back what it read, perhaps with PGE/PSE off */
        return !((val ^ read_guest_cr(v, 4)) & ~(X86_CR4_PGE | X86_CR4_PSE));
    default: return false;
    }
}

/* --- Port I/O ------------------------------------------------------------ */

/* Ports the hypervisor itself drives: never the guest's (as on Xen: PIC, PIT, COM1). */
static bool port_reserved(unsigned int port, unsigned int bytes)
{
    static const struct
    {
        u16 first, last;
    } reserved[] = {
        {0x20, 0x21}, {0xa0, 0xa1}, {0x40, 0x43}, {0x61, 0x61}, {0x3f8, 0x3ff},
    };

    for ( unsigned int i = 0; i < ARRAY_SIZE(reserved); i++ )
        if ( port <= reserved[i].last && port + bytes - 1 >= reserved[i].first )
            return true;
    return false;
}

/* May the guest execute in/out at all (virtual IOPL or its I/O bitmap)? */
static bool io_instruction_allowed(const struct vcpu *v, unsigned int port, unsigned int bytes)
{
    if ( port + bytes > 0x10000 )
        return false;
    return v->pv.iopl >= (v->pv.in_kernel ? 1u : 3u) || pv_iobitmap_allows(v, port, bytes);
}

/* Does the access reach the hardware? Otherwise reads see all ones, writes vanish. */
static bool port_permitted(const struct vcpu *v, unsigned int port, unsigned int bytes)
{
    return v->domain->is_privileged && !port_reserved(port, bytes);
}

static void do_port_io(struct vcpu *v, struct cpu_user_regs *regs, bool in, unsigned int port,
                       unsigned int bytes)
{
    bool real = port_permitted(v, port, bytes);

    if ( in )
    {
        unsigned long val = !real        ? ~0UL
                            : bytes == 1 ? inb(port)
                            : bytes == 2 ? inw(port)
                                         : inl(port);
        unsigned long mask = bytes == 4 ? 0xffffffffUL : (1UL << (bytes * 8)) - 1;

        /* A 32-bit result zero-extends into rax; narrower ones merge. */
        regs->rax = bytes == 4 ? (val & mask) : (regs->rax & ~mask) | (val & mask);
    }
    else if ( !real )
        return;
    else if ( bytes == 1 )
        outb(regs->rax, port);
    else if ( bytes == 2 )
        outw(regs->rax, port);
    else
        outl(regs->rax, port);
}

/* --- Decoder ------------------------------------------------------------- */

struct insn
{
    u8 bytes[16];
    unsigned int len; /* bytes consumed so far */
    bool opsize16;    /* 0x66 */
    u8 rex;
};

static void skip_prefixes(struct insn *in)
{
    for ( ; in->len < 15; in->len++ )
    {
        u8 b = in->bytes[in->len];

        if ( b == 0x66 )
            in->opsize16 = true;
        else if ( b == 0x67 || b == 0xf2 || b == 0xf3 || b == 0x2e || b == 0x3e || b == 0x26 ||
                  b == 0x36 || b == 0x64 || b == 0x65 )
            continue;
        else if ( (b & 0xf0) == 0x40 )
            in->rex = b;
        else
            break;
    }
}

static unsigned long *gpr(struct cpu_user_regs *regs, unsigned int n)
{
    unsigned long *const table[16] = {
        &regs->rax, &regs->rcx, &regs->rdx, &regs->rbx, &regs->rsp, &regs->rbp,
        &regs->rsi, &regs->rdi, &regs->r8,  &regs->r9,  &regs->r10, &regs->r11,
        &regs->r12, &regs->r13, &regs->r14, &regs->r15,
    };

    return table[n & 15];
}

/* Two-byte opcodes 0F xx. */
static bool emulate_0f(struct vcpu *v, struct cpu_user_regs *regs, struct insn *in)
{
    u8 op = in->bytes[in->len++];
    u64 val;

    switch ( op )
    {
    case 0x06: /* clts */ v->pv.fpu_ts = false; return true;
    case 0x09: /* wbinvd */ return v->domain->is_privileged;
    case 0x20: /* mov %crN, reg */
    case 0x22: /* mov reg, %crN */
    {
        u8 modrm = in->bytes[in->len++];
        unsigned int cr = ((modrm >> 3) & 7) | ((in->rex & 4) ? 8 : 0);
        unsigned long *reg = gpr(regs, (modrm & 7) | ((in->rex & 1) ? 8 : 0));

        if ( (modrm >> 6) != 3 )
            return false;
        if ( op == 0x20 )
        {
            *reg = read_guest_cr(v, cr);
            return true;
        }
        return write_guest_cr(v, cr, *reg);
    }
    case 0x30: /* wrmsr */ return write_msr(v, regs->ecx, ((u64)regs->edx << 32) | regs->eax);
    case 0x32: /* rdmsr */
        if ( !read_msr(v, regs->ecx, &val) )
            return false;
        regs->rax = (u32)val;
        regs->rdx = val >> 32;
        return true;
    default: return false;
    }
}

static bool emulate_one(struct vcpu *v, struct cpu_user_regs *regs, struct insn *in)
{
    u8 op = in->bytes[in->len++];
    unsigned int bytes = (op & 1) ? (in->opsize16 ? 2 : 4) : 1;

    switch ( op )
    {
    case 0x0f: return emulate_0f(v, regs, in);
    case 0xe4:
    case 0xe5:
    case 0xe6:
    case 0xe7: /* in/out imm8 */
    {
        unsigned int port = in->bytes[in->len++];

        if ( !io_instruction_allowed(v, port, bytes) )
            return false;
        do_port_io(v, regs, op < 0xe6, port, bytes);
        return true;
    }
    case 0xec:
    case 0xed:
    case 0xee:
    case 0xef: /* in/out %dx */
        if ( !io_instruction_allowed(v, regs->edx & 0xffff, bytes) )
            return false;
        do_port_io(v, regs, op < 0xee, regs->edx & 0xffff, bytes);
        return true;
    case 0xfa: /* cli */
    case 0xfb: /* sti */
        if ( v->pv.iopl < (v->pv.in_kernel ? 1u : 3u) )
            return false;
        v->vcpu_info->evtchn_upcall_mask = op == 0xfa;
        return true;
    default: return false;
    }
}

bool pv_emulate_privileged_op(struct cpu_user_regs *regs)
{
    struct vcpu *v = current;
    struct insn in = {.len = 0};

    if ( regs->error_code != 0 )
        return false; /* a segment or IDT fault, not a privileged instruction */
    if ( copy_from_guest_va(in.bytes, regs->rip, sizeof(in.bytes)) )
    {
        /* Near the end of a mapping: fetch what we can, one byte at a time. */
        unsigned int n = 0;

        while ( n < sizeof(in.bytes) && !copy_from_guest_va(&in.bytes[n], regs->rip + n, 1) )
            n++;
        if ( !n )
            return false;
    }
    skip_prefixes(&in);
    if ( in.len > sizeof(in.bytes) - 4 ) /* room for the longest form we decode */
        return false;
    if ( !emulate_one(v, regs, &in) )
        return false;
    regs->rip += in.len;
    return true;
}
