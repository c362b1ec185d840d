/*
 * cert_connect.c -- one TLS handshake as a mobile client does it, for
 * `mcxcheck cert --connect` (seed: "Certificate Requirements"): TCP connect,
 * ClientHello with the SNI the client asked for (the lyncdiscover name, never
 * a CNAME target), a bounded wait, and what the server presented (chain,
 * protocol version, cipher). Also the CT-021 finding for a name the
 * presented certificate does not cover, shared with `mcxcheck discover`.
 *
 * Owns: the socket and the OpenSSL client connection of a probe, the
 * classification of a failed handshake (stalled, plain HTTP on the TLS port,
 * no common protocol version, other alert), and the TLS profiles:
 * modern = TLS 1.2..1.3 with OpenSSL's default ciphers; compat = TLS
 * 1.0..1.3 with every cipher ("ALL:@SECLEVEL=0", MinProtocol overridden, as
 * Debian's OpenSSL needs to speak TLS 1.0) to diagnose legacy reverse
 * proxies. Both run at security level 0 with verification off: the probe
 * captures whatever chain is presented (a 1024-bit key, a SHA-1 signature)
 * and the chain then goes through mcx_cert_check like a file does, so
 * --connect reports CT-015/CT-016 exactly as --file.
 * Does not own: the CT- rules (cert_check.c), the CLI (cmd_cert.c), HTTP.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "mcx/cert_check.h"

int mcx_tls_profile_parse(const char *s, mcx_tls_profile *out)
{
    if (s && strcmp(s, "modern") == 0) {
        *out = MCX_TLS_PROFILE_MODERN;
        return 0;
    }
    if (s && strcmp(s, "compat") == 0) {
        *out = MCX_TLS_PROFILE_COMPAT;
        return 0;
    }
    return -1;
}

const char *mcx_tls_profile_name(mcx_tls_profile p)
{
    return p == MCX_TLS_PROFILE_COMPAT ? "compat" : "modern";
}

const char *mcx_tls_result_name(mcx_tls_result r)
{
    switch (r) {
    case MCX_TLS_OK: return "ok";
    case MCX_TLS_E_RESOLVE: return "resolve";
    case MCX_TLS_E_CONNECT: return "connect";
    case MCX_TLS_E_TIMEOUT: return "timeout";
    case MCX_TLS_E_PLAIN_HTTP: return "plain-http";
    case MCX_TLS_E_VERSION: return "protocol-version";
    case MCX_TLS_E_HANDSHAKE: return "handshake";
    case MCX_TLS_E_INTERNAL: return "internal";
    }
    return "internal";
}

void mcx_tls_probe_free(mcx_tls_probe *p)
{
    if (!p)
        return;
    if (p->chain)
        sk_X509_pop_free(p->chain, X509_free);
    memset(p, 0, sizeof *p);
}

static long probe_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Wait until fd is readable/writable or the deadline passes: 1 ready,
 * 0 timed out, -1 error. */
static int probe_wait(int fd, short events, long deadline)
{
    for (;;) {
        long left = deadline - probe_now_ms();
        if (left <= 0)
            return 0;
        struct pollfd pfd = {.fd = fd, .events = events};
        int n = poll(&pfd, 1, (int)(left > 60000 ? 60000 : left));
        if (n > 0)
            return 1;
        if (n < 0 && errno != EINTR)
            return -1;
    }
}

/* The first bytes the server sent, seen below OpenSSL (to tell "HTTP/1.1
 * 400" from a TLS record). */
typedef struct probe_peek {
    unsigned char first[8];
    size_t nfirst;
} probe_peek;

static long probe_bio_cb(BIO *b, int oper, const char *argp, size_t len, int argi, long argl,
                         int ret, size_t *processed)
{
    (void)len;
    (void)argi;
    (void)argl;
    if (oper == (BIO_CB_READ | BIO_CB_RETURN) && ret > 0 && processed && *processed > 0) {
        probe_peek *pk = (probe_peek *)BIO_get_callback_arg(b);
        size_t n = *processed;
        if (pk && pk->nfirst < sizeof pk->first) {
            size_t room = sizeof pk->first - pk->nfirst;
            memcpy(pk->first + pk->nfirst, argp, n < room ? n : room);
            pk->nfirst += n < room ? n : room;
        }
    }
    return ret;
}

/* TCP connect with a deadline. fd or -1 (out->result/error set). */
static int probe_tcp(const char *host, const char *port, long deadline, mcx_tls_probe *out)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0 || !res) {
        out->result = MCX_TLS_E_RESOLVE;
        snprintf(out->error, sizeof out->error, "%s: cannot resolve: %s", host,
                 gai ? gai_strerror(gai) : "no address");
        return -1;
    }
    int fd = socket(res->ai_family, SOCK_STREAM, 0);
    if (fd < 0 || fcntl(fd, F_SETFL, O_NONBLOCK) != 0) {
        out->result = MCX_TLS_E_INTERNAL;
        snprintf(out->error, sizeof out->error, "socket: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(res);
        return -1;
    }
    int rc = connect(fd, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    if (rc != 0 && errno != EINPROGRESS) {
        out->result = MCX_TLS_E_CONNECT;
        snprintf(out->error, sizeof out->error, "TCP connect to %s:%s: %s", host, port,
                 strerror(errno));
        close(fd);
        return -1;
    }
    if (rc != 0) {
        int w = probe_wait(fd, POLLOUT, deadline);
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        if (w == 0) {
            out->result = MCX_TLS_E_TIMEOUT;
            snprintf(out->error, sizeof out->error,
                     "TCP connect to %s:%s: no answer within the timeout", host, port);
            close(fd);
            return -1;
        }
        if (w < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
            out->result = MCX_TLS_E_CONNECT;
            snprintf(out->error, sizeof out->error, "TCP connect to %s:%s: %s", host, port,
                     strerror(soerr ? soerr : errno));
            close(fd);
            return -1;
        }
    }
    return fd;
}

static SSL_CTX *probe_context(mcx_tls_profile profile)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        return NULL;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
    SSL_CTX_set_security_level(ctx, 0);
    if (profile == MCX_TLS_PROFILE_COMPAT) {
        SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
        SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0");
    } else {
        SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    }
    return ctx;
}

/* Classify a failed SSL_connect. */
static void probe_failed(SSL *ssl, int ret, const probe_peek *pk, mcx_tls_probe *out)
{
    unsigned long e = ERR_peek_last_error();
    char detail[200] = "";
    if (e)
        ERR_error_string_n(e, detail, sizeof detail);
    int reason = e ? ERR_GET_REASON(e) : 0;
    int sslerr = SSL_get_error(ssl, ret);
    if (pk->nfirst >= 5 && memcmp(pk->first, "HTTP/", 5) == 0) {
        out->result = MCX_TLS_E_PLAIN_HTTP;
        snprintf(out->error, sizeof out->error,
                 "the server answered the ClientHello with plain HTTP (\"%.5s...\")",
                 (const char *)pk->first);
    } else if (reason == SSL_R_UNSUPPORTED_PROTOCOL || reason == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION ||
               reason == SSL_R_NO_PROTOCOLS_AVAILABLE || reason == SSL_R_WRONG_SSL_VERSION ||
               reason == SSL_R_VERSION_TOO_LOW) {
        out->result = MCX_TLS_E_VERSION;
        snprintf(out->error, sizeof out->error, "no protocol version in common: %s", detail);
    } else if (pk->nfirst == 0 && (sslerr == SSL_ERROR_SYSCALL || sslerr == SSL_ERROR_ZERO_RETURN)) {
        out->result = MCX_TLS_E_HANDSHAKE;
        snprintf(out->error, sizeof out->error,
                 "the server closed the connection without a TLS answer");
    } else {
        out->result = MCX_TLS_E_HANDSHAKE;
        snprintf(out->error, sizeof out->error, "handshake failed: %s",
                 detail[0] ? detail : "unexpected answer");
    }
    ERR_clear_error();
}

int mcx_tls_probe_run(const char *host, const char *port, const char *sni,
                      mcx_tls_profile profile, long timeout_ms, mcx_tls_probe *out)
{
    memset(out, 0, sizeof *out);
    out->profile = profile;
    if (timeout_ms <= 0)
        timeout_ms = 10000;
    /* A server that resets mid-handshake must not kill the process with
     * SIGPIPE: ignore it for the probe, restore the caller's action after. */
    struct sigaction ign, old_pipe;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &old_pipe);
    long deadline = probe_now_ms() + timeout_ms;
    int fd = probe_tcp(host, port, deadline, out);
    if (fd < 0) {
        sigaction(SIGPIPE, &old_pipe, NULL);
        return -1;
    }

    probe_peek pk;
    memset(&pk, 0, sizeof pk);
    SSL_CTX *ctx = probe_context(profile);
    SSL *ssl = ctx ? SSL_new(ctx) : NULL;
    BIO *bio = BIO_new_socket(fd, BIO_NOCLOSE);
    if (!ssl || !bio) {
        out->result = MCX_TLS_E_INTERNAL;
        snprintf(out->error, sizeof out->error, "cannot create a TLS client");
        BIO_free(bio);
        goto done;
    }
    BIO_set_callback_ex(bio, probe_bio_cb);
    BIO_set_callback_arg(bio, (char *)&pk);
    SSL_set_bio(ssl, bio, bio);
    if (sni && *sni) {
        SSL_set_tlsext_host_name(ssl, sni);
        out->sni_sent = 1;
    }
    ERR_clear_error();
    for (;;) {
        int ret = SSL_connect(ssl);
        if (ret == 1)
            break;
        int se = SSL_get_error(ssl, ret);
        if (se == SSL_ERROR_WANT_READ || se == SSL_ERROR_WANT_WRITE) {
            int w = probe_wait(fd, se == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline);
            if (w > 0)
                continue;
            out->result = MCX_TLS_E_TIMEOUT;
            snprintf(out->error, sizeof out->error,
                     "TLS handshake with %s:%s stalled: %s within the %ld ms timeout", host,
                     port, pk.nfirst ? "no complete answer" : "no answer to the ClientHello",
                     timeout_ms);
            goto done;
        }
        probe_failed(ssl, ret, &pk, out);
        goto done;
    }
    out->result = MCX_TLS_OK;
    snprintf(out->version, sizeof out->version, "%s", SSL_get_version(ssl));
    snprintf(out->cipher, sizeof out->cipher, "%s", SSL_get_cipher_name(ssl));
    out->version_number = SSL_version(ssl);
    STACK_OF(X509) *peer = SSL_get_peer_cert_chain(ssl);
    out->chain = sk_X509_new_null();
    for (int i = 0; out->chain && peer && i < sk_X509_num(peer); i++) {
        X509 *x = sk_X509_value(peer, i);
        if (X509_up_ref(x) != 1)
            break;
        if (!sk_X509_push(out->chain, x)) {
            X509_free(x);
            break;
        }
    }
    if (!out->chain || sk_X509_num(out->chain) == 0) {
        out->result = MCX_TLS_E_HANDSHAKE;
        snprintf(out->error, sizeof out->error, "the server presented no certificate");
    }
    /* Polite close; the answer does not matter. */
    (void)SSL_shutdown(ssl);
done:
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    close(fd);
    ERR_clear_error();
    sigaction(SIGPIPE, &old_pipe, NULL);
    return out->result == MCX_TLS_OK ? 0 : -1;
}

int mcx_tls_probe_profiles(const char *host, const char *port, const char *sni,
                           const char *where, mcx_tls_profile profile, long timeout_ms,
                           mcx_report *r, int depth, mcx_tls_probe probes[2])
{
    int nprobes = profile == MCX_TLS_PROFILE_COMPAT ? 2 : 1, chosen = -1;
    memset(probes, 0, 2 * sizeof *probes);
    for (int i = 0; i < nprobes; i++) {
        mcx_tls_profile pr = i == 0 ? MCX_TLS_PROFILE_MODERN : MCX_TLS_PROFILE_COMPAT;
        mcx_tls_probe *p = &probes[i];
        mcx_tls_probe_run(host, port, sni, pr, timeout_ms, p);
        if (p->result != MCX_TLS_OK) {
            mcx_report_step(r, depth, MCX_STEP_FAIL, 0, p->error, "TLS %s%s%s (SNI %s): %s",
                            where ? where : "", where ? " " : "", mcx_tls_profile_name(pr),
                            sni ? sni : "none", mcx_tls_result_name(p->result));
            continue;
        }
        mcx_report_step(r, depth, MCX_STEP_OK, 0, NULL,
                        "TLS %s%s%s (SNI %s): %s, cipher %s, %d certificate(s) presented",
                        where ? where : "", where ? " " : "", mcx_tls_profile_name(pr),
                        sni ? sni : "none", p->version, p->cipher, sk_X509_num(p->chain));
        for (int k = 0; k < sk_X509_num(p->chain); k++) {
            char desc[700];
            mcx_cert_describe(sk_X509_value(p->chain, k), desc, sizeof desc);
            mcx_report_step(r, depth + 1, MCX_STEP_INFO, 0, NULL, "[%d] %s", k, desc);
        }
        if (chosen < 0)
            chosen = i;
    }
    return chosen;
}

const mcx_tls_probe *mcx_tls_probe_failure(const mcx_tls_probe probes[2])
{
    if (probes[0].result == MCX_TLS_E_VERSION && probes[1].profile == MCX_TLS_PROFILE_COMPAT)
        return &probes[1];
    return &probes[0];
}

mcx_finding *mcx_tls_legacy_finding(mcx_report *r, const mcx_tls_probe probes[2], int chosen,
                                    const char *target)
{
    const mcx_tls_probe *got = &probes[chosen];
    if (got->version_number >= TLS1_2_VERSION && probes[0].result != MCX_TLS_E_VERSION)
        return NULL;
    mcx_finding *f = mcx_report_add(
        r, "CT-022", "%s: TLS 1.2/1.3 (modern): %s; compat: %s, cipher %s", target,
        probes[0].result == MCX_TLS_OK ? probes[0].version : probes[0].error, got->version,
        got->cipher);
    if (f)
        mcx_finding_set_subject(f, target);
    return f;
}

void mcx_cert_describe(X509 *cert, char *buf, size_t len)
{
    char subject[256] = "?", issuer[256] = "?", thumb[41] = "?";
    X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof subject);
    X509_NAME_oneline(X509_get_issuer_name(cert), issuer, sizeof issuer);
    if (mcx_cert_thumbprint(cert, thumb) != 0)
        snprintf(thumb, sizeof thumb, "?");
    snprintf(buf, len, "subject %s, issuer %s, thumbprint %s", subject, issuer, thumb);
}

mcx_finding *mcx_cert_name_finding(mcx_report *r, X509 *leaf, const char *name,
                                   const char *where)
{
    char matched[256];
    mcx_cert_match m = mcx_cert_match_name(leaf, name, matched, sizeof matched);
    if (m == MCX_CERT_MATCH_EXACT || m == MCX_CERT_MATCH_WILDCARD ||
        m == MCX_CERT_MATCH_TRAILING_DOT)
        return NULL;
    char desc[700];
    mcx_cert_describe(leaf, desc, sizeof desc);
    mcx_finding *f = mcx_report_add(
        r, "CT-021", "%s: the certificate presented for %s does not cover it%s (%s)",
        where ? where : name, name, m == MCX_CERT_MATCH_CN_ONLY ? " (only its subject CN does)" : "",
        desc);
    if (f) {
        mcx_finding_set_subject(f, name);
        mcx_finding_set_remediation(
            f, "Add the SAN DNS:%s to the certificate this server presents (%s), or make the "
               "name resolve to a server whose certificate covers it; the phone sends %s as SNI "
               "and checks it against the SANs, whatever CNAME the name points to.",
            name, desc, name);
    }
    return f;
}
