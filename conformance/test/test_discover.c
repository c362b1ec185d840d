/*
 * test_discover.c -- unit tests of the discovery trace's pure logic
 * (conformance/discover.h) and of lib/http_client.c against a tiny
 * libevent server on 127.0.3.9 run in a child process.
 *
 * Owns: tests of SIP URI checks, candidate URL order, loop detection,
 * endpoint choice by AccessLocation, reading a 401's offer, WSDL port
 * choice, Assertion extraction, the WS-Trust request, the DNS steps'
 * descriptions and host pinning (discover_dns.c), and the HTTP client's
 * resolve-only pre-check, connect errors, header order, body bound and
 * no-redirect rule. Does not own: end-to-end runs against mcxd
 * (conformance/test/discover_live.sh).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/util.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <libxml/parser.h>
#include <openssl/evp.h>
#include "discover.h"

#define TEST_ADDR "127.0.3.9"
#define TEST_PORT 18191

/* ---- pure helpers ---------------------------------------------------- */

static void test_sip_domain(void **state)
{
    (void)state;
    char d[256];
    const char *why = NULL;
    assert_int_equal(mcx_ds_sip_domain("alice@contoso.test", d, sizeof d, &why), 0);
    assert_string_equal(d, "contoso.test");
    assert_int_equal(mcx_ds_sip_domain("sip:Bob@Fabrikam.TEST", d, sizeof d, &why), 0);
    assert_string_equal(d, "fabrikam.test");
    assert_string_equal(mcx_ds_bare_uri("sip:Bob@Fabrikam.TEST"), "Bob@Fabrikam.TEST");
    assert_int_equal(mcx_ds_sip_domain("alice", d, sizeof d, &why), -1);
    assert_non_null(why);
    assert_int_equal(mcx_ds_sip_domain("@contoso.test", d, sizeof d, &why), -1);
    assert_int_equal(mcx_ds_sip_domain("alice@", d, sizeof d, &why), -1);
    assert_int_equal(mcx_ds_sip_domain("alice@localhost", d, sizeof d, &why), -1);
    assert_int_equal(mcx_ds_sip_domain("alice@contoso..test", d, sizeof d, &why), -1);
    assert_int_equal(mcx_ds_sip_domain("alice@-contoso.test", d, sizeof d, &why), -1);
    assert_int_equal(mcx_ds_sip_domain("al ice@contoso.test", d, sizeof d, &why), -1);
    assert_int_equal(mcx_ds_sip_domain("alice@contoso.test/x", d, sizeof d, &why), -1);
    assert_int_equal(mcx_ds_sip_domain("a@b&c.test", d, sizeof d, &why), -1);
}

static void test_candidate_order(void **state)
{
    (void)state;
    char u[256];
    static const char *const want[MCX_DS_NCANDIDATES] = {
        "https://lyncdiscoverinternal.contoso.test/?sipuri=alice@contoso.test",
        "http://lyncdiscoverinternal.contoso.test/?sipuri=alice@contoso.test",
        "https://lyncdiscover.contoso.test/?sipuri=alice@contoso.test",
        "http://lyncdiscover.contoso.test/?sipuri=alice@contoso.test",
    };
    for (size_t i = 0; i < MCX_DS_NCANDIDATES; i++) {
        assert_int_equal(mcx_ds_candidate_url(i, "contoso.test", "alice@contoso.test", u, sizeof u), 0);
        assert_string_equal(u, want[i]);
    }
    assert_int_equal(mcx_ds_candidate_url(4, "contoso.test", "alice@contoso.test", u, sizeof u), -1);
    assert_int_equal(mcx_ds_candidate_url(0, "contoso.test", "alice@contoso.test", u, 20), -1);
    assert_int_equal(mcx_ds_candidate_url(2, "contoso.test", "o'b+x@contoso.test", u, sizeof u), 0);
    assert_string_equal(u, "https://lyncdiscover.contoso.test/?sipuri=o%27b%2Bx@contoso.test");
    assert_string_equal(mcx_ds_candidate_prefix(1), "lyncdiscoverinternal");
    assert_string_equal(mcx_ds_candidate_prefix(2), "lyncdiscover");
}

static void test_loop_detection(void **state)
{
    (void)state;
    mcx_ds_visited v = {{0}, 0};
    assert_int_equal(mcx_ds_visit(&v, "https://a.test/root"), 0);
    assert_int_equal(mcx_ds_visit(&v, "https://b.test/root"), 0);
    assert_int_equal(mcx_ds_visit(&v, "HTTPS://A.test/Root"), 1);
    assert_int_equal(mcx_ds_visit(&v, "https://b.test/root"), 1);
    assert_int_equal(v.n, 2);
    mcx_ds_visited_free(&v);
    assert_int_equal(v.n, 0);
    char u[64];
    for (int i = 0; i < MCX_DS_MAX_VISITED; i++) {
        snprintf(u, sizeof u, "https://h%d.test/", i);
        assert_int_equal(mcx_ds_visit(&v, u), 0);
    }
    assert_int_equal(mcx_ds_visit(&v, "https://one-more.test/"), -1);
    mcx_ds_visited_free(&v);
}

static void user_doc(mcx_ad_doc *d, int has_loc, mcx_access loc)
{
    mcx_ad_doc_init(d, MCX_AD_USER, loc);
    d->has_access_location = has_loc;
    mcx_ad_add_link(d, "Internal/Mcx", "https://webext01.contoso.test/Mcx/McxService.svc");
    mcx_ad_add_link(d, "External/Mcx", "https://webext01.contoso.test/Mcx/McxService.svc?e");
    mcx_ad_add_sipaccess(d, "SipClientInternalAccess", "pool01.contoso.test", 5061);
    mcx_ad_add_sipaccess(d, "SipClientExternalAccess", "sip.contoso.test", 443);
}

static void test_choose_by_access_location(void **state)
{
    (void)state;
    mcx_ad_doc d;
    mcx_ds_choice ch;

    user_doc(&d, 1, MCX_ACCESS_INTERNAL);
    assert_int_equal(mcx_ds_choose(&d, &ch), 0);
    assert_string_equal(ch.sip->fqdn, "pool01.contoso.test");
    assert_int_equal(ch.sip->port, 5061);
    assert_string_equal(ch.mcx->href, "https://webext01.contoso.test/Mcx/McxService.svc");
    mcx_ad_doc_clear(&d);

    user_doc(&d, 1, MCX_ACCESS_EXTERNAL);
    assert_int_equal(mcx_ds_choose(&d, &ch), 0);
    assert_string_equal(ch.sip->fqdn, "sip.contoso.test");
    assert_int_equal(ch.sip->port, 443);
    assert_string_equal(ch.mcx->href, "https://webext01.contoso.test/Mcx/McxService.svc?e");
    assert_int_equal(ch.location, MCX_ACCESS_EXTERNAL);
    mcx_ad_doc_clear(&d);

    /* No AccessLocation: internal first. */
    user_doc(&d, 0, MCX_ACCESS_EXTERNAL);
    assert_int_equal(mcx_ds_choose(&d, &ch), 0);
    assert_string_equal(ch.sip->fqdn, "pool01.contoso.test");
    assert_int_equal(ch.location, MCX_ACCESS_INTERNAL);
    mcx_ad_doc_clear(&d);

    /* External document without the external entries: both missing. */
    mcx_ad_doc_init(&d, MCX_AD_USER, MCX_ACCESS_EXTERNAL);
    d.has_access_location = 1;
    mcx_ad_add_link(&d, "Internal/Mcx", "https://x.test/Mcx/McxService.svc");
    mcx_ad_add_sipaccess(&d, "SipClientInternalAccess", "pool01.contoso.test", 5061);
    assert_int_equal(mcx_ds_choose(&d, &ch), -1);
    assert_int_equal(ch.missing_sip, 1);
    assert_int_equal(ch.missing_mcx, 1);
    mcx_ad_doc_clear(&d);
}

static void test_url_host(void **state)
{
    (void)state;
    char h[64];
    assert_int_equal(mcx_ds_url_host("https://WebExt01.Contoso.test/Mcx/McxService.svc", h, sizeof h), 0);
    assert_string_equal(h, "webext01.contoso.test");
    assert_int_equal(mcx_ds_url_host("not a url", h, sizeof h), -1);
    assert_int_equal(mcx_ds_url_host("https://a-very-long-host-name.contoso.test/", h, 8), -1);
}

static void test_read_offer(void **state)
{
    (void)state;
    mcx_http_header hs[] = {
        {"Content-Type", "text/html"},
        {"WWW-Authenticate", "Bearer trusted_issuers=\"\",client_id=\"\""},
        {"WWW-Authenticate", "MsRtcOAuth href=\"https://pool01.contoso.test/WebTicket/oauthtoken\","
                             "grant_type=\"urn:microsoft.rtc:windows,password\""},
        {"WWW-Authenticate", "Negotiate,NTLM"},
    };
    mcx_http_response r;
    memset(&r, 0, sizeof r);
    r.headers = hs;
    r.nheaders = 4;
    mcx_ds_offer o;
    char names[128];
    mcx_ds_read_offer(&r, &o);
    assert_string_equal(o.oauth_href, "https://pool01.contoso.test/WebTicket/oauthtoken");
    assert_string_equal(o.webticket_url, "");
    assert_int_equal(o.basic, 0);
    assert_int_equal(o.negotiate, 1);
    mcx_ds_offer_names(&o, names, sizeof names);
    assert_string_equal(names, "oauth negotiate");
    assert_int_equal(mcx_ds_pick_auth(&o, MCX_DS_AUTH_AUTO), MCX_DS_AUTH_OAUTH);
    assert_int_equal(mcx_ds_pick_auth(&o, MCX_DS_AUTH_BASIC), MCX_DS_AUTH_AUTO);

    mcx_http_header hs2[] = {
        {"x-ms-webticketurl", "https://dir01.contoso.test/WebTicket/WebTicketService.svc"},
        {"WWW-Authenticate", "Basic realm=\"contoso.test\""},
    };
    r.headers = hs2;
    r.nheaders = 2;
    mcx_ds_read_offer(&r, &o);
    assert_string_equal(o.webticket_url, "https://dir01.contoso.test/WebTicket/WebTicketService.svc");
    assert_int_equal(o.basic, 1);
    assert_string_equal(o.oauth_href, "");
    mcx_ds_offer_names(&o, names, sizeof names);
    assert_string_equal(names, "webticket basic");
    assert_int_equal(mcx_ds_pick_auth(&o, MCX_DS_AUTH_AUTO), MCX_DS_AUTH_WEBTICKET);
    assert_int_equal(mcx_ds_pick_auth(&o, MCX_DS_AUTH_BASIC), MCX_DS_AUTH_BASIC);
    assert_int_equal(mcx_ds_pick_auth(&o, MCX_DS_AUTH_OAUTH), MCX_DS_AUTH_AUTO);

    /* A "realm" parameter named like a scheme must not count as one. */
    mcx_http_header hs3[] = {{"WWW-Authenticate", "Digest realm=\"Basic\", nonce=\"x\""}};
    r.headers = hs3;
    r.nheaders = 1;
    mcx_ds_read_offer(&r, &o);
    assert_int_equal(o.basic, 0);
    mcx_ds_offer_names(&o, names, sizeof names);
    assert_string_equal(names, "nothing");
    r.headers = NULL;
}

static void test_wsdl_port(void **state)
{
    (void)state;
    static const char wsdl[] =
        "<wsdl:definitions xmlns:wsdl=\"http://schemas.xmlsoap.org/wsdl/\" "
        "xmlns:soap=\"http://schemas.xmlsoap.org/wsdl/soap/\">"
        "<wsdl:service name=\"WebTicketService\">"
        "<wsdl:port name=\"WsFedBearer\" binding=\"b1\"><soap:address location=\"https://a.test/WebTicket/WebTicketService.svc/WsFedBearer\"/></wsdl:port>"
        "<wsdl:port name=\"WebTicketServiceWinNegotiate\" binding=\"b2\"><soap:address location=\"https://a.test/WebTicket/WebTicketService.svc/Auth\"/></wsdl:port>"
        "</wsdl:service></wsdl:definitions>";
    char *p = mcx_ds_wsdl_port(wsdl, sizeof wsdl - 1);
    assert_non_null(p);
    assert_string_equal(p, "https://a.test/WebTicket/WebTicketService.svc/Auth");
    free(p);
    static const char only_fed[] =
        "<definitions><service><port name=\"WsFedBearer\"><address location=\"https://a.test/x\"/></port></service></definitions>";
    assert_null(mcx_ds_wsdl_port(only_fed, sizeof only_fed - 1));
    assert_null(mcx_ds_wsdl_port("<not-closed", 11));
    assert_null(mcx_ds_wsdl_port("", 0));
}

static char *b64_decode(const char *s, int *len)
{
    size_t n = strlen(s);
    unsigned char *out = malloc(n + 1);
    assert_non_null(out);
    int m = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
    assert_true(m >= 0);
    while (n > 0 && s[n - 1] == '=') {
        m--;
        n--;
    }
    out[m] = '\0';
    *len = m;
    return (char *)out;
}

static void test_extract_assertion(void **state)
{
    (void)state;
    static const char rstr[] =
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" "
        "xmlns:saml=\"urn:oasis:names:tc:SAML:1.0:assertion\"><s:Body>"
        "<RequestSecurityTokenResponse xmlns=\"http://docs.oasis-open.org/ws-sx/ws-trust/200512\">"
        "<RequestedSecurityToken><saml:Assertion AssertionID=\"_a1\" Issuer=\"mcxd\">"
        "<saml:Conditions NotBefore=\"2026-01-01T00:00:00Z\"/></saml:Assertion>"
        "</RequestedSecurityToken></RequestSecurityTokenResponse></s:Body></s:Envelope>";
    char *b64 = mcx_ds_extract_assertion(rstr, sizeof rstr - 1);
    assert_non_null(b64);
    int len = 0;
    char *xml = b64_decode(b64, &len);
    assert_non_null(strstr(xml, "<saml:Assertion"));
    assert_non_null(strstr(xml, "xmlns:saml=\"urn:oasis:names:tc:SAML:1.0:assertion\""));
    assert_non_null(strstr(xml, "AssertionID=\"_a1\""));
    assert_null(strstr(xml, "Envelope"));
    /* What was extracted is itself well-formed XML. */
    xmlDoc *doc = xmlReadMemory(xml, len, "a.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR);
    assert_non_null(doc);
    xmlFreeDoc(doc);
    free(xml);
    free(b64);
    static const char none[] = "<Envelope><Body><Fault/></Body></Envelope>";
    assert_null(mcx_ds_extract_assertion(none, sizeof none - 1));
}

static void test_build_rst(void **state)
{
    (void)state;
    size_t l1 = 0, l2 = 0, l3 = 0;
    const char *url = "https://pool01.contoso.test/Autodiscover/AutodiscoverService.svc/root/user?a=1&b=2";
    char *a = mcx_ds_build_rst(url, "sip:alice@contoso.test", 7, &l1);
    char *b = mcx_ds_build_rst(url, "alice@contoso.test", 7, &l2);
    char *c = mcx_ds_build_rst(url, "alice@contoso.test", 8, &l3);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    assert_int_equal(l1, l2);
    assert_memory_equal(a, b, l1);     /* same seed: byte-identical */
    assert_true(l1 != l3 || memcmp(a, c, l1) != 0); /* other seed: other entropy */
    assert_non_null(strstr(a, "a=1&amp;b=2")); /* escaped by libxml2 */
    assert_non_null(strstr(a, "sip:alice@contoso.test"));
    assert_null(strstr(a, "sip:sip:"));
    xmlDoc *doc = xmlReadMemory(a, (int)l1, "rst.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR);
    assert_non_null(doc);
    xmlNode *env = xmlDocGetRootElement(doc);
    assert_string_equal((const char *)env->name, "Envelope");
    assert_string_equal((const char *)env->ns->href, "http://schemas.xmlsoap.org/soap/envelope/");
    xmlFreeDoc(doc);
    assert_non_null(strstr(a, "RequestSecurityToken"));
    assert_non_null(strstr(a, "urn:component:Microsoft.Rtc.WebAuthentication.2010:authclaims"));
    free(a);
    free(b);
    free(c);
}

/* ---- DNS steps (discover_dns.c) ------------------------------------------ */

static void test_url_port(void **state)
{
    (void)state;
    assert_int_equal(mcx_ds_url_port("https://lyncdiscover.contoso.test/?sipuri=a@b.c"), 443);
    assert_int_equal(mcx_ds_url_port("http://lyncdiscover.contoso.test/"), 80);
    assert_int_equal(mcx_ds_url_port("https://webext01.contoso.test:4443/Mcx"), 4443);
    assert_int_equal(mcx_ds_url_port("not a url"), -1);
}

static mcx_dns_view *describe_view(void)
{
    static const struct {
        const char *owner;
        uint16_t type;
        uint32_t ttl;
        const char *rdata;
    } rrs[] = {
        {"lyncdiscover.contoso.test", MCX_DNS_TYPE_CNAME, 3600, "dirweb.contoso.test"},
        {"dirweb.contoso.test", MCX_DNS_TYPE_A, 300, "127.0.11.40"},
        {"dirweb.contoso.test", MCX_DNS_TYPE_A, 300, "127.0.11.41"},
        {"loop1.contoso.test", MCX_DNS_TYPE_CNAME, 60, "loop2.contoso.test"},
        {"loop2.contoso.test", MCX_DNS_TYPE_CNAME, 60, "loop1.contoso.test"},
        {"away.contoso.test", MCX_DNS_TYPE_CNAME, 60, "web.example.org"},
    };
    mcx_dns_view *v = mcx_dns_view_new("external");
    assert_non_null(v);
    assert_int_equal(mcx_dns_view_add_zone(v, "contoso.test"), 0);
    for (size_t i = 0; i < sizeof rrs / sizeof rrs[0]; i++)
        assert_int_equal(mcx_dns_view_add_rr(v, rrs[i].owner, rrs[i].type, rrs[i].ttl,
                                             rrs[i].rdata, "t"), 0);
    return v;
}

static void describe(mcx_dns_view *v, const char *name, uint16_t type, mcx_step_outcome want,
                     const char *want_text, const char *want_addr)
{
    mcx_dns_answer a;
    char text[512];
    assert_int_equal(mcx_dns_view_lookup(v, name, type, &a), 0);
    assert_int_equal(mcx_ds_dns_describe(&a, type, text, sizeof text), want);
    assert_string_equal(text, want_text);
    if (want_addr)
        assert_string_equal(mcx_ds_dns_address(&a), want_addr);
    else
        assert_null(mcx_ds_dns_address(&a));
    mcx_dns_answer_clear(&a);
}

static void test_dns_describe(void **state)
{
    (void)state;
    mcx_dns_view *v = describe_view();
    describe(v, "lyncdiscover.contoso.test", MCX_DNS_TYPE_A, MCX_STEP_OK,
             "NOERROR: lyncdiscover.contoso.test CNAME dirweb.contoso.test (TTL 3600), "
             "dirweb.contoso.test A 127.0.11.40, 127.0.11.41 (TTL 300)",
             "127.0.11.40");
    describe(v, "dirweb.contoso.test", MCX_DNS_TYPE_AAAA, MCX_STEP_INFO,
             "NODATA: dirweb.contoso.test exists but has no AAAA record", NULL);
    describe(v, "lyncdiscoverinternal.contoso.test", MCX_DNS_TYPE_A, MCX_STEP_INFO,
             "NXDOMAIN: lyncdiscoverinternal.contoso.test does not exist", NULL);
    describe(v, "loop1.contoso.test", MCX_DNS_TYPE_A, MCX_STEP_FAIL,
             "unusable: CNAME loop: loop1.contoso.test CNAME loop2.contoso.test (TTL 60), "
             "loop2.contoso.test CNAME loop1.contoso.test (TTL 60)",
             NULL);
    describe(v, "away.contoso.test", MCX_DNS_TYPE_A, MCX_STEP_FAIL,
             "no answer: away.contoso.test CNAME web.example.org (TTL 60), web.example.org is in "
             "no zone the server answers for",
             NULL);
    /* A buffer too small is cut, never overrun. */
    mcx_dns_answer a;
    char tiny[12];
    assert_int_equal(mcx_dns_view_lookup(v, "lyncdiscover.contoso.test", MCX_DNS_TYPE_A, &a), 0);
    mcx_ds_dns_describe(&a, MCX_DNS_TYPE_A, tiny, sizeof tiny);
    assert_string_equal(tiny, "NOERROR: ly");
    mcx_dns_answer_clear(&a);
    mcx_dns_view_free(v);
}

/* A literal address needs no DNS; a server that does not answer gives a
 * failed step, DNS-021 and no pin. Port 9 on 127.0.11.1: nothing listens. */
static void test_dns_prepare(void **state)
{
    (void)state;
    mcx_dns_live_server srv;
    char why[256];
    assert_int_equal(mcx_dns_live_parse_server("127.0.11.1:9", &srv), 0);
    mcx_ds_dns *d = mcx_ds_dns_new(&srv, MCX_DNS_VANTAGE_EXTERNAL, 100, 7);
    mcx_report *rep = mcx_report_new("mcxcheck", "discover", "t");
    assert_non_null(d);
    assert_non_null(rep);
    assert_int_equal(mcx_ds_dns_prepare(d, rep, 1, "https://127.0.0.1:4443/x", why, sizeof why), 0);
    assert_int_equal(rep->nsteps, 0);
    assert_null(mcx_ds_dns_pins(d)[0]);
    assert_int_equal(mcx_ds_dns_prepare(d, rep, 1, "::bad", why, sizeof why), -1);
    assert_non_null(strstr(why, "malformed URL"));
    assert_int_equal(mcx_ds_dns_prepare(d, rep, 1, "https://lyncdiscover.contoso.test/", why,
                                        sizeof why), -1);
    assert_non_null(strstr(why, "lyncdiscover.contoso.test: timeout at 127.0.11.1:9"));
    assert_true(mcx_report_has(rep, "DNS-021"));
    assert_int_equal(rep->nsteps, 1);
    assert_int_equal(rep->steps[0].outcome, MCX_STEP_FAIL);
    assert_string_equal(rep->steps[0].title,
                        "DNS A lyncdiscover.contoso.test @127.0.11.1:9 (external view)");
    /* The answer is kept: the http candidate does not ask again. */
    size_t nsteps = rep->nsteps;
    assert_int_equal(mcx_ds_dns_prepare(d, rep, 1, "http://lyncdiscover.contoso.test/", why,
                                        sizeof why), -1);
    assert_int_equal(rep->nsteps, nsteps);
    assert_null(mcx_ds_dns_pins(d)[0]);
    mcx_report_free(rep);
    mcx_ds_dns_free(d);
}

/* ---- HTTP client against a small libevent server ----------------------- */

static void serve(struct evhttp_request *req, void *arg)
{
    (void)arg;
    const char *uri = evhttp_request_get_uri(req);
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    struct evbuffer *body = evbuffer_new();
    if (strcmp(uri, "/order") == 0) {
        evhttp_add_header(out, "X-B", "1");
        evhttp_add_header(out, "X-A", "2");
        evhttp_add_header(out, "X-B", "3");
        evhttp_add_header(out, "Content-Type", "text/plain");
        evbuffer_add_printf(body, "hello");
        evhttp_send_reply(req, 200, "OK", body);
    } else if (strcmp(uri, "/big") == 0) {
        char chunk[1024];
        memset(chunk, 'x', sizeof chunk);
        for (int i = 0; i < 64; i++)
            evbuffer_add(body, chunk, sizeof chunk);
        evhttp_send_reply(req, 200, "OK", body);
    } else if (strcmp(uri, "/redirect") == 0) {
        evhttp_add_header(out, "Location", "/order");
        evhttp_send_reply(req, 302, "Found", body);
    } else if (strcmp(uri, "/echo") == 0) {
        struct evbuffer *in = evhttp_request_get_input_buffer(req);
        const char *x = evhttp_find_header(evhttp_request_get_input_headers(req), "X-Test");
        evbuffer_add_printf(body, "%s:%s:", evhttp_request_get_command(req) == EVHTTP_REQ_POST ? "POST" : "OTHER",
                            x ? x : "-");
        evbuffer_add_buffer(body, in);
        evhttp_send_reply(req, 200, "OK", body);
    } else {
        evhttp_send_reply(req, 404, "Not Found", body);
    }
    evbuffer_free(body);
}

typedef struct server {
    pid_t pid;
} server;

/* The listening socket is bound before fork (so the parent can connect at
 * once); the child builds its own event base around it. */
static int server_setup(void **state)
{
    static server s;
    struct sockaddr_in sa;
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(TEST_PORT);
    inet_pton(AF_INET, TEST_ADDR, &sa.sin_addr);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 16) != 0) {
        fprintf(stderr, "cannot listen on %s:%d\n", TEST_ADDR, TEST_PORT);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    s.pid = fork();
    if (s.pid < 0) {
        close(fd);
        return -1;
    }
    if (s.pid == 0) {
        alarm(60); /* bounded: never outlive the test by much */
        struct event_base *base = event_base_new();
        struct evhttp *http = base ? evhttp_new(base) : NULL;
        evutil_make_socket_nonblocking(fd);
        if (!http || evhttp_accept_socket(http, fd) != 0)
            _exit(1);
        evhttp_set_gencb(http, serve, NULL);
        event_base_dispatch(base);
        _exit(0);
    }
    close(fd);
    *state = &s;
    return 0;
}

static int server_teardown(void **state)
{
    server *s = *state;
    if (s && s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
    }
    return 0;
}

static const char *const pins[] = {"svc.test:80:" TEST_ADDR ":18191", NULL};

static void test_http_resolve_only(void **state)
{
    (void)state;
    mcx_http_options o = {0};
    o.connect_to = pins;
    o.resolve_only = 1;
    mcx_http_request rq = {"GET", "http://unpinned.test/", NULL, 0, NULL, 0};
    mcx_http_response r;
    assert_int_equal(mcx_http_perform(&rq, &o, &r), -1);
    assert_int_equal(r.error, MCX_HTTP_E_DNS);
    assert_non_null(strstr(r.error_text, "unpinned.test:80 not resolvable: no --resolve/--connect-to entry"));
    mcx_http_response_free(&r);
    /* Same host, other port: also not pinned. */
    rq.url = "https://svc.test/";
    assert_int_equal(mcx_http_perform(&rq, &o, &r), -1);
    assert_int_equal(r.error, MCX_HTTP_E_DNS);
    mcx_http_response_free(&r);
    /* Nothing listens on port 1 of our address: connect error. */
    const char *const closed[] = {"closed.test:80:" TEST_ADDR ":1", NULL};
    o.connect_to = closed;
    rq.url = "http://closed.test/";
    assert_int_equal(mcx_http_perform(&rq, &o, &r), -1);
    assert_int_equal(r.error, MCX_HTTP_E_CONNECT);
    assert_null(strstr(r.error_text, " ms")); /* no elapsed time in the text */
    mcx_http_response_free(&r);
    assert_string_equal(mcx_http_error_name(MCX_HTTP_E_TLS), "tls");
}

static void test_http_headers_in_order(void **state)
{
    (void)state;
    mcx_http_options o = {0};
    o.connect_to = pins;
    o.resolve_only = 1;
    mcx_http_request rq = {"GET", "http://svc.test/order", NULL, 0, NULL, 0};
    mcx_http_response r;
    assert_int_equal(mcx_http_perform(&rq, &o, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.http_version, "HTTP/1.1");
    assert_string_equal(r.body, "hello");
    assert_int_equal(r.body_len, 5);
    assert_string_equal(r.primary_ip, TEST_ADDR);
    assert_int_equal(mcx_http_header_count(&r, "x-b"), 2);
    assert_string_equal(mcx_http_header_get(&r, "X-A"), "2");
    assert_string_equal(mcx_http_header_get(&r, "x-b"), "1");
    /* Order as received: X-B, X-A, X-B. */
    size_t ib1 = SIZE_MAX, ia = SIZE_MAX, ib2 = SIZE_MAX;
    for (size_t i = 0; i < r.nheaders; i++) {
        if (strcmp(r.headers[i].name, "X-B") == 0) {
            if (ib1 == SIZE_MAX)
                ib1 = i;
            else
                ib2 = i;
        } else if (strcmp(r.headers[i].name, "X-A") == 0) {
            ia = i;
        }
    }
    assert_true(ib1 < ia && ia < ib2);
    assert_string_equal(r.headers[ib2].value, "3");
    mcx_http_response_free(&r);
}

static void test_http_body_bound_and_no_redirects(void **state)
{
    (void)state;
    mcx_http_options o = {0};
    o.connect_to = pins;
    o.max_body = 1000;
    mcx_http_request rq = {"GET", "http://svc.test/big", NULL, 0, NULL, 0};
    mcx_http_response r;
    assert_int_equal(mcx_http_perform(&rq, &o, &r), -1);
    assert_int_equal(r.error, MCX_HTTP_E_PROTOCOL);
    assert_non_null(strstr(r.error_text, "1000 bytes"));
    mcx_http_response_free(&r);
    o.max_body = 0; /* default 4 MiB */
    assert_int_equal(mcx_http_perform(&rq, &o, &r), 0);
    assert_int_equal(r.body_len, 64 * 1024);
    mcx_http_response_free(&r);

    rq.url = "http://svc.test/redirect";
    assert_int_equal(mcx_http_perform(&rq, &o, &r), 0);
    assert_int_equal(r.status, 302);
    assert_string_equal(mcx_http_header_get(&r, "Location"), "/order");
    assert_int_equal(r.body_len, 0);
    mcx_http_response_free(&r);
}

static void test_http_post_and_header_checks(void **state)
{
    (void)state;
    mcx_http_options o = {0};
    o.connect_to = pins;
    mcx_http_header h[] = {{"X-Test", "yes"}};
    mcx_http_request rq = {"POST", "http://svc.test/echo", h, 1, "a=b", 3};
    mcx_http_response r;
    assert_int_equal(mcx_http_perform(&rq, &o, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "POST:yes:a=b");
    mcx_http_response_free(&r);
    mcx_http_header bad[] = {{"X-Test", "a\r\nInjected: 1"}};
    rq.headers = bad;
    assert_int_equal(mcx_http_perform(&rq, &o, &r), -1);
    assert_int_equal(r.error, MCX_HTTP_E_OTHER);
    assert_non_null(strstr(r.error_text, "CR/LF"));
    mcx_http_response_free(&r);
}

int main(void)
{
    mcx_http_global_init();
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_sip_domain),
        cmocka_unit_test(test_candidate_order),
        cmocka_unit_test(test_loop_detection),
        cmocka_unit_test(test_choose_by_access_location),
        cmocka_unit_test(test_url_host),
        cmocka_unit_test(test_read_offer),
        cmocka_unit_test(test_wsdl_port),
        cmocka_unit_test(test_extract_assertion),
        cmocka_unit_test(test_build_rst),
        cmocka_unit_test(test_url_port),
        cmocka_unit_test(test_dns_describe),
        cmocka_unit_test(test_dns_prepare),
    };
    const struct CMUnitTest http[] = {
        cmocka_unit_test(test_http_resolve_only),
        cmocka_unit_test(test_http_headers_in_order),
        cmocka_unit_test(test_http_body_bound_and_no_redirects),
        cmocka_unit_test(test_http_post_and_header_checks),
    };
    int failed = cmocka_run_group_tests_name("discover", pure, NULL, NULL);
    failed += cmocka_run_group_tests_name("http_client", http, server_setup, server_teardown);
    xmlCleanupParser();
    mcx_http_global_cleanup();
    return failed ? 1 : 0;
}
