/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Xenstore path syntax.
 *
 * A node path is absolute ("/" or "/a/b"), made of ASCII alphanumerics and
 * "-/_@", without doubled or trailing slashes, at most XENSTORE_ABS_PATH_MAX
 * bytes. A special path ("@introduceDomain") is only valid for watches.
 * A domain may send paths relative to its home, /local/domain/<domid>.
 */
#ifndef XS_PATH_H
#define XS_PATH_H

#include <stdbool.h>
#include <stddef.h>

/* Longest canonical path plus NUL. */
#define PATH_BUF_MAX 3100

bool path_valid(const char *path, bool allow_special);
/* True when child is parent itself or lies below it. */
bool path_is_child(const char *child, const char *parent);
/* Writes the parent of a valid non-root path into out (PATH_BUF_MAX). */
void path_parent(const char *path, char *out);
const char *path_basename(const char *path);
/* Writes "/local/domain/<domid>" into out; returns its length. */
size_t path_domain_home(unsigned int domid, char *out, size_t size);

/*
 * Turns a client-supplied path into a canonical absolute one.
 * Relative paths are taken below the home of domid. For unprivileged
 * callers the part below their home may not exceed max_rel_len bytes.
 * Returns 0 or EINVAL.
 */
int path_canonical(const char *in, unsigned int domid, bool privileged, unsigned int max_rel_len,
                   bool allow_special, char *out);

#endif
