/*
 * test_mobility_session.c -- unit tests of the Mobility Service's event
 * channel and session lifetimes on an injected clock (the `now` handed to
 * mcxd_handle and mcxd_mobility_drain; no test sleeps): parked P-GETs woken
 * by real-time events and by aggregation delays, P-GET replacement (409
 * PGetReplaced, and the --break that loses it), the same batch re-sent after
 * a lost response, resync for other acks, P-GET timeouts, idle expiry of
 * always-connected and background-enabled applications, presence
 * degradation seen by a watcher, the pending-event cap and the memory a
 * session with 80 subscribed contacts costs. Owns nothing but these tests.
 */
#include "mobility_test.h"

static int H1, H2; /* park handles: any distinct addresses */

typedef struct pair {
    mt *f;
    char *ta, *tb, *aa, *ab;
} pair;

/* alice (always-connected) and bob (background-enabled), both available,
 * their first batches read: the next ack of each is 2. */
static pair pair_new(unsigned breaks)
{
    pair p;
    p.f = mt_new(3);
    p.f->cfg.breaks = breaks;
    p.ta = mt_token(p.f, "alice@contoso.test", "secret");
    p.tb = mt_token(p.f, "bob@fabrikam.test", "secret2");
    p.aa = mt_app(p.f, p.ta, "Lync 2010 Android");
    p.ab = mt_app(p.f, p.tb, "Lync 2010 iPhone");
    mt_available(p.f, p.aa, p.ta);
    mt_available(p.f, p.ab, p.tb);
    json_decref(mt_events(p.f, p.aa, p.ta, 1));
    json_decref(mt_events(p.f, p.ab, p.tb, 1));
    return p;
}

static void pair_free(pair *p)
{
    free(p->ta);
    free(p->tb);
    free(p->aa);
    free(p->ab);
    mt_free(p->f);
}

static mt_resp park(pair *p, const char *app, const char *tok, unsigned ack, const char *extra,
                    void *h)
{
    char sfx[128];
    snprintf(sfx, sizeof(sfx), "/events?ack=%u%s", ack, extra ? extra : "");
    return mt_at(p->f, "GET", app, sfx, tok, NULL, NULL, h);
}

static void invite_alice(pair *p)
{
    mt_resp r = mt_at(p->f, "POST", p->ab, "/communication/messagingInvitations", p->tb,
                      "application/json", "{\"to\":\"sip:alice@contoso.test\"}", NULL);
    assert_int_equal(r.status, 201);
    mt_resp_free(&r);
}

static void test_park_and_wake(void **state)
{
    (void)state;
    pair p = pair_new(0);
    mt_resp r = park(&p, p.aa, p.ta, 2, NULL, &H1);
    assert_true(r.parked);
    mt_resp_free(&r);
    assert_int_equal(mcxd_mobility_get_counters(p.f->st)->pgets_active, 1);
    /* a real-time event (an invitation) completes it at once */
    invite_alice(&p);
    mt_done d = {0};
    assert_true(mt_take_done(p.f, &H1, &d));
    assert_int_equal(d.status, 200);
    json_t *b = mt_json(d.body);
    assert_non_null(mt_event(b, "messagingInvitation", "started"));
    assert_non_null(strstr(json_string_value(json_object_get(json_object_get(json_object_get(b, "_links"), "next"), "href")),
                           "ack=3"));
    json_decref(b);
    free(d.body);
    /* a medium event (own presence) waits `medium` seconds (here 6) */
    r = park(&p, p.aa, p.ta, 3, "&medium=6", &H1);
    assert_true(r.parked);
    mt_resp_free(&r);
    r = mt_at(p.f, "POST", p.aa, "/me/presence", p.ta, "application/json", "{\"availability\":\"Busy\"}", NULL);
    assert_int_equal(r.status, 204);
    mt_resp_free(&r);
    p.f->now += 5;
    mt_drain(p.f);
    assert_false(mt_take_done(p.f, &H1, &d));
    p.f->now += 1;
    mt_drain(p.f);
    assert_true(mt_take_done(p.f, &H1, &d));
    assert_non_null(strstr(d.body, "\"availability\":\"Busy\""));
    free(d.body);
    assert_int_equal(mcxd_mobility_get_counters(p.f->st)->pgets_active, 0);
    pair_free(&p);
}

static void replaced(unsigned breaks, int want_status)
{
    pair p = pair_new(breaks);
    mt_resp r = park(&p, p.aa, p.ta, 2, NULL, &H1);
    assert_true(r.parked);
    mt_resp_free(&r);
    r = park(&p, p.aa, p.ta, 2, NULL, &H2);
    assert_true(r.parked);
    mt_resp_free(&r);
    mt_drain(p.f);
    mt_done d = {0};
    assert_true(mt_take_done(p.f, &H1, &d));
    assert_int_equal(d.status, want_status);
    if (want_status == 409)
        assert_non_null(strstr(d.body, "\"subcode\":\"PGetReplaced\""));
    free(d.body);
    assert_false(mt_take_done(p.f, &H2, &d));
    /* the newer one still gets what comes next */
    invite_alice(&p);
    assert_true(mt_take_done(p.f, &H2, &d));
    assert_non_null(strstr(d.body, "messagingInvitation"));
    free(d.body);
    pair_free(&p);
}

static void test_pget_replaced(void **state)
{
    (void)state;
    replaced(0, 409);
    replaced(MCXD_BREAK_MOBILITY_NO_PGET_REPLACE, 200); /* the deviation the checks catch */
}

static void test_batch_resent_and_resync(void **state)
{
    (void)state;
    pair p = pair_new(0);
    invite_alice(&p);
    mt_resp one = park(&p, p.aa, p.ta, 2, NULL, NULL);
    mt_resp again = park(&p, p.aa, p.ta, 2, NULL, NULL); /* response lost: same batch */
    assert_int_equal(again.status, 200);
    assert_string_equal(one.body, again.body);
    mt_resp_free(&again);
    const char *odd[] = {"/events?ack=1", "/events?ack=9"};
    for (int i = 0; i < 2; i++) {
        mt_resp r = mt_at(p.f, "GET", p.aa, odd[i], p.ta, NULL, NULL, NULL);
        assert_int_equal(r.status, 200);
        json_t *j = mt_json(r.body);
        json_t *links = json_object_get(j, "_links");
        assert_non_null(json_object_get(links, "resync"));
        assert_null(json_object_get(links, "next"));
        assert_null(json_object_get(j, "sender"));
        json_decref(j);
        mt_resp_free(&r);
    }
    /* acknowledged (ack=3): never sent again */
    assert_non_null(strstr(one.body, "messagingInvitation"));
    mt_resp next = park(&p, p.aa, p.ta, 3, NULL, NULL);
    assert_null(strstr(next.body, "messagingInvitation"));
    mt_resp_free(&next);
    mt_resp_free(&one);
    pair_free(&p);

    /* --break mobility-resend-acked: the acknowledged events come back */
    p = pair_new(MCXD_BREAK_MOBILITY_RESEND_ACKED);
    invite_alice(&p);
    one = park(&p, p.aa, p.ta, 2, NULL, NULL);
    next = park(&p, p.aa, p.ta, 3, NULL, NULL);
    assert_non_null(strstr(next.body, "messagingInvitation"));
    mt_resp_free(&one);
    mt_resp_free(&next);
    pair_free(&p);
}

static void test_pget_timeout(void **state)
{
    (void)state;
    pair p = pair_new(0);
    mt_resp r = park(&p, p.aa, p.ta, 2, NULL, &H1);
    mt_resp_free(&r);
    p.f->now += 179;
    mt_drain(p.f);
    mt_done d = {0};
    assert_false(mt_take_done(p.f, &H1, &d));
    p.f->now += 1;
    mt_drain(p.f);
    assert_true(mt_take_done(p.f, &H1, &d));
    assert_int_equal(d.status, 200);
    json_t *b = mt_json(d.body);
    assert_int_equal(json_array_size(json_object_get(b, "sender")), 0);
    assert_non_null(json_object_get(json_object_get(b, "_links"), "next"));
    json_decref(b);
    free(d.body);
    assert_int_equal(mcxd_mobility_get_counters(p.f->st)->pgets_timed_out, 1);
    /* timeout=900 persists for the next P-GETs */
    r = park(&p, p.aa, p.ta, 3, "&timeout=900", &H1);
    mt_resp_free(&r);
    p.f->now += 899;
    mt_drain(p.f);
    assert_false(mt_take_done(p.f, &H1, &d));
    p.f->now += 1;
    mt_drain(p.f);
    assert_true(mt_take_done(p.f, &H1, &d));
    free(d.body);
    r = park(&p, p.aa, p.ta, 4, NULL, &H1);
    mt_resp_free(&r);
    p.f->now += 899;
    mt_drain(p.f);
    assert_false(mt_take_done(p.f, &H1, &d));
    pair_free(&p);
}

static int app_status(pair *p, const char *app, const char *tok)
{
    mt_resp r = mt_at(p->f, "GET", app, "/policies", tok, NULL, NULL, NULL);
    int s = r.status;
    if (s == 410)
        assert_non_null(strstr(r.body, "InactiveApplicationExpired"));
    mt_resp_free(&r);
    return s;
}

static void test_lifetimes(void **state)
{
    (void)state;
    pair p = pair_new(0);
    const mcxd_mobility_counters *c = mcxd_mobility_get_counters(p.f->st);
    /* always-connected: sessionShortExpirationInterval (3600 s) after the last request */
    p.f->now += 3599;
    mt_drain(p.f);
    assert_int_equal(app_status(&p, p.aa, p.ta), 200);
    p.f->now += 3600;
    mt_drain(p.f);
    assert_int_equal(app_status(&p, p.aa, p.ta), 410);
    assert_int_equal(c->sessions_idle_timeout, 1);
    /* background-enabled: sessionExpirationInterval (259200 s) */
    assert_int_equal(app_status(&p, p.ab, p.tb), 200);
    char *tb2 = mt_token(p.f, "bob@fabrikam.test", "secret2");
    p.f->now += 259199;
    mt_drain(p.f);
    /* tokens expire long before: the session outlives them, a new token works */
    assert_int_equal(app_status(&p, p.ab, tb2), 401);
    free(tb2);
    tb2 = mt_token(p.f, "bob@fabrikam.test", "secret2");
    assert_int_equal(app_status(&p, p.ab, tb2), 200);
    p.f->now += 259200;
    mt_drain(p.f);
    free(tb2);
    tb2 = mt_token(p.f, "bob@fabrikam.test", "secret2");
    assert_int_equal(app_status(&p, p.ab, tb2), 410);
    assert_int_equal(c->sessions_idle_timeout, 2);
    assert_int_equal(c->sessions_active, 0);
    /* re-sign-in after expiry is a new session ("initiate session") */
    char *again = mt_app(p.f, tb2, "Lync 2010 iPhone");
    assert_int_equal(c->sessions_initiated, 3);
    free(again);
    free(tb2);
    pair_free(&p);
}

static void test_parked_pget_keeps_session(void **state)
{
    (void)state;
    pair p = pair_new(0);
    mt_resp r = park(&p, p.aa, p.ta, 2, "&timeout=1800", &H1);
    mt_resp_free(&r);
    mt_done d = {0};
    for (unsigned ack = 3; ack < 6; ack++) { /* 3 x 1800 s > 3600 s, always parked */
        p.f->now += 1800;
        mt_drain(p.f);
        assert_true(mt_take_done(p.f, &H1, &d));
        free(d.body);
        r = park(&p, p.aa, p.ta, ack, NULL, &H1);
        assert_true(r.parked);
        mt_resp_free(&r);
    }
    assert_int_equal(mcxd_mobility_get_counters(p.f->st)->sessions_idle_timeout, 0);
    /* the application ends (DELETE) while its P-GET is parked: 404 */
    r = mt_at(p.f, "DELETE", p.aa, "", p.ta, NULL, NULL, NULL);
    assert_int_equal(r.status, 204);
    mt_resp_free(&r);
    assert_true(mt_take_done(p.f, &H1, &d));
    assert_int_equal(d.status, 404);
    free(d.body);
    pair_free(&p);
}

/* An application ends with an invitation pending, as sender or receiver. */
static void test_expiry_with_pending_invitation(void **state)
{
    (void)state;
    for (int sender_expires = 0; sender_expires < 2; sender_expires++) {
        pair p = pair_new(0);
        mt_resp r = mt_at(p.f, "POST", p.aa, "/communication/messagingInvitations", p.ta,
                          "application/json", "{\"to\":\"sip:bob@fabrikam.test\"}", NULL);
        assert_int_equal(r.status, 201);
        mt_resp_free(&r);
        if (sender_expires) {
            /* alice (always-connected, 3600 s) goes silent; bob stays */
            p.f->now += 3000;
            json_t *b = mt_events(p.f, p.ab, p.tb, 2);
            assert_non_null(mt_event(b, "messagingInvitation", "started"));
            json_decref(b);
            p.f->now += 600;
            mt_drain(p.f);
            b = mt_events(p.f, p.ab, p.tb, 3);
            json_t *done = mt_event(b, "messagingInvitation", "completed");
            assert_non_null(done);
            assert_string_equal(json_string_value(json_object_get(json_object_get(done, "reason"), "subcode")),
                                "Cancelled");
            json_decref(b);
        } else {
            /* bob's application ends (DELETE) before answering */
            r = mt_at(p.f, "DELETE", p.ab, "", p.tb, NULL, NULL, NULL);
            assert_int_equal(r.status, 204);
            mt_resp_free(&r);
            json_t *a = mt_events(p.f, p.aa, p.ta, 2);
            json_t *done = mt_event(a, "messagingInvitation", "completed");
            assert_non_null(done);
            assert_string_equal(json_string_value(json_object_get(json_object_get(done, "reason"), "subcode")),
                                "TemporarilyUnavailable");
            json_decref(a);
        }
        pair_free(&p);
    }
}

static void test_presence_degrades_for_watcher(void **state)
{
    (void)state;
    pair p = pair_new(0);
    mt_resp r = mt_at(p.f, "POST", p.ab, "/people/presenceSubscriptions", p.tb, "application/json",
                      "{\"uris\":[\"sip:alice@contoso.test\"]}", NULL);
    assert_int_equal(r.status, 201);
    mt_resp_free(&r);
    json_t *b = mt_events(p.f, p.ab, p.tb, 2);
    json_t *cp = mt_event(b, "contactPresence", "updated");
    assert_non_null(cp);
    assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(cp, "_embedded"),
                                                                          "contactPresence"), "availability")),
                        "Online");
    json_decref(b);
    /* bob keeps his P-GET parked with the default low = 15 s; the whole wait
     * is in bob's P-GET timeouts of 180 s, re-parked each time */
    unsigned ack = 3;
    mt_done d = {0};
    r = park(&p, p.ab, p.tb, ack, NULL, &H1);
    mt_resp_free(&r);
    p.f->now += 180;
    mt_drain(p.f);
    assert_true(mt_take_done(p.f, &H1, &d)); /* timeout, nothing yet */
    assert_null(strstr(d.body, "Away"));
    free(d.body);
    r = park(&p, p.ab, p.tb, ++ack, NULL, &H1);
    mt_resp_free(&r);
    p.f->now += 120; /* alice silent for 300 s: Away, told to bob after low = 15 s */
    mt_drain(p.f);
    assert_false(mt_take_done(p.f, &H1, &d));
    p.f->now += 15;
    mt_drain(p.f);
    assert_true(mt_take_done(p.f, &H1, &d));
    assert_non_null(strstr(d.body, "\"availability\":\"Away\""));
    free(d.body);
    /* alice's activity brings her back */
    r = mt_at(p.f, "POST", p.aa, "/me/reportMyActivity", p.ta, "application/json", "", NULL);
    assert_int_equal(r.status, 204);
    mt_resp_free(&r);
    b = mt_events(p.f, p.ab, p.tb, ++ack);
    assert_non_null(strstr(json_string_value(json_object_get(json_object_get(json_object_get(
                               mt_event(b, "contactPresence", NULL), "_embedded"), "contactPresence"),
                                                             "availability")),
                           "Online"));
    json_decref(b);
    pair_free(&p);
}

static void test_pending_cap_resync(void **state)
{
    (void)state;
    pair p = pair_new(0);
    mt_resp r = mt_at(p.f, "POST", p.aa, "/people/presenceSubscriptions", p.ta, "application/json",
                      "{\"uris\":[\"sip:bob@fabrikam.test\"]}", NULL);
    mt_resp_free(&r);
    const char *av[] = {"{\"availability\":\"Busy\"}", "{\"availability\":\"Online\"}"};
    for (int i = 0; i < MOB_MAX_PENDING_EVENTS + 4; i++) {
        r = mt_at(p.f, "POST", p.ab, "/me/presence", p.tb, "application/json", av[i & 1], NULL);
        mt_resp_free(&r);
    }
    json_t *b = mt_events(p.f, p.aa, p.ta, 2);
    assert_non_null(json_object_get(json_object_get(b, "_links"), "resync"));
    json_decref(b);
    assert_true(mcxd_mobility_get_counters(p.f->st)->events_resync >= 1);
    /* after the resync the channel works again */
    invite_alice(&p);
    b = mt_events(p.f, p.aa, p.ta, 2);
    assert_non_null(mt_event(b, "messagingInvitation", "started"));
    json_decref(b);
    pair_free(&p);
}

/* The request queue limit (here 2 parked P-GETs instead of 5,000): the
 * next P-GET and a new sign-in get 503 with Retry-After, a signed-in
 * session's other requests are still served, nothing acknowledged is lost,
 * and parking works again as soon as one completes. */
static void test_request_queue_limit(void **state)
{
    (void)state;
    pair p = pair_new(0);
    p.f->cfg.request_queue_limit = 2;
    char *a2 = mt_app(p.f, p.ta, "Lync Android");
    json_decref(mt_events(p.f, a2, p.ta, 1));
    static int h3;
    mt_resp r = park(&p, p.aa, p.ta, 2, NULL, &H1);
    assert_true(r.parked);
    mt_resp_free(&r);
    r = park(&p, p.ab, p.tb, 2, NULL, &H2);
    assert_true(r.parked);
    mt_resp_free(&r);
    r = park(&p, a2, p.ta, 2, NULL, &h3);
    assert_false(r.parked);
    assert_int_equal(r.status, 503);
    assert_non_null(strstr(r.body, "RequestQueueFull"));
    mt_resp_free(&r);
    r = mt_req(p.f, "POST", MT_APPS, p.tb, "application/json", "{\"UserAgent\":\"x\",\"EndpointId\":\"1\"}", NULL);
    assert_int_equal(r.status, 503);
    mt_resp_free(&r);
    /* bob, signed in, still acts: his invitation completes alice's P-GET */
    invite_alice(&p);
    mt_done d = {0};
    assert_true(mt_take_done(p.f, &H1, &d));
    assert_int_equal(d.status, 200);
    free(d.body);
    /* one slot free: the refused P-GET parks now, with the same ack (nothing consumed) */
    r = park(&p, a2, p.ta, 2, NULL, &h3);
    assert_true(r.parked);
    mt_resp_free(&r);
    assert_true(mcxd_mobility_get_counters(p.f->st)->requests_rejected >= 2);
    free(a2);
    pair_free(&p);
}

/* Memory per always-connected session with 80 contacts subscribed (seed:
 * Capacity Planning for Mobility, 534 KB; our bound 10 KB), by the store's
 * own accounting, after the first batch was read. */
static void test_memory_per_session(void **state)
{
    (void)state;
    mt *f = mt_new(5);
    char *ta = mt_token(f, "alice@contoso.test", "secret");
    char body[80 * 40 + 32];
    size_t n = (size_t)snprintf(body, sizeof(body), "{\"uris\":[");
    for (int i = 0; i < 80; i++)
        n += (size_t)snprintf(body + n, sizeof(body) - n, "%s\"sip:u%02d@contoso.test\"", i ? "," : "", i);
    snprintf(body + n, sizeof(body) - n, "]}");
    size_t before = 0;
    enum { SESSIONS = 10 };
    for (int s = 0; s < SESSIONS; s++) {
        char *app = mt_app(f, ta, "Lync 2010 Android");
        mt_available(f, app, ta);
        mt_resp r = mt_at(f, "POST", app, "/people/presenceSubscriptions", ta, "application/json", body, NULL);
        assert_int_equal(r.status, 201);
        mt_resp_free(&r);
        json_decref(mt_events(f, app, ta, 1));
        json_decref(mt_events(f, app, ta, 2));
        if (s == 0)
            before = mcxd_mobility_bytes(f->st);
        free(app);
    }
    size_t per = (mcxd_mobility_bytes(f->st) - before) / (SESSIONS - 1);
    print_message("memory per session with 80 contacts subscribed: %zu bytes\n", per);
    assert_true(per <= 10 * 1024);
    free(ta);
    mt_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_park_and_wake),
        cmocka_unit_test(test_pget_replaced),
        cmocka_unit_test(test_batch_resent_and_resync),
        cmocka_unit_test(test_pget_timeout),
        cmocka_unit_test(test_lifetimes),
        cmocka_unit_test(test_parked_pget_keeps_session),
        cmocka_unit_test(test_expiry_with_pending_invitation),
        cmocka_unit_test(test_presence_degrades_for_watcher),
        cmocka_unit_test(test_pending_cap_resync),
        cmocka_unit_test(test_request_queue_limit),
        cmocka_unit_test(test_memory_per_session),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
