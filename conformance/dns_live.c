/*
 * dns_live.c -- build a DNS view from a live server's answers (see
 * dns_live.h): ldns builds each query and sends it (ldns_udp_send, then
 * ldns_tcp_send when TC is set); the raw answer is judged by
 * lib/dns_answer.c before it is used (no DNS wire code here). CNAME chains
 * followed across answers, zone apexes from SOA records, NODATA markers,
 * wildcard probes, and DNS-021..DNS-025 for network errors and hostile or
 * broken answers (a REFUSED answer for an Autodiscover name is one DNS-022
 * per run, at once: the server's zone configuration). Many SIP domains are asked by a fixed pool of threads
 * (one ldns resolver and socket each), merged back in domain order.
 *
 * Owns: the live half of `mcxcheck dns`. Does not own: the rules
 * (lib/dns_rules.c), the view (lib/dns_view.c), options (cmd_dns.c).
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <ldns/ldns.h>

#include "dns_live.h"
#include "mcx/dns_answer.h"
#include "mcx/dns_ldns.h"
#include "mcx/mem_grow.h"

/* Chains are followed across answers this far (the rules report a chain
 * longer than MCX_DNS_MAX_CHAIN, and look a few links further). */
#define LIVE_MAX_FOLLOW (MCX_DNS_MAX_CHAIN + 12)
/* Record type of the marker that makes a NODATA name exist in the view
 * (private use range, never served). */
#define LIVE_TYPE_EXISTS 65280
#define LIVE_ZONE_HOPS 4
/* From this many SIP domains on, mcx_dns_live_fetch asks in parallel:
 * LIVE_WORKERS threads, each its own contiguous share of the domains
 * (a fixed split, so the same input gives the same queries, IDs and
 * report, whatever the timing). */
#define LIVE_PARALLEL_MIN 16
#define LIVE_WORKERS 8
/* Query IDs of worker k start at first_id + k * LIVE_ID_STRIDE. */
#define LIVE_ID_STRIDE 4096

typedef struct live_set {
    char **keys;
    char **vals; /* NULL for a plain set */
    size_t n, cap;
} live_set;

typedef struct live_rr {
    char *owner;
    uint16_t type;
    uint32_t ttl;
    char *rdata;
} live_rr;

typedef struct live_ctx {
    ldns_resolver *res; /* builds the queries */
    struct sockaddr_storage to;
    socklen_t tolen;
    const mcx_dns_live_server *server;
    mcx_dns_vantage vantage;
    int timeout_ms, tries;
    unsigned next_id;
    mcx_report *r;
    mcx_dns_live_stats *stats;
    live_set asked;    /* "type name" already resolved */
    live_set failed;   /* names with a DNS-021/022 finding */
    int refused;       /* REFUSED answers to A/AAAA/CNAME queries so far */
    live_set names;    /* every name looked at, in order */
    live_set nodata;   /* names answered NODATA */
    live_set zones;    /* name -> apex ("" = outside every zone) */
    live_set wildcard; /* parent -> "\ntype rdata\n..." of the probe */
    live_rr *rrs;
    size_t nrrs, caprrs;
    int oom;
} live_ctx;

/* ---- small containers ------------------------------------------------- */

static ssize_t set_find(const live_set *s, const char *key)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->keys[i], key) == 0) return (ssize_t)i;
    return -1;
}

/* Add key (and value), or replace the value. 0, or -1 on out of memory. */
static int set_put(live_set *s, const char *key, const char *val)
{
    ssize_t at = set_find(s, key);
    char *v = val != NULL ? strdup(val) : NULL;

    if (val != NULL && v == NULL) return -1;
    if (at >= 0) {
        if (s->vals != NULL) {
            free(s->vals[at]);
            s->vals[at] = v;
        } else {
            free(v);
        }
        return 0;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 32;
        char **k = realloc(s->keys, cap * sizeof *k);
        if (k == NULL) goto oom;
        s->keys = k;
        char **vv = realloc(s->vals, cap * sizeof *vv);
        if (vv == NULL) goto oom;
        s->vals = vv;
        s->cap = cap;
    }
    s->keys[s->n] = strdup(key);
    if (s->keys[s->n] == NULL) goto oom;
    s->vals[s->n] = v;
    s->n++;
    return 0;
oom:
    free(v);
    return -1;
}

static const char *set_get(const live_set *s, const char *key)
{
    ssize_t at = set_find(s, key);
    return at >= 0 ? s->vals[at] : NULL;
}

static void set_free(live_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->keys[i]);
        free(s->vals[i]);
    }
    free(s->keys);
    free(s->vals);
    memset(s, 0, sizeof *s);
}

static void note(live_ctx *c, int rc)
{
    if (rc != 0) c->oom = 1;
}

static const char *parent_of(const char *name)
{
    const char *dot = strchr(name, '.');
    return dot != NULL ? dot + 1 : NULL;
}

/* ---- records from ldns (helpers: lib/dns_ldns.c) ---------------------- */

static void add_live_rr(live_ctx *c, const ldns_rr *rr)
{
    char owner[MCX_DNS_NAME_MAX], rdata[MCX_DNS_NAME_MAX];
    uint16_t type = (uint16_t)ldns_rr_get_type(rr);

    if (mcx_dns_ldns_rr_text(rr, owner, sizeof owner, rdata, sizeof rdata) != 0) return;
    for (size_t i = 0; i < c->nrrs; i++)
        if (c->rrs[i].type == type && strcmp(c->rrs[i].owner, owner) == 0 &&
            strcmp(c->rrs[i].rdata, rdata) == 0)
            return;
    if (mcx_mem_grow((void **)&c->rrs, &c->caprrs, c->nrrs, sizeof *c->rrs) != 0) {
        c->oom = 1;
        return;
    }
    live_rr *n = &c->rrs[c->nrrs];
    n->owner = strdup(owner);
    n->rdata = strdup(rdata);
    n->type = type;
    n->ttl = ldns_rr_ttl(rr);
    if (n->owner == NULL || n->rdata == NULL) {
        free(n->owner);
        free(n->rdata);
        c->oom = 1;
        return;
    }
    c->nrrs++;
    note(c, set_put(&c->names, owner, NULL));
}

/* ---- one query -------------------------------------------------------- */

static void query_failed(live_ctx *c, const char *id, const char *name, uint16_t type,
                         const char *why)
{
    char tbuf[16];
    mcx_finding *f;

    c->stats->failures++;
    if (set_find(&c->failed, name) >= 0) return;
    note(c, set_put(&c->failed, name, NULL));
    f = mcx_report_add(c->r, id, "%s view: %s %s to %s: %s", mcx_dns_vantage_name(c->vantage),
                       name, mcx_dns_type_name(type, tbuf, sizeof tbuf), c->server->text, why);
    if (f == NULL) return;
    mcx_finding_set_subject(f, name);
    if (strcmp(id, "DNS-021") == 0)
        mcx_finding_set_remediation(f,
                                    "Make %s answer queries for %s over UDP and TCP port %d "
                                    "from the %s network (server running, firewalls open), "
                                    "then run mcxcheck dns again.",
                                    c->server->text, name, c->server->port,
                                    mcx_dns_vantage_name(c->vantage));
    else if (strcmp(id, "DNS-022") == 0)
        mcx_finding_set_remediation(f,
                                    "Fix the zone that holds %s on %s so that it answers the "
                                    "query (check the server's log for the zone's load errors), "
                                    "then run mcxcheck dns again.",
                                    name, c->server->text);
}

/* 1 for lyncdiscoverinternal.<domain> and lyncdiscover.<domain>: the
 * names the view's server must answer for. */
static int live_autodiscover_name(const char *name)
{
    return strncmp(name, "lyncdiscoverinternal.", 21) == 0 ||
           strncmp(name, "lyncdiscover.", 13) == 0;
}

/* A REFUSED answer to name/type: the name is marked failed (the rules then
 * say nothing else about it); the first one of a run is a DNS-022 finding
 * with the fix for the server's configuration, later ones only count (one
 * cause: the server does not answer for these zones to this client). */
static void live_refused(live_ctx *c, const char *name, uint16_t type)
{
    char tbuf[16];
    mcx_finding *f;

    c->stats->failures++;
    c->stats->refused++;
    if (set_find(&c->failed, name) >= 0) return;
    note(c, set_put(&c->failed, name, NULL));
    if (c->refused++ > 0) return;
    f = mcx_report_add(c->r, "DNS-022",
                       "%s view: %s %s to %s: answered REFUSED (the server does not answer for "
                       "this name to this client; every later refusal is counted in the step, "
                       "not repeated)",
                       mcx_dns_vantage_name(c->vantage), name,
                       mcx_dns_type_name(type, tbuf, sizeof tbuf), c->server->text);
    if (f == NULL) return;
    mcx_finding_set_subject(f, name);
    mcx_finding_set_remediation(f,
                                "%s refuses to answer for %s: it is not authoritative for the "
                                "zone that holds it, or does not serve that zone to clients of "
                                "the %s network (an ACL such as BIND's allow-query, a view's "
                                "match-clients, Windows DNS zone settings). Serve the zone on "
                                "that server to these clients, or point --dns-%s at the zone's "
                                "authoritative server, then run mcxcheck dns again.",
                                c->server->text, name, mcx_dns_vantage_name(c->vantage),
                                mcx_dns_vantage_name(c->vantage));
}

/* Send `qbin` once per try over UDP or TCP until some bytes come back.
 * LDNS_STATUS_OK and *wire (caller frees), or the last ldns error. */
static ldns_status live_exchange(live_ctx *c, ldns_buffer *qbin, int over_tcp, uint8_t **wire,
                                 size_t *len)
{
    struct timeval tv = {c->timeout_ms / 1000, (c->timeout_ms % 1000) * 1000};
    ldns_status st = LDNS_STATUS_NETWORK_ERR;

    for (int try = 0; try < (c->tries > 0 ? c->tries : 1); try++) {
        *wire = NULL;
        *len = 0;
        st = over_tcp ? ldns_tcp_send(wire, qbin, &c->to, c->tolen, tv, len)
                      : ldns_udp_send(wire, qbin, &c->to, c->tolen, tv, len);
        if (st == LDNS_STATUS_OK && *wire != NULL) return st;
        free(*wire);
        *wire = NULL;
        if (st == LDNS_STATUS_OK) st = LDNS_STATUS_NETWORK_ERR;
    }
    return st;
}

/* The catalogue ID for an answer that cannot be used. */
static const char *verdict_check_id(mcx_dns_answer_class cls)
{
    switch (cls) {
    case MCX_DNS_ANSWER_MALFORMED:
    case MCX_DNS_ANSWER_TRAILING: return "DNS-023";
    case MCX_DNS_ANSWER_WRONG_ID:
    case MCX_DNS_ANSWER_NOT_RESPONSE:
    case MCX_DNS_ANSWER_WRONG_QUESTION: return "DNS-024";
    case MCX_DNS_ANSWER_OVERSIZED: return "DNS-025";
    default: return "DNS-022";
    }
}

/* Ask name/type over UDP, again over TCP when TC is set, and check the raw
 * answer (lib/dns_answer.c). The parsed answer in *a, or -1 with a
 * DNS-021/023/024/025 finding. */
static int live_ask(live_ctx *c, ldns_pkt *q, const char *name, uint16_t type, ldns_pkt **a)
{
    char fqdn[MCX_DNS_NAME_MAX + 2], why[512];
    ldns_buffer *qbin = ldns_buffer_new(LDNS_MAX_PACKETLEN);
    mcx_dns_answer_query aq;
    mcx_dns_answer_verdict v;
    int rc = -1;

    *a = NULL;
    if (qbin == NULL || ldns_pkt2buffer_wire(qbin, q) != LDNS_STATUS_OK) {
        query_failed(c, "DNS-022", name, type, "the query cannot be built");
        ldns_buffer_free(qbin);
        return -1;
    }
    snprintf(fqdn, sizeof fqdn, "%s%s", name, strcmp(name, ".") == 0 ? "" : ".");
    memset(&aq, 0, sizeof aq);
    aq.id = ldns_pkt_id(q);
    aq.qname = fqdn;
    aq.qtype = type;
    aq.qclass = LDNS_RR_CLASS_IN;
    aq.udp_limit = ldns_pkt_edns(q) ? ldns_pkt_edns_udp_size(q) : MCX_DNS_ANSWER_UDP_LIMIT;
    c->stats->queries++; /* one per question, whatever the tries and transports */
    for (int over_tcp = 0; over_tcp < 2; over_tcp++) {
        uint8_t *wire = NULL;
        size_t len = 0;
        ldns_status st = live_exchange(c, qbin, over_tcp, &wire, &len);
        const char *via = over_tcp ? "TCP" : "UDP";
        if (st != LDNS_STATUS_OK) {
            snprintf(why, sizeof why, "no answer over %s within %d ms x %d tries (%s)", via,
                     c->timeout_ms, c->tries, ldns_get_errorstr_by_id(st));
            query_failed(c, "DNS-021", name, type, why);
            break;
        }
        aq.over_tcp = over_tcp;
        mcx_dns_answer_class cls = mcx_dns_answer_check(&aq, wire, len, &v);
        free(wire);
        if (cls == MCX_DNS_ANSWER_TC) continue; /* ask again over TCP */
        if (cls == MCX_DNS_ANSWER_OK) {
            *a = v.pkt;
            rc = 0;
            break;
        }
        snprintf(why, sizeof why, "%s answer to query ID %u is %s: %s", via, (unsigned)aq.id,
                 mcx_dns_answer_class_name(cls), v.message);
        query_failed(c, verdict_check_id(cls), name, type, why);
        break;
    }
    ldns_buffer_free(qbin);
    return rc;
}

/* Ask name/type. 0 and *out on NOERROR or NXDOMAIN; 1 on REFUSED (the
 * server holds no zone for the name); -1 on any failure (finding added). */
static int live_query(live_ctx *c, const char *name, uint16_t type, ldns_pkt **out)
{
    char fqdn[MCX_DNS_NAME_MAX + 2], why[256];
    ldns_rdf *dn = NULL;
    ldns_pkt *q = NULL, *a = NULL;
    int rc = -1;

    *out = NULL;
    if (set_find(&c->failed, name) >= 0) return -1;
    snprintf(fqdn, sizeof fqdn, "%s%s", name, strcmp(name, ".") == 0 ? "" : ".");
    dn = ldns_dname_new_frm_str(fqdn);
    if (dn == NULL ||
        ldns_resolver_prepare_query_pkt(&q, c->res, dn, (ldns_rr_type)type, LDNS_RR_CLASS_IN, 0) !=
            LDNS_STATUS_OK) {
        query_failed(c, "DNS-022", name, type, "the query cannot be built");
        goto done;
    }
    ldns_pkt_set_id(q, (uint16_t)(c->next_id++ & 0xffff));
    if (live_ask(c, q, name, type, &a) != 0) goto done;
    if (ldns_pkt_get_rcode(a) == LDNS_RCODE_SERVFAIL &&
        mcx_dns_ldns_only_cnames(ldns_pkt_answer(a))) {
        /* BIND gives up on a CNAME loop or a long chain with SERVFAIL and
         * the CNAMEs it followed: those are the data, the rules judge them. */
        *out = a;
        a = NULL;
        rc = 0;
        goto done;
    }
    switch (ldns_pkt_get_rcode(a)) {
    case LDNS_RCODE_NOERROR:
    case LDNS_RCODE_NXDOMAIN:
        *out = a;
        a = NULL;
        rc = 0;
        break;
    case LDNS_RCODE_REFUSED:
        /* An answer, at once: no retry. For an Autodiscover name of a SIP
         * domain being checked, the server named for the view will not
         * answer for it: DNS-022. Anything else (an SOA query looking for
         * a name's zone, a CNAME target or web FQDN in another domain) is
         * only "not a zone of this server", as before. */
        rc = 1;
        if (type != MCX_DNS_TYPE_SOA && live_autodiscover_name(name)) live_refused(c, name, type);
        break;
    default: {
        char *rcode = ldns_pkt_rcode2str(ldns_pkt_get_rcode(a));
        snprintf(why, sizeof why, "answered %s", rcode != NULL ? rcode : "an error");
        free(rcode);
        query_failed(c, "DNS-022", name, type, why);
        break;
    }
    }
done:
    ldns_rdf_deep_free(dn);
    ldns_pkt_free(q);
    ldns_pkt_free(a);
    return rc;
}

static const ldns_rr *first_soa(const ldns_rr_list *l)
{
    for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++)
        if (ldns_rr_get_type(ldns_rr_list_rr(l, i)) == LDNS_RR_TYPE_SOA)
            return ldns_rr_list_rr(l, i);
    return NULL;
}

/* ---- resolving a name, zones, wildcards ------------------------------- */

static void live_resolve(live_ctx *c, const char *name, uint16_t type, int depth)
{
    char key[MCX_DNS_NAME_MAX + 16], cur[MCX_DNS_NAME_MAX], apex[MCX_DNS_NAME_MAX];
    live_set seen = {0};
    ldns_pkt *p = NULL;
    int looped = 0;

    snprintf(key, sizeof key, "%u %s", type, name);
    if (depth > LIVE_MAX_FOLLOW || set_find(&c->asked, key) >= 0) return;
    note(c, set_put(&c->asked, key, NULL));
    note(c, set_put(&c->names, name, NULL));
    if (live_query(c, name, type, &p) != 0) return;
    const ldns_rr_list *an = ldns_pkt_answer(p);
    for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(an, i);
        uint16_t t = (uint16_t)ldns_rr_get_type(rr);
        if (t == MCX_DNS_TYPE_CNAME || t == type) add_live_rr(c, rr);
    }
    snprintf(cur, sizeof cur, "%s", name);
    note(c, set_put(&seen, cur, NULL));
    for (int hops = 0; hops < 4 * LIVE_MAX_FOLLOW; hops++) {
        const ldns_rr *cn = mcx_dns_ldns_find_rr(an, cur, MCX_DNS_TYPE_CNAME);
        if (cn == NULL || mcx_dns_ldns_name(ldns_rr_rdf(cn, 0), cur, sizeof cur) != 0) break;
        if (set_find(&seen, cur) >= 0) {
            looped = 1;
            break;
        }
        note(c, set_put(&seen, cur, NULL));
    }
    set_free(&seen);
    if (!looped && mcx_dns_ldns_find_rr(an, cur, type) == NULL) {
        const ldns_rr *soa = first_soa(ldns_pkt_authority(p));
        if (soa != NULL) {
            /* A negative answer about `cur`: it tells the zone too. */
            if (mcx_dns_ldns_name(ldns_rr_owner(soa), apex, sizeof apex) == 0 &&
                mcx_dns_name_is_under(cur, apex))
                note(c, set_put(&c->zones, cur, apex));
            note(c, set_put(&c->names, cur, NULL));
            if (ldns_pkt_get_rcode(p) == LDNS_RCODE_NOERROR)
                note(c, set_put(&c->nodata, cur, NULL));
        } else if (strcmp(cur, name) != 0) {
            /* The chain leaves the answer: the target is elsewhere, or the
             * server stopped following. */
            ldns_pkt_free(p);
            p = NULL;
            live_resolve(c, cur, type, depth + 1);
        }
    }
    ldns_pkt_free(p);
}

/* The apex of the zone that holds `name` on this server, or "" when none. */
static const char *live_zone(live_ctx *c, const char *name)
{
    char cur[MCX_DNS_NAME_MAX], apex[MCX_DNS_NAME_MAX] = "";
    const char *known = set_get(&c->zones, name);

    if (known != NULL) return known;
    snprintf(cur, sizeof cur, "%s", name);
    for (int hop = 0; hop < LIVE_ZONE_HOPS; hop++) {
        ldns_pkt *p = NULL;
        if (live_query(c, cur, MCX_DNS_TYPE_SOA, &p) != 0) break;
        const ldns_rr *soa = first_soa(ldns_pkt_authority(p));
        if (mcx_dns_ldns_find_rr(ldns_pkt_answer(p), cur, MCX_DNS_TYPE_SOA) != NULL) {
            snprintf(apex, sizeof apex, "%s", cur);
        } else if (mcx_dns_ldns_find_rr(ldns_pkt_answer(p), cur, MCX_DNS_TYPE_CNAME) != NULL) {
            const char *up = parent_of(cur);
            ldns_pkt_free(p);
            if (up == NULL) break;
            memmove(cur, up, strlen(up) + 1);
            continue;
        } else if (soa != NULL && mcx_dns_ldns_name(ldns_rr_owner(soa), apex, sizeof apex) == 0 &&
                   !mcx_dns_name_is_under(cur, apex)) {
            apex[0] = '\0';
        }
        ldns_pkt_free(p);
        break;
    }
    note(c, set_put(&c->zones, name, apex));
    known = set_get(&c->zones, name);
    return known != NULL ? known : "";
}

/* "\ntype rdata\n..." of what a wildcard below `parent` answers ("" when
 * none), from the probe name. */
static const char *live_wildcard(live_ctx *c, const char *parent)
{
    static const uint16_t types[] = {MCX_DNS_TYPE_A, MCX_DNS_TYPE_AAAA};
    char probe[MCX_DNS_NAME_MAX + 64], owner[MCX_DNS_NAME_MAX];
    char found[4096] = "\n";
    const char *known = set_get(&c->wildcard, parent);

    if (known != NULL) return known;
    snprintf(probe, sizeof probe, "%s.%s", MCX_DNS_LIVE_WILDCARD_PROBE, parent);
    for (size_t t = 0; t < 2; t++) {
        ldns_pkt *p = NULL;
        if (live_query(c, probe, types[t], &p) != 0) break;
        const ldns_rr_list *an = ldns_pkt_answer(p);
        for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
            const ldns_rr *rr = ldns_rr_list_rr(an, i);
            char *rd = ldns_rr_rd_count(rr) > 0 ? ldns_rdf2str(ldns_rr_rdf(rr, 0)) : NULL;
            char norm[MCX_DNS_NAME_MAX];
            if (rd != NULL && mcx_dns_ldns_name(ldns_rr_owner(rr), owner, sizeof owner) == 0 &&
                strcmp(owner, probe) == 0) {
                const char *text = rd;
                if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME &&
                    mcx_dns_name_normalise(rd, norm, sizeof norm) == 0)
                    text = norm;
                size_t used = strlen(found);
                snprintf(found + used, sizeof found - used, "%u %s\n",
                         (unsigned)ldns_rr_get_type(rr), text);
            }
            free(rd);
        }
        ldns_pkt_free(p);
    }
    note(c, set_put(&c->wildcard, parent, strlen(found) > 1 ? found : ""));
    known = set_get(&c->wildcard, parent);
    return known != NULL ? known : "";
}

static int is_wildcard_rr(live_ctx *c, const live_rr *rr, const char *zone)
{
    const char *parent = parent_of(rr->owner);
    char needle[MCX_DNS_NAME_MAX + 32];

    if (parent == NULL || strcmp(rr->owner, zone) == 0 ||
        strncmp(rr->owner, MCX_DNS_LIVE_WILDCARD_PROBE ".",
                strlen(MCX_DNS_LIVE_WILDCARD_PROBE) + 1) == 0)
        return 0;
    const char *w = live_wildcard(c, parent);
    if (w[0] == '\0') return 0;
    snprintf(needle, sizeof needle, "\n%u %s\n", rr->type, rr->rdata);
    return strstr(w, needle) != NULL;
}

/* ---- the view --------------------------------------------------------- */

static int live_setup(live_ctx *c)
{
    ldns_rdf *ns;
    struct timeval tv = {c->timeout_ms / 1000, (c->timeout_ms % 1000) * 1000};

    c->res = ldns_resolver_new();
    if (c->res == NULL) return -1;
    ns = ldns_rdf_new_frm_str(strchr(c->server->addr, ':') ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A,
                              c->server->addr);
    if (ns == NULL) return -1;
    if (ldns_resolver_push_nameserver(c->res, ns) != LDNS_STATUS_OK) {
        ldns_rdf_deep_free(ns);
        return -1;
    }
    ldns_rdf_deep_free(ns);
    ldns_resolver_set_port(c->res, (uint16_t)c->server->port);
    ldns_resolver_set_recursive(c->res, false);
    ldns_resolver_set_random(c->res, false);
    ldns_resolver_set_fallback(c->res, true); /* TC: ask again over TCP */
    ldns_resolver_set_usevc(c->res, false);
    ldns_resolver_set_dnssec(c->res, false);
    ldns_resolver_set_retry(c->res, (uint8_t)c->tries);
    ldns_resolver_set_retrans(c->res, 0);
    ldns_resolver_set_timeout(c->res, tv);
    memset(&c->to, 0, sizeof c->to);
    if (strchr(c->server->addr, ':') != NULL) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&c->to;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)c->server->port);
        if (inet_pton(AF_INET6, c->server->addr, &sin6->sin6_addr) != 1) return -1;
        c->tolen = sizeof *sin6;
    } else {
        struct sockaddr_in *sin = (struct sockaddr_in *)&c->to;
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)c->server->port);
        if (inet_pton(AF_INET, c->server->addr, &sin->sin_addr) != 1) return -1;
        c->tolen = sizeof *sin;
    }
    return 0;
}

static void live_free(live_ctx *c)
{
    if (c->res != NULL) ldns_resolver_deep_free(c->res);
    set_free(&c->asked);
    set_free(&c->failed);
    set_free(&c->names);
    set_free(&c->nodata);
    set_free(&c->zones);
    set_free(&c->wildcard);
    for (size_t i = 0; i < c->nrrs; i++) {
        free(c->rrs[i].owner);
        free(c->rrs[i].rdata);
    }
    free(c->rrs);
}

static void resolve_both(live_ctx *c, const char *name)
{
    char norm[MCX_DNS_NAME_MAX];
    if (name == NULL || mcx_dns_name_normalise(name, norm, sizeof norm) != 0) return;
    live_resolve(c, norm, MCX_DNS_TYPE_A, 0);
    live_resolve(c, norm, MCX_DNS_TYPE_AAAA, 0);
}

/* Start one run of `c` against `server` (mcx_dns_live_fetch and
 * mcx_dns_live_resolve): 0, or -1 with a DNS-000 finding when `view` could
 * not be made or ldns cannot be set up. */
static int live_begin(live_ctx *c, const mcx_dns_view *view, const mcx_dns_live_server *server,
                      mcx_dns_vantage vantage, int timeout_ms, int tries, unsigned first_id,
                      mcx_report *r, mcx_dns_live_stats *stats)
{
    *c = (live_ctx){.server = server, .vantage = vantage, .timeout_ms = timeout_ms,
                    .tries = tries, .next_id = first_id, .r = r, .stats = stats};
    memset(stats, 0, sizeof *stats);
    if (view == NULL || live_setup(c) != 0) {
        mcx_report_add(r, "DNS-000", "cannot set up an ldns resolver for %s", server->text);
        return -1;
    }
    return 0;
}

/* Zones of every name seen (the list grows while we go: copy first). */
static void add_zones(live_ctx *c, mcx_dns_view *view)
{
    size_t nnames = c->names.n;
    for (size_t i = 0; i < nnames; i++) {
        char copy[MCX_DNS_NAME_MAX];
        snprintf(copy, sizeof copy, "%s", c->names.keys[i]);
        const char *apex = live_zone(c, copy);
        int have = apex[0] == '\0';
        for (size_t z = 0; z < view->nzones && !have; z++)
            have = strcmp(view->zones[z], apex) == 0;
        if (!have) note(c, mcx_dns_view_add_zone(view, apex));
    }
}

/* The records answered; with `wildcards`, a record a wildcard answers
 * (the probe says so) is added once as the wildcard's. */
static void add_records(live_ctx *c, mcx_dns_view *view, int wildcards)
{
    char name[MCX_DNS_NAME_MAX + 32];

    for (size_t i = 0; i < c->nrrs; i++) {
        const live_rr *rr = &c->rrs[i];
        const char *zone = wildcards ? mcx_dns_view_zone_of(view, rr->owner) : NULL;
        if (zone != NULL && is_wildcard_rr(c, rr, zone)) {
            snprintf(name, sizeof name, "*.%s", parent_of(rr->owner));
            int dup = 0;
            for (size_t j = 0; j < view->nrrs; j++)
                dup |= view->rrs[j].type == rr->type && strcmp(view->rrs[j].owner, name) == 0 &&
                       strcmp(view->rrs[j].rdata, rr->rdata) == 0;
            if (!dup)
                note(c, mcx_dns_view_add_rr(view, name, rr->type, rr->ttl, rr->rdata, "live"));
        } else {
            note(c, mcx_dns_view_add_rr(view, rr->owner, rr->type, rr->ttl, rr->rdata, "live"));
        }
    }
}

/* A marker record for each name answered NODATA, so that it exists. */
static void add_nodata(live_ctx *c, mcx_dns_view *view)
{
    for (size_t i = 0; i < c->nodata.n; i++) {
        const char *n = c->nodata.keys[i];
        int has = 0;
        /* Any answer at the name (explicit or through a wildcard) already
         * makes it exist. */
        for (size_t j = 0; j < c->nrrs && !has; j++)
            has = strcmp(c->rrs[j].owner, n) == 0;
        if (!has) note(c, mcx_dns_view_add_rr(view, n, LIVE_TYPE_EXISTS, 3600, "NODATA", "live"));
    }
}

/* A marker at each name whose query failed (DNS-021..025 name it), so
 * that the rules do not also call it missing. */
static void add_unanswered(live_ctx *c, mcx_dns_view *view)
{
    for (size_t i = 0; i < c->failed.n; i++)
        note(c, mcx_dns_view_add_rr(view, c->failed.keys[i], MCX_DNS_TYPE_UNANSWERED, 0,
                                    "UNANSWERED", "live"));
}

/* End a run begun with live_begin (`begun`: it returned 0): frees `c`;
 * `view`, or NULL (view freed) when the run failed or ran out of memory
 * (DNS-000). */
static mcx_dns_view *live_end(live_ctx *c, mcx_dns_view *view, int begun)
{
    if (begun) {
        c->stats->names = c->names.n;
        if (c->oom) {
            mcx_report_add(c->r, "DNS-000", "out of memory while querying %s", c->server->text);
            begun = 0;
        }
    }
    live_free(c);
    if (begun) return view;
    mcx_dns_view_free(view);
    return NULL;
}

/* ---- many SIP domains: a fixed pool of workers ------------------------- */

typedef struct live_worker {
    live_ctx c;
    mcx_report *r; /* the worker's findings, merged in worker order */
    mcx_dns_live_stats stats;
    const char *const *domains;
    size_t ndomains;
    int ok;
} live_worker;

static void resolve_domain(live_ctx *c, const char *domain)
{
    char name[MCX_DNS_NAME_MAX + 32];

    snprintf(name, sizeof name, "lyncdiscoverinternal.%s", domain);
    resolve_both(c, name);
    snprintf(name, sizeof name, "lyncdiscover.%s", domain);
    resolve_both(c, name);
}

static void *worker_run(void *arg)
{
    live_worker *w = arg;

    for (size_t i = 0; i < w->ndomains; i++)
        resolve_domain(&w->c, w->domains[i]);
    /* The zone of every name this worker saw (SOA queries), in parallel too. */
    for (size_t i = 0; i < w->c.names.n; i++) {
        char copy[MCX_DNS_NAME_MAX];
        snprintf(copy, sizeof copy, "%s", w->c.names.keys[i]);
        (void)live_zone(&w->c, copy);
    }
    return NULL;
}

/* Fold worker `w` into `c`: records, names, NODATA names, zones, failed
 * names and stats; its findings into c->r (one per subject and ID). */
static void worker_merge(live_ctx *c, live_worker *w)
{
    live_ctx *from = &w->c;

    for (size_t i = 0; i < from->nrrs; i++) {
        const live_rr *rr = &from->rrs[i];
        int dup = 0;
        for (size_t j = 0; j < c->nrrs && !dup; j++)
            dup = c->rrs[j].type == rr->type && strcmp(c->rrs[j].owner, rr->owner) == 0 &&
                  strcmp(c->rrs[j].rdata, rr->rdata) == 0;
        if (dup) continue;
        if (mcx_mem_grow((void **)&c->rrs, &c->caprrs, c->nrrs, sizeof *c->rrs) != 0) {
            c->oom = 1;
            return;
        }
        c->rrs[c->nrrs++] = *rr; /* ownership moves */
        from->rrs[i].owner = from->rrs[i].rdata = NULL;
    }
    for (size_t i = 0; i < from->names.n; i++) note(c, set_put(&c->names, from->names.keys[i], NULL));
    for (size_t i = 0; i < from->nodata.n; i++)
        note(c, set_put(&c->nodata, from->nodata.keys[i], NULL));
    for (size_t i = 0; i < from->zones.n; i++)
        if (set_find(&c->zones, from->zones.keys[i]) < 0)
            note(c, set_put(&c->zones, from->zones.keys[i], from->zones.vals[i]));
    for (size_t i = 0; i < from->asked.n; i++) note(c, set_put(&c->asked, from->asked.keys[i], NULL));
    c->stats->queries += w->stats.queries;
    for (size_t i = 0; i < w->r->nfindings; i++) {
        const mcx_finding *f = &w->r->findings[i];
        if (f->subject != NULL && set_find(&c->failed, f->subject) >= 0) continue;
        if (f->subject != NULL) note(c, set_put(&c->failed, f->subject, NULL));
        mcx_finding *n = mcx_report_add(c->r, f->id, "%s", f->message);
        if (n == NULL) continue;
        if (f->subject != NULL) mcx_finding_set_subject(n, f->subject);
        if (f->remediation != NULL) mcx_finding_set_remediation(n, "%s", f->remediation);
    }
    c->stats->failures += w->stats.failures;
    c->stats->refused += w->stats.refused;
    if (from->oom) c->oom = 1;
}

/* Resolve the Autodiscover names of `domains` with LIVE_WORKERS threads.
 * 0, or -1 (nothing merged) when the workers cannot be set up. */
static int fetch_parallel(live_ctx *c, const mcx_dns_view *view, const char *const *domains,
                          size_t ndomains, unsigned first_id)
{
    live_worker w[LIVE_WORKERS];
    pthread_t tid[LIVE_WORKERS];
    int started[LIVE_WORKERS] = {0}, rc = 0;
    size_t at = 0;

    memset(w, 0, sizeof w);
    for (size_t k = 0; k < LIVE_WORKERS; k++) {
        size_t share = ndomains / LIVE_WORKERS + (k < ndomains % LIVE_WORKERS ? 1 : 0);
        w[k].domains = domains + at;
        w[k].ndomains = share;
        at += share;
        w[k].r = mcx_report_new("mcxcheck", "dns", "worker");
        if (w[k].r == NULL ||
            live_begin(&w[k].c, view, c->server,
                       c->vantage, c->timeout_ms, c->tries,
                       first_id + (unsigned)k * LIVE_ID_STRIDE, w[k].r, &w[k].stats) != 0) {
            rc = -1;
            continue;
        }
        w[k].ok = 1;
    }
    for (size_t k = 0; rc == 0 && k < LIVE_WORKERS; k++)
        started[k] = pthread_create(&tid[k], NULL, worker_run, &w[k]) == 0;
    for (size_t k = 0; k < LIVE_WORKERS; k++) {
        if (started[k]) {
            pthread_join(tid[k], NULL);
        } else if (rc == 0 && w[k].ok) {
            worker_run(&w[k]); /* no thread: do its share here */
        }
    }
    for (size_t k = 0; k < LIVE_WORKERS; k++) {
        if (rc == 0) worker_merge(c, &w[k]);
        if (w[k].ok) live_free(&w[k].c);
        mcx_report_free(w[k].r);
    }
    return rc;
}

mcx_dns_view *mcx_dns_live_fetch(const mcx_dns_live_server *server, mcx_dns_vantage vantage,
                                 const char *const *domains, size_t ndomains,
                                 const mcx_topology *topology, int timeout_ms, int tries,
                                 unsigned first_id, mcx_report *r, mcx_dns_live_stats *stats)
{
    live_ctx c;
    mcx_dns_view *view = mcx_dns_view_new(mcx_dns_vantage_name(vantage));

    if (live_begin(&c, view, server, vantage, timeout_ms, tries, first_id, r, stats) != 0)
        return live_end(&c, view, 0);
    if (ndomains >= LIVE_PARALLEL_MIN) {
        /* The workers' IDs come first; ours follow theirs. */
        c.next_id = first_id + LIVE_WORKERS * LIVE_ID_STRIDE;
        if (fetch_parallel(&c, view, domains, ndomains, first_id) != 0) {
            mcx_report_add(r, "DNS-000", "cannot set up the parallel queries to %s", server->text);
            return live_end(&c, view, 0);
        }
    } else {
        for (size_t i = 0; i < ndomains; i++)
            resolve_domain(&c, domains[i]);
    }
    for (size_t i = 0; topology != NULL && i < topology->npools; i++) {
        resolve_both(&c, topology->pools[i].internal_web_fqdn);
        resolve_both(&c, topology->pools[i].external_web_fqdn);
    }
    add_zones(&c, view);
    add_records(&c, view, 1);
    add_nodata(&c, view);
    add_unanswered(&c, view);
    return live_end(&c, view, 1);
}

int mcx_dns_live_parse_server(const char *spec, mcx_dns_live_server *out)
{
    char addr[64];
    long port = MCX_DNS_LIVE_DEFAULT_PORT;
    const char *colon = NULL;
    unsigned char buf[16];

    memset(out, 0, sizeof *out);
    if (spec == NULL || spec[0] == '\0') return -1;
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (close == NULL || (size_t)(close - spec - 1) >= sizeof addr) return -1;
        memcpy(addr, spec + 1, (size_t)(close - spec - 1));
        addr[close - spec - 1] = '\0';
        if (close[1] == ':')
            colon = close + 1;
        else if (close[1] != '\0')
            return -1;
    } else if (strchr(spec, ':') != strrchr(spec, ':')) {
        if (strlen(spec) >= sizeof addr) return -1; /* bare IPv6 literal */
        snprintf(addr, sizeof addr, "%s", spec);
    } else {
        colon = strchr(spec, ':');
        size_t len = colon != NULL ? (size_t)(colon - spec) : strlen(spec);
        if (len >= sizeof addr) return -1;
        memcpy(addr, spec, len);
        addr[len] = '\0';
    }
    if (colon != NULL) {
        char *end = NULL;
        port = strtol(colon + 1, &end, 10);
        if (end == colon + 1 || *end != '\0' || port < 1 || port > 65535) return -1;
    }
    int v6 = strchr(addr, ':') != NULL;
    if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, buf) != 1) return -1;
    snprintf(out->addr, sizeof out->addr, "%s", addr);
    out->port = (int)port;
    snprintf(out->text, sizeof out->text, v6 ? "[%s]:%ld" : "%s:%ld", addr, port);
    return 0;
}

/* ---- names a client resolves (`mcxcheck discover --dns-*`) ---------- */

mcx_dns_view *mcx_dns_live_resolve(const mcx_dns_live_server *server, mcx_dns_vantage vantage,
                                   const char *const *names, size_t nnames, int timeout_ms,
                                   int tries, unsigned first_id, mcx_report *r,
                                   mcx_dns_live_stats *stats)
{
    live_ctx c;
    mcx_dns_view *view = mcx_dns_view_new(mcx_dns_vantage_name(vantage));

    if (live_begin(&c, view, server, vantage, timeout_ms, tries, first_id, r, stats) != 0)
        return live_end(&c, view, 0);
    for (size_t i = 0; i < nnames; i++)
        resolve_both(&c, names[i]);
    add_zones(&c, view);
    /* Records as answered: no wildcard inference, a client does not care. */
    add_records(&c, view, 0);
    add_nodata(&c, view);
    return live_end(&c, view, 1);
}
