/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Error numbers: the hypervisor returns negative values of Xen's public
 * errno list (public/errno.h), which is the guest ABI.
 */
#ifndef XEN_ERRNO_H
#define XEN_ERRNO_H

#ifndef __ASSEMBLY__
#define XEN_ERRNO(name, value) name = value,
enum xen_errno_values {
#include <public/errno.h>
};
#undef XEN_ERRNO
#endif

#endif
