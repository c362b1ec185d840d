/*
 * deployment.h -- `mcxcheck deployment`: every DNS, certificate and web
 * check of a mobility deployment, per SIP domain and per vantage (internal,
 * external), in one report (seed: "Technical Requirements for Mobility",
 * "DNS Requirements", "Certificate Requirements", "Website Requirements").
 *
 * Owns: the order of the checks for one SIP domain and vantage -- the DNS
 * view and rules (through cmd_dns.c's mcx_dns_cli_vantage), the Autodiscover
 * name that answers and the address its chain ends at, a TLS handshake to
 * that address with SNI = the name (as a phone does), the certificate check
 * for the role that answers there, GET / over HTTPS and over HTTP, and the
 * DP- findings that tie them together (the cross-domain CNAME whose target's
 * certificate cannot cover the name). Also the mapping of the DNS answer to
 * a lab address (--connect-to, --https-port, --http-port).
 * Does not own: DNS queries and rules (dns_live.c, lib/dns_rules.c), TLS and
 * certificate rules (lib/cert_*.c), HTTP (lib/http_client.c and
 * discover_algorithm.c's mcx_ds_http), document parsing and validation
 * (lib/autodiscover_*.c), the command line (cmd_deployment.c).
 */
#ifndef MCX_DEPLOYMENT_H
#define MCX_DEPLOYMENT_H

#include <stddef.h>
#include <time.h>
#include <openssl/x509.h>

#include "commands.h"
#include "mcx/cert_check.h"
#include "mcx/report.h"
#include "mcx/topology.h"

#define MCX_DP_MAX_CONNECT_TO 32

typedef struct mcx_dp_options {
    const mcx_dns_cli *dns;         /* SIP domains, DNS servers, DNS timeout */
    const mcx_topology *topo;       /* required: roles, pools, reverse proxy */
    const char *ca_file;            /* trust anchors for HTTPS, NULL: system */
    X509_STORE *trust;              /* the same for the certificate check, NULL: system */
    time_t at;                      /* certificate verification time */
    int https_port;                 /* port dialled for 443 (default 443) */
    int http_port;                  /* port dialled for 80 (default 80) */
    const char *const *connect_to;  /* NULL-terminated "HOST:PORT:ADDR:PORT" */
    mcx_tls_profile profile;        /* compat: also a TLS 1.0-1.3 probe and GET */
    const char *issuing_ca;         /* -Ca of the Request-CsCertificate fixes, NULL: "<ca>" */
    long timeout_ms;                /* TLS handshake and each HTTP request */
    unsigned long long seed;        /* DNS query IDs */
} mcx_dp_options;

typedef struct mcx_dp_result {
    int dns_answered;   /* a DNS server answered at least one query */
    int internal_error; /* a DNS-000 / DP-000 finding was added */
} mcx_dp_result;

/* Run every check; steps and findings go to `r`. Returns 0, or -1 on an
 * internal error (also flagged in res). */
int mcx_dp_run(const mcx_dp_options *o, mcx_report *r, mcx_dp_result *res);

/* Where a phone's connection to name:std_port goes in the lab: the first
 * --connect-to rule whose HOST is `name` or `addr` (case-insensitive) and
 * whose PORT is `std_port` (443 or 80), else `addr` on `mapped_port`.
 * Fills host (an address, without brackets) and *port. 0, or -1 when a rule
 * is malformed or a buffer too small. */
int mcx_dp_connect_target(const char *const *connect_to, const char *name, const char *addr,
                          int std_port, int mapped_port, char *host, size_t hostlen, int *port);

/* Check the syntax of one --connect-to value. 0, or -1. */
int mcx_dp_connect_to_valid(const char *rule);

#endif
