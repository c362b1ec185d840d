/*
 * dns_view.h -- a DNS "view": the records one population of clients sees
 * (the internal view of a split-brain DNS, or the public one), as a flat set
 * of resource records, and lookups over it that behave as a resolver would.
 *
 * Owns: the view model (zones it is authoritative for, RRs), loading zone
 * files into a view with ldns (errors name file:line), adding records one by
 * one (how a live resolver will feed the same model later), and lookups:
 * CNAME chasing inside the view, loop and chain-length detection, NXDOMAIN
 * versus NODATA, names outside every zone of the view, and wildcard matching
 * as DNS does it (RFC 4592: closest encloser, empty non-terminals block).
 * Does not own: what the records should be for Lync mobility (dns_rules.h)
 * nor scenario files (dns_scenario.h).
 *
 * Names in the model are presentation format, lower case, without the
 * trailing dot ("lyncdiscover.contoso.test"); the root is ".".
 */
#ifndef MCX_DNS_VIEW_H
#define MCX_DNS_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "mcx/topology.h" /* mcx_error */

#define MCX_DNS_TYPE_A 1
#define MCX_DNS_TYPE_NS 2
#define MCX_DNS_TYPE_CNAME 5
#define MCX_DNS_TYPE_SOA 6
#define MCX_DNS_TYPE_AAAA 28
/* Marker a live view (conformance/dns_live.c) puts at a name whose query
 * failed (DNS-021..DNS-025 say so): the rules do not judge that name.
 * Private-use type, never in a zone file the rules accept as data. */
#define MCX_DNS_TYPE_UNANSWERED 65281

/* CNAMEs a lookup follows before it gives up (the rules report a longer
 * chain as DNS-014). */
#define MCX_DNS_MAX_CHAIN 8
/* Largest presentation name kept (RFC 1035: 255 octets on the wire; escapes
 * can make the text longer). */
#define MCX_DNS_NAME_MAX 1024
/* Bounds on what a view accepts, so a hostile zone file cannot make the
 * linear lookups slow. */
#define MCX_DNS_VIEW_MAX_RRS 20000
#define MCX_DNS_VIEW_MAX_ZONES 64
#define MCX_DNS_ZONE_MAX_BYTES (8 * 1024 * 1024)

typedef struct mcx_dns_rr {
    char *owner;   /* "lyncdiscover.contoso.test", or "*.contoso.test" */
    uint16_t type; /* MCX_DNS_TYPE_* or any other RR type number */
    uint32_t ttl;
    char *rdata;  /* CNAME: target name (normalised); A/AAAA: address;
                     other types: ldns presentation of the RDATA */
    char *source; /* "internal.zone" or "live": where the record came from */
} mcx_dns_rr;

typedef struct mcx_dns_view {
    char *name;   /* "internal", "external" */
    char **zones; /* apexes this view is authoritative for */
    size_t nzones;
    mcx_dns_rr *rrs;
    size_t nrrs, caprrs;
    int sorted; /* lookups sort the RRs first (deterministic order) */
} mcx_dns_view;

typedef enum {
    MCX_DNS_ANSWER = 0,    /* records of the type at the end of the chain */
    MCX_DNS_NODATA,        /* the final name exists, no record of the type */
    MCX_DNS_NXDOMAIN,      /* the final name does not exist in its zone */
    MCX_DNS_OUTSIDE,       /* the final name is in no zone of the view */
    MCX_DNS_LOOP,          /* the CNAME chain comes back to a name */
    MCX_DNS_CHAIN_TOO_LONG /* more than MCX_DNS_MAX_CHAIN CNAMEs */
} mcx_dns_status;

typedef struct mcx_dns_answer {
    mcx_dns_status status;
    /* Names visited: chain[0] is the query name, chain[i] the target of the
     * i-th CNAME. nchain >= 1. */
    char chain[MCX_DNS_MAX_CHAIN + 2][MCX_DNS_NAME_MAX];
    size_t nchain;
    /* The CNAME records followed, in order (ncnames = nchain - 1, or
     * nchain when the chain was cut short by a loop or length limit). */
    const mcx_dns_rr *cnames[MCX_DNS_MAX_CHAIN + 1];
    size_t ncnames;
    /* Owner of the first wildcard that synthesised an answer on the way
     * ("*.contoso.test"), and the name it answered for; "" when none. */
    char wildcard[MCX_DNS_NAME_MAX];
    char wildcard_for[MCX_DNS_NAME_MAX];
    /* On MCX_DNS_ANSWER: the records of the queried type at the final
     * name (pointers into the view; owner may be the wildcard's). */
    const mcx_dns_rr **rrs;
    size_t nrrs;
} mcx_dns_answer;

mcx_dns_view *mcx_dns_view_new(const char *name);
void mcx_dns_view_free(mcx_dns_view *v);

/* Normalise a presentation name (checked with ldns) into out: lower case, no
 * trailing dot. Returns 0, or -1 if it is not a valid domain name. */
int mcx_dns_name_normalise(const char *in, char *out, size_t len);
/* 1 if `name` equals `zone` or is below it (both normalised). */
int mcx_dns_name_is_under(const char *name, const char *zone);

/* Declare that the view is authoritative for `apex` (normalised here).
 * 0, or -1 when the name is invalid or the view has too many zones. */
int mcx_dns_view_add_zone(mcx_dns_view *v, const char *apex);
/* Add one record (names normalised here; `rdata` of a CNAME is a name, of
 * A/AAAA an address in presentation form). 0, or -1 on an invalid name or
 * when the view is full. */
int mcx_dns_view_add_rr(mcx_dns_view *v, const char *owner, uint16_t type, uint32_t ttl,
                        const char *rdata, const char *source);

/* Load a zone file with ldns into the view. `origin` may be NULL (the file's
 * $ORIGIN or SOA decides); the zone's apex is the SOA owner, else origin.
 * Only class IN is kept. On error fill `err` (file:line, rule "zone") and
 * return -1; records added before the error stay in the view. */
int mcx_dns_view_load_zone_file(mcx_dns_view *v, const char *path, const char *origin,
                                mcx_error *err);
int mcx_dns_view_load_zone_memory(mcx_dns_view *v, const char *name, const char *text, size_t len,
                                  const char *origin, mcx_error *err);

/* The apex of the zone of the view that holds `name` (longest match), or
 * NULL when the name is outside every zone. */
const char *mcx_dns_view_zone_of(const mcx_dns_view *v, const char *name);
/* 1 if a node exists at `name` (it owns records, or a name below it does:
 * an empty non-terminal exists). Wildcards are not expanded. */
int mcx_dns_view_name_exists(const mcx_dns_view *v, const char *name);

/* Resolve `qname`/`qtype` inside the view, following CNAMEs. Returns 0 and
 * fills `out` (free with mcx_dns_answer_clear), or -1 on an invalid qname
 * or out of memory. */
int mcx_dns_view_lookup(mcx_dns_view *v, const char *qname, uint16_t qtype, mcx_dns_answer *out);
void mcx_dns_answer_clear(mcx_dns_answer *a);

const char *mcx_dns_status_name(mcx_dns_status s);
/* "A", "AAAA", "CNAME", ... or "TYPE<n>" written into buf. */
const char *mcx_dns_type_name(uint16_t type, char *buf, size_t len);

#endif
