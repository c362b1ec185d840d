/*
 * test_dns_rules.c -- unit tests of the DNS view (lib/dns_view.c), the DNS
 * rules (lib/dns_rules.c) and the scenario loader (lib/dns_scenario.c).
 *
 * Owns: tests of zone loading errors (file:line), lookups (NXDOMAIN, NODATA,
 * empty non-terminals, outside the view, wildcards per RFC 4592, CNAME
 * chasing, loops, the chain limit), the rules on views built record by
 * record (the path a live resolver will use), deterministic output, the
 * scenario loader's errors, and every dnsfixtures/ scenario run in-process.
 * Does not own: the CLI (conformance/test/dns_scenarios.sh runs
 * `mcxcheck zone` on the same scenarios).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mcx/dns_rules.h"
#include "mcx/dns_scenario.h"
#include "mcx/dns_view.h"
#include "mcx/report.h"

static const char base_zone[] = "$ORIGIN contoso.test.\n"
                                "$TTL 3600\n"
                                "@ IN SOA ns1 hostmaster 1 3600 600 604800 3600\n"
                                "@ IN NS ns1\n"
                                "ns1 IN A 192.0.2.53\n"
                                "web IN A 192.0.2.10\n"
                                "v6 IN AAAA 2001:db8::1\n"
                                "mx IN MX 10 web\n"
                                "a.b.deep IN A 192.0.2.20\n"
                                "*.wild IN A 192.0.2.30\n"
                                "real.wild IN TXT \"x\"\n"
                                "alias IN CNAME web\n"
                                "outside IN CNAME pool.contoso.local.\n"
                                "loop1 IN CNAME loop2\n"
                                "loop2 IN CNAME loop1\n"
                                "dangling IN CNAME nothere\n";

static mcx_dns_view *load(const char *text, mcx_error *err)
{
    mcx_dns_view *v = mcx_dns_view_new("internal");
    assert_non_null(v);
    if (mcx_dns_view_load_zone_memory(v, "test.zone", text, strlen(text), NULL, err) != 0) {
        mcx_dns_view_free(v);
        return NULL;
    }
    return v;
}

/* ---- view loading -------------------------------------------------- */

static void test_load_zone(void **state)
{
    mcx_error err;
    (void)state;
    mcx_dns_view *v = load(base_zone, &err);
    assert_non_null(v);
    assert_int_equal(v->nzones, 1);
    assert_string_equal(v->zones[0], "contoso.test");
    assert_int_equal(v->nrrs, 14); /* SOA + 13 */
    assert_string_equal(mcx_dns_view_zone_of(v, "x.contoso.test"), "contoso.test");
    assert_null(mcx_dns_view_zone_of(v, "contoso.local"));
    mcx_dns_view_free(v);
}

static void test_load_errors(void **state)
{
    mcx_error err;
    char line[1024];
    (void)state;

    /* A syntax error names the line. */
    memset(&err, 0, sizeof err);
    assert_null(load("$ORIGIN contoso.test.\n$TTL 60\n@ IN SOA a b 1 2 3 4 5\n"
                     "www IN A 192.0.2.1\nbad IN A 999.1.1.1\n",
                     &err));
    assert_string_equal(err.file, "test.zone");
    assert_string_equal(err.rule, "zone");
    assert_int_equal(err.line, 5);
    mcx_error_format(&err, line, sizeof line);
    assert_non_null(strstr(line, "test.zone:5"));
    /* The same error on a last line without a newline, and after a
     * multi-line SOA. */
    assert_null(load("$ORIGIN contoso.test.\n$TTL 60\n@ IN SOA a b 1 2 3 4 5\n"
                     "www IN A 192.0.2.1\nbad IN A 999.1.1.1",
                     &err));
    assert_int_equal(err.line, 5);
    assert_null(load("$ORIGIN contoso.test.\n$TTL 60\n@ IN SOA ( a b\n 1 2 3 4 5 )\n"
                     "; comment\n\nbad IN A 999.1.1.1\nok IN A 192.0.2.1\n",
                     &err));
    assert_int_equal(err.line, 7);

    /* No SOA and no origin: which zone is it? */
    memset(&err, 0, sizeof err);
    assert_null(load("$TTL 60\nwww.contoso.test. IN A 192.0.2.1\n", &err));
    assert_non_null(strstr(err.message, "no SOA"));

    /* Out-of-zone data is rejected, naming both names. */
    memset(&err, 0, sizeof err);
    assert_null(load("$ORIGIN contoso.test.\n$TTL 60\n@ IN SOA a b 1 2 3 4 5\n"
                     "www.fabrikam.test. IN A 192.0.2.1\n",
                     &err));
    assert_non_null(strstr(err.message, "www.fabrikam.test"));
    assert_non_null(strstr(err.message, "outside the zone contoso.test"));

    /* $INCLUDE never reads another file. */
    memset(&err, 0, sizeof err);
    assert_null(load("$ORIGIN contoso.test.\n$INCLUDE /etc/passwd\n", &err));
    assert_string_equal(err.rule, "zone");

    /* The origin given must match the SOA. */
    mcx_dns_view *v = mcx_dns_view_new("external");
    memset(&err, 0, sizeof err);
    assert_int_equal(mcx_dns_view_load_zone_memory(v, "o.zone", base_zone, strlen(base_zone),
                                                   "fabrikam.test", &err),
                     -1);
    assert_non_null(strstr(err.message, "origin given is fabrikam.test"));
    mcx_dns_view_free(v);

    /* A missing file. */
    v = mcx_dns_view_new("external");
    assert_int_equal(mcx_dns_view_load_zone_file(v, "/nonexistent/x.zone", NULL, &err), -1);
    assert_string_equal(err.rule, "io");
    mcx_dns_view_free(v);
}

/* ---- lookups --------------------------------------------------------- */

static mcx_dns_status status_of(mcx_dns_view *v, const char *name, uint16_t type, mcx_dns_answer *a)
{
    assert_int_equal(mcx_dns_view_lookup(v, name, type, a), 0);
    return a->status;
}

static void test_lookup(void **state)
{
    mcx_error err;
    mcx_dns_answer *a = calloc(1, sizeof *a);
    (void)state;
    mcx_dns_view *v = load(base_zone, &err);
    assert_non_null(v);

    assert_int_equal(status_of(v, "WEB.contoso.test.", MCX_DNS_TYPE_A, a), MCX_DNS_ANSWER);
    assert_int_equal(a->nrrs, 1);
    assert_string_equal(a->rrs[0]->rdata, "192.0.2.10");
    mcx_dns_answer_clear(a);

    assert_int_equal(status_of(v, "web.contoso.test", MCX_DNS_TYPE_AAAA, a), MCX_DNS_NODATA);
    assert_int_equal(status_of(v, "nope.contoso.test", MCX_DNS_TYPE_A, a), MCX_DNS_NXDOMAIN);
    assert_int_equal(status_of(v, "www.fabrikam.test", MCX_DNS_TYPE_A, a), MCX_DNS_OUTSIDE);
    /* b.deep.contoso.test owns nothing but a name below it: it exists. */
    assert_int_equal(status_of(v, "b.deep.contoso.test", MCX_DNS_TYPE_A, a), MCX_DNS_NODATA);
    assert_int_equal(status_of(v, "deep.contoso.test", MCX_DNS_TYPE_A, a), MCX_DNS_NODATA);
    assert_int_equal(status_of(v, "c.deep.contoso.test", MCX_DNS_TYPE_A, a), MCX_DNS_NXDOMAIN);

    /* CNAME chasing. */
    assert_int_equal(status_of(v, "alias.contoso.test", MCX_DNS_TYPE_A, a), MCX_DNS_ANSWER);
    assert_int_equal(a->nchain, 2);
    assert_string_equal(a->chain[1], "web.contoso.test");
    assert_int_equal(a->ncnames, 1);
    mcx_dns_answer_clear(a);
    assert_int_equal(status_of(v, "alias.contoso.test", MCX_DNS_TYPE_CNAME, a), MCX_DNS_ANSWER);
    assert_string_equal(a->rrs[0]->rdata, "web.contoso.test");
    mcx_dns_answer_clear(a);
    assert_int_equal(status_of(v, "outside.contoso.test", MCX_DNS_TYPE_A, a), MCX_DNS_OUTSIDE);
    assert_string_equal(a->chain[1], "pool.contoso.local");
    assert_int_equal(status_of(v, "loop1.contoso.test", MCX_DNS_TYPE_A, a), MCX_DNS_LOOP);
    assert_int_equal(a->nchain, 3);
    assert_string_equal(a->chain[2], "loop1.contoso.test");
    assert_int_equal(status_of(v, "dangling.contoso.test", MCX_DNS_TYPE_A, a), MCX_DNS_NXDOMAIN);
    assert_int_equal(a->ncnames, 1);
    free(a);
    mcx_dns_view_free(v);
}

static void test_wildcard(void **state)
{
    mcx_error err;
    mcx_dns_answer *a = calloc(1, sizeof *a);
    (void)state;
    mcx_dns_view *v = load(base_zone, &err);
    assert_non_null(v);

    assert_int_equal(status_of(v, "host.wild.contoso.test", MCX_DNS_TYPE_A, a), MCX_DNS_ANSWER);
    assert_string_equal(a->wildcard, "*.wild.contoso.test");
    assert_string_equal(a->wildcard_for, "host.wild.contoso.test");
    assert_string_equal(a->rrs[0]->rdata, "192.0.2.30");
    mcx_dns_answer_clear(a);
    /* Deeper names match too (closest encloser wild.contoso.test). */
    assert_int_equal(status_of(v, "x.y.wild.contoso.test", MCX_DNS_TYPE_A, a), MCX_DNS_ANSWER);
    mcx_dns_answer_clear(a);
    /* An existing name is never synthesised: real.wild has TXT only. */
    assert_int_equal(status_of(v, "real.wild.contoso.test", MCX_DNS_TYPE_A, a), MCX_DNS_NODATA);
    assert_string_equal(a->wildcard, "");
    /* Below an existing name, the closest encloser is that name: no
     * *.real.wild.contoso.test exists, so NXDOMAIN. */
    assert_int_equal(status_of(v, "x.real.wild.contoso.test", MCX_DNS_TYPE_A, a), MCX_DNS_NXDOMAIN);
    /* The wildcard does not cover its parent's siblings. */
    assert_int_equal(status_of(v, "other.contoso.test", MCX_DNS_TYPE_A, a), MCX_DNS_NXDOMAIN);
    free(a);
    mcx_dns_view_free(v);
}

static void test_chain_limit(void **state)
{
    mcx_dns_answer *a = calloc(1, sizeof *a);
    char owner[64], target[64];
    (void)state;

    /* n0 -> n1 -> ... -> n8 -> A: 8 CNAMEs resolve; a 9th is too long. */
    for (int len = 8; len <= 9; len++) {
        mcx_dns_view *v = mcx_dns_view_new("external");
        assert_int_equal(mcx_dns_view_add_zone(v, "contoso.test"), 0);
        for (int i = 0; i < len; i++) {
            snprintf(owner, sizeof owner, "n%d.contoso.test", i);
            snprintf(target, sizeof target, "n%d.contoso.test", i + 1);
            assert_int_equal(mcx_dns_view_add_rr(v, owner, MCX_DNS_TYPE_CNAME, 60, target, "live"),
                             0);
        }
        assert_int_equal(mcx_dns_view_add_rr(v, target, MCX_DNS_TYPE_A, 60, "192.0.2.1", "live"),
                         0);
        mcx_dns_status s = status_of(v, "n0.contoso.test", MCX_DNS_TYPE_A, a);
        assert_int_equal(s, len == 8 ? MCX_DNS_ANSWER : MCX_DNS_CHAIN_TOO_LONG);
        mcx_dns_answer_clear(a);
        mcx_dns_view_free(v);
    }
    free(a);
}

static void test_names(void **state)
{
    char out[MCX_DNS_NAME_MAX];
    (void)state;
    assert_int_equal(mcx_dns_name_normalise("LyncDiscover.Contoso.TEST.", out, sizeof out), 0);
    assert_string_equal(out, "lyncdiscover.contoso.test");
    assert_int_equal(mcx_dns_name_normalise("", out, sizeof out), -1);
    assert_int_equal(mcx_dns_name_normalise("a..b", out, sizeof out), -1);
    assert_true(mcx_dns_name_is_under("a.contoso.test", "contoso.test"));
    assert_true(mcx_dns_name_is_under("contoso.test", "contoso.test"));
    assert_false(mcx_dns_name_is_under("xcontoso.test", "contoso.test"));
    /* An escaped dot is inside a label: "a.contoso" is a label under test. */
    assert_false(mcx_dns_name_is_under("a\\.contoso.test", "contoso.test"));
    assert_true(mcx_dns_name_is_under("a\\.contoso.test", "test"));
}

/* ---- rules on views built record by record -------------------------- */

static mcx_dns_view *live_view(const char *name, const char *zone)
{
    mcx_dns_view *v = mcx_dns_view_new(name);
    assert_non_null(v);
    assert_int_equal(mcx_dns_view_add_zone(v, zone), 0);
    return v;
}

static void add(mcx_dns_view *v, const char *owner, uint16_t type, const char *rdata)
{
    assert_int_equal(mcx_dns_view_add_rr(v, owner, type, 3600, rdata, "live"), 0);
}

static const mcx_finding *finding(const mcx_report *r, const char *id)
{
    for (size_t i = 0; i < r->nfindings; i++)
        if (strcmp(r->findings[i].id, id) == 0) return &r->findings[i];
    return NULL;
}

static mcx_report *run(mcx_dns_view *v, mcx_dns_vantage vantage, const char *domain,
                       const mcx_topology *t)
{
    const char *domains[] = {domain};
    mcx_report *r = mcx_report_new("mcxcheck", "zone", "test");
    assert_non_null(r);
    assert_int_equal(mcx_dns_rules_check(v, vantage, domains, 1, t, r), 0);
    return r;
}

static void test_rules_missing_and_remediation(void **state)
{
    mcx_error err;
    (void)state;
    mcx_topology *t = mcx_topology_load_default(&err);
    assert_non_null(t);
    mcx_dns_view *v = live_view("internal", "contoso.test");
    add(v, "dir01.contoso.test", MCX_DNS_TYPE_A, "192.0.2.11");
    mcx_report *r = run(v, MCX_DNS_VANTAGE_INTERNAL, "contoso.test", t);
    const mcx_finding *f = finding(r, "DNS-001");
    assert_non_null(f);
    assert_string_equal(f->subject, "contoso.test");
    /* The exact record: zone, name, type and the Director's internal FQDN. */
    assert_string_equal(f->remediation,
                        "In the internal zone contoso.test, create: "
                        "lyncdiscoverinternal.contoso.test. 3600 IN CNAME dir01.contoso.test.");
    /* Split-brain: dirweb and webext01/02 are missing inside. */
    assert_non_null(finding(r, "DNS-008"));
    assert_int_equal(r->nsteps, 1);
    assert_string_equal(r->steps[0].title, "discovery internal contoso.test: none");
    mcx_report_free(r);

    /* Now correct it; the Director target is accepted, a Front End is not. */
    add(v, "lyncdiscoverinternal.contoso.test", MCX_DNS_TYPE_CNAME, "dir01.contoso.test");
    r = run(v, MCX_DNS_VANTAGE_INTERNAL, "contoso.test", t);
    assert_null(finding(r, "DNS-001"));
    assert_null(finding(r, "DNS-003"));
    assert_string_equal(r->steps[0].title,
                        "discovery internal contoso.test: lyncdiscoverinternal.contoso.test");
    mcx_report_free(r);
    mcx_dns_view_free(v);

    v = live_view("internal", "contoso.test");
    add(v, "pool01.contoso.test", MCX_DNS_TYPE_A, "192.0.2.21");
    add(v, "lyncdiscoverinternal.contoso.test", MCX_DNS_TYPE_CNAME, "pool01.contoso.test");
    r = run(v, MCX_DNS_VANTAGE_INTERNAL, "contoso.test", t);
    f = finding(r, "DNS-003");
    assert_non_null(f);
    assert_non_null(strstr(f->message, "pool pool01.contoso.test"));
    assert_non_null(strstr(f->remediation, "CNAME dir01.contoso.test."));
    mcx_report_free(r);
    mcx_dns_view_free(v);
    mcx_topology_free(t);
}

static void test_rules_external(void **state)
{
    mcx_error err;
    (void)state;
    mcx_topology *t = mcx_topology_load_default(&err);
    assert_non_null(t);

    /* A record to the reverse proxy (127.0.1.40 in the default topology). */
    mcx_dns_view *v = live_view("external", "contoso.test");
    add(v, "lyncdiscover.contoso.test", MCX_DNS_TYPE_A, "127.0.1.40");
    add(v, "lyncdiscoverinternal.contoso.test", MCX_DNS_TYPE_A, "127.0.1.40");
    add(v, "dir01.contoso.test", MCX_DNS_TYPE_A, "127.0.1.11");
    mcx_report *r = run(v, MCX_DNS_VANTAGE_EXTERNAL, "contoso.test", t);
    assert_null(finding(r, "DNS-002"));
    assert_null(finding(r, "DNS-004"));
    assert_non_null(finding(r, "DNS-005"));
    const mcx_finding *f = finding(r, "DNS-010");
    assert_non_null(f);
    assert_string_equal(f->subject, "dir01.contoso.test");
    assert_non_null(finding(r, "DNS-011")); /* dirweb, webext01, webext02 */
    mcx_report_free(r);
    mcx_dns_view_free(v);

    /* Cross-domain CNAME: a warning naming the port 80 rule. */
    v = live_view("external", "contoso.test");
    add(v, "lyncdiscover.contoso.test", MCX_DNS_TYPE_CNAME, "director.contoso.net");
    r = run(v, MCX_DNS_VANTAGE_EXTERNAL, "contoso.test", NULL);
    f = finding(r, "DNS-007");
    assert_non_null(f);
    assert_int_equal(f->level, MCX_LEVEL_WARNING);
    assert_non_null(strstr(f->remediation, "port 80"));
    assert_non_null(finding(r, "DNS-018")); /* no topology */
    assert_null(finding(r, "DNS-013"));     /* target outside the view: not dangling */
    mcx_report_free(r);
    mcx_dns_view_free(v);
    mcx_topology_free(t);
}

static void test_rules_shape(void **state)
{
    (void)state;
    mcx_dns_view *v = live_view("external", "contoso.test");
    add(v, "lyncdiscover.contoso.test", MCX_DNS_TYPE_AAAA, "2001:db8::1");
    add(v, "www.contoso.test", MCX_DNS_TYPE_CNAME, "web.contoso.test");
    add(v, "www.contoso.test", MCX_DNS_TYPE_A, "192.0.2.1");
    assert_int_equal(mcx_dns_view_add_rr(v, "*.contoso.test", MCX_DNS_TYPE_A, 0, "192.0.2.9", "l"),
                     0);
    mcx_report *r = run(v, MCX_DNS_VANTAGE_EXTERNAL, "contoso.test", NULL);
    assert_non_null(finding(r, "DNS-016"));
    assert_non_null(finding(r, "DNS-020"));
    assert_null(finding(r, "DNS-015")); /* lyncdiscover is explicit */
    /* lyncdiscoverinternal exists through the wildcard. */
    const mcx_finding *f = finding(r, "DNS-005");
    assert_non_null(f);
    assert_non_null(strstr(f->remediation, "*.contoso.test"));
    mcx_report_free(r);

    /* In the internal view, the wildcard answers lyncdiscoverinternal with
     * TTL 0: wildcard notice and TTL notice. */
    free(v->name);
    v->name = strdup("internal");
    r = run(v, MCX_DNS_VANTAGE_INTERNAL, "contoso.test", NULL);
    f = finding(r, "DNS-015");
    assert_non_null(f);
    assert_non_null(strstr(f->message, "*.contoso.test"));
    assert_non_null(finding(r, "DNS-017"));
    assert_non_null(finding(r, "DNS-006"));
    mcx_report_free(r);
    mcx_dns_view_free(v);

    /* A SIP domain that is not a name is an internal error, not a crash. */
    v = live_view("internal", "contoso.test");
    const char *bad[] = {"not a domain"};
    r = mcx_report_new("mcxcheck", "zone", "test");
    assert_int_equal(mcx_dns_rules_check(v, MCX_DNS_VANTAGE_INTERNAL, bad, 1, NULL, r), -1);
    assert_non_null(finding(r, "DNS-000"));
    mcx_report_free(r);
    mcx_dns_view_free(v);
}

static char *render(const mcx_report *r, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    assert_non_null(f);
    assert_int_equal(mcx_report_write(r, MCX_FORMAT_JSON, 0, f), 0);
    fclose(f);
    return buf;
}

static void test_deterministic(void **state)
{
    mcx_error err;
    char *out[2];
    size_t len[2];
    (void)state;
    /* Same records added in a different order: the same bytes. */
    for (int k = 0; k < 2; k++) {
        mcx_dns_view *v = mcx_dns_view_new("internal");
        assert_int_equal(
            mcx_dns_view_load_zone_memory(v, "t.zone", base_zone, strlen(base_zone), NULL, &err),
            0);
        if (k == 0) {
            add(v, "lyncdiscover.contoso.test", MCX_DNS_TYPE_A, "192.0.2.7");
            add(v, "lyncdiscover.contoso.test", MCX_DNS_TYPE_A, "192.0.2.6");
        } else {
            add(v, "lyncdiscover.contoso.test", MCX_DNS_TYPE_A, "192.0.2.6");
            add(v, "lyncdiscover.contoso.test", MCX_DNS_TYPE_A, "192.0.2.7");
        }
        mcx_report *r = run(v, MCX_DNS_VANTAGE_INTERNAL, "contoso.test", NULL);
        out[k] = render(r, &len[k]);
        mcx_report_free(r);
        mcx_dns_view_free(v);
    }
    assert_int_equal(len[0], len[1]);
    assert_memory_equal(out[0], out[1], len[0]);
    free(out[0]);
    free(out[1]);
}

/* ---- scenario loader -------------------------------------------------- */

static const char *scenario_head = "<?xml version=\"1.0\"?>\n"
                                   "<dnsScenario xmlns=\"urn:mcxlab:dns-scenario:1\" name=\"t\">\n"
                                   "  <description>d</description>\n"
                                   "  <topology ref=\"none\"/>\n"
                                   "  <sipDomain>contoso.test</sipDomain>\n";

static void expect_scenario_error(const char *body, const char *rule, int line, const char *needle)
{
    char xml[2048];
    mcx_error err;
    snprintf(xml, sizeof xml, "%s%s</dnsScenario>\n", scenario_head, body);
    mcx_dns_scenario *s = mcx_dns_scenario_load_memory("dir/s.xml", xml, strlen(xml), &err);
    if (s != NULL) fail_msg("expected an error for: %s", body);
    assert_string_equal(err.rule, rule);
    assert_int_equal(err.line, line);
    if (strstr(err.message, needle) == NULL) fail_msg("error '%s' lacks '%s'", err.message, needle);
}

static void test_scenario_loader(void **state)
{
    char xml[2048];
    mcx_error err;
    (void)state;

    snprintf(xml, sizeof xml,
             "%s  <view name=\"external\">\n    <zone file=\"e.zone\" origin=\"contoso.test\"/>\n"
             "    <mustHave id=\"DNS-002\"/>\n    <mustNotHave id=\"DNS-005\"/>\n"
             "    <discovery sipDomain=\"contoso.test\" answers=\"none\"/>\n  </view>\n"
             "</dnsScenario>\n",
             scenario_head);
    mcx_dns_scenario *s = mcx_dns_scenario_load_memory("dir/s.xml", xml, strlen(xml), &err);
    assert_non_null(s);
    assert_int_equal(s->nviews, 1);
    assert_int_equal(s->views[0].vantage, MCX_DNS_VANTAGE_EXTERNAL);
    assert_string_equal(s->views[0].zones[0].file, "dir/e.zone");
    assert_string_equal(s->views[0].must_have[0], "DNS-002");
    assert_null(s->views[0].discovery[0].answers);
    mcx_dns_scenario_free(s);

    expect_scenario_error("  <view name=\"internal\">\n    <zone file=\"i.zone\"/>\n"
                          "    <mustHave id=\"DNS-999\"/>\n  </view>\n",
                          "scenario", 8, "DNS-999");
    expect_scenario_error("  <view name=\"internal\">\n    <zone file=\"i.zone\"/>\n"
                          "    <mustHave id=\"DNS-001\"/>\n    <mustNotHave id=\"DNS-001\"/>\n"
                          "  </view>\n",
                          "scenario", 9, "listed twice");
    expect_scenario_error("  <view name=\"internal\">\n    <zone file=\"i.zone\"/>\n"
                          "    <discovery sipDomain=\"contoso.test\" "
                          "answers=\"lyncdiscover.fabrikam.test\"/>\n  </view>\n",
                          "scenario", 8, "lyncdiscover.fabrikam.test");
    expect_scenario_error("  <view name=\"inside\">\n    <zone file=\"i.zone\"/>\n  </view>\n",
                          "xsd", 6, "inside");
    expect_scenario_error("  <view name=\"internal\">\n  </view>\n", "xsd", 6, "");

    /* A DOCTYPE (entity expansion, external entities) is refused. */
    const char *dtd = "<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY a \"b\">]>\n<x/>\n";
    assert_null(mcx_dns_scenario_load_memory("d.xml", dtd, strlen(dtd), &err));
    assert_string_equal(err.rule, "no-dtd");
    assert_int_equal(err.line, 2);
}

/* ---- every dnsfixtures scenario, in-process -------------------------- */

static int in_list(char **ids, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(ids[i], id) == 0) return 1;
    return 0;
}

static int check_scenario(const char *path)
{
    mcx_error err;
    mcx_topology *t = NULL;
    char line[1024], answer[MCX_DNS_NAME_MAX];
    int bad = 0;
    mcx_dns_scenario *s = mcx_dns_scenario_load_file(path, &err);

    if (s == NULL) {
        mcx_error_format(&err, line, sizeof line);
        print_error("%s\n", line);
        return 1;
    }
    if (mcx_dns_scenario_topology(s, &t, &err) != 0) {
        mcx_error_format(&err, line, sizeof line);
        print_error("%s: topology: %s\n", path, line);
        mcx_dns_scenario_free(s);
        return 1;
    }
    for (size_t i = 0; i < s->nviews; i++) {
        const mcx_dns_scenario_view *sv = &s->views[i];
        mcx_dns_view *v = mcx_dns_scenario_view_load(sv, &err);
        if (v == NULL) {
            mcx_error_format(&err, line, sizeof line);
            print_error("%s\n", line);
            bad++;
            continue;
        }
        mcx_report *r = mcx_report_new("mcxcheck", "zone", s->name);
        if (mcx_dns_rules_check(v, sv->vantage, (const char *const *)s->sip_domains,
                                s->nsip_domains, t, r) != 0) {
            print_error("%s: rules failed\n", path);
            bad++;
        }
        for (size_t k = 0; k < sv->nmust_have; k++)
            if (!mcx_report_has(r, sv->must_have[k])) {
                print_error("%s [%s]: %s missing\n", path, v->name, sv->must_have[k]);
                bad++;
            }
        for (size_t k = 0; k < r->nfindings; k++)
            if (in_list(sv->must_not_have, sv->nmust_not_have, r->findings[k].id)) {
                print_error("%s [%s]: %s must not appear: %s\n", path, v->name, r->findings[k].id,
                            r->findings[k].message);
                bad++;
            }
        for (size_t k = 0; k < sv->ndiscovery; k++) {
            int found =
                mcx_dns_discovery_answer(v, sv->discovery[k].sip_domain, answer, sizeof answer);
            const char *want = sv->discovery[k].answers;
            if (found < 0 || (want == NULL) != (found == 0) ||
                (want != NULL && strcasecmp(want, answer) != 0)) {
                print_error("%s [%s]: discovery %s: want %s, got %s\n", path, v->name,
                            sv->discovery[k].sip_domain, want ? want : "none",
                            found > 0 ? answer : "none");
                bad++;
            }
        }
        mcx_report_free(r);
        mcx_dns_view_free(v);
    }
    mcx_topology_free(t);
    mcx_dns_scenario_free(s);
    return bad;
}

static void test_all_scenarios(void **state)
{
    const char *top = getenv("MCX_TOP");
    char dir[2048], path[4096];
    struct dirent **names = NULL;
    int n, count = 0, bad = 0;
    (void)state;

    snprintf(dir, sizeof dir, "%s/dnsfixtures", top != NULL ? top : ".");
    n = scandir(dir, &names, NULL, alphasort);
    assert_true(n > 0);
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s/scenario.xml", dir, names[i]->d_name);
        FILE *f = names[i]->d_name[0] != '.' ? fopen(path, "r") : NULL;
        if (f != NULL) {
            fclose(f);
            count++;
            bad += check_scenario(path);
        }
        free(names[i]);
    }
    free(names);
    assert_true(count >= 15);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_zone),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_wildcard),
        cmocka_unit_test(test_chain_limit),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_rules_missing_and_remediation),
        cmocka_unit_test(test_rules_external),
        cmocka_unit_test(test_rules_shape),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_scenario_loader),
        cmocka_unit_test(test_all_scenarios),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
