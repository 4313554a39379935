/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dom0check: the parts of the dom0 scenario checks (test/dom0/init-checks.sh)
 * that a shell cannot do, built static by test/suites/40-dom0.sh.
 *
 *   dom0check xenver       a xen_version hypercall through /dev/xen/privcmd
 *                          (IOCTL_PRIVCMD_HYPERCALL): prints
 *                          "xenver 0x<major<<16|minor> <extraversion>"
 *   dom0check mem MIB      maps MIB MiB of anonymous memory, writes a
 *                          position-dependent pattern to every 8-byte word,
 *                          reads it all back, unmaps it; prints
 *                          "mem <MIB> MiB errors <n>"
 *   dom0check exit N       exits with status N
 *   dom0check spawn N      N times: fork, the child execs "dom0check exit 7",
 *                          the parent waits and counts exit statuses of 7;
 *                          prints "spawn <ok> of <N>"
 *   dom0check evtchn N     through /dev/xen/evtchn: an unbound port for
 *                          dom0 itself, a second port bound to it
 *                          (interdomain, dom0 to dom0), the events of the
 *                          binding itself drained; N round trips, each
 *                          side notifying the other and reading the event
 *                          back (with a 2 s timeout each, stopping at the
 *                          first failure); prints "evtchn <ok> of <N>"
 *   dom0check grant PAGES  gntalloc grants PAGES pages to dom0 itself,
 *                          gntdev maps those grants; data written through
 *                          either mapping must be read through the other;
 *                          prints "grant <PAGES> pages errors <n>"
 *   dom0check features     XENVER_get_features submap 0 through privcmd:
 *                          prints "features <hex>" (sysfs prints the same)
 *   dom0check rtc N        /dev/rtc0's update interrupt on (RTC_UIE_ON),
 *                          N events read (3 s timeout each, each one an
 *                          interrupt of the RTC's IRQ), off again; prints
 *                          "rtc <events read> of <N>" and the IRQ flags
 *                          word of the last event
 *   dom0check sci N        N times: enable the ACPI PM timer's overflow
 *                          event (TMR_EN in PM1a_EN, from the FADT in
 *                          /sys/firmware/acpi/tables/FACP) and wait (6 s at
 *                          most) until Linux's SCI handler, having found
 *                          no handler for it, disables it again: one
 *                          level-triggered SCI each, the next one only
 *                          arriving if the previous was acknowledged;
 *                          prints "sci <handled> of <N>"
 *
 * The hypercall's buffer (the extraversion) is written by the hypervisor
 * through the kernel's page tables, which map user memory: the page is
 * touched and locked first so it is present.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <linux/rtc.h>
#include <unistd.h>
#define __user       /* a kernel annotation in privcmd.h */
#include <xen/xen.h> /* domid_t, xen_pfn_t for privcmd.h */
#include <xen/version.h>
#include <xen/sys/evtchn.h>
#include <xen/sys/gntalloc.h>
#include <xen/sys/gntdev.h>
#include <xen/sys/privcmd.h>

#define HYPERCALL_XEN_VERSION 17 /* __HYPERVISOR_xen_version */
#define XENVER_VERSION        0
#define XENVER_EXTRAVERSION   1
#define PAGE                  4096

static long xen_version(int fd, unsigned int cmd, void *arg)
{
    privcmd_hypercall_t call = {
        .op = HYPERCALL_XEN_VERSION,
        .arg = {cmd, (uintptr_t)arg},
    };

    return ioctl(fd, IOCTL_PRIVCMD_HYPERCALL, &call);
}

static int cmd_xenver(void)
{
    static char extra[4096] __attribute__((aligned(4096)));
    int fd = open("/dev/xen/privcmd", O_RDWR);
    long ver;

    if ( fd < 0 )
    {
        perror("open /dev/xen/privcmd");
        return 1;
    }
    memset(extra, 0, sizeof(extra));
    mlock(extra, sizeof(extra));
    ver = xen_version(fd, XENVER_VERSION, NULL);
    if ( ver < 0 )
    {
        perror("xen_version(XENVER_version)");
        return 1;
    }
    if ( xen_version(fd, XENVER_EXTRAVERSION, extra) < 0 )
    {
        perror("xen_version(XENVER_extraversion)");
        return 1;
    }
    extra[15] = '\0';
    printf("xenver 0x%08lx %s\n", ver, extra);
    return 0;
}

static int cmd_mem(unsigned long mib)
{
    size_t words = mib * (1024 * 1024 / sizeof(uint64_t));
    uint64_t *p = mmap(NULL, mib << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    unsigned long errors = 0;

    if ( p == MAP_FAILED )
    {
        perror("mmap");
        return 1;
    }
    for ( size_t i = 0; i < words; i++ )
        p[i] = (i * 0x9e3779b97f4a7c15ull) ^ (i >> 7);
    for ( size_t i = 0; i < words; i++ )
        if ( p[i] != ((i * 0x9e3779b97f4a7c15ull) ^ (i >> 7)) )
            errors++;
    munmap(p, mib << 20);
    printf("mem %lu MiB errors %lu\n", mib, errors);
    return errors != 0;
}

static int cmd_spawn(unsigned long n)
{
    unsigned long ok = 0;

    for ( unsigned long i = 0; i < n; i++ )
    {
        int status;
        pid_t pid = fork();

        if ( pid < 0 )
            break;
        if ( pid == 0 )
        {
            execl("/proc/self/exe", "dom0check", "exit", "7", (char *)NULL);
            _exit(1);
        }
        if ( waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 7 )
            ok++;
    }
    printf("spawn %lu of %lu\n", ok, n);
    return ok != n;
}

static int cmd_features(void)
{
    static xen_feature_info_t fi __attribute__((aligned(4096)));
    int fd = open("/dev/xen/privcmd", O_RDWR);

    if ( fd < 0 )
    {
        perror("open /dev/xen/privcmd");
        return 1;
    }
    mlock(&fi, sizeof(fi));
    if ( xen_version(fd, XENVER_get_features, &fi) < 0 )
    {
        perror("xen_version(XENVER_get_features)");
        return 1;
    }
    printf("features %08x\n", fi.submap);
    return 0;
}

/*
 * Notify port from, then wait (2 s at most) for the event on port to. Returns
 * NULL or the step that failed.
 */
static const char *evtchn_trip(int fd, unsigned int from, unsigned int to)
{
    struct ioctl_evtchn_notify notify = {.port = from};
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    uint32_t got;

    if ( ioctl(fd, IOCTL_EVTCHN_NOTIFY, &notify) < 0 )
        return "notify";
    if ( poll(&pfd, 1, 2000) != 1 )
        return "poll (no event in 2 s)";
    if ( read(fd, &got, sizeof(got)) != sizeof(got) )
        return "read";
    if ( got != to )
        return "read (another port)";
    /* The driver masks a port that fired: writing it back unmasks it. */
    return write(fd, &got, sizeof(got)) == sizeof(got) ? NULL : "unmask";
}

/*
 * Binding raises events of its own (the hypervisor marks a new interdomain
 * port pending, Linux's driver notifies the remote end): read and unmask
 * them until none comes for 200 ms.
 */
static void evtchn_drain(int fd)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    uint32_t ports[16];
    ssize_t len;

    while ( poll(&pfd, 1, 200) == 1 && (len = read(fd, ports, sizeof(ports))) > 0 )
        if ( write(fd, ports, len) != len )
            break;
}

static int cmd_evtchn(unsigned long n)
{
    struct ioctl_evtchn_bind_unbound_port unbound = {.remote_domain = 0};
    struct ioctl_evtchn_bind_interdomain inter = {.remote_domain = 0};
    int fd = open("/dev/xen/evtchn", O_RDWR), a, b;
    unsigned long ok = 0;

    if ( fd < 0 )
    {
        perror("open /dev/xen/evtchn");
        return 1;
    }
    a = ioctl(fd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &unbound);
    inter.remote_port = a;
    b = a < 0 ? -1 : ioctl(fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &inter);
    if ( a < 0 || b < 0 || a == b )
    {
        printf("evtchn ports %d %d: %s\n", a, b, strerror(errno));
        return 1;
    }
    evtchn_drain(fd);
    for ( ; ok < n; ok++ )
    {
        const char *step = evtchn_trip(fd, a, b);

        if ( !step )
            step = evtchn_trip(fd, b, a);
        if ( step )
        {
            printf("evtchn ports %d %d: trip %lu failed in %s\n", a, b, ok, step);
            break;
        }
    }
    ioctl(fd, IOCTL_EVTCHN_UNBIND, &(struct ioctl_evtchn_unbind){.port = b});
    ioctl(fd, IOCTL_EVTCHN_UNBIND, &(struct ioctl_evtchn_unbind){.port = a});
    close(fd);
    printf("evtchn %lu of %lu\n", ok, n);
    return ok != n;
}

/* Words of page p hold tag ^ (p << 16 | index): a wrong page shows. */
static unsigned long fill_check(uint32_t *mem, unsigned int pages, uint32_t tag, int fill)
{
    unsigned long errors = 0;

    for ( unsigned int i = 0; i < pages * PAGE / 4; i++ )
    {
        uint32_t want = tag ^ ((i / (PAGE / 4)) << 16 | (i % (PAGE / 4)));

        if ( fill )
            mem[i] = want;
        else
            errors += mem[i] != want;
    }
    return errors;
}

/* The two mappings of the same granted pages must show each other's writes. */
static unsigned long grant_exchange(uint32_t *alloc, uint32_t *mapped, unsigned int pages)
{
    unsigned long errors;

    fill_check(alloc, pages, 0x5a5a0000, 1);
    errors = fill_check(mapped, pages, 0x5a5a0000, 0);
    fill_check(mapped, pages, 0xa5a50000, 1);
    return errors + fill_check(alloc, pages, 0xa5a50000, 0);
}

static int cmd_grant(unsigned int pages)
{
    size_t len = (size_t)pages * PAGE;
    struct ioctl_gntalloc_alloc_gref *ga = calloc(1, sizeof(*ga) + pages * sizeof(uint32_t));
    struct ioctl_gntdev_map_grant_ref *gm = calloc(1, sizeof(*gm) + pages * sizeof(gm->refs[0]));
    int fa = open("/dev/xen/gntalloc", O_RDWR), fm = open("/dev/xen/gntdev", O_RDWR);
    uint32_t *alloc = MAP_FAILED, *mapped = MAP_FAILED;
    unsigned long errors;

    if ( !ga || !gm || fa < 0 || fm < 0 || !pages )
    {
        perror("open /dev/xen/gntalloc or gntdev");
        return 1;
    }
    *ga = (struct ioctl_gntalloc_alloc_gref){
        .domid = 0, .flags = GNTALLOC_FLAG_WRITABLE, .count = pages};
    if ( ioctl(fa, IOCTL_GNTALLOC_ALLOC_GREF, ga) == 0 )
        alloc = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fa, ga->index);
    gm->count = pages;
    for ( unsigned int i = 0; i < pages; i++ )
        gm->refs[i] = (struct ioctl_gntdev_grant_ref){.domid = 0, .ref = ga->gref_ids[i]};
    if ( alloc != MAP_FAILED && ioctl(fm, IOCTL_GNTDEV_MAP_GRANT_REF, gm) == 0 )
        mapped = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fm, gm->index);
    if ( alloc == MAP_FAILED || mapped == MAP_FAILED )
    {
        printf("grant %s failed: %s\n", alloc == MAP_FAILED ? "gntalloc" : "gntdev",
               strerror(errno));
        return 1;
    }
    errors = grant_exchange(alloc, mapped, pages);
    munmap(mapped, len);
    if ( ioctl(fm, IOCTL_GNTDEV_UNMAP_GRANT_REF,
               &(struct ioctl_gntdev_unmap_grant_ref){.index = gm->index, .count = pages}) )
        errors++;
    munmap(alloc, len);
    if ( ioctl(fa, IOCTL_GNTALLOC_DEALLOC_GREF,
               &(struct ioctl_gntalloc_dealloc_gref){.index = ga->index, .count = pages}) )
        errors++;
    printf("grant %u pages errors %lu\n", pages, errors);
    return errors != 0;
}

static int cmd_rtc(unsigned long n)
{
    int fd = open("/dev/rtc0", O_RDONLY);
    unsigned long ok = 0, data = 0;

    if ( fd < 0 || ioctl(fd, RTC_UIE_ON, 0) )
    {
        printf("rtc error %s\n", strerror(errno));
        return 1;
    }
    while ( ok < n )
    {
        struct pollfd p = {.fd = fd, .events = POLLIN};

        if ( poll(&p, 1, 3000) != 1 || read(fd, &data, sizeof(data)) != sizeof(data) )
            break;
        ok++;
    }
    ioctl(fd, RTC_UIE_OFF, 0);
    close(fd);
    printf("rtc %lu of %lu flags %#lx\n", ok, n, data & 0xff);
    return ok != n;
}

/* PM1a_EN's port from the FADT: PM1a_EVT_BLK (offset 56) + PM1_EVT_LEN (offset 88) / 2. */
static int pm1a_enable_port(void)
{
    unsigned char f[92];
    int fd = open("/sys/firmware/acpi/tables/FACP", O_RDONLY);
    uint32_t evt;

    if ( fd < 0 || read(fd, f, sizeof(f)) != sizeof(f) )
        return -1;
    close(fd);
    memcpy(&evt, f + 56, sizeof(evt));
    return evt && f[88] >= 4 && evt + f[88] <= 0x10000 ? (int)(evt + f[88] / 2) : -1;
}

static int cmd_sci(unsigned long n)
{
    int en = pm1a_enable_port();
    unsigned long ok = 0;

    if ( en < 0 || ioperm(en, 2, 1) )
    {
        printf("sci error: PM1a_EN %d, %s\n", en, strerror(errno));
        return 1;
    }
    for ( ; ok < n; ok++ )
    {
        unsigned int waited = 0;

        outw(inw(en) | 1, en); /* TMR_EN */
        while ( (inw(en) & 1) && waited < 600 )
        {
            usleep(10000);
            waited++;
        }
        if ( inw(en) & 1 )
            break;
    }
    outw(inw(en) & ~1, en);
    printf("sci %lu of %lu\n", ok, n);
    return ok != n;
}

int main(int argc, char **argv)
{
    if ( argc == 2 && !strcmp(argv[1], "xenver") )
        return cmd_xenver();
    if ( argc == 2 && !strcmp(argv[1], "features") )
        return cmd_features();
    if ( argc == 3 && !strcmp(argv[1], "evtchn") )
        return cmd_evtchn(strtoul(argv[2], NULL, 0));
    if ( argc == 3 && !strcmp(argv[1], "grant") )
        return cmd_grant(strtoul(argv[2], NULL, 0));
    if ( argc == 3 && !strcmp(argv[1], "exit") )
        return atoi(argv[2]);
    if ( argc == 3 && !strcmp(argv[1], "spawn") )
        return cmd_spawn(strtoul(argv[2], NULL, 0));
    if ( argc == 3 && !strcmp(argv[1], "mem") )
        return cmd_mem(strtoul(argv[2], NULL, 0));
    if ( argc == 3 && !strcmp(argv[1], "rtc") )
        return cmd_rtc(strtoul(argv[2], NULL, 0));
    if ( argc == 3 && !strcmp(argv[1], "sci") )
        return cmd_sci(strtoul(argv[2], NULL, 0));
    fprintf(stderr, "usage: dom0check xenver | features | mem MIB | exit N | spawn N | evtchn N | "
                    "grant PAGES | rtc N | sci N\n");
    return 2;
}
