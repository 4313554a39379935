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
 *
 * The hypercall's buffer (the extraversion) is written by the hypervisor
 * through the kernel's page tables, which map user memory: the page is
 * touched and locked first so it is present.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#define __user       /* a kernel annotation in privcmd.h */
#include <xen/xen.h> /* domid_t, xen_pfn_t for privcmd.h */
#include <xen/sys/privcmd.h>

#define HYPERCALL_XEN_VERSION 17 /* __HYPERVISOR_xen_version */
#define XENVER_VERSION        0
#define XENVER_EXTRAVERSION   1

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

int main(int argc, char **argv)
{
    if ( argc == 2 && !strcmp(argv[1], "xenver") )
        return cmd_xenver();
    if ( argc == 3 && !strcmp(argv[1], "exit") )
        return atoi(argv[2]);
    if ( argc == 3 && !strcmp(argv[1], "spawn") )
        return cmd_spawn(strtoul(argv[2], NULL, 0));
    if ( argc == 3 && !strcmp(argv[1], "mem") )
        return cmd_mem(strtoul(argv[2], NULL, 0));
    fprintf(stderr, "usage: dom0check xenver | mem MIB | exit N | spawn N\n");
    return 2;
}
