/*
 * topology_query.c -- lookups over a loaded topology model, freeing it, and
 * the mcx_error helpers.
 *
 * Owns: mcx_topology_find_pool/find_user/autodiscover_pool/has_sip_domain,
 * mcx_topology_uri_domain, mcx_topology_free, mcx_error_set and
 * mcx_error_format. Does not own: loading or validating a topology
 * (topology_load.c) nor the cross-field rules (topology_rules.c).
 */
#include "mcx/topology.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void mcx_error_set(mcx_error *e, const char *file, int line, const char *rule,
                   const char *fmt, ...)
{
    va_list ap;

    if (e == NULL)
        return;
    snprintf(e->file, sizeof e->file, "%s", file ? file : "");
    e->line = line;
    snprintf(e->rule, sizeof e->rule, "%s", rule ? rule : "");
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
}

void mcx_error_format(const mcx_error *e, char *buf, size_t len)
{
    if (buf == NULL || len == 0)
        return;
    if (e == NULL) {
        buf[0] = '\0';
        return;
    }
    if (e->line > 0)
        snprintf(buf, len, "%s:%d: %s: %s", e->file, e->line, e->rule, e->message);
    else
        snprintf(buf, len, "%s: %s: %s", e->file, e->rule, e->message);
}

static void free_endpoint(mcx_endpoint *ep)
{
    free(ep->fqdn);
}

void mcx_topology_free(mcx_topology *t)
{
    size_t i;

    if (t == NULL)
        return;
    free(t->source);
    for (i = 0; i < t->nsip_domains; i++)
        free(t->sip_domains[i]);
    free(t->sip_domains);
    for (i = 0; i < t->npools; i++) {
        mcx_pool *p = &t->pools[i];
        free(p->id);
        free(p->internal_web_fqdn);
        free(p->external_web_fqdn);
        free(p->internal_ip);
        free(p->external_ip);
        free(p->internal_cert_file);
        free(p->internal_key_file);
        free(p->external_cert_file);
        free(p->external_key_file);
        free_endpoint(&p->sip_server_internal);
        free_endpoint(&p->sip_client_internal);
        free_endpoint(&p->sip_server_external);
        free_endpoint(&p->sip_client_external);
    }
    free(t->pools);
    free(t->reverse_proxy_fqdn);
    free(t->reverse_proxy_ip);
    for (i = 0; i < t->nusers; i++) {
        free(t->users[i].sip_uri);
        free(t->users[i].password);
        free(t->users[i].home_pool);
        free(t->users[i].display_name);
        free(t->users[i].title);
        free(t->users[i].department);
        for (size_t k = 0; k < t->users[i].ncontacts; k++) {
            free(t->users[i].contacts[k].sip_uri);
            free(t->users[i].contacts[k].group);
        }
        free(t->users[i].contacts);
    }
    free(t->users);
    free(t->online_autodiscover_url);
    free(t);
}

const mcx_pool *mcx_topology_find_pool(const mcx_topology *t, const char *id)
{
    size_t i;

    if (t == NULL || id == NULL)
        return NULL;
    for (i = 0; i < t->npools; i++)
        if (strcasecmp(t->pools[i].id, id) == 0)
            return &t->pools[i];
    return NULL;
}

/* Skip a leading "sip:" (any case). */
static const char *strip_sip_scheme(const char *uri)
{
    if (strncasecmp(uri, "sip:", 4) == 0)
        return uri + 4;
    return uri;
}

/* Returns every user listed, enabled or not: callers decide what a user
 * not enabled for Lync means (mcxd answers 404 as for an unknown user). */
const mcx_user *mcx_topology_find_user(const mcx_topology *t, const char *sip_uri)
{
    const char *want;
    size_t i;

    if (t == NULL || sip_uri == NULL)
        return NULL;
    want = strip_sip_scheme(sip_uri);
    for (i = 0; i < t->nusers; i++)
        if (strcasecmp(strip_sip_scheme(t->users[i].sip_uri), want) == 0)
            return &t->users[i];
    return NULL;
}

const mcx_pool *mcx_topology_autodiscover_pool(const mcx_topology *t)
{
    size_t i;

    if (t == NULL || t->npools == 0)
        return NULL;
    for (i = 0; i < t->npools; i++)
        if (t->pools[i].is_director)
            return &t->pools[i];
    for (i = 0; i < t->npools; i++)
        if (!t->pools[i].is_director)
            return &t->pools[i];
    return NULL;
}

int mcx_topology_has_sip_domain(const mcx_topology *t, const char *domain)
{
    size_t i;

    if (t == NULL || domain == NULL)
        return 0;
    for (i = 0; i < t->nsip_domains; i++)
        if (strcasecmp(t->sip_domains[i], domain) == 0)
            return 1;
    return 0;
}

const char *mcx_topology_uri_domain(const char *sip_uri)
{
    const char *at;

    if (sip_uri == NULL)
        return NULL;
    at = strrchr(sip_uri, '@');
    return at ? at + 1 : NULL;
}
