/*
 * doc_cache.c -- the per-process render cache of Root and Domain documents
 * (doc_cache.h). Entries are keyed by pool index, side, kind and
 * representation, and valid for one topology and one set of --break flags:
 * a different topology pointer or flag set empties the cache first, and
 * mcxd_main.c flushes it on every reload, so a freed topology whose address
 * is reused cannot hit a stale entry.
 */
#include <stdlib.h>
#include <string.h>
#include "doc_cache.h"

#define SIDES 2
#define KINDS 2 /* Root, Domain */
#define REPRS 3

typedef struct doc_entry {
    char *body;
    size_t len;
    int filled;
} doc_entry;

struct mcxd_doc_cache {
    const mcx_topology *topo;
    unsigned breaks;
    doc_entry *entries; /* npools * SIDES * KINDS * REPRS */
    size_t nentries;
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
    c->topo = NULL;
}

void mcxd_doc_cache_free(mcxd_doc_cache *c)
{
    mcxd_doc_cache_flush(c);
    free(c);
}

static int render_fresh(const mcxd_config *cfg, const mcx_pool *pool, mcx_access side,
                        mcx_ad_kind kind, mcx_repr repr, char **body, size_t *len)
{
    mcx_ad_doc doc;
    memset(&doc, 0, sizeof(doc));
    int rc = kind == MCX_AD_ROOT ? mcxd_doc_root(cfg, pool, side, &doc)
                                 : mcxd_doc_domain(cfg, pool, side, &doc);
    if (rc == 0)
        rc = mcx_ad_render(&doc, repr, body, len);
    mcx_ad_doc_clear(&doc);
    return rc == 0 ? 0 : -1;
}

static doc_entry *lookup(mcxd_doc_cache *c, const mcxd_config *cfg, const mcx_pool *pool,
                         mcx_access side, mcx_ad_kind kind, mcx_repr repr)
{
    const mcx_topology *t = cfg->topo;
    if (kind != MCX_AD_ROOT && kind != MCX_AD_DOMAIN)
        return NULL;
    if (pool < t->pools || pool >= t->pools + t->npools || (int)repr < 0 || repr >= REPRS)
        return NULL;
    if (c->topo != t || c->breaks != cfg->breaks) {
        mcxd_doc_cache_flush(c);
        c->entries = calloc(t->npools * SIDES * KINDS * REPRS, sizeof(doc_entry));
        if (!c->entries)
            return NULL;
        c->nentries = t->npools * SIDES * KINDS * REPRS;
        c->topo = t;
        c->breaks = cfg->breaks;
    }
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
        return render_fresh(cfg, pool, side, kind, repr, body, len);
    if (!e->filled) {
        if (render_fresh(cfg, pool, side, kind, repr, &e->body, &e->len) != 0)
            return -1;
        e->filled = 1;
    }
    *body = malloc(e->len + 1);
    if (!*body)
        return -1;
    memcpy(*body, e->body, e->len);
    (*body)[e->len] = '\0';
    *len = e->len;
    return 0;
}
