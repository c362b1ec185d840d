/*
 * cmd_mobility.c -- `mcxcheck mobility p2pim|presence|session|conference`:
 * the command line of the Mobility Service's synthetic transactions.
 *
 * Owns: the options (the users and their password files, the network
 * options discover takes: --vantage, --dns-internal/--dns-external,
 * --resolve, --connect-to, --resolve-only, --ca/--insecure, --auth,
 * --timeout, plus --service, --event-wait, --user-agent, --topology and the
 * common ones), one client per user, and the exit code:
 *   0 no finding at or above --fail-on; 1 findings at or above it;
 *   2 usage or input error (the message names the option or file);
 *   3 could not test: no user's Mobility Service answered at all (DNS,
 *     connect or timeout before any HTTP response).
 * Does not own: discovery (discover*.c), the client and flows
 * (mobility_client.c, mobility_flows.c, mobility_session.c), rendering.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "mobility.h"

#define MB_MAX_PINS 64
#define MB_MAX_PASSWORD 1024
#define MB_NUSERS 3

static void mobility_usage(FILE *out)
{
    fputs("usage: mcxcheck mobility p2pim|presence|session --sender USER@DOMAIN "
          "--receiver USER@DOMAIN [options]\n"
          "       mcxcheck mobility conference --sender U --receiver U --third U [options]\n"
          "  p2pim       sign both in, subscribe to each other's presence, the sender\n"
          "              messages the receiver, the text is proven on the receiver's\n"
          "              event channel, stop messaging, sign out (Test-CsMcxP2PIM)\n"
          "  presence    the sender sets Busy; the receiver's channel shows it\n"
          "  session     P-GET replaced (409), re-sent ack, resync, idle expiry (410;\n"
          "              mcxd --test-clock moves the target's clock, else not tested)\n"
          "  conference  a third user joins the IM conversation; everyone gets the message\n"
          "  --sender-password-file F, --receiver-password-file F, --third-password-file F\n"
          "                                the users' passwords (first line of F)\n"
          "  --vantage internal|external   where the tester stands\n"
          "  --dns-internal ADDR[:PORT] | --dns-external ADDR[:PORT]   resolve through\n"
          "                                the vantage's DNS server, as discover does\n"
          "  --resolve HOST:PORT:ADDR, --connect-to HOST:PORT:ADDR:PORT, --resolve-only\n"
          "  --ca FILE | --insecure        certificate verification\n"
          "  --auth auto|webticket|oauth   token for the Mobility Service (default auto)\n"
          "  --service mcx|ucwa            Mcx link (2010 CU4, default) or Ucwa link\n"
          "  --event-wait MS               how long an expected event is waited for\n"
          "                                (default 10000)\n"
          "  --user-agent UA               UserAgent of the applications\n"
          "  --topology FILE               topology rules of discovery; session lifetime\n"
          "  --timeout MS                  per request (default 10000)\n"
          "  plus --format --output --fail-on --color --timings --now --seed\n"
          "Exit: 0 ok, 1 findings, 2 usage, 3 the Mobility Service was not reached.\n",
          out);
}

static char *mobility_password(const char *opt, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "mcxcheck mobility: %s %s: %s\n", opt, path, strerror(errno));
        return NULL;
    }
    char *buf = calloc(1, MB_MAX_PASSWORD + 2);
    if (buf && !fgets(buf, MB_MAX_PASSWORD + 2, f)) {
        fprintf(stderr, "mcxcheck mobility: %s %s:1: empty file\n", opt, path);
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (!buf)
        return NULL;
    size_t n = strcspn(buf, "\r\n");
    if (n > MB_MAX_PASSWORD) {
        fprintf(stderr, "mcxcheck mobility: %s %s:1: longer than %d bytes\n", opt, path,
                MB_MAX_PASSWORD);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

typedef struct mobility_cli {
    mcx_cli_common common;
    mcx_mb_options mb;
    mcx_ds_options ds;
    const char *users[MB_NUSERS], *pwfiles[MB_NUSERS];
    const char *resolve[MB_MAX_PINS + 1], *connect_to[MB_MAX_PINS + 1];
    size_t nresolve, nconnect;
    mcx_dns_live_server dns[2];
    int have_dns[2];
    const char *topology_file;
} mobility_cli;

static int mobility_long(const char *opt, const char *v, long min, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (!*v || *end || errno || n < min || n > max) {
        fprintf(stderr, "mcxcheck mobility: %s: invalid value '%s': expected %ld..%ld\n", opt, v,
                min, max);
        return -1;
    }
    *out = n;
    return 0;
}

static int mobility_choice(const char *opt, const char *v, const char *const *names, int *out)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(v, names[i]) == 0) {
            *out = i;
            return 0;
        }
    fprintf(stderr, "mcxcheck mobility: %s: invalid value '%s'\n", opt, v);
    return -1;
}

/* One option at argv[*i] with its value v: 0, or -1 after a message. */
static int mobility_option(mobility_cli *c, const char *a, const char *v)
{
    static const char *const user_opts[] = {"--sender", "--receiver", "--third", NULL};
    static const char *const pw_opts[] = {"--sender-password-file", "--receiver-password-file",
                                          "--third-password-file", NULL};
    static const char *const vantages[] = {"internal", "external", NULL};
    static const char *const auths[] = {"auto", "webticket", "oauth", NULL};
    static const char *const services[] = {"mcx", "ucwa", NULL};
    long n;
    int k;
    for (k = 0; k < MB_NUSERS; k++) {
        if (strcmp(a, user_opts[k]) == 0) {
            const char *why = NULL;
            char domain[256];
            if (mcx_ds_sip_domain(v, domain, sizeof domain, &why) < 0) {
                fprintf(stderr, "mcxcheck mobility: %s '%s': %s\n", a, v, why);
                return -1;
            }
            c->users[k] = v;
            return 0;
        }
        if (strcmp(a, pw_opts[k]) == 0) {
            c->pwfiles[k] = v;
            return 0;
        }
    }
    if (strcmp(a, "--vantage") == 0) {
        if (mobility_choice(a, v, vantages, &k) < 0)
            return -1;
        c->ds.vantage = k ? MCX_DS_VANTAGE_EXTERNAL : MCX_DS_VANTAGE_INTERNAL;
    } else if (strcmp(a, "--auth") == 0) {
        if (mobility_choice(a, v, auths, &k) < 0)
            return -1;
        c->ds.auth = k == 0 ? MCX_DS_AUTH_AUTO : k == 1 ? MCX_DS_AUTH_WEBTICKET : MCX_DS_AUTH_OAUTH;
    } else if (strcmp(a, "--service") == 0) {
        if (mobility_choice(a, v, services, &k) < 0)
            return -1;
        c->mb.service = k ? MCX_MB_SERVICE_UCWA : MCX_MB_SERVICE_MCX;
    } else if (strcmp(a, "--ca") == 0) {
        c->ds.http.ca_file = v;
    } else if (strcmp(a, "--topology") == 0) {
        c->topology_file = v;
    } else if (strcmp(a, "--user-agent") == 0) {
        c->mb.user_agent = v;
    } else if (strcmp(a, "--timeout") == 0 || strcmp(a, "--event-wait") == 0) {
        if (mobility_long(a, v, 1, 600000, &n) < 0)
            return -1;
        if (a[2] == 't')
            c->ds.http.timeout_ms = n;
        else
            c->mb.event_wait_ms = n;
    } else if (strcmp(a, "--resolve") == 0 || strcmp(a, "--connect-to") == 0) {
        int is_resolve = a[2] == 'r';
        size_t *count = is_resolve ? &c->nresolve : &c->nconnect;
        int colons = 0;
        for (const char *p = v; *p; p++)
            colons += *p == ':';
        if (colons < (is_resolve ? 2 : 3) || strchr(v, ' ')) {
            fprintf(stderr, "mcxcheck mobility: %s: invalid value '%s': expected %s\n", a, v,
                    is_resolve ? "HOST:PORT:ADDR" : "HOST:PORT:ADDR:PORT");
            return -1;
        }
        if (*count >= MB_MAX_PINS) {
            fprintf(stderr, "mcxcheck mobility: %s: more than %d entries\n", a, MB_MAX_PINS);
            return -1;
        }
        (is_resolve ? c->resolve : c->connect_to)[(*count)++] = v;
    } else if (strcmp(a, "--dns-internal") == 0 || strcmp(a, "--dns-external") == 0) {
        int which = a[6] == 'e';
        if (mcx_dns_live_parse_server(v, &c->dns[which]) != 0) {
            fprintf(stderr, "mcxcheck mobility: %s: invalid value '%s': expected ADDR[:PORT]\n",
                    a, v);
            return -1;
        }
        c->have_dns[which] = 1;
    } else {
        fprintf(stderr, "mcxcheck mobility: unknown option '%s' (see --help)\n", a);
        return -1;
    }
    return 0;
}

/* Parses argv from index 2. 1 when --help was printed, 0, or -1. */
static int mobility_parse(mobility_cli *c, int argc, char **argv)
{
    for (int i = 2; i < argc; i++) {
        int m = mcx_cli_common_parse(&c->common, argc, argv, &i);
        if (m < 0)
            return -1;
        if (m > 0)
            continue;
        const char *a = argv[i], *v;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            mobility_usage(stdout);
            return 1;
        } else if (strcmp(a, "--resolve-only") == 0) {
            c->ds.http.resolve_only = 1;
        } else if (strcmp(a, "--insecure") == 0) {
            c->ds.http.insecure = 1;
        } else if (strncmp(a, "--", 2) != 0) {
            fprintf(stderr, "mcxcheck mobility: unexpected argument '%s' (see --help)\n", a);
            return -1;
        } else {
            char name[64];
            const char *eq = strchr(a, '=');
            if (eq && (size_t)(eq - a) < sizeof name) {
                snprintf(name, sizeof name, "%.*s", (int)(eq - a), a);
                v = eq + 1;
            } else if (!(v = mcx_cli_value("mobility", argc, argv, &i))) {
                return -1;
            } else {
                snprintf(name, sizeof name, "%s", a);
            }
            if (mobility_option(c, name, v) < 0)
                return -1;
        }
    }
    return 0;
}

/* Checks the combination and reads the files. 0, or -1 after a message. */
static int mobility_finish(mobility_cli *c, char **passwords, mcx_topology **topo)
{
    size_t need = c->mb.flow == MCX_MB_FLOW_CONFERENCE ? 3 : 2;
    static const char *const names[] = {"--sender", "--receiver", "--third"};
    for (size_t k = 0; k < MB_NUSERS; k++) {
        if (k < need && !c->users[k]) {
            fprintf(stderr, "mcxcheck mobility: %s is required\n", names[k]);
            return -1;
        }
        if (k >= need && (c->users[k] || c->pwfiles[k])) {
            fprintf(stderr, "mcxcheck mobility: %s is for the conference check only\n", names[k]);
            return -1;
        }
        if (k < need && !c->pwfiles[k]) {
            fprintf(stderr, "mcxcheck mobility: %s-password-file is required (a Mobility "
                            "Service is signed in to with credentials)\n", names[k]);
            return -1;
        }
        if (k < need && !(passwords[k] = mobility_password(names[k], c->pwfiles[k])))
            return -1;
    }
    if ((c->have_dns[0] || c->have_dns[1]) &&
        (c->nresolve || c->nconnect || c->ds.http.resolve_only)) {
        fprintf(stderr, "mcxcheck mobility: --dns-internal/--dns-external resolve every name "
                        "through DNS: drop --resolve, --connect-to and --resolve-only\n");
        return -1;
    }
    if (c->have_dns[0] && c->have_dns[1] && c->ds.vantage == MCX_DS_VANTAGE_UNKNOWN) {
        fprintf(stderr, "mcxcheck mobility: both DNS servers given: --vantage internal|external "
                        "says which one the phone uses\n");
        return -1;
    }
    if (c->ds.vantage != MCX_DS_VANTAGE_UNKNOWN && (c->have_dns[0] || c->have_dns[1]) &&
        !c->have_dns[c->ds.vantage == MCX_DS_VANTAGE_EXTERNAL]) {
        fprintf(stderr, "mcxcheck mobility: --vantage %s needs --dns-%s\n",
                c->ds.vantage == MCX_DS_VANTAGE_EXTERNAL ? "external" : "internal",
                c->ds.vantage == MCX_DS_VANTAGE_EXTERNAL ? "external" : "internal");
        return -1;
    }
    if (c->topology_file) {
        mcx_error err;
        memset(&err, 0, sizeof err);
        if (!(*topo = mcx_topology_load_file(c->topology_file, &err))) {
            char msg[1024];
            mcx_error_format(&err, msg, sizeof msg);
            fprintf(stderr, "mcxcheck mobility: %s\n", msg);
            return -1;
        }
        c->ds.topo = *topo;
    }
    return 0;
}

static int mobility_flow(const char *name, mcx_mb_flow *out)
{
    static const char *const flows[] = {"p2pim", "presence", "session", "conference", NULL};
    for (int i = 0; flows[i]; i++)
        if (strcmp(name, flows[i]) == 0) {
            *out = (mcx_mb_flow)i;
            return 0;
        }
    return -1;
}

/* Runs the flow with one client (and DNS state) per user. */
static int mobility_execute(mobility_cli *c, char **passwords, mcx_report *rep)
{
    static const char *const labels[] = {"Sender", "Receiver", "Third"};
    mcx_mb_client users[MB_NUSERS];
    size_t n = c->mb.flow == MCX_MB_FLOW_CONFERENCE ? 3 : 2;
    int which = c->ds.vantage == MCX_DS_VANTAGE_EXTERNAL ||
                (c->ds.vantage == MCX_DS_VANTAGE_UNKNOWN && c->have_dns[1]);
    int rc = 0;
    size_t made = 0;
    memset(users, 0, sizeof users);
    for (; made < n && rc == 0; made++) {
        mcx_ds_options ds = c->ds;
        ds.password = passwords[made];
        ds.seed = c->mb.seed + made;
        if (c->have_dns[which]) {
            ds.dns = mcx_ds_dns_new(&c->dns[which],
                                    which ? MCX_DNS_VANTAGE_EXTERNAL : MCX_DNS_VANTAGE_INTERNAL,
                                    (int)ds.http.timeout_ms,
                                    (unsigned)((c->mb.seed + 0x100 * made) & 0xffff) + 0x4d58u);
            if (!ds.dns)
                rc = -1;
        }
        if (mcx_mb_client_init(&users[made], labels[made], c->users[made], &ds) < 0)
            rc = -1;
    }
    if (rc == 0)
        rc = mcx_mb_run(&c->mb, users, n, rep);
    for (size_t k = 0; k < made; k++) {
        mcx_ds_dns_free(users[k].ds.dns);
        mcx_mb_client_free(&users[k]);
    }
    return rc;
}

int mcxcheck_cmd_mobility(int argc, char **argv)
{
    mobility_cli c;
    char *passwords[MB_NUSERS] = {NULL, NULL, NULL};
    mcx_topology *topo = NULL;
    mcx_report *rep = NULL;
    int rc = MCX_EXIT_USAGE;

    memset(&c, 0, sizeof c);
    mcx_cli_common_init(&c.common);
    c.ds.vantage = MCX_DS_VANTAGE_UNKNOWN;
    c.ds.max_redirects = 10;
    c.ds.http.resolve = c.resolve;
    c.ds.http.connect_to = c.connect_to;
    c.mb.event_wait_ms = 10000;
    c.mb.lifetime_s = 3600;
    c.mb.user_agent = "mcxcheck-mobility/0.1 (Android; synthetic transaction)";
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        mobility_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? MCX_EXIT_USAGE : MCX_EXIT_OK;
    }
    if (mobility_flow(argv[1], &c.mb.flow) < 0) {
        fprintf(stderr, "mcxcheck mobility: unknown check '%s': expected p2pim, presence, "
                        "session or conference\n", argv[1]);
        return MCX_EXIT_USAGE;
    }
    int p = mobility_parse(&c, argc, argv);
    if (p != 0) {
        rc = p > 0 ? MCX_EXIT_OK : MCX_EXIT_USAGE;
        goto out;
    }
    if (mobility_finish(&c, passwords, &topo) < 0)
        goto out;
    if (topo && topo->session_short_expiration_interval > 0)
        c.mb.lifetime_s = topo->session_short_expiration_interval;
    c.mb.seed = c.common.has_seed ? c.common.seed : 0;
    c.ds.seed = c.mb.seed;

    mcx_http_global_init();
    char subject[700];
    snprintf(subject, sizeof subject, "%s %s -> %s", argv[1], mcx_ds_bare_uri(c.users[0]),
             mcx_ds_bare_uri(c.users[1]));
    rep = mcx_report_new("mcxcheck", "mobility", subject);
    if (!rep) {
        rc = MCX_EXIT_INTERNAL;
    } else {
        int run = mobility_execute(&c, passwords, rep);
        rc = mcx_cli_emit(&c.common, rep);
        if (run < 0)
            rc = MCX_EXIT_INTERNAL;
        else if (run > 0 && rc != MCX_EXIT_USAGE)
            rc = MCX_EXIT_UNTESTED;
    }
    mcx_http_global_cleanup();
out:
    mcx_report_free(rep);
    mcx_topology_free(topo);
    for (size_t k = 0; k < MB_NUSERS; k++)
        free(passwords[k]);
    return rc;
}
