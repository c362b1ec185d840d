/*
 * pcap_record_tls.c -- golden HTTPS captures, written deterministically: a
 * real OpenSSL 3 client and server run in-process over memory BIOs, every
 * byte either of them emits becomes TCP payload in the capture, and the
 * Autodiscover requests inside the TLS connection are answered by mcxd_handle
 * exactly as for plain HTTP (pcap_record_scenario_via: same DNS lookups,
 * request bytes and response serialisation).
 *
 * Determinism: each capture gets its own OSSL_LIB_CTX whose primary, public
 * and private DRBGs are OpenSSL's "TEST-RAND" (EVP_RAND-TEST-RAND(7), in the
 * default provider of OpenSSL 3.0), selected with RAND_set_DRBG_type and fed
 * a fixed "test_entropy" buffer derived from --seed and the scenario name
 * (splitmix64; these are test transcripts, the keys protect nothing). The
 * ClientHello random and session id, the key shares, RSA-PSS salts and
 * record nonces all come from it. Session tickets, the session cache and
 * certificate verification (which reads the clock) are off; OpenSSL 3 puts
 * no time in the hello random unless SSL_MODE_SEND_*HELLO_TIME is set.
 *
 * Owns: the HTTPS golden scenario list, the deterministic library context
 * and the client/server pump. Does not own: TCP framing (lib/pcap_synth.c),
 * DNS lookups and HTTP bytes (conformance/pcap_record.c), what mcxd answers
 * (refimpl/), nor reading TLS back (lib/pcap_tls.c).
 */
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>

#include "mcx/autodiscover.h"
#include "pcap_record.h"

#define TLS_RECORD_STEP_USEC 1000
/* Bytes of test entropy per DRBG: a handshake and a few requests use a few
 * hundred; running out is an error (never a silent reuse). */
#define TLS_RAND_BYTES (64 * 1024)
/* Handshake rounds (one flight each way per round) before giving up. */
#define TLS_MAX_ROUNDS 16
/* Largest flight or record batch moved at once. */
#define TLS_MAX_FLIGHT (1024 * 1024)

static const pcap_tls_scenario pcap_tls_golden[] = {
    {{"internal-tls12", "phone on the internal network, IPv4, Ethernet, HTTPS with TLS 1.2 "
      "(server certificate in clear)", MCX_PCAP_LINK_ETHERNET, "192.0.2.60", "192.0.2.53",
      {"lyncdiscoverinternal.contoso.test"}, 1, MCX_ACCESS_INTERNAL, NULL, 443,
      MCX_ACCESS_INTERNAL, "lyncdiscoverinternal.contoso.test",
      {"/Autodiscover/AutodiscoverService.svc/root?sipuri=alice@contoso.test",
       "/Autodiscover/AutodiscoverService.svc/root/domain"},
      MCX_ACCEPT_AD_XML, 0, 2000, 600000, 49160},
     TLS1_2_VERSION, "lab.pem", "leaf.key"},
    {{"external-tls13", "phone on the Internet, IPv4, Ethernet: lyncdiscoverinternal is "
      "NXDOMAIN, then HTTPS to lyncdiscover with TLS 1.3", MCX_PCAP_LINK_ETHERNET,
      "198.51.100.60", "198.51.100.53",
      {"lyncdiscoverinternal.contoso.test", "lyncdiscover.contoso.test"}, 1,
      MCX_ACCESS_EXTERNAL, NULL, 4443, MCX_ACCESS_EXTERNAL, "lyncdiscover.contoso.test",
      {"/Autodiscover/AutodiscoverService.svc/root?sipuri=alice@contoso.test",
       "/Autodiscover/AutodiscoverService.svc/root/domain"},
      MCX_ACCEPT_AD_JSON, 0, 3000, 700000, 49161},
     TLS1_3_VERSION, "lab.pem", "leaf.key"},
};

size_t pcap_tls_golden_count(void)
{
    return sizeof pcap_tls_golden / sizeof pcap_tls_golden[0];
}

const pcap_tls_scenario *pcap_tls_golden_at(size_t i)
{
    return i < pcap_tls_golden_count() ? &pcap_tls_golden[i] : NULL;
}

/* ---- deterministic library context ---- */

static uint64_t tls_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int tls_feed_drbg(EVP_RAND_CTX *drbg, uint64_t stream)
{
    unsigned char *buf = malloc(TLS_RAND_BYTES);
    if (drbg == NULL || buf == NULL) {
        free(buf);
        return -1;
    }
    for (size_t i = 0; i < TLS_RAND_BYTES; i += 8) {
        uint64_t x = tls_splitmix64(&stream);
        memcpy(buf + i, &x, 8); /* host order: fine, the buffer is never compared */
    }
    unsigned int strength = 256;
    OSSL_PARAM params[3];
    params[0] = OSSL_PARAM_construct_uint(OSSL_RAND_PARAM_STRENGTH, &strength);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_RAND_PARAM_TEST_ENTROPY, buf,
                                                  TLS_RAND_BYTES);
    params[2] = OSSL_PARAM_construct_end();
    int ok = EVP_RAND_CTX_set_params(drbg, params); /* copies the buffer */
    free(buf);
    return ok == 1 ? 0 : -1;
}

/* A library context whose every random byte derives from seed and name. */
static OSSL_LIB_CTX *tls_libctx_new(uint64_t seed, const char *name)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a of the scenario name */
    for (const char *c = name; *c; c++)
        h = (h ^ (unsigned char)*c) * 1099511628211ull;
    OSSL_LIB_CTX *lib = OSSL_LIB_CTX_new();
    if (lib == NULL)
        return NULL;
    if (RAND_set_DRBG_type(lib, "TEST-RAND", NULL, NULL, NULL) != 1 ||
        tls_feed_drbg(RAND_get0_primary(lib), seed ^ h) != 0 ||
        tls_feed_drbg(RAND_get0_public(lib), (seed ^ h) + 1) != 0 ||
        tls_feed_drbg(RAND_get0_private(lib), (seed ^ h) + 2) != 0) {
        OSSL_LIB_CTX_free(lib);
        return NULL;
    }
    return lib;
}

/* ---- the client/server pump ---- */

typedef struct tls_pipe {
    SSL *client, *server;
    BIO *client_in, *client_out; /* owned by `client` */
    BIO *server_in, *server_out; /* owned by `server` */
} tls_pipe;

/* "[file: ]what[: OpenSSL's reason]" into err. */
static void tls_error_at(char *err, size_t errlen, const char *file, const char *what)
{
    char reason[256] = "";
    unsigned long e = ERR_get_error();
    if (e)
        ERR_error_string_n(e, reason, sizeof reason);
    snprintf(err, errlen, "%s%s%s%s%s", file ? file : "", file ? ": " : "", what,
             reason[0] ? ": " : "", reason);
    ERR_clear_error();
}

static void tls_error(char *err, size_t errlen, const char *what)
{
    tls_error_at(err, errlen, NULL, what);
}

/* Move what one side wrote to the capture (as one TCP send) and to the other
 * side's input. 0, or -1. */
static int tls_flush(tls_pipe *p, mcx_pcap_writer *w, mcx_pcap_tcp_conn *c, int from_client,
                     char *err, size_t errlen)
{
    BIO *out = from_client ? p->client_out : p->server_out;
    BIO *in = from_client ? p->server_in : p->client_in;
    size_t pending = BIO_ctrl_pending(out);
    if (pending == 0)
        return 0;
    if (pending > TLS_MAX_FLIGHT) {
        snprintf(err, errlen, "TLS flight of %zu bytes exceeds %d", pending, TLS_MAX_FLIGHT);
        return -1;
    }
    unsigned char *buf = malloc(pending);
    if (buf == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int n = BIO_read(out, buf, (int)pending);
    int rc = -1;
    if (n != (int)pending)
        snprintf(err, errlen, "short read from the TLS %s", from_client ? "client" : "server");
    else if (mcx_pcap_tcp_send(w, c, from_client, buf, pending) != 0)
        snprintf(err, errlen, "cannot write a TCP segment");
    else if (BIO_write(in, buf, n) != n)
        snprintf(err, errlen, "cannot hand the TLS bytes to the peer");
    else
        rc = 0;
    free(buf);
    return rc;
}

static int tls_handshake_done(SSL *s, int rc)
{
    if (rc == 1)
        return 1;
    int e = SSL_get_error(s, rc);
    return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? 0 : -1;
}

static int tls_open(void *ctx, mcx_pcap_writer *w, mcx_pcap_tcp_conn *c, char *err,
                    size_t errlen)
{
    tls_pipe *p = ctx;
    for (int round = 0; round < TLS_MAX_ROUNDS; round++) {
        int cd = tls_handshake_done(p->client, SSL_do_handshake(p->client));
        if (cd < 0 || tls_flush(p, w, c, 1, err, errlen) != 0)
            break;
        int sd = tls_handshake_done(p->server, SSL_do_handshake(p->server));
        if (sd < 0 || tls_flush(p, w, c, 0, err, errlen) != 0) {
            cd = -1;
            break;
        }
        if (cd == 1 && sd == 1 && BIO_ctrl_pending(p->client_in) == 0 &&
            BIO_ctrl_pending(p->server_in) == 0)
            return 0;
    }
    if (err[0] == '\0')
        tls_error(err, errlen, "TLS handshake did not complete");
    return -1;
}

/* Read exactly `len` bytes from `s` and compare them with what was sent:
 * the peer must decrypt the same request or response. */
static int tls_drain(SSL *s, const void *want, size_t len, char *err, size_t errlen)
{
    unsigned char *got = malloc(len ? len : 1);
    if (got == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t have = 0;
    while (have < len) {
        size_t n = 0;
        if (SSL_read_ex(s, got + have, len - have, &n) != 1 || n == 0)
            break;
        have += n;
    }
    int rc = have == len && memcmp(got, want, len) == 0 ? 0 : -1;
    if (rc != 0)
        tls_error(err, errlen, "the TLS peer did not decrypt the bytes sent");
    free(got);
    return rc;
}

static int tls_send(void *ctx, mcx_pcap_writer *w, mcx_pcap_tcp_conn *c, int from_client,
                    const void *data, size_t len, char *err, size_t errlen)
{
    tls_pipe *p = ctx;
    SSL *from = from_client ? p->client : p->server;
    size_t written = 0;
    if (SSL_write_ex(from, data, len, &written) != 1 || written != len) {
        tls_error(err, errlen, "SSL_write failed");
        return -1;
    }
    if (tls_flush(p, w, c, from_client, err, errlen) != 0)
        return -1;
    return tls_drain(from_client ? p->server : p->client, data, len, err, errlen);
}

/* close_notify from the client, then from the server; the TCP FIN follows. */
static int tls_close(void *ctx, mcx_pcap_writer *w, mcx_pcap_tcp_conn *c, char *err,
                     size_t errlen)
{
    tls_pipe *p = ctx;
    (void)SSL_shutdown(p->client);
    if (tls_flush(p, w, c, 1, err, errlen) != 0)
        return -1;
    unsigned char b;
    size_t n;
    (void)SSL_read_ex(p->server, &b, 1, &n); /* consumes the close_notify */
    (void)SSL_shutdown(p->server);
    ERR_clear_error();
    return tls_flush(p, w, c, 0, err, errlen);
}

static SSL_CTX *tls_ctx_new(OSSL_LIB_CTX *lib, int server, int version)
{
    SSL_CTX *ctx = SSL_CTX_new_ex(lib, NULL, server ? TLS_server_method() : TLS_client_method());
    if (ctx == NULL)
        return NULL;
    SSL_CTX_set_min_proto_version(ctx, version);
    SSL_CTX_set_max_proto_version(ctx, version);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(ctx, 0);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    return ctx;
}

int pcap_record_tls_scenario(mcx_pcap_writer *w, const mcx_topology *t,
                             const pcap_tls_scenario *s, const char *pki_dir, time_t now,
                             uint64_t seed, char *err, size_t errlen)
{
    char cert[4096], key[4096];
    snprintf(cert, sizeof cert, "%s/%s", pki_dir, s->cert);
    snprintf(key, sizeof key, "%s/%s", pki_dir, s->key);
    err[0] = '\0';
    OSSL_LIB_CTX *lib = tls_libctx_new(seed, s->base.name);
    SSL_CTX *cctx = lib ? tls_ctx_new(lib, 0, s->version) : NULL;
    SSL_CTX *sctx = lib ? tls_ctx_new(lib, 1, s->version) : NULL;
    tls_pipe p = {0};
    int rc = -1;
    if (cctx == NULL || sctx == NULL) {
        tls_error(err, errlen, "cannot set up the deterministic TLS library context");
    } else if (SSL_CTX_use_certificate_chain_file(sctx, cert) != 1) {
        tls_error_at(err, errlen, cert, "cannot load the certificate chain (pass --pki DIR)");
    } else if (SSL_CTX_use_PrivateKey_file(sctx, key, SSL_FILETYPE_PEM) != 1 ||
               SSL_CTX_check_private_key(sctx) != 1) {
        tls_error_at(err, errlen, key, "cannot load the private key matching the certificate");
    } else if ((p.client = SSL_new(cctx)) == NULL || (p.server = SSL_new(sctx)) == NULL ||
               (p.client_in = BIO_new(BIO_s_mem())) == NULL ||
               (p.client_out = BIO_new(BIO_s_mem())) == NULL ||
               (p.server_in = BIO_new(BIO_s_mem())) == NULL ||
               (p.server_out = BIO_new(BIO_s_mem())) == NULL) {
        tls_error(err, errlen, "out of memory");
    } else {
        SSL_set_bio(p.client, p.client_in, p.client_out);
        SSL_set_bio(p.server, p.server_in, p.server_out);
        p.client_in = p.client_out = p.server_in = p.server_out = NULL;
        SSL_set_connect_state(p.client);
        SSL_set_accept_state(p.server);
        if (SSL_set_tlsext_host_name(p.client, s->base.host) != 1) {
            tls_error(err, errlen, "cannot set the SNI");
        } else {
            /* The SSL objects now own the BIOs; keep borrowed pointers. */
            p.client_in = SSL_get_rbio(p.client);
            p.client_out = SSL_get_wbio(p.client);
            p.server_in = SSL_get_rbio(p.server);
            p.server_out = SSL_get_wbio(p.server);
            pcap_record_transport tr = {1, tls_open, tls_send, tls_close, &p};
            rc = pcap_record_scenario_via(w, t, &s->base, &tr, now, seed, err, errlen);
            p.client_in = p.client_out = p.server_in = p.server_out = NULL;
        }
    }
    BIO_free(p.client_in);
    BIO_free(p.client_out);
    BIO_free(p.server_in);
    BIO_free(p.server_out);
    SSL_free(p.client);
    SSL_free(p.server);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    OSSL_LIB_CTX_free(lib);
    ERR_clear_error();
    if (rc != 0 && err[0] == '\0')
        snprintf(err, errlen, "%s: cannot record", s->base.name);
    return rc;
}

int pcap_record_tls_golden(const char *dir, const mcx_topology *t, const char *pki_dir,
                           time_t now, uint64_t seed, char *err, size_t errlen)
{
    for (size_t i = 0; i < pcap_tls_golden_count(); i++) {
        const pcap_tls_scenario *s = &pcap_tls_golden[i];
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.pcap", dir, s->base.name);
        mcx_pcap_writer *w = mcx_pcap_writer_open(path, s->base.linktype, (int64_t)now,
                                                  TLS_RECORD_STEP_USEC, err, errlen);
        if (w == NULL)
            return -1;
        int rc = pcap_record_tls_scenario(w, t, s, pki_dir, now, seed, err, errlen);
        if (pcap_record_close(w, path, rc, err, errlen) != 0)
            return -1;
    }
    return 0;
}
