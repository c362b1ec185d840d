/*
 * cert_load.c -- reading certificate chains, trust stores and private keys
 * from PEM or DER bytes with OpenSSL.
 *
 * Owns: telling PEM from DER, walking PEM blocks (PEM_read_bio) and
 * concatenated DER certificates (ASN1_get_object for the element bounds,
 * d2i_X509 for the certificate), and errors that name the file, the PEM line
 * and the byte offset of what could not be read. Does not own: any rule
 * about the certificates (cert_check.c). No ASN.1 is decoded by hand.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "mcx/cert_check.h"

/* The last OpenSSL error as text ("" when none); clears the queue. */
static const char *load_ssl_reason(char *buf, size_t len)
{
    unsigned long e = ERR_peek_last_error();
    buf[0] = '\0';
    if (e) {
        const char *reason = ERR_reason_error_string(e);
        snprintf(buf, len, "%s", reason ? reason : "unknown OpenSSL error");
    }
    ERR_clear_error();
    return buf;
}

static int load_line_of(const unsigned char *data, size_t off)
{
    int line = 1;
    for (size_t i = 0; i < off; i++)
        if (data[i] == '\n')
            line++;
    return line;
}

/* Offset of the next "-----BEGIN" at or after `from`, or `len`. */
static size_t load_next_begin(const unsigned char *data, size_t len, size_t from)
{
    static const char tag[] = "-----BEGIN";
    if (from >= len)
        return len;
    const unsigned char *p = memmem(data + from, len - from, tag, sizeof tag - 1);
    return p ? (size_t)(p - data) : len;
}

static int load_is_cert_block(const char *name)
{
    return strcmp(name, PEM_STRING_X509) == 0 || strcmp(name, PEM_STRING_X509_OLD) == 0 ||
           strcmp(name, PEM_STRING_X509_TRUSTED) == 0;
}

static int load_pem(const char *name, const unsigned char *data, size_t len,
                    STACK_OF(X509) *certs, mcx_error *err)
{
    char reason[256];
    char skipped[64] = "";
    int skipped_line = 0;
    BIO *bio = BIO_new_mem_buf(data, (int)len);
    if (!bio) {
        mcx_error_set(err, name, 0, "input", "out of memory");
        return -1;
    }
    for (;;) {
        size_t pos = len - (size_t)BIO_pending(bio);
        size_t begin = load_next_begin(data, len, pos);
        char *block_name = NULL, *header = NULL;
        unsigned char *der = NULL;
        long der_len = 0;
        if (begin >= len) /* only trailing text left */
            break;
        if (!PEM_read_bio(bio, &block_name, &header, &der, &der_len)) {
            mcx_error_set(err, name, load_line_of(data, begin), "pem",
                          "byte %zu: unreadable PEM block: %s", begin,
                          load_ssl_reason(reason, sizeof reason));
            BIO_free(bio);
            return -1;
        }
        int line = load_line_of(data, begin);
        if (load_is_cert_block(block_name)) {
            const unsigned char *p = der;
            X509 *x = strcmp(block_name, PEM_STRING_X509_TRUSTED) == 0
                          ? d2i_X509_AUX(NULL, &p, der_len)
                          : d2i_X509(NULL, &p, der_len);
            if (!x || p != der + der_len) {
                if (x)
                    mcx_error_set(err, name, line, "pem",
                                  "byte %zu: %s block: %ld bytes after the certificate's DER",
                                  begin, block_name, (long)(der + der_len - p));
                else
                    mcx_error_set(err, name, line, "pem",
                                  "byte %zu: %s block is not an X.509 certificate "
                                  "(DER byte %ld): %s",
                                  begin, block_name, (long)(p - der),
                                  load_ssl_reason(reason, sizeof reason));
                X509_free(x);
                OPENSSL_free(block_name);
                OPENSSL_free(header);
                OPENSSL_free(der);
                BIO_free(bio);
                return -1;
            }
            if (!sk_X509_push(certs, x)) {
                X509_free(x);
                mcx_error_set(err, name, line, "input", "out of memory");
                OPENSSL_free(block_name);
                OPENSSL_free(header);
                OPENSSL_free(der);
                BIO_free(bio);
                return -1;
            }
        } else if (!skipped[0]) {
            snprintf(skipped, sizeof skipped, "%s", block_name);
            skipped_line = line;
        }
        OPENSSL_free(block_name);
        OPENSSL_free(header);
        OPENSSL_free(der);
    }
    BIO_free(bio);
    ERR_clear_error();
    if (sk_X509_num(certs) == 0) {
        if (skipped[0])
            mcx_error_set(err, name, skipped_line, "pem",
                          "no CERTIFICATE block; the first block is '%s' (a key file "
                          "where a certificate was expected?)",
                          skipped);
        else
            mcx_error_set(err, name, 0, "pem", "no CERTIFICATE block");
        return -1;
    }
    return 0;
}

static int load_der(const char *name, const unsigned char *data, size_t len,
                    STACK_OF(X509) *certs, mcx_error *err)
{
    char reason[256];
    size_t off = 0;
    while (off < len) {
        const unsigned char *p = data + off;
        long content_len = 0;
        int tag = 0, cls = 0;
        size_t avail = len - off;
        long avail_l = avail > (size_t)0x7fffffff ? 0x7fffffff : (long)avail;
        int ret = ASN1_get_object(&p, &content_len, &tag, &cls, avail_l);
        if (ret & 0x80) {
            unsigned long e = ERR_peek_last_error();
            if (ERR_GET_REASON(e) == ASN1_R_TOO_LONG && p > data + off)
                mcx_error_set(err, name, 0, "der",
                              "byte %zu: truncated DER: the element declares %ld content "
                              "bytes, only %zu present",
                              off, content_len, (size_t)(data + len - p));
            else
                mcx_error_set(err, name, 0, "der", "byte %zu: malformed DER header: %s", off,
                              load_ssl_reason(reason, sizeof reason));
            ERR_clear_error();
            return -1;
        }
        if (ret == 0x21 || tag != V_ASN1_SEQUENCE || cls != V_ASN1_UNIVERSAL) {
            mcx_error_set(err, name, 0, "der",
                          "byte %zu: expected a definite-length ASN.1 SEQUENCE (an X.509 "
                          "certificate), found tag %d class %d",
                          off, tag, cls);
            return -1;
        }
        size_t total = (size_t)(p - (data + off)) + (size_t)content_len;
        const unsigned char *q = data + off;
        X509 *x = d2i_X509(NULL, &q, (long)total);
        if (!x || q != data + off + total) {
            mcx_error_set(err, name, 0, "der",
                          "byte %zu: the SEQUENCE is not an X.509 certificate: %s", off,
                          load_ssl_reason(reason, sizeof reason));
            X509_free(x);
            return -1;
        }
        if (!sk_X509_push(certs, x)) {
            X509_free(x);
            mcx_error_set(err, name, 0, "input", "out of memory");
            return -1;
        }
        off += total;
    }
    return 0;
}

int mcx_cert_load_memory(const char *name, const unsigned char *data, size_t len,
                         STACK_OF(X509) **out, mcx_error *err)
{
    *out = NULL;
    if (!name)
        name = "<memory>";
    if (len == 0) {
        mcx_error_set(err, name, 0, "input", "empty: no certificate");
        return -1;
    }
    if (len > MCX_CERT_MAX_BYTES) {
        mcx_error_set(err, name, 0, "input", "larger than %d bytes", MCX_CERT_MAX_BYTES);
        return -1;
    }
    STACK_OF(X509) *certs = sk_X509_new_null();
    if (!certs) {
        mcx_error_set(err, name, 0, "input", "out of memory");
        return -1;
    }
    int rc;
    if (load_next_begin(data, len, 0) < len) {
        rc = load_pem(name, data, len, certs, err);
    } else if (data[0] == 0x30) {
        rc = load_der(name, data, len, certs, err);
    } else {
        mcx_error_set(err, name, 0, "input",
                      "byte 0: neither PEM (no '-----BEGIN' line) nor DER (0x%02x is not "
                      "an ASN.1 SEQUENCE)",
                      data[0]);
        rc = -1;
    }
    ERR_clear_error();
    if (rc != 0) {
        sk_X509_pop_free(certs, X509_free);
        return -1;
    }
    *out = certs;
    return 0;
}

/* Read a whole file (at most MCX_CERT_MAX_BYTES). */
static unsigned char *load_read_file(const char *path, size_t *len, mcx_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        mcx_error_set(err, path, 0, "input", "cannot open: %s", strerror(errno));
        return NULL;
    }
    unsigned char *buf = malloc(MCX_CERT_MAX_BYTES + 1);
    if (!buf) {
        fclose(f);
        mcx_error_set(err, path, 0, "input", "out of memory");
        return NULL;
    }
    size_t n = fread(buf, 1, MCX_CERT_MAX_BYTES + 1, f);
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        free(buf);
        mcx_error_set(err, path, 0, "input", "read error");
        return NULL;
    }
    if (n > MCX_CERT_MAX_BYTES) {
        free(buf);
        mcx_error_set(err, path, 0, "input", "larger than %d bytes", MCX_CERT_MAX_BYTES);
        return NULL;
    }
    *len = n;
    return buf;
}

int mcx_cert_load_file(const char *path, STACK_OF(X509) **out, mcx_error *err)
{
    size_t len = 0;
    *out = NULL;
    unsigned char *buf = load_read_file(path, &len, err);
    if (!buf)
        return -1;
    int rc = mcx_cert_load_memory(path, buf, len, out, err);
    free(buf);
    return rc;
}

EVP_PKEY *mcx_cert_load_key_file(const char *path, mcx_error *err)
{
    char reason[256];
    size_t len = 0;
    unsigned char *buf = load_read_file(path, &len, err);
    if (!buf)
        return NULL;
    EVP_PKEY *key = NULL;
    if (len == 0) {
        mcx_error_set(err, path, 0, "input", "empty: no private key");
    } else if (load_next_begin(buf, len, 0) < len) {
        BIO *bio = BIO_new_mem_buf(buf, (int)len);
        if (bio)
            key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
        BIO_free(bio);
        if (!key)
            mcx_error_set(err, path, 0, "pem", "no readable private key: %s",
                          load_ssl_reason(reason, sizeof reason));
    } else {
        const unsigned char *p = buf;
        key = d2i_AutoPrivateKey(NULL, &p, (long)len);
        if (!key)
            mcx_error_set(err, path, 0, "der", "byte 0: not a DER private key: %s",
                          load_ssl_reason(reason, sizeof reason));
    }
    ERR_clear_error();
    free(buf);
    return key;
}

X509_STORE *mcx_cert_load_store_file(const char *path, mcx_error *err)
{
    STACK_OF(X509) *certs = NULL;
    if (mcx_cert_load_file(path, &certs, err) != 0)
        return NULL;
    X509_STORE *store = X509_STORE_new();
    if (!store) {
        sk_X509_pop_free(certs, X509_free);
        mcx_error_set(err, path, 0, "input", "out of memory");
        return NULL;
    }
    for (int i = 0; i < sk_X509_num(certs); i++) {
        if (!X509_STORE_add_cert(store, sk_X509_value(certs, i))) {
            unsigned long e = ERR_peek_last_error();
            if (ERR_GET_REASON(e) != X509_R_CERT_ALREADY_IN_HASH_TABLE) {
                char reason[256];
                mcx_error_set(err, path, 0, "input", "certificate %d: cannot add to store: %s",
                              i + 1, load_ssl_reason(reason, sizeof reason));
                X509_STORE_free(store);
                sk_X509_pop_free(certs, X509_free);
                return NULL;
            }
        }
    }
    ERR_clear_error();
    sk_X509_pop_free(certs, X509_free);
    return store;
}
