/*
 * dns_rules.h -- the DNS rules of a Lync Server 2010 mobility deployment,
 * run per SIP domain over one DNS view (seed: DNS Requirements, Website
 * Requirements, Creating DNS Records for the Autodiscover Service).
 *
 * Owns: deciding which DNS- findings a view raises for a set of SIP domains
 * (with a topology: exact targets; without: what can be inferred, plus an
 * info finding per rule that was not checked), the remediation naming the
 * exact record to create or change, and which Autodiscover name answers a
 * client standing in the view (the discovery outcome). Does not own: where
 * the records come from (dns_view.h: zone files now, live queries later)
 * nor the catalogue text (lib/catalogue_dns.c).
 */
#ifndef MCX_DNS_RULES_H
#define MCX_DNS_RULES_H

#include <stddef.h>

#include "mcx/dns_view.h"
#include "mcx/report.h"
#include "mcx/topology.h"

typedef enum { MCX_DNS_VANTAGE_INTERNAL = 0, MCX_DNS_VANTAGE_EXTERNAL = 1 } mcx_dns_vantage;

/* "internal" / "external"; parse returns -1 on anything else. */
int mcx_dns_vantage_parse(const char *s, mcx_dns_vantage *out);
const char *mcx_dns_vantage_name(mcx_dns_vantage v);

/* TTLs outside 1..MCX_DNS_TTL_MAX seconds raise DNS-017. */
#define MCX_DNS_TTL_MAX 604800

/* Run every rule, in a fixed order, for each SIP domain (normalised here)
 * over `view` as seen from `vantage`. `topology` may be NULL. Findings and
 * one "discovery <domain>: <name>|none" step per domain go to `r`.
 * Returns 0, or -1 when a SIP domain is not a valid name or on internal
 * error (a DNS-000 finding says which). */
int mcx_dns_rules_check(mcx_dns_view *view, mcx_dns_vantage vantage, const char *const *sip_domains,
                        size_t nsip_domains, const mcx_topology *topology, mcx_report *r);

/* mcx_dns_rules_check without a topology (`topology` NULL) but with the
 * web FQDNs inferred from the views (`web`, lib/dns_infer.c): the web FQDN
 * rules (DNS-008..DNS-011) run against `web`, the target rules stay "not
 * checked" (DNS-018). With a topology, `web` is ignored. */
int mcx_dns_rules_check_inferred(mcx_dns_view *view, mcx_dns_vantage vantage,
                                 const char *const *sip_domains, size_t nsip_domains,
                                 const mcx_topology *topology, const mcx_topology *web,
                                 mcx_report *r);

/* The Autodiscover name that answers a client in this view for
 * `sip_domain`: lyncdiscoverinternal.<d> is tried first, then
 * lyncdiscover.<d>; a name answers when it resolves to an A or AAAA record
 * (or its CNAME chain leaves the view's zones: assumed to resolve).
 * Returns 1 and fills `name`, 0 when no name answers, -1 on an invalid
 * domain. */
int mcx_dns_discovery_answer(mcx_dns_view *view, const char *sip_domain, char *name, size_t len);

#endif
