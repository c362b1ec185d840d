/*
 * doc_cache.c -- the per-process render cache of Root and Domain documents
 * and of plain-HTTP Redirect documents (doc_cache.h). Root/Domain entries
 * are keyed by pool index, side, kind and representation; Redirect entries
 * also by their href, in REDIRECT_SLOTS slots replaced in turn (no clock, so
 * the same requests give the same hits). Everything is valid for one
 * topology and one set of --break flags: a different topology pointer or
 * flag set empties the cache first, and mcxd_main.c flushes it on every
 * reload, so a freed topology whose address is reused cannot hit a stale
 * entry.
 *
 * Owns: cache memory and lookups. Does not own: document contents
 * (autodiscover_resources.c) nor rendering (lib/autodiscover_render.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "doc_cache.h"

#define SIDES 2
#define KINDS 2 /* Root, Domain */
#define REPRS 3
#define REDIRECT_SLOTS 32

typedef struct doc_entry {
    char *body;
    size_t len;
    int filled;
} doc_entry;

typedef struct redirect_entry {
    char *href; /* NULL: slot empty */
    size_t pool_index;
    mcx_access side;
    mcx_ad_kind kind;
    mcx_repr repr;
    char *body;
    size_t len;
} redirect_entry;

struct mcxd_doc_cache {
    const mcx_topology *topo;
    unsigned breaks;
    doc_entry *entries; /* npools * SIDES * KINDS * REPRS */
    size_t nentries;
    redirect_entry redirects[REDIRECT_SLOTS];
    size_t next_redirect; /* the slot a miss fills next */
    time_t date_for;      /* the second `date` shows; valid when date[0] */
    char date[64];
};

mcxd_doc_cache *mcxd_doc_cache_new(void)
{
    return calloc(1, sizeof(mcxd_doc_cache));
}

void mcxd_doc_cache_flush(mcxd_doc_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nentries; i++)
        free(c->entries[i].body);
    free(c->entries);
    c->entries = NULL;
    c->nentries = 0;
    for (size_t i = 0; i < REDIRECT_SLOTS; i++) {
        free(c->redirects[i].href);
        free(c->redirects[i].body);
    }
    memset(c->redirects, 0, sizeof(c->redirects));
    c->next_redirect = 0;
    c->topo = NULL;
}

void mcxd_doc_cache_free(mcxd_doc_cache *c)
{
    mcxd_doc_cache_flush(c);
    free(c);
}

/* Render without the cache: the single-Redirect document of `kind` when
 * `href` is set, else the Root or Domain document. */
static int render_fresh(const mcxd_config *cfg, const mcx_pool *pool, mcx_access side,
                        mcx_ad_kind kind, mcx_repr repr, const char *href, char **body,
                        size_t *len)
{
    mcx_ad_doc doc;
    memset(&doc, 0, sizeof(doc));
    int rc;
    if (href)
        rc = mcxd_doc_redirect(cfg, pool, kind, side, href, &doc);
    else if (kind == MCX_AD_ROOT)
        rc = mcxd_doc_root(cfg, pool, side, &doc);
    else
        rc = mcxd_doc_domain(cfg, pool, side, &doc);
    if (rc == 0)
        rc = mcx_ad_render(&doc, repr, body, len);
    mcx_ad_doc_clear(&doc);
    return rc == 0 ? 0 : -1;
}

/* Make the cache belong to cfg's topology and --break flags (emptying it
 * when they changed). 0, or -1 when `pool` or `repr` cannot be cached or
 * memory is short (the caller then renders without the cache). */
static int cache_sync(mcxd_doc_cache *c, const mcxd_config *cfg, const mcx_pool *pool,
                      mcx_repr repr)
{
    const mcx_topology *t = cfg->topo;
    if (pool < t->pools || pool >= t->pools + t->npools || (int)repr < 0 || repr >= REPRS)
        return -1;
    if (c->topo != t || c->breaks != cfg->breaks) {
        mcxd_doc_cache_flush(c);
        c->entries = calloc(t->npools * SIDES * KINDS * REPRS, sizeof(doc_entry));
        if (!c->entries)
            return -1;
        c->nentries = t->npools * SIDES * KINDS * REPRS;
        c->topo = t;
        c->breaks = cfg->breaks;
    }
    return 0;
}

/* A malloc'd, NUL-terminated copy of cached bytes for the response. */
static int copy_out(const char *cached, size_t cached_len, char **body, size_t *len)
{
    *body = malloc(cached_len + 1);
    if (!*body)
        return -1;
    memcpy(*body, cached, cached_len);
    (*body)[cached_len] = '\0';
    *len = cached_len;
    return 0;
}

static doc_entry *lookup(mcxd_doc_cache *c, const mcxd_config *cfg, const mcx_pool *pool,
                         mcx_access side, mcx_ad_kind kind, mcx_repr repr)
{
    const mcx_topology *t = cfg->topo;
    if (kind != MCX_AD_ROOT && kind != MCX_AD_DOMAIN)
        return NULL;
    if (cache_sync(c, cfg, pool, repr) != 0)
        return NULL;
    size_t i = (((size_t)(pool - t->pools) * SIDES + (side == MCX_ACCESS_EXTERNAL)) * KINDS +
                (kind == MCX_AD_DOMAIN)) * REPRS + (size_t)repr;
    return &c->entries[i];
}

int mcxd_doc_cache_render(mcxd_doc_cache *c, const mcxd_config *cfg, const mcx_pool *pool,
                          mcx_access side, mcx_ad_kind kind, mcx_repr repr, char **body,
                          size_t *len)
{
    doc_entry *e = c ? lookup(c, cfg, pool, side, kind, repr) : NULL;
    if (!e)
        return render_fresh(cfg, pool, side, kind, repr, NULL, body, len);
    if (!e->filled) {
        if (render_fresh(cfg, pool, side, kind, repr, NULL, &e->body, &e->len) != 0)
            return -1;
        e->filled = 1;
    }
    return copy_out(e->body, e->len, body, len);
}

int mcxd_doc_cache_redirect(mcxd_doc_cache *c, const mcxd_config *cfg, const mcx_pool *pool,
                            mcx_access side, mcx_ad_kind kind, mcx_repr repr,
                            const char *href, char **body, size_t *len)
{
    if (!c || cache_sync(c, cfg, pool, repr) != 0)
        return render_fresh(cfg, pool, side, kind, repr, href, body, len);
    size_t pool_index = (size_t)(pool - cfg->topo->pools);
    for (size_t i = 0; i < REDIRECT_SLOTS; i++) {
        const redirect_entry *e = &c->redirects[i];
        if (e->href && e->pool_index == pool_index && e->side == side && e->kind == kind &&
            e->repr == repr && strcmp(e->href, href) == 0)
            return copy_out(e->body, e->len, body, len);
    }
    char *rendered = NULL, *href_copy = strdup(href);
    size_t rendered_len = 0;
    if (!href_copy || render_fresh(cfg, pool, side, kind, repr, href, &rendered,
                                   &rendered_len) != 0) {
        free(href_copy);
        free(rendered);
        return -1;
    }
    redirect_entry *e = &c->redirects[c->next_redirect];
    c->next_redirect = (c->next_redirect + 1) % REDIRECT_SLOTS;
    free(e->href);
    free(e->body);
    *e = (redirect_entry){.href = href_copy, .pool_index = pool_index, .side = side,
                          .kind = kind, .repr = repr, .body = rendered, .len = rendered_len};
    return copy_out(e->body, e->len, body, len);
}

static void format_http_date(time_t now, char *buf, size_t buflen)
{
    struct tm tm;
    time_t t = now;
    if (!gmtime_r(&t, &tm) ||
        strftime(buf, buflen, "%a, %d %b %Y %H:%M:%S GMT", &tm) == 0)
        snprintf(buf, buflen, "Thu, 01 Jan 1970 00:00:00 GMT");
}

const char *mcxd_doc_cache_http_date(mcxd_doc_cache *c, time_t now, char *buf, size_t buflen)
{
    if (!c) {
        format_http_date(now, buf, buflen);
        return buf;
    }
    if (!c->date[0] || c->date_for != now) {
        format_http_date(now, c->date, sizeof(c->date));
        c->date_for = now;
    }
    return c->date;
}
