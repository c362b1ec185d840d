/*
 * topology_rules.c -- the cross-field rules of a topology (catalogue TP-001
 * .. TP-014, lib/catalogue_tp.c), checked on a built model in a fixed order.
 *
 * Owns: mcx_topology_check_rules and the wording of each rule's error (what
 * is wrong, what is expected, which seed section says so). Does not own:
 * XML syntax or schema errors (topology_load.c) nor the catalogue rows.
 */
#include "mcx/topology.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

typedef struct rule_ctx {
    const mcx_topology *t;
    const mcx_topology_lines *lines;
    mcx_error *err;
} rule_ctx;

static int line_of(const int *arr, size_t i)
{
    return arr ? arr[i] : 0;
}

static int root_line(const rule_ctx *c)
{
    return c->lines ? c->lines->topology : 0;
}

static int pool_line(const rule_ctx *c, size_t i)
{
    return c->lines ? line_of(c->lines->pools, i) : 0;
}

static int pool_mcx_line(const rule_ctx *c, size_t i)
{
    return c->lines ? line_of(c->lines->pool_mcx, i) : 0;
}

static int user_line(const rule_ctx *c, size_t i)
{
    return c->lines ? line_of(c->lines->users, i) : 0;
}

static int domain_line(const rule_ctx *c, size_t i)
{
    return c->lines ? line_of(c->lines->sip_domains, i) : 0;
}

static int same_name(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcasecmp(a, b) == 0;
}

/* Two web sites share an address when both give the same IP or neither
 * gives one. */
static int same_address(const char *a, const char *b)
{
    if (a == NULL && b == NULL)
        return 1;
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static int check_sip_domains(rule_ctx *c)
{
    const mcx_topology *t = c->t;
    size_t i, j;

    if (t->nsip_domains == 0) {
        mcx_error_set(c->err, t->source, root_line(c), "TP-001",
                      "the topology lists no <sipDomain>; at least one SIP domain is "
                      "required, automatic discovery is set up per SIP domain "
                      "(seed: DNS Requirements)");
        return -1;
    }
    for (i = 1; i < t->nsip_domains; i++)
        for (j = 0; j < i; j++)
            if (same_name(t->sip_domains[i], t->sip_domains[j])) {
                mcx_error_set(c->err, t->source, domain_line(c, i), "TP-002",
                              "SIP domain '%s' is listed twice (first on line %d); list "
                              "each SIP domain once (seed: DNS Requirements)",
                              t->sip_domains[i], domain_line(c, j));
                return -1;
            }
    return 0;
}

static int port_is_web_port(const mcx_pool *p, int port)
{
    return port == p->internal_http_port || port == p->internal_https_port ||
           port == p->external_http_port || port == p->external_https_port;
}

static int check_one_pool(rule_ctx *c, size_t i)
{
    const mcx_topology *t = c->t;
    const mcx_pool *p = &t->pools[i];
    size_t j;

    for (j = 0; j < i; j++)
        if (same_name(p->id, t->pools[j].id)) {
            mcx_error_set(c->err, t->source, pool_line(c, i), "TP-003",
                          "pool id '%s' is used twice (first on line %d); every pool needs "
                          "its own id, users are homed on a pool by id (seed: Technical "
                          "Requirements for Mobility)",
                          p->id, pool_line(c, j));
            return -1;
        }
    if (same_name(p->internal_web_fqdn, p->external_web_fqdn)) {
        mcx_error_set(c->err, t->source, pool_line(c, i), "TP-004",
                      "pool '%s': internal web FQDN '%s' equals the external web FQDN; the "
                      "internal and external web FQDNs of a pool must be distinct "
                      "(seed: Website Requirements)",
                      p->id, p->internal_web_fqdn);
        return -1;
    }
    if (p->mcx_sip_primary_port == 0 || p->mcx_sip_external_port == 0) {
        mcx_error_set(c->err, t->source, pool_mcx_line(c, i), "TP-005",
                      "pool '%s': %s not set; expected <mcx sipPrimaryListeningPort=\"5086\" "
                      "sipExternalListeningPort=\"5087\"/> (seed: Port and Firewall "
                      "Requirements, Setting Internal Server Ports for Mobility)",
                      p->id,
                      p->mcx_sip_primary_port == 0 && p->mcx_sip_external_port == 0
                          ? "McxSipPrimaryListeningPort and McxSipExternalListeningPort are"
                      : p->mcx_sip_primary_port == 0 ? "McxSipPrimaryListeningPort is"
                                                     : "McxSipExternalListeningPort is");
        return -1;
    }
    if (p->mcx_sip_primary_port == p->mcx_sip_external_port) {
        mcx_error_set(c->err, t->source, pool_mcx_line(c, i), "TP-006",
                      "pool '%s': McxSipPrimaryListeningPort and McxSipExternalListeningPort "
                      "are both %d; the internal and external Mobility Service processes "
                      "need two different ports, e.g. 5086 and 5087 (seed: Port and "
                      "Firewall Requirements)",
                      p->id, p->mcx_sip_primary_port);
        return -1;
    }
    if (port_is_web_port(p, p->mcx_sip_primary_port) ||
        port_is_web_port(p, p->mcx_sip_external_port)) {
        mcx_error_set(c->err, t->source, pool_mcx_line(c, i), "TP-006",
                      "pool '%s': Mcx SIP listening port %d is also a web site port of the "
                      "pool; use ports no web site uses, e.g. 5086 and 5087 (seed: Port "
                      "and Firewall Requirements)",
                      p->id,
                      port_is_web_port(p, p->mcx_sip_primary_port) ? p->mcx_sip_primary_port
                                                                   : p->mcx_sip_external_port);
        return -1;
    }
    if (p->internal_http_port == p->internal_https_port ||
        p->external_http_port == p->external_https_port) {
        int internal = p->internal_http_port == p->internal_https_port;
        mcx_error_set(c->err, t->source, pool_line(c, i), "TP-014",
                      "pool '%s': the %s web site uses port %d for both HTTP and HTTPS; "
                      "expected two ports (%s) (seed: Website Requirements)",
                      p->id, internal ? "internal" : "external",
                      internal ? p->internal_http_port : p->external_http_port,
                      internal ? "80 and 443" : "8080 and 4443");
        return -1;
    }
    if (same_address(p->internal_ip, p->external_ip)) {
        int ports[2] = {p->internal_http_port, p->internal_https_port};
        int k;
        for (k = 0; k < 2; k++)
            if (ports[k] == p->external_http_port || ports[k] == p->external_https_port) {
                mcx_error_set(c->err, t->source, pool_line(c, i), "TP-014",
                              "pool '%s': the internal and external web sites both listen on "
                              "%s port %d; the external site must use its own ports "
                              "(8080/4443) so internal and external traffic stay apart "
                              "(seed: Website Requirements)",
                              p->id, p->internal_ip ? p->internal_ip : "the same address",
                              ports[k]);
                return -1;
            }
    }
    return 0;
}

static int check_pools(rule_ctx *c)
{
    const mcx_topology *t = c->t;
    size_t i, j;

    for (i = 0; i < t->npools; i++)
        if (check_one_pool(c, i) < 0)
            return -1;
    /* A web FQDN names one pool only: the Host header picks the pool. */
    for (i = 1; i < t->npools; i++) {
        const mcx_pool *p = &t->pools[i];
        const char *mine[2] = {p->internal_web_fqdn, p->external_web_fqdn};
        for (j = 0; j < i; j++) {
            const mcx_pool *q = &t->pools[j];
            int k;
            for (k = 0; k < 2; k++)
                if (same_name(mine[k], q->internal_web_fqdn) ||
                    same_name(mine[k], q->external_web_fqdn)) {
                    mcx_error_set(c->err, t->source, pool_line(c, i), "TP-013",
                                  "pool '%s': web FQDN '%s' is also a web FQDN of pool '%s' "
                                  "(line %d); every pool needs its own internal and external "
                                  "web FQDNs (seed: Website Requirements)",
                                  p->id, mine[k], q->id, pool_line(c, j));
                    return -1;
                }
        }
    }
    return 0;
}

static int check_mcx_configuration(rule_ctx *c)
{
    const mcx_topology *t = c->t;
    int line = c->lines ? c->lines->mcx_configuration : 0;

    if (t->session_expiration_interval < MCX_SESSION_EXP_MIN ||
        t->session_expiration_interval > MCX_SESSION_EXP_MAX) {
        mcx_error_set(c->err, t->source, line, "TP-007",
                      "sessionExpirationInterval %d is out of range: expected %d..%d seconds, "
                      "default %d (Set-CsMcxConfiguration, protocol.md 8.2)",
                      t->session_expiration_interval, MCX_SESSION_EXP_MIN, MCX_SESSION_EXP_MAX,
                      MCX_SESSION_EXP_DEFAULT);
        return -1;
    }
    if (t->session_short_expiration_interval < MCX_SESSION_SHORT_EXP_MIN ||
        t->session_short_expiration_interval > MCX_SESSION_SHORT_EXP_MAX) {
        mcx_error_set(c->err, t->source, line, "TP-007",
                      "sessionShortExpirationInterval %d is out of range: expected %d..%d "
                      "seconds, default %d (Set-CsMcxConfiguration, protocol.md 8.2)",
                      t->session_short_expiration_interval, MCX_SESSION_SHORT_EXP_MIN,
                      MCX_SESSION_SHORT_EXP_MAX, MCX_SESSION_SHORT_EXP_DEFAULT);
        return -1;
    }
    if (t->session_short_expiration_interval >= t->session_expiration_interval) {
        mcx_error_set(c->err, t->source, line, "TP-008",
                      "sessionShortExpirationInterval %d is not below sessionExpirationInterval "
                      "%d; the short interval (Android, Nokia) must be smaller than the long "
                      "one (iPhone, Windows Phone) (Set-CsMcxConfiguration, protocol.md 8.2)",
                      t->session_short_expiration_interval, t->session_expiration_interval);
        return -1;
    }
    return 0;
}

static int check_users(rule_ctx *c)
{
    const mcx_topology *t = c->t;
    size_t i, j;

    for (i = 0; i < t->nusers; i++) {
        const mcx_user *u = &t->users[i];
        const char *domain = mcx_topology_uri_domain(u->sip_uri);

        for (j = 0; j < i; j++)
            if (same_name(u->sip_uri, t->users[j].sip_uri)) {
                mcx_error_set(c->err, t->source, user_line(c, i), "TP-009",
                              "user '%s' is listed twice (first on line %d); list each SIP "
                              "URI once (seed: Configuring Mobility Policy)",
                              u->sip_uri, user_line(c, j));
                return -1;
            }
        if (same_name(u->home_pool, "online")) {
            if (t->online_autodiscover_url == NULL) {
                mcx_error_set(c->err, t->source, user_line(c, i), "TP-011",
                              "user '%s' is homed \"online\" but the topology has no "
                              "<autodiscover onlineUrl=\"https://...\"/> to redirect to "
                              "(seed: Technical Requirements for Mobility; protocol.md 1, "
                              "split domain)",
                              u->sip_uri);
                return -1;
            }
        } else if (mcx_topology_find_pool(t, u->home_pool) == NULL) {
            mcx_error_set(c->err, t->source, user_line(c, i), "TP-010",
                          "user '%s' is homed on pool '%s', which is not a <pool> of the "
                          "topology; expected a pool id or \"online\" (seed: Technical "
                          "Requirements for Mobility)",
                          u->sip_uri, u->home_pool);
            return -1;
        }
        if (!mcx_topology_has_sip_domain(t, domain)) {
            mcx_error_set(c->err, t->source, user_line(c, i), "TP-012",
                          "user '%s': domain '%s' is not a <sipDomain> of the topology; "
                          "automatic discovery starts from the user's SIP domain (seed: DNS "
                          "Requirements)",
                          u->sip_uri, domain ? domain : "");
            return -1;
        }
    }
    return 0;
}

int mcx_topology_check_rules(const mcx_topology *t, const mcx_topology_lines *lines,
                             mcx_error *err)
{
    rule_ctx c;

    if (t == NULL) {
        mcx_error_set(err, "", 0, "TP-000", "no topology to check");
        return -1;
    }
    c.t = t;
    c.lines = lines;
    c.err = err;
    if (check_sip_domains(&c) < 0 || check_pools(&c) < 0 || check_mcx_configuration(&c) < 0 ||
        check_users(&c) < 0)
        return -1;
    return 0;
}
