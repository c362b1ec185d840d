/*
 * server_listen.c -- mcxd's network front end on libevent: one evhttp per
 * listener (internal-http, internal-https, external-http, external-https),
 * TLS through bufferevent_openssl (OpenSSL 3, TLS 1.2 and 1.3), request
 * limits and timeouts, and the translation between an evhttp request and the
 * transport-free mcxd_request / mcxd_response.
 *
 * Certificates: each HTTPS listener (one per side) holds every pool's
 * certificate for that side from the topology (<internalWeb|externalWeb
 * certificate= key=>) then --cert/--key; SNI picks the first whose SANs cover
 * the requested name (X509_check_host), else the first is served. They are
 * loaded at start; SIGHUP reloads the topology, not the certificates. A
 * certificate below OpenSSL's default security level (1024-bit RSA, SHA-1
 * signature) is served at security level 0 (a lab serves broken fixtures on
 * purpose); a key that does not match its certificate refuses the start.
 * Accepted sockets get TCP_NODELAY.
 *
 * Owns: sockets, TLS contexts, writing responses (always with the
 * Content-Length computed by mcxd_handle, except under
 * --break no-content-length, where the body is close-delimited), the access
 * log call. Does not own: what a request is answered (request_dispatch.c),
 * the CLI or signals (mcxd_main.c).
 *
 * Header limit: libevent 2.1 answers an over-long header block with 400 and
 * no hook, so mcxd counts the header bytes itself and answers 431 above
 * --max-header-bytes; libevent's own cap is set to 2 x that + 16 KiB.
 *
 * Timeouts: libevent 2.1 has one per-connection timeout for reading a request
 * (headers included) and for keep-alive idling; mcxd uses the smaller of
 * --header-timeout and --idle-timeout for it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <strings.h>
#include <time.h>

#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "mcxd_http.h"
#include "metrics.h"
#include "mobility/mobility.h"

/* Certificates of one side's HTTPS listener: every pool's certificate for
 * that side (topology order, duplicates loaded once), then --cert. The first
 * one is served when the client sends no SNI or a name none covers. */
#define MCXD_MAX_SITE_CERTS 66

typedef struct tls_cert {
    SSL_CTX *ctx;
    X509 *leaf;       /* owned by ctx */
    char *cert_file;  /* what was loaded (for dedup and messages) */
} tls_cert;

typedef struct tls_site {
    tls_cert certs[MCXD_MAX_SITE_CERTS];
    size_t ncerts;
} tls_site;

typedef struct mcxd_listener {
    struct mcxd_server *srv;
    mcx_access side;
    int tls;
    struct evhttp *http;
} mcxd_listener;

struct mcxd_server {
    struct event_base *base;
    mcxd_config *cfg;
    mcxd_state *st;
    tls_site sites[2]; /* per mcx_access side */
    int quiet;
    size_t max_header_bytes; /* 0: no limit of our own */
    mcxd_listener listeners[MCXD_NLISTENERS];
    struct event *tick;      /* drains the Mobility Service once a second */
    struct evhttp *admin;    /* --admin: GET /metrics */
    mcxd_metrics *metrics;
};

/* "FILE: WHAT: DETAIL". DETAIL is the system's words when a system call
 * failed underneath (OpenSSL queues ERR_LIB_SYS with the errno: "No such
 * file or directory", "Permission denied"), else OpenSSL's last error. */
static void ssl_error_string(char *err, size_t errlen, const char *what, const char *file)
{
    char detail[256] = "unknown error";
    unsigned long e, last = 0;
    int sys_errno = 0;
    while ((e = ERR_get_error()) != 0) {
        last = e;
        if (ERR_GET_LIB(e) == ERR_LIB_SYS && ERR_GET_REASON(e) > 0)
            sys_errno = ERR_GET_REASON(e);
    }
    if (sys_errno)
        snprintf(detail, sizeof detail, "%s", strerror(sys_errno));
    else if (last)
        ERR_error_string_n(last, detail, sizeof(detail));
    snprintf(err, errlen, "%s: %s: %s", file ? file : "(none)", what, detail);
}

/* An OpenSSL error that only says the certificate is below the security
 * level (key too small, signature digest too weak). */
static int tls_too_weak(unsigned long e)
{
    int reason = ERR_GET_REASON(e);
    return ERR_GET_LIB(e) == ERR_LIB_SSL &&
           (reason == SSL_R_EE_KEY_TOO_SMALL || reason == SSL_R_CA_KEY_TOO_SMALL ||
            reason == SSL_R_CA_MD_TOO_WEAK);
}

static SSL_CTX *tls_context(const char *cert_file, const char *key_file, char *err,
                            size_t errlen)
{
    if (!cert_file || !key_file) {
        snprintf(err, errlen, "an HTTPS listener needs --cert and --key");
        return NULL;
    }
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        ssl_error_string(err, errlen, "cannot create a TLS context", NULL);
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE);
    /* No session resumption: no server-side session cache and no stateless
     * tickets (mcxd has no ticket key that outlives the process), the same
     * as nginx with `ssl_session_cache off; ssl_session_tickets off;`; a
     * full handshake then skips encrypting a session into two tickets. The
     * certificate chain is exactly what the PEM file holds (no building from
     * a store per handshake).
     * Tried and rejected (libevent 2.1's bufferevent_openssl breaks):
     * SSL_CTX_set_read_ahead (records read ahead sit in the SSL object while
     * libevent waits for the socket: the connection stalls) and
     * SSL_OP_IGNORE_UNEXPECTED_EOF (a client's close_notify then ends in a
     * 400 from evhttp instead of a clean close). */
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_mode(ctx, SSL_MODE_NO_AUTO_CHAIN);
    int loaded = SSL_CTX_use_certificate_chain_file(ctx, cert_file) == 1;
    if (!loaded && tls_too_weak(ERR_peek_last_error())) {
        /* A lab serves broken certificates on purpose (1024-bit RSA, SHA-1
         * signature: conformance/pki) so that checkers can be tested against
         * them: below the default security level, serve at level 0. */
        ERR_clear_error();
        SSL_CTX_set_security_level(ctx, 0);
        loaded = SSL_CTX_use_certificate_chain_file(ctx, cert_file) == 1;
    }
    if (!loaded) {
        ssl_error_string(err, errlen, "cannot load the certificate (PEM)", cert_file);
    } else if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1 ||
               SSL_CTX_check_private_key(ctx) != 1) {
        /* OpenSSL already refuses a mismatching key while loading it. */
        unsigned long e = ERR_peek_last_error();
        char what[600] = "cannot load the private key (PEM)";
        if ((ERR_GET_LIB(e) == ERR_LIB_X509 && ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH) ||
            (ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) == SSL_R_PRIVATE_KEY_MISMATCH) ||
            SSL_CTX_get0_privatekey(ctx) != NULL)
            snprintf(what, sizeof what, "private key does not match the certificate %s",
                     cert_file);
        ssl_error_string(err, errlen, what, key_file);
    } else {
        return ctx;
    }
    SSL_CTX_free(ctx);
    return NULL;
}

int mcxd_tls_check(const char *cert_file, const char *key_file, char *err, size_t errlen)
{
    SSL_CTX *ctx = tls_context(cert_file, key_file, err, errlen);
    if (!ctx)
        return -1;
    SSL_CTX_free(ctx);
    return 0;
}

static void pool_cert(const mcx_pool *p, mcx_access side, const char **cert, const char **key)
{
    *cert = side == MCX_ACCESS_INTERNAL ? p->internal_cert_file : p->external_cert_file;
    *key = side == MCX_ACCESS_INTERNAL ? p->internal_key_file : p->external_key_file;
}

int mcxd_topology_has_cert(const mcx_topology *t, mcx_access side)
{
    for (size_t i = 0; t && i < t->npools; i++) {
        const char *cert, *key;
        pool_cert(&t->pools[i], side, &cert, &key);
        if (cert && key)
            return 1;
    }
    return 0;
}

int mcxd_tls_check_topology(const mcx_topology *t, char *err, size_t errlen)
{
    for (size_t i = 0; t && i < t->npools; i++) {
        for (int side = 0; side < 2; side++) {
            const char *cert, *key;
            pool_cert(&t->pools[i], (mcx_access)side, &cert, &key);
            if (cert && key && mcxd_tls_check(cert, key, err, errlen) != 0)
                return -1;
        }
    }
    return 0;
}

static void tls_site_free(tls_site *site)
{
    for (size_t i = 0; i < site->ncerts; i++) {
        SSL_CTX_free(site->certs[i].ctx);
        free(site->certs[i].cert_file);
    }
    site->ncerts = 0;
}

/* SNI: serve the first certificate of the site whose SANs cover the name
 * the client asked for (X509_check_host: whole-label wildcards only);
 * without SNI or a match, the site's first certificate stays. */
static int on_servername(SSL *ssl, int *alert, void *arg)
{
    const tls_site *site = arg;
    const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    (void)alert;
    if (!name || !*name)
        return SSL_TLSEXT_ERR_NOACK;
    for (size_t i = 0; i < site->ncerts; i++) {
        if (X509_check_host(site->certs[i].leaf, name, 0, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS,
                            NULL) == 1) {
            if (site->certs[i].ctx != SSL_get_SSL_CTX(ssl))
                SSL_set_SSL_CTX(ssl, site->certs[i].ctx);
            break;
        }
    }
    return SSL_TLSEXT_ERR_OK;
}

/* Add one certificate/key pair to a site (skipped when already loaded). */
static int tls_site_add(tls_site *site, const char *cert_file, const char *key_file, char *err,
                        size_t errlen)
{
    for (size_t i = 0; i < site->ncerts; i++)
        if (strcmp(site->certs[i].cert_file, cert_file) == 0)
            return 0;
    if (site->ncerts == MCXD_MAX_SITE_CERTS) {
        snprintf(err, errlen, "%s: more than %d certificates for one listener", cert_file,
                 MCXD_MAX_SITE_CERTS);
        return -1;
    }
    SSL_CTX *ctx = tls_context(cert_file, key_file, err, errlen);
    if (!ctx)
        return -1;
    tls_cert *c = &site->certs[site->ncerts];
    c->ctx = ctx;
    c->leaf = SSL_CTX_get0_certificate(ctx);
    c->cert_file = strdup(cert_file);
    if (!c->leaf || !c->cert_file) {
        snprintf(err, errlen, "%s: out of memory", cert_file);
        SSL_CTX_free(ctx);
        free(c->cert_file);
        return -1;
    }
    site->ncerts++;
    return 0;
}

/* Load the certificates of one side: the pools' (topology order), then
 * --cert. 0, or -1 with `err`. */
static int tls_site_load(tls_site *site, const mcx_topology *t, mcx_access side,
                         const mcxd_server_options *opt, char *err, size_t errlen)
{
    for (size_t i = 0; t && i < t->npools; i++) {
        const char *cert, *key;
        pool_cert(&t->pools[i], side, &cert, &key);
        if (cert && key && tls_site_add(site, cert, key, err, errlen) != 0)
            return -1;
    }
    if (opt->cert_file && tls_site_add(site, opt->cert_file, opt->key_file, err, errlen) != 0)
        return -1;
    if (site->ncerts == 0) {
        snprintf(err, errlen, "%s needs a certificate: --cert and --key, or certificate= and "
                              "key= on a pool's <%s>",
                 mcxd_listener_name(side, 1),
                 side == MCX_ACCESS_INTERNAL ? "internalWeb" : "externalWeb");
        return -1;
    }
    SSL_CTX_set_tlsext_servername_callback(site->certs[0].ctx, on_servername);
    SSL_CTX_set_tlsext_servername_arg(site->certs[0].ctx, site);
    return 0;
}

static struct bufferevent *tls_bev(struct event_base *base, void *arg)
{
    mcxd_listener *l = arg;
    SSL *ssl = SSL_new(l->srv->sites[l->side].certs[0].ctx);
    if (!ssl)
        return NULL;
    struct bufferevent *bev = bufferevent_openssl_socket_new(
        base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
    if (!bev) {
        SSL_free(ssl);
        return NULL;
    }
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    return bev;
}

static const char *method_name(enum evhttp_cmd_type cmd)
{
    switch (cmd) {
    case EVHTTP_REQ_GET: return "GET";
    case EVHTTP_REQ_POST: return "POST";
    case EVHTTP_REQ_HEAD: return "HEAD";
    case EVHTTP_REQ_PUT: return "PUT";
    case EVHTTP_REQ_DELETE: return "DELETE";
    case EVHTTP_REQ_OPTIONS: return "OPTIONS";
    case EVHTTP_REQ_TRACE: return "TRACE";
    case EVHTTP_REQ_CONNECT: return "CONNECT";
    case EVHTTP_REQ_PATCH: return "PATCH";
    default: return "UNKNOWN";
    }
}

/* Write `resp` as the reply to `er` (and the access log line for `req`). */
static void send_response(mcxd_server *srv, struct evhttp_request *er, const mcxd_request *req,
                          const mcxd_response *resp)
{
    const mcxd_config *cfg = srv->cfg;
    struct evkeyvalq *in = evhttp_request_get_input_headers(er);
    int close_delimited = (cfg->breaks & MCXD_BREAK_NO_CONTENT_LENGTH) && resp->body_len > 0;
    struct evkeyvalq *out = evhttp_request_get_output_headers(er);
    for (size_t i = 0; i < resp->nheaders; i++) {
        if (close_delimited && strcasecmp(resp->headers[i].name, "Content-Length") == 0)
            continue;
        evhttp_add_header(out, resp->headers[i].name, resp->headers[i].value);
    }
    if (close_delimited) {
        /* Deliberate deviation: an HTTP/1.0-style response whose body ends
         * when the connection closes (libevent adds no Content-Length to a
         * 1.0 response that is not keep-alive). */
        evhttp_remove_header(in, "Connection");
        evhttp_remove_header(in, "Proxy-Connection");
        evhttp_add_header(out, "Connection", "close");
        er->minor = 0;
    }
    struct evbuffer *outbuf = evbuffer_new();
    if (outbuf && resp->body_len)
        evbuffer_add(outbuf, resp->body, resp->body_len);
    if (!srv->quiet)
        mcxd_access_log(stderr, req, resp, resp->body_len);
    const char *reason = resp->reason ? resp->reason : mcxd_status_reason(resp->status);
    evhttp_send_reply(er, resp->status, reason, outbuf);
    if (outbuf)
        evbuffer_free(outbuf);
}

/* The listener whose evhttp received `er` (NULL when its connection is gone). */
static mcxd_listener *listener_of(mcxd_server *srv, struct evhttp_request *er)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(er);
    struct evhttp *http = evcon ? evhttp_connection_get_server(evcon) : NULL;
    for (int i = 0; http && i < MCXD_NLISTENERS; i++)
        if (srv->listeners[i].http == http)
            return &srv->listeners[i];
    return NULL;
}

static void on_parked_done(void *ctx, void *handle, mcxd_response *resp)
{
    mcxd_server *srv = ctx;
    struct evhttp_request *er = handle;
    mcxd_listener *l = listener_of(srv, er);
    mcxd_request req = {
        .method = "GET",
        .uri = evhttp_request_get_uri(er),
        .listener = l ? l->side : MCX_ACCESS_INTERNAL,
        .tls = l ? l->tls : 0,
        .peer = "-",
    };
    send_response(srv, er, &req, resp);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    mcxd_server *srv = arg;
    time_t now = mcxd_now(srv->cfg, srv->st);
    mcxd_mobility_drain(srv->cfg, srv->st, now, on_parked_done, srv);
    mcxd_metrics_sample(srv->metrics, srv->st, now);
}

/* The admin listener: GET /metrics (Prometheus text), nothing else. */
static void on_admin(struct evhttp_request *er, void *arg)
{
    mcxd_server *srv = arg;
    const char *uri = evhttp_request_get_uri(er);
    if (evhttp_request_get_command(er) != EVHTTP_REQ_GET || !uri ||
        strncmp(uri, "/metrics", 8) != 0 || (uri[8] && uri[8] != '?')) {
        evhttp_send_error(er, 404, "only GET /metrics");
        return;
    }
    size_t len = 0;
    char *text = mcxd_metrics_render(srv->metrics, srv->st, mcxd_now(srv->cfg, srv->st), &len);
    struct evbuffer *out = evbuffer_new();
    if (!text || !out) {
        free(text);
        if (out)
            evbuffer_free(out);
        evhttp_send_error(er, 500, NULL);
        return;
    }
    evbuffer_add(out, text, len);
    free(text);
    evhttp_add_header(evhttp_request_get_output_headers(er), "Content-Type",
                      "text/plain; version=0.0.4; charset=utf-8");
    evhttp_send_reply(er, 200, "OK", out);
    evbuffer_free(out);
}

static void on_request(struct evhttp_request *er, void *arg)
{
    mcxd_listener *l = arg;
    mcxd_server *srv = l->srv;
    struct evkeyvalq *in = evhttp_request_get_input_headers(er);
    struct evkeyval *kv;

    size_t nheaders = 0;
    const char *uri = evhttp_request_get_uri(er);
    size_t header_bytes = strlen(uri ? uri : "") + 16;
    TAILQ_FOREACH(kv, in, next) {
        nheaders++;
        header_bytes += strlen(kv->key) + strlen(kv->value) + 4;
    }
    mcx_http_header *headers = calloc(nheaders ? nheaders : 1, sizeof(*headers));
    if (!headers) {
        evhttp_send_error(er, 500, NULL);
        return;
    }
    size_t i = 0;
    const char *host = NULL; /* the first Host header, as evhttp_find_header finds it */
    TAILQ_FOREACH(kv, in, next) {
        headers[i].name = kv->key;
        headers[i].value = kv->value;
        if (!host && strcasecmp(kv->key, "Host") == 0)
            host = kv->value;
        i++;
    }

    char peer[96] = "-";
    struct evhttp_connection *evcon = evhttp_request_get_connection(er);
    if (evcon) {
        char *addr = NULL;
        ev_uint16_t port = 0;
        evhttp_connection_get_peer(evcon, &addr, &port);
        if (addr)
            snprintf(peer, sizeof(peer), "%s:%u", addr, (unsigned)port);
    }

    struct evbuffer *inbuf = evhttp_request_get_input_buffer(er);
    size_t body_len = evbuffer_get_length(inbuf);
    const char *body = body_len ? (const char *)evbuffer_pullup(inbuf, -1) : NULL;

    mcxd_request req = {
        .method = method_name(evhttp_request_get_command(er)),
        .uri = evhttp_request_get_uri(er),
        .host = host,
        .headers = headers,
        .nheaders = nheaders,
        .body = body,
        .body_len = body_len,
        .listener = l->side,
        .tls = l->tls,
        .peer = peer,
    };
    req.park_handle = er;
    const mcxd_config *cfg = srv->cfg;
    time_t now = mcxd_now(cfg, srv->st);
    mcxd_response resp;
    if (srv->max_header_bytes && header_bytes > srv->max_header_bytes) {
        mcxd_response_init(&resp);
        resp.status = 431;
        static const char msg[] = "request header fields too large\n";
        (void)mcxd_response_set_body(&resp, msg, sizeof(msg) - 1);
        mcxd_response_finish(cfg, NULL, NULL, evhttp_request_get_command(er) == EVHTTP_REQ_HEAD,
                             now, &resp);
    } else {
        mcxd_handle(cfg, srv->st, &req, now, &resp);
    }
    if (resp.parked) {
        /* A Mobility P-GET: answered later by mcxd_mobility_drain. */
        free(headers);
    } else {
        send_response(srv, er, &req, &resp);
        mcxd_response_free(&resp);
        free(headers);
    }
    mcxd_mobility_drain(cfg, srv->st, mcxd_now(cfg, srv->st), on_parked_done, srv);
}


mcxd_server *mcxd_server_new(struct event_base *base, mcxd_config *cfg, mcxd_state *st,
                             const mcxd_server_options *opt, char *err, size_t errlen,
                             int *exit_code)
{
    mcxd_server *srv = calloc(1, sizeof(*srv));
    if (!srv) {
        snprintf(err, errlen, "out of memory");
        *exit_code = 3;
        return NULL;
    }
    srv->base = base;
    srv->cfg = cfg;
    srv->st = st;
    srv->quiet = opt->quiet;
    srv->max_header_bytes = opt->max_header_bytes;

    for (int side = 0; side < 2; side++) {
        if (!opt->listen[MCXD_LISTENER_INDEX(side, 1)].enabled)
            continue;
        if (tls_site_load(&srv->sites[side], cfg->topo, (mcx_access)side, opt, err,
                          errlen) != 0) {
            *exit_code = 2;
            mcxd_server_free(srv);
            return NULL;
        }
    }
    int timeout = opt->header_timeout;
    if (opt->idle_timeout > 0 && (timeout <= 0 || opt->idle_timeout < timeout))
        timeout = opt->idle_timeout;

    for (int side = 0; side < 2; side++) {
        for (int tls = 0; tls < 2; tls++) {
            int idx = MCXD_LISTENER_INDEX(side, tls);
            const mcxd_listen_spec *spec = &opt->listen[idx];
            mcxd_listener *l = &srv->listeners[idx];
            l->srv = srv;
            l->side = (mcx_access)side;
            l->tls = tls;
            if (!spec->enabled)
                continue;
            l->http = evhttp_new(base);
            if (!l->http) {
                snprintf(err, errlen, "cannot create the HTTP server");
                *exit_code = 3;
                mcxd_server_free(srv);
                return NULL;
            }
            evhttp_set_allowed_methods(l->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
                                                    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
                                                    EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
                                                    EVHTTP_REQ_PATCH);
            /* mcxd answers 431 itself above max_header_bytes; libevent's own
             * cap (which answers 400 and closes) sits well above it. */
            if (opt->max_header_bytes)
                evhttp_set_max_headers_size(
                    l->http, (ev_ssize_t)(opt->max_header_bytes * 2 + 16384));
            if (opt->max_body_bytes)
                evhttp_set_max_body_size(l->http, (ev_ssize_t)opt->max_body_bytes);
            if (timeout > 0)
                evhttp_set_timeout(l->http, timeout);
            evhttp_set_default_content_type(l->http, "text/plain; charset=utf-8");
            evhttp_set_gencb(l->http, on_request, l);
            if (tls)
                evhttp_set_bevcb(l->http, tls_bev, l);
            struct evhttp_bound_socket *bound =
                evhttp_bind_socket_with_handle(l->http, spec->addr, (ev_uint16_t)spec->port);
            if (!bound) {
                int e = errno;
                snprintf(err, errlen, "cannot listen on %s %s:%d: %s",
                         mcxd_listener_name((mcx_access)side, tls), spec->addr, spec->port,
                         e ? strerror(e) : "bind failed");
                *exit_code = 3;
                mcxd_server_free(srv);
                return NULL;
            }
            /* No Nagle: a TLS response is several small records (headers,
             * body, close_notify) and waiting for the peer's delayed ACK
             * cost ~40 ms per response. Linux copies the option from the
             * listening socket to every accepted one. */
            int one = 1;
            (void)setsockopt(evhttp_bound_socket_get_fd(bound), IPPROTO_TCP, TCP_NODELAY, &one,
                             sizeof(one));
        }
    }
    srv->metrics = mcxd_metrics_new();
    if (!srv->metrics) {
        snprintf(err, errlen, "out of memory");
        *exit_code = 3;
        mcxd_server_free(srv);
        return NULL;
    }
    if (opt->admin.enabled) {
        srv->admin = evhttp_new(base);
        if (!srv->admin || evhttp_bind_socket(srv->admin, opt->admin.addr,
                                              (ev_uint16_t)opt->admin.port) != 0) {
            snprintf(err, errlen, "cannot listen on admin %s:%d: %s", opt->admin.addr,
                     opt->admin.port, errno ? strerror(errno) : "bind failed");
            *exit_code = 3;
            mcxd_server_free(srv);
            return NULL;
        }
        evhttp_set_allowed_methods(srv->admin, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
        evhttp_set_gencb(srv->admin, on_admin, srv);
    }
    srv->tick = event_new(base, -1, EV_PERSIST, on_tick, srv);
    struct timeval second = {1, 0};
    if (!srv->tick || event_add(srv->tick, &second) != 0) {
        snprintf(err, errlen, "cannot start the Mobility Service timer");
        *exit_code = 3;
        mcxd_server_free(srv);
        return NULL;
    }
    return srv;
}

void mcxd_server_free(mcxd_server *srv)
{
    if (!srv)
        return;
    if (srv->tick)
        event_free(srv->tick);
    if (srv->admin)
        evhttp_free(srv->admin);
    mcxd_metrics_free(srv->metrics);
    for (int i = 0; i < MCXD_NLISTENERS; i++) {
        if (srv->listeners[i].http)
            evhttp_free(srv->listeners[i].http);
    }
    tls_site_free(&srv->sites[0]);
    tls_site_free(&srv->sites[1]);
    free(srv);
}
