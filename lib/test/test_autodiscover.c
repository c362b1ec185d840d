/*
 * test_autodiscover.c -- unit tests for Autodiscover documents: the document
 * API, content negotiation, rendering (golden files), render->parse round
 * trips, the protocol.md §3 samples (TV1-TV5) and the bad-document table in
 * lib/test/data/autodiscover/bad/MANIFEST.
 *
 * Owns: these tests and their data. Does not own the code under test
 * (lib/autodiscover_*.c). The topology used by validation tests is built in
 * memory here (names follow lib/default_topology.xml) so these tests do not
 * depend on the topology loader.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "mcx/autodiscover.h"
#include "mcx/catalogue.h"

#define DATA_DIR "lib/test/data/autodiscover"
#define AD_ROOT "https://webext01.contoso.test/Autodiscover/AutodiscoverService.svc/root"

/* ---- helpers ------------------------------------------------------------ */

static char *read_data(const char *name, size_t *len)
{
    const char *top = getenv("MCX_TOP");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/%s", top ? top : ".", DATA_DIR, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Comma-separated IDs of the report's findings, in order. */
static void report_ids(const mcx_report *r, char *buf, size_t len)
{
    buf[0] = '\0';
    size_t used = 0;
    for (size_t i = 0; i < r->nfindings; i++) {
        int n = snprintf(buf + used, len - used, "%s%s", i ? "," : "", r->findings[i].id);
        assert_true(n > 0 && (size_t)n < len - used);
        used += (size_t)n;
    }
    if (r->nfindings == 0)
        snprintf(buf, len, "-");
}

/* Expands "AD-018*3,AD-020" into "AD-018,AD-018,AD-018,AD-020". */
static void expand_ids(const char *spec, char *buf, size_t len)
{
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s", spec);
    buf[0] = '\0';
    size_t used = 0;
    char *save = NULL;
    for (char *tok = strtok_r(tmp, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int count = 1;
        char *star = strchr(tok, '*');
        if (star) {
            *star = '\0';
            count = atoi(star + 1);
        }
        for (int i = 0; i < count; i++) {
            int n = snprintf(buf + used, len - used, "%s%s", used ? "," : "", tok);
            assert_true(n > 0 && (size_t)n < len - used);
            used += (size_t)n;
        }
    }
}

static void assert_docs_equal(const mcx_ad_doc *a, const mcx_ad_doc *b, int compare_access)
{
    assert_int_equal(a->kind, b->kind);
    if (compare_access) {
        assert_int_equal(a->has_access_location, b->has_access_location);
        if (a->has_access_location)
            assert_int_equal(a->access_location, b->access_location);
    }
    assert_int_equal(a->nlinks, b->nlinks);
    for (size_t i = 0; i < a->nlinks; i++) {
        assert_string_equal(a->links[i].token, b->links[i].token);
        assert_string_equal(a->links[i].href, b->links[i].href);
    }
    assert_int_equal(a->nsipaccess, b->nsipaccess);
    for (size_t i = 0; i < a->nsipaccess; i++) {
        assert_string_equal(a->sipaccess[i].name, b->sipaccess[i].name);
        assert_string_equal(a->sipaccess[i].fqdn, b->sipaccess[i].fqdn);
        assert_int_equal(a->sipaccess[i].port, b->sipaccess[i].port);
    }
}

/* The three sample documents rendered in every representation. */
static void sample_doc(mcx_ad_kind kind, mcx_ad_doc *d)
{
    const char *w = "https://webext01.contoso.test";
    const char *in = "https://pool01.contoso.test";
    char href[256];
    switch (kind) {
    case MCX_AD_ROOT:
        mcx_ad_doc_init(d, MCX_AD_ROOT, MCX_ACCESS_EXTERNAL);
        /* '&' and '@' exercise XML and JSON escaping. */
        assert_int_equal(mcx_ad_add_link(d, "Self", AD_ROOT "?sipuri=alice@contoso.test&x=1"), 0);
        assert_int_equal(mcx_ad_add_link(d, "Domain", AD_ROOT "/domain"), 0);
        assert_int_equal(mcx_ad_add_link(d, "User", AD_ROOT "/user"), 0);
        assert_int_equal(mcx_ad_add_link(d, "OAuth", AD_ROOT "/oauth/user"), 0);
        break;
    case MCX_AD_DOMAIN:
        mcx_ad_doc_init(d, MCX_AD_DOMAIN, MCX_ACCESS_INTERNAL);
        assert_int_equal(mcx_ad_add_sipaccess(d, "SipClientInternalAccess", "pool01.contoso.test",
                                              5061), 0);
        assert_int_equal(mcx_ad_add_sipaccess(d, "SipClientExternalAccess", "sip.contoso.test",
                                              443), 0);
        snprintf(href, sizeof href, "%s/Autodiscover/AutodiscoverService.svc/root", in);
        assert_int_equal(mcx_ad_add_link(d, "Internal/Autodiscover", href), 0);
        assert_int_equal(mcx_ad_add_link(d, "External/Autodiscover", AD_ROOT), 0);
        break;
    case MCX_AD_USER:
        mcx_ad_doc_init(d, MCX_AD_USER, MCX_ACCESS_EXTERNAL);
        assert_int_equal(mcx_ad_add_sipaccess(d, "SipClientInternalAccess", "pool01.contoso.test",
                                              5061), 0);
        assert_int_equal(mcx_ad_add_sipaccess(d, "SipClientExternalAccess", "sip.contoso.test",
                                              443), 0);
        snprintf(href, sizeof href, "%s/Mcx/McxService.svc", w);
        assert_int_equal(mcx_ad_add_link(d, "Internal/Mcx", href), 0);
        assert_int_equal(mcx_ad_add_link(d, "External/Mcx", href), 0);
        snprintf(href, sizeof href, "%s/Reach/sip.svc", w);
        assert_int_equal(mcx_ad_add_link(d, "External/AuthBroker", href), 0);
        assert_int_equal(mcx_ad_add_link(d, "Self", AD_ROOT "/user"), 0);
        break;
    }
}

/* ---- test topology (mirrors lib/default_topology.xml) --------------------- */

static char *topo_domains[] = {"contoso.test", "fabrikam.test"};

static mcx_pool topo_pools[] = {
    {.id = "dir01.contoso.test", .is_director = 1, .internal_web_fqdn = "dir01.contoso.test",
     .external_web_fqdn = "dirweb.contoso.test",
     .sip_client_internal = {"dir01.contoso.test", 5061},
     .sip_client_external = {"sip.contoso.test", 443}},
    {.id = "pool01.contoso.test", .internal_web_fqdn = "pool01.contoso.test",
     .external_web_fqdn = "webext01.contoso.test",
     .sip_client_internal = {"pool01.contoso.test", 5061},
     .sip_client_external = {"sip.contoso.test", 443}},
    {.id = "pool02.contoso.test", .internal_web_fqdn = "pool02.contoso.test",
     .external_web_fqdn = "webext02.contoso.test",
     .sip_client_internal = {"pool02.contoso.test", 5061},
     .sip_client_external = {"sip.contoso.test", 443}},
};

static void test_topology(mcx_topology *t, mcx_profile profile, mcx_exposed_web_url exposed)
{
    memset(t, 0, sizeof *t);
    t->source = "<test>";
    t->profile = profile;
    t->sip_domains = topo_domains;
    t->nsip_domains = 2;
    t->pools = topo_pools;
    t->npools = 3;
    t->reverse_proxy_fqdn = "rp.contoso.test";
    t->exposed_web_url = exposed;
    t->online_autodiscover_url =
        "https://webdir.online.lync.test/Autodiscover/AutodiscoverService.svc/root";
}

/* ---- document API ----------------------------------------------------------- */

static void test_doc_api(void **state)
{
    (void)state;
    mcx_ad_doc d;
    mcx_ad_doc_init(&d, MCX_AD_USER, MCX_ACCESS_INTERNAL);
    assert_int_equal(d.kind, MCX_AD_USER);
    assert_true(d.has_access_location);
    assert_int_equal(d.access_location, MCX_ACCESS_INTERNAL);
    assert_int_equal(mcx_ad_add_link(&d, "External/Mcx", "https://a.test/Mcx/McxService.svc"), 0);
    const mcx_ad_link *l = mcx_ad_find_link(&d, "external/MCX");
    assert_non_null(l);
    assert_string_equal(l->href, "https://a.test/Mcx/McxService.svc");
    assert_null(mcx_ad_find_link(&d, "Internal/Mcx"));
    for (int i = 1; i < MCX_AD_MAX_LINKS; i++)
        assert_int_equal(mcx_ad_add_link(&d, "X", "https://a.test/"), 0);
    assert_int_equal(mcx_ad_add_link(&d, "Y", "https://a.test/"), -1);
    assert_int_equal(d.nlinks, MCX_AD_MAX_LINKS);
    for (int i = 0; i < MCX_AD_MAX_SIPACCESS; i++)
        assert_int_equal(mcx_ad_add_sipaccess(&d, "SipClientInternalAccess", "p.test", 5061), 0);
    assert_int_equal(mcx_ad_add_sipaccess(&d, "SipClientExternalAccess", "p.test", 443), -1);
    assert_non_null(mcx_ad_find_sipaccess(&d, "sipclientinternalaccess"));
    assert_null(mcx_ad_find_sipaccess(&d, "SipClientExternalAccess"));
    mcx_ad_doc_clear(&d);
    assert_int_equal(d.nlinks, 0);
    assert_int_equal(d.nsipaccess, 0);
    assert_int_equal(d.kind, MCX_AD_USER);
    assert_null(mcx_ad_find_link(&d, "External/Mcx"));
    mcx_ad_doc_clear(&d); /* idempotent */
}

/* ---- negotiation -------------------------------------------------------------- */

static void test_negotiate_table(void **state)
{
    (void)state;
    static const struct {
        const char *accept;
        int rc;
        mcx_repr repr;
    } cases[] = {
        {NULL, 0, MCX_REPR_JSON},
        {"", 0, MCX_REPR_JSON},
        {"   ", 0, MCX_REPR_JSON},
        {" , ,", 0, MCX_REPR_JSON},
        {"*/*", 0, MCX_REPR_JSON},
        {"application/*", 0, MCX_REPR_JSON},
        {"application/vnd.microsoft.rtc.autodiscover+xml;v=1", 0, MCX_REPR_XML},
        {"application/vnd.microsoft.rtc.autodiscover+xml; v=1", 0, MCX_REPR_XML},
        {"application/vnd.microsoft.rtc.autodiscover+xml ; v = 1", 0, MCX_REPR_XML},
        {"Application/VND.Microsoft.RTC.Autodiscover+XML;V=1", 0, MCX_REPR_XML},
        {"application/vnd.microsoft.rtc.autodiscover+xml;v=\"1\"", 0, MCX_REPR_XML},
        {"application/vnd.microsoft.rtc.autodiscover+xml", 0, MCX_REPR_XML},
        {"application/vnd.microsoft.rtc.autodiscover+json;v=1", 0, MCX_REPR_JSON},
        {"application/vnd.microsoft.rtc.autodiscover+json; v=1", 0, MCX_REPR_JSON},
        {"application/json", 0, MCX_REPR_UCWA},
        {"application/json; charset=utf-8", 0, MCX_REPR_UCWA},
        {"application/vnd.microsoft.rtc.autodiscover+xml;v=2", -1, MCX_REPR_JSON},
        {"application/vnd.microsoft.rtc.autodiscover+json;v=2", -1, MCX_REPR_JSON},
        {"text/html", -1, MCX_REPR_JSON},
        {"text/html, application/xhtml+xml", -1, MCX_REPR_JSON},
        {"application/xml", -1, MCX_REPR_JSON},
        {"text/*", -1, MCX_REPR_JSON},
        {"*/*;q=0", -1, MCX_REPR_JSON},
        {"application/json;q=0", -1, MCX_REPR_JSON},
        /* a browser: text/html first, the wildcard picks the default */
        {"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", 0, MCX_REPR_JSON},
        {"application/json;q=0.5, application/vnd.microsoft.rtc.autodiscover+xml;v=1", 0,
         MCX_REPR_XML},
        {"application/vnd.microsoft.rtc.autodiscover+xml;v=1;q=0.2, application/json;q=0.9", 0,
         MCX_REPR_UCWA},
        /* equal q: the exact type beats the wildcard, then the first listed */
        {"*/*, application/vnd.microsoft.rtc.autodiscover+xml;v=1", 0, MCX_REPR_XML},
        {"application/json, application/vnd.microsoft.rtc.autodiscover+xml;v=1", 0,
         MCX_REPR_UCWA},
        {"application/vnd.microsoft.rtc.autodiscover+xml;v=1, application/json", 0,
         MCX_REPR_XML},
        /* q=0 on the exact type excludes it even though the wildcard matches */
        {"*/*, application/vnd.microsoft.rtc.autodiscover+json;v=1;q=0", 0, MCX_REPR_XML},
        {"application/vnd.microsoft.rtc.autodiscover+xml;v=2, application/json;q=0.1", 0,
         MCX_REPR_UCWA},
        {"application/json;q=abc", -1, MCX_REPR_JSON},
        {"application/json;q=1.5", -1, MCX_REPR_JSON},
        {"application/json;q=0.001", 0, MCX_REPR_UCWA},
        {"application/json;q=0.0001", -1, MCX_REPR_JSON},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mcx_repr r = (mcx_repr)99;
        int rc = mcx_ad_negotiate(cases[i].accept, &r);
        if (rc != cases[i].rc || (rc == 0 && r != cases[i].repr))
            fail_msg("Accept \"%s\": got rc=%d repr=%d, expected rc=%d repr=%d",
                     cases[i].accept ? cases[i].accept : "(null)", rc, (int)r, cases[i].rc,
                     (int)cases[i].repr);
    }
    assert_string_equal(mcx_ad_content_type(MCX_REPR_XML), MCX_CT_AD_XML);
    assert_string_equal(mcx_ad_content_type(MCX_REPR_JSON), MCX_CT_AD_JSON);
    assert_string_equal(mcx_ad_content_type(MCX_REPR_UCWA), "application/json");
}

/* ---- rendering ------------------------------------------------------------------ */

static const char *kind_file[] = {"root", "domain", "user"};
static const char *repr_ext[] = {"xml", "json", "ucwa.json"};

static void test_render_golden(void **state)
{
    (void)state;
    for (int k = 0; k < 3; k++) {
        mcx_ad_doc d;
        sample_doc((mcx_ad_kind)k, &d);
        for (int r = 0; r < 3; r++) {
            char name[64];
            snprintf(name, sizeof name, "render_%s.%s", kind_file[k], repr_ext[r]);
            char *out = NULL, *again = NULL;
            size_t outlen = 0, againlen = 0;
            assert_int_equal(mcx_ad_render(&d, (mcx_repr)r, &out, &outlen), 0);
            assert_int_equal(strlen(out), outlen);
            /* deterministic: a second rendering gives the same bytes */
            assert_int_equal(mcx_ad_render(&d, (mcx_repr)r, &again, &againlen), 0);
            assert_int_equal(outlen, againlen);
            assert_memory_equal(out, again, outlen);
            size_t glen;
            char *golden = read_data(name, &glen);
            if (glen != outlen || memcmp(golden, out, outlen) != 0)
                fail_msg("%s differs from the rendering:\n%s", name, out);
            free(golden);
            free(out);
            free(again);
        }
        mcx_ad_doc_clear(&d);
    }
}

static void test_render_rejects_incomplete(void **state)
{
    (void)state;
    mcx_ad_doc d;
    mcx_ad_doc_init(&d, MCX_AD_ROOT, MCX_ACCESS_EXTERNAL);
    char *out = (char *)1;
    size_t len = 7;
    assert_int_equal(mcx_ad_render(NULL, MCX_REPR_XML, &out, &len), -1);
    assert_int_equal(mcx_ad_render(&d, (mcx_repr)7, &out, &len), -1);
    assert_null(out);
    /* No AccessLocation: the attribute/member is omitted, and parsing it back
     * reports AD-009. */
    d.has_access_location = 0;
    assert_int_equal(mcx_ad_add_link(&d, "Redirect", AD_ROOT), 0);
    assert_int_equal(mcx_ad_render(&d, MCX_REPR_XML, &out, &len), 0);
    assert_null(strstr(out, "AccessLocation"));
    mcx_report *rep = mcx_report_new("test", "render", NULL);
    mcx_ad_doc back;
    assert_int_equal(mcx_ad_parse(MCX_CT_AD_XML, out, len, &back, rep, NULL), 0);
    assert_true(mcx_report_has(rep, "AD-009"));
    assert_int_equal(rep->nfindings, 1);
    mcx_ad_doc_clear(&back);
    mcx_report_free(rep);
    free(out);
    mcx_ad_doc_clear(&d);
}

/* UCWA keeps only the tokens that have a relation (see autodiscover_render.c). */
static void ucwa_projection(const mcx_ad_doc *d, mcx_ad_doc *p)
{
    int has_oauth = mcx_ad_find_link(d, "OAuth") != NULL;
    mcx_ad_doc_init(p, d->kind, d->access_location);
    p->has_access_location = 0;
    for (size_t i = 0; i < d->nlinks; i++) {
        const char *t = d->links[i].token;
        if (!strcmp(t, "Self") || !strcmp(t, "Redirect") || !strcmp(t, "XFrame") ||
            !strcmp(t, "Ucwa") || !strcmp(t, "OAuth") || (!strcmp(t, "User") && !has_oauth))
            assert_int_equal(mcx_ad_add_link(p, t, d->links[i].href), 0);
    }
}

static void test_round_trip(void **state)
{
    (void)state;
    for (int k = 0; k < 3; k++) {
        mcx_ad_doc d;
        sample_doc((mcx_ad_kind)k, &d);
        for (int r = 0; r < 3; r++) {
            char *out = NULL;
            size_t len = 0;
            assert_int_equal(mcx_ad_render(&d, (mcx_repr)r, &out, &len), 0);
            mcx_report *rep = mcx_report_new("test", "roundtrip", NULL);
            mcx_ad_doc back;
            assert_int_equal(
                mcx_ad_parse(mcx_ad_content_type((mcx_repr)r), out, len, &back, rep, "x"), 0);
            assert_int_equal(rep->nfindings, 0);
            if (r == MCX_REPR_UCWA) {
                mcx_ad_doc p;
                ucwa_projection(&d, &p);
                /* kind is inferred: Self ending in /user is not enough, so the
                 * sample User (no Ucwa link) reads back as Root. */
                p.kind = k == MCX_AD_USER ? MCX_AD_ROOT : p.kind;
                if (k == MCX_AD_DOMAIN)
                    p.kind = MCX_AD_ROOT;
                assert_docs_equal(&p, &back, 1);
                mcx_ad_doc_clear(&p);
            } else {
                assert_docs_equal(&d, &back, 1);
            }
            /* the same bytes without a content type are sniffed */
            mcx_ad_doc sniffed;
            assert_int_equal(mcx_ad_parse(NULL, out, len, &sniffed, rep, NULL), 0);
            assert_docs_equal(&back, &sniffed, 1);
            assert_int_equal(rep->nfindings, 0);
            mcx_ad_doc_clear(&sniffed);
            mcx_ad_doc_clear(&back);
            mcx_report_free(rep);
            free(out);
        }
        mcx_ad_doc_clear(&d);
    }
}

static void test_round_trip_ucwa_user(void **state)
{
    (void)state;
    mcx_ad_doc d;
    mcx_ad_doc_init(&d, MCX_AD_USER, MCX_ACCESS_EXTERNAL);
    d.has_access_location = 0;
    assert_int_equal(mcx_ad_add_link(&d, "Self", AD_ROOT "/user"), 0);
    assert_int_equal(mcx_ad_add_link(&d, "Ucwa", "https://webext01.contoso.test/ucwa/v1/applications"), 0);
    assert_int_equal(mcx_ad_add_link(&d, "XFrame", "https://webext01.contoso.test/Autodiscover/XFrame/XFrame.html"), 0);
    char *out;
    size_t len;
    assert_int_equal(mcx_ad_render(&d, MCX_REPR_UCWA, &out, &len), 0);
    assert_non_null(strstr(out, "\"applications\""));
    mcx_report *rep = mcx_report_new("test", "roundtrip", NULL);
    mcx_ad_doc back;
    assert_int_equal(mcx_ad_parse("application/json", out, len, &back, rep, NULL), 0);
    assert_docs_equal(&d, &back, 1);
    assert_int_equal(rep->nfindings, 0);
    mcx_ad_doc_clear(&back);
    mcx_ad_doc_clear(&d);
    mcx_report_free(rep);
    free(out);
}

/* ---- protocol.md §3 samples (TV1-TV5) ------------------------------------------- */

static void parse_file(const char *name, const char *ct, mcx_ad_doc *d, mcx_report *rep)
{
    size_t len;
    char *body = read_data(name, &len);
    if (mcx_ad_parse(ct, body, len, d, rep, name) != 0)
        fail_msg("%s did not parse", name);
    free(body);
}

static void test_tv1_xml_user(void **state)
{
    (void)state;
    mcx_report *rep = mcx_report_new("test", "tv1", NULL);
    mcx_ad_doc d;
    parse_file("tv1_user.xml", MCX_CT_AD_XML, &d, rep);
    assert_int_equal(rep->nfindings, 0);
    assert_int_equal(d.kind, MCX_AD_USER);
    assert_true(d.has_access_location);
    assert_int_equal(d.access_location, MCX_ACCESS_EXTERNAL);
    assert_int_equal(d.nlinks, 15);
    assert_int_equal(d.nsipaccess, 4);
    assert_string_equal(mcx_ad_find_link(&d, "External/Mcx")->href,
                        "https://webexternal.contoso.com/Mcx/McxService.svc");
    assert_string_equal(mcx_ad_find_link(&d, "internal/mcx")->href,
                        "https://webexternal.contoso.com/Mcx/McxService.svc");
    const mcx_ad_sipaccess *s = mcx_ad_find_sipaccess(&d, "SipClientExternalAccess");
    assert_non_null(s);
    assert_string_equal(s->fqdn, "sip.contoso.com");
    assert_int_equal(s->port, 443);
    /* structurally valid without a topology */
    mcx_ad_expect ex = {NULL, 0, MCX_ACCESS_EXTERNAL};
    mcx_ad_validate(&d, &ex, rep, "tv1");
    assert_int_equal(rep->nfindings, 0);
    mcx_ad_doc_clear(&d);
    mcx_report_free(rep);
}

static void test_tv2_json_root(void **state)
{
    (void)state;
    mcx_report *rep = mcx_report_new("test", "tv2", NULL);
    mcx_ad_doc d;
    parse_file("tv2_root.json", MCX_CT_AD_JSON, &d, rep);
    assert_int_equal(rep->nfindings, 0);
    assert_int_equal(d.kind, MCX_AD_ROOT);
    assert_int_equal(d.access_location, MCX_ACCESS_EXTERNAL);
    assert_int_equal(d.nlinks, 3);
    assert_string_equal(d.links[0].token, "Domain");
    assert_string_equal(d.links[1].token, "User");
    assert_string_equal(d.links[2].token, "OAuth");
    assert_string_equal(d.links[2].href,
                        "https://lyncweb.contoso.com/Autodiscover/AutodiscoverService.svc/root/oauth/user");
    mcx_topology t;
    test_topology(&t, MCX_PROFILE_2013, MCX_EXPOSED_EXTERNAL);
    mcx_ad_expect ex = {NULL, 0, -1};
    mcx_ad_validate(&d, &ex, rep, "tv2");
    assert_int_equal(rep->nfindings, 0);
    /* with the test topology the contoso.com hosts are unknown: notices */
    ex.topo = &t;
    mcx_ad_validate(&d, &ex, rep, "tv2");
    assert_int_equal(rep->nfindings, 3);
    assert_int_equal(mcx_report_count(rep, MCX_LEVEL_WARNING), 0);
    assert_string_equal(rep->findings[0].id, "AD-040");
    mcx_ad_doc_clear(&d);
    mcx_report_free(rep);
}

static void test_tv3_tv4_ucwa_json(void **state)
{
    (void)state;
    mcx_report *rep = mcx_report_new("test", "tv3", NULL);
    mcx_ad_doc d;
    parse_file("tv3_ucwa_root.json", "application/json", &d, rep);
    assert_int_equal(rep->nfindings, 0);
    assert_int_equal(d.kind, MCX_AD_ROOT);
    assert_false(d.has_access_location);
    assert_int_equal(d.nlinks, 3);
    assert_null(mcx_ad_find_link(&d, "Redirect"));
    assert_string_equal(d.links[0].token, "Self");
    assert_string_equal(d.links[1].token, "OAuth"); /* user rel on /oauth/user */
    assert_string_equal(d.links[2].token, "XFrame");
    assert_string_equal(d.links[2].href,
                        "https://lyncweb.contoso.com/Autodiscover/XFrame/XFrame.html");
    mcx_ad_expect plain = {NULL, 0, -1};
    mcx_ad_validate(&d, &plain, rep, "tv3"); /* a UCWA root needs only a user link */
    assert_int_equal(rep->nfindings, 0);
    mcx_ad_doc_clear(&d);

    parse_file("tv4_ucwa_redirect.json", "application/json", &d, rep);
    assert_int_equal(rep->nfindings, 0);
    assert_int_equal(d.nlinks, 1);
    assert_string_equal(mcx_ad_find_link(&d, "redirect")->href,
                        "https://contoso.com/Autodiscover/AutodiscoverService.svc/root");
    mcx_ad_expect ex = {NULL, 0, -1};
    mcx_ad_validate(&d, &ex, rep, "tv4");
    assert_int_equal(rep->nfindings, 0);
    mcx_ad_doc_clear(&d);

    parse_file("tv_user_ucwa.json", "application/json", &d, rep);
    assert_int_equal(d.kind, MCX_AD_USER);
    assert_string_equal(mcx_ad_find_link(&d, "Ucwa")->href,
                        "https://lyncweb.contoso.com/ucwa/oauth/v1/applications");
    assert_int_equal(rep->nfindings, 0);
    mcx_ad_doc_clear(&d);
    mcx_report_free(rep);
}

static void test_tv5_ucwa_xml(void **state)
{
    (void)state;
    mcx_report *rep = mcx_report_new("test", "tv5", NULL);
    mcx_ad_doc d;
    parse_file("tv5_ucwa_root.xml", "application/xml", &d, rep);
    assert_int_equal(rep->nfindings, 0);
    assert_int_equal(d.kind, MCX_AD_ROOT);
    assert_int_equal(d.nlinks, 3);
    assert_string_equal(d.links[0].token, "Redirect");
    assert_string_equal(d.links[1].token, "User");
    assert_string_equal(d.links[1].href, "/autodiscover/autodiscoverservice.svc/root/user");
    assert_string_equal(d.links[2].token, "XFrame");
    /* the reference-page sample has relative hrefs and a Redirect among
     * other links: validation says so */
    mcx_ad_expect ex = {NULL, 0, -1};
    mcx_ad_validate(&d, &ex, rep, "tv5");
    assert_true(mcx_report_has(rep, "AD-030"));
    assert_true(mcx_report_has(rep, "AD-033"));
    mcx_ad_doc_clear(&d);
    mcx_report_free(rep);
}

/* ---- bad documents ---------------------------------------------------------------- */

static const char *manifest_ct(const char *word)
{
    if (!strcmp(word, "xml"))
        return MCX_CT_AD_XML;
    if (!strcmp(word, "json"))
        return MCX_CT_AD_JSON;
    if (!strcmp(word, "ucwa"))
        return MCX_CT_UCWA_JSON;
    if (!strcmp(word, "none"))
        return NULL;
    return word;
}

static void run_manifest_line(const char *file, const char *ctword, const char *mode,
                              const char *expected, int lineno)
{
    char name[256];
    snprintf(name, sizeof name, "bad/%s", file);
    size_t len;
    char *body = read_data(name, &len);
    mcx_report *rep = mcx_report_new("test", "bad", file);
    mcx_ad_doc d;
    int rc = mcx_ad_parse(manifest_ct(ctword), body, len, &d, rep, file);
    if (strcmp(mode, "parse") != 0) {
        if (rc != 0)
            fail_msg("MANIFEST:%d: %s did not parse, cannot validate", lineno, file);
        mcx_topology t;
        mcx_ad_expect ex = {NULL, 0, -1};
        if (strcmp(mode, "val") != 0) {
            test_topology(&t, !strcmp(mode, "topo2013") ? MCX_PROFILE_2013 : MCX_PROFILE_2010CU4,
                          !strcmp(mode, "exposedint") ? MCX_EXPOSED_INTERNAL
                                                      : MCX_EXPOSED_EXTERNAL);
            ex.topo = &t;
        }
        ex.over_http = !strcmp(mode, "http");
        if (!strcmp(mode, "int"))
            ex.expect_access = MCX_ACCESS_INTERNAL;
        if (!strcmp(mode, "ext"))
            ex.expect_access = MCX_ACCESS_EXTERNAL;
        mcx_ad_validate(&d, &ex, rep, file);
    }
    char got[2048], want[2048];
    report_ids(rep, got, sizeof got);
    expand_ids(expected, want, sizeof want);
    if (strcmp(got, want) != 0) {
        for (size_t i = 0; i < rep->nfindings; i++)
            fprintf(stderr, "  %s: %s\n", rep->findings[i].id, rep->findings[i].message);
        fail_msg("MANIFEST:%d: %s (%s): findings %s, expected %s", lineno, file, mode, got, want);
    }
    for (size_t i = 0; i < rep->nfindings; i++) {
        const mcx_finding *f = &rep->findings[i];
        assert_non_null(mcx_catalogue_find(f->id)); /* every ID is catalogued */
        assert_true(f->message && *f->message);
        assert_true(f->remediation && *f->remediation);
        assert_string_equal(f->evidence.url, file);
    }
    mcx_ad_doc_clear(&d);
    mcx_report_free(rep);
    free(body);
}

static void test_bad_documents(void **state)
{
    (void)state;
    size_t len;
    char *manifest = read_data("bad/MANIFEST", &len);
    int lineno = 0, cases = 0;
    char *save = NULL;
    for (char *line = strtok_r(manifest, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char file[128], ct[128], mode[32], expected[512];
        if (sscanf(line, "%127s %127s %31s %511s", file, ct, mode, expected) != 4)
            fail_msg("MANIFEST:%d: malformed line", lineno);
        run_manifest_line(file, ct, mode, expected, lineno);
        cases++;
    }
    assert_true(cases >= 40);
    free(manifest);
}

static void test_oversized_and_odd_inputs(void **state)
{
    (void)state;
    size_t big = 1024 * 1024 + 1;
    char *body = malloc(big);
    assert_non_null(body);
    memset(body, ' ', big);
    body[0] = '<';
    mcx_report *rep = mcx_report_new("test", "odd", NULL);
    mcx_ad_doc d;
    assert_int_equal(mcx_ad_parse(MCX_CT_AD_XML, body, big, &d, rep, NULL), -1);
    assert_int_equal(rep->nfindings, 1);
    assert_string_equal(rep->findings[0].id, "AD-002");
    free(body);

    /* NULL body, and a NUL byte inside */
    assert_int_equal(mcx_ad_parse(MCX_CT_AD_JSON, NULL, 10, &d, rep, NULL), -1);
    assert_string_equal(rep->findings[1].id, "AD-003");
    static const char nul[] = "{\"AccessLocation\":\"External\",\0\"Root\":{}}";
    assert_int_equal(mcx_ad_parse(MCX_CT_AD_JSON, nul, sizeof nul - 1, &d, rep, NULL), -1);
    assert_string_equal(rep->findings[2].id, "AD-006");
    /* deep nesting is refused by the parser, not by the stack */
    size_t depth = 100000;
    char *deep = malloc(depth);
    assert_non_null(deep);
    memset(deep, '[', depth);
    assert_int_equal(mcx_ad_parse(MCX_CT_AD_JSON, deep, depth, &d, rep, NULL), -1);
    assert_string_equal(rep->findings[3].id, "AD-006");
    for (size_t i = 0; i < depth / 3; i++)
        memcpy(deep + 3 * i, "<a>", 3);
    assert_int_equal(mcx_ad_parse(MCX_CT_AD_XML, deep, depth / 3 * 3, &d, rep, NULL), -1);
    assert_int_equal(rep->nfindings, 5);
    free(deep);
    /* the invalid UTF-8 offset is named */
    size_t len;
    char *bad = read_data("bad/bad-utf8.xml", &len);
    assert_int_equal(mcx_ad_parse(MCX_CT_AD_XML, bad, len, &d, rep, NULL), -1);
    const char *e9 = memchr(bad, 0xE9, len);
    char offset[64];
    snprintf(offset, sizeof offset, "byte offset %zu", (size_t)(e9 - bad));
    assert_non_null(strstr(rep->findings[5].message, offset));
    free(bad);
    mcx_report_free(rep);
}

static void test_validate_remediation(void **state)
{
    (void)state;
    mcx_topology t;
    test_topology(&t, MCX_PROFILE_2010CU4, MCX_EXPOSED_EXTERNAL);
    mcx_ad_expect ex = {&t, 0, MCX_ACCESS_EXTERNAL};
    mcx_report *rep = mcx_report_new("test", "remedy", NULL);
    mcx_ad_doc d;
    parse_file("bad/mcx-internal-fqdn.xml", MCX_CT_AD_XML, &d, rep);
    mcx_ad_validate(&d, &ex, rep, "u");
    assert_int_equal(rep->nfindings, 1);
    assert_non_null(strstr(rep->findings[0].message, "Internal/Mcx"));
    assert_non_null(strstr(rep->findings[0].remediation, "Set-CsMcxConfiguration -ExposedWebUrl External"));
    assert_non_null(strstr(rep->findings[0].remediation,
                           "https://webext01.contoso.test/Mcx/McxService.svc"));
    assert_string_equal(rep->findings[0].source, "Technical Requirements for Mobility");
    mcx_ad_doc_clear(&d);

    parse_file("bad/user-no-sipclient-external.xml", MCX_CT_AD_XML, &d, rep);
    mcx_ad_validate(&d, &ex, rep, "u");
    assert_int_equal(rep->nfindings, 2);
    assert_string_equal(rep->findings[1].id, "AD-039");
    assert_non_null(strstr(rep->findings[1].remediation,
                           "<SipClientExternalAccess fqdn=\"sip.contoso.test\" port=\"443\"/>"));
    mcx_ad_doc_clear(&d);

    parse_file("bad/http-root-not-redirect.xml", MCX_CT_AD_XML, &d, rep);
    ex.over_http = 1;
    mcx_ad_validate(&d, &ex, rep, "u");
    assert_int_equal(rep->nfindings, 3);
    assert_string_equal(rep->findings[2].id, "AD-034");
    assert_non_null(strstr(rep->findings[2].remediation,
                           "https://webext01.contoso.test/Autodiscover/AutodiscoverService.svc/root"));
    mcx_ad_doc_clear(&d);
    mcx_report_free(rep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doc_api),
        cmocka_unit_test(test_negotiate_table),
        cmocka_unit_test(test_render_golden),
        cmocka_unit_test(test_render_rejects_incomplete),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_round_trip_ucwa_user),
        cmocka_unit_test(test_tv1_xml_user),
        cmocka_unit_test(test_tv2_json_root),
        cmocka_unit_test(test_tv3_tv4_ucwa_json),
        cmocka_unit_test(test_tv5_ucwa_xml),
        cmocka_unit_test(test_bad_documents),
        cmocka_unit_test(test_oversized_and_odd_inputs),
        cmocka_unit_test(test_validate_remediation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
