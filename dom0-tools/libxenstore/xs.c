/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libxenstore: talking to xenstored.
 *
 * Theory of operation
 * -------------------
 * A handle owns one connection (Unix socket, or the xenbus device). Only
 * one request is in flight per handle: request_mutex serialises senders,
 * so a reply always belongs to the thread holding it.
 *
 * Until the first watch is set (or xs_fileno is called) the requesting
 * thread reads its own reply. From then on a reader thread owns the
 * connection's input: it queues watch events (and makes the event pipe
 * readable, one byte per event) and hands replies over through h->reply.
 * All shared fields below `lock` are protected by it; `cond` is signalled
 * whenever a reply or event arrives or the reader stops.
 *
 * Lock order: request_mutex, then lock.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "xenstore.h"

#define XS_API __attribute__((visibility("default")))

struct xs_msg
{
    struct xs_msg *next;
    struct xsd_sockmsg hdr;
    char body[]; /* hdr.len bytes plus a NUL */
};

struct xs_handle
{
    int fd;
    pthread_mutex_t request_mutex; /* one request in flight */
    pthread_mutex_t lock;          /* protects the fields below */
    pthread_cond_t cond;
    struct xs_msg *reply;  /* reply waiting for its requester */
    struct xs_msg *events; /* queued watch events, oldest first */
    struct xs_msg **events_tail;
    int pipe[2]; /* event pipe, -1 until xs_fileno */
    bool reader_running;
    bool reader_failed; /* connection lost; errno in reader_err */
    int reader_err;
    pthread_t reader;
};

/* ---- Messages ---- */

static bool read_all(int fd, void *buf, size_t len)
{
    char *p = buf;

    while ( len )
    {
        ssize_t n = read(fd, p, len);

        if ( n < 0 && errno == EINTR )
            continue;
        if ( n <= 0 )
        {
            if ( n == 0 )
                errno = ECONNRESET;
            return false;
        }
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static struct xs_msg *read_msg(int fd)
{
    struct xsd_sockmsg hdr;
    struct xs_msg *m;

    if ( !read_all(fd, &hdr, sizeof(hdr)) )
        return NULL;
    if ( hdr.len > XENSTORE_PAYLOAD_MAX )
    {
        errno = E2BIG;
        return NULL;
    }
    m = malloc(sizeof(*m) + hdr.len + 1);
    if ( !m )
        return NULL;
    m->hdr = hdr;
    m->next = NULL;
    if ( !read_all(fd, m->body, hdr.len) )
    {
        free(m);
        return NULL;
    }
    m->body[hdr.len] = '\0';
    return m;
}

static void free_msgs(struct xs_msg *m)
{
    while ( m )
    {
        struct xs_msg *next = m->next;

        free(m);
        m = next;
    }
}

/* Called with h->lock held. */
static void queue_event(struct xs_handle *h, struct xs_msg *m)
{
    char byte = 0;

    *h->events_tail = m;
    h->events_tail = &m->next;
    /* If the pipe is full, readers still find the queue non-empty. */
    if ( h->pipe[1] >= 0 && write(h->pipe[1], &byte, 1) != 1 )
        errno = 0;
    pthread_cond_broadcast(&h->cond);
}

static void *reader_main(void *arg)
{
    struct xs_handle *h = arg;

    for ( ;; )
    {
        struct xs_msg *m = read_msg(h->fd);

        pthread_mutex_lock(&h->lock);
        if ( !m )
        {
            h->reader_failed = true;
            h->reader_err = errno;
            pthread_cond_broadcast(&h->cond);
            pthread_mutex_unlock(&h->lock);
            return NULL;
        }
        if ( m->hdr.type == XS_WATCH_EVENT )
        {
            queue_event(h, m);
        }
        else
        {
            free(h->reply);
            h->reply = m;
            pthread_cond_broadcast(&h->cond);
        }
        pthread_mutex_unlock(&h->lock);
    }
}

/* Called with h->lock held. */
static bool start_reader(struct xs_handle *h)
{
    if ( h->reader_running )
        return true;
    if ( pthread_create(&h->reader, NULL, reader_main, h) )
        return false;
    h->reader_running = true;
    return true;
}

/* Waits for the reply to the request just sent (request_mutex held). */
static struct xs_msg *wait_reply(struct xs_handle *h)
{
    struct xs_msg *m = NULL;

    pthread_mutex_lock(&h->lock);
    if ( !h->reader_running )
    {
        pthread_mutex_unlock(&h->lock);
        for ( ;; )
        {
            m = read_msg(h->fd);
            if ( !m || m->hdr.type != XS_WATCH_EVENT )
                return m;
            pthread_mutex_lock(&h->lock);
            queue_event(h, m);
            pthread_mutex_unlock(&h->lock);
        }
    }
    while ( !h->reply && !h->reader_failed )
        pthread_cond_wait(&h->cond, &h->lock);
    m = h->reply;
    h->reply = NULL;
    if ( !m )
        errno = h->reader_err ? h->reader_err : ECONNRESET;
    pthread_mutex_unlock(&h->lock);
    return m;
}

static int errno_from_name(const char *name)
{
    unsigned int i;

    for ( i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++ )
        if ( !strcmp(name, xsd_errors[i].errstring) )
            return xsd_errors[i].errnum;
    return EINVAL;
}

static bool send_request(struct xs_handle *h, struct xsd_sockmsg *hdr, const struct iovec *iov,
                         unsigned int n)
{
    unsigned int i;

    hdr->len = 0;
    for ( i = 0; i < n; i++ )
        hdr->len += (uint32_t)iov[i].iov_len;
    if ( hdr->len > XENSTORE_PAYLOAD_MAX )
    {
        errno = E2BIG;
        return false;
    }
    if ( !xs_write_all(h->fd, hdr, sizeof(*hdr)) )
        return false;
    for ( i = 0; i < n; i++ )
        if ( !xs_write_all(h->fd, iov[i].iov_base, (unsigned int)iov[i].iov_len) )
            return false;
    return true;
}

/*
 * Sends one request and returns the reply payload (malloc()ed, with a NUL
 * appended), or NULL with errno set from an XS_ERROR reply.
 */
static void *xs_talkv(struct xs_handle *h, xs_transaction_t t, enum xsd_sockmsg_type type,
                      const struct iovec *iov, unsigned int n, unsigned int *len)
{
    struct xsd_sockmsg hdr = {.type = type, .tx_id = t};
    struct xs_msg *m = NULL;
    void *ret = NULL;
    int err = 0;

    if ( !h )
    {
        errno = EINVAL;
        return NULL;
    }
    pthread_mutex_lock(&h->request_mutex);
    if ( send_request(h, &hdr, iov, n) )
        m = wait_reply(h);
    err = errno;
    pthread_mutex_unlock(&h->request_mutex);
    if ( !m )
        goto out;
    if ( m->hdr.type == XS_ERROR )
    {
        err = errno_from_name(m->body);
        goto out;
    }
    if ( m->hdr.type != (uint32_t)type )
    {
        err = EBADMSG;
        goto out;
    }
    if ( len )
        *len = m->hdr.len;
    /* The message header is dropped; the payload moves to the front. */
    memmove(m, m->body, m->hdr.len + 1);
    ret = m;
    m = NULL;
out:
    free(m);
    if ( !ret )
        errno = err;
    return ret;
}

static void *xs_single(struct xs_handle *h, xs_transaction_t t, enum xsd_sockmsg_type type,
                       const char *arg, unsigned int *len)
{
    struct iovec iov = {(void *)arg, strlen(arg) + 1};

    return xs_talkv(h, t, type, &iov, 1, len);
}

static bool xs_bool(void *reply)
{
    if ( !reply )
        return false;
    free(reply);
    return true;
}

/* ---- Opening and closing ---- */

static int connect_socket(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd;

    if ( strlen(path) >= sizeof(sa.sun_path) )
    {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(sa.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if ( fd < 0 )
        return -1;
    if ( connect(fd, (struct sockaddr *)&sa, sizeof(sa)) )
    {
        int err = errno;

        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

static int open_path(const char *path)
{
    struct stat st;

    if ( stat(path, &st) == 0 && S_ISSOCK(st.st_mode) )
        return connect_socket(path);
    return open(path, O_RDWR | O_CLOEXEC);
}

static struct xs_handle *handle_new(int fd)
{
    struct xs_handle *h = calloc(1, sizeof(*h));

    if ( !h )
    {
        close(fd);
        return NULL;
    }
    h->fd = fd;
    h->pipe[0] = h->pipe[1] = -1;
    h->events_tail = &h->events;
    pthread_mutex_init(&h->request_mutex, NULL);
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->cond, NULL);
    return h;
}

XS_API struct xs_handle *xs_open(unsigned long flags)
{
    const char *dev = getenv("XENSTORED_PATH");
    int fd = open_path(xs_daemon_socket());

    if ( fd < 0 && !(flags & XS_OPEN_SOCKETONLY) )
        fd = open_path(dev ? dev : "/dev/xen/xenbus");
    return fd < 0 ? NULL : handle_new(fd);
}

XS_API struct xs_handle *xs_daemon_open(void)
{
    return xs_open(0);
}

XS_API struct xs_handle *xs_domain_open(void)
{
    return xs_open(0);
}

XS_API struct xs_handle *xs_daemon_open_readonly(void)
{
    return xs_open(XS_OPEN_READONLY);
}

static void handle_free(struct xs_handle *h)
{
    free(h->reply);
    free_msgs(h->events);
    if ( h->pipe[0] >= 0 )
    {
        close(h->pipe[0]);
        close(h->pipe[1]);
    }
    free(h);
}

XS_API void xs_close(struct xs_handle *h)
{
    if ( !h )
        return;
    if ( h->reader_running )
    {
        shutdown(h->fd, SHUT_RDWR); /* wakes the reader with EOF */
        pthread_join(h->reader, NULL);
    }
    close(h->fd);
    pthread_mutex_destroy(&h->request_mutex);
    pthread_mutex_destroy(&h->lock);
    pthread_cond_destroy(&h->cond);
    handle_free(h);
}

XS_API void xs_daemon_close(struct xs_handle *h)
{
    xs_close(h);
}

XS_API void xs_daemon_destroy_postfork(struct xs_handle *h)
{
    if ( !h )
        return;
    close(h->fd); /* the reader thread does not exist in the child */
    handle_free(h);
}

/* ---- Store operations ---- */

XS_API void *xs_read(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *len)
{
    return xs_single(h, t, XS_READ, path, len);
}

XS_API bool xs_write(struct xs_handle *h, xs_transaction_t t, const char *path, const void *data,
                     unsigned int len)
{
    struct iovec iov[2] = {{(void *)path, strlen(path) + 1}, {(void *)data, len}};

    return xs_bool(xs_talkv(h, t, XS_WRITE, iov, 2, NULL));
}

XS_API bool xs_mkdir(struct xs_handle *h, xs_transaction_t t, const char *path)
{
    return xs_bool(xs_single(h, t, XS_MKDIR, path, NULL));
}

XS_API bool xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path)
{
    return xs_bool(xs_single(h, t, XS_RM, path, NULL));
}

XS_API bool xs_restrict(struct xs_handle *h, unsigned domid)
{
    (void)h;
    (void)domid;
    errno = ENOSYS; /* XS_RESTRICT was removed from the protocol */
    return false;
}

/* Turns n NUL-terminated strings into one malloc()ed vector. */
static char **strings_to_vector(const char *strings, unsigned int len, unsigned int n)
{
    char **vec = malloc((n + 1) * sizeof(char *) + len + 1);
    char *copy, *p;
    unsigned int i;

    if ( !vec )
        return NULL;
    copy = (char *)(vec + n + 1);
    memcpy(copy, strings, len);
    copy[len] = '\0';
    for ( i = 0, p = copy; i < n; i++, p += strlen(p) + 1 )
        vec[i] = p;
    vec[n] = NULL;
    return vec;
}

/* True when a DIRECTORY_PART piece carries the end-of-list marker: an
 * empty name, i.e. a lone NUL or two NULs in a row at its end. */
static bool piece_is_last(const char *piece, unsigned int len)
{
    return len >= 1 && piece[len - 1] == '\0' && (len == 1 || piece[len - 2] == '\0');
}

/* Reads a long children list piecewise with XS_DIRECTORY_PART. */
static char *directory_part(struct xs_handle *h, xs_transaction_t t, const char *path,
                            unsigned int *len)
{
    char gen[32] = "", off[16], *all = NULL;
    unsigned int total = 0;

    for ( ;; )
    {
        struct iovec iov[2] = {{(void *)path, strlen(path) + 1}, {off, 0}};
        unsigned int rlen, glen, plen;
        char *r, *grown;
        bool last;

        iov[1].iov_len = (size_t)snprintf(off, sizeof(off), "%u", total) + 1;
        r = xs_talkv(h, t, XS_DIRECTORY_PART, iov, 2, &rlen);
        if ( !r )
            break;
        glen = (unsigned int)strnlen(r, rlen) + 1;
        if ( glen > rlen || (gen[0] && strcmp(gen, r)) )
        {
            free(r); /* changed under us: start again */
            total = 0;
            gen[0] = '\0';
            continue;
        }
        snprintf(gen, sizeof(gen), "%s", r);
        plen = rlen - glen;
        last = piece_is_last(r + glen, plen);
        plen -= last ? 1 : 0;
        grown = realloc(all, total + plen + 1);
        if ( !grown )
        {
            free(r);
            break;
        }
        all = grown;
        memcpy(all + total, r + glen, plen);
        total += plen;
        free(r);
        if ( last )
        {
            *len = total;
            return all;
        }
    }
    free(all);
    return NULL;
}

XS_API char **xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path,
                           unsigned int *num)
{
    unsigned int len;
    char *r = xs_single(h, t, XS_DIRECTORY, path, &len);
    char **vec;

    if ( !r && errno == E2BIG )
        r = directory_part(h, t, path, &len);
    if ( !r )
        return NULL;
    *num = xs_count_strings(r, len);
    vec = strings_to_vector(r, len, *num);
    free(r);
    return vec;
}

XS_API struct xs_permissions *xs_get_permissions(struct xs_handle *h, xs_transaction_t t,
                                                 const char *path, unsigned int *num)
{
    unsigned int len, n;
    char *r = xs_single(h, t, XS_GET_PERMS, path, &len);
    struct xs_permissions *perms = NULL;

    if ( !r )
        return NULL;
    n = xs_count_strings(r, len);
    if ( n )
        perms = malloc(n * sizeof(*perms));
    if ( perms && !xs_strings_to_perms(perms, n, r) )
    {
        free(perms);
        perms = NULL;
    }
    else if ( !n )
    {
        errno = EINVAL;
    }
    free(r);
    if ( perms )
        *num = n;
    return perms;
}

XS_API bool xs_set_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
                               struct xs_permissions *perms, unsigned int num_perms)
{
    char buf[XENSTORE_PAYLOAD_MAX];
    struct iovec iov[2] = {{(void *)path, strlen(path) + 1}, {buf, 0}};
    unsigned int i;
    size_t used = 0;

    for ( i = 0; i < num_perms; i++ )
    {
        if ( sizeof(buf) - used < MAX_STRLEN(unsigned int) + 2 ||
             !xs_perm_to_string(&perms[i], buf + used, sizeof(buf) - used) )
        {
            errno = E2BIG;
            return false;
        }
        used += strlen(buf + used) + 1;
    }
    iov[1].iov_len = used;
    return xs_bool(xs_talkv(h, t, XS_SET_PERMS, iov, 2, NULL));
}

/* ---- Watches ---- */

XS_API bool xs_watch(struct xs_handle *h, const char *path, const char *token)
{
    struct iovec iov[2] = {{(void *)path, strlen(path) + 1}, {(void *)token, strlen(token) + 1}};
    bool ok;

    pthread_mutex_lock(&h->lock);
    ok = start_reader(h);
    pthread_mutex_unlock(&h->lock);
    if ( !ok )
    {
        errno = EAGAIN;
        return false;
    }
    return xs_bool(xs_talkv(h, XBT_NULL, XS_WATCH, iov, 2, NULL));
}

static void drop_queued(struct xs_handle *h, const char *path, const char *token)
{
    struct xs_msg **pp = &h->events;

    while ( *pp )
    {
        struct xs_msg *m = *pp;
        const char *epath = m->body;
        const char *etoken = epath + strlen(epath) + 1;

        if ( !strcmp(etoken, token) && xs_path_is_subpath(path, epath) )
        {
            *pp = m->next;
            free(m);
        }
        else
        {
            pp = &m->next;
        }
    }
    h->events_tail = pp;
}

XS_API bool xs_unwatch(struct xs_handle *h, const char *path, const char *token)
{
    struct iovec iov[2] = {{(void *)path, strlen(path) + 1}, {(void *)token, strlen(token) + 1}};
    bool ok = xs_bool(xs_talkv(h, XBT_NULL, XS_UNWATCH, iov, 2, NULL));

    if ( ok )
    {
        pthread_mutex_lock(&h->lock);
        drop_queued(h, path, token);
        pthread_mutex_unlock(&h->lock);
    }
    return ok;
}

XS_API int xs_fileno(struct xs_handle *h)
{
    struct xs_msg *m;
    char byte = 0;
    int fd = -1;

    pthread_mutex_lock(&h->lock);
    if ( h->pipe[0] < 0 && pipe2(h->pipe, O_CLOEXEC) == 0 )
    {
        fcntl(h->pipe[1], F_SETFL, O_NONBLOCK);
        for ( m = h->events; m; m = m->next )
            if ( write(h->pipe[1], &byte, 1) != 1 )
                break;
    }
    if ( h->pipe[0] >= 0 && start_reader(h) )
        fd = h->pipe[0];
    pthread_mutex_unlock(&h->lock);
    return fd;
}

/* Pops the oldest event as a vector (h->lock held, queue non-empty). */
static char **pop_event(struct xs_handle *h, unsigned int *num)
{
    struct xs_msg *m = h->events;
    char byte, **vec;

    h->events = m->next;
    if ( !h->events )
        h->events_tail = &h->events;
    /* The pipe may hold fewer bytes than events after an overflow. */
    if ( h->pipe[0] >= 0 && read(h->pipe[0], &byte, 1) != 1 )
        errno = 0;
    *num = xs_count_strings(m->body, m->hdr.len);
    vec = strings_to_vector(m->body, m->hdr.len, *num);
    free(m);
    return vec;
}

XS_API char **xs_check_watch(struct xs_handle *h)
{
    unsigned int num;
    char **vec = NULL;

    pthread_mutex_lock(&h->lock);
    if ( h->events )
        vec = pop_event(h, &num);
    else
        errno = h->reader_failed ? h->reader_err : EAGAIN;
    pthread_mutex_unlock(&h->lock);
    return vec;
}

XS_API char **xs_read_watch(struct xs_handle *h, unsigned int *num)
{
    char **vec = NULL;

    pthread_mutex_lock(&h->lock);
    if ( !start_reader(h) )
    {
        errno = EAGAIN;
        goto out;
    }
    while ( !h->events && !h->reader_failed )
        pthread_cond_wait(&h->cond, &h->lock);
    if ( h->events )
        vec = pop_event(h, num);
    else
        errno = h->reader_err ? h->reader_err : ECONNRESET;
out:
    pthread_mutex_unlock(&h->lock);
    return vec;
}

/* ---- Transactions ---- */

XS_API xs_transaction_t xs_transaction_start(struct xs_handle *h)
{
    char *r = xs_single(h, XBT_NULL, XS_TRANSACTION_START, "", NULL);
    xs_transaction_t t;

    if ( !r )
        return XBT_NULL;
    t = (xs_transaction_t)strtoul(r, NULL, 10);
    free(r);
    return t;
}

XS_API bool xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort)
{
    return xs_bool(xs_single(h, t, XS_TRANSACTION_END, abort ? "F" : "T", NULL));
}

/* ---- Domains ---- */

static bool domid_request(struct xs_handle *h, enum xsd_sockmsg_type type, unsigned int domid)
{
    char buf[MAX_STRLEN(domid) + 1];

    snprintf(buf, sizeof(buf), "%u", domid);
    return xs_bool(xs_single(h, XBT_NULL, type, buf, NULL));
}

XS_API bool xs_introduce_domain(struct xs_handle *h, unsigned int domid, unsigned long mfn,
                                unsigned int eventchn)
{
    char d[16], m[32], e[16];
    struct iovec iov[3] = {{d, 0}, {m, 0}, {e, 0}};

    iov[0].iov_len = (size_t)snprintf(d, sizeof(d), "%u", domid) + 1;
    iov[1].iov_len = (size_t)snprintf(m, sizeof(m), "%lu", mfn) + 1;
    iov[2].iov_len = (size_t)snprintf(e, sizeof(e), "%u", eventchn) + 1;
    return xs_bool(xs_talkv(h, XBT_NULL, XS_INTRODUCE, iov, 3, NULL));
}

XS_API bool xs_set_target(struct xs_handle *h, unsigned int domid, unsigned int target)
{
    char d[16], t[16];
    struct iovec iov[2] = {{d, 0}, {t, 0}};

    iov[0].iov_len = (size_t)snprintf(d, sizeof(d), "%u", domid) + 1;
    iov[1].iov_len = (size_t)snprintf(t, sizeof(t), "%u", target) + 1;
    return xs_bool(xs_talkv(h, XBT_NULL, XS_SET_TARGET, iov, 2, NULL));
}

XS_API bool xs_resume_domain(struct xs_handle *h, unsigned int domid)
{
    return domid_request(h, XS_RESUME, domid);
}

XS_API bool xs_release_domain(struct xs_handle *h, unsigned int domid)
{
    return domid_request(h, XS_RELEASE, domid);
}

XS_API char *xs_get_domain_path(struct xs_handle *h, unsigned int domid)
{
    char buf[MAX_STRLEN(domid) + 1];

    snprintf(buf, sizeof(buf), "%u", domid);
    return xs_single(h, XBT_NULL, XS_GET_DOMAIN_PATH, buf, NULL);
}

XS_API bool xs_is_domain_introduced(struct xs_handle *h, unsigned int domid)
{
    char buf[MAX_STRLEN(domid) + 1];
    char *r;
    bool yes;

    snprintf(buf, sizeof(buf), "%u", domid);
    r = xs_single(h, XBT_NULL, XS_IS_DOMAIN_INTRODUCED, buf, NULL);
    if ( !r )
        return false;
    yes = !strcmp(r, "T");
    free(r);
    return yes;
}

XS_API char *xs_control_command(struct xs_handle *h, const char *cmd, void *data, unsigned int len)
{
    struct iovec iov[2] = {{(void *)cmd, strlen(cmd) + 1}, {data, len}};

    return xs_talkv(h, XBT_NULL, XS_CONTROL, iov, 2, NULL);
}

XS_API char *xs_debug_command(struct xs_handle *h, const char *cmd, void *data, unsigned int len)
{
    return xs_control_command(h, cmd, data, len);
}

XS_API int xs_suspend_evtchn_port(int domid)
{
    char path[64], *value;
    struct xs_handle *h = xs_open(0);
    int port = -1;

    if ( !h )
        return -1;
    snprintf(path, sizeof(path), "/local/domain/%d/device/suspend/event-channel", domid);
    value = xs_read(h, XBT_NULL, path, NULL);
    if ( value )
        port = atoi(value);
    free(value);
    xs_close(h);
    return port;
}
