/*
 * doc_cache.h -- rendered Autodiscover documents that do not depend on the
 * request beyond (pool, side, kind, representation): Root and Domain over
 * HTTPS, and the single-Redirect documents plain HTTP answers with (keyed by
 * their href as well). mcxd renders each once per topology instead of once
 * per request. It also keeps the last formatted Date header value.
 *
 * Owns: the cache object, lookup and fill. Does not own: what a document
 * holds (autodiscover_resources.c) nor rendering (lib/autodiscover_render.c).
 * The cache belongs to one mcxd process (mcxd_main.c creates it, flushes it
 * when SIGHUP swaps the topology, frees it); it is never global.
 */
#ifndef MCXD_DOC_CACHE_H
#define MCXD_DOC_CACHE_H

#include <stddef.h>
#include "mcxd_http.h"

mcxd_doc_cache *mcxd_doc_cache_new(void);
void mcxd_doc_cache_free(mcxd_doc_cache *c);
/* Drop every entry (the topology changed). */
void mcxd_doc_cache_flush(mcxd_doc_cache *c);

/* Render (or fetch) the Root or Domain document of `pool` on `side` in
 * `repr`. On success returns 0 and a malloc'd copy of the bytes in
 * `body` (`len` bytes). A NULL cache renders without caching. */
int mcxd_doc_cache_render(mcxd_doc_cache *c, const mcxd_config *cfg, const mcx_pool *pool,
                          mcx_access side, mcx_ad_kind kind, mcx_repr repr, char **body,
                          size_t *len);

/* The same for the single-Redirect document of `kind` pointing at `href`
 * (mcxd_doc_redirect). The href comes from the request (Host, sipuri), so
 * these entries live in a small fixed set of slots, reused in turn. */
int mcxd_doc_cache_redirect(mcxd_doc_cache *c, const mcxd_config *cfg, const mcx_pool *pool,
                            mcx_access side, mcx_ad_kind kind, mcx_repr repr,
                            const char *href, char **body, size_t *len);

/* The HTTP Date header value for `now` ("Thu, 01 Jan 2026 00:00:00 GMT"),
 * formatted once per distinct second. The string stays valid until the next
 * call. A NULL cache formats into `buf` (at least 64 bytes) and returns it. */
const char *mcxd_doc_cache_http_date(mcxd_doc_cache *c, time_t now, char *buf, size_t buflen);

#endif
