/*
 * validate_cache.h -- a bounded cache of Autodiscover parse + validate
 * results for `pcap verify` (lib/validate_cache.c). Internal to lib/.
 *
 * Owns: replaying the findings mcx_ad_parse + mcx_ad_validate produced for
 * an identical input instead of parsing again. The key is the whole input
 * the two functions depend on: content type, body bytes, URL, over_http and
 * expect_access; the topology is fixed for the life of one cache. Entries
 * are compared byte for byte (the hash only picks the slot), so a hit gives
 * exactly the findings a fresh run would.
 * Does not own: parsing or validating (autodiscover_parse.c,
 * autodiscover_validate.c) nor which responses are documents
 * (pcap_rules.c).
 *
 * Bounds: MCX_VCACHE_SLOTS entries, bodies above MCX_VCACHE_MAX_BODY bytes
 * are never cached.
 */
#ifndef MCX_VALIDATE_CACHE_H
#define MCX_VALIDATE_CACHE_H

#include <stddef.h>

#include "mcx/report.h"
#include "mcx/topology.h"

#define MCX_VCACHE_SLOTS 64
#define MCX_VCACHE_MAX_BODY (64 * 1024)

typedef struct mcx_vcache mcx_vcache;

/* NULL when out of memory (callers then validate uncached). */
mcx_vcache *mcx_vcache_new(const mcx_topology *topo);
void mcx_vcache_free(mcx_vcache *c);

/* mcx_ad_parse(content_type, body, len) and, when it succeeds,
 * mcx_ad_validate with {topo, over_http, expect_access}; their findings go
 * to `rep`. Returns mcx_ad_parse's result. `c` may be NULL: no caching. */
int mcx_vcache_check(mcx_vcache *c, const mcx_topology *topo, const char *content_type,
                     const char *body, size_t len, int over_http, int expect_access,
                     mcx_report *rep, const char *url);

/* Lookups answered from the cache so far. */
unsigned long mcx_vcache_hits(const mcx_vcache *c);

#endif
