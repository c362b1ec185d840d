/*
 * cert_check.h -- certificates of a mobility deployment: loading a chain and
 * checking it against the role it serves (seed: "Certificate Requirements",
 * "Modifying Certificates for Mobility").
 *
 * Owns: loading PEM/DER certificate chains and private keys with errors that
 * name the file and the byte offset (lib/cert_load.c), the CT- rules over a
 * leaf + chain + trust store (lib/cert_check.c) and the remediation commands
 * (lib/cert_remedy.c). The checker takes OpenSSL objects, so a chain read
 * from a file and one obtained from a TLS handshake (SSL_get_peer_cert_chain)
 * go through the same function. Does not own: the TLS connection itself,
 * DNS, nor the topology model (topology.h).
 *
 * Name matching is X509_check_host with X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS
 * and X509_CHECK_FLAG_NEVER_CHECK_SUBJECT, i.e. RFC 6125 as OpenSSL does it:
 * a wildcard is the whole left-most label only ("*.contoso.test" covers
 * "lyncdiscover.contoso.test" but not "a.b.contoso.test" nor
 * "contoso.test"); no partial-label wildcards ("lync*.contoso.test" never
 * matches); a wildcard needs at least two labels after it ("*.test" never
 * matches); comparison is case-insensitive. A SAN written with a trailing dot
 * names the same DNS name and is accepted with a notice (CT-006); a name found
 * only in the subject CN is an error (CT-005): mobile clients match SANs.
 */
#ifndef MCX_CERT_CHECK_H
#define MCX_CERT_CHECK_H

#include <stddef.h>
#include <time.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "mcx/report.h"
#include "mcx/topology.h"

/* Largest certificate or key file accepted, in bytes. */
#define MCX_CERT_MAX_BYTES (1024 * 1024)

/* ---- loading (lib/cert_load.c) ----------------------------------------- */

/* Load every certificate of a PEM file (CERTIFICATE blocks, in file order;
 * private key blocks are skipped) or of a DER file (one or more concatenated
 * certificates). `name` is used in errors. On success return 0 and set *out
 * (never empty; free with sk_X509_pop_free(*out, X509_free)). On failure
 * return -1 and fill `err`: file = name, line = the PEM line when known, rule
 * "pem" / "der" / "input", and a message naming the byte offset. */
int mcx_cert_load_memory(const char *name, const unsigned char *data, size_t len,
                         STACK_OF(X509) **out, mcx_error *err);
/* The same for a file (at most MCX_CERT_MAX_BYTES; empty or missing files
 * are errors naming the file). */
int mcx_cert_load_file(const char *path, STACK_OF(X509) **out, mcx_error *err);

/* Load a private key (PEM or DER). NULL and `err` filled on failure. */
EVP_PKEY *mcx_cert_load_key_file(const char *path, mcx_error *err);

/* Load a trust store from a PEM/DER file of CA certificates. NULL and `err`
 * filled on failure. */
X509_STORE *mcx_cert_load_store_file(const char *path, mcx_error *err);

/* ---- checking (lib/cert_check.c) --------------------------------------- */

typedef enum {
    MCX_CERT_ROLE_DIRECTOR = 0,
    MCX_CERT_ROLE_FRONTEND = 1,
    MCX_CERT_ROLE_REVERSE_PROXY = 2
} mcx_cert_role;

/* The kind of the public lyncdiscover.<d> record (seed: "DNS Requirements"). */
typedef enum {
    MCX_EXTERNAL_RECORD_CNAME = 0,
    MCX_EXTERNAL_RECORD_A = 1
} mcx_external_record;

/* "director", "frontend", "reverse-proxy" <-> enum; -1 on an unknown name. */
int mcx_cert_role_parse(const char *s, mcx_cert_role *out);
const char *mcx_cert_role_name(mcx_cert_role role);

typedef struct mcx_cert_input {
    X509 *leaf;                   /* required */
    STACK_OF(X509) *chain;        /* untrusted intermediates, may be NULL */
    X509_STORE *trust;            /* NULL: OpenSSL's default (system) paths */
    EVP_PKEY *key;                /* may be NULL: else must match the leaf */
    mcx_cert_role role;
    const char *const *sip_domains; /* lower/upper case, trailing dot: all fine */
    size_t nsip_domains;
    const mcx_topology *topology; /* may be NULL: no web services names */
    const mcx_pool *pool;         /* Director/Front End: the pool of `topology`
                                   * whose names must be covered, may be NULL */
    mcx_external_record external_record;
    const mcx_external_record *external_records; /* per SIP domain (parallel to
                                   * sip_domains), NULL: external_record for all */
    time_t at;                    /* the verification time */
    const char *subject;          /* what was checked (a file, host:port) */
    const char *issuing_ca;       /* -Ca for Request-CsCertificate, NULL: "<ca>" */
} mcx_cert_input;

/* How a certificate covers one DNS name. */
typedef enum {
    MCX_CERT_MATCH_NONE = 0,
    MCX_CERT_MATCH_EXACT,       /* a dNSName SAN equal to the name */
    MCX_CERT_MATCH_WILDCARD,    /* a *.<parent> dNSName SAN */
    MCX_CERT_MATCH_TRAILING_DOT,/* a SAN equal to the name plus a final '.' */
    MCX_CERT_MATCH_CN_ONLY      /* only the subject CN names it (no dNSName SAN) */
} mcx_cert_match;

/* Match `name` (case-insensitive, a trailing dot ignored) against `cert`.
 * When `matched` is not NULL it receives the SAN or CN that matched ("" for
 * none), truncated to `len`. */
mcx_cert_match mcx_cert_match_name(X509 *cert, const char *name, char *matched, size_t len);

/* The pool a Director or Front End certificate serves: `pool_id` when given
 * (it must exist and have that role), else the only pool of that role. NULL
 * with `why` filled (for a usage error) otherwise; NULL and why "" for the
 * reverse proxy. */
const mcx_pool *mcx_cert_topology_pool(const mcx_topology *t, mcx_cert_role role,
                                       const char *pool_id, char *why, size_t whylen);

/* Run every CT- rule and add findings to `r` in a fixed order. Returns 0, or
 * -1 on an internal error (a CT-000 finding is added). */
int mcx_cert_check(const mcx_cert_input *in, mcx_report *r);

/* The SHA-1 thumbprint Windows shows (40 upper-case hex digits), into
 * buf[41]. 0, or -1 on error. */
int mcx_cert_thumbprint(X509 *cert, char buf[41]);

/* ---- remediation (lib/cert_remedy.c) ----------------------------------- */

/* Which certificate use (Set-CsCertificate -Type) a name belongs to. */
typedef enum {
    MCX_CERT_USE_DEFAULT = 0,          /* pool FQDN */
    MCX_CERT_USE_WEB_INTERNAL = 1,     /* internal web services, lyncdiscoverinternal */
    MCX_CERT_USE_WEB_EXTERNAL = 2      /* external web services, lyncdiscover */
} mcx_cert_use;

const char *mcx_cert_use_name(mcx_cert_use use); /* "Default", ... */

/* The concrete fix for a Director or Front End certificate of use `use`
 * that misses names: the Request-CsCertificate -New command and the
 * Set-CsCertificate follow-up. For the web services uses the Autodiscover
 * names of every SIP domain are requested: -AllSipDomain with a single SIP
 * domain, else (the seed: -AllSipDomain cannot be used with many SIP
 * domains) -DomainName "<prefix>.<d1>, <prefix>.<d2>". The other names
 * (pool and web services FQDNs) come from the topology with -New -Type.
 * `thumbprint` is the checked certificate's. malloc'd, NULL on ENOMEM. */
char *mcx_cert_remedy_lync(mcx_cert_use use, const char *issuing_ca,
                           const char *const *sip_domains, size_t nsip_domains,
                           const char *thumbprint);
/* The SAN list to request from the public CA for the reverse proxy: the
 * names to add and every SAN the certificate already has, except a wildcard
 * no client matches (partial label, *.<tld>: dropped, and said so).
 * malloc'd. */
char *mcx_cert_remedy_reverse_proxy(const char *const *missing, size_t nmissing,
                                    const char *const *present, size_t npresent);

/* ---- live TLS (lib/cert_connect.c; added by engineer "tls-live") ------- */

/* modern: TLS 1.2..1.3. compat: TLS 1.0..1.3 with every cipher, to
 * diagnose legacy reverse proxies. Both capture the chain at security
 * level 0 (the CT- rules judge it, not the handshake). */
typedef enum {
    MCX_TLS_PROFILE_MODERN = 0,
    MCX_TLS_PROFILE_COMPAT = 1
} mcx_tls_profile;

int mcx_tls_profile_parse(const char *s, mcx_tls_profile *out); /* -1: unknown */
const char *mcx_tls_profile_name(mcx_tls_profile p);

typedef enum {
    MCX_TLS_OK = 0,       /* handshake completed, a chain was presented */
    MCX_TLS_E_RESOLVE,    /* host did not resolve */
    MCX_TLS_E_CONNECT,    /* TCP connect refused / unreachable */
    MCX_TLS_E_TIMEOUT,    /* TCP connect or handshake stalled past the timeout */
    MCX_TLS_E_PLAIN_HTTP, /* the server answered the ClientHello with HTTP */
    MCX_TLS_E_VERSION,    /* no protocol version in common with the profile */
    MCX_TLS_E_HANDSHAKE,  /* any other handshake failure (alert, garbage, close) */
    MCX_TLS_E_INTERNAL
} mcx_tls_result;

const char *mcx_tls_result_name(mcx_tls_result r);

typedef struct mcx_tls_probe {
    mcx_tls_profile profile;
    mcx_tls_result result;
    char error[256];       /* what failed, without timings */
    int sni_sent;
    char version[16];      /* "TLSv1.3" when result is OK */
    int version_number;    /* TLS1_2_VERSION, ... */
    char cipher[64];
    STACK_OF(X509) *chain; /* as presented, leaf first; NULL unless OK */
} mcx_tls_probe;

/* One handshake with host:port, sending `sni` (NULL or "": none) as a
 * phone does, waiting at most timeout_ms (<= 0: 10000) for TCP connect and
 * handshake together. Certificates are not verified here. Returns 0 (result
 * OK) or -1; always fills `out` (free with mcx_tls_probe_free). */
int mcx_tls_probe_run(const char *host, const char *port, const char *sni,
                      mcx_tls_profile profile, long timeout_ms, mcx_tls_probe *out);
void mcx_tls_probe_free(mcx_tls_probe *p);

/* What each profile of `profile` sees at host:port with `sni` (NULL: none):
 * a modern probe, and with compat a second, compat one. Each adds a step at
 * `depth` to `r`: "TLS <where> <profile> (SNI <sni>): <version>, cipher
 * <cipher>, N certificate(s) presented" and one sub-step per certificate
 * (subject, issuer, thumbprint), or the failure. probes[0..1] are filled
 * (free both). Returns the index of the first probe that presented a
 * chain, or -1. `where` may be NULL (nothing printed for it). */
int mcx_tls_probe_profiles(const char *host, const char *port, const char *sni,
                           const char *where, mcx_tls_profile profile, long timeout_ms,
                           mcx_report *r, int depth, mcx_tls_probe probes[2]);
/* With no chain (chosen < 0): the probe whose failure to report -- modern's,
 * unless it found no common version and compat got further. */
const mcx_tls_probe *mcx_tls_probe_failure(const mcx_tls_probe probes[2]);
/* CT-022 when the probe that presented the chain negotiated below TLS 1.2
 * or the modern probe found no common version: the finding (subject
 * `target`), else NULL. */
mcx_finding *mcx_tls_legacy_finding(mcx_report *r, const mcx_tls_probe probes[2], int chosen,
                                    const char *target);

/* "subject /O=../CN=.., issuer /.., thumbprint HEX" into buf. */
void mcx_cert_describe(X509 *cert, char *buf, size_t len);

/* CT-021: when `leaf` does not cover `name` (the SNI a client sent), add the
 * finding with the SAN to add and the certificate to fix; `where` names the
 * connection ("host:port" or a URL; NULL: the name). NULL when covered. */
mcx_finding *mcx_cert_name_finding(mcx_report *r, X509 *leaf, const char *name,
                                   const char *where);

#endif
