/*
 * auth_webticket.c -- the Lync 2010 Web Ticket Service of mcxd
 * (protocol.md §2.7.1; MS-OCAUTHWS), as pidgin-sipe uses it.
 *
 * Owns: the metadata document at /WebTicket/WebTicketService.svc/mex (WSDL
 * with the ports WebTicketServiceWinNegotiate at .../WebTicketService.svc/Auth
 * and WebTicketServiceUsernameToken at .../WebTicketService.svc/UsernameToken);
 * the WS-Trust Issue endpoint (SOAP 1.1 RequestSecurityToken in, a
 * RequestSecurityTokenResponse carrying a signed SAML 1.1 saml:Assertion
 * out, SOAP faults for bad requests and bad credentials); and verification
 * of `X-MS-WebTicket: opaque=<base64 of the Assertion element>` on User.
 * Does not own: password checks and throttling (auth_state.c,
 * auth_throttle.c), Basic parsing (auth_basic.c), the User resource.
 *
 * Credentials on Issue: a WS-Security UsernameToken (PasswordText) in the
 * SOAP header, else HTTP Basic, which stands in for the Windows (NTLM /
 * Negotiate) authentication of a real deployment. Both Issue addresses
 * accept both forms. Issue is HTTPS only.
 *
 * Requests are parsed by mcx_xml_read (xml_safe.h: no network, no entity
 * substitution, the parser stops at any DOCTYPE in any encoding: no XXE, no
 * entity expansion), at most WEBTICKET_MAX_BODY bytes. Errors name the line.
 *
 * Ticket signature ("mcxd-webticket-v1"). Not XML-DSig: the signature is
 * HMAC-SHA256 with the server's signing key over this byte string:
 *     "mcxd-webticket-v1\n" followed, for each signed field in order, by
 *     <decimal byte length> ":" <value> "\n"
 * The fields: AssertionID, Issuer, IssueInstant, Conditions/@NotBefore,
 * Conditions/@NotOnOrAfter, the Audience, the Subject's NameIdentifier
 * ("sip:user"), AuthenticationStatement/@AuthenticationMethod. The value is
 * base64 in ds:Signature/ds:SignatureValue (SignatureMethod names
 * hmac-sha256, CanonicalizationMethod names urn:mcxlab:mcxd:webticket-v1).
 * On use the fields are read back from the presented assertion, the HMAC is
 * recomputed and compared with CRYPTO_memcmp; then NotBefore <= now <
 * NotOnOrAfter, the Audience's host must equal the request's Host -- or be
 * the other web FQDN (internal/external) of the same pool, so a ticket for a
 * pool's web services also opens its Mobility Service on the external web
 * FQDN (refimpl/MOBILITY.md) -- and the subject must still be a user of the
 * topology. Only signed fields are used.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/crypto.h>

#include "auth.h"
#include "mcx/xml_safe.h"

#define WEBTICKET_MAX_BODY 65536   /* RST bytes accepted */
#define WEBTICKET_MAX_HEADER 49152 /* X-MS-WebTicket characters accepted */
#define WEBTICKET_MAX_FIELD 2048   /* AppliesTo, Context, user names */

#define NS_SOAP11 "http://schemas.xmlsoap.org/soap/envelope/"
#define NS_SOAP12 "http://www.w3.org/2003/05/soap-envelope"
#define NS_WST13 "http://docs.oasis-open.org/ws-sx/ws-trust/200512"
#define NS_WST2005 "http://schemas.xmlsoap.org/ws/2005/02/trust"
#define NS_WSP "http://schemas.xmlsoap.org/ws/2004/09/policy"
#define NS_WSA "http://www.w3.org/2005/08/addressing"
#define NS_WSA2004 "http://schemas.xmlsoap.org/ws/2004/08/addressing"
#define NS_WSSE "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
#define NS_WSU "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
#define NS_SAML "urn:oasis:names:tc:SAML:1.0:assertion"
#define NS_DS "http://www.w3.org/2000/09/xmldsig#"
#define NS_WSDL "http://schemas.xmlsoap.org/wsdl/"
#define NS_WSDL_SOAP "http://schemas.xmlsoap.org/wsdl/soap/"
#define NS_WSAW "http://www.w3.org/2006/05/addressing/wsdl"
#define NS_AUTH "http://schemas.xmlsoap.org/ws/2006/12/authorization"
#define NS_FAULT "urn:mcxlab:mcxd:fault"

#define TOKEN_SAML11 "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV1.1"
#define ACTION_ISSUE "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue"
#define ACTION_ISSUE_REPLY "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/Issue"
#define PASSWORD_TEXT                                                                          \
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"       \
    "#PasswordText"
#define AM_PASSWORD "urn:oasis:names:tc:SAML:1.0:am:password"
#define SIG_HMAC_SHA256 "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"
#define SIG_CANON "urn:mcxlab:mcxd:webticket-v1"

/* ---- small XML helpers ------------------------------------------------------ */

static int is_elem(const xmlNode *n, const char *ns, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           strcmp((const char *)n->ns->href, ns) == 0 && strcmp((const char *)n->name, name) == 0;
}

static int is_wst(const xmlNode *n, const char *name)
{
    return is_elem(n, NS_WST13, name) || is_elem(n, NS_WST2005, name);
}

/* The only element child named ns:name; NULL when absent. *count = how many. */
static xmlNode *child_elem(const xmlNode *parent, const char *ns, const char *name, int *count)
{
    xmlNode *found = NULL;
    int n = 0;
    for (xmlNode *c = parent ? parent->children : NULL; c; c = c->next) {
        if (ns ? is_elem(c, ns, name) : is_wst(c, name)) {
            if (!found)
                found = c;
            n++;
        }
    }
    if (count)
        *count = n;
    return found;
}

/* Exactly one child; NULL when absent or repeated. */
static xmlNode *one_child(const xmlNode *parent, const char *ns, const char *name)
{
    int n = 0;
    xmlNode *c = child_elem(parent, ns, name, &n);
    return n == 1 ? c : NULL;
}

static xmlNode *first_element(const xmlNode *parent)
{
    for (xmlNode *c = parent ? parent->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return c;
    return NULL;
}

/* Text content trimmed of surrounding whitespace; malloc'd (never NULL on
 * success), NULL on allocation failure or when longer than `max`. */
static char *text_of(const xmlNode *n, size_t max)
{
    xmlChar *raw = xmlNodeGetContent(n);
    if (!raw)
        return strdup("");
    const char *s = (const char *)raw;
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    size_t len = strlen(s);
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' ||
                       s[len - 1] == '\n'))
        len--;
    char *out = len <= max ? strndup(s, len) : NULL;
    xmlFree(raw);
    return out;
}

/* Attribute value (no namespace); malloc'd or NULL. */
static char *attr_of(const xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *out = strdup((const char *)v);
    xmlFree(v);
    return out;
}

static int has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

/* Serialise a document into a malloc'd buffer. */
static int dump_doc(xmlDoc *doc, char **out, size_t *out_len)
{
    xmlChar *buf = NULL;
    int size = 0;
    xmlDocDumpMemoryEnc(doc, &buf, &size, "UTF-8");
    if (!buf || size < 0) {
        xmlFree(buf);
        return -1;
    }
    *out = malloc((size_t)size + 1);
    if (!*out) {
        xmlFree(buf);
        return -1;
    }
    memcpy(*out, buf, (size_t)size);
    (*out)[size] = '\0';
    *out_len = (size_t)size;
    xmlFree(buf);
    return 0;
}

/* Parse untrusted XML (xml_safe.h: no DTD, no entities, no network). On
 * failure returns NULL with `err` saying "<name>:<line>: ...". */
static xmlDoc *safe_parse(const char *buf, size_t len, const char *name, char *err,
                          size_t errlen)
{
    mcx_error e;

    if (len == 0 || len > (size_t)WEBTICKET_MAX_BODY * 2) {
        snprintf(err, errlen, "%s: byte 0: empty or oversized document", name);
        return NULL;
    }
    xmlDoc *doc = mcx_xml_read(name, buf, len, "a SOAP request", &e);
    if (!doc)
        snprintf(err, errlen, "%s:%d: %.300s", name, e.line, e.message);
    return doc;
}

/* ---- time ---------------------------------------------------------------- */

static void iso_time(time_t t, char out[32])
{
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        snprintf(out, 32, "1970-01-01T00:00:00Z");
        return;
    }
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Strict "YYYY-MM-DDTHH:MM:SSZ"; -1 if not exactly that. */
static int parse_iso_time(const char *s, time_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (strlen(s) != 20)
        return -1;
    for (int i = 0; i < 20; i++) {
        static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
        if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
            return -1;
    }
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec) != 6)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *out = timegm(&tm);
    char back[32];
    iso_time(*out, back);
    return strcmp(back, s) == 0 ? 0 : -1;
}

/* ---- signature ------------------------------------------------------------- */

enum { F_ID, F_ISSUER, F_INSTANT, F_NOTBEFORE, F_NOTAFTER, F_AUDIENCE, F_SUBJECT, F_METHOD, F_N };

typedef struct ticket_fields {
    char *v[F_N];
} ticket_fields;

static void fields_free(ticket_fields *f)
{
    for (int i = 0; i < F_N; i++) {
        free(f->v[i]);
        f->v[i] = NULL;
    }
}

static int fields_sign(const mcxd_state *st, const ticket_fields *f,
                       unsigned char mac[SHA256_DIGEST_LENGTH])
{
    static const char magic[] = "mcxd-webticket-v1\n";
    size_t total = sizeof(magic) - 1;
    for (int i = 0; i < F_N; i++)
        total += strlen(f->v[i]) + 24;
    char *buf = malloc(total + 1);
    if (!buf)
        return -1;
    size_t off = 0;
    memcpy(buf, magic, sizeof(magic) - 1);
    off += sizeof(magic) - 1;
    for (int i = 0; i < F_N; i++) {
        size_t l = strlen(f->v[i]);
        off += (size_t)snprintf(buf + off, total + 1 - off, "%zu:", l);
        memcpy(buf + off, f->v[i], l);
        off += l;
        buf[off++] = '\n';
    }
    int r = mcxd_auth_sign(st, buf, off, mac);
    free(buf);
    return r;
}

/* ---- responses ------------------------------------------------------------- */

static void set_xml_body(mcxd_response *resp, int status, xmlDoc *doc)
{
    char *body = NULL;
    size_t len = 0;
    if (dump_doc(doc, &body, &len) != 0) {
        resp->status = 500;
        return;
    }
    resp->status = status;
    mcxd_response_header(resp, "Content-Type", "text/xml; charset=utf-8");
    free(resp->body);
    resp->body = body;
    resp->body_len = len;
}

/* A child element in no namespace (xmlNewChild would inherit the parent's). */
static xmlNode *unqualified_child(xmlNode *parent, const char *name, const char *text)
{
    xmlNode *n = xmlNewDocNode(parent->doc, NULL, (const xmlChar *)name, NULL);
    if (text)
        xmlNodeAddContent(n, (const xmlChar *)text);
    xmlAddChild(parent, n);
    return n;
}

/* SOAP 1.1 fault. `code` is a QName using the prefixes s, wsse or wst. The
 * reason is repeated in detail/error/internalerror/text, where sipe reads it. */
static void soap_fault(mcxd_response *resp, int status, const char *code, const char *reason)
{
    xmlDoc *doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNode *env = xmlNewNode(NULL, (const xmlChar *)"Envelope");
    xmlNs *s = xmlNewNs(env, (const xmlChar *)NS_SOAP11, (const xmlChar *)"s");
    xmlSetNs(env, s);
    xmlNewNs(env, (const xmlChar *)NS_WSSE, (const xmlChar *)"wsse");
    xmlNewNs(env, (const xmlChar *)NS_WST13, (const xmlChar *)"wst");
    xmlDocSetRootElement(doc, env);
    xmlNode *body = xmlNewChild(env, s, (const xmlChar *)"Body", NULL);
    xmlNode *fault = xmlNewChild(body, s, (const xmlChar *)"Fault", NULL);
    /* faultcode, faultstring and detail are unqualified in SOAP 1.1 */
    unqualified_child(fault, "faultcode", code);
    xmlNode *fs = unqualified_child(fault, "faultstring", reason);
    xmlNodeSetLang(fs, (const xmlChar *)"en-US");
    xmlNode *detail = unqualified_child(fault, "detail", NULL);
    xmlNode *error = unqualified_child(detail, "error", NULL);
    xmlSetNs(error, xmlNewNs(error, (const xmlChar *)NS_FAULT, NULL));
    xmlNode *internal = xmlNewChild(error, error->ns, (const xmlChar *)"internalerror", NULL);
    xmlNewTextChild(internal, error->ns, (const xmlChar *)"text", (const xmlChar *)reason);
    set_xml_body(resp, status, doc);
    xmlFreeDoc(doc);
}

/* The WSDL at .../mex: service WebTicketService with one port per way of
 * authenticating. sipe reads definitions/service/port[@name]/address@location. */
static void serve_wsdl(const char *base, mcxd_response *resp)
{
    static const struct {
        const char *port, *path, *doc;
    } ports[] = {
        {"WebTicketServiceWinNegotiate", "/WebTicket/WebTicketService.svc/Auth",
         "Integrated Windows authentication at the HTTP level; this server accepts HTTP "
         "Basic in its place."},
        {"WebTicketServiceUsernameToken", "/WebTicket/WebTicketService.svc/UsernameToken",
         "WS-Security UsernameToken (PasswordText) in the SOAP header."},
    };
    xmlDoc *doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNode *defs = xmlNewNode(NULL, (const xmlChar *)"definitions");
    xmlNs *wsdl = xmlNewNs(defs, (const xmlChar *)NS_WSDL, (const xmlChar *)"wsdl");
    xmlSetNs(defs, wsdl);
    xmlNs *soap = xmlNewNs(defs, (const xmlChar *)NS_WSDL_SOAP, (const xmlChar *)"soap");
    xmlNs *wsaw = xmlNewNs(defs, (const xmlChar *)NS_WSAW, (const xmlChar *)"wsaw");
    xmlNewNs(defs, (const xmlChar *)NS_WST13, (const xmlChar *)"wst");
    xmlNewNs(defs, (const xmlChar *)"urn:mcxlab:webticket", (const xmlChar *)"tns");
    xmlNewProp(defs, (const xmlChar *)"name", (const xmlChar *)"WebTicketService");
    xmlNewProp(defs, (const xmlChar *)"targetNamespace", (const xmlChar *)"urn:mcxlab:webticket");
    xmlDocSetRootElement(doc, defs);

    xmlNode *msg = xmlNewChild(defs, wsdl, (const xmlChar *)"message", NULL);
    xmlNewProp(msg, (const xmlChar *)"name", (const xmlChar *)"IssueRequest");
    xmlNode *part = xmlNewChild(msg, wsdl, (const xmlChar *)"part", NULL);
    xmlNewProp(part, (const xmlChar *)"name", (const xmlChar *)"request");
    xmlNewProp(part, (const xmlChar *)"element", (const xmlChar *)"wst:RequestSecurityToken");
    msg = xmlNewChild(defs, wsdl, (const xmlChar *)"message", NULL);
    xmlNewProp(msg, (const xmlChar *)"name", (const xmlChar *)"IssueResponse");
    part = xmlNewChild(msg, wsdl, (const xmlChar *)"part", NULL);
    xmlNewProp(part, (const xmlChar *)"name", (const xmlChar *)"response");
    xmlNewProp(part, (const xmlChar *)"element",
               (const xmlChar *)"wst:RequestSecurityTokenResponse");

    xmlNode *pt = xmlNewChild(defs, wsdl, (const xmlChar *)"portType", NULL);
    xmlNewProp(pt, (const xmlChar *)"name", (const xmlChar *)"IWebTicketService");
    xmlNode *op = xmlNewChild(pt, wsdl, (const xmlChar *)"operation", NULL);
    xmlNewProp(op, (const xmlChar *)"name", (const xmlChar *)"IssueToken");
    xmlNode *in = xmlNewChild(op, wsdl, (const xmlChar *)"input", NULL);
    xmlNewNsProp(in, wsaw, (const xmlChar *)"Action", (const xmlChar *)ACTION_ISSUE);
    xmlNewProp(in, (const xmlChar *)"message", (const xmlChar *)"tns:IssueRequest");
    xmlNode *outp = xmlNewChild(op, wsdl, (const xmlChar *)"output", NULL);
    xmlNewNsProp(outp, wsaw, (const xmlChar *)"Action", (const xmlChar *)ACTION_ISSUE_REPLY);
    xmlNewProp(outp, (const xmlChar *)"message", (const xmlChar *)"tns:IssueResponse");

    for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
        xmlNode *b = xmlNewChild(defs, wsdl, (const xmlChar *)"binding", NULL);
        xmlNewProp(b, (const xmlChar *)"name", (const xmlChar *)ports[i].port);
        xmlNewProp(b, (const xmlChar *)"type", (const xmlChar *)"tns:IWebTicketService");
        xmlNode *sb = xmlNewChild(b, soap, (const xmlChar *)"binding", NULL);
        xmlNewProp(sb, (const xmlChar *)"transport",
                   (const xmlChar *)"http://schemas.xmlsoap.org/soap/http");
        xmlNode *bop = xmlNewChild(b, wsdl, (const xmlChar *)"operation", NULL);
        xmlNewProp(bop, (const xmlChar *)"name", (const xmlChar *)"IssueToken");
        xmlNode *so = xmlNewChild(bop, soap, (const xmlChar *)"operation", NULL);
        xmlNewProp(so, (const xmlChar *)"soapAction", (const xmlChar *)ACTION_ISSUE);
        xmlNewProp(so, (const xmlChar *)"style", (const xmlChar *)"document");
        xmlNode *bi = xmlNewChild(bop, wsdl, (const xmlChar *)"input", NULL);
        xmlNewProp(xmlNewChild(bi, soap, (const xmlChar *)"body", NULL), (const xmlChar *)"use",
                   (const xmlChar *)"literal");
        xmlNode *bo = xmlNewChild(bop, wsdl, (const xmlChar *)"output", NULL);
        xmlNewProp(xmlNewChild(bo, soap, (const xmlChar *)"body", NULL), (const xmlChar *)"use",
                   (const xmlChar *)"literal");
    }

    xmlNode *svc = xmlNewChild(defs, wsdl, (const xmlChar *)"service", NULL);
    xmlNewProp(svc, (const xmlChar *)"name", (const xmlChar *)"WebTicketService");
    for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
        char type[96], location[1200];
        snprintf(type, sizeof(type), "tns:%s", ports[i].port);
        snprintf(location, sizeof(location), "%s%s", base, ports[i].path);
        xmlNode *port = xmlNewChild(svc, wsdl, (const xmlChar *)"port", NULL);
        xmlNewProp(port, (const xmlChar *)"name", (const xmlChar *)ports[i].port);
        xmlNewProp(port, (const xmlChar *)"binding", (const xmlChar *)type);
        xmlNewTextChild(port, wsdl, (const xmlChar *)"documentation",
                        (const xmlChar *)ports[i].doc);
        xmlNode *addr = xmlNewChild(port, soap, (const xmlChar *)"address", NULL);
        xmlNewProp(addr, (const xmlChar *)"location", (const xmlChar *)location);
    }
    set_xml_body(resp, 200, doc);
    xmlFreeDoc(doc);
}

/* ---- Issue -------------------------------------------------------------------- */

typedef struct rst_request {
    char *applies_to;
    char *context;       /* may be NULL */
    char *claimed_uri;   /* claims value ("sip:..."), may be NULL */
    char *ut_username;   /* WS-Security UsernameToken, may be NULL */
    char *ut_password;
} rst_request;

static void rst_free(rst_request *r)
{
    free(r->applies_to);
    free(r->context);
    free(r->claimed_uri);
    free(r->ut_username);
    if (r->ut_password)
        OPENSSL_cleanse(r->ut_password, strlen(r->ut_password));
    free(r->ut_password);
}

/* Read the RST. Returns 0, or the HTTP status of the fault to send with
 * `code` and `err` filled in. */
static int rst_read(const xmlDoc *doc, rst_request *r, const char **code, char *err,
                    size_t errlen)
{
    const xmlNode *env = xmlDocGetRootElement(doc);
    *code = "s:Client";
    if (is_elem(env, NS_SOAP12, "Envelope")) {
        *code = "s:VersionMismatch";
        snprintf(err, errlen, "rst.xml:%ld: SOAP 1.2 envelope; this service speaks SOAP 1.1",
                 xmlGetLineNo(env));
        return 500;
    }
    if (!is_elem(env, NS_SOAP11, "Envelope")) {
        snprintf(err, errlen, "rst.xml:%ld: the root element is not a SOAP 1.1 Envelope",
                 env ? xmlGetLineNo(env) : 1L);
        return 400;
    }
    int nheader = 0, nbody = 0;
    xmlNode *header = child_elem(env, NS_SOAP11, "Header", &nheader);
    xmlNode *body = child_elem(env, NS_SOAP11, "Body", &nbody);
    if (nbody != 1 || nheader > 1) {
        snprintf(err, errlen, "rst.xml:%ld: an Envelope needs one Body and at most one Header",
                 xmlGetLineNo(env));
        return 400;
    }
    xmlNode *rst = first_element(body);
    if (!is_wst(rst, "RequestSecurityToken")) {
        *code = "wst:InvalidRequest";
        snprintf(err, errlen, "rst.xml:%ld: the Body does not hold a WS-Trust "
                              "RequestSecurityToken",
                 xmlGetLineNo(body));
        return 500;
    }
    *code = "wst:InvalidRequest";
    xmlNode *n = one_child(rst, NULL, "RequestType");
    char *v = n ? text_of(n, WEBTICKET_MAX_FIELD) : NULL;
    size_t vl = v ? strlen(v) : 0;
    int issue = v && vl >= 6 && strcmp(v + vl - 6, "/Issue") == 0;
    free(v);
    if (!issue) {
        snprintf(err, errlen, "rst.xml:%ld: RequestType must be one .../Issue",
                 xmlGetLineNo(n ? n : rst));
        return 500;
    }
    n = child_elem(rst, NULL, "TokenType", NULL);
    if (n) {
        v = text_of(n, WEBTICKET_MAX_FIELD);
        int ok = v && (strcmp(v, TOKEN_SAML11) == 0 || strcmp(v, NS_SAML) == 0);
        free(v);
        if (!ok) {
            *code = "wst:BadRequest";
            snprintf(err, errlen, "rst.xml:%ld: TokenType must be SAML 1.1 (%s)",
                     xmlGetLineNo(n), TOKEN_SAML11);
            return 500;
        }
    }
    xmlNode *at = one_child(rst, NS_WSP, "AppliesTo");
    xmlNode *epr = at ? first_element(at) : NULL;
    xmlNode *addr = NULL;
    if (is_elem(epr, NS_WSA, "EndpointReference"))
        addr = one_child(epr, NS_WSA, "Address");
    else if (is_elem(epr, NS_WSA2004, "EndpointReference"))
        addr = one_child(epr, NS_WSA2004, "Address");
    r->applies_to = addr ? text_of(addr, WEBTICKET_MAX_FIELD) : NULL;
    if (!r->applies_to || has_control(r->applies_to) ||
        (strncasecmp(r->applies_to, "https://", 8) != 0 &&
         strncasecmp(r->applies_to, "http://", 7) != 0)) {
        snprintf(err, errlen, "rst.xml:%ld: AppliesTo/EndpointReference/Address must hold one "
                              "http(s) URL",
                 xmlGetLineNo(at ? at : rst));
        return 500;
    }
    r->context = attr_of(rst, "Context");
    if (r->context && (strlen(r->context) > 256 || has_control(r->context))) {
        snprintf(err, errlen, "rst.xml:%ld: Context longer than 256 characters",
                 xmlGetLineNo(rst));
        return 500;
    }
    /* Claims: auth:ClaimType/auth:Value with the user's sip: URI */
    xmlNode *claims = child_elem(rst, NULL, "Claims", NULL);
    if (claims) {
        xmlNode *ct = child_elem(claims, NS_AUTH, "ClaimType", NULL);
        xmlNode *cv = ct ? one_child(ct, NS_AUTH, "Value") : NULL;
        if (cv)
            r->claimed_uri = text_of(cv, WEBTICKET_MAX_FIELD);
    }
    /* WS-Security header */
    if (header) {
        int nsec = 0;
        xmlNode *sec = child_elem(header, NS_WSSE, "Security", &nsec);
        if (nsec > 1) {
            snprintf(err, errlen, "rst.xml:%ld: more than one wsse:Security header",
                     xmlGetLineNo(header));
            return 500;
        }
        int nut = 0;
        xmlNode *ut = sec ? child_elem(sec, NS_WSSE, "UsernameToken", &nut) : NULL;
        if (nut > 1) {
            *code = "wsse:InvalidSecurityToken";
            snprintf(err, errlen, "rst.xml:%ld: more than one UsernameToken", xmlGetLineNo(sec));
            return 500;
        }
        if (ut) {
            xmlNode *un = one_child(ut, NS_WSSE, "Username");
            xmlNode *pw = one_child(ut, NS_WSSE, "Password");
            char *type = pw ? attr_of(pw, "Type") : NULL;
            int plain = !type || strcmp(type, PASSWORD_TEXT) == 0;
            free(type);
            if (!un || !pw) {
                *code = "wsse:InvalidSecurityToken";
                snprintf(err, errlen, "rst.xml:%ld: UsernameToken needs one Username and one "
                                      "Password",
                         xmlGetLineNo(ut));
                return 500;
            }
            if (!plain) {
                *code = "wsse:UnsupportedSecurityToken";
                snprintf(err, errlen, "rst.xml:%ld: only PasswordText passwords are accepted",
                         xmlGetLineNo(pw));
                return 500;
            }
            r->ut_username = text_of(un, WEBTICKET_MAX_FIELD);
            xmlChar *raw = xmlNodeGetContent(pw); /* passwords keep their spaces */
            r->ut_password = strdup(raw ? (const char *)raw : "");
            if (raw) {
                OPENSSL_cleanse(raw, strlen((const char *)raw));
                xmlFree(raw);
            }
            if (!r->ut_username || !r->ut_password) {
                *code = "wsse:InvalidSecurityToken";
                snprintf(err, errlen, "rst.xml:%ld: Username too long", xmlGetLineNo(un));
                return 500;
            }
        }
    }
    return 0;
}

/* Build the RSTR around a freshly signed assertion. */
static int build_rstr(const mcxd_config *cfg, mcxd_state *st, const rst_request *r,
                      const mcx_user *user, time_t now, const char *base, mcxd_response *resp)
{
    int lifetime = cfg->topo->webticket_lifetime > 0 ? cfg->topo->webticket_lifetime : 28800;
    unsigned char idbytes[16];
    if (mcxd_auth_random(st, idbytes, sizeof(idbytes)) != 0)
        return -1;
    char id[40], instant[32], expires[32];
    id[0] = '_';
    for (size_t i = 0; i < sizeof(idbytes); i++)
        snprintf(id + 1 + 2 * i, 3, "%02x", idbytes[i]);
    iso_time(now, instant);
    iso_time(now + lifetime, expires);
    char issuer[1100], subject[600];
    snprintf(issuer, sizeof(issuer), "%s/WebTicket/WebTicketService.svc", base);
    snprintf(subject, sizeof(subject), "sip:%s", user->sip_uri);

    ticket_fields f = {{NULL}};
    f.v[F_ID] = strdup(id);
    f.v[F_ISSUER] = strdup(issuer);
    f.v[F_INSTANT] = strdup(instant);
    f.v[F_NOTBEFORE] = strdup(instant);
    f.v[F_NOTAFTER] = strdup(expires);
    f.v[F_AUDIENCE] = strdup(r->applies_to);
    f.v[F_SUBJECT] = strdup(subject);
    f.v[F_METHOD] = strdup(AM_PASSWORD);
    for (int i = 0; i < F_N; i++) {
        if (!f.v[i]) {
            fields_free(&f);
            return -1;
        }
    }
    unsigned char mac[SHA256_DIGEST_LENGTH];
    char *sig = NULL;
    if (fields_sign(st, &f, mac) != 0 || !(sig = mcxd_auth_base64(mac, sizeof(mac)))) {
        fields_free(&f);
        return -1;
    }

    xmlDoc *doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNode *env = xmlNewNode(NULL, (const xmlChar *)"Envelope");
    xmlNs *s = xmlNewNs(env, (const xmlChar *)NS_SOAP11, (const xmlChar *)"s");
    xmlSetNs(env, s);
    xmlDocSetRootElement(doc, env);
    xmlNode *body = xmlNewChild(env, s, (const xmlChar *)"Body", NULL);
    xmlNode *rstr = xmlNewChild(body, NULL, (const xmlChar *)"RequestSecurityTokenResponse", NULL);
    xmlNs *wst = xmlNewNs(rstr, (const xmlChar *)NS_WST13, (const xmlChar *)"wst");
    xmlSetNs(rstr, wst);
    if (r->context)
        xmlNewProp(rstr, (const xmlChar *)"Context", (const xmlChar *)r->context);
    xmlNewTextChild(rstr, wst, (const xmlChar *)"TokenType", (const xmlChar *)TOKEN_SAML11);
    xmlNode *rt = xmlNewChild(rstr, wst, (const xmlChar *)"RequestedSecurityToken", NULL);

    /* The Assertion declares every namespace it uses, so the element cut out
     * of this document (as sipe does) parses on its own. */
    xmlNode *as = xmlNewChild(rt, NULL, (const xmlChar *)"Assertion", NULL);
    xmlNs *saml = xmlNewNs(as, (const xmlChar *)NS_SAML, (const xmlChar *)"saml");
    xmlSetNs(as, saml);
    xmlNewProp(as, (const xmlChar *)"MajorVersion", (const xmlChar *)"1");
    xmlNewProp(as, (const xmlChar *)"MinorVersion", (const xmlChar *)"1");
    xmlNewProp(as, (const xmlChar *)"AssertionID", (const xmlChar *)f.v[F_ID]);
    xmlNewProp(as, (const xmlChar *)"Issuer", (const xmlChar *)f.v[F_ISSUER]);
    xmlNewProp(as, (const xmlChar *)"IssueInstant", (const xmlChar *)f.v[F_INSTANT]);
    xmlNode *cond = xmlNewChild(as, saml, (const xmlChar *)"Conditions", NULL);
    xmlNewProp(cond, (const xmlChar *)"NotBefore", (const xmlChar *)f.v[F_NOTBEFORE]);
    xmlNewProp(cond, (const xmlChar *)"NotOnOrAfter", (const xmlChar *)f.v[F_NOTAFTER]);
    xmlNode *arc = xmlNewChild(cond, saml, (const xmlChar *)"AudienceRestrictionCondition", NULL);
    xmlNewTextChild(arc, saml, (const xmlChar *)"Audience", (const xmlChar *)f.v[F_AUDIENCE]);
    xmlNode *stmt = xmlNewChild(as, saml, (const xmlChar *)"AuthenticationStatement", NULL);
    xmlNewProp(stmt, (const xmlChar *)"AuthenticationMethod", (const xmlChar *)f.v[F_METHOD]);
    xmlNewProp(stmt, (const xmlChar *)"AuthenticationInstant", (const xmlChar *)f.v[F_INSTANT]);
    xmlNode *subj = xmlNewChild(stmt, saml, (const xmlChar *)"Subject", NULL);
    xmlNode *nid =
        xmlNewTextChild(subj, saml, (const xmlChar *)"NameIdentifier", (const xmlChar *)subject);
    xmlNewProp(nid, (const xmlChar *)"Format",
               (const xmlChar *)"urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified");
    xmlNode *sc = xmlNewChild(subj, saml, (const xmlChar *)"SubjectConfirmation", NULL);
    xmlNewTextChild(sc, saml, (const xmlChar *)"ConfirmationMethod",
                    (const xmlChar *)"urn:oasis:names:tc:SAML:1.0:cm:bearer");
    xmlNode *sg = xmlNewChild(as, NULL, (const xmlChar *)"Signature", NULL);
    xmlNs *ds = xmlNewNs(sg, (const xmlChar *)NS_DS, (const xmlChar *)"ds");
    xmlSetNs(sg, ds);
    xmlNode *si = xmlNewChild(sg, ds, (const xmlChar *)"SignedInfo", NULL);
    xmlNewProp(xmlNewChild(si, ds, (const xmlChar *)"CanonicalizationMethod", NULL),
               (const xmlChar *)"Algorithm", (const xmlChar *)SIG_CANON);
    xmlNewProp(xmlNewChild(si, ds, (const xmlChar *)"SignatureMethod", NULL),
               (const xmlChar *)"Algorithm", (const xmlChar *)SIG_HMAC_SHA256);
    xmlNewTextChild(sg, ds, (const xmlChar *)"SignatureValue", (const xmlChar *)sig);
    xmlNode *ki = xmlNewChild(sg, ds, (const xmlChar *)"KeyInfo", NULL);
    xmlNewTextChild(ki, ds, (const xmlChar *)"KeyName", (const xmlChar *)"mcxd");

    xmlNode *ap = xmlNewChild(rstr, NULL, (const xmlChar *)"AppliesTo", NULL);
    xmlSetNs(ap, xmlNewNs(ap, (const xmlChar *)NS_WSP, (const xmlChar *)"wsp"));
    xmlNode *epr = xmlNewChild(ap, NULL, (const xmlChar *)"EndpointReference", NULL);
    xmlNs *wsa = xmlNewNs(epr, (const xmlChar *)NS_WSA, (const xmlChar *)"wsa");
    xmlSetNs(epr, wsa);
    xmlNewTextChild(epr, wsa, (const xmlChar *)"Address", (const xmlChar *)r->applies_to);
    /* sipe turns Lifetime into a wsu:Timestamp and reads its Expires */
    xmlNode *lt = xmlNewChild(rstr, wst, (const xmlChar *)"Lifetime", NULL);
    xmlNs *wsu = xmlNewNs(lt, (const xmlChar *)NS_WSU, (const xmlChar *)"wsu");
    xmlNewTextChild(lt, wsu, (const xmlChar *)"Created", (const xmlChar *)instant);
    xmlNewTextChild(lt, wsu, (const xmlChar *)"Expires", (const xmlChar *)expires);
    xmlNewTextChild(rstr, wst, (const xmlChar *)"KeyType",
                    (const xmlChar *)"http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer");

    set_xml_body(resp, 200, doc);
    xmlFreeDoc(doc);
    free(sig);
    fields_free(&f);
    return resp->status == 200 ? 0 : -1;
}

static int content_type_is(const char *ct, const char *want)
{
    if (!ct)
        return 0;
    while (*ct == ' ')
        ct++;
    size_t wl = strlen(want);
    return strncasecmp(ct, want, wl) == 0 && (ct[wl] == '\0' || ct[wl] == ';' || ct[wl] == ' ');
}

static void issue(const mcxd_config *cfg, mcxd_state *st, const mcxd_request *req, time_t now,
                  const char *base, mcxd_response *resp)
{
    char err[400];
    if (!req->tls) {
        soap_fault(resp, 403, "s:Client", "the Web Ticket Service accepts requests over HTTPS only");
        return;
    }
    const char *ct = mcxd_request_header(req, "Content-Type");
    if (content_type_is(ct, "application/soap+xml")) {
        soap_fault(resp, 415, "s:VersionMismatch",
                   "SOAP 1.2 (application/soap+xml) is not supported; send SOAP 1.1 text/xml");
        return;
    }
    if (!content_type_is(ct, "text/xml")) {
        soap_fault(resp, 415, "s:Client", "Content-Type must be text/xml (SOAP 1.1)");
        return;
    }
    if (req->body_len > WEBTICKET_MAX_BODY) {
        snprintf(err, sizeof(err), "rst.xml: byte %d: request body of %zu bytes exceeds the "
                                   "limit of %d",
                 WEBTICKET_MAX_BODY, req->body_len, WEBTICKET_MAX_BODY);
        soap_fault(resp, 413, "s:Client", err);
        return;
    }
    if (!req->body || req->body_len == 0) {
        soap_fault(resp, 400, "s:Client", "rst.xml: byte 0: empty request body");
        return;
    }
    xmlDoc *doc = safe_parse(req->body, req->body_len, "rst.xml", err, sizeof(err));
    if (!doc) {
        soap_fault(resp, 400, "s:Client", err);
        return;
    }
    rst_request r;
    memset(&r, 0, sizeof(r));
    const char *code = "s:Client";
    int status = rst_read(doc, &r, &code, err, sizeof(err));
    xmlFreeDoc(doc);
    if (status != 0) {
        soap_fault(resp, status, code, err);
        rst_free(&r);
        return;
    }

    const mcx_user *user = NULL;
    mcxd_auth_result ar;
    int via_basic = 0;
    if (r.ut_username) {
        ar = mcxd_auth_password(cfg, st, r.ut_username, r.ut_password, now, &user);
    } else {
        ar = mcxd_auth_basic_check(cfg, st, req, now, &user);
        via_basic = 1;
    }
    if (ar == MCXD_AUTH_NONE) {
        mcxd_auth_basic_challenge(cfg, req, resp);
        soap_fault(resp, 401, "wsse:FailedAuthentication",
                   "authentication required: HTTP Basic (standing in for Windows "
                   "authentication) or a WS-Security UsernameToken");
    } else if (ar == MCXD_AUTH_THROTTLED) {
        mcxd_response_header(resp, "Retry-After", "60");
        soap_fault(resp, 500, "wsse:FailedAuthentication",
                   "too many failed sign-in attempts for this user; try again later");
    } else if (ar != MCXD_AUTH_OK) {
        if (via_basic)
            mcxd_auth_basic_challenge(cfg, req, resp);
        soap_fault(resp, via_basic ? 401 : 500, "wsse:FailedAuthentication",
                   "wrong user name or password");
    } else if (r.claimed_uri &&
               strcasecmp(r.claimed_uri + (strncasecmp(r.claimed_uri, "sip:", 4) == 0 ? 4 : 0),
                          user->sip_uri) != 0) {
        soap_fault(resp, 500, "wst:InvalidRequest",
                   "the claimed sip: URI is not the authenticated user");
    } else if (build_rstr(cfg, st, &r, user, now, base, resp) != 0) {
        soap_fault(resp, 500, "s:Server", "could not issue the web ticket");
    }
    rst_free(&r);
}

void mcxd_auth_webticket_handle(const mcxd_config *cfg, mcxd_state *st,
                                const mcxd_request *req, const char *path, time_t now,
                                const char *base, mcxd_response *resp)
{
    static const char root[] = "/webticket/webticketservice.svc";
    const char *rest = path + strlen(root); /* caller checked the prefix */
    int is_get = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
    int is_post = strcmp(req->method, "POST") == 0;
    if (strcasecmp(rest, "/mex") == 0 || (*rest == '\0' && is_get)) {
        if (!is_get) {
            resp->status = 405;
            mcxd_response_header(resp, "Allow", "GET, HEAD");
            return;
        }
        serve_wsdl(base, resp);
        return;
    }
    if (*rest == '\0' || strcasecmp(rest, "/auth") == 0 ||
        strcasecmp(rest, "/usernametoken") == 0) {
        if (!is_post) {
            resp->status = 405;
            mcxd_response_header(resp, "Allow", "POST");
            return;
        }
        issue(cfg, st, req, now, base, resp);
        return;
    }
    resp->status = 404;
}

/* ---- verification ------------------------------------------------------------ */

/* Host part of an http(s) URL, lower-case compare against a Host header. */
static int url_host_is(const char *url, const char *host)
{
    const char *p = strstr(url, "://");
    if (!p || !host)
        return 0;
    p += 3;
    size_t ul = strcspn(p, ":/?#");
    size_t hl = strcspn(host, ":");
    return ul == hl && ul > 0 && strncasecmp(p, host, ul) == 0;
}

/* The pool whose internal or external web FQDN is exactly `host` (port
 * ignored); NULL for any other name. */
static const mcx_pool *web_pool(const mcx_topology *t, const char *host, size_t len)
{
    for (size_t i = 0; t && host && i < t->npools; i++) {
        const mcx_pool *p = &t->pools[i];
        const char *names[2] = {p->internal_web_fqdn, p->external_web_fqdn};
        for (int k = 0; k < 2; k++)
            if (names[k] && strlen(names[k]) == len && strncasecmp(names[k], host, len) == 0)
                return p;
    }
    return NULL;
}

/* The audience URL and the Host name web FQDNs of one pool. */
static int same_pool(const mcx_topology *t, const char *url, const char *host)
{
    const char *p = url ? strstr(url, "://") : NULL;
    if (!p || !host)
        return 0;
    p += 3;
    const mcx_pool *a = web_pool(t, p, strcspn(p, ":/?#"));
    return a && a == web_pool(t, host, strcspn(host, ":"));
}

static int read_fields(const xmlNode *as, ticket_fields *f, char **sig)
{
    if (!is_elem(as, NS_SAML, "Assertion"))
        return -1;
    char *major = attr_of(as, "MajorVersion"), *minor = attr_of(as, "MinorVersion");
    int version_ok = major && minor && strcmp(major, "1") == 0 && strcmp(minor, "1") == 0;
    free(major);
    free(minor);
    if (!version_ok)
        return -1;
    xmlNode *cond = one_child(as, NS_SAML, "Conditions");
    xmlNode *arc = cond ? one_child(cond, NS_SAML, "AudienceRestrictionCondition") : NULL;
    xmlNode *aud = arc ? one_child(arc, NS_SAML, "Audience") : NULL;
    xmlNode *stmt = one_child(as, NS_SAML, "AuthenticationStatement");
    xmlNode *subj = stmt ? one_child(stmt, NS_SAML, "Subject") : NULL;
    xmlNode *nid = subj ? one_child(subj, NS_SAML, "NameIdentifier") : NULL;
    xmlNode *sg = one_child(as, NS_DS, "Signature");
    xmlNode *sv = sg ? one_child(sg, NS_DS, "SignatureValue") : NULL;
    if (!aud || !nid || !sv)
        return -1;
    int nstmt = 0, nattr = 0;
    child_elem(as, NS_SAML, "AuthenticationStatement", &nstmt);
    child_elem(as, NS_SAML, "AttributeStatement", &nattr);
    if (nstmt != 1 || nattr != 0)
        return -1;
    f->v[F_ID] = attr_of(as, "AssertionID");
    f->v[F_ISSUER] = attr_of(as, "Issuer");
    f->v[F_INSTANT] = attr_of(as, "IssueInstant");
    f->v[F_NOTBEFORE] = attr_of(cond, "NotBefore");
    f->v[F_NOTAFTER] = attr_of(cond, "NotOnOrAfter");
    f->v[F_AUDIENCE] = text_of(aud, WEBTICKET_MAX_FIELD);
    f->v[F_SUBJECT] = text_of(nid, WEBTICKET_MAX_FIELD);
    f->v[F_METHOD] = attr_of(stmt, "AuthenticationMethod");
    *sig = text_of(sv, 256);
    for (int i = 0; i < F_N; i++)
        if (!f->v[i])
            return -1;
    return *sig ? 0 : -1;
}

mcxd_auth_result mcxd_auth_webticket_verify(const mcxd_config *cfg, const mcxd_state *st,
                                            const mcxd_request *req, const char *value,
                                            time_t now, const mcx_user **user)
{
    *user = NULL;
    while (*value == ' ' || *value == '\t')
        value++;
    if (strncasecmp(value, "opaque=", 7) != 0)
        return MCXD_AUTH_INVALID;
    value += 7;
    size_t vlen = strlen(value);
    if (vlen == 0 || vlen > WEBTICKET_MAX_HEADER)
        return MCXD_AUTH_INVALID;
    size_t xml_len = 0;
    unsigned char *xml = mcxd_auth_unbase64(value, vlen, &xml_len);
    if (!xml)
        return MCXD_AUTH_INVALID;
    char err[300];
    xmlDoc *doc = safe_parse((const char *)xml, xml_len, "webticket", err, sizeof(err));
    free(xml);
    if (!doc)
        return MCXD_AUTH_INVALID;
    ticket_fields f = {{NULL}};
    char *sig_b64 = NULL;
    mcxd_auth_result r = MCXD_AUTH_INVALID;
    if (read_fields(xmlDocGetRootElement(doc), &f, &sig_b64) != 0)
        goto out;
    size_t sig_len = 0;
    unsigned char *sig = mcxd_auth_unbase64(sig_b64, strlen(sig_b64), &sig_len);
    unsigned char mac[SHA256_DIGEST_LENGTH];
    int good = sig && sig_len == sizeof(mac) && fields_sign(st, &f, mac) == 0 &&
               CRYPTO_memcmp(sig, mac, sizeof(mac)) == 0;
    free(sig);
    if (!good)
        goto out;
    time_t not_before, not_after;
    if (parse_iso_time(f.v[F_NOTBEFORE], &not_before) != 0 ||
        parse_iso_time(f.v[F_NOTAFTER], &not_after) != 0 || now < not_before ||
        now >= not_after)
        goto out;
    if (!url_host_is(f.v[F_AUDIENCE], req ? req->host : NULL) &&
        !same_pool(cfg->topo, f.v[F_AUDIENCE], req ? req->host : NULL))
        goto out;
    if (strncasecmp(f.v[F_SUBJECT], "sip:", 4) != 0)
        goto out;
    const mcx_user *u = mcx_topology_find_user(cfg->topo, f.v[F_SUBJECT] + 4);
    if (!u)
        goto out;
    *user = u;
    r = MCXD_AUTH_OK;
out:
    free(sig_b64);
    fields_free(&f);
    xmlFreeDoc(doc);
    return r;
}
