/*
 * cmd_zone.c -- `mcxcheck zone`: check a zone file before it is published
 * ("check my DNS"), offline, as the internal or the external view.
 *
 * Owns: the options of zone (zone files, --view, --sip-domain, --topology,
 * --origin), loading the files into one view and the topology, running
 * the DNS rules, and the exit code:
 *   0  no finding at or above --fail-on;
 *   1  findings at or above --fail-on;
 *   2  usage or input error (bad option, unreadable or invalid zone file or
 *      topology: the message names file:line and the rule);
 *   4  internal error (a DNS-000 finding).
 * Does not own: the view and lookups (lib/dns_view.c), the rules
 * (lib/dns_rules.c), the common options and rendering (cli_common.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "mcx/dns_rules.h"
#include "mcx/dns_view.h"
#include "mcx/topology.h"

#define ZONE_MAX_FILES 16
#define ZONE_MAX_DOMAINS 64

static void zone_usage(FILE *out)
{
    fputs("usage: mcxcheck zone FILE [FILE]... --view internal|external --sip-domain D\n"
          "                     [--sip-domain D]... [--topology FILE|default] [--origin NAME]\n"
          "  FILE                 a zone file (RFC 1035 master format); several files form\n"
          "                       one view (one zone each)\n"
          "  --view V             which DNS the files are: internal (split-brain inside)\n"
          "                       or external (public)\n"
          "  --sip-domain D       a SIP domain to check (repeatable; default: the\n"
          "                       topology's SIP domains)\n"
          "  --topology FILE      compare targets with this deployment ('default' = the\n"
          "                       embedded one); without it, rules that need it are\n"
          "                       reported as not checked (DNS-018)\n"
          "  --origin NAME        origin of the first FILE when it has no $ORIGIN or SOA\n"
          "  plus --format --output --fail-on --color --timings --now --seed\n"
          "Exit: 0 ok, 1 findings at or above --fail-on, 2 usage or input error,\n"
          "4 internal error.\n",
          out);
}

static void print_error(const mcx_error *err)
{
    char msg[1024];
    mcx_error_format(err, msg, sizeof msg);
    fprintf(stderr, "mcxcheck zone: %s\n", msg);
}

int mcxcheck_cmd_zone(int argc, char **argv)
{
    mcx_cli_common common;
    const char *files[ZONE_MAX_FILES];
    const char *domains[ZONE_MAX_DOMAINS];
    size_t nfiles = 0, ndomains = 0;
    const char *view_name = NULL, *topology_file = NULL, *origin = NULL;
    mcx_dns_vantage vantage = MCX_DNS_VANTAGE_INTERNAL;
    mcx_topology *topo = NULL;
    mcx_dns_view *view = NULL;
    mcx_report *rep = NULL;
    mcx_error err;
    char subject[1024];
    int rc = MCX_EXIT_USAGE;

    mcx_cli_common_init(&common);
    memset(&err, 0, sizeof err);
    for (int i = 1; i < argc; i++) {
        int m = mcx_cli_common_parse(&common, argc, argv, &i);
        if (m < 0) goto out;
        if (m > 0) continue;
        const char *a = argv[i], *v = NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            zone_usage(stdout);
            rc = MCX_EXIT_OK;
            goto out;
        } else if (strcmp(a, "--view") == 0) {
            if (!(v = mcx_cli_value("zone", argc, argv, &i))) goto out;
            if (mcx_dns_vantage_parse(v, &vantage) != 0) {
                fprintf(stderr,
                        "mcxcheck zone: --view: invalid value '%s': expected internal or "
                        "external\n",
                        v);
                goto out;
            }
            view_name = v;
        } else if (strcmp(a, "--sip-domain") == 0) {
            char norm[MCX_DNS_NAME_MAX];
            if (!(v = mcx_cli_value("zone", argc, argv, &i))) goto out;
            if (mcx_dns_name_normalise(v, norm, sizeof norm) != 0 || strchr(norm, '.') == NULL) {
                fprintf(stderr,
                        "mcxcheck zone: --sip-domain: invalid value '%s': expected a domain "
                        "name such as contoso.com\n",
                        v);
                goto out;
            }
            if (ndomains >= ZONE_MAX_DOMAINS) {
                fprintf(stderr, "mcxcheck zone: --sip-domain: more than %d domains\n",
                        ZONE_MAX_DOMAINS);
                goto out;
            }
            domains[ndomains++] = v;
        } else if (strcmp(a, "--topology") == 0) {
            if (!(topology_file = mcx_cli_value("zone", argc, argv, &i))) goto out;
        } else if (strcmp(a, "--origin") == 0) {
            if (!(origin = mcx_cli_value("zone", argc, argv, &i))) goto out;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "mcxcheck zone: unknown option '%s' (see --help)\n", a);
            goto out;
        } else {
            if (nfiles >= ZONE_MAX_FILES) {
                fprintf(stderr, "mcxcheck zone: more than %d zone files\n", ZONE_MAX_FILES);
                goto out;
            }
            files[nfiles++] = a;
        }
    }
    if (nfiles == 0 || view_name == NULL) {
        fprintf(stderr, "mcxcheck zone: %s is required\n", nfiles == 0 ? "a zone FILE" : "--view");
        zone_usage(stderr);
        goto out;
    }
    if (topology_file != NULL) {
        if (strcmp(topology_file, "default") == 0)
            topo = mcx_topology_load_default(&err);
        else
            topo = mcx_topology_load_file(topology_file, &err);
        if (topo == NULL) {
            print_error(&err);
            goto out;
        }
    }
    if (ndomains == 0 && topo != NULL) {
        for (size_t i = 0; i < topo->nsip_domains && ndomains < ZONE_MAX_DOMAINS; i++)
            domains[ndomains++] = topo->sip_domains[i];
    }
    if (ndomains == 0) {
        fprintf(stderr, "mcxcheck zone: --sip-domain is required (or --topology)\n");
        goto out;
    }
    view = mcx_dns_view_new(view_name);
    if (view == NULL) {
        rc = MCX_EXIT_INTERNAL;
        goto out;
    }
    for (size_t i = 0; i < nfiles; i++) {
        if (mcx_dns_view_load_zone_file(view, files[i], i == 0 ? origin : NULL, &err) != 0) {
            print_error(&err);
            goto out;
        }
    }
    snprintf(subject, sizeof subject, "%s view: %s%s", view_name, files[0],
             nfiles > 1 ? " and more" : "");
    rep = mcx_report_new("mcxcheck", "zone", subject);
    if (rep == NULL) {
        rc = MCX_EXIT_INTERNAL;
        goto out;
    }
    for (size_t i = 0; i < nfiles; i++)
        mcx_report_step(rep, 0, MCX_STEP_INFO, 0, NULL, "loaded %s", files[i]);
    for (size_t i = 0; i < view->nzones; i++)
        mcx_report_step(rep, 1, MCX_STEP_INFO, 0, NULL, "zone %s", view->zones[i]);
    if (mcx_dns_rules_check(view, vantage, domains, ndomains, topo, rep) != 0) {
        mcx_cli_emit(&common, rep);
        rc = MCX_EXIT_INTERNAL;
        goto out;
    }
    rc = mcx_cli_emit(&common, rep);
out:
    mcx_report_free(rep);
    mcx_dns_view_free(view);
    mcx_topology_free(topo);
    return rc;
}
