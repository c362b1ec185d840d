/*
 * mcxcheck_main.c -- mcxcheck's entry point: dispatch to a subcommand.
 *
 * Owns: the top-level usage text, `help [COMMAND]`, `--version`, and exit
 * code 2 for a missing or unknown command. Each subcommand gets argv with
 * argv[0] = its own name (see conformance/commands.h).
 * Does not own: any subcommand's options or behaviour (cmd_*.c) nor the
 * common options (cli_common.c).
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"

#ifndef MCXCHECK_VERSION
#define MCXCHECK_VERSION "0.1.0"
#endif

typedef struct mcxcheck_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} mcxcheck_command;

static const mcxcheck_command mcxcheck_commands[] = {
    {"discover", mcxcheck_cmd_discover,
     "trace a mobility client's Autodiscover discovery for a SIP URI"},
    {"conform", mcxcheck_cmd_conform, "run the conformance vectors against a server"},
    {"record", mcxcheck_cmd_record, "re-record (or --check) the vectors' responses"},
    {"list", mcxcheck_cmd_list, "list every check of the catalogue (text|json|md|man)"},
    {"explain", mcxcheck_cmd_explain, "show one check: level, title, source, fix"},
    {"cert", mcxcheck_cmd_cert, "check a certificate file for its mobility role (SANs, chain)"},
    {"zone", mcxcheck_cmd_zone, "check a zone file (internal or external view) for mobility DNS"},
    {"pcap", mcxcheck_cmd_pcap, "record golden captures, or verify a capture (DNS + HTTP)"},
    {"dns", mcxcheck_cmd_dns, "query the internal and external DNS servers live (mobility records)"},
    {"deployment", mcxcheck_cmd_deployment,
     "DNS, certificate and web checks of every SIP domain, per vantage"},
    {"mobility", mcxcheck_cmd_mobility,
     "synthetic transactions against the Mobility Service (p2pim, presence, session, conference)"},
    {"counters", mcxcheck_cmd_counters,
     "read a Mobility Service's performance counters and apply the seed's monitoring rules"},
};

#define MCXCHECK_NCOMMANDS (sizeof mcxcheck_commands / sizeof mcxcheck_commands[0])

static void mcxcheck_usage(FILE *out)
{
    fputs("usage: mcxcheck COMMAND [OPTIONS]\n"
          "       mcxcheck help [COMMAND]\n"
          "       mcxcheck --version\n\n"
          "Commands:\n",
          out);
    for (size_t i = 0; i < MCXCHECK_NCOMMANDS; i++)
        fprintf(out, "  %-9s %s\n", mcxcheck_commands[i].name, mcxcheck_commands[i].summary);
    fputs("  help      show this help, or a command's help\n\n"
          "Common options (discover, conform, record):\n"
          "  --format text|json|jsonl|junit|tap   report format (default text)\n"
          "  --output FILE           write the report to FILE (atomically)\n"
          "  --fail-on LEVEL         error|warning|notice|info (default error)\n"
          "  --color auto|always|never\n"
          "  --timings               show elapsed times (output no longer byte-identical)\n"
          "  --now RFC3339           the time to use instead of the clock\n"
          "  --seed N                the seed to use for anything random\n\n"
          "Exit codes: 0 no finding at or above --fail-on; 1 findings at or above\n"
          "--fail-on (or a failed case); 2 usage or input error; 3 could not test\n"
          "(network or environment); 4 internal error.\n",
          out);
}

static const mcxcheck_command *mcxcheck_find(const char *name)
{
    for (size_t i = 0; i < MCXCHECK_NCOMMANDS; i++)
        if (strcmp(mcxcheck_commands[i].name, name) == 0)
            return &mcxcheck_commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        mcxcheck_usage(stderr);
        return MCX_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("mcxcheck %s (mcxlab)\n", MCXCHECK_VERSION);
        return MCX_EXIT_OK;
    }
    if (strcmp(name, "help") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        if (argc < 3) {
            mcxcheck_usage(stdout);
            return MCX_EXIT_OK;
        }
        const mcxcheck_command *cmd = mcxcheck_find(argv[2]);
        if (!cmd) {
            fprintf(stderr, "mcxcheck help: unknown command '%s'\n", argv[2]);
            return MCX_EXIT_USAGE;
        }
        char *help_argv[] = {argv[2], "--help", NULL};
        return cmd->run(2, help_argv);
    }
    const mcxcheck_command *cmd = mcxcheck_find(name);
    if (!cmd) {
        fprintf(stderr, "mcxcheck: unknown command '%s' (see mcxcheck help)\n", name);
        return MCX_EXIT_USAGE;
    }
    return cmd->run(argc - 1, argv + 1);
}
