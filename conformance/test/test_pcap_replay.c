/*
 * test_pcap_replay.c -- `pcap replay` against mcxd in-process: the golden
 * plain-HTTP scenarios, recorded with pcap_record_scenario, replayed through
 * the perform hook into mcxd_handle (any topology, any --break).
 *
 * Owns: no difference against the same mcxd; the exact findings (exchange,
 * ID, element) against every mcxd break; host mapping (a capture of the
 * default deployment replayed at mcxd serving renamed names: differences
 * without the mapping, none with --map-host or --target-topology, and the
 * Host header mapped); the mapping text rules and volatile fields (dates,
 * GUIDs, tokens, cookie values) not being differences while real changes
 * are. Does not own: the live replay over sockets (pcap_replay.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include "auth.h"
#include "mcx/http_stream.h"
#include "mcx/pcap.h"
#include "mcxd_http.h"
#include "pcap_record.h"
#include "pcap_test.h"
#include "pcap_replay.h"

/* The default topology with every name changed (other domains, the
 * Director and a Front End pool renamed). */
static mcx_topology *renamed_topo(void)
{
    const char *xml = mcx_topology_default_xml();
    char *out = NULL;
    size_t olen = 0;
    FILE *f = open_memstream(&out, &olen);
    assert_non_null(f);
    static const char *const from[] = {"dir01.contoso.test", "webext01.contoso.test",
                                       "contoso.test", "fabrikam.test"};
    static const char *const to[] = {"director.example.test", "mobile01.example.test",
                                     "example.test", "northwind.test"};
    while (*xml) {
        size_t k = 0;
        for (; k < 4; k++)
            if (strncmp(xml, from[k], strlen(from[k])) == 0)
                break;
        if (k < 4) {
            fputs(to[k], f);
            xml += strlen(from[k]);
        } else {
            fputc(*xml++, f);
        }
    }
    fclose(f);
    mcx_error err;
    mcx_topology *t = mcx_topology_load_memory("renamed.xml", out, olen, &err);
    free(out);
    assert_non_null(t);
    return t;
}

static char *record(const mcx_topology *t, const pcap_scenario *s, unsigned breaks, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    assert_non_null(f);
    char err[512];
    mcx_pcap_writer *w = mcx_pcap_writer_fopen(f, s->linktype, T_NOW, 1000, err, sizeof err);
    assert_non_null(w);
    pcap_scenario sc = *s;
    sc.breaks = breaks;
    assert_int_equal(pcap_record_scenario(w, t, &sc, T_NOW, 1, err, sizeof err), 0);
    assert_int_equal(mcx_pcap_writer_close(w), 0);
    return buf;
}

/* The perform hook: mcxd_handle with this topology and these breaks. */
typedef struct inproc {
    const mcx_topology *topo;
    unsigned breaks;
    char last_host[256];
} inproc;

static int perform_mcxd(void *ctx, const mcx_http_request *req, int side, int tls,
                        mcx_http_response *out)
{
    inproc *ip = ctx;
    const char *uri = strstr(req->url, "://");
    uri = uri ? strchr(uri + 3, '/') : NULL;
    mcx_http_header hs[64];
    const char *host = NULL;
    for (size_t i = 0; i < req->nheaders && i < 64; i++) {
        hs[i].name = req->headers[i].name;
        hs[i].value = req->headers[i].value;
        if (strcasecmp(req->headers[i].name, "Host") == 0)
            host = req->headers[i].value;
    }
    snprintf(ip->last_host, sizeof ip->last_host, "%s", host ? host : "");
    mcxd_request mr = {req->method, uri ? uri : "/", host, hs, req->nheaders, req->body,
                       req->body_len, (mcx_access)side, tls, "192.0.2.50:49152", NULL};
    mcxd_config cfg = {.topo = ip->topo, .breaks = ip->breaks, .deterministic = 1,
                       .fixed_now = T_NOW};
    mcxd_state *st = mcxd_state_new(1, 1);
    assert_non_null(st);
    mcxd_response resp;
    mcxd_handle(&cfg, st, &mr, T_NOW, &resp);
    memset(out, 0, sizeof *out);
    out->status = resp.status;
    out->headers = calloc(resp.nheaders + 1, sizeof *out->headers);
    assert_non_null(out->headers);
    for (size_t i = 0; i < resp.nheaders; i++) {
        out->headers[i].name = strdup(resp.headers[i].name);
        out->headers[i].value = strdup(resp.headers[i].value);
    }
    out->nheaders = resp.nheaders;
    out->body = malloc(resp.body_len + 1);
    assert_non_null(out->body);
    if (resp.body_len)
        memcpy(out->body, resp.body, resp.body_len);
    out->body[resp.body_len] = '\0';
    out->body_len = resp.body_len;
    mcxd_response_free(&resp);
    mcxd_state_free(st);
    return 0;
}

/* Replay `cap` at an in-process mcxd; the findings as "N ID WHAT" lines
 * (exchange number, ID, the element or field), joined with '\n'. */
static char *replay(const char *cap, size_t len, pcap_replay *r, inproc *ip,
                    const mcx_topology *recorded)
{
    mcx_pcap_reader *rd = mem_reader(cap, len);
    mcx_pcap_verify_options opt;
    memset(&opt, 0, sizeof opt);
    opt.topo = recorded;
    r->target[MCX_ACCESS_INTERNAL] = "http://internal.invalid";
    r->target[MCX_ACCESS_EXTERNAL] = "http://external.invalid";
    r->perform = perform_mcxd;
    r->perform_ctx = ip;
    r->exchanges = r->replayed = r->differ = r->skipped = 0;
    mcx_report *rep = mcx_report_new("mcxcheck", "pcap replay", "mem.pcap");
    pcap_replay_run(r, rd, &opt, "mem.pcap", rep);
    mcx_pcap_reader_close(rd);
    char *out = NULL;
    size_t olen = 0;
    FILE *o = open_memstream(&out, &olen);
    for (size_t i = 0; i < rep->nfindings; i++) {
        const char *m = rep->findings[i].message;
        unsigned long n = 0;
        assert_int_equal(sscanf(m, "exchange %lu", &n), 1);
        const char *end = strstr(m, ": recorded '");
        assert_non_null(end);
        const char *b = end;
        while (b > m && !(b[-2] == ':' && b[-1] == ' '))
            b--;
        fprintf(o, "%lu %s %.*s\n", n, rep->findings[i].id, (int)(end - b), b);
    }
    fclose(o);
    mcx_report_free(rep);
    return out;
}

/* Every exchange 1..n with the same ID and element (kinds: the document
 * kind of each exchange, for "%s" in what). */
static char *each(unsigned n, const char *id, const char *what, const char *const *kinds)
{
    char *out = NULL;
    size_t olen = 0;
    FILE *o = open_memstream(&out, &olen);
    for (unsigned i = 1; i <= n; i++) {
        const char *k = strstr(what, "%s");
        if (k && kinds)
            fprintf(o, "%u %s %.*s%s%s\n", i, id, (int)(k - what), what, kinds[i - 1], k + 2);
        else
            fprintf(o, "%u %s %s\n", i, id, what);
    }
    fclose(o);
    return out;
}

static void expect_replay(const char *scenario, unsigned recorded_breaks, unsigned target_breaks,
                          const char *expected)
{
    mcx_topology *t = default_topo();
    size_t len;
    char *cap = record(t, golden(scenario), recorded_breaks, &len);
    pcap_replay r;
    pcap_replay_init(&r);
    inproc ip = {t, target_breaks, ""};
    char *got = replay(cap, len, &r, &ip, t);
    if (strcmp(got, expected) != 0)
        fail_msg("%s, break %#x: expected\n%sgot\n%s", scenario, target_breaks, expected, got);
    free(got);
    free(cap);
    pcap_replay_clear(&r);
    mcx_topology_free(t);
}

static void test_golden_replays_clean(void **state)
{
    (void)state;
    for (size_t i = 0; i < pcap_golden_count(); i++)
        expect_replay(pcap_golden_at(i)->name, 0, 0, "");
}

static void test_breaks_give_exact_findings(void **state)
{
    (void)state;
    static const char *const kinds_in[] = {"Root", "Root", "Domain", "User"};
    static const char *const kinds_ex[] = {"Root", "Domain", "User"};
    static const char *const kinds_v6[] = {"Root", "User"};
    static const struct {
        const char *name;
        unsigned n;
        const char *const *kinds;
    } sc[] = {{"internal-v4", 4, kinds_in}, {"external-v4", 3, kinds_ex},
              {"internal-v6", 2, kinds_v6}};
    for (size_t k = 0; k < 3; k++) {
        char *e302 = each(sc[k].n, "PC-050", "status", NULL);
        char *ect = each(sc[k].n, "PC-050", "header Content-Type", NULL);
        char *emr = each(sc[k].n, "PC-051", "%s/Link[token=Domain]/@href", sc[k].kinds);
        expect_replay(sc[k].name, 0, MCXD_BREAK_HTTP_302, e302);
        expect_replay(sc[k].name, 0, MCXD_BREAK_CONTENT_TYPE, ect);
        expect_replay(sc[k].name, 0, MCXD_BREAK_MULTI_REDIRECT, emr);
        /* The other way round: the recorded deployment was the broken one. */
        expect_replay(sc[k].name, MCXD_BREAK_MULTI_REDIRECT, 0, emr);
        /* Breaks that do not touch a plain-HTTP first hop (documents over
         * HTTPS, 401s, unknown users, framing) show no difference here. */
        expect_replay(sc[k].name, 0, MCXD_BREAK_MCX_INTERNAL, "");
        expect_replay(sc[k].name, 0, MCXD_BREAK_NO_CONTENT_LENGTH, "");
        expect_replay(sc[k].name, 0, MCXD_BREAK_USER_404_BODY, "");
        expect_replay(sc[k].name, 0, MCXD_BREAK_NO_401_TICKET_URL, "");
        free(e302);
        free(ect);
        free(emr);
    }
}

/* A capture of the default deployment whose documents carry pool names
 * (mcxd --break multi-redirect adds the Domain link) replayed at an mcxd
 * serving the renamed topology. */
static void test_host_mapping(void **state)
{
    (void)state;
    mcx_topology *t = default_topo(), *other = renamed_topo();
    size_t len;
    char *cap = record(t, golden("internal-v4"), MCXD_BREAK_MULTI_REDIRECT, &len);
    inproc ip = {other, MCXD_BREAK_MULTI_REDIRECT, ""};
    pcap_replay r;
    pcap_replay_init(&r);
    static const char *const kinds[] = {"Root", "Root", "Domain", "User"};
    char *got = replay(cap, len, &r, &ip, t);
    char *want = each(4, "PC-051", "%s/Link[token=Domain]/@href", kinds);
    assert_string_equal(got, want);
    assert_string_equal(ip.last_host, "lyncdiscoverinternal.contoso.test");
    free(got);
    free(want);

    char err[256];
    assert_int_equal(pcap_replay_map_add(&r, "contoso.test=example.test", err, sizeof err), 0);
    assert_int_equal(pcap_replay_map_add(&r, "dir01.contoso.test=director.example.test", err,
                                         sizeof err), 0);
    got = replay(cap, len, &r, &ip, t);
    assert_string_equal(got, "");
    assert_string_equal(ip.last_host, "lyncdiscoverinternal.example.test");
    free(got);
    pcap_replay_clear(&r);

    /* A wrong mapping is a difference again. */
    assert_int_equal(pcap_replay_map_add(&r, "contoso.test=example.test", err, sizeof err), 0);
    got = replay(cap, len, &r, &ip, t);
    want = each(4, "PC-051", "%s/Link[token=Domain]/@href", kinds);
    assert_string_equal(got, want);
    free(got);
    free(want);
    pcap_replay_clear(&r);

    /* --target-topology: names paired from the two topologies. */
    assert_int_equal(pcap_replay_map_topologies(&r, t, other, err, sizeof err), 0);
    got = replay(cap, len, &r, &ip, t);
    assert_string_equal(got, "");
    free(got);
    pcap_replay_clear(&r);
    free(cap);
    mcx_topology_free(t);
    mcx_topology_free(other);
}

static void test_map_text_and_errors(void **state)
{
    (void)state;
    pcap_replay r;
    pcap_replay_init(&r);
    char err[256];
    assert_int_equal(pcap_replay_map_add(&r, "contoso.test=example.test", err, sizeof err), 0);
    assert_int_equal(pcap_replay_map_add(&r, "pool01.contoso.test=fe.example.test", err,
                                         sizeof err), 0);
    static const char *const cases[][2] = {
        {"/?sipuri=alice@contoso.test", "/?sipuri=alice@example.test"},
        {"/?sipuri=alice%40contoso.test", "/?sipuri=alice%40example.test"},
        {"https://pool01.contoso.test/x", "https://fe.example.test/x"},
        {"https://LyncDiscover.Contoso.Test:443/", "https://LyncDiscover.example.test:443/"},
        {"notcontoso.test and contoso.tests", "notcontoso.test and contoso.tests"},
        {"see contoso.test.", "see example.test."},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *m = pcap_replay_map_text(&r, cases[i][0]);
        assert_string_equal(m, cases[i][1]);
        free(m);
    }
    assert_int_equal(pcap_replay_map_add(&r, "contoso.test", err, sizeof err), -1);
    assert_non_null(strstr(err, "RECORDED=NEW"));
    assert_int_equal(pcap_replay_map_add(&r, "contoso.test=other.test", err, sizeof err), -1);
    assert_non_null(strstr(err, "mapped twice"));
    assert_int_equal(pcap_replay_map_add(&r, "a b=c", err, sizeof err), -1);
    mcx_topology *t = default_topo();
    mcx_topology one = *t;
    one.npools = 1;
    assert_int_equal(pcap_replay_map_topologies(&r, t, &one, err, sizeof err), -1);
    assert_non_null(strstr(err, "differ in shape"));
    mcx_topology_free(t);
    pcap_replay_clear(&r);
}

/* ---- volatile fields: a hand-made recorded response vs a canned one ---- */

static const char *canned; /* the replayed response: "STATUS\nName: value\n...\n\nBODY" */

static int perform_canned(void *ctx, const mcx_http_request *req, int side, int tls,
                          mcx_http_response *out)
{
    (void)ctx, (void)req, (void)side, (void)tls;
    memset(out, 0, sizeof *out);
    out->status = atoi(canned);
    out->headers = calloc(16, sizeof *out->headers);
    const char *p = strchr(canned, '\n') + 1;
    while (*p != '\n') {
        const char *colon = strchr(p, ':'), *eol = strchr(p, '\n');
        out->headers[out->nheaders].name = strndup(p, (size_t)(colon - p));
        out->headers[out->nheaders].value = strndup(colon + 2, (size_t)(eol - colon - 2));
        out->nheaders++;
        p = eol + 1;
    }
    out->body = strdup(p + 1);
    out->body_len = strlen(out->body);
    return 0;
}

/* One exchange whose recorded response is `recorded` (raw HTTP), replayed
 * as `replayed` (canned form); the findings as replay() lists them. */
static char *compare_raw(const char *head, const char *body, const char *replayed)
{
    char recorded[2048];
    snprintf(recorded, sizeof recorded, "%sContent-Length: %zu\r\n\r\n%s", head, strlen(body),
             body);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    char err[256];
    mcx_pcap_writer *w = mcx_pcap_writer_fopen(f, MCX_PCAP_LINK_ETHERNET, T_NOW, 1000, err,
                                               sizeof err);
    assert_non_null(w);
    mcx_pcap_endpoint c, s;
    assert_int_equal(mcx_pcap_endpoint_set(&c, "192.0.2.50", 49152), 0);
    assert_int_equal(mcx_pcap_endpoint_set(&s, "127.0.1.11", 80), 0);
    mcx_pcap_tcp_conn conn;
    mcx_pcap_tcp_init(&conn, &c, &s, 1000, 2000);
    assert_int_equal(mcx_pcap_tcp_handshake(w, &conn), 0);
    const char *req = "GET /x HTTP/1.1\r\nHost: lyncdiscoverinternal.contoso.test\r\n\r\n";
    assert_int_equal(mcx_pcap_tcp_send(w, &conn, 1, req, strlen(req)), 0);
    assert_int_equal(mcx_pcap_tcp_send(w, &conn, 0, recorded, strlen(recorded)), 0);
    assert_int_equal(mcx_pcap_tcp_close(w, &conn), 0);
    assert_int_equal(mcx_pcap_writer_close(w), 0);
    canned = replayed;
    pcap_replay r;
    pcap_replay_init(&r);
    char e2[64];
    assert_int_equal(pcap_replay_map_add(&r, "contoso.test=example.test", e2, sizeof e2), 0);
    mcx_topology *t = default_topo();
    mcx_pcap_reader *rd = mem_reader(buf, len);
    mcx_pcap_verify_options opt;
    memset(&opt, 0, sizeof opt);
    opt.topo = t;
    r.target[0] = r.target[1] = "http://t.invalid";
    r.perform = perform_canned;
    mcx_report *rep = mcx_report_new("mcxcheck", "pcap replay", "mem.pcap");
    pcap_replay_run(&r, rd, &opt, "mem.pcap", rep);
    mcx_pcap_reader_close(rd);
    char *out = NULL;
    size_t olen = 0;
    FILE *o = open_memstream(&out, &olen);
    for (size_t i = 0; i < rep->nfindings; i++) {
        const char *m = strstr(rep->findings[i].message, "/x: ");
        assert_non_null(m);
        fprintf(o, "%s %s\n", rep->findings[i].id, m + 4);
    }
    fclose(o);
    mcx_report_free(rep);
    pcap_replay_clear(&r);
    mcx_topology_free(t);
    free(buf);
    return out;
}

#define REC_HEAD "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"

static void test_volatile_fields_and_every_difference(void **state)
{
    (void)state;
    /* Dates, GUIDs, tokens and cookie values vary; host names are mapped. */
    const char *rec = REC_HEAD
        "Date: Thu, 01 Jan 2026 00:00:00 GMT\r\n"
        "Set-Cookie: MS-WSMAN=abc; Path=/; Expires=Thu, 01 Jan 2026 00:00:00 GMT\r\n"
        "Location: https://pool01.contoso.test/x\r\n";
    const char *rbody = "{\"when\":\"2026-01-01T00:00:00Z\",\"id\":\"0f8fad5b-d9cb-469f-a165-70867728950e\","
        "\"t\":\"cwt=AAEBHAEFAAAAAAAFFQAAAG1x9\",\"href\":\"https://a.contoso.test/\"}";
    char *got = compare_raw(rec, rbody, "200\nContent-Type: application/json\n"
        "Date: Fri, 02 Jan 2026 10:11:12 GMT\n"
        "Set-Cookie: MS-WSMAN=zzz; Path=/; Expires=Fri, 02 Jan 2026 10:11:12 GMT\n"
        "Location: https://pool01.example.test/x\n\n"
        "{\"when\":\"2027-02-02T01:02:03Z\",\"id\":\"1f8fad5b-d9cb-469f-a165-70867728950f\","
        "\"t\":\"cwt=ZZEBHAEFAAAAAAAFFQAAAH2y8\",\"href\":\"https://a.example.test/\"}");
    assert_string_equal(got, "");
    free(got);
    /* Every real change is its own finding with both values. */
    got = compare_raw(rec, rbody, "200\nContent-Type: application/json\n"
        "Set-Cookie: OTHER=zzz; Path=/; HttpOnly\n"
        "Location: https://pool02.example.test/x\n\n"
        "{\"when\":\"2027-02-02T01:02:03Z\",\"id\":\"1f8fad5b-d9cb-469f-a165-70867728950f\","
        "\"t\":\"cwt=ZZEBHAEFAAAAAAAFFQAAAH2y8\",\"href\":\"https://b.example.test/\",\"x\":1}");
    assert_string_equal(got,
        "PC-052 header Location: recorded 'https://pool01.contoso.test/x', replayed "
        "'https://pool02.example.test/x'\n"
        "PC-052 header Set-Cookie: recorded 'MS-WSMAN=abc; Path=/; Expires=Thu, 01 Jan 2026 "
        "00:00:00 GMT', replayed 'OTHER=zzz; Path=/; HttpOnly'\n"
        "PC-051 $.href: recorded 'https://a.contoso.test/', replayed 'https://b.example.test/'\n"
        "PC-051 $.x: recorded '(absent)', replayed '1'\n");
    free(got);
    /* XML bodies: element paths. */
    got = compare_raw("HTTP/1.1 404 Not Found\r\nContent-Type: text/xml\r\n",
                      "<e><code>404</code><s>dir01.contoso.test</s><s>b</s></e>\n",
                      "404\nContent-Type: text/xml\n\n"
                            "<e a=\"1\"><code>405</code><s>dir01.example.test</s></e>");
    assert_string_equal(got,
        "PC-051 /e/@a: recorded '(absent)', replayed '1'\n"
        "PC-051 /e/code: recorded '404', replayed '405'\n"
        "PC-051 /e/s[2]: recorded 'b', replayed '(absent)'\n");
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_replays_clean),
        cmocka_unit_test(test_breaks_give_exact_findings),
        cmocka_unit_test(test_host_mapping),
        cmocka_unit_test(test_map_text_and_errors),
        cmocka_unit_test(test_volatile_fields_and_every_difference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
