/*
 * http_client.c -- the one HTTP(S) client of mcxlab, on libcurl.
 *
 * Owns: turning an mcx_http_request + mcx_http_options into one libcurl
 * transfer (name pinning with CURLOPT_RESOLVE / CURLOPT_CONNECT_TO, the
 * --resolve-only pre-check, CA file or --insecure, timeouts, no redirect
 * following, no proxies), capturing the final response's headers in the
 * order received and a bounded copy of the body, and mapping libcurl
 * errors to the mcx_http_error classes, and the TLS facts of an https
 * request (protocol version, cipher, the chain presented) captured from
 * OpenSSL callbacks installed with CURLOPT_SSL_CTX_FUNCTION -- a verify
 * callback keeps the presented chain even when verification then fails, the
 * info callback records version and cipher when the handshake completes.
 * Also owns the client session (mcx_http_session): one reused easy handle
 * whose connection cache keeps connections alive between requests, the
 * TLS facts of each open connection (a reused connection has no handshake
 * to capture them from), and closing every connection when the pins, CA
 * file or verification setting change, so a reused connection never
 * crosses to another pinned address.
 * Does not own: what a response
 * means (the discovery algorithm and the vector runner decide), nor any
 * HTTP parsing beyond splitting a header line libcurl hands over at its
 * first colon.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include "mcx/http_client.h"

#define MCX_HTTP_DEFAULT_TIMEOUT_MS 10000L
#define MCX_HTTP_DEFAULT_MAX_BODY ((size_t)4 * 1024 * 1024)
#define MCX_HTTP_MAX_HEADERS 200
#define MCX_HTTP_MAX_HEADER_BYTES ((size_t)64 * 1024)

/* Per-transfer capture state handed to the libcurl callbacks. */
typedef struct http_capture {
    mcx_http_header *headers;
    size_t nheaders, capheaders;
    size_t header_bytes;
    char *body;
    size_t body_len, body_cap;
    size_t max_body;
    int body_too_large;
    int headers_too_large;
    int out_of_memory;
    /* TLS facts (see mcx_http_response). */
    char tls_version[16];
    char tls_cipher[64];
    STACK_OF(X509) *tls_chain;
} http_capture;

/* A copy (references) of a certificate stack; NULL on ENOMEM. */
static STACK_OF(X509) *chain_copy(STACK_OF(X509) *in)
{
    STACK_OF(X509) *out = sk_X509_new_null();
    for (int i = 0; out && in && i < sk_X509_num(in); i++) {
        X509 *x = sk_X509_value(in, i);
        if (X509_up_ref(x) != 1 || !sk_X509_push(out, x)) {
            sk_X509_pop_free(out, X509_free);
            return NULL;
        }
    }
    return out;
}

/* Where the OpenSSL callbacks of a connection write: the capture of the
 * transfer running on it, NULL between transfers. It lives as long as the
 * connection (a session's connections outlive one transfer, and TLS 1.3
 * tickets can call the info callback again after the handshake). */
typedef struct http_tls_sink {
    http_capture *cap;
} http_tls_sink;

/* The TLS facts of one open connection of a session, keyed by what libcurl
 * reuses a connection for within one pin set: scheme, host and port. */
typedef struct http_conn_facts {
    char *key;
    char tls_version[16];
    char tls_cipher[64];
    STACK_OF(X509) *tls_chain;
} http_conn_facts;

struct mcx_http_session {
    CURL *curl;              /* NULL until the first request */
    http_tls_sink sink;
    char *settings;          /* pins and TLS settings the connections were made under */
    int resolve_only;
    http_conn_facts *facts;
    size_t nfacts;
};

static http_capture *capture_of_ssl(const SSL *ssl)
{
    http_tls_sink *sink = ssl ? SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)) : NULL;
    return sink ? sink->cap : NULL;
}

/* Called for every certificate OpenSSL verifies; the untrusted stack is the
 * chain the server sent. The verdict is left to libcurl's settings. */
static int on_tls_verify(int preverify_ok, X509_STORE_CTX *store)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    http_capture *c = capture_of_ssl(ssl);
    if (c && !c->tls_chain)
        c->tls_chain = chain_copy(X509_STORE_CTX_get0_untrusted(store));
    return preverify_ok;
}

static void on_tls_info(const SSL *ssl, int where, int ret)
{
    (void)ret;
    if (!(where & SSL_CB_HANDSHAKE_DONE))
        return;
    http_capture *c = capture_of_ssl(ssl);
    if (!c)
        return;
    snprintf(c->tls_version, sizeof c->tls_version, "%s", SSL_get_version(ssl));
    snprintf(c->tls_cipher, sizeof c->tls_cipher, "%s", SSL_get_cipher_name(ssl));
    if (!c->tls_chain)
        c->tls_chain = chain_copy(SSL_get_peer_cert_chain(ssl));
}

/* CURLOPT_SSL_CTX_FUNCTION: libcurl has set up its SSL_CTX (one per
 * connection); add the capture callbacks, keeping its verify mode. userptr
 * is the http_tls_sink. */
static CURLcode on_ssl_ctx(CURL *curl, void *sslctx, void *userptr)
{
    SSL_CTX *ctx = sslctx;
    (void)curl;
    SSL_CTX_set_app_data(ctx, userptr);
    SSL_CTX_set_verify(ctx, SSL_CTX_get_verify_mode(ctx), on_tls_verify);
    SSL_CTX_set_info_callback(ctx, on_tls_info);
    return CURLE_OK;
}

void mcx_http_global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void mcx_http_global_cleanup(void)
{
    curl_global_cleanup();
}

const char *mcx_http_error_name(mcx_http_error e)
{
    switch (e) {
    case MCX_HTTP_OK: return "ok";
    case MCX_HTTP_E_DNS: return "dns";
    case MCX_HTTP_E_CONNECT: return "connect";
    case MCX_HTTP_E_TLS: return "tls";
    case MCX_HTTP_E_TIMEOUT: return "timeout";
    case MCX_HTTP_E_PROTOCOL: return "protocol";
    case MCX_HTTP_E_OTHER: return "other";
    }
    return "other";
}

static void capture_clear_headers(http_capture *c)
{
    for (size_t i = 0; i < c->nheaders; i++) {
        free(c->headers[i].name);
        free(c->headers[i].value);
    }
    c->nheaders = 0;
    c->header_bytes = 0;
}

static char *dup_trimmed(const char *s, size_t len)
{
    while (len > 0 && (s[0] == ' ' || s[0] == '\t')) {
        s++;
        len--;
    }
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' ||
                       s[len - 1] == '\n'))
        len--;
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    memcpy(out, s, len);
    out[len] = '\0';
    return out;
}

/* Appends a folded continuation line to the previous header's value. */
static int capture_fold(http_capture *c, const char *line, size_t len)
{
    if (c->nheaders == 0)
        return 0; /* nothing to continue: ignore */
    char *more = dup_trimmed(line, len);
    if (!more)
        return -1;
    mcx_http_header *h = &c->headers[c->nheaders - 1];
    size_t old = strlen(h->value), add = strlen(more);
    char *joined = realloc(h->value, old + 1 + add + 1);
    if (!joined) {
        free(more);
        return -1;
    }
    joined[old] = ' ';
    memcpy(joined + old + 1, more, add + 1);
    h->value = joined;
    free(more);
    return 0;
}

/* libcurl hands over one complete header line per call, status line
 * included. A new status line starts a new response (1xx interim answers,
 * or a proxy CONNECT): only the last response's headers are kept. */
static size_t on_header(char *data, size_t size, size_t nitems, void *userdata)
{
    http_capture *c = userdata;
    size_t len = size * nitems;

    if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        capture_clear_headers(c);
        return len;
    }
    if (len == 0 || data[0] == '\r' || data[0] == '\n')
        return len; /* end of the header block */
    c->header_bytes += len;
    if (c->header_bytes > MCX_HTTP_MAX_HEADER_BYTES || c->nheaders >= MCX_HTTP_MAX_HEADERS) {
        c->headers_too_large = 1;
        return 0; /* abort the transfer */
    }
    if (data[0] == ' ' || data[0] == '\t') {
        if (capture_fold(c, data, len) < 0) {
            c->out_of_memory = 1;
            return 0;
        }
        return len;
    }
    const char *colon = memchr(data, ':', len);
    if (!colon)
        return len; /* not a header line; libcurl would have failed on it */
    if (c->nheaders == c->capheaders) {
        size_t ncap = c->capheaders ? c->capheaders * 2 : 16;
        mcx_http_header *nh = realloc(c->headers, ncap * sizeof *nh);
        if (!nh) {
            c->out_of_memory = 1;
            return 0;
        }
        c->headers = nh;
        c->capheaders = ncap;
    }
    char *name = dup_trimmed(data, (size_t)(colon - data));
    char *value = dup_trimmed(colon + 1, len - (size_t)(colon - data) - 1);
    if (!name || !value) {
        free(name);
        free(value);
        c->out_of_memory = 1;
        return 0;
    }
    c->headers[c->nheaders].name = name;
    c->headers[c->nheaders].value = value;
    c->nheaders++;
    return len;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    http_capture *c = userdata;
    size_t len = size * nmemb;

    if (len > c->max_body - c->body_len) {
        c->body_too_large = 1;
        return 0; /* abort: CURLE_WRITE_ERROR */
    }
    if (c->body_len + len + 1 > c->body_cap) {
        size_t ncap = c->body_cap ? c->body_cap : 4096;
        while (ncap < c->body_len + len + 1)
            ncap *= 2;
        char *nb = realloc(c->body, ncap);
        if (!nb) {
            c->out_of_memory = 1;
            return 0;
        }
        c->body = nb;
        c->body_cap = ncap;
    }
    memcpy(c->body + c->body_len, data, len);
    c->body_len += len;
    c->body[c->body_len] = '\0';
    return len;
}

static mcx_http_error classify_curl_error(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return MCX_HTTP_E_DNS;
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
        return MCX_HTTP_E_CONNECT;
    case CURLE_OPERATION_TIMEDOUT:
        return MCX_HTTP_E_TIMEOUT;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_USE_SSL_FAILED:
        return MCX_HTTP_E_TLS;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_FILESIZE_EXCEEDED:
    case CURLE_TOO_MANY_REDIRECTS:
        return MCX_HTTP_E_PROTOCOL;
    default:
        return MCX_HTTP_E_OTHER;
    }
}

/* Does `entry` ("HOST:PORT:..." as given to --resolve / --connect-to) pin
 * host:port? An empty HOST or PORT field in a connect-to entry matches any
 * (curl's rule); a leading '+' (curl's "timeout" marker) is ignored. */
static int pin_matches(const char *entry, const char *host, long port, int empty_is_any)
{
    if (entry[0] == '+')
        entry++;
    const char *c1 = strchr(entry, ':');
    if (!c1)
        return 0;
    const char *c2 = strchr(c1 + 1, ':');
    if (!c2)
        return 0;
    size_t hlen = (size_t)(c1 - entry);
    int host_ok = (hlen == 0 && empty_is_any) ||
                  (hlen == strlen(host) && strncasecmp(entry, host, hlen) == 0);
    int port_ok;
    if (c2 == c1 + 1) {
        port_ok = empty_is_any;
    } else {
        char *end = NULL;
        long p = strtol(c1 + 1, &end, 10);
        port_ok = end == c2 && p == port;
    }
    return host_ok && port_ok;
}

static int host_is_literal_address(const char *host)
{
    unsigned char buf[sizeof(struct in6_addr)];
    char inner[64];
    size_t len = strlen(host);

    if (inet_pton(AF_INET, host, buf) == 1)
        return 1;
    if (len >= 2 && len < sizeof inner + 2 && host[0] == '[' && host[len - 1] == ']') {
        memcpy(inner, host + 1, len - 2);
        inner[len - 2] = '\0';
        return inet_pton(AF_INET6, inner, buf) == 1;
    }
    return 0;
}

/* The --resolve-only pre-check. Returns 0 when the URL's host:port is
 * pinned (or a literal address), -1 with resp filled otherwise. The URL is
 * split by libcurl's own URL parser. */
static int check_pinned(const char *url, const mcx_http_options *opt, mcx_http_response *resp)
{
    CURLU *u = curl_url();
    char *host = NULL, *port_s = NULL;
    int rc = -1;

    if (!u) {
        resp->error = MCX_HTTP_E_OTHER;
        snprintf(resp->error_text, sizeof resp->error_text, "out of memory");
        return -1;
    }
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &port_s, CURLU_DEFAULT_PORT) != CURLUE_OK) {
        resp->error = MCX_HTTP_E_OTHER;
        snprintf(resp->error_text, sizeof resp->error_text, "malformed URL: %s", url);
        goto out;
    }
    long port = strtol(port_s, NULL, 10);
    if (host_is_literal_address(host)) {
        rc = 0;
        goto out;
    }
    for (const char *const *r = opt->resolve; r && *r; r++)
        if (pin_matches(*r, host, port, 0)) {
            rc = 0;
            goto out;
        }
    for (const char *const *r = opt->connect_to; r && *r; r++)
        if (pin_matches(*r, host, port, 1)) {
            rc = 0;
            goto out;
        }
    resp->error = MCX_HTTP_E_DNS;
    snprintf(resp->error_text, sizeof resp->error_text,
             "%s:%ld not resolvable: no --resolve/--connect-to entry", host, port);
out:
    curl_free(host);
    curl_free(port_s);
    curl_url_cleanup(u);
    return rc;
}

/* libcurl puts elapsed times into some messages ("... after 3 ms: ...");
 * remove them so error_text is deterministic (times live in elapsed_ms). */
static void strip_elapsed(char *text)
{
    char *p = text;
    while ((p = strstr(p, " after ")) != NULL) {
        char *q = p + 7;
        char *digits = q;
        while (*q >= '0' && *q <= '9')
            q++;
        if (q > digits && strncmp(q, " ms", 3) == 0) {
            q += 3;
            memmove(p, q, strlen(q) + 1);
        } else {
            p += 7;
        }
    }
}

static struct curl_slist *slist_from(const char *const *list, int *failed)
{
    struct curl_slist *out = NULL;
    for (const char *const *p = list; p && *p; p++) {
        struct curl_slist *n = curl_slist_append(out, *p);
        if (!n) {
            *failed = 1;
            break;
        }
        out = n;
    }
    return out;
}

static const char *http_version_name(long v)
{
    switch (v) {
    case CURL_HTTP_VERSION_1_0: return "HTTP/1.0";
    case CURL_HTTP_VERSION_1_1: return "HTTP/1.1";
    case CURL_HTTP_VERSION_2_0: return "HTTP/2";
    case CURL_HTTP_VERSION_3: return "HTTP/3";
    default: return "HTTP/1.1";
    }
}

/* Builds the request header list; refuses names or values with CR/LF. */
static int build_request_headers(const mcx_http_request *req, struct curl_slist **out,
                                 mcx_http_response *resp)
{
    struct curl_slist *list = NULL;
    int has_expect = 0;

    for (size_t i = 0; i < req->nheaders; i++) {
        const mcx_http_header *h = &req->headers[i];
        if (!h->name || !h->value || strpbrk(h->name, "\r\n:") || strpbrk(h->value, "\r\n") ||
            h->name[0] == '\0') {
            resp->error = MCX_HTTP_E_OTHER;
            snprintf(resp->error_text, sizeof resp->error_text,
                     "request header %zu: empty name, or CR/LF/colon where not allowed", i);
            curl_slist_free_all(list);
            return -1;
        }
        if (strcasecmp(h->name, "Expect") == 0)
            has_expect = 1;
        size_t n = strlen(h->name) + strlen(h->value) + 3;
        char *line = malloc(n);
        if (!line)
            goto oom;
        /* "Name;" is libcurl's way to send a header with an empty value. */
        if (h->value[0])
            snprintf(line, n, "%s: %s", h->name, h->value);
        else
            snprintf(line, n, "%s;", h->name);
        struct curl_slist *nl = curl_slist_append(list, line);
        free(line);
        if (!nl)
            goto oom;
        list = nl;
    }
    if (!has_expect) {
        /* No "Expect: 100-continue" round trip on POST bodies. */
        struct curl_slist *nl = curl_slist_append(list, "Expect:");
        if (!nl)
            goto oom;
        list = nl;
    }
    *out = list;
    return 0;
oom:
    curl_slist_free_all(list);
    resp->error = MCX_HTTP_E_OTHER;
    snprintf(resp->error_text, sizeof resp->error_text, "out of memory");
    return -1;
}

/* ---- the client session --------------------------------------------------- */

mcx_http_session *mcx_http_session_new(void)
{
    return calloc(1, sizeof(mcx_http_session));
}

static void session_forget_connections(mcx_http_session *s)
{
    if (s->curl) {
        curl_easy_cleanup(s->curl); /* closes every cached connection */
        s->curl = NULL;
    }
    for (size_t i = 0; i < s->nfacts; i++) {
        free(s->facts[i].key);
        if (s->facts[i].tls_chain)
            sk_X509_pop_free(s->facts[i].tls_chain, X509_free);
    }
    free(s->facts);
    s->facts = NULL;
    s->nfacts = 0;
}

void mcx_http_session_free(mcx_http_session *s)
{
    if (!s)
        return;
    session_forget_connections(s);
    free(s->settings);
    free(s);
}

/* Appends `list` entries, each after `tag`, to a growing string. */
static int settings_append(char **out, size_t *len, const char *tag, const char *const *list)
{
    for (const char *const *p = list; p && *p; p++) {
        size_t add = strlen(tag) + strlen(*p) + 1;
        char *n = realloc(*out, *len + add + 1);
        if (!n)
            return -1;
        snprintf(n + *len, add + 1, "%s%s\n", tag, *p);
        *out = n;
        *len += add;
    }
    return 0;
}

/* Everything that decides which address a host:port reaches and which
 * connections libcurl may share; --resolve pins last, so a pure append of
 * pins keeps the old string as a prefix. NULL on ENOMEM. */
static char *settings_of(const mcx_http_options *opt)
{
    size_t len = 0;
    char head[64];
    snprintf(head, sizeof head, "insecure=%d tls-compat=%d\n", opt->insecure ? 1 : 0,
             opt->tls_compat ? 1 : 0);
    const char *first[] = {head, NULL};
    const char *ca[] = {opt->ca_file ? opt->ca_file : "(system)", NULL};
    char *out = calloc(1, 1);
    if (!out || settings_append(&out, &len, "", first) < 0 ||
        settings_append(&out, &len, "ca=", ca) < 0 ||
        settings_append(&out, &len, "connect-to=", opt->connect_to) < 0 ||
        settings_append(&out, &len, "resolve=", opt->resolve) < 0) {
        free(out);
        return NULL;
    }
    return out;
}

/* Are the settings `now` those of `before` plus --resolve pins for host:port
 * pairs `before` did not pin? (A pin never moves an open connection then.) */
static int settings_only_gained_pins(const char *before, const char *now)
{
    size_t blen = strlen(before);
    if (strncmp(now, before, blen) != 0)
        return 0;
    for (const char *line = now + blen; *line;) {
        const char *end = strchr(line, '\n');
        const char *c1 = strchr(line, ':');
        const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!end || strncmp(line, "resolve=", 8) != 0 || !c2 || c2 > end)
            return 0;
        char pin[600]; /* "\nresolve=HOST:PORT:" */
        int n = snprintf(pin, sizeof pin, "\n%.*s", (int)(c2 + 1 - line), line);
        if (n < 0 || (size_t)n >= sizeof pin || strstr(before, pin))
            return 0;
        line = end + 1;
    }
    return 1;
}

/* The easy handle for the next request of `s`: the kept one, reset, when the
 * settings are unchanged (or only gained pins for new names under
 * resolve_only: every open connection then went to a pinned address that
 * still holds), else a fresh one after closing every connection. NULL on
 * ENOMEM. */
static CURL *session_handle(mcx_http_session *s, const mcx_http_options *opt)
{
    char *settings = settings_of(opt);
    if (!settings)
        return NULL;
    int keep = s->curl && s->settings &&
               (strcmp(settings, s->settings) == 0 ||
                (s->resolve_only && opt->resolve_only &&
                 settings_only_gained_pins(s->settings, settings)));
    if (keep) {
        curl_easy_reset(s->curl);
    } else {
        session_forget_connections(s);
        s->curl = curl_easy_init();
    }
    free(s->settings);
    s->settings = settings;
    s->resolve_only = opt->resolve_only;
    return s->curl;
}

/* "https://host:port" of `url` (lower case), the key of its connection. */
static int connection_key(const char *url, char *out, size_t outlen)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL;
    int rc = -1;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
        for (char *p = host; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        rc = snprintf(out, outlen, "%s://%s:%s", scheme, host, port) < (int)outlen ? 0 : -1;
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return rc;
}

static http_conn_facts *session_facts(mcx_http_session *s, const char *key)
{
    for (size_t i = 0; i < s->nfacts; i++)
        if (strcmp(s->facts[i].key, key) == 0)
            return &s->facts[i];
    return NULL;
}

/* After a transfer: a new connection's facts are kept (replacing those of a
 * connection it replaced); on a reused one the kept facts go into `cap`.
 * Returns -1 on ENOMEM. */
static int session_note_transfer(mcx_http_session *s, const char *url, http_capture *cap)
{
    long nconnects = 0;
    char key[1024];

    curl_easy_getinfo(s->curl, CURLINFO_NUM_CONNECTS, &nconnects);
    if (connection_key(url, key, sizeof key) < 0)
        return 0; /* libcurl refused the URL too: no connection */
    http_conn_facts *f = session_facts(s, key);
    if (nconnects == 0) {
        if (!f)
            return 0;
        memcpy(cap->tls_version, f->tls_version, sizeof cap->tls_version);
        memcpy(cap->tls_cipher, f->tls_cipher, sizeof cap->tls_cipher);
        if (cap->tls_chain)
            sk_X509_pop_free(cap->tls_chain, X509_free);
        cap->tls_chain = f->tls_chain ? chain_copy(f->tls_chain) : NULL;
        return f->tls_chain && !cap->tls_chain ? -1 : 0;
    }
    if (!f) {
        http_conn_facts *nf = realloc(s->facts, (s->nfacts + 1) * sizeof *nf);
        if (!nf)
            return -1;
        s->facts = nf;
        f = &s->facts[s->nfacts];
        memset(f, 0, sizeof *f);
        if (!(f->key = strdup(key)))
            return -1;
        s->nfacts++;
    } else if (f->tls_chain) {
        sk_X509_pop_free(f->tls_chain, X509_free);
        f->tls_chain = NULL;
    }
    memcpy(f->tls_version, cap->tls_version, sizeof f->tls_version);
    memcpy(f->tls_cipher, cap->tls_cipher, sizeof f->tls_cipher);
    if (cap->tls_chain && !(f->tls_chain = chain_copy(cap->tls_chain)))
        return -1;
    return 0;
}

int mcx_http_perform(const mcx_http_request *req, const mcx_http_options *opt,
                     mcx_http_response *resp)
{
    static const mcx_http_options no_options;
    http_capture cap;
    struct curl_slist *resolve = NULL, *connect_to = NULL, *headers = NULL;
    char errbuf[CURL_ERROR_SIZE];
    int slist_failed = 0, rc = -1;
    CURL *curl = NULL;
    http_tls_sink own_sink = {NULL};
    http_tls_sink *sink = &own_sink;

    memset(resp, 0, sizeof *resp);
    memset(&cap, 0, sizeof cap);
    if (!opt)
        opt = &no_options;
    if (!req || !req->url || !req->method || !req->method[0]) {
        resp->error = MCX_HTTP_E_OTHER;
        snprintf(resp->error_text, sizeof resp->error_text, "request without method or URL");
        return -1;
    }
    if (opt->resolve_only && check_pinned(req->url, opt, resp) < 0)
        return -1;

    cap.max_body = opt->max_body ? opt->max_body : MCX_HTTP_DEFAULT_MAX_BODY;
    long timeout = opt->timeout_ms > 0 ? opt->timeout_ms : MCX_HTTP_DEFAULT_TIMEOUT_MS;

    if (opt->session) {
        sink = &opt->session->sink;
        curl = session_handle(opt->session, opt);
    } else {
        curl = curl_easy_init();
    }
    if (!curl) {
        resp->error = MCX_HTTP_E_OTHER;
        snprintf(resp->error_text, sizeof resp->error_text, "curl_easy_init failed");
        return -1;
    }
    sink->cap = &cap;
    if (build_request_headers(req, &headers, resp) < 0)
        goto out;
    resolve = slist_from(opt->resolve, &slist_failed);
    connect_to = slist_from(opt->connect_to, &slist_failed);
    if (slist_failed) {
        resp->error = MCX_HTTP_E_OTHER;
        snprintf(resp->error_text, sizeof resp->error_text, "out of memory");
        goto out;
    }

    errbuf[0] = '\0';
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_URL, req->url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROXY, "");  /* ignore http_proxy & co */
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "mcxlab/1 (LyncAutodiscover)");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    if (resolve)
        curl_easy_setopt(curl, CURLOPT_RESOLVE, resolve);
    if (connect_to)
        curl_easy_setopt(curl, CURLOPT_CONNECT_TO, connect_to);
    if (opt->ca_file)
        curl_easy_setopt(curl, CURLOPT_CAINFO, opt->ca_file);
    if (opt->insecure) {
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (opt->tls_compat) {
        /* --tls-profile compat (lib/cert_connect.c's compat probe): TLS 1.0
         * and every cipher, which Debian's OpenSSL only speaks at security
         * level 0 with the minimum protocol overridden. */
        curl_easy_setopt(curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_0);
        curl_easy_setopt(curl, CURLOPT_SSL_CIPHER_LIST, "ALL:@SECLEVEL=0");
    }
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &cap);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &cap);
    curl_easy_setopt(curl, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
    curl_easy_setopt(curl, CURLOPT_SSL_CTX_DATA, sink);
    /* Every new connection does a full handshake, so its facts are seen. */
    curl_easy_setopt(curl, CURLOPT_SSL_SESSIONID_CACHE, 0L);

    if (strcmp(req->method, "GET") == 0 && !req->body) {
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(req->method, "HEAD") == 0) {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else {
        if (req->body || strcmp(req->method, "POST") == 0) {
            curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                             (curl_off_t)(req->body ? req->body_len : 0));
            curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req->body ? req->body : "");
        }
        if (strcmp(req->method, "POST") != 0)
            curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req->method);
    }

    CURLcode cc = curl_easy_perform(curl);
    sink->cap = NULL;
    if (opt->session && session_note_transfer(opt->session, req->url, &cap) < 0)
        cap.out_of_memory = 1;
    memcpy(resp->tls_version, cap.tls_version, sizeof resp->tls_version);
    memcpy(resp->tls_cipher, cap.tls_cipher, sizeof resp->tls_cipher);
    resp->tls_chain = cap.tls_chain;
    cap.tls_chain = NULL;

    curl_off_t total_us = 0;
    if (curl_easy_getinfo(curl, CURLINFO_TOTAL_TIME_T, &total_us) == CURLE_OK)
        resp->elapsed_ms = (double)total_us / 1000.0;
    char *ip = NULL;
    if (curl_easy_getinfo(curl, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip && ip[0])
        resp->primary_ip = strdup(ip);

    if (cap.body_too_large) {
        resp->error = MCX_HTTP_E_PROTOCOL;
        snprintf(resp->error_text, sizeof resp->error_text,
                 "response body exceeds the limit of %zu bytes", cap.max_body);
        goto out;
    }
    if (cap.headers_too_large) {
        resp->error = MCX_HTTP_E_PROTOCOL;
        snprintf(resp->error_text, sizeof resp->error_text,
                 "response headers exceed %d lines or %zu bytes", MCX_HTTP_MAX_HEADERS,
                 MCX_HTTP_MAX_HEADER_BYTES);
        goto out;
    }
    if (cap.out_of_memory) {
        resp->error = MCX_HTTP_E_OTHER;
        snprintf(resp->error_text, sizeof resp->error_text, "out of memory");
        goto out;
    }
    if (cc != CURLE_OK) {
        resp->error = classify_curl_error(cc);
        if (resp->error == MCX_HTTP_E_TIMEOUT)
            snprintf(resp->error_text, sizeof resp->error_text,
                     "no complete response within the %ld ms timeout", timeout);
        else
            snprintf(resp->error_text, sizeof resp->error_text, "%s",
                     errbuf[0] ? errbuf : curl_easy_strerror(cc));
        strip_elapsed(resp->error_text);
        goto out;
    }

    long status = 0, version = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(curl, CURLINFO_HTTP_VERSION, &version);
    resp->error = MCX_HTTP_OK;
    resp->status = (int)status;
    resp->http_version = strdup(http_version_name(version));
    resp->headers = cap.headers;
    resp->nheaders = cap.nheaders;
    cap.headers = NULL;
    cap.nheaders = 0;
    if (!cap.body) {
        cap.body = calloc(1, 1);
        if (!cap.body) {
            resp->error = MCX_HTTP_E_OTHER;
            snprintf(resp->error_text, sizeof resp->error_text, "out of memory");
            goto out;
        }
    }
    resp->body = cap.body;
    resp->body_len = cap.body_len;
    cap.body = NULL;
    rc = resp->http_version ? 0 : -1;
    if (rc < 0) {
        resp->error = MCX_HTTP_E_OTHER;
        snprintf(resp->error_text, sizeof resp->error_text, "out of memory");
    }
out:
    capture_clear_headers(&cap);
    free(cap.headers);
    free(cap.body);
    curl_slist_free_all(headers);
    curl_slist_free_all(resolve);
    curl_slist_free_all(connect_to);
    sink->cap = NULL;
    if (opt->session)
        curl_easy_reset(curl); /* drop pointers to this call's lists and buffers */
    else
        curl_easy_cleanup(curl);
    return rc;
}

void mcx_http_response_free(mcx_http_response *resp)
{
    if (!resp)
        return;
    for (size_t i = 0; i < resp->nheaders; i++) {
        free(resp->headers[i].name);
        free(resp->headers[i].value);
    }
    free(resp->headers);
    free(resp->http_version);
    free(resp->body);
    free(resp->primary_ip);
    if (resp->tls_chain)
        sk_X509_pop_free(resp->tls_chain, X509_free);
    memset(resp, 0, sizeof *resp);
}

const char *mcx_http_header_get(const mcx_http_response *resp, const char *name)
{
    return resp ? mcx_http_headers_find(resp->headers, resp->nheaders, name) : NULL;
}

size_t mcx_http_header_count(const mcx_http_response *resp, const char *name)
{
    return resp ? mcx_http_headers_count(resp->headers, resp->nheaders, name) : 0;
}
