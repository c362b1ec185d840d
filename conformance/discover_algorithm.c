/*
 * discover_algorithm.c -- the Lync mobile client's Autodiscover discovery
 * (protocol.md 4.5 synthesis, 4.2 pidgin-sipe, 4.3 Exchange client), traced
 * step by step like the Remote Connectivity Analyzer.
 *
 * Order (sequential and deterministic): https://lyncdiscoverinternal.<d>,
 * http://lyncdiscoverinternal.<d>, https://lyncdiscover.<d>,
 * http://lyncdiscover.<d>, each as "/?sipuri=<user@d>". A candidate URL
 * fails on DNS/connect/TLS failure, timeout, a status other than 200 (3xx
 * and 404 included), a wrong content type, or an unparsable or unusable
 * Root; the next candidate is then tried. Body Redirects (Root and User
 * level) are followed, at most --max-redirects per candidate, and a URL
 * requested twice is a loop. Once a usable Root has been reached, the
 * outcome of the User phase (authentication, 404, redirect targets) is
 * final: another entry name reaches the same deployment and would repeat it.
 *
 * Owns: the candidate order, the Root/User walk, the step tree and the DS-
 * findings with concrete remediation, endpoint choice by AccessLocation,
 * and the TLS facts of each HTTPS request (a step with version, cipher and
 * the leaf's subject and SANs; CT-021 when the certificate presented does
 * not cover the name the client asked for -- libcurl sends the URL's host as
 * SNI, as a phone does, whatever CNAME it resolves through).
 * Does not own: authentication flows (discover_auth.c), document parsing
 * and validation (lib/autodiscover_*.c), option parsing (cmd_discover.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#include <openssl/x509v3.h>
#include "discover.h"
#include "mcx/cert_check.h"

#define DS_CT_XML_PREFIX "application/vnd.microsoft.rtc.autodiscover+xml"
#define DS_CT_JSON_PREFIX "application/vnd.microsoft.rtc.autodiscover+json"

/* ---- pure helpers ------------------------------------------------------ */

const char *mcx_ds_bare_uri(const char *sip_uri)
{
    if (sip_uri && strncasecmp(sip_uri, "sip:", 4) == 0)
        return sip_uri + 4;
    return sip_uri;
}

static int is_user_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("._-+'~!$*", c) != NULL;
}

int mcx_ds_sip_domain(const char *sip_uri, char *out, size_t outlen, const char **why)
{
    const char *bare = mcx_ds_bare_uri(sip_uri);
    *why = NULL;
    if (!bare || !bare[0]) {
        *why = "empty SIP URI";
        return -1;
    }
    const char *at = strchr(bare, '@');
    if (!at || at == bare) {
        *why = "expected user@domain";
        return -1;
    }
    for (const char *p = bare; p < at; p++)
        if (!is_user_char(*p)) {
            *why = "user part holds a character outside letters, digits and ._-+'~!$*";
            return -1;
        }
    const char *d = at + 1;
    size_t dlen = strlen(d);
    if (dlen == 0 || dlen > 253 || dlen >= outlen) {
        *why = "domain part empty or longer than 253 characters";
        return -1;
    }
    size_t label = 0;
    for (size_t i = 0; i < dlen; i++) {
        char c = d[i];
        if (c == '.') {
            if (label == 0 || d[i - 1] == '-') {
                *why = "domain part is not a DNS name (empty label or label ending in '-')";
                return -1;
            }
            label = 0;
            continue;
        }
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 (c == '-' && label > 0);
        if (!ok || ++label > 63) {
            *why = "domain part is not a DNS name (letters, digits, '-' and '.' only)";
            return -1;
        }
    }
    if (label == 0 || d[dlen - 1] == '-' || !strchr(d, '.')) {
        *why = "domain part is not a fully qualified DNS name";
        return -1;
    }
    for (size_t i = 0; i <= dlen; i++)
        out[i] = (d[i] >= 'A' && d[i] <= 'Z') ? (char)(d[i] - 'A' + 'a') : d[i];
    return 0;
}

const char *mcx_ds_candidate_prefix(size_t index)
{
    return index < 2 ? "lyncdiscoverinternal" : "lyncdiscover";
}

/* The sign-in address as a query value: unreserved characters and '@' as
 * they are (what clients send), everything else percent-encoded. */
static int escape_query_value(const char *s, char *out, size_t outlen)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        int plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || strchr("-._~@", ch) != NULL;
        if (o + (plain ? 1 : 3) >= outlen)
            return -1;
        if (plain) {
            out[o++] = (char)ch;
        } else {
            out[o++] = '%';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        }
    }
    out[o] = '\0';
    return 0;
}

int mcx_ds_candidate_url(size_t index, const char *domain, const char *bare_uri, char *out,
                         size_t outlen)
{
    char value[768];
    if (index >= MCX_DS_NCANDIDATES || escape_query_value(bare_uri, value, sizeof value) < 0)
        return -1;
    int n = snprintf(out, outlen, "%s://%s.%s/?sipuri=%s", index % 2 == 0 ? "https" : "http",
                     mcx_ds_candidate_prefix(index), domain, value);
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int mcx_ds_visit(mcx_ds_visited *v, const char *url)
{
    for (size_t i = 0; i < v->n; i++)
        if (strcasecmp(v->urls[i], url) == 0)
            return 1;
    if (v->n >= MCX_DS_MAX_VISITED)
        return -1;
    v->urls[v->n] = strdup(url);
    if (!v->urls[v->n])
        return -1;
    v->n++;
    return 0;
}

void mcx_ds_visited_free(mcx_ds_visited *v)
{
    for (size_t i = 0; i < v->n; i++)
        free(v->urls[i]);
    v->n = 0;
}

static const mcx_ad_sipaccess *find_sipaccess(const mcx_ad_doc *d, const char *name)
{
    for (size_t i = 0; i < d->nsipaccess; i++)
        if (d->sipaccess[i].name && strcasecmp(d->sipaccess[i].name, name) == 0 &&
            d->sipaccess[i].fqdn && d->sipaccess[i].fqdn[0] && d->sipaccess[i].port > 0)
            return &d->sipaccess[i];
    return NULL;
}

int mcx_ds_choose(const mcx_ad_doc *user_doc, mcx_ds_choice *out)
{
    memset(out, 0, sizeof *out);
    out->location = user_doc->has_access_location ? user_doc->access_location
                                                  : MCX_ACCESS_INTERNAL;
    int internal = out->location == MCX_ACCESS_INTERNAL;
    out->sip = find_sipaccess(user_doc, internal ? "SipClientInternalAccess"
                                                 : "SipClientExternalAccess");
    out->mcx = mcx_ad_find_link(user_doc, internal ? "Internal/Mcx" : "External/Mcx");
    if (!user_doc->has_access_location) {
        /* No AccessLocation: internal first, then external (pidgin-sipe). */
        if (!out->sip)
            out->sip = find_sipaccess(user_doc, "SipClientExternalAccess");
        if (!out->mcx)
            out->mcx = mcx_ad_find_link(user_doc, "External/Mcx");
    }
    out->missing_sip = out->sip == NULL;
    out->missing_mcx = out->mcx == NULL;
    return out->missing_sip || out->missing_mcx ? -1 : 0;
}

int mcx_ds_url_host(const char *url, char *out, size_t outlen)
{
    CURLU *u = curl_url();
    char *host = NULL;
    int rc = -1;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && strlen(host) < outlen) {
        size_t i;
        for (i = 0; host[i]; i++)
            out[i] = (host[i] >= 'A' && host[i] <= 'Z') ? (char)(host[i] - 'A' + 'a') : host[i];
        out[i] = '\0';
        rc = 0;
    }
    curl_free(host);
    curl_url_cleanup(u);
    return rc;
}

/* ---- one request as a step -------------------------------------------- */

/* The leaf's dNSName SANs, comma-separated, into out ("none" when none). */
static void leaf_sans(X509 *leaf, char *out, size_t outlen)
{
    GENERAL_NAMES *names = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names) && used < outlen; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        if (g->type != GEN_DNS)
            continue;
        int n = snprintf(out + used, outlen - used, "%s%.*s", used ? ", " : "",
                         ASN1_STRING_length(g->d.dNSName),
                         (const char *)ASN1_STRING_get0_data(g->d.dNSName));
        if (n < 0)
            break;
        used += (size_t)n;
    }
    GENERAL_NAMES_free(names);
    if (!out[0])
        snprintf(out, outlen, "none");
}

/* 1 when every certificate of `chain` is already described in `rep` by a
 * chain step ("[k] subject ..., thumbprint T" at the same position k): the
 * same chain was shown for an earlier request. */
static int chain_shown(const mcx_report *rep, STACK_OF(X509) *chain)
{
    for (int k = 0; k < sk_X509_num(chain); k++) {
        char thumb[41], prefix[16];
        int found = 0;
        if (mcx_cert_thumbprint(sk_X509_value(chain, k), thumb) != 0)
            return 0;
        snprintf(prefix, sizeof prefix, "[%d] ", k);
        for (size_t i = 0; i < rep->nsteps && !found; i++) {
            const char *t = rep->steps[i].title;
            size_t n = t ? strlen(t) : 0;
            found = n > 40 && strncmp(t, prefix, strlen(prefix)) == 0 &&
                    strcmp(t + n - 40, thumb) == 0;
        }
        if (!found)
            return 0;
    }
    return sk_X509_num(chain) > 0;
}

/* TLS facts of an https request: one step under the request (version,
 * cipher, the leaf's subject and SANs) with one sub-step per certificate
 * presented (subject, issuer, thumbprint) -- or, for a chain the report
 * already shows, one step naming the leaf's thumbprint "as above" -- and
 * CT-021 when the presented certificate does not cover the URL's host. */
static void tls_facts(mcx_report *rep, int depth, const char *url, const mcx_http_response *resp)
{
    char host[256], subject[256], sans[512];
    if (!resp->tls_chain || sk_X509_num(resp->tls_chain) == 0)
        return;
    X509 *leaf = sk_X509_value(resp->tls_chain, 0);
    if (resp->tls_version[0] && chain_shown(rep, resp->tls_chain)) {
        /* The same chain again (every request of a discovery meets the same
         * server): said once, referred to after. */
        char thumb[41];
        if (mcx_cert_thumbprint(leaf, thumb) != 0)
            snprintf(thumb, sizeof thumb, "%s", "<thumbprint>");
        mcx_report_step(rep, depth + 1, MCX_STEP_INFO, 0, NULL,
                        "TLS %s, cipher %s; certificate %s, as above", resp->tls_version,
                        resp->tls_cipher, thumb);
    } else {
        X509_NAME_oneline(X509_get_subject_name(leaf), subject, sizeof subject);
        leaf_sans(leaf, sans, sizeof sans);
        if (resp->tls_version[0])
            mcx_report_step(rep, depth + 1, MCX_STEP_INFO, 0, NULL,
                            "TLS %s, cipher %s; certificate %s, SANs: %s", resp->tls_version,
                            resp->tls_cipher, subject, sans);
        else
            mcx_report_step(rep, depth + 1, MCX_STEP_FAIL, 0, NULL,
                            "TLS handshake not completed; certificate %s, SANs: %s", subject,
                            sans);
        /* The chain as presented: subject, issuer, SHA-1 thumbprint of each. */
        for (int k = 0; k < sk_X509_num(resp->tls_chain); k++) {
            char desc[700];
            mcx_cert_describe(sk_X509_value(resp->tls_chain, k), desc, sizeof desc);
            mcx_report_step(rep, depth + 2, MCX_STEP_INFO, 0, NULL, "[%d] %s", k, desc);
        }
    }
    if (mcx_ds_url_host(url, host, sizeof host) != 0 || host[0] == '[' ||
        strspn(host, "0123456789.") == strlen(host))
        return; /* an address: no name to cover */
    for (size_t i = 0; i < rep->nfindings; i++)
        if (strcmp(rep->findings[i].id, "CT-021") == 0 && rep->findings[i].subject &&
            strcmp(rep->findings[i].subject, host) == 0)
            return; /* said once per name */
    mcx_cert_name_finding(rep, leaf, host, url);
}

int mcx_ds_http(const mcx_ds_options *o, mcx_report *rep, int depth, const char *method,
                const char *url, const mcx_http_header *hdrs, size_t nhdrs, const char *body,
                size_t body_len, mcx_http_response *resp)
{
    mcx_http_request req = {method, url, hdrs, nhdrs, body, body_len};
    mcx_http_options http = o->http;
    char detail[600];
    mcx_step_outcome outcome;
    int rc;

    if (o->dns) {
        /* Only what the vantage's DNS answered: no system resolver. */
        http.resolve = mcx_ds_dns_pins(o->dns);
        http.connect_to = NULL;
        http.resolve_only = 1;
        char why[sizeof resp->error_text];
        if (mcx_ds_dns_prepare(o->dns, rep, depth, url, why, sizeof why) < 0) {
            memset(resp, 0, sizeof *resp);
            resp->error = MCX_HTTP_E_DNS;
            memcpy(resp->error_text, why, sizeof why);
            char failed[700];
            snprintf(failed, sizeof failed, "not requested: %s", resp->error_text);
            /* Not a check that ran: the DNS steps above say why. */
            mcx_report_step(rep, depth, MCX_STEP_SKIP, 0, failed, "%s %s", method, url);
            return -1;
        }
    }
    rc = mcx_http_perform(&req, &http, resp);

    if (rc == 0) {
        const char *ct = mcx_http_header_get(resp, "Content-Type");
        snprintf(detail, sizeof detail, "%s %d, %s, %zu bytes%s%s", resp->http_version,
                 resp->status, ct ? ct : "no Content-Type", resp->body_len,
                 resp->primary_ip ? ", server " : "", resp->primary_ip ? resp->primary_ip : "");
        outcome = resp->status >= 200 && resp->status < 300 ? MCX_STEP_OK : MCX_STEP_INFO;
    } else {
        snprintf(detail, sizeof detail, "%s failure: %s", mcx_http_error_name(resp->error),
                 resp->error_text);
        outcome = MCX_STEP_FAIL;
    }
    mcx_report_step(rep, depth, outcome, resp->elapsed_ms, detail, "%s %s", method, url);
    tls_facts(rep, depth, url, resp);
    return rc;
}

/* ---- the walk from one candidate URL ------------------------------------ */

typedef enum {
    WALK_FOUND = 0,     /* User document with endpoints */
    WALK_STOPPED_AUTH,  /* no --user: stopped at the 401 */
    WALK_FINAL,         /* a Root was reached, the User phase failed */
    WALK_NEXT_UNREACHED,/* failed before any server answered: DNS, connect, timeout */
    WALK_NEXT_TLS,      /* TLS handshake / certificate failure */
    WALK_NEXT_SERVER    /* a server answered, but not usably */
} walk_outcome;

typedef struct ds_ctx {
    const mcx_ds_options *o;
    mcx_report *rep;
    mcx_ds_result *res;
    const char *bare;
    char domain[256];
    const char *accept;
    mcx_ds_visited visited;
    int hops;
    /* Per walk: why the entry URL failed (for the name-level findings). */
    char why[512];
    int entry_unresolved; /* the entry URL's host gave no address (DNS) */
} ds_ctx;

static int is_http_url(const char *url)
{
    return strncasecmp(url, "http:", 5) == 0;
}

static walk_outcome classify_error(mcx_http_error e)
{
    if (e == MCX_HTTP_E_TLS)
        return WALK_NEXT_TLS;
    if (e == MCX_HTTP_E_DNS || e == MCX_HTTP_E_CONNECT || e == MCX_HTTP_E_TIMEOUT)
        return WALK_NEXT_UNREACHED;
    return WALK_NEXT_SERVER;
}

static void link_list(const mcx_ad_doc *d, char *out, size_t outlen)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < d->nlinks && used < outlen; i++) {
        int n = snprintf(out + used, outlen - used, "%s%s", i ? ", " : "",
                         d->links[i].token ? d->links[i].token : "?");
        if (n < 0)
            break;
        used += (size_t)n;
    }
    if (!d->nlinks)
        snprintf(out, outlen, "none");
}

static const char *kind_name(mcx_ad_kind k)
{
    return k == MCX_AD_ROOT ? "Root" : k == MCX_AD_DOMAIN ? "Domain" : "User";
}

/* Checks status, content type and parses. Returns 0 with *doc filled, or
 * -1 after adding the finding (`fail_is_final` only changes nothing here:
 * the caller decides what a failure means). */
static int read_document(ds_ctx *c, int depth, const char *url, const mcx_http_response *resp,
                         mcx_ad_doc *doc)
{
    const char *ct = mcx_http_header_get(resp, "Content-Type");
    const char *want = c->o->accept_json ? DS_CT_JSON_PREFIX : DS_CT_XML_PREFIX;

    if (resp->status >= 300 && resp->status < 400) {
        const char *loc = mcx_http_header_get(resp, "Location");
        mcx_finding *f = mcx_report_add(c->rep, "DS-004", "%s answered HTTP %d (Location: %s)",
                                        url, resp->status, loc ? loc : "none");
        mcx_finding_set_evidence(f, url, resp->status, loc, loc ? strlen(loc) : 0);
        snprintf(c->why, sizeof c->why, "HTTP %d redirect instead of a body Redirect",
                 resp->status);
        return -1;
    }
    if (resp->status != 200) {
        mcx_finding *f =
            mcx_report_add(c->rep, "DS-005", "%s answered HTTP %d", url, resp->status);
        mcx_finding_set_evidence(f, url, resp->status, resp->body, resp->body_len);
        snprintf(c->why, sizeof c->why, "HTTP %d", resp->status);
        return -1;
    }
    if (!ct || strncasecmp(ct, want, strlen(want)) != 0) {
        mcx_finding *f = mcx_report_add(c->rep, "DS-006", "%s answered 200 with Content-Type %s",
                                        url, ct ? ct : "(none)");
        mcx_finding_set_evidence(f, url, resp->status, resp->body, resp->body_len);
        snprintf(c->why, sizeof c->why, "wrong content type %s", ct ? ct : "(none)");
        return -1;
    }
    if (mcx_ad_parse(ct, resp->body, resp->body_len, doc, c->rep, url) < 0) {
        mcx_report_step(c->rep, depth, MCX_STEP_FAIL, 0, NULL,
                        "Document unparsable (see the AD- findings)");
        snprintf(c->why, sizeof c->why, "unparsable document");
        return -1;
    }
    /* expect_access stays unknown: the vantage is compared once, on the
     * final User document (DS-016), not on every document of the chain. */
    mcx_ad_expect ex = {c->o->topo, is_http_url(url), -1};
    mcx_ad_validate(doc, &ex, c->rep, url);
    char links[400];
    link_list(doc, links, sizeof links);
    mcx_report_step(c->rep, depth, MCX_STEP_INFO, 0, NULL, "%s document, AccessLocation %s; links: %s",
                    kind_name(doc->kind),
                    !doc->has_access_location ? "absent"
                    : doc->access_location == MCX_ACCESS_INTERNAL ? "Internal" : "External",
                    links);
    return 0;
}

/* Follows a body Redirect: counts the hop. Returns 0 when allowed. */
static int take_redirect(ds_ctx *c, int depth, const char *from, const char *to, const char *level)
{
    if (c->hops >= c->o->max_redirects) {
        mcx_finding *f = mcx_report_add(c->rep, "DS-009",
                                        "%s-level Redirect from %s to %s would be hop %d; limit %d",
                                        level, from, to, c->hops + 1, c->o->max_redirects);
        mcx_finding_set_evidence(f, from, 200, to, strlen(to));
        snprintf(c->why, sizeof c->why, "too many redirects");
        return -1;
    }
    c->hops++;
    mcx_report_step(c->rep, depth, MCX_STEP_OK, 0, NULL, "Follow %s-level Redirect (hop %d): %s",
                    level, c->hops, to);
    return 0;
}

static int check_loop(ds_ctx *c, const char *url)
{
    int seen = mcx_ds_visit(&c->visited, url);
    if (seen == 1) {
        mcx_finding *f = mcx_report_add(c->rep, "DS-008", "%s was requested before in this chain",
                                        url);
        mcx_finding_set_evidence(f, url, 0, NULL, 0);
        snprintf(c->why, sizeof c->why, "redirect loop");
        return -1;
    }
    if (seen < 0) {
        mcx_report_add(c->rep, "DS-009", "more than %d distinct URLs in one chain",
                       MCX_DS_MAX_VISITED);
        snprintf(c->why, sizeof c->why, "too many URLs");
        return -1;
    }
    return 0;
}

/* The User document was reached: pick endpoints, check Mcx, fill result. */
static walk_outcome finish_user(ds_ctx *c, int depth, const char *url, const mcx_ad_doc *doc)
{
    mcx_ds_choice ch;
    mcx_ds_choose(doc, &ch);
    const char *loc = ch.location == MCX_ACCESS_INTERNAL ? "Internal" : "External";

    /* The document validator may already have said so (AD-039, AD-036);
     * the DS- findings then add nothing. */
    if (ch.missing_sip && !mcx_report_has(c->rep, "AD-039")) {
        mcx_finding *f = mcx_report_add(c->rep, "DS-012", "%s: AccessLocation %s but no SipClient%sAccess",
                                        url, loc, loc);
        mcx_finding_set_evidence(f, url, 200, NULL, 0);
    }
    if (ch.missing_mcx) {
        mcx_finding *f = mcx_report_add(c->rep, "DS-013", "%s: AccessLocation %s but no %s/Mcx link",
                                        url, loc, loc);
        mcx_finding_set_evidence(f, url, 200, NULL, 0);
    }
    const mcx_ad_link *in = mcx_ad_find_link(doc, "Internal/Mcx");
    const mcx_ad_link *ex = mcx_ad_find_link(doc, "External/Mcx");
    int exposed_internal = c->o->topo && c->o->topo->exposed_web_url == MCX_EXPOSED_INTERNAL;
    if (in && ex && in->href && ex->href && !exposed_internal &&
        !mcx_report_has(c->rep, "AD-036")) {
        char hin[256], hex[256];
        if (mcx_ds_url_host(in->href, hin, sizeof hin) == 0 &&
            mcx_ds_url_host(ex->href, hex, sizeof hex) == 0 && strcmp(hin, hex) != 0) {
            mcx_finding *f = mcx_report_add(c->rep, "DS-014",
                                            "Internal/Mcx is on %s but External/Mcx on %s", hin,
                                            hex);
            mcx_finding_set_evidence(f, url, 200, in->href, strlen(in->href));
            mcx_finding_set_remediation(f,
                                        "Set Internal/Mcx to https://%s/Mcx/McxService.svc (the "
                                        "external web services FQDN) and allow hair-pinning "
                                        "through the reverse proxy.",
                                        hex);
        }
    }
    if (c->o->vantage != MCX_DS_VANTAGE_UNKNOWN && doc->has_access_location &&
        (int)doc->access_location != (int)c->o->vantage) {
        mcx_finding *f = mcx_report_add(
            c->rep, "DS-016", "vantage %s but the User document says AccessLocation %s",
            c->o->vantage == MCX_DS_VANTAGE_INTERNAL ? "internal" : "external", loc);
        mcx_finding_set_evidence(f, url, 200, NULL, 0);
    }
    c->res->access_location = (int)ch.location;
    snprintf(c->res->user_url, sizeof c->res->user_url, "%s", url);
    if (ch.sip) {
        snprintf(c->res->sip_fqdn, sizeof c->res->sip_fqdn, "%s", ch.sip->fqdn);
        c->res->sip_port = ch.sip->port;
    }
    if (ch.mcx && ch.mcx->href)
        snprintf(c->res->mcx_url, sizeof c->res->mcx_url, "%s", ch.mcx->href);
    const mcx_ad_link *ucwa = mcx_ad_find_link(doc, "Ucwa");
    if (!ucwa || !ucwa->href)
        ucwa = mcx_ad_find_link(doc, ch.location == MCX_ACCESS_INTERNAL ? "Internal/Ucwa"
                                                                         : "External/Ucwa");
    if (ucwa && ucwa->href)
        snprintf(c->res->ucwa_url, sizeof c->res->ucwa_url, "%s", ucwa->href);
    c->res->found = 1;
    mcx_report_step(c->rep, depth, ch.missing_sip || ch.missing_mcx ? MCX_STEP_FAIL : MCX_STEP_OK,
                    0, NULL, "Choice by AccessLocation %s: SIP %s%s%d, Mcx %s", loc,
                    ch.sip ? ch.sip->fqdn : "(none)", ch.sip ? ":" : "",
                    ch.sip ? ch.sip->port : 0, ch.mcx && ch.mcx->href ? ch.mcx->href : "(none)");
    return WALK_FOUND;
}

/* Authenticates after a 401 on `url`. Returns 0 with the header to send,
 * 1 when stopping without credentials, -1 on failure (finding added). */
static int handle_401(ds_ctx *c, int depth, const char *url, const mcx_http_response *resp,
                      char **hname, char **hvalue, mcx_ds_auth *used)
{
    mcx_ds_offer offer;
    char names[128];
    mcx_ds_read_offer(resp, &offer);
    mcx_ds_offer_names(&offer, names, sizeof names);
    mcx_report_step(c->rep, depth, MCX_STEP_INFO, 0,
                    offer.webticket_url[0] ? offer.webticket_url
                                           : offer.oauth_href[0] ? offer.oauth_href : NULL,
                    "User resource requires authentication; offered: %s", names);
    if (!c->o->user) {
        snprintf(c->res->auth_offered, sizeof c->res->auth_offered, "%s", names);
        c->res->stopped_at_auth = 1;
        mcx_report_step(c->rep, depth, MCX_STEP_SKIP, 0, "give --user and --password-file to continue",
                        "Stopped before authentication (no credentials given)");
        return 1;
    }
    mcx_ds_auth m = mcx_ds_pick_auth(&offer, c->o->auth);
    if (m == MCX_DS_AUTH_AUTO) {
        mcx_finding *f;
        if (c->o->auth != MCX_DS_AUTH_AUTO && strcmp(names, "nothing") != 0)
            f = mcx_report_add(c->rep, "AU-002", "--auth %s requested, the 401 offers: %s",
                               mcx_ds_auth_name(c->o->auth), names);
        else
            f = mcx_report_add(c->rep, "AU-003", "the 401 from %s offers: %s", url, names);
        mcx_finding_set_evidence(f, url, resp->status, NULL, 0);
        return -1;
    }
    *used = m;
    mcx_report_step(c->rep, depth, MCX_STEP_INFO, 0, NULL, "Authenticate with %s as %s",
                    mcx_ds_auth_name(m), c->o->user);
    return mcx_ds_authenticate(c->o, c->rep, depth + 1, m, &offer, url, hname, hvalue) == 0 ? 0
                                                                                            : -1;
}

static walk_outcome walk(ds_ctx *c, const char *entry)
{
    enum { PHASE_ROOT, PHASE_USER } phase = PHASE_ROOT;
    char *cur = strdup(entry);
    char *hname = NULL, *hvalue = NULL;
    int after_root = 0;     /* a usable Root was reached */
    int via_link = 0;       /* cur came from a Redirect or User/OAuth link */
    int sent_credentials = 0;
    mcx_ds_auth used = MCX_DS_AUTH_AUTO;
    walk_outcome out = WALK_NEXT_SERVER;
    mcx_ad_doc doc;
    int have_doc = 0;
    const int d = 1;

    c->why[0] = '\0';
    c->entry_unresolved = 0;
    if (!cur)
        return WALK_NEXT_SERVER;
    for (;;) {
        if (have_doc) {
            mcx_ad_doc_clear(&doc);
            have_doc = 0;
        }
        if (!sent_credentials && check_loop(c, cur) < 0) {
            out = after_root ? WALK_FINAL : WALK_NEXT_SERVER;
            break;
        }
        mcx_http_header hdrs[2] = {{"Accept", (char *)c->accept}, {hname, hvalue}};
        mcx_http_response resp;
        mcx_ds_http(c->o, c->rep, d, "GET", cur, hdrs, hname ? 2 : 1, NULL, 0, &resp);
        if (resp.error != MCX_HTTP_OK) {
            if (via_link) {
                mcx_finding *f = mcx_report_add(c->rep, "DS-010", "%s: %s failure: %s", cur,
                                                mcx_http_error_name(resp.error), resp.error_text);
                mcx_finding_set_evidence(f, cur, 0, NULL, 0);
                char host[256];
                if (mcx_ds_url_host(cur, host, sizeof host) == 0)
                    mcx_finding_set_remediation(
                        f, "Make %s reachable (DNS record for %s, firewall, publishing "
                           "rule), or correct the href that points at it%s.", cur, host,
                        phase == PHASE_ROOT && after_root
                            ? " (for users homed online: the hosting provider's AutodiscoverUrl, "
                              "Set-CsHostingProvider)"
                            : "");
                snprintf(c->why, sizeof c->why, "link target %s failed", cur);
                out = after_root ? WALK_FINAL : WALK_NEXT_SERVER;
            } else {
                snprintf(c->why, sizeof c->why, "%s failure: %s", mcx_http_error_name(resp.error),
                         resp.error_text);
                c->entry_unresolved = resp.error == MCX_HTTP_E_DNS;
                out = classify_error(resp.error);
            }
            mcx_http_response_free(&resp);
            break;
        }
        c->res->reached_server = 1;

        if (phase == PHASE_USER && resp.status == 401) {
            free(hname);
            free(hvalue);
            hname = hvalue = NULL;
            if (sent_credentials) {
                mcx_finding *f = mcx_report_add(
                    c->rep, used == MCX_DS_AUTH_BASIC ? "AU-001" : "AU-006",
                    "%s still answered 401 after %s credentials were presented", cur,
                    mcx_ds_auth_name(used));
                mcx_finding_set_evidence(f, cur, 401, resp.body, resp.body_len);
                mcx_http_response_free(&resp);
                out = WALK_FINAL;
                break;
            }
            int a = handle_401(c, d + 1, cur, &resp, &hname, &hvalue, &used);
            mcx_http_response_free(&resp);
            if (a != 0) {
                out = a == 1 ? WALK_STOPPED_AUTH : WALK_FINAL;
                break;
            }
            sent_credentials = 1;
            continue; /* the same URL again, with credentials */
        }
        if (phase == PHASE_USER && resp.status == 403 && sent_credentials) {
            mcx_finding *f = mcx_report_add(c->rep, "AU-006", "%s answered 403 to the credential",
                                            cur);
            mcx_finding_set_evidence(f, cur, 403, resp.body, resp.body_len);
            mcx_http_response_free(&resp);
            out = WALK_FINAL;
            break;
        }
        if (phase == PHASE_USER && resp.status == 404) {
            mcx_finding *f = mcx_report_add(c->rep, "DS-011", "%s answered 404 for %s", cur,
                                            c->bare);
            mcx_finding_set_evidence(f, cur, 404, resp.body, resp.body_len);
            mcx_http_response_free(&resp);
            out = WALK_FINAL;
            break;
        }
        memset(&doc, 0, sizeof doc);
        int rd = read_document(c, d + 1, cur, &resp, &doc);
        if (phase == PHASE_USER && resp.status == 200 && !sent_credentials && rd == 0) {
            mcx_finding *f = mcx_report_add(c->rep, "AU-008",
                                            "%s answered 200 to a request without credentials",
                                            cur);
            mcx_finding_set_evidence(f, cur, 200, NULL, 0);
        }
        mcx_http_response_free(&resp);
        if (rd < 0) {
            out = after_root ? WALK_FINAL : WALK_NEXT_SERVER;
            break;
        }
        have_doc = 1;
        const mcx_ad_link *redirect = mcx_ad_find_link(&doc, "Redirect");
        const char *level = phase == PHASE_ROOT ? "Root" : "User";
        if ((phase == PHASE_ROOT && doc.kind != MCX_AD_ROOT) ||
            (phase == PHASE_USER && doc.kind != MCX_AD_USER)) {
            mcx_finding *f = mcx_report_add(c->rep, "DS-007", "%s: expected a %s document, got %s",
                                            cur, level, kind_name(doc.kind));
            mcx_finding_set_evidence(f, cur, 200, NULL, 0);
            snprintf(c->why, sizeof c->why, "%s document instead of %s", kind_name(doc.kind), level);
            out = after_root ? WALK_FINAL : WALK_NEXT_SERVER;
            break;
        }
        if (redirect && redirect->href) {
            if (take_redirect(c, d + 1, cur, redirect->href, level) < 0) {
                out = after_root ? WALK_FINAL : WALK_NEXT_SERVER;
                break;
            }
            char *next = strdup(redirect->href);
            if (!next) {
                out = WALK_FINAL;
                break;
            }
            free(cur);
            cur = next;
            via_link = 1;
            /* A User-level Redirect points at another Root: start again
             * there and authenticate again. */
            phase = PHASE_ROOT;
            free(hname);
            free(hvalue);
            hname = hvalue = NULL;
            sent_credentials = 0;
            continue;
        }
        if (phase == PHASE_USER) {
            out = finish_user(c, d + 1, cur, &doc);
            if (c->o->keep_credential && hname && hvalue) {
                /* mcxcheck mobility presents it to the Mobility Service. */
                snprintf(c->res->credential_name, sizeof c->res->credential_name, "%s", hname);
                free(c->res->credential_value);
                c->res->credential_value = hvalue;
                c->res->credential_auth = used;
                hvalue = NULL;
            }
            break;
        }
        /* Root without Redirect: the User (or OAuth) link. */
        const char *token = c->o->auth == MCX_DS_AUTH_OAUTH ? "OAuth" : "User";
        const mcx_ad_link *next_link = mcx_ad_find_link(&doc, token);
        if (!next_link || !next_link->href) {
            mcx_finding *f;
            if (c->o->auth == MCX_DS_AUTH_OAUTH && mcx_ad_find_link(&doc, "User")) {
                f = mcx_report_add(c->rep, "AU-002",
                                   "--auth oauth requested, but the Root of %s has no OAuth link "
                                   "(a Lync 2010 server offers the web ticket only)", cur);
                after_root = 1;
            } else {
                f = mcx_report_add(c->rep, "DS-007", "%s: Root has neither Redirect nor %s link",
                                   cur, token);
            }
            mcx_finding_set_evidence(f, cur, 200, NULL, 0);
            snprintf(c->why, sizeof c->why, "Root without a %s link", token);
            out = after_root ? WALK_FINAL : WALK_NEXT_SERVER;
            break;
        }
        after_root = 1;
        mcx_report_step(c->rep, d + 1, MCX_STEP_OK, 0, NULL, "Take the %s link: %s", token,
                        next_link->href);
        char *next = strdup(next_link->href);
        if (!next) {
            out = WALK_FINAL;
            break;
        }
        free(cur);
        cur = next;
        via_link = 1;
        phase = PHASE_USER;
    }
    if (have_doc)
        mcx_ad_doc_clear(&doc);
    free(cur);
    free(hname);
    free(hvalue);
    return out;
}

/* ---- candidates and name-level findings ---------------------------------- */

static const char *outcome_reason(walk_outcome w)
{
    switch (w) {
    case WALK_NEXT_UNREACHED: return "no server reached";
    case WALK_NEXT_TLS: return "TLS failure";
    case WALK_NEXT_SERVER: return "unusable answer";
    default: return "ok";
    }
}

/* The outcome of candidate `i`'s step. Outside the internal network
 * (vantage external or not given) lyncdiscoverinternal not resolving is
 * what the seed asks for (DNS Requirements: internal DNS only), so the
 * phone's fallback to lyncdiscover is expected, not a failure: the
 * candidate is an info step and its unrequested GET a skipped one, in
 * every format. Any other failure of a candidate stays a failure. */
static void candidate_outcome(mcx_report *rep, size_t step, size_t i, walk_outcome w,
                              const ds_ctx *c)
{
    char detail[700];
    int expected = i < 2 && w == WALK_NEXT_UNREACHED && c->entry_unresolved &&
                   c->o->vantage != MCX_DS_VANTAGE_INTERNAL;
    rep->steps[step].outcome = w <= WALK_STOPPED_AUTH ? MCX_STEP_OK
                               : expected             ? MCX_STEP_INFO
                                                      : MCX_STEP_FAIL;
    if (w < WALK_NEXT_UNREACHED)
        return;
    if (expected) {
        snprintf(detail, sizeof detail,
                 "not resolvable outside the internal network, as expected (%s); next candidate",
                 c->why);
        mcx_step *get = &rep->steps[rep->nsteps - 1];
        if (rep->nsteps - 1 > step && get->outcome == MCX_STEP_FAIL &&
            strncmp(get->title, "GET ", 4) == 0)
            get->outcome = MCX_STEP_SKIP;
    } else {
        snprintf(detail, sizeof detail, "%s: %s; next candidate", outcome_reason(w), c->why);
    }
    free(rep->steps[step].detail);
    rep->steps[step].detail = strdup(detail);
}

/* Concrete fix for a name whose https and http candidates both failed. */
static void name_remediation(mcx_finding *f, int internal, const char *domain, walk_outcome https_w,
                             walk_outcome http_w)
{
    const char *name = internal ? "lyncdiscoverinternal" : "lyncdiscover";
    if (https_w == WALK_NEXT_UNREACHED && http_w == WALK_NEXT_UNREACHED) {
        if (internal)
            mcx_finding_set_remediation(
                f, "Create the internal DNS record %s.%s (CNAME to the internal web services FQDN "
                   "of the Director or Front End pool, or an A record to its internal web VIP) and "
                   "allow TCP 443 and 80 to it.", name, domain);
        else
            mcx_finding_set_remediation(
                f, "Create the external DNS record %s.%s (CNAME to the external web services "
                   "FQDN, or an A record to the reverse proxy) and publish it on the reverse proxy "
                   "on TCP 443 (or HTTP port 80 for the first request).", name, domain);
    } else if (https_w == WALK_NEXT_UNREACHED) {
        mcx_finding_set_remediation(
            f, "%s.%s answers on HTTP but not on HTTPS: publish TCP 443 for it (%s), then fix "
               "what HTTP answered (see the other findings).", name, domain,
            internal ? "internal web site of the Director / Front End pool"
                     : "reverse proxy web publishing rule");
    } else if (https_w == WALK_NEXT_TLS) {
        mcx_finding_set_remediation(
            f, "Add SAN=%s.%s to the %s certificate (or SAN=*.%s), or publish the first request on "
               "HTTP port 80.", name, domain, internal ? "Director / Front End pool" : "reverse proxy",
            domain);
    } else {
        mcx_finding_set_remediation(
            f, "Make https://%s.%s/ answer the Autodiscover Root (200, Autodiscover content type); "
               "see the other findings for what it answered.", name, domain);
    }
}

void mcx_ds_result_clear(mcx_ds_result *res)
{
    free(res->credential_value);
    res->credential_value = NULL;
    res->credential_name[0] = '\0';
}

int mcx_ds_run(const mcx_ds_options *o, mcx_report *rep, mcx_ds_result *res)
{
    ds_ctx c;
    walk_outcome w[MCX_DS_NCANDIDATES];
    char why[MCX_DS_NCANDIDATES][512];
    const char *err = NULL;
    size_t tried = 0, winner = MCX_DS_NCANDIDATES;
    mcx_ds_options run = *o;
    mcx_http_session *own_session = NULL;

    memset(res, 0, sizeof *res);
    res->access_location = -1;
    if (!run.http.session) {
        /* One session per discovery: a phone keeps its connections alive. */
        own_session = mcx_http_session_new();
        run.http.session = own_session;
    }
    o = &run;
    memset(&c, 0, sizeof c);
    c.o = o;
    c.rep = rep;
    c.res = res;
    c.bare = mcx_ds_bare_uri(o->sip_uri);
    c.accept = o->accept_json ? MCX_ACCEPT_AD_JSON : MCX_ACCEPT_AD_XML;
    if (mcx_ds_sip_domain(o->sip_uri, c.domain, sizeof c.domain, &err) < 0) {
        mcx_report_add(rep, "DS-000", "SIP URI %s: %s", o->sip_uri ? o->sip_uri : "(null)", err);
        mcx_http_session_free(own_session);
        return -1;
    }
    mcx_report_step(rep, 0, MCX_STEP_INFO, 0, NULL,
                    "Sign-in address %s: SIP domain %s, vantage %s, Accept %s", c.bare, c.domain,
                    o->vantage == MCX_DS_VANTAGE_INTERNAL   ? "internal"
                    : o->vantage == MCX_DS_VANTAGE_EXTERNAL ? "external"
                                                            : "not given",
                    c.accept);
    if (o->dns)
        mcx_report_step(rep, 0, MCX_STEP_INFO, 0, NULL,
                        "Names resolved through the %s DNS server %s, as a phone does",
                        mcx_ds_dns_view_name(o->dns), mcx_ds_dns_server(o->dns));

    for (size_t i = 0; i < MCX_DS_NCANDIDATES; i++) {
        char url[1024];
        w[i] = WALK_NEXT_UNREACHED;
        why[i][0] = '\0';
        if (mcx_ds_candidate_url(i, c.domain, c.bare, url, sizeof url) < 0)
            continue;
        size_t step = mcx_report_step(rep, 0, MCX_STEP_INFO, 0, NULL, "Candidate %zu: %s", i + 1, url);
        mcx_ds_visited_free(&c.visited);
        c.hops = 0;
        w[i] = walk(&c, url);
        tried = i + 1;
        snprintf(why[i], sizeof why[i], "%s", c.why);
        if (step < rep->nsteps)
            candidate_outcome(rep, step, i, w[i], &c);
        if (w[i] < WALK_NEXT_UNREACHED) {
            winner = i;
            break;
        }
    }
    mcx_ds_visited_free(&c.visited);
    mcx_http_session_free(own_session);

    /* Name-level findings, from the vantage point. */
    int internal_failed = tried >= 2 && w[0] >= WALK_NEXT_UNREACHED && w[1] >= WALK_NEXT_UNREACHED;
    int external_failed = tried >= 4 && w[2] >= WALK_NEXT_UNREACHED && w[3] >= WALK_NEXT_UNREACHED;
    if (res->reached_server || winner < MCX_DS_NCANDIDATES) {
        if (internal_failed && o->vantage == MCX_DS_VANTAGE_INTERNAL) {
            mcx_finding *f = mcx_report_add(rep, "DS-001", "lyncdiscoverinternal.%s: https: %s; http: %s",
                                            c.domain, why[0], why[1]);
            mcx_finding_set_subject(f, c.domain);
            name_remediation(f, 1, c.domain, w[0], w[1]);
        }
        if (external_failed && o->vantage != MCX_DS_VANTAGE_INTERNAL) {
            mcx_finding *f = mcx_report_add(rep, "DS-002", "lyncdiscover.%s: https: %s; http: %s",
                                            c.domain, why[2], why[3]);
            mcx_finding_set_subject(f, c.domain);
            name_remediation(f, 0, c.domain, w[2], w[3]);
        }
        if (winner == 1 || winner == 3) {
            int internal = winner == 1;
            mcx_finding *f = mcx_report_add(rep, "DS-003", "https://%s.%s/ failed (%s), http worked",
                                            internal ? "lyncdiscoverinternal" : "lyncdiscover",
                                            c.domain, why[winner - 1]);
            mcx_finding_set_subject(f, c.domain);
            if (w[winner - 1] == WALK_NEXT_TLS)
                mcx_finding_set_remediation(
                    f, "Add SAN=%s.%s to the %s certificate, or keep the HTTP first hop on port 80 "
                       "deliberately.", internal ? "lyncdiscoverinternal" : "lyncdiscover", c.domain,
                    internal ? "Director / Front End pool" : "reverse proxy");
        }
        if (winner == MCX_DS_NCANDIDATES) {
            mcx_finding *f = mcx_report_add(rep, "DS-015", "no candidate URL gave a usable Root for %s",
                                            c.bare);
            mcx_finding_set_subject(f, c.domain);
        }
    } else {
        mcx_finding *f = mcx_report_add(
            rep, "NET-001",
            "no server reached for %s: lyncdiscoverinternal https: %s; http: %s; lyncdiscover "
            "https: %s; http: %s", c.bare, why[0], why[1], why[2], why[3]);
        mcx_finding_set_subject(f, c.domain);
        if (o->dns)
            mcx_finding_set_remediation(
                f, "Check the tester's network and the %s DNS server %s (see the DNS steps): "
                   "it must resolve %s.%s to a web server that listens on TCP 443 or 80.",
                mcx_ds_dns_view_name(o->dns), mcx_ds_dns_server(o->dns),
                o->vantage == MCX_DS_VANTAGE_INTERNAL ? "lyncdiscoverinternal" : "lyncdiscover",
                c.domain);
        else
            mcx_finding_set_remediation(
                f, "Check the tester's network, --resolve / --connect-to entries and DNS. If the "
                   "network is right, create the DNS records lyncdiscoverinternal.%s (internal) "
                   "and lyncdiscover.%s (external).", c.domain, c.domain);
    }

    /* Outcome. */
    if (res->found)
        mcx_report_step(rep, 0, res->sip_fqdn[0] && res->mcx_url[0] ? MCX_STEP_OK : MCX_STEP_FAIL,
                        0, NULL, "Result: SIP %s:%d (SipClient%sAccess), Mcx %s",
                        res->sip_fqdn[0] ? res->sip_fqdn : "(none)", res->sip_port,
                        res->access_location == MCX_ACCESS_INTERNAL ? "Internal" : "External",
                        res->mcx_url[0] ? res->mcx_url : "(none)");
    else if (res->stopped_at_auth)
        mcx_report_step(rep, 0, MCX_STEP_INFO, 0, NULL,
                        "Result: Autodiscover found; the User resource offers %s",
                        res->auth_offered);
    else
        mcx_report_step(rep, 0, MCX_STEP_FAIL, 0, NULL, "Result: discovery failed");
    return 0;
}
