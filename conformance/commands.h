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
#include "mcx/report.h"

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

#endif
