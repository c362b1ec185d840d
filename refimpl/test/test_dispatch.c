/*
 * test_dispatch.c -- unit tests of mcxd_handle() without sockets: every
 * Autodiscover resource x representation x listener on the default
 * deployment, 2013-profile resources, 400/401/403/404/405/406, redirects,
 * sipuri and Host injection, path traversal, HEAD, HTTP/1.0-style requests,
 * byte-identical responses and every --break deviation that dispatch owns.
 * Owns nothing but these tests; documents are checked by parsing them with
 * mcx_ad_parse (lib), never by byte patterns.
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
#include "mcx/autodiscover.h"
#include "mcx/report.h"
#include "mcx/topology.h"
#include "mcxd_http.h"

#define NOW ((time_t)1767225600) /* 2026-01-01T00:00:00Z */
#define AD "/Autodiscover/AutodiscoverService.svc/root"
#define BASIC_ALICE "Basic YWxpY2VAY29udG9zby50ZXN0OnNlY3JldA=="    /* alice@contoso.test:secret */
#define BASIC_CAROL "Basic Y2Fyb2xAY29udG9zby50ZXN0OnNlY3JldA=="    /* carol@contoso.test:secret */
#define BASIC_DAVE "Basic ZGF2ZUBjb250b3NvLnRlc3Q6c2VjcmV0"         /* dave@contoso.test:secret */
#define BASIC_ERIN "Basic ZXJpbkBjb250b3NvLnRlc3Q6c2VjcmV0"         /* erin@contoso.test:secret */
#define BASIC_BOB "Basic Ym9iQGZhYnJpa2FtLnRlc3Q6c2VjcmV0Mg=="      /* bob@fabrikam.test:secret2 */
#define BASIC_ALICE_BAD "Basic YWxpY2VAY29udG9zby50ZXN0Ondyb25n"   /* alice@contoso.test:wrong */

typedef struct fixture {
    mcx_topology *topo;
    mcxd_config cfg;
    mcxd_state *st;
} fixture;

static mcx_topology *load_variant(const char *from, const char *to)
{
    const char *xml = mcx_topology_default_xml();
    assert_non_null(xml);
    const char *at = strstr(xml, from);
    assert_non_null(at);
    size_t len = strlen(xml) + strlen(to) + 1;
    char *copy = malloc(len);
    assert_non_null(copy);
    snprintf(copy, len, "%.*s%s%s", (int)(at - xml), xml, to, at + strlen(from));
    mcx_error err;
    mcx_topology *t = mcx_topology_load_memory("variant.xml", copy, strlen(copy), &err);
    free(copy);
    if (!t) {
        char msg[1024];
        mcx_error_format(&err, msg, sizeof(msg));
        fail_msg("variant topology: %s", msg);
    }
    return t;
}

static int setup_with(void **state, mcx_topology *t)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->topo = t;
    assert_non_null(f->topo);
    f->cfg.topo = f->topo;
    f->cfg.deterministic = 1;
    f->cfg.fixed_now = NOW;
    f->st = mcxd_state_new(42, 1);
    assert_non_null(f->st);
    *state = f;
    return 0;
}

static int setup_default(void **state)
{
    mcx_error err;
    return setup_with(state, mcx_topology_load_default(&err));
}

static int setup_2013(void **state)
{
    return setup_with(state, load_variant("profile=\"2010cu4\"", "profile=\"2013\""));
}

static int teardown(void **state)
{
    fixture *f = *state;
    mcxd_state_free(f->st);
    mcx_topology_free(f->topo);
    free(f);
    return 0;
}

typedef struct req_opts {
    const char *method;
    const char *uri;
    const char *host;
    mcx_access side;
    int tls;
    const char *accept;
    const char *authz;
} req_opts;

/* Run one request; also check invariants every response must satisfy. */
static void run(fixture *f, const req_opts *o, mcxd_response *resp)
{
    mcx_http_header h[3];
    size_t n = 0;
    if (o->host)
        h[n++] = (mcx_http_header){(char *)"Host", (char *)o->host};
    if (o->accept)
        h[n++] = (mcx_http_header){(char *)"Accept", (char *)o->accept};
    if (o->authz)
        h[n++] = (mcx_http_header){(char *)"Authorization", (char *)o->authz};
    mcxd_request req = {
        .method = o->method ? o->method : "GET",
        .uri = o->uri,
        .host = o->host,
        .headers = h,
        .nheaders = n,
        .listener = o->side,
        .tls = o->tls,
        .peer = "127.0.0.1:40000",
    };
    mcxd_handle(&f->cfg, f->st, &req, NOW, resp);
    /* Invariants: no CR/LF anywhere in headers; standard headers present;
     * Content-Length matches the body (GET). */
    for (size_t i = 0; i < resp->nheaders; i++) {
        assert_null(strpbrk(resp->headers[i].name, "\r\n"));
        assert_null(strpbrk(resp->headers[i].value, "\r\n"));
    }
    assert_non_null(mcxd_response_get_header(resp, "Content-Type"));
    assert_string_equal(mcxd_response_get_header(resp, "Cache-Control"), "no-cache");
    assert_string_equal(mcxd_response_get_header(resp, "Pragma"), "no-cache");
    assert_string_equal(mcxd_response_get_header(resp, "Expires"), "-1");
    assert_string_equal(mcxd_response_get_header(resp, "X-Content-Type-Options"), "nosniff");
    const char *cl = mcxd_response_get_header(resp, "Content-Length");
    assert_non_null(cl);
    if (strcmp(req.method, "HEAD") != 0) {
        char want[32];
        snprintf(want, sizeof(want), "%zu", resp->body_len);
        assert_string_equal(cl, want);
    } else {
        assert_int_equal(resp->body_len, 0);
    }
}

/* Parse a 200 document. */
static void parse_doc(const mcxd_response *resp, mcx_ad_doc *doc)
{
    mcx_report *rep = mcx_report_new("test", "dispatch", NULL);
    assert_non_null(rep);
    memset(doc, 0, sizeof(*doc));
    int rc = mcx_ad_parse(mcxd_response_get_header(resp, "Content-Type"), resp->body,
                          resp->body_len, doc, rep, "test://");
    if (rc != 0)
        fail_msg("unparsable document: %.*s", (int)resp->body_len, resp->body ? resp->body : "");
    mcx_report_free(rep);
}

static void assert_link(const mcx_ad_doc *doc, const char *token, const char *href)
{
    const mcx_ad_link *l = mcx_ad_find_link(doc, token);
    if (!l)
        fail_msg("no %s link", token);
    assert_string_equal(l->href, href);
}

static const char *accepts[3] = {MCX_ACCEPT_AD_XML, MCX_ACCEPT_AD_JSON, "application/json"};
static const char *ctypes[3] = {MCX_CT_AD_XML, MCX_CT_AD_JSON, MCX_CT_UCWA_JSON};

static void test_root_every_listener_and_repr(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *host;
        const char *in_fqdn, *ex_fqdn;
    } hosts[] = {
        {"lyncdiscover.contoso.test", "dir01.contoso.test", "dirweb.contoso.test"},
        {"lyncdiscoverinternal.fabrikam.test", "dir01.contoso.test", "dirweb.contoso.test"},
        {"LyncDiscover.Contoso.Test:443", "dir01.contoso.test", "dirweb.contoso.test"},
        {"pool01.contoso.test", "pool01.contoso.test", "webext01.contoso.test"},
        {"webext02.contoso.test", "pool02.contoso.test", "webext02.contoso.test"},
        {"unknown.example", "dir01.contoso.test", "dirweb.contoso.test"},
        {NULL, "dir01.contoso.test", "dirweb.contoso.test"}, /* HTTP/1.0 without Host */
    };
    for (size_t h = 0; h < sizeof(hosts) / sizeof(hosts[0]); h++) {
        for (int side = 0; side < 2; side++) {
            for (int r = 0; r < 3; r++) {
                req_opts o = {.uri = "/?sipuri=alice@contoso.test", .host = hosts[h].host,
                              .side = (mcx_access)side, .tls = 1, .accept = accepts[r]};
                mcxd_response resp;
                run(f, &o, &resp);
                assert_int_equal(resp.status, 200);
                assert_string_equal(mcxd_response_get_header(&resp, "Content-Type"), ctypes[r]);
                mcx_ad_doc doc;
                parse_doc(&resp, &doc);
                const char *fq = side ? hosts[h].ex_fqdn : hosts[h].in_fqdn;
                char want[256];
                if (r != 2) { /* UCWA _links has no rel for Domain */
                    snprintf(want, sizeof(want), "https://%s" AD "/domain", fq);
                    assert_link(&doc, "Domain", want);
                }
                snprintf(want, sizeof(want), "https://%s" AD "/user", fq);
                assert_link(&doc, "User", want);
                assert_null(mcx_ad_find_link(&doc, "OAuth"));
                assert_null(mcx_ad_find_link(&doc, "Redirect"));
                if (r != 2) {
                    assert_int_equal(doc.kind, MCX_AD_ROOT);
                    assert_true(doc.has_access_location);
                    assert_int_equal(doc.access_location, side);
                }
                mcx_ad_doc_clear(&doc);
                mcxd_response_free(&resp);
            }
        }
    }
}

static void test_root_paths_and_sipuri_forms(void **state)
{
    fixture *f = *state;
    const char *uris[] = {
        "/",
        "/autodiscover/autodiscoverservice.svc/root",
        "/AUTODISCOVER/AutodiscoverService.SVC/Root?sipuri=alice@contoso.test",
        AD "/?sipuri=sip:alice@contoso.test",
        AD "?SIPURI=sip%3Aalice%40contoso.test",
        AD "?sipuri=someone@not-a-sip-domain.example", /* foreign domain: still Root */
        "/?other=1&sipuri=bob@fabrikam.test&x",
        "http://lyncdiscover.contoso.test/?sipuri=alice@contoso.test", /* absolute form */
    };
    for (size_t i = 0; i < sizeof(uris) / sizeof(uris[0]); i++) {
        req_opts o = {.uri = uris[i], .host = "lyncdiscover.contoso.test",
                      .side = MCX_ACCESS_EXTERNAL, .tls = 1, .accept = MCX_ACCEPT_AD_XML};
        mcxd_response resp;
        run(f, &o, &resp);
        if (resp.status != 200)
            fail_msg("%s -> %d", uris[i], resp.status);
        mcx_ad_doc doc;
        parse_doc(&resp, &doc);
        assert_link(&doc, "User", "https://dirweb.contoso.test" AD "/user");
        mcx_ad_doc_clear(&doc);
        mcxd_response_free(&resp);
    }
}

static void test_http_redirects(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *uri;
        const char *host;
        mcx_ad_kind kind;
        const char *href;
    } cases[] = {
        {"/?sipuri=alice@contoso.test", "lyncdiscover.contoso.test", MCX_AD_ROOT,
         "https://lyncdiscover.contoso.test" AD "?sipuri=alice@contoso.test"},
        {"/?sipuri=sip%3Aalice%40contoso.test", "lyncdiscoverinternal.contoso.test:80",
         MCX_AD_ROOT, "https://lyncdiscoverinternal.contoso.test" AD "?sipuri=alice@contoso.test"},
        {"/", "lyncdiscover.contoso.test", MCX_AD_ROOT, "https://lyncdiscover.contoso.test" AD},
        {AD "/domain", "pool01.contoso.test", MCX_AD_DOMAIN, "https://pool01.contoso.test" AD},
        {AD "/user", "webext01.contoso.test", MCX_AD_USER, "https://webext01.contoso.test" AD},
        /* Host unusable in an href: the pool's web FQDN of the side instead. */
        {"/?sipuri=alice@contoso.test", "evil.example/\"><x", MCX_AD_ROOT,
         "https://dir01.contoso.test" AD "?sipuri=alice@contoso.test"},
        /* Characters that are legal but unsafe in an href are %-encoded. */
        {"/?sipuri=a%22%3E%3Cb@contoso.test", "lyncdiscover.contoso.test", MCX_AD_ROOT,
         "https://lyncdiscover.contoso.test" AD "?sipuri=a%22%3E%3Cb@contoso.test"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (int r = 0; r < 2; r++) {
            /* Internal side: the fallback host is the internal web FQDN. */
            req_opts o = {.uri = cases[i].uri, .host = cases[i].host,
                          .side = MCX_ACCESS_INTERNAL, .tls = 0, .accept = accepts[r]};
            mcxd_response resp;
            run(f, &o, &resp);
            assert_int_equal(resp.status, 200);
            mcx_ad_doc doc;
            parse_doc(&resp, &doc);
            assert_int_equal(doc.kind, cases[i].kind);
            assert_int_equal(doc.nlinks, 1);
            assert_link(&doc, "Redirect", cases[i].href);
            mcx_ad_doc_clear(&doc);
            mcxd_response_free(&resp);
        }
    }
}

static void test_bad_sipuri_400(void **state)
{
    fixture *f = *state;
    char longuri[700];
    memset(longuri, 'a', sizeof(longuri));
    memcpy(longuri, "/?sipuri=", 9);
    memcpy(longuri + 400, "@contoso.test", 13);
    longuri[sizeof(longuri) - 1] = '\0';
    const char *uris[] = {
        "/?sipuri=alice",
        "/?sipuri=",
        "/?sipuri=@contoso.test",
        "/?sipuri=alice@",
        "/?sipuri=a@b@c",
        "/?sipuri=alice%0d%0aX-Injected:%201@contoso.test",
        "/?sipuri=alice@contoso.test%0d%0aSet-Cookie:%20x=1",
        "/?sipuri=alice%00@contoso.test",
        "/?sipuri=alice%zz@contoso.test",
        "/?sipuri=alice%4",
        "/?sipuri=al%09ice@contoso.test",
        longuri,
    };
    for (size_t i = 0; i < sizeof(uris) / sizeof(uris[0]); i++) {
        for (int tls = 0; tls < 2; tls++) {
            req_opts o = {.uri = uris[i], .host = "lyncdiscover.contoso.test",
                          .side = MCX_ACCESS_EXTERNAL, .tls = tls};
            mcxd_response resp;
            run(f, &o, &resp);
            if (resp.status != 400)
                fail_msg("%s -> %d", uris[i], resp.status);
            assert_string_equal(mcxd_response_get_header(&resp, "Content-Type"),
                                "text/plain; charset=utf-8");
            assert_true(resp.body_len > 0);
            assert_non_null(strstr(resp.body, "sipuri"));
            assert_null(strstr(resp.body, "Injected"));
            assert_null(strstr(resp.body, "Set-Cookie"));
            mcxd_response_free(&resp);
        }
    }
}

static void test_sipuri_parse_unit(void **state)
{
    (void)state;
    char *out = NULL;
    const char *why = NULL;
    assert_int_equal(mcxd_sipuri_parse("sip%3Aalice%40contoso.test", 26, &out, &why), 0);
    assert_string_equal(out, "alice@contoso.test");
    free(out);
    assert_int_equal(mcxd_sipuri_parse("SIP:bob@fabrikam.test", 21, &out, &why), 0);
    assert_string_equal(out, "bob@fabrikam.test");
    free(out);
    assert_int_equal(mcxd_sipuri_parse("a\r\n@b", 5, &out, &why), -1);
    assert_null(out);
    assert_non_null(why);
}

static void test_domain(void **state)
{
    fixture *f = *state;
    for (int side = 0; side < 2; side++) {
        for (int r = 0; r < 3; r++) {
            req_opts o = {.uri = AD "/domain", .host = "lyncdiscover.contoso.test",
                          .side = (mcx_access)side, .tls = 1, .accept = accepts[r]};
            mcxd_response resp;
            run(f, &o, &resp);
            assert_int_equal(resp.status, 200);
            assert_string_equal(mcxd_response_get_header(&resp, "Content-Type"), ctypes[r]);
            if (r == 2) { /* UCWA _links carries none of the Domain tokens */
                mcxd_response_free(&resp);
                continue;
            }
            mcx_ad_doc doc;
            parse_doc(&resp, &doc);
            assert_link(&doc, "Internal/Autodiscover", "https://dir01.contoso.test" AD);
            assert_link(&doc, "External/Autodiscover", "https://dirweb.contoso.test" AD);
            assert_link(&doc, "Internal/AuthBroker", "https://dir01.contoso.test/Reach/sip.svc");
            assert_link(&doc, "External/AuthBroker", "https://dirweb.contoso.test/Reach/sip.svc");
            assert_null(mcx_ad_find_link(&doc, "Internal/Ucwa"));
            if (r == 0) {
                assert_int_equal(doc.kind, MCX_AD_DOMAIN);
                assert_int_equal(doc.nsipaccess, 2);
            }
            mcx_ad_doc_clear(&doc);
            mcxd_response_free(&resp);
        }
    }
}

static void test_user_401_without_credentials(void **state)
{
    fixture *f = *state;
    const char *authz[] = {NULL, BASIC_ALICE_BAD, "Basic !!!notbase64", "Bogus xyz"};
    for (size_t i = 0; i < sizeof(authz) / sizeof(authz[0]); i++) {
        req_opts o = {.uri = AD "/user", .host = "lyncdiscover.contoso.test",
                      .side = MCX_ACCESS_EXTERNAL, .tls = 1, .accept = MCX_ACCEPT_AD_XML,
                      .authz = authz[i]};
        mcxd_response resp;
        run(f, &o, &resp);
        assert_int_equal(resp.status, 401);
        const char *url = mcxd_response_get_header(&resp, "X-MS-WebTicketURL");
        assert_non_null(url);
        assert_true(strncmp(url, "https://", 8) == 0);
        mcxd_response_free(&resp);
    }
}

static void test_user_documents(void **state)
{
    fixture *f = *state;
    for (int side = 0; side < 2; side++) {
        const char *ad_fq = side ? "dirweb.contoso.test" : "dir01.contoso.test";
        const char *p1 = side ? "webext01.contoso.test" : "pool01.contoso.test";
        const char *p2 = side ? "webext02.contoso.test" : "pool02.contoso.test";
        char want[256];
        mcxd_response resp;
        mcx_ad_doc doc;
        (void)ad_fq;

        /* alice on the Director: one User-level Redirect to pool01. */
        req_opts o = {.uri = AD "/user", .host = "lyncdiscover.contoso.test",
                      .side = (mcx_access)side, .tls = 1, .accept = MCX_ACCEPT_AD_XML,
                      .authz = BASIC_ALICE};
        run(f, &o, &resp);
        assert_int_equal(resp.status, 200);
        parse_doc(&resp, &doc);
        assert_int_equal(doc.kind, MCX_AD_USER);
        assert_int_equal(doc.nlinks, 1);
        snprintf(want, sizeof(want), "https://%s" AD, p1);
        assert_link(&doc, "Redirect", want);
        mcx_ad_doc_clear(&doc);
        mcxd_response_free(&resp);

        /* alice and bob on pool01: the full 2010 CU4 link set. */
        const char *who[2] = {BASIC_ALICE, BASIC_BOB};
        for (int w = 0; w < 2; w++) {
            o.host = p1;
            o.authz = who[w];
            run(f, &o, &resp);
            assert_int_equal(resp.status, 200);
            parse_doc(&resp, &doc);
            assert_int_equal(doc.kind, MCX_AD_USER);
            assert_null(mcx_ad_find_link(&doc, "Redirect"));
            assert_link(&doc, "Internal/Autodiscover", "https://pool01.contoso.test" AD);
            assert_link(&doc, "External/Autodiscover", "https://webext01.contoso.test" AD);
            assert_link(&doc, "Internal/AuthBroker", "https://pool01.contoso.test/Reach/sip.svc");
            assert_link(&doc, "External/AuthBroker", "https://webext01.contoso.test/Reach/sip.svc");
            assert_link(&doc, "Internal/Mcx", "https://webext01.contoso.test/Mcx/McxService.svc");
            assert_link(&doc, "External/Mcx", "https://webext01.contoso.test/Mcx/McxService.svc");
            snprintf(want, sizeof(want), "https://%s" AD "/user", p1);
            assert_link(&doc, "Self", want);
            assert_null(mcx_ad_find_link(&doc, "Ucwa"));
            assert_int_equal(doc.nlinks, 7);
            assert_int_equal(doc.nsipaccess, 4);
            assert_int_equal(doc.access_location, side);
            mcx_ad_doc_clear(&doc);
            mcxd_response_free(&resp);
        }

        /* The same User document as +json;v=1 and as UCWA _links. */
        for (int r = 1; r < 3; r++) {
            o.authz = BASIC_ALICE;
            o.accept = accepts[r];
            run(f, &o, &resp);
            assert_int_equal(resp.status, 200);
            assert_string_equal(mcxd_response_get_header(&resp, "Content-Type"), ctypes[r]);
            parse_doc(&resp, &doc);
            snprintf(want, sizeof(want), "https://%s" AD "/user", p1);
            assert_link(&doc, "Self", want);
            if (r == 1)
                assert_link(&doc, "External/Mcx", "https://webext01.contoso.test/Mcx/McxService.svc");
            mcx_ad_doc_clear(&doc);
            mcxd_response_free(&resp);
        }
        o.accept = MCX_ACCEPT_AD_XML;

        /* carol (pool02) asking pool01: Redirect to pool02. */
        o.authz = BASIC_CAROL;
        run(f, &o, &resp);
        assert_int_equal(resp.status, 200);
        parse_doc(&resp, &doc);
        assert_int_equal(doc.nlinks, 1);
        snprintf(want, sizeof(want), "https://%s" AD, p2);
        assert_link(&doc, "Redirect", want);
        mcx_ad_doc_clear(&doc);
        mcxd_response_free(&resp);

        /* dave (online): Redirect to the online Autodiscover. */
        o.authz = BASIC_DAVE;
        run(f, &o, &resp);
        assert_int_equal(resp.status, 200);
        parse_doc(&resp, &doc);
        assert_int_equal(doc.nlinks, 1);
        assert_link(&doc, "Redirect",
                    "https://webdir.online.lync.test/Autodiscover/AutodiscoverService.svc/root");
        mcx_ad_doc_clear(&doc);
        mcxd_response_free(&resp);

        /* erin (not enabled for Lync): 404, empty body. */
        o.authz = BASIC_ERIN;
        run(f, &o, &resp);
        assert_int_equal(resp.status, 404);
        assert_int_equal(resp.body_len, 0);
        assert_string_equal(mcxd_response_get_header(&resp, "Content-Length"), "0");
        mcxd_response_free(&resp);
    }
}

static void test_oauth_and_xframe_absent_in_2010(void **state)
{
    fixture *f = *state;
    const char *uris[] = {AD "/oauth/user", "/Autodiscover/XFrame/XFrame.html"};
    for (size_t i = 0; i < 2; i++) {
        req_opts o = {.uri = uris[i], .host = "lyncdiscover.contoso.test",
                      .side = MCX_ACCESS_EXTERNAL, .tls = 1};
        mcxd_response resp;
        run(f, &o, &resp);
        assert_int_equal(resp.status, 404);
        mcxd_response_free(&resp);
    }
}

static void test_2013_resources(void **state)
{
    fixture *f = *state;
    mcxd_response resp;
    mcx_ad_doc doc;
    req_opts o = {.uri = "/?sipuri=alice@contoso.test", .host = "lyncdiscover.contoso.test",
                  .side = MCX_ACCESS_EXTERNAL, .tls = 1, .accept = MCX_ACCEPT_AD_XML};
    run(f, &o, &resp);
    assert_int_equal(resp.status, 200);
    parse_doc(&resp, &doc);
    assert_link(&doc, "OAuth", "https://dirweb.contoso.test" AD "/oauth/user");
    mcx_ad_doc_clear(&doc);
    mcxd_response_free(&resp);

    o.uri = AD "/oauth/user";
    run(f, &o, &resp);
    assert_int_equal(resp.status, 401);
    assert_non_null(mcxd_response_get_header(&resp, "WWW-Authenticate"));
    mcxd_response_free(&resp);

    o.authz = "Bearer cwt=not-a-real-token";
    run(f, &o, &resp);
    assert_int_equal(resp.status, 403);
    mcxd_response_free(&resp);

    o.uri = AD "/user";
    o.host = "webext01.contoso.test";
    o.authz = BASIC_ALICE;
    run(f, &o, &resp);
    assert_int_equal(resp.status, 200);
    parse_doc(&resp, &doc);
    assert_link(&doc, "Ucwa", "https://webext01.contoso.test/ucwa/v1/applications");
    assert_link(&doc, "Internal/Ucwa", "https://pool01.contoso.test/ucwa/v1/applications");
    assert_link(&doc, "External/WebScheduler", "https://webext01.contoso.test/Scheduler");
    assert_link(&doc, "XFrame", "https://webext01.contoso.test/Autodiscover/XFrame/XFrame.html");
    assert_link(&doc, "External/Mcx", "https://webext01.contoso.test/Mcx/McxService.svc");
    assert_int_equal(doc.nlinks, 15);
    mcx_ad_doc_clear(&doc);
    mcxd_response_free(&resp);

    req_opts x = {.uri = "/autodiscover/xframe/xframe.html", .host = "webext01.contoso.test",
                  .side = MCX_ACCESS_EXTERNAL, .tls = 1};
    run(f, &x, &resp);
    assert_int_equal(resp.status, 200);
    assert_string_equal(mcxd_response_get_header(&resp, "Content-Type"),
                        "text/html; charset=utf-8");
    assert_non_null(strstr(resp.body, "<html>"));
    mcxd_response_free(&resp);
}

static void test_406_405_404_400(void **state)
{
    fixture *f = *state;
    mcxd_response resp;
    req_opts o = {.uri = "/", .host = "lyncdiscover.contoso.test", .side = MCX_ACCESS_EXTERNAL,
                  .tls = 1, .accept = "text/html"};
    run(f, &o, &resp);
    assert_int_equal(resp.status, 406);
    assert_non_null(strstr(resp.body, MCX_CT_AD_XML));
    assert_non_null(strstr(resp.body, MCX_CT_AD_JSON));
    mcxd_response_free(&resp);

    const char *methods[] = {"POST", "PUT", "DELETE", "OPTIONS", "PATCH"};
    for (size_t i = 0; i < 5; i++) {
        req_opts m = {.method = methods[i], .uri = AD "/user", .host = "lyncdiscover.contoso.test",
                      .side = MCX_ACCESS_EXTERNAL, .tls = 1};
        run(f, &m, &resp);
        assert_int_equal(resp.status, 405);
        assert_string_equal(mcxd_response_get_header(&resp, "Allow"), "GET, HEAD");
        mcxd_response_free(&resp);
    }

    const char *notfound[] = {
        "/nothing",
        AD "/user/../user",
        AD "/../root/user",
        "/%2e%2e/etc/passwd",
        "/Autodiscover/AutodiscoverService.svc%2froot",
        AD "/user/../../../../etc/passwd",
        "//autodiscover/autodiscoverservice.svc/root",
        AD "/oauth/user/extra",
    };
    for (size_t i = 0; i < sizeof(notfound) / sizeof(notfound[0]); i++) {
        req_opts n = {.uri = notfound[i], .host = "lyncdiscover.contoso.test",
                      .side = MCX_ACCESS_EXTERNAL, .tls = 1};
        run(f, &n, &resp);
        if (resp.status != 404)
            fail_msg("%s -> %d", notfound[i], resp.status);
        mcxd_response_free(&resp);
    }

    const char *bad[] = {"autodiscover", "*", ""};
    for (size_t i = 0; i < 3; i++) {
        req_opts b = {.uri = bad[i], .host = "lyncdiscover.contoso.test",
                      .side = MCX_ACCESS_EXTERNAL, .tls = 1};
        run(f, &b, &resp);
        assert_int_equal(resp.status, 400);
        mcxd_response_free(&resp);
    }
}

static void test_head_like_get(void **state)
{
    fixture *f = *state;
    mcxd_response get, head;
    req_opts o = {.uri = "/?sipuri=alice@contoso.test", .host = "lyncdiscover.contoso.test",
                  .side = MCX_ACCESS_EXTERNAL, .tls = 1, .accept = MCX_ACCEPT_AD_XML};
    run(f, &o, &get);
    o.method = "HEAD";
    run(f, &o, &head);
    assert_int_equal(head.status, 200);
    assert_null(head.body);
    assert_int_equal(get.nheaders, head.nheaders);
    for (size_t i = 0; i < get.nheaders; i++) {
        assert_string_equal(get.headers[i].name, head.headers[i].name);
        assert_string_equal(get.headers[i].value, head.headers[i].value);
    }
    assert_true(get.body_len > 0);
    mcxd_response_free(&get);
    mcxd_response_free(&head);
}

static void test_deterministic_and_header_order(void **state)
{
    fixture *f = *state;
    const char *uris[] = {"/?sipuri=alice@contoso.test", AD "/domain", AD "/user"};
    for (size_t u = 0; u < 3; u++) {
        mcxd_response a, b;
        req_opts o = {.uri = uris[u], .host = "webext01.contoso.test",
                      .side = MCX_ACCESS_EXTERNAL, .tls = 1, .accept = MCX_ACCEPT_AD_XML,
                      .authz = BASIC_ALICE};
        run(f, &o, &a);
        run(f, &o, &b);
        assert_int_equal(a.status, 200);
        assert_int_equal(a.nheaders, b.nheaders);
        assert_int_equal(a.body_len, b.body_len);
        assert_memory_equal(a.body, b.body, a.body_len);
        for (size_t i = 0; i < a.nheaders; i++) {
            assert_string_equal(a.headers[i].name, b.headers[i].name);
            assert_string_equal(a.headers[i].value, b.headers[i].value);
        }
        const char *order[] = {"Content-Type", "Content-Length", "Date", "Cache-Control",
                               "Pragma", "Expires", "X-Content-Type-Options"};
        assert_true(a.nheaders >= 7);
        for (size_t i = 0; i < 7; i++)
            assert_string_equal(a.headers[i].name, order[i]);
        assert_string_equal(a.headers[2].value, "Thu, 01 Jan 2026 00:00:00 GMT");
        assert_null(mcxd_response_get_header(&a, "X-MS-Server-Fqdn"));
        mcxd_response_free(&a);
        mcxd_response_free(&b);
    }
}

static void test_server_fqdn_header_when_enabled(void **state)
{
    (void)state;
    fixture *f;
    setup_with((void **)&f, load_variant("serverFqdnHeader=\"false\"", "serverFqdnHeader=\"true\""));
    mcxd_response resp;
    req_opts o = {.uri = "/", .host = "lyncdiscover.contoso.test", .side = MCX_ACCESS_EXTERNAL,
                  .tls = 1};
    run(f, &o, &resp);
    assert_string_equal(mcxd_response_get_header(&resp, "X-MS-Server-Fqdn"), "dir01.contoso.test");
    assert_string_equal(resp.headers[7].name, "X-MS-Server-Fqdn");
    mcxd_response_free(&resp);
    void *s = f;
    teardown(&s);
}

static void test_exposed_web_url_internal(void **state)
{
    (void)state;
    fixture *f;
    setup_with((void **)&f, load_variant("exposedWebUrl=\"External\"", "exposedWebUrl=\"Internal\""));
    mcxd_response resp;
    mcx_ad_doc doc;
    req_opts o = {.uri = AD "/user", .host = "pool01.contoso.test", .side = MCX_ACCESS_EXTERNAL,
                  .tls = 1, .accept = MCX_ACCEPT_AD_XML, .authz = BASIC_ALICE};
    run(f, &o, &resp);
    assert_int_equal(resp.status, 200);
    parse_doc(&resp, &doc);
    assert_link(&doc, "Internal/Mcx", "https://pool01.contoso.test/Mcx/McxService.svc");
    assert_link(&doc, "External/Mcx", "https://pool01.contoso.test/Mcx/McxService.svc");
    mcx_ad_doc_clear(&doc);
    mcxd_response_free(&resp);
    void *s = f;
    teardown(&s);
}

static void test_breaks(void **state)
{
    fixture *f = *state;
    mcxd_response resp;
    mcx_ad_doc doc;

    /* Without a break: the baseline each deviation is compared against. */
    f->cfg.breaks = MCXD_BREAK_MCX_INTERNAL;
    req_opts u = {.uri = AD "/user", .host = "pool01.contoso.test", .side = MCX_ACCESS_INTERNAL,
                  .tls = 1, .accept = MCX_ACCEPT_AD_XML, .authz = BASIC_ALICE};
    run(f, &u, &resp);
    parse_doc(&resp, &doc);
    assert_link(&doc, "Internal/Mcx", "https://pool01.contoso.test/Mcx/McxService.svc");
    assert_link(&doc, "External/Mcx", "https://webext01.contoso.test/Mcx/McxService.svc");
    mcx_ad_doc_clear(&doc);
    mcxd_response_free(&resp);

    f->cfg.breaks = MCXD_BREAK_HTTP_302;
    req_opts h = {.uri = "/?sipuri=alice@contoso.test", .host = "lyncdiscover.contoso.test",
                  .side = MCX_ACCESS_EXTERNAL, .tls = 0, .accept = MCX_ACCEPT_AD_XML};
    run(f, &h, &resp);
    assert_int_equal(resp.status, 302);
    assert_string_equal(mcxd_response_get_header(&resp, "Location"),
                        "https://lyncdiscover.contoso.test" AD "?sipuri=alice@contoso.test");
    mcxd_response_free(&resp);

    f->cfg.breaks = MCXD_BREAK_MULTI_REDIRECT;
    run(f, &h, &resp);
    assert_int_equal(resp.status, 200);
    parse_doc(&resp, &doc);
    assert_non_null(mcx_ad_find_link(&doc, "Redirect"));
    assert_int_equal(doc.nlinks, 2);
    mcx_ad_doc_clear(&doc);
    mcxd_response_free(&resp);

    f->cfg.breaks = MCXD_BREAK_CONTENT_TYPE;
    h.tls = 1;
    run(f, &h, &resp);
    assert_int_equal(resp.status, 200);
    assert_string_equal(mcxd_response_get_header(&resp, "Content-Type"), "text/xml");
    mcxd_response_free(&resp);

    f->cfg.breaks = MCXD_BREAK_USER_404_BODY;
    u.authz = BASIC_ERIN;
    run(f, &u, &resp);
    assert_int_equal(resp.status, 404);
    assert_true(resp.body_len > 0);
    mcxd_response_free(&resp);

    f->cfg.breaks = MCXD_BREAK_NO_401_TICKET_URL;
    u.authz = NULL;
    run(f, &u, &resp);
    assert_int_equal(resp.status, 401);
    assert_null(mcxd_response_get_header(&resp, "X-MS-WebTicketURL"));
    mcxd_response_free(&resp);
    f->cfg.breaks = 0;
}

static void test_auth_paths_get_standard_headers(void **state)
{
    fixture *f = *state;
    const char *uris[] = {"/WebTicket/WebTicketService.svc", "/webticket/webticketservice.svc/mex"};
    for (size_t i = 0; i < 2; i++) {
        req_opts o = {.uri = uris[i], .host = "pool01.contoso.test", .side = MCX_ACCESS_INTERNAL,
                      .tls = 1};
        mcxd_response resp;
        run(f, &o, &resp); /* run() asserts the standard header block */
        assert_int_not_equal(resp.status, 404);
        mcxd_response_free(&resp);
    }
}

static void test_no_topology_500(void **state)
{
    (void)state;
    mcxd_config cfg = {0};
    mcxd_request req = {.method = "GET", .uri = "/", .listener = MCX_ACCESS_INTERNAL, .tls = 1};
    mcxd_response resp;
    mcxd_handle(&cfg, NULL, &req, NOW, &resp);
    assert_int_equal(resp.status, 500);
    mcxd_response_free(&resp);
}

static void test_access_log_escapes(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    mcxd_request req = {.method = "GET", .uri = "/?a=\r\nFAKE 200\x01\"",
                        .listener = MCX_ACCESS_EXTERNAL, .tls = 1, .peer = "127.0.0.1:5"};
    mcxd_response resp;
    mcxd_response_init(&resp);
    resp.status = 400;
    mcxd_access_log(out, &req, &resp, 12);
    fclose(out);
    assert_string_equal(buf, "127.0.0.1:5 external-https GET /?a=\\x0D\\x0AFAKE\\x20200\\x01\\x22 400 12\n");
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_root_every_listener_and_repr, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_root_paths_and_sipuri_forms, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_http_redirects, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_bad_sipuri_400, setup_default, teardown),
        cmocka_unit_test(test_sipuri_parse_unit),
        cmocka_unit_test_setup_teardown(test_domain, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_user_401_without_credentials, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_user_documents, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_oauth_and_xframe_absent_in_2010, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_2013_resources, setup_2013, teardown),
        cmocka_unit_test_setup_teardown(test_406_405_404_400, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_head_like_get, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_deterministic_and_header_order, setup_default, teardown),
        cmocka_unit_test(test_server_fqdn_header_when_enabled),
        cmocka_unit_test(test_exposed_web_url_internal),
        cmocka_unit_test_setup_teardown(test_breaks, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_auth_paths_get_standard_headers, setup_default, teardown),
        cmocka_unit_test(test_no_topology_500),
        cmocka_unit_test(test_access_log_escapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
