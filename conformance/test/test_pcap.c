/*
 * test_pcap.c -- unit tests of the capture layers and `pcap verify`:
 * synthesis (lib/pcap_synth.c), reading (lib/pcap_read.c), TCP reassembly
 * (lib/tcp_reassembly.c), HTTP streams (lib/http_stream.c), DNS wrappers
 * (lib/dns_decode.c), the rules (lib/pcap_rules.c) and the golden scenarios
 * (conformance/pcap_record.c), all in memory (open_memstream / fmemopen).
 *
 * Owns: the hand-made broken variants and the IDs each must raise:
 * out-of-order and retransmitted segments and a server ACK captured before
 * the data it acknowledges (none; the same ACK for data never captured:
 * PC-011), retransmission with
 * different data (PC-012), gaps (PC-011, resynchronisation), missing
 * handshake (PC-010), conflicting Content-Length / Transfer-Encoding
 * (PC-021), a 302 first hop (PC-033), lyncdiscover before
 * lyncdiscoverinternal (PC-030), truncated files (PC-001), snaplen-cut
 * packets (PC-002), bogus lengths (PC-003), a giant Content-Length
 * (PC-022); DNS answers judged by the DNS rules (lib/pcap_dns_rules.c:
 * DNS-005 and DNS-001 by resolver vantage, nothing for names never asked,
 * DNS-021/022); chunked, close-delimited, pipelined and HEAD exchanges;
 * sequence wraparound; determinism. Does not own: the CLI (pcap_golden.sh,
 * pcap_live.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/ssl.h>
#include <pcap/pcap.h>

#include "mcx/dns_decode.h"
#include "mcx/http_stream.h"
#include "mcx/pcap.h"
#include "mcx/tcp_reassembly.h"
#include "dns_responder.h"
#include "mcxd_http.h"
#include "pcap_record.h"

#define T_NOW 1767225600 /* 2026-01-01T00:00:00Z */

typedef struct capture {
    char *buf;
    size_t len;
    FILE *f;
    mcx_pcap_writer *w;
} capture;

static void cap_begin(capture *c, int linktype)
{
    memset(c, 0, sizeof *c);
    c->f = open_memstream(&c->buf, &c->len);
    assert_non_null(c->f);
    char err[256];
    c->w = mcx_pcap_writer_fopen(c->f, linktype, T_NOW, 1000, err, sizeof err);
    assert_non_null(c->w);
}

static void cap_end(capture *c)
{
    assert_int_equal(mcx_pcap_writer_close(c->w), 0); /* closes the memstream */
    c->w = NULL;
    c->f = NULL;
}

static mcx_report *verify_bytes(const void *buf, size_t len, const mcx_pcap_verify_options *o)
{
    mcx_report *rep = mcx_report_new("mcxcheck", "pcap verify", "test");
    char err[256] = "";
    FILE *f = fmemopen((void *)buf, len, "r");
    assert_non_null(f);
    mcx_pcap_reader *r = mcx_pcap_reader_fopen(f, err, sizeof err);
    if (r == NULL) {
        mcx_report_add(rep, "PC-001", "%s", err);
        return rep;
    }
    mcx_pcap_verify(r, o, rep);
    mcx_pcap_reader_close(r);
    return rep;
}

static mcx_report *verify_cap(capture *c, const mcx_topology *t)
{
    mcx_pcap_verify_options o;
    memset(&o, 0, sizeof o);
    o.topo = t;
    mcx_report *rep = verify_bytes(c->buf, c->len, &o);
    return rep;
}

static int has_step(const mcx_report *r, const char *title)
{
    for (size_t i = 0; i < r->nsteps; i++)
        if (strcmp(r->steps[i].title, title) == 0)
            return 1;
    return 0;
}

static size_t count_steps_prefix(const mcx_report *r, const char *prefix)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nsteps; i++)
        if (strncmp(r->steps[i].title, prefix, strlen(prefix)) == 0)
            n++;
    return n;
}

static void dump_findings(const mcx_report *r)
{
    for (size_t i = 0; i < r->nsteps; i++)
        print_message("  step %s\n", r->steps[i].title);
    for (size_t i = 0; i < r->nfindings; i++)
        print_message("  finding %s: %s\n", r->findings[i].id, r->findings[i].message);
}

/* ---- a tiny hand-made connection ---- */

typedef struct hand {
    capture cap;
    mcx_pcap_endpoint cl, sv;
    uint32_t cseq, sseq; /* next bytes */
} hand;

static void hand_begin(hand *h, uint32_t cisn, uint32_t sisn, int handshake)
{
    cap_begin(&h->cap, MCX_PCAP_LINK_ETHERNET);
    assert_int_equal(mcx_pcap_endpoint_set(&h->cl, "192.0.2.50", 40000), 0);
    assert_int_equal(mcx_pcap_endpoint_set(&h->sv, "192.0.2.80", 8000), 0);
    h->cseq = cisn + 1;
    h->sseq = sisn + 1;
    if (handshake) {
        mcx_pcap_write_tcp(h->cap.w, &h->cl, &h->sv, MCX_TCP_SYN, cisn, 0, NULL, 0);
        mcx_pcap_write_tcp(h->cap.w, &h->sv, &h->cl, MCX_TCP_SYN | MCX_TCP_ACK, sisn, h->cseq,
                           NULL, 0);
        mcx_pcap_write_tcp(h->cap.w, &h->cl, &h->sv, MCX_TCP_ACK, h->cseq, h->sseq, NULL, 0);
    }
}

/* Write `text` from one side at sequence offset `off` (relative to next). */
static void hand_seg(hand *h, int from_client, uint32_t off, const char *text, size_t len)
{
    const mcx_pcap_endpoint *s = from_client ? &h->cl : &h->sv;
    const mcx_pcap_endpoint *d = from_client ? &h->sv : &h->cl;
    uint32_t seq = (from_client ? h->cseq : h->sseq) + off;
    uint32_t ack = from_client ? h->sseq : h->cseq;
    assert_int_equal(mcx_pcap_write_tcp(h->cap.w, s, d, MCX_TCP_ACK | MCX_TCP_PSH, seq, ack,
                                        text, len), 0);
}

static void hand_advance(hand *h, int from_client, size_t len)
{
    if (from_client)
        h->cseq += (uint32_t)len;
    else
        h->sseq += (uint32_t)len;
}

static void hand_send(hand *h, int from_client, const char *text)
{
    hand_seg(h, from_client, 0, text, strlen(text));
    hand_advance(h, from_client, strlen(text));
}

static void hand_close(hand *h)
{
    mcx_pcap_write_tcp(h->cap.w, &h->cl, &h->sv, MCX_TCP_FIN | MCX_TCP_ACK, h->cseq, h->sseq,
                       NULL, 0);
    mcx_pcap_write_tcp(h->cap.w, &h->sv, &h->cl, MCX_TCP_FIN | MCX_TCP_ACK, h->sseq,
                       h->cseq + 1, NULL, 0);
    mcx_pcap_write_tcp(h->cap.w, &h->cl, &h->sv, MCX_TCP_ACK, h->cseq + 1, h->sseq + 1, NULL,
                       0);
    cap_end(&h->cap);
}

static const char REQ_A[] = "GET /a HTTP/1.1\r\nHost: www.example.test\r\n\r\n";
static const char REQ_B[] = "GET /b HTTP/1.1\r\nHost: www.example.test\r\n\r\n";
static const char RESP_OK[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
static const char RESP_404[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";

/* ---- tests ---- */

static mcx_topology *default_topo(void)
{
    mcx_error err;
    mcx_topology *t = mcx_topology_load_default(&err);
    assert_non_null(t);
    return t;
}

static void record_scenario(capture *c, const mcx_topology *t, const pcap_scenario *s)
{
    cap_begin(c, s->linktype);
    char err[512];
    int rc = pcap_record_scenario(c->w, t, s, T_NOW, 1, err, sizeof err);
    if (rc != 0)
        print_message("record: %s\n", err);
    assert_int_equal(rc, 0);
    cap_end(c);
}

static void test_golden_scenarios_verify_clean(void **state)
{
    (void)state;
    mcx_topology *t = default_topo();
    assert_true(pcap_golden_count() >= 3);
    for (size_t i = 0; i < pcap_golden_count(); i++) {
        capture a, b;
        record_scenario(&a, t, pcap_golden_at(i));
        record_scenario(&b, t, pcap_golden_at(i));
        assert_int_equal(a.len, b.len);
        assert_memory_equal(a.buf, b.buf, a.len);
        mcx_report *r = verify_cap(&a, t);
        dump_findings(r);
        assert_int_equal(r->nfindings, 0);
        assert_true(count_steps_prefix(r, "HTTP GET ") >= 2);
        assert_true(count_steps_prefix(r, "DNS ") >= 1);
        mcx_report_free(r);
        free(a.buf);
        free(b.buf);
    }
    mcx_topology_free(t);
}

static void test_reorder_and_retransmit_tolerated(void **state)
{
    (void)state;
    hand h;
    hand_begin(&h, 1000, 9000, 1);
    size_t half = 10;
    size_t len = strlen(REQ_A);
    /* The server's pure ACK of the whole request captured before any of
     * the request's bytes (ACK-before-data: capture order is not send
     * order), then the second half first, the first half, and a
     * same-bytes retransmission. */
    assert_int_equal(mcx_pcap_write_tcp(h.cap.w, &h.sv, &h.cl, MCX_TCP_ACK, h.sseq,
                                        h.cseq + (uint32_t)len, NULL, 0), 0);
    hand_seg(&h, 1, (uint32_t)half, REQ_A + half, len - half);
    hand_seg(&h, 1, 0, REQ_A, half);
    hand_seg(&h, 1, 0, REQ_A, len);
    hand_advance(&h, 1, len);
    hand_send(&h, 0, RESP_OK);
    hand_close(&h);
    mcx_report *r = verify_cap(&h.cap, NULL);
    dump_findings(r);
    assert_int_equal(r->nfindings, 0);
    assert_true(has_step(r, "HTTP GET /a -> 200"));
    mcx_report_free(r);
    free(h.cap.buf);
}

static const mcx_finding *finding_of(const mcx_report *r, const char *id);

/* The negative of ACK-before-data: the server ACKs request bytes that are
 * never captured and answers; the request is missing, which is reported
 * (the ACK must not stand in for the data). */
static void test_acked_data_never_captured(void **state)
{
    (void)state;
    hand h;
    hand_begin(&h, 1000, 9000, 1);
    size_t len = strlen(REQ_A);
    assert_int_equal(mcx_pcap_write_tcp(h.cap.w, &h.sv, &h.cl, MCX_TCP_ACK, h.sseq,
                                        h.cseq + (uint32_t)len, NULL, 0), 0);
    hand_advance(&h, 1, len);
    hand_send(&h, 0, RESP_OK);
    hand_send(&h, 1, REQ_B);
    hand_send(&h, 0, RESP_404);
    hand_close(&h);
    mcx_report *r = verify_cap(&h.cap, NULL);
    dump_findings(r);
    assert_non_null(finding_of(r, "PC-011"));
    assert_false(has_step(r, "HTTP GET /a -> 200"));
    assert_int_equal(count_steps_prefix(r, "HTTP GET /b"), 1);
    mcx_report_free(r);
    free(h.cap.buf);
}

static void test_retransmission_different_data(void **state)
{
    (void)state;
    hand h;
    hand_begin(&h, 1000, 9000, 1);
    hand_send(&h, 1, REQ_A);
    /* the same sequence numbers again, different bytes */
    h.cseq -= (uint32_t)strlen(REQ_A);
    hand_seg(&h, 1, 0, REQ_B, strlen(REQ_B));
    hand_advance(&h, 1, strlen(REQ_B));
    hand_send(&h, 0, RESP_OK);
    hand_close(&h);
    mcx_report *r = verify_cap(&h.cap, NULL);
    assert_true(mcx_report_has(r, "PC-012"));
    assert_true(has_step(r, "HTTP GET /a -> 200")); /* first copy kept */
    mcx_report_free(r);
    free(h.cap.buf);
}

static void test_gap_resynchronises(void **state)
{
    (void)state;
    hand h;
    hand_begin(&h, 1000, 9000, 1);
    hand_send(&h, 1, REQ_A);
    /* the first 20 bytes of the response never captured */
    hand_seg(&h, 0, 20, RESP_OK + 20, strlen(RESP_OK) - 20);
    hand_advance(&h, 0, strlen(RESP_OK));
    hand_send(&h, 1, REQ_B);
    hand_send(&h, 0, RESP_404);
    hand_close(&h);
    mcx_report *r = verify_cap(&h.cap, NULL);
    dump_findings(r);
    assert_true(mcx_report_has(r, "PC-011"));
    assert_true(has_step(r, "HTTP GET /b -> 404"));
    assert_true(has_step(r, "HTTP GET /a -> (no response)"));
    mcx_report_free(r);
    free(h.cap.buf);
}

static void test_missing_handshake(void **state)
{
    (void)state;
    hand h;
    hand_begin(&h, 1000, 9000, 0);
    hand_send(&h, 1, REQ_A);
    hand_send(&h, 0, RESP_OK);
    hand_close(&h);
    mcx_report *r = verify_cap(&h.cap, NULL);
    assert_true(mcx_report_has(r, "PC-010"));
    assert_true(has_step(r, "HTTP GET /a -> 200"));
    mcx_report_free(r);
    free(h.cap.buf);
}

static void test_sequence_wraparound(void **state)
{
    (void)state;
    hand h;
    hand_begin(&h, 0xffffffffu - 5, 0xffffffffu - 30, 1);
    hand_send(&h, 1, REQ_A);
    hand_send(&h, 0, RESP_OK);
    hand_send(&h, 1, REQ_B);
    hand_send(&h, 0, RESP_404);
    hand_close(&h);
    mcx_report *r = verify_cap(&h.cap, NULL);
    dump_findings(r);
    assert_int_equal(r->nfindings, 0);
    assert_true(has_step(r, "HTTP GET /a -> 200"));
    assert_true(has_step(r, "HTTP GET /b -> 404"));
    mcx_report_free(r);
    free(h.cap.buf);
}

static void test_pipelined_chunked_head_close(void **state)
{
    (void)state;
    hand h;
    hand_begin(&h, 1000, 9000, 1);
    hand_send(&h, 1, "GET /p1 HTTP/1.1\r\nHost: x\r\n\r\nHEAD /p2 HTTP/1.1\r\nHost: x\r\n\r\n"
                     "GET /p3 HTTP/1.1\r\nHost: x\r\n\r\n");
    hand_send(&h, 0, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
                     "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
                     "HTTP/1.1 201 Created\r\n\r\nclose-delimited body");
    hand_close(&h);
    mcx_report *r = verify_cap(&h.cap, NULL);
    dump_findings(r);
    assert_int_equal(r->nfindings, 0);
    assert_true(has_step(r, "HTTP GET /p1 -> 200"));
    assert_true(has_step(r, "HTTP HEAD /p2 -> 200"));
    assert_true(has_step(r, "HTTP GET /p3 -> 201"));
    mcx_report_free(r);
    free(h.cap.buf);
}

static void test_conflicting_lengths_and_giant_length(void **state)
{
    (void)state;
    hand h;
    hand_begin(&h, 1000, 9000, 1);
    hand_send(&h, 1, REQ_A);
    hand_send(&h, 0, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n"
                     "\r\n5\r\nhello\r\n0\r\n\r\n");
    hand_close(&h);
    mcx_report *r = verify_cap(&h.cap, NULL);
    assert_true(mcx_report_has(r, "PC-021"));
    mcx_report_free(r);
    free(h.cap.buf);

    hand_begin(&h, 1000, 9000, 1);
    hand_send(&h, 1, REQ_A);
    hand_send(&h, 0, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!");
    hand_close(&h);
    r = verify_cap(&h.cap, NULL);
    assert_true(mcx_report_has(r, "PC-021"));
    mcx_report_free(r);
    free(h.cap.buf);

    hand_begin(&h, 1000, 9000, 1);
    hand_send(&h, 1, REQ_A);
    hand_send(&h, 0, "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999\r\n\r\nshort");
    hand_close(&h);
    r = verify_cap(&h.cap, NULL);
    assert_true(mcx_report_has(r, "PC-022"));
    mcx_report_free(r);
    free(h.cap.buf);
}

static void test_http_302_first_hop(void **state)
{
    (void)state;
    mcx_topology *t = default_topo();
    pcap_scenario s = *pcap_golden_at(0);
    s.breaks = MCXD_BREAK_HTTP_302;
    capture c;
    record_scenario(&c, t, &s);
    mcx_report *r = verify_cap(&c, t);
    assert_true(mcx_report_has(r, "PC-033"));
    assert_false(mcx_report_has(r, "PC-030"));
    mcx_report_free(r);
    free(c.buf);
    mcx_topology_free(t);
}

static void test_discovery_order(void **state)
{
    (void)state;
    mcx_topology *t = default_topo();
    pcap_scenario s = *pcap_golden_at(1); /* external */
    s.names[0] = "lyncdiscover.contoso.test";
    s.names[1] = "lyncdiscoverinternal.contoso.test";
    s.server_addr = "127.0.1.12";
    capture c;
    record_scenario(&c, t, &s);
    mcx_report *r = verify_cap(&c, t);
    assert_true(mcx_report_has(r, "PC-030"));
    mcx_report_free(r);
    free(c.buf);

    s.names[1] = NULL; /* lyncdiscoverinternal never tried */
    record_scenario(&c, t, &s);
    r = verify_cap(&c, t);
    assert_true(mcx_report_has(r, "PC-030"));
    mcx_report_free(r);
    free(c.buf);
    mcx_topology_free(t);
}

static void test_accept_missing_and_wrong_dns(void **state)
{
    (void)state;
    mcx_topology *t = default_topo();
    pcap_scenario s = *pcap_golden_at(0);
    s.accept = NULL;
    capture c;
    record_scenario(&c, t, &s);
    mcx_report *r = verify_cap(&c, t);
    assert_true(mcx_report_has(r, "PC-031"));
    mcx_report_free(r);
    free(c.buf);

    /* A DNS answer that is not in the topology. */
    cap_begin(&c, MCX_PCAP_LINK_ETHERNET);
    mcx_pcap_endpoint cl, ns;
    mcx_pcap_endpoint_set(&cl, "192.0.2.50", 5353);
    mcx_pcap_endpoint_set(&ns, "192.0.2.53", 53);
    const char *bad = "203.0.113.9";
    size_t ql, rl;
    uint8_t *q = mcx_dns_build_query("lyncdiscoverinternal.contoso.test", 1, 77, &ql);
    uint8_t *a = mcx_dns_build_response("lyncdiscoverinternal.contoso.test", 1, 77, 0, &bad,
                                        1, 60, &rl);
    assert_non_null(q);
    assert_non_null(a);
    mcx_pcap_write_udp(c.w, &cl, &ns, q, ql);
    mcx_pcap_write_udp(c.w, &ns, &cl, a, rl);
    mcx_pcap_write_udp(c.w, &cl, &ns, q, ql); /* asked again, never answered */
    mcx_pcap_write_udp(c.w, &cl, &ns, "\x01\x02\x03", 3); /* malformed */
    free(q);
    free(a);
    cap_end(&c);
    r = verify_cap(&c, t);
    assert_true(mcx_report_has(r, "PC-042"));
    assert_true(mcx_report_has(r, "PC-041"));
    assert_true(mcx_report_has(r, "PC-040"));
    mcx_report_free(r);
    free(c.buf);
    mcx_topology_free(t);
}

/* The finding `id` of `r`, or NULL. */
static const mcx_finding *finding_of(const mcx_report *r, const char *id)
{
    for (size_t i = 0; i < r->nfindings; i++)
        if (strcmp(r->findings[i].id, id) == 0)
            return &r->findings[i];
    return NULL;
}

/* One lookup answered by the reference responder serving the topology's
 * `served` view on `resolver` (lib/pcap_dns_rules.c judges it by the
 * resolver's address). */
static void served_lookup(capture *c, const mcx_topology *t, int served, const char *resolver,
                          const char *name, uint16_t qtype, uint16_t id)
{
    char err[256], addr[64];
    mcx_pcap_endpoint cl, ns;
    struct mcxdns_zoneset *zs = pcap_dns_zones_from_topology(t, served, 0, err, sizeof err);
    assert_non_null(zs);
    assert_int_equal(mcx_pcap_endpoint_set(&cl, strchr(resolver, ':') ? "fd00::50" : "10.1.1.50",
                                           40000 + id), 0);
    assert_int_equal(mcx_pcap_endpoint_set(&ns, resolver, 53), 0);
    assert_int_equal(pcap_dns_exchange(c->w, zs, &cl, &ns, name, qtype, id, addr, sizeof addr,
                                       err, sizeof err), 0);
    mcxdns_zoneset_free(zs);
}

/* The report of a capture holding the A lookup of `name` (and the AAAA
 * one when `both`) answered as served_lookup does. */
static mcx_report *lookup_report(const mcx_topology *t, int served, const char *resolver,
                                 const char *name, int both)
{
    capture c;
    cap_begin(&c, strchr(resolver, ':') ? MCX_PCAP_LINK_RAW : MCX_PCAP_LINK_ETHERNET);
    served_lookup(&c, t, served, resolver, name, 1, 11);
    if (both)
        served_lookup(&c, t, served, resolver, name, 28, 12);
    cap_end(&c);
    mcx_report *r = verify_cap(&c, t);
    free(c.buf);
    return r;
}

static void test_dns_rules_on_answers(void **state)
{
    (void)state;
    mcx_topology *t = default_topo();
    capture c;

    /* The public DNS (198.51.100.53) serves the internal records: the
     * phone's first lookup shows lyncdiscoverinternal resolving outside. */
    mcx_report *r = lookup_report(t, MCX_ACCESS_INTERNAL, "198.51.100.53",
                                  "lyncdiscoverinternal.contoso.test", 0);
    const mcx_finding *f = finding_of(r, "DNS-005");
    assert_non_null(f);
    assert_non_null(f->evidence.excerpt);
    assert_non_null(strstr(f->evidence.excerpt, "resolver 198.51.100.53, frames 1,2"));
    assert_string_equal(f->subject, "contoso.test");
    /* lyncdiscover was never asked: not reported missing (DNS-002), and the
     * web FQDN rules are not judged (DNS-011). */
    assert_false(mcx_report_has(r, "DNS-002"));
    assert_false(mcx_report_has(r, "DNS-011"));
    assert_true(has_step(r, "discovery external contoso.test: lyncdiscoverinternal.contoso.test"));
    mcx_report_free(r);

    /* An internal resolver (10.1.1.53) serving the public records:
     * NXDOMAIN for lyncdiscoverinternal is DNS-001. */
    r = lookup_report(t, MCX_ACCESS_EXTERNAL, "10.1.1.53", "lyncdiscoverinternal.contoso.test", 0);
    assert_true(mcx_report_has(r, "DNS-001"));
    assert_false(mcx_report_has(r, "DNS-005"));
    assert_false(mcx_report_has(r, "DNS-008"));
    assert_true(has_step(r, "discovery internal contoso.test: none"));
    mcx_report_free(r);

    /* Right answers from the right resolver (ULA: internal), asked over
     * IPv6: nothing to report. */
    r = lookup_report(t, MCX_ACCESS_INTERNAL, "fd00::53", "lyncdiscoverinternal.fabrikam.test", 1);
    dump_findings(r);
    assert_int_equal(r->nfindings, 0);
    assert_true(
        has_step(r, "discovery internal fabrikam.test: lyncdiscoverinternal.fabrikam.test"));
    mcx_report_free(r);

    /* No answer, and SERVFAIL: DNS-021 and DNS-022, with the frames. */
    cap_begin(&c, MCX_PCAP_LINK_ETHERNET);
    mcx_pcap_endpoint cl, ns;
    mcx_pcap_endpoint_set(&cl, "10.1.1.50", 5353);
    mcx_pcap_endpoint_set(&ns, "10.1.1.53", 53);
    size_t ql, rl;
    uint8_t *q = mcx_dns_build_query("lyncdiscoverinternal.contoso.test", 1, 41, &ql);
    uint8_t *q2 = mcx_dns_build_query("lyncdiscover.contoso.test", 1, 42, &rl);
    mcx_pcap_write_udp(c.w, &cl, &ns, q, ql);
    mcx_pcap_write_udp(c.w, &cl, &ns, q2, rl);
    free(q);
    free(q2);
    uint8_t *a = mcx_dns_build_response("lyncdiscover.contoso.test", 1, 42, 2, NULL, 0, 60, &rl);
    assert_non_null(a);
    mcx_pcap_write_udp(c.w, &ns, &cl, a, rl);
    free(a);
    cap_end(&c);
    r = verify_cap(&c, t);
    f = finding_of(r, "DNS-021");
    assert_non_null(f);
    assert_non_null(strstr(f->message, "lyncdiscoverinternal.contoso.test A to 10.1.1.53"));
    assert_non_null(strstr(f->message, "frame 1"));
    f = finding_of(r, "DNS-022");
    assert_non_null(f);
    assert_non_null(strstr(f->message, "answered SERVFAIL (frames 2,3)"));
    assert_false(mcx_report_has(r, "DNS-001"));
    mcx_report_free(r);
    free(c.buf);
    mcx_topology_free(t);
}

static void test_hostile_files(void **state)
{
    (void)state;
    mcx_topology *t = default_topo();
    capture c;
    record_scenario(&c, t, pcap_golden_at(0));
    mcx_pcap_verify_options o;
    memset(&o, 0, sizeof o);
    o.topo = t;
    /* Truncated at every 37th byte: a cut inside a record is PC-001, a cut
     * on a record boundary is a shorter, valid capture. */
    for (size_t cut = 0; cut < c.len; cut += 37) {
        int boundary = cut == 24;
        for (size_t off = 24; off + 16 <= c.len;) {
            uint32_t caplen;
            memcpy(&caplen, c.buf + off + 8, 4);
            off += 16 + caplen;
            if (off == cut)
                boundary = 1;
        }
        mcx_report *r = verify_bytes(c.buf, cut, &o);
        if (!boundary)
            assert_true(mcx_report_has(r, "PC-001"));
        mcx_report_free(r);
    }
    mcx_report *r = verify_bytes(c.buf, c.len - 7, &o);
    assert_true(mcx_report_has(r, "PC-001"));
    mcx_report_free(r);

    /* Bogus lengths: every IPv4 total length set to 0xffff; snaplen cut. */
    char *copy = malloc(c.len);
    memcpy(copy, c.buf, c.len);
    size_t off = 24; /* pcap file header */
    char *snap = NULL;
    size_t snaplen_len = 0;
    FILE *sf = open_memstream(&snap, &snaplen_len);
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 120);
    pcap_dumper_t *dump = pcap_dump_fopen(dead, sf);
    while (off + 16 <= c.len) {
        uint32_t caplen;
        memcpy(&caplen, copy + off + 8, 4);
        unsigned char *frame = (unsigned char *)copy + off + 16;
        struct pcap_pkthdr h;
        memset(&h, 0, sizeof h);
        h.len = caplen;
        h.caplen = caplen > 120 ? 120 : caplen;
        pcap_dump((u_char *)dump, &h, (const u_char *)c.buf + off + 16);
        frame[14 + 2] = 0xff;
        frame[14 + 3] = 0xff;
        off += 16 + caplen;
    }
    pcap_dump_close(dump);
    pcap_close(dead);
    r = verify_bytes(copy, c.len, &o);
    assert_true(mcx_report_has(r, "PC-003"));
    mcx_report_free(r);
    r = verify_bytes(snap, snaplen_len, &o);
    assert_true(mcx_report_has(r, "PC-002"));
    mcx_report_free(r);
    free(snap);
    free(copy);

    /* Not a capture at all. */
    r = verify_bytes("this is not a pcap file at all", 30, &o);
    assert_true(mcx_report_has(r, "PC-001"));
    mcx_report_free(r);
    free(c.buf);
    mcx_topology_free(t);
}

static void test_dns_roundtrip(void **state)
{
    (void)state;
    const char *addrs[] = {"192.0.2.1", "192.0.2.2"};
    size_t len;
    uint8_t *w = mcx_dns_build_response("LyncDiscover.Contoso.Test", 1, 4242, 0, addrs, 2, 60,
                                        &len);
    assert_non_null(w);
    mcx_dns_msg m;
    char why[128];
    assert_int_equal(mcx_dns_decode(w, len, &m, why, sizeof why), 0);
    assert_int_equal(m.id, 4242);
    assert_true(m.is_response);
    assert_string_equal(m.qname, "lyncdiscover.contoso.test");
    assert_int_equal(m.nanswers, 2);
    assert_string_equal(m.answer[1], "192.0.2.2");
    assert_int_equal(mcx_dns_decode(w, 5, &m, why, sizeof why), -1);
    free(w);
}

/* A real ClientHello from OpenSSL (client side on memory BIOs). */
static unsigned char *client_hello(const char *sni, size_t *len)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    assert_non_null(ctx);
    SSL *s = SSL_new(ctx);
    BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
    SSL_set_bio(s, rb, wb);
    if (sni)
        SSL_set_tlsext_host_name(s, sni);
    SSL_set_connect_state(s);
    (void)SSL_do_handshake(s);
    char *p;
    long n = BIO_get_mem_data(wb, &p);
    assert_true(n > 0);
    unsigned char *out = malloc((size_t)n);
    memcpy(out, p, (size_t)n);
    *len = (size_t)n;
    SSL_free(s);
    SSL_CTX_free(ctx);
    return out;
}

static mcx_report *sni_capture(const mcx_topology *t, const char *sni)
{
    capture c;
    cap_begin(&c, MCX_PCAP_LINK_ETHERNET);
    mcx_pcap_endpoint cl, ns;
    mcx_pcap_endpoint_set(&cl, "198.51.100.50", 5353);
    mcx_pcap_endpoint_set(&ns, "198.51.100.53", 53);
    const char *addr = "127.0.1.40"; /* the reverse proxy: what the DNS rules require */
    const char *names[2] = {"lyncdiscoverinternal.contoso.test", "lyncdiscover.contoso.test"};
    for (int i = 0; i < 2; i++) {
        size_t ql, rl;
        uint8_t *q = mcx_dns_build_query(names[i], 1, (uint16_t)(10 + i), &ql);
        uint8_t *a = mcx_dns_build_response(names[i], 1, (uint16_t)(10 + i), i ? 0 : 3, &addr,
                                            i ? 1 : 0, 60, &rl);
        mcx_pcap_write_udp(c.w, &cl, &ns, q, ql);
        mcx_pcap_write_udp(c.w, &ns, &cl, a, rl);
        free(q);
        free(a);
    }
    mcx_pcap_endpoint client, server;
    mcx_pcap_endpoint_set(&client, "198.51.100.50", 50000);
    mcx_pcap_endpoint_set(&server, addr, 4443);
    mcx_pcap_tcp_conn conn;
    mcx_pcap_tcp_init(&conn, &client, &server, 1, 2);
    mcx_pcap_tcp_handshake(c.w, &conn);
    size_t hlen;
    unsigned char *hello = client_hello(sni, &hlen);
    conn.mss = 100; /* the hello spans several segments */
    mcx_pcap_tcp_send(c.w, &conn, 1, hello, hlen);
    mcx_pcap_tcp_close(c.w, &conn);
    free(hello);
    cap_end(&c);
    mcx_report *r = verify_cap(&c, t);
    free(c.buf);
    return r;
}

static void test_tls_sni(void **state)
{
    (void)state;
    mcx_topology *t = default_topo();
    mcx_report *r = sni_capture(t, "lyncdiscover.contoso.test");
    dump_findings(r);
    assert_true(has_step(r, "TLS ClientHello 198.51.100.50:50000 -> 127.0.1.40:4443 SNI "
                            "lyncdiscover.contoso.test"));
    assert_int_equal(r->nfindings, 0);
    mcx_report_free(r);
    r = sni_capture(t, "webext01.contoso.test");
    assert_true(mcx_report_has(r, "PC-035"));
    mcx_report_free(r);
    r = sni_capture(t, NULL);
    assert_true(mcx_report_has(r, "PC-035"));
    mcx_report_free(r);
    mcx_topology_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_scenarios_verify_clean),
        cmocka_unit_test(test_reorder_and_retransmit_tolerated),
        cmocka_unit_test(test_acked_data_never_captured),
        cmocka_unit_test(test_retransmission_different_data),
        cmocka_unit_test(test_gap_resynchronises),
        cmocka_unit_test(test_missing_handshake),
        cmocka_unit_test(test_sequence_wraparound),
        cmocka_unit_test(test_pipelined_chunked_head_close),
        cmocka_unit_test(test_conflicting_lengths_and_giant_length),
        cmocka_unit_test(test_http_302_first_hop),
        cmocka_unit_test(test_discovery_order),
        cmocka_unit_test(test_accept_missing_and_wrong_dns),
        cmocka_unit_test(test_dns_rules_on_answers),
        cmocka_unit_test(test_hostile_files),
        cmocka_unit_test(test_dns_roundtrip),
        cmocka_unit_test(test_tls_sni),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
