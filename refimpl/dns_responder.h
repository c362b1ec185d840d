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
 * delay), the view a topology implies, and the libevent sockets (UDP
 * datagrams, TCP with 2-byte framing). Deterministic: no randomness, the
 * query ID is echoed. Does not own: the view model and lookups
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

typedef enum {
    MCXDNS_FAULT_NOANSWER = 0, /* drop the query */
    MCXDNS_FAULT_SERVFAIL,     /* answer SERVFAIL */
    MCXDNS_FAULT_DELAY         /* answer normally after delay_ms */
} mcxdns_fault_kind;

typedef struct mcxdns_fault {
    char name[MCX_DNS_NAME_MAX]; /* normalised query name it applies to */
    mcxdns_fault_kind kind;
    unsigned delay_ms;
} mcxdns_fault;

/* Largest delay a fault may ask for. */
#define MCXDNS_MAX_DELAY_MS 60000

/* Parse "NAME=noanswer|servfail|delay:MS". 0, or -1 with a reason in why. */
int mcxdns_fault_parse(const char *spec, mcxdns_fault *out, char *why, size_t whylen);

/* One view being served: the view plus its records pre-built as ldns RRs. */
typedef struct mcxdns_zoneset mcxdns_zoneset;

/* Take ownership of `view` (freed with the zoneset) and copy `faults`.
 * NULL on out of memory or when a record cannot be built (why says which). */
mcxdns_zoneset *mcxdns_zoneset_new(mcx_dns_view *view, const mcxdns_fault *faults, size_t nfaults,
                                   char *why, size_t whylen);
void mcxdns_zoneset_free(mcxdns_zoneset *zs);

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

/* The sockets: one server, any number of listeners (each serving one
 * zoneset on ADDR:PORT over UDP and TCP). */
typedef struct mcxdns_server mcxdns_server;

mcxdns_server *mcxdns_server_new(struct event_base *base, int quiet);
/* Listen on addr:port (IPv4 or IPv6 literal) for `zs` (not owned). 0, or
 * -1 with a reason in why. */
int mcxdns_server_listen(mcxdns_server *srv, const mcxdns_zoneset *zs, const char *addr, int port,
                         char *why, size_t whylen);
/* Close every socket and free pending delayed answers. */
void mcxdns_server_free(mcxdns_server *srv);

#endif
