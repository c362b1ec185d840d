/*
 * discover_auth.c -- the client side of the three ways `mcxcheck discover`
 * authenticates to the Autodiscover User resource (protocol.md 2.7):
 *
 *   web ticket (Lync 2010): GET <X-MS-WebTicketURL>/mex, pick the
 *     WebTicketServiceWinNegotiate-style port from the WSDL, POST a SOAP 1.1
 *     WS-Trust RequestSecurityToken (built with libxml2, SOAPAction Issue)
 *     with HTTP Basic standing in for Windows authentication, take the SAML
 *     Assertion from the answer and present it as
 *     `X-MS-WebTicket: opaque=<base64(assertion)>`;
 *   OAuth (Lync 2013): POST grant_type=password to the MsRtcOAuth href,
 *     present `Authorization: Bearer cwt=...`;
 *   Basic: `Authorization: Basic base64(user:password)`.
 *
 * Owns: reading what a 401 offers, choosing the method, the token requests
 * and their steps and AU- findings. Does not own: when to authenticate
 * (discover_algorithm.c) nor HTTP itself (lib/http_client.c). Every XML and
 * JSON document is read with libxml2 / jansson, by local element names, so
 * namespace prefixes do not matter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/evp.h>
#include "discover.h"
#include "mcx/xml_safe.h"

#define NS_SOAP11 "http://schemas.xmlsoap.org/soap/envelope/"
#define NS_WST "http://docs.oasis-open.org/ws-sx/ws-trust/200512"
#define NS_WSP "http://schemas.xmlsoap.org/ws/2004/09/policy"
#define NS_WSA "http://www.w3.org/2005/08/addressing"
#define NS_AUTH "http://schemas.xmlsoap.org/ws/2006/12/authorization"
#define WST_ISSUE NS_WST "/Issue"
#define WST_ACTION_ISSUE NS_WST "/RST/Issue"
#define SAML11_TOKEN_TYPE "urn:oasis:names:tc:SAML:1.0:assertion"
#define AUTHCLAIMS_DIALECT "urn:component:Microsoft.Rtc.WebAuthentication.2010:authclaims"
#define CLAIM_URI "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/uri"

const char *mcx_ds_auth_name(mcx_ds_auth a)
{
    switch (a) {
    case MCX_DS_AUTH_AUTO: return "auto";
    case MCX_DS_AUTH_WEBTICKET: return "webticket";
    case MCX_DS_AUTH_OAUTH: return "oauth";
    case MCX_DS_AUTH_BASIC: return "basic";
    }
    return "auto";
}

char *mcx_ds_base64(const void *data, size_t len)
{
    size_t outlen = 4 * ((len + 2) / 3) + 1;
    char *out = malloc(outlen);
    if (!out)
        return NULL;
    EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

/* ---- reading a 401 ---------------------------------------------------- */

static void copy_bounded(char *dst, size_t dstlen, const char *src, size_t n)
{
    if (n >= dstlen)
        n = dstlen - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* One WWW-Authenticate value may hold several challenges ("Negotiate,NTLM",
 * "MsRtcOAuth href=\"...\",grant_type=\"...\""). A challenge starts with a
 * scheme token that is not followed by '='; parameters follow. Quoted
 * strings are skipped as a whole. */
static void read_www_authenticate(const char *v, mcx_ds_offer *o)
{
    const char *p = v;
    const char *scheme = NULL;
    size_t scheme_len = 0;

    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (!*p)
            break;
        const char *tok = p;
        while (*p && *p != ' ' && *p != '\t' && *p != ',' && *p != '=')
            p++;
        size_t tok_len = (size_t)(p - tok);
        const char *after = p;
        while (*after == ' ' || *after == '\t')
            after++;
        if (*after == '=') { /* a parameter of the current scheme */
            p = after + 1;
            while (*p == ' ' || *p == '\t')
                p++;
            const char *val = p;
            size_t val_len;
            if (*p == '"') {
                val = ++p;
                while (*p && *p != '"')
                    p++;
                val_len = (size_t)(p - val);
                if (*p == '"')
                    p++;
            } else {
                while (*p && *p != ',' && *p != ' ' && *p != '\t')
                    p++;
                val_len = (size_t)(p - val);
            }
            if (scheme && scheme_len == 10 && strncasecmp(scheme, "MsRtcOAuth", 10) == 0 &&
                tok_len == 4 && strncasecmp(tok, "href", 4) == 0 && !o->oauth_href[0])
                copy_bounded(o->oauth_href, sizeof o->oauth_href, val, val_len);
            continue;
        }
        scheme = tok;
        scheme_len = tok_len;
        if (tok_len == 5 && strncasecmp(tok, "Basic", 5) == 0)
            o->basic = 1;
        else if ((tok_len == 9 && strncasecmp(tok, "Negotiate", 9) == 0) ||
                 (tok_len == 4 && strncasecmp(tok, "NTLM", 4) == 0))
            o->negotiate = 1;
        p = after;
    }
}

void mcx_ds_read_offer(const mcx_http_response *resp, mcx_ds_offer *out)
{
    memset(out, 0, sizeof *out);
    const char *wt = mcx_http_header_get(resp, "X-MS-WebTicketURL");
    if (wt)
        copy_bounded(out->webticket_url, sizeof out->webticket_url, wt, strlen(wt));
    for (size_t i = 0; i < resp->nheaders; i++)
        if (strcasecmp(resp->headers[i].name, "WWW-Authenticate") == 0)
            read_www_authenticate(resp->headers[i].value, out);
}

void mcx_ds_offer_names(const mcx_ds_offer *o, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s%s%s%s", o->webticket_url[0] ? "webticket " : "",
             o->oauth_href[0] ? "oauth " : "", o->basic ? "basic " : "",
             o->negotiate ? "negotiate " : "");
    size_t n = strlen(out);
    if (n > 0 && out[n - 1] == ' ')
        out[n - 1] = '\0';
    if (!out[0])
        snprintf(out, outlen, "nothing");
}

mcx_ds_auth mcx_ds_pick_auth(const mcx_ds_offer *o, mcx_ds_auth wanted)
{
    switch (wanted) {
    case MCX_DS_AUTH_WEBTICKET:
        return o->webticket_url[0] ? MCX_DS_AUTH_WEBTICKET : MCX_DS_AUTH_AUTO;
    case MCX_DS_AUTH_OAUTH:
        return o->oauth_href[0] ? MCX_DS_AUTH_OAUTH : MCX_DS_AUTH_AUTO;
    case MCX_DS_AUTH_BASIC:
        return o->basic ? MCX_DS_AUTH_BASIC : MCX_DS_AUTH_AUTO;
    case MCX_DS_AUTH_AUTO:
        break;
    }
    /* What a Lync client prefers: the web ticket, then OAuth, then Basic. */
    if (o->webticket_url[0])
        return MCX_DS_AUTH_WEBTICKET;
    if (o->oauth_href[0])
        return MCX_DS_AUTH_OAUTH;
    if (o->basic)
        return MCX_DS_AUTH_BASIC;
    return MCX_DS_AUTH_AUTO;
}

/* ---- XML helpers -------------------------------------------------------- */

static int is_element(const xmlNode *n, const char *local)
{
    return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, (const xmlChar *)local) == 0;
}

/* Depth-first search for the first element with this local name. */
static xmlNode *find_element(xmlNode *n, const char *local)
{
    for (; n; n = n->next) {
        if (is_element(n, local))
            return n;
        xmlNode *hit = find_element(n->children, local);
        if (hit)
            return hit;
    }
    return NULL;
}

static char *get_attr(const xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *out = strdup((const char *)v);
    xmlFree(v);
    return out;
}

/* Score of a WSDL port name: the Windows-authentication port first
 * (HTTP Basic stands in for it), then any port whose address ends in /Auth
 * (UsernameToken + Basic in mcxd and field tools). */
static int port_score(const char *name, const char *location)
{
    if (name && strcmp(name, "WebTicketServiceWinNegotiate") == 0)
        return 3;
    if (name && strstr(name, "WinNegotiate"))
        return 2;
    size_t n = location ? strlen(location) : 0;
    if (n >= 5 && strcasecmp(location + n - 5, "/Auth") == 0)
        return 1;
    return 0;
}

static void scan_ports(xmlNode *n, char **best, int *best_score)
{
    for (; n; n = n->next) {
        if (is_element(n, "port") || is_element(n, "endpoint")) {
            char *name = get_attr(n, "name");
            char *location = NULL;
            for (xmlNode *c = n->children; c && !location; c = c->next) {
                if (is_element(c, "address"))
                    location = get_attr(c, "location");
                else if (is_element(c, "EndpointReference")) {
                    xmlNode *a = find_element(c->children, "Address");
                    xmlChar *t = a ? xmlNodeGetContent(a) : NULL;
                    if (t) {
                        location = strdup((const char *)t);
                        xmlFree(t);
                    }
                }
            }
            int s = location ? port_score(name, location) : 0;
            if (s > *best_score) {
                free(*best);
                *best = location;
                *best_score = s;
                location = NULL;
            }
            free(name);
            free(location);
        }
        scan_ports(n->children, best, best_score);
    }
}

char *mcx_ds_wsdl_port(const char *wsdl, size_t len)
{
    if (!wsdl || len > (size_t)0x7fffffff)
        return NULL;
    mcx_error err;
    xmlDoc *doc = mcx_xml_read("mex.xml", wsdl, len, "web ticket metadata", &err);
    if (!doc)
        return NULL;
    char *best = NULL;
    int score = 0;
    scan_ports(xmlDocGetRootElement(doc), &best, &score);
    xmlFreeDoc(doc);
    return best;
}

char *mcx_ds_extract_assertion(const char *xml, size_t len)
{
    if (!xml || len > (size_t)0x7fffffff)
        return NULL;
    mcx_error err;
    xmlDoc *doc = mcx_xml_read("rstr.xml", xml, len, "a token response", &err);
    if (!doc)
        return NULL;
    char *out = NULL;
    xmlNode *a = find_element(xmlDocGetRootElement(doc), "Assertion");
    if (a) {
        /* Copy into a document of its own so the namespaces it uses from
         * its ancestors are declared on it, then serialise. */
        xmlDoc *one = xmlNewDoc((const xmlChar *)"1.0");
        xmlNode *copy = one ? xmlDocCopyNode(a, one, 1) : NULL;
        if (copy) {
            xmlDocSetRootElement(one, copy);
            xmlReconciliateNs(one, copy);
            xmlBuffer *buf = xmlBufferCreate();
            if (buf && xmlNodeDump(buf, one, copy, 0, 0) > 0)
                out = mcx_ds_base64(xmlBufferContent(buf), (size_t)xmlBufferLength(buf));
            if (buf)
                xmlBufferFree(buf);
        }
        if (one)
            xmlFreeDoc(one);
    }
    xmlFreeDoc(doc);
    return out;
}

/* splitmix64: the deterministic source of the client entropy. */
static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

char *mcx_ds_build_rst(const char *applies_to, const char *sip_uri, uint64_t seed, size_t *len)
{
    unsigned char entropy[32];
    uint64_t state = seed;
    for (size_t i = 0; i < sizeof entropy; i += 8) {
        uint64_t r = splitmix64(&state);
        for (size_t b = 0; b < 8; b++)
            entropy[i + b] = (unsigned char)(r >> (8 * b));
    }
    char *entropy_b64 = mcx_ds_base64(entropy, sizeof entropy);
    char claim[512];
    snprintf(claim, sizeof claim, "sip:%s", mcx_ds_bare_uri(sip_uri));

    xmlDoc *doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNode *env = doc ? xmlNewNode(NULL, (const xmlChar *)"Envelope") : NULL;
    char *out = NULL;
    if (!env || !entropy_b64)
        goto done;
    xmlDocSetRootElement(doc, env);
    xmlNs *s = xmlNewNs(env, (const xmlChar *)NS_SOAP11, (const xmlChar *)"s");
    xmlNs *wst = xmlNewNs(env, (const xmlChar *)NS_WST, (const xmlChar *)"wst");
    xmlNs *wsp = xmlNewNs(env, (const xmlChar *)NS_WSP, (const xmlChar *)"wsp");
    xmlNs *wsa = xmlNewNs(env, (const xmlChar *)NS_WSA, (const xmlChar *)"wsa");
    xmlNs *au = xmlNewNs(env, (const xmlChar *)NS_AUTH, (const xmlChar *)"auth");
    xmlSetNs(env, s);

    xmlNode *header = xmlNewChild(env, s, (const xmlChar *)"Header", NULL);
    xmlNewTextChild(header, wsa, (const xmlChar *)"Action", (const xmlChar *)WST_ACTION_ISSUE);
    xmlNode *body = xmlNewChild(env, s, (const xmlChar *)"Body", NULL);
    xmlNode *rst = xmlNewChild(body, wst, (const xmlChar *)"RequestSecurityToken", NULL);
    xmlNewTextChild(rst, wst, (const xmlChar *)"TokenType", (const xmlChar *)SAML11_TOKEN_TYPE);
    xmlNewTextChild(rst, wst, (const xmlChar *)"RequestType", (const xmlChar *)WST_ISSUE);
    xmlNode *at = xmlNewChild(rst, wsp, (const xmlChar *)"AppliesTo", NULL);
    xmlNode *epr = xmlNewChild(at, wsa, (const xmlChar *)"EndpointReference", NULL);
    xmlNewTextChild(epr, wsa, (const xmlChar *)"Address", (const xmlChar *)applies_to);
    xmlNode *claims = xmlNewChild(rst, wst, (const xmlChar *)"Claims", NULL);
    xmlNewProp(claims, (const xmlChar *)"Dialect", (const xmlChar *)AUTHCLAIMS_DIALECT);
    xmlNode *ct = xmlNewChild(claims, au, (const xmlChar *)"ClaimType", NULL);
    xmlNewProp(ct, (const xmlChar *)"Uri", (const xmlChar *)CLAIM_URI);
    xmlNewProp(ct, (const xmlChar *)"Optional", (const xmlChar *)"false");
    xmlNewTextChild(ct, au, (const xmlChar *)"Value", (const xmlChar *)claim);
    xmlNode *ent = xmlNewChild(rst, wst, (const xmlChar *)"Entropy", NULL);
    xmlNode *secret =
        xmlNewTextChild(ent, wst, (const xmlChar *)"BinarySecret", (const xmlChar *)entropy_b64);
    xmlNewProp(secret, (const xmlChar *)"Type", (const xmlChar *)NS_WST "/Nonce");
    xmlNewTextChild(rst, wst, (const xmlChar *)"KeyType",
                    (const xmlChar *)NS_WST "/SymmetricKey");

    xmlChar *mem = NULL;
    int memlen = 0;
    xmlDocDumpMemoryEnc(doc, &mem, &memlen, "UTF-8");
    if (mem && memlen > 0) {
        out = malloc((size_t)memlen + 1);
        if (out) {
            memcpy(out, mem, (size_t)memlen);
            out[memlen] = '\0';
            *len = (size_t)memlen;
        }
    }
    xmlFree(mem);
done:
    if (doc)
        xmlFreeDoc(doc);
    free(entropy_b64);
    return out;
}

/* ---- the flows ------------------------------------------------------------ */

static char *basic_value(const char *user, const char *password)
{
    size_t n = strlen(user) + 1 + strlen(password);
    char *plain = malloc(n + 1);
    if (!plain)
        return NULL;
    snprintf(plain, n + 1, "%s:%s", user, password);
    char *b64 = mcx_ds_base64(plain, n);
    free(plain);
    if (!b64)
        return NULL;
    size_t vlen = strlen(b64) + 7;
    char *value = malloc(vlen);
    if (value)
        snprintf(value, vlen, "Basic %s", b64);
    free(b64);
    return value;
}

static int flow_basic(const mcx_ds_options *o, mcx_report *rep, int depth, char **name,
                      char **value)
{
    *name = strdup("Authorization");
    *value = basic_value(o->user, o->password);
    if (!*name || !*value)
        return -1;
    mcx_report_step(rep, depth, MCX_STEP_OK, 0, NULL,
                    "Basic: credentials of %s prepared for the User resource", o->user);
    return 0;
}

static int flow_webticket(const mcx_ds_options *o, mcx_report *rep, int depth,
                          const mcx_ds_offer *offer, const char *user_url, char **name,
                          char **value)
{
    char mex_url[1100];
    mcx_http_response resp;
    int rc = -1;
    char *port = NULL, *rst = NULL, *authz = NULL, *assertion = NULL;

    snprintf(mex_url, sizeof mex_url, "%s/mex", offer->webticket_url);
    mcx_ds_http(o, rep, depth, "GET", mex_url, NULL, 0, NULL, 0, &resp);
    if (resp.error != MCX_HTTP_OK || resp.status != 200) {
        mcx_finding *f = mcx_report_add(rep, "AU-004", "web ticket metadata %s: %s", mex_url,
                                        resp.error != MCX_HTTP_OK ? resp.error_text
                                                                  : "status is not 200");
        mcx_finding_set_evidence(f, mex_url, resp.status, resp.body, resp.body_len);
        goto out;
    }
    port = mcx_ds_wsdl_port(resp.body, resp.body_len);
    if (!port) {
        mcx_finding *f = mcx_report_add(
            rep, "AU-004",
            "%s names no WebTicketServiceWinNegotiate port (nor a port ending in /Auth)",
            mex_url);
        mcx_finding_set_evidence(f, mex_url, resp.status, resp.body, resp.body_len);
        goto out;
    }
    mcx_report_step(rep, depth + 1, MCX_STEP_INFO, 0, NULL, "Web ticket service port: %s", port);
    mcx_http_response_free(&resp);

    size_t rst_len = 0;
    rst = mcx_ds_build_rst(user_url, o->sip_uri, o->seed, &rst_len);
    authz = basic_value(o->user, o->password);
    if (!rst || !authz)
        goto out;
    const mcx_http_header hdrs[] = {
        {"Content-Type", "text/xml; charset=utf-8"},
        {"SOAPAction", "\"" WST_ACTION_ISSUE "\""},
        {"Authorization", authz},
    };
    mcx_ds_http(o, rep, depth, "POST", port, hdrs, 3, rst, rst_len, &resp);
    if (resp.error != MCX_HTTP_OK) {
        mcx_finding *f = mcx_report_add(rep, "AU-005", "web ticket request to %s failed: %s",
                                        port, resp.error_text);
        mcx_finding_set_evidence(f, port, 0, NULL, 0);
        goto out;
    }
    if (resp.status == 401 || resp.status == 403) {
        mcx_finding *f = mcx_report_add(rep, "AU-001",
                                        "the web ticket service refused %s (HTTP %d)", o->user,
                                        resp.status);
        mcx_finding_set_evidence(f, port, resp.status, resp.body, resp.body_len);
        goto out;
    }
    assertion = resp.status == 200 ? mcx_ds_extract_assertion(resp.body, resp.body_len) : NULL;
    if (!assertion) {
        mcx_finding *f =
            mcx_report_add(rep, "AU-005", "HTTP %d from %s holds no SAML Assertion",
                           resp.status, port);
        mcx_finding_set_evidence(f, port, resp.status, resp.body, resp.body_len);
        goto out;
    }
    mcx_report_step(rep, depth + 1, MCX_STEP_OK, 0, NULL,
                    "Web ticket issued (SAML assertion), presented as X-MS-WebTicket");
    size_t vlen = strlen(assertion) + 8;
    *value = malloc(vlen);
    *name = strdup("X-MS-WebTicket");
    if (!*value || !*name) {
        free(*value);
        free(*name);
        *value = *name = NULL;
        goto out;
    }
    snprintf(*value, vlen, "opaque=%s", assertion);
    rc = 0;
out:
    mcx_http_response_free(&resp);
    free(port);
    free(rst);
    free(authz);
    free(assertion);
    return rc;
}

static char *form_escape(const char *s)
{
    char *e = curl_easy_escape(NULL, s, 0);
    char *out = e ? strdup(e) : NULL;
    curl_free(e);
    return out;
}

static int flow_oauth(const mcx_ds_options *o, mcx_report *rep, int depth,
                      const mcx_ds_offer *offer, char **name, char **value)
{
    mcx_http_response resp;
    int rc = -1;
    json_t *root = NULL;
    char *u = form_escape(o->user), *p = form_escape(o->password), *body = NULL;

    memset(&resp, 0, sizeof resp);
    if (!u || !p)
        goto out;
    size_t blen = strlen(u) + strlen(p) + 64;
    body = malloc(blen);
    if (!body)
        goto out;
    snprintf(body, blen, "grant_type=password&username=%s&password=%s", u, p);
    const mcx_http_header hdrs[] = {
        {"Content-Type", "application/x-www-form-urlencoded;charset=UTF-8"},
        {"Accept", "application/json"},
    };
    mcx_ds_http(o, rep, depth, "POST", offer->oauth_href, hdrs, 2, body, strlen(body), &resp);
    if (resp.error != MCX_HTTP_OK) {
        mcx_finding *f = mcx_report_add(rep, "AU-007", "token request to %s failed: %s",
                                        offer->oauth_href, resp.error_text);
        mcx_finding_set_evidence(f, offer->oauth_href, 0, NULL, 0);
        goto out;
    }
    json_error_t jerr;
    root = json_loadb(resp.body, resp.body_len, 0, &jerr);
    const char *error = root ? json_string_value(json_object_get(root, "error")) : NULL;
    if (resp.status == 401 || resp.status == 403 ||
        (resp.status == 400 && error && strcmp(error, "invalid_grant") == 0)) {
        mcx_finding *f = mcx_report_add(rep, "AU-001",
                                        "the OAuth token endpoint refused %s (HTTP %d%s%s)",
                                        o->user, resp.status, error ? ", " : "",
                                        error ? error : "");
        mcx_finding_set_evidence(f, offer->oauth_href, resp.status, resp.body, resp.body_len);
        goto out;
    }
    const char *token = root ? json_string_value(json_object_get(root, "access_token")) : NULL;
    const char *type = root ? json_string_value(json_object_get(root, "token_type")) : NULL;
    if (resp.status != 200 || !token || !token[0] || !type || strcasecmp(type, "Bearer") != 0) {
        mcx_finding *f = mcx_report_add(
            rep, "AU-007", "HTTP %d from %s: %s", resp.status, offer->oauth_href,
            !root ? "body is not JSON"
                  : !token ? "no access_token" : "token_type is not Bearer");
        mcx_finding_set_evidence(f, offer->oauth_href, resp.status, resp.body, resp.body_len);
        goto out;
    }
    mcx_report_step(rep, depth + 1, MCX_STEP_OK, 0, NULL,
                    "OAuth token issued (%s), presented as Authorization: Bearer",
                    strncmp(token, "cwt=", 4) == 0 ? "cwt=" : "not a cwt= token");
    size_t vlen = strlen(token) + 8;
    *value = malloc(vlen);
    *name = strdup("Authorization");
    if (!*value || !*name) {
        free(*value);
        free(*name);
        *value = *name = NULL;
        goto out;
    }
    snprintf(*value, vlen, "Bearer %s", token);
    rc = 0;
out:
    json_decref(root);
    mcx_http_response_free(&resp);
    free(u);
    free(p);
    free(body);
    return rc;
}

int mcx_ds_authenticate(const mcx_ds_options *o, mcx_report *rep, int depth, mcx_ds_auth method,
                        const mcx_ds_offer *offer, const char *user_url, char **hdr_name,
                        char **hdr_value)
{
    *hdr_name = *hdr_value = NULL;
    switch (method) {
    case MCX_DS_AUTH_WEBTICKET:
        return flow_webticket(o, rep, depth, offer, user_url, hdr_name, hdr_value);
    case MCX_DS_AUTH_OAUTH:
        return flow_oauth(o, rep, depth, offer, hdr_name, hdr_value);
    case MCX_DS_AUTH_BASIC:
        return flow_basic(o, rep, depth, hdr_name, hdr_value);
    case MCX_DS_AUTH_AUTO:
        break;
    }
    return -1;
}
