/*
 * dns_responder.c -- mcxdns: answers DNS queries from a view (see
 * dns_responder.h), and the libevent sockets that carry them.
 *
 * Owns: the answer to one query (ldns_wire2pkt / ldns_pkt2wire only; no DNS
 * wire code by hand), faults per name (the hostile ones damage an
 * ldns-built answer's bytes on purpose: see damage_answer), asking the
 * per-loop answer cache (dns_cache.c), the topology-generated view, UDP
 * (one non-blocking socket per loop, recvmmsg/sendmmsg batches; queries
 * over 4096 bytes dropped) and TCP (evconnlistener + bufferevent, 2-byte
 * length framing, idle timeout). Does not own: lookups (lib/dns_view.c
 * decides ANSWER/NODATA/NXDOMAIN/OUTSIDE and follows CNAMEs), the cache's
 * table (dns_cache.c), option parsing, threads and the process
 * (mcxdns_main.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <ldns/ldns.h>

#include "dns_cache.h"
#include "dns_responder.h"

#define RESP_UDP_LIMIT 512       /* without EDNS (RFC 1035 4.2.1) */
#define RESP_EDNS_SIZE 1232      /* what we advertise and cap at */
#define RESP_UDP_BATCH 32        /* datagrams per recvmmsg/sendmmsg */
#define RESP_UDP_ROUNDS 4        /* batches per wakeup before other events */
#define RESP_UDP_QUERY_MAX 4096  /* larger UDP queries are dropped */
#define RESP_TCP_IDLE_SECONDS 10 /* an idle TCP client is closed */
#define RESP_TCP_MAX_PENDING 64  /* delayed answers per TCP client */
#define RESP_MAX_LISTENERS 16

struct mcxdns_zoneset {
    mcx_dns_view *view;
    ldns_rr **wire; /* wire[i] is view->rrs[i] as an ldns RR (sorted view) */
    size_t nwire;
    mcxdns_fault *faults;
    size_t nfaults;
    uint64_t seed; /* garbage fault */
};

/* ---- faults ----------------------------------------------------------- */

const char *const mcxdns_fault_names[MCXDNS_FAULT_KINDS] = {
    [MCXDNS_FAULT_NOANSWER] = "noanswer",
    [MCXDNS_FAULT_SERVFAIL] = "servfail",
    [MCXDNS_FAULT_DELAY] = "delay",
    [MCXDNS_FAULT_WRONG_ID] = "wrong-id",
    [MCXDNS_FAULT_WRONG_QUESTION] = "wrong-question",
    [MCXDNS_FAULT_TRUNCATED] = "truncated",
    [MCXDNS_FAULT_COMPRESSION_LOOP] = "compression-loop",
    [MCXDNS_FAULT_GARBAGE] = "garbage",
    [MCXDNS_FAULT_OVERSIZED] = "oversized",
};

#define FAULT_KINDS_TEXT                                                                         \
    "noanswer, servfail, delay:MS, wrong-id, wrong-question, truncated, compression-loop, "      \
    "garbage, oversized"

int mcxdns_fault_parse(const char *spec, mcxdns_fault *out, char *why, size_t whylen)
{
    const char *eq = strchr(spec, '=');
    char name[MCX_DNS_NAME_MAX];

    memset(out, 0, sizeof *out);
    if (eq == NULL || eq == spec || (size_t)(eq - spec) >= sizeof name) {
        snprintf(why, whylen, "'%s': expected NAME=KIND (" FAULT_KINDS_TEXT ")", spec);
        return -1;
    }
    memcpy(name, spec, (size_t)(eq - spec));
    name[eq - spec] = '\0';
    if (mcx_dns_name_normalise(name, out->name, sizeof out->name) != 0) {
        snprintf(why, whylen, "'%s': '%s' is not a domain name", spec, name);
        return -1;
    }
    const char *kind = eq + 1;
    if (strncmp(kind, "delay:", 6) == 0) {
        char *end = NULL;
        errno = 0;
        unsigned long ms = strtoul(kind + 6, &end, 10);
        if (errno != 0 || end == kind + 6 || *end != '\0' || ms > MCXDNS_MAX_DELAY_MS) {
            snprintf(why, whylen, "'%s': delay must be 0..%d milliseconds", spec,
                     MCXDNS_MAX_DELAY_MS);
            return -1;
        }
        out->kind = MCXDNS_FAULT_DELAY;
        out->delay_ms = (unsigned)ms;
        return 0;
    }
    for (int k = 0; k < MCXDNS_FAULT_KINDS; k++) {
        if (k != MCXDNS_FAULT_DELAY && strcmp(kind, mcxdns_fault_names[k]) == 0) {
            out->kind = (mcxdns_fault_kind)k;
            return 0;
        }
    }
    snprintf(why, whylen, "'%s': unknown fault '%s' (" FAULT_KINDS_TEXT ")", spec, kind);
    return -1;
}

static const mcxdns_fault *fault_for(const mcxdns_zoneset *zs, const char *qname)
{
    for (size_t i = 0; i < zs->nfaults; i++)
        if (strcmp(zs->faults[i].name, qname) == 0) return &zs->faults[i];
    return NULL;
}

/* ---- zonesets --------------------------------------------------------- */

/* The view's record as an ldns RR, through its presentation form. */
static ldns_rr *rr_to_ldns(const mcx_dns_rr *rr)
{
    char *type = ldns_rr_type2str((ldns_rr_type)rr->type);
    size_t len = strlen(rr->owner) + strlen(rr->rdata) + 64;
    char *text = malloc(len);
    ldns_rr *out = NULL;
    int is_root = strcmp(rr->owner, ".") == 0;

    if (type != NULL && text != NULL) {
        snprintf(text, len, "%s%s %u IN %s %s%s", rr->owner, is_root ? "" : ".", rr->ttl, type,
                 rr->rdata,
                 rr->type == MCX_DNS_TYPE_CNAME && strcmp(rr->rdata, ".") != 0 ? "." : "");
        if (ldns_rr_new_frm_str(&out, text, 3600, NULL, NULL) != LDNS_STATUS_OK) out = NULL;
    }
    free(type);
    free(text);
    return out;
}

mcxdns_zoneset *mcxdns_zoneset_new(mcx_dns_view *view, const mcxdns_fault *faults, size_t nfaults,
                                   char *why, size_t whylen)
{
    mcxdns_zoneset *zs = calloc(1, sizeof *zs);
    mcx_dns_answer probe;

    if (zs == NULL) goto oom;
    zs->view = view;
    /* A lookup sorts the view once; the RR array below follows that order. */
    if (mcx_dns_view_lookup(view, ".", MCX_DNS_TYPE_SOA, &probe) == 0)
        mcx_dns_answer_clear(&probe);
    zs->wire = calloc(view->nrrs ? view->nrrs : 1, sizeof *zs->wire);
    if (zs->wire == NULL) goto oom;
    for (size_t i = 0; i < view->nrrs; i++) {
        zs->wire[i] = rr_to_ldns(&view->rrs[i]);
        zs->nwire = i + 1;
        if (zs->wire[i] == NULL) {
            snprintf(why, whylen, "view %s: record %s type %u '%s' (from %s) cannot be served",
                     view->name, view->rrs[i].owner, view->rrs[i].type, view->rrs[i].rdata,
                     view->rrs[i].source);
            mcxdns_zoneset_free(zs);
            return NULL;
        }
    }
    if (nfaults > 0) {
        zs->faults = calloc(nfaults, sizeof *zs->faults);
        if (zs->faults == NULL) goto oom;
        memcpy(zs->faults, faults, nfaults * sizeof *faults);
        zs->nfaults = nfaults;
    }
    return zs;
oom:
    snprintf(why, whylen, "out of memory");
    if (zs != NULL)
        mcxdns_zoneset_free(zs);
    else
        mcx_dns_view_free(view);
    return NULL;
}

void mcxdns_zoneset_set_seed(mcxdns_zoneset *zs, uint64_t seed)
{
    zs->seed = seed;
}

void mcxdns_zoneset_free(mcxdns_zoneset *zs)
{
    if (zs == NULL) return;
    for (size_t i = 0; i < zs->nwire; i++)
        ldns_rr_free(zs->wire[i]);
    free(zs->wire);
    free(zs->faults);
    mcx_dns_view_free(zs->view);
    free(zs);
}

/* ---- the view a topology implies -------------------------------------- */

static const char *parent_of(const char *name)
{
    const char *dot = strchr(name, '.');
    return dot != NULL ? dot + 1 : ".";
}

/* Make sure some zone of the view holds `name`; a new zone is the name's
 * parent, with an SOA. */
static int topo_zone_for(mcx_dns_view *v, const char *name)
{
    char soa[3 * MCX_DNS_NAME_MAX];
    const char *apex;

    if (mcx_dns_view_zone_of(v, name) != NULL) return 0;
    apex = parent_of(name);
    if (strcmp(apex, ".") == 0) apex = name;
    if (mcx_dns_view_add_zone(v, apex) != 0) return -1;
    snprintf(soa, sizeof soa, "ns1.%s. hostmaster.%s. 1 3600 600 604800 3600", apex, apex);
    return mcx_dns_view_add_rr(v, apex, MCX_DNS_TYPE_SOA, 3600, soa, "topology");
}

static int topo_add(mcx_dns_view *v, const char *owner, uint16_t type, const char *rdata)
{
    if (topo_zone_for(v, owner) != 0) return -1;
    return mcx_dns_view_add_rr(v, owner, type, 3600, rdata, "topology");
}

/* 1 if `name` is `domain` or below it (case-insensitive). */
static int in_domain(const char *name, const char *domain)
{
    size_t n = strlen(name), d = strlen(domain);
    if (n == d)
        return strcasecmp(name, domain) == 0;
    return n > d && name[n - d - 1] == '.' && strcasecmp(name + n - d, domain) == 0;
}

static uint16_t addr_type(const char *ip)
{
    return strchr(ip, ':') != NULL ? MCX_DNS_TYPE_AAAA : MCX_DNS_TYPE_A;
}

mcx_dns_view *mcxdns_view_from_topology(const mcx_topology *t, mcx_dns_vantage vantage,
                                        const char *domain, mcx_error *err)
{
    const mcx_pool *ad = mcx_topology_autodiscover_pool(t);
    mcx_dns_view *v = mcx_dns_view_new(mcx_dns_vantage_name(vantage));
    char name[MCX_DNS_NAME_MAX + 32];
    int bad = v == NULL;

    memset(err, 0, sizeof *err);
    if (ad == NULL) {
        snprintf(err->file, sizeof err->file, "%s", t->source);
        snprintf(err->rule, sizeof err->rule, "topology");
        snprintf(err->message, sizeof err->message, "the topology has no pool to point at");
        mcx_dns_view_free(v);
        return NULL;
    }
    for (size_t i = 0; !bad && i < t->nsip_domains; i++) {
        const char *d = t->sip_domains[i];
        if (domain != NULL && strcasecmp(domain, d) != 0) continue;
        bad |= mcx_dns_view_add_zone(v, d) != 0;
        snprintf(name, sizeof name, "ns1.%s. hostmaster.%s. 1 3600 600 604800 3600", d, d);
        bad |= mcx_dns_view_add_rr(v, d, MCX_DNS_TYPE_SOA, 3600, name, "topology") != 0;
        if (vantage == MCX_DNS_VANTAGE_INTERNAL) {
            snprintf(name, sizeof name, "lyncdiscoverinternal.%s", d);
            bad |= topo_add(v, name, MCX_DNS_TYPE_CNAME, ad->internal_web_fqdn) != 0;
        } else if (in_domain(ad->external_web_fqdn, d) || t->reverse_proxy_ip == NULL) {
            snprintf(name, sizeof name, "lyncdiscover.%s", d);
            bad |= topo_add(v, name, MCX_DNS_TYPE_CNAME, ad->external_web_fqdn) != 0;
        } else {
            /* A CNAME into another domain cannot work over HTTPS (seed: DNS
             * Requirements), so this SIP domain gets the A record the seed
             * also allows: the reverse proxy's public address. */
            snprintf(name, sizeof name, "lyncdiscover.%s", d);
            bad |= topo_add(v, name, addr_type(t->reverse_proxy_ip), t->reverse_proxy_ip) != 0;
        }
    }
    for (size_t i = 0; !bad && i < t->npools; i++) {
        const mcx_pool *p = &t->pools[i];
        if (vantage == MCX_DNS_VANTAGE_INTERNAL && p->internal_ip != NULL)
            bad |= topo_add(v, p->internal_web_fqdn, addr_type(p->internal_ip), p->internal_ip);
        if (t->reverse_proxy_ip != NULL)
            bad |= topo_add(v, p->external_web_fqdn, addr_type(t->reverse_proxy_ip),
                            t->reverse_proxy_ip) != 0;
    }
    if (!bad && v->nzones == 0) {
        snprintf(err->file, sizeof err->file, "%s", t->source);
        snprintf(err->rule, sizeof err->rule, "topology");
        snprintf(err->message, sizeof err->message, "SIP domain '%s' is not in the topology",
                 domain != NULL ? domain : "");
        mcx_dns_view_free(v);
        return NULL;
    }
    if (bad) {
        snprintf(err->file, sizeof err->file, "%s", t->source);
        snprintf(err->rule, sizeof err->rule, "topology");
        snprintf(err->message, sizeof err->message,
                 "cannot build the %s view: an invalid name or address, or out of memory",
                 mcx_dns_vantage_name(vantage));
        mcx_dns_view_free(v);
        return NULL;
    }
    return v;
}

/* ---- answering -------------------------------------------------------- */

/* A header-only answer (FORMERR for unparseable queries): the ID and opcode
 * are copied from the raw bytes. */
static mcxdns_reply reply_header_only(const uint8_t *query, int rcode, uint8_t **out,
                                      size_t *outlen)
{
    ldns_pkt *p = ldns_pkt_new();
    mcxdns_reply rc = MCXDNS_REPLY_DROP;

    if (p == NULL) return rc;
    ldns_pkt_set_id(p, (uint16_t)((query[0] << 8) | query[1]));
    ldns_pkt_set_qr(p, true);
    ldns_pkt_set_opcode(p, (ldns_pkt_opcode)((query[2] >> 3) & 0x0f));
    ldns_pkt_set_rd(p, (query[2] & 0x01) != 0);
    ldns_pkt_set_rcode(p, (uint8_t)rcode);
    if (ldns_pkt2wire(out, p, outlen) == LDNS_STATUS_OK) rc = MCXDNS_REPLY_SEND;
    ldns_pkt_free(p);
    return rc;
}

/* A copy of a served RR with `owner` (the name it answers for). */
static int push_rr(ldns_pkt *p, ldns_pkt_section sec, const ldns_rr *rr, const char *owner,
                   uint32_t ttl_cap)
{
    ldns_rr *c = ldns_rr_clone(rr);
    ldns_rdf *o = NULL;

    if (c == NULL) return -1;
    if (owner != NULL && ldns_str2rdf_dname(&o, owner) == LDNS_STATUS_OK) {
        ldns_rdf_deep_free(ldns_rr_owner(c));
        ldns_rr_set_owner(c, o);
    }
    if (ttl_cap > 0 && ldns_rr_ttl(c) > ttl_cap) ldns_rr_set_ttl(c, ttl_cap);
    if (!ldns_pkt_push_rr(p, sec, c)) {
        ldns_rr_free(c);
        return -1;
    }
    return 0;
}

/* The SOA of the zone holding `name` into the authority section, its TTL
 * capped at the SOA minimum (RFC 2308). */
static void push_soa(const mcxdns_zoneset *zs, ldns_pkt *p, const char *name)
{
    const char *apex = mcx_dns_view_zone_of(zs->view, name);
    mcx_dns_answer a;

    if (apex == NULL || mcx_dns_view_lookup(zs->view, apex, MCX_DNS_TYPE_SOA, &a) != 0) return;
    if (a.status == MCX_DNS_ANSWER && a.nrrs > 0 && a.ncnames == 0) {
        const ldns_rr *soa = zs->wire[a.rrs[0] - zs->view->rrs];
        uint32_t minimum = ldns_rr_rd_count(soa) >= 7
                               ? ldns_rdf2native_int32(ldns_rr_rdf(soa, 6))
                               : ldns_rr_ttl(soa);
        push_rr(p, LDNS_SECTION_AUTHORITY, soa, NULL, minimum);
    }
    mcx_dns_answer_clear(&a);
}

/* Fill the answer to a well-formed IN query for qname/qtype. */
static void answer_from_view(const mcxdns_zoneset *zs, ldns_pkt *p, const char *qname,
                             uint16_t qtype)
{
    mcx_dns_answer a;

    if (mcx_dns_view_zone_of(zs->view, qname) == NULL) {
        ldns_pkt_set_rcode(p, LDNS_RCODE_REFUSED); /* not authoritative */
        return;
    }
    if (mcx_dns_view_lookup(zs->view, qname, qtype, &a) != 0) {
        ldns_pkt_set_rcode(p, LDNS_RCODE_SERVFAIL);
        return;
    }
    ldns_pkt_set_aa(p, true);
    for (size_t i = 0; i < a.ncnames; i++)
        push_rr(p, LDNS_SECTION_ANSWER, zs->wire[a.cnames[i] - zs->view->rrs], a.chain[i], 0);
    const char *last = a.chain[a.nchain - 1];
    switch (a.status) {
    case MCX_DNS_ANSWER:
        for (size_t i = 0; i < a.nrrs; i++)
            push_rr(p, LDNS_SECTION_ANSWER, zs->wire[a.rrs[i] - zs->view->rrs], last, 0);
        break;
    case MCX_DNS_NXDOMAIN:
        ldns_pkt_set_rcode(p, LDNS_RCODE_NXDOMAIN);
        push_soa(zs, p, last);
        break;
    case MCX_DNS_NODATA:
        push_soa(zs, p, last);
        break;
    case MCX_DNS_OUTSIDE:        /* the chain left our zones: the client goes on */
    case MCX_DNS_LOOP:           /* the CNAMEs so far, as BIND does */
    case MCX_DNS_CHAIN_TOO_LONG: /* the client follows the rest itself */
        break;
    }
    mcx_dns_answer_clear(&a);
}

static int is_meta_type(uint16_t t)
{
    return t == LDNS_RR_TYPE_ANY || t == LDNS_RR_TYPE_AXFR || t == LDNS_RR_TYPE_IXFR ||
           t == LDNS_RR_TYPE_MAILA || t == LDNS_RR_TYPE_MAILB || t == LDNS_RR_TYPE_OPT;
}

/* ---- hostile faults --------------------------------------------------- */

#define FAULT_OVERSIZED_RRS 12 /* 12 TXT records of 255 bytes: > 3000 bytes */
#define FAULT_HEADER_SIZE 12

/* The oversized fault: filler TXT records at the question's name in the
 * additional section, built with ldns like any other record. */
static void push_oversized_filler(ldns_pkt *p, const ldns_rr *question)
{
    char *owner = ldns_rdf2str(ldns_rr_owner(question));
    char text[MCX_DNS_NAME_MAX + 320];

    if (owner == NULL) return;
    for (int i = 0; i < FAULT_OVERSIZED_RRS; i++) {
        ldns_rr *rr = NULL;
        int n = snprintf(text, sizeof text, "%s 0 IN TXT \"%02d", owner, i);
        for (int j = 0; j < 253 && n + 2 < (int)sizeof text; j++)
            text[n++] = 'x';
        text[n++] = '"';
        text[n] = '\0';
        if (ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL) != LDNS_STATUS_OK) break;
        if (!ldns_pkt_push_rr(p, LDNS_SECTION_ADDITIONAL, rr)) {
            ldns_rr_free(rr);
            break;
        }
    }
    free(owner);
}

/* splitmix64: the garbage fault's bytes, a pure function of its state. */
static uint64_t fault_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Corrupt the ldns-built answer `wire` on purpose, as `kind` says. This is
 * deliberate damage for tests, not DNS wire code: it only rewrites bytes at
 * fixed header offsets, the first label of the question (which ldns wrote
 * uncompressed at offset 12) and the message length. */
static void damage_answer(mcxdns_fault_kind kind, uint64_t seed, uint8_t *wire, size_t *len)
{
    if (*len < FAULT_HEADER_SIZE + 2) return;
    switch (kind) {
    case MCXDNS_FAULT_WRONG_ID: {
        unsigned id = (((unsigned)wire[0] << 8) | wire[1]) + 1;
        wire[0] = (uint8_t)(id >> 8);
        wire[1] = (uint8_t)id;
        break;
    }
    case MCXDNS_FAULT_WRONG_QUESTION:
        if (wire[FAULT_HEADER_SIZE] > 0) /* a first label: change its first letter */
            wire[FAULT_HEADER_SIZE + 1] = (wire[FAULT_HEADER_SIZE + 1] | 0x20) == 'x' ? 'y' : 'x';
        break;
    case MCXDNS_FAULT_TRUNCATED:
        /* Every record is at least 11 bytes: cutting 3 lands inside the last
         * one (or inside the question when there is no record). */
        *len -= 3;
        break;
    case MCXDNS_FAULT_COMPRESSION_LOOP:
        wire[FAULT_HEADER_SIZE] = 0xc0; /* a pointer to offset 12: itself */
        wire[FAULT_HEADER_SIZE + 1] = FAULT_HEADER_SIZE;
        break;
    case MCXDNS_FAULT_GARBAGE: {
        uint64_t state = seed ^ (((uint64_t)wire[0] << 8) | wire[1]);
        for (size_t i = 4; i < *len; i++)
            wire[i] = (uint8_t)fault_next(&state);
        break;
    }
    default:
        break;
    }
}

mcxdns_reply mcxdns_answer(const mcxdns_zoneset *zs, const uint8_t *query, size_t len,
                           int over_tcp, uint8_t **out, size_t *outlen, unsigned *delay_ms)
{
    return mcxdns_answer_cached(NULL, zs, query, len, over_tcp, out, outlen, delay_ms);
}

mcxdns_reply mcxdns_answer_cached(mcxdns_cache *cache, const mcxdns_zoneset *zs,
                                  const uint8_t *query, size_t len, int over_tcp, uint8_t **out,
                                  size_t *outlen, unsigned *delay_ms)
{
    ldns_pkt *q = NULL, *p = NULL;
    mcxdns_reply rc = MCXDNS_REPLY_DROP;
    char qname[MCX_DNS_NAME_MAX];
    size_t limit = over_tcp ? 65535 : RESP_UDP_LIMIT;
    mcxdns_cache_key key;
    uint64_t hash = 0;
    int cacheable = 0;

    *out = NULL;
    *outlen = 0;
    *delay_ms = 0;
    if (len < LDNS_HEADER_SIZE || (query[2] & 0x80) != 0) return MCXDNS_REPLY_DROP; /* QR set */
    if (ldns_wire2pkt(&q, query, len) != LDNS_STATUS_OK)
        return reply_header_only(query, LDNS_RCODE_FORMERR, out, outlen);
    if (ldns_pkt_get_opcode(q) != LDNS_PACKET_QUERY) {
        ldns_pkt_free(q);
        return reply_header_only(query, LDNS_RCODE_NOTIMPL, out, outlen);
    }
    if (ldns_pkt_qdcount(q) != 1 || ldns_rr_list_rr_count(ldns_pkt_question(q)) != 1 ||
        ldns_pkt_ancount(q) != 0) {
        ldns_pkt_free(q);
        return reply_header_only(query, LDNS_RCODE_FORMERR, out, outlen);
    }
    const ldns_rr *question = ldns_rr_list_rr(ldns_pkt_question(q), 0);
    if (cache != NULL && mcxdns_cache_key_of(q, question, over_tcp, &key) == 0) {
        hash = mcxdns_cache_hash(&key);
        cacheable = 1;
        /* Without faults the answer needs nothing else: look it up now. */
        if (zs->nfaults == 0) {
            *out = mcxdns_cache_lookup(cache, &key, hash, query, outlen);
            if (*out != NULL) {
                rc = MCXDNS_REPLY_SEND;
                goto done;
            }
        }
    }
    uint16_t qtype = (uint16_t)ldns_rr_get_type(question);
    char *owner = ldns_rdf2str(ldns_rr_owner(question));
    int name_ok = owner != NULL && mcx_dns_name_normalise(owner, qname, sizeof qname) == 0;
    free(owner);

    p = ldns_pkt_new();
    if (p == NULL) goto done;
    ldns_pkt_set_id(p, ldns_pkt_id(q));
    ldns_pkt_set_qr(p, true);
    ldns_pkt_set_opcode(p, LDNS_PACKET_QUERY);
    ldns_pkt_set_rd(p, ldns_pkt_rd(q));
    ldns_pkt_set_cd(p, ldns_pkt_cd(q));
    ldns_rr *qcopy = ldns_rr_clone(question);
    if (qcopy == NULL || !ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, qcopy)) {
        ldns_rr_free(qcopy);
        goto done;
    }
    if (ldns_pkt_edns(q)) {
        size_t asked = ldns_pkt_edns_udp_size(q);
        ldns_pkt_set_edns_udp_size(p, RESP_EDNS_SIZE);
        if (!over_tcp) limit = asked < RESP_UDP_LIMIT ? RESP_UDP_LIMIT
                               : asked > RESP_EDNS_SIZE ? RESP_EDNS_SIZE
                                                        : asked;
        if (ldns_pkt_edns_version(q) != 0) ldns_pkt_set_rcode(p, 0); /* BADVERS not modelled */
    }
    const mcxdns_fault *fault = name_ok ? fault_for(zs, qname) : NULL;
    if (fault != NULL && fault->kind == MCXDNS_FAULT_NOANSWER) goto done;
    if (fault != NULL) {
        cacheable = 0; /* a faulted name is answered fresh every time */
    } else if (cacheable && zs->nfaults > 0 &&
               (*out = mcxdns_cache_lookup(cache, &key, hash, query, outlen)) != NULL) {
        rc = MCXDNS_REPLY_SEND;
        goto done;
    }
    if (!name_ok)
        ldns_pkt_set_rcode(p, LDNS_RCODE_FORMERR);
    else if (ldns_rr_get_class(question) != LDNS_RR_CLASS_IN)
        ldns_pkt_set_rcode(p, LDNS_RCODE_REFUSED);
    else if (is_meta_type(qtype))
        ldns_pkt_set_rcode(p, LDNS_RCODE_NOTIMPL);
    else if (fault != NULL && fault->kind == MCXDNS_FAULT_SERVFAIL)
        ldns_pkt_set_rcode(p, LDNS_RCODE_SERVFAIL);
    else
        answer_from_view(zs, p, qname, qtype);
    int oversize = fault != NULL && fault->kind == MCXDNS_FAULT_OVERSIZED && !over_tcp;
    if (oversize) push_oversized_filler(p, question);
    if (ldns_pkt2wire(out, p, outlen) != LDNS_STATUS_OK) {
        *out = NULL;
        goto done;
    }
    if (*outlen > limit && !oversize) {
        /* Too big for UDP: the question alone with TC set; the client asks
         * again over TCP. */
        free(*out);
        *out = NULL;
        ldns_rr_list_deep_free(ldns_pkt_answer(p));
        ldns_rr_list_deep_free(ldns_pkt_authority(p));
        ldns_rr_list_deep_free(ldns_pkt_additional(p));
        ldns_pkt_set_answer(p, ldns_rr_list_new());
        ldns_pkt_set_authority(p, ldns_rr_list_new());
        ldns_pkt_set_additional(p, ldns_rr_list_new());
        ldns_pkt_set_ancount(p, 0);
        ldns_pkt_set_nscount(p, 0);
        ldns_pkt_set_arcount(p, 0);
        ldns_pkt_set_tc(p, true);
        if (ldns_pkt2wire(out, p, outlen) != LDNS_STATUS_OK) {
            *out = NULL;
            goto done;
        }
    }
    rc = MCXDNS_REPLY_SEND;
    if (cacheable) mcxdns_cache_store(cache, &key, hash, *out, *outlen);
    if (fault != NULL) damage_answer(fault->kind, zs->seed, *out, outlen);
    if (fault != NULL && fault->kind == MCXDNS_FAULT_DELAY) {
        rc = MCXDNS_REPLY_DELAY;
        *delay_ms = fault->delay_ms;
    }
done:
    ldns_pkt_free(q);
    ldns_pkt_free(p);
    return rc;
}

/* ---- sockets ---------------------------------------------------------- */

typedef struct resp_pending resp_pending;
typedef struct resp_tcp_conn resp_tcp_conn;

typedef struct resp_listener {
    mcxdns_server *srv;
    const mcxdns_zoneset *zs;
    mcxdns_cache *cache; /* this event loop's answers for zs */
    evutil_socket_t udp_fd;
    struct event *udp_ev;
    struct evconnlistener *tcp; /* NULL with MCXDNS_LISTEN_NO_TCP */
} resp_listener;

/* The buffers of one recvmmsg/sendmmsg batch (one per server: a server
 * runs on one thread and handles one socket at a time). */
typedef struct resp_udp_batch {
    uint8_t bufs[RESP_UDP_BATCH][RESP_UDP_QUERY_MAX];
    struct sockaddr_storage peers[RESP_UDP_BATCH];
    struct mmsghdr in[RESP_UDP_BATCH], out[RESP_UDP_BATCH];
    struct iovec iin[RESP_UDP_BATCH], iout[RESP_UDP_BATCH];
    uint8_t *answers[RESP_UDP_BATCH];
} resp_udp_batch;

struct mcxdns_server {
    struct event_base *base;
    resp_udp_batch *batch;
    int quiet;
    resp_listener listeners[RESP_MAX_LISTENERS];
    size_t nlisteners;
    resp_pending *pending; /* delayed UDP answers */
    resp_tcp_conn *conns;
};

struct resp_tcp_conn {
    mcxdns_server *srv;
    const mcxdns_zoneset *zs;
    mcxdns_cache *cache;
    struct bufferevent *bev;
    resp_pending *pending; /* delayed answers on this connection */
    size_t npending;
    resp_tcp_conn *next, *prev;
};

struct resp_pending {
    mcxdns_server *srv;
    resp_tcp_conn *conn; /* NULL for UDP */
    evutil_socket_t fd;
    struct sockaddr_storage peer;
    socklen_t peerlen;
    uint8_t *wire;
    size_t len;
    struct event *timer;
    resp_pending *next, *prev; /* in srv->pending or conn->pending */
};

static void pending_unlink(resp_pending **head, resp_pending *pd)
{
    if (pd->prev != NULL)
        pd->prev->next = pd->next;
    else
        *head = pd->next;
    if (pd->next != NULL) pd->next->prev = pd->prev;
}

static void pending_free(resp_pending *pd)
{
    if (pd->timer != NULL) event_free(pd->timer);
    free(pd->wire);
    free(pd);
}

static void tcp_send(resp_tcp_conn *c, const uint8_t *wire, size_t len)
{
    uint8_t hdr[2] = {(uint8_t)(len >> 8), (uint8_t)(len & 0xff)};
    bufferevent_write(c->bev, hdr, 2);
    bufferevent_write(c->bev, wire, len);
}

static void pending_fire(evutil_socket_t fd, short what, void *arg)
{
    resp_pending *pd = arg;
    (void)fd;
    (void)what;
    if (pd->conn != NULL) {
        tcp_send(pd->conn, pd->wire, pd->len);
        pending_unlink(&pd->conn->pending, pd);
        pd->conn->npending--;
    } else {
        (void)sendto(pd->fd, pd->wire, pd->len, 0, (struct sockaddr *)&pd->peer, pd->peerlen);
        pending_unlink(&pd->srv->pending, pd);
    }
    pending_free(pd);
}

/* Queue `wire` (taken) to be sent after delay_ms. 0, or -1 (wire freed). */
static int pending_add(mcxdns_server *srv, resp_tcp_conn *conn, evutil_socket_t fd,
                       const struct sockaddr_storage *peer, socklen_t peerlen, uint8_t *wire,
                       size_t len, unsigned delay_ms)
{
    resp_pending *pd = calloc(1, sizeof *pd);
    struct timeval tv = {(time_t)(delay_ms / 1000), (suseconds_t)(delay_ms % 1000) * 1000};

    if (pd == NULL || (conn != NULL && conn->npending >= RESP_TCP_MAX_PENDING)) goto fail;
    pd->srv = srv;
    pd->conn = conn;
    pd->fd = fd;
    if (peer != NULL) memcpy(&pd->peer, peer, sizeof pd->peer);
    pd->peerlen = peerlen;
    pd->wire = wire;
    pd->len = len;
    pd->timer = evtimer_new(srv->base, pending_fire, pd);
    if (pd->timer == NULL || evtimer_add(pd->timer, &tv) != 0) goto fail;
    resp_pending **head = conn != NULL ? &conn->pending : &srv->pending;
    pd->next = *head;
    if (*head != NULL) (*head)->prev = pd;
    *head = pd;
    if (conn != NULL) conn->npending++;
    return 0;
fail:
    if (pd != NULL) {
        pd->wire = NULL;
        pending_free(pd);
    }
    free(wire);
    return -1;
}

/* Answer one batch: read up to RESP_UDP_BATCH datagrams with one
 * recvmmsg, answer each, send the answers with sendmmsg. The number read,
 * or -1 when the socket is drained. */
static int udp_batch(resp_listener *l, evutil_socket_t fd)
{
    resp_udp_batch *b = l->srv->batch;
    unsigned nout = 0;
    int n;

    for (int i = 0; i < RESP_UDP_BATCH; i++) {
        b->iin[i].iov_base = b->bufs[i];
        b->iin[i].iov_len = RESP_UDP_QUERY_MAX;
        memset(&b->in[i].msg_hdr, 0, sizeof b->in[i].msg_hdr);
        b->in[i].msg_hdr.msg_name = &b->peers[i];
        b->in[i].msg_hdr.msg_namelen = sizeof b->peers[i];
        b->in[i].msg_hdr.msg_iov = &b->iin[i];
        b->in[i].msg_hdr.msg_iovlen = 1;
    }
    n = recvmmsg(fd, b->in, RESP_UDP_BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0) return -1; /* EAGAIN: drained */
    for (int i = 0; i < n; i++) {
        uint8_t *out;
        size_t outlen;
        unsigned delay;
        if ((b->in[i].msg_hdr.msg_flags & MSG_TRUNC) != 0) continue; /* > RESP_UDP_QUERY_MAX */
        socklen_t peerlen = b->in[i].msg_hdr.msg_namelen;
        mcxdns_reply r = mcxdns_answer_cached(l->cache, l->zs, b->bufs[i], b->in[i].msg_len, 0,
                                              &out, &outlen, &delay);
        if (r == MCXDNS_REPLY_SEND) {
            b->answers[nout] = out;
            b->iout[nout].iov_base = out;
            b->iout[nout].iov_len = outlen;
            memset(&b->out[nout].msg_hdr, 0, sizeof b->out[nout].msg_hdr);
            b->out[nout].msg_hdr.msg_name = &b->peers[i];
            b->out[nout].msg_hdr.msg_namelen = peerlen;
            b->out[nout].msg_hdr.msg_iov = &b->iout[nout];
            b->out[nout].msg_hdr.msg_iovlen = 1;
            nout++;
        } else if (r == MCXDNS_REPLY_DELAY) {
            pending_add(l->srv, NULL, fd, &b->peers[i], peerlen, out, outlen, delay);
        }
    }
    for (unsigned sent = 0; sent < nout;) {
        int k = sendmmsg(fd, b->out + sent, nout - sent, 0);
        if (k <= 0) break; /* a full socket buffer drops the rest, as UDP may */
        sent += (unsigned)k;
    }
    for (unsigned i = 0; i < nout; i++)
        free(b->answers[i]);
    return n;
}

static void udp_read(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    for (int round = 0; round < RESP_UDP_ROUNDS; round++)
        if (udp_batch(arg, fd) < RESP_UDP_BATCH) return;
}

static void tcp_conn_free(resp_tcp_conn *c)
{
    while (c->pending != NULL) {
        resp_pending *pd = c->pending;
        c->pending = pd->next;
        pending_free(pd);
    }
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        c->srv->conns = c->next;
    if (c->next != NULL) c->next->prev = c->prev;
    bufferevent_free(c->bev);
    free(c);
}

static void tcp_read(struct bufferevent *bev, void *arg)
{
    resp_tcp_conn *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    uint8_t hdr[2], *msg;

    while (evbuffer_get_length(in) >= 2) {
        evbuffer_copyout(in, hdr, 2);
        size_t len = ((size_t)hdr[0] << 8) | hdr[1];
        if (evbuffer_get_length(in) < len + 2) return;
        evbuffer_drain(in, 2);
        msg = malloc(len ? len : 1);
        if (msg == NULL) {
            tcp_conn_free(c);
            return;
        }
        evbuffer_remove(in, msg, len);
        uint8_t *out;
        size_t outlen;
        unsigned delay;
        mcxdns_reply r = mcxdns_answer_cached(c->cache, c->zs, msg, len, 1, &out, &outlen, &delay);
        free(msg);
        if (r == MCXDNS_REPLY_SEND) {
            tcp_send(c, out, outlen);
            free(out);
        } else if (r == MCXDNS_REPLY_DELAY) {
            pending_add(c->srv, c, -1, NULL, 0, out, outlen, delay);
        }
    }
}

static void tcp_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) tcp_conn_free(arg);
}

static void tcp_accept(struct evconnlistener *lis, evutil_socket_t fd, struct sockaddr *sa,
                       int salen, void *arg)
{
    resp_listener *l = arg;
    resp_tcp_conn *c = calloc(1, sizeof *c);
    struct timeval idle = {RESP_TCP_IDLE_SECONDS, 0};
    (void)lis;
    (void)sa;
    (void)salen;

    if (c == NULL) {
        evutil_closesocket(fd);
        return;
    }
    c->srv = l->srv;
    c->zs = l->zs;
    c->cache = l->cache;
    c->bev = bufferevent_socket_new(l->srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (c->bev == NULL) {
        evutil_closesocket(fd);
        free(c);
        return;
    }
    c->next = l->srv->conns;
    if (c->next != NULL) c->next->prev = c;
    l->srv->conns = c;
    bufferevent_setcb(c->bev, tcp_read, NULL, tcp_event, c);
    bufferevent_set_timeouts(c->bev, &idle, &idle);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

mcxdns_server *mcxdns_server_new(struct event_base *base, int quiet)
{
    mcxdns_server *srv = calloc(1, sizeof *srv);
    if (srv == NULL) return NULL;
    srv->batch = malloc(sizeof *srv->batch);
    if (srv->batch == NULL) {
        free(srv);
        return NULL;
    }
    srv->base = base;
    srv->quiet = quiet;
    return srv;
}

int mcxdns_server_listen(mcxdns_server *srv, const mcxdns_zoneset *zs, const char *addr, int port,
                         char *why, size_t whylen)
{
    return mcxdns_server_listen_opts(srv, zs, addr, port, 0, why, whylen);
}

int mcxdns_server_listen_opts(mcxdns_server *srv, const mcxdns_zoneset *zs, const char *addr,
                              int port, unsigned flags, char *why, size_t whylen)
{
    struct sockaddr_storage ss;
    int sslen = sizeof ss;
    char spec[128];
    resp_listener *l;
    int one = 1;

    if (srv->nlisteners >= RESP_MAX_LISTENERS) {
        snprintf(why, whylen, "more than %d listeners", RESP_MAX_LISTENERS);
        return -1;
    }
    if (strchr(addr, ':') != NULL)
        snprintf(spec, sizeof spec, "[%s]:%d", addr, port);
    else
        snprintf(spec, sizeof spec, "%s:%d", addr, port);
    memset(&ss, 0, sizeof ss);
    if (port < 1 || port > 65535 ||
        evutil_parse_sockaddr_port(spec, (struct sockaddr *)&ss, &sslen) != 0) {
        snprintf(why, whylen, "'%s' is not an address:port", spec);
        return -1;
    }
    l = &srv->listeners[srv->nlisteners];
    memset(l, 0, sizeof *l);
    l->srv = srv;
    l->zs = zs;
    l->cache = mcxdns_cache_new();
    if (l->cache == NULL) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    l->udp_fd = socket(ss.ss_family, SOCK_DGRAM, 0);
    if (l->udp_fd < 0 || evutil_make_socket_nonblocking(l->udp_fd) != 0 ||
        setsockopt(l->udp_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        ((flags & MCXDNS_LISTEN_UDP_REUSEPORT) != 0 &&
         setsockopt(l->udp_fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) ||
        bind(l->udp_fd, (struct sockaddr *)&ss, (socklen_t)sslen) != 0) {
        snprintf(why, whylen, "cannot bind UDP %s: %s", spec, strerror(errno));
        if (l->udp_fd >= 0) close(l->udp_fd);
        mcxdns_cache_free(l->cache);
        return -1;
    }
    l->udp_ev = event_new(srv->base, l->udp_fd, EV_READ | EV_PERSIST, udp_read, l);
    if (l->udp_ev == NULL || event_add(l->udp_ev, NULL) != 0) {
        snprintf(why, whylen, "cannot watch UDP %s", spec);
        if (l->udp_ev != NULL) event_free(l->udp_ev);
        close(l->udp_fd);
        mcxdns_cache_free(l->cache);
        return -1;
    }
    if ((flags & MCXDNS_LISTEN_NO_TCP) == 0) {
        l->tcp = evconnlistener_new_bind(srv->base, tcp_accept, l,
                                         LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 64,
                                         (struct sockaddr *)&ss, sslen);
        if (l->tcp == NULL) {
            snprintf(why, whylen, "cannot listen on TCP %s: %s", spec, strerror(errno));
            event_free(l->udp_ev);
            close(l->udp_fd);
            mcxdns_cache_free(l->cache);
            return -1;
        }
    }
    srv->nlisteners++;
    if (!srv->quiet && (flags & MCXDNS_LISTEN_NO_TCP) == 0)
        fprintf(stderr, "mcxdns: serving view %s on %s (UDP and TCP)\n", zs->view->name, spec);
    return 0;
}

void mcxdns_server_free(mcxdns_server *srv)
{
    if (srv == NULL) return;
    while (srv->conns != NULL)
        tcp_conn_free(srv->conns);
    while (srv->pending != NULL) {
        resp_pending *pd = srv->pending;
        srv->pending = pd->next;
        pending_free(pd);
    }
    for (size_t i = 0; i < srv->nlisteners; i++) {
        event_free(srv->listeners[i].udp_ev);
        close(srv->listeners[i].udp_fd);
        if (srv->listeners[i].tcp != NULL) evconnlistener_free(srv->listeners[i].tcp);
        mcxdns_cache_free(srv->listeners[i].cache);
    }
    free(srv->batch);
    free(srv);
}
