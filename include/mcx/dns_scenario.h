/*
 * dns_scenario.h -- DNS scenario files (dnsfixtures/<name>/scenario.xml):
 * a DNS situation, its zone files per view and what the DNS rules must
 * report for it.
 *
 * Owns: loading a scenario (libxml2, validated against the compiled-in
 * lib/dns_scenario.xsd; no DTD, no network), its cross-field rules (IDs in
 * the catalogue, not both required and forbidden, discovery answers name a
 * scenario SIP domain) with file:line errors, and building a scenario's
 * views and topology. Does not own: the rules (dns_rules.h), the view
 * (dns_view.h), comparing a report with the expectations (the tests do).
 */
#ifndef MCX_DNS_SCENARIO_H
#define MCX_DNS_SCENARIO_H

#include <stddef.h>

#include "mcx/dns_rules.h"
#include "mcx/dns_view.h"
#include "mcx/topology.h"

#define MCX_DNS_SCENARIO_MAX_BYTES (1024 * 1024)

typedef struct mcx_dns_scenario_zone {
    char *file;   /* resolved against the scenario's folder */
    char *origin; /* may be NULL */
} mcx_dns_scenario_zone;

typedef struct mcx_dns_scenario_discovery {
    char *sip_domain;
    char *answers; /* the name that answers, or NULL for none */
} mcx_dns_scenario_discovery;

/* A fault mcxdns injects for one name of a view (<fault name= kind=/>);
 * added by engineer "dns-hostile". */
typedef struct mcx_dns_scenario_fault {
    char *spec; /* "NAME=KIND", the form `mcxdns --fault` takes */
    int line;
} mcx_dns_scenario_fault;

typedef struct mcx_dns_scenario_view {
    mcx_dns_vantage vantage;
    int line;
    mcx_dns_scenario_zone *zones;
    size_t nzones;
    char **must_have;
    size_t nmust_have;
    char **must_not_have;
    size_t nmust_not_have;
    mcx_dns_scenario_discovery *discovery;
    size_t ndiscovery;
    mcx_dns_scenario_fault *faults; /* served by mcxdns; the rules ignore them */
    size_t nfaults;
} mcx_dns_scenario_view;

typedef struct mcx_dns_scenario {
    char *source; /* the file's path */
    char *name;
    char *description; /* one line: the real-world situation */
    char *topology;    /* "default", "none", or a path resolved against the folder */
    char **sip_domains;
    size_t nsip_domains;
    mcx_dns_scenario_view *views;
    size_t nviews;
} mcx_dns_scenario;

/* Load and check a scenario. On error fill `err` (file:line, rule "io",
 * "xml", "xsd" or "scenario") and return NULL. */
mcx_dns_scenario *mcx_dns_scenario_load_file(const char *path, mcx_error *err);
/* `name` is used in errors and to resolve relative paths (its folder). */
mcx_dns_scenario *mcx_dns_scenario_load_memory(const char *name, const char *xml, size_t len,
                                               mcx_error *err);
void mcx_dns_scenario_free(mcx_dns_scenario *s);

/* Build the view of `sv` from its zone files. NULL on error (`err` set). */
mcx_dns_view *mcx_dns_scenario_view_load(const mcx_dns_scenario_view *sv, mcx_error *err);
/* Load the scenario's topology into *out (NULL for "none"). 0, or -1 on
 * error (`err` set). */
int mcx_dns_scenario_topology(const mcx_dns_scenario *s, mcx_topology **out, mcx_error *err);

#endif
