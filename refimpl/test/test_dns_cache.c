/*
 * test_dns_cache.c -- unit tests of mcxdns's per-loop answer cache
 * (refimpl/dns_responder.c, mcxdns_answer_cached).
 *
 * Owns: proving a cached answer is byte-identical to a fresh one
 * (mcxdns_answer) for every query shape the key distinguishes (name case,
 * type, class, RD, CD, EDNS size and version, UDP vs TCP, truncation,
 * NXDOMAIN, REFUSED, FORMERR), that hits really happen, that faulted names
 * are never cached, and that the table stays bounded (cleared when full).
 * Does not own: the sockets (mcxdns_live.sh), the view lookups.
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

static const char cache_zone[] =
    "$ORIGIN contoso.test.\n$TTL 3600\n"
    "@ IN SOA ns1 hostmaster 1 3600 600 604800 300\n"
    "lyncdiscoverinternal IN CNAME pool01web\npool01web IN A 192.0.2.21\n"
    "pool01web IN AAAA 2001:db8::21\nslow IN A 192.0.2.99\n"
    "big IN TXT "
    "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n"
    "big IN TXT "
    "\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"\n"
    "big IN TXT "
    "\"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\"\n"
    "big IN TXT "
    "\"dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd\"\n"
    "big IN TXT "
    "\"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\"\n"
    "big IN TXT "
    "\"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\"\n"
    "big IN TXT "
    "\"gggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg\"\n";

static mcxdns_zoneset *zoneset_with(const char *fault)
{
    mcx_error err;
    mcxdns_fault f;
    char why[256];
    mcx_dns_view *view = mcx_dns_view_new("internal");

    assert_non_null(view);
    assert_int_equal(
        mcx_dns_view_load_zone_memory(view, "c.zone", cache_zone, strlen(cache_zone), NULL, &err),
        0);
    if (fault != NULL) assert_int_equal(mcxdns_fault_parse(fault, &f, why, sizeof why), 0);
    mcxdns_zoneset *zs = mcxdns_zoneset_new(view, &f, fault != NULL ? 1 : 0, why, sizeof why);
    assert_non_null(zs);
    return zs;
}

typedef struct query_shape {
    const char *name;
    ldns_rr_type type;
    ldns_rr_class cls;
    int rd, cd, edns_size, edns_version, tcp;
} query_shape;

static void wire_of(const query_shape *s, uint16_t id, uint8_t **wire, size_t *len)
{
    ldns_pkt *q = ldns_pkt_query_new(ldns_dname_new_frm_str(s->name), s->type, s->cls, 0);
    assert_non_null(q);
    ldns_pkt_set_id(q, id);
    ldns_pkt_set_rd(q, s->rd);
    ldns_pkt_set_cd(q, s->cd);
    if (s->edns_size > 0) {
        ldns_pkt_set_edns_udp_size(q, (uint16_t)s->edns_size);
        ldns_pkt_set_edns_version(q, (uint8_t)s->edns_version);
        ldns_pkt_set_edns_data(q, ldns_rdf_new_frm_str(LDNS_RDF_TYPE_HEX, ""));
    }
    assert_int_equal(ldns_pkt2wire(wire, q, len), LDNS_STATUS_OK);
    ldns_pkt_free(q);
}

/* The answer to `s` with ID `id`, through `cache` (NULL: fresh). */
static uint8_t *answer_of(mcxdns_cache *cache, const mcxdns_zoneset *zs, const query_shape *s,
                          uint16_t id, size_t *len)
{
    uint8_t *q, *out = NULL;
    size_t qlen;
    unsigned delay;

    wire_of(s, id, &q, &qlen);
    mcxdns_reply r = mcxdns_answer_cached(cache, zs, q, qlen, s->tcp, &out, len, &delay);
    free(q);
    assert_int_equal(r, MCXDNS_REPLY_SEND);
    assert_non_null(out);
    return out;
}

static const query_shape shapes[] = {
    {"lyncdiscoverinternal.contoso.test.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 0, 0, 0, 0, 0},
    {"LyncDiscoverInternal.CONTOSO.test.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 0, 0, 0, 0, 0},
    {"pool01web.contoso.test.", LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN, 1, 0, 0, 0, 0},
    {"pool01web.contoso.test.", LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN, 1, 1, 0, 0, 0},
    {"pool01web.contoso.test.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 0, 0, 1232, 0, 0},
    {"pool01web.contoso.test.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 0, 0, 4096, 1, 0},
    {"nothere.contoso.test.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 0, 0, 0, 0, 0},
    {"www.example.org.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 0, 0, 0, 0, 0},
    {"pool01web.contoso.test.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_CH, 0, 0, 0, 0, 0},
    {"pool01web.contoso.test.", LDNS_RR_TYPE_ANY, LDNS_RR_CLASS_IN, 0, 0, 0, 0, 0},
    {"big.contoso.test.", LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_IN, 0, 0, 0, 0, 0}, /* TC */
    {"big.contoso.test.", LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_IN, 0, 0, 0, 0, 1}, /* TCP */
    {"big.contoso.test.", LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_IN, 0, 0, 1232, 0, 0},
};
#define NSHAPES (sizeof shapes / sizeof shapes[0])

static void test_cached_equals_fresh(void **state)
{
    mcxdns_zoneset *zs = zoneset_with(NULL);
    mcxdns_cache *cache = mcxdns_cache_new();
    (void)state;

    assert_non_null(cache);
    /* Three rounds: the first fills the cache, the others hit it with other
     * IDs; every answer equals the fresh one for the same ID. */
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < NSHAPES; i++) {
            uint16_t id = (uint16_t)(1000 + round * 100 + i);
            size_t flen, clen;
            uint8_t *fresh = answer_of(NULL, zs, &shapes[i], id, &flen);
            uint8_t *cached = answer_of(cache, zs, &shapes[i], id, &clen);
            if (flen != clen || memcmp(fresh, cached, flen) != 0)
                fail_msg("shape %zu round %d: cached answer differs from a fresh one", i, round);
            free(fresh);
            free(cached);
        }
    }
    mcxdns_cache_stats st = mcxdns_cache_get_stats(cache);
    /* Every shape is its own entry (case, flags, EDNS and transport are in
     * the key), so round 0 misses and rounds 1-2 hit. */
    assert_int_equal(st.misses, NSHAPES);
    assert_int_equal(st.hits, 2 * NSHAPES);
    mcxdns_cache_free(cache);
    mcxdns_zoneset_free(zs);
}

static void test_faulted_names_not_cached(void **state)
{
    mcxdns_zoneset *zs = zoneset_with("slow.contoso.test=wrong-id");
    mcxdns_cache *cache = mcxdns_cache_new();
    const query_shape slow = {
        "slow.contoso.test.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 0, 0, 0, 0, 0};
    (void)state;

    for (int round = 0; round < 3; round++) {
        size_t len;
        uint8_t *a = answer_of(cache, zs, &slow, 500, &len);
        assert_int_equal((a[0] << 8) | a[1], 501); /* damaged every time */
        free(a);
        /* Other names of the same zoneset are still cached. */
        a = answer_of(cache, zs, &shapes[0], 600, &len);
        free(a);
    }
    mcxdns_cache_stats st = mcxdns_cache_get_stats(cache);
    assert_int_equal(st.misses, 1);
    assert_int_equal(st.hits, 2);
    mcxdns_cache_free(cache);
    mcxdns_zoneset_free(zs);
}

static void test_bounded(void **state)
{
    mcxdns_zoneset *zs = zoneset_with(NULL);
    mcxdns_cache *cache = mcxdns_cache_new();
    char name[64];
    (void)state;

    /* More distinct names than slots: the table is cleared, never grows,
     * and answers stay right (NXDOMAIN each). */
    for (int i = 0; i < MCXDNS_CACHE_SLOTS + 100; i++) {
        query_shape s = {name, LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 0, 0, 0, 0, 0};
        size_t len;
        snprintf(name, sizeof name, "n%d.contoso.test.", i);
        uint8_t *a = answer_of(cache, zs, &s, (uint16_t)i, &len);
        assert_int_equal(a[3] & 0x0f, LDNS_RCODE_NXDOMAIN);
        free(a);
    }
    mcxdns_cache_stats st = mcxdns_cache_get_stats(cache);
    assert_true(st.clears >= 1);
    assert_int_equal(st.misses, MCXDNS_CACHE_SLOTS + 100);
    mcxdns_cache_free(cache);
    mcxdns_zoneset_free(zs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cached_equals_fresh),
        cmocka_unit_test(test_faulted_names_not_cached),
        cmocka_unit_test(test_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
