/*
 * test_cert.c -- unit tests of the certificate checker (include/mcx/cert_check.h).
 *
 * Owns: the name matching table (exact, wildcard rules, case, trailing dot,
 * CN-only) on certificates built in memory; the seed's exception (external
 * A record + Director: no finding for lyncdiscover.<d>) and its limits on
 * the committed fixtures (conformance/pki, found through $MCX_TOP or the
 * current directory); the remediation text (-AllSipDomain vs -DomainName);
 * the topology pool choice; loader errors. Does not own: the fixtures
 * (conformance/pki/generate.sh) nor the CLI (cert_fixtures.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/x509v3.h>

#include "mcx/cert_check.h"
#include "mcx/report.h"
#include "mcx/topology.h"

/* 2026-06-01T00:00:00Z */
#define TEST_AT ((time_t)1780272000)

/* A certificate with subject CN `cn` (may be NULL) and the dNSName SANs of
 * the comma-separated `sans` (NULL: no SAN extension). Unsigned: only the
 * names matter for matching. */
static X509 *make_cert(const char *cn, const char *sans)
{
    X509 *x = X509_new();
    assert_non_null(x);
    if (cn) {
        X509_NAME *name = X509_get_subject_name(x);
        assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                                    (const unsigned char *)cn, -1, -1, 0),
                         1);
    }
    if (sans) {
        GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
        char *copy = strdup(sans);
        char *save = NULL;
        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            GENERAL_NAME *gn = GENERAL_NAME_new();
            ASN1_IA5STRING *s = ASN1_IA5STRING_new();
            assert_int_equal(ASN1_STRING_set(s, tok, (int)strlen(tok)), 1);
            GENERAL_NAME_set0_value(gn, GEN_DNS, s);
            sk_GENERAL_NAME_push(gens, gn);
        }
        free(copy);
        assert_int_equal(X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT),
                         1);
        GENERAL_NAMES_free(gens);
    }
    return x;
}

static const struct match_row {
    const char *cn, *sans, *name;
    mcx_cert_match want;
    const char *matched;
} match_table[] = {
    {NULL, "lyncdiscover.contoso.test", "lyncdiscover.contoso.test", MCX_CERT_MATCH_EXACT,
     "lyncdiscover.contoso.test"},
    /* Case-insensitive both ways; a trailing dot on the name looked up is DNS's root. */
    {NULL, "LYNCDISCOVER.CONTOSO.TEST", "lyncdiscover.contoso.test", MCX_CERT_MATCH_EXACT,
     "LYNCDISCOVER.CONTOSO.TEST"},
    {NULL, "lyncdiscover.contoso.test", "LyncDiscover.Contoso.Test", MCX_CERT_MATCH_EXACT,
     "lyncdiscover.contoso.test"},
    {NULL, "lyncdiscover.contoso.test", "lyncdiscover.contoso.test.", MCX_CERT_MATCH_EXACT,
     "lyncdiscover.contoso.test"},
    /* The seed's alternative: *.<sipdomain>. */
    {NULL, "*.contoso.test", "lyncdiscover.contoso.test", MCX_CERT_MATCH_WILDCARD,
     "*.contoso.test"},
    {NULL, "*.contoso.test", "lyncdiscoverinternal.contoso.test", MCX_CERT_MATCH_WILDCARD,
     "*.contoso.test"},
    {NULL, "*.CONTOSO.TEST", "lyncdiscover.contoso.test", MCX_CERT_MATCH_WILDCARD,
     "*.CONTOSO.TEST"},
    /* A wildcard is one whole left-most label. */
    {NULL, "*.contoso.test", "contoso.test", MCX_CERT_MATCH_NONE, ""},
    {NULL, "*.contoso.test", "a.lyncdiscover.contoso.test", MCX_CERT_MATCH_NONE, ""},
    {NULL, "*.sub.contoso.test", "lyncdiscover.contoso.test", MCX_CERT_MATCH_NONE, ""},
    {NULL, "*.contoso.test", "lyncdiscover.fabrikam.test", MCX_CERT_MATCH_NONE, ""},
    /* No wildcard directly under a top-level label. */
    {NULL, "*.test", "contoso.test", MCX_CERT_MATCH_NONE, ""},
    {NULL, "*.test", "lyncdiscover.contoso.test", MCX_CERT_MATCH_NONE, ""},
    /* No partial-label wildcards. */
    {NULL, "lync*.contoso.test", "lyncdiscover.contoso.test", MCX_CERT_MATCH_NONE, ""},
    {NULL, "*discover.contoso.test", "lyncdiscover.contoso.test", MCX_CERT_MATCH_NONE, ""},
    {NULL, "lyncdiscover.*.test", "lyncdiscover.contoso.test", MCX_CERT_MATCH_NONE, ""},
    /* Trailing dot in the SAN: the same DNS name, reported separately. */
    {NULL, "lyncdiscover.contoso.test.", "lyncdiscover.contoso.test",
     MCX_CERT_MATCH_TRAILING_DOT, "lyncdiscover.contoso.test."},
    {NULL, "other.contoso.test,lyncdiscover.contoso.test.", "LYNCDISCOVER.contoso.test",
     MCX_CERT_MATCH_TRAILING_DOT, "lyncdiscover.contoso.test."},
    /* The CN counts only as "CN-only" and only when there is no dNSName SAN. */
    {"lyncdiscover.contoso.test", NULL, "lyncdiscover.contoso.test", MCX_CERT_MATCH_CN_ONLY,
     "lyncdiscover.contoso.test"},
    {"lyncdiscover.contoso.test", "other.contoso.test", "lyncdiscover.contoso.test",
     MCX_CERT_MATCH_NONE, ""},
    {"pool01.contoso.test", "lyncdiscover.contoso.test", "lyncdiscover.contoso.test",
     MCX_CERT_MATCH_EXACT, "lyncdiscover.contoso.test"},
    /* Nothing to match. */
    {NULL, NULL, "lyncdiscover.contoso.test", MCX_CERT_MATCH_NONE, ""},
    {NULL, "lyncdiscover.contoso.test", "", MCX_CERT_MATCH_NONE, ""},
    {NULL, "lyncdiscover.contoso.test", "lyncdiscover.contoso", MCX_CERT_MATCH_NONE, ""},
};

static void test_match_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof match_table / sizeof match_table[0]; i++) {
        const struct match_row *row = &match_table[i];
        char matched[256];
        X509 *x = make_cert(row->cn, row->sans);
        mcx_cert_match got = mcx_cert_match_name(x, row->name, matched, sizeof matched);
        if (got != row->want || strcmp(matched, row->matched) != 0)
            fail_msg("row %zu: '%s' against SAN [%s] CN [%s]: got %d '%s', want %d '%s'", i,
                     row->name, row->sans ? row->sans : "-", row->cn ? row->cn : "-", (int)got,
                     matched, (int)row->want, row->matched);
        X509_free(x);
    }
    assert_int_equal(mcx_cert_match_name(NULL, "a.b", NULL, 0), MCX_CERT_MATCH_NONE);
}

/* ---- fixtures ------------------------------------------------------------ */

static char *fixture_path(const char *name)
{
    const char *top = getenv("MCX_TOP");
    char *path = NULL;
    assert_true(asprintf(&path, "%s/conformance/pki/%s", top && *top ? top : ".", name) > 0);
    return path;
}

typedef struct fixture {
    STACK_OF(X509) *certs;
    STACK_OF(X509) *chain;
    X509_STORE *trust;
} fixture;

static void fixture_load(fixture *f, const char *name)
{
    mcx_error err;
    char *path = fixture_path(name);
    char *root = fixture_path("root.pem");
    if (mcx_cert_load_file(path, &f->certs, &err) != 0)
        fail_msg("%s: %s (run from the repository root or set MCX_TOP)", path, err.message);
    f->trust = mcx_cert_load_store_file(root, &err);
    assert_non_null(f->trust);
    f->chain = sk_X509_new_null();
    for (int i = 1; i < sk_X509_num(f->certs); i++)
        sk_X509_push(f->chain, sk_X509_value(f->certs, i));
    free(path);
    free(root);
}

static void fixture_free(fixture *f)
{
    sk_X509_free(f->chain);
    sk_X509_pop_free(f->certs, X509_free);
    X509_STORE_free(f->trust);
}

static const char *const two_domains[] = {"contoso.test", "fabrikam.test"};

/* Run the checker on fixture `name`; the caller frees the report. */
static mcx_report *check_fixture(const char *name, mcx_cert_role role, mcx_external_record rec,
                                 time_t at)
{
    fixture f = {0};
    mcx_cert_input in;
    fixture_load(&f, name);
    memset(&in, 0, sizeof in);
    in.leaf = sk_X509_value(f.certs, 0);
    in.chain = f.chain;
    in.trust = f.trust;
    in.role = role;
    in.sip_domains = two_domains;
    in.nsip_domains = 2;
    in.external_record = rec;
    in.at = at;
    in.subject = name;
    mcx_report *r = mcx_report_new("mcxcheck", "cert", name);
    assert_int_equal(mcx_cert_check(&in, r), 0);
    fixture_free(&f);
    return r;
}

static size_t count_id(const mcx_report *r, const char *id)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nfindings; i++)
        n += strcmp(r->findings[i].id, id) == 0;
    return n;
}

static void test_good_fixtures_clean(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        mcx_cert_role role;
    } good[] = {{"director.pem", MCX_CERT_ROLE_DIRECTOR},
                {"frontend.pem", MCX_CERT_ROLE_FRONTEND},
                {"reverse-proxy.pem", MCX_CERT_ROLE_REVERSE_PROXY},
                {"ecdsa-p256.pem", MCX_CERT_ROLE_FRONTEND}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        mcx_report *r = check_fixture(good[i].file, good[i].role, MCX_EXTERNAL_RECORD_CNAME,
                                      TEST_AT);
        if (r->nfindings)
            fail_msg("%s: unexpected %s: %s", good[i].file, r->findings[0].id,
                     r->findings[0].message);
        mcx_report_free(r);
    }
}

/* Seed, "Modifying Certificates for Mobility": external A record + Director
 * -> no finding for lyncdiscover.<sipdomain>. */
static void test_a_record_director_exception(void **state)
{
    (void)state;
    mcx_report *r = check_fixture("no-lyncdiscover.pem", MCX_CERT_ROLE_DIRECTOR,
                                  MCX_EXTERNAL_RECORD_CNAME, TEST_AT);
    assert_int_equal(count_id(r, "CT-002"), 2);
    assert_int_equal(r->nfindings, 2);
    mcx_report_free(r);

    r = check_fixture("no-lyncdiscover.pem", MCX_CERT_ROLE_DIRECTOR, MCX_EXTERNAL_RECORD_A,
                      TEST_AT);
    assert_int_equal(r->nfindings, 0);
    mcx_report_free(r);
}

static void test_a_record_exception_limits(void **state)
{
    (void)state;
    /* Only a Director: a Front End pool certificate still needs the name. */
    mcx_report *r = check_fixture("no-lyncdiscover.pem", MCX_CERT_ROLE_FRONTEND,
                                  MCX_EXTERNAL_RECORD_A, TEST_AT);
    assert_int_equal(count_id(r, "CT-002"), 2);
    mcx_report_free(r);
    /* Only the external name: lyncdiscoverinternal is still required. */
    r = check_fixture("no-lyncdiscoverinternal.pem", MCX_CERT_ROLE_DIRECTOR,
                      MCX_EXTERNAL_RECORD_A, TEST_AT);
    assert_int_equal(count_id(r, "CT-001"), 2);
    assert_int_equal(count_id(r, "CT-002"), 0);
    mcx_report_free(r);
    /* The reverse proxy always needs lyncdiscover.<d>. */
    r = check_fixture("no-lyncdiscover.pem", MCX_CERT_ROLE_REVERSE_PROXY, MCX_EXTERNAL_RECORD_A,
                      TEST_AT);
    assert_int_equal(count_id(r, "CT-003"), 2);
    mcx_report_free(r);
}

static void test_wildcard_fixture_info_only(void **state)
{
    (void)state;
    mcx_report *r = check_fixture("wildcard.pem", MCX_CERT_ROLE_FRONTEND,
                                  MCX_EXTERNAL_RECORD_CNAME, TEST_AT);
    assert_int_equal(count_id(r, "CT-007"), 4);
    assert_int_equal(mcx_report_max_level(r), MCX_LEVEL_INFO);
    mcx_report_free(r);
    r = check_fixture("wildcard-partial.pem", MCX_CERT_ROLE_FRONTEND, MCX_EXTERNAL_RECORD_CNAME,
                      TEST_AT);
    assert_int_equal(count_id(r, "CT-001"), 2);
    assert_int_equal(count_id(r, "CT-002"), 2);
    assert_int_equal(count_id(r, "CT-007"), 0);
    mcx_report_free(r);
}

static void test_validity_follows_at(void **state)
{
    (void)state;
    mcx_report *r = check_fixture("expired.pem", MCX_CERT_ROLE_FRONTEND,
                                  MCX_EXTERNAL_RECORD_CNAME, TEST_AT);
    assert_int_equal(count_id(r, "CT-011"), 1);
    assert_int_equal(r->nfindings, 1);
    mcx_report_free(r);
    /* 2025-06-01: inside the validity period. */
    r = check_fixture("expired.pem", MCX_CERT_ROLE_FRONTEND, MCX_EXTERNAL_RECORD_CNAME,
                      (time_t)1748736000);
    assert_int_equal(r->nfindings, 0);
    mcx_report_free(r);
    /* 2024-06-01: before the root and the leaf are valid. */
    r = check_fixture("director.pem", MCX_CERT_ROLE_DIRECTOR, MCX_EXTERNAL_RECORD_CNAME,
                      (time_t)1717200000);
    assert_int_equal(count_id(r, "CT-012"), 1);
    assert_true(count_id(r, "CT-008") >= 1); /* the CAs are not yet valid either */
    mcx_report_free(r);
}

/* ---- remediation ---------------------------------------------------------- */

static void test_remedy_all_sip_domain_only_for_one_domain(void **state)
{
    (void)state;
    static const char *const one[] = {"contoso.test"};
    char *s = mcx_cert_remedy_lync(MCX_CERT_USE_WEB_INTERNAL, "dc\\myca", one, 1, "ABCD");
    assert_non_null(s);
    assert_non_null(strstr(s, "Request-CsCertificate -New -Type WebServicesInternal -Ca dc\\myca "
                              "-AllSipDomain"));
    assert_null(strstr(s, "-DomainName"));
    assert_non_null(strstr(s, "Set-CsCertificate -Type WebServicesInternal -Thumbprint"));
    assert_non_null(strstr(s, "ABCD"));
    free(s);

    s = mcx_cert_remedy_lync(MCX_CERT_USE_WEB_EXTERNAL, NULL, two_domains, 2, "ABCD");
    assert_non_null(s);
    assert_non_null(strstr(s, "-Type WebServicesExternal -Ca <ca> -DomainName "
                              "\"lyncdiscover.contoso.test, lyncdiscover.fabrikam.test\""));
    assert_null(strstr(s, "-AllSipDomain"));
    free(s);

    static const char *const dotted[] = {"contoso.test.", "fabrikam.test"};
    s = mcx_cert_remedy_lync(MCX_CERT_USE_WEB_INTERNAL, NULL, dotted, 2, "ABCD");
    assert_non_null(strstr(s, "\"lyncdiscoverinternal.contoso.test, "
                              "lyncdiscoverinternal.fabrikam.test\""));
    free(s);

    /* The Default use carries no Autodiscover names. */
    s = mcx_cert_remedy_lync(MCX_CERT_USE_DEFAULT, NULL, two_domains, 2, "ABCD");
    assert_non_null(strstr(s, "Request-CsCertificate -New -Type Default -Ca <ca>\n"));
    assert_null(strstr(s, "-DomainName"));
    assert_null(strstr(s, "-AllSipDomain"));
    free(s);
}

static void test_remedy_reverse_proxy_san_list(void **state)
{
    (void)state;
    static const char *const missing[] = {"lyncdiscover.contoso.test", "lyncdiscover.fabrikam.test"};
    static const char *const present[] = {"rp.contoso.test", "webext01.contoso.test",
                                          "rp.contoso.test"};
    char *s = mcx_cert_remedy_reverse_proxy(missing, 2, present, 3);
    assert_non_null(s);
    assert_non_null(strstr(s, "DNS:rp.contoso.test, DNS:webext01.contoso.test, "
                              "DNS:lyncdiscover.contoso.test, DNS:lyncdiscover.fabrikam.test\n"));
    free(s);
}

static void test_finding_carries_concrete_remedy(void **state)
{
    (void)state;
    mcx_report *r = check_fixture("no-lyncdiscoverinternal.pem", MCX_CERT_ROLE_FRONTEND,
                                  MCX_EXTERNAL_RECORD_CNAME, TEST_AT);
    assert_int_equal(r->nfindings, 2);
    assert_string_equal(r->findings[0].subject, "contoso.test");
    assert_string_equal(r->findings[1].subject, "fabrikam.test");
    assert_non_null(strstr(r->findings[0].remediation,
                           "-DomainName \"lyncdiscoverinternal.contoso.test, "
                           "lyncdiscoverinternal.fabrikam.test\""));
    mcx_report_free(r);
}

/* ---- topology and loading ---------------------------------------------------- */

static void test_topology_pool_choice(void **state)
{
    (void)state;
    mcx_error err;
    char why[256];
    mcx_topology *t = mcx_topology_load_default(&err);
    assert_non_null(t);
    const mcx_pool *p = mcx_cert_topology_pool(t, MCX_CERT_ROLE_DIRECTOR, NULL, why, sizeof why);
    assert_non_null(p);
    assert_string_equal(p->id, "dir01.contoso.test");
    assert_null(mcx_cert_topology_pool(t, MCX_CERT_ROLE_FRONTEND, NULL, why, sizeof why));
    assert_non_null(strstr(why, "--pool"));
    p = mcx_cert_topology_pool(t, MCX_CERT_ROLE_FRONTEND, "pool02.contoso.test", why, sizeof why);
    assert_non_null(p);
    assert_string_equal(p->external_web_fqdn, "webext02.contoso.test");
    assert_null(mcx_cert_topology_pool(t, MCX_CERT_ROLE_DIRECTOR, "pool01.contoso.test", why,
                                       sizeof why));
    assert_non_null(strstr(why, "not a Director"));
    assert_null(mcx_cert_topology_pool(t, MCX_CERT_ROLE_FRONTEND, "nope.contoso.test", why,
                                       sizeof why));
    assert_non_null(strstr(why, "not in topology"));
    mcx_topology_free(t);
}

static void test_load_errors(void **state)
{
    (void)state;
    mcx_error err;
    STACK_OF(X509) *certs = NULL;
    static const unsigned char seq_truncated[] = {0x30, 0x82, 0x04, 0x00, 0x30, 0x01};
    assert_int_equal(mcx_cert_load_memory("t.der", seq_truncated, sizeof seq_truncated, &certs,
                                          &err), -1);
    assert_null(certs);
    assert_string_equal(err.file, "t.der");
    assert_string_equal(err.rule, "der");
    assert_non_null(strstr(err.message, "truncated DER"));
    assert_non_null(strstr(err.message, "1024"));

    static const unsigned char not_seq[] = {0x02, 0x01, 0x00};
    assert_int_equal(mcx_cert_load_memory("i.der", not_seq, sizeof not_seq, &certs, &err), -1);
    assert_non_null(strstr(err.message, "neither PEM"));

    const char *pem = "junk line\n-----BEGIN CERTIFICATE-----\n%%%%\n-----END CERTIFICATE-----\n";
    assert_int_equal(mcx_cert_load_memory("g.pem", (const unsigned char *)pem, strlen(pem), &certs,
                                          &err), -1);
    assert_int_equal(err.line, 2);
    assert_non_null(strstr(err.message, "byte 10"));

    /* Valid base64 that is not a certificate. */
    const char *notcert = "-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n";
    assert_int_equal(mcx_cert_load_memory("n.pem", (const unsigned char *)notcert,
                                          strlen(notcert), &certs, &err), -1);
    assert_non_null(strstr(err.message, "not an X.509 certificate"));

    assert_int_equal(mcx_cert_load_memory("e.pem", (const unsigned char *)"", 0, &certs, &err), -1);
    assert_non_null(strstr(err.message, "empty"));
    assert_int_equal(mcx_cert_load_file("/nonexistent/x.pem", &certs, &err), -1);
    assert_string_equal(err.file, "/nonexistent/x.pem");
}

static void test_load_pem_and_der_agree(void **state)
{
    (void)state;
    mcx_error err;
    STACK_OF(X509) *pem = NULL, *der = NULL;
    char *p = fixture_path("frontend.pem"), *d = fixture_path("frontend.der");
    char a[41], b[41];
    assert_int_equal(mcx_cert_load_file(p, &pem, &err), 0);
    assert_int_equal(mcx_cert_load_file(d, &der, &err), 0);
    assert_int_equal(sk_X509_num(pem), 2); /* leaf + intermediate */
    assert_int_equal(sk_X509_num(der), 1);
    assert_int_equal(mcx_cert_thumbprint(sk_X509_value(pem, 0), a), 0);
    assert_int_equal(mcx_cert_thumbprint(sk_X509_value(der, 0), b), 0);
    assert_string_equal(a, b);
    assert_int_equal(strlen(a), 40);
    assert_int_not_equal(X509_cmp(sk_X509_value(pem, 0), sk_X509_value(pem, 1)), 0);
    sk_X509_pop_free(pem, X509_free);
    sk_X509_pop_free(der, X509_free);
    free(p);
    free(d);
}

/* A certificate without EKU and CRL DP extensions, built in memory: the
 * properties are reported whatever the chain says. */
static void test_missing_extensions(void **state)
{
    (void)state;
    X509 *x = make_cert("pool01.contoso.test",
                        "lyncdiscover.contoso.test,lyncdiscoverinternal.contoso.test");
    static const char *const one[] = {"contoso.test"};
    mcx_cert_input in;
    X509_STORE *empty = X509_STORE_new();
    memset(&in, 0, sizeof in);
    in.leaf = x;
    in.trust = empty;
    in.role = MCX_CERT_ROLE_FRONTEND;
    in.sip_domains = one;
    in.nsip_domains = 1;
    in.at = TEST_AT;
    mcx_report *r = mcx_report_new("mcxcheck", "cert", "memory");
    assert_int_equal(mcx_cert_check(&in, r), 0);
    assert_int_equal(count_id(r, "CT-014"), 1);
    assert_int_equal(count_id(r, "CT-017"), 1);
    assert_int_equal(count_id(r, "CT-001") + count_id(r, "CT-002"), 0);
    assert_int_equal(count_id(r, "CT-013"), 0);
    mcx_report_free(r);
    X509_STORE_free(empty);
    X509_free(x);
}

static void test_role_names(void **state)
{
    (void)state;
    mcx_cert_role role;
    assert_int_equal(mcx_cert_role_parse("reverse-proxy", &role), 0);
    assert_int_equal(role, MCX_CERT_ROLE_REVERSE_PROXY);
    assert_string_equal(mcx_cert_role_name(MCX_CERT_ROLE_FRONTEND), "frontend");
    assert_int_equal(mcx_cert_role_parse("edge", &role), -1);
    assert_string_equal(mcx_cert_use_name(MCX_CERT_USE_WEB_EXTERNAL), "WebServicesExternal");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_table),
        cmocka_unit_test(test_good_fixtures_clean),
        cmocka_unit_test(test_a_record_director_exception),
        cmocka_unit_test(test_a_record_exception_limits),
        cmocka_unit_test(test_wildcard_fixture_info_only),
        cmocka_unit_test(test_validity_follows_at),
        cmocka_unit_test(test_remedy_all_sip_domain_only_for_one_domain),
        cmocka_unit_test(test_remedy_reverse_proxy_san_list),
        cmocka_unit_test(test_finding_carries_concrete_remedy),
        cmocka_unit_test(test_topology_pool_choice),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_load_pem_and_der_agree),
        cmocka_unit_test(test_missing_extensions),
        cmocka_unit_test(test_role_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
