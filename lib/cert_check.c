/*
 * cert_check.c -- the CT- rules: does a server certificate chain suit the
 * mobility role it serves (seed: "Certificate Requirements", "Modifying
 * Certificates for Mobility")?
 *
 * Owns: the names each role's certificate must cover (Autodiscover names per
 * SIP domain, web services names from the topology), name matching through
 * X509_check_host (rules documented in include/mcx/cert_check.h), chain
 * verification at a given time (X509_verify_cert), validity, EKU, key size,
 * signature algorithm, CRL distribution point and key match. Does not own:
 * loading (cert_load.c), the remediation text (cert_remedy.c), the TLS
 * handshake that may have produced the chain, nor any I/O.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "mcx/cert_check.h"

#define CHECK_NAME_MAX 256
#define CHECK_MAX_VERIFY_ERRORS 16

static const char *const check_role_names[] = {"director", "frontend", "reverse-proxy"};

int mcx_cert_role_parse(const char *s, mcx_cert_role *out)
{
    for (size_t i = 0; i < sizeof check_role_names / sizeof check_role_names[0]; i++) {
        if (s && strcmp(s, check_role_names[i]) == 0) {
            *out = (mcx_cert_role)i;
            return 0;
        }
    }
    return -1;
}

const char *mcx_cert_role_name(mcx_cert_role role)
{
    if ((size_t)role < sizeof check_role_names / sizeof check_role_names[0])
        return check_role_names[role];
    return "unknown";
}

int mcx_cert_thumbprint(X509 *cert, char buf[41])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    buf[0] = '\0';
    if (!X509_digest(cert, EVP_sha1(), md, &n) || n != 20)
        return -1;
    for (unsigned int i = 0; i < n; i++)
        snprintf(buf + 2 * i, 3, "%02X", md[i]);
    return 0;
}

/* Lower-case `in` and drop one trailing dot; -1 if empty or too long. */
static int check_normalise(const char *in, char *out, size_t len)
{
    size_t n = in ? strlen(in) : 0;
    if (n > 1 && in[n - 1] == '.')
        n--;
    if (n == 0 || n >= len)
        return -1;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)tolower((unsigned char)in[i]);
    out[n] = '\0';
    return 0;
}

static void check_copy(char *dst, size_t len, const char *src)
{
    if (dst && len)
        snprintf(dst, len, "%s", src ? src : "");
}

/* A certificate holding only the dNSName SANs of `cert` that end in '.',
 * without the dot; NULL when there is none. Matching against it keeps all
 * name comparison inside X509_check_host. */
static X509 *check_trailing_dot_copy(X509 *cert)
{
    GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    GENERAL_NAMES *stripped = NULL;
    X509 *copy = NULL;
    if (!gens)
        return NULL;
    stripped = sk_GENERAL_NAME_new_null();
    for (int i = 0; stripped && i < sk_GENERAL_NAME_num(gens); i++) {
        const GENERAL_NAME *gn = sk_GENERAL_NAME_value(gens, i);
        if (gn->type != GEN_DNS)
            continue;
        const unsigned char *d = ASN1_STRING_get0_data(gn->d.dNSName);
        int n = ASN1_STRING_length(gn->d.dNSName);
        if (n < 2 || d[n - 1] != '.')
            continue;
        GENERAL_NAME *ngn = GENERAL_NAME_new();
        ASN1_IA5STRING *s = ASN1_IA5STRING_new();
        if (!ngn || !s || !ASN1_STRING_set(s, d, n - 1)) {
            GENERAL_NAME_free(ngn);
            ASN1_IA5STRING_free(s);
            continue;
        }
        GENERAL_NAME_set0_value(ngn, GEN_DNS, s);
        if (!sk_GENERAL_NAME_push(stripped, ngn))
            GENERAL_NAME_free(ngn);
    }
    if (stripped && sk_GENERAL_NAME_num(stripped) > 0) {
        copy = X509_new();
        if (copy && !X509_add1_ext_i2d(copy, NID_subject_alt_name, stripped, 0,
                                       X509V3_ADD_DEFAULT)) {
            X509_free(copy);
            copy = NULL;
        }
    }
    GENERAL_NAMES_free(stripped);
    GENERAL_NAMES_free(gens);
    return copy;
}

mcx_cert_match mcx_cert_match_name(X509 *cert, const char *name, char *matched, size_t len)
{
    const unsigned int san_flags =
        X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT;
    char norm[CHECK_NAME_MAX];
    char *peer = NULL;
    mcx_cert_match result = MCX_CERT_MATCH_NONE;

    check_copy(matched, len, "");
    if (!cert || check_normalise(name, norm, sizeof norm) != 0)
        return MCX_CERT_MATCH_NONE;
    if (X509_check_host(cert, norm, 0, san_flags, &peer) == 1) {
        result = peer && peer[0] == '*' ? MCX_CERT_MATCH_WILDCARD : MCX_CERT_MATCH_EXACT;
    } else {
        X509 *copy = check_trailing_dot_copy(cert);
        if (copy && X509_check_host(copy, norm, 0, san_flags, &peer) == 1) {
            result = MCX_CERT_MATCH_TRAILING_DOT;
            if (peer && matched && len) {
                snprintf(matched, len, "%s.", peer);
                OPENSSL_free(peer);
                peer = NULL;
            }
        } else if (X509_check_host(cert, norm, 0, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS,
                                   &peer) == 1) {
            /* Only reachable through the subject CN: no dNSName SAN matched. */
            result = MCX_CERT_MATCH_CN_ONLY;
        }
        X509_free(copy);
    }
    if (peer)
        check_copy(matched, len, peer);
    OPENSSL_free(peer);
    ERR_clear_error();
    return result;
}

const mcx_pool *mcx_cert_topology_pool(const mcx_topology *t, mcx_cert_role role,
                                       const char *pool_id, char *why, size_t whylen)
{
    const mcx_pool *found = NULL;
    size_t count = 0;
    int want_director = role == MCX_CERT_ROLE_DIRECTOR;
    check_copy(why, whylen, "");
    if (!t || role == MCX_CERT_ROLE_REVERSE_PROXY)
        return NULL;
    if (pool_id) {
        found = mcx_topology_find_pool(t, pool_id);
        if (!found)
            snprintf(why, whylen, "pool '%s' is not in topology %s", pool_id, t->source);
        else if (found->is_director != want_director) {
            snprintf(why, whylen, "pool '%s' in %s is not a %s pool", pool_id, t->source,
                     want_director ? "Director" : "Front End");
            found = NULL;
        }
        return found;
    }
    for (size_t i = 0; i < t->npools; i++) {
        if (t->pools[i].is_director == want_director) {
            if (!found)
                found = &t->pools[i];
            count++;
        }
    }
    if (count == 0)
        snprintf(why, whylen, "topology %s has no %s pool", t->source,
                 want_director ? "Director" : "Front End");
    else if (count > 1)
        snprintf(why, whylen, "topology %s has %zu %s pools: name one with --pool", t->source,
                 count, want_director ? "Director" : "Front End");
    return count == 1 ? found : NULL;
}

/* ---- required names ---------------------------------------------------- */

typedef struct check_name {
    char name[CHECK_NAME_MAX];
    const char *id;        /* finding when not covered */
    const char *subject;   /* SIP domain or topology item the name comes from */
    mcx_cert_use use;
    const char *what;      /* "internal Autodiscover name", ... */
    mcx_cert_match match;
    char matched[CHECK_NAME_MAX];
} check_name;

typedef struct check_names {
    check_name *items;
    size_t n, cap;
} check_names;

static int check_names_add(check_names *l, const char *prefix, const char *name,
                           const char *id, const char *subject, mcx_cert_use use,
                           const char *what)
{
    char full[CHECK_NAME_MAX], norm[CHECK_NAME_MAX];
    if (!name)
        return 0;
    if (snprintf(full, sizeof full, "%s%s", prefix, name) >= (int)sizeof full ||
        check_normalise(full, norm, sizeof norm) != 0)
        return 0; /* no DNS name is this long; nothing can cover it */
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].name, norm) == 0)
            return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        check_name *items = realloc(l->items, cap * sizeof *items);
        if (!items)
            return -1;
        l->items = items;
        l->cap = cap;
    }
    check_name *c = &l->items[l->n++];
    memset(c, 0, sizeof *c);
    memcpy(c->name, norm, strlen(norm) + 1);
    c->id = id;
    c->subject = subject;
    c->use = use;
    c->what = what;
    return 0;
}

static int check_collect_names(const mcx_cert_input *in, check_names *l)
{
    int rc = 0;
    int rp = in->role == MCX_CERT_ROLE_REVERSE_PROXY;
    for (size_t i = 0; i < in->nsip_domains && rc == 0; i++) {
        const char *d = in->sip_domains[i];
        mcx_external_record rec =
            in->external_records ? in->external_records[i] : in->external_record;
        int skip_external = in->role == MCX_CERT_ROLE_DIRECTOR && rec == MCX_EXTERNAL_RECORD_A;
        if (rp) {
            rc = check_names_add(l, "lyncdiscover.", d, "CT-003", d, MCX_CERT_USE_WEB_EXTERNAL,
                                 "external Autodiscover name");
            continue;
        }
        rc = check_names_add(l, "lyncdiscoverinternal.", d, "CT-001", d,
                             MCX_CERT_USE_WEB_INTERNAL, "internal Autodiscover name");
        /* Seed, "Modifying Certificates for Mobility": with an A record for
         * the external name, Set-CsCertificate on a Director does not warn
         * about lyncdiscover.<sipdomain>. Front End pools get no exception. */
        if (rc == 0 && !skip_external)
            rc = check_names_add(l, "lyncdiscover.", d, "CT-002", d, MCX_CERT_USE_WEB_EXTERNAL,
                                 "external Autodiscover name");
    }
    if (rc == 0 && in->pool) {
        const mcx_pool *p = in->pool;
        rc = check_names_add(l, "", p->id, "CT-004", p->id, MCX_CERT_USE_DEFAULT, "pool FQDN");
        if (rc == 0)
            rc = check_names_add(l, "", p->internal_web_fqdn, "CT-004", p->id,
                                 MCX_CERT_USE_WEB_INTERNAL, "internal web services FQDN");
        if (rc == 0)
            rc = check_names_add(l, "", p->external_web_fqdn, "CT-004", p->id,
                                 MCX_CERT_USE_WEB_EXTERNAL, "external web services FQDN");
    }
    if (rc == 0 && rp && in->topology) {
        /* What clients reach through the proxy: every pool's external web
         * services FQDN (the proxy's own name is not a mobility URL). */
        const mcx_topology *t = in->topology;
        for (size_t i = 0; i < t->npools && rc == 0; i++)
            rc = check_names_add(l, "", t->pools[i].external_web_fqdn, "CT-004",
                                 t->pools[i].id, MCX_CERT_USE_WEB_EXTERNAL,
                                 "published external web services FQDN");
    }
    return rc;
}

/* Every dNSName SAN of `cert`, for the reverse proxy's SAN list. */
static char **check_san_list(X509 *cert, size_t *n)
{
    GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    char **out = NULL;
    *n = 0;
    if (!gens)
        return NULL;
    out = calloc((size_t)sk_GENERAL_NAME_num(gens) + 1, sizeof *out);
    for (int i = 0; out && i < sk_GENERAL_NAME_num(gens); i++) {
        const GENERAL_NAME *gn = sk_GENERAL_NAME_value(gens, i);
        if (gn->type != GEN_DNS)
            continue;
        const unsigned char *d = ASN1_STRING_get0_data(gn->d.dNSName);
        int len = ASN1_STRING_length(gn->d.dNSName);
        char *s = malloc((size_t)len + 1);
        if (!s)
            break;
        for (int k = 0; k < len; k++)
            s[k] = d[k] >= 0x20 && d[k] < 0x7f ? (char)tolower(d[k]) : '?';
        s[len] = '\0';
        out[(*n)++] = s;
    }
    GENERAL_NAMES_free(gens);
    return out;
}

static void check_free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

static const char *check_match_desc(mcx_cert_match m)
{
    switch (m) {
    case MCX_CERT_MATCH_CN_ONLY: return "only by the subject CN";
    case MCX_CERT_MATCH_TRAILING_DOT: return "by a SAN with a trailing dot";
    case MCX_CERT_MATCH_WILDCARD: return "by a wildcard SAN";
    case MCX_CERT_MATCH_EXACT: return "by a SAN";
    default: return "by no name";
    }
}

static const char *check_role_label(mcx_cert_role role)
{
    switch (role) {
    case MCX_CERT_ROLE_DIRECTOR: return "Director pool";
    case MCX_CERT_ROLE_FRONTEND: return "Front End pool";
    case MCX_CERT_ROLE_REVERSE_PROXY: return "reverse proxy";
    }
    return "server";
}

static int check_names_rule(const mcx_cert_input *in, mcx_report *r, const char *thumb)
{
    check_names l = {0};
    size_t nsans = 0;
    char **sans = NULL;
    char *rp_remedy = NULL;
    char *lync_remedy[3] = {NULL, NULL, NULL};
    int rc = check_collect_names(in, &l);
    if (rc != 0)
        goto done;
    for (size_t i = 0; i < l.n; i++)
        l.items[i].match = mcx_cert_match_name(in->leaf, l.items[i].name, l.items[i].matched,
                                               sizeof l.items[i].matched);
    if (in->role == MCX_CERT_ROLE_REVERSE_PROXY) {
        const char **missing = calloc(l.n + 1, sizeof *missing);
        size_t nmissing = 0;
        if (!missing) {
            rc = -1;
            goto done;
        }
        for (size_t i = 0; i < l.n; i++)
            if (l.items[i].match == MCX_CERT_MATCH_NONE ||
                l.items[i].match == MCX_CERT_MATCH_CN_ONLY)
                missing[nmissing++] = l.items[i].name;
        sans = check_san_list(in->leaf, &nsans);
        if (nmissing)
            rp_remedy = mcx_cert_remedy_reverse_proxy(missing, nmissing,
                                                      (const char *const *)sans, nsans);
        free(missing);
    }
    for (size_t i = 0; i < l.n; i++) {
        const check_name *c = &l.items[i];
        const char *id = NULL;
        mcx_finding *f;
        switch (c->match) {
        case MCX_CERT_MATCH_NONE: id = c->id; break;
        case MCX_CERT_MATCH_CN_ONLY: id = "CT-005"; break;
        case MCX_CERT_MATCH_TRAILING_DOT: id = "CT-006"; break;
        case MCX_CERT_MATCH_WILDCARD: id = "CT-007"; break;
        case MCX_CERT_MATCH_EXACT: continue;
        }
        if (c->match == MCX_CERT_MATCH_NONE)
            f = mcx_report_add(r, id, "%s (%s certificate): no subjectAltName covers the %s %s",
                               in->subject, check_role_label(in->role), c->what, c->name);
        else
            f = mcx_report_add(r, id, "%s (%s certificate): the %s %s is covered %s: %s",
                               in->subject, check_role_label(in->role), c->what, c->name,
                               check_match_desc(c->match), c->matched);
        if (!f) {
            rc = -1;
            goto done;
        }
        mcx_finding_set_subject(f, c->subject);
        if (c->match != MCX_CERT_MATCH_NONE && c->match != MCX_CERT_MATCH_CN_ONLY)
            continue;
        if (in->role == MCX_CERT_ROLE_REVERSE_PROXY) {
            if (rp_remedy)
                mcx_finding_set_remediation(f, "%s", rp_remedy);
            continue;
        }
        if (!lync_remedy[c->use])
            lync_remedy[c->use] = mcx_cert_remedy_lync(c->use, in->issuing_ca, in->sip_domains,
                                                       in->nsip_domains, thumb);
        if (lync_remedy[c->use])
            mcx_finding_set_remediation(f, "%s", lync_remedy[c->use]);
    }
done:
    for (size_t i = 0; i < 3; i++)
        free(lync_remedy[i]);
    free(rp_remedy);
    check_free_list(sans, nsans);
    free(l.items);
    return rc;
}

/* ---- certificate properties -------------------------------------------- */

static void check_time_str(const ASN1_TIME *t, char *buf, size_t len)
{
    struct tm tm;
    if (!t || !ASN1_TIME_to_tm(t, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
        check_copy(buf, len, "(invalid time)");
}

static void check_at_str(time_t at, char *buf, size_t len)
{
    struct tm tm;
    if (!gmtime_r(&at, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
        check_copy(buf, len, "(invalid time)");
}

static void check_subject_str(X509 *x, char *buf, size_t len)
{
    BIO *b = BIO_new(BIO_s_mem());
    check_copy(buf, len, "(unknown subject)");
    if (!b)
        return;
    if (X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_RFC2253) >= 0) {
        char *p = NULL;
        long n = BIO_get_mem_data(b, &p);
        if (n >= 0 && p)
            snprintf(buf, len, "%.*s", (int)n, p);
    }
    BIO_free(b);
}

static int check_validity(const mcx_cert_input *in, mcx_report *r)
{
    char at[32], nb[32], na[32];
    time_t when = in->at;
    check_at_str(in->at, at, sizeof at);
    check_time_str(X509_get0_notBefore(in->leaf), nb, sizeof nb);
    check_time_str(X509_get0_notAfter(in->leaf), na, sizeof na);
    if (X509_cmp_time(X509_get0_notAfter(in->leaf), &when) < 0 &&
        !mcx_report_add(r, "CT-011", "%s expired at %s (checked at %s)", in->subject, na, at))
        return -1;
    if (X509_cmp_time(X509_get0_notBefore(in->leaf), &when) > 0 &&
        !mcx_report_add(r, "CT-012", "%s is valid only from %s (checked at %s)", in->subject,
                        nb, at))
        return -1;
    return 0;
}

typedef struct check_verify_log {
    int n;
    int err[CHECK_MAX_VERIFY_ERRORS];
    int depth[CHECK_MAX_VERIFY_ERRORS];
    char subject[CHECK_MAX_VERIFY_ERRORS][256];
} check_verify_log;

/* Record every verification error and continue, so one run reports all. */
static int check_verify_cb(int ok, X509_STORE_CTX *ctx)
{
    check_verify_log *log = X509_STORE_CTX_get_app_data(ctx);
    if (ok || !log)
        return ok;
    int e = X509_STORE_CTX_get_error(ctx);
    int depth = X509_STORE_CTX_get_error_depth(ctx);
    for (int i = 0; i < log->n; i++)
        if (log->err[i] == e && log->depth[i] == depth)
            return 1;
    if (log->n < CHECK_MAX_VERIFY_ERRORS) {
        X509 *cur = X509_STORE_CTX_get_current_cert(ctx);
        log->err[log->n] = e;
        log->depth[log->n] = depth;
        if (cur)
            check_subject_str(cur, log->subject[log->n], sizeof log->subject[0]);
        else
            check_copy(log->subject[log->n], sizeof log->subject[0], "(unknown)");
        log->n++;
    }
    return 1;
}

static int check_chain(const mcx_cert_input *in, mcx_report *r)
{
    check_verify_log log;
    X509_STORE *store = in->trust;
    X509_STORE *own = NULL;
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int rc = -1;
    memset(&log, 0, sizeof log);
    if (!ctx)
        return -1;
    if (!store) {
        own = X509_STORE_new();
        if (!own || !X509_STORE_set_default_paths(own))
            goto done;
        store = own;
    }
    if (!X509_STORE_CTX_init(ctx, store, in->leaf, in->chain))
        goto done;
    X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), in->at);
    X509_STORE_CTX_set_app_data(ctx, &log);
    X509_STORE_CTX_set_verify_cb(ctx, check_verify_cb);
    (void)X509_verify_cert(ctx);
    rc = 0;
    int issuer_missing = 0;
    for (int i = 0; i < log.n && rc == 0; i++) {
        int e = log.err[i], depth = log.depth[i];
        const char *id = "CT-008";
        if (depth == 0 && (e == X509_V_ERR_CERT_HAS_EXPIRED || e == X509_V_ERR_CERT_NOT_YET_VALID))
            continue; /* check_validity reports the leaf's dates */
        if (e == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT) {
            id = "CT-009";
        } else if (e == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
                   e == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
                   e == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE) {
            /* OpenSSL follows a missing issuer with "unable to verify the
             * first certificate": one finding says it. */
            if (issuer_missing)
                continue;
            issuer_missing = 1;
            id = "CT-010";
        }
        if (!mcx_report_add(r, id, "chain of %s: depth %d (%s): %s (X509_V_ERR %d)",
                            in->subject, depth, log.subject[i],
                            X509_verify_cert_error_string(e), e))
            rc = -1;
    }
done:
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(own);
    ERR_clear_error();
    return rc;
}

static int check_key_size(X509 *x, const char *what, mcx_report *r)
{
    EVP_PKEY *pk = X509_get0_pubkey(x);
    char subj[256];
    if (!pk)
        return 0;
    int type = EVP_PKEY_get_base_id(pk);
    int bits = EVP_PKEY_get_bits(pk);
    check_subject_str(x, subj, sizeof subj);
    if ((type == EVP_PKEY_RSA || type == EVP_PKEY_RSA_PSS) && bits < 2048)
        return mcx_report_add(r, "CT-015", "%s (%s) has a %d-bit RSA key (at least 2048)",
                              what, subj, bits) ? 0 : -1;
    if (type == EVP_PKEY_EC && bits < 256)
        return mcx_report_add(r, "CT-015", "%s (%s) has a %d-bit EC key (at least P-256)", what,
                              subj, bits) ? 0 : -1;
    return 0;
}

static int check_signature(X509 *x, const char *what, mcx_report *r)
{
    int md = NID_undef, pk = NID_undef;
    char subj[256];
    if (X509_get_extension_flags(x) & EXFLAG_SS)
        return 0; /* a self-signature is not what clients rely on */
    if (!OBJ_find_sigid_algs(X509_get_signature_nid(x), &md, &pk))
        return 0;
    if (md != NID_sha1 && md != NID_md5)
        return 0;
    check_subject_str(x, subj, sizeof subj);
    return mcx_report_add(r, "CT-016", "%s (%s) is signed with %s", what, subj,
                          OBJ_nid2ln(X509_get_signature_nid(x))) ? 0 : -1;
}

static int check_properties(const mcx_cert_input *in, mcx_report *r)
{
    uint32_t xflags = X509_get_extension_flags(in->leaf);
    if (xflags & EXFLAG_XKUSAGE) {
        if (!(X509_get_extended_key_usage(in->leaf) & XKU_SSL_SERVER) &&
            !mcx_report_add(r, "CT-013", "%s: extended key usage lacks serverAuth", in->subject))
            return -1;
    } else if (!mcx_report_add(r, "CT-014", "%s has no extended key usage extension",
                               in->subject)) {
        return -1;
    }
    if (check_key_size(in->leaf, "the leaf", r) != 0)
        return -1;
    for (int i = 0; in->chain && i < sk_X509_num(in->chain); i++)
        if (check_key_size(sk_X509_value(in->chain, i), "a chain certificate", r) != 0)
            return -1;
    if (check_signature(in->leaf, "the leaf", r) != 0)
        return -1;
    for (int i = 0; in->chain && i < sk_X509_num(in->chain); i++)
        if (check_signature(sk_X509_value(in->chain, i), "a chain certificate", r) != 0)
            return -1;
    if (X509_get_ext_by_NID(in->leaf, NID_crl_distribution_points, -1) < 0 &&
        !mcx_report_add(r, "CT-017", "%s has no cRLDistributionPoints extension", in->subject))
        return -1;
    if (in->key && X509_check_private_key(in->leaf, in->key) != 1 &&
        !mcx_report_add(r, "CT-018", "the private key does not match %s", in->subject))
        return -1;
    ERR_clear_error();
    return 0;
}

int mcx_cert_check(const mcx_cert_input *in, mcx_report *r)
{
    char thumb[41];
    if (!in || !in->leaf || !r) {
        if (r)
            mcx_report_add(r, "CT-000", "mcx_cert_check: no certificate given");
        return -1;
    }
    mcx_cert_input copy = *in;
    if (!copy.subject)
        copy.subject = "the certificate";
    if (mcx_cert_thumbprint(in->leaf, thumb) != 0)
        check_copy(thumb, sizeof thumb, "<thumbprint>");
    if (check_names_rule(&copy, r, thumb) != 0 || check_validity(&copy, r) != 0 ||
        check_chain(&copy, r) != 0 || check_properties(&copy, r) != 0) {
        ERR_clear_error();
        mcx_report_add(r, "CT-000", "certificate check of %s failed (out of memory?)",
                       copy.subject);
        return -1;
    }
    return 0;
}
