/*
 * dns_ldns.h -- the few ldns record helpers every reader of parsed DNS
 * answers needs (lib/dns_ldns.c): a name field as a normalised name, the
 * record of an owner and type in a section, "only CNAMEs", and one record as
 * the (owner, rdata) text pair a DNS view stores.
 * Used by conformance/dns_live.c (live answers) and lib/pcap_dns_rules.c
 * (captured answers). Owns: those helpers. Does not own: name
 * normalisation itself (mcx_dns_name_normalise, dns_view.h), wire parsing
 * (ldns; lib/dns_answer.c, lib/dns_decode.c), the view.
 */
#ifndef MCX_DNS_LDNS_H
#define MCX_DNS_LDNS_H

#include <stddef.h>
#include <stdint.h>

/* ldns's types (<ldns/ldns.h> typedefs them as ldns_rdf, ldns_rr,
 * ldns_rr_list); callers include ldns themselves. */
struct ldns_struct_rdf;
struct ldns_struct_rr;
struct ldns_struct_rr_list;

/* A name field (owner, CNAME target) as mcx_dns_name_normalise() gives it.
 * 0, or -1 when rdf is NULL, unprintable or not a valid name. */
int mcx_dns_ldns_name(const struct ldns_struct_rdf *rdf, char *out, size_t len);

/* The first record of `type` whose normalised owner is `owner`, or NULL. */
const struct ldns_struct_rr *mcx_dns_ldns_find_rr(const struct ldns_struct_rr_list *l,
                                                  const char *owner, uint16_t type);

/* 1 when the section holds CNAME records and nothing else (BIND's SERVFAIL
 * after a CNAME loop or a long chain), else 0. */
int mcx_dns_ldns_only_cnames(const struct ldns_struct_rr_list *l);

/* One record as a view stores it: the normalised owner, and the first RDATA
 * field (a CNAME's target normalised, any other type in ldns presentation
 * form). 0, or -1 when the record has no RDATA or a name is not valid. */
int mcx_dns_ldns_rr_text(const struct ldns_struct_rr *rr, char *owner, size_t ownerlen,
                         char *rdata, size_t rdatalen);

#endif
