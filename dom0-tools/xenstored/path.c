/* SPDX-License-Identifier: GPL-2.0-only */
/* Xenstore path syntax; see path.h. */
#include "path.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <stdint.h>
#include <errno.h>

#include <xen/io/xs_wire.h>

static bool path_char_ok(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '/' || c == '_' || c == '@';
}

static bool path_chars_ok(const char *p)
{
    for ( ; *p; p++ )
        if ( !path_char_ok(*p) )
            return false;
    return true;
}

bool path_valid(const char *path, bool allow_special)
{
    size_t len = strlen(path);

    if ( len == 0 || len > XENSTORE_ABS_PATH_MAX || !path_chars_ok(path) )
        return false;
    if ( path[0] == '@' )
        return allow_special && len > 1;
    if ( path[0] != '/' )
        return false;
    if ( len > 1 && path[len - 1] == '/' )
        return false;
    return strstr(path, "//") == NULL;
}

bool path_is_child(const char *child, const char *parent)
{
    size_t plen = strlen(parent);

    if ( !strcmp(parent, "/") )
        return child[0] == '/';
    return !strncmp(child, parent, plen) && (child[plen] == '\0' || child[plen] == '/');
}

void path_parent(const char *path, char *out)
{
    const char *slash = strrchr(path, '/');
    size_t len = slash ? (size_t)(slash - path) : 0;

    if ( len == 0 )
    {
        strcpy(out, "/");
        return;
    }
    memcpy(out, path, len);
    out[len] = '\0';
}

const char *path_basename(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}

size_t path_domain_home(unsigned int domid, char *out, size_t size)
{
    int n = snprintf(out, size, "/local/domain/%u", domid);

    return n < 0 ? 0 : (size_t)n;
}

int path_canonical(const char *in, unsigned int domid, bool privileged, unsigned int max_rel_len,
                   bool allow_special, char *out)
{
    char home[64];
    size_t hlen = path_domain_home(domid, home, sizeof(home));
    size_t inlen = strlen(in);

    if ( inlen > XENSTORE_ABS_PATH_MAX )
        return EINVAL;
    if ( in[0] == '/' || in[0] == '@' )
    {
        memcpy(out, in, inlen + 1);
    }
    else
    {
        if ( inlen == 0 || hlen + 1 + inlen > XENSTORE_ABS_PATH_MAX )
            return EINVAL;
        memcpy(out, home, hlen);
        out[hlen] = '/';
        memcpy(out + hlen + 1, in, inlen + 1);
    }
    if ( !path_valid(out, allow_special) )
        return EINVAL;
    if ( !privileged && out[0] == '/' )
    {
        size_t base = path_is_child(out, home) ? hlen : 0;

        if ( strlen(out) - base > max_rel_len )
            return EINVAL;
    }
    return 0;
}
