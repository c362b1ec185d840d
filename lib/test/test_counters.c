/*
 * test_counters.c -- unit tests of lib/counters.c: reading a counters
 * exposition (good and bad lines, with the line number in the error), the
 * seed's memory formula against the seed's own per-session figures, and
 * each monitoring rule raising its CN- finding exactly at its threshold.
 * Owns nothing but these tests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mcx/counters.h"

static void test_parse(void **state)
{
    (void)state;
    const char *text = "# HELP x y\n# TYPE x gauge\nmcx_a 3\r\nmcx_b{pool=\"p 1\"} 1.5 1700000000\n\nmcx_c 2e3\n";
    mcx_counters c;
    char err[200];
    assert_int_equal(mcx_counters_parse(text, strlen(text), &c, err, sizeof err), 0);
    assert_int_equal(c.n, 3);
    double v;
    assert_true(mcx_counters_get(&c, "mcx_a", &v));
    assert_true(v == 3.0);
    assert_true(mcx_counters_get(&c, "mcx_b{pool=\"p 1\"}", &v));
    assert_true(v == 1.5);
    assert_true(mcx_counters_get(&c, "mcx_c", &v));
    assert_true(v == 2000.0);
    assert_false(mcx_counters_get(&c, "mcx_d", &v));
    mcx_counters_free(&c);
    const char *bad[] = {"mcx_a 1\nmcx_b\n", "mcx_a 1\n\nmcx_b x1\n", "<html>\n"};
    const char *want[] = {"line 2", "line 3", "line 1"};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(mcx_counters_parse(bad[i], strlen(bad[i]), &c, err, sizeof err), -1);
        assert_non_null(strstr(err, want[i]));
    }
}

static void test_formula(void **state)
{
    (void)state;
    /* no session: the service's base of 164 MB */
    assert_true(mcx_counters_memory_mb(0, 0) == 164.0);
    /* 1,024 always-connected sessions: 164 + 534 MB; 1,024 background: 164 + 400 MB */
    assert_true(mcx_counters_memory_mb(1024, 1024) == 698.0);
    assert_true(mcx_counters_memory_mb(1024, 0) == 564.0);
}

static mcx_report *run(const char *text, double available)
{
    mcx_counters c;
    char err[200];
    assert_int_equal(mcx_counters_parse(text, strlen(text), &c, err, sizeof err), 0);
    mcx_report *r = mcx_report_new("mcxcheck", "counters", "test");
    mcx_counters_options o = {.available_mb = available, .source = "test"};
    assert_int_equal(mcx_counters_check(&c, &o, r), 0);
    mcx_counters_free(&c);
    return r;
}

#define BASE "mcx_currently_active_session_count 10\n" \
             "mcx_currently_active_session_count_with_active_presence_subscriptions 4\n"

static void test_rules(void **state)
{
    (void)state;
    mcx_report *r = run(BASE "mcx_currently_active_poll_count 3999\n"
                             "mcx_succeeded_initiate_session_requests_per_second 12\n", 1500);
    assert_int_equal(r->nfindings, 0);
    mcx_report_free(r);
    r = run(BASE "mcx_currently_active_poll_count 4000\n"
                 "mcx_succeeded_initiate_session_requests_per_second 12.01\n", 1499);
    assert_true(mcx_report_has(r, "CN-002"));
    assert_true(mcx_report_has(r, "CN-003"));
    assert_true(mcx_report_has(r, "CN-004"));
    assert_int_equal(mcx_report_max_level(r), MCX_LEVEL_ERROR);
    for (size_t i = 0; i < r->nfindings; i++)
        if (strcmp(r->findings[i].id, "CN-003") == 0)
            assert_int_equal(r->findings[i].level, MCX_LEVEL_WARNING); /* 80 % */
    mcx_report_free(r);
    r = run(BASE "mcx_currently_active_poll_count 5000\n"
                 "mcx_succeeded_initiate_session_requests_per_second 0\n", 20000);
    for (size_t i = 0; i < r->nfindings; i++)
        if (strcmp(r->findings[i].id, "CN-003") == 0)
            assert_int_equal(r->findings[i].level, MCX_LEVEL_ERROR);
    mcx_report_free(r);
    /* the available memory from the counters when not given */
    r = run(BASE "mcx_memory_available_mbytes 900\nmcx_currently_active_poll_count 0\n"
                 "mcx_succeeded_initiate_session_requests_per_second 0\n", -1);
    assert_true(mcx_report_has(r, "CN-002"));
    mcx_report_free(r);
    /* missing counters: one CN-005 each, nothing else */
    r = run("mcx_other 1\n", 9999);
    assert_int_equal(r->nfindings, 4);
    for (size_t i = 0; i < r->nfindings; i++)
        assert_string_equal(r->findings[i].id, "CN-005");
    mcx_report_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_formula),
        cmocka_unit_test(test_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
