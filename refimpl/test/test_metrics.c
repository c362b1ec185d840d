/*
 * test_metrics.c -- unit tests of mcxd's performance counters after known
 * traffic (through mcxd_handle, injected clock): totals, current values,
 * per-second rates over the window, the average session lifetime, the
 * name derivation from the seed's counter names, and the exposition format.
 * Owns nothing but these tests.
 */
#include "mobility_test.h"
#include "metrics.h"

/* The value of one exposed sample, as text; asserts it is there. */
static void expect(const char *text, const char *name, const char *value)
{
    char line[256];
    snprintf(line, sizeof(line), "\n%s %s\n", name, value);
    if (!strstr(text, line))
        fail_msg("missing '%s %s' in:\n%s", name, value, text);
}

static void test_names(void **state)
{
    (void)state;
    char n[160];
    mcxd_metrics_name("Currently Active Session Count with Active Presence Subscriptions", n, sizeof(n));
    assert_string_equal(n, "mcx_currently_active_session_count_with_active_presence_subscriptions");
    mcxd_metrics_name("Succeeded Initiate Session Requests/Second", n, sizeof(n));
    assert_string_equal(n, "mcx_succeeded_initiate_session_requests_per_second");
    mcxd_metrics_name("Total number of sessions terminated by user", n, sizeof(n));
    assert_string_equal(n, "mcx_total_number_of_sessions_terminated_by_user");
}

static void test_after_traffic(void **state)
{
    (void)state;
    mt *f = mt_new(9);
    mcxd_metrics *mx = mcxd_metrics_new();
    assert_non_null(mx);
    mcxd_metrics_sample(mx, f->st, f->now);
    /* 3 sign-ins (2 alice, 1 bob), 1 refused request, 1 IM */
    char *ta = mt_token(f, "alice@contoso.test", "secret");
    char *tb = mt_token(f, "bob@fabrikam.test", "secret2");
    char *a1 = mt_app(f, ta, "Lync Android"), *a2 = mt_app(f, ta, "Lync Android"),
         *b1 = mt_app(f, tb, "Lync iPhone");
    mt_resp r = mt_req(f, "POST", MT_APPS, NULL, "application/json", "{}", NULL);
    assert_int_equal(r.status, 401);
    mt_resp_free(&r);
    mt_available(f, a1, ta);
    mt_available(f, b1, tb);
    r = mt_at(f, "POST", a1, "/communication/messagingInvitations", ta, "application/json",
              "{\"to\":\"sip:bob@fabrikam.test\"}", NULL);
    mt_resp_free(&r);
    json_t *ev = mt_events(f, b1, tb, 1);
    const char *acc = json_string_value(json_object_get(json_object_get(json_object_get(json_object_get(
        json_object_get(mt_event(ev, "messagingInvitation", "started"), "_embedded"), "messagingInvitation"),
        "_links"), "accept"), "href"));
    r = mt_req(f, "POST", acc, tb, "application/json", "", NULL);
    assert_int_equal(r.status, 204);
    mt_resp_free(&r);
    json_decref(ev);
    ev = mt_events(f, a1, ta, 1);
    const char *send = json_string_value(json_object_get(json_object_get(json_object_get(json_object_get(
        json_object_get(mt_event(ev, "messaging", "updated"), "_embedded"), "messaging"), "_links"),
        "sendMessage"), "href"));
    r = mt_req(f, "POST", send, ta, "text/plain", "hi", NULL);
    assert_int_equal(r.status, 201);
    mt_resp_free(&r);
    json_decref(ev);
    r = mt_at(f, "POST", b1, "/people/presenceSubscriptions", tb, "application/json",
              "{\"uris\":[\"sip:alice@contoso.test\"]}", NULL);
    mt_resp_free(&r);
    r = mt_at(f, "DELETE", a2, "", ta, NULL, NULL, NULL);
    assert_int_equal(r.status, 204);
    mt_resp_free(&r);

    f->now += 2;
    mcxd_metrics_sample(mx, f->st, f->now);
    size_t len = 0;
    char *text = mcxd_metrics_render(mx, f->st, f->now, &len);
    assert_non_null(text);
    assert_int_equal(strlen(text), len);
    expect(text, "mcx_total_session_initiated_count", "3");
    expect(text, "mcx_succeeded_initiate_session_requests_per_second", "1.500");
    expect(text, "mcx_currently_active_session_count", "2");
    expect(text, "mcx_currently_active_session_count_with_active_presence_subscriptions", "1");
    expect(text, "mcx_total_number_of_sessions_terminated_by_user", "1");
    expect(text, "mcx_total_requests_rejected", "1");
    expect(text, "mcxd_mobility_messages_delivered_total", "1");
    expect(text, "mcx_average_lifetime_for_a_session_in_milliseconds", "0");
    assert_non_null(strstr(text, "# TYPE mcx_total_session_initiated_count counter\n"));
    assert_non_null(strstr(text, "# TYPE mcx_currently_active_poll_count gauge\n"));
    free(text);

    /* idle expiry of bob's background app is far off; alice's a1 expires
     * after 3600 s: one more session ended, lifetime 3602 s */
    f->now += 3600;
    mt_drain(f);
    mcxd_metrics_sample(mx, f->st, f->now);
    text = mcxd_metrics_render(mx, f->st, f->now, &len);
    expect(text, "mcx_total_sessions_terminated_because_of_user_idle_timeout", "1");
    expect(text, "mcx_average_lifetime_for_a_session_in_milliseconds", "1801000");
    expect(text, "mcx_succeeded_initiate_session_requests_per_second", "0");
    free(text);
    mcxd_metrics_free(mx);
    free(a1);
    free(a2);
    free(b1);
    free(ta);
    free(tb);
    mt_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_after_traffic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
