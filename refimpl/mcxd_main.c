/*
 * mcxd_main.c -- the mcxd command: option parsing, loading the topology,
 * starting the listeners, signals (SIGTERM/SIGINT stop, SIGHUP reloads the
 * topology atomically) and the pidfile.
 *
 * Owns: the CLI and process lifetime. Does not own: request handling
 * (request_dispatch.c), sockets and TLS (server_listen.c), authentication
 * state (auth_*.c).
 *
 * Exit codes: 0 clean stop, 2 usage or input error (bad option, topology,
 * certificate or key), 3 environment error (cannot bind, cannot write the
 * pidfile).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "auth.h"
#include "cert_origin.h"
#include "doc_cache.h"
#include "mcxd_http.h"

#define EXIT_USAGE 2
#define EXIT_ENV 3

static const struct {
    const char *name;
    unsigned flag;
} break_names[] = {
    {"mcx-internal", MCXD_BREAK_MCX_INTERNAL},
    {"no-content-length", MCXD_BREAK_NO_CONTENT_LENGTH},
    {"http-302", MCXD_BREAK_HTTP_302},
    {"multi-redirect", MCXD_BREAK_MULTI_REDIRECT},
    {"content-type", MCXD_BREAK_CONTENT_TYPE},
    {"user-404-body", MCXD_BREAK_USER_404_BODY},
    {"no-401-ticket-url", MCXD_BREAK_NO_401_TICKET_URL},
    {"mobility-drop-message", MCXD_BREAK_MOBILITY_DROP_MESSAGE},
    {"mobility-no-pget-replace", MCXD_BREAK_MOBILITY_NO_PGET_REPLACE},
    {"mobility-resend-acked", MCXD_BREAK_MOBILITY_RESEND_ACKED},
    {"mobility-no-auth", MCXD_BREAK_MOBILITY_NO_AUTH},
};

static const char *listener_names[MCXD_NLISTENERS] = {
    [MCXD_LISTENER_INDEX(MCX_ACCESS_INTERNAL, 0)] = "internal-http",
    [MCXD_LISTENER_INDEX(MCX_ACCESS_INTERNAL, 1)] = "internal-https",
    [MCXD_LISTENER_INDEX(MCX_ACCESS_EXTERNAL, 0)] = "external-http",
    [MCXD_LISTENER_INDEX(MCX_ACCESS_EXTERNAL, 1)] = "external-https",
};

typedef struct mcxd_main_ctx {
    const char *topology_path; /* NULL: the embedded default */
    mcxd_config cfg;
    struct event_base *base;
} mcxd_main_ctx;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mcxd [--topology FILE] [--listen NAME=ADDR:PORT]... [--no-listen NAME]\n"
            "            [--cert PEM --key PEM] [--now RFC3339] [--seed N] [--pidfile FILE]\n"
            "            [--quiet] [--break NAME]... [--max-header-bytes N]\n"
            "            [--max-body-bytes N] [--header-timeout S] [--idle-timeout S]\n"
            "            [--check-config] [--test-clock] [--admin ADDR:PORT]\n"
            "            [--request-queue-limit N]\n"
            "  NAME: internal-http, internal-https, external-http, external-https\n"
            "  --cert/--key: the default certificate of the HTTPS listeners; pools may\n"
            "           name their own (<internalWeb|externalWeb certificate= key=>),\n"
            "           chosen by SNI\n"
            "  --break: mcx-internal, no-content-length, http-302, multi-redirect,\n"
            "           content-type, user-404-body, no-401-ticket-url,\n"
            "           mobility-drop-message, mobility-no-pget-replace,\n"
            "           mobility-resend-acked, mobility-no-auth\n"
            "  --test-clock: tests only: POST /_mcxd/clock advance=SECONDS moves the clock\n"
            "  --admin: plain-HTTP listener for GET /metrics (Prometheus text)\n"
            "  --request-queue-limit N: parked P-GETs before 503 (default 5000)\n");
}

static int listener_index(const char *name, size_t len)
{
    for (int i = 0; i < MCXD_NLISTENERS; i++)
        if (strlen(listener_names[i]) == len && strncmp(listener_names[i], name, len) == 0)
            return i;
    return -1;
}

/* "ADDR:PORT" (IPv4 or a name; "[v6]:PORT" for IPv6). */
static int parse_addr_port(const char *s, mcxd_listen_spec *out)
{
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s)
        return -1;
    const char *a = s;
    size_t alen = (size_t)(colon - s);
    if (a[0] == '[' && alen >= 2 && a[alen - 1] == ']') {
        a++;
        alen -= 2;
    }
    if (alen == 0 || alen >= sizeof(out->addr))
        return -1;
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || port < 0 || port > 65535)
        return -1;
    memcpy(out->addr, a, alen);
    out->addr[alen] = '\0';
    out->port = (int)port;
    out->enabled = 1;
    return 0;
}

static int parse_long(const char *s, long min, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* RFC 3339 in UTC: YYYY-MM-DDTHH:MM:SS(Z|+00:00), optional fraction. */
static int parse_rfc3339(const char *s, time_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!p)
        return -1;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (strcmp(p, "Z") != 0 && strcmp(p, "z") != 0 && strcmp(p, "+00:00") != 0)
        return -1;
    *out = timegm(&tm);
    return 0;
}

static mcx_topology *load_topology(const char *path)
{
    mcx_error err;
    memset(&err, 0, sizeof(err));
    mcx_topology *t = path ? mcx_topology_load_file(path, &err) : mcx_topology_load_default(&err);
    if (!t) {
        char msg[1024];
        mcx_error_format(&err, msg, sizeof(msg));
        fprintf(stderr, "mcxd: %s\n", msg);
    } else if (!mcx_topology_autodiscover_pool(t)) {
        fprintf(stderr, "mcxd: %s: topology has no pool to answer Autodiscover\n",
                path ? path : "<default>");
        mcx_topology_free(t);
        t = NULL;
    }
    return t;
}

static void on_stop(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    mcxd_main_ctx *ctx = arg;
    fprintf(stderr, "mcxd: signal %d, stopping\n", (int)sig);
    event_base_loopexit(ctx->base, NULL);
}

static void on_reload(evutil_socket_t sig, short what, void *arg)
{
    (void)sig;
    (void)what;
    mcxd_main_ctx *ctx = arg;
    mcx_topology *t = load_topology(ctx->topology_path);
    if (!t) {
        fprintf(stderr, "mcxd: reload failed; still serving topology %s\n",
                ctx->cfg.topo->source ? ctx->cfg.topo->source : "<default>");
        return;
    }
    /* One event loop: no request is in progress while this runs. */
    mcx_topology *old = (mcx_topology *)ctx->cfg.topo;
    ctx->cfg.topo = t;
    mcxd_doc_cache_flush(ctx->cfg.cache);
    mcx_topology_free(old);
    fprintf(stderr, "mcxd: reloaded topology %s\n", t->source ? t->source : "<default>");
}

static void default_listeners(const mcx_topology *t, mcxd_server_options *opt,
                              const int explicit_listen[MCXD_NLISTENERS],
                              const int no_listen[MCXD_NLISTENERS], int have_cert, int verbose)
{
    const mcx_pool *p = mcx_topology_autodiscover_pool(t);
    for (int side = 0; side < 2; side++) {
        for (int tls = 0; tls < 2; tls++) {
            int i = MCXD_LISTENER_INDEX(side, tls);
            mcxd_listen_spec *s = &opt->listen[i];
            if (no_listen[i]) {
                s->enabled = 0;
                continue;
            }
            if (explicit_listen[i])
                continue;
            const char *ip = side == MCX_ACCESS_INTERNAL ? p->internal_ip : p->external_ip;
            int port = side == MCX_ACCESS_INTERNAL
                           ? (tls ? p->internal_https_port : p->internal_http_port)
                           : (tls ? p->external_https_port : p->external_http_port);
            int side_cert = have_cert || mcxd_topology_has_cert(t, (mcx_access)side);
            if (!ip || (tls && !side_cert)) {
                if (tls && !side_cert && verbose)
                    fprintf(stderr, "mcxd: %s disabled (no --cert/--key)\n", listener_names[i]);
                s->enabled = 0;
                continue;
            }
            snprintf(s->addr, sizeof(s->addr), "%s", ip);
            s->port = port;
            s->enabled = 1;
        }
    }
}

int main(int argc, char **argv)
{
    mcxd_main_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    mcxd_server_options opt;
    memset(&opt, 0, sizeof(opt));
    opt.max_header_bytes = 8192;
    opt.max_body_bytes = 65536;
    opt.header_timeout = 10;
    opt.idle_timeout = 60;
    int explicit_listen[MCXD_NLISTENERS] = {0}, no_listen[MCXD_NLISTENERS] = {0};
    const char *pidfile = NULL;
    uint64_t seed = 0;
    int has_seed = 0, check_config = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n;
#define NEED_VALUE()                                                                \
    do {                                                                            \
        if (!v) {                                                                   \
            fprintf(stderr, "mcxd: %s needs a value\n", a);                        \
            return EXIT_USAGE;                                                      \
        }                                                                           \
        i++;                                                                        \
    } while (0)
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--topology") == 0) {
            NEED_VALUE();
            ctx.topology_path = v;
        } else if (strcmp(a, "--listen") == 0) {
            NEED_VALUE();
            const char *eq = strchr(v, '=');
            int idx = eq ? listener_index(v, (size_t)(eq - v)) : -1;
            if (idx < 0 || parse_addr_port(eq + 1, &opt.listen[idx]) != 0) {
                fprintf(stderr, "mcxd: --listen %s: expected NAME=ADDR:PORT with NAME one of "
                                "internal-http, internal-https, external-http, external-https\n", v);
                return EXIT_USAGE;
            }
            explicit_listen[idx] = 1;
            no_listen[idx] = 0;
        } else if (strcmp(a, "--no-listen") == 0) {
            NEED_VALUE();
            int idx = listener_index(v, strlen(v));
            if (idx < 0) {
                fprintf(stderr, "mcxd: --no-listen %s: unknown listener\n", v);
                return EXIT_USAGE;
            }
            no_listen[idx] = 1;
            explicit_listen[idx] = 0;
        } else if (strcmp(a, "--cert") == 0) {
            NEED_VALUE();
            opt.cert_file = v;
        } else if (strcmp(a, "--key") == 0) {
            NEED_VALUE();
            opt.key_file = v;
        } else if (strcmp(a, "--now") == 0) {
            NEED_VALUE();
            if (parse_rfc3339(v, &ctx.cfg.fixed_now) != 0) {
                fprintf(stderr, "mcxd: --now %s: expected RFC 3339 UTC, e.g. 2026-01-01T00:00:00Z\n", v);
                return EXIT_USAGE;
            }
            ctx.cfg.deterministic = 1;
        } else if (strcmp(a, "--seed") == 0) {
            NEED_VALUE();
            char *end = NULL;
            errno = 0;
            unsigned long long s = strtoull(v, &end, 10);
            if (!*v || *end || errno || v[0] == '-') {
                fprintf(stderr, "mcxd: --seed %s: expected a non-negative integer\n", v);
                return EXIT_USAGE;
            }
            seed = (uint64_t)s;
            has_seed = 1;
        } else if (strcmp(a, "--pidfile") == 0) {
            NEED_VALUE();
            pidfile = v;
        } else if (strcmp(a, "--quiet") == 0) {
            opt.quiet = 1;
        } else if (strcmp(a, "--admin") == 0) {
            NEED_VALUE();
            if (parse_addr_port(v, &opt.admin) != 0) {
                fprintf(stderr, "mcxd: --admin %s: expected ADDR:PORT\n", v);
                return EXIT_USAGE;
            }
            opt.admin.enabled = 1;
        } else if (strcmp(a, "--request-queue-limit") == 0) {
            NEED_VALUE();
            char *end = NULL;
            long limit = strtol(v, &end, 10);
            if (!*v || *end || limit < 1 || limit > 1000000) {
                fprintf(stderr, "mcxd: --request-queue-limit %s: expected 1 to 1000000\n", v);
                return EXIT_USAGE;
            }
            ctx.cfg.request_queue_limit = (int)limit;
        } else if (strcmp(a, "--test-clock") == 0) {
            ctx.cfg.test_clock = 1;
        } else if (strcmp(a, "--check-config") == 0) {
            check_config = 1;
        } else if (strcmp(a, "--break") == 0) {
            NEED_VALUE();
            unsigned flag = 0;
            for (size_t b = 0; b < sizeof(break_names) / sizeof(break_names[0]); b++)
                if (strcmp(v, break_names[b].name) == 0)
                    flag = break_names[b].flag;
            if (!flag) {
                fprintf(stderr, "mcxd: --break %s: unknown deviation\n", v);
                usage(stderr);
                return EXIT_USAGE;
            }
            ctx.cfg.breaks |= flag;
        } else if (strcmp(a, "--max-header-bytes") == 0 || strcmp(a, "--max-body-bytes") == 0 ||
                   strcmp(a, "--header-timeout") == 0 || strcmp(a, "--idle-timeout") == 0) {
            NEED_VALUE();
            int bytes = strstr(a, "bytes") != NULL;
            if (parse_long(v, 1, bytes ? 64L * 1024 * 1024 : 3600, &n) != 0) {
                fprintf(stderr, "mcxd: %s %s: out of range\n", a, v);
                return EXIT_USAGE;
            }
            if (strcmp(a, "--max-header-bytes") == 0)
                opt.max_header_bytes = (size_t)n;
            else if (strcmp(a, "--max-body-bytes") == 0)
                opt.max_body_bytes = (size_t)n;
            else if (strcmp(a, "--header-timeout") == 0)
                opt.header_timeout = (int)n;
            else
                opt.idle_timeout = (int)n;
        } else {
            fprintf(stderr, "mcxd: unknown option %s\n", a);
            usage(stderr);
            return EXIT_USAGE;
        }
#undef NEED_VALUE
    }
    if ((opt.cert_file == NULL) != (opt.key_file == NULL)) {
        fprintf(stderr, "mcxd: --cert and --key go together\n");
        return EXIT_USAGE;
    }

    mcx_topology *topo = load_topology(ctx.topology_path);
    if (!topo)
        return EXIT_USAGE;
    ctx.cfg.topo = topo;
    default_listeners(topo, &opt, explicit_listen, no_listen, opt.cert_file != NULL,
                      !check_config);

    char err[1024];
    if (check_config) {
        int rc = 0;
        if ((opt.cert_file && mcxd_tls_check(opt.cert_file, opt.key_file, err, sizeof(err)) != 0) ||
            mcxd_tls_check_topology(topo, err, sizeof(err)) != 0) {
            char where[1536];
            mcxd_cert_origin(topo, err, where, sizeof where); /* topology file:line */
            fprintf(stderr, "mcxd: %s\n", where);
            rc = EXIT_USAGE;
        } else {
            printf("mcxd: configuration ok: topology %s, %zu pools, %zu users\n",
                   topo->source ? topo->source : "<default>", topo->npools, topo->nusers);
        }
        mcx_topology_free(topo);
        return rc;
    }
    ctx.cfg.cache = mcxd_doc_cache_new();

    signal(SIGPIPE, SIG_IGN);
    int rc = 0;
    mcxd_state *st = NULL;
    mcxd_server *srv = NULL;
    struct event *ev_term = NULL, *ev_int = NULL, *ev_hup = NULL;
    FILE *pf = NULL;
    /* Not EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST: it saves epoll_ctl calls,
     * but a socket closed and a new one accepted on the same fd number in one
     * loop iteration is then never registered (the connection hangs). */
    ctx.base = event_base_new();
    if (!ctx.base) {
        fprintf(stderr, "mcxd: cannot create the event loop\n");
        rc = EXIT_ENV;
        goto out;
    }
    st = mcxd_state_new(seed, has_seed);
    if (!st) {
        fprintf(stderr, "mcxd: cannot create the authentication state\n");
        rc = EXIT_ENV;
        goto out;
    }
    int code = EXIT_ENV;
    srv = mcxd_server_new(ctx.base, &ctx.cfg, st, &opt, err, sizeof(err), &code);
    if (!srv) {
        char where[1536];
        mcxd_cert_origin(topo, err, where, sizeof where); /* topology file:line */
        fprintf(stderr, "mcxd: %s\n", where);
        rc = code;
        goto out;
    }
    if (pidfile) {
        pf = fopen(pidfile, "w");
        if (!pf || fprintf(pf, "%ld\n", (long)getpid()) < 0 || fclose(pf) != 0) {
            fprintf(stderr, "mcxd: cannot write pidfile %s: %s\n", pidfile, strerror(errno));
            pidfile = NULL;
            rc = EXIT_ENV;
            goto out;
        }
    }
    ev_term = evsignal_new(ctx.base, SIGTERM, on_stop, &ctx);
    ev_int = evsignal_new(ctx.base, SIGINT, on_stop, &ctx);
    ev_hup = evsignal_new(ctx.base, SIGHUP, on_reload, &ctx);
    if (!ev_term || !ev_int || !ev_hup || evsignal_add(ev_term, NULL) || evsignal_add(ev_int, NULL) ||
        evsignal_add(ev_hup, NULL)) {
        fprintf(stderr, "mcxd: cannot install signal handlers\n");
        rc = EXIT_ENV;
        goto out;
    }
    for (int i = 0; i < MCXD_NLISTENERS; i++)
        if (opt.listen[i].enabled)
            fprintf(stderr, "mcxd: %s on %s:%d\n", listener_names[i], opt.listen[i].addr,
                    opt.listen[i].port);
    fprintf(stderr, "mcxd: serving topology %s (pid %ld)\n",
            topo->source ? topo->source : "<default>", (long)getpid());
    event_base_dispatch(ctx.base);

out:
    if (ev_term)
        event_free(ev_term);
    if (ev_int)
        event_free(ev_int);
    if (ev_hup)
        event_free(ev_hup);
    mcxd_server_free(srv);
    if (st)
        mcxd_state_free(st);
    if (ctx.base)
        event_base_free(ctx.base);
    if (pidfile && rc == 0)
        remove(pidfile);
    mcxd_doc_cache_free(ctx.cfg.cache);
    mcx_topology_free((mcx_topology *)ctx.cfg.topo);
    return rc;
}
