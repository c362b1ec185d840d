/*
 * discover.h -- the client discovery trace of `mcxcheck discover`: what a
 * Lync mobile client does to find its Autodiscover service, User document,
 * SIP endpoint and Mcx URL (protocol.md section 4).
 *
 * Owns: the options and result of one discovery, the pure helpers the
 * algorithm is built from (unit-tested in conformance/test/test_discover.c)
 * and the client side of the three User authentication flows.
 * Files: discover_algorithm.c (the algorithm and its step tree),
 * discover_auth.c (web ticket, OAuth, Basic), discover_dns.c (names
 * resolved through the vantage's DNS server), cmd_discover.c (command line).
 * Does not own: HTTP (mcx/http_client.h), document parsing and validation
 * (mcx/autodiscover.h), report rendering (mcx/report.h).
 */
#ifndef MCX_DISCOVER_H
#define MCX_DISCOVER_H

#include <stddef.h>
#include <stdint.h>
#include "mcx/autodiscover.h"
#include "mcx/http_client.h"
#include "mcx/report.h"
#include "mcx/topology.h"
#include "dns_live.h"

typedef enum {
    MCX_DS_AUTH_AUTO = 0, /* whatever the 401 offers: web ticket, OAuth, Basic */
    MCX_DS_AUTH_WEBTICKET,
    MCX_DS_AUTH_OAUTH,
    MCX_DS_AUTH_BASIC
} mcx_ds_auth;

typedef enum { MCX_DS_VANTAGE_UNKNOWN = -1, MCX_DS_VANTAGE_INTERNAL = 0, MCX_DS_VANTAGE_EXTERNAL = 1 } mcx_ds_vantage;

/* DNS as the phone resolves it (discover_dns.c); opaque. */
typedef struct mcx_ds_dns mcx_ds_dns;

typedef struct mcx_ds_options {
    const char *sip_uri;        /* "alice@contoso.test" or "sip:alice@..." */
    mcx_ds_vantage vantage;
    mcx_http_options http;
    const char *user;           /* NULL: stop at the 401 and report the offer */
    const char *password;
    mcx_ds_auth auth;
    int accept_json;            /* Accept +json;v=1 instead of +xml;v=1 */
    const mcx_topology *topo;   /* may be NULL: topology rules skipped */
    int max_redirects;          /* body Redirects followed, default 10 */
    uint64_t seed;              /* client entropy of the WS-Trust request */
    mcx_ds_dns *dns;            /* NULL: system resolver / http.resolve pins;
                                   else every host is resolved through it and
                                   requests go to the address it gave */
    int keep_credential;        /* hand the credential header that reached the
                                   User document back in the result (mcxcheck
                                   mobility); free with mcx_ds_result_clear */
} mcx_ds_options;

typedef struct mcx_ds_result {
    int found;                  /* a User document with endpoints was reached */
    int stopped_at_auth;        /* no --user: stopped at the 401 */
    int reached_server;         /* at least one request reached a server */
    char auth_offered[128];     /* "webticket basic" ... when stopped_at_auth */
    int access_location;        /* mcx_access of the final User document, -1 unknown */
    char sip_fqdn[256];
    int sip_port;
    char mcx_url[1024];
    char user_url[1024];
    /* Added for `mcxcheck mobility`: the Ucwa applications URL of the User
     * document ("Ucwa", else Internal/ or External/Ucwa by AccessLocation;
     * "" when absent), and with keep_credential the header that was
     * accepted by the User resource ("X-MS-WebTicket" / "Authorization",
     * value "opaque=..." / "Bearer cwt=..." / "Basic ..."): credential_value
     * is malloc'd, NULL when none. */
    char ucwa_url[1024];
    char credential_name[64];
    char *credential_value;
    mcx_ds_auth credential_auth;
} mcx_ds_result;

/* Frees what mcx_ds_run allocated in `res` (the credential); safe on a
 * zeroed result and twice. */
void mcx_ds_result_clear(mcx_ds_result *res);

/* Runs the discovery, adding steps and findings to `rep`. Returns 0 when
 * the trace ran (findings say what is wrong), -1 on an internal error. */
int mcx_ds_run(const mcx_ds_options *o, mcx_report *rep, mcx_ds_result *res);

/* Performs one request and records it as a step at `depth`: title
 * "METHOD url", detail "status content-type" or the error class and text.
 * Always fills `resp` (free with mcx_http_response_free). Returns 0 when a
 * response was received. */
int mcx_ds_http(const mcx_ds_options *o, mcx_report *rep, int depth, const char *method,
                const char *url, const mcx_http_header *hdrs, size_t nhdrs, const char *body,
                size_t body_len, mcx_http_response *resp);

/* ---- pure helpers (no I/O) ---- */

/* The domain of a SIP URI ("sip:" prefix optional). Checks user@domain with
 * a DNS-name domain. Returns 0, or -1 with `why` set. */
int mcx_ds_sip_domain(const char *sip_uri, char *out, size_t outlen, const char **why);
/* The bare sign-in address (no "sip:"). */
const char *mcx_ds_bare_uri(const char *sip_uri);

/* Candidate entry URLs, in the documented order: index 0..3 =
 * https://lyncdiscoverinternal.<d>/?sipuri=<u>, http://lyncdiscoverinternal...,
 * https://lyncdiscover.<d>/..., http://lyncdiscover.<d>/... .
 * Returns 0, or -1 when the buffer is too small. */
#define MCX_DS_NCANDIDATES 4
int mcx_ds_candidate_url(size_t index, const char *domain, const char *bare_uri, char *out,
                         size_t outlen);
/* "lyncdiscoverinternal" or "lyncdiscover" for a candidate index. */
const char *mcx_ds_candidate_prefix(size_t index);

/* URLs already requested in one discovery (loop detection). Comparison is
 * case-insensitive: IIS paths and host names are. */
#define MCX_DS_MAX_VISITED 64
typedef struct mcx_ds_visited {
    char *urls[MCX_DS_MAX_VISITED];
    size_t n;
} mcx_ds_visited;
/* Returns 1 if `url` was seen before, else records it and returns 0
 * (-1 when full or out of memory). */
int mcx_ds_visit(mcx_ds_visited *v, const char *url);
void mcx_ds_visited_free(mcx_ds_visited *v);

/* Endpoint choice by AccessLocation (protocol.md 4.2 c): Internal ->
 * SipClientInternalAccess + Internal/Mcx, External -> SipClientExternalAccess
 * + External/Mcx, absent -> internal first. Returns 0 when both were found;
 * otherwise -1 with *missing_sip / *missing_mcx set. */
typedef struct mcx_ds_choice {
    const mcx_ad_sipaccess *sip;
    const mcx_ad_link *mcx;
    mcx_access location;        /* the location used for the choice */
    int missing_sip, missing_mcx;
} mcx_ds_choice;
int mcx_ds_choose(const mcx_ad_doc *user_doc, mcx_ds_choice *out);

/* Host part of an absolute URL into `out` (lower-case). Returns 0 or -1. */
int mcx_ds_url_host(const char *url, char *out, size_t outlen);

/* ---- DNS steps (discover_dns.c) ---- */

/* State for one discovery resolving through `server` (the `vantage` view).
 * `timeout_ms` per try (capped at 2000), query IDs count up from
 * `first_id`. NULL on out of memory. */
mcx_ds_dns *mcx_ds_dns_new(const mcx_dns_live_server *server, mcx_dns_vantage vantage,
                           int timeout_ms, unsigned first_id);
void mcx_ds_dns_free(mcx_ds_dns *d);
/* Before a request to `url`: the first time its host is seen, query A, and
 * AAAA when A gave no address (one step per query at `depth`, DNS-021/022
 * findings for a server failure); then pin HOST:PORT (the URL's port) to
 * the address DNS gave, with a step saying so. Returns 0 when the request may go (pinned, or an
 * address literal), -1 with `why` when DNS gave no address. */
int mcx_ds_dns_prepare(mcx_ds_dns *d, mcx_report *rep, int depth, const char *url, char *why,
                       size_t whylen);
/* NULL-terminated "HOST:PORT:ADDR" list for mcx_http_options.resolve. */
const char *const *mcx_ds_dns_pins(const mcx_ds_dns *d);
const char *mcx_ds_dns_server(const mcx_ds_dns *d);    /* "127.0.1.53:53" */
const char *mcx_ds_dns_view_name(const mcx_ds_dns *d); /* "internal" */
/* Pure: the step detail of one query's answer ("NOERROR: a CNAME b (TTL
 * 3600), b A 127.0.1.40 (TTL 3600)", "NXDOMAIN: a does not exist", ...)
 * and its outcome: OK with an answer, INFO for NXDOMAIN / NODATA (a phone
 * moves on), FAIL for a loop, an over-long chain or no zone. */
mcx_step_outcome mcx_ds_dns_describe(const mcx_dns_answer *a, uint16_t qtype, char *out,
                                     size_t outlen);
/* The address a client connects to: the first record of an answer, or
 * NULL. */
const char *mcx_ds_dns_address(const mcx_dns_answer *a);
/* The port of an absolute URL (its scheme's default when none), or -1. */
int mcx_ds_url_port(const char *url);

/* ---- authentication (discover_auth.c) ---- */

/* What a 401 offers, read from its headers. */
typedef struct mcx_ds_offer {
    char webticket_url[1024]; /* X-MS-WebTicketURL, "" when absent */
    char oauth_href[1024];    /* WWW-Authenticate: MsRtcOAuth href="...", "" */
    int basic;                /* WWW-Authenticate: Basic */
    int negotiate;            /* Negotiate or NTLM (not usable by mcxcheck) */
} mcx_ds_offer;
void mcx_ds_read_offer(const mcx_http_response *resp, mcx_ds_offer *out);
/* Space-separated names of what is offered, e.g. "webticket basic". */
void mcx_ds_offer_names(const mcx_ds_offer *o, char *out, size_t outlen);
/* The method to use given --auth; MCX_DS_AUTH_AUTO when nothing fits. */
mcx_ds_auth mcx_ds_pick_auth(const mcx_ds_offer *o, mcx_ds_auth wanted);
const char *mcx_ds_auth_name(mcx_ds_auth a);

/* Obtains the credential header for `method` ("X-MS-WebTicket" /
 * "Authorization") for the User URL `user_url`. Adds steps at `depth` and
 * AU- findings. Returns 0 and malloc'd *name / *value, or -1. */
int mcx_ds_authenticate(const mcx_ds_options *o, mcx_report *rep, int depth,
                        mcx_ds_auth method, const mcx_ds_offer *offer, const char *user_url,
                        char **hdr_name, char **hdr_value);

/* Builds the WS-Trust RequestSecurityToken SOAP envelope (libxml2) for
 * `applies_to`, claims for `sip_uri`, entropy from `seed`. malloc'd. */
char *mcx_ds_build_rst(const char *applies_to, const char *sip_uri, uint64_t seed,
                       size_t *len);
/* Finds the WebTicketServiceWinNegotiate-style port address in WSDL/mex
 * metadata. Returns a malloc'd URL or NULL. */
char *mcx_ds_wsdl_port(const char *wsdl, size_t len);
/* Extracts the SAML Assertion element (by local name) from an RSTR and
 * returns it base64-encoded, malloc'd, or NULL. */
char *mcx_ds_extract_assertion(const char *xml, size_t len);
/* base64 of `len` bytes, malloc'd. */
char *mcx_ds_base64(const void *data, size_t len);

#endif
