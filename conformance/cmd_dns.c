/*
 * cmd_dns.c -- `mcxcheck dns`: "check what my users see": query the DNS
 * server of each vantage (internal, external) live and run the same DNS
 * rules `mcxcheck zone` runs on zone files.
 *
 * Owns: the options of dns (--sip-domain, --dns-internal, --dns-external,
 * --topology, --timeout, --tries), one report with a section per vantage,
 * and the exit code:
 *   0  no finding at or above --fail-on;
 *   1  findings at or above --fail-on;
 *   2  usage or input error (bad option, invalid topology);
 *   3  no server of any vantage answered a single query (could not test;
 *      a REFUSED answer is an answer: the server's zone setup is wrong, 1);
 *   4  internal error (a DNS-000 finding).
 * Also owns the live DNS options and per-vantage run that `mcxcheck
 * deployment` shares (mcx_dns_cli_*, declared in commands.h).
 * Without --topology and with both servers, infers the web FQDNs from the
 * CNAME targets first (lib/dns_infer.c; the views are asked twice) so the
 * web FQDN rules still run, and says so in a step.
 * Does not own: querying and building the view (dns_live.c), the rules
 * (lib/dns_rules.c), the common options and rendering (cli_common.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "dns_live.h"
#include "mcx/dns_infer.h"
#include "mcx/dns_rules.h"
#include "mcx/dns_view.h"
#include "mcx/topology.h"

static void dns_usage(FILE *out)
{
    fputs("usage: mcxcheck dns --sip-domain D [--sip-domain D]...\n"
          "                    [--dns-internal ADDR[:PORT]] [--dns-external ADDR[:PORT]]\n"
          "                    [--topology FILE|default] [--timeout MS] [--tries N]\n"
          "  --sip-domain D         a SIP domain to check (repeatable; default: the\n"
          "                         topology's SIP domains)\n"
          "  --dns-internal A[:P]   the DNS server clients inside the network use\n"
          "  --dns-external A[:P]   the DNS server the Internet sees (at least one of\n"
          "                         the two; port 53 by default; IPv6 as [::1]:53)\n"
          "  --topology FILE        compare targets with this deployment ('default' =\n"
          "                         the embedded one); without it, rules that need it are\n"
          "                         reported as not checked (DNS-018)\n"
          "  --timeout MS           per try (default 2000)\n"
          "  --tries N              tries per query (default 2)\n"
          "  plus --format --output --fail-on --color --timings --now --seed\n"
          "Queries are UDP (TCP when truncated), without recursion: point it at the\n"
          "authoritative servers of each view. A server that does not answer, or\n"
          "answers an error, is a finding (DNS-021 .. DNS-025).\n"
          "Exit: 0 ok, 1 findings at or above --fail-on, 2 usage or input error,\n"
          "3 no server answered at all, 4 internal error.\n",
          out);
}

static int dns_int(const char *command, const char *opt, const char *v, int lo, int hi,
                   int *out)
{
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi) {
        fprintf(stderr, "mcxcheck %s: %s: invalid value '%s': expected %d..%d\n", command, opt,
                v, lo, hi);
        return -1;
    }
    *out = (int)n;
    return 0;
}

int mcx_dns_cli_init(mcx_dns_cli *c, const char *command)
{
    memset(c, 0, sizeof *c);
    c->command = command;
    c->timeout_ms = MCX_DNS_LIVE_DEFAULT_TIMEOUT_MS;
    c->tries = MCX_DNS_LIVE_DEFAULT_TRIES;
    c->domains = calloc(MCX_DNS_CLI_MAX_DOMAINS, sizeof *c->domains);
    c->norm = calloc(MCX_DNS_CLI_MAX_DOMAINS, sizeof *c->norm);
    return c->domains != NULL && c->norm != NULL ? 0 : -1;
}

void mcx_dns_cli_free(mcx_dns_cli *c)
{
    free(c->domains);
    free(c->norm);
    c->domains = NULL;
    c->norm = NULL;
}

/* Add one SIP domain (normalised). 0, or -1 (message printed). */
static int dns_cli_add_domain(mcx_dns_cli *c, const char *v)
{
    if (c->ndomains >= MCX_DNS_CLI_MAX_DOMAINS) {
        fprintf(stderr, "mcxcheck %s: --sip-domain: more than %d domains\n", c->command,
                MCX_DNS_CLI_MAX_DOMAINS);
        return -1;
    }
    if (mcx_dns_name_normalise(v, c->norm[c->ndomains], MCX_DNS_NAME_MAX) != 0 ||
        strchr(c->norm[c->ndomains], '.') == NULL) {
        fprintf(stderr,
                "mcxcheck %s: --sip-domain: invalid value '%s': expected a domain name such "
                "as contoso.com\n",
                c->command, v);
        return -1;
    }
    c->domains[c->ndomains] = c->norm[c->ndomains];
    c->ndomains++;
    return 0;
}

int mcx_dns_cli_parse(mcx_dns_cli *c, int argc, char **argv, int *i)
{
    const char *a = argv[*i], *v = NULL;
    if (strcmp(a, "--sip-domain") == 0) {
        if (!(v = mcx_cli_value(c->command, argc, argv, i))) return -1;
        return dns_cli_add_domain(c, v) == 0 ? 1 : -1;
    }
    if (strcmp(a, "--dns-internal") == 0 || strcmp(a, "--dns-external") == 0) {
        int which = strcmp(a, "--dns-external") == 0;
        if (!(v = mcx_cli_value(c->command, argc, argv, i))) return -1;
        if (mcx_dns_live_parse_server(v, &c->servers[which]) != 0) {
            fprintf(stderr,
                    "mcxcheck %s: %s: invalid value '%s': expected ADDR[:PORT] (an IP "
                    "address, IPv6 as [::1]:53)\n",
                    c->command, a, v);
            return -1;
        }
        c->have_server[which] = 1;
        return 1;
    }
    if (strcmp(a, "--topology") == 0) {
        if (!(c->topology_file = mcx_cli_value(c->command, argc, argv, i))) return -1;
        return 1;
    }
    if (strcmp(a, "--timeout") == 0) {
        if (!(v = mcx_cli_value(c->command, argc, argv, i)) ||
            dns_int(c->command, a, v, 1, MCX_DNS_CLI_MAX_TIMEOUT_MS, &c->timeout_ms) != 0)
            return -1;
        return 1;
    }
    if (strcmp(a, "--tries") == 0) {
        if (!(v = mcx_cli_value(c->command, argc, argv, i)) ||
            dns_int(c->command, a, v, 1, MCX_DNS_CLI_MAX_TRIES, &c->tries) != 0)
            return -1;
        return 1;
    }
    return 0;
}

int mcx_dns_cli_finish(mcx_dns_cli *c, mcx_topology **topo)
{
    mcx_error err;

    memset(&err, 0, sizeof err);
    *topo = NULL;
    if (!c->have_server[0] && !c->have_server[1]) {
        fprintf(stderr, "mcxcheck %s: --dns-internal or --dns-external is required\n",
                c->command);
        return -1;
    }
    if (c->topology_file != NULL) {
        *topo = strcmp(c->topology_file, "default") == 0
                    ? mcx_topology_load_default(&err)
                    : mcx_topology_load_file(c->topology_file, &err);
        if (*topo == NULL) {
            char msg[1024];
            mcx_error_format(&err, msg, sizeof msg);
            fprintf(stderr, "mcxcheck %s: %s\n", c->command, msg);
            return -1;
        }
    }
    /* No --sip-domain: every SIP domain of the topology. */
    if (c->ndomains == 0 && *topo != NULL) {
        for (size_t i = 0; i < (*topo)->nsip_domains && c->ndomains < MCX_DNS_CLI_MAX_DOMAINS;
             i++) {
            if (mcx_dns_name_normalise((*topo)->sip_domains[i], c->norm[c->ndomains],
                                       MCX_DNS_NAME_MAX) == 0) {
                c->domains[c->ndomains] = c->norm[c->ndomains];
                c->ndomains++;
            }
        }
    }
    if (c->ndomains == 0) {
        fprintf(stderr, "mcxcheck %s: --sip-domain is required (or --topology)\n", c->command);
        return -1;
    }
    return 0;
}

void mcx_dns_cli_subject(const mcx_dns_cli *c, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s%s%s%s", c->have_server[0] ? "internal DNS " : "",
             c->have_server[0] ? c->servers[0].text : "",
             c->have_server[0] && c->have_server[1] ? ", " : "",
             c->have_server[1] ? "external DNS " : "", c->have_server[1] ? c->servers[1].text : "");
}

/* One vantage: fetch (with the names of `topo`, else of `web`) and the
 * rules (`web`: the inferred one-pool topology, only without `topo`). */
static mcx_dns_view *cli_vantage(const mcx_dns_cli *c, mcx_dns_vantage vantage,
                                 const mcx_topology *topo, const mcx_topology *web,
                                 unsigned long long seed, mcx_report *r, mcx_dns_live_stats *stats,
                                 int *failed)
{
    int which = vantage == MCX_DNS_VANTAGE_EXTERNAL;
    unsigned first_id = (unsigned)(seed + 0x4d43u * (unsigned)which);

    memset(stats, 0, sizeof *stats);
    mcx_dns_view *view =
        mcx_dns_live_fetch(&c->servers[which], vantage, c->domains, c->ndomains,
                           topo != NULL ? topo : web, c->timeout_ms, c->tries, first_id, r, stats);
    if (view == NULL) {
        *failed = 1;
        return NULL;
    }
    mcx_report_step(r, 0, stats->failures ? MCX_STEP_FAIL : MCX_STEP_OK, 0, NULL,
                    "%s view: asked %s: %zu names, %zu queries, %zu failed",
                    mcx_dns_vantage_name(vantage), c->servers[which].text, stats->names,
                    stats->queries, stats->failures);
    for (size_t z = 0; z < view->nzones; z++)
        mcx_report_step(r, 1, MCX_STEP_INFO, 0, NULL, "zone %s", view->zones[z]);
    if (mcx_dns_rules_check_inferred(view, vantage, c->domains, c->ndomains, topo, web, r) != 0)
        *failed = 1;
    return view;
}

mcx_dns_view *mcx_dns_cli_vantage(const mcx_dns_cli *c, mcx_dns_vantage vantage,
                                  const mcx_topology *topo, unsigned long long seed,
                                  mcx_report *r, mcx_dns_live_stats *stats, int *failed)
{
    return cli_vantage(c, vantage, topo, NULL, seed, r, stats, failed);
}

/* No --topology, both servers: a first look at both views (into a scratch
 * report) to infer the web FQDNs from the CNAME targets (lib/dns_infer.c).
 * 1 and *inf when both were inferred (the step in `r` says what and from
 * where), else 0. The views are asked again with the inferred names. */
static int infer_web(const mcx_dns_cli *c, unsigned long long seed, mcx_report *r,
                     mcx_dns_inferred *inf)
{
    mcx_report *scratch = mcx_report_new("mcxcheck", "dns", "inference");
    mcx_dns_view *views[2] = {NULL, NULL};
    int ok = 0;

    memset(inf, 0, sizeof *inf);
    for (int which = 0; scratch != NULL && which < 2; which++) {
        mcx_dns_live_stats stats;
        views[which] = mcx_dns_live_fetch(
            &c->servers[which], which ? MCX_DNS_VANTAGE_EXTERNAL : MCX_DNS_VANTAGE_INTERNAL,
            c->domains, c->ndomains, NULL, c->timeout_ms, c->tries,
            (unsigned)(seed + 0x4d43u * (unsigned)which), scratch, &stats);
    }
    if (views[0] != NULL && views[1] != NULL)
        ok = mcx_dns_infer_web(views[0], views[1], c->domains, c->ndomains, inf);
    if (ok)
        mcx_report_step(r, 0, MCX_STEP_INFO, 0,
                        "the target rules of lyncdiscoverinternal and lyncdiscover stay not "
                        "checked without --topology",
                        "no --topology: web FQDN rules (split-brain, internal web FQDN not "
                        "public, external web FQDN public) run on inferred names: internal web "
                        "FQDN %s (CNAME target of %s), external web FQDN %s (CNAME target of %s), "
                        "reverse proxy IP %s (its public address)",
                        inf->internal_web, inf->internal_from, inf->external_web,
                        inf->external_from, inf->proxy_ip[0] ? inf->proxy_ip : "unknown");
    mcx_dns_view_free(views[0]);
    mcx_dns_view_free(views[1]);
    mcx_report_free(scratch);
    return ok;
}

int mcxcheck_cmd_dns(int argc, char **argv)
{
    mcx_cli_common common;
    mcx_dns_cli dns;
    mcx_topology *topo = NULL;
    mcx_report *rep = NULL;
    char subject[512];
    int rc = MCX_EXIT_USAGE, failed = 0;
    size_t total_queries = 0, total_failures = 0; /* refused: answered, not untested */

    mcx_cli_common_init(&common);
    if (mcx_dns_cli_init(&dns, "dns") != 0) {
        rc = MCX_EXIT_INTERNAL;
        goto out;
    }
    for (int i = 1; i < argc; i++) {
        int m = mcx_cli_common_parse(&common, argc, argv, &i);
        if (m < 0) goto out;
        if (m > 0) continue;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            dns_usage(stdout);
            rc = MCX_EXIT_OK;
            goto out;
        }
        m = mcx_dns_cli_parse(&dns, argc, argv, &i);
        if (m < 0) goto out;
        if (m > 0) continue;
        fprintf(stderr, "mcxcheck dns: unknown option '%s' (see --help)\n", argv[i]);
        goto out;
    }
    if (mcx_dns_cli_finish(&dns, &topo) != 0) {
        if (!dns.have_server[0] && !dns.have_server[1]) dns_usage(stderr);
        goto out;
    }
    mcx_dns_cli_subject(&dns, subject, sizeof subject);
    rep = mcx_report_new("mcxcheck", "dns", subject);
    if (rep == NULL) {
        rc = MCX_EXIT_INTERNAL;
        goto out;
    }
    unsigned long long seed = common.has_seed ? common.seed : 0;
    mcx_dns_inferred inferred;
    int have_web = topo == NULL && dns.have_server[0] && dns.have_server[1] &&
                   infer_web(&dns, seed, rep, &inferred);
    for (int which = 0; which < 2; which++) {
        mcx_dns_vantage vantage = which ? MCX_DNS_VANTAGE_EXTERNAL : MCX_DNS_VANTAGE_INTERNAL;
        mcx_dns_live_stats stats;
        if (!dns.have_server[which]) continue;
        mcx_dns_view *view = cli_vantage(&dns, vantage, topo, have_web ? &inferred.topology : NULL,
                                         seed, rep, &stats, &failed);
        total_queries += stats.queries;
        total_failures += stats.failures - stats.refused;
        mcx_dns_view_free(view);
    }
    if (failed) {
        mcx_cli_emit(&common, rep);
        rc = MCX_EXIT_INTERNAL;
        goto out;
    }
    rc = mcx_cli_emit(&common, rep);
    if (total_queries > 0 && total_failures == total_queries) rc = MCX_EXIT_UNTESTED;
out:
    mcx_report_free(rep);
    mcx_topology_free(topo);
    mcx_dns_cli_free(&dns);
    return rc;
}
