/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ELF64 and Xen-note parsing for the domain builder (see xen/libelf.h).
 *
 * Segment addresses: Xen's convention is that a segment with physical
 * address p is loaded at guest virtual address p - PADDR_OFFSET + VIRT_BASE
 * (Linux: VIRT_BASE 0xffffffff80000000, PADDR_OFFSET 0). Linux's percpu
 * segment has p_vaddr 0, so p_vaddr is never used.
 */
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/libelf.h>
#include <public/elfnote.h>
#include <public/features.h>
#include <asm/page.h>

#define EI_CLASS   4
#define ELFCLASS64 2
#define EM_X86_64  62
#define PT_LOAD    1
#define PT_NOTE    4

struct elf64_ehdr
{
    u8 e_ident[16];
    u16 e_type, e_machine;
    u32 e_version;
    u64 e_entry, e_phoff, e_shoff;
    u32 e_flags;
    u16 e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

struct elf64_phdr
{
    u32 p_type, p_flags;
    u64 p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};

/* Does [off, off + size) lie within the image? */
static bool in_image(size_t len, u64 off, u64 size)
{
    return off <= len && size <= len - off;
}

static const struct elf64_phdr *phdr(const void *img, unsigned int i)
{
    const struct elf64_ehdr *eh = img;

    return (const struct elf64_phdr *)((const u8 *)img + eh->e_phoff) + i;
}

static unsigned long note_value(const u8 *desc, u32 size)
{
    if ( size == 8 )
        return *(const u64 *)desc;
    if ( size == 4 )
        return *(const u32 *)desc;
    return ELF_NOTE_UNSET;
}

static void note_string(char *dst, size_t dst_len, const u8 *desc, u32 size)
{
    size_t n = min((size_t)size, dst_len - 1);

    memcpy(dst, desc, n);
    dst[n] = '\0';
}

/* XEN_ELFNOTE_FEATURES: "a|b|!c|+d": plain and '+' names are required. */
static u32 parse_required_features(const char *s)
{
    static const struct
    {
        const char *name;
        unsigned int bit;
    } names[] = {
        {"writable_page_tables", XENFEAT_writable_page_tables},
        {"writable_descriptor_tables", XENFEAT_writable_descriptor_tables},
        {"auto_translated_physmap", XENFEAT_auto_translated_physmap},
        {"supervisor_mode_kernel", XENFEAT_supervisor_mode_kernel},
        {"pae_pgdir_above_4gb", XENFEAT_pae_pgdir_above_4gb},
        {"hvm_callback_vector", XENFEAT_hvm_callback_vector},
        {"dom0", XENFEAT_dom0},
    };
    u32 required = 0;

    while ( *s )
    {
        const char *end = strchr(s, '|');
        size_t n = end ? (size_t)(end - s) : strlen(s);
        bool optional = *s == '!';
        const char *name = (*s == '!' || *s == '+') ? s + 1 : s;
        size_t name_len = n - (size_t)(name - s);

        for ( unsigned int i = 0; i < ARRAY_SIZE(names) && !optional; i++ )
            if ( strlen(names[i].name) == name_len && !strncmp(names[i].name, name, name_len) )
                required |= 1u << names[i].bit;
        s += n + (end ? 1 : 0);
    }
    return required;
}

static void apply_note(struct elf_dom_parms *p, u32 type, const u8 *desc, u32 size)
{
    char buf[128];

    p->has_xen_notes = true;
    switch ( type )
    {
    case XEN_ELFNOTE_ENTRY: p->entry = note_value(desc, size); break;
    case XEN_ELFNOTE_HYPERCALL_PAGE: p->hypercall_page = note_value(desc, size); break;
    case XEN_ELFNOTE_VIRT_BASE: p->virt_base = note_value(desc, size); break;
    case XEN_ELFNOTE_PADDR_OFFSET: p->paddr_offset = note_value(desc, size); break;
    case XEN_ELFNOTE_INIT_P2M: p->init_p2m = note_value(desc, size); break;
    case XEN_ELFNOTE_MOD_START_PFN: p->mod_start_pfn = note_value(desc, size) == 1; break;
    case XEN_ELFNOTE_SUPPORTED_FEATURES: p->supported_features = (u32)note_value(desc, size); break;
    case XEN_ELFNOTE_GUEST_OS: note_string(p->guest_os, sizeof(p->guest_os), desc, size); break;
    case XEN_ELFNOTE_XEN_VERSION:
        note_string(p->xen_version, sizeof(p->xen_version), desc, size);
        break;
    case XEN_ELFNOTE_LOADER: note_string(p->loader, sizeof(p->loader), desc, size); break;
    case XEN_ELFNOTE_FEATURES:
        note_string(buf, sizeof(buf), desc, size);
        p->required_features |= parse_required_features(buf);
        break;
    default: break;
    }
}

/* Walk the notes of one PT_NOTE segment. */
static int parse_notes(const u8 *n, u64 size, struct elf_dom_parms *p)
{
    while ( size >= 12 )
    {
        u32 namesz = ((const u32 *)n)[0], descsz = ((const u32 *)n)[1];
        u32 type = ((const u32 *)n)[2];
        u64 name_len = ROUNDUP((u64)namesz, 4), desc_len = ROUNDUP((u64)descsz, 4);

        if ( name_len > size - 12 || desc_len > size - 12 - name_len )
            return -EINVAL;
        if ( namesz == 4 && !memcmp(n + 12, "Xen", 4) )
            apply_note(p, type, n + 12 + name_len, descsz);
        n += 12 + name_len + desc_len;
        size -= 12 + name_len + desc_len;
    }
    return 0;
}

static int check_header(const void *img, size_t len)
{
    const struct elf64_ehdr *eh = img;

    if ( len < sizeof(*eh) || memcmp(eh->e_ident, "\177ELF", 4) ||
         eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_X86_64 )
        return -EINVAL;
    if ( eh->e_phentsize != sizeof(struct elf64_phdr) || !eh->e_phnum ||
         !in_image(len, eh->e_phoff, (u64)eh->e_phnum * sizeof(struct elf64_phdr)) ||
         (eh->e_phoff & 7) )
        return -EINVAL;
    return 0;
}

static unsigned long segment_va(const struct elf_dom_parms *p, const struct elf64_phdr *ph)
{
    return ph->p_paddr - p->paddr_offset + p->virt_base;
}

/* The guest VA range the loadable segments cover; all must be sane. */
static int elf_segment_range(const void *img, size_t len, struct elf_dom_parms *p)
{
    const struct elf64_ehdr *eh = img;

    p->virt_kstart = ~0UL;
    p->virt_kend = 0;
    for ( unsigned int i = 0; i < eh->e_phnum; i++ )
    {
        const struct elf64_phdr *ph = phdr(img, i);
        unsigned long va = segment_va(p, ph);

        if ( ph->p_type != PT_LOAD || !ph->p_memsz )
            continue;
        if ( ph->p_filesz > ph->p_memsz || !in_image(len, ph->p_offset, ph->p_filesz) ||
             va + ph->p_memsz < va || va < p->virt_base )
            return -EINVAL;
        p->virt_kstart = min(p->virt_kstart, va);
        p->virt_kend = max(p->virt_kend, va + ph->p_memsz);
    }
    if ( p->virt_kend == 0 || p->entry < p->virt_kstart || p->entry >= p->virt_kend )
        return -EINVAL;
    return 0;
}

int elf_load_dom(const void *img, size_t len, const struct elf_dom_parms *p,
                 void *(*dest)(unsigned long va, void *ctx), void *ctx)
{
    const struct elf64_ehdr *eh = img;

    for ( unsigned int i = 0; i < eh->e_phnum; i++ )
    {
        const struct elf64_phdr *ph = phdr(img, i);
        unsigned long va = segment_va(p, ph);
        const u8 *src = (const u8 *)img + ph->p_offset;

        if ( ph->p_type != PT_LOAD )
            continue;
        for ( u64 done = 0; done < ph->p_memsz; )
        {
            unsigned long off = (va + done) & (PAGE_SIZE - 1);
            u64 chunk = min((u64)(PAGE_SIZE - off), ph->p_memsz - done);
            u8 *d = dest(va + done, ctx);

            if ( !d )
                return -EFAULT;
            if ( done < ph->p_filesz )
            {
                u64 n = min(chunk, ph->p_filesz - done);
                memcpy(d, src + done, n);
                memset(d + n, 0, chunk - n);
            }
            else
                memset(d, 0, chunk);
            done += chunk;
        }
    }
    return 0;
}

int elf_parse_dom(const void *img, size_t len, struct elf_dom_parms *p)
{
    const struct elf64_ehdr *eh = img;
    int rc = check_header(img, len);

    if ( rc )
        return rc;
    memset(p, 0, sizeof(*p));
    p->virt_base = p->paddr_offset = p->entry = ELF_NOTE_UNSET;
    p->hypercall_page = p->init_p2m = ELF_NOTE_UNSET;
    for ( unsigned int i = 0; i < eh->e_phnum; i++ )
    {
        const struct elf64_phdr *ph = phdr(img, i);

        if ( ph->p_type != PT_NOTE )
            continue;
        if ( !in_image(len, ph->p_offset, ph->p_filesz) || (ph->p_offset & 3) )
            return -EINVAL;
        rc = parse_notes((const u8 *)img + ph->p_offset, ph->p_filesz, p);
        if ( rc )
            return rc;
    }
    if ( !p->has_xen_notes || strncmp(p->xen_version, "xen-3.0", 7) )
        return -EINVAL;
    if ( p->virt_base == ELF_NOTE_UNSET )
        p->virt_base = 0;
    if ( p->paddr_offset == ELF_NOTE_UNSET )
        p->paddr_offset = p->virt_base;
    if ( p->entry == ELF_NOTE_UNSET )
        p->entry = eh->e_entry;
    return elf_segment_range(img, len, p);
}
