/*
 * mcxdns_main.c -- the mcxdns command: serve the DNS views of a dnsfixtures
 * scenario (or the records a topology requires), one address per view.
 *
 *   mcxdns --scenario DIR --listen VIEW=ADDR:PORT [--listen ...]
 *          [--fault NAME=KIND]... [--seed N] [--threads N] [--pidfile F] [--quiet]
 *   mcxdns --topology FILE|default [--domain D] --listen VIEW=ADDR:PORT ...
 *
 * Owns: options, loading the views, the worker threads (--threads: one
 * event loop each, sharing the read-only zonesets), signals (SIGTERM/SIGINT
 * stop cleanly) and the pidfile. Does not own: answering and sockets (dns_responder.c),
 * zone and scenario loading (lib/dns_view.c, lib/dns_scenario.c).
 *
 * Exit codes: 0 clean stop, 2 usage or input error, 3 environment error
 * (cannot bind, cannot write the pidfile).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "dns_responder.h"
#include "mcx/dns_scenario.h"

#define EXIT_USAGE 2
#define EXIT_ENV 3
#define MAX_LISTEN 8
#define MAX_FAULTS 64
#define MAX_THREADS 64

/* One event loop serving every listener's UDP socket (SO_REUSEPORT) on its
 * own thread; thread 0 is main's loop, which also holds TCP and signals.
 * The zonesets are shared read-only; caches are per loop. */
typedef struct worker {
    pthread_t tid;
    struct event_base *base;
    mcxdns_server *srv;
    struct event *stop; /* the stop pipe became readable */
    int started;
} worker;

typedef struct listen_spec {
    mcx_dns_vantage vantage;
    char addr[64];
    int port;
    mcxdns_zoneset *zs;
} listen_spec;

static void usage(FILE *out)
{
    fputs("usage: mcxdns --scenario DIR --listen VIEW=ADDR:PORT [--listen VIEW=ADDR:PORT]...\n"
          "              [--fault NAME=KIND]... [--seed N] [--threads N] [--pidfile FILE]\n"
          "              [--quiet]\n"
          "       mcxdns --topology FILE|default [--domain D] --listen VIEW=ADDR:PORT...\n"
          "  --scenario DIR   a dnsfixtures scenario folder (its scenario.xml and zones)\n"
          "  --topology FILE  serve the records the seed requires for this deployment\n"
          "                   ('default' = the embedded one) instead of zone files\n"
          "  --domain D       with --topology: only this SIP domain (default: all)\n"
          "  --listen V=A:P   serve view V (internal or external) on address A, port P,\n"
          "                   UDP and TCP; IPv6 as [::1]:5353\n"
          "  --fault N=KIND   for queries of name N: noanswer (drop), servfail,\n"
          "                   delay:MS (answer after MS milliseconds), or a hostile\n"
          "                   answer: wrong-id, wrong-question, truncated (cut mid-record),\n"
          "                   compression-loop, garbage (bytes from --seed), oversized\n"
          "                   (over 3000 bytes over UDP, TC clear)\n"
          "  --seed N         seed of the garbage fault's bytes (default 0)\n"
          "  --threads N      UDP event loops, one thread each, sharing the address\n"
          "                   (SO_REUSEPORT; TCP stays on the first); default: the\n"
          "                   number of CPUs\n"
          "  --pidfile FILE   write the process ID to FILE\n"
          "  --quiet          no log lines on stderr\n"
          "SIGTERM or SIGINT stop the server. Exit: 0 stopped, 2 usage or input\n"
          "error, 3 cannot bind or write the pidfile.\n",
          out);
}

static int parse_listen(const char *v, listen_spec *out)
{
    const char *eq = strchr(v, '='), *colon;
    char view[32];
    char *end;

    if (eq == NULL || (size_t)(eq - v) >= sizeof view) return -1;
    memcpy(view, v, (size_t)(eq - v));
    view[eq - v] = '\0';
    if (mcx_dns_vantage_parse(view, &out->vantage) != 0) return -1;
    const char *hp = eq + 1;
    if (hp[0] == '[') {
        const char *close = strchr(hp, ']');
        if (close == NULL || close[1] != ':' || (size_t)(close - hp - 1) >= sizeof out->addr)
            return -1;
        memcpy(out->addr, hp + 1, (size_t)(close - hp - 1));
        out->addr[close - hp - 1] = '\0';
        colon = close + 1;
    } else {
        colon = strrchr(hp, ':');
        if (colon == NULL || (size_t)(colon - hp) >= sizeof out->addr) return -1;
        memcpy(out->addr, hp, (size_t)(colon - hp));
        out->addr[colon - hp] = '\0';
    }
    errno = 0;
    long port = strtol(colon + 1, &end, 10);
    if (errno != 0 || *end != '\0' || end == colon + 1 || port < 1 || port > 65535) return -1;
    out->port = (int)port;
    return 0;
}

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    event_base_loopbreak(arg);
}

static void *worker_run(void *arg)
{
    worker *w = arg;
    event_base_dispatch(w->base);
    return NULL;
}

/* Threads 1..n-1: a base, a server with UDP-only listeners, and the stop
 * pipe's read end. 0, or -1 after printing why. */
static int worker_start(worker *w, const listen_spec *listens, size_t nlisten, int stop_fd)
{
    char why[512];

    w->base = event_base_new();
    w->srv = w->base != NULL ? mcxdns_server_new(w->base, 1) : NULL;
    w->stop = w->base != NULL ? event_new(w->base, stop_fd, EV_READ, on_stop, w->base) : NULL;
    if (w->srv == NULL || w->stop == NULL || event_add(w->stop, NULL) != 0) {
        fprintf(stderr, "mcxdns: out of memory\n");
        return -1;
    }
    for (size_t i = 0; i < nlisten; i++) {
        if (mcxdns_server_listen_opts(w->srv, listens[i].zs, listens[i].addr, listens[i].port,
                                      MCXDNS_LISTEN_UDP_REUSEPORT | MCXDNS_LISTEN_NO_TCP, why,
                                      sizeof why) != 0) {
            fprintf(stderr, "mcxdns: %s\n", why);
            return -1;
        }
    }
    if (pthread_create(&w->tid, NULL, worker_run, w) != 0) {
        fprintf(stderr, "mcxdns: cannot start a thread\n");
        return -1;
    }
    w->started = 1;
    return 0;
}

static void worker_free(worker *w)
{
    mcxdns_server_free(w->srv);
    if (w->stop != NULL) event_free(w->stop);
    if (w->base != NULL) event_base_free(w->base);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)sig;
    (void)what;
    event_base_loopbreak(arg);
}

static void print_error(const mcx_error *err)
{
    char msg[1024];
    mcx_error_format(err, msg, sizeof msg);
    fprintf(stderr, "mcxdns: %s\n", msg);
}

/* The view of `vantage`: from the scenario, else from the topology. */
static mcx_dns_view *load_view(const mcx_dns_scenario *sc, const mcx_topology *topo,
                               const char *domain, mcx_dns_vantage vantage, mcx_error *err)
{
    if (topo != NULL) return mcxdns_view_from_topology(topo, vantage, domain, err);
    for (size_t i = 0; i < sc->nviews; i++)
        if (sc->views[i].vantage == vantage) return mcx_dns_scenario_view_load(&sc->views[i], err);
    memset(err, 0, sizeof *err);
    snprintf(err->file, sizeof err->file, "%s", sc->source);
    snprintf(err->rule, sizeof err->rule, "scenario");
    snprintf(err->message, sizeof err->message, "the scenario has no %s view",
             mcx_dns_vantage_name(vantage));
    return NULL;
}

/* Append the <fault> elements of the scenario's `vantage` view to faults
 * (after the command line's, which win: the first match applies). 0, or -1
 * after printing file:line and the reason. */
static int add_scenario_faults(const mcx_dns_scenario *sc, mcx_dns_vantage vantage,
                               mcxdns_fault *faults, size_t *nfaults)
{
    char why[512];

    for (size_t i = 0; sc != NULL && i < sc->nviews; i++) {
        const mcx_dns_scenario_view *v = &sc->views[i];
        if (v->vantage != vantage) continue;
        for (size_t j = 0; j < v->nfaults; j++) {
            if (*nfaults >= MAX_FAULTS) {
                fprintf(stderr, "mcxdns: %s:%d: more than %d faults\n", sc->source,
                        v->faults[j].line, MAX_FAULTS);
                return -1;
            }
            if (mcxdns_fault_parse(v->faults[j].spec, &faults[*nfaults], why, sizeof why) != 0) {
                fprintf(stderr, "mcxdns: %s:%d: fault: %s\n", sc->source, v->faults[j].line,
                        why);
                return -1;
            }
            (*nfaults)++;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    listen_spec listens[MAX_LISTEN];
    mcxdns_fault faults[MAX_FAULTS];
    size_t nlisten = 0, nfaults = 0;
    const char *scenario_dir = NULL, *topology_file = NULL, *domain = NULL, *pidfile = NULL;
    int quiet = 0, rc = EXIT_USAGE;
    unsigned long long seed = 0;
    long nthreads = sysconf(_SC_NPROCESSORS_ONLN);
    worker workers[MAX_THREADS];
    int stop_pipe[2] = {-1, -1};
    mcx_dns_scenario *sc = NULL;
    mcx_topology *topo = NULL;
    struct event_base *base = NULL;
    struct event *sigterm = NULL, *sigint = NULL;
    mcxdns_server *srv = NULL;
    mcx_error err;
    char why[512];

    memset(listens, 0, sizeof listens);
    memset(workers, 0, sizeof workers);
    if (nthreads < 1) nthreads = 1;
    if (nthreads > MAX_THREADS) nthreads = MAX_THREADS;
    memset(&err, 0, sizeof err);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "mcxdns: %s: missing value (see --help)\n", a);
            return EXIT_USAGE;
        }
        const char *v = argv[++i];
        if (strcmp(a, "--scenario") == 0) {
            scenario_dir = v;
        } else if (strcmp(a, "--topology") == 0) {
            topology_file = v;
        } else if (strcmp(a, "--domain") == 0) {
            domain = v;
        } else if (strcmp(a, "--pidfile") == 0) {
            pidfile = v;
        } else if (strcmp(a, "--threads") == 0) {
            char *end = NULL;
            errno = 0;
            nthreads = strtol(v, &end, 10);
            if (errno != 0 || end == v || *end != '\0' || nthreads < 1 ||
                nthreads > MAX_THREADS) {
                fprintf(stderr, "mcxdns: --threads: invalid value '%s': expected 1..%d\n", v,
                        MAX_THREADS);
                return EXIT_USAGE;
            }
        } else if (strcmp(a, "--seed") == 0) {
            char *end = NULL;
            errno = 0;
            seed = strtoull(v, &end, 10);
            if (errno != 0 || end == v || *end != '\0' || v[0] == '-') {
                fprintf(stderr, "mcxdns: --seed: invalid value '%s': expected 0..2^64-1\n", v);
                return EXIT_USAGE;
            }
        } else if (strcmp(a, "--listen") == 0) {
            if (nlisten >= MAX_LISTEN || parse_listen(v, &listens[nlisten]) != 0) {
                fprintf(stderr,
                        "mcxdns: --listen: invalid value '%s': expected internal|external="
                        "ADDR:PORT (at most %d)\n",
                        v, MAX_LISTEN);
                return EXIT_USAGE;
            }
            nlisten++;
        } else if (strcmp(a, "--fault") == 0) {
            if (nfaults >= MAX_FAULTS) {
                fprintf(stderr, "mcxdns: --fault: more than %d faults\n", MAX_FAULTS);
                return EXIT_USAGE;
            }
            if (mcxdns_fault_parse(v, &faults[nfaults], why, sizeof why) != 0) {
                fprintf(stderr, "mcxdns: --fault: %s\n", why);
                return EXIT_USAGE;
            }
            nfaults++;
        } else {
            fprintf(stderr, "mcxdns: unknown option '%s' (see --help)\n", a);
            return EXIT_USAGE;
        }
    }
    if ((scenario_dir == NULL) == (topology_file == NULL) || nlisten == 0) {
        fprintf(stderr, "mcxdns: exactly one of --scenario and --topology, and at least one "
                        "--listen, are required\n");
        usage(stderr);
        return EXIT_USAGE;
    }
    if (scenario_dir != NULL) {
        char path[4096];
        snprintf(path, sizeof path, "%s/scenario.xml", scenario_dir);
        sc = mcx_dns_scenario_load_file(path, &err);
        if (sc == NULL) {
            print_error(&err);
            goto out;
        }
    } else {
        topo = strcmp(topology_file, "default") == 0 ? mcx_topology_load_default(&err)
                                                      : mcx_topology_load_file(topology_file, &err);
        if (topo == NULL) {
            print_error(&err);
            goto out;
        }
    }
    for (size_t i = 0; i < nlisten; i++) {
        mcx_dns_view *view = load_view(sc, topo, domain, listens[i].vantage, &err);
        if (view == NULL) {
            print_error(&err);
            goto out;
        }
        size_t nview_faults = nfaults;
        if (add_scenario_faults(sc, listens[i].vantage, faults, &nview_faults) != 0) {
            mcx_dns_view_free(view);
            goto out;
        }
        listens[i].zs = mcxdns_zoneset_new(view, faults, nview_faults, why, sizeof why);
        if (listens[i].zs == NULL) {
            fprintf(stderr, "mcxdns: %s\n", why);
            goto out;
        }
        mcxdns_zoneset_set_seed(listens[i].zs, (uint64_t)seed);
    }
    base = event_base_new();
    srv = base != NULL ? mcxdns_server_new(base, quiet) : NULL;
    if (srv == NULL) {
        fprintf(stderr, "mcxdns: out of memory\n");
        rc = EXIT_ENV;
        goto out;
    }
    for (size_t i = 0; i < nlisten; i++) {
        if (mcxdns_server_listen_opts(srv, listens[i].zs, listens[i].addr, listens[i].port,
                                      nthreads > 1 ? MCXDNS_LISTEN_UDP_REUSEPORT : 0, why,
                                      sizeof why) != 0) {
            fprintf(stderr, "mcxdns: %s\n", why);
            rc = EXIT_ENV;
            goto out;
        }
    }
    if (nthreads > 1 && pipe(stop_pipe) != 0) {
        fprintf(stderr, "mcxdns: cannot create a pipe: %s\n", strerror(errno));
        rc = EXIT_ENV;
        goto out;
    }
    for (long t = 1; t < nthreads; t++) {
        if (worker_start(&workers[t], listens, nlisten, stop_pipe[0]) != 0) {
            rc = EXIT_ENV;
            goto out;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    sigterm = evsignal_new(base, SIGTERM, on_signal, base);
    sigint = evsignal_new(base, SIGINT, on_signal, base);
    if (sigterm == NULL || sigint == NULL || event_add(sigterm, NULL) != 0 ||
        event_add(sigint, NULL) != 0) {
        fprintf(stderr, "mcxdns: cannot install signal handlers\n");
        rc = EXIT_ENV;
        goto out;
    }
    if (pidfile != NULL) {
        FILE *pf = fopen(pidfile, "w");
        if (pf == NULL) {
            fprintf(stderr, "mcxdns: cannot write pidfile %s: %s\n", pidfile, strerror(errno));
            rc = EXIT_ENV;
            goto out;
        }
        fprintf(pf, "%ld\n", (long)getpid());
        fclose(pf);
    }
    event_base_dispatch(base);
    if (!quiet) fprintf(stderr, "mcxdns: stopped\n");
    rc = 0;
    if (pidfile != NULL) unlink(pidfile);
out:
    if (stop_pipe[1] >= 0) close(stop_pipe[1]); /* EOF wakes every worker */
    for (long t = 1; t < nthreads; t++) {
        if (workers[t].started) pthread_join(workers[t].tid, NULL);
        worker_free(&workers[t]);
    }
    if (stop_pipe[0] >= 0) close(stop_pipe[0]);
    mcxdns_server_free(srv);
    if (sigterm != NULL) event_free(sigterm);
    if (sigint != NULL) event_free(sigint);
    for (size_t i = 0; i < nlisten; i++)
        mcxdns_zoneset_free(listens[i].zs);
    if (base != NULL) event_base_free(base);
    mcx_dns_scenario_free(sc);
    mcx_topology_free(topo);
    return rc;
}
