/*
 * test_vector.c -- unit tests of the vector loader (lib/vector_load.c), the
 * {{variable}} expansion (lib/vector_vars.c), and the runner's assertions,
 * captures, JSON pointer, recordings and shuffle (conformance/conform_*.c).
 * Owns: these tests and nothing else; no network. Reads
 * conformance/test/data/vectors-bad/ and vectors/ relative to $MCX_TOP
 * (default: the current directory, the repo root under ci/run-tests.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "conform.h"
#include "mcx/vector.h"

static const char *top(void)
{
    const char *t = getenv("MCX_TOP");
    return t && *t ? t : ".";
}

static const char good_vector[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<vector id=\"AD-TEST-001\" result=\"valid\" strength=\"should\">\n"
    "  <title>  a test vector </title>\n"
    "  <source>protocol.md 2.2</source>\n"
    "  <requires variable=\"user_online\"/>\n"
    "  <step name=\"first\" site=\"internal\" url=\"https://{{lyncdiscoverinternal}}/?sipuri={{user}}\">\n"
    "    <header name=\"Accept\">application/json</header>\n"
    "    <expect status=\"401 200\">\n"
    "      <ns prefix=\"u\" uri=\"urn:u\"/>\n"
    "      <header name=\"X-A\" equals=\"{{sip_domain}}\"/>\n"
    "      <header name=\"X-B\" absent=\"true\"/>\n"
    "      <xpath expr=\"count(//u:a)\" equals=\"1\"/>\n"
    "      <json pointer=\"/a~1b/0\" matches=\"^x\"/>\n"
    "      <body empty=\"true\"/>\n"
    "    </expect>\n"
    "    <capture name=\"tok\" header=\"X-Token\" encode=\"base64\"/>\n"
    "  </step>\n"
    "  <step name=\"second\" method=\"POST\" site=\"external\" url=\"https://{{lyncdiscover}}/x?t={{tok}}\">\n"
    "    <body><![CDATA[a=<b>&c]]></body>\n"
    "    <expect status=\"200\"/>\n"
    "  </step>\n"
    "</vector>\n";

static void test_load_good(void **state)
{
    (void)state;
    mcx_vector_error err;
    mcx_vector *v = mcx_vector_load_memory("good.xml", good_vector, strlen(good_vector), &err);
    assert_non_null(v);
    assert_string_equal(v->id, "AD-TEST-001");
    assert_string_equal(v->title, "a test vector");
    assert_int_equal(v->result, MCX_VECTOR_VALID);
    assert_int_equal(v->strength, MCX_VECTOR_SHOULD);
    assert_int_equal(v->requires_profile, -1);
    assert_int_equal(v->nrequires_vars, 1);
    assert_string_equal(v->requires_vars[0], "user_online");
    assert_int_equal(v->nsteps, 2);
    const mcx_vector_step *s = &v->steps[0];
    assert_string_equal(s->method, "GET");
    assert_int_equal(s->site, MCX_ACCESS_INTERNAL);
    assert_int_equal(s->nstatus, 2);
    assert_int_equal(s->status[0], 401);
    assert_int_equal(s->status[1], 200);
    assert_int_equal(s->nheaders, 1);
    assert_string_equal(s->headers[0].value, "application/json");
    assert_int_equal(s->nns, 1);
    assert_int_equal(s->nasserts, 5);
    assert_int_equal(s->asserts[0].kind, MCX_VA_HEADER);
    assert_int_equal(s->asserts[0].op, MCX_VOP_EQUALS);
    assert_int_equal(s->asserts[1].op, MCX_VOP_ABSENT);
    assert_int_equal(s->asserts[2].kind, MCX_VA_XPATH);
    assert_int_equal(s->asserts[3].kind, MCX_VA_JSON);
    assert_int_equal(s->asserts[3].op, MCX_VOP_MATCHES);
    assert_int_equal(s->asserts[4].op, MCX_VOP_EMPTY);
    assert_int_equal(s->ncaptures, 1);
    assert_int_equal(s->captures[0].base64, 1);
    assert_string_equal(v->steps[1].method, "POST");
    assert_string_equal(v->steps[1].body, "a=<b>&c");
    mcx_vector_free(v);
}

/* Multi-step exchanges: an async step awaited later, captures of the raw
 * body and after a prefix, a cleanup step, the test-clock precondition. */
static const char async_vector[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<vector id=\"MB-TEST-001\" result=\"invalid\">\n"
    "  <title>t</title><source>protocol.md 5.1</source>\n"
    "  <requires target=\"mcxd-test-clock\"/>\n"
    "  <step name=\"create\" method=\"POST\" site=\"external\" url=\"https://{{mcx_web}}/a\">\n"
    "    <expect status=\"201\"><body equals=\"x\"/></expect>\n"
    "    <capture name=\"app\" header=\"Location\"/>\n"
    "    <capture name=\"id\" header=\"Location\" strip-prefix=\"/a/\"/>\n"
    "  </step>\n"
    "  <step name=\"pget\" async=\"true\" park-ms=\"50\" site=\"external\"\n"
    "        url=\"https://{{mcx_web}}{{app}}/events?ack=2\">\n"
    "    <expect status=\"409\"/><capture name=\"replaced\" body=\"true\"/>\n"
    "  </step>\n"
    "  <step name=\"again\" site=\"external\" url=\"https://{{mcx_web}}{{app}}/events?ack=2\">\n"
    "    <expect status=\"200\"><json pointer=\"/sender/[rel=me,a.b=1]/x\" present=\"true\"/></expect>\n"
    "    <await step=\"pget\"/>\n"
    "  </step>\n"
    "  <step name=\"gone\" site=\"external\" url=\"https://{{mcx_web}}/{{id}}?{{replaced}}\">\n"
    "    <expect status=\"404\"/>\n"
    "  </step>\n"
    "  <step name=\"undo\" cleanup=\"true\" method=\"DELETE\" site=\"external\"\n"
    "        url=\"https://{{mcx_web}}{{app}}\"><expect status=\"204\"/></step>\n"
    "</vector>\n";

static void test_load_async(void **state)
{
    (void)state;
    mcx_vector_error err;
    mcx_vector *v = mcx_vector_load_memory("async.xml", async_vector, strlen(async_vector), &err);
    if (!v) {
        char msg[1024];
        mcx_vector_error_format(&err, msg, sizeof msg);
        print_error("%s\n", msg);
    }
    assert_non_null(v);
    assert_int_equal(v->requires_test_clock, 1);
    assert_int_equal(v->nsteps, 5);
    assert_int_equal(v->steps[0].asserts[0].kind, MCX_VA_BODY);
    assert_int_equal(v->steps[0].asserts[0].op, MCX_VOP_EQUALS);
    assert_string_equal(v->steps[0].captures[1].strip_prefix, "/a/");
    assert_int_equal(v->steps[1].async, 1);
    assert_int_equal(v->steps[1].park_ms, 50);
    assert_int_equal(v->steps[1].captures[0].kind, MCX_VA_BODY);
    assert_int_equal(v->steps[2].async, 0);
    assert_int_equal(v->steps[2].park_ms, MCX_VECTOR_PARK_MS);
    assert_int_equal(v->steps[2].nawaits, 1);
    assert_int_equal(v->steps[2].awaits[0], 1);
    assert_int_equal(v->steps[3].cleanup, 0);
    assert_int_equal(v->steps[4].cleanup, 1);
    mcx_vector_free(v);
}

static const struct {
    const char *file;
    const char *rule;
    int line; /* 0: do not check */
} bad_files[] = {
    {"truncated.xml", "xml", 4},
    {"not-well-formed.xml", "xml", 3},
    {"xxe.xml", "no-dtd", 2},
    {"bomb.xml", "no-dtd", 2},
    {"invalid-utf8.xml", "xml", 3},
    {"empty.xml", "empty", 0},
    {"unknown-variable.xml", "unknown-variable", 5},
    {"variable-syntax.xml", "variable-syntax", 5},
    {"capture-before-use.xml", "unknown-variable", 5},
    {"capture-shadows.xml", "capture-shadows", 5},
    {"missing-result.xml", "xsd", 2},
    {"bad-status.xml", "xsd", 5},
    {"bad-id.xml", "xsd", 2},
    {"unknown-element.xml", "xsd", 6},
    {"bad-xpath.xml", "xpath-syntax", 5},
    {"bad-regex.xml", "regex-syntax", 5},
    {"bad-json-pointer.xml", "json-pointer-syntax", 5},
    {"two-operators.xml", "assert-operator", 5},
    {"no-operator.xml", "assert-operator", 5},
    {"duplicate-step.xml", "duplicate-step", 6},
    {"result-status.xml", "result-status", 5},
    {"header-crlf.xml", "header-value", 5},
    {"async-never-awaited.xml", "async-await", 5},
    {"await-not-async.xml", "async-await", 6},
    {"await-unknown.xml", "async-await", 6},
    {"async-capture-before-await.xml", "unknown-variable", 6},
    {"cleanup-order.xml", "cleanup-order", 6},
    {"bad-json-selector.xml", "json-pointer-syntax", 5},
    {"capture-two-sources.xml", "capture-source", 5},
    {"strip-prefix-unknown.xml", "unknown-variable", 5},
};

static void test_load_bad_files(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_files / sizeof bad_files[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/conformance/test/data/vectors-bad/%s", top(),
                 bad_files[i].file);
        mcx_vector_error err;
        mcx_vector *v = mcx_vector_load_file(path, &err);
        if (v || strcmp(err.rule, bad_files[i].rule) != 0 ||
            (bad_files[i].line && err.line != bad_files[i].line)) {
            char msg[1024];
            mcx_vector_error_format(&err, msg, sizeof msg);
            print_error("%s: expected rule %s line %d, got: %s\n", bad_files[i].file,
                        bad_files[i].rule, bad_files[i].line, v ? "(loaded)" : msg);
            mcx_vector_free(v);
            fail();
        }
        char msg[1024];
        mcx_vector_error_format(&err, msg, sizeof msg);
        assert_non_null(strstr(msg, bad_files[i].file));   /* names the file */
        assert_null(strchr(msg, '\n'));                     /* one line */
    }
}

static void test_load_missing_file(void **state)
{
    (void)state;
    mcx_vector_error err;
    assert_null(mcx_vector_load_file("/nonexistent/dir/v.xml", &err));
    assert_string_equal(err.rule, "io");
}

static void test_load_too_large(void **state)
{
    (void)state;
    size_t n = MCX_VECTOR_MAX_FILE + 10;
    char *buf = malloc(n);
    assert_non_null(buf);
    memset(buf, ' ', n);
    mcx_vector_error err;
    assert_null(mcx_vector_load_memory("big.xml", buf, n, &err));
    assert_string_equal(err.rule, "too-large");
    free(buf);
}

/* Every shipped vector loads, and there are at least 60 of them. */
static void test_shipped_vectors_load(void **state)
{
    (void)state;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/vectors", top());
    mcx_report *rep = mcx_report_new("mcxcheck", "test", NULL);
    mcx_vector **v = NULL;
    size_t n = 0;
    char err[256];
    assert_int_equal(mcx_conform_load_dir(dir, NULL, 0, &v, &n, rep, err, sizeof err), 0);
    for (size_t i = 0; i < rep->nfindings; i++)
        print_error("%s\n", rep->findings[i].message);
    assert_int_equal(rep->nfindings, 0);
    assert_true(n >= 60);
    /* Sorted by file name and IDs unique. */
    for (size_t i = 1; i < n; i++)
        assert_true(strcmp(v[i - 1]->id, v[i]->id) < 0);
    mcx_conform_free_vectors(v, n);

    const char *globs[] = {"AU-OAUTH-*"};
    assert_int_equal(mcx_conform_load_dir(dir, globs, 1, &v, &n, rep, err, sizeof err), 0);
    assert_true(n >= 1);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(strncmp(v[i]->id, "AU-OAUTH-", 9), 0);
    mcx_conform_free_vectors(v, n);
    mcx_report_free(rep);
}

/* ---- variables ---- */

static mcx_pool test_pools[3];
static mcx_user test_users[5];
static char *test_domains[] = {"contoso.test", "fabrikam.test"};

static mcx_topology *test_topology(void)
{
    static mcx_topology t;
    memset(&t, 0, sizeof t);
    memset(test_pools, 0, sizeof test_pools);
    test_pools[0] = (mcx_pool){.id = "dir01.contoso.test", .is_director = 1,
                               .internal_web_fqdn = "dir01.contoso.test",
                               .external_web_fqdn = "dirweb.contoso.test",
                               .sip_client_internal = {"dir01.contoso.test", 5061},
                               .sip_client_external = {"sip.contoso.test", 443}};
    test_pools[1] = (mcx_pool){.id = "pool01.contoso.test",
                               .internal_web_fqdn = "pool01.contoso.test",
                               .external_web_fqdn = "webext01.contoso.test",
                               .sip_client_internal = {"pool01.contoso.test", 5061},
                               .sip_client_external = {"sip.contoso.test", 443}};
    test_pools[2] = (mcx_pool){.id = "pool02.contoso.test",
                               .internal_web_fqdn = "pool02.contoso.test",
                               .external_web_fqdn = "webext02.contoso.test"};
    test_users[0] = (mcx_user){.sip_uri = "bob@fabrikam.test", .password = "secret2", .home_pool = "pool01.contoso.test", .enabled = 1, .enterprise_voice = 0};
    test_users[1] = (mcx_user){.sip_uri = "alice@contoso.test", .password = "secret", .home_pool = "pool01.contoso.test", .enabled = 1, .enterprise_voice = 1};
    test_users[2] = (mcx_user){.sip_uri = "carol@contoso.test", .password = "secret", .home_pool = "pool02.contoso.test", .enabled = 1, .enterprise_voice = 0};
    test_users[3] = (mcx_user){.sip_uri = "dave@contoso.test", .password = "secret", .home_pool = "online", .enabled = 1, .enterprise_voice = 0};
    test_users[4] = (mcx_user){.sip_uri = "erin@contoso.test", .password = "secret", .home_pool = "pool01.contoso.test", .enabled = 0, .enterprise_voice = 0};
    t.profile = MCX_PROFILE_2010CU4;
    t.sip_domains = test_domains;
    t.nsip_domains = 2;
    t.pools = test_pools;
    t.npools = 3;
    t.users = test_users;
    t.nusers = 5;
    t.reverse_proxy_fqdn = "rp.contoso.test";
    t.session_expiration_interval = 259200;
    t.session_short_expiration_interval = 3600;
    t.online_autodiscover_url = "https://webdir.online.lync.test/Autodiscover/AutodiscoverService.svc/root";
    return &t;
}

static void test_vars_from_topology(void **state)
{
    (void)state;
    mcx_vector_vars v;
    mcx_vector_vars_init(&v);
    assert_int_equal(mcx_vector_vars_from_topology(&v, test_topology()), 0);
    static const char *const want[][2] = {
        {"profile", "2010cu4"},
        {"sip_domain", "contoso.test"},
        {"sip_domain_other", "fabrikam.test"},
        {"lyncdiscover", "lyncdiscover.contoso.test"},
        {"lyncdiscoverinternal", "lyncdiscoverinternal.contoso.test"},
        {"ad_pool_internal_web", "dir01.contoso.test"},
        {"ad_pool_external_web", "dirweb.contoso.test"},
        {"ad_sip_client_internal_port", "5061"},
        {"user", "alice@contoso.test"}, /* first user of the first domain */
        {"password", "secret"},
        {"basic_auth", "YWxpY2VAY29udG9zby50ZXN0OnNlY3JldA=="},
        {"home_pool_external_web", "webext01.contoso.test"},
        {"mcx_web", "webext01.contoso.test"},
        {"user_other_domain", "bob@fabrikam.test"},
        {"user_other_pool", "carol@contoso.test"},
        {"other_pool_external_web", "webext02.contoso.test"},
        {"user_online", "dave@contoso.test"},
        {"user_disabled", "erin@contoso.test"},
        {"user_unknown", "nobody.unknown@contoso.test"},
        {"reverse_proxy", "rp.contoso.test"},
        {"mcx_web_other_domain", "webext01.contoso.test"},
        {"mcx_web_other_pool", "webext02.contoso.test"},
        {"session_short_expiration_interval", "3600"},
        {"session_expiration_interval", "259200"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const char *got = mcx_vector_vars_get(&v, want[i][0]);
        if (!got || strcmp(got, want[i][1]) != 0) {
            print_error("{{%s}}: expected %s, got %s\n", want[i][0], want[i][1],
                        got ? got : "(none)");
            fail();
        }
        assert_true(mcx_vector_var_known(want[i][0]));
    }
    /* Every value set is a documented variable. */
    for (size_t i = 0; i < v.n; i++)
        assert_true(mcx_vector_var_known(v.names[i]));
    mcx_vector_vars_free(&v);

    /* No online user in the topology: no {{user_online}}. */
    mcx_topology *t = test_topology();
    t->online_autodiscover_url = NULL;
    mcx_vector_vars_init(&v);
    assert_int_equal(mcx_vector_vars_from_topology(&v, t), 0);
    assert_null(mcx_vector_vars_get(&v, "user_online"));
    assert_non_null(mcx_vector_vars_get(&v, "user"));
    mcx_vector_vars_free(&v);
}

static void test_expand(void **state)
{
    (void)state;
    mcx_vector_vars v;
    mcx_vector_vars_init(&v);
    assert_int_equal(mcx_vector_vars_set(&v, "a", "1"), 0);
    assert_int_equal(mcx_vector_vars_set(&v, "b_2", "two"), 0);
    assert_int_equal(mcx_vector_vars_set(&v, "a", "one"), 0); /* replaces */
    char missing[64];
    char *s = mcx_vector_expand("x{{a}}-{{b_2}}{{a}}{y}", &v, missing, sizeof missing);
    assert_non_null(s);
    assert_string_equal(s, "xone-twoone{y}");
    free(s);
    assert_null(mcx_vector_expand("{{nope}}", &v, missing, sizeof missing));
    assert_string_equal(missing, "nope");
    assert_null(mcx_vector_expand("{{a}", &v, missing, sizeof missing));
    assert_non_null(strstr(missing, "malformed"));
    mcx_vector_vars_free(&v);

    char bad[64];
    const char *defined[] = {"tok"};
    assert_int_equal(mcx_vector_template_check("{{user}}/{{tok}}", defined, 1, bad, sizeof bad),
                     0);
    assert_int_equal(mcx_vector_template_check("{{tok}}", NULL, 0, bad, sizeof bad), -1);
    assert_string_equal(bad, "tok");
    assert_int_equal(mcx_vector_template_check("{{User}}", NULL, 0, bad, sizeof bad), -2);
}

static void test_base64(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foobar", "Zm9vYmFy"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *b = mcx_vector_base64((const unsigned char *)cases[i][0], strlen(cases[i][0]));
        assert_string_equal(b, cases[i][1]);
        free(b);
    }
}

/* ---- JSON pointer (RFC 6901 section 5 example) ---- */

static void test_json_pointer(void **state)
{
    (void)state;
    json_error_t jerr;
    json_t *doc = json_loads("{\"foo\": [\"bar\", \"baz\"], \"\": 0, \"a/b\": 1, \"c%d\": 2,"
                             " \"e^f\": 3, \"g|h\": 4, \"i\\\\j\": 5, \"k\\\"l\": 6, \" \": 7,"
                             " \"m~n\": 8}",
                             0, &jerr);
    assert_non_null(doc);
    char err[128];
    assert_ptr_equal(mcx_json_pointer(doc, "", err, sizeof err), doc);
    assert_ptr_equal(mcx_json_pointer(doc, "/foo", err, sizeof err), json_object_get(doc, "foo"));
    assert_string_equal(json_string_value(mcx_json_pointer(doc, "/foo/0", err, sizeof err)), "bar");
    static const struct {
        const char *ptr;
        int value;
    } ints[] = {{"/", 0}, {"/a~1b", 1}, {"/c%d", 2}, {"/e^f", 3}, {"/g|h", 4},
                {"/i\\j", 5}, {"/k\"l", 6}, {"/ ", 7}, {"/m~0n", 8}};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        json_t *v = mcx_json_pointer(doc, ints[i].ptr, err, sizeof err);
        assert_non_null(v);
        assert_int_equal(json_integer_value(v), ints[i].value);
    }
    assert_null(mcx_json_pointer(doc, "/foo/2", err, sizeof err));    /* out of range */
    assert_null(mcx_json_pointer(doc, "/foo/01", err, sizeof err));   /* leading zero */
    assert_null(mcx_json_pointer(doc, "/foo/-", err, sizeof err));    /* past the end */
    assert_null(mcx_json_pointer(doc, "/nope", err, sizeof err));
    assert_null(mcx_json_pointer(doc, "/m~2n", err, sizeof err));     /* bad escape */
    assert_non_null(strstr(err, "escape"));
    assert_null(mcx_json_pointer(doc, "foo", err, sizeof err));       /* no leading / */
    assert_null(mcx_json_pointer(doc, "/foo/0/x", err, sizeof err));  /* into a scalar */
    json_decref(doc);

    /* [name=value] selectors: the first array element whose members match. */
    doc = json_loads("{\"sender\":[{\"rel\":\"me\",\"events\":[1]},{\"rel\":\"communication\","
                     "\"events\":[{\"link\":{\"rel\":\"message\"},\"type\":\"completed\"},"
                     "{\"link\":{\"rel\":\"message\"},\"type\":\"added\",\"n\":7}]}],"
                     "\"[rel=me]\":3}",
                     0, &jerr);
    assert_non_null(doc);
    json_t *v = mcx_json_pointer(doc, "/sender/[rel=communication]/events/[link.rel=message]/type",
                                 err, sizeof err);
    assert_string_equal(json_string_value(v), "completed");
    v = mcx_json_pointer(doc, "/sender/[rel=communication]/events/[link.rel=message,type=added]/n",
                         err, sizeof err);
    assert_int_equal(json_integer_value(v), 7);
    v = mcx_json_pointer(doc, "/sender/[rel=communication]/events/[n=7]/type", err, sizeof err);
    assert_string_equal(json_string_value(v), "added");
    assert_null(mcx_json_pointer(doc, "/sender/[rel=people]", err, sizeof err));
    assert_non_null(strstr(err, "[rel=people]"));
    assert_null(mcx_json_pointer(doc, "/sender/[link=x]", err, sizeof err)); /* no such member */
    /* On an object a selector-looking token is a member name (RFC 6901). */
    assert_int_equal(json_integer_value(mcx_json_pointer(doc, "/[rel=me]", err, sizeof err)), 3);
    json_decref(doc);
}

/* ---- assertions over a synthetic response ---- */

static mcx_http_header resp_headers[] = {
    {"Content-Type", "application/vnd.microsoft.rtc.autodiscover+xml; v=1"},
    {"WWW-Authenticate", "Bearer x"},
    {"WWW-Authenticate", "MsRtcOAuth href=\"https://a/WebTicket/oauthtoken\""},
    {"X-Token", "tok"},
};

static void fake_response(mcx_http_response *r, const char *body)
{
    memset(r, 0, sizeof *r);
    r->status = 200;
    r->http_version = "HTTP/1.1";
    r->headers = resp_headers;
    r->nheaders = sizeof resp_headers / sizeof resp_headers[0];
    r->body = (char *)body;
    r->body_len = strlen(body);
}

static int check(const mcx_http_response *r, mcx_vector_assert_kind kind, mcx_vector_op op,
                 const char *target, const char *value)
{
    mcx_vector_step s;
    memset(&s, 0, sizeof s);
    mcx_vector_assert a = {kind, op, (char *)target, (char *)value, 1};
    mcx_vector_vars v;
    mcx_vector_vars_init(&v);
    mcx_vector_vars_set(&v, "host", "dirweb.contoso.test");
    char why[512];
    int ok = mcx_conform_assert(&s, &a, r, &v, why, sizeof why);
    if (!ok)
        assert_true(why[0] != '\0'); /* a failure always says why */
    mcx_vector_vars_free(&v);
    return ok;
}

static const char ad_xml[] =
    "<?xml version=\"1.0\"?>\n"
    "<AutodiscoverResponse xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
    "AccessLocation=\"External\"><Root>"
    "<Link token=\"Domain\" href=\"https://dirweb.contoso.test/root/domain\"/>"
    "<Link token=\"User\" href=\"https://dirweb.contoso.test/root/user\"/>"
    "</Root></AutodiscoverResponse>";

static void test_assert_xpath(void **state)
{
    (void)state;
    mcx_http_response r;
    fake_response(&r, ad_xml);
    assert_true(check(&r, MCX_VA_XPATH, MCX_VOP_COUNT, "/AutodiscoverResponse/Root/Link", "2"));
    assert_false(check(&r, MCX_VA_XPATH, MCX_VOP_COUNT, "/AutodiscoverResponse/Root/Link", "3"));
    assert_true(check(&r, MCX_VA_XPATH, MCX_VOP_EQUALS, "/AutodiscoverResponse/@AccessLocation",
                      "External"));
    assert_false(check(&r, MCX_VA_XPATH, MCX_VOP_EQUALS,
                       "/AutodiscoverResponse/@AccessLocation", "Internal"));
    assert_true(check(&r, MCX_VA_XPATH, MCX_VOP_EQUALS, "//Link[@token='User']/@href",
                      "https://{{host}}/root/user"));
    assert_true(check(&r, MCX_VA_XPATH, MCX_VOP_ABSENT, "//Link[@token='Redirect']", NULL));
    assert_false(check(&r, MCX_VA_XPATH, MCX_VOP_ABSENT, "//Link[@token='User']", NULL));
    assert_true(check(&r, MCX_VA_XPATH, MCX_VOP_EQUALS, "count(//Link)", "2"));
    assert_true(check(&r, MCX_VA_XPATH, MCX_VOP_MATCHES, "//Link[1]/@href", "^https://"));
    assert_false(check(&r, MCX_VA_XPATH, MCX_VOP_EQUALS, "//Nothing", "x"));

    /* The document's own namespaces: default namespace as "d", prefixes as declared. */
    fake_response(&r, "<r xmlns=\"urn:d\" xmlns:p=\"urn:p\"><p:x>1</p:x><y>2</y></r>");
    assert_true(check(&r, MCX_VA_XPATH, MCX_VOP_EQUALS, "/d:r/p:x", "1"));
    assert_true(check(&r, MCX_VA_XPATH, MCX_VOP_EQUALS, "/d:r/d:y", "2"));
    assert_false(check(&r, MCX_VA_XPATH, MCX_VOP_PRESENT, "/d:r/q:z", NULL)); /* unknown prefix */

    /* Untrusted bodies: not well-formed, or with a DOCTYPE, never match. */
    fake_response(&r, "<a><b></a>");
    assert_false(check(&r, MCX_VA_XPATH, MCX_VOP_PRESENT, "/a", NULL));
    fake_response(&r, "<!DOCTYPE a [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><a>&e;</a>");
    assert_false(check(&r, MCX_VA_XPATH, MCX_VOP_PRESENT, "/a", NULL));
    fake_response(&r, "");
    assert_false(check(&r, MCX_VA_XPATH, MCX_VOP_PRESENT, "/a", NULL));
}

static void test_assert_json(void **state)
{
    (void)state;
    mcx_http_response r;
    fake_response(&r, "{\"AccessLocation\":\"External\",\"Root\":{\"Links\":[{\"token\":"
                      "\"Domain\",\"href\":\"https://dirweb.contoso.test/d\"},{\"token\":\"User\"}]},"
                      "\"n\":5,\"t\":true}");
    assert_true(check(&r, MCX_VA_JSON, MCX_VOP_EQUALS, "/AccessLocation", "External"));
    assert_true(check(&r, MCX_VA_JSON, MCX_VOP_COUNT, "/Root/Links", "2"));
    assert_false(check(&r, MCX_VA_JSON, MCX_VOP_COUNT, "/Root/Links", "1"));
    assert_true(check(&r, MCX_VA_JSON, MCX_VOP_EQUALS, "/Root/Links/0/href",
                      "https://{{host}}/d"));
    assert_true(check(&r, MCX_VA_JSON, MCX_VOP_EQUALS, "/n", "5"));
    assert_true(check(&r, MCX_VA_JSON, MCX_VOP_EQUALS, "/t", "true"));
    assert_true(check(&r, MCX_VA_JSON, MCX_VOP_ABSENT, "/Root/Links/2", NULL));
    assert_true(check(&r, MCX_VA_JSON, MCX_VOP_PRESENT, "/Root/Links/1/token", NULL));
    assert_false(check(&r, MCX_VA_JSON, MCX_VOP_PRESENT, "/User", NULL));
    assert_false(check(&r, MCX_VA_JSON, MCX_VOP_COUNT, "/n", "1")); /* scalar: not countable */
    fake_response(&r, "not json");
    assert_false(check(&r, MCX_VA_JSON, MCX_VOP_PRESENT, "", NULL));
}

static void test_assert_header_and_body(void **state)
{
    (void)state;
    mcx_http_response r;
    fake_response(&r, "hello world");
    assert_true(check(&r, MCX_VA_HEADER, MCX_VOP_EQUALS, "content-type",
                      "application/vnd.microsoft.rtc.autodiscover+xml; v=1"));
    assert_false(check(&r, MCX_VA_HEADER, MCX_VOP_EQUALS, "Content-Type", "text/xml"));
    assert_true(check(&r, MCX_VA_HEADER, MCX_VOP_ABSENT, "Location", NULL));
    assert_false(check(&r, MCX_VA_HEADER, MCX_VOP_ABSENT, "X-Token", NULL));
    assert_true(check(&r, MCX_VA_HEADER, MCX_VOP_COUNT, "WWW-Authenticate", "2"));
    /* Any occurrence of a repeated header may satisfy it. */
    assert_true(check(&r, MCX_VA_HEADER, MCX_VOP_MATCHES, "WWW-Authenticate", "^MsRtcOAuth "));
    assert_true(check(&r, MCX_VA_HEADER, MCX_VOP_MATCHES, "WWW-Authenticate", "^Bearer "));
    assert_false(check(&r, MCX_VA_HEADER, MCX_VOP_MATCHES, "WWW-Authenticate", "^Basic "));
    assert_false(check(&r, MCX_VA_HEADER, MCX_VOP_EQUALS, "Location", "x"));
    assert_true(check(&r, MCX_VA_BODY, MCX_VOP_CONTAINS, NULL, "lo wo"));
    assert_true(check(&r, MCX_VA_BODY, MCX_VOP_COUNT, NULL, "11"));
    assert_false(check(&r, MCX_VA_BODY, MCX_VOP_EMPTY, NULL, NULL));
    assert_false(check(&r, MCX_VA_BODY, MCX_VOP_WELLFORMED, NULL, "json"));
    fake_response(&r, "");
    assert_true(check(&r, MCX_VA_BODY, MCX_VOP_EMPTY, NULL, NULL));
    fake_response(&r, "{\"a\":[1]}");
    assert_true(check(&r, MCX_VA_BODY, MCX_VOP_WELLFORMED, NULL, "json"));
    assert_false(check(&r, MCX_VA_BODY, MCX_VOP_WELLFORMED, NULL, "xml"));
    /* Byte-for-byte body equality (a batch sent again). */
    assert_true(check(&r, MCX_VA_BODY, MCX_VOP_EQUALS, NULL, "{\"a\":[1]}"));
    assert_false(check(&r, MCX_VA_BODY, MCX_VOP_EQUALS, NULL, "{\"a\": [1]}"));
    assert_false(check(&r, MCX_VA_BODY, MCX_VOP_EQUALS, NULL, "{\"a\":[1]"));
    /* absent on a JSON member says what was found. */
    assert_false(check(&r, MCX_VA_JSON, MCX_VOP_ABSENT, "/a", NULL));
}

static void test_capture(void **state)
{
    (void)state;
    mcx_http_response r;
    mcx_vector_step s;
    memset(&s, 0, sizeof s);
    mcx_vector_vars v;
    mcx_vector_vars_init(&v);
    char why[256];
    fake_response(&r, "<e xmlns:p=\"urn:p\"><p:a x=\"1\">t</p:a></e>");
    mcx_vector_capture c1 = {MCX_VA_HEADER, "tok", "X-Token", 0, 1, 1, NULL};
    assert_int_equal(mcx_conform_capture(&s, &c1, &r, &v, why, sizeof why), 0);
    assert_string_equal(mcx_vector_vars_get(&v, "tok"), "dG9r");
    mcx_vector_capture c2 = {MCX_VA_XPATH, "el", "//p:a", 1, 0, 1, NULL};
    assert_int_equal(mcx_conform_capture(&s, &c2, &r, &v, why, sizeof why), 0);
    assert_string_equal(mcx_vector_vars_get(&v, "el"), "<p:a xmlns:p=\"urn:p\" x=\"1\">t</p:a>");
    mcx_vector_capture c3 = {MCX_VA_XPATH, "txt", "string(//p:a/@x)", 0, 0, 1, NULL};
    assert_int_equal(mcx_conform_capture(&s, &c3, &r, &v, why, sizeof why), 0);
    assert_string_equal(mcx_vector_vars_get(&v, "txt"), "1");
    mcx_vector_capture c4 = {MCX_VA_HEADER, "none", "X-Absent", 0, 0, 1, NULL};
    assert_int_equal(mcx_conform_capture(&s, &c4, &r, &v, why, sizeof why), -1);
    assert_non_null(strstr(why, "X-Absent"));
    fake_response(&r, "{\"access_token\":\"cwt=abc\"}");
    mcx_vector_capture c5 = {MCX_VA_JSON, "at", "/access_token", 0, 0, 1, NULL};
    assert_int_equal(mcx_conform_capture(&s, &c5, &r, &v, why, sizeof why), 0);
    assert_string_equal(mcx_vector_vars_get(&v, "at"), "cwt=abc");

    /* The raw body; a value after a prefix (with {{variables}}). */
    mcx_vector_capture c6 = {MCX_VA_BODY, "all", NULL, 0, 0, 1, NULL};
    assert_int_equal(mcx_conform_capture(&s, &c6, &r, &v, why, sizeof why), 0);
    assert_string_equal(mcx_vector_vars_get(&v, "all"), "{\"access_token\":\"cwt=abc\"}");
    mcx_vector_vars_set(&v, "scheme", "cwt");
    mcx_vector_capture c7 = {MCX_VA_JSON, "raw", "/access_token", 0, 0, 1, "{{scheme}}="};
    assert_int_equal(mcx_conform_capture(&s, &c7, &r, &v, why, sizeof why), 0);
    assert_string_equal(mcx_vector_vars_get(&v, "raw"), "abc");
    mcx_vector_capture c8 = {MCX_VA_JSON, "bad", "/access_token", 0, 0, 1, "Bearer "};
    assert_int_equal(mcx_conform_capture(&s, &c8, &r, &v, why, sizeof why), -1);
    assert_non_null(strstr(why, "does not start with 'Bearer '"));
    assert_null(mcx_vector_vars_get(&v, "bad"));
    static const char nul_body[] = {'a', 0, 'b'};
    r.body = (char *)nul_body;
    r.body_len = sizeof nul_body;
    assert_int_equal(mcx_conform_capture(&s, &c6, &r, &v, why, sizeof why), -1);
    assert_non_null(strstr(why, "NUL"));
    mcx_vector_vars_free(&v);
}

/* ---- recordings, targets, shuffle ---- */

static void test_recording_roundtrip(void **state)
{
    (void)state;
    char dir[] = "/tmp/mcx-test-vector-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/AD-X-001.http", dir);
    mcx_conform_recording r = {NULL, 0};
    static const char binary[] = {'H', 'T', 0, '\n', (char)0xff, 's', 't', 'e', 'p', ' '};
    assert_int_equal(mcx_conform_recording_add(&r, "one", binary, sizeof binary), 0);
    assert_int_equal(mcx_conform_recording_add(&r, "two", "", 0), 0);
    assert_int_equal(mcx_conform_recording_write(path, "AD-X-001", &r), 0);
    mcx_conform_recording back = {NULL, 0};
    char err[256];
    assert_int_equal(mcx_conform_recording_read(path, &back, err, sizeof err), 0);
    assert_int_equal(back.n, 2);
    assert_string_equal(back.ex[0].step, "one");
    assert_int_equal(back.ex[0].len, sizeof binary);
    assert_memory_equal(back.ex[0].bytes, binary, sizeof binary);
    assert_int_equal(back.ex[1].len, 0);
    mcx_conform_recording_free(&back);
    mcx_conform_recording_free(&r);

    /* Truncated file: an error naming the byte offset. */
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs("mcxlab-recording 1 AD-X-001\nstep one 100\nshort", f);
    fclose(f);
    assert_int_equal(mcx_conform_recording_read(path, &back, err, sizeof err), -1);
    assert_non_null(strstr(err, "byte 28"));
    assert_non_null(strstr(err, "truncated"));
    unlink(path);
    assert_int_equal(mcx_conform_recording_read(path, &back, err, sizeof err), 1);
    rmdir(dir);

    /* Serialisation: status line, headers in order, blank line, body. */
    mcx_http_response resp;
    fake_response(&resp, "B");
    resp.nheaders = 1;
    char *bytes;
    size_t len;
    assert_int_equal(mcx_conform_serialize(&resp, &bytes, &len), 0);
    const char want[] = "HTTP/1.1 200\r\nContent-Type: "
                        "application/vnd.microsoft.rtc.autodiscover+xml; v=1\r\n\r\nB";
    assert_int_equal(len, strlen(want));
    assert_memory_equal(bytes, want, len);
    free(bytes);
}

static void test_parse_target(void **state)
{
    (void)state;
    mcx_conform_target t;
    char err[256];
    assert_int_equal(mcx_conform_parse_target("https://127.0.4.1:14443", MCX_ACCESS_EXTERNAL, &t,
                                              err, sizeof err),
                     0);
    assert_string_equal(t.scheme, "https");
    assert_string_equal(t.addr, "127.0.4.1");
    assert_int_equal(t.port, 14443);
    assert_int_equal(t.site, MCX_ACCESS_EXTERNAL);
    assert_int_equal(mcx_conform_parse_target("http://127.0.4.1", MCX_ACCESS_INTERNAL, &t, err,
                                              sizeof err),
                     0);
    assert_int_equal(t.port, 80);
    assert_int_equal(mcx_conform_parse_target("ftp://127.0.4.1:21", MCX_ACCESS_INTERNAL, &t, err,
                                              sizeof err),
                     -1);
    assert_int_equal(mcx_conform_parse_target("https://127.0.4.1:1/path", MCX_ACCESS_INTERNAL,
                                              &t, err, sizeof err),
                     -1);
    assert_int_equal(
        mcx_conform_parse_target("not a url", MCX_ACCESS_INTERNAL, &t, err, sizeof err), -1);
}

static void test_shuffle(void **state)
{
    (void)state;
    mcx_vector items[10];
    mcx_vector *a[10], *b[10];
    for (int i = 0; i < 10; i++)
        a[i] = b[i] = &items[i];
    mcx_conform_shuffle(a, 10, 7);
    mcx_conform_shuffle(b, 10, 7);
    assert_memory_equal(a, b, sizeof a); /* same seed, same order */
    int moved = 0, seen[10] = {0};
    for (int i = 0; i < 10; i++) {
        moved += a[i] != &items[i];
        seen[a[i] - items]++;
    }
    assert_true(moved > 0);
    for (int i = 0; i < 10; i++)
        assert_int_equal(seen[i], 1); /* a permutation */
    for (int i = 0; i < 10; i++)
        b[i] = &items[i];
    mcx_conform_shuffle(b, 10, 8);
    assert_memory_not_equal(a, b, sizeof a); /* another seed, another order */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_good),
        cmocka_unit_test(test_load_async),
        cmocka_unit_test(test_load_bad_files),
        cmocka_unit_test(test_load_missing_file),
        cmocka_unit_test(test_load_too_large),
        cmocka_unit_test(test_shipped_vectors_load),
        cmocka_unit_test(test_vars_from_topology),
        cmocka_unit_test(test_expand),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_json_pointer),
        cmocka_unit_test(test_assert_xpath),
        cmocka_unit_test(test_assert_json),
        cmocka_unit_test(test_assert_header_and_body),
        cmocka_unit_test(test_capture),
        cmocka_unit_test(test_recording_roundtrip),
        cmocka_unit_test(test_parse_target),
        cmocka_unit_test(test_shuffle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
