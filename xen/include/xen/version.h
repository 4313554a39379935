/* SPDX-License-Identifier: GPL-2.0-only */
/* The version we report to guests: the Xen ABI level we implement. */
#ifndef XEN_VERSION_H
#define XEN_VERSION_H

#define XEN_MAJOR        4
#define XEN_MINOR        17
#define XEN_EXTRAVERSION ".0-hx"
#define XEN_PRODUCT      "hx"

#endif
