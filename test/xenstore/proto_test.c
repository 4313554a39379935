/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Protocol tests against a running xenstored.
 *
 * Usage: xs-proto-test SOCKET TEST_SOCKET [quota]
 * SOCKET is the privileged socket; TEST_SOCKET the unprivileged test
 * socket whose connections act as an introduced domain after the CONTROL
 * command "test-as-domain". Talks raw wire messages (so malformed input can
 * be sent) and also exercises our libxenstore. Prints PASS/FAIL lines.
 * The "quota" mode expects a daemon started with -E 3 -W 1 -t 1 -S 64.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xenstore.h"

#define LIT(s) s, (uint32_t)(sizeof(s) - 1)

static const char *sock_path, *test_sock_path;
static int failures;

static void result(const char *name, bool ok, const char *fmt, ...)
{
    va_list ap;

    if ( ok )
    {
        printf("PASS %s\n", name);
    }
    else
    {
        printf("FAIL %s ", name);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
        failures++;
    }
    fflush(stdout);
}

static int connect_to(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    if ( fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) )
    {
        perror(path);
        exit(2);
    }
    return fd;
}

static bool send_all(int fd, const void *buf, size_t len)
{
    return send(fd, buf, len, MSG_NOSIGNAL) == (ssize_t)len;
}

static bool raw_send(int fd, uint32_t type, uint32_t tx, const void *body, uint32_t len)
{
    struct xsd_sockmsg hdr = {type, 7, tx, len};

    return send_all(fd, &hdr, sizeof(hdr)) && (!len || send_all(fd, body, len));
}

static bool recv_all(int fd, void *buf, size_t len)
{
    char *p = buf;

    while ( len )
    {
        ssize_t n = recv(fd, p, len, 0);

        if ( n <= 0 )
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

/* Receives one message; body gets a NUL appended. Returns false on EOF. */
static bool raw_recv(int fd, struct xsd_sockmsg *hdr, char *body)
{
    if ( !recv_all(fd, hdr, sizeof(*hdr)) || hdr->len > XENSTORE_PAYLOAD_MAX )
        return false;
    if ( !recv_all(fd, body, hdr->len) )
        return false;
    body[hdr->len] = '\0';
    return true;
}

/* One request; skips watch events. Returns the reply type or -1. */
static int req(int fd, uint32_t type, uint32_t tx, const char *body, uint32_t len, char *out,
               uint32_t *outlen)
{
    struct xsd_sockmsg hdr;
    static char scratch[XENSTORE_PAYLOAD_MAX + 1];

    if ( !out )
        out = scratch;
    if ( !raw_send(fd, type, tx, body, len) )
        return -1;
    do
    {
        if ( !raw_recv(fd, &hdr, out) )
            return -1;
    } while ( hdr.type == XS_WATCH_EVENT );
    if ( outlen )
        *outlen = hdr.len;
    return (int)hdr.type;
}

/* Request expecting an error: returns the error name or "(no error)". */
static const char *req_err(int fd, uint32_t type, uint32_t tx, const char *body, uint32_t len)
{
    static char out[XENSTORE_PAYLOAD_MAX + 1];
    int t = req(fd, type, tx, body, len, out, NULL);

    if ( t == XS_ERROR )
        return out;
    return t < 0 ? "(connection closed)" : "(no error)";
}

static bool write_str(int fd, uint32_t tx, const char *path, const char *val)
{
    char body[XENSTORE_PAYLOAD_MAX];
    size_t plen = strlen(path) + 1, vlen = strlen(val);

    memcpy(body, path, plen);
    memcpy(body + plen, val, vlen);
    return req(fd, XS_WRITE, tx, body, (uint32_t)(plen + vlen), NULL, NULL) == XS_WRITE;
}

/* Reads path as a string; returns "(error NAME)" on failure. */
static const char *read_str(int fd, uint32_t tx, const char *path)
{
    static char out[XENSTORE_PAYLOAD_MAX + 32];
    int t = req(fd, XS_READ, tx, path, (uint32_t)strlen(path) + 1, out, NULL);

    if ( t == XS_ERROR )
    {
        char name[32];

        snprintf(name, sizeof(name), "%.31s", out);
        snprintf(out, sizeof(out), "(error %s)", name);
    }
    return out;
}

static uint32_t tx_start(int fd)
{
    char out[64];

    if ( req(fd, XS_TRANSACTION_START, 0, LIT("\0"), out, NULL) != XS_TRANSACTION_START )
        return 0;
    return (uint32_t)strtoul(out, NULL, 10);
}

static const char *tx_end(int fd, uint32_t tx, bool commit)
{
    static char out[64];

    req(fd, XS_TRANSACTION_END, tx, commit ? "T" : "F", 2, out, NULL);
    return out;
}

/* Connects to the test socket acting as domid. */
static int connect_as_domain(unsigned int domid)
{
    char body[64];
    int fd = connect_to(test_sock_path);
    int n = snprintf(body, sizeof(body), "test-as-domain%c%u", 0, domid);

    if ( req(fd, XS_CONTROL, 0, body, (uint32_t)n + 1, NULL, NULL) != XS_CONTROL )
    {
        fprintf(stderr, "cannot attach as domain %u\n", domid);
        exit(2);
    }
    return fd;
}

static bool expect_event(int fd, const char *path, const char *token)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    struct xsd_sockmsg hdr;
    char body[XENSTORE_PAYLOAD_MAX + 1];

    if ( poll(&p, 1, 2000) != 1 || !raw_recv(fd, &hdr, body) )
        return false;
    return hdr.type == XS_WATCH_EVENT && !strcmp(body, path) &&
           !strcmp(body + strlen(body) + 1, token);
}

static bool no_event(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};

    return poll(&p, 1, 200) == 0;
}

/* ---- basic operations ---- */

static void test_basic(int fd)
{
    char out[XENSTORE_PAYLOAD_MAX + 1];
    uint32_t len = 0;

    write_str(fd, 0, "/t/basic/a", "value-1");
    result("wire-write-read", !strcmp(read_str(fd, 0, "/t/basic/a"), "value-1"), "read %s",
           read_str(fd, 0, "/t/basic/a"));
    req(fd, XS_WRITE, 0, LIT("/t/basic/bin\0a\0b\0"), NULL, NULL);
    req(fd, XS_READ, 0, LIT("/t/basic/bin\0"), out, &len);
    result("wire-binary-value", len == 4 && !memcmp(out, "a\0b\0", 4), "len %u", len);
    req(fd, XS_DIRECTORY, 0, LIT("/t/basic\0"), out, &len);
    result("wire-directory", len == 6 && !memcmp(out, "a\0bin\0", 6), "len %u", len);
    req(fd, XS_GET_PERMS, 0, LIT("/t/basic\0"), out, &len);
    result("wire-get-perms", len == 3 && !strcmp(out, "n0"), "got %s", out);
    req(fd, XS_SET_PERMS, 0, LIT("/t/basic/a\0r3\0b5\0n7\0"), NULL, NULL);
    req(fd, XS_GET_PERMS, 0, LIT("/t/basic/a\0"), out, &len);
    result("wire-set-perms", len == 9 && !memcmp(out, "r3\0b5\0n7\0", 9), "len %u", len);
    result("wire-read-missing-ENOENT", !strcmp(req_err(fd, XS_READ, 0, LIT("/t/none\0")), "ENOENT"),
           "");
    result("wire-rm-missing-ok", req(fd, XS_RM, 0, LIT("/t/basic/none\0"), NULL, NULL) == XS_RM,
           "");
    result("wire-rm-missing-parent-ENOENT",
           !strcmp(req_err(fd, XS_RM, 0, LIT("/t/none/x\0")), "ENOENT"), "");
    result("wire-rm-root-EINVAL", !strcmp(req_err(fd, XS_RM, 0, LIT("/\0")), "EINVAL"), "");
    req(fd, XS_MKDIR, 0, LIT("/t/basic/a\0"), NULL, NULL);
    result("wire-mkdir-keeps-value", !strcmp(read_str(fd, 0, "/t/basic/a"), "value-1"), "");
    req(fd, XS_RM, 0, LIT("/t/basic\0"), NULL, NULL);
    result("wire-rm-subtree", !strcmp(read_str(fd, 0, "/t/basic/a"), "(error ENOENT)"), "%s",
           read_str(fd, 0, "/t/basic/a"));
    req(fd, XS_GET_DOMAIN_PATH, 0, LIT("12\0"), out, NULL);
    result("wire-get-domain-path", !strcmp(out, "/local/domain/12"), "%s", out);
    req(fd, XS_IS_DOMAIN_INTRODUCED, 0, LIT("0\0"), out, NULL);
    result("wire-dom0-introduced", !strcmp(out, "T"), "%s", out);
}

static void test_directory_part(int fd)
{
    char path[128], out[XENSTORE_PAYLOAD_MAX + 1];
    unsigned int i, num = 0;
    struct xs_handle *h;
    char **list;

    for ( i = 0; i < 200; i++ )
    {
        snprintf(path, sizeof(path), "/t/big/child-with-a-long-name-%03u", i);
        write_str(fd, 0, path, "");
    }
    result("wire-directory-E2BIG", !strcmp(req_err(fd, XS_DIRECTORY, 0, LIT("/t/big\0")), "E2BIG"),
           "");
    req(fd, XS_DIRECTORY_PART, 0,
        LIT("/t/big\0"
            "0\0"),
        out, NULL);
    result("wire-directory-part-gen", atoll(out) > 0, "gen %s", out);
    h = xs_open(0);
    list = h ? xs_directory(h, XBT_NULL, "/t/big", &num) : NULL;
    result("lib-directory-long",
           list && num == 200 && !strcmp(list[0], "child-with-a-long-name-000") &&
               !strcmp(list[199], "child-with-a-long-name-199"),
           "num %u", num);
    free(list);
    xs_close(h);
    req(fd, XS_RM, 0, LIT("/t/big\0"), NULL, NULL);
}

/* ---- transactions ---- */

static void test_transactions(int fd, int fd2)
{
    uint32_t t1, t2;

    write_str(fd, 0, "/t/tx/a", "0");
    t1 = tx_start(fd);
    write_str(fd, t1, "/t/tx/a", "1");
    result("tx-isolated", !strcmp(read_str(fd2, 0, "/t/tx/a"), "0"), "%s",
           read_str(fd2, 0, "/t/tx/a"));
    result("tx-sees-own-write", !strcmp(read_str(fd, t1, "/t/tx/a"), "1"), "");
    result("tx-commit", !strcmp(tx_end(fd, t1, true), "OK"), "");
    result("tx-committed-value", !strcmp(read_str(fd2, 0, "/t/tx/a"), "1"), "");

    t1 = tx_start(fd);
    t2 = tx_start(fd2);
    read_str(fd, t1, "/t/tx/a");
    read_str(fd2, t2, "/t/tx/a");
    write_str(fd, t1, "/t/tx/a", "2");
    write_str(fd2, t2, "/t/tx/a", "3");
    result("tx-first-commit-wins", !strcmp(tx_end(fd, t1, true), "OK"), "");
    {
        const char *r = tx_end(fd2, t2, true);

        result("tx-conflict-EAGAIN", !strcmp(r, "EAGAIN"), "got %s", r);
    }
    result("tx-conflict-value", !strcmp(read_str(fd, 0, "/t/tx/a"), "2"), "");

    t1 = tx_start(fd);
    t2 = tx_start(fd2);
    write_str(fd, t1, "/t/tx/a/x", "x");
    write_str(fd2, t2, "/t/tx/b", "y");
    result("tx-disjoint-commit-1", !strcmp(tx_end(fd, t1, true), "OK"), "");
    result("tx-disjoint-commit-2", !strcmp(tx_end(fd2, t2, true), "OK"),
           "different subtrees must not conflict");

    t1 = tx_start(fd);
    write_str(fd, t1, "/t/tx/c", "gone");
    tx_end(fd, t1, false);
    result("tx-abort", !strcmp(read_str(fd, 0, "/t/tx/c"), "(error ENOENT)"), "");
    result("tx-unknown-id-ENOENT",
           !strcmp(req_err(fd, XS_READ, 4242424, LIT("/t/tx/a\0")), "ENOENT"), "");
    result("tx-end-bad-arg-EINVAL",
           !strcmp(req_err(fd, XS_TRANSACTION_END, 0, LIT("X\0")), "EINVAL"), "");
    req(fd, XS_RM, 0, LIT("/t/tx\0"), NULL, NULL);
}

/* ---- watches ---- */

static void test_watches(int fd, int wfd)
{
    req(wfd, XS_WATCH, 0, LIT("/t/w\0tok1\0"), NULL, NULL);
    result("watch-initial-event", expect_event(wfd, "/t/w", "tok1"), "");
    write_str(fd, 0, "/t/w/a/b", "1");
    result("watch-child-write", expect_event(wfd, "/t/w/a/b", "tok1"), "");
    req(wfd, XS_WATCH, 0, LIT("/t/w/a/b\0tok2\0"), NULL, NULL);
    expect_event(wfd, "/t/w/a/b", "tok2");
    req(fd, XS_RM, 0, LIT("/t/w/a\0"), NULL, NULL);
    result("watch-rm-parent-event", expect_event(wfd, "/t/w/a", "tok1"), "");
    result("watch-rm-fires-descendant-watch", expect_event(wfd, "/t/w/a/b", "tok2"), "");
    result("watch-duplicate-EEXIST",
           !strcmp(req_err(wfd, XS_WATCH, 0, LIT("/t/w\0tok1\0")), "EEXIST"), "");
    req(wfd, XS_UNWATCH, 0, LIT("/t/w\0tok1\0"), NULL, NULL);
    write_str(fd, 0, "/t/w/c", "1");
    result("unwatch-stops-events", no_event(wfd), "");
    result("unwatch-missing-ENOENT",
           !strcmp(req_err(wfd, XS_UNWATCH, 0, LIT("/t/w\0tok1\0")), "ENOENT"), "");
    req(wfd, XS_WATCH, 0, LIT("/t/w\0tok3\0"), NULL, NULL);
    expect_event(wfd, "/t/w", "tok3");
    {
        uint32_t t = tx_start(fd);

        write_str(fd, t, "/t/w/d", "1");
        result("watch-no-event-before-commit", no_event(wfd), "");
        tx_end(fd, t, true);
        result("watch-event-at-commit", expect_event(wfd, "/t/w/d", "tok3"), "");
    }
    req(fd, XS_SET_PERMS, 0, LIT("/t/w/d\0n0\0"), NULL, NULL);
    result("watch-set-perms-event", expect_event(wfd, "/t/w/d", "tok3"), "");
    req(wfd, XS_RESET_WATCHES, 0, LIT("\0"), NULL, NULL);
    write_str(fd, 0, "/t/w/e", "1");
    result("reset-watches", no_event(wfd), "");
    req(fd, XS_RM, 0, LIT("/t/w\0"), NULL, NULL);
}

/* ---- domains, permissions, relative paths ---- */

static void test_domains(int fd)
{
    char out[256];
    int dfd, wfd = connect_to(sock_path);

    req(wfd, XS_WATCH, 0, LIT("@introduceDomain\0intro\0"), NULL, NULL);
    expect_event(wfd, "@introduceDomain", "intro");
    result("introduce",
           req(fd, XS_INTRODUCE, 0,
               LIT("5\0"
                   "1234\0"
                   "7\0"),
               NULL, NULL) == XS_INTRODUCE,
           "");
    result("introduce-fires-watch", expect_event(wfd, "@introduceDomain", "intro"), "");
    req(fd, XS_IS_DOMAIN_INTRODUCED, 0, LIT("5\0"), out, NULL);
    result("is-domain-introduced", !strcmp(out, "T"), "%s", out);
    req(fd, XS_IS_DOMAIN_INTRODUCED, 0, LIT("6\0"), out, NULL);
    result("is-domain-not-introduced", !strcmp(out, "F"), "%s", out);
    result("introduce-dom0-EINVAL",
           !strcmp(req_err(fd, XS_INTRODUCE, 0,
                           LIT("0\0"
                               "1\0"
                               "1\0")),
                   "EINVAL"),
           "");
    write_str(fd, 0, "/local/domain/5/private", "p");
    req(fd, XS_SET_PERMS, 0, LIT("/local/domain/5\0n5\0"), NULL, NULL);
    write_str(fd, 0, "/t/dom/secret", "s");

    dfd = connect_as_domain(5);
    result("domain-relative-write",
           req(dfd, XS_WRITE, 0, LIT("data/x\0hi"), NULL, NULL) == XS_WRITE &&
               !strcmp(read_str(fd, 0, "/local/domain/5/data/x"), "hi"),
           "");
    req(fd, XS_GET_PERMS, 0, LIT("/local/domain/5/data/x\0"), out, NULL);
    result("domain-owns-created-node", !strcmp(out, "n5"), "%s", out);
    result("domain-read-denied-EACCES",
           !strcmp(read_str(dfd, 0, "/t/dom/secret"), "(error EACCES)"), "%s",
           read_str(dfd, 0, "/t/dom/secret"));
    result("domain-missing-under-unreadable-EACCES",
           !strcmp(read_str(dfd, 0, "/t/dom/nothing"), "(error EACCES)"), "");
    result("domain-write-denied-EACCES",
           !strcmp(req_err(dfd, XS_WRITE, 0, LIT("/t/dom/secret\0x")), "EACCES"), "");
    req(fd, XS_SET_PERMS, 0, LIT("/t/dom/secret\0n0\0r5\0"), NULL, NULL);
    result("domain-read-granted", !strcmp(read_str(dfd, 0, "/t/dom/secret"), "s"), "");
    result("domain-introduce-EACCES",
           !strcmp(req_err(dfd, XS_INTRODUCE, 0,
                           LIT("9\0"
                               "1\0"
                               "1\0")),
                   "EACCES"),
           "");
    result("domain-chown-EPERM",
           !strcmp(req_err(dfd, XS_SET_PERMS, 0, LIT("data/x\0n0\0")), "EPERM"), "");
    req(dfd, XS_WATCH, 0, LIT("data\0rel\0"), NULL, NULL);
    result("domain-relative-watch-initial", expect_event(dfd, "data", "rel"), "");
    write_str(fd, 0, "/local/domain/5/data/y", "1");
    result("domain-relative-watch-event", expect_event(dfd, "data/y", "rel"), "");
    req(wfd, XS_WATCH, 0, LIT("@releaseDomain\0rel\0"), NULL, NULL);
    expect_event(wfd, "@releaseDomain", "rel");
    result("release", req(fd, XS_RELEASE, 0, LIT("5\0"), NULL, NULL) == XS_RELEASE, "");
    result("release-fires-watch", expect_event(wfd, "@releaseDomain", "rel"), "");
    result("release-closes-domain-conn", req(dfd, XS_READ, 0, LIT("data\0"), NULL, NULL) < 0, "");
    result("release-removes-owned-nodes",
           !strcmp(read_str(fd, 0, "/local/domain/5"), "(error ENOENT)"), "");
    result("release-unknown-ENOENT", !strcmp(req_err(fd, XS_RELEASE, 0, LIT("5\0")), "ENOENT"), "");
    close(dfd);
    dfd = connect_to(test_sock_path);
    result("test-socket-needs-attach", !strcmp(req_err(dfd, XS_READ, 0, LIT("/t\0")), "EACCES"),
           "");
    close(dfd);
    close(wfd);
}

/* ---- malformed input ---- */

static bool daemon_alive(void)
{
    int fd = connect_to(sock_path);
    bool ok = req(fd, XS_READ, 0, LIT("/tool\0"), NULL, NULL) == XS_READ;

    close(fd);
    return ok;
}

static void test_malformed(void)
{
    struct xsd_sockmsg hdr = {XS_READ, 1, 0, XENSTORE_PAYLOAD_MAX + 1};
    char path[4000], junk[512];
    int fd = connect_to(sock_path), i;

    result("bad-no-nul-EINVAL", !strcmp(req_err(fd, XS_READ, 0, LIT("/t")), "EINVAL"), "");
    result("bad-empty-EINVAL", !strcmp(req_err(fd, XS_READ, 0, NULL, 0), "EINVAL"), "");
    result("bad-relative-dom0-EINVAL", !strcmp(req_err(fd, XS_WRITE, 0, LIT("/a//b\0x")), "EINVAL"),
           "");
    result("bad-chars-EINVAL", !strcmp(req_err(fd, XS_WRITE, 0, LIT("/a b\0x")), "EINVAL"), "");
    result("bad-trailing-slash-EINVAL", !strcmp(req_err(fd, XS_MKDIR, 0, LIT("/a/\0")), "EINVAL"),
           "");
    memset(path, 'a', sizeof(path));
    path[0] = '/';
    path[sizeof(path) - 1] = '\0';
    result("bad-long-path-EINVAL", !strcmp(req_err(fd, XS_READ, 0, path, sizeof(path)), "EINVAL"),
           "");
    result("bad-type-EINVAL", !strcmp(req_err(fd, 999, 0, LIT("/\0")), "EINVAL"), "");
    result("bad-removed-type-EINVAL", !strcmp(req_err(fd, 20, 0, LIT("/\0")), "EINVAL"), "");
    result("bad-watch-event-EINVAL",
           !strcmp(req_err(fd, XS_WATCH_EVENT, 0, LIT("/\0t\0")), "EINVAL"), "");
    result("bad-perm-string-EINVAL",
           !strcmp(req_err(fd, XS_SET_PERMS, 0, LIT("/tool\0x5\0")), "EINVAL"), "");
    result("bad-perm-domid-EINVAL",
           !strcmp(req_err(fd, XS_SET_PERMS, 0, LIT("/tool\0r99999\0")), "EINVAL"), "");
    result("bad-domid-EINVAL", !strcmp(req_err(fd, XS_GET_DOMAIN_PATH, 0, LIT("12x\0")), "EINVAL"),
           "");
    raw_send(fd, XS_READ, 0, NULL, 0);
    send_all(fd, &hdr, sizeof(hdr));
    result("bad-oversized-closes", req(fd, XS_READ, 0, LIT("/\0"), NULL, NULL) < 0, "");
    close(fd);

    fd = connect_to(sock_path); /* vanishes mid-header */
    send_all(fd, &hdr, 7);
    close(fd);
    fd = connect_to(sock_path); /* vanishes mid-body */
    hdr.len = 100;
    send_all(fd, &hdr, sizeof(hdr));
    send_all(fd, "/tool", 5);
    close(fd);
    fd = connect_to(sock_path); /* stays stuck mid-body */
    send_all(fd, &hdr, sizeof(hdr));
    result("bad-stuck-client-does-not-block", daemon_alive(), "");
    close(fd);

    srand(42);
    fd = connect_to(sock_path);
    for ( i = 0; i < 2000; i++ )
    {
        struct xsd_sockmsg h = {(uint32_t)(rand() % 24), 0, 0, (uint32_t)(rand() % sizeof(junk))};
        size_t j;

        for ( j = 0; j < h.len; j++ )
            junk[j] = "/ab\0@-_x1\377"[rand() % 11];
        if ( !send_all(fd, &h, sizeof(h)) || !send_all(fd, junk, h.len) )
            break;
    }
    close(fd);
    result("bad-random-messages-daemon-alive", daemon_alive(), "");
}

/* ---- many concurrent clients ---- */

#define CLIENTS 32
#define ROUNDS  50

static int client_work(int id)
{
    char path[64], val[64];
    int fd = connect_to(sock_path), i, bad = 0;

    for ( i = 0; i < ROUNDS; i++ )
    {
        snprintf(path, sizeof(path), "/t/many/c%d/k%d", id, i);
        snprintf(val, sizeof(val), "v-%d-%d", id, i);
        write_str(fd, 0, path, val);
        bad += strcmp(read_str(fd, 0, path), val) != 0;
        for ( ;; )
        { /* transactional increment of a shared counter */
            uint32_t t = tx_start(fd);
            long n = atol(read_str(fd, t, "/t/many/counter"));

            snprintf(val, sizeof(val), "%ld", n + 1);
            write_str(fd, t, "/t/many/counter", val);
            if ( !strcmp(tx_end(fd, t, true), "OK") )
                break;
        }
    }
    close(fd);
    return bad;
}

static void test_many_clients(int fd)
{
    pid_t pids[CLIENTS];
    int i, bad = 0, status;
    char expect[32];

    write_str(fd, 0, "/t/many/counter", "0");
    for ( i = 0; i < CLIENTS; i++ )
    {
        pids[i] = fork();
        if ( pids[i] == 0 )
            _exit(client_work(i) ? 1 : 0);
    }
    for ( i = 0; i < CLIENTS; i++ )
    {
        waitpid(pids[i], &status, 0);
        bad += !WIFEXITED(status) || WEXITSTATUS(status);
    }
    result("many-clients-read-own-writes", bad == 0, "%d clients saw wrong values", bad);
    snprintf(expect, sizeof(expect), "%d", CLIENTS * ROUNDS);
    result("many-clients-tx-counter", !strcmp(read_str(fd, 0, "/t/many/counter"), expect),
           "counter %s, expected %s", read_str(fd, 0, "/t/many/counter"), expect);
    req(fd, XS_RM, 0, LIT("/t/many\0"), NULL, NULL);
}

/* ---- libxenstore API ---- */

static void *watch_reader(void *arg)
{
    unsigned int num;

    return xs_read_watch(arg, &num);
}

static void test_library(void)
{
    struct xs_handle *h = xs_open(0);
    struct xs_permissions perms[2] = {{0, XS_PERM_NONE}, {3, XS_PERM_READ}};
    struct xs_permissions *got;
    unsigned int len = 0, num = 0;
    pthread_t thr;
    char **vec, *val;
    xs_transaction_t t;
    bool ok;

    result("lib-open", h != NULL, "XENSTORED_PATH=%s", getenv("XENSTORED_PATH"));
    if ( !h )
        return;
    ok = xs_write(h, XBT_NULL, "/t/lib/a", "abc", 3);
    val = xs_read(h, XBT_NULL, "/t/lib/a", &len);
    result("lib-write-read", ok && val && len == 3 && !strcmp(val, "abc"), "");
    free(val);
    val = xs_read(h, XBT_NULL, "/t/lib/none", &len);
    result("lib-read-missing-errno", !val && errno == ENOENT, "errno %d", errno);
    xs_set_permissions(h, XBT_NULL, "/t/lib/a", perms, 2);
    got = xs_get_permissions(h, XBT_NULL, "/t/lib/a", &num);
    result("lib-permissions", got && num == 2 && got[1].id == 3 && got[1].perms == XS_PERM_READ,
           "");
    free(got);
    t = xs_transaction_start(h);
    xs_write(h, t, "/t/lib/b", "1", 1);
    result("lib-transaction",
           t != XBT_NULL && xs_transaction_end(h, t, true) &&
               !xs_read(h, XBT_NULL, "/t/lib/b", NULL),
           "");
    xs_watch(h, "/t/lib", "lt");
    vec = xs_read_watch(h, &num);
    result("lib-watch-initial",
           vec && num == 2 && !strcmp(vec[XS_WATCH_PATH], "/t/lib") &&
               !strcmp(vec[XS_WATCH_TOKEN], "lt"),
           "");
    free(vec);
    pthread_create(&thr, NULL, watch_reader, h);
    xs_write(h, XBT_NULL, "/t/lib/c", "", 0); /* reply and event interleave */
    pthread_join(thr, (void **)&vec);
    result("lib-watch-thread", vec && !strcmp(vec[XS_WATCH_PATH], "/t/lib/c"), "");
    free(vec);
    {
        struct pollfd p = {.fd = xs_fileno(h), .events = POLLIN};

        xs_write(h, XBT_NULL, "/t/lib/d", "", 0);
        vec = poll(&p, 1, 2000) == 1 ? xs_check_watch(h) : NULL;
        result("lib-fileno-check-watch", vec && !strcmp(vec[0], "/t/lib/d"), "");
        free(vec);
        vec = xs_check_watch(h);
        result("lib-check-watch-empty", !vec && errno == EAGAIN, "");
    }
    val = xs_get_domain_path(h, 3);
    result("lib-domain-path", val && !strcmp(val, "/local/domain/3"), "");
    free(val);
    result("lib-introduce-release",
           xs_introduce_domain(h, 9, 1, 1) && xs_is_domain_introduced(h, 9) &&
               xs_release_domain(h, 9) && !xs_is_domain_introduced(h, 9),
           "");
    xs_unwatch(h, "/t/lib", "lt");
    xs_rm(h, XBT_NULL, "/t/lib");
    xs_close(h);
}

/* ---- quotas (daemon started with -E 3 -W 1 -t 1 -S 64) ---- */

static void test_quotas(void)
{
    int fd = connect_to(sock_path), dfd;
    char big[200];

    req(fd, XS_INTRODUCE, 0,
        LIT("4\0"
            "1\0"
            "1\0"),
        NULL, NULL);
    write_str(fd, 0, "/local/domain/4", "");
    req(fd, XS_SET_PERMS, 0, LIT("/local/domain/4\0n4\0"), NULL, NULL);
    dfd = connect_as_domain(4);
    result("quota-nodes-below",
           req(dfd, XS_WRITE, 0,
               LIT("a\0"
                   "1"),
               NULL, NULL) == XS_WRITE &&
               req(dfd, XS_WRITE, 0,
                   LIT("b\0"
                       "1"),
                   NULL, NULL) == XS_WRITE,
           "");
    result("quota-nodes-ENOSPC",
           !strcmp(req_err(dfd, XS_WRITE, 0,
                           LIT("c\0"
                               "1")),
                   "ENOSPC"),
           "");
    result("quota-nodes-dom0-exempt", write_str(fd, 0, "/local/domain/4/d", "1"), "");
    memset(big, 'x', sizeof(big));
    memcpy(big, "a", 2);
    result("quota-node-size-ENOSPC", !strcmp(req_err(dfd, XS_WRITE, 0, big, sizeof(big)), "ENOSPC"),
           "");
    req(dfd, XS_WATCH, 0, LIT("a\0w1\0"), NULL, NULL);
    result("quota-watches-E2BIG", !strcmp(req_err(dfd, XS_WATCH, 0, LIT("b\0w2\0")), "E2BIG"), "");
    tx_start(dfd);
    result("quota-transactions-ENOSPC",
           !strcmp(req_err(dfd, XS_TRANSACTION_START, 0, LIT("\0")), "ENOSPC"), "");
    close(dfd);
    close(fd);
}

int main(int argc, char **argv)
{
    int fd, fd2;

    if ( argc < 3 )
    {
        fprintf(stderr, "usage: %s SOCKET TEST_SOCKET [quota]\n", argv[0]);
        return 2;
    }
    sock_path = argv[1];
    test_sock_path = argv[2];
    setenv("XENSTORED_PATH", sock_path, 1);
    if ( argc > 3 && !strcmp(argv[3], "quota") )
    {
        test_quotas();
        return failures != 0;
    }
    fd = connect_to(sock_path);
    fd2 = connect_to(sock_path);
    test_basic(fd);
    test_directory_part(fd);
    test_transactions(fd, fd2);
    test_watches(fd, fd2);
    test_domains(fd);
    test_library();
    test_many_clients(fd);
    test_malformed();
    close(fd);
    close(fd2);
    return failures != 0;
}
