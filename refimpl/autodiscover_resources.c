/*
 * autodiscover_resources.c -- which Autodiscover document mcxd serves for a
 * topology and a request: the Root, Domain and User (and OAuth user)
 * documents, User-level redirects, and which pool a Host header selects.
 *
 * Owns: link sets per profile (2010cu4, 2013), href construction
 * (absolute https URLs on the web FQDN of the listener's side, no port),
 * the Mcx URL rule (external web FQDN unless ExposedWebUrl=Internal),
 * home-pool redirects. Does not own: rendering (lib/autodiscover_*.c via
 * mcx_ad_render), HTTP status and headers (request_dispatch.c), nor
 * authentication (auth_*.c).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mcxd_http.h"

#define AD_ROOT_PATH "/Autodiscover/AutodiscoverService.svc/root"

const char *mcxd_pool_web_fqdn(const mcx_pool *p, mcx_access side)
{
    return side == MCX_ACCESS_INTERNAL ? p->internal_web_fqdn : p->external_web_fqdn;
}

/* Compare a host name (no port) against `name`, case-insensitively. */
static int host_is(const char *host, size_t hostlen, const char *name)
{
    return name && strlen(name) == hostlen && strncasecmp(host, name, hostlen) == 0;
}

const mcx_pool *mcxd_pool_for_host(const mcx_topology *t, const char *host)
{
    const mcx_pool *ad = mcx_topology_autodiscover_pool(t);
    if (!host)
        return ad;
    size_t len = strcspn(host, ":");
    while (len > 0 && host[len - 1] == '.') /* absolute name */
        len--;
    for (size_t i = 0; i < t->npools; i++) {
        const mcx_pool *p = &t->pools[i];
        if (host_is(host, len, p->internal_web_fqdn) || host_is(host, len, p->external_web_fqdn))
            return p;
    }
    /* lyncdiscover.<d>, lyncdiscoverinternal.<d> and unknown names alike
     * go to the autodiscover pool. */
    return ad;
}

static int add_href(mcx_ad_doc *doc, const char *token, const char *fqdn, const char *path)
{
    char href[1024];
    int n = snprintf(href, sizeof(href), "https://%s%s", fqdn, path);
    if (n < 0 || (size_t)n >= sizeof(href))
        return -1;
    return mcx_ad_add_link(doc, token, href);
}

int mcxd_doc_root(const mcxd_config *cfg, const mcx_pool *pool, mcx_access side,
                  mcx_ad_doc *doc)
{
    const char *fqdn = mcxd_pool_web_fqdn(pool, side);
    mcx_ad_doc_init(doc, MCX_AD_ROOT, side);
    int rc = 0;
    rc |= add_href(doc, "Domain", fqdn, AD_ROOT_PATH "/domain");
    rc |= add_href(doc, "User", fqdn, AD_ROOT_PATH "/user");
    if (cfg->topo->profile == MCX_PROFILE_2013)
        rc |= add_href(doc, "OAuth", fqdn, AD_ROOT_PATH "/oauth/user");
    return rc ? -1 : 0;
}

static int add_sip_access(mcx_ad_doc *doc, const char *name, const mcx_endpoint *ep)
{
    if (!ep->fqdn)
        return 0;
    return mcx_ad_add_sipaccess(doc, name, ep->fqdn, ep->port);
}

int mcxd_doc_domain(const mcxd_config *cfg, const mcx_pool *pool, mcx_access side,
                    mcx_ad_doc *doc)
{
    const char *in = pool->internal_web_fqdn, *ex = pool->external_web_fqdn;
    mcx_ad_doc_init(doc, MCX_AD_DOMAIN, side);
    int rc = 0;
    rc |= add_href(doc, "Internal/Autodiscover", in, AD_ROOT_PATH);
    rc |= add_href(doc, "Internal/AuthBroker", in, "/Reach/sip.svc");
    if (cfg->topo->profile == MCX_PROFILE_2013)
        rc |= add_href(doc, "Internal/Ucwa", in, "/ucwa/v1/applications");
    rc |= add_href(doc, "External/Autodiscover", ex, AD_ROOT_PATH);
    rc |= add_href(doc, "External/AuthBroker", ex, "/Reach/sip.svc");
    if (cfg->topo->profile == MCX_PROFILE_2013)
        rc |= add_href(doc, "External/Ucwa", ex, "/ucwa/v1/applications");
    rc |= add_sip_access(doc, "SipClientInternalAccess", &pool->sip_client_internal);
    rc |= add_sip_access(doc, "SipClientExternalAccess", &pool->sip_client_external);
    return rc ? -1 : 0;
}

int mcxd_doc_redirect(const mcxd_config *cfg, const mcx_pool *pool, mcx_ad_kind kind,
                      mcx_access side, const char *href, mcx_ad_doc *doc)
{
    mcx_ad_doc_init(doc, kind, side);
    int rc = mcx_ad_add_link(doc, "Redirect", href);
    if (cfg->breaks & MCXD_BREAK_MULTI_REDIRECT)
        rc |= add_href(doc, "Domain", mcxd_pool_web_fqdn(pool, side), AD_ROOT_PATH "/domain");
    return rc ? -1 : 0;
}

/* The full link set of a user homed on `home`. */
static int user_links(const mcxd_config *cfg, const mcx_pool *home, mcx_access side, int oauth,
                      mcx_ad_doc *doc)
{
    const mcx_topology *t = cfg->topo;
    const char *in = home->internal_web_fqdn, *ex = home->external_web_fqdn;
    const char *here = mcxd_pool_web_fqdn(home, side);
    int is2013 = t->profile == MCX_PROFILE_2013;
    /* Mobility is always reached through the reverse proxy (seed: Technical
     * Requirements for Mobility), so both Mcx links use the external web
     * FQDN unless McxConfiguration says ExposedWebUrl=Internal. */
    const char *mcx_int = ex, *mcx_ext = ex;
    if (t->exposed_web_url == MCX_EXPOSED_INTERNAL)
        mcx_int = mcx_ext = in;
    if (cfg->breaks & MCXD_BREAK_MCX_INTERNAL)
        mcx_int = in;

    int rc = 0;
    rc |= add_href(doc, "Internal/Autodiscover", in, AD_ROOT_PATH);
    rc |= add_href(doc, "Internal/AuthBroker", in, "/Reach/sip.svc");
    if (is2013) {
        rc |= add_href(doc, "Internal/Ucwa", in, "/ucwa/v1/applications");
        rc |= add_href(doc, "Internal/WebScheduler", in, "/Scheduler");
    }
    rc |= add_href(doc, "Internal/Mcx", mcx_int, "/Mcx/McxService.svc");
    if (is2013)
        rc |= add_href(doc, "Internal/XFrame", in, "/Autodiscover/XFrame/XFrame.html");
    rc |= add_href(doc, "External/Autodiscover", ex, AD_ROOT_PATH);
    rc |= add_href(doc, "External/AuthBroker", ex, "/Reach/sip.svc");
    if (is2013) {
        rc |= add_href(doc, "External/Ucwa", ex, "/ucwa/v1/applications");
        rc |= add_href(doc, "External/WebScheduler", ex, "/Scheduler");
    }
    rc |= add_href(doc, "External/Mcx", mcx_ext, "/Mcx/McxService.svc");
    if (is2013) {
        rc |= add_href(doc, "External/XFrame", ex, "/Autodiscover/XFrame/XFrame.html");
        rc |= add_href(doc, "Ucwa", here, "/ucwa/v1/applications");
        rc |= add_href(doc, "XFrame", here, "/Autodiscover/XFrame/XFrame.html");
    }
    rc |= add_href(doc, "Self", here, oauth ? AD_ROOT_PATH "/oauth/user" : AD_ROOT_PATH "/user");
    rc |= add_sip_access(doc, "SipServerInternalAccess", &home->sip_server_internal);
    rc |= add_sip_access(doc, "SipClientInternalAccess", &home->sip_client_internal);
    rc |= add_sip_access(doc, "SipServerExternalAccess", &home->sip_server_external);
    rc |= add_sip_access(doc, "SipClientExternalAccess", &home->sip_client_external);
    return rc ? -1 : 0;
}

int mcxd_doc_user(const mcxd_config *cfg, const mcx_pool *pool, mcx_access side,
                  const mcx_user *user, int oauth, mcx_ad_doc *doc)
{
    const mcx_topology *t = cfg->topo;
    if (!user || !user->enabled || !user->home_pool)
        return 1;
    if (strcasecmp(user->home_pool, "online") == 0) {
        if (!t->online_autodiscover_url)
            return 1;
        return mcxd_doc_redirect(cfg, pool, MCX_AD_USER, side, t->online_autodiscover_url, doc);
    }
    const mcx_pool *home = mcx_topology_find_pool(t, user->home_pool);
    if (!home)
        return 1;
    if (home != pool) {
        char href[1024];
        int n = snprintf(href, sizeof(href), "https://%s" AD_ROOT_PATH,
                         mcxd_pool_web_fqdn(home, side));
        if (n < 0 || (size_t)n >= sizeof(href))
            return -1;
        return mcxd_doc_redirect(cfg, pool, MCX_AD_USER, side, href, doc);
    }
    mcx_ad_doc_init(doc, MCX_AD_USER, side);
    return user_links(cfg, home, side, oauth, doc);
}
