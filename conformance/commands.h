/*
 * commands.h -- mcxcheck's subcommands and the options they share.
 *
 * Owns: the entry point of each subcommand (one file each:
 * cmd_discover.c, cmd_conform.c, cmd_record.c, cmd_list.c) and the common
 * option parsing (cli_common.c: --format, --output, --fail-on, --now,
 * --seed, --color). Does not own: the checks themselves.
 */
#ifndef MCX_COMMANDS_H
#define MCX_COMMANDS_H

#include <stdio.h>
#include <time.h>
#include "mcx/cert_check.h"
#include "mcx/report.h"
#include "dns_live.h"

typedef struct mcx_cli_common {
    mcx_format format;      /* --format text|json|jsonl|junit|tap */
    const char *output;     /* --output FILE, NULL = stdout */
    mcx_level fail_on;      /* --fail-on LEVEL, default error */
    int color;              /* -1 auto (TTY), 0 never, 1 always: --color */
    int timings;            /* --timings: show elapsed times (not deterministic) */
    const char *now;        /* --now RFC3339, NULL = real clock */
    unsigned long long seed;/* --seed N */
    int has_seed;
} mcx_cli_common;

/* Initialise defaults. */
void mcx_cli_common_init(mcx_cli_common *c);
/* If argv[*i] is a common option, consume it (and its value), return 1;
 * 0 if not a common option; -1 on a bad value (message printed to stderr). */
int mcx_cli_common_parse(mcx_cli_common *c, int argc, char **argv, int *i);
/* Match option `name` at argv[*i], as "--name VALUE" or "--name=VALUE":
 * 1 with *value set (and *i on the value), 0 when argv[*i] is another
 * option, -1 when the value is missing (message names `command`, or just
 * "mcxcheck" when it is NULL). */
int mcx_cli_option(const char *command, int argc, char **argv, int *i, const char *name,
                   const char **value);
/* The value after the option argv[*i] ("--opt VALUE"), advancing *i; NULL
 * with a message naming `command` and the option when it is missing. */
const char *mcx_cli_value(const char *command, int argc, char **argv, int *i);
/* Write the report per the common options, return the exit code. */
int mcx_cli_emit(const mcx_cli_common *c, const mcx_report *r);
/* mcx_cli_common_parse accepts "--opt VALUE" and "--opt=VALUE"; on 1, *i is
 * left on the last argument consumed, so `for (i = 1; i < argc; i++)` loops
 * continue with the next one. */
/* Added by cli_common.c: the run's "now" -- --now when given, else the real
 * clock (the only place a command should read it). 0, or -1 if --now is not
 * a valid RFC 3339 date-time. */
int mcx_cli_common_now(const mcx_cli_common *c, time_t *out);
/* Parse an RFC 3339 date-time ("2026-01-01T00:00:00Z", "...T01:00:00.5+01:00")
 * to seconds since the epoch (fraction dropped). 0, or -1 if invalid. */
int mcx_cli_parse_rfc3339(const char *s, time_t *out);

/* The TLS options of cert, deployment and discover, one parser (added by
 * engineer "tls-live"): --tls-profile modern|compat and, when
 * `with_issuing_ca`, --issuing-ca NAME (the -Ca of the Request-CsCertificate
 * fixes). 1 consumed (*i on the value), 0 not one of them, -1 usage error
 * (message printed, naming `command`). */
typedef struct mcx_cli_tls {
    mcx_tls_profile profile; /* default modern */
    int profile_given;
    const char *issuing_ca;  /* NULL: the fixes say "<ca>" */
} mcx_cli_tls;
int mcx_cli_tls_option(const char *command, mcx_cli_tls *t, int with_issuing_ca, int argc,
                       char **argv, int *i);
/* Their --help lines. */
void mcx_cli_tls_usage(FILE *out, int with_issuing_ca);

/* Subcommands get argc/argv with argv[0] = the subcommand name ("discover")
 * and their own options from argv[1], as git does; they return the exit code. */

int mcxcheck_cmd_discover(int argc, char **argv);
int mcxcheck_cmd_conform(int argc, char **argv);
int mcxcheck_cmd_record(int argc, char **argv);
int mcxcheck_cmd_list(int argc, char **argv);
int mcxcheck_cmd_explain(int argc, char **argv);
int mcxcheck_cmd_cert(int argc, char **argv);
int mcxcheck_cmd_zone(int argc, char **argv);
int mcxcheck_cmd_pcap(int argc, char **argv);
int mcxcheck_cmd_dns(int argc, char **argv);
int mcxcheck_cmd_deployment(int argc, char **argv);
/* `mobility p2pim|presence|session|conference` (cmd_mobility.c, added by
 * engineer "mobility-client"): argv[1] is the check's name. */
int mcxcheck_cmd_mobility(int argc, char **argv);
int mcxcheck_cmd_counters(int argc, char **argv);

/* ---- live DNS options shared by `dns` and `deployment` (cmd_dns.c) ----
 * (Added by engineer "deployment".) --sip-domain (repeatable),
 * --dns-internal, --dns-external, --topology, --timeout, --tries: parsed
 * once, then one fetch + rules run per vantage whose server was given. */
#define MCX_DNS_CLI_MAX_DOMAINS 1024
#define MCX_DNS_CLI_MAX_TIMEOUT_MS 60000
#define MCX_DNS_CLI_MAX_TRIES 10

typedef struct mcx_dns_cli {
    const char *command;      /* "dns", "deployment": named in messages */
    const char **domains;     /* normalised SIP domains (point into norm) */
    char (*norm)[MCX_DNS_NAME_MAX];
    size_t ndomains;
    mcx_dns_live_server servers[2]; /* indexed by mcx_dns_vantage */
    int have_server[2];
    const char *topology_file;
    int timeout_ms, tries;
} mcx_dns_cli;

/* Defaults; 0, or -1 out of memory. Free with mcx_dns_cli_free. */
int mcx_dns_cli_init(mcx_dns_cli *c, const char *command);
void mcx_dns_cli_free(mcx_dns_cli *c);
/* If argv[*i] is one of the options above, consume it: 1; 0 if it is not
 * one; -1 on a bad value (message printed). */
int mcx_dns_cli_parse(mcx_dns_cli *c, int argc, char **argv, int *i);
/* After parsing: at least one DNS server, the topology loaded (*topo, may
 * stay NULL when none was given) and, without --sip-domain, its SIP
 * domains. 0, or -1 (message printed: a usage or input error). */
int mcx_dns_cli_finish(mcx_dns_cli *c, mcx_topology **topo);
/* "internal DNS 127.0.0.1:53, external DNS ..." into buf. */
void mcx_dns_cli_subject(const mcx_dns_cli *c, char *buf, size_t len);
/* Query the server of `vantage` live and run the DNS rules on its view,
 * adding the "<vantage> view: asked ..." step, its zones and the findings
 * to `r` exactly as `mcxcheck dns` does (query IDs from `seed`). Returns
 * the view (free with mcx_dns_view_free), or NULL when it could not be
 * built; *failed is set to 1 on any internal error (a DNS-000 finding says
 * why). *stats is filled either way. */
mcx_dns_view *mcx_dns_cli_vantage(const mcx_dns_cli *c, mcx_dns_vantage vantage,
                                  const mcx_topology *topo, unsigned long long seed,
                                  mcx_report *r, mcx_dns_live_stats *stats, int *failed);

#endif
