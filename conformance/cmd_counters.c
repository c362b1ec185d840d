/*
 * cmd_counters.c -- `mcxcheck counters URL`: read a Mobility Service's
 * performance counters (Prometheus text, e.g. `mcxd --admin` GET /metrics)
 * and apply the seed's monitoring rules to them (lib/counters.c).
 *
 * Owns: the command line and the exit code:
 *   0 no finding at or above --fail-on; 1 findings at or above it;
 *   2 usage error (the message names the option);
 *   3 could not test: the URL did not answer (DNS, connect, TLS, timeout).
 * Does not own: the rules and CN- findings (lib/counters.c), HTTP
 * (lib/http_client.c), rendering.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "mcx/counters.h"
#include "mcx/http_client.h"

static void counters_usage(FILE *out)
{
    fputs("usage: mcxcheck counters URL [--available-mb MB] [--ca FILE | --insecure]\n"
          "                         [--timeout MS] [common options]\n"
          "  URL             the counters (Prometheus text), e.g. http://10.0.0.5:9090/metrics\n"
          "                  as mcxd --admin serves it\n"
          "  --available-mb  memory available on the server (default: the counters'\n"
          "                  mcx_memory_available_mbytes)\n"
          "  plus --format --output --fail-on --color --now --seed\n"
          "Rules (seed, Monitoring Mobility): the Mobility Service's memory by the seed's\n"
          "formula and the 1,500 MB rule, requests current against 5,000, the\n"
          "initiate-session rate against 12/s.\n"
          "Exit: 0 ok, 1 findings, 2 usage, 3 the URL did not answer.\n",
          out);
}

static int number(const char *opt, const char *v, double *out)
{
    char *end = NULL;
    errno = 0;
    double d = strtod(v, &end);
    if (!*v || *end || errno || d < 0) {
        fprintf(stderr, "mcxcheck counters: %s %s: expected a non-negative number\n", opt, v);
        return -1;
    }
    *out = d;
    return 0;
}

int mcxcheck_cmd_counters(int argc, char **argv)
{
    mcx_cli_common common;
    mcx_cli_common_init(&common);
    const char *url = NULL, *v = NULL;
    mcx_counters_options o = {.available_mb = -1};
    mcx_http_options http = {.timeout_ms = 10000};
    for (int i = 1; i < argc; i++) {
        int rc = mcx_cli_common_parse(&common, argc, argv, &i);
        if (rc < 0)
            return 2;
        if (rc > 0)
            continue;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            counters_usage(stdout);
            return 0;
        }
        if ((rc = mcx_cli_option("counters", argc, argv, &i, "--available-mb", &v)) != 0) {
            if (rc < 0 || number("--available-mb", v, &o.available_mb) != 0)
                return 2;
        } else if ((rc = mcx_cli_option("counters", argc, argv, &i, "--ca", &v)) != 0) {
            if (rc < 0)
                return 2;
            http.ca_file = v;
        } else if ((rc = mcx_cli_option("counters", argc, argv, &i, "--timeout", &v)) != 0) {
            double ms;
            if (rc < 0 || number("--timeout", v, &ms) != 0 || ms < 1)
                return 2;
            http.timeout_ms = (long)ms;
        } else if (strcmp(argv[i], "--insecure") == 0) {
            http.insecure = 1;
        } else if (argv[i][0] == '-' || url) {
            fprintf(stderr, "mcxcheck counters: unexpected argument %s\n", argv[i]);
            counters_usage(stderr);
            return 2;
        } else {
            url = argv[i];
        }
    }
    if (!url || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)) {
        fprintf(stderr, "mcxcheck counters: expected the counters URL (http:// or https://)\n");
        counters_usage(stderr);
        return 2;
    }
    o.source = url;
    mcx_http_global_init();
    mcx_report *rep = mcx_report_new("mcxcheck", "counters", url);
    mcx_http_request req = {.method = "GET", .url = url};
    mcx_http_response resp;
    int rc = mcx_http_perform(&req, &http, &resp);
    int code;
    if (rc != 0) {
        fprintf(stderr, "mcxcheck counters: %s: %s (%s)\n", url, resp.error_text,
                mcx_http_error_name(resp.error));
        mcx_report_step(rep, 0, MCX_STEP_FAIL, 0, resp.error_text, "GET %s: no answer", url);
        (void)mcx_cli_emit(&common, rep);
        code = 3;
    } else {
        mcx_counters c;
        char err[200] = "";
        mcx_report_step(rep, 0, resp.status == 200 ? MCX_STEP_OK : MCX_STEP_FAIL, 0, NULL,
                        "GET %s: HTTP %d, %zu bytes", url, resp.status, resp.body_len);
        if (resp.status != 200) {
            mcx_finding *f = mcx_report_add(rep, "CN-001", "GET %s answered HTTP %d", url, resp.status);
            mcx_finding_set_evidence(f, url, resp.status, resp.body, resp.body_len);
        } else if (mcx_counters_parse(resp.body, resp.body_len, &c, err, sizeof err) != 0) {
            mcx_finding *f = mcx_report_add(rep, "CN-001", "%s: %s", url, err);
            mcx_finding_set_evidence(f, url, resp.status, resp.body, resp.body_len);
        } else {
            (void)mcx_counters_check(&c, &o, rep);
            mcx_counters_free(&c);
        }
        code = mcx_cli_emit(&common, rep);
    }
    mcx_http_response_free(&resp);
    mcx_report_free(rep);
    mcx_http_global_cleanup();
    return code;
}
