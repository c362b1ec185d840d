/*
 * test_auth.c -- unit tests of mcxd authentication (refimpl/auth_*.c).
 *
 * Owns: tests of the Web Ticket Service (metadata, Issue, faults, hostile
 * XML), ticket verification (expiry, tampering, another user's signature,
 * another host), the OAuth token endpoint and Bearer tokens, HTTP Basic,
 * throttling, and seeded determinism -- called directly and through
 * mcxd_handle on the embedded default deployment. Does not own: the
 * Autodiscover documents (test_autodiscover_*).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "auth.h"

#define NOW ((time_t)1700000000) /* 2023-11-14T22:13:20Z */
#define HOST "webext01.contoso.test"
#define BASE "https://" HOST
#define USER_URL BASE "/Autodiscover/AutodiscoverService.svc/root/user"
#define AUTH_PATH "/WebTicket/WebTicketService.svc/Auth"

typedef struct fixture {
    mcx_topology *topo;
    mcxd_config cfg;
    mcxd_state *st;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    mcx_error err;
    f->topo = mcx_topology_load_default(&err);
    if (!f->topo) {
        char buf[1024];
        mcx_error_format(&err, buf, sizeof(buf));
        fprintf(stderr, "default topology: %s\n", buf);
        free(f);
        return -1;
    }
    f->cfg.topo = f->topo;
    f->st = mcxd_state_new(42, 1);
    *state = f;
    return f->st ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    mcxd_state_free(f->st);
    mcx_topology_free(f->topo);
    free(f);
    return 0;
}

/* ---- request helpers ------------------------------------------------------- */

typedef struct req_builder {
    mcxd_request req;
    mcx_http_header headers[8];
    size_t n;
} req_builder;

static void rb_init(req_builder *b, const char *method, const char *uri, const char *body)
{
    memset(b, 0, sizeof(*b));
    b->req.method = method;
    b->req.uri = uri;
    b->req.host = HOST;
    b->req.headers = b->headers;
    b->req.body = body;
    b->req.body_len = body ? strlen(body) : 0;
    b->req.listener = MCX_ACCESS_EXTERNAL;
    b->req.tls = 1;
    b->req.peer = "127.0.0.1:40000";
}

static void rb_header(req_builder *b, const char *name, const char *value)
{
    assert_true(b->n < 8);
    b->headers[b->n].name = (char *)name;
    b->headers[b->n].value = (char *)value;
    b->n++;
    b->req.nheaders = b->n;
}

static const char *resp_header(const mcxd_response *r, const char *name, int nth)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0 && nth-- == 0)
            return r->headers[i].value;
    return NULL;
}

static char *basic_value(const char *user, const char *password)
{
    char plain[256];
    snprintf(plain, sizeof(plain), "%s:%s", user, password);
    char *b64 = mcxd_auth_base64((const unsigned char *)plain, strlen(plain));
    char *v = malloc(strlen(b64) + 7);
    sprintf(v, "Basic %s", b64);
    free(b64);
    return v;
}

/* The RST pidgin-sipe sends (sipe-svc.c), optionally with a UsernameToken. */
static char *rst_body(const char *applies_to, const char *claim, const char *ut_user,
                      const char *ut_password)
{
    char header[1024] = "";
    if (ut_user)
        snprintf(header, sizeof(header),
                 "<soap:Header><wsse:Security><wsse:UsernameToken>"
                 "<wsse:Username>%s</wsse:Username><wsse:Password>%s</wsse:Password>"
                 "</wsse:UsernameToken></wsse:Security></soap:Header>",
                 ut_user, ut_password);
    char *out = malloc(8192);
    snprintf(out, 8192,
             "<?xml version=\"1.0\"?>\r\n"
             "<soap:Envelope xmlns:saml=\"urn:oasis:names:tc:SAML:1.0:assertion\" "
             "xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" "
             "xmlns:wst=\"http://docs.oasis-open.org/ws-sx/ws-trust/200512\" "
             "xmlns:auth=\"http://schemas.xmlsoap.org/ws/2006/12/authorization\" "
             "xmlns:wsa=\"http://www.w3.org/2005/08/addressing\" "
             "xmlns:wsp=\"http://schemas.xmlsoap.org/ws/2004/09/policy\" "
             "xmlns:wsse=\"http://docs.oasis-open.org/wss/2004/01/"
             "oasis-200401-wss-wssecurity-secext-1.0.xsd\" >%s"
             " <soap:Body><wst:RequestSecurityToken Context=\"ctx-1\">"
             " <wst:TokenType>http://docs.oasis-open.org/wss/"
             "oasis-wss-saml-token-profile-1.1#SAMLV1.1</wst:TokenType>"
             " <wst:RequestType>http://schemas.xmlsoap.org/ws/2005/02/trust/Issue</wst:RequestType>"
             " <wsp:AppliesTo><wsa:EndpointReference><wsa:Address>%s</wsa:Address>"
             "</wsa:EndpointReference></wsp:AppliesTo>"
             " <wst:Claims Dialect=\"urn:component:Microsoft.Rtc.WebAuthentication.2010:authclaims\">"
             "<auth:ClaimType Uri=\"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/uri\" "
             "Optional=\"false\"><auth:Value>sip:%s</auth:Value></auth:ClaimType></wst:Claims>"
             " <wst:Entropy><wst:BinarySecret>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
             "</wst:BinarySecret></wst:Entropy>"
             " <wst:KeyType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/SymmetricKey"
             "</wst:KeyType></wst:RequestSecurityToken></soap:Body></soap:Envelope>",
             header, applies_to, claim);
    return out;
}

/* POST an RST to the Issue endpoint with optional Basic credentials. */
static void post_rst(fixture *f, const char *body, const char *authz, time_t now,
                     mcxd_response *resp)
{
    req_builder b;
    rb_init(&b, "POST", AUTH_PATH, body);
    rb_header(&b, "Content-Type", "text/xml");
    rb_header(&b, "SOAPAction", "\"http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue\"");
    if (authz)
        rb_header(&b, "Authorization", authz);
    mcxd_response_init(resp);
    mcxd_auth_handle(&f->cfg, f->st, &b.req, now, BASE, resp);
}

/* Cut the assertion out of an RSTR the way sipe does and make the header. */
static char *ticket_header_from(const mcxd_response *resp)
{
    assert_non_null(resp->body);
    const char *start = strstr(resp->body, "<saml:Assertion");
    const char *end = strstr(resp->body, "</saml:Assertion>");
    assert_non_null(start);
    assert_non_null(end);
    end += strlen("</saml:Assertion>");
    char *b64 = mcxd_auth_base64((const unsigned char *)start, (size_t)(end - start));
    char *v = malloc(strlen(b64) + 8);
    sprintf(v, "opaque=%s", b64);
    free(b64);
    return v;
}

static char *decode_ticket(const char *header)
{
    size_t len = 0;
    unsigned char *xml = mcxd_auth_unbase64(header + 7, strlen(header + 7), &len);
    assert_non_null(xml);
    return (char *)xml;
}

static char *encode_ticket(const char *xml)
{
    char *b64 = mcxd_auth_base64((const unsigned char *)xml, strlen(xml));
    char *v = malloc(strlen(b64) + 8);
    sprintf(v, "opaque=%s", b64);
    free(b64);
    return v;
}

static mcxd_auth_result check_ticket(fixture *f, const char *ticket, const char *host,
                                     time_t now, const mcx_user **user)
{
    req_builder b;
    rb_init(&b, "GET", "/Autodiscover/AutodiscoverService.svc/root/user", NULL);
    b.req.host = host;
    rb_header(&b, "X-MS-WebTicket", ticket);
    return mcxd_auth_check(&f->cfg, f->st, &b.req, 0, now, user);
}

/* Issue a ticket for alice (Basic) and return the X-MS-WebTicket value. */
static char *alice_ticket(fixture *f, time_t now)
{
    char *body = rst_body(USER_URL, "alice@contoso.test", NULL, NULL);
    char *authz = basic_value("alice@contoso.test", "secret");
    mcxd_response resp;
    post_rst(f, body, authz, now, &resp);
    assert_int_equal(resp.status, 200);
    char *t = ticket_header_from(&resp);
    mcxd_response_free(&resp);
    free(body);
    free(authz);
    return t;
}

/* ---- metadata ------------------------------------------------------------ */

static void test_mex_lists_ports(void **state)
{
    fixture *f = *state;
    req_builder b;
    rb_init(&b, "GET", "/WebTicket/WebTicketService.svc/mex", NULL);
    mcxd_response resp;
    mcxd_response_init(&resp);
    mcxd_auth_handle(&f->cfg, f->st, &b.req, NOW, BASE, &resp);
    assert_int_equal(resp.status, 200);
    assert_string_equal(resp_header(&resp, "Content-Type", 0), "text/xml; charset=utf-8");
    xmlDoc *doc = xmlReadMemory(resp.body, (int)resp.body_len, "mex", NULL, XML_PARSE_NONET);
    assert_non_null(doc);
    xmlNode *root = xmlDocGetRootElement(doc);
    assert_string_equal((const char *)root->name, "definitions");
    int found_negotiate = 0, found_ut = 0;
    for (xmlNode *svc = root->children; svc; svc = svc->next) {
        if (svc->type != XML_ELEMENT_NODE || strcmp((const char *)svc->name, "service") != 0)
            continue;
        for (xmlNode *port = svc->children; port; port = port->next) {
            if (port->type != XML_ELEMENT_NODE || strcmp((const char *)port->name, "port") != 0)
                continue;
            xmlChar *name = xmlGetProp(port, (const xmlChar *)"name");
            for (xmlNode *a = port->children; a; a = a->next) {
                if (a->type != XML_ELEMENT_NODE || strcmp((const char *)a->name, "address") != 0)
                    continue;
                xmlChar *loc = xmlGetProp(a, (const xmlChar *)"location");
                if (strcmp((const char *)name, "WebTicketServiceWinNegotiate") == 0) {
                    assert_string_equal((const char *)loc, BASE AUTH_PATH);
                    found_negotiate = 1;
                }
                if (strcmp((const char *)name, "WebTicketServiceUsernameToken") == 0)
                    found_ut = 1;
                xmlFree(loc);
            }
            xmlFree(name);
        }
    }
    assert_true(found_negotiate);
    assert_true(found_ut);
    xmlFreeDoc(doc);
    mcxd_response_free(&resp);

    /* POST to mex and GET to the Issue address are the wrong methods */
    rb_init(&b, "POST", "/WebTicket/WebTicketService.svc/mex", "x");
    mcxd_response_init(&resp);
    mcxd_auth_handle(&f->cfg, f->st, &b.req, NOW, BASE, &resp);
    assert_int_equal(resp.status, 405);
    mcxd_response_free(&resp);
    rb_init(&b, "GET", AUTH_PATH, NULL);
    mcxd_response_init(&resp);
    mcxd_auth_handle(&f->cfg, f->st, &b.req, NOW, BASE, &resp);
    assert_int_equal(resp.status, 405);
    mcxd_response_free(&resp);
}

static void test_owns_path(void **state)
{
    (void)state;
    assert_true(mcxd_auth_owns_path("/webticket/webticketservice.svc"));
    assert_true(mcxd_auth_owns_path("/webticket/webticketservice.svc/mex"));
    assert_true(mcxd_auth_owns_path("/webticket/webticketservice.svc/auth"));
    assert_true(mcxd_auth_owns_path("/webticket/oauthtoken"));
    assert_false(mcxd_auth_owns_path("/webticket/webticketservice.svcx"));
    assert_false(mcxd_auth_owns_path("/autodiscover/autodiscoverservice.svc/root/user"));
    assert_false(mcxd_auth_owns_path("/webticket/oauthtoken/x"));
}

/* ---- issue + verify -------------------------------------------------------- */

static void test_webticket_issue_and_verify(void **state)
{
    fixture *f = *state;
    char *body = rst_body(USER_URL, "alice@contoso.test", NULL, NULL);
    char *authz = basic_value("alice@contoso.test", "secret");
    mcxd_response resp;
    post_rst(f, body, authz, NOW, &resp);
    assert_int_equal(resp.status, 200);
    /* what sipe extracts: a Lifetime with Expires, a saml:Assertion */
    assert_non_null(strstr(resp.body, "<wst:Lifetime"));
    assert_non_null(strstr(resp.body, "<wsu:Expires>2023-11-15T06:13:20Z</wsu:Expires>"));
    assert_non_null(strstr(resp.body, "Context=\"ctx-1\""));
    assert_non_null(strstr(resp.body, "IssueInstant=\"2023-11-14T22:13:20Z\""));
    assert_non_null(strstr(resp.body, "NotOnOrAfter=\"2023-11-15T06:13:20Z\""));
    assert_non_null(strstr(resp.body, "<saml:Audience>" USER_URL "</saml:Audience>"));
    assert_non_null(strstr(resp.body, ">sip:alice@contoso.test</saml:NameIdentifier>"));
    char *ticket = ticket_header_from(&resp);
    mcxd_response_free(&resp);

    const mcx_user *user = NULL;
    assert_int_equal(check_ticket(f, ticket, HOST, NOW, &user), MCXD_AUTH_OK);
    assert_non_null(user);
    assert_string_equal(user->sip_uri, "alice@contoso.test");
    /* lifetime is 28800 s: valid at the last second, expired at now+lifetime */
    assert_int_equal(check_ticket(f, ticket, HOST, NOW + 28799, &user), MCXD_AUTH_OK);
    assert_int_equal(check_ticket(f, ticket, HOST, NOW + 28800, &user), MCXD_AUTH_INVALID);
    assert_null(user);
    assert_int_equal(check_ticket(f, ticket, HOST, NOW - 1, &user), MCXD_AUTH_INVALID);
    /* the audience's host is webext01, pool01's external web FQDN: the
     * pool's internal web FQDN accepts it too, another pool's does not, nor
     * a lyncdiscover name */
    assert_int_equal(check_ticket(f, ticket, "pool01.contoso.test", NOW, &user), MCXD_AUTH_OK);
    assert_int_equal(check_ticket(f, ticket, "pool02.contoso.test", NOW, &user),
                     MCXD_AUTH_INVALID);
    assert_int_equal(check_ticket(f, ticket, "webext02.contoso.test", NOW, &user),
                     MCXD_AUTH_INVALID);
    assert_int_equal(check_ticket(f, ticket, "lyncdiscover.contoso.test", NOW, &user),
                     MCXD_AUTH_INVALID);
    /* a Host header with a port still matches */
    assert_int_equal(check_ticket(f, ticket, HOST ":4443", NOW, &user), MCXD_AUTH_OK);
    /* a ticket signed by another server key (another seed) is refused */
    mcxd_state *other = mcxd_state_new(7, 1);
    mcxd_state *mine = f->st;
    f->st = other;
    assert_int_equal(check_ticket(f, ticket, HOST, NOW, &user), MCXD_AUTH_INVALID);
    f->st = mine;
    mcxd_state_free(other);
    free(ticket);
    free(body);
    free(authz);
}

static void test_webticket_tampered(void **state)
{
    fixture *f = *state;
    const mcx_user *user = NULL;
    char *ticket = alice_ticket(f, NOW);
    char *xml = decode_ticket(ticket);

    /* subject changed to bob: the signature no longer matches */
    char *p = strstr(xml, "sip:alice@contoso.test");
    assert_non_null(p);
    size_t head = (size_t)(p - xml);
    char *forged = malloc(strlen(xml) + 16);
    memcpy(forged, xml, head);
    sprintf(forged + head, "sip:bob@fabrikam.test%s", p + strlen("sip:alice@contoso.test"));
    char *t = encode_ticket(forged);
    assert_int_equal(check_ticket(f, t, HOST, NOW, &user), MCXD_AUTH_INVALID);
    free(t);
    free(forged);

    /* expiry pushed out by a day */
    forged = strdup(xml);
    p = strstr(forged, "NotOnOrAfter=\"2023-11-15");
    assert_non_null(p);
    p[strlen("NotOnOrAfter=\"2023-11-1")] = '6';
    t = encode_ticket(forged);
    assert_int_equal(check_ticket(f, t, HOST, NOW + 28800, &user), MCXD_AUTH_INVALID);
    free(t);
    free(forged);

    /* one flipped character in the signature value */
    forged = strdup(xml);
    p = strstr(forged, "<ds:SignatureValue>");
    assert_non_null(p);
    p += strlen("<ds:SignatureValue>");
    p[3] = p[3] == 'A' ? 'B' : 'A';
    t = encode_ticket(forged);
    assert_int_equal(check_ticket(f, t, HOST, NOW, &user), MCXD_AUTH_INVALID);
    free(t);
    free(forged);

    /* a second AuthenticationStatement (unsigned) is refused */
    forged = malloc(strlen(xml) * 2);
    p = strstr(xml, "<saml:AuthenticationStatement");
    const char *e = strstr(xml, "</saml:AuthenticationStatement>") +
                    strlen("</saml:AuthenticationStatement>");
    head = (size_t)(e - xml);
    memcpy(forged, xml, head);
    memcpy(forged + head, p, (size_t)(e - p));
    strcpy(forged + head + (size_t)(e - p), e);
    t = encode_ticket(forged);
    assert_int_equal(check_ticket(f, t, HOST, NOW, &user), MCXD_AUTH_INVALID);
    free(t);
    free(forged);

    /* garbage and malformed headers */
    assert_int_equal(check_ticket(f, "opaque=!!!notbase64", HOST, NOW, &user), MCXD_AUTH_INVALID);
    assert_int_equal(check_ticket(f, "opaque=", HOST, NOW, &user), MCXD_AUTH_INVALID);
    assert_int_equal(check_ticket(f, ticket + 7, HOST, NOW, &user), MCXD_AUTH_INVALID);
    t = encode_ticket("<not-an-assertion/>");
    assert_int_equal(check_ticket(f, t, HOST, NOW, &user), MCXD_AUTH_INVALID);
    free(t);
    assert_int_equal(check_ticket(f, ticket, HOST, NOW, &user), MCXD_AUTH_OK);
    free(xml);
    free(ticket);
}

static void test_webticket_other_users_signature(void **state)
{
    fixture *f = *state;
    const mcx_user *user = NULL;
    char *alice = alice_ticket(f, NOW);
    char *body = rst_body(USER_URL, "bob@fabrikam.test", "bob@fabrikam.test", "secret2");
    mcxd_response resp;
    post_rst(f, body, NULL, NOW, &resp); /* UsernameToken, no Basic */
    assert_int_equal(resp.status, 200);
    char *bob = ticket_header_from(&resp);
    mcxd_response_free(&resp);
    assert_int_equal(check_ticket(f, bob, HOST, NOW, &user), MCXD_AUTH_OK);
    assert_string_equal(user->sip_uri, "bob@fabrikam.test");

    /* alice's assertion with bob's signature value */
    char *ax = decode_ticket(alice), *bx = decode_ticket(bob);
    const char *tag = "<ds:SignatureValue>";
    char *as = strstr(ax, tag) + strlen(tag), *bs = strstr(bx, tag) + strlen(tag);
    size_t sl = (size_t)(strchr(as, '<') - as);
    assert_int_equal(sl, (size_t)(strchr(bs, '<') - bs));
    assert_memory_not_equal(as, bs, sl);
    memcpy(as, bs, sl);
    char *t = encode_ticket(ax);
    assert_int_equal(check_ticket(f, t, HOST, NOW, &user), MCXD_AUTH_INVALID);
    free(t);
    free(ax);
    free(bx);
    free(alice);
    free(bob);
    free(body);
}

static void test_webticket_credentials(void **state)
{
    fixture *f = *state;
    mcxd_response resp;
    char *body = rst_body(USER_URL, "alice@contoso.test", NULL, NULL);

    /* no credentials: HTTP-level challenge */
    post_rst(f, body, NULL, NOW, &resp);
    assert_int_equal(resp.status, 401);
    assert_string_equal(resp_header(&resp, "WWW-Authenticate", 0), "Basic realm=\"contoso.test\"");
    assert_non_null(strstr(resp.body, "FailedAuthentication"));
    mcxd_response_free(&resp);

    /* wrong Basic password: 401 again */
    char *bad = basic_value("alice@contoso.test", "nope");
    post_rst(f, body, bad, NOW, &resp);
    assert_int_equal(resp.status, 401);
    mcxd_response_free(&resp);
    free(bad);

    /* Basic for bob but claims alice */
    char *bob = basic_value("sip:bob@fabrikam.test", "secret2");
    post_rst(f, body, bob, NOW, &resp);
    assert_int_equal(resp.status, 500);
    assert_non_null(strstr(resp.body, "InvalidRequest"));
    mcxd_response_free(&resp);
    free(bob);
    free(body);

    /* wrong UsernameToken password: SOAP fault with sipe's detail path */
    body = rst_body(USER_URL, "bob@fabrikam.test", "bob@fabrikam.test", "wrong");
    post_rst(f, body, NULL, NOW, &resp);
    assert_int_equal(resp.status, 500);
    if (!strstr(resp.body, "<faultcode>wsse:FailedAuthentication</faultcode>"))
        fail_msg("%s", resp.body);
    assert_non_null(strstr(resp.body, "<internalerror><text>wrong user name or password"));
    mcxd_response_free(&resp);
    free(body);

    /* plain HTTP is refused */
    req_builder b;
    body = rst_body(USER_URL, "alice@contoso.test", NULL, NULL);
    rb_init(&b, "POST", AUTH_PATH, body);
    rb_header(&b, "Content-Type", "text/xml; charset=utf-8");
    b.req.tls = 0;
    mcxd_response_init(&resp);
    mcxd_auth_handle(&f->cfg, f->st, &b.req, NOW, BASE, &resp);
    assert_int_equal(resp.status, 403);
    mcxd_response_free(&resp);

    /* SOAP 1.2 content type */
    rb_init(&b, "POST", AUTH_PATH, body);
    rb_header(&b, "Content-Type", "application/soap+xml");
    mcxd_response_init(&resp);
    mcxd_auth_handle(&f->cfg, f->st, &b.req, NOW, BASE, &resp);
    assert_int_equal(resp.status, 415);
    assert_non_null(strstr(resp.body, "VersionMismatch"));
    mcxd_response_free(&resp);
    free(body);
}

/* ---- hostile and malformed bodies ----------------------------------------- */

static void expect_fault(fixture *f, const char *body, int status, const char *needle)
{
    char *authz = basic_value("alice@contoso.test", "secret");
    mcxd_response resp;
    post_rst(f, body, authz, NOW, &resp);
    assert_int_equal(resp.status, status);
    assert_non_null(resp.body);
    if (!strstr(resp.body, needle))
        fail_msg("expected '%s' in: %s", needle, resp.body);
    xmlDoc *doc = xmlReadMemory(resp.body, (int)resp.body_len, "fault", NULL, XML_PARSE_NONET);
    assert_non_null(doc); /* every fault is well-formed XML */
    xmlFreeDoc(doc);
    mcxd_response_free(&resp);
    free(authz);
}

static void test_webticket_hostile_xml(void **state)
{
    fixture *f = *state;
    expect_fault(f,
                 "<?xml version=\"1.0\"?>\n<!DOCTYPE e [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                 "<e>&x;</e>",
                 400, "rst.xml:2: &lt;!DOCTYPE&gt; is not allowed in a SOAP request");
    expect_fault(f,
                 "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
                 "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
                 "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>"
                 "<lolz>&lol3;</lolz>",
                 400, "DOCTYPE&gt; is not allowed");
    expect_fault(f, "hello, world", 400, "rst.xml:1: ");
    expect_fault(f, "<a>\n<b>\n</a>", 400, "rst.xml:3: ");
    expect_fault(f, "<x/>", 400, "not a SOAP 1.1 Envelope");
    expect_fault(f,
                 "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body/>"
                 "</s:Envelope>",
                 500, "VersionMismatch");
    expect_fault(f,
                 "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>"
                 "<ping/></s:Body></s:Envelope>",
                 500, "wst:InvalidRequest");
    /* RST without AppliesTo */
    expect_fault(f,
                 "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>"
                 "<t:RequestSecurityToken xmlns:t=\"http://docs.oasis-open.org/ws-sx/ws-trust/200512\">"
                 "<t:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue"
                 "</t:RequestType></t:RequestSecurityToken></s:Body></s:Envelope>",
                 500, "AppliesTo");
    /* wrong token type */
    char *body = rst_body(USER_URL, "alice@contoso.test", NULL, NULL);
    char *p = strstr(body, "#SAMLV1.1");
    memcpy(p, "#SAMLV2.0", 9);
    expect_fault(f, body, 500, "TokenType must be SAML 1.1");
    free(body);
    /* oversized */
    size_t big = 70000;
    char *huge = malloc(big + 1);
    memset(huge, ' ', big);
    huge[big] = '\0';
    memcpy(huge, "<s:Envelope", 11);
    expect_fault(f, huge, 413, "exceeds the limit of 65536");
    free(huge);
    expect_fault(f, "", 400, "empty request body");
    /* binary garbage with NUL bytes */
    char *authz = basic_value("alice@contoso.test", "secret");
    static const char junk[] = "\x00\xff\xfe<\x00?xml";
    req_builder b;
    rb_init(&b, "POST", AUTH_PATH, junk);
    b.req.body_len = sizeof(junk);
    rb_header(&b, "Content-Type", "text/xml");
    rb_header(&b, "Authorization", authz);
    mcxd_response resp;
    mcxd_response_init(&resp);
    mcxd_auth_handle(&f->cfg, f->st, &b.req, NOW, BASE, &resp);
    assert_int_equal(resp.status, 400);
    mcxd_response_free(&resp);

    /* the same XXE in UTF-16: the parser stops at the DOCTYPE in any encoding */
    static const char xxe[] = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><!DOCTYPE e "
                              "[<!ENTITY x SYSTEM \"file:///etc/passwd\">]><e>&x;</e>";
    size_t n = strlen(xxe);
    char *u16 = malloc(2 * n + 2);
    u16[0] = (char)0xff;
    u16[1] = (char)0xfe;
    for (size_t i = 0; i < n; i++) {
        u16[2 + 2 * i] = xxe[i];
        u16[3 + 2 * i] = 0;
    }
    rb_init(&b, "POST", AUTH_PATH, u16);
    b.req.body_len = 2 * n + 2;
    rb_header(&b, "Content-Type", "text/xml");
    rb_header(&b, "Authorization", authz);
    mcxd_response_init(&resp);
    mcxd_auth_handle(&f->cfg, f->st, &b.req, NOW, BASE, &resp);
    assert_int_equal(resp.status, 400);
    assert_non_null(strstr(resp.body, "rst.xml:1: &lt;!DOCTYPE&gt; is not allowed"));
    assert_null(strstr(resp.body, "root:"));
    mcxd_response_free(&resp);
    free(u16);
    free(authz);
}

/* ---- determinism ------------------------------------------------------------ */

static char *issue_with_seed(fixture *f, uint64_t seed)
{
    mcxd_state *mine = f->st;
    f->st = mcxd_state_new(seed, 1);
    char *body = rst_body(USER_URL, "alice@contoso.test", NULL, NULL);
    char *authz = basic_value("alice@contoso.test", "secret");
    mcxd_response resp;
    post_rst(f, body, authz, NOW, &resp);
    assert_int_equal(resp.status, 200);
    char *out = strdup(resp.body);
    mcxd_response_free(&resp);
    free(body);
    free(authz);
    mcxd_state_free(f->st);
    f->st = mine;
    return out;
}

static void test_deterministic(void **state)
{
    fixture *f = *state;
    char *a = issue_with_seed(f, 1234), *b = issue_with_seed(f, 1234),
         *c = issue_with_seed(f, 1235);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    free(a);
    free(b);
    free(c);

    unsigned char r1[48], r2[48], r3[48];
    mcxd_state *s1 = mcxd_state_new(9, 1), *s2 = mcxd_state_new(9, 1),
               *s3 = mcxd_state_new(0, 0);
    assert_int_equal(mcxd_auth_random(s1, r1, sizeof(r1)), 0);
    assert_int_equal(mcxd_auth_random(s2, r2, sizeof(r2)), 0);
    assert_int_equal(mcxd_auth_random(s3, r3, sizeof(r3)), 0);
    assert_memory_equal(r1, r2, sizeof(r1));
    assert_memory_not_equal(r1, r3, sizeof(r1));
    /* the stream moves on */
    assert_int_equal(mcxd_auth_random(s1, r2, sizeof(r2)), 0);
    assert_memory_not_equal(r1, r2, sizeof(r1));
    mcxd_state_free(s1);
    mcxd_state_free(s2);
    mcxd_state_free(s3);
}

static void test_secret_equal(void **state)
{
    (void)state;
    assert_true(mcxd_auth_secret_equal("secret", "secret"));
    assert_false(mcxd_auth_secret_equal("secret", "secreT"));
    assert_false(mcxd_auth_secret_equal("secret", "secret2"));
    assert_false(mcxd_auth_secret_equal("", "x"));
    assert_false(mcxd_auth_secret_equal(NULL, "x"));
}

/* ---- OAuth ---------------------------------------------------------------- */

static void oauth_post(fixture *f, const char *body, const char *ctype, time_t now,
                       mcxd_response *resp)
{
    req_builder b;
    rb_init(&b, "POST", "/WebTicket/oauthtoken", body);
    if (ctype)
        rb_header(&b, "Content-Type", ctype);
    mcxd_response_init(resp);
    mcxd_auth_handle(&f->cfg, f->st, &b.req, now, BASE, resp);
}

static void expect_oauth_error(fixture *f, const char *body, const char *ctype,
                               const char *error)
{
    mcxd_response resp;
    oauth_post(f, body, ctype, NOW, &resp);
    assert_int_equal(resp.status, 400);
    assert_non_null(resp_header(&resp, "X-Ms-diagnostics", 0));
    json_error_t jerr;
    json_t *j = json_loadb(resp.body, resp.body_len, 0, &jerr);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "error")), error);
    json_decref(j);
    mcxd_response_free(&resp);
}

static mcxd_auth_result check_bearer(fixture *f, const char *authz, time_t now,
                                     const mcx_user **user)
{
    req_builder b;
    rb_init(&b, "GET", "/Autodiscover/AutodiscoverService.svc/root/oauth/user", NULL);
    if (authz)
        rb_header(&b, "Authorization", authz);
    return mcxd_auth_check(&f->cfg, f->st, &b.req, 1, now, user);
}

/* "Bearer cwt=..." from one password grant at `now`. */
static void bearer_for(fixture *f, time_t now, char *out, size_t len)
{
    mcxd_response resp;
    oauth_post(f, "grant_type=password&username=alice%40contoso.test&password=secret",
               "application/x-www-form-urlencoded", now, &resp);
    assert_int_equal(resp.status, 200);
    json_t *j = json_loadb(resp.body, resp.body_len, 0, NULL);
    assert_non_null(j);
    snprintf(out, len, "Bearer %s", json_string_value(json_object_get(j, "access_token")));
    json_decref(j);
    mcxd_response_free(&resp);
}

/* The store keeps the last MCXD_AUTH_MAX_TOKENS tokens: when full the
 * oldest gives way, never the newest (all issued at one fixed instant). */
static void test_oauth_store_evicts_oldest(void **state)
{
    fixture *f = *state;
    char first[512], second[512], last[512];
    const mcx_user *user = NULL;
    bearer_for(f, NOW, first, sizeof first);
    bearer_for(f, NOW, second, sizeof second);
    for (int i = 2; i < MCXD_AUTH_MAX_TOKENS; i++)
        bearer_for(f, NOW, last, sizeof last);
    assert_int_equal(check_bearer(f, first, NOW, &user), MCXD_AUTH_OK); /* exactly full */
    bearer_for(f, NOW, last, sizeof last);
    assert_int_equal(check_bearer(f, first, NOW, &user), MCXD_AUTH_INVALID);
    assert_int_equal(check_bearer(f, second, NOW, &user), MCXD_AUTH_OK);
    assert_int_equal(check_bearer(f, last, NOW, &user), MCXD_AUTH_OK);
    /* the next one: the second gives way (a store that drops the newest
     * would keep it and drop the one issued just before) */
    char newest[512];
    bearer_for(f, NOW, newest, sizeof newest);
    assert_int_equal(check_bearer(f, second, NOW, &user), MCXD_AUTH_INVALID);
    assert_int_equal(check_bearer(f, last, NOW, &user), MCXD_AUTH_OK);
    assert_int_equal(check_bearer(f, newest, NOW, &user), MCXD_AUTH_OK);
    assert_int_equal(f->st->ntokens, MCXD_AUTH_MAX_TOKENS);
}

static void test_oauth_password_grant(void **state)
{
    fixture *f = *state;
    mcxd_response resp;
    oauth_post(f, "grant_type=password&username=alice%40contoso.test&password=secret",
               "application/x-www-form-urlencoded;charset=UTF-8", NOW, &resp);
    assert_int_equal(resp.status, 200);
    assert_string_equal(resp_header(&resp, "Cache-Control", 0), "no-store");
    json_error_t jerr;
    json_t *j = json_loadb(resp.body, resp.body_len, 0, &jerr);
    assert_non_null(j);
    const char *token = json_string_value(json_object_get(j, "access_token"));
    assert_non_null(token);
    assert_memory_equal(token, "cwt=", 4);
    assert_int_equal(json_integer_value(json_object_get(j, "expires_in")), 28800);
    assert_string_equal(json_string_value(json_object_get(j, "ms_rtc_identityscope")), "local");
    assert_string_equal(json_string_value(json_object_get(j, "token_type")), "Bearer");
    char authz[512];
    snprintf(authz, sizeof(authz), "Bearer %s", token);
    json_decref(j);
    mcxd_response_free(&resp);

    const mcx_user *user = NULL;
    assert_int_equal(check_bearer(f, authz, NOW + 10, &user), MCXD_AUTH_OK);
    assert_string_equal(user->sip_uri, "alice@contoso.test");
    assert_int_equal(check_bearer(f, authz, NOW + 28800, &user), MCXD_AUTH_INVALID);
    assert_int_equal(check_bearer(f, "Bearer cwt=AAAAbogus", NOW, &user), MCXD_AUTH_INVALID);
    assert_int_equal(check_bearer(f, "Bearer", NOW, &user), MCXD_AUTH_INVALID);
    assert_int_equal(check_bearer(f, NULL, NOW, &user), MCXD_AUTH_NONE);
    /* a truncated token is not a prefix match */
    authz[strlen(authz) - 1] = '\0';
    assert_int_equal(check_bearer(f, authz, NOW, &user), MCXD_AUTH_INVALID);

    /* the windows grant takes HTTP Basic in place of Windows auth */
    char *basic = basic_value("bob@fabrikam.test", "secret2");
    req_builder b;
    rb_init(&b, "POST", "/WebTicket/oauthtoken", "grant_type=urn%3Amicrosoft.rtc%3Awindows");
    rb_header(&b, "Content-Type", "application/x-www-form-urlencoded");
    rb_header(&b, "Authorization", basic);
    mcxd_response_init(&resp);
    mcxd_auth_handle(&f->cfg, f->st, &b.req, NOW, BASE, &resp);
    assert_int_equal(resp.status, 200);
    mcxd_response_free(&resp);
    free(basic);
}

static void test_oauth_errors(void **state)
{
    fixture *f = *state;
    const char *form = "application/x-www-form-urlencoded";
    expect_oauth_error(f, "grant_type=password&username=alice@contoso.test&password=bad", form,
                       "invalid_grant");
    expect_oauth_error(f, "grant_type=password&username=nobody@contoso.test&password=x", form,
                       "invalid_grant");
    expect_oauth_error(f, "grant_type=client_credentials", form, "unsupported_grant_type");
    expect_oauth_error(f, "grant_type=urn:microsoft.rtc:anonmeeting&password=1", form,
                       "invalid_grant");
    expect_oauth_error(f, "username=alice@contoso.test&password=secret", form, "invalid_request");
    expect_oauth_error(f, "grant_type=password&username=alice@contoso.test", form,
                       "invalid_request");
    expect_oauth_error(f, "grant_type=password&grant_type=password", form, "invalid_request");
    expect_oauth_error(f, "grant_type=pass%zzword", form, "invalid_request");
    expect_oauth_error(f, "grant_type=pass%00word", form, "invalid_request");
    expect_oauth_error(f, "grant_type", form, "invalid_request");
    expect_oauth_error(f, "{\"grant_type\":\"password\"}", "application/json", "invalid_request");
    expect_oauth_error(f, "grant_type=password", NULL, "invalid_request");
    char *big = malloc(9001);
    memset(big, 'a', 9000);
    big[9000] = '\0';
    expect_oauth_error(f, big, form, "invalid_request");
    free(big);

    mcxd_response resp;
    oauth_post(f, "grant_type=client_credentials", form, NOW, &resp);
    assert_non_null(strstr(resp_header(&resp, "X-Ms-diagnostics", 0), "28029;"));
    mcxd_response_free(&resp);

    req_builder b;
    rb_init(&b, "GET", "/WebTicket/oauthtoken", NULL);
    mcxd_response_init(&resp);
    mcxd_auth_handle(&f->cfg, f->st, &b.req, NOW, BASE, &resp);
    assert_int_equal(resp.status, 405);
    mcxd_response_free(&resp);
}

static void test_oauth_challenge(void **state)
{
    fixture *f = *state;
    req_builder b;
    rb_init(&b, "GET", "/Autodiscover/AutodiscoverService.svc/root/oauth/user", NULL);
    mcxd_response resp;
    mcxd_response_init(&resp);
    mcxd_auth_challenge(&f->cfg, &b.req, 1, BASE, &resp);
    assert_string_equal(resp_header(&resp, "WWW-Authenticate", 0),
                        "Bearer trusted_issuers=\"\",client_id=\"\"");
    assert_string_equal(resp_header(&resp, "WWW-Authenticate", 1),
                        "MsRtcOAuth href=\"" BASE "/WebTicket/oauthtoken\",grant_type=\""
                        "urn:microsoft.rtc:windows,urn:microsoft.rtc:anonmeeting,password\"");
    assert_null(resp_header(&resp, "X-MS-WebTicketURL", 0));
    mcxd_response_free(&resp);
}

/* ---- Basic and the User challenge --------------------------------------------- */

static mcxd_auth_result check_basic(fixture *f, const char *authz, time_t now,
                                    const mcx_user **user)
{
    req_builder b;
    rb_init(&b, "GET", "/Autodiscover/AutodiscoverService.svc/root/user", NULL);
    if (authz)
        rb_header(&b, "Authorization", authz);
    return mcxd_auth_check(&f->cfg, f->st, &b.req, 0, now, user);
}

static void test_basic(void **state)
{
    fixture *f = *state;
    const mcx_user *user = NULL;
    char *good = basic_value("alice@contoso.test", "secret");
    char *sip = basic_value("SIP:Alice@Contoso.test", "secret");
    char *bad = basic_value("alice@contoso.test", "Secret");
    char *erin = basic_value("erin@contoso.test", "secret");
    assert_int_equal(check_basic(f, good, NOW, &user), MCXD_AUTH_OK);
    assert_string_equal(user->sip_uri, "alice@contoso.test");
    assert_int_equal(check_basic(f, sip, NOW, &user), MCXD_AUTH_OK);
    /* not enabled for Lync, but the password is right: the dispatcher 404s */
    assert_int_equal(check_basic(f, erin, NOW, &user), MCXD_AUTH_OK);
    assert_false(user->enabled);
    assert_int_equal(check_basic(f, bad, NOW, &user), MCXD_AUTH_INVALID);
    assert_null(user);
    assert_int_equal(check_basic(f, "Basic !!!", NOW, &user), MCXD_AUTH_INVALID);
    assert_int_equal(check_basic(f, "Basic YWxpY2U=", NOW, &user), MCXD_AUTH_INVALID); /* no ':' */
    assert_int_equal(check_basic(f, "Negotiate abc", NOW, &user), MCXD_AUTH_NONE);
    assert_int_equal(check_basic(f, NULL, NOW, &user), MCXD_AUTH_NONE);
    f->topo->basic_auth_enabled = 0;
    assert_int_equal(check_basic(f, good, NOW, &user), MCXD_AUTH_NONE);
    f->topo->basic_auth_enabled = 1;
    free(good);
    free(sip);
    free(bad);
    free(erin);
}

static void test_user_challenge(void **state)
{
    fixture *f = *state;
    req_builder b;
    rb_init(&b, "GET", "/Autodiscover/AutodiscoverService.svc/root/user", NULL);
    b.req.host = "lyncdiscover.fabrikam.test";
    mcxd_response resp;
    mcxd_response_init(&resp);
    mcxd_auth_challenge(&f->cfg, &b.req, 0, "https://lyncdiscover.fabrikam.test", &resp);
    assert_string_equal(resp_header(&resp, "X-MS-WebTicketURL", 0),
                        "https://lyncdiscover.fabrikam.test/WebTicket/WebTicketService.svc");
    assert_string_equal(resp_header(&resp, "WWW-Authenticate", 0), "Basic realm=\"fabrikam.test\"");
    mcxd_response_free(&resp);

    f->cfg.breaks = MCXD_BREAK_NO_401_TICKET_URL;
    f->topo->basic_auth_enabled = 0;
    mcxd_response_init(&resp);
    mcxd_auth_challenge(&f->cfg, &b.req, 0, "https://lyncdiscover.fabrikam.test", &resp);
    assert_null(resp_header(&resp, "X-MS-WebTicketURL", 0));
    assert_null(resp_header(&resp, "WWW-Authenticate", 0));
    mcxd_response_free(&resp);
    f->cfg.breaks = 0;
    f->topo->basic_auth_enabled = 1;
}

/* ---- throttling -------------------------------------------------------------- */

static void test_throttle(void **state)
{
    fixture *f = *state;
    const mcx_user *user = NULL;
    char *good = basic_value("alice@contoso.test", "secret");
    char *bad = basic_value("alice@contoso.test", "wrong");
    for (int i = 0; i < 5; i++)
        assert_int_equal(check_basic(f, bad, NOW + i, &user), MCXD_AUTH_INVALID);
    /* locked for 60 s from the fifth failure (NOW+4), right password or not */
    assert_int_equal(check_basic(f, good, NOW + 5, &user), MCXD_AUTH_THROTTLED);
    assert_int_equal(check_basic(f, good, NOW + 63, &user), MCXD_AUTH_THROTTLED);
    /* the lock covers every way of presenting a password */
    assert_int_equal(mcxd_auth_password(&f->cfg, f->st, "alice@contoso.test", "secret", NOW + 63,
                                        &user),
                     MCXD_AUTH_THROTTLED);
    /* other users are not affected */
    assert_int_equal(mcxd_auth_password(&f->cfg, f->st, "bob@fabrikam.test", "secret2", NOW + 63,
                                        &user),
                     MCXD_AUTH_OK);
    /* released after 60 s */
    assert_int_equal(check_basic(f, good, NOW + 64, &user), MCXD_AUTH_OK);

    /* five failures spread over more than 60 s do not lock ... */
    time_t t0 = NOW + 1000;
    const int spread[] = {0, 20, 40, 61, 70};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(check_basic(f, bad, t0 + spread[i], &user), MCXD_AUTH_INVALID);
    assert_int_equal(check_basic(f, good, t0 + 71, &user), MCXD_AUTH_OK);
    /* ... and a success resets the count */
    for (int i = 0; i < 4; i++)
        assert_int_equal(check_basic(f, bad, t0 + 72 + i, &user), MCXD_AUTH_INVALID);
    assert_int_equal(check_basic(f, good, t0 + 76, &user), MCXD_AUTH_OK);
    assert_int_equal(check_basic(f, bad, t0 + 77, &user), MCXD_AUTH_INVALID);
    assert_int_equal(check_basic(f, good, t0 + 78, &user), MCXD_AUTH_OK);

    /* the OAuth grant reports throttling */
    time_t t1 = NOW + 5000;
    for (int i = 0; i < 5; i++)
        expect_oauth_error(f, "grant_type=password&username=bob%40fabrikam.test&password=x",
                           "application/x-www-form-urlencoded", "invalid_grant");
    mcxd_response resp;
    oauth_post(f, "grant_type=password&username=bob%40fabrikam.test&password=secret2",
               "application/x-www-form-urlencoded", NOW + 1, &resp);
    assert_int_equal(resp.status, 400);
    assert_string_equal(resp_header(&resp, "Retry-After", 0), "60");
    mcxd_response_free(&resp);
    oauth_post(f, "grant_type=password&username=bob%40fabrikam.test&password=secret2",
               "application/x-www-form-urlencoded", t1, &resp);
    assert_int_equal(resp.status, 200);
    mcxd_response_free(&resp);
    free(good);
    free(bad);
}

/* ---- through the dispatcher ------------------------------------------------------ */

static void handle(fixture *f, const char *method, const char *uri, const char *body,
                   const char *h1, const char *v1, const char *h2, const char *v2,
                   mcxd_response *resp)
{
    req_builder b;
    rb_init(&b, method, uri, body);
    if (h1)
        rb_header(&b, h1, v1);
    if (h2)
        rb_header(&b, h2, v2);
    mcxd_handle(&f->cfg, f->st, &b.req, NOW, resp);
}

static void test_through_dispatcher(void **state)
{
    fixture *f = *state;
    mcxd_response resp;
    /* 1. User without credentials: 401 + X-MS-WebTicketURL */
    handle(f, "GET", "/Autodiscover/AutodiscoverService.svc/root/user", NULL, NULL, NULL, NULL,
           NULL, &resp);
    assert_int_equal(resp.status, 401);
    const char *url = resp_header(&resp, "X-MS-WebTicketURL", 0);
    assert_non_null(url);
    assert_string_equal(url, BASE "/WebTicket/WebTicketService.svc");
    mcxd_response_free(&resp);
    /* 2. <url>/mex */
    handle(f, "GET", "/WebTicket/WebTicketService.svc/mex", NULL, NULL, NULL, NULL, NULL, &resp);
    assert_int_equal(resp.status, 200);
    assert_non_null(strstr(resp.body, "location=\"" BASE AUTH_PATH "\""));
    mcxd_response_free(&resp);
    /* 3. RST to the WinNegotiate port with Basic */
    char *body = rst_body(USER_URL, "alice@contoso.test", NULL, NULL);
    char *authz = basic_value("alice@contoso.test", "secret");
    handle(f, "POST", AUTH_PATH, body, "Content-Type", "text/xml", "Authorization", authz, &resp);
    assert_int_equal(resp.status, 200);
    assert_non_null(resp_header(&resp, "Content-Length", 0));
    char *ticket = ticket_header_from(&resp);
    mcxd_response_free(&resp);
    /* 4. User with the ticket */
    handle(f, "GET", "/Autodiscover/AutodiscoverService.svc/root/user", NULL, "X-MS-WebTicket",
           ticket, NULL, NULL, &resp);
    assert_int_equal(resp.status, 200);
    assert_non_null(strstr(resp.body, "SipClientExternalAccess"));
    mcxd_response_free(&resp);
    /* OAuth resource (2013 profile): none -> 401 with MsRtcOAuth, bad -> 403 */
    f->topo->profile = MCX_PROFILE_2013;
    handle(f, "GET", "/Autodiscover/AutodiscoverService.svc/root/oauth/user", NULL, NULL, NULL,
           NULL, NULL, &resp);
    assert_int_equal(resp.status, 401);
    assert_non_null(strstr(resp_header(&resp, "WWW-Authenticate", 1), "MsRtcOAuth href="));
    mcxd_response_free(&resp);
    handle(f, "GET", "/Autodiscover/AutodiscoverService.svc/root/oauth/user", NULL,
           "Authorization", "Bearer cwt=nope", NULL, NULL, &resp);
    assert_int_equal(resp.status, 403);
    mcxd_response_free(&resp);
    f->topo->profile = MCX_PROFILE_2010CU4;
    /* garbage RST through the dispatcher: a fault, not a crash */
    handle(f, "POST", AUTH_PATH, "<<<", "Content-Type", "text/xml", "Authorization", authz,
           &resp);
    assert_int_equal(resp.status, 400);
    assert_non_null(strstr(resp_header(&resp, "Content-Type", 0), "text/xml"));
    mcxd_response_free(&resp);
    free(ticket);
    free(body);
    free(authz);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_owns_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mex_lists_ports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_webticket_issue_and_verify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_webticket_tampered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_webticket_other_users_signature, setup, teardown),
        cmocka_unit_test_setup_teardown(test_webticket_credentials, setup, teardown),
        cmocka_unit_test_setup_teardown(test_webticket_hostile_xml, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deterministic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secret_equal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oauth_password_grant, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oauth_store_evicts_oldest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oauth_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oauth_challenge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_basic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_challenge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_throttle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_through_dispatcher, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
