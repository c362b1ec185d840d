/*
 * dns_infer.c -- infer the web FQDNs of a deployment from its two DNS
 * views when no topology is given (see include/mcx/dns_infer.h).
 *
 * Owns: reading the CNAME targets of the Autodiscover names and the public
 * address of the external web FQDN, and the one-pool topology the web FQDN
 * rules then run against. Does not own: the rules, the lookups
 * (dns_view.c), saying what was inferred (cmd_dns.c reports it).
 */
#include "mcx/dns_infer.h"

#include <stdio.h>
#include <string.h>

#define INFERRED_POOL_ID "(inferred from the CNAME targets)"

/* The end of the CNAME chain of `prefix`<d> in `view` for the first domain
 * where the chain ends at an address: 1, `web` and `from` set; else 0. */
static int infer_target(mcx_dns_view *view, const char *prefix, const char *const *domains,
                        size_t ndomains, char *web, char *from, char *ip, size_t iplen)
{
    mcx_dns_answer a;

    for (size_t i = 0; i < ndomains; i++) {
        char name[MCX_DNS_NAME_MAX + 32];
        int found = 0;
        snprintf(name, sizeof name, "%s%s", prefix, domains[i]);
        memset(&a, 0, sizeof a);
        if (mcx_dns_view_lookup(view, name, MCX_DNS_TYPE_A, &a) == 0 && a.ncnames > 0 &&
            a.status == MCX_DNS_ANSWER) {
            snprintf(web, MCX_DNS_NAME_MAX, "%s", a.chain[a.nchain - 1]);
            snprintf(from, MCX_DNS_NAME_MAX, "%s", a.chain[0]);
            if (ip != NULL && a.nrrs > 0) snprintf(ip, iplen, "%s", a.rrs[0]->rdata);
            found = 1;
        }
        mcx_dns_answer_clear(&a);
        if (found) return 1;
    }
    return 0;
}

int mcx_dns_infer_web(mcx_dns_view *internal, mcx_dns_view *external, const char *const *domains,
                      size_t ndomains, mcx_dns_inferred *out)
{
    memset(out, 0, sizeof *out);
    if (internal == NULL || external == NULL) return 0;
    int in = infer_target(internal, "lyncdiscoverinternal.", domains, ndomains, out->internal_web,
                          out->internal_from, NULL, 0);
    int ex = infer_target(external, "lyncdiscover.", domains, ndomains, out->external_web,
                          out->external_from, out->proxy_ip, sizeof out->proxy_ip);
    if (!in || !ex || strcmp(out->internal_web, out->external_web) == 0) return 0;
    out->pool.id = (char *)INFERRED_POOL_ID;
    out->pool.internal_web_fqdn = out->internal_web;
    out->pool.external_web_fqdn = out->external_web;
    out->topology.source = (char *)"<inferred>";
    out->topology.pools = &out->pool;
    out->topology.npools = 1;
    out->topology.reverse_proxy_ip = out->proxy_ip[0] ? out->proxy_ip : NULL;
    return 1;
}
