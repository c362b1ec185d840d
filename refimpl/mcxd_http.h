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
#include "mcx/topology.h"

typedef struct mcxd_header {
    char *name;
    char *value;
} mcxd_header;

typedef struct mcxd_request {
    const char *method;       /* "GET", "POST", ... as received */
    const char *uri;          /* path + query as received, not decoded */
    const char *host;         /* Host header, may be NULL */
    const mcxd_header *headers;
    size_t nheaders;
    const char *body;
    size_t body_len;
    mcx_access listener;      /* AccessLocation: which web site received it */
    int tls;                  /* received over HTTPS */
    const char *peer;         /* "ADDR:PORT" for logs and throttling */
} mcxd_request;

#define MCXD_MAX_RESP_HEADERS 24

typedef struct mcxd_response {
    int status;
    const char *reason; /* static string, NULL = standard phrase */
    mcxd_header headers[MCXD_MAX_RESP_HEADERS];
    size_t nheaders;
    char *body;         /* malloc'd, may be NULL */
    size_t body_len;
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
    MCXD_BREAK_NO_401_TICKET_URL = 1 << 6 /* 401 without X-MS-WebTicketURL */
};

typedef struct mcxd_config {
    const mcx_topology *topo;  /* current topology (swapped on SIGHUP) */
    unsigned breaks;           /* MCXD_BREAK_* */
    int deterministic;         /* --now given: fixed clock */
    time_t fixed_now;
} mcxd_config;

typedef struct mcxd_state mcxd_state; /* tokens, throttles: refimpl/auth.h */

/* Handle one request. Always fills `resp` (status 500 on internal error).
 * `now` is the clock to use (fixed in deterministic mode). */
void mcxd_handle(const mcxd_config *cfg, mcxd_state *st, const mcxd_request *req,
                 time_t now, mcxd_response *resp);

void mcxd_response_init(mcxd_response *r);
void mcxd_response_free(mcxd_response *r);
/* Adds a header (copies). Returns -1 when full. */
int mcxd_response_header(mcxd_response *r, const char *name, const char *value);
/* Case-insensitive request header lookup; NULL when absent. */
const char *mcxd_request_header(const mcxd_request *req, const char *name);

#endif
