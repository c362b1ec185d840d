/*
 * dns_rules.c -- the DNS- rules per SIP domain over one view.
 *
 * Owns: probing the Autodiscover names and the pools' web FQDNs in a view,
 * turning what a lookup found into DNS- findings with the exact record to
 * create or change, the info findings for rules that could not run, and the
 * discovery outcome step. Rules run in a fixed order over a sorted view, so
 * the same inputs give the same report. Does not own: lookups (dns_view.c),
 * loading zones or scenarios, the catalogue text (catalogue_dns.c).
 *
 * Cross-domain CNAMEs are a finding in the external view only: internally
 * the seed's own example points lyncdiscoverinternal.<sipdomain> at a name
 * in the Active Directory domain, and the port 80 publishing rule that the
 * finding asks for lives on the reverse proxy.
 */
#include "mcx/dns_rules.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RULES_DEFAULT_TTL 3600
/* CNAMEs followed past the lookup limit to name where a long chain ends. */
#define RULES_CHAIN_FOLLOW 64

/* What one name looks like in the view: the A and the AAAA lookups. */
typedef struct name_probe {
    char name[MCX_DNS_NAME_MAX];
    const char *zone; /* the view's zone holding the name, NULL outside */
    mcx_dns_answer a, aaaa;
    int present;  /* the name itself has a CNAME, A or AAAA (maybe by wildcard) */
    int resolves; /* an address at the end, or the chain leaves the view */
    int unanswered; /* a live query for it failed: a DNS-021..025 finding says so */
} name_probe;

typedef struct rules_ctx {
    mcx_dns_view *view;
    mcx_dns_vantage vantage;
    const mcx_topology *topo;
    mcx_report *r;
    int failed;
} rules_ctx;

int mcx_dns_vantage_parse(const char *s, mcx_dns_vantage *out)
{
    if (s != NULL && strcmp(s, "internal") == 0) {
        *out = MCX_DNS_VANTAGE_INTERNAL;
        return 0;
    }
    if (s != NULL && strcmp(s, "external") == 0) {
        *out = MCX_DNS_VANTAGE_EXTERNAL;
        return 0;
    }
    return -1;
}

const char *mcx_dns_vantage_name(mcx_dns_vantage v)
{
    return v == MCX_DNS_VANTAGE_INTERNAL ? "internal" : "external";
}

/* ---- probing ---------------------------------------------------------- */

static name_probe *probe_new(mcx_dns_view *view, const char *name)
{
    name_probe *p = calloc(1, sizeof *p);

    if (p == NULL) return NULL;
    if (mcx_dns_name_normalise(name, p->name, sizeof p->name) != 0 ||
        mcx_dns_view_lookup(view, p->name, MCX_DNS_TYPE_A, &p->a) != 0 ||
        mcx_dns_view_lookup(view, p->name, MCX_DNS_TYPE_AAAA, &p->aaaa) != 0) {
        mcx_dns_answer_clear(&p->a);
        mcx_dns_answer_clear(&p->aaaa);
        free(p);
        return NULL;
    }
    p->zone = mcx_dns_view_zone_of(view, p->name);
    /* The marker, even outside every zone: a server that refused the name
     * told no zone either. */
    for (size_t i = 0; i < view->nrrs && !p->unanswered; i++)
        p->unanswered = view->rrs[i].type == MCX_DNS_TYPE_UNANSWERED &&
                        strcmp(view->rrs[i].owner, p->name) == 0;
    p->present =
        p->a.ncnames > 0 || p->a.status == MCX_DNS_ANSWER || p->aaaa.status == MCX_DNS_ANSWER;
    p->resolves = p->a.status == MCX_DNS_ANSWER || p->aaaa.status == MCX_DNS_ANSWER ||
                  (p->a.status == MCX_DNS_OUTSIDE && p->a.ncnames > 0);
    return p;
}

static void probe_free(name_probe *p)
{
    if (p == NULL) return;
    mcx_dns_answer_clear(&p->a);
    mcx_dns_answer_clear(&p->aaaa);
    free(p);
}

/* "a -> b -> c" */
static void chain_text(const mcx_dns_answer *a, char *buf, size_t len)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < a->nchain && used < len; i++) {
        int n = snprintf(buf + used, len - used, "%s%s", i ? " -> " : "", a->chain[i]);
        if (n < 0) break;
        used += (size_t)n;
    }
}

/* The addresses at the end of both lookups, "192.0.2.1, 2001:db8::1". */
static void address_text(const name_probe *p, char *buf, size_t len)
{
    size_t used = 0;
    const mcx_dns_answer *both[2] = {&p->a, &p->aaaa};

    buf[0] = '\0';
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < both[k]->nrrs && used < len; i++) {
            int n =
                snprintf(buf + used, len - used, "%s%s", used ? ", " : "", both[k]->rrs[i]->rdata);
            if (n < 0) return;
            used += (size_t)n;
        }
    if (buf[0] == '\0') snprintf(buf, len, "no address");
}

static int same_address(const char *x, const char *y)
{
    unsigned char bx[16], by[16];

    if (x == NULL || y == NULL) return 0;
    if (inet_pton(AF_INET, x, bx) == 1 && inet_pton(AF_INET, y, by) == 1)
        return memcmp(bx, by, 4) == 0;
    if (inet_pton(AF_INET6, x, bx) == 1 && inet_pton(AF_INET6, y, by) == 1)
        return memcmp(bx, by, 16) == 0;
    return 0;
}

static int probe_has_address(const name_probe *p, const char *ip)
{
    for (size_t i = 0; i < p->a.nrrs; i++)
        if (same_address(p->a.rrs[i]->rdata, ip)) return 1;
    for (size_t i = 0; i < p->aaaa.nrrs; i++)
        if (same_address(p->aaaa.rrs[i]->rdata, ip)) return 1;
    return 0;
}

/* 1 if `fqdn` (from the topology, any case) is one of the chain's names
 * after the first (a CNAME target). */
static int chain_reaches(const mcx_dns_answer *a, const char *fqdn)
{
    char norm[MCX_DNS_NAME_MAX];

    if (fqdn == NULL || mcx_dns_name_normalise(fqdn, norm, sizeof norm) != 0) return 0;
    for (size_t i = 1; i < a->nchain; i++)
        if (strcmp(a->chain[i], norm) == 0) return 1;
    return 0;
}

/* ---- findings --------------------------------------------------------- */

static mcx_finding *add_finding(rules_ctx *c, const char *id, const char *subject, const char *fmt,
                                ...) __attribute__((format(printf, 4, 5)));

static mcx_finding *add_finding(rules_ctx *c, const char *id, const char *subject, const char *fmt,
                                ...)
{
    char *msg = NULL;
    mcx_finding *f;
    va_list ap;

    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0) msg = NULL;
    va_end(ap);
    if (msg == NULL) {
        c->failed = 1;
        return NULL;
    }
    f = mcx_report_add(c->r, id, "%s", msg);
    free(msg);
    if (f != NULL && subject != NULL) mcx_finding_set_subject(f, subject);
    return f;
}

static const char *expected_address(const rules_ctx *c);

/* "In the internal zone contoso.test, create: NAME. 3600 IN TYPE TARGET." */
static void remedy_record(rules_ctx *c, mcx_finding *f, const char *verb, const char *zone,
                          const char *name, const char *type, const char *target)
{
    if (f == NULL) return;
    mcx_finding_set_remediation(
        f, "In the %s zone %s%s, %s: %s. %d IN %s %s%s",
        c->vantage == MCX_DNS_VANTAGE_INTERNAL ? "internal" : "public", zone != NULL ? zone : name,
        c->vantage == MCX_DNS_VANTAGE_INTERNAL ? "" : " (at the public DNS provider)", verb, name,
        RULES_DEFAULT_TTL, type, target,
        strcmp(type, "CNAME") == 0 && strchr(target, '<') == NULL ? "." : "");
}

/* Remediation that points Autodiscover name `name` at the web FQDN `target`:
 * a CNAME. Outside, a CNAME to a name beyond the SIP domain is the one HTTPS
 * cannot follow (DNS-007), so there the fix is an A/AAAA record with the
 * reverse proxy's address instead (DNS Requirements). Inside, the seed's own
 * example points the CNAME at the AD domain's web FQDN: a CNAME stays right. */
static void remedy_target(rules_ctx *c, mcx_finding *f, const char *verb, const char *zone,
                          const char *name, const char *target)
{
    const char *domain = strchr(name, '.');
    const char *ip;

    if (f == NULL) return;
    if (c->vantage == MCX_DNS_VANTAGE_INTERNAL || domain == NULL || strchr(target, '<') != NULL ||
        mcx_dns_name_is_under(target, domain + 1)) {
        remedy_record(c, f, verb, zone, name, "CNAME", target);
        return;
    }
    ip = expected_address(c);
    mcx_finding_set_remediation(
        f,
        "In the public zone %s (at the public DNS provider), %s: %s. %d IN %s %s (the external "
        "web FQDN %s is outside the SIP domain %s: a CNAME to it would fail over HTTPS)",
        zone != NULL ? zone : name, verb, name, RULES_DEFAULT_TTL,
        strchr(ip, ':') != NULL ? "AAAA" : "A", ip, target, domain + 1);
}

/* DNS-018. `fix`: what to add so the rule runs (NULL: the catalogue's
 * "Pass --topology ...", only right when no topology was given). */
static void not_checked(rules_ctx *c, const char *subject, const char *fmt_rule, const char *why,
                        const char *fix)
{
    mcx_finding *f = add_finding(c, "DNS-018", subject, "%s view: not checked: %s: %s",
                                 c->view->name, fmt_rule, why);
    if (f != NULL && fix != NULL) mcx_finding_set_remediation(f, "%s", fix);
}

/* DNS-018 for an Autodiscover name outside every zone of the view. */
static void not_checked_zone(rules_ctx *c, const char *domain, const char *name)
{
    char fix[3 * MCX_DNS_NAME_MAX + 256];

    snprintf(fix, sizeof fix,
             "Add the zone file of the SIP domain %s (the zone that holds %s) to the %s view, "
             "then run again.",
             domain, name, c->view->name);
    not_checked(c, domain, name, "no zone of this view holds it (add the zone file of the SIP "
                                 "domain)",
                c->topo != NULL ? fix : NULL);
}

/* The web FQDN the topology says the Autodiscover name `name` must lead
 * to in this view (the Director's, else the Front End pool's), or NULL. */
static const char *expected_target(const rules_ctx *c, const char *name)
{
    const mcx_pool *pool = c->topo != NULL ? mcx_topology_autodiscover_pool(c->topo) : NULL;

    if (pool == NULL) return NULL;
    if (strncmp(name, "lyncdiscoverinternal.", 21) == 0) return pool->internal_web_fqdn;
    if (strncmp(name, "lyncdiscover.", 13) == 0) return pool->external_web_fqdn;
    return NULL;
}

/* The address the topology gives the web FQDN an Autodiscover name leads
 * to in this view: the reverse proxy's public IP outside, the pool's
 * internal web IP inside (a placeholder when the topology has none). */
static const char *expected_address(const rules_ctx *c)
{
    const mcx_pool *pool = mcx_topology_autodiscover_pool(c->topo);

    if (c->vantage == MCX_DNS_VANTAGE_EXTERNAL)
        return c->topo->reverse_proxy_ip != NULL ? c->topo->reverse_proxy_ip
                                                 : "<public IP of the reverse proxy>";
    return pool != NULL && pool->internal_ip != NULL ? pool->internal_ip
                                                     : "<internal web IP of the pool>";
}

/* 1 when the external view's chain of `p` reaches a pool's internal web
 * FQDN (DNS-019 says so; the chain is not judged dangling then). */
static int external_to_internal_fqdn(const rules_ctx *c, const name_probe *p)
{
    if (c->vantage != MCX_DNS_VANTAGE_EXTERNAL || c->topo == NULL) return 0;
    for (size_t i = 0; i < c->topo->npools; i++)
        if (chain_reaches(&p->a, c->topo->pools[i].internal_web_fqdn)) return 1;
    return 0;
}

/* Where a chain that was cut short really ends: follow the CNAMEs from
 * `name` (at most RULES_CHAIN_FOLLOW more) and write the last name. */
static void chain_end(mcx_dns_view *view, const char *name, char *out, size_t len)
{
    mcx_dns_answer *a = calloc(1, sizeof *a);

    snprintf(out, len, "%s", name);
    for (int i = 0; a != NULL && i < RULES_CHAIN_FOLLOW; i++) {
        if (mcx_dns_view_lookup(view, out, MCX_DNS_TYPE_CNAME, a) != 0 ||
            a->status != MCX_DNS_ANSWER || a->nrrs == 0) {
            mcx_dns_answer_clear(a);
            break;
        }
        snprintf(out, len, "%s", a->rrs[0]->rdata);
        mcx_dns_answer_clear(a);
    }
    free(a);
}

/* Remediation of a broken chain when the topology knows where the
 * Autodiscover name `p` must lead: repoint it there. 0 when it does not
 * (the caller words a generic fix). */
static int repoint_to_topology(rules_ctx *c, mcx_finding *f, const name_probe *p,
                               const char *why, const char *what)
{
    const char *want = expected_target(c, p->name);

    if (want == NULL) return 0;
    mcx_finding_set_remediation(f, "In zone %s, change: %s. %d IN CNAME %s. (the %s web FQDN of "
                                   "the topology; %s %s)",
                                p->zone, p->name, RULES_DEFAULT_TTL, want,
                                mcx_dns_vantage_name(c->vantage), why, what);
    return 1;
}

/* CNAME loop, long chain or dangling target. Returns 1 when the chain of
 * `p` is broken (a finding was added). */
static int check_chain(rules_ctx *c, const name_probe *p, const char *subject)
{
    char chain[4 * MCX_DNS_NAME_MAX];
    const mcx_dns_answer *a = &p->a;
    mcx_finding *f;

    chain_text(a, chain, sizeof chain);
    if (a->status == MCX_DNS_LOOP) {
        f = add_finding(c, "DNS-012", subject, "%s view: %s never resolves: CNAME loop %s",
                        c->view->name, p->name, chain);
        if (f != NULL && !repoint_to_topology(c, f, p, "this breaks the loop", chain))
            mcx_finding_set_remediation(
                f,
                "In zone %s, change the CNAME %s (target %s) to point at a name with an A "
                "record, breaking the loop %s.",
                p->zone, a->cnames[a->ncnames - 1]->owner, a->cnames[a->ncnames - 1]->rdata, chain);
        return 1;
    }
    if (a->status == MCX_DNS_CHAIN_TOO_LONG) {
        char end[MCX_DNS_NAME_MAX];
        chain_end(c->view, a->chain[a->nchain - 1], end, sizeof end);
        f = add_finding(c, "DNS-014", subject, "%s view: %s needs more than %d CNAMEs: %s",
                        c->view->name, p->name, MCX_DNS_MAX_CHAIN, chain);
        if (f != NULL)
            mcx_finding_set_remediation(
                f,
                "In zone %s, change: %s. %d IN CNAME %s. (point it at the end of the chain "
                "directly, at most %d CNAMEs in all)",
                p->zone, a->cnames[0]->owner, RULES_DEFAULT_TTL, end, MCX_DNS_MAX_CHAIN);
        return 1;
    }
    if (a->ncnames > 0 && (a->status == MCX_DNS_NXDOMAIN || a->status == MCX_DNS_NODATA) &&
        p->aaaa.status != MCX_DNS_ANSWER && !external_to_internal_fqdn(c, p)) {
        const char *last = a->chain[a->nchain - 1];
        const char *zone = mcx_dns_view_zone_of(c->view, last);
        f = add_finding(c, "DNS-013", subject, "%s view: %s is a CNAME chain %s whose target %s %s",
                        c->view->name, p->name, chain, last,
                        a->status == MCX_DNS_NXDOMAIN ? "does not exist (NXDOMAIN)"
                                                      : "has no A or AAAA record (NODATA)");
        const char *want = expected_target(c, p->name);
        char want_norm[MCX_DNS_NAME_MAX] = "";
        if (want != NULL) mcx_dns_name_normalise(want, want_norm, sizeof want_norm);
        if (f != NULL && want != NULL && strcmp(want_norm, last) == 0)
            /* The CNAME is right, its target (the topology's web FQDN) lacks its address. */
            remedy_record(c, f, "create", zone != NULL ? zone : p->zone, last, "A",
                          expected_address(c));
        else if (f != NULL && !repoint_to_topology(c, f, p, "instead of the missing", last))
            mcx_finding_set_remediation(
                f,
                "In zone %s, create: %s. %d IN A <address of %s>, or change the CNAME %s to "
                "point at a name that has an A record.",
                zone != NULL ? zone : last, last, RULES_DEFAULT_TTL, last,
                a->cnames[a->ncnames - 1]->owner);
        return 1;
    }
    return 0;
}

static void check_wildcard(rules_ctx *c, const name_probe *p, const char *subject)
{
    const mcx_dns_answer *a = p->a.wildcard[0] ? &p->a : &p->aaaa;
    mcx_finding *f;

    if (a->wildcard[0] == '\0' || strcmp(a->wildcard_for, p->name) != 0) return;
    f = add_finding(c, "DNS-015", subject, "%s view: %s exists only through the wildcard %s",
                    c->view->name, p->name, a->wildcard);
    if (f != NULL)
        mcx_finding_set_remediation(f,
                                    "In zone %s, create an explicit record for %s, or remove or "
                                    "narrow the wildcard %s.",
                                    p->zone, p->name, a->wildcard);
}

static void check_aaaa_only(rules_ctx *c, const name_probe *p, const char *subject)
{
    mcx_finding *f;

    if (p->a.status == MCX_DNS_ANSWER || p->aaaa.status != MCX_DNS_ANSWER) return;
    f = add_finding(c, "DNS-016", subject, "%s view: %s resolves to AAAA records only (%s)",
                    c->view->name, p->name, p->aaaa.chain[p->aaaa.nchain - 1]);
    if (f != NULL)
        mcx_finding_set_remediation(
            f, "In zone %s, create: %s. %d IN A <IPv4 address>, next to its AAAA record.",
            mcx_dns_view_zone_of(c->view, p->aaaa.chain[p->aaaa.nchain - 1]),
            p->aaaa.chain[p->aaaa.nchain - 1], RULES_DEFAULT_TTL);
}

static void check_ttl_one(rules_ctx *c, const mcx_dns_rr *rr, const char *subject,
                          const mcx_dns_rr **seen, size_t *nseen)
{
    char tbuf[16];
    const char *tname;
    mcx_finding *f;

    for (size_t i = 0; i < *nseen; i++)
        if (seen[i] == rr) return;
    seen[(*nseen)++] = rr;
    if (rr->ttl != 0 && rr->ttl <= MCX_DNS_TTL_MAX) return;
    tname = mcx_dns_type_name(rr->type, tbuf, sizeof tbuf);
    f = add_finding(c, "DNS-017", subject, "%s view: %s %s %s has TTL %u (%s)", c->view->name,
                    rr->owner, tname, rr->rdata, (unsigned)rr->ttl,
                    rr->ttl == 0 ? "never cached" : "more than one week");
    if (f != NULL)
        mcx_finding_set_remediation(f, "In zone %s, change: %s. %d IN %s %s%s",
                                    mcx_dns_view_zone_of(c->view, rr->owner), rr->owner,
                                    RULES_DEFAULT_TTL, tname, rr->rdata,
                                    rr->type == MCX_DNS_TYPE_CNAME ? "." : "");
}

/* TTLs of every record on the way to the answer. */
static void check_ttls(rules_ctx *c, const name_probe *p, const char *subject)
{
    const mcx_dns_answer *both[2] = {&p->a, &p->aaaa};
    size_t total = 0, nseen = 0;
    const mcx_dns_rr **seen;

    for (int k = 0; k < 2; k++)
        total += both[k]->ncnames + both[k]->nrrs;
    if (total == 0) return;
    seen = calloc(total, sizeof *seen);
    if (seen == NULL) {
        c->failed = 1;
        return;
    }
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < both[k]->ncnames; i++)
            check_ttl_one(c, both[k]->cnames[i], subject, seen, &nseen);
        for (size_t i = 0; i < both[k]->nrrs; i++)
            check_ttl_one(c, both[k]->rrs[i], subject, seen, &nseen);
    }
    free(seen);
}

/* ---- the Autodiscover names ------------------------------------------- */

static void check_internal_target(rules_ctx *c, const name_probe *p, const char *domain)
{
    const mcx_pool *pool = mcx_topology_autodiscover_pool(c->topo);
    const char *role = pool != NULL && pool->is_director ? "Director" : "Front End";
    char chain[4 * MCX_DNS_NAME_MAX], addrs[1024];
    mcx_finding *f;

    if (pool == NULL) {
        not_checked(c, domain, "target of lyncdiscoverinternal", "the topology has no pool",
                    "Add the Director or Front End pool, with its web FQDNs, to the topology "
                    "file.");
        return;
    }
    chain_text(&p->a, chain, sizeof chain);
    if (p->a.ncnames > 0) {
        if (chain_reaches(&p->a, pool->internal_web_fqdn)) return;
        const char *other = NULL;
        for (size_t i = 0; i < c->topo->npools && other == NULL; i++)
            if (chain_reaches(&p->a, c->topo->pools[i].internal_web_fqdn))
                other = c->topo->pools[i].id;
        if (other != NULL)
            f = add_finding(c, "DNS-003", domain,
                            "%s view: %s leads to pool %s (%s), not to the %s pool %s "
                            "(internal web FQDN %s)",
                            c->view->name, p->name, other, chain, role, pool->id,
                            pool->internal_web_fqdn);
        else
            f = add_finding(c, "DNS-003", domain,
                            "%s view: %s (%s) does not reach the internal web FQDN %s of the "
                            "%s pool %s",
                            c->view->name, p->name, chain, pool->internal_web_fqdn, role, pool->id);
        remedy_target(c, f, "change", p->zone, p->name, pool->internal_web_fqdn);
        return;
    }
    if (pool->internal_ip == NULL) {
        not_checked(c, domain, "address of lyncdiscoverinternal",
                    "the topology gives no internal web IP for the autodiscover pool",
                    "In the topology file, give the autodiscover pool's internal web FQDN its "
                    "IP address (ip=).");
        return;
    }
    if (probe_has_address(p, pool->internal_ip)) return;
    address_text(p, addrs, sizeof addrs);
    f = add_finding(c, "DNS-003", domain,
                    "%s view: %s has %s, not the internal web IP %s of the %s pool %s",
                    c->view->name, p->name, addrs, pool->internal_ip, role, pool->id);
    remedy_record(c, f, "change", p->zone, p->name, strchr(pool->internal_ip, ':') ? "AAAA" : "A",
                  pool->internal_ip);
}

/* The pool whose internal web FQDN the chain reaches or whose internal IP
 * the name has, else NULL. */
static const mcx_pool *internal_target_pool(const rules_ctx *c, const name_probe *p)
{
    for (size_t i = 0; i < c->topo->npools; i++) {
        const mcx_pool *pool = &c->topo->pools[i];
        if (chain_reaches(&p->a, pool->internal_web_fqdn) ||
            (p->a.ncnames == 0 && probe_has_address(p, pool->internal_ip)))
            return pool;
    }
    return NULL;
}

static void check_external_target(rules_ctx *c, const name_probe *p, const char *domain)
{
    const mcx_pool *pool = mcx_topology_autodiscover_pool(c->topo);
    const mcx_pool *inner;
    const char *role = pool != NULL && pool->is_director ? "Director" : "Front End";
    const char *rp_ip = c->topo->reverse_proxy_ip;
    char chain[4 * MCX_DNS_NAME_MAX], addrs[1024];
    mcx_finding *f;

    if (pool == NULL) {
        not_checked(c, domain, "target of lyncdiscover", "the topology has no pool",
                    "Add the Director or Front End pool, with its web FQDNs, to the topology "
                    "file.");
        return;
    }
    chain_text(&p->a, chain, sizeof chain);
    address_text(p, addrs, sizeof addrs);
    if (p->a.ncnames > 0 && (chain_reaches(&p->a, pool->external_web_fqdn) ||
                             chain_reaches(&p->a, c->topo->reverse_proxy_fqdn)))
        return;
    if (p->a.ncnames == 0 && rp_ip != NULL && probe_has_address(p, rp_ip)) return;
    inner = internal_target_pool(c, p);
    if (inner != NULL) {
        f = add_finding(
            c, "DNS-019", domain,
            "%s view: %s (%s; %s) leads outside clients to the internal web site of pool %s "
            "(%s, %s), which they cannot reach",
            c->view->name, p->name, chain, addrs, inner->id, inner->internal_web_fqdn,
            inner->internal_ip != NULL ? inner->internal_ip : "no IP in topology");
    } else if (p->a.ncnames == 0 && rp_ip == NULL) {
        not_checked(c, domain, "address of lyncdiscover",
                    "the topology gives no reverse proxy IP to compare with",
                    "In the topology file, give the reverse proxy its public IP address "
                    "(<reverseProxy ip=>).");
        return;
    } else {
        f = add_finding(
            c, "DNS-004", domain,
            "%s view: %s (%s; %s) reaches neither the external web FQDN %s of the %s pool "
            "%s nor the reverse proxy (%s)",
            c->view->name, p->name, chain, addrs, pool->external_web_fqdn, role, pool->id,
            rp_ip != NULL ? rp_ip : "no IP in topology");
    }
    if (p->a.ncnames == 0 && rp_ip != NULL)
        remedy_record(c, f, "change", p->zone, p->name, strchr(rp_ip, ':') ? "AAAA" : "A", rp_ip);
    else
        remedy_target(c, f, "change", p->zone, p->name, pool->external_web_fqdn);
}

static void check_cross_domain(rules_ctx *c, const name_probe *p, const char *domain)
{
    mcx_finding *f;

    for (size_t i = 1; i < p->a.nchain; i++) {
        if (mcx_dns_name_is_under(p->a.chain[i], domain)) continue;
        f = add_finding(
            c, "DNS-007", domain,
            "%s view: %s is a CNAME to %s, outside the SIP domain %s: HTTPS to it cannot "
            "work (mobile clients do not support certificates from different domains)",
            c->view->name, p->name, p->a.chain[i], domain);
        if (f != NULL)
            mcx_finding_set_remediation(
                f,
                "On the reverse proxy, create a web publishing rule for port 80 (HTTP) with "
                "public name %s (see \"To create a web publishing rule for port 80\"), or in "
                "the public zone %s change: %s. %d IN CNAME <a name inside %s>",
                p->name, p->zone, p->name, RULES_DEFAULT_TTL, domain);
        return;
    }
}

/* The usual checks of an Autodiscover name that must exist. Returns 1
 * when its CNAME chain is broken (the target rules are then skipped: the
 * chain finding says what to fix first). */
static int check_required_name(rules_ctx *c, const name_probe *p, const char *domain)
{
    if (check_chain(c, p, domain)) return 1;
    check_wildcard(c, p, domain);
    check_aaaa_only(c, p, domain);
    check_ttls(c, p, domain);
    return 0;
}

/* Probe lyncdiscoverinternal.<d> and lyncdiscover.<d> in the view.
 * Returns 0, or -1 with c->failed set (both probes freed by the caller). */
static int probe_pair(rules_ctx *c, const char *domain, name_probe **li, name_probe **ld)
{
    char li_name[MCX_DNS_NAME_MAX + 32], ld_name[MCX_DNS_NAME_MAX + 32];

    snprintf(li_name, sizeof li_name, "lyncdiscoverinternal.%s", domain);
    snprintf(ld_name, sizeof ld_name, "lyncdiscover.%s", domain);
    *li = probe_new(c->view, li_name);
    *ld = probe_new(c->view, ld_name);
    if (*li == NULL || *ld == NULL) {
        c->failed = 1;
        return -1;
    }
    return 0;
}

/* The Autodiscover name this view requires is absent: finding `id` and the
 * CNAME to create, to the Autodiscover pool's web FQDN of that side. */
static void report_missing(rules_ctx *c, const char *domain, const name_probe *p, const char *id,
                           int external)
{
    const mcx_pool *pool = c->topo != NULL ? mcx_topology_autodiscover_pool(c->topo) : NULL;
    mcx_finding *f = add_finding(c, id, domain, "%s view: %s: %s (no CNAME, A or AAAA record)",
                                 external ? "external" : "internal", p->name,
                                 mcx_dns_status_name(p->a.status));
    if (pool != NULL)
        remedy_target(c, f, "create", p->zone, p->name,
                      external ? pool->external_web_fqdn : pool->internal_web_fqdn);
    else
        remedy_record(c, f, "create", p->zone, p->name, "CNAME",
                      external ? "<external Web Services FQDN of the Director pool, else of "
                                 "the Front End pool>"
                               : "<internal Web Services FQDN of the Director pool, else of "
                                 "the Front End pool>");
}

static void check_domain_internal(rules_ctx *c, const char *domain)
{
    name_probe *li = NULL, *ld = NULL;
    mcx_finding *f;

    if (probe_pair(c, domain, &li, &ld) != 0)
        goto done;
    if (li->unanswered) {
        /* The DNS-021..025 finding of the failed query says it all. */
    } else if (li->zone == NULL) {
        not_checked_zone(c, domain, li->name);
    } else if (!li->present) {
        report_missing(c, domain, li, "DNS-001", 0);
    } else if (!check_required_name(c, li, domain)) {
        if (c->topo != NULL)
            check_internal_target(c, li, domain);
        else
            not_checked(c, domain, "target of lyncdiscoverinternal",
                        "no --topology: the Director and Front End web FQDNs are unknown",
                        NULL);
    }
    if (ld->zone != NULL && ld->present) {
        f = add_finding(
            c, "DNS-006", domain,
            "internal view: %s resolves inside too; allowed, internal clients try %s first",
            ld->name, li->name);
        if (f != NULL)
            mcx_finding_set_remediation(f,
                                        "Nothing is required. To meet the recommendation, in the "
                                        "internal zone %s delete the records of %s.",
                                        ld->zone, ld->name);
    }
done:
    probe_free(li);
    probe_free(ld);
}

static void check_domain_external(rules_ctx *c, const char *domain)
{
    name_probe *li = NULL, *ld = NULL;
    mcx_finding *f;

    if (probe_pair(c, domain, &li, &ld) != 0)
        goto done;
    if (ld->unanswered) {
        /* The DNS-021..025 finding of the failed query says it all. */
    } else if (ld->zone == NULL) {
        not_checked_zone(c, domain, ld->name);
    } else if (!ld->present) {
        report_missing(c, domain, ld, "DNS-002", 1);
    } else if (!check_required_name(c, ld, domain)) {
        check_cross_domain(c, ld, domain);
        if (c->topo != NULL)
            check_external_target(c, ld, domain);
        else
            not_checked(c, domain, "target of lyncdiscover",
                        "no --topology: the external web FQDNs and the reverse proxy are unknown",
                        NULL);
    }
    if (li->zone != NULL && li->present) {
        char chain[4 * MCX_DNS_NAME_MAX];
        chain_text(&li->a, chain, sizeof chain);
        f = add_finding(c, "DNS-005", domain,
                        "external view: %s exists (%s%s%s): the internal name is addressable from "
                        "outside and external clients, which try it first, get a wrong answer",
                        li->name, chain, li->a.wildcard[0] ? ", through the wildcard " : "",
                        li->a.wildcard);
        if (f != NULL) {
            if (li->a.wildcard[0] != '\0' && strcmp(li->a.wildcard_for, li->name) == 0)
                mcx_finding_set_remediation(
                    f,
                    "In the public zone %s, the wildcard %s answers for %s: narrow or remove "
                    "the wildcard.",
                    li->zone, li->a.wildcard, li->name);
            else
                mcx_finding_set_remediation(f, "In the public zone %s, delete every record of %s.",
                                            li->zone, li->name);
        }
    }
done:
    probe_free(li);
    probe_free(ld);
}

/* ---- view-wide rules -------------------------------------------------- */

/* RFC 1034 3.6.2: a CNAME owner has no other data. */
static void check_cname_and_other_data(rules_ctx *c)
{
    mcx_dns_view *v = c->view;
    char tbuf[16];
    mcx_finding *f;

    for (size_t i = 0; i < v->nrrs;) {
        size_t j = i, ncname = 0;
        const char *other = NULL;
        while (j < v->nrrs && strcmp(v->rrs[j].owner, v->rrs[i].owner) == 0) {
            if (v->rrs[j].type == MCX_DNS_TYPE_CNAME)
                ncname++;
            else if (v->rrs[j].type != 46 && v->rrs[j].type != 47 && other == NULL)
                other = mcx_dns_type_name(v->rrs[j].type, tbuf, sizeof tbuf); /* not RRSIG/NSEC */
            j++;
        }
        if (ncname > 1 || (ncname == 1 && other != NULL)) {
            f = add_finding(c, "DNS-020", v->rrs[i].owner,
                            "%s view: %s has %zu CNAME record(s)%s%s", v->name, v->rrs[i].owner,
                            ncname, other != NULL ? " and a record of type " : "",
                            other != NULL ? other : "");
            if (f != NULL)
                mcx_finding_set_remediation(f,
                                            "In zone %s, keep a single CNAME at %s and delete "
                                            "its other records (or delete the CNAME).",
                                            mcx_dns_view_zone_of(v, v->rrs[i].owner),
                                            v->rrs[i].owner);
        }
        i = j;
    }
}

static void check_pools_internal(rules_ctx *c)
{
    const char *rp_ip = c->topo->reverse_proxy_ip;
    char addrs[1024];
    mcx_finding *f;

    for (size_t i = 0; i < c->topo->npools; i++) {
        const mcx_pool *pool = &c->topo->pools[i];
        name_probe *p = probe_new(c->view, pool->external_web_fqdn);
        if (p == NULL) {
            c->failed = 1;
            return;
        }
        if (p->unanswered) {
            /* The DNS-021..025 finding of the failed query says it all. */
        } else if (p->zone == NULL) {
            char fix[3 * MCX_DNS_NAME_MAX + 256];
            snprintf(fix, sizeof fix,
                     "Add to the internal DNS a zone that holds %s, with an A record at the "
                     "reverse proxy's public IP%s%s.",
                     p->name, rp_ip != NULL ? " " : "", rp_ip != NULL ? rp_ip : "");
            not_checked(c, pool->id, "split-brain record of the external web FQDN",
                        "no zone of the internal view holds it, so internal clients get the "
                        "public answer",
                        fix);
        } else if (!p->resolves) {
            f = add_finding(c, "DNS-008", pool->id,
                            "internal view: the external web FQDN %s of pool %s does not resolve "
                            "inside (%s); mobile clients on the corporate Wi-Fi cannot reach the "
                            "Mobility Service",
                            p->name, pool->id, mcx_dns_status_name(p->a.status));
            remedy_record(c, f, "create", p->zone, p->name, "A",
                          rp_ip != NULL ? rp_ip : "<public IP of the reverse proxy>");
        } else if (rp_ip != NULL && p->a.status != MCX_DNS_OUTSIDE &&
                   !probe_has_address(p, rp_ip)) {
            address_text(p, addrs, sizeof addrs);
            f = add_finding(
                c, "DNS-009", pool->id,
                "internal view: the external web FQDN %s of pool %s resolves inside to %s, "
                "not to the reverse proxy's public IP %s",
                p->name, pool->id, addrs, rp_ip);
            remedy_record(c, f, "change",
                          mcx_dns_view_zone_of(c->view, p->a.chain[p->a.nchain - 1]),
                          p->a.chain[p->a.nchain - 1], strchr(rp_ip, ':') ? "AAAA" : "A", rp_ip);
        }
        probe_free(p);
    }
}

static void check_pools_external(rules_ctx *c)
{
    const char *rp_ip = c->topo->reverse_proxy_ip;
    char addrs[1024];
    mcx_finding *f;

    for (size_t i = 0; i < c->topo->npools; i++) {
        const mcx_pool *pool = &c->topo->pools[i];
        name_probe *in = probe_new(c->view, pool->internal_web_fqdn);
        name_probe *ex = probe_new(c->view, pool->external_web_fqdn);
        if (in == NULL || ex == NULL) {
            probe_free(in);
            probe_free(ex);
            c->failed = 1;
            return;
        }
        if (in->zone != NULL &&
            (in->a.status == MCX_DNS_ANSWER || in->aaaa.status == MCX_DNS_ANSWER)) {
            address_text(in, addrs, sizeof addrs);
            f = add_finding(c, "DNS-010", pool->id,
                            "external view: the internal web FQDN %s of pool %s resolves from the "
                            "Internet (%s)%s%s",
                            in->name, pool->id, addrs,
                            in->a.wildcard[0] ? " through the wildcard " : "", in->a.wildcard);
            if (f != NULL)
                mcx_finding_set_remediation(
                    f, "In the public zone %s, delete the records of %s%s%s%s.", in->zone, in->name,
                    in->a.wildcard[0] ? " (narrow the wildcard " : "",
                    in->a.wildcard[0] ? in->a.wildcard : "", in->a.wildcard[0] ? ")" : "");
        }
        if (ex->unanswered) {
            /* The DNS-021..025 finding of the failed query says it all. */
        } else if (ex->zone == NULL) {
            char fix[3 * MCX_DNS_NAME_MAX + 256];
            snprintf(fix, sizeof fix,
                     "Add the public zone that holds %s to the external view (zone file or "
                     "server), then run again.",
                     ex->name);
            not_checked(c, pool->id, "external web FQDN resolves publicly",
                        "no zone of the external view holds it", fix);
        } else if (!ex->resolves) {
            f = add_finding(
                c, "DNS-011", pool->id,
                "external view: the external web FQDN %s of pool %s does not resolve (%s)",
                ex->name, pool->id, mcx_dns_status_name(ex->a.status));
            remedy_record(c, f, "create", ex->zone, ex->name, "A",
                          rp_ip != NULL ? rp_ip : "<public IP of the reverse proxy>");
        }
        probe_free(in);
        probe_free(ex);
    }
}

/* ---- entry points ----------------------------------------------------- */

int mcx_dns_discovery_answer(mcx_dns_view *view, const char *sip_domain, char *name, size_t len)
{
    static const char *const prefixes[] = {"lyncdiscoverinternal.", "lyncdiscover."};
    char domain[MCX_DNS_NAME_MAX], qname[MCX_DNS_NAME_MAX + 32];

    if (mcx_dns_name_normalise(sip_domain, domain, sizeof domain) != 0) return -1;
    for (size_t i = 0; i < 2; i++) {
        snprintf(qname, sizeof qname, "%s%s", prefixes[i], domain);
        name_probe *p = probe_new(view, qname);
        if (p == NULL) return -1;
        int ok = p->zone != NULL && p->resolves;
        if (ok) snprintf(name, len, "%s", p->name);
        probe_free(p);
        if (ok) return 1;
    }
    if (len > 0) name[0] = '\0';
    return 0;
}

int mcx_dns_rules_check(mcx_dns_view *view, mcx_dns_vantage vantage, const char *const *sip_domains,
                        size_t nsip_domains, const mcx_topology *topology, mcx_report *r)
{
    return mcx_dns_rules_check_inferred(view, vantage, sip_domains, nsip_domains, topology, NULL,
                                        r);
}

int mcx_dns_rules_check_inferred(mcx_dns_view *view, mcx_dns_vantage vantage,
                                 const char *const *sip_domains, size_t nsip_domains,
                                 const mcx_topology *topology, const mcx_topology *web, mcx_report *r)
{
    rules_ctx c = {view, vantage, topology, r, 0};
    char domain[MCX_DNS_NAME_MAX], answer[MCX_DNS_NAME_MAX];

    for (size_t i = 0; i < nsip_domains; i++) {
        if (mcx_dns_name_normalise(sip_domains[i], domain, sizeof domain) != 0 ||
            strchr(domain, '.') == NULL) {
            mcx_report_add(r, "DNS-000", "'%s' is not a valid SIP domain", sip_domains[i]);
            return -1;
        }
        if (vantage == MCX_DNS_VANTAGE_INTERNAL)
            check_domain_internal(&c, domain);
        else
            check_domain_external(&c, domain);
        int found = mcx_dns_discovery_answer(view, domain, answer, sizeof answer);
        if (found < 0) {
            c.failed = 1;
            continue;
        }
        mcx_report_step(r, 0, found ? MCX_STEP_OK : MCX_STEP_FAIL, 0,
                        found ? "the first Autodiscover name that resolves in this view"
                              : "neither lyncdiscoverinternal nor lyncdiscover resolves",
                        "discovery %s %s: %s", mcx_dns_vantage_name(vantage), domain,
                        found ? answer : "none");
    }
    check_cname_and_other_data(&c);
    if (topology == NULL && web != NULL) c.topo = web; /* web FQDN rules only */
    if (c.topo == NULL)
        not_checked(&c, view->name, "web FQDN rules (split-brain, internal/external web FQDN)",
                    "no --topology: the pools' web FQDNs are unknown", NULL);
    else if (vantage == MCX_DNS_VANTAGE_INTERNAL)
        check_pools_internal(&c);
    else
        check_pools_external(&c);
    if (c.failed) {
        mcx_report_add(r, "DNS-000", "out of memory while checking the %s view", view->name);
        return -1;
    }
    return 0;
}
