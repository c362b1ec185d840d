/*
 * test_topology.c -- unit tests of the topology model (lib/topology_*.c).
 *
 * Owns: asserting that the embedded default deployment loads with every
 * field the other modules rely on, that good files load with documented
 * defaults, that every bad file in lib/test/data/topology/ fails with the
 * right rule and line, that XXE and entity bombs are rejected at the
 * DOCTYPE without loading anything, that load_memory honours its length,
 * and the lookups. Does not own: the data files' content (they are the
 * fixtures) nor anything network related (there is none).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "mcx/catalogue.h"
#include "mcx/embedded.h"
#include "mcx/topology.h"

#define DATA_DIR "lib/test/data/topology/"

static void data_path(char *buf, size_t len, const char *name)
{
    const char *top = getenv("MCX_TOP");
    snprintf(buf, len, "%s/%s%s", top && *top ? top : ".", DATA_DIR, name);
}

static mcx_topology *load_data(const char *name, mcx_error *err)
{
    char path[1024];
    data_path(path, sizeof path, name);
    return mcx_topology_load_file(path, err);
}

static void assert_endpoint(const mcx_endpoint *ep, const char *fqdn, int port)
{
    assert_non_null(ep->fqdn);
    assert_string_equal(ep->fqdn, fqdn);
    assert_int_equal(ep->port, port);
}

static void assert_pool(const mcx_pool *p, const char *id, int director, const char *int_fqdn,
                        const char *int_ip, const char *ext_fqdn, const char *ext_ip)
{
    assert_non_null(p);
    assert_string_equal(p->id, id);
    assert_int_equal(p->is_director, director);
    assert_string_equal(p->internal_web_fqdn, int_fqdn);
    assert_string_equal(p->internal_ip, int_ip);
    assert_string_equal(p->external_web_fqdn, ext_fqdn);
    assert_string_equal(p->external_ip, ext_ip);
    assert_int_equal(p->internal_http_port, 80);
    assert_int_equal(p->internal_https_port, 443);
    assert_int_equal(p->external_http_port, 8080);
    assert_int_equal(p->external_https_port, 4443);
    assert_int_equal(p->mcx_sip_primary_port, 5086);
    assert_int_equal(p->mcx_sip_external_port, 5087);
    assert_endpoint(&p->sip_server_internal, id, 5061);
    assert_endpoint(&p->sip_client_internal, id, 5061);
    assert_endpoint(&p->sip_server_external, "sip.contoso.test", 443);
    assert_endpoint(&p->sip_client_external, "sip.contoso.test", 443);
}

static void assert_user(const mcx_user *u, const char *uri, const char *password,
                        const char *home, int enabled, int ev)
{
    assert_non_null(u);
    assert_string_equal(u->sip_uri, uri);
    assert_string_equal(u->password, password);
    assert_string_equal(u->home_pool, home);
    assert_int_equal(u->enabled, enabled);
    assert_int_equal(u->enterprise_voice, ev);
}

static void test_default_every_field(void **state)
{
    mcx_error err;
    mcx_topology *t = mcx_topology_load_default(&err);
    char buf[1024];

    (void)state;
    mcx_error_format(&err, buf, sizeof buf);
    if (t == NULL)
        fail_msg("default topology does not load: %s", buf);
    assert_string_equal(t->source, "<default>");
    assert_int_equal(t->profile, MCX_PROFILE_2010CU4);
    assert_int_equal(t->nsip_domains, 2);
    assert_string_equal(t->sip_domains[0], "contoso.test");
    assert_string_equal(t->sip_domains[1], "fabrikam.test");

    assert_int_equal(t->npools, 3);
    assert_pool(&t->pools[0], "dir01.contoso.test", 1, "dir01.contoso.test", "127.0.1.11",
                "dirweb.contoso.test", "127.0.1.12");
    assert_pool(&t->pools[1], "pool01.contoso.test", 0, "pool01.contoso.test", "127.0.1.21",
                "webext01.contoso.test", "127.0.1.22");
    assert_pool(&t->pools[2], "pool02.contoso.test", 0, "pool02.contoso.test", "127.0.1.31",
                "webext02.contoso.test", "127.0.1.32");

    assert_string_equal(t->reverse_proxy_fqdn, "rp.contoso.test");
    assert_string_equal(t->reverse_proxy_ip, "127.0.1.40");

    assert_int_equal(t->nusers, 5);
    assert_user(&t->users[0], "alice@contoso.test", "secret", "pool01.contoso.test", 1, 1);
    assert_user(&t->users[1], "bob@fabrikam.test", "secret2", "pool01.contoso.test", 1, 0);
    assert_user(&t->users[2], "carol@contoso.test", "secret", "pool02.contoso.test", 1, 0);
    assert_user(&t->users[3], "dave@contoso.test", "secret", "online", 1, 0);
    assert_user(&t->users[4], "erin@contoso.test", "secret", "pool01.contoso.test", 0, 0);

    assert_int_equal(t->exposed_web_url, MCX_EXPOSED_EXTERNAL);
    assert_int_equal(t->session_expiration_interval, 259200);
    assert_int_equal(t->session_short_expiration_interval, 3600);
    assert_string_equal(t->online_autodiscover_url,
                        "https://webdir.online.lync.test/Autodiscover/AutodiscoverService.svc/root");
    assert_int_equal(t->basic_auth_enabled, 1);
    assert_int_equal(t->webticket_lifetime, 28800);
    assert_int_equal(t->oauth_lifetime, 28800);
    assert_int_equal(t->send_server_fqdn, 0);

    /* The Director answers lyncdiscover[internal]. */
    assert_ptr_equal(mcx_topology_autodiscover_pool(t), &t->pools[0]);
    mcx_topology_free(t);
}

/* The shipped file and the compiled-in copy are the same deployment. */
static void test_default_file_equals_embedded(void **state)
{
    const char *top = getenv("MCX_TOP");
    char path[1024];
    mcx_error err;
    mcx_topology *a, *b;
    size_t i;

    (void)state;
    snprintf(path, sizeof path, "%s/lib/default_topology.xml", top && *top ? top : ".");
    a = mcx_topology_load_file(path, &err);
    b = mcx_topology_load_default(&err);
    assert_non_null(a);
    assert_non_null(b);
    assert_ptr_equal(mcx_topology_default_xml(), mcx_embed_default_topology);
    assert_int_equal(strlen(mcx_topology_default_xml()), mcx_embed_default_topology_len);
    assert_int_equal(a->npools, b->npools);
    assert_int_equal(a->nusers, b->nusers);
    for (i = 0; i < a->npools; i++)
        assert_string_equal(a->pools[i].external_web_fqdn, b->pools[i].external_web_fqdn);
    for (i = 0; i < a->nusers; i++)
        assert_string_equal(a->users[i].sip_uri, b->users[i].sip_uri);
    assert_string_equal(a->source, path);
    mcx_topology_free(a);
    mcx_topology_free(b);
}

static void test_good_minimal_defaults(void **state)
{
    mcx_error err;
    mcx_topology *t = load_data("good_minimal.xml", &err);
    const mcx_pool *p;

    (void)state;
    assert_non_null(t);
    assert_int_equal(t->profile, MCX_PROFILE_2010CU4);
    assert_int_equal(t->npools, 1);
    p = &t->pools[0];
    assert_int_equal(p->is_director, 0);
    assert_int_equal(p->internal_http_port, 80);
    assert_int_equal(p->internal_https_port, 443);
    assert_int_equal(p->external_http_port, 8080);
    assert_int_equal(p->external_https_port, 4443);
    /* No <sipAccess>: internal endpoints default to POOLID:5061, external unset. */
    assert_endpoint(&p->sip_server_internal, "pool01.contoso.test", 5061);
    assert_endpoint(&p->sip_client_internal, "pool01.contoso.test", 5061);
    assert_null(p->sip_server_external.fqdn);
    assert_int_equal(p->sip_client_external.port, 0);
    assert_null(t->reverse_proxy_fqdn);
    assert_null(t->online_autodiscover_url);
    assert_int_equal(t->users[0].enabled, 1);
    assert_int_equal(t->users[0].enterprise_voice, 0);
    assert_int_equal(t->basic_auth_enabled, 0);
    assert_int_equal(t->webticket_lifetime, 28800);
    assert_int_equal(t->oauth_lifetime, 28800);
    assert_int_equal(t->send_server_fqdn, 0);
    /* No Director: the first Front End pool answers Autodiscover. */
    assert_ptr_equal(mcx_topology_autodiscover_pool(t), p);
    mcx_topology_free(t);
}

static void test_good_2013(void **state)
{
    mcx_error err;
    mcx_topology *t = load_data("good_2013.xml", &err);
    const mcx_pool *fe, *dir;

    (void)state;
    assert_non_null(t);
    assert_int_equal(t->profile, MCX_PROFILE_2013);
    assert_int_equal(t->exposed_web_url, MCX_EXPOSED_INTERNAL);
    assert_int_equal(t->session_expiration_interval, 4000);
    assert_int_equal(t->session_short_expiration_interval, 120);
    fe = mcx_topology_find_pool(t, "fe01.fabrikam.test");
    dir = mcx_topology_find_pool(t, "DIR.fabrikam.test");
    assert_non_null(fe);
    assert_non_null(dir);
    assert_string_equal(fe->internal_web_fqdn, "fe01.fabrikam.test"); /* defaulted to id */
    assert_string_equal(fe->internal_ip, "::1");
    assert_null(fe->external_ip);
    assert_int_equal(fe->internal_http_port, 81);
    assert_int_equal(fe->internal_https_port, 444);
    assert_int_equal(fe->external_http_port, 8081);
    assert_int_equal(fe->external_https_port, 4444);
    assert_int_equal(fe->mcx_sip_primary_port, 6086);
    assert_int_equal(fe->mcx_sip_external_port, 6087);
    assert_endpoint(&fe->sip_server_external, "access.fabrikam.test", 443);
    assert_null(fe->sip_client_external.fqdn);
    assert_ptr_equal(mcx_topology_autodiscover_pool(t), dir);
    assert_string_equal(t->users[0].password, "p w");
    assert_int_equal(t->users[0].enabled, 0);         /* "0" */
    assert_int_equal(t->users[0].enterprise_voice, 1); /* "1" */
    assert_int_equal(t->basic_auth_enabled, 0);
    assert_int_equal(t->webticket_lifetime, 600);
    assert_int_equal(t->oauth_lifetime, 900);
    assert_int_equal(t->send_server_fqdn, 1);
    mcx_topology_free(t);
}

typedef struct bad_case {
    const char *file;
    const char *rule;
    int line;
    const char *needle; /* must appear in the message */
} bad_case;

static const bad_case bad_cases[] = {
    {"bad_empty.xml", "xml", 0, "empty"},
    {"bad_truncated.xml", "xml", 10, "AttValue"},
    {"bad_not_well_formed.xml", "xml", 9, "mismatch"},
    {"bad_utf8.xml", "xml", 10, "UTF-8"},
    {"bad_xxe.xml", "no-dtd", 3, "DOCTYPE"},
    {"bad_xxe_dtd.xml", "no-dtd", 3, "DOCTYPE"},
    {"bad_bomb.xml", "no-dtd", 3, "entity expansion"},
    {"bad_root.xml", "xsd", 3, "deployment"},
    {"bad_namespace.xml", "xsd", 3, "No matching global declaration"},
    {"bad_missing_external_web.xml", "xsd", 7, "externalWeb"},
    {"bad_element_order.xml", "xsd", 5, "user"},
    {"bad_port_range.xml", "xsd", 7, "70000"},
    {"bad_exposed_web_url.xml", "xsd", 12, "Everywhere"},
    {"bad_session_uint32.xml", "xsd", 12, "4294967296"},
    {"bad_sip_uri.xml", "xsd", 10, "sip:alice@contoso.test"},
    {"bad_endpoint.xml", "xsd", 9, "serverExternal"},
    {"bad_no_sip_domain.xml", "TP-001", 3, "DNS Requirements"},
    {"bad_duplicate_domain.xml", "TP-002", 5, "first on line 4"},
    {"bad_duplicate_pool.xml", "TP-003", 10, "first on line 5"},
    {"bad_web_fqdn_equal.xml", "TP-004", 5, "Website Requirements"},
    {"bad_mcx_ports_missing.xml", "TP-005", 8, "McxSipExternalListeningPort is not set"},
    {"bad_mcx_element_missing.xml", "TP-005", 5, "McxSipPrimaryListeningPort and"},
    {"bad_mcx_ports_equal.xml", "TP-006", 8, "both 5086"},
    {"bad_mcx_port_is_web_port.xml", "TP-006", 8, "port 4443"},
    {"bad_session_range.xml", "TP-007", 12, "sessionShortExpirationInterval 60"},
    {"bad_session_range_big.xml", "TP-007", 12, "3000000000"},
    {"bad_session_order.xml", "TP-008", 12, "3600 is not below"},
    {"bad_duplicate_user.xml", "TP-009", 11, "first on line 10"},
    {"bad_unknown_home_pool.xml", "TP-010", 10, "pool09.contoso.test"},
    {"bad_online_no_url.xml", "TP-011", 10, "onlineUrl"},
    {"bad_user_domain.xml", "TP-012", 10, "northwind.test"},
    {"bad_shared_web_fqdn.xml", "TP-013", 10, "webext01.contoso.test"},
    {"bad_site_ports.xml", "TP-014", 5, "port 80"},
};

static void test_bad_files(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *c = &bad_cases[i];
        mcx_error err;
        char path[1024], line[1024];
        mcx_topology *t;

        data_path(path, sizeof path, c->file);
        memset(&err, 0x5a, sizeof err);
        t = mcx_topology_load_file(path, &err);
        mcx_error_format(&err, line, sizeof line);
        if (t != NULL) {
            mcx_topology_free(t);
            fail_msg("%s loaded but must fail with %s", c->file, c->rule);
        }
        if (strcmp(err.rule, c->rule) != 0 || err.line != c->line ||
            strstr(err.message, c->needle) == NULL || strcmp(err.file, path) != 0)
            fail_msg("%s: want %s line %d containing '%s', got: %s", c->file, c->rule, c->line,
                     c->needle, line);
        /* Rule IDs are catalogue entries. */
        if (strncmp(c->rule, "TP-", 3) == 0)
            assert_non_null(mcx_catalogue_find(c->rule));
    }
}

/* Count every attempt libxml2 makes to load an external resource. */
static int external_loads;
static xmlExternalEntityLoader saved_loader;

static xmlParserInputPtr counting_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
    (void)url;
    (void)id;
    (void)ctxt;
    external_loads++;
    return NULL;
}

static void test_xxe_reads_nothing(void **state)
{
    char secret_path[] = "/tmp/mcx_topology_secretXXXXXX";
    char doc[2048];
    mcx_error err;
    mcx_topology *t;
    int fd, n;
    /* Each form is the text before and after the secret file's path. */
    const char *forms[][2] = {
        /* entity in element content */
        {"<?xml version=\"1.0\"?>\n<!DOCTYPE topology [\n<!ENTITY s SYSTEM \"file://",
         "\">\n]>\n<topology xmlns=\"urn:mcxlab:topology:1\"><sipDomain>&s;</sipDomain>"
         "</topology>\n"},
        /* entity in an attribute */
        {"<?xml version=\"1.0\"?>\n<!DOCTYPE topology [<!ENTITY s SYSTEM \"",
         "\">]>\n<topology xmlns=\"urn:mcxlab:topology:1\" profile=\"&s;\"/>\n"},
        /* external DTD subset */
        {"<?xml version=\"1.0\"?>\n<!DOCTYPE topology SYSTEM \"",
         "\">\n<topology xmlns=\"urn:mcxlab:topology:1\"/>\n"},
        /* parameter entity */
        {"<?xml version=\"1.0\"?>\n<!DOCTYPE topology [<!ENTITY % p SYSTEM \"",
         "\"> %p;]>\n<topology xmlns=\"urn:mcxlab:topology:1\"/>\n"},
    };
    size_t i;

    (void)state;
    fd = mkstemp(secret_path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "leaked.contoso.test", 19), 19);
    close(fd);
    saved_loader = xmlGetExternalEntityLoader();
    xmlSetExternalEntityLoader(counting_loader);
    external_loads = 0;
    for (i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        n = snprintf(doc, sizeof doc, "%s%s%s", forms[i][0], secret_path, forms[i][1]);
        assert_true(n > 0 && (size_t)n < sizeof doc);
        t = mcx_topology_load_memory("xxe.xml", doc, (size_t)n, &err);
        assert_null(t);
        assert_string_equal(err.rule, "no-dtd");
        assert_int_equal(err.line, 2);
        assert_non_null(strstr(err.message, "DOCTYPE"));
        assert_null(strstr(err.message, "leaked"));
    }
    assert_int_equal(external_loads, 0);
    xmlSetExternalEntityLoader(saved_loader);
    unlink(secret_path);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A 10^30 expansion bomb and a quadratic-blowup document are rejected at
 * the DOCTYPE, in bounded time. */
static void test_bombs_rejected_quickly(void **state)
{
    size_t cap = 1 << 20, len = 0;
    char *doc = malloc(cap);
    mcx_error err;
    mcx_topology *t;
    double start;
    int i, j;

    (void)state;
    assert_non_null(doc);
    len += (size_t)snprintf(doc + len, cap - len,
                            "<?xml version=\"1.0\"?>\n<!DOCTYPE t [\n<!ENTITY a0 \"lol\">\n");
    for (i = 1; i <= 30; i++) {
        len += (size_t)snprintf(doc + len, cap - len, "<!ENTITY a%d \"", i);
        for (j = 0; j < 10; j++)
            len += (size_t)snprintf(doc + len, cap - len, "&a%d;", i - 1);
        len += (size_t)snprintf(doc + len, cap - len, "\">\n");
    }
    len += (size_t)snprintf(doc + len, cap - len,
                            "]>\n<topology xmlns=\"urn:mcxlab:topology:1\">&a30;</topology>\n");
    start = now_seconds();
    t = mcx_topology_load_memory("bomb.xml", doc, len, &err);
    assert_null(t);
    assert_string_equal(err.rule, "no-dtd");
    assert_int_equal(err.line, 2);
    assert_true(now_seconds() - start < 1.0);

    /* Quadratic blowup: one 100 kB entity referenced 5000 times. */
    len = (size_t)snprintf(doc, cap, "<?xml version=\"1.0\"?>\n<!DOCTYPE t [<!ENTITY x \"");
    memset(doc + len, 'x', 100000);
    len += 100000;
    len += (size_t)snprintf(doc + len, cap - len, "\">]>\n<topology xmlns=\"urn:mcxlab:topology:1\">");
    for (i = 0; i < 5000; i++) {
        memcpy(doc + len, "&x;", 3);
        len += 3;
    }
    len += (size_t)snprintf(doc + len, cap - len, "</topology>");
    start = now_seconds();
    t = mcx_topology_load_memory("quadratic.xml", doc, len, &err);
    assert_null(t);
    assert_string_equal(err.rule, "no-dtd");
    assert_true(now_seconds() - start < 1.0);
    free(doc);
}

/* load_memory reads exactly len bytes: no NUL needed, nothing past len. */
static void test_load_memory_uses_length(void **state)
{
    size_t len = mcx_embed_default_topology_len;
    char *exact = malloc(len);
    char *padded = malloc(len + 32);
    mcx_error err;
    mcx_topology *t;

    (void)state;
    assert_non_null(exact);
    assert_non_null(padded);
    memcpy(exact, mcx_embed_default_topology, len); /* no terminating NUL */
    t = mcx_topology_load_memory("exact.xml", exact, len, &err);
    assert_non_null(t);
    assert_string_equal(t->source, "exact.xml");
    mcx_topology_free(t);

    /* Garbage after len is never read. */
    memcpy(padded, mcx_embed_default_topology, len);
    memcpy(padded + len, "<garbage>&&&not xml at all<<<", 30);
    t = mcx_topology_load_memory("padded.xml", padded, len, &err);
    assert_non_null(t);
    mcx_topology_free(t);

    /* A prefix of a good document is truncated, hence not well-formed. */
    t = mcx_topology_load_memory("prefix.xml", exact, len / 2, &err);
    assert_null(t);
    assert_string_equal(err.rule, "xml");
    assert_string_equal(err.file, "prefix.xml");
    assert_true(err.line > 0);

    /* Every prefix length fails cleanly or (only the full one) succeeds. */
    for (size_t cut = 0; cut < len; cut += 97) {
        t = mcx_topology_load_memory("cut.xml", exact, cut, &err);
        assert_null(t);
        assert_true(err.rule[0] != '\0' && err.message[0] != '\0');
    }
    free(exact);
    free(padded);
}

static void test_load_memory_edges(void **state)
{
    mcx_error err;
    char big_name[600];

    (void)state;
    assert_null(mcx_topology_load_memory(NULL, "", 0, &err));
    assert_string_equal(err.file, "<memory>");
    assert_string_equal(err.rule, "xml");
    assert_null(mcx_topology_load_memory("n", NULL, 10, &err));
    assert_string_equal(err.rule, "io");
    assert_null(mcx_topology_load_memory("n", "x", (size_t)MCX_TOPOLOGY_MAX_BYTES + 1, &err));
    assert_string_equal(err.rule, "io");
    assert_non_null(strstr(err.message, "limit"));
    /* NULL err is allowed. */
    assert_null(mcx_topology_load_memory("n", "<x/>", 4, NULL));
    /* A long name is truncated, not overflowed. */
    memset(big_name, 'n', sizeof big_name - 1);
    big_name[sizeof big_name - 1] = '\0';
    assert_null(mcx_topology_load_memory(big_name, "<x", 2, &err));
    assert_int_equal(strlen(err.file), sizeof err.file - 1);

    assert_null(load_data("does_not_exist.xml", &err));
    assert_string_equal(err.rule, "io");
    assert_non_null(strstr(err.message, "cannot open"));
}

static void test_queries(void **state)
{
    mcx_error err;
    mcx_topology *t = mcx_topology_load_default(&err);
    const mcx_user *u;

    (void)state;
    assert_non_null(t);
    assert_ptr_equal(mcx_topology_find_pool(t, "POOL02.contoso.test"), &t->pools[2]);
    assert_null(mcx_topology_find_pool(t, "pool03.contoso.test"));
    assert_null(mcx_topology_find_pool(t, NULL));
    u = mcx_topology_find_user(t, "sip:Alice@Contoso.Test");
    assert_ptr_equal(u, &t->users[0]);
    assert_ptr_equal(mcx_topology_find_user(t, "SIP:bob@fabrikam.test"), &t->users[1]);
    assert_ptr_equal(mcx_topology_find_user(t, "erin@contoso.test"), &t->users[4]);
    assert_null(mcx_topology_find_user(t, "zed@contoso.test"));
    assert_null(mcx_topology_find_user(t, "sip:"));
    assert_true(mcx_topology_has_sip_domain(t, "FABRIKAM.test"));
    assert_false(mcx_topology_has_sip_domain(t, "northwind.test"));
    assert_false(mcx_topology_has_sip_domain(t, NULL));
    assert_string_equal(mcx_topology_uri_domain("sip:alice@contoso.test"), "contoso.test");
    assert_null(mcx_topology_uri_domain("alice"));
    assert_null(mcx_topology_autodiscover_pool(NULL));
    mcx_topology_free(t);
    mcx_topology_free(NULL);
}

static void test_error_format(void **state)
{
    mcx_error e;
    char buf[128], tiny[8];

    (void)state;
    mcx_error_set(&e, "a.xml", 7, "TP-004", "internal %s", "equals external");
    mcx_error_format(&e, buf, sizeof buf);
    assert_string_equal(buf, "a.xml:7: TP-004: internal equals external");
    e.line = 0;
    mcx_error_format(&e, buf, sizeof buf);
    assert_string_equal(buf, "a.xml: TP-004: internal equals external");
    mcx_error_format(&e, tiny, sizeof tiny);
    assert_string_equal(tiny, "a.xml: ");
}

/* The rules run on a model however it was built: mutate the default. */
static void test_rules_on_built_model(void **state)
{
    mcx_error err;
    mcx_topology *t = mcx_topology_load_default(&err);
    char *saved;
    int keep;

    (void)state;
    assert_non_null(t);
    assert_int_equal(mcx_topology_check_rules(t, NULL, &err), 0);

    keep = t->session_short_expiration_interval;
    t->session_short_expiration_interval = t->session_expiration_interval;
    assert_int_equal(mcx_topology_check_rules(t, NULL, &err), -1);
    assert_string_equal(err.rule, "TP-008");
    assert_int_equal(err.line, 0);
    assert_string_equal(err.file, "<default>");
    t->session_short_expiration_interval = keep;

    keep = t->session_expiration_interval;
    t->session_expiration_interval = MCX_SESSION_EXP_MIN - 1;
    assert_int_equal(mcx_topology_check_rules(t, NULL, &err), -1);
    assert_string_equal(err.rule, "TP-007");
    t->session_expiration_interval = keep;

    keep = t->pools[1].mcx_sip_external_port;
    t->pools[1].mcx_sip_external_port = 0;
    assert_int_equal(mcx_topology_check_rules(t, NULL, &err), -1);
    assert_string_equal(err.rule, "TP-005");
    assert_non_null(strstr(err.message, "pool01.contoso.test"));
    t->pools[1].mcx_sip_external_port = keep;

    saved = t->users[2].home_pool;
    t->users[2].home_pool = "nowhere.contoso.test";
    assert_int_equal(mcx_topology_check_rules(t, NULL, &err), -1);
    assert_string_equal(err.rule, "TP-010");
    t->users[2].home_pool = saved;

    saved = t->online_autodiscover_url;
    t->online_autodiscover_url = NULL;
    assert_int_equal(mcx_topology_check_rules(t, NULL, &err), -1);
    assert_string_equal(err.rule, "TP-011");
    assert_non_null(strstr(err.message, "dave@contoso.test"));
    t->online_autodiscover_url = saved;

    assert_int_equal(mcx_topology_check_rules(t, NULL, &err), 0);
    mcx_topology_free(t);
}

static void test_catalogue_rows(void **state)
{
    char id[16];
    int i;

    (void)state;
    for (i = 0; i <= 14; i++) {
        const mcx_check *c;
        snprintf(id, sizeof id, "TP-%03d", i);
        c = mcx_catalogue_find(id);
        if (c == NULL)
            fail_msg("catalogue has no %s", id);
        assert_non_null(c->title);
        assert_non_null(c->source);
        assert_non_null(c->remediation);
        assert_non_null(c->description);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_every_field),
        cmocka_unit_test(test_default_file_equals_embedded),
        cmocka_unit_test(test_good_minimal_defaults),
        cmocka_unit_test(test_good_2013),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_xxe_reads_nothing),
        cmocka_unit_test(test_bombs_rejected_quickly),
        cmocka_unit_test(test_load_memory_uses_length),
        cmocka_unit_test(test_load_memory_edges),
        cmocka_unit_test(test_queries),
        cmocka_unit_test(test_error_format),
        cmocka_unit_test(test_rules_on_built_model),
        cmocka_unit_test(test_catalogue_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
