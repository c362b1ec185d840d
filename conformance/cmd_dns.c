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
 *   3  no server of any vantage answered a single query (could not test);
 *   4  internal error (a DNS-000 finding).
 * Does not own: querying and building the view (dns_live.c), the rules
 * (lib/dns_rules.c), the common options and rendering (cli_common.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "dns_live.h"
#include "mcx/dns_rules.h"
#include "mcx/dns_view.h"
#include "mcx/topology.h"

#define DNS_MAX_DOMAINS 1024
#define DNS_MAX_TIMEOUT_MS 60000
#define DNS_MAX_TRIES 10

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
          "answers an error, is a finding (DNS-021, DNS-022).\n"
          "Exit: 0 ok, 1 findings at or above --fail-on, 2 usage or input error,\n"
          "3 no server answered at all, 4 internal error.\n",
          out);
}

static int dns_int(const char *opt, const char *v, int lo, int hi, int *out)
{
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi) {
        fprintf(stderr, "mcxcheck dns: %s: invalid value '%s': expected %d..%d\n", opt, v, lo,
                hi);
        return -1;
    }
    *out = (int)n;
    return 0;
}

int mcxcheck_cmd_dns(int argc, char **argv)
{
    mcx_cli_common common;
    const char **domains = calloc(DNS_MAX_DOMAINS, sizeof *domains);
    char(*norm)[MCX_DNS_NAME_MAX] = calloc(DNS_MAX_DOMAINS, sizeof *norm);
    size_t ndomains = 0;
    mcx_dns_live_server servers[2];
    int have_server[2] = {0, 0};
    const char *topology_file = NULL;
    int timeout_ms = MCX_DNS_LIVE_DEFAULT_TIMEOUT_MS, tries = MCX_DNS_LIVE_DEFAULT_TRIES;
    mcx_topology *topo = NULL;
    mcx_report *rep = NULL;
    mcx_error err;
    char subject[512];
    int rc = MCX_EXIT_USAGE, failed = 0;
    size_t total_queries = 0, total_failures = 0;

    mcx_cli_common_init(&common);
    memset(&err, 0, sizeof err);
    if (domains == NULL || norm == NULL) {
        rc = MCX_EXIT_INTERNAL;
        goto out;
    }
    for (int i = 1; i < argc; i++) {
        int m = mcx_cli_common_parse(&common, argc, argv, &i);
        if (m < 0) goto out;
        if (m > 0) continue;
        const char *a = argv[i], *v = NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            dns_usage(stdout);
            rc = MCX_EXIT_OK;
            goto out;
        } else if (strcmp(a, "--sip-domain") == 0) {
            if (!(v = mcx_cli_value("dns", argc, argv, &i))) goto out;
            if (ndomains >= DNS_MAX_DOMAINS) {
                fprintf(stderr, "mcxcheck dns: --sip-domain: more than %d domains\n",
                        DNS_MAX_DOMAINS);
                goto out;
            }
            if (mcx_dns_name_normalise(v, norm[ndomains], MCX_DNS_NAME_MAX) != 0 ||
                strchr(norm[ndomains], '.') == NULL) {
                fprintf(stderr,
                        "mcxcheck dns: --sip-domain: invalid value '%s': expected a domain "
                        "name such as contoso.com\n",
                        v);
                goto out;
            }
            domains[ndomains] = norm[ndomains];
            ndomains++;
        } else if (strcmp(a, "--dns-internal") == 0 || strcmp(a, "--dns-external") == 0) {
            int which = strcmp(a, "--dns-external") == 0;
            if (!(v = mcx_cli_value("dns", argc, argv, &i))) goto out;
            if (mcx_dns_live_parse_server(v, &servers[which]) != 0) {
                fprintf(stderr,
                        "mcxcheck dns: %s: invalid value '%s': expected ADDR[:PORT] "
                        "(an IP address, IPv6 as [::1]:53)\n",
                        a, v);
                goto out;
            }
            have_server[which] = 1;
        } else if (strcmp(a, "--topology") == 0) {
            if (!(topology_file = mcx_cli_value("dns", argc, argv, &i))) goto out;
        } else if (strcmp(a, "--timeout") == 0) {
            if (!(v = mcx_cli_value("dns", argc, argv, &i)) ||
                dns_int(a, v, 1, DNS_MAX_TIMEOUT_MS, &timeout_ms) != 0)
                goto out;
        } else if (strcmp(a, "--tries") == 0) {
            if (!(v = mcx_cli_value("dns", argc, argv, &i)) || dns_int(a, v, 1, DNS_MAX_TRIES, &tries) != 0)
                goto out;
        } else {
            fprintf(stderr, "mcxcheck dns: unknown option '%s' (see --help)\n", a);
            goto out;
        }
    }
    if (!have_server[0] && !have_server[1]) {
        fprintf(stderr, "mcxcheck dns: --dns-internal or --dns-external is required\n");
        dns_usage(stderr);
        goto out;
    }
    if (topology_file != NULL) {
        topo = strcmp(topology_file, "default") == 0 ? mcx_topology_load_default(&err)
                                                      : mcx_topology_load_file(topology_file, &err);
        if (topo == NULL) {
            char msg[1024];
            mcx_error_format(&err, msg, sizeof msg);
            fprintf(stderr, "mcxcheck dns: %s\n", msg);
            goto out;
        }
    }
    /* No --sip-domain: every SIP domain of the topology. */
    int from_topology = ndomains == 0;
    for (size_t i = 0; topo != NULL && from_topology && i < topo->nsip_domains &&
                       ndomains < DNS_MAX_DOMAINS;
         i++) {
        if (mcx_dns_name_normalise(topo->sip_domains[i], norm[ndomains], MCX_DNS_NAME_MAX) == 0) {
            domains[ndomains] = norm[ndomains];
            ndomains++;
        }
    }
    if (ndomains == 0) {
        fprintf(stderr, "mcxcheck dns: --sip-domain is required (or --topology)\n");
        goto out;
    }
    snprintf(subject, sizeof subject, "%s%s%s%s%s", have_server[0] ? "internal DNS " : "",
             have_server[0] ? servers[0].text : "", have_server[0] && have_server[1] ? ", " : "",
             have_server[1] ? "external DNS " : "", have_server[1] ? servers[1].text : "");
    rep = mcx_report_new("mcxcheck", "dns", subject);
    if (rep == NULL) {
        rc = MCX_EXIT_INTERNAL;
        goto out;
    }
    for (int which = 0; which < 2; which++) {
        mcx_dns_vantage vantage = which ? MCX_DNS_VANTAGE_EXTERNAL : MCX_DNS_VANTAGE_INTERNAL;
        mcx_dns_live_stats stats;
        if (!have_server[which]) continue;
        unsigned first_id = (unsigned)((common.has_seed ? common.seed : 0) + 0x4d43u * which);
        mcx_dns_view *view =
            mcx_dns_live_fetch(&servers[which], vantage, domains, ndomains, topo, timeout_ms,
                               tries, first_id, rep, &stats);
        if (view == NULL) {
            failed = 1;
            continue;
        }
        total_queries += stats.queries;
        total_failures += stats.failures;
        mcx_report_step(rep, 0, stats.failures ? MCX_STEP_FAIL : MCX_STEP_OK, 0, NULL,
                        "%s view: asked %s: %zu names, %zu queries, %zu failed",
                        mcx_dns_vantage_name(vantage), servers[which].text, stats.names,
                        stats.queries, stats.failures);
        for (size_t z = 0; z < view->nzones; z++)
            mcx_report_step(rep, 1, MCX_STEP_INFO, 0, NULL, "zone %s", view->zones[z]);
        if (mcx_dns_rules_check(view, vantage, domains, ndomains, topo, rep) != 0) failed = 1;
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
    free(domains);
    free(norm);
    return rc;
}
