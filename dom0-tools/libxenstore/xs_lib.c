/* SPDX-License-Identifier: GPL-2.0-only */
/* libxenstore helpers that need no connection: paths and permissions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xenstore.h"

#define XS_API __attribute__((visibility("default")))

XS_API const char *xs_daemon_rundir(void)
{
    const char *dir = getenv("XENSTORED_RUNDIR");

    return dir ? dir : "/run/xenstored";
}

XS_API const char *xs_daemon_socket(void)
{
    static char path[256];
    const char *env = getenv("XENSTORED_PATH");

    if ( env )
        return env;
    snprintf(path, sizeof(path), "%s/socket", xs_daemon_rundir());
    return path;
}

XS_API const char *xs_daemon_socket_ro(void)
{
    return xs_daemon_socket(); /* one socket serves both, as in Xen 4.17 */
}

XS_API bool xs_path_is_subpath(const char *parent, const char *child)
{
    size_t len = strlen(parent);

    if ( len && parent[len - 1] == '/' )
        len--;
    return !strncmp(child, parent, len) && (child[len] == '/' || child[len] == '\0');
}

XS_API bool xs_write_all(int fd, const void *data, unsigned int len)
{
    const char *p = data;

    while ( len )
    {
        ssize_t n = write(fd, p, len);

        if ( n < 0 && errno == EINTR )
            continue;
        if ( n <= 0 )
            return false;
        p += n;
        len -= (unsigned int)n;
    }
    return true;
}

static bool perm_from_char(char c, enum xs_perm_type *out)
{
    switch ( c )
    {
    case 'n': *out = XS_PERM_NONE; return true;
    case 'r': *out = XS_PERM_READ; return true;
    case 'w': *out = XS_PERM_WRITE; return true;
    case 'b': *out = XS_PERM_READ | XS_PERM_WRITE; return true;
    default: return false;
    }
}

XS_API bool xs_strings_to_perms(struct xs_permissions *perms, unsigned int num, const char *strings)
{
    const char *s = strings;
    unsigned int i;

    for ( i = 0; i < num; i++, s += strlen(s) + 1 )
    {
        char *end;

        if ( !perm_from_char(s[0], &perms[i].perms) )
        {
            errno = EINVAL;
            return false;
        }
        perms[i].id = (unsigned int)strtoul(s + 1, &end, 10);
        if ( end == s + 1 || *end )
        {
            errno = EINVAL;
            return false;
        }
    }
    return true;
}

XS_API bool xs_perm_to_string(const struct xs_permissions *perm, char *buffer, size_t buf_len)
{
    static const char letters[] = "nrwb";
    int n = snprintf(buffer, buf_len, "%c%u", letters[perm->perms & 3], perm->id);

    if ( n < 0 || (size_t)n >= buf_len )
    {
        errno = EINVAL;
        return false;
    }
    return true;
}

XS_API unsigned int xs_count_strings(const char *strings, unsigned int len)
{
    unsigned int i, n = 0;

    for ( i = 0; i < len; i++ )
        n += strings[i] == '\0';
    return n;
}
