/*
 * autodiscover_doc.c -- the in-memory Autodiscover document (mcx_ad_doc):
 * initialising, adding links and SipAccess entries, token lookup, freeing.
 *
 * Owns: the memory of the strings a document holds. Does not own: rendering
 * (autodiscover_render.c), parsing (autodiscover_parse.c), validation
 * (autodiscover_validate.c) or deciding which links a server emits.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "mcx/autodiscover.h"

void mcx_ad_doc_init(mcx_ad_doc *d, mcx_ad_kind kind, mcx_access access)
{
    memset(d, 0, sizeof *d);
    d->kind = kind;
    d->has_access_location = 1;
    d->access_location = access;
}

int mcx_ad_add_link(mcx_ad_doc *d, const char *token, const char *href)
{
    if (!d || !token || !href || d->nlinks >= MCX_AD_MAX_LINKS)
        return -1;
    char *t = strdup(token);
    char *h = strdup(href);
    if (!t || !h) {
        free(t);
        free(h);
        return -1;
    }
    d->links[d->nlinks].token = t;
    d->links[d->nlinks].href = h;
    d->nlinks++;
    return 0;
}

int mcx_ad_add_sipaccess(mcx_ad_doc *d, const char *name, const char *fqdn, int port)
{
    if (!d || !name || !fqdn || d->nsipaccess >= MCX_AD_MAX_SIPACCESS)
        return -1;
    char *n = strdup(name);
    char *f = strdup(fqdn);
    if (!n || !f) {
        free(n);
        free(f);
        return -1;
    }
    d->sipaccess[d->nsipaccess].name = n;
    d->sipaccess[d->nsipaccess].fqdn = f;
    d->sipaccess[d->nsipaccess].port = port;
    d->nsipaccess++;
    return 0;
}

void mcx_ad_doc_clear(mcx_ad_doc *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->nlinks; i++) {
        free(d->links[i].token);
        free(d->links[i].href);
    }
    for (size_t i = 0; i < d->nsipaccess; i++) {
        free(d->sipaccess[i].name);
        free(d->sipaccess[i].fqdn);
    }
    mcx_ad_kind kind = d->kind;
    mcx_access access = d->access_location;
    int has_access = d->has_access_location;
    memset(d, 0, sizeof *d);
    d->kind = kind;
    d->access_location = access;
    d->has_access_location = has_access;
}

const mcx_ad_link *mcx_ad_find_link(const mcx_ad_doc *d, const char *token)
{
    if (!d || !token)
        return NULL;
    for (size_t i = 0; i < d->nlinks; i++)
        if (d->links[i].token && strcasecmp(d->links[i].token, token) == 0)
            return &d->links[i];
    return NULL;
}

const mcx_ad_sipaccess *mcx_ad_find_sipaccess(const mcx_ad_doc *d, const char *name)
{
    if (!d || !name)
        return NULL;
    for (size_t i = 0; i < d->nsipaccess; i++)
        if (d->sipaccess[i].name && strcasecmp(d->sipaccess[i].name, name) == 0)
            return &d->sipaccess[i];
    return NULL;
}

const char *mcx_ad_kind_name(mcx_ad_kind kind)
{
    switch (kind) {
    case MCX_AD_ROOT:
        return "Root";
    case MCX_AD_DOMAIN:
        return "Domain";
    case MCX_AD_USER:
        return "User";
    }
    return "Root";
}

const char *mcx_ad_access_name(mcx_access access)
{
    return access == MCX_ACCESS_INTERNAL ? "Internal" : "External";
}
