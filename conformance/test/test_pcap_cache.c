/*
 * test_pcap_cache.c -- the memos `pcap verify` uses for speed give exactly
 * the report a fresh decode gives.
 *
 * Owns: cached vs uncached (mcx_pcap_verify_options.uncached) reports on
 * every golden scenario, each repeated as the bulk capture repeats it and
 * with mcxd breaks so documents carry findings, rendered in jsonl and text
 * and compared byte for byte; the validation cache on its own (hits, a
 * changed context is a miss, findings replayed in order); the DNS decode
 * memo against plain decoding (IDs differ, bodies equal); and the step
 * stream writing the same bytes as a one-shot render of the same capture;
 * the IPv4 address formatter against inet_ntop. Does not own: what the
 * rules find (test_pcap.c) nor the report formats
 * (lib/test/test_report_stream.c, test_report.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <arpa/inet.h>

#include "../../lib/validate_cache.h"
#include "mcx/autodiscover.h"
#include "mcx/dns_decode.h"
#include "mcx/pcap.h"
#include "mcxd_http.h"
#include "pcap_record.h"
#include "pcap_test.h"

#define ROUNDS 3
#define STREAM_ROUNDS 120

/* Scenario `s` repeated `rounds` times with fresh client ports and ISNs (as
 * pcap_record_bulk does) into a malloc'd capture. */
static char *record_rounds(const mcx_topology *t, pcap_scenario s, uint32_t rounds, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    assert_non_null(f);
    char err[512];
    mcx_pcap_writer *w = mcx_pcap_writer_fopen(f, s.linktype, T_NOW, 1000, err, sizeof err);
    assert_non_null(w);
    uint32_t cisn = s.client_isn, sisn = s.server_isn;
    for (uint32_t round = 0; round < rounds; round++) {
        s.client_port = (uint16_t)(2000 + round);
        s.client_isn = cisn + round * 100003u;
        s.server_isn = sisn + round * 7919u;
        int rc = pcap_record_scenario(w, t, &s, T_NOW, 1, err, sizeof err);
        if (rc != 0)
            print_message("record: %s\n", err);
        assert_int_equal(rc, 0);
    }
    assert_int_equal(mcx_pcap_writer_close(w), 0); /* closes the memstream */
    return buf;
}

static mcx_report *verify_capture(const char *cap, size_t len, const mcx_topology *t,
                                  int uncached)
{
    mcx_pcap_reader *r = mem_reader(cap, len);
    mcx_pcap_verify_options opt;
    memset(&opt, 0, sizeof opt);
    opt.topo = t;
    opt.uncached = uncached;
    mcx_report *rep = mcx_report_new("mcxcheck", "pcap verify", "test.pcap");
    assert_int_equal(mcx_pcap_verify(r, &opt, rep), 0);
    mcx_pcap_reader_close(r);
    return rep;
}

static char *render(const mcx_report *rep, mcx_format fmt, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    assert_non_null(f);
    assert_int_equal(mcx_report_write(rep, fmt, 0, f), 0);
    fclose(f);
    return buf;
}

static void assert_same_rendering(const mcx_report *a, const mcx_report *b)
{
    static const mcx_format fmts[] = {MCX_FORMAT_JSONL, MCX_FORMAT_TEXT};
    for (size_t k = 0; k < sizeof fmts / sizeof fmts[0]; k++) {
        size_t la, lb;
        char *ra = render(a, fmts[k], &la);
        char *rb = render(b, fmts[k], &lb);
        assert_int_equal(la, lb);
        assert_memory_equal(ra, rb, la);
        free(ra);
        free(rb);
    }
}

static void test_cached_equals_uncached_on_golden(void **state)
{
    (void)state;
    mcx_topology *t = default_topo();
    size_t total_findings = 0, broken = 0;
    assert_true(pcap_golden_count() >= 3);
    for (size_t i = 0; i < pcap_golden_count(); i++) {
        pcap_scenario s = *pcap_golden_at(i);
        /* The scenario as recorded, then with documents that break rules so
         * the cache has findings to replay. */
        for (int variant = 0; variant < 2; variant++) {
            if (variant == 1) {
                s.breaks |= MCXD_BREAK_MCX_INTERNAL | MCXD_BREAK_MULTI_REDIRECT;
                broken++;
            }
            size_t len;
            char *cap = record_rounds(t, s, ROUNDS, &len);
            mcx_report *fresh = verify_capture(cap, len, t, 1);
            mcx_report *cached = verify_capture(cap, len, t, 0);
            assert_true(fresh->nsteps > ROUNDS);
            assert_int_equal(fresh->nfindings, cached->nfindings);
            assert_same_rendering(fresh, cached);
            total_findings += cached->nfindings;
            mcx_report_free(fresh);
            mcx_report_free(cached);
            free(cap);
        }
    }
    assert_true(broken > 0);
    assert_true(total_findings > 0); /* findings were replayed, not only clean runs */
    mcx_topology_free(t);
}

/* A Root document whose Redirect sits beside other links (AD rule) and
 * whose hrefs are plain http: findings on every validation. */
static const char BROKEN_ROOT[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
    "<AutodiscoverResponse xmlns=\"http://schemas.microsoft.com/rtc/2012/03/Autodiscover\" "
    "AccessLocation=\"Internal\"><Root>"
    "<Link token=\"Redirect\" href=\"http://lyncdiscover.contoso.test/\"/>"
    "<Link token=\"User\" "
    "href=\"http://pool01.contoso.test/Autodiscover/AutodiscoverService.svc/root/user\"/>"
    "</Root></AutodiscoverResponse>";

static void test_validate_cache_replays_findings(void **state)
{
    (void)state;
    mcx_topology *t = default_topo();
    const char *ct = "application/vnd.microsoft.rtc.autodiscover+xml; v=1";
    const char *url = "http://lyncdiscoverinternal.contoso.test/";
    size_t len = strlen(BROKEN_ROOT);
    mcx_vcache *c = mcx_vcache_new(t);
    assert_non_null(c);

    mcx_report *fresh = mcx_report_new("mcxcheck", "t", NULL);
    int rc_fresh = mcx_vcache_check(NULL, t, ct, BROKEN_ROOT, len, 1, MCX_ACCESS_INTERNAL,
                                    fresh, url);
    assert_true(fresh->nfindings > 0);

    mcx_report *twice = mcx_report_new("mcxcheck", "t", NULL);
    for (int k = 0; k < 2; k++)
        assert_int_equal(mcx_vcache_check(c, t, ct, BROKEN_ROOT, len, 1, MCX_ACCESS_INTERNAL,
                                          twice, url),
                         rc_fresh);
    assert_int_equal(mcx_vcache_hits(c), 1);
    assert_int_equal(twice->nfindings, 2 * fresh->nfindings);
    for (size_t i = 0; i < fresh->nfindings; i++) {
        for (size_t k = 0; k < 2; k++) {
            const mcx_finding *a = &fresh->findings[i];
            const mcx_finding *b = &twice->findings[k * fresh->nfindings + i];
            assert_string_equal(a->id, b->id);
            assert_string_equal(a->message, b->message);
            assert_int_equal(a->level, b->level);
        }
    }

    /* Another context (HTTPS, unknown listener) or another URL is a miss. */
    mcx_report *other = mcx_report_new("mcxcheck", "t", NULL);
    mcx_vcache_check(c, t, ct, BROKEN_ROOT, len, 0, -1, other, url);
    mcx_vcache_check(c, t, ct, BROKEN_ROOT, len, 1, MCX_ACCESS_INTERNAL, other,
                     "http://lyncdiscoverinternal.fabrikam.test/");
    assert_int_equal(mcx_vcache_hits(c), 1);

    /* Not a document: the parse result is replayed too. */
    mcx_report *bad = mcx_report_new("mcxcheck", "t", NULL);
    int rc1 = mcx_vcache_check(c, t, ct, "<nope", 5, 1, MCX_ACCESS_INTERNAL, bad, url);
    int rc2 = mcx_vcache_check(c, t, ct, "<nope", 5, 1, MCX_ACCESS_INTERNAL, bad, url);
    assert_int_not_equal(rc1, 0);
    assert_int_equal(rc1, rc2);
    assert_int_equal(mcx_vcache_hits(c), 2);
    assert_true(bad->nfindings >= 2 && bad->nfindings % 2 == 0);

    mcx_report_free(fresh);
    mcx_report_free(twice);
    mcx_report_free(other);
    mcx_report_free(bad);
    mcx_vcache_free(c);
    mcx_topology_free(t);
}

static void test_dns_memo_keeps_ids(void **state)
{
    (void)state;
    mcx_dns_cache *c = mcx_dns_cache_new();
    assert_non_null(c);
    const char *addrs[] = {"127.0.1.11", "127.0.1.12"};
    for (uint16_t id = 1; id <= 3; id++) {
        size_t len;
        uint8_t *w = mcx_dns_build_response("lyncdiscoverinternal.contoso.test", 1,
                                            (uint16_t)(id * 4001), 0, addrs, 2, 300, &len);
        assert_non_null(w);
        mcx_dns_msg plain, memo;
        char why[128];
        assert_int_equal(mcx_dns_decode(w, len, &plain, why, sizeof why), 0);
        assert_int_equal(mcx_dns_decode_cached(c, w, len, &memo, why, sizeof why), 0);
        assert_int_equal(memo.id, id * 4001);
        assert_int_equal(memo.id, plain.id);
        assert_int_equal(memo.nanswers, 2);
        assert_memory_equal(&memo, &plain, sizeof plain);
        free(w);
    }
    /* A different answer with a reused ID is decoded, not replayed. */
    size_t len;
    const char *other[] = {"192.0.2.99"};
    uint8_t *w = mcx_dns_build_response("lyncdiscoverinternal.contoso.test", 1, 4001, 0, other,
                                        1, 300, &len);
    mcx_dns_msg m;
    char why[128];
    assert_int_equal(mcx_dns_decode_cached(c, w, len, &m, why, sizeof why), 0);
    assert_int_equal(m.nanswers, 1);
    assert_string_equal(m.answer[0], "192.0.2.99");
    /* Garbage is an error either way. */
    assert_int_equal(mcx_dns_decode_cached(c, w, 5, &m, why, sizeof why), -1);
    free(w);
    mcx_dns_cache_free(c);
}

/* verify with a step stream writes what a one-shot render writes. */
static void test_stream_equals_one_shot(void **state)
{
    (void)state;
    mcx_topology *t = default_topo();
    pcap_scenario s = *pcap_golden_at(0);
    s.breaks |= MCXD_BREAK_MULTI_REDIRECT;
    size_t len;
    /* Enough exchanges that verify flushes the stream mid-capture. */
    char *cap = record_rounds(t, s, STREAM_ROUNDS, &len);
    static const mcx_format fmts[] = {MCX_FORMAT_JSONL, MCX_FORMAT_TEXT};
    for (size_t k = 0; k < 2; k++) {
        mcx_report *whole = verify_capture(cap, len, t, 0);
        size_t lw;
        char *expect = render(whole, fmts[k], &lw);

        char *got = NULL;
        size_t lg = 0;
        FILE *out = open_memstream(&got, &lg);
        mcx_pcap_reader *r = mem_reader(cap, len);
        mcx_report *rep = mcx_report_new("mcxcheck", "pcap verify", "test.pcap");
        mcx_pcap_verify_options opt;
        memset(&opt, 0, sizeof opt);
        opt.topo = t;
        opt.step_stream = mcx_report_stream_open(rep, fmts[k], 0, 0, out);
        assert_non_null(opt.step_stream);
        assert_int_equal(mcx_pcap_verify(r, &opt, rep), 0);
        mcx_pcap_reader_close(r);
        assert_int_equal(mcx_report_stream_close(opt.step_stream), 0);
        fclose(out);
        assert_true(whole->nsteps > 2 * 256); /* VERIFY_STREAM_BATCH, twice over */
        assert_int_equal(rep->nsteps, 0);     /* all written and freed */
        assert_int_equal(lg, lw);
        assert_memory_equal(got, expect, lw);
        assert_int_equal(rep->nfindings, whole->nfindings);
        free(got);
        free(expect);
        mcx_report_free(rep);
        mcx_report_free(whole);
    }
    free(cap);
    mcx_topology_free(t);
}

static void test_addr_str_matches_inet_ntop(void **state)
{
    (void)state;
    static const uint8_t bytes[] = {0, 1, 9, 10, 42, 99, 100, 127, 199, 200, 254, 255};
    size_t nb = sizeof bytes;
    for (size_t i = 0; i < nb * nb * nb * nb; i += 7) {
        uint8_t a[4] = {bytes[i % nb], bytes[i / nb % nb], bytes[i / nb / nb % nb],
                        bytes[i / nb / nb / nb % nb]};
        char got[64], want[64];
        mcx_pcap_addr_str(4, a, got, sizeof got);
        assert_non_null(inet_ntop(AF_INET, a, want, sizeof want));
        assert_string_equal(got, want);
    }
    uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x50};
    char got[64];
    mcx_pcap_addr_str(6, a6, got, sizeof got);
    assert_string_equal(got, "2001:db8::50");
    uint8_t a4[4] = {192, 0, 2, 50};
    char small[8];
    mcx_pcap_addr_str(4, a4, small, sizeof small); /* too small: inet_ntop refuses */
    assert_string_equal(small, "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cached_equals_uncached_on_golden),
        cmocka_unit_test(test_validate_cache_replays_findings),
        cmocka_unit_test(test_dns_memo_keeps_ids),
        cmocka_unit_test(test_stream_equals_one_shot),
        cmocka_unit_test(test_addr_str_matches_inet_ntop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
