/*
 * dns_cache.h -- the private half of mcxdns's answer cache, shared by
 * dns_responder.c (which asks it) and dns_cache.c (which holds it). The
 * public half (mcxdns_cache_new/clear/free/stats) is in dns_responder.h.
 *
 * Owns: the cache key. Everything an answer depends on besides the view:
 * the question name's wire bytes exactly as ldns decoded them (case kept,
 * so 0x20-mixed queries get their own entries and every cached answer is
 * byte-identical to a fresh one), type, class, the header bits copied into
 * the answer, EDNS (present, size, version) and the transport. Does not
 * own: answers, faults, sockets.
 */
#ifndef MCXDNS_CACHE_H
#define MCXDNS_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

#include "dns_responder.h"

typedef struct mcxdns_cache_key {
    uint8_t name[LDNS_MAX_DOMAINLEN + 1];
    uint8_t namelen;
    uint16_t qtype, qclass, edns_size;
    uint8_t rd, cd, edns, edns_version, over_tcp;
} mcxdns_cache_key;

/* Fill *k (zeroed first: it is hashed and compared as bytes) for the
 * parsed query `q` and its question. 0, or -1 when the name does not fit. */
int mcxdns_cache_key_of(const ldns_pkt *q, const ldns_rr *question, int over_tcp,
                        mcxdns_cache_key *k);
uint64_t mcxdns_cache_hash(const mcxdns_cache_key *k);
/* A malloc'd copy of the cached answer with the query's ID (its first two
 * bytes), or NULL on a miss. */
uint8_t *mcxdns_cache_lookup(mcxdns_cache *c, const mcxdns_cache_key *k, uint64_t h,
                             const uint8_t *query, size_t *outlen);
/* Keep a copy of `wire` for k (clearing the table first when 3/4 full). */
void mcxdns_cache_store(mcxdns_cache *c, const mcxdns_cache_key *k, uint64_t h, const uint8_t *wire,
                        size_t len);

#endif
