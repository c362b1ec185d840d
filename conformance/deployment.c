/*
 * deployment.c -- the checks of `mcxcheck deployment`, per vantage and SIP
 * domain: what a phone standing in that vantage does, and what the
 * administrator has to fix when it fails (see deployment.h).
 *
 * Order, for each vantage whose DNS server was given (internal first):
 *   1. the DNS view and every DNS- rule (mcx_dns_cli_vantage, as `dns`);
 *   2. per SIP domain: the Autodiscover name that answers and the address
 *      its chain ends at; a TLS handshake there with SNI = the name; the
 *      presented certificate checked for the role that answers in this
 *      vantage (once per certificate and vantage) and for the name (CT-021);
 *      the cross-domain tie (DP-001 / DP-002); GET https://<name>/ and
 *      GET http://<name>/ with Host = the name, validated as discover does.
 * Every finding of a SIP domain's block gets the subject "<domain>
 * (<vantage>)" so the report reads per SIP domain.
 * Owns: that order, the step tree and the DP- findings. Does not own: the
 * DNS, certificate, HTTP and document modules it calls (deployment.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "deployment.h"
#include "discover.h"
#include "mcx/autodiscover.h"
#include "mcx/dns_rules.h"
#include "mcx/dns_view.h"
#include "mcx/http_client.h"

#define DP_MAX_CERTS 64
#define DP_CT_XML_PREFIX "application/vnd.microsoft.rtc.autodiscover+xml"

/* ---- --connect-to ----------------------------------------------------- */

/* One "HOST" or "[V6]" field of a rule, up to the next ':' (or the end
 * when `last`). Returns the position after the field, or NULL. */
static const char *dp_rule_field(const char *s, char *out, size_t len)
{
    const char *end;
    if (*s == '[') {
        end = strchr(s, ']');
        if (end == NULL || (size_t)(end - s - 1) >= len || end == s + 1) return NULL;
        memcpy(out, s + 1, (size_t)(end - s - 1));
        out[end - s - 1] = '\0';
        return end + 1;
    }
    end = strchr(s, ':');
    if (end == NULL || end == s || (size_t)(end - s) >= len) return NULL;
    memcpy(out, s, (size_t)(end - s));
    out[end - s] = '\0';
    return end;
}

/* ":PORT" at s; the position after it, or NULL. */
static const char *dp_rule_port(const char *s, int *port)
{
    long n = 0;
    size_t i = 1;
    if (s[0] != ':') return NULL;
    for (; s[i] >= '0' && s[i] <= '9' && i < 7; i++) n = n * 10 + (s[i] - '0');
    if (i == 1 || n < 1 || n > 65535) return NULL;
    *port = (int)n;
    return s + i;
}

static int dp_parse_rule(const char *rule, char *host, size_t hostlen, int *port1, char *addr,
                         size_t addrlen, int *port2)
{
    const char *p = dp_rule_field(rule, host, hostlen);
    if (p == NULL || (p = dp_rule_port(p, port1)) == NULL || *p != ':') return -1;
    if ((p = dp_rule_field(p + 1, addr, addrlen)) == NULL) return -1;
    if ((p = dp_rule_port(p, port2)) == NULL || *p != '\0') return -1;
    return 0;
}

int mcx_dp_connect_to_valid(const char *rule)
{
    char host[256], addr[256];
    int p1, p2;
    return dp_parse_rule(rule, host, sizeof host, &p1, addr, sizeof addr, &p2);
}

int mcx_dp_connect_target(const char *const *connect_to, const char *name, const char *addr,
                          int std_port, int mapped_port, char *host, size_t hostlen, int *port)
{
    for (size_t i = 0; connect_to != NULL && connect_to[i] != NULL; i++) {
        char rhost[256], raddr[256];
        int p1, p2;
        if (dp_parse_rule(connect_to[i], rhost, sizeof rhost, &p1, raddr, sizeof raddr, &p2) != 0)
            return -1;
        if (p1 != std_port || (strcasecmp(rhost, name) != 0 && strcasecmp(rhost, addr) != 0))
            continue;
        if (strlen(raddr) >= hostlen) return -1;
        snprintf(host, hostlen, "%s", raddr);
        *port = p2;
        return 0;
    }
    if (strlen(addr) >= hostlen) return -1;
    snprintf(host, hostlen, "%s", addr);
    *port = mapped_port;
    return 0;
}

/* ---- one SIP domain in one vantage ------------------------------------ */

typedef struct dp_cert_seen {
    char thumbprint[41];
    char subject[300]; /* "<domain> (<vantage>)" it was checked under */
} dp_cert_seen;

typedef struct dp_ctx {
    const mcx_dp_options *o;
    mcx_report *r;
    mcx_dp_result *res;
    mcx_dns_vantage vantage;
    mcx_dns_view *view;
    size_t vantage_first; /* first finding of this vantage (DNS rules) */
    dp_cert_seen seen[DP_MAX_CERTS];
    size_t nseen;
    const mcx_external_record *ext; /* per SIP domain, what the external view answers */
    const char *ext_text;           /* the same as text for the step */
} dp_ctx;

/* The per-domain target of the checks, from the DNS. */
typedef struct dp_target {
    const char *domain;
    char subject[300];        /* "<domain> (<vantage>)" */
    char name[MCX_DNS_NAME_MAX];
    char addr[64];            /* where the chain ends (first address) */
    char chain[1024];         /* "name -> CNAME t -> A addr" */
    char cname_owner[MCX_DNS_NAME_MAX]; /* owner of the first CNAME (the name) */
    char zone[MCX_DNS_NAME_MAX];
    int cnames;               /* CNAMEs followed */
    int cross_domain;         /* the chain leaves the SIP domain and DNS-007 said so */
} dp_target;

static void dp_internal(dp_ctx *c, const char *what)
{
    mcx_report_add(c->r, "DP-000", "%s", what);
    c->res->internal_error = 1;
}

/* Set `subject` on findings [from, end) whose subject is `only` (NULL:
 * every finding). */
static void dp_relabel(mcx_report *r, size_t from, const char *only, const char *subject)
{
    for (size_t i = from; i < r->nfindings; i++) {
        const char *s = r->findings[i].subject;
        if (only == NULL || (s != NULL && strcmp(s, only) == 0))
            mcx_finding_set_subject(&r->findings[i], subject);
    }
}

static int dp_has(const mcx_report *r, size_t from, const char *id, const char *subject)
{
    for (size_t i = from; i < r->nfindings; i++)
        if (strcmp(r->findings[i].id, id) == 0 && r->findings[i].subject != NULL &&
            strcmp(r->findings[i].subject, subject) == 0)
            return 1;
    return 0;
}

/* Fill t from the view. 1 when an address was found, 0 when the web checks
 * cannot run (a DP-006 finding and a step say why). */
static int dp_resolve(dp_ctx *c, dp_target *t)
{
    mcx_dns_answer a;
    const char *why = NULL;
    char buf[40];
    int found = mcx_dns_discovery_answer(c->view, t->domain, t->name, sizeof t->name);

    if (found != 1) {
        why = "neither lyncdiscoverinternal nor lyncdiscover resolves";
        snprintf(t->name, sizeof t->name, "none");
    } else if (mcx_dns_view_lookup(c->view, t->name, MCX_DNS_TYPE_A, &a) != 0) {
        dp_internal(c, "DNS lookup failed (out of memory)");
        return 0;
    } else {
        if (a.status != MCX_DNS_ANSWER || a.nrrs == 0) {
            mcx_dns_answer_clear(&a);
            if (mcx_dns_view_lookup(c->view, t->name, MCX_DNS_TYPE_AAAA, &a) != 0) {
                dp_internal(c, "DNS lookup failed (out of memory)");
                return 0;
            }
        }
        size_t used = (size_t)snprintf(t->chain, sizeof t->chain, "%s", a.chain[0]);
        for (size_t i = 1; i < a.nchain && used < sizeof t->chain; i++)
            used += (size_t)snprintf(t->chain + used, sizeof t->chain - used, " -> CNAME %s",
                                     a.chain[i]);
        t->cnames = (int)a.ncnames;
        if (a.ncnames > 0)
            snprintf(t->cname_owner, sizeof t->cname_owner, "%s", a.cnames[0]->owner);
        const char *zone = mcx_dns_view_zone_of(c->view, t->name);
        snprintf(t->zone, sizeof t->zone, "%s", zone ? zone : t->domain);
        for (size_t i = 1; i < a.nchain; i++)
            if (!mcx_dns_name_is_under(a.chain[i], t->domain)) t->cross_domain = 1;
        if (a.status == MCX_DNS_ANSWER && a.nrrs > 0 && strlen(a.rrs[0]->rdata) < sizeof t->addr) {
            snprintf(t->addr, sizeof t->addr, "%s", a.rrs[0]->rdata);
            if (used < sizeof t->chain)
                snprintf(t->chain + used, sizeof t->chain - used, " -> %s %s",
                         mcx_dns_type_name(a.rrs[0]->type, buf, sizeof buf), t->addr);
        } else {
            why = a.status == MCX_DNS_OUTSIDE
                      ? "its chain ends outside the zones this DNS server answers for"
                      : "its chain ends without an address";
        }
        mcx_dns_answer_clear(&a);
    }
    if (why == NULL) {
        mcx_report_step(c->r, 1, MCX_STEP_OK, 0, NULL, "DNS: %s", t->chain);
        return 1;
    }
    mcx_report_step(c->r, 1, MCX_STEP_SKIP, 0, why, "DNS: %s: TLS and HTTP checks not run",
                    found == 1 ? t->chain : "no Autodiscover name answers");
    mcx_report_add(c->r, "DP-006", "%s view, SIP domain %s: %s: %s; no TLS or HTTP check was run",
                   mcx_dns_vantage_name(c->vantage), t->domain,
                   found == 1 ? t->chain : "no Autodiscover name answers", why);
    return 0;
}

/* The finding for a handshake that presented no certificate. */
static void dp_tls_failed(dp_ctx *c, const dp_target *t, const mcx_tls_probe *p,
                          const char *where)
{
    static const char *const ids[] = {
        [MCX_TLS_OK] = "CT-020",           [MCX_TLS_E_RESOLVE] = "DP-003",
        [MCX_TLS_E_CONNECT] = "DP-003",    [MCX_TLS_E_TIMEOUT] = "CT-023",
        [MCX_TLS_E_PLAIN_HTTP] = "CT-024", [MCX_TLS_E_VERSION] = "CT-022",
        [MCX_TLS_E_HANDSHAKE] = "CT-020",  [MCX_TLS_E_INTERNAL] = "DP-000",
    };
    mcx_finding *f = mcx_report_add(c->r, ids[p->result],
                                    "%s view: %s (%s): TLS with SNI %s failed: %s",
                                    mcx_dns_vantage_name(c->vantage), where, t->chain, t->name,
                                    p->error);
    if (f && p->result == MCX_TLS_E_CONNECT)
        mcx_finding_set_remediation(f,
                                    "Nothing accepts TCP 443 at %s, where %s leads: publish the "
                                    "Autodiscover service there (reverse proxy web publishing "
                                    "rule, or the pool's web site), or correct the DNS record.",
                                    t->addr, t->name);
}

/* The role that answers the Autodiscover name in this vantage. */
static mcx_cert_role dp_role(const dp_ctx *c, const mcx_pool **pool)
{
    const mcx_topology *topo = c->o->topo;
    *pool = mcx_topology_autodiscover_pool(topo);
    if (c->vantage == MCX_DNS_VANTAGE_EXTERNAL &&
        (topo->reverse_proxy_fqdn != NULL || topo->reverse_proxy_ip != NULL)) {
        *pool = NULL;
        return MCX_CERT_ROLE_REVERSE_PROXY;
    }
    return *pool != NULL && (*pool)->is_director ? MCX_CERT_ROLE_DIRECTOR
                                                 : MCX_CERT_ROLE_FRONTEND;
}

/* The role checks of the presented chain, once per certificate and vantage. */
static void dp_check_chain(dp_ctx *c, const dp_target *t, STACK_OF(X509) *presented,
                           const char *where)
{
    X509 *leaf = sk_X509_value(presented, 0);
    char thumb[41];
    const mcx_pool *pool = NULL;
    mcx_cert_role role = dp_role(c, &pool);

    if (mcx_cert_thumbprint(leaf, thumb) != 0) {
        dp_internal(c, "cannot compute the certificate thumbprint");
        return;
    }
    for (size_t i = 0; i < c->nseen; i++) {
        if (strcmp(c->seen[i].thumbprint, thumb) == 0) {
            mcx_report_step(c->r, 2, MCX_STEP_INFO, 0, NULL,
                            "certificate %s: role %s checked above, for %s", thumb,
                            mcx_cert_role_name(role), c->seen[i].subject);
            return;
        }
    }
    if (c->nseen < DP_MAX_CERTS) {
        snprintf(c->seen[c->nseen].thumbprint, sizeof c->seen[c->nseen].thumbprint, "%s", thumb);
        snprintf(c->seen[c->nseen].subject, sizeof c->seen[c->nseen].subject, "%s", t->subject);
        c->nseen++;
    }
    STACK_OF(X509) *rest = sk_X509_dup(presented);
    if (rest == NULL) {
        dp_internal(c, "out of memory");
        return;
    }
    (void)sk_X509_shift(rest);
    mcx_cert_input in;
    memset(&in, 0, sizeof in);
    in.leaf = leaf;
    in.chain = rest;
    in.trust = c->o->trust;
    in.role = role;
    in.sip_domains = c->o->dns->domains;
    in.nsip_domains = c->o->dns->ndomains;
    in.topology = c->o->topo;
    in.pool = pool;
    /* The A-record exception of a Director (seed: "Certificate
     * Requirements", the Director pool table's note) depends on what the
     * external view answers for each SIP domain, in either vantage. */
    in.external_records = c->ext;
    in.at = c->o->at;
    in.subject = where;
    in.issuing_ca = c->o->issuing_ca;
    size_t before = c->r->nfindings;
    if (mcx_cert_check(&in, c->r) != 0) c->res->internal_error = 1;
    mcx_report_step(c->r, 2, c->r->nfindings > before ? MCX_STEP_FAIL : MCX_STEP_OK, 0, NULL,
                    "certificate %s checked as %s%s%s (external lyncdiscover record: %s): %zu "
                    "finding(s)",
                    thumb, mcx_cert_role_name(role), pool ? ", pool " : "", pool ? pool->id : "",
                    c->ext_text, c->r->nfindings - before);
    sk_X509_free(rest);
}

/* DP-001 / DP-002: the cross-domain CNAME and the certificate at its end.
 * `leaf` is NULL when the handshake presented none. */
static void dp_cross_domain(dp_ctx *c, const dp_target *t, X509 *leaf, const char *where)
{
    char desc[700], thumb[41] = "none";
    mcx_cert_match m = leaf ? mcx_cert_match_name(leaf, t->name, NULL, 0) : MCX_CERT_MATCH_NONE;
    const char *rp = c->o->topo->reverse_proxy_ip;

    if (leaf) {
        mcx_cert_describe(leaf, desc, sizeof desc);
        if (mcx_cert_thumbprint(leaf, thumb) != 0) snprintf(thumb, sizeof thumb, "unknown");
    } else {
        snprintf(desc, sizeof desc, "no certificate presented");
    }
    if (m == MCX_CERT_MATCH_EXACT || m == MCX_CERT_MATCH_WILDCARD ||
        m == MCX_CERT_MATCH_TRAILING_DOT) {
        mcx_report_add(c->r, "DP-002",
                       "%s view: %s leaves the SIP domain %s, and the certificate presented at "
                       "%s for SNI %s covers it (%s): HTTPS works only while that certificate "
                       "carries the name",
                       mcx_dns_vantage_name(c->vantage), t->chain, t->domain, where, t->name,
                       desc);
        return;
    }
    mcx_finding *f = mcx_report_add(
        c->r, "DP-001",
        "%s view: %s is a CNAME chain out of the SIP domain %s; the server at %s, asked with "
        "SNI %s as a phone does, presents a certificate that does not cover it (%s): HTTPS "
        "to %s fails, only HTTP on port 80 can work",
        mcx_dns_vantage_name(c->vantage), t->chain, t->domain, where, t->name, desc, t->name);
    if (f == NULL) return;
    mcx_finding_set_remediation(
        f,
        "One of:\n"
        "1. Publish port 80: on the reverse proxy, create a web publishing rule for HTTP port 80 "
        "with public name %s (seed: \"To create a web publishing rule for port 80\").\n"
        "2. In the zone %s replace the CNAME: %s. 3600 IN %s %s\n"
        "3. Add the SAN DNS:%s to the certificate with thumbprint %s presented at %s.",
        t->name, t->zone, t->cname_owner[0] ? t->cname_owner : t->name,
        rp != NULL ? (strchr(rp, ':') ? "AAAA" : "A") : "CNAME",
        rp != NULL ? rp : "<a name inside the SIP domain>", t->name, thumb, where);
}

/* Check status, content type and document of a GET / answer. 0 when it is
 * a usable Root document; else -1 with `why` filled. */
static int dp_root_document(dp_ctx *c, const char *url, const mcx_http_response *resp,
                            int over_http, char *why, size_t whylen)
{
    const char *ct = mcx_http_header_get(resp, "Content-Type");
    mcx_ad_doc doc;

    if (resp->status != 200) {
        snprintf(why, whylen, "HTTP %d", resp->status);
        return -1;
    }
    if (ct == NULL || strncasecmp(ct, DP_CT_XML_PREFIX, strlen(DP_CT_XML_PREFIX)) != 0) {
        snprintf(why, whylen, "200 with Content-Type %s", ct ? ct : "(none)");
        return -1;
    }
    memset(&doc, 0, sizeof doc);
    if (mcx_ad_parse(ct, resp->body, resp->body_len, &doc, c->r, url) < 0) {
        snprintf(why, whylen, "an unparsable document (see the AD- findings)");
        return -1;
    }
    int rc = 0;
    if (doc.kind != MCX_AD_ROOT) {
        snprintf(why, whylen, "a %s document instead of Root", mcx_ad_kind_name(doc.kind));
        rc = -1;
    } else {
        mcx_ad_expect ex = {c->o->topo, over_http,
                            c->vantage == MCX_DNS_VANTAGE_INTERNAL ? MCX_ACCESS_INTERNAL
                                                                   : MCX_ACCESS_EXTERNAL};
        mcx_ad_validate(&doc, &ex, c->r, url);
        mcx_report_step(c->r, 2, MCX_STEP_INFO, 0, NULL,
                        "Root document, AccessLocation %s, %zu link(s)",
                        doc.has_access_location ? mcx_ad_access_name(doc.access_location)
                                                : "absent",
                        doc.nlinks);
    }
    mcx_ad_doc_clear(&doc);
    return rc;
}

/* GET <scheme>://<name>/ at the lab address for std_port. */
static void dp_get_root(dp_ctx *c, const dp_target *t, int https)
{
    char url[MCX_DNS_NAME_MAX + 16], host[256], rule[MCX_DNS_NAME_MAX + 300], why[700];
    int std_port = https ? 443 : 80, port = 0;
    mcx_http_response resp;

    snprintf(url, sizeof url, "%s://%s/", https ? "https" : "http", t->name);
    if (mcx_dp_connect_target(c->o->connect_to, t->name, t->addr, std_port,
                              https ? c->o->https_port : c->o->http_port, host, sizeof host,
                              &port) != 0) {
        dp_internal(c, "a --connect-to rule cannot be applied");
        return;
    }
    snprintf(rule, sizeof rule, strchr(host, ':') ? "%s:%d:[%s]:%d" : "%s:%d:%s:%d", t->name,
             std_port, host, port);
    const char *connect_to[2] = {rule, NULL};
    mcx_ds_options dso;
    memset(&dso, 0, sizeof dso);
    dso.vantage = c->vantage == MCX_DNS_VANTAGE_INTERNAL ? MCX_DS_VANTAGE_INTERNAL
                                                         : MCX_DS_VANTAGE_EXTERNAL;
    dso.http.connect_to = connect_to;
    dso.http.resolve_only = 1;
    dso.http.ca_file = c->o->ca_file;
    dso.http.timeout_ms = c->o->timeout_ms;
    dso.http.tls_compat = c->o->profile == MCX_TLS_PROFILE_COMPAT;
    dso.topo = c->o->topo;
    mcx_http_header accept = {"Accept", MCX_ACCEPT_AD_XML};
    if (mcx_ds_http(&dso, c->r, 1, "GET", url, &accept, 1, NULL, 0, &resp) != 0) {
        /* A TLS failure of the request is a finding too (why the client
         * refused: the CT- findings of the handshake above). */
        snprintf(why, sizeof why, "%s failure at %s:%d: %s%s", mcx_http_error_name(resp.error),
                 host, port, resp.error_text,
                 resp.error == MCX_HTTP_E_TLS
                     ? " (the TLS client of the request, as a phone: see the CT- findings "
                       "of the handshake)"
                     : "");
        goto failed;
    }
    if (dp_root_document(c, url, &resp, !https, why, sizeof why) != 0) goto failed;
    mcx_http_response_free(&resp);
    return;
failed:;
    mcx_finding *f = mcx_report_add(c->r, https ? "DP-003" : "DP-004",
                                    "%s view: GET %s (%s) answered %s",
                                    mcx_dns_vantage_name(c->vantage), url, t->chain, why);
    if (f) mcx_finding_set_evidence(f, url, resp.status, resp.body, resp.body_len);
    mcx_http_response_free(&resp);
}

static void dp_domain(dp_ctx *c, const char *domain)
{
    dp_target t;
    size_t first = c->r->nfindings;
    char host[256], where[300];
    int port = 0;
    mcx_tls_probe probes[2];

    memset(&t, 0, sizeof t);
    t.domain = domain;
    snprintf(t.subject, sizeof t.subject, "%s (%s)", domain, mcx_dns_vantage_name(c->vantage));
    mcx_report_step(c->r, 0, MCX_STEP_INFO, 0, NULL, "%s", t.subject);
    if (!dp_resolve(c, &t)) goto out;
    t.cross_domain = t.cross_domain && dp_has(c->r, c->vantage_first, "DNS-007", t.subject);
    if (mcx_dp_connect_target(c->o->connect_to, t.name, t.addr, 443, c->o->https_port, host,
                              sizeof host, &port) != 0) {
        dp_internal(c, "a --connect-to rule cannot be applied");
        goto out;
    }
    snprintf(where, sizeof where, strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);
    char port_text[8];
    snprintf(port_text, sizeof port_text, "%d", port);
    int chosen = mcx_tls_probe_profiles(host, port_text, t.name, where, c->o->profile,
                                        c->o->timeout_ms, c->r, 1, probes);
    if (chosen < 0) {
        const mcx_tls_probe *p = mcx_tls_probe_failure(probes);
        dp_tls_failed(c, &t, p, where);
        if (t.cross_domain && p->result == MCX_TLS_E_HANDSHAKE)
            dp_cross_domain(c, &t, NULL, where);
        if (p->result == MCX_TLS_E_CONNECT || p->result == MCX_TLS_E_RESOLVE)
            mcx_report_step(c->r, 1, MCX_STEP_SKIP, 0, NULL,
                            "GET https://%s/: not run (nothing listens)", t.name);
    } else {
        STACK_OF(X509) *chain = probes[chosen].chain;
        (void)mcx_tls_legacy_finding(c->r, probes, chosen, where);
        dp_check_chain(c, &t, chain, where);
        mcx_cert_name_finding(c->r, sk_X509_value(chain, 0), t.name, where);
        if (t.cross_domain) dp_cross_domain(c, &t, sk_X509_value(chain, 0), where);
    }
    mcx_tls_result tls = chosen >= 0 ? MCX_TLS_OK : mcx_tls_probe_failure(probes)->result;
    mcx_tls_probe_free(&probes[0]); /* closes the probes' connections first */
    mcx_tls_probe_free(&probes[1]);
    if (tls == MCX_TLS_OK) dp_get_root(c, &t, 1);
    if (tls != MCX_TLS_E_INTERNAL) dp_get_root(c, &t, 0);
out:
    dp_relabel(c->r, first, NULL, t.subject);
}

/* What the external view answers for lyncdiscover.<d> of each SIP domain:
 * A (or AAAA) without a CNAME, or CNAME -- the stricter rule, also when no
 * external DNS server was given or nothing answered. The view is asked on
 * its own (into a scratch report) so the internal vantage, checked first,
 * knows it. Fills ext[] and text; -1 on out of memory. */
static int dp_external_records(const mcx_dp_options *o, mcx_external_record *ext, char *text,
                               size_t textlen)
{
    size_t used = 0;
    mcx_dns_view *view = NULL;
    mcx_report *scratch = NULL;
    if (o->dns->have_server[1]) {
        mcx_dns_live_stats stats;
        int failed = 0;
        if ((scratch = mcx_report_new("mcxcheck", "deployment", "external")) == NULL) return -1;
        view = mcx_dns_cli_vantage(o->dns, MCX_DNS_VANTAGE_EXTERNAL, o->topo, o->seed, scratch,
                                   &stats, &failed);
    }
    for (size_t d = 0; d < o->dns->ndomains; d++) {
        char name[MCX_DNS_NAME_MAX];
        mcx_dns_answer a;
        const char *kind = view ? "CNAME" : "unknown, CNAME rule";
        ext[d] = MCX_EXTERNAL_RECORD_CNAME;
        snprintf(name, sizeof name, "lyncdiscover.%s", o->dns->domains[d]);
        if (view && mcx_dns_view_lookup(view, name, MCX_DNS_TYPE_A, &a) == 0) {
            if (a.status != MCX_DNS_ANSWER || a.nrrs == 0) {
                mcx_dns_answer_clear(&a);
                if (mcx_dns_view_lookup(view, name, MCX_DNS_TYPE_AAAA, &a) != 0) continue;
            }
            if (a.status == MCX_DNS_ANSWER && a.nrrs > 0 && a.ncnames == 0) {
                ext[d] = MCX_EXTERNAL_RECORD_A;
                kind = "A";
            } else if (a.ncnames == 0) {
                kind = "none, CNAME rule";
            }
            mcx_dns_answer_clear(&a);
        }
        if (used < textlen)
            used += (size_t)snprintf(text + used, textlen - used, "%s%s %s", d ? ", " : "",
                                     o->dns->domains[d], kind);
    }
    mcx_dns_view_free(view);
    mcx_report_free(scratch);
    return 0;
}

int mcx_dp_run(const mcx_dp_options *o, mcx_report *r, mcx_dp_result *res)
{
    memset(res, 0, sizeof *res);
    char ext_text[1024] = "";
    mcx_external_record *ext = calloc(o->dns->ndomains + 1, sizeof *ext);
    if (ext == NULL || dp_external_records(o, ext, ext_text, sizeof ext_text) != 0) {
        free(ext);
        mcx_report_add(r, "DP-000", "out of memory");
        res->internal_error = 1;
        return -1;
    }
    for (int which = 0; which < 2; which++) {
        mcx_dns_vantage vantage = which ? MCX_DNS_VANTAGE_EXTERNAL : MCX_DNS_VANTAGE_INTERNAL;
        const char *vname = mcx_dns_vantage_name(vantage);
        if (!o->dns->have_server[which]) {
            mcx_report_step(r, 0, MCX_STEP_SKIP, 0, NULL,
                            "%s view: not checked (no --dns-%s given)", vname, vname);
            mcx_finding *f = mcx_report_add(r, "DP-005",
                                            "%s vantage: no DNS server given (--dns-%s), so "
                                            "its DNS, certificate and web checks were not run",
                                            vname, vname);
            if (f) mcx_finding_set_subject(f, vname);
            continue;
        }
        dp_ctx *c = calloc(1, sizeof *c);
        if (c == NULL) {
            mcx_report_add(r, "DP-000", "out of memory");
            res->internal_error = 1;
            free(ext);
            return -1;
        }
        c->ext = ext;
        c->ext_text = ext_text;
        c->o = o;
        c->r = r;
        c->res = res;
        c->vantage = vantage;
        c->vantage_first = r->nfindings;
        mcx_dns_live_stats stats;
        int failed = 0;
        c->view = mcx_dns_cli_vantage(o->dns, vantage, o->topo, o->seed, r, &stats, &failed);
        if (failed) res->internal_error = 1;
        if (stats.queries > stats.failures - stats.refused) res->dns_answered = 1;
        /* The DNS findings of a SIP domain read "<domain> (<vantage>)". */
        for (size_t d = 0; d < o->dns->ndomains; d++) {
            char subject[300];
            snprintf(subject, sizeof subject, "%s (%s)", o->dns->domains[d], vname);
            dp_relabel(r, c->vantage_first, o->dns->domains[d], subject);
        }
        for (size_t d = 0; c->view != NULL && d < o->dns->ndomains; d++)
            dp_domain(c, o->dns->domains[d]);
        mcx_dns_view_free(c->view);
        free(c);
    }
    free(ext);
    return res->internal_error ? -1 : 0;
}
