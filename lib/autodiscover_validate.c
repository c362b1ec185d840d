/*
 * autodiscover_validate.c -- structural and topology rules on a parsed
 * Autodiscover document (AD-030..AD-042).
 *
 * Owns: the rules listed in autodiscover.h (single Redirect, User/Domain in
 * Root, OAuth in a 2013 Root, absolute https hrefs, HTTP Root redirects to
 * https, AccessLocation of the listener, Mcx URLs on the exposed web FQDN
 * with path /Mcx/McxService.svc, SipClient entries in User documents, href
 * hosts known to the topology). Does not own: syntax oddities (found while
 * parsing, autodiscover_parse.c, which also reports a missing
 * AccessLocation -- UCWA documents legitimately have none), nor HTTP status
 * rules. URLs are split with libcurl's URL API, never by hand.
 *
 * A document without AccessLocation is taken to be in the UCWA form, which
 * has none (for the other forms the parser already reported AD-009): its
 * Root needs only a user link (User or OAuth) instead of User and Domain,
 * and the SipClient rules (AD-038/AD-039), which need a location, are skipped.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#include "mcx/autodiscover.h"

#define MCX_MCX_PATH "/Mcx/McxService.svc"

typedef struct mcx_validate {
    const mcx_ad_doc *doc;
    const mcx_ad_expect *ex;
    const mcx_topology *topo; /* NULL: topology rules skipped */
    mcx_report *rep;
    const char *url;
} mcx_validate;

typedef struct mcx_url_parts {
    char *scheme; /* lower case, from libcurl */
    char *host;
    char *path;
} mcx_url_parts;

static mcx_finding *mcx_validate_finding(mcx_validate *v, const char *id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static mcx_finding *mcx_validate_finding(mcx_validate *v, const char *id, const char *fmt, ...)
{
    if (!v->rep)
        return NULL;
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mcx_finding *f = mcx_report_add(v->rep, id, "%s", msg);
    if (f && v->url)
        mcx_finding_set_evidence(f, v->url, 0, NULL, 0);
    return f;
}

static void mcx_url_free(mcx_url_parts *u)
{
    curl_free(u->scheme);
    curl_free(u->host);
    curl_free(u->path);
    memset(u, 0, sizeof *u);
}

/* 0 when `href` is an absolute URL with scheme and host; -1 otherwise. */
static int mcx_url_split(const char *href, mcx_url_parts *u)
{
    memset(u, 0, sizeof *u);
    CURLU *h = curl_url();
    if (!h)
        return -1;
    int rc = -1;
    if (curl_url_set(h, CURLUPART_URL, href, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
        curl_url_get(h, CURLUPART_SCHEME, &u->scheme, 0) == CURLUE_OK &&
        curl_url_get(h, CURLUPART_HOST, &u->host, 0) == CURLUE_OK &&
        curl_url_get(h, CURLUPART_PATH, &u->path, 0) == CURLUE_OK)
        rc = 0;
    curl_url_cleanup(h);
    if (rc)
        mcx_url_free(u);
    return rc;
}

static int mcx_href_is_https(const char *href)
{
    mcx_url_parts u;
    if (mcx_url_split(href, &u) != 0)
        return 0;
    int ok = strcmp(u.scheme, "https") == 0;
    mcx_url_free(&u);
    return ok;
}

/* A pool to name in remediation text: the first Front End pool. */
static const mcx_pool *mcx_validate_some_pool(const mcx_topology *t)
{
    if (!t || t->npools == 0)
        return NULL;
    for (size_t i = 0; i < t->npools; i++)
        if (!t->pools[i].is_director)
            return &t->pools[i];
    return &t->pools[0];
}

static int mcx_host_eq(const char *a, const char *b)
{
    return a && b && strcasecmp(a, b) == 0;
}

/* ---- rules ---------------------------------------------------------------- */

static void mcx_validate_access(mcx_validate *v)
{
    const mcx_ad_doc *d = v->doc;
    if (!v->ex || v->ex->expect_access < 0 || !d->has_access_location)
        return;
    if ((int)d->access_location == v->ex->expect_access)
        return;
    const char *want = mcx_ad_access_name((mcx_access)v->ex->expect_access);
    mcx_finding *f = mcx_validate_finding(
        v, "AD-035", "AccessLocation is %s but the request reached the %s listener",
        mcx_ad_access_name(d->access_location), want);
    if (f)
        mcx_finding_set_remediation(f, "Answer requests on the %s web site with "
                                    "AccessLocation=\"%s\".", want, want);
}

static void mcx_validate_redirect(mcx_validate *v, const mcx_ad_link *redirect)
{
    const mcx_ad_doc *d = v->doc;
    if (!redirect || d->nlinks <= 1 || d->kind == MCX_AD_DOMAIN)
        return;
    char others[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < d->nlinks; i++) {
        if (&d->links[i] == redirect)
            continue;
        int n = snprintf(others + used, sizeof others - used, "%s%s", used ? ", " : "",
                         d->links[i].token);
        if (n < 0 || (size_t)n >= sizeof others - used)
            break;
        used += (size_t)n;
    }
    mcx_finding *f = mcx_validate_finding(v, "AD-030",
                                          "%s has a Redirect link and %zu other link(s): %s",
                                          mcx_ad_kind_name(d->kind), d->nlinks - 1, others);
    if (f)
        mcx_finding_set_remediation(f, "Return <%s> with only <Link token=\"Redirect\" "
                                    "href=\"%s\"/>, or drop the Redirect.",
                                    mcx_ad_kind_name(d->kind), redirect->href);
}

static void mcx_validate_over_http(mcx_validate *v, const mcx_ad_link *redirect)
{
    const mcx_ad_doc *d = v->doc;
    if (d->nlinks == 1 && redirect && mcx_href_is_https(redirect->href))
        return;
    const mcx_pool *pool = mcx_validate_some_pool(v->topo);
    mcx_finding *f;
    if (!redirect)
        f = mcx_validate_finding(v, "AD-034", "Root requested over HTTP has %zu link(s) and no "
                                 "Redirect", d->nlinks);
    else if (!mcx_href_is_https(redirect->href))
        f = mcx_validate_finding(v, "AD-034", "Root requested over HTTP redirects to \"%s\", "
                                 "which is not https", redirect->href);
    else
        f = mcx_validate_finding(v, "AD-034", "Root requested over HTTP has %zu links besides "
                                 "the Redirect", d->nlinks - 1);
    if (f && pool)
        mcx_finding_set_remediation(f, "Answer with a single <Link token=\"Redirect\" "
                                    "href=\"https://%s/Autodiscover/AutodiscoverService.svc/"
                                    "root\"/>.", pool->external_web_fqdn);
}

static void mcx_validate_root(mcx_validate *v)
{
    const mcx_ad_doc *d = v->doc;
    if (!d->has_access_location) {
        /* UCWA form: its root has a single user relation (User or OAuth). */
        if (!mcx_ad_find_link(d, "User") && !mcx_ad_find_link(d, "OAuth"))
            mcx_validate_finding(v, "AD-031", "Root without redirect lacks a user link");
        return;
    }
    int has_user = mcx_ad_find_link(d, "User") != NULL;
    int has_domain = mcx_ad_find_link(d, "Domain") != NULL;
    if (!has_user || !has_domain)
        mcx_validate_finding(v, "AD-031", "Root without Redirect lacks the %s link%s",
                             !has_user && !has_domain ? "User and Domain" : !has_user ? "User"
                                                                                       : "Domain",
                             !has_user && !has_domain ? "s" : "");
    if (v->topo && v->topo->profile == MCX_PROFILE_2013 && !mcx_ad_find_link(d, "OAuth"))
        mcx_validate_finding(v, "AD-032", "Root of a Lync Server 2013 deployment has no OAuth "
                             "link");
}

static void mcx_validate_hrefs_https(mcx_validate *v)
{
    const mcx_ad_doc *d = v->doc;
    for (size_t i = 0; i < d->nlinks; i++) {
        mcx_url_parts u;
        const mcx_ad_link *l = &d->links[i];
        if (mcx_url_split(l->href, &u) != 0) {
            mcx_validate_finding(v, "AD-033", "Link \"%s\" href \"%s\" is not an absolute URL",
                                 l->token, l->href);
            continue;
        }
        if (strcmp(u.scheme, "https") != 0) {
            mcx_finding *f = mcx_validate_finding(v, "AD-033", "Link \"%s\" href \"%s\" uses "
                                                  "%s, expected https", l->token, l->href,
                                                  u.scheme);
            if (f)
                mcx_finding_set_remediation(f, "Publish https://%s%s.", u.host, u.path);
        }
        mcx_url_free(&u);
    }
}

/* Internal/Mcx and External/Mcx: exposed web FQDN and path. */
static void mcx_validate_mcx_link(mcx_validate *v, const mcx_ad_link *l)
{
    mcx_url_parts u;
    if (mcx_url_split(l->href, &u) != 0)
        return; /* AD-033 already says so */
    if (strcasecmp(u.path, MCX_MCX_PATH) != 0) {
        mcx_finding *f = mcx_validate_finding(v, "AD-037", "Link \"%s\" has path \"%s\", "
                                              "expected %s", l->token, u.path, MCX_MCX_PATH);
        if (f)
            mcx_finding_set_remediation(f, "Use href=\"https://%s%s\".", u.host, MCX_MCX_PATH);
    }
    const mcx_topology *t = v->topo;
    if (t && t->npools > 0) {
        int internal = t->exposed_web_url == MCX_EXPOSED_INTERNAL;
        const mcx_pool *owner = NULL; /* pool whose other web FQDN the href uses */
        int ok = 0;
        for (size_t i = 0; i < t->npools && !ok; i++) {
            const mcx_pool *pl = &t->pools[i];
            const char *want = internal ? pl->internal_web_fqdn : pl->external_web_fqdn;
            const char *other = internal ? pl->external_web_fqdn : pl->internal_web_fqdn;
            if (mcx_host_eq(u.host, want))
                ok = 1;
            else if (mcx_host_eq(u.host, other))
                owner = pl;
        }
        if (!ok) {
            const mcx_pool *pl = owner ? owner : mcx_validate_some_pool(t);
            const char *want_fqdn = internal ? pl->internal_web_fqdn : pl->external_web_fqdn;
            mcx_finding *f = mcx_validate_finding(
                v, "AD-036", "Link \"%s\" points at host %s; with ExposedWebUrl %s it must use "
                "the %s web FQDN %s", l->token, u.host, internal ? "Internal" : "External",
                internal ? "internal" : "external", want_fqdn ? want_fqdn : "(unset)");
            if (f && !internal && owner)
                mcx_finding_set_remediation(f, "Set-CsMcxConfiguration -ExposedWebUrl External, "
                                            "so that %s is href=\"https://%s%s\".", l->token,
                                            want_fqdn, MCX_MCX_PATH);
            else if (f)
                mcx_finding_set_remediation(f, "Publish %s as href=\"https://%s%s\".", l->token,
                                            want_fqdn ? want_fqdn : "<web FQDN>", MCX_MCX_PATH);
        }
    }
    mcx_url_free(&u);
}

static void mcx_validate_sipclient(mcx_validate *v)
{
    static const struct {
        const char *name;
        mcx_access access;
    } entries[] = {
        {"SipClientInternalAccess", MCX_ACCESS_INTERNAL},
        {"SipClientExternalAccess", MCX_ACCESS_EXTERNAL},
    };
    const mcx_ad_doc *d = v->doc;
    const mcx_pool *pool = mcx_validate_some_pool(v->topo);
    for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++) {
        const mcx_ad_sipaccess *s = mcx_ad_find_sipaccess(d, entries[i].name);
        int matching = d->has_access_location && d->access_location == entries[i].access;
        const mcx_endpoint *ep = NULL;
        if (pool)
            ep = entries[i].access == MCX_ACCESS_INTERNAL ? &pool->sip_client_internal
                                                          : &pool->sip_client_external;
        mcx_finding *f = NULL;
        if (!s && matching)
            f = mcx_validate_finding(v, "AD-039", "User document with AccessLocation %s has no "
                                     "%s element", mcx_ad_access_name(d->access_location),
                                     entries[i].name);
        else if (!s)
            f = mcx_validate_finding(v, "AD-038", "User document has no %s element",
                                     entries[i].name);
        else if (matching && (s->port <= 0 || !s->fqdn || !*s->fqdn))
            f = mcx_validate_finding(v, "AD-039", "%s (matching AccessLocation %s) has port %d",
                                     entries[i].name, mcx_ad_access_name(d->access_location),
                                     s->port);
        if (f && ep && ep->fqdn && ep->port > 0)
            mcx_finding_set_remediation(f, "Add <%s fqdn=\"%s\" port=\"%d\"/> to the User "
                                        "element.", entries[i].name, ep->fqdn, ep->port);
    }
}

static int mcx_validate_known_host(const mcx_topology *t, const char *host)
{
    for (size_t i = 0; i < t->npools; i++) {
        const mcx_pool *pl = &t->pools[i];
        if (mcx_host_eq(host, pl->id) || mcx_host_eq(host, pl->internal_web_fqdn) ||
            mcx_host_eq(host, pl->external_web_fqdn))
            return 1;
    }
    if (mcx_host_eq(host, t->reverse_proxy_fqdn))
        return 1;
    for (size_t i = 0; i < t->nsip_domains; i++) {
        char name[300];
        snprintf(name, sizeof name, "lyncdiscover.%s", t->sip_domains[i]);
        if (mcx_host_eq(host, name))
            return 1;
        snprintf(name, sizeof name, "lyncdiscoverinternal.%s", t->sip_domains[i]);
        if (mcx_host_eq(host, name))
            return 1;
    }
    if (t->online_autodiscover_url) {
        mcx_url_parts u;
        if (mcx_url_split(t->online_autodiscover_url, &u) == 0) {
            int ok = mcx_host_eq(host, u.host);
            mcx_url_free(&u);
            if (ok)
                return 1;
        }
    }
    return 0;
}

static void mcx_validate_hosts(mcx_validate *v)
{
    const mcx_ad_doc *d = v->doc;
    for (size_t i = 0; i < d->nlinks; i++) {
        mcx_url_parts u;
        if (mcx_url_split(d->links[i].href, &u) != 0)
            continue;
        if (!mcx_validate_known_host(v->topo, u.host))
            mcx_validate_finding(v, "AD-040", "Link \"%s\" points at host %s, which is not a web "
                                 "FQDN of any pool in the topology", d->links[i].token, u.host);
        mcx_url_free(&u);
    }
}

void mcx_ad_validate(const mcx_ad_doc *d, const mcx_ad_expect *ex, mcx_report *rep,
                     const char *url)
{
    if (!d)
        return;
    mcx_validate v = {d, ex, ex ? ex->topo : NULL, rep, url};
    const mcx_ad_link *redirect = mcx_ad_find_link(d, "Redirect");
    int over_http_root = ex && ex->over_http && d->kind == MCX_AD_ROOT;

    mcx_validate_access(&v);
    if (d->nlinks == 0 && d->kind != MCX_AD_DOMAIN) {
        mcx_validate_finding(&v, "AD-042", "%s element has no usable link",
                             mcx_ad_kind_name(d->kind));
        return;
    }
    if (over_http_root) {
        mcx_validate_over_http(&v, redirect);
    } else {
        mcx_validate_redirect(&v, redirect);
        if (d->kind == MCX_AD_ROOT && !redirect)
            mcx_validate_root(&v);
        mcx_validate_hrefs_https(&v);
    }
    for (size_t i = 0; i < d->nlinks; i++)
        if (strcasecmp(d->links[i].token, "Internal/Mcx") == 0 ||
            strcasecmp(d->links[i].token, "External/Mcx") == 0)
            mcx_validate_mcx_link(&v, &d->links[i]);
    if (d->kind == MCX_AD_USER && !redirect) {
        if (d->has_access_location)
            mcx_validate_sipclient(&v);
        if (v.topo && v.topo->profile == MCX_PROFILE_2010CU4) {
            int has_int = mcx_ad_find_link(d, "Internal/Mcx") != NULL;
            int has_ext = mcx_ad_find_link(d, "External/Mcx") != NULL;
            if (!has_int || !has_ext)
                mcx_validate_finding(&v, "AD-041", "User document lacks %s",
                                     !has_int && !has_ext ? "Internal/Mcx and External/Mcx"
                                     : !has_int          ? "Internal/Mcx"
                                                         : "External/Mcx");
        }
    }
    if (v.topo)
        mcx_validate_hosts(&v);
}
