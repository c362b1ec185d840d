/*
 * dns_infer.h -- without a topology, infer the web FQDNs of a deployment
 * from what its two DNS views answer (lib/dns_infer.c), so that the web
 * FQDN rules (split-brain DNS-008/009, DNS-010, DNS-011) can still run.
 *
 * Owns: the inference (the CNAME target of lyncdiscoverinternal.<d> in the
 * internal view is the internal web FQDN, that of lyncdiscover.<d> in the
 * external view the external web FQDN, and the external web FQDN's public
 * address the reverse proxy's IP) and a one-pool topology built from it.
 * Does not own: the rules (lib/dns_rules.c), the views.
 */
#ifndef MCX_DNS_INFER_H
#define MCX_DNS_INFER_H

#include <stddef.h>

#include "mcx/dns_rules.h"
#include "mcx/dns_view.h"
#include "mcx/topology.h"

/* What was inferred; "" where nothing could be. */
typedef struct mcx_dns_inferred {
    char internal_web[MCX_DNS_NAME_MAX]; /* CNAME target inside */
    char internal_from[MCX_DNS_NAME_MAX]; /* lyncdiscoverinternal.<d> it came from */
    char external_web[MCX_DNS_NAME_MAX];
    char external_from[MCX_DNS_NAME_MAX];
    char proxy_ip[64]; /* first address of external_web in the external view */
    /* The one-pool topology of mcx_dns_infer_web (points into this struct). */
    mcx_pool pool;
    mcx_topology topology;
} mcx_dns_inferred;

/* Infer from the first SIP domain (in order) whose Autodiscover name is a
 * CNAME chain that ends at an address. Returns 1 and out->topology (a pool
 * "(inferred from the CNAME targets)") when both web FQDNs were inferred,
 * else 0 (what was found is still in *out). */
int mcx_dns_infer_web(mcx_dns_view *internal, mcx_dns_view *external, const char *const *domains,
                      size_t ndomains, mcx_dns_inferred *out);

#endif
