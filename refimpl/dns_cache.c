/*
 * dns_cache.c -- mcxdns's per-event-loop answer cache (see dns_cache.h and
 * the public half in dns_responder.h).
 *
 * Owns: the key of a query (from the query ldns parsed), its hash, a
 * fixed table of 4096 slots with linear probing, cleared when 3/4 full,
 * and the hit/miss/clear counters. Does not own: deciding what may be
 * cached (dns_responder.c never caches a faulted name) or building
 * answers.
 */
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "dns_cache.h"
#include "dns_responder.h"

typedef struct cache_entry {
    mcxdns_cache_key key;
    uint64_t hash;
    uint8_t *wire; /* NULL = empty slot */
    size_t len;
} cache_entry;

struct mcxdns_cache {
    cache_entry slots[MCXDNS_CACHE_SLOTS];
    size_t used;
    mcxdns_cache_stats stats;
};

mcxdns_cache *mcxdns_cache_new(void)
{
    return calloc(1, sizeof(mcxdns_cache));
}

void mcxdns_cache_clear(mcxdns_cache *c)
{
    if (c == NULL) return;
    for (size_t i = 0; i < MCXDNS_CACHE_SLOTS; i++) {
        free(c->slots[i].wire);
        c->slots[i].wire = NULL;
    }
    c->used = 0;
    c->stats.clears++;
}

void mcxdns_cache_free(mcxdns_cache *c)
{
    if (c == NULL) return;
    mcxdns_cache_clear(c);
    free(c);
}

mcxdns_cache_stats mcxdns_cache_get_stats(const mcxdns_cache *c)
{
    return c->stats;
}

int mcxdns_cache_key_of(const ldns_pkt *q, const ldns_rr *question, int over_tcp,
                        mcxdns_cache_key *k)
{
    const ldns_rdf *owner = ldns_rr_owner(question);

    memset(k, 0, sizeof *k);
    if (ldns_rdf_size(owner) > sizeof k->name) return -1;
    memcpy(k->name, ldns_rdf_data(owner), ldns_rdf_size(owner));
    k->namelen = (uint8_t)ldns_rdf_size(owner);
    k->qtype = (uint16_t)ldns_rr_get_type(question);
    k->qclass = (uint16_t)ldns_rr_get_class(question);
    k->rd = ldns_pkt_rd(q);
    k->cd = ldns_pkt_cd(q);
    k->edns = ldns_pkt_edns(q);
    if (k->edns) {
        k->edns_size = ldns_pkt_edns_udp_size(q);
        k->edns_version = ldns_pkt_edns_version(q);
    }
    k->over_tcp = (uint8_t)(over_tcp != 0);
    return 0;
}

/* FNV-1a over the key's bytes (the struct is zeroed first, so padding and
 * the unused tail of the name are zero). */
uint64_t mcxdns_cache_hash(const mcxdns_cache_key *k)
{
    const uint8_t *b = (const uint8_t *)k;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < sizeof *k; i++)
        h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

/* The slot holding `k`, or the empty slot where it would go (linear
 * probing; the table is cleared before it gets full). */
static cache_entry *cache_slot(mcxdns_cache *c, const mcxdns_cache_key *k, uint64_t h)
{
    for (size_t i = 0; i < MCXDNS_CACHE_SLOTS; i++) {
        cache_entry *e = &c->slots[(h + i) % MCXDNS_CACHE_SLOTS];
        if (e->wire == NULL || (e->hash == h && memcmp(&e->key, k, sizeof *k) == 0)) return e;
    }
    return NULL;
}

uint8_t *mcxdns_cache_lookup(mcxdns_cache *c, const mcxdns_cache_key *k, uint64_t h,
                             const uint8_t *query, size_t *outlen)
{
    cache_entry *e = cache_slot(c, k, h);
    uint8_t *out;

    if (e == NULL || e->wire == NULL) {
        c->stats.misses++;
        return NULL;
    }
    out = malloc(e->len);
    if (out == NULL) return NULL;
    memcpy(out, e->wire, e->len);
    out[0] = query[0]; /* the ID: the only byte the query changes */
    out[1] = query[1];
    *outlen = e->len;
    c->stats.hits++;
    return out;
}

void mcxdns_cache_store(mcxdns_cache *c, const mcxdns_cache_key *k, uint64_t h, const uint8_t *wire,
                        size_t len)
{
    cache_entry *e;

    if (c->used >= MCXDNS_CACHE_SLOTS * 3 / 4) mcxdns_cache_clear(c); /* clear when full */
    e = cache_slot(c, k, h);
    if (e == NULL || e->wire != NULL) return;
    e->wire = malloc(len);
    if (e->wire == NULL) return;
    memcpy(e->wire, wire, len);
    e->len = len;
    e->key = *k;
    e->hash = h;
    c->used++;
}
