/*
 * dns_decode.h -- DNS messages on the wire, both ways, through ldns
 * (lib/dns_decode.c): decoding a captured message (ldns_wire2pkt) into a
 * flat summary, and building the queries and answers golden captures hold
 * (ldns_pkt_query_new, ldns_pkt2wire).
 * Owns: those wrappers. Does not own: what the answers should be
 * (dns_rules.h, pcap_rules.c).
 */
#ifndef MCX_DNS_DECODE_H
#define MCX_DNS_DECODE_H

#include <stddef.h>
#include <stdint.h>

#define MCX_DNS_MSG_MAX_ANSWERS 16

typedef struct mcx_dns_msg {
    uint16_t id;
    int is_response;
    int rcode;                 /* 0 NOERROR, 3 NXDOMAIN, ... */
    char qname[256];           /* lower case, no trailing dot; "" if none */
    uint16_t qtype;
    size_t nanswers;           /* answers kept (A, AAAA, CNAME) */
    uint16_t answer_type[MCX_DNS_MSG_MAX_ANSWERS];
    char answer[MCX_DNS_MSG_MAX_ANSWERS][256]; /* address or CNAME target */
} mcx_dns_msg;

/* Decode. 0, or -1 with a reason in why. */
int mcx_dns_decode(const uint8_t *wire, size_t len, mcx_dns_msg *out, char *why, size_t whylen);

/* A bounded memo of decoded messages for captures that repeat the same
 * lookups: a message equal to an earlier one in everything but the ID
 * (compared byte for byte) gets the earlier summary with its own ID, as
 * mcx_dns_decode would give. Messages that fail to decode are not kept. */
#define MCX_DNS_CACHE_SLOTS 64
#define MCX_DNS_CACHE_MAX_WIRE 512
typedef struct mcx_dns_cache mcx_dns_cache;
mcx_dns_cache *mcx_dns_cache_new(void); /* NULL when out of memory */
void mcx_dns_cache_free(mcx_dns_cache *c);
/* mcx_dns_decode through the memo; `c` may be NULL (plain decode). */
int mcx_dns_decode_cached(mcx_dns_cache *c, const uint8_t *wire, size_t len, mcx_dns_msg *out,
                          char *why, size_t whylen);
/* The same without copying the summary (about 4 KiB): the decoded message,
 * in the memo's slot or in `scratch`, valid until the next call with `c`
 * (or until `scratch` changes); NULL with a reason in why. */
const mcx_dns_msg *mcx_dns_decode_memo(mcx_dns_cache *c, const uint8_t *wire, size_t len,
                                       mcx_dns_msg *scratch, char *why, size_t whylen);

/* Build a query (RD set) for qname/qtype with `id`. Returns a malloc'd wire
 * buffer, or NULL. */
uint8_t *mcx_dns_build_query(const char *qname, uint16_t qtype, uint16_t id, size_t *len);
/* Build the response to that query: rcode, and `naddrs` A/AAAA records
 * (presentation addresses of qtype) with `ttl`. */
uint8_t *mcx_dns_build_response(const char *qname, uint16_t qtype, uint16_t id, int rcode,
                                const char *const *addrs, size_t naddrs, uint32_t ttl,
                                size_t *len);

#endif
