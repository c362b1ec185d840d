/*
 * pcap_tls.c -- what `pcap verify` reads from a captured TLS connection: the
 * SNI of the client's ClientHello and, when the server sends it in clear
 * (TLS 1.2 and earlier), the leaf of its Certificate message, checked
 * against that SNI with the certificate rules (CT-021).
 *
 * Owns: per-connection TLS state (mcx_pcap_tls), the ClientHello SNI via
 * OpenSSL's client-hello callback (OpenSSL parses the hello), and the
 * minimum of TLS framing needed to find the Certificate message in the
 * server's byte stream: the 5-byte record header (type, version, length)
 * and the 4-byte handshake header (type, 24-bit length), then the 24-bit
 * certificate_list length and the first certificate's 24-bit length, whose
 * DER is handed to d2i_X509. Nothing is decrypted.
 *
 * Bounds checks (each failure ends the scan with a note naming the stream
 * offset and the rule; never a read outside the buffer):
 *   - a record longer than 2^14 + 2048 bytes (RFC 5246 6.2.3, the largest
 *     TLSCiphertext) is malformed;
 *   - server handshake bytes are kept up to MCX_PCAP_TLS_MAX_SERVER (a
 *     Certificate message larger than that is not checked);
 *   - the certificate_list length must fit in its message, and the first
 *     certificate's length in the list; d2i_X509 must consume exactly it;
 *   - the client's first flight is kept up to MCX_PCAP_TLS_MAX_HELLO bytes.
 * Does not own: which flows are TLS nor the SNI rules PC-035/036
 * (lib/pcap_rules.c), nor certificate name matching (lib/cert_connect.c).
 */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcx/cert_check.h"
#include "mcx/pcap.h"

#define TLS_MAX_RECORD (16384 + 2048)
#define TLS_RECORD_HANDSHAKE 22
#define TLS_RECORD_CCS 20
#define TLS_RECORD_ALERT 21
#define TLS_RECORD_APPDATA 23
#define TLS_HS_CERTIFICATE 11

struct mcx_pcap_tls {
    /* client: the first flight, until the ClientHello is decided */
    uint8_t *hello;
    size_t hello_len;
    int hello_done;
    int sni_rc; /* 1 found, 0 none, -1 not parsed */
    char sni[256];
    /* server: records being reassembled, then handshake messages */
    uint8_t *rec;
    size_t rec_len;
    uint8_t *hs;
    size_t hs_len;
    uint64_t offset; /* server stream offset of rec[0] */
    int cert_done;
    X509 *leaf;
    char note[256];
};

mcx_pcap_tls *mcx_pcap_tls_new(void)
{
    return calloc(1, sizeof(mcx_pcap_tls));
}

void mcx_pcap_tls_free(mcx_pcap_tls *t)
{
    if (t == NULL)
        return;
    free(t->hello);
    free(t->rec);
    free(t->hs);
    X509_free(t->leaf);
    free(t);
}

/* ---- ClientHello SNI, through OpenSSL's client hello callback ---- */

typedef struct sni_result {
    int found;
    char name[256];
} sni_result;

static int sni_cb(SSL *s, int *al, void *arg)
{
    (void)al;
    sni_result *res = arg;
    const unsigned char *ext;
    size_t extlen;
    res->found = 0;
    if (SSL_client_hello_get0_ext(s, TLSEXT_TYPE_server_name, &ext, &extlen) == 1) {
        /* server_name_list: u16 length, then entries {u8 type, u16 len, name}. */
        if (extlen >= 5 && ext[2] == 0) {
            size_t n = (size_t)ext[3] << 8 | ext[4];
            if (n + 5 <= extlen && n < sizeof res->name) {
                memcpy(res->name, ext + 5, n);
                res->name[n] = '\0';
                res->found = 1;
            }
        }
    } else {
        res->found = -1; /* ClientHello without SNI */
    }
    return SSL_CLIENT_HELLO_ERROR; /* stop the handshake: we only wanted the hello */
}

int mcx_pcap_tls_hello_sni(const uint8_t *data, size_t len, char *out, size_t outlen)
{
    sni_result res = {-2, ""};
    if (len > MCX_PCAP_TLS_MAX_HELLO)
        len = MCX_PCAP_TLS_MAX_HELLO;
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL)
        return -1;
    SSL_CTX_set_client_hello_cb(ctx, sni_cb, &res);
    SSL *s = SSL_new(ctx);
    BIO *rb = BIO_new_mem_buf(data, (int)len);
    BIO *wb = BIO_new(BIO_s_mem());
    if (s && rb && wb) {
        SSL_set_bio(s, rb, wb);
        rb = wb = NULL;
        (void)SSL_accept(s);
    }
    BIO_free(rb);
    BIO_free(wb);
    SSL_free(s);
    SSL_CTX_free(ctx);
    ERR_clear_error();
    if (res.found == 1) {
        snprintf(out, outlen, "%s", res.name);
        return 1;
    }
    return res.found == -1 ? 0 : -1;
}

static void tls_decide_hello(mcx_pcap_tls *t)
{
    t->hello_done = 1;
    t->sni_rc = mcx_pcap_tls_hello_sni(t->hello, t->hello_len, t->sni, sizeof t->sni);
    free(t->hello);
    t->hello = NULL;
}

static unsigned tls_client_data(mcx_pcap_tls *t, const uint8_t *data, size_t len)
{
    if (t->hello_done)
        return 0;
    if (t->hello == NULL && (t->hello = malloc(MCX_PCAP_TLS_MAX_HELLO)) == NULL)
        return 0;
    size_t room = MCX_PCAP_TLS_MAX_HELLO - t->hello_len;
    size_t n = len < room ? len : room;
    memcpy(t->hello + t->hello_len, data, n);
    t->hello_len += n;
    if (t->hello_len >= 5) {
        size_t rec = (size_t)t->hello[3] << 8 | t->hello[4];
        if (t->hello_len >= 5 + rec || t->hello_len == MCX_PCAP_TLS_MAX_HELLO) {
            tls_decide_hello(t);
            return MCX_PCAP_TLS_EV_HELLO;
        }
    }
    return 0;
}

/* ---- server flight: the Certificate message ---- */

static void tls_cert_stop(mcx_pcap_tls *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The scan ends: note why (offset and rule) and drop the buffers. */
static void tls_cert_stop(mcx_pcap_tls *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->note, sizeof t->note, fmt, ap);
    va_end(ap);
    t->cert_done = 1;
    free(t->rec);
    free(t->hs);
    t->rec = t->hs = NULL;
    t->rec_len = t->hs_len = 0;
}

static uint32_t be24(const uint8_t *p)
{
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

/* Parse the Certificate message body at hs[4 .. 4+mlen). */
static void tls_certificate(mcx_pcap_tls *t, const uint8_t *body, size_t mlen,
                            unsigned long long off)
{
    if (mlen < 3 || be24(body) > mlen - 3) {
        tls_cert_stop(t, "server stream offset %llu: Certificate message of %llu bytes: "
                      "certificate_list length %lu does not fit (RFC 5246 7.4.2)", off,
                      (unsigned long long)mlen, mlen >= 3 ? (unsigned long)be24(body) : 0ul);
        return;
    }
    size_t list = be24(body);
    if (list == 0) {
        tls_cert_stop(t, "server stream offset %llu: the server sent an empty "
                      "certificate_list", off);
        return;
    }
    if (list < 3 || be24(body + 3) > list - 3) {
        tls_cert_stop(t, "server stream offset %llu: first certificate length %llu exceeds "
                      "the certificate_list of %zu bytes (RFC 5246 7.4.2)", off,
                      list >= 3 ? (unsigned long long)be24(body + 3) : 0ull, list);
        return;
    }
    size_t clen = be24(body + 3);
    const unsigned char *p = body + 6;
    X509 *x = d2i_X509(NULL, &p, (long)clen);
    if (x == NULL || p != body + 6 + clen) {
        X509_free(x);
        ERR_clear_error();
        tls_cert_stop(t, "server stream offset %llu: the first certificate (%llu bytes) is "
                      "not one DER X.509 certificate", off, (unsigned long long)clen);
        return;
    }
    t->leaf = x;
    t->cert_done = 1;
    free(t->rec);
    free(t->hs);
    t->rec = t->hs = NULL;
    t->rec_len = t->hs_len = 0;
}

/* Walk the complete handshake messages in hs. */
static void tls_handshake_messages(mcx_pcap_tls *t, unsigned long long off)
{
    size_t pos = 0;
    while (!t->cert_done && t->hs_len - pos >= 4) {
        size_t mlen = be24(t->hs + pos + 1);
        if (mlen > MCX_PCAP_TLS_MAX_SERVER - 4) {
            tls_cert_stop(t, "server stream offset %llu: handshake message type %llu of %llu "
                          "bytes exceeds the bound MCX_PCAP_TLS_MAX_SERVER: not checked", off,
                          (unsigned long long)t->hs[pos], (unsigned long long)mlen);
            return;
        }
        if (t->hs_len - pos < 4 + mlen)
            break;
        if (t->hs[pos] == TLS_HS_CERTIFICATE) {
            tls_certificate(t, t->hs + pos + 4, mlen, off);
            return;
        }
        pos += 4 + mlen;
    }
    if (pos > 0 && !t->cert_done) {
        memmove(t->hs, t->hs + pos, t->hs_len - pos);
        t->hs_len -= pos;
    }
}

static unsigned tls_server_data(mcx_pcap_tls *t, const uint8_t *data, size_t len)
{
    if (t->cert_done)
        return 0;
    if (t->rec == NULL && (t->rec = malloc(TLS_MAX_RECORD + 5)) == NULL)
        return 0;
    while (len > 0 && !t->cert_done) {
        size_t room = TLS_MAX_RECORD + 5 - t->rec_len;
        size_t n = len < room ? len : room;
        memcpy(t->rec + t->rec_len, data, n);
        t->rec_len += n;
        data += n;
        len -= n;
        while (!t->cert_done && t->rec_len >= 5) {
            uint8_t type = t->rec[0];
            size_t rlen = (size_t)t->rec[3] << 8 | t->rec[4];
            unsigned long long off = t->offset;
            if (type == TLS_RECORD_CCS || type == TLS_RECORD_APPDATA) {
                tls_cert_stop(t, "server stream offset %llu: encrypted records begin before "
                              "any Certificate message: the certificate is not in clear "
                              "(TLS 1.3, or a resumed session)", off);
                break;
            }
            if (type == TLS_RECORD_ALERT) {
                tls_cert_stop(t, "server stream offset %llu: the server sent an alert before "
                              "its certificate", off);
                break;
            }
            if (type != TLS_RECORD_HANDSHAKE) {
                tls_cert_stop(t, "server stream offset %llu: record type %u is not a TLS "
                              "record type", off, (unsigned)type);
                break;
            }
            if (rlen > TLS_MAX_RECORD) {
                tls_cert_stop(t, "server stream offset %llu: record length %llu exceeds %d "
                              "(RFC 5246 6.2.3)", off, (unsigned long long)rlen, TLS_MAX_RECORD);
                break;
            }
            if (t->rec_len < 5 + rlen)
                break;
            if (t->hs == NULL && (t->hs = malloc(MCX_PCAP_TLS_MAX_SERVER)) == NULL)
                return 0;
            if (rlen > MCX_PCAP_TLS_MAX_SERVER - t->hs_len) {
                tls_cert_stop(t, "server stream offset %llu: more than %llu bytes of "
                              "handshake before the Certificate message: not checked",
                              off, (unsigned long long)MCX_PCAP_TLS_MAX_SERVER);
                break;
            }
            memcpy(t->hs + t->hs_len, t->rec + 5, rlen);
            t->hs_len += rlen;
            memmove(t->rec, t->rec + 5 + rlen, t->rec_len - 5 - rlen);
            t->rec_len -= 5 + rlen;
            t->offset += 5 + rlen;
            tls_handshake_messages(t, off);
        }
    }
    return t->cert_done ? MCX_PCAP_TLS_EV_CERT : 0;
}

unsigned mcx_pcap_tls_data(mcx_pcap_tls *t, int dir, const uint8_t *data, size_t len)
{
    if (t == NULL || len == 0)
        return 0;
    if (dir == 0)
        return tls_client_data(t, data, len);
    unsigned ev = 0;
    if (!t->hello_done && t->hello_len > 0) {
        tls_decide_hello(t); /* the server answered: the hello is whatever was sent */
        ev |= MCX_PCAP_TLS_EV_HELLO;
    }
    return ev | tls_server_data(t, data, len);
}

unsigned mcx_pcap_tls_finish(mcx_pcap_tls *t)
{
    unsigned ev = 0;
    if (t == NULL)
        return 0;
    if (!t->hello_done && t->hello_len > 0) {
        tls_decide_hello(t);
        ev |= MCX_PCAP_TLS_EV_HELLO;
    }
    if (!t->cert_done && (t->rec_len > 0 || t->hs_len > 0)) {
        tls_cert_stop(t, "server stream offset %llu: the capture ends inside the server's "
                      "handshake (%zu bytes buffered), before a Certificate message",
                      (unsigned long long)t->offset, t->rec_len + t->hs_len);
        ev |= MCX_PCAP_TLS_EV_CERT;
    }
    return ev;
}

int mcx_pcap_tls_sni(const mcx_pcap_tls *t, char *out, size_t len)
{
    if (t->sni_rc == 1)
        snprintf(out, len, "%s", t->sni);
    return t->sni_rc;
}

X509 *mcx_pcap_tls_leaf(const mcx_pcap_tls *t)
{
    return t->leaf;
}

const char *mcx_pcap_tls_note(const mcx_pcap_tls *t)
{
    return t->note;
}

void mcx_pcap_tls_check_cert(const mcx_pcap_tls *t, const char *where, mcx_report *rep)
{
    if (t->leaf == NULL) {
        mcx_report_step(rep, 0, MCX_STEP_INFO, 0, NULL, "TLS server certificate %s: not checked"
                        " (%s)", where, t->note[0] ? t->note : "not seen");
        return;
    }
    char desc[700];
    mcx_cert_describe(t->leaf, desc, sizeof desc);
    mcx_report_step(rep, 0, MCX_STEP_INFO, 0, NULL, "TLS server certificate %s: %s", where,
                    desc);
    if (t->sni_rc == 1)
        mcx_cert_name_finding(rep, t->leaf, t->sni, where);
}
