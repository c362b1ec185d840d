/*
 * report_golden.h -- the golden report of test_report.c and its expected
 * rendering in every format. Included by lib/test/test_report.c only,
 * after <cmocka.h> (golden_id_at uses fail_msg).
 *
 * Owns: building a report with steps, findings of every level, cases and
 * hostile strings, and the byte-exact outputs reviewed by hand (regenerate
 * them only on purpose). Goldens do not depend on the catalogue's wording:
 * findings are added with real IDs of each level, then their
 * catalogue-derived fields are replaced. Does not own: the assertions.
 */
#ifndef MCX_TEST_REPORT_GOLDEN_H
#define MCX_TEST_REPORT_GOLDEN_H

#include <stdlib.h>
#include <string.h>

#include "mcx/catalogue.h"
#include "mcx/report.h"

/* Replace a catalogue-derived field so the golden output does not depend on
 * the catalogue's wording (which other modules own). */
static void golden_set(char **field, const char *value)
{
    free(*field);
    *field = value ? strdup(value) : NULL;
}

/* The first catalogue entry at `level`; the test needs one per level. */
static const char *golden_id_at(mcx_level level)
{
    for (size_t i = 0; i < mcx_catalogue_count(); i++)
        if (mcx_catalogue_at(i)->level == level)
            return mcx_catalogue_at(i)->id;
    fail_msg("catalogue has no entry at level %s", mcx_level_name(level));
    return NULL;
}

static mcx_finding *golden_finding(mcx_report *r, mcx_level level, const char *id,
                                   const char *title, const char *message)
{
    mcx_finding *f = mcx_report_add(r, golden_id_at(level), "%s", message);
    assert_int_equal(f->level, level);
    golden_set(&f->id, id);
    golden_set(&f->title, title);
    golden_set(&f->source, "Website Requirements");
    return f;
}

/* A report with every kind of content and hostile strings: quotes, <, &,
 * newlines, '#', invalid UTF-8, control bytes and an ANSI escape. */
static mcx_report *golden_report(void)
{
    mcx_report *r = mcx_report_new("mcxcheck", "discover", "sip:alice@contoso.test \"<&>\"");
    mcx_report_step(r, 0, MCX_STEP_OK, 12.5, NULL, "Resolve %s", "lyncdiscover.contoso.test");
    mcx_report_step(r, 1, MCX_STEP_FAIL, 3.25, "line one\nline <two> & \"three\"", "GET %s",
                    "https://lyncdiscover.contoso.test/?sipuri=alice&x=1");
    mcx_report_step(r, 2, MCX_STEP_SKIP, 0, NULL, "Skipped %s", "bad\x01\x1b[31mred\xff");
    mcx_report_step(r, 0, MCX_STEP_INFO, 0, "caf\xc3\xa9 \xe2\x82", "Info # step");

    mcx_finding *f = golden_finding(r, MCX_LEVEL_ERROR, "GX-001", "Broken <thing> & \"more\"",
                                    "saw \"quotes\", <tags> & amp\nsecond line # hash");
    mcx_finding_set_remediation(f, "Fix the %s record", "lyncdiscover");
    mcx_finding_set_subject(f, "alice@contoso.test");
    mcx_finding_set_evidence(f, "https://lyncdiscover.contoso.test/", 404,
                             "<html>\r\n\x00\x80</html>", 17);
    f = golden_finding(r, MCX_LEVEL_WARNING, "GX-002", "Warn", "tab\there, ctl \x7f end");
    golden_set(&f->remediation, "Do the thing.");
    f = golden_finding(r, MCX_LEVEL_NOTICE, "GX-003", "Note", "just a notice");
    golden_set(&f->remediation, "");
    f = golden_finding(r, MCX_LEVEL_INFO, "GX-004", "Info", "fyi\\backslash");
    golden_set(&f->remediation, "None needed.");

    mcx_report_case(r, "TV1 root xml", 1, NULL);
    mcx_report_case(r, "TV2 <user> & \"json\"", 0, "expected 200\ngot 404");
    mcx_report_case(r, "TV3 #2013 only", -1, "needs profile 2013");
    return r;
}

/* ---- goldens (reviewed by hand; regenerate only on purpose) ---------- */

static const char golden_text[] =
    "mcxcheck discover: sip:alice@contoso.test \"<&>\"\n"
    "\n"
    "[ OK ] Resolve lyncdiscover.contoso.test\n"
    "  [FAIL] GET https://lyncdiscover.contoso.test/?sipuri=alice&x=1\n"
    "         line one\n"
    "         line <two> & \"three\"\n"
    "    [SKIP] Skipped bad\\x01\\x1b[31mred\\xff\n"
    "[INFO] Info # step\n"
    "       caf\xc3\xa9 \\xe2\\x82\n"
    "\n"
    "Errors (1)\n"
    "  GX-001  Broken <thing> & \"more\"\n"
    "      saw \"quotes\", <tags> & amp\n"
    "      second line # hash\n"
    "      Subject: alice@contoso.test\n"
    "      Evidence: https://lyncdiscover.contoso.test/ (HTTP 404)\n"
    "        | <html>\\x0d\n"
    "        | \\x00\\x80</html>\n"
    "      Fix: Fix the lyncdiscover record\n"
    "      Ref: Website Requirements\n"
    "\n"
    "Warnings (1)\n"
    "  GX-002  Warn\n"
    "      tab\there, ctl \\x7f end\n"
    "      Fix: Do the thing.\n"
    "      Ref: Website Requirements\n"
    "\n"
    "Notices (1)\n"
    "  GX-003  Note\n"
    "      just a notice\n"
    "      Ref: Website Requirements\n"
    "\n"
    "Info (1)\n"
    "  GX-004  Info\n"
    "      fyi\\backslash\n"
    "      Fix: None needed.\n"
    "      Ref: Website Requirements\n"
    "\n"
    "Test cases (3)\n"
    "  [PASS] TV1 root xml\n"
    "  [FAIL] TV2 <user> & \"json\"\n"
    "         expected 200\n"
    "         got 404\n"
    "  [SKIP] TV3 #2013 only\n"
    "         needs profile 2013\n"
    "\n"
    "mcxcheck discover: 1 error, 1 warning, 1 notice, 1 info; cases: 1 passed, 1 failed, 1 skipped\n";

static const char golden_json[] =
    "{\n"
    "  \"tool\": \"mcxcheck\",\n"
    "  \"command\": \"discover\",\n"
    "  \"subject\": \"sip:alice@contoso.test \\\"<&>\\\"\",\n"
    "  \"summary\": {\n"
    "    \"error\": 1,\n"
    "    \"warning\": 1,\n"
    "    \"notice\": 1,\n"
    "    \"info\": 1,\n"
    "    \"cases_passed\": 1,\n"
    "    \"cases_failed\": 1,\n"
    "    \"cases_skipped\": 1\n"
    "  },\n"
    "  \"steps\": [\n"
    "    {\n"
    "      \"depth\": 0,\n"
    "      \"outcome\": \"ok\",\n"
    "      \"title\": \"Resolve lyncdiscover.contoso.test\",\n"
    "      \"detail\": null\n"
    "    },\n"
    "    {\n"
    "      \"depth\": 1,\n"
    "      \"outcome\": \"fail\",\n"
    "      \"title\": \"GET https://lyncdiscover.contoso.test/?sipuri=alice&x=1\",\n"
    "      \"detail\": \"line one\\nline <two> & \\\"three\\\"\"\n"
    "    },\n"
    "    {\n"
    "      \"depth\": 2,\n"
    "      \"outcome\": \"skip\",\n"
    "      \"title\": \"Skipped bad\\\\x01\\\\x1b[31mred\\\\xff\",\n"
    "      \"detail\": null\n"
    "    },\n"
    "    {\n"
    "      \"depth\": 0,\n"
    "      \"outcome\": \"info\",\n"
    "      \"title\": \"Info # step\",\n"
    "      \"detail\": \"caf\xc3\xa9 \\\\xe2\\\\x82\"\n"
    "    }\n"
    "  ],\n"
    "  \"findings\": [\n"
    "    {\n"
    "      \"id\": \"GX-001\",\n"
    "      \"level\": \"error\",\n"
    "      \"title\": \"Broken <thing> & \\\"more\\\"\",\n"
    "      \"message\": \"saw \\\"quotes\\\", <tags> & amp\\nsecond line # hash\",\n"
    "      \"source\": \"Website Requirements\",\n"
    "      \"remediation\": \"Fix the lyncdiscover record\",\n"
    "      \"subject\": \"alice@contoso.test\",\n"
    "      \"evidence\": {\n"
    "        \"url\": \"https://lyncdiscover.contoso.test/\",\n"
    "        \"status\": 404,\n"
    "        \"excerpt\": \"<html>\\\\x0d\\n\\\\x00\\\\x80</html>\"\n"
    "      }\n"
    "    },\n"
    "    {\n"
    "      \"id\": \"GX-002\",\n"
    "      \"level\": \"warning\",\n"
    "      \"title\": \"Warn\",\n"
    "      \"message\": \"tab\\there, ctl \\\\x7f end\",\n"
    "      \"source\": \"Website Requirements\",\n"
    "      \"remediation\": \"Do the thing.\",\n"
    "      \"subject\": null,\n"
    "      \"evidence\": null\n"
    "    },\n"
    "    {\n"
    "      \"id\": \"GX-003\",\n"
    "      \"level\": \"notice\",\n"
    "      \"title\": \"Note\",\n"
    "      \"message\": \"just a notice\",\n"
    "      \"source\": \"Website Requirements\",\n"
    "      \"remediation\": \"\",\n"
    "      \"subject\": null,\n"
    "      \"evidence\": null\n"
    "    },\n"
    "    {\n"
    "      \"id\": \"GX-004\",\n"
    "      \"level\": \"info\",\n"
    "      \"title\": \"Info\",\n"
    "      \"message\": \"fyi\\\\backslash\",\n"
    "      \"source\": \"Website Requirements\",\n"
    "      \"remediation\": \"None needed.\",\n"
    "      \"subject\": null,\n"
    "      \"evidence\": null\n"
    "    }\n"
    "  ],\n"
    "  \"cases\": [\n"
    "    {\n"
    "      \"name\": \"TV1 root xml\",\n"
    "      \"status\": \"passed\",\n"
    "      \"detail\": null\n"
    "    },\n"
    "    {\n"
    "      \"name\": \"TV2 <user> & \\\"json\\\"\",\n"
    "      \"status\": \"failed\",\n"
    "      \"detail\": \"expected 200\\ngot 404\"\n"
    "    },\n"
    "    {\n"
    "      \"name\": \"TV3 #2013 only\",\n"
    "      \"status\": \"skipped\",\n"
    "      \"detail\": \"needs profile 2013\"\n"
    "    }\n"
    "  ]\n"
    "}\n";

static const char golden_jsonl[] =
    "{\"type\":\"step\",\"depth\":0,\"outcome\":\"ok\",\"title\":\"Resolve lyncdiscover.contoso.test\",\"detail\":null}\n"
    "{\"type\":\"step\",\"depth\":1,\"outcome\":\"fail\",\"title\":\"GET https://lyncdiscover.contoso.test/?sipuri=alice&x=1\",\"detail\":\"line one\\nline <two> & \\\"three\\\"\"}\n"
    "{\"type\":\"step\",\"depth\":2,\"outcome\":\"skip\",\"title\":\"Skipped bad\\\\x01\\\\x1b[31mred\\\\xff\",\"detail\":null}\n"
    "{\"type\":\"step\",\"depth\":0,\"outcome\":\"info\",\"title\":\"Info # step\",\"detail\":\"caf\xc3\xa9 \\\\xe2\\\\x82\"}\n"
    "{\"type\":\"finding\",\"id\":\"GX-001\",\"level\":\"error\",\"title\":\"Broken <thing> & \\\"more\\\"\",\"message\":\"saw \\\"quotes\\\", <tags> & amp\\nsecond line # hash\",\"source\":\"Website Requirements\",\"remediation\":\"Fix the lyncdiscover record\",\"subject\":\"alice@contoso.test\",\"evidence\":{\"url\":\"https://lyncdiscover.contoso.test/\",\"status\":404,\"excerpt\":\"<html>\\\\x0d\\n\\\\x00\\\\x80</html>\"}}\n"
    "{\"type\":\"finding\",\"id\":\"GX-002\",\"level\":\"warning\",\"title\":\"Warn\",\"message\":\"tab\\there, ctl \\\\x7f end\",\"source\":\"Website Requirements\",\"remediation\":\"Do the thing.\",\"subject\":null,\"evidence\":null}\n"
    "{\"type\":\"finding\",\"id\":\"GX-003\",\"level\":\"notice\",\"title\":\"Note\",\"message\":\"just a notice\",\"source\":\"Website Requirements\",\"remediation\":\"\",\"subject\":null,\"evidence\":null}\n"
    "{\"type\":\"finding\",\"id\":\"GX-004\",\"level\":\"info\",\"title\":\"Info\",\"message\":\"fyi\\\\backslash\",\"source\":\"Website Requirements\",\"remediation\":\"None needed.\",\"subject\":null,\"evidence\":null}\n"
    "{\"type\":\"case\",\"name\":\"TV1 root xml\",\"status\":\"passed\",\"detail\":null}\n"
    "{\"type\":\"case\",\"name\":\"TV2 <user> & \\\"json\\\"\",\"status\":\"failed\",\"detail\":\"expected 200\\ngot 404\"}\n"
    "{\"type\":\"case\",\"name\":\"TV3 #2013 only\",\"status\":\"skipped\",\"detail\":\"needs profile 2013\"}\n"
    "{\"type\":\"summary\",\"tool\":\"mcxcheck\",\"command\":\"discover\",\"subject\":\"sip:alice@contoso.test \\\"<&>\\\"\",\"error\":1,\"warning\":1,\"notice\":1,\"info\":1,\"cases_passed\":1,\"cases_failed\":1,\"cases_skipped\":1}\n";

static const char golden_junit[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<testsuites name=\"mcxcheck discover\" tests=\"7\" failures=\"3\" errors=\"0\" skipped=\"2\">\n"
    "  <testsuite name=\"mcxcheck discover\" tests=\"7\" failures=\"3\" errors=\"0\" skipped=\"2\">\n"
    "    <properties>\n"
    "      <property name=\"subject\" value=\"sip:alice@contoso.test &quot;&lt;&amp;&gt;&quot;\"/>\n"
    "    </properties>\n"
    "    <testcase name=\"Resolve lyncdiscover.contoso.test\" classname=\"mcxcheck.discover\"/>\n"
    "    <testcase name=\"GET https://lyncdiscover.contoso.test/?sipuri=alice&amp;x=1\" classname=\"mcxcheck.discover\">\n"
    "      <failure message=\"line one&#10;line &lt;two&gt; &amp; &quot;three&quot;\" type=\"step\">line one\n"
    "line &lt;two&gt; &amp; &quot;three&quot;</failure>\n"
    "    </testcase>\n"
    "    <testcase name=\"Skipped bad\\x01\\x1b[31mred\\xff\" classname=\"mcxcheck.discover\">\n"
    "      <skipped/>\n"
    "    </testcase>\n"
    "    <testcase name=\"TV1 root xml\" classname=\"mcxcheck.discover\"/>\n"
    "    <testcase name=\"TV2 &lt;user&gt; &amp; &quot;json&quot;\" classname=\"mcxcheck.discover\">\n"
    "      <failure message=\"expected 200&#10;got 404\" type=\"case\">expected 200\n"
    "got 404</failure>\n"
    "    </testcase>\n"
    "    <testcase name=\"TV3 #2013 only\" classname=\"mcxcheck.discover\">\n"
    "      <skipped message=\"needs profile 2013\"/>\n"
    "    </testcase>\n"
    "    <testcase name=\"GX-001\" classname=\"mcxcheck.discover\">\n"
    "      <failure message=\"Broken &lt;thing&gt; &amp; &quot;more&quot;\" type=\"error\">saw &quot;quotes&quot;, &lt;tags&gt; &amp; amp\n"
    "second line # hash\n"
    "Subject: alice@contoso.test\n"
    "Evidence: https://lyncdiscover.contoso.test/ (HTTP 404)\n"
    "Excerpt:\n"
    "&lt;html&gt;\\x0d\n"
    "\\x00\\x80&lt;/html&gt;\n"
    "Fix: Fix the lyncdiscover record\n"
    "Ref: Website Requirements\n"
    "</failure>\n"
    "    </testcase>\n"
    "    <system-out>mcxcheck discover: sip:alice@contoso.test &quot;&lt;&amp;&gt;&quot;\n"
    "\n"
    "[ OK ] Resolve lyncdiscover.contoso.test\n"
    "  [FAIL] GET https://lyncdiscover.contoso.test/?sipuri=alice&amp;x=1\n"
    "         line one\n"
    "         line &lt;two&gt; &amp; &quot;three&quot;\n"
    "    [SKIP] Skipped bad\\x01\\x1b[31mred\\xff\n"
    "[INFO] Info # step\n"
    "       caf\xc3\xa9 \\xe2\\x82\n"
    "\n"
    "Errors (1)\n"
    "  GX-001  Broken &lt;thing&gt; &amp; &quot;more&quot;\n"
    "      saw &quot;quotes&quot;, &lt;tags&gt; &amp; amp\n"
    "      second line # hash\n"
    "      Subject: alice@contoso.test\n"
    "      Evidence: https://lyncdiscover.contoso.test/ (HTTP 404)\n"
    "        | &lt;html&gt;\\x0d\n"
    "        | \\x00\\x80&lt;/html&gt;\n"
    "      Fix: Fix the lyncdiscover record\n"
    "      Ref: Website Requirements\n"
    "\n"
    "Warnings (1)\n"
    "  GX-002  Warn\n"
    "      tab\there, ctl \\x7f end\n"
    "      Fix: Do the thing.\n"
    "      Ref: Website Requirements\n"
    "\n"
    "Notices (1)\n"
    "  GX-003  Note\n"
    "      just a notice\n"
    "      Ref: Website Requirements\n"
    "\n"
    "Info (1)\n"
    "  GX-004  Info\n"
    "      fyi\\backslash\n"
    "      Fix: None needed.\n"
    "      Ref: Website Requirements\n"
    "\n"
    "Test cases (3)\n"
    "  [PASS] TV1 root xml\n"
    "  [FAIL] TV2 &lt;user&gt; &amp; &quot;json&quot;\n"
    "         expected 200\n"
    "         got 404\n"
    "  [SKIP] TV3 #2013 only\n"
    "         needs profile 2013\n"
    "\n"
    "mcxcheck discover: 1 error, 1 warning, 1 notice, 1 info; cases: 1 passed, 1 failed, 1 skipped\n"
    "</system-out>\n"
    "  </testsuite>\n"
    "</testsuites>\n";

static const char golden_tap[] =
    "TAP version 13\n"
    "1..10\n"
    "# mcxcheck discover: sip:alice@contoso.test \"<&>\"\n"
    "# [ OK ] Resolve lyncdiscover.contoso.test\n"
    "#   [FAIL] GET https://lyncdiscover.contoso.test/?sipuri=alice&x=1\n"
    "#          line one\n"
    "#          line <two> & \"three\"\n"
    "#     [SKIP] Skipped bad\\x01\\x1b[31mred\\xff\n"
    "# [INFO] Info # step\n"
    "#        caf\xc3\xa9 \\xe2\\x82\n"
    "ok 1 - Resolve lyncdiscover.contoso.test\n"
    "not ok 2 - GET https://lyncdiscover.contoso.test/?sipuri=alice&x=1\n"
    "  ---\n"
    "  status: \"failed\"\n"
    "  message: \"line one\\nline <two> & \\\"three\\\"\"\n"
    "  ...\n"
    "ok 3 - Skipped bad\\\\x01\\\\x1b[31mred\\\\xff # SKIP\n"
    "ok 4 - TV1 root xml\n"
    "not ok 5 - TV2 <user> & \"json\"\n"
    "  ---\n"
    "  status: \"failed\"\n"
    "  message: \"expected 200\\ngot 404\"\n"
    "  ...\n"
    "ok 6 - TV3 \\#2013 only # SKIP needs profile 2013\n"
    "not ok 7 - GX-001 Broken <thing> & \"more\"\n"
    "  ---\n"
    "  id: \"GX-001\"\n"
    "  level: \"error\"\n"
    "  message: \"saw \\\"quotes\\\", <tags> & amp\\nsecond line # hash\"\n"
    "  remediation: \"Fix the lyncdiscover record\"\n"
    "  source: \"Website Requirements\"\n"
    "  subject: \"alice@contoso.test\"\n"
    "  url: \"https://lyncdiscover.contoso.test/\"\n"
    "  status: 404\n"
    "  excerpt: \"<html>\\\\x0d\\n\\\\x00\\\\x80</html>\"\n"
    "  ...\n"
    "ok 8 - GX-002 Warn\n"
    "  ---\n"
    "  id: \"GX-002\"\n"
    "  level: \"warning\"\n"
    "  message: \"tab\\there, ctl \\\\x7f end\"\n"
    "  remediation: \"Do the thing.\"\n"
    "  source: \"Website Requirements\"\n"
    "  ...\n"
    "ok 9 - GX-003 Note\n"
    "  ---\n"
    "  id: \"GX-003\"\n"
    "  level: \"notice\"\n"
    "  message: \"just a notice\"\n"
    "  remediation: \"\"\n"
    "  source: \"Website Requirements\"\n"
    "  ...\n"
    "ok 10 - GX-004 Info\n"
    "  ---\n"
    "  id: \"GX-004\"\n"
    "  level: \"info\"\n"
    "  message: \"fyi\\\\backslash\"\n"
    "  remediation: \"None needed.\"\n"
    "  source: \"Website Requirements\"\n"
    "  ...\n"
    "# mcxcheck discover: 1 error, 1 warning, 1 notice, 1 info; cases: 1 passed, 1 failed, 1 skipped\n";

#endif
