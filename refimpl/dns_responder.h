/*
 * dns_responder.h -- mcxdns, the reference DNS responder: an authoritative
 * server for the views of a dnsfixtures scenario (or the records a topology
 * needs), one listening address per view, UDP and TCP.
 *
 * Owns: turning one query (wire bytes) into the answer of a view (ldns
 * parses the query and writes the answer: AA, NXDOMAIN vs NODATA with the
 * SOA in the authority section, CNAME chasing inside the view's zones,
 * REFUSED outside them, FORMERR/NOTIMP for bad queries, TC over UDP above
 * 512 bytes without EDNS), injectable faults per name (no answer, SERVFAIL,
 * delay, and hostile answers: wrong ID, wrong question, truncated,
 * compression loop, garbage, oversized), the view a topology implies, and the libevent sockets (UDP
 * datagrams, TCP with 2-byte framing). Deterministic: the only "random"
 * bytes (garbage fault) come from a seed and the query ID. Does not own: the view model and lookups
 * (include/mcx/dns_view.h), scenario files (include/mcx/dns_scenario.h),
 * the process (mcxdns_main.c).
 */
#ifndef MCXDNS_RESPONDER_H
#define MCXDNS_RESPONDER_H

#include <stddef.h>
#include <stdint.h>

#include "mcx/dns_rules.h"
#include "mcx/dns_view.h"
#include "mcx/topology.h"

struct event_base;

/* Hostile faults build the proper answer with ldns, then corrupt its bytes
 * on purpose (deliberate damage for tests, not DNS wire code). */
typedef enum {
    MCXDNS_FAULT_NOANSWER = 0,       /* drop the query */
    MCXDNS_FAULT_SERVFAIL,           /* answer SERVFAIL */
    MCXDNS_FAULT_DELAY,              /* answer normally after delay_ms */
    MCXDNS_FAULT_WRONG_ID,           /* the answer's ID is the query's + 1 */
    MCXDNS_FAULT_WRONG_QUESTION,     /* first letter of the question name changed */
    MCXDNS_FAULT_TRUNCATED,          /* cut in the middle of the last record */
    MCXDNS_FAULT_COMPRESSION_LOOP,   /* question name = a pointer to itself */
    MCXDNS_FAULT_GARBAGE,            /* all but ID and flags: bytes from the seed */
    MCXDNS_FAULT_OVERSIZED           /* > 3000 bytes over UDP, TC clear */
} mcxdns_fault_kind;

/* The fault names as the command line and scenario files spell them, by
 * kind ("delay" takes ":MS"). */
extern const char *const mcxdns_fault_names[];
#define MCXDNS_FAULT_KINDS 9

typedef struct mcxdns_fault {
    char name[MCX_DNS_NAME_MAX]; /* normalised query name it applies to */
    mcxdns_fault_kind kind;
    unsigned delay_ms;
} mcxdns_fault;

/* Largest delay a fault may ask for. */
#define MCXDNS_MAX_DELAY_MS 60000

/* Parse "NAME=KIND" where KIND is a name of mcxdns_fault_names ("delay:MS"
 * for a delay). 0, or -1 with a reason in why. */
int mcxdns_fault_parse(const char *spec, mcxdns_fault *out, char *why, size_t whylen);

/* One view being served: the view plus its records pre-built as ldns RRs. */
typedef struct mcxdns_zoneset mcxdns_zoneset;

/* Take ownership of `view` (freed with the zoneset) and copy `faults`.
 * NULL on out of memory or when a record cannot be built (why says which). */
mcxdns_zoneset *mcxdns_zoneset_new(mcx_dns_view *view, const mcxdns_fault *faults, size_t nfaults,
                                   char *why, size_t whylen);
void mcxdns_zoneset_free(mcxdns_zoneset *zs);
/* The seed of the "garbage" fault's bytes (default 0); the bytes are a pure
 * function of the seed and the query's ID. */
void mcxdns_zoneset_set_seed(mcxdns_zoneset *zs, uint64_t seed);

/* The view the seed requires for `vantage`, generated from a topology:
 * internal: lyncdiscoverinternal.<d> CNAME the Autodiscover pool's internal
 * web FQDN, each pool's internal web FQDN A its internal IP, each external
 * web FQDN A the reverse proxy's IP (split-brain); external: lyncdiscover.<d>
 * CNAME the Autodiscover pool's external web FQDN, external web FQDNs A the
 * reverse proxy's IP. `domain` NULL = every SIP domain of the topology. One
 * zone (with an SOA) per SIP domain and per parent of a name outside them.
 * NULL on error (err set, rule "topology"). */
mcx_dns_view *mcxdns_view_from_topology(const mcx_topology *t, mcx_dns_vantage vantage,
                                        const char *domain, mcx_error *err);

typedef enum {
    MCXDNS_REPLY_SEND = 0, /* send *out now */
    MCXDNS_REPLY_DELAY,    /* send *out after *delay_ms */
    MCXDNS_REPLY_DROP      /* send nothing (*out is NULL) */
} mcxdns_reply;

/* Answer one query. `over_tcp` lifts the UDP size limit. On SEND/DELAY *out
 * is a malloc'd wire message of *outlen bytes (caller frees). Never fails
 * on bad input: garbage is dropped or answered FORMERR. */
mcxdns_reply mcxdns_answer(const mcxdns_zoneset *zs, const uint8_t *query, size_t len,
                           int over_tcp, uint8_t **out, size_t *outlen, unsigned *delay_ms);

/* A per-thread cache of rendered answers (not thread-safe; one per event
 * loop). An answer is a pure function of the view and of what the key in
 * refimpl/dns_cache.h holds, so a hit returns the stored bytes with the
 * query's ID: byte-identical to mcxdns_answer(). Faulted names are never
 * cached. Bounded: cleared when 3/4 full. No reload exists today; a future
 * reload must call mcxdns_cache_clear. */
#define MCXDNS_CACHE_SLOTS 4096

typedef struct mcxdns_cache mcxdns_cache;

typedef struct mcxdns_cache_stats {
    unsigned long long hits, misses, clears;
} mcxdns_cache_stats;

mcxdns_cache *mcxdns_cache_new(void);
void mcxdns_cache_clear(mcxdns_cache *c);
void mcxdns_cache_free(mcxdns_cache *c);
mcxdns_cache_stats mcxdns_cache_get_stats(const mcxdns_cache *c);

/* mcxdns_answer through `cache` (NULL = no cache). One cache serves one
 * zoneset only. */
mcxdns_reply mcxdns_answer_cached(mcxdns_cache *cache, const mcxdns_zoneset *zs,
                                  const uint8_t *query, size_t len, int over_tcp, uint8_t **out,
                                  size_t *outlen, unsigned *delay_ms);

/* The sockets: one server, any number of listeners (each serving one
 * zoneset on ADDR:PORT over UDP and TCP). */
typedef struct mcxdns_server mcxdns_server;

mcxdns_server *mcxdns_server_new(struct event_base *base, int quiet);
/* Listen on addr:port (IPv4 or IPv6 literal) for `zs` (not owned). 0, or
 * -1 with a reason in why. */
int mcxdns_server_listen(mcxdns_server *srv, const mcxdns_zoneset *zs, const char *addr, int port,
                         char *why, size_t whylen);
/* mcxdns_server_listen with flags: MCXDNS_LISTEN_UDP_REUSEPORT lets the
 * UDP sockets of several servers (one per thread, --threads) share the
 * address (SO_REUSEPORT); MCXDNS_LISTEN_NO_TCP serves UDP only (the other
 * threads: TCP stays with the first, so a second mcxdns on the same
 * address still fails to bind). */
#define MCXDNS_LISTEN_UDP_REUSEPORT 1u
#define MCXDNS_LISTEN_NO_TCP 2u
int mcxdns_server_listen_opts(mcxdns_server *srv, const mcxdns_zoneset *zs, const char *addr,
                              int port, unsigned flags, char *why, size_t whylen);
/* Close every socket and free pending delayed answers. */
void mcxdns_server_free(mcxdns_server *srv);

#endif
