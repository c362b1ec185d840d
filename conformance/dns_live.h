/*
 * dns_live.h -- what a live DNS server answers, turned into a DNS view
 * (include/mcx/dns_view.h) so `mcxcheck dns` runs the very rules
 * `mcxcheck zone` runs (lib/dns_rules.c) on it.
 *
 * Owns: querying one server with ldns (UDP, TCP on TC, bounded timeout and
 * tries, IDs from a counter so runs are repeatable), which names it asks
 * (lyncdiscoverinternal.<d>, lyncdiscover.<d>, the topology's web FQDNs,
 * every CNAME target), inferring what a zone file would say (the zone apex
 * from the SOA, NODATA versus NXDOMAIN, a wildcard from a probe name), and
 * the DNS-021 / DNS-022 findings for a server that does not answer or
 * answers with an error, and DNS-023 / DNS-024 / DNS-025 for an answer
 * that is malformed, does not match the query, or is larger than the query
 * allowed (judged by include/mcx/dns_answer.h). Does not own: the rules,
 * the view, the command line (cmd_dns.c).
 *
 * Limits (no DNSSEC, so no proof): a record identical to what a wildcard of
 * its parent synthesises is taken as synthesised; DNS-020 (CNAME and other
 * data) cannot be seen from answers.
 */
#ifndef MCX_DNS_LIVE_H
#define MCX_DNS_LIVE_H

#include <stddef.h>

#include "mcx/dns_rules.h"
#include "mcx/dns_view.h"
#include "mcx/report.h"
#include "mcx/topology.h"

#define MCX_DNS_LIVE_DEFAULT_PORT 53
#define MCX_DNS_LIVE_DEFAULT_TIMEOUT_MS 2000
#define MCX_DNS_LIVE_DEFAULT_TRIES 2
/* The label asked below a parent name to see whether a wildcard answers. */
#define MCX_DNS_LIVE_WILDCARD_PROBE "mcxlab-wildcard-probe-0"

typedef struct mcx_dns_live_server {
    char addr[64]; /* IPv4 or IPv6 literal */
    int port;
    char text[96]; /* "127.0.0.1:53", "[::1]:53" for reports */
} mcx_dns_live_server;

typedef struct mcx_dns_live_stats {
    size_t queries; /* sent (after the answer cache) */
    size_t names;   /* distinct names looked at */
    size_t failures;
    size_t refused; /* of the failures: answered REFUSED (the server answered) */
} mcx_dns_live_stats;

/* Parse "ADDR[:PORT]" or "[V6]:PORT" (a bare IPv6 literal has no port).
 * 0, or -1 if it is not an address literal with a valid port. */
int mcx_dns_live_parse_server(const char *spec, mcx_dns_live_server *out);

/* Ask `server` everything the DNS rules look at for `domains` (normalised
 * names) and, when `topology` is given, its pools' web FQDNs, as seen from
 * `vantage`; build the view. Each network error becomes a DNS-021..DNS-025
 * finding in `r` (once per name). `timeout_ms` per try, `tries` tries,
 * `first_id` the first query ID. Returns the view, or NULL on out of memory
 * or when ldns cannot set the resolver up (a DNS-000 finding says why). */
mcx_dns_view *mcx_dns_live_fetch(const mcx_dns_live_server *server, mcx_dns_vantage vantage,
                                 const char *const *domains, size_t ndomains,
                                 const mcx_topology *topology, int timeout_ms, int tries,
                                 unsigned first_id, mcx_report *r, mcx_dns_live_stats *stats);

/* Resolve each of `names` as a client does (A, then AAAA, CNAMEs followed
 * across answers; no wildcard probes) and return a view holding exactly
 * what was answered, with the zone of every name seen, so
 * mcx_dns_view_lookup() replays each query (NXDOMAIN versus NODATA).
 * Network errors become DNS-021/DNS-022 findings in `r` with the failing
 * name as subject. Query IDs count up from `first_id`; stats->queries says
 * how many were sent. NULL on out of memory or a resolver set-up failure
 * (DNS-000). (Added by engineer "discover-dns" for `mcxcheck discover`.) */
mcx_dns_view *mcx_dns_live_resolve(const mcx_dns_live_server *server, mcx_dns_vantage vantage,
                                   const char *const *names, size_t nnames, int timeout_ms,
                                   int tries, unsigned first_id, mcx_report *r,
                                   mcx_dns_live_stats *stats);

#endif
