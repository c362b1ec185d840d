/*
 * test_dns_answer.c -- unit tests of the raw DNS answer analysis
 * (lib/dns_answer.c) on hand-built byte arrays, and of mcxdns's hostile
 * faults (refimpl/dns_responder.c) judged by that analysis.
 *
 * Owns: one test per answer class (truncated header, pointer loop, pointer
 * past the end, truncated record, count past the end, trailing bytes, wrong
 * ID, QR clear, TC, each kind of mismatched question, oversized) with the
 * byte offset each reports, and the fault -> class mapping. Does not own:
 * the live path (conformance/test/dns_hostile.sh runs mcxdns and mcxcheck).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <ldns/ldns.h>

#include "dns_responder.h"
#include "mcx/dns_answer.h"

/* ID 0x1234, QR+AA, one question a.test A IN, one answer a.test A
 * 192.0.2.1 whose owner is a pointer to offset 12. */
static const uint8_t good[] = {
    0x12, 0x34, 0x84, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, /* header 0..11 */
    0x01, 'a',  0x04, 't',  'e',  's',  't',  0x00,                         /* qname 12..19 */
    0x00, 0x01, 0x00, 0x01,                                                 /* A IN 20..23 */
    0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10,             /* RR at 24 */
    0x00, 0x04, 0xc0, 0x00, 0x02, 0x01,                                     /* rdata 36..39 */
};
#define GOOD_LEN sizeof good
#define RR_AT 24

static mcx_dns_answer_query query_a(int over_tcp)
{
    mcx_dns_answer_query q;
    memset(&q, 0, sizeof q);
    q.id = 0x1234;
    q.qname = "a.test";
    q.qtype = LDNS_RR_TYPE_A;
    q.qclass = LDNS_RR_CLASS_IN;
    q.over_tcp = over_tcp;
    q.udp_limit = 512;
    return q;
}

/* Check a copy of `wire` (len bytes) and return the verdict's class. */
static mcx_dns_answer_class check_bytes(const mcx_dns_answer_query *q, const uint8_t *wire,
                                        size_t len, mcx_dns_answer_verdict *v)
{
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, wire, len);
    mcx_dns_answer_class cls = mcx_dns_answer_check(q, copy, len, v);
    free(copy);
    if (cls != MCX_DNS_ANSWER_OK) assert_null(v->pkt);
    assert_int_equal(cls, v->cls);
    assert_true(v->message[0] != '\0');
    return cls;
}

/* Check `good` with the byte at `at` set to `value`: the class, the
 * offset (unless MCX_DNS_ANSWER_NO_OFFSET) and a text of the message. */
static void expect_mutation(const mcx_dns_answer_query *q, size_t at, uint8_t value,
                            mcx_dns_answer_class cls, size_t offset, const char *text)
{
    mcx_dns_answer_verdict v;
    uint8_t w[GOOD_LEN];

    memcpy(w, good, sizeof w);
    w[at] = value;
    assert_int_equal(check_bytes(q, w, sizeof w, &v), cls);
    if (offset != MCX_DNS_ANSWER_NO_OFFSET) assert_int_equal(v.offset, offset);
    if (text != NULL && strstr(v.message, text) == NULL)
        fail_msg("byte %zu = 0x%02x: '%s' lacks '%s'", at, value, v.message, text);
    ldns_pkt_free(v.pkt);
}

static void test_good_answer(void **state)
{
    mcx_dns_answer_query q = query_a(0);
    mcx_dns_answer_verdict v;
    (void)state;

    assert_int_equal(check_bytes(&q, good, GOOD_LEN, &v), MCX_DNS_ANSWER_OK);
    assert_non_null(v.pkt);
    assert_int_equal(ldns_rr_list_rr_count(ldns_pkt_answer(v.pkt)), 1);
    assert_int_equal(v.offset, MCX_DNS_ANSWER_NO_OFFSET);
    ldns_pkt_free(v.pkt);
    /* The question's name compares case-insensitively (0x20 mixing). */
    q.qname = "A.TeSt.";
    assert_int_equal(check_bytes(&q, good, GOOD_LEN, &v), MCX_DNS_ANSWER_OK);
    ldns_pkt_free(v.pkt);
}

static void test_truncated_header(void **state)
{
    mcx_dns_answer_query q = query_a(0);
    mcx_dns_answer_verdict v;
    (void)state;

    for (size_t len = 0; len < 12; len++) {
        assert_int_equal(check_bytes(&q, good, len, &v), MCX_DNS_ANSWER_MALFORMED);
        assert_int_equal(v.offset, len);
        assert_non_null(strstr(v.message, "truncated header"));
    }
}

static void test_wrong_id_and_qr(void **state)
{
    mcx_dns_answer_query q = query_a(0);
    (void)state;

    expect_mutation(&q, 1, 0x35, MCX_DNS_ANSWER_WRONG_ID, 0,
                    "ID is 4661 at byte offset 0, the "
                    "query's ID was 4660");
    expect_mutation(&q, 2, 0x04, MCX_DNS_ANSWER_NOT_RESPONSE, 2, "QR bit");
}

static void test_tc(void **state)
{
    mcx_dns_answer_query q = query_a(0);
    (void)state;

    expect_mutation(&q, 2, 0x86, MCX_DNS_ANSWER_TC, 2, "TC is set");
    /* Over TCP the bit means nothing more: the answer is used. */
    q = query_a(1);
    expect_mutation(&q, 2, 0x86, MCX_DNS_ANSWER_OK, MCX_DNS_ANSWER_NO_OFFSET, NULL);
}

static void test_pointer_loop(void **state)
{
    mcx_dns_answer_query q = query_a(0);
    mcx_dns_answer_verdict v;
    uint8_t w[GOOD_LEN];
    (void)state;

    /* The answer's owner points at itself. */
    expect_mutation(&q, RR_AT + 1, RR_AT, MCX_DNS_ANSWER_MALFORMED, RR_AT,
                    "answer record 1 of 1 at byte offset 24");
    expect_mutation(&q, RR_AT + 1, RR_AT, MCX_DNS_ANSWER_MALFORMED, RR_AT,
                    "compression pointer loop");
    /* Two pointers pointing at each other: the question and the answer. */
    memcpy(w, good, sizeof w);
    w[12] = 0xc0;
    w[13] = RR_AT;
    w[RR_AT + 1] = 12;
    assert_int_equal(check_bytes(&q, w, sizeof w, &v), MCX_DNS_ANSWER_MALFORMED);
    assert_int_equal(v.offset, 12);
    assert_non_null(strstr(v.message, "question record 1"));
    assert_non_null(strstr(v.message, "loop"));
}

static void test_pointer_past_end(void **state)
{
    mcx_dns_answer_query q = query_a(0);
    mcx_dns_answer_verdict v;
    uint8_t w[GOOD_LEN];
    (void)state;

    memcpy(w, good, sizeof w);
    w[RR_AT] = 0xc1;
    w[RR_AT + 1] = 0x00; /* offset 256 of a 40-byte message */
    assert_int_equal(check_bytes(&q, w, sizeof w, &v), MCX_DNS_ANSWER_MALFORMED);
    assert_int_equal(v.offset, RR_AT);
    assert_non_null(strstr(v.message, "points to offset 256, past the end"));
}

static void test_truncated_rr_and_counts(void **state)
{
    mcx_dns_answer_query q = query_a(0);
    mcx_dns_answer_verdict v;
    (void)state;

    /* Cut inside the RDATA, inside the TTL, inside the answer's name, then
     * inside the question. */
    static const size_t cuts[] = {GOOD_LEN - 1, GOOD_LEN - 3, 31, RR_AT + 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        assert_int_equal(check_bytes(&q, good, cuts[i], &v), MCX_DNS_ANSWER_MALFORMED);
        assert_int_equal(v.offset, RR_AT);
    }
    assert_int_equal(check_bytes(&q, good, 16, &v), MCX_DNS_ANSWER_MALFORMED);
    assert_int_equal(v.offset, 12);
    /* The header promises a second answer that is not there. */
    expect_mutation(&q, 7, 2, MCX_DNS_ANSWER_MALFORMED, GOOD_LEN, "count past the end");
    /* An RDATA length past the end. */
    expect_mutation(&q, 35, 0x40, MCX_DNS_ANSWER_MALFORMED, RR_AT, "RDATA");
}

static void test_trailing(void **state)
{
    mcx_dns_answer_query q = query_a(0);
    mcx_dns_answer_verdict v;
    uint8_t w[GOOD_LEN + 3];
    (void)state;

    memcpy(w, good, GOOD_LEN);
    memset(w + GOOD_LEN, 0xab, 3);
    assert_int_equal(check_bytes(&q, w, sizeof w, &v), MCX_DNS_ANSWER_TRAILING);
    assert_int_equal(v.offset, GOOD_LEN);
    assert_non_null(strstr(v.message, "3 byte(s) of trailing garbage"));
}

static void test_wrong_question(void **state)
{
    mcx_dns_answer_query q = query_a(0);
    mcx_dns_answer_verdict v;
    uint8_t w[GOOD_LEN];
    (void)state;

    expect_mutation(&q, 13, 'b', MCX_DNS_ANSWER_WRONG_QUESTION, 12, "'b.test.'");
    q.qtype = LDNS_RR_TYPE_AAAA;
    assert_int_equal(check_bytes(&q, good, GOOD_LEN, &v), MCX_DNS_ANSWER_WRONG_QUESTION);
    assert_non_null(strstr(v.message, "type 1, the query asked type 28"));
    q = query_a(0);
    q.qclass = LDNS_RR_CLASS_CH;
    assert_int_equal(check_bytes(&q, good, GOOD_LEN, &v), MCX_DNS_ANSWER_WRONG_QUESTION);
    assert_non_null(strstr(v.message, "class"));
    /* No question at all. */
    q = query_a(0);
    memcpy(w, good, 12);
    w[5] = 0;
    w[7] = 0;
    assert_int_equal(check_bytes(&q, w, 12, &v), MCX_DNS_ANSWER_WRONG_QUESTION);
    assert_int_equal(v.offset, 4);
}

static void test_oversized(void **state)
{
    mcx_dns_answer_query q = query_a(0);
    mcx_dns_answer_verdict v;
    uint8_t *w = calloc(1, 700);
    (void)state;

    assert_non_null(w);
    memcpy(w, good, GOOD_LEN);
    assert_int_equal(check_bytes(&q, w, 700, &v), MCX_DNS_ANSWER_OVERSIZED);
    assert_int_equal(v.offset, 512);
    assert_non_null(strstr(v.message, "700 bytes over UDP"));
    /* EDNS allowed more: the size is fine, the zero padding is not. */
    q.udp_limit = 1232;
    assert_int_equal(check_bytes(&q, w, 700, &v), MCX_DNS_ANSWER_TRAILING);
    q = query_a(1);
    assert_int_equal(check_bytes(&q, w, 700, &v), MCX_DNS_ANSWER_TRAILING);
    free(w);
}

/* ---- mcxdns faults, judged by the analysis ---------------------------- */

static const char fault_zone[] = "$ORIGIN contoso.test.\n$TTL 3600\n"
                                 "@ IN SOA ns1 hostmaster 1 3600 600 604800 300\n"
                                 "web IN A 192.0.2.21\n";

static mcxdns_zoneset *fault_zoneset(const char *kind, uint64_t seed)
{
    mcx_error err;
    mcxdns_fault f;
    char spec[128], why[256];
    mcx_dns_view *view = mcx_dns_view_new("internal");

    assert_non_null(view);
    assert_int_equal(
        mcx_dns_view_load_zone_memory(view, "t.zone", fault_zone, strlen(fault_zone), NULL, &err),
        0);
    snprintf(spec, sizeof spec, "web.contoso.test=%s", kind);
    assert_int_equal(mcxdns_fault_parse(spec, &f, why, sizeof why), 0);
    mcxdns_zoneset *zs = mcxdns_zoneset_new(view, &f, 1, why, sizeof why);
    assert_non_null(zs);
    mcxdns_zoneset_set_seed(zs, seed);
    return zs;
}

/* Ask web.contoso.test A (ID 77) and judge the answer. */
static mcx_dns_answer_class ask_faulty(const mcxdns_zoneset *zs, int over_tcp,
                                       mcx_dns_answer_verdict *v, uint8_t **raw, size_t *rawlen)
{
    ldns_pkt *q = ldns_pkt_query_new(ldns_dname_new_frm_str("web.contoso.test."), LDNS_RR_TYPE_A,
                                     LDNS_RR_CLASS_IN, 0);
    uint8_t *qwire = NULL, *out = NULL;
    size_t qlen = 0, outlen = 0;
    unsigned delay = 0;
    mcx_dns_answer_query aq = query_a(over_tcp);

    assert_non_null(q);
    ldns_pkt_set_id(q, 77);
    assert_int_equal(ldns_pkt2wire(&qwire, q, &qlen), LDNS_STATUS_OK);
    assert_int_equal(mcxdns_answer(zs, qwire, qlen, over_tcp, &out, &outlen, &delay),
                     MCXDNS_REPLY_SEND);
    aq.id = 77;
    aq.qname = "web.contoso.test";
    mcx_dns_answer_class cls = mcx_dns_answer_check(&aq, out, outlen, v);
    ldns_pkt_free(v->pkt);
    v->pkt = NULL;
    ldns_pkt_free(q);
    free(qwire);
    if (raw != NULL) {
        *raw = out;
        *rawlen = outlen;
    } else {
        free(out);
    }
    return cls;
}

static void test_responder_faults(void **state)
{
    static const struct {
        const char *kind;
        mcx_dns_answer_class udp, tcp;
        const char *text;
    } cases[] = {
        {"wrong-id", MCX_DNS_ANSWER_WRONG_ID, MCX_DNS_ANSWER_WRONG_ID, "ID is 78"},
        {"wrong-question", MCX_DNS_ANSWER_WRONG_QUESTION, MCX_DNS_ANSWER_WRONG_QUESTION,
         "xeb.contoso.test"},
        {"truncated", MCX_DNS_ANSWER_MALFORMED, MCX_DNS_ANSWER_MALFORMED, "answer record 1"},
        {"compression-loop", MCX_DNS_ANSWER_MALFORMED, MCX_DNS_ANSWER_MALFORMED,
         "compression pointer loop"},
        {"garbage", MCX_DNS_ANSWER_MALFORMED, MCX_DNS_ANSWER_MALFORMED, "byte offset"},
        {"oversized", MCX_DNS_ANSWER_OVERSIZED, MCX_DNS_ANSWER_OK, NULL},
        {"servfail", MCX_DNS_ANSWER_OK, MCX_DNS_ANSWER_OK, NULL},
    };
    (void)state;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mcxdns_zoneset *zs = fault_zoneset(cases[i].kind, 42);
        mcx_dns_answer_verdict v;
        assert_int_equal(ask_faulty(zs, 0, &v, NULL, NULL), cases[i].udp);
        if (cases[i].text != NULL && strstr(v.message, cases[i].text) == NULL)
            fail_msg("%s: '%s' lacks '%s'", cases[i].kind, v.message, cases[i].text);
        assert_int_equal(ask_faulty(zs, 1, &v, NULL, NULL), cases[i].tcp);
        mcxdns_zoneset_free(zs);
    }
}

static void test_garbage_is_seeded(void **state)
{
    mcxdns_zoneset *a = fault_zoneset("garbage", 1), *b = fault_zoneset("garbage", 1),
                   *c = fault_zoneset("garbage", 2);
    uint8_t *wa, *wb, *wc;
    size_t la, lb, lc;
    mcx_dns_answer_verdict v;
    (void)state;

    ask_faulty(a, 0, &v, &wa, &la);
    ask_faulty(b, 0, &v, &wb, &lb);
    ask_faulty(c, 0, &v, &wc, &lc);
    assert_int_equal(la, lb);
    assert_memory_equal(wa, wb, la);
    assert_int_equal(la, lc);
    assert_memory_not_equal(wa, wc, la);
    assert_memory_equal(wa, wc, 4); /* ID and flags kept */
    free(wa);
    free(wb);
    free(wc);
    mcxdns_zoneset_free(a);
    mcxdns_zoneset_free(b);
    mcxdns_zoneset_free(c);
}

static void test_fault_names(void **state)
{
    mcxdns_fault f;
    char why[256];
    (void)state;

    assert_int_equal(mcxdns_fault_parse("a.test=bogus", &f, why, sizeof why), -1);
    assert_non_null(strstr(why, "compression-loop"));
    for (int k = 0; k < MCXDNS_FAULT_KINDS; k++) {
        char spec[64];
        snprintf(spec, sizeof spec, "a.test=%s%s", mcxdns_fault_names[k],
                 k == MCXDNS_FAULT_DELAY ? ":5" : "");
        assert_int_equal(mcxdns_fault_parse(spec, &f, why, sizeof why), 0);
        assert_int_equal(f.kind, k);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_answer),
        cmocka_unit_test(test_truncated_header),
        cmocka_unit_test(test_wrong_id_and_qr),
        cmocka_unit_test(test_tc),
        cmocka_unit_test(test_pointer_loop),
        cmocka_unit_test(test_pointer_past_end),
        cmocka_unit_test(test_truncated_rr_and_counts),
        cmocka_unit_test(test_trailing),
        cmocka_unit_test(test_wrong_question),
        cmocka_unit_test(test_oversized),
        cmocka_unit_test(test_responder_faults),
        cmocka_unit_test(test_garbage_is_seeded),
        cmocka_unit_test(test_fault_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
