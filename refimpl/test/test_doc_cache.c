/*
 * test_doc_cache.c -- unit tests of mcxd's document cache (doc_cache.c)
 * through mcxd_handle(): every response served with the cache is the same,
 * status, headers and body bytes, as the one rendered without it -- on the
 * first request (a miss) and on repeats (hits) -- for Root and Domain over
 * HTTPS in every representation and for the plain-HTTP Redirect documents;
 * more distinct Redirect hrefs than the cache has slots; a --break change and
 * a topology swap (same href, different document) never serve stale bytes.
 * Owns nothing but these tests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth.h"
#include "doc_cache.h"
#include "mcx/topology.h"
#include "mcxd_http.h"

#define NOW ((time_t)1767225600) /* 2026-01-01T00:00:00Z */
#define AD "/Autodiscover/AutodiscoverService.svc/root"
#define CT_XML "application/vnd.microsoft.rtc.autodiscover+xml;v=1"
#define CT_JSON "application/vnd.microsoft.rtc.autodiscover+json;v=1"

typedef struct fixture {
    mcx_topology *topo;
    mcxd_config plain;  /* no cache */
    mcxd_config cached; /* same settings, with a cache */
    mcxd_state *st;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    mcx_error err;
    f->topo = mcx_topology_load_default(&err);
    assert_non_null(f->topo);
    f->plain.topo = f->topo;
    f->plain.deterministic = 1;
    f->plain.fixed_now = NOW;
    f->cached = f->plain;
    f->cached.cache = mcxd_doc_cache_new();
    assert_non_null(f->cached.cache);
    f->st = mcxd_state_new(7, 1);
    assert_non_null(f->st);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    mcxd_doc_cache_free(f->cached.cache);
    mcxd_state_free(f->st);
    mcx_topology_free(f->topo);
    free(f);
    return 0;
}

typedef struct req_opts {
    const char *uri;
    const char *host;
    mcx_access side;
    int tls;
    const char *accept;
} req_opts;

static void handle(const mcxd_config *cfg, mcxd_state *st, const req_opts *o,
                   mcxd_response *resp)
{
    mcx_http_header h[2];
    size_t n = 0;
    if (o->host)
        h[n++] = (mcx_http_header){(char *)"Host", (char *)o->host};
    if (o->accept)
        h[n++] = (mcx_http_header){(char *)"Accept", (char *)o->accept};
    mcxd_request req = {
        .method = "GET",
        .uri = o->uri,
        .host = o->host,
        .headers = h,
        .nheaders = n,
        .listener = o->side,
        .tls = o->tls,
        .peer = "127.0.0.1:40000",
    };
    mcxd_handle(cfg, st, &req, NOW, resp);
}

static void assert_same_response(const mcxd_response *a, const mcxd_response *b)
{
    assert_int_equal(a->status, b->status);
    assert_int_equal(a->nheaders, b->nheaders);
    for (size_t i = 0; i < a->nheaders; i++) {
        assert_string_equal(a->headers[i].name, b->headers[i].name);
        assert_string_equal(a->headers[i].value, b->headers[i].value);
    }
    assert_int_equal(a->body_len, b->body_len);
    if (a->body_len)
        assert_memory_equal(a->body, b->body, a->body_len);
}

/* The request answered with and without the cache, twice with it (a miss,
 * then a hit): all three identical. The uncached response is left in `out`
 * when it is not NULL (caller frees). */
static void check_request(fixture *f, const req_opts *o, mcxd_response *out)
{
    mcxd_response want, first, again;
    handle(&f->plain, f->st, o, &want);
    handle(&f->cached, f->st, o, &first);
    handle(&f->cached, f->st, o, &again);
    assert_int_equal(want.status, 200);
    assert_true(want.body_len > 0);
    assert_same_response(&want, &first);
    assert_same_response(&want, &again);
    mcxd_response_free(&first);
    mcxd_response_free(&again);
    if (out)
        *out = want;
    else
        mcxd_response_free(&want);
}

static void test_every_cached_document_matches_a_fresh_render(void **state)
{
    fixture *f = *state;
    const char *uris[] = {AD, AD "?sipuri=alice@contoso.test", AD "/domain", "/"};
    const char *hosts[] = {"lyncdiscoverinternal.contoso.test", "lyncdiscover.contoso.test",
                           "pool01.contoso.test:443", NULL};
    const char *accepts[] = {CT_XML, CT_JSON, NULL};
    size_t n = 0;
    for (size_t u = 0; u < sizeof(uris) / sizeof(uris[0]); u++)
        for (size_t h = 0; h < sizeof(hosts) / sizeof(hosts[0]); h++)
            for (size_t a = 0; a < sizeof(accepts) / sizeof(accepts[0]); a++)
                for (int side = 0; side < 2; side++)
                    for (int tls = 0; tls < 2; tls++) {
                        req_opts o = {uris[u], hosts[h], (mcx_access)side, tls, accepts[a]};
                        check_request(f, &o, NULL);
                        n++;
                    }
    assert_int_equal(n, 4 * 4 * 3 * 2 * 2);
}

/* More distinct Redirect hrefs than slots, then the first ones again: each
 * still matches a fresh render, and different sipuris give different bytes. */
static void test_redirect_slots_are_reused_without_mixing(void **state)
{
    fixture *f = *state;
    mcxd_response prev;
    memset(&prev, 0, sizeof(prev));
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 45; i++) {
            char uri[128];
            snprintf(uri, sizeof(uri), AD "?sipuri=user%d@contoso.test", i);
            req_opts o = {uri, "lyncdiscoverinternal.contoso.test", MCX_ACCESS_INTERNAL, 0,
                          CT_XML};
            mcxd_response want;
            check_request(f, &o, &want);
            char needle[64];
            snprintf(needle, sizeof(needle), "sipuri=user%d@contoso.test", i);
            assert_non_null(strstr(want.body, needle));
            if (prev.body)
                assert_false(prev.body_len == want.body_len &&
                             memcmp(prev.body, want.body, want.body_len) == 0);
            mcxd_response_free(&prev);
            prev = want;
        }
    }
    mcxd_response_free(&prev);
}

/* --break multi-redirect adds a Domain link to the Redirect document: a
 * cache filled before the flag changed must not answer after it. */
static void test_break_flags_change_empties_the_cache(void **state)
{
    fixture *f = *state;
    req_opts o = {AD, "lyncdiscoverinternal.contoso.test", MCX_ACCESS_INTERNAL, 0, CT_XML};
    mcxd_response before, after;
    check_request(f, &o, &before);
    f->plain.breaks = f->cached.breaks = MCXD_BREAK_MULTI_REDIRECT;
    check_request(f, &o, &after);
    assert_true(after.body_len > before.body_len);
    f->plain.breaks = f->cached.breaks = 0;
    mcxd_response again;
    check_request(f, &o, &again);
    assert_same_response(&before, &again);
    mcxd_response_free(&before);
    mcxd_response_free(&after);
    mcxd_response_free(&again);
}

/* A reload: the same request (same href) against another topology whose
 * autodiscover pool has another web FQDN. */
static void test_topology_swap_never_serves_stale_bytes(void **state)
{
    fixture *f = *state;
    f->plain.breaks = f->cached.breaks = MCXD_BREAK_MULTI_REDIRECT;
    req_opts redirect = {AD, "lyncdiscoverinternal.contoso.test", MCX_ACCESS_INTERNAL, 0,
                         CT_XML};
    req_opts root = {AD, "lyncdiscoverinternal.contoso.test", MCX_ACCESS_INTERNAL, 1, CT_XML};
    mcxd_response r1, d1;
    check_request(f, &redirect, &r1);
    check_request(f, &root, &d1);

    const char *xml = mcx_topology_default_xml();
    const char *from = "fqdn=\"dir01.contoso.test\"";
    const char *at = strstr(xml, from);
    assert_non_null(at);
    size_t len = strlen(xml) + 64;
    char *copy = malloc(len);
    assert_non_null(copy);
    snprintf(copy, len, "%.*sfqdn=\"dir99.contoso.test\"%s", (int)(at - xml), xml,
             at + strlen(from));
    mcx_error err;
    mcx_topology *other = mcx_topology_load_memory("other.xml", copy, strlen(copy), &err);
    free(copy);
    assert_non_null(other);
    mcxd_doc_cache_flush(f->cached.cache); /* what mcxd_main.c does on SIGHUP */
    f->plain.topo = f->cached.topo = other;

    mcxd_response r2, d2;
    check_request(f, &redirect, &r2);
    check_request(f, &root, &d2);
    assert_non_null(strstr(r2.body, "dir99.contoso.test"));
    assert_null(strstr(r1.body, "dir99.contoso.test"));
    assert_non_null(strstr(d2.body, "dir99.contoso.test"));
    assert_null(strstr(d1.body, "dir99.contoso.test"));

    f->plain.topo = f->cached.topo = f->topo;
    f->plain.breaks = f->cached.breaks = 0;
    mcx_topology_free(other);
    mcxd_response_free(&r1);
    mcxd_response_free(&d1);
    mcxd_response_free(&r2);
    mcxd_response_free(&d2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_cached_document_matches_a_fresh_render,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_redirect_slots_are_reused_without_mixing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_break_flags_change_empties_the_cache, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_topology_swap_never_serves_stale_bytes, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
