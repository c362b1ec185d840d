/*
 * test_report.c -- the report model and every output format.
 *
 * Owns: golden expectations for text, json, jsonl, junit and tap rendered
 * from a report with steps, findings of every level, cases and hostile
 * strings (quotes, <, &, newlines, '#', invalid UTF-8, control bytes, an
 * ANSI escape); byte-identical re-rendering; JSON parsing back with
 * jansson; JUnit validation against the common JUnit schema shape with
 * libxml2; the TAP plan; sanitising and excerpt bounds; unknown IDs;
 * exit codes per --fail-on; and the common CLI options (cli_common.c:
 * parsing, RFC 3339, atomic --output). Does not own: catalogue invariants
 * (test_catalogue.c).
 * The golden report and outputs live in report_golden.h.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>

#include "commands.h"
#include "mcx/catalogue.h"
#include "mcx/report.h"
#include "report_golden.h"

/* ---- helpers ------------------------------------------------------------ */

/* Render into a malloc'd NUL-terminated buffer. */
static char *render(const mcx_report *r, mcx_format fmt, int color, size_t *len_out)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    assert_int_equal(mcx_report_write(r, fmt, color, m), 0);
    assert_int_equal(fclose(m), 0);
    if (len_out)
        *len_out = len;
    return buf;
}

static void assert_golden(mcx_format fmt, const char *golden)
{
    mcx_report *r = golden_report();
    size_t len1, len2;
    char *first = render(r, fmt, 0, &len1);
    char *second = render(r, fmt, 0, &len2);
    if (strcmp(first, golden) != 0)
        print_error("--- got ---\n%s--- expected ---\n%s", first, golden);
    assert_string_equal(first, golden);
    assert_int_equal(len1, strlen(golden)); /* no embedded NUL */
    assert_int_equal(len1, len2);
    assert_memory_equal(first, second, len1);
    free(first);
    free(second);
    mcx_report_free(r);
}

static void test_golden_text(void **state)
{
    (void)state;
    assert_golden(MCX_FORMAT_TEXT, golden_text);
}

static void test_golden_json(void **state)
{
    (void)state;
    assert_golden(MCX_FORMAT_JSON, golden_json);
}

static void test_golden_jsonl(void **state)
{
    (void)state;
    assert_golden(MCX_FORMAT_JSONL, golden_jsonl);
}

static void test_golden_junit(void **state)
{
    (void)state;
    assert_golden(MCX_FORMAT_JUNIT, golden_junit);
}

static void test_golden_tap(void **state)
{
    (void)state;
    assert_golden(MCX_FORMAT_TAP, golden_tap);
}

/* ---- structure of each format ------------------------------------------ */

static void assert_keys(json_t *obj, const char *const *keys, size_t n)
{
    assert_true(json_is_object(obj));
    assert_int_equal(json_object_size(obj), n);
    size_t k = 0;
    for (void *it = json_object_iter(obj); it; it = json_object_iter_next(obj, it), k++)
        assert_string_equal(json_object_iter_key(it), keys[k]);
}

static void test_json_parses_in_key_order(void **state)
{
    (void)state;
    static const char *const top[] = {"tool", "command", "subject", "summary",
                                      "steps", "findings", "cases"};
    static const char *const summary[] = {"error", "warning", "notice", "info",
                                          "cases_passed", "cases_failed", "cases_skipped"};
    mcx_report *r = golden_report();
    char *text = render(r, MCX_FORMAT_JSON, 0, NULL);
    json_error_t err;
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &err);
    assert_non_null(root);
    assert_keys(root, top, 7);
    assert_keys(json_object_get(root, "summary"), summary, 7);
    assert_int_equal(json_array_size(json_object_get(root, "steps")), r->nsteps);
    assert_int_equal(json_array_size(json_object_get(root, "findings")), r->nfindings);
    assert_int_equal(json_array_size(json_object_get(root, "cases")), r->ncases);
    /* The invalid UTF-8 of a step title survives as visible escapes. */
    json_t *step2 = json_array_get(json_object_get(root, "steps"), 2);
    assert_string_equal(json_string_value(json_object_get(step2, "title")),
                        "Skipped bad\\x01\\x1b[31mred\\xff");
    json_decref(root);
    free(text);

    /* JSON Lines: every line parses, has a type, the last is the summary. */
    text = render(r, MCX_FORMAT_JSONL, 0, NULL);
    size_t lines = 0;
    char *save = NULL;
    const char *last_type = NULL;
    json_t *last = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_t *v = json_loads(line, JSON_REJECT_DUPLICATES, &err);
        assert_non_null(v);
        last_type = json_string_value(json_object_get(v, "type"));
        assert_non_null(last_type);
        json_decref(last);
        last = v;
        lines++;
    }
    assert_int_equal(lines, r->nsteps + r->nfindings + r->ncases + 1);
    assert_string_equal(json_string_value(json_object_get(last, "type")), "summary");
    assert_int_equal(json_integer_value(json_object_get(last, "cases_failed")), 1);
    json_decref(last);
    free(text);
    mcx_report_free(r);
}

/* The common JUnit shape (as in Jenkins' junit-10.xsd): testsuites >
 * testsuite > properties?, testcase*, system-out?, system-err?. */
static const char junit_xsd[] =
    "<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema' elementFormDefault='qualified'>"
    "<xs:complexType name='problem' mixed='true'>"
    " <xs:attribute name='type' type='xs:string'/><xs:attribute name='message' type='xs:string'/>"
    "</xs:complexType>"
    "<xs:element name='failure' type='problem'/><xs:element name='error' type='problem'/>"
    "<xs:element name='skipped'><xs:complexType mixed='true'>"
    " <xs:attribute name='message' type='xs:string'/></xs:complexType></xs:element>"
    "<xs:element name='system-out' type='xs:string'/>"
    "<xs:element name='system-err' type='xs:string'/>"
    "<xs:element name='property'><xs:complexType>"
    " <xs:attribute name='name' type='xs:string' use='required'/>"
    " <xs:attribute name='value' type='xs:string' use='required'/></xs:complexType></xs:element>"
    "<xs:element name='properties'><xs:complexType><xs:sequence>"
    " <xs:element ref='property' maxOccurs='unbounded'/></xs:sequence></xs:complexType></xs:element>"
    "<xs:element name='testcase'><xs:complexType><xs:choice minOccurs='0' maxOccurs='unbounded'>"
    " <xs:element ref='skipped'/><xs:element ref='error'/><xs:element ref='failure'/>"
    " <xs:element ref='system-out'/><xs:element ref='system-err'/></xs:choice>"
    " <xs:attribute name='name' type='xs:string' use='required'/>"
    " <xs:attribute name='classname' type='xs:string'/><xs:attribute name='time' type='xs:decimal'/>"
    " <xs:attribute name='assertions' type='xs:string'/><xs:attribute name='status' type='xs:string'/>"
    "</xs:complexType></xs:element>"
    "<xs:attributeGroup name='counts'>"
    " <xs:attribute name='failures' type='xs:nonNegativeInteger'/>"
    " <xs:attribute name='errors' type='xs:nonNegativeInteger'/>"
    " <xs:attribute name='skipped' type='xs:nonNegativeInteger'/>"
    " <xs:attribute name='time' type='xs:decimal'/></xs:attributeGroup>"
    "<xs:element name='testsuite'><xs:complexType><xs:sequence>"
    " <xs:element ref='properties' minOccurs='0'/>"
    " <xs:element ref='testcase' minOccurs='0' maxOccurs='unbounded'/>"
    " <xs:element ref='system-out' minOccurs='0'/><xs:element ref='system-err' minOccurs='0'/>"
    "</xs:sequence><xs:attribute name='name' type='xs:string' use='required'/>"
    " <xs:attribute name='tests' type='xs:nonNegativeInteger' use='required'/>"
    " <xs:attributeGroup ref='counts'/></xs:complexType></xs:element>"
    "<xs:element name='testsuites'><xs:complexType><xs:sequence>"
    " <xs:element ref='testsuite' minOccurs='0' maxOccurs='unbounded'/></xs:sequence>"
    " <xs:attribute name='name' type='xs:string'/>"
    " <xs:attribute name='tests' type='xs:nonNegativeInteger'/>"
    " <xs:attributeGroup ref='counts'/></xs:complexType></xs:element>"
    "</xs:schema>";

static double junit_xpath_number(xmlDocPtr doc, const char *expr)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    assert_non_null(ctx);
    xmlXPathObjectPtr obj = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
    assert_non_null(obj);
    double v = xmlXPathCastToNumber(obj);
    xmlXPathFreeObject(obj);
    xmlXPathFreeContext(ctx);
    return v;
}

static void assert_junit_valid(const mcx_report *r, int expect_tests, int expect_failures)
{
    size_t len;
    char *xml = render(r, MCX_FORMAT_JUNIT, 0, &len);
    xmlDocPtr doc = xmlReadMemory(xml, (int)len, "report.xml", NULL, XML_PARSE_NONET);
    assert_non_null(doc);

    xmlSchemaParserCtxtPtr pctx = xmlSchemaNewMemParserCtxt(junit_xsd, (int)strlen(junit_xsd));
    xmlSchemaPtr schema = xmlSchemaParse(pctx);
    assert_non_null(schema);
    xmlSchemaValidCtxtPtr vctx = xmlSchemaNewValidCtxt(schema);
    assert_int_equal(xmlSchemaValidateDoc(vctx, doc), 0);
    xmlSchemaFreeValidCtxt(vctx);
    xmlSchemaFree(schema);
    xmlSchemaFreeParserCtxt(pctx);

    /* The counts in the attributes match the elements. */
    assert_true(junit_xpath_number(doc, "count(//testcase)") == expect_tests);
    assert_true(junit_xpath_number(doc, "number(/testsuites/testsuite/@tests)") == expect_tests);
    assert_true(junit_xpath_number(doc, "count(//testcase/failure)") == expect_failures);
    assert_true(junit_xpath_number(doc, "number(/testsuites/testsuite/@failures)") ==
                expect_failures);
    assert_true(junit_xpath_number(doc, "count(//testcase/skipped)") ==
                junit_xpath_number(doc, "number(/testsuites/testsuite/@skipped)"));
    xmlFreeDoc(doc);
    free(xml);
}

static void test_junit_valid(void **state)
{
    (void)state;
    mcx_report *r = golden_report();
    /* 3 check steps (ok, fail, skip; not the info step) + 3 cases + 1 error
     * finding; failures: the failed step, the failed case, the error. */
    assert_junit_valid(r, 7, 3);
    mcx_report_free(r);

    r = mcx_report_new("mcxcheck", "conform", NULL);
    assert_junit_valid(r, 0, 0);
    mcx_report_free(r);
}

static void test_tap_plan_matches(void **state)
{
    (void)state;
    mcx_report *r = golden_report();
    char *tap = render(r, MCX_FORMAT_TAP, 0, NULL);
    assert_memory_equal(tap, "TAP version 13\n1..10\n", 21);
    size_t ok = 0, not_ok = 0;
    char *save = NULL;
    for (char *line = strtok_r(tap, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "ok ", 3) == 0)
            ok++;
        else if (strncmp(line, "not ok ", 7) == 0)
            not_ok++;
    }
    assert_int_equal(ok + not_ok, 10);
    assert_int_equal(not_ok, 3); /* the failed step, the failed case, the error */
    free(tap);
    mcx_report_free(r);
}

/* Issue 13, example 10: a passing run lists what it checked. Its checks
 * are passed test cases in junit and tap, never tests="0" nor "1..0"
 * (TAP's "skip all"); info steps are context, not tests. */
static void test_passing_run_lists_checks(void **state)
{
    (void)state;
    mcx_report *r = mcx_report_new("mcxcheck", "dns", "external DNS 127.0.0.1:53");
    mcx_report_step(r, 0, MCX_STEP_OK, 0, NULL, "external view: asked 6 names");
    mcx_report_step(r, 1, MCX_STEP_INFO, 0, NULL, "zone contoso.test");
    mcx_report_step(r, 0, MCX_STEP_OK, 0, "the first Autodiscover name that resolves",
                    "discovery external contoso.test: lyncdiscover.contoso.test");
    assert_junit_valid(r, 2, 0);
    char *xml = render(r, MCX_FORMAT_JUNIT, 0, NULL);
    assert_non_null(strstr(xml, " tests=\"2\" failures=\"0\" errors=\"0\" skipped=\"0\""));
    assert_non_null(strstr(xml, "<testcase name=\"discovery external contoso.test: "
                                "lyncdiscover.contoso.test\" classname=\"mcxcheck.dns\"/>"));
    assert_null(strstr(xml, "zone contoso.test\" classname"));
    free(xml);
    char *tap = render(r, MCX_FORMAT_TAP, 0, NULL);
    assert_non_null(strstr(tap, "TAP version 13\n1..2\n"));
    assert_non_null(strstr(tap, "\nok 1 - external view: asked 6 names\n"
                                "ok 2 - discovery external contoso.test: lyncdiscover.contoso.test\n"));
    assert_null(strstr(tap, "not ok"));
    free(tap);
    mcx_report_free(r);
}

static void test_empty_report_every_format(void **state)
{
    (void)state;
    mcx_report *r = mcx_report_new("mcxcheck", "discover", NULL);
    char *text = render(r, MCX_FORMAT_TEXT, 0, NULL);
    assert_string_equal(text, "mcxcheck discover\n\n"
                              "mcxcheck discover: 0 errors, 0 warnings, 0 notices, 0 info\n");
    free(text);
    char *tap = render(r, MCX_FORMAT_TAP, 0, NULL);
    assert_string_equal(tap, "TAP version 13\n1..0\n# mcxcheck discover\n"
                             "# mcxcheck discover: 0 errors, 0 warnings, 0 notices, 0 info\n");
    free(tap);
    char *jsonl = render(r, MCX_FORMAT_JSONL, 0, NULL);
    assert_string_equal(jsonl, "{\"type\":\"summary\",\"tool\":\"mcxcheck\",\"command\":\"discover\","
                               "\"subject\":null,\"error\":0,\"warning\":0,\"notice\":0,\"info\":0,"
                               "\"cases_passed\":0,\"cases_failed\":0,\"cases_skipped\":0}\n");
    free(jsonl);
    mcx_report_free(r);
}

static void test_color_only_when_asked(void **state)
{
    (void)state;
    mcx_report *r = golden_report();
    char *plain = render(r, MCX_FORMAT_TEXT, 0, NULL);
    char *colored = render(r, MCX_FORMAT_TEXT, 1, NULL);
    assert_null(strchr(plain, '\033')); /* the hostile ESC byte is escaped too */
    assert_non_null(strstr(colored, "\033[31m[FAIL]\033[0m"));
    assert_non_null(strstr(colored, "\033[32m[ OK ]\033[0m"));
    free(plain);
    free(colored);
    /* Colour never leaks into machine formats. */
    for (mcx_format f = MCX_FORMAT_JSON; f <= MCX_FORMAT_TAP; f++) {
        size_t a, b;
        char *x = render(r, f, 0, &a), *y = render(r, f, 1, &b);
        assert_int_equal(a, b);
        assert_memory_equal(x, y, a);
        free(x);
        free(y);
    }
    mcx_report_free(r);
}

static void test_timings_only_when_on(void **state)
{
    (void)state;
    mcx_report *r = golden_report();
    char *text = render(r, MCX_FORMAT_TEXT, 0, NULL);
    char *json = render(r, MCX_FORMAT_JSON, 0, NULL);
    assert_null(strstr(text, " ms)"));
    assert_null(strstr(json, "elapsed_ms"));
    free(text);
    free(json);
    r->timings = 1;
    text = render(r, MCX_FORMAT_TEXT, 0, NULL);
    json = render(r, MCX_FORMAT_JSON, 0, NULL);
    assert_non_null(strstr(text, "[ OK ] Resolve lyncdiscover.contoso.test (12.5 ms)\n"));
    assert_non_null(strstr(json, "\"elapsed_ms\": 3.25"));
    free(text);
    free(json);
    mcx_report_free(r);
}

/* ---- model -------------------------------------------------------------- */

static void test_add_copies_catalogue(void **state)
{
    (void)state;
    mcx_report *r = mcx_report_new(NULL, "list", NULL);
    for (size_t i = 0; i < mcx_catalogue_count(); i++) {
        const mcx_check *c = mcx_catalogue_at(i);
        mcx_finding *f = mcx_report_add(r, c->id, "occurrence %zu", i);
        assert_string_equal(f->id, c->id);
        assert_int_equal(f->level, c->level);
        assert_string_equal(f->title, c->title);
        assert_string_equal(f->source, c->source);
        assert_string_equal(f->remediation, c->remediation);
        assert_null(f->subject);
        assert_true(mcx_report_has(r, c->id));
    }
    assert_int_equal(r->nfindings, mcx_catalogue_count());
    assert_string_equal(r->tool, "mcxcheck");
    mcx_report_free(r);
}

static void test_unknown_id_is_internal_error(void **state)
{
    (void)state;
    mcx_report *r = mcx_report_new("mcxcheck", "discover", NULL);
    mcx_finding *f = mcx_report_add(r, "QQ-123", "boom %d", 7);
    assert_string_equal(f->id, "AD-000");
    assert_int_equal(f->level, MCX_LEVEL_ERROR);
    assert_non_null(strstr(f->message, "QQ-123"));
    assert_non_null(strstr(f->message, "boom 7"));
    assert_false(mcx_report_has(r, "QQ-123"));

    /* Same prefix as a table: that table's internal-error row. */
    if (mcx_catalogue_find("DS-000")) {
        f = mcx_report_add(r, "DS-999", "x");
        assert_string_equal(f->id, "DS-000");
    }
    f = mcx_report_add(r, NULL, "null id");
    assert_string_equal(f->id, "AD-000");
    assert_non_null(strstr(f->message, "(null)"));
    f = mcx_report_add(r, "\xff\n<bad>", "hostile id");
    assert_string_equal(f->message, "unknown catalogue ID '\\xff\n<bad>': hostile id");
    mcx_report_free(r);
}

static void test_sanitize_utf8(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
        {"overlong \xc0\xaf", "overlong \\xc0\\xaf"},
        {"surrogate \xed\xa0\x80", "surrogate \\xed\\xa0\\x80"},
        {"nonchar \xef\xbf\xbe", "nonchar \\xef\\xbf\\xbe"},
        {"c1 \xc2\x85", "c1 \\xc2\\x85"},
        {"too big \xf4\x90\x80\x80", "too big \\xf4\\x90\\x80\\x80"},
        {"cut \xf0\x9f\x98", "cut \\xf0\\x9f\\x98"},
        {"ctl \r\x1b\x7f\t\n", "ctl \\x0d\\x1b\\x7f\t\n"},
    };
    mcx_report *r = mcx_report_new("mcxcheck", "discover", NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mcx_report_step(r, 0, MCX_STEP_INFO, 0, cases[i].in, "%s", cases[i].in);
        assert_string_equal(r->steps[i].title, cases[i].out);
        assert_string_equal(r->steps[i].detail, cases[i].out);
        json_t *s = json_string(r->steps[i].title); /* jansson accepts it as UTF-8 */
        assert_non_null(s);
        json_decref(s);
    }
    mcx_report_free(r);
}

static void test_excerpt_bounded(void **state)
{
    (void)state;
    char big[5000];
    mcx_report *r = mcx_report_new("mcxcheck", "conform", NULL);
    mcx_finding *f = mcx_report_add(r, "AD-000", "excerpts");

    memset(big, 'A', sizeof big);
    mcx_finding_set_evidence(f, "http://x/", 200, big, sizeof big);
    assert_int_equal(strlen(f->evidence.excerpt), MCX_EXCERPT_MAX);
    assert_string_equal(f->evidence.excerpt + MCX_EXCERPT_MAX - 3, "...");

    memset(big, 0xff, sizeof big); /* every byte becomes 4: still bounded */
    mcx_finding_set_evidence(f, NULL, 0, big, sizeof big);
    assert_true(strlen(f->evidence.excerpt) <= MCX_EXCERPT_MAX);
    assert_memory_equal(f->evidence.excerpt, "\\xff\\xff", 8);
    assert_string_equal(f->evidence.excerpt + strlen(f->evidence.excerpt) - 3, "...");
    assert_null(f->evidence.url);

    memset(big, 'a', MCX_EXCERPT_MAX); /* exactly the bound: kept whole */
    mcx_finding_set_evidence(f, NULL, 0, big, MCX_EXCERPT_MAX);
    assert_int_equal(strlen(f->evidence.excerpt), MCX_EXCERPT_MAX);
    assert_null(strstr(f->evidence.excerpt, "..."));

    /* A multi-byte character is never split by the bound. */
    memset(big, 'a', MCX_EXCERPT_MAX - 4);
    memcpy(big + MCX_EXCERPT_MAX - 4, "\xe2\x82\xac\xe2\x82\xac", 6);
    mcx_finding_set_evidence(f, NULL, 0, big, MCX_EXCERPT_MAX + 2);
    assert_int_equal(strlen(f->evidence.excerpt), MCX_EXCERPT_MAX - 1);
    assert_string_equal(f->evidence.excerpt + MCX_EXCERPT_MAX - 4, "...");
    json_t *s = json_string(f->evidence.excerpt);
    assert_non_null(s);
    json_decref(s);

    mcx_finding_set_evidence(f, "u", 500, NULL, 0);
    assert_null(f->evidence.excerpt);
    assert_int_equal(f->evidence.status, 500);
    mcx_report_free(r);
}

static void test_exit_codes(void **state)
{
    (void)state;
    const mcx_level levels[] = {MCX_LEVEL_INFO, MCX_LEVEL_NOTICE, MCX_LEVEL_WARNING,
                                MCX_LEVEL_ERROR};
    /* A report whose highest finding is `top` fails exactly when fail_on <= top. */
    for (int top = -1; top <= MCX_LEVEL_ERROR; top++) {
        mcx_report *r = mcx_report_new("mcxcheck", "discover", NULL);
        for (int l = 0; l <= top; l++)
            mcx_report_add(r, golden_id_at(levels[l]), "at %s", mcx_level_name(levels[l]));
        assert_int_equal(mcx_report_max_level(r), top);
        for (int fail_on = MCX_LEVEL_INFO; fail_on <= MCX_LEVEL_ERROR; fail_on++) {
            int want = top >= fail_on ? MCX_EXIT_FINDINGS : MCX_EXIT_OK;
            assert_int_equal(mcx_report_exit_code(r, (mcx_level)fail_on), want);
            assert_int_equal(mcx_report_count(r, (mcx_level)fail_on),
                             top >= fail_on ? (size_t)(top - fail_on + 1) : 0);
        }
        mcx_report_free(r);
    }
    /* A skipped case does not fail; a failed case always does. */
    mcx_report *r = mcx_report_new("mcxcheck", "conform", NULL);
    mcx_report_case(r, "a", 1, NULL);
    mcx_report_case(r, "b", -1, "skipped");
    assert_int_equal(mcx_report_exit_code(r, MCX_LEVEL_ERROR), MCX_EXIT_OK);
    mcx_report_case(r, "c", 0, "failed");
    assert_int_equal(mcx_report_exit_code(r, MCX_LEVEL_ERROR), MCX_EXIT_FINDINGS);
    assert_int_equal(mcx_report_max_level(r), -1);
    mcx_report_free(r);
}

static void test_merge_deep_copies(void **state)
{
    (void)state;
    mcx_report *src = golden_report();
    mcx_report *dst = mcx_report_new("mcxcheck", "discover", "sip:alice@contoso.test \"<&>\"");
    mcx_report_merge(dst, src);
    mcx_report_free(src);
    char *text = render(dst, MCX_FORMAT_TEXT, 0, NULL);
    assert_string_equal(text, golden_text);
    free(text);
    mcx_report_merge(dst, dst); /* no-op, no crash */
    assert_int_equal(dst->nfindings, 4);
    mcx_report_free(dst);
}

static void test_parsers(void **state)
{
    (void)state;
    static const char *const formats[] = {"text", "json", "jsonl", "junit", "tap"};
    for (int i = 0; i < 5; i++) {
        mcx_format f;
        assert_int_equal(mcx_format_parse(formats[i], &f), 0);
        assert_int_equal(f, i);
    }
    for (int i = MCX_LEVEL_INFO; i <= MCX_LEVEL_ERROR; i++) {
        mcx_level l;
        assert_int_equal(mcx_level_parse(mcx_level_name((mcx_level)i), &l), 0);
        assert_int_equal(l, i);
    }
    mcx_format f = MCX_FORMAT_TAP;
    mcx_level l = MCX_LEVEL_INFO;
    assert_int_equal(mcx_format_parse("xml", &f), -1);
    assert_int_equal(mcx_format_parse("JSON", &f), -1);
    assert_int_equal(mcx_format_parse(NULL, &f), -1);
    assert_int_equal(f, MCX_FORMAT_TAP);
    assert_int_equal(mcx_level_parse("fatal", &l), -1);
    assert_int_equal(l, MCX_LEVEL_INFO);
    assert_string_equal(mcx_level_name(MCX_LEVEL_WARNING), "warning");
    assert_string_equal(mcx_level_name((mcx_level)42), "unknown");
}

static void test_write_error_reported(void **state)
{
    (void)state;
    FILE *full = fopen("/dev/full", "w");
    if (!full)
        skip();
    mcx_report *r = golden_report();
    for (mcx_format f = MCX_FORMAT_TEXT; f <= MCX_FORMAT_TAP; f++) {
        assert_int_equal(mcx_report_write(r, f, 0, full), -1);
        clearerr(full);
    }
    assert_int_equal(mcx_report_write(r, (mcx_format)99, 0, full), -1);
    fclose(full);
    mcx_report_free(r);
}

/* ---- cli_common --------------------------------------------------------- */

/* Parse one argument vector; returns the last parse result. */
static int cli_parse_all(mcx_cli_common *c, int argc, char **argv)
{
    int rc = 0;
    for (int i = 0; i < argc; i++) {
        rc = mcx_cli_common_parse(c, argc, argv, &i);
        if (rc != 1)
            return rc;
    }
    return rc;
}

static void test_cli_parse(void **state)
{
    (void)state;
    mcx_cli_common c;
    mcx_cli_common_init(&c);
    assert_int_equal(c.format, MCX_FORMAT_TEXT);
    assert_int_equal(c.fail_on, MCX_LEVEL_ERROR);
    assert_int_equal(c.color, -1);
    assert_null(c.output);
    assert_null(c.now);

    char *good[] = {"--format", "junit", "--output=out.xml", "--fail-on", "warning",
                    "--color=never", "--timings", "--now", "2026-01-01T00:00:00Z",
                    "--seed=18446744073709551615"};
    assert_int_equal(cli_parse_all(&c, 10, good), 1);
    assert_int_equal(c.format, MCX_FORMAT_JUNIT);
    assert_string_equal(c.output, "out.xml");
    assert_int_equal(c.fail_on, MCX_LEVEL_WARNING);
    assert_int_equal(c.color, 0);
    assert_int_equal(c.timings, 1);
    assert_string_equal(c.now, "2026-01-01T00:00:00Z");
    assert_true(c.has_seed);
    assert_true(c.seed == 18446744073709551615ULL);

    char *bad[][2] = {{"--format", "xml"},       {"--fail-on", "fatal"},
                      {"--color", "sometimes"},  {"--now", "2026-01-01"},
                      {"--now", "2026-02-30T00:00:00Z"}, {"--seed", "-1"},
                      {"--seed", "18446744073709551616"}, {"--seed", "12x"},
                      {"--output", ""}};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        int i = 0;
        assert_int_equal(mcx_cli_common_parse(&c, 2, bad[k], &i), -1);
    }
    char *missing[] = {"--format"};
    int i = 0;
    assert_int_equal(mcx_cli_common_parse(&c, 1, missing, &i), -1);
    char *other[] = {"--sip-uri", "--formats=x"};
    i = 0;
    assert_int_equal(mcx_cli_common_parse(&c, 2, other, &i), 0);
    assert_int_equal(i, 0);
    i = 1;
    assert_int_equal(mcx_cli_common_parse(&c, 2, other, &i), 0);
}

static void test_cli_rfc3339(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        long long epoch; /* -1: invalid */
    } cases[] = {
        {"1970-01-01T00:00:00Z", 0},
        {"2026-01-01T00:00:00Z", 1767225600},
        {"2026-01-01t01:00:00.123+01:00", 1767225600},
        {"2025-12-31T19:00:00-05:00", 1767225600},
        {"2024-02-29T12:00:00z", 1709208000},
        {"2023-02-29T12:00:00Z", -1},
        {"2026-13-01T00:00:00Z", -1},
        {"2026-01-01T24:00:00Z", -1},
        {"2026-01-01T00:00:00", -1},
        {"2026-01-01 00:00:00Z", -1},
        {"2026-01-01T00:00:00.Z", -1},
        {"2026-01-01T00:00:00+0100", -1},
        {"2026-01-01T00:00:00Zjunk", -1},
        {"", -1},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        time_t t = 0;
        int rc = mcx_cli_parse_rfc3339(cases[k].s, &t);
        if (cases[k].epoch < 0) {
            assert_int_equal(rc, -1);
        } else {
            assert_int_equal(rc, 0);
            assert_true((long long)t == cases[k].epoch);
        }
    }
    mcx_cli_common c;
    mcx_cli_common_init(&c);
    c.now = "2026-01-01T00:00:00Z";
    time_t now = 0;
    assert_int_equal(mcx_cli_common_now(&c, &now), 0);
    assert_true((long long)now == 1767225600);
}

static void test_cli_emit_output_atomic(void **state)
{
    (void)state;
    char dir[] = "/tmp/mcx-test-report-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64], badpath[96];
    snprintf(path, sizeof path, "%s/report.json", dir);
    snprintf(badpath, sizeof badpath, "%s/missing-dir/report.json", dir);

    mcx_report *r = golden_report();
    mcx_cli_common c;
    mcx_cli_common_init(&c);
    c.format = MCX_FORMAT_JSON;
    c.output = path;
    assert_int_equal(mcx_cli_emit(&c, r), MCX_EXIT_FINDINGS); /* a failed case */

    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char got[8192];
    size_t n = fread(got, 1, sizeof got - 1, f);
    got[n] = '\0';
    fclose(f);
    assert_string_equal(got, golden_json);

    /* Only the report is left in the directory: the temp file was renamed. */
    DIR *d = opendir(dir);
    assert_non_null(d);
    int entries = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            entries++;
    closedir(d);
    assert_int_equal(entries, 1);

    c.output = badpath;
    assert_int_equal(mcx_cli_emit(&c, r), MCX_EXIT_USAGE);

    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
    mcx_report_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_text),
        cmocka_unit_test(test_golden_json),
        cmocka_unit_test(test_golden_jsonl),
        cmocka_unit_test(test_golden_junit),
        cmocka_unit_test(test_golden_tap),
        cmocka_unit_test(test_json_parses_in_key_order),
        cmocka_unit_test(test_junit_valid),
        cmocka_unit_test(test_tap_plan_matches),
        cmocka_unit_test(test_passing_run_lists_checks),
        cmocka_unit_test(test_empty_report_every_format),
        cmocka_unit_test(test_color_only_when_asked),
        cmocka_unit_test(test_timings_only_when_on),
        cmocka_unit_test(test_add_copies_catalogue),
        cmocka_unit_test(test_unknown_id_is_internal_error),
        cmocka_unit_test(test_sanitize_utf8),
        cmocka_unit_test(test_excerpt_bounded),
        cmocka_unit_test(test_exit_codes),
        cmocka_unit_test(test_merge_deep_copies),
        cmocka_unit_test(test_parsers),
        cmocka_unit_test(test_write_error_reported),
        cmocka_unit_test(test_cli_parse),
        cmocka_unit_test(test_cli_rfc3339),
        cmocka_unit_test(test_cli_emit_output_atomic),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
