/*
 * test_statements.c -- unit tests of the normative statements loader
 * (lib/vector_statements.c) and of how the vector loader resolves
 * <enforces ref=> against the statements.xml next to a vector file.
 * Owns: these tests and nothing else; no network. Writes its files into a
 * fresh mkdtemp directory and removes them. Reads vectors/statements.xml
 * relative to $MCX_TOP (default: the current directory).
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
#include "mcx/vector.h"

static const char *top(void)
{
    const char *t = getenv("MCX_TOP");
    return t && *t ? t : ".";
}

static const char good_statements[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<statements>\n"
    "  <section title=\"Root resource\">\n"
    "    <statement id=\"ST-A\" strength=\"must\">\n"
    "      <text>  first line\n        second   line </text>\n"
    "      <source>protocol.md 2.2</source>\n"
    "    </statement>\n"
    "    <statement id=\"ST-B-2\" strength=\"should\">\n"
    "      <text>b</text><source>seed: Website Requirements</source>\n"
    "    </statement>\n"
    "  </section>\n"
    "  <section title=\"Other\">\n"
    "    <statement id=\"ST-C\" strength=\"may\"><text>c &amp; d</text><source>s</source></statement>\n"
    "  </section>\n"
    "</statements>\n";

static mcx_statements *load_text(const char *text, mcx_vector_error *err)
{
    return mcx_statements_load_memory("s.xml", text, strlen(text), err);
}

static void test_load_good(void **state)
{
    (void)state;
    mcx_vector_error err;
    mcx_statements *s = load_text(good_statements, &err);
    assert_non_null(s);
    assert_int_equal(s->n, 3);
    assert_string_equal(s->items[0].id, "ST-A");
    assert_string_equal(s->items[0].section, "Root resource");
    assert_string_equal(s->items[0].text, "first line second line");
    assert_int_equal(s->items[0].strength, MCX_VECTOR_MUST);
    assert_int_equal(s->items[0].line, 4);
    assert_int_equal(s->items[1].strength, MCX_VECTOR_SHOULD);
    assert_string_equal(s->items[1].source, "seed: Website Requirements");
    assert_string_equal(s->items[2].section, "Other");
    assert_string_equal(s->items[2].text, "c & d");
    assert_int_equal(s->items[2].strength, MCX_VECTOR_MAY);
    assert_ptr_equal(mcx_statements_find(s, "ST-B-2"), &s->items[1]);
    assert_null(mcx_statements_find(s, "ST-B"));
    assert_null(mcx_statements_find(s, NULL));
    mcx_statements_free(s);
}

/* Each bad file fails with the expected rule at the expected line. */
static void test_load_bad(void **state)
{
    (void)state;
    static const struct {
        const char *text, *rule;
        int line;
    } cases[] = {
        {"", "empty", 0},
        {"<statements><section title=\"x\">", "xml", 1},
        {"<!DOCTYPE statements [<!ENTITY e \"x\">]>\n<statements/>", "no-dtd", 1},
        {"<statements>\n<section title=\"x\">\n<statement id=\"st-lower\" strength=\"must\">"
         "<text>t</text><source>s</source></statement></section></statements>",
         "xsd", 3},
        {"<statements>\n<section title=\"x\">\n<statement id=\"ST-X\" strength=\"always\">"
         "<text>t</text><source>s</source></statement></section></statements>",
         "xsd", 3},
        {"<statements>\n<section title=\"x\">\n<statement id=\"ST-X\" strength=\"must\">"
         "<source>s</source></statement></section></statements>",
         "xsd", 3},
        {"<statements>\n<section title=\"x\">\n"
         "<statement id=\"ST-X\" strength=\"must\"><text>t</text><source>s</source></statement>\n"
         "</section><section title=\"y\">\n"
         "<statement id=\"ST-X\" strength=\"may\"><text>t</text><source>s</source></statement>\n"
         "</section></statements>",
         "duplicate-statement", 5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mcx_vector_error err;
        mcx_statements *s = load_text(cases[i].text, &err);
        if (s || strcmp(err.rule, cases[i].rule) != 0 || err.line != cases[i].line)
            print_error("case %zu: rule '%s' line %d: %s\n", i, err.rule, err.line, err.message);
        assert_null(s);
        assert_string_equal(err.rule, cases[i].rule);
        assert_int_equal(err.line, cases[i].line);
        assert_string_equal(err.file, "s.xml");
        assert_true(err.message[0] != '\0');
    }
}

/* The shipped statements file loads and has no duplicates (the loader
 * would refuse them). */
static void test_shipped_statements(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s/vectors/%s", top(), MCX_STATEMENTS_FILE);
    mcx_vector_error err;
    mcx_statements *s = mcx_statements_load_file(path, &err);
    if (!s) {
        char msg[1024];
        mcx_vector_error_format(&err, msg, sizeof msg);
        print_error("%s\n", msg);
    }
    assert_non_null(s);
    assert_true(s->n >= 20);
    assert_non_null(mcx_statements_find(s, "ST-ROOT-HTTP-REDIRECT"));
    mcx_statements_free(s);
}

static const char vector_head[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<vector id=\"AD-TEST-001\" result=\"valid\">\n"
    "  <title>t</title>\n"
    "  <source>protocol.md 2.2</source>\n";
static const char vector_tail[] =
    "  <step name=\"root\" site=\"external\" url=\"https://{{lyncdiscover}}/\">\n"
    "    <expect status=\"200\"/>\n"
    "  </step>\n"
    "</vector>\n";

static void write_file(const char *dir, const char *name, const char *a, const char *b,
                       const char *c)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(a, f);
    fputs(b, f);
    fputs(c, f);
    assert_int_equal(fclose(f), 0);
}

static mcx_vector *load_vector(const char *dir, const char *enforces, mcx_vector_error *err)
{
    write_file(dir, "AD-TEST-001.xml", vector_head, enforces, vector_tail);
    char path[4200];
    snprintf(path, sizeof path, "%s/AD-TEST-001.xml", dir);
    return mcx_vector_load_file(path, err);
}

/* load_file resolves refs against DIR/statements.xml; memory loads do not. */
static void test_vector_refs(void **state)
{
    (void)state;
    char dir[] = "/tmp/mcx-statements-XXXXXX";
    assert_non_null(mkdtemp(dir));
    mcx_vector_error err;

    /* No statements.xml (a vector copied alone): refs stay unresolved. */
    mcx_vector *v = load_vector(dir, "", &err);
    assert_non_null(v);
    assert_int_equal(v->nenforces, 0);
    mcx_vector_free(v);
    v = load_vector(dir, "  <enforces ref=\"ST-NOPE\"/>\n", &err);
    assert_non_null(v);
    assert_int_equal(v->nenforces, 1);
    assert_int_equal(v->enforces_lines[0], 5);
    mcx_vector_free(v);

    /* A statements.xml that does not load: every ref is unresolvable. */
    write_file(dir, MCX_STATEMENTS_FILE, "<statements>", "", "");
    v = load_vector(dir, "  <enforces ref=\"ST-A\"/>\n", &err);
    assert_null(v);
    assert_string_equal(err.rule, "unknown-statement");
    assert_int_equal(err.line, 5);
    assert_non_null(strstr(err.message, "statements.xml"));

    write_file(dir, MCX_STATEMENTS_FILE, good_statements, "", "");
    v = load_vector(dir, "  <enforces ref=\"ST-A\"/>\n  <enforces ref=\"ST-C\"/>\n", &err);
    assert_non_null(v);
    assert_int_equal(v->nenforces, 2);
    assert_string_equal(v->enforces[0], "ST-A");
    assert_string_equal(v->enforces[1], "ST-C");
    assert_int_equal(v->enforces_lines[1], 6);
    mcx_vector_free(v);

    v = load_vector(dir, "  <enforces ref=\"ST-A\"/>\n  <enforces ref=\"ST-NOPE\"/>\n", &err);
    assert_null(v);
    assert_string_equal(err.rule, "unknown-statement");
    assert_int_equal(err.line, 6);
    assert_non_null(strstr(err.message, "ST-NOPE"));
    assert_non_null(strstr(err.file, "AD-TEST-001.xml"));

    v = load_vector(dir, "  <enforces ref=\"ST-A\"/>\n  <enforces ref=\"ST-A\"/>\n", &err);
    assert_null(v);
    assert_string_equal(err.rule, "duplicate-statement");
    assert_int_equal(err.line, 6);

    v = load_vector(dir, "  <enforces ref=\"not-an-id\"/>\n", &err);
    assert_null(v);
    assert_string_equal(err.rule, "xsd");

    /* enforces after requires is out of the schema's order. */
    v = load_vector(dir, "  <requires profile=\"2013\"/>\n  <enforces ref=\"ST-A\"/>\n", &err);
    assert_null(v);
    assert_string_equal(err.rule, "xsd");

    /* From memory only the syntax is checked; the check is then explicit. */
    const char text[] = "<?xml version=\"1.0\"?>\n<vector id=\"AD-TEST-002\" result=\"valid\">"
                        "<title>t</title><source>s</source><enforces ref=\"ST-NOPE\"/>"
                        "<step name=\"a\" site=\"internal\" url=\"https://x/\">"
                        "<expect status=\"200\"/></step></vector>";
    v = mcx_vector_load_memory("mem.xml", text, strlen(text), &err);
    assert_non_null(v);
    mcx_statements *s = load_text(good_statements, &err);
    assert_non_null(s);
    assert_int_equal(mcx_vector_check_statements(v, s, &err), -1);
    assert_string_equal(err.file, "mem.xml");
    assert_int_equal(err.line, 2);
    assert_string_equal(err.rule, "unknown-statement");
    mcx_statements_free(s);
    mcx_vector_free(v);

    char path[4200];
    snprintf(path, sizeof path, "%s/AD-TEST-001.xml", dir);
    assert_int_equal(unlink(path), 0);
    snprintf(path, sizeof path, "%s/%s", dir, MCX_STATEMENTS_FILE);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_good),
        cmocka_unit_test(test_load_bad),
        cmocka_unit_test(test_shipped_statements),
        cmocka_unit_test(test_vector_refs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
