/*
 * request_dispatch.c -- mcxd_handle(): one HTTP request in, one response out,
 * with no socket. Routing (case-insensitive paths), method checks, the
 * sipuri query parameter, content negotiation, plain-HTTP redirects and the
 * User/OAuth authentication decisions.
 *
 * Owns: status codes and bodies of the Autodiscover resources, error bodies
 * (400/404/405/406), the --break deviations that concern dispatch.
 * Does not own: which links a document holds (autodiscover_resources.c),
 * credentials and the Web Ticket/OAuth endpoints (auth_*.c), the standard
 * header block (response_headers.c), sockets (server_listen.c).
 *
 * Documented choices (protocol.md leaves them open, Q3):
 *  - Root without sipuri is still 200 Root; a sipuri whose domain is not a
 *    SIP domain of the topology also gets 200 Root (Root is anonymous and
 *    reveals nothing per user).
 *  - A malformed sipuri on Root (no '@', empty user or domain, control
 *    bytes such as CR/LF after decoding, more than 256 bytes) is 400 with a
 *    short text body. Domain and User ignore sipuri.
 *  - Plain HTTP to Root, Domain, User or OAuth: 200 with a single Redirect
 *    (in a document of the requested kind) to the HTTPS Root on the same
 *    Host, carrying the sipuri when a valid one was given.
 *  - Paths are matched as received (no percent-decoding, no dot-segment
 *    removal), so /root/../root/user or %2e%2e never reach a resource: 404.
 *    One trailing '/' is ignored.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "doc_cache.h"
#include "mcxd_http.h"
#include "mobility/mobility.h"

#define CT_TEXT "text/plain; charset=utf-8"
#define CT_HTML "text/html; charset=utf-8"
#define AD_ROOT_PATH "/Autodiscover/AutodiscoverService.svc/root"
#define MAX_PATH_BYTES 2048

typedef enum {
    RES_NONE = 0,
    RES_ROOT,
    RES_DOMAIN,
    RES_USER,
    RES_OAUTH,
    RES_XFRAME
} mcxd_resource;

static const struct {
    const char *path; /* lower case */
    mcxd_resource res;
} routes[] = {
    {"/", RES_ROOT},
    {"/autodiscover/autodiscoverservice.svc/root", RES_ROOT},
    {"/autodiscover/autodiscoverservice.svc/root/domain", RES_DOMAIN},
    {"/autodiscover/autodiscoverservice.svc/root/user", RES_USER},
    {"/autodiscover/autodiscoverservice.svc/root/oauth/user", RES_OAUTH},
    {"/autodiscover/xframe/xframe.html", RES_XFRAME},
};

static const char xframe_html[] =
    "<!DOCTYPE html>\n"
    "<html><head><title>XFrame</title></head>\n"
    "<body><!-- mcxd: cross-domain frame placeholder (postMessage bridge) --></body></html>\n";

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int mcxd_sipuri_parse(const char *raw, size_t len, char **out, const char **why)
{
    *out = NULL;
    if (len > 3 * MCXD_SIPURI_MAX) {
        *why = "sipuri longer than 256 bytes";
        return -1;
    }
    char *dec = malloc(len + 1);
    if (!dec) {
        *why = "out of memory";
        return -1;
    }
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)raw[i];
        if (c == '%') {
            int hi = i + 2 < len ? hexval(raw[i + 1]) : -1;
            int lo = i + 2 < len ? hexval(raw[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                free(dec);
                *why = "sipuri has a bad %-escape";
                return -1;
            }
            c = (unsigned char)(hi * 16 + lo);
            i += 2;
        }
        dec[n++] = (char)c;
    }
    dec[n] = '\0';
    char *s = dec;
    if (strncasecmp(s, "sip:", 4) == 0)
        s += 4;
    size_t slen = strlen(s);
    const char *at = strchr(s, '@');
    if (slen != n - (size_t)(s - dec)) {
        *why = "sipuri contains a NUL byte";
    } else if (slen > MCXD_SIPURI_MAX) {
        *why = "sipuri longer than 256 bytes";
    } else if (!at) {
        *why = "sipuri has no '@'";
    } else if (at == s || at[1] == '\0' || strchr(at + 1, '@')) {
        *why = "sipuri must be user@domain";
    } else {
        *why = NULL;
        for (const char *p = s; *p; p++) {
            unsigned char c = (unsigned char)*p;
            if (c < 0x20 || c == 0x7f || c == ' ') {
                *why = "sipuri contains a control byte or space";
                break;
            }
        }
    }
    if (*why) {
        free(dec);
        return -1;
    }
    memmove(dec, s, slen + 1);
    *out = dec;
    return 0;
}

/* Percent-encode everything but unreserved characters and '@'. */
static void url_encode(const char *in, char *out, size_t outlen)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p && o + 4 < outlen; p++) {
        if (isalnum(*p) || strchr("-._~@", *p)) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    out[o] = '\0';
}

/* Find the raw value of query parameter `name`; returns its length or -1. */
static long query_param(const char *query, const char *name, const char **val)
{
    size_t nlen = strlen(name);
    const char *p = query;
    while (p && *p) {
        const char *end = strchr(p, '&');
        size_t plen = end ? (size_t)(end - p) : strlen(p);
        if (plen > nlen && p[nlen] == '=' && strncasecmp(p, name, nlen) == 0) {
            *val = p + nlen + 1;
            return (long)(plen - nlen - 1);
        }
        if (plen == nlen && strncasecmp(p, name, nlen) == 0) {
            *val = p + nlen;
            return 0;
        }
        p = end ? end + 1 : NULL;
    }
    return -1;
}

/* A Host header usable in hrefs: letters, digits, '-', '.', optional :port.
 * Returns the host name length (port excluded), 0 when unusable. */
static size_t host_usable(const char *host)
{
    if (!host)
        return 0;
    size_t len = strcspn(host, ":");
    if (len == 0 || len > 253)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)host[i];
        if (!isalnum(c) && c != '-' && c != '.')
            return 0;
    }
    if (host[len] == ':') {
        const char *p = host + len + 1;
        if (!*p || strlen(p) > 5)
            return 0;
        for (; *p; p++)
            if (!isdigit((unsigned char)*p))
                return 0;
    }
    return len;
}

static void text_response(mcxd_response *resp, int status, const char *text)
{
    resp->status = status;
    (void)mcxd_response_set_body(resp, text, strlen(text));
}

/* Serve rendered bytes (taking ownership of `body`) as a 200 in `repr`. */
static void body_response(const mcxd_config *cfg, char *body, size_t len, mcx_repr repr,
                          mcxd_response *resp, const char **ctype)
{
    resp->status = 200;
    free(resp->body);
    resp->body = body;
    resp->body_len = len;
    *ctype = mcx_ad_content_type(repr);
    if ((cfg->breaks & MCXD_BREAK_CONTENT_TYPE) && repr != MCX_REPR_UCWA)
        *ctype = "text/xml";
}

/* Render `doc` into resp as a 200. */
static void doc_response(const mcxd_config *cfg, const mcx_ad_doc *doc, mcx_repr repr,
                         mcxd_response *resp, const char **ctype)
{
    char *body = NULL;
    size_t len = 0;
    if (mcx_ad_render(doc, repr, &body, &len) != 0) {
        free(body);
        text_response(resp, 500, "internal error: cannot render the document\n");
        *ctype = CT_TEXT;
        return;
    }
    body_response(cfg, body, len, repr, resp, ctype);
}

typedef struct dispatch_ctx {
    const mcxd_config *cfg;
    mcxd_state *st;
    const mcxd_request *req;
    time_t now;
    mcxd_response *resp;
    const mcx_pool *pool;
    mcx_access side;
    char host[256]; /* usable Host name, else the pool's web FQDN */
    char base[300]; /* "https://<host>" */
    const char *ctype;
} dispatch_ctx;

static void serve_redirect_to_https(dispatch_ctx *c, mcx_ad_kind kind, mcx_repr repr,
                                    const char *sipuri)
{
    char href[2048], enc[800];
    if (sipuri) {
        url_encode(sipuri, enc, sizeof(enc));
        snprintf(href, sizeof(href), "%s" AD_ROOT_PATH "?sipuri=%s", c->base, enc);
    } else {
        snprintf(href, sizeof(href), "%s" AD_ROOT_PATH, c->base);
    }
    if (c->cfg->breaks & MCXD_BREAK_HTTP_302) {
        c->resp->status = 302;
        (void)mcxd_response_header(c->resp, "Location", href);
        return;
    }
    char *body = NULL;
    size_t len = 0;
    if (mcxd_doc_cache_redirect(c->cfg->cache, c->cfg, c->pool, c->side, kind, repr, href,
                                &body, &len) == 0)
        body_response(c->cfg, body, len, repr, c->resp, &c->ctype);
    else
        text_response(c->resp, 500, "internal error: cannot build the document\n");
}

static void serve_user(dispatch_ctx *c, int oauth, mcx_repr repr)
{
    const mcx_user *user = NULL;
    mcxd_auth_result ar = mcxd_auth_check(c->cfg, c->st, c->req, oauth, c->now, &user);
    if (ar == MCXD_AUTH_THROTTLED) {
        /* Too many wrong passwords for this user: 429 (RFC 6585) with a
         * Retry-After, so clients back off instead of retrying at once. */
        text_response(c->resp, 429, "too many failed sign-in attempts; retry later\n");
        (void)mcxd_response_header(c->resp, "Retry-After", "60");
        return;
    }
    if (ar == MCXD_AUTH_INVALID && oauth) {
        text_response(c->resp, 403, "invalid or expired token\n");
        return;
    }
    if (ar != MCXD_AUTH_OK) {
        text_response(c->resp, 401, "authentication required\n");
        mcxd_auth_challenge(c->cfg, c->req, oauth, c->base, c->resp);
        if (c->cfg->breaks & MCXD_BREAK_NO_401_TICKET_URL)
            mcxd_response_remove_header(c->resp, "X-MS-WebTicketURL");
        return;
    }
    mcx_ad_doc doc;
    memset(&doc, 0, sizeof(doc));
    int rc = mcxd_doc_user(c->cfg, c->pool, c->side, user, oauth, &doc);
    if (rc == 1) {
        c->resp->status = 404;
        if (c->cfg->breaks & MCXD_BREAK_USER_404_BODY)
            text_response(c->resp, 404, "user not found\n");
    } else if (rc == 0) {
        doc_response(c->cfg, &doc, repr, c->resp, &c->ctype);
    } else {
        text_response(c->resp, 500, "internal error: cannot build the document\n");
    }
    mcx_ad_doc_clear(&doc);
}

static void serve_resource(dispatch_ctx *c, mcxd_resource res, const char *query)
{
    const mcxd_config *cfg = c->cfg;
    int is2013 = cfg->topo->profile == MCX_PROFILE_2013;
    if ((res == RES_OAUTH || res == RES_XFRAME) && !is2013) {
        text_response(c->resp, 404, "not found\n");
        return;
    }
    if (res == RES_XFRAME) {
        text_response(c->resp, 200, xframe_html);
        c->ctype = CT_HTML;
        return;
    }
    mcx_repr repr;
    if (mcx_ad_negotiate(mcxd_request_header(c->req, "Accept"), &repr) != 0) {
        char msg[512];
        snprintf(msg, sizeof(msg), "not acceptable; supported types: %s, %s, %s\n",
                 MCX_CT_AD_XML, MCX_CT_AD_JSON, MCX_CT_UCWA_JSON);
        text_response(c->resp, 406, msg);
        return;
    }

    char *sipuri = NULL;
    if (res == RES_ROOT) {
        const char *raw = NULL;
        long rlen = query ? query_param(query, "sipuri", &raw) : -1;
        if (rlen >= 0) {
            const char *why = NULL;
            if (mcxd_sipuri_parse(raw, (size_t)rlen, &sipuri, &why) != 0) {
                char msg[128];
                snprintf(msg, sizeof(msg), "bad request: %s\n", why);
                text_response(c->resp, 400, msg);
                return;
            }
        }
    }

    if (!c->req->tls) {
        mcx_ad_kind kind = res == RES_DOMAIN ? MCX_AD_DOMAIN
                           : (res == RES_USER || res == RES_OAUTH) ? MCX_AD_USER
                                                                   : MCX_AD_ROOT;
        serve_redirect_to_https(c, kind, repr, sipuri);
        free(sipuri);
        return;
    }
    free(sipuri);

    if (res == RES_USER || res == RES_OAUTH) {
        serve_user(c, res == RES_OAUTH, repr);
        return;
    }
    char *body = NULL;
    size_t len = 0;
    if (mcxd_doc_cache_render(cfg->cache, cfg, c->pool, c->side,
                              res == RES_ROOT ? MCX_AD_ROOT : MCX_AD_DOMAIN, repr, &body,
                              &len) == 0)
        body_response(cfg, body, len, repr, c->resp, &c->ctype);
    else
        text_response(c->resp, 500, "internal error: cannot build the document\n");
}

static mcxd_resource route(const char *lpath)
{
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
        if (strcmp(lpath, routes[i].path) == 0)
            return routes[i].res;
    return RES_NONE;
}

time_t mcxd_now(const mcxd_config *cfg, const mcxd_state *st)
{
    time_t base = cfg && cfg->deterministic ? cfg->fixed_now : time(NULL);
    return base + (st ? st->clock_offset : 0);
}

/* --test-clock: POST /_mcxd/clock with "advance=SECONDS" (1..31536000)
 * moves the server's clock forward; GET reads it. Test-only (mcxd(8)). */
static void test_clock(dispatch_ctx *c, const char *method)
{
    char msg[96];
    if (strcmp(method, "POST") == 0) {
        char buf[32] = "";
        size_t n = c->req->body_len < sizeof(buf) - 1 ? c->req->body_len : sizeof(buf) - 1;
        if (c->req->body)
            memcpy(buf, c->req->body, n);
        buf[n] = '\0';
        char *end = NULL;
        long v = strncmp(buf, "advance=", 8) == 0 ? strtol(buf + 8, &end, 10) : 0;
        if (!end || end == buf + 8 || (*end && *end != '\n' && *end != '\r') || v < 1 ||
            v > 31536000) {
            text_response(c->resp, 400, "bad request: body must be advance=SECONDS (1..31536000)\n");
            return;
        }
        c->st->clock_offset += v;
    } else if (strcmp(method, "GET") != 0) {
        text_response(c->resp, 405, "method not allowed\n");
        (void)mcxd_response_header(c->resp, "Allow", "GET, POST");
        return;
    }
    time_t now = mcxd_now(c->cfg, c->st);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(msg, sizeof(msg), "%Y-%m-%dT%H:%M:%SZ\n", &tm);
    text_response(c->resp, 200, msg);
}

void mcxd_handle(const mcxd_config *cfg, mcxd_state *st, const mcxd_request *req,
                 time_t now, mcxd_response *resp)
{
    mcxd_response_init(resp);
    dispatch_ctx c;
    memset(&c, 0, sizeof(c));
    c.cfg = cfg;
    c.st = st;
    c.req = req;
    c.now = now;
    c.resp = resp;
    c.side = req->listener == MCX_ACCESS_EXTERNAL ? MCX_ACCESS_EXTERNAL : MCX_ACCESS_INTERNAL;
    c.ctype = CT_TEXT;
    int head = 0;

    if (!cfg || !cfg->topo || !mcx_topology_autodiscover_pool(cfg->topo)) {
        text_response(resp, 500, "internal error: no topology\n");
        mcxd_response_finish(cfg, NULL, CT_TEXT, 0, now, resp);
        return;
    }
    c.pool = mcxd_pool_for_host(cfg->topo, req->host);
    size_t hlen = host_usable(req->host);
    if (hlen > 0 && hlen < sizeof(c.host)) {
        memcpy(c.host, req->host, hlen);
        c.host[hlen] = '\0';
    } else {
        snprintf(c.host, sizeof(c.host), "%s", mcxd_pool_web_fqdn(c.pool, c.side));
    }
    snprintf(c.base, sizeof(c.base), "https://%s", c.host);

    const char *method = req->method ? req->method : "";
    const char *uri = req->uri ? req->uri : "";
    head = strcmp(method, "HEAD") == 0;

    /* Absolute-form request target: skip scheme://authority. */
    if (strncasecmp(uri, "http://", 7) == 0 || strncasecmp(uri, "https://", 8) == 0) {
        const char *p = strstr(uri, "://") + 3;
        p += strcspn(p, "/?#");
        uri = *p == '/' ? p : "/";
    }
    size_t plen = strcspn(uri, "?#");
    const char *query = uri[plen] == '?' ? uri + plen + 1 : NULL;
    char lpath[MAX_PATH_BYTES];
    if (uri[0] != '/' || plen >= sizeof(lpath)) {
        text_response(resp, 400, "bad request: request target must be an absolute path\n");
        goto done;
    }
    for (size_t i = 0; i < plen; i++)
        lpath[i] = (char)tolower((unsigned char)uri[i]);
    lpath[plen] = '\0';
    if (plen > 1 && lpath[plen - 1] == '/')
        lpath[plen - 1] = '\0';

    if (mcxd_mobility_owns_path(lpath)) {
        const char *ct = NULL;
        mcxd_mobility_handle(cfg, st, req, lpath, query, c.base, now, resp, &ct);
        if (resp->parked)
            return;
        c.ctype = ct;
        goto done;
    }
    if (cfg->test_clock && strcmp(lpath, "/_mcxd/clock") == 0) {
        test_clock(&c, method);
        goto done;
    }

    if (mcxd_auth_owns_path(lpath)) {
        mcxd_auth_handle(cfg, st, req, now, c.base, resp);
        const char *ct = mcxd_response_get_header(resp, "Content-Type");
        c.ctype = ct ? ct : CT_TEXT;
        goto done;
    }

    mcxd_resource res = route(lpath);
    if (res == RES_NONE) {
        text_response(resp, 404, "not found\n");
        goto done;
    }
    if (strcmp(method, "GET") != 0 && !head) {
        text_response(resp, 405, "method not allowed\n");
        (void)mcxd_response_header(resp, "Allow", "GET, HEAD");
        goto done;
    }
    serve_resource(&c, res, query);

done:
    mcxd_response_finish(cfg, c.pool, c.ctype, head, now, resp);
}
