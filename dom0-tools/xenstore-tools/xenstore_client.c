/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenstore-{read,write,rm,exists,list,ls,chmod,watch}: one multi-call
 * binary, chosen by the name it is run as ("xenstore-read") or by its first
 * argument ("xenstore read"). Options, output and exit codes follow Xen's
 * tools so scripts written for them keep working.
 *
 * read/write/rm/exists/list/chmod run inside one transaction and retry it
 * on EAGAIN; their output is collected and printed once the transaction
 * has ended. Values are printed with non-printable bytes escaped (\t, \n,
 * \r, \\, \ooo below 8, \xNN otherwise) unless -R is given; write turns
 * the same escapes back into bytes.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "xenstore.h"

enum mode { M_READ, M_WRITE, M_RM, M_EXISTS, M_LIST, M_LS, M_CHMOD, M_WATCH };

struct command
{
    const char *name;
    enum mode mode;
    const char *opts;  /* getopt letters beyond -h and -s */
    const char *usage; /* after "[-h] " */
};

static const struct command commands[] = {
    {"read", M_READ, "psR", "[-p] [-s] [-R] key [...]"},
    {"write", M_WRITE, "sR", "[-s] [-R] key value [...]"},
    {"rm", M_RM, "st", "[-s] [-t] key [...]"},
    {"exists", M_EXISTS, "s", "[-s] key [...]"},
    {"list", M_LIST, "ps", "[-p] [-s] key [...]"},
    {"ls", M_LS, "fps", "[-f] [-p] [-s] [path]"},
    {"chmod", M_CHMOD, "urs", "[-u] [-r] [-s] key <mode [modes...]>"},
    {"watch", M_WATCH, "n:s", "[-n NR] key"},
};

struct flags
{
    bool prefix, socket, raw, tidy, full_path, perms, upward, recurse;
    long max_events;
};

/* Output collected while a transaction runs. */
static char *out_buf;
static size_t out_len, out_cap;

static void output(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void output(const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if ( n < 0 )
        err(1, "output");
    if ( out_len + (size_t)n + 1 > out_cap )
    {
        out_cap = (out_len + (size_t)n + 1) * 2;
        out_buf = realloc(out_buf, out_cap);
        if ( !out_buf )
            err(1, "malloc");
    }
    va_start(ap, fmt);
    vsnprintf(out_buf + out_len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    out_len += (size_t)n;
}

static const struct command *cmd;
static const char *progname;

static void usage(void)
{
    bool multi = !strstr(progname, "xenstore-");

    errx(1, "Usage: %s %s%s[-h] %s", progname, multi ? cmd->name : "", multi ? " " : "",
         cmd->usage);
}

/* ---- Escaping ---- */

static char *escape_value(const char *val, unsigned int len)
{
    char *s = malloc((size_t)len * 4 + 1), *p = s;
    unsigned int i;

    if ( !s )
        err(1, "malloc");
    for ( i = 0; i < len; i++ )
    {
        unsigned char c = (unsigned char)val[i];

        if ( c == '\\' )
            p += sprintf(p, "\\\\");
        else if ( c == '\t' )
            p += sprintf(p, "\\t");
        else if ( c == '\n' )
            p += sprintf(p, "\\n");
        else if ( c == '\r' )
            p += sprintf(p, "\\r");
        else if ( c >= ' ' && c <= '~' )
            *p++ = (char)c;
        else if ( c < 8 )
            p += sprintf(p, "\\%03o", c);
        else
            p += sprintf(p, "\\x%02x", c);
    }
    *p = '\0';
    return s;
}

static int digit_value(char c, int base)
{
    int v = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : 99;

    return v < base ? v : -1;
}

/* Reads up to max digits of base at *pp into one byte. */
static char escaped_number(const char **pp, int base, int max)
{
    int v = 0, d;

    while ( max-- && (d = digit_value(**pp, base)) >= 0 )
    {
        v = v * base + d;
        (*pp)++;
    }
    return (char)v;
}

/* Undoes escape_value in place; returns the byte length. */
static unsigned int unescape_value(char *s)
{
    const char *r = s;
    char *w = s;

    while ( *r )
    {
        if ( *r != '\\' || !r[1] )
        {
            *w++ = *r++;
            continue;
        }
        r++;
        if ( *r == 'x' )
        {
            r++;
            *w++ = escaped_number(&r, 16, 2);
        }
        else if ( *r >= '0' && *r <= '7' )
        {
            *w++ = escaped_number(&r, 8, 3);
        }
        else
        {
            *w++ = *r == 't' ? '\t' : *r == 'n' ? '\n' : *r == 'r' ? '\r' : *r;
            r++;
        }
    }
    return (unsigned int)(w - s);
}

/* ---- Transactional commands ---- */

static int do_read(struct xs_handle *h, xs_transaction_t t, char *key, const struct flags *f)
{
    unsigned int len;
    char *val = xs_read(h, t, key, &len), *shown;

    if ( !val )
    {
        warnx("couldn't read path %s", key);
        return 1;
    }
    shown = f->raw ? val : escape_value(val, len);
    if ( f->prefix )
        output("%s: ", key);
    output(f->raw ? "%s" : "%s\n", shown); /* raw: the bytes, nothing else */
    if ( shown != val )
        free(shown);
    free(val);
    return 0;
}

static int do_write(struct xs_handle *h, xs_transaction_t t, char *key, const char *value,
                    const struct flags *f)
{
    char *copy = strdup(value);
    unsigned int len;
    bool ok;

    if ( !copy )
        err(1, "malloc");
    len = f->raw ? (unsigned int)strlen(copy) : unescape_value(copy);
    ok = xs_write(h, t, key, copy, len);
    free(copy);
    if ( !ok )
    {
        warnx("could not write path %s", key);
        return 1;
    }
    return 0;
}

/* Is path an empty leaf (no value, no children)? */
static bool is_empty_leaf(struct xs_handle *h, xs_transaction_t t, const char *path)
{
    unsigned int len = 0, num = 1;
    char *val = xs_read(h, t, path, &len);
    char **list = val ? xs_directory(h, t, path, &num) : NULL;
    bool empty = val && len == 0 && list && num == 0;

    free(val);
    free(list);
    return empty;
}

static int do_rm(struct xs_handle *h, xs_transaction_t t, const char *key, const struct flags *f)
{
    char *path = strdup(key), *slash;

    if ( !path )
        err(1, "malloc");
    for ( ;; )
    {
        if ( !xs_rm(h, t, path) )
        {
            warnx("could not remove path %s", path);
            free(path);
            return 1;
        }
        slash = strrchr(path, '/');
        if ( !f->tidy || !slash || slash == path )
            break;
        *slash = '\0'; /* tidy: remove parents left empty */
        if ( !is_empty_leaf(h, t, path) )
            break;
    }
    free(path);
    return 0;
}

static int do_list(struct xs_handle *h, xs_transaction_t t, const char *key, const struct flags *f)
{
    unsigned int i, num;
    char **list = xs_directory(h, t, key, &num);

    if ( !list )
    {
        warnx("could not list path %s", key);
        return 1;
    }
    for ( i = 0; i < num; i++ )
        output("%s%s%s\n", f->prefix ? key : "", f->prefix ? "/" : "", list[i]);
    free(list);
    return 0;
}

static void do_chmod(struct xs_handle *h, xs_transaction_t t, char *path,
                     struct xs_permissions *perms, unsigned int n, const struct flags *f,
                     bool upward, bool recurse);

static void chmod_children(struct xs_handle *h, xs_transaction_t t, const char *path,
                           struct xs_permissions *perms, unsigned int n, const struct flags *f)
{
    unsigned int i, num;
    char **list = xs_directory(h, t, path, &num);

    for ( i = 0; list && i < num; i++ )
    {
        char *child;

        if ( asprintf(&child, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", list[i]) <
             0 )
            err(1, "malloc");
        do_chmod(h, t, child, perms, n, f, false, true);
        free(child);
    }
    free(list);
}

static void do_chmod(struct xs_handle *h, xs_transaction_t t, char *path,
                     struct xs_permissions *perms, unsigned int n, const struct flags *f,
                     bool upward, bool recurse)
{
    char *slash;

    if ( !path[0] )
        return;
    if ( !xs_set_permissions(h, t, path, perms, n) )
        err(1, "Error occurred setting permissions on '%s'", path);
    if ( upward )
    {
        slash = strrchr(path, '/');
        if ( !slash )
            errx(1, "Unable to locate path separator '/' in '%s'", path);
        *slash = '\0';
        do_chmod(h, t, path, perms, n, f, true, false);
        *slash = '/';
    }
    if ( recurse )
        chmod_children(h, t, path, perms, n, f);
}

static int chmod_command(struct xs_handle *h, xs_transaction_t t, int argc, char **argv,
                         const struct flags *f)
{
    struct xs_permissions perms[64];
    unsigned int n = 0;
    int i;

    for ( i = 1; i < argc; i++, n++ )
    {
        if ( n == 64 || !xs_strings_to_perms(&perms[n], 1, argv[i]) )
            errx(1, "Invalid permission specification: '%s'", argv[i]);
    }
    do_chmod(h, t, argv[0], perms, n, f, f->upward, f->recurse);
    return 0;
}

/* Runs the command's work on every argument; returns the exit status. */
static int perform(struct xs_handle *h, xs_transaction_t t, int argc, char **argv,
                   const struct flags *f)
{
    int i, step = cmd->mode == M_WRITE ? 2 : 1;

    if ( cmd->mode == M_CHMOD )
        return chmod_command(h, t, argc, argv, f);
    for ( i = 0; i < argc; i += step )
    {
        char *v;
        int rc = 0;

        switch ( cmd->mode )
        {
        case M_READ: rc = do_read(h, t, argv[i], f); break;
        case M_WRITE: rc = do_write(h, t, argv[i], argv[i + 1], f); break;
        case M_RM: rc = do_rm(h, t, argv[i], f); break;
        case M_LIST: rc = do_list(h, t, argv[i], f); break;
        case M_EXISTS:
            v = xs_read(h, t, argv[i], NULL);
            rc = v ? 0 : 1;
            free(v);
            break;
        default: break;
        }
        if ( rc )
            return rc;
    }
    return 0;
}

static int run_transaction(struct xs_handle *h, int argc, char **argv, const struct flags *f)
{
    xs_transaction_t t;
    int rc;

    for ( ;; )
    {
        t = xs_transaction_start(h);
        if ( t == XBT_NULL )
            errx(1, "couldn't start transaction");
        out_len = 0;
        rc = perform(h, t, argc, argv, f);
        if ( xs_transaction_end(h, t, rc != 0) )
            break;
        if ( rc == 0 && errno == EAGAIN )
            continue;
        errx(1, "couldn't end transaction");
    }
    if ( out_len )
        fwrite(out_buf, 1, out_len, stdout);
    return rc;
}

/* ---- ls ---- */

#define LS_TAG_LEN      8 /* strlen(" = \"...\"") */
#define LS_PERMS_COLUMN 60

static int ls_width(void)
{
    struct winsize ws;

    if ( isatty(STDOUT_FILENO) && !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_col > 0 )
        return ws.ws_col;
    return 80;
}

static void ls_perms(struct xs_handle *h, const char *path, const char *name)
{
    unsigned int i, n;
    struct xs_permissions *perms = xs_get_permissions(h, XBT_NULL, path, &n);
    char buf[MAX_STRLEN(unsigned int) + 2];

    if ( !perms )
    {
        warn("\ncould not access permissions for %s", name);
        return;
    }
    fputs("  (", stdout);
    for ( i = 0; i < n; i++ )
    {
        xs_perm_to_string(&perms[i], buf, sizeof(buf));
        printf("%s%s", i ? "," : "", buf);
    }
    putchar(')');
    free(perms);
}

/* Prints " = value" for one node in the indented (non -f) layout. */
static void ls_value_indented(const char *val, unsigned int len, int col, int width, bool perms)
{
    char *shown = escape_value(val, len);

    if ( width < col + (int)len + LS_TAG_LEN )
    {
        printf(" = \"%.*s\\...\"", width - LS_TAG_LEN - col, shown);
    }
    else
    {
        col += printf(" = \"%s\"", shown);
        if ( perms )
        {
            putchar(' ');
            for ( col++; col < (width < LS_PERMS_COLUMN ? width : LS_PERMS_COLUMN); col++ )
                putchar(col & 1 ? '.' : ' ');
        }
    }
    free(shown);
}

static void ls_node(struct xs_handle *h, const char *path, const char *name, int depth,
                    const struct flags *f, int width)
{
    unsigned int len;
    char *val = xs_read(h, XBT_NULL, path, &len);
    int col = depth;

    if ( f->full_path )
    {
        fputs(path, stdout);
    }
    else
    {
        printf("%*s", depth, "");
        col += printf("%.*s", width - LS_TAG_LEN - depth, name);
    }
    if ( !val )
    {
        putchar(':');
    }
    else if ( f->full_path )
    {
        char *shown = escape_value(val, len);

        printf(" = \"%s\"%s", shown, f->perms ? " " : "");
        free(shown);
    }
    else
    {
        ls_value_indented(val, len, col, width, f->perms);
    }
    free(val);
    if ( f->perms )
        ls_perms(h, path, name);
    putchar('\n');
}

static void ls_tree(struct xs_handle *h, const char *path, int depth, const struct flags *f,
                    int width)
{
    unsigned int i, num;
    char **list = xs_directory(h, XBT_NULL, path, &num);

    if ( !list )
        err(1, "xs_directory (%s)", path);
    for ( i = 0; i < num; i++ )
    {
        char *child;

        if ( asprintf(&child, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", list[i]) <
             0 )
            err(1, "malloc");
        ls_node(h, child, list[i], depth, f, width);
        ls_tree(h, child, depth + 1, f, width);
        free(child);
    }
    free(list);
}

/* ---- watch ---- */

static int watch_command(struct xs_handle *h, const char *key, const struct flags *f)
{
    long seen = 0;

    if ( !xs_watch(h, key, key) )
        errx(1, "Unable to add watch on %s", key);
    while ( f->max_events <= 0 || seen < f->max_events )
    {
        unsigned int num;
        char **vec = xs_read_watch(h, &num);

        if ( !vec )
            err(1, "xs_read_watch");
        printf("%s\n", vec[XS_WATCH_PATH]);
        fflush(stdout);
        free(vec);
        seen++;
    }
    return 0;
}

/* ---- main ---- */

static const struct command *find_command(const char *name)
{
    size_t i;

    for ( i = 0; i < sizeof(commands) / sizeof(commands[0]); i++ )
        if ( !strcmp(commands[i].name, name) )
            return &commands[i];
    return NULL;
}

static void parse_flags(int argc, char **argv, struct flags *f)
{
    char optstring[16];
    int c;

    snprintf(optstring, sizeof(optstring), "h%s", cmd->opts);
    while ( (c = getopt(argc, argv, optstring)) != -1 )
    {
        switch ( c )
        {
        case 'p': f->prefix = f->perms = true; break;
        case 's': f->socket = true; break;
        case 'R': f->raw = true; break;
        case 't': f->tidy = true; break;
        case 'f': f->full_path = true; break;
        case 'u': f->upward = true; break;
        case 'r': f->recurse = true; break;
        case 'n': f->max_events = atol(optarg); break;
        default: usage();
        }
    }
}

static bool args_ok(int n)
{
    switch ( cmd->mode )
    {
    case M_LS: return n <= 1;
    case M_WRITE: return n > 0 && n % 2 == 0;
    case M_CHMOD: return n >= 1;
    case M_WATCH: return n == 1;
    default: return n > 0;
    }
}

int main(int argc, char **argv)
{
    struct flags f = {0};
    struct xs_handle *h;
    const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    int rc;

    progname = argv[0];
    if ( !strncmp(base, "xenstore-", 9) )
    {
        cmd = find_command(base + 9);
    }
    else if ( argc > 1 )
    {
        cmd = find_command(argv[1]);
        argv++;
        argc--;
    }
    if ( !cmd )
        errx(1, "Usage: %s <mode> [-h] [...]", base);
    parse_flags(argc, argv, &f);
    if ( !args_ok(argc - optind) )
        usage();
    h = xs_open(f.socket ? XS_OPEN_SOCKETONLY : 0);
    if ( !h )
        err(1, "xs_open");
    if ( cmd->mode == M_LS )
        ls_tree(h, optind < argc ? argv[optind] : "/", 0, &f, ls_width());
    if ( cmd->mode == M_LS )
        rc = 0;
    else if ( cmd->mode == M_WATCH )
        rc = watch_command(h, argv[optind], &f);
    else
        rc = run_transaction(h, argc - optind, argv + optind, &f);
    xs_close(h);
    return rc;
}
