/*
 * cmd_deployment.c -- `mcxcheck deployment`: the command line of the
 * whole-deployment check (DNS, certificates and web, per SIP domain and
 * vantage, in one report).
 *
 * Owns: the options (the live DNS ones shared with `dns`, plus --ca, --at,
 * --connect-to, --https-port, --http-port, and --tls-profile/--issuing-ca
 * through cli_common.c's mcx_cli_tls_option), loading the
 * inputs (a bad file or value is exit 2 with a message naming it), and the
 * exit code:
 *   0  no finding at or above --fail-on;
 *   1  findings at or above --fail-on;
 *   2  usage or input error;
 *   3  no DNS server answered a single query (nothing could be tested);
 *   4  internal error (a DNS-000 / CT-000 / DP-000 finding).
 * Does not own: the checks (deployment.c), the shared DNS options
 * (cmd_dns.c), the common options and rendering (cli_common.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "deployment.h"
#include "mcx/http_client.h"

static void deployment_usage(FILE *out)
{
    fputs("usage: mcxcheck deployment --topology FILE|default\n"
          "                           [--dns-internal ADDR[:PORT]] [--dns-external ADDR[:PORT]]\n"
          "                           [options]\n"
          "  --topology FILE        the deployment (roles, pools, reverse proxy; required)\n"
          "  --dns-internal A[:P]   the DNS server clients inside the network use\n"
          "  --dns-external A[:P]   the DNS server the Internet sees (at least one; a\n"
          "                         vantage without a server is reported as not checked)\n"
          "  --sip-domain D         a SIP domain to check (repeatable; default: the\n"
          "                         topology's SIP domains)\n"
          "  --ca FILE              trust anchors for HTTPS and the certificate check\n"
          "                         (default: the system store)\n"
          "  --at RFC3339           certificate verification time (default: --now, else\n"
          "                         the clock)\n"
          "  --https-port N         dial port N where a phone dials 443 (default 443)\n"
          "  --http-port N          dial port N where a phone dials 80 (default 80)\n"
          "  --connect-to H:P:A:P2  where a phone would connect to port P of H (the\n"
          "                         Autodiscover name or the address its DNS answer ends\n"
          "                         at), connect to A:P2 instead; Host and SNI stay the\n"
          "                         name (repeatable; wins over --https-port/--http-port)\n"
          "  --timeout MS           per DNS try, TLS handshake and HTTP request (default\n"
          "                         2000)\n"
          "  --tries N              tries per DNS query (default 2)\n",
          out);
    mcx_cli_tls_usage(out, 1);
    fputs("  plus --format --output --fail-on --color --timings --now --seed\n"
          "Per vantage and SIP domain: the DNS rules, the Autodiscover name that answers\n"
          "and its address, TLS there with SNI = the name, the certificate for the role\n"
          "that answers (internal: Director else Front End pool; external: the reverse\n"
          "proxy when the topology has one), GET https://<name>/ and http://<name>/.\n"
          "Exit: 0 ok, 1 findings at or above --fail-on, 2 usage or input error,\n"
          "3 no DNS server answered at all, 4 internal error.\n",
          out);
}

static int deployment_port(const char *opt, const char *v, int *out)
{
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || n < 1 || n > 65535) {
        fprintf(stderr, "mcxcheck deployment: %s: invalid value '%s': expected 1..65535\n", opt,
                v);
        return -1;
    }
    *out = (int)n;
    return 0;
}

typedef struct deployment_args {
    const char *ca, *at;
    mcx_cli_tls tls; /* --tls-profile, --issuing-ca */
    const char *connect_to[MCX_DP_MAX_CONNECT_TO + 1];
    size_t nconnect_to;
    int https_port, http_port;
} deployment_args;

/* One deployment-only option at argv[*i]: 1 consumed, 0 not ours, -1 bad. */
static int deployment_option(deployment_args *a, int argc, char **argv, int *i)
{
    const char *opt = argv[*i], *v = NULL;
    int m;
    if ((m = mcx_cli_option("deployment", argc, argv, i, "--ca", &a->ca)) != 0 ||
        (m = mcx_cli_option("deployment", argc, argv, i, "--at", &a->at)) != 0 ||
        (m = mcx_cli_tls_option("deployment", &a->tls, 1, argc, argv, i)) != 0)
        return m;
    if ((m = mcx_cli_option("deployment", argc, argv, i, "--https-port", &v)) != 0)
        return m < 0 || deployment_port(opt, v, &a->https_port) != 0 ? -1 : 1;
    if ((m = mcx_cli_option("deployment", argc, argv, i, "--http-port", &v)) != 0)
        return m < 0 || deployment_port(opt, v, &a->http_port) != 0 ? -1 : 1;
    if ((m = mcx_cli_option("deployment", argc, argv, i, "--connect-to", &v)) != 0) {
        if (m < 0) return -1;
        if (mcx_dp_connect_to_valid(v) != 0) {
            fprintf(stderr,
                    "mcxcheck deployment: --connect-to: invalid value '%s': expected "
                    "HOST:PORT:ADDR:PORT (IPv6 in brackets)\n",
                    v);
            return -1;
        }
        if (a->nconnect_to >= MCX_DP_MAX_CONNECT_TO) {
            fprintf(stderr, "mcxcheck deployment: --connect-to: more than %d entries\n",
                    MCX_DP_MAX_CONNECT_TO);
            return -1;
        }
        a->connect_to[a->nconnect_to++] = v;
        return 1;
    }
    return 0;
}

int mcxcheck_cmd_deployment(int argc, char **argv)
{
    mcx_cli_common common;
    mcx_dns_cli dns;
    deployment_args args;
    mcx_dp_options o;
    mcx_dp_result res;
    mcx_topology *topo = NULL;
    mcx_report *rep = NULL;
    char subject[512];
    int rc = MCX_EXIT_USAGE;

    mcx_cli_common_init(&common);
    memset(&args, 0, sizeof args);
    memset(&o, 0, sizeof o);
    args.https_port = 443;
    args.http_port = 80;
    if (mcx_dns_cli_init(&dns, "deployment") != 0) {
        rc = MCX_EXIT_INTERNAL;
        goto out;
    }
    for (int i = 1; i < argc; i++) {
        int m = mcx_cli_common_parse(&common, argc, argv, &i);
        if (m < 0) goto out;
        if (m > 0) continue;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            deployment_usage(stdout);
            rc = MCX_EXIT_OK;
            goto out;
        }
        if ((m = mcx_dns_cli_parse(&dns, argc, argv, &i)) == 0)
            m = deployment_option(&args, argc, argv, &i);
        if (m < 0) goto out;
        if (m > 0) continue;
        fprintf(stderr, "mcxcheck deployment: unknown option '%s' (see --help)\n", argv[i]);
        goto out;
    }
    if (dns.topology_file == NULL) {
        fprintf(stderr, "mcxcheck deployment: --topology is required (see --help)\n");
        goto out;
    }
    if (mcx_dns_cli_finish(&dns, &topo) != 0) goto out;
    o.profile = args.tls.profile;
    o.issuing_ca = args.tls.issuing_ca;
    if (args.at ? mcx_cli_parse_rfc3339(args.at, &o.at) != 0
                : mcx_cli_common_now(&common, &o.at) != 0) {
        fprintf(stderr, "mcxcheck deployment: %s: invalid value '%s': expected an RFC 3339 "
                        "date-time\n", args.at ? "--at" : "--now", args.at ? args.at : common.now);
        goto out;
    }
    if (args.ca) {
        mcx_error err;
        char msg[1024];
        memset(&err, 0, sizeof err);
        if ((o.trust = mcx_cert_load_store_file(args.ca, &err)) == NULL) {
            mcx_error_format(&err, msg, sizeof msg);
            fprintf(stderr, "mcxcheck deployment: --ca: %s\n", msg);
            goto out;
        }
    }
    o.dns = &dns;
    o.topo = topo;
    o.ca_file = args.ca;
    o.https_port = args.https_port;
    o.http_port = args.http_port;
    o.connect_to = args.connect_to;
    o.timeout_ms = dns.timeout_ms;
    o.seed = common.has_seed ? common.seed : 0;

    mcx_dns_cli_subject(&dns, subject, sizeof subject);
    rep = mcx_report_new("mcxcheck", "deployment", subject);
    if (rep == NULL) {
        rc = MCX_EXIT_INTERNAL;
        goto out;
    }
    rep->timings = common.timings;
    mcx_http_global_init();
    int run_rc = mcx_dp_run(&o, rep, &res);
    mcx_http_global_cleanup();
    rc = mcx_cli_emit(&common, rep);
    if (run_rc != 0 || res.internal_error)
        rc = MCX_EXIT_INTERNAL;
    else if (rc != MCX_EXIT_USAGE && !res.dns_answered)
        rc = MCX_EXIT_UNTESTED;
out:
    X509_STORE_free(o.trust);
    mcx_report_free(rep);
    mcx_topology_free(topo);
    mcx_dns_cli_free(&dns);
    return rc;
}
