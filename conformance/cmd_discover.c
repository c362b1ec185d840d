/*
 * cmd_discover.c -- `mcxcheck discover`: the command line of the client
 * discovery trace.
 *
 * Owns: the options of discover (argument parsing, --password-file,
 * --topology loading, which DNS server a --vantage uses), running the trace,
 * and the exit code:
 *   0  no finding at or above --fail-on;
 *   1  findings at or above --fail-on;
 *   2  usage or input error (bad option, unreadable password file, invalid
 *      topology: the message names file:line and the rule);
 *   3  could not test: no candidate URL reached a server -- every request
 *      failed at DNS resolution (the system's, or with --dns-internal /
 *      --dns-external the DNS steps of the trace), TCP connect or timeout (a
 *      NET-001 finding says so). A TLS failure is not in this class: a
 *      server answered the handshake, so its certificate is a finding
 *      (exit 1).
 * Does not own: the algorithm (discover_algorithm.c), authentication
 * (discover_auth.c), the DNS steps (discover_dns.c), the common options and
 * rendering (cli_common.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "discover.h"

#define DISCOVER_MAX_PINS 64
#define DISCOVER_MAX_PASSWORD 1024

static void discover_usage(FILE *out)
{
    fputs("usage: mcxcheck discover --sip-uri USER@DOMAIN [options]\n"
          "  --vantage internal|external   where the tester stands (expected AccessLocation)\n"
          "  --resolve HOST:PORT:ADDR      pin a name (repeatable)\n"
          "  --connect-to HOST:PORT:ADDR:PORT  connect elsewhere, keep Host/SNI (repeatable)\n"
          "  --resolve-only                names in neither list fail as DNS, no query\n"
          "  --dns-internal ADDR[:PORT]    resolve every host through the authoritative\n"
          "  --dns-external ADDR[:PORT]    DNS server of the --vantage's view (port 53 by\n"
          "                                default, no recursion asked) and connect to the\n"
          "                                address it gives; a DNS step per query\n"
          "                                (replaces --resolve/--connect-to/--resolve-only)\n"
          "  --ca FILE | --insecure        certificate verification\n"
          "  --user U --password-file F    credentials (first line of F)\n"
          "  --auth auto|webticket|oauth|basic   (default auto)\n"
          "  --accept xml|json             Autodiscover representation (default xml)\n"
          "  --topology FILE               enable topology rules of the document checks\n"
          "  --timeout MS                  per request (default 10000)\n"
          "  --max-redirects N             body Redirects followed (default 10)\n",
          out);
    mcx_cli_tls_usage(out, 0);
    fputs("  plus --format --output --fail-on --color --timings --now --seed\n"
          "Candidates, in order: https://lyncdiscoverinternal.<d>, http://..., \n"
          "https://lyncdiscover.<d>, http://... (each /?sipuri=USER@DOMAIN).\n"
          "Exit: 0 ok, 1 findings, 2 usage, 3 no server reached (DNS/connect/timeout).\n",
          out);
}

/* Reads the first line of `path`, without its line end. */
static char *read_password_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "mcxcheck discover: --password-file %s: %s\n", path, strerror(errno));
        return NULL;
    }
    char *buf = calloc(1, DISCOVER_MAX_PASSWORD + 2);
    if (!buf) {
        fclose(f);
        return NULL;
    }
    if (!fgets(buf, DISCOVER_MAX_PASSWORD + 2, f)) {
        fprintf(stderr, "mcxcheck discover: --password-file %s:1: empty file\n", path);
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    size_t n = strcspn(buf, "\r\n");
    if (n > DISCOVER_MAX_PASSWORD) {
        fprintf(stderr, "mcxcheck discover: --password-file %s:1: longer than %d bytes\n", path,
                DISCOVER_MAX_PASSWORD);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

static int parse_long(const char *opt, const char *v, long min, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (!*v || *end || errno || n < min || n > max) {
        fprintf(stderr, "mcxcheck discover: %s: invalid value '%s': expected %ld..%ld\n", opt, v,
                min, max);
        return -1;
    }
    *out = n;
    return 0;
}

/* Checks the shape HOST:PORT:ADDR (fields = 3) or HOST:PORT:ADDR:PORT (4;
 * curl allows an empty HOST or PORT there, meaning any). */
static int check_pin(const char *opt, const char *v, int fields)
{
    int colons = 0;
    for (const char *p = v; *p; p++)
        colons += *p == ':';
    /* IPv6 addresses add colons; require at least the separators. */
    if (colons < fields - 1 || (fields == 3 && v[0] == ':') || strchr(v, ' ')) {
        fprintf(stderr, "mcxcheck discover: %s: invalid value '%s': expected %s\n", opt, v,
                fields == 3 ? "HOST:PORT:ADDR" : "HOST:PORT:ADDR:PORT");
        return -1;
    }
    return 0;
}

/* Picks the DNS server of the vantage (see the usage text) and sets o->dns.
 * 0, or -1 after a usage message. */
static int setup_dns(mcx_ds_options *o, const mcx_dns_live_server servers[2], const int have[2])
{
    static const char *const opt[2] = {"--dns-internal", "--dns-external"};
    int which;

    if (o->http.resolve[0] || o->http.connect_to[0] || o->http.resolve_only) {
        fprintf(stderr, "mcxcheck discover: --dns-internal/--dns-external resolve every name "
                        "through DNS: drop --resolve, --connect-to and --resolve-only\n");
        return -1;
    }
    if (o->vantage == MCX_DS_VANTAGE_UNKNOWN) {
        if (have[0] && have[1]) {
            fprintf(stderr, "mcxcheck discover: both --dns-internal and --dns-external given: "
                            "--vantage internal|external says which one the phone uses\n");
            return -1;
        }
        which = have[1];
    } else {
        which = o->vantage == MCX_DS_VANTAGE_EXTERNAL;
        if (!have[which]) {
            fprintf(stderr, "mcxcheck discover: --vantage %s resolves through %s, which is not "
                            "given\n", which ? "external" : "internal", opt[which]);
            return -1;
        }
        if (have[!which])
            fprintf(stderr, "mcxcheck discover: note: %s %s ignored: the %s vantage uses %s\n",
                    opt[!which], servers[!which].text, which ? "external" : "internal",
                    opt[which]);
    }
    /* Query IDs from a counter: the same --seed gives the same queries. */
    o->dns = mcx_ds_dns_new(&servers[which],
                            which ? MCX_DNS_VANTAGE_EXTERNAL : MCX_DNS_VANTAGE_INTERNAL,
                            (int)o->http.timeout_ms, (unsigned)(o->seed & 0xffff) + 0x4d58u);
    if (!o->dns) {
        fprintf(stderr, "mcxcheck discover: out of memory\n");
        return -1;
    }
    return 0;
}

int mcxcheck_cmd_discover(int argc, char **argv)
{
    mcx_cli_common common;
    mcx_ds_options o;
    mcx_cli_tls tls = {MCX_TLS_PROFILE_MODERN, 0, NULL}; /* --tls-profile */
    const char *resolve[DISCOVER_MAX_PINS + 1] = {0};
    const char *connect_to[DISCOVER_MAX_PINS + 1] = {0};
    size_t nresolve = 0, nconnect = 0;
    const char *password_file = NULL, *topology_file = NULL;
    char *password = NULL;
    mcx_topology *topo = NULL;
    int rc = MCX_EXIT_USAGE;
    mcx_report *rep = NULL;
    mcx_dns_live_server dns_servers[2];
    int have_dns[2] = {0, 0}; /* [0] --dns-internal, [1] --dns-external */

    mcx_cli_common_init(&common);
    memset(&o, 0, sizeof o);
    o.vantage = MCX_DS_VANTAGE_UNKNOWN;
    o.max_redirects = 10;
    o.http.resolve = resolve;
    o.http.connect_to = connect_to;

    for (int i = 1; i < argc; i++) {
        int m = mcx_cli_common_parse(&common, argc, argv, &i);
        if (m < 0)
            goto out;
        if (m > 0)
            continue;
        const char *a = argv[i], *v = NULL;
        long n = 0;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            discover_usage(stdout);
            rc = MCX_EXIT_OK;
            goto out;
        } else if (strcmp(a, "--resolve-only") == 0) {
            o.http.resolve_only = 1;
        } else if (strcmp(a, "--insecure") == 0) {
            o.http.insecure = 1;
        } else if (strcmp(a, "--sip-uri") == 0 || strcmp(a, "--user") == 0 ||
                   strcmp(a, "--password-file") == 0 || strcmp(a, "--ca") == 0 ||
                   strcmp(a, "--topology") == 0) {
            if (!(v = mcx_cli_value("discover", argc, argv, &i)))
                goto out;
            if (strcmp(a, "--sip-uri") == 0)
                o.sip_uri = v;
            else if (strcmp(a, "--user") == 0)
                o.user = v;
            else if (strcmp(a, "--password-file") == 0)
                password_file = v;
            else if (strcmp(a, "--ca") == 0)
                o.http.ca_file = v;
            else
                topology_file = v;
        } else if (strcmp(a, "--resolve") == 0 || strcmp(a, "--connect-to") == 0) {
            int is_resolve = strcmp(a, "--resolve") == 0;
            if (!(v = mcx_cli_value("discover", argc, argv, &i)) || check_pin(a, v, is_resolve ? 3 : 4) < 0)
                goto out;
            size_t *count = is_resolve ? &nresolve : &nconnect;
            if (*count >= DISCOVER_MAX_PINS) {
                fprintf(stderr, "mcxcheck discover: %s: more than %d entries\n", a,
                        DISCOVER_MAX_PINS);
                goto out;
            }
            (is_resolve ? resolve : connect_to)[(*count)++] = v;
        } else if (strcmp(a, "--dns-internal") == 0 || strcmp(a, "--dns-external") == 0) {
            int which = strcmp(a, "--dns-external") == 0;
            if (!(v = mcx_cli_value("discover", argc, argv, &i)))
                goto out;
            if (mcx_dns_live_parse_server(v, &dns_servers[which]) != 0) {
                fprintf(stderr, "mcxcheck discover: %s: invalid value '%s': expected ADDR[:PORT] "
                                "(an IPv4 or IPv6 address literal, IPv6 with a port as "
                                "[ADDR]:PORT)\n", a, v);
                goto out;
            }
            have_dns[which] = 1;
        } else if (strcmp(a, "--vantage") == 0) {
            if (!(v = mcx_cli_value("discover", argc, argv, &i)))
                goto out;
            if (strcmp(v, "internal") == 0)
                o.vantage = MCX_DS_VANTAGE_INTERNAL;
            else if (strcmp(v, "external") == 0)
                o.vantage = MCX_DS_VANTAGE_EXTERNAL;
            else {
                fprintf(stderr, "mcxcheck discover: --vantage: invalid value '%s': expected "
                                "internal or external\n", v);
                goto out;
            }
        } else if (strcmp(a, "--auth") == 0) {
            if (!(v = mcx_cli_value("discover", argc, argv, &i)))
                goto out;
            if (strcmp(v, "auto") == 0)
                o.auth = MCX_DS_AUTH_AUTO;
            else if (strcmp(v, "webticket") == 0)
                o.auth = MCX_DS_AUTH_WEBTICKET;
            else if (strcmp(v, "oauth") == 0)
                o.auth = MCX_DS_AUTH_OAUTH;
            else if (strcmp(v, "basic") == 0)
                o.auth = MCX_DS_AUTH_BASIC;
            else {
                fprintf(stderr, "mcxcheck discover: --auth: invalid value '%s': expected auto, "
                                "webticket, oauth or basic\n", v);
                goto out;
            }
        } else if (strcmp(a, "--accept") == 0) {
            if (!(v = mcx_cli_value("discover", argc, argv, &i)))
                goto out;
            if (strcmp(v, "xml") == 0 || strcmp(v, "json") == 0)
                o.accept_json = strcmp(v, "json") == 0;
            else {
                fprintf(stderr, "mcxcheck discover: --accept: invalid value '%s': expected xml "
                                "or json\n", v);
                goto out;
            }
        } else if (strcmp(a, "--timeout") == 0) {
            if (!(v = mcx_cli_value("discover", argc, argv, &i)) || parse_long(a, v, 1, 600000, &n) < 0)
                goto out;
            o.http.timeout_ms = n;
        } else if (strcmp(a, "--max-redirects") == 0) {
            if (!(v = mcx_cli_value("discover", argc, argv, &i)) || parse_long(a, v, 0, 50, &n) < 0)
                goto out;
            o.max_redirects = (int)n;
        } else if ((m = mcx_cli_tls_option("discover", &tls, 0, argc, argv, &i)) != 0) {
            if (m < 0)
                goto out;
        } else {
            fprintf(stderr, "mcxcheck discover: unknown option '%s' (see --help)\n", a);
            goto out;
        }
    }
    o.http.tls_compat = tls.profile == MCX_TLS_PROFILE_COMPAT;
    if (!o.sip_uri) {
        fprintf(stderr, "mcxcheck discover: --sip-uri is required\n");
        discover_usage(stderr);
        goto out;
    }
    char domain[256];
    const char *why = NULL;
    if (mcx_ds_sip_domain(o.sip_uri, domain, sizeof domain, &why) < 0) {
        fprintf(stderr, "mcxcheck discover: --sip-uri '%s': %s\n", o.sip_uri, why);
        goto out;
    }
    if ((o.user == NULL) != (password_file == NULL)) {
        fprintf(stderr, "mcxcheck discover: --user and --password-file go together\n");
        goto out;
    }
    if (password_file) {
        if (!(password = read_password_file(password_file)))
            goto out;
        o.password = password;
    }
    if (topology_file) {
        mcx_error err;
        memset(&err, 0, sizeof err);
        topo = mcx_topology_load_file(topology_file, &err);
        if (!topo) {
            char msg[1024];
            mcx_error_format(&err, msg, sizeof msg);
            fprintf(stderr, "mcxcheck discover: %s\n", msg);
            goto out;
        }
        o.topo = topo;
    }
    o.seed = common.has_seed ? common.seed : 0;
    if ((have_dns[0] || have_dns[1]) && setup_dns(&o, dns_servers, have_dns) < 0)
        goto out;

    mcx_http_global_init();
    rep = mcx_report_new("mcxcheck", "discover", mcx_ds_bare_uri(o.sip_uri));
    if (!rep) {
        rc = MCX_EXIT_INTERNAL;
        goto out_curl;
    }
    mcx_ds_result res;
    if (mcx_ds_run(&o, rep, &res) < 0) {
        mcx_cli_emit(&common, rep);
        rc = MCX_EXIT_INTERNAL;
        goto out_curl;
    }
    rc = mcx_cli_emit(&common, rep);
    if (rc != MCX_EXIT_USAGE && !res.reached_server && !res.found)
        rc = MCX_EXIT_UNTESTED;
out_curl:
    mcx_http_global_cleanup();
out:
    mcx_report_free(rep);
    mcx_ds_dns_free(o.dns);
    mcx_topology_free(topo);
    free(password);
    return rc;
}
