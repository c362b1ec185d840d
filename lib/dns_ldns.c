/*
 * dns_ldns.c -- ldns record helpers shared by the live DNS reader
 * (conformance/dns_live.c) and the capture rules (lib/pcap_dns_rules.c):
 * see include/mcx/dns_ldns.h.
 * Owns: reading names and records out of parsed ldns structures. Does not
 * own: parsing (ldns), name normalisation (lib/dns_view.c), what the
 * callers do with the records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "mcx/dns_ldns.h"
#include "mcx/dns_view.h"

int mcx_dns_ldns_name(const ldns_rdf *rdf, char *out, size_t len)
{
    char *s = rdf != NULL ? ldns_rdf2str(rdf) : NULL;
    int rc = s != NULL ? mcx_dns_name_normalise(s, out, len) : -1;
    free(s);
    return rc;
}

const ldns_rr *mcx_dns_ldns_find_rr(const ldns_rr_list *l, const char *owner, uint16_t type)
{
    char name[MCX_DNS_NAME_MAX];
    for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(l, i);
        if ((uint16_t)ldns_rr_get_type(rr) == type &&
            mcx_dns_ldns_name(ldns_rr_owner(rr), name, sizeof name) == 0 &&
            strcmp(name, owner) == 0)
            return rr;
    }
    return NULL;
}

int mcx_dns_ldns_only_cnames(const ldns_rr_list *l)
{
    size_t n = ldns_rr_list_rr_count(l);
    for (size_t i = 0; i < n; i++)
        if (ldns_rr_get_type(ldns_rr_list_rr(l, i)) != LDNS_RR_TYPE_CNAME)
            return 0;
    return n > 0;
}

int mcx_dns_ldns_rr_text(const ldns_rr *rr, char *owner, size_t ownerlen, char *rdata,
                         size_t rdatalen)
{
    if (ldns_rr_rd_count(rr) < 1 || mcx_dns_ldns_name(ldns_rr_owner(rr), owner, ownerlen) != 0)
        return -1;
    if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME)
        return mcx_dns_ldns_name(ldns_rr_rdf(rr, 0), rdata, rdatalen);
    char *s = ldns_rdf2str(ldns_rr_rdf(rr, 0));
    if (s == NULL)
        return -1;
    snprintf(rdata, rdatalen, "%s", s);
    free(s);
    return 0;
}
