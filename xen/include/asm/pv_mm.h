/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PV MMU: page references, page types, guest page-table validation and
 * the MMU hypercalls. docs/pv-mm.md describes the whole picture.
 *
 * Three layers, each in its own file:
 *   arch/x86/pv/ptvalidate.c  pure rules on one entry (flags, slots, I/O
 *                             frames): no state, host-tested exhaustively;
 *   arch/x86/page_ref.c       general and type references on page_info,
 *                             validation and devalidation of page tables,
 *                             the update of one entry of a validated table;
 *   arch/x86/pv/mm.c          the hypercalls (mmu_update, update_va_mapping,
 *                             mmuext_op) and the platform hooks below;
 *   arch/x86/pv/ro-page-fault.c  writable page tables (emulated PTE stores).
 *
 * Accounting rules (the dom0 builder follows exactly these):
 *   - every frame a domain owns has PGC_allocated and one general reference
 *     for it, owner d, and is on d's page list; whoever clears PGC_allocated
 *     also takes the frame off the list before dropping that reference;
 *   - a present L1 entry mapping RAM frame F holds one general reference on
 *     F, and if it is writable one PGT_writable_page type reference too;
 *     entries mapping I/O frames hold nothing;
 *   - a present L2/L3/L4 entry referencing T holds one general and one type
 *     reference (L1/L2/L3 table, one level below) on T;
 *   - v->pv.guest_table and guest_table_user each hold one general and one
 *     PGT_l4_page_table reference; a pin holds one more of each;
 *   - pages the hypervisor shares: shared_info is owned by its domain
 *     (share_xen_page_with_guest(), common/domain.c); the M2P frames are
 *     dom_xen's, type none, so privileged guests map them read-only only.
 */
#ifndef ASM_PV_MM_H
#define ASM_PV_MM_H

#include <xen/types.h>
#include <asm/mm.h>
#include <asm/page.h>

struct domain;
struct vcpu;

/* ---- pure rules (arch/x86/pv/ptvalidate.c) ---- */

#define PTE_MFN(e)    (((e)&PADDR_MASK) >> PAGE_SHIFT)
#define PTE_FLAGS(e)  ((e) & ~PADDR_MASK)
#define PTE_AD        (_PAGE_ACCESSED | _PAGE_DIRTY)
#define PTE_CACHE     (_PAGE_PWT | _PAGE_PCD | _PAGE_PAT)
#define PTE_AVAIL_HI  (0x7ffUL << 52) /* bits 52-62: free for the guest */
#define PT_XEN_SLOT_0 256             /* first hypervisor slot of an L4 */
#define PT_XEN_SLOT_N 272             /* one past the last */

/* The frame an invalid-MFN PTE names: all address bits set (Xen's INVALID_MFN check). */
#define PTE_INVALID_MFN (PADDR_MASK >> PAGE_SHIFT)

/* What the domain whose table holds the entry may do. */
struct pt_policy
{
    bool io_caps; /* may map I/O frames and choose cache attributes (dom0) */
    bool nx_ok;   /* EFER.NXE is on: bit 63 is NX, not reserved */
};

/* What a frame number refers to, from the hypervisor's point of view. */
enum frame_kind {
    FRAME_RAM,       /* has a page_info and may be owned by a domain */
    FRAME_IO,        /* device memory or firmware: privileged domains may map */
    FRAME_IO_RO,     /* device memory the hypervisor uses but lets dom0 read */
    FRAME_FORBIDDEN, /* the hypervisor's own devices (local APIC, IO-APIC) */
};

/* Flags an entry at level (1-4) may not have: 0 or -EINVAL. */
int pte_check_flags(unsigned int level, pte_t e, const struct pt_policy *p);
/* May a guest write slot of a level table (the hypervisor's L4 slots: no)? */
static inline bool pt_slot_guest_writable(unsigned int level, unsigned int slot)
{
    return level != 4 || slot < PT_XEN_SLOT_0 || slot >= PT_XEN_SLOT_N;
}

/* The entry as installed: present entries get _PAGE_USER at every level (ring-3 kernel). */
static inline pte_t pte_adjust_guest(unsigned int level, pte_t e)
{
    (void)level;
    return (e & _PAGE_PRESENT) ? e | _PAGE_USER : e;
}

/* new with the A/D bits of cur ORed in (MMU_PT_UPDATE_PRESERVE_AD). */
pte_t pte_merge_ad(pte_t new, pte_t cur);
/*
 * An L1 entry that maps an I/O frame: 0 and *e adjusted (RW dropped for
 * read-only device memory, cache attributes forced to uncached or
 * write-protect as Xen does), -EPERM when the domain may not map it,
 * -EINVAL for the all-ones "invalid" frame number.
 */
int pte_check_io(pte_t *e, enum frame_kind kind, const struct pt_policy *p);
/* The type a table entry at level (2-4) gives the frame it references. */
static inline unsigned long pt_type_below(unsigned int level)
{
    return (unsigned long)(level - 1) << PGT_type_shift;
}

/* The level (1-4) of a page-table type, 0 for other types (PGT_lN is N). */
static inline unsigned int pt_level_of_type(unsigned long type)
{
    unsigned int t = (type & PGT_type_mask) >> PGT_type_shift;

    return t <= 4 ? t : 0;
}

/* ---- references and types (arch/x86/page_ref.c) ---- */

/* A general reference on pg if d owns it (true), else none (false). */
bool get_page(struct page_info *pg, const struct domain *d);
/* Drop a general reference; the last one frees the frame. */
void put_page(struct page_info *pg);
/*
 * A type reference. The first one of a page-table type validates the frame
 * (taking the references its entries need). get_page_type_err() says why it
 * failed: -EINVAL for a type conflict or a table that does not validate (no
 * reference is then taken); get_page_type() is true on success, as Xen's.
 */
int get_page_type_err(struct page_info *pg, unsigned long type);
bool get_page_type(struct page_info *pg, unsigned long type);
/*
 * The same, but a long validation may stop (pv_preempt_check()) and answer
 * -ERESTART: the frame is parked half-validated, holding the caller's
 * general reference, and the next request for the type continues it. For
 * hypercalls that can continue themselves.
 */
int get_page_type_preemptible(struct page_info *pg, unsigned long type);
/* Drop a type reference; the last one of a page-table type devalidates it. */
void put_page_type(struct page_info *pg);
/* Both, for d's frame (true on success, as Xen's); _err: -EINVAL or the type's error. */
int get_page_and_type_err(struct page_info *pg, const struct domain *d, unsigned long type);
bool get_page_and_type(struct page_info *pg, const struct domain *d, unsigned long type);
int get_page_and_type_preemptible(struct page_info *pg, const struct domain *d, unsigned long type);
void put_page_and_type(struct page_info *pg);
/*
 * Take an extra type reference only if pg is a validated table of type
 * (used while one entry of it changes); false otherwise.
 */
bool get_validated_table(struct page_info *pg, unsigned long type);

/*
 * References a present entry at level needs (the accounting rules above);
 * *e may be adjusted (I/O cache attributes). l1_owner owns the table,
 * pg_owner the frames it may map (a foreign domain, DOMID_XEN/DOMID_IO's
 * pseudo-domains, or l1_owner itself). 0 or a negative errno, as Xen.
 */
int get_pte_refs(unsigned int level, pte_t *e, struct domain *l1_owner, struct domain *pg_owner);
void put_pte_refs(unsigned int level, pte_t e);

/*
 * Change entry slot of the validated table tbl (level 1-4) to new: check,
 * take the new references, write atomically, drop the old ones. With
 * preserve_ad, A/D bits already set on the same frame stay set. With
 * expect, only if the entry still holds *expect: otherwise *expect gets
 * the current value and the result is -EAGAIN. Nothing changes on error:
 * -EINVAL (bad entry), -EBUSY (frame in use another way), -EPERM (I/O).
 */
int pt_update_entry(struct page_info *tbl, unsigned int level, unsigned int slot, pte_t new,
                    pte_t *expect, bool preserve_ad, struct domain *pt_owner,
                    struct domain *pg_owner);
/* The same; a table the new entry names may be validated preemptibly (-ERESTART). */
int pt_update_entry_preemptible(struct page_info *tbl, unsigned int level, unsigned int slot,
                                pte_t new, bool preserve_ad, struct domain *pt_owner,
                                struct domain *pg_owner);

/*
 * Domain teardown: drop every vCPU's base pointers, every pin and every
 * parked half-validation of d, so that its tables devalidate and only the
 * allocation references remain (the frames are then freed as those go).
 * d must not run; not preemptible.
 */
void pv_relinquish_page_tables(struct domain *d);

/* Pseudo-domains of DOMID_XEN (hypervisor pages shared read-only) and DOMID_IO. */
extern struct domain *dom_xen, *dom_io;

/* ---- platform hooks used by page_ref.c (pv/mm.c; the host tests have their own) ---- */

pte_t *pv_map_table(mfn_t mfn); /* the frame's 512 entries, direct-mapped */
/* Once, at boot (later calls return at once): dom_xen/dom_io, the RAM bitmap, NX. */
void pv_mm_init(void);
enum frame_kind pv_frame_kind(mfn_t mfn);     /* RAM, I/O... (stable for the boot) */
const char *pv_frame_kind_selftest(void);     /* NULL if the RAM bitmap matches the e820 rule */
void pv_flush_after_type_change(void);        /* a writable frame became a table */
void pv_flush_table_change(struct domain *d); /* a present L2-L4 entry of d's changed */
void pv_flush_before_free(void);              /* a guest frame is about to be freed */
void pv_policy_of(const struct domain *d, struct pt_policy *p);
bool pv_controls(const struct domain *who, const struct domain *target); /* privileged */
bool pv_preempt_check(void); /* should a preemptible validation stop now? */

/* ---- hypercalls (pv/mm.c) and the #PF hook (pv/ro-page-fault.c) ---- */

long do_mmu_update(unsigned long ureqs, unsigned long count, unsigned long pdone,
                   unsigned long foreigndom);
long do_mmuext_op(unsigned long uops, unsigned long count, unsigned long pdone,
                  unsigned long foreigndom);
long do_update_va_mapping(unsigned long va, unsigned long val, unsigned long flags);
long do_update_va_mapping_otherdomain(unsigned long va, unsigned long val, unsigned long flags,
                                      unsigned long domid);

/* Install mfn as v's kernel (user) L4, moving the references: 0 or -EINVAL. */
int pv_set_guest_table(struct vcpu *v, mfn_t mfn, bool user);

struct cpu_user_regs;
/* A write fault on a read-only page table emulated: true, RIP advanced. */
bool pv_ro_page_fault(struct cpu_user_regs *regs);

/* The PTE-writing instructions the emulation knows (pure decoder, host-tested). */
enum ptwr_op {
    PTWR_NONE,
    PTWR_MOV,
    PTWR_XCHG,
    PTWR_CMPXCHG,
    PTWR_AND,
    PTWR_OR,
    PTWR_XOR,
    PTWR_BTS,
    PTWR_BTR,
    PTWR_BTC,
};

struct ptwr_insn
{
    enum ptwr_op op;
    unsigned int size; /* operand bytes: 1, 2, 4 or 8 */
    unsigned int len;  /* instruction bytes */
    int reg;           /* source register (x86 numbering), -1: immediate */
    bool high_byte;    /* reg names AH/CH/DH/BH */
    u64 imm;           /* sign-extended immediate (bit offset for bts/btr/btc) */
    u64 src, rax;      /* filled by the caller: source value, rAX for cmpxchg */
};

struct ptwr_result
{
    u64 old;                  /* in: the operand's current value */
    u64 new;                  /* the value to store (if write) */
    bool write;               /* false: cmpxchg that found another value */
    u64 reg_out;              /* xchg: the source register's new value; cmpxchg: rAX's */
    unsigned long flags;      /* arithmetic flags the instruction sets... */
    unsigned long flags_mask; /* ...and which of them */
};

/* Decode a store at b[0..n): 0, or -EINVAL for anything not emulated. */
int ptwr_decode(const u8 *b, unsigned int n, struct ptwr_insn *in);
/* The effect of in on an operand holding res->old. */
void ptwr_compute(const struct ptwr_insn *in, struct ptwr_result *res);

/* Look up the L1 entry that maps va in v's kernel page tables: its table frame and slot. */
int pv_find_l1e(const struct vcpu *v, unsigned long va, mfn_t *l1mfn, unsigned int *slot);

#endif
