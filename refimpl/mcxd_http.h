/*
 * mcxd_http.h -- the request/response boundary of mcxd.
 *
 * Owns: the transport-free form of an HTTP exchange. The libevent layer
 * (server_listen.c) converts an evhttp request into an mcxd_request, calls
 * mcxd_handle() and writes the mcxd_response back; the fuzz target and the
 * unit tests call mcxd_handle() directly, with no socket. Does not own:
 * sockets, TLS, or what any resource answers.
 */
#ifndef MCXD_HTTP_H
#define MCXD_HTTP_H

#include <stddef.h>
#include <time.h>
#include "mcx/http_message.h"
#include "mcx/topology.h"


typedef struct mcxd_request {
    const char *method;       /* "GET", "POST", ... as received */
    const char *uri;          /* path + query as received, not decoded */
    const char *host;         /* Host header, may be NULL */
    const mcx_http_header *headers;
    size_t nheaders;
    const char *body;
    size_t body_len;
    mcx_access listener;      /* AccessLocation: which web site received it */
    int tls;                  /* received over HTTPS */
    const char *peer;         /* "ADDR:PORT" for logs and throttling */
    void *park_handle;        /* the transport's request, handed back when a
                                 parked response completes (Mobility P-GET) */
} mcxd_request;

#define MCXD_MAX_RESP_HEADERS 24

typedef struct mcxd_response {
    int status;
    const char *reason; /* static string, NULL = standard phrase */
    mcx_http_header headers[MCXD_MAX_RESP_HEADERS];
    size_t nheaders;
    char *body;         /* malloc'd, may be NULL */
    size_t body_len;
    int parked;         /* no response now: the Mobility Service completes it
                           later (mcxd_mobility_drain); nothing else is set */
} mcxd_response;

/* Deliberate deviations for proving the conformance suite can fail
 * (mcxd --break NAME). Each breaks exactly one rule. */
enum {
    MCXD_BREAK_MCX_INTERNAL = 1 << 0,   /* Internal/Mcx on the internal web FQDN */
    MCXD_BREAK_NO_CONTENT_LENGTH = 1 << 1, /* close-delimited bodies */
    MCXD_BREAK_HTTP_302 = 1 << 2,       /* plain HTTP answered with 302, not a body Redirect */
    MCXD_BREAK_MULTI_REDIRECT = 1 << 3, /* extra links beside Redirect */
    MCXD_BREAK_CONTENT_TYPE = 1 << 4,   /* text/xml instead of the v=1 type */
    MCXD_BREAK_USER_404_BODY = 1 << 5,  /* 404 for unknown user carries a body */
    MCXD_BREAK_NO_401_TICKET_URL = 1 << 6, /* 401 without X-MS-WebTicketURL */
    MCXD_BREAK_MOBILITY_DROP_MESSAGE = 1 << 7, /* receivers never get message events */
    MCXD_BREAK_MOBILITY_NO_PGET_REPLACE = 1 << 8, /* a replaced P-GET ends 200, not 409 */
    MCXD_BREAK_MOBILITY_RESEND_ACKED = 1 << 9, /* acknowledged batches sent again */
    MCXD_BREAK_MOBILITY_NO_AUTH = 1 << 10 /* applications created without a token */
};

typedef struct mcxd_doc_cache mcxd_doc_cache; /* refimpl/doc_cache.h */

typedef struct mcxd_config {
    const mcx_topology *topo;  /* current topology (swapped on SIGHUP) */
    mcxd_doc_cache *cache;     /* rendered Root/Domain documents; NULL: no cache */
    unsigned breaks;           /* MCXD_BREAK_* */
    int deterministic;         /* --now given: fixed clock */
    time_t fixed_now;
    int test_clock;            /* --test-clock: POST /_mcxd/clock moves it */
    int request_queue_limit;   /* --request-queue-limit: requests current
                                  (parked P-GETs) before 503; 0 = 5000 */
} mcxd_config;

typedef struct mcxd_state mcxd_state; /* tokens, throttles: refimpl/auth.h */

/* Handle one request. Always fills `resp` (status 500 on internal error).
 * `now` is the clock to use (fixed in deterministic mode). */
void mcxd_handle(const mcxd_config *cfg, mcxd_state *st, const mcxd_request *req,
                 time_t now, mcxd_response *resp);
/* The server's clock: --now (plus what --test-clock advanced) or the wall
 * clock. */
time_t mcxd_now(const mcxd_config *cfg, const mcxd_state *st);

void mcxd_response_init(mcxd_response *r);
void mcxd_response_free(mcxd_response *r);
/* Adds a header (copies). Returns -1 when full. */
int mcxd_response_header(mcxd_response *r, const char *name, const char *value);
/* Case-insensitive request header lookup; NULL when absent. */
const char *mcxd_request_header(const mcxd_request *req, const char *name);

/* ---- Added by the mcxd engineer (refimpl internals shared by its files) ---- */
#include <stdio.h>
#include "mcx/autodiscover.h"

/* response_headers.c: complete a response -- prepend the standard headers
 * (Content-Type, Content-Length, Date from `now`, Cache-Control, Pragma,
 * Expires, X-Content-Type-Options, X-MS-Server-Fqdn when the topology enables
 * it) in that fixed order, skipping any the handler already set. `pool` may be
 * NULL (no X-MS-Server-Fqdn). `head`: HEAD request, drop the body but keep
 * its Content-Length. */
void mcxd_response_finish(const mcxd_config *cfg, const mcx_pool *pool,
                          const char *content_type, int head, time_t now,
                          mcxd_response *r);
/* Set a malloc'd copy of `text` as the body. Returns 0 or -1. */
int mcxd_response_set_body(mcxd_response *r, const char *text, size_t len);
/* Remove every header called `name` (case-insensitive). */
void mcxd_response_remove_header(mcxd_response *r, const char *name);
/* Value of the response header `name`; NULL when absent. */
const char *mcxd_response_get_header(const mcxd_response *r, const char *name);
/* Standard reason phrase for a status ("OK", "Not Found", ...). */
const char *mcxd_status_reason(int status);

/* autodiscover_resources.c: which document a resource returns. */
/* The pool a Host header value selects (port ignored, case-insensitive):
 * lyncdiscover[internal].<sip domain> and unknown names -> the autodiscover
 * pool; a pool's internal or external web FQDN -> that pool. */
const mcx_pool *mcxd_pool_for_host(const mcx_topology *t, const char *host);
/* The pool's web FQDN on one side. */
const char *mcxd_pool_web_fqdn(const mcx_pool *p, mcx_access side);
/* Fill `doc` (initialised by the callee) with the Root, Domain or User
 * document that `pool` serves on `side`. Return 0, or -1 when a link does not
 * fit (internal error). */
int mcxd_doc_root(const mcxd_config *cfg, const mcx_pool *pool, mcx_access side,
                  mcx_ad_doc *doc);
int mcxd_doc_domain(const mcxd_config *cfg, const mcx_pool *pool, mcx_access side,
                    mcx_ad_doc *doc);
/* User resource for an authenticated user. Returns 0 with a document (links,
 * or a single User-level Redirect when `user` is homed on another pool or
 * online), 1 when the user is unknown here (404, empty body), -1 on error.
 * `oauth`: the document answers /root/oauth/user (Self points there). */
int mcxd_doc_user(const mcxd_config *cfg, const mcx_pool *pool, mcx_access side,
                  const mcx_user *user, int oauth, mcx_ad_doc *doc);
/* A document of `kind` holding one Redirect link to `href` (plus a Domain
 * link under --break multi-redirect). */
int mcxd_doc_redirect(const mcxd_config *cfg, const mcx_pool *pool, mcx_ad_kind kind,
                      mcx_access side, const char *href, mcx_ad_doc *doc);

/* request_dispatch.c: sipuri handling, exposed for tests. Decode the raw
 * query value (percent-decoding), strip a "sip:" prefix and validate it
 * (one '@' with text on both sides, no control bytes, at most
 * MCXD_SIPURI_MAX bytes). Returns 0 and a malloc'd "user@domain" in *out,
 * or -1 with a static reason in *why. */
#define MCXD_SIPURI_MAX 256
int mcxd_sipuri_parse(const char *raw, size_t len, char **out, const char **why);

/* access_log.c: one line per request: peer listener method uri status bytes.
 * CR, LF, other control bytes, space, '"', '\\' and bytes >= 0x80 in the
 * method and URI are written as \xHH. */
void mcxd_access_log(FILE *out, const mcxd_request *req, const mcxd_response *resp,
                     size_t bytes);
/* "internal-http", "internal-https", "external-http", "external-https". */
const char *mcxd_listener_name(mcx_access side, int tls);

/* server_listen.c: the libevent front end. */
struct event_base;
typedef struct mcxd_server mcxd_server;
typedef struct mcxd_listen_spec {
    int enabled;
    char addr[64];
    int port;
} mcxd_listen_spec;
/* Index into listen arrays: side * 2 + tls. */
#define MCXD_LISTENER_INDEX(side, tls) ((int)(side) * 2 + ((tls) ? 1 : 0))
#define MCXD_NLISTENERS 4
typedef struct mcxd_server_options {
    mcxd_listen_spec listen[MCXD_NLISTENERS];
    const char *cert_file; /* PEM chain, required when an HTTPS listener is on */
    const char *key_file;
    size_t max_header_bytes;
    size_t max_body_bytes;
    int header_timeout; /* seconds */
    int idle_timeout;   /* seconds */
    int quiet;          /* no access log */
    mcxd_listen_spec admin; /* --admin ADDR:PORT: GET /metrics (plain HTTP) */
} mcxd_server_options;
/* Bind every enabled listener. On failure returns NULL, writes a message to
 * `err` and sets *exit_code (2: bad certificate/key, 3: bind failed). `cfg`
 * and `st` must outlive the server; cfg->topo may be swapped between events. */
mcxd_server *mcxd_server_new(struct event_base *base, mcxd_config *cfg, mcxd_state *st,
                             const mcxd_server_options *opt, char *err, size_t errlen,
                             int *exit_code);
void mcxd_server_free(mcxd_server *srv);
/* Verify that a certificate and key load and match (for --check-config). */
int mcxd_tls_check(const char *cert_file, const char *key_file, char *err, size_t errlen);
/* (Added by engineer "tls-live".) Load every certificate/key pair the
 * topology's web sites name: 0, or -1 with `err` naming the file. */
int mcxd_tls_check_topology(const mcx_topology *t, char *err, size_t errlen);
/* 1 when a pool of `t` has a certificate for the HTTPS listener of `side`. */
int mcxd_topology_has_cert(const mcx_topology *t, mcx_access side);

#endif
