/*
 * mcxdns_main.c -- the mcxdns command: serve the DNS views of a dnsfixtures
 * scenario (or the records a topology requires), one address per view.
 *
 *   mcxdns --scenario DIR --listen VIEW=ADDR:PORT [--listen ...]
 *          [--fault NAME=noanswer|servfail|delay:MS]... [--pidfile F] [--quiet]
 *   mcxdns --topology FILE|default [--domain D] --listen VIEW=ADDR:PORT ...
 *
 * Owns: options, loading the views, signals (SIGTERM/SIGINT stop cleanly)
 * and the pidfile. Does not own: answering and sockets (dns_responder.c),
 * zone and scenario loading (lib/dns_view.c, lib/dns_scenario.c).
 *
 * Exit codes: 0 clean stop, 2 usage or input error, 3 environment error
 * (cannot bind, cannot write the pidfile).
 */
#include <errno.h>
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

typedef struct listen_spec {
    mcx_dns_vantage vantage;
    char addr[64];
    int port;
    mcxdns_zoneset *zs;
} listen_spec;

static void usage(FILE *out)
{
    fputs("usage: mcxdns --scenario DIR --listen VIEW=ADDR:PORT [--listen VIEW=ADDR:PORT]...\n"
          "              [--fault NAME=noanswer|servfail|delay:MS]... [--pidfile FILE] [--quiet]\n"
          "       mcxdns --topology FILE|default [--domain D] --listen VIEW=ADDR:PORT...\n"
          "  --scenario DIR   a dnsfixtures scenario folder (its scenario.xml and zones)\n"
          "  --topology FILE  serve the records the seed requires for this deployment\n"
          "                   ('default' = the embedded one) instead of zone files\n"
          "  --domain D       with --topology: only this SIP domain (default: all)\n"
          "  --listen V=A:P   serve view V (internal or external) on address A, port P,\n"
          "                   UDP and TCP; IPv6 as [::1]:5353\n"
          "  --fault N=F      for queries of name N: noanswer (drop), servfail, or\n"
          "                   delay:MS (answer after MS milliseconds)\n"
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

int main(int argc, char **argv)
{
    listen_spec listens[MAX_LISTEN];
    mcxdns_fault faults[MAX_FAULTS];
    size_t nlisten = 0, nfaults = 0;
    const char *scenario_dir = NULL, *topology_file = NULL, *domain = NULL, *pidfile = NULL;
    int quiet = 0, rc = EXIT_USAGE;
    mcx_dns_scenario *sc = NULL;
    mcx_topology *topo = NULL;
    struct event_base *base = NULL;
    struct event *sigterm = NULL, *sigint = NULL;
    mcxdns_server *srv = NULL;
    mcx_error err;
    char why[512];

    memset(listens, 0, sizeof listens);
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
        listens[i].zs = mcxdns_zoneset_new(view, faults, nfaults, why, sizeof why);
        if (listens[i].zs == NULL) {
            fprintf(stderr, "mcxdns: %s\n", why);
            goto out;
        }
    }
    base = event_base_new();
    srv = base != NULL ? mcxdns_server_new(base, quiet) : NULL;
    if (srv == NULL) {
        fprintf(stderr, "mcxdns: out of memory\n");
        rc = EXIT_ENV;
        goto out;
    }
    for (size_t i = 0; i < nlisten; i++) {
        if (mcxdns_server_listen(srv, listens[i].zs, listens[i].addr, listens[i].port, why,
                                 sizeof why) != 0) {
            fprintf(stderr, "mcxdns: %s\n", why);
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
