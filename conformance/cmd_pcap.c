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
 *          0 no finding at or above --fail-on, 1 findings (an unreadable or
 *          truncated capture is finding PC-001), 2 usage error.
 *   replay FILE --target-internal URL --target-external URL [verify options]
 *          re-sends every recorded request whose listener is known to the
 *          target of its side (application layer: libcurl, not packets),
 *          Host kept as recorded, and compares each response with the
 *          recorded one (status, content type, Autodiscover documents
 *          parsed and compared field by field, other bodies byte for byte;
 *          Date and other headers are volatile and not compared); each
 *          difference is a PC-050 finding with both excerpts.
 * Does not own: the layers and rules (lib/pcap_*.c, tcp_reassembly.c,
 * http_stream.c, dns_decode.c) nor report rendering (cli_common.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ctype.h>
#include <strings.h>
#include <unistd.h>

#include "commands.h"
#include "mcx/autodiscover.h"
#include "mcx/http_client.h"
#include "mcx/http_stream.h"
#include "mcx/pcap.h"
#include "mcx/topology.h"
#include "pcap_record.h"

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
          "                            [verify options]\n"
          "  replay   re-send the recorded requests to the targets (by the side of the\n"
          "           listener they reached; Host kept) and compare the responses\n"
          "           (PC-050 per difference, with both excerpts)\n"
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

/* ---- replay ---- */

typedef struct pcap_replay_ctx {
    const char *target[2]; /* by mcx_access: base URL, no trailing slash needed */
    mcx_report *rep;
    unsigned long replayed, differ, skipped;
} pcap_replay_ctx;

static void replay_norm_ct(const char *in, char *out, size_t len)
{
    size_t k = 0;
    for (; in && *in && k + 1 < len; in++)
        if (*in != ' ' && *in != '\t')
            out[k++] = (char)tolower((unsigned char)*in);
    out[k] = '\0';
}

static int replay_is_ad(const char *ct)
{
    return ct && (strncasecmp(ct, "application/vnd.microsoft.rtc.autodiscover+", 43) == 0 ||
                  strncasecmp(ct, "application/json", 16) == 0);
}

/* First difference between two documents, or "" when equal. */
static void replay_doc_diff(const mcx_ad_doc *a, const mcx_ad_doc *b, char *out, size_t len)
{
    out[0] = '\0';
    if (a->kind != b->kind)
        snprintf(out, len, "document %s vs %s", mcx_ad_kind_name(a->kind),
                 mcx_ad_kind_name(b->kind));
    else if (a->has_access_location != b->has_access_location ||
             (a->has_access_location && a->access_location != b->access_location))
        snprintf(out, len, "AccessLocation %s vs %s",
                 a->has_access_location ? mcx_ad_access_name(a->access_location) : "(none)",
                 b->has_access_location ? mcx_ad_access_name(b->access_location) : "(none)");
    else if (a->nlinks != b->nlinks)
        snprintf(out, len, "%zu links vs %zu", a->nlinks, b->nlinks);
    else if (a->nsipaccess != b->nsipaccess)
        snprintf(out, len, "%zu SipAccess entries vs %zu", a->nsipaccess, b->nsipaccess);
    for (size_t i = 0; out[0] == '\0' && i < a->nlinks; i++) {
        const mcx_ad_link *l = mcx_ad_find_link(b, a->links[i].token);
        if (l == NULL)
            snprintf(out, len, "link %s missing", a->links[i].token);
        else if (strcasecmp(l->href, a->links[i].href) != 0)
            snprintf(out, len, "link %s: %s vs %s", a->links[i].token, a->links[i].href,
                     l->href);
    }
    for (size_t i = 0; out[0] == '\0' && i < a->nsipaccess; i++) {
        const mcx_ad_sipaccess *s = mcx_ad_find_sipaccess(b, a->sipaccess[i].name);
        if (s == NULL || strcasecmp(s->fqdn, a->sipaccess[i].fqdn) != 0 ||
            s->port != a->sipaccess[i].port)
            snprintf(out, len, "%s differs", a->sipaccess[i].name);
    }
}

static void replay_compare(pcap_replay_ctx *rc, const char *url, const mcx_http_message *rec,
                           const mcx_http_response *got)
{
    char diff[600] = "";
    const char *rct = mcx_http_msg_header(rec, "Content-Type");
    const char *gct = mcx_http_header_get(got, "Content-Type");
    char a[256], b[256];
    replay_norm_ct(rct, a, sizeof a);
    replay_norm_ct(gct, b, sizeof b);
    if (rec->status != got->status) {
        snprintf(diff, sizeof diff, "status %d recorded, %d replayed", rec->status,
                 got->status);
    } else if (strcmp(a, b) != 0) {
        snprintf(diff, sizeof diff, "Content-Type '%s' recorded, '%s' replayed",
                 rct ? rct : "", gct ? gct : "");
    } else if (replay_is_ad(rct) && rec->status == 200) {
        mcx_report *scratch = mcx_report_new("mcxcheck", "replay", url);
        mcx_ad_doc da, db;
        memset(&da, 0, sizeof da);
        memset(&db, 0, sizeof db);
        int pa = mcx_ad_parse(rct, rec->body, rec->body_len, &da, scratch, url);
        int pb = mcx_ad_parse(gct, got->body, got->body_len, &db, scratch, url);
        if (pa != pb)
            snprintf(diff, sizeof diff, "document %s recorded, %s replayed",
                     pa == 0 ? "parsed" : "unparsable", pb == 0 ? "parsed" : "unparsable");
        else if (pa == 0)
            replay_doc_diff(&da, &db, diff, sizeof diff);
        mcx_ad_doc_clear(&da);
        mcx_ad_doc_clear(&db);
        mcx_report_free(scratch);
    } else if (rec->body_len != got->body_len ||
               (rec->body_len && memcmp(rec->body, got->body, rec->body_len) != 0)) {
        snprintf(diff, sizeof diff, "body of %zu bytes recorded, %zu replayed differs",
                 rec->body_len, got->body_len);
    }
    mcx_report_step(rc->rep, 1, diff[0] ? MCX_STEP_FAIL : MCX_STEP_OK, 0,
                    diff[0] ? diff : NULL, "replayed %s -> %d", url, got->status);
    if (diff[0] == '\0')
        return;
    rc->differ++;
    mcx_finding *f = mcx_report_add(rc->rep, "PC-050",
                                    "%s: %s; recorded excerpt: %.200s; replayed excerpt: %.200s",
                                    url, diff, rec->body ? rec->body : "",
                                    got->body ? got->body : "");
    mcx_finding_set_evidence(f, url, got->status, got->body, got->body_len);
}

static void replay_exchange(void *ctx, const struct mcx_http_message *req,
                            const struct mcx_http_message *resp, int side, int tls)
{
    pcap_replay_ctx *rc = ctx;
    (void)tls;
    if (resp == NULL || side < 0 || rc->target[side] == NULL || req->method == NULL) {
        rc->skipped++;
        return;
    }
    char url[4096];
    const char *base = rc->target[side];
    size_t bl = strlen(base);
    snprintf(url, sizeof url, "%.*s%s", (int)(bl && base[bl - 1] == '/' ? bl - 1 : bl), base,
             req->target ? req->target : "/");
    mcx_http_header hdrs[MCX_HTTP_MAX_HEADERS];
    size_t nh = 0;
    for (size_t i = 0; i < req->nheaders; i++) {
        const char *n = req->names[i];
        if (strcasecmp(n, "Content-Length") == 0 || strcasecmp(n, "Connection") == 0 ||
            strcasecmp(n, "Transfer-Encoding") == 0 || strcasecmp(n, "Keep-Alive") == 0)
            continue;
        hdrs[nh].name = req->names[i];
        hdrs[nh].value = req->values[i];
        nh++;
    }
    mcx_http_request hr = {req->method, url, hdrs, nh, req->body, req->body_len};
    mcx_http_options ho;
    memset(&ho, 0, sizeof ho);
    ho.timeout_ms = 5000;
    mcx_http_response got;
    rc->replayed++;
    if (mcx_http_perform(&hr, &ho, &got) != 0) {
        rc->differ++;
        mcx_report_step(rc->rep, 1, MCX_STEP_FAIL, 0, got.error_text, "replayed %s -> %s", url,
                        mcx_http_error_name(got.error));
        mcx_report_add(rc->rep, "PC-050", "%s: recorded status %d, replay failed (%s: %s)",
                       url, resp->status, mcx_http_error_name(got.error), got.error_text);
    } else {
        replay_compare(rc, url, resp, &got);
    }
    mcx_http_response_free(&got);
}

static int pcap_verify(int argc, char **argv, int replay)
{
    const char *file = NULL, *topo_path = NULL;
    pcap_replay_ctx rc;
    memset(&rc, 0, sizeof rc);
    mcx_pcap_verify_options opt;
    memset(&opt, 0, sizeof opt);
    mcx_cli_common common;
    mcx_cli_common_init(&common);
    for (int i = 1; i < argc; i++) {
        int c = mcx_cli_common_parse(&common, argc, argv, &i);
        if (c < 0)
            return MCX_EXIT_USAGE;
        if (c > 0)
            continue;
        const char *v;
        if (strcmp(argv[i], "--topology") == 0) {
            if ((topo_path = mcx_cli_value("pcap", argc, argv, &i)) == NULL)
                return MCX_EXIT_USAGE;
        } else if (strcmp(argv[i], "--sip-domain") == 0) {
            if ((opt.sip_domain = mcx_cli_value("pcap", argc, argv, &i)) == NULL)
                return MCX_EXIT_USAGE;
        } else if (strcmp(argv[i], "--port") == 0) {
            if ((v = mcx_cli_value("pcap", argc, argv, &i)) == NULL)
                return MCX_EXIT_USAGE;
            if (pcap_parse_port(v, &opt) != 0) {
                fprintf(stderr, "mcxcheck pcap verify: --port %s: expected PORT=LISTENER "
                        "(internal-http, internal-https, external-http, external-https)\n", v);
                return MCX_EXIT_USAGE;
            }
        } else if (replay && strcmp(argv[i], "--target-internal") == 0) {
            if ((rc.target[MCX_ACCESS_INTERNAL] = mcx_cli_value("pcap", argc, argv, &i)) == NULL)
                return MCX_EXIT_USAGE;
        } else if (replay && strcmp(argv[i], "--target-external") == 0) {
            if ((rc.target[MCX_ACCESS_EXTERNAL] = mcx_cli_value("pcap", argc, argv, &i)) == NULL)
                return MCX_EXIT_USAGE;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            pcap_usage(stdout);
            return MCX_EXIT_OK;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "mcxcheck pcap %s: unknown option '%s'\n", argv[0], argv[i]);
            return MCX_EXIT_USAGE;
        } else if (file == NULL) {
            file = argv[i];
        } else {
            fprintf(stderr, "mcxcheck pcap verify: one FILE only ('%s')\n", argv[i]);
            return MCX_EXIT_USAGE;
        }
    }
    if (replay && rc.target[0] == NULL && rc.target[1] == NULL) {
        fprintf(stderr, "mcxcheck pcap replay: --target-internal and/or --target-external "
                        "is required\n");
        return MCX_EXIT_USAGE;
    }
    if (file == NULL) {
        fprintf(stderr, "mcxcheck pcap %s: FILE is required\n", argv[0]);
        pcap_usage(stderr);
        return MCX_EXIT_USAGE;
    }
    int none;
    mcx_topology *t = pcap_load_topology(topo_path, &none);
    if (t == NULL && !none)
        return MCX_EXIT_USAGE;
    opt.topo = t;
    mcx_report *rep = mcx_report_new("mcxcheck", replay ? "pcap replay" : "pcap verify", file);
    if (rep == NULL) {
        mcx_topology_free(t);
        return MCX_EXIT_INTERNAL;
    }
    char err[1024] = "";
    mcx_pcap_reader *r = mcx_pcap_reader_open(file, err, sizeof err);
    if (r == NULL) {
        mcx_report_add(rep, strstr(err, "unsupported link type") ? "PC-004" : "PC-001", "%s",
                       err);
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
        /* The capture's own findings are verify's business: replay reports
         * only differences (and a capture it could not read). */
        mcx_report *scratch = mcx_report_new("mcxcheck", "pcap verify", file);
        rc.rep = rep;
        opt.on_exchange = replay_exchange;
        opt.exchange_ctx = &rc;
        mcx_http_global_init();
        if (scratch)
            mcx_pcap_verify(r, &opt, scratch);
        mcx_http_global_cleanup();
        mcx_pcap_reader_close(r);
        for (size_t k = 0; scratch && k < scratch->nfindings; k++)
            if (strcmp(scratch->findings[k].id, "PC-001") == 0)
                mcx_report_add(rep, "PC-001", "%s", scratch->findings[k].message);
        mcx_report_free(scratch);
        mcx_report_step(rep, 0, MCX_STEP_INFO, 0, NULL,
                        "%lu requests replayed, %lu differ, %lu not replayed (no response "
                        "recorded or listener unknown)", rc.replayed, rc.differ, rc.skipped);
    }
    int exit_code = mcx_cli_emit(&common, rep);
    mcx_report_free(rep);
    mcx_topology_free(t);
    return exit_code;
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
