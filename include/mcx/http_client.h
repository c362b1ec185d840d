/*
 * http_client.h -- the one HTTP(S) client of mcxlab, on libcurl (OpenSSL).
 *
 * Owns: issuing one request with explicit method, headers and body, name
 * pinning (--resolve HOST:PORT:ADDR), CA file, timeouts, and returning the
 * exact status line, headers and body bytes received, plus timing and the
 * TLS/connect error class. Never follows HTTP 3xx (Autodiscover clients do
 * not). Does not own: the discovery algorithm, vectors, or what a response
 * means.
 */
#ifndef MCX_HTTP_CLIENT_H
#define MCX_HTTP_CLIENT_H

#include <stddef.h>

#include "mcx/http_message.h"


typedef enum {
    MCX_HTTP_OK = 0,      /* a response was received (any status) */
    MCX_HTTP_E_DNS,       /* name did not resolve */
    MCX_HTTP_E_CONNECT,   /* refused / unreachable */
    MCX_HTTP_E_TLS,       /* handshake or certificate verification */
    MCX_HTTP_E_TIMEOUT,
    MCX_HTTP_E_PROTOCOL,  /* malformed response, too large, ... */
    MCX_HTTP_E_OTHER
} mcx_http_error;

typedef struct mcx_http_options {
    const char *const *resolve; /* NULL-terminated "HOST:PORT:ADDR" list */
    const char *const *connect_to; /* NULL-terminated "HOST:PORT:ADDR:PORT" list
                                      (curl's CONNECT_TO: Host and SNI stay HOST) */
    int resolve_only;           /* a host in neither list fails as MCX_HTTP_E_DNS
                                   without any query (hermetic tests and demo) */
    const char *ca_file;        /* NULL: system store */
    int insecure;               /* skip certificate verification */
    int tls_compat;             /* also TLS 1.0/1.1 and every cipher (security
                                   level 0): --tls-profile compat (added by
                                   engineer "tls-live") */
    long timeout_ms;            /* whole request; 0 = 10000 */
    size_t max_body;            /* 0 = 4 MiB */
    struct mcx_http_session *session; /* NULL: a fresh connection per request;
                                         else connections are kept and reused
                                         as a phone does (added by "latency") */
} mcx_http_options;

typedef struct mcx_http_request {
    const char *method; /* "GET" */
    const char *url;
    const mcx_http_header *headers; /* may be NULL */
    size_t nheaders;
    const char *body; /* may be NULL */
    size_t body_len;
} mcx_http_request;

typedef struct mcx_http_response {
    mcx_http_error error;
    char error_text[256];
    int status;
    char *http_version;          /* "HTTP/1.1" */
    mcx_http_header *headers;    /* in order received */
    size_t nheaders;
    char *body;                  /* NUL-terminated copy, body_len bytes */
    size_t body_len;
    double elapsed_ms;
    char *primary_ip;            /* address actually used */
    /* TLS facts of an https:// request (added by engineer "tls-live"),
     * captured during the handshake, so also when it failed (e.g. the
     * certificate does not cover the name): "" / NULL when no certificate
     * was seen. tls_chain is the chain as presented, leaf first (OpenSSL
     * STACK_OF(X509); freed by mcx_http_response_free). */
    char tls_version[16];        /* "TLSv1.3"; "" when the handshake did not finish */
    char tls_cipher[64];
    struct stack_st_X509 *tls_chain;
} mcx_http_response;

/* Process-wide libcurl setup: call mcx_http_global_init() once from main()
 * before any other thread exists, mcx_http_global_cleanup() at exit.
 * (Added by engineer "discover".) */
void mcx_http_global_init(void);
void mcx_http_global_cleanup(void);

/* A client session (added by engineer "latency"): requests made with the
 * same session reuse an open connection to the same scheme, host and port
 * (one TCP connect and TLS handshake per host, as a phone keeps its
 * connection alive). Each response still carries the TLS facts of the
 * connection it used. Changing the pins, CA file or --insecure between
 * requests closes every connection of the session first (appending
 * --resolve pins under resolve_only keeps them). Not thread-safe: one
 * session per thread. */
typedef struct mcx_http_session mcx_http_session;
mcx_http_session *mcx_http_session_new(void); /* NULL on ENOMEM */
void mcx_http_session_free(mcx_http_session *s); /* closes its connections */

/* Performs one request. Returns 0 when a response was received (resp->error
 * == MCX_HTTP_OK, any status), -1 otherwise (resp->error and
 * resp->error_text say why). Always fills `resp`; free it with
 * mcx_http_response_free(). */
int mcx_http_perform(const mcx_http_request *req, const mcx_http_options *opt,
                     mcx_http_response *resp);
void mcx_http_response_free(mcx_http_response *resp);
/* Case-insensitive; first match or NULL. */
const char *mcx_http_header_get(const mcx_http_response *resp, const char *name);
size_t mcx_http_header_count(const mcx_http_response *resp, const char *name);
/* "dns", "connect", "tls", "timeout", "protocol", "other", "ok". */
const char *mcx_http_error_name(mcx_http_error e);

#endif
