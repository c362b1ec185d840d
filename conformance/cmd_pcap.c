/*
 * cmd_pcap.c -- `mcxcheck pcap record|verify`: golden captures of the
 * reference deployment, and verifying any capture (pcap/pcapng) against the
 * mobility rules.
 *
 * Owns: the options and exit codes of the pcap subcommands:
 *   record --out DIR [--topology FILE|default] [--now T] [--seed N] [--bulk-mb N]
 *          [--pki DIR]
 *          writes DIR/<scenario>.pcap (conformance/pcap_record.c; the HTTPS
 *          ones, conformance/pcap_record_tls.c, serve DIR/lab.pem of --pki,
 *          default conformance/pki; unreadable: exit 2), or with
 *          --connections N one DIR/connections.pcap: N connections, 7 in 8
 *          left open (the verifier's flow bound), or with
 *          --bulk-mb one DIR/bulk.pcap of at least N MB;
 *          0 written, 2 usage or input error, 4 write error.
 *   verify FILE [--topology FILE|default|none] [--sip-domain D]
 *          [--port PORT=internal-http|internal-https|external-http|external-https]...
 *          plus the common options (--format, --output, --fail-on, ...);
 *          0 no finding at or above --fail-on, 1 findings (a capture cut
 *          short is finding PC-001), 2 usage or input error (FILE missing,
 *          unreadable or not a pcap/pcapng capture: one line on stderr
 *          naming it, no report; replay too).
 *   replay FILE --target-internal URL --target-external URL
 *          [--map-host RECORDED=NEW]... [--target-topology FILE] [verify options]
 *          re-sends every recorded request whose listener is known to the
 *          target of its side (conformance/pcap_replay.c: application
 *          layer, libcurl), host names in the request mapped (--map-host,
 *          or paired from --topology, the recorded deployment, and
 *          --target-topology), and compares each response with the recorded
 *          one after mapping and hiding volatile fields: one PC-050 / PC-051
 *          / PC-052 finding per difference with both excerpts; 0, 1
 *          differences, 2 usage error (a bad mapping or topology).
 * Does not own: the layers and rules (lib/pcap_*.c, tcp_reassembly.c,
 * http_stream.c, dns_decode.c), the replay comparison (pcap_replay.c) nor
 * report rendering (cli_common.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "commands.h"
#include "mcx/http_client.h"
#include "mcx/pcap.h"
#include "mcx/topology.h"
#include "pcap_record.h"
#include "pcap_replay.h"

#define PCAP_DEFAULT_NOW "2026-01-01T00:00:00Z"
#define PCAP_DEFAULT_SEED 1
#define PCAP_DEFAULT_PKI "conformance/pki"
#define PCAP_DEFAULT_DNSFIXTURES "dnsfixtures"

static void pcap_usage(FILE *out)
{
    fputs("usage: mcxcheck pcap record --out DIR [--topology FILE|default] [--now T] [--seed N]\n"
          "                            [--bulk-mb N | --connections N] [--pki DIR]\n"
          "                            [--dnsfixtures DIR]\n"
          "       mcxcheck pcap verify FILE [--topology FILE|default|none] [--sip-domain D]\n"
          "                            [--port PORT=LISTENER]... [common options]\n"
          "  record   write the golden captures of the reference deployment (DNS lookups and\n"
          "           plain-HTTP Autodiscover exchanges answered by mcxd in-process) to DIR;\n"
          "           --now (default " PCAP_DEFAULT_NOW ") and --seed (default 1) make them\n"
          "           byte-identical run after run (HTTPS ones too: TLS 1.2 and 1.3 between\n"
          "           in-process OpenSSL peers with seeded randomness, serving lab.pem +\n"
          "           leaf.key of --pki, default " PCAP_DEFAULT_PKI "), and DIR/scenarios/:\n"
          "           one capture per scenario of --dnsfixtures (default " PCAP_DEFAULT_DNSFIXTURES ")\n"
          "           and vantage;\n"
          "           --connections N writes DIR/connections.pcap instead: N TCP connections\n"
          "           with one exchange each, 7 in 8 never closed (memory bounds of verify);\n"
          "           --bulk-mb N writes DIR/bulk.pcap\n"
          "           instead: the Ethernet scenarios repeated to N MB (benchmarks)\n"
          "  verify   read FILE (pcap or pcapng; Ethernet, Linux cooked v1/v2, loopback, raw\n"
          "           IP), reassemble TCP, decode DNS and HTTP/1.1 and check the mobility\n"
          "           rules; --format json lists every DNS transaction and HTTP exchange\n"
          "           with frame numbers as steps\n"
          "  --topology FILE   deployment to compare with (default: the embedded one;\n"
          "                    'none': topology rules not checked)\n"
          "  --sip-domain D    only judge Autodiscover names of this SIP domain\n"
          "  --port P=L        server port P is listener L (internal-http, internal-https,\n"
          "                    external-http, external-https), for non-standard ports\n"
          "       mcxcheck pcap replay FILE --target-internal URL --target-external URL\n"
          "                            [--map-host RECORDED=NEW]... [--target-topology FILE]\n"
          "                            [verify options]\n"
          "  replay   re-send the recorded requests to the targets (by the side of the\n"
          "           listener they reached) with host names mapped, and compare the\n"
          "           responses after mapping names and hiding volatile fields (dates,\n"
          "           GUIDs, tokens, cookie values): one finding per difference with both\n"
          "           excerpts (PC-050 status/Content-Type, PC-051 document element,\n"
          "           PC-052 header)\n"
          "  --map-host R=N    a recorded host name (or domain: its subdomains too) R is N\n"
          "                    at the target (Host, request target, compared values)\n"
          "  --target-topology FILE  pair the names of --topology (the recorded\n"
          "                    deployment) with FILE's by position (SIP domains, pools,\n"
          "                    web FQDNs, reverse proxy) as --map-host does\n"
          "Exit: 0 ok, 1 findings at or above --fail-on, 2 usage or input error,\n"
          "4 internal or write error.\n",
          out);
}

static mcx_topology *pcap_load_topology(const char *path, int *none)
{
    mcx_error err;
    memset(&err, 0, sizeof err);
    *none = 0;
    if (path && strcmp(path, "none") == 0) {
        *none = 1;
        return NULL;
    }
    mcx_topology *t = (path == NULL || strcmp(path, "default") == 0)
                          ? mcx_topology_load_default(&err)
                          : mcx_topology_load_file(path, &err);
    if (t == NULL) {
        char msg[1024];
        mcx_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "mcxcheck pcap: %s\n", msg);
    }
    return t;
}

/* The HTTPS golden captures serve files of --pki: 1 (with the path in err)
 * when one cannot be read. */
static int pcap_record_pki_missing(const char *pki_dir, char *err, size_t errlen)
{
    for (size_t i = 0; i < pcap_tls_golden_count(); i++) {
        const pcap_tls_scenario *s = pcap_tls_golden_at(i);
        const char *files[2] = {s->cert, s->key};
        for (int k = 0; k < 2; k++) {
            snprintf(err, errlen, "%s/%s", pki_dir, files[k]);
            FILE *f = fopen(err, "r");
            if (f == NULL) {
                snprintf(err + strlen(err), errlen - strlen(err), ": cannot read it");
                return 1;
            }
            fclose(f);
        }
    }
    err[0] = '\0';
    return 0;
}

/* The value of argv[*i] (an option taking 1..max): 0, or -1 after saying
 * why. */
static int pcap_count_value(int argc, char **argv, int *i, long max, long *out)
{
    const char *name = argv[*i];
    const char *v = mcx_cli_value("pcap", argc, argv, i);
    char *end;
    *out = v ? strtol(v, &end, 10) : 0;
    if (v == NULL || *end != '\0' || *out < 1 || *out > max) {
        fprintf(stderr, "mcxcheck pcap record: %s: 1..%ld\n", name, max);
        return -1;
    }
    return 0;
}

static int pcap_record(int argc, char **argv)
{
    const char *out = NULL, *topo_path = NULL;
    const char *pki_dir = PCAP_DEFAULT_PKI;
    const char *fixtures_dir = PCAP_DEFAULT_DNSFIXTURES;
    long bulk_mb = 0, connections = 0;
    mcx_cli_common common;
    mcx_cli_common_init(&common);
    for (int i = 1; i < argc; i++) {
        int c = mcx_cli_common_parse(&common, argc, argv, &i);
        if (c < 0)
            return MCX_EXIT_USAGE;
        if (c > 0)
            continue;
        if (strcmp(argv[i], "--out") == 0) {
            if ((out = mcx_cli_value("pcap", argc, argv, &i)) == NULL)
                return MCX_EXIT_USAGE;
        } else if (strcmp(argv[i], "--topology") == 0) {
            if ((topo_path = mcx_cli_value("pcap", argc, argv, &i)) == NULL)
                return MCX_EXIT_USAGE;
        } else if (strcmp(argv[i], "--connections") == 0) {
            if (pcap_count_value(argc, argv, &i, 1000000, &connections) != 0)
                return MCX_EXIT_USAGE;
        } else if (strcmp(argv[i], "--dnsfixtures") == 0) {
            if ((fixtures_dir = mcx_cli_value("pcap", argc, argv, &i)) == NULL)
                return MCX_EXIT_USAGE;
        } else if (strcmp(argv[i], "--pki") == 0) {
            if ((pki_dir = mcx_cli_value("pcap", argc, argv, &i)) == NULL)
                return MCX_EXIT_USAGE;
        } else if (strcmp(argv[i], "--bulk-mb") == 0) {
            if (pcap_count_value(argc, argv, &i, 100000, &bulk_mb) != 0)
                return MCX_EXIT_USAGE;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            pcap_usage(stdout);
            return MCX_EXIT_OK;
        } else {
            fprintf(stderr, "mcxcheck pcap record: unknown argument '%s'\n", argv[i]);
            pcap_usage(stderr);
            return MCX_EXIT_USAGE;
        }
    }
    if (out == NULL) {
        fprintf(stderr, "mcxcheck pcap record: --out DIR is required\n");
        return MCX_EXIT_USAGE;
    }
    time_t now;
    if (common.now == NULL)
        common.now = PCAP_DEFAULT_NOW;
    if (mcx_cli_common_now(&common, &now) != 0) {
        fprintf(stderr, "mcxcheck pcap record: --now: not an RFC 3339 date-time\n");
        return MCX_EXIT_USAGE;
    }
    uint64_t seed = common.has_seed ? common.seed : PCAP_DEFAULT_SEED;
    int none;
    mcx_topology *t = pcap_load_topology(topo_path, &none);
    if (t == NULL) {
        if (none)
            fprintf(stderr, "mcxcheck pcap record: a topology is required\n");
        return MCX_EXIT_USAGE;
    }
    char err[1024] = "";
    int rc;
    if (bulk_mb == 0 && connections == 0 && pcap_record_pki_missing(pki_dir, err, sizeof err)) {
        fprintf(stderr, "mcxcheck pcap record: %s (--pki DIR)\n", err);
        mcx_topology_free(t);
        return MCX_EXIT_USAGE;
    }
    if (connections > 0) {
        char path[4096];
        snprintf(path, sizeof path, "%s/connections.pcap", out);
        rc = pcap_record_flood(path, t, now, seed, (unsigned long)connections, err, sizeof err);
    } else if (bulk_mb > 0) {
        char path[4096];
        snprintf(path, sizeof path, "%s/bulk.pcap", out);
        rc = pcap_record_bulk(path, t, now, seed, (unsigned)bulk_mb, err, sizeof err);
    } else {
        rc = pcap_record_golden(out, t, now, seed, err, sizeof err);
        if (rc == 0)
            rc = pcap_record_dns_golden(out, fixtures_dir, now, seed, err, sizeof err);
        if (rc == 0)
            rc = pcap_record_tls_golden(out, t, pki_dir, now, seed, err, sizeof err);
    }
    mcx_topology_free(t);
    if (rc != 0) {
        fprintf(stderr, "mcxcheck pcap record: %s\n", err);
        return MCX_EXIT_INTERNAL;
    }
    return MCX_EXIT_OK;
}

static int pcap_parse_port(const char *spec, mcx_pcap_verify_options *o)
{
    static const struct {
        const char *name;
        int side, tls;
    } names[] = {{"internal-http", MCX_ACCESS_INTERNAL, 0},
                 {"internal-https", MCX_ACCESS_INTERNAL, 1},
                 {"external-http", MCX_ACCESS_EXTERNAL, 0},
                 {"external-https", MCX_ACCESS_EXTERNAL, 1}};
    char *end;
    long port = strtol(spec, &end, 10);
    if (port <= 0 || port > 65535 || *end != '=' || o->nports == MCX_PCAP_MAX_PORT_MAPS)
        return -1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(end + 1, names[i].name) == 0) {
            o->ports[o->nports].port = (uint16_t)port;
            o->ports[o->nports].side = names[i].side;
            o->ports[o->nports].tls = names[i].tls;
            o->nports++;
            return 0;
        }
    }
    return -1;
}

/* Pair the names of the recorded topology `t` with those of `path`'s: 0,
 * or -1 after saying why (exit 2). */
static int pcap_replay_topology_maps(pcap_replay *rp, const mcx_topology *t, const char *path)
{
    int none;
    mcx_topology *target = pcap_load_topology(path, &none);
    if (target == NULL) {
        fprintf(stderr, "mcxcheck pcap replay: --target-topology %s: %s\n", path,
                none ? "a file is required" : "cannot be loaded (above)");
        return -1;
    }
    char err[512];
    int rc = pcap_replay_map_topologies(rp, t, target, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "mcxcheck pcap replay: --target-topology %s: %s\n", path, err);
    mcx_topology_free(target);
    return rc;
}

static int pcap_verify(int argc, char **argv, int replay)
{
    const char *file = NULL, *topo_path = NULL;
    const char *target_topo = NULL;
    pcap_replay rc;
    pcap_replay_init(&rc);
    char err[1024] = "";
    mcx_pcap_verify_options opt;
    memset(&opt, 0, sizeof opt);
    mcx_cli_common common;
    mcx_cli_common_init(&common);
    for (int i = 1; i < argc; i++) {
        int c = mcx_cli_common_parse(&common, argc, argv, &i);
        if (c < 0)
            goto usage;
        if (c > 0)
            continue;
        const char *v;
        if (strcmp(argv[i], "--topology") == 0) {
            if ((topo_path = mcx_cli_value("pcap", argc, argv, &i)) == NULL)
                goto usage;
        } else if (strcmp(argv[i], "--sip-domain") == 0) {
            if ((opt.sip_domain = mcx_cli_value("pcap", argc, argv, &i)) == NULL)
                goto usage;
        } else if (strcmp(argv[i], "--port") == 0) {
            if ((v = mcx_cli_value("pcap", argc, argv, &i)) == NULL)
                goto usage;
            if (pcap_parse_port(v, &opt) != 0) {
                fprintf(stderr, "mcxcheck pcap verify: --port %s: expected PORT=LISTENER "
                        "(internal-http, internal-https, external-http, external-https)\n", v);
                goto usage;
            }
        } else if (replay && strcmp(argv[i], "--target-internal") == 0) {
            if ((rc.target[MCX_ACCESS_INTERNAL] = mcx_cli_value("pcap", argc, argv, &i)) == NULL)
                goto usage;
        } else if (replay && strcmp(argv[i], "--target-external") == 0) {
            if ((rc.target[MCX_ACCESS_EXTERNAL] = mcx_cli_value("pcap", argc, argv, &i)) == NULL)
                goto usage;
        } else if (replay && strcmp(argv[i], "--target-topology") == 0) {
            if ((target_topo = mcx_cli_value("pcap", argc, argv, &i)) == NULL)
                goto usage;
        } else if (replay && strcmp(argv[i], "--map-host") == 0) {
            if ((v = mcx_cli_value("pcap", argc, argv, &i)) == NULL)
                goto usage;
            if (pcap_replay_map_add(&rc, v, err, sizeof err) != 0) {
                fprintf(stderr, "mcxcheck pcap replay: --map-host %s\n", err);
                goto usage;
            }
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            pcap_usage(stdout);
            pcap_replay_clear(&rc);
            return MCX_EXIT_OK;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "mcxcheck pcap %s: unknown option '%s'\n", argv[0], argv[i]);
            goto usage;
        } else if (file == NULL) {
            file = argv[i];
        } else {
            fprintf(stderr, "mcxcheck pcap verify: one FILE only ('%s')\n", argv[i]);
            goto usage;
        }
    }
    if (replay && rc.target[0] == NULL && rc.target[1] == NULL) {
        fprintf(stderr, "mcxcheck pcap replay: --target-internal and/or --target-external "
                        "is required\n");
        goto usage;
    }
    if (file == NULL) {
        fprintf(stderr, "mcxcheck pcap %s: FILE is required\n", argv[0]);
        pcap_usage(stderr);
        goto usage;
    }
    int none;
    mcx_topology *t = pcap_load_topology(topo_path, &none);
    if (t == NULL && !none)
        goto usage;
    if (target_topo && (t == NULL || pcap_replay_topology_maps(&rc, t, target_topo) != 0)) {
        if (t == NULL)
            fprintf(stderr, "mcxcheck pcap replay: --target-topology needs the recorded "
                            "deployment's --topology (not 'none')\n");
        mcx_topology_free(t);
        goto usage;
    }
    opt.topo = t;
    mcx_report *rep = mcx_report_new("mcxcheck", replay ? "pcap replay" : "pcap verify", file);
    if (rep == NULL) {
        mcx_topology_free(t);
        pcap_replay_clear(&rc);
        return MCX_EXIT_INTERNAL;
    }
    mcx_pcap_reader *r = mcx_pcap_reader_open(file, err, sizeof err);
    if (r == NULL && strncmp(err, "unsupported link type", 21) != 0) {
        /* Missing, unreadable or not a capture at all: an input error, said
         * once; a capture cut short stays PC-001 (found while reading). */
        fprintf(stderr, "mcxcheck %s: %s\n", rep->command, err);
        mcx_report_free(rep);
        mcx_topology_free(t);
        pcap_replay_clear(&rc);
        return MCX_EXIT_USAGE;
    }
    if (r == NULL) {
        mcx_report_add(rep, "PC-004", "%s", err);
    } else if (!replay) {
        /* Text and jsonl to stdout: steps are written as verify lists them
         * (one per exchange), so memory stays flat however long the
         * capture; the bytes are those mcx_cli_emit would write. */
        mcx_report_stream *stream = NULL;
        if (common.output == NULL) {
            int color = common.color < 0 ? isatty(STDOUT_FILENO) : common.color;
            stream = mcx_report_stream_open(rep, common.format, color, common.timings, stdout);
        }
        opt.step_stream = stream;
        mcx_pcap_verify(r, &opt, rep);
        mcx_pcap_reader_close(r);
        if (stream) {
            int exit_code = mcx_report_exit_code(rep, common.fail_on);
            if (mcx_report_stream_close(stream) != 0) {
                fprintf(stderr, "mcxcheck: cannot write the report to stdout\n");
                exit_code = MCX_EXIT_USAGE;
            }
            mcx_report_free(rep);
            mcx_topology_free(t);
            return exit_code;
        }
    } else {
        mcx_http_global_init();
        pcap_replay_run(&rc, r, &opt, file, rep);
        mcx_http_global_cleanup();
        mcx_pcap_reader_close(r);
    }
    int exit_code = mcx_cli_emit(&common, rep);
    mcx_report_free(rep);
    mcx_topology_free(t);
    pcap_replay_clear(&rc);
    return exit_code;
usage:
    pcap_replay_clear(&rc);
    return MCX_EXIT_USAGE;
}

int mcxcheck_cmd_pcap(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        pcap_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? MCX_EXIT_USAGE : MCX_EXIT_OK;
    }
    if (strcmp(argv[1], "record") == 0)
        return pcap_record(argc - 1, argv + 1);
    if (strcmp(argv[1], "verify") == 0)
        return pcap_verify(argc - 1, argv + 1, 0);
    if (strcmp(argv[1], "replay") == 0)
        return pcap_verify(argc - 1, argv + 1, 1);
    fprintf(stderr, "mcxcheck pcap: unknown subcommand '%s' (record, verify, replay)\n",
            argv[1]);
    return MCX_EXIT_USAGE;
}
