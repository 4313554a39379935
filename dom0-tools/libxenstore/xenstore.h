/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libxenstore: client library for the xenstore daemon.
 *
 * Source- and binary-compatible with the C API of Xen's libxenstore
 * (same function names, signatures, constants and structure layouts), but
 * an independent implementation. Every function that returns a pointer
 * returns malloc()ed memory the caller frees with one free(); on failure
 * it returns NULL (or false, or 0 for transactions) and sets errno.
 *
 * All functions may be called from several threads on the same handle.
 */
#ifndef XENSTORE_H
#define XENSTORE_H

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/io/xs_wire.h>

#ifdef __cplusplus
extern "C" {
#endif

#define XBT_NULL 0

#define XS_OPEN_READONLY   (1UL << 0) /* kept for compatibility; no effect */
#define XS_OPEN_SOCKETONLY (1UL << 1) /* never fall back to /dev/xen/xenbus */
#define XS_UNWATCH_FILTER  (1UL << 2) /* xs_unwatch drops queued events */

typedef uint32_t xs_transaction_t;

enum xs_perm_type {
    XS_PERM_NONE = 0,
    XS_PERM_READ = 1,
    XS_PERM_WRITE = 2,
    XS_PERM_ENOENT_OK = 4, /* internal */
    XS_PERM_OWNER = 8,     /* internal */
    XS_PERM_IGNORE = 16,   /* internal */
};

struct xs_permissions
{
    unsigned int id;         /* domain id */
    enum xs_perm_type perms; /* XS_PERM_READ | XS_PERM_WRITE */
};

/* Upper bound of the decimal length of an integer type, plus sign. */
#define MAX_STRLEN(x) ((sizeof(x) * CHAR_BIT + CHAR_BIT - 1) / 10 * 3 + 2)

struct xs_handle;

/* Connecting. XENSTORED_PATH overrides the socket or device path. */
struct xs_handle *xs_open(unsigned long flags);
void xs_close(struct xs_handle *xsh /* NULL ok */);
struct xs_handle *xs_daemon_open(void);
struct xs_handle *xs_domain_open(void);
struct xs_handle *xs_daemon_open_readonly(void);
void xs_daemon_close(struct xs_handle *xsh);
/* In a child after fork(): release the handle without touching threads. */
void xs_daemon_destroy_postfork(struct xs_handle *xsh);

/* The store. */
char **xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *num);
void *xs_read(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *len);
bool xs_write(struct xs_handle *h, xs_transaction_t t, const char *path, const void *data,
              unsigned int len);
bool xs_mkdir(struct xs_handle *h, xs_transaction_t t, const char *path);
bool xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path);
bool xs_restrict(struct xs_handle *h, unsigned domid);
struct xs_permissions *xs_get_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
                                          unsigned int *num);
bool xs_set_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
                        struct xs_permissions *perms, unsigned int num_perms);

/* Watches. Events are vectors indexed by XS_WATCH_PATH/XS_WATCH_TOKEN. */
bool xs_watch(struct xs_handle *h, const char *path, const char *token);
/* A file descriptor that is readable while events are queued. */
int xs_fileno(struct xs_handle *h);
/* Non-blocking: NULL with errno EAGAIN when nothing is queued. */
char **xs_check_watch(struct xs_handle *h);
char **xs_read_watch(struct xs_handle *h, unsigned int *num);
bool xs_unwatch(struct xs_handle *h, const char *path, const char *token);

/* Transactions: XBT_NULL (0) on failure. End returns false with errno
 * EAGAIN when the transaction must be retried. */
xs_transaction_t xs_transaction_start(struct xs_handle *h);
bool xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort);

/* Domains. */
bool xs_introduce_domain(struct xs_handle *h, unsigned int domid, unsigned long mfn,
                         unsigned int eventchn);
bool xs_set_target(struct xs_handle *h, unsigned int domid, unsigned int target);
bool xs_resume_domain(struct xs_handle *h, unsigned int domid);
bool xs_release_domain(struct xs_handle *h, unsigned int domid);
char *xs_get_domain_path(struct xs_handle *h, unsigned int domid);
bool xs_is_domain_introduced(struct xs_handle *h, unsigned int domid);
char *xs_control_command(struct xs_handle *h, const char *cmd, void *data, unsigned int len);
char *xs_debug_command(struct xs_handle *h, const char *cmd, void *data, unsigned int len);
int xs_suspend_evtchn_port(int domid);

/* Helpers (xenstore_lib.h in Xen). */
bool xs_path_is_subpath(const char *parent, const char *child);
const char *xs_daemon_rundir(void);
const char *xs_daemon_socket(void);
const char *xs_daemon_socket_ro(void);
bool xs_write_all(int fd, const void *data, unsigned int len);
/* Parses num NUL-terminated "<r|w|b|n><domid>" strings. */
bool xs_strings_to_perms(struct xs_permissions *perms, unsigned int num, const char *strings);
/* Writes "<r|w|b|n><domid>" into buffer. */
bool xs_perm_to_string(const struct xs_permissions *perm, char *buffer, size_t buf_len);
unsigned int xs_count_strings(const char *strings, unsigned int len);

#ifdef __cplusplus
}
#endif

#endif
