/*
 * test_pcap_tls.c -- unit tests of HTTPS in captures: the deterministic TLS
 * recorder (conformance/pcap_record_tls.c) and what `pcap verify` reads back
 * (lib/pcap_tls.c through lib/pcap_rules.c), all in memory.
 *
 * Owns: byte-identical TLS 1.2 / 1.3 recordings (and that another seed
 * changes them), the SNI and certificate steps, CT-021 for a certificate
 * that does not cover the SNI (conformance/pki/no-lyncdiscoverinternal.pem),
 * no certificate check when TLS 1.3 hides it, PC-035 for an SNI other than
 * the resolved name (none for another name resolved to that address), and
 * the bounds notes of the Certificate scan on hand-made malformed server
 * flights. Does not own: the golden files
 * (conformance/test/pcap_tls.sh) nor the plain-HTTP layers (test_pcap.c).
 * Needs conformance/pki: found under $MCX_TOP, else the current directory.
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

#include "mcx/dns_decode.h"
#include "mcx/pcap.h"
#include "pcap_record.h"
#include "pcap_test.h"

typedef struct capture {
    char *buf;
    size_t len;
} capture;

static const char *pki_dir(void)
{
    static char dir[4096]; /* set once per process, read-only after */
    const char *top = getenv("MCX_TOP");
    snprintf(dir, sizeof dir, "%s/conformance/pki", top && *top ? top : ".");
    return dir;
}


/* Record `s` (with `cert` instead of its own when not NULL) into memory. */
static int record(capture *c, const mcx_topology *t, const pcap_tls_scenario *s,
                  const char *cert, uint64_t seed, char *err, size_t errlen)
{
    pcap_tls_scenario copy = *s;
    if (cert)
        copy.cert = cert;
    memset(c, 0, sizeof *c);
    FILE *f = open_memstream(&c->buf, &c->len);
    assert_non_null(f);
    mcx_pcap_writer *w = mcx_pcap_writer_fopen(f, copy.base.linktype, T_NOW, 1000, err, errlen);
    assert_non_null(w);
    int rc = pcap_record_tls_scenario(w, t, &copy, pki_dir(), T_NOW, seed, err, errlen);
    assert_int_equal(mcx_pcap_writer_close(w), 0); /* closes the memstream */
    return rc;
}

static void record_ok(capture *c, const mcx_topology *t, const pcap_tls_scenario *s,
                      const char *cert, uint64_t seed)
{
    char err[1024] = "";
    int rc = record(c, t, s, cert, seed, err, sizeof err);
    if (rc != 0)
        print_message("record %s: %s\n", s->base.name, err);
    assert_int_equal(rc, 0);
}

static mcx_report *verify(const capture *c, const mcx_topology *t)
{
    mcx_report *rep = mcx_report_new("mcxcheck", "pcap verify", "test");
    mcx_pcap_reader *r = mem_reader(c->buf, c->len);
    mcx_pcap_verify_options o;
    memset(&o, 0, sizeof o);
    o.topo = t;
    assert_int_equal(mcx_pcap_verify(r, &o, rep), 0);
    mcx_pcap_reader_close(r);
    return rep;
}

/* Record a scenario of `version` serving `cert` (NULL: its own) and
 * verify it; the steps and findings are printed for a failing assertion. */
static mcx_report *record_verify(const mcx_topology *t, const pcap_tls_scenario *s,
                                 const char *cert)
{
    capture c;
    record_ok(&c, t, s, cert, 1);
    mcx_report *r = verify(&c, t);
    free(c.buf);
    for (size_t i = 0; i < r->nsteps; i++)
        print_message("  step %s\n", r->steps[i].title);
    for (size_t i = 0; i < r->nfindings; i++)
        print_message("  finding %s: %s\n", r->findings[i].id, r->findings[i].message);
    return r;
}

static const mcx_step *step_prefix(const mcx_report *r, const char *prefix)
{
    for (size_t i = 0; i < r->nsteps; i++)
        if (strncmp(r->steps[i].title, prefix, strlen(prefix)) == 0)
            return &r->steps[i];
    return NULL;
}

static size_t count_id(const mcx_report *r, const char *prefix)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nfindings; i++)
        if (strncmp(r->findings[i].id, prefix, strlen(prefix)) == 0)
            n++;
    return n;
}

static const pcap_tls_scenario *scenario(int version)
{
    for (size_t i = 0; i < pcap_tls_golden_count(); i++)
        if (pcap_tls_golden_at(i)->version == version)
            return pcap_tls_golden_at(i);
    fail_msg("no golden TLS scenario of version %x", version);
    return NULL;
}

static void test_deterministic(void **state)
{
    (void)state;
    mcx_topology *t = default_topo();
    assert_true(pcap_tls_golden_count() >= 2);
    for (size_t i = 0; i < pcap_tls_golden_count(); i++) {
        capture a, b, c;
        record_ok(&a, t, pcap_tls_golden_at(i), NULL, 1);
        record_ok(&b, t, pcap_tls_golden_at(i), NULL, 1);
        record_ok(&c, t, pcap_tls_golden_at(i), NULL, 2);
        assert_int_equal(a.len, b.len);
        assert_memory_equal(a.buf, b.buf, a.len);
        /* another seed: other randoms, so the comparison above can fail */
        assert_true(a.len != c.len || memcmp(a.buf, c.buf, a.len) != 0);
        free(a.buf);
        free(b.buf);
        free(c.buf);
    }
    mcx_topology_free(t);
}

static void test_tls12_certificate_checked(void **state)
{
    (void)state;
    mcx_topology *t = default_topo();
    mcx_report *r = record_verify(t, scenario(TLS1_2_VERSION), NULL);
    assert_int_equal(r->nfindings, 0);
    /* addresses come from the topology's DNS answers: not asserted here */
    const mcx_step *s = step_prefix(r, "TLS ClientHello 192.0.2.60:49160 -> ");
    assert_non_null(s);
    assert_non_null(strstr(s->title, ":443 SNI lyncdiscoverinternal.contoso.test"));
    s = step_prefix(r, "TLS server certificate ");
    assert_non_null(s);
    assert_non_null(strstr(s->title, ":443: subject /CN="));
    assert_non_null(strstr(s->title, "thumbprint "));
    mcx_report_free(r);

    /* the certificate without lyncdiscoverinternal.*: CT-021 for the SNI */
    r = record_verify(t, scenario(TLS1_2_VERSION), "no-lyncdiscoverinternal.pem");
    assert_int_equal(count_id(r, "CT-021"), 1);
    assert_int_equal(r->nfindings, 1);
    assert_non_null(strstr(r->findings[0].message, "lyncdiscoverinternal.contoso.test"));
    assert_non_null(strstr(r->findings[0].message, ":443: the certificate presented"));
    mcx_report_free(r);
    mcx_topology_free(t);
}

static void test_tls13_certificate_hidden(void **state)
{
    (void)state;
    mcx_topology *t = default_topo();
    /* even a certificate that misses the name cannot be judged: it is encrypted */
    mcx_report *r = record_verify(t, scenario(TLS1_3_VERSION), "no-lyncdiscover.pem");
    assert_int_equal(count_id(r, "CT-"), 0);
    assert_int_equal(count_id(r, "PC-"), 0);
    const mcx_step *s = step_prefix(r, "TLS ClientHello 198.51.100.60:49161 -> ");
    assert_non_null(s);
    assert_non_null(strstr(s->title, ":4443 SNI lyncdiscover.contoso.test"));
    s = step_prefix(r, "TLS server certificate ");
    assert_non_null(s);
    assert_non_null(strstr(s->title, ":4443: not checked"));
    assert_non_null(strstr(s->title, "TLS 1.3"));
    mcx_report_free(r);
    mcx_topology_free(t);
}

static void test_sni_other_than_resolved(void **state)
{
    (void)state;
    mcx_topology *t = default_topo();
    pcap_tls_scenario s = *scenario(TLS1_2_VERSION);
    s.base.host = "pool01.contoso.test"; /* resolved lyncdiscoverinternal, sent another SNI */
    mcx_report *r = record_verify(t, &s, NULL);
    assert_int_equal(count_id(r, "PC-035"), 1);
    assert_int_equal(count_id(r, "CT-021"), 0); /* lab.pem covers pool01 */
    mcx_report_free(r);
    mcx_topology_free(t);
}

/* A User URL's host (no lyncdiscover name) resolved to the same address
 * before the connection is a correct SNI: no PC-035. */
static void test_sni_resolved_other_name(void **state)
{
    (void)state;
    mcx_topology *t = default_topo();
    const char *addr = mcx_topology_autodiscover_pool(t)->internal_ip;
    pcap_tls_scenario s = *scenario(TLS1_2_VERSION);
    s.base.host = "dir01.contoso.test";
    capture c;
    memset(&c, 0, sizeof c);
    FILE *f = open_memstream(&c.buf, &c.len);
    assert_non_null(f);
    char err[1024] = "";
    mcx_pcap_writer *w = mcx_pcap_writer_fopen(f, s.base.linktype, T_NOW, 1000, err, sizeof err);
    assert_non_null(w);
    mcx_pcap_endpoint cl, ns;
    mcx_pcap_endpoint_set(&cl, s.base.client_addr, 5353);
    mcx_pcap_endpoint_set(&ns, s.base.resolver_addr, 53);
    size_t ql, rl;
    uint8_t *q = mcx_dns_build_query(s.base.host, 1, 77, &ql);
    uint8_t *a = mcx_dns_build_response(s.base.host, 1, 77, 0, &addr, 1, 60, &rl);
    assert_int_equal(mcx_pcap_write_udp(w, &cl, &ns, q, ql), 0);
    assert_int_equal(mcx_pcap_write_udp(w, &ns, &cl, a, rl), 0);
    free(q);
    free(a);
    int rc = pcap_record_tls_scenario(w, t, &s, pki_dir(), T_NOW, 1, err, sizeof err);
    assert_int_equal(mcx_pcap_writer_close(w), 0);
    assert_int_equal(rc, 0);
    mcx_report *r = verify(&c, t);
    free(c.buf);
    assert_int_equal(count_id(r, "PC-035"), 0);
    assert_int_equal(count_id(r, "CT-021"), 0); /* lab.pem covers dir01 */
    assert_non_null(step_prefix(r, "TLS server certificate "));
    mcx_report_free(r);
    mcx_topology_free(t);
}

static void test_missing_pki_is_an_error(void **state)
{
    (void)state;
    mcx_topology *t = default_topo();
    capture c;
    char err[1024] = "";
    assert_int_equal(record(&c, t, scenario(TLS1_2_VERSION), "does-not-exist.pem", 1, err,
                            sizeof err), -1);
    assert_non_null(strstr(err, "does-not-exist.pem"));
    free(c.buf);
    mcx_topology_free(t);
}

/* ---- the Certificate scan on hand-made server flights ---- */

static const char *scan_server(const uint8_t *flight, size_t len, int *has_leaf)
{
    static char note[256]; /* the last note, for the caller's assertions */
    mcx_pcap_tls *tls = mcx_pcap_tls_new();
    assert_non_null(tls);
    unsigned ev = 0;
    for (size_t i = 0; i < len; i += 7) /* odd pieces: framing across calls */
        ev |= mcx_pcap_tls_data(tls, 1, flight + i, len - i < 7 ? len - i : 7);
    ev |= mcx_pcap_tls_finish(tls);
    assert_true(ev & MCX_PCAP_TLS_EV_CERT);
    *has_leaf = mcx_pcap_tls_leaf(tls) != NULL;
    snprintf(note, sizeof note, "%s", mcx_pcap_tls_note(tls));
    mcx_pcap_tls_free(tls);
    return note;
}

static void test_scan_bounds(void **state)
{
    (void)state;
    int leaf;
    /* a record longer than 2^14 + 2048 */
    const uint8_t huge[] = {22, 3, 3, 0xff, 0xff, 0};
    assert_non_null(strstr(scan_server(huge, sizeof huge, &leaf), "offset 0: record length "
                                                                   "65535 exceeds 18432"));
    assert_false(leaf);
    /* Certificate whose certificate_list claims more than the message */
    const uint8_t list[] = {22, 3, 3, 0, 10, 11, 0, 0, 6, 0, 0, 9, 0, 0, 1};
    assert_non_null(strstr(scan_server(list, sizeof list, &leaf), "certificate_list length 9 "
                                                                   "does not fit"));
    /* first certificate longer than the list */
    const uint8_t first[] = {22, 3, 3, 0, 13, 11, 0, 0, 9, 0, 0, 6, 0, 0, 7, 1, 2, 3};
    assert_non_null(strstr(scan_server(first, sizeof first, &leaf), "first certificate length "
                                                                     "7 exceeds"));
    /* a certificate that is not DER */
    const uint8_t junk[] = {22, 3, 3, 0, 13, 11, 0, 0, 9, 0, 0, 6, 0, 0, 3, 1, 2, 3};
    assert_non_null(strstr(scan_server(junk, sizeof junk, &leaf), "not one DER X.509"));
    /* a handshake message beyond the bound */
    const uint8_t big[] = {22, 3, 3, 0, 4, 2, 0x7f, 0xff, 0xff};
    assert_non_null(strstr(scan_server(big, sizeof big, &leaf), "exceeds the bound"));
    /* encrypted records first (TLS 1.3) */
    const uint8_t ccs[] = {22, 3, 3, 0, 4, 2, 0, 0, 0, 20, 3, 3, 0, 1, 1};
    assert_non_null(strstr(scan_server(ccs, sizeof ccs, &leaf), "offset 9: encrypted records"));
    /* not TLS at all, and a capture that stops mid-record */
    const uint8_t http[] = "HTTP/1.1 200 OK\r\n";
    assert_non_null(strstr(scan_server(http, sizeof http - 1, &leaf), "record type 72 is not"));
    const uint8_t cut[] = {22, 3, 3, 0, 40, 2, 0};
    assert_non_null(strstr(scan_server(cut, sizeof cut, &leaf), "the capture ends inside"));
    /* a ClientHello that is not one */
    char sni[64];
    assert_int_equal(mcx_pcap_tls_hello_sni((const uint8_t *)"\x16\x03\x01\x00\x01\x01", 6, sni,
                                            sizeof sni), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_tls12_certificate_checked),
        cmocka_unit_test(test_tls13_certificate_hidden),
        cmocka_unit_test(test_sni_other_than_resolved),
        cmocka_unit_test(test_sni_resolved_other_name),
        cmocka_unit_test(test_missing_pki_is_an_error),
        cmocka_unit_test(test_scan_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
