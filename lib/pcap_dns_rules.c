/*
 * pcap_dns_rules.c -- the DNS rules (dns_rules.h) over the DNS answers a
 * capture holds: `pcap verify` feeds every DNS message here, and at the end
 * the answers of each resolver become one DNS view, judged as `mcxcheck dns`
 * judges a view, with the frames of the transactions as evidence.
 *
 * Owns: matching queries with responses (ID, ports, addresses, question:
 * parsed with ldns, no DNS wire code here), the view built from answers
 * (answer records, NODATA markers, zone apexes from the SOA of negative
 * answers, else inferred), the vantage of a resolver (by its address), and
 * which findings a capture can judge: a capture only holds what the phone
 * asked, so a rule about a name nobody asked for is dropped, not reported
 * (the list is in one step and in pcap/README.md). Does not own: the rules
 * (dns_rules.c), the view (dns_view.c), the other capture rules
 * (pcap_rules.c), the catalogue text, the ldns record helpers
 * (dns_ldns.c).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldns/ldns.h>

#include "mcx/dns_decode.h"
#include "mcx/dns_ldns.h"
#include "mcx/dns_rules.h"
#include "mcx/mem_grow.h"
#include "mcx/pcap.h"

#define PDNS_NAME_MAX 256
#define PDNS_MAX_PENDING 4096
#define PDNS_MAX_RESOLVERS 32
#define PDNS_MAX_TXNS 4096
#define PDNS_MAX_NAMES 8192
#define PDNS_MAX_CHAIN 64
#define PDNS_MAX_DOMAINS 64
#define PDNS_MAX_EVIDENCE_FRAMES 24
/* Record type of the marker that makes a NODATA name exist in the view
 * (private use range, as conformance/dns_live.c does). */
#define PDNS_TYPE_EXISTS 65280

typedef struct pdns_query {
    int family;
    uint8_t client[16], server[16];
    uint16_t cport, id, qtype;
    unsigned long frame;
    char qname[PDNS_NAME_MAX];
} pdns_query;

typedef struct pdns_txn {
    char qname[PDNS_NAME_MAX];
    uint16_t qtype;
    unsigned long qframe, rframe; /* rframe 0: no response captured */
    int rcode;
    int data; /* NOERROR/NXDOMAIN (or SERVFAIL with the CNAMEs followed) */
    char final[PDNS_NAME_MAX]; /* end of the CNAME chain in the answer */
} pdns_txn;

typedef struct pdns_rr {
    char owner[PDNS_NAME_MAX];
    uint16_t type;
    uint32_t ttl;
    char rdata[PDNS_NAME_MAX];
    unsigned long frame;
} pdns_rr;

typedef enum { ZONE_UNKNOWN = 0, ZONE_SOA, ZONE_OUTSIDE } pdns_zone_kind;

typedef struct pdns_name {
    char name[PDNS_NAME_MAX];
    char apex[PDNS_NAME_MAX];
    pdns_zone_kind zone;
    int nodata;
    int needs_zone; /* asked and answered, or owns a record */
} pdns_name;

typedef struct pdns_resolver {
    int family;
    uint8_t addr[16];
    char text[48];
    mcx_dns_vantage vantage;
    pdns_txn *txns;
    size_t ntxns, captxns;
    pdns_rr *rrs;
    size_t nrrs, caprrs;
    pdns_name *names;
    size_t nnames, capnames;
} pdns_resolver;

struct mcx_pcap_dns_collector {
    pdns_query *pending;
    size_t npending, cappending;
    pdns_resolver res[PDNS_MAX_RESOLVERS];
    size_t nres;
    unsigned long dropped; /* beyond the bounds */
};

/* ---- small helpers ---- */

/* mcx_dns_name_normalise() without the ldns round trip for the names
 * captures nearly always carry: lower-case letters, digits, '-' and '_' in
 * labels of 1..63 characters, no trailing dot (what dns_decode.c's summary
 * holds). ldns would print such a name back unchanged; anything else takes
 * the ldns path. The round trip was a fifth of `pcap verify`'s profile. */
static int pdns_normalise(const char *in, char *out, size_t len)
{
    size_t n = 0, label = 0;
    for (; in[n] != '\0'; n++) {
        char ch = in[n];
        if (ch == '.') {
            if (label == 0)
                return mcx_dns_name_normalise(in, out, len);
            label = 0;
        } else if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
                   ch == '_') {
            if (++label > 63)
                return mcx_dns_name_normalise(in, out, len);
        } else {
            return mcx_dns_name_normalise(in, out, len);
        }
        if (n >= 200)
            return mcx_dns_name_normalise(in, out, len);
    }
    if (label == 0 || n + 1 > len)
        return mcx_dns_name_normalise(in, out, len);
    memcpy(out, in, n + 1);
    return 0;
}

/* The SIP domain of an Autodiscover name, or NULL. */
static const char *ad_domain(const char *name)
{
    if (strncmp(name, "lyncdiscoverinternal.", 21) == 0 && name[21] != '\0')
        return name + 21;
    if (strncmp(name, "lyncdiscover.", 13) == 0 && name[13] != '\0')
        return name + 13;
    return NULL;
}

/* Private, unique-local, link-local and loopback resolvers serve the
 * internal network, and so does 192.0.2.0/24, the lab's internal side
 * (pcap/README.md, the dnsfixtures zones); every other address is the
 * public DNS. */
static mcx_dns_vantage vantage_of(int family, const uint8_t *a)
{
    if (family == 4) {
        if (a[0] == 10 || a[0] == 127 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
            (a[0] == 192 && a[1] == 168) || (a[0] == 169 && a[1] == 254) ||
            (a[0] == 192 && a[1] == 0 && a[2] == 2))
            return MCX_DNS_VANTAGE_INTERNAL;
        return MCX_DNS_VANTAGE_EXTERNAL;
    }
    static const uint8_t loop6[16] = {[15] = 1};
    if ((a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
        memcmp(a, loop6, 16) == 0)
        return MCX_DNS_VANTAGE_INTERNAL;
    return MCX_DNS_VANTAGE_EXTERNAL;
}

static pdns_resolver *resolver_for(mcx_pcap_dns_collector *c, int family, const uint8_t *addr)
{
    size_t alen = family == 6 ? 16 : 4;
    for (size_t i = 0; i < c->nres; i++)
        if (c->res[i].family == family && memcmp(c->res[i].addr, addr, alen) == 0)
            return &c->res[i];
    if (c->nres == PDNS_MAX_RESOLVERS) {
        c->dropped++;
        return NULL;
    }
    pdns_resolver *r = &c->res[c->nres++];
    memset(r, 0, sizeof *r);
    r->family = family;
    memcpy(r->addr, addr, alen);
    mcx_pcap_addr_str(family, addr, r->text, sizeof r->text);
    r->vantage = vantage_of(family, addr);
    return r;
}

static pdns_name *name_get(pdns_resolver *r, const char *name)
{
    for (size_t i = 0; i < r->nnames; i++)
        if (strcmp(r->names[i].name, name) == 0)
            return &r->names[i];
    if (r->nnames == PDNS_MAX_NAMES ||
        mcx_mem_grow((void **)&r->names, &r->capnames, r->nnames, sizeof *r->names) != 0)
        return NULL;
    pdns_name *n = &r->names[r->nnames++];
    memset(n, 0, sizeof *n);
    snprintf(n->name, sizeof n->name, "%s", name);
    return n;
}

static const pdns_name *name_find(const pdns_resolver *r, const char *name)
{
    for (size_t i = 0; i < r->nnames; i++)
        if (strcmp(r->names[i].name, name) == 0)
            return &r->names[i];
    return NULL;
}

static void add_rr(pdns_resolver *r, const ldns_rr *rr, unsigned long frame)
{
    char owner[PDNS_NAME_MAX], rdata[PDNS_NAME_MAX];
    uint16_t type = (uint16_t)ldns_rr_get_type(rr);

    if (mcx_dns_ldns_rr_text(rr, owner, sizeof owner, rdata, sizeof rdata) != 0)
        return;
    for (size_t i = 0; i < r->nrrs; i++)
        if (r->rrs[i].type == type && strcmp(r->rrs[i].owner, owner) == 0 &&
            strcmp(r->rrs[i].rdata, rdata) == 0)
            return;
    if (r->nrrs == MCX_DNS_VIEW_MAX_RRS ||
        mcx_mem_grow((void **)&r->rrs, &r->caprrs, r->nrrs, sizeof *r->rrs) != 0)
        return;
    pdns_rr *n = &r->rrs[r->nrrs++];
    snprintf(n->owner, sizeof n->owner, "%s", owner);
    snprintf(n->rdata, sizeof n->rdata, "%s", rdata);
    n->type = type;
    n->ttl = ldns_rr_ttl(rr);
    n->frame = frame;
    pdns_name *nm = name_get(r, owner);
    if (nm != NULL)
        nm->needs_zone = 1;
}

static pdns_txn *txn_get(pdns_resolver *r, const char *qname, uint16_t qtype)
{
    for (size_t i = 0; i < r->ntxns; i++)
        if (r->txns[i].qtype == qtype && strcmp(r->txns[i].qname, qname) == 0)
            return &r->txns[i];
    if (r->ntxns == PDNS_MAX_TXNS ||
        mcx_mem_grow((void **)&r->txns, &r->captxns, r->ntxns, sizeof *r->txns) != 0)
        return NULL;
    pdns_txn *t = &r->txns[r->ntxns++];
    memset(t, 0, sizeof *t);
    snprintf(t->qname, sizeof t->qname, "%s", qname);
    t->qtype = qtype;
    t->rcode = -1;
    return t;
}

/* ---- collecting ---- */

/* The records of one response, as dns_live.c reads a live answer. */
static void take_answer(pdns_resolver *r, pdns_txn *t, const ldns_pkt *p)
{
    const ldns_rr_list *an = ldns_pkt_answer(p);
    int rcode = ldns_pkt_get_rcode(p);
    pdns_name *qn = name_get(r, t->qname);

    t->rcode = rcode;
    if (rcode == LDNS_RCODE_REFUSED) {
        if (qn != NULL && qn->zone == ZONE_UNKNOWN)
            qn->zone = ZONE_OUTSIDE;
        return;
    }
    /* BIND answers a CNAME loop or a long chain with SERVFAIL and the
     * CNAMEs it followed: those are data. */
    t->data = rcode == LDNS_RCODE_NOERROR || rcode == LDNS_RCODE_NXDOMAIN ||
              (rcode == LDNS_RCODE_SERVFAIL && mcx_dns_ldns_only_cnames(an));
    if (!t->data)
        return;
    if (qn != NULL)
        qn->needs_zone = 1;
    for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(an, i);
        uint16_t type = (uint16_t)ldns_rr_get_type(rr);
        if (type == MCX_DNS_TYPE_CNAME || type == t->qtype)
            add_rr(r, rr, t->rframe);
    }
    char cur[PDNS_NAME_MAX];
    int looped = 0;
    snprintf(cur, sizeof cur, "%s", t->qname);
    for (int hops = 0; hops < PDNS_MAX_CHAIN; hops++) {
        const ldns_rr *cn = mcx_dns_ldns_find_rr(an, cur, MCX_DNS_TYPE_CNAME);
        if (cn == NULL || mcx_dns_ldns_name(ldns_rr_rdf(cn, 0), cur, sizeof cur) != 0)
            break;
        if (strcmp(cur, t->qname) == 0 || hops == PDNS_MAX_CHAIN - 1)
            looped = 1;
    }
    snprintf(t->final, sizeof t->final, "%s", cur);
    if (looped || mcx_dns_ldns_find_rr(an, cur, t->qtype) != NULL)
        return;
    const ldns_rr_list *ns = ldns_pkt_authority(p);
    for (size_t i = 0; i < ldns_rr_list_rr_count(ns); i++) {
        const ldns_rr *soa = ldns_rr_list_rr(ns, i);
        char apex[PDNS_NAME_MAX];
        if (ldns_rr_get_type(soa) != LDNS_RR_TYPE_SOA ||
            mcx_dns_ldns_name(ldns_rr_owner(soa), apex, sizeof apex) != 0 ||
            !mcx_dns_name_is_under(cur, apex))
            continue;
        pdns_name *n = name_get(r, cur);
        if (n == NULL)
            return;
        n->zone = ZONE_SOA;
        snprintf(n->apex, sizeof n->apex, "%s", apex);
        n->needs_zone = 1;
        if (rcode == LDNS_RCODE_NOERROR)
            n->nodata = 1;
        return;
    }
}

mcx_pcap_dns_collector *mcx_pcap_dns_collector_new(void)
{
    return calloc(1, sizeof(mcx_pcap_dns_collector));
}

void mcx_pcap_dns_collector_free(mcx_pcap_dns_collector *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->nres; i++) {
        free(c->res[i].txns);
        free(c->res[i].rrs);
        free(c->res[i].names);
    }
    free(c->pending);
    free(c);
}

void mcx_pcap_dns_collect(mcx_pcap_dns_collector *c, int family, const uint8_t *src,
                          uint16_t sport, const uint8_t *dst, uint16_t dport,
                          const mcx_dns_msg *m, const uint8_t *wire, size_t len,
                          unsigned long frame)
{
    char qname[PDNS_NAME_MAX];
    size_t alen = family == 6 ? 16 : 4;

    /* Queries and repeated answers need only the summary pcap_rules.c
     * already decoded; ldns parses the first answer of each transaction. */
    if (c == NULL || m->qname[0] == '\0' ||
        pdns_normalise(m->qname, qname, sizeof qname) != 0)
        return;
    uint16_t qtype = m->qtype;
    if (!m->is_response) {
        if (c->npending == PDNS_MAX_PENDING) {
            memmove(c->pending, c->pending + 1, (c->npending - 1) * sizeof *c->pending);
            c->npending--;
            c->dropped++;
        }
        if (mcx_mem_grow((void **)&c->pending, &c->cappending, c->npending, sizeof *c->pending) ==
            0) {
            pdns_query *pq = &c->pending[c->npending++];
            memset(pq, 0, sizeof *pq);
            pq->family = family;
            memcpy(pq->client, src, alen);
            memcpy(pq->server, dst, alen);
            pq->cport = sport;
            pq->id = m->id;
            pq->qtype = qtype;
            pq->frame = frame;
            snprintf(pq->qname, sizeof pq->qname, "%s", qname);
        }
        return;
    }
    for (size_t i = 0; i < c->npending; i++) {
        pdns_query *pq = &c->pending[i];
        if (pq->id != m->id || pq->cport != dport || pq->family != family ||
            pq->qtype != qtype || memcmp(pq->client, dst, alen) != 0 ||
            memcmp(pq->server, src, alen) != 0 || strcmp(pq->qname, qname) != 0)
            continue;
        unsigned long qframe = pq->frame;
        memmove(c->pending + i, c->pending + i + 1, (c->npending - i - 1) * sizeof *c->pending);
        c->npending--;
        pdns_resolver *r = resolver_for(c, family, src);
        pdns_txn *t = r != NULL ? txn_get(r, qname, qtype) : NULL;
        ldns_pkt *p = NULL;
        if (t != NULL && t->rframe == 0 && /* the first answer counts */
            ldns_wire2pkt(&p, wire, len) == LDNS_STATUS_OK) {
            t->qframe = qframe;
            t->rframe = frame;
            take_answer(r, t, p);
        }
        ldns_pkt_free(p);
        break;
    }
}

/* ---- judging ---- */

typedef struct pdns_judge {
    const pdns_resolver *r;
    const mcx_topology *topo;
    mcx_report *rep;
    char dropped[512]; /* "DNS-008 DNS-011 ..." */
} pdns_judge;

/* 1 when a lookup of `name` was answered with data. */
static int asked(const pdns_resolver *r, const char *name, uint16_t qtype)
{
    for (size_t i = 0; i < r->ntxns; i++)
        if (r->txns[i].data && strcmp(r->txns[i].qname, name) == 0 &&
            (qtype == 0 || r->txns[i].qtype == qtype))
            return 1;
    return 0;
}

/* 1 when the capture shows `name` has no address: NXDOMAIN, or both the A
 * and the AAAA lookups answered. */
static int absence_judged(const pdns_resolver *r, const char *name)
{
    for (size_t i = 0; i < r->ntxns; i++)
        if (r->txns[i].data && r->txns[i].rcode == LDNS_RCODE_NXDOMAIN &&
            strcmp(r->txns[i].qname, name) == 0)
            return 1;
    return asked(r, name, MCX_DNS_TYPE_A) && asked(r, name, MCX_DNS_TYPE_AAAA);
}

/* 1 when `fqdn` (any case) was asked or appears in an answer. */
static int observed(const pdns_resolver *r, const char *fqdn)
{
    char norm[PDNS_NAME_MAX];
    if (fqdn == NULL || mcx_dns_name_normalise(fqdn, norm, sizeof norm) != 0)
        return 0;
    if (asked(r, norm, 0))
        return 1;
    for (size_t i = 0; i < r->nrrs; i++)
        if (strcmp(r->rrs[i].owner, norm) == 0 ||
            (r->rrs[i].type == MCX_DNS_TYPE_CNAME && strcmp(r->rrs[i].rdata, norm) == 0))
            return 1;
    return 0;
}

static const mcx_pool *pool_by_id(const mcx_topology *t, const char *id)
{
    for (size_t i = 0; t != NULL && id != NULL && i < t->npools; i++)
        if (strcmp(t->pools[i].id, id) == 0)
            return &t->pools[i];
    return NULL;
}

/* The Autodiscover name a vantage requires for `domain`. */
static void required_name(const pdns_judge *j, const char *domain, char *out, size_t len)
{
    snprintf(out, len, "%s.%s",
             j->r->vantage == MCX_DNS_VANTAGE_INTERNAL ? "lyncdiscoverinternal" : "lyncdiscover",
             domain);
}

/* Whether the capture can judge finding `f` (see pcap/README.md). */
static int judgeable(const pdns_judge *j, const mcx_finding *f)
{
    const char *id = f->id;
    const char *subject = f->subject != NULL ? f->subject : "";
    const mcx_pool *pool = pool_by_id(j->topo, subject);
    char need[PDNS_NAME_MAX + 32];

    required_name(j, subject, need, sizeof need);
    if (strcmp(id, "DNS-001") == 0 || strcmp(id, "DNS-002") == 0 || strcmp(id, "DNS-013") == 0)
        return absence_judged(j->r, need);
    if (strcmp(id, "DNS-016") == 0)
        return asked(j->r, need, MCX_DNS_TYPE_A);
    if (strcmp(id, "DNS-008") == 0 || strcmp(id, "DNS-009") == 0 || strcmp(id, "DNS-011") == 0)
        return pool != NULL && observed(j->r, pool->external_web_fqdn);
    if (strcmp(id, "DNS-010") == 0)
        return pool != NULL && observed(j->r, pool->internal_web_fqdn);
    if (strcmp(id, "DNS-018") == 0) {
        if (pool != NULL)
            return observed(j->r, pool->external_web_fqdn) ||
                   observed(j->r, pool->internal_web_fqdn);
        /* About a SIP domain: judged when the required name was answered
         * (REFUSED included: no zone holds it); a name never asked, or
         * asked without an answer (DNS-021/022), is unknown. */
        if (strchr(subject, '.') != NULL) {
            const pdns_name *n = name_find(j->r, need);
            return asked(j->r, need, 0) || (n != NULL && n->zone == ZONE_OUTSIDE);
        }
    }
    return 1;
}

static int frame_cmp(const void *a, const void *b)
{
    unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
    return x < y ? -1 : x > y;
}

static void frames_add(unsigned long *frames, size_t *n, unsigned long f)
{
    if (f == 0 || *n == PDNS_MAX_EVIDENCE_FRAMES)
        return;
    for (size_t i = 0; i < *n; i++)
        if (frames[i] == f)
            return;
    frames[(*n)++] = f;
}

/* "frames 3,4,9" of the transactions about `subject` (a SIP domain, a pool
 * ID or a name). */
static void evidence_frames(const pdns_judge *j, const char *subject, char *out, size_t len)
{
    unsigned long frames[PDNS_MAX_EVIDENCE_FRAMES];
    size_t n = 0;
    const mcx_pool *pool = pool_by_id(j->topo, subject);
    char names[2][PDNS_NAME_MAX] = {"", ""};

    if (pool != NULL) {
        mcx_dns_name_normalise(pool->internal_web_fqdn, names[0], sizeof names[0]);
        mcx_dns_name_normalise(pool->external_web_fqdn, names[1], sizeof names[1]);
    } else if (subject != NULL) {
        snprintf(names[0], sizeof names[0], "%s", subject);
    }
    for (size_t i = 0; i < j->r->ntxns; i++) {
        const pdns_txn *t = &j->r->txns[i];
        const char *d = ad_domain(t->qname);
        int hit = (pool == NULL && d != NULL && strcmp(d, names[0]) == 0);
        for (int k = 0; k < 2 && !hit; k++)
            hit = names[k][0] != '\0' &&
                  (strcmp(t->qname, names[k]) == 0 || strcmp(t->final, names[k]) == 0);
        if (hit) {
            frames_add(frames, &n, t->qframe);
            frames_add(frames, &n, t->rframe);
        }
    }
    for (size_t i = 0; i < j->r->nrrs; i++)
        for (int k = 0; k < 2; k++)
            if (names[k][0] != '\0' &&
                (strcmp(j->r->rrs[i].owner, names[k]) == 0 ||
                 strcmp(j->r->rrs[i].rdata, names[k]) == 0))
                frames_add(frames, &n, j->r->rrs[i].frame);
    qsort(frames, n, sizeof *frames, frame_cmp);
    size_t used = (size_t)snprintf(out, len, "resolver %s, %s", j->r->text,
                                   n == 1 ? "frame " : n ? "frames " : "no frame");
    for (size_t i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(out + used, len - used, "%s%lu", i ? "," : "", frames[i]);
}

static void copy_finding(pdns_judge *j, const mcx_finding *src)
{
    char ev[512];

    if (!judgeable(j, src)) {
        size_t used = strlen(j->dropped);
        if (strstr(j->dropped, src->id) == NULL && used + strlen(src->id) + 2 < sizeof j->dropped)
            snprintf(j->dropped + used, sizeof j->dropped - used, "%s%s", used ? " " : "",
                     src->id);
        return;
    }
    evidence_frames(j, src->subject, ev, sizeof ev);
    mcx_finding *f = mcx_report_add(j->rep, src->id, "%s (%s)", src->message, ev);
    if (f == NULL)
        return;
    if (src->subject != NULL)
        mcx_finding_set_subject(f, src->subject);
    if (src->remediation != NULL)
        mcx_finding_set_remediation(f, "%s", src->remediation);
    mcx_finding_set_evidence(f, NULL, 0, ev, strlen(ev));
}

/* DNS-021 / DNS-022 for the Autodiscover lookups that got no usable answer. */
static void report_failures(pdns_judge *j, const char *const *domains, size_t ndomains)
{
    for (size_t i = 0; i < j->r->ntxns; i++) {
        const pdns_txn *t = &j->r->txns[i];
        const char *d = ad_domain(t->qname);
        int wanted = 0;
        for (size_t k = 0; d != NULL && k < ndomains; k++)
            wanted |= strcmp(d, domains[k]) == 0;
        if (!wanted || t->data || t->rcode == LDNS_RCODE_REFUSED)
            continue;
        char tbuf[16];
        const char *type = mcx_dns_type_name(t->qtype, tbuf, sizeof tbuf);
        mcx_finding *f;
        if (t->rframe == 0) {
            f = mcx_report_add(j->rep, "DNS-021",
                               "%s view: %s %s to %s: no response in the capture (query in "
                               "frame %lu)",
                               mcx_dns_vantage_name(j->r->vantage), t->qname, type, j->r->text,
                               t->qframe);
        } else {
            char *rcode = ldns_pkt_rcode2str((ldns_pkt_rcode)t->rcode);
            f = mcx_report_add(j->rep, "DNS-022",
                               "%s view: %s %s to %s: answered %s (frames %lu,%lu)",
                               mcx_dns_vantage_name(j->r->vantage), t->qname, type, j->r->text,
                               rcode != NULL ? rcode : "an error", t->qframe, t->rframe);
            free(rcode);
        }
        if (f != NULL)
            mcx_finding_set_subject(f, t->qname);
    }
}

/* The zone apex of a name the capture gave no SOA for: the longest apex an
 * SOA named, else the SIP domain of an Autodiscover name, else the parent. */
static const char *infer_apex(const pdns_resolver *r, const char *name)
{
    const char *best = NULL;
    for (size_t i = 0; i < r->nnames; i++)
        if (r->names[i].zone == ZONE_SOA && mcx_dns_name_is_under(name, r->names[i].apex) &&
            (best == NULL || strlen(r->names[i].apex) > strlen(best)))
            best = r->names[i].apex;
    if (best != NULL)
        return best;
    if (ad_domain(name) != NULL)
        return ad_domain(name);
    const char *dot = strchr(name, '.');
    return dot != NULL && dot[1] != '\0' ? dot + 1 : name;
}

static mcx_dns_view *build_view(const pdns_resolver *r)
{
    mcx_dns_view *v = mcx_dns_view_new(mcx_dns_vantage_name(r->vantage));
    int bad = v == NULL;

    for (size_t i = 0; !bad && i < r->nnames; i++) {
        const pdns_name *n = &r->names[i];
        if (!n->needs_zone || n->zone == ZONE_OUTSIDE)
            continue;
        const char *apex = n->zone == ZONE_SOA ? n->apex : infer_apex(r, n->name);
        int have = 0;
        for (size_t z = 0; z < v->nzones && !have; z++)
            have = strcmp(v->zones[z], apex) == 0;
        if (!have)
            bad |= mcx_dns_view_add_zone(v, apex) != 0;
    }
    for (size_t i = 0; !bad && i < r->nrrs; i++)
        bad |= mcx_dns_view_add_rr(v, r->rrs[i].owner, r->rrs[i].type, r->rrs[i].ttl,
                                   r->rrs[i].rdata, "capture") != 0;
    for (size_t i = 0; !bad && i < r->nnames; i++) {
        const pdns_name *n = &r->names[i];
        int has = 0;
        for (size_t k = 0; k < r->nrrs && !has; k++)
            has = strcmp(r->rrs[k].owner, n->name) == 0;
        if (n->nodata && !has)
            bad |= mcx_dns_view_add_rr(v, n->name, PDNS_TYPE_EXISTS, 3600, "NODATA",
                                       "capture") != 0;
    }
    if (bad) {
        mcx_dns_view_free(v);
        return NULL;
    }
    return v;
}

static void judge_resolver(const pdns_resolver *r, const mcx_pcap_verify_options *opt,
                           mcx_report *rep)
{
    const char *domains[PDNS_MAX_DOMAINS];
    size_t ndomains = 0;
    char list[1024] = "";
    size_t used = 0;

    for (size_t i = 0; i < r->ntxns && ndomains < PDNS_MAX_DOMAINS; i++) {
        const char *d = ad_domain(r->txns[i].qname);
        if (d == NULL || (opt->sip_domain != NULL && strcasecmp(opt->sip_domain, d) != 0))
            continue;
        int dup = 0;
        for (size_t k = 0; k < ndomains && !dup; k++)
            dup = strcmp(domains[k], d) == 0;
        if (dup)
            continue;
        domains[ndomains++] = d;
        if (used < sizeof list)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", used ? " " : "", d);
    }
    if (ndomains == 0)
        return; /* no Autodiscover lookup at this resolver */
    pdns_judge j = {r, opt->topo, rep, ""};
    report_failures(&j, domains, ndomains);
    mcx_dns_view *view = build_view(r);
    mcx_report *scratch = mcx_report_new("mcxcheck", "pcap", NULL);
    if (view == NULL || scratch == NULL) {
        mcx_report_add(rep, "DNS-000", "out of memory while building the view of resolver %s",
                       r->text);
        mcx_dns_view_free(view);
        mcx_report_free(scratch);
        return;
    }
    mcx_dns_rules_check(view, r->vantage, domains, ndomains, opt->topo, scratch);
    for (size_t i = 0; i < scratch->nsteps; i++)
        mcx_report_step(rep, 0, scratch->steps[i].outcome, 0, scratch->steps[i].detail, "%s",
                        scratch->steps[i].title);
    for (size_t i = 0; i < scratch->nfindings; i++)
        copy_finding(&j, &scratch->findings[i]);
    mcx_report_step(rep, 0, MCX_STEP_INFO, 0,
                    "a capture holds only what the phone asked: rules about names it never "
                    "asked for are not judged, nor DNS-015 (a wildcard's answer carries the "
                    "asked name)",
                    "DNS rules, %s view of resolver %s (%zu records, %zu lookups) for %s; not "
                    "judged here: %s",
                    mcx_dns_vantage_name(r->vantage), r->text, r->nrrs, r->ntxns, list,
                    j.dropped[0] ? j.dropped : "none");
    mcx_dns_view_free(view);
    mcx_report_free(scratch);
}

void mcx_pcap_dns_rules(mcx_pcap_dns_collector *c, const mcx_pcap_verify_options *opt,
                        mcx_report *rep)
{
    if (c == NULL)
        return;
    /* Queries never answered become transactions without a response. */
    for (size_t i = 0; i < c->npending; i++) {
        const pdns_query *pq = &c->pending[i];
        pdns_resolver *r = resolver_for(c, pq->family, pq->server);
        pdns_txn *t = r != NULL ? txn_get(r, pq->qname, pq->qtype) : NULL;
        if (t != NULL && t->rframe == 0 && t->qframe == 0)
            t->qframe = pq->frame;
    }
    c->npending = 0;
    for (size_t i = 0; i < c->nres; i++)
        judge_resolver(&c->res[i], opt, rep);
    if (c->dropped > 0)
        mcx_report_step(rep, 0, MCX_STEP_INFO, 0, NULL,
                        "DNS rules: %lu DNS messages beyond the collector's bounds not used",
                        c->dropped);
}
